//! Fake cameras and screens: real-time pacing, timestamps, readable counters, formats.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::Collect;
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_hal::fake::{FakeBackend, FakeProfile, read_frame_counter, read_frame_timestamp};
use mediacapture_hal::{Backend, ErrorKind, NativeConfig, clock};
use mediacapture_types::CursorCaptureConstraint;
use mediacapture_types::native::{DisplayConfig, VideoMode};
use std::sync::Arc;

fn vmode(width: u32, height: u32, frame_rate: f64) -> NativeConfig {
    NativeConfig::Video(VideoMode {
        width,
        height,
        frame_rate,
    })
}

fn camera_profile(format: &str) -> FakeBackend {
    let json = format!(
        r#"{{"devices":[{{"kind":"videoinput","id":"cam","modes":[
            {{"width":320,"height":240,"frameRate":30,"pixelFormat":"{format}"}},
            {{"width":320,"height":240,"frameRate":10,"pixelFormat":"{format}"}},
            {{"width":640,"height":360,"frameRate":60,"pixelFormat":"{format}"}}]}}]}}"#
    );
    FakeBackend::new(FakeProfile::from_json(&json).unwrap())
}

/// Captures for `ms` and returns the frames.
fn capture(backend: &FakeBackend, id: &str, config: NativeConfig, ms: u64) -> Vec<VideoFrame> {
    let sink = Arc::new(Collect::default());
    let mut src = backend.open(id, &config, sink.clone()).unwrap();
    assert_eq!(src.config(), &config);
    common::sleep_ms(ms);
    src.stop();
    sink.video()
}

#[test]
fn frames_arrive_at_the_mode_rate_with_increasing_timestamps_and_counters() {
    let backend = camera_profile("I420");
    for fps in [30.0, 10.0] {
        let start = clock::now_us();
        let frames = capture(&backend, "cam", vmode(320, 240, fps), 600);
        // 0.6 s at `fps`, frame 0 immediately: expect 0.6*fps+1 frames, allow some slack
        // for a loaded machine (but no burst of catch-up frames).
        let expected = 0.6 * fps + 1.0;
        let n = frames.len() as f64;
        assert!(
            n >= expected * 0.7 && n <= expected + 2.0,
            "{fps} fps: {n} frames in 0.6 s"
        );
        let mut prev_ts = start - 1;
        let mut prev_counter = None;
        for f in &frames {
            assert_eq!(f.format(), PixelFormat::I420);
            assert_eq!((f.coded_width(), f.coded_height()), (320, 240));
            assert!(f.timestamp() > prev_ts, "timestamps must increase");
            prev_ts = f.timestamp();
            let c = read_frame_counter(f).expect("counter readable");
            if let Some(p) = prev_counter {
                assert!(c > p, "counter {c} after {p}");
            }
            prev_counter = Some(c);
            // The counter is the frame slot: its timestamp is start + c / fps.
            let slot_us = (c as f64 * 1e6 / fps).round() as i64;
            assert_eq!(read_frame_timestamp(f), Some(f.timestamp()));
            let d = f.duration().expect("duration");
            assert!((d as f64 - 1e6 / fps).abs() <= 1.0, "duration {d}");
            let first = frames[0].timestamp();
            assert!(((f.timestamp() - first) - slot_us).abs() <= 1, "no drift");
        }
        assert_eq!(read_frame_counter(&frames[0]), Some(0));
        // Timestamps are capture times on the shared clock, taken while we waited.
        assert!(frames[0].timestamp() >= start);
        assert!(prev_ts <= clock::now_us());
    }
}

#[test]
fn every_pixel_format_carries_the_counter() {
    for (name, format) in [
        ("I420", PixelFormat::I420),
        ("NV12", PixelFormat::Nv12),
        ("YUYV", PixelFormat::Yuyv),
        ("BGRA", PixelFormat::Bgra),
        ("MJPEG", PixelFormat::Mjpeg),
    ] {
        let backend = camera_profile(name);
        let frames = capture(&backend, "cam", vmode(640, 360, 60.0), 120);
        assert!(frames.len() >= 2, "{name}: {} frames", frames.len());
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(f.format(), format);
            match format.frame_size(640, 360) {
                Some(size) => assert_eq!(f.data().len(), size),
                // A baseline JPEG: SOI marker first, EOI last.
                None => {
                    assert_eq!(&f.data()[..2], &[0xFF, 0xD8]);
                    assert_eq!(&f.data()[f.data().len() - 2..], &[0xFF, 0xD9]);
                }
            }
            assert!(read_frame_counter(f).is_some(), "{name} frame {i}");
            assert_eq!(read_frame_timestamp(f), Some(f.timestamp()), "{name}");
        }
    }
}

/// Bilinear downscale of an I420 frame's luma (chroma flat grey): what a track adapter does.
fn downscale_i420(f: &VideoFrame, w: u32, h: u32) -> VideoFrame {
    let (sw, sh) = (f.coded_width() as f64, f.coded_height() as f64);
    let src = f.plane(0);
    let stride = f.stride(0);
    let mut out = vec![128u8; PixelFormat::I420.frame_size(w, h).unwrap()];
    for y in 0..h {
        for x in 0..w {
            let fx = ((x as f64 + 0.5) * sw / w as f64 - 0.5).max(0.0);
            let fy = ((y as f64 + 0.5) * sh / h as f64 - 0.5).max(0.0);
            let (x0, y0) = (fx as usize, fy as usize);
            let (x1, y1) = ((x0 + 1).min(sw as usize - 1), (y0 + 1).min(sh as usize - 1));
            let (ax, ay) = (fx - x0 as f64, fy - y0 as f64);
            let p = |xx: usize, yy: usize| src[yy * stride + xx] as f64;
            let v = p(x0, y0) * (1.0 - ax) * (1.0 - ay)
                + p(x1, y0) * ax * (1.0 - ay)
                + p(x0, y1) * (1.0 - ax) * ay
                + p(x1, y1) * ax * ay;
            out[(y * w + x) as usize] = v.round() as u8;
        }
    }
    VideoFrame::new(PixelFormat::I420, w, h, out, f.timestamp()).unwrap()
}

