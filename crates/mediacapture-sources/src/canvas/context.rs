//! `CanvasRenderingContext2D`: the HTML 2D context's drawing state, paths, rectangles, pixels
//! and images, on a [`Canvas`].
//!
//! Spec: <https://html.spec.whatwg.org/multipage/canvas.html#canvasrenderingcontext2d>

use super::image::{CanvasImageSource, ImageData};
use super::path::{FillRule, Matrix, PathOp, color_paint, fill_ops, stroke_ops};
use super::{Canvas, CssColor};
use mediacapture_types::{Error, Result};
use tiny_skia::{Paint, Transform};

/// The drawing state `save()` pushes and `restore()` pops.
#[derive(Debug, Clone, Copy)]
struct DrawingState {
    fill: CssColor,
    stroke: CssColor,
    line_width: f64,
    global_alpha: f64,
    transform: Matrix,
}

impl Default for DrawingState {
    fn default() -> Self {
        DrawingState {
            fill: CssColor::BLACK,
            stroke: CssColor::BLACK,
            line_width: 1.0,
            global_alpha: 1.0,
            transform: Matrix::IDENTITY,
        }
    }
}

/// A context's state: the current drawing state, the saved ones and the current path.
#[derive(Debug, Default)]
pub(crate) struct ContextState {
    state: DrawingState,
    stack: Vec<DrawingState>,
    path: Vec<PathOp>,
    /// The first point of the current subpath.
    subpath_start: Option<(f64, f64)>,
    /// The last point of the path (`None`: the path has no subpath).
    last: Option<(f64, f64)>,
}

impl ContextState {
    fn device_move_to(&mut self, p: (f64, f64)) {
        self.path.push(PathOp::Move(p.0, p.1));
        self.subpath_start = Some(p);
        self.last = Some(p);
    }

    /// `lineTo` in device coordinates ("ensure there is a subpath" first).
    fn device_line_to(&mut self, p: (f64, f64)) {
        if self.last.is_none() {
            return self.device_move_to(p);
        }
        self.path.push(PathOp::Line(p.0, p.1));
        self.last = Some(p);
    }

    fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        self.state.transform.transform_point(x, y)
    }

    /// The rectangle `(x, y, w, h)` as a closed subpath in device coordinates.
    fn rect_ops(&self, x: f64, y: f64, w: f64, h: f64) -> Vec<PathOp> {
        let corners = [
            self.apply(x, y),
            self.apply(x + w, y),
            self.apply(x + w, y + h),
            self.apply(x, y + h),
        ];
        vec![
            PathOp::Move(corners[0].0, corners[0].1),
            PathOp::Line(corners[1].0, corners[1].1),
            PathOp::Line(corners[2].0, corners[2].1),
            PathOp::Line(corners[3].0, corners[3].1),
            PathOp::Close,
        ]
    }

    /// Strokes device-coordinate `ops` with this state's stroke style, line width, alpha
    /// and transform.
    fn stroke(&self, p: &mut tiny_skia::Pixmap, ops: &[PathOp]) -> bool {
        let st = &self.state;
        stroke_ops(
            p,
            ops,
            st.stroke,
            st.global_alpha,
            st.line_width,
            st.transform,
        )
    }

    fn multiply(&mut self, m: Matrix) {
        if m.is_finite() {
            self.state.transform = self.state.transform.multiply(&m);
        }
    }
}

fn finite(values: &[f64]) -> bool {
    values.iter().all(|v| v.is_finite())
}

