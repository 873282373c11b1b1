//! AVX2 kernels: 32-byte vectors. Each returns how many outputs it wrote (whole vector
//! steps only); the caller finishes the row with the scalar kernel, which computes the same
//! bytes. Loads and stores are unaligned and stay inside the slices: every loop checks, before
//! a step, that the step's last byte read and written lies inside its slice.
//!
//! AVX2's pack instructions work within each 16-byte lane, so results come out lane-
//! interleaved and a cross-lane permute puts them back in order (noted at each).

use super::RgbLayout;
use std::arch::x86_64::*;

/// The only unaligned load: 32 bytes of `s` from byte `at`.
///
/// # Safety
/// `at + 32 <= s.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load(s: &[u8], at: usize) -> __m256i {
    debug_assert!(at + 32 <= s.len());
    // SAFETY: the caller promises `at + 32 <= s.len()`: the 32 bytes lie inside `s`.
    unsafe { _mm256_loadu_si256(s.as_ptr().add(at).cast()) }
}

/// The only 32-byte store: `v` into `d[at..at + 32]`.
///
/// # Safety
/// `at + 32 <= d.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn store(d: &mut [u8], at: usize, v: __m256i) {
    debug_assert!(at + 32 <= d.len());
    // SAFETY: the caller promises `at + 32 <= d.len()`: the 32 bytes lie inside `d`.
    unsafe { _mm256_storeu_si256(d.as_mut_ptr().add(at).cast(), v) }
}

/// The only 16-byte store: `v` into `d[at..at + 16]`.
///
/// # Safety
/// `at + 16 <= d.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn store16(d: &mut [u8], at: usize, v: __m128i) {
    debug_assert!(at + 16 <= d.len());
    // SAFETY: the caller promises `at + 16 <= d.len()`: the 16 bytes lie inside `d`.
    unsafe { _mm_storeu_si128(d.as_mut_ptr().add(at).cast(), v) }
}

/// Asks the CPU to bring the cache lines at bytes `at..at + 128` of `s` into the cache (the
/// rows of the next row pair, so that their memory latency overlaps this pair's work: the
/// hardware prefetcher stops at each 4 KiB page, and a 1080p RGB row is two pages).
#[inline]
#[target_feature(enable = "avx2")]
fn prefetch(s: &[u8], at: usize) {
    // Past the end of `s` (or for an empty `s`, the last row pair's) the address is outside
    // `s`: a prefetch is only a hint that never faults, so that needs no branch
    // (`wrapping_add` makes no claim that the address lies inside `s`).
    for at in [at, at + 64] {
        _mm_prefetch::<_MM_HINT_T0>(s.as_ptr().wrapping_add(at).cast());
    }
}

/// For a pass over a group of rows that has read up to byte `x` of each: prefetches the
/// same bytes of the rows of `next`, the group a scaler does next, 128 at a time
/// (`fetched` is how far it has gone; start it at 0). A camera's frame arrives in memory
/// the cache has not seen, and a downscale reads several rows at once, each for a short
/// stretch (a 1080p luma row is 1920 bytes): the hardware prefetcher does not keep up, and
/// a 1080p -> 720p scale of such a frame took 2.4 times the CPU time of a cached one's
/// (0.40-0.43 against 0.17 ms; `examples/cold_frames.rs`). Fetching the next group while this
/// one is worked on overlaps the two: 0.30-0.36 ms (BENCHMARKS.md).
#[inline]
#[target_feature(enable = "avx2")]
fn prefetch_rows(next: &[&[u8]], x: usize, fetched: &mut usize) {
    if x >= *fetched {
        for r in next {
            if *fetched < r.len() {
                prefetch(r, *fetched);
            }
        }
        *fetched += 128;
    }
}

/// Bytes 0, 2, 4, ... (`FIRST` = 0) or 1, 3, 5, ... (`FIRST` = 1) of each 16-bit word, as
/// words.
#[inline]
#[target_feature(enable = "avx2")]
fn pick<const FIRST: usize>(v: __m256i) -> __m256i {
    if FIRST == 0 {
        _mm256_and_si256(v, _mm256_set1_epi16(0x00ff))
    } else {
        _mm256_srli_epi16::<8>(v)
    }
}

/// Packs the words of `a` then `b` to bytes, in order (`packus` + the lane fix-up).
#[inline]
#[target_feature(enable = "avx2")]
fn pack_in_order(a: __m256i, b: __m256i) -> __m256i {
    _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi16(a, b))
}

/// `dst[i] = src[2i + first]`, 32 outputs (64 input bytes) per step.
#[target_feature(enable = "avx2")]
pub(super) fn take_every_other(src: &[u8], first: usize, dst: &mut [u8]) -> usize {
    if first == 0 {
        take_every_other_at::<0>(src, dst)
    } else {
        take_every_other_at::<1>(src, dst)
    }
}

#[inline]
#[target_feature(enable = "avx2")]
fn take_every_other_at<const FIRST: usize>(src: &[u8], dst: &mut [u8]) -> usize {
    let mut i = 0;
    while i + 32 <= dst.len() && 2 * i + 64 <= src.len() {
        // SAFETY: 2i + 64 <= src.len() (loop condition).
        let (a, b) = unsafe { (load(src, 2 * i), load(src, 2 * i + 32)) };
        let out = pack_in_order(pick::<FIRST>(a), pick::<FIRST>(b));
        // SAFETY: i + 32 <= dst.len() (loop condition).
        unsafe { store(dst, i, out) };
        i += 32;
    }
    i
}

