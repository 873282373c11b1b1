//! Output dictionaries serialize like a browser's getSettings() / getCapabilities() /
//! getSupportedConstraints() / MediaDeviceInfo.toJSON(): absent members omitted.

use mediacapture_types::*;

#[test]
fn empty_settings_are_an_empty_object() {
    assert_eq!(
        serde_json::to_string(&MediaTrackSettings::default()).unwrap(),
        "{}"
    );
    assert_eq!(
        serde_json::to_string(&MediaTrackCapabilities::default()).unwrap(),
        "{}"
    );
}

#[test]
fn settings_use_idl_names_and_values() {
    let s = MediaTrackSettings {
        width: Some(640),
        aspect_ratio: Some(1.3333333333),
        facing_mode: Some(VideoFacingModeEnum::Environment),
        resize_mode: Some(VideoResizeModeEnum::CropAndScale),
        echo_cancellation: Some(EchoCancellation::Mode(EchoCancellationModeEnum::RemoteOnly)),
        device_id: Some("d".into()),
        suppress_local_audio_playback: Some(false),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        r#"{"width":640,"aspectRatio":1.3333333333,"facingMode":"environment","resizeMode":"crop-and-scale","echoCancellation":"remote-only","deviceId":"d","suppressLocalAudioPlayback":false}"#
    );
    let back: MediaTrackSettings =
        serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}

#[test]
fn settings_get_by_name() {
    let s = MediaTrackSettings {
        echo_cancellation: Some(EchoCancellation::Bool(true)),
        width: Some(5),
        ..Default::default()
    };
    assert_eq!(s.get("width"), Some(SettingValue::Number(5.0)));
    assert_eq!(s.get("echoCancellation"), Some(SettingValue::Bool(true)));
    assert_eq!(s.get("height"), None);
    assert_eq!(s.get("nonsense"), None);
}

#[test]
fn inherent_settings_keep_only_ids_and_facing_mode() {
    let s = MediaTrackSettings {
        width: Some(1),
        device_id: Some("d".into()),
        group_id: Some("g".into()),
        facing_mode: Some(VideoFacingModeEnum::User),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_string(&s.inherent()).unwrap(),
        r#"{"facingMode":"user","deviceId":"d","groupId":"g"}"#
    );
}

#[test]
fn supported_constraints_list_every_property_as_true() {
    let v = serde_json::to_value(MediaTrackSupportedConstraints::default()).unwrap();
    let names: Vec<&str> = PROPERTIES.iter().map(|p| p.name).collect();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), names.len());
    for n in names {
        assert_eq!(obj.get(n), Some(&serde_json::Value::Bool(true)), "{n}");
    }
    let partial = MediaTrackSupportedConstraints {
        cursor: false,
        ..Default::default()
    };
    assert!(!serde_json::to_string(&partial).unwrap().contains("cursor"));
}

#[test]
fn device_info_to_json() {
    let d = MediaDeviceInfo {
        device_id: "id".into(),
        kind: MediaDeviceKind::AudioInput,
        label: "Mic".into(),
        group_id: "g".into(),
    };
    assert_eq!(
        serde_json::to_string(&d).unwrap(),
        r#"{"deviceId":"id","kind":"audioinput","label":"Mic","groupId":"g"}"#
    );
    let i = InputDeviceInfo {
        info: d,
        capabilities: MediaTrackCapabilities::default(),
    };
    assert_eq!(
        serde_json::to_string(&i).unwrap(),
        r#"{"deviceId":"id","kind":"audioinput","label":"Mic","groupId":"g"}"#
    );
}

#[test]
fn builders_match_json() {
    let built = MediaStreamConstraints::new()
        .video(
            MediaTrackConstraints::new()
                .width(ConstrainULong::range(640, 1920))
                .aspect_ratio(ConstrainDouble::ideal(16.0 / 9.0))
                .facing_mode(ConstrainDOMString::exact(["user", "left"]))
                .resize_mode(VideoResizeModeEnum::None)
                .advanced(
                    MediaTrackConstraintSet::new()
                        .frame_rate(60.0)
                        .device_id("cam"),
                ),
        )
        .audio(
            MediaTrackConstraints::new()
                .echo_cancellation(EchoCancellationModeEnum::All)
                .auto_gain_control(false),
        );
    let json = r#"{"video":{"width":{"min":640,"max":1920},"aspectRatio":{"ideal":1.7777777777777777},"facingMode":{"exact":["user","left"]},"resizeMode":"none","advanced":[{"frameRate":60,"deviceId":"cam"}]},"audio":{"echoCancellation":"all","autoGainControl":false}}"#;
    assert_eq!(MediaStreamConstraints::from_json(json).unwrap(), built);
}

#[test]
fn track_request_helpers() {
    assert!(!TrackConstraintsRequest::Bool(false).is_requested());
    assert!(TrackConstraintsRequest::Bool(true).is_requested());
    assert_eq!(
        TrackConstraintsRequest::Bool(true).constraints(),
        MediaTrackConstraints::default()
    );
    let c = MediaTrackConstraints::new().width(5);
    assert_eq!(TrackConstraintsRequest::from(c.clone()).constraints(), c);
}

#[test]
fn retain_kind_drops_other_kinds_members() {
    let mut c = MediaTrackConstraints::from_json(
        r#"{"width":1,"sampleRate":2,"deviceId":"x","advanced":[{"channelCount":1,"height":2}]}"#,
    )
    .unwrap();
    c.retain_kind(TrackKind::Video);
    assert_eq!(
        serde_json::to_string(&c).unwrap(),
        r#"{"width":1,"deviceId":"x","advanced":[{"height":2}]}"#
    );
}
