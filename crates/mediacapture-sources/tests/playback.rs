//! `MediaFile::capture_stream()`: playback paced by its clock into tracks, `ended`, loop, seek,
//! pause (mute), restart, constraints, from mediacapture-fromelement's media element rules.
//!
//! Every test drives time with a `ManualClock`: what has been played at a clock time is exactly
//! the units due by then, so counts and timestamps are asserted exactly, and waits are on
//! events (with a safety timeout that only a failure reaches).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failure with a message"
)]

mod common;

use common::{
    SAFETY, all_media_stamps, audio_blocks, media_stamps, track_events, unit_stamps, video_stamps,
};
use mediacapture::{ErrorKind, MediaTrackConstraints, TrackEvent, TrackKind};
use mediacapture_sources::MediaFile;
use mediacapture_sources::file::PlaybackState;
use mediacapture_test_support::ManualClock;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `path` opened with a manual clock starting at 1 s, without autoplay: the test attaches its
/// sinks, then calls `play()`, so that no frame goes before a sink is there.
fn open_manual(path: &Path) -> (MediaFile, Arc<ManualClock>) {
    let clock = ManualClock::starting_at(1_000_000);
    let file = MediaFile::open(path).unwrap().with_clock(clock.as_clock());
    file.set_autoplay(false);
    (file, clock)
}

#[test]
fn plays_on_its_clock_and_ends_the_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::webm(dir.path(), "a.webm", "160x120", 1.5, false);
    let video_ts = media_stamps(&path, true);
    // The first unit in the file (audio, a little before the first frame) plays at once.
    let start = all_media_stamps(&path)[0];
    let (file, clock) = open_manual(&path);
    assert_eq!(file.state(), PlaybackState::Idle);
    let stream = file.capture_stream().unwrap();
    assert_eq!(file.state(), PlaybackState::Idle, "no autoplay");
    let video = stream.get_video_tracks()[0].clone();
    let audio = stream.get_audio_tracks()[0].clone();
    assert_eq!(video.label(), "a.webm");
    let vs = video.get_settings();
    assert_eq!((vs.width, vs.height), (Some(160), Some(120)));
    assert!((vs.frame_rate.unwrap() - 30.0).abs() < 0.5);
    assert_eq!(vs.device_id, None);
    let s = audio.get_settings();
    assert_eq!((s.sample_rate, s.channel_count), (Some(48_000), Some(1)));
    let vlog = track_events(&video);
    let alog = track_events(&audio);
    let stamps = video_stamps(&video);
    let blocks = audio_blocks(&audio);
    file.play().unwrap();
    assert_eq!(file.state(), PlaybackState::Playing);

    // The first unit plays at once, stamped with the clock's time; the clock has not moved.
    let first = blocks.wait_len(1)[0].0;
    assert_eq!(first, 1_000_000);
    // Half-way: exactly the frames due by 0.75 s of media time.
    clock.advance(ms(750));
    let due = video_ts.iter().filter(|t| **t - start <= 750_000).count();
    let got = stamps.wait_len(due);
    assert_eq!(got.len(), due, "frames played by 0.75 s");
    assert_eq!(file.state(), PlaybackState::Playing);
    assert!(!file.ended());
    // Capture timestamps are the media timestamps moved onto the clock.
    for (c, m) in got.iter().zip(&video_ts) {
        assert_eq!(c - first, m - start);
    }
    // To the end, and one frame past it: every unit played, the tracks ended.
    clock.advance(ms(750 + 34));
    assert!(file.wait_ended(SAFETY), "playback did not end");
    assert!(file.error().is_none());
    vlog.wait_until("video ended", |e| e.contains(&TrackEvent::Ended));
    alog.wait_until("audio ended", |e| e.contains(&TrackEvent::Ended));
    assert_eq!(vlog.snapshot(), [TrackEvent::Ended]);
    assert_eq!(alog.snapshot(), [TrackEvent::Ended]);
    assert!(!stream.active());
    assert_eq!(stamps.snapshot().len(), video_ts.len());
    let secs = blocks.snapshot().iter().map(|b| b.1).sum::<usize>() as f64 / 48_000.0;
    assert!((secs - 1.5).abs() < 0.03, "{secs} s of audio");
    // Ended playback cannot be captured again until it restarts.
    assert_eq!(
        file.capture_stream().unwrap_err().kind,
        ErrorKind::InvalidStateError
    );
}

