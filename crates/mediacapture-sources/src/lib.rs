//! Stream sources that are not capture devices, from *Media Capture from DOM Elements*
//! (mediacapture-fromelement): a canvas that streams, and a media file that plays into a
//! stream.
//!
//! Both give ordinary [`mediacapture::MediaStream`]s: their tracks have settings, clones,
//! constraints (scale down, lower frame rate, resample), frame sinks and `ended` / `mute`
//! events like a camera's, because each source is a `mediacapture_hal::Backend` opened
//! through [`mediacapture::custom::open_track`].
//!
//! # A canvas that streams
//!
//! [`Canvas`] is a 2D surface drawn with [`tiny_skia`]; [`Canvas::capture_stream`] is
//! `HTMLCanvasElement.captureStream(frameRequestRate)` and its track is a
//! [`CanvasCaptureMediaStreamTrack`] with `canvas()` and `request_frame()`. Frames follow
//! the spec's paint steps: nothing until the canvas is drawn to after the capture starts;
//! then a frame per paint, at most one per `1/rate` s, or (rate 0) only when requested.
//!
//! ```
//! use mediacapture_sources::{Canvas, canvas::tiny_skia};
//! use std::time::Duration;
//!
//! let canvas = Canvas::new(320, 240)?;
//! let stream = canvas.capture_stream(None)?; // a frame on every change
//! let track = &stream.get_video_tracks()[0];
//! assert_eq!(track.get_settings().width, Some(320));
//! let frames = track.video_frames();
//! assert!(frames.recv_timeout(Duration::from_millis(50)).is_none()); // nothing drawn yet
//!
//! let mut paint = tiny_skia::Paint::default();
//! paint.set_color_rgba8(0, 128, 255, 255);
//! canvas.draw(|p| {
//!     let rect = tiny_skia::Rect::from_xywh(10.0, 10.0, 100.0, 50.0).unwrap();
//!     p.fill_rect(rect, &paint, tiny_skia::Transform::identity(), None);
//! });
//! let frame = frames.recv_timeout(Duration::from_secs(1)).expect("a frame after drawing");
//! assert_eq!((frame.display_width(), frame.display_height()), (320, 240));
//! # Ok::<(), mediacapture::Error>(())
//! ```
//!
//! A still photo, the spec guide's way (video → canvas → PNG):
//! [`Canvas::draw_video_frame`] then [`Canvas::to_png`].
//!
//! # A media file that plays into a stream
//!
//! [`MediaFile`] plays WebM/Matroska (VP8, VP9, Opus — what `MediaRecorder` writes), WAV
//! and y4m files in real time; [`MediaFile::capture_stream`] is a media element's
//! `captureStream()`. Tracks end (`ended`) when the file does, unless it loops; seeking
//! changes nothing for the tracks but what they carry; pausing mutes them.
//!
//! ```no_run
//! use mediacapture_sources::MediaFile;
//! // Re-record a file (what `mediacapture record --from FILE` does):
//! let stream = MediaFile::open("in.webm")?.capture_stream()?;
//! for track in stream.get_tracks() {
//!     println!("{:?}: {:?}", track.kind(), track.get_settings());
//! }
//! // ... hand `stream` to a MediaRecorder; it ends when the file does.
//! # Ok::<(), mediacapture::Error>(())
//! ```
//!
//! [`file::MediaReader`] reads the same files as fast as the caller pulls (no clock), for
//! transcoding and tests. A damaged file gives `NotReadableError` at open (header) or ends
//! the tracks at the damage with that error ([`MediaFile::error`]); it never panics.

pub mod canvas;
pub mod file;

pub use canvas::{Canvas, CanvasCaptureMediaStreamTrack, CanvasCaptureStream};
pub use file::{MediaFile, MediaReader};
