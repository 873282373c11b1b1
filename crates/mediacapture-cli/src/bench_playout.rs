//! `mediacapture bench --playout PLAYER`: microphone-to-speaker latency and playback CPU.
//!
//! The signal: 48 kHz stereo, a 100 ms 1 kHz burst (amplitude 0.5, starting at its peak so
//! the onset is one sample sharp) once a second, silence between.
//!
//! **Latency.** The played sink's monitor is captured (our PulseAudio capture, mono, 10 ms
//! fragments) and every burst onset found there is paired with the onset that went in:
//!
//! * `element`: the fake microphone plays the signal (a looped wav); an `<audio>` element
//!   (`HTMLMediaElement`) with `setSinkId(SINK)` plays the microphone's track. The onset
//!   going in is taken from the track's own blocks (their capture timestamps, which the fake
//!   source sets on the system clock when each block is due). A monitor onset is paired with
//!   the latest one before it; the player's buffers are bounded (150 ms jitter buffer, 30 ms
//!   output) far under the 1 s period, so the pairing is unambiguous.
//! * `paplay` / `ffplay`: this program plays the microphone's part itself: it writes the same
//!   signal in 10 ms blocks, each when it is due (real time), to the player's stdin (raw
//!   s16le); the onset going in is the due time of its block plus its offset. These players
//!   drop nothing, so monitor onsets are paired with input onsets in order.
//!
//! A monitor onset's time is the arrival of its capture block minus the samples after it in
//! that block; so the figure includes the capture's own delivery (one fragment at most).
//!
//! **CPU.** A second phase plays for `--seconds` without the monitor capture: `element`
//! reads this process's CPU time (fake microphone included); `paplay`/`ffplay` play a wav
//! file of the signal to the sink and their process's CPU time is read from /proc over the
//! same window (from 1 s after the start).

use crate::{CliResult, Failure, Global};
use clap::ValueEnum;
use mediacapture::media_element::HTMLMediaElement;
use mediacapture::{AudioData, MediaDeviceKind, MediaDevices, MediaStreamConstraints};
use mediacapture_hal::clock::now_us;
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use mediacapture_hal::pulse::PulseBackend;
use mediacapture_hal::{Backend, SourceEvent, SourceSink};
use mediacapture_types::EchoCancellation;
use mediacapture_types::native::{AudioConfig, NativeConfig};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The player under test.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
pub(crate) enum Player {
    /// Our `HTMLMediaElement` playing the fake microphone.
    Element,
    /// PulseAudio's `paplay`.
    Paplay,
    /// FFmpeg's `ffplay -nodisp` (SDL audio to PulseAudio).
    Ffplay,
}

const RATE: usize = 48_000;
const PERIOD: usize = RATE; // one burst a second
const BURST: usize = RATE / 10; // 100 ms
const BLOCK: usize = RATE / 100; // 10 ms
/// Silence before the first burst of the stdin feed.
const LEAD: usize = RATE * 3 / 10;
const LOUD: f32 = 0.1;
const QUIET: f32 = 0.01;
/// Quiet samples needed before an onset counts (200 ms): a gap inside a burst is not one.
const QUIET_RUN: usize = RATE / 5;

/// The signal at sample `n` of its loop.
fn signal(n: usize) -> f32 {
    let i = n % PERIOD;
    if i < BURST {
        (0.5 * (std::f64::consts::TAU * 1000.0 * i as f64 / RATE as f64).cos()) as f32
    } else {
        0.0
    }
}

/// Finds burst onsets in a mono sample stream.
struct Onsets {
    quiet: usize,
    times_us: Vec<i64>,
}

impl Onsets {
    fn new() -> Self {
        Onsets {
            quiet: QUIET_RUN,
            times_us: Vec::new(),
        }
    }

    /// Feeds samples whose first one is at `t0_us`.
    fn feed(&mut self, samples: impl Iterator<Item = f32>, t0_us: i64) {
        for (i, s) in samples.enumerate() {
            let a = s.abs();
            if a > LOUD && self.quiet >= QUIET_RUN {
                self.times_us
                    .push(t0_us + (i as i64 * 1_000_000) / RATE as i64);
            }
            if a < QUIET {
                self.quiet += 1;
            } else {
                self.quiet = 0;
            }
        }
    }
}

