//! The pixel kernels of the camera paths, with run-time CPU dispatch. This module (with its
//! files `scalar.rs`, `sse41.rs`, `avx2.rs`) is the only place of the crate with `unsafe`:
//! the x86 vector kernels load and store through pointers, and calling a
//! `#[target_feature]` function needs the CPU check that [`SimdLevel::detect`] made.
//!
//! # What is here and why
//!
//! Row kernels for YUYV/UYVY -> I420 (luma de-interleave, chroma averaged over the row
//! pair), NV12/NV21 -> I420 (the chroma split), RGBA/BGRA/RGB24 -> I420 (BT.601 limited
//! range in 8-bit fixed point), and the 3:2, 3:1 and 6:1 area downscales (1080p -> 720p,
//! 360p, 180p; AVX2 only: without it the general area code, which the compiler vectorises,
//! does them). Each has a scalar reference (`scalar.rs`) that defines the result; the SSE4.1 and AVX2 kernels give exactly the same bytes (tested against it on
//! random rows and frames) and leave the tail of a row, shorter than one vector step, to the
//! scalar one. [`SimdLevel::detect`] picks the best the CPU has; [`crate::convert_with_level`]
//! can force a lower one (benchmarks and tests do).
//!
//! * **Own kernels rather than libyuv through FFI.** libyuv is C++ with no crate that builds
//!   it: linking it means a runtime dependency on `libyuv.so` (Debian's package) that the
//!   Node package's prebuilt binary would carry to every user, or a C++ build step in every
//!   build. The kernels needed are few and short (the ones libyuv has for these paths, same
//!   instruction choices: `pavgb` averages, `pmaddubsw` luma), and are measured against
//!   libyuv in `scripts/bench-frames.sh` (BENCHMARKS.md).
//! * **yuvutils-rs (already a dependency) for YUV -> RGB only.** Its I420 -> RGBA/BGRA has
//!   SSE4.1/AVX2/NEON kernels chosen at run time and measures faster than libyuv's AVX2 path
//!   (BENCHMARKS.md), so it stays. Its YUYV -> I420 point-samples the chroma of every other
//!   row (we average the pair, as libyuv), its NV12 -> I420 wants tightly packed planes (no
//!   strides, no visible rect), and its AVX-512 kernels need a nightly compiler (on stable it
//!   stops at AVX2). For RGB -> I420 we wanted one definition of the fixed-point maths that
//!   every level reproduces bit for bit (tested), with the same kernels and dispatch as the
//!   other camera paths; yuvutils-rs's RGB -> YUV was not benchmarked against ours.
//! * **No AVX-512 kernels.** At 1080p these paths wait on memory (profiles show the time at
//!   the loads; a YUYV frame is 4 MB in and 3 MB out, a BGRA one 8 MB in), so wider vectors
//!   would not move the bytes faster; Debian's libyuv has no AVX-512 code either. The RGB
//!   kernels prefetch the next row pair, since the hardware prefetcher stops at every 4 KiB
//!   page and an RGB row spans two; the area (downscale) kernels prefetch the next group of
//!   rows, which cut the CPU time of a 1080p -> 720p scale of an uncached frame by a quarter
//!   (`examples/cold_frames.rs`).
//! * **RGB -> I420 in one pass over each row pair (AVX2).** [`rgb_to_i420_rows`] loads each
//!   pixel once and makes both rows' luma and their chroma from it, where the separate luma
//!   and chroma kernels loaded every pixel twice; RGB24 pixels are loaded 8 at a time with
//!   one 32-byte load placed so that each 16-byte lane holds 4 whole pixels (no lane
//!   crossing), and RGB24 luma weighs the unsigned bytes (green twice, its weight split in
//!   two signed bytes) instead of flipping them to signed first. On an AMD EPYC (AVX2) this
//!   took RGB24 -> I420 from 0.70x to 1.18x libyuv (its time over ours; BENCHMARKS.md).
//! * **RGBA/BGRA chroma without pixel shuffles (AVX2).** For 4-byte pixels the fused kernel
//!   weighs each row's pixel bytes directly with `pmaddubsw` (BT.601's chroma weights halved:
//!   all are even, so the result is unchanged, and the halves keep the two rows' word sums
//!   below 2^15), adds the rows, and one `phaddw` + `pmaddwd` by 1 give each 2x2 block's
//!   exact sum: the same single rounding as the scalar kernel, with no `pshufb` per group
//!   of 8 pixels (per 32 pixels of a row pair: 8 `pshufb` and 4 `pmaddwd` fewer, 8
//!   `pmaddubsw` more). BGRA -> I420 went from 0.394 to 0.367 ms per 1080p frame, about
//!   1.0x libyuv (BENCHMARKS.md).
//! * **No hand-written NEON kernels.** They could not be built or tested on the x86 machines
//!   this project is developed and tested on. On aarch64 the scalar kernels run; the simple
//!   ones are written so that LLVM vectorises them with NEON (baseline on aarch64).
#![allow(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(target_arch = "x86_64")]
mod avx2;
mod scalar;
#[cfg(target_arch = "x86_64")]
mod sse41;
#[cfg(test)]
mod tests;

