//! Fixed-ratio area (box) downscaling of one 8-bit plane: the fast path of
//! [`crate::scale`] for the ratios cameras and tracks actually use (1920x1080 -> 1280x720 is
//! 3:2, -> 640x360 is 3:1, -> 320x180 is 6:1).
//!
//! Each output pixel is the average of the source area it covers, with one rounding (half
//! up) at the end: per axis, `n:1` averages `n` samples and `3:2` makes two outputs of three
//! samples as `(2*s0 + s1) / 3` and `(s1 + 2*s2) / 3`; the two axes multiply. This is
//! libyuv's `kFilterBox` for these ratios, and what fast_image_resize's widened bilinear
//! kernel approximates with a softer (wider) filter.
//!
//! 3:2 on both axes (1080p -> 720p, the most common camera scale) has an AVX2 kernel of its
//! own in [`crate::simd`], used where the CPU has AVX2: three source rows make two output
//! rows in one pass (a `pshufb` + `pmaddubsw` per 12 source bytes and row), the same bytes as
//! its scalar reference; it took the 1080p -> 720p scale from 0.53-0.62 ms to 0.23-0.26 ms
//! (BENCHMARKS.md). 3:1 and 6:1 on both axes (-> 360p, -> 180p) have AVX2 kernels too,
//! which sum an output row's source rows and columns in one pass. The other ratios, and
//! these ones without AVX2, are plain Rust the compiler vectorises (baseline SSE2 on x86-64,
//! NEON on aarch64): the source rows of one output row are summed (weighted, two rows per pass)
//! into a reusable `u16` row, then each horizontal group of that row is summed in
//! fixed-size blocks of 16 outputs and divided by a multiply-high (no division, no
//! per-pixel branch).

use crate::video::Rect;
use crate::{FrameError, Result};

/// The largest `n` of an `n:1` ratio handled. With 3:2 on the other axis or `n:1` on both,
/// a pixel's weighted sum stays below `255 * 64 + 32`, well inside a `u16`.
pub(crate) const MAX_WHOLE: u32 = 8;

/// How one axis maps source samples to output samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ratio {
    /// `n` source samples per output sample (`1..=MAX_WHOLE`).
    Whole(u8),
    /// Three source samples per two output samples.
    ThreeToTwo,
}

impl Ratio {
    /// The ratio that maps exactly `src` samples onto `dst`, if it is one handled here.
    pub(crate) fn of(src: u32, dst: u32) -> Option<Ratio> {
        if dst == 0 {
            return None;
        }
        if src % dst == 0 && (1..=MAX_WHOLE).contains(&(src / dst)) {
            return u8::try_from(src / dst).ok().map(Ratio::Whole);
        }
        if u64::from(src) * 2 == u64::from(dst) * 3 {
            return Some(Ratio::ThreeToTwo);
        }
        None
    }

    /// The sum of the weights of one output sample.
    fn denominator(self) -> u16 {
        match self {
            Ratio::Whole(n) => u16::from(n),
            Ratio::ThreeToTwo => 3,
        }
    }

    /// The source samples of output sample `i`: the first one's index and the weights.
    fn taps(self, i: usize) -> (usize, &'static [u16]) {
        const ONES: [u16; MAX_WHOLE as usize] = [1; MAX_WHOLE as usize];
        match self {
            Ratio::Whole(n) => (i * usize::from(n), &ONES[..usize::from(n).min(ONES.len())]),
            Ratio::ThreeToTwo if i % 2 == 0 => (i / 2 * 3, &[2, 1]),
            Ratio::ThreeToTwo => (i / 2 * 3 + 1, &[1, 2]),
        }
    }
}

/// A plan for one plane: the ratio per axis, when both are handled and the plane is not
/// left as it is.
pub(crate) fn plan(src_w: u32, src_h: u32, dst_w: u32, dst_h: u32) -> Option<(Ratio, Ratio)> {
    let plan = (Ratio::of(src_w, dst_w)?, Ratio::of(src_h, dst_h)?);
    (plan != (Ratio::Whole(1), Ratio::Whole(1))).then_some(plan)
}

