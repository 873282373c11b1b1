//! A media element playing to a real PulseAudio sink: the fake microphone's tone goes
//! through an `<audio>` whose `setSinkId` names a null sink of this test's own; the sink's
//! monitor, recorded with our own capture, has the tone at its frequency and level, and the
//! sound stops within 50 ms of `pause()` (measured on the recorded samples' timestamps).
//! Skipped with a printed line when no server is reachable, unless
//! `MEDIACAPTURE_TEST_PULSE=1` makes it required.
#![cfg(feature = "pulse")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod common;
use common::*;
use mediacapture::media_element::{HTMLMediaElement, MediaElementEvent};
use mediacapture::{AudioData, MediaDeviceKind, MediaDevices};
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use mediacapture_hal::pulse::PulseBackend;
use mediacapture_hal::{Backend, SourceEvent, SourceSink};
use mediacapture_test_support::NullSink;
use mediacapture_types::EchoCancellation;
use mediacapture_types::native::{AudioConfig, NativeConfig};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Collects what a capture delivers: (timestamp of each block, its mono samples).
#[derive(Default)]
struct Recorder(Mutex<Vec<f32>>);
impl SourceSink for Recorder {
    fn on_video(&self, _: mediacapture::VideoFrame) {}
    fn on_audio(&self, data: AudioData) {
        self.0.lock().unwrap().extend(data.to_f32_interleaved());
    }
    fn on_event(&self, _: SourceEvent) {}
}

impl Recorder {
    /// Frames received so far (mono).
    fn frames(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn samples(&self) -> Vec<f32> {
        self.0.lock().unwrap().clone()
    }
    /// Waits until `n` frames were received (polling: the recorder has no event).
    fn wait_frames(&self, n: usize) {
        let deadline = Instant::now() + SAFETY;
        while self.frames() < n {
            assert!(Instant::now() < deadline, "the monitor stopped");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[test]
fn an_audio_element_plays_the_microphone_to_a_null_sink_and_pause_stops_it() {
    let required = std::env::var("MEDIACAPTURE_TEST_PULSE").is_ok_and(|v| v == "1");
    let pulse = PulseBackend::new();
    if !pulse.is_available() {
        assert!(
            !required,
            "MEDIACAPTURE_TEST_PULSE=1 but no PulseAudio server"
        );
        println!("skipped: no PulseAudio server");
        return;
    }
    let _sink = NullSink::load("pb_element_sink", "pb_element_sink", &[]);
    let monitor = Arc::new(Recorder::default());
    let mut capture = pulse
        .open(
            "pb_element_sink.monitor",
            &NativeConfig::Audio(AudioConfig {
                sample_rate: 48_000,
                channel_count: 1,
                sample_size: 16,
                latency: 0.01,
                echo_cancellation: EchoCancellation::Bool(false),
                auto_gain_control: false,
                noise_suppression: false,
            }),
            monitor.clone(),
        )
        .unwrap();
    let mic = FakeBackend::new(
        FakeProfile::from_json(r#"{"devices":[{"kind":"audioinput","label":"Mic"}]}"#).unwrap(),
    );
    let md = MediaDevices::builder()
        .salt(SALT)
        .expose_device_info(true)
        .backend(mic)
        .backend(pulse)
        .build();
    let list = block_on(md.enumerate_devices()).unwrap();
    let id_of = |kind: MediaDeviceKind, label: &str| {
        list.iter()
            .find(|d| d.kind == kind && d.label == label)
            .unwrap_or_else(|| panic!("{label} is listed"))
            .device_id
            .clone()
    };
    // The fake microphone (the server's default source, a monitor, would win otherwise).
    let mic_id = id_of(MediaDeviceKind::AudioInput, "Mic");
    let sink_id = id_of(MediaDeviceKind::AudioOutput, "pb_element_sink");
    let stream = gum(
        &md,
        // Processing off: noise suppression removes a steady tone; this test follows the tone.
        &format!(
            r#"{{"audio":{{"deviceId":{{"exact":"{mic_id}"}},"echoCancellation":false,"noiseSuppression":false,"autoGainControl":false}}}}"#
        ),
    )
    .unwrap();
    let audio = HTMLMediaElement::audio(&md);
    block_on(audio.set_sink_id(&sink_id)).unwrap();
    audio.set_src_object(Some(stream.clone()));
    block_on(audio.play()).unwrap();

    // Wait for 600 ms of loud audio at the monitor.
    let deadline = Instant::now() + SAFETY;
    while monitor.samples().iter().filter(|s| s.abs() > 0.05).count() < 28_800 {
        assert!(Instant::now() < deadline, "no tone at the monitor");
        std::thread::sleep(Duration::from_millis(20)); // polls the recorder: no event for it
    }
    // Where pause() falls in the recording: the monitor's sample position when it is called.
    // (Not the capture timestamps: PulseAudio reports a monitor's latency as its sink's, so
    // a monitor's timestamps are early by the sink's buffer.) The position read here lags the
    // true one by what the capture has not handed over yet (one 10 ms fragment or so), so the
    // measured delay is, if anything, too long.
    let (tx, rx) = mpsc::channel();
    audio.on(MediaElementEvent::Pause, move || {
        let _ = tx.send(());
    });
    let paused_at = monitor.frames();
    audio.pause();
    recv(&rx, "pause");
    // 300 ms more of the monitor.
    monitor.wait_frames(paused_at + 14_400);
    capture.stop();
    let samples = monitor.samples();
    let tone: Vec<f32> = samples[..paused_at]
        .chunks(480)
        .filter(|c| c.iter().all(|s| s.abs() < 0.3) && c.iter().any(|s| s.abs() > 0.05))
        .flatten()
        .copied()
        .collect();
    assert!(tone.len() >= 9_600, "{} frames of tone", tone.len());
    assert_eq!(
        dominant(&tone, 48_000.0, &[220.0, 440.0, 660.0, 880.0]),
        440.0
    );
    // The fake microphone's tone has an amplitude of 0.25: RMS 0.177.
    let rms = (tone.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / tone.len() as f64).sqrt();
    assert!((rms - 0.177).abs() < 0.02, "rms {rms}");
    let last_loud = samples.iter().rposition(|s| s.abs() > 0.01).unwrap();
    let after_ms = (last_loud as f64 - paused_at as f64) / 48.0;
    println!("sound stopped {after_ms:.1} ms (of monitor samples) after pause()");
    assert!(after_ms <= 50.0, "sound until {after_ms} ms after pause()");
    assert!(
        samples[last_loud + 1..].iter().all(|s| s.abs() <= 0.01),
        "silence after"
    );
    stream.get_tracks().iter().for_each(|t| t.stop());
}