/// A canvas's 2D context: [`Canvas::context_2d`]. Methods are named after
/// `CanvasRenderingContext2D`'s and behave as the HTML spec says, including its quiet
/// cases: a non-finite argument makes a drawing or path call do nothing, and a style value
/// that does not parse is ignored. Every drawing call that changes pixels paints the canvas
/// (captured tracks get a frame).
///
/// It is a handle (`Clone`, `Send`, `Sync`): the state belongs to the canvas, so every
/// handle of one canvas shares it, and resizing the canvas resets it.
///
/// ```
/// use mediacapture_sources::canvas::{Canvas, FillRule};
/// use std::f64::consts::PI;
///
/// let canvas = Canvas::new(40, 40)?;
/// let ctx = canvas.context_2d();
/// ctx.set_fill_style("red");
/// ctx.begin_path();
/// ctx.arc(20.0, 20.0, 10.0, 0.0, 2.0 * PI, false)?;
/// ctx.fill(FillRule::NonZero);
/// ctx.save();
/// ctx.translate(30.0, 0.0);
/// ctx.set_fill_style("#0000ff80");
/// ctx.fill_rect(0.0, 0.0, 10.0, 10.0); // at x 30..40, half transparent
/// ctx.restore();
/// assert_eq!(ctx.fill_style(), "#ff0000");
/// assert_eq!(ctx.get_image_data(20, 20, 1, 1)?.data(), &[255, 0, 0, 255]);
/// assert_eq!(ctx.get_image_data(35, 5, 1, 1)?.data()[3], 128);
/// # Ok::<(), mediacapture::Error>(())
/// ```
///
/// Spec: <https://html.spec.whatwg.org/multipage/canvas.html#canvasrenderingcontext2d>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanvasRenderingContext2D {
    canvas: Canvas,
}

impl CanvasRenderingContext2D {
    pub(crate) fn new(canvas: Canvas) -> Self {
        CanvasRenderingContext2D { canvas }
    }

    /// The canvas this context draws on.
    pub fn canvas(&self) -> &Canvas {
        &self.canvas
    }

    fn state<R>(&self, f: impl FnOnce(&mut ContextState) -> R) -> R {
        self.canvas.with_context(f)
    }

    // ---- state

    /// `save()`: pushes the drawing state (styles, line width, global alpha, transform).
    pub fn save(&self) {
        self.state(|s| s.stack.push(s.state));
    }

    /// `restore()`: pops the drawing state; nothing happens when none is saved.
    pub fn restore(&self) {
        self.state(|s| {
            if let Some(saved) = s.stack.pop() {
                s.state = saved;
            }
        });
    }

    /// `fillStyle`, serialised (`#rrggbb`, or `rgba(r, g, b, a)` when not opaque).
    pub fn fill_style(&self) -> String {
        self.fill_color().to_string()
    }

    /// Sets `fillStyle` from a CSS colour ([`CssColor::parse`]); a value that does not parse
    /// is ignored. Returns whether it was taken.
    pub fn set_fill_style(&self, color: &str) -> bool {
        CssColor::parse(color)
            .map(|c| self.set_fill_color(c))
            .is_some()
    }

    /// `fillStyle` as a colour.
    pub fn fill_color(&self) -> CssColor {
        self.state(|s| s.state.fill)
    }

    /// Sets `fillStyle` to a colour.
    pub fn set_fill_color(&self, color: CssColor) {
        self.state(|s| s.state.fill = color);
    }

    /// `strokeStyle`, serialised as [`fill_style`](Self::fill_style) is.
    pub fn stroke_style(&self) -> String {
        self.stroke_color().to_string()
    }

    /// Sets `strokeStyle` from a CSS colour; a value that does not parse is ignored. Returns
    /// whether it was taken.
    pub fn set_stroke_style(&self, color: &str) -> bool {
        CssColor::parse(color)
            .map(|c| self.set_stroke_color(c))
            .is_some()
    }

    /// `strokeStyle` as a colour.
    pub fn stroke_color(&self) -> CssColor {
        self.state(|s| s.state.stroke)
    }

    /// Sets `strokeStyle` to a colour.
    pub fn set_stroke_color(&self, color: CssColor) {
        self.state(|s| s.state.stroke = color);
    }

    /// `lineWidth` (1 initially).
    pub fn line_width(&self) -> f64 {
        self.state(|s| s.state.line_width)
    }

    /// Sets `lineWidth`; zero, negative and non-finite values are ignored.
    pub fn set_line_width(&self, width: f64) {
        if width.is_finite() && width > 0.0 {
            self.state(|s| s.state.line_width = width);
        }
    }

    /// `globalAlpha` (1 initially): the opacity of everything drawn.
    pub fn global_alpha(&self) -> f64 {
        self.state(|s| s.state.global_alpha)
    }

