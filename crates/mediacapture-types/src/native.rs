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
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Frame rates closer than this (frames per second) are the same rate: devices state rates
/// as fractions (30000/1001) that the core and the backends may round differently.
pub const FRAME_RATE_TOLERANCE: f64 = 1e-3;

/// Latencies closer than this (seconds) to a range's ends are inside it.
const LATENCY_TOLERANCE: f64 = 1e-9;

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

/// What a microphone (or any audio capture source) can do *itself*: the formats it opens in
/// and the processing the device or the system applies before the audio reaches us (a
/// headset's own echo canceller, say). Most devices have none: `[false]`.
///
/// The software processing `mediacapture` applies to microphones (WebRTC's audio processing
/// module: echo cancellation, noise suppression, gain control) is not listed here: the core
/// adds it as a separate kind of candidate settings ("processed", 48 kHz), as Chromium does,
/// and a backend never hears of it.
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
    /// The device's own echo cancellation: values that can be set (`[false]` = none).
    pub echo_cancellation: Vec<EchoCancellation>,
    /// The device's own automatic gain control: values that can be set (`[false]` = none).
    pub auto_gain_control: Vec<bool>,
    /// The device's own noise suppression: values that can be set (`[false]` = none).
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

/// A microphone configuration: the format the device opens in and the device's own
/// processing switches (see [`AudioCapabilities`]). Software processing chosen for a track
/// is not part of it: it belongs to the track's settings and runs in `mediacapture`.
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
    /// The device's own echo cancellation.
    pub echo_cancellation: EchoCancellation,
    /// The device's own automatic gain control.
    pub auto_gain_control: bool,
    /// The device's own noise suppression.
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

impl NativeCapabilities {
    /// Whether a device with these capabilities can be opened in `config`: the one check every
    /// backend makes in `open`.
    ///
    /// - A camera admits a mode with the width and height of one of its modes and that mode's
    ///   frame rate (within [`FRAME_RATE_TOLERANCE`]).
    /// - A microphone admits a configuration whose sample rate, channel count, sample size and
    ///   processing switches (`echoCancellation`, `autoGainControl`, `noiseSuppression`) are
    ///   each one it lists, and whose latency lies in its range.
    /// - A display surface admits a frame rate above 0 and at most its maximum (within the
    ///   tolerance), with one of its cursor modes; it always captures at its own size.
    /// - An output device admits nothing, and no device admits a configuration of another
    ///   kind. NaN never matches.
    ///
    /// ```
    /// use mediacapture_types::native::*;
    /// let caps = NativeCapabilities::Video(VideoCapabilities {
    ///     modes: vec![VideoMode { width: 640, height: 480, frame_rate: 30.0 }],
    ///     facing_mode: None,
    /// });
    /// let mode = |frame_rate| NativeConfig::Video(VideoMode { width: 640, height: 480, frame_rate });
    /// assert!(caps.admits(&mode(30.0)));
    /// assert!(!caps.admits(&mode(25.0)));
    /// ```
    pub fn admits(&self, config: &NativeConfig) -> bool {
        match (self, config) {
            (NativeCapabilities::Video(c), NativeConfig::Video(m)) => c.modes.iter().any(|n| {
                n.width == m.width
                    && n.height == m.height
                    && (n.frame_rate - m.frame_rate).abs() < FRAME_RATE_TOLERANCE
            }),
            (NativeCapabilities::Audio(c), NativeConfig::Audio(a)) => {
                let (lo, hi) = c.latency;
                c.sample_rates.contains(&a.sample_rate)
                    && c.channel_counts.contains(&a.channel_count)
                    && c.sample_sizes.contains(&a.sample_size)
                    && a.latency >= lo - LATENCY_TOLERANCE
                    && a.latency <= hi + LATENCY_TOLERANCE
                    && c.echo_cancellation.contains(&a.echo_cancellation)
                    && c.auto_gain_control.contains(&a.auto_gain_control)
                    && c.noise_suppression.contains(&a.noise_suppression)
            }
            (NativeCapabilities::Display(c), NativeConfig::Display(d)) => {
                d.frame_rate > 0.0
                    && d.frame_rate <= c.max_frame_rate + FRAME_RATE_TOLERANCE
                    && c.cursor.contains(&d.cursor)
            }
            _ => false,
        }
    }

    /// [`admits`](Self::admits) as the error a backend's `open` returns: a
    /// `NotReadableError` saying that `device` cannot be opened in `config`. The core chooses
    /// the configuration from these very capabilities, so a refusal means the device changed
    /// under us (or a bug): the device cannot be used, which the spec reports as
    /// NotReadableError, never as an OverconstrainedError naming a constraint.
    pub fn require(&self, config: &NativeConfig, device: &str) -> Result<()> {
        if self.admits(config) {
            Ok(())
        } else {
            Err(Error::not_readable(format!(
                "{device} cannot be opened in {config}: not one of its native configurations"
            )))
        }
    }
}