/// An instruction-set level for the pixel kernels, lowest first. A level the CPU lacks is
/// never used: every entry point caps the level it is given at [`SimdLevel::detect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SimdLevel {
    /// Plain Rust, one pixel at a time (vectorised by the compiler where it can).
    Scalar,
    /// x86-64 SSE4.1 (with SSSE3): 16-byte vectors.
    Sse41,
    /// x86-64 AVX2: 32-byte vectors.
    Avx2,
}

impl SimdLevel {
    /// The best level this CPU supports.
    pub fn detect() -> SimdLevel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                return SimdLevel::Avx2;
            }
            if std::arch::is_x86_feature_detected!("sse4.1") {
                return SimdLevel::Sse41;
            }
        }
        SimdLevel::Scalar
    }

    /// This level, lowered to what the CPU supports.
    pub fn supported(self) -> SimdLevel {
        self.min(SimdLevel::detect())
    }
}

/// The byte order of a packed RGB pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RgbLayout {
    /// R, G, B, A.
    Rgba,
    /// B, G, R, A.
    Bgra,
    /// R, G, B.
    Rgb24,
}

impl RgbLayout {
    /// Bytes per pixel.
    pub(crate) fn bytes(self) -> usize {
        match self {
            RgbLayout::Rgb24 => 3,
            _ => 4,
        }
    }
}

/// `dst[i] = src[2 * i + first]` (`first` 0 or 1): the luma of a YUYV (0) or UYVY (1) row.
/// Stops early, without panicking, where `src` is too short.
pub(crate) fn take_every_other(level: SimdLevel, src: &[u8], first: usize, dst: &mut [u8]) {
    let first = first & 1;
    // Output i reads byte 2i + first: n outputs need 2(n - 1) + first < src.len().
    let n = dst.len().min((src.len() + 1).saturating_sub(first) / 2);
    let dst = &mut dst[..n];
    let done = match level.supported() {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => {
            // SAFETY: `supported` returned AVX2, so this CPU has it.
            unsafe { avx2::take_every_other(src, first, dst) }
        }
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Sse41 => {
            // SAFETY: `supported` returned SSE4.1, so this CPU has it.
            unsafe { sse41::take_every_other(src, first, dst) }
        }
        _ => 0,
    };
    scalar::take_every_other(&src[2 * done..], first, &mut dst[done..]);
}

/// An `n:1` area downscale (both axes) of the `n` source rows `rows` into one output row
/// (see [`scalar::area_whole`]); AVX2 has kernels for 3:1 and 6:1 (1080p to 360p and 180p,
/// and their chroma), other `n` and the rest of a row are scalar. `next` is the next output
/// row's source rows (empty at the end), fetched into the cache meanwhile. Stops early,
/// without panicking, where a slice is too short.
pub(crate) fn area_whole(level: SimdLevel, rows: &[&[u8]], next: &[&[u8]], out: &mut [u8]) {
    let n = rows.len();
    let done = match level.supported() {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 if n == 3 || n == 6 => {
            // SAFETY: `supported` returned AVX2, so this CPU has it.
            unsafe { avx2::area_whole(rows, next, out) }
        }
        _ => 0,
    };
    let mut rest: [&[u8]; 8] = [&[]; 8];
    for (r, rest) in rows.iter().zip(rest.iter_mut()) {
        *rest = r.get(done * n..).unwrap_or(&[]);
    }
    let out = out.get_mut(done..).unwrap_or(&mut []);
    scalar::area_whole(&rest[..n.min(8)], out);
}

