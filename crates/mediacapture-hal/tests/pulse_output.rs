//! PulseAudio playback against a real server: what an output plays reaches its sink (read
//! back from the sink's monitor), and a sink that goes away ends its outputs. Each test plays
//! to a null sink of its own, so tests running at once do not hear each other. Skipped with
//! a printed line when no server is reachable, unless `MEDIACAPTURE_TEST_PULSE=1` makes it
//! required.
#![cfg(feature = "pulse")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::{Collect, aconfig, dominant, rms};
use mediacapture_hal::output::{OutputConfig, OutputEvent, OutputFeed};
use mediacapture_hal::pulse::PulseBackend;
use mediacapture_hal::{Backend, ErrorKind};
use mediacapture_test_support::NullSink;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const SAFETY: Duration = Duration::from_secs(20);

fn backend_or_skip(test: &str) -> Option<PulseBackend> {
    let required = std::env::var("MEDIACAPTURE_TEST_PULSE").is_ok_and(|v| v == "1");
    let b = PulseBackend::new();
    if b.is_available() {
        return Some(b);
    }
    assert!(
        !required,
        "MEDIACAPTURE_TEST_PULSE=1 but no PulseAudio server is reachable"
    );
    println!("skipped: {test}: no PulseAudio server");
    None
}

/// A sine at `freq` Hz, amplitude `amp`, on every channel.
struct Sine {
    freq: f64,
    amp: f32,
    rate: f64,
    channels: usize,
    n: AtomicU64,
    pulls: AtomicU64,
    events: Mutex<Vec<OutputEvent>>,
    cv: Condvar,
}

impl Sine {
    fn new(freq: f64, amp: f32, rate: u32, channels: u32) -> Arc<Self> {
        Arc::new(Sine {
            freq,
            amp,
            rate: f64::from(rate),
            channels: channels as usize,
            n: AtomicU64::new(0),
            pulls: AtomicU64::new(0),
            events: Mutex::new(Vec::new()),
            cv: Condvar::new(),
        })
    }
}

impl OutputFeed for Sine {
    fn fill(&self, out: &mut [f32], _at_us: i64) {
        for frame in out.chunks_mut(self.channels) {
            let n = self.n.fetch_add(1, Ordering::Relaxed) as f64;
            let s = (std::f64::consts::TAU * self.freq * n / self.rate).sin() as f32 * self.amp;
            frame.fill(s);
        }
        self.pulls.fetch_add(1, Ordering::SeqCst);
    }
    fn on_event(&self, event: OutputEvent) {
        self.events.lock().unwrap().push(event);
        self.cv.notify_all();
    }
}

#[test]
fn what_an_output_plays_reaches_the_sink() {
    let Some(b) = backend_or_skip("what_an_output_plays_reaches_the_sink") else {
        return;
    };
    let _sink = NullSink::load("pb_out_tone", "pb_out_tone", &[]);
    // Record the sink's monitor with our own capture.
    let rec = Arc::new(Collect::default());
    let mut cap = b
        .open("pb_out_tone.monitor", &aconfig(48_000, 1), rec.clone())
        .unwrap();
    let feed = Sine::new(1_000.0, 0.5, 48_000, 2);
    let config = OutputConfig {
        sample_rate: 48_000,
        channels: 2,
        latency: 0.04,
    };
    let mut out = b.open_output("pb_out_tone", &config, feed.clone()).unwrap();
    // Wait for half a second of loud audio at the monitor.
    let deadline = Instant::now() + SAFETY;
    let loud = loop {
        let samples: Vec<f32> = rec
            .audio()
            .iter()
            .flat_map(|a| a.to_f32_interleaved())
            .collect();
        let loud: Vec<f32> = samples
            .chunks(480)
            .filter(|c| rms(c) > 0.1)
            .flatten()
            .copied()
            .collect();
        if loud.len() >= 24_000 {
            break loud;
        }
        assert!(Instant::now() < deadline, "no tone at the monitor");
        std::thread::sleep(Duration::from_millis(20));
    };
    // The server's latency for the stream: its buffer (the 40 ms asked for) and the sink's.
    let latency = out.latency_us();
    assert!(latency > 0 && latency < 500_000, "latency {latency} µs");
    out.stop();
    cap.stop();
    let f = dominant(&loud, 48_000.0, &[250.0, 500.0, 1_000.0, 2_000.0, 440.0]);
    assert_eq!(f, 1_000.0);
    // A sine of amplitude 0.5 has an RMS of 0.354.
    let level = rms(&loud);
    assert!((level - 0.354).abs() < 0.03, "rms {level}");
    // Nothing is pulled after stop.
    let pulls = feed.pulls.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(50)); // a stopped thread has nothing to do
    assert_eq!(feed.pulls.load(Ordering::SeqCst), pulls);
}

#[test]
fn a_sink_that_goes_away_ends_its_output() {
    let Some(b) = backend_or_skip("a_sink_that_goes_away_ends_its_output") else {
        return;
    };
    let mut sink = NullSink::load("pb_out_gone", "pb_out_gone", &[]);
    let feed = Sine::new(440.0, 0.1, 44_100, 1);
    let config = OutputConfig {
        sample_rate: 44_100,
        channels: 1,
        latency: 0.02,
    };
    let _out = b.open_output("pb_out_gone", &config, feed.clone()).unwrap();
    sink.unload();
    let events = feed.events.lock().unwrap();
    let (events, _) = feed
        .cv
        .wait_timeout_while(events, SAFETY, |e| e.is_empty())
        .unwrap();
    match &events[..] {
        [OutputEvent::Ended(e)] => assert_eq!(e.kind, ErrorKind::NotFoundError, "{e}"),
        other => panic!("{other:?}"),
    }
    drop(events);
    // The sink is gone: opening it again is NotFoundError; a source is not an output.
    let e = b
        .open_output("pb_out_gone", &config, feed.clone())
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
}

