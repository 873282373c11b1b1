//! Canvas capture semantics from mediacapture-fromelement: frame timing, manual mode, size
//! changes, errors, tainting, and the video -> canvas -> PNG still-photo path.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failure with a message"
)]

use mediacapture::{ErrorKind, PixelFormat, TrackEvent, VideoFrame, flush_events};
use mediacapture_sources::canvas::{Canvas, DEFAULT_FRAME_RATE, tiny_skia};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Spacing between draws: slower than the 60 fps cap of a rate-less canvas track, so the
/// track's decimator never drops a frame in these tests.
const GAP: Duration = Duration::from_millis(25);

fn fill(canvas: &Canvas, r: u8, g: u8, b: u8) {
    canvas.draw(|p| p.fill(tiny_skia::Color::from_rgba8(r, g, b, 255)));
}

/// Counts frames delivered to the track's callback.
fn counter(track: &mediacapture::MediaStreamTrack) -> Arc<AtomicUsize> {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    track.on_video_frame(move |_| {
        n2.fetch_add(1, Ordering::SeqCst);
    });
    n
}

#[test]
fn settings_follow_the_canvas_and_nothing_comes_before_a_draw() {
    let canvas = Canvas::new(320, 240).unwrap();
    fill(&canvas, 10, 20, 30); // drawn before the capture: not a frame
    let stream = canvas.capture_stream(None).unwrap();
    assert_eq!(stream.get_tracks().len(), 1);
    let track = stream.canvas_track();
    assert_eq!(track.kind(), mediacapture::TrackKind::Video);
    assert_eq!(track.canvas(), &canvas);
    assert_eq!(stream.get_video_tracks()[0], *track.track());
    let s = track.get_settings();
    assert_eq!((s.width, s.height), (Some(320), Some(240)));
    assert_eq!(s.frame_rate, Some(DEFAULT_FRAME_RATE));
    assert_eq!(s.device_id, None);

    let frames = track.video_frames();
    sleep(Duration::from_millis(100));
    assert!(frames.try_recv().is_none(), "a frame before any draw");
    fill(&canvas, 255, 0, 0);
    let f = frames
        .recv_timeout(Duration::from_secs(1))
        .expect("a frame");
    assert_eq!((f.display_width(), f.display_height()), (320, 240));
    // BT.601 limited-range red: Y ≈ 81.
    let y = f.plane(0)[f.stride(0) * 120 + 160];
    assert!((76..=86).contains(&y), "luma of red is {y}");
}

#[test]
fn no_rate_gives_a_frame_per_paint() {
    let canvas = Canvas::new(64, 48).unwrap();
    let stream = canvas.capture_stream(None).unwrap();
    let n = counter(&stream.get_video_tracks()[0]);
    for i in 0..8 {
        fill(&canvas, i * 20, 0, 0);
        sleep(GAP);
    }
    assert_eq!(n.load(Ordering::SeqCst), 8);
}

#[test]
fn rate_zero_is_manual_after_the_first_frame() {
    let canvas = Canvas::new(64, 48).unwrap();
    let stream = canvas.capture_stream(Some(0.0)).unwrap();
    let track = stream.canvas_track().clone();
    let n = counter(&track);
    // "a captured stream MUST request capture of a frame when created, even if
    // frameRequestRate is zero"
    fill(&canvas, 1, 1, 1);
    assert_eq!(n.load(Ordering::SeqCst), 1);
    for _ in 0..3 {
        sleep(GAP);
        fill(&canvas, 2, 2, 2);
    }
    assert_eq!(n.load(Ordering::SeqCst), 1, "no request, no frame");
    // requestFrame alone captures nothing: a frame needs new content and a paint.
    track.request_frame();
    sleep(GAP);
    assert_eq!(n.load(Ordering::SeqCst), 1);
    fill(&canvas, 3, 3, 3);
    assert_eq!(n.load(Ordering::SeqCst), 2);
    // The flag was cleared by that paint.
    sleep(GAP);
    fill(&canvas, 4, 4, 4);
    assert_eq!(n.load(Ordering::SeqCst), 2);
    // Two requests before one paint give one frame.
    track.request_frame();
    track.request_frame();
    sleep(GAP);
    fill(&canvas, 5, 5, 5);
    sleep(GAP);
    fill(&canvas, 6, 6, 6);
    assert_eq!(n.load(Ordering::SeqCst), 3);
}

