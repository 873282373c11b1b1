//! Every vector kernel against the scalar one, on random rows of random lengths (short ones,
//! odd ones, ones that end inside a vector step) and random offsets into the buffers.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use proptest::prelude::*;

/// The levels to check on this CPU besides the scalar reference.
fn vector_levels() -> Vec<SimdLevel> {
    [SimdLevel::Sse41, SimdLevel::Avx2]
        .into_iter()
        .filter(|l| l.supported() == *l)
        .collect()
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

/// Every vector level's 3:2 area rows are the scalar kernel's, for `n` outputs per row.
fn area_three_to_two_levels_agree(
    r0: &[u8],
    r1: &[u8],
    r2: &[u8],
    n: usize,
) -> Result<(), TestCaseError> {
    let (mut w0, mut w1) = (vec![0u8; n], vec![0u8; n]);
    area_three_to_two(SimdLevel::Scalar, [r0, r1, r2], &[], &mut w0, &mut w1);
    for level in vector_levels() {
        let (mut o0, mut o1) = (vec![0u8; n], vec![0u8; n]);
        // Rows to prefetch of other lengths than these, and none: a hint, never read.
        area_three_to_two(level, [r0, r1, r2], &[r2, &[], r0], &mut o0, &mut o1);
        prop_assert_eq!((&o0, &o1), (&w0, &w1), "{:?}", level);
        area_three_to_two(level, [r0, r1, r2], &[], &mut o0, &mut o1);
        prop_assert_eq!((&o0, &o1), (&w0, &w1), "{:?}", level);
    }
    Ok(())
}

/// Every vector level's n:1 area row is the scalar kernel's, for `len` outputs.
fn area_whole_levels_agree(rows: &[Vec<u8>], len: usize) -> Result<(), TestCaseError> {
    let rows: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    let mut want = vec![0u8; len];
    area_whole(SimdLevel::Scalar, &rows, &[], &mut want);
    for level in vector_levels() {
        let mut got = vec![0u8; len];
        area_whole(level, &rows, &rows[1..], &mut got);
        prop_assert_eq!(&got, &want, "{:?} {} rows", level, rows.len());
        area_whole(level, &rows, &[], &mut got);
        prop_assert_eq!(&got, &want, "{:?} {} rows", level, rows.len());
    }
    Ok(())
}

const LAYOUTS: [RgbLayout; 3] = [RgbLayout::Rgba, RgbLayout::Bgra, RgbLayout::Rgb24];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn take_every_other_matches_scalar(src in bytes(700), skip in 0usize..5, first in 0usize..2, n in 0usize..340) {
        let src = &src[skip.min(src.len())..];
        let mut want = vec![0u8; n];
        take_every_other(SimdLevel::Scalar, src, first, &mut want);
        for level in vector_levels() {
            let mut got = vec![0u8; n];
            take_every_other(level, src, first, &mut got);
            prop_assert_eq!(&got, &want, "{:?}", level);
        }
    }

    #[test]
    fn area_three_to_two_matches_scalar(
        r0 in bytes(400), r1 in bytes(400), r2 in bytes(400), n in 0usize..280,
    ) {
        area_three_to_two_levels_agree(&r0, &r1, &r2, n)?;
    }

    #[test]
    fn area_three_to_two_of_extremes(n in 0usize..200, seed in any::<u64>()) {
        // Rows of 0s and 255s only, where the sums are largest: the multiply-high divide
        // must stay exact there.
        let row = |k: u64| -> Vec<u8> {
            (0..3 * n as u64 / 2 + 40)
                .map(|i| if (seed.rotate_left((i * 7 + k) as u32 % 64) >> (i % 61)) & 1 == 1 { 255 } else { 0 })
                .collect()
        };
        area_three_to_two_levels_agree(&row(1), &row(2), &row(3), n)?;
    }

    #[test]
    fn area_whole_matches_scalar(
        six in any::<bool>(), rows in prop::collection::vec(bytes(500), 6), len in 0usize..180,
    ) {
        let n = if six { 6 } else { 3 };
        area_whole_levels_agree(&rows[..n], len)?;
    }

    #[test]
    fn area_whole_of_extremes(six in any::<bool>(), len in 0usize..120, seed in any::<u64>()) {
        // Rows of 0s and 255s only, where the sums are largest.
        let n = if six { 6 } else { 3 };
        let rows: Vec<Vec<u8>> = (0..n as u64)
            .map(|k| {
                (0..n as u64 * len as u64 + 50)
                    .map(|i| if (seed.rotate_left((i * 7 + k) as u32 % 64) >> (i % 61)) & 1 == 1 { 255 } else { 0 })
                    .collect()
            })
            .collect();
        area_whole_levels_agree(&rows, len)?;
    }

    #[test]
    fn split_pairs_matches_scalar(src in bytes(700), skip in 0usize..5, n in 0usize..340) {
        let src = &src[skip.min(src.len())..];
        let (mut we, mut wo) = (vec![0u8; n], vec![0u8; n]);
        split_pairs(SimdLevel::Scalar, src, &mut we, &mut wo);
        for level in vector_levels() {
            let (mut e, mut o) = (vec![0u8; n], vec![0u8; n]);
            split_pairs(level, src, &mut e, &mut o);
            prop_assert_eq!((&e, &o), (&we, &wo), "{:?}", level);
        }
    }

    #[test]
    fn packed_chroma_matches_scalar(a in bytes(700), b in bytes(700), u_at in 0usize..2, n in 0usize..180) {
        let (mut wu, mut wv) = (vec![0u8; n], vec![0u8; n]);
        packed_chroma(SimdLevel::Scalar, &a, &b, u_at, &mut wu, &mut wv);
        for level in vector_levels() {
            let (mut u, mut v) = (vec![0u8; n], vec![0u8; n]);
            packed_chroma(level, &a, &b, u_at, &mut u, &mut v);
            prop_assert_eq!((&u, &v), (&wu, &wv), "{:?}", level);
        }
    }

    #[test]
    fn rgb_to_y_matches_scalar(src in bytes(1400), layout in 0usize..3, n in 0usize..350) {
        let layout = LAYOUTS[layout];
        let mut want = vec![0u8; n];
        rgb_to_y(SimdLevel::Scalar, layout, &src, &mut want);
        for level in vector_levels() {
            let mut got = vec![0u8; n];
            rgb_to_y(level, layout, &src, &mut got);
            prop_assert_eq!(&got, &want, "{:?}", level);
        }
    }

    #[test]
    fn rgb_to_uv_matches_scalar(
        a in bytes(1400),
        b in bytes(1400),
        layout in 0usize..3,
        width in 0usize..350,
        same_row in any::<bool>(),
    ) {
        let layout = LAYOUTS[layout];
        let b = if same_row { &a } else { &b };
        let n = width.div_ceil(2);
        let (mut wu, mut wv) = (vec![0u8; n], vec![0u8; n]);
        rgb_to_uv(SimdLevel::Scalar, layout, (&a, b), (b, &a), width, &mut wu, &mut wv);
        for level in vector_levels() {
            let (mut u, mut v) = (vec![0u8; n], vec![0u8; n]);
            rgb_to_uv(level, layout, (&a, b), (b, &a), width, &mut u, &mut v);
            prop_assert_eq!((&u, &v), (&wu, &wv), "{:?}", level);
        }
    }

    #[test]
    fn rgb_to_i420_rows_matches_scalar(
        a in bytes(1400),
        b in bytes(1400),
        layout in 0usize..3,
        width in 0usize..350,
        y_len in 0usize..360,
    ) {
        let layout = LAYOUTS[layout];
        let n = width.div_ceil(2);
        let (mut wya, mut wyb) = (vec![0u8; y_len], vec![0u8; y_len]);
        let (mut wu, mut wv) = (vec![0u8; n], vec![0u8; n]);
        // The reference: the separate scalar kernels, each row's luma up to `width` pixels.
        let bpp = layout.bytes();
        let w = width.min(y_len).min(a.len() / bpp).min(b.len() / bpp);
        rgb_to_uv(SimdLevel::Scalar, layout, (&a, &b), (&b, &a), w, &mut wu, &mut wv);
        rgb_to_y(SimdLevel::Scalar, layout, &a, &mut wya[..w]);
        rgb_to_y(SimdLevel::Scalar, layout, &b, &mut wyb[..w]);
        for level in [SimdLevel::Scalar].into_iter().chain(vector_levels()) {
            let (mut ya, mut yb) = (vec![0u8; y_len], vec![0u8; y_len]);
            let (mut u, mut v) = (vec![0u8; n], vec![0u8; n]);
            rgb_to_i420_rows(level, layout, (&a, &b), (&b, &a), width, (&mut ya, &mut yb), &mut u, &mut v);
            prop_assert_eq!((&ya, &yb), (&wya, &wyb), "{:?}", level);
            prop_assert_eq!((&u, &v), (&wu, &wv), "{:?}", level);
        }
    }
}

