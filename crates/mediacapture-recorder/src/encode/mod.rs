//! Encoders: VP8/VP9 (libvpx), Opus (libopus) and 16-bit PCM.

pub mod vpx;

use crate::options::BitrateMode;
use mediacapture_types::{Error, Result};

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

/// Sample rates libopus encodes natively (no resampling needed).
pub const OPUS_RATES: &[u32] = &[8000, 12000, 16000, 24000, 48000];

/// An Opus encoder fed with interleaved f32 samples carrying media timestamps; emits 20 ms
/// packets timestamped on the recording's timeline.
///
/// Settings follow Chromium's `AudioTrackOpusEncoder`: `OPUS_APPLICATION_AUDIO`, 20 ms
/// frames, the recorder's `audioBitsPerSecond`, VBR unless `audioBitrateMode` is "constant".
pub struct OpusEncoder {
    enc: opus::Encoder,
    rate: u32,
    channels: u32,
    frame: usize,
    buf: Vec<f32>,
    /// Media time of sample 0 of the current run, and samples (per channel) emitted since.
    base_us: Option<i64>,
    emitted: u64,
    pre_skip: u16,
    last_end_us: i64,
}

impl OpusEncoder {
    /// An encoder for `rate` Hz (one of [`OPUS_RATES`]) with 1 or 2 channels.
    pub fn new(rate: u32, channels: u32, bitrate: u32, mode: BitrateMode) -> Result<Self> {
        if !OPUS_RATES.contains(&rate) {
            return Err(Error::not_supported(format!(
                "Opus cannot encode {rate} Hz without resampling (supported: {OPUS_RATES:?})"
            )));
        }
        let ch = match channels {
            1 => opus::Channels::Mono,
            2 => opus::Channels::Stereo,
            n => {
                return Err(Error::not_supported(format!(
                    "Opus encoding of {n} channels needs a downmix, which is not available"
                )));
            }
        };
        let err = |e: opus::Error| Error::unknown(format!("libopus: {e}"));
        let mut enc = opus::Encoder::new(rate, ch, opus::Application::Audio).map_err(err)?;
        // libopus accepts 500..=512000 bit/s.
        enc.set_bitrate(opus::Bitrate::Bits(bitrate.clamp(500, 512_000) as i32))
            .map_err(err)?;
        enc.set_vbr(mode == BitrateMode::Variable).map_err(err)?;
        let lookahead = enc.get_lookahead().map_err(err)?.max(0) as u64;
        let pre_skip = (lookahead * 48_000 / u64::from(rate)) as u16;
        Ok(OpusEncoder {
            enc,
            rate,
            channels,
            frame: (rate / 50) as usize,
            buf: Vec::new(),
            base_us: None,
            emitted: 0,
            pre_skip,
            last_end_us: 0,
        })
    }

    /// Input sample rate.
    pub fn rate(&self) -> u32 {
        self.rate
    }
    /// Channels.
    pub fn channels(&self) -> u32 {
        self.channels
    }

    /// The `OpusHead` identification header (RFC 7845 §5.1) for the WebM `CodecPrivate`.
    pub fn opus_head(&self) -> Vec<u8> {
        let mut h = Vec::with_capacity(19);
        h.extend_from_slice(b"OpusHead");
        h.push(1);
        h.push(self.channels as u8);
        h.extend_from_slice(&self.pre_skip.to_le_bytes());
        h.extend_from_slice(&self.rate.to_le_bytes());
        h.extend_from_slice(&0i16.to_le_bytes());
        h.push(0);
        h
    }

    fn next_us(&self) -> Option<i64> {
        let buffered = (self.buf.len() / self.channels as usize) as u64;
        self.base_us
            .map(|b| b + ((self.emitted + buffered) * 1_000_000 / u64::from(self.rate)) as i64)
    }

    /// Adds interleaved samples whose first sample is at media time `ts_us`.
    ///
    /// Timestamps within 40 ms of where the previous samples ended are taken as continuous
    /// (capture jitter); a larger gap starts a new run at `ts_us` after padding the partial
    /// packet with silence, so audio stays aligned with the capture clock.
    pub fn push(
        &mut self,
        samples: &[f32],
        ts_us: i64,
        out: &mut Vec<EncodedPacket>,
    ) -> Result<()> {
        match self.next_us() {
            None => {
                self.base_us = Some(ts_us);
                self.emitted = 0;
            }
            Some(next) if (ts_us - next).abs() > 40_000 && ts_us > next => {
                self.pad_and_encode(out)?;
                self.base_us = Some(ts_us.max(self.last_end_us));
                self.emitted = 0;
            }
            Some(_) => {}
        }
        self.buf.extend_from_slice(samples);
        self.encode_full(out)
    }