#[test]
fn counter_survives_scaling_down_to_320x180() {
    let backend = FakeBackend::default();
    let frames = capture(&backend, "fake:videoinput:0", vmode(1920, 1080, 30.0), 150);
    assert!(!frames.is_empty());
    for f in &frames {
        let c = read_frame_counter(f).unwrap();
        for (w, h) in [(960, 540), (640, 360), (320, 180)] {
            let small = downscale_i420(f, w, h);
            assert_eq!(read_frame_counter(&small), Some(c), "{w}x{h}");
            assert_eq!(read_frame_timestamp(&small), Some(f.timestamp()), "{w}x{h}");
        }
    }
}

#[test]
fn corrupted_code_is_not_misread() {
    let backend = camera_profile("I420");
    let frames = capture(&backend, "cam", vmode(320, 240, 30.0), 80);
    let f = &frames[0];
    assert!(read_frame_counter(f).is_some());
    // Flip one payload cell of the counter band: the check must reject it.
    let mut data = f.data().to_vec();
    for y in 0..240 / 24 {
        for x in 10 * 320 / 56..11 * 320 / 56 {
            data[y * 320 + x] = 255 - data[y * 320 + x];
        }
    }
    let bad = VideoFrame::new(PixelFormat::I420, 320, 240, data, 0).unwrap();
    assert_eq!(read_frame_counter(&bad), None);
    // A frame without any code.
    let grey = VideoFrame::new(
        PixelFormat::I420,
        320,
        240,
        vec![128u8; 320 * 240 * 3 / 2],
        0,
    )
    .unwrap();
    assert_eq!(read_frame_counter(&grey), None);
}

#[test]
fn the_pattern_moves() {
    let backend = camera_profile("I420");
    let frames = capture(&backend, "cam", vmode(320, 240, 30.0), 200);
    assert!(frames.len() >= 3);
    // Below the code and text rows, consecutive frames differ (the moving box).
    let lower = |f: &VideoFrame| f.plane(0)[120 * 320..240 * 320].to_vec();
    assert_ne!(lower(&frames[0]), lower(&frames[2]));
}

#[test]
fn screen_frames_are_bgra_at_the_configured_rate() {
    let backend = FakeBackend::default();
    let config = NativeConfig::Display(DisplayConfig {
        frame_rate: 10.0,
        cursor: CursorCaptureConstraint::Never,
    });
    let frames = capture(&backend, "fake:screen:0", config, 550);
    let n = frames.len();
    assert!((4..=8).contains(&n), "{n} frames at 10 fps in 0.55 s");
    for f in &frames {
        assert_eq!(f.format(), PixelFormat::Bgra);
        assert_eq!((f.coded_width(), f.coded_height()), (1920, 1080));
        assert!(read_frame_counter(f).is_some());
    }
}

#[test]
fn open_errors() {
    let backend = FakeBackend::new(
        FakeProfile::from_json(
            r#"{"devices":[
            {"kind":"videoinput","id":"cam","modes":[{"width":640,"height":480,"frameRate":30}]},
            {"kind":"videoinput","id":"busy","busy":true},
            {"kind":"screen","id":"scr","frameRate":30},
            {"kind":"audioinput","id":"mic"},
            {"kind":"audiooutput","id":"out"}]}"#,
        )
        .unwrap(),
    );
    let sink = Arc::new(Collect::default());
    let open =
        |id: &str, c: NativeConfig| backend.open(id, &c, sink.clone()).map(|_| ()).unwrap_err();

    assert_eq!(
        open("nope", vmode(640, 480, 30.0)).kind,
        ErrorKind::NotFoundError
    );
    assert_eq!(
        open("out", vmode(640, 480, 30.0)).kind,
        ErrorKind::NotFoundError
    );
    assert_eq!(
        open("cam", vmode(800, 480, 30.0)).constraint(),
        Some("width")
    );
    assert_eq!(
        open("cam", vmode(640, 360, 30.0)).constraint(),
        Some("height")
    );
    assert_eq!(
        open("cam", vmode(640, 480, 25.0)).constraint(),
        Some("frameRate")
    );
    let busy = open("busy", vmode(640, 480, 30.0));
    assert_eq!(busy.kind, ErrorKind::NotReadableError);
    let disp = |fps: f64, cursor| {
        NativeConfig::Display(DisplayConfig {
            frame_rate: fps,
            cursor,
        })
    };
    assert_eq!(
        open("scr", disp(60.0, CursorCaptureConstraint::Never)).constraint(),
        Some("frameRate")
    );
    assert_eq!(
        open("scr", disp(5.0, CursorCaptureConstraint::Always)).constraint(),
        Some("cursor")
    );
    assert_eq!(
        open("mic", vmode(640, 480, 30.0)).kind,
        ErrorKind::TypeError
    );
    assert_eq!(
        open("cam", disp(5.0, CursorCaptureConstraint::Never)).kind,
        ErrorKind::TypeError
    );
    assert!(sink.all().is_empty(), "a failed open delivers nothing");
}
