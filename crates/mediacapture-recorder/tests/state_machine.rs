//! Every state transition, exception and event order of MediaRecorder (section C of the
//! algorithms digest; WPT's MediaRecorder-*.html sequences).
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;

use common::*;
use mediacapture_recorder::{
    BitrateMode, RecorderCore, RecorderEvent, RecorderOptions, RecordingState, TrackInfo, TrackKind,
};

fn av() -> Vec<TrackInfo> {
    vec![
        TrackInfo::live("v", TrackKind::Video),
        TrackInfo::live("a", TrackKind::Audio),
    ]
}
fn audio_only() -> Vec<TrackInfo> {
    vec![TrackInfo::live("a", TrackKind::Audio)]
}
fn mime(m: &str) -> RecorderOptions {
    RecorderOptions {
        mime_type: m.into(),
        ..Default::default()
    }
}
fn err_name(r: Result<impl Sized, mediacapture_recorder::Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.name(),
    }
}
fn blobs(events: &[RecorderEvent]) -> Vec<(usize, f64)> {
    events
        .iter()
        .filter_map(|e| match e {
            RecorderEvent::DataAvailable(b) => Some((b.data.size(), b.timecode)),
            _ => None,
        })
        .collect()
}

#[test]
fn constructor_checks_the_type() {
    assert_eq!(
        err_name(RecorderCore::new(&av(), mime("video/mp4"))),
        "NotSupportedError"
    );
    assert_eq!(
        err_name(RecorderCore::new(&av(), mime("video/webm;codecs=h264"))),
        "NotSupportedError"
    );
    assert_eq!(
        err_name(RecorderCore::new(&av(), mime("nonsense"))),
        "NotSupportedError"
    );
    // Not on the synchronously exposed list: deferred to start().
    assert_eq!(
        err_name(RecorderCore::new(
            &av(),
            mime("video/webm;codecs=vp09.00.10.08")
        )),
        "ok"
    );
    let both = RecorderOptions {
        video_key_frame_interval_duration: Some(1000.0),
        video_key_frame_interval_count: Some(30),
        ..Default::default()
    };
    assert_eq!(
        err_name(RecorderCore::new(&av(), both)),
        "NotSupportedError"
    );
}

#[test]
fn initial_attributes() {
    let r = RecorderCore::new(&av(), mime("video/webm;codecs=vp8")).unwrap();
    assert_eq!(r.state(), RecordingState::Inactive);
    assert_eq!(r.mime_type(), "video/webm;codecs=vp8");
    assert_eq!(r.video_bits_per_second(), 2_500_000);
    assert_eq!(r.audio_bits_per_second(), 128_000);
    assert_eq!(r.audio_bitrate_mode(), BitrateMode::Variable);
    let r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    assert_eq!(r.mime_type(), "", "no default mimeType before start");
    let o = RecorderOptions {
        video_bits_per_second: Some(1_000_000),
        audio_bits_per_second: Some(64_000),
        audio_bitrate_mode: BitrateMode::Constant,
        ..Default::default()
    };
    let r = RecorderCore::new(&av(), o).unwrap();
    assert_eq!(
        (r.video_bits_per_second(), r.audio_bits_per_second()),
        (1_000_000, 64_000)
    );
    assert_eq!(r.audio_bitrate_mode(), BitrateMode::Constant);
    assert!(RecorderCore::is_type_supported("audio/webm;codecs=opus"));
    assert!(!RecorderCore::is_type_supported("audio/mp4"));
}

#[test]
fn bits_per_second_is_split_and_resplit_for_live_tracks() {
    let o = RecorderOptions {
        bits_per_second: Some(1_000_000),
        video_bits_per_second: Some(5),
        ..Default::default()
    };
    let mut r = RecorderCore::new(&audio_only(), o).unwrap();
    // bitsPerSecond overrides videoBitsPerSecond; audio gets a tenth (Chromium).
    assert_eq!(
        (r.video_bits_per_second(), r.audio_bits_per_second()),
        (900_000, 100_000)
    );
    let tasks = r.start(None, &audio_only()).unwrap();
    // Audio-only stream: everything to audio (clamped to Opus' 510 kbit/s), none to video.
    assert_eq!(
        (r.video_bits_per_second(), r.audio_bits_per_second()),
        (0, 510_000)
    );
    let mut all = tasks;
    all.extend(r.stop());
    // Inactivated: re-derived from bitsPerSecond.
    assert_eq!(
        (r.video_bits_per_second(), r.audio_bits_per_second()),
        (900_000, 100_000)
    );
    run(&mut r, all);
}

