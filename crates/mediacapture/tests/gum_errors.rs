//! Every getUserMedia error path, in the spec's order ("MediaDevices Interface Extensions",
//! getUserMedia steps and the NotFound / Constraint / Permission failure steps).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{ErrorKind, PermissionName, PermissionState, PermissionsPolicy};

fn err(md: &mediacapture::MediaDevices, json: &str) -> mediacapture::Error {
    gum(md, json).expect_err(json)
}

#[test]
fn step1_nothing_requested_is_type_error() {
    let md = devices();
    for c in [
        r#"{}"#,
        r#"{"video":false}"#,
        r#"{"audio":false,"video":false}"#,
        r#"{"doesnotexist":true}"#,
    ] {
        assert_eq!(err(&md, c).kind, ErrorKind::TypeError, "{c}");
    }
}

#[test]
fn malformed_constraint_json_is_type_error_naming_the_member() {
    let md = devices();
    // WebIDL: a sequence member given a non-object throws TypeError.
    let e = err(&md, r#"{"video":{"advanced":5}}"#);
    assert_eq!(e.kind, ErrorKind::TypeError);
    assert!(e.message.contains("advanced"), "{}", e.message);
    // ...while a string for a [Clamp] unsigned long converts (ToNumber gives NaN, clamped
    // to 0) exactly as a browser does: no error.
    assert!(gum(&md, r#"{"video":{"width":"wide"}}"#).is_ok());
    assert_eq!(err(&md, r#"{"video":"#).kind, ErrorKind::TypeError);
}

#[test]
fn step3_permissions_policy_is_not_allowed_before_anything_else() {
    let md = builder()
        .policy(PermissionsPolicy {
            camera: false,
            ..Default::default()
        })
        .build();
    // Even impossible constraints fail with NotAllowedError: the policy check comes first.
    let e = err(&md, r#"{"video":{"width":{"exact":99999}}}"#);
    assert_eq!(e.kind, ErrorKind::NotAllowedError);
    assert!(gum(&md, r#"{"audio":true}"#).is_ok());
}

#[test]
fn not_found_when_no_device_of_the_kind() {
    let (md, _) = devices_with_profile(
        r#"{"devices":[{"kind":"audioinput","label":"Mic","sampleRate":[48000],"channelCount":[1]}]}"#,
    );
    assert_eq!(err(&md, r#"{"video":true}"#).kind, ErrorKind::NotFoundError);
    // NotFound comes before the disallowed-required-constraint TypeError.
    assert_eq!(
        err(&md, r#"{"video":{"backgroundBlur":{"exact":true}}}"#).kind,
        ErrorKind::NotFoundError
    );
}

#[test]
fn disallowed_required_constraint_is_type_error() {
    let md = devices();
    let e = err(&md, r#"{"video":{"backgroundBlur":{"exact":true}}}"#);
    assert_eq!(e.kind, ErrorKind::TypeError);
    // As a bare value (ideal) it is fine.
    assert!(gum(&md, r#"{"video":{"backgroundBlur":true}}"#).is_ok());
}

#[test]
fn constraints_for_the_other_kind_are_ignored_even_if_required() {
    let md = devices();
    let s = gum(&md, r#"{"video":{"sampleRate":{"exact":1}}}"#).unwrap();
    assert_eq!(s.get_video_tracks().len(), 1);
}

#[test]
fn overconstrained_hides_the_constraint_until_information_can_be_exposed() {
    let md = devices();
    let e = err(&md, r#"{"video":{"width":{"min":4000}}}"#);
    assert_eq!(e.constraint(), Some(""), "hidden before exposure: {e}");
    // After a successful call, camera information can be exposed: the name is given.
    let _s = gum(&md, r#"{"video":true}"#).unwrap();
    let e = err(&md, r#"{"video":{"width":{"min":4000}}}"#);
    assert_eq!(e.constraint(), Some("width"));
    let e = err(&md, r#"{"video":{"deviceId":{"exact":"nope"}}}"#);
    assert_eq!(e.constraint(), Some("deviceId"));
}

#[test]
fn denied_permission_turns_not_found_and_overconstrained_into_not_allowed() {
    let md = builder()
        .permission(PermissionName::Camera, PermissionState::Denied)
        .build();
    assert_eq!(
        err(&md, r#"{"video":true}"#).kind,
        ErrorKind::NotAllowedError
    );
    assert_eq!(
        err(&md, r#"{"video":{"width":{"exact":12345}}}"#).kind,
        ErrorKind::NotAllowedError
    );
    // Denying the camera makes an audio+video request fail too.
    assert_eq!(
        err(&md, r#"{"audio":true,"video":true}"#).kind,
        ErrorKind::NotAllowedError
    );
    assert!(gum(&md, r#"{"audio":true}"#).is_ok());

    let (md, _) = devices_with_profile(
        r#"{"devices":[{"kind":"audioinput","label":"Mic","sampleRate":[48000],"channelCount":[1]}]}"#,
    );
    md.set_permission(PermissionName::Camera, PermissionState::Denied);
    assert_eq!(
        err(&md, r#"{"video":true}"#).kind,
        ErrorKind::NotAllowedError
    );
}

#[test]
fn prompt_refused_is_not_allowed_and_accepted_is_remembered() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let asked = Arc::new(AtomicUsize::new(0));
    let a = asked.clone();
    let md = builder()
        .all_permissions(PermissionState::Prompt)
        .prompt(move |req| {
            a.fetch_add(1, Ordering::SeqCst);
            req.name == PermissionName::Camera
        })
        .build();
    assert_eq!(
        err(&md, r#"{"audio":true}"#).kind,
        ErrorKind::NotAllowedError
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    gum(&md, r#"{"video":true}"#).unwrap();
    assert_eq!(
        md.permission(PermissionName::Camera),
        PermissionState::Granted
    );
    gum(&md, r#"{"video":true}"#).unwrap();
    assert_eq!(
        asked.load(Ordering::SeqCst),
        2,
        "a granted camera is not asked again"
    );
    // Overconstrained is decided before any prompt (spec step 6.5 precedes step 8).
    let e = err(&md, r#"{"audio":{"sampleRate":{"exact":1}}}"#);
    assert!(matches!(e.kind, ErrorKind::OverconstrainedError { .. }));
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[test]
fn no_prompt_handler_means_refusal() {
    let md = builder().all_permissions(PermissionState::Prompt).build();
    assert_eq!(
        err(&md, r#"{"video":true}"#).kind,
        ErrorKind::NotAllowedError
    );
}

#[test]
fn busy_device_is_not_readable() {
    let (md, _) = devices_with_profile(
        r#"{"devices":[{"kind":"videoinput","label":"Busy Cam","busy":true,
            "modes":[{"width":640,"height":480,"frameRate":30}]}]}"#,
    );
    assert_eq!(
        err(&md, r#"{"video":true}"#).kind,
        ErrorKind::NotReadableError
    );
}

#[test]
fn at_most_one_track_per_kind() {
    let (md, _) = devices_with_profile(
        r#"{"devices":[
            {"kind":"videoinput","label":"A","modes":[{"width":640,"height":480,"frameRate":30}]},
            {"kind":"videoinput","label":"B","modes":[{"width":1280,"height":720,"frameRate":30}]}
        ]}"#,
    );
    let s = gum(&md, r#"{"video":{"width":1280}}"#).unwrap();
    assert_eq!(s.get_tracks().len(), 1);
    assert_eq!(
        s.get_video_tracks()[0].label(),
        "B",
        "the fitness distance picks the device"
    );
}

#[test]
fn device_id_selects_the_device() {
    let (md, _) = devices_with_profile(
        r#"{"devices":[
            {"kind":"videoinput","label":"A","modes":[{"width":640,"height":480,"frameRate":30}]},
            {"kind":"videoinput","label":"B","modes":[{"width":640,"height":480,"frameRate":30}]}
        ]}"#,
    );
    gum(&md, r#"{"video":true}"#).unwrap();
    let list = block_on(md.enumerate_devices()).unwrap();
    let b = list.iter().find(|d| d.label == "B").unwrap();
    let s = gum(
        &md,
        &format!(
            r#"{{"video":{{"deviceId":{{"exact":"{}"}}}}}}"#,
            b.device_id
        ),
    )
    .unwrap();
    assert_eq!(s.get_video_tracks()[0].label(), "B");
    let s = gum(
        &md,
        &format!(r#"{{"video":{{"deviceId":"{}"}}}}"#, b.device_id),
    )
    .unwrap();
    assert_eq!(
        s.get_video_tracks()[0].label(),
        "B",
        "a bare deviceId is ideal and still wins"
    );
}

#[test]
fn a_denial_while_the_prompt_is_open_wins_over_a_late_yes() {
    use std::sync::{Arc, OnceLock};
    // The handler answers "yes", but only after the application denied the permission
    // (a JavaScript prompt can stay open that long).
    let slot: Arc<OnceLock<mediacapture::MediaDevices>> = Arc::new(OnceLock::new());
    let s = slot.clone();
    let md = builder()
        .all_permissions(PermissionState::Prompt)
        .prompt(move |req| {
            if let Some(md) = s.get() {
                md.set_permission(req.name, PermissionState::Denied);
            }
            true
        })
        .build();
    assert!(slot.set(md.clone()).is_ok());
    assert_eq!(
        err(&md, r#"{"video":true}"#).kind,
        ErrorKind::NotAllowedError
    );
    assert_eq!(
        md.permission(PermissionName::Camera),
        PermissionState::Denied
    );
}