/// The fixed-point maths against the exact BT.601 formulas: luma within 1, chroma of a
/// 2x2 block within 1 of the exact value of the block's mean.
#[test]
fn fixed_point_is_within_one_of_exact_bt601() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 24) as u8
    };
    for _ in 0..20_000 {
        let px: Vec<(u8, u8, u8)> = (0..4).map(|_| (next(), next(), next())).collect();
        let (r, g, b) = px[0];
        let exact_y =
            16.0 + (65.481 * f64::from(r) + 128.553 * f64::from(g) + 24.966 * f64::from(b)) / 255.0;
        assert!(
            (f64::from(scalar::luma(r, g, b)) - exact_y).abs() <= 1.0,
            "{r} {g} {b}"
        );
        let sum = |f: fn(&(u8, u8, u8)) -> u8| px.iter().map(|p| i32::from(f(p))).sum::<i32>();
        let (sr, sg, sb) = (sum(|p| p.0), sum(|p| p.1), sum(|p| p.2));
        let (mr, mg, mb) = (
            f64::from(sr) / 4.0,
            f64::from(sg) / 4.0,
            f64::from(sb) / 4.0,
        );
        let exact_u = 128.0 + (-37.797 * mr - 74.203 * mg + 112.0 * mb) / 255.0;
        let exact_v = 128.0 + (112.0 * mr - 93.786 * mg - 18.214 * mb) / 255.0;
        let (u, v) = scalar::chroma_of_sums(sr, sg, sb);
        assert!((f64::from(u) - exact_u).abs() <= 1.0, "u {u} vs {exact_u}");
        assert!((f64::from(v) - exact_v).abs() <= 1.0, "v {v} vs {exact_v}");
    }
}

