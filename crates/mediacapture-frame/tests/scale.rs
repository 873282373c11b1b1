//! Centre crop and scale (`resizeMode: "crop-and-scale"`), black frames and the video
//! adapter.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod common;

use common::*;
use mediacapture_frame::{
    FrameError, MAX_DIMENSION, PixelFormat, Rect, VideoAdapter, VideoAdapterConfig, VideoFrame,
    adapted_size, black_frame, convert, crop_and_scale, crop_region,
};
use std::sync::Arc;

#[test]
fn crop_region_matches_chromium_letterbox_with_even_rounding() {
    // Same aspect: everything.
    assert_eq!(
        crop_region(1920, 1080, 1280, 720),
        Rect {
            x: 0,
            y: 0,
            width: 1920,
            height: 1080
        }
    );
    // 16:9 -> 4:3: the middle 960 columns.
    assert_eq!(
        crop_region(1280, 720, 640, 480),
        Rect {
            x: 160,
            y: 0,
            width: 960,
            height: 720
        }
    );
    // 4:3 -> 16:9: the middle 360 rows.
    assert_eq!(
        crop_region(640, 480, 1280, 720),
        Rect {
            x: 0,
            y: 60,
            width: 640,
            height: 360
        }
    );
    // Landscape -> portrait: letterbox width 405 (720 * 720 / 1280), centred at 437, rounded
    // down to 436, then the width rounded up to 406 since there is room on the right.
    assert_eq!(
        crop_region(1280, 720, 720, 1280),
        Rect {
            x: 436,
            y: 0,
            width: 406,
            height: 720
        }
    );
    // 1x1 pictures stay 1x1.
    assert_eq!(
        crop_region(1, 1, 4, 3),
        Rect {
            x: 0,
            y: 0,
            width: 1,
            height: 1
        }
    );
}

#[test]
fn adapted_size_never_upscales() {
    assert_eq!(adapted_size(1280, 720, 640, 480), (640, 480));
    assert_eq!(adapted_size(640, 360, 1280, 720), (640, 360));
    assert_eq!(adapted_size(640, 360, 640, 480), (640, 360));
    assert_eq!(adapted_size(640, 360, 0, 0), (640, 360));
}

/// 640x360 with 80-column side bars (white left, blue-ish right) around flat grey.
fn barred_frame() -> VideoFrame {
    i420_from(
        640,
        360,
        |x, _| {
            if x < 80 {
                235
            } else if x >= 560 {
                41
            } else {
                128
            }
        },
        |cx, _| {
            if cx < 40 {
                (128, 128)
            } else if cx >= 280 {
                (240, 110)
            } else {
                (100, 150)
            }
        },
        3,
    )
}

#[test]
fn crop_and_scale_crops_the_sides_away_without_bleeding() {
    let out = crop_and_scale(&barred_frame(), 320, 240).unwrap();
    assert_eq!(
        (out.format(), out.coded_width(), out.coded_height()),
        (PixelFormat::I420, 320, 240)
    );
    assert_eq!(out.timestamp(), 3);
    let (y, u, v) = i420_planes(&out);
    // The filter reads nothing outside the crop, so the flat middle stays exactly flat.
    assert!(y.iter().flatten().all(|&l| l == 128));
    assert!(u.iter().flatten().all(|&c| c == 100));
    assert!(v.iter().flatten().all(|&c| c == 150));
}

#[test]
fn scaling_a_gradient_keeps_it_linear() {
    // Horizontal luma ramp 16..=235 over 960 columns, scaled by 2/3 to 640x360.
    let ramp = |x: f64| 16.0 + x * 219.0 / 959.0;
    let frame = i420_from(
        960,
        540,
        |x, _| ramp(f64::from(x)).round() as u8,
        |_, _| (128, 128),
        0,
    );
    let out = crop_and_scale(&frame, 640, 360).unwrap();
    let (y, _, _) = i420_planes(&out);
    for row in [0usize, 180, 359] {
        for x in (4..636).step_by(17) {
            // Output pixel x covers source columns [1.5x, 1.5x + 1.5): centre 1.5x + 0.25.
            let want = ramp(1.5 * x as f64 + 0.25);
            assert!(
                (f64::from(y[row][x]) - want).abs() <= 1.0,
                "x {x}: {} vs {want}",
                y[row][x]
            );
        }
        assert!(y[row].windows(2).all(|w| w[0] <= w[1]), "not monotonic");
    }
}

