//! Borrowed views of frame planes and the plain-Rust pixel shuffles (copies, (de)interleaving,
//! packing) that need no colour maths.
//!
//! Colour conventions: every YUV frame of this crate is BT.601 limited range ("TV range",
//! Y 16..=235, Cb/Cr 16..=240), which is what USB cameras deliver for YUYV, NV12 and the
//! decoded planes of MJPEG, and what Chromium assumes for camera frames (`REC601`).

use crate::buffers::OutBuf;
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
        split_uv(&src_uv[r * uvs..r * uvs + 2 * cw], u, v);
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
    // One pass over each row pair: both luma rows, then their averaged chroma.
    for (cr, (u, v)) in du
        .chunks_exact_mut(cw)
        .zip(dv.chunks_exact_mut(cw))
        .enumerate()
    {
        let (r0, r1) = (2 * cr, (2 * cr + 1).min(h - 1));
        let (a, b) = (row(r0), row(r1));
        luma_from_packed(&a[shift * 2..], &mut dy[r0 * w..(r0 + 1) * w]);
        if r1 != r0 {
            luma_from_packed(&b[shift * 2..], &mut dy[r1 * w..(r1 + 1) * w]);
        }
        chroma_from_packed_pair(a, b, u, v);
    }
    Ok(out)
}

/// `dst[i] = src[2 * i]`: the luma of a YUYV row. Written in fixed blocks of 16 pixels so
/// that the compiler turns it into vector code (mask and pack).
#[inline]
fn luma_from_packed(src: &[u8], dst: &mut [u8]) {
    let n = dst.len();
    let full = n / 16 * 16;
    for (d, s) in dst[..full].chunks_exact_mut(16).zip(src.chunks_exact(32)) {
        for (i, y) in d.iter_mut().enumerate() {
            *y = s[2 * i];
        }
    }
    for (i, y) in dst.iter_mut().enumerate().skip(full) {
        *y = src[2 * i];
    }
}

/// The chroma of a YUYV row pair: `U`/`V` of each macropixel, averaged over the two rows
/// (rounding up, as `pavgb` and libyuv do), in blocks of 8 macropixels.
#[inline]
fn chroma_from_packed_pair(a: &[u8], b: &[u8], u: &mut [u8], v: &mut [u8]) {
    let n = u.len();
    let full = n / 8 * 8;
    let blocks = u[..full]
        .chunks_exact_mut(8)
        .zip(v[..full].chunks_exact_mut(8))
        .zip(a.chunks_exact(32).zip(b.chunks_exact(32)));
    for ((u8s, v8s), (a, b)) in blocks {
        let mut m = [0u8; 32];
        for ((m, a), b) in m.iter_mut().zip(a).zip(b) {
            *m = avg(*a, *b);
        }
        for (j, (u, v)) in u8s.iter_mut().zip(v8s.iter_mut()).enumerate() {
            *u = m[4 * j + 1];
            *v = m[4 * j + 3];
        }
    }
    for j in full..n {
        u[j] = avg(a[4 * j + 1], b[4 * j + 1]);
        v[j] = avg(a[4 * j + 3], b[4 * j + 3]);
    }
}

/// Splits an interleaved UV row into U and V, 16 samples at a time.
#[inline]
fn split_uv(src: &[u8], u: &mut [u8], v: &mut [u8]) {
    let n = u.len();
    let full = n / 16 * 16;
    let blocks = u[..full]
        .chunks_exact_mut(16)
        .zip(v[..full].chunks_exact_mut(16))
        .zip(src.chunks_exact(32));
    for ((u, v), s) in blocks {
        for (j, (u, v)) in u.iter_mut().zip(v.iter_mut()).enumerate() {
            *u = s[2 * j];
            *v = s[2 * j + 1];
        }
    }
    for j in full..n {
        u[j] = src[2 * j];
        v[j] = src[2 * j + 1];
    }
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

#[inline(always)]
fn avg(a: u8, b: u8) -> u8 {
    ((u16::from(a) + u16::from(b) + 1) >> 1) as u8
}

/// I420 to tight NV12 bytes.
pub(crate) fn i420_to_nv12(src: &I420Ref<'_>) -> OutBuf {
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
        merge_uv(src.u_row(r), src.v_row(r), dst);
    }
    out
}

/// I420 to tight YUYV bytes. Each chroma row serves both rows of its pair (as libyuv's
/// `I420ToYUY2`); the padding luma of an odd width repeats the last pixel.
pub(crate) fn i420_to_yuyv(src: &I420Ref<'_>) -> OutBuf {
    let (w, h, cw) = (src.width, src.height, src.chroma_width());
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
pub(crate) fn copy_rgbx(frame: &VideoFrame, rect: Rect, swap: bool) -> Result<OutBuf> {
    let (x, y) = (rect.x as usize, rect.y as usize);
    let (w, h) = (rect.width as usize, rect.height as usize);
    let stride = frame.stride(0);
    let src = sub_plane(frame, 0, y, x * 4, w * 4, h)?;
    let mut out = OutBuf::new(w * h * 4);
    for (r, dst) in out.bytes_mut().chunks_exact_mut(w * 4).enumerate() {
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
