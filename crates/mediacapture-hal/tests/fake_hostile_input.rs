//! Hostile input never panics: random profile JSON gets a value or a TypeError, random
//! y4m / wav bytes get frames or a NotReadableError at open.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use mediacapture_hal::fake::{DeviceSpec, FakeBackend, FakeProfile};
use mediacapture_hal::{Backend, ErrorKind, NativeConfig};
use mediacapture_types::EchoCancellation;
use mediacapture_types::native::{AudioConfig, VideoMode};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::Arc;

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-zA-Z0-9 ]{0,8}".prop_map(Value::from),
        Just(json!("videoinput")),
        Just(json!("audioinput")),
        Just(json!("screen")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::hash_map(
                prop_oneof![
                    Just("kind".to_owned()),
                    Just("modes".to_owned()),
                    Just("width".to_owned()),
                    Just("height".to_owned()),
                    Just("frameRate".to_owned()),
                    Just("pixelFormat".to_owned()),
                    Just("sampleRate".to_owned()),
                    Just("channelCount".to_owned()),
                    Just("latency".to_owned()),
                    Just("echoCancellation".to_owned()),
                    Just("cursor".to_owned()),
                    Just("muteAfterMs".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_text_is_a_profile_or_a_type_error(s in "\\PC{0,64}") {
        if let Err(e) = FakeProfile::from_json(&s) {
            prop_assert_eq!(e.kind, ErrorKind::TypeError);
        }
    }

    #[test]
    fn random_devices_are_parsed_or_refused_and_listed(devs in prop::collection::vec(any_json(), 0..4)) {
        let text = json!({ "devices": devs }).to_string();
        match FakeProfile::from_json(&text) {
            Ok(p) => {
                let n = p.devices.len();
                let b = FakeBackend::new(p);
                prop_assert!(b.devices().unwrap().len() <= n);
            }
            Err(e) => prop_assert_eq!(e.kind, ErrorKind::TypeError),
        }
    }

    #[test]
    fn random_y4m_bytes_fail_cleanly(
        header in prop_oneof![
            Just("YUV4MPEG2 W8 H8 F30:1 C420jpeg\n".to_owned()),
            Just("YUV4MPEG2 W8 H8\n".to_owned()),
            "YUV4MPEG2 [WHFCIA0-9: ]{0,20}\n?",
        ],
        body in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.y4m");
        let mut bytes = header.into_bytes();
        bytes.extend(body);
        std::fs::write(&path, bytes).unwrap();
        let mut spec = DeviceSpec::camera("R").with_id("c").with_file(&path);
        spec.modes.clear();
        let b = FakeBackend::new(FakeProfile { devices: vec![spec] });
        let mode = match &b.devices().unwrap()[0].capabilities {
            mediacapture_hal::NativeCapabilities::Video(v) => v.modes[0],
            _ => unreachable!(),
        };
        match b.open("c", &NativeConfig::Video(mode), Arc::new(common::Collect::default())) {
            Ok(mut s) => s.stop(),
            Err(e) => prop_assert_eq!(e.kind, ErrorKind::NotReadableError),
        }
    }

    #[test]
    fn random_wav_bytes_fail_cleanly(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.wav");
        let mut bytes = b"RIFF".to_vec();
        bytes.extend((body.len() as u32 + 4).to_le_bytes());
        bytes.extend(b"WAVEfmt ");
        bytes.extend(body);
        std::fs::write(&path, bytes).unwrap();
        let b = FakeBackend::new(FakeProfile {
            devices: vec![DeviceSpec::microphone("R").with_id("m").with_file(&path)],
        });
        let cfg = NativeConfig::Audio(AudioConfig {
            sample_rate: 48000,
            channel_count: 1,
            sample_size: 16,
            latency: 0.01,
            // The fake microphone has no processing of its own (mediacapture does it).
            echo_cancellation: EchoCancellation::Bool(false),
            auto_gain_control: false,
            noise_suppression: false,
        });
        match b.open("m", &cfg, Arc::new(common::Collect::default())) {
            Ok(mut s) => s.stop(),
            Err(e) => prop_assert_eq!(e.kind, ErrorKind::NotReadableError),
        }
    }
}

#[test]
fn odd_sizes_and_tiny_modes_work() {
    let b = FakeBackend::new(
        FakeProfile::from_json(
            r#"{"devices":[{"kind":"videoinput","id":"c","modes":[
            {"width":1,"height":1,"frameRate":30},{"width":33,"height":17,"frameRate":30,"pixelFormat":"YUYV"},
            {"width":121,"height":51,"frameRate":30,"pixelFormat":"NV12"}]}]}"#,
        )
        .unwrap(),
    );
    for (w, h) in [(1, 1), (33, 17), (121, 51)] {
        let sink = Arc::new(common::Collect::default());
        let mut s = b
            .open(
                "c",
                &NativeConfig::Video(VideoMode {
                    width: w,
                    height: h,
                    frame_rate: 30.0,
                }),
                sink.clone(),
            )
            .unwrap();
        sink.wait_video(1);
        s.stop();
        let f = &sink.video()[0];
        assert_eq!((f.coded_width(), f.coded_height()), (w, h));
    }
}
