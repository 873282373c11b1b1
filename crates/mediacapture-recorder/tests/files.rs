//! Real recordings judged by ffprobe / ffmpeg: codecs, duration, clean decode, seeking.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;

use common::*;
use mediacapture_recorder::{LocalRecorder, RecorderEvent, RecorderOptions, TrackInfo, TrackKind};
use std::path::Path;

struct Run {
    events: Vec<RecorderEvent>,
    start_mime: String,
}

fn tracks(video: bool, audio: bool) -> Vec<TrackInfo> {
    let mut t = Vec::new();
    if video {
        t.push(TrackInfo::live("v", TrackKind::Video));
    }
    if audio {
        t.push(TrackInfo::live("a", TrackKind::Audio));
    }
    t
}

fn record(
    opts: RecorderOptions,
    video: Option<(u32, u32)>,
    audio: bool,
    secs: f64,
    slice: Option<u32>,
) -> Run {
    let tr = tracks(video.is_some(), audio);
    let mut core = LocalRecorder::new(&tr, opts).unwrap();
    core.start(slice, &tr).unwrap();
    feed(&mut core, secs, video, audio, 5_000_000);
    core.stop();
    let mut events = Vec::new();
    let mut start_mime = String::new();
    while let Some(t) = core.poll_task() {
        for e in core.run_task(t) {
            if e == RecorderEvent::Start {
                start_mime = core.mime_type().to_string();
            }
            events.push(e);
        }
    }
    Run { events, start_mime }
}

fn check_file(path: &Path, want_codecs: &[&str], secs: f64) {
    let probe = ffprobe(path);
    assert_eq!(codecs(&probe), want_codecs, "codecs of {}", path.display());
    let d = duration(&probe).expect("a duration");
    assert!((d - secs).abs() <= 0.1, "duration {d} s, recorded {secs} s");
    let (ok, err) = ffmpeg_decode(path, None);
    assert!(ok && err.trim().is_empty(), "decode errors: {err}");
    let (ok, err) = ffmpeg_decode(path, Some(secs / 2.0));
    assert!(
        ok && err.trim().is_empty(),
        "decode after seeking to the middle: {err}"
    );
}

fn opts(mime: &str) -> RecorderOptions {
    RecorderOptions {
        mime_type: mime.into(),
        ..Default::default()
    }
}

#[test]
fn webm_vp8_opus_default() {
    let dir = tempfile::tempdir().unwrap();
    let run = record(opts(""), Some((320, 240)), true, 3.0, None);
    assert_eq!(names(&run.events), ["start", "dataavailable", "stop"]);
    assert_eq!(run.start_mime, "video/webm;codecs=vp8,opus");
    let RecorderEvent::DataAvailable(b) = &run.events[1] else {
        panic!()
    };
    assert_eq!(b.data.type_(), "video/webm;codecs=vp8,opus");
    assert_eq!(b.timecode, 0.0);
    let path = write(dir.path(), "a.webm", &concat(&run.events));
    check_file(&path, &["vp8", "opus"], 3.0);
    // One blob for the whole recording: it is a seekable file with Cues.
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.windows(4).any(|w| w == [0x1c, 0x53, 0xbb, 0x6b]),
        "no Cues element"
    );
    assert_eq!(count_video_frames(&path), 90);
}

#[test]
fn webm_vp9_opus() {
    let dir = tempfile::tempdir().unwrap();
    let run = record(
        opts("video/webm;codecs=vp9,opus"),
        Some((320, 240)),
        true,
        3.0,
        None,
    );
    assert_eq!(run.start_mime, "video/webm;codecs=vp9,opus");
    let path = write(dir.path(), "a.webm", &concat(&run.events));
    check_file(&path, &["vp9", "opus"], 3.0);
}

#[test]
fn audio_webm_opus() {
    let dir = tempfile::tempdir().unwrap();
    let run = record(opts("audio/webm"), None, true, 3.0, None);
    assert_eq!(run.start_mime, "audio/webm;codecs=opus");
    let path = write(dir.path(), "a.webm", &concat(&run.events));
    check_file(&path, &["opus"], 3.0);
}

