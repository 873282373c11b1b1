//! `mediacapture preview` under a real X server (scripts/servers.sh starts Xvfb): the
//! window shows the fake camera's test pattern (its colour bars where they belong, its frame
//! counter advancing, read back with GetImage), and closing it from the window manager ends
//! the command cleanly. Skipped with a printed line without a display, unless
//! `MEDIACAPTURE_TEST_X11=1` makes it required.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_hal::fake::read_frame_counter;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt as _, EventMask, ImageFormat};

const SAFETY: Duration = Duration::from_secs(30);

fn screenshot(conn: &impl Connection, window: u32) -> VideoFrame {
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
    data.chunks_mut(4).for_each(|p| p[3] = 255);
    VideoFrame::new(
        PixelFormat::Bgra,
        u32::from(geo.width),
        u32::from(geo.height),
        data,
        0,
    )
    .unwrap()
}

fn rgb(f: &VideoFrame, x: u32, y: u32) -> (u8, u8, u8) {
    let i = y as usize * f.stride(0) + x as usize * 4;
    let p = &f.plane(0)[i..i + 4];
    (p[2], p[1], p[0])
}

#[test]
fn preview_shows_the_fake_camera_and_closes_cleanly() {
    let required = std::env::var("MEDIACAPTURE_TEST_X11").is_ok_and(|v| v == "1");
    let Ok((conn, _)) = x11rb::connect(None) else {
        assert!(!required, "MEDIACAPTURE_TEST_X11=1 but no X display");
        println!("skipped: no X display");
        return;
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_mediacapture"))
        .env_remove("MEDIACAPTURE_FAKE")
        .args([
            "--fake",
            "--json",
            "preview",
            "-c",
            r#"{"video":{"width":640,"height":480},"audio":true}"#,
            "--duration",
            "120s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["event"], "playing");
    assert_eq!(
        (first["videoWidth"].as_u64(), first["videoHeight"].as_u64()),
        (Some(640), Some(480))
    );
    assert_eq!(first["audioTracks"], 1);
    let window = u32::try_from(first["window"].as_u64().expect("a window id")).unwrap();

    // The counter on the screen advances (the camera runs at 30 fps).
    let deadline = Instant::now() + SAFETY;
    let mut seen = Vec::new();
    let shot = loop {
        let shot = screenshot(&conn, window);
        if let Some(n) = read_frame_counter(&shot) {
            if seen.last() != Some(&n) {
                seen.push(n);
            }
        }
        if seen.len() >= 3 {
            break shot;
        }
        assert!(
            Instant::now() < deadline,
            "the counter does not advance: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(30)); // between screenshots
    };
    assert!(seen.windows(2).all(|w| w[1] > w[0]), "{seen:?}");
    // The colour bars (bottom tenth), left to right.
    let bars = [
        (191, 191, 191),
        (191, 191, 0),
        (0, 191, 191),
        (0, 191, 0),
        (191, 0, 191),
        (191, 0, 0),
        (0, 0, 191),
        (32, 32, 32),
    ];
    for (i, want) in bars.iter().enumerate() {
        let got = rgb(&shot, 640 * (2 * i as u32 + 1) / 16, 460);
        let close = |a: u8, b: u8| (i16::from(a) - i16::from(b)).abs() <= 12;
        assert!(
            close(got.0, want.0) && close(got.1, want.1) && close(got.2, want.2),
            "bar {i}: {got:?}, not {want:?}"
        );
    }

    // The window manager's close button ends the command.
    let atom = |n: &str| {
        conn.intern_atom(false, n.as_bytes())
            .unwrap()
            .reply()
            .unwrap()
            .atom
    };
    let msg = ClientMessageEvent::new(
        32,
        window,
        atom("WM_PROTOCOLS"),
        [atom("WM_DELETE_WINDOW"), 0, 0, 0, 0],
    );
    conn.send_event(false, window, EventMask::NO_EVENT, msg)
        .unwrap();
    conn.flush().unwrap();
    let last: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(last["event"], "stopped");
    assert_eq!(last["reason"], "the window was closed");
    assert!(last["drawnFrames"].as_u64().unwrap() >= 3);
    assert!(last["presentedFrames"].as_u64().unwrap() >= 3);
    assert!(last["audioFramesPlayed"].as_u64().unwrap() > 0, "{last}");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // The window is gone.
    assert!(conn.get_geometry(window).unwrap().reply().is_err());
}

#[test]
fn preview_of_an_impossible_stream_fails_like_getusermedia() {
    let out = Command::new(env!("CARGO_BIN_EXE_mediacapture"))
        .args([
            "--fake",
            "--json",
            "preview",
            "-c",
            r#"{"video":{"width":{"exact":12345}}}"#,
            "--no-window",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["name"], "OverconstrainedError");
}
