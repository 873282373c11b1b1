//! A 2D drawing surface that streams: `HTMLCanvasElement.captureStream()` and
//! `CanvasCaptureMediaStreamTrack`, natively.
//!
//! Spec: <https://w3c.github.io/mediacapture-fromelement/#html-canvas-element-media-capture-extensions>

use mediacapture::{MediaStream, MediaStreamTrack, MediaTrackConstraints};
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_hal::clock::now_us;
use mediacapture_hal::{Backend, Source, SourceEvent, SourceSink};
use mediacapture_types::native::{
    DeviceDescriptor, NativeCapabilities, NativeConfig, VideoCapabilities, VideoMode,
};
use mediacapture_types::{Error, ErrorKind, MediaDeviceKind, Result};
use parking_lot::{Mutex, ReentrantMutex};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use tiny_skia::{Pixmap, PixmapPaint, Transform};

pub use tiny_skia;

/// The frame rate a canvas track reports (and its adapter caps delivery at) when
/// `captureStream()` is called without a rate or with 0: Chromium's `kDefaultFrameRate`
/// in `html_canvas_element_capture.cc`.
pub const DEFAULT_FRAME_RATE: f64 = 60.0;

/// Largest accepted canvas width or height.
pub const MAX_SIDE: u32 = 16384;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One `captureStream()` call: the state of its track's `[[frameCaptureRequested]]`.
struct Capture {
    /// `None`: no rate given (capture on every change). `Some(0.0)`: manual.
    rate: Option<f64>,
    /// Capture-clock time the periodic timer started.
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
    fn tick(&self, now: i64) -> u64 {
        match self.rate {
            Some(r) if r > 0.0 => {
                let elapsed = (now - self.timer_start_us).max(0) as f64 / 1e6;
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
}

struct CanvasState {
    pixmap: Pixmap,
    origin_clean: bool,
    captures: Vec<Weak<Capture>>,
}

struct CanvasInner {
    id: u64,
    state: Mutex<CanvasState>,
}

/// A 2D drawing surface (RGBA, premultiplied internally; drawing through [`tiny_skia`]) that
/// can be captured as a video stream.
///
/// A canvas is *painted* at the end of each [`Canvas::draw`] call (or any other drawing
/// method): that is when captured tracks get a frame, following the spec's paint steps.
/// `Clone` gives another handle to the same canvas.
///
/// ```
/// use mediacapture_sources::canvas::{Canvas, tiny_skia};
/// let canvas = Canvas::new(320, 240)?;
/// let stream = canvas.capture_stream(Some(0.0))?; // manual: frames on request only
/// let track = stream.canvas_track();
/// let frames = track.video_frames();
/// canvas.draw(|p| p.fill(tiny_skia::Color::from_rgba8(255, 0, 0, 255))); // first frame
/// assert!(frames.recv_timeout(std::time::Duration::from_secs(1)).is_some());
/// let pause = || std::thread::sleep(std::time::Duration::from_millis(20)); // see below
/// pause();
/// canvas.draw(|p| p.fill(tiny_skia::Color::WHITE)); // no request: no frame
/// track.request_frame();
/// pause();
/// canvas.draw(|p| p.fill(tiny_skia::Color::BLACK)); // requested: a frame
/// assert!(frames.recv_timeout(std::time::Duration::from_secs(1)).is_some());
/// let png = canvas.to_png()?; // the still-photo path: video -> canvas -> PNG
/// assert_eq!(&png[1..4], b"PNG");
/// # Ok::<(), mediacapture::Error>(())
/// ```
#[derive(Clone)]
pub struct Canvas {
    inner: Arc<CanvasInner>,
}

impl std::fmt::Debug for Canvas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Canvas")
            .field("width", &self.width())
            .field("height", &self.height())
            .finish()
    }
}

impl PartialEq for Canvas {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}
impl Eq for Canvas {}

fn new_pixmap(width: u32, height: u32) -> Result<Pixmap> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(Error::type_error(format!(
            "canvas size {width}x{height} is not supported (1..={MAX_SIDE} per side)"
        )));
    }
    Pixmap::new(width, height)
        .ok_or_else(|| Error::type_error(format!("cannot allocate a {width}x{height} canvas")))
}

