//! Fake profiles: parsing, defaults, errors, and the descriptors the backend reports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

use mediacapture_frame::PixelFormat;
use mediacapture_hal::fake::{DeviceSpec, FakeBackend, FakeDeviceKind, FakeProfile};
use mediacapture_hal::{Backend, ErrorKind, NativeCapabilities};
use mediacapture_types::{
    CursorCaptureConstraint, DisplayCaptureSurfaceType, EchoCancellation, MediaDeviceKind,
    VideoFacingModeEnum,
};

#[test]
fn default_profile_has_the_documented_devices() {
    let backend = FakeBackend::new(FakeProfile::default());
    let devices = backend.devices().unwrap();
    assert_eq!(devices.len(), 4);

    let cam = &devices[0];
    assert_eq!(cam.kind, MediaDeviceKind::VideoInput);
    assert_eq!(cam.raw_id, "fake:videoinput:0");
    assert!(cam.is_default);
    let NativeCapabilities::Video(v) = &cam.capabilities else {
        panic!("camera capabilities: {:?}", cam.capabilities)
    };
    let modes: Vec<_> = v
        .modes
        .iter()
        .map(|m| (m.width, m.height, m.frame_rate))
        .collect();
    assert_eq!(
        modes,
        vec![
            (640, 480, 30.0),
            (1280, 720, 30.0),
            (1280, 720, 60.0),
            (1920, 1080, 30.0)
        ]
    );
    assert_eq!(v.facing_mode, Some(VideoFacingModeEnum::User));

    let mic = &devices[1];
    assert_eq!(mic.kind, MediaDeviceKind::AudioInput);
    let NativeCapabilities::Audio(a) = &mic.capabilities else {
        panic!("mic capabilities: {:?}", mic.capabilities)
    };
    assert_eq!(a.sample_rates, vec![48000]);
    assert_eq!(a.channel_counts, vec![1, 2]);

    assert_eq!(devices[2].kind, MediaDeviceKind::AudioOutput);
    assert_eq!(devices[2].capabilities, NativeCapabilities::Output);

    let screen = &devices[3];
    assert_eq!(screen.kind, MediaDeviceKind::VideoInput);
    assert!(screen.is_display());
    let NativeCapabilities::Display(d) = &screen.capabilities else {
        panic!()
    };
    assert_eq!((d.width, d.height, d.max_frame_rate), (1920, 1080, 30.0));
    assert_eq!(d.display_surface, DisplayCaptureSurfaceType::Monitor);
    assert_eq!(d.cursor, vec![CursorCaptureConstraint::Never]);
}

