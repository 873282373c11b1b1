//! Canvas capture semantics from mediacapture-fromelement (frame timing on a manual clock,
//! manual mode, size changes, errors, tainting, the video -> canvas -> PNG still-photo path)
//! and the 2D context (HTML's CanvasRenderingContext2D: state, transforms, paths, pixels,
//! images).
//!
//! Time is a `ManualClock`: frame delivery is synchronous with the paint that makes it, so
//! every count and timestamp below is exact, and nothing sleeps.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failure with a message"
)]

use mediacapture::{ErrorKind, PixelFormat, TrackEvent, VideoFrame, flush_events};
use mediacapture_hal::clock::Clock;
use mediacapture_sources::canvas::{
    Canvas, CanvasRenderingContext2D, CssColor, DEFAULT_FRAME_RATE, FillRule, ImageData, Matrix,
    tiny_skia,
};
use mediacapture_test_support::ManualClock;
use std::f64::consts::PI;
use std::sync::Arc;
use std::time::Duration;

/// Manual time between paints that must each give a frame: longer than the 1/60 s of a
/// rate-less canvas track's frame rate, so the track's adapter never drops one.
const GAP: Duration = Duration::from_millis(20);

fn canvas(width: u32, height: u32) -> (Canvas, Arc<ManualClock>) {
    let clock = ManualClock::starting_at(1_000_000);
    (
        Canvas::with_clock(width, height, clock.as_clock()).unwrap(),
        clock,
    )
}

fn fill(canvas: &Canvas, r: u8, g: u8, b: u8) {
    canvas.draw(|p| p.fill(tiny_skia::Color::from_rgba8(r, g, b, 255)));
}

/// Records the timestamps of the frames delivered to a track's callback.
fn stamps(track: &mediacapture::MediaStreamTrack) -> Arc<parking_lot::Mutex<Vec<i64>>> {
    let s = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let s2 = s.clone();
    track.on_video_frame(move |f| s2.lock().push(f.timestamp()));
    s
}

fn count(s: &Arc<parking_lot::Mutex<Vec<i64>>>) -> usize {
    s.lock().len()
}

#[test]
fn settings_follow_the_canvas_and_nothing_comes_before_a_draw() {
    let (canvas, clock) = canvas(320, 240);
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
    // Frames come only from paints, on the painting thread: a second of (manual) time
    // without one gives nothing.
    clock.advance(Duration::from_secs(1));
    assert!(frames.try_recv().is_none(), "a frame before any draw");
    fill(&canvas, 255, 0, 0);
    let f = frames.try_recv().expect("a frame");
    assert_eq!(f.timestamp(), 2_000_000, "stamped with the canvas clock");
    assert_eq!((f.display_width(), f.display_height()), (320, 240));
    // The canvas's own RGBA, alpha included ("the alpha channel content of the canvas must be
    // captured and preserved"): no trip through YUV.
    assert_eq!(f.format(), PixelFormat::Rgba);
    let at = f.stride(0) * 120 + 160 * 4;
    assert_eq!(&f.plane(0)[at..at + 4], &[255, 0, 0, 255]);
}

#[test]
fn no_rate_gives_a_frame_per_paint() {
    let (canvas, clock) = canvas(64, 48);
    let stream = canvas.capture_stream(None).unwrap();
    let s = stamps(&stream.get_video_tracks()[0]);
    for i in 0..8 {
        fill(&canvas, i * 20, 0, 0);
        clock.advance(GAP);
    }
    let want: Vec<i64> = (0..8).map(|i| 1_000_000 + i * 20_000).collect();
    assert_eq!(*s.lock(), want);
}

