//! Pixel format conversion against BT.601 limited-range reference values, odd sizes, padded
//! rows and visible rects.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod common;

use common::*;
use mediacapture_frame::{FrameError, PixelFormat, PlaneLayout, Rect, VideoFrame, convert};
use std::sync::Arc;

const ALL: [PixelFormat; 5] = [
    PixelFormat::I420,
    PixelFormat::Nv12,
    PixelFormat::Yuyv,
    PixelFormat::Rgba,
    PixelFormat::Bgra,
];

/// Tolerance of the fixed-point colour matrices against the floating-point reference.
const RGB_TOLERANCE: u8 = 2;
const YUV_TOLERANCE: u8 = 1;

fn rgba_frame(w: u32, h: u32, px: impl Fn(u32, u32) -> (u8, u8, u8)) -> VideoFrame {
    let mut buf = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = px(x, y);
            buf.extend_from_slice(&[r, g, b, 255]);
        }
    }
    VideoFrame::new(PixelFormat::Rgba, w, h, buf, 7).unwrap()
}

/// One bar of colour per 2x2 block column: 16x2 picture of the 8 bars.
fn bars_i420() -> VideoFrame {
    let bar = |x: u32| BARS[(x / 2) as usize];
    i420_from(
        16,
        2,
        |x, _| rgb_to_yuv601(bar(x).0, bar(x).1, bar(x).2).0,
        |cx, _| {
            let (r, g, b) = bar(cx * 2);
            let (_, u, v) = rgb_to_yuv601(r, g, b);
            (u, v)
        },
        5,
    )
}

#[test]
fn reference_values_are_the_textbook_ones() {
    // Sanity of the reference itself (BT.601 limited range, as cameras use).
    assert_eq!(rgb_to_yuv601(255, 255, 255), (235, 128, 128));
    assert_eq!(rgb_to_yuv601(0, 0, 0), (16, 128, 128));
    assert_eq!(rgb_to_yuv601(255, 0, 0), (81, 90, 240));
    assert_eq!(rgb_to_yuv601(0, 255, 0), (145, 54, 34));
    assert_eq!(rgb_to_yuv601(0, 0, 255), (41, 240, 110));
}

#[test]
fn i420_to_rgba_and_bgra_gives_the_bar_colours() {
    let frame = bars_i420();
    for to in [PixelFormat::Rgba, PixelFormat::Bgra] {
        let out = convert(&frame, to).unwrap();
        assert_eq!(
            (out.format(), out.coded_width(), out.coded_height()),
            (to, 16, 2)
        );
        assert_eq!(out.timestamp(), 5);
        for (x, px) in out.plane(0).chunks(4).take(16).enumerate() {
            let (r, g, b) = BARS[x / 2];
            let (er, eg, eb) = yuv601_to_rgb(
                rgb_to_yuv601(r, g, b).0,
                rgb_to_yuv601(r, g, b).1,
                rgb_to_yuv601(r, g, b).2,
            );
            let (pr, pg, pb) = if to == PixelFormat::Rgba {
                (px[0], px[1], px[2])
            } else {
                (px[2], px[1], px[0])
            };
            assert!(
                close(pr, er, RGB_TOLERANCE)
                    && close(pg, eg, RGB_TOLERANCE)
                    && close(pb, eb, RGB_TOLERANCE),
                "{to:?} bar {}: got {:?}, want {:?}",
                x / 2,
                (pr, pg, pb),
                (er, eg, eb)
            );
            assert_eq!(px[3], 255);
            // And the bars are the colours they claim, within the YUV quantisation.
            assert!(close(pr, r, 3) && close(pg, g, 3) && close(pb, b, 3));
        }
    }
}

#[test]
fn rgba_and_bgra_to_i420_give_reference_yuv() {
    for (i, &(r, g, b)) in BARS.iter().enumerate() {
        let rgba = rgba_frame(4, 4, |_, _| (r, g, b));
        let bgra = {
            let bytes: Vec<u8> = rgba
                .plane(0)
                .chunks(4)
                .flat_map(|p| [p[2], p[1], p[0], p[3]])
                .collect();
            VideoFrame::new(PixelFormat::Bgra, 4, 4, bytes, 0).unwrap()
        };
        let want = rgb_to_yuv601(r, g, b);
        for frame in [rgba, bgra] {
            let out = convert(&frame, PixelFormat::I420).unwrap();
            let (y, u, v) = i420_planes(&out);
            for got in y.iter().flatten() {
                assert!(
                    close(*got, want.0, YUV_TOLERANCE),
                    "bar {i} Y {got} want {}",
                    want.0
                );
            }
            for (gu, gv) in u.iter().flatten().zip(v.iter().flatten()) {
                assert!(
                    close(*gu, want.1, YUV_TOLERANCE),
                    "bar {i} U {gu} want {}",
                    want.1
                );
                assert!(
                    close(*gv, want.2, YUV_TOLERANCE),
                    "bar {i} V {gv} want {}",
                    want.2
                );
            }
        }
    }
}

