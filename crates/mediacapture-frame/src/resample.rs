//! Audio adaptation for a track's `sampleRate` / `channelCount` settings: [`AudioAdapter`]
//! (channel mixing, then or before resampling) and [`silence`] for disabled tracks.
//!
//! Resampler: rubato. It is the maintained pure-Rust sample-rate converter, real-time safe
//! (no allocation while processing), and its synchronous FFT resampler is both fast and of
//! the same quality as its long windowed-sinc one (rubato's README; our test measures a
//! 1 kHz tone through 44.1 kHz -> 48 kHz at 1 kHz within a DFT bin and its harmonics far
//! down). For rate pairs whose reduced ratio needs a huge FFT (coprime rates such as
//! 44 101 Hz) we use rubato's asynchronous sinc resampler instead, which has no such cost.

use crate::audio::AudioData;
use crate::{FrameError, Result};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, Fft, FixedAsync, FixedSync, Indexing, Resampler, SincInterpolationParameters,
    SincInterpolationType, WindowFunction,
};
use std::sync::Mutex;

/// Lowest sample rate accepted, as Chromium's `media::limits::kMinSampleRate`.
pub const MIN_SAMPLE_RATE: u32 = 3000;
/// Highest sample rate accepted, as Chromium's `media::limits::kMaxSampleRate`.
pub const MAX_SAMPLE_RATE: u32 = 768_000;
/// Most channels accepted, as Chromium's `media::limits::kMaxChannels`.
pub const MAX_CHANNELS: u32 = 32;

/// A timestamp that differs from where the stream should be by more than this (µs) is a
/// discontinuity (a gap or a clock jump): output timestamps jump with it.
const DISCONTINUITY_US: f64 = 100_000.0;

/// Silence: `frames` frames of f32 interleaved zeros. A `sample_rate` or `channels` of zero
/// is raised to 1, so this never fails.
///
/// ```
/// let s = mediacapture_frame::silence(48_000, 2, 480, 1_000);
/// assert_eq!((s.frames(), s.channels(), s.duration()), (480, 2, 10_000));
/// assert!(s.to_f32_interleaved().iter().all(|&x| x == 0.0));
/// ```
pub fn silence(sample_rate: u32, channels: u32, frames: usize, timestamp: i64) -> AudioData {
    let (rate, ch) = (sample_rate.max(1), channels.max(1));
    AudioData::zeroed_f32(rate, ch, frames, timestamp)
}

/// Mixes `channels_in` to `channels_out` by the Web Audio API's "speakers" rules for mono,
/// stereo, quad and 5.1 (W3C Web Audio API, "Channel Up-Mixing and Down-Mixing"), and by its
/// "discrete" rule (copy what fits, fill with silence) for other counts. The spec for
/// MediaStreamTrack leaves the mix open; these rules agree with Chromium's
/// `ChannelMixingMatrix` for the common cases (mono -> stereo copies, stereo -> mono is
/// `(L + R) / 2`).
#[derive(Debug, Clone)]
struct ChannelMix {
    inputs: usize,
    outputs: usize,
    /// `matrix[o * inputs + i]`: weight of input channel `i` in output channel `o`.
    matrix: Vec<f32>,
}

