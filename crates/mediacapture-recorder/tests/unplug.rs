//! A device unplugged mid-recording: its tracks end, and a recorder writing to a file stops
//! cleanly (dataavailable, stop) with the file finalized and playable.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;

use common::*;
use mediacapture::{MediaDevices, MediaStreamTrackState};
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use mediacapture_recorder::{MediaRecorder, RecorderOptions, RecordingState};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[test]
fn unplugging_the_devices_stops_the_recorder_with_a_finalized_file() {
    let backend = Arc::new(FakeBackend::new(
        FakeProfile::from_json(
            r#"{"devices":[
                {"kind":"videoinput","id":"cam","label":"USB Cam","modes":[{"width":320,"height":240,"frameRate":30}]},
                {"kind":"audioinput","id":"mic","label":"USB Mic","groupId":"cam","sampleRate":[48000],"channelCount":[1]}
            ]}"#,
        )
        .unwrap(),
    ));
    let devices = MediaDevices::builder()
        .origin("unplug-test")
        .backend_arc(backend.clone())
        .build();
    let stream =
        futures_executor::block_on(devices.get_user_media_json(r#"{"audio":true,"video":true}"#))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unplugged.webm");
    let options = RecorderOptions {
        output_file: Some(path.clone()),
        blobs: false,
        ..Default::default()
    };
    let rec = MediaRecorder::new(&stream, options).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    rec.add_event_listener(move |e| s.lock().unwrap().push(e.type_()));
    rec.start(Some(500)).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    backend.remove_device("cam").unwrap();
    backend.remove_device("mic").unwrap();
    let t0 = Instant::now();
    while !seen.lock().unwrap().contains(&"stop") {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "no stop: {:?}",
            seen.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        stream
            .get_tracks()
            .iter()
            .all(|t| t.ready_state() == MediaStreamTrackState::Ended)
    );
    assert_eq!(rec.state(), RecordingState::Inactive);
    let events = seen.lock().unwrap().clone();
    assert!(!events.contains(&"error"), "{events:?}");
    assert_eq!(events.first(), Some(&"start"));
    assert_eq!(&events[events.len() - 2..], ["dataavailable", "stop"]);
    let probe = ffprobe(&path);
    assert_eq!(codecs(&probe), ["vp8", "opus"]);
    let d = duration(&probe).expect("a duration: the file was finalized");
    assert!(
        (0.9..=2.2).contains(&d),
        "duration {d} for 1.5 s before the unplug"
    );
    let (ok, err) = ffmpeg_decode(&path, None);
    assert!(ok, "{err}");
}
