//! `AudioContext` (Web Audio): a `web_audio_api` context with this library's tracks in and
//! out of its graph, through the `mediacapture-webaudio` bridge.
//!
//! Why the `web-audio-api` crate inside this addon rather than bridging the
//! `node-web-audio-api` npm package: that package is the same crate behind its own napi
//! addon, so its nodes cannot be handed to ours (two addons, two copies of the crate), its
//! `MediaStreamAudioDestinationNode` is not implemented, and its `createMediaStreamSource`
//! takes only its own streams. Here one crate serves both: a track becomes a
//! `MediaStreamAudioSourceNode`'s source (jitter buffer in the context's format), a
//! `createMediaStreamDestination()` node is an ordinary track (records, clones, plays), and
//! `destination` plays on an `audiooutput` device of a `MediaDevices` (PulseAudio or fake)
//! through an `AudioPlayer`; no sound card library (cpal/ALSA) is needed.
//!
//! The boundary: a context owns its nodes in a table; JavaScript node objects hold their
//! index. A node leaves the table when its JavaScript object is collected
//! ([`NativeAudioContext::release`]; the graph keeps a connected node playing, as the Web
//! Audio API says) or when the context closes. The crate panics on some bad arguments
//! (its messages start with the DOMException name): every call into it is guarded, so a
//! panic becomes that exception, never an abort.

use crate::devices::NativeDevices;
use crate::errors::{js, js_error, type_error};
use crate::events::emit;
use crate::stream::NativeStream;
use crate::track::NativeTrack;
use mediacapture::Error;
use mediacapture::playout::{AudioPlayer, PlayerOptions};
use mediacapture_webaudio::{SpeakerOutput, TrackDestination, from_web_audio};
use napi_derive::napi;
use std::sync::Mutex;
use web_audio_api::AudioParam;
use web_audio_api::context::{AudioContext, AudioContextState, BaseAudioContext};
use web_audio_api::node::{
    AnalyserNode, AudioNode, AudioScheduledSourceNode, BiquadFilterNode, ChannelCountMode,
    ChannelInterpretation, ChannelMergerNode, ChannelSplitterNode, ConstantSourceNode, DelayNode,
    GainNode, MediaStreamAudioSourceNode, MediaStreamTrackAudioSourceNode, OscillatorNode,
    StereoPannerNode,
};

/// Runs `f`, turning a panic of the `web-audio-api` crate (whose messages name the
/// DOMException, e.g. `"IndexSizeError - …"`) into that error.
fn guard<T>(f: impl FnOnce() -> T) -> napi::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let text = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
            .unwrap_or_else(|| "InvalidStateError - the audio graph refused the call".into());
        // An `assert!` adds its own words before the message: "assertion … failed: X - …".
        let text = text
            .split_once(" failed: ")
            .map_or(text.as_str(), |(_, m)| m);
        js_error(&from_web_audio(text))
    })
}

/// One node of a context's graph.
enum Node {
    Oscillator(OscillatorNode),
    ConstantSource(ConstantSourceNode),
    Gain(GainNode),
    Analyser(Box<AnalyserNode>),
    Biquad(BiquadFilterNode),
    Delay(DelayNode),
    StereoPanner(StereoPannerNode),
    Splitter(ChannelSplitterNode),
    Merger(ChannelMergerNode),
    StreamSource(MediaStreamAudioSourceNode),
    TrackSource(MediaStreamTrackAudioSourceNode),
    Destination(TrackDestination),
}

impl Node {
    fn audio_node(&self) -> &dyn AudioNode {
        match self {
            Node::Oscillator(n) => n,
            Node::ConstantSource(n) => n,
            Node::Gain(n) => n,
            Node::Analyser(n) => &**n,
            Node::Biquad(n) => n,
            Node::Delay(n) => n,
            Node::StereoPanner(n) => n,
            Node::Splitter(n) => n,
            Node::Merger(n) => n,
            Node::StreamSource(n) => n,
            Node::TrackSource(n) => n,
            Node::Destination(d) => d.node(),
        }
    }

