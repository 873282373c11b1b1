//! Audio adaptation: resampling measured on sine waves, channel mixing, timestamps.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

use mediacapture_frame::{AudioAdapter, AudioData, FrameError, SampleFormat, silence};
use mediacapture_test_support::signal::zero_crossing_frequency;
use std::f64::consts::PI;

/// `seconds` of a `freq` Hz sine of amplitude `amp` at `rate`, mono.
fn sine(freq: f64, amp: f64, rate: u32, seconds: f64) -> Vec<f32> {
    let n = (f64::from(rate) * seconds).round() as usize;
    (0..n)
        .map(|i| (amp * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as f32)
        .collect()
}

/// Feeds `samples` (interleaved, `channels`) in 10 ms blocks with exact timestamps from
/// `t0`, then flushes. Returns every output block.
fn run(
    adapter: &mut AudioAdapter,
    samples: &[f32],
    rate: u32,
    channels: u32,
    t0: i64,
) -> Vec<AudioData> {
    let block = (rate / 100) as usize * channels as usize;
    let mut out = Vec::new();
    for (i, chunk) in samples.chunks(block).enumerate() {
        let ts = t0 + (i as i64 * 10_000);
        let data = AudioData::from_f32(rate, channels, chunk, ts).unwrap();
        out.extend(adapter.process(&data).unwrap());
    }
    out.extend(adapter.flush().unwrap());
    out
}

fn concat(blocks: &[AudioData]) -> Vec<f32> {
    blocks.iter().flat_map(|b| b.to_f32_interleaved()).collect()
}

/// Magnitude of the DFT of `x` at `freq` Hz (Hann window), normalised to a sine's amplitude.
fn dft_amplitude(x: &[f32], rate: u32, freq: f64) -> f64 {
    let n = x.len() as f64;
    let (mut re, mut im) = (0.0, 0.0);
    for (i, &s) in x.iter().enumerate() {
        let w = 0.5 - 0.5 * (2.0 * PI * i as f64 / n).cos();
        let phase = 2.0 * PI * freq * i as f64 / f64::from(rate);
        re += f64::from(s) * w * phase.cos();
        im -= f64::from(s) * w * phase.sin();
    }
    // Hann's coherent gain is 0.5; a sine of amplitude A gives A * n / 4.
    (re * re + im * im).sqrt() * 4.0 / n
}

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

#[test]
fn one_khz_from_44100_to_48000() {
    let input = sine(1000.0, 0.5, 44_100, 1.0);
    let mut adapter = AudioAdapter::new(44_100, 1, 48_000, 1).unwrap();
    let out = run(&mut adapter, &input, 44_100, 1, 0);
    let samples = concat(&out);
    // Exactly one second at the new rate.
    assert_eq!(samples.len(), 48_000);
    // Skip the edges (filter start-up, flush tail) and measure the middle.
    let mid = &samples[4_800..43_200];
    let f = zero_crossing_frequency(mid, 48_000);
    assert!((f - 1000.0).abs() < 0.5, "measured {f} Hz");
    let a1 = dft_amplitude(mid, 48_000, 1000.0);
    assert!((a1 - 0.5).abs() < 0.01, "amplitude {a1}");
    // Harmonics and neighbouring bins far down: a clean tone, not a resampling artefact.
    for other in [2000.0, 3000.0, 1100.0, 900.0, 47_000.0 - 44_100.0] {
        let a = dft_amplitude(mid, 48_000, other);
        assert!(db(a / a1) < -60.0, "{other} Hz at {} dB", db(a / a1));
    }
    // The output is aligned with the input: the filter delay is removed. At t = 0.5 s the
    // input sine is at phase 0 going up, so must the output be.
    let t = 24_000;
    assert!(
        samples[t - 1] < 0.0 && samples[t + 1] > 0.0 && samples[t].abs() < 0.05,
        "{:?}",
        &samples[t - 1..t + 2]
    );
}

#[test]
fn downsampling_keeps_the_passband_and_removes_what_would_alias() {
    let rate = 48_000;
    let mut input = sine(6_000.0, 0.4, rate, 1.0);
    for (s, a) in input.iter_mut().zip(sine(11_000.0, 0.4, rate, 1.0)) {
        *s += a;
    }
    let mut adapter = AudioAdapter::new(rate, 1, 16_000, 1).unwrap();
    let samples = concat(&run(&mut adapter, &input, rate, 1, 0));
    assert_eq!(samples.len(), 16_000);
    let mid = &samples[1_600..14_400];
    let keep = dft_amplitude(mid, 16_000, 6_000.0);
    assert!((keep - 0.4).abs() < 0.02, "6 kHz amplitude {keep}");
    // 11 kHz is above the new Nyquist (8 kHz); unfiltered it would fold to 5 kHz.
    let alias = dft_amplitude(mid, 16_000, 5_000.0);
    assert!(db(alias / 0.4) < -50.0, "alias at {} dB", db(alias / 0.4));
}

#[test]
fn timestamps_are_continuous_and_start_at_the_input() {
    let input = sine(440.0, 0.3, 44_100, 0.5);
    let mut adapter = AudioAdapter::new(44_100, 1, 48_000, 2).unwrap();
    let t0 = 7_000_000;
    let out = run(&mut adapter, &input, 44_100, 1, t0);
    assert_eq!(out[0].timestamp(), t0);
    let mut frames = 0u64;
    for b in &out {
        let want = t0 as f64 + frames as f64 * 1e6 / 48_000.0;
        assert!(
            (b.timestamp() as f64 - want).abs() <= 1.0,
            "{} vs {want}",
            b.timestamp()
        );
        assert_eq!(
            (b.sample_rate(), b.channels(), b.format()),
            (48_000, 2, SampleFormat::F32)
        );
        frames += b.frames() as u64;
    }
    assert_eq!(frames, 24_000);
}

#[test]
fn a_capture_gap_moves_the_output_timeline() {
    let mut adapter = AudioAdapter::new(48_000, 1, 16_000, 1).unwrap();
    let block = vec![0.1f32; 480];
    let mut last = None;
    for i in 0..10 {
        // A 400 ms gap after the fifth block.
        let ts = i * 10_000 + if i >= 5 { 400_000 } else { 0 };
        for b in adapter
            .process(&AudioData::from_f32(48_000, 1, &block, ts).unwrap())
            .unwrap()
        {
            last = Some((b.timestamp(), b.frames(), i));
        }
    }
    let (ts, frames, i) = last.unwrap();
    // The newest output ends near the newest input's end (within the resampler's latency).
    let end = ts + frames as i64 * 1_000_000 / 16_000;
    let input_end = i * 10_000 + 400_000 + 10_000;
    assert!(
        (end - input_end).abs() < 20_000,
        "output ends at {end}, input at {input_end}"
    );
}

#[test]
fn channel_mixing() {
    let cases: Vec<(u32, u32, Vec<f32>, Vec<f32>)> = vec![
        // stereo -> mono: (L + R) / 2
        (2, 1, vec![1.0, 0.0, 0.2, 0.4], vec![0.5, 0.3]),
        // mono -> stereo: copied to both
        (1, 2, vec![0.5, -0.25], vec![0.5, 0.5, -0.25, -0.25]),
        // mono -> 5.1: centre only (Web Audio speakers rules)
        (1, 6, vec![0.5], vec![0.0, 0.0, 0.5, 0.0, 0.0, 0.0]),
        // quad -> stereo: L = (L + SL) / 2, R = (R + SR) / 2
        (4, 2, vec![0.2, 0.4, 0.6, 0.8], vec![0.4, 0.6]),
        // 5.1 -> stereo: L = L + 0.7071 (C + SL), R = R + 0.7071 (C + SR), LFE dropped
        (
            6,
            2,
            vec![0.1, 0.2, 0.3, 0.9, 0.4, 0.5],
            vec![0.1 + 0.70710677 * 0.7, 0.2 + 0.70710677 * 0.8],
        ),
        // 3 -> 2 and 2 -> 3: discrete
        (3, 2, vec![0.1, 0.2, 0.3], vec![0.1, 0.2]),
        (2, 3, vec![0.1, 0.2], vec![0.1, 0.2, 0.0]),
    ];
    for (inc, outc, input, want) in cases {
        let mut adapter = AudioAdapter::new(48_000, inc, 48_000, outc).unwrap();
        let out = adapter
            .process(&AudioData::from_f32(48_000, inc, &input, 5).unwrap())
            .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].channels(), out[0].timestamp()), (outc, 5));
        let got = out[0].to_f32_interleaved();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-6, "{inc} -> {outc}: {got:?} vs {want:?}");
        }
    }
}

