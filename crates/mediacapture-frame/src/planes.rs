//! Borrowed views of frame planes and the plain-Rust pixel shuffles (copies, (de)interleaving,
//! packing) that need no colour maths.
//!
//! Colour conventions: every YUV frame of this crate is BT.601 limited range ("TV range",
//! Y 16..=235, Cb/Cr 16..=240), which is what USB cameras deliver for YUYV, NV12 and the
//! decoded planes of MJPEG, and what Chromium assumes for camera frames (`REC601`).

use crate::video::{PixelFormat, Rect, VideoFrame};
use crate::{FrameError, Result};

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

/// A tightly packed I420 picture being built.
#[derive(Debug, Clone)]
pub(crate) struct I420Buf {
    pub buf: Vec<u8>,
    pub width: usize,
    pub height: usize,
}

impl I420Buf {
    pub fn new(width: usize, height: usize) -> Self {
        let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
        I420Buf {
            buf: vec![0; width * height + 2 * cw * ch],
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
        let (y, rest) = self.buf.split_at_mut(luma);
        let (u, v) = rest.split_at_mut(chroma);
        (y, u, v)
    }
    pub fn view(&self) -> I420Ref<'_> {
        let luma = self.width * self.height;
        let cw = self.chroma_width();
        let chroma = cw * self.chroma_height();
        I420Ref {
            y: &self.buf[..luma],
            y_stride: self.width,
            u: &self.buf[luma..luma + chroma],
            u_stride: cw,
            v: &self.buf[luma + chroma..],
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
        Ok(VideoFrame::new(PixelFormat::I420, w, h, self.buf, timestamp)?.with_duration(duration))
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

/// NV12 (`rect` of `frame`) to I420: the luma rows are copied, the UV plane is split.
pub(crate) fn nv12_to_i420(frame: &VideoFrame, rect: Rect) -> Result<I420Buf> {
    let (x, y) = (rect.x as usize, rect.y as usize);
    let (w, h) = (rect.width as usize, rect.height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let ys = frame.stride(0);
    let uvs = frame.stride(1);
    let src_y = sub_plane(frame, 0, y, x, w, h)?;
    let src_uv = sub_plane(frame, 1, y / 2, (x / 2) * 2, cw * 2, ch)?;
    let mut out = I420Buf::new(w, h);
    let (dy, du, dv) = out.planes_mut();
    for (r, dst) in dy.chunks_exact_mut(w).enumerate() {
        dst.copy_from_slice(&src_y[r * ys..r * ys + w]);
    }
    for (r, (u, v)) in du
        .chunks_exact_mut(cw)
        .zip(dv.chunks_exact_mut(cw))
        .enumerate()
    {
        let uv = &src_uv[r * uvs..r * uvs + 2 * cw];
        for ((u, v), pair) in u.iter_mut().zip(v.iter_mut()).zip(uv.chunks_exact(2)) {
            *u = pair[0];
            *v = pair[1];
        }
    }
    Ok(out)
}

/// YUYV 4:2:2 (`rect` of `frame`) to I420. Chroma of each output row pair is the rounded
/// average of the two source rows, as libyuv's `YUY2ToI420` does (a point sample of every
/// other row would alias); the last row of an odd height uses its own chroma.
pub(crate) fn yuyv_to_i420(frame: &VideoFrame, rect: Rect) -> Result<I420Buf> {
    let (x, y) = (rect.x as usize, rect.y as usize);
    let (w, h) = (rect.width as usize, rect.height as usize);
    let cw = w.div_ceil(2);
    let stride = frame.stride(0);
    // The slice starts at the macropixel holding pixel `x`; an odd `x` is the second luma of
    // that macropixel, and its chroma is the macropixel's (the only chroma it has).
    let shift = x & 1;
    let macros = (x + w - 1) / 2 - x / 2 + 1;
    let src = sub_plane(frame, 0, y, (x / 2) * 4, macros * 4, h)?;
    let row = |r: usize| &src[r * stride..r * stride + macros * 4];
    let mut out = I420Buf::new(w, h);
    let (dy, du, dv) = out.planes_mut();
    for (r, dst) in dy.chunks_exact_mut(w).enumerate() {
        let s = &row(r)[shift * 2..];
        if w % 2 == 0 {
            for (d, px) in dst.chunks_exact_mut(2).zip(s.chunks_exact(4)) {
                d[0] = px[0];
                d[1] = px[2];
            }
        } else {
            for (i, d) in dst.iter_mut().enumerate() {
                *d = s[2 * i];
            }
        }
    }
    for (cr, (u, v)) in du
        .chunks_exact_mut(cw)
        .zip(dv.chunks_exact_mut(cw))
        .enumerate()
    {
        let r0 = row(2 * cr);
        let r1 = row((2 * cr + 1).min(h - 1));
        for (((u, v), a), b) in u
            .iter_mut()
            .zip(v.iter_mut())
            .zip(r0.chunks_exact(4))
            .zip(r1.chunks_exact(4))
        {
            *u = avg(a[1], b[1]);
            *v = avg(a[3], b[3]);
        }
    }
    Ok(out)
}

#[inline(always)]
fn avg(a: u8, b: u8) -> u8 {
    ((u16::from(a) + u16::from(b) + 1) >> 1) as u8
}

/// I420 to tight NV12 bytes.
pub(crate) fn i420_to_nv12(src: &I420Ref<'_>) -> Vec<u8> {
    let (w, h, cw, ch) = (
        src.width,
        src.height,
        src.chroma_width(),
        src.chroma_height(),
    );
    let mut out = vec![0u8; w * h + 2 * cw * ch];
    let (dy, duv) = out.split_at_mut(w * h);
    for (r, dst) in dy.chunks_exact_mut(w).enumerate() {
        dst.copy_from_slice(src.y_row(r));
    }
    for (r, dst) in duv.chunks_exact_mut(2 * cw).enumerate() {
        for ((pair, u), v) in dst.chunks_exact_mut(2).zip(src.u_row(r)).zip(src.v_row(r)) {
            pair[0] = *u;
            pair[1] = *v;
        }
    }
    out
}

/// I420 to tight YUYV bytes. Each chroma row serves both rows of its pair (as libyuv's
/// `I420ToYUY2`); the padding luma of an odd width repeats the last pixel.
pub(crate) fn i420_to_yuyv(src: &I420Ref<'_>) -> Vec<u8> {
    let (w, h, cw) = (src.width, src.height, src.chroma_width());
    let mut out = vec![0u8; cw * 4 * h];
    for (r, dst) in out.chunks_exact_mut(cw * 4).enumerate() {
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
            d[0] = yy[0];
            d[1] = *u;
            d[2] = yy[1];
            d[3] = *v;
        }
        if w % 2 == 1 {
            let d = &mut dst[pairs * 4..pairs * 4 + 4];
            let last = ys[w - 1];
            d[0] = last;
            d[1] = us[pairs];
            d[2] = last;
            d[3] = vs[pairs];
        }
    }
    out
}

/// Copies the `rect` of a packed 4-byte-per-pixel frame into tight rows, swapping R and B
/// when `swap` is set (RGBA <-> BGRA).
pub(crate) fn copy_rgbx(frame: &VideoFrame, rect: Rect, swap: bool) -> Result<Vec<u8>> {
    let (x, y) = (rect.x as usize, rect.y as usize);
    let (w, h) = (rect.width as usize, rect.height as usize);
    let stride = frame.stride(0);
    let src = sub_plane(frame, 0, y, x * 4, w * 4, h)?;
    let mut out = vec![0u8; w * h * 4];
    for (r, dst) in out.chunks_exact_mut(w * 4).enumerate() {
        let s = &src[r * stride..r * stride + w * 4];
        if swap {
            for (d, p) in dst.chunks_exact_mut(4).zip(s.chunks_exact(4)) {
                d[0] = p[2];
                d[1] = p[1];
                d[2] = p[0];
                d[3] = p[3];
            }
        } else {
            dst.copy_from_slice(s);
        }
    }
    Ok(out)
}