impl Canvas {
    /// A transparent black canvas of `width` x `height`.
    ///
    /// Errors: `TypeError` for a zero size or a side over [`MAX_SIDE`]. (An HTML canvas
    /// accepts 0 but cannot be captured then; this one refuses it up front.)
    pub fn new(width: u32, height: u32) -> Result<Canvas> {
        Ok(Canvas {
            inner: Arc::new(CanvasInner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                state: Mutex::new(CanvasState {
                    pixmap: new_pixmap(width, height)?,
                    origin_clean: true,
                    captures: Vec::new(),
                }),
            }),
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.inner.state.lock().pixmap.width()
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.inner.state.lock().pixmap.height()
    }

    /// Draws with `f` on the canvas's pixmap, then paints: each capturing track whose
    /// `[[frameCaptureRequested]]` is set gets a frame of the result.
    ///
    /// `f` runs with the canvas locked: it must not call back into this canvas.
    pub fn draw<R>(&self, f: impl FnOnce(&mut Pixmap) -> R) -> R {
        let (out, deliveries) = {
            let mut s = self.inner.state.lock();
            let out = f(&mut s.pixmap);
            (out, paint(&mut s))
        };
        deliver(deliveries);
        out
    }

    /// Draws a video frame scaled into the rectangle `(dx, dy, dw, dh)` (the 2D context's
    /// `drawImage(video, dx, dy, dw, dh)`), then paints. Any pixel format the frame crate
    /// converts (I420, NV12, YUYV, RGBA, BGRA, MJPEG) is accepted; straight alpha in RGBA
    /// and BGRA frames is respected.
    ///
    /// Errors: `TypeError` for a frame that cannot be converted (corrupt MJPEG) or a
    /// destination with a non-positive or non-finite size.
    pub fn draw_video_frame(
        &self,
        frame: &VideoFrame,
        dx: f32,
        dy: f32,
        dw: f32,
        dh: f32,
    ) -> Result<()> {
        if !(dw.is_finite() && dh.is_finite() && dx.is_finite() && dy.is_finite())
            || dw <= 0.0
            || dh <= 0.0
        {
            return Err(Error::type_error(format!(
                "destination rectangle ({dx}, {dy}, {dw}, {dh}) is not valid"
            )));
        }
        let image = frame_to_pixmap(frame)?;
        let sx = dw / image.width() as f32;
        let sy = dh / image.height() as f32;
        self.draw(|p| {
            p.draw_pixmap(
                0,
                0,
                image.as_ref(),
                &PixmapPaint {
                    quality: tiny_skia::FilterQuality::Bilinear,
                    ..PixmapPaint::default()
                },
                Transform::from_row(sx, 0.0, 0.0, sy, dx, dy),
                None,
            );
        });
        Ok(())
    }

    /// Changes the canvas size. As with an HTML canvas, the bitmap is reset to transparent
    /// black, even when the size is unchanged; this counts as new content and paints.
    ///
    /// Capturing tracks follow the new size (WPT's tentative behaviour, as Chromium does):
    /// the source reports its new native mode (`SourceEvent::Reconfigured`) before the first
    /// frame at the new size, and each track's settings are chosen again from its
    /// constraints, so `getSettings()` gives the new width and height.
    ///
    /// Errors: as [`Canvas::new`]; the canvas is then unchanged.
    pub fn set_size(&self, width: u32, height: u32) -> Result<()> {
        let pixmap = new_pixmap(width, height)?;
        let (resized, deliveries) = {
            let mut s = self.inner.state.lock();
            let resized = (s.pixmap.width(), s.pixmap.height()) != (width, height);
            s.pixmap = pixmap;
            s.captures.retain(|c| c.strong_count() > 0);
            let captures: Vec<Arc<Capture>> = s.captures.iter().filter_map(Weak::upgrade).collect();
            (resized.then_some(captures), paint(&mut s))
        };
        for capture in resized.unwrap_or_default() {
            let mode = VideoMode {
                width,
                height,
                frame_rate: capture_frame_rate(capture.rate),
            };
            let sinks: Vec<Arc<dyn SourceSink>> = capture
                .sinks
                .lock()
                .iter()
                .map(|(_, s)| s.clone())
                .collect();
            for sink in sinks {
                sink.on_event(SourceEvent::Reconfigured(NativeConfig::Video(mode)));
            }
        }
        deliver(deliveries);
        Ok(())
    }

    /// The canvas content as a straight-alpha RGBA frame (`getImageData()`), timestamped
    /// now on the capture clock.
    pub fn to_video_frame(&self) -> VideoFrame {
        let s = self.inner.state.lock();
        snapshot(&s.pixmap, now_us())
    }

    /// A copy of the canvas's pixmap (premultiplied RGBA), e.g. to draw this canvas onto
    /// another one (`drawImage(canvas, ...)`).
    pub fn to_pixmap(&self) -> Pixmap {
        self.inner.state.lock().pixmap.clone()
    }

    /// `getImageData(x, y, width, height)` once the rectangle is normalised: the pixels of
    /// that rectangle as straight-alpha (not premultiplied) RGBA, row by row, `width * height
    /// * 4` bytes. Pixels outside the canvas are transparent black.
    ///
    /// Errors: `SecurityError` when the canvas is not origin-clean; `TypeError` for an empty
    /// rectangle or one too large to allocate.
    pub fn get_image_data(&self, x: i64, y: i64, width: u32, height: u32) -> Result<Vec<u8>> {
        let len = (width as usize)
            .checked_mul(height as usize)
            .and_then(|n| n.checked_mul(4))
            .filter(|&n| n > 0 && n <= isize::MAX as usize)
            .ok_or_else(|| {
                Error::type_error(format!("cannot get image data of {width}x{height}"))
            })?;
        let s = self.inner.state.lock();
        if !s.origin_clean {
            return Err(Error::new(
                ErrorKind::SecurityError,
                "the canvas is not origin-clean",
            ));
        }
        let mut out = vec![0u8; len];
        let (cw, ch) = (i64::from(s.pixmap.width()), i64::from(s.pixmap.height()));
        let pixels = s.pixmap.pixels();
        // The columns of the rectangle that are on the canvas.
        let x0 = x.clamp(0, cw);
        let x1 = (x + i64::from(width)).clamp(0, cw);
        for row in 0..i64::from(height) {
            let cy = y + row;
            if !(0..ch).contains(&cy) || x0 >= x1 {
                continue;
            }
            for cx in x0..x1 {
                let c = pixels[(cy * cw + cx) as usize].demultiply();
                let o = ((row * i64::from(width) + (cx - x)) * 4) as usize;
                out[o..o + 4].copy_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
            }
        }
        Ok(out)
    }

    /// `putImageData(imageData, dx, dy, dirtyX, dirtyY, dirtyWidth, dirtyHeight)`: copies
    /// straight-alpha RGBA pixels (`data`, `width` pixels a row) to the canvas, replacing what
    /// is there (no compositing, no transform, no global alpha), then paints. `dirty` is the
    /// part of the image to copy, in image coordinates (the whole image when `None`); it is
    /// normalised and clipped to the image as the HTML spec says, and pixels that land
    /// outside the canvas are dropped.
    ///
    /// Errors: `TypeError` when `data` is not `width * height * 4` bytes for some height.
    pub fn put_image_data(
        &self,
        data: &[u8],
        width: u32,
        dx: i64,
        dy: i64,
        dirty: Option<(i64, i64, i64, i64)>,
    ) -> Result<()> {
        let row_len = width as usize * 4;
        if row_len == 0 || data.len() % row_len != 0 || data.is_empty() {
            return Err(Error::type_error(format!(
                "image data of {} bytes is not a whole number of {width}-pixel rows",
                data.len()
            )));
        }
        let (iw, ih) = (i64::from(width), (data.len() / row_len) as i64);
        let (mut x, mut y, mut w, mut h) = dirty.unwrap_or((0, 0, iw, ih));
        if w < 0 {
            x += w;
            w = -w;
        }
        if h < 0 {
            y += h;
            h = -h;
        }
        if x < 0 {
            w += x;
            x = 0;
        }
        if y < 0 {
            h += y;
            y = 0;
        }
        w = w.min(iw - x);
        h = h.min(ih - y);
        if w <= 0 || h <= 0 {
            return Ok(());
        }
        self.draw(|p| {
            let (cw, ch) = (i64::from(p.width()), i64::from(p.height()));
            let dst = p.data_mut();
            for iy in y..y + h {
                let cy = dy + iy;
                if !(0..ch).contains(&cy) {
                    continue;
                }
                for ix in x..x + w {
                    let cx = dx + ix;
                    if !(0..cw).contains(&cx) {
                        continue;
                    }
                    let i = ((iy * iw + ix) * 4) as usize;
                    let o = ((cy * cw + cx) * 4) as usize;
                    let a = u16::from(data[i + 3]);
                    let pm = |c: u8| ((u16::from(c) * a + 127) / 255) as u8;
                    dst[o..o + 4].copy_from_slice(&[
                        pm(data[i]),
                        pm(data[i + 1]),
                        pm(data[i + 2]),
                        data[i + 3],
                    ]);
                }
            }
        });
        Ok(())
    }

    /// The canvas content as a PNG file (`toBlob("image/png")`).
    ///
    /// Errors: `SecurityError` when the canvas is not origin-clean; `NotReadableError` if
    /// encoding fails.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let s = self.inner.state.lock();
        if !s.origin_clean {
            return Err(Error::new(
                ErrorKind::SecurityError,
                "the canvas is not origin-clean",
            ));
        }
        s.pixmap
            .encode_png()
            .map_err(|e| Error::not_readable(format!("PNG encoding failed: {e}")))
    }

