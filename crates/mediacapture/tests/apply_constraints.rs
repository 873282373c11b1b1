//! applyConstraints on tracks: success changes settings and delivered frames; failure changes
//! nothing and names the constraint; deviceId cannot change; the source is reconfigured only
//! when the track is alone on it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{ErrorKind, MediaTrackConstraints};
use std::time::Duration;

fn c(json: &str) -> MediaTrackConstraints {
    MediaTrackConstraints::from_json(json).unwrap()
}

fn next_frame_size(t: &mediacapture::MediaStreamTrack) -> (u32, u32) {
    let frames = t.video_frames();
    // Skip a frame that may have been adapted before the change.
    let _ = frames.recv_timeout(Duration::from_secs(3));
    let f = frames
        .recv_timeout(Duration::from_secs(3))
        .expect("a frame");
    (f.display_width(), f.display_height())
}

#[test]
fn success_changes_settings_constraints_and_frames() {
    let md = devices();
    let s = gum(&md, r#"{"video":{"width":640,"height":480}}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    assert_eq!(next_frame_size(t), (640, 480));
    block_on(t.apply_constraints(c(r#"{"width":{"exact":320},"height":{"exact":240}}"#))).unwrap();
    let st = t.get_settings();
    assert_eq!((st.width, st.height), (Some(320), Some(240)));
    assert_eq!(
        t.get_constraints(),
        c(r#"{"width":{"exact":320},"height":{"exact":240}}"#)
    );
    assert_eq!(next_frame_size(t), (320, 240));
}

#[test]
fn failure_keeps_the_old_constraints_and_settings() {
    let md = devices();
    let s = gum(&md, r#"{"video":{"width":1280}}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    let (before_c, before_s) = (t.get_constraints(), t.get_settings());
    let e = block_on(t.apply_constraints(c(r#"{"width":{"min":5000}}"#))).unwrap_err();
    assert_eq!(
        e.constraint(),
        Some("width"),
        "applyConstraints names it (no masking)"
    );
    assert_eq!(t.get_constraints(), before_c);
    assert_eq!(t.get_settings(), before_s);
}

#[test]
fn device_id_cannot_change() {
    let md = devices();
    let s = gum(&md, r#"{"video":true}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    let e = block_on(t.apply_constraints(c(r#"{"deviceId":{"exact":"another"}}"#))).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::OverconstrainedError { .. }));
    assert_eq!(e.constraint(), Some("deviceId"));
    let own = t.get_settings().device_id.unwrap();
    block_on(t.apply_constraints(c(&format!(r#"{{"deviceId":{{"exact":"{own}"}}}}"#)))).unwrap();
}

#[test]
fn empty_constraints_remove_all_constraints() {
    let md = devices();
    let s = gum(&md, r#"{"video":{"width":320,"height":240}}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    block_on(t.apply_constraints(MediaTrackConstraints::default())).unwrap();
    assert_eq!(t.get_constraints(), MediaTrackConstraints::default());
}

#[test]
fn alone_on_its_device_a_track_can_move_to_a_larger_native_mode() {
    let md = devices();
    let s = gum(&md, r#"{"video":{"width":640,"height":480}}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    block_on(t.apply_constraints(c(r#"{"width":{"exact":1920},"height":{"exact":1080}}"#)))
        .unwrap();
    assert_eq!(next_frame_size(t), (1920, 1080));
}

#[test]
fn shared_device_keeps_its_mode_and_clones_adapt_by_scaling() {
    let md = devices();
    let s = gum(&md, r#"{"video":{"width":1280,"height":720}}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    let clone = t.clone_track();
    // Larger than the running mode: not reachable while the device is shared.
    let e = block_on(clone.apply_constraints(c(r#"{"width":{"min":1920}}"#))).unwrap_err();
    assert_eq!(e.constraint(), Some("width"));
    block_on(clone.apply_constraints(c(r#"{"width":{"exact":640},"height":{"exact":360}}"#)))
        .unwrap();
    assert_eq!(next_frame_size(&clone), (640, 360));
    assert_eq!(next_frame_size(t), (1280, 720));
    // A second getUserMedia on the running camera gets its mode, scaled to what it asks.
    let s2 = gum(&md, r#"{"video":{"width":{"ideal":1920}}}"#).unwrap();
    assert_eq!(s2.get_video_tracks()[0].get_settings().width, Some(1280));
}

#[test]
fn frame_rate_decimation() {
    let (md, clock) = manual_devices();
    let s = gum(
        &md,
        r#"{"video":{"width":640,"height":480,"frameRate":{"exact":10}}}"#,
    )
    .unwrap();
    let t = &s.get_video_tracks()[0];
    assert_eq!(t.get_settings().frame_rate, Some(10.0));
    let stamps = std::sync::Arc::new(parking_lot::Mutex::new(Vec::new()));
    let s2 = stamps.clone();
    t.on_video_frame(move |f| s2.lock().push(f.timestamp()));
    // The source's own frames, seen through a second track at the native rate, pace the test.
    let native = gum(
        &md,
        r#"{"video":{"width":640,"height":480,"frameRate":30}}"#,
    )
    .unwrap();
    let n = &native.get_video_tracks()[0];
    assert_eq!(n.get_settings().frame_rate, Some(30.0));
    let (tx, ticks) = std::sync::mpsc::channel();
    n.on_video_frame(move |f| tx.send(f.timestamp()).unwrap());
    step_frames(&clock, &ticks, 18);
    t.stop();
    n.stop();
    let stamps = stamps.lock().clone();
    // 30 fps decimated to 10 fps: every third frame, 100 ms apart on the camera's clock.
    assert!(stamps.len() >= 6, "{stamps:?}");
    for w in stamps.windows(2) {
        let gap = w[1] - w[0];
        assert!(
            (99_999..=100_001).contains(&gap),
            "gap {gap} us in {stamps:?}"
        );
    }
}

#[test]
fn audio_settings_follow_the_constraints() {
    let md = devices();
    let s = gum(
        &md,
        r#"{"audio":{"channelCount":{"exact":2},"sampleRate":48000}}"#,
    )
    .unwrap();
    let a = &s.get_audio_tracks()[0];
    let st = a.get_settings();
    assert_eq!(st.channel_count, Some(2));
    assert_eq!(st.sample_rate, Some(48000));
    let data = a.audio_data();
    let block = data
        .recv_timeout(Duration::from_secs(3))
        .expect("audio")
        .unwrap();
    assert_eq!(block.channels(), 2);
    assert_eq!(block.sample_rate(), 48000);
}

#[test]
fn applying_empty_constraints_keeps_the_current_settings() {
    // Chromium 156: after applyConstraints({width: 320}), applyConstraints({}) keeps 320x240
    // (ties between equally fit settings go to the current ones).
    let md = devices();
    let s = gum(&md, r#"{"video":true}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    block_on(t.apply_constraints(c(r#"{"width":320}"#))).unwrap();
    let narrowed = t.get_settings();
    assert_eq!(narrowed.width, Some(320));
    block_on(t.apply_constraints(MediaTrackConstraints::default())).unwrap();
    assert_eq!(t.get_settings(), narrowed);
}