#[test]
fn known_colour_through_every_format_pair() {
    // Solid colours survive every path within the stated tolerance: from each source
    // format to each target, compare against the reference of the target's kind.
    for &(r, g, b) in &BARS {
        let yuv = rgb_to_yuv601(r, g, b);
        let rgb = yuv601_to_rgb(yuv.0, yuv.1, yuv.2);
        let base = i420_from(6, 4, |_, _| yuv.0, |_, _| (yuv.1, yuv.2), 0);
        for from in ALL {
            let src = convert(&base, from).unwrap();
            for to in ALL {
                let out = convert(&src, to).unwrap();
                let back = convert(&out, PixelFormat::I420).unwrap();
                let (y, u, v) = i420_planes(&back);
                // Through RGB a colour is quantised twice.
                let tol = if [from, to]
                    .iter()
                    .any(|f| matches!(f, PixelFormat::Rgba | PixelFormat::Bgra))
                {
                    2
                } else {
                    0
                };
                assert!(
                    y.iter().flatten().all(|&p| close(p, yuv.0, tol)),
                    "{from:?}->{to:?} Y"
                );
                assert!(
                    u.iter().flatten().all(|&p| close(p, yuv.1, tol)),
                    "{from:?}->{to:?} U"
                );
                assert!(
                    v.iter().flatten().all(|&p| close(p, yuv.2, tol)),
                    "{from:?}->{to:?} V"
                );
                if to == PixelFormat::Rgba {
                    for px in out.plane(0).chunks(4) {
                        assert!(close(px[0], rgb.0, RGB_TOLERANCE + tol));
                        assert!(close(px[1], rgb.1, RGB_TOLERANCE + tol));
                        assert!(close(px[2], rgb.2, RGB_TOLERANCE + tol));
                    }
                }
            }
        }
    }
}

#[test]
fn yuv_shuffles_are_lossless_at_odd_sizes() {
    for (w, h) in [
        (1, 1),
        (2, 1),
        (1, 2),
        (3, 3),
        (5, 7),
        (17, 9),
        (64, 36),
        (33, 2),
    ] {
        let frame = noisy_i420(w, h, w * 31 + h);
        for via in [PixelFormat::Nv12, PixelFormat::Yuyv, PixelFormat::I420] {
            let mid = convert(&frame, via).unwrap();
            assert_eq!((mid.coded_width(), mid.coded_height()), (w, h));
            assert_holds(&mid, via.frame_size(w, h).unwrap());
            let back = convert(&mid, PixelFormat::I420).unwrap();
            assert_eq!(i420_planes(&back), i420_planes(&frame), "{via:?} {w}x{h}");
        }
        // RGB round trip is close, at every odd size too.
        let rgba = convert(&frame, PixelFormat::Rgba).unwrap();
        assert_holds(&rgba, (w * h * 4) as usize);
    }
}

#[test]
fn same_format_whole_frame_shares_the_buffer() {
    let frame = noisy_i420(8, 8, 1);
    let out = convert(&frame, PixelFormat::I420).unwrap();
    assert!(Arc::ptr_eq(
        frame.buffer(0).unwrap(),
        out.buffer(0).unwrap()
    ));
}

#[test]
fn yuyv_chroma_is_averaged_over_the_row_pair() {
    // Row 0: U 100, V 60; row 1: U 200, V 161. Output chroma: rounded averages.
    let bytes = vec![50, 100, 51, 60, 50, 200, 51, 161];
    let frame = VideoFrame::new(PixelFormat::Yuyv, 2, 2, bytes, 0).unwrap();
    let out = convert(&frame, PixelFormat::I420).unwrap();
    assert_eq!(out.plane(0), &[50, 51, 50, 51]);
    assert_eq!(out.plane(1), &[150]);
    assert_eq!(out.plane(2), &[111]);
}

