//! #13.8: a track that ends — its source died (`ended`), or `stop()` (no event) — delivers
//! nothing more: what its encoder holds is written at once, with timestamps up to its end, and
//! the other track's media no longer waits for it. When every recorded track has ended, the
//! recorder stops at once (spec: "If all recorded tracks become ended … fire dataavailable,
//! fire stop"), with a Duration that is the media's.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;
mod push;

use common::*;
use mediacapture::MediaStream;
use mediacapture_recorder::{MediaRecorder, RecorderEvent, RecorderOptions, RecordingState};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

/// Pushes `[from, to)` seconds: 30 fps video and 10 ms audio blocks, interleaved; each video
/// frame once the encoder took the previous one.
fn push_media(
    paced: &push::Paced,
    cam: Option<&push::Pushed>,
    mic: Option<&push::Pushed>,
    from: f64,
    to: f64,
) {
    let (v0, v1) = ((from * 30.0).round() as u64, (to * 30.0).round() as u64);
    let (a0, a1) = ((from * 100.0).round() as u64, (to * 100.0).round() as u64);
    let (mut vi, mut ai) = (v0, a0);
    while (cam.is_some() && vi < v1) || (mic.is_some() && ai < a1) {
        let vt = (vi * 1_000_000 / 30) as i64;
        let at = (ai * 10_000) as i64;
        match (cam, mic) {
            (Some(c), m) if vi < v1 && (m.is_none() || ai >= a1 || vt <= at) => {
                paced.frame(c, gradient(160, 120, vi, vt));
                vi += 1;
            }
            (_, Some(m)) => {
                m.audio(sine(48_000, 2, ai * 480, 480, at));
                ai += 1;
            }
            _ => break,
        }
    }
}

#[test]
fn when_every_track_ends_the_recording_stops_at_once() {
    for by_stop in [false, true] {
        let cam = push::video(160, 120, 30.0);
        let mic = push::audio();
        let stream = MediaStream::from_tracks([&cam.track, &mic.track]);
        let rec = MediaRecorder::new(&stream, RecorderOptions::default()).unwrap();
        let paced = push::Paced::new();
        rec.set_encode_hook(Some(paced.hook()));
        let events = push::listen(&rec);
        rec.start(None).unwrap();
        push_media(&paced, Some(&cam), Some(&mic), 0.0, 1.0);
        if by_stop {
            // stop() fires no `ended` event: the recorder notices all the same.
            cam.track.stop();
            mic.track.stop();
        } else {
            cam.end();
            mic.end();
        }
        let ev = push::until_stop(&events);
        assert_eq!(names(&ev), ["start", "dataavailable", "stop"], "{by_stop}");
        assert_eq!(rec.state(), RecordingState::Inactive);
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "ended.webm", &concat(&ev));
        let d = duration(&ffprobe(&path)).unwrap();
        assert!((d - 1.0).abs() <= 0.03, "duration {d} for 1 s of media");
        assert_eq!(count_video_frames(&path), 30);
        assert!(non_increasing_packets(&path).is_empty());
    }
}

#[test]
fn nothing_of_an_ended_track_is_timestamped_after_its_end() {
    let cam = push::video(160, 120, 30.0);
    let mic = push::audio();
    let stream = MediaStream::from_tracks([&cam.track, &mic.track]);
    let rec = MediaRecorder::new(&stream, RecorderOptions::default()).unwrap();
    let paced = push::Paced::new();
    rec.set_encode_hook(Some(paced.hook()));
    let events = push::listen(&rec);
    rec.start(None).unwrap();
    // 1.005 s of audio (its encoder holds a partial 20 ms packet), then the microphone dies.
    // (Before: that packet was written at the end, after 5 s of video, stamped 2.933 s.)
    push_media(&paced, Some(&cam), Some(&mic), 0.0, 1.0);
    mic.audio(sine(48_000, 2, 48_000, 240, 1_000_000));
    push::wait_ended(&mic.track, || mic.end());
    // 5 s more of video: longer than the recorder ever holds one track's packets for another.
    push_media(&paced, Some(&cam), None, 1.0, 6.0);
    // The video is written as it comes: it does not wait for the audio.
    rec.request_data().unwrap();
    let first: Vec<RecorderEvent> = (0..2)
        .map(|_| events.recv_timeout(TIMEOUT).unwrap())
        .collect();
    assert_eq!(names(&first), ["start", "dataavailable"]);
    let dir = tempfile::tempdir().unwrap();
    let prefix = write(dir.path(), "prefix.webm", &concat(&first));
    assert!(
        count_video_frames(&prefix) >= 175,
        "video held back for the ended audio track: {} frames of 180",
        count_video_frames(&prefix)
    );
    rec.stop();
    let mut all = first;
    all.extend(push::until_stop(&events));
    let path = write(dir.path(), "mic-died.webm", &concat(&all));
    let (ok, err) = ffmpeg_decode(&path, None);
    assert!(ok && err.trim().is_empty(), "decode errors: {err}");
    let pts = packet_pts(&path);
    let (video, audio) = (&pts[&0], &pts[&1]);
    assert!(
        audio.iter().all(|&t| t <= 1_005),
        "audio after its end at 1.005 s: {:?}",
        &audio[audio.len().saturating_sub(3)..]
    );
    assert!(*audio.last().unwrap() >= 980, "the tail was kept");
    assert!(*video.last().unwrap() >= 5_960);
    cam.track.stop();
}

#[test]
fn stats_tell_that_nothing_was_captured() {
    // A camera that never delivers (e.g. a wedged device): the recording "works" but holds
    // nothing, and the recorder says so.
    let cam = push::video(160, 120, 30.0);
    let stream = MediaStream::from_tracks([&cam.track]);
    let rec = MediaRecorder::new(&stream, RecorderOptions::default()).unwrap();
    let events = push::listen(&rec);
    rec.start(None).unwrap();
    rec.stop();
    let ev = push::until_stop(&events);
    assert_eq!(names(&ev), ["start", "dataavailable", "stop"]);
    let stats = rec.stats();
    assert!(stats.is_empty(), "{stats:?}");
    assert_eq!(stats.bytes, 0);
    // With media, the figures are the file's.
    let rec = MediaRecorder::new(&stream, RecorderOptions::default()).unwrap();
    let paced = push::Paced::new();
    rec.set_encode_hook(Some(paced.hook()));
    let events = push::listen(&rec);
    rec.start(None).unwrap();
    push_media(&paced, Some(&cam), None, 0.0, 0.5);
    rec.stop();
    let ev = push::until_stop(&events);
    let stats = rec.stats();
    assert!(!stats.is_empty());
    assert_eq!(stats.video_frames, 15);
    assert_eq!(stats.bytes, concat(&ev).len() as u64);
    cam.track.stop();
}
