//! getUserMedia through the xdg-desktop-portal Camera interface (what a sandboxed program
//! uses) on a private stack (`scripts/pipewire-stack.sh start` + `sway` + GStreamer test
//! cameras): the portal's answer, stored in its permission store as a user answering its
//! dialog would, decides; cameras coming and going through the portal are device changes;
//! a failed reopening leaves the track in a sane state; a refusal is not asked again in a
//! loop. Skipped with a printed line only when a component is not installed or cannot be
//! built.
#![cfg(feature = "portal")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{
    DeviceChangeEvent, ErrorKind, MediaDeviceKind, MediaDevices, MediaStreamTrack,
    MediaStreamTrackState, MediaTrackConstraints, TrackEvent,
};
use mediacapture_hal::pipewire::PipeWireBackend;
use mediacapture_hal::{
    Backend, DeviceChangeCallback, DeviceDescriptor, NativeCapabilities, NativeConfig, Source,
    SourceSink,
};
use mediacapture_test_support::stack::Stack;
use mediacapture_types::native::VideoMode;
use std::sync::{Arc, mpsc};

/// A stack with the Camera portal (sway, xdg-desktop-portal and its GTK backend), the
/// camera `camera` (YUY2 320x240 at 30 fps) and the portal's answer `permission`.
fn portal_stack(test: &str, camera: &str, permission: &str) -> Option<Stack> {
    Stack::up(
        test,
        "mc-gumpt",
        &[
            &["start"],
            &["sway"],
            &["camera", camera, "YUY2", "320", "240", "30"],
            &["camera-permission", permission],
        ],
    )
}

/// A MediaDevices whose only cameras come through the Camera portal of `stack`.
fn portal_devices(stack: &Stack) -> MediaDevices {
    devices_on(PipeWireBackend::via_camera_portal_on_bus(
        stack.bus_address(),
    ))
}

fn devices_on(backend: impl Backend + 'static) -> MediaDevices {
    MediaDevices::builder()
        .origin("https://example.com")
        .salt(SALT)
        .backend(backend)
        .build()
}

fn constraints(json: &str) -> MediaTrackConstraints {
    MediaTrackConstraints::from_json(json).unwrap()
}

fn width(track: &MediaStreamTrack) -> Option<u64> {
    serde_json::to_value(track.get_settings()).unwrap()["width"].as_u64()
}

/// The labels of the cameras listed in a devicechange.
fn camera_labels(e: &DeviceChangeEvent) -> Vec<String> {
    e.devices
        .iter()
        .filter(|d| d.kind == MediaDeviceKind::VideoInput)
        .map(|d| d.label.clone())
        .collect()
}

