//! The `mediacapture` command on fake devices: every command, JSON shapes, error exits,
//! SIGINT during record, and the README's main job.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

use serde_json::Value;
use std::io::{BufRead, Read};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mediacapture"));
    c.env_remove("MEDIACAPTURE_FAKE");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn devices_json_is_what_to_json_gives() {
    let o = run(&["--fake", "--json", "devices"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = stdout_json(&o);
    let arr = v.as_array().unwrap();
    let kinds: Vec<&str> = arr.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["audioinput", "videoinput", "audiooutput"]);
    for d in arr {
        let o = d.as_object().unwrap();
        assert_eq!(o.len(), 4, "{d}");
        for k in ["deviceId", "kind", "label", "groupId"] {
            assert!(o[k].is_string(), "{k} in {d}");
        }
        assert_eq!(o["deviceId"].as_str().unwrap().len(), 43);
        assert!(!o["label"].as_str().unwrap().is_empty());
    }
}

#[test]
fn devices_table_and_per_origin_ids() {
    let o = run(&["--fake", "devices"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("KIND"), "{out}");
    assert!(out.contains("videoinput"));
    let id = |origin: &str| {
        stdout_json(&run(&["--fake", "--json", "--origin", origin, "devices"]))[1]["deviceId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(id("a"), id("a"));
    assert_ne!(id("a"), id("b"));
}

#[test]
fn probe_json_shape() {
    let o = run(&[
        "--fake",
        "--json",
        "probe",
        r#"{"video":{"width":{"ideal":1280}},"audio":true}"#,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = stdout_json(&o);
    let tracks = v["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 2);
    let video = tracks.iter().find(|t| t["kind"] == "video").unwrap();
    assert_eq!(video["settings"]["width"], 1280);
    assert_eq!(video["settings"]["height"], 720);
    assert_eq!(video["capabilities"]["width"]["max"], 1920);
    assert_eq!(video["constraints"]["width"]["ideal"], 1280);
    assert!(video["label"].is_string());
    let audio = tracks.iter().find(|t| t["kind"] == "audio").unwrap();
    assert_eq!(audio["settings"]["sampleRate"], 48000);
}

#[test]
fn probe_apply_and_display() {
    let o = run(&[
        "--fake",
        "--json",
        "probe",
        r#"{"video":true}"#,
        "--apply",
        r#"{"width":320,"height":240}"#,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout_json(&o)["tracks"][0]["settings"]["width"], 320);
    let o = run(&[
        "--fake",
        "--json",
        "probe",
        "--display",
        r#"{"video":{"width":{"max":960}}}"#,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = &stdout_json(&o)["tracks"][0]["settings"];
    assert_eq!(
        (s["width"].as_u64(), s["height"].as_u64()),
        (Some(960), Some(540))
    );
    assert_eq!(s["displaySurface"], "monitor");
    // Audio requested: the system audio comes second.
    let o = run(&[
        "--fake",
        "--json",
        "probe",
        "--display",
        r#"{"video":true,"audio":true}"#,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = stdout_json(&o);
    let tracks = v["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 2, "{v}");
    assert_eq!(tracks[1]["kind"], "audio");
    assert_eq!(tracks[1]["label"], "System Audio");
}

#[test]
fn record_display_records_the_screen_and_the_system_audio() {
    let dir = tempfile::tempdir().unwrap();
    let codecs = |args: &[&str], name: &str| -> Vec<String> {
        let path = dir.path().join(name);
        let mut all = vec!["--fake", "record", "--display", "--duration", "1s"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", path.to_str().unwrap()]);
        let o = run(&all);
        assert!(o.status.success(), "{}", stderr(&o));
        ffprobe(&path)["streams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["codec_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let both = codecs(&[], "both.webm");
    assert!(
        both.contains(&"vp8".to_owned()) && both.contains(&"opus".to_owned()),
        "{both:?}"
    );
    let video = codecs(&["-c", r#"{"video":true}"#], "video.webm");
    assert_eq!(video, vec!["vp8".to_owned()]);
}

#[test]
fn probe_failure_exits_2_with_the_error() {
    let o = run(&[
        "--fake",
        "--json",
        "probe",
        r#"{"video":{"width":{"min":99999}}}"#,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let v = stdout_json(&o);
    assert_eq!(v["error"]["name"], "OverconstrainedError");
    assert_eq!(v["error"]["constraint"], "width");
    assert!(v["error"]["message"].is_string());
    let o = run(&["--fake", "probe", r#"{"video":{"width":{"min":99999}}}"#]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("OverconstrainedError") && err.contains("width"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
}

#[test]
fn bad_input_gives_one_line_and_nonzero_status() {
    for args in [
        vec!["--fake", "probe", r#"{"video":"#],
        vec!["--fake", "probe", r#"{"video":{"advanced":5}}"#],
        vec!["--fake", "--no-such-option", "devices"],
        vec![
            "--fake",
            "record",
            "-o",
            "/nonexistent-dir/x.webm",
            "--duration",
            "1s",
        ],
        vec!["--fake", "snapshot", "-o", "/nonexistent-dir/x.png"],
        vec!["--fake", "record", "--duration", "soon", "-o", "x.webm"],
        vec!["--fake=/nonexistent/profile.json", "devices"],
    ] {
        let o = run(&args);
        assert!(!o.status.success(), "{args:?} succeeded");
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.trim().is_empty(), "{args:?}: no message");
    }
}

/// #13.7: a profile is validated when loaded; a bad value is a usage error (status 2) whose
/// message names the field.
#[test]
fn a_bad_fake_profile_is_a_usage_error_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    for (profile, field) in [
        (
            r#"{"devices":[{"kind":"audioinput","label":"Mic","sampleRate":[1]}]}"#,
            "devices[0].sampleRate[0]",
        ),
        (
            r#"{"devices":[{"kind":"videoinput","label":"Cam","modes":[{"width":640,"height":480,"frameRate":1e-300}]}]}"#,
            "devices[0].modes[0].frameRate",
        ),
    ] {
        let path = dir.path().join("p.json");
        std::fs::write(&path, profile).unwrap();
        let fake = format!("--fake={}", path.display());
        let out = dir.path().join("x.webm");
        let o = run(&[
            fake.as_str(),
            "record",
            "--duration",
            "1s",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{profile}: {}", stderr(&o));
        assert!(stderr(&o).contains(field), "{}", stderr(&o));
        assert!(!out.exists(), "nothing written");
    }
}

#[test]
fn snapshot_writes_png_and_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["photo.png", "photo.jpg"] {
        let path = dir.path().join(name);
        let o = run(&[
            "--fake",
            "snapshot",
            "-c",
            r#"{"video":{"width":640,"height":480}}"#,
            "-o",
            path.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v = ffprobe(&path);
        assert_eq!(v["streams"][0]["width"], 640);
        assert_eq!(v["streams"][0]["height"], 480);
    }
}

#[test]
fn record_webm_has_the_right_codecs_and_duration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.webm");
    let o = run(&[
        "--fake",
        "record",
        "--duration",
        "2s",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = ffprobe(&path);
    let codecs: Vec<&str> = v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["codec_name"].as_str().unwrap())
        .collect();
    assert!(
        codecs.contains(&"vp8") && codecs.contains(&"opus"),
        "{codecs:?}"
    );
    let d: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((d - 2.0).abs() < 0.3, "duration {d}");
}

#[test]
fn sigint_during_record_leaves_a_playable_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.webm");
    let mut child = bin()
        .args(["--fake", "record", "-o", path.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The progress lines (once a second on a non-terminal stderr) say how far it is.
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "record exited early: {seen}"
        );
        seen.push_str(&line);
        let secs = line
            .strip_prefix("recording ")
            .and_then(|l| l.split(' ').next())
            .and_then(|s| s.parse::<f64>().ok());
        if secs.is_some_and(|s| s >= 2.0) {
            break;
        }
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{seen}{rest}");
    assert!(rest.contains("wrote"), "{rest}");
    let v = ffprobe(&path);
    let d: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!(d > 1.0, "duration {d}");
    // `-enc_time_base -1`: keep the file's 1 ms time base. By default ffmpeg re-times the decoded
    // frames at 1/(guessed frame rate); a variable-rate file (a pause, a dropped frame) then
    // gets two frames on one tick and ffmpeg's null muxer prints a dts error about its own
    // timestamps, not the file's.
    let dec = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&path)
        .args(["-enc_time_base", "-1", "-f", "null", "-"])
        .output()
        .unwrap();
    assert!(
        dec.status.success() && dec.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&dec.stderr)
    );
}

#[test]
fn readme_main_job_command_records_a_webm() {
    // The README's first command is `bash scripts/demo.sh`; it runs exactly this.
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/demo.sh"
    ))
    .unwrap();
    assert!(
        demo.contains("record --duration 3s -o out/demo.webm"),
        "demo.sh changed: update this test"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let o = bin()
        .current_dir(dir.path())
        .args(["record", "--duration", "3s", "-o", "out/demo.webm"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // The status line is on stderr (stdout is kept for media: `-o -`).
    assert!(stderr(&o).contains("wrote out/demo.webm"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let v = ffprobe(&dir.path().join("out/demo.webm"));
    let d: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((d - 3.0).abs() < 0.3, "duration {d}");
}

fn real_server(var: &str) -> bool {
    if std::env::var(var).as_deref() == Ok("1") {
        return true;
    }
    println!("skipped: {var} is not set (scripts/servers.sh starts the real servers and sets it)");
    false
}

#[test]
fn real_devices_are_listed_when_the_servers_run() {
    if !real_server("MEDIACAPTURE_TEST_PULSE") || !real_server("MEDIACAPTURE_TEST_X11") {
        return;
    }
    let o = run(&["devices"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Monitor of TestSink"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("audiooutput") && l.contains("TestSink")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("monitor") && l.contains("1280x720")),
        "{out}"
    );
}

#[test]
fn record_display_records_the_x_screen() {
    if !real_server("MEDIACAPTURE_TEST_X11") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("screen.webm");
    let o = run(&[
        "record",
        "--display",
        "--duration",
        "2s",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = ffprobe(&path);
    let video = v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .unwrap();
    // The Xvfb screen of scripts/servers.sh, not the fake 1920x1080 one.
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(1280), Some(720))
    );
    // And the system audio when PulseAudio runs; a real screen never gets the fake tone.
    let has_opus = v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["codec_name"] == "opus");
    if std::env::var("MEDIACAPTURE_TEST_PULSE").as_deref() == Ok("1") {
        assert!(has_opus, "no system audio: {v}");
    }
}

#[test]
fn record_audio_records_the_null_sink_monitor() {
    if !real_server("MEDIACAPTURE_TEST_PULSE") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone.wav");
    let st = Command::new("sox")
        .args(["-n", "-r", "48000", "-c", "1"])
        .arg(&tone)
        .args(["synth", "6", "sine", "1000", "vol", "0.5"])
        .status()
        .unwrap();
    assert!(st.success());
    let mut player = Command::new("paplay")
        .args(["-d", "testsink"])
        .arg(&tone)
        .spawn()
        .expect("paplay");
    // Wait until the server plays it (a sink input exists), not a fixed time.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let inputs = Command::new("pactl")
            .args(["list", "short", "sink-inputs"])
            .output()
            .expect("pactl");
        if !inputs.stdout.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "paplay never started playing"
        );
        std::thread::sleep(Duration::from_millis(20)); // poll interval, not a wait for time
    }
    let path = dir.path().join("mic.webm");
    let o = run(&[
        "record",
        "-c",
        r#"{"audio":true}"#,
        "--duration",
        "2s",
        "-o",
        path.to_str().unwrap(),
    ]);
    let _ = player.kill();
    let _ = player.wait();
    assert!(o.status.success(), "{}", stderr(&o));
    let v = ffprobe(&path);
    assert_eq!(v["streams"][0]["codec_name"], "opus");
    // Decode and measure: the 1 kHz tone played into the sink, not the fake 440 Hz one.
    let wav = dir.path().join("mic.wav");
    let dec = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&path)
        .args(["-ac", "1", "-ar", "48000"])
        .arg(&wav)
        .status()
        .unwrap();
    assert!(dec.success());
    let stat = Command::new("sox")
        .arg(&wav)
        .args(["-n", "stat"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&stat.stderr);
    let field = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    assert!(field("RMS     amplitude") > 0.05, "silent: {text}");
    let freq = field("Rough   frequency");
    assert!(
        (freq - 1000.0).abs() < 50.0,
        "dominant frequency {freq}: {text}"
    );
}

#[test]
fn record_from_a_file_re_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.webm");
    let o = run(&[
        "--fake",
        "record",
        "--duration",
        "2s",
        "-o",
        first.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let second = dir.path().join("second.webm");
    let o = run(&[
        "record",
        "--from",
        first.to_str().unwrap(),
        "-o",
        second.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let d = |p: &Path| -> f64 {
        ffprobe(p)["format"]["duration"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (a, b) = (d(&first), d(&second));
    assert!((a - b).abs() < 0.15, "durations {a} and {b}");
    let o = run(&[
        "record",
        "--from",
        "/nonexistent.webm",
        "-o",
        second.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent.webm"));
}
