//! Issue #13, "nothing lost, nothing hung", as a hostile user would try it: a failed command
//! leaves the output as it was; the input is never the output; huge numbers are usage errors;
//! a recording that captured nothing fails; a track that ends stops the recording with the
//! reason; `-o -` carries only media; hostile files finish; only SIGKILL leaves a `.part`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mediacapture"));
    c.env_remove("MEDIACAPTURE_FAKE");
    c
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The names of the files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn ffprobe_json(path: &Path) -> serde_json::Value {
    let o = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format"])
        .args(["-show_streams"])
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

fn duration(path: &Path) -> f64 {
    ffprobe_json(path)["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Records `secs` from the fake devices into `dir/name`.
fn recorded(dir: &Path, name: &str, secs: &str) -> PathBuf {
    let o = run_in(dir, &["--fake", "record", "--duration", secs, "-o", name]);
    assert!(o.status.success(), "{}", stderr(&o));
    dir.join(name)
}

#[test]
fn a_failed_command_leaves_the_output_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("k.webm"), "data\n").unwrap();
    std::fs::write(d.join("k.png"), "data\n").unwrap();
    for args in [
        vec!["--fake", "record", "-c", "{bad", "-o", "k.webm"],
        vec![
            "--fake",
            "record",
            "--mime",
            "video/x-nothing",
            "-o",
            "k.webm",
        ],
        // getUserMedia fails (after the output was prepared).
        vec![
            "--fake",
            "record",
            "-c",
            r#"{"video":{"width":{"exact":99999}}}"#,
            "-o",
            "k.webm",
        ],
        vec!["--fake", "snapshot", "-c", "{bad", "-o", "k.png"],
        vec![
            "--fake",
            "snapshot",
            "-c",
            r#"{"video":{"width":{"exact":99999}}}"#,
            "-o",
            "k.png",
        ],
    ] {
        let o = run_in(d, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(
            std::fs::read(d.join("k.webm")).unwrap(),
            b"data\n",
            "{args:?}"
        );
        assert_eq!(
            std::fs::read(d.join("k.png")).unwrap(),
            b"data\n",
            "{args:?}"
        );
        assert_eq!(
            listing(d),
            ["k.png", "k.webm"],
            "{args:?} left files behind"
        );
    }
}

#[test]
fn the_input_is_never_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = recorded(d, "a.webm", "1s");
    let before = std::fs::read(&a).unwrap();
    std::os::unix::fs::symlink("a.webm", d.join("link.webm")).unwrap();
    std::fs::hard_link(&a, d.join("hard.webm")).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    for (input, output) in [
        ("a.webm", "a.webm"),
        ("a.webm", "./a.webm"),
        ("a.webm", "sub/../a.webm"),
        ("a.webm", "link.webm"),
        ("link.webm", "a.webm"),
        ("a.webm", "hard.webm"),
    ] {
        let abs = d.join(output);
        for out in [output, abs.to_str().unwrap()] {
            let o = run_in(d, &["record", "--from", input, "-o", out]);
            assert_eq!(o.status.code(), Some(2), "{input} -> {out}: {}", stderr(&o));
            assert!(stderr(&o).contains("is the input file"), "{}", stderr(&o));
            assert_eq!(std::fs::read(&a).unwrap(), before, "{input} -> {out}");
        }
    }
    assert_eq!(listing(d), ["a.webm", "hard.webm", "link.webm", "sub"]);
    // A symbolic link as the output of another recording stays a link, to the new file.
    let o = run_in(d, &["record", "--from", "hard.webm", "-o", "link.webm"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "hard.webm is a.webm: {}",
        stderr(&o)
    );
    std::fs::remove_file(d.join("hard.webm")).unwrap();
    let b = recorded(d, "b.webm", "1s");
    let o = run_in(d, &["record", "--from", "b.webm", "-o", "link.webm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::symlink_metadata(d.join("link.webm"))
            .unwrap()
            .is_symlink()
    );
    assert_ne!(
        std::fs::read(&a).unwrap(),
        before,
        "the link's target was re-recorded"
    );
    assert!((duration(&a) - duration(&b)).abs() < 0.15);
}

#[test]
fn huge_numbers_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec![
            "--fake",
            "record",
            "--duration",
            "99999999999999999999",
            "-o",
            "x.webm",
        ],
        vec!["--fake", "record", "--duration", "1e300", "-o", "x.webm"],
        vec!["--fake", "record", "--duration=-1", "-o", "x.webm"],
        vec!["--fake", "record", "--duration", "NaN", "-o", "x.webm"],
        vec![
            "--fake",
            "record",
            "--timeslice",
            "4294967296",
            "-o",
            "x.webm",
        ],
        vec![
            "--fake",
            "record",
            "--video-bits-per-second",
            "1e99",
            "-o",
            "x.webm",
        ],
        vec!["--fake", "snapshot", "--timeout", "inf", "-o", "x.png"],
        vec!["--fake", "snapshot", "--timeout", "1e30", "-o", "x.png"],
        vec!["--fake", "bench", "--seconds", "1e30"],
        vec!["--fake", "bench", "--seconds=-5"],
    ] {
        let o = run_in(dir.path(), &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("invalid value"), "{args:?}: {err}");
    }
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn a_recording_that_captured_nothing_fails_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("keep.webm"), "data\n").unwrap();
    // A source that delivers nothing (its audio cannot be converted; a profile the hal may
    // refuse at load time instead, with status 2).
    for (name, profile, constraints) in [(
        "mic1.json",
        r#"{"devices":[{"kind":"audioinput","label":"Mic","sampleRate":[1]}]}"#,
        r#"{"audio":true}"#,
    )] {
        std::fs::write(d.join(name), profile).unwrap();
        let fake = format!("--fake={name}");
        for out in ["new.webm", "keep.webm"] {
            let o = run_in(
                d,
                &[
                    fake.as_str(),
                    "record",
                    "-c",
                    constraints,
                    "--duration",
                    "1s",
                    "-o",
                    out,
                ],
            );
            let err = stderr(&o);
            assert_ne!(o.status.code(), Some(0), "{name}: {err}");
            assert!(!err.contains("wrote"), "{name}: {err}");
            assert!(
                !d.join("new.webm").exists(),
                "{name}: an empty file was written"
            );
            assert_eq!(std::fs::read(d.join("keep.webm")).unwrap(), b"data\n");
        }
    }
    // Files with no media in them.
    std::fs::write(d.join("nd.y4m"), b"YUV4MPEG2 W8 H8 F25:1\n").unwrap();
    let mut wav =
        b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0"
            .to_vec();
    wav.extend(b"data\0\0\0\0");
    std::fs::write(d.join("nd.wav"), &wav).unwrap();
    for input in ["nd.wav", "nd.y4m"] {
        let o = run_in(d, &["record", "--from", input, "-o", "keep.webm"]);
        assert_eq!(o.status.code(), Some(1), "{input}: {}", stderr(&o));
        assert!(stderr(&o).contains("no media"), "{input}: {}", stderr(&o));
        assert_eq!(std::fs::read(d.join("keep.webm")).unwrap(), b"data\n");
    }
    let mut names = listing(d);
    names.retain(|n| n.ends_with(".part"));
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn a_track_that_ends_stops_the_recording_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("flaky.json"),
        r#"{"devices":[
            {"kind":"videoinput","label":"Flaky Camera","disconnectAfterMs":1000,
             "modes":[{"width":160,"height":120,"frameRate":30}]},
            {"kind":"audioinput","label":"Mic"}]}"#,
    )
    .unwrap();
    // No --duration: only the camera going away stops this.
    let o = run_in(d, &["--fake=flaky.json", "record", "-o", "cut.webm"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stopped early") && err.contains("video track (Flaky Camera) ended"),
        "{err}"
    );
    // What was recorded is kept, finalized.
    let v = ffprobe_json(&d.join("cut.webm"));
    assert_eq!(v["streams"].as_array().unwrap().len(), 2, "{v}");
    assert!(duration(&d.join("cut.webm")) > 0.5);
    assert_eq!(listing(d), ["cut.webm", "flaky.json"]);
}

