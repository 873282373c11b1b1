//! Hot-plug, scripted faults, busy devices, and stop semantics of the fake backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::{Collect, Item, SAFETY};
use mediacapture_hal::fake::{DeviceSpec, FakeBackend, FakeProfile, read_frame_counter};
use mediacapture_hal::{Backend, ErrorKind, NativeConfig, SourceEvent, SourceSink};
use mediacapture_test_support::ManualClock;
use mediacapture_types::native::VideoMode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A backend of `profile` paced by a manual clock.
fn fake(profile: FakeProfile) -> (Arc<ManualClock>, FakeBackend) {
    let clock = ManualClock::starting_at(1_000_000);
    let backend = FakeBackend::with_clock(profile, clock.as_clock());
    (clock, backend)
}

/// A 320x240 camera at 10 fps with the extra profile members `extra`.
fn camera_10fps(id: &str, extra: &str) -> String {
    format!(
        r#"{{"kind":"videoinput","id":"{id}",{extra}
            "modes":[{{"width":320,"height":240,"frameRate":10}}]}}"#
    )
}

fn qvga10() -> NativeConfig {
    NativeConfig::Video(VideoMode {
        width: 320,
        height: 240,
        frame_rate: 10.0,
    })
}

/// What a sink received, as a short script: `V<counter>`, `A`, `Muted`, `Unmuted`,
/// `Ended(<error kind>)`.
fn script(sink: &Collect) -> Vec<String> {
    sink.all()
        .into_iter()
        .map(|(_, i)| match i {
            Item::Video(f) => format!("V{}", read_frame_counter(&f).unwrap()),
            Item::Audio(_) => "A".to_owned(),
            Item::Event(SourceEvent::Ended(Some(e))) => format!("Ended({})", e.name()),
            Item::Event(e) => format!("{e:?}"),
        })
        .collect()
}

fn step(clock: &ManualClock, ms: u64) {
    clock.advance(Duration::from_millis(ms));
}

fn vga() -> NativeConfig {
    NativeConfig::Video(VideoMode {
        width: 640,
        height: 480,
        frame_rate: 30.0,
    })
}

fn counter_watch(backend: &FakeBackend) -> Arc<AtomicUsize> {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    backend.watch_devices(Arc::new(move || {
        c.fetch_add(1, Ordering::SeqCst);
    }));
    calls
}

#[test]
fn add_and_remove_call_the_watchers_and_change_the_list() {
    let backend = FakeBackend::new(FakeProfile::empty());
    let calls = counter_watch(&backend);
    assert!(backend.devices().unwrap().is_empty());
    let id = backend.add_device(DeviceSpec::camera("USB Cam")).unwrap();
    assert_eq!(id, "fake:videoinput:0");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(backend.devices().unwrap()[0].label, "USB Cam");
    let id2 = backend.add_device(DeviceSpec::camera("Second")).unwrap();
    assert_eq!(id2, "fake:videoinput:1");
    backend.remove_device(&id).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let ids: Vec<_> = backend
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| d.raw_id)
        .collect();
    assert_eq!(ids, vec![id2]);
    let e = backend.remove_device(&id).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "no call for a failed removal"
    );
}

#[test]
fn removing_an_open_device_ends_its_sources() {
    let (clock, backend) = fake(FakeProfile::default());
    let sink = Arc::new(Collect::default());
    let other = Arc::new(Collect::default());
    let mut src = backend
        .open("fake:videoinput:0", &vga(), sink.clone())
        .unwrap();
    let mut mic = backend
        .open(
            "fake:audioinput:0",
            &common::aconfig(48000, 1),
            other.clone(),
        )
        .unwrap();
    sink.wait_video(1);
    other.wait_audio(1);
    backend.remove_device("fake:videoinput:0").unwrap();
    sink.wait_events(1);
    // The camera's thread reported Ended and returned: stopping it joins at once.
    src.stop();
    match &sink.events()[0].1 {
        SourceEvent::Ended(Some(e)) => assert_eq!(e.kind, ErrorKind::NotFoundError),
        other => panic!("expected Ended(NotFoundError), got {other:?}"),
    }
    // The other device goes on: 30 ms more give three more blocks, and no event.
    step(&clock, 30);
    other.wait_audio(4);
    mic.stop();
    assert_eq!(script(&sink), ["V0", "Ended(NotFoundError)"]);
    assert_eq!(script(&other), ["A", "A", "A", "A"]);
    // Re-opening the removed device fails.
    let e = backend
        .open("fake:videoinput:0", &vga(), sink.clone())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
}

