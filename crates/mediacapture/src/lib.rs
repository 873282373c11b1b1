//! The W3C *Media Capture and Streams* API for native programs.
//!
//! `mediacapture` gives Rust programs what `navigator.mediaDevices` gives a web page:
//! [`MediaDevices::get_user_media`] with the same constraint JSON and the same chosen
//! settings, [`MediaStream`] and [`MediaStreamTrack`] with the spec's events, and the same
//! errors (named after their DOMException, with [`ErrorKind::OverconstrainedError`] naming
//! the constraint).
//!
//! # Get a stream, read its settings, clone, stop
//!
//! ```
//! use mediacapture::{MediaDevices, MediaStreamConstraints};
//! use mediacapture_hal::fake::FakeBackend;
//! # futures_executor::block_on(async {
//! // Fake devices: one camera (640x480, 1280x720, 1920x1080), one microphone, one screen.
//! let devices = MediaDevices::builder()
//!     .origin("https://example.com")
//!     .backend(FakeBackend::default())
//!     .build();
//!
//! let constraints = MediaStreamConstraints::from_json(
//!     r#"{"video": {"width": {"ideal": 1280}, "frameRate": {"max": 30}}}"#,
//! )?;
//! let stream = devices.get_user_media(constraints).await?;
//! let track = &stream.get_video_tracks()[0];
//! let settings = track.get_settings();
//! assert_eq!(settings.width, Some(1280));
//! assert_eq!(settings.height, Some(720));
//!
//! // A clone shares the camera but has its own constraints.
//! let small = track.clone_track();
//! small
//!     .apply_constraints(mediacapture::MediaTrackConstraints::from_json(
//!         r#"{"width": 320, "height": 180}"#,
//!     )?)
//!     .await?;
//! assert_eq!(small.get_settings().width, Some(320));
//!
//! // Frames arrive on a bounded async stream (or a callback).
//! let frames = small.video_frames();
//! let frame = frames.recv_timeout(std::time::Duration::from_secs(2)).expect("a frame");
//! assert_eq!(frame.display_width(), 320);
//!
//! // stop() ends a track at once; the camera closes when its last track stops.
//! track.stop();
//! small.stop();
//! assert!(!stream.active());
//! # Ok::<(), mediacapture::Error>(())
//! # }).unwrap();
//! ```
//!
//! # Threads, futures and events
//!
//! The futures (`get_user_media`, `get_display_media`, `enumerate_devices`,
//! `apply_constraints`) are runtime-agnostic and only wait: each [`MediaDevices`] does the
//! work (listing backends, asking the prompt handler, opening devices) on a request thread of
//! its own, one request at a time in call order, as Chromium queues a frame's getUserMedia and
//! applyConstraints requests. So nothing blocks inside `poll`, and a prompt can be answered by
//! another task of the same single-threaded executor ([`MediaDevicesBuilder::prompt_async`]).
//!
//! Every event (`ended`, `mute`, `unmute`, `devicechange`, …) is a task queued on an
//! [`EventLoop`], delivered in order, never while the library holds a lock. Each
//! `MediaDevices` has its own loop (as each browser document does), shared by its tracks and
//! streams, so a slow listener of one never delays another's events. Listeners are closures
//! ([`MediaStreamTrack::add_event_listener`]) and every target also gives an async
//! [`EventStream`].
//!
//! Fake devices are used only when asked for ([`MediaDevicesBuilder::fake_devices`], a
//! [`mediacapture_hal::fake::FakeBackend`], or `MEDIACAPTURE_FAKE=1`): on a machine without a
//! camera, `get_user_media({video: true})` fails with `NotFoundError`, as in a browser.
//!
//! # Privacy
//!
//! A [`MediaDevices`] belongs to an origin. Device ids are HMAC-SHA256 of a per-installation
//! salt, the origin and the backend's raw id: stable for one origin, unlinkable across
//! origins. Labels and ids are hidden until a getUserMedia call succeeds, as the spec says.

pub mod audio_processing;
pub mod custom;
mod delivery;
mod devices;
mod display_audio;
pub mod events;
pub mod generator;
pub mod media_element;
pub mod playout;
pub mod push;
mod sink;
mod source;
mod stream;
mod track;

pub use devices::{
    AudioOutputOptions, DeviceChangeEvent, DeviceInfo, DisplaySurfaceInfo, MediaDevices,
    MediaDevicesBuilder, PermissionRequest, PromptFuture, PromptHandler,
};
pub use events::{EventLoop, EventStream, EventTarget, ListenerId, flush_events, queue_task};
pub use mediacapture_core::permissions::{PermissionName, PermissionState, PermissionsPolicy};
pub use mediacapture_frame::{AudioData, PixelFormat, SampleFormat, VideoFrame};
pub use mediacapture_types::TrackKind;
pub use mediacapture_types::{
    DisplayMediaStreamOptions, Error, ErrorKind, MediaDeviceInfo, MediaDeviceKind,
    MediaStreamConstraints, MediaStreamTrackState, MediaTrackCapabilities, MediaTrackConstraintSet,
    MediaTrackConstraints, MediaTrackSettings, MediaTrackSupportedConstraints, Result,
};
pub use sink::{
    AUDIO_SINK_CAPACITY, AudioDataStream, SinkId, VIDEO_SINK_CAPACITY, VideoFrameStream,
};
pub use stream::{
    MediaStream, MediaStreamEvent, MediaStreamTrackEvent, StreamEventType, TrackSetObserverId,
};
pub use track::{MediaStreamTrack, TrackEvent};

/// The spec's vocabulary (constraints, settings, capabilities, enums), re-exported.
pub mod types {
    pub use mediacapture_types::*;
}