    fn param(&self, name: &str) -> Option<&AudioParam> {
        Some(match (self, name) {
            (Node::Oscillator(n), "frequency") => n.frequency(),
            (Node::Oscillator(n), "detune") => n.detune(),
            (Node::ConstantSource(n), "offset") => n.offset(),
            (Node::Gain(n), "gain") => n.gain(),
            (Node::Biquad(n), "frequency") => n.frequency(),
            (Node::Biquad(n), "detune") => n.detune(),
            (Node::Biquad(n), "Q") => n.q(),
            (Node::Biquad(n), "gain") => n.gain(),
            (Node::Delay(n), "delayTime") => n.delay_time(),
            (Node::StereoPanner(n), "pan") => n.pan(),
            _ => return None,
        })
    }
}

/// Where `destination` plays: a speaker output node on a player of the context's sink.
struct Speaker {
    output: SpeakerOutput,
    _player: AudioPlayer,
}

/// An `AudioContext` and the nodes made on it.
#[napi]
pub struct NativeAudioContext {
    ctx: AudioContext,
    nodes: Mutex<Vec<Option<Node>>>,
    speaker: Mutex<Option<Speaker>>,
    devices: mediacapture::MediaDevices,
    sink_id: String,
}

/// `new AudioContext({sampleRate, sinkId})` on the document `devices` (whose `audiooutput`
/// devices `destination` can play on). `target` receives `statechange`.
///
/// Errors: `NotSupportedError` for a rate outside 3–768 kHz; `NotFoundError` /
/// `NotAllowedError` for a `sinkId` setSinkId's rules refuse.
///
/// Spec: <https://webaudio.github.io/web-audio-api/#dom-audiocontext-audiocontext>
#[napi]
pub fn create_audio_context(
    devices: &NativeDevices,
    sample_rate: Option<f64>,
    sink_id: String,
    target: u32,
) -> napi::Result<NativeAudioContext> {
    // The sink is checked now (the constructor's sinkId rules), opened on first use.
    js(devices.md.audio_output(&sink_id))?;
    let ctx = js(mediacapture_webaudio::audio_context(
        sample_rate.map(|r| r as f32),
    ))?;
    ctx.set_onstatechange(move |_| emit(target, "statechange", String::new()));
    Ok(NativeAudioContext {
        ctx,
        nodes: Mutex::new(Vec::new()),
        speaker: Mutex::new(None),
        devices: devices.md.clone(),
        sink_id,
    })
}

fn count_mode(s: &str) -> napi::Result<ChannelCountMode> {
    Ok(match s {
        "max" => ChannelCountMode::Max,
        "clamped-max" => ChannelCountMode::ClampedMax,
        "explicit" => ChannelCountMode::Explicit,
        _ => return Err(type_error(format!("'{s}' is not a valid ChannelCountMode"))),
    })
}

fn interpretation(s: &str) -> napi::Result<ChannelInterpretation> {
    Ok(match s {
        "speakers" => ChannelInterpretation::Speakers,
        "discrete" => ChannelInterpretation::Discrete,
        _ => {
            return Err(type_error(format!(
                "'{s}' is not a valid ChannelInterpretation"
            )));
        }
    })
}

/// Node index `u32::MAX` names the context's `destination`.
const DESTINATION: u32 = u32::MAX;

#[napi]
impl NativeAudioContext {
    fn add(&self, node: Node) -> u32 {
        let mut nodes = crate::lock(&self.nodes);
        if let Some(i) = nodes.iter().position(Option::is_none) {
            nodes[i] = Some(node);
            return i as u32;
        }
        nodes.push(Some(node));
        (nodes.len() - 1) as u32
    }

    /// Runs `f` on node `id` (`DESTINATION`: the speaker output, opened on first use).
    fn with<T>(&self, id: u32, f: impl FnOnce(&mut Node) -> napi::Result<T>) -> napi::Result<T> {
        if id == DESTINATION {
            return Err(type_error("the destination has no such member"));
        }
        let mut nodes = crate::lock(&self.nodes);
        match nodes.get_mut(id as usize).and_then(Option::as_mut) {
            Some(n) => f(n),
            None => Err(js_error(&Error::invalid_state(
                "the node is gone (its context closed)",
            ))),
        }
    }

    fn with_audio_node<T>(&self, id: u32, f: impl FnOnce(&dyn AudioNode) -> T) -> napi::Result<T> {
        if id == DESTINATION {
            self.speaker()?;
            let s = crate::lock(&self.speaker);
            return match s.as_ref() {
                Some(s) => guard(|| f(s.output.node())),
                None => Err(js_error(&Error::invalid_state("the context is closed"))),
            };
        }
        self.with(id, |n| guard(|| f(n.audio_node())))
    }