#[test]
fn i420_to_yuyv_and_nv12_layouts() {
    let frame = i420_from(
        3,
        2,
        |x, y| (10 * y + x) as u8 + 20,
        |cx, _| (100 + cx as u8, 200 + cx as u8),
        0,
    );
    let yuyv = convert(&frame, PixelFormat::Yuyv).unwrap();
    // Odd width: the last macropixel repeats its one luma.
    assert_eq!(
        yuyv.plane(0),
        &[
            20, 100, 21, 200, 22, 101, 22, 201, 30, 100, 31, 200, 32, 101, 32, 201
        ]
    );
    let nv12 = convert(&frame, PixelFormat::Nv12).unwrap();
    assert_eq!(nv12.plane(0), &[20, 21, 22, 30, 31, 32]);
    assert_eq!(nv12.plane(1), &[100, 200, 101, 201]);
}

#[test]
fn padded_rows_are_read_by_every_source_format() {
    let frame = noisy_i420(10, 6, 3);
    let want = i420_planes(&frame);
    for from in [PixelFormat::I420, PixelFormat::Nv12, PixelFormat::Yuyv] {
        let tight = convert(&frame, from).unwrap();
        let pad = padded(&tight, 12, 5);
        assert_ne!(pad.stride(0), tight.stride(0));
        let back = convert(&pad, PixelFormat::I420).unwrap();
        assert_eq!(i420_planes(&back), want, "{from:?}");
    }
    let rgba = convert(&frame, PixelFormat::Rgba).unwrap();
    let out_tight = convert(&rgba, PixelFormat::Bgra).unwrap();
    let out_padded = convert(&padded(&rgba, 8, 3), PixelFormat::Bgra).unwrap();
    assert_eq!(out_tight.plane(0), out_padded.plane(0));
}

#[test]
fn visible_rect_is_what_gets_converted() {
    // A 16x12 frame whose 8x6 middle (at 4, 2) is the picture.
    let frame = noisy_i420(16, 12, 9);
    let rect = Rect {
        x: 4,
        y: 2,
        width: 8,
        height: 6,
    };
    let cropped = frame.clone().with_visible_rect(rect).unwrap();
    let (y, u, v) = i420_planes(&frame);
    let want_y: Vec<Vec<u8>> = y[2..8].iter().map(|r| r[4..12].to_vec()).collect();
    let want_u: Vec<Vec<u8>> = u[1..4].iter().map(|r| r[2..6].to_vec()).collect();
    let want_v: Vec<Vec<u8>> = v[1..4].iter().map(|r| r[2..6].to_vec()).collect();
    for from in [PixelFormat::I420, PixelFormat::Nv12, PixelFormat::Yuyv] {
        let src = convert(&frame, from)
            .unwrap()
            .with_visible_rect(rect)
            .unwrap();
        let out = convert(&src, PixelFormat::I420).unwrap();
        assert_eq!((out.coded_width(), out.coded_height()), (8, 6));
        assert_eq!(
            i420_planes(&out),
            (want_y.clone(), want_u.clone(), want_v.clone()),
            "{from:?}"
        );
    }
    // RGB sources: the rect of the RGB picture.
    let rgba = convert(&frame, PixelFormat::Rgba).unwrap();
    let out = convert(
        &rgba.clone().with_visible_rect(rect).unwrap(),
        PixelFormat::Rgba,
    )
    .unwrap();
    let full = rgba.plane(0);
    for row in 0..6 {
        let start = ((row + 2) * 16 + 4) * 4;
        assert_eq!(
            &out.plane(0)[row * 32..row * 32 + 32],
            &full[start..start + 32]
        );
    }
    // And the I420 -> RGBA of the rect equals the rect of the full conversion.
    let direct = convert(&cropped, PixelFormat::Rgba).unwrap();
    assert_eq!(direct.plane(0), out.plane(0));
}

#[test]
fn odd_visible_origin_in_yuyv_takes_the_right_luma() {
    // 4x1 YUYV: lumas 10, 11, 12, 13; visible from x = 1, 3 wide.
    let frame = VideoFrame::new(
        PixelFormat::Yuyv,
        4,
        2,
        vec![
            10, 100, 11, 150, 12, 102, 13, 152, 10, 100, 11, 150, 12, 102, 13, 152,
        ],
        0,
    )
    .unwrap()
    .with_visible_rect(Rect {
        x: 1,
        y: 0,
        width: 3,
        height: 2,
    })
    .unwrap();
    let out = convert(&frame, PixelFormat::I420).unwrap();
    assert_eq!(&out.plane(0)[..3], &[11, 12, 13]);
    assert_eq!(out.plane(1), &[100, 102]);
}

#[test]
fn encoding_to_mjpeg_is_unsupported() {
    let frame = noisy_i420(4, 4, 0);
    assert!(matches!(
        convert(&frame, PixelFormat::Mjpeg),
        Err(FrameError::Unsupported(_))
    ));
}

