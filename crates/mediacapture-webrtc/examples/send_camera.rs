//! Sends the camera and microphone to a peer, and prints what the peer receives.
//!
//! The peer is a second connection in this process, standing for a browser, libwebrtc or an
//! SFU; the descriptions (which carry the host candidates) are what a signalling channel
//! (WHIP, a WebSocket…) would carry. The lines between `README begin` and `README end` are
//! the README's Rust example (crates/mediacapture-node/test/readme.test.js checks they are
//! the same).
//!
//! `MEDIACAPTURE_FAKE=1 cargo run -p mediacapture-webrtc --example send_camera`
#![allow(clippy::print_stdout, reason = "an example prints what it does")]

use mediacapture::{MediaDevices, MediaStreamConstraints, Result};
use mediacapture_webrtc::{RTCPeerConnection, RTCSessionDescriptionInit};
use std::time::{Duration, Instant};

/// The other side, reached through "signalling": here, a connection in this process.
struct Signalling {
    peer: RTCPeerConnection,
}

impl Signalling {
    /// Sends the offer, returns the peer's answer.
    async fn exchange(
        &self,
        offer: RTCSessionDescriptionInit,
    ) -> Result<RTCSessionDescriptionInit> {
        self.peer.set_remote_description(offer).await?;
        let answer = self.peer.create_answer().await?;
        self.peer
            .set_local_description(Some(answer.clone()))
            .await?;
        Ok(answer)
    }
}

fn main() -> Result<()> {
    let signalling = Signalling {
        peer: RTCPeerConnection::new(Default::default())?,
    };
    futures_executor::block_on(async {
        // README begin
        let devices = MediaDevices::builder().build();
        let constraints = MediaStreamConstraints::from_json(r#"{"video": true, "audio": true}"#)?;
        let stream = devices.get_user_media(constraints).await?;
        let pc = RTCPeerConnection::new(Default::default())?;
        for track in stream.get_tracks() {
            pc.add_track(&track, &[&stream])?;
        }
        let offer = pc.create_offer(Default::default()).await?;
        pc.set_local_description(Some(offer.clone())).await?;
        let answer = signalling.exchange(offer).await?; // WHIP, a WebSocket, …
        pc.set_remote_description(answer).await?;
        // README end

        // What the peer receives, as its getStats() counts it, for a few seconds.
        let until = Instant::now() + Duration::from_secs(3);
        while Instant::now() < until {
            std::thread::sleep(Duration::from_millis(500));
            let report = signalling.peer.get_stats().await?;
            for s in report.of_type("inbound-rtp") {
                let j = s.to_json();
                println!(
                    "peer receives {}: {} packets, {} bytes",
                    j["kind"], j["packetsReceived"], j["bytesReceived"]
                );
            }
        }
        pc.close();
        signalling.peer.close();
        stream.get_tracks().iter().for_each(|t| t.stop());
        Ok(())
    })
}
