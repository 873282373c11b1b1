//! What a device can do, as a backend reports it: native modes as lists and ranges.
//!
//! This is the hand-off between `mediacapture-hal` (which fills it in) and
//! `mediacapture-core` (which chooses settings from it). It holds no constraint: a backend
//! never sees one. Raw ids here are the backend's own; the privacy-preserving ids that a page
//! sees are derived from them by `mediacapture-core`.

use crate::enums::{
    CursorCaptureConstraint, DisplayCaptureSurfaceType, EchoCancellation, MediaDeviceKind,
    VideoFacingModeEnum,
};
use serde::{Deserialize, Serialize};

/// One native video mode: a size and a frame rate the device produces without scaling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoMode {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second.
    pub frame_rate: f64,
}

/// What a camera can do. Modes are listed in the backend's order of preference: at equal
/// fitness distance the earlier mode wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoCapabilities {
    /// Native modes, preferred first. Never empty for a usable device.
    pub modes: Vec<VideoMode>,
    /// Which way the camera faces, when known.
    pub facing_mode: Option<VideoFacingModeEnum>,
}

/// What a microphone (or any audio capture source) can do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioCapabilities {
    /// Sample rates in Hz the source delivers, preferred first (a resampler can reach others
    /// only if the implementation says so; the core treats this list as the native set).
    pub sample_rates: Vec<u32>,
    /// Channel counts, preferred first.
    pub channel_counts: Vec<u32>,
    /// Linear sample sizes in bits, preferred first.
    pub sample_sizes: Vec<u32>,
    /// Latency range in seconds `(min, max)`; the first value is the default.
    pub latency: (f64, f64),
    /// Echo cancellation values that can be set, preferred first (`[false]` = none).
    pub echo_cancellation: Vec<EchoCancellation>,
    /// Automatic gain control values that can be set, preferred first.
    pub auto_gain_control: Vec<bool>,
    /// Noise suppression values that can be set, preferred first.
    pub noise_suppression: Vec<bool>,
}

/// What a display surface (a screen, for getDisplayMedia) can do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplayCapabilities {
    /// The surface's width in pixels.
    pub width: u32,
    /// The surface's height in pixels.
    pub height: u32,
    /// The highest frame rate the capturer can deliver.
    pub max_frame_rate: f64,
    /// What kind of surface this is.
    pub display_surface: DisplayCaptureSurfaceType,
    /// Cursor modes the capturer supports.
    pub cursor: Vec<CursorCaptureConstraint>,
}

/// The capabilities of a device, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum NativeCapabilities {
    /// A camera.
    Video(VideoCapabilities),
    /// A microphone.
    Audio(AudioCapabilities),
    /// A screen or window, for getDisplayMedia only.
    Display(DisplayCapabilities),
    /// An output device: nothing to capture.
    Output,
}

/// A device as a backend sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceDescriptor {
    /// The backend's own stable id (e.g. a PulseAudio source name, `/dev/video0`'s bus info).
    /// Never shown to an application as is.
    pub raw_id: String,
    /// The backend's own id of the physical device this belongs to (a card, a USB device).
    /// Devices with the same raw group id share a `groupId`.
    pub raw_group_id: String,
    /// What kind of device this is. Display surfaces use `VideoInput` here and are told apart
    /// by their [`NativeCapabilities::Display`].
    pub kind: MediaDeviceKind,
    /// A human-readable label, e.g. `"Integrated Camera"`.
    pub label: String,
    /// `true` for the system's default device of its kind.
    pub is_default: bool,
    /// What the device can do.
    pub capabilities: NativeCapabilities,
}

impl DeviceDescriptor {
    /// `true` for a screen or window (getDisplayMedia sources).
    pub fn is_display(&self) -> bool {
        matches!(self.capabilities, NativeCapabilities::Display(_))
    }
}

/// The native configuration a source is opened in, chosen by the core from the constraints
/// of every track on it. A backend opens exactly this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum NativeConfig {
    /// A camera mode.
    Video(VideoMode),
    /// A microphone configuration.
    Audio(AudioConfig),
    /// A display capture configuration (capture at full size; the frame rate is the most any
    /// track needs).
    Display(DisplayConfig),
}

/// A microphone configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioConfig {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channel_count: u32,
    /// Linear sample size in bits.
    pub sample_size: u32,
    /// Requested latency in seconds.
    pub latency: f64,
    /// Echo cancellation mode.
    pub echo_cancellation: EchoCancellation,
    /// Automatic gain control on or off.
    pub auto_gain_control: bool,
    /// Noise suppression on or off.
    pub noise_suppression: bool,
}

/// A display capture configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplayConfig {
    /// Frames per second to capture at (at most the surface's maximum).
    pub frame_rate: f64,
    /// Whether and when to draw the cursor.
    pub cursor: CursorCaptureConstraint,
}