    /// Sets `globalAlpha`; values outside 0..=1 and non-finite ones are ignored.
    pub fn set_global_alpha(&self, alpha: f64) {
        if alpha.is_finite() && (0.0..=1.0).contains(&alpha) {
            self.state(|s| s.state.global_alpha = alpha);
        }
    }

    // ---- transforms

    /// `translate(x, y)`.
    pub fn translate(&self, x: f64, y: f64) {
        self.state(|s| s.multiply(Matrix::new(1.0, 0.0, 0.0, 1.0, x, y)));
    }

    /// `scale(x, y)`.
    pub fn scale(&self, x: f64, y: f64) {
        self.state(|s| s.multiply(Matrix::new(x, 0.0, 0.0, y, 0.0, 0.0)));
    }

    /// `rotate(angle)`: clockwise on screen by `angle` radians.
    pub fn rotate(&self, angle: f64) {
        if angle.is_finite() {
            let (sin, cos) = angle.sin_cos();
            self.state(|s| s.multiply(Matrix::new(cos, sin, -sin, cos, 0.0, 0.0)));
        }
    }

    /// `transform(a, b, c, d, e, f)`: multiplies the current transform by this matrix.
    pub fn transform(&self, a: f64, b: f64, c: f64, d: f64, e: f64, f: f64) {
        self.state(|s| s.multiply(Matrix::new(a, b, c, d, e, f)));
    }

    /// `setTransform(a, b, c, d, e, f)`: replaces the current transform.
    pub fn set_transform(&self, a: f64, b: f64, c: f64, d: f64, e: f64, f: f64) {
        self.set_transform_matrix(Matrix::new(a, b, c, d, e, f));
    }

    /// `setTransform(matrix)` (a `DOMMatrix2DInit` once converted). A matrix with a
    /// non-finite member is ignored, as the spec says.
    pub fn set_transform_matrix(&self, m: Matrix) {
        if m.is_finite() {
            self.state(|s| s.state.transform = m);
        }
    }

    /// `resetTransform()`: back to the identity.
    pub fn reset_transform(&self) {
        self.state(|s| s.state.transform = Matrix::IDENTITY);
    }

    /// `getTransform()`.
    pub fn get_transform(&self) -> Matrix {
        self.state(|s| s.state.transform)
    }

    // ---- paths

    /// `beginPath()`: empties the current path.
    pub fn begin_path(&self) {
        self.state(|s| {
            s.path.clear();
            s.subpath_start = None;
            s.last = None;
        });
    }

    /// `moveTo(x, y)`: starts a new subpath.
    pub fn move_to(&self, x: f64, y: f64) {
        if finite(&[x, y]) {
            self.state(|s| s.device_move_to(s.apply(x, y)));
        }
    }

    /// `lineTo(x, y)`.
    pub fn line_to(&self, x: f64, y: f64) {
        if finite(&[x, y]) {
            self.state(|s| s.device_line_to(s.apply(x, y)));
        }
    }

    /// `closePath()`: closes the current subpath; the next one starts where it started.
    pub fn close_path(&self) {
        self.state(|s| {
            if s.last.is_none() {
                return;
            }
            s.path.push(PathOp::Close);
            s.last = s.subpath_start;
        });
    }

    /// `rect(x, y, w, h)`: adds a closed rectangle, then a new subpath at `(x, y)`.
    pub fn rect(&self, x: f64, y: f64, w: f64, h: f64) {
        if !finite(&[x, y, w, h]) {
            return;
        }
        self.state(|s| {
            let ops = s.rect_ops(x, y, w, h);
            s.path.extend(ops);
            s.device_move_to(s.apply(x, y));
        });
    }