/// `(x + d / 2) / d` for every `x <= 255 * d` by a multiply-high and a shift (exact for
/// `d <= 128`, checked exhaustively by the tests), which vectorises where a division does
/// not.
#[derive(Debug, Clone, Copy)]
struct Divider {
    half: u16,
    mul: u16,
    shift: u32,
}

impl Divider {
    fn new(d: u16) -> Divider {
        debug_assert!((2..=128).contains(&d));
        let k = 15 - d.leading_zeros(); // floor(log2 d)
        if d.is_power_of_two() {
            // x / 2^k = (x * 2^15) >> 16 >> (k - 1), exactly.
            Divider {
                half: d / 2,
                mul: 1 << 15,
                shift: k - 1,
            }
        } else {
            // m = ceil(2^(16 + k) / d) < 2^16; the error x * (m / 2^(16 + k) - 1 / d)
            // stays below 1 / d for x < 2^(15 + k) / d, which covers 255.5 * d for d <= 128.
            let m = (1u32 << (16 + k)).div_ceil(u32::from(d));
            Divider {
                half: d / 2,
                mul: u16::try_from(m).unwrap_or(u16::MAX),
                shift: k,
            }
        }
    }

    #[inline(always)]
    fn apply(self, x: u16) -> u8 {
        let x = x + self.half;
        let high = ((u32::from(x) * u32::from(self.mul)) >> 16) as u16;
        (high >> self.shift) as u8
    }
}

/// Reusable buffers of the area scaler.
#[derive(Debug, Default)]
pub(crate) struct AreaScaler {
    /// One output row's vertically weighted sums, one per source column.
    acc: Vec<u16>,
    /// Never the vector kernel (tests check the general path on any CPU).
    general_only: bool,
}

/// One plane: its bytes, stride and rows.
pub(crate) type Plane<'a> = (&'a [u8], u32, u32);

