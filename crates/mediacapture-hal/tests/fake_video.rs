//! Fake cameras and screens: pacing on a manual clock, timestamps, readable counters, formats.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::Collect;
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_hal::clock::Clock as _;
use mediacapture_hal::fake::{FakeBackend, FakeProfile, read_frame_counter, read_frame_timestamp};
use mediacapture_hal::{Backend, ErrorKind, NativeConfig};
use mediacapture_test_support::ManualClock;
use mediacapture_types::CursorCaptureConstraint;
use mediacapture_types::native::{DisplayConfig, VideoMode};
use std::sync::Arc;
use std::time::Duration;

fn vmode(width: u32, height: u32, frame_rate: f64) -> NativeConfig {
    NativeConfig::Video(VideoMode {
        width,
        height,
        frame_rate,
    })
}

/// A backend paced by a manual clock starting at `START_US`.
struct Fake {
    clock: Arc<ManualClock>,
    backend: FakeBackend,
}

const START_US: i64 = 5_000_000;

fn fake(profile: FakeProfile) -> Fake {
    let clock = ManualClock::starting_at(START_US);
    let backend = FakeBackend::with_clock(profile, clock.as_clock());
    Fake { clock, backend }
}

fn camera_profile(format: &str) -> Fake {
    let json = format!(
        r#"{{"devices":[{{"kind":"videoinput","id":"cam","modes":[
            {{"width":320,"height":240,"frameRate":30,"pixelFormat":"{format}"}},
            {{"width":320,"height":240,"frameRate":10,"pixelFormat":"{format}"}},
            {{"width":640,"height":360,"frameRate":60,"pixelFormat":"{format}"}}]}}]}}"#
    );
    fake(FakeProfile::from_json(&json).unwrap())
}

/// One frame interval at `fps`, rounded up to the microsecond: moving a manual clock by this
/// makes exactly the next frame due.
fn interval(fps: f64) -> Duration {
    Duration::from_micros((1e6 / fps).ceil() as u64)
}

/// Opens `id`, takes frame 0 (due at once), then moves the clock by each of `steps` and takes
/// the one frame each makes due; stops and returns every frame delivered.
fn capture(f: &Fake, id: &str, config: NativeConfig, steps: &[Duration]) -> Vec<VideoFrame> {
    let sink = Arc::new(Collect::default());
    let mut src = f.backend.open(id, &config, sink.clone()).unwrap();
    assert_eq!(src.config(), &config);
    sink.wait_video(1);
    for (i, step) in steps.iter().enumerate() {
        f.clock.advance(*step);
        sink.wait_video(i + 2);
    }
    src.stop();
    sink.video()
}

#[test]
fn one_frame_per_interval_with_exact_timestamps_and_counters() {
    let f = camera_profile("I420");
    for fps in [30.0, 10.0] {
        let t0 = f.clock.now_us();
        // 20 intervals: frames 0..=20, each at t0 + k / fps exactly.
        let frames = capture(&f, "cam", vmode(320, 240, fps), &[interval(fps); 20]);
        assert_eq!(frames.len(), 21, "{fps} fps");
        for (k, frame) in frames.iter().enumerate() {
            assert_eq!(frame.format(), PixelFormat::I420);
            assert_eq!((frame.coded_width(), frame.coded_height()), (320, 240));
            assert_eq!(read_frame_counter(frame), Some(k as u64), "{fps} fps");
            let due = t0 + (k as f64 * 1e6 / fps).round() as i64;
            assert_eq!(frame.timestamp(), due, "{fps} fps frame {k}");
            assert_eq!(read_frame_timestamp(frame), Some(due));
            let d = frame.duration().expect("duration");
            assert!((d as f64 - 1e6 / fps).abs() <= 1.0, "duration {d}");
        }
        // Nothing is due past the clock.
        assert!(frames.iter().all(|fr| fr.timestamp() <= f.clock.now_us()));
    }
}