/// A 3:2 area downscale (both axes) of source rows `r0`, `r1`, `r2` into output rows
/// `out0`, `out1` (see [`scalar::area_three_to_two`]): 1080p to 720p, and its chroma. `next`
/// is the next three source rows (empty at the end), fetched into the cache meanwhile. Stops
/// early, without panicking, where a slice is too short.
pub(crate) fn area_three_to_two(
    level: SimdLevel,
    [r0, r1, r2]: [&[u8]; 3],
    next: &[&[u8]],
    out0: &mut [u8],
    out1: &mut [u8],
) {
    let done = match level.supported() {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => {
            // SAFETY: `supported` returned AVX2, so this CPU has it.
            unsafe { avx2::area_three_to_two(r0, r1, r2, next, out0, out1) }
        }
        _ => 0,
    };
    let from = done / 2 * 3;
    fn rest(r: &[u8], from: usize) -> &[u8] {
        r.get(from..).unwrap_or(&[])
    }
    let (o0, o1) = (
        out0.get_mut(done..).unwrap_or(&mut []),
        out1.get_mut(done..).unwrap_or(&mut []),
    );
    scalar::area_three_to_two(rest(r0, from), rest(r1, from), rest(r2, from), o0, o1);
}

/// `even[j] = src[2j]`, `odd[j] = src[2j + 1]`: an NV12 chroma row into U and V (an NV21 one
/// into V and U). Stops early, without panicking, where a slice is too short.
pub(crate) fn split_pairs(level: SimdLevel, src: &[u8], even: &mut [u8], odd: &mut [u8]) {
    let n = even.len().min(odd.len()).min(src.len() / 2);
    let (even, odd) = (&mut even[..n], &mut odd[..n]);
    let done = match level.supported() {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => {
            // SAFETY: `supported` returned AVX2, so this CPU has it.
            unsafe { avx2::split_pairs(src, even, odd) }
        }
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Sse41 => {
            // SAFETY: `supported` returned SSE4.1, so this CPU has it.
            unsafe { sse41::split_pairs(src, even, odd) }
        }
        _ => 0,
    };
    scalar::split_pairs(&src[2 * done..], &mut even[done..], &mut odd[done..]);
}

/// The chroma of a 4:2:2 packed row pair (`u_at` = 1 for YUYV, 0 for UYVY), averaged over
/// rows `a` and `b`. Stops early, without panicking, where a slice is too short.
pub(crate) fn packed_chroma(
    level: SimdLevel,
    a: &[u8],
    b: &[u8],
    u_at: usize,
    u: &mut [u8],
    v: &mut [u8],
) {
    let u_at = u_at & 1;
    let n = u.len().min(v.len()).min(a.len() / 4).min(b.len() / 4);
    let (u, v) = (&mut u[..n], &mut v[..n]);
    let done = match level.supported() {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => {
            // SAFETY: `supported` returned AVX2, so this CPU has it.
            unsafe { avx2::packed_chroma(a, b, u_at, u, v) }
        }
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Sse41 => {
            // SAFETY: `supported` returned SSE4.1, so this CPU has it.
            unsafe { sse41::packed_chroma(a, b, u_at, u, v) }
        }
        _ => 0,
    };
    let (a, b) = (&a[4 * done..], &b[4 * done..]);
    scalar::packed_chroma(a, b, u_at, &mut u[done..], &mut v[done..]);
}

/// Luma of a packed RGB row (`y.len()` pixels). Stops early, without panicking, where `src`
/// is too short.
pub(crate) fn rgb_to_y(level: SimdLevel, layout: RgbLayout, src: &[u8], y: &mut [u8]) {
    let n = y.len().min(src.len() / layout.bytes());
    let y = &mut y[..n];
    let done = match level.supported() {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => {
            // SAFETY: `supported` returned AVX2, so this CPU has it.
            unsafe { avx2::rgb_to_y(layout, src, y) }
        }
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Sse41 => {
            // SAFETY: `supported` returned SSE4.1, so this CPU has it.
            unsafe { sse41::rgb_to_y(layout, src, y) }
        }
        _ => 0,
    };
    scalar::rgb_to_y(layout, src, y, done);
}