/// `even[j] = src[2j]`, `odd[j] = src[2j + 1]`, 32 of each per step.
#[target_feature(enable = "avx2")]
pub(super) fn split_pairs(src: &[u8], even: &mut [u8], odd: &mut [u8]) -> usize {
    let mut i = 0;
    while i + 32 <= even.len() && i + 32 <= odd.len() && 2 * i + 64 <= src.len() {
        // SAFETY: 2i + 64 <= src.len() (loop condition).
        let (a, b) = unsafe { (load(src, 2 * i), load(src, 2 * i + 32)) };
        let e = pack_in_order(pick::<0>(a), pick::<0>(b));
        let o = pack_in_order(pick::<1>(a), pick::<1>(b));
        // SAFETY: i + 32 <= even.len() and <= odd.len() (loop condition).
        unsafe {
            store(even, i, e);
            store(odd, i, o);
        }
        i += 32;
    }
    i
}

/// 4:2:2 packed chroma averaged over two rows, 16 U and 16 V (64 bytes of each row) per
/// step. `u_at` is the byte of U in each 4-byte macropixel (1 YUYV, 0 UYVY).
#[target_feature(enable = "avx2")]
pub(super) fn packed_chroma(a: &[u8], b: &[u8], u_at: usize, u: &mut [u8], v: &mut [u8]) -> usize {
    if u_at == 1 {
        packed_chroma_at::<1>(a, b, u, v)
    } else {
        packed_chroma_at::<0>(a, b, u, v)
    }
}

#[inline]
#[target_feature(enable = "avx2")]
fn packed_chroma_at<const U_AT: usize>(a: &[u8], b: &[u8], u: &mut [u8], v: &mut [u8]) -> usize {
    let mut j = 0;
    while j + 16 <= u.len() && j + 16 <= v.len() && 4 * j + 64 <= a.len() && 4 * j + 64 <= b.len() {
        // SAFETY: 4j + 64 <= a.len() and <= b.len() (loop condition).
        let (a0, a1, b0, b1) = unsafe {
            (
                load(a, 4 * j),
                load(a, 4 * j + 32),
                load(b, 4 * j),
                load(b, 4 * j + 32),
            )
        };
        // The row average (pavgb), then its chroma bytes in order: U0 V0 U1 V1 ... U15 V15.
        let m0 = pick::<U_AT>(_mm256_avg_epu8(a0, b0));
        let m1 = pick::<U_AT>(_mm256_avg_epu8(a1, b1));
        let uv = pack_in_order(m0, m1);
        // Then U0..U15 in the low lane, V0..V15 in the high one.
        let split = pack_in_order(pick::<0>(uv), pick::<1>(uv));
        // SAFETY: j + 16 <= u.len() and <= v.len() (loop condition).
        unsafe {
            store16(u, j, _mm256_castsi256_si128(split));
            store16(v, j, _mm256_extracti128_si256::<1>(split));
        }
        j += 16;
    }
    j
}

/// Layout codes of the RGB kernels' const parameter.
const RGBA: u8 = 0;
const BGRA: u8 = 1;
const RGB24: u8 = 2;

/// Bytes per pixel of a layout code.
const fn bpp(layout: u8) -> usize {
    if layout == RGB24 { 3 } else { 4 }
}

/// 16 bytes of `s` from byte `at`.
///
/// # Safety
/// `at + 16 <= s.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load16(s: &[u8], at: usize) -> __m128i {
    debug_assert!(at + 16 <= s.len());
    // SAFETY: the caller promises `at + 16 <= s.len()`: the 16 bytes lie inside `s`.
    unsafe { _mm_loadu_si128(s.as_ptr().add(at).cast()) }
}

/// 8 pixels from byte `at` of `s`, as loaded: 32 bytes for RGBA and BGRA. For RGB24, 4
/// pixels per lane: pixels 0-3 in bytes 4..16 of the low lane, pixels 4-7 in bytes 0..12 of
/// the high one, which is what one 32-byte load from `at - 4` gives (the usual case); at the
/// start or the very end of a row, where that load would leave `s`, two 16-byte loads inside
/// the 24 bytes are shifted into the same places.
///
/// # Safety
/// `at + 8 * bpp(L) <= s.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load8_raw<const L: u8>(s: &[u8], at: usize) -> __m256i {
    if L == RGB24 {
        debug_assert!(at + 24 <= s.len());
        if at >= 4 && at + 28 <= s.len() {
            // SAFETY: at >= 4 and (at - 4) + 32 <= s.len(): the load lies inside `s`.
            unsafe { load(s, at - 4) }
        } else {
            // SAFETY: the caller promises at + 24 <= s.len(): both 16-byte loads (from at
            // and at + 8) end inside `s`.
            let (lo, hi) = unsafe { (load16(s, at), load16(s, at + 8)) };
            _mm256_set_m128i(_mm_srli_si128::<4>(hi), _mm_slli_si128::<4>(lo))
        }
    } else {
        // SAFETY: the caller promises at + 32 <= s.len().
        unsafe { load(s, at) }
    }
}