/// `disconnectAfterMs` follows the backend's clock: a minute on the manual clock passes at
/// once (with the wall clock the test would time out).
#[test]
fn scripted_disconnect_follows_the_clock_and_ends_sources() {
    let json = format!(
        r#"{{"devices":[{},{{"kind":"audiooutput","id":"stays"}}]}}"#,
        camera_10fps("flaky", r#""disconnectAfterMs":60050,"#)
    );
    let (clock, backend) = fake(FakeProfile::from_json(&json).unwrap());
    let (watch, calls) = common::watch_channel();
    backend.watch_devices(watch);
    let sink = Arc::new(Collect::default());
    let mut src = backend.open("flaky", &qvga10(), sink.clone()).unwrap();
    sink.wait_video(1);
    step(&clock, 100);
    sink.wait_video(2);
    // 60 s: the camera skips to the frame due now (600); the device is still there.
    step(&clock, 59_900);
    sink.wait_video(3);
    assert!(backend.has_device("flaky"));
    // 60.05 s: gone.
    step(&clock, 50);
    sink.wait_events(1);
    calls
        .recv_timeout(SAFETY)
        .expect("the watchers were called");
    src.stop();
    assert_eq!(script(&sink), ["V0", "V1", "V600", "Ended(NotFoundError)"]);
    let ids: Vec<_> = backend
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| d.raw_id)
        .collect();
    assert_eq!(ids, vec!["stays".to_string()]);
    assert!(calls.try_recv().is_err(), "one call");
}

