//! The audio processing stage on real speech (espeak-ng), driven block by block: no device,
//! no clock. Echo: the far end is pushed through the process's reference bus in lockstep
//! with the microphone blocks that carry its echo. Noise and gain: white noise and quiet
//! speech through noise suppression and gain control.
//!
//! All tests of this file that push far-end audio hold `BUS`: the reference bus is one per
//! process, and tests run in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
use mediacapture::audio_processing::{
    AudioProcessor, EchoReference, FRAME, FarEndOrigin, SoftwareProcessing, far_end,
};
use mediacapture_frame::AudioData;
use std::path::Path;
use std::sync::Mutex;

static BUS: Mutex<()> = Mutex::new(());

const RATE: u32 = 48_000;

/// Speech from espeak-ng, at 48 kHz mono, peak-normalized to 0.5.
fn speech(text: &str, voice: &str, dir: &Path) -> Vec<f32> {
    let path = dir.join(format!("{voice}.wav"));
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", voice, "-s", "160", "-w"])
        .arg(&path)
        .arg(text)
        .status()
        .expect("espeak-ng runs (scripts/setup.sh installs it)");
    assert!(status.success(), "espeak-ng failed");
    let mut r = hound::WavReader::open(&path).expect("espeak-ng wrote a WAV");
    let spec = r.spec();
    assert_eq!(spec.channels, 1);
    let raw: Vec<f32> = r
        .samples::<i16>()
        .map(|s| f32::from(s.expect("sample")) / 32768.0)
        .collect();
    // To 48 kHz with the library's own converter.
    let mut a = mediacapture_frame::AudioAdapter::new(spec.sample_rate, 1, RATE, 1).unwrap();
    let mut out = Vec::new();
    for (i, chunk) in raw.chunks(spec.sample_rate as usize / 100).enumerate() {
        let d = AudioData::from_f32(spec.sample_rate, 1, chunk, i as i64 * 10_000).unwrap();
        for b in a.process(&d).unwrap() {
            out.extend(b.to_f32_interleaved());
        }
    }
    for b in a.flush().unwrap() {
        out.extend(b.to_f32_interleaved());
    }
    let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs())).max(1e-6);
    out.iter().map(|x| x * 0.5 / peak).collect()
}

fn secs(s: f64) -> usize {
    (s * f64::from(RATE)) as usize
}

/// `x` placed at `at` samples in a signal of `len` samples, scaled by `gain`.
fn place(len: usize, x: &[f32], at: usize, gain: f32) -> Vec<f32> {
    let mut out = vec![0.0; len];
    for (i, v) in x.iter().enumerate() {
        if let Some(o) = out.get_mut(at + i) {
            *o = v * gain;
        }
    }
    out
}

fn add(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

/// A room: direct echo 40 ms late, and two weaker reflections.
fn echo_path(far: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; far.len()];
    for (delay_ms, gain) in [(40.0, 0.35), (47.0, 0.15), (61.0, -0.08)] {
        let d = secs(delay_ms / 1000.0);
        for i in d..far.len() {
            out[i] += far[i - d] * gain;
        }
    }
    out
}

/// A deterministic white noise (xorshift), RMS `rms`.
fn white_noise(len: usize, rms: f32) -> Vec<f32> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            // Uniform in [-1, 1): RMS 1/sqrt(3).
            let u = (s >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0;
            u * rms * 3f32.sqrt()
        })
        .collect()
}

/// Runs `mic` through a processor with `p`, 10 ms blocks; before each block, pushes the
/// matching 10 ms of `far` (when given) to the reference bus.
fn run(p: SoftwareProcessing, mic: &[f32], far: Option<(&[f32], FarEndOrigin)>) -> Vec<f32> {
    let mut proc = AudioProcessor::new(RATE, 1, 1, p).unwrap();
    let mut out = Vec::with_capacity(mic.len());
    for (k, block) in mic.chunks(FRAME).enumerate() {
        let ts = k as i64 * 10_000;
        if let Some((far, origin)) = far {
            let f = &far[k * FRAME..(k * FRAME + block.len()).min(far.len())];
            far_end().push(&AudioData::from_f32(RATE, 1, f, ts).unwrap(), origin);
        }
        for o in proc
            .process(&AudioData::from_f32(RATE, 1, block, ts).unwrap())
            .unwrap()
        {
            out.extend(o.to_f32_interleaved());
        }
    }
    out
}

