//! Capture backends for mediacapture.
//!
//! A backend lists devices with what they can do ([`DeviceDescriptor`]), opens one device in
//! one fixed native configuration ([`NativeConfig`]) and pushes frames to a [`SourceSink`]
//! from a thread it owns. It never sees a constraint: `mediacapture-core` decides, and the
//! `mediacapture` crate carries the decision out.
//!
//! The `fake` backend is always built; it is what the tests and demos run on.

pub mod fake;

use mediacapture_frame::{AudioData, VideoFrame};
pub use mediacapture_types::native::{DeviceDescriptor, NativeCapabilities, NativeConfig};
pub use mediacapture_types::{Error, ErrorKind, Result};
use std::sync::Arc;

/// Something that happened to an open source, reported by its backend.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SourceEvent {
    /// The source stopped delivering media for now (tracks become muted).
    Muted,
    /// The source delivers media again (tracks become unmuted).
    Unmuted,
    /// The source is gone for good (unplugged, exhausted, fatal error): its tracks end.
    /// The error says why, when it was a failure.
    Ended(Option<Error>),
}

/// Where an open source delivers its media. Called from the backend's capture thread;
/// implementations must return quickly and never block on the consumer.
pub trait SourceSink: Send + Sync {
    /// A video frame at the opened native configuration.
    fn on_video(&self, frame: VideoFrame);
    /// A block of audio at the opened native configuration.
    fn on_audio(&self, data: AudioData);
    /// A change of the source's state.
    fn on_event(&self, event: SourceEvent);
}

/// An open source. Dropping it (or calling [`Source::stop`]) stops capture and joins the
/// capture thread; no sink call happens after `stop` returns.
pub trait Source: Send {
    /// The configuration the source was opened in.
    fn config(&self) -> &NativeConfig;
    /// Stops capture and joins the capture thread.
    fn stop(&mut self);
}

/// Called by a backend when its device list may have changed (hot-plug).
pub type DeviceChangeCallback = Arc<dyn Fn() + Send + Sync>;

/// A capture backend.
pub trait Backend: Send + Sync {
    /// A short name: `"fake"`, `"pulse"`, `"x11"`, `"v4l2"`.
    fn name(&self) -> &'static str;

    /// The devices this backend has now, display surfaces included. A backend whose system
    /// service is not available returns an empty list, not an error.
    fn devices(&self) -> Result<Vec<DeviceDescriptor>>;

    /// Opens `raw_id` in `config` and starts delivering to `sink`.
    ///
    /// Errors: `NotFoundError` when the device is gone, `NotReadableError` when it is busy or
    /// the system refuses, `OverconstrainedError` when `config` is not one of its modes.
    fn open(
        &self,
        raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>>;

    /// Registers `callback` to be called whenever the device list may have changed.
    /// Backends without hot-plug notifications ignore it.
    fn watch_devices(&self, callback: DeviceChangeCallback) {
        let _ = callback;
    }
}
