//! The X11 backend against a real server (scripts/servers.sh starts `Xvfb :99`). Skipped with
//! a printed line when no display is reachable, unless `MEDIACAPTURE_TEST_X11=1` makes it
//! required.
#![cfg(feature = "x11")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::{Collect, Item};
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_hal::x11::X11Backend;
use mediacapture_hal::{Backend, ErrorKind, NativeCapabilities, NativeConfig, SourceEvent, clock};
use mediacapture_types::native::DisplayConfig;
use mediacapture_types::{CursorCaptureConstraint, DisplayCaptureSurfaceType, MediaDeviceKind};
use std::sync::Arc;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, CreateWindowAux, WindowClass};
use x11rb::wrapper::ConnectionExt as _;

fn backend_or_skip(test: &str) -> Option<X11Backend> {
    let required = std::env::var("MEDIACAPTURE_TEST_X11").is_ok_and(|v| v == "1");
    let b = X11Backend::new();
    if !b.devices().unwrap().is_empty() {
        return Some(b);
    }
    assert!(
        !required,
        "MEDIACAPTURE_TEST_X11=1 but no X display is reachable"
    );
    println!("skipped: {test}: no X display reachable (DISPLAY unset or no server)");
    None
}

/// A test client connection (retried: a server without `-noreset` resets when its last
/// client leaves and briefly refuses connections).
fn connect() -> (x11rb::rust_connection::RustConnection, usize) {
    connect_to(None)
}

