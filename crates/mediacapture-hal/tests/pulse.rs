//! The PulseAudio backend against a real server (scripts/servers.sh starts one with a null
//! sink named `testsink`). Skipped with a printed line when no server is reachable, unless
//! `MEDIACAPTURE_TEST_PULSE=1` makes it required.
#![cfg(feature = "pulse")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::{Collect, Item, rms};
use mediacapture_frame::SampleFormat;
use mediacapture_hal::pulse::{PulseBackend, SYSTEM_AUDIO_ID};
use mediacapture_hal::{Backend, ErrorKind, NativeCapabilities, NativeConfig, SourceEvent};
use mediacapture_test_support::NullSink;
use mediacapture_types::native::AudioConfig;
use mediacapture_types::{EchoCancellation, MediaDeviceKind};
use std::process::Command;
use std::sync::Arc;

fn backend_or_skip(test: &str) -> Option<PulseBackend> {
    let required = std::env::var("MEDIACAPTURE_TEST_PULSE").is_ok_and(|v| v == "1");
    let b = PulseBackend::new();
    let has_testsink = b.devices().unwrap().iter().any(|d| d.raw_id == "testsink");
    if has_testsink {
        return Some(b);
    }
    assert!(
        !required,
        "MEDIACAPTURE_TEST_PULSE=1 but no PulseAudio server with a `testsink` sink is reachable"
    );
    println!("skipped: {test}: no PulseAudio server with a `testsink` null sink");
    None
}

/// Held by the tests that play into `testsink` (the default sink), so that their sounds do
/// not mix.
static PLAYING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn playing() -> std::sync::MutexGuard<'static, ()> {
    PLAYING.lock().unwrap_or_else(|e| e.into_inner())
}

fn config(rate: u32, channels: u32) -> NativeConfig {
    NativeConfig::Audio(AudioConfig {
        sample_rate: rate,
        channel_count: channels,
        sample_size: 16,
        latency: 0.01,
        echo_cancellation: EchoCancellation::Bool(false),
        auto_gain_control: false,
        noise_suppression: false,
    })
}

