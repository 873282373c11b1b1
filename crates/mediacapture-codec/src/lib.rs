//! The codecs of mediacapture, one copy for the workspace: VP8 / VP9 encoding and decoding
//! with libvpx, Opus encoding and decoding with libopus (both system libraries).
//!
//! The recorder (`mediacapture-recorder`) encodes with them, the peer connection
//! (`mediacapture-webrtc`) encodes what it sends and decodes what it receives with them.
//! Encoder settings follow Chromium's (see [`vpx`] and [`OpusEncoder`]).
//!
//! Decoders take untrusted bytes from the network: a truncated, corrupt or unsupported packet
//! is an error (`OperationError`, or `NotSupportedError` for a format they cannot output),
//! never a panic, and the decoder stays usable (a video decoder then needs a keyframe).
//!
//! ```
//! use mediacapture_codec::{VideoCodec, VpxDecoder};
//! use mediacapture_codec::vpx::{VpxEncoder, VpxSettings};
//!
//! let mut enc = VpxEncoder::new(VpxSettings::new(VideoCodec::Vp8, 500_000), 64, 48)?;
//! let grey = vec![128u8; 64 * 48 * 3 / 2];
//! let (y, uv) = grey.split_at(64 * 48);
//! let (u, v) = uv.split_at(32 * 24);
//! let mut packets = Vec::new();
//! enc.encode([y, u, v], [64, 32, 32], 0, 33_333, &mut packets)?;
//! let mut dec = VpxDecoder::new(VideoCodec::Vp8)?;
//! let mut pictures = Vec::new();
//! dec.decode(&packets[0].data, 0, &mut pictures)?;
//! assert_eq!(pictures[0].display_width(), 64);
//! # Ok::<(), mediacapture_types::Error>(())
//! ```

mod opus;
pub mod vpx;
mod vpx_decoder;

pub use crate::opus::{OPUS_RATES, OpusDecoder, OpusEncoder};
pub use crate::vpx::{KeyFrameInterval, VpxEncoder, VpxSettings};
pub use crate::vpx_decoder::VpxDecoder;
pub use mediacapture_types::{Error, ErrorKind, Result};

/// One encoded frame or audio packet, with media-time timestamps in microseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPacket {
    /// The compressed bytes.
    pub data: Vec<u8>,
    /// Presentation time in microseconds of media time (0 = start of the recording).
    pub pts_us: i64,
    /// Duration in microseconds.
    pub duration_us: i64,
    /// `true` for a keyframe (every audio packet is one).
    pub key: bool,
}

/// A video codec of libvpx.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    /// VP8 (libvpx). The default, as in Chromium.
    Vp8,
    /// VP9 profile 0 (libvpx).
    Vp9,
}

impl VideoCodec {
    /// The codec string used in the `codecs` parameter (`"vp8"`, `"vp9"`).
    pub fn as_str(self) -> &'static str {
        match self {
            VideoCodec::Vp8 => "vp8",
            VideoCodec::Vp9 => "vp9",
        }
    }
}

/// `BitrateMode`. Spec: <https://w3c.github.io/mediacapture-record/#bitratemode>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BitrateMode {
    /// Constant bitrate.
    Constant,
    /// Variable bitrate (the default).
    #[default]
    Variable,
}

impl BitrateMode {
    /// The IDL string.
    pub fn as_str(self) -> &'static str {
        match self {
            BitrateMode::Constant => "constant",
            BitrateMode::Variable => "variable",
        }
    }
    /// Parses the IDL string.
    pub fn from_idl(s: &str) -> Option<Self> {
        match s {
            "constant" => Some(BitrateMode::Constant),
            "variable" => Some(BitrateMode::Variable),
            _ => None,
        }
    }
}