/// Chroma of a packed RGB row pair `a`, `b` of `width` pixels (`b` is `a` for the last row
/// of an odd height) into `width.div_ceil(2)` samples of `u` and `v`. `next` is the row pair
/// to be done next (empty slices at the end), fetched into the cache meanwhile. Stops early,
/// without panicking, where a slice is too short.
pub(crate) fn rgb_to_uv(
    level: SimdLevel,
    layout: RgbLayout,
    (a, b): (&[u8], &[u8]),
    next: (&[u8], &[u8]),
    width: usize,
    u: &mut [u8],
    v: &mut [u8],
) {
    let width = width
        .min(a.len() / layout.bytes())
        .min(b.len() / layout.bytes());
    if width == 0 {
        return;
    }
    let n = u.len().min(v.len()).min(width.div_ceil(2));
    let (u, v) = (&mut u[..n], &mut v[..n]);
    // The vector kernels do whole 2x2 blocks only: the last column of an odd width is the
    // scalar kernel's.
    let pairs = n.min(width / 2);
    let (bu, bv) = (&mut u[..pairs], &mut v[..pairs]);
    let done = match level.supported() {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => {
            // SAFETY: `supported` returned AVX2, so this CPU has it.
            unsafe { avx2::rgb_to_uv(layout, (a, b), next, bu, bv) }
        }
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Sse41 => {
            // SAFETY: `supported` returned SSE4.1, so this CPU has it.
            unsafe { sse41::rgb_to_uv(layout, (a, b), next, bu, bv) }
        }
        _ => 0,
    };
    scalar::rgb_to_uv(layout, a, b, width, u, v, done);
}

/// Luma of two packed RGB rows `a`, `b` of `width` pixels into `ya` and `yb`, and their
/// chroma (as [`rgb_to_uv`]) into `width.div_ceil(2)` samples of `u` and `v`: the same bytes
/// as [`rgb_to_uv`] and [`rgb_to_y`] of each row, with each pixel loaded once where the
/// level has a kernel for both at once (AVX2). `next` is the row pair to be done next, as
/// for [`rgb_to_uv`]. Stops early, without panicking, where a slice is too short (`width`
/// is then the shortest of the four rows).
#[allow(
    clippy::too_many_arguments,
    reason = "two rows in, four planes' rows out"
)]
pub(crate) fn rgb_to_i420_rows(
    level: SimdLevel,
    layout: RgbLayout,
    (a, b): (&[u8], &[u8]),
    next: (&[u8], &[u8]),
    width: usize,
    (ya, yb): (&mut [u8], &mut [u8]),
    u: &mut [u8],
    v: &mut [u8],
) {
    let width = width
        .min(ya.len())
        .min(yb.len())
        .min(a.len() / layout.bytes())
        .min(b.len() / layout.bytes());
    if width == 0 {
        return;
    }
    let (ya, yb) = (&mut ya[..width], &mut yb[..width]);
    let level = level.supported();
    if level != SimdLevel::Avx2 {
        rgb_to_uv(level, layout, (a, b), next, width, u, v);
        rgb_to_y(level, layout, a, ya);
        rgb_to_y(level, layout, b, yb);
        return;
    }
    let n = u.len().min(v.len()).min(width.div_ceil(2));
    let (u, v) = (&mut u[..n], &mut v[..n]);
    // Whole 2x2 blocks only, as in `rgb_to_uv`.
    let pairs = n.min(width / 2);
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `supported` returned AVX2, so this CPU has it.
    let done = unsafe {
        avx2::rgb_to_i420_rows(
            layout,
            (a, b),
            next,
            (&mut *ya, &mut *yb),
            &mut u[..pairs],
            &mut v[..pairs],
        )
    };
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    // The tail: chroma from sample `done`, luma from pixel 2 * done.
    scalar::rgb_to_uv(layout, a, b, width, u, v, done);
    scalar::rgb_to_y(layout, a, ya, 2 * done);
    scalar::rgb_to_y(layout, b, yb, 2 * done);
}
