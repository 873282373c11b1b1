//! `MediaFile::capture_stream()`: real-time playback into tracks, `ended`, loop, seek, pause
//! (mute), restart, constraints, from mediacapture-fromelement's media element rules.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failure with a message"
)]

mod common;

use mediacapture::{ErrorKind, MediaTrackConstraints, TrackEvent, TrackKind};
use mediacapture_sources::MediaFile;
use mediacapture_sources::file::PlaybackState;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

fn events(track: &mediacapture::MediaStreamTrack) -> Arc<Mutex<Vec<TrackEvent>>> {
    let log = Arc::new(Mutex::new(Vec::new()));
    for ev in [TrackEvent::Ended, TrackEvent::Mute, TrackEvent::Unmute] {
        let l = log.clone();
        track.on(ev, move || l.lock().push(ev));
    }
    log
}

#[test]
fn plays_in_real_time_and_ends_the_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::webm(dir.path(), "a.webm", "160x120", 1.5, false);
    let file = MediaFile::open(&path).unwrap();
    assert_eq!(file.state(), PlaybackState::Idle);
    let started = Instant::now();
    let stream = file.capture_stream().unwrap();
    assert_eq!(file.state(), PlaybackState::Playing);
    let video = stream.get_video_tracks()[0].clone();
    let audio = stream.get_audio_tracks()[0].clone();
    assert_eq!(video.label(), "a.webm");
    let vs = video.get_settings();
    assert_eq!((vs.width, vs.height), (Some(160), Some(120)));
    assert!((vs.frame_rate.unwrap() - 30.0).abs() < 0.5);
    assert_eq!(vs.device_id, None);
    let s = audio.get_settings();
    assert_eq!((s.sample_rate, s.channel_count), (Some(48_000), Some(1)));
    let vlog = events(&video);
    let alog = events(&audio);
    let stamps = Arc::new(Mutex::new(Vec::new()));
    let st = stamps.clone();
    video.on_video_frame(move |f| st.lock().push(f.timestamp()));
    let audio_frames = Arc::new(AtomicUsize::new(0));
    let af = audio_frames.clone();
    audio.on_audio_data(move |a| {
        af.fetch_add(a.frames(), Ordering::SeqCst);
    });

    assert!(
        file.wait_ended(Duration::from_secs(5)),
        "playback did not end"
    );
    let took = started.elapsed().as_secs_f64();
    assert!((1.4..2.3).contains(&took), "1.5 s played in {took} s");
    assert!(file.error().is_none());
    mediacapture::flush_events();
    sleep(Duration::from_millis(50));
    mediacapture::flush_events();
    assert_eq!(*vlog.lock(), [TrackEvent::Ended]);
    assert_eq!(*alog.lock(), [TrackEvent::Ended]);
    assert!(!stream.active());
    let stamps = stamps.lock().clone();
    assert!((43..=45).contains(&stamps.len()), "{} frames", stamps.len());
    let span = (stamps[stamps.len() - 1] - stamps[0]) as f64 / 1e6;
    assert!(
        (span - 1.4667).abs() < 0.05,
        "frames span {span} s of capture time"
    );
    let secs = audio_frames.load(Ordering::SeqCst) as f64 / 48_000.0;
    assert!((secs - 1.5).abs() < 0.05, "{secs} s of audio");
    // Ended playback cannot be captured again until it restarts.
    assert_eq!(
        file.capture_stream().unwrap_err().kind,
        ErrorKind::InvalidStateError
    );
}

#[test]
fn restart_after_the_end_gives_new_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::y4m(dir.path(), "r.y4m", "64x48", 25, 0.4);
    let file = MediaFile::open(&path).unwrap();
    let first = file.capture_stream().unwrap();
    assert!(file.wait_ended(Duration::from_secs(3)));
    file.play().unwrap();
    let second = file.capture_stream().unwrap();
    let t2 = second.get_video_tracks()[0].clone();
    assert_ne!(first.get_video_tracks()[0], t2);
    let frames = t2.video_frames();
    assert!(frames.recv_timeout(Duration::from_secs(1)).is_some());
    assert!(file.wait_ended(Duration::from_secs(3)));
    mediacapture::flush_events();
    sleep(Duration::from_millis(50));
    assert_eq!(t2.ready_state(), mediacapture::MediaStreamTrackState::Ended);
}

#[test]
fn looping_never_ends_and_keeps_time_monotonic() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::y4m(dir.path(), "l.y4m", "64x48", 25, 0.4);
    let file = MediaFile::open(&path).unwrap();
    file.set_loop(true);
    let stream = file.capture_stream().unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let stamps = Arc::new(Mutex::new(Vec::new()));
    let st = stamps.clone();
    track.on_video_frame(move |f| st.lock().push(f.timestamp()));
    assert!(
        !file.wait_ended(Duration::from_millis(1300)),
        "a looping file ended"
    );
    let s = stamps.lock().clone();
    // 1.3 s at 25 fps through three loops of 10 frames.
    assert!((30..=34).contains(&s.len()), "{} frames", s.len());
    for w in s.windows(2) {
        let dt = w[1] - w[0];
        assert!(
            (30_000..=50_000).contains(&dt),
            "{dt} µs between frames across a loop"
        );
    }
    file.set_loop(false);
    assert!(file.wait_ended(Duration::from_secs(2)));
}