impl ChannelMix {
    fn new(inputs: usize, outputs: usize) -> Self {
        const S: f32 = std::f32::consts::FRAC_1_SQRT_2;
        let mut m = vec![0.0f32; inputs * outputs];
        let mut set = |o: usize, i: usize, w: f32| m[o * inputs + i] = w;
        // Layouts: 1 = M; 2 = L R; 4 = L R SL SR; 6 = L R C LFE SL SR.
        match (inputs, outputs) {
            (a, b) if a == b => (0..a).for_each(|c| set(c, c, 1.0)),
            (1, 2) | (1, 4) => {
                set(0, 0, 1.0);
                set(1, 0, 1.0);
            }
            (1, 6) => set(2, 0, 1.0),
            (2, 1) => {
                set(0, 0, 0.5);
                set(0, 1, 0.5);
            }
            (2, 4) | (2, 6) => {
                set(0, 0, 1.0);
                set(1, 1, 1.0);
            }
            (4, 1) => (0..4).for_each(|i| set(0, i, 0.25)),
            (4, 2) => {
                set(0, 0, 0.5);
                set(0, 2, 0.5);
                set(1, 1, 0.5);
                set(1, 3, 0.5);
            }
            (4, 6) => {
                set(0, 0, 1.0);
                set(1, 1, 1.0);
                set(4, 2, 1.0);
                set(5, 3, 1.0);
            }
            (6, 1) => {
                set(0, 0, S);
                set(0, 1, S);
                set(0, 2, 1.0);
                set(0, 4, 0.5);
                set(0, 5, 0.5);
            }
            (6, 2) => {
                set(0, 0, 1.0);
                set(0, 2, S);
                set(0, 4, S);
                set(1, 1, 1.0);
                set(1, 2, S);
                set(1, 5, S);
            }
            (6, 4) => {
                set(0, 0, 1.0);
                set(0, 2, S);
                set(1, 1, 1.0);
                set(1, 2, S);
                set(2, 4, 1.0);
                set(3, 5, 1.0);
            }
            (a, b) => (0..a.min(b)).for_each(|c| set(c, c, 1.0)),
        }
        ChannelMix {
            inputs,
            outputs,
            matrix: m,
        }
    }

    fn is_identity(&self) -> bool {
        self.inputs == self.outputs
    }

    fn apply(&self, samples: &[f32]) -> Vec<f32> {
        if self.is_identity() {
            return samples.to_vec();
        }
        let frames = samples.len() / self.inputs;
        let mut out = vec![0.0f32; frames * self.outputs];
        for (src, dst) in samples
            .chunks_exact(self.inputs)
            .zip(out.chunks_exact_mut(self.outputs))
        {
            for (o, d) in dst.iter_mut().enumerate() {
                let row = &self.matrix[o * self.inputs..(o + 1) * self.inputs];
                *d = row.iter().zip(src).map(|(w, s)| w * s).sum();
            }
        }
        out
    }
}

/// Converts a source's audio to a track's sample rate and channel count.
///
/// Output is f32 interleaved. Timestamps are continuous: the first output block starts at the
/// first input's timestamp and each block follows the previous one exactly (frames / rate),
/// with the resampler's filter delay removed, so audio stays in sync with video. When an
/// input's timestamp is more than 100 ms away from where the stream should be (a capture
/// gap), output timestamps jump by the same amount.
///
/// ```
/// use mediacapture_frame::{AudioAdapter, AudioData};
/// let mut adapter = AudioAdapter::new(44_100, 1, 48_000, 2)?;
/// let mut out_frames = 0;
/// for i in 0..10 {
///     let input = AudioData::from_f32(44_100, 1, &[0.25; 441], i * 10_000)?;
///     for block in adapter.process(&input)? {
///         assert_eq!((block.sample_rate(), block.channels()), (48_000, 2));
///         out_frames += block.frames();
///     }
/// }
/// out_frames += adapter.flush()?.iter().map(|b| b.frames()).sum::<usize>();
/// assert_eq!(out_frames, 4_800); // 100 ms at 48 kHz
/// # Ok::<(), mediacapture_frame::FrameError>(())
/// ```
pub struct AudioAdapter {
    in_rate: u32,
    in_channels: u32,
    out_rate: u32,
    out_channels: u32,
    /// Mixing before the resampler (when it reduces channels) or after it.
    mix: ChannelMix,
    mix_first: bool,
    /// Channels that go through the resampler.
    rs_channels: usize,
    /// In a `Mutex` only to make the adapter `Sync` (rubato's async resampler is not); it is
    /// only ever reached through `&mut self` with `Mutex::get_mut`, which takes no lock.
    resampler: Option<Mutex<Box<dyn Resampler<f32>>>>,
    /// Interleaved input (after a pre-mix) waiting for a full resampler chunk.
    pending: Vec<f32>,
    /// Output frames of the resampler's delay still to be dropped.
    delay_left: usize,
    /// Timestamp of output frame 0 (µs), set by the first input.
    out_anchor: Option<f64>,
    /// Timestamp of input frame 0 (µs).
    in_anchor: f64,
    in_frames: u64,
    out_frames: u64,
    scratch: Vec<f32>,
}

