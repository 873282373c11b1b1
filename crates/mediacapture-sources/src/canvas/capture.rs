//! `HTMLCanvasElement.captureStream()` and `CanvasCaptureMediaStreamTrack`: a canvas as a
//! capture backend whose frames are the canvas's paints.
//!
//! Spec: <https://w3c.github.io/mediacapture-fromelement/#html-canvas-element-media-capture-extensions>

use super::{Canvas, CanvasState, NEXT_ID, snapshot};
use mediacapture::{MediaStream, MediaStreamTrack, MediaTrackConstraints};
use mediacapture_frame::VideoFrame;
use mediacapture_hal::clock::Clock;
use mediacapture_hal::{Backend, Source, SourceEvent, SourceSink};
use mediacapture_types::native::{
    DeviceDescriptor, NativeCapabilities, NativeConfig, VideoCapabilities, VideoMode,
};
use mediacapture_types::{Error, ErrorKind, MediaDeviceKind, Result};
use parking_lot::{Mutex, ReentrantMutex};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

/// The frame rate a canvas track reports (and its adapter caps delivery at) when
/// `captureStream()` is called without a rate or with 0: Chromium's `kDefaultFrameRate`
/// in `html_canvas_element_capture.cc`.
pub const DEFAULT_FRAME_RATE: f64 = 60.0;

/// One `captureStream()` call: the state of its track's `[[frameCaptureRequested]]`.
pub(crate) struct Capture {
    /// `None`: no rate given (capture on every change). `Some(0.0)`: manual.
    rate: Option<f64>,
    /// The canvas clock's time when the periodic timer started.
    timer_start_us: i64,
    request: Mutex<Request>,
    sinks: Mutex<Vec<(u64, Arc<dyn SourceSink>)>>,
    /// Held while frames are delivered and while a source stops, so that no sink call
    /// happens after `Source::stop` returns. Reentrant: a frame callback may draw again.
    delivering: ReentrantMutex<()>,
}

struct Request {
    /// `[[frameCaptureRequested]]` as set by creation and `requestFrame()`.
    requested: bool,
    /// The last timer activation already accounted for (activation k fires at
    /// `timer_start + k / rate`).
    last_tick: u64,
}

impl Capture {
    /// The number of timer activations up to `now` (µs on the canvas clock). The periodic
    /// timer is not a thread: its activations are counted from the clock when the canvas
    /// paints, which is the only time they matter (an activation only sets the flag that the
    /// next paint reads).
    fn tick(&self, now: i64) -> u64 {
        match self.rate {
            Some(r) if r > 0.0 => {
                let elapsed = now.saturating_sub(self.timer_start_us).max(0) as f64 / 1e6;
                (elapsed * r).floor() as u64
            }
            _ => 0,
        }
    }

    /// The paint steps for this track: whether to add a frame, and the flag update.
    fn on_paint(&self, now: i64) -> bool {
        let tick = self.tick(now);
        let mut r = self.request.lock();
        // A timer activation since the flag was last cleared sets it.
        let requested = r.requested || tick > r.last_tick;
        if self.rate.is_some() {
            // "If a frameRequestRate value was specified, set [[frameCaptureRequested]] to
            // false."
            r.requested = false;
            r.last_tick = tick;
        }
        requested
    }

    fn sinks(&self) -> Vec<Arc<dyn SourceSink>> {
        self.sinks.lock().iter().map(|(_, s)| s.clone()).collect()
    }
}

/// Frames to hand to captures once the canvas lock is released.
pub(crate) type Deliveries = Vec<(VideoFrame, Arc<Capture>)>;

/// The native frame rate of a capture: the requested rate, or [`DEFAULT_FRAME_RATE`] when
/// none (or manual mode) was asked for.
fn capture_frame_rate(rate: Option<f64>) -> f64 {
    match rate {
        Some(r) if r > 0.0 => r,
        _ => DEFAULT_FRAME_RATE,
    }
}

/// The sinks of every live capture (dropping the dead ones).
pub(crate) fn live_sinks(s: &mut CanvasState) -> Vec<Arc<dyn SourceSink>> {
    s.captures.retain(|c| c.strong_count() > 0);
    s.captures
        .iter()
        .filter_map(Weak::upgrade)
        .flat_map(|c| c.sinks())
        .collect()
}

