//! What a page sees of a microphone, as in Chromium: on a fake microphone shaped like
//! Chromium's (44.1 kHz stereo, no processing of its own) and on PulseAudio sources, the
//! settings getUserMedia and applyConstraints choose, and the audio the track delivers
//! matching them (processed 48 kHz, or the device's own format).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod common;
use common::*;
use mediacapture::{ErrorKind, MediaDevices, MediaStreamTrack, MediaTrackConstraints};
use mediacapture_hal::fake::{DeviceSpec, FakeBackend, FakeProfile};
use serde_json::Value;

fn chromium_mic_devices() -> MediaDevices {
    let mut mic = DeviceSpec::chromium_microphone("Fake Default Audio Input");
    mic.is_default = true;
    MediaDevices::builder()
        .origin("https://example.com")
        .salt(SALT)
        .backend(FakeBackend::new(FakeProfile { devices: vec![mic] }))
        .build()
}

fn c(json: &str) -> MediaTrackConstraints {
    MediaTrackConstraints::from_json(json).unwrap()
}

/// Checks that every member of `want` (JSON) is in `settings`.
fn subset(settings: &mediacapture::MediaTrackSettings, want: &str) -> Result<(), String> {
    let s = serde_json::to_value(settings).unwrap();
    let want: Value = serde_json::from_str(want).unwrap();
    for (k, v) in want.as_object().into_iter().flatten() {
        if s.get(k) != Some(v) {
            return Err(format!("{k}: got {:?}, want {v} (settings {s})", s.get(k)));
        }
    }
    Ok(())
}

const PROCESSED: &str = r#"{"sampleRate":48000,"channelCount":1,"sampleSize":16,"latency":0.01,"echoCancellation":true,"autoGainControl":true,"noiseSuppression":true,"voiceIsolation":false}"#;
const NATIVE: &str = r#"{"sampleRate":44100,"channelCount":2,"sampleSize":16,"echoCancellation":false,"autoGainControl":false,"noiseSuppression":false,"voiceIsolation":false}"#;

