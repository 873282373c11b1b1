//! Fake audio: a 440 Hz tone with a 100 ms 880 Hz beep at each whole second (microphones), a
//! steady 660 Hz tone (system audio), or a looped wav.

use mediacapture_types::{Error, Result};
use std::f64::consts::TAU;
use std::path::Path;

/// The fake microphone's steady tone, in Hz.
pub const TONE_HZ: f64 = 440.0;
/// The fake microphone's beep at each whole second (100 ms long), in Hz.
pub const BEEP_HZ: f64 = 880.0;
/// The fake system-audio source's steady tone (no beep), in Hz.
pub const SYSTEM_AUDIO_HZ: f64 = 660.0;
const TONE_AMP: f64 = 0.25;
const BEEP_AMP: f64 = 0.5;

/// Produces interleaved f32 blocks of the tone.
#[derive(Debug, Clone)]
pub(crate) struct Tone {
    rate: u32,
    channels: usize,
    n: u64,
    phase: f64,
    /// The steady tone's frequency.
    tone_hz: f64,
    /// Whether the 880 Hz beep sounds at each whole second.
    beep: bool,
}

impl Tone {
    /// The microphone tone: 440 Hz with the beep.
    pub(crate) fn new(rate: u32, channels: u32) -> Self {
        Tone {
            rate,
            channels: channels as usize,
            n: 0,
            phase: 0.0,
            tone_hz: TONE_HZ,
            beep: true,
        }
    }

    /// The system-audio tone: a steady 660 Hz, no beep.
    pub(crate) fn system_audio(rate: u32, channels: u32) -> Self {
        Tone {
            tone_hz: SYSTEM_AUDIO_HZ,
            beep: false,
            ..Self::new(rate, channels)
        }
    }

    pub(crate) fn next_block(&mut self, frames: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(frames * self.channels);
        let beep_len = u64::from(self.rate) / 10;
        for _ in 0..frames {
            let in_second = self.n % u64::from(self.rate);
            let (f, a) = if self.beep && in_second < beep_len {
                (BEEP_HZ, BEEP_AMP)
            } else {
                (self.tone_hz, TONE_AMP)
            };
            let s = (a * self.phase.sin()) as f32;
            self.phase = (self.phase + TAU * f / f64::from(self.rate)) % TAU;
            self.n += 1;
            out.extend(std::iter::repeat_n(s, self.channels));
        }
        out
    }
}

/// A decoded wav file played in a loop, converted to the opened rate and channel count.
#[derive(Debug, Clone)]
pub(crate) struct WavLoop {
    samples: Vec<f32>,
    channels: usize,
    frames: usize,
    /// Source frames advanced per output frame.
    step: f64,
    pos: f64,
    out_channels: usize,
}

impl WavLoop {
    /// Reads and decodes the whole file (PCM 8/16/24/32-bit or float).
    pub(crate) fn open(path: &Path, out_rate: u32, out_channels: u32) -> Result<Self> {
        let err = |e: &dyn std::fmt::Display| {
            Error::not_readable(format!("fake wav {}: {e}", path.display()))
        };
        let meta = std::fs::metadata(path).map_err(|e| err(&e))?;
        if !meta.is_file() {
            // A device (`/dev/zero`) or a FIFO (opening it blocks) is refused.
            return Err(err(&"not a regular file"));
        }
        let mut r = hound::WavReader::open(path).map_err(|e| err(&e))?;
        let spec = r.spec();
        if spec.channels == 0 || spec.sample_rate == 0 {
            return Err(err(&"zero channels or sample rate"));
        }
        if u64::from(r.len()) > 64 * 1024 * 1024 {
            return Err(err(&"file too long (more than 64 Mi samples)"));
        }
        let samples: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => r
                .samples::<f32>()
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| err(&e))?,
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
                r.samples::<i32>()
                    .map(|s| s.map(|v| v as f32 * scale))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| err(&e))?
            }
        };
        let channels = usize::from(spec.channels);
        let frames = samples.len() / channels;
        if frames == 0 {
            return Err(err(&"no audio samples"));
        }
        Ok(WavLoop {
            samples,
            channels,
            frames,
            step: f64::from(spec.sample_rate) / f64::from(out_rate),
            pos: 0.0,
            out_channels: out_channels as usize,
        })
    }

    fn sample(&self, frame: usize, ch: usize) -> f32 {
        let frame = frame % self.frames;
        if self.out_channels == 1 && self.channels > 1 {
            // Down-mix to mono: the average of all channels.
            let s = &self.samples[frame * self.channels..(frame + 1) * self.channels];
            s.iter().sum::<f32>() / self.channels as f32
        } else {
            // Mono is copied to every channel; extra output channels repeat the last one.
            self.samples[frame * self.channels + ch.min(self.channels - 1)]
        }
    }

    /// The next `frames` frames, linearly interpolated to the output rate, looping.
    pub(crate) fn next_block(&mut self, frames: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(frames * self.out_channels);
        for _ in 0..frames {
            let i = self.pos.floor() as usize;
            let frac = (self.pos - self.pos.floor()) as f32;
            for ch in 0..self.out_channels {
                let a = self.sample(i, ch);
                let b = self.sample(i + 1, ch);
                out.push(a + (b - a) * frac);
            }
            self.pos = (self.pos + self.step) % self.frames as f64;
        }
        out
    }
}