#[test]
fn a_kind_without_tracks_gets_no_bitrate_once_started() {
    // Chromium 156 with its fake devices: [2500000, 128000] before start, [0, 128000] after
    // start() on an audio-only stream.
    let mut r = RecorderCore::new(&audio_only(), RecorderOptions::default()).unwrap();
    assert_eq!(
        (r.video_bits_per_second(), r.audio_bits_per_second()),
        (2_500_000, 128_000)
    );
    let t = r.start(None, &audio_only()).unwrap();
    assert_eq!(
        (r.video_bits_per_second(), r.audio_bits_per_second()),
        (0, 128_000)
    );
    run(&mut r, t);
    let v = vec![TrackInfo::live("v", TrackKind::Video)];
    let o = RecorderOptions {
        bits_per_second: Some(1_000),
        ..Default::default()
    };
    let mut r = RecorderCore::new(&v, o).unwrap();
    // Clamped to Chromium's minimums: 75 kbit/s video, 5 kbit/s audio.
    assert_eq!(
        (r.video_bits_per_second(), r.audio_bits_per_second()),
        (75_000, 5_000)
    );
    let t = r.start(None, &v).unwrap();
    assert_eq!(
        (r.video_bits_per_second(), r.audio_bits_per_second()),
        (75_000, 0)
    );
    run(&mut r, t);
}

#[test]
fn start_exceptions() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    let ended = vec![TrackInfo {
        id: "v".into(),
        kind: TrackKind::Video,
        live: false,
    }];
    assert_eq!(
        err_name(r.start(None, &ended)),
        "NotSupportedError",
        "inactive stream"
    );
    assert_eq!(
        err_name(r.start(None, &[])),
        "NotSupportedError",
        "empty stream"
    );
    assert_eq!(r.state(), RecordingState::Inactive);
    r.start(None, &av()).unwrap();
    assert_eq!(err_name(r.start(None, &av())), "InvalidStateError");
    r.pause().unwrap();
    assert_eq!(err_name(r.start(None, &av())), "InvalidStateError");

    // A video track cannot be recorded as audio/webm or audio/wav.
    for t in ["audio/webm", "audio/wav"] {
        let mut r = RecorderCore::new(&av(), mime(t)).unwrap();
        assert_eq!(err_name(r.start(None, &av())), "NotSupportedError", "{t}");
        assert_eq!(r.state(), RecordingState::Inactive);
        assert_eq!(
            err_name(r.start(None, &audio_only())),
            "ok",
            "{t} audio-only"
        );
    }
}

#[test]
fn mime_type_is_set_by_the_start_task_and_reset_when_inactive() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    let tasks = r.start(None, &av()).unwrap();
    assert_eq!(r.state(), RecordingState::Recording);
    assert_eq!(r.mime_type(), "", "mimeType is only set when start fires");
    let ev = run(&mut r, tasks);
    assert_eq!(names(&ev), ["start"]);
    assert_eq!(r.mime_type(), "video/webm;codecs=vp8,opus");
    let tasks = r.stop();
    assert_eq!(r.state(), RecordingState::Inactive);
    assert_eq!(
        r.mime_type(),
        "",
        "inactivation restores the constrained type"
    );
    let ev = run(&mut r, tasks);
    assert_eq!(names(&ev), ["dataavailable", "stop"]);
    assert_eq!(r.mime_type(), "");
}

#[test]
fn start_then_stop_synchronously() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    let mut tasks = r.start(None, &av()).unwrap();
    tasks.extend(r.stop());
    assert_eq!(r.state(), RecordingState::Inactive);
    let mut seen = Vec::new();
    for t in tasks {
        for e in r.run_task(t) {
            seen.push((e.type_(), r.mime_type().to_string()));
        }
    }
    assert_eq!(
        seen,
        [
            ("start", "video/webm;codecs=vp8,opus".to_string()),
            ("dataavailable", String::new()),
            ("stop", String::new())
        ]
    );
}

#[test]
fn stop_when_inactive_is_a_no_op() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    assert!(r.stop().is_empty());
    let t = r.start(None, &av()).unwrap();
    run(&mut r, t);
    let t = r.stop();
    assert_eq!(t.len(), 1);
    assert!(r.stop().is_empty(), "second stop does nothing");
}