#[test]
fn visible_rect_and_strides_are_honoured() {
    // White surround, grey 1280x720 picture at (320, 180).
    let frame = i420_from(
        1920,
        1080,
        |x, y| {
            if (320..1600).contains(&x) && (180..900).contains(&y) {
                128
            } else {
                235
            }
        },
        |cx, cy| {
            if (160..800).contains(&cx) && (90..450).contains(&cy) {
                (90, 160)
            } else {
                (128, 128)
            }
        },
        0,
    );
    let rect = Rect {
        x: 320,
        y: 180,
        width: 1280,
        height: 720,
    };
    for input in [frame.clone(), padded(&frame, 64, 32)] {
        let out = crop_and_scale(&input.with_visible_rect(rect).unwrap(), 640, 360).unwrap();
        let (y, u, v) = i420_planes(&out);
        assert!(y.iter().flatten().all(|&l| l == 128));
        assert!(u.iter().flatten().all(|&c| c == 90));
        assert!(v.iter().flatten().all(|&c| c == 160));
    }
}

#[test]
fn every_input_format_scales_like_i420() {
    let frame = noisy_i420(96, 54, 4);
    let want = i420_planes(&crop_and_scale(&frame, 40, 30).unwrap());
    for from in [PixelFormat::Nv12, PixelFormat::Yuyv] {
        let src = convert(&frame, from).unwrap();
        let got = i420_planes(&crop_and_scale(&src, 40, 30).unwrap());
        assert_eq!(got, want, "{from:?}");
    }
    let padded_i420 = padded(&frame, 16, 8);
    assert_eq!(
        i420_planes(&crop_and_scale(&padded_i420, 40, 30).unwrap()),
        want
    );
    // RGB goes through a lossy colour round trip: close, not equal (grey, so that no
    // out-of-gamut colour is clamped on the way).
    let grey = i420_from(96, 54, |x, y| noise(x, y, 4), |_, _| (128, 128), 0);
    let want = i420_planes(&crop_and_scale(&grey, 40, 30).unwrap());
    let rgba = convert(&grey, PixelFormat::Rgba).unwrap();
    let (y, _, _) = i420_planes(&crop_and_scale(&rgba, 40, 30).unwrap());
    for (a, b) in y.iter().flatten().zip(want.0.iter().flatten()) {
        assert!(close(*a, *b, 2));
    }
}

#[test]
fn odd_and_tiny_sizes() {
    let frame = noisy_i420(1280, 720, 5);
    for (w, h) in [(333, 187), (1, 1), (2, 1), (1279, 719), (17, 31)] {
        let out = crop_and_scale(&frame, w, h).unwrap();
        assert_eq!((out.coded_width(), out.coded_height()), (w, h));
        assert_holds(&out, PixelFormat::I420.frame_size(w, h).unwrap());
    }
    // A 1x1 frame scaled up (the function itself may upscale; adapters never ask it to).
    let dot = i420_from(1, 1, |_, _| 200, |_, _| (60, 70), 0);
    let out = crop_and_scale(&dot, 4, 3).unwrap();
    let (y, u, v) = i420_planes(&out);
    assert!(y.iter().flatten().all(|&l| l == 200));
    assert!(u.iter().flatten().all(|&c| c == 60) && v.iter().flatten().all(|&c| c == 70));
    // Odd input sizes too.
    let odd = noisy_i420(37, 23, 6);
    let out = crop_and_scale(&odd, 20, 11).unwrap();
    assert_eq!((out.coded_width(), out.coded_height()), (20, 11));
}

#[test]
fn bad_sizes_are_errors() {
    let frame = noisy_i420(8, 8, 0);
    for (w, h) in [(0, 10), (10, 0), (MAX_DIMENSION + 1, 10), (30_000, 30_000)] {
        assert!(
            matches!(
                crop_and_scale(&frame, w, h),
                Err(FrameError::InvalidSize { .. })
            ),
            "{w}x{h}"
        );
    }
}

#[test]
fn black_frames() {
    let a = black_frame(641, 361, 10);
    assert_eq!(
        (a.format(), a.coded_width(), a.coded_height(), a.timestamp()),
        (PixelFormat::I420, 641, 361, 10)
    );
    let (y, u, v) = i420_planes(&a);
    assert!(y.iter().flatten().all(|&l| l == 16));
    assert!(u.iter().chain(&v).flatten().all(|&c| c == 128));
    // Black in RGB too.
    let rgba = convert(&a, PixelFormat::Rgba).unwrap();
    assert!(rgba.plane(0).chunks(4).all(|p| p == [0, 0, 0, 255]));
    // While a black frame is alive, new ones of its size share its pixels, whatever other
    // sizes were made in between (here, or by other tests running at the same time).
    let other = black_frame(642, 362, 15);
    let b = black_frame(641, 361, 20);
    assert!(Arc::ptr_eq(a.buffer(0).unwrap(), b.buffer(0).unwrap()));
    assert!(!Arc::ptr_eq(a.buffer(0).unwrap(), other.buffer(0).unwrap()));
    // Nonsense sizes are clamped, not a panic.
    let c = black_frame(0, 0, 0);
    assert_eq!((c.coded_width(), c.coded_height()), (1, 1));
}