/// A byte shuffle with its own control per lane.
#[inline]
#[target_feature(enable = "avx2")]
fn lanes(lo: [i8; 16], hi: [i8; 16]) -> __m256i {
    let half = |m: [i8; 16]| {
        _mm_setr_epi8(
            m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11], m[12], m[13],
            m[14], m[15],
        )
    };
    _mm256_set_m128i(half(hi), half(lo))
}

/// The shuffle that spreads RGB24 pixels, as [`load8_raw`] places them, to R G B G (green
/// twice: its weight, 129, is more than a signed byte holds, so it is split in two).
#[inline]
#[target_feature(enable = "avx2")]
fn spread_rgb24() -> __m256i {
    lanes(
        [4, 5, 6, 5, 7, 8, 9, 8, 10, 11, 12, 11, 13, 14, 15, 14],
        [0, 1, 2, 1, 3, 4, 5, 4, 6, 7, 8, 7, 9, 10, 11, 10],
    )
}

/// The shuffle that puts each pixel pair of a lane (as [`load8_raw`] loads it) side by side
/// per channel: `R0 R1 G0 G1 B0 B1 0 0 R2 R3 G2 G3 B2 B3 0 0`, whatever the layout.
#[inline]
#[target_feature(enable = "avx2")]
fn pair_channels<const L: u8>() -> __m256i {
    match L {
        RGBA => {
            let m = [0, 4, 1, 5, 2, 6, -1, -1, 8, 12, 9, 13, 10, 14, -1, -1];
            lanes(m, m)
        }
        BGRA => {
            let m = [2, 6, 1, 5, 0, 4, -1, -1, 10, 14, 9, 13, 8, 12, -1, -1];
            lanes(m, m)
        }
        _ => lanes(
            [4, 7, 5, 8, 6, 9, -1, -1, 10, 13, 11, 14, 12, 15, -1, -1],
            [0, 3, 1, 4, 2, 5, -1, -1, 6, 9, 7, 10, 8, 11, -1, -1],
        ),
    }
}

/// The luma weights (R 66, G 129, B 25) at the byte positions of a 4-byte pixel of layout
/// `L`: unsigned bytes for RGBA and BGRA; for RGB24, spread to R G B G by
/// [`spread_rgb24`], signed bytes R 66, G 60, B 25, G 69 (pairs summed: 66 R + 60 G at most
/// 32130 and 25 B + 69 G, so no saturation).
#[inline]
#[target_feature(enable = "avx2")]
fn luma_weights<const L: u8>() -> __m256i {
    match L {
        BGRA => _mm256_set1_epi32(0x0042_8119),
        RGBA => _mm256_set1_epi32(0x0019_8142),
        _ => _mm256_set1_epi32(0x4519_3c42),
    }
}

/// The chroma weights for U and V, as words R G B 0 (the order of [`pair_channels`]).
#[inline]
#[target_feature(enable = "avx2")]
fn chroma_weights() -> (__m256i, __m256i) {
    (repeat4([-38, -74, 112, 0]), repeat4([112, -94, -18, 0]))
}

/// Four words repeated over a vector.
#[inline]
#[target_feature(enable = "avx2")]
fn repeat4(c: [i16; 4]) -> __m256i {
    let q = i64::from(c[0] as u16)
        | i64::from(c[1] as u16) << 16
        | i64::from(c[2] as u16) << 32
        | i64::from(c[3] as u16) << 48;
    _mm256_set1_epi64x(q)
}

/// The dword order that undoes the lane interleave of two `hadd` + `pack` rounds.
#[inline]
#[target_feature(enable = "avx2")]
fn unzip_dwords(v: __m256i) -> __m256i {
    _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
}

/// Four vectors of weighted sums (dword pairs per 2x2 block) to 16 chroma words in order.
#[inline]
#[target_feature(enable = "avx2")]
fn finish_chroma(s: [__m256i; 4], bias: __m256i) -> __m256i {
    // Dword pairs to one dword per block; lane order: 0 1 4 5 | 2 3 6 7 (and + 8).
    let lo = _mm256_hadd_epi32(s[0], s[1]);
    let hi = _mm256_hadd_epi32(s[2], s[3]);
    let lo = _mm256_srai_epi32::<10>(_mm256_add_epi32(lo, bias));
    let hi = _mm256_srai_epi32::<10>(_mm256_add_epi32(hi, bias));
    unzip_dwords(_mm256_packs_epi32(lo, hi))
}

/// The luma bias: the 16.5 * 256 offset and rounding of the scalar formula (0x1080); for
/// RGBA and BGRA, whose pixels are weighted as pixel - 128 (see [`luma_pairs`]), plus 28160
/// (= 220 * 128) to add back what that took off.
#[inline]
#[target_feature(enable = "avx2")]
fn luma_bias<const L: u8>() -> __m256i {
    if L == RGB24 {
        _mm256_set1_epi16(0x1080)
    } else {
        _mm256_set1_epi16(0x7e80)
    }
}