fn power(x: &[f32]) -> f64 {
    x.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>() / x.len().max(1) as f64
}

fn db(p: f64) -> f64 {
    10.0 * p.max(1e-20).log10()
}

/// Power over the 10 ms frames of `range` where `reference` is active (speech, not the
/// silence between words).
fn active_power(x: &[f32], reference: &[f32], range: std::ops::Range<usize>) -> f64 {
    let frames: Vec<std::ops::Range<usize>> = (range.start..range.end)
        .step_by(FRAME)
        .map(|s| s..(s + FRAME).min(range.end))
        .filter(|r| power(&reference[r.clone()]) > 1e-5)
        .collect();
    let n: usize = frames.iter().map(|r| r.len()).sum();
    frames
        .iter()
        .map(|r| power(&x[r.clone()]) * r.len() as f64)
        .sum::<f64>()
        / n.max(1) as f64
}

/// The largest normalized cross-correlation of `a` and `b` over `range`, `a` lagging `b` by
/// 0 to 20 ms; and that lag in samples.
fn best_correlation(a: &[f32], b: &[f32], range: std::ops::Range<usize>) -> (f64, usize) {
    let mut best = (f64::MIN, 0);
    for lag in 0..secs(0.02) {
        let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
        for i in range.clone() {
            let (x, y) = (f64::from(a[i + lag]), f64::from(b[i]));
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        let c = ab / (aa * bb).sqrt().max(1e-20);
        if c > best.0 {
            best = (c, lag);
        }
    }
    best
}

const OFF: SoftwareProcessing = SoftwareProcessing {
    echo_cancellation: None,
    auto_gain_control: false,
    noise_suppression: false,
};

const FAR_TEXT: &str = "The weather today is mostly sunny with a light breeze from the west. \
    Tomorrow brings clouds in the morning and some rain in the afternoon. Please remember to \
    bring an umbrella if you go out.";
const NEAR_TEXT: &str = "Hello, can you hear me clearly now? I think the connection is good.";

struct EchoScene {
    far: Vec<f32>,
    near: Vec<f32>,
    mic: Vec<f32>,
    /// Far end only, after the canceller had time to converge.
    far_only: std::ops::Range<usize>,
    /// Near end only.
    near_only: std::ops::Range<usize>,
}

fn echo_scene(dir: &Path) -> EchoScene {
    let far_speech = speech(FAR_TEXT, "en-us", dir);
    let near_speech = speech(NEAR_TEXT, "en+f3", dir);
    let far_end_at = far_speech.len();
    let near_at = far_end_at + secs(0.5);
    let len = near_at + near_speech.len() + secs(0.5);
    let far = place(len, &far_speech, 0, 1.0);
    let near = place(len, &near_speech, near_at, 0.6);
    let mic = add(&near, &echo_path(&far));
    EchoScene {
        far_only: secs(3.0)..far_end_at,
        near_only: near_at..near_at + near_speech.len(),
        far,
        near,
        mic,
    }
}

#[test]
fn echo_cancellation_removes_the_far_end_and_keeps_the_near_end() {
    let _bus = BUS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let s = echo_scene(dir.path());
    assert!(
        s.far_only.end - s.far_only.start > secs(3.0),
        "far-end speech too short"
    );
    let ec = SoftwareProcessing {
        echo_cancellation: Some(EchoReference::All),
        ..OFF
    };
    let on = run(ec, &s.mic, Some((&s.far, FarEndOrigin::Local)));
    let off = run(OFF, &s.mic, Some((&s.far, FarEndOrigin::Local)));
    assert_eq!(on.len(), s.mic.len() / FRAME * FRAME);
    // Echo return loss enhancement where only the far end talks.
    let erle = db(active_power(&off, &s.far, s.far_only.clone()))
        - db(active_power(&on, &s.far, s.far_only.clone()));
    // The near end where it talks alone: kept (correlated with the clean talker, level
    // within a few dB).
    let (corr, lag) = best_correlation(&on, &s.near, s.near_only.clone());
    let kept = db(active_power(&on, &s.near, s.near_only.clone()))
        - db(active_power(&s.near, &s.near, s.near_only.clone()));
    eprintln!(
        "ERLE {erle:.1} dB; near end: correlation {corr:.3} at lag {lag} samples, level {kept:+.1} dB"
    );
    assert!(erle >= 20.0, "ERLE {erle:.1} dB < 20 dB");
    assert!(corr >= 0.9, "near-end correlation {corr:.3}");
    assert!(kept.abs() <= 3.0, "near-end level changed by {kept:.1} dB");
    // Without processing the output is the input, delayed by nothing.
    let (c0, lag0) = best_correlation(&off, &s.mic, 0..s.mic.len() - secs(0.03));
    assert!(c0 > 0.999 && lag0 == 0, "pass-through: {c0} at {lag0}");
}

#[test]
fn remote_only_cancels_peer_audio_but_not_local_sounds() {
    let _bus = BUS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let s = echo_scene(dir.path());
    let remote_only = SoftwareProcessing {
        echo_cancellation: Some(EchoReference::RemoteOnly),
        ..OFF
    };
    let off = run(OFF, &s.mic, Some((&s.far, FarEndOrigin::Local)));
    let from_peer = run(
        remote_only,
        &s.mic,
        Some((&s.far, FarEndOrigin::PeerConnection)),
    );
    let local = run(remote_only, &s.mic, Some((&s.far, FarEndOrigin::Local)));
    let erle = |x: &[f32]| {
        db(active_power(&off, &s.far, s.far_only.clone()))
            - db(active_power(x, &s.far, s.far_only.clone()))
    };
    let (peer, loc) = (erle(&from_peer), erle(&local));
    eprintln!("remote-only: ERLE {peer:.1} dB on peer audio, {loc:.1} dB on local audio");
    assert!(peer >= 20.0, "peer audio not cancelled: {peer:.1} dB");
    assert!(loc.abs() <= 3.0, "local audio was cancelled: {loc:.1} dB");
}

#[test]
fn noise_suppression_lowers_the_noise_floor_in_speech_pauses() {
    let dir = tempfile::tempdir().unwrap();
    let talk = speech(NEAR_TEXT, "en-us", dir.path());
    let len = talk.len() * 2 + secs(2.0);
    // Two utterances with a 2-second pause (noise only) between them.
    let clean = add(
        &place(len, &talk, 0, 0.5),
        &place(len, &talk, talk.len() + secs(2.0), 0.5),
    );
    let noise = white_noise(len, 0.01); // -40 dBFS
    let mic = add(&clean, &noise);
    let ns = SoftwareProcessing {
        noise_suppression: true,
        ..OFF
    };
    let on = run(ns, &mic, None);
    let off = run(OFF, &mic, None);
    // The pause, after the suppressor has learnt the noise during the first utterance.
    let pause = talk.len() + secs(0.5)..talk.len() + secs(1.8);
    let lowered = db(power(&off[pause.clone()])) - db(power(&on[pause.clone()]));
    // Speech stays: the second utterance keeps most of its level.
    let second = talk.len() + secs(2.0)..(talk.len() * 2 + secs(2.0)).min(on.len());
    let speech_loss = db(active_power(&off, &clean, second.clone()))
        - db(active_power(&on, &clean, second.clone()));
    eprintln!(
        "noise floor lowered by {lowered:.1} dB; speech level lowered by {speech_loss:.1} dB"
    );
    assert!(
        lowered >= 10.0,
        "noise floor lowered by only {lowered:.1} dB"
    );
    assert!(speech_loss <= 6.0, "speech lost {speech_loss:.1} dB");
}

#[test]
fn gain_control_brings_quiet_speech_near_minus_20_dbfs() {
    let dir = tempfile::tempdir().unwrap();
    let talk = speech(FAR_TEXT, "en-us", dir.path());
    // Speech whose active level is -40 dBFS.
    let level = db(active_power(&talk, &talk, 0..talk.len()));
    let gain = 10f64.powf((-40.0 - level) / 20.0) as f32;
    let quiet: Vec<f32> = talk.iter().map(|x| x * gain).collect();
    let input_level = db(active_power(&quiet, &talk, 0..quiet.len()));
    let agc = SoftwareProcessing {
        auto_gain_control: true,
        ..OFF
    };
    let on = run(agc, &quiet, None);
    let off = run(OFF, &quiet, None);
    // After the controller adapted (its gain moves at most 6 dB/s): the last 4 seconds.
    let tail = on.len() - secs(4.0)..on.len();
    let out_level = db(active_power(&on, &talk, tail.clone()));
    let off_level = db(active_power(&off, &talk, tail.clone()));
    let in_tail = db(active_power(&quiet, &talk, tail));
    eprintln!(
        "input {input_level:.1} dBFS; with AGC {out_level:.1} dBFS; without {off_level:.1} dBFS (input there {in_tail:.1})"
    );
    assert!((input_level + 40.0).abs() < 0.5);
    assert!(
        (-26.0..=-14.0).contains(&out_level),
        "AGC output {out_level:.1} dBFS, not near -20"
    );
    assert!((off_level - in_tail).abs() < 0.5, "untouched without AGC");
}

#[test]
fn output_is_in_10ms_blocks_with_capture_timestamps() {
    // 44.1 kHz stereo device audio in odd-sized blocks: 48 kHz mono out, whole frames.
    let mut p = AudioProcessor::new(
        44_100,
        2,
        1,
        SoftwareProcessing {
            noise_suppression: true,
            ..OFF
        },
    )
    .unwrap();
    let mut out = Vec::new();
    let mut frames_in = 0usize;
    for k in 0..100i64 {
        let n = 300 + (k as usize * 37) % 500;
        let ts = (frames_in as f64 * 1e6 / 44_100.0).round() as i64 + 1_000_000;
        out.extend(
            p.process(&AudioData::from_f32(44_100, 2, &vec![0.1; n * 2], ts).unwrap())
                .unwrap(),
        );
        frames_in += n;
    }
    assert!(!out.is_empty());
    for (i, b) in out.iter().enumerate() {
        assert_eq!(
            (b.sample_rate(), b.channels(), b.frames()),
            (48_000, 1, FRAME)
        );
        // Each block follows the previous by 10 ms, starting at the first capture time.
        let want = 1_000_000 + i as i64 * 10_000;
        assert!(
            (b.timestamp() - want).abs() <= 1,
            "{} vs {want}",
            b.timestamp()
        );
    }
    // At most one frame (plus the resampler's chunk) is held back.
    let produced = out.len() * FRAME;
    let expected = frames_in * 48_000 / 44_100;
    assert!(
        expected - produced < FRAME + 480,
        "{produced} of {expected} frames out"
    );
    // The wrong input format is an error, not a panic.
    let e = p
        .process(&AudioData::from_f32(48_000, 1, &[0.0; 480], 0).unwrap())
        .unwrap_err();
    assert_eq!(e.kind, mediacapture::ErrorKind::NotReadableError);
}

#[test]
fn echo_cancellers_listen_to_the_far_end_only_while_they_exist() {
    let _bus = BUS.lock().unwrap_or_else(|e| e.into_inner());
    let before = far_end().listeners();
    let p = AudioProcessor::new(
        RATE,
        1,
        1,
        SoftwareProcessing {
            echo_cancellation: Some(EchoReference::All),
            ..OFF
        },
    )
    .unwrap();
    let q = AudioProcessor::new(
        RATE,
        1,
        1,
        SoftwareProcessing {
            noise_suppression: true,
            ..OFF
        },
    )
    .unwrap();
    assert_eq!(far_end().listeners(), before + 1);
    drop(q);
    drop(p);
    assert_eq!(far_end().listeners(), before);
    // Bad formats are refused with an error.
    assert!(AudioProcessor::new(RATE, 1, 0, OFF).is_err());
    assert!(AudioProcessor::new(1, 1, 1, OFF).is_err());
}

/// A microphone backend driven by hand: the test delivers each block itself, so the far end
/// can be pushed in lockstep through the whole getUserMedia path (no clock, no thread).
mod manual_mic {
    use mediacapture::types::native::*;
    use mediacapture::types::{EchoCancellation, MediaDeviceKind};
    use mediacapture_hal::{Backend, Source, SourceSink};
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    pub struct ManualMic {
        pub sink: Mutex<Option<Arc<dyn SourceSink>>>,
    }

    struct Open(NativeConfig);
    impl Source for Open {
        fn config(&self) -> &NativeConfig {
            &self.0
        }
        fn stop(&mut self) {}
    }

    impl Backend for ManualMic {
        fn name(&self) -> &'static str {
            "manual"
        }
        fn devices(&self) -> mediacapture::Result<Vec<DeviceDescriptor>> {
            Ok(vec![DeviceDescriptor {
                raw_id: "mic".into(),
                raw_group_id: "mic".into(),
                kind: MediaDeviceKind::AudioInput,
                label: "Hand-driven microphone".into(),
                is_default: true,
                capabilities: NativeCapabilities::Audio(AudioCapabilities {
                    sample_rates: vec![48000],
                    channel_counts: vec![1],
                    sample_sizes: vec![16],
                    latency: (0.01, 0.01),
                    echo_cancellation: vec![EchoCancellation::Bool(false)],
                    auto_gain_control: vec![false],
                    noise_suppression: vec![false],
                }),
            }])
        }
        fn open(
            &self,
            _raw_id: &str,
            config: &NativeConfig,
            sink: Arc<dyn SourceSink>,
        ) -> mediacapture::Result<Box<dyn Source>> {
            *self.sink.lock().unwrap() = Some(sink);
            Ok(Box::new(Open(config.clone())))
        }
    }
}