#[test]
fn video_webm_with_audio_only_stream_reports_opus_only() {
    let run = record(opts("video/webm"), None, true, 0.5, None);
    assert_eq!(run.start_mime, "video/webm;codecs=opus");
}

#[test]
fn matroska_vp8_opus() {
    let dir = tempfile::tempdir().unwrap();
    let run = record(
        opts("video/x-matroska;codecs=vp8,opus"),
        Some((320, 240)),
        true,
        3.0,
        None,
    );
    assert_eq!(run.start_mime, "video/x-matroska;codecs=vp8,opus");
    let path = write(dir.path(), "a.mkv", &concat(&run.events));
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes[..64].windows(8).any(|w| w == b"matroska"),
        "DocType is not matroska"
    );
    assert!(!bytes[..64].windows(4).any(|w| w == b"webm"));
    check_file(&path, &["vp8", "opus"], 3.0);
}

#[test]
fn wav_pcm() {
    let dir = tempfile::tempdir().unwrap();
    let run = record(opts("audio/wav"), None, true, 3.0, None);
    assert_eq!(run.start_mime, "audio/wav;codecs=pcm");
    let path = write(dir.path(), "a.wav", &concat(&run.events));
    check_file(&path, &["pcm_s16le"], 3.0);
}

#[test]
fn timeslice_blobs_concatenate_to_a_playable_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = record(opts(""), Some((320, 240)), true, 3.0, Some(250));
    let n = names(&run.events);
    assert_eq!(n.first(), Some(&"start"));
    assert_eq!(n.last(), Some(&"stop"));
    let blobs: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            RecorderEvent::DataAvailable(b) => Some(b),
            _ => None,
        })
        .collect();
    // 3 s in slices of at least 250 ms of media: 10..=13 blobs (the last one is the rest).
    assert!((10..=13).contains(&blobs.len()), "{} blobs", blobs.len());
    assert_eq!(blobs[0].timecode, 0.0);
    for w in blobs.windows(2) {
        assert!(w[1].timecode >= w[0].timecode, "timecodes not monotonic");
    }
    for w in blobs[..blobs.len() - 1].windows(2) {
        let gap = w[1].timecode - w[0].timecode;
        assert!(
            gap >= 240.0,
            "slice of {gap} ms is shorter than the timeslice"
        );
    }
    let path = write(dir.path(), "sliced.webm", &concat(&run.events));
    let probe = ffprobe(&path);
    assert_eq!(codecs(&probe), ["vp8", "opus"]);
    let (ok, err) = ffmpeg_decode(&path, None);
    assert!(ok && err.trim().is_empty(), "decode errors: {err}");
    assert_eq!(count_video_frames(&path), 90);
}

#[test]
fn file_sink_is_seekable_with_duration_and_cues() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sink.webm");
    let o = RecorderOptions {
        output_file: Some(path.clone()),
        blobs: false,
        ..Default::default()
    };
    let run = record(o, Some((320, 240)), true, 3.0, Some(100));
    assert_eq!(names(&run.events).last(), Some(&"stop"));
    // Blobs are off: every dataavailable is empty.
    assert!(concat(&run.events).is_empty());
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.windows(4).any(|w| w == [0x1c, 0x53, 0xbb, 0x6b]),
        "no Cues element"
    );
    check_file(&path, &["vp8", "opus"], 3.0);
}

#[test]
fn frame_size_change_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let tr = tracks(true, false);
    let mut core = LocalRecorder::new(&tr, opts("")).unwrap();
    core.start(None, &tr).unwrap();
    for i in 0..60u64 {
        let (w, h) = if i < 30 { (320, 240) } else { (160, 120) };
        core.push_video("v", &gradient(w, h, i, (i * 33_333) as i64));
    }
    core.stop();
    let events = core.run_tasks();
    let path = write(dir.path(), "resize.webm", &concat(&events));
    let (ok, err) = ffmpeg_decode(&path, None);
    assert!(ok && err.trim().is_empty(), "decode errors: {err}");
    require("ffprobe");
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=width",
        ])
        .args(["-of", "csv=p=0"])
        .arg(&path)
        .output()
        .unwrap();
    let widths: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(widths.len(), 60);
    assert_eq!(widths.iter().filter(|w| w.as_str() == "320").count(), 30);
    assert_eq!(widths.iter().filter(|w| w.as_str() == "160").count(), 30);
}

