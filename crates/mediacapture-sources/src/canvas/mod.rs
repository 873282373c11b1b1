//! A 2D drawing surface that streams: `HTMLCanvasElement.captureStream()`,
//! `CanvasCaptureMediaStreamTrack` and a `CanvasRenderingContext2D`, natively.
//!
//! * [`Canvas`]: the bitmap (premultiplied RGBA, drawn with [`tiny_skia`]), its size,
//!   pixels (`getImageData` / `putImageData`), PNG export, tainting, and
//!   [`Canvas::capture_stream`] (in `capture.rs`).
//! * [`CanvasRenderingContext2D`] ([`Canvas::context_2d`]): the HTML 2D context's drawing
//!   state (styles, line width, global alpha, transform, save / restore), paths (`move_to`,
//!   `line_to`, `arc`, `rect`, …), `fill` / `stroke`, rectangles, image data and
//!   `draw_image` of another canvas or a video frame.
//! * [`CssColor`]: the colours `fill_style` / `stroke_style` take.
//!
//! Frames are timed with the canvas's [`Clock`] ([`Canvas::with_clock`]; the system clock by
//! default), so tests can drive `captureStream(rate)` with a manual clock.
//!
//! Spec: <https://w3c.github.io/mediacapture-fromelement/#html-canvas-element-media-capture-extensions>

mod capture;
mod color;
mod context;
mod image;
mod path;

pub use capture::{CanvasCaptureMediaStreamTrack, CanvasCaptureStream, DEFAULT_FRAME_RATE};
pub use color::CssColor;
pub use context::CanvasRenderingContext2D;
pub use image::{CanvasImageSource, ImageData, ImageSnapshot, MAX_IMAGE_DATA_BYTES};
pub use path::{FillRule, Matrix};
pub use tiny_skia;

use capture::{Capture, Deliveries, announce_resize, deliver, live_sinks, paint};
use context::ContextState;
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_hal::SourceEvent;
use mediacapture_hal::clock::{self, Clock};
use mediacapture_types::{Error, ErrorKind, Result};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use tiny_skia::{Pixmap, PixmapPaint, Transform};

/// Largest accepted canvas width or height.
pub const MAX_SIDE: u32 = 16384;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) struct CanvasState {
    pixmap: Pixmap,
    origin_clean: bool,
    captures: Vec<Weak<Capture>>,
    /// The 2D context's state (one context per canvas, as `getContext("2d")` returns the
    /// same object every time).
    context: ContextState,
}

struct CanvasInner {
    id: u64,
    clock: Arc<dyn Clock>,
    state: Mutex<CanvasState>,
}

/// A 2D drawing surface (RGBA, premultiplied internally; drawing through [`tiny_skia`] or
/// its [`CanvasRenderingContext2D`]) that can be captured as a video stream.
///
/// A canvas is *painted* at the end of each drawing call that changes it ([`Canvas::draw`],
/// the context's `fill`, `stroke`, `fill_rect`, …): that is when captured tracks get a frame,
/// following the spec's paint steps. `Clone` gives another handle to the same canvas.
///
/// ```
/// use mediacapture_hal::clock::Clock;
/// use mediacapture_sources::canvas::{Canvas, tiny_skia};
/// use mediacapture_test_support::ManualClock;
/// use std::time::Duration;
///
/// // A manual clock: the capture sees only the time the program gives it.
/// let clock = ManualClock::new();
/// let canvas = Canvas::with_clock(320, 240, clock.as_clock())?;
/// let stream = canvas.capture_stream(Some(0.0))?; // manual: frames on request only
/// let track = stream.canvas_track();
/// let frames = track.video_frames();
/// canvas.draw(|p| p.fill(tiny_skia::Color::from_rgba8(255, 0, 0, 255))); // first frame
/// assert_eq!(frames.try_recv().map(|f| f.timestamp()), Some(0));
/// clock.advance(Duration::from_millis(20));
/// canvas.draw(|p| p.fill(tiny_skia::Color::WHITE)); // no request: no frame
/// assert!(frames.try_recv().is_none());
/// track.request_frame();
/// clock.advance(Duration::from_millis(20));
/// canvas.draw(|p| p.fill(tiny_skia::Color::BLACK)); // requested: a frame
/// assert_eq!(frames.try_recv().map(|f| f.timestamp()), Some(40_000));
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