/// The weighted pairs of 8 pixels as [`load8_raw`] loads them, summed to words. RGB24: the
/// pixel bytes (unsigned) spread to R G B G times the signed weights. RGBA and BGRA (whose
/// fourth byte is alpha, not a copy of green): pixel - 128 as signed bytes times the
/// unsigned weights (no saturation: |sum| <= 154 * 128). A pixel's two words sum to at most
/// 60324 with the bias, so the sum is right read as an unsigned word.
#[inline]
#[target_feature(enable = "avx2")]
fn luma_pairs<const L: u8>(raw: __m256i, weights: __m256i) -> __m256i {
    if L == RGB24 {
        _mm256_maddubs_epi16(_mm256_shuffle_epi8(raw, spread_rgb24()), weights)
    } else {
        _mm256_maddubs_epi16(weights, _mm256_xor_si256(raw, _mm256_set1_epi8(-128)))
    }
}

/// Four vectors of [`luma_pairs`] (32 pixels) to their 32 luma bytes in order.
#[inline]
#[target_feature(enable = "avx2")]
fn finish_luma(words: [__m256i; 4], bias: __m256i) -> __m256i {
    // Word pairs to one word per pixel; lane order: 0-3 8-11 | 4-7 12-15.
    let lo = _mm256_hadd_epi16(words[0], words[1]);
    let hi = _mm256_hadd_epi16(words[2], words[3]);
    luma_bytes(lo, hi, bias)
}

/// The luma sums of 32 pixels, one word each, in the lane order of two `hadd`s of
/// [`luma_pairs`] (pixels 0-3 8-11 | 4-7 12-15, then + 16), to their 32 luma bytes in order.
#[inline]
#[target_feature(enable = "avx2")]
fn luma_bytes(lo: __m256i, hi: __m256i, bias: __m256i) -> __m256i {
    let lo = _mm256_srli_epi16::<8>(_mm256_add_epi16(lo, bias));
    let hi = _mm256_srli_epi16::<8>(_mm256_add_epi16(hi, bias));
    unzip_dwords(_mm256_packus_epi16(lo, hi))
}

/// Luma of a packed RGB row, 32 pixels per step.
#[target_feature(enable = "avx2")]
pub(super) fn rgb_to_y(layout: RgbLayout, src: &[u8], y: &mut [u8]) -> usize {
    match layout {
        RgbLayout::Rgba => rgb_to_y_in::<RGBA>(src, y),
        RgbLayout::Bgra => rgb_to_y_in::<BGRA>(src, y),
        RgbLayout::Rgb24 => rgb_to_y_in::<RGB24>(src, y),
    }
}

#[inline]
#[target_feature(enable = "avx2")]
fn rgb_to_y_in<const L: u8>(src: &[u8], y: &mut [u8]) -> usize {
    let b = bpp(L);
    let weights = luma_weights::<L>();
    let bias = luma_bias::<L>();
    let mut i = 0;
    while i + 32 <= y.len() && (i + 32) * b <= src.len() {
        let mut words = [_mm256_setzero_si256(); 4];
        for (k, w) in words.iter_mut().enumerate() {
            // SAFETY: (i + 8k) * b + 8b <= (i + 32) * b <= src.len().
            let raw = unsafe { load8_raw::<L>(src, (i + 8 * k) * b) };
            *w = luma_pairs::<L>(raw, weights);
        }
        // SAFETY: i + 32 <= y.len() (loop condition).
        unsafe { store(y, i, finish_luma(words, bias)) };
        i += 32;
    }
    i
}

/// Luma of both rows of a packed RGB row pair and its chroma, from one load of each pixel:
/// 32 pixels of each row (32 luma of each, 16 U and 16 V) per step. `u` and `v` have as many
/// samples as the rows have whole 2x2 blocks.
#[target_feature(enable = "avx2")]
pub(super) fn rgb_to_i420_rows(
    layout: RgbLayout,
    (a, b): (&[u8], &[u8]),
    next: (&[u8], &[u8]),
    (ya, yb): (&mut [u8], &mut [u8]),
    u: &mut [u8],
    v: &mut [u8],
) -> usize {
    match layout {
        RgbLayout::Rgba => rgb_to_i420_rows_in::<RGBA>((a, b), next, (ya, yb), u, v),
        RgbLayout::Bgra => rgb_to_i420_rows_in::<BGRA>((a, b), next, (ya, yb), u, v),
        RgbLayout::Rgb24 => rgb_to_i420_rows_in::<RGB24>((a, b), next, (ya, yb), u, v),
    }
}

/// What a step of [`rgb_to_i420_rows_in`] keeps in registers.
#[derive(Clone, Copy)]
struct RowsConsts {
    luma_weights: __m256i,
    luma_bias: __m256i,
    pairs: __m256i,
    ones: __m256i,
    wu: __m256i,
    wv: __m256i,
    chroma_bias: __m256i,
}

/// 8 pixels from byte `at` of `s` for a step of [`rgb_to_i420_rows_in`]: as [`load8_raw`];
/// with `INSIDE`, RGB24 always as one 32-byte load from `at - 4`.
///
/// # Safety
/// `at + 8 * bpp(L) <= s.len()`; with `INSIDE` and RGB24, also `at >= 4` and
/// `at + 28 <= s.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load8_in<const L: u8, const INSIDE: bool>(s: &[u8], at: usize) -> __m256i {
    if L == RGB24 && INSIDE {
        debug_assert!(at >= 4 && at + 28 <= s.len());
        // SAFETY: the caller promises at >= 4 and (at - 4) + 32 <= s.len().
        unsafe { load(s, at - 4) }
    } else {
        // SAFETY: the caller's promise is load8_raw's.
        unsafe { load8_raw::<L>(s, at) }
    }
}

