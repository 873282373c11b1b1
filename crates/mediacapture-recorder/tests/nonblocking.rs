//! #13.4: attribute reads and method calls never wait for the encoder, and a busy encoder
//! delays no other object's events. The encoder is held busy by a test hook (a gate the worker
//! waits in before it encodes), so nothing here depends on how fast the machine is.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;
mod push;

use common::*;
use mediacapture::{MediaStream, TrackEvent};
use mediacapture_recorder::{MediaRecorder, RecorderEvent, RecorderOptions, RecordingState};
use std::sync::mpsc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn reads_methods_and_other_events_do_not_wait_for_a_busy_encoder() {
    let cam = push::video(1920, 1080, 30.0);
    let other = push::video(64, 48, 30.0);
    let stream = MediaStream::from_tracks([&cam.track]);
    let rec = MediaRecorder::new(&stream, RecorderOptions::default()).unwrap();
    let gate = push::Gate::new();
    rec.set_encode_hook(Some(gate.hook()));
    let events = push::listen(&rec);
    rec.start(None).unwrap();
    cam.frame(gradient(1920, 1080, 0, 0));
    gate.wait_busy(); // the worker is encoding a 1080p frame, and stays there

    // Reads and methods, from another thread so that a regression fails instead of hanging.
    let r = rec.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let before = r.state();
        let _ = r.mime_type();
        let _ = (r.video_bits_per_second(), r.audio_bits_per_second());
        let paused = r.pause().is_ok();
        let requested = r.request_data().is_ok();
        let _ = tx.send((before, paused, requested, r.state()));
    });
    let got = rx
        .recv_timeout(TIMEOUT)
        .expect("state()/pause()/requestData() waited for the encoder");
    assert_eq!(
        got,
        (
            RecordingState::Recording,
            true,
            true,
            RecordingState::Paused
        )
    );

    // Another object's event is delivered while the encoder is busy.
    let (ended_tx, ended_rx) = mpsc::channel();
    other.track.on(TrackEvent::Ended, move || {
        let _ = ended_tx.send(());
    });
    other.end();
    ended_rx
        .recv_timeout(TIMEOUT)
        .expect("the other track's `ended` waited for the encoder");

    // So are this recorder's events that need no data: `start` and `pause`. The
    // `dataavailable` of requestData() waits for the encoder (and anything queued after it).
    assert_eq!(events.recv_timeout(TIMEOUT), Ok(RecorderEvent::Start));
    assert_eq!(events.recv_timeout(TIMEOUT), Ok(RecorderEvent::Pause));
    assert_eq!(gate.entered(), 1, "still encoding the first frame");
    assert!(events.try_recv().is_err(), "the blob is not ready yet");

    gate.release();
    rec.stop();
    let rest = push::until_stop(&events);
    assert_eq!(names(&rest), ["dataavailable", "dataavailable", "stop"]);
    // The recording holds the frame that was being encoded all along.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "busy.webm", &concat(&rest));
    assert_eq!(count_video_frames(&path), 1);
    cam.track.stop();
}
