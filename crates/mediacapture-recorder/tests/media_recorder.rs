//! `MediaRecorder` on real `MediaStream`s from the fake devices: threads, events, files.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;

use common::*;
use mediacapture::{MediaDevices, MediaStream};
use mediacapture_hal::fake::FakeBackend;
use mediacapture_recorder::{MediaRecorder, RecorderEvent, RecorderOptions, RecordingState};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn stream(json: &str) -> MediaStream {
    let devices = MediaDevices::builder()
        .origin("recorder-test")
        .backend(FakeBackend::default())
        .build();
    futures_executor::block_on(devices.get_user_media_json(json)).unwrap()
}

fn listen(rec: &MediaRecorder) -> Arc<Mutex<Vec<RecorderEvent>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    rec.add_event_listener(move |e| s.lock().unwrap().push(e.clone()));
    seen
}

fn wait_for_stop(seen: &Arc<Mutex<Vec<RecorderEvent>>>) -> Vec<RecorderEvent> {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(20) {
        if seen.lock().unwrap().contains(&RecorderEvent::Stop) {
            return seen.lock().unwrap().clone();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no stop event; events: {:?}", names(&seen.lock().unwrap()));
}

#[test]
fn records_a_fake_camera_and_microphone() {
    let s = stream(r#"{"audio": true, "video": {"width": 320, "height": 240}}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    let seen = listen(&rec);
    rec.start(None).unwrap();
    assert_eq!(rec.state(), RecordingState::Recording);
    std::thread::sleep(Duration::from_millis(1500));
    rec.stop();
    assert_eq!(rec.state(), RecordingState::Inactive);
    let events = wait_for_stop(&seen);
    assert_eq!(names(&events), ["start", "dataavailable", "stop"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fake.webm");
    std::fs::write(&path, concat(&events)).unwrap();
    let probe = ffprobe(&path);
    assert_eq!(codecs(&probe), ["vp8", "opus"]);
    let d = duration(&probe).unwrap();
    assert!(
        (0.8..=1.8).contains(&d),
        "duration {d} for 1.5 s of recording"
    );
    let (ok, err) = ffmpeg_decode(&path, None);
    assert!(ok && err.trim().is_empty(), "decode errors: {err}");
    s.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn removing_a_track_ends_the_recording_with_an_error() {
    let s = stream(r#"{"audio": true, "video": {"width": 160, "height": 120}}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    let seen = listen(&rec);
    rec.start(None).unwrap();
    s.remove_track(&s.get_audio_tracks()[0]);
    let events = wait_for_stop(&seen);
    assert_eq!(names(&events), ["start", "error", "dataavailable", "stop"]);
    let RecorderEvent::Error(e) = &events[1] else {
        panic!()
    };
    assert_eq!(e.name(), "InvalidModificationError");
    assert_eq!(rec.state(), RecordingState::Inactive);
    s.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn stopping_every_track_ends_the_recording() {
    let s = stream(r#"{"audio": true}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    let seen = listen(&rec);
    rec.start(Some(100)).unwrap();
    std::thread::sleep(Duration::from_millis(600));
    s.get_tracks().iter().for_each(|t| t.stop());
    let events = wait_for_stop(&seen);
    let n = names(&events);
    assert_eq!(n.first(), Some(&"start"));
    assert_eq!(&n[n.len() - 2..], ["dataavailable", "stop"]);
    assert!(
        n.iter().filter(|x| **x == "dataavailable").count() >= 3,
        "{n:?}"
    );
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
    let o = RecorderOptions {
        mime_type: "video/mp4".into(),
        ..Default::default()
    };
    assert_eq!(
        MediaRecorder::new(&s, o).unwrap_err().name(),
        "NotSupportedError"
    );
    let o = RecorderOptions {
        mime_type: "video/webm".into(),
        ..Default::default()
    };
    let v = stream(r#"{"video": true}"#);
    let rec = MediaRecorder::new(
        &v,
        RecorderOptions {
            mime_type: "audio/webm".into(),
            ..o
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
    let seen = listen(&rec);
    rec.start(None).unwrap();
    std::thread::sleep(Duration::from_millis(600));
    rec.pause().unwrap();
    assert_eq!(rec.state(), RecordingState::Paused);
    std::thread::sleep(Duration::from_millis(800));
    rec.resume().unwrap();
    rec.request_data().unwrap();
    std::thread::sleep(Duration::from_millis(600));
    rec.stop();
    let events = wait_for_stop(&seen);
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
    let path = dir.path().join("paused.webm");
    std::fs::write(&path, concat(&events)).unwrap();
    let (ok, err) = ffmpeg_decode(&path, None);
    assert!(ok && err.trim().is_empty(), "decode errors: {err}");
    // 1.2 s recorded, 0.8 s paused and taken out. (Two blobs: the Duration was handed out
    // before it was known, so look at the last frame's time.)
    let times = video_frame_times(&path);
    let last = times.last().copied().unwrap_or(0.0);
    assert!((0.6..=1.8).contains(&last), "last frame at {last} s");
    for w in times.windows(2) {
        assert!(w[1] - w[0] < 0.3, "a hole from {} to {} s", w[0], w[1]);
    }
    s.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn restarting_records_a_second_session() {
    let s = stream(r#"{"audio": true, "video": {"width": 160, "height": 120}}"#);
    let rec = MediaRecorder::new(&s, RecorderOptions::default()).unwrap();
    let seen = listen(&rec);
    rec.start(None).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    rec.stop();
    rec.start(None).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    rec.stop();
    let t0 = Instant::now();
    while seen.lock().unwrap().len() < 6 && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let events = seen.lock().unwrap().clone();
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
            let path = dir.path().join(format!("{i}.webm"));
            std::fs::write(&path, b.data.data().as_ref()).unwrap();
            assert_eq!(codecs(&ffprobe(&path)), ["vp8", "opus"]);
        }
    }
    s.get_tracks().iter().for_each(|t| t.stop());
}
