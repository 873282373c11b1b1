//! A capture source the test drives: every frame, audio block and the end are pushed by the
//! test itself, synchronously, through the same path as a camera's (source hub, adapters,
//! track sinks). Deterministic media for `MediaRecorder`, no clock involved.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // Test helpers: a panic is a failure with a message; not every test file uses every helper.

use mediacapture::{AudioData, MediaStreamTrack, VideoFrame};
use mediacapture_hal::{Backend, Source, SourceEvent, SourceSink};
use mediacapture_types::native::{
    AudioCapabilities, DeviceDescriptor, NativeCapabilities, NativeConfig, VideoCapabilities,
    VideoMode,
};
use mediacapture_types::{EchoCancellation, Error, MediaDeviceKind, MediaTrackConstraints, Result};
use std::sync::{Arc, Mutex};

/// One pushed source and its track.
pub struct Pushed {
    sink: Arc<Mutex<Option<Arc<dyn SourceSink>>>>,
    pub track: MediaStreamTrack,
}

struct PushBackend {
    device: DeviceDescriptor,
    sink: Arc<Mutex<Option<Arc<dyn SourceSink>>>>,
}

struct PushSource {
    config: NativeConfig,
    sink: Arc<Mutex<Option<Arc<dyn SourceSink>>>>,
}

impl Source for PushSource {
    fn config(&self) -> &NativeConfig {
        &self.config
    }
    fn stop(&mut self) {
        self.sink.lock().unwrap().take();
    }
}

impl Backend for PushBackend {
    fn name(&self) -> &'static str {
        "push"
    }
    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        Ok(vec![self.device.clone()])
    }
    fn open(
        &self,
        _raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        *self.sink.lock().unwrap() = Some(sink);
        Ok(Box::new(PushSource {
            config: config.clone(),
            sink: self.sink.clone(),
        }))
    }
}

fn open(capabilities: NativeCapabilities, kind: MediaDeviceKind) -> Pushed {
    let device = DeviceDescriptor {
        raw_id: String::new(),
        raw_group_id: String::new(),
        kind,
        label: "pushed by the test".into(),
        is_default: false,
        capabilities,
    };
    let sink = Arc::new(Mutex::new(None));
    let backend = Arc::new(PushBackend {
        device: device.clone(),
        sink: sink.clone(),
    });
    let track =
        mediacapture::custom::open_track(backend, device, MediaTrackConstraints::default())
            .unwrap();
    Pushed { sink, track }
}

/// A video source of `w` x `h` at `fps` (frames are delivered as pushed: the track's frame
/// rate is the mode's, so frames no faster than `fps` all pass its adapter).
pub fn video(w: u32, h: u32, fps: f64) -> Pushed {
    open(
        NativeCapabilities::Video(VideoCapabilities {
            modes: vec![VideoMode {
                width: w,
                height: h,
                frame_rate: fps,
            }],
            facing_mode: None,
        }),
        MediaDeviceKind::VideoInput,
    )
}

/// A 48 kHz stereo audio source without processing.
pub fn audio() -> Pushed {
    open(
        NativeCapabilities::Audio(AudioCapabilities {
            sample_rates: vec![48_000],
            channel_counts: vec![2],
            sample_sizes: vec![16],
            latency: (0.01, 0.01),
            echo_cancellation: vec![EchoCancellation::Bool(false)],
            auto_gain_control: vec![false],
            noise_suppression: vec![false],
        }),
        MediaDeviceKind::AudioInput,
    )
}

impl Pushed {
    fn sink(&self) -> Arc<dyn SourceSink> {
        self.sink.lock().unwrap().clone().expect("the source is open")
    }
    /// Delivers a frame to the track's sinks, on this thread; returns when they have it.
    pub fn frame(&self, f: VideoFrame) {
        self.sink().on_video(f);
    }
    /// Delivers audio.
    pub fn audio(&self, a: AudioData) {
        self.sink().on_audio(a);
    }
    /// The source ends (unplugged, the sound server died): its track fires `ended`.
    pub fn end(&self) {
        self.sink()
            .on_event(SourceEvent::Ended(Some(Error::not_found("gone"))));
    }
}