fn connect_to(display: Option<&str>) -> (x11rb::rust_connection::RustConnection, usize) {
    for i in 0..10 {
        match x11rb::connect(display) {
            Ok(c) => return c,
            Err(e) => {
                println!("connect attempt {i}: {e}");
                // A retry interval: the server refuses connections while it resets, and
                // nothing tells a client when it is back but trying again.
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
    }
    x11rb::connect(display).unwrap()
}

fn display(fps: f64) -> NativeConfig {
    NativeConfig::Display(DisplayConfig {
        frame_rate: fps,
        cursor: CursorCaptureConstraint::Never,
    })
}

#[test]
fn lists_each_screen_as_a_monitor_surface() {
    let Some(b) = backend_or_skip("lists_each_screen_as_a_monitor_surface") else {
        return;
    };
    let (conn, screen) = connect();
    let devices = b.devices().unwrap();
    assert_eq!(devices.len(), conn.setup().roots.len());
    let d = &devices[screen];
    assert!(d.is_default);
    assert!(d.is_display());
    assert_eq!(d.kind, MediaDeviceKind::VideoInput);
    let NativeCapabilities::Display(c) = &d.capabilities else {
        panic!()
    };
    let root = &conn.setup().roots[screen];
    assert_eq!(
        (c.width, c.height),
        (
            u32::from(root.width_in_pixels),
            u32::from(root.height_in_pixels)
        )
    );
    assert_eq!(c.display_surface, DisplayCaptureSurfaceType::Monitor);
    // Xvfb has XFixes: the cursor can be drawn.
    assert_eq!(
        c.cursor,
        vec![
            CursorCaptureConstraint::Always,
            CursorCaptureConstraint::Motion,
            CursorCaptureConstraint::Never
        ]
    );
    // Stable ids: listing twice gives the same.
    assert_eq!(b.devices().unwrap()[screen].raw_id, d.raw_id);
}

/// The BGR of the pixel at (x, y).
fn bgr(f: &VideoFrame, x: u32, y: u32) -> [u8; 3] {
    let i = y as usize * f.stride(0) + x as usize * 4;
    let p = &f.plane(0)[i..i + 4];
    assert_eq!(p[3], 255, "opaque");
    [p[0], p[1], p[2]]
}

#[test]
fn captures_windows_of_known_colours_at_their_places() {
    let Some(b) = backend_or_skip("captures_windows_of_known_colours_at_their_places") else {
        return;
    };
    // A test client: three solid windows (red, green, blue) with known places.
    let (conn, screen_num) = connect();
    let screen = &conn.setup().roots[screen_num];
    let visual = screen
        .allowed_depths
        .iter()
        .flat_map(|d| &d.visuals)
        .find(|v| v.visual_id == screen.root_visual)
        .unwrap();
    let pixel = |r: u32, g: u32, b: u32| {
        let place = |v: u32, mask: u32| (v << mask.trailing_zeros()) & mask;
        place(r, visual.red_mask) | place(g, visual.green_mask) | place(b, visual.blue_mask)
    };
    let rects = [
        (100i16, 80i16, pixel(255, 0, 0), [0u8, 0, 255]),
        (300, 80, pixel(0, 255, 0), [0, 255, 0]),
        (500, 200, pixel(0, 0, 255), [255, 0, 0]),
    ];
    let mut windows = Vec::new();
    for (x, y, px, _) in rects {
        let w = conn.generate_id().unwrap();
        conn.create_window(
            screen.root_depth,
            w,
            screen.root,
            x,
            y,
            150,
            100,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &CreateWindowAux::new()
                .background_pixel(px)
                .override_redirect(1),
        )
        .unwrap();
        conn.map_window(w).unwrap();
        windows.push(w);
    }
    // After the round trip the server has mapped (and painted) the windows.
    conn.sync().unwrap();

    let d = &b.devices().unwrap()[screen_num];
    let sink = Arc::new(Collect::default());
    let t0 = clock::now_us();
    let mut src = b.open(&d.raw_id, &display(10.0), sink.clone()).unwrap();
    assert!(sink.frames_satisfy(|v| v.len() >= 3));
    src.stop();
    let frames = sink.video();
    for f in &frames {
        assert_eq!(f.format(), PixelFormat::Bgra);
        assert_eq!(
            (f.coded_width(), f.coded_height()),
            (
                u32::from(screen.width_in_pixels),
                u32::from(screen.height_in_pixels)
            )
        );
        assert!(f.timestamp() >= t0);
    }
    for w in frames.windows(2) {
        assert!(w[1].timestamp() > w[0].timestamp());
    }
    let f = frames.last().unwrap();
    for (x, y, _, want) in rects {
        let (x, y) = (x as u32, y as u32);
        // Inside, near the corners and the centre.
        for (dx, dy) in [(2, 2), (147, 2), (75, 50), (2, 97), (147, 97)] {
            assert_eq!(bgr(f, x + dx, y + dy), want, "at ({}, {})", x + dx, y + dy);
        }
        // Just outside the window: not its colour.
        assert_ne!(bgr(f, x - 2, y + 50), want);
        assert_ne!(bgr(f, x + 152, y + 50), want);
    }
    for w in windows {
        conn.destroy_window(w).unwrap();
    }
    conn.sync().unwrap();
}

#[test]
fn frame_rate_is_respected() {
    let Some(b) = backend_or_skip("frame_rate_is_respected") else {
        return;
    };
    let d = b.devices().unwrap().remove(0);
    let sink = Arc::new(Collect::default());
    let mut src = b.open(&d.raw_id, &display(5.0), sink.clone()).unwrap();
    // A real server runs in real time: no manual clock. Wait for frames, then check what
    // they say (not how many came in how long: that would be a timing assertion).
    sink.wait_video(4);
    src.stop();
    assert!(sink.events().is_empty(), "{:?}", sink.events());
    let frames = sink.video();
    for w in frames.windows(2) {
        assert!(w[1].timestamp() > w[0].timestamp());
    }
    // Each frame lasts one interval of the configured rate.
    assert!(frames.iter().all(|f| f.duration() == Some(200_000)));
    // After stop the capture thread is gone (it held the sink) and nothing more comes.
    sink.closed.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(Arc::strong_count(&sink), 1);
    assert_eq!(
        sink.calls_after_close
            .load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}

#[test]
fn open_errors() {
    let Some(b) = backend_or_skip("open_errors") else {
        return;
    };
    let d = b.devices().unwrap().remove(0);
    let sink = Arc::new(Collect::default());
    let err = |id: &str, c: NativeConfig| b.open(id, &c, sink.clone()).map(|_| ()).unwrap_err();
    assert_eq!(
        err("x11:nope:0", display(10.0)).kind,
        ErrorKind::NotFoundError
    );
    assert_eq!(
        err(&format!("{}9", d.raw_id), display(10.0)).kind,
        ErrorKind::NotFoundError
    );
    // Rates the screen does not admit cannot be read; no constraint is named.
    for fps in [120.0, 0.0, f64::NAN] {
        let e = err(&d.raw_id, display(fps));
        assert_eq!(e.kind, ErrorKind::NotReadableError, "{fps}: {e}");
        assert_eq!(e.constraint(), None);
    }
}

#[test]
fn unreachable_display_lists_nothing() {
    let b = X11Backend::with_display(":97531");
    assert!(b.devices().unwrap().is_empty());
}

/// Captures one frame with `cursor` after warping the pointer to (x, y).
fn frame_with_cursor(b: &X11Backend, id: &str, cursor: CursorCaptureConstraint) -> VideoFrame {
    let sink = Arc::new(Collect::default());
    let mut src = b
        .open(
            id,
            &NativeConfig::Display(DisplayConfig {
                frame_rate: 20.0,
                cursor,
            }),
            sink.clone(),
        )
        .unwrap();
    sink.wait_video(1);
    src.stop();
    sink.video().remove(0)
}

#[test]
fn the_cursor_is_drawn_when_asked() {
    let Some(b) = backend_or_skip("the_cursor_is_drawn_when_asked") else {
        return;
    };
    let (conn, screen_num) = connect();
    let root = conn.setup().roots[screen_num].root;
    let (x, y) = (700i16, 400i16);
    conn.warp_pointer(x11rb::NONE, root, 0, 0, 0, 0, x, y)
        .unwrap();
    conn.sync().unwrap();
    let id = b.devices().unwrap()[screen_num].raw_id.clone();
    let never = frame_with_cursor(&b, &id, CursorCaptureConstraint::Never);
    let always = frame_with_cursor(&b, &id, CursorCaptureConstraint::Always);
    // The cursor image lies around the pointer: pixels differ there, and only there.
    let differs = |x0: u32, y0: u32, w: u32, h: u32| {
        let mut n = 0;
        for yy in y0..y0 + h {
            for xx in x0..x0 + w {
                if bgr(&never, xx, yy) != bgr(&always, xx, yy) {
                    n += 1;
                }
            }
        }
        n
    };
    let near = differs(x as u32 - 32, y as u32 - 32, 64, 64);
    assert!(near > 10, "{near} pixels differ near the pointer");
    assert_eq!(
        differs(100, 100, 64, 64),
        0,
        "far from the pointer nothing differs"
    );
    drop(conn);
}

/// A private Xvfb, killed on drop.
struct PrivateX {
    child: std::process::Child,
    display: String,
}

impl PrivateX {
    /// Starts `Xvfb` with one screen of `size` and the `extra` arguments, on a free display
    /// number the server picks itself (`-displayfd`), so that test runs never collide.
    fn start(size: &str, extra: &[&str]) -> Option<PrivateX> {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", size, "-nolisten", "tcp"])
            .args(extra)
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
        let n = line.trim().parse::<u32>();
        let mut x = PrivateX {
            child,
            display: String::new(),
        };
        let (Some(Ok(_)), Ok(n)) = (read, n) else {
            let _ = x.child.kill();
            return None;
        };
        x.display = format!(":{n}");
        let b = X11Backend::with_display(&x.display);
        if common::eventually(|| !b.devices().unwrap().is_empty()) {
            Some(x)
        } else {
            let _ = x.child.kill();
            None
        }
    }
}

impl Drop for PrivateX {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_dying_server_ends_the_capture() {
    let required = std::env::var("MEDIACAPTURE_TEST_X11").is_ok_and(|v| v == "1");
    let Some(mut x) = PrivateX::start("320x240x24", &[]) else {
        assert!(
            !required,
            "MEDIACAPTURE_TEST_X11=1 but a private Xvfb did not start"
        );
        println!("skipped: a_dying_server_ends_the_capture: cannot start Xvfb");
        return;
    };
    let b = X11Backend::with_display(&x.display);
    let d = b.devices().unwrap().remove(0);
    assert_eq!(d.raw_id, format!("x11:{}:0", x.display));
    let sink = Arc::new(Collect::default());
    let mut src = b.open(&d.raw_id, &display(20.0), sink.clone()).unwrap();
    sink.wait_video(1);
    assert_eq!(sink.video()[0].coded_width(), 320);
    x.child.kill().unwrap();
    x.child.wait().unwrap();
    sink.wait_events(1);
    match &sink.events()[0].1 {
        mediacapture_hal::SourceEvent::Ended(Some(e)) => {
            assert_eq!(e.kind, ErrorKind::NotReadableError);
        }
        other => panic!("{other:?}"),
    }
    src.stop();
    assert!(
        b.devices().unwrap().is_empty(),
        "a dead display lists nothing"
    );
}

#[test]
fn randr_monitors_are_surfaces_of_their_own() {
    use x11rb::protocol::randr::{ConnectionExt as _, MonitorInfo};
    let required = std::env::var("MEDIACAPTURE_TEST_X11").is_ok_and(|v| v == "1");
    let Some(x) = PrivateX::start("640x240x24", &[]) else {
        assert!(
            !required,
            "MEDIACAPTURE_TEST_X11=1 but a private Xvfb did not start"
        );
        println!("skipped: randr_monitors_are_surfaces_of_their_own: cannot start Xvfb");
        return;
    };
    // A client that splits the screen into two monitors and paints them red and blue. It
    // stays connected: the server forgets the monitors when its last client leaves.
    let (conn, screen_num) = connect_to(Some(&x.display));
    let screen = &conn.setup().roots[screen_num];
    let mut windows = Vec::new();
    for (i, (name, px)) in [("LEFT", 0xff0000u32), ("RIGHT", 0x0000ff)]
        .into_iter()
        .enumerate()
    {
        let atom = conn
            .intern_atom(false, name.as_bytes())
            .unwrap()
            .reply()
            .unwrap()
            .atom;
        conn.randr_set_monitor(
            screen.root,
            MonitorInfo {
                name: atom,
                primary: i == 0,
                automatic: false,
                x: 320 * i as i16,
                y: 0,
                width: 320,
                height: 240,
                width_in_millimeters: 80,
                height_in_millimeters: 60,
                outputs: vec![],
            },
        )
        .unwrap();
        let w = conn.generate_id().unwrap();
        conn.create_window(
            screen.root_depth,
            w,
            screen.root,
            320 * i as i16,
            0,
            320,
            240,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &CreateWindowAux::new()
                .background_pixel(px)
                .override_redirect(1),
        )
        .unwrap();
        conn.map_window(w).unwrap();
        windows.push(w);
    }
    conn.sync().unwrap();

    let b = X11Backend::with_display(&x.display);
    let devices = b.devices().unwrap();
    let ids: Vec<_> = devices.iter().map(|d| d.raw_id.clone()).collect();
    let whole = format!("x11:{}:0", x.display);
    // The whole screen first, then every RandR monitor: ours, and Xvfb's own output
    // monitor ("screen") which spans the whole screen.
    assert_eq!(ids[0], whole);
    assert_eq!(
        ids[1..3],
        [format!("{whole}:LEFT"), format!("{whole}:RIGHT")]
    );
    assert!(ids[3..].iter().all(|i| i.starts_with(&format!("{whole}:"))));
    assert_eq!(devices[1].label, "Screen 1: LEFT");
    assert!(devices[0].is_default && !devices[1].is_default);
    for (id, want) in [(&ids[1], [0u8, 0, 255]), (&ids[2], [255, 0, 0])] {
        let NativeCapabilities::Display(c) = &devices
            .iter()
            .find(|d| &d.raw_id == id)
            .unwrap()
            .capabilities
        else {
            panic!()
        };
        assert_eq!((c.width, c.height), (320, 240));
        let f = frame_with_cursor(&b, id, CursorCaptureConstraint::Never);
        assert_eq!((f.coded_width(), f.coded_height()), (320, 240));
        for (px, py) in [(0, 0), (319, 0), (160, 120), (0, 239), (319, 239)] {
            assert_eq!(bgr(&f, px, py), want, "{id} at ({px}, {py})");
        }
    }
    let whole_frame = frame_with_cursor(&b, &whole, CursorCaptureConstraint::Never);
    assert_eq!(whole_frame.coded_width(), 640);
    assert_eq!(bgr(&whole_frame, 100, 100), [0, 0, 255]);
    assert_eq!(bgr(&whole_frame, 500, 100), [255, 0, 0]);
    let e = b
        .open(
            &format!("{whole}:MIDDLE"),
            &display(10.0),
            Arc::new(Collect::default()),
        )
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    drop(windows);
    drop(conn);
}

#[test]
fn whole_screen_capture_follows_a_resize() {
    use x11rb::protocol::randr::ConnectionExt as _;
    let required = std::env::var("MEDIACAPTURE_TEST_X11").is_ok_and(|v| v == "1");
    let Some(x) = PrivateX::start("640x480x24", &[]) else {
        assert!(
            !required,
            "MEDIACAPTURE_TEST_X11=1 but a private Xvfb did not start"
        );
        println!("skipped: whole_screen_capture_follows_a_resize: cannot start Xvfb");
        return;
    };
    let (conn, screen_num) = connect_to(Some(&x.display));
    let root = conn.setup().roots[screen_num].root;
    let b = X11Backend::with_display(&x.display);
    let id = format!("x11:{}:0", x.display);
    let sink = Arc::new(Collect::default());
    let mut src = b.open(&id, &display(20.0), sink.clone()).unwrap();
    sink.wait_video(1);
    assert_eq!(sink.video()[0].coded_width(), 640);
    conn.randr_query_version(1, 5).unwrap().reply().unwrap();
    // Turn the output off (its 640x480 mode would not fit), then shrink the screen.
    let res = conn
        .randr_get_screen_resources(root)
        .unwrap()
        .reply()
        .unwrap();
    for &crtc in &res.crtcs {
        conn.randr_set_crtc_config(
            crtc,
            res.timestamp,
            res.config_timestamp,
            0,
            0,
            0,
            x11rb::protocol::randr::Rotation::ROTATE0,
            &[],
        )
        .unwrap()
        .reply()
        .unwrap();
    }
    conn.randr_set_screen_size(root, 320, 240, 80, 60)
        .unwrap()
        .check()
        .unwrap();
    assert!(
        sink.frames_satisfy(|v| v
            .last()
            .is_some_and(|f| (f.coded_width(), f.coded_height()) == (320, 240))),
        "frames did not follow the new size"
    );
    src.stop();
    assert!(sink.events().is_empty(), "{:?}", sink.events());
    let NativeCapabilities::Display(c) = &b.devices().unwrap()[0].capabilities else {
        panic!()
    };
    assert_eq!((c.width, c.height), (320, 240));
    drop(conn);
}

/// A private Xvfb, or `None` (the test is skipped, unless `MEDIACAPTURE_TEST_X11=1`).
fn private_x_or_skip(test: &str, size: &str, extra: &[&str]) -> Option<PrivateX> {
    let required = std::env::var("MEDIACAPTURE_TEST_X11").is_ok_and(|v| v == "1");
    let x = PrivateX::start(size, extra);
    if x.is_none() {
        assert!(
            !required,
            "MEDIACAPTURE_TEST_X11=1 but a private Xvfb did not start"
        );
        println!("skipped: {test}: cannot start Xvfb");
    }
    x
}

/// Maps an override-redirect window of `rgb` at (x, y), `w` x `h`, and waits for the server.
fn solid_window(
    conn: &x11rb::rust_connection::RustConnection,
    screen_num: usize,
    (x, y, w, h): (i16, i16, u16, u16),
    rgb: (u32, u32, u32),
) -> u32 {
    let screen = &conn.setup().roots[screen_num];
    let visual = screen
        .allowed_depths
        .iter()
        .flat_map(|d| &d.visuals)
        .find(|v| v.visual_id == screen.root_visual)
        .unwrap();
    let place = |v: u32, mask: u32| (v << mask.trailing_zeros()) & mask;
    let px = place(rgb.0, visual.red_mask)
        | place(rgb.1, visual.green_mask)
        | place(rgb.2, visual.blue_mask);
    let win = conn.generate_id().unwrap();
    conn.create_window(
        screen.root_depth,
        win,
        screen.root,
        x,
        y,
        w,
        h,
        0,
        WindowClass::INPUT_OUTPUT,
        0,
        &CreateWindowAux::new()
            .background_pixel(px)
            .override_redirect(1),
    )
    .unwrap();
    conn.map_window(win).unwrap();
    conn.sync().unwrap();
    win
}

#[test]
fn a_still_screen_is_read_once_and_a_change_is_read_again() {
    let Some(x) = private_x_or_skip(
        "a_still_screen_is_read_once_and_a_change_is_read_again",
        "320x240x24",
        &[],
    ) else {
        return;
    };
    let (conn, screen_num) = connect_to(Some(&x.display));
    let b = X11Backend::with_display(&x.display);
    let id = format!("x11:{}:0", x.display);
    let sink = Arc::new(Collect::default());
    let mut src = b.open(&id, &display(30.0), sink.clone()).unwrap();
    // Nothing draws: frames keep coming at the rate, but the screen is not read again.
    const N: usize = 40;
    assert!(
        sink.frames_satisfy(|v| v.len() >= N),
        "only {} frames",
        sink.video().len()
    );
    let grabs = b.grab_count();
    let still = sink.video();
    assert!(grabs >= 1);
    assert!(
        grabs as usize * 4 <= still.len(),
        "{grabs} reads for {} frames of a still screen",
        still.len()
    );
    // Re-delivered frames share the pixels of the frame read: at most one buffer per read.
    let mut buffers: Vec<&Arc<[u8]>> = Vec::new();
    for f in &still {
        let data = f.buffer(0).unwrap();
        if !buffers.iter().any(|d| Arc::ptr_eq(d, data)) {
            buffers.push(data);
        }
    }
    assert!(buffers.len() as u64 <= grabs, "{} buffers", buffers.len());
    for w in still.windows(2) {
        assert!(w[1].timestamp() > w[0].timestamp());
        assert_eq!(w[1].plane(0), w[0].plane(0));
    }

    // A client draws: a frame showing it arrives, read afresh.
    let win = solid_window(&conn, screen_num, (50, 40, 100, 80), (255, 0, 0));
    assert!(
        sink.frames_satisfy(|v| v.last().is_some_and(|f| bgr(f, 100, 80) == [0, 0, 255])),
        "the red window never showed"
    );
    assert!(b.grab_count() > grabs);
    // And another change (a different colour at the same place) is seen too.
    conn.destroy_window(win).unwrap();
    let _win = solid_window(&conn, screen_num, (50, 40, 100, 80), (0, 255, 0));
    assert!(
        sink.frames_satisfy(|v| v.last().is_some_and(|f| bgr(f, 100, 80) == [0, 255, 0])),
        "the green window never showed"
    );
    src.stop();
    assert!(sink.events().is_empty(), "{:?}", sink.events());
    let f = sink.video().last().cloned().unwrap();
    // Outside the window: still the screen's own background, not the window's colour.
    assert_ne!(bgr(&f, 10, 10), [0, 255, 0]);
    drop(conn);
}

#[test]
fn without_damage_every_frame_is_read() {
    let Some(x) = private_x_or_skip(
        "without_damage_every_frame_is_read",
        "320x240x24",
        &["-extension", "DAMAGE"],
    ) else {
        return;
    };
    let b = X11Backend::with_display(&x.display);
    let id = format!("x11:{}:0", x.display);
    let sink = Arc::new(Collect::default());
    let mut src = b.open(&id, &display(30.0), sink.clone()).unwrap();
    assert!(sink.frames_satisfy(|v| v.len() >= 10));
    src.stop();
    let n = sink.video().len() as u64;
    // One read per frame delivered (a read whose frame came after the stop is not delivered).
    assert!(
        (n..=n + 1).contains(&b.grab_count()),
        "{} reads for {n} frames",
        b.grab_count()
    );
    assert!(sink.events().is_empty(), "{:?}", sink.events());
}

/// Whether the frame has any pixel other than `bg` in the `size`-pixel square centred at
/// (x, y).
fn marked_near(f: &VideoFrame, (x, y): (u32, u32), size: u32, bg: [u8; 3]) -> bool {
    let x0 = x.saturating_sub(size / 2);
    let y0 = y.saturating_sub(size / 2);
    (y0..(y0 + size).min(f.coded_height()))
        .any(|yy| (x0..(x0 + size).min(f.coded_width())).any(|xx| bgr(f, xx, yy) != bg))
}

#[test]
fn the_drawn_cursor_follows_the_pointer_on_a_still_screen() {
    let Some(x) = private_x_or_skip(
        "the_drawn_cursor_follows_the_pointer_on_a_still_screen",
        "320x240x24",
        &[],
    ) else {
        return;
    };
    let (conn, screen_num) = connect_to(Some(&x.display));
    let root = conn.setup().roots[screen_num].root;
    // A grey background everywhere: the cursor is what differs from it.
    let grey = [128u8, 128, 128];
    let _bg = solid_window(&conn, screen_num, (0, 0, 320, 240), (128, 128, 128));
    let warp = |px: i16, py: i16| {
        conn.warp_pointer(x11rb::NONE, root, 0, 0, 0, 0, px, py)
            .unwrap();
        conn.sync().unwrap();
    };
    let (a, bpos) = ((80u32, 60u32), (240u32, 180u32));
    warp(a.0 as i16, a.1 as i16);
    let b = X11Backend::with_display(&x.display);
    let id = format!("x11:{}:0", x.display);

    // "always": the cursor is drawn where the pointer is, and moves with it although
    // nothing on the screen itself changes.
    let sink = Arc::new(Collect::default());
    let mut src = b
        .open(
            &id,
            &NativeConfig::Display(DisplayConfig {
                frame_rate: 30.0,
                cursor: CursorCaptureConstraint::Always,
            }),
            sink.clone(),
        )
        .unwrap();
    assert!(
        sink.frames_satisfy(|v| v
            .last()
            .is_some_and(|f| { marked_near(f, a, 48, grey) && !marked_near(f, bpos, 48, grey) })),
        "no cursor at the first place"
    );
    warp(bpos.0 as i16, bpos.1 as i16);
    assert!(
        sink.frames_satisfy(|v| v
            .last()
            .is_some_and(|f| { !marked_near(f, a, 48, grey) && marked_near(f, bpos, 48, grey) })),
        "the cursor did not follow the pointer"
    );
    src.stop();
    assert!(sink.events().is_empty(), "{:?}", sink.events());

    // "motion": drawn after a move, then gone once the pointer rests, with no damage at all.
    let sink = Arc::new(Collect::default());
    let mut src = b
        .open(
            &id,
            &NativeConfig::Display(DisplayConfig {
                frame_rate: 30.0,
                cursor: CursorCaptureConstraint::Motion,
            }),
            sink.clone(),
        )
        .unwrap();
    // Move only once frames flow, and look at every frame since the move (not just the
    // newest): on a loaded machine the 1 s hold may be over before the test looks.
    sink.wait_video(1);
    let before = sink.video().len();
    warp(a.0 as i16, a.1 as i16);
    assert!(
        sink.frames_satisfy(|v| v.iter().skip(before).any(|f| marked_near(f, a, 48, grey))),
        "no cursor after a move"
    );
    assert!(
        sink.frames_satisfy(|v| v.last().is_some_and(|f| !marked_near(f, a, 48, grey))),
        "the cursor stayed although the pointer rested"
    );
    src.stop();
    assert!(sink.events().is_empty(), "{:?}", sink.events());
    drop(conn);
}

/// Sends `signal` (e.g. `"STOP"`) to process `pid`.
fn signal(pid: u32, signal: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill -{signal} {pid}");
}

/// Issue #13.2: an X server that stops answering (here: SIGSTOP) used to block the capture
/// thread in a reply wait forever, and whoever stopped the capture with it. Now the capture
/// mutes, then ends with a NotReadableError, and stop returns; listing devices returns too.
#[test]
fn a_server_that_stops_answering_mutes_then_ends_the_capture() {
    let Some(mut x) = private_x_or_skip(
        "a_server_that_stops_answering_mutes_then_ends_the_capture",
        "320x240x24",
        &[],
    ) else {
        return;
    };
    let pid = x.child.id();
    let b = X11Backend::with_display(&x.display);
    let id = format!("x11:{}:0", x.display);
    let sink = Arc::new(Collect::default());
    // The cursor is drawn: each tick asks the server for the cursor image (the request the
    // capture thread was stuck in), besides DAMAGE and the reads.
    let mut src = b
        .open(
            &id,
            &NativeConfig::Display(DisplayConfig {
                frame_rate: 20.0,
                cursor: CursorCaptureConstraint::Always,
            }),
            sink.clone(),
        )
        .unwrap();
    sink.wait("a first frame", |items| common::videos(items) >= 1);
    signal(pid, "STOP");
    sink.wait("Ended after the server stopped answering", |items| {
        items
            .iter()
            .any(|(_, i)| matches!(i, Item::Event(SourceEvent::Ended(_))))
    });
    let events: Vec<_> = sink.events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0], SourceEvent::Muted);
    match &events[1] {
        SourceEvent::Ended(Some(e)) => assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}"),
        other => panic!("{other:?}"),
    }
    // Nothing after Ended, and stop returns (the server is still stopped).
    assert!(matches!(
        sink.all().last(),
        Some((_, Item::Event(SourceEvent::Ended(_))))
    ));
    let (tx, rx) = std::sync::mpsc::channel();
    let stopper = std::thread::spawn(move || {
        src.stop();
        tx.send(()).ok();
    });
    let stopped = rx.recv_timeout(common::SAFETY);
    // A query of the stopped server returns too, with nothing.
    let (tx, rx) = std::sync::mpsc::channel();
    let query = {
        let b = b.clone();
        std::thread::spawn(move || {
            tx.send(b.devices().unwrap().len()).ok();
        })
    };
    let listed = rx.recv_timeout(common::SAFETY);
    signal(pid, "CONT");
    let _ = x.child.kill();
    assert!(stopped.is_ok(), "stop blocked on a silent server");
    assert_eq!(listed, Ok(0), "devices() of a silent server");
    stopper.join().unwrap();
    query.join().unwrap();
}

/// A server that stalls and comes back before the end bound: the capture mutes, then unmutes
/// and frames flow again.
#[test]
fn a_server_that_stalls_and_comes_back_mutes_then_unmutes() {
    let Some(x) = private_x_or_skip(
        "a_server_that_stalls_and_comes_back_mutes_then_unmutes",
        "320x240x24",
        &[],
    ) else {
        return;
    };
    let pid = x.child.id();
    // An end bound no test run reaches: the server is resumed once the mute was seen.
    let b = X11Backend::with_display(&x.display).with_stall_bounds(
        mediacapture_hal::x11::StallBounds {
            end_after: std::time::Duration::from_secs(600),
            ..Default::default()
        },
    );
    let id = format!("x11:{}:0", x.display);
    let sink = Arc::new(Collect::default());
    let mut src = b.open(&id, &display(20.0), sink.clone()).unwrap();
    sink.wait_video(1);
    signal(pid, "STOP");
    sink.wait_events(1);
    signal(pid, "CONT");
    sink.wait("Unmuted, then a frame", |items| {
        items
            .iter()
            .skip_while(|(_, i)| !matches!(i, Item::Event(SourceEvent::Unmuted)))
            .any(|(_, i)| matches!(i, Item::Video(_)))
    });
    src.stop();
    let events: Vec<_> = sink.events().into_iter().map(|(_, e)| e).collect();
    assert_eq!(events, [SourceEvent::Muted, SourceEvent::Unmuted]);
    // No frame while muted.
    let all = sink.all();
    let muted = all
        .iter()
        .position(|(_, i)| matches!(i, Item::Event(SourceEvent::Muted)))
        .unwrap();
    assert!(matches!(
        all[muted + 1].1,
        Item::Event(SourceEvent::Unmuted)
    ));
}

/// Maps a window of `rgb` at (x, y), `w` x `h`, as a window manager leaves the windows it
/// manages (`WM_STATE` NormalState; the test plays the window manager, Xvfb has none), with
/// title `title`, and waits for the server.
fn managed_window(
    conn: &x11rb::rust_connection::RustConnection,
    screen_num: usize,
    geometry: (i16, i16, u16, u16),
    rgb: (u32, u32, u32),
    title: &str,
) -> u32 {
    use x11rb::protocol::xproto::{AtomEnum, ChangeWindowAttributesAux, PropMode};
    let win = solid_window(conn, screen_num, geometry, rgb);
    // A normal (not override-redirect) window: remapped with the flag off.
    conn.unmap_window(win).unwrap();
    conn.change_window_attributes(win, &ChangeWindowAttributesAux::new().override_redirect(0))
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
        title.as_bytes(),
    )
    .unwrap();
    conn.map_window(win).unwrap();
    conn.sync().unwrap();
    win
}

