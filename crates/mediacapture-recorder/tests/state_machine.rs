//! Every state transition, exception and event order of MediaRecorder (section C of the
//! algorithms digest; WPT's MediaRecorder-*.html sequences): the state machine with its engine
//! on one thread ([`LocalRecorder`]), and the state machine alone against a scripted engine.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;

use common::*;
use mediacapture_recorder::{
    BitrateMode, EngineCommand, EngineReport, Error, LocalRecorder, RecorderCore, RecorderEvent,
    RecorderOptions, RecordingState, TrackInfo, TrackKind,
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
fn local(tracks: &[TrackInfo], o: RecorderOptions) -> LocalRecorder {
    LocalRecorder::new(tracks, o).unwrap()
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
    for bad in [
        "video/mp4",
        "video/webm;codecs=h264",
        "nonsense",
        // Known codecs that cannot be recorded throw at once (WPT MediaRecorder-mimetype.html,
        // Chromium, Firefox), with or without spaces around the codec strings.
        r#"audio/webm; codecs="vorbis""#,
        r#"video/webm; codecs="vp8, vorbis""#,
    ] {
        assert_eq!(
            err_name(RecorderCore::new(&av(), mime(bad))),
            "NotSupportedError",
            "{bad}"
        );
    }
    // Not on the synchronously exposed list and not known: deferred to start().
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
    let mut r = local(&audio_only(), o);
    // bitsPerSecond overrides videoBitsPerSecond; audio gets a tenth (Chromium).
    let bps = |r: &LocalRecorder| {
        (
            r.core().video_bits_per_second(),
            r.core().audio_bits_per_second(),
        )
    };
    assert_eq!(bps(&r), (900_000, 100_000));
    r.start(None, &audio_only()).unwrap();
    // Audio-only stream: everything to audio (clamped to Opus' 510 kbit/s), none to video.
    assert_eq!(bps(&r), (0, 510_000));
    r.stop();
    // Inactivated: re-derived from bitsPerSecond.
    assert_eq!(bps(&r), (900_000, 100_000));
    r.run_tasks();
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
    r.start(None, &audio_only()).unwrap();
    assert_eq!(
        (r.video_bits_per_second(), r.audio_bits_per_second()),
        (0, 128_000)
    );
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
    r.start(None, &v).unwrap();
    assert_eq!(
        (r.video_bits_per_second(), r.audio_bits_per_second()),
        (75_000, 0)
    );
    // The engine is asked for the same bitrates.
    let Some(EngineCommand::Start { settings, .. }) = r.poll_command() else {
        panic!()
    };
    assert_eq!(settings.video_bits_per_second, 75_000);
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
    assert!(r.poll_command().is_none() && r.poll_task().is_none());
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
    let mut r = local(&av(), RecorderOptions::default());
    r.start(None, &av()).unwrap();
    assert_eq!(r.state(), RecordingState::Recording);
    assert_eq!(r.mime_type(), "", "mimeType is only set when start fires");
    assert_eq!(names(&r.run_tasks()), ["start"]);
    assert_eq!(r.mime_type(), "video/webm;codecs=vp8,opus");
    r.stop();
    assert_eq!(r.state(), RecordingState::Inactive);
    // Spec ("Inactivate the recorder") and Firefox: the constrained type again, at once.
    // (Chromium keeps the full type.)
    assert_eq!(
        r.mime_type(),
        "",
        "inactivation restores the constrained type"
    );
    let mut seen = Vec::new();
    while let Some(t) = r.poll_task() {
        for e in r.run_task(t) {
            seen.push((e.type_(), r.mime_type().to_string()));
        }
    }
    assert_eq!(
        seen,
        [("dataavailable", String::new()), ("stop", String::new())],
        "mimeType in ondataavailable and onstop"
    );
    // A constrained type is what stays.
    let mut r = local(&av(), mime("video/webm"));
    r.start(None, &av()).unwrap();
    r.run_tasks();
    assert_eq!(r.mime_type(), "video/webm;codecs=vp8,opus");
    r.stop();
    r.run_tasks();
    assert_eq!(r.mime_type(), "video/webm");
}

#[test]
fn start_then_stop_synchronously() {
    let mut r = local(&av(), RecorderOptions::default());
    r.start(None, &av()).unwrap();
    r.stop();
    assert_eq!(r.state(), RecordingState::Inactive);
    let mut seen = Vec::new();
    while let Some(t) = r.poll_task() {
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
    r.stop();
    assert!(r.poll_command().is_none() && r.pending_tasks() == 0);
    r.start(None, &av()).unwrap();
    r.stop();
    assert_eq!(r.pending_tasks(), 2, "start, then dataavailable + stop");
    r.stop();
    assert_eq!(r.pending_tasks(), 2, "second stop does nothing");
}

#[test]
fn pause_resume_transitions() {
    let mut r = local(&av(), RecorderOptions::default());
    assert_eq!(err_name(r.pause()), "InvalidStateError");
    assert_eq!(err_name(r.resume()), "InvalidStateError");
    r.start(None, &av()).unwrap();
    r.resume().unwrap(); // a no-op while recording
    r.pause().unwrap();
    assert_eq!(r.state(), RecordingState::Paused);
    r.pause().unwrap(); // a no-op while paused
    r.resume().unwrap();
    assert_eq!(r.state(), RecordingState::Recording);
    r.stop();
    assert_eq!(
        names(&r.run_tasks()),
        ["start", "pause", "resume", "dataavailable", "stop"]
    );
    assert_eq!(err_name(r.pause()), "InvalidStateError");
    assert_eq!(err_name(r.resume()), "InvalidStateError");
}

#[test]
fn stop_while_paused() {
    let mut r = local(&av(), RecorderOptions::default());
    r.start(None, &av()).unwrap();
    r.pause().unwrap();
    r.stop();
    assert_eq!(r.state(), RecordingState::Inactive);
    assert_eq!(
        names(&r.run_tasks()),
        ["start", "pause", "dataavailable", "stop"]
    );
}

#[test]
fn request_data_order_and_blobs() {
    let mut r = local(&av(), RecorderOptions::default());
    assert_eq!(err_name(r.request_data()), "InvalidStateError");
    r.start(None, &av()).unwrap();
    // Right after start: an empty blob.
    r.request_data().unwrap();
    feed(&mut r, 1.0, Some((64, 48)), true, 0);
    r.request_data().unwrap();
    feed(&mut r, 1.0, Some((64, 48)), true, 1_000_000);
    r.pause().unwrap();
    r.request_data().unwrap(); // allowed while paused
    r.stop();
    assert_eq!(err_name(r.request_data()), "InvalidStateError");
    let ev = r.run_tasks();
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
fn timecodes_start_at_zero_and_count_paused_time() {
    // Spec: the first BlobEvent's timecode is 0; later ones are the difference between the
    // creation of their first chunk and that of the first blob's: capture time, pauses
    // included (Chromium does the same).
    let mut r = local(&av(), RecorderOptions::default());
    r.start(Some(250), &av()).unwrap();
    feed(&mut r, 1.0, Some((64, 48)), true, 0);
    r.pause().unwrap();
    feed(&mut r, 1.0, Some((64, 48)), true, 1_000_000); // paused: not recorded
    r.resume().unwrap();
    feed(&mut r, 1.0, Some((64, 48)), true, 2_000_000);
    r.stop();
    let b = blobs(&r.run_tasks());
    assert!(b.len() >= 6, "{b:?}");
    assert_eq!(b[0].1, 0.0);
    for w in b.windows(2) {
        assert!(w[1].1 > w[0].1, "timecodes increase: {b:?}");
    }
    // A blob gathered after the pause starts after the 1 s pause.
    assert!(
        b.iter().any(|(_, tc)| (2000.0..2100.0).contains(tc)),
        "a blob starts right after the pause: {b:?}"
    );
    assert!(
        !b.iter().any(|(_, tc)| (1100.0..2000.0).contains(tc)),
        "{b:?}"
    );
}

#[test]
fn track_removed_after_start() {
    let mut r = local(&av(), RecorderOptions::default());
    r.start(None, &av()).unwrap();
    r.track_removed("a");
    assert_eq!(
        r.state(),
        RecordingState::Recording,
        "inactivated by the queued task"
    );
    // Methods while the terminal task is queued add no events of their own.
    r.request_data().unwrap();
    r.pause().unwrap();
    assert_eq!(r.core().pending_tasks(), 2);
    let mut ev = Vec::new();
    while let Some(t) = r.poll_task() {
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
    r.start(None, &audio_only()).unwrap();
    assert_eq!(names(&r.run_tasks()), ["start"]);
}

#[test]
fn track_added_while_recording() {
    let mut r = local(&audio_only(), RecorderOptions::default());
    r.start(None, &audio_only()).unwrap();
    feed(&mut r, 0.5, None, true, 0);
    r.track_added(&TrackInfo::live("v2", TrackKind::Video));
    // stop() after the error was queued only changes the state.
    r.stop();
    assert_eq!(r.state(), RecordingState::Inactive);
    let ev = r.run_tasks();
    assert_eq!(names(&ev), ["start", "error", "dataavailable", "stop"]);
    assert!(blobs(&ev)[0].0 > 0, "the data gathered so far is delivered");
    // Track changes while inactive do nothing.
    r.track_added(&TrackInfo::live("x", TrackKind::Audio));
    r.track_removed("x");
    assert!(r.run_tasks().is_empty());
}

#[test]
fn all_tracks_ended() {
    let mut r = local(&av(), RecorderOptions::default());
    r.start(None, &av()).unwrap();
    feed(&mut r, 0.5, Some((64, 48)), true, 0);
    r.track_ended("v");
    r.track_ended("unknown");
    assert_eq!(names(&r.run_tasks()), ["start"], "one of two ended");
    assert_eq!(r.state(), RecordingState::Recording);
    r.track_ended("a");
    let ev = r.run_tasks();
    assert_eq!(names(&ev), ["dataavailable", "stop"]);
    assert_eq!(r.state(), RecordingState::Inactive);
    assert!(blobs(&ev)[0].0 > 0);
}

#[test]
fn deferred_codec_fails_after_start() {
    let mut r = local(&av(), mime("video/webm;codecs=vp09.00.10.08"));
    r.start(None, &av()).unwrap();
    assert_eq!(r.state(), RecordingState::Recording);
    let ev = r.run_tasks();
    assert_eq!(names(&ev), ["error", "stop"]);
    let RecorderEvent::Error(e) = &ev[0] else {
        panic!()
    };
    assert_eq!(e.name(), "NotSupportedError");
    assert_eq!(r.state(), RecordingState::Inactive);
}

#[test]
fn frames_outside_recording_are_ignored() {
    let mut r = local(&av(), RecorderOptions::default());
    feed(&mut r, 0.2, Some((64, 48)), true, 0);
    assert!(r.run_tasks().is_empty());
    r.start(None, &av()).unwrap();
    r.stop();
    feed(&mut r, 0.2, Some((64, 48)), true, 0);
    let ev = r.run_tasks();
    assert_eq!(blobs(&ev), [(0, 0.0)], "nothing was gathered");
    assert_eq!(r.stats().video_frames, 0);
}

#[test]
fn timeslice_cadence() {
    // No timeslice: one blob at the end.
    let mut r = local(&av(), RecorderOptions::default());
    r.start(None, &av()).unwrap();
    feed(&mut r, 2.0, Some((64, 48)), true, 0);
    assert_eq!(
        names(&r.run_tasks()),
        ["start"],
        "no dataavailable before stop without a timeslice"
    );
    r.stop();
    assert_eq!(blobs(&r.run_tasks()).len(), 1);

    // 500 ms over 2 s: a blob every 500 ms of media, then the rest at stop.
    let mut r = local(&av(), RecorderOptions::default());
    r.start(Some(500), &av()).unwrap();
    feed(&mut r, 2.0, Some((64, 48)), true, 0);
    let during = blobs(&r.run_tasks()).len();
    assert!((3..=4).contains(&during), "{during} blobs during 2 s");
    r.stop();
    let b = blobs(&r.run_tasks());
    assert!(!b.is_empty());

    // timeslice 0: as soon as possible, i.e. whenever data was gathered.
    let mut r = local(&audio_only(), RecorderOptions::default());
    r.start(Some(0), &audio_only()).unwrap();
    feed(&mut r, 1.0, None, true, 0);
    // 1 s of Opus = 50 packets of 20 ms; each packet is written as it is encoded.
    let during = blobs(&r.run_tasks()).len();
    assert!(during >= 45, "{during} blobs");
    r.stop();
    let ev = r.run_tasks();
    assert!(blobs(&ev).iter().all(|(_, tc)| tc.is_finite()));
}

#[test]
fn restart_after_stop_fires_old_tasks_first() {
    let mut r = local(&audio_only(), RecorderOptions::default());
    r.start(None, &audio_only()).unwrap();
    r.stop();
    r.start(None, &audio_only()).unwrap();
    assert_eq!(r.state(), RecordingState::Recording);
    let ev = r.run_tasks();
    assert_eq!(names(&ev), ["start", "dataavailable", "stop", "start"]);
    assert_eq!(r.mime_type(), "audio/webm;codecs=opus");
    assert_eq!(r.state(), RecordingState::Recording);
}

// The state machine alone, against a scripted engine.

/// Takes every command, in order.
fn commands(r: &mut RecorderCore) -> Vec<EngineCommand> {
    std::iter::from_fn(|| r.poll_command()).collect()
}
fn run_ready(r: &mut RecorderCore) -> Vec<RecorderEvent> {
    let mut ev = Vec::new();
    while let Some(t) = r.poll_task() {
        ev.extend(r.run_task(t));
    }
    ev
}
fn blob(ticket: u64, data: &[u8]) -> EngineReport {
    EngineReport::Blob {
        ticket,
        data: data.to_vec(),
        timecode: 0.0,
        error: None,
    }
}

#[test]
fn tasks_wait_for_the_engine_in_order() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    r.start(None, &av()).unwrap();
    r.request_data().unwrap();
    r.pause().unwrap();
    let c = commands(&mut r);
    let [
        EngineCommand::Start { ticket: start, .. },
        EngineCommand::TakeBlob { ticket: take, .. },
        EngineCommand::Pause { .. },
    ] = c[..]
    else {
        panic!("{c:?}")
    };
    // `pause` is ready but waits behind `start` and `dataavailable`.
    assert!(r.poll_task().is_none());
    r.handle_report(EngineReport::Started { ticket: start });
    assert_eq!(names(&run_ready(&mut r)), ["start"]);
    r.handle_report(blob(take, b"ab"));
    let ev = run_ready(&mut r);
    assert_eq!(names(&ev), ["dataavailable", "pause"]);
    let RecorderEvent::DataAvailable(b) = &ev[0] else {
        panic!()
    };
    assert_eq!(b.data.data().as_ref(), b"ab");
    assert_eq!(b.data.type_(), "video/webm;codecs=vp8,opus");
}

#[test]
fn a_timeslice_blob_is_asked_for_once_the_slice_is_gathered() {
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    r.start(Some(1000), &av()).unwrap();
    let [
        EngineCommand::Start {
            ticket, session, ..
        },
    ] = commands(&mut r)[..]
    else {
        panic!()
    };
    r.handle_report(EngineReport::Started { ticket });
    let gathered = |span_us, bytes| EngineReport::Gathered {
        session,
        span_us,
        bytes,
    };
    r.handle_report(gathered(999_000, 10));
    assert!(commands(&mut r).is_empty(), "less than a timeslice");
    r.handle_report(gathered(1_000_000, 10));
    let [EngineCommand::TakeBlob { ticket, .. }] = commands(&mut r)[..] else {
        panic!()
    };
    r.handle_report(gathered(1_100_000, 20));
    assert!(commands(&mut r).is_empty(), "one slice at a time");
    r.handle_report(blob(ticket, b"x"));
    r.handle_report(gathered(1_000_000, 20));
    assert!(matches!(
        commands(&mut r)[..],
        [EngineCommand::TakeBlob { .. }]
    ));
    // An earlier session's reports change nothing.
    r.handle_report(EngineReport::Gathered {
        session: session - 1,
        span_us: 5_000_000,
        bytes: 5,
    });
    assert!(commands(&mut r).is_empty());
}

#[test]
fn an_engine_that_cannot_start_fires_error_and_stop_only() {
    // start(); pause(); stop(); then the engine says it could not start (e.g. the output
    // file cannot be created): error, stop — the pause and the stop's dataavailable of that
    // session never fire.
    let mut r = RecorderCore::new(&av(), RecorderOptions::default()).unwrap();
    r.start(None, &av()).unwrap();
    r.pause().unwrap();
    r.stop();
    let c = commands(&mut r);
    let EngineCommand::Start { ticket, .. } = c[0] else {
        panic!()
    };
    r.handle_report(EngineReport::StartFailed {
        ticket,
        error: Error::unknown("cannot create out.webm"),
    });
    let ev = run_ready(&mut r);
    assert_eq!(names(&ev), ["error", "stop"]);
    assert_eq!(r.state(), RecordingState::Inactive);
    assert_eq!(r.pending_tasks(), 0);
}

#[test]
fn a_failing_engine_ends_the_recording_with_unknown_error() {
    let mut r = RecorderCore::new(&audio_only(), RecorderOptions::default()).unwrap();
    r.start(None, &audio_only()).unwrap();
    let [
        EngineCommand::Start {
            ticket, session, ..
        },
    ] = commands(&mut r)[..]
    else {
        panic!()
    };
    r.handle_report(EngineReport::Started { ticket });
    r.handle_report(EngineReport::Failed {
        session,
        error: Error::not_readable("disk gone"),
    });
    r.handle_report(EngineReport::Failed {
        session,
        error: Error::not_readable("again"),
    });
    let [EngineCommand::Finish { ticket, .. }] = commands(&mut r)[..] else {
        panic!("one Finish")
    };
    r.handle_report(EngineReport::Blob {
        ticket,
        data: b"so far".to_vec(),
        timecode: 0.0,
        error: Some(Error::not_readable("disk gone")),
    });
    let ev = run_ready(&mut r);
    assert_eq!(names(&ev), ["start", "error", "dataavailable", "stop"]);
    let RecorderEvent::Error(e) = &ev[1] else {
        panic!()
    };
    assert_eq!(
        (e.name(), e.message.as_str()),
        ("UnknownError", "disk gone")
    );
    // stop() after that: only the state (already inactive).
    r.stop();
    assert!(commands(&mut r).is_empty());
}

#[test]
fn a_lost_engine_releases_every_waiting_task() {
    let mut r = RecorderCore::new(&audio_only(), RecorderOptions::default()).unwrap();
    r.start(Some(10), &audio_only()).unwrap();
    let [
        EngineCommand::Start {
            ticket, session, ..
        },
    ] = commands(&mut r)[..]
    else {
        panic!()
    };
    r.handle_report(EngineReport::Started { ticket });
    r.request_data().unwrap();
    r.handle_report(EngineReport::Lost {
        session,
        error: Error::unknown("the engine thread died"),
    });
    let ev = run_ready(&mut r);
    assert_eq!(
        names(&ev),
        ["start", "dataavailable", "error", "dataavailable", "stop"]
    );
    assert_eq!(r.state(), RecordingState::Inactive);
    assert!(commands(&mut r).is_empty());
}

#[test]
fn stop_after_an_engine_error_fires_the_error_first() {
    let mut r = RecorderCore::new(&audio_only(), RecorderOptions::default()).unwrap();
    r.start(None, &audio_only()).unwrap();
    r.stop();
    let c = commands(&mut r);
    let [
        EngineCommand::Start { ticket: s, .. },
        EngineCommand::Finish { ticket: f, .. },
    ] = c[..]
    else {
        panic!()
    };
    r.handle_report(EngineReport::Started { ticket: s });
    r.handle_report(EngineReport::Blob {
        ticket: f,
        data: Vec::new(),
        timecode: 0.0,
        error: Some(Error::unknown("No space left on device")),
    });
    assert_eq!(
        names(&run_ready(&mut r)),
        ["start", "error", "dataavailable", "stop"]
    );
}