/// The sink's monitor: onsets at arrival time.
struct Monitor(Mutex<Onsets>);
impl SourceSink for Monitor {
    fn on_video(&self, _: mediacapture::VideoFrame) {}
    fn on_audio(&self, data: AudioData) {
        let arrived = now_us();
        let ch = data.channels().max(1) as usize;
        let first = arrived - (data.frames() as i64 * 1_000_000) / i64::from(data.sample_rate());
        let samples = data.to_f32_interleaved();
        if let Ok(mut o) = self.0.lock() {
            o.feed(samples.iter().step_by(ch).copied(), first);
        }
    }
    fn on_event(&self, _: SourceEvent) {}
}

fn other(e: impl std::fmt::Display) -> Failure {
    Failure::Other(e.to_string())
}

/// Writes `seconds` of the signal (from its loop start) as a 16-bit stereo wav.
fn write_wav(path: &Path, seconds: f64) -> std::io::Result<()> {
    let frames = (seconds * RATE as f64) as usize;
    let data_len = (frames * 4) as u32;
    let mut b = Vec::with_capacity(44 + frames * 4);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // PCM
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&(RATE as u32).to_le_bytes());
    b.extend_from_slice(&(RATE as u32 * 4).to_le_bytes());
    b.extend_from_slice(&4u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for n in 0..frames {
        let v = s16(signal(n));
        b.extend_from_slice(&v);
        b.extend_from_slice(&v);
    }
    std::fs::write(path, b)
}

