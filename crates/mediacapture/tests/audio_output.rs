//! Audio outputs of a MediaDevices: which speaker a sink id names (setSinkId's rules),
//! selectAudioOutput with the "speaker-selection" permission, and devicechange for speakers.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod common;
use common::*;
use mediacapture::{
    AudioOutputOptions, ErrorKind, MediaDeviceKind, MediaDevices, PermissionName, PermissionState,
    PermissionsPolicy, flush_events,
};
use mediacapture_hal::fake::{DeviceSpec, FakeBackend, FakeProfile};
use std::sync::{Arc, Mutex};

type Log<T> = Arc<Mutex<Vec<T>>>;

const PROFILE: &str = r#"{"devices":[
    {"kind":"audioinput","id":"mic","label":"Mic"},
    {"kind":"audiooutput","id":"spk","label":"Speaker"},
    {"kind":"audiooutput","id":"hp","label":"Headphones","isDefault":true}]}"#;

fn md_with(
    f: impl FnOnce(mediacapture::MediaDevicesBuilder) -> mediacapture::MediaDevicesBuilder,
) -> (MediaDevices, Arc<FakeBackend>) {
    let backend = Arc::new(FakeBackend::new(FakeProfile::from_json(PROFILE).unwrap()));
    let b = MediaDevices::builder()
        .origin("https://example.com")
        .salt(SALT)
        .backend_arc(backend.clone());
    (f(b).build(), backend)
}

fn output_ids(md: &MediaDevices) -> Vec<(String, String)> {
    block_on(md.enumerate_devices())
        .unwrap()
        .iter()
        .filter(|d| d.kind == MediaDeviceKind::AudioOutput)
        .map(|d| (d.label.clone(), d.device_id.clone()))
        .collect()
}

#[test]
fn the_default_output_is_the_flagged_one_and_ids_work_once_exposed() {
    let (md, _) = md_with(|b| b);
    let d = md.audio_output("").unwrap().unwrap();
    assert_eq!(d.raw_id(), "hp");
    // Before exposure no output is listed, and no id is accepted (not even a right one).
    assert!(output_ids(&md).is_empty());
    let (other, _) = md_with(|b| b.expose_device_info(true));
    let right_id = output_ids(&other)
        .into_iter()
        .find(|(l, _)| l == "Speaker")
        .unwrap()
        .1;
    assert_eq!(
        md.audio_output(&right_id).unwrap_err().kind,
        ErrorKind::NotFoundError
    );
    // A microphone capture exposes the outputs: the id now names the speaker.
    let _s = gum(&md, r#"{"audio":true}"#).unwrap();
    let listed = output_ids(&md);
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&("Speaker".into(), right_id.clone())));
    assert_eq!(md.audio_output(&right_id).unwrap().unwrap().raw_id(), "spk");
    let e = md.audio_output("no-such-id").unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    // Denied speaker selection: a chosen id is refused, the default still plays.
    md.set_permission(PermissionName::SpeakerSelection, PermissionState::Denied);
    assert_eq!(
        md.audio_output(&right_id).unwrap_err().kind,
        ErrorKind::NotAllowedError
    );
    assert!(md.audio_output("").unwrap().is_some());
}

#[test]
fn the_policy_forbids_any_sink() {
    let (md, _) = md_with(|b| {
        b.policy(PermissionsPolicy {
            speaker_selection: false,
            ..Default::default()
        })
    });
    assert_eq!(
        md.audio_output("").unwrap_err().kind,
        ErrorKind::NotAllowedError
    );
    let e = block_on(md.select_audio_output(AudioOutputOptions::default())).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError);
}

#[test]
fn select_audio_output_asks_every_time_and_exposes_the_choice() {
    let asked: Log<(PermissionName, Vec<String>)> = Arc::default();
    let a = asked.clone();
    let (md, _) = md_with(move |b| {
        b.permission(PermissionName::SpeakerSelection, PermissionState::Prompt)
            .prompt(move |r| {
                a.lock().unwrap().push((r.name, r.devices.clone()));
                true
            })
    });
    let chosen = block_on(md.select_audio_output(AudioOutputOptions::default())).unwrap();
    assert_eq!(chosen.kind, MediaDeviceKind::AudioOutput);
    assert_eq!(chosen.label, "Headphones", "the default is offered");
    assert!(!chosen.device_id.is_empty() && !chosen.is_input());
    assert_eq!(
        asked.lock().unwrap().clone(),
        vec![(
            PermissionName::SpeakerSelection,
            vec!["Headphones".to_owned()]
        )]
    );
    // Exposed by the selection alone (no microphone capture): listed, and setSinkId's id.
    assert_eq!(
        output_ids(&md),
        vec![("Headphones".into(), chosen.device_id.clone())]
    );
    assert_eq!(
        md.audio_output(&chosen.device_id)
            .unwrap()
            .unwrap()
            .raw_id(),
        "hp"
    );
    // Selected before: given again without asking.
    let again = block_on(md.select_audio_output(AudioOutputOptions {
        device_id: chosen.device_id.clone(),
    }))
    .unwrap();
    assert_eq!(again.device_id, chosen.device_id);
    assert_eq!(asked.lock().unwrap().len(), 1);
    // Not remembered as granted: the next chooser asks again.
    block_on(md.select_audio_output(AudioOutputOptions::default())).unwrap();
    assert_eq!(asked.lock().unwrap().len(), 2);
    assert_eq!(
        md.permission(PermissionName::SpeakerSelection),
        PermissionState::Prompt
    );
}

#[test]
fn select_audio_output_refusals_and_no_speaker() {
    let (md, _) = md_with(|b| {
        b.permission(PermissionName::SpeakerSelection, PermissionState::Prompt)
            .prompt(|_| false)
    });
    let e = block_on(md.select_audio_output(AudioOutputOptions::default())).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError);
    md.set_permission(PermissionName::SpeakerSelection, PermissionState::Denied);
    let e = block_on(md.select_audio_output(AudioOutputOptions::default())).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError);
    let mic_only = MediaDevices::builder()
        .salt(SALT)
        .backend(FakeBackend::new(
            FakeProfile::from_json(r#"{"devices":[{"kind":"audioinput"}]}"#).unwrap(),
        ))
        .build();
    let e = block_on(mic_only.select_audio_output(AudioOutputOptions::default())).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    assert!(
        mic_only.audio_output("").unwrap().is_none(),
        "no speaker at all"
    );
    assert_eq!(
        AudioOutputOptions::from_json(r#"{"deviceId": 5}"#)
            .unwrap()
            .device_id,
        "5"
    );
    assert_eq!(
        AudioOutputOptions::from_json("[1]").unwrap_err().kind,
        ErrorKind::TypeError
    );
}

#[test]
fn speakers_coming_and_going_fire_devicechange() {
    let (md, backend) = md_with(|b| b.expose_device_info(true));
    let changes: Log<(usize, Vec<String>)> = Arc::default();
    let c = changes.clone();
    md.add_event_listener(move |e| {
        let outputs = e
            .devices
            .iter()
            .filter(|d| d.kind == MediaDeviceKind::AudioOutput)
            .count();
        let inserted = e
            .user_inserted_devices
            .iter()
            .map(|d| d.label.clone())
            .collect();
        c.lock().unwrap().push((outputs, inserted));
    });
    backend
        .add_device(DeviceSpec::audio_output("USB Speaker").with_id("usb"))
        .unwrap();
    flush_events();
    backend.remove_device("usb").unwrap();
    flush_events();
    assert_eq!(
        changes.lock().unwrap().clone(),
        vec![(3, vec!["USB Speaker".to_owned()]), (2, vec![])]
    );
}