    /// Whether the canvas is origin-clean (nothing protected was drawn on it).
    pub fn origin_clean(&self) -> bool {
        self.inner.state.lock().origin_clean
    }

    /// Marks the canvas as holding protected content (what drawing a cross-origin image does
    /// to an HTML canvas). From now on it cannot be captured (`SecurityError`), its capturing
    /// tracks are muted and get no frames, and it cannot be exported. There is no way back.
    pub fn taint(&self) {
        let sinks = {
            let mut s = self.inner.state.lock();
            if !s.origin_clean {
                return;
            }
            s.origin_clean = false;
            live_sinks(&mut s)
        };
        for sink in sinks {
            // Spec: "The captured MediaStreamTrack MUST become muted".
            sink.on_event(SourceEvent::Muted);
        }
    }

    /// `captureStream(frameRequestRate)`: a stream with one video
    /// [`CanvasCaptureMediaStreamTrack`] of the canvas's size.
    ///
    /// * `None`: a frame each time the canvas is painted with new content.
    /// * `Some(r)`, `r > 0`: at most one frame per `1/r` s (a periodic timer sets the
    ///   track's `[[frameCaptureRequested]]`).
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
    /// (Chromium's) for `None` and 0. Frames are straight-alpha RGBA at the source; the
    /// track's frames are I420 (the `mediacapture` adapter's output), so alpha does not
    /// reach track consumers yet.
    ///
    /// Errors: `NotSupportedError` for a negative rate, `TypeError` for a non-finite one
    /// (WebIDL `double`), `SecurityError` when the canvas is not origin-clean.
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
            timer_start_us: now_us(),
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
}

