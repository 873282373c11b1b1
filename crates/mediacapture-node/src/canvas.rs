//! Canvases (`mediacapture.createCanvas(width, height)`): thin calls into
//! `mediacapture_sources::canvas` — the canvas, its `CanvasRenderingContext2D` and
//! `captureStream()`. The JS layer converts arguments as WebIDL does (numbers, `long`s,
//! enums); every behaviour is the Rust context's.

use crate::errors::{js, type_error};
use crate::stream::NativeStream;
use mediacapture_sources::canvas::{
    Canvas, CanvasCaptureStream, CanvasRenderingContext2D, FillRule, Matrix,
};
use napi::bindgen_prelude::{Buffer, Uint8Array};
use napi_derive::napi;

/// A 2D canvas.
#[napi]
pub struct NativeCanvas {
    c: Canvas,
}

/// A canvas of `width` x `height` transparent black pixels.
#[napi]
pub fn create_canvas(width: u32, height: u32) -> napi::Result<NativeCanvas> {
    js(Canvas::new(width, height)).map(|c| NativeCanvas { c })
}

#[napi]
impl NativeCanvas {
    /// The width in pixels.
    #[napi(getter)]
    pub fn width(&self) -> u32 {
        self.c.width()
    }

    /// The height in pixels.
    #[napi(getter)]
    pub fn height(&self) -> u32 {
        self.c.height()
    }

    /// Resizes (and clears, and resets the context), like setting `canvas.width` /
    /// `canvas.height`.
    #[napi]
    pub fn set_size(&self, width: u32, height: u32) -> napi::Result<()> {
        js(self.c.set_size(width, height))
    }

    /// The canvas's 2D context.
    #[napi]
    pub fn context(&self) -> NativeContext2D {
        NativeContext2D {
            ctx: self.c.context_2d(),
        }
    }

    /// The canvas as a PNG file.
    #[napi]
    pub fn to_png(&self) -> napi::Result<Buffer> {
        js(self.c.to_png()).map(Buffer::from)
    }

    /// `captureStream(frameRequestRate)`: a stream with one canvas track.
    #[napi]
    pub fn capture_stream(
        &self,
        frame_request_rate: Option<f64>,
    ) -> napi::Result<NativeCanvasCapture> {
        js(self.c.capture_stream(frame_request_rate)).map(|c| NativeCanvasCapture { c })
    }
}

/// `getTransform()`'s matrix.
#[napi(object)]
pub struct Matrix2D {
    /// m11.
    pub a: f64,
    /// m12.
    pub b: f64,
    /// m21.
    pub c: f64,
    /// m22.
    pub d: f64,
    /// m41.
    pub e: f64,
    /// m42.
    pub f: f64,
}

/// `getImageData()`'s result: straight-alpha RGBA rows.
#[napi(object)]
pub struct ImageDataOut {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub data: Buffer,
}

/// A canvas's `CanvasRenderingContext2D` (see
/// `mediacapture_sources::canvas::CanvasRenderingContext2D` for every behaviour).
#[napi]
pub struct NativeContext2D {
    pub(crate) ctx: CanvasRenderingContext2D,
}

#[napi]
impl NativeContext2D {
    /// `save()`.
    #[napi]
    pub fn save(&self) {
        self.ctx.save();
    }

    /// `restore()`.
    #[napi]
    pub fn restore(&self) {
        self.ctx.restore();
    }

    /// `fillStyle` (serialised).
    #[napi(getter)]
    pub fn fill_style(&self) -> String {
        self.ctx.fill_style()
    }

    /// Sets `fillStyle` (a value that does not parse is ignored).
    #[napi]
    pub fn set_fill_style(&self, color: String) {
        self.ctx.set_fill_style(&color);
    }

    /// `strokeStyle` (serialised).
    #[napi(getter)]
    pub fn stroke_style(&self) -> String {
        self.ctx.stroke_style()
    }

