//! Codecs: which ones are negotiated, and where decoders plug in.
//!
//! Encoding uses the recorder's libvpx and libopus wrappers (one copy in the workspace).
//! Decoding Opus uses libopus directly. Video decoders are registered explicitly with
//! [`crate::PeerConnectionBuilder::video_decoders`]: without one, a remote video track stays
//! muted (its frames are still received and counted in `getStats()`).

use crate::{Error, Result};
use mediacapture_frame::{AudioData, VideoFrame};
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
}

/// Makes video decoders; register one with
/// [`crate::PeerConnectionBuilder::video_decoders`].
pub trait VideoDecoderFactory: Send + Sync {
    /// A decoder for `codec`, or `None` when this factory has none.
    fn create(&self, codec: Codec) -> Option<Box<dyn VideoDecoder>>;
}

/// Opus decoding to interleaved stereo f32 at 48 kHz.
pub(crate) struct OpusDecoder {
    dec: opus::Decoder,
    buf: Vec<f32>,
    /// Frames per channel of the last packet: what a lost packet is concealed with.
    last_frames: usize,
}

/// Channels of decoded remote audio (an Opus stream decodes to either; stereo keeps both).
pub(crate) const REMOTE_AUDIO_CHANNELS: u32 = 2;
/// Sample rate of decoded remote audio.
pub(crate) const REMOTE_AUDIO_RATE: u32 = 48_000;

impl OpusDecoder {
    pub(crate) fn new() -> Result<Self> {
        let dec = opus::Decoder::new(REMOTE_AUDIO_RATE, opus::Channels::Stereo)
            .map_err(|e| Error::unknown(format!("libopus decoder: {e}")))?;
        Ok(OpusDecoder {
            dec,
            // 120 ms is the longest Opus packet.
            buf: vec![0.0; 5760 * 2],
            last_frames: 960,
        })
    }

    /// Decodes one packet (`None`: a lost packet, concealed) into an `AudioData` at
    /// `timestamp_us`.
    pub(crate) fn decode(&mut self, packet: Option<&[u8]>, timestamp_us: i64) -> Result<AudioData> {
        let ch = REMOTE_AUDIO_CHANNELS as usize;
        // libopus conceals a loss with as many frames as the buffer holds.
        let room = match packet {
            Some(_) => self.buf.len(),
            None => self.last_frames * ch,
        };
        let n = self
            .dec
            .decode_float(packet.unwrap_or(&[]), &mut self.buf[..room], false)
            .map_err(|e| Error::unknown(format!("libopus decode: {e}")))?;
        if packet.is_some() {
            self.last_frames = n;
        }
        AudioData::from_f32(
            REMOTE_AUDIO_RATE,
            REMOTE_AUDIO_CHANNELS,
            &self.buf[..n * ch],
            timestamp_us,
        )
        .map_err(|e| Error::unknown(e.to_string()))
    }
}

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
    fn opus_decodes_what_the_recorder_encodes() {
        use mediacapture_recorder::encode::OpusEncoder;
        let mut enc = OpusEncoder::new(
            48_000,
            1,
            64_000,
            mediacapture_recorder::BitrateMode::Variable,
        )
        .unwrap();
        let tone: Vec<f32> = (0..48_000)
            .map(|n| (0.5 * (std::f64::consts::TAU * 1000.0 * n as f64 / 48e3).sin()) as f32)
            .collect();
        let mut packets = Vec::new();
        enc.push(&tone, 0, &mut packets).unwrap();
        let mut dec = OpusDecoder::new().unwrap();
        let mut total = 0;
        for p in &packets {
            let a = dec.decode(Some(&p.data), p.pts_us).unwrap();
            assert_eq!(a.channels(), 2);
            total += a.frames();
        }
        assert_eq!(total, packets.len() * 960);
        // A lost packet is concealed with a packet's worth of audio.
        assert_eq!(dec.decode(None, 0).unwrap().frames(), 960);
    }
}