    /// Opens the speaker output behind `destination` if it is not open yet.
    fn speaker(&self) -> napi::Result<()> {
        let mut s = crate::lock(&self.speaker);
        if s.is_none() {
            let player = AudioPlayer::new(PlayerOptions::default());
            // No output at all (no speaker on this machine): the graph renders to nothing.
            if let Some(device) = js(self.devices.audio_output(&self.sink_id))? {
                js(player.set_device(Some(device)))?;
            }
            player.set_playing(true);
            let output = js(SpeakerOutput::new(&self.ctx, &player, 2))?;
            *s = Some(Speaker {
                output,
                _player: player,
            });
        }
        Ok(())
    }

    /// `sampleRate`.
    #[napi(getter)]
    pub fn sample_rate(&self) -> f64 {
        f64::from(self.ctx.sample_rate())
    }

    /// `currentTime` (seconds of rendered audio).
    #[napi(getter)]
    pub fn current_time(&self) -> f64 {
        self.ctx.current_time()
    }

    /// `state`: `"suspended"`, `"running"` or `"closed"`.
    #[napi(getter)]
    pub fn state(&self) -> String {
        match self.ctx.state() {
            AudioContextState::Suspended => "suspended",
            AudioContextState::Running => "running",
            AudioContextState::Closed => "closed",
        }
        .into()
    }

    /// `baseLatency` (seconds).
    #[napi(getter)]
    pub fn base_latency(&self) -> f64 {
        self.ctx.base_latency()
    }

    /// `resume()` (blocks until the render thread runs: brief).
    #[napi]
    pub fn resume(&self) -> napi::Result<()> {
        guard(|| self.ctx.resume_sync())
    }

    /// `suspend()`.
    #[napi]
    pub fn suspend(&self) -> napi::Result<()> {
        guard(|| self.ctx.suspend_sync())
    }

    /// `close()`: stops rendering, ends destination tracks and releases every node.
    #[napi]
    pub fn close(&self) -> napi::Result<()> {
        if self.ctx.state() != AudioContextState::Closed {
            guard(|| self.ctx.close_sync())?;
        }
        crate::lock(&self.nodes).clear();
        crate::lock(&self.speaker).take();
        Ok(())
    }

    /// Forgets node `id` (its JavaScript object was collected).
    #[napi]
    pub fn release(&self, id: u32) {
        if let Some(slot) = crate::lock(&self.nodes).get_mut(id as usize) {
            slot.take();
        }
    }

    // ---- factories (each returns the node's index)

    /// `createOscillator()`; `target` receives its `ended`.
    #[napi]
    pub fn create_oscillator(&self, target: u32) -> u32 {
        let n = self.ctx.create_oscillator();
        n.set_onended(move |_| emit(target, "ended", String::new()));
        self.add(Node::Oscillator(n))
    }

    /// `createConstantSource()`; `target` receives its `ended`.
    #[napi]
    pub fn create_constant_source(&self, target: u32) -> u32 {
        let n = self.ctx.create_constant_source();
        n.set_onended(move |_| emit(target, "ended", String::new()));
        self.add(Node::ConstantSource(n))
    }

    /// `createGain()`.
    #[napi]
    pub fn create_gain(&self) -> u32 {
        let n = self.ctx.create_gain();
        self.add(Node::Gain(n))
    }

    /// `createAnalyser()`.
    #[napi]
    pub fn create_analyser(&self) -> u32 {
        let n = self.ctx.create_analyser();
        self.add(Node::Analyser(Box::new(n)))
    }

    /// `createBiquadFilter()`.
    #[napi]
    pub fn create_biquad_filter(&self) -> u32 {
        let n = self.ctx.create_biquad_filter();
        self.add(Node::Biquad(n))
    }

    /// `createDelay(maxDelayTime)` (NotSupportedError outside (0, 180) s).
    #[napi]
    pub fn create_delay(&self, max_delay_time: f64) -> napi::Result<u32> {
        if !(max_delay_time > 0.0 && max_delay_time < 180.0) {
            return Err(js_error(&Error::not_supported(format!(
                "The max delay time provided ({max_delay_time}) is outside the range (0, 180)."
            ))));
        }
        let n = guard(|| self.ctx.create_delay(max_delay_time))?;
        Ok(self.add(Node::Delay(n)))
    }

