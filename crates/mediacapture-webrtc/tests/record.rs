//! Remote tracks record with MediaRecorder like any others: a remote camera and microphone
//! stream becomes a WebM file that ffprobe reads as VP8 + Opus.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.

mod common;

use common::*;
use mediacapture_recorder::{MediaRecorder, RecorderEvent, RecorderOptions};
use mediacapture_webrtc::PeerConnectionEvent;

#[test]
fn a_remote_stream_records_to_webm() {
    let a = pc();
    let b = pc();
    let (ae, be) = (events(&a), events(&b));
    let stream = gum(
        &devices(),
        r#"{"video": {"width": 640, "height": 480}, "audio": true}"#,
    );
    for t in stream.get_tracks() {
        a.add_track(&t, &[&stream]).unwrap();
    }
    negotiate(&a, &b);
    let remote = wait_for(&be, "track", |e| match e {
        PeerConnectionEvent::Track(t) => Some(t.streams[0].clone()),
        _ => None,
    });
    wait_connected(&a, &ae);
    // Both tracks are in the stream once both track events fired.
    wait_for(&be, "the second track", |e| {
        matches!(e, PeerConnectionEvent::Track(_)).then_some(())
    });
    assert_eq!(remote.get_tracks().len(), 2);
    let video = remote.get_video_tracks()[0].clone();
    let frames = video.video_frames();
    // Media flows before recording starts.
    frames.recv_timeout(SAFETY).expect("remote frames");
    let rec = MediaRecorder::new(&remote, RecorderOptions::default()).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    rec.add_event_listener(move |e| {
        let _ = tx.send(e.clone());
    });
    rec.start(None).unwrap();
    for _ in 0..45 {
        frames.recv_timeout(SAFETY).expect("remote frames");
    }
    rec.stop();
    let mut data = Vec::new();
    loop {
        match rx.recv_timeout(SAFETY).expect("recorder events") {
            RecorderEvent::DataAvailable(b) => data.extend_from_slice(b.data.data()),
            RecorderEvent::Stop => break,
            RecorderEvent::Error(e) => panic!("recording failed: {e}"),
            _ => {}
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("remote.webm");
    std::fs::write(&path, &data).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let codecs = String::from_utf8_lossy(&out.stdout);
    let mut codecs: Vec<&str> = codecs.lines().map(str::trim).collect();
    codecs.sort();
    assert_eq!(codecs, ["opus", "vp8"]);
    a.close();
    b.close();
}
