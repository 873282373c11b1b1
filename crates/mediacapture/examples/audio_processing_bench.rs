//! CPU time and latency of the audio processing stage.
//!
//! ```text
//! cargo run --release -p mediacapture --example audio_processing_bench [seconds]
//! ```
//!
//! For each configuration, `seconds` (default 60) of media go through an
//! [`AudioProcessor`] in 10 ms blocks (echo cancellation gets its far end pushed through the
//! reference bus, block by block), and the thread's CPU time is read from
//! `/proc/thread-self/schedstat` (Linux). Printed: CPU seconds per media second.
//!
//! Latency, two parts: what the stage holds back waiting for a whole 10 ms frame (measured
//! with blocks of uneven sizes: the most input not yet out), and the module's own
//! algorithmic delay (the lag of the peak of the input/output cross-correlation on white
//! noise).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark program"
)]

use mediacapture::audio_processing::{
    AudioProcessor, EchoReference, FRAME, FarEndOrigin, SoftwareProcessing, far_end,
};
use mediacapture_frame::AudioData;

const RATE: u32 = 48_000;

fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Deterministic noise in [-1, 1).
struct Noise(u64);
impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0
    }
}

/// A speech-like test signal: noise under a syllable-rate envelope, with pauses.
fn babble(len: usize, seed: u64, level: f32) -> Vec<f32> {
    let mut n = Noise(seed);
    (0..len)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let env = ((t * 4.0 * std::f32::consts::TAU).sin().max(0.0))
                * if (t as u32 + seed as u32) % 3 == 0 {
                    0.0
                } else {
                    1.0
                };
            n.next() * env * level
        })
        .collect()
}

const OFF: SoftwareProcessing = SoftwareProcessing {
    echo_cancellation: None,
    auto_gain_control: false,
    noise_suppression: false,
};

fn cpu_per_media_second(
    name: &str,
    p: SoftwareProcessing,
    in_rate: u32,
    in_channels: u32,
    secs: usize,
) {
    let len = secs * RATE as usize;
    let far = babble(len, 1, 0.3);
    let near = babble(len, 7, 0.2);
    // The microphone hears the near talker and the far end 40 ms late.
    let d = RATE as usize / 25;
    let mic48: Vec<f32> = (0..len)
        .map(|i| near[i] + if i >= d { far[i - d] * 0.3 } else { 0.0 })
        .collect();
    // In the device's format (nearest-sample conversion is fine for a CPU figure).
    let in_len = len * in_rate as usize / RATE as usize;
    let mic: Vec<f32> = (0..in_len)
        .flat_map(|i| {
            let v = mic48[i * RATE as usize / in_rate as usize];
            std::iter::repeat_n(v, in_channels as usize)
        })
        .collect();
    let mut proc = AudioProcessor::new(in_rate, in_channels, 1, p).unwrap();
    let in_block = in_rate as usize / 100;
    let start = thread_cpu_ns();
    let wall = std::time::Instant::now();
    let mut out = 0usize;
    for k in 0..in_len / in_block {
        let ts = k as i64 * 10_000;
        if p.echo_cancellation.is_some() {
            let f = &far[k * FRAME..(k + 1) * FRAME];
            far_end().push(
                &AudioData::from_f32(RATE, 1, f, ts).unwrap(),
                FarEndOrigin::Local,
            );
        }
        let s =
            &mic[k * in_block * in_channels as usize..(k + 1) * in_block * in_channels as usize];
        let b = AudioData::from_f32(in_rate, in_channels, s, ts).unwrap();
        out += proc.process(&b).unwrap().len();
    }
    let cpu = (thread_cpu_ns() - start) as f64 / 1e9;
    println!(
        "{name:<44} {:.4} CPU s per media s ({:.2} s CPU for {secs} s; wall {:.2} s; {out} blocks out)",
        cpu / secs as f64,
        cpu,
        wall.elapsed().as_secs_f64(),
    );
}

