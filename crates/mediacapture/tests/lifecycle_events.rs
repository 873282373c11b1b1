//! Events from the source: unplug (ended + devicechange), mute/unmute, permission revocation;
//! event order, listener isolation, async event streams.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use futures_util::StreamExt;
use mediacapture::{
    MediaStreamTrackState, PermissionName, PermissionState, TrackEvent, flush_events,
};
use mediacapture_hal::fake::DeviceSpec;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::mpsc;

#[test]
fn unplug_ends_tracks_then_fires_devicechange() {
    let (md, backend) = devices_with_profile(
        r#"{"devices":[
            {"kind":"videoinput","id":"cam-1","label":"Cam","modes":[{"width":640,"height":480,"frameRate":30}]},
            {"kind":"audioinput","id":"mic-1","label":"Mic","sampleRate":[48000],"channelCount":[1]}
        ]}"#,
    );
    let s = gum(&md, r#"{"video":true}"#).unwrap();
    let t = s.get_video_tracks()[0].clone();
    let (tx, log) = mpsc::channel::<String>();
    let l = tx.clone();
    t.add_event_listener(move |e| l.send(format!("track:{}", e.event_type())).unwrap());
    md.add_event_listener(move |e| {
        tx.send(format!("devicechange:{}", e.devices.len()))
            .unwrap()
    });
    backend.remove_device("cam-1").unwrap();
    let got = [recv(&log, "ended"), recv(&log, "devicechange")];
    assert_eq!(got, ["track:ended", "devicechange:1"]);
    flush_events();
    assert!(log.try_recv().is_err(), "nothing else fired");
    assert_eq!(t.ready_state(), MediaStreamTrackState::Ended);
    assert!(!s.active());
}

#[test]
fn devicechange_only_when_the_exposed_list_changes() {
    let (md, backend) = devices_with_profile(
        r#"{"devices":[{"kind":"videoinput","id":"cam-1","label":"Cam","modes":[{"width":640,"height":480,"frameRate":30}]}]}"#,
    );
    let count = Arc::new(Mutex::new(0));
    let c = count.clone();
    md.add_event_listener(move |_| *c.lock() += 1);
    // Before permission only one (blank) camera entry is exposed: a second camera changes
    // nothing that this origin can see.
    backend
        .add_device(DeviceSpec::camera("Second Cam").with_id("cam-2"))
        .unwrap();
    flush_events();
    assert_eq!(*count.lock(), 0);
    // A first microphone does change the exposed list (a new blank audioinput entry).
    backend
        .add_device(DeviceSpec::microphone("Mic").with_id("mic-1"))
        .unwrap();
    flush_events();
    assert_eq!(*count.lock(), 1);
    // After permission every camera is exposed: unplugging one is visible.
    gum(&md, r#"{"video":true}"#).unwrap();
    let events = md.events();
    backend.remove_device("cam-2").unwrap();
    flush_events();
    assert_eq!(*count.lock(), 2);
    let e = events.try_next().expect("the stream saw it too");
    assert!(e.devices.iter().all(|d| d.label != "Second Cam"));
    assert!(e.user_inserted_devices.is_empty());
}

#[test]
fn scripted_mute_then_unmute_in_order_and_no_frames_while_muted() {
    let (md, _) = devices_with_profile(
        r#"{"devices":[{"kind":"videoinput","label":"Flaky","muteAfterMs":300,"muteForMs":400,
            "modes":[{"width":320,"height":240,"frameRate":30}]}]}"#,
    );
    let s = gum(&md, r#"{"video":true}"#).unwrap();
    let t = s.get_video_tracks()[0].clone();
    let (tx, log) = mpsc::channel();
    let probe = t.clone();
    t.add_event_listener(move |e| tx.send((*e, probe.muted())).unwrap());
    assert_eq!(
        [recv(&log, "mute"), recv(&log, "unmute")],
        [(TrackEvent::Mute, true), (TrackEvent::Unmute, false)],
        "muted is already updated when the event fires"
    );
    assert_eq!(t.ready_state(), MediaStreamTrackState::Live);
}

#[test]
fn scripted_disconnect_ends_the_track() {
    let (md, _) = devices_with_profile(
        r#"{"devices":[{"kind":"audioinput","label":"Goes away","disconnectAfterMs":300,
            "sampleRate":[48000],"channelCount":[1]}]}"#,
    );
    let s = gum(&md, r#"{"audio":true}"#).unwrap();
    let t = s.get_audio_tracks()[0].clone();
    let mut events = t.events();
    // The async stream yields the ended event, then ends (nothing fires after ended).
    assert_eq!(block_on(events.next()), Some(TrackEvent::Ended));
    assert_eq!(block_on(events.next()), None);
    assert_eq!(t.ready_state(), MediaStreamTrackState::Ended);
}

#[test]
fn revoking_permission_ends_live_tracks_of_that_kind() {
    let md = devices();
    let s = gum(&md, r#"{"audio":true,"video":true}"#).unwrap();
    let v = s.get_video_tracks()[0].clone();
    let a = s.get_audio_tracks()[0].clone();
    let ended = Arc::new(Mutex::new(Vec::new()));
    let e = ended.clone();
    v.on(TrackEvent::Ended, move || e.lock().push("video"));
    md.set_permission(PermissionName::Camera, PermissionState::Denied);
    flush_events();
    assert_eq!(*ended.lock(), vec!["video"]);
    assert_eq!(v.ready_state(), MediaStreamTrackState::Ended);
    assert_eq!(a.ready_state(), MediaStreamTrackState::Live);
}

#[test]
fn a_panicking_listener_does_not_stop_the_others() {
    let md = devices();
    let s = gum(&md, r#"{"video":true}"#).unwrap();
    let t = s.get_video_tracks()[0].clone();
    let seen = Arc::new(Mutex::new(0));
    t.add_event_listener(|_| panic!("listener bug"));
    let c = seen.clone();
    t.add_event_listener(move |_| *c.lock() += 1);
    md.set_permission(PermissionName::Camera, PermissionState::Denied);
    flush_events();
    assert_eq!(*seen.lock(), 1);
}

#[test]
fn listeners_may_call_back_into_the_library() {
    let md = devices();
    let s = gum(&md, r#"{"audio":true,"video":true}"#).unwrap();
    let v = s.get_video_tracks()[0].clone();
    let a = s.get_audio_tracks()[0].clone();
    let s2 = s.clone();
    let a2 = a.clone();
    let active_after = Arc::new(Mutex::new(None));
    let r = active_after.clone();
    // No internal lock is held while a listener runs: stopping another track and reading
    // the stream inside the listener must not deadlock.
    v.on(TrackEvent::Ended, move || {
        a2.stop();
        *r.lock() = Some(s2.active());
    });
    md.set_permission(PermissionName::Camera, PermissionState::Denied);
    flush_events();
    assert_eq!(*active_after.lock(), Some(false));
    assert_eq!(a.ready_state(), MediaStreamTrackState::Ended);
}