    /// `arc(x, y, radius, startAngle, endAngle, anticlockwise)`: a line to the arc's start,
    /// then the arc (cubic Béziers of at most a quarter turn each). A sweep of 2π or more
    /// draws the whole circle.
    ///
    /// Errors: `IndexSizeError` for a negative radius.
    pub fn arc(
        &self,
        x: f64,
        y: f64,
        radius: f64,
        start_angle: f64,
        end_angle: f64,
        anticlockwise: bool,
    ) -> Result<()> {
        if !finite(&[x, y, radius, start_angle, end_angle]) {
            return Ok(());
        }
        if radius < 0.0 {
            return Err(Error::index_size(format!(
                "the radius provided ({radius}) is negative"
            )));
        }
        let tau = std::f64::consts::TAU;
        let modulo = |v: f64| v.rem_euclid(tau);
        let sweep = if !anticlockwise {
            if end_angle - start_angle >= tau {
                tau
            } else {
                modulo(end_angle - start_angle)
            }
        } else if start_angle - end_angle >= tau {
            -tau
        } else {
            -modulo(start_angle - end_angle)
        };
        let at = |t: f64| (x + radius * t.cos(), y + radius * t.sin());
        self.state(|s| {
            let (sx, sy) = at(start_angle);
            s.device_line_to(s.apply(sx, sy));
            if radius == 0.0 || sweep == 0.0 {
                return;
            }
            let quarter = std::f64::consts::FRAC_PI_2;
            let segments = (sweep.abs() / quarter - 1e-9).ceil().max(1.0);
            let step = sweep / segments;
            let k = 4.0 / 3.0 * (step / 4.0).tan() * radius;
            let mut t = start_angle;
            for _ in 0..segments as usize {
                let t2 = t + step;
                let (x0, y0) = at(t);
                let (x3, y3) = at(t2);
                let c1 = s.apply(x0 - k * t.sin(), y0 + k * t.cos());
                let c2 = s.apply(x3 + k * t2.sin(), y3 - k * t2.cos());
                let end = s.apply(x3, y3);
                s.path
                    .push(PathOp::Cubic([c1.0, c1.1, c2.0, c2.1, end.0, end.1]));
                s.last = Some(end);
                t = t2;
            }
        });
        Ok(())
    }

    // ---- drawing

    /// `fill(fillRule)`: fills the current path with `fillStyle` at `globalAlpha`.
    pub fn fill(&self, rule: FillRule) {
        self.canvas.update(|p, s| {
            let paint = color_paint(s.state.fill, s.state.global_alpha);
            ((), fill_ops(p, &s.path, &paint, rule))
        });
    }

    /// `stroke()`: strokes the current path with `strokeStyle`, `lineWidth` (in user space)
    /// and `globalAlpha`.
    pub fn stroke(&self) {
        self.canvas.update(|p, s| ((), s.stroke(p, &s.path)));
    }

    /// `fillRect(x, y, w, h)` (the current path is not changed).
    pub fn fill_rect(&self, x: f64, y: f64, w: f64, h: f64) {
        if !finite(&[x, y, w, h]) || w == 0.0 || h == 0.0 {
            return;
        }
        self.canvas.update(|p, s| {
            let paint = color_paint(s.state.fill, s.state.global_alpha);
            (
                (),
                fill_ops(p, &s.rect_ops(x, y, w, h), &paint, FillRule::NonZero),
            )
        });
    }

    /// `clearRect(x, y, w, h)`: makes the (transformed) rectangle transparent black.
    pub fn clear_rect(&self, x: f64, y: f64, w: f64, h: f64) {
        if !finite(&[x, y, w, h]) || w == 0.0 || h == 0.0 {
            return;
        }
        self.canvas.update(|p, s| {
            let mut paint = Paint::default();
            paint.set_color(tiny_skia::Color::TRANSPARENT);
            paint.blend_mode = tiny_skia::BlendMode::Source;
            (
                (),
                fill_ops(p, &s.rect_ops(x, y, w, h), &paint, FillRule::NonZero),
            )
        });
    }

    /// `strokeRect(x, y, w, h)`: a rectangle's outline; a single line when one side is 0,
    /// nothing when both are.
    pub fn stroke_rect(&self, x: f64, y: f64, w: f64, h: f64) {
        if !finite(&[x, y, w, h]) || (w == 0.0 && h == 0.0) {
            return;
        }
        self.canvas.update(|p, s| {
            let ops = if w == 0.0 || h == 0.0 {
                let (a, b) = (s.apply(x, y), s.apply(x + w, y + h));
                vec![PathOp::Move(a.0, a.1), PathOp::Line(b.0, b.1)]
            } else {
                s.rect_ops(x, y, w, h)
            };
            ((), s.stroke(p, &ops))
        });
    }

