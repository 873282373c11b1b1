//! The fake microphone: 10 ms f32 blocks paced by the clock (a manual one here), a 440 Hz tone
//! with a beep each second.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::{Collect, aconfig, dominant, rms, tone_power};
use mediacapture_frame::SampleFormat;
use mediacapture_hal::clock::Clock as _;
use mediacapture_hal::fake::{BEEP_HZ, FakeBackend, FakeProfile, TONE_HZ};
use mediacapture_hal::{Backend, ErrorKind, NativeConfig};
use mediacapture_test_support::ManualClock;
use std::sync::Arc;
use std::time::Duration;

/// A backend of `profile` on a manual clock at 2 s.
fn fake(profile: FakeProfile) -> (Arc<ManualClock>, FakeBackend) {
    let clock = ManualClock::starting_at(2_000_000);
    let backend = FakeBackend::with_clock(profile, clock.as_clock());
    (clock, backend)
}

/// Moves the clock `ms` further in 100 ms steps, waiting after each for the blocks it makes
/// due (ten per step, block 0 having come at the start).
fn run_for(clock: &ManualClock, sink: &Collect, ms: u64) {
    let have = sink.audio().len();
    for step in 1..=ms / 100 {
        clock.advance(Duration::from_millis(100));
        sink.wait_audio(have + 10 * step as usize);
    }
}

#[test]
fn blocks_are_10ms_paced_by_the_clock_with_contiguous_timestamps() {
    let (clock, backend) = fake(FakeProfile::default());
    let t0 = clock.now_us();
    let sink = Arc::new(Collect::default());
    let mut src = backend
        .open("fake:audioinput:0", &aconfig(48000, 2), sink.clone())
        .unwrap();
    sink.wait_audio(1);
    // One step of 490 ms: a microphone woken late delivers what it buffered, back to back.
    clock.advance(Duration::from_millis(490));
    sink.wait_audio(50);
    // And one block per 10 ms from then on.
    clock.advance(Duration::from_millis(10));
    sink.wait_audio(51);
    src.stop();
    let blocks = sink.audio();
    assert_eq!(blocks.len(), 51);
    assert_eq!(blocks[0].timestamp(), t0);
    assert_eq!(blocks[50].timestamp(), t0 + 500_000);
    for w in blocks.windows(2) {
        assert_eq!(w[0].frames(), 480);
        assert_eq!(w[0].channels(), 2);
        assert_eq!(w[0].sample_rate(), 48000);
        assert_eq!(w[0].format(), SampleFormat::F32);
        // The next block starts exactly where this one ends.
        assert_eq!(w[1].timestamp() - w[0].timestamp(), 10_000);
    }
}

#[test]
fn tone_is_440_hz_with_an_880_hz_beep_at_each_second() {
    let (clock, backend) = fake(FakeProfile::default());
    let sink = Arc::new(Collect::default());
    let mut src = backend
        .open("fake:audioinput:0", &aconfig(48000, 1), sink.clone())
        .unwrap();
    sink.wait_audio(1);
    // The beep starts at 0 s and lasts 100 ms; go past the second one at 1 s.
    run_for(&clock, &sink, 1600);
    src.stop();
    assert_eq!(sink.audio().len(), 161);
    let samples: Vec<f32> = sink
        .audio()
        .iter()
        .flat_map(|a| a.to_f32_interleaved())
        .collect();
    let rate = 48000.0;
    let at = |ms: usize, len_ms: usize| &samples[ms * 48..(ms + len_ms) * 48];
    for beep_start in [0usize, 1000] {
        let beep = at(beep_start + 10, 80);
        assert_eq!(dominant(beep, rate, &[TONE_HZ, BEEP_HZ, 1000.0]), BEEP_HZ);
        let tone = at(beep_start + 300, 200);
        assert_eq!(dominant(tone, rate, &[TONE_HZ, BEEP_HZ, 1000.0]), TONE_HZ);
        // The tone is clean: its bin dwarfs the beep's.
        assert!(tone_power(tone, rate, TONE_HZ) > 100.0 * tone_power(tone, rate, BEEP_HZ));
    }
    // Moderate level: RMS of a 0.25 sine is about 0.18, of the 0.5 beep about 0.35.
    let r = rms(at(300, 500));
    assert!((0.15..0.21).contains(&r), "tone rms {r}");
    let r = rms(at(10, 80));
    assert!((0.3..0.4).contains(&r), "beep rms {r}");
    // No clipping, no NaN.
    assert!(samples.iter().all(|s| s.is_finite() && s.abs() <= 1.0));
}

#[test]
fn other_rates_and_channel_counts_from_a_profile() {
    let (clock, backend) = fake(
        FakeProfile::from_json(
            r#"{"devices":[{"kind":"audioinput","id":"m","sampleRate":[44100,16000],
                "channelCount":[1,2,6]}]}"#,
        )
        .unwrap(),
    );
    for (rate, ch, block) in [(44100u32, 6u32, 441usize), (16000, 1, 160)] {
        let sink = Arc::new(Collect::default());
        let mut src = backend.open("m", &aconfig(rate, ch), sink.clone()).unwrap();
        sink.wait_audio(1);
        run_for(&clock, &sink, 300);
        src.stop();
        assert_eq!(sink.audio().len(), 31);
        let blocks = sink.audio();
        assert!(
            blocks
                .iter()
                .all(|b| b.frames() == block && b.channels() == ch)
        );
        let s: Vec<f32> = blocks.iter().flat_map(|a| a.to_f32_interleaved()).collect();
        // All channels carry the same signal.
        for frame in s.chunks(ch as usize) {
            assert!(frame.iter().all(|x| *x == frame[0]));
        }
        let mono: Vec<f32> = s.chunks(ch as usize).map(|f| f[0]).collect();
        let part = &mono[mono.len() / 2..];
        assert_eq!(
            dominant(part, f64::from(rate), &[TONE_HZ, BEEP_HZ, 1000.0]),
            TONE_HZ
        );
    }
    // Configurations the device does not admit: NotReadableError, no constraint named.
    let sink = Arc::new(Collect::default());
    let mut c = aconfig(16000, 1);
    if let NativeConfig::Audio(a) = &mut c {
        a.sample_size = 24;
    }
    for config in [aconfig(48000, 1), aconfig(16000, 3), c] {
        let err = backend
            .open("m", &config, sink.clone())
            .map(|_| ())
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotReadableError, "{config}");
        assert_eq!(err.constraint(), None);
    }
    assert!(sink.all().is_empty());
}