#[test]
fn a_rate_limits_frames_to_the_timer() {
    let canvas = Canvas::new(64, 48).unwrap();
    let stream = canvas.capture_stream(Some(10.0)).unwrap();
    let track = &stream.get_video_tracks()[0];
    assert_eq!(track.get_settings().frame_rate, Some(10.0));
    let stamps = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let s2 = stamps.clone();
    track.on_video_frame(move |f| s2.lock().push(f.timestamp()));
    // Paint every 5 ms for 1.05 s: the first paint (creation request) and then one frame
    // per 100 ms timer activation.
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1050) {
        fill(&canvas, 9, 9, 9);
        sleep(Duration::from_millis(5));
    }
    let stamps = stamps.lock().clone();
    assert!(
        (9..=12).contains(&stamps.len()),
        "{} frames in 1.05 s at 10 fps",
        stamps.len()
    );
    for w in stamps.windows(2) {
        assert!(
            w[1] - w[0] >= 70_000,
            "frames {} µs apart at 10 fps",
            w[1] - w[0]
        );
    }
}

#[test]
fn a_rate_without_painting_gives_nothing() {
    let canvas = Canvas::new(64, 48).unwrap();
    let stream = canvas.capture_stream(Some(30.0)).unwrap();
    let n = counter(&stream.get_video_tracks()[0]);
    sleep(Duration::from_millis(300));
    assert_eq!(
        n.load(Ordering::SeqCst),
        0,
        "the timer alone must not add frames"
    );
    fill(&canvas, 1, 2, 3);
    assert_eq!(n.load(Ordering::SeqCst), 1);
}

#[test]
fn each_capture_has_its_own_request_flag() {
    let canvas = Canvas::new(64, 48).unwrap();
    let manual = canvas.capture_stream(Some(0.0)).unwrap();
    let every = canvas.capture_stream(None).unwrap();
    let nm = counter(manual.canvas_track());
    let ne = counter(every.canvas_track());
    for _ in 0..3 {
        fill(&canvas, 7, 7, 7);
        sleep(GAP);
    }
    assert_eq!(nm.load(Ordering::SeqCst), 1);
    assert_eq!(ne.load(Ordering::SeqCst), 3);
}

#[test]
fn errors_follow_the_spec() {
    let canvas = Canvas::new(64, 48).unwrap();
    let e = canvas.capture_stream(Some(-1.0)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotSupportedError);
    let e = canvas.capture_stream(Some(f64::NAN)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TypeError);
    assert_eq!(Canvas::new(0, 10).unwrap_err().kind, ErrorKind::TypeError);
    assert_eq!(
        canvas.set_size(10, 0).unwrap_err().kind,
        ErrorKind::TypeError
    );
    assert_eq!((canvas.width(), canvas.height()), (64, 48));
}

#[test]
fn tainting_mutes_and_stops_frames() {
    let canvas = Canvas::new(64, 48).unwrap();
    let stream = canvas.capture_stream(None).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let n = counter(&track);
    let mutes = Arc::new(AtomicUsize::new(0));
    let m2 = mutes.clone();
    track.on(TrackEvent::Mute, move || {
        m2.fetch_add(1, Ordering::SeqCst);
    });
    fill(&canvas, 1, 1, 1);
    assert_eq!(n.load(Ordering::SeqCst), 1);
    canvas.taint();
    flush_events();
    assert_eq!(mutes.load(Ordering::SeqCst), 1);
    assert!(track.muted());
    sleep(GAP);
    fill(&canvas, 2, 2, 2);
    assert_eq!(
        n.load(Ordering::SeqCst),
        1,
        "a tainted canvas produced a frame"
    );
    assert_eq!(
        canvas.capture_stream(None).unwrap_err().kind,
        ErrorKind::SecurityError
    );
    assert_eq!(canvas.to_png().unwrap_err().kind, ErrorKind::SecurityError);
}

