//! Borrowed views of frame planes and the plain-Rust pixel shuffles (copies, (de)interleaving,
//! packing) that need no colour maths.
//!
//! Colour conventions: every YUV frame of this crate is BT.601 limited range ("TV range",
//! Y 16..=235, Cb/Cr 16..=240), which is what USB cameras deliver for YUYV, NV12 and the
//! decoded planes of MJPEG, and what Chromium assumes for camera frames (`REC601`).

use crate::buffers::OutBuf;
use crate::simd::{self, RgbLayout, SimdLevel};
use crate::video::{PixelFormat, PlaneLayout, Rect, VideoFrame};
use crate::{FrameError, Result};
use std::sync::Arc;

/// A borrowed 4:2:0 planar picture: slices begin at the picture's first pixel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct I420Ref<'a> {
    pub y: &'a [u8],
    pub y_stride: usize,
    pub u: &'a [u8],
    pub u_stride: usize,
    pub v: &'a [u8],
    pub v_stride: usize,
    pub width: usize,
    pub height: usize,
}

impl<'a> I420Ref<'a> {
    pub fn chroma_width(&self) -> usize {
        self.width.div_ceil(2)
    }
    pub fn chroma_height(&self) -> usize {
        self.height.div_ceil(2)
    }
    /// Row `r` of the luma plane (`width` bytes). `r < height` is the caller's promise, which
    /// [`I420Ref::of`] and [`I420Buf::view`] made safe by checking the plane lengths.
    pub fn y_row(&self, r: usize) -> &'a [u8] {
        &self.y[r * self.y_stride..r * self.y_stride + self.width]
    }
    pub fn u_row(&self, r: usize) -> &'a [u8] {
        &self.u[r * self.u_stride..r * self.u_stride + self.chroma_width()]
    }
    pub fn v_row(&self, r: usize) -> &'a [u8] {
        &self.v[r * self.v_stride..r * self.v_stride + self.chroma_width()]
    }

    /// The `rect` part of this picture (an error when it does not lie inside).
    pub fn sub(&self, rect: Rect) -> Result<I420Ref<'a>> {
        let (x, y) = (rect.x as usize, rect.y as usize);
        let (w, h) = (rect.width as usize, rect.height as usize);
        if w == 0 || h == 0 || x + w > self.width || y + h > self.height {
            return Err(FrameError::Layout(format!(
                "rect {rect:?} outside {}x{}",
                self.width, self.height
            )));
        }
        Ok(I420Ref {
            y: &self.y[y * self.y_stride + x..],
            u: &self.u[(y / 2) * self.u_stride + x / 2..],
            v: &self.v[(y / 2) * self.v_stride + x / 2..],
            width: w,
            height: h,
            ..*self
        })
    }

    /// The `rect` part of an I420 frame. Chroma of an odd `x`/`y` origin is taken from the
    /// even position below it (libyuv does the same; WebCodecs forbids such rects).
    pub fn of(frame: &'a VideoFrame, rect: Rect) -> Result<Self> {
        if frame.format() != PixelFormat::I420 {
            return Err(FrameError::Unsupported(format!(
                "{:?} is not I420",
                frame.format()
            )));
        }
        let (x, y) = (rect.x as usize, rect.y as usize);
        let (w, h) = (rect.width as usize, rect.height as usize);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let view = I420Ref {
            y: sub_plane(frame, 0, y, x, w, h)?,
            y_stride: frame.stride(0),
            u: sub_plane(frame, 1, y / 2, x / 2, cw, ch)?,
            u_stride: frame.stride(1),
            v: sub_plane(frame, 2, y / 2, x / 2, cw, ch)?,
            v_stride: frame.stride(2),
            width: w,
            height: h,
        };
        Ok(view)
    }
}

