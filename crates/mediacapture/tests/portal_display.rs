//! getDisplayMedia through the xdg-desktop-portal ScreenCast interface on a private headless
//! sway session (`scripts/pipewire-stack.sh start` + `sway`; see that script for the screen's
//! known content: a borderless terminal of background #2060c0 redrawing the time on its first
//! line). Each test starts its own stack; one is skipped with a printed line only when a
//! component is not installed or cannot be built.
#![cfg(feature = "portal")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{
    DisplayMediaStreamOptions, ErrorKind, MediaDevices, MediaStreamTrack, MediaStreamTrackState,
    MediaTrackConstraints, TrackEvent,
};
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_hal::pipewire::PortalBackend;
use mediacapture_test_support::stack::Stack;

/// The terminal's background, as RGB.
const BACKGROUND: [u8; 3] = [0x20, 0x60, 0xc0];

/// The stack with sway and the portal, or `None` (after printing why) when a component
/// cannot run here. `mode`: `refuse` (every cast is refused) or `count` (the portal's
/// chooser counts its runs: [`Stack::chooser_runs`]), see `pipewire-stack.sh`.
fn sway(test: &str, mode: Option<&str>) -> Option<Stack> {
    let mut sway = vec!["sway"];
    sway.extend(mode);
    Stack::up(test, "mc-gdm", &[&["start"], &sway])
}

/// The stack with a test pattern cast as a 640x360 screen by a stand-in for a desktop's
/// ScreenCast backend, which can end the cast as a desktop's "stop sharing" does (see
/// `pipewire-stack.sh fakecast`), or `None` (after printing why).
fn fakecast(test: &str) -> Option<Stack> {
    Stack::up(
        test,
        "mc-gdmfk",
        &[
            &["start"],
            &["camera", "fakescreen", "BGRx", "640", "360", "30"],
            &["fakecast", "fakescreen", "640", "360"],
        ],
    )
}

fn portal_devices(stack: &Stack) -> MediaDevices {
    MediaDevices::builder()
        .origin("https://example.com")
        .salt(SALT)
        .backend(PortalBackend::with_bus(stack.bus_address()))
        .build()
}

fn gdm(md: &MediaDevices, json: &str) -> mediacapture::Result<mediacapture::MediaStream> {
    block_on(md.get_display_media(DisplayMediaStreamOptions::from_json(json).unwrap()))
}

fn settings(t: &MediaStreamTrack) -> serde_json::Value {
    serde_json::to_value(t.get_settings()).unwrap()
}

/// The next frame of `track`, as RGBA rows.
fn rgba(track: &MediaStreamTrack) -> VideoFrame {
    let frames = track.video_frames();
    let f = frames.recv_timeout(SAFETY).expect("a frame");
    mediacapture_frame::convert(&f, PixelFormat::Rgba).unwrap()
}

fn pixel(f: &VideoFrame, x: u32, y: u32) -> [u8; 3] {
    let stride = f.stride(0);
    let i = y as usize * stride + x as usize * 4;
    let p = &f.plane(0)[i..i + 3];
    [p[0], p[1], p[2]]
}

fn near(a: [u8; 3], b: [u8; 3], tolerance: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tolerance)
}

/// The rightmost column, in the top `band` rows, with a pixel far from the background (the
/// end of the terminal's line of text); `None` when the band is all background.
fn text_end(f: &VideoFrame, band: u32) -> Option<u32> {
    (0..f.coded_width())
        .rev()
        .find(|&x| (0..band).any(|y| !near(pixel(f, x, y), BACKGROUND, 40)))
}

/// Whether every pixel of rows `from..` is the background colour (within `tolerance`).
fn background_below(f: &VideoFrame, from: u32, tolerance: u8) -> bool {
    (from..f.coded_height())
        .all(|y| (0..f.coded_width()).all(|x| near(pixel(f, x, y), BACKGROUND, tolerance)))
}