    /// Sets `strokeStyle` (a value that does not parse is ignored).
    #[napi]
    pub fn set_stroke_style(&self, color: String) {
        self.ctx.set_stroke_style(&color);
    }

    /// `lineWidth`.
    #[napi(getter)]
    pub fn line_width(&self) -> f64 {
        self.ctx.line_width()
    }

    /// Sets `lineWidth`.
    #[napi]
    pub fn set_line_width(&self, width: f64) {
        self.ctx.set_line_width(width);
    }

    /// `globalAlpha`.
    #[napi(getter)]
    pub fn global_alpha(&self) -> f64 {
        self.ctx.global_alpha()
    }

    /// Sets `globalAlpha`.
    #[napi]
    pub fn set_global_alpha(&self, alpha: f64) {
        self.ctx.set_global_alpha(alpha);
    }

    /// `translate(x, y)`.
    #[napi]
    pub fn translate(&self, x: f64, y: f64) {
        self.ctx.translate(x, y);
    }

    /// `scale(x, y)`.
    #[napi]
    pub fn scale(&self, x: f64, y: f64) {
        self.ctx.scale(x, y);
    }

    /// `rotate(angle)`.
    #[napi]
    pub fn rotate(&self, angle: f64) {
        self.ctx.rotate(angle);
    }

    /// `transform(a, b, c, d, e, f)`.
    #[napi]
    pub fn transform(&self, a: f64, b: f64, c: f64, d: f64, e: f64, f: f64) {
        self.ctx.transform(a, b, c, d, e, f);
    }

    /// `setTransform(a, b, c, d, e, f)` (and `setTransform(matrix)` once the JS layer read
    /// the dictionary).
    #[napi]
    pub fn set_transform(&self, a: f64, b: f64, c: f64, d: f64, e: f64, f: f64) {
        self.ctx.set_transform_matrix(Matrix::new(a, b, c, d, e, f));
    }

    /// `resetTransform()`.
    #[napi]
    pub fn reset_transform(&self) {
        self.ctx.reset_transform();
    }

    /// `getTransform()`.
    #[napi]
    pub fn get_transform(&self) -> Matrix2D {
        let Matrix { a, b, c, d, e, f } = self.ctx.get_transform();
        Matrix2D { a, b, c, d, e, f }
    }

    /// `beginPath()`.
    #[napi]
    pub fn begin_path(&self) {
        self.ctx.begin_path();
    }

    /// `moveTo(x, y)`.
    #[napi]
    pub fn move_to(&self, x: f64, y: f64) {
        self.ctx.move_to(x, y);
    }

    /// `lineTo(x, y)`.
    #[napi]
    pub fn line_to(&self, x: f64, y: f64) {
        self.ctx.line_to(x, y);
    }

    /// `closePath()`.
    #[napi]
    pub fn close_path(&self) {
        self.ctx.close_path();
    }

    /// `rect(x, y, w, h)`.
    #[napi]
    pub fn rect(&self, x: f64, y: f64, w: f64, h: f64) {
        self.ctx.rect(x, y, w, h);
    }

    /// `arc(x, y, radius, startAngle, endAngle, anticlockwise)`.
    #[napi]
    pub fn arc(
        &self,
        x: f64,
        y: f64,
        radius: f64,
        start_angle: f64,
        end_angle: f64,
        anticlockwise: bool,
    ) -> napi::Result<()> {
        js(self
            .ctx
            .arc(x, y, radius, start_angle, end_angle, anticlockwise))
    }

    /// `fill(fillRule)`: `"nonzero"` (the default) or `"evenodd"`.
    #[napi]
    pub fn fill(&self, rule: Option<String>) -> napi::Result<()> {
        let rule = match rule.as_deref() {
            None => FillRule::NonZero,
            Some(r) => FillRule::from_name(r).ok_or_else(|| {
                type_error(format!(
                    "The provided value '{r}' is not a valid enum value of type CanvasFillRule."
                ))
            })?,
        };
        self.ctx.fill(rule);
        Ok(())
    }