/// The spec's paint steps, after new content was drawn at `now` (µs on the canvas clock).
/// Returns the frames to deliver (done after the canvas lock is released, so a frame
/// callback may draw again).
pub(crate) fn paint(s: &mut CanvasState, now: i64) -> Deliveries {
    s.captures.retain(|c| c.strong_count() > 0);
    if !s.origin_clean {
        // "producing no new content while the canvas remains in this state"
        return Vec::new();
    }
    let mut frame = None;
    let mut out = Vec::new();
    for c in s.captures.iter().filter_map(Weak::upgrade) {
        if !c.on_paint(now) {
            continue;
        }
        if c.sinks.lock().is_empty() {
            continue;
        }
        let f = frame
            .get_or_insert_with(|| snapshot(&s.pixmap, now))
            .clone();
        out.push((f, c));
    }
    out
}

/// Hands painted frames to their captures' sinks.
pub(crate) fn deliver(deliveries: Deliveries) {
    for (frame, capture) in deliveries {
        let _guard = capture.delivering.lock();
        for sink in capture.sinks() {
            sink.on_video(frame.clone());
        }
    }
}

/// Tells the capturing tracks of a canvas resized to `width` x `height` their new native mode.
pub(crate) fn announce_resize(captures: Vec<Arc<Capture>>, width: u32, height: u32) {
    for capture in captures {
        let mode = VideoMode {
            width,
            height,
            frame_rate: capture_frame_rate(capture.rate),
        };
        for sink in capture.sinks() {
            sink.on_event(SourceEvent::Reconfigured(NativeConfig::Video(mode)));
        }
    }
}

impl Canvas {
    /// `captureStream(frameRequestRate)`: a stream with one video
    /// [`CanvasCaptureMediaStreamTrack`] of the canvas's size.
    ///
    /// * `None`: a frame each time the canvas is painted with new content.
    /// * `Some(r)`, `r > 0`: at most one frame per `1/r` s of the canvas's clock (a periodic
    ///   timer sets the track's `[[frameCaptureRequested]]`).
    /// * `Some(0.0)`: manual mode: the first paint, then only after
    ///   [`CanvasCaptureMediaStreamTrack::request_frame`].
    ///
    /// In every mode nothing is sent until the canvas is drawn to after this call.
    ///
    /// The track's frame rate caps delivery: frames painted closer together than
    /// `1/frameRate` s may be dropped by the track's adapter (the first is kept). A browser
    /// paints at most once per rendering update (~60 Hz), so there too several draws (and
    /// requests) within one update give one frame; the cap reproduces that limit, since
    /// here every drawing call is a paint.
    /// Settings: the canvas's width and height; frameRate `r`, or [`DEFAULT_FRAME_RATE`]
    /// (Chromium's) for `None` and 0. Frames are straight-alpha RGBA at the source,
    /// timestamped with the canvas's clock ([`Canvas::with_clock`]); the track's frames are
    /// I420 (the `mediacapture` adapter's output), so alpha does not reach track consumers
    /// yet.
    ///
    /// Errors: `NotSupportedError` for a negative rate, `TypeError` for a non-finite one
    /// (WebIDL `double`), `SecurityError` when the canvas is not origin-clean.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-fromelement/#dom-htmlcanvaselement-capturestream>
    pub fn capture_stream(&self, frame_request_rate: Option<f64>) -> Result<CanvasCaptureStream> {
        if let Some(r) = frame_request_rate {
            if !r.is_finite() {
                return Err(Error::type_error("frameRequestRate is not a finite number"));
            }
            if r < 0.0 {
                return Err(Error::not_supported("frameRequestRate is negative"));
            }
        }
        let (width, height) = {
            let s = self.inner.state.lock();
            if !s.origin_clean {
                return Err(Error::new(
                    ErrorKind::SecurityError,
                    "the canvas is not origin-clean",
                ));
            }
            (s.pixmap.width(), s.pixmap.height())
        };
        let capture = Arc::new(Capture {
            rate: frame_request_rate,
            timer_start_us: self.inner.clock.now_us(),
            request: Mutex::new(Request {
                // "The value of [[frameCaptureRequested]] on all new tracks is set to true."
                requested: true,
                last_tick: 0,
            }),
            sinks: Mutex::new(Vec::new()),
            delivering: ReentrantMutex::new(()),
        });
        let frame_rate = capture_frame_rate(frame_request_rate);
        let device = DeviceDescriptor {
            raw_id: String::new(),
            raw_group_id: String::new(),
            kind: MediaDeviceKind::VideoInput,
            label: format!("canvas {}", self.inner.id),
            is_default: false,
            capabilities: NativeCapabilities::Video(VideoCapabilities {
                modes: vec![VideoMode {
                    width,
                    height,
                    frame_rate,
                }],
                facing_mode: None,
            }),
        };
        let backend = Arc::new(CanvasBackend {
            canvas: self.clone(),
            capture: capture.clone(),
            device: device.clone(),
        });
        let track =
            mediacapture::custom::open_track(backend, device, MediaTrackConstraints::default())?;
        self.inner
            .state
            .lock()
            .captures
            .push(Arc::downgrade(&capture));
        let stream = MediaStream::from_tracks([&track]);
        Ok(CanvasCaptureStream {
            stream,
            track: CanvasCaptureMediaStreamTrack {
                track,
                canvas: self.clone(),
                capture,
            },
        })
    }

