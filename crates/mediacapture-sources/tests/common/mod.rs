//! Shared helpers: fixtures made with ffmpeg at test time, and ffprobe as the outside judge.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    dead_code,
    reason = "test helpers: a panic is a failure with a message; not every test file uses every helper"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Panics with a clear message when an outside tool is missing (never skips silently).
pub fn require(tool: &str) {
    let ok = Command::new(tool)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "`{tool}` is required by this test (apt-get install ffmpeg)"
    );
}

/// Runs ffmpeg with `args` (quiet, overwrite) and returns `out`.
pub fn ffmpeg(args: &[&str], out: &Path) -> PathBuf {
    require("ffmpeg");
    let o = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.to_path_buf()
}

/// A WebM with a `size` testsrc at 30 fps (VP8 or VP9) and a 440 Hz mono Opus tone.
pub fn webm(dir: &Path, name: &str, size: &str, secs: f64, vp9: bool) -> PathBuf {
    let t = format!("{secs}");
    let src = format!("testsrc=size={size}:rate=30");
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        &src,
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:sample_rate=48000",
        "-t",
        &t,
    ];
    if vp9 {
        args.extend([
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
        ]);
    } else {
        args.extend(["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8"]);
    }
    args.extend(["-b:v", "300k", "-c:a", "libopus"]);
    ffmpeg(&args, &dir.join(name))
}

/// A 16-bit PCM WAV tone.
pub fn wav(dir: &Path, name: &str, rate: u32, channels: u32, secs: f64) -> PathBuf {
    let src = format!("sine=f=440:sample_rate={rate}");
    let t = format!("{secs}");
    let ac = format!("{channels}");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            &src,
            "-t",
            &t,
            "-ac",
            &ac,
            "-c:a",
            "pcm_s16le",
        ],
        &dir.join(name),
    )
}

/// A y4m testsrc at `rate` fps.
pub fn y4m(dir: &Path, name: &str, size: &str, rate: u32, secs: f64) -> PathBuf {
    let src = format!("testsrc=size={size}:rate={rate}");
    let t = format!("{secs}");
    ffmpeg(
        &["-f", "lavfi", "-i", &src, "-t", &t, "-pix_fmt", "yuv420p"],
        &dir.join(name),
    )
}

