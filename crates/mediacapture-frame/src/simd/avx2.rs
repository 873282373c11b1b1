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
    for at in [at, at + 64] {
        if at < s.len() {
            // SAFETY: `at < s.len()`: the address lies inside `s` (and a prefetch never
            // faults or changes memory anyway).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(s.as_ptr().add(at).cast()) }
        }
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

/// Bytes read past a step's last pixel: the RGB24 loader reads 16 bytes for 12.
const fn slack(layout: u8) -> usize {
    if layout == RGB24 { 4 } else { 0 }
}

/// 8 pixels from byte `at` of `s`, as loaded: 32 bytes for RGBA and BGRA; for RGB24 two
/// 16-byte loads (from `at` and `at + 12`), 4 pixels in the first 12 bytes of each lane.
///
/// # Safety
/// `at + 8 * bpp(L) + slack(L) <= s.len()`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load8_raw<const L: u8>(s: &[u8], at: usize) -> __m256i {
    if L == RGB24 {
        debug_assert!(at + 28 <= s.len());
        // SAFETY: the caller promises at + 24 + 4 <= s.len(): both 16-byte loads (from at and
        // at + 12) end inside `s`.
        let (lo, hi) = unsafe {
            (
                _mm_loadu_si128(s.as_ptr().add(at).cast()),
                _mm_loadu_si128(s.as_ptr().add(at + 12).cast()),
            )
        };
        _mm256_set_m128i(hi, lo)
    } else {
        // SAFETY: the caller promises at + 32 <= s.len().
        unsafe { load(s, at) }
    }
}

/// 8 pixels from byte `at` of `s` as 32 bytes of 4-byte pixels: as they are for RGBA and
/// BGRA; RGB24 spread to R G B 0.
///
/// # Safety
/// As [`load8_raw`].
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load8<const L: u8>(s: &[u8], at: usize) -> __m256i {
    // SAFETY: the caller's promise is load8_raw's.
    let raw = unsafe { load8_raw::<L>(s, at) };
    if L == RGB24 {
        let spread = _mm256_setr_epi8(
            0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1, 0, 1, 2, -1, 3, 4, 5, -1, 6, 7,
            8, -1, 9, 10, 11, -1,
        );
        _mm256_shuffle_epi8(raw, spread)
    } else {
        raw
    }
}

/// The shuffle that puts each pixel pair of a lane (as [`load8_raw`] loads it) side by side
/// per channel: `R0 R1 G0 G1 B0 B1 0 0 R2 R3 G2 G3 B2 B3 0 0`, whatever the layout.
#[inline]
#[target_feature(enable = "avx2")]
fn pair_channels<const L: u8>() -> __m256i {
    let m: [i8; 16] = match L {
        RGBA => [0, 4, 1, 5, 2, 6, -1, -1, 8, 12, 9, 13, 10, 14, -1, -1],
        BGRA => [2, 6, 1, 5, 0, 4, -1, -1, 10, 14, 9, 13, 8, 12, -1, -1],
        _ => [0, 3, 1, 4, 2, 5, -1, -1, 6, 9, 7, 10, 8, 11, -1, -1],
    };
    let lane = _mm_setr_epi8(
        m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11], m[12], m[13],
        m[14], m[15],
    );
    _mm256_set_m128i(lane, lane)
}

/// The luma weights (R 66, G 129, B 25) at the byte positions of a 4-byte pixel of layout
/// `L` (RGB24 is spread to R G B 0).
#[inline]
#[target_feature(enable = "avx2")]
fn luma_weights<const L: u8>() -> __m256i {
    if L == BGRA {
        _mm256_set1_epi32(0x0042_8119)
    } else {
        _mm256_set1_epi32(0x0019_8142)
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
    let flip = _mm256_set1_epi8(-128);
    // 66 R + 129 G + 25 B of (pixel - 128) is 28160 (= 220 * 128) less than of the pixel;
    // add it back with the 16.5 * 256 offset and rounding of the scalar formula.
    let bias = _mm256_set1_epi16(0x7e80);
    let mut i = 0;
    while i + 32 <= y.len() && (i + 32) * b + slack(L) <= src.len() {
        // Pixel - 128 as signed bytes times the unsigned weights: pairs summed to words
        // (no saturation: |sum| <= 154 * 128).
        let mut words = [_mm256_setzero_si256(); 4];
        for (k, w) in words.iter_mut().enumerate() {
            // SAFETY: (i + 8k) * b + 8b + slack <= (i + 32) * b + slack <= src.len().
            let px = unsafe { load8::<L>(src, (i + 8 * k) * b) };
            *w = _mm256_maddubs_epi16(weights, _mm256_xor_si256(px, flip));
        }
        // Word pairs to one word per pixel; lane order: 0-3 8-11 | 4-7 12-15.
        let lo = _mm256_hadd_epi16(words[0], words[1]);
        let hi = _mm256_hadd_epi16(words[2], words[3]);
        let lo = _mm256_srli_epi16::<8>(_mm256_add_epi16(lo, bias));
        let hi = _mm256_srli_epi16::<8>(_mm256_add_epi16(hi, bias));
        let out = unzip_dwords(_mm256_packus_epi16(lo, hi));
        // SAFETY: i + 32 <= y.len() (loop condition).
        unsafe { store(y, i, out) };
        i += 32;
    }
    i
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
        && (2 * j + 32) * px + slack(L) <= a.len()
        && (2 * j + 32) * px + slack(L) <= b.len()
    {
        let mut su = [_mm256_setzero_si256(); 4];
        let mut sv = [_mm256_setzero_si256(); 4];
        prefetch(next.0, 2 * j * px);
        prefetch(next.1, 2 * j * px);
        for k in 0..4 {
            let at = (2 * j + 8 * k) * px;
            // SAFETY: at + 8 px + slack <= (2j + 32) px + slack <= a.len(), b.len().
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
