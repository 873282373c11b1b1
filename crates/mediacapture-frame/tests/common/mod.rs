//! Helpers shared by the integration tests: reference colours and frame builders.
#![allow(dead_code)]

use mediacapture_frame::{PixelFormat, PlaneLayout, VideoFrame};

/// Reference BT.601 limited-range YUV of 8-bit full-range RGB (ITU-R BT.601 with the
/// 219/224 scaling), rounded: the values every converter is checked against.
pub fn rgb_to_yuv601(r: u8, g: u8, b: u8) -> (u8, u8, u8) {
    let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
    let y = 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
    let u = 128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0;
    let v = 128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0;
    (y.round() as u8, u.round() as u8, v.round() as u8)
}

/// Reference RGB of BT.601 limited-range YUV, rounded and clamped.
pub fn yuv601_to_rgb(y: u8, u: u8, v: u8) -> (u8, u8, u8) {
    let (y, u, v) = (
        f64::from(y) - 16.0,
        f64::from(u) - 128.0,
        f64::from(v) - 128.0,
    );
    let c = |x: f64| x.round().clamp(0.0, 255.0) as u8;
    let r = 1.164_383 * y + 1.596_027 * v;
    let g = 1.164_383 * y - 0.391_762 * u - 0.812_968 * v;
    let b = 1.164_383 * y + 2.017_232 * u;
    (c(r), c(g), c(b))
}

/// Colour bars: white, yellow, cyan, green, magenta, red, blue, black (75%-free full bars).
pub const BARS: [(u8, u8, u8); 8] = [
    (255, 255, 255),
    (255, 255, 0),
    (0, 255, 255),
    (0, 255, 0),
    (255, 0, 255),
    (255, 0, 0),
    (0, 0, 255),
    (0, 0, 0),
];

pub fn close(a: u8, b: u8, tolerance: u8) -> bool {
    a.abs_diff(b) <= tolerance
}

/// A tight I420 frame whose pixel (x, y) has luma `f(x, y).0` and whose chroma sample
/// (cx, cy) is `c(cx, cy)`.
pub fn i420_from(
    w: u32,
    h: u32,
    f: impl Fn(u32, u32) -> u8,
    c: impl Fn(u32, u32) -> (u8, u8),
    ts: i64,
) -> VideoFrame {
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut buf = Vec::new();
    for y in 0..h {
        for x in 0..w {
            buf.push(f(x, y));
        }
    }
    for y in 0..ch {
        for x in 0..cw {
            buf.push(c(x, y).0);
        }
    }
    for y in 0..ch {
        for x in 0..cw {
            buf.push(c(x, y).1);
        }
    }
    VideoFrame::new(PixelFormat::I420, w, h, buf, ts).unwrap()
}

/// A deterministic "noise" value for position (x, y) and a seed, in 16..=235.
pub fn noise(x: u32, y: u32, seed: u32) -> u8 {
    let mut v =
        x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663) ^ seed.wrapping_mul(83_492_791);
    v ^= v >> 13;
    v = v.wrapping_mul(0x5bd1_e995);
    v ^= v >> 15;
    16 + (v % 220) as u8
}

/// A noisy I420 frame (every sample different), for exactness checks.
pub fn noisy_i420(w: u32, h: u32, seed: u32) -> VideoFrame {
    i420_from(
        w,
        h,
        |x, y| noise(x, y, seed),
        |x, y| (noise(x, y, seed + 1), noise(x, y, seed + 2)),
        0,
    )
}

/// `frame`'s bytes re-laid with `pad` extra bytes at the end of every row of every plane,
/// and `lead` bytes before the first plane (a device buffer with padded rows).
pub fn padded(frame: &VideoFrame, pad: usize, lead: usize) -> VideoFrame {
    let mut data = vec![0xEE; lead];
    let mut layout = Vec::new();
    for (i, p) in frame.planes().iter().enumerate() {
        let stride = p.stride + pad;
        layout.push(PlaneLayout {
            offset: data.len(),
            stride,
            rows: p.rows,
        });
        let plane = frame.plane(i);
        for r in 0..p.rows {
            data.extend_from_slice(&plane[r * p.stride..(r + 1) * p.stride]);
            data.extend(std::iter::repeat_n(0xEEu8, pad));
        }
    }
    VideoFrame::with_layout(
        frame.format(),
        frame.coded_width(),
        frame.coded_height(),
        data,
        layout,
        frame.timestamp(),
    )
    .unwrap()
}

/// Rows of Y, U and V.
pub type Planes = (Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<Vec<u8>>);

/// The visible picture of an I420 frame as (Y rows, U rows, V rows).
pub fn i420_planes(frame: &VideoFrame) -> Planes {
    assert_eq!(frame.format(), PixelFormat::I420);
    let r = frame.visible_rect();
    let rows = |i: usize, x: u32, y: u32, w: u32, h: u32| -> Vec<Vec<u8>> {
        let s = frame.stride(i);
        (y..y + h)
            .map(|row| {
                let start = row as usize * s + x as usize;
                frame.plane(i)[start..start + w as usize].to_vec()
            })
            .collect()
    };
    let (cw, ch) = (r.width.div_ceil(2), r.height.div_ceil(2));
    (
        rows(0, r.x, r.y, r.width, r.height),
        rows(1, r.x / 2, r.y / 2, cw, ch),
        rows(2, r.x / 2, r.y / 2, cw, ch),
    )
}

/// Asserts that `frame` holds `size` bytes of picture and nothing more than the alignment
/// padding of its buffers (under 64 bytes each: a converted frame's buffer starts on a
/// cache line).
#[track_caller]
pub fn assert_holds(frame: &VideoFrame, size: usize) {
    let buffers = (0..frame.planes().len())
        .filter_map(|i| frame.buffer(i))
        .enumerate()
        .filter(|(i, b)| {
            !(0..*i).any(|j| {
                frame
                    .buffer(j)
                    .is_some_and(|o| std::sync::Arc::ptr_eq(o, b))
            })
        })
        .count();
    let held = frame.byte_len();
    assert!(
        held >= size && held < size + 64 * buffers.max(1),
        "{held} bytes held in {buffers} buffers for {size} bytes of picture"
    );
}
