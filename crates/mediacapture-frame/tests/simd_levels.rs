//! The fast paths: every SIMD level this CPU has gives exactly the scalar level's bytes, for
//! every camera format, on random sizes (odd ones included), padded strides and visible
//! rects; and the new formats (UYVY, NV21, RGB24) mean what their names say.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod common;

use common::*;
use mediacapture_frame::{PixelFormat, Rect, SimdLevel, VideoFrame, convert, convert_with_level};
use proptest::prelude::*;

const CAMERA_FORMATS: [PixelFormat; 7] = [
    PixelFormat::Yuyv,
    PixelFormat::Uyvy,
    PixelFormat::Nv12,
    PixelFormat::Nv21,
    PixelFormat::Rgba,
    PixelFormat::Bgra,
    PixelFormat::Rgb24,
];

/// A frame of `format` with random bytes in every plane (padding included), `pad` extra
/// bytes per row and `lead` bytes before the first plane.
fn random_frame(
    format: PixelFormat,
    w: u32,
    h: u32,
    pad: usize,
    lead: usize,
    seed: u64,
) -> VideoFrame {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 32) as u8
    };
    let tight = format.tight_layout(w, h).unwrap();
    let mut layout = Vec::new();
    let mut offset = lead;
    for p in &tight {
        let stride = p.stride + pad;
        layout.push(mediacapture_frame::PlaneLayout {
            offset,
            stride,
            rows: p.rows,
        });
        offset += stride * p.rows;
    }
    let data: Vec<u8> = (0..offset).map(|_| next()).collect();
    VideoFrame::with_layout(format, w, h, data, layout, 0).unwrap()
}

fn levels() -> Vec<SimdLevel> {
    [SimdLevel::Sse41, SimdLevel::Avx2]
        .into_iter()
        .filter(|l| l.supported() == *l)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn every_level_gives_the_scalar_bytes(
        format in 0usize..7,
        w in 1u32..200,
        h in 1u32..12,
        pad in 0usize..40,
        lead in 0usize..9,
        rect in (0u32..200, 0u32..12, 1u32..200, 1u32..12),
        seed in any::<u64>(),
    ) {
        let format = CAMERA_FORMATS[format];
        let frame = random_frame(format, w, h, pad, lead, seed);
        // A visible rect inside the frame (odd origins included).
        let (x, y) = (rect.0 % w, rect.1 % h);
        let visible = Rect { x, y, width: 1 + rect.2 % (w - x), height: 1 + rect.3 % (h - y) };
        for frame in [frame.clone(), frame.with_visible_rect(visible).unwrap()] {
            let want = convert_with_level(&frame, PixelFormat::I420, SimdLevel::Scalar).unwrap();
            for level in levels() {
                let got = convert_with_level(&frame, PixelFormat::I420, level).unwrap();
                prop_assert_eq!(got.to_packed_vec(), want.to_packed_vec(), "{:?} {:?} {:?}", format, level, frame.visible_rect());
            }
            // The default (best) level too.
            let best = convert(&frame, PixelFormat::I420).unwrap();
            prop_assert_eq!(best.to_packed_vec(), want.to_packed_vec());
        }
    }
}

/// 1080p rows at every level (the kernels' long loops, not just their tails).
#[test]
fn full_hd_frames_match_at_every_level() {
    for (i, format) in CAMERA_FORMATS.into_iter().enumerate() {
        let frame = random_frame(format, 1920, 1080, 0, 0, 77 + i as u64);
        let want = convert_with_level(&frame, PixelFormat::I420, SimdLevel::Scalar).unwrap();
        for level in levels() {
            let got = convert_with_level(&frame, PixelFormat::I420, level).unwrap();
            assert_eq!(
                got.to_packed_vec(),
                want.to_packed_vec(),
                "{format:?} {level:?}"
            );
        }
    }
}

/// The same picture in the byte orders of its family converts to the same I420.
#[test]
fn byte_order_twins_convert_alike() {
    let i420 = noisy_i420(37, 11, 4);
    for (a, b) in [
        (PixelFormat::Yuyv, PixelFormat::Uyvy),
        (PixelFormat::Nv12, PixelFormat::Nv21),
        (PixelFormat::Rgba, PixelFormat::Rgb24),
        (PixelFormat::Bgra, PixelFormat::Rgb24),
    ] {
        let fa = convert(&i420, a).unwrap();
        let fb = convert(&i420, b).unwrap();
        assert_ne!(
            fa.to_packed_vec(),
            fb.to_packed_vec(),
            "{a:?} and {b:?} should differ in bytes"
        );
        let (ia, ib) = (
            convert(&fa, PixelFormat::I420).unwrap(),
            convert(&fb, PixelFormat::I420).unwrap(),
        );
        assert_eq!(i420_planes(&ia), i420_planes(&ib), "{a:?} vs {b:?}");
    }
}

/// UYVY, NV21 and RGB24 bytes as their names say, checked by hand on a 2x2 frame.
#[test]
fn new_formats_have_the_named_byte_order() {
    // Y 10 20 / 30 40, U 100, V 200.
    let i420 = VideoFrame::new(PixelFormat::I420, 2, 2, vec![10, 20, 30, 40, 100, 200], 0).unwrap();
    let uyvy = convert(&i420, PixelFormat::Uyvy).unwrap();
    assert_eq!(uyvy.plane(0), [100, 10, 200, 20, 100, 30, 200, 40]);
    let nv21 = convert(&i420, PixelFormat::Nv21).unwrap();
    assert_eq!(nv21.plane(1), [200, 100]);
    // Back again: the same planes.
    for f in [uyvy, nv21] {
        assert_eq!(
            convert(&f, PixelFormat::I420).unwrap().plane(0),
            [10, 20, 30, 40]
        );
    }
    // Red as RGB24 is R 255, G 0, B 0 and converts to BT.601 red.
    let red = VideoFrame::new(PixelFormat::Rgb24, 2, 2, [255, 0, 0].repeat(4), 0).unwrap();
    let yuv = convert(&red, PixelFormat::I420).unwrap();
    let want = rgb_to_yuv601(255, 0, 0);
    assert!(
        close(yuv.plane(0)[0], want.0, 1)
            && close(yuv.plane(1)[0], want.1, 1)
            && close(yuv.plane(2)[0], want.2, 1)
    );
    let rgba = convert(&red, PixelFormat::Rgba).unwrap();
    assert_eq!(rgba.plane(0)[..4], [255, 0, 0, 255]);
    let bgra = convert(&red, PixelFormat::Bgra).unwrap();
    assert_eq!(bgra.plane(0)[..4], [0, 0, 255, 255]);
    assert_eq!(
        convert(&bgra, PixelFormat::Rgb24).unwrap().plane(0),
        red.plane(0)
    );
}
