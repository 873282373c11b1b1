//! Hot-plug, scripted faults, busy devices, and stop semantics of the fake backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::{Collect, Item};
use mediacapture_hal::fake::{DeviceSpec, FakeBackend, FakeProfile, read_frame_counter};
use mediacapture_hal::{Backend, ErrorKind, NativeConfig, SourceEvent, SourceSink, clock};
use mediacapture_types::native::VideoMode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
    let backend = FakeBackend::default();
    let sink = Arc::new(Collect::default());
    let other = Arc::new(Collect::default());
    let mut src = backend
        .open("fake:videoinput:0", &vga(), sink.clone())
        .unwrap();
    let mut mic_cfg = None;
    if let mediacapture_hal::NativeCapabilities::Audio(a) =
        &backend.devices().unwrap()[1].capabilities
    {
        mic_cfg = Some(NativeConfig::Audio(
            mediacapture_types::native::AudioConfig {
                sample_rate: a.sample_rates[0],
                channel_count: 1,
                sample_size: 16,
                latency: a.latency.0,
                echo_cancellation: a.echo_cancellation[0],
                auto_gain_control: a.auto_gain_control[0],
                noise_suppression: a.noise_suppression[0],
            },
        ));
    }
    let mut mic = backend
        .open("fake:audioinput:0", &mic_cfg.unwrap(), other.clone())
        .unwrap();
    assert!(common::wait_for(2000, || sink.video().len() >= 2));
    backend.remove_device("fake:videoinput:0").unwrap();
    assert!(common::wait_for(2000, || !sink.events().is_empty()));
    common::sleep_ms(100);
    let events = sink.events();
    assert_eq!(events.len(), 1);
    match &events[0].1 {
        SourceEvent::Ended(Some(e)) => assert_eq!(e.kind, ErrorKind::NotFoundError),
        other => panic!("expected Ended(NotFoundError), got {other:?}"),
    }
    // Nothing after Ended.
    let all = sink.all();
    assert!(matches!(
        all.last(),
        Some((_, Item::Event(SourceEvent::Ended(_))))
    ));
    // The other device goes on.
    let before = other.audio().len();
    common::sleep_ms(60);
    assert!(other.audio().len() > before);
    assert!(other.events().is_empty());
    // Re-opening the removed device fails.
    let e = backend
        .open("fake:videoinput:0", &vga(), sink.clone())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    src.stop();
    mic.stop();
}

#[test]
fn scripted_disconnect_removes_the_device_and_ends_sources() {
    let backend = FakeBackend::new(
        FakeProfile::from_json(
            r#"{"devices":[{"kind":"videoinput","id":"flaky","disconnectAfterMs":300,
                "modes":[{"width":320,"height":240,"frameRate":30}]},
               {"kind":"audiooutput","id":"stays"}]}"#,
        )
        .unwrap(),
    );
    let t0 = clock::now_us();
    let calls = counter_watch(&backend);
    let sink = Arc::new(Collect::default());
    let config = NativeConfig::Video(VideoMode {
        width: 320,
        height: 240,
        frame_rate: 30.0,
    });
    let mut src = backend.open("flaky", &config, sink.clone()).unwrap();
    assert!(backend.has_device("flaky"));
    assert!(common::wait_for(3000, || !sink.events().is_empty()));
    let (t_end, ev) = sink.events()[0].clone();
    assert!(matches!(ev, SourceEvent::Ended(Some(ref e)) if e.kind == ErrorKind::NotFoundError));
    let after = (t_end - t0) / 1000;
    assert!((250..1500).contains(&after), "ended after {after} ms");
    assert!(common::wait_for(1000, || calls.load(Ordering::SeqCst) == 1));
    let ids: Vec<_> = backend
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| d.raw_id)
        .collect();
    assert_eq!(ids, vec!["stays".to_string()]);
    assert!(
        sink.video().len() >= 3,
        "frames were delivered before the disconnect"
    );
    src.stop();
}

