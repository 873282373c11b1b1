//! Shared helpers: synthetic media and the outside judges (ffprobe, ffmpeg).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // Test helpers: a panic is a failure with a message; not every test file uses every helper.

use mediacapture_frame::{AudioData, PixelFormat, VideoFrame};
use mediacapture_recorder::{LocalRecorder, RecorderEvent};
use std::path::Path;
use std::process::Command;

/// A moving gradient with a bright square, I420, `w` x `h`, frame `i`.
pub fn gradient(w: u32, h: u32, i: u64, ts_us: i64) -> VideoFrame {
    let (wu, hu) = (w as usize, h as usize);
    let (cw, ch) = (wu.div_ceil(2), hu.div_ceil(2));
    let mut buf = vec![0u8; wu * hu + 2 * cw * ch];
    let shift = (i * 4) as usize;
    for y in 0..hu {
        for x in 0..wu {
            buf[y * wu + x] = ((x + y + shift) % 220 + 16) as u8;
        }
    }
    let sq = (i as usize * 3) % wu.saturating_sub(16).max(1);
    for y in 8.min(hu)..24.min(hu) {
        for x in sq..(sq + 16).min(wu) {
            buf[y * wu + x] = 235;
        }
    }
    let (u, v) = buf[wu * hu..].split_at_mut(cw * ch);
    for y in 0..ch {
        for x in 0..cw {
            u[y * cw + x] = ((x * 2 + shift) % 200 + 28) as u8;
            v[y * cw + x] = ((y * 2 + shift / 2) % 200 + 28) as u8;
        }
    }
    VideoFrame::new(PixelFormat::I420, w, h, buf, ts_us).unwrap()
}

/// `frames` frames of a 440 Hz sine at `rate`, interleaved over `channels`, starting at
/// sample `start`.
pub fn sine(rate: u32, channels: u32, start: u64, frames: usize, ts_us: i64) -> AudioData {
    let mut s = Vec::with_capacity(frames * channels as usize);
    for n in 0..frames as u64 {
        let t = (start + n) as f64 / f64::from(rate);
        let v = (0.3 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as f32;
        for _ in 0..channels {
            s.push(v);
        }
    }
    AudioData::from_f32(rate, channels, &s, ts_us).unwrap()
}

/// Panics with a clear message when an outside judge is missing (never skips silently).
pub fn require(tool: &str) {
    let ok = Command::new(tool)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "`{tool}` is required by this test (install ffmpeg: scripts/setup.sh)"
    );
}

/// `ffprobe -show_streams -show_format` as JSON.
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
        "ffprobe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Codec names of the streams, in order.
pub fn codecs(probe: &serde_json::Value) -> Vec<String> {
    probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["codec_name"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The container's duration in seconds, if given.
pub fn duration(probe: &serde_json::Value) -> Option<f64> {
    probe["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
}

/// `ffmpeg -v error [-ss seek] -i FILE -f null -`: its success and its stderr (empty =
/// decoded cleanly), with a line added for every packet whose timestamp does not increase
/// within its stream (what a muxer, and so a remux, would reject).
pub fn ffmpeg_decode(path: &Path, seek: Option<f64>) -> (bool, String) {
    require("ffmpeg");
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-nostdin", "-v", "error"]);
    if let Some(s) = seek {
        cmd.args(["-ss", &format!("{s}")]);
    }
    // `-enc_time_base -1`: keep the file's 1 ms time base. By default ffmpeg re-times the decoded
    // frames at 1/(guessed frame rate); a variable-rate file (a pause, a dropped frame) then
    // gets two frames on one tick and ffmpeg's null muxer prints a dts error about its own
    // timestamps, not the file's.
    let out = cmd
        .arg("-i")
        .arg(path)
        .args(["-enc_time_base", "-1", "-f", "null", "-"])
        .output()
        .unwrap();
    let mut err = String::from_utf8_lossy(&out.stderr).into_owned();
    for line in non_increasing_packets(path) {
        err.push_str(&line);
        err.push('\n');
    }
    (out.status.success(), err)
}

/// Packets (by `ffprobe`) whose pts is not above the previous pts of their stream.
pub fn non_increasing_packets(path: &Path) -> Vec<String> {
    require("ffprobe");
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "packet=stream_index,pts"])
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    let mut last: std::collections::HashMap<String, i64> = Default::default();
    let mut bad = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut f = line.split(',');
        let (Some(stream), Some(Ok(pts))) = (f.next(), f.next().map(str::parse::<i64>)) else {
            continue;
        };
        if let Some(&prev) = last.get(stream) {
            if pts <= prev {
                bad.push(format!("stream {stream}: pts {pts} after {prev}"));
            }
        }
        last.insert(stream.to_string(), pts);
    }
    bad
}

/// Decoded frame count of the first video stream (`ffprobe -count_frames`).
pub fn count_video_frames(path: &Path) -> u64 {
    require("ffprobe");
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Timestamps (seconds) of the decoded video frames (`ffprobe -show_frames`).
pub fn video_frame_times(path: &Path) -> Vec<f64> {
    require("ffprobe");
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .args(["frame=pts_time,width,height", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(',').next().and_then(|t| t.parse().ok()))
        .collect()
}

/// Event type names.
pub fn names(events: &[RecorderEvent]) -> Vec<&'static str> {
    events.iter().map(RecorderEvent::type_).collect()
}

/// The concatenated bytes of all dataavailable events.
pub fn concat(events: &[RecorderEvent]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        if let RecorderEvent::DataAvailable(b) = e {
            out.extend_from_slice(b.data.data());
        }
    }
    out
}

/// Feeds `seconds` of 30 fps video (`w` x `h`) on track "v" and 48 kHz stereo audio in 10 ms
/// blocks on track "a" (either may be off), interleaved by capture time.
pub fn feed(
    rec: &mut LocalRecorder,
    seconds: f64,
    video: Option<(u32, u32)>,
    audio: bool,
    t0_us: i64,
) {
    let frames = (seconds * 30.0).round() as u64;
    let blocks = (seconds * 100.0).round() as u64;
    let (mut vi, mut ai) = (0u64, 0u64);
    loop {
        let vt = if video.is_some() && vi < frames {
            Some(vi * 1_000_000 / 30)
        } else {
            None
        };
        let at = if audio && ai < blocks {
            Some(ai * 10_000)
        } else {
            None
        };
        match (vt, at) {
            (Some(v), a) if a.is_none_or(|a| v <= a) => {
                let (w, h) = video.unwrap();
                rec.push_video("v", &gradient(w, h, vi, t0_us + v as i64));
                vi += 1;
            }
            (_, Some(a)) => {
                rec.push_audio("a", &sine(48_000, 2, ai * 480, 480, t0_us + a as i64));
                ai += 1;
            }
            _ => break,
        }
    }
}

/// `ffprobe -show_entries packet=pts,stream_index`: per stream index, the packets' pts in
/// milliseconds (WebM's time base), in file order.
pub fn packet_pts(path: &Path) -> std::collections::BTreeMap<u32, Vec<i64>> {
    require("ffprobe");
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "packet=stream_index,pts"])
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    let mut m: std::collections::BTreeMap<u32, Vec<i64>> = Default::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut f = line.split(',');
        if let (Some(Ok(stream)), Some(Ok(pts))) = (
            f.next().map(str::parse::<u32>),
            f.next().map(str::parse::<i64>),
        ) {
            m.entry(stream).or_default().push(pts);
        }
    }
    m
}

/// Writes `bytes` to `dir/name`.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}
