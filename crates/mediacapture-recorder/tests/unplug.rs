//! A device unplugged mid-recording: its tracks end, and a recorder writing to a file stops
//! cleanly (dataavailable, stop) with the file finalized and playable.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;
mod push;

use common::*;
use mediacapture::{MediaDevices, MediaStreamTrackState};
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use mediacapture_recorder::{MediaRecorder, RecorderOptions, RecordingState};
use std::sync::Arc;
use std::time::Duration;

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
    let events = push::listen(&rec);
    let (tx, frames) = std::sync::mpsc::channel();
    stream.get_video_tracks()[0].on_video_frame(move |_| {
        let _ = tx.send(());
    });
    rec.start(Some(500)).unwrap();
    for _ in 0..45 {
        // 1.5 s of camera time before the unplug.
        frames.recv_timeout(Duration::from_secs(30)).unwrap();
    }
    backend.remove_device("cam").unwrap();
    backend.remove_device("mic").unwrap();
    let events: Vec<&str> = push::until_stop(&events)
        .iter()
        .map(|e| e.type_())
        .collect();
    assert!(
        stream
            .get_tracks()
            .iter()
            .all(|t| t.ready_state() == MediaStreamTrackState::Ended)
    );
    assert_eq!(rec.state(), RecordingState::Inactive);
    assert!(!events.contains(&"error"), "{events:?}");
    assert_eq!(events.first(), Some(&"start"));
    assert_eq!(&events[events.len() - 2..], ["dataavailable", "stop"]);
    let probe = ffprobe(&path);
    assert_eq!(codecs(&probe), ["vp8", "opus"]);
    let d = duration(&probe).expect("a duration: the file was finalized");
    assert!(d >= 1.2, "duration {d} for 1.5 s before the unplug");
    let (ok, err) = ffmpeg_decode(&path, None);
    assert!(ok, "{err}");
}