/// A clock that jumps over several frame times is a late wake-up: the camera drops the frames
/// it missed and delivers the one due now, as a real camera that stalled.
#[test]
fn a_jump_over_several_intervals_gives_the_frame_due_now() {
    let f = camera_profile("I420");
    let t0 = f.clock.now_us();
    let frames = capture(
        &f,
        "cam",
        vmode(320, 240, 10.0),
        &[
            Duration::from_millis(100),
            Duration::from_millis(1000),
            Duration::from_millis(100),
        ],
    );
    let seen: Vec<_> = frames
        .iter()
        .map(|fr| (read_frame_counter(fr).unwrap(), fr.timestamp() - t0))
        .collect();
    assert_eq!(
        seen,
        [(0, 0), (1, 100_000), (11, 1_100_000), (12, 1_200_000)]
    );
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
        let f = camera_profile(name);
        let frames = capture(&f, "cam", vmode(640, 360, 60.0), &[interval(60.0); 2]);
        assert_eq!(frames.len(), 3, "{name}");
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(f.format(), format);
            match format.frame_size(640, 360) {
                Some(size) => assert_eq!(f.byte_len(), size),
                // A baseline JPEG: SOI marker first, EOI last.
                None => {
                    assert_eq!(&f.plane(0)[..2], &[0xFF, 0xD8]);
                    assert_eq!(&f.plane(0)[f.plane(0).len() - 2..], &[0xFF, 0xD9]);
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
    let f = fake(FakeProfile::default());
    let frames = capture(
        &f,
        "fake:videoinput:0",
        vmode(1920, 1080, 30.0),
        &[interval(30.0); 2],
    );
    assert_eq!(frames.len(), 3);
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
    let fake = camera_profile("I420");
    let frames = capture(&fake, "cam", vmode(320, 240, 30.0), &[]);
    let f = &frames[0];
    assert!(read_frame_counter(f).is_some());
    // Flip one payload cell of the counter band: the check must reject it.
    let mut data = f.to_packed_vec();
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
    let f = camera_profile("I420");
    let frames = capture(&f, "cam", vmode(320, 240, 30.0), &[interval(30.0); 2]);
    assert_eq!(frames.len(), 3);
    // Below the code and text rows, consecutive frames differ (the moving box).
    let lower = |f: &VideoFrame| f.plane(0)[120 * 320..240 * 320].to_vec();
    assert_ne!(lower(&frames[0]), lower(&frames[2]));
}

#[test]
fn screen_frames_are_bgra_at_the_configured_rate() {
    let fake = fake(FakeProfile::default());
    let t0 = fake.clock.now_us();
    let config = NativeConfig::Display(DisplayConfig {
        frame_rate: 10.0,
        cursor: CursorCaptureConstraint::Never,
    });
    // Half a second at 10 fps: frames at 0, 100, ..., 500 ms.
    let frames = capture(&fake, "fake:screen:0", config, &[interval(10.0); 5]);
    assert_eq!(frames.len(), 6);
    for (k, f) in frames.iter().enumerate() {
        assert_eq!(f.format(), PixelFormat::Bgra);
        assert_eq!((f.coded_width(), f.coded_height()), (1920, 1080));
        assert_eq!(read_frame_counter(f), Some(k as u64));
        assert_eq!(f.timestamp(), t0 + 100_000 * k as i64);
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
    // A configuration the device does not admit cannot be read (the core chose it from the
    // capabilities, so the device changed): NotReadableError, never a constraint name.
    let not_readable = |e: mediacapture_hal::Error| {
        assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
        assert_eq!(e.constraint(), None);
    };
    not_readable(open("cam", vmode(800, 480, 30.0)));
    not_readable(open("cam", vmode(640, 360, 30.0)));
    not_readable(open("cam", vmode(640, 480, 25.0)));
    let busy = open("busy", vmode(640, 480, 30.0));
    assert_eq!(busy.kind, ErrorKind::NotReadableError);
    let disp = |fps: f64, cursor| {
        NativeConfig::Display(DisplayConfig {
            frame_rate: fps,
            cursor,
        })
    };
    not_readable(open("scr", disp(60.0, CursorCaptureConstraint::Never)));
    not_readable(open("scr", disp(5.0, CursorCaptureConstraint::Always)));
    not_readable(open("mic", vmode(640, 480, 30.0)));
    not_readable(open("cam", disp(5.0, CursorCaptureConstraint::Never)));
    assert!(sink.all().is_empty(), "a failed open delivers nothing");
}