/// `ffprobe -show_streams -show_format` as JSON; panics if ffprobe rejects the file.
pub fn ffprobe(path: &Path) -> serde_json::Value {
    require("ffprobe");
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ffprobe rejected {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The container duration ffprobe reports, in seconds.
pub fn ffprobe_duration(path: &Path) -> f64 {
    let v = ffprobe(path);
    v["format"]["duration"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no duration for {}: {v}", path.display()))
}

/// Decodes the whole file with ffmpeg (`-f null`); panics on any decode error.
pub fn ffmpeg_decodes(path: &Path) {
    require("ffmpeg");
    // `-enc_time_base -1`: keep the file's 1 ms time base. By default ffmpeg re-times the decoded
    // frames at 1/(guessed frame rate); a variable-rate file (a pause, a dropped frame) then
    // gets two frames on one tick and ffmpeg's null muxer prints a dts error about its own
    // timestamps, not the file's.
    let o = Command::new("ffmpeg")
        .args(["-hide_banner", "-v", "error", "-xerror", "-i"])
        .arg(path)
        .args(["-enc_time_base", "-1", "-f", "null", "-"])
        .output()
        .unwrap();
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "ffmpeg could not decode {}: {}",
        path.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The safety timeout of every wait below: reached only when the awaited thing never comes.
pub const SAFETY: std::time::Duration = std::time::Duration::from_secs(30);

/// A log of values (events, timestamps) pushed from other threads, with waits on its length.
pub struct Log<T> {
    items: std::sync::Mutex<Vec<T>>,
    cv: std::sync::Condvar,
}

impl<T: Clone> Log<T> {
    pub fn new() -> std::sync::Arc<Self> {
        std::sync::Arc::new(Log {
            items: std::sync::Mutex::new(Vec::new()),
            cv: std::sync::Condvar::new(),
        })
    }

    pub fn push(&self, item: T) {
        self.items.lock().unwrap().push(item);
        self.cv.notify_all();
    }

    /// A copy of what was pushed so far.
    pub fn snapshot(&self) -> Vec<T> {
        self.items.lock().unwrap().clone()
    }

    /// Waits until `done` holds for the items (at most [`SAFETY`]), and returns them.
    pub fn wait_until(&self, what: &str, done: impl Fn(&[T]) -> bool) -> Vec<T> {
        let deadline = std::time::Instant::now() + SAFETY;
        let mut items = self.items.lock().unwrap();
        while !done(&items) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {what}");
            items = self.cv.wait_timeout(items, left).unwrap().0;
        }
        items.clone()
    }

    /// Waits until at least `n` items were pushed.
    pub fn wait_len(&self, n: usize) -> Vec<T> {
        self.wait_until(&format!("{n} items"), |i| i.len() >= n)
    }
}

/// Logs `ended`, `mute` and `unmute` of `track`, in order.
pub fn track_events(
    track: &mediacapture::MediaStreamTrack,
) -> std::sync::Arc<Log<mediacapture::TrackEvent>> {
    use mediacapture::TrackEvent;
    let log = Log::new();
    for ev in [TrackEvent::Ended, TrackEvent::Mute, TrackEvent::Unmute] {
        let l = log.clone();
        track.on(ev, move || l.push(ev));
    }
    log
}

/// Logs the capture timestamp of every video frame `track` delivers (a callback sink: none is
/// dropped, however fast a manual clock makes them come).
pub fn video_stamps(track: &mediacapture::MediaStreamTrack) -> std::sync::Arc<Log<i64>> {
    let log = Log::new();
    let l = log.clone();
    track.on_video_frame(move |f| l.push(f.timestamp()));
    log
}

/// Logs (timestamp, sample frames) of every audio block `track` delivers.
pub fn audio_blocks(track: &mediacapture::MediaStreamTrack) -> std::sync::Arc<Log<(i64, usize)>> {
    let log = Log::new();
    let l = log.clone();
    track.on_audio_data(move |a| l.push((a.timestamp(), a.frames())));
    log
}

/// The media timestamps of every unit of `kind` in `path`, read with a `MediaReader`.
pub fn media_stamps(path: &Path, video: bool) -> Vec<i64> {
    use mediacapture_sources::file::{Media, MediaReader};
    MediaReader::open(path)
        .unwrap()
        .map(|m| m.unwrap())
        .filter(|m| matches!(m, Media::Video(_)) == video)
        .map(|m| m.timestamp())
        .collect()
}

/// Logs the capture timestamp of every unit (video frame or audio block) of every track of
/// `stream`, in delivery order.
pub fn unit_stamps(stream: &mediacapture::MediaStream) -> std::sync::Arc<Log<i64>> {
    let log = Log::new();
    for t in stream.get_video_tracks() {
        let l = log.clone();
        t.on_video_frame(move |f| l.push(f.timestamp()));
    }
    for t in stream.get_audio_tracks() {
        let l = log.clone();
        t.on_audio_data(move |a| l.push(a.timestamp()));
    }
    log
}

/// The media timestamps of every unit of `path` in file order.
pub fn all_media_stamps(path: &Path) -> Vec<i64> {
    mediacapture_sources::file::MediaReader::open(path)
        .unwrap()
        .map(|m| m.unwrap().timestamp())
        .collect()
}

/// Plays `file` (opened from `path` with `clock` and autoplay off, sinks attached) to its
/// end: starts it, then moves `clock` `step` at a time, each time waiting until every unit
/// due by then has been delivered (`units`, from [`unit_stamps`]), so that consumers are fed
/// at the pace they take, never flooded. Returns when playback has ended.
pub fn play_through(
    file: &mediacapture_sources::MediaFile,
    clock: &mediacapture_test_support::ManualClock,
    path: &Path,
    units: &Log<i64>,
    step: std::time::Duration,
) {
    let media = all_media_stamps(path);
    file.play().unwrap();
    units.wait_len(1);
    let step_us = i64::try_from(step.as_micros()).unwrap();
    let mut elapsed = 0;
    while !file.ended() {
        clock.advance(step);
        elapsed += step_us;
        let due = media.iter().filter(|t| **t - media[0] <= elapsed).count();
        units.wait_len(due);
        if due == media.len() {
            assert!(
                file.wait_ended(SAFETY),
                "playback did not end after its last unit"
            );
        }
    }
}