    /// `createStereoPanner()`.
    #[napi]
    pub fn create_stereo_panner(&self) -> u32 {
        let n = self.ctx.create_stereo_panner();
        self.add(Node::StereoPanner(n))
    }

    /// `createChannelSplitter(n)` / `createChannelMerger(n)` (IndexSizeError outside 1..=32).
    #[napi]
    pub fn create_channel_router(&self, merger: bool, channels: u32) -> napi::Result<u32> {
        if !(1..=32).contains(&channels) {
            return Err(js_error(&Error::index_size(format!(
                "The number of channels provided ({channels}) is outside the range [1, 32]."
            ))));
        }
        let n = channels as usize;
        Ok(if merger {
            let node = guard(|| self.ctx.create_channel_merger(n))?;
            self.add(Node::Merger(node))
        } else {
            let node = guard(|| self.ctx.create_channel_splitter(n))?;
            self.add(Node::Splitter(node))
        })
    }

    /// `createMediaStreamSource(stream)`: the audio track whose id sorts first
    /// (InvalidStateError when there is none).
    #[napi]
    pub fn create_media_stream_source(&self, stream: &NativeStream) -> napi::Result<u32> {
        let s = js(mediacapture_webaudio::media_stream(
            &stream.s.get_tracks(),
            self.ctx.sample_rate(),
        ))?;
        let n = guard(|| self.ctx.create_media_stream_source(&s))?;
        Ok(self.add(Node::StreamSource(n)))
    }

    /// `createMediaStreamTrackSource(track)` (InvalidStateError for a video track).
    #[napi]
    pub fn create_media_stream_track_source(&self, track: &NativeTrack) -> napi::Result<u32> {
        let t = js(mediacapture_webaudio::media_stream_track(
            &track.t,
            self.ctx.sample_rate(),
        ))?;
        let n = guard(|| self.ctx.create_media_stream_track_source(&t))?;
        Ok(self.add(Node::TrackSource(n)))
    }

    /// `createMediaStreamDestination({channelCount})`: the node's index; its stream is
    /// [`NativeAudioContext::destination_stream`].
    #[napi]
    pub fn create_media_stream_destination(&self, channel_count: u32) -> napi::Result<u32> {
        let d = js(TrackDestination::new(&self.ctx, channel_count as usize))?;
        Ok(self.add(Node::Destination(d)))
    }

    /// The `stream` of a `createMediaStreamDestination()` node.
    #[napi]
    pub fn destination_stream(&self, id: u32) -> napi::Result<NativeStream> {
        self.with(id, |n| match n {
            Node::Destination(d) => Ok(NativeStream::from(d.stream().clone())),
            _ => Err(type_error("not a MediaStreamAudioDestinationNode")),
        })
    }

    // ---- AudioNode

    /// `connect(destination, output, input)` to a node (`DESTINATION` for `destination`).
    #[napi]
    pub fn connect(&self, from: u32, to: u32, output: u32, input: u32) -> napi::Result<()> {
        if to == DESTINATION {
            self.speaker()?;
        }
        // Both nodes are looked up under one lock: take the destination node first.
        let speaker = crate::lock(&self.speaker);
        let nodes = crate::lock(&self.nodes);
        let get = |id: u32| -> napi::Result<&dyn AudioNode> {
            if id == DESTINATION {
                return speaker
                    .as_ref()
                    .map(|s| s.output.node() as &dyn AudioNode)
                    .ok_or_else(|| js_error(&Error::invalid_state("the context is closed")));
            }
            nodes
                .get(id as usize)
                .and_then(Option::as_ref)
                .map(Node::audio_node)
                .ok_or_else(|| js_error(&Error::invalid_state("the node is gone")))
        };
        let (a, b) = (get(from)?, get(to)?);
        guard(|| {
            a.connect_from_output_to_input(b, output as usize, input as usize);
        })
    }