/// Counts what an output pulls; stalls once (one late `fill`, as a playback thread that a
/// loaded machine did not schedule in time) when `stall_at` frames were pulled.
struct Stalling {
    channels: usize,
    pulled: AtomicU64,
    stall_at: u64,
    stalled: std::sync::atomic::AtomicBool,
}

impl OutputFeed for Stalling {
    fn fill(&self, out: &mut [f32], _at_us: i64) {
        let frames = (out.len() / self.channels) as u64;
        if self.pulled.load(Ordering::SeqCst) >= self.stall_at
            && !self.stalled.swap(true, Ordering::SeqCst)
        {
            // The stall under test: a fixed sleep is the point (a late playback thread), and
            // nothing below depends on its exact length, only on it being far longer than
            // the stream's 30 ms buffer.
            std::thread::sleep(Duration::from_millis(300));
        }
        out.fill(0.0);
        self.pulled.fetch_add(frames, Ordering::SeqCst);
    }
    fn on_event(&self, _: OutputEvent) {}
}

/// The sink's monitor: after each block, (frames captured so far, frames the feed had
/// pulled then). Their difference is how far the output's timeline runs ahead of the sink.
struct Timelines {
    feed: Arc<Stalling>,
    monitored: AtomicU64,
    points: Mutex<Vec<(u64, u64)>>,
    cv: Condvar,
}

impl mediacapture_hal::SourceSink for Timelines {
    fn on_video(&self, _: mediacapture_frame::VideoFrame) {}
    fn on_audio(&self, data: mediacapture_frame::AudioData) {
        let m = self
            .monitored
            .fetch_add(data.frames() as u64, Ordering::SeqCst)
            + data.frames() as u64;
        let p = self.feed.pulled.load(Ordering::SeqCst);
        self.points.lock().unwrap().push((m, p));
        self.cv.notify_all();
    }
    fn on_event(&self, _: mediacapture_hal::SourceEvent) {}
}

impl Timelines {
    /// Waits until the monitor captured `frames`; returns the points so far.
    fn wait_monitored(&self, frames: u64) -> Vec<(u64, u64)> {
        let points = self.points.lock().unwrap();
        let (points, _) = self
            .cv
            .wait_timeout_while(points, SAFETY, |p| p.last().is_none_or(|l| l.0 < frames))
            .unwrap();
        assert!(
            points.last().is_some_and(|l| l.0 >= frames),
            "the monitor did not capture {frames} frames"
        );
        points.clone()
    }
}

/// The median of pulled - monitored over `points`.
fn median_lead(points: impl Iterator<Item = (u64, u64)>) -> i64 {
    let mut d: Vec<i64> = points.map(|(m, p)| p as i64 - m as i64).collect();
    assert!(!d.is_empty());
    d.sort_unstable();
    d[d.len() / 2]
}

/// A late write (an underrun) costs a gap, never lasting delay: after it the output pulls
/// as far ahead of what the sink plays as before. (With PulseAudio's default prebuffer the
/// server stopped the stream until its buffer was full again, so the output fell behind
/// the sink by the length of the stall for good: 300 ms here, ~14,400 frames.)
#[test]
fn an_underrun_adds_no_lasting_delay() {
    let Some(b) = backend_or_skip("an_underrun_adds_no_lasting_delay") else {
        return;
    };
    let _sink = NullSink::load("pb_out_stall", "pb_out_stall", &[]);
    const RATE: u64 = 48_000;
    let feed = Arc::new(Stalling {
        channels: 2,
        pulled: AtomicU64::new(0),
        stall_at: 2 * RATE,
        stalled: Default::default(),
    });
    let lines = Arc::new(Timelines {
        feed: feed.clone(),
        monitored: AtomicU64::new(0),
        points: Mutex::new(Vec::new()),
        cv: Condvar::new(),
    });
    let mut cap = b
        .open("pb_out_stall.monitor", &aconfig(48_000, 1), lines.clone())
        .unwrap();
    let config = OutputConfig {
        sample_rate: 48_000,
        channels: 2,
        latency: 0.03,
    };
    let mut out = b
        .open_output("pb_out_stall", &config, feed.clone())
        .unwrap();
    // Wait for the stall to be over and two more seconds of the sink.
    let deadline = Instant::now() + SAFETY;
    let stall_seen_at = loop {
        let points = lines.wait_monitored(lines.monitored.load(Ordering::SeqCst) + 480);
        if let Some(p) = points.iter().find(|(_, p)| *p > 2 * RATE) {
            break p.0;
        }
        assert!(Instant::now() < deadline, "the output did not pull 2 s");
    };
    let points = lines.wait_monitored(stall_seen_at + 2 * RATE);
    out.stop();
    cap.stop();
    // Before: the half second before the stall. After: the second from 1 s after it.
    let before = median_lead(
        points
            .iter()
            .copied()
            .filter(|(_, p)| (3 * RATE / 2..2 * RATE).contains(p)),
    );
    let after = median_lead(
        points
            .iter()
            .copied()
            .filter(|(m, _)| *m >= stall_seen_at + RATE),
    );
    // A lasting delay shows as the output falling behind by the stall's 14,400 frames;
    // allow 100 ms (4,800) for a few blocks of request and capture jitter.
    assert!(
        (after - before).abs() < 4_800,
        "the output's lead on the sink was {before} frames before the stall, {after} after"
    );
}