impl std::fmt::Display for NativeConfig {
    /// A short description: `640x480@30fps`, `48000 Hz x2 16-bit`, `screen @30fps cursor never`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NativeConfig::Video(m) => write!(f, "{}x{}@{}fps", m.width, m.height, m.frame_rate),
            NativeConfig::Audio(a) => write!(
                f,
                "{} Hz x{} {}-bit",
                a.sample_rate, a.channel_count, a.sample_size
            ),
            NativeConfig::Display(d) => {
                write!(f, "screen @{}fps cursor {}", d.frame_rate, d.cursor)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn camera() -> NativeCapabilities {
        NativeCapabilities::Video(VideoCapabilities {
            modes: vec![
                VideoMode {
                    width: 640,
                    height: 480,
                    frame_rate: 30.0,
                },
                VideoMode {
                    width: 1280,
                    height: 720,
                    frame_rate: 29.97,
                },
            ],
            facing_mode: None,
        })
    }

    fn mic() -> NativeCapabilities {
        NativeCapabilities::Audio(AudioCapabilities {
            sample_rates: vec![48000, 16000],
            channel_counts: vec![1, 2],
            sample_sizes: vec![16],
            latency: (0.01, 0.02),
            echo_cancellation: vec![EchoCancellation::Bool(false)],
            auto_gain_control: vec![false, true],
            noise_suppression: vec![false],
        })
    }

    fn screen() -> NativeCapabilities {
        NativeCapabilities::Display(DisplayCapabilities {
            width: 1920,
            height: 1080,
            max_frame_rate: 30.0,
            display_surface: DisplayCaptureSurfaceType::Monitor,
            cursor: vec![CursorCaptureConstraint::Never],
        })
    }

    fn video(width: u32, height: u32, frame_rate: f64) -> NativeConfig {
        NativeConfig::Video(VideoMode {
            width,
            height,
            frame_rate,
        })
    }

    fn audio(f: impl FnOnce(&mut AudioConfig)) -> NativeConfig {
        let mut a = AudioConfig {
            sample_rate: 48000,
            channel_count: 2,
            sample_size: 16,
            latency: 0.01,
            echo_cancellation: EchoCancellation::Bool(false),
            auto_gain_control: true,
            noise_suppression: false,
        };
        f(&mut a);
        NativeConfig::Audio(a)
    }

    fn display(frame_rate: f64, cursor: CursorCaptureConstraint) -> NativeConfig {
        NativeConfig::Display(DisplayConfig { frame_rate, cursor })
    }

    #[test]
    fn admits_table() {
        use CursorCaptureConstraint as C;
        let cases: Vec<(&str, NativeCapabilities, NativeConfig, bool)> = vec![
            ("camera mode", camera(), video(640, 480, 30.0), true),
            (
                "rate within tolerance",
                camera(),
                video(1280, 720, 29.9704),
                true,
            ),
            (
                "rate outside tolerance",
                camera(),
                video(1280, 720, 29.96),
                false,
            ),
            (
                "size of one mode, rate of another",
                camera(),
                video(640, 480, 29.97),
                false,
            ),
            ("unknown width", camera(), video(800, 480, 30.0), false),
            ("unknown height", camera(), video(640, 360, 30.0), false),
            ("NaN rate", camera(), video(640, 480, f64::NAN), false),
            ("mic config", mic(), audio(|_| {}), true),
            ("second rate", mic(), audio(|a| a.sample_rate = 16000), true),
            (
                "rate not listed",
                mic(),
                audio(|a| a.sample_rate = 44100),
                false,
            ),
            (
                "channels not listed",
                mic(),
                audio(|a| a.channel_count = 6),
                false,
            ),
            (
                "sample size not listed",
                mic(),
                audio(|a| a.sample_size = 24),
                false,
            ),
            (
                "latency at the top",
                mic(),
                audio(|a| a.latency = 0.02),
                true,
            ),
            ("latency above", mic(), audio(|a| a.latency = 0.03), false),
            ("latency below", mic(), audio(|a| a.latency = 0.001), false),
            ("NaN latency", mic(), audio(|a| a.latency = f64::NAN), false),
            (
                "echo cancellation not offered",
                mic(),
                audio(|a| a.echo_cancellation = EchoCancellation::Bool(true)),
                false,
            ),
            (
                "agc off",
                mic(),
                audio(|a| a.auto_gain_control = false),
                true,
            ),
            (
                "ns not offered",
                mic(),
                audio(|a| a.noise_suppression = true),
                false,
            ),
            ("screen rate", screen(), display(30.0, C::Never), true),
            ("screen lower rate", screen(), display(0.5, C::Never), true),
            ("screen above max", screen(), display(31.0, C::Never), false),
            ("screen zero rate", screen(), display(0.0, C::Never), false),
            (
                "screen negative rate",
                screen(),
                display(-5.0, C::Never),
                false,
            ),
            (
                "screen NaN rate",
                screen(),
                display(f64::NAN, C::Never),
                false,
            ),
            (
                "cursor not offered",
                screen(),
                display(30.0, C::Always),
                false,
            ),
            ("audio config on a camera", camera(), audio(|_| {}), false),
            ("video config on a mic", mic(), video(640, 480, 30.0), false),
            (
                "video config on a screen",
                screen(),
                video(1920, 1080, 30.0),
                false,
            ),
            (
                "display config on a camera",
                camera(),
                display(30.0, C::Never),
                false,
            ),
            (
                "output device",
                NativeCapabilities::Output,
                audio(|_| {}),
                false,
            ),
        ];
        for (what, caps, config, want) in cases {
            assert_eq!(caps.admits(&config), want, "{what}: {config}");
        }
    }

    #[test]
    fn require_is_a_not_readable_error_without_a_constraint() {
        assert!(camera().require(&video(640, 480, 30.0), "Cam").is_ok());
        let e = camera().require(&video(800, 600, 30.0), "Cam").unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotReadableError);
        assert_eq!(e.constraint(), None);
        assert!(
            e.message.contains("Cam") && e.message.contains("800x600@30fps"),
            "{e}"
        );
    }
}