    /// `connect(param, output)`: node `from` into AudioParam `name` of node `to`.
    #[napi]
    pub fn connect_param(&self, from: u32, to: u32, name: String, output: u32) -> napi::Result<()> {
        let nodes = crate::lock(&self.nodes);
        let node = |id: u32| nodes.get(id as usize).and_then(Option::as_ref);
        let (Some(a), Some(b)) = (node(from), node(to)) else {
            return Err(js_error(&Error::invalid_state("the node is gone")));
        };
        let Some(p) = b.param(&name) else {
            return Err(type_error(format!("no AudioParam {name}")));
        };
        guard(|| {
            a.audio_node()
                .connect_from_output_to_input(p, output as usize, 0);
        })
    }

    /// `disconnect()`, `disconnect(output)`, `disconnect(destination[, output[, input]])`
    /// (`to` a node index, or with `param` one of its AudioParams).
    #[napi]
    pub fn disconnect(
        &self,
        from: u32,
        to: Option<u32>,
        param: Option<String>,
        output: Option<u32>,
        input: Option<u32>,
    ) -> napi::Result<()> {
        let speaker = crate::lock(&self.speaker);
        let nodes = crate::lock(&self.nodes);
        let get = |id: u32| -> napi::Result<&dyn AudioNode> {
            if id == DESTINATION {
                return speaker
                    .as_ref()
                    .map(|s| s.output.node() as &dyn AudioNode)
                    .ok_or_else(|| {
                        js_error(&Error::new(
                            mediacapture::ErrorKind::InvalidAccessError,
                            "the destination is not connected",
                        ))
                    });
            }
            nodes
                .get(id as usize)
                .and_then(Option::as_ref)
                .map(Node::audio_node)
                .ok_or_else(|| js_error(&Error::invalid_state("the node is gone")))
        };
        let a = get(from)?;
        let Some(to) = to else {
            return guard(|| match output {
                None => a.disconnect(),
                Some(o) => a.disconnect_output(o as usize),
            });
        };
        let b: &dyn AudioNode = match &param {
            None => get(to)?,
            Some(name) => nodes
                .get(to as usize)
                .and_then(Option::as_ref)
                .and_then(|n| n.param(name))
                .map(|p| p as &dyn AudioNode)
                .ok_or_else(|| type_error(format!("no AudioParam {name}")))?,
        };
        guard(|| match (output, input) {
            (None, _) => a.disconnect_dest(b),
            (Some(o), None) => a.disconnect_dest_from_output(b, o as usize),
            (Some(o), Some(i)) => a.disconnect_dest_from_output_to_input(b, o as usize, i as usize),
        })
    }

    /// `numberOfInputs`, `numberOfOutputs`, `channelCount`, `channelCountMode`,
    /// `channelInterpretation` of a node, as JSON.
    #[napi]
    pub fn node_info(&self, id: u32) -> napi::Result<String> {
        self.with_audio_node(id, |n| {
            let mode = match n.channel_count_mode() {
                ChannelCountMode::Max => "max",
                ChannelCountMode::ClampedMax => "clamped-max",
                ChannelCountMode::Explicit => "explicit",
            };
            let interp = match n.channel_interpretation() {
                ChannelInterpretation::Speakers => "speakers",
                ChannelInterpretation::Discrete => "discrete",
            };
            serde_json::json!({
                "numberOfInputs": n.number_of_inputs(),
                "numberOfOutputs": n.number_of_outputs(),
                "channelCount": n.channel_count(),
                "channelCountMode": mode,
                "channelInterpretation": interp,
            })
            .to_string()
        })
    }

    /// Sets `channelCount` (NotSupportedError outside what the node takes).
    #[napi]
    pub fn set_channel_count(&self, id: u32, count: u32) -> napi::Result<()> {
        if count == 0 || count > 32 {
            return Err(js_error(&Error::not_supported(format!(
                "The channel count provided ({count}) is outside the range [1, 32]."
            ))));
        }
        self.with_audio_node(id, |n| n.set_channel_count(count as usize))
    }

    /// Sets `channelCountMode` / `channelInterpretation`.
    #[napi]
    pub fn set_channel_option(&self, id: u32, name: String, value: String) -> napi::Result<()> {
        if name == "channelCountMode" {
            let m = count_mode(&value)?;
            self.with_audio_node(id, |n| n.set_channel_count_mode(m))
        } else {
            let i = interpretation(&value)?;
            self.with_audio_node(id, |n| n.set_channel_interpretation(i))
        }
    }
}

mod nodes;