#[test]
fn levels_are_capped_to_the_cpu() {
    let best = SimdLevel::detect();
    assert_eq!(SimdLevel::Avx2.supported(), best.min(SimdLevel::Avx2));
    assert_eq!(SimdLevel::Scalar.supported(), SimdLevel::Scalar);
}

/// The fused RGB kernels on rows of extreme pixels only (each byte 0 or 255), where a word
/// sum in the vector kernels would saturate or wrap if its weights were too large: random
/// bytes rarely make such blocks. Even seeds give whole 2x2 blocks of one pixel, every
/// combination of channels over the row; odd ones mix them at random.
#[test]
fn rgb_to_i420_rows_matches_scalar_on_extreme_pixels() {
    let width = 96;
    for layout in LAYOUTS {
        let bpp = layout.bytes();
        for seed in 0..64usize {
            let row = |salt: usize| -> Vec<u8> {
                (0..width * bpp)
                    .map(|k| {
                        let (block, channel) = (k / bpp / 2, k % bpp);
                        let bit = if seed % 2 == 0 {
                            (block + seed / 2) >> channel
                        } else {
                            k.wrapping_mul(2_654_435_761).wrapping_add(seed * salt) >> (k % 11)
                        };
                        if bit & 1 == 1 { 255 } else { 0 }
                    })
                    .collect()
            };
            let (a, b) = (row(0x9e37), row(0x85eb));
            let n = width / 2;
            let (mut wya, mut wyb) = (vec![0u8; width], vec![0u8; width]);
            let (mut wu, mut wv) = (vec![0u8; n], vec![0u8; n]);
            let none: &[u8] = &[];
            let (next, scalar) = ((none, none), SimdLevel::Scalar);
            rgb_to_uv(scalar, layout, (&a, &b), next, width, &mut wu, &mut wv);
            rgb_to_y(scalar, layout, &a, &mut wya);
            rgb_to_y(scalar, layout, &b, &mut wyb);
            for level in vector_levels() {
                let (mut ya, mut yb) = (vec![0u8; width], vec![0u8; width]);
                let (mut u, mut v) = (vec![0u8; n], vec![0u8; n]);
                let rows = (&mut ya[..], &mut yb[..]);
                rgb_to_i420_rows(level, layout, (&a, &b), next, width, rows, &mut u, &mut v);
                assert_eq!((&ya, &yb), (&wya, &wyb), "{layout:?} {level:?} {seed}");
                assert_eq!((&u, &v), (&wu, &wv), "{layout:?} {level:?} {seed}");
            }
        }
    }
}