    // ---- pixels

    /// `createImageData(sw, sh)`: transparent black image data of `|sw|` x `|sh|`.
    ///
    /// Errors: `IndexSizeError` when a side is 0; `RangeError` when too large.
    pub fn create_image_data(&self, sw: i32, sh: i32) -> Result<ImageData> {
        ImageData::new(sw.unsigned_abs(), sh.unsigned_abs())
    }

    /// `getImageData(sx, sy, sw, sh)`: a rectangle of the canvas (negative sizes count
    /// from the other corner; pixels off the canvas are transparent black). Not affected by
    /// the transform.
    ///
    /// Errors: `IndexSizeError` when a side is 0, `SecurityError` for a canvas that is not
    /// origin-clean, `RangeError` when too large.
    pub fn get_image_data(&self, sx: i32, sy: i32, sw: i32, sh: i32) -> Result<ImageData> {
        let (mut x, mut y) = (i64::from(sx), i64::from(sy));
        if sw < 0 {
            x += i64::from(sw);
        }
        if sh < 0 {
            y += i64::from(sh);
        }
        let (w, h) = (sw.unsigned_abs(), sh.unsigned_abs());
        let data = self.canvas.get_image_data(x, y, w, h)?;
        ImageData::from_data(data, w)
    }

    /// `putImageData(imageData, dx, dy)`: copies the pixels as they are (no transform, no
    /// global alpha, no compositing).
    pub fn put_image_data(&self, image: &ImageData, dx: i32, dy: i32) {
        // ImageData always holds whole rows: this cannot fail.
        let _ = self.canvas.put_image_data(
            image.data(),
            image.width(),
            i64::from(dx),
            i64::from(dy),
            None,
        );
    }