#[test]
fn playback_waits_for_the_clock() {
    // Nothing but the clock moves playback: without an advance, one frame and no end.
    let dir = tempfile::tempdir().unwrap();
    let path = common::y4m(dir.path(), "w.y4m", "64x48", 25, 0.4);
    let (file, clock) = open_manual(&path);
    let stream = file.capture_stream().unwrap();
    let stamps = video_stamps(&stream.get_video_tracks()[0]);
    file.play().unwrap();
    stamps.wait_len(1);
    // The second frame is due 40 ms later: without the clock moving, the player waits.
    assert!(!file.ended(), "ended without the clock moving");
    assert_eq!(stamps.snapshot().len(), 1);
    // Each 40 ms of clock plays exactly one more frame.
    for n in 2..=10 {
        clock.advance(ms(40));
        assert_eq!(stamps.wait_len(n).len(), n);
    }
    clock.advance(ms(40));
    assert!(file.wait_ended(SAFETY));
    let s = stamps.snapshot();
    assert_eq!(s.len(), 10);
    assert!(s.windows(2).all(|w| w[1] - w[0] == 40_000), "{s:?}");
}

#[test]
fn restart_after_the_end_gives_new_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::y4m(dir.path(), "r.y4m", "64x48", 25, 0.4);
    let (file, clock) = open_manual(&path);
    let first = file.capture_stream().unwrap();
    let stamps1 = video_stamps(&first.get_video_tracks()[0]);
    file.play().unwrap();
    stamps1.wait_len(1);
    clock.advance(ms(500));
    assert!(file.wait_ended(SAFETY));
    assert_eq!(stamps1.snapshot().len(), 10);
    file.play().unwrap();
    let second = file.capture_stream().unwrap();
    let t2 = second.get_video_tracks()[0].clone();
    assert_ne!(first.get_video_tracks()[0], t2);
    let events = track_events(&t2);
    let stamps = video_stamps(&t2);
    // The restarted player may not have played its first frame yet (its clock origin is
    // then later): the clock moves a frame at a time until playback ends. The short wait
    // is not a measurement, only how often this looks; the loop's bound is the safety.
    let mut steps = 0;
    while !file.wait_ended(ms(20)) {
        clock.advance(ms(40));
        steps += 1;
        assert!(steps < 1000, "the restarted playback never ended");
    }
    events.wait_until("ended", |e| e.contains(&TrackEvent::Ended));
    assert_eq!(t2.ready_state(), mediacapture::MediaStreamTrackState::Ended);
    // The second playback started over: its frames were played again (the first may have
    // gone before the sink was attached).
    assert!(stamps.snapshot().len() >= 9, "{:?}", stamps.snapshot());
}

#[test]
fn restart_replaces_the_track_set_at_once_and_the_end_does_not_reach_the_new_tracks() {
    // Regression: the stream's track set changed in two queued tasks (removetrack, then
    // addtrack), so a reader right after play() could find neither the old track nor the new
    // one; and the old playback's `ended` could reach the restart's new tracks.
    let dir = tempfile::tempdir().unwrap();
    let path = common::y4m(dir.path(), "s.y4m", "64x48", 25, 0.4);
    let (file, clock) = open_manual(&path);
    let stream = file.capture_stream().unwrap();
    let old = stream.get_video_tracks();
    let stamps1 = video_stamps(&old[0]);
    file.play().unwrap();
    stamps1.wait_len(1);
    clock.advance(ms(500));
    assert!(file.wait_ended(SAFETY));
    file.play().unwrap();
    // No event has run yet (nothing waited for one): the set already holds the new track.
    let now = stream.get_video_tracks();
    assert_eq!(now.len(), 1, "the set after play(): {now:?}");
    assert_ne!(now[0], old[0], "the restart's track is a new one");
    assert_eq!(stream.get_tracks().len(), 1);
    let renewed = now[0].clone();
    let events = track_events(&renewed);
    let stamps = video_stamps(&renewed);
    // Every task queued so far has run, the old playback's `ended` included if it had
    // reached the new track: it is live, and plays the restarted playback.
    mediacapture::flush_events();
    assert_eq!(
        renewed.ready_state(),
        mediacapture::MediaStreamTrackState::Live
    );
    assert_eq!(
        old[0].ready_state(),
        mediacapture::MediaStreamTrackState::Ended
    );
    let mut steps = 0;
    while !file.wait_ended(ms(20)) {
        clock.advance(ms(40));
        steps += 1;
        assert!(steps < 1000, "the restarted playback never ended");
    }
    events.wait_until("ended", |e| e.contains(&TrackEvent::Ended));
    mediacapture::flush_events();
    assert_eq!(
        events.snapshot(),
        [TrackEvent::Ended],
        "ended once, at its own end"
    );
    assert!(stamps.snapshot().len() >= 9, "{:?}", stamps.snapshot());
}