impl std::fmt::Debug for AudioAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioAdapter")
            .field("in_rate", &self.in_rate)
            .field("in_channels", &self.in_channels)
            .field("out_rate", &self.out_rate)
            .field("out_channels", &self.out_channels)
            .finish_non_exhaustive()
    }
}

/// The resampler inside its `Mutex`, without locking (we have `&mut`).
fn unlocked(m: &mut Mutex<Box<dyn Resampler<f32>>>) -> &mut Box<dyn Resampler<f32>> {
    m.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn check_rate(rate: u32) -> Result<()> {
    if (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
        Ok(())
    } else {
        Err(FrameError::Unsupported(format!(
            "sample rate {rate} Hz is outside {MIN_SAMPLE_RATE}..={MAX_SAMPLE_RATE}"
        )))
    }
}

fn check_channels(channels: u32) -> Result<()> {
    if (1..=MAX_CHANNELS).contains(&channels) {
        Ok(())
    } else {
        Err(FrameError::Unsupported(format!(
            "{channels} channels is outside 1..={MAX_CHANNELS}"
        )))
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Input chunk of the resampler: 10 ms, the WebRTC audio block.
fn chunk_frames(rate: u32) -> usize {
    (rate as usize / 100).max(64)
}

fn make_resampler(in_rate: u32, out_rate: u32, channels: usize) -> Result<Box<dyn Resampler<f32>>> {
    let chunk = chunk_frames(in_rate);
    let err = |e: rubato::ResamplerConstructionError| {
        FrameError::Unsupported(format!("resampler {in_rate} -> {out_rate} Hz: {e}"))
    };
    // The FFT resampler works in blocks of in_rate / gcd frames: fine for the usual rates
    // (44.1k <-> 48k: 147 frames), too long (latency, memory) for near-coprime pairs.
    if in_rate / gcd(in_rate, out_rate) <= 2048 {
        let fft = Fft::<f32>::new(
            in_rate as usize,
            out_rate as usize,
            chunk,
            channels,
            FixedSync::Input,
        )
        .map_err(err)?;
        Ok(Box::new(fft))
    } else {
        let params = SincInterpolationParameters {
            sinc_len: 128,
            f_cutoff: None,
            oversampling_factor: 128,
            interpolation: SincInterpolationType::Cubic,
            window: WindowFunction::BlackmanHarris2,
        };
        let ratio = f64::from(out_rate) / f64::from(in_rate);
        let sinc = Async::<f32>::new_sinc(ratio, 1.0, &params, chunk, channels, FixedAsync::Input)
            .map_err(err)?;
        Ok(Box::new(sinc))
    }
}

impl AudioAdapter {
    /// An adapter from `in_rate` Hz / `in_channels` to `out_rate` Hz / `out_channels`.
    /// Rates must lie in 3000..=768000 Hz and channel counts in 1..=32 (Chromium's limits),
    /// else [`FrameError::Unsupported`].
    pub fn new(in_rate: u32, in_channels: u32, out_rate: u32, out_channels: u32) -> Result<Self> {
        check_rate(in_rate)?;
        check_rate(out_rate)?;
        check_channels(in_channels)?;
        check_channels(out_channels)?;
        let mix = ChannelMix::new(in_channels as usize, out_channels as usize);
        let mix_first = out_channels < in_channels;
        let rs_channels = in_channels.min(out_channels) as usize;
        let resampler = if in_rate == out_rate {
            None
        } else {
            Some(Mutex::new(make_resampler(in_rate, out_rate, rs_channels)?))
        };
        let mut resampler = resampler;
        let delay_left = resampler.as_mut().map_or(0, |r| unlocked(r).output_delay());
        Ok(AudioAdapter {
            in_rate,
            in_channels,
            out_rate,
            out_channels,
            mix,
            mix_first,
            rs_channels,
            resampler,
            pending: Vec::new(),
            delay_left,
            out_anchor: None,
            in_anchor: 0.0,
            in_frames: 0,
            out_frames: 0,
            scratch: Vec::new(),
        })
    }

    /// Input sample rate (Hz).
    pub fn in_rate(&self) -> u32 {
        self.in_rate
    }
    /// Input channel count.
    pub fn in_channels(&self) -> u32 {
        self.in_channels
    }
    /// Output sample rate (Hz).
    pub fn out_rate(&self) -> u32 {
        self.out_rate
    }
    /// Output channel count.
    pub fn out_channels(&self) -> u32 {
        self.out_channels
    }

    /// Adapts one block. Returns the output ready so far (zero or one block: the resampler
    /// works in 10 ms chunks, so a short input may produce nothing until the next one).
    /// Input whose rate or channel count differs from the adapter's is
    /// [`FrameError::Mismatch`].
    pub fn process(&mut self, data: &AudioData) -> Result<Vec<AudioData>> {
        if data.sample_rate() != self.in_rate || data.channels() != self.in_channels {
            return Err(FrameError::Mismatch(format!(
                "audio is {} Hz x {} but the adapter takes {} Hz x {}",
                data.sample_rate(),
                data.channels(),
                self.in_rate,
                self.in_channels
            )));
        }
        self.track_time(data);
        let samples = data.to_f32_interleaved();
        self.in_frames += data.frames() as u64;
        let Some(resampler) = self.resampler.as_mut().map(unlocked) else {
            let mixed = self.mix.apply(&samples);
            return self.emit(mixed);
        };
        if self.mix_first {
            self.pending.extend(self.mix.apply(&samples));
        } else {
            self.pending.extend_from_slice(&samples);
        }
        let ch = self.rs_channels;
        let mut produced: Vec<f32> = Vec::new();
        loop {
            let need = resampler.input_frames_next();
            if self.pending.len() / ch < need {
                break;
            }
            run_chunk(
                resampler.as_mut(),
                &self.pending,
                ch,
                None,
                &mut self.scratch,
                &mut produced,
            )?;
            self.pending.drain(..need * ch);
        }
        self.finish_output(produced)
    }

    /// Pushes out what the resampler still holds (the last partial chunk and the filter
    /// tail), so that the total output is exactly the input's duration at the output rate.
    /// The adapter then starts over: the next input sets a new timestamp origin.
    pub fn flush(&mut self) -> Result<Vec<AudioData>> {
        let Some(resampler) = self.resampler.as_mut().map(unlocked) else {
            self.reset_timeline();
            return Ok(Vec::new());
        };
        let ch = self.rs_channels;
        let expected = (self.in_frames as f64 * f64::from(self.out_rate) / f64::from(self.in_rate))
            .round() as u64;
        let mut produced: Vec<f32> = Vec::new();
        let mut rounds = 0;
        loop {
            let usable = (produced.len() / ch).saturating_sub(self.delay_left) as u64;
            if self.out_frames + usable >= expected {
                break;
            }
            // The filter tail is a few chunks at most; stop a runaway loop with an error.
            rounds += 1;
            if rounds > 1000 {
                return Err(FrameError::Unsupported("resampler does not drain".into()));
            }
            let valid = (self.pending.len() / ch).min(resampler.input_frames_next());
            run_chunk(
                resampler.as_mut(),
                &self.pending,
                ch,
                Some(valid),
                &mut self.scratch,
                &mut produced,
            )?;
            self.pending.drain(..valid * ch);
        }
        self.pending.clear();
        let out = self.finish_output_limited(produced, Some(expected))?;
        if let Some(r) = self.resampler.as_mut().map(unlocked) {
            r.reset();
        }
        self.delay_left = self
            .resampler
            .as_mut()
            .map_or(0, |r| unlocked(r).output_delay());
        self.reset_timeline();
        Ok(out)
    }

    fn reset_timeline(&mut self) {
        self.out_anchor = None;
        self.in_frames = 0;
        self.out_frames = 0;
    }

    /// Sets the timeline origin on the first block and follows discontinuities.
    fn track_time(&mut self, data: &AudioData) {
        let ts = data.timestamp() as f64;
        match self.out_anchor {
            None => {
                self.out_anchor = Some(ts);
                self.in_anchor = ts;
            }
            Some(anchor) => {
                let expected =
                    self.in_anchor + self.in_frames as f64 * 1e6 / f64::from(self.in_rate);
                let jump = ts - expected;
                if jump.abs() > DISCONTINUITY_US {
                    self.in_anchor += jump;
                    self.out_anchor = Some(anchor + jump);
                }
            }
        }
    }

    fn finish_output(&mut self, produced: Vec<f32>) -> Result<Vec<AudioData>> {
        self.finish_output_limited(produced, None)
    }

    /// Drops the resampler delay, mixes up if needed, caps the total at `limit` frames and
    /// emits one block.
    fn finish_output_limited(
        &mut self,
        mut produced: Vec<f32>,
        limit: Option<u64>,
    ) -> Result<Vec<AudioData>> {
        let ch = self.rs_channels;
        let frames = produced.len() / ch;
        let skip = self.delay_left.min(frames);
        self.delay_left -= skip;
        produced.drain(..skip * ch);
        if let Some(limit) = limit {
            let keep = limit.saturating_sub(self.out_frames) as usize;
            produced.truncate(keep.min(produced.len() / ch) * ch);
        }
        let mixed = if self.mix_first {
            produced
        } else {
            self.mix.apply(&produced)
        };
        self.emit(mixed)
    }

    /// Wraps interleaved output samples in an `AudioData` stamped on the output timeline.
    fn emit(&mut self, samples: Vec<f32>) -> Result<Vec<AudioData>> {
        let ch = self.out_channels as usize;
        let frames = samples.len() / ch;
        if frames == 0 {
            return Ok(Vec::new());
        }
        let anchor = self.out_anchor.unwrap_or(0.0);
        let ts = anchor + self.out_frames as f64 * 1e6 / f64::from(self.out_rate);
        self.out_frames += frames as u64;
        let block = AudioData::from_f32(
            self.out_rate,
            self.out_channels,
            &samples,
            ts.round() as i64,
        )?;
        Ok(vec![block])
    }
}

/// Runs one resampler chunk over the start of `pending` (`valid` frames of it when given;
/// the rest of the chunk is silence) and appends the output to `out`.
fn run_chunk(
    resampler: &mut dyn Resampler<f32>,
    pending: &[f32],
    ch: usize,
    valid: Option<usize>,
    scratch: &mut Vec<f32>,
    out: &mut Vec<f32>,
) -> Result<()> {
    let err = |e: rubato::ResampleError| FrameError::Unsupported(format!("resampler: {e}"));
    let need = resampler.input_frames_next();
    let in_frames = valid.map_or(need, |v| v.min(need));
    let input = InterleavedSlice::new(&pending[..in_frames * ch], ch, in_frames)
        .map_err(|e| FrameError::Layout(format!("resampler input: {e}")))?;
    let out_max = resampler.output_frames_max();
    scratch.clear();
    scratch.resize(out_max * ch, 0.0);
    let mut output = InterleavedSlice::new_mut(scratch, ch, out_max)
        .map_err(|e| FrameError::Layout(format!("resampler output: {e}")))?;
    let indexing = valid.map(|v| Indexing::new().partial_len(v.min(need)));
    let (_, written) = resampler
        .process_into_buffer(&input, &mut output, indexing.as_ref())
        .map_err(err)?;
    out.extend_from_slice(&scratch[..written * ch]);
    Ok(())
}