/// One step of [`rgb_to_i420_rows_in`]: 32 pixels of rows `a` and `b` from byte `at`, to
/// 32 luma bytes of each row and 16 U (low lane) and 16 V (high lane).
///
/// # Safety
/// `at + 32 * bpp(L) <= a.len()` and `<= b.len()`; with `INSIDE` and RGB24, also `at >= 4`
/// and `at + 32 * 3 + 4 <= a.len()` and `<= b.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn rows_step<const L: u8, const INSIDE: bool>(
    a: &[u8],
    b: &[u8],
    at: usize,
    c: &RowsConsts,
) -> (__m256i, __m256i, __m256i) {
    let px = bpp(L);
    // Per group of 8 pixels: the luma pairs of each row, and the chroma weighted sums of the
    // group's four 2x2 blocks.
    let group = |k: usize| {
        let at = at + 8 * k * px;
        // SAFETY: the caller's promise covers every group: at + 8k px + 8 px <= at + 32 px,
        // and (INSIDE) at + 8k px >= at >= 4, at + 8k px + 28 <= at + 24 px + 28.
        let (pa, pb) = unsafe { (load8_in::<L, INSIDE>(a, at), load8_in::<L, INSIDE>(b, at)) };
        let la = luma_pairs::<L>(pa, c.luma_weights);
        let lb = luma_pairs::<L>(pb, c.luma_weights);
        // Each channel's pixel pair side by side, summed to a word (pmaddubsw by 1), then the
        // two rows added: per lane, the R G B 0 sums of two 2x2 blocks.
        let ha = _mm256_maddubs_epi16(_mm256_shuffle_epi8(pa, c.pairs), c.ones);
        let hb = _mm256_maddubs_epi16(_mm256_shuffle_epi8(pb, c.pairs), c.ones);
        let sums = _mm256_add_epi16(ha, hb);
        (
            la,
            lb,
            _mm256_madd_epi16(sums, c.wu),
            _mm256_madd_epi16(sums, c.wv),
        )
    };
    let (la0, lb0, u0, v0) = group(0);
    let (la1, lb1, u1, v1) = group(1);
    let (la2, lb2, u2, v2) = group(2);
    let (la3, lb3, u3, v3) = group(3);
    let ya = finish_luma([la0, la1, la2, la3], c.luma_bias);
    let yb = finish_luma([lb0, lb1, lb2, lb3], c.luma_bias);
    let uv = pack_in_order(
        finish_chroma([u0, u1, u2, u3], c.chroma_bias),
        finish_chroma([v0, v1, v2, v3], c.chroma_bias),
    );
    (ya, yb, uv)
}

/// The chroma weights of [`rows_step4`] as signed bytes at the byte positions of a 4-byte
/// pixel of layout `L` (alpha weighs 0): U then V. They are BT.601's (see
/// `scalar::chroma_of_sums`) halved, which changes no result since all of them are even:
/// `(w s + (128 << 10) + 512) >> 10 == (w / 2 s + (128 << 9) + 256) >> 9`.
#[inline]
#[target_feature(enable = "avx2")]
fn chroma_weights4<const L: u8>() -> (__m256i, __m256i) {
    let pixel = |r: i8, g: i8, b: i8| {
        let bytes = if L == BGRA {
            [b, g, r, 0]
        } else {
            [r, g, b, 0]
        };
        i32::from_le_bytes(bytes.map(|x| x as u8))
    };
    (
        _mm256_set1_epi32(pixel(-19, -37, 56)),
        _mm256_set1_epi32(pixel(56, -47, -9)),
    )
}

/// What a step of [`rows_step4`] keeps in registers.
#[derive(Clone, Copy)]
struct Rows4Consts {
    luma_weights: __m256i,
    luma_bias: __m256i,
    wu: __m256i,
    wv: __m256i,
    ones: __m256i,
    chroma_bias: __m256i,
}