#[test]
fn adapter_passes_matching_frames_through_without_copying() {
    let mut adapter = VideoAdapter::new(VideoAdapterConfig {
        width: 640,
        height: 480,
        frame_rate: 30.0,
    });
    let frame = noisy_i420(640, 480, 1);
    let out = adapter.adapt(&frame).unwrap().unwrap();
    assert!(Arc::ptr_eq(
        out.buffer(0).unwrap(),
        frame.buffer(0).unwrap()
    ));
    // Smaller source: not upscaled, still passed through.
    let small = noisy_i420(320, 240, 2).with_timestamp(40_000);
    let out = adapter.adapt(&small).unwrap().unwrap();
    assert!(Arc::ptr_eq(
        out.buffer(0).unwrap(),
        small.buffer(0).unwrap()
    ));
    // Another format at the right size: converted to I420.
    let nv12 = convert(&frame, PixelFormat::Nv12)
        .unwrap()
        .with_timestamp(80_000);
    let out = adapter.adapt(&nv12).unwrap().unwrap();
    assert_eq!(out.format(), PixelFormat::I420);
    assert_eq!(i420_planes(&out), i420_planes(&frame));
}

#[test]
fn adapter_decimates_then_crops_and_scales() {
    let mut adapter = VideoAdapter::new(VideoAdapterConfig {
        width: 320,
        height: 240,
        frame_rate: 15.0,
    });
    let mut out = Vec::new();
    let source = barred_frame();
    for i in 0..30 {
        let frame = source.clone().with_timestamp(i * 33_333);
        if let Some(f) = adapter.adapt(&frame).unwrap() {
            out.push(f);
        }
    }
    assert_eq!(out.len(), 15);
    assert_eq!(adapter.frames_dropped(), 15);
    for f in &out {
        assert_eq!((f.coded_width(), f.coded_height()), (320, 240));
        assert!(f.plane(0).iter().all(|&l| l == 128));
    }
    // Other formats are accepted: a YUYV 640x360 source.
    let yuyv = convert(&source, PixelFormat::Yuyv)
        .unwrap()
        .with_timestamp(2_000_000);
    let f = adapter.adapt(&yuyv).unwrap().unwrap();
    assert_eq!((f.format(), f.coded_width()), (PixelFormat::I420, 320));
}

#[test]
fn adapter_set_config_keeps_the_cadence() {
    let cfg = VideoAdapterConfig {
        width: 320,
        height: 240,
        frame_rate: 10.0,
    };
    let mut adapter = VideoAdapter::new(cfg);
    let kept = |adapter: &mut VideoAdapter, range: std::ops::Range<i64>| {
        range
            .filter(|i| {
                adapter
                    .adapt(&black_frame(640, 480, i * 33_333))
                    .unwrap()
                    .is_some()
            })
            .count()
    };
    assert_eq!(kept(&mut adapter, 0..15), 5);
    adapter.set_config(VideoAdapterConfig {
        width: 160,
        height: 120,
        ..cfg
    });
    assert_eq!(adapter.config().width, 160);
    assert_eq!(kept(&mut adapter, 15..30), 5);
}

#[test]
fn exact_ratios_average_the_area_each_pixel_covers() {
    // 2:1 (4x4 -> 2x2, chroma 2x2 -> 1x1): each output is its 2x2 block's mean, rounded.
    let luma = [
        [10, 20, 0, 0],
        [30, 42, 0, 3],
        [100, 100, 7, 8],
        [100, 101, 9, 10],
    ];
    let frame = i420_from(
        4,
        4,
        |x, y| luma[y as usize][x as usize],
        |cx, cy| (10 * (cx + 2 * cy) as u8, 200 + cx as u8),
        7,
    );
    let out = crop_and_scale(&frame, 2, 2).unwrap();
    let (y, u, v) = i420_planes(&out);
    assert_eq!(y, [vec![26, 1], vec![100, 9]]);
    assert_eq!((u, v), (vec![vec![15]], vec![vec![201]]));
    assert_eq!(out.timestamp(), 7);
    // 3:2 (6x6 -> 4x4, chroma 3x3 -> 2x2): weights 4 2 2 1 out of 9. A ramp stays a ramp.
    let frame = i420_from(
        6,
        6,
        |x, y| (30 * x + 9 * y) as u8,
        |cx, cy| ((30 * cx) as u8, (60 * cy) as u8),
        0,
    );
    let out = crop_and_scale(&frame, 4, 4).unwrap();
    let (y, u, v) = i420_planes(&out);
    // Luma column k covers source columns [1.5k, 1.5k + 1.5): its weighted mean index is
    // 1.5k + 1/3 (k even) or 1.5k + 1/6 (k odd), the same for rows; a linear picture's
    // output is the picture at that point, rounded.
    for (r, row) in y.iter().enumerate() {
        for (k, &l) in row.iter().enumerate() {
            let centre = |i: usize| 1.5 * i as f64 + if i % 2 == 0 { 1.0 / 3.0 } else { 1.0 / 6.0 };
            let want = 30.0 * centre(k) + 9.0 * centre(r);
            assert!(
                (f64::from(l) - want).abs() <= 0.5,
                "({k}, {r}): {l} vs {want}"
            );
        }
    }
    assert_eq!(u, [vec![10, 50], vec![10, 50]]);
    assert_eq!(v, [vec![20, 20], vec![100, 100]]);
}

