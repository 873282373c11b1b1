//! Shared helpers for the backend tests.
#![allow(dead_code, clippy::unwrap_used, reason = "test helpers")]

use mediacapture_frame::{AudioData, VideoFrame};
use mediacapture_hal::{NativeConfig, SourceEvent, SourceSink, clock};
use mediacapture_test_support::ManualClock;
use mediacapture_types::EchoCancellation;
use mediacapture_types::native::AudioConfig;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

thread_local! {
    static TEST_CLOCK: std::sync::Arc<ManualClock> = ManualClock::starting_at(1_000_000);
}

/// This test's manual clock (one per test thread, so tests running at once never share one).
pub fn test_clock() -> std::sync::Arc<ManualClock> {
    TEST_CLOCK.with(|c| c.clone())
}

/// How long a test waits for something it expects before failing: a safety bound that only
/// fires on failure, generous for a loaded machine. Never a pace.
pub const SAFETY: Duration = Duration::from_secs(30);

/// Everything a sink received, in order, with the clock time of each call.
#[derive(Debug, Clone)]
pub enum Item {
    Video(VideoFrame),
    Audio(AudioData),
    Event(SourceEvent),
}

#[derive(Default)]
pub struct Collect {
    /// Each call with the system clock's time when it came (for the real-server tests).
    pub items: Mutex<Vec<(i64, Item)>>,
    /// Notified on every call.
    changed: Condvar,
    /// Set by the test: any call after this is a bug.
    pub closed: AtomicBool,
    pub calls_after_close: AtomicUsize,
}

impl Collect {
    fn push(&self, item: Item) {
        if self.closed.load(Ordering::SeqCst) {
            self.calls_after_close.fetch_add(1, Ordering::SeqCst);
        }
        self.items.lock().unwrap().push((clock::now_us(), item));
        self.changed.notify_all();
    }

    /// Waits until `cond` holds for what was received, failing the test (naming `what`) if
    /// it does not within [`SAFETY`].
    pub fn wait(&self, what: &str, cond: impl FnMut(&[(i64, Item)]) -> bool) {
        assert!(
            self.satisfies(cond),
            "timed out waiting for {what}; got {} items",
            self.items.lock().unwrap().len()
        );
    }

    /// Waits until `cond` holds for what was received, or [`SAFETY`] is over; returns whether
    /// it held (for a caller that must clean up before it asserts).
    pub fn satisfies(&self, mut cond: impl FnMut(&[(i64, Item)]) -> bool) -> bool {
        let end = Instant::now() + SAFETY;
        let mut items = self.items.lock().unwrap();
        while !cond(&items) {
            let now = Instant::now();
            if now >= end {
                return false;
            }
            items = self.changed.wait_timeout(items, end - now).unwrap().0;
        }
        true
    }

    /// Waits until `cond` holds for the video frames received, or [`SAFETY`] is over;
    /// returns whether it held (the caller asserts with its own message).
    pub fn frames_satisfy(&self, mut cond: impl FnMut(&[VideoFrame]) -> bool) -> bool {
        let end = Instant::now() + SAFETY;
        let mut items = self.items.lock().unwrap();
        loop {
            let frames: Vec<VideoFrame> = items
                .iter()
                .filter_map(|(_, i)| match i {
                    Item::Video(v) => Some(v.clone()),
                    _ => None,
                })
                .collect();
            if cond(&frames) {
                return true;
            }
            let now = Instant::now();
            if now >= end {
                return false;
            }
            items = self.changed.wait_timeout(items, end - now).unwrap().0;
        }
    }

    /// Moves `clock` on by `step` until `n` items counted by `count` have come, waiting after
    /// each step for the one it makes due (see [`Collect::wait`]). Item 0 is due at once.
    pub fn drive(
        &self,
        clock: &ManualClock,
        step: Duration,
        n: usize,
        count: fn(&[(i64, Item)]) -> usize,
    ) {
        self.wait("the first item", |i| count(i) >= 1.min(n));
        let mut have = count(&self.items.lock().unwrap());
        while have < n {
            clock.advance(step);
            self.wait(&format!("item {}", have + 1), |i| count(i) > have);
            have = count(&self.items.lock().unwrap());
        }
    }

    /// [`Collect::drive`] for `n` video frames at `fps`.
    pub fn drive_video(&self, clock: &ManualClock, fps: f64, n: usize) {
        let step = Duration::from_micros((1e6 / fps).ceil() as u64);
        self.drive(clock, step, n, videos);
    }

