//! The audio processing stage between a microphone and its tracks: WebRTC's audio processing
//! module (AEC3 echo cancellation, noise suppression, automatic gain control, high-pass
//! filter), through the `webrtc-audio-processing` crate.
//!
//! A track whose settings ask for processing (`echoCancellation`, `autoGainControl`,
//! `noiseSuppression`, chosen by `mediacapture-core` as Chromium chooses them) gets its audio
//! from an [`AudioProcessor`]: the device's audio is converted to 48 kHz with the track's
//! channel count, cut into the module's 10 ms frames and processed. Tracks on one source with
//! the same processing settings share one processor; tracks with different settings each get
//! their own, as in Chromium, so every track gets what its settings say.
//!
//! Echo cancellation needs the *far end*: what this process plays. Whatever plays audio (a
//! media element, an audio output, a test) pushes it into the per-process reference bus,
//! [`far_end()`], as it is played; every processor with echo cancellation on hears it. Audio
//! that came from a peer connection is marked so ([`FarEndOrigin::PeerConnection`]), and a
//! track with `echoCancellation: "remote-only"` cancels only that.
//!
//! ```no_run
//! use mediacapture::audio_processing::{far_end, FarEndOrigin};
//! use mediacapture_frame::AudioData;
//! # fn played_block() -> AudioData { unimplemented!() }
//! // In a playback sink, for each block sent to the speakers:
//! let block: AudioData = played_block();
//! far_end().push(&block, FarEndOrigin::Local);
//! ```
//!
//! Latency: the stage holds back at most what is missing of one 10 ms frame (nothing when
//! the device delivers whole 10 ms blocks), plus the module's own algorithmic delay (see
//! BENCHMARKS.md for the measured figure).

mod far_end;

pub use far_end::{FarEnd, FarEndOrigin, far_end};
pub use mediacapture_core::audio::{EchoReference, SoftwareProcessing};

use crate::{Error, Result};
use far_end::RenderTap;
use mediacapture_frame::{AudioAdapter, AudioData};
use std::sync::Arc;
use webrtc_audio_processing::Processor;
use webrtc_audio_processing::config::{
    AdaptiveDigital, Config, EchoCanceller, GainController, GainController2, HighPassFilter,
    NoiseSuppression, NoiseSuppressionLevel,
};

/// The rate the processing module runs at and processed tracks deliver.
pub const PROCESSING_RATE: u32 = mediacapture_core::audio::PROCESSED_SAMPLE_RATE;
/// Frames in one processing frame (10 ms at [`PROCESSING_RATE`]).
pub const FRAME: usize = PROCESSING_RATE as usize / 100;
/// The most channels a processed track may have.
pub const MAX_CHANNELS: u32 = 8;

/// The module configuration for `p`: what Chromium's `MediaStreamAudioProcessor` enables for
/// the same properties (AEC3 with delay estimation, noise suppression at the high level, the
/// adaptive digital gain controller, and the high-pass filter whenever anything is on).
fn module_config(p: &SoftwareProcessing, channels: u32) -> Config {
    let mut config = Config::default();
    config.pipeline.multi_channel_capture = channels > 1;
    config.pipeline.multi_channel_render = false;
    if p.is_active() {
        config.high_pass_filter = Some(HighPassFilter::default());
    }
    if p.echo_cancellation.is_some() {
        config.echo_canceller = Some(EchoCanceller::Full {
            stream_delay_ms: None,
        });
    }
    if p.noise_suppression {
        config.noise_suppression = Some(NoiseSuppression {
            level: NoiseSuppressionLevel::High,
            analyze_linear_aec_output: false,
        });
    }
    if p.auto_gain_control {
        config.gain_controller = Some(GainController::GainController2(GainController2 {
            input_volume_controller_enabled: false,
            adaptive_digital: Some(AdaptiveDigital::default()),
            ..Default::default()
        }));
    }
    config
}

fn apm_error(e: webrtc_audio_processing::Error) -> Error {
    Error::not_readable(format!("audio processing: {e}"))
}

/// One processing chain: device audio in, processed 48 kHz audio out, in 10 ms blocks.
///
/// Audio is converted (resampled, channels mixed) to 48 kHz with the output's channel count
/// first, then processed frame by frame. Output block `k` carries the capture timestamp of
/// its first frame.
pub struct AudioProcessor {
    processing: SoftwareProcessing,
    in_rate: u32,
    in_channels: u32,
    channels: u32,
    /// To 48 kHz / `channels`, when the input is not that already.
    convert: Option<AudioAdapter>,
    apm: Arc<Processor>,
    /// The far-end subscription, while echo cancellation is on.
    tap: Option<Arc<RenderTap>>,
    /// Samples waiting for a whole frame, one vector per channel.
    pending: Vec<Vec<f32>>,
    /// Capture timestamp (µs) of `pending`'s first frame.
    pending_ts: f64,
}

