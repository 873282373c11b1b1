//! SSE4.1 (with SSSE3) kernels: 16-byte vectors, the same arithmetic as `avx2.rs` without
//! its lane fix-ups. Each returns how many outputs it wrote (whole vector steps only); the
//! caller finishes the row with the scalar kernel. Every loop checks, before a step, that the
//! step's last byte read and written lies inside its slice.

use super::RgbLayout;
use std::arch::x86_64::*;

/// The only unaligned load: 16 bytes of `s` from byte `at`.
///
/// # Safety
/// `at + 16 <= s.len()`.
#[inline]
#[target_feature(enable = "sse4.1")]
unsafe fn load(s: &[u8], at: usize) -> __m128i {
    debug_assert!(at + 16 <= s.len());
    // SAFETY: the caller promises `at + 16 <= s.len()`: the 16 bytes lie inside `s`.
    unsafe { _mm_loadu_si128(s.as_ptr().add(at).cast()) }
}

/// The only 16-byte store: `v` into `d[at..at + 16]`.
///
/// # Safety
/// `at + 16 <= d.len()`.
#[inline]
#[target_feature(enable = "sse4.1")]
unsafe fn store(d: &mut [u8], at: usize, v: __m128i) {
    debug_assert!(at + 16 <= d.len());
    // SAFETY: the caller promises `at + 16 <= d.len()`: the 16 bytes lie inside `d`.
    unsafe { _mm_storeu_si128(d.as_mut_ptr().add(at).cast(), v) }
}

/// The only 8-byte store: the low half of `v` into `d[at..at + 8]`.
///
/// # Safety
/// `at + 8 <= d.len()`.
#[inline]
#[target_feature(enable = "sse4.1")]
unsafe fn store8(d: &mut [u8], at: usize, v: __m128i) {
    debug_assert!(at + 8 <= d.len());
    // SAFETY: the caller promises `at + 8 <= d.len()`: the 8 bytes lie inside `d`.
    unsafe { _mm_storel_epi64(d.as_mut_ptr().add(at).cast(), v) }
}

/// Bytes 0, 2, 4, ... (`FIRST` = 0) or 1, 3, 5, ... (`FIRST` = 1) of each word, as words.
#[inline]
#[target_feature(enable = "sse4.1")]
fn pick<const FIRST: usize>(v: __m128i) -> __m128i {
    if FIRST == 0 {
        _mm_and_si128(v, _mm_set1_epi16(0x00ff))
    } else {
        _mm_srli_epi16::<8>(v)
    }
}

/// `dst[i] = src[2i + first]`, 16 outputs per step.
#[target_feature(enable = "sse4.1")]
pub(super) fn take_every_other(src: &[u8], first: usize, dst: &mut [u8]) -> usize {
    if first == 0 {
        take_every_other_at::<0>(src, dst)
    } else {
        take_every_other_at::<1>(src, dst)
    }
}

#[inline]
#[target_feature(enable = "sse4.1")]
fn take_every_other_at<const FIRST: usize>(src: &[u8], dst: &mut [u8]) -> usize {
    let mut i = 0;
    while i + 16 <= dst.len() && 2 * i + 32 <= src.len() {
        // SAFETY: 2i + 32 <= src.len() (loop condition).
        let (a, b) = unsafe { (load(src, 2 * i), load(src, 2 * i + 16)) };
        let out = _mm_packus_epi16(pick::<FIRST>(a), pick::<FIRST>(b));
        // SAFETY: i + 16 <= dst.len() (loop condition).
        unsafe { store(dst, i, out) };
        i += 16;
    }
    i
}

/// `even[j] = src[2j]`, `odd[j] = src[2j + 1]`, 16 of each per step.
#[target_feature(enable = "sse4.1")]
pub(super) fn split_pairs(src: &[u8], even: &mut [u8], odd: &mut [u8]) -> usize {
    let mut i = 0;
    while i + 16 <= even.len() && i + 16 <= odd.len() && 2 * i + 32 <= src.len() {
        // SAFETY: 2i + 32 <= src.len() (loop condition).
        let (a, b) = unsafe { (load(src, 2 * i), load(src, 2 * i + 16)) };
        let e = _mm_packus_epi16(pick::<0>(a), pick::<0>(b));
        let o = _mm_packus_epi16(pick::<1>(a), pick::<1>(b));
        // SAFETY: i + 16 <= even.len() and <= odd.len() (loop condition).
        unsafe {
            store(even, i, e);
            store(odd, i, o);
        }
        i += 16;
    }
    i
}