    /// `stroke()`.
    #[napi]
    pub fn stroke(&self) {
        self.ctx.stroke();
    }

    /// `fillRect(x, y, w, h)`.
    #[napi]
    pub fn fill_rect(&self, x: f64, y: f64, w: f64, h: f64) {
        self.ctx.fill_rect(x, y, w, h);
    }

    /// `clearRect(x, y, w, h)`.
    #[napi]
    pub fn clear_rect(&self, x: f64, y: f64, w: f64, h: f64) {
        self.ctx.clear_rect(x, y, w, h);
    }

    /// `strokeRect(x, y, w, h)`.
    #[napi]
    pub fn stroke_rect(&self, x: f64, y: f64, w: f64, h: f64) {
        self.ctx.stroke_rect(x, y, w, h);
    }

    /// `createImageData(sw, sh)`: transparent black pixels.
    #[napi]
    pub fn create_image_data(&self, sw: i32, sh: i32) -> napi::Result<ImageDataOut> {
        let d = js(self.ctx.create_image_data(sw, sh))?;
        Ok(ImageDataOut {
            width: d.width(),
            height: d.height(),
            data: Buffer::from(d.into_data()),
        })
    }

    /// `getImageData(sx, sy, sw, sh)`.
    #[napi]
    pub fn get_image_data(&self, sx: i32, sy: i32, sw: i32, sh: i32) -> napi::Result<ImageDataOut> {
        let d = js(self.ctx.get_image_data(sx, sy, sw, sh))?;
        Ok(ImageDataOut {
            width: d.width(),
            height: d.height(),
            data: Buffer::from(d.into_data()),
        })
    }

    /// `putImageData(imageData, dx, dy[, dirtyX, dirtyY, dirtyWidth, dirtyHeight])`, with the
    /// image's pixels and width (the JS layer checked the `ImageData`).
    #[napi]
    pub fn put_image_data(
        &self,
        data: Uint8Array,
        width: u32,
        dx: i32,
        dy: i32,
        dirty: Option<Vec<i32>>,
    ) -> napi::Result<()> {
        let dirty = match dirty.as_deref() {
            None => None,
            Some(&[x, y, w, h]) => Some((i64::from(x), i64::from(y), i64::from(w), i64::from(h))),
            Some(_) => return Err(type_error("a dirty rectangle has 4 members")),
        };
        js(self
            .ctx
            .canvas()
            .put_image_data(&data, width, i64::from(dx), i64::from(dy), dirty))
    }

    /// `drawImage(canvas, ...args)` with 2 (`dx, dy`), 4 (`dx, dy, dw, dh`) or 8 (`sx, sy,
    /// sw, sh, dx, dy, dw, dh`) numbers.
    #[napi]
    pub fn draw_image(&self, image: &NativeCanvas, args: Vec<f64>) -> napi::Result<()> {
        let ctx = &self.ctx;
        js(match args[..] {
            [dx, dy] => ctx.draw_image(&image.c, dx, dy),
            [dx, dy, dw, dh] => ctx.draw_image_scaled(&image.c, dx, dy, dw, dh),
            [sx, sy, sw, sh, dx, dy, dw, dh] => {
                ctx.draw_image_rect(&image.c, sx, sy, sw, sh, dx, dy, dw, dh)
            }
            _ => {
                return Err(type_error(format!(
                    "drawImage takes 3, 5 or 9 arguments, not {}",
                    args.len() + 1
                )));
            }
        })
    }
}

/// The result of `captureStream()` on a canvas: its stream and the track's `requestFrame()`.
#[napi]
pub struct NativeCanvasCapture {
    c: CanvasCaptureStream,
}

#[napi]
impl NativeCanvasCapture {
    /// The stream (one video track).
    #[napi]
    pub fn stream(&self) -> NativeStream {
        NativeStream::from(self.c.stream().clone())
    }

    /// `requestFrame()` of the track.
    #[napi]
    pub fn request_frame(&self) {
        self.c.canvas_track().request_frame();
    }
}