impl AreaScaler {
    /// Scales the `rect` of `src` to the tight `dst_w` x `dst_h` plane `dst` with `plan`
    /// (from [`plan`] for the rect's and the output's sizes).
    pub(crate) fn scale_plane(
        &mut self,
        src: Plane<'_>,
        rect: Rect,
        dst: &mut [u8],
        dst_w: u32,
        dst_h: u32,
        (hr, vr): (Ratio, Ratio),
    ) -> Result<()> {
        let (data, stride, rows) = src;
        if u64::from(rect.x) + u64::from(rect.width) > u64::from(stride)
            || u64::from(rect.y) + u64::from(rect.height) > u64::from(rows)
        {
            return Err(FrameError::Layout(format!(
                "area scale: {rect:?} outside a plane of {stride} x {rows}"
            )));
        }
        let (x, y, w) = (rect.x as usize, rect.y as usize, rect.width as usize);
        let (stride, ow) = (stride as usize, dst_w as usize);
        let short = || FrameError::Layout("area scale: plane too short".into());
        let level = crate::SimdLevel::detect();
        let vector = level == crate::SimdLevel::Avx2 && !self.general_only;
        if vector && (hr, vr) == (Ratio::ThreeToTwo, Ratio::ThreeToTwo) {
            // 3:2 on both axes (1080p -> 720p): three source rows make two output rows in
            // one pass with the AVX2 kernel (the same bytes). Without AVX2 the general path
            // below, which the compiler vectorises (SSE2, NEON), stays.
            let pairs = dst_h as usize / 2;
            let row = |t: usize| {
                let start = (y + t) * stride + x;
                data.get(start..start + w).ok_or_else(short)
            };
            for (k, pair) in dst.chunks_exact_mut(2 * ow).take(pairs).enumerate() {
                let rows = [row(3 * k)?, row(3 * k + 1)?, row(3 * k + 2)?];
                // The next three rows, fetched into the cache while these are done.
                let next = if k + 1 < pairs {
                    [row(3 * k + 3)?, row(3 * k + 4)?, row(3 * k + 5)?]
                } else {
                    [&[][..]; 3]
                };
                let (out0, out1) = pair.split_at_mut(ow);
                crate::simd::area_three_to_two(level, rows, &next, out0, out1);
            }
            return Ok(());
        }
        if let (Ratio::Whole(n @ (3 | 6)), true) = (hr, vector && hr == vr) {
            // 3:1 and 6:1 on both axes (1080p -> 360p and 180p): the AVX2 kernel sums each
            // output row's n source rows and n columns in one pass (the same bytes).
            let n = usize::from(n);
            let oh = dst_h as usize;
            // Output row `oy`'s source rows (none past the last output row).
            let rows_of = |oy: usize| -> Result<[&[u8]; 6]> {
                let mut rows: [&[u8]; 6] = [&[]; 6];
                if oy < oh {
                    for (t, row) in rows.iter_mut().take(n).enumerate() {
                        let start = (y + n * oy + t) * stride + x;
                        *row = data.get(start..start + w).ok_or_else(short)?;
                    }
                }
                Ok(rows)
            };
            let mut rows = rows_of(0)?;
            for (oy, out) in dst.chunks_exact_mut(ow).take(oh).enumerate() {
                // The next output row's, fetched into the cache while this one is done.
                let next = rows_of(oy + 1)?;
                crate::simd::area_whole(level, &rows[..n], &next[..n], out);
                rows = next;
            }
            return Ok(());
        }
        let div = Divider::new(hr.denominator() * vr.denominator());
        self.acc.clear();
        self.acc.resize(w, 0);
        let acc = &mut self.acc[..];
        for (oy, out) in dst.chunks_exact_mut(ow).take(dst_h as usize).enumerate() {
            let (first, weights) = vr.taps(oy);
            let mut rows: [&[u8]; MAX_WHOLE as usize] = [&[]; MAX_WHOLE as usize];
            for (t, row) in rows.iter_mut().take(weights.len()).enumerate() {
                let start = (y + first + t) * stride + x;
                *row = data.get(start..start + w).ok_or_else(short)?;
            }
            vertical(acc, &rows[..weights.len()], weights);
            match hr {
                Ratio::Whole(1) => horizontal::<1>(acc, out, div),
                Ratio::Whole(2) => horizontal::<2>(acc, out, div),
                Ratio::Whole(3) => horizontal::<3>(acc, out, div),
                Ratio::Whole(4) => horizontal::<4>(acc, out, div),
                Ratio::Whole(5) => horizontal::<5>(acc, out, div),
                Ratio::Whole(6) => horizontal::<6>(acc, out, div),
                Ratio::Whole(7) => horizontal::<7>(acc, out, div),
                Ratio::Whole(8) => horizontal::<8>(acc, out, div),
                Ratio::Whole(n) => {
                    return Err(FrameError::Layout(format!("area scale: ratio {n}:1")));
                }
                Ratio::ThreeToTwo => horizontal_three_to_two(acc, out, div),
            }
        }
        Ok(())
    }
}

/// `acc = sum of weights[t] * rows[t]`, a pair of rows per pass (so `acc` is written once
/// for the common two-tap and 2:1 cases).
#[inline(always)]
fn vertical(acc: &mut [u16], rows: &[&[u8]], weights: &[u16]) {
    match (rows, weights) {
        ([r0], [w0]) => {
            for (a, &s0) in acc.iter_mut().zip(*r0) {
                *a = u16::from(s0) * w0;
            }
        }
        ([r0, r1, ..], [w0, w1, ..]) => {
            for ((a, &s0), &s1) in acc.iter_mut().zip(*r0).zip(*r1) {
                *a = u16::from(s0) * w0 + u16::from(s1) * w1;
            }
            let mut rest = rows[2..].iter().zip(&weights[2..]);
            while let Some((r0, &w0)) = rest.next() {
                if let Some((r1, &w1)) = rest.next() {
                    for ((a, &s0), &s1) in acc.iter_mut().zip(*r0).zip(*r1) {
                        *a += u16::from(s0) * w0 + u16::from(s1) * w1;
                    }
                } else {
                    for (a, &s0) in acc.iter_mut().zip(*r0) {
                        *a += u16::from(s0) * w0;
                    }
                }
            }
        }
        _ => acc.fill(0),
    }
}