    /// `putImageData(imageData, dx, dy, dirtyX, dirtyY, dirtyWidth, dirtyHeight)`: only the
    /// dirty rectangle of the image (normalised, clipped to the image).
    #[allow(
        clippy::too_many_arguments,
        reason = "the arguments of the spec's putImageData, in its order"
    )]
    pub fn put_image_data_dirty(
        &self,
        image: &ImageData,
        dx: i32,
        dy: i32,
        dirty_x: i32,
        dirty_y: i32,
        dirty_width: i32,
        dirty_height: i32,
    ) {
        let dirty = (
            i64::from(dirty_x),
            i64::from(dirty_y),
            i64::from(dirty_width),
            i64::from(dirty_height),
        );
        // ImageData always holds whole rows: this cannot fail.
        let _ = self.canvas.put_image_data(
            image.data(),
            image.width(),
            i64::from(dx),
            i64::from(dy),
            Some(dirty),
        );
    }

    // ---- images

    /// `drawImage(image, dx, dy)`: the whole image at its size.
    ///
    /// Errors: those of the image's snapshot ([`CanvasImageSource`]).
    pub fn draw_image(&self, image: &dyn CanvasImageSource, dx: f64, dy: f64) -> Result<()> {
        self.draw_image_impl(image, None, (dx, dy), None)
    }

    /// `drawImage(image, dx, dy, dw, dh)`: the whole image scaled into a rectangle.
    pub fn draw_image_scaled(
        &self,
        image: &dyn CanvasImageSource,
        dx: f64,
        dy: f64,
        dw: f64,
        dh: f64,
    ) -> Result<()> {
        self.draw_image_impl(image, None, (dx, dy), Some((dw, dh)))
    }

    /// `drawImage(image, sx, sy, sw, sh, dx, dy, dw, dh)`: a rectangle of the image scaled
    /// into a rectangle. Negative sizes are normalised (they do not mirror); the source
    /// rectangle is clipped to the image and the destination shrinks in proportion.
    #[allow(
        clippy::too_many_arguments,
        reason = "the arguments of the spec's drawImage, in its order"
    )]
    pub fn draw_image_rect(
        &self,
        image: &dyn CanvasImageSource,
        sx: f64,
        sy: f64,
        sw: f64,
        sh: f64,
        dx: f64,
        dy: f64,
        dw: f64,
        dh: f64,
    ) -> Result<()> {
        self.draw_image_impl(image, Some([sx, sy, sw, sh]), (dx, dy), Some((dw, dh)))
    }

    /// `drawImage`: `source` defaults to the whole image, `size` to the source's size.
    fn draw_image_impl(
        &self,
        image: &dyn CanvasImageSource,
        source: Option<[f64; 4]>,
        (dx, dy): (f64, f64),
        size: Option<(f64, f64)>,
    ) -> Result<()> {
        let (w, h) = size.unwrap_or((0.0, 0.0));
        if !finite(&[dx, dy, w, h]) || !finite(&source.unwrap_or([0.0; 4])) {
            return Ok(());
        }
        let snapshot = image.image_snapshot()?;
        let (iw, ih) = (
            f64::from(snapshot.pixmap.width()),
            f64::from(snapshot.pixmap.height()),
        );
        let [mut sx, mut sy, mut sw, mut sh] = source.unwrap_or([0.0, 0.0, iw, ih]);
        let (mut dx, mut dy) = (dx, dy);
        let (mut dw, mut dh) = size.unwrap_or((iw, ih));
        if sw == 0.0 || sh == 0.0 || dw == 0.0 || dh == 0.0 {
            return Ok(());
        }
        // Normalise (negative sizes do not mirror), then clip the source rectangle to the
        // image, shrinking the destination in proportion.
        if sw < 0.0 {
            (sx, sw) = (sx + sw, -sw);
        }
        if sh < 0.0 {
            (sy, sh) = (sy + sh, -sh);
        }
        if dw < 0.0 {
            (dx, dw) = (dx + dw, -dw);
        }
        if dh < 0.0 {
            (dy, dh) = (dy + dh, -dh);
        }
        let (kx, ky) = (dw / sw, dh / sh);
        let (x0, y0) = (sx.max(0.0), sy.max(0.0));
        let (x1, y1) = ((sx + sw).min(iw), (sy + sh).min(ih));
        if x1 <= x0 || y1 <= y0 {
            return Ok(());
        }
        dx += (x0 - sx) * kx;
        dy += (y0 - sy) * ky;
        (sx, sy, sw, sh) = (x0, y0, x1 - x0, y1 - y0);
        (dw, dh) = (sw * kx, sh * ky);
        if !snapshot.origin_clean {
            self.canvas.taint();
        }
        // Sample only the source rectangle (its whole-pixel bounds): no bleeding of the
        // pixels around it into the edges when scaling.
        let (ix, iy) = (sx.floor(), sy.floor());
        let Some(part) = tiny_skia::IntRect::from_ltrb(
            ix as i32,
            iy as i32,
            (sx + sw).ceil() as i32,
            (sy + sh).ceil() as i32,
        )
        .and_then(|r| snapshot.pixmap.clone_rect(r)) else {
            return Ok(());
        };
        let Some(rect) = tiny_skia::Rect::from_xywh(dx as f32, dy as f32, dw as f32, dh as f32)
        else {
            return Ok(());
        };
        let (sx, sy) = (sx - ix, sy - iy);
        self.canvas.update(|p, s| {
            // Image pixel (sx, sy) lands on (dx, dy); the image scales by kx, ky.
            let pattern = Transform::from_row(
                kx as f32,
                0.0,
                0.0,
                ky as f32,
                (dx - sx * kx) as f32,
                (dy - sy * ky) as f32,
            );
            let paint = Paint {
                shader: tiny_skia::Pattern::new(
                    part.as_ref(),
                    tiny_skia::SpreadMode::Pad,
                    tiny_skia::FilterQuality::Bilinear,
                    s.state.global_alpha as f32,
                    pattern,
                ),
                ..Paint::default()
            };
            p.fill_rect(rect, &paint, s.state.transform.to_skia(), None);
            ((), true)
        });
        Ok(())
    }
}
