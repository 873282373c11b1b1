//! The spec's dictionaries and enums, with the member names of the IDL (serde, camelCase) so
//! that JSON from a browser page deserializes as it is.
//!
//! Spec: <https://w3c.github.io/webrtc-pc/#rtcpeerconnection-interface>

use serde::{Deserialize, Serialize};

/// `RTCSignalingState`.
///
/// Spec: <https://w3c.github.io/webrtc-pc/#rtcsignalingstate-enum>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RTCSignalingState {
    /// No offer/answer exchange in progress.
    #[default]
    Stable,
    /// A local offer was applied.
    HaveLocalOffer,
    /// A remote offer was applied.
    HaveRemoteOffer,
    /// A remote offer and a local provisional answer were applied (never reached: pranswer
    /// is not supported).
    HaveLocalPranswer,
    /// A local offer and a remote provisional answer were applied (never reached).
    HaveRemotePranswer,
    /// The peer connection is closed.
    Closed,
}

/// `RTCIceGatheringState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RTCIceGatheringState {
    /// Nothing gathered yet.
    #[default]
    New,
    /// Gathering.
    Gathering,
    /// Every candidate was gathered.
    Complete,
}

/// `RTCIceConnectionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RTCIceConnectionState {
    /// Waiting for candidates.
    #[default]
    New,
    /// Checking candidate pairs.
    Checking,
    /// A working pair was found.
    Connected,
    /// Every pair was checked and one works.
    Completed,
    /// Connectivity was lost for now.
    Disconnected,
    /// Connectivity was lost for good.
    Failed,
    /// The peer connection is closed.
    Closed,
}

/// `RTCPeerConnectionState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RTCPeerConnectionState {
    /// No transport is in use yet.
    #[default]
    New,
    /// ICE or DTLS is in progress.
    Connecting,
    /// ICE and DTLS are up.
    Connected,
    /// Connectivity was lost for now.
    Disconnected,
    /// Connectivity was lost for good.
    Failed,
    /// The peer connection is closed.
    Closed,
}

/// `RTCSdpType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RTCSdpType {
    /// An offer.
    Offer,
    /// A provisional answer (not supported: rejected with `OperationError`).
    Pranswer,
    /// A final answer.
    Answer,
    /// Cancels the current offer.
    Rollback,
}

impl RTCSdpType {
    /// The IDL string.
    pub fn as_str(self) -> &'static str {
        match self {
            RTCSdpType::Offer => "offer",
            RTCSdpType::Pranswer => "pranswer",
            RTCSdpType::Answer => "answer",
            RTCSdpType::Rollback => "rollback",
        }
    }
}

/// `RTCSessionDescriptionInit` (also what `localDescription` and friends return, as
/// `RTCSessionDescription` has the same two members).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RTCSessionDescriptionInit {
    /// `type`.
    #[serde(rename = "type")]
    pub sdp_type: RTCSdpType,
    /// The SDP text (`""` for a rollback, or to let `setLocalDescription` create one).
    #[serde(default)]
    pub sdp: String,
}

impl RTCSessionDescriptionInit {
    /// An offer with `sdp`.
    pub fn offer(sdp: impl Into<String>) -> Self {
        RTCSessionDescriptionInit {
            sdp_type: RTCSdpType::Offer,
            sdp: sdp.into(),
        }
    }
    /// An answer with `sdp`.
    pub fn answer(sdp: impl Into<String>) -> Self {
        RTCSessionDescriptionInit {
            sdp_type: RTCSdpType::Answer,
            sdp: sdp.into(),
        }
    }
    /// A rollback.
    pub fn rollback() -> Self {
        RTCSessionDescriptionInit {
            sdp_type: RTCSdpType::Rollback,
            sdp: String::new(),
        }
    }
}

/// `RTCIceCandidateInit` (and the data of an `RTCIceCandidate`).
///
/// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcicecandidateinit>
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RTCIceCandidateInit {
    /// The `candidate-attribute` (`"candidate:…"`), or `""` for end-of-candidates.
    #[serde(default)]
    pub candidate: String,
    /// The media section's mid.
    #[serde(default)]
    pub sdp_mid: Option<String>,
    /// The media section's index.
    #[serde(default, rename = "sdpMLineIndex")]
    pub sdp_m_line_index: Option<u16>,
    /// The ICE ufrag the candidate belongs to.
    #[serde(default)]
    pub username_fragment: Option<String>,
}

