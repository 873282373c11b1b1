//! Shared helpers for the backend tests.
#![allow(dead_code, clippy::unwrap_used, reason = "test helpers")]

use mediacapture_frame::{AudioData, VideoFrame};
use mediacapture_hal::{NativeConfig, SourceEvent, SourceSink, clock};
use mediacapture_types::EchoCancellation;
use mediacapture_types::native::AudioConfig;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Everything a sink received, in order, with the clock time of each call.
#[derive(Debug, Clone)]
pub enum Item {
    Video(VideoFrame),
    Audio(AudioData),
    Event(SourceEvent),
}

#[derive(Default)]
pub struct Collect {
    pub items: Mutex<Vec<(i64, Item)>>,
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

pub fn sleep_ms(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

/// Waits up to `ms` for `cond`.
pub fn wait_for(ms: u64, mut cond: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_millis(ms);
    while std::time::Instant::now() < end {
        if cond() {
            return true;
        }
        sleep_ms(5);
    }
    cond()
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