#[test]
fn scripted_mute_sends_muted_then_unmuted_and_no_frames_between() {
    let json = format!(
        r#"{{"devices":[{}]}}"#,
        camera_10fps("cam", r#""muteAfterMs":200,"muteForMs":300,"#)
    );
    let (clock, backend) = fake(FakeProfile::from_json(&json).unwrap());
    let sink = Arc::new(Collect::default());
    let mut src = backend.open("cam", &qvga10(), sink.clone()).unwrap();
    sink.wait_video(1);
    step(&clock, 100);
    sink.wait_video(2);
    // Muted from 200 ms to 500 ms: frames 2, 3 and 4 are not delivered.
    step(&clock, 100);
    sink.wait_events(1);
    step(&clock, 100);
    step(&clock, 100);
    step(&clock, 100);
    sink.wait_video(3);
    step(&clock, 100);
    sink.wait_video(4);
    src.stop();
    assert_eq!(script(&sink), ["V0", "V1", "Muted", "Unmuted", "V5", "V6"]);
}

#[test]
fn busy_device_is_not_readable() {
    let backend = FakeBackend::new(
        FakeProfile::from_json(r#"{"devices":[{"kind":"videoinput","id":"c","busy":true}]}"#)
            .unwrap(),
    );
    let e = backend
        .open("c", &vga(), Arc::new(Collect::default()))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReadableError);
}

#[test]
fn stop_joins_the_thread_and_no_callback_follows() {
    let (clock, backend) = fake(FakeProfile::default());
    for _ in 0..5 {
        let sink = Arc::new(Collect::default());
        let mut src = backend
            .open("fake:videoinput:0", &vga(), sink.clone())
            .unwrap();
        sink.wait_video(1);
        src.stop();
        sink.closed.store(true, Ordering::SeqCst);
        // The thread is gone: it held the sink, only the test does now.
        assert_eq!(Arc::strong_count(&sink), 1);
        // Frames that would be due now are not delivered.
        step(&clock, 100);
        assert_eq!(sink.calls_after_close.load(Ordering::SeqCst), 0);
        src.stop(); // idempotent
    }
    // Dropping without stop also joins.
    let sink = Arc::new(Collect::default());
    let src = backend
        .open(
            "fake:screen:0",
            &NativeConfig::Display(mediacapture_types::native::DisplayConfig {
                frame_rate: 30.0,
                cursor: mediacapture_types::CursorCaptureConstraint::Never,
            }),
            sink.clone(),
        )
        .unwrap();
    sink.wait_video(1);
    drop(src);
    sink.closed.store(true, Ordering::SeqCst);
    assert_eq!(Arc::strong_count(&sink), 1);
    step(&clock, 100);
    assert_eq!(sink.calls_after_close.load(Ordering::SeqCst), 0);
}

/// A sink that stops its own source from inside a callback must not deadlock.
#[test]
fn stop_from_inside_a_callback_does_not_deadlock() {
    struct SelfStop {
        src: Mutex<Option<Box<dyn mediacapture_hal::Source>>>,
        frames: AtomicUsize,
    }
    impl SourceSink for SelfStop {
        fn on_video(&self, _: mediacapture_frame::VideoFrame) {
            if self.frames.fetch_add(1, Ordering::SeqCst) == 1 {
                if let Some(mut s) = self.src.lock().unwrap().take() {
                    s.stop();
                }
            }
        }
        fn on_audio(&self, _: mediacapture_frame::AudioData) {}
        fn on_event(&self, _: SourceEvent) {}
    }
    let (clock, backend) = fake(FakeProfile::default());
    let sink = Arc::new(SelfStop {
        src: Mutex::new(None),
        frames: AtomicUsize::new(0),
    });
    let src = backend
        .open("fake:videoinput:0", &vga(), sink.clone())
        .unwrap();
    *sink.src.lock().unwrap() = Some(src);
    // Frame 0 is due at once (wait for it: a thread first woken after the step below would
    // skip to frame 1), frame 1 (which stops the source) after one interval.
    common::poll_until("frame 0", || sink.frames.load(Ordering::SeqCst) == 1);
    step(&clock, 34);
    // The thread ends after that callback: then only the test holds the sink.
    common::poll_until("the capture thread to end", || {
        Arc::strong_count(&sink) == 1
    });
    step(&clock, 1000);
    assert_eq!(
        sink.frames.load(Ordering::SeqCst),
        2,
        "no frame after the stop"
    );
}

#[test]
fn set_muted_mutes_and_unmutes_open_sources() {
    let (clock, backend) = fake(FakeProfile::default());
    let sink = Arc::new(Collect::default());
    let mut src = backend
        .open("fake:videoinput:0", &vga(), sink.clone())
        .unwrap();
    sink.wait_video(1);
    backend.set_muted("fake:videoinput:0", true).unwrap();
    // Takes effect at the next frame.
    step(&clock, 34);
    sink.wait_events(1);
    step(&clock, 34);
    // A source opened while the device is muted starts muted.
    let late = Arc::new(Collect::default());
    let mut late_src = backend
        .open("fake:videoinput:0", &vga(), late.clone())
        .unwrap();
    late.wait_events(1);
    backend.set_muted("fake:videoinput:0", false).unwrap();
    step(&clock, 34);
    sink.wait_video(2);
    late.wait_video(1);
    src.stop();
    late_src.stop();
    assert_eq!(script(&sink), ["V0", "Muted", "Unmuted", "V3"]);
    assert_eq!(script(&late), ["Muted", "Unmuted", "V1"]);
    let e = backend.set_muted("nope", true).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
}
