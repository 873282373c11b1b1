//! `mediacapture bench`: the whole capture pipeline, measured.
//!
//! A fake 1920x1080@30 camera feeds four tracks — native, 1280x720@30, 640x360@15 and
//! 320x180@5 — each with a callback sink. Reported: process CPU time per second of media,
//! delivered frames per second per track, capture-to-sink latency (p50/p99, from the frames'
//! own capture timestamps) and, for the scaled tracks, the part of it beyond the native
//! track's latency for the same source frame (what the track's adapter and delivery thread
//! added), each track's slowest frames beside the native track's latency for them, and then
//! peak memory while one extra sink never reads. First of
//! all, the time from calling getUserMedia to the first frame delivered to a sink on the
//! same fake camera, over [`FIRST_FRAME_RUNS`] runs (each opening the camera afresh).

use crate::{CliResult, Failure, Global};
use clap::Args;
use mediacapture::{MediaDevices, MediaStreamConstraints, MediaTrackConstraints};
use mediacapture_hal::clock::now_us;
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Arguments of `bench`.
#[derive(Args, Debug)]
pub(crate) struct BenchArgs {
    /// Seconds of media per phase (at least 1): seconds, or with a unit (1500ms, 2m).
    #[arg(long, default_value = "10", value_parser = crate::args::parse_duration)]
    seconds: Duration,
    /// Instead of the capture pipeline: play a 1 kHz burst a second to the PulseAudio sink
    /// --sink with this player and measure latency and CPU (see `bench_playout`).
    #[arg(long, value_enum)]
    playout: Option<crate::bench_playout::Player>,
    /// The PulseAudio sink (its name) for --playout.
    #[arg(long, default_value = "benchsink")]
    sink: String,
    /// For --playout paplay/ffplay: ask the player for low latency (paplay
    /// --latency-msec=30, as our element's output; ffplay -fflags nobuffer -analyzeduration 0
    /// -probesize 32). Without it: the players' defaults.
    #[arg(long)]
    low_latency: bool,
}

const PROFILE: &str = r#"{"devices":[{"kind":"videoinput","label":"Bench Camera",
    "modes":[{"width":1920,"height":1080,"frameRate":30,"pixelFormat":"I420"}]}]}"#;

const TARGETS: [(&str, u32, u32, f64); 4] = [
    ("native 1920x1080@30", 1920, 1080, 30.0),
    ("1280x720@30", 1280, 720, 30.0),
    ("640x360@15", 640, 360, 15.0),
    ("320x180@5", 320, 180, 5.0),
];

/// How many times getUserMedia → first frame is measured.
const FIRST_FRAME_RUNS: usize = 10;

/// getUserMedia → first frame delivered to a callback sink, in ms, once per run: each run
/// opens the camera (the previous run's tracks are stopped, so the source closes).
fn first_frame_times(md: &MediaDevices) -> Result<Vec<f64>, Failure> {
    let mut times = Vec::with_capacity(FIRST_FRAME_RUNS);
    for _ in 0..FIRST_FRAME_RUNS {
        let c = MediaStreamConstraints::from_json(
            r#"{"video":{"width":{"exact":1920},"height":{"exact":1080},"frameRate":{"exact":30}}}"#,
        )?;
        let t0 = Instant::now();
        let stream = futures_executor::block_on(md.get_user_media(c))?;
        let track = stream
            .get_video_tracks()
            .into_iter()
            .next()
            .ok_or_else(|| Failure::Other("no video track".into()))?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Instant>(1);
        track.on_video_frame(move |_| {
            let _ = tx.try_send(Instant::now());
        });
        let first = rx
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| Failure::Other("no first frame within 10 s".into()))?;
        times.push((first - t0).as_secs_f64() * 1000.0);
        track.stop();
    }
    Ok(times)
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