#[test]
fn exact_ratios_honour_visible_rects_and_strides() {
    // A noisy 1924x1084 frame whose visible 1920x1080 starts at (2, 4), with padded rows,
    // scales like a tight copy of that picture, at every ratio the area path takes.
    let big = i420_from(
        1924,
        1084,
        |x, y| noise(x, y, 1),
        |cx, cy| (noise(cx, cy, 2), noise(cx, cy, 3)),
        0,
    );
    let tight = i420_from(
        1920,
        1080,
        |x, y| noise(x + 2, y + 4, 1),
        |cx, cy| (noise(cx + 1, cy + 2, 2), noise(cx + 1, cy + 2, 3)),
        0,
    );
    let rect = Rect {
        x: 2,
        y: 4,
        width: 1920,
        height: 1080,
    };
    let visible = padded(&big, 24, 8).with_visible_rect(rect).unwrap();
    for (w, h) in [(1280, 720), (960, 540), (640, 360), (480, 270), (320, 180)] {
        assert_eq!(
            i420_planes(&crop_and_scale(&visible, w, h).unwrap()),
            i420_planes(&crop_and_scale(&tight, w, h).unwrap()),
            "{w}x{h}"
        );
    }
}

#[test]
fn other_ratios_still_scale() {
    // 1920x1080 -> 1000x600 (5:3): the middle 1800x1080 scaled by 5/9, no exact ratio.
    let ramp = |x: f64| 16.0 + x * 219.0 / 1919.0;
    let frame = i420_from(
        1920,
        1080,
        |x, _| ramp(f64::from(x)).round() as u8,
        |_, _| (90, 160),
        0,
    );
    let out = crop_and_scale(&frame, 1000, 600).unwrap();
    assert_eq!((out.coded_width(), out.coded_height()), (1000, 600));
    let (y, u, v) = i420_planes(&out);
    assert!(u.iter().flatten().all(|&c| c == 90) && v.iter().flatten().all(|&c| c == 160));
    for row in [0usize, 300, 599] {
        for x in (5..995).step_by(23) {
            // Output pixel x covers source columns 60 + [1.8x, 1.8x + 1.8).
            let want = ramp(60.0 + 1.8 * x as f64 + 0.4);
            assert!(
                (f64::from(y[row][x]) - want).abs() <= 1.0,
                "x {x}: {} vs {want}",
                y[row][x]
            );
        }
        assert!(y[row].windows(2).all(|w| w[0] <= w[1]), "not monotonic");
    }
}

/// Canvas capture: "the alpha channel content of the canvas must be captured and preserved".
/// An adapter keeping alpha passes RGBA at the output size through untouched (no round trip
/// through I420), and still scales (to I420) when the size changes; a plain adapter converts.
#[test]
fn keeping_alpha_passes_rgba_through_and_still_scales() {
    let px = [255u8, 0, 0, 128];
    let data: Vec<u8> = px.iter().copied().cycle().take(8 * 4 * 4).collect();
    let rgba = VideoFrame::new(PixelFormat::Rgba, 8, 4, data.clone(), 7).unwrap();
    let same = VideoAdapterConfig {
        width: 8,
        height: 4,
        frame_rate: 0.0,
    };
    let out = VideoAdapter::new(same)
        .keeping_alpha()
        .adapt(&rgba)
        .unwrap()
        .unwrap();
    assert_eq!(out.format(), PixelFormat::Rgba);
    assert_eq!(out.plane(0), &data[..]);
    assert_eq!(out.timestamp(), 7);

    let plain = VideoAdapter::new(same).adapt(&rgba).unwrap().unwrap();
    assert_eq!(plain.format(), PixelFormat::I420);

    let half = VideoAdapterConfig {
        width: 4,
        height: 2,
        frame_rate: 0.0,
    };
    let scaled = VideoAdapter::new(half)
        .keeping_alpha()
        .adapt(&rgba)
        .unwrap()
        .unwrap();
    assert_eq!(scaled.format(), PixelFormat::I420);
    assert_eq!((scaled.display_width(), scaled.display_height()), (4, 2));
}
