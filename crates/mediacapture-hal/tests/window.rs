//! The video window on a real X server (scripts/servers.sh starts Xvfb): what it shows, read
//! back with GetImage, is the test pattern (its frame counter and colour bars), letterboxed
//! after a resize; a close from the window manager is reported. Skipped with a printed line
//! without a display, unless `MEDIACAPTURE_TEST_X11=1` makes it required.
#![cfg(feature = "x11")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::Collect;
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_hal::fake::{FakeBackend, FakeProfile, read_frame_counter};
use mediacapture_hal::window::VideoWindow;
use mediacapture_hal::{Backend, NativeConfig};
use mediacapture_types::native::VideoMode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt as _, EventMask, ImageFormat};

const SAFETY: Duration = Duration::from_secs(20);

fn display_or_skip(test: &str) -> bool {
    let required = std::env::var("MEDIACAPTURE_TEST_X11").is_ok_and(|v| v == "1");
    if x11rb::connect(None).is_ok() {
        return true;
    }
    assert!(!required, "MEDIACAPTURE_TEST_X11=1 but no X display");
    println!("skipped: {test}: no X display");
    false
}

/// Test-pattern frames 0, 1, 2… of a 640x480 fake camera.
fn pattern_frames(n: usize) -> Vec<VideoFrame> {
    let backend = FakeBackend::new(
        FakeProfile::from_json(
            r#"{"devices":[{"kind":"videoinput","id":"cam","modes":[{"width":640,"height":480,"frameRate":30}]}]}"#,
        )
        .unwrap(),
    );
    let sink = Arc::new(Collect::default());
    let mode = VideoMode {
        width: 640,
        height: 480,
        frame_rate: 30.0,
    };
    let mut src = backend
        .open("cam", &NativeConfig::Video(mode), sink.clone())
        .unwrap();
    let deadline = Instant::now() + SAFETY;
    while sink.video().len() < n {
        assert!(Instant::now() < deadline, "the fake camera delivers");
        std::thread::sleep(Duration::from_millis(10)); // a real-time camera: polled
    }
    src.stop();
    sink.video()
}

/// The window's pixels, as a BGRA frame.
fn screenshot(window: u32) -> VideoFrame {
    let (conn, _) = x11rb::connect(None).unwrap();
    let geo = conn.get_geometry(window).unwrap().reply().unwrap();
    let img = conn
        .get_image(
            ImageFormat::Z_PIXMAP,
            window,
            0,
            0,
            geo.width,
            geo.height,
            u32::MAX,
        )
        .unwrap()
        .reply()
        .unwrap();
    let mut data = img.data;
    for px in data.chunks_mut(4) {
        px[3] = 255;
    }
    VideoFrame::new(
        PixelFormat::Bgra,
        u32::from(geo.width),
        u32::from(geo.height),
        data,
        0,
    )
    .unwrap()
}

/// The pixel (r, g, b) at (x, y) of a BGRA frame.
fn rgb(f: &VideoFrame, x: u32, y: u32) -> (u8, u8, u8) {
    let i = y as usize * f.stride(0) + x as usize * 4;
    let p = &f.plane(0)[i..i + 4];
    (p[2], p[1], p[0])
}

fn close_to(a: (u8, u8, u8), b: (u8, u8, u8)) -> bool {
    let d = |x: u8, y: u8| (i16::from(x) - i16::from(y)).abs();
    d(a.0, b.0) <= 12 && d(a.1, b.1) <= 12 && d(a.2, b.2) <= 12
}

/// The colour bars of the fake camera's pattern, left to right.
const BARS: [(u8, u8, u8); 8] = [
    (191, 191, 191),
    (191, 191, 0),
    (0, 191, 191),
    (0, 191, 0),
    (191, 0, 191),
    (191, 0, 0),
    (0, 0, 191),
    (32, 32, 32),
];

fn check_bars(shot: &VideoFrame, x0: u32, width: u32, height: u32) {
    for (i, bar) in BARS.iter().enumerate() {
        let x = x0 + width * (2 * i as u32 + 1) / 16;
        let got = rgb(shot, x, height * 9 / 10);
        assert!(
            close_to(got, *bar),
            "bar {i} at x {x}: {got:?}, not {bar:?}"
        );
    }
}