#[test]
fn paused_time_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let tr = tracks(true, true);
    let mut core = LocalRecorder::new(&tr, opts("")).unwrap();
    core.start(None, &tr).unwrap();
    feed(&mut core, 1.0, Some((160, 120)), true, 0);
    core.pause().unwrap();
    feed(&mut core, 1.0, Some((160, 120)), true, 1_000_000); // dropped
    core.resume().unwrap();
    feed(&mut core, 1.0, Some((160, 120)), true, 2_000_000);
    core.stop();
    let events = core.run_tasks();
    assert_eq!(
        names(&events),
        ["start", "pause", "resume", "dataavailable", "stop"]
    );
    let path = write(dir.path(), "paused.webm", &concat(&events));
    let probe = ffprobe(&path);
    let d = duration(&probe).unwrap();
    assert!(
        (d - 2.0).abs() <= 0.1,
        "duration {d}, want 2 s (1 s paused)"
    );
    let times = video_frame_times(&path);
    assert_eq!(times.len(), 60);
    // No hole: consecutive frames at most ~2 frame intervals apart.
    for w in times.windows(2) {
        assert!(w[1] - w[0] < 0.07, "gap from {} to {}", w[0], w[1]);
    }
}

#[test]
fn audio_and_video_start_together() {
    let dir = tempfile::tempdir().unwrap();
    let run = record(opts(""), Some((160, 120)), true, 1.0, None);
    let path = write(dir.path(), "sync.webm", &concat(&run.events));
    let probe = ffprobe(&path);
    let starts: Vec<f64> = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start_time"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(starts.len(), 2);
    assert!(
        (starts[0] - starts[1]).abs() <= 0.01,
        "stream starts {starts:?}"
    );
}

#[test]
fn full_disk_is_an_error_event_and_a_clean_stop() {
    let o = RecorderOptions {
        output_file: Some("/dev/full".into()),
        ..Default::default()
    };
    let run = record(o, Some((160, 120)), true, 1.0, None);
    assert_eq!(
        names(&run.events),
        ["start", "error", "dataavailable", "stop"]
    );
    let RecorderEvent::Error(e) = &run.events[1] else {
        panic!()
    };
    assert_eq!(e.name(), "UnknownError");
    assert!(e.message.contains("No space left"), "{}", e.message);
}

#[test]
fn unwritable_path_is_an_error_event() {
    let o = RecorderOptions {
        output_file: Some("/nonexistent-dir/x/out.webm".into()),
        ..Default::default()
    };
    let tr = tracks(true, false);
    let mut core = LocalRecorder::new(&tr, o).unwrap();
    core.start(None, &tr).unwrap();
    assert_eq!(core.state().as_str(), "recording");
    let events = core.run_tasks();
    assert_eq!(names(&events), ["error", "stop"]);
    assert_eq!(core.state().as_str(), "inactive");
    let RecorderEvent::Error(e) = &events[0] else {
        panic!()
    };
    assert_eq!(e.name(), "UnknownError");
}

