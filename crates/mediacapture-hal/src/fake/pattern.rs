//! The fake camera's test pattern and its machine-readable frame counter and timestamp.
//!
//! Layout (all positions are fractions of the frame size, so the code survives scaling):
//! the top `2/24` of the height holds two bands of [`CELLS`] equal cells across the full
//! width. Band 0 carries the frame counter, band 1 the capture timestamp in microseconds.
//! Each band: cell 0 white, cell 1 black (sync), 48 payload bits (MSB first, white = 1),
//! then 6 bits holding the number of one bits in the payload (a check).
//! Below the bands, the counter and timestamp are written as digits; behind them, colour bars
//! and a box that moves with each frame.

use mediacapture_frame::{PixelFormat, PlaneLayout, VideoFrame};

/// Cells across one code band.
const CELLS: u32 = 56;
/// Payload bits per band.
const PAYLOAD_BITS: u32 = 48;
/// The code bands are `1/BAND_DIV` of the height each.
const BAND_DIV: u32 = 24;
/// Below this size no code is drawn (cells would be under 2 px).
const MIN_W: u32 = 2 * CELLS;
const MIN_H: u32 = 2 * BAND_DIV;

/// A colour, in both YUV (BT.601, limited range) and RGB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Color {
    y: u8,
    u: u8,
    v: u8,
    r: u8,
    g: u8,
    b: u8,
}

pub(crate) const fn rgb(r: u8, g: u8, b: u8) -> Color {
    let (ri, gi, bi) = (r as i32, g as i32, b as i32);
    let y = ((66 * ri + 129 * gi + 25 * bi + 128) >> 8) + 16;
    let u = ((-38 * ri - 74 * gi + 112 * bi + 128) >> 8) + 128;
    let v = ((112 * ri - 94 * gi - 18 * bi + 128) >> 8) + 128;
    Color {
        y: y as u8,
        u: u as u8,
        v: v as u8,
        r,
        g,
        b,
    }
}

const WHITE: Color = rgb(255, 255, 255);
const BLACK: Color = rgb(0, 0, 0);
const BARS: [Color; 8] = [
    rgb(191, 191, 191),
    rgb(191, 191, 0),
    rgb(0, 191, 191),
    rgb(0, 191, 0),
    rgb(191, 0, 191),
    rgb(191, 0, 0),
    rgb(0, 0, 191),
    rgb(32, 32, 32),
];
const BOX: Color = rgb(255, 128, 0);

/// A frame buffer of one uncompressed format that rectangles can be painted into.
#[derive(Debug, Clone)]
pub(crate) struct Canvas {
    format: PixelFormat,
    width: u32,
    height: u32,
    layout: Vec<PlaneLayout>,
    buf: Vec<u8>,
}

impl Canvas {
    /// A black canvas; `None` for compressed formats.
    pub(crate) fn new(format: PixelFormat, width: u32, height: u32) -> Option<Self> {
        let layout = format.tight_layout(width, height)?;
        let size = format.frame_size(width, height)?;
        let mut c = Canvas {
            format,
            width,
            height,
            layout,
            buf: vec![0; size],
        };
        c.fill_rect(0, 0, width, height, BLACK);
        Some(c)
    }