/// `RTCIceServer`. STUN and TURN servers are validated as the spec says and kept in the
/// configuration; see the crate docs for what is gathered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RTCIceServer {
    /// One URL or several.
    pub urls: IceServerUrls,
    /// TURN username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// `(USVString or sequence<USVString>) urls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IceServerUrls {
    /// One URL.
    One(String),
    /// Several URLs.
    Many(Vec<String>),
}

impl IceServerUrls {
    /// The URLs as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            IceServerUrls::One(u) => vec![u.clone()],
            IceServerUrls::Many(v) => v.clone(),
        }
    }
}

/// `RTCIceTransportPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RTCIceTransportPolicy {
    /// Relay candidates only (nothing is gathered: there is no TURN client).
    Relay,
    /// Every candidate.
    #[default]
    All,
}

/// `RTCBundlePolicy`. Every m-section is bundled whatever the policy (str0m bundles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RTCBundlePolicy {
    /// `balanced`.
    #[default]
    Balanced,
    /// `max-compat`.
    MaxCompat,
    /// `max-bundle`.
    MaxBundle,
}

/// `RTCRtcpMuxPolicy`: only `require`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RTCRtcpMuxPolicy {
    /// RTP and RTCP share one transport.
    #[default]
    Require,
}

/// `RTCConfiguration` (without `certificates`: each peer connection makes its own).
///
/// Spec: <https://w3c.github.io/webrtc-pc/#rtcconfiguration-dictionary>
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct RTCConfiguration {
    /// STUN/TURN servers.
    pub ice_servers: Vec<RTCIceServer>,
    /// Which candidates may be used.
    pub ice_transport_policy: RTCIceTransportPolicy,
    /// How media is bundled.
    pub bundle_policy: RTCBundlePolicy,
    /// RTCP multiplexing.
    pub rtcp_mux_policy: RTCRtcpMuxPolicy,
    /// Candidates gathered before `setLocalDescription` (0–255).
    pub ice_candidate_pool_size: u8,
}

impl RTCConfiguration {
    /// Parses a configuration from its JSON form (as a page would pass it).
    ///
    /// Errors: `TypeError` for JSON that is not an `RTCConfiguration`.
    pub fn from_json(json: &str) -> crate::Result<Self> {
        serde_json::from_str(json)
            .map_err(|e| crate::Error::type_error(format!("not an RTCConfiguration: {e}")))
    }
}

/// `RTCOfferOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct RTCOfferOptions {
    /// Restart ICE with this offer.
    pub ice_restart: bool,
    /// Legacy: add a receive-only audio transceiver when there is none.
    pub offer_to_receive_audio: Option<bool>,
    /// Legacy: add a receive-only video transceiver when there is none.
    pub offer_to_receive_video: Option<bool>,
}

/// `RTCRtpTransceiverDirection`.
///
/// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtptransceiverdirection>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RTCRtpTransceiverDirection {
    /// Sends and receives.
    #[default]
    Sendrecv,
    /// Sends only.
    Sendonly,
    /// Receives only.
    Recvonly,
    /// Neither.
    Inactive,
    /// Stopped for good.
    Stopped,
}