#[test]
fn seeking_changes_content_not_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::webm(dir.path(), "s.webm", "160x120", 2.0, false);
    let file = MediaFile::open(&path).unwrap();
    let stream = file.capture_stream().unwrap();
    let video = stream.get_video_tracks()[0].clone();
    let log = events(&video);
    let started = Instant::now();
    sleep(Duration::from_millis(200));
    file.seek(Duration::from_millis(1_700));
    assert!(file.wait_ended(Duration::from_secs(3)));
    let took = started.elapsed().as_secs_f64();
    assert!(
        took < 1.0,
        "a seek to 1.7 s of 2 s still took {took} s to end"
    );
    assert!(file.current_time() >= Duration::from_millis(1_900));
    mediacapture::flush_events();
    sleep(Duration::from_millis(50));
    mediacapture::flush_events();
    // No events from the seek itself: just the end.
    assert_eq!(*log.lock(), [TrackEvent::Ended]);
}

#[test]
fn pause_mutes_and_play_unmutes() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::wav(dir.path(), "p.wav", 48_000, 1, 2.0);
    let file = MediaFile::open(&path).unwrap();
    let stream = file.capture_stream().unwrap();
    assert!(stream.get_video_tracks().is_empty());
    let audio = stream.get_audio_tracks()[0].clone();
    assert_eq!(audio.kind(), TrackKind::Audio);
    let log = events(&audio);
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    audio.on_audio_data(move |a| {
        n2.fetch_add(a.frames(), Ordering::SeqCst);
    });
    sleep(Duration::from_millis(300));
    file.pause();
    sleep(Duration::from_millis(200));
    mediacapture::flush_events();
    assert!(audio.muted());
    let at_pause = n.load(Ordering::SeqCst);
    sleep(Duration::from_millis(300));
    assert_eq!(n.load(Ordering::SeqCst), at_pause, "audio while paused");
    assert_eq!(file.state(), PlaybackState::Paused);
    file.play().unwrap();
    sleep(Duration::from_millis(200));
    mediacapture::flush_events();
    assert!(!audio.muted());
    assert!(n.load(Ordering::SeqCst) > at_pause);
    assert_eq!(*log.lock(), [TrackEvent::Mute, TrackEvent::Unmute]);
    audio.stop();
}

#[test]
fn constraints_adapt_the_tracks_not_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::webm(dir.path(), "c.webm", "320x240", 1.0, false);
    let file = MediaFile::open(&path).unwrap();
    let video =
        MediaTrackConstraints::from_json(r#"{"width": 160, "height": 120, "frameRate": 15}"#)
            .unwrap();
    let audio = MediaTrackConstraints::from_json(r#"{"channelCount": 2}"#).unwrap();
    let stream = file.capture_stream_with(video, audio).unwrap();
    let v = stream.get_video_tracks()[0].clone();
    let s = v.get_settings();
    assert_eq!(
        (s.width, s.height, s.frame_rate),
        (Some(160), Some(120), Some(15.0))
    );
    let frames = v.video_frames();
    let f = frames.recv_timeout(Duration::from_secs(1)).unwrap();
    assert_eq!((f.display_width(), f.display_height()), (160, 120));
    // A requirement the file cannot meet.
    let too_big = MediaTrackConstraints::from_json(r#"{"width": {"exact": 1920}}"#).unwrap();
    let e = file
        .capture_stream_with(too_big, MediaTrackConstraints::default())
        .unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::OverconstrainedError { .. }),
        "{e}"
    );
    for t in stream.get_tracks() {
        t.stop();
    }
}

#[test]
fn dropping_the_file_handle_keeps_its_tracks_playing() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::y4m(dir.path(), "d.y4m", "64x48", 25, 0.6);
    let stream = MediaFile::open(&path).unwrap().capture_stream().unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let frames = track.video_frames();
    let mut n = 0;
    while frames.recv_timeout(Duration::from_secs(1)).is_some() {
        n += 1;
    }
    assert!((14..=15).contains(&n), "{n} frames of 15");
    mediacapture::flush_events();
    assert_eq!(
        track.ready_state(),
        mediacapture::MediaStreamTrackState::Ended
    );
}

#[test]
fn a_file_starting_late_plays_at_once_and_loops_without_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    // Timestamps start at 3 s (a cut from a longer recording).
    let path = common::ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=25",
            "-t",
            "0.4",
            "-c:v",
            "libvpx",
            "-output_ts_offset",
            "3",
        ],
        &dir.path().join("late.webm"),
    );
    let first = mediacapture_sources::MediaReader::open(&path)
        .unwrap()
        .next_media()
        .unwrap()
        .unwrap();
    assert!(
        first.timestamp() >= 2_900_000,
        "the fixture starts at {} µs",
        first.timestamp()
    );
    let file = MediaFile::open(&path).unwrap();
    file.set_loop(true);
    let started = Instant::now();
    let stream = file.capture_stream().unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let stamps = Arc::new(Mutex::new(Vec::new()));
    let st = stamps.clone();
    track.on_video_frame(move |f| st.lock().push(f.timestamp()));
    let frames = track.video_frames();
    assert!(frames.recv_timeout(Duration::from_secs(2)).is_some());
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "the first frame waited {:?} (for the file's start time?)",
        started.elapsed()
    );
    sleep(Duration::from_millis(1000));
    file.set_loop(false);
    let s = stamps.lock().clone();
    assert!(s.len() >= 20, "{} frames", s.len());
    for w in s.windows(2) {
        let dt = w[1] - w[0];
        assert!(
            (30_000..=50_000).contains(&dt),
            "{dt} µs between frames across a loop"
        );
    }
    track.stop();
}