type Deliveries = Vec<(VideoFrame, Arc<Capture>)>;

/// The native frame rate of a capture: the requested rate, or [`DEFAULT_FRAME_RATE`] when
/// none (or manual mode) was asked for.
fn capture_frame_rate(rate: Option<f64>) -> f64 {
    match rate {
        Some(r) if r > 0.0 => r,
        _ => DEFAULT_FRAME_RATE,
    }
}

/// The sinks of every live capture (dropping the dead ones).
fn live_sinks(s: &mut CanvasState) -> Vec<Arc<dyn SourceSink>> {
    s.captures.retain(|c| c.strong_count() > 0);
    s.captures
        .iter()
        .filter_map(Weak::upgrade)
        .flat_map(|c| {
            c.sinks
                .lock()
                .iter()
                .map(|(_, s)| s.clone())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The spec's paint steps, after new content was drawn. Returns the frames to deliver (done
/// after the canvas lock is released, so a frame callback may draw again).
fn paint(s: &mut CanvasState) -> Deliveries {
    s.captures.retain(|c| c.strong_count() > 0);
    if !s.origin_clean {
        // "producing no new content while the canvas remains in this state"
        return Vec::new();
    }
    let now = now_us();
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

fn deliver(deliveries: Deliveries) {
    for (frame, capture) in deliveries {
        let _guard = capture.delivering.lock();
        let sinks: Vec<Arc<dyn SourceSink>> = capture
            .sinks
            .lock()
            .iter()
            .map(|(_, s)| s.clone())
            .collect();
        for sink in sinks {
            sink.on_video(frame.clone());
        }
    }
}

/// The pixmap as a straight-alpha RGBA frame ("the alpha channel content of the canvas must
/// be captured and preserved").
fn snapshot(pixmap: &Pixmap, ts: i64) -> VideoFrame {
    let mut data = Vec::with_capacity(pixmap.data().len());
    for p in pixmap.pixels() {
        let c = p.demultiply();
        data.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    // A pixmap is never empty and its buffer is exactly width * height * 4 bytes, which is
    // the tight RGBA layout; the fallback is unreachable but keeps this path panic-free.
    VideoFrame::new(PixelFormat::Rgba, pixmap.width(), pixmap.height(), data, ts)
        .unwrap_or_else(|_| mediacapture_frame::black_frame(pixmap.width(), pixmap.height(), ts))
}

/// A video frame as a premultiplied pixmap for drawing.
fn frame_to_pixmap(frame: &VideoFrame) -> Result<Pixmap> {
    let rgba = if frame.format() == PixelFormat::Rgba {
        frame.clone()
    } else {
        mediacapture_frame::convert(frame, PixelFormat::Rgba)
            .map_err(|e| Error::type_error(format!("cannot draw this frame: {e}")))?
    };
    let r = rgba.visible_rect();
    let mut pixmap = new_pixmap(r.width, r.height)?;
    let stride = rgba.stride(0);
    let plane = rgba.plane(0);
    let dst = pixmap.data_mut();
    for y in 0..r.height as usize {
        let row_start = (r.y as usize + y) * stride + r.x as usize * 4;
        let Some(src) = plane.get(row_start..row_start + r.width as usize * 4) else {
            return Err(Error::type_error(
                "the frame's planes are shorter than its size",
            ));
        };
        let out = &mut dst[y * r.width as usize * 4..(y + 1) * r.width as usize * 4];
        for (o, i) in out.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
            let a = u16::from(i[3]);
            let pm = |c: u8| ((u16::from(c) * a + 127) / 255) as u8;
            o.copy_from_slice(&[pm(i[0]), pm(i[1]), pm(i[2]), i[3]]);
        }
    }
    Ok(pixmap)
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
        let fits = match (config, &self.device.capabilities) {
            (NativeConfig::Video(m), NativeCapabilities::Video(c)) => c.modes.contains(m),
            _ => false,
        };
        if !fits {
            return Err(Error::overconstrained(
                "",
                format!("{config:?} is not the canvas's size"),
            ));
        }
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
