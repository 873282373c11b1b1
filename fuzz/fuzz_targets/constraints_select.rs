//! Constraint JSON from a page → WebIDL conversion → getUserMedia / applyConstraints /
//! getDisplayMedia decisions. Nothing may panic, conversion errors are TypeErrors, and a
//! successful selection satisfies every required constraint of the basic set.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacapture_core::{
    DeviceView, TrackKind, check_display_options, fitness_distance, requested_kinds,
    select_device, select_settings, shared_source::running_source_view,
};
use mediacapture_types::native::*;
use mediacapture_types::*;

fn devices() -> Vec<DeviceDescriptor> {
    let cam = |raw: &str, modes: &[(u32, u32, f64)], facing, default| DeviceDescriptor {
        raw_id: raw.into(),
        raw_group_id: format!("g{raw}"),
        kind: MediaDeviceKind::VideoInput,
        label: raw.into(),
        is_default: default,
        capabilities: NativeCapabilities::Video(VideoCapabilities {
            modes: modes
                .iter()
                .map(|&(width, height, frame_rate)| VideoMode { width, height, frame_rate })
                .collect(),
            facing_mode: facing,
        }),
    };
    vec![
        cam("a", &[(1280, 720, 30.0), (640, 480, 30.0), (1280, 720, 60.0)], Some(VideoFacingModeEnum::User), false),
        cam("b", &[(1920, 1080, 30.0), (320, 240, 15.0)], None, true),
        DeviceDescriptor {
            raw_id: "m".into(),
            raw_group_id: "ga".into(),
            kind: MediaDeviceKind::AudioInput,
            label: "m".into(),
            is_default: true,
            capabilities: NativeCapabilities::Audio(AudioCapabilities {
                sample_rates: vec![48000, 44100],
                channel_counts: vec![1, 2],
                sample_sizes: vec![16],
                latency: (0.01, 0.1),
                echo_cancellation: vec![EchoCancellation::Bool(true), EchoCancellation::Bool(false)],
                auto_gain_control: vec![true, false],
                noise_suppression: vec![true],
            }),
        },
        DeviceDescriptor {
            raw_id: "s".into(),
            raw_group_id: "gs".into(),
            kind: MediaDeviceKind::VideoInput,
            label: "s".into(),
            is_default: false,
            capabilities: NativeCapabilities::Display(DisplayCapabilities {
                width: 2560,
                height: 1440,
                max_frame_rate: 60.0,
                display_surface: DisplayCaptureSurfaceType::Monitor,
                cursor: vec![CursorCaptureConstraint::Always, CursorCaptureConstraint::Never],
            }),
        },
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return };
    let devs = devices();
    let views: Vec<DeviceView> = devs
        .iter()
        .map(|d| DeviceView::new(d, format!("id-{}", d.raw_id), format!("g-{}", d.raw_group_id)))
        .collect();

    match MediaStreamConstraints::from_value(&value) {
        Ok(c) => {
            // Conversion is stable: what getConstraints() gives back converts to the same.
            let again = MediaStreamConstraints::from_json(&serde_json::to_string(&c).unwrap()).unwrap();
            assert_eq!(again, c);
            if let Ok(kinds) = requested_kinds(&c) {
                for kind in kinds {
                    let tc = c.get(kind).constraints();
                    if let Ok((i, sel)) = select_device(kind, &views, &tc) {
                        let basic = tc.for_kind(kind).basic;
                        assert!(fitness_distance(&sel.settings, &basic, false, kind).is_finite());
                        // applyConstraints with the same constraints on the chosen device succeeds.
                        assert!(select_settings(&views[i], &tc).is_ok());
                        // A second track on the running, shared device: it sees the running
                        // configuration only, which the same constraints accept.
                        let running = running_source_view(views[i].descriptor, &sel.native, true);
                        let shared = DeviceView {
                            descriptor: &running,
                            device_id: views[i].device_id.clone(),
                            group_id: views[i].group_id.clone(),
                        };
                        assert!(select_settings(&shared, &tc).is_ok());
                    }
                }
            }
        }
        Err(e) => assert_eq!(e.kind, ErrorKind::TypeError),
    }
    match DisplayMediaStreamOptions::from_value(&value) {
        Ok(o) => {
            if check_display_options(&o).is_ok() {
                if let Some(v) = o.video.as_constraints() {
                    if let Ok(sel) = select_settings(&views[3], v) {
                        let basic = v.for_kind(TrackKind::Video).basic;
                        assert!(fitness_distance(&sel.settings, &basic, false, TrackKind::Video).is_finite());
                    }
                }
            }
        }
        Err(e) => assert_eq!(e.kind, ErrorKind::TypeError),
    }
});