#[test]
fn the_sway_screen_is_captured_scaled_without_cropping_and_ends_with_the_cast() {
    let test = "the_sway_screen_is_captured_scaled_without_cropping_and_ends_with_the_cast";
    let Some(stack) = sway(test, None) else {
        return;
    };
    let md = portal_devices(&stack);

    // The whole screen, at its size (sway's headless output is 1280x720).
    let full = gdm(&md, r#"{"video":true}"#).unwrap();
    let track = full.get_video_tracks()[0].clone();
    let st = settings(&track);
    assert_eq!(st["displaySurface"], "monitor");
    assert_eq!(
        (st["width"].as_u64(), st["height"].as_u64()),
        (Some(1280), Some(720))
    );
    let f = rgba(&track);
    assert_eq!((f.coded_width(), f.coded_height()), (1280, 720));
    // The terminal's colour under its first line, and its line of text at the top left.
    assert!(
        background_below(&f, 100, 2),
        "the screen is not the terminal's background"
    );
    let end_full = text_end(&f, 40).expect("the terminal's line of text");
    assert!(
        end_full > 20 && end_full < 640,
        "text ends at x = {end_full}"
    );
    track.stop();

    // width <= 640: the same picture at 640x360, the text line half as long (a crop would
    // keep its length or cut it off).
    let scaled = gdm(&md, r#"{"video":{"width":{"max":640}}}"#).unwrap();
    let track = scaled.get_video_tracks()[0].clone();
    let st = settings(&track);
    assert_eq!(
        (st["width"].as_u64(), st["height"].as_u64()),
        (Some(640), Some(360))
    );
    let f = rgba(&track);
    assert_eq!((f.coded_width(), f.coded_height()), (640, 360));
    // Scaled through I420: the colour within its rounding.
    assert!(
        background_below(&f, 50, 6),
        "the scaled screen is not the terminal"
    );
    let end_scaled = text_end(&f, 20).expect("the text line, scaled");
    assert!(
        end_scaled.abs_diff(end_full / 2) <= 3,
        "text ends at x = {end_scaled} scaled, {end_full} in full"
    );

    // The cast stopped outside this process (its portal backend quit, taking the stream's
    // PipeWire node away): the track ends.
    let mut events = track.events();
    assert!(stack.run(&["unportal"]).is_some());
    assert_eq!(
        block_on(futures_util::StreamExt::next(&mut events)),
        Some(TrackEvent::Ended)
    );
    assert_eq!(track.ready_state(), MediaStreamTrackState::Ended);
}

#[test]
fn a_refusal_in_the_portal_is_not_allowed_error() {
    let test = "a_refusal_in_the_portal_is_not_allowed_error";
    let Some(stack) = sway(test, Some("refuse")) else {
        return;
    };
    let md = portal_devices(&stack);
    let e = gdm(&md, r#"{"video":true}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError, "{e}");
}

#[test]
fn apply_constraints_reopening_the_cast_does_not_ask_the_portal_again() {
    let test = "apply_constraints_reopening_the_cast_does_not_ask_the_portal_again";
    let Some(stack) = sway(test, Some("count")) else {
        return;
    };
    let md = portal_devices(&stack);
    let s = gdm(&md, r#"{"video":{"frameRate":10}}"#).unwrap();
    let track = s.get_video_tracks()[0].clone();
    assert_eq!(
        stack.chooser_runs(),
        1,
        "getDisplayMedia shows the portal's dialog"
    );
    assert_eq!(settings(&track)["frameRate"].as_f64(), Some(10.0));
    let f = rgba(&track);
    assert_eq!((f.coded_width(), f.coded_height()), (1280, 720));

    // 25 fps is more than the cast runs at: the source is reopened at 25 fps, on the grant
    // the user gave (Chromium: the user picks once, for the track's life).
    let c = MediaTrackConstraints::from_json(r#"{"frameRate":25}"#).unwrap();
    block_on(track.apply_constraints(c)).unwrap();
    assert_eq!(settings(&track)["frameRate"].as_f64(), Some(25.0));
    let f = rgba(&track);
    assert_eq!((f.coded_width(), f.coded_height()), (1280, 720));
    assert!(
        background_below(&f, 100, 2),
        "the reopened cast is not the screen"
    );
    assert_eq!(
        stack.chooser_runs(),
        1,
        "applyConstraints showed the portal's dialog again"
    );
    assert_eq!(track.ready_state(), MediaStreamTrackState::Live);

    // A new getDisplayMedia is a new choice: the dialog shows again (the count is honest).
    let again = gdm(&md, r#"{"video":true}"#).unwrap();
    assert_eq!(stack.chooser_runs(), 2);
    again.get_video_tracks()[0].stop();
    track.stop();
}

#[test]
fn the_portal_closing_the_session_ends_the_track() {
    let test = "the_portal_closing_the_session_ends_the_track";
    let Some(stack) = fakecast(test) else {
        return;
    };
    let md = portal_devices(&stack);
    let s = gdm(&md, r#"{"video":true}"#).unwrap();
    let track = s.get_video_tracks()[0].clone();
    let st = settings(&track);
    assert_eq!(
        (st["width"].as_u64(), st["height"].as_u64()),
        (Some(640), Some(360))
    );
    let f = rgba(&track);
    assert_eq!((f.coded_width(), f.coded_height()), (640, 360));
    let mut events = track.events();

    // The desktop ends the cast (the user clicked "stop sharing"): xdg-desktop-portal closes
    // the session and says so (Session::Closed). The track ends, with no error: nothing
    // failed. The PipeWire node stays (it is not the portal's): the signal alone ends it.
    assert!(stack.run(&["closecast"]).is_some());
    assert_eq!(
        block_on(futures_util::StreamExt::next(&mut events)),
        Some(TrackEvent::Ended)
    );
    assert_eq!(track.ready_state(), MediaStreamTrackState::Ended);

    // The portal still works: a new getDisplayMedia is granted a new session.
    let again = gdm(&md, r#"{"video":true}"#).unwrap();
    let f = rgba(&again.get_video_tracks()[0]);
    assert_eq!((f.coded_width(), f.coded_height()), (640, 360));
}