#[test]
fn mixing_and_resampling_together() {
    // Stereo 44.1k with a 1 kHz tone in L only -> mono 48k: half amplitude at 1 kHz.
    let tone = sine(1000.0, 0.8, 44_100, 1.0);
    let stereo: Vec<f32> = tone.iter().flat_map(|&s| [s, 0.0]).collect();
    let mut adapter = AudioAdapter::new(44_100, 2, 48_000, 1).unwrap();
    let samples = concat(&run(&mut adapter, &stereo, 44_100, 2, 0));
    assert_eq!(samples.len(), 48_000);
    let a = dft_amplitude(&samples[4_800..43_200], 48_000, 1000.0);
    assert!((a - 0.4).abs() < 0.01, "{a}");
    // Mono 16k -> stereo 48k: both channels carry the tone.
    let mut up = AudioAdapter::new(16_000, 1, 48_000, 2).unwrap();
    let out = concat(&run(&mut up, &sine(1000.0, 0.5, 16_000, 0.5), 16_000, 1, 0));
    assert_eq!(out.len(), 2 * 24_000);
    let (l, r): (Vec<f32>, Vec<f32>) = out.chunks(2).map(|p| (p[0], p[1])).unzip();
    assert_eq!(l, r);
    assert!((dft_amplitude(&l[2_400..21_600], 48_000, 1000.0) - 0.5).abs() < 0.01);
}

