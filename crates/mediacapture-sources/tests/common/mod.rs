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
