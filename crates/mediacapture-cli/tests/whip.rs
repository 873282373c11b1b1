//! `mediacapture send --whip` against a real SFU: Janus (Debian's `janus`) with its VideoRoom
//! plugin, behind Debian's simple-whip-server (Meetecho's WHIP server, which publishes into a
//! VideoRoom room). The command publishes the fake camera and microphone; a second peer — our
//! own `RTCPeerConnection` — subscribes to that publisher through Janus's VideoRoom HTTP API
//! and checks what Janus forwards: the fake pattern's frame counter increasing, the fake
//! microphone's 440 Hz tone. Then SIGINT ends the command, which DELETEs its WHIP session.
//!
//! Skipped (with a message) only where the `janus` binary is not installed; `scripts/setup.sh`
//! installs it, unpacks simple-whip-server into /opt/simple-whip-server and `scripts/test.sh`
//! installs its JavaScript dependencies (tests/whip-server/package.json).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

use mediacapture::TrackKind;
use mediacapture_hal::fake::read_frame_counter;
use mediacapture_webrtc::{
    HostCandidates, PeerConnectionEvent, RTCPeerConnection, RTCSdpType, RTCSessionDescriptionInit,
};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "../../mediacapture-hal/tests/common/tone.rs"]
mod tone;

/// How long anything may take before the test calls it broken (never reached when it works).
const SAFETY: Duration = Duration::from_secs(60);
/// The VideoRoom room the WHIP server publishes into.
const ROOM: u64 = 1234;
/// The WHIP endpoint's bearer token.
const TOKEN: &str = "s3cret-token";

fn janus_binary() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("janus"))
            .find(|p| p.is_file())
    })
}