#[test]
fn i16_and_planar_inputs() {
    let mut adapter = AudioAdapter::new(48_000, 2, 48_000, 1).unwrap();
    let i16s = AudioData::from_i16(48_000, 2, &[16_384, 0, -32_768, 0], 0).unwrap();
    let out = adapter.process(&i16s).unwrap();
    assert_eq!(out[0].to_f32_interleaved(), [0.25, -0.5]);
    let planar = AudioData::from_f32_planar(48_000, &[&[1.0, 0.0], &[0.0, 1.0]], 0).unwrap();
    let out = adapter.process(&planar).unwrap();
    assert_eq!(out[0].to_f32_interleaved(), [0.5, 0.5]);
}

#[test]
fn pass_through_keeps_samples_and_timestamps() {
    let mut adapter = AudioAdapter::new(48_000, 2, 48_000, 2).unwrap();
    let input = AudioData::from_f32(48_000, 2, &[0.1, 0.2, 0.3, 0.4], 1234).unwrap();
    let out = adapter.process(&input).unwrap();
    assert_eq!(out[0].to_f32_interleaved(), input.to_f32_interleaved());
    assert_eq!(out[0].timestamp(), 1234);
    assert!(adapter.flush().unwrap().is_empty());
}

#[test]
fn coprime_rates_use_the_sinc_resampler() {
    // 44 101 Hz and 48 000 Hz share no factor: FFT blocks would be a second long.
    let input = sine(1000.0, 0.5, 44_101, 1.0);
    let mut adapter = AudioAdapter::new(44_101, 1, 48_000, 1).unwrap();
    let samples = concat(&run(&mut adapter, &input, 44_101, 1, 0));
    assert!(
        (samples.len() as i64 - 48_000).abs() <= 1,
        "{}",
        samples.len()
    );
    let f = zero_crossing_frequency(&samples[4_800..43_000], 48_000);
    assert!((f - 1000.0).abs() < 0.5, "{f}");
}

#[test]
fn bad_configurations_and_inputs_are_errors() {
    for (a, b, c, d) in [
        (0, 1, 48_000, 1),
        (48_000, 0, 48_000, 1),
        (48_000, 1, 1_000_000, 1),
        (48_000, 33, 48_000, 2),
    ] {
        assert!(
            matches!(
                AudioAdapter::new(a, b, c, d),
                Err(FrameError::Unsupported(_))
            ),
            "{a} {b} {c} {d}"
        );
    }
    let mut adapter = AudioAdapter::new(48_000, 2, 44_100, 2).unwrap();
    let wrong_rate = AudioData::from_f32(44_100, 2, &[0.0; 4], 0).unwrap();
    let wrong_channels = AudioData::from_f32(48_000, 1, &[0.0; 4], 0).unwrap();
    assert!(matches!(
        adapter.process(&wrong_rate),
        Err(FrameError::Mismatch(_))
    ));
    assert!(matches!(
        adapter.process(&wrong_channels),
        Err(FrameError::Mismatch(_))
    ));
}

#[test]
fn silence_blocks() {
    let s = silence(44_100, 2, 441, 77);
    assert_eq!(
        (s.sample_rate(), s.channels(), s.frames(), s.timestamp()),
        (44_100, 2, 441, 77)
    );
    assert_eq!(s.format(), SampleFormat::F32);
    assert_eq!(s.duration(), 10_000);
    assert!(s.to_f32_interleaved().iter().all(|&x| x == 0.0));
    let z = silence(0, 0, 0, 0);
    assert_eq!((z.sample_rate(), z.channels(), z.frames()), (1, 1, 0));
}