fn s16(s: f32) -> [u8; 2] {
    ((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes()
}

/// CPU seconds of process `pid` ("self" for this one): the sum of its threads' run time
/// from /proc/PID/task/*/schedstat (nanoseconds; /proc/PID/stat counts in 10 ms ticks, too
/// coarse for a player that uses well under 1 % of a core). No thread starts or ends inside
/// the measured windows, so the sum covers the whole process.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let mut ns = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 / 1e9)
}

fn percentile(sorted: &[i64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// The player's command line: `input` is a wav file, or `None` for raw s16le on stdin.
fn player_command(player: Player, sink: &str, low_latency: bool, input: Option<&Path>) -> Command {
    let mut c;
    match player {
        Player::Paplay => {
            c = Command::new("paplay");
            c.arg(format!("--device={sink}"));
            if low_latency {
                // Our element's output buffer (PlayerOptions' default).
                c.arg("--latency-msec=30");
            }
            match input {
                Some(p) => c.arg(p),
                None => c.args(["--raw", "--format=s16le", "--rate=48000", "--channels=2"]),
            };
        }
        _ => {
            c = Command::new("ffplay");
            c.env("SDL_AUDIODRIVER", "pulseaudio")
                .env("PULSE_SINK", sink);
            c.args(["-nodisp", "-autoexit", "-loglevel", "error"]);
            if low_latency {
                c.args([
                    "-fflags",
                    "nobuffer",
                    "-analyzeduration",
                    "0",
                    "-probesize",
                    "32",
                ]);
            }
            match input {
                Some(p) => c.arg(p),
                None => c.args(["-f", "s16le", "-ar", "48000", "-ac", "2", "-i", "-"]),
            };
        }
    }
    c.stdin(if input.is_some() {
        Stdio::null()
    } else {
        Stdio::piped()
    })
    .stdout(Stdio::null());
    c
}

/// Kills and reaps a player this run started.
fn end(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

pub(crate) fn run(
    g: &Global,
    player: Player,
    sink: &str,
    low_latency: bool,
    seconds: Duration,
) -> CliResult {
    let seconds = seconds.max(Duration::from_secs(2));
    let pulse = PulseBackend::new();
    if !pulse.is_available() {
        return Err(Failure::Other("no PulseAudio server".into()));
    }
    let monitor = Arc::new(Monitor(Mutex::new(Onsets::new())));
    let mut capture = pulse
        .open(
            &format!("{sink}.monitor"),
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
        .map_err(other)?;
    let input = Arc::new(Mutex::new(Onsets::new()));
    let wav: PathBuf =
        std::env::temp_dir().join(format!("mediacapture-bench-{}.wav", std::process::id()));
    // The wav: the fake microphone's loop (element), the file played for CPU (the others).
    write_wav(&wav, seconds.as_secs_f64() + 4.0).map_err(other)?;
    let result = measure(
        g,
        player,
        sink,
        low_latency,
        seconds,
        pulse,
        &monitor,
        &mut capture,
        &input,
        &wav,
    );
    let _ = std::fs::remove_file(&wav);
    result
}

#[allow(
    clippy::too_many_arguments,
    reason = "one benchmark's state, used once"
)]
fn measure(
    g: &Global,
    player: Player,
    sink: &str,
    low_latency: bool,
    seconds: Duration,
    pulse: PulseBackend,
    monitor: &Arc<Monitor>,
    capture: &mut Box<dyn mediacapture_hal::Source>,
    input: &Arc<Mutex<Onsets>>,
    wav: &Path,
) -> CliResult {
    let cpu;
    let in_count;
    let mut player_stats = serde_json::Value::Null;
    let mut played_from = i64::MIN;
    if player == Player::Element {
        let profile = format!(
            r#"{{"devices":[{{"kind":"audioinput","label":"Bench Mic","sampleRate":[48000],"channelCount":[2],"file":{}}}]}}"#,
            serde_json::Value::String(wav.display().to_string())
        );
        let mic = FakeBackend::new(FakeProfile::from_json(&profile).map_err(other)?);
        let md = MediaDevices::builder()
            .origin("bench")
            .expose_device_info(true)
            .backend(mic)
            .backend(pulse)
            .build();
        let list = futures_executor::block_on(md.enumerate_devices())?;
        let id_of = |kind: MediaDeviceKind, label: &str| {
            list.iter()
                .find(|d| d.kind == kind && d.label == label)
                .map(|d| d.device_id.clone())
                .ok_or_else(|| Failure::Other(format!("{label} is not listed")))
        };
        let mic_id = id_of(MediaDeviceKind::AudioInput, "Bench Mic")?;
        let sink_id = id_of(MediaDeviceKind::AudioOutput, sink)?;
        let c = MediaStreamConstraints::from_json(&format!(
            r#"{{"audio":{{"deviceId":{{"exact":"{mic_id}"}},"sampleRate":48000,"channelCount":2,"echoCancellation":false,"noiseSuppression":false,"autoGainControl":false}}}}"#
        ))?;
        let stream = futures_executor::block_on(md.get_user_media(c))?;
        let track = stream
            .get_audio_tracks()
            .into_iter()
            .next()
            .ok_or_else(|| Failure::Other("no audio track".into()))?;
        let inp = input.clone();
        track.on_audio_data(move |d| {
            let ch = d.channels().max(1) as usize;
            let s = d.to_f32_interleaved();
            if let Ok(mut o) = inp.lock() {
                o.feed(s.iter().step_by(ch).copied(), d.timestamp());
            }
        });
        let audio = HTMLMediaElement::audio(&md);
        futures_executor::block_on(audio.set_sink_id(&sink_id))?;
        audio.set_src_object(Some(stream.clone()));
        futures_executor::block_on(audio.play())?;
        // Onsets from before play() resolved may come out cut (a burst's tail); not counted.
        played_from = now_us();
        // The player's own view, each second: what its jitter buffer did (diagnostics).
        let mut stats = Vec::new();
        for _ in 0..seconds.as_secs() {
            std::thread::sleep(Duration::from_secs(1));
            let s = audio.audio_stats();
            stats.push(json!({
                "speed": s.jitter.speed, "level": s.jitter.level,
                "underruns": s.jitter.underruns, "dropped_frames": s.jitter.dropped_frames,
                "output_latency_us": s.output_latency_us,
            }));
        }
        player_stats = json!(stats);
        // The last burst in may still be on its way out: wait (up to half a second, far over
        // the element's latency and under the second between bursts) until the monitor has
        // heard it, so that it is not counted lost for being in flight.
        let (count, last_in) = input
            .lock()
            .map(|o| (o.times_us.len(), o.times_us.last().copied()))
            .unwrap_or((0, None));
        in_count = count;
        let deadline = Instant::now() + Duration::from_millis(500);
        while let Some(last) = last_in {
            let heard = monitor
                .0
                .lock()
                .map(|o| o.times_us.last().is_some_and(|t| *t >= last))
                .unwrap_or(true);
            if heard || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(10)); // polls the monitor: no event
        }
        capture.stop();
        // CPU phase: the element keeps playing, nothing captures.
        std::thread::sleep(Duration::from_secs(1));
        let c0 = cpu_seconds("self");
        let t0 = Instant::now();
        std::thread::sleep(seconds);
        let c1 = cpu_seconds("self");
        cpu = c0
            .zip(c1)
            .map(|(a, b)| (b - a) / t0.elapsed().as_secs_f64());
        audio.pause();
        track.stop();
    } else {
        drop(pulse);
        let mut child = player_command(player, sink, low_latency, None)
            .spawn()
            .map_err(|e| Failure::Other(format!("{player:?}: {e}")))?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| Failure::Other("no stdin".into()))?;
        // An external player gives no sign that it is connected and waiting for input; a
        // feed started before then would sit in the pipe (a live source does not wait) and
        // count as the player's latency. So the feed starts after 2 s, unavoidably a fixed
        // wait (both players connect in well under a second here).
        std::thread::sleep(Duration::from_secs(2));
        let start = now_us();
        let blocks = (seconds.as_secs_f64() * 100.0) as usize;
        let mut buf = Vec::with_capacity(BLOCK * 4);
        for k in 0..blocks {
            let due = start + k as i64 * 10_000;
            let wait = due - now_us();
            if wait > 0 {
                std::thread::sleep(Duration::from_micros(wait as u64));
            }
            let mono: Vec<f32> = (k * BLOCK..(k + 1) * BLOCK)
                .map(|n| if n < LEAD { 0.0 } else { signal(n - LEAD) })
                .collect();
            buf.clear();
            for s in &mono {
                buf.extend_from_slice(&s16(*s));
                buf.extend_from_slice(&s16(*s));
            }
            if let Ok(mut o) = input.lock() {
                o.feed(mono.iter().copied(), due);
            }
            stdin.write_all(&buf).map_err(other)?;
            stdin.flush().map_err(other)?;
        }
        // Wait for the last bursts to come out (as many onsets as went in), then stop.
        let want = input.lock().map(|o| o.times_us.len()).unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(5);
        while monitor.0.lock().map(|o| o.times_us.len()).unwrap_or(0) < want
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20)); // polls the monitor: no event
        }
        capture.stop();
        in_count = want;
        drop(stdin);
        end(child);
        // CPU phase: the player plays the wav file.
        let child = player_command(player, sink, low_latency, Some(wav))
            .spawn()
            .map_err(|e| Failure::Other(format!("{player:?}: {e}")))?;
        let pid = child.id().to_string();
        std::thread::sleep(Duration::from_secs(1));
        let c0 = cpu_seconds(&pid);
        let t0 = Instant::now();
        std::thread::sleep(seconds);
        let c1 = cpu_seconds(&pid);
        cpu = c0
            .zip(c1)
            .map(|(a, b)| (b - a) / t0.elapsed().as_secs_f64());
        end(child);
    }

    let mut ins = input.lock().map(|o| o.times_us.clone()).unwrap_or_default();
    // Only the onsets that went in while the monitor was captured.
    ins.truncate(in_count);
    ins.retain(|t| *t >= played_from);
    let outs = monitor
        .0
        .lock()
        .map(|o| o.times_us.clone())
        .unwrap_or_default();
    let mut lat: Vec<i64> = if player == Player::Element {
        outs.iter()
            .filter(|m| **m >= played_from)
            .filter_map(|m| ins.iter().rev().find(|s| *s <= m).map(|s| m - s))
            .collect()
    } else {
        ins.iter().zip(&outs).map(|(s, m)| m - s).collect()
    };
    // `latency_ms` in the order the bursts went in (a drift shows as a trend there), the
    // percentiles from a sorted copy.
    let in_order = lat.clone();
    lat.sort_unstable();
    let first_in = ins.first().copied().unwrap_or(0);
    let since_first_in =
        |ts: &[i64]| -> Vec<f64> { ts.iter().map(|t| (t - first_in) as f64 / 1000.0).collect() };
    let report = json!({
        "player": format!("{player:?}").to_lowercase(),
        "low_latency": low_latency,
        "sink": sink,
        "seconds": seconds.as_secs_f64(),
        "onsets_in": ins.len(),
        "onsets_out": outs.len(),
        "paired": lat.len(),
        "latency_ms": in_order.iter().map(|l| *l as f64 / 1000.0).collect::<Vec<_>>(),
        // When each onset went in and came out, in ms from the first one in (diagnostics:
        // which bursts were lost).
        "onsets_in_ms": since_first_in(&ins),
        "onsets_out_ms": since_first_in(&outs),
        // When play() resolved (the element only), on the same scale.
        "played_from_ms": (played_from != i64::MIN).then(|| since_first_in(&[played_from])[0]),
        "latency_p50_ms": percentile(&lat, 0.5),
        "latency_p99_ms": percentile(&lat, 0.99),
        "cpu_seconds_per_media_second": cpu,
        "player_stats_each_second": player_stats,
    });
    if g.json {
        println!("{report}");
    } else {
        println!(
            "{player:?} -> {sink}: {} onsets in, {} out, {} paired; latency p50 {:.1} ms, p99 {:.1} ms; CPU {}",
            ins.len(),
            outs.len(),
            lat.len(),
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            cpu.map_or("n/a".into(), |c| format!("{:.2}% of one core", c * 100.0))
        );
    }
    Ok(())
}
