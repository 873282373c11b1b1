//! A node that takes what is connected to it out of the graph, in 10 ms blocks: to a track
//! ([`TrackDestination`](crate::TrackDestination)) or to a speaker ([`SpeakerOutput`]).

use mediacapture::playout::{AudioPlayer, PlayoutInput};
use mediacapture::push::PushSource;
use mediacapture::{AudioData, Error, Result};
use mediacapture_hal::clock;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use web_audio_api::context::BaseAudioContext;
use web_audio_api::node::{AudioNode, AudioNodeOptions, ChannelCountMode, ChannelInterpretation};
use web_audio_api::worklet::{
    AudioParamValues, AudioWorkletGlobalScope, AudioWorkletNode, AudioWorkletNodeOptions,
    AudioWorkletProcessor,
};

/// Where a forwarding node sends its blocks.
pub(crate) enum Target {
    Track(PushSource),
    Speaker(PlayoutInput),
}

impl Target {
    fn send(&self, data: AudioData) {
        match self {
            Target::Track(p) => p.push_audio(data),
            Target::Speaker(i) => i.push(&data),
        }
    }
}

pub(crate) struct ForwardOptions {
    pub(crate) target: Target,
    pub(crate) channels: usize,
    /// Cleared when the node's handle is dropped: the processor then lets itself be freed.
    pub(crate) alive: Arc<AtomicBool>,
}

/// The processor (runs on the render thread).
pub(crate) struct Forward {
    target: Target,
    channels: usize,
    alive: Arc<AtomicBool>,
    /// Interleaved samples of the block being filled.
    acc: Vec<f32>,
    /// Frames sent so far, and the clock time of the first (timestamps follow the samples).
    sent: u64,
    t0: Option<i64>,
}

impl AudioWorkletProcessor for Forward {
    type ProcessorOptions = ForwardOptions;

    fn constructor(opts: ForwardOptions) -> Self {
        Forward {
            target: opts.target,
            channels: opts.channels,
            alive: opts.alive,
            acc: Vec::new(),
            sent: 0,
            t0: None,
        }
    }

    fn process<'a, 'b>(
        &mut self,
        inputs: &'b [&'a [&'a [f32]]],
        _outputs: &'b mut [&'a mut [&'a mut [f32]]],
        _params: AudioParamValues<'b>,
        scope: &'b AudioWorkletGlobalScope,
    ) -> bool {
        // A graph that plays to a speaker renders in real time, and a late render is a gap
        // in what is heard: its render thread gets the real-time scheduling Chromium gives
        // its Web Audio render thread, where the process may (see
        // `mediacapture_hal::realtime`; asked once per thread: the crate may render a
        // context on more than one thread over its life). A graph feeding only tracks keeps
        // its thread as it is (an offline context renders on its caller's thread).
        if matches!(self.target, Target::Speaker(_)) {
            mediacapture_hal::realtime::promote_audio_thread_once();
        }
        let rate = scope.sample_rate.round().max(1.0) as u32;
        let block = (rate / 100).max(1) as usize;
        let ch = self.channels;
        if self.acc.capacity() == 0 {
            self.acc.reserve(block * ch * 2);
        }
        let input: &[&[f32]] = inputs.first().copied().unwrap_or(&[]);
        let frames = input.first().map_or(128, |c| c.len());
        for i in 0..frames {
            for c in 0..ch {
                // The node's channel count is explicit: the graph mixed the input to `ch`
                // channels. No input connected: silence.
                self.acc
                    .push(input.get(c).and_then(|x| x.get(i)).copied().unwrap_or(0.0));
            }
        }
        let t0 = *self.t0.get_or_insert_with(clock::now_us);
        while self.acc.len() >= block * ch {
            let ts = t0 + (self.sent as f64 * 1e6 / f64::from(rate)) as i64;
            match AudioData::from_f32(rate, ch as u32, &self.acc[..block * ch], ts) {
                Ok(data) => self.target.send(data),
                Err(e) => tracing::warn!("web audio output: {e}"),
            }
            self.acc.drain(..block * ch);
            self.sent += block as u64;
        }
        self.alive.load(Ordering::Relaxed)
    }
}

/// A forwarding node with `channels` channels on `ctx`.
pub(crate) fn forward_node(
    ctx: &impl BaseAudioContext,
    target: Target,
    channels: usize,
) -> Result<(AudioWorkletNode, Arc<AtomicBool>)> {
    if !(1..=32).contains(&channels) {
        return Err(Error::not_supported(format!(
            "{channels} channels: a node has 1 to 32"
        )));
    }
    let alive = Arc::new(AtomicBool::new(true));
    let options = AudioWorkletNodeOptions {
        number_of_inputs: 1,
        number_of_outputs: 0,
        output_channel_count: Vec::new(),
        parameter_data: Default::default(),
        processor_options: ForwardOptions {
            target,
            channels,
            alive: alive.clone(),
        },
        audio_node_options: AudioNodeOptions {
            channel_count: channels,
            channel_count_mode: ChannelCountMode::Explicit,
            channel_interpretation: ChannelInterpretation::Speakers,
        },
    };
    let node = AudioWorkletNode::new::<Forward>(ctx, options);
    Ok((node, alive))
}

/// A context's way to a speaker: what is connected to [`SpeakerOutput::node`] is played on
/// an [`AudioPlayer`] (its speaker, volume and pause), mixed with whatever else that player
/// plays. This is how a page's `ctx.destination` is heard here: connect the context's
/// destination-bound graph to this node.
pub struct SpeakerOutput {
    node: AudioWorkletNode,
    alive: Arc<AtomicBool>,
}

impl std::fmt::Debug for SpeakerOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeakerOutput").finish_non_exhaustive()
    }
}

impl SpeakerOutput {
    /// A node of `channels` channels on `ctx` that plays to `player`.
    ///
    /// Errors: `NotSupportedError` for a channel count outside 1..=32.
    pub fn new(ctx: &impl BaseAudioContext, player: &AudioPlayer, channels: usize) -> Result<Self> {
        let (node, alive) = forward_node(ctx, Target::Speaker(player.push_input()), channels)?;
        Ok(SpeakerOutput { node, alive })
    }

    /// The node to connect to.
    pub fn node(&self) -> &AudioWorkletNode {
        &self.node
    }
}

impl Drop for SpeakerOutput {
    fn drop(&mut self) {
        self.node.disconnect();
        self.alive.store(false, Ordering::Relaxed);
    }
}
