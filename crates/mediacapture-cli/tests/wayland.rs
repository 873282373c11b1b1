//! The `mediacapture` command on a Wayland session without an X server: a private headless
//! sway with PipeWire, WirePlumber and xdg-desktop-portal (`scripts/pipewire-stack.sh`), a
//! GStreamer test camera on PipeWire, `DISPLAY` unset. `devices` lists the camera and the
//! portal's screen, and `record --display` records the screen through the portal (checked
//! with ffprobe). Skipped with a printed line only when a component is not installed or
//! cannot be built.
#![cfg(feature = "portal")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

use mediacapture_test_support::stack::Stack;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn ffprobe(path: &Path) -> Value {
    let o = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path)
        .output()
        .expect("ffprobe is installed (scripts/setup.sh installs ffmpeg)");
    assert!(
        o.status.success(),
        "ffprobe rejects {}: {}",
        path.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn devices_and_record_display_work_on_a_wayland_session_without_x() {
    let test = "devices_and_record_display_work_on_a_wayland_session_without_x";
    let stack = Stack::new("mc-cli-wl");
    let up = stack.run(&["start"]).and_then(|_| stack.run(&["sway"]));
    let Some(sway) = up else {
        println!("skipped: {test}: the sway + portal stack cannot run here (see above)");
        return;
    };
    let wayland_display = sway
        .lines()
        .find_map(|l| l.strip_prefix("WAYLAND_DISPLAY="))
        .expect("the script names the Wayland display")
        .to_owned();
    if stack
        .run(&["camera", "wlcam", "YUY2", "640", "480", "30"])
        .is_none()
    {
        println!("skipped: {test}: GStreamer's pipewiresink is not installed (see above)");
        return;
    }
    // The session as a Wayland desktop sets it up: no X server, no session type (sway was
    // started by hand), the runtime directory where PipeWire's socket is.
    let mediacapture = |args: &[&str]| -> Output {
        stack
            .wayland_session(
                Command::new(env!("CARGO_BIN_EXE_mediacapture")).args(args),
                &wayland_display,
            )
            .output()
            .expect("the binary runs")
    };
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();

    let o = mediacapture(&["devices"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let listing = String::from_utf8_lossy(&o.stdout).into_owned();
    // The PipeWire camera, and the screen the portal offers (no X11 screen: there is none).
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("videoinput") && l.contains("Test-camera-wlcam")),
        "{listing}"
    );
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("monitor") && l.contains("portal")),
        "{listing}"
    );

    let out = stack.dir().join("s.webm");
    let o = mediacapture(&[
        "record",
        "--display",
        "--duration",
        "2s",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let probe = ffprobe(&out);
    let streams = probe["streams"].as_array().unwrap();
    let video: Vec<&Value> = streams
        .iter()
        .filter(|s| s["codec_type"] == "video")
        .collect();
    assert_eq!(video.len(), 1, "{probe}");
    assert_eq!(video[0]["codec_name"], "vp8");
    // sway's headless output is 1280x720.
    assert_eq!(
        (video[0]["width"].as_u64(), video[0]["height"].as_u64()),
        (Some(1280), Some(720)),
        "{probe}"
    );
    // No system audio on this session (no PulseAudio server): the screen only, no made-up
    // tone next to a real screen.
    assert!(
        streams.iter().all(|s| s["codec_type"] != "audio"),
        "{probe}"
    );
}

#[test]
fn record_display_keeps_a_finished_file_when_the_user_stops_sharing() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let test = "record_display_keeps_a_finished_file_when_the_user_stops_sharing";
    // A stand-in for the desktop's ScreenCast backend casting a 640x360 test pattern, which
    // can end the cast as a desktop's "stop sharing" does (`pipewire-stack.sh fakecast`).
    let Some(stack) = Stack::up(
        test,
        "mc-cli-stop",
        &[
            &["start"],
            &["camera", "stopscreen", "BGRx", "640", "360", "30"],
            &["fakecast", "stopscreen", "640", "360"],
        ],
    ) else {
        return;
    };
    let out = stack.dir().join("stopped.webm");
    // A Wayland session (the name is only looked at, no compositor is needed with the
    // stand-in), recording until the screen's track ends.
    let mut child = stack
        .wayland_session(
            Command::new(env!("CARGO_BIN_EXE_mediacapture")).args([
                "record",
                "--display",
                "-o",
                out.to_str().unwrap(),
            ]),
            "wayland-mediacapture-test",
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    // Frames are being recorded once a progress line counts some (one a second).
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = stderr.read_line(&mut line).unwrap();
        assert!(n > 0, "the recording ended before any frame: {seen}");
        seen.push_str(&line);
        if line.starts_with("recording") && !line.contains(" 0.0 fps") {
            break;
        }
    }
    // The user stops sharing: the portal closes the session, the track ends, and the
    // recording stops there with its file finished.
    assert!(stack.run(&["closecast"]).is_some());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    // Status 1: the recording stopped early (nothing asked it to stop).
    assert_eq!(status.code(), Some(1), "{seen}{rest}");
    assert!(rest.contains("ended"), "{rest}");
    let probe = ffprobe(&out);
    let video: Vec<&Value> = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["codec_type"] == "video")
        .collect();
    assert_eq!(video.len(), 1, "{probe}");
    assert_eq!(
        (video[0]["width"].as_u64(), video[0]["height"].as_u64()),
        (Some(640), Some(360)),
        "{probe}"
    );
    // Finished: the muxer wrote the duration (at least the second of frames seen).
    let duration: f64 = probe["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no duration: {probe}"));
    assert!(duration >= 0.9, "{probe}");
}
