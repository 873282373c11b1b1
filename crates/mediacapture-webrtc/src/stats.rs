//! `getStats()`: an `RTCStatsReport` whose entries and members are named as in
//! webrtc-stats, so that its JSON reads like a browser's.
//!
//! Spec: <https://w3c.github.io/webrtc-stats/>

use serde::Serialize;
use std::collections::BTreeMap;

/// One stats object. Serializes with `"type"` and the spec's member names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum RTCStats {
    /// `codec`.
    Codec(RTCCodecStats),
    /// `inbound-rtp`.
    InboundRtp(RTCInboundRtpStreamStats),
    /// `outbound-rtp`.
    OutboundRtp(RTCOutboundRtpStreamStats),
    /// `remote-inbound-rtp`.
    RemoteInboundRtp(RTCRemoteInboundRtpStreamStats),
    /// `media-source`.
    MediaSource(RTCMediaSourceStats),
    /// `candidate-pair`.
    CandidatePair(RTCIceCandidatePairStats),
    /// `local-candidate`.
    LocalCandidate(RTCIceCandidateStats),
    /// `remote-candidate`.
    RemoteCandidate(RTCIceCandidateStats),
    /// `transport`.
    Transport(RTCTransportStats),
    /// `peer-connection`.
    PeerConnection(RTCPeerConnectionStats),
}

impl RTCStats {
    /// The `id` member.
    pub fn id(&self) -> &str {
        match self {
            RTCStats::Codec(s) => &s.id,
            RTCStats::InboundRtp(s) => &s.id,
            RTCStats::OutboundRtp(s) => &s.id,
            RTCStats::RemoteInboundRtp(s) => &s.id,
            RTCStats::MediaSource(s) => &s.id,
            RTCStats::CandidatePair(s) => &s.id,
            RTCStats::LocalCandidate(s) | RTCStats::RemoteCandidate(s) => &s.id,
            RTCStats::Transport(s) => &s.id,
            RTCStats::PeerConnection(s) => &s.id,
        }
    }

    /// The `type` member (`"outbound-rtp"`, …).
    pub fn stats_type(&self) -> &'static str {
        match self {
            RTCStats::Codec(_) => "codec",
            RTCStats::InboundRtp(_) => "inbound-rtp",
            RTCStats::OutboundRtp(_) => "outbound-rtp",
            RTCStats::RemoteInboundRtp(_) => "remote-inbound-rtp",
            RTCStats::MediaSource(_) => "media-source",
            RTCStats::CandidatePair(_) => "candidate-pair",
            RTCStats::LocalCandidate(_) => "local-candidate",
            RTCStats::RemoteCandidate(_) => "remote-candidate",
            RTCStats::Transport(_) => "transport",
            RTCStats::PeerConnection(_) => "peer-connection",
        }
    }

    /// The stats object as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// `RTCStatsReport`: stats objects by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct RTCStatsReport {
    entries: BTreeMap<String, RTCStats>,
}

impl RTCStatsReport {
    pub(crate) fn insert(&mut self, s: RTCStats) {
        self.entries.insert(s.id().to_string(), s);
    }

    /// The stats object with `id`.
    pub fn get(&self, id: &str) -> Option<&RTCStats> {
        self.entries.get(id)
    }

    /// Every stats object.
    pub fn values(&self) -> impl Iterator<Item = &RTCStats> {
        self.entries.values()
    }

    /// The stats objects of one type (`"outbound-rtp"`, …).
    pub fn of_type<'a>(&'a self, t: &'a str) -> impl Iterator<Item = &'a RTCStats> + 'a {
        self.entries.values().filter(move |s| s.stats_type() == t)
    }

    /// Number of stats objects.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The report as a JSON object keyed by id (what `Object.fromEntries(report)` gives in a
    /// browser).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// `RTCCodecStats`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RTCCodecStats {
    /// `id`.
    pub id: String,
    /// `timestamp` (ms since the Unix epoch).
    pub timestamp: f64,
    /// `payloadType`.
    pub payload_type: u32,
    /// `transportId`.
    pub transport_id: String,
    /// `mimeType`.
    pub mime_type: String,
    /// `clockRate`.
    pub clock_rate: u32,
    /// `channels`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<u32>,
    /// `sdpFmtpLine`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdp_fmtp_line: Option<String>,
}

/// `RTCInboundRtpStreamStats` (the members this implementation measures).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RTCInboundRtpStreamStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `ssrc`.
    pub ssrc: u32,
    /// `kind`.
    pub kind: String,
    /// `transportId`.
    pub transport_id: String,
    /// `codecId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec_id: Option<String>,
    /// `trackIdentifier`.
    pub track_identifier: String,
    /// `mid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    /// `packetsReceived`.
    pub packets_received: u64,
    /// `packetsLost`.
    pub packets_lost: i64,
    /// `jitter` (seconds).
    pub jitter: f64,
    /// `bytesReceived`.
    pub bytes_received: u64,
    /// `nackCount`.
    pub nack_count: u64,
    /// `firCount`.
    pub fir_count: u64,
    /// `pliCount`.
    pub pli_count: u64,
    /// `framesReceived` (video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_received: Option<u64>,
    /// `framesDecoded` (video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_decoded: Option<u64>,
    /// `keyFramesDecoded` (video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_frames_decoded: Option<u64>,
    /// `framesDropped` (video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_dropped: Option<u64>,
    /// `frameWidth` (video, once decoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_width: Option<u64>,
    /// `frameHeight` (video, once decoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_height: Option<u64>,
    /// `totalSamplesReceived` (audio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_samples_received: Option<u64>,
    /// `totalAudioEnergy` (audio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_audio_energy: Option<f64>,
    /// `decoderImplementation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoder_implementation: Option<String>,
}