/// One step of [`rgb_to_i420_rows_in`] for RGBA and BGRA: 32 pixels of rows `a` and `b`
/// from byte `at`, to 32 luma bytes of each row and 16 U (low lane) and 16 V (high lane).
///
/// The chroma needs no shuffle of the pixels: `pmaddubsw` weighs each row's pixel bytes
/// directly (the halved weights of [`chroma_weights4`] keep every word sum below 2^15: at most
/// 56 * 255 per byte pair, 56 * 510 over the two rows), the rows are added, one `phaddw`
/// gives each pixel column's U and V (both rows), and `pmaddwd` by 1 adds the column pairs
/// of each 2x2 block to exact dwords: one rounding, the scalar kernel's bytes.
///
/// # Safety
/// `at + 128 <= a.len()` and `<= b.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn rows_step4<const L: u8>(
    a: &[u8],
    b: &[u8],
    at: usize,
    c: &Rows4Consts,
) -> (__m256i, __m256i, __m256i) {
    // 8 pixels of each row from byte `at`: their luma pairs, and the chroma of their four
    // blocks, per lane U U V V (low lane blocks 0 1, high lane 2 3), rounded and scaled.
    let group = |at: usize| {
        // SAFETY: the caller promises at + 128 <= a.len(), b.len(); groups start at most
        // 96 bytes after the step's `at`.
        let (pa, pb) = unsafe { (load(a, at), load(b, at)) };
        let la = luma_pairs::<L>(pa, c.luma_weights);
        let lb = luma_pairs::<L>(pb, c.luma_weights);
        let u = _mm256_add_epi16(
            _mm256_maddubs_epi16(pa, c.wu),
            _mm256_maddubs_epi16(pb, c.wu),
        );
        let v = _mm256_add_epi16(
            _mm256_maddubs_epi16(pa, c.wv),
            _mm256_maddubs_epi16(pb, c.wv),
        );
        // Per lane: U of its 4 pixel columns, then V; then per block (column pairs).
        let blocks = _mm256_madd_epi16(_mm256_hadd_epi16(u, v), c.ones);
        let scaled = _mm256_srai_epi32::<9>(_mm256_add_epi32(blocks, c.chroma_bias));
        (la, lb, scaled)
    };
    // Two groups at a time, reduced at once (fewer live registers): luma to one word per
    // pixel, chroma to words.
    let half = |at: usize| {
        let (la0, lb0, c0) = group(at);
        let (la1, lb1, c1) = group(at + 32);
        (
            _mm256_hadd_epi16(la0, la1),
            _mm256_hadd_epi16(lb0, lb1),
            _mm256_packs_epi32(c0, c1),
        )
    };
    let (ha0, hb0, c01) = half(at);
    let (ha1, hb1, c23) = half(at + 64);
    let ya = luma_bytes(ha0, ha1, c.luma_bias);
    let yb = luma_bytes(hb0, hb1, c.luma_bias);
    // Bytes per lane: U0 U1 V0 V1 U4 U5 V4 V5 U8 U9 V8 V9 U12 U13 V12 V13 | the same + 2.
    // Dwords in order (U0 U1 V0 V1, U2 U3 V2 V3, ...), then U before V in each lane, then
    // the low halves of both lanes (U0..U15) before the high ones (V0..V15).
    let uv = unzip_dwords(_mm256_packus_epi16(c01, c23));
    let m = [0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15];
    let uv = _mm256_shuffle_epi8(uv, lanes(m, m));
    (ya, yb, _mm256_permute4x64_epi64::<0b11_01_10_00>(uv))
}

#[inline]
#[target_feature(enable = "avx2")]
fn rgb_to_i420_rows_in<const L: u8>(
    (a, b): (&[u8], &[u8]),
    next: (&[u8], &[u8]),
    (ya, yb): (&mut [u8], &mut [u8]),
    u: &mut [u8],
    v: &mut [u8],
) -> usize {
    let px = bpp(L);
    let (wu, wv) = chroma_weights();
    let c = RowsConsts {
        luma_weights: luma_weights::<L>(),
        luma_bias: luma_bias::<L>(),
        pairs: pair_channels::<L>(),
        ones: _mm256_set1_epi8(1),
        wu,
        wv,
        chroma_bias: _mm256_set1_epi32((128 << 10) + 512),
    };
    let (wu4, wv4) = chroma_weights4::<L>();
    let c4 = Rows4Consts {
        luma_weights: c.luma_weights,
        luma_bias: c.luma_bias,
        wu: wu4,
        wv: wv4,
        ones: _mm256_set1_epi16(1),
        chroma_bias: _mm256_set1_epi32((128 << 9) + 256),
    };
    let len = a.len().min(b.len());
    let steps = (u.len() / 16)
        .min(v.len() / 16)
        .min(ya.len() / 32)
        .min(yb.len() / 32)
        .min(len / (32 * px));
    for step in 0..steps {
        let (j, at) = (16 * step, 32 * step * px);
        prefetch(next.0, at);
        prefetch(next.1, at);
        // The steps of a row but its first and (for RGB24) last load each group of 8 pixels
        // at once.
        let (y0, y1, uv) = if L != RGB24 {
            // SAFETY: at + 32 px = at + 128 = 32 (step + 1) px <= len (step < steps).
            unsafe { rows_step4::<L>(a, b, at, &c4) }
        } else if at >= 4 && at + 32 * px + 4 <= len {
            // SAFETY: at + 32 px + 4 <= a.len(), b.len() and at >= 4.
            unsafe { rows_step::<L, true>(a, b, at, &c) }
        } else {
            // SAFETY: at + 32 px = 32 (step + 1) px <= len (step < steps).
            unsafe { rows_step::<L, false>(a, b, at, &c) }
        };
        // SAFETY: 2j + 32 = 32 (step + 1) <= ya.len(), yb.len() and j + 16 <= u.len(),
        // v.len() (step < steps).
        unsafe {
            store(ya, 2 * j, y0);
            store(yb, 2 * j, y1);
            store16(u, j, _mm256_castsi256_si128(uv));
            store16(v, j, _mm256_extracti128_si256::<1>(uv));
        }
    }
    16 * steps
}

