//! Bytes as a fake device profile (JSON) → `FakeProfile::from_json` → a fake backend on a
//! manual clock → every device listed and opened in its first native configuration, its
//! first frame or block awaited (bounded), then stopped.
//! Nothing may panic, hang or allocate without bound: a bad profile is a `TypeError` naming
//! the member, a device that cannot be opened an error.
//! (Media `file` members are dropped: the fuzzer must not read the machine's files.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacapture_frame::{AudioData, VideoFrame};
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use mediacapture_hal::{Backend, NativeCapabilities, NativeConfig, SourceEvent, SourceSink};
use mediacapture_test_support::ManualClock;
use mediacapture_types::native::{AudioConfig, DisplayConfig};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct First(Mutex<Sender<()>>);

impl First {
    fn signal(&self) {
        if let Ok(tx) = self.0.lock() {
            let _ = tx.send(());
        }
    }
}

impl SourceSink for First {
    fn on_video(&self, _: VideoFrame) {
        self.signal();
    }
    fn on_audio(&self, _: AudioData) {
        self.signal();
    }
    fn on_event(&self, _: SourceEvent) {
        self.signal();
    }
}

/// The first configuration a device's capabilities offer.
fn first_config(caps: &NativeCapabilities) -> Option<NativeConfig> {
    Some(match caps {
        NativeCapabilities::Video(v) => NativeConfig::Video(*v.modes.first()?),
        NativeCapabilities::Audio(a) => NativeConfig::Audio(AudioConfig {
            sample_rate: *a.sample_rates.first()?,
            channel_count: *a.channel_counts.first()?,
            sample_size: *a.sample_sizes.first()?,
            latency: a.latency.0,
            echo_cancellation: *a.echo_cancellation.first()?,
            auto_gain_control: *a.auto_gain_control.first()?,
            noise_suppression: *a.noise_suppression.first()?,
        }),
        NativeCapabilities::Display(d) => NativeConfig::Display(DisplayConfig {
            frame_rate: d.max_frame_rate,
            cursor: *d.cursor.first()?,
        }),
        NativeCapabilities::Output => return None,
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut profile) = FakeProfile::from_json(text) else {
        return;
    };
    for d in &mut profile.devices {
        d.file = None;
    }
    let clock = ManualClock::new();
    let backend = FakeBackend::with_clock(profile, clock.as_clock());
    let mut devices = backend.devices().unwrap_or_default();
    devices.extend(backend.system_audio().ok().flatten());
    for d in devices {
        let Some(config) = first_config(&d.capabilities) else {
            continue;
        };
        let (tx, rx) = channel();
        let sink = Arc::new(First(Mutex::new(tx)));
        if let Ok(mut source) = backend.open(&d.raw_id, &config, sink) {
            // Frame or block 0 is due at once (a scripted mute may hold it back).
            let _ = rx.recv_timeout(Duration::from_secs(5));
            clock.advance(Duration::from_millis(10));
            source.stop();
        }
    }
});