#[test]
fn the_window_shows_frames_letterboxed_and_reports_a_close() {
    if !display_or_skip("the_window_shows_frames_letterboxed_and_reports_a_close") {
        return;
    }
    let frames = pattern_frames(3);
    let window = VideoWindow::open("mediacapture test", 640, 480).unwrap();
    window.present(&frames[0]);
    assert!(window.wait_drawn(1, SAFETY));
    let shot = screenshot(window.window_id());
    assert_eq!((shot.display_width(), shot.display_height()), (640, 480));
    assert_eq!(read_frame_counter(&shot), read_frame_counter(&frames[0]));
    check_bars(&shot, 0, 640, 480);
    // The next frame: the counter on the screen advances.
    window.present(&frames[2]);
    assert!(window.wait_drawn(2, SAFETY));
    let shot = screenshot(window.window_id());
    assert_eq!(read_frame_counter(&shot), read_frame_counter(&frames[2]));
    assert_ne!(
        read_frame_counter(&frames[0]),
        read_frame_counter(&frames[2])
    );

    // Wider: black bars left and right, the picture centred at its size.
    window.resize(800, 480).unwrap();
    let deadline = Instant::now() + SAFETY;
    while window.size() != (800, 480) {
        assert!(Instant::now() < deadline, "no ConfigureNotify");
        std::thread::sleep(Duration::from_millis(10)); // the size comes as an X event
    }
    window.present(&frames[1]);
    assert!(window.wait_drawn(3, SAFETY));
    let shot = screenshot(window.window_id());
    assert_eq!(shot.display_width(), 800);
    for x in [5, 60, 740, 795] {
        assert_eq!(rgb(&shot, x, 240), (0, 0, 0), "bar at x {x}");
    }
    check_bars(&shot, 80, 640, 480);
    let inner = mediacapture_frame::convert(
        &shot
            .clone()
            .with_visible_rect(mediacapture_frame::Rect {
                x: 80,
                y: 0,
                width: 640,
                height: 480,
            })
            .unwrap(),
        PixelFormat::Bgra,
    )
    .unwrap();
    assert_eq!(read_frame_counter(&inner), read_frame_counter(&frames[1]));

    // Taller and smaller: scaled down, bars above and below.
    window.resize(320, 480).unwrap();
    let deadline = Instant::now() + SAFETY;
    while window.size() != (320, 480) {
        assert!(Instant::now() < deadline, "no ConfigureNotify");
        std::thread::sleep(Duration::from_millis(10)); // as above
    }
    window.present(&frames[2]);
    assert!(window.wait_drawn(4, SAFETY));
    let shot = screenshot(window.window_id());
    assert_eq!(rgb(&shot, 160, 60), (0, 0, 0));
    assert_eq!(rgb(&shot, 160, 420), (0, 0, 0));
    let picture = mediacapture_frame::convert(
        &shot
            .with_visible_rect(mediacapture_frame::Rect {
                x: 0,
                y: 120,
                width: 320,
                height: 240,
            })
            .unwrap(),
        PixelFormat::Bgra,
    )
    .unwrap();
    check_bars(&picture, 0, 320, 240);
    assert_eq!(read_frame_counter(&picture), read_frame_counter(&frames[2]));

    // The window manager's close button.
    assert!(!window.is_closed());
    let (conn, _) = x11rb::connect(None).unwrap();
    let atom = |n: &str| {
        conn.intern_atom(false, n.as_bytes())
            .unwrap()
            .reply()
            .unwrap()
            .atom
    };
    let msg = ClientMessageEvent::new(
        32,
        window.window_id(),
        atom("WM_PROTOCOLS"),
        [atom("WM_DELETE_WINDOW"), 0, 0, 0, 0],
    );
    conn.send_event(false, window.window_id(), EventMask::NO_EVENT, msg)
        .unwrap();
    conn.flush().unwrap();
    assert!(window.wait_closed(SAFETY));
    drop(window);
}

#[test]
fn without_a_display_opening_is_not_found() {
    let e = VideoWindow::open_on(Some(":9876"), "x", 10, 10).unwrap_err();
    assert_eq!(e.kind, mediacapture_types::ErrorKind::NotFoundError);
}