/// Plane `i` of `frame` from row `row`, byte `col`, checked to hold `rows` rows of `width`
/// bytes. Returns the slice from the first byte to the end of the plane.
pub(crate) fn sub_plane(
    frame: &VideoFrame,
    i: usize,
    row: usize,
    col: usize,
    width: usize,
    rows: usize,
) -> Result<&[u8]> {
    let plane = frame.plane(i);
    let stride = frame.stride(i);
    let start = row * stride + col;
    let need = start + (rows.max(1) - 1) * stride + width;
    if width > stride || need > plane.len() {
        return Err(FrameError::Layout(format!(
            "plane {i}: {rows} rows of {width} bytes at ({col}, {row}) do not fit \
             (stride {stride}, {} bytes)",
            plane.len()
        )));
    }
    Ok(&plane[start..])
}

/// A tightly packed I420 picture being built (every byte gets written).
#[derive(Debug)]
pub(crate) struct I420Buf {
    pub buf: OutBuf,
    pub width: usize,
    pub height: usize,
}

impl I420Buf {
    pub fn new(width: usize, height: usize) -> Self {
        let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
        I420Buf {
            buf: OutBuf::new(width * height + 2 * cw * ch),
            width,
            height,
        }
    }
    pub fn chroma_width(&self) -> usize {
        self.width.div_ceil(2)
    }
    pub fn chroma_height(&self) -> usize {
        self.height.div_ceil(2)
    }
    /// The three planes, mutably.
    pub fn planes_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8]) {
        let luma = self.width * self.height;
        let chroma = self.chroma_width() * self.chroma_height();
        let (y, rest) = self.buf.bytes_mut().split_at_mut(luma);
        let (u, v) = rest.split_at_mut(chroma);
        (y, u, v)
    }
    pub fn view(&self) -> I420Ref<'_> {
        let luma = self.width * self.height;
        let cw = self.chroma_width();
        let chroma = cw * self.chroma_height();
        let buf = self.buf.bytes();
        I420Ref {
            y: &buf[..luma],
            y_stride: self.width,
            u: &buf[luma..luma + chroma],
            u_stride: cw,
            v: &buf[luma + chroma..],
            v_stride: cw,
            width: self.width,
            height: self.height,
        }
    }
    /// The `rect` part of this picture.
    pub fn view_rect(&self, rect: Rect) -> Result<I420Ref<'_>> {
        self.view().sub(rect)
    }
    pub fn into_frame(self, timestamp: i64, duration: Option<i64>) -> Result<VideoFrame> {
        let (w, h) = (self.width as u32, self.height as u32);
        self.buf
            .into_frame(PixelFormat::I420, w, h, timestamp, duration)
    }
}

/// Copies an I420 picture into a new tight buffer.
pub(crate) fn copy_i420(src: &I420Ref<'_>) -> I420Buf {
    let mut out = I420Buf::new(src.width, src.height);
    let (w, cw) = (src.width, src.chroma_width());
    let (y, u, v) = out.planes_mut();
    for (r, dst) in y.chunks_exact_mut(w).enumerate() {
        dst.copy_from_slice(src.y_row(r));
    }
    for (r, (du, dv)) in u
        .chunks_exact_mut(cw)
        .zip(v.chunks_exact_mut(cw))
        .enumerate()
    {
        du.copy_from_slice(src.u_row(r));
        dv.copy_from_slice(src.v_row(r));
    }
    out
}

/// NV12 or NV21 (`rect` of `frame`) to I420: the luma rows are copied, the chroma plane is
/// split (U first for NV12, V first for NV21).
pub(crate) fn nv12_to_i420(frame: &VideoFrame, rect: Rect, level: SimdLevel) -> Result<I420Buf> {
    let (x, y) = (rect.x as usize, rect.y as usize);
    let (w, h) = (rect.width as usize, rect.height as usize);
    let ys = frame.stride(0);
    let src_y = sub_plane(frame, 0, y, x, w, h)?;
    let mut out = I420Buf::new(w, h);
    let (dy, du, dv) = out.planes_mut();
    for (r, dst) in dy.chunks_exact_mut(w).enumerate() {
        dst.copy_from_slice(&src_y[r * ys..r * ys + w]);
    }
    split_nv_chroma(frame, rect, level, du, dv)?;
    Ok(out)
}