/// The directory simple-whip-server's `src/server.js` is in.
fn whip_server_dir() -> PathBuf {
    std::env::var_os("MEDIACAPTURE_WHIP_SERVER_DIR")
        .map_or_else(|| PathBuf::from("/opt/simple-whip-server"), PathBuf::from)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process whose output lines arrive on a channel (and are kept for failure
/// messages).
struct Proc {
    name: &'static str,
    child: Child,
    lines: Receiver<String>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Proc {
    fn spawn(name: &'static str, mut cmd: Command) -> Proc {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{name} starts: {e}"));
        let (tx, lines) = channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let out: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
        let err: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
        for pipe in [out, err] {
            let tx = tx.clone();
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        Proc {
            name,
            child,
            lines,
            log,
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits for an output line containing `text`.
    fn wait_line(&self, text: &str) {
        self.wait_lines(&[text]);
    }

    /// Waits until lines containing each of `texts` were printed, in any order.
    fn wait_lines(&self, texts: &[&str]) {
        let mut missing: Vec<&str> = texts.to_vec();
        let deadline = Instant::now() + SAFETY;
        while !missing.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => missing.retain(|t| !line.contains(t)),
                Err(_) => panic!(
                    "{} never printed {missing:?}; its output:\n{}",
                    self.name,
                    self.log()
                ),
            }
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Janus and simple-whip-server, on free loopback ports, with private configuration; killed
/// when dropped (also when the test fails).
struct Servers {
    // Field order: the WHIP server goes before Janus, the directory last.
    _whip: Proc,
    _janus: Proc,
    janus_port: u16,
    whip_port: u16,
    _dir: tempfile::TempDir,
}

fn start_servers(janus: &Path) -> Servers {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path();
    let (janus_port, ws_port, whip_port) = (free_port(), free_port(), free_port());
    let lib = ["/usr/lib/x86_64-linux-gnu/janus", "/usr/lib/janus"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.join("plugins").is_dir())
        .or_else(|| {
            // Debian's multiarch directory on other architectures.
            std::fs::read_dir("/usr/lib").ok()?.flatten().find_map(|e| {
                let p = e.path().join("janus");
                p.join("plugins/libjanus_videoroom.so")
                    .is_file()
                    .then_some(p)
            })
        })
        .expect("Janus's plugin directory");
    let lib = lib.display();
    // Only what the test needs: the VideoRoom plugin, the HTTP transport (our subscriber) and
    // the WebSocket one (simple-whip-server), on 127.0.0.1. Janus's ICE (libnice) gathers on
    // the machine's interfaces other than loopback, and 1.1.2 has no option to use loopback
    // (in a loopback-only network namespace its gathering fails): the peers offer those
    // addresses too (`HostCandidates::InterfacesAndLoopback`, which the command uses for a
    // server on 127.0.0.1), and packets between two addresses of this machine stay on it.
    let files = [
        (
            "janus.jcfg",
            format!(
                r#"general: {{
	configs_folder = "{conf}"
	plugins_folder = "{lib}/plugins"
	transports_folder = "{lib}/transports"
	events_folder = "{lib}/events"
	loggers_folder = "{lib}/loggers"
	debug_level = 4
}}
media: {{
}}
nat: {{
	ignore_mdns = true
}}
plugins: {{
	disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"
}}
transports: {{
	disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so"
}}
loggers: {{
	disable = "libjanus_jsonlog.so"
}}
events: {{
	broadcast = false
}}
"#,
                conf = conf.display()
            ),
        ),
        (
            "janus.transport.http.jcfg",
            format!(
                r#"general: {{
	json = "plain"
	base_path = "/janus"
	http = true
	port = {janus_port}
	ip = "127.0.0.1"
	https = false
}}
admin: {{
	admin_http = false
	admin_https = false
}}
"#
            ),
        ),
        (
            "janus.transport.websockets.jcfg",
            format!(
                r#"general: {{
	json = "plain"
	ws = true
	ws_port = {ws_port}
	ws_ip = "127.0.0.1"
	wss = false
}}
admin: {{
	admin_ws = false
	admin_wss = false
}}
"#
            ),
        ),
        (
            "janus.plugin.videoroom.jcfg",
            format!(
                r#"general: {{
}}
room-{ROOM}: {{
	description = "mediacapture WHIP test"
	publishers = 2
	bitrate = 2000000
	fir_freq = 10
	audiocodec = "opus"
	videocodec = "vp8"
}}
"#
            ),
        ),
    ];
    for (name, text) in files {
        std::fs::write(conf.join(name), text).unwrap();
    }
    // The log (without colours) on stdout, read line by line.
    let mut cmd = Command::new(janus);
    cmd.arg("-F").arg(conf).arg("-o");
    let janus = Proc::spawn("janus", cmd);
    janus.wait_lines(&[
        "JANUS REST (HTTP/HTTPS) transport plugin initialized",
        "JANUS WebSockets transport plugin initialized",
    ]);

    // simple-whip-server reads `src/config.js` beside its `src/server.js`: a private copy
    // of its two sources with our configuration.
    let sws = whip_server_dir();
    let src = conf.join("whip/src");
    std::fs::create_dir_all(&src).unwrap();
    for f in ["server.js", "whip-janus.js"] {
        std::fs::copy(sws.join("src").join(f), src.join(f)).unwrap_or_else(|e| {
            panic!(
                "simple-whip-server's {f} in {} ({e}): scripts/setup.sh unpacks it there",
                sws.display()
            )
        });
    }
    std::fs::write(
        src.join("config.js"),
        format!(
            "module.exports = {{ janus: {{ address: 'ws://127.0.0.1:{ws_port}' }}, \
             port: {whip_port}, rest: '/whip', allowTrickle: true, strictETags: false, \
             iceServers: [] }};\n"
        ),
    )
    .unwrap();
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/whip-server/node_modules");
    assert!(
        modules.join("express").is_dir(),
        "simple-whip-server's dependencies are missing: run `npm install` in {} \
         (scripts/test.sh does)",
        modules.parent().unwrap().display()
    );
    let mut node = Command::new("node");
    node.arg("src/server.js")
        .current_dir(conf.join("whip"))
        .env("NODE_PATH", &modules)
        .env("DEBUG", "whip:*,-whip:debug");
    let whip = Proc::spawn("simple-whip-server", node);
    whip.wait_line("WHIP server prototype started");
    Servers {
        _whip: whip,
        _janus: janus,
        janus_port,
        whip_port,
        _dir: dir,
    }
}

