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
    let track = mediacapture::custom::open_track(backend, device, MediaTrackConstraints::default())
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
        self.sink
            .lock()
            .unwrap()
            .clone()
            .expect("the source is open")
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

/// Holds the recorder's encoder busy: installed as the encode hook, the first video frame's
/// encode waits in it until [`Gate::release`]; [`Gate::wait_busy`] returns once the worker
/// is inside. Deterministic: no clock, only the test's own steps.
#[derive(Default)]
pub struct Gate {
    state: Mutex<(usize, bool)>,
    cv: std::sync::Condvar,
}

impl Gate {
    pub fn new() -> Arc<Self> {
        Arc::new(Gate::default())
    }

    /// The hook for `MediaRecorder::set_encode_hook`.
    pub fn hook(self: &Arc<Self>) -> Arc<dyn Fn() + Send + Sync> {
        let g = self.clone();
        Arc::new(move || {
            let mut s = g.state.lock().unwrap();
            s.0 += 1;
            g.cv.notify_all();
            // A safety timeout that only matters if the test failed before releasing.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while !s.1 && std::time::Instant::now() < deadline {
                s =
                    g.cv.wait_timeout(s, deadline - std::time::Instant::now())
                        .unwrap()
                        .0;
            }
        })
    }

    /// Waits until the encoder is inside the hook.
    pub fn wait_busy(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut s = self.state.lock().unwrap();
        while s.0 == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the encoder never got a frame"
            );
            s = self
                .cv
                .wait_timeout(s, deadline - std::time::Instant::now())
                .unwrap()
                .0;
        }
    }

    /// Lets the encoder go on (now and for every later frame).
    pub fn release(&self) {
        self.state.lock().unwrap().1 = true;
        self.cv.notify_all();
    }

    /// Frames that entered the hook (frames given to the encoder).
    pub fn entered(&self) -> usize {
        self.state.lock().unwrap().0
    }
}

/// Every event of a recorder, through a channel.
pub fn listen(
    rec: &mediacapture_recorder::MediaRecorder,
) -> std::sync::mpsc::Receiver<mediacapture_recorder::RecorderEvent> {
    let (tx, rx) = std::sync::mpsc::channel();
    rec.add_event_listener(move |e| {
        let _ = tx.send(e.clone());
    });
    rx
}

/// The events up to and including `stop` (30 s safety timeout).
pub fn until_stop(
    rx: &std::sync::mpsc::Receiver<mediacapture_recorder::RecorderEvent>,
) -> Vec<mediacapture_recorder::RecorderEvent> {
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(e) => {
                let stop = e == mediacapture_recorder::RecorderEvent::Stop;
                seen.push(e);
                if stop {
                    return seen;
                }
            }
            Err(_) => panic!(
                "no stop event; events: {:?}",
                seen.iter().map(|e| e.type_()).collect::<Vec<_>>()
            ),
        }
    }
}

/// Counts the video frames the recorder's encoder takes, so that a test can push the next
/// frame only once the previous one is taken (the recorder drops frames when its encoder is
/// behind, by design; a test that wants every frame recorded waits).
#[derive(Default)]
pub struct Paced {
    /// (frames taken by the encoder, frames pushed through `frame`)
    counts: Mutex<(usize, usize)>,
    cv: std::sync::Condvar,
}

impl Paced {
    pub fn new() -> Arc<Self> {
        Arc::new(Paced::default())
    }
    /// The hook for `MediaRecorder::set_encode_hook`.
    pub fn hook(self: &Arc<Self>) -> Arc<dyn Fn() + Send + Sync> {
        let p = self.clone();
        Arc::new(move || {
            p.counts.lock().unwrap().0 += 1;
            p.cv.notify_all();
        })
    }
    /// Pushes `f` to `cam` and waits until the encoder took it.
    pub fn frame(&self, cam: &Pushed, f: VideoFrame) {
        let n = {
            let mut c = self.counts.lock().unwrap();
            c.1 += 1;
            c.1
        };
        cam.frame(f);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut c = self.counts.lock().unwrap();
        while c.0 < n {
            assert!(
                std::time::Instant::now() < deadline,
                "the encoder took {} of {n} frames",
                c.0
            );
            c = self
                .cv
                .wait_timeout(c, deadline - std::time::Instant::now())
                .unwrap()
                .0;
        }
    }
}

/// Waits for `track`'s `ended` event (the source ending runs in a queued task).
pub fn wait_ended(track: &MediaStreamTrack, f: impl FnOnce()) {
    let (tx, rx) = std::sync::mpsc::channel();
    let id = track.on(mediacapture::TrackEvent::Ended, move || {
        let _ = tx.send(());
    });
    f();
    rx.recv_timeout(std::time::Duration::from_secs(30))
        .expect("no `ended` event");
    track.remove_event_listener(id);
}