    fn encode_full(&mut self, out: &mut Vec<EncodedPacket>) -> Result<()> {
        let n = self.frame * self.channels as usize;
        let mut start = 0;
        while self.buf.len() - start >= n {
            let chunk = &self.buf[start..start + n];
            let data = self
                .enc
                .encode_vec_float(chunk, 4000)
                .map_err(|e| Error::unknown(format!("libopus encode: {e}")))?;
            let base = self.base_us.unwrap_or(0);
            let pts = base + (self.emitted * 1_000_000 / u64::from(self.rate)) as i64;
            self.emitted += self.frame as u64;
            let end = base + (self.emitted * 1_000_000 / u64::from(self.rate)) as i64;
            self.last_end_us = end;
            out.push(EncodedPacket {
                data,
                pts_us: pts,
                duration_us: end - pts,
                key: true,
            });
            start += n;
        }
        self.buf.drain(..start);
        Ok(())
    }

    fn pad_and_encode(&mut self, out: &mut Vec<EncodedPacket>) -> Result<()> {
        let n = self.frame * self.channels as usize;
        if !self.buf.is_empty() {
            self.buf.resize(n, 0.0);
            self.encode_full(out)?;
        }
        Ok(())
    }

    /// Encodes what is buffered (padded with silence). End of stream.
    pub fn flush(&mut self, out: &mut Vec<EncodedPacket>) -> Result<()> {
        self.pad_and_encode(out)
    }
}

/// Converts f32 samples to little-endian signed 16-bit PCM, clamping to [-1, 1].
pub fn f32_to_s16le(samples: &[f32], out: &mut Vec<u8>) {
    out.reserve(samples.len() * 2);
    for s in samples {
        let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opus_packets_are_20ms_and_contiguous() {
        let mut enc = OpusEncoder::new(48_000, 2, 64_000, BitrateMode::Variable).unwrap();
        let mut out = Vec::new();
        // 100 ms of stereo silence in 10 ms blocks.
        for i in 0..10 {
            enc.push(&[0.0; 960], i * 10_000, &mut out).unwrap();
        }
        assert_eq!(out.len(), 5);
        for (i, p) in out.iter().enumerate() {
            assert_eq!(p.pts_us, i as i64 * 20_000);
            assert_eq!(p.duration_us, 20_000);
        }
        let head = enc.opus_head();
        assert_eq!(&head[..8], b"OpusHead");
        assert_eq!(head.len(), 19);
    }

    #[test]
    fn opus_gap_starts_new_run() {
        let mut enc = OpusEncoder::new(48_000, 1, 64_000, BitrateMode::Constant).unwrap();
        let mut out = Vec::new();
        enc.push(&[0.1; 480], 0, &mut out).unwrap(); // 10 ms, buffered
        enc.push(&[0.1; 960], 500_000, &mut out).unwrap(); // gap of 490 ms
        // The partial packet was padded and emitted at 0; the new run starts at 500 ms.
        assert_eq!(out[0].pts_us, 0);
        assert_eq!(out[1].pts_us, 500_000);
    }

    #[test]
    fn opus_rejects_unsupported_input() {
        let e = OpusEncoder::new(44_100, 2, 64_000, BitrateMode::Variable)
            .err()
            .unwrap();
        assert_eq!(e.name(), "NotSupportedError");
        let e = OpusEncoder::new(48_000, 6, 64_000, BitrateMode::Variable)
            .err()
            .unwrap();
        assert_eq!(e.name(), "NotSupportedError");
    }

    #[test]
    fn opus_constant_bitrate_mode_gives_equal_packets() {
        let sine: Vec<f32> = (0..48_000 * 2)
            .map(|n| {
                (0.3 * (2.0 * std::f64::consts::PI * 440.0 * (n / 2) as f64 / 48e3).sin()) as f32
            })
            .collect();
        let mut enc = OpusEncoder::new(48_000, 2, 64_000, BitrateMode::Constant).unwrap();
        let mut out = Vec::new();
        enc.push(&sine, 0, &mut out).unwrap();
        assert_eq!(out.len(), 50);
        // 64 kbit/s in 20 ms packets: 160 bytes each.
        assert!(
            out.iter().all(|p| p.data.len() == 160),
            "{:?}",
            out.iter().map(|p| p.data.len()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn vp8_threads_follow_webrtc() {
        use super::vpx::default_threads;
        assert_eq!(default_threads(1280, 720, 2), 1);
        assert_eq!(default_threads(1280, 720, 4), 2);
        assert_eq!(default_threads(640, 480, 16), 1);
        assert_eq!(default_threads(1920, 1080, 6), 3);
        assert_eq!(default_threads(1920, 1080, 16), 8);
    }

    #[test]
    fn s16_conversion_clamps() {
        let mut out = Vec::new();
        f32_to_s16le(&[0.0, 1.0, -1.0, 2.0], &mut out);
        assert_eq!(out, [0, 0, 0xff, 0x7f, 0x01, 0x80, 0xff, 0x7f]);
    }
}
