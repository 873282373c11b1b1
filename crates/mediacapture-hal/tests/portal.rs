//! Screen capture through the xdg-desktop-portal ScreenCast interface on a private headless
//! sway session (`scripts/pipewire-stack.sh start` + `sway`). Skipped with a printed line
//! only when a component is not installed or cannot be built.
#![cfg(feature = "portal")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::Collect;
use mediacapture_frame::PixelFormat;
use mediacapture_hal::pipewire::portal::{ScreenCastRequest, open_screencast};
use mediacapture_hal::{NativeConfig, Source};
use mediacapture_test_support::stack::Stack;
use mediacapture_types::native::DisplayConfig;
use mediacapture_types::{CursorCaptureConstraint, DisplayCaptureSurfaceType};
use std::sync::Arc;

#[test]
fn the_portal_grants_the_sway_screen_as_bgra_frames() {
    let test = "the_portal_grants_the_sway_screen_as_bgra_frames";
    let Some(stack) = Stack::up(test, "mc-sway", &[&["start"], &["sway"]]) else {
        return;
    };
    let address = stack.bus_address();
    let sink = Arc::new(Collect::default());
    let req = ScreenCastRequest {
        bus: Some(address),
        surface: Some(DisplayCaptureSurfaceType::Monitor),
        cursor: CursorCaptureConstraint::Never,
        max_frame_rate: 30.0,
    };
    let config = NativeConfig::Display(DisplayConfig {
        frame_rate: 30.0,
        cursor: CursorCaptureConstraint::Never,
    });
    let mut src: Box<dyn Source> = open_screencast(req, config, sink.clone()).unwrap();
    sink.wait_video(5);
    src.stop();
    let frames = sink.video();
    for f in &frames {
        assert_eq!(f.format(), PixelFormat::Bgra);
        // sway.conf sets the headless output to 1280x720.
        assert_eq!((f.coded_width(), f.coded_height()), (1280, 720));
    }
    // Not a blank screen: the terminal drew something.
    let px = frames.last().unwrap().plane(0);
    assert!(
        px.chunks(4).any(|p| p[..3] != px[..3]),
        "the screen cast shows a uniform screen"
    );
}

#[test]
fn cameras_come_through_the_camera_portal_once_granted_and_not_when_refused() {
    use mediacapture_hal::pipewire::PipeWireBackend;
    use mediacapture_hal::{Backend, ErrorKind};
    use mediacapture_types::native::VideoMode;
    let test = "cameras_come_through_the_camera_portal_once_granted_and_not_when_refused";
    let Some(stack) = Stack::up(
        test,
        "mc-campt",
        &[
            &["start"],
            &["sway"],
            &["camera", "portalcam", "YUY2", "320", "240", "30"],
        ],
    ) else {
        return;
    };
    let address = stack.bus_address();
    let address = address.as_str();

    // Granted (the user said yes once): the camera is listed with its mode and streams.
    assert!(stack.run(&["camera-permission", "yes"]).is_some());
    let backend = PipeWireBackend::via_camera_portal_on_bus(address);
    let devices = backend.devices().unwrap();
    let cam = devices
        .iter()
        .find(|d| d.raw_id == "pipewire:portalcam")
        .unwrap_or_else(|| panic!("the portal shows the camera: {devices:?}"));
    let mode = VideoMode {
        width: 320,
        height: 240,
        frame_rate: 30.0,
    };
    assert!(
        cam.capabilities.admits(&NativeConfig::Video(mode)),
        "{cam:?}"
    );
    let sink = Arc::new(Collect::default());
    let mut src = backend
        .open(&cam.raw_id, &NativeConfig::Video(mode), sink.clone())
        .unwrap();
    sink.wait_video(5);
    src.stop();
    for f in sink.video() {
        assert_eq!(f.format(), PixelFormat::Yuyv);
        assert_eq!((f.coded_width(), f.coded_height()), (320, 240));
    }

    // Refused: nothing is listed, and opening is NotAllowedError.
    assert!(stack.run(&["camera-permission", "no"]).is_some());
    let refused = PipeWireBackend::via_camera_portal_on_bus(address);
    assert!(refused.devices().unwrap().is_empty());
    let e = refused
        .open("pipewire:portalcam", &NativeConfig::Video(mode), sink)
        .err()
        .expect("refused");
    assert_eq!(e.kind, ErrorKind::NotAllowedError, "{e}");
}