    /// [`Collect::drive`] for `n` 10 ms audio blocks.
    pub fn drive_audio(&self, clock: &ManualClock, n: usize) {
        self.drive(clock, Duration::from_millis(10), n, audios);
    }

    /// Waits until `n` video frames have come (see [`Collect::wait`]).
    pub fn wait_video(&self, n: usize) {
        self.wait(&format!("{n} video frames"), |i| videos(i) >= n);
    }

    /// Waits until `n` audio blocks have come (see [`Collect::wait`]).
    pub fn wait_audio(&self, n: usize) {
        self.wait(&format!("{n} audio blocks"), |i| audios(i) >= n);
    }

    /// Waits until `n` events have come (see [`Collect::wait`]).
    pub fn wait_events(&self, n: usize) {
        self.wait(&format!("{n} events"), |i| events(i) >= n);
    }
    pub fn video(&self) -> Vec<VideoFrame> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(_, i)| match i {
                Item::Video(v) => Some(v.clone()),
                _ => None,
            })
            .collect()
    }
    pub fn audio(&self) -> Vec<AudioData> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(_, i)| match i {
                Item::Audio(a) => Some(a.clone()),
                _ => None,
            })
            .collect()
    }
    pub fn events(&self) -> Vec<(i64, SourceEvent)> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(t, i)| match i {
                Item::Event(e) => Some((*t, e.clone())),
                _ => None,
            })
            .collect()
    }
    pub fn all(&self) -> Vec<(i64, Item)> {
        self.items.lock().unwrap().clone()
    }
}

impl SourceSink for Collect {
    fn on_video(&self, frame: VideoFrame) {
        self.push(Item::Video(frame));
    }
    fn on_audio(&self, data: AudioData) {
        self.push(Item::Audio(data));
    }
    fn on_event(&self, event: SourceEvent) {
        self.push(Item::Event(event));
    }
}

// Tone analysis, shared with the mediacapture crate's tests.
mod tone;
#[allow(unused_imports, reason = "not every test binary analyses tones")]
pub use tone::{dominant, tone_power};

pub fn rms(samples: &[f32]) -> f64 {
    (samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len().max(1) as f64)
        .sqrt()
}

/// How many video frames are in `items`.
pub fn videos(items: &[(i64, Item)]) -> usize {
    items
        .iter()
        .filter(|(_, i)| matches!(i, Item::Video(_)))
        .count()
}

/// How many audio blocks are in `items`.
pub fn audios(items: &[(i64, Item)]) -> usize {
    items
        .iter()
        .filter(|(_, i)| matches!(i, Item::Audio(_)))
        .count()
}

/// How many events are in `items`.
pub fn events(items: &[(i64, Item)]) -> usize {
    items
        .iter()
        .filter(|(_, i)| matches!(i, Item::Event(_)))
        .count()
}

/// Polls `cond` until it holds, for state that no sink reports (a server's device list, a
/// file on disk); fails the test naming `what` after [`SAFETY`]. Looks every 5 ms: the
/// pause is a polling interval, not a wait for something to happen.
pub fn poll_until(what: &str, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + SAFETY;
    while !cond() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Polls `cond` until it holds or [`SAFETY`] is over; returns whether it held. For state of a
/// real server that the test then asserts on with its own message. Looks every 5 ms: the
/// pause is a polling interval, not a wait for something to happen.
pub fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + SAFETY;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    cond()
}

/// Calls of a device-change watcher, as a channel: `(callback, receiver)`.
pub fn watch_channel() -> (
    mediacapture_hal::DeviceChangeCallback,
    std::sync::mpsc::Receiver<()>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = Mutex::new(tx);
    (
        std::sync::Arc::new(move || {
            tx.lock().unwrap().send(()).ok();
        }),
        rx,
    )
}

/// A 16-bit audio configuration without processing, at `sample_rate` Hz x `channel_count`.
pub fn aconfig(sample_rate: u32, channel_count: u32) -> NativeConfig {
    NativeConfig::Audio(AudioConfig {
        sample_rate,
        channel_count,
        sample_size: 16,
        latency: 0.01,
        echo_cancellation: EchoCancellation::Bool(false),
        auto_gain_control: false,
        noise_suppression: false,
    })
}