#[test]
fn timestamps_and_durations_are_kept() {
    let frame = noisy_i420(4, 4, 0)
        .with_timestamp(123_456)
        .with_duration(Some(33_333));
    for to in ALL {
        let out = convert(&frame, to).unwrap();
        assert_eq!(
            (out.timestamp(), out.duration()),
            (123_456, Some(33_333)),
            "{to:?}"
        );
    }
}

#[test]
fn nv12_to_i420_keeps_the_luma_plane_and_writes_the_chroma() {
    let frame = noisy_i420(18, 10, 21);
    for nv in [PixelFormat::Nv12, PixelFormat::Nv21] {
        let src = convert(&frame, nv).unwrap();
        // Whole, and a rect at an odd origin.
        let odd = Rect {
            x: 3,
            y: 1,
            width: 11,
            height: 7,
        };
        for (src, want) in [
            (src.clone(), frame.clone()),
            (
                src.clone().with_visible_rect(odd).unwrap(),
                frame.clone().with_visible_rect(odd).unwrap(),
            ),
        ] {
            let out = convert(&src, PixelFormat::I420).unwrap();
            assert_eq!(i420_planes(&out), i420_planes(&want), "{nv:?}");
            // The same luma bytes, not a copy of them; chroma in a buffer of its own.
            assert!(Arc::ptr_eq(out.buffer(0).unwrap(), src.buffer(0).unwrap()));
            assert!(Arc::ptr_eq(out.buffer(1).unwrap(), out.buffer(2).unwrap()));
            assert!(!Arc::ptr_eq(out.buffer(1).unwrap(), src.buffer(0).unwrap()));
            let r = src.visible_rect();
            let chroma = 2 * (r.width.div_ceil(2) * r.height.div_ceil(2)) as usize;
            // The source's buffer, and a chroma buffer (aligned: up to 63 bytes more).
            assert!((0..64).contains(&(out.byte_len() - src.byte_len() - chroma)));
            // Packed, it is the tight I420 of the rect.
            let tight = convert(&want, PixelFormat::I420).unwrap();
            assert_eq!(out.to_packed_vec(), tight.to_packed_vec(), "{nv:?} {r:?}");
            // And I420 -> I420 of it makes one tight buffer again.
            let copy = convert(&out, PixelFormat::I420).unwrap();
            assert_holds(
                &copy,
                PixelFormat::I420.frame_size(r.width, r.height).unwrap(),
            );
            assert_eq!(i420_planes(&copy), i420_planes(&want));
        }
    }
}

#[test]
fn nv12_luma_that_cannot_be_shared_is_copied() {
    // NV12 with its luma alone in a buffer that ends at the last row: a rect that starts at
    // x = 1 and reaches the bottom cannot be a plane of that buffer (its last row would end
    // one byte past it), so the conversion copies, and the result is the same.
    let frame = noisy_i420(8, 4, 5);
    let nv12 = convert(&frame, PixelFormat::Nv12).unwrap();
    let (luma, chroma) = (nv12.plane(0), nv12.plane(1));
    let apart = VideoFrame::with_plane_buffers(
        PixelFormat::Nv12,
        8,
        4,
        vec![
            (Arc::from(luma), PlaneLayout::new(0, 8, 4)),
            (Arc::from(chroma), PlaneLayout::new(0, 8, 2)),
        ],
        0,
    )
    .unwrap();
    let rect = Rect {
        x: 1,
        y: 2,
        width: 7,
        height: 2,
    };
    let out = convert(
        &apart.clone().with_visible_rect(rect).unwrap(),
        PixelFormat::I420,
    )
    .unwrap();
    assert!(!Arc::ptr_eq(
        out.buffer(0).unwrap(),
        apart.buffer(0).unwrap()
    ));
    let want = frame.with_visible_rect(rect).unwrap();
    assert_eq!(i420_planes(&out), i420_planes(&want));
    // The whole frame's luma can be shared.
    let whole = convert(&apart, PixelFormat::I420).unwrap();
    assert!(Arc::ptr_eq(
        whole.buffer(0).unwrap(),
        apart.buffer(0).unwrap()
    ));
}

#[test]
fn packed_bytes_leave_out_the_padding() {
    let frame = noisy_i420(10, 6, 8);
    for format in [PixelFormat::I420, PixelFormat::Nv12, PixelFormat::Yuyv] {
        let tight = convert(&frame, format).unwrap();
        let pad = padded(&tight, 7, 3);
        assert_eq!(pad.to_packed_vec(), tight.to_packed_vec(), "{format:?}");
        assert_eq!(
            tight.to_packed_vec().len(),
            format.frame_size(10, 6).unwrap()
        );
    }
}
