//! #13.11: when the encoder cannot keep up (huge frames), frames are dropped and counted
//! instead of queued (memory stays at a couple of frames), and `stop()` finalizes after the
//! frame being encoded, not after a backlog — and, when that one frame takes the encoder too
//! long (one 8192x8192 VP8 frame takes libvpx seconds), without it. The encoder is held busy
//! by a test hook.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;
mod push;

use common::*;
use mediacapture::{MediaStream, PixelFormat, VideoFrame};
use mediacapture_recorder::{MediaRecorder, RecorderOptions};
use std::sync::{Arc, Condvar, Mutex};

/// A flat I420 frame of `w` x `h`.
fn flat(w: u32, h: u32) -> VideoFrame {
    let n = (w * h + 2 * w.div_ceil(2) * h.div_ceil(2)) as usize;
    VideoFrame::new(PixelFormat::I420, w, h, vec![100u8; n], 0).unwrap()
}

#[test]
fn a_busy_encoder_drops_frames_and_stop_skips_the_backlog() {
    let cam = push::video(640, 480, 1000.0);
    let stream = MediaStream::from_tracks([&cam.track]);
    let rec = MediaRecorder::new(&stream, RecorderOptions::default()).unwrap();
    let gate = push::Gate::new();
    rec.set_encode_hook(Some(gate.hook()));
    let events = push::listen(&rec);
    rec.start(None).unwrap();
    let frame = flat(640, 480);
    cam.frame(frame.clone());
    gate.wait_busy();
    // 50 more frames while the encoder is stuck on the first: each push returns at once (the
    // capture thread never waits), two wait in the queue, the rest are dropped and counted.
    for i in 1..=50i64 {
        cam.frame(frame.clone().with_timestamp(i * 33_333));
    }
    assert_eq!(rec.dropped_video_frames(), 48);
    // Stopped while still busy: the two waiting frames are dropped too, not encoded.
    rec.stop();
    gate.release();
    let ev = push::until_stop(&events);
    assert_eq!(names(&ev), ["start", "dataavailable", "stop"]);
    let stats = rec.stats();
    assert_eq!((stats.video_frames, stats.dropped_video_frames), (1, 50));
    assert_eq!(
        gate.entered(),
        1,
        "nothing after the first frame was encoded"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "busy.webm", &concat(&ev));
    assert_eq!(count_video_frames(&path), 1);
    // The one frame stands for the 1.67 s of frames dropped after it: the Duration is the
    // recording's, not one frame's.
    let d = duration(&ffprobe(&path)).unwrap();
    assert!((d - 50.0 / 30.0).abs() < 0.002, "duration {d}");
    cam.track.stop();
}

#[test]
fn huge_frames_are_bounded_by_bytes() {
    // 8192x8192 I420 is 100 MB a frame: only the newest one waits (64 MB of queue, and one
    // frame is always let in), the others are dropped as they come. The frames share one
    // buffer, so the test itself holds one.
    let (w, h) = (8192, 8192);
    let cam = push::video(w, h, 30.0);
    let stream = MediaStream::from_tracks([&cam.track]);
    let rec = MediaRecorder::new(&stream, RecorderOptions::default()).unwrap();
    let gate = push::Gate::new();
    rec.set_encode_hook(Some(gate.hook()));
    let events = push::listen(&rec);
    rec.start(None).unwrap();
    let frame = flat(w, h);
    cam.frame(frame.clone());
    gate.wait_busy();
    for i in 1..=10i64 {
        cam.frame(frame.clone().with_timestamp(i * 33_333));
    }
    assert_eq!(
        rec.dropped_video_frames(),
        9,
        "one huge frame waits, at most"
    );
    gate.release();
    // The waiting frame is encoded before the blob requestData() asks for, then stop.
    let ev = {
        rec.request_data().unwrap();
        let first = events
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap();
        assert_eq!(first.type_(), "start");
        let blob = events
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap();
        rec.stop();
        let mut ev = vec![first, blob];
        ev.extend(push::until_stop(&events));
        ev
    };
    assert_eq!(
        names(&ev),
        ["start", "dataavailable", "dataavailable", "stop"]
    );
    let stats = rec.stats();
    assert_eq!((stats.video_frames, stats.dropped_video_frames), (2, 9));
    cam.track.stop();
}

#[test]
fn stop_does_not_wait_for_a_frame_the_encoder_cannot_finish() {
    // The first frame encodes; the second stays in the encoder until the end of the test
    // (an encoder that takes far longer than a frame, as libvpx does with 8192x8192).
    let cam = push::video(320, 240, 30.0);
    let mic = push::audio();
    let stream = MediaStream::from_tracks([&cam.track, &mic.track]);
    let rec = MediaRecorder::new(&stream, RecorderOptions::default()).unwrap();
    let stuck: Arc<(Mutex<(usize, bool)>, Condvar)> = Arc::default();
    let s = stuck.clone();
    rec.set_encode_hook(Some(Arc::new(move || {
        let mut g = s.0.lock().unwrap();
        g.0 += 1;
        s.1.notify_all();
        if g.0 >= 2 {
            // Released at the end of the test; the bound only matters if it failed first.
            let _ =
                s.1.wait_timeout_while(g, std::time::Duration::from_secs(120), |g| !g.1)
                    .unwrap();
        }
    })));
    let events = push::listen(&rec);
    rec.start(None).unwrap();
    for i in 0..50u64 {
        mic.audio(sine(48_000, 2, i * 480, 480, i as i64 * 10_000));
    }
    cam.frame(gradient(320, 240, 0, 0));
    cam.frame(gradient(320, 240, 1, 33_333));
    {
        let g = stuck.0.lock().unwrap();
        let _ = stuck
            .1
            .wait_timeout_while(g, std::time::Duration::from_secs(30), |g| g.0 < 2)
            .unwrap();
    }
    for i in 50..100u64 {
        mic.audio(sine(48_000, 2, i * 480, 480, i as i64 * 10_000));
    }
    // The encoder is stuck on the second frame, and stays stuck: `stop` still comes.
    rec.stop();
    let ev = push::until_stop(&events);
    assert_eq!(names(&ev), ["start", "dataavailable", "stop"]);
    let stats = rec.stats();
    assert_eq!(
        (stats.video_frames, stats.dropped_video_frames),
        (1, 1),
        "the stuck frame is counted as dropped"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "stuck.webm", &concat(&ev));
    // A playable file: the frame encoded before the stuck one, and the audio.
    assert_eq!(count_video_frames(&path), 1);
    let probe = ffprobe(&path);
    assert_eq!(codecs(&probe), ["vp8", "opus"]);
    let d = duration(&probe).unwrap();
    assert!(d > 0.9 && d < 1.1, "duration {d}");
    assert!(ffmpeg_decode(&path, None).0, "decodes without errors");
    let mut g = stuck.0.lock().unwrap();
    g.1 = true;
    stuck.1.notify_all();
    drop(g);
    cam.track.stop();
    mic.track.stop();
}