/// 4:2:2 packed chroma averaged over two rows, 8 U and 8 V (32 bytes of each row) per step.
#[target_feature(enable = "sse4.1")]
pub(super) fn packed_chroma(a: &[u8], b: &[u8], u_at: usize, u: &mut [u8], v: &mut [u8]) -> usize {
    if u_at == 1 {
        packed_chroma_at::<1>(a, b, u, v)
    } else {
        packed_chroma_at::<0>(a, b, u, v)
    }
}

#[inline]
#[target_feature(enable = "sse4.1")]
fn packed_chroma_at<const U_AT: usize>(a: &[u8], b: &[u8], u: &mut [u8], v: &mut [u8]) -> usize {
    let mut j = 0;
    while j + 8 <= u.len() && j + 8 <= v.len() && 4 * j + 32 <= a.len() && 4 * j + 32 <= b.len() {
        // SAFETY: 4j + 32 <= a.len() and <= b.len() (loop condition).
        let (a0, a1, b0, b1) = unsafe {
            (
                load(a, 4 * j),
                load(a, 4 * j + 16),
                load(b, 4 * j),
                load(b, 4 * j + 16),
            )
        };
        // The row average, its chroma bytes U0 V0 ... U7 V7, then U0..U7 V0..V7.
        let m0 = pick::<U_AT>(_mm_avg_epu8(a0, b0));
        let m1 = pick::<U_AT>(_mm_avg_epu8(a1, b1));
        let uv = _mm_packus_epi16(m0, m1);
        let split = _mm_packus_epi16(pick::<0>(uv), pick::<1>(uv));
        // SAFETY: j + 8 <= u.len() and <= v.len() (loop condition).
        unsafe {
            store8(u, j, split);
            store8(v, j, _mm_unpackhi_epi64(split, split));
        }
        j += 8;
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

/// 4 pixels from byte `at` of `s` as 16 bytes of 4-byte pixels (RGB24 spread to R G B 0).
///
/// # Safety
/// `at + 4 * bpp(L) + slack(L) <= s.len()`, that is `at + 16 <= s.len()` for every layout.
#[inline]
#[target_feature(enable = "sse4.1")]
unsafe fn load4<const L: u8>(s: &[u8], at: usize) -> __m128i {
    // SAFETY: the caller promises at + 16 <= s.len().
    let v = unsafe { load(s, at) };
    if L == RGB24 {
        let spread = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
        _mm_shuffle_epi8(v, spread)
    } else {
        v
    }
}

/// The shuffle that puts each pixel pair of 4 loaded pixels side by side per channel:
/// `R0 R1 G0 G1 B0 B1 0 0 R2 R3 G2 G3 B2 B3 0 0`, whatever the layout.
#[inline]
#[target_feature(enable = "sse4.1")]
fn pair_channels<const L: u8>() -> __m128i {
    match L {
        RGBA => _mm_setr_epi8(0, 4, 1, 5, 2, 6, -1, -1, 8, 12, 9, 13, 10, 14, -1, -1),
        BGRA => _mm_setr_epi8(2, 6, 1, 5, 0, 4, -1, -1, 10, 14, 9, 13, 8, 12, -1, -1),
        _ => _mm_setr_epi8(0, 3, 1, 4, 2, 5, -1, -1, 6, 9, 7, 10, 8, 11, -1, -1),
    }
}

/// Luma of a packed RGB row, 16 pixels per step (see `avx2::rgb_to_y_in` for the maths).
#[target_feature(enable = "sse4.1")]
pub(super) fn rgb_to_y(layout: RgbLayout, src: &[u8], y: &mut [u8]) -> usize {
    match layout {
        RgbLayout::Rgba => rgb_to_y_in::<RGBA>(src, y),
        RgbLayout::Bgra => rgb_to_y_in::<BGRA>(src, y),
        RgbLayout::Rgb24 => rgb_to_y_in::<RGB24>(src, y),
    }
}

#[inline]
#[target_feature(enable = "sse4.1")]
fn rgb_to_y_in<const L: u8>(src: &[u8], y: &mut [u8]) -> usize {
    let b = bpp(L);
    let weights = if L == BGRA {
        _mm_set1_epi32(0x0042_8119)
    } else {
        _mm_set1_epi32(0x0019_8142)
    };
    let flip = _mm_set1_epi8(-128);
    let bias = _mm_set1_epi16(0x7e80);
    let mut i = 0;
    while i + 16 <= y.len() && (i + 16) * b + slack(L) <= src.len() {
        let mut words = [_mm_setzero_si128(); 4];
        for (k, w) in words.iter_mut().enumerate() {
            // SAFETY: (i + 4k) * b + 4b + slack <= (i + 16) * b + slack <= src.len().
            let px = unsafe { load4::<L>(src, (i + 4 * k) * b) };
            *w = _mm_maddubs_epi16(weights, _mm_xor_si128(px, flip));
        }
        let lo = _mm_hadd_epi16(words[0], words[1]);
        let hi = _mm_hadd_epi16(words[2], words[3]);
        let lo = _mm_srli_epi16::<8>(_mm_add_epi16(lo, bias));
        let hi = _mm_srli_epi16::<8>(_mm_add_epi16(hi, bias));
        // SAFETY: i + 16 <= y.len() (loop condition).
        unsafe { store(y, i, _mm_packus_epi16(lo, hi)) };
        i += 16;
    }
    i
}

/// Four words repeated over a vector.
#[inline]
#[target_feature(enable = "sse4.1")]
fn repeat4(c: [i16; 4]) -> __m128i {
    _mm_setr_epi16(c[0], c[1], c[2], c[3], c[0], c[1], c[2], c[3])
}

/// Chroma of a packed RGB row pair, 8 U and 8 V (16 pixels of each row) per step, whole
/// 2x2 blocks only (see `avx2::rgb_to_uv_in`).
#[target_feature(enable = "sse4.1")]
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

/// Asks the CPU to bring the cache line at byte `at` of `s` into the cache (see
/// `avx2::prefetch`).
#[inline]
#[target_feature(enable = "sse4.1")]
fn prefetch(s: &[u8], at: usize) {
    if at < s.len() {
        // SAFETY: `at < s.len()`: the address lies inside `s` (and a prefetch never faults
        // or changes memory anyway).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(s.as_ptr().add(at).cast()) }
    }
}

#[inline]
#[target_feature(enable = "sse4.1")]
fn rgb_to_uv_in<const L: u8>(
    a: &[u8],
    b: &[u8],
    next: (&[u8], &[u8]),
    u: &mut [u8],
    v: &mut [u8],
) -> usize {
    let px = bpp(L);
    let (wu, wv) = (repeat4([-38, -74, 112, 0]), repeat4([112, -94, -18, 0]));
    let pairs = pair_channels::<L>();
    let ones = _mm_set1_epi8(1);
    let bias = _mm_set1_epi32((128 << 10) + 512);
    let mut j = 0;
    while j + 8 <= u.len()
        && j + 8 <= v.len()
        && (2 * j + 16) * px + slack(L) <= a.len()
        && (2 * j + 16) * px + slack(L) <= b.len()
    {
        let mut su = [_mm_setzero_si128(); 4];
        let mut sv = [_mm_setzero_si128(); 4];
        prefetch(next.0, 2 * j * px);
        prefetch(next.1, 2 * j * px);
        for k in 0..4 {
            let at = (2 * j + 4 * k) * px;
            // SAFETY: at + 16 <= at + 4 px + slack <= (2j + 16) px + slack <= a.len(), b.len().
            let (pa, pb) = unsafe { (load(a, at), load(b, at)) };
            // The R G B 0 sums of two 2x2 blocks (see avx2::rgb_to_uv_in).
            let ha = _mm_maddubs_epi16(_mm_shuffle_epi8(pa, pairs), ones);
            let hb = _mm_maddubs_epi16(_mm_shuffle_epi8(pb, pairs), ones);
            let sums = _mm_add_epi16(ha, hb);
            su[k] = _mm_madd_epi16(sums, wu);
            sv[k] = _mm_madd_epi16(sums, wv);
        }
        let out = _mm_packus_epi16(finish_chroma(su, bias), finish_chroma(sv, bias));
        // SAFETY: j + 8 <= u.len() and <= v.len() (loop condition).
        unsafe {
            store8(u, j, out);
            store8(v, j, _mm_unpackhi_epi64(out, out));
        }
        j += 8;
    }
    j
}

/// Four vectors of weighted sums (dword pairs per 2x2 block) to 8 chroma words in order.
#[inline]
#[target_feature(enable = "sse4.1")]
fn finish_chroma(s: [__m128i; 4], bias: __m128i) -> __m128i {
    let lo = _mm_hadd_epi32(s[0], s[1]);
    let hi = _mm_hadd_epi32(s[2], s[3]);
    let lo = _mm_srai_epi32::<10>(_mm_add_epi32(lo, bias));
    let hi = _mm_srai_epi32::<10>(_mm_add_epi32(hi, bias));
    _mm_packs_epi32(lo, hi)
}
