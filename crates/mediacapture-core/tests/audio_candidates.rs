//! The microphone candidate model: each microphone is offered as its own formats
//! (unprocessed) and as the software-processed kind (48 kHz, mono or the device's channel
//! count, 16 bits, 10 ms, echo cancellation / gain control / noise suppression free).
//!
//! The expected results follow Chromium's audio constraints code
//! (`media_stream_constraints_util_audio.cc`: the unprocessed and APM-processed containers,
//! their defaults and the score order fitness > echo cancellation mode > processing
//! priority), read from its source, not observed in a browser. Where the spec and Chromium
//! differ the spec wins, and `KNOWN_DIFFERENCES` says how.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod common;
use common::*;
use mediacapture_core::audio::{EchoReference, SoftwareProcessing, software_processing};
use mediacapture_core::{DeviceView, TrackKind, capabilities, select_device, select_settings};
use mediacapture_types::native::*;
use mediacapture_types::*;
use serde_json::Value;

/// Chromium's fake microphone: 44100 Hz, 2 channels, 16 bits, no processing of its own.
fn chromium_fake_mic() -> DeviceDescriptor {
    DeviceDescriptor {
        raw_id: "default".into(),
        raw_group_id: "fake-audio".into(),
        kind: MediaDeviceKind::AudioInput,
        label: "Fake Default Audio Input".into(),
        is_default: true,
        capabilities: NativeCapabilities::Audio(AudioCapabilities {
            sample_rates: vec![44100],
            channel_counts: vec![2],
            sample_sizes: vec![16],
            latency: (0.01, 0.01),
            echo_cancellation: vec![EchoCancellation::Bool(false)],
            auto_gain_control: vec![false],
            noise_suppression: vec![false],
        }),
    }
}

/// A PulseAudio source as the pulse backend describes one: its own format (here 44.1 kHz
/// stereo) first, then what the server converts to, latency 1–500 ms, no processing.
fn pulse_like_mic() -> DeviceDescriptor {
    DeviceDescriptor {
        raw_id: "alsa_input.usb".into(),
        raw_group_id: "card1".into(),
        kind: MediaDeviceKind::AudioInput,
        label: "USB Microphone".into(),
        is_default: true,
        capabilities: NativeCapabilities::Audio(AudioCapabilities {
            sample_rates: vec![44100, 8000, 16000, 22050, 32000, 48000, 96000],
            channel_counts: vec![2, 1],
            sample_sizes: vec![16],
            latency: (0.001, 0.5),
            echo_cancellation: vec![EchoCancellation::Bool(false)],
            auto_gain_control: vec![false],
            noise_suppression: vec![false],
        }),
    }
}

/// (name, device, constraints, Ok(subset of settings) or Err(failed constraint))
type Case = (
    &'static str,
    fn() -> DeviceDescriptor,
    &'static str,
    Result<&'static str, &'static str>,
);

const PROCESSED_ON: &str = r#"{"sampleRate":48000,"channelCount":1,"sampleSize":16,"latency":0.01,"echoCancellation":true,"autoGainControl":true,"noiseSuppression":true,"voiceIsolation":false}"#;
const FAKE_NATIVE: &str = r#"{"sampleRate":44100,"channelCount":2,"sampleSize":16,"latency":0.01,"echoCancellation":false,"autoGainControl":false,"noiseSuppression":false,"voiceIsolation":false}"#;

