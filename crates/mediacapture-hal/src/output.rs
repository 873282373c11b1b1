//! Audio outputs: what a backend plays to an `audiooutput` device.
//!
//! An output is the mirror of a [`Source`](crate::Source): the backend opens the device in
//! one fixed [`OutputConfig`] and runs a playback thread of its own that *pulls* audio from
//! an [`OutputFeed`] as the device needs it, one block at a time, paced by the device's
//! clock (the sound card's, the PulseAudio server's, or, for the fake backend, a
//! [`Clock`](crate::clock::Clock)). What to play, how to mix, how to follow a producer whose
//! clock drifts from the device's: the feed's business (the `mediacapture` crate's player),
//! never the backend's. A backend never sees a constraint, nor a track.
//!
//! When the device goes away (unplugged, the server died) the backend reports
//! [`OutputEvent::Ended`] once and stops pulling; whoever opened it decides where to play
//! next (browsers fall back to the default output).
//!
//! ```
//! use mediacapture_hal::output::{OutputConfig, OutputEvent, OutputFeed};
//! use mediacapture_hal::{Backend, fake::FakeBackend};
//! use std::sync::Arc;
//!
//! /// Plays a 440 Hz sine.
//! struct Sine(std::sync::atomic::AtomicU64);
//! impl OutputFeed for Sine {
//!     fn fill(&self, out: &mut [f32], _at_us: i64) {
//!         use std::sync::atomic::Ordering;
//!         for s in out.iter_mut() {
//!             let n = self.0.fetch_add(1, Ordering::Relaxed) as f32;
//!             *s = (n * std::f32::consts::TAU * 440.0 / 48_000.0).sin() * 0.5;
//!         }
//!     }
//!     fn on_event(&self, _: OutputEvent) {}
//! }
//!
//! let backend = FakeBackend::default();
//! let speaker = backend.devices()?.into_iter()
//!     .find(|d| d.kind == mediacapture_types::MediaDeviceKind::AudioOutput)
//!     .expect("the default profile has a speaker");
//! let config = OutputConfig { sample_rate: 48_000, channels: 1, latency: 0.02 };
//! let played = backend.played(&speaker.raw_id).expect("a fake speaker records");
//! let mut out = backend.open_output(&speaker.raw_id, &config, Arc::new(Sine(Default::default())))?;
//! assert!(played.wait_frames(4_800, std::time::Duration::from_secs(10)));
//! out.stop();
//! # Ok::<(), mediacapture_types::Error>(())
//! ```

use mediacapture_types::{Error, Result};

/// The format an output is opened in: f32 samples, channels interleaved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutputConfig {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count (1 = mono, 2 = stereo: left, right).
    pub channels: u32,
    /// The latency to aim for, in seconds: how far ahead of the device's play position the
    /// backend keeps its buffer. Backends clamp it to what the device can do.
    pub latency: f64,
}

impl Default for OutputConfig {
    /// 48 kHz stereo, 40 ms: what browsers open a speaker in for a media element.
    fn default() -> Self {
        OutputConfig {
            sample_rate: 48_000,
            channels: 2,
            latency: 0.04,
        }
    }
}

impl OutputConfig {
    /// `TypeError` unless the rate, the channel count and the latency are usable (rates
    /// from 3 kHz to 768 kHz and up to 32 channels, as Chromium's media limits).
    pub fn check(&self) -> Result<()> {
        if !(3_000..=768_000).contains(&self.sample_rate) {
            return Err(Error::type_error(format!(
                "an output cannot play at {} Hz",
                self.sample_rate
            )));
        }
        if !(1..=32).contains(&self.channels) {
            return Err(Error::type_error(format!(
                "an output cannot play {} channels",
                self.channels
            )));
        }
        if !(self.latency.is_finite() && self.latency > 0.0 && self.latency <= 2.0) {
            return Err(Error::type_error(format!(
                "an output latency of {} s is not usable",
                self.latency
            )));
        }
        Ok(())
    }

    /// Frames in `us` microseconds at this rate (rounded down).
    pub fn frames_in(&self, us: i64) -> usize {
        usize::try_from(us.max(0)).unwrap_or(0) * self.sample_rate as usize / 1_000_000
    }
}

/// Something that happened to an open output, reported by its backend.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OutputEvent {
    /// The device is gone for good (unplugged, the server went away, a fatal error): the
    /// backend pulls nothing more. The error says why.
    Ended(Error),
}

/// Where an open output takes what it plays. Called from the backend's playback thread;
/// implementations must return quickly and never block (a late `fill` is an audible gap).
pub trait OutputFeed: Send + Sync {
    /// Fills `out` (interleaved f32, a whole number of frames in the opened configuration)
    /// with what is played next. `at_us` is when its first frame reaches the listener, on
    /// [`clock::now_us`](crate::clock::now_us)'s time line (or the backend's
    /// [`Clock`](crate::clock::Clock) for a fake output): the time it is pulled plus the
    /// device's latency, as well as the backend knows it.
    fn fill(&self, out: &mut [f32], at_us: i64);

    /// A change of the output's state.
    fn on_event(&self, event: OutputEvent);
}

/// An open output. Dropping it (or calling [`AudioOutput::stop`]) stops playback and joins
/// the playback thread; no feed call happens after `stop` returns.
pub trait AudioOutput: Send {
    /// The configuration the output was opened in.
    fn config(&self) -> &OutputConfig;

    /// The device's latency now, in microseconds: how long a sample handed to the backend
    /// takes to be heard (its buffer plus the device's own), as well as the backend knows.
    fn latency_us(&self) -> i64;

    /// Stops playback and joins the playback thread.
    fn stop(&mut self);
}
