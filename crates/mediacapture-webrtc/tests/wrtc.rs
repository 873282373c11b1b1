//! Against libwebrtc in Node (@roamhq/wrtc, `interop/wrtc-peer.mjs`) on 127.0.0.1: it decodes
//! our fake camera at the size we sent; we decode its moving picture and hear its 880 Hz
//! beeps. Both offerer roles. Runs with `MEDIACAPTURE_TEST_BROWSER=1` in a network namespace
//! with loopback only, after `npm install` in `interop/` (scripts/test.sh does both).
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.

mod common;

use common::SAFETY;
use common::interop::*;
use common::signal::{PeerLink, interop_dir};
use std::process::{Child, Command, Stdio};

struct NodePeer(Child);

impl Drop for NodePeer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn session(rust_offers: bool) {
    let link = PeerLink::start();
    let dir = interop_dir();
    assert!(
        dir.join("node_modules/@roamhq/wrtc").exists(),
        "run `npm install` in {} (scripts/test.sh does)",
        dir.display()
    );
    let _peer = NodePeer(
        Command::new("node")
            .arg("wrtc-peer.mjs")
            .arg(link.url(""))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .spawn()
            .expect("node runs"),
    );
    let s = connect(&link, rust_offers);
    check_remote_video_moves(&s.pc, &s.video);
    let f = check_remote_audio_beeps(&s.audio, &[440.0, 660.0, 880.0, 1000.0]);
    assert_eq!(f, 880.0, "the wrtc peer beeps at 880 Hz");
    // The peer's RTCVideoSink got our frames, decoded, at the size we sent.
    let deadline = std::time::Instant::now() + SAFETY;
    loop {
        link.send(serde_json::json!({"type": "stats"}));
        let v = link.recv("stats");
        let extra = &v["extra"];
        if extra["videoFrames"].as_u64().unwrap_or(0) >= 30 {
            assert_eq!(extra["width"], 640, "{extra}");
            assert_eq!(extra["height"], 480, "{extra}");
            assert!(extra["audioFrames"].as_u64().unwrap_or(0) > 0, "{extra}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the wrtc peer did not decode 30 of our frames: {extra}"
        );
        // The peer's counters have no event to wait on: ask again a little later (a pause
        // between polls, not a timing assertion).
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    link.send(serde_json::json!({"type": "close"}));
    s.pc.close();
}

#[test]
fn wrtc_answers_our_offer() {
    if isolated_or_skip("wrtc_answers_our_offer") {
        session(true);
    }
}

#[test]
fn wrtc_offers_and_we_answer() {
    if isolated_or_skip("wrtc_offers_and_we_answer") {
        session(false);
    }
}