#[test]
fn get_user_media_tracks_cancel_echo_of_what_the_process_plays() {
    use mediacapture::{MediaDevices, MediaStreamConstraints};
    use std::sync::Arc;
    let _bus = BUS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let s = echo_scene(dir.path());
    let mic = Arc::new(manual_mic::ManualMic::default());
    let md = MediaDevices::builder().backend_arc(mic.clone()).build();
    let gum = |json: &str| {
        futures_executor::block_on(
            md.get_user_media(MediaStreamConstraints::from_json(json).unwrap()),
        )
        .unwrap()
    };
    // Two tracks on the one microphone: the default (processed, echo cancelled) and one with
    // echoCancellation false (the device's own audio).
    let cancelled = gum(r#"{"audio":true}"#).get_audio_tracks()[0].clone();
    let raw = gum(r#"{"audio":{"echoCancellation":false}}"#).get_audio_tracks()[0].clone();
    let collect = |t: &mediacapture::MediaStreamTrack| {
        let out = Arc::new(Mutex::new(Vec::<f32>::new()));
        let o = out.clone();
        t.on_audio_data(move |d| o.lock().unwrap().extend(d.to_f32_interleaved()));
        out
    };
    let (on, off) = (collect(&cancelled), collect(&raw));
    let sink = mic
        .sink
        .lock()
        .unwrap()
        .clone()
        .expect("the microphone is open");
    for (k, block) in s.mic.chunks(FRAME).enumerate() {
        let ts = k as i64 * 10_000;
        let f = &s.far[k * FRAME..k * FRAME + block.len()];
        far_end().push(
            &AudioData::from_f32(RATE, 1, f, ts).unwrap(),
            FarEndOrigin::Local,
        );
        sink.on_audio(AudioData::from_f32(RATE, 1, block, ts).unwrap());
    }
    let (on, off) = (on.lock().unwrap().clone(), off.lock().unwrap().clone());
    assert_eq!(
        off.len(),
        s.mic.len(),
        "the unprocessed track gets every sample"
    );
    // The processed track: echo cancelled, and also noise-suppressed and gain-controlled
    // (its defaults), so compare echo to near end rather than raw levels.
    let echo_left = db(active_power(&on, &s.far, s.far_only.clone()))
        - db(active_power(&on, &s.near, s.near_only.clone()));
    let echo_raw = db(active_power(&off, &s.far, s.far_only.clone()))
        - db(active_power(&off, &s.near, s.near_only.clone()));
    let (corr, _) = best_correlation(&on, &s.near, s.near_only.clone());
    eprintln!(
        "getUserMedia track: echo {echo_left:.1} dB relative to the near end (unprocessed: {echo_raw:.1} dB); near-end correlation {corr:.3}"
    );
    assert!(
        echo_raw - echo_left >= 20.0,
        "echo lowered by only {:.1} dB",
        echo_raw - echo_left
    );
    assert!(corr >= 0.8, "near-end correlation {corr:.3}");
    cancelled.stop();
    raw.stop();
}