fn not_origin_clean() -> Error {
    Error::new(ErrorKind::SecurityError, "the canvas is not origin-clean")
}

impl Canvas {
    /// A transparent black canvas of `width` x `height`, timed by the system clock.
    ///
    /// Errors: `TypeError` for a zero size or a side over [`MAX_SIDE`]. (An HTML canvas
    /// accepts 0 but cannot be captured then; this one refuses it up front.)
    pub fn new(width: u32, height: u32) -> Result<Canvas> {
        Canvas::with_clock(width, height, clock::system())
    }

    /// [`Canvas::new`] with the clock that times its captures: the timer of
    /// `captureStream(rate)` and the frames' timestamps (e.g. a manual clock in tests).
    pub fn with_clock(width: u32, height: u32, clock: Arc<dyn Clock>) -> Result<Canvas> {
        Ok(Canvas {
            inner: Arc::new(CanvasInner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                clock,
                state: Mutex::new(CanvasState {
                    pixmap: new_pixmap(width, height)?,
                    origin_clean: true,
                    captures: Vec::new(),
                    context: ContextState::default(),
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

    /// The canvas's 2D context (`getContext("2d")`). Every call gives a handle to the same
    /// context: its drawing state belongs to the canvas.
    pub fn context_2d(&self) -> CanvasRenderingContext2D {
        CanvasRenderingContext2D::new(self.clone())
    }

    /// Draws with `f` on the canvas's pixmap, then paints: each capturing track whose
    /// `[[frameCaptureRequested]]` is set gets a frame of the result.
    ///
    /// `f` runs with the canvas locked: it must not call back into this canvas.
    pub fn draw<R>(&self, f: impl FnOnce(&mut Pixmap) -> R) -> R {
        self.update(|p, _| (f(p), true))
    }

    /// Runs `f` on the pixmap and the context state with the canvas locked; paints when `f`
    /// says it changed the pixels.
    pub(crate) fn update<R>(
        &self,
        f: impl FnOnce(&mut Pixmap, &mut ContextState) -> (R, bool),
    ) -> R {
        let (out, deliveries): (R, Deliveries) = {
            let mut guard = self.inner.state.lock();
            let s = &mut *guard;
            let (out, changed) = f(&mut s.pixmap, &mut s.context);
            let deliveries = if changed {
                paint(s, self.inner.clock.now_us())
            } else {
                Vec::new()
            };
            (out, deliveries)
        };
        deliver(deliveries);
        out
    }

    /// Runs `f` on the context state alone (no drawing, no paint).
    pub(crate) fn with_context<R>(&self, f: impl FnOnce(&mut ContextState) -> R) -> R {
        f(&mut self.inner.state.lock().context)
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
    /// black and the 2D context's state (styles, transform, path, saved states) is reset,
    /// even when the size is unchanged; this counts as new content and paints.
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
            s.context = ContextState::default();
            s.captures.retain(|c| c.strong_count() > 0);
            let captures: Vec<Arc<Capture>> = s.captures.iter().filter_map(Weak::upgrade).collect();
            (
                resized.then_some(captures),
                paint(&mut s, self.inner.clock.now_us()),
            )
        };
        announce_resize(resized.unwrap_or_default(), width, height);
        deliver(deliveries);
        Ok(())
    }

    /// The canvas content as a straight-alpha RGBA frame, timestamped now on the canvas's
    /// clock.
    pub fn to_video_frame(&self) -> VideoFrame {
        let s = self.inner.state.lock();
        snapshot(&s.pixmap, self.inner.clock.now_us())
    }

    /// A copy of the canvas's pixmap (premultiplied RGBA), e.g. to draw this canvas onto
    /// another one.
    pub fn to_pixmap(&self) -> Pixmap {
        self.inner.state.lock().pixmap.clone()
    }

    /// The canvas content as a PNG file (`toBlob("image/png")`).
    ///
    /// Errors: `SecurityError` when the canvas is not origin-clean; `NotReadableError` if
    /// encoding fails.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let s = self.inner.state.lock();
        if !s.origin_clean {
            return Err(not_origin_clean());
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