/// NV12 or NV21 (`rect` of `frame`) to an I420 frame that keeps the source's luma plane, the
/// same buffer at the rect's first pixel with the source's stride, and has only its chroma
/// split into a new buffer: a third of the bytes [`nv12_to_i420`] writes. `None` when the
/// rect's luma rows cannot be a plane of that buffer (its last row would need the padding
/// past the buffer's end); then copy.
pub(crate) fn nv12_to_i420_keeping_luma(
    frame: &VideoFrame,
    rect: Rect,
    level: SimdLevel,
) -> Result<Option<VideoFrame>> {
    let (x, y) = (rect.x as usize, rect.y as usize);
    let (w, h) = (rect.width as usize, rect.height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let (Some(luma), Some(at)) = (frame.buffer(0), frame.planes().first()) else {
        return Ok(None);
    };
    let stride = at.stride;
    let offset = at.offset + y * stride + x;
    if offset + stride * h > luma.len() {
        return Ok(None);
    }
    let mut chroma = OutBuf::new(2 * cw * ch);
    let (du, dv) = chroma.bytes_mut().split_at_mut(cw * ch);
    split_nv_chroma(frame, rect, level, du, dv)?;
    let (chroma, at) = chroma.into_shared();
    let frame_out = VideoFrame::with_plane_buffers(
        PixelFormat::I420,
        rect.width,
        rect.height,
        vec![
            (Arc::clone(luma), PlaneLayout::new(offset, stride, h)),
            (Arc::clone(&chroma), PlaneLayout::new(at, cw, ch)),
            (chroma, PlaneLayout::new(at + cw * ch, cw, ch)),
        ],
        frame.timestamp(),
    )?;
    Ok(Some(frame_out.with_duration(frame.duration())))
}

/// Splits the interleaved chroma of `rect` of an NV12 or NV21 frame into `du` and `dv`
/// (tight, `rect`'s chroma width and height).
fn split_nv_chroma(
    frame: &VideoFrame,
    rect: Rect,
    level: SimdLevel,
    du: &mut [u8],
    dv: &mut [u8],
) -> Result<()> {
    let (x, y) = (rect.x as usize, rect.y as usize);
    let (cw, ch) = (
        (rect.width as usize).div_ceil(2),
        (rect.height as usize).div_ceil(2),
    );
    let uvs = frame.stride(1);
    let src_uv = sub_plane(frame, 1, y / 2, (x / 2) * 2, cw * 2, ch)?;
    let nv21 = frame.format() == PixelFormat::Nv21;
    for (r, (u, v)) in du
        .chunks_exact_mut(cw)
        .zip(dv.chunks_exact_mut(cw))
        .enumerate()
    {
        let row = &src_uv[r * uvs..r * uvs + 2 * cw];
        if nv21 {
            simd::split_pairs(level, row, v, u);
        } else {
            simd::split_pairs(level, row, u, v);
        }
    }
    Ok(())
}

/// YUYV or UYVY 4:2:2 (`rect` of `frame`) to I420. Chroma of each output row pair is the
/// rounded average of the two source rows, as libyuv's `YUY2ToI420` does (a point sample of
/// every other row would alias); the last row of an odd height uses its own chroma.
pub(crate) fn yuyv_to_i420(frame: &VideoFrame, rect: Rect, level: SimdLevel) -> Result<I420Buf> {
    let (x, y) = (rect.x as usize, rect.y as usize);
    let (w, h) = (rect.width as usize, rect.height as usize);
    let cw = w.div_ceil(2);
    let stride = frame.stride(0);
    // Where luma and U sit in a 4-byte macropixel.
    let (y_at, u_at) = if frame.format() == PixelFormat::Uyvy {
        (1, 0)
    } else {
        (0, 1)
    };
    // The slice starts at the macropixel holding pixel `x`; an odd `x` is the second luma of
    // that macropixel, and its chroma is the macropixel's (the only chroma it has).
    let shift = x & 1;
    let macros = (x + w - 1) / 2 - x / 2 + 1;
    let src = sub_plane(frame, 0, y, (x / 2) * 4, macros * 4, h)?;
    let row = |r: usize| &src[r * stride..r * stride + macros * 4];
    let mut out = I420Buf::new(w, h);
    let (dy, du, dv) = out.planes_mut();
    // One pass over each row pair: both luma rows, then their averaged chroma.
    for (cr, (u, v)) in du
        .chunks_exact_mut(cw)
        .zip(dv.chunks_exact_mut(cw))
        .enumerate()
    {
        let (r0, r1) = (2 * cr, (2 * cr + 1).min(h - 1));
        let (a, b) = (row(r0), row(r1));
        simd::take_every_other(level, &a[shift * 2..], y_at, &mut dy[r0 * w..(r0 + 1) * w]);
        if r1 != r0 {
            simd::take_every_other(level, &b[shift * 2..], y_at, &mut dy[r1 * w..(r1 + 1) * w]);
        }
        simd::packed_chroma(level, a, b, u_at, u, v);
    }
    Ok(out)
}

/// RGBA, BGRA or RGB24 (`rect` of `frame`) to I420, BT.601 limited range: each luma from its
/// pixel, each chroma from the sums of its 2x2 block (the last column or row of an odd size
/// repeated), in the fixed point of `simd::scalar`.
pub(crate) fn rgb_to_i420(frame: &VideoFrame, rect: Rect, level: SimdLevel) -> Result<I420Buf> {
    let layout = match frame.format() {
        PixelFormat::Rgba => RgbLayout::Rgba,
        PixelFormat::Bgra => RgbLayout::Bgra,
        PixelFormat::Rgb24 => RgbLayout::Rgb24,
        other => return Err(FrameError::Unsupported(format!("{other:?} is not RGB"))),
    };
    let bpp = layout.bytes();
    let (x, y) = (rect.x as usize, rect.y as usize);
    let (w, h) = (rect.width as usize, rect.height as usize);
    let cw = w.div_ceil(2);
    let stride = frame.stride(0);
    let src = sub_plane(frame, 0, y, x * bpp, w * bpp, h)?;
    let row = |r: usize| &src[r * stride..r * stride + w * bpp];
    let rows_or_none = |r: usize| if r < h { row(r) } else { &[] };
    let mut out = I420Buf::new(w, h);
    let (dy, du, dv) = out.planes_mut();
    for (cr, (u, v)) in du
        .chunks_exact_mut(cw)
        .zip(dv.chunks_exact_mut(cw))
        .enumerate()
    {
        let (r0, r1) = (2 * cr, (2 * cr + 1).min(h - 1));
        let (a, b) = (row(r0), row(r1));
        let next = (rows_or_none(r0 + 2), rows_or_none((r0 + 3).min(h - 1)));
        if r1 != r0 {
            // Both luma rows and the chroma row from one pass over the two rows.
            let (ya, yb) = dy[r0 * w..(r1 + 1) * w].split_at_mut(w);
            simd::rgb_to_i420_rows(level, layout, (a, b), next, w, (ya, yb), u, v);
        } else {
            // The last row of an odd height (its chroma blocks take it twice).
            simd::rgb_to_uv(level, layout, (a, b), next, w, u, v);
            simd::rgb_to_y(level, layout, a, &mut dy[r0 * w..(r0 + 1) * w]);
        }
    }
    Ok(out)
}

/// Interleaves U and V into a UV row, 16 samples at a time.
#[inline]
fn merge_uv(u: &[u8], v: &[u8], dst: &mut [u8]) {
    let n = u.len();
    let full = n / 16 * 16;
    let blocks = dst[..full * 2]
        .chunks_exact_mut(32)
        .zip(u.chunks_exact(16).zip(v.chunks_exact(16)));
    for (d, (u, v)) in blocks {
        for (j, (u, v)) in u.iter().zip(v).enumerate() {
            d[2 * j] = *u;
            d[2 * j + 1] = *v;
        }
    }
    for j in full..n {
        dst[2 * j] = u[j];
        dst[2 * j + 1] = v[j];
    }
}

/// I420 to tight NV12 bytes (NV21 when `nv21`: V first).
pub(crate) fn i420_to_nv12(src: &I420Ref<'_>, nv21: bool) -> OutBuf {
    let (w, h, cw, ch) = (
        src.width,
        src.height,
        src.chroma_width(),
        src.chroma_height(),
    );
    let mut out = OutBuf::new(w * h + 2 * cw * ch);
    let (dy, duv) = out.bytes_mut().split_at_mut(w * h);
    for (r, dst) in dy.chunks_exact_mut(w).enumerate() {
        dst.copy_from_slice(src.y_row(r));
    }
    for (r, dst) in duv.chunks_exact_mut(2 * cw).enumerate() {
        if nv21 {
            merge_uv(src.v_row(r), src.u_row(r), dst);
        } else {
            merge_uv(src.u_row(r), src.v_row(r), dst);
        }
    }
    out
}

/// I420 to tight YUYV bytes (UYVY when `uyvy`). Each chroma row serves both rows of its
/// pair (as libyuv's `I420ToYUY2`); the padding luma of an odd width repeats the last pixel.
pub(crate) fn i420_to_yuyv(src: &I420Ref<'_>, uyvy: bool) -> OutBuf {
    let (w, h, cw) = (src.width, src.height, src.chroma_width());
    // Byte positions of Y0, U, Y1, V in a macropixel.
    let [p0, pu, p1, pv] = if uyvy { [1, 0, 3, 2] } else { [0, 1, 2, 3] };
    let mut out = OutBuf::new(cw * 4 * h);
    for (r, dst) in out.bytes_mut().chunks_exact_mut(cw * 4).enumerate() {
        let ys = src.y_row(r);
        let (us, vs) = (src.u_row(r / 2), src.v_row(r / 2));
        let pairs = w / 2;
        for (((d, yy), u), v) in dst
            .chunks_exact_mut(4)
            .zip(ys.chunks_exact(2))
            .zip(us)
            .zip(vs)
            .take(pairs)
        {
            d[p0] = yy[0];
            d[pu] = *u;
            d[p1] = yy[1];
            d[pv] = *v;
        }
        if w % 2 == 1 {
            let d = &mut dst[pairs * 4..pairs * 4 + 4];
            let last = ys[w - 1];
            d[p0] = last;
            d[pu] = us[pairs];
            d[p1] = last;
            d[pv] = vs[pairs];
        }
    }
    out
}

/// Copies the `rect` of a packed RGB frame (RGBA, BGRA or RGB24) into tight rows of `to`
/// (one of those three): channels reordered, alpha dropped for RGB24 and 255 from it.
pub(crate) fn repack_rgb(frame: &VideoFrame, rect: Rect, to: PixelFormat) -> Result<OutBuf> {
    // Byte positions of R, G, B, A in a pixel (A `None` when there is none).
    let order = |f: PixelFormat| match f {
        PixelFormat::Rgba => Ok(([0, 1, 2], Some(3), 4)),
        PixelFormat::Bgra => Ok(([2, 1, 0], Some(3), 4)),
        PixelFormat::Rgb24 => Ok(([0, 1, 2], None, 3)),
        other => Err(FrameError::Unsupported(format!("{other:?} is not RGB"))),
    };
    let (src_rgb, src_a, sb) = order(frame.format())?;
    let (dst_rgb, dst_a, db) = order(to)?;
    let (x, y) = (rect.x as usize, rect.y as usize);
    let (w, h) = (rect.width as usize, rect.height as usize);
    let stride = frame.stride(0);
    let src = sub_plane(frame, 0, y, x * sb, w * sb, h)?;
    let mut out = OutBuf::new(w * h * db);
    for (r, dst) in out.bytes_mut().chunks_exact_mut(w * db).enumerate() {
        let s = &src[r * stride..r * stride + w * sb];
        if frame.format() == to {
            dst.copy_from_slice(s);
            continue;
        }
        for (d, p) in dst.chunks_exact_mut(db).zip(s.chunks_exact(sb)) {
            for (di, si) in dst_rgb.iter().zip(src_rgb) {
                d[*di] = p[si];
            }
            if let Some(da) = dst_a {
                d[da] = src_a.map_or(255, |sa| p[sa]);
            }
        }
    }
    Ok(out)
}
