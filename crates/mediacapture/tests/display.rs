//! getDisplayMedia (screen-capture spec, "MediaDevices Additions", downscaling rules).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{
    DisplayMediaStreamOptions, ErrorKind, MediaStreamTrackState, PermissionName, PermissionState,
    TrackKind,
};

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
fn audio_requested_gives_the_video_track_then_the_system_audio_track() {
    let md = devices();
    for json in [
        r#"{"audio":true}"#,
        r#"{"video":true,"audio":true}"#,
        r#"{"audio":{}}"#,
        r#"{"audio":true,"systemAudio":"include"}"#,
    ] {
        let s = gdm(&md, json).unwrap();
        let tracks = s.get_tracks();
        assert_eq!(tracks.len(), 2, "{json}");
        assert_eq!(tracks[0].kind(), TrackKind::Video, "{json}");
        assert_eq!(tracks[1].kind(), TrackKind::Audio, "{json}");
        assert_eq!(tracks[1].label(), "System Audio", "{json}");
        for t in &tracks {
            t.stop();
        }
    }
}

#[test]
fn system_audio_track_settings_and_capabilities() {
    let md = devices();
    let s = gdm(&md, r#"{"video":true,"audio":true}"#).unwrap();
    let v = &s.get_video_tracks()[0];
    let a = &s.get_audio_tracks()[0];
    let st = serde_json::to_value(a.get_settings()).unwrap();
    // deviceId and groupId as the display video track has them: a deviceId of its own, no
    // groupId.
    let vst = serde_json::to_value(v.get_settings()).unwrap();
    assert!(
        st["deviceId"].as_str().is_some_and(|x| !x.is_empty()),
        "{st}"
    );
    assert!(
        vst["deviceId"].as_str().is_some_and(|x| !x.is_empty()),
        "{vst}"
    );
    assert_ne!(st["deviceId"], vst["deviceId"]);
    assert!(st.get("groupId").is_none(), "{st}");
    assert!(vst.get("groupId").is_none(), "{vst}");
    assert_eq!(st["sampleRate"], 48000);
    assert_eq!(st["channelCount"], 2);
    assert_eq!(st["echoCancellation"], false);
    assert!(st.get("width").is_none(), "{st}");
    assert!(st.get("displaySurface").is_none(), "{st}");
    // Not asked for: both false (tests/display_surfaces.rs covers them).
    assert_eq!(st["restrictOwnAudio"], false, "{st}");
    assert_eq!(st["suppressLocalAudioPlayback"], false, "{st}");
    let caps = serde_json::to_value(a.get_capabilities()).unwrap();
    assert_eq!(caps["deviceId"], st["deviceId"]);
    assert!(caps.get("groupId").is_none(), "{caps}");
    assert_eq!(caps["channelCount"]["max"], 2, "{caps}");
    // applyConstraints works as on a microphone, and the settings keep their shape.
    block_on(a.apply_constraints(
        mediacapture::MediaTrackConstraints::from_json(r#"{"channelCount":{"exact":1}}"#).unwrap(),
    ))
    .unwrap();
    let st = a.get_settings();
    assert_eq!(st.channel_count, Some(1));
    assert!(st.device_id.is_some() && st.group_id.is_none(), "{st:?}");
    a.stop();
    assert!(a.get_settings().device_id.is_some());
    // Ideal values steer the choice.
    let s = gdm(
        &md,
        r#"{"audio":{"channelCount":1,"suppressLocalAudioPlayback":true}}"#,
    )
    .unwrap();
    let st = s.get_audio_tracks()[0].get_settings();
    assert_eq!(st.channel_count, Some(1));
}

#[test]
fn system_audio_track_hears_the_fake_660_hz_tone() {
    let md = devices();
    let s = gdm(&md, r#"{"video":true,"audio":true}"#).unwrap();
    let a = &s.get_audio_tracks()[0];
    let data = a.audio_data();
    let mut samples: Vec<f32> = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while samples.len() < 4800 {
        assert!(std::time::Instant::now() < deadline, "no audio");
        if let Some(block) = data.recv_timeout(std::time::Duration::from_millis(500)) {
            let block = block.unwrap();
            assert_eq!((block.sample_rate(), block.channels()), (48000, 2));
            samples.extend(block.to_f32_interleaved().into_iter().step_by(2));
        }
    }
    let candidates = [
        mediacapture_hal::fake::TONE_HZ,
        mediacapture_hal::fake::BEEP_HZ,
        mediacapture_hal::fake::SYSTEM_AUDIO_HZ,
    ];
    assert_eq!(
        dominant(&samples[..4800], 48000.0, &candidates),
        mediacapture_hal::fake::SYSTEM_AUDIO_HZ
    );
}

#[test]
fn audio_constraints_the_system_audio_cannot_meet_are_overconstrained() {
    let md = devices();
    let e = gdm(
        &md,
        r#"{"video":true,"audio":{"sampleRate":{"max":16000}}}"#,
    )
    .unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::OverconstrainedError { .. }),
        "{e}"
    );
    assert_eq!(e.constraint(), Some("sampleRate"));
    let e = gdm(&md, r#"{"audio":{"latency":{"max":0.001}}}"#).unwrap_err();
    assert_eq!(e.constraint(), Some("latency"));
    // Below the floor value: rejected before any source is chosen.
    let e = gdm(&md, r#"{"audio":{"channelCount":{"max":0}}}"#).unwrap_err();
    assert_eq!(e.constraint(), Some("channelCount"));
}

#[test]
fn min_or_exact_audio_constraints_are_type_errors() {
    let md = devices();
    for json in [
        r#"{"audio":{"sampleRate":{"min":8000}}}"#,
        r#"{"audio":{"channelCount":{"exact":2}}}"#,
        r#"{"audio":{"suppressLocalAudioPlayback":{"exact":true}}}"#,
        r#"{"audio":{"advanced":[{"channelCount":1}]}}"#,
    ] {
        assert_eq!(
            gdm(&md, json).unwrap_err().kind,
            ErrorKind::TypeError,
            "{json}"
        );
    }
}

#[test]
fn no_audio_track_without_a_request_or_without_system_audio() {
    let md = devices();
    for json in [
        r#"{}"#,
        r#"{"audio":false}"#,
        r#"{"video":true}"#,
        r#"{"audio":true,"systemAudio":"exclude"}"#,
    ] {
        let s = gdm(&md, json).unwrap();
        assert_eq!(s.get_video_tracks().len(), 1, "{json}");
        assert!(s.get_audio_tracks().is_empty(), "{json}");
    }
    let (md, _) = devices_with_profile(
        r#"{"devices":[{"kind":"screen","label":"Screen"},{"kind":"audioinput","label":"Mic"}]}"#,
    );
    let s = gdm(&md, r#"{"video":true,"audio":true}"#).unwrap();
    assert_eq!(s.get_tracks().len(), 1);
    assert_eq!(s.get_video_tracks()[0].label(), "Screen");
}

#[test]
fn enumeration_never_lists_the_system_audio() {
    let md = devices();
    let _s = gdm(&md, r#"{"audio":true}"#).unwrap();
    let _m = gum(&md, r#"{"audio":true}"#).unwrap();
    let list = block_on(md.enumerate_devices()).unwrap();
    assert!(list.iter().all(|d| d.label != "System Audio"), "{list:?}");
    let inputs: Vec<_> = list
        .iter()
        .filter(|d| d.kind == mediacapture::MediaDeviceKind::AudioInput)
        .collect();
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0].label, "Fake Microphone");
    // The system audio cannot be chosen by deviceId either.
    let s = gdm(&md, r#"{"audio":true}"#).unwrap();
    let id = s.get_audio_tracks()[0].get_settings().device_id.unwrap();
    let e = gum(
        &md,
        &format!(r#"{{"audio":{{"deviceId":{{"exact":"{id}"}}}}}}"#),
    )
    .unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::OverconstrainedError { .. }),
        "{e}"
    );
}

#[test]
fn a_live_system_audio_track_does_not_expose_microphones() {
    let md = devices();
    let _s = gdm(&md, r#"{"audio":true}"#).unwrap();
    let list = block_on(md.enumerate_devices()).unwrap();
    assert!(list.iter().all(|d| d.label.is_empty()), "{list:?}");
}

#[test]
fn one_prompt_names_the_screen_and_the_system_audio() {
    use std::sync::{Arc, Mutex};
    let asked: Arc<Mutex<Vec<mediacapture::PermissionRequest>>> = Arc::default();
    let a = asked.clone();
    let md = builder()
        .all_permissions(PermissionState::Prompt)
        .prompt(move |r| {
            a.lock().unwrap().push(r.clone());
            true
        })
        .build();
    let s = gdm(&md, r#"{"audio":true}"#).unwrap();
    assert_eq!(s.get_tracks().len(), 2);
    gdm(&md, r#"{}"#).unwrap();
    let asked = asked.lock().unwrap();
    assert_eq!(asked.len(), 2, "one prompt per call");
    assert_eq!(asked[0].name, PermissionName::DisplayCapture);
    assert_eq!(asked[0].devices, vec!["Fake Screen", "System Audio"]);
    assert_eq!(asked[1].devices, vec!["Fake Screen"]);
    assert_eq!(
        md.permission(PermissionName::Microphone),
        PermissionState::Prompt
    );
}

#[test]
fn the_system_audio_track_follows_display_capture_permission() {
    let md = devices();
    let s = gdm(&md, r#"{"audio":true}"#).unwrap();
    let (v, a) = (&s.get_video_tracks()[0], &s.get_audio_tracks()[0]);
    md.set_permission(PermissionName::Microphone, PermissionState::Denied);
    mediacapture::flush_events();
    assert_eq!(a.ready_state(), MediaStreamTrackState::Live);
    md.set_permission(PermissionName::DisplayCapture, PermissionState::Denied);
    mediacapture::flush_events();
    assert_eq!(v.ready_state(), MediaStreamTrackState::Ended);
    assert_eq!(a.ready_state(), MediaStreamTrackState::Ended);
}

#[test]
fn unplugging_the_system_audio_ends_only_its_track() {
    let (md, backend) = devices_with_profile(
        r#"{"devices":[{"kind":"screen"},{"kind":"systemaudio","id":"sys"},{"kind":"audioinput"}]}"#,
    );
    let s = gdm(&md, r#"{"audio":true}"#).unwrap();
    let (v, a) = (&s.get_video_tracks()[0], &s.get_audio_tracks()[0]);
    // Another device coming and going leaves the system audio alone.
    let id = backend
        .add_device(mediacapture_hal::fake::DeviceSpec::camera("Cam"))
        .unwrap();
    backend.remove_device(&id).unwrap();
    mediacapture::flush_events();
    assert_eq!(a.ready_state(), MediaStreamTrackState::Live);
    let mut events = a.events();
    backend.remove_device("sys").unwrap();
    assert_eq!(
        block_on(futures_util::StreamExt::next(&mut events)),
        Some(mediacapture::TrackEvent::Ended)
    );
    assert_eq!(a.ready_state(), MediaStreamTrackState::Ended);
    assert_eq!(v.ready_state(), MediaStreamTrackState::Live);
    let s = gdm(&md, r#"{"audio":true}"#).unwrap();
    assert!(s.get_audio_tracks().is_empty());
}

#[test]
fn a_failing_audio_open_stops_the_video_track() {
    let (md, backend) = devices_with_profile(
        r#"{"devices":[{"kind":"screen","id":"scr"},{"kind":"systemaudio","id":"sys","busy":true}]}"#,
    );
    let e = gdm(&md, r#"{"audio":true}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
    // The screen's source was closed again: it is unplugged without any track to end.
    let s = gdm(&md, r#"{}"#).unwrap();
    assert_eq!(s.get_tracks().len(), 1);
    drop(backend);
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

#[test]
fn system_audio_comes_with_a_whole_screen_only() {
    let (md, _) = devices_with_profile(
        r#"{"devices":[
            {"kind":"screen","label":"Whole screen","width":1280,"height":720,"frameRate":30},
            {"kind":"screen","label":"A window","width":640,"height":480,"frameRate":30,"displaySurface":"window"},
            {"kind":"systemaudio","label":"System Audio"}
        ]}"#,
    );
    let kinds = |json: &str| {
        gdm(&md, json)
            .unwrap()
            .get_tracks()
            .iter()
            .map(|t| t.kind().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(r#"{"audio":true}"#), ["video", "audio"]);
    // Chromium offers system audio with a screen, not with a window.
    assert_eq!(
        kinds(r#"{"video":{"displaySurface":"window"},"audio":true}"#),
        ["video"]
    );
}
