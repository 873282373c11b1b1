//! The reference kernels: plain Rust, one pixel at a time. They define the results: every
//! vector kernel must give exactly these bytes (tested on random rows), and they finish the
//! tail of a row that a vector kernel leaves. On targets without hand-written kernels they
//! are all there is (written so that the compiler can vectorise the simple ones).

use super::RgbLayout;

/// `dst[i] = src[2 * i + first]` for every `i` of `dst`.
pub(crate) fn take_every_other(src: &[u8], first: usize, dst: &mut [u8]) {
    for (d, pair) in dst
        .iter_mut()
        .zip(src.get(first..).unwrap_or(&[]).chunks(2))
    {
        *d = pair[0];
    }
}

/// `even[j] = src[2j]`, `odd[j] = src[2j + 1]`.
pub(crate) fn split_pairs(src: &[u8], even: &mut [u8], odd: &mut [u8]) {
    for ((e, o), pair) in even.iter_mut().zip(odd.iter_mut()).zip(src.chunks_exact(2)) {
        *e = pair[0];
        *o = pair[1];
    }
}

/// The chroma of a 4:2:2 packed row pair, averaged over the two rows (rounding half up, as
/// `pavgb` and libyuv do): `u[j] = avg(a[4j + u_at], b[4j + u_at])`, the same for `v`.
pub(crate) fn packed_chroma(a: &[u8], b: &[u8], u_at: usize, u: &mut [u8], v: &mut [u8]) {
    let v_at = u_at + 2;
    let quads = a.chunks_exact(4).zip(b.chunks_exact(4));
    for ((u, v), (a, b)) in u.iter_mut().zip(v.iter_mut()).zip(quads) {
        *u = avg(a[u_at], b[u_at]);
        *v = avg(a[v_at], b[v_at]);
    }
}

#[inline(always)]
fn avg(a: u8, b: u8) -> u8 {
    ((u16::from(a) + u16::from(b) + 1) >> 1) as u8
}

/// BT.601 limited-range luma of full-range RGB in 8-bit fixed point (the classic
/// `(66 R + 129 G + 25 B + 128) / 256 + 16`, within 1 of the exact value): libyuv's
/// `ARGBToYRow` formula.
#[inline(always)]
pub(crate) fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((66 * u32::from(r) + 129 * u32::from(g) + 25 * u32::from(b) + 0x1080) >> 8) as u8
}

/// BT.601 limited-range chroma of the sums `r`, `g`, `b` of a 2x2 block (each `0..=1020`):
/// `U = (-38 R - 74 G + 112 B) / 256 + 128` and `V = (112 R - 94 G - 18 B) / 256 + 128` of
/// the block's mean, with one rounding at the end (libyuv averages first, rounding twice).
#[inline(always)]
pub(crate) fn chroma_of_sums(r: i32, g: i32, b: i32) -> (u8, u8) {
    const BIAS: i32 = (128 << 10) + 512;
    let u = (-38 * r - 74 * g + 112 * b + BIAS) >> 10;
    let v = (112 * r - 94 * g - 18 * b + BIAS) >> 10;
    (u as u8, v as u8)
}

/// Pixel `i` of a packed RGB row as (R, G, B).
#[inline(always)]
pub(crate) fn rgb_at(layout: RgbLayout, row: &[u8], i: usize) -> (u8, u8, u8) {
    match layout {
        RgbLayout::Rgba => (row[4 * i], row[4 * i + 1], row[4 * i + 2]),
        RgbLayout::Bgra => (row[4 * i + 2], row[4 * i + 1], row[4 * i]),
        RgbLayout::Rgb24 => (row[3 * i], row[3 * i + 1], row[3 * i + 2]),
    }
}

/// Luma of pixels `from..y.len()` of a packed RGB row.
pub(crate) fn rgb_to_y(layout: RgbLayout, src: &[u8], y: &mut [u8], from: usize) {
    for (i, d) in y.iter_mut().enumerate().skip(from) {
        let (r, g, b) = rgb_at(layout, src, i);
        *d = luma(r, g, b);
    }
}

/// Chroma samples `from..u.len()` of a packed RGB row pair: each is the 2x2 block of rows
/// `a` and `b` at columns `2j` and `2j + 1`, with the last column repeated when the row has
/// an odd number of pixels (`width`). For the last row of an odd height, `b` is `a`.
pub(crate) fn rgb_to_uv(
    layout: RgbLayout,
    a: &[u8],
    b: &[u8],
    width: usize,
    u: &mut [u8],
    v: &mut [u8],
    from: usize,
) {
    for (j, (u, v)) in u.iter_mut().zip(v.iter_mut()).enumerate().skip(from) {
        let (x0, x1) = (2 * j, (2 * j + 1).min(width - 1));
        let (mut r, mut g, mut bl) = (0i32, 0i32, 0i32);
        for (row, x) in [(a, x0), (a, x1), (b, x0), (b, x1)] {
            let (pr, pg, pb) = rgb_at(layout, row, x);
            r += i32::from(pr);
            g += i32::from(pg);
            bl += i32::from(pb);
        }
        (*u, *v) = chroma_of_sums(r, g, bl);
    }
}

/// A 3:2 area downscale of three source rows into two output rows: per three source
/// columns, `h = (2*c0 + c1, c1 + 2*c2)` on each row, then `out0 = (2*h(r0) + h(r1) + 4) / 9`
/// and `out1 = (h(r1) + 2*h(r2) + 4) / 9` (the box average of the area each output pixel
/// covers, rounded half up once).
pub(crate) fn area_three_to_two(r0: &[u8], r1: &[u8], r2: &[u8], out0: &mut [u8], out1: &mut [u8]) {
    let h = |r: &[u8], k: usize| -> (u16, u16) {
        let c = |i: usize| u16::from(r.get(3 * k + i).copied().unwrap_or(0));
        (2 * c(0) + c(1), c(1) + 2 * c(2))
    };
    let groups = out0.len().min(out1.len()) / 2;
    for k in 0..groups.min(r0.len() / 3).min(r1.len() / 3).min(r2.len() / 3) {
        let (a, b, c) = (h(r0, k), h(r1, k), h(r2, k));
        out0[2 * k] = ((2 * a.0 + b.0 + 4) / 9) as u8;
        out0[2 * k + 1] = ((2 * a.1 + b.1 + 4) / 9) as u8;
        out1[2 * k] = ((b.0 + 2 * c.0 + 4) / 9) as u8;
        out1[2 * k + 1] = ((b.1 + 2 * c.1 + 4) / 9) as u8;
    }
}

/// An `n:1` area downscale (both axes) of the `n` source rows `rows` into one output row:
/// `out[i]` is the sum of the `n` x `n` block at columns `n * i .. n * i + n` of every row,
/// plus `n * n / 2`, divided by `n * n` (the box average, rounded half up once). Stops where
/// a row or `out` ends.
pub(crate) fn area_whole(rows: &[&[u8]], out: &mut [u8]) {
    let n = rows.len();
    let Some(groups) = rows.iter().map(|r| r.len() / n).min() else {
        return;
    };
    let d = (n * n) as u32;
    for (i, o) in out.iter_mut().take(groups).enumerate() {
        let sum: u32 = rows
            .iter()
            .flat_map(|r| &r[n * i..n * i + n])
            .map(|&s| u32::from(s))
            .sum();
        *o = ((sum + d / 2) / d) as u8;
    }
}