#[test]
fn restart_after_the_end_replaces_the_captured_streams_tracks_with_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::webm(dir.path(), "r.webm", "64x48", 0.4, false);
    let (file, clock) = open_manual(&path);
    let stream = file.capture_stream().unwrap();
    let old: Vec<_> = stream.get_tracks();
    assert_eq!(old.len(), 2, "video and audio");
    let log = common::Log::new();
    let l = log.clone();
    stream.add_event_listener(move |e| l.push((e.event_type, e.track.clone())));
    let units = unit_stamps(&stream);
    let ended: Vec<_> = old.iter().map(track_events).collect();
    common::play_through(&file, &clock, &path, &units, ms(40));
    for e in &ended {
        e.wait_until("ended", |e| e.contains(&TrackEvent::Ended));
    }
    mediacapture::flush_events();
    assert!(
        old.iter()
            .all(|t| t.ready_state() == mediacapture::MediaStreamTrackState::Ended)
    );
    assert!(
        log.snapshot().is_empty(),
        "the end alone changes no track set"
    );
    file.play().unwrap();
    mediacapture::flush_events();
    let new = stream.get_tracks();
    assert_eq!(new.len(), 2);
    assert!(new.iter().all(|t| !old.contains(t)), "new tracks");
    assert!(
        new.iter()
            .all(|t| t.ready_state() == mediacapture::MediaStreamTrackState::Live)
    );
    let got: Vec<_> = log
        .snapshot()
        .iter()
        .map(|(ty, t)| (*ty, old.contains(t), new.contains(t)))
        .collect();
    use mediacapture::StreamEventType::{AddTrack, RemoveTrack};
    assert_eq!(
        got,
        vec![
            (RemoveTrack, true, false),
            (RemoveTrack, true, false),
            (AddTrack, false, true),
            (AddTrack, false, true),
        ],
        "removetrack for each ended track, then addtrack for each new one"
    );
    // The new tracks carry the restarted playback. The player may have played its first
    // units before the sink was attached: the clock moves a frame at a time until the end
    // (the short wait is not a measurement; the loop's bound is the safety).
    let stamps = unit_stamps(&stream);
    let mut steps = 0;
    while !file.wait_ended(ms(20)) {
        clock.advance(ms(40));
        steps += 1;
        assert!(steps < 1000, "the restarted playback never ended");
    }
    let again = stamps.snapshot().len();
    assert!(
        again + 2 >= units.snapshot().len(),
        "{again} units after the restart"
    );
}

#[test]
fn looping_never_ends_and_keeps_time_monotonic() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::y4m(dir.path(), "l.y4m", "64x48", 25, 0.4);
    let (file, clock) = open_manual(&path);
    file.set_loop(true);
    let stream = file.capture_stream().unwrap();
    let stamps = video_stamps(&stream.get_video_tracks()[0]);
    file.play().unwrap();
    stamps.wait_len(1);
    // 1.3 s at 25 fps through three loops of 10 frames: frames due at 0, 40, …, 1280 ms.
    clock.advance(ms(1300));
    let s = stamps.wait_len(33);
    assert!(!file.ended(), "a looping file ended");
    for w in s.windows(2) {
        assert_eq!(w[1] - w[0], 40_000, "between frames across a loop: {s:?}");
    }
    file.set_loop(false);
    clock.advance(ms(1000));
    assert!(file.wait_ended(SAFETY));
}

