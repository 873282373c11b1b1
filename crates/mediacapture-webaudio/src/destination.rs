//! `createMediaStreamDestination()`: a node whose input is an ordinary audio track.
//!
//! Spec: <https://webaudio.github.io/web-audio-api/#MediaStreamAudioDestinationNode>

use crate::forward::{Target, forward_node};
use mediacapture::push::PushSource;
use mediacapture::{MediaStream, MediaTrackConstraints, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use web_audio_api::context::BaseAudioContext;
use web_audio_api::worklet::AudioWorkletNode;

/// A `MediaStreamAudioDestinationNode`: what is connected to [`TrackDestination::node`]
/// becomes the audio of the one track of [`TrackDestination::stream`], at the context's rate
/// with `channels` channels (2 by default in the spec), in 10 ms blocks stamped on the
/// process clock. The track is an ordinary [`mediacapture::MediaStreamTrack`]: it can be
/// recorded, cloned, played and sent; constraints choose its settings like a microphone's.
/// It ends when the destination is dropped.
pub struct TrackDestination {
    node: AudioWorkletNode,
    alive: Arc<AtomicBool>,
    source: PushSource,
    stream: MediaStream,
}

impl std::fmt::Debug for TrackDestination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackDestination")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl TrackDestination {
    /// A destination of `channels` channels on `ctx`.
    ///
    /// Errors: `NotSupportedError` for a channel count outside 1..=32 (the spec's
    /// `channelCount` rule for this node).
    pub fn new(ctx: &impl BaseAudioContext, channels: usize) -> Result<Self> {
        let rate = ctx.sample_rate().round() as u32;
        let source = PushSource::audio(
            "MediaStreamAudioDestinationNode",
            rate,
            u32::try_from(channels).unwrap_or(0),
        );
        let (node, alive) = forward_node(ctx, Target::Track(source.clone()), channels)?;
        let track = source.open_track(MediaTrackConstraints::default())?;
        Ok(TrackDestination {
            node,
            alive,
            source,
            stream: MediaStream::from_tracks([&track]),
        })
    }

    /// The node to connect to.
    pub fn node(&self) -> &AudioWorkletNode {
        &self.node
    }

    /// `stream`: a stream of one audio track carrying the node's input.
    pub fn stream(&self) -> &MediaStream {
        &self.stream
    }

    /// Tracks opened on the destination's source from its stream's first track (for a new
    /// track with its own constraints, e.g. another sample rate).
    pub fn open_track(
        &self,
        constraints: MediaTrackConstraints,
    ) -> Result<mediacapture::MediaStreamTrack> {
        self.source.open_track(constraints)
    }
}

impl Drop for TrackDestination {
    fn drop(&mut self) {
        self.alive.store(false, Ordering::Relaxed);
        self.source.end();
    }
}
