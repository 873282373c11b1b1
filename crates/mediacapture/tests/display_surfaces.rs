//! getDisplayMedia's choice among screens, windows and tabs (`displaySurface`,
//! `monitorTypeSurfaces`), and the display audio properties `restrictOwnAudio` and
//! `suppressLocalAudioPlayback`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{DisplayMediaStreamOptions, ErrorKind, MediaTrackConstraints};

const SURFACES: &str = r#"{"devices":[
    {"kind":"screen","label":"Screen","width":1920,"height":1080},
    {"kind":"window","label":"Editor","width":800,"height":600},
    {"kind":"browser","label":"Docs tab","width":1280,"height":720},
    {"kind":"systemaudio","label":"System Audio"}
]}"#;

fn gdm(
    md: &mediacapture::MediaDevices,
    json: &str,
) -> mediacapture::Result<mediacapture::MediaStream> {
    block_on(md.get_display_media(DisplayMediaStreamOptions::from_json(json)?))
}

/// (displaySurface, label, width) of the stream's video track; stops the stream.
fn surface(s: &mediacapture::MediaStream) -> (String, String, u32) {
    let v = &s.get_video_tracks()[0];
    let st = serde_json::to_value(v.get_settings()).unwrap();
    let r = (
        st["displaySurface"].as_str().unwrap().to_string(),
        v.label().to_string(),
        st["width"].as_u64().unwrap() as u32,
    );
    for t in s.get_tracks() {
        t.stop();
    }
    r
}

#[test]
fn display_surface_picks_a_window_or_a_tab_when_there_is_one() {
    let (md, _) = devices_with_profile(SURFACES);
    let by = |json: &str| surface(&gdm(&md, json).unwrap());
    assert_eq!(
        by(r#"{"video":true}"#).0,
        "monitor",
        "the first surface by default"
    );
    assert_eq!(
        by(r#"{"video":{"displaySurface":"window"}}"#),
        ("window".into(), "Editor".into(), 800)
    );
    assert_eq!(
        by(r#"{"video":{"displaySurface":"browser"}}"#),
        ("browser".into(), "Docs tab".into(), 1280)
    );
    assert_eq!(
        by(r#"{"video":{"displaySurface":{"ideal":["browser","window"]}}}"#).0,
        "browser"
    );
    // The window's capabilities name its surface type as the lone value.
    let s = gdm(&md, r#"{"video":{"displaySurface":"window"}}"#).unwrap();
    let caps = serde_json::to_value(s.get_video_tracks()[0].get_capabilities()).unwrap();
    assert_eq!(caps["displaySurface"], "window");
    surface(&s);
}

#[test]
fn monitor_type_surfaces_exclude_offers_a_window_and_never_a_screen() {
    let (md, _) = devices_with_profile(SURFACES);
    let s = gdm(&md, r#"{"video":true,"monitorTypeSurfaces":"exclude"}"#).unwrap();
    assert_eq!(surface(&s).0, "window");
    let s = gdm(
        &md,
        r#"{"video":{"displaySurface":"browser"},"monitorTypeSurfaces":"exclude"}"#,
    )
    .unwrap();
    assert_eq!(surface(&s).0, "browser");
    let s = gdm(&md, r#"{"video":true,"monitorTypeSurfaces":"include"}"#).unwrap();
    assert_eq!(surface(&s).0, "monitor");
    // Only screens: nothing to offer.
    let (only_screens, _) =
        devices_with_profile(r#"{"devices":[{"kind":"screen","label":"Screen"}]}"#);
    let e = gdm(&only_screens, r#"{"monitorTypeSurfaces":"exclude"}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    // Asking for a monitor while excluding them is a TypeError (as before).
    let e = gdm(
        &md,
        r#"{"video":{"displaySurface":"monitor"},"monitorTypeSurfaces":"exclude"}"#,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::TypeError);
}

#[test]
fn restrict_own_audio_and_suppress_local_audio_playback_are_reported() {
    // The fake system audio is synthesized: it never holds this process's playback, so the
    // restriction is really applied when asked for.
    let (md, _) = devices_with_profile(SURFACES);
    let s = gdm(
        &md,
        r#"{"audio":{"restrictOwnAudio":true,"suppressLocalAudioPlayback":true}}"#,
    )
    .unwrap();
    let a = s.get_audio_tracks()[0].clone();
    let st = a.get_settings();
    assert_eq!(st.restrict_own_audio, Some(true));
    assert_eq!(st.suppress_local_audio_playback, Some(true));
    let caps = serde_json::to_value(a.get_capabilities()).unwrap();
    assert!(
        caps.get("restrictOwnAudio").is_none(),
        "not a capability in the spec: {caps}"
    );
    // applyConstraints changes them like any setting, and an exact value works here.
    block_on(
        a.apply_constraints(
            MediaTrackConstraints::from_json(
                r#"{"restrictOwnAudio":{"exact":false},"suppressLocalAudioPlayback":false}"#,
            )
            .unwrap(),
        ),
    )
    .unwrap();
    let st = a.get_settings();
    assert_eq!(st.restrict_own_audio, Some(false));
    assert_eq!(st.suppress_local_audio_playback, Some(false));
    block_on(a.apply_constraints(
        MediaTrackConstraints::from_json(r#"{"restrictOwnAudio":{"exact":true}}"#).unwrap(),
    ))
    .unwrap();
    assert_eq!(a.get_settings().restrict_own_audio, Some(true));
    // Unconstrained again: both back to their default, false.
    block_on(a.apply_constraints(MediaTrackConstraints::default())).unwrap();
    let st = a.get_settings();
    assert_eq!(
        (st.restrict_own_audio, st.suppress_local_audio_playback),
        (Some(false), Some(false))
    );
    for t in s.get_tracks() {
        t.stop();
    }
    // A microphone has neither.
    let (mic_md, _) = devices_with_profile(r#"{"devices":[{"kind":"audioinput","label":"Mic"}]}"#);
    let m = gum(&mic_md, r#"{"audio":{"restrictOwnAudio":true}}"#).unwrap();
    let st = m.get_audio_tracks()[0].get_settings();
    assert_eq!(st.restrict_own_audio, None);
    m.get_audio_tracks()[0].stop();
}
