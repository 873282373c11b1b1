//! One native configuration for a source shared by several tracks.
//! Spec: https://w3c.github.io/mediacapture-main/#dfn-selectsettings (per track), with
//! Chromium's shared-source model (one device format, a track adapter per track).

mod common;
use common::*;
use mediacapture_core::arbitrate;
use mediacapture_types::native::{AudioConfig, NativeConfig, VideoMode};
use mediacapture_types::{EchoCancellation, VideoResizeModeEnum};

fn mode(w: u32, h: u32, f: f64) -> NativeConfig {
    NativeConfig::Video(VideoMode {
        width: w,
        height: h,
        frame_rate: f,
    })
}

#[test]
fn unconstrained_and_small_tracks_share_640x480() {
    let d = cam_a();
    let (a, b) = (tc("{}"), tc(r#"{"width":320}"#));
    let (native, sels) = arbitrate(&view(&d), &[&a, &b], None).unwrap();
    assert_eq!(native, mode(640, 480, 30.0));
    assert_eq!(
        (sels[0].settings.width, sels[0].settings.resize_mode),
        (Some(640), Some(VideoResizeModeEnum::None))
    );
    assert_eq!(
        (sels[1].settings.width, sels[1].settings.height),
        (Some(320), Some(240))
    );
    assert_eq!(
        sels[1].settings.resize_mode,
        Some(VideoResizeModeEnum::CropAndScale)
    );
    assert!(sels.iter().all(|s| s.native == native));
}

#[test]
fn the_demanding_track_decides_and_the_other_follows() {
    let d = cam_a();
    let (a, b) = (tc(r#"{"width":{"exact":1920}}"#), tc("{}"));
    let (native, sels) = arbitrate(&view(&d), &[&a, &b], None).unwrap();
    assert_eq!(native, mode(1920, 1080, 30.0));
    assert_eq!(sels[1].settings.width, Some(1920));
}

#[test]
fn each_track_gets_its_own_rate_by_decimation() {
    let d = cam_a();
    let (a, b) = (
        tc(r#"{"frameRate":{"min":60}}"#),
        tc(r#"{"frameRate":{"max":10}}"#),
    );
    let (native, sels) = arbitrate(&view(&d), &[&a, &b], None).unwrap();
    assert_eq!(native, mode(1280, 720, 60.0));
    assert_eq!(sels[0].settings.frame_rate, Some(60.0));
    assert_eq!(sels[1].settings.frame_rate, Some(10.0));
}

#[test]
fn incompatible_tracks_blame_the_later_track_and_its_constraint() {
    let d = cam_a();
    let (a, b) = (
        tc(r#"{"frameRate":{"min":50}}"#),
        tc(r#"{"width":{"exact":1920}}"#),
    );
    let (i, u) = arbitrate(&view(&d), &[&a, &b], None).unwrap_err();
    assert_eq!((i, u.constraint.as_str()), (1, "width"));
}

#[test]
fn a_track_impossible_alone_is_blamed_first() {
    let d = cam_a();
    let (a, b, c) = (
        tc("{}"),
        tc(r#"{"height":{"min":2000}}"#),
        tc(r#"{"width":{"min":5000}}"#),
    );
    let (i, u) = arbitrate(&view(&d), &[&a, &b, &c], None).unwrap_err();
    assert_eq!((i, u.constraint.as_str()), (1, "height"));
}

#[test]
fn the_running_configuration_wins_ties() {
    let d = cam_a();
    let a = tc("{}");
    let cur = mode(1280, 720, 30.0);
    let (native, _) = arbitrate(&view(&d), &[&a], Some(&cur)).unwrap();
    assert_eq!(native, cur);
    // ...but not over a better fitness distance.
    let b = tc(r#"{"width":1920}"#);
    let (native, _) = arbitrate(&view(&d), &[&a, &b], Some(&cur)).unwrap();
    assert_eq!(native, mode(1920, 1080, 30.0));
}

#[test]
fn audio_tracks_share_one_configuration() {
    let d = mic("m", "g", true);
    let (a, b) = (tc(r#"{"echoCancellation":{"exact":false}}"#), tc("{}"));
    let (native, sels) = arbitrate(&view(&d), &[&a, &b], None).unwrap();
    let NativeConfig::Audio(AudioConfig {
        echo_cancellation, ..
    }) = native
    else {
        panic!("not audio")
    };
    assert_eq!(echo_cancellation, EchoCancellation::Bool(false));
    assert!(
        sels.iter()
            .all(|s| s.settings.echo_cancellation == Some(EchoCancellation::Bool(false)))
    );
}

#[test]
fn audio_tracks_with_conflicting_rates_fail_on_the_second() {
    let d = mic("m", "g", true);
    let (a, b) = (
        tc(r#"{"sampleRate":{"exact":44100}}"#),
        tc(r#"{"sampleRate":{"exact":48000}}"#),
    );
    let (i, u) = arbitrate(&view(&d), &[&a, &b], None).unwrap_err();
    assert_eq!((i, u.constraint.as_str()), (1, "sampleRate"));
}

#[test]
fn display_config_runs_at_the_fastest_track_rate() {
    let d = screen();
    let (a, b) = (
        tc(r#"{"frameRate":5}"#),
        tc(r#"{"frameRate":60,"width":960}"#),
    );
    let (native, sels) = arbitrate(&view(&d), &[&a, &b], None).unwrap();
    let NativeConfig::Display(cfg) = native else {
        panic!("not display")
    };
    assert_eq!(cfg.frame_rate, 60.0);
    assert_eq!(sels[0].settings.frame_rate, Some(5.0));
    assert_eq!(
        (sels[1].settings.width, sels[1].settings.height),
        (Some(960), Some(540))
    );
}