/// `RTCOutboundRtpStreamStats` (the members this implementation measures).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RTCOutboundRtpStreamStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `ssrc`.
    pub ssrc: u32,
    /// `kind`.
    pub kind: String,
    /// `transportId`.
    pub transport_id: String,
    /// `codecId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec_id: Option<String>,
    /// `mid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
    /// `mediaSourceId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_source_id: Option<String>,
    /// `remoteId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    /// `packetsSent`.
    pub packets_sent: u64,
    /// `bytesSent`.
    pub bytes_sent: u64,
    /// `targetBitrate`.
    pub target_bitrate: f64,
    /// `framesEncoded` (video: frames; audio: packets are not counted here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_encoded: Option<u64>,
    /// `keyFramesEncoded` (video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_frames_encoded: Option<u64>,
    /// `frameWidth` (video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_width: Option<u64>,
    /// `frameHeight` (video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_height: Option<u64>,
    /// `totalEncodeTime` (video, seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_encode_time: Option<f64>,
    /// `nackCount`.
    pub nack_count: u64,
    /// `firCount` (video).
    pub fir_count: u64,
    /// `pliCount` (video).
    pub pli_count: u64,
    /// `active`.
    pub active: bool,
    /// `encoderImplementation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoder_implementation: Option<String>,
}

/// `RTCRemoteInboundRtpStreamStats`: what the receiver reported about our stream.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RTCRemoteInboundRtpStreamStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `ssrc`.
    pub ssrc: u32,
    /// `kind`.
    pub kind: String,
    /// `transportId`.
    pub transport_id: String,
    /// `codecId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec_id: Option<String>,
    /// `localId` (the `outbound-rtp` it reports on).
    pub local_id: String,
    /// `packetsLost`.
    pub packets_lost: i64,
    /// `jitter` (seconds).
    pub jitter: f64,
    /// `roundTripTime` (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round_trip_time: Option<f64>,
    /// `fractionLost`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fraction_lost: Option<f64>,
}

/// `RTCMediaSourceStats` (with the video / audio members).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RTCMediaSourceStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `trackIdentifier`.
    pub track_identifier: String,
    /// `kind`.
    pub kind: String,
    /// `width` (video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u64>,
    /// `height` (video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// `frames` (video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<u64>,
}

/// `RTCIceCandidatePairStats`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RTCIceCandidatePairStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `transportId`.
    pub transport_id: String,
    /// `localCandidateId`.
    pub local_candidate_id: String,
    /// `remoteCandidateId`.
    pub remote_candidate_id: String,
    /// `state`.
    pub state: String,
    /// `nominated`.
    pub nominated: bool,
    /// `bytesSent`.
    pub bytes_sent: u64,
    /// `bytesReceived`.
    pub bytes_received: u64,
    /// `totalRoundTripTime` (seconds).
    pub total_round_trip_time: f64,
    /// `currentRoundTripTime` (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_round_trip_time: Option<f64>,
    /// `availableOutgoingBitrate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_outgoing_bitrate: Option<f64>,
    /// `responsesReceived`.
    pub responses_received: u64,
}

/// `RTCIceCandidateStats`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RTCIceCandidateStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `transportId`.
    pub transport_id: String,
    /// `address`.
    pub address: String,
    /// `port`.
    pub port: u16,
    /// `protocol`.
    pub protocol: String,
    /// `candidateType`.
    pub candidate_type: String,
}

/// `RTCTransportStats`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RTCTransportStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `bytesSent`.
    pub bytes_sent: u64,
    /// `bytesReceived`.
    pub bytes_received: u64,
    /// `dtlsState`.
    pub dtls_state: String,
    /// `iceState`.
    pub ice_state: String,
    /// `selectedCandidatePairId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected_candidate_pair_id: Option<String>,
}

/// `RTCPeerConnectionStats`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RTCPeerConnectionStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `dataChannelsOpened`.
    pub data_channels_opened: u32,
    /// `dataChannelsClosed`.
    pub data_channels_closed: u32,
}

/// Now, as a stats timestamp: milliseconds since the Unix epoch (what Chromium reports).
pub(crate) fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_uses_the_spec_names() {
        let mut r = RTCStatsReport::default();
        r.insert(RTCStats::OutboundRtp(RTCOutboundRtpStreamStats {
            id: "OT01V1".into(),
            kind: "video".into(),
            frames_encoded: Some(3),
            frame_width: Some(640),
            ..Default::default()
        }));
        let j = r.to_json();
        let o = &j["OT01V1"];
        assert_eq!(o["type"], "outbound-rtp");
        assert_eq!(o["framesEncoded"], 3);
        assert_eq!(o["frameWidth"], 640);
        assert_eq!(o["packetsSent"], 0);
        assert!(
            o.get("frameHeight").is_none(),
            "unknown members are left out"
        );
        assert_eq!(r.of_type("outbound-rtp").count(), 1);
    }
}