#[test]
fn pause_resume_transitions() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    assert_eq!(err_name(r.pause()), "InvalidStateError");
    assert_eq!(err_name(r.resume()), "InvalidStateError");
    let mut tasks = r.start(None, &av()).unwrap();
    assert!(
        r.resume().unwrap().is_empty(),
        "resume while recording is a no-op"
    );
    tasks.extend(r.pause().unwrap());
    assert_eq!(r.state(), RecordingState::Paused);
    assert!(
        r.pause().unwrap().is_empty(),
        "pause while paused is a no-op"
    );
    tasks.extend(r.resume().unwrap());
    assert_eq!(r.state(), RecordingState::Recording);
    tasks.extend(r.stop());
    let ev = run(&mut r, tasks);
    assert_eq!(
        names(&ev),
        ["start", "pause", "resume", "dataavailable", "stop"]
    );
    assert_eq!(err_name(r.pause()), "InvalidStateError");
    assert_eq!(err_name(r.resume()), "InvalidStateError");
}

#[test]
fn stop_while_paused() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    let mut tasks = r.start(None, &av()).unwrap();
    tasks.extend(r.pause().unwrap());
    tasks.extend(r.stop());
    assert_eq!(r.state(), RecordingState::Inactive);
    assert_eq!(
        names(&run(&mut r, tasks)),
        ["start", "pause", "dataavailable", "stop"]
    );
}

#[test]
fn request_data_order_and_blobs() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    assert_eq!(err_name(r.request_data()), "InvalidStateError");
    let mut tasks = r.start(None, &av()).unwrap();
    // Right after start: an empty blob.
    tasks.extend(r.request_data().unwrap());
    tasks.extend(feed(&mut r, 1.0, Some((64, 48)), true, 0));
    tasks.extend(r.request_data().unwrap());
    tasks.extend(feed(&mut r, 1.0, Some((64, 48)), true, 1_000_000));
    tasks.extend(r.pause().unwrap());
    tasks.extend(r.request_data().unwrap()); // allowed while paused
    tasks.extend(r.stop());
    assert_eq!(err_name(r.request_data()), "InvalidStateError");
    let ev = run(&mut r, tasks);
    assert_eq!(
        names(&ev),
        [
            "start",
            "dataavailable",
            "dataavailable",
            "pause",
            "dataavailable",
            "dataavailable",
            "stop"
        ]
    );
    let b = blobs(&ev);
    assert_eq!(b[0], (0, 0.0), "first blob empty with timecode 0");
    assert!(b[1].0 > 0 && b[2].0 > 0);
    assert!(
        b[1].1 <= b[2].1 && b[2].1 <= b[3].1,
        "monotonic timecodes {b:?}"
    );
    assert!(
        (b[2].1 - 1000.0).abs() < 60.0,
        "second data blob starts near 1 s: {b:?}"
    );
}

#[test]
fn track_removed_after_start() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    let mut tasks = r.start(None, &av()).unwrap();
    tasks.extend(r.track_removed("a"));
    assert_eq!(
        r.state(),
        RecordingState::Recording,
        "inactivated by the queued task"
    );
    // Methods while the terminal task is queued add no events of their own.
    assert!(r.request_data().unwrap().is_empty());
    assert!(r.pause().unwrap().is_empty());
    let mut ev = Vec::new();
    for t in tasks {
        ev.extend(r.run_task(t));
        if ev.len() == 1 {
            assert_eq!(r.mime_type(), "video/webm;codecs=vp8,opus");
        }
    }
    assert_eq!(names(&ev), ["start", "error", "dataavailable", "stop"]);
    let RecorderEvent::Error(e) = &ev[1] else {
        panic!()
    };
    assert_eq!(e.name(), "InvalidModificationError");
    assert_eq!(r.state(), RecordingState::Inactive);
    assert_eq!(r.mime_type(), "");
    // The recorder can start again.
    let t = r.start(None, &audio_only()).unwrap();
    assert_eq!(names(&run(&mut r, t)), ["start"]);
}

#[test]
fn track_added_while_recording() {
    let mut r = RecorderCore::new(&audio_only(), RecorderOptions::default()).unwrap();
    let mut tasks = r.start(None, &audio_only()).unwrap();
    tasks.extend(feed(&mut r, 0.5, None, true, 0));
    tasks.extend(r.track_added(&TrackInfo::live("v2", TrackKind::Video)));
    // stop() after the error was queued only changes the state.
    assert!(r.stop().is_empty());
    assert_eq!(r.state(), RecordingState::Inactive);
    let ev = run(&mut r, tasks);
    assert_eq!(names(&ev), ["start", "error", "dataavailable", "stop"]);
    assert!(blobs(&ev)[0].0 > 0, "the data gathered so far is delivered");
    // Track changes while inactive do nothing.
    assert!(
        r.track_added(&TrackInfo::live("x", TrackKind::Audio))
            .is_empty()
    );
    assert!(r.track_removed("x").is_empty());
}