fn window_surfaces(b: &X11Backend) -> Vec<mediacapture_hal::DeviceDescriptor> {
    b.devices()
        .unwrap()
        .into_iter()
        .filter(|d| {
            matches!(&d.capabilities, NativeCapabilities::Display(c)
                if c.display_surface == DisplayCaptureSurfaceType::Window)
        })
        .collect()
}

#[test]
fn window_capture_sees_the_window_follows_its_size_and_ends_with_it() {
    use x11rb::protocol::xproto::ConfigureWindowAux;
    let Some(x) = private_x_or_skip(
        "window_capture_sees_the_window_follows_its_size_and_ends_with_it",
        "320x240x24",
        &[],
    ) else {
        return;
    };
    let (conn, screen_num) = connect_to(Some(&x.display));
    let b = X11Backend::with_display(&x.display);
    // An override-redirect window (a menu, a tooltip) is no surface.
    let _menu = solid_window(&conn, screen_num, (0, 0, 30, 30), (0, 0, 255));
    assert!(window_surfaces(&b).is_empty());
    let win = managed_window(
        &conn,
        screen_num,
        (40, 30, 120, 90),
        (255, 0, 0),
        "Red window",
    );
    // A window over part of it: the capture reads the window's own contents.
    let _cover = solid_window(&conn, screen_num, (40, 30, 50, 40), (0, 255, 0));
    let windows = window_surfaces(&b);
    assert_eq!(windows.len(), 1, "{windows:?}");
    let d = &windows[0];
    assert_eq!(d.label, "Red window");
    assert_eq!(d.raw_id, format!("x11:{}:0:window:{win}", x.display));
    assert!(!d.is_default);
    let NativeCapabilities::Display(c) = &d.capabilities else {
        panic!()
    };
    assert_eq!((c.width, c.height), (120, 90));
    assert_eq!(c.cursor, vec![CursorCaptureConstraint::Never]);
    // The screen is still listed first, as the default.
    assert!(b.devices().unwrap()[0].is_default);

    let sink = Arc::new(Collect::default());
    let mut src = b.open(&d.raw_id, &display(30.0), sink.clone()).unwrap();
    let red = [0, 0, 255];
    assert!(
        sink.frames_satisfy(|v| v.last().is_some_and(|f| {
            (f.coded_width(), f.coded_height()) == (120, 90)
                && bgr(f, 60, 60) == red
                && bgr(f, 119, 89) == red
        })),
        "the red window never showed"
    );
    let f = sink.video().last().cloned().unwrap();
    assert_eq!(
        bgr(&f, 10, 10),
        red,
        "the covered corner is read from the window's own contents (Composite)"
    );

    // A resize: frames follow the window's new size, drawn in its colour.
    conn.configure_window(win, &ConfigureWindowAux::new().width(200).height(150))
        .unwrap();
    conn.sync().unwrap();
    assert!(
        sink.frames_satisfy(|v| v.last().is_some_and(|f| {
            (f.coded_width(), f.coded_height()) == (200, 150) && bgr(f, 199, 149) == red
        })),
        "frames did not follow the window's new size: {:?}",
        sink.video()
            .last()
            .map(|f| (f.coded_width(), f.coded_height()))
    );
    assert!(sink.events().is_empty(), "{:?}", sink.events());

    // Closing the window ends the capture, with no error.
    conn.destroy_window(win).unwrap();
    conn.sync().unwrap();
    sink.wait("Ended after the window closed", |items| {
        items
            .iter()
            .any(|(_, i)| matches!(i, Item::Event(SourceEvent::Ended(_))))
    });
    let events = sink.events();
    assert!(
        matches!(events.as_slice(), [(_, SourceEvent::Ended(None))]),
        "{events:?}"
    );
    src.stop();
    assert!(window_surfaces(&b).is_empty());
    // A window id that is not (or no longer) a window is NotFoundError.
    let e = b
        .open(&d.raw_id, &display(30.0), Arc::new(Collect::default()))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    drop(conn);
}
