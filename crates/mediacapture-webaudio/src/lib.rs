//! mediacapture tracks in and out of the [`web_audio_api`] crate's audio graph.
//!
//! - **Into the graph**: [`media_stream`] / [`media_stream_track`] make a
//!   `web_audio_api::media_streams::MediaStream` (or track) whose audio is one of our
//!   [`MediaStreamTrack`]s, to give to `AudioContext::create_media_stream_source` or
//!   `create_media_stream_track_source`. The track's audio goes through a jitter buffer in the
//!   context's format: the context renders on its own clock, the track's source on another,
//!   and the buffer follows the drift between them (see [`mediacapture::playout`]). The
//!   render thread never waits: what is missing is silence.
//! - **Out of the graph**: [`TrackDestination`] is what `createMediaStreamDestination()` gives
//!   a web page: a node to connect to, whose [`TrackDestination::stream`] holds an ordinary
//!   audio [`MediaStreamTrack`] (made with [`mediacapture::custom::open_track`] on a
//!   [`PushSource`]) that records, clones, plays and sends like a microphone's. (The crate's
//!   own `MediaStreamAudioDestinationNode` hands out one buffer at a time and drops what is
//!   not taken at once; ours never drops.)
//! - **To the speakers**: [`SpeakerOutput`] plays what is connected to it on an
//!   [`AudioPlayer`] — an `audiooutput` device of a [`mediacapture::MediaDevices`], PulseAudio
//!   or fake — which is how a context's `destination` reaches a chosen output here.
//!
//! Contexts: [`audio_context`] makes a `web_audio_api::context::AudioContext` on the crate's
//! `"none"` sink: it renders in real time (paced by the wall clock on a thread of its own)
//! without a sound card, on CI machines too; its sound reaches a speaker through a
//! [`SpeakerOutput`]. An `OfflineAudioContext` works with every node here as well, and
//! renders as fast as it can: with [`SourceMode::Lockstep`] sources it follows a producer
//! driven by a manual clock, so tests run minutes of media time in seconds.
//!
//! ```no_run
//! use mediacapture::MediaDevices;
//! use mediacapture_webaudio::{TrackDestination, audio_context};
//! use web_audio_api::context::BaseAudioContext;
//! use web_audio_api::node::{AudioNode, AudioScheduledSourceNode};
//! # futures_executor::block_on(async {
//! let ctx = audio_context(None)?;
//! // An oscillator whose sound is an ordinary track (to record, send, play).
//! let mut osc = ctx.create_oscillator();
//! osc.frequency().set_value(1000.0);
//! let dest = TrackDestination::new(&ctx, 2)?;
//! osc.connect(dest.node());
//! osc.start();
//! let track = dest.stream().get_audio_tracks()[0].clone();
//! assert_eq!(track.get_settings().sample_rate, Some(48_000));
//!
//! // A microphone into an analyser.
//! let devices = MediaDevices::builder().fake_devices(true).build();
//! let mic = devices.get_user_media_json(r#"{"audio": true}"#).await?;
//! let source = ctx.create_media_stream_source(&mediacapture_webaudio::media_stream(
//!     &mic.get_audio_tracks(),
//!     ctx.sample_rate(),
//! )?);
//! let analyser = ctx.create_analyser();
//! source.connect(&analyser);
//! # Ok::<(), mediacapture::Error>(())
//! # }).unwrap();
//! ```

#![forbid(unsafe_code)]

mod destination;
mod forward;
mod source;

pub use destination::TrackDestination;
pub use forward::SpeakerOutput;
pub use source::{SourceMode, media_stream, media_stream_track, media_stream_track_with_mode};

use mediacapture::{Error, Result};
use web_audio_api::context::{AudioContext, AudioContextLatencyCategory, AudioContextOptions};

#[doc(no_inline)]
pub use mediacapture::MediaStreamTrack;
#[doc(no_inline)]
pub use mediacapture::playout::AudioPlayer;
#[doc(no_inline)]
pub use mediacapture::push::PushSource;

/// The rates a context can run at (the Web Audio spec's "at least 8 kHz to 96 kHz"; the
/// crate takes 3 kHz to 768 kHz, as Chromium does).
pub const SAMPLE_RATES: std::ops::RangeInclusive<f32> = 3_000.0..=768_000.0;

/// A real-time `AudioContext` at `sample_rate` (48 kHz by default) that renders without a
/// sound card (the crate's `"none"` sink). Connect its graph to a [`SpeakerOutput`] to hear
/// it.
///
/// Errors: `NotSupportedError` for a rate outside [`SAMPLE_RATES`] (as the Web Audio API
/// says), `InvalidStateError` when the context cannot start.
///
/// Spec: <https://webaudio.github.io/web-audio-api/#dom-audiocontext-audiocontext>
pub fn audio_context(sample_rate: Option<f32>) -> Result<AudioContext> {
    if let Some(rate) = sample_rate {
        if !(rate.is_finite() && SAMPLE_RATES.contains(&rate)) {
            return Err(Error::not_supported(format!(
                "The sample rate provided ({rate}) is outside the range [3000, 768000]."
            )));
        }
    }
    let options = AudioContextOptions {
        sample_rate: Some(sample_rate.unwrap_or(48_000.0)),
        sink_id: "none".into(),
        latency_hint: AudioContextLatencyCategory::Interactive,
        ..AudioContextOptions::default()
    };
    AudioContext::try_new(options).map_err(|e| from_web_audio(&e.to_string()))
}

/// An error of the `web-audio-api` crate (its messages start with the DOMException's name,
/// e.g. `"NotSupportedError - …"`) as ours.
pub fn from_web_audio(message: &str) -> Error {
    let (name, rest) = message
        .split_once(" - ")
        .or_else(|| message.split_once(": "))
        .unwrap_or(("", message));
    let kind = match name.trim() {
        "NotSupportedError" => mediacapture::ErrorKind::NotSupportedError,
        "NotFoundError" => mediacapture::ErrorKind::NotFoundError,
        "IndexSizeError" => mediacapture::ErrorKind::IndexSizeError,
        "InvalidAccessError" => mediacapture::ErrorKind::InvalidAccessError,
        "RangeError" => mediacapture::ErrorKind::RangeError,
        "TypeError" => mediacapture::ErrorKind::TypeError,
        _ => mediacapture::ErrorKind::InvalidStateError,
    };
    let text = if kind == mediacapture::ErrorKind::InvalidStateError && name.is_empty() {
        message
    } else {
        rest
    };
    Error::new(kind, text.trim())
}
