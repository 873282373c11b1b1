//! Fake speakers: pulled in 10 ms blocks at the pace of their clock, recorded for tests,
//! ended when unplugged.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

use mediacapture_hal::clock::{Clock, Wake};
use mediacapture_hal::fake::{DeviceSpec, FakeBackend, FakeProfile};
use mediacapture_hal::output::{OutputConfig, OutputEvent, OutputFeed};
use mediacapture_hal::{Backend, ErrorKind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

const SAFETY: Duration = Duration::from_secs(20);

/// A clock that moves only when the test says so (the hal cannot depend on the test-support
/// crate, which depends on it).
#[derive(Default)]
struct Manual {
    now: Mutex<i64>,
    waiters: Mutex<Vec<Weak<dyn Wake>>>,
}

impl Manual {
    fn advance(&self, us: i64) {
        *self.now.lock().unwrap() += us;
        let w: Vec<_> = self
            .waiters
            .lock()
            .unwrap()
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for w in w {
            w.wake();
        }
    }
}

impl Clock for Manual {
    fn now_us(&self) -> i64 {
        *self.now.lock().unwrap()
    }
    fn wait_hint(&self, _: i64) -> Option<Duration> {
        None
    }
    fn register(&self, waiter: Weak<dyn Wake>) {
        self.waiters.lock().unwrap().push(waiter);
    }
}

/// Plays a ramp (sample n of channel c = n * 1e-4 + c) and records every call.
#[derive(Default)]
struct Ramp {
    next: AtomicU64,
    calls: Mutex<Vec<(usize, i64)>>,
    events: Mutex<Vec<OutputEvent>>,
    cv: Condvar,
    channels: u64,
}

impl OutputFeed for Ramp {
    fn fill(&self, out: &mut [f32], at_us: i64) {
        let ch = self.channels.max(1) as usize;
        for frame in out.chunks_mut(ch) {
            let n = self.next.fetch_add(1, Ordering::SeqCst);
            for (c, s) in frame.iter_mut().enumerate() {
                *s = n as f32 * 1e-4 + c as f32;
            }
        }
        self.calls.lock().unwrap().push((out.len() / ch, at_us));
    }
    fn on_event(&self, event: OutputEvent) {
        self.events.lock().unwrap().push(event);
        self.cv.notify_all();
    }
}

fn speaker_profile() -> FakeProfile {
    FakeProfile::from_json(
        r#"{"devices":[{"kind":"audiooutput","id":"spk","label":"Speaker","isDefault":true},
                       {"kind":"audioinput","id":"mic","label":"Mic"}]}"#,
    )
    .unwrap()
}

#[test]
fn a_speaker_pulls_ten_ms_blocks_as_its_clock_moves_and_records_them() {
    let clock = Arc::new(Manual::default());
    let backend = FakeBackend::with_clock(speaker_profile(), clock.clone());
    let played = backend.played("spk").unwrap();
    let feed = Arc::new(Ramp {
        channels: 2,
        ..Default::default()
    });
    let config = OutputConfig {
        sample_rate: 48_000,
        channels: 2,
        latency: 0.02,
    };
    let mut out = backend.open_output("spk", &config, feed.clone()).unwrap();
    assert_eq!(out.latency_us(), 0);
    // Block 0 is due at once; each 10 ms of clock time pulls one more.
    assert!(played.wait_frames(480, SAFETY));
    for _ in 0..9 {
        clock.advance(10_000);
    }
    assert!(played.wait_frames(4_800, SAFETY));
    out.stop();
    let calls = feed.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 10, "{calls:?}");
    for (k, (frames, at)) in calls.iter().enumerate() {
        assert_eq!(*frames, 480);
        assert_eq!(
            *at,
            k as i64 * 10_000,
            "block {k} is heard when it is pulled"
        );
    }
    let seg = played.last_segment().unwrap();
    assert_eq!(
        (seg.sample_rate, seg.channels, seg.start_us),
        (48_000, 2, 0)
    );
    assert_eq!(seg.frames(), 4_800);
    // The recording is exactly what was pulled, in order, per channel.
    let right = seg.channel(1);
    for (n, s) in right.iter().enumerate() {
        assert!((s - (n as f32 * 1e-4 + 1.0)).abs() < 1e-6, "frame {n}: {s}");
    }
    assert_eq!(seg.time_of(480), 10_000);
    // Nothing more after stop, even when the clock moves.
    clock.advance(100_000);
    assert_eq!(played.frames_played(), 4_800);
    played.clear();
    assert_eq!(played.frames_played(), 0);
}

#[test]
fn unplugging_a_speaker_ends_its_output_with_not_found() {
    let backend = FakeBackend::new(speaker_profile());
    let feed = Arc::new(Ramp {
        channels: 1,
        ..Default::default()
    });
    let config = OutputConfig {
        sample_rate: 16_000,
        channels: 1,
        latency: 0.02,
    };
    let _out = backend.open_output("spk", &config, feed.clone()).unwrap();
    backend.remove_device("spk").unwrap();
    let events = feed.events.lock().unwrap();
    let (events, _) = feed
        .cv
        .wait_timeout_while(events, SAFETY, |e| e.is_empty())
        .unwrap();
    match &events[..] {
        [OutputEvent::Ended(e)] => assert_eq!(e.kind, ErrorKind::NotFoundError),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_opens_are_named_errors() {
    let backend = FakeBackend::new(speaker_profile());
    let feed = Arc::new(Ramp::default());
    let ok = OutputConfig::default();
    let e = backend
        .open_output("nope", &ok, feed.clone())
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    let e = backend.open_output("mic", &ok, feed.clone()).err().unwrap();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    for bad in [
        OutputConfig {
            sample_rate: 0,
            ..ok
        },
        OutputConfig { channels: 0, ..ok },
        OutputConfig {
            latency: f64::NAN,
            ..ok
        },
    ] {
        let e = backend
            .open_output("spk", &bad, feed.clone())
            .err()
            .unwrap();
        assert_eq!(e.kind, ErrorKind::TypeError, "{bad:?}");
    }
    assert!(backend.played("mic").is_none());
    // A busy speaker cannot be opened.
    let busy = DeviceSpec {
        busy: true,
        id: Some("busy".into()),
        ..DeviceSpec::audio_output("Busy")
    };
    backend.add_device(busy).unwrap();
    let e = backend.open_output("busy", &ok, feed).err().unwrap();
    assert_eq!(e.kind, ErrorKind::NotReadableError);
}