#[test]
fn rgba_video_and_44k_audio_are_converted() {
    use mediacapture_frame::{AudioData, PixelFormat, VideoFrame};
    let dir = tempfile::tempdir().unwrap();
    let tr = tracks(true, true);
    let mut core = LocalRecorder::new(&tr, opts("")).unwrap();
    core.start(None, &tr).unwrap();
    let (w, h) = (160u32, 120u32);
    let mut vi = 0u64;
    // 2 s: audio in 10 ms blocks of 441 frames, 6 channels; RGBA video at 30 fps.
    for ai in 0..200u64 {
        let t = (ai * 10_000) as i64;
        while (vi * 1_000_000 / 30) as i64 <= t && vi < 60 {
            let px: Vec<u8> = (0..w * h)
                .flat_map(|p| [(p % 255) as u8, (vi * 4 % 255) as u8, 90, 255])
                .collect();
            let f =
                VideoFrame::new(PixelFormat::Rgba, w, h, px, (vi * 1_000_000 / 30) as i64).unwrap();
            core.push_video("v", &f);
            vi += 1;
        }
        let samples: Vec<f32> = (0..441 * 6)
            .map(|n| {
                let k = ai * 441 + n as u64 / 6;
                (0.3 * (2.0 * std::f64::consts::PI * 440.0 * k as f64 / 44_100.0).sin()) as f32
            })
            .collect();
        let a = AudioData::from_f32(44_100, 6, &samples, t).unwrap();
        core.push_audio("a", &a);
    }
    core.stop();
    let events = core.run_tasks();
    assert_eq!(names(&events), ["start", "dataavailable", "stop"]);
    let path = write(dir.path(), "conv.webm", &concat(&events));
    let probe = ffprobe(&path);
    assert_eq!(
        probe["streams"][1]["channels"], 2,
        "6 channels are downmixed to stereo"
    );
    check_file(&path, &["vp8", "opus"], 2.0);
}

#[test]
fn tracks_delivered_in_bursts_are_interleaved() {
    // Audio is delivered a whole second ahead of video (a loaded machine, a slow camera):
    // the file still has both tracks in order, and nothing is clamped.
    let dir = tempfile::tempdir().unwrap();
    let tr = tracks(true, true);
    let mut core = LocalRecorder::new(&tr, opts("")).unwrap();
    core.start(None, &tr).unwrap();
    for burst in 0..2u64 {
        for ai in burst * 100..(burst + 1) * 100 {
            core.push_audio("a", &sine(48_000, 2, ai * 480, 480, (ai * 10_000) as i64));
        }
        for vi in burst * 30..(burst + 1) * 30 {
            core.push_video("v", &gradient(160, 120, vi, (vi * 1_000_000 / 30) as i64));
        }
    }
    core.stop();
    let events = core.run_tasks();
    let path = write(dir.path(), "burst.webm", &concat(&events));
    check_file(&path, &["vp8", "opus"], 2.0);
    let times = video_frame_times(&path);
    assert_eq!(times.len(), 60);
    for (i, t) in times.iter().enumerate() {
        assert!((t - i as f64 / 30.0).abs() < 0.002, "frame {i} at {t}");
    }
}

#[test]
fn wav_blobs_with_timeslice_concatenate() {
    // The header is handed out before the sizes are known: they stay 0xFFFFFFFF ("to the
    // end"), which readers accept.
    let dir = tempfile::tempdir().unwrap();
    let run = record(opts("audio/wav"), None, true, 3.0, Some(500));
    let n = names(&run.events)
        .iter()
        .filter(|n| **n == "dataavailable")
        .count();
    assert!(n >= 6, "{n} blobs");
    let path = write(dir.path(), "sliced.wav", &concat(&run.events));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[40..44], &[0xff; 4]);
    check_file(&path, &["pcm_s16le"], 3.0);
}

/// Indices of the keyframes of the first video stream.
fn keyframes(path: &Path) -> Vec<usize> {
    require("ffprobe");
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=key_frame",
        ])
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "1")
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn keyframe_interval_count_and_duration() {
    let dir = tempfile::tempdir().unwrap();
    let o = RecorderOptions {
        video_key_frame_interval_count: Some(10),
        ..Default::default()
    };
    let run = record(o, Some((160, 120)), false, 2.0, None);
    let path = write(dir.path(), "count.webm", &concat(&run.events));
    assert_eq!(keyframes(&path), [0, 10, 20, 30, 40, 50]);

    // 500 ms at 30 fps: the first frame at or after 500 ms since the last keyframe.
    let o = RecorderOptions {
        video_key_frame_interval_duration: Some(500.0),
        ..Default::default()
    };
    let run = record(o, Some((160, 120)), false, 2.0, None);
    let path = write(dir.path(), "duration.webm", &concat(&run.events));
    assert_eq!(keyframes(&path), [0, 15, 30, 45]);
}
