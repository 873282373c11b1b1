//! `MEDIACAPTURE_FAKE`, `default_backends()` and `backends_with_fake_stand_ins()`. The environment is process-wide, so each
//! case runs this test binary again as a child with the variable set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use mediacapture_hal::{Backend, ErrorKind, backends_with_fake_stand_ins, default_backends};
use std::process::Command;

const CHILD: &str = "HAL_ENV_TEST_CHILD";

/// Runs the `child` test in a new process with `MEDIACAPTURE_FAKE=value`.
fn run_child(case: &str, value: Option<&str>) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(CHILD, case);
    match value {
        Some(v) => cmd.env("MEDIACAPTURE_FAKE", v),
        None => cmd.env_remove("MEDIACAPTURE_FAKE"),
    };
    if case == "partial" {
        // PulseAudio reachable, no X display.
        cmd.env_remove("DISPLAY");
    }
    if case == "fallback" {
        // No real device reachable: no X display, no PulseAudio server.
        cmd.env_remove("DISPLAY")
            .env("PULSE_SERVER", "unix:/nonexistent-mediacapture-test/native");
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{case}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("child case {case} passed")),
        "{stdout}"
    );
}

#[test]
fn child() {
    let Ok(case) = std::env::var(CHILD) else {
        return; // only meaningful inside a child process started by the tests below
    };
    match case.as_str() {
        "one" => {
            let b = default_backends();
            assert_eq!(b.len(), 1);
            assert_eq!(b[0].name(), "fake");
            assert_eq!(b[0].devices().unwrap().len(), 4);
        }
        "file" => {
            let b = default_backends();
            assert_eq!(b.len(), 1);
            let d = b[0].devices().unwrap();
            assert_eq!(d.len(), 1);
            assert_eq!(d[0].label, "From File");
        }
        "off" => {
            assert!(FakeBackend::from_env().is_none());
            assert!(FakeProfile::from_env().unwrap().is_none());
        }
        "bad" => {
            let e = FakeProfile::from_env().unwrap_err();
            assert_eq!(e.kind, ErrorKind::NotReadableError);
            // Fake devices were asked for: the default profile is used.
            let b = FakeBackend::from_env().unwrap();
            assert_eq!(b.devices().unwrap().len(), 4);
        }
        "fallback" => {
            // Fake devices only when asked: the library's default has none.
            let b = default_backends();
            assert!(b.iter().all(|b| b.name() != "fake"));
            // Asked for stand-ins (the CLI's record): the fake backend only, for every kind.
            let (b, stood_in) = backends_with_fake_stand_ins();
            let names: Vec<_> = b.iter().map(|b| b.name()).collect();
            assert_eq!(names, vec!["fake"]);
            assert_eq!(stood_in.len(), 5, "{stood_in:?}");
        }
        "partial" => {
            // Real microphones and speakers, no real camera or screen: asked for stand-ins,
            // the fake backend fills in exactly the missing kinds.
            assert!(default_backends().iter().all(|b| b.name() != "fake"));
            let (b, _) = backends_with_fake_stand_ins();
            let names: Vec<_> = b.iter().map(|b| b.name()).collect();
            assert!(names.contains(&"pulse"), "{names:?}");
            let fake = b
                .iter()
                .find(|b| b.name() == "fake")
                .expect("a fake backend");
            let mut kinds: Vec<String> = fake
                .devices()
                .unwrap()
                .iter()
                .map(|d| format!("{}{}", d.kind, if d.is_display() { "(screen)" } else { "" }))
                .collect();
            kinds.sort();
            assert_eq!(kinds, vec!["videoinput", "videoinput(screen)"]);
        }
        other => panic!("unknown case {other}"),
    }
    println!("child case {case} passed");
}

#[test]
fn fake_env_selects_the_fake_backend_only() {
    run_child("one", Some("1"));
}

#[test]
fn fake_env_names_a_profile_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.json");
    std::fs::write(
        &path,
        r#"{"devices":[{"kind":"videoinput","label":"From File"}]}"#,
    )
    .unwrap();
    run_child("file", Some(path.to_str().unwrap()));
}

#[test]
fn fake_env_zero_or_empty_is_off() {
    run_child("off", Some("0"));
    run_child("off", Some(""));
    run_child("off", None);
}

#[test]
fn fake_env_with_a_missing_file_falls_back_to_the_default_profile() {
    let dir = tempfile::tempdir().unwrap();
    run_child(
        "bad",
        Some(dir.path().join("missing.json").to_str().unwrap()),
    );
}

#[test]
fn without_real_devices_fakes_stand_in_only_when_asked() {
    run_child("fallback", None);
}

#[test]
fn the_fake_backend_fills_in_only_the_missing_kinds() {
    if std::env::var("MEDIACAPTURE_TEST_PULSE").as_deref() != Ok("1") {
        println!(
            "skipped: needs the PulseAudio server of scripts/servers.sh (MEDIACAPTURE_TEST_PULSE=1)"
        );
        return;
    }
    run_child("partial", None);
}