#[test]
fn ids_are_stable_across_backends() {
    let a = FakeBackend::default().devices().unwrap();
    let b = FakeBackend::default().devices().unwrap();
    let ids = |d: &[mediacapture_hal::DeviceDescriptor]| {
        d.iter()
            .map(|x| (x.raw_id.clone(), x.raw_group_id.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    let unique: std::collections::HashSet<_> = a.iter().map(|d| &d.raw_id).collect();
    assert_eq!(unique.len(), a.len());
}

#[test]
fn parses_the_documented_shape() {
    let p = FakeProfile::from_json(
        r#"{"devices":[
        {"kind":"videoinput","label":"Front","groupId":"g1","facingMode":"environment",
         "modes":[{"width":1280,"height":720,"frameRate":30,"pixelFormat":"NV12"},
                  {"width":320,"height":240,"frameRate":15,"pixelFormat":"YUYV"}],
         "muteAfterMs":1000,"muteForMs":500},
        {"kind":"audioinput","label":"Mic","sampleRate":[48000,16000],"channelCount":[2],
         "sampleSize":[16],"echoCancellation":[true,false,"remote-only"],"latency":[0.01,0.05],
         "autoGainControl":[false],"noiseSuppression":[false],"disconnectAfterMs":2000,
         "id":"mic-raw","isDefault":true},
        {"kind":"audiooutput","label":"Out","groupId":"g1"},
        {"kind":"screen","label":"S","width":800,"height":600,"frameRate":10,
         "cursor":["never","always"],"displaySurface":"window"},
        {"kind":"videoinput","label":"Busy","busy":true}
    ]}"#,
    )
    .unwrap();
    assert_eq!(p.devices.len(), 5);
    let cam = &p.devices[0];
    assert_eq!(cam.kind, FakeDeviceKind::VideoInput);
    assert_eq!(cam.label, "Front");
    assert_eq!(cam.group_id.as_deref(), Some("g1"));
    assert_eq!(cam.facing_mode, Some(VideoFacingModeEnum::Environment));
    assert_eq!(cam.modes.len(), 2);
    assert_eq!(cam.modes[0].pixel_format, PixelFormat::Nv12);
    assert_eq!(cam.modes[1].pixel_format, PixelFormat::Yuyv);
    assert_eq!(cam.modes[1].frame_rate, 15.0);
    assert_eq!(cam.faults.mute_after_ms, Some(1000));
    assert_eq!(cam.faults.mute_for_ms, Some(500));
    let mic = &p.devices[1];
    assert_eq!(mic.sample_rates, vec![48000, 16000]);
    assert_eq!(mic.channel_counts, vec![2]);
    assert_eq!(mic.latency, (0.01, 0.05));
    assert_eq!(mic.echo_cancellation.len(), 3);
    assert_eq!(mic.echo_cancellation[0], EchoCancellation::Bool(true));
    assert_eq!(mic.auto_gain_control, vec![false]);
    assert_eq!(mic.faults.disconnect_after_ms, Some(2000));
    assert!(mic.is_default);
    assert!(p.devices[4].busy);

    let backend = FakeBackend::new(p);
    let d = backend.devices().unwrap();
    assert_eq!(d[0].raw_id, "fake:videoinput:0");
    assert_eq!(d[0].raw_group_id, "g1");
    assert_eq!(d[1].raw_id, "mic-raw");
    assert_eq!(d[2].raw_group_id, "g1");
    assert_eq!(d[4].raw_id, "fake:videoinput:1");
    let NativeCapabilities::Display(s) = &d[3].capabilities else {
        panic!()
    };
    assert_eq!((s.width, s.height, s.max_frame_rate), (800, 600, 10.0));
    assert_eq!(s.display_surface, DisplayCaptureSurfaceType::Window);
    assert_eq!(s.cursor.len(), 2);
}

#[test]
fn unknown_members_are_ignored() {
    let p = FakeProfile::from_json(
        r#"{"devices":[{"kind":"audiooutput","label":"X","colour":"red","nested":{"a":1}}],
            "version":7}"#,
    )
    .unwrap();
    assert_eq!(p.devices.len(), 1);
    assert_eq!(p.devices[0].label, "X");
}

fn type_error(json: &str) -> String {
    let e = FakeProfile::from_json(json).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TypeError, "{json}: {e}");
    e.message
}

