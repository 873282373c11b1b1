//! getUserMedia through the xdg-desktop-portal Camera interface (what a sandboxed program
//! uses) on a private stack (`scripts/pipewire-stack.sh start` + `sway` + a GStreamer test
//! camera): the portal's answer, stored in its permission store as a user answering its
//! dialog would, decides. Skipped with a printed line only when a component is not installed
//! or cannot be built.
#![cfg(feature = "portal")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{ErrorKind, MediaDevices};
use mediacapture_hal::pipewire::PipeWireBackend;
use std::path::PathBuf;
use std::process::Command;

struct Stack {
    dir: tempfile::TempDir,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pipewire-stack.sh")
}

impl Stack {
    fn run(&self, args: &[&str]) -> bool {
        let out = Command::new("bash")
            .arg(script())
            .arg(args[0])
            .arg(self.dir.path())
            .args(&args[1..])
            .output()
            .unwrap();
        print!("{}", String::from_utf8_lossy(&out.stderr));
        match out.status.code() {
            Some(0) => true,
            Some(77) => false,
            _ => panic!("pipewire-stack.sh {args:?} failed: {:?}", out.status),
        }
    }

    /// A MediaDevices whose only cameras come through the Camera portal.
    fn devices(&self) -> MediaDevices {
        let address = std::fs::read_to_string(self.dir.path().join("dbus-address")).unwrap();
        MediaDevices::builder()
            .origin("https://example.com")
            .salt(SALT)
            .backend(PipeWireBackend::via_camera_portal_on_bus(address.trim()))
            .build()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn a_camera_portal_refusal_is_not_allowed_error_and_a_grant_streams() {
    let test = "a_camera_portal_refusal_is_not_allowed_error_and_a_grant_streams";
    let stack = Stack {
        dir: tempfile::Builder::new()
            .prefix("mc-gumpt")
            .tempdir()
            .unwrap(),
    };
    if !stack.run(&["start"])
        || !stack.run(&["sway"])
        || !stack.run(&["camera", "ptcam", "YUY2", "320", "240", "30"])
        || !stack.run(&["camera-permission", "no"])
    {
        println!("skipped: {test}: the PipeWire + portal stack cannot run here (see above)");
        return;
    }

    // The user said no: the system refuses the camera. A browser rejects with
    // NotAllowedError ("Permission denied by system"), not NotFoundError: there is a camera.
    let md = stack.devices();
    let e = gum(&md, r#"{"video":true}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError, "{e}");
    assert_eq!(e.message, "Permission denied by system");
    // Constraints do not change that (no OverconstrainedError naming a constraint either).
    let e = gum(&md, r#"{"video":{"width":{"exact":320}}}"#).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowedError, "{e}");

    // The same stack once the user said yes: the camera is there and streams.
    assert!(stack.run(&["camera-permission", "yes"]));
    let md = stack.devices();
    let stream = gum(&md, r#"{"video":true}"#).unwrap();
    let track = stream.get_video_tracks()[0].clone();
    let frame = track.video_frames().recv_timeout(SAFETY).expect("a frame");
    assert_eq!((frame.coded_width(), frame.coded_height()), (320, 240));
    track.stop();
}