#[test]
fn record_to_stdout_carries_only_media() {
    // mediacapture record --fake --duration 1s -o - | ffprobe -
    let mut rec = bin()
        .args(["--fake", "--json", "record", "--duration", "1s", "-o", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_streams", "-"])
        .stdin(rec.stdout.take().unwrap())
        .output()
        .expect("ffprobe");
    let mut err = String::new();
    rec.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(rec.wait().unwrap().success(), "{err}");
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let codecs: Vec<&str> = v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["codec_name"].as_str().unwrap())
        .collect();
    assert_eq!(codecs, ["vp8", "opus"]);
    // The JSON summary went to stderr.
    let summary: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    assert!(summary["bytes"].as_u64().unwrap() > 1000, "{summary}");
    assert_eq!(summary["file"], "-");

    // /dev/stdout is the same; a snapshot too.
    let dir = tempfile::tempdir().unwrap();
    let out = std::fs::File::create(dir.path().join("so.webm")).unwrap();
    let o = bin()
        .args(["--fake", "record", "--duration", "1s", "-o", "/dev/stdout"])
        .stdout(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(duration(&dir.path().join("so.webm")) > 0.5);
    let png = std::fs::File::create(dir.path().join("s.png")).unwrap();
    let o = bin()
        .args(["--fake", "snapshot", "-o", "-"])
        .stdout(png)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        ffprobe_json(&dir.path().join("s.png"))["streams"][0]["codec_name"],
        "png"
    );
}

#[test]
fn hostile_files_finish_or_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A frame rate of one frame per 136 years: refused at once.
    let mut y4m = b"YUV4MPEG2 W8 H8 F1:4294967295\n".to_vec();
    for _ in 0..2 {
        y4m.extend(b"FRAME\n");
        y4m.extend([128u8; 96]);
    }
    std::fs::write(d.join("slow.y4m"), &y4m).unwrap();
    let o = run_in(d, &["record", "--from", "slow.y4m", "-o", "slow.webm"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("frame rate"), "{}", stderr(&o));
    assert!(!d.join("slow.webm").exists());
    // A cluster timestamp 2^56 ms ahead: played as if the jump were not there, with a
    // warning, and finished.
    let a = d.join("a.webm");
    let made = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=30",
        ])
        .args([
            "-f", "lavfi", "-i", "sine", "-t", "2", "-c:v", "libvpx", "-c:a",
        ])
        .args(["libopus", "-cluster_time_limit", "500"])
        .arg(&a)
        .status()
        .unwrap();
    assert!(made.success());
    let jumped = with_cluster_timestamp(&std::fs::read(&a).unwrap(), 2, 1 << 56);
    std::fs::write(d.join("jump.webm"), jumped).unwrap();
    let o = run_in(d, &["record", "--from", "jump.webm", "-o", "out.webm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("timestamp jumps"), "{}", stderr(&o));
    let (d_in, d_out) = (duration(&a), duration(&d.join("out.webm")));
    assert!(
        d_out <= d_in + 0.1 && d_out > d_in - 0.3,
        "{d_in} s played as {d_out} s"
    );
}

#[test]
fn only_sigkill_leaves_the_part_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("k.webm"), "data\n").unwrap();
    let mut child = bin()
        .current_dir(d)
        .args(["--fake", "record", "-o", "k.webm"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first progress line (a second recorded), then kill.
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("recording") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "record exited");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(d.join("k.webm")).unwrap(), b"data\n");
    let parts: Vec<String> = listing(d)
        .into_iter()
        .filter(|n| n.starts_with("k.webm.") && n.ends_with(".part"))
        .collect();
    assert_eq!(parts.len(), 1, "{:?}", listing(d));
    // The cut-off recording plays up to where it was cut.
    let v = ffprobe_json(&d.join(&parts[0]));
    assert_eq!(v["streams"].as_array().unwrap().len(), 2, "{v}");
}

