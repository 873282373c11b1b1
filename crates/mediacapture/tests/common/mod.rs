//! Shared helpers for the integration tests: fake devices and a fixed salt.
#![allow(dead_code)]

use mediacapture::{MediaDevices, MediaDevicesBuilder, MediaStream, MediaStreamConstraints};
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use std::sync::Arc;

pub const SALT: [u8; 32] = [7; 32];

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

/// A builder on the default fake profile with a fixed salt.
pub fn builder() -> MediaDevicesBuilder {
    MediaDevices::builder()
        .origin("https://example.com")
        .salt(SALT)
        .backend(FakeBackend::new(FakeProfile::default()))
}

pub fn devices() -> MediaDevices {
    builder().build()
}

/// Devices on the default fake profile paced by a manual clock: frames and audio blocks come
/// only when the test advances the clock.
pub fn manual_devices() -> (MediaDevices, Arc<mediacapture_test_support::ManualClock>) {
    let clock = mediacapture_test_support::ManualClock::new();
    let backend = FakeBackend::with_clock(FakeProfile::default(), clock.as_clock());
    let devices = MediaDevices::builder()
        .origin("https://example.com")
        .salt(SALT)
        .backend(backend)
        .build();
    (devices, clock)
}

/// One frame interval of a 30 Hz fake camera, rounded up to the microsecond.
pub const FRAME_30HZ: std::time::Duration = std::time::Duration::from_micros(33_334);

/// Devices on a fake backend built from a JSON profile; returns the backend for hot-plug.
pub fn devices_with_profile(json: &str) -> (MediaDevices, Arc<FakeBackend>) {
    let backend = Arc::new(FakeBackend::new(FakeProfile::from_json(json).unwrap()));
    let devices = MediaDevices::builder()
        .origin("https://example.com")
        .salt(SALT)
        .backend_arc(backend.clone())
        .build();
    (devices, backend)
}

pub fn gum(devices: &MediaDevices, json: &str) -> mediacapture::Result<MediaStream> {
    block_on(devices.get_user_media(MediaStreamConstraints::from_json(json)?))
}

/// How long a test waits for something that should happen: only reached when the behaviour
/// under test is broken (tests never assert timings).
pub const SAFETY: std::time::Duration = std::time::Duration::from_secs(30);

/// The next message on `rx`; panics naming `what` after [`SAFETY`].
/// Advances the manual clock by one 30 Hz frame interval `n` times, each time waiting until
/// `rx` (timestamps of the frames some track receives) gives the frame that became due. A
/// frame from before (the one at time 0 reaching a callback registered late) is skipped, so the
/// pacing cannot fall one frame behind the camera on a loaded machine.
pub fn step_frames(
    clock: &mediacapture_test_support::ManualClock,
    rx: &std::sync::mpsc::Receiver<i64>,
    n: usize,
) {
    use mediacapture_hal::clock::Clock as _;
    for _ in 0..n {
        clock.advance(FRAME_30HZ);
        // The frame due now is within half an interval of the clock.
        let due = clock.now_us() - 16_667;
        while recv(rx, "a camera frame") < due {}
    }
}

pub fn recv<T>(rx: &std::sync::mpsc::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(SAFETY)
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Number of threads of this process (Linux).
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Resident set size in KiB (Linux).
pub fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4
}

// The hal tests' tone analysis, one copy for both crates.
#[path = "../../../mediacapture-hal/tests/common/tone.rs"]
mod tone;
#[allow(unused_imports, reason = "not every test binary analyses tones")]
pub use tone::{dominant, tone_power};