#[test]
fn settings_follow_the_canvas_size() {
    // WPT (tentative) and Chromium: a capturing track's width and height follow the canvas.
    let canvas = Canvas::new(320, 240).unwrap();
    let stream = canvas.capture_stream(None).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let frames = track.video_frames();
    fill(&canvas, 0, 0, 255);
    let f = frames.recv_timeout(Duration::from_secs(1)).unwrap();
    assert_eq!((f.display_width(), f.display_height()), (320, 240));
    for (w, h) in [(160, 120), (640, 480)] {
        sleep(GAP);
        canvas.set_size(w, h).unwrap(); // a resize is new content: a frame
        mediacapture::flush_events();
        let s = track.get_settings();
        assert_eq!(
            (s.width, s.height),
            (Some(w), Some(h)),
            "settings after resizing to {w}x{h}"
        );
        // The reset bitmap is transparent black.
        let raw = canvas.to_video_frame();
        assert_eq!(raw.format(), PixelFormat::Rgba);
        assert_eq!(&raw.plane(0)[..4], &[0, 0, 0, 0]);
        while frames.try_recv().is_some() {}
        sleep(GAP);
        fill(&canvas, 255, 0, 0);
        let f = frames.recv_timeout(Duration::from_secs(1)).unwrap();
        assert_eq!((f.display_width(), f.display_height()), (w, h));
    }
    // A new capture takes the new size too.
    let again = canvas.capture_stream(None).unwrap();
    let s = again.get_video_tracks()[0].get_settings();
    assert_eq!((s.width, s.height), (Some(640), Some(480)));
}