#[test]
fn all_tracks_ended() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    let mut tasks = r.start(None, &av()).unwrap();
    tasks.extend(feed(&mut r, 0.5, Some((64, 48)), true, 0));
    assert!(
        r.track_ended("v").is_empty(),
        "one of two ended: still recording"
    );
    assert!(r.track_ended("unknown").is_empty());
    tasks.extend(r.track_ended("a"));
    let ev = run(&mut r, tasks);
    assert_eq!(names(&ev), ["start", "dataavailable", "stop"]);
    assert_eq!(r.state(), RecordingState::Inactive);
    assert!(blobs(&ev)[0].0 > 0);
}

#[test]
fn deferred_codec_fails_after_start() {
    let mut r = RecorderCore::new(&av(), mime("video/webm;codecs=vp09.00.10.08")).unwrap();
    let tasks = r.start(None, &av()).unwrap();
    assert_eq!(r.state(), RecordingState::Recording);
    let ev = run(&mut r, tasks);
    assert_eq!(names(&ev), ["error", "stop"]);
    let RecorderEvent::Error(e) = &ev[0] else {
        panic!()
    };
    assert_eq!(e.name(), "NotSupportedError");
    assert_eq!(r.state(), RecordingState::Inactive);
}

#[test]
fn frames_outside_recording_are_ignored() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    assert!(feed(&mut r, 0.2, Some((64, 48)), true, 0).is_empty());
    let mut tasks = r.start(None, &av()).unwrap();
    tasks.extend(r.stop());
    assert!(feed(&mut r, 0.2, Some((64, 48)), true, 0).is_empty());
    let ev = run(&mut r, tasks);
    assert_eq!(blobs(&ev), [(0, 0.0)], "nothing was gathered");
}

#[test]
fn timeslice_cadence() {
    // No timeslice: one blob at the end.
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    let mut t = r.start(None, &av()).unwrap();
    t.extend(feed(&mut r, 2.0, Some((64, 48)), true, 0));
    assert_eq!(
        t.len(),
        1,
        "no dataavailable before stop without a timeslice"
    );
    t.extend(r.stop());
    assert_eq!(blobs(&run(&mut r, t)).len(), 1);

    // 500 ms over 2 s: a blob every 500 ms of media, then the rest at stop.
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    let mut t = r.start(Some(500), &av()).unwrap();
    t.extend(feed(&mut r, 2.0, Some((64, 48)), true, 0));
    let during = t.len() - 1;
    assert!((3..=4).contains(&during), "{during} blobs during 2 s");
    t.extend(r.stop());
    let b = blobs(&run(&mut r, t));
    for w in b.windows(2).take(during - 1) {
        assert!(w[1].1 - w[0].1 >= 500.0, "{b:?}");
    }

    // timeslice 0: as soon as possible, i.e. whenever data was gathered.
    let mut r = RecorderCore::new(&audio_only(), RecorderOptions::default()).unwrap();
    let mut t = r.start(Some(0), &audio_only()).unwrap();
    t.extend(feed(&mut r, 1.0, None, true, 0));
    // 1 s of Opus = 50 packets of 20 ms; each packet is written as it is encoded.
    let during = t.len() - 1;
    assert!(during >= 45, "{during} blobs");
    t.extend(r.stop());
    let ev = run(&mut r, t);
    assert!(blobs(&ev).iter().all(|(_, tc)| tc.is_finite()));
}

#[test]
fn restart_after_stop_fires_old_tasks_first() {
    let mut r = RecorderCore::new(&audio_only(), RecorderOptions::default()).unwrap();
    let mut tasks = r.start(None, &audio_only()).unwrap();
    tasks.extend(r.stop());
    tasks.extend(r.start(None, &audio_only()).unwrap());
    assert_eq!(r.state(), RecordingState::Recording);
    let ev = run(&mut r, tasks);
    assert_eq!(names(&ev), ["start", "dataavailable", "stop", "start"]);
    assert_eq!(r.mime_type(), "audio/webm;codecs=opus");
    assert_eq!(r.state(), RecordingState::Recording);
}