fn http() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(SAFETY))
        .build()
        .into()
}

/// POSTs JSON, returns the status and the JSON answer.
fn post_json(url: &str, body: &Value) -> (u16, String) {
    let mut resp = http()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap())
}

/// Janus's HTTP API (the REST transport): a session with long-polled events.
struct Janus {
    base: String,
    session: u64,
    transaction: u64,
}

impl Janus {
    fn connect(port: u16) -> Janus {
        let mut j = Janus {
            base: format!("http://127.0.0.1:{port}/janus"),
            session: 0,
            transaction: 0,
        };
        let base = j.base.clone();
        let r = j.request(&base, json!({"janus": "create"}));
        j.session = r["data"]["id"].as_u64().expect("a session id");
        j
    }

    fn request(&mut self, url: &str, mut body: Value) -> Value {
        self.transaction += 1;
        body["transaction"] = json!(format!("t{}", self.transaction));
        let (status, text) = post_json(url, &body);
        assert_eq!(status, 200, "Janus {url}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_ne!(v["janus"], "error", "Janus refused {body}: {v}");
        v
    }

    fn attach(&mut self) -> u64 {
        let url = format!("{}/{}", self.base, self.session);
        let r = self.request(
            &url,
            json!({"janus": "attach", "plugin": "janus.plugin.videoroom"}),
        );
        r["data"]["id"].as_u64().expect("a handle id")
    }

    /// A message to the plugin; the synchronous answer (an ack, or the plugin's data).
    fn message(&mut self, handle: u64, body: Value, jsep: Option<Value>) -> Value {
        let url = format!("{}/{}/{handle}", self.base, self.session);
        let mut msg = json!({"janus": "message", "body": body});
        if let Some(j) = jsep {
            msg["jsep"] = j;
        }
        self.request(&url, msg)
    }

    /// The next event of the session (long poll; keepalives are skipped).
    fn next_event(&self) -> Value {
        let url = format!("{}/{}?maxev=1", self.base, self.session);
        let deadline = Instant::now() + SAFETY;
        while Instant::now() < deadline {
            let mut resp = http().get(&url).call().unwrap();
            let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap())
                .expect("JSON from Janus");
            let v = match v {
                Value::Array(mut a) if !a.is_empty() => a.remove(0),
                other => other,
            };
            if v["janus"] != "keepalive" {
                return v;
            }
        }
        panic!("no event from Janus");
    }
}

/// Waits on a channel of peer connection events for one `f` accepts.
fn wait_pc<T>(
    rx: &Receiver<PeerConnectionEvent>,
    what: &str,
    mut f: impl FnMut(&PeerConnectionEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + SAFETY;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let e = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        if let Some(t) = f(&e) {
            return t;
        }
    }
}