/// `webm` with the timestamp of its `n`-th cluster (from 0) set to `ticks`, written with an
/// 8-byte value; the cluster and the segment get sizes that say so (the segment's unknown).
fn with_cluster_timestamp(webm: &[u8], n: usize, ticks: u64) -> Vec<u8> {
    fn vint(d: &[u8], i: usize) -> (usize, usize) {
        let len = d[i].leading_zeros() as usize + 1;
        let mut v = usize::from(d[i]) & ((1usize << (8 - len)) - 1);
        for b in &d[i + 1..i + len] {
            v = (v << 8) | usize::from(*b);
        }
        (v, len)
    }
    const SEGMENT: [u8; 4] = [0x18, 0x53, 0x80, 0x67];
    const CLUSTER: [u8; 4] = [0x1f, 0x43, 0xb6, 0x75];
    let seg = webm.windows(4).position(|w| w == SEGMENT).unwrap();
    let (_, seg_len) = vint(webm, seg + 4);
    let mut out = webm[..seg + 4].to_vec();
    out.extend([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    let (mut i, mut cluster) = (seg + 4 + seg_len, 0);
    while i < webm.len() {
        let il = webm[i].leading_zeros() as usize + 1;
        let (size, sl) = vint(webm, i + il);
        let end = i + il + sl + size;
        if webm[i..i + il] == CLUSTER && cluster == n {
            let body = &webm[i + il + sl..end];
            assert_eq!(body[0], 0xe7, "a cluster starts with its Timestamp");
            let (ts_size, ts_sl) = vint(body, 1);
            let mut new_body = vec![0xe7, 0x88];
            new_body.extend(ticks.to_be_bytes());
            new_body.extend_from_slice(&body[1 + ts_sl + ts_size..]);
            out.extend(CLUSTER);
            out.extend((new_body.len() as u64 | (1 << 56)).to_be_bytes());
            out.extend(new_body);
        } else {
            out.extend_from_slice(&webm[i..end]);
        }
        if webm[i..i + il] == CLUSTER {
            cluster += 1;
        }
        i = end;
    }
    out
}
