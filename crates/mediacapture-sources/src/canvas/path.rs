//! Geometry of the 2D context: transforms, fill rules, and paths in device coordinates
//! rasterised with tiny-skia.

use super::CssColor;
use tiny_skia::{FillRule as SkiaFillRule, Paint, Path, PathBuilder, Pixmap, Transform};

/// A 2D affine transform, `[a c e; b d f; 0 0 1]` as in `DOMMatrix` (`a`–`f` are `m11`,
/// `m12`, `m21`, `m22`, `m41`, `m42`): a point `(x, y)` maps to
/// `(a x + c y + e, b x + d y + f)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matrix {
    /// `m11`: x scale.
    pub a: f64,
    /// `m12`: y skew.
    pub b: f64,
    /// `m21`: x skew.
    pub c: f64,
    /// `m22`: y scale.
    pub d: f64,
    /// `m41`: x translation.
    pub e: f64,
    /// `m42`: y translation.
    pub f: f64,
}

impl Default for Matrix {
    fn default() -> Self {
        Matrix::IDENTITY
    }
}

impl Matrix {
    /// The identity.
    pub const IDENTITY: Matrix = Matrix::new(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);

    /// A matrix from its six members.
    pub const fn new(a: f64, b: f64, c: f64, d: f64, e: f64, f: f64) -> Matrix {
        Matrix { a, b, c, d, e, f }
    }

    /// `self × other`: `other` applied first, then `self` (how a context's transform
    /// composes with a new one).
    pub fn multiply(&self, o: &Matrix) -> Matrix {
        let m = self;
        Matrix::new(
            m.a * o.a + m.c * o.b,
            m.b * o.a + m.d * o.b,
            m.a * o.c + m.c * o.d,
            m.b * o.c + m.d * o.d,
            m.a * o.e + m.c * o.f + m.e,
            m.b * o.e + m.d * o.f + m.f,
        )
    }

    /// The point `(x, y)` transformed.
    pub fn transform_point(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.a * x + self.c * y + self.e,
            self.b * x + self.d * y + self.f,
        )
    }

    /// `true` when all six members are finite.
    pub fn is_finite(&self) -> bool {
        [self.a, self.b, self.c, self.d, self.e, self.f]
            .iter()
            .all(|v| v.is_finite())
    }

    pub(crate) fn to_skia(self) -> Transform {
        Transform::from_row(
            self.a as f32,
            self.b as f32,
            self.c as f32,
            self.d as f32,
            self.e as f32,
            self.f as f32,
        )
    }
}

/// `CanvasFillRule`: which points are inside a path that crosses itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum FillRule {
    /// `"nonzero"` (the default).
    #[default]
    NonZero,
    /// `"evenodd"`.
    EvenOdd,
}

impl FillRule {
    /// The rule named `name` (`"nonzero"`, `"evenodd"`), `None` for another string.
    pub fn from_name(name: &str) -> Option<FillRule> {
        match name {
            "nonzero" => Some(FillRule::NonZero),
            "evenodd" => Some(FillRule::EvenOdd),
            _ => None,
        }
    }
}

/// One command of the current path, in device coordinates (points are transformed when
/// they are added, as the spec says).
#[derive(Debug, Clone, Copy)]
pub(crate) enum PathOp {
    Move(f64, f64),
    Line(f64, f64),
    Cubic([f64; 6]),
    Close,
}

/// A path of device-coordinate commands for tiny-skia; `None` when it draws nothing.
pub(crate) fn build_path(ops: &[PathOp]) -> Option<Path> {
    let mut pb = PathBuilder::new();
    for op in ops {
        match *op {
            PathOp::Move(x, y) => pb.move_to(x as f32, y as f32),
            PathOp::Line(x, y) => pb.line_to(x as f32, y as f32),
            PathOp::Cubic([x1, y1, x2, y2, x, y]) => pb.cubic_to(
                x1 as f32, y1 as f32, x2 as f32, y2 as f32, x as f32, y as f32,
            ),
            PathOp::Close => pb.close(),
        }
    }
    pb.finish()
}

/// A solid paint of `color` with its alpha times `alpha` (`globalAlpha`).
pub(crate) fn color_paint(color: CssColor, alpha: f64) -> Paint<'static> {
    let mut c = tiny_skia::Color::from_rgba8(color.r, color.g, color.b, color.a);
    c.apply_opacity(alpha as f32);
    let mut paint = Paint::default();
    paint.set_color(c);
    paint
}

/// Fills device-coordinate `ops`; `false` when there is nothing to fill.
pub(crate) fn fill_ops(p: &mut Pixmap, ops: &[PathOp], paint: &Paint<'_>, rule: FillRule) -> bool {
    let Some(path) = build_path(ops) else {
        return false;
    };
    let rule = match rule {
        FillRule::NonZero => SkiaFillRule::Winding,
        FillRule::EvenOdd => SkiaFillRule::EvenOdd,
    };
    p.fill_path(&path, paint, rule, Transform::identity(), None);
    true
}

/// Strokes device-coordinate `ops` with the state's line width in the state's user space,
/// so that a scale also scales the line, as in a browser. `false` when nothing is drawn (an
/// empty path, a transform that cannot be inverted).
pub(crate) fn stroke_ops(
    p: &mut Pixmap,
    ops: &[PathOp],
    color: CssColor,
    alpha: f64,
    line_width: f64,
    transform: Matrix,
) -> bool {
    let Some(path) = build_path(ops) else {
        return false;
    };
    let ts = transform.to_skia();
    // The path was transformed when it was built; stroke it in user space, then map the
    // outline back to the device.
    let Some(path) = ts.invert().and_then(|inv| path.transform(inv)) else {
        return false;
    };
    let stroke = tiny_skia::Stroke {
        width: line_width as f32,
        ..tiny_skia::Stroke::default()
    };
    p.stroke_path(&path, &color_paint(color, alpha), &stroke, ts, None);
    true
}