#[test]
fn seeking_changes_content_not_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::webm(dir.path(), "s.webm", "160x120", 2.0, false);
    let (file, clock) = open_manual(&path);
    let stream = file.capture_stream().unwrap();
    let video = stream.get_video_tracks()[0].clone();
    let log = track_events(&video);
    let stamps = video_stamps(&video);
    let units = unit_stamps(&stream);
    file.play().unwrap();
    units.wait_len(1);
    clock.advance(ms(200));
    let media = all_media_stamps(&path);
    let before = media.iter().filter(|t| **t - media[0] <= 200_000).count();
    units.wait_len(before);
    file.seek(ms(1_700));
    // The first unit at 1.7 s plays at once, without the clock moving.
    units.wait_len(before + 1);
    // 0.3 s of content is left.
    clock.advance(ms(334));
    assert!(
        file.wait_ended(SAFETY),
        "a seek to 1.7 s of 2 s did not end 0.33 s later"
    );
    assert!(file.current_time() >= ms(1_900));
    log.wait_until("ended", |e| e.contains(&TrackEvent::Ended));
    // No events from the seek itself: just the end.
    assert_eq!(log.snapshot(), [TrackEvent::Ended]);
    let s = stamps.snapshot();
    assert!(
        s.windows(2).all(|w| w[1] > w[0]),
        "timestamps go back: {s:?}"
    );
}

#[test]
fn pause_mutes_and_play_unmutes() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::wav(dir.path(), "p.wav", 48_000, 1, 2.0);
    let (file, clock) = open_manual(&path);
    let stream = file.capture_stream().unwrap();
    assert!(stream.get_video_tracks().is_empty());
    let audio = stream.get_audio_tracks()[0].clone();
    assert_eq!(audio.kind(), TrackKind::Audio);
    let log = track_events(&audio);
    let blocks = audio_blocks(&audio);
    file.play().unwrap();
    blocks.wait_len(1);
    // 10 ms blocks due at 0, 10, …, 300 ms.
    clock.advance(ms(300));
    blocks.wait_len(31);
    file.pause();
    log.wait_until("mute", |e| e.contains(&TrackEvent::Mute));
    assert!(audio.muted());
    assert_eq!(file.state(), PlaybackState::Paused);
    let at_pause = blocks.snapshot().len();
    assert_eq!(at_pause, 31);
    // Paused time is not media time.
    clock.advance(ms(300));
    file.play().unwrap();
    log.wait_until("unmute", |e| e.contains(&TrackEvent::Unmute));
    assert!(!audio.muted());
    // Blocks at 310 … 400 ms of media are due 100 ms later.
    clock.advance(ms(100));
    let after = blocks.wait_len(at_pause + 10);
    assert_eq!(after.len(), at_pause + 10);
    // The resumed blocks follow the paused time, in order.
    assert!(after.windows(2).all(|w| w[1].0 > w[0].0));
    assert_eq!(after[at_pause].0 - after[at_pause - 1].0, 310_000);
    assert_eq!(log.snapshot(), [TrackEvent::Mute, TrackEvent::Unmute]);
    audio.stop();
}

#[test]
fn constraints_adapt_the_tracks_not_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::webm(dir.path(), "c.webm", "320x240", 1.0, false);
    let (file, clock) = open_manual(&path);
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
    let frames = common::Log::new();
    let f2 = frames.clone();
    v.on_video_frame(move |f| f2.push((f.display_width(), f.display_height())));
    let units = unit_stamps(&stream);
    file.play().unwrap();
    // The first unit (audio) plays at once; the first frame follows within a frame.
    units.wait_len(1);
    clock.advance(ms(40));
    assert_eq!(frames.wait_len(1)[0], (160, 120));
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
    let (file, clock) = open_manual(&path);
    let stream = file.capture_stream().unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let events = track_events(&track);
    let stamps = video_stamps(&track);
    file.play().unwrap();
    drop(file);
    stamps.wait_len(1);
    clock.advance(ms(1000));
    events.wait_until("ended", |e| e.contains(&TrackEvent::Ended));
    assert_eq!(stamps.snapshot().len(), 15);
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
    let media = media_stamps(&path, true);
    assert!(
        media[0] >= 2_900_000,
        "the fixture starts at {} µs",
        media[0]
    );
    let (file, clock) = open_manual(&path);
    file.set_loop(true);
    let stream = file.capture_stream().unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let stamps = video_stamps(&track);
    file.play().unwrap();
    // The first frame plays without waiting for the file's start time (the clock is still).
    stamps.wait_len(1);
    clock.advance(ms(1000));
    let s = stamps.wait_len(25);
    file.set_loop(false);
    for w in s.windows(2) {
        let dt = w[1] - w[0];
        assert!(
            (30_000..=50_000).contains(&dt),
            "{dt} µs between frames across a loop: {s:?}"
        );
    }
    track.stop();
}
