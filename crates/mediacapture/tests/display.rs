//! getDisplayMedia (screen-capture spec, "MediaDevices Additions", downscaling rules).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{DisplayMediaStreamOptions, ErrorKind, PermissionName, PermissionState};

fn gdm(
    md: &mediacapture::MediaDevices,
    json: &str,
) -> mediacapture::Result<mediacapture::MediaStream> {
    block_on(md.get_display_media(DisplayMediaStreamOptions::from_json(json)?))
}

#[test]
fn type_errors_from_the_synchronous_checks() {
    let md = devices();
    for c in [
        r#"{"video":false}"#,
        r#"{"video":false,"audio":true}"#,
        r#"{"video":{"advanced":[{"width":100}]}}"#,
        r#"{"video":{"width":{"min":100}}}"#,
        r#"{"video":{"width":{"exact":640}}}"#,
        r#"{"video":{"frameRate":{"min":1}}}"#,
    ] {
        let e = gdm(&md, c).expect_err(c);
        assert_eq!(e.kind, ErrorKind::TypeError, "{c}: {e}");
    }
}

#[test]
fn max_below_the_floor_is_overconstrained() {
    let md = devices();
    let e = gdm(&md, r#"{"video":{"width":{"max":0}}}"#).unwrap_err();
    assert_eq!(e.constraint(), Some("width"));
}

#[test]
fn defaults_capture_the_whole_screen_as_monitor() {
    let md = devices();
    let s = gdm(&md, r#"{}"#).unwrap();
    assert_eq!(s.get_video_tracks().len(), 1);
    let st = s.get_video_tracks()[0].get_settings();
    assert_eq!((st.width, st.height), (Some(1920), Some(1080)));
    let v = serde_json::to_value(&st).unwrap();
    assert_eq!(v["displaySurface"], "monitor");
    assert!(v.get("facingMode").is_none());
    assert!(v.get("deviceId").is_some());
}

#[test]
fn max_width_downscales_without_cropping() {
    let md = devices();
    let s = gdm(&md, r#"{"video":{"width":{"max":960}}}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    let st = t.get_settings();
    assert_eq!(
        (st.width, st.height),
        (Some(960), Some(540)),
        "aspect ratio kept"
    );
    let frames = t.video_frames();
    let f = frames
        .recv_timeout(std::time::Duration::from_secs(3))
        .expect("a frame");
    assert_eq!((f.display_width(), f.display_height()), (960, 540));
}

#[test]
fn display_surface_is_only_a_preference() {
    let md = devices();
    let s = gdm(&md, r#"{"video":{"displaySurface":"window"}}"#).unwrap();
    let v = serde_json::to_value(s.get_video_tracks()[0].get_settings()).unwrap();
    assert_eq!(
        v["displaySurface"], "monitor",
        "the only surface is taken anyway"
    );
}

#[test]
fn audio_requested_gives_at_most_one_audio_track() {
    let md = devices();
    let s = gdm(&md, r#"{"audio":true}"#).unwrap();
    assert_eq!(s.get_video_tracks().len(), 1);
    assert!(s.get_audio_tracks().len() <= 1);
}

#[test]
fn denied_and_refused_are_not_allowed_and_grants_are_never_stored() {
    let md = builder()
        .permission(PermissionName::DisplayCapture, PermissionState::Denied)
        .build();
    assert_eq!(gdm(&md, "{}").unwrap_err().kind, ErrorKind::NotAllowedError);

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let asked = Arc::new(AtomicUsize::new(0));
    let a = asked.clone();
    let md = builder()
        .permission(PermissionName::DisplayCapture, PermissionState::Prompt)
        .prompt(move |_| a.fetch_add(1, Ordering::SeqCst) == 0)
        .build();
    assert!(gdm(&md, "{}").is_ok());
    assert_eq!(
        md.permission(PermissionName::DisplayCapture),
        PermissionState::Prompt
    );
    assert_eq!(gdm(&md, "{}").unwrap_err().kind, ErrorKind::NotAllowedError);
    assert_eq!(asked.load(Ordering::SeqCst), 2, "asked every time");
}

#[test]
fn no_screen_is_not_found() {
    let (md, _) = devices_with_profile(
        r#"{"devices":[{"kind":"videoinput","label":"Cam","modes":[{"width":640,"height":480,"frameRate":30}]}]}"#,
    );
    assert_eq!(gdm(&md, "{}").unwrap_err().kind, ErrorKind::NotFoundError);
}

#[test]
fn display_surface_reorders_the_choice() {
    let (md, _) = devices_with_profile(
        r#"{"devices":[
            {"kind":"screen","label":"Whole screen","width":1280,"height":720,"frameRate":30},
            {"kind":"screen","label":"A window","width":640,"height":480,"frameRate":30,"displaySurface":"window"}
        ]}"#,
    );
    let label = |json: &str| {
        gdm(&md, json).unwrap().get_video_tracks()[0]
            .label()
            .to_string()
    };
    assert_eq!(label("{}"), "Whole screen");
    assert_eq!(
        label(r#"{"video":{"displaySurface":"window"}}"#),
        "A window"
    );
    assert_eq!(
        label(r#"{"video":{"displaySurface":{"ideal":["window","monitor"]}}}"#),
        "A window"
    );
    assert_eq!(
        label(r#"{"video":{"displaySurface":"browser"}}"#),
        "Whole screen"
    );
}