#[test]
fn rate_zero_is_manual_after_the_first_frame() {
    let (canvas, clock) = canvas(64, 48);
    let stream = canvas.capture_stream(Some(0.0)).unwrap();
    let track = stream.canvas_track().clone();
    let s = stamps(&track);
    // "a captured stream MUST request capture of a frame when created, even if
    // frameRequestRate is zero"
    fill(&canvas, 1, 1, 1);
    assert_eq!(count(&s), 1);
    for _ in 0..3 {
        clock.advance(GAP);
        fill(&canvas, 2, 2, 2);
    }
    assert_eq!(count(&s), 1, "no request, no frame");
    // requestFrame alone captures nothing: a frame needs new content and a paint.
    track.request_frame();
    clock.advance(GAP);
    assert_eq!(count(&s), 1);
    fill(&canvas, 3, 3, 3);
    assert_eq!(count(&s), 2);
    // The flag was cleared by that paint.
    clock.advance(GAP);
    fill(&canvas, 4, 4, 4);
    assert_eq!(count(&s), 2);
    // Two requests before one paint give one frame.
    track.request_frame();
    track.request_frame();
    clock.advance(GAP);
    fill(&canvas, 5, 5, 5);
    clock.advance(GAP);
    fill(&canvas, 6, 6, 6);
    assert_eq!(*s.lock(), [1_000_000, 1_080_000, 1_120_000]);
}

#[test]
fn a_rate_limits_frames_to_the_timer() {
    let (canvas, clock) = canvas(64, 48);
    let start = clock.now_us();
    let stream = canvas.capture_stream(Some(10.0)).unwrap();
    let track = &stream.get_video_tracks()[0];
    assert_eq!(track.get_settings().frame_rate, Some(10.0));
    let s = stamps(track);
    // Paint every 5 ms for 1.05 s: the first paint (creation request), then one frame per
    // 100 ms timer activation, on the first paint at or after it.
    for i in 0..=210 {
        clock.set(start + i * 5_000);
        fill(&canvas, 9, 9, 9);
    }
    let want: Vec<i64> = (0..=10).map(|k| start + k * 100_000).collect();
    assert_eq!(*s.lock(), want);
}

#[test]
fn timer_activations_between_paints_give_one_frame() {
    let (canvas, clock) = canvas(64, 48);
    let start = clock.now_us();
    let stream = canvas.capture_stream(Some(10.0)).unwrap();
    let s = stamps(&stream.get_video_tracks()[0]);
    fill(&canvas, 1, 1, 1); // the creation request
    // Two and a half periods pass: two activations, one flag, one frame.
    clock.set(start + 250_000);
    fill(&canvas, 2, 2, 2);
    // The timer keeps its phase: the next activation is at 300 ms, not 350 ms.
    clock.set(start + 299_999);
    fill(&canvas, 3, 3, 3);
    clock.set(start + 300_000);
    fill(&canvas, 4, 4, 4);
    assert_eq!(*s.lock(), [start, start + 250_000, start + 300_000]);
}

#[test]
fn a_rate_without_painting_gives_nothing() {
    let (canvas, clock) = canvas(64, 48);
    let stream = canvas.capture_stream(Some(30.0)).unwrap();
    let s = stamps(&stream.get_video_tracks()[0]);
    clock.advance(Duration::from_millis(300));
    assert_eq!(count(&s), 0, "the timer alone must not add frames");
    fill(&canvas, 1, 2, 3);
    assert_eq!(*s.lock(), [1_300_000]);
}

#[test]
fn each_capture_has_its_own_request_flag() {
    let (canvas, clock) = canvas(64, 48);
    let manual = canvas.capture_stream(Some(0.0)).unwrap();
    let every = canvas.capture_stream(None).unwrap();
    let nm = stamps(manual.canvas_track());
    let ne = stamps(every.canvas_track());
    for _ in 0..3 {
        fill(&canvas, 7, 7, 7);
        clock.advance(GAP);
    }
    assert_eq!(count(&nm), 1);
    assert_eq!(count(&ne), 3);
}

#[test]
fn errors_follow_the_spec() {
    let (canvas, _clock) = canvas(64, 48);
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
    let (canvas, clock) = canvas(64, 48);
    let stream = canvas.capture_stream(None).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let s = stamps(&track);
    let (mute_tx, mute_rx) = std::sync::mpsc::channel();
    track.on(TrackEvent::Mute, move || {
        mute_tx.send(()).ok();
    });
    fill(&canvas, 1, 1, 1);
    assert_eq!(count(&s), 1);
    canvas.taint();
    mute_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("a mute event");
    flush_events();
    assert!(track.muted());
    assert!(mute_rx.try_recv().is_err(), "one mute event");
    clock.advance(GAP);
    fill(&canvas, 2, 2, 2);
    assert_eq!(count(&s), 1, "a tainted canvas produced a frame");
    assert_eq!(
        canvas.capture_stream(None).unwrap_err().kind,
        ErrorKind::SecurityError
    );
    assert_eq!(canvas.to_png().unwrap_err().kind, ErrorKind::SecurityError);
}