    /// Fills the rectangle (clipped to the canvas) with `c`.
    pub(crate) fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32, c: Color) {
        let x0 = x.min(self.width) as usize;
        let y0 = y.min(self.height) as usize;
        let x1 = x.saturating_add(w).min(self.width) as usize;
        let y1 = y.saturating_add(h).min(self.height) as usize;
        if x0 >= x1 || y0 >= y1 {
            return;
        }
        let (cx0, cy0, cx1, cy1) = (x0 / 2, y0 / 2, x1.div_ceil(2), y1.div_ceil(2));
        let l = self.layout.clone();
        match self.format {
            PixelFormat::I420 => {
                self.fill_plane(l[0], x0..x1, y0..y1, &[c.y]);
                self.fill_plane(l[1], cx0..cx1, cy0..cy1, &[c.u]);
                self.fill_plane(l[2], cx0..cx1, cy0..cy1, &[c.v]);
            }
            PixelFormat::Nv12 => {
                self.fill_plane(l[0], x0..x1, y0..y1, &[c.y]);
                self.fill_plane(l[1], cx0..cx1, cy0..cy1, &[c.u, c.v]);
            }
            PixelFormat::Bgra => self.fill_plane(l[0], x0..x1, y0..y1, &[c.b, c.g, c.r, 255]),
            PixelFormat::Rgba => self.fill_plane(l[0], x0..x1, y0..y1, &[c.r, c.g, c.b, 255]),
            PixelFormat::Yuyv => {
                // Pixel pairs share chroma: paint whole pairs, rounding the span outwards.
                self.fill_plane(l[0], cx0..cx1, y0..y1, &[c.y, c.u, c.y, c.v]);
            }
            _ => {}
        }
    }

    /// Fills `xs` x `ys` elements of `px.len()` bytes each with `px`.
    fn fill_plane(
        &mut self,
        p: PlaneLayout,
        xs: std::ops::Range<usize>,
        ys: std::ops::Range<usize>,
        px: &[u8],
    ) {
        let n = px.len();
        let row: Vec<u8> = px.iter().copied().cycle().take(xs.len() * n).collect();
        for yy in ys {
            let start = p.offset + yy * p.stride + xs.start * n;
            if let Some(dst) = self.buf.get_mut(start..start + row.len()) {
                dst.copy_from_slice(&row);
            }
        }
    }

    /// The frame of this canvas at `timestamp`.
    pub(crate) fn to_frame(&self, timestamp: i64) -> Option<VideoFrame> {
        VideoFrame::new(
            self.format,
            self.width,
            self.height,
            self.buf.as_slice(),
            timestamp,
        )
        .ok()
    }
}

/// Draws the test pattern frame by frame.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    background: Canvas,
    /// MJPEG: draw in BGRA, then encode.
    jpeg: bool,
}

/// JPEG quality of fake MJPEG frames (a webcam's typical setting).
const JPEG_QUALITY: u8 = 85;

/// Encodes a BGRA image as a baseline JPEG.
pub(crate) fn encode_jpeg(bgra: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, JPEG_QUALITY)
        .encode(
            bgra,
            u16::try_from(width).ok()?,
            u16::try_from(height).ok()?,
            jpeg_encoder::ColorType::Bgra,
        )
        .ok()?;
    Some(out)
}

impl Pattern {
    pub(crate) fn new(format: PixelFormat, width: u32, height: u32) -> Option<Self> {
        let jpeg = format == PixelFormat::Mjpeg;
        let draw_format = if jpeg { PixelFormat::Bgra } else { format };
        let mut background = Canvas::new(draw_format, width, height)?;
        for (i, c) in BARS.iter().enumerate() {
            let x0 = width * i as u32 / BARS.len() as u32;
            let x1 = width * (i as u32 + 1) / BARS.len() as u32;
            background.fill_rect(x0, 0, x1 - x0, height, *c);
        }
        Some(Pattern { background, jpeg })
    }

    /// Frame number `counter`, captured at `timestamp` µs.
    pub(crate) fn frame(&self, counter: u64, timestamp: i64) -> Option<VideoFrame> {
        let mut c = self.background.clone();
        let (w, h) = (c.width, c.height);
        // The moving box: crosses the frame horizontally in about 128 frames.
        let size = (h / 5).max(2);
        let span = u64::from(w.saturating_sub(size).max(1));
        let step = (u64::from(w) / 128).max(1);
        let x = ((counter.wrapping_mul(step)) % span) as u32;
        c.fill_rect(x, h / 2, size, size, BOX);
        if w >= MIN_W && h >= MIN_H {
            draw_band(&mut c, 0, counter);
            draw_band(&mut c, 1, timestamp.max(0) as u64);
            let text = format!(
                "#{counter:06} {}.{:06}s",
                timestamp.max(0) / 1_000_000,
                timestamp.max(0) % 1_000_000
            );
            draw_text(&mut c, &text, 2 * h / BAND_DIV + h / 48);
        }
        if self.jpeg {
            let jpeg = encode_jpeg(&c.buf, w, h)?;
            return VideoFrame::new(PixelFormat::Mjpeg, w, h, jpeg, timestamp).ok();
        }
        c.to_frame(timestamp)
    }
}

fn cell_x(w: u32, i: u32) -> u32 {
    (u64::from(w) * u64::from(i) / u64::from(CELLS)) as u32
}

