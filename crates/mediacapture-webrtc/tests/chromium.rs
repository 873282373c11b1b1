//! Against a real browser: headless Chromium on 127.0.0.1 with a local page and signalling
//! (`interop/`). Chromium receives our fake camera (its getStats() reports frames decoded at
//! the size we sent) and we receive its fake camera and microphone (a moving picture, beeps).
//! Both offerer roles. Runs with `MEDIACAPTURE_TEST_BROWSER=1` in a network namespace with
//! loopback only (scripts/test.sh).
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.

mod common;

use common::interop::*;
use common::signal::PeerLink;
use std::process::{Child, Command, Stdio};

struct Chromium {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Chromium {
    fn open(url: &str) -> Chromium {
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                // Host candidates on loopback (the only interface here), as plain addresses.
                "--allow-loopback-in-peer-connection",
                "--disable-features=WebRtcHideLocalIpsWithMdns",
                &format!("--user-data-dir={}", profile.path().display()),
                url,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium runs (scripts/setup.sh installs it)");
        Chromium {
            child,
            _profile: profile,
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn session(rust_offers: bool) {
    let link = PeerLink::start();
    let _chromium = Chromium::open(&link.url("/page.html"));
    let s = connect(&link, rust_offers);
    // We decode Chromium's fake camera and hear its beeps.
    check_remote_video_moves(&s.pc, &s.video);
    // Chromium's fake microphone beeps at 400 Hz.
    let f = check_remote_audio_beeps(&s.audio, &[200.0, 400.0, 440.0, 800.0, 1000.0, 2000.0]);
    assert_eq!(f, 400.0);
    // Chromium decodes our camera at the size we sent.
    let (inbound, _) = peer_inbound_video(&link, 30);
    assert_eq!(inbound["frameWidth"], 640, "{inbound}");
    assert_eq!(inbound["frameHeight"], 480, "{inbound}");
    link.send(serde_json::json!({"type": "close"}));
    s.pc.close();
}

#[test]
fn chromium_answers_our_offer() {
    if isolated_or_skip("chromium_answers_our_offer") {
        session(true);
    }
}

#[test]
fn chromium_offers_and_we_answer() {
    if isolated_or_skip("chromium_offers_and_we_answer") {
        session(false);
    }
}