/// The most input the stage holds back, in ms, with blocks of uneven sizes.
fn held_back_ms(p: SoftwareProcessing, in_rate: u32) -> f64 {
    let mut proc = AudioProcessor::new(in_rate, 1, 1, p).unwrap();
    let (mut fed, mut out, mut worst) = (0f64, 0f64, 0f64);
    let mut n = Noise(3);
    for k in 0..3000 {
        let frames = 1 + ((n.next().abs() * 1000.0) as usize);
        let b = AudioData::from_f32(in_rate, 1, &vec![0.01; frames], k * 10_000).unwrap();
        fed += frames as f64 / f64::from(in_rate);
        out += proc
            .process(&b)
            .unwrap()
            .iter()
            .map(|b| b.frames())
            .sum::<usize>() as f64
            / f64::from(RATE);
        worst = worst.max(fed - out);
    }
    worst * 1000.0
}

/// The module's algorithmic delay in ms: the lag of the cross-correlation peak on noise.
fn algorithmic_delay_ms(p: SoftwareProcessing) -> f64 {
    let len = RATE as usize * 4;
    let input = babble(len, 11, 0.3);
    let mut proc = AudioProcessor::new(RATE, 1, 1, p).unwrap();
    let mut output = Vec::new();
    for (k, b) in input.chunks(FRAME).enumerate() {
        if p.echo_cancellation.is_some() {
            far_end().push(
                &AudioData::from_f32(RATE, 1, &[0.0; FRAME], k as i64 * 10_000).unwrap(),
                FarEndOrigin::Local,
            );
        }
        for o in proc
            .process(&AudioData::from_f32(RATE, 1, b, k as i64 * 10_000).unwrap())
            .unwrap()
        {
            output.extend(o.to_f32_interleaved());
        }
    }
    let range = RATE as usize..len - RATE as usize / 10;
    let (mut best, mut lag_best) = (f64::MIN, 0);
    for lag in 0..RATE as usize / 20 {
        let mut c = 0.0f64;
        for i in range.clone() {
            c += f64::from(input[i]) * f64::from(output[i + lag]);
        }
        if c > best {
            best = c;
            lag_best = lag;
        }
    }
    lag_best as f64 * 1000.0 / f64::from(RATE)
}

fn main() {
    let secs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let all = SoftwareProcessing {
        echo_cancellation: Some(EchoReference::All),
        auto_gain_control: true,
        noise_suppression: true,
    };
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    println!("CPU: {cpu}; {secs} s of media per configuration, 10 ms blocks");
    cpu_per_media_second("48k mono, AEC3 + NS + AGC", all, 48_000, 1, secs);
    cpu_per_media_second(
        "48k mono, AEC3 only",
        SoftwareProcessing {
            echo_cancellation: Some(EchoReference::All),
            ..OFF
        },
        48_000,
        1,
        secs,
    );
    cpu_per_media_second(
        "48k mono, NS only",
        SoftwareProcessing {
            noise_suppression: true,
            ..OFF
        },
        48_000,
        1,
        secs,
    );
    cpu_per_media_second(
        "48k mono, AGC only",
        SoftwareProcessing {
            auto_gain_control: true,
            ..OFF
        },
        48_000,
        1,
        secs,
    );
    cpu_per_media_second("48k mono, nothing on (framing only)", OFF, 48_000, 1, secs);
    cpu_per_media_second(
        "44.1k stereo -> 48k mono, AEC3 + NS + AGC",
        all,
        44_100,
        2,
        secs,
    );
    println!(
        "held back, uneven blocks: {:.2} ms at 48 kHz in; {:.2} ms at 44.1 kHz in (incl. the resampler's 10 ms chunk)",
        held_back_ms(all, 48_000),
        held_back_ms(all, 44_100)
    );
    for (name, p) in [
        ("AEC3 + NS + AGC", all),
        (
            "AEC3 only",
            SoftwareProcessing {
                echo_cancellation: Some(EchoReference::All),
                ..OFF
            },
        ),
        (
            "NS only",
            SoftwareProcessing {
                noise_suppression: true,
                ..OFF
            },
        ),
        (
            "AGC only",
            SoftwareProcessing {
                auto_gain_control: true,
                ..OFF
            },
        ),
        ("nothing on", OFF),
    ] {
        println!(
            "algorithmic delay, {name}: {:.2} ms",
            algorithmic_delay_ms(p)
        );
    }
}
