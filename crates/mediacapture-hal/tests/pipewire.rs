//! The PipeWire camera backend against a real, private PipeWire + WirePlumber (started and
//! stopped by `scripts/pipewire-stack.sh` for each test) with test cameras made by
//! GStreamer's `pipewiresink`. Skipped with a printed line only when a component of the
//! stack is not installed.
#![cfg(feature = "pipewire")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::{Collect, Item, SAFETY};
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_hal::pipewire::PipeWireBackend;
use mediacapture_hal::{Backend, ErrorKind, NativeCapabilities, NativeConfig, SourceEvent};
use mediacapture_test_support::stack::Stack;
use mediacapture_types::MediaDeviceKind;
use mediacapture_types::native::VideoMode;
use std::sync::Arc;
use std::sync::mpsc;

/// Adds the test camera `name` to `stack`; `false` when GStreamer's pipewiresink is missing.
fn camera(stack: &Stack, name: &str, format: &str, w: u32, h: u32, fps: u32) -> bool {
    let (w, h, fps) = (w.to_string(), h.to_string(), fps.to_string());
    stack.run(&["camera", name, format, &w, &h, &fps]).is_some()
}

fn backend(stack: &Stack) -> PipeWireBackend {
    PipeWireBackend::with_remote(stack.pipewire_socket())
}

fn modes(b: &PipeWireBackend, raw: &str) -> Vec<VideoMode> {
    let d = b.devices().unwrap();
    let d = d
        .iter()
        .find(|d| d.raw_id == raw)
        .unwrap_or_else(|| panic!("{raw} not listed in {d:?}"));
    assert_eq!(d.kind, MediaDeviceKind::VideoInput);
    match &d.capabilities {
        NativeCapabilities::Video(v) => v.modes.clone(),
        c => panic!("not a camera: {c:?}"),
    }
}

/// Luma at (x, y) of a frame in a YUV format.
fn luma(f: &VideoFrame, x: usize, y: usize) -> u8 {
    let stride = f.planes()[0].stride;
    match f.format() {
        PixelFormat::Yuyv => f.plane(0)[y * stride + 2 * x],
        PixelFormat::I420 | PixelFormat::Nv12 => f.plane(0)[y * stride + x],
        other => panic!("no luma for {other:?}"),
    }
}

/// videotestsrc's default pattern: SMPTE colour bars, white (75 %) on the left, blue on the
/// right of the top two thirds.
fn assert_colour_bars(f: &VideoFrame) {
    let (w, h) = (f.coded_width() as usize, f.coded_height() as usize);
    let (left, right) = (luma(f, w / 14, h / 3), luma(f, w * 13 / 14, h / 3));
    assert!(
        left > 150 && right < 60,
        "not the colour bars: luma {left} left, {right} right"
    );
}

#[test]
fn cameras_are_listed_with_their_modes_and_open_in_the_chosen_one() {
    let test = "cameras_are_listed_with_their_modes_and_open_in_the_chosen_one";
    let Some(stack) = Stack::up(test, "mc-pipewire", &[&["start"]]) else {
        return;
    };
    if !camera(&stack, "pwcam-a", "YUY2", 640, 480, 30)
        || !camera(&stack, "pwcam-b", "I420", 320, 240, 15)
    {
        println!("skipped: {test}: GStreamer's pipewiresink is not installed");
        return;
    }
    let b = backend(&stack);
    let a_modes = modes(&b, "pipewire:pwcam-a");
    let b_modes = modes(&b, "pipewire:pwcam-b");
    let mode = |width, height, frame_rate| VideoMode {
        width,
        height,
        frame_rate,
    };
    assert_eq!(a_modes, [mode(640, 480, 30.0)]);
    assert_eq!(b_modes, [mode(320, 240, 15.0)]);
    let devices = b.devices().unwrap();
    assert_eq!(devices.iter().filter(|d| d.is_default).count(), 1);
    let labels: Vec<&str> = devices.iter().map(|d| d.label.as_str()).collect();
    assert!(labels.contains(&"Test-camera-pwcam-b"), "{labels:?}");

    for (raw, m, format) in [
        ("pipewire:pwcam-b", b_modes[0], PixelFormat::I420),
        ("pipewire:pwcam-a", a_modes[0], PixelFormat::Yuyv),
    ] {
        let sink = Arc::new(Collect::default());
        let mut src = b.open(raw, &NativeConfig::Video(m), sink.clone()).unwrap();
        sink.wait_video(3);
        src.stop();
        let frames = sink.video();
        for f in &frames {
            assert_eq!(f.format(), format);
            assert_eq!((f.coded_width(), f.coded_height()), (m.width, m.height));
        }
        assert_colour_bars(&frames[0]);
        assert!(
            frames
                .windows(2)
                .all(|w| w[0].timestamp() < w[1].timestamp()),
            "timestamps increase"
        );
        assert!(sink.events().is_empty(), "{:?}", sink.events());
    }

    // A mode the camera does not have cannot be read; an unknown camera is not found.
    let sink = Arc::new(Collect::default());
    let e = b
        .open(
            "pipewire:pwcam-a",
            &NativeConfig::Video(mode(1280, 720, 30.0)),
            sink.clone(),
        )
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReadableError);
    let e = b
        .open("pipewire:nope", &NativeConfig::Video(a_modes[0]), sink)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
}

