//! A recording whose process is killed (SIGKILL) mid-way still decodes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.
mod common;

use common::*;
use mediacapture_recorder::{LocalRecorder, RecorderOptions, TrackInfo, TrackKind};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "MEDIACAPTURE_RECORDER_KILL_CHILD";

/// The child process: records synthetic 30 fps video and 48 kHz audio into the file named by
/// the environment, as fast as it can, telling the parent how far it got; the parent kills it.
/// After 60 s of media it waits on its stdin (which the parent never closes before the kill),
/// so it is always killed mid-recording: no sleeping, no clock.
#[test]
#[ignore = "child process of sigkill_mid_recording_still_decodes"]
fn kill_child_records_until_killed() {
    let path = std::env::var(CHILD_ENV).expect("run by sigkill_mid_recording_still_decodes");
    let tracks = [
        TrackInfo::live("v", TrackKind::Video),
        TrackInfo::live("a", TrackKind::Audio),
    ];
    let opts = RecorderOptions {
        output_file: Some(path.into()),
        blobs: false,
        ..Default::default()
    };
    let mut rec = LocalRecorder::new(&tracks, opts).unwrap();
    rec.start(None, &tracks).unwrap();
    let mut ai = 0u64;
    for vi in 0..60 * 30u64 {
        let t = (vi * 1_000_000 / 30) as i64;
        while (ai * 10_000) as i64 <= t {
            rec.push_audio("a", &sine(48_000, 2, ai * 480, 480, (ai * 10_000) as i64));
            ai += 1;
        }
        rec.push_video("v", &gradient(320, 240, vi, t));
        // Progress for the parent, which kills this process after 2 s of media.
        println!("pushed {}", vi + 1);
    }
    let names: Vec<_> = rec.run_tasks().iter().map(|e| e.type_()).collect();
    assert_eq!(names, ["start"], "unexpected events while recording");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    panic!("the child was not killed");
}

#[test]
fn sigkill_mid_recording_still_decodes() {
    require("ffmpeg");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.webm");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "kill_child_records_until_killed",
            "--nocapture",
        ])
        .env(CHILD_ENV, &path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill it once it has pushed 2 s of video (60 frames), however loaded the machine is.
    let stdout = child.stdout.take().unwrap();
    let mut pushed = 0;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("pushed ") {
            pushed = n.parse().unwrap();
            if pushed >= 60 {
                break;
            }
        }
    }
    assert_eq!(pushed, 60, "the child stopped before recording 2 s");
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child ended by itself: {status:?}");

    let probe = ffprobe(&path);
    assert_eq!(codecs(&probe), ["vp8", "opus"]);
    let (ok, err) = ffmpeg_decode(&path, None);
    assert!(
        ok && err.trim().is_empty(),
        "decode errors after SIGKILL: {err}"
    );
    // Every frame pushed is in the file when push returns, except those waiting for the
    // audio of the same time (at most a few).
    let frames = count_video_frames(&path);
    assert!(frames >= 55, "only {frames} of 60 frames survived");
    // The Duration element is kept up to date while recording (once a second), so it is not
    // libwebm's 1 ms placeholder.
    let d = duration(&probe).unwrap_or(0.0);
    assert!(d >= 0.9, "duration after SIGKILL is {d} s");
}
