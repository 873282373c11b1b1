//! Keyframes on request: a receiver whose decoder fails asks for one (PLI), and the sender
//! encodes one.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.

mod common;

use common::*;
use mediacapture::{PixelFormat, VideoFrame};
use mediacapture_webrtc::{
    Codec, EncodedVideoFrame, HostCandidates, PeerConnectionEvent, RTCPeerConnection, RTCStats,
    VideoDecoder, VideoDecoderFactory,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A decoder that fails on its 20th frame and otherwise gives a grey picture per frame.
struct FailsOnce(Arc<AtomicU64>);

impl VideoDecoder for FailsOnce {
    fn decode(
        &mut self,
        f: &EncodedVideoFrame,
        out: &mut Vec<VideoFrame>,
    ) -> mediacapture::Result<()> {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        if n == 20 {
            return Err(mediacapture::Error::unknown("a broken frame"));
        }
        out.push(
            VideoFrame::new(PixelFormat::I420, 16, 16, vec![128u8; 384], f.timestamp_us).unwrap(),
        );
        Ok(())
    }
}

struct Factory(Arc<AtomicU64>);

impl VideoDecoderFactory for Factory {
    fn create(&self, _: Codec) -> Option<Box<dyn VideoDecoder>> {
        Some(Box::new(FailsOnce(self.0.clone())))
    }
}

#[test]
fn a_decoder_failure_asks_for_a_keyframe_and_gets_one() {
    let decoded = Arc::new(AtomicU64::new(0));
    let a = pc();
    let b = RTCPeerConnection::builder()
        .host_candidates(HostCandidates::Loopback)
        .video_decoders(Arc::new(Factory(decoded.clone())))
        .build()
        .unwrap();
    let (ae, be) = (events(&a), events(&b));
    let stream = gum(&devices(), r#"{"video": true}"#);
    a.add_track(&stream.get_video_tracks()[0], &[&stream])
        .unwrap();
    negotiate(&a, &b);
    let t = wait_for(&be, "track", |e| match e {
        PeerConnectionEvent::Track(t) => Some(t.track.clone()),
        _ => None,
    });
    wait_connected(&a, &ae);
    let frames = t.video_frames();
    // Frames until the sender has answered a PLI with a second keyframe.
    let deadline = std::time::Instant::now() + SAFETY;
    loop {
        frames.recv_timeout(SAFETY).expect("frames");
        let out = block_on(a.get_stats())
            .unwrap()
            .values()
            .find_map(|s| match s {
                RTCStats::OutboundRtp(o) => Some(o.clone()),
                _ => None,
            })
            .unwrap();
        if out.pli_count >= 1 && out.key_frames_encoded.unwrap() >= 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no keyframe after the PLI: {out:?}"
        );
    }
    assert!(decoded.load(Ordering::Relaxed) > 20);
}