const CASES: &[Case] = &[
    (
        "defaults: processed, 48 kHz mono, all on",
        chromium_fake_mic,
        "{}",
        Ok(PROCESSED_ON),
    ),
    (
        "echoCancellation false: the device's own format, all off",
        chromium_fake_mic,
        r#"{"echoCancellation":false}"#,
        Ok(FAKE_NATIVE),
    ),
    (
        "echoCancellation exact false: the device's own format",
        chromium_fake_mic,
        r#"{"echoCancellation":{"exact":false}}"#,
        Ok(FAKE_NATIVE),
    ),
    (
        "echoCancellation false, AGC asked for: processed without echo cancellation",
        chromium_fake_mic,
        r#"{"echoCancellation":false,"autoGainControl":true}"#,
        Ok(
            r#"{"sampleRate":48000,"channelCount":1,"echoCancellation":false,"autoGainControl":true,"noiseSuppression":false}"#,
        ),
    ),
    (
        "all three off: unprocessed wins the tie",
        chromium_fake_mic,
        r#"{"echoCancellation":false,"autoGainControl":false,"noiseSuppression":false}"#,
        Ok(FAKE_NATIVE),
    ),
    (
        "ideal 44100 Hz: the device's format is nearer",
        chromium_fake_mic,
        r#"{"sampleRate":44100}"#,
        Ok(FAKE_NATIVE),
    ),
    (
        "exact 48000 Hz: processed",
        chromium_fake_mic,
        r#"{"sampleRate":{"exact":48000}}"#,
        Ok(PROCESSED_ON),
    ),
    (
        "exact 44100 Hz with echoCancellation true: only unprocessed fits, echo off",
        chromium_fake_mic,
        r#"{"sampleRate":{"exact":44100},"echoCancellation":true}"#,
        Ok(FAKE_NATIVE),
    ),
    (
        "channelCount 2: processed stereo (echo cancellation decides the tie)",
        chromium_fake_mic,
        r#"{"channelCount":2}"#,
        Ok(
            r#"{"sampleRate":48000,"channelCount":2,"echoCancellation":true,"autoGainControl":true,"noiseSuppression":true}"#,
        ),
    ),
    (
        "channelCount exact 1: processed mono",
        chromium_fake_mic,
        r#"{"channelCount":{"exact":1}}"#,
        Ok(PROCESSED_ON),
    ),
    (
        "channelCount exact 6: no kind has it",
        chromium_fake_mic,
        r#"{"channelCount":{"exact":6}}"#,
        Err("channelCount"),
    ),
    (
        "sampleRate exact 16000: no kind has it",
        chromium_fake_mic,
        r#"{"sampleRate":{"exact":16000}}"#,
        Err("sampleRate"),
    ),
    (
        "sampleSize exact 16: both kinds",
        chromium_fake_mic,
        r#"{"sampleSize":{"exact":16}}"#,
        Ok(PROCESSED_ON),
    ),
    (
        "latency exact 0.01: both kinds",
        chromium_fake_mic,
        r#"{"latency":{"exact":0.01}}"#,
        Ok(PROCESSED_ON),
    ),
    (
        "remote-only ideal",
        chromium_fake_mic,
        r#"{"echoCancellation":"remote-only"}"#,
        Ok(
            r#"{"sampleRate":48000,"echoCancellation":"remote-only","autoGainControl":true,"noiseSuppression":true}"#,
        ),
    ),
    (
        "remote-only exact",
        chromium_fake_mic,
        r#"{"echoCancellation":{"exact":"remote-only"}}"#,
        Ok(
            r#"{"sampleRate":48000,"echoCancellation":"remote-only","autoGainControl":true,"noiseSuppression":true}"#,
        ),
    ),
    (
        "\"all\" exact: no system-wide canceller here",
        chromium_fake_mic,
        r#"{"echoCancellation":{"exact":"all"}}"#,
        Err("echoCancellation"),
    ),
    (
        "\"all\" ideal: equally far everywhere, the default true",
        chromium_fake_mic,
        r#"{"echoCancellation":"all"}"#,
        Ok(PROCESSED_ON),
    ),
    (
        "autoGainControl false: the rest stays on",
        chromium_fake_mic,
        r#"{"autoGainControl":false}"#,
        Ok(
            r#"{"sampleRate":48000,"echoCancellation":true,"autoGainControl":false,"noiseSuppression":true}"#,
        ),
    ),
    (
        "noiseSuppression exact false",
        chromium_fake_mic,
        r#"{"noiseSuppression":{"exact":false}}"#,
        Ok(
            r#"{"sampleRate":48000,"echoCancellation":true,"autoGainControl":true,"noiseSuppression":false}"#,
        ),
    ),
    (
        "voiceIsolation ideal true: not available, processing as usual",
        chromium_fake_mic,
        r#"{"voiceIsolation":true}"#,
        Ok(PROCESSED_ON),
    ),
    (
        "voiceIsolation exact true (applyConstraints): fails naming it",
        chromium_fake_mic,
        r#"{"voiceIsolation":{"exact":true}}"#,
        Err("voiceIsolation"),
    ),
    (
        "voiceIsolation exact false",
        chromium_fake_mic,
        r#"{"voiceIsolation":{"exact":false}}"#,
        Ok(PROCESSED_ON),
    ),
    (
        "advanced echoCancellation false: echo off, so processing defaults off (unprocessed)",
        chromium_fake_mic,
        r#"{"advanced":[{"echoCancellation":false}]}"#,
        Ok(FAKE_NATIVE),
    ),
    (
        "advanced sampleRate 48000 then echoCancellation false: processed, all off",
        chromium_fake_mic,
        r#"{"advanced":[{"sampleRate":48000},{"echoCancellation":false}]}"#,
        Ok(
            r#"{"sampleRate":48000,"channelCount":1,"echoCancellation":false,"autoGainControl":false,"noiseSuppression":false}"#,
        ),
    ),
    // A PulseAudio-shaped source: many rates and channel counts of its own.
    ("pulse: defaults", pulse_like_mic, "{}", Ok(PROCESSED_ON)),
    (
        "pulse: echoCancellation false: its own format first",
        pulse_like_mic,
        r#"{"echoCancellation":false}"#,
        Ok(
            r#"{"sampleRate":44100,"channelCount":2,"latency":0.001,"echoCancellation":false,"autoGainControl":false,"noiseSuppression":false}"#,
        ),
    ),
    (
        "pulse: exact 44100 Hz mono: unprocessed mono",
        pulse_like_mic,
        r#"{"sampleRate":{"exact":44100},"channelCount":{"exact":1}}"#,
        Ok(r#"{"sampleRate":44100,"channelCount":1,"echoCancellation":false}"#),
    ),
    (
        "pulse: ideal 16000 Hz: the device delivers it, unprocessed",
        pulse_like_mic,
        r#"{"sampleRate":16000}"#,
        Ok(
            r#"{"sampleRate":16000,"echoCancellation":false,"autoGainControl":false,"noiseSuppression":false}"#,
        ),
    ),
    (
        "pulse: ideal 16000 Hz with echo cancellation: processed at 48 kHz",
        pulse_like_mic,
        r#"{"sampleRate":16000,"echoCancellation":{"exact":true}}"#,
        Ok(r#"{"sampleRate":48000,"echoCancellation":true}"#),
    ),
    (
        "pulse: latency ideal 0.1: unprocessed meets it",
        pulse_like_mic,
        r#"{"latency":0.1}"#,
        Ok(r#"{"latency":0.1,"echoCancellation":false}"#),
    ),
    (
        "pulse: channelCount 2 and echo cancellation: processed stereo",
        pulse_like_mic,
        r#"{"channelCount":{"exact":2},"echoCancellation":true}"#,
        Ok(r#"{"sampleRate":48000,"channelCount":2,"echoCancellation":true}"#),
    ),
];

fn check(
    dev: &DeviceDescriptor,
    constraints: &str,
    want: &Result<&str, &str>,
) -> Result<(), String> {
    let got = select_settings(&view(dev), &tc(constraints));
    match (got, want) {
        (Ok(sel), Ok(subset)) => {
            let s = serde_json::to_value(&sel.settings).map_err(|e| e.to_string())?;
            let want: Value = serde_json::from_str(subset).map_err(|e| e.to_string())?;
            for (k, v) in want.as_object().into_iter().flatten() {
                if s.get(k) != Some(v) {
                    return Err(format!("{k}: got {:?}, want {v} (settings {s})", s.get(k)));
                }
            }
            // The settings are among the capabilities (spec: getSettings ⊆ getCapabilities).
            let caps = capabilities(&view(dev));
            let in_range = |v: Option<u32>, r: Option<ULongRange>| {
                v.zip(r).is_some_and(|(v, r)| {
                    r.min.is_none_or(|m| v >= m) && r.max.is_none_or(|m| v <= m)
                })
            };
            if !in_range(sel.settings.sample_rate, caps.sample_rate)
                || !in_range(sel.settings.channel_count, caps.channel_count)
                || !caps.echo_cancellation.unwrap_or_default().contains(
                    &sel.settings
                        .echo_cancellation
                        .unwrap_or(EchoCancellation::Bool(true)),
                )
            {
                return Err(format!("settings {s} outside the capabilities"));
            }
            Ok(())
        }
        (Err(u), Err(name)) if u.constraint == *name => Ok(()),
        (got, want) => Err(format!("got {got:?}, want {want:?}")),
    }
}

#[test]
fn candidate_model_table() {
    run_table(CASES, |c| c.0.into(), |c| check(&c.1(), c.2, &c.3));
}

/// (constraints, what Chromium gives, what this implementation gives, why)
type Difference = (
    &'static str,
    &'static str,
    Result<&'static str, &'static str>,
    &'static str,
);

const KNOWN_DIFFERENCES: &[Difference] = &[
    (
        r#"{"sampleRate":{"exact":44100},"channelCount":{"exact":1}}"#,
        "OverconstrainedError sampleRate (the last kind to fail, the processed one, fails on it)",
        Err(""),
        "spec: failedConstraint names a constraint no settings dictionary satisfies; 44100 Hz \
         alone (unprocessed) and mono alone (processed) are each satisfiable, so it is \"\"",
    ),
    (
        r#"{"echoCancellation":{"exact":true},"sampleRate":{"exact":44100}}"#,
        "OverconstrainedError sampleRate",
        Err(""),
        "same rule: each constraint alone is satisfiable",
    ),
];

#[test]
fn known_differences_from_chromium_are_as_documented() {
    let d = chromium_fake_mic();
    run_table(
        KNOWN_DIFFERENCES,
        |c| c.0.into(),
        |&(c, _chromium, ours, _why)| check(&d, c, &ours.map(|_| "{}")),
    );
}

#[test]
fn voice_isolation_exact_in_get_user_media_is_a_type_error() {
    // Spec: voiceIsolation is not among the allowed required constraints for device
    // selection. (Chromium has no such check and fails with OverconstrainedError instead.)
    let d = chromium_fake_mic();
    let views = [view(&d)];
    let err = select_device(
        TrackKind::Audio,
        &views,
        &tc(r#"{"voiceIsolation":{"exact":true}}"#),
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::TypeError);
    // As an ideal it is fine.
    let (_, sel) = select_device(TrackKind::Audio, &views, &tc(r#"{"voiceIsolation":true}"#))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sel.settings.voice_isolation, Some(false));
}

#[test]
fn get_user_media_picks_across_devices_with_both_kinds() {
    let a = chromium_fake_mic();
    let mut b = pulse_like_mic();
    b.is_default = false;
    let views = [view(&a), view(&b)];
    // 16 kHz exactly: only the Pulse-like source delivers it (unprocessed).
    let (i, sel) = select_device(
        TrackKind::Audio,
        &views,
        &tc(r#"{"sampleRate":{"exact":16000}}"#),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((i, sel.settings.sample_rate), (1, Some(16000)));
    assert_eq!(
        sel.settings.echo_cancellation,
        Some(EchoCancellation::Bool(false))
    );
    // Defaults: the default device, processed.
    let (i, sel) =
        select_device(TrackKind::Audio, &views, &tc("{}")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((i, sel.settings.sample_rate), (0, Some(48000)));
}

#[test]
fn chromium_fake_mic_capabilities_cover_both_kinds() {
    let d = chromium_fake_mic();
    let caps = serde_json::to_value(capabilities(&view(&d))).unwrap_or_default();
    let want: Value = serde_json::from_str(
        r#"{"sampleRate":{"max":48000,"min":44100},"sampleSize":{"max":16,"min":16},
            "channelCount":{"max":2,"min":1},"latency":{"max":0.01,"min":0.01},
            "echoCancellation":[true,false,"remote-only"],"autoGainControl":[true,false],
            "noiseSuppression":[true,false],"voiceIsolation":[false],
            "deviceId":"id-default","groupId":"g-fake-audio"}"#,
    )
    .unwrap_or_default();
    assert_eq!(caps, want);
    // Without the processing module (a file, system audio): the device alone.
    let caps = capabilities(&view(&d).without_audio_processing());
    assert_eq!(caps.sample_rate, Some(ULongRange::new(44100, 44100)));
    assert_eq!(
        caps.echo_cancellation,
        Some(vec![EchoCancellation::Bool(false)])
    );
    assert_eq!(caps.auto_gain_control, Some(vec![false]));
}

#[test]
fn without_processing_only_the_device_format_exists() {
    let d = chromium_fake_mic();
    let v = view(&d).without_audio_processing();
    let sel = select_settings(&v, &tc("{}")).unwrap_or_else(|u| panic!("{u:?}"));
    assert_eq!(
        (sel.settings.sample_rate, sel.settings.channel_count),
        (Some(44100), Some(2))
    );
    assert_eq!(
        sel.settings.echo_cancellation,
        Some(EchoCancellation::Bool(false))
    );
    let err = select_settings(&v, &tc(r#"{"echoCancellation":{"exact":true}}"#)).unwrap_err();
    assert_eq!(err.constraint, "echoCancellation");
}

#[test]
fn processed_candidates_open_the_device_in_its_own_format() {
    let d = chromium_fake_mic();
    let sel = select_settings(&view(&d), &tc("{}")).unwrap_or_else(|u| panic!("{u:?}"));
    let NativeConfig::Audio(n) = sel.native else {
        panic!("not audio: {:?}", sel.native)
    };
    assert_eq!((n.sample_rate, n.channel_count), (44100, 2));
    assert_eq!(n.echo_cancellation, EchoCancellation::Bool(false));
    assert!(!n.auto_gain_control && !n.noise_suppression);
}

#[test]
fn software_processing_follows_the_settings() {
    let d = chromium_fake_mic();
    let run = |c: &str| {
        let sel = select_settings(&view(&d), &tc(c)).unwrap_or_else(|u| panic!("{u:?}"));
        software_processing(&sel.settings, &sel.native)
    };
    assert_eq!(
        run("{}"),
        Some(SoftwareProcessing {
            echo_cancellation: Some(EchoReference::All),
            auto_gain_control: true,
            noise_suppression: true,
        })
    );
    assert_eq!(run(r#"{"echoCancellation":false}"#), None);
    assert_eq!(
        run(
            r#"{"echoCancellation":"remote-only","autoGainControl":false,"noiseSuppression":false}"#
        ),
        Some(SoftwareProcessing {
            echo_cancellation: Some(EchoReference::RemoteOnly),
            auto_gain_control: false,
            noise_suppression: false,
        })
    );
    // The device's own processing is not done again in software.
    let m = mic("m", "g", true);
    let sel = select_settings(&view(&m).without_audio_processing(), &tc("{}"))
        .unwrap_or_else(|u| panic!("{u:?}"));
    assert_eq!(
        sel.settings.echo_cancellation,
        Some(EchoCancellation::Bool(true))
    );
    assert_eq!(software_processing(&sel.settings, &sel.native), None);
}

#[test]
fn a_shared_running_source_keeps_its_format_for_processed_tracks() {
    use mediacapture_core::shared_source::running_source_view;
    let d = pulse_like_mic();
    // Running unprocessed at 16 kHz mono for another track.
    let sel = select_settings(
        &view(&d),
        &tc(r#"{"sampleRate":{"exact":16000},"channelCount":{"exact":1}}"#),
    )
    .unwrap_or_else(|u| panic!("{u:?}"));
    let running = running_source_view(&d, &sel.native, true);
    let v = DeviceView::new(&running, "id", "g");
    // A new default track is processed (48 kHz) from the running 16 kHz mono device.
    let sel2 = select_settings(&v, &tc("{}")).unwrap_or_else(|u| panic!("{u:?}"));
    assert_eq!(sel2.settings.sample_rate, Some(48000));
    assert_eq!(sel2.native, sel.native);
    // Processed stereo would need the device in stereo: not while shared in mono.
    let err = select_settings(&v, &tc(r#"{"channelCount":{"exact":2}}"#)).unwrap_err();
    assert_eq!(err.constraint, "channelCount");
}
