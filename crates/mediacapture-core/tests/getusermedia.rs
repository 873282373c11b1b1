//! getUserMedia's synchronous checks and per-kind device choice, and applyConstraints.
//! Spec: https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia
//! Spec: https://w3c.github.io/mediacapture-main/#dom-mediastreamtrack-applyconstraints

mod common;
use common::*;
use mediacapture_core::{ConstrainedTrack, TrackKind, requested_kinds, select_device};
use mediacapture_types::native::DeviceDescriptor;
use mediacapture_types::{ErrorKind, MediaStreamConstraints, VideoFacingModeEnum};

/// (name, constraints JSON, expected kinds or "TypeError")
type KindCase = (&'static str, &'static str, Result<&'static [TrackKind], ()>);

const KINDS: &[KindCase] = &[
    ("1: getUserMedia({}) → TypeError", "{}", Err(())),
    (
        "1: {video:false} → TypeError",
        r#"{"video":false}"#,
        Err(()),
    ),
    (
        "1: {video:false,audio:false} → TypeError",
        r#"{"video":false,"audio":false}"#,
        Err(()),
    ),
    (
        "1: unknown member only → TypeError (WebIDL drops it)",
        r#"{"doesnotexist":true}"#,
        Err(()),
    ),
    (
        "1: {video:0} → ToBoolean false → TypeError",
        r#"{"video":0}"#,
        Err(()),
    ),
    ("1: null argument → {} → TypeError", "null", Err(())),
    (
        "1: {video:true}",
        r#"{"video":true}"#,
        Ok(&[TrackKind::Video]),
    ),
    (
        "1: {audio:{}} (a dictionary requests)",
        r#"{"audio":{}}"#,
        Ok(&[TrackKind::Audio]),
    ),
    (
        "1: both kinds",
        r#"{"audio":true,"video":{"width":640}}"#,
        Ok(&[TrackKind::Audio, TrackKind::Video]),
    ),
    (
        "1: {video:null} → the dictionary {} → requested",
        r#"{"video":null}"#,
        Ok(&[TrackKind::Video]),
    ),
    (
        "1: {audio:'yes'} → ToBoolean true",
        r#"{"audio":"yes"}"#,
        Ok(&[TrackKind::Audio]),
    ),
];

#[test]
fn requested_kinds_table() {
    run_table(
        KINDS,
        |c| c.0.into(),
        |&(_, json, ref want)| {
            let c = MediaStreamConstraints::from_json(json).map_err(|e| e.to_string())?;
            match (requested_kinds(&c), want) {
                (Ok(k), Ok(w)) if k == *w => Ok(()),
                (Err(e), Err(())) if e.kind == ErrorKind::TypeError => Ok(()),
                (got, want) => Err(format!("got {got:?}, want {want:?}")),
            }
        },
    );
}

fn cam_b_default() -> DeviceDescriptor {
    camera(
        "camB",
        "usbB",
        &[(1920, 1080, 30.0), (640, 480, 30.0)],
        Some(VideoFacingModeEnum::Environment),
        true,
    )
}

fn devices() -> Vec<DeviceDescriptor> {
    vec![
        mic("m1", "usbA", false),
        cam_a(),
        cam_b_default(),
        mic("m2", "hda", true),
        screen(),
    ]
}

/// Ok(index of the chosen device in `devices()`) or Err(error name, constraint).
type Case = (
    &'static str,
    TrackKind,
    &'static str,
    Result<usize, (&'static str, &'static str)>,
);

const GUM: &[Case] = &[
    (
        "11: unconstrained video → the default camera (B)",
        TrackKind::Video,
        "{}",
        Ok(2),
    ),
    (
        "11: unconstrained audio → the default microphone (m2)",
        TrackKind::Audio,
        "{}",
        Ok(3),
    ),
    (
        "6.4: backgroundBlur required → TypeError",
        TrackKind::Video,
        r#"{"backgroundBlur":{"exact":true}}"#,
        Err(("TypeError", "")),
    ),
    (
        "6.4: displaySurface required in getUserMedia → TypeError",
        TrackKind::Video,
        r#"{"displaySurface":{"exact":"monitor"}}"#,
        Err(("TypeError", "")),
    ),
    (
        "6.4: restrictOwnAudio required in getUserMedia → TypeError",
        TrackKind::Audio,
        r#"{"restrictOwnAudio":{"exact":true}}"#,
        Err(("TypeError", "")),
    ),
    (
        "6.4: backgroundBlur with max-less ideal is fine",
        TrackKind::Video,
        r#"{"backgroundBlur":true}"#,
        Ok(2),
    ),
    (
        "6.4: required backgroundBlur inside advanced is not a required constraint",
        TrackKind::Video,
        r#"{"advanced":[{"backgroundBlur":true}]}"#,
        Ok(2),
    ),
    (
        "6.3: audio-only required constraint in video is dropped, even invalid",
        TrackKind::Video,
        r#"{"sampleRate":{"exact":1},"restrictOwnAudio":{"exact":true}}"#,
        Ok(2),
    ),
    (
        "6.3: video-only required constraint in audio is dropped",
        TrackKind::Audio,
        r#"{"width":{"exact":1},"backgroundBlur":{"exact":true}}"#,
        Ok(3),
    ),
    (
        "6.5: facingMode exact environment → camera B",
        TrackKind::Video,
        r#"{"facingMode":{"exact":"environment"}}"#,
        Ok(2),
    ),
    (
        "11: facingMode ideal user → camera A (distance 0 beats 1)",
        TrackKind::Video,
        r#"{"facingMode":"user"}"#,
        Ok(1),
    ),
    (
        "6.5: facingMode exact left → facingMode",
        TrackKind::Video,
        r#"{"facingMode":{"exact":"left"}}"#,
        Err(("OverconstrainedError", "facingMode")),
    ),
    (
        "6.5: deviceId exact A",
        TrackKind::Video,
        r#"{"deviceId":{"exact":"id-camA"}}"#,
        Ok(1),
    ),
    (
        "11: deviceId ideal A",
        TrackKind::Video,
        r#"{"deviceId":"id-camA"}"#,
        Ok(1),
    ),
    (
        "6.5: deviceId exact unknown → deviceId",
        TrackKind::Video,
        r#"{"deviceId":{"exact":"unknown"}}"#,
        Err(("OverconstrainedError", "deviceId")),
    ),
    (
        "6.5: deviceId exact of a microphone in video → deviceId",
        TrackKind::Video,
        r#"{"deviceId":{"exact":"id-m1"}}"#,
        Err(("OverconstrainedError", "deviceId")),
    ),
    (
        "6.5: groupId exact usbA for audio → m1",
        TrackKind::Audio,
        r#"{"groupId":{"exact":"g-usbA"}}"#,
        Ok(0),
    ),
    (
        "11: groupId ideal usbA for video → A",
        TrackKind::Video,
        r#"{"groupId":"g-usbA"}"#,
        Ok(1),
    ),
    (
        "6.5: width exact 1920 on both → default B",
        TrackKind::Video,
        r#"{"width":{"exact":1920}}"#,
        Ok(2),
    ),
    (
        "6.5: frameRate min 50 → only A has 60 Hz",
        TrackKind::Video,
        r#"{"frameRate":{"min":50}}"#,
        Ok(1),
    ),
    (
        "6.5: width min 4000 → width",
        TrackKind::Video,
        r#"{"width":{"min":4000}}"#,
        Err(("OverconstrainedError", "width")),
    ),
    (
        "6.5: constraint failing on different devices for different reasons → ''",
        TrackKind::Video,
        r#"{"facingMode":{"exact":"environment"},"frameRate":{"min":50}}"#,
        Err(("OverconstrainedError", "")),
    ),
    (
        "6.5: echoCancellation exact all → both mics offer it → default m2",
        TrackKind::Audio,
        r#"{"echoCancellation":{"exact":"all"}}"#,
        Ok(3),
    ),
    (
        "6.5: sampleRate exact 8000 → sampleRate",
        TrackKind::Audio,
        r#"{"sampleRate":{"exact":8000}}"#,
        Err(("OverconstrainedError", "sampleRate")),
    ),
    (
        "11: advanced deviceId picks A",
        TrackKind::Video,
        r#"{"advanced":[{"deviceId":"id-camA"}]}"#,
        Ok(1),
    ),
];

#[test]
fn select_device_table() {
    let devs = devices();
    let views: Vec<_> = devs.iter().map(view).collect();
    run_table(
        GUM,
        |c| c.0.into(),
        |&(_, kind, json, ref want)| match (select_device(kind, &views, &tc(json)), want) {
            (Ok((i, _)), Ok(w)) if i == *w => Ok(()),
            (Err(e), Err((name, constraint)))
                if e.name() == *name && e.constraint().unwrap_or("") == *constraint =>
            {
                Ok(())
            }
            (got, want) => Err(format!("got {:?}, want {want:?}", got.map(|g| g.0))),
        },
    );
}

#[test]
fn not_found_comes_before_type_error_and_display_is_never_a_camera() {
    let only_screen = [screen()];
    let views: Vec<_> = only_screen.iter().map(view).collect();
    let e = select_device(
        TrackKind::Video,
        &views,
        &tc(r#"{"backgroundBlur":{"exact":true}}"#),
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    let e = select_device(TrackKind::Audio, &views, &tc("{}")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
}

#[test]
fn equal_devices_tie_on_list_order_without_default() {
    let a = camera("x", "gx", &[(640, 480, 30.0)], None, false);
    let b = camera("y", "gy", &[(640, 480, 30.0)], None, false);
    let devs = [a, b];
    let views: Vec<_> = devs.iter().map(view).collect();
    assert_eq!(
        select_device(TrackKind::Video, &views, &tc("{}"))
            .map(|r| r.0)
            .ok(),
        Some(0)
    );
}

/// A.3: applyConstraints; failure keeps the old constraints and settings.
#[test]
fn apply_constraints_table() {
    let d = cam_a();
    let v = view(&d);
    let mut t = ConstrainedTrack::new(&v, tc(r#"{"width":320}"#)).unwrap();
    assert_eq!(t.settings.width, Some(320));

    // Failure: OverconstrainedError, state untouched.
    let before = t.clone();
    let e = t.apply(&v, tc(r#"{"width":{"exact":5000}}"#)).unwrap_err();
    assert_eq!(e.constraint(), Some("width"));
    assert_eq!(t, before);

    // deviceId and groupId of a track's source cannot change.
    assert_eq!(
        t.apply(&v, tc(r#"{"deviceId":{"exact":"id-other"}}"#))
            .unwrap_err()
            .constraint(),
        Some("deviceId")
    );
    assert_eq!(
        t.apply(&v, tc(r#"{"groupId":{"exact":"g-other"}}"#))
            .unwrap_err()
            .constraint(),
        Some("groupId")
    );
    assert_eq!(t, before);

    // The same deviceId is fine.
    t.apply(&v, tc(r#"{"deviceId":{"exact":"id-camA"},"width":1280}"#))
        .unwrap();
    assert_eq!(
        (t.settings.width, t.settings.height),
        (Some(1280), Some(720))
    );

    // Success replaces constraints and settings together.
    // The size is kept (it still meets the constraints), only the rate changes.
    t.apply(&v, tc(r#"{"frameRate":{"exact":10}}"#)).unwrap();
    assert_eq!(
        (t.settings.width, t.settings.height, t.settings.frame_rate),
        (Some(1280), Some(720), Some(10.0))
    );
    assert_eq!(t.constraints, tc(r#"{"frameRate":{"exact":10}}"#));

    // applyConstraints() = {} removes every constraint; at equal distance the current
    // settings win (Chromium 156 keeps 320x240 after applyConstraints({width: 320}) then {}).
    t.apply(&v, tc("{}")).unwrap();
    assert_eq!(
        (t.settings.width, t.settings.height, t.settings.frame_rate),
        (Some(1280), Some(720), Some(10.0))
    );
    assert_eq!(t.constraints, tc("{}"));
    // A fresh SelectSettings with {} gives the UA default.
    let fresh = mediacapture_core::select_settings(&v, &tc("{}")).unwrap();
    assert_eq!(fresh.settings.frame_rate, Some(30.0));
    // A constraint the current settings do not meet still moves them.
    t.apply(&v, tc(r#"{"width":{"max":700}}"#)).unwrap();
    assert!(t.settings.width.is_some_and(|w| w <= 700));

    // Not hidden: a combination failure names no constraint.
    let e = t
        .apply(
            &v,
            tc(r#"{"width":{"exact":1280},"height":{"exact":1080},"resizeMode":{"exact":"none"}}"#),
        )
        .unwrap_err();
    assert_eq!(e.constraint(), Some(""));
}

#[test]
fn apply_constraints_on_audio_ignores_video_constraints() {
    let d = mic("m", "g", true);
    let v = view(&d);
    let mut t = ConstrainedTrack::new(&v, tc("{}")).unwrap();
    t.apply(
        &v,
        tc(r#"{"width":{"exact":4000},"echoCancellation":false}"#),
    )
    .unwrap();
    assert_eq!(
        t.settings.echo_cancellation,
        Some(mediacapture_types::EchoCancellation::Bool(false))
    );
    assert_eq!(t.settings.width, None);
}
