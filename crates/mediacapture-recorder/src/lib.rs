//! MediaRecorder for mediacapture: the MediaStream Recording spec's state machine and an
//! engine that encodes VP8/VP9 (libvpx) and Opus (libopus) into WebM or Matroska (libwebm,
//! Chromium's muxer), or 16-bit PCM into WAV.
//!
//! Unlike browsers' recordings, a recording written to a file (or delivered as a single blob)
//! has a Duration and Cues, so it can be seeked; and a file cut off by a killed process still
//! plays up to its last frame.
//!
//! # Which types are supported
//!
//! ```
//! use mediacapture_recorder::is_type_supported;
//! assert!(is_type_supported("video/webm;codecs=vp8,opus")); // the default
//! assert!(is_type_supported("video/webm;codecs=vp9"));
//! assert!(is_type_supported("audio/webm;codecs=opus"));
//! assert!(is_type_supported("video/x-matroska;codecs=vp8,opus"));
//! assert!(is_type_supported("audio/wav"));
//! assert!(!is_type_supported("video/mp4"));
//! ```
//!
//! # Recording a `MediaStream`
//!
//! With the default `stream` feature, [`MediaRecorder`] records a `mediacapture::MediaStream`
//! exactly like the browser API: `start(timeslice)`, `pause`, `resume`, `request_data`, `stop`,
//! and events (`start`, `dataavailable`, `pause`, `resume`, `stop`, `error`) delivered in
//! order on mediacapture's event thread. [`RecorderOptions::output_file`] also streams the
//! recording into a file, which gets Duration and Cues when the recording stops.
//!
//! # The state machine
//!
//! [`RecorderCore`] is the `MediaRecorder` object without threads or clocks: methods change
//! state synchronously, throw the spec's exceptions, and return the [`RecorderTask`]s the spec
//! queues. Run them in order with [`RecorderCore::run_task`] to get the events to fire.
//!
//! ```
//! use mediacapture_frame::{AudioData, PixelFormat, VideoFrame};
//! use mediacapture_recorder::{RecorderCore, RecorderEvent, RecorderOptions, TrackInfo, TrackKind};
//!
//! let tracks = [TrackInfo::live("v", TrackKind::Video), TrackInfo::live("a", TrackKind::Audio)];
//! let mut rec = RecorderCore::new(&tracks, RecorderOptions::default())?;
//! let mut queue = rec.start(Some(100), &tracks)?; // a blob every 100 ms of media
//! for i in 0..10i64 {
//!     let ts = i * 33_333; // capture timestamps in microseconds
//!     let frame = VideoFrame::new(PixelFormat::I420, 64, 48, vec![128u8; 64 * 48 * 3 / 2], ts)
//!         .map_err(|e| mediacapture_recorder::Error::unknown(e.to_string()))?;
//!     queue.extend(rec.push_video("v", &frame));
//!     let audio = AudioData::from_f32(48_000, 1, &[0.0; 1600], ts)
//!         .map_err(|e| mediacapture_recorder::Error::unknown(e.to_string()))?;
//!     queue.extend(rec.push_audio("a", &audio));
//! }
//! queue.extend(rec.stop());
//! let mut file = Vec::new();
//! let mut names = Vec::new();
//! for task in queue {
//!     for event in rec.run_task(task) {
//!         if let RecorderEvent::DataAvailable(blob) = &event {
//!             file.extend_from_slice(blob.data.data()); // the concatenation plays
//!         }
//!         names.push(event.type_());
//!     }
//! }
//! assert_eq!(names.first(), Some(&"start"));
//! assert_eq!(names.last(), Some(&"stop"));
//! assert_eq!(&file[..4], &[0x1a, 0x45, 0xdf, 0xa3]); // an EBML (WebM) file
//! # Ok::<(), mediacapture_recorder::Error>(())
//! ```
//!
//! # The engine alone
//!
//! [`Recording`] encodes and muxes without the state machine, e.g. to write a file:
//!
//! ```no_run
//! use mediacapture_recorder::{Recording, RecordingSettings, mime};
//! let conf = match mime::configure("video/webm", true, false)? {
//!     mime::Configured::Ready(c) => c,
//!     mime::Configured::Unsupported(e) => return Err(e),
//! };
//! let mut settings = RecordingSettings::new(conf, Some("v".into()), None);
//! settings.output_file = Some("out.webm".into());
//! settings.blobs = false;
//! let mut rec = Recording::new(settings)?;
//! // rec.push_video("v", &frame)?; ...
//! let (_, error) = rec.finish(); // the file now has Duration and Cues
//! assert!(error.is_none());
//! # Ok::<(), mediacapture_recorder::Error>(())
//! ```

pub mod core;
pub mod encode;
#[cfg(feature = "stream")]
pub mod media_recorder;
pub mod mime;
pub mod mux;
pub mod recording;

pub use crate::core::{
    BitrateMode, Blob, BlobEvent, RecorderCore, RecorderEvent, RecorderOptions, RecorderTask,
    RecordingState, TrackInfo, TrackKind, allocate_bitrates,
};
pub use encode::vpx::KeyFrameInterval;
#[cfg(feature = "stream")]
pub use media_recorder::MediaRecorder;
pub use mediacapture_types::{Error, ErrorKind, Result};
pub use mime::{Configuration, Container, is_type_supported, is_type_supported_with};
pub use recording::{Recording, RecordingSettings};