#[test]
fn a_camera_portal_refusal_is_not_allowed_error_and_a_grant_streams() {
    let test = "a_camera_portal_refusal_is_not_allowed_error_and_a_grant_streams";
    let Some(stack) = portal_stack(test, "ptcam", "no") else {
        return;
    };

    // The user said no: the system refuses the camera. A browser rejects with
    // NotAllowedError ("Permission denied by system"), not NotFoundError: there is a camera.
    let md = portal_devices(&stack);
    let e = gum(&md, r#"{"video":true}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError, "{e}");
    assert_eq!(e.message, "Permission denied by system");
    // Constraints do not change that (no OverconstrainedError naming a constraint either).
    let e = gum(&md, r#"{"video":{"width":{"exact":320}}}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError, "{e}");

    // The same stack once the user said yes: the camera is there and streams.
    assert!(stack.run(&["camera-permission", "yes"]).is_some());
    let md = portal_devices(&stack);
    let stream = gum(&md, r#"{"video":true}"#).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let frame = track.video_frames().recv_timeout(SAFETY).expect("a frame");
    assert_eq!((frame.coded_width(), frame.coded_height()), (320, 240));
    track.stop();
}

#[test]
fn cameras_coming_and_going_through_the_camera_portal_end_tracks_and_fire_devicechange() {
    let test =
        "cameras_coming_and_going_through_the_camera_portal_end_tracks_and_fire_devicechange";
    let Some(stack) = portal_stack(test, "hpcam", "yes") else {
        return;
    };
    let md = portal_devices(&stack);
    let stream = gum(&md, r#"{"video":true}"#).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let frame = track.video_frames().recv_timeout(SAFETY).expect("a frame");
    assert_eq!((frame.coded_width(), frame.coded_height()), (320, 240));
    let (tx, log) = mpsc::channel::<String>();
    let t = tx.clone();
    track.add_event_listener(move |e| t.send(format!("track:{}", e.event_type())).unwrap());
    md.add_event_listener(move |e| {
        tx.send(format!("devicechange:{}", camera_labels(e).join(",")))
            .unwrap()
    });

    // The camera's node goes away: its track ends, then the list changes (no camera left).
    assert!(stack.run(&["uncamera", "hpcam"]).is_some());
    assert_eq!(recv(&log, "ended"), "track:ended");
    assert_eq!(track.ready_state(), MediaStreamTrackState::Ended);
    assert_eq!(recv(&log, "devicechange"), "devicechange:");

    // A camera node added is shown through the portal too: devicechange lists it, and it
    // streams.
    assert!(
        stack
            .run(&["camera", "hpcam2", "YUY2", "320", "240", "30"])
            .is_some()
    );
    assert_eq!(
        recv(&log, "devicechange"),
        "devicechange:Test-camera-hpcam2"
    );
    let stream = gum(&md, r#"{"video":true}"#).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    assert_eq!(track.label(), "Test-camera-hpcam2");
    let frame = track.video_frames().recv_timeout(SAFETY).expect("a frame");
    assert_eq!((frame.coded_width(), frame.coded_height()), (320, 240));
    track.stop();
    assert!(log.try_recv().is_err(), "nothing else fired");
}

/// The Camera portal's cameras as a camera that also lists a mode it cannot deliver
/// (640x480, which the GStreamer camera behind it does not have), as real cameras sometimes
/// do: opening it in that mode fails in the PipeWire backend, after the portal handed out
/// its connection, as a reopening that fails does.
struct ListsAModeItLacks(PipeWireBackend);

const LACKED: VideoMode = VideoMode {
    width: 640,
    height: 480,
    frame_rate: 30.0,
};

impl Backend for ListsAModeItLacks {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn devices(&self) -> mediacapture::Result<Vec<DeviceDescriptor>> {
        let mut devices = self.0.devices()?;
        for d in &mut devices {
            if let NativeCapabilities::Video(v) = &mut d.capabilities {
                v.modes.push(LACKED);
            }
        }
        Ok(devices)
    }

    fn open(
        &self,
        raw: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> mediacapture::Result<Box<dyn Source>> {
        self.0.open(raw, config, sink)
    }

    fn watch_devices(&self, callback: DeviceChangeCallback) {
        self.0.watch_devices(callback);
    }

    fn access_refused(&self, kind: MediaDeviceKind) -> bool {
        self.0.access_refused(kind)
    }
}

#[test]
fn a_failed_reopening_keeps_the_running_mode_or_ends_the_track_when_none_opens() {
    let test = "a_failed_reopening_keeps_the_running_mode_or_ends_the_track_when_none_opens";
    let Some(stack) = portal_stack(test, "rocam", "yes") else {
        return;
    };
    let md = devices_on(ListsAModeItLacks(
        PipeWireBackend::via_camera_portal_on_bus(stack.bus_address()),
    ));
    let stream = gum(&md, r#"{"video":{"width":{"exact":320}}}"#).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    assert_eq!(width(&track), Some(320));
    let frame = track.video_frames().recv_timeout(SAFETY).expect("a frame");
    assert_eq!(frame.coded_width(), 320);

    // 640 wide needs the camera reopened in its other mode, which fails: applyConstraints
    // rejects, and the camera runs on in the mode it had, for the same track, which keeps
    // its settings and constraints.
    let e =
        block_on(track.apply_constraints(constraints(r#"{"width":{"exact":640}}"#))).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
    assert_eq!(track.ready_state(), MediaStreamTrackState::Live);
    assert_eq!(width(&track), Some(320));
    let frames = track.video_frames();
    let frame = frames
        .recv_timeout(SAFETY)
        .expect("frames after the failure");
    assert_eq!((frame.coded_width(), frame.coded_height()), (320, 240));
    let frame = frames.recv_timeout(SAFETY).expect("frames go on");
    assert_eq!(frame.coded_width(), 320);
    drop(frames);

    // The user withdraws access meanwhile (in the desktop's settings): the running stream
    // goes on, but neither mode can be opened again. applyConstraints rejects, and the track
    // ends (it does not stay live without a source).
    let mut events = track.events();
    assert!(stack.run(&["camera-permission", "no"]).is_some());
    let e =
        block_on(track.apply_constraints(constraints(r#"{"width":{"exact":640}}"#))).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError, "{e}");
    assert_eq!(
        block_on(futures_util::StreamExt::next(&mut events)),
        Some(TrackEvent::Ended)
    );
    assert_eq!(track.ready_state(), MediaStreamTrackState::Ended);
    assert!(!stream.active());
}

#[test]
fn a_refused_camera_portal_is_asked_again_only_by_the_next_request() {
    let test = "a_refused_camera_portal_is_asked_again_only_by_the_next_request";
    let Some(stack) = portal_stack(test, "askcam", "no") else {
        return;
    };
    let mut asked = stack.monitor_calls("org.freedesktop.portal.Camera", "AccessCamera");
    let md = portal_devices(&stack);
    let (tx, changes) = mpsc::channel::<Vec<String>>();
    md.add_event_listener(move |e| tx.send(camera_labels(e)).unwrap());
    // Making the MediaDevices lists the devices once: one question, refused.
    assert_eq!(asked.count(), 1);

    // Each getUserMedia asks once (refused again), and nothing asks in between: cameras
    // coming and going (which a watcher connected through the portal would see) do not
    // make anything ask.
    let e = gum(&md, r#"{"video":true}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError, "{e}");
    assert_eq!(asked.count(), 2);
    assert!(
        stack
            .run(&["camera", "askcam2", "YUY2", "320", "240", "30"])
            .is_some()
    );
    assert!(stack.run(&["uncamera", "askcam2"]).is_some());
    assert_eq!(asked.count(), 2, "asked without a request of the program's");
    let e = gum(&md, r#"{"video":true}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError, "{e}");
    assert_eq!(asked.count(), 3);

    // The user says yes (in the desktop's settings): the next request asks and is granted,
    // and from then on the device watcher works through the portal without asking: a
    // camera coming is a devicechange.
    assert!(stack.run(&["camera-permission", "yes"]).is_some());
    let stream = gum(&md, r#"{"video":true}"#).unwrap();
    assert_eq!(asked.count(), 4);
    let track = stream.get_video_tracks()[0].clone();
    track.video_frames().recv_timeout(SAFETY).expect("a frame");
    while changes.try_recv().is_ok() {}
    assert!(
        stack
            .run(&["camera", "askcam3", "YUY2", "320", "240", "30"])
            .is_some()
    );
    let labels = loop {
        let labels = recv(&changes, "devicechange for the new camera");
        if labels.len() == 2 {
            break labels;
        }
    };
    assert!(
        labels.contains(&"Test-camera-askcam3".to_owned()),
        "{labels:?}"
    );
    // Granted questions are not asked again either.
    assert_eq!(asked.count(), 4);
    track.stop();
}