/// Chroma of a packed RGB row pair, 16 U and 16 V (32 pixels of each row) per step. Every
/// step is whole 2x2 blocks; the caller gives `u` and `v` only as many samples as the rows
/// have whole blocks.
#[target_feature(enable = "avx2")]
pub(super) fn rgb_to_uv(
    layout: RgbLayout,
    (a, b): (&[u8], &[u8]),
    next: (&[u8], &[u8]),
    u: &mut [u8],
    v: &mut [u8],
) -> usize {
    match layout {
        RgbLayout::Rgba => rgb_to_uv_in::<RGBA>(a, b, next, u, v),
        RgbLayout::Bgra => rgb_to_uv_in::<BGRA>(a, b, next, u, v),
        RgbLayout::Rgb24 => rgb_to_uv_in::<RGB24>(a, b, next, u, v),
    }
}

#[inline]
#[target_feature(enable = "avx2")]
fn rgb_to_uv_in<const L: u8>(
    a: &[u8],
    b: &[u8],
    next: (&[u8], &[u8]),
    u: &mut [u8],
    v: &mut [u8],
) -> usize {
    let px = bpp(L);
    let (wu, wv) = chroma_weights();
    let pairs = pair_channels::<L>();
    let ones = _mm256_set1_epi8(1);
    let bias = _mm256_set1_epi32((128 << 10) + 512);
    let mut j = 0;
    while j + 16 <= u.len()
        && j + 16 <= v.len()
        && (2 * j + 32) * px <= a.len()
        && (2 * j + 32) * px <= b.len()
    {
        let mut su = [_mm256_setzero_si256(); 4];
        let mut sv = [_mm256_setzero_si256(); 4];
        prefetch(next.0, 2 * j * px);
        prefetch(next.1, 2 * j * px);
        for k in 0..4 {
            let at = (2 * j + 8 * k) * px;
            // SAFETY: at + 8 px <= (2j + 32) px <= a.len(), b.len().
            let (pa, pb) = unsafe { (load8_raw::<L>(a, at), load8_raw::<L>(b, at)) };
            // Each channel's pixel pair side by side, summed to a word (pmaddubsw by 1), then
            // the two rows added: per lane, the R G B 0 sums of two 2x2 blocks.
            let ha = _mm256_maddubs_epi16(_mm256_shuffle_epi8(pa, pairs), ones);
            let hb = _mm256_maddubs_epi16(_mm256_shuffle_epi8(pb, pairs), ones);
            let sums = _mm256_add_epi16(ha, hb);
            su[k] = _mm256_madd_epi16(sums, wu);
            sv[k] = _mm256_madd_epi16(sums, wv);
        }
        let out = pack_in_order(finish_chroma(su, bias), finish_chroma(sv, bias));
        // SAFETY: j + 16 <= u.len() and <= v.len() (loop condition).
        unsafe {
            store16(u, j, _mm256_castsi256_si128(out));
            store16(v, j, _mm256_extracti128_si256::<1>(out));
        }
        j += 16;
    }
    j
}

/// [`super::scalar::area_three_to_two`], 16 outputs per row from 24 source bytes per step:
/// each 16-byte lane takes 12 source bytes (lane 1 loaded 12 bytes further on), a `pshufb`
/// pairs them as `(c0, c1), (c1, c2)` and a `pmaddubsw` by `(2, 1), (1, 2)` makes the
/// horizontal sums; the rows are weighed and added in 16 bits, and `(x + 4) / 9` is a
/// multiply-high by 7282 (exact for every sum up to 2299, the largest). The rows of `next`
/// (the next three, or none) are prefetched as this pass reads the same bytes of its own (see
/// [`prefetch_rows`]). Returns the outputs written per row.
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn area_three_to_two(
    r0: &[u8],
    r1: &[u8],
    r2: &[u8],
    next: &[&[u8]],
    out0: &mut [u8],
    out1: &mut [u8],
) -> usize {
    let pairs = _mm256_setr_epi8(
        0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11, //
        0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11,
    );
    let weights = _mm256_setr_epi8(
        2, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, //
        2, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2,
    );
    let four = _mm256_set1_epi16(4);
    let ninth = _mm256_set1_epi16(7282);
    let len = r0.len().min(r1.len()).min(r2.len());
    let (mut x, mut j, mut fetched) = (0, 0, 0);
    // A step reads bytes x..x + 28 of each row and writes j..j + 16 of each output.
    while x + 28 <= len && j + 16 <= out0.len() && j + 16 <= out1.len() {
        prefetch_rows(next, x, &mut fetched);
        // SAFETY: x + 28 <= the length of each row: both 16-byte loads (at x and x + 12)
        // lie inside it.
        let h = |r: &[u8]| unsafe {
            let v = _mm256_inserti128_si256::<1>(
                _mm256_castsi128_si256(load16(r, x)),
                load16(r, x + 12),
            );
            _mm256_maddubs_epi16(_mm256_shuffle_epi8(v, pairs), weights)
        };
        let (a, b, c) = (h(r0), h(r1), h(r2));
        let top = _mm256_add_epi16(_mm256_add_epi16(_mm256_add_epi16(a, a), b), four);
        let bottom = _mm256_add_epi16(_mm256_add_epi16(_mm256_add_epi16(c, c), b), four);
        let top = _mm256_mulhi_epu16(top, ninth);
        let bottom = _mm256_mulhi_epu16(bottom, ninth);
        // Per lane: 8 top bytes, then 8 bottom ones; the permute makes it top 0..16 in the
        // low lane, bottom 0..16 in the high one.
        let packed = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi16(top, bottom));
        // SAFETY: j + 16 <= the length of each output.
        unsafe {
            store16(out0, j, _mm256_castsi256_si128(packed));
            store16(out1, j, _mm256_extracti128_si256::<1>(packed));
        }
        x += 24;
        j += 16;
    }
    j
}