#[test]
fn send_whip_to_janus_and_subscribe_back() {
    let Some(janus_bin) = janus_binary() else {
        eprintln!(
            "skipped: the `janus` binary is not installed (Debian package `janus`; \
             scripts/setup.sh installs it)"
        );
        return;
    };
    let t0 = Instant::now();
    let servers = start_servers(&janus_bin);
    let whip_base = format!("http://127.0.0.1:{}/whip", servers.whip_port);
    let (status, text) = post_json(
        &format!("{whip_base}/create"),
        &json!({"id": "cam", "room": ROOM, "token": TOKEN}),
    );
    assert_eq!(status, 200, "endpoint creation: {text}");
    let endpoint = format!("{whip_base}/endpoint/cam");

    // A wrong token: the server's 403 and its body are reported, exit status 1.
    let refused = Command::new(env!("CARGO_BIN_EXE_mediacapture"))
        .args(["--fake", "send", "--whip", &endpoint, "--token", "wrong"])
        .args(["-c", r#"{"video":true}"#, "--duration", "60s"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "stderr: {err}");
    assert!(
        err.contains("403") && err.contains("Unauthorized") && err.contains("--token"),
        "the refusal is explained: {err}"
    );

    // The publisher: fake camera and microphone, no audio processing (noise suppression
    // takes a steady tone away, as a browser's does).
    let mut send = Command::new(env!("CARGO_BIN_EXE_mediacapture"));
    send.env_remove("MEDIACAPTURE_FAKE")
        .args(["--fake", "send", "--whip", &endpoint, "--token", TOKEN])
        .args([
            "-c",
            r#"{"video":{"width":640,"height":480},
                "audio":{"echoCancellation":false,"noiseSuppression":false,"autoGainControl":false}}"#,
        ])
        // A bound only: the test ends it with SIGINT.
        .args(["--duration", "300s"]);
    let sender = Proc::spawn("mediacapture send", send);
    sender.wait_line("whip: connected");

    // The subscriber: our RTCPeerConnection, through Janus's VideoRoom API.
    let mut janus = Janus::connect(servers.janus_port);
    let handle = janus.attach();
    let deadline = Instant::now() + SAFETY;
    let feed = loop {
        let r = janus.message(
            handle,
            json!({"request": "listparticipants", "room": ROOM}),
            None,
        );
        let participants = r["plugindata"]["data"]["participants"].clone();
        if let Some(p) = participants
            .as_array()
            .and_then(|a| a.iter().find(|p| p["publisher"] == true))
        {
            break p["id"].as_u64().expect("a feed id");
        }
        // Janus has no event for "a publisher appeared" on another session: ask again.
        assert!(
            Instant::now() < deadline,
            "no publisher in the room: {participants}\nsender:\n{}",
            sender.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    janus.message(
        handle,
        json!({"request": "join", "ptype": "subscriber", "room": ROOM,
               "streams": [{"feed": feed}]}),
        None,
    );
    let offer = loop {
        let e = janus.next_event();
        if let Some(sdp) = e["jsep"]["sdp"].as_str() {
            assert_eq!(e["jsep"]["type"], "offer");
            break sdp.to_owned();
        }
        assert!(
            e["plugindata"]["data"]["error"].is_null(),
            "the subscription failed: {e}"
        );
    };

    let pc = RTCPeerConnection::builder()
        .host_candidates(HostCandidates::InterfacesAndLoopback)
        .build()
        .unwrap();
    let (tx, events) = channel();
    pc.add_event_listener(move |e| {
        let _ = tx.send(e.clone());
    });
    let answer = futures_executor::block_on(async {
        pc.set_remote_description(RTCSessionDescriptionInit {
            sdp_type: RTCSdpType::Offer,
            sdp: offer,
        })
        .await
        .unwrap();
        let answer = pc.create_answer().await.unwrap();
        pc.set_local_description(Some(answer)).await.unwrap();
        pc.local_description().unwrap()
    });
    janus.message(
        handle,
        json!({"request": "start"}),
        Some(json!({"type": "answer", "sdp": answer.sdp})),
    );
    let mut video = None;
    let mut audio = None;
    while video.is_none() || audio.is_none() {
        let t = wait_pc(&events, "track events", |e| match e {
            PeerConnectionEvent::Track(t) => Some(t.track.clone()),
            _ => None,
        });
        match t.kind() {
            TrackKind::Video => video = Some(t),
            TrackKind::Audio => audio = Some(t),
        }
    }
    let (video, audio) = (video.unwrap(), audio.unwrap());
    let frames = video.video_frames();
    let audio_data = audio.audio_data();

    // Video from Janus: the fake pattern's counter, increasing.
    let mut counters = Vec::new();
    let mut decoded = 0;
    while counters.len() < 30 {
        let f = frames.recv_timeout(SAFETY).unwrap_or_else(|| {
            panic!(
                "remote video frames from Janus ({} counters so far)\nsender:\n{}",
                counters.len(),
                sender.log()
            )
        });
        decoded += 1;
        if let Some(c) = read_frame_counter(&f) {
            counters.push(c);
        }
    }
    assert!(
        counters.windows(2).all(|w| w[1] > w[0]),
        "frame counters increase: {counters:?}"
    );
    assert_eq!(video.get_settings().width, Some(640));
    assert_eq!(video.get_settings().height, Some(480));

    // Audio from Janus: 1 s of it has the microphone's 440 Hz tone.
    let mut samples = Vec::new();
    while samples.len() < 48_000 {
        let a = audio_data
            .recv_timeout(SAFETY)
            .expect("remote audio from Janus")
            .expect("no overflow");
        assert_eq!(a.sample_rate(), 48_000);
        let ch = a.channels() as usize;
        samples.extend(a.to_f32_interleaved().chunks(ch).map(|c| c[0]));
    }
    let freqs = [330.0, 440.0, 550.0, 660.0, 880.0, 1000.0];
    let tone = tone::dominant(&samples[4800..], 48_000.0, &freqs);
    assert_eq!(tone, 440.0, "the fake microphone's tone");
    eprintln!(
        "through Janus: {decoded} frames decoded, counters {}..{} ({} read), audio {} Hz",
        counters[0],
        counters[counters.len() - 1],
        counters.len(),
        tone
    );

    // SIGINT: the command ends its WHIP session (DELETE) and exits with status 0.
    let pid = sender.child.id().to_string();
    let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(killed.success());
    sender.wait_line("whip: DELETE");
    let mut sender = sender;
    let deadline = Instant::now() + SAFETY;
    let code = loop {
        if let Some(s) = sender.child.try_wait().unwrap() {
            break s.code();
        }
        assert!(Instant::now() < deadline, "the command did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    let log = sender.log();
    assert_eq!(code, Some(0), "sender:\n{log}");
    assert!(
        log.lines()
            .any(|l| l.starts_with("whip: DELETE") && l.contains(": 200")),
        "the session was deleted: {log}"
    );
    // The publisher is gone from the room (simple-whip-server hangs it up on the DELETE).
    let deadline = Instant::now() + SAFETY;
    loop {
        let r = janus.message(
            handle,
            json!({"request": "listparticipants", "room": ROOM}),
            None,
        );
        let participants = r["plugindata"]["data"]["participants"].clone();
        let publishing = participants
            .as_array()
            .is_some_and(|a| a.iter().any(|p| p["publisher"] == true));
        if !publishing {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the publisher stays after the DELETE: {participants}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    pc.close();
    eprintln!("whole test: {:.1} s", t0.elapsed().as_secs_f64());
    drop(servers);
}

#[test]
fn send_whip_errors_are_clear() {
    // Nobody listens: the port was free a moment ago.
    let port = free_port();
    let o = Command::new(env!("CARGO_BIN_EXE_mediacapture"))
        .args([
            "--fake",
            "send",
            "--duration",
            "5s",
            "-c",
            r#"{"audio":true}"#,
        ])
        .arg("--whip")
        .arg(format!("http://127.0.0.1:{port}/whip/endpoint/x"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(err.contains("cannot reach the WHIP server"), "{err}");

    // Bad usage: status 2, before any device opens.
    for args in [
        vec!["send", "--whip", "ftp://example.com/x"],
        vec!["send", "--whip", "example.com/whip"],
        vec!["send"],
        vec!["send", "--whip", "http://127.0.0.1:1/", "-c", "{nope"],
        vec!["send", "--whip", "http://127.0.0.1:1/", "--duration", "-1s"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_mediacapture"))
            .arg("--fake")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