/// `out[i]` = the rounded average of `acc[N * i .. N * i + N]` (already weighted
/// vertically; `div` divides by both axes' weights).
#[inline(always)]
fn horizontal<const N: usize>(acc: &[u16], out: &mut [u8], div: Divider) {
    // Blocks of 16 outputs of a fixed shape: the compiler loads each block's groups into
    // vector registers and sums and divides 8 or 16 lanes at a time; then the tail.
    let blocks = out.len() / 16;
    for (o, a) in out.chunks_exact_mut(16).zip(acc.chunks_exact(16 * N)) {
        let mut sums = [0u16; 16];
        for (k, sum) in sums.iter_mut().enumerate() {
            for t in 0..N {
                *sum += a[N * k + t];
            }
        }
        for (o, &sum) in o.iter_mut().zip(&sums) {
            *o = div.apply(sum);
        }
    }
    let (out, acc) = (
        &mut out[blocks * 16..],
        acc.get(blocks * 16 * N..).unwrap_or(&[]),
    );
    for (o, group) in out.iter_mut().zip(acc.chunks_exact(N)) {
        let mut sum = 0u16;
        for &a in group {
            sum += a;
        }
        *o = div.apply(sum);
    }
}

/// Two outputs per three sums: `2*a0 + a1` and `a1 + 2*a2`.
#[inline(always)]
fn horizontal_three_to_two(acc: &[u16], out: &mut [u8], div: Divider) {
    // As in `horizontal`: blocks of 16 outputs, then the tail.
    let blocks = out.len() / 16;
    for (o, a) in out.chunks_exact_mut(16).zip(acc.chunks_exact(24)) {
        let mut sums = [0u16; 16];
        for k in 0..8 {
            sums[2 * k] = 2 * a[3 * k] + a[3 * k + 1];
            sums[2 * k + 1] = a[3 * k + 1] + 2 * a[3 * k + 2];
        }
        for (o, &sum) in o.iter_mut().zip(&sums) {
            *o = div.apply(sum);
        }
    }
    let (out, acc) = (
        &mut out[blocks * 16..],
        acc.get(blocks * 24..).unwrap_or(&[]),
    );
    for (o, a) in out.chunks_exact_mut(2).zip(acc.chunks_exact(3)) {
        o[0] = div.apply(2 * a[0] + a[1]);
        o[1] = div.apply(a[1] + 2 * a[2]);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn divider_is_exact_for_every_sum() {
        for d in 2..=128u16 {
            let div = Divider::new(d);
            for x in 0..=255 * u32::from(d) {
                let want = (x + u32::from(d) / 2) / u32::from(d);
                assert_eq!(u32::from(div.apply(x as u16)), want, "{x} / {d}");
            }
        }
    }

    #[test]
    fn ratios() {
        assert_eq!(Ratio::of(1920, 1280), Some(Ratio::ThreeToTwo));
        assert_eq!(Ratio::of(1080, 720), Some(Ratio::ThreeToTwo));
        assert_eq!(Ratio::of(1920, 640), Some(Ratio::Whole(3)));
        assert_eq!(Ratio::of(1920, 320), Some(Ratio::Whole(6)));
        assert_eq!(Ratio::of(1920, 1920), Some(Ratio::Whole(1)));
        assert_eq!(Ratio::of(1920, 1000), None);
        assert_eq!(Ratio::of(1920, 240), Some(Ratio::Whole(8)));
        assert_eq!(Ratio::of(1920, 160), None);
        assert_eq!(Ratio::of(3, 2), Some(Ratio::ThreeToTwo));
        assert_eq!(Ratio::of(2, 3), None);
        assert_eq!(Ratio::of(5, 0), None);
        assert_eq!(plan(8, 8, 8, 8), None);
        assert_eq!(plan(8, 8, 8, 4), Some((Ratio::Whole(1), Ratio::Whole(2))));
        assert_eq!(plan(9, 8, 6, 3), None);
    }
    /// Scales a `w` x `h` tight plane to `ow` x `oh` (an exact ratio) with the area scaler.
    fn scale(src: &[u8], w: u32, h: u32, ow: u32, oh: u32) -> Vec<u8> {
        let rect = Rect {
            x: 0,
            y: 0,
            width: w,
            height: h,
        };
        let mut out = vec![0; (ow * oh) as usize];
        AreaScaler::default()
            .scale_plane(
                (src, w, h),
                rect,
                &mut out,
                ow,
                oh,
                plan(w, h, ow, oh).unwrap(),
            )
            .unwrap();
        out
    }

    #[test]
    fn known_values_per_ratio() {
        // 2:1: the average of 2x2, half rounded up.
        assert_eq!(scale(&[10, 20, 30, 42], 2, 2, 1, 1), [26]);
        assert_eq!(scale(&[10, 20, 30, 41], 2, 2, 1, 1), [25]);
        // 3:2 both ways: weights 4 2 / 2 1 out of 9; a linear ramp stays exact.
        let ramp = [0, 30, 60, 90, 120, 150, 180, 210, 240];
        assert_eq!(scale(&ramp, 3, 3, 2, 2), [40, 80, 160, 200]);
        // 3:2 across, 1:1 down: (2*s0 + s1) / 3 and (s1 + 2*s2) / 3, rounded.
        assert_eq!(scale(&[0, 1, 255, 9, 0, 3], 3, 2, 2, 2), [0, 170, 6, 2]);
        // 3:1: a ninth of 5 rounds to 1, of 4 to 0.
        assert_eq!(scale(&[0, 0, 0, 0, 0, 0, 0, 0, 5], 3, 3, 1, 1), [1]);
        assert_eq!(scale(&[0, 0, 0, 0, 4, 0, 0, 0, 0], 3, 3, 1, 1), [0]);
        // 4:1: 0..16 average 7.5, rounded up.
        let block: Vec<u8> = (0..16).collect();
        assert_eq!(scale(&block, 4, 4, 1, 1), [8]);
        // 2:1 across, 4:1 down: two outputs of eight.
        let tall = [8, 8, 0, 0, 8, 8, 0, 0, 8, 8, 0, 255, 8, 8, 0, 0];
        assert_eq!(scale(&tall, 4, 4, 2, 1), [8, 32]);
        // White stays white at every ratio (the largest sums).
        for n in 1..=MAX_WHOLE {
            let white = vec![255; (6 * n * 3 * n) as usize];
            if n > 1 {
                assert!(scale(&white, 6 * n, 3 * n, 6, 3).iter().all(|&p| p == 255));
            }
            assert!(
                scale(&white, 6 * n, 3 * n, 4 * n, 2 * n)
                    .iter()
                    .all(|&p| p == 255)
            );
        }
    }

    /// A small xorshift generator: deterministic random planes without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u32) -> u32 {
            (self.next() % u64::from(n)) as u32
        }
    }

    /// Weight (times `dst`) of source sample `j` in output sample `i` of a `src` -> `dst`
    /// axis: the overlap of `[i * src / dst, (i + 1) * src / dst)` with `[j, j + 1)`.
    fn overlap(src: u64, dst: u64, i: u64, j: u64) -> u64 {
        let lo = (i * src).max(j * dst);
        let hi = ((i + 1) * src).min((j + 1) * dst);
        hi.saturating_sub(lo)
    }

    /// The area filter by its definition, one output pixel at a time: the overlap-weighted
    /// mean of the source pixels under it, rounded half up.
    fn reference(src: &[u8], stride: usize, rect: Rect, ow: u32, oh: u32) -> Vec<u8> {
        let (sw, sh) = (u64::from(rect.width), u64::from(rect.height));
        let mut out = Vec::new();
        for i in 0..u64::from(oh) {
            for k in 0..u64::from(ow) {
                let (mut sum, mut total) = (0u64, 0u64);
                for j in 0..sh {
                    let wy = overlap(sh, u64::from(oh), i, j);
                    for l in 0..sw {
                        let weight = wy * overlap(sw, u64::from(ow), k, l);
                        let at = (rect.y as usize + j as usize) * stride + rect.x as usize;
                        sum += weight * u64::from(src[at + l as usize]);
                        total += weight;
                    }
                }
                out.push(((2 * sum + total) / (2 * total)) as u8);
            }
        }
        out
    }

    #[test]
    fn equals_the_definition_on_random_planes() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let ratios = [
            (1, 1),
            (2, 1),
            (3, 1),
            (4, 1),
            (5, 1),
            (6, 1),
            (7, 1),
            (8, 1),
            (3, 2),
        ];
        let mut cases = 0;
        for &(hn, hd) in &ratios {
            for &(vn, vd) in &ratios {
                if (hn, vn) == (1, 1) {
                    continue;
                }
                for _ in 0..3 {
                    // Odd and even output sizes (3:2 needs even ones), a random offset and
                    // row padding.
                    let ow = hd * (1 + rng.below(if hd == 2 { 20 } else { 37 }));
                    let oh = vd * (1 + rng.below(if vd == 2 { 6 } else { 11 }));
                    let (w, h) = (ow * hn / hd, oh * vn / vd);
                    let (x, y) = (rng.below(5), rng.below(4));
                    let stride = x + w + rng.below(9);
                    let rows = y + h + rng.below(3);
                    let src: Vec<u8> = (0..stride * rows).map(|_| rng.next() as u8).collect();
                    let rect = Rect {
                        x,
                        y,
                        width: w,
                        height: h,
                    };
                    let p = plan(w, h, ow, oh).unwrap();
                    let want = reference(&src, stride as usize, rect, ow, oh);
                    // With the vector kernel where this CPU has one, and without.
                    for general_only in [false, true] {
                        let mut out = vec![0; (ow * oh) as usize];
                        AreaScaler {
                            general_only,
                            ..AreaScaler::default()
                        }
                        .scale_plane((&src, stride, rows), rect, &mut out, ow, oh, p)
                        .unwrap();
                        assert_eq!(
                            out, want,
                            "{w}x{h} at ({x}, {y}) stride {stride} -> {ow}x{oh}, general only: {general_only}"
                        );
                    }
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, 80 * 3);
    }

    #[test]
    fn a_reused_scaler_and_bad_rects() {
        let mut scaler = AreaScaler::default();
        let big = vec![7u8; 64 * 64];
        let rect = |width, height| Rect {
            x: 0,
            y: 0,
            width,
            height,
        };
        let mut out = vec![0; 32 * 32];
        let p = plan(64, 64, 32, 32).unwrap();
        scaler
            .scale_plane((&big, 64, 64), rect(64, 64), &mut out, 32, 32, p)
            .unwrap();
        assert!(out.iter().all(|&v| v == 7));
        // A smaller plane after a bigger one: the row buffer shrinks with it.
        let small = [1u8, 3, 5, 7, 9, 11];
        let mut out = [0; 2];
        let p = plan(6, 1, 2, 1).unwrap();
        scaler
            .scale_plane((&small, 6, 1), rect(6, 1), &mut out, 2, 1, p)
            .unwrap();
        assert_eq!(out, [3, 9]);
        // A rect outside its plane, or a plane shorter than its rows, is an error.
        assert!(
            scaler
                .scale_plane((&small, 6, 1), rect(6, 2), &mut out, 2, 1, p)
                .is_err()
        );
        assert!(
            scaler
                .scale_plane((&small[..5], 6, 1), rect(6, 1), &mut out, 2, 1, p)
                .is_err()
        );
    }
}
