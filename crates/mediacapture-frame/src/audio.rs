//! `AudioData`: PCM samples with a format, a rate, a channel count and a timestamp.

use crate::{FrameError, Result};
use std::sync::Arc;

/// A sample format (WebCodecs names: `f32`, `s16`, `f32-planar`, `s16-planar`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SampleFormat {
    /// 32-bit float, channels interleaved.
    F32,
    /// Signed 16-bit, channels interleaved.
    I16,
    /// 32-bit float, one plane per channel.
    F32Planar,
    /// Signed 16-bit, one plane per channel.
    I16Planar,
}

impl SampleFormat {
    /// Bytes per sample.
    pub fn bytes_per_sample(self) -> usize {
        match self {
            SampleFormat::F32 | SampleFormat::F32Planar => 4,
            SampleFormat::I16 | SampleFormat::I16Planar => 2,
        }
    }
    /// `true` for planar formats.
    pub fn is_planar(self) -> bool {
        matches!(self, SampleFormat::F32Planar | SampleFormat::I16Planar)
    }
}

/// A block of audio. Cloning is cheap: the samples are shared by `Arc`.
#[derive(Debug, Clone)]
pub struct AudioData {
    format: SampleFormat,
    sample_rate: u32,
    channels: u32,
    frames: usize,
    timestamp: i64,
    data: Arc<[u8]>,
}

impl AudioData {
    /// Audio from raw bytes (native endian). `timestamp` is the capture time of the first
    /// frame, in microseconds on the source's monotonic clock.
    pub fn new(
        format: SampleFormat,
        sample_rate: u32,
        channels: u32,
        data: impl Into<Arc<[u8]>>,
        timestamp: i64,
    ) -> Result<Self> {
        let data = data.into();
        if sample_rate == 0 || channels == 0 {
            return Err(FrameError::Layout(format!(
                "sample rate {sample_rate} and channel count {channels} must be positive"
            )));
        }
        let frame_bytes = format.bytes_per_sample() * channels as usize;
        if data.len() % frame_bytes != 0 {
            return Err(FrameError::Layout(format!(
                "{} bytes is not a whole number of {channels}-channel {format:?} frames",
                data.len()
            )));
        }
        Ok(AudioData {
            format,
            sample_rate,
            channels,
            frames: data.len() / frame_bytes,
            timestamp,
            data,
        })
    }

    /// Interleaved f32 samples.
    pub fn from_f32(
        sample_rate: u32,
        channels: u32,
        samples: &[f32],
        timestamp: i64,
    ) -> Result<Self> {
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_ne_bytes()).collect();
        Self::new(SampleFormat::F32, sample_rate, channels, bytes, timestamp)
    }

    /// Interleaved i16 samples.
    pub fn from_i16(
        sample_rate: u32,
        channels: u32,
        samples: &[i16],
        timestamp: i64,
    ) -> Result<Self> {
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_ne_bytes()).collect();
        Self::new(SampleFormat::I16, sample_rate, channels, bytes, timestamp)
    }

    /// Planar f32 samples: one slice per channel, all of the same length.
    pub fn from_f32_planar(sample_rate: u32, channels: &[&[f32]], timestamp: i64) -> Result<Self> {
        let frames = channels.first().map_or(0, |c| c.len());
        if channels.iter().any(|c| c.len() != frames) {
            return Err(FrameError::Layout(
                "planar channels differ in length".into(),
            ));
        }
        let bytes: Vec<u8> = channels
            .iter()
            .flat_map(|c| c.iter())
            .flat_map(|s| s.to_ne_bytes())
            .collect();
        Self::new(
            SampleFormat::F32Planar,
            sample_rate,
            channels.len() as u32,
            bytes,
            timestamp,
        )
    }

    /// `frames` frames of f32 interleaved zeros (`sample_rate` and `channels` positive).
    pub(crate) fn zeroed_f32(
        sample_rate: u32,
        channels: u32,
        frames: usize,
        timestamp: i64,
    ) -> Self {
        let len = frames * channels as usize * SampleFormat::F32.bytes_per_sample();
        AudioData {
            format: SampleFormat::F32,
            sample_rate,
            channels,
            frames,
            timestamp,
            data: vec![0u8; len].into(),
        }
    }

    /// The sample format.
    pub fn format(&self) -> SampleFormat {
        self.format
    }
    /// Samples per second per channel.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
    /// Number of channels.
    pub fn channels(&self) -> u32 {
        self.channels
    }
    /// Number of frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.frames
    }
    /// Capture time of the first frame in microseconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }
    /// Duration in microseconds.
    pub fn duration(&self) -> i64 {
        (self.frames as i64 * 1_000_000) / self.sample_rate as i64
    }
    /// The raw bytes (native endian).
    pub fn data(&self) -> &Arc<[u8]> {
        &self.data
    }

    /// The samples as interleaved f32, converting if needed.
    pub fn to_f32_interleaved(&self) -> Vec<f32> {
        let ch = self.channels as usize;
        let n = self.frames * ch;
        let read = |i: usize| -> f32 {
            let bps = self.format.bytes_per_sample();
            let b = &self.data[i * bps..(i + 1) * bps];
            match self.format {
                SampleFormat::F32 | SampleFormat::F32Planar => {
                    f32::from_ne_bytes([b[0], b[1], b[2], b[3]])
                }
                SampleFormat::I16 | SampleFormat::I16Planar => {
                    f32::from(i16::from_ne_bytes([b[0], b[1]])) / 32768.0
                }
            }
        };
        let mut out = Vec::with_capacity(n);
        for f in 0..self.frames {
            for c in 0..ch {
                let idx = if self.format.is_planar() {
                    c * self.frames + f
                } else {
                    f * ch + c
                };
                out.push(read(idx));
            }
        }
        out
    }
}
