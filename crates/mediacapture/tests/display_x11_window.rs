//! getDisplayMedia on X11 windows, against a private Xvfb (skipped with a printed line when
//! Xvfb cannot start, unless `MEDIACAPTURE_TEST_X11=1` makes it required): a test client maps
//! a managed window of a known colour; `displaySurface: "window"` and `monitorTypeSurfaces:
//! "exclude"` capture it, and closing it ends the track.
#![cfg(feature = "x11")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{DisplayMediaStreamOptions, MediaStreamTrackState, TrackEvent};
use mediacapture_hal::x11::X11Backend;
use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{
    AtomEnum, ConnectionExt as _, CreateWindowAux, PropMode, WindowClass,
};
use x11rb::wrapper::ConnectionExt as _;

/// A private Xvfb, killed on drop.
struct PrivateX(std::process::Child, String);

impl PrivateX {
    fn start() -> Option<PrivateX> {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "320x240x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        // The server writes its display number once it accepts connections.
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|out| std::io::BufReader::new(out).read_line(&mut line));
        match (read, line.trim().parse::<u32>()) {
            (Some(Ok(_)), Ok(n)) => Some(PrivateX(child, format!(":{n}"))),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                None
            }
        }
    }
}

impl Drop for PrivateX {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_window_of_known_colour_is_captured_by_get_display_media_and_its_close_ends_the_track() {
    let Some(x) = PrivateX::start() else {
        let required = std::env::var("MEDIACAPTURE_TEST_X11").is_ok_and(|v| v == "1");
        assert!(!required, "MEDIACAPTURE_TEST_X11=1 but Xvfb did not start");
        println!("skipped: cannot start Xvfb");
        return;
    };
    let (conn, screen_num) = x11rb::connect(Some(&x.1)).unwrap();
    let screen = &conn.setup().roots[screen_num];
    // A window the way a window manager leaves a managed one (WM_STATE NormalState, a title):
    // the test plays the window manager, Xvfb has none.
    let win = conn.generate_id().unwrap();
    conn.create_window(
        screen.root_depth,
        win,
        screen.root,
        10,
        10,
        160,
        100,
        0,
        WindowClass::INPUT_OUTPUT,
        0,
        &CreateWindowAux::new().background_pixel(screen.white_pixel),
    )
    .unwrap();
    let wm_state = conn
        .intern_atom(false, b"WM_STATE")
        .unwrap()
        .reply()
        .unwrap()
        .atom;
    conn.change_property32(PropMode::REPLACE, win, wm_state, wm_state, &[1, 0])
        .unwrap();
    conn.change_property8(
        PropMode::REPLACE,
        win,
        AtomEnum::WM_NAME,
        AtomEnum::STRING,
        b"White window",
    )
    .unwrap();
    conn.map_window(win).unwrap();
    conn.sync().unwrap();

    let md = mediacapture::MediaDevices::builder()
        .origin("https://example.com")
        .salt(SALT)
        .backend(X11Backend::with_display(&x.1))
        .build();
    let gdm = |json: &str| {
        block_on(md.get_display_media(DisplayMediaStreamOptions::from_json(json).unwrap())).unwrap()
    };
    let settings = |s: &mediacapture::MediaStream| {
        serde_json::to_value(s.get_video_tracks()[0].get_settings()).unwrap()
    };
    // The whole screen by default; the window when asked for, or when screens are excluded.
    let screen_stream = gdm(r#"{"video":true}"#);
    assert_eq!(settings(&screen_stream)["displaySurface"], "monitor");
    screen_stream.get_tracks()[0].stop();
    let excluded = gdm(r#"{"video":true,"monitorTypeSurfaces":"exclude"}"#);
    assert_eq!(settings(&excluded)["displaySurface"], "window");
    excluded.get_tracks()[0].stop();
    let s = gdm(r#"{"video":{"displaySurface":"window"}}"#);
    let track = s.get_video_tracks()[0].clone();
    assert_eq!(track.label(), "White window");
    let st = settings(&s);
    assert_eq!(st["displaySurface"], "window");
    assert_eq!(
        (st["width"].as_u64(), st["height"].as_u64()),
        (Some(160), Some(100))
    );
    // Its frames are the window: white.
    let frames = track.video_frames();
    let f = frames.recv_timeout(SAFETY).expect("a frame");
    assert_eq!((f.coded_width(), f.coded_height()), (160, 100));
    let rgba = mediacapture_frame::convert(&f, mediacapture_frame::PixelFormat::Rgba).unwrap();
    // White within the rounding of a trip through I420, if the track converted it.
    assert!(
        rgba.plane(0)
            .chunks_exact(4)
            .all(|p| p[..3].iter().all(|&c| c >= 250)),
        "the window is white"
    );
    // Closing the window ends the track.
    let mut events = track.events();
    conn.destroy_window(win).unwrap();
    conn.sync().unwrap();
    assert_eq!(
        block_on(futures_util::StreamExt::next(&mut events)),
        Some(TrackEvent::Ended)
    );
    assert_eq!(track.ready_state(), MediaStreamTrackState::Ended);
}