fn draw_band(c: &mut Canvas, band: u32, value: u64) {
    let (w, h) = (c.width, c.height);
    let y0 = h * band / BAND_DIV;
    let y1 = h * (band + 1) / BAND_DIV;
    let payload = value & ((1u64 << PAYLOAD_BITS) - 1);
    let ones = payload.count_ones();
    for i in 0..CELLS {
        let bit = match i {
            0 => true,
            1 => false,
            i if i < 2 + PAYLOAD_BITS => (payload >> (PAYLOAD_BITS - 1 - (i - 2))) & 1 == 1,
            i => (ones >> (CELLS - 1 - i)) & 1 == 1,
        };
        let x0 = cell_x(w, i);
        let x1 = cell_x(w, i + 1);
        c.fill_rect(x0, y0, x1 - x0, y1 - y0, if bit { WHITE } else { BLACK });
    }
}

/// 3x5 glyphs, one row per 3 low bits (top row first).
fn glyph(ch: char) -> [u8; 5] {
    match ch {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 1, 1],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        '.' => [0, 0, 0, 0, 2],
        '#' => [5, 7, 5, 7, 5],
        's' => [0, 3, 6, 3, 6],
        _ => [0; 5],
    }
}

fn draw_text(c: &mut Canvas, text: &str, y: u32) {
    let n = text.chars().count() as u32;
    let scale = (c.height / 90).min(c.width / (4 * n + 2)).max(1);
    let (cw, ch) = (4 * scale, 6 * scale);
    c.fill_rect(0, y, cw * n + scale, ch + scale, BLACK);
    for (k, chr) in text.chars().enumerate() {
        let gx = scale + k as u32 * cw;
        for (row, bits) in glyph(chr).iter().enumerate() {
            for col in 0..3u32 {
                if bits >> (2 - col) & 1 == 1 {
                    c.fill_rect(
                        gx + col * scale,
                        y + scale + row as u32 * scale,
                        scale,
                        scale,
                        WHITE,
                    );
                }
            }
        }
    }
}

/// The luma (0..=255) of the visible pixel at `(x, y)`; `None` for compressed frames.
fn luma(frame: &VideoFrame, x: u32, y: u32) -> Option<u8> {
    let r = frame.visible_rect();
    let (x, y) = ((r.x + x) as usize, (r.y + y) as usize);
    let p = frame.plane(0);
    let s = frame.stride(0);
    match frame.format() {
        PixelFormat::I420 | PixelFormat::Nv12 => p.get(y * s + x).copied(),
        PixelFormat::Yuyv => p.get(y * s + 2 * x).copied(),
        PixelFormat::Bgra | PixelFormat::Rgba => {
            let px = p.get(y * s + 4 * x..y * s + 4 * x + 3)?;
            let (r, g, b) = if frame.format() == PixelFormat::Bgra {
                (px[2], px[1], px[0])
            } else {
                (px[0], px[1], px[2])
            };
            let l = (66 * u32::from(r) + 129 * u32::from(g) + 25 * u32::from(b) + 128) >> 8;
            Some((l + 16).min(255) as u8)
        }
        _ => None,
    }
}

/// Reads one code band; `None` when the sync cells or the check do not match.
fn read_band(frame: &VideoFrame, band: u32) -> Option<u64> {
    let (w, h) = (frame.display_width(), frame.display_height());
    if w < CELLS || h < BAND_DIV * 2 {
        return None;
    }
    let yc = (2 * band + 1) as f64 * h as f64 / (2 * BAND_DIV) as f64;
    let cell_w = w as f64 / CELLS as f64;
    let band_h = h as f64 / BAND_DIV as f64;
    let mut bits = Vec::with_capacity(CELLS as usize);
    for i in 0..CELLS {
        let xc = (i as f64 + 0.5) * cell_w;
        // Average a small area around the centre (a third of the cell each way at most).
        let rx = ((cell_w / 6.0).floor() as i64).clamp(0, 2);
        let ry = ((band_h / 6.0).floor() as i64).clamp(0, 2);
        let (mut sum, mut n) = (0u32, 0u32);
        for dy in -ry..=ry {
            for dx in -rx..=rx {
                let x = (xc as i64 + dx).clamp(0, i64::from(w) - 1) as u32;
                let y = (yc as i64 + dy).clamp(0, i64::from(h) - 1) as u32;
                sum += u32::from(luma(frame, x, y)?);
                n += 1;
            }
        }
        bits.push(sum / n.max(1) >= 128);
    }
    if !bits[0] || bits[1] {
        return None;
    }
    let mut payload = 0u64;
    for &b in &bits[2..(2 + PAYLOAD_BITS) as usize] {
        payload = (payload << 1) | u64::from(b);
    }
    let mut check = 0u32;
    for &b in &bits[(2 + PAYLOAD_BITS) as usize..] {
        check = (check << 1) | u32::from(b);
    }
    (check == payload.count_ones()).then_some(payload)
}