#[test]
fn constraints_that_a_resize_breaks_are_ignored_while_they_overconstrain() {
    let canvas = Canvas::new(320, 240).unwrap();
    let stream = canvas.capture_stream(None).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    futures_executor::block_on(track.apply_constraints(
        mediacapture::MediaTrackConstraints::from_json(r#"{"width":{"exact":320}}"#).unwrap(),
    ))
    .unwrap();
    canvas.set_size(200, 100).unwrap();
    mediacapture::flush_events();
    let s = track.get_settings();
    assert_eq!((s.width, s.height), (Some(200), Some(100)));
    assert_eq!(
        track.ready_state(),
        mediacapture::MediaStreamTrackState::Live
    );
    assert!(!track.muted());
}

#[test]
fn stopped_tracks_get_nothing_and_clones_share_the_canvas() {
    let canvas = Canvas::new(64, 48).unwrap();
    let stream = canvas.capture_stream(None).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let clone = track.clone_track();
    let n = counter(&track);
    let nc = counter(&clone);
    fill(&canvas, 1, 1, 1);
    assert_eq!(
        (n.load(Ordering::SeqCst), nc.load(Ordering::SeqCst)),
        (1, 1)
    );
    track.stop();
    sleep(GAP);
    fill(&canvas, 2, 2, 2);
    assert_eq!(
        (n.load(Ordering::SeqCst), nc.load(Ordering::SeqCst)),
        (1, 2)
    );
    clone.stop();
    assert!(!stream.active());
    sleep(GAP);
    fill(&canvas, 3, 3, 3); // no capture left: drawing still works
}

#[test]
fn alpha_is_kept_at_the_source() {
    let canvas = Canvas::new(8, 8).unwrap();
    canvas.draw(|p| p.fill(tiny_skia::Color::from_rgba8(200, 100, 50, 128)));
    let f = canvas.to_video_frame();
    let px = &f.plane(0)[..4];
    assert_eq!(px[3], 128);
    // Straight (not premultiplied) colour, within rounding.
    assert!(
        (198..=202).contains(&px[0]) && (98..=102).contains(&px[1]),
        "{px:?}"
    );
}

#[test]
fn still_photo_video_to_canvas_to_png() {
    // A 64x48 I420 frame, left half red, right half blue (BT.601 limited range).
    let (w, h) = (64usize, 48usize);
    let mut buf = vec![0u8; w * h * 3 / 2];
    let (y, uv) = buf.split_at_mut(w * h);
    let (u, v) = uv.split_at_mut(w * h / 4);
    for r in 0..h {
        for c in 0..w {
            y[r * w + c] = if c < w / 2 { 81 } else { 41 };
        }
    }
    for r in 0..h / 2 {
        for c in 0..w / 2 {
            let left = c < w / 4;
            u[r * w / 2 + c] = if left { 90 } else { 240 };
            v[r * w / 2 + c] = if left { 240 } else { 110 };
        }
    }
    let frame = VideoFrame::new(PixelFormat::I420, w as u32, h as u32, buf, 0).unwrap();
    let canvas = Canvas::new(128, 96).unwrap();
    canvas
        .draw_video_frame(&frame, 0.0, 0.0, 128.0, 96.0)
        .unwrap();
    let png = canvas.to_png().unwrap();
    let decoded = tiny_skia::Pixmap::decode_png(&png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (128, 96));
    let left = decoded.pixel(20, 48).unwrap().demultiply();
    let right = decoded.pixel(108, 48).unwrap().demultiply();
    assert!(left.red() > 200 && left.blue() < 60, "left {left:?}");
    assert!(right.blue() > 200 && right.red() < 60, "right {right:?}");
    assert_eq!(left.alpha(), 255);
    // Bad destination rectangles are refused.
    assert_eq!(
        canvas
            .draw_video_frame(&frame, 0.0, 0.0, 0.0, 10.0)
            .unwrap_err()
            .kind,
        ErrorKind::TypeError
    );
}

#[test]
fn image_data_round_trips_and_clips() {
    let canvas = Canvas::new(4, 3).unwrap();
    // 2x2 image: opaque red, half-transparent green, transparent, opaque white.
    let img = [
        255, 0, 0, 255, 0, 255, 0, 128, //
        0, 0, 0, 0, 255, 255, 255, 255,
    ];
    canvas.put_image_data(&img, 2, 1, 1, None).unwrap();
    let got = canvas.get_image_data(1, 1, 2, 2).unwrap();
    assert_eq!(got[0..4], [255, 0, 0, 255], "opaque pixels are exact");
    assert_eq!(got[12..16], [255, 255, 255, 255]);
    assert_eq!(got[8..12], [0, 0, 0, 0]);
    assert_eq!(got[7], 128);
    assert!(got[5] >= 254, "demultiplied green {}", got[5]);
    // Outside the canvas: transparent black; the canvas part is read.
    let got = canvas.get_image_data(-1, 0, 3, 2).unwrap();
    assert_eq!(got.len(), 3 * 2 * 4);
    assert!(got.iter().take(12).all(|&b| b == 0));
    assert_eq!(got[12..16], [0, 0, 0, 0], "(-1, 1) is off the canvas");
    assert_eq!(got[20..24], [255, 0, 0, 255], "(1, 1)");
    // A dirty rectangle (negative size normalised) copies only part of the image, and
    // pixels falling off the canvas are dropped.
    let blue = [0, 0, 255, 255].repeat(4);
    canvas
        .put_image_data(&blue, 2, 2, 1, Some((2, 2, -1, -1)))
        .unwrap();
    let got = canvas.get_image_data(0, 0, 4, 3).unwrap();
    let px = |x: usize, y: usize| got[(y * 4 + x) * 4..(y * 4 + x) * 4 + 4].to_vec();
    assert_eq!(
        px(3, 2),
        [0, 0, 255, 255],
        "image (1, 1) lands at (2 + 1, 1 + 1)"
    );
    assert_eq!(
        px(2, 1)[3],
        128,
        "image (0, 0) is outside the dirty rect: unchanged"
    );
    assert_eq!(px(1, 1), [255, 0, 0, 255]);
    assert!(canvas.put_image_data(&[0; 7], 2, 0, 0, None).is_err());
    canvas.taint();
    assert_eq!(
        canvas.get_image_data(0, 0, 1, 1).unwrap_err().kind,
        ErrorKind::SecurityError
    );
}
