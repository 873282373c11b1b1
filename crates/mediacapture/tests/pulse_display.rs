//! getDisplayMedia's system audio on a real PulseAudio server (scripts/servers.sh starts one
//! with a null sink `testsink` as the default sink): the audio track records what the
//! default sink plays. Skipped with a printed line when no server is reachable, unless
//! `MEDIACAPTURE_TEST_PULSE=1` makes it required.
#![cfg(feature = "pulse")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod common;
use common::*;
use mediacapture::{DisplayMediaStreamOptions, MediaDevices};
use mediacapture_hal::Backend;
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use mediacapture_hal::pulse::PulseBackend;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn system_audio_track_records_the_default_sink() {
    let required = std::env::var("MEDIACAPTURE_TEST_PULSE").is_ok_and(|v| v == "1");
    let pulse = PulseBackend::new();
    if !matches!(pulse.system_audio(), Ok(Some(_))) {
        assert!(
            !required,
            "MEDIACAPTURE_TEST_PULSE=1 but no PulseAudio default sink"
        );
        println!("skipped: no PulseAudio server with a default sink");
        return;
    }
    // A fake screen and the real system audio; the fake profile has no system audio.
    let screen = FakeProfile::from_json(r#"{"devices":[{"kind":"screen"}]}"#).unwrap();
    let md = MediaDevices::builder()
        .salt(SALT)
        .backend(pulse)
        .backend(FakeBackend::new(screen))
        .build();
    let s = block_on(
        md.get_display_media(
            DisplayMediaStreamOptions::from_json(r#"{"video":true,"audio":{"sampleRate":48000}}"#)
                .unwrap(),
        ),
    )
    .unwrap();
    assert_eq!(s.get_tracks().len(), 2);
    let a = s.get_audio_tracks()[0].clone();
    assert_eq!(a.label(), "System Audio");
    assert_eq!(a.get_settings().sample_rate, Some(48000));
    let data = a.audio_data();

    // Four seconds of a 550 Hz sine, mono 16-bit, into the default sink.
    let mut player = Command::new("pacat")
        .args([
            "--playback",
            "--format=s16le",
            "--rate=48000",
            "--channels=1",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .expect("pacat runs");
    let pcm: Vec<u8> = (0..4 * 48000)
        .flat_map(|n| {
            let x = 0.5 * (std::f64::consts::TAU * 550.0 * f64::from(n) / 48000.0).sin();
            ((x * 32767.0) as i16).to_le_bytes()
        })
        .collect();
    let mut stdin = player.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&pcm);
    });

    let mut loud: Vec<f32> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while loud.len() < 4800 && Instant::now() < deadline {
        if let Some(block) = data.recv_timeout(Duration::from_millis(200)) {
            let mono: Vec<f32> = block
                .unwrap()
                .to_f32_interleaved()
                .into_iter()
                .step_by(a.get_settings().channel_count.unwrap_or(1) as usize)
                .collect();
            let rms = (mono.iter().map(|s| s * s).sum::<f32>() / mono.len().max(1) as f32).sqrt();
            if rms > 0.1 {
                loud.extend(mono);
            }
        }
    }
    let _ = player.kill();
    let _ = player.wait();
    let _ = writer.join();
    assert!(loud.len() >= 4800, "only {} loud samples", loud.len());
    let freqs: Vec<f64> = (4..=80).map(|k| f64::from(k) * 50.0).collect();
    assert_eq!(dominant(&loud[..4800], 48000.0, &freqs), 550.0);
    for t in s.get_tracks() {
        t.stop();
    }
}
