//! The fake system audio (`Backend::system_audio`): never enumerated, opened like a
//! microphone, a steady 660 Hz tone; a profile without a `systemaudio` device has none.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::{Collect, aconfig, dominant, rms};
use mediacapture_hal::fake::{
    BEEP_HZ, DeviceSpec, FakeBackend, FakeProfile, SYSTEM_AUDIO_HZ, TONE_HZ,
};
use mediacapture_hal::{Backend, ErrorKind, NativeCapabilities, NativeConfig};
use mediacapture_types::{EchoCancellation, MediaDeviceKind};
use std::sync::Arc;

#[test]
fn default_profile_has_system_audio_that_is_not_enumerated() {
    let backend = FakeBackend::default();
    let d = backend.system_audio().unwrap().expect("system audio");
    assert_eq!(d.raw_id, "fake:systemaudio:0");
    assert_eq!(d.label, "System Audio");
    assert_eq!(d.kind, MediaDeviceKind::AudioInput);
    assert!(!d.is_display());
    let NativeCapabilities::Audio(a) = &d.capabilities else {
        panic!("{:?}", d.capabilities)
    };
    assert_eq!(a.sample_rates, vec![48000]);
    assert_eq!(a.channel_counts, vec![2, 1]);
    assert_eq!(a.echo_cancellation, vec![EchoCancellation::Bool(false)]);
    assert_eq!(a.auto_gain_control, vec![false]);
    assert_eq!(a.noise_suppression, vec![false]);
    let devices = backend.devices().unwrap();
    assert_eq!(devices.len(), 4, "{devices:?}");
    assert!(!devices.iter().any(|x| x.raw_id == d.raw_id));
}

#[test]
fn plays_a_steady_660_hz_tone() {
    let clock = common::test_clock();
    let backend = FakeBackend::with_clock(FakeProfile::default(), clock.as_clock());
    let id = backend.system_audio().unwrap().unwrap().raw_id;
    let sink = Arc::new(Collect::default());
    let mut src = backend.open(&id, &aconfig(48000, 2), sink.clone()).unwrap();
    // Enough for more than one whole second: a microphone would have beeped by then.
    sink.drive_audio(&clock, 120);
    src.stop();
    let blocks = sink.audio();
    assert_eq!((blocks[0].sample_rate(), blocks[0].channels()), (48000, 2));
    let candidates = [TONE_HZ, SYSTEM_AUDIO_HZ, BEEP_HZ, 1000.0];
    // Every 100 ms window (the beep's length) is the 660 Hz tone: there is no beep.
    for chunk in blocks.chunks_exact(10) {
        let mono: Vec<f32> = chunk
            .iter()
            .flat_map(|b| b.to_f32_interleaved())
            .step_by(2)
            .collect();
        assert!(rms(&mono) > 0.1, "rms {}", rms(&mono));
        assert_eq!(dominant(&mono, 48000.0, &candidates), SYSTEM_AUDIO_HZ);
    }
}

#[test]
fn open_checks_the_configuration() {
    let backend = FakeBackend::default();
    let sink = Arc::new(Collect::default());
    let e = backend
        .open("fake:systemaudio:0", &aconfig(44100, 2), sink.clone())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, mediacapture_hal::ErrorKind::NotReadableError, "{e}");
    assert_eq!(e.constraint(), None);
    let mut c = aconfig(48000, 2);
    if let NativeConfig::Audio(a) = &mut c {
        a.echo_cancellation = EchoCancellation::Bool(true);
    }
    let e = backend
        .open("fake:systemaudio:0", &c, sink)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, mediacapture_hal::ErrorKind::NotReadableError, "{e}");
    assert_eq!(e.constraint(), None);
}

#[test]
fn profiles_choose_whether_there_is_system_audio() {
    let none = FakeBackend::new(
        FakeProfile::from_json(r#"{"devices":[{"kind":"screen"},{"kind":"audiooutput"}]}"#)
            .unwrap(),
    );
    assert_eq!(none.system_audio().unwrap(), None);
    assert_eq!(
        FakeBackend::new(FakeProfile::empty())
            .system_audio()
            .unwrap(),
        None
    );

    let custom = FakeBackend::new(
        FakeProfile::from_json(
            r#"{"devices":[{"kind":"systemaudio","label":"Loopback","id":"loop",
                "sampleRate":[44100,48000],"channelCount":1}]}"#,
        )
        .unwrap(),
    );
    let d = custom.system_audio().unwrap().unwrap();
    assert_eq!((d.raw_id.as_str(), d.label.as_str()), ("loop", "Loopback"));
    let NativeCapabilities::Audio(a) = &d.capabilities else {
        panic!()
    };
    assert_eq!(
        (a.sample_rates.clone(), a.channel_counts.clone()),
        (vec![44100, 48000], vec![1])
    );
    assert!(custom.devices().unwrap().is_empty());

    let e = FakeProfile::from_json(r#"{"devices":[{"kind":"systemaudio","channelCount":[0]}]}"#)
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::TypeError);
}

#[test]
fn plugging_system_audio_in_and_out() {
    let backend = FakeBackend::new(FakeProfile::empty());
    let id = backend
        .add_device(DeviceSpec::system_audio("Speakers' sound"))
        .unwrap();
    assert_eq!(backend.system_audio().unwrap().unwrap().raw_id, id);
    backend.remove_device(&id).unwrap();
    assert_eq!(backend.system_audio().unwrap(), None);
}
