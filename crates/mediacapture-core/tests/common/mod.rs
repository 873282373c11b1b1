//! Shared fixtures: devices as a backend would describe them, and a table runner.
#![allow(dead_code, reason = "each test file uses a different part")]

use mediacapture_core::DeviceView;
use mediacapture_types::native::*;
use mediacapture_types::*;

/// A camera with `modes` (width, height, fps), in backend preference order.
pub fn camera(
    raw: &str,
    group: &str,
    modes: &[(u32, u32, f64)],
    facing: Option<VideoFacingModeEnum>,
    default: bool,
) -> DeviceDescriptor {
    DeviceDescriptor {
        raw_id: raw.into(),
        raw_group_id: group.into(),
        kind: MediaDeviceKind::VideoInput,
        label: format!("Camera {raw}"),
        is_default: default,
        capabilities: NativeCapabilities::Video(VideoCapabilities {
            modes: modes
                .iter()
                .map(|&(width, height, frame_rate)| VideoMode {
                    width,
                    height,
                    frame_rate,
                })
                .collect(),
            facing_mode: facing,
        }),
    }
}

/// The main test camera: 1280x720@30, 640x480@30, 1920x1080@30, 1280x720@60, facing the user.
pub fn cam_a() -> DeviceDescriptor {
    camera(
        "camA",
        "usbA",
        &[
            (1280, 720, 30.0),
            (640, 480, 30.0),
            (1920, 1080, 30.0),
            (1280, 720, 60.0),
        ],
        Some(VideoFacingModeEnum::User),
        false,
    )
}

/// A microphone: 48 kHz / 44.1 kHz, mono / stereo, 16 bit, latency 10–100 ms, echo
/// cancellation true/false/"all", AGC and NS switchable.
pub fn mic(raw: &str, group: &str, default: bool) -> DeviceDescriptor {
    DeviceDescriptor {
        raw_id: raw.into(),
        raw_group_id: group.into(),
        kind: MediaDeviceKind::AudioInput,
        label: format!("Mic {raw}"),
        is_default: default,
        capabilities: NativeCapabilities::Audio(AudioCapabilities {
            sample_rates: vec![48000, 44100],
            channel_counts: vec![1, 2],
            sample_sizes: vec![16],
            latency: (0.01, 0.1),
            echo_cancellation: vec![
                EchoCancellation::Bool(true),
                EchoCancellation::Bool(false),
                EchoCancellation::Mode(EchoCancellationModeEnum::All),
            ],
            auto_gain_control: vec![true, false],
            noise_suppression: vec![true, false],
        }),
    }
}

/// A mic that cannot cancel echo and always has AGC off.
pub fn plain_mic() -> DeviceDescriptor {
    let mut d = mic("plain", "plainG", false);
    if let NativeCapabilities::Audio(a) = &mut d.capabilities {
        a.echo_cancellation = vec![EchoCancellation::Bool(false)];
        a.auto_gain_control = vec![false];
    }
    d
}

/// A 1920x1080 monitor captured at up to 60 Hz.
pub fn screen() -> DeviceDescriptor {
    DeviceDescriptor {
        raw_id: ":99.0".into(),
        raw_group_id: ":99".into(),
        kind: MediaDeviceKind::VideoInput,
        label: "Screen".into(),
        is_default: false,
        capabilities: NativeCapabilities::Display(DisplayCapabilities {
            width: 1920,
            height: 1080,
            max_frame_rate: 60.0,
            display_surface: DisplayCaptureSurfaceType::Monitor,
            cursor: vec![
                CursorCaptureConstraint::Always,
                CursorCaptureConstraint::Motion,
                CursorCaptureConstraint::Never,
            ],
        }),
    }
}

/// The view with ids `id-<raw>` and `g-<raw group>`.
pub fn view(d: &DeviceDescriptor) -> DeviceView<'_> {
    DeviceView::new(
        d,
        format!("id-{}", d.raw_id),
        format!("g-{}", d.raw_group_id),
    )
}

/// Parses track constraints from JSON (panics on bad test input).
pub fn tc(json: &str) -> MediaTrackConstraints {
    MediaTrackConstraints::from_json(json)
        .unwrap_or_else(|e| panic!("bad test constraints {json}: {e}"))
}

/// Runs every case of a table, reporting all failures at once with their names.
pub fn run_table<C>(
    cases: &[C],
    name: impl Fn(&C) -> String,
    check: impl Fn(&C) -> Result<(), String>,
) {
    let mut failures = Vec::new();
    for c in cases {
        if let Err(e) = check(c) {
            failures.push(format!("{}: {e}", name(c)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
