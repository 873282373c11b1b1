//! enumerateDevices before and after permission (spec "creating a list of device info
//! objects", "device information exposure").
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{MediaDeviceKind, PermissionName, PermissionState};

#[test]
fn before_permission_one_entry_per_kind_with_empty_strings() {
    let md = devices();
    let list = block_on(md.enumerate_devices()).unwrap();
    // Spec: at most one device per kind, microphones first, then cameras; deviceId, label
    // and groupId stay "". Outputs are not exposed before microphone information is.
    let kinds: Vec<_> = list.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        vec![MediaDeviceKind::AudioInput, MediaDeviceKind::VideoInput]
    );
    for d in &list {
        assert_eq!(d.device_id, "");
        assert_eq!(d.label, "");
        assert_eq!(d.group_id, "");
        // InputDeviceInfo.getCapabilities() is {} while the entry is filtered.
        assert_eq!(d.get_capabilities(), Some(Default::default()));
    }
}

#[test]
fn after_video_permission_cameras_exposed_and_microphones_via_extension() {
    let md = devices();
    let s = gum(&md, r#"{"video":true}"#).unwrap();
    let list = block_on(md.enumerate_devices()).unwrap();
    let cams: Vec<_> = list
        .iter()
        .filter(|d| d.kind == MediaDeviceKind::VideoInput)
        .collect();
    assert_eq!(cams.len(), 1);
    assert!(!cams[0].label.is_empty());
    assert!(!cams[0].device_id.is_empty());
    assert_eq!(
        cams[0].device_id,
        s.get_video_tracks()[0].get_settings().device_id.unwrap()
    );
    let caps = cams[0].get_capabilities().unwrap();
    assert_eq!(caps.width.as_ref().map(|r| r.max), Some(Some(1920)));
    // Microphone permission is granted, so "device exposure can be extended" to it.
    let mics: Vec<_> = list
        .iter()
        .filter(|d| d.kind == MediaDeviceKind::AudioInput)
        .collect();
    assert!(!mics[0].label.is_empty());
    // Order: microphones, cameras, then outputs.
    let order: Vec<_> = list.iter().map(|d| d.kind).collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|k| match k {
        MediaDeviceKind::AudioInput => 0,
        MediaDeviceKind::VideoInput => 1,
        MediaDeviceKind::AudioOutput => 2,
    });
    assert_eq!(order, sorted);
    assert!(order.contains(&MediaDeviceKind::AudioOutput));
}

#[test]
fn exposure_not_extended_to_a_kind_whose_permission_is_prompt() {
    let md = builder()
        .permission(PermissionName::Microphone, PermissionState::Prompt)
        .build();
    gum(&md, r#"{"video":true}"#).unwrap();
    let list = block_on(md.enumerate_devices()).unwrap();
    let mic = list
        .iter()
        .find(|d| d.kind == MediaDeviceKind::AudioInput)
        .unwrap();
    assert_eq!(mic.label, "", "microphone info must stay hidden");
    assert!(list.iter().all(|d| d.kind != MediaDeviceKind::AudioOutput));
}

#[test]
fn new_objects_every_call_with_equal_values_and_json_shape() {
    let md = devices();
    gum(&md, r#"{"audio":true,"video":true}"#).unwrap();
    let a = block_on(md.enumerate_devices()).unwrap();
    let b = block_on(md.enumerate_devices()).unwrap();
    assert_eq!(a, b);
    let json = a[0].to_json();
    let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    for k in ["deviceId", "kind", "label", "groupId"] {
        assert!(keys.contains(&k.to_string()), "toJSON lacks {k}: {json}");
    }
    assert_eq!(keys.len(), 4);
}

#[test]
fn display_surfaces_are_never_enumerated() {
    let md = devices();
    gum(&md, r#"{"audio":true,"video":true}"#).unwrap();
    let list = block_on(md.enumerate_devices()).unwrap();
    assert!(
        list.iter()
            .all(|d| !d.label.to_lowercase().contains("screen")),
        "{list:?}"
    );
}

#[test]
fn supported_constraints_list_every_spec_property() {
    let md = devices();
    let v = serde_json::to_value(md.get_supported_constraints()).unwrap();
    for k in [
        "width",
        "height",
        "aspectRatio",
        "frameRate",
        "facingMode",
        "resizeMode",
        "sampleRate",
        "sampleSize",
        "echoCancellation",
        "autoGainControl",
        "noiseSuppression",
        "latency",
        "channelCount",
        "deviceId",
        "groupId",
    ] {
        assert_eq!(
            v.get(k),
            Some(&serde_json::Value::Bool(true)),
            "{k} missing in {v}"
        );
    }
}
