//! Shared helpers for the peer connection tests: connection pairs on loopback, waiting for
//! events with a safety timeout, tone analysis.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // Test helpers: a panic is a failure with a message; not every test uses every helper.

pub mod interop;
pub mod signal;

use mediacapture::{MediaDevices, MediaStream, MediaStreamConstraints};
use mediacapture_hal::fake::FakeBackend;
use mediacapture_webrtc::{
    HostCandidates, PeerConnectionEvent, RTCPeerConnection, RTCPeerConnectionState,
};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// How long a test waits for something that should happen: only reached when the behaviour
/// under test is broken (tests never assert timings).
pub const SAFETY: Duration = Duration::from_secs(30);

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

/// Fake devices (a 640x480 camera pattern with a frame counter, a 440 Hz tone with 880 Hz
/// beeps).
pub fn devices() -> MediaDevices {
    MediaDevices::builder()
        .origin("https://example.com")
        .backend(FakeBackend::default())
        .build()
}

pub fn gum(devices: &MediaDevices, json: &str) -> MediaStream {
    block_on(devices.get_user_media(MediaStreamConstraints::from_json(json).unwrap())).unwrap()
}

/// Logs to stderr when `RUST_LOG` is set.
pub fn trace() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(tracing::Level::DEBUG)
            .try_init();
    }
}

/// A connection with host candidates on 127.0.0.1 only (remote video decoded by libvpx, the
/// default).
pub fn pc() -> RTCPeerConnection {
    trace();
    RTCPeerConnection::builder()
        .host_candidates(HostCandidates::Loopback)
        .build()
        .unwrap()
}

/// Every event of `pc` from now on, on a channel.
pub fn events(pc: &RTCPeerConnection) -> Receiver<PeerConnectionEvent> {
    let (tx, rx) = channel();
    pc.add_event_listener(move |e| {
        let _ = tx.send(e.clone());
    });
    rx
}

/// Waits for the first event `f` accepts; panics naming `what` after [`SAFETY`].
pub fn wait_for<T>(
    rx: &Receiver<PeerConnectionEvent>,
    what: &str,
    mut f: impl FnMut(&PeerConnectionEvent) -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + SAFETY;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let e = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        if let Some(t) = f(&e) {
            return t;
        }
    }
}

/// Waits until `connectionState` is `connected`.
pub fn wait_connected(pc: &RTCPeerConnection, rx: &Receiver<PeerConnectionEvent>) {
    if pc.connection_state() == RTCPeerConnectionState::Connected {
        return;
    }
    wait_for(rx, "connectionState connected", |e| match e {
        PeerConnectionEvent::ConnectionStateChange(RTCPeerConnectionState::Connected) => Some(()),
        PeerConnectionEvent::ConnectionStateChange(RTCPeerConnectionState::Failed) => {
            panic!("the connection failed")
        }
        _ => None,
    });
}

/// One offer/answer exchange, `offerer` first (candidates travel in the SDP).
pub fn negotiate(offerer: &RTCPeerConnection, answerer: &RTCPeerConnection) {
    block_on(async {
        let offer = offerer.create_offer(Default::default()).await.unwrap();
        offerer
            .set_local_description(Some(offer.clone()))
            .await
            .unwrap();
        answerer.set_remote_description(offer).await.unwrap();
        let answer = answerer.create_answer().await.unwrap();
        answerer
            .set_local_description(Some(answer.clone()))
            .await
            .unwrap();
        offerer.set_remote_description(answer).await.unwrap();
    });
}

// The hal tests' tone analysis, one copy for the workspace.
#[path = "../../../mediacapture-hal/tests/common/tone.rs"]
mod tone;
#[allow(unused_imports, reason = "not every test binary analyses tones")]
pub use tone::{dominant, tone_power};