#[test]
fn a_camera_going_away_ends_its_track_and_changes_the_device_list() {
    let test = "a_camera_going_away_ends_its_track_and_changes_the_device_list";
    let Some(stack) = Stack::up(test, "mc-pipewire", &[&["start"]]) else {
        return;
    };
    if !camera(&stack, "pwcam-gone", "YUY2", 320, 240, 30) {
        println!("skipped: {test}: GStreamer's pipewiresink is not installed");
        return;
    }
    let b = backend(&stack);
    let (tx, rx) = mpsc::channel::<()>();
    let tx = std::sync::Mutex::new(tx);
    b.watch_devices(Arc::new(move || {
        let _ = tx.lock().unwrap().send(());
    }));
    let m = modes(&b, "pipewire:pwcam-gone")[0];
    let sink = Arc::new(Collect::default());
    let _src = b
        .open("pipewire:pwcam-gone", &NativeConfig::Video(m), sink.clone())
        .unwrap();
    sink.wait_video(1);

    // A camera coming is a device change.
    assert!(camera(&stack, "pwcam-new", "NV12", 320, 240, 30));
    rx.recv_timeout(SAFETY)
        .expect("no devicechange for a new camera");
    while rx.try_recv().is_ok() {}
    assert!(modes(&b, "pipewire:pwcam-new").contains(&VideoMode {
        width: 320,
        height: 240,
        frame_rate: 30.0
    }));

    // The open one going away ends its track (NotFoundError) and is a device change.
    assert!(stack.run(&["uncamera", "pwcam-gone"]).is_some());
    sink.wait("the track to end", |items| {
        items
            .iter()
            .any(|(_, i)| matches!(i, Item::Event(SourceEvent::Ended(_))))
    });
    let ended: Vec<SourceEvent> = sink.events().into_iter().map(|(_, e)| e).collect();
    match &ended[..] {
        [SourceEvent::Ended(Some(e))] => assert_eq!(e.kind, ErrorKind::NotFoundError, "{e}"),
        other => panic!("expected one Ended(NotFoundError), got {other:?}"),
    }
    rx.recv_timeout(SAFETY)
        .expect("no devicechange for a camera gone");
    let raw: Vec<String> = b.devices().unwrap().into_iter().map(|d| d.raw_id).collect();
    assert_eq!(raw, ["pipewire:pwcam-new"]);
}

#[test]
fn no_daemon_means_no_devices_and_opening_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let b = PipeWireBackend::with_remote(dir.path().join("pipewire-0").display().to_string());
    assert!(b.devices().unwrap().is_empty());
    let e = b
        .open(
            "pipewire:cam",
            &NativeConfig::Video(VideoMode {
                width: 640,
                height: 480,
                frame_rate: 30.0,
            }),
            Arc::new(Collect::default()),
        )
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
}