fn pactl(args: &[&str]) -> String {
    let out = Command::new("pactl")
        .args(args)
        .output()
        .expect("pactl runs");
    assert!(out.status.success(), "pactl {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn enumerates_sink_and_monitor_in_one_group() {
    let Some(b) = backend_or_skip("enumerates_sink_and_monitor_in_one_group") else {
        return;
    };
    let devices = b.devices().unwrap();
    let sink = devices.iter().find(|d| d.raw_id == "testsink").unwrap();
    assert_eq!(sink.kind, MediaDeviceKind::AudioOutput);
    assert_eq!(sink.label, "TestSink");
    assert_eq!(sink.capabilities, NativeCapabilities::Output);
    let mon = devices
        .iter()
        .find(|d| d.raw_id == "testsink.monitor")
        .unwrap();
    assert_eq!(mon.kind, MediaDeviceKind::AudioInput);
    assert_eq!(mon.label, "Monitor of TestSink");
    assert_eq!(mon.raw_group_id, sink.raw_group_id);
    let NativeCapabilities::Audio(a) = &mon.capabilities else {
        panic!()
    };
    assert!(a.sample_rates.contains(&48000) && a.sample_rates.contains(&16000));
    assert!(a.channel_counts.contains(&1) && a.channel_counts.contains(&2));
    assert_eq!(a.sample_sizes, vec![16]);
    assert_eq!(a.echo_cancellation, vec![EchoCancellation::Bool(false)]);
    // Exactly one default of each kind, and it is what the server says.
    let info = pactl(&["info"]);
    let default_sink = info
        .lines()
        .find_map(|l| l.strip_prefix("Default Sink: "))
        .unwrap();
    let flagged: Vec<_> = devices
        .iter()
        .filter(|d| d.is_default && d.kind == MediaDeviceKind::AudioOutput)
        .map(|d| d.raw_id.as_str())
        .collect();
    assert_eq!(flagged, vec![default_sink]);
}

/// A wav of a `freq` Hz sine, `secs` long, 48 kHz stereo 16-bit.
fn tone_wav(path: &std::path::Path, freq: f64, secs: f64) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..(secs * 48000.0) as usize {
        let s = (0.5 * (std::f64::consts::TAU * freq * n as f64 / 48000.0).sin() * 32767.0) as i16;
        w.write_sample(s).unwrap();
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn captures_what_is_played_into_the_sink() {
    let Some(b) = backend_or_skip("captures_what_is_played_into_the_sink") else {
        return;
    };
    let _playing = playing();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    tone_wav(&wav, 1000.0, 3.0);
    let sink = Arc::new(Collect::default());
    let mut src = b
        .open("testsink.monitor", &config(48000, 1), sink.clone())
        .unwrap();
    let mut player = Command::new("paplay")
        .args(["-d", "testsink"])
        .arg(&wav)
        .spawn()
        .expect("paplay runs");
    // Wait for 20 blocks (0.2 s) of audio with signal in it.
    let loud = |items: &[(i64, Item)]| {
        items
            .iter()
            .filter(|(_, i)| matches!(i, Item::Audio(a) if rms(&a.to_f32_interleaved()) > 0.1))
            .count()
            >= 20
    };
    sink.wait("20 loud blocks", loud);
    src.stop();
    let _ = player.kill();
    let _ = player.wait();
    let blocks = sink.audio();
    for w in blocks.windows(2) {
        assert_eq!(w[0].format(), SampleFormat::I16);
        assert_eq!(
            (w[0].sample_rate(), w[0].channels(), w[0].frames()),
            (48000, 1, 480)
        );
        assert!(w[1].timestamp() > w[0].timestamp());
    }
    let samples: Vec<f32> = blocks
        .iter()
        .filter(|a| rms(&a.to_f32_interleaved()) > 0.1)
        .flat_map(|a| a.to_f32_interleaved())
        .collect();
    assert!(samples.len() >= 4800, "{} loud samples", samples.len());
    let part = &samples[..4800];
    let r = rms(part);
    assert!(r > 0.2, "rms {r}");
    // The dominant frequency, scanned in 50 Hz steps, is the one played.
    let freqs: Vec<f64> = (4..=80).map(|k| f64::from(k) * 50.0).collect();
    let f = common::dominant(part, 48000.0, &freqs);
    assert_eq!(f, 1000.0);
    let events = sink.events();
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn new_sinks_fire_the_watcher_and_removal_ends_capture() {
    let Some(b) = backend_or_skip("new_sinks_fire_the_watcher_and_removal_ends_capture") else {
        return;
    };
    let (watch, calls) = common::watch_channel();
    b.watch_devices(watch);
    // The watcher subscribes on its own thread and nothing tells when: make changes until
    // one is seen (each probe waits half a second for the call it should bring).
    let end = std::time::Instant::now() + common::SAFETY;
    let probe = std::time::Duration::from_millis(500);
    loop {
        drop(NullSink::load("h4probe", "h4probeDesc", &[]));
        if calls.recv_timeout(probe).is_ok() {
            break;
        }
        assert!(
            std::time::Instant::now() < end,
            "the watcher never subscribed"
        );
    }
    // Forget the probe's calls: none comes once a change was seen and the probe is gone
    // from the list, except late ones, which only make the next wait shorter.
    assert!(common::eventually(|| !b
        .devices()
        .unwrap()
        .iter()
        .any(|d| d.raw_id.starts_with("h4probe"))));
    while calls.try_recv().is_ok() {}
    let mut other = NullSink::load("h4other", "h4otherDesc", &[]);
    assert!(
        common::eventually(|| b
            .devices()
            .unwrap()
            .iter()
            .any(|d| d.raw_id == "h4other.monitor")),
        "h4other not listed"
    );
    calls
        .recv_timeout(common::SAFETY)
        .expect("watcher called after load-module");
    let devices = b.devices().unwrap();
    let mon = devices
        .iter()
        .find(|d| d.raw_id == "h4other.monitor")
        .unwrap();
    assert_eq!(mon.label, "Monitor of h4otherDesc");
    assert_eq!(mon.raw_group_id, "h4other");

    let sink = Arc::new(Collect::default());
    let mut src = b
        .open("h4other.monitor", &config(16000, 2), sink.clone())
        .unwrap();
    sink.wait_audio(3);
    let a = &sink.audio()[0];
    assert_eq!((a.sample_rate(), a.channels(), a.frames()), (16000, 2, 160));
    while calls.try_recv().is_ok() {}
    other.unload();
    sink.wait_events(1);
    match &sink.events()[0].1 {
        SourceEvent::Ended(Some(e)) => {
            assert!(matches!(
                e.kind,
                ErrorKind::NotFoundError | ErrorKind::NotReadableError
            ));
        }
        other => panic!("{other:?}"),
    }
    calls
        .recv_timeout(common::SAFETY)
        .expect("watcher called after unload-module");
    assert!(
        !b.devices()
            .unwrap()
            .iter()
            .any(|d| d.raw_id.starts_with("h4other"))
    );
    src.stop();
}

#[test]
fn open_errors() {
    let Some(b) = backend_or_skip("open_errors") else {
        return;
    };
    let sink = Arc::new(Collect::default());
    let err = |id: &str, c: NativeConfig| b.open(id, &c, sink.clone()).map(|_| ()).unwrap_err();
    assert_eq!(
        err("no-such-source", config(48000, 1)).kind,
        ErrorKind::NotFoundError
    );
    assert_eq!(
        err("testsink", config(48000, 1)).kind,
        ErrorKind::NotFoundError
    );
    // Configurations the source does not admit cannot be read; no constraint is named.
    let mut c = config(48000, 1);
    if let NativeConfig::Audio(a) = &mut c {
        a.echo_cancellation = EchoCancellation::Bool(true);
    }
    for c in [config(12345, 1), c] {
        let e = err("testsink.monitor", c);
        assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
        assert_eq!(e.constraint(), None);
    }
}

#[test]
fn unreachable_server_lists_nothing() {
    let b = PulseBackend::with_server("unix:/nonexistent/h4/pulse/native");
    assert!(b.devices().unwrap().is_empty());
    assert!(!b.is_available());
    let e = b
        .open(
            "testsink.monitor",
            &config(48000, 1),
            Arc::new(Collect::default()),
        )
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReadableError);
}

/// The server's default sink, as `pactl info` reports it.
fn default_sink() -> String {
    pactl(&["info"])
        .lines()
        .find_map(|l| l.strip_prefix("Default Sink: "))
        .unwrap()
        .to_owned()
}

#[test]
fn system_audio_is_the_default_sinks_monitor_and_not_enumerated() {
    let Some(b) = backend_or_skip("system_audio_is_the_default_sinks_monitor_and_not_enumerated")
    else {
        return;
    };
    let d = b.system_audio().unwrap().expect("a default sink");
    assert_eq!(d.raw_id, SYSTEM_AUDIO_ID);
    assert_eq!(d.label, "System Audio");
    assert_eq!(d.kind, MediaDeviceKind::AudioInput);
    let devices = b.devices().unwrap();
    assert!(!devices.iter().any(|x| x.raw_id == SYSTEM_AUDIO_ID));
    // Its capabilities are those of the default sink's monitor.
    let monitor = format!("{}.monitor", default_sink());
    let mon = devices.iter().find(|x| x.raw_id == monitor).unwrap();
    assert_eq!(d.capabilities, mon.capabilities);
    // No server, no system audio (and no error).
    let gone = PulseBackend::with_server("unix:/nonexistent/sysaudio/pulse/native");
    assert_eq!(gone.system_audio().unwrap(), None);
}

#[test]
fn system_audio_captures_what_the_default_sink_plays() {
    let Some(b) = backend_or_skip("system_audio_captures_what_the_default_sink_plays") else {
        return;
    };
    let _playing = playing();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    tone_wav(&wav, 750.0, 4.0);
    let sink = Arc::new(Collect::default());
    let mut src = b
        .open(SYSTEM_AUDIO_ID, &config(48000, 2), sink.clone())
        .unwrap();
    let mut player = Command::new("paplay")
        .args(["-d", &default_sink()])
        .arg(&wav)
        .spawn()
        .expect("paplay runs");
    let loud = |items: &[(i64, Item)]| {
        items
            .iter()
            .filter(|(_, i)| matches!(i, Item::Audio(a) if rms(&a.to_f32_interleaved()) > 0.1))
            .count()
            >= 10
    };
    // The player is stopped before asserting, so a failure leaves nothing playing.
    let heard = sink.satisfies(loud);
    src.stop();
    let _ = player.kill();
    let _ = player.wait();
    assert!(heard, "no sound captured from the default sink");
    let samples: Vec<f32> = sink
        .audio()
        .iter()
        .filter(|a| a.channels() == 2 && rms(&a.to_f32_interleaved()) > 0.1)
        .flat_map(|a| a.to_f32_interleaved())
        .step_by(2)
        .take(4800)
        .collect();
    assert_eq!(samples.len(), 4800);
    let freqs: Vec<f64> = (4..=80).map(|k| f64::from(k) * 50.0).collect();
    assert_eq!(common::dominant(&samples, 48000.0, &freqs), 750.0);
}

/// A private PulseAudio server with one null sink `privsink`, killed on drop.
struct PrivatePulse {
    child: std::process::Child,
    server: String,
    _dir: tempfile::TempDir,
}

impl PrivatePulse {
    fn start() -> Option<PrivatePulse> {
        let dir = tempfile::tempdir().ok()?;
        let socket = dir.path().join("native");
        let child = Command::new("pulseaudio")
            .args([
                "--daemonize=no",
                "-n",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--use-pid-file=no",
                "--disable-shm=yes",
            ])
            .arg(format!(
                "--load=module-native-protocol-unix socket={}",
                socket.display()
            ))
            .arg("--load=module-null-sink sink_name=privsink")
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("HOME", dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let mut p = PrivatePulse {
            child,
            server: format!("unix:{}", socket.display()),
            _dir: dir,
        };
        let b = PulseBackend::with_server(&p.server);
        if common::eventually(|| b.is_available()) {
            Some(p)
        } else {
            let _ = p.child.kill();
            let _ = p.child.wait();
            None
        }
    }
}

impl Drop for PrivatePulse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Issue #13.8: the server dies while we record. The source ends at once with a
/// NotReadableError, delivers nothing after it, and no block is stamped later than the
/// moment the end was reported (timestamps are capture times, before their delivery).
#[test]
fn a_dying_server_ends_the_capture_and_nothing_follows() {
    let required = std::env::var("MEDIACAPTURE_TEST_PULSE").is_ok_and(|v| v == "1");
    let Some(mut server) = PrivatePulse::start() else {
        assert!(
            !required,
            "MEDIACAPTURE_TEST_PULSE=1 but a private PulseAudio did not start"
        );
        println!("skipped: a_dying_server_ends_the_capture_and_nothing_follows: no pulseaudio");
        return;
    };
    let b = PulseBackend::with_server(&server.server);
    let sink = Arc::new(Collect::default());
    let mut src = b
        .open("privsink.monitor", &config(48000, 2), sink.clone())
        .unwrap();
    sink.wait_audio(50);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    sink.wait_events(1);
    src.stop();
    let all = sink.all();
    let (ended_at, last) = all.last().cloned().unwrap();
    match last {
        Item::Event(SourceEvent::Ended(Some(e))) => {
            assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
        }
        other => panic!("the last call must be Ended, got {other:?}"),
    }
    assert_eq!(sink.events().len(), 1, "{:?}", sink.events());
    let blocks = sink.audio();
    assert!(blocks.len() >= 50);
    for w in blocks.windows(2) {
        // In order, never overlapping.
        let end = w[0].timestamp() + w[0].duration();
        assert!(w[1].timestamp() >= end, "{} before {end}", w[1].timestamp());
    }
    for (t, item) in &all {
        if let Item::Audio(a) = item {
            // The sample clock may run up to 20 ms ahead of the measured capture time
            // before it is re-anchored.
            assert!(
                a.timestamp() + a.duration() <= *t + 20_000,
                "a block captured until {} was delivered at {t}",
                a.timestamp() + a.duration()
            );
            assert!(a.timestamp() < ended_at);
        }
    }
}