impl std::fmt::Debug for AudioProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioProcessor")
            .field("processing", &self.processing)
            .field("in_rate", &self.in_rate)
            .field("in_channels", &self.in_channels)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

impl AudioProcessor {
    /// A chain from `in_rate` Hz / `in_channels` to 48 kHz / `channels` with `processing`.
    /// With echo cancellation on it listens to [`far_end()`] from now on.
    ///
    /// Errors: `NotReadableError` for formats the converter or the module cannot take
    /// (rates outside 3–768 kHz, more than 32 input or 8 output channels).
    pub fn new(
        in_rate: u32,
        in_channels: u32,
        channels: u32,
        processing: SoftwareProcessing,
    ) -> Result<Self> {
        if channels == 0 || channels > MAX_CHANNELS {
            return Err(Error::not_readable(format!(
                "audio processing takes 1 to {MAX_CHANNELS} channels, not {channels}"
            )));
        }
        let convert = if (in_rate, in_channels) == (PROCESSING_RATE, channels) {
            None
        } else {
            Some(
                AudioAdapter::new(in_rate, in_channels, PROCESSING_RATE, channels)
                    .map_err(|e| Error::not_readable(e.to_string()))?,
            )
        };
        let apm = Arc::new(Processor::new(PROCESSING_RATE).map_err(apm_error)?);
        apm.set_config(module_config(&processing, channels));
        let tap = processing
            .echo_cancellation
            .map(|mode| far_end().subscribe(apm.clone(), mode));
        Ok(AudioProcessor {
            processing,
            in_rate,
            in_channels,
            channels,
            convert,
            apm,
            tap,
            pending: vec![Vec::with_capacity(FRAME * 2); channels as usize],
            pending_ts: 0.0,
        })
    }

    /// What this chain does.
    pub fn processing(&self) -> SoftwareProcessing {
        self.processing
    }

    /// Output channel count.
    pub fn channels(&self) -> u32 {
        self.channels
    }

    /// Processes one block of device audio; returns the processed 10 ms blocks ready so far
    /// (none while less than a frame is buffered).
    ///
    /// Errors: `NotReadableError` for input in another format than the chain takes.
    pub fn process(&mut self, data: &AudioData) -> Result<Vec<AudioData>> {
        if (data.sample_rate(), data.channels()) != (self.in_rate, self.in_channels) {
            return Err(Error::not_readable(format!(
                "audio is {} Hz x {} but the processor takes {} Hz x {}",
                data.sample_rate(),
                data.channels(),
                self.in_rate,
                self.in_channels
            )));
        }
        let converted = match &mut self.convert {
            Some(a) => a
                .process(data)
                .map_err(|e| Error::not_readable(e.to_string()))?,
            None => vec![data.clone()],
        };
        let mut out = Vec::new();
        for block in converted {
            self.push(&block, &mut out)?;
        }
        Ok(out)
    }

    fn push(&mut self, block: &AudioData, out: &mut Vec<AudioData>) -> Result<()> {
        let ch = self.channels as usize;
        if self.pending[0].is_empty() {
            self.pending_ts = block.timestamp() as f64;
        }
        let samples = block.to_f32_interleaved();
        for frame in samples.chunks_exact(ch) {
            for (c, s) in frame.iter().enumerate() {
                self.pending[c].push(*s);
            }
        }
        while self.pending[0].len() >= FRAME {
            let mut frame: Vec<Vec<f32>> = self
                .pending
                .iter_mut()
                .map(|p| p.drain(..FRAME).collect())
                .collect();
            if let Some(tap) = &self.tap {
                tap.before_capture_frame();
            }
            self.apm
                .process_capture_frame(frame.iter_mut())
                .map_err(apm_error)?;
            let planes: Vec<&[f32]> = frame.iter().map(Vec::as_slice).collect();
            let ts = self.pending_ts.round() as i64;
            out.push(
                AudioData::from_f32_planar(PROCESSING_RATE, &planes, ts)
                    .map_err(|e| Error::not_readable(e.to_string()))?,
            );
            self.pending_ts += FRAME as f64 * 1e6 / f64::from(PROCESSING_RATE);
        }
        Ok(())
    }
}

impl Drop for AudioProcessor {
    fn drop(&mut self) {
        if let Some(tap) = self.tap.take() {
            far_end().unsubscribe(&tap);
        }
    }
}
