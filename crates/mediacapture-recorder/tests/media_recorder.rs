//! `MediaRecorder` on real `MediaStream`s from the fake devices: threads, events, files.
//!
//! No test sleeps: each waits for what it needs (a number of frames delivered by the camera,
//! an event), with a generous timeout that only fires on failure.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;

use common::*;
use mediacapture::{MediaDevices, MediaStream, MediaStreamTrack};
use mediacapture_hal::fake::FakeBackend;
use mediacapture_recorder::{MediaRecorder, RecorderEvent, RecorderOptions, RecordingState};
use std::sync::mpsc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

fn stream(json: &str) -> MediaStream {
    let devices = MediaDevices::builder()
        .origin("recorder-test")
        .backend(FakeBackend::default())
        .build();
    futures_executor::block_on(devices.get_user_media_json(json)).unwrap()
}

/// Every event of `rec`, through a channel.
fn listen(rec: &MediaRecorder) -> mpsc::Receiver<RecorderEvent> {
    let (tx, rx) = mpsc::channel();
    rec.add_event_listener(move |e| {
        let _ = tx.send(e.clone());
    });
    rx
}

/// The events up to and including `stop`.
fn until_stop(rx: &mpsc::Receiver<RecorderEvent>) -> Vec<RecorderEvent> {
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(TIMEOUT) {
            Ok(e) => {
                let stop = e == RecorderEvent::Stop;
                seen.push(e);
                if stop {
                    return seen;
                }
            }
            Err(_) => panic!("no stop event; events: {:?}", names(&seen)),
        }
    }
}

/// The next `n` events.
fn next_events(rx: &mpsc::Receiver<RecorderEvent>, n: usize) -> Vec<RecorderEvent> {
    (0..n)
        .map(|i| {
            rx.recv_timeout(TIMEOUT)
                .unwrap_or_else(|_| panic!("event {i} of {n} did not come"))
        })
        .collect()
}

/// Counts the frames a video track delivers from now on: `wait(n)` returns once `n` more came.
struct FrameCounter(mpsc::Receiver<()>);

impl FrameCounter {
    fn on(track: &MediaStreamTrack) -> Self {
        let (tx, rx) = mpsc::channel();
        track.on_video_frame(move |_| {
            let _ = tx.send(());
        });
        FrameCounter(rx)
    }
    fn wait(&self, n: usize) {
        for i in 0..n {
            self.0
                .recv_timeout(TIMEOUT)
                .unwrap_or_else(|_| panic!("only {i} of {n} frames came"));
        }
    }
}