/// (getUserMedia audio constraints, expected settings subset or Err(constraint name))
const GUM: &[(&str, Result<&str, &str>)] = &[
    ("true", Ok(PROCESSED)),
    (r#"{"echoCancellation":false}"#, Ok(NATIVE)),
    (
        r#"{"echoCancellation":false,"noiseSuppression":true}"#,
        Ok(
            r#"{"sampleRate":48000,"channelCount":1,"echoCancellation":false,"autoGainControl":false,"noiseSuppression":true}"#,
        ),
    ),
    (r#"{"sampleRate":{"exact":44100}}"#, Ok(NATIVE)),
    (
        r#"{"sampleRate":{"exact":44100},"channelCount":{"exact":1}}"#,
        Err(""),
    ),
    (
        r#"{"channelCount":{"exact":2}}"#,
        Ok(r#"{"sampleRate":48000,"channelCount":2,"echoCancellation":true}"#),
    ),
    (
        r#"{"echoCancellation":"remote-only"}"#,
        Ok(
            r#"{"sampleRate":48000,"echoCancellation":"remote-only","autoGainControl":true,"noiseSuppression":true}"#,
        ),
    ),
    (
        r#"{"echoCancellation":{"exact":"all"}}"#,
        Err("echoCancellation"),
    ),
    (r#"{"voiceIsolation":true}"#, Ok(PROCESSED)),
];

#[test]
fn get_user_media_reports_the_settings_chromium_reports() {
    let md = chromium_mic_devices();
    let mut failures = Vec::new();
    for (audio, want) in GUM {
        let got = gum(&md, &format!(r#"{{"audio":{audio}}}"#));
        let result = match (got, want) {
            (Ok(s), Ok(w)) => {
                let t = &s.get_audio_tracks()[0];
                let r = subset(&t.get_settings(), w);
                t.stop();
                r
            }
            (Err(e), Err(name)) if e.constraint() == Some(name) => Ok(()),
            (got, want) => Err(format!("got {:?}, want {want:?}", got.map(|_| ()))),
        };
        if let Err(e) = result {
            failures.push(format!("{audio}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Spec: voiceIsolation may not be required in getUserMedia.
    let e = gum(&md, r#"{"audio":{"voiceIsolation":{"exact":true}}}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TypeError);
}

#[test]
fn capabilities_cover_both_kinds() {
    let md = chromium_mic_devices();
    let s = gum(&md, r#"{"audio":true}"#).unwrap();
    let caps = serde_json::to_value(s.get_audio_tracks()[0].get_capabilities()).unwrap();
    assert_eq!(
        caps["sampleRate"],
        serde_json::json!({"min": 44100, "max": 48000})
    );
    assert_eq!(
        caps["channelCount"],
        serde_json::json!({"min": 1, "max": 2})
    );
    assert_eq!(
        caps["echoCancellation"],
        serde_json::json!([true, false, "remote-only"])
    );
    assert_eq!(caps["autoGainControl"], serde_json::json!([true, false]));
    assert_eq!(caps["voiceIsolation"], serde_json::json!([false]));
    assert!(
        md.get_supported_constraints().voice_isolation,
        "voiceIsolation is a supported constraint"
    );
}

/// The format of the next block `t` delivers.
fn next_format(t: &MediaStreamTrack) -> (u32, u32) {
    let data = t.audio_data();
    let b = data.recv_timeout(SAFETY).expect("audio").unwrap();
    (b.sample_rate(), b.channels())
}

/// The format of `t`'s blocks after `applyConstraints` switched it from `from` to `to`.
/// Blocks the capture thread was already delivering when the promise resolved may still be
/// in `from` (the new settings describe the track from then on; media already on its way
/// is not called back): those are skipped, a few at most. From the first block in `to` on,
/// every block must be in `to`.
fn format_after_switch(t: &MediaStreamTrack, from: (u32, u32), to: (u32, u32)) {
    let data = t.audio_data();
    let format = || {
        let b = data.recv_timeout(SAFETY).expect("audio").unwrap();
        (b.sample_rate(), b.channels())
    };
    let mut old = 0;
    loop {
        let f = format();
        if f == to {
            break;
        }
        assert_eq!(f, from, "a block in neither format");
        old += 1;
        assert!(old <= 4, "still {from:?} after {old} blocks");
    }
    for _ in 0..5 {
        assert_eq!(format(), to, "a block in the old format after the new one");
    }
}

#[test]
fn delivered_audio_matches_the_settings() {
    let md = chromium_mic_devices();
    let s = gum(&md, r#"{"audio":true}"#).unwrap();
    assert_eq!(next_format(&s.get_audio_tracks()[0]), (48000, 1));
    s.get_audio_tracks()[0].stop();
    let s = gum(&md, r#"{"audio":{"echoCancellation":false}}"#).unwrap();
    assert_eq!(next_format(&s.get_audio_tracks()[0]), (44100, 2));
}

#[test]
fn apply_constraints_switches_processing_on_a_live_track() {
    let md = chromium_mic_devices();
    let s = gum(&md, r#"{"audio":{"echoCancellation":false}}"#).unwrap();
    let t = s.get_audio_tracks()[0].clone();
    subset(&t.get_settings(), NATIVE).unwrap();
    block_on(t.apply_constraints(c(r#"{"echoCancellation":true}"#))).unwrap();
    subset(&t.get_settings(), PROCESSED).unwrap();
    format_after_switch(&t, (44100, 2), (48000, 1));
    block_on(t.apply_constraints(c(r#"{"echoCancellation":{"exact":false}}"#))).unwrap();
    subset(&t.get_settings(), NATIVE).unwrap();
    format_after_switch(&t, (48000, 1), (44100, 2));
    // A constraint no kind meets fails and changes nothing.
    let e = block_on(t.apply_constraints(c(r#"{"voiceIsolation":{"exact":true}}"#))).unwrap_err();
    assert_eq!(e.constraint(), Some("voiceIsolation"));
    subset(&t.get_settings(), NATIVE).unwrap();
}

#[test]
fn tracks_sharing_a_microphone_get_their_own_processing() {
    let md = chromium_mic_devices();
    let s = gum(&md, r#"{"audio":true}"#).unwrap();
    let processed = s.get_audio_tracks()[0].clone();
    let raw = processed.clone_track();
    block_on(raw.apply_constraints(c(r#"{"echoCancellation":false}"#))).unwrap();
    subset(&processed.get_settings(), PROCESSED).unwrap();
    subset(&raw.get_settings(), NATIVE).unwrap();
    assert_eq!(next_format(&processed), (48000, 1));
    assert_eq!(next_format(&raw), (44100, 2));
    // A second getUserMedia on the running device: its own processing settings.
    let s2 = gum(&md, r#"{"audio":{"autoGainControl":false}}"#).unwrap();
    let third = &s2.get_audio_tracks()[0];
    subset(
        &third.get_settings(),
        r#"{"sampleRate":48000,"echoCancellation":true,"autoGainControl":false,"noiseSuppression":true}"#,
    )
    .unwrap();
    assert_eq!(next_format(third), (48000, 1));
}

/// On a real PulseAudio server (scripts/servers.sh): the processed kind at 48 kHz mono by
/// default, the source's own format with `echoCancellation: false`.
#[cfg(feature = "pulse")]
#[test]
fn pulse_sources_offer_both_kinds() {
    use mediacapture::types::native::NativeCapabilities;
    use mediacapture_hal::Backend;
    use mediacapture_hal::pulse::PulseBackend;
    let required = std::env::var("MEDIACAPTURE_TEST_PULSE").is_ok_and(|v| v == "1");
    let pulse = PulseBackend::new();
    let devices = pulse.devices().unwrap_or_default();
    let Some(mic) = devices
        .iter()
        .find(|d| d.kind == mediacapture::MediaDeviceKind::AudioInput)
        .cloned()
    else {
        assert!(
            !required,
            "MEDIACAPTURE_TEST_PULSE=1 but no PulseAudio source"
        );
        println!("skipped: no PulseAudio server with a source");
        return;
    };
    let NativeCapabilities::Audio(a) = &mic.capabilities else {
        panic!("not audio: {mic:?}")
    };
    let (rate, channels) = (a.sample_rates[0], a.channel_counts[0]);
    let md = MediaDevices::builder().salt(SALT).backend(pulse).build();
    let s = gum(&md, r#"{"audio":true}"#).unwrap();
    let t = &s.get_audio_tracks()[0];
    subset(&t.get_settings(), PROCESSED).unwrap();
    assert_eq!(next_format(t), (48000, 1));
    t.stop();
    let s = gum(&md, r#"{"audio":{"echoCancellation":false}}"#).unwrap();
    let t = &s.get_audio_tracks()[0];
    let st = t.get_settings();
    assert_eq!(
        (st.sample_rate, st.channel_count),
        (Some(rate), Some(channels))
    );
    assert_eq!(
        st.echo_cancellation,
        Some(mediacapture::types::EchoCancellation::Bool(false))
    );
    assert_eq!(next_format(t), (rate, channels));
    t.stop();
    // Exactly another rate the server converts to (not 48 kHz): unprocessed; with echo
    // cancellation required too, each alone is satisfiable: spec failedConstraint "".
    let other = *a
        .sample_rates
        .iter()
        .find(|&&r| r != 48000 && r != rate)
        .unwrap();
    let s = gum(
        &md,
        &format!(r#"{{"audio":{{"sampleRate":{{"exact":{other}}}}}}}"#),
    )
    .unwrap();
    assert_eq!(
        s.get_audio_tracks()[0].get_settings().sample_rate,
        Some(other)
    );
    s.get_audio_tracks()[0].stop();
    let e = gum(
        &md,
        &format!(
            r#"{{"audio":{{"sampleRate":{{"exact":{other}}},"echoCancellation":{{"exact":true}}}}}}"#
        ),
    )
    .unwrap_err();
    assert_eq!(e.constraint(), Some(""));
}