#[test]
fn bad_members_are_type_errors_naming_the_member() {
    let m = type_error(r#"{"devices":[{"kind":"camera"}]}"#);
    assert!(m.contains("devices[0].kind"), "{m}");
    let m = type_error(
        r#"{"devices":[{"kind":"videoinput","modes":[{"width":640,"height":480},{"width":"big","height":1}]}]}"#,
    );
    assert!(m.contains("devices[0].modes[1].width"), "{m}");
    let m = type_error(
        r#"{"devices":[{"kind":"audiooutput"},{"kind":"audioinput","sampleRate":[48000,-1]}]}"#,
    );
    assert!(m.contains("devices[1].sampleRate[1]"), "{m}");
    let m = type_error(r#"{"devices":[{"kind":"audioinput","channelCount":[]}]}"#);
    assert!(m.contains("devices[0].channelCount"), "{m}");
    let m = type_error(r#"{"devices":[{"kind":"videoinput","label":5}]}"#);
    assert!(m.contains("devices[0].label"), "{m}");
    let m = type_error(r#"{"devices":[{"kind":"videoinput","busy":"yes"}]}"#);
    assert!(m.contains("devices[0].busy"), "{m}");
    let m = type_error(r#"{"devices":[{"kind":"videoinput","muteAfterMs":-5}]}"#);
    assert!(m.contains("devices[0].muteAfterMs"), "{m}");
    let m = type_error(
        r#"{"devices":[{"kind":"videoinput","modes":[{"width":64,"height":64,"pixelFormat":"RGB24"}]}]}"#,
    );
    assert!(m.contains("pixelFormat"), "{m}");
    let m = type_error(r#"{"devices":[{"kind":"screen","cursor":["sometimes"]}]}"#);
    assert!(m.contains("devices[0].cursor[0]"), "{m}");
    let m = type_error(r#"{"devices":[{"kind":"audioinput","latency":[0.5,0.1]}]}"#);
    assert!(m.contains("devices[0].latency"), "{m}");
    let m = type_error(r#"{"devices":[{"label":"no kind"}]}"#);
    assert!(m.contains("devices[0].kind"), "{m}");
    let m = type_error(r#"{"devices":{}}"#);
    assert!(m.contains("devices"), "{m}");
    type_error(r#"{"nodevices":[]}"#);
    type_error(r#"[1,2]"#);
    type_error(r#"{"devices":[ "#);
}

/// Issue #13.7: values no hardware has are refused when the profile is loaded, naming the
/// member (they used to be accepted, and opening a 4294967295 Hz microphone allocated half a
/// gigabyte per 10 ms block).
#[test]
fn values_no_hardware_has_are_refused_naming_the_member() {
    let mic = |member: &str| format!(r#"{{"devices":[{{"kind":"audioinput",{member}}}]}}"#);
    for (member, path) in [
        (r#""sampleRate":[1]"#, "devices[0].sampleRate[0]"),
        (r#""sampleRate":[48000, 1e7]"#, "devices[0].sampleRate[1]"),
        (r#""sampleRate":4294967295"#, "devices[0].sampleRate"),
        (r#""sampleRate":[7999]"#, "devices[0].sampleRate[0]"),
        (r#""sampleRate":[384001]"#, "devices[0].sampleRate[0]"),
        (r#""channelCount":[0]"#, "devices[0].channelCount[0]"),
        (r#""channelCount":[33]"#, "devices[0].channelCount[0]"),
        (r#""sampleSize":[64]"#, "devices[0].sampleSize[0]"),
        (r#""latency":11"#, "devices[0].latency"),
    ] {
        let m = type_error(&mic(member));
        assert!(m.contains(path), "{member}: {m}");
    }
    let cam = |mode: &str| {
        format!(
            r#"{{"devices":[{{"kind":"videoinput","modes":[{{"width":64,"height":64}},{mode}]}}]}}"#
        )
    };
    for (mode, path) in [
        (
            r#"{"width":320,"height":240,"frameRate":1e-300}"#,
            "devices[0].modes[1].frameRate",
        ),
        (
            r#"{"width":320,"height":240,"frameRate":0.5}"#,
            "devices[0].modes[1].frameRate",
        ),
        (
            r#"{"width":320,"height":240,"frameRate":1001}"#,
            "devices[0].modes[1].frameRate",
        ),
        (
            r#"{"width":8193,"height":240}"#,
            "devices[0].modes[1].width",
        ),
        (r#"{"width":320,"height":0}"#, "devices[0].modes[1].height"),
        (
            r#"{"width":8192,"height":8192,"pixelFormat":"BGRA"}"#,
            "devices[0].modes[1]",
        ),
    ] {
        let m = type_error(&cam(mode));
        assert!(m.contains(path), "{mode}: {m}");
    }
    let m = type_error(r#"{"devices":[{"kind":"screen","frameRate":2000}]}"#);
    assert!(m.contains("devices[0].frameRate"), "{m}");
    let m = type_error(r#"{"devices":[{"kind":"screen","width":8192,"height":8192}]}"#);
    assert!(m.contains("devices[0]"), "{m}");
    // The largest real values pass.
    FakeProfile::from_json(&mic(r#""sampleRate":[8000,384000],"channelCount":32"#)).unwrap();
    FakeProfile::from_json(&cam(r#"{"width":7680,"height":4320,"frameRate":1000}"#)).unwrap();
    FakeProfile::from_json(r#"{"devices":[{"kind":"screen","width":7680,"height":4320}]}"#)
        .unwrap();
    // Devices built in code are checked when added.
    let backend = FakeBackend::new(FakeProfile::empty());
    let mut spec = DeviceSpec::microphone("Huge");
    spec.sample_rates = vec![4_294_967_295];
    let e = backend.add_device(spec).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TypeError);
    assert!(e.message.contains("sampleRate"), "{e}");
    let e = backend
        .add_device(DeviceSpec::screen("Slow", 640, 480, 1e-300))
        .unwrap_err();
    assert!(e.message.contains("frameRate"), "{e}");
    assert!(backend.devices().unwrap().is_empty());
}

#[test]
fn profile_from_file_resolves_relative_media_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.json");
    std::fs::write(
        &path,
        r#"{"devices":[{"kind":"audioinput","file":"tone.wav"}]}"#,
    )
    .unwrap();
    let p = FakeProfile::from_file(&path).unwrap();
    assert_eq!(
        p.devices[0].file.as_deref(),
        Some(dir.path().join("tone.wav").as_path())
    );
    let e = FakeProfile::from_file(dir.path().join("missing.json")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReadableError);
}

#[test]
fn device_spec_from_json_and_builders() {
    let d = DeviceSpec::from_json(r#"{"kind":"screen","width":640,"height":360}"#).unwrap();
    assert_eq!((d.width, d.height), (640, 360));
    let e = DeviceSpec::from_json(r#"{"kind":"screen","width":0}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TypeError);
    let c = DeviceSpec::camera("C").with_id("c1").with_group_id("g");
    assert_eq!(c.id.as_deref(), Some("c1"));
    assert_eq!(c.group_id.as_deref(), Some("g"));
}

#[test]
fn duplicate_ids_are_refused_by_add_device() {
    let b = FakeBackend::new(FakeProfile::empty());
    assert_eq!(
        b.add_device(DeviceSpec::camera("A").with_id("x")).unwrap(),
        "x"
    );
    let e = b
        .add_device(DeviceSpec::camera("B").with_id("x"))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::TypeError);
    assert_eq!(b.devices().unwrap().len(), 1);
}

#[test]
fn window_and_browser_kinds_are_screens_of_that_surface_type() {
    let p = FakeProfile::from_json(
        r#"{"devices":[
        {"kind":"window"},
        {"kind":"browser","label":"Docs","width":640,"height":360},
        {"kind":"window","displaySurface":"monitor"}
    ]}"#,
    )
    .unwrap();
    let d = FakeBackend::new(p).devices().unwrap();
    let surface = |i: usize| match &d[i].capabilities {
        NativeCapabilities::Display(c) => (c.display_surface, c.width, c.height),
        other => panic!("{other:?}"),
    };
    assert_eq!(surface(0), (DisplayCaptureSurfaceType::Window, 1280, 720));
    assert_eq!(d[0].label, "Fake Window");
    assert_eq!(surface(1), (DisplayCaptureSurfaceType::Browser, 640, 360));
    assert_eq!(d[1].label, "Docs");
    assert_eq!(
        surface(2).0,
        DisplayCaptureSurfaceType::Monitor,
        "displaySurface wins"
    );
    assert!(d.iter().all(|x| x.raw_id.starts_with("fake:screen:")));
}