#[derive(Default)]
struct Stats {
    frames: u64,
    /// (capture timestamp, capture-to-sink latency) of each frame, µs.
    samples: Vec<(i64, i64)>,
    wrong_size: u64,
}

/// How many of a track's slowest frames the report lists.
const SLOWEST: usize = 3;

/// CPU time (user + system) of this process in seconds, from /proc/self/stat. Linux reports
/// it in USER_HZ ticks, which the kernel ABI fixes at 100 per second.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// A field of /proc/self/status in KiB (e.g. "VmHWM", "VmRSS").
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[i64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

pub(crate) fn run(g: &Global, args: &BenchArgs) -> CliResult {
    if let Some(player) = args.playout {
        return crate::bench_playout::run(g, player, &args.sink, args.low_latency, args.seconds);
    }
    let profile = FakeProfile::from_json(PROFILE).map_err(|e| Failure::Other(e.to_string()))?;
    let md = MediaDevices::builder()
        .origin("bench")
        .backend(FakeBackend::new(profile))
        .build();
    let first_frame_ms = first_frame_times(&md)?;
    let c = MediaStreamConstraints::from_json(
        r#"{"video":{"width":{"exact":1920},"height":{"exact":1080},"frameRate":{"exact":30}}}"#,
    )?;
    let stream = futures_executor::block_on(md.get_user_media(c))?;
    let base = stream
        .get_video_tracks()
        .into_iter()
        .next()
        .ok_or_else(|| Failure::Other("no video track".into()))?;
    let mut tracks = vec![base.clone()];
    for &(_, w, h, fps) in &TARGETS[1..] {
        let t = base.clone_track();
        let c = MediaTrackConstraints::from_json(&format!(
            r#"{{"width":{{"exact":{w}}},"height":{{"exact":{h}}},"frameRate":{{"exact":{fps}}}}}"#
        ))?;
        futures_executor::block_on(t.apply_constraints(c))?;
        tracks.push(t);
    }
    let stats: Vec<Arc<Mutex<Stats>>> = (0..4).map(|_| Arc::default()).collect();
    for (i, t) in tracks.iter().enumerate() {
        let s = stats[i].clone();
        let (_, w, h, _) = TARGETS[i];
        t.on_video_frame(move |f| {
            let latency = now_us() - f.timestamp();
            if let Ok(mut s) = s.lock() {
                s.frames += 1;
                s.samples.push((f.timestamp(), latency));
                if (f.display_width(), f.display_height()) != (w, h) {
                    s.wrong_size += 1;
                }
            }
        });
    }
    // Let the pipeline settle, then measure.
    std::thread::sleep(Duration::from_millis(500));
    for s in &stats {
        if let Ok(mut s) = s.lock() {
            *s = Stats::default();
        }
    }
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    std::thread::sleep(args.seconds.max(Duration::from_secs(1)));
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu1 = cpu_seconds();
    let mut per_track = Vec::new();
    let mut taken = Vec::with_capacity(stats.len());
    for s in &stats {
        let s = std::mem::take(
            &mut *s
                .lock()
                .map_err(|_| Failure::Other("stats lock poisoned".into()))?,
        );
        taken.push(s);
    }
    // The native track's latency of each source frame: the capture thread's own lateness
    // (it does no work for that track). A scaled track's latency beyond it is what its
    // adapter and delivery thread added; a frame late on every track at once was late
    // before the pipeline had it (the machine did not run the capture thread in time).
    let native: std::collections::HashMap<i64, i64> = taken
        .first()
        .map(|s| s.samples.iter().copied().collect())
        .unwrap_or_default();
    for (i, s) in taken.iter().enumerate() {
        let mut latencies: Vec<i64> = s.samples.iter().map(|&(_, l)| l).collect();
        latencies.sort_unstable();
        let mut added: Vec<i64> = s
            .samples
            .iter()
            .filter_map(|(ts, l)| native.get(ts).map(|n| l - n))
            .collect();
        added.sort_unstable();
        let mut slowest = s.samples.clone();
        slowest.sort_unstable_by_key(|&(_, l)| std::cmp::Reverse(l));
        let slowest: Vec<_> = slowest
            .iter()
            .take(SLOWEST)
            .map(|(ts, l)| {
                json!({
                    "timestamp_us": ts,
                    "latency_ms": *l as f64 / 1000.0,
                    "native_latency_ms": native.get(ts).map(|n| *n as f64 / 1000.0),
                })
            })
            .collect();
        per_track.push(json!({
            "track": TARGETS[i].0,
            "fps": s.frames as f64 / elapsed,
            "latency_p50_ms": percentile(&latencies, 0.5),
            "latency_p99_ms": percentile(&latencies, 0.99),
            "added_latency_p50_ms": (i > 0).then(|| percentile(&added, 0.5)),
            "added_latency_p99_ms": (i > 0).then(|| percentile(&added, 0.99)),
            "slowest_frames": slowest,
            "wrong_size_frames": s.wrong_size,
        }));
    }
    let cpu_per_media_second = match (cpu0, cpu1) {
        (Some(a), Some(b)) => Some((b - a) / elapsed),
        _ => None,
    };

    // Phase 2: one more sink that never reads.
    let idle = tracks[0].video_frames();
    let rss_before = status_kib("VmRSS");
    std::thread::sleep(args.seconds.max(Duration::from_secs(1)));
    let peak = status_kib("VmHWM");
    let rss_after = status_kib("VmRSS");
    let idle_report = json!({
        "buffered": idle.buffered(),
        "dropped": idle.dropped(),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "peak_rss_kib": peak,
    });
    for t in &tracks {
        t.stop();
    }
    let report = json!({
        "seconds": elapsed,
        "cpu_seconds_per_media_second": cpu_per_media_second,
        "first_frame_ms": first_frame_ms,
        "first_frame_median_ms": median(&first_frame_ms),
        "tracks": per_track,
        "never_reading_sink": idle_report,
    });
    if g.json {
        println!("{report}");
    } else {
        println!(
            "getUserMedia -> first frame: median {:.2} ms over {} runs (min {:.2}, max {:.2})",
            median(&first_frame_ms),
            first_frame_ms.len(),
            first_frame_ms.iter().copied().fold(f64::INFINITY, f64::min),
            first_frame_ms.iter().copied().fold(0.0, f64::max),
        );
        println!("pipeline: fake 1920x1080@30 I420 source -> 4 tracks, {elapsed:.1} s");
        match cpu_per_media_second {
            Some(c) => println!(
                "CPU: {:.1} ms per second of media ({:.1}% of one core)",
                c * 1000.0,
                c * 100.0
            ),
            None => println!("CPU: not available (no /proc/self/stat)"),
        }
        println!(
            "{:<22} {:>8} {:>12} {:>12} {:>16}",
            "track", "fps", "p50 ms", "p99 ms", "added p99 ms"
        );
        for t in &per_track {
            println!(
                "{:<22} {:>8.2} {:>12.2} {:>12.2} {:>16}",
                t["track"].as_str().unwrap_or(""),
                t["fps"].as_f64().unwrap_or(f64::NAN),
                t["latency_p50_ms"].as_f64().unwrap_or(f64::NAN),
                t["latency_p99_ms"].as_f64().unwrap_or(f64::NAN),
                t["added_latency_p99_ms"]
                    .as_f64()
                    .map_or_else(|| "-".to_owned(), |a| format!("{a:.2}")),
            );
        }
        println!(
            "never-reading sink: {} frames buffered, {} dropped; RSS {} -> {} KiB, peak {} KiB",
            idle.buffered(),
            idle.dropped(),
            rss_before.unwrap_or(0),
            rss_after.unwrap_or(0),
            peak.unwrap_or(0)
        );
    }
    Ok(())
}