/// The frame counter a fake camera or screen drew into `frame`, read back from the pixels.
///
/// Works on frames in any format (MJPEG frames are decoded first), also after scaling (down
/// to 112x48 at least; the code cells are a fixed fraction of the frame) and after lossy
/// coding that keeps black and white apart. `None` when the frame carries no readable code
/// (e.g. frames from a file).
pub fn read_frame_counter(frame: &VideoFrame) -> Option<u64> {
    if frame.format() == PixelFormat::Mjpeg {
        return read_band(
            &mediacapture_frame::convert(frame, PixelFormat::I420).ok()?,
            0,
        );
    }
    read_band(frame, 0)
}

/// The capture timestamp (µs on [`clock`](crate::clock)) a fake camera or screen drew into
/// `frame`, read back from the pixels. See [`read_frame_counter`].
pub fn read_frame_timestamp(frame: &VideoFrame) -> Option<i64> {
    if frame.format() == PixelFormat::Mjpeg {
        let decoded = mediacapture_frame::convert(frame, PixelFormat::I420).ok()?;
        return read_band(&decoded, 1).map(|t| t as i64);
    }
    read_band(frame, 1).map(|t| t as i64)
}

/// Converts a tightly packed I420 image into `format` (I420, NV12, YUYV, BGRA or RGBA).
pub(crate) fn convert_i420(
    src: &[u8],
    width: u32,
    height: u32,
    format: PixelFormat,
) -> Option<Vec<u8>> {
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    if src.len() < w * h + 2 * cw * ch {
        return None;
    }
    let (yp, rest) = src.split_at(w * h);
    let (up, vp) = rest.split_at(cw * ch);
    match format {
        PixelFormat::I420 => Some(src[..w * h + 2 * cw * ch].to_vec()),
        PixelFormat::Nv12 => {
            let mut out = Vec::with_capacity(w * h + 2 * cw * ch);
            out.extend_from_slice(yp);
            for (u, v) in up.iter().zip(vp.iter()).take(cw * ch) {
                out.push(*u);
                out.push(*v);
            }
            Some(out)
        }
        PixelFormat::Yuyv => {
            let mut out = Vec::with_capacity(cw * 4 * h);
            for y in 0..h {
                for cx in 0..cw {
                    let y0 = yp[y * w + 2 * cx];
                    let y1 = if 2 * cx + 1 < w {
                        yp[y * w + 2 * cx + 1]
                    } else {
                        y0
                    };
                    let ci = (y / 2) * cw + cx;
                    out.extend_from_slice(&[y0, up[ci], y1, vp[ci]]);
                }
            }
            Some(out)
        }
        PixelFormat::Bgra | PixelFormat::Rgba => {
            let mut out = Vec::with_capacity(w * h * 4);
            for y in 0..h {
                for x in 0..w {
                    let ci = (y / 2) * cw + x / 2;
                    let c = i32::from(yp[y * w + x]) - 16;
                    let d = i32::from(up[ci]) - 128;
                    let e = i32::from(vp[ci]) - 128;
                    let r = ((298 * c + 409 * e + 128) >> 8).clamp(0, 255) as u8;
                    let g = ((298 * c - 100 * d - 208 * e + 128) >> 8).clamp(0, 255) as u8;
                    let b = ((298 * c + 516 * d + 128) >> 8).clamp(0, 255) as u8;
                    if format == PixelFormat::Bgra {
                        out.extend_from_slice(&[b, g, r, 255]);
                    } else {
                        out.extend_from_slice(&[r, g, b, 255]);
                    }
                }
            }
            Some(out)
        }
        _ => None,
    }
}
