//! `getStats()`: str0m's statistics (sent at a fixed interval) joined with the counters of
//! the encoders and decoders.
//!
//! Spec: <https://w3c.github.io/webrtc-stats/#summary>

use super::driver::Driver;
use crate::codec::Codec;
use crate::stats::*;
use mediacapture::TrackKind;
use std::sync::atomic::Ordering;
use str0m::media::Mid;

const TRANSPORT: &str = "T01";

fn kind_str(k: TrackKind) -> &'static str {
    match k {
        TrackKind::Audio => "audio",
        TrackKind::Video => "video",
    }
}

impl Driver {
    /// The report: everything, or one sender's / receiver's entries (`(mid, true)` for a
    /// sender) and what they refer to.
    pub(super) fn stats(&mut self, filter: Option<(Option<String>, bool)>) -> RTCStatsReport {
        let now = now_ms();
        let mut r = RTCStatsReport::default();
        let Some(pc) = self.pc.upgrade() else {
            return r;
        };
        let transceivers = pc.state.lock().transceivers.clone();
        let want = |mid: &str, sender: bool| match &filter {
            None => true,
            Some((m, s)) => m.as_deref() == Some(mid) && *s == sender,
        };
        if filter.is_none() {
            r.insert(RTCStats::PeerConnection(RTCPeerConnectionStats {
                id: "P".into(),
                timestamp: now,
                ..Default::default()
            }));
        }
        let mut pair_id = None;
        if let Some(p) = self.peer_stats.as_ref() {
            if let Some(pair) = &p.selected_candidate_pair {
                let local = format!("I{}", pair.local.addr);
                let remote = format!("I{}", pair.remote.addr);
                let id = format!("CP{}_{}", pair.local.addr, pair.remote.addr);
                for (cid, addr, is_local) in [
                    (&local, pair.local.addr, true),
                    (&remote, pair.remote.addr, false),
                ] {
                    let c = RTCIceCandidateStats {
                        id: cid.clone(),
                        timestamp: now,
                        transport_id: TRANSPORT.into(),
                        address: addr.ip().to_string(),
                        port: addr.port(),
                        protocol: "udp".into(),
                        candidate_type: "host".into(),
                    };
                    r.insert(if is_local {
                        RTCStats::LocalCandidate(c)
                    } else {
                        RTCStats::RemoteCandidate(c)
                    });
                }
                r.insert(RTCStats::CandidatePair(RTCIceCandidatePairStats {
                    id: id.clone(),
                    timestamp: now,
                    transport_id: TRANSPORT.into(),
                    local_candidate_id: local,
                    remote_candidate_id: remote,
                    state: "succeeded".into(),
                    nominated: true,
                    bytes_sent: p.peer_bytes_tx,
                    bytes_received: p.peer_bytes_rx,
                    total_round_trip_time: pair.total_round_trip_time.as_secs_f64(),
                    current_round_trip_time: pair.current_round_trip_time.map(|d| d.as_secs_f64()),
                    available_outgoing_bitrate: p.bwe_tx.map(|b| b.as_f64()),
                    responses_received: pair.responses_received,
                }));
                pair_id = Some(id);
            }
            r.insert(RTCStats::Transport(RTCTransportStats {
                id: TRANSPORT.into(),
                timestamp: now,
                bytes_sent: p.peer_bytes_tx,
                bytes_received: p.peer_bytes_rx,
                dtls_state: if self.rtc.is_connected() {
                    "connected"
                } else {
                    "connecting"
                }
                .into(),
                ice_state: if self.rtc.is_connected() {
                    "connected"
                } else {
                    "checking"
                }
                .into(),
                selected_candidate_pair_id: pair_id,
            }));
        }
        // The SSRCs (read through str0m's direct API; drained after, as any access).
        let mut ssrcs = std::collections::HashMap::new();
        for t in &transceivers {
            let Some(mid) = t.mid() else { continue };
            let m: Mid = mid.as_str().into();
            let mut api = self.rtc.direct_api();
            let tx = api.stream_tx_by_mid(m, None).map(|s| *s.ssrc());
            let rx = api.stream_rx_by_mid(m, None).map(|s| *s.ssrc());
            ssrcs.insert(mid, (tx.unwrap_or(0), rx.unwrap_or(0)));
        }
        self.drain();
        for t in transceivers {
            let Some(mid) = t.mid() else { continue };
            let m: Mid = mid.as_str().into();
            let (tx_ssrc, rx_ssrc) = ssrcs.get(&mid).copied().unwrap_or((0, 0));
            let kind = kind_str(t.kind());
            let codec_of = |c: Option<Codec>, dir: &str| -> Option<(String, RTCCodecStats)> {
                let c = c?;
                let (pt, clock, channels, fmtp) = match c {
                    Codec::Vp8 => (96, 90_000, None, None),
                    Codec::Vp9 => (98, 90_000, None, Some("profile-id=0".to_string())),
                    Codec::Opus => (
                        111,
                        48_000,
                        Some(2),
                        Some("minptime=10;useinbandfec=1".into()),
                    ),
                };
                let id = format!("C{dir}{mid}_{pt}");
                Some((
                    id.clone(),
                    RTCCodecStats {
                        id,
                        timestamp: now,
                        payload_type: pt,
                        transport_id: TRANSPORT.into(),
                        mime_type: c.mime_type().into(),
                        clock_rate: clock,
                        channels,
                        sdp_fmtp_line: fmtp,
                    },
                ))
            };
            // Outbound.
            let sender = t.sender();
            let sending = sender
                .inner
                .pipeline
                .lock()
                .as_ref()
                .map(|p| p.counters.clone());
            if let (Some(c), true) = (sending, want(&mid, true)) {
                let codec = codec_of(*sender.inner.codec.lock(), "O");
                let eg = self.egress.get(&m);
                let ssrc = tx_ssrc;
                let id = format!("OT{mid}");
                let source_id = format!("S{mid}");
                let video = t.kind() == TrackKind::Video;
                let track_id = sender
                    .track()
                    .map(|t| t.id().to_string())
                    .unwrap_or_default();
                r.insert(RTCStats::MediaSource(RTCMediaSourceStats {
                    id: source_id.clone(),
                    timestamp: now,
                    track_identifier: track_id,
                    kind: kind.into(),
                    width: video.then(|| c.source_width.load(Ordering::Relaxed)),
                    height: video.then(|| c.source_height.load(Ordering::Relaxed)),
                    frames: video.then(|| c.source_frames.load(Ordering::Relaxed)),
                }));
                let remote = eg.and_then(|e| e.remote.as_ref()).map(|ri| {
                    let rid = format!("RI{mid}");
                    r.insert(RTCStats::RemoteInboundRtp(RTCRemoteInboundRtpStreamStats {
                        id: rid.clone(),
                        timestamp: now,
                        ssrc,
                        kind: kind.into(),
                        transport_id: TRANSPORT.into(),
                        codec_id: codec.as_ref().map(|(id, _)| id.clone()),
                        local_id: id.clone(),
                        packets_lost: ri.packets_lost as i64,
                        jitter: f64::from(ri.jitter) / if video { 90_000.0 } else { 48_000.0 },
                        round_trip_time: eg.and_then(|e| e.rtt).map(|d| d.as_secs_f64()),
                        fraction_lost: eg.and_then(|e| e.loss).map(f64::from),
                    }));
                    rid
                });
                r.insert(RTCStats::OutboundRtp(RTCOutboundRtpStreamStats {
                    id,
                    timestamp: now,
                    ssrc,
                    kind: kind.into(),
                    transport_id: TRANSPORT.into(),
                    codec_id: codec.as_ref().map(|(id, _)| id.clone()),
                    mid: Some(mid.clone()),
                    media_source_id: Some(source_id),
                    remote_id: remote,
                    packets_sent: eg.map_or(0, |e| e.packets),
                    bytes_sent: eg.map_or(0, |e| e.bytes),
                    target_bitrate: c.target_bitrate.load(Ordering::Relaxed) as f64,
                    frames_encoded: video.then(|| c.frames_encoded.load(Ordering::Relaxed)),
                    key_frames_encoded: video.then(|| c.key_frames_encoded.load(Ordering::Relaxed)),
                    frame_width: video
                        .then(|| c.frame_width.load(Ordering::Relaxed))
                        .filter(|w| *w > 0),
                    frame_height: video
                        .then(|| c.frame_height.load(Ordering::Relaxed))
                        .filter(|h| *h > 0),
                    total_encode_time: video
                        .then(|| c.total_encode_time_us.load(Ordering::Relaxed) as f64 / 1e6),
                    nack_count: eg.map_or(0, |e| e.nacks),
                    fir_count: eg.map_or(0, |e| e.firs),
                    pli_count: eg.map_or(0, |e| e.plis),
                    active: sender.encoding().active,
                    encoder_implementation: Some(if video { "libvpx" } else { "libopus" }.into()),
                }));
                if let Some((_, cs)) = codec {
                    r.insert(RTCStats::Codec(cs));
                }
            }
            // Inbound.
            let receiving = t
                .receiver()
                .inner
                .pipeline
                .lock()
                .as_ref()
                .map(|p| p.counters.clone());
            if let (Some(c), true) = (receiving, want(&mid, false)) {
                let ing = self.ingress.get(&m);
                let video = t.kind() == TrackKind::Video;
                let codec = self
                    .rtc
                    .media(m)
                    .and_then(|media| media.remote_pts().first().copied())
                    .and_then(|pt| {
                        self.rtc
                            .codec_config()
                            .params()
                            .iter()
                            .find(|p| p.pt() == pt)
                            .and_then(|p| Codec::from_str0m(p.spec().codec))
                    });
                let codec = codec_of(codec, "I");
                let frames = |v: u64| video.then_some(v);
                r.insert(RTCStats::InboundRtp(RTCInboundRtpStreamStats {
                    id: format!("IT{mid}"),
                    timestamp: now,
                    ssrc: rx_ssrc,
                    kind: kind.into(),
                    transport_id: TRANSPORT.into(),
                    codec_id: codec.as_ref().map(|(id, _)| id.clone()),
                    track_identifier: t.receiver().track().id().to_string(),
                    mid: Some(mid.clone()),
                    packets_received: ing.map_or(0, |i| i.packets),
                    packets_lost: ing.and_then(|i| i.loss).map_or(0, |l| {
                        (f64::from(l) * ing.map_or(0, |i| i.packets) as f64) as i64
                    }),
                    jitter: ing.map_or(0.0, |i| {
                        f64::from(i.jitter) / if video { 90_000.0 } else { 48_000.0 }
                    }),
                    bytes_received: ing.map_or(0, |i| i.bytes),
                    nack_count: ing.map_or(0, |i| i.nacks),
                    fir_count: ing.map_or(0, |i| i.firs),
                    pli_count: ing.map_or(0, |i| i.plis),
                    frames_received: frames(c.frames_received.load(Ordering::Relaxed)),
                    frames_decoded: frames(c.frames_decoded.load(Ordering::Relaxed)),
                    key_frames_decoded: frames(c.key_frames_decoded.load(Ordering::Relaxed)),
                    frames_dropped: frames(c.dropped.load(Ordering::Relaxed)),
                    frame_width: frames(c.frame_width.load(Ordering::Relaxed)).filter(|w| *w > 0),
                    frame_height: frames(c.frame_height.load(Ordering::Relaxed)).filter(|h| *h > 0),
                    total_samples_received: (!video)
                        .then(|| c.total_samples_received.load(Ordering::Relaxed)),
                    total_audio_energy: (!video)
                        .then(|| c.energy_micro.load(Ordering::Relaxed) as f64 / 1e6),
                    decoder_implementation: if video {
                        c.decoder_implementation.lock().map(String::from)
                    } else {
                        Some("libopus".into())
                    },
                }));
                if let Some((_, cs)) = codec {
                    r.insert(RTCStats::Codec(cs));
                }
            }
        }
        r
    }
}
