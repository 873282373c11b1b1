//! Opus (libopus, through the `opus` crate): encoder and decoder.

use crate::{BitrateMode, EncodedPacket};
use mediacapture_frame::AudioData;
use mediacapture_types::{Error, Result};

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

/// An Opus decoder to interleaved f32 at a fixed rate and channel count (libopus converts
/// whatever rate and channels the stream carries).
///
/// Packets come from the network: an empty, truncated or malformed packet is an
/// `OperationError` and the decoder stays usable.
pub struct OpusDecoder {
    dec: opus::Decoder,
    rate: u32,
    channels: u32,
    buf: Vec<f32>,
    /// Frames per channel of the last packet: what a lost packet is concealed with.
    last_frames: usize,
}

impl OpusDecoder {
    /// A decoder to `rate` Hz (one of [`OPUS_RATES`]) with 1 or 2 channels.
    pub fn new(rate: u32, channels: u32) -> Result<Self> {
        if !OPUS_RATES.contains(&rate) {
            return Err(Error::not_supported(format!(
                "Opus cannot decode to {rate} Hz (supported: {OPUS_RATES:?})"
            )));
        }
        let ch = match channels {
            1 => opus::Channels::Mono,
            2 => opus::Channels::Stereo,
            n => {
                return Err(Error::not_supported(format!(
                    "Opus decoding to {n} channels is not available"
                )));
            }
        };
        let dec = opus::Decoder::new(rate, ch)
            .map_err(|e| Error::unknown(format!("libopus decoder: {e}")))?;
        // 120 ms is the longest Opus packet.
        let max_frames = (rate as usize) * 120 / 1000;
        Ok(OpusDecoder {
            dec,
            rate,
            channels,
            buf: vec![0.0; max_frames * channels as usize],
            last_frames: (rate / 50) as usize,
        })
    }

    /// Output sample rate.
    pub fn rate(&self) -> u32 {
        self.rate
    }
    /// Output channels.
    pub fn channels(&self) -> u32 {
        self.channels
    }

    /// Decodes one packet into an `AudioData` at `timestamp_us`; `None` is a lost packet,
    /// concealed with as much audio as the previous packet had.
    pub fn decode(&mut self, packet: Option<&[u8]>, timestamp_us: i64) -> Result<AudioData> {
        let ch = self.channels as usize;
        let room = match packet {
            // libopus takes an empty packet for a lost one; from the network it is an error.
            Some([]) => return Err(Error::operation("empty Opus packet")),
            Some(_) => self.buf.len(),
            // libopus conceals a loss with as many frames as the buffer holds.
            None => self.last_frames * ch,
        };
        let n = self
            .dec
            .decode_float(packet.unwrap_or(&[]), &mut self.buf[..room], false)
            .map_err(|e| Error::operation(format!("libopus decode: {e}")))?;
        if packet.is_some() {
            self.last_frames = n;
        }
        AudioData::from_f32(self.rate, self.channels, &self.buf[..n * ch], timestamp_us)
            .map_err(|e| Error::operation(e.to_string()))
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

    fn tone(freq: f64, secs: f64) -> Vec<f32> {
        (0..(48_000.0 * secs) as usize)
            .map(|n| (0.5 * (std::f64::consts::TAU * freq * n as f64 / 48e3).sin()) as f32)
            .collect()
    }

    fn encoded_tone() -> Vec<EncodedPacket> {
        let mut enc = OpusEncoder::new(48_000, 1, 64_000, BitrateMode::Variable).unwrap();
        let mut packets = Vec::new();
        enc.push(&tone(1000.0, 1.0), 0, &mut packets).unwrap();
        packets
    }

    #[test]
    fn opus_decodes_what_it_encodes() {
        let packets = encoded_tone();
        let mut dec = OpusDecoder::new(48_000, 2).unwrap();
        let mut mono = Vec::new();
        for p in &packets {
            let a = dec.decode(Some(&p.data), p.pts_us).unwrap();
            assert_eq!((a.channels(), a.sample_rate()), (2, 48_000));
            assert_eq!(a.timestamp(), p.pts_us);
            mono.extend(a.to_f32_interleaved().chunks(2).map(|c| c[0]));
        }
        assert_eq!(mono.len(), packets.len() * 960);
        // The 1 kHz tone comes back: correlate the steady part with 1 kHz and with 700 Hz.
        let power = |f: f64| {
            let (mut re, mut im) = (0.0, 0.0);
            for (n, s) in mono[4800..].iter().enumerate() {
                let ph = std::f64::consts::TAU * f * n as f64 / 48e3;
                re += f64::from(*s) * ph.cos();
                im += f64::from(*s) * ph.sin();
            }
            re * re + im * im
        };
        assert!(power(1000.0) > 100.0 * power(700.0));
        // A lost packet is concealed with a packet's worth of audio.
        assert_eq!(dec.decode(None, 0).unwrap().frames(), 960);
    }

    #[test]
    fn opus_malformed_packets_are_errors_and_the_decoder_stays_usable() {
        let packets = encoded_tone();
        let good = &packets[10].data;
        let mut dec = OpusDecoder::new(48_000, 2).unwrap();
        let toc = good[0] & 0xfc;
        let bad: Vec<Vec<u8>> = vec![
            vec![],
            // Code 3 (signalled frame count) with the count byte missing.
            vec![toc | 3],
            // Code 3 with zero frames.
            vec![toc | 3, 0],
            // Code 3, 48 frames of 20 ms: over the 120 ms limit.
            vec![toc | 3, 48, 1, 2, 3],
            // Code 1 (two frames of equal size) with an odd payload.
            vec![toc | 1, 1, 2, 3],
            // Code 2 (two frames) whose first length runs past the end.
            vec![toc | 2, 200, 1, 2],
        ];
        for b in &bad {
            let e = dec.decode(Some(b), 0).err();
            assert_eq!(e.map(|e| e.name()), Some("OperationError"), "{b:?}");
        }
        // Truncated and garbage packets: never a panic (libopus accepts many byte strings
        // as valid single-frame packets, so these need not all be errors).
        let mut x = 0x1234_5678u32;
        for len in 1..200 {
            let _ = dec.decode(Some(&good[..len.min(good.len())]), 0);
            let garbage: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let _ = dec.decode(Some(&garbage), 0);
        }
        assert_eq!(dec.decode(Some(good), 0).unwrap().frames(), 960);
    }

    #[test]
    fn opus_decoder_rejects_unsupported_output() {
        assert_eq!(
            OpusDecoder::new(44_100, 2).err().map(|e| e.name()),
            Some("NotSupportedError")
        );
        assert_eq!(
            OpusDecoder::new(48_000, 3).err().map(|e| e.name()),
            Some("NotSupportedError")
        );
    }
}