/// [`super::scalar::area_whole`] for 3 or 6 rows (3:1 and 6:1; other counts do nothing and
/// return 0), 48 source bytes of each row per step: per 12-byte group of a 128-bit lane, a
/// `pshufb` spreads the bytes as `a b c 0` fours and `pmaddubsw` by 1 sums them in word
/// pairs, the rows are added, `pmaddwd` by 1 makes each three columns' sum a dword; for 6:1
/// a second `pmaddwd` adds neighbouring threes. The division by 9 or 36 is
/// [`crate::area`]'s multiply-high and shift (exact for every sum, tested there). Returns
/// how many outputs were written (16 or 8 per step). The rows of `next` (the next output
/// row's, or none) are prefetched as in [`area_three_to_two`].
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn area_whole(rows: &[&[u8]], next: &[&[u8]], out: &mut [u8]) -> usize {
    let n = rows.len();
    if n != 3 && n != 6 {
        return 0;
    }
    let fours = _mm256_setr_epi8(
        0, 1, 2, -128, 3, 4, 5, -128, 6, 7, 8, -128, 9, 10, 11, -128, //
        0, 1, 2, -128, 3, 4, 5, -128, 6, 7, 8, -128, 9, 10, 11, -128,
    );
    let ones8 = _mm256_set1_epi8(1);
    let ones16 = _mm256_set1_epi16(1);
    let len = rows.iter().map(|r| r.len()).min().unwrap_or(0);
    let per_step = 48 / n;
    let (mut x, mut j) = (0, 0);
    // A step reads bytes x..x + 52 of each row (its last load, at x + 36, is 16 bytes long
    // and uses 12) and writes j..j + per_step.
    let mut fetched = 0;
    while x + 52 <= len && j + per_step <= out.len() {
        prefetch_rows(next, x, &mut fetched);
        let (mut s0, mut s1) = (_mm256_setzero_si256(), _mm256_setzero_si256());
        for r in rows {
            // SAFETY: at + 28 <= x + 52 <= the row's length: both 16-byte loads (at `at`
            // and at + 12) lie inside it.
            let h = |at: usize| unsafe {
                let v = _mm256_inserti128_si256::<1>(
                    _mm256_castsi128_si256(load16(r, at)),
                    load16(r, at + 12),
                );
                _mm256_maddubs_epi16(_mm256_shuffle_epi8(v, fours), ones8)
            };
            s0 = _mm256_add_epi16(s0, h(x));
            s1 = _mm256_add_epi16(s1, h(x + 24));
        }
        // Dwords: the sums of columns 3t..3t + 3 over the rows. s0's low lane holds threes
        // 0..4, its high lane 4..8; s1's 8..12 and 12..16.
        let (d0, d1) = (_mm256_madd_epi16(s0, ones16), _mm256_madd_epi16(s1, ones16));
        // Words: threes 0..4, 8..12 | 4..8, 12..16 (at most 6 * 765, no saturation).
        let threes = _mm256_packs_epi32(d0, d1);
        if n == 3 {
            let ordered = _mm256_permute4x64_epi64::<0b11_01_10_00>(threes);
            let q = div_words(ordered, 4, 58255, 3);
            let bytes =
                _mm_packus_epi16(_mm256_castsi256_si128(q), _mm256_extracti128_si256::<1>(q));
            // SAFETY: j + 16 <= out.len().
            unsafe { store16(out, j, bytes) };
        } else {
            // Dwords: outputs 0, 1, 4, 5 | 2, 3, 6, 7; then in order.
            let sixes = _mm256_madd_epi16(threes, ones16);
            let ordered = _mm256_permute4x64_epi64::<0b11_01_10_00>(sixes);
            let words = _mm_packs_epi32(
                _mm256_castsi256_si128(ordered),
                _mm256_extracti128_si256::<1>(ordered),
            );
            let q = _mm256_castsi256_si128(div_words(_mm256_castsi128_si256(words), 18, 58255, 5));
            let bytes = _mm_packus_epi16(q, q);
            // SAFETY: j + 8 <= out.len(): the low 8 bytes are stored.
            unsafe { _mm_storel_epi64(out.as_mut_ptr().add(j).cast(), bytes) };
        }
        x += 48;
        j += per_step;
    }
    j
}

/// `(w + half) * mul >> 16 >> shift` in every unsigned word lane: [`crate::area`]'s division
/// by a multiply-high.
#[inline]
#[target_feature(enable = "avx2")]
fn div_words(w: __m256i, half: i16, mul: u16, shift: i32) -> __m256i {
    let high = _mm256_mulhi_epu16(
        _mm256_add_epi16(w, _mm256_set1_epi16(half)),
        _mm256_set1_epi16(mul as i16),
    );
    _mm256_srl_epi16(high, _mm_cvtsi32_si128(shift))
}
