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
//! # How it is built: a state machine and an engine
//!
//! The recorder is two parts that only exchange messages:
//!
//! - [`RecorderCore`], the **state machine**: `state`, `mimeType`, the bitrates, the
//!   timeslice, the spec's steps and exceptions. Methods (`start`, `stop`, `pause`,
//!   `resume`, `requestData`) change state at once or throw; what the spec does "in parallel"
//!   becomes [`EngineCommand`]s, and what it "queues" becomes [`RecorderTask`]s, released in
//!   order once the engine supplied what they need (a blob's bytes). No libvpx, no file, no
//!   thread, no clock: it is tested with plain values.
//! - [`Engine`], the **engine**: the encoders, muxers and outputs of one recording session
//!   ([`Recording`]). It carries out the commands, takes the tracks' media, and answers with
//!   [`EngineReport`]s (a blob's bytes, how much media the blob holds, a failure).
//!
//! [`MediaRecorder`] (feature `stream`, on by default) runs them on a `MediaStream`: the
//! state machine sits behind a small lock held only while state changes, the engine belongs
//! to one worker thread per recording, fed by a bounded queue, and the tasks run on
//! mediacapture's event loop. So reading `state` or `mimeType`, or calling a method, never
//! waits for a frame to be encoded, and one busy encoder delays no other object's events.
//! [`LocalRecorder`] runs both on the caller's thread instead.
//!
//! # Recording a `MediaStream`
//!
//! [`MediaRecorder`] records a `mediacapture::MediaStream` exactly like the browser API:
//! `start(timeslice)`, `pause`, `resume`, `request_data`, `stop`, and events (`start`,
//! `dataavailable`, `pause`, `resume`, `stop`, `error`) delivered in order on mediacapture's
//! event loop. [`RecorderOptions::output_file`] also streams the recording into a file, which
//! gets Duration and Cues when the recording stops. [`MediaRecorder::stats`] tells how much
//! was recorded (nothing, if no frame ever came) and how many frames were dropped.
//!
//! # The state machine
//!
//! Drive [`RecorderCore`] by hand to see the protocol — here with a stand-in for the engine:
//!
//! ```
//! use mediacapture_recorder::{EngineCommand, EngineReport, RecorderCore, RecorderEvent,
//!     RecorderOptions, TrackInfo, TrackKind};
//!
//! let tracks = [TrackInfo::live("v", TrackKind::Video), TrackInfo::live("a", TrackKind::Audio)];
//! let mut rec = RecorderCore::new(&tracks, RecorderOptions::default())?;
//! rec.start(None, &tracks)?;
//! rec.request_data()?;
//! rec.stop();
//! assert_eq!(rec.state().as_str(), "inactive"); // methods change state at once
//! // What the engine is asked to do, in order; each ticket gets an answer.
//! let mut answers = Vec::new();
//! while let Some(command) = rec.poll_command() {
//!     match command {
//!         EngineCommand::Start { ticket, settings, .. } => {
//!             assert_eq!(settings.configuration.mime_type(), "video/webm;codecs=vp8,opus");
//!             answers.push(EngineReport::Started { ticket });
//!         }
//!         EngineCommand::TakeBlob { ticket, .. } | EngineCommand::Finish { ticket, .. } => {
//!             answers.push(EngineReport::Blob { ticket, data: vec![0x1a], timecode: 0.0, error: None });
//!         }
//!         _ => {}
//!     }
//! }
//! assert!(rec.poll_task().is_none()); // `start` waits for the engine
//! for answer in answers {
//!     rec.handle_report(answer);
//! }
//! let mut fired = Vec::new();
//! while let Some(task) = rec.poll_task() {
//!     fired.extend(rec.run_task(task).iter().map(RecorderEvent::type_));
//! }
//! assert_eq!(fired, ["start", "dataavailable", "dataavailable", "stop"]);
//! # Ok::<(), mediacapture_recorder::Error>(())
//! ```
//!
//! # State machine and engine on one thread
//!
//! [`LocalRecorder`] pairs them without threads: push frames, run the tasks, get the events.
//!
//! ```
//! use mediacapture_frame::{AudioData, PixelFormat, VideoFrame};
//! use mediacapture_recorder::{LocalRecorder, RecorderEvent, RecorderOptions, TrackInfo, TrackKind};
//!
//! let tracks = [TrackInfo::live("v", TrackKind::Video), TrackInfo::live("a", TrackKind::Audio)];
//! let mut rec = LocalRecorder::new(&tracks, RecorderOptions::default())?;
//! rec.start(Some(100), &tracks)?; // a blob every 100 ms of media
//! for i in 0..10i64 {
//!     let ts = i * 33_333; // capture timestamps in microseconds
//!     let frame = VideoFrame::new(PixelFormat::I420, 64, 48, vec![128u8; 64 * 48 * 3 / 2], ts)
//!         .map_err(|e| mediacapture_recorder::Error::unknown(e.to_string()))?;
//!     rec.push_video("v", &frame);
//!     let audio = AudioData::from_f32(48_000, 1, &[0.0; 1600], ts)
//!         .map_err(|e| mediacapture_recorder::Error::unknown(e.to_string()))?;
//!     rec.push_audio("a", &audio);
//! }
//! rec.stop();
//! let mut file = Vec::new();
//! let mut names = Vec::new();
//! for event in rec.run_tasks() {
//!     if let RecorderEvent::DataAvailable(blob) = &event {
//!         file.extend_from_slice(blob.data.data()); // the concatenation plays
//!     }
//!     names.push(event.type_());
//! }
//! assert_eq!(names.first(), Some(&"start"));
//! assert_eq!(names.last(), Some(&"stop"));
//! assert_eq!(&file[..4], &[0x1a, 0x45, 0xdf, 0xa3]); // an EBML (WebM) file
//! # Ok::<(), mediacapture_recorder::Error>(())
//! ```
//!
//! # The media engine alone
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
//! let finished = rec.finish(); // the file now has Duration and Cues
//! assert!(finished.error.is_none());
//! # Ok::<(), mediacapture_recorder::Error>(())
//! ```

mod blob;
pub mod core;
pub mod encode;
pub mod engine;
mod local;
#[cfg(feature = "stream")]
pub mod media_recorder;
pub mod mime;
pub mod mux;
pub mod options;
mod protocol;
#[cfg(feature = "stream")]
mod published;
pub mod recording;
mod timeline;
#[cfg(feature = "stream")]
mod worker;

pub use crate::blob::{Blob, BlobEvent, RecorderEvent};
pub use crate::core::{RecorderCore, RecorderTask};
pub use crate::engine::Engine;
pub use crate::local::LocalRecorder;
pub use crate::options::{BitrateMode, RecorderOptions, RecordingState, allocate_bitrates};
pub use crate::protocol::{EngineCommand, EngineReport, TrackInfo, TrackKind};
pub use encode::vpx::KeyFrameInterval;
#[cfg(feature = "stream")]
pub use media_recorder::{MediaRecorder, RecorderStats};
pub use mediacapture_types::{Error, ErrorKind, Result};
pub use mime::{Configuration, Container, is_type_supported, is_type_supported_with};
pub use recording::{BlobData, Finished, Interrupt, Recording, RecordingSettings, RecordingStats};