#[test]
fn scripted_mute_sends_muted_then_unmuted_and_no_frames_between() {
    let backend = FakeBackend::new(
        FakeProfile::from_json(
            r#"{"devices":[{"kind":"videoinput","id":"cam","muteAfterMs":200,"muteForMs":300,
                "modes":[{"width":320,"height":240,"frameRate":30}]}]}"#,
        )
        .unwrap(),
    );
    let sink = Arc::new(Collect::default());
    let config = NativeConfig::Video(VideoMode {
        width: 320,
        height: 240,
        frame_rate: 30.0,
    });
    let mut src = backend.open("cam", &config, sink.clone()).unwrap();
    assert!(common::wait_for(3000, || sink.events().len() >= 2));
    common::sleep_ms(150);
    src.stop();
    let all = sink.all();
    let events: Vec<_> = sink.events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(events, vec![SourceEvent::Muted, SourceEvent::Unmuted]);
    let muted_at = all
        .iter()
        .position(|(_, i)| matches!(i, Item::Event(SourceEvent::Muted)))
        .unwrap();
    let unmuted_at = all
        .iter()
        .position(|(_, i)| matches!(i, Item::Event(SourceEvent::Unmuted)))
        .unwrap();
    assert_eq!(unmuted_at, muted_at + 1, "no frame while muted");
    let frames_before = muted_at;
    assert!(
        (4..=8).contains(&frames_before),
        "{frames_before} frames in 200 ms"
    );
    assert!(all.len() > unmuted_at + 2, "frames resume after unmute");
    // The frame after the gap carries a counter about 300 ms (9 frames) later.
    let counter = |i: usize| match &all[i].1 {
        Item::Video(f) => read_frame_counter(f).unwrap(),
        other => panic!("{other:?}"),
    };
    let gap = counter(unmuted_at + 1) - counter(muted_at - 1);
    assert!((8..=11).contains(&gap), "counter gap {gap}");
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
    let backend = FakeBackend::default();
    for _ in 0..5 {
        let sink = Arc::new(Collect::default());
        let mut src = backend
            .open("fake:videoinput:0", &vga(), sink.clone())
            .unwrap();
        assert!(common::wait_for(2000, || !sink.video().is_empty()));
        src.stop();
        sink.closed.store(true, Ordering::SeqCst);
        common::sleep_ms(80);
        assert_eq!(sink.calls_after_close.load(Ordering::SeqCst), 0);
        // Only the backend's registry and our test hold the sink now: the thread is gone.
        assert_eq!(Arc::strong_count(&sink), 1);
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
    assert!(common::wait_for(2000, || !sink.video().is_empty()));
    drop(src);
    sink.closed.store(true, Ordering::SeqCst);
    common::sleep_ms(80);
    assert_eq!(sink.calls_after_close.load(Ordering::SeqCst), 0);
    assert_eq!(Arc::strong_count(&sink), 1);
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
    let backend = FakeBackend::default();
    let sink = Arc::new(SelfStop {
        src: Mutex::new(None),
        frames: AtomicUsize::new(0),
    });
    let src = backend
        .open("fake:videoinput:0", &vga(), sink.clone())
        .unwrap();
    *sink.src.lock().unwrap() = Some(src);
    assert!(common::wait_for(2000, || sink
        .frames
        .load(Ordering::SeqCst)
        >= 2));
    common::sleep_ms(150);
    assert_eq!(
        sink.frames.load(Ordering::SeqCst),
        2,
        "no frame after the stop"
    );
}

#[test]
fn set_muted_mutes_and_unmutes_open_sources() {
    let backend = FakeBackend::default();
    let sink = Arc::new(Collect::default());
    let mut src = backend
        .open("fake:videoinput:0", &vga(), sink.clone())
        .unwrap();
    assert!(common::wait_for(2000, || sink.video().len() >= 2));
    backend.set_muted("fake:videoinput:0", true).unwrap();
    assert!(common::wait_for(2000, || !sink.events().is_empty()));
    let frames_at_mute = sink.video().len();
    common::sleep_ms(200);
    assert_eq!(sink.video().len(), frames_at_mute, "no frames while muted");
    // A source opened while the device is muted starts muted.
    let late = Arc::new(Collect::default());
    let mut late_src = backend
        .open("fake:videoinput:0", &vga(), late.clone())
        .unwrap();
    assert!(common::wait_for(2000, || !late.events().is_empty()));
    assert!(late.video().is_empty());
    backend.set_muted("fake:videoinput:0", false).unwrap();
    assert!(common::wait_for(2000, || sink.video().len() > frames_at_mute));
    assert!(common::wait_for(2000, || !late.video().is_empty()));
    src.stop();
    late_src.stop();
    let events: Vec<_> = sink.events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(events, vec![SourceEvent::Muted, SourceEvent::Unmuted]);
    let events: Vec<_> = late.events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(events, vec![SourceEvent::Muted, SourceEvent::Unmuted]);
    let e = backend.set_muted("nope", true).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
}