#[test]
fn records_a_fake_camera_and_microphone() {
    let s = stream(r#"{"audio": true, "video": {"width": 320, "height": 240}}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    let rx = listen(&rec);
    let frames = FrameCounter::on(&s.get_video_tracks()[0]);
    rec.start(None).unwrap();
    assert_eq!(rec.state(), RecordingState::Recording);
    frames.wait(45); // 1.5 s of camera time
    rec.stop();
    assert_eq!(rec.state(), RecordingState::Inactive);
    let events = until_stop(&rx);
    assert_eq!(names(&events), ["start", "dataavailable", "stop"]);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "fake.webm", &concat(&events));
    let probe = ffprobe(&path);
    assert_eq!(codecs(&probe), ["vp8", "opus"]);
    let d = duration(&probe).unwrap();
    assert!(d >= 1.2, "duration {d} for 45 frames of camera time");
    let (ok, err) = ffmpeg_decode(&path, None);
    assert!(ok && err.trim().is_empty(), "decode errors: {err}");
    // What the recorder says it recorded is what the file holds.
    let stats = rec.stats();
    assert_eq!(count_video_frames(&path), stats.video_frames);
    assert!(stats.audio_frames > 0, "{stats:?}");
    assert_eq!(stats.bytes, concat(&events).len() as u64);
    s.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn removing_a_track_ends_the_recording_with_an_error() {
    let s = stream(r#"{"audio": true, "video": {"width": 160, "height": 120}}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    let rx = listen(&rec);
    rec.start(None).unwrap();
    s.remove_track(&s.get_audio_tracks()[0]);
    let events = until_stop(&rx);
    assert_eq!(names(&events), ["start", "error", "dataavailable", "stop"]);
    let RecorderEvent::Error(e) = &events[1] else {
        panic!()
    };
    assert_eq!(e.name(), "InvalidModificationError");
    assert_eq!(rec.state(), RecordingState::Inactive);
    s.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn adding_a_track_ends_the_recording_with_an_error() {
    let s = stream(r#"{"video": {"width": 160, "height": 120}}"#);
    let other = stream(r#"{"audio": true}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    let rx = listen(&rec);
    rec.start(None).unwrap();
    s.add_track(&other.get_audio_tracks()[0]);
    let events = until_stop(&rx);
    assert_eq!(names(&events), ["start", "error", "dataavailable", "stop"]);
    let RecorderEvent::Error(e) = &events[1] else {
        panic!()
    };
    assert_eq!(e.name(), "InvalidModificationError");
    s.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn stopping_every_track_ends_the_recording() {
    let s = stream(r#"{"audio": true}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    let rx = listen(&rec);
    rec.start(Some(100)).unwrap();
    // start, then three timeslice blobs: 300 ms of audio at least.
    let first = next_events(&rx, 4);
    assert_eq!(
        names(&first),
        ["start", "dataavailable", "dataavailable", "dataavailable"]
    );
    s.get_tracks().iter().for_each(|t| t.stop()); // fires no `ended` event
    let events = until_stop(&rx);
    let n = names(&events);
    assert_eq!(&n[n.len() - 2..], ["dataavailable", "stop"]);
    assert_eq!(rec.state(), RecordingState::Inactive);
    assert_eq!(rec.mime_type(), "");
}

#[test]
fn method_exceptions() {
    let s = stream(r#"{"audio": true}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    assert_eq!(rec.pause().unwrap_err().name(), "InvalidStateError");
    assert_eq!(rec.resume().unwrap_err().name(), "InvalidStateError");
    assert_eq!(rec.request_data().unwrap_err().name(), "InvalidStateError");
    rec.stop(); // no-op
    rec.start(None).unwrap();
    assert_eq!(rec.start(None).unwrap_err().name(), "InvalidStateError");
    rec.stop();
    for bad in ["video/mp4", r#"audio/webm; codecs="vorbis""#] {
        let o = RecorderOptions {
            mime_type: bad.into(),
            ..Default::default()
        };
        assert_eq!(
            MediaRecorder::new(&s, o).unwrap_err().name(),
            "NotSupportedError",
            "{bad}"
        );
    }
    let v = stream(r#"{"video": true}"#);
    let o = RecorderOptions {
        mime_type: r#"video/webm; codecs="vp8, vorbis""#.into(),
        ..Default::default()
    };
    assert_eq!(
        MediaRecorder::new(&v, o).unwrap_err().name(),
        "NotSupportedError"
    );
    let rec = MediaRecorder::new(
        &v,
        RecorderOptions {
            mime_type: "audio/webm".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(rec.start(None).unwrap_err().name(), "NotSupportedError");
    s.get_tracks().iter().for_each(|t| t.stop());
    v.get_tracks().iter().for_each(|t| t.stop());
    // An inactive stream.
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    assert_eq!(rec.start(None).unwrap_err().name(), "NotSupportedError");
}

#[test]
fn pause_resume_request_data_on_a_live_stream() {
    let s = stream(r#"{"audio": true, "video": {"width": 160, "height": 120}}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    let rx = listen(&rec);
    let frames = FrameCounter::on(&s.get_video_tracks()[0]);
    rec.start(None).unwrap();
    frames.wait(18);
    rec.pause().unwrap();
    assert_eq!(rec.state(), RecordingState::Paused);
    frames.wait(24); // paused: not recorded
    rec.resume().unwrap();
    rec.request_data().unwrap();
    frames.wait(18);
    rec.stop();
    let events = until_stop(&rx);
    assert_eq!(
        names(&events),
        [
            "start",
            "pause",
            "resume",
            "dataavailable",
            "dataavailable",
            "stop"
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "paused.webm", &concat(&events));
    let (ok, err) = ffmpeg_decode(&path, None);
    assert!(ok && err.trim().is_empty(), "decode errors: {err}");
    // The paused time (24 frames, 0.8 s at least) is taken out: no hole where the pause
    // was. (A loaded machine's camera skips frames, so gaps shorter than that can happen.)
    let times = video_frame_times(&path);
    assert!(times.len() >= 30, "{} frames", times.len());
    for w in times.windows(2) {
        assert!(w[1] - w[0] < 0.7, "a hole from {} to {} s", w[0], w[1]);
    }
    s.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn restarting_records_a_second_session() {
    let s = stream(r#"{"audio": true, "video": {"width": 160, "height": 120}}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    let rx = listen(&rec);
    let frames = FrameCounter::on(&s.get_video_tracks()[0]);
    rec.start(None).unwrap();
    frames.wait(9);
    rec.stop();
    rec.start(None).unwrap();
    frames.wait(15);
    rec.stop();
    let events = next_events(&rx, 6);
    assert_eq!(
        names(&events),
        [
            "start",
            "dataavailable",
            "stop",
            "start",
            "dataavailable",
            "stop"
        ]
    );
    // Each session is a file of its own.
    let dir = tempfile::tempdir().unwrap();
    for (i, e) in events.iter().enumerate() {
        if let RecorderEvent::DataAvailable(b) = e {
            let path = write(dir.path(), &format!("{i}.webm"), b.data.data());
            assert_eq!(codecs(&ffprobe(&path)), ["vp8", "opus"]);
        }
    }
    s.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn mime_type_after_stop_and_blob_timecodes() {
    // mimeType: set when `start` fires, the constrained type again once inactive (the spec's
    // "Inactivate the recorder", which Firefox follows; Chromium keeps the full type).
    // timecode: 0 for the first blob, then increasing.
    let s = stream(r#"{"audio": true, "video": {"width": 160, "height": 120}}"#);
    for (constrained, after) in [("", ""), ("video/webm", "video/webm")] {
        let rec = MediaRecorder::new(
            &s,
            RecorderOptions {
                mime_type: constrained.into(),
                ..Default::default()
            },
        )
        .unwrap();
        let (tx, rx) = mpsc::channel();
        let r = rec.clone();
        rec.add_event_listener(move |e| {
            let _ = tx.send((e.clone(), r.mime_type(), r.state()));
        });
        rec.start(Some(200)).unwrap();
        let mut seen = Vec::new();
        while seen.len() < 5 {
            seen.push(rx.recv_timeout(TIMEOUT).expect("events"));
        }
        rec.stop();
        loop {
            let e = rx.recv_timeout(TIMEOUT).expect("stop");
            let stop = e.0 == RecorderEvent::Stop;
            seen.push(e);
            if stop {
                break;
            }
        }
        assert_eq!(seen[0].0, RecorderEvent::Start);
        assert_eq!(
            seen[0].1, "video/webm;codecs=vp8,opus",
            "mimeType in onstart"
        );
        let last = seen.last().unwrap();
        assert_eq!(
            (last.1.as_str(), last.2),
            (after, RecordingState::Inactive),
            "mimeType in onstop"
        );
        let timecodes: Vec<f64> = seen
            .iter()
            .filter_map(|(e, _, _)| match e {
                RecorderEvent::DataAvailable(b) if b.data.size() > 0 => Some(b.timecode),
                _ => None,
            })
            .collect();
        assert!(timecodes.len() >= 4, "{timecodes:?}");
        assert_eq!(timecodes[0], 0.0);
        for w in timecodes.windows(2) {
            assert!(w[1] > w[0], "timecodes increase: {timecodes:?}");
        }
    }
    s.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn an_output_file_that_cannot_be_created_fails_after_start() {
    // start() returns (the file is created "in parallel", by the engine); then error, stop.
    let s = stream(r#"{"audio": true}"#);
    let o = RecorderOptions {
        output_file: Some("/nonexistent-dir/x/out.webm".into()),
        ..Default::default()
    };
    let rec = MediaRecorder::new(&s, o).unwrap();
    let rx = listen(&rec);
    rec.start(None).unwrap();
    let events = until_stop(&rx);
    assert_eq!(names(&events), ["error", "stop"]);
    let RecorderEvent::Error(e) = &events[0] else {
        panic!()
    };
    assert_eq!(e.name(), "UnknownError");
    assert_eq!(rec.state(), RecordingState::Inactive);
    assert!(rec.stats().is_empty());
    s.get_tracks().iter().for_each(|t| t.stop());
}