impl RTCRtpTransceiverDirection {
    /// Whether this direction sends.
    pub fn sends(self) -> bool {
        matches!(self, Self::Sendrecv | Self::Sendonly)
    }
    /// Whether this direction receives.
    pub fn receives(self) -> bool {
        matches!(self, Self::Sendrecv | Self::Recvonly)
    }
    /// The direction with `send` and `recv` as given.
    pub fn from_flags(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => Self::Sendrecv,
            (true, false) => Self::Sendonly,
            (false, true) => Self::Recvonly,
            (false, false) => Self::Inactive,
        }
    }
    /// The direction as the other side sees it (sendonly <-> recvonly).
    pub fn reverse(self) -> Self {
        match self {
            Self::Sendonly => Self::Recvonly,
            Self::Recvonly => Self::Sendonly,
            other => other,
        }
    }
    /// The SDP attribute name (`sendrecv`, …); `inactive` for `stopped`.
    pub fn as_sdp(self) -> &'static str {
        match self {
            Self::Sendrecv => "sendrecv",
            Self::Sendonly => "sendonly",
            Self::Recvonly => "recvonly",
            Self::Inactive | Self::Stopped => "inactive",
        }
    }
    /// The direction of an SDP attribute name.
    pub fn from_sdp(attr: &str) -> Option<Self> {
        Some(match attr {
            "sendrecv" => Self::Sendrecv,
            "sendonly" => Self::Sendonly,
            "recvonly" => Self::Recvonly,
            "inactive" => Self::Inactive,
            _ => return None,
        })
    }
}

/// `RTCRtpCodec`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RTCRtpCodec {
    /// `"video/VP8"`, `"audio/opus"`, …
    pub mime_type: String,
    /// RTP clock rate.
    pub clock_rate: u32,
    /// Audio channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<u16>,
    /// The `a=fmtp` parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_fmtp_line: Option<String>,
}

/// `RTCRtpCodecParameters`: a negotiated codec with its payload type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RTCRtpCodecParameters {
    /// The codec.
    #[serde(flatten)]
    pub codec: RTCRtpCodec,
    /// Its payload type.
    pub payload_type: u8,
}

/// `RTCRtpCapabilities`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RTCRtpCapabilities {
    /// Codecs.
    pub codecs: Vec<RTCRtpCodec>,
    /// Header extensions (URIs).
    pub header_extensions: Vec<RTCRtpHeaderExtensionCapability>,
}

/// `RTCRtpHeaderExtensionCapability`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RTCRtpHeaderExtensionCapability {
    /// The extension's URI.
    pub uri: String,
}

/// `RTCRtpEncodingParameters` (one encoding: simulcast is not offered).
///
/// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtpencodingparameters>
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RTCRtpEncodingParameters {
    /// Restriction id (always `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<String>,
    /// Whether media is sent.
    #[serde(default = "yes")]
    pub active: bool,
    /// Most bits per second to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bitrate: Option<u32>,
    /// Most frames per second to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_framerate: Option<f64>,
    /// Divide the track's width and height by this before encoding (≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_resolution_down_by: Option<f64>,
}

fn yes() -> bool {
    true
}

impl Default for RTCRtpEncodingParameters {
    fn default() -> Self {
        RTCRtpEncodingParameters {
            rid: None,
            active: true,
            max_bitrate: None,
            max_framerate: None,
            scale_resolution_down_by: None,
        }
    }
}

/// `RTCRtcpParameters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RTCRtcpParameters {
    /// The CNAME.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    /// Reduced-size RTCP.
    #[serde(default)]
    pub reduced_size: bool,
}

/// `RTCRtpHeaderExtensionParameters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RTCRtpHeaderExtensionParameters {
    /// The extension's URI.
    pub uri: String,
    /// Its id.
    pub id: u16,
    /// Encrypted (never).
    #[serde(default)]
    pub encrypted: bool,
}

/// `RTCRtpSendParameters`.
///
/// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtpsendparameters>
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RTCRtpSendParameters {
    /// Must be passed back unchanged to `setParameters`.
    pub transaction_id: String,
    /// One encoding.
    pub encodings: Vec<RTCRtpEncodingParameters>,
    /// Negotiated header extensions.
    pub header_extensions: Vec<RTCRtpHeaderExtensionParameters>,
    /// RTCP parameters.
    pub rtcp: RTCRtcpParameters,
    /// Negotiated codecs.
    pub codecs: Vec<RTCRtpCodecParameters>,
}

/// `RTCRtpReceiveParameters`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RTCRtpReceiveParameters {
    /// Negotiated header extensions.
    pub header_extensions: Vec<RTCRtpHeaderExtensionParameters>,
    /// RTCP parameters.
    pub rtcp: RTCRtcpParameters,
    /// Negotiated codecs.
    pub codecs: Vec<RTCRtpCodecParameters>,
}