#[test]
fn settings_follow_the_canvas_size() {
    // WPT (tentative) and Chromium: a capturing track's width and height follow the canvas.
    let (canvas, clock) = canvas(320, 240);
    let stream = canvas.capture_stream(None).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let frames = track.video_frames();
    fill(&canvas, 0, 0, 255);
    let f = frames.try_recv().unwrap();
    assert_eq!((f.display_width(), f.display_height()), (320, 240));
    for (w, h) in [(160, 120), (640, 480)] {
        clock.advance(GAP);
        canvas.set_size(w, h).unwrap(); // a resize is new content: a frame
        flush_events();
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
        clock.advance(GAP);
        fill(&canvas, 255, 0, 0);
        let f = frames.try_recv().unwrap();
        assert_eq!((f.display_width(), f.display_height()), (w, h));
    }
    // A new capture takes the new size too.
    let again = canvas.capture_stream(None).unwrap();
    let s = again.get_video_tracks()[0].get_settings();
    assert_eq!((s.width, s.height), (Some(640), Some(480)));
}

#[test]
fn constraints_that_a_resize_breaks_are_ignored_while_they_overconstrain() {
    let (canvas, _clock) = canvas(320, 240);
    let stream = canvas.capture_stream(None).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    futures_executor::block_on(track.apply_constraints(
        mediacapture::MediaTrackConstraints::from_json(r#"{"width":{"exact":320}}"#).unwrap(),
    ))
    .unwrap();
    canvas.set_size(200, 100).unwrap();
    flush_events();
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
    let (canvas, clock) = canvas(64, 48);
    let stream = canvas.capture_stream(None).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let clone = track.clone_track();
    let n = stamps(&track);
    let nc = stamps(&clone);
    fill(&canvas, 1, 1, 1);
    assert_eq!((count(&n), count(&nc)), (1, 1));
    track.stop();
    clock.advance(GAP);
    fill(&canvas, 2, 2, 2);
    assert_eq!((count(&n), count(&nc)), (1, 2));
    clone.stop();
    assert!(!stream.active());
    clock.advance(GAP);
    fill(&canvas, 3, 3, 3); // no capture left: drawing still works
    assert_eq!((count(&n), count(&nc)), (1, 2));
}

#[test]
fn alpha_is_kept_at_the_source() {
    let (canvas, clock) = canvas(8, 8);
    canvas.draw(|p| p.fill(tiny_skia::Color::from_rgba8(200, 100, 50, 128)));
    clock.advance(Duration::from_micros(7));
    let f = canvas.to_video_frame();
    assert_eq!(f.timestamp(), 1_000_007);
    let px = &f.plane(0)[..4];
    assert_eq!(px[3], 128);
    // Straight (not premultiplied) colour, within rounding.
    assert!(
        (198..=202).contains(&px[0]) && (98..=102).contains(&px[1]),
        "{px:?}"
    );
}

/// A 64x48 I420 frame, left half red, right half blue (BT.601 limited range).
fn red_blue_frame() -> VideoFrame {
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
    VideoFrame::new(PixelFormat::I420, w as u32, h as u32, buf, 0).unwrap()
}

#[test]
fn still_photo_video_to_canvas_to_png() {
    let frame = red_blue_frame();
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
    assert_eq!(
        canvas
            .put_image_data(&[0; 7], 2, 0, 0, None)
            .unwrap_err()
            .kind,
        ErrorKind::TypeError
    );
    assert_eq!(
        canvas.get_image_data(0, 0, 0, 1).unwrap_err().kind,
        ErrorKind::IndexSizeError
    );
    canvas.taint();
    assert_eq!(
        canvas.get_image_data(0, 0, 1, 1).unwrap_err().kind,
        ErrorKind::SecurityError
    );
}

// ---------------------------------------------------------------------------------------
// The 2D context

const RED: [u8; 4] = [255, 0, 0, 255];
const BLUE: [u8; 4] = [0, 0, 255, 255];
const NONE: [u8; 4] = [0, 0, 0, 0];

fn context(w: u32, h: u32) -> CanvasRenderingContext2D {
    Canvas::new(w, h).unwrap().context_2d()
}

fn px(ctx: &CanvasRenderingContext2D, x: i32, y: i32) -> [u8; 4] {
    let d = ctx.get_image_data(x, y, 1, 1).unwrap();
    d.data().try_into().unwrap()
}

#[test]
fn fill_rect_arc_fill_and_clear_rect() {
    let ctx = context(40, 40);
    ctx.set_fill_style("red");
    ctx.begin_path();
    ctx.arc(20.0, 20.0, 10.0, 0.0, 2.0 * PI, false).unwrap();
    ctx.fill(FillRule::NonZero);
    assert_eq!(px(&ctx, 20, 20), RED, "centre");
    assert_eq!(px(&ctx, 20, 12), RED, "inside, near the top");
    assert_eq!(px(&ctx, 2, 2), NONE, "outside the circle");
    assert_eq!(px(&ctx, 32, 20), NONE, "just beyond the radius");
    assert_eq!(px(&ctx, 27, 27), NONE, "outside, on the diagonal");
    ctx.set_fill_style("#00f");
    ctx.fill_rect(0.0, 0.0, 5.0, 5.0);
    assert_eq!(px(&ctx, 4, 4), BLUE);
    assert_eq!(
        px(&ctx, 5, 5),
        NONE,
        "the rectangle excludes its right and bottom edges"
    );
    ctx.clear_rect(15.0, 15.0, 10.0, 10.0);
    assert_eq!(px(&ctx, 20, 20), NONE, "clearRect");
    ctx.fill_rect(f64::NAN, 0.0, 5.0, 5.0); // ignored
}

#[test]
fn arc_draws_half_discs_either_way_and_refuses_a_negative_radius() {
    let ctx = context(40, 40);
    ctx.set_fill_style("#ff0000");
    ctx.begin_path();
    ctx.arc(20.0, 20.0, 15.0, 0.0, PI, false).unwrap(); // clockwise on screen: through +y
    ctx.fill(FillRule::NonZero);
    assert_eq!(px(&ctx, 20, 30), RED, "lower half filled");
    assert_eq!(px(&ctx, 20, 10), NONE, "upper half empty");
    ctx.clear_rect(0.0, 0.0, 40.0, 40.0);
    ctx.begin_path();
    ctx.arc(20.0, 20.0, 15.0, 0.0, PI, true).unwrap();
    ctx.fill(FillRule::NonZero);
    assert_eq!(px(&ctx, 20, 10), RED);
    assert_eq!(px(&ctx, 20, 30), NONE);
    assert_eq!(
        ctx.arc(0.0, 0.0, -1.0, 0.0, 1.0, false).unwrap_err().kind,
        ErrorKind::IndexSizeError
    );
}

#[test]
fn fill_rules_decide_the_hole_of_nested_rectangles() {
    let ctx = context(40, 40);
    ctx.set_fill_style("blue");
    ctx.begin_path();
    ctx.rect(0.0, 0.0, 40.0, 40.0);
    ctx.rect(10.0, 10.0, 20.0, 20.0);
    ctx.fill(FillRule::EvenOdd);
    assert_eq!(px(&ctx, 5, 5), BLUE);
    assert_eq!(px(&ctx, 20, 20), NONE);
    ctx.fill(FillRule::NonZero);
    assert_eq!(px(&ctx, 20, 20), BLUE);
    assert_eq!(FillRule::from_name("evenodd"), Some(FillRule::EvenOdd));
    assert_eq!(FillRule::from_name("bogus"), None);
}

#[test]
fn stroke_line_width_close_path_and_stroke_rect() {
    let ctx = context(40, 40);
    ctx.set_stroke_style("#0000ff");
    ctx.set_line_width(4.0);
    ctx.set_line_width(-1.0); // ignored
    ctx.set_line_width(f64::NAN); // ignored
    assert_eq!(ctx.line_width(), 4.0);
    ctx.begin_path();
    ctx.move_to(0.0, 20.0);
    ctx.line_to(40.0, 20.0);
    ctx.stroke();
    assert_eq!(px(&ctx, 20, 18), BLUE, "within the 4 px line (y 18..22)");
    assert_eq!(px(&ctx, 20, 21), BLUE);
    assert_eq!(px(&ctx, 20, 16), NONE);
    assert_eq!(px(&ctx, 20, 23), NONE);
    // A closed triangle strokes its closing side too; an open one does not.
    ctx.clear_rect(0.0, 0.0, 40.0, 40.0);
    ctx.set_line_width(2.0);
    ctx.begin_path();
    ctx.move_to(5.0, 5.0);
    ctx.line_to(35.0, 5.0);
    ctx.line_to(35.0, 35.0);
    ctx.stroke();
    assert_eq!(px(&ctx, 20, 20), NONE, "no closing diagonal yet");
    ctx.close_path();
    ctx.stroke();
    assert_eq!(px(&ctx, 20, 20), BLUE, "the closing diagonal");
    ctx.clear_rect(0.0, 0.0, 40.0, 40.0);
    ctx.stroke_rect(10.0, 10.0, 20.0, 20.0);
    assert_eq!(px(&ctx, 10, 20), BLUE, "left side (x 9..11)");
    assert_eq!(px(&ctx, 20, 20), NONE, "not filled");
    // One side 0: a single line.
    ctx.clear_rect(0.0, 0.0, 40.0, 40.0);
    ctx.stroke_rect(5.0, 30.0, 30.0, 0.0);
    assert_eq!(px(&ctx, 20, 30), BLUE);
    assert_eq!(px(&ctx, 5, 20), NONE);
}

#[test]
fn a_scale_transforms_the_stroke_width_too() {
    let ctx = context(40, 40);
    ctx.set_stroke_style("blue");
    ctx.scale(4.0, 4.0);
    ctx.set_line_width(1.0); // 4 device pixels
    ctx.begin_path();
    ctx.move_to(0.0, 5.0);
    ctx.line_to(10.0, 5.0);
    ctx.stroke();
    assert_eq!(px(&ctx, 20, 18), BLUE);
    assert_eq!(px(&ctx, 20, 21), BLUE);
    assert_eq!(px(&ctx, 20, 23), NONE);
}

#[test]
fn save_and_restore_keep_the_drawing_state() {
    let ctx = context(40, 40);
    ctx.set_fill_style("red");
    ctx.save();
    ctx.set_fill_style("blue");
    ctx.set_stroke_style("lime");
    ctx.set_line_width(7.0);
    ctx.set_global_alpha(0.5);
    ctx.translate(20.0, 20.0);
    ctx.fill_rect(0.0, 0.0, 5.0, 5.0);
    assert_eq!(px(&ctx, 22, 22)[3], 128, "drawn translated at half alpha");
    assert_eq!(px(&ctx, 2, 2), NONE);
    ctx.restore();
    assert_eq!(ctx.fill_style(), "#ff0000");
    assert_eq!(ctx.stroke_style(), "#000000");
    assert_eq!(ctx.line_width(), 1.0);
    assert_eq!(ctx.global_alpha(), 1.0);
    assert_eq!(ctx.get_transform(), Matrix::IDENTITY);
    ctx.fill_rect(0.0, 0.0, 5.0, 5.0);
    assert_eq!(px(&ctx, 2, 2), RED, "identity transform and red again");
    ctx.restore(); // an empty stack: nothing happens
    assert_eq!(ctx.fill_style(), "#ff0000");
}

#[test]
fn transforms_compose_and_non_finite_ones_are_ignored() {
    let ctx = context(40, 40);
    ctx.set_fill_style("red");
    ctx.translate(20.0, 20.0);
    ctx.rotate(PI / 2.0); // the x axis now points down
    ctx.fill_rect(2.0, -1.0, 10.0, 2.0); // device x 19..21, y 22..32
    assert_eq!(px(&ctx, 20, 30), RED);
    assert_eq!(px(&ctx, 30, 20), NONE);
    ctx.translate(f64::NAN, 1.0); // ignored
    ctx.rotate(f64::INFINITY); // ignored
    ctx.transform(1.0, 0.0, 0.0, f64::NAN, 0.0, 0.0); // ignored
    let t = ctx.get_transform();
    assert!(
        (t.b - 1.0).abs() < 1e-12 && (t.c + 1.0).abs() < 1e-12,
        "{t:?}"
    );
    assert_eq!((t.e, t.f), (20.0, 20.0));
    ctx.set_transform(2.0, 0.0, 0.0, 2.0, 0.0, 0.0);
    ctx.set_fill_style("blue");
    ctx.fill_rect(0.0, 0.0, 2.0, 2.0);
    assert_eq!(px(&ctx, 3, 3), BLUE, "scaled by 2");
    ctx.set_transform_matrix(Matrix::new(1.0, 0.0, 0.0, 1.0, 10.0, 0.0));
    assert_eq!(
        ctx.get_transform(),
        Matrix::new(1.0, 0.0, 0.0, 1.0, 10.0, 0.0)
    );
    ctx.set_transform_matrix(Matrix::new(f64::NAN, 0.0, 0.0, 1.0, 0.0, 0.0)); // ignored
    assert_eq!(ctx.get_transform().e, 10.0);
    ctx.transform(2.0, 0.0, 0.0, 3.0, 1.0, 1.0);
    assert_eq!(
        ctx.get_transform(),
        Matrix::new(2.0, 0.0, 0.0, 3.0, 11.0, 1.0),
        "the new matrix applies first"
    );
    ctx.reset_transform();
    assert_eq!(ctx.get_transform(), Matrix::IDENTITY);
    // Path points are transformed when added, not when filled.
    ctx.begin_path();
    ctx.translate(30.0, 30.0);
    ctx.rect(0.0, 0.0, 5.0, 5.0);
    ctx.reset_transform();
    ctx.fill(FillRule::NonZero);
    assert_eq!(px(&ctx, 32, 32), BLUE);
    assert_eq!(px(&ctx, 27, 27), NONE);
}

#[test]
fn global_alpha_blends_source_over() {
    let ctx = context(40, 40);
    ctx.set_fill_style("#0000ff");
    ctx.fill_rect(0.0, 0.0, 10.0, 10.0);
    ctx.set_global_alpha(0.25);
    ctx.set_global_alpha(2.0); // out of range: ignored
    assert_eq!(ctx.global_alpha(), 0.25);
    ctx.set_fill_style("#ff0000");
    ctx.fill_rect(0.0, 0.0, 10.0, 10.0);
    let [r, g, b, a] = px(&ctx, 5, 5);
    assert!(r.abs_diff(64) <= 2, "red {r}");
    assert_eq!(g, 0);
    assert!(b.abs_diff(191) <= 2, "blue {b}");
    assert_eq!(a, 255);
    // On transparent pixels: the colour at a quarter of its alpha.
    ctx.fill_rect(20.0, 20.0, 5.0, 5.0);
    let p = px(&ctx, 22, 22);
    assert!(p[3].abs_diff(64) <= 1 && p[0] >= 250, "{p:?}");
}

#[test]
fn styles_parse_css_colours_and_ignore_the_rest() {
    let ctx = context(4, 4);
    assert_eq!(ctx.fill_style(), "#000000");
    assert!(ctx.set_fill_style("rgba(17, 34, 51, 0.5)"));
    assert_eq!(ctx.fill_style(), "rgba(17, 34, 51, 0.5)");
    assert_eq!(ctx.fill_color(), CssColor::rgba(17, 34, 51, 128));
    assert!(!ctx.set_fill_style("nonsense"));
    assert_eq!(ctx.fill_style(), "rgba(17, 34, 51, 0.5)", "kept");
    ctx.set_stroke_color(CssColor::rgba(1, 2, 3, 255));
    assert_eq!(ctx.stroke_style(), "#010203");
    assert!(!ctx.set_stroke_style("#12"));
    assert_eq!(ctx.stroke_style(), "#010203");
}

#[test]
fn context_image_data_round_trips_and_reports_errors() {
    let ctx = context(8, 8);
    let mut img = ctx.create_image_data(4, -4).unwrap();
    assert_eq!((img.width(), img.height(), img.data().len()), (4, 4, 64));
    for (i, px) in img.data_mut().chunks_exact_mut(4).enumerate() {
        let i = i as u8;
        px.copy_from_slice(&[i * 12, 255 - i, i * 7, 255]);
    }
    img.data_mut()[4..8].copy_from_slice(&[200, 100, 50, 128]);
    ctx.put_image_data(&img, 2, 3);
    let back = ctx.get_image_data(2, 3, 4, 4).unwrap();
    assert_eq!((back.width(), back.height()), (4, 4));
    for i in (0..64).step_by(4).filter(|&i| i != 4) {
        assert_eq!(
            back.data()[i..i + 4],
            img.data()[i..i + 4],
            "pixel {}",
            i / 4
        );
    }
    let half = &back.data()[4..8];
    assert_eq!(half[3], 128);
    for (c, want) in [200u8, 100, 50].into_iter().enumerate() {
        assert!(half[c].abs_diff(want) <= 2, "{half:?}");
    }
    // Negative sizes count from the other corner; off the canvas is transparent black.
    let edge = ctx.get_image_data(8, 8, -10, -10).unwrap();
    assert_eq!((edge.width(), edge.height()), (10, 10));
    assert_eq!(edge.data()[0..4], NONE, "(-2, -2) is off the canvas");
    let at = (5 * 10 + 4) * 4;
    assert_eq!(edge.data()[at..at + 4], img.data()[0..4], "(2, 3)");
    // A dirty rectangle copies only part of the image.
    let blue = ImageData::from_data(BLUE.repeat(4), 2).unwrap();
    ctx.put_image_data_dirty(&blue, 0, 0, 1, 1, 1, 1);
    assert_eq!(px(&ctx, 1, 1), BLUE);
    assert_eq!(px(&ctx, 0, 0), NONE);
    // Errors, as a browser throws them.
    let kind = |r: mediacapture::Result<ImageData>| r.unwrap_err().kind;
    assert_eq!(
        kind(ctx.get_image_data(0, 0, 0, 1)),
        ErrorKind::IndexSizeError
    );
    assert_eq!(kind(ctx.create_image_data(0, 1)), ErrorKind::IndexSizeError);
    assert_eq!(
        kind(ctx.create_image_data(1 << 15, 1 << 14)),
        ErrorKind::RangeError
    );
    assert_eq!(
        kind(ImageData::from_data(vec![0; 6], 1)),
        ErrorKind::InvalidStateError
    );
    assert_eq!(
        kind(ImageData::from_data(vec![0; 12], 2)),
        ErrorKind::IndexSizeError
    );
    ctx.canvas().taint();
    assert_eq!(
        kind(ctx.get_image_data(0, 0, 1, 1)),
        ErrorKind::SecurityError
    );
}

#[test]
fn draw_image_of_a_canvas_positions_scales_clips_and_blends() {
    let src = context(4, 4);
    src.set_fill_style("red");
    src.fill_rect(0.0, 0.0, 2.0, 4.0);
    src.set_fill_style("blue");
    src.fill_rect(2.0, 0.0, 2.0, 4.0);
    let image = src.canvas().clone();
    let ctx = context(20, 20);
    ctx.draw_image(&image, 10.0, 10.0).unwrap();
    assert_eq!(px(&ctx, 10, 10), RED);
    assert_eq!(px(&ctx, 13, 13), BLUE);
    assert_eq!(px(&ctx, 14, 10), NONE);
    ctx.draw_image_scaled(&image, 0.0, 0.0, 8.0, 8.0).unwrap();
    assert_eq!(px(&ctx, 1, 1), RED);
    assert_eq!(px(&ctx, 6, 6), BLUE);
    ctx.clear_rect(0.0, 0.0, 20.0, 20.0);
    // Only the blue half, stretched.
    ctx.draw_image_rect(&image, 2.0, 0.0, 2.0, 4.0, 0.0, 0.0, 8.0, 8.0)
        .unwrap();
    assert_eq!(px(&ctx, 0, 0), BLUE);
    assert_eq!(px(&ctx, 7, 7), BLUE);
    assert_eq!(px(&ctx, 8, 8), NONE);
    // A source rectangle reaching past the image is clipped, the destination in proportion:
    // source x -2..2 (half outside) onto 0..8 draws image x 0..2 onto 4..8.
    ctx.clear_rect(0.0, 0.0, 20.0, 20.0);
    ctx.draw_image_rect(&image, -2.0, 0.0, 4.0, 4.0, 0.0, 0.0, 8.0, 8.0)
        .unwrap();
    assert_eq!(px(&ctx, 2, 2), NONE);
    assert_eq!(px(&ctx, 6, 2), RED);
    ctx.clear_rect(0.0, 0.0, 20.0, 20.0);
    ctx.set_global_alpha(0.5);
    ctx.draw_image(&image, 0.0, 0.0).unwrap();
    assert_eq!(px(&ctx, 1, 1)[3], 128);
    // A canvas drawn onto itself uses a snapshot taken first.
    ctx.set_global_alpha(1.0);
    ctx.draw_image(ctx.canvas(), 10.0, 0.0).unwrap();
    assert_eq!(px(&ctx, 11, 1)[3], 128);
    // A non-finite argument draws nothing.
    ctx.clear_rect(0.0, 0.0, 20.0, 20.0);
    ctx.draw_image(&image, f64::NAN, 0.0).unwrap();
    assert_eq!(px(&ctx, 1, 1), NONE);
}

#[test]
fn draw_image_of_a_tainted_canvas_taints_and_of_a_frame_converts() {
    let protected = context(4, 4);
    protected.canvas().taint();
    let ctx = context(8, 8);
    ctx.draw_image(protected.canvas(), 0.0, 0.0).unwrap();
    assert!(!ctx.canvas().origin_clean());
    // A video frame, through the transform.
    let ctx = context(128, 96);
    ctx.scale(2.0, 2.0);
    ctx.draw_image(&red_blue_frame(), 0.0, 0.0).unwrap();
    let [r, _, b, a] = px(&ctx, 20, 48);
    assert!(r > 200 && b < 60 && a == 255, "left {r} {b} {a}");
    let [r, _, b, _] = px(&ctx, 108, 48);
    assert!(b > 200 && r < 60, "right {r} {b}");
}

#[test]
fn resizing_the_canvas_resets_the_context_and_handles_share_it() {
    let canvas = Canvas::new(40, 40).unwrap();
    let ctx = canvas.context_2d();
    ctx.set_fill_style("red");
    ctx.translate(3.0, 3.0);
    ctx.save();
    assert_eq!(canvas.context_2d().fill_style(), "#ff0000", "one context");
    canvas.set_size(30, 40).unwrap();
    assert_eq!(ctx.fill_style(), "#000000");
    assert_eq!(ctx.get_transform(), Matrix::IDENTITY);
    ctx.set_fill_style("blue");
    ctx.restore(); // the saved state went with the reset
    assert_eq!(ctx.fill_style(), "#0000ff");
}

#[test]
fn drawing_calls_paint_and_the_rest_does_not() {
    let (canvas, clock) = canvas(32, 32);
    let ctx = canvas.context_2d();
    let stream = canvas.capture_stream(None).unwrap();
    let s = stamps(&stream.get_video_tracks()[0]);
    // State, transforms and path building change no pixel: no frame.
    ctx.set_fill_style("lime");
    ctx.translate(1.0, 1.0);
    ctx.begin_path();
    ctx.fill(FillRule::NonZero); // an empty path draws nothing
    ctx.move_to(0.0, 0.0);
    ctx.line_to(10.0, 10.0);
    ctx.arc(16.0, 16.0, 8.0, 0.0, 2.0 * PI, false).unwrap();
    ctx.fill_rect(0.0, 0.0, 0.0, 5.0); // empty
    assert_eq!(count(&s), 0);
    // Each drawing call is a paint.
    let draws: [&dyn Fn(); 6] = [
        &|| ctx.fill(FillRule::NonZero),
        &|| ctx.stroke(),
        &|| ctx.fill_rect(0.0, 0.0, 4.0, 4.0),
        &|| ctx.stroke_rect(0.0, 0.0, 4.0, 4.0),
        &|| ctx.clear_rect(0.0, 0.0, 4.0, 4.0),
        &|| ctx.put_image_data(&ImageData::new(2, 2).unwrap(), 0, 0),
    ];
    for draw in draws {
        clock.advance(GAP);
        draw();
    }
    let want: Vec<i64> = (1..=6).map(|i| 1_000_000 + i * 20_000).collect();
    assert_eq!(*s.lock(), want);
}