    /// The clock this canvas times its captures and frames with.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }
}

/// The stream `captureStream()` returns: a [`MediaStream`] (through `Deref`) whose one
/// track is also available as a [`CanvasCaptureMediaStreamTrack`].
#[derive(Debug, Clone)]
pub struct CanvasCaptureStream {
    stream: MediaStream,
    track: CanvasCaptureMediaStreamTrack,
}

impl CanvasCaptureStream {
    /// The stream.
    pub fn stream(&self) -> &MediaStream {
        &self.stream
    }

    /// The stream's canvas track (the same track as `stream().get_video_tracks()[0]`).
    pub fn canvas_track(&self) -> &CanvasCaptureMediaStreamTrack {
        &self.track
    }

    /// The stream alone.
    pub fn into_stream(self) -> MediaStream {
        self.stream
    }
}

impl std::ops::Deref for CanvasCaptureStream {
    type Target = MediaStream;
    fn deref(&self) -> &MediaStream {
        &self.stream
    }
}

/// `CanvasCaptureMediaStreamTrack`: a video [`MediaStreamTrack`] (through `Deref`) with
/// [`canvas`](Self::canvas) and [`request_frame`](Self::request_frame).
///
/// Spec: <https://w3c.github.io/mediacapture-fromelement/#the-canvascapturemediastreamtrack>
#[derive(Clone)]
pub struct CanvasCaptureMediaStreamTrack {
    track: MediaStreamTrack,
    canvas: Canvas,
    capture: Arc<Capture>,
}

impl std::fmt::Debug for CanvasCaptureMediaStreamTrack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CanvasCaptureMediaStreamTrack")
            .field("track", &self.track)
            .field("canvas", &self.canvas)
            .finish()
    }
}

impl CanvasCaptureMediaStreamTrack {
    /// The canvas this track captures.
    pub fn canvas(&self) -> &Canvas {
        &self.canvas
    }

    /// The track as a plain `MediaStreamTrack`.
    pub fn track(&self) -> &MediaStreamTrack {
        &self.track
    }

    /// `requestFrame()`: the next paint with new content adds a frame to this track. No
    /// error feedback, not even for a tainted canvas (as the spec says).
    ///
    /// Spec: <https://w3c.github.io/mediacapture-fromelement/#dom-canvascapturemediastreamtrack-requestframe>
    pub fn request_frame(&self) {
        self.capture.request.lock().requested = true;
    }
}

impl std::ops::Deref for CanvasCaptureMediaStreamTrack {
    type Target = MediaStreamTrack;
    fn deref(&self) -> &MediaStreamTrack {
        &self.track
    }
}

/// A canvas capture as a capture backend with one device: the canvas at its size.
struct CanvasBackend {
    canvas: Canvas,
    capture: Arc<Capture>,
    device: DeviceDescriptor,
}

impl Backend for CanvasBackend {
    fn name(&self) -> &'static str {
        "canvas"
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
        self.device.capabilities.require(config, "the canvas")?;
        if !self.canvas.origin_clean() {
            sink.on_event(SourceEvent::Muted);
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self.capture.sinks.lock().push((id, sink));
        Ok(Box::new(CanvasSource {
            capture: self.capture.clone(),
            config: config.clone(),
            id,
        }))
    }
}

struct CanvasSource {
    capture: Arc<Capture>,
    config: NativeConfig,
    id: u64,
}

impl Source for CanvasSource {
    fn config(&self) -> &NativeConfig {
        &self.config
    }

    fn stop(&mut self) {
        let _guard = self.capture.delivering.lock();
        self.capture.sinks.lock().retain(|(id, _)| *id != self.id);
    }
}

impl Drop for CanvasSource {
    fn drop(&mut self) {
        self.stop();
    }
}
