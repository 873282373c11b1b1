//! Codecs: which ones are negotiated, and how remote video is decoded.
//!
//! Encoding and decoding use the workspace's libvpx and libopus wrappers
//! (`mediacapture-codec`, one copy shared with the recorder). Remote VP8 / VP9 is decoded by
//! [`LibvpxDecoders`] unless [`crate::PeerConnectionBuilder::video_decoders`] plugs in another
//! [`VideoDecoderFactory`] (a hardware decoder, or a test's decoder that fails on purpose).

use crate::Result;
use mediacapture_codec::{VideoCodec, VpxDecoder};
use mediacapture_frame::VideoFrame;
use std::sync::Arc;

/// A codec this crate negotiates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// VP8 video.
    Vp8,
    /// VP9 video (profile 0).
    Vp9,
    /// Opus audio.
    Opus,
}

impl Codec {
    /// `"video/VP8"`, `"video/VP9"`, `"audio/opus"`.
    pub fn mime_type(self) -> &'static str {
        match self {
            Codec::Vp8 => "video/VP8",
            Codec::Vp9 => "video/VP9",
            Codec::Opus => "audio/opus",
        }
    }

    /// The codec of a str0m codec, if it is one of ours.
    pub(crate) fn from_str0m(c: str0m::format::Codec) -> Option<Codec> {
        match c {
            str0m::format::Codec::Vp8 => Some(Codec::Vp8),
            str0m::format::Codec::Vp9 => Some(Codec::Vp9),
            str0m::format::Codec::Opus => Some(Codec::Opus),
            _ => None,
        }
    }

    /// The codec of a MIME type (case-insensitive), if it is one of ours.
    pub fn from_mime_type(mime: &str) -> Option<Codec> {
        [Codec::Vp8, Codec::Vp9, Codec::Opus]
            .into_iter()
            .find(|c| c.mime_type().eq_ignore_ascii_case(mime))
    }

    /// The SDP encoding name (`VP8`, `VP9`, `opus`).
    pub fn encoding_name(self) -> &'static str {
        match self {
            Codec::Vp8 => "VP8",
            Codec::Vp9 => "VP9",
            Codec::Opus => "opus",
        }
    }
}

/// One received video frame, still encoded.
#[derive(Debug, Clone)]
pub struct EncodedVideoFrame {
    /// VP8 or VP9.
    pub codec: Codec,
    /// The frame's bytes (depacketized).
    pub data: Arc<[u8]>,
    /// Whether it is a keyframe.
    pub key: bool,
    /// Its time on the process clock (`mediacapture_hal::clock`), in microseconds.
    pub timestamp_us: i64,
}

/// A video decoder. Called on the receiver's own thread, one frame at a time, in order.
pub trait VideoDecoder: Send {
    /// Decodes `frame` and appends the pictures that are ready (none, or several for a
    /// decoder with delay). Errors leave the decoder usable: the receiver then asks the
    /// sender for a keyframe.
    fn decode(&mut self, frame: &EncodedVideoFrame, out: &mut Vec<VideoFrame>) -> Result<()>;

    /// The name `getStats()` reports as `decoderImplementation`.
    fn implementation(&self) -> &'static str {
        "plug-in"
    }
}

/// Makes video decoders; register one with
/// [`crate::PeerConnectionBuilder::video_decoders`].
pub trait VideoDecoderFactory: Send + Sync {
    /// A decoder for `codec`, or `None` when this factory has none.
    fn create(&self, codec: Codec) -> Option<Box<dyn VideoDecoder>>;
}

/// The default video decoders: libvpx for VP8 and VP9 (`mediacapture-codec`).
#[derive(Debug, Default, Clone, Copy)]
pub struct LibvpxDecoders;

impl VideoDecoderFactory for LibvpxDecoders {
    fn create(&self, codec: Codec) -> Option<Box<dyn VideoDecoder>> {
        let vc = match codec {
            Codec::Vp8 => VideoCodec::Vp8,
            Codec::Vp9 => VideoCodec::Vp9,
            Codec::Opus => return None,
        };
        match VpxDecoder::new(vc) {
            Ok(d) => Some(Box::new(LibvpxDecoder(d))),
            Err(e) => {
                tracing::warn!("cannot make a libvpx {} decoder: {e}", codec.mime_type());
                None
            }
        }
    }
}

/// A libvpx decoder behind the [`VideoDecoder`] trait.
struct LibvpxDecoder(VpxDecoder);

impl VideoDecoder for LibvpxDecoder {
    fn decode(&mut self, frame: &EncodedVideoFrame, out: &mut Vec<VideoFrame>) -> Result<()> {
        self.0.decode(&frame.data, frame.timestamp_us, out)
    }
    fn implementation(&self) -> &'static str {
        "libvpx"
    }
}

/// Channels of decoded remote audio (an Opus stream decodes to either; stereo keeps both).
pub(crate) const REMOTE_AUDIO_CHANNELS: u32 = 2;
/// Sample rate of decoded remote audio.
pub(crate) const REMOTE_AUDIO_RATE: u32 = 48_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types_round_trip() {
        for c in [Codec::Vp8, Codec::Vp9, Codec::Opus] {
            assert_eq!(Codec::from_mime_type(c.mime_type()), Some(c));
        }
        assert_eq!(Codec::from_mime_type("VIDEO/vp8"), Some(Codec::Vp8));
        assert_eq!(Codec::from_mime_type("video/H264"), None);
    }

    #[test]
    fn libvpx_decodes_vp8_and_vp9_and_not_opus() {
        use mediacapture_codec::{VpxEncoder, VpxSettings};
        for (codec, vc) in [(Codec::Vp8, VideoCodec::Vp8), (Codec::Vp9, VideoCodec::Vp9)] {
            let mut enc = VpxEncoder::new(VpxSettings::new(vc, 300_000), 32, 16).unwrap();
            let plane = vec![100u8; 32 * 16];
            let mut packets = Vec::new();
            enc.encode([&plane, &plane, &plane], [32, 16, 16], 0, 1, &mut packets)
                .unwrap();
            let mut dec = LibvpxDecoders.create(codec).unwrap();
            assert_eq!(dec.implementation(), "libvpx");
            let frame = EncodedVideoFrame {
                codec,
                data: packets[0].data.clone().into(),
                key: true,
                timestamp_us: 42,
            };
            let mut out = Vec::new();
            dec.decode(&frame, &mut out).unwrap();
            assert_eq!((out[0].display_width(), out[0].timestamp()), (32, 42));
        }
        assert!(LibvpxDecoders.create(Codec::Opus).is_none());
    }
}
