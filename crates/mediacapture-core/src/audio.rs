//! The audio capability space, as Chromium builds it: every microphone is offered as
//! candidates of two kinds.
//!
//! * **Device** ("unprocessed"): the formats the device opens in, as the backend lists them,
//!   with the device's own processing switches (`[false]` for almost every device). Audio goes
//!   to the track as the device delivers it.
//! * **Processed**: the software audio processing module (WebRTC's, run by `mediacapture`)
//!   on the device's audio: `sampleRate` 48000 whatever the device runs at, `channelCount` 1
//!   or the device's own count, `sampleSize` 16, `latency` 0.01 s, `echoCancellation`
//!   `true` / `"remote-only"` / `false`, `autoGainControl` and `noiseSuppression` free,
//!   `voiceIsolation` `false` (no such processing here). Offered only where
//!   [`DeviceView::audio_processing`] says so (getUserMedia microphones).
//!
//! SelectSettings runs over both kinds. At equal fitness distance (Chromium's order): the
//! echo cancellation mode (`true`, then `"all"`, `"remote-only"`, `false`), then the kind
//! (processed first when processing is on by default, the device's own format first when the
//! constraints turn echo cancellation off), then `autoGainControl` and `noiseSuppression` at
//! their defaults (on exactly when echo cancellation is on by default), then mono, then the
//! backend's order. So `{}` gives 48 kHz mono with every processing on, and
//! `{echoCancellation: false}` the device's native format with none.
//!
//! Chromium: `media_stream_constraints_util_audio.cc` (the processing-based containers) and
//! `media/base/audio_parameters.cc`.

use crate::DeviceView;
use crate::candidates::{Candidate, Targets, rel};
use mediacapture_types::native::{AudioCapabilities, AudioConfig, NativeConfig};
use mediacapture_types::{
    BooleanOrDOMString, ConstrainBooleanOrDOMString, EchoCancellation, EchoCancellationModeEnum,
    MediaTrackConstraintSet, MediaTrackSettings,
};

/// The sample rate of processed audio (Chromium: `WebRtcAudioProcessingSampleRateHz()`).
pub const PROCESSED_SAMPLE_RATE: u32 = 48_000;
/// The sample size of processed audio, in bits (Chromium reports 16 for every kind).
pub const PROCESSED_SAMPLE_SIZE: u32 = 16;
/// The latency of processed audio, in seconds: one 10 ms processing frame.
pub const PROCESSED_LATENCY: f64 = 0.01;

/// The echo cancellation modes the processing module offers: `true` (everything this process
/// plays), `"remote-only"` (what came from peer connections) and `false`. `"all"` (every
/// sound the system plays) needs the system mixer's help and is not offered.
pub const PROCESSED_ECHO_CANCELLATION: [EchoCancellation; 3] = [
    EchoCancellation::Bool(true),
    EchoCancellation::Bool(false),
    EchoCancellation::Mode(EchoCancellationModeEnum::RemoteOnly),
];

/// The software processing a track's audio goes through, as its settings ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SoftwareProcessing {
    /// Echo cancellation: `None` off, else which far end is cancelled.
    pub echo_cancellation: Option<EchoReference>,
    /// Automatic gain control.
    pub auto_gain_control: bool,
    /// Noise suppression.
    pub noise_suppression: bool,
}

/// Which of the sounds this process plays echo cancellation removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EchoReference {
    /// Everything this process plays (`echoCancellation: true`).
    All,
    /// Only what came from peer connections (`"remote-only"`).
    RemoteOnly,
}

impl SoftwareProcessing {
    /// Whether anything is on.
    pub fn is_active(&self) -> bool {
        self.echo_cancellation.is_some() || self.auto_gain_control || self.noise_suppression
    }
}

/// The software processing a track with `settings`, on a source opened in `native`, needs:
/// each processing setting that is on and that the device does not do itself. `None` for a
/// track with none (video, unprocessed audio, or audio the device already processed).
pub fn software_processing(
    settings: &MediaTrackSettings,
    native: &NativeConfig,
) -> Option<SoftwareProcessing> {
    let own = match native {
        NativeConfig::Audio(a) => *a,
        _ => return None,
    };
    let ec = settings.echo_cancellation?;
    let echo_cancellation = if ec == own.echo_cancellation {
        None
    } else {
        match ec {
            EchoCancellation::Bool(false) => None,
            EchoCancellation::Bool(true)
            | EchoCancellation::Mode(EchoCancellationModeEnum::All) => Some(EchoReference::All),
            EchoCancellation::Mode(EchoCancellationModeEnum::RemoteOnly) => {
                Some(EchoReference::RemoteOnly)
            }
        }
    };
    let p = SoftwareProcessing {
        echo_cancellation,
        auto_gain_control: settings.auto_gain_control == Some(true) && !own.auto_gain_control,
        noise_suppression: settings.noise_suppression == Some(true) && !own.noise_suppression,
    };
    p.is_active().then_some(p)
}

/// Chromium's ranking of echo cancellation modes, best first: `true` (the browser decides),
/// `"all"`, `"remote-only"`, `false`.
fn ec_rank(ec: Option<EchoCancellation>) -> f64 {
    match ec {
        Some(EchoCancellation::Bool(true)) => 0.0,
        Some(EchoCancellation::Mode(EchoCancellationModeEnum::All)) => 1.0,
        Some(EchoCancellation::Mode(EchoCancellationModeEnum::RemoteOnly)) => 2.0,
        Some(EchoCancellation::Bool(false)) | None => 3.0,
    }
}

fn ec_value(v: &BooleanOrDOMString) -> Option<EchoCancellation> {
    match v {
        BooleanOrDOMString::Bool(b) => Some(EchoCancellation::Bool(*b)),
        BooleanOrDOMString::String(s) => {
            EchoCancellationModeEnum::from_idl(s).map(EchoCancellation::Mode)
        }
    }
}

/// The ideal `echoCancellation` of a basic constraint set (a bare value is ideal there);
/// `Some(None)` for an ideal that is no echo cancellation value at all.
fn ideal_ec(basic: &MediaTrackConstraintSet) -> Option<Option<EchoCancellation>> {
    match basic.echo_cancellation.as_ref()? {
        ConstrainBooleanOrDOMString::Bool(b) => Some(Some(EchoCancellation::Bool(*b))),
        ConstrainBooleanOrDOMString::String(s) => {
            Some(ec_value(&BooleanOrDOMString::String(s.clone())))
        }
        ConstrainBooleanOrDOMString::Params(p) => p.ideal.as_ref().map(ec_value),
    }
}

/// Whether processing is on by default (Chromium's `GetDefaultValueForAudioProperties` for
/// the processed kind), once the required constraints and the advanced sets have narrowed
/// the candidates to `alive`: the ideal echo cancellation value of the basic set when a
/// candidate still has it, else whether any candidate still has echo cancellation on (the
/// processed kind's, or the device's own). `autoGainControl` and `noiseSuppression` default to this, and it decides
/// which kind wins a tie.
pub(crate) fn processing_by_default<'a>(
    alive: impl Iterator<Item = &'a Candidate>,
    basic: &MediaTrackConstraintSet,
) -> bool {
    let allowed: Vec<EchoCancellation> = alive
        .filter(|c| c.audio.is_some())
        .filter_map(|c| c.settings.echo_cancellation)
        .collect();
    match ideal_ec(basic) {
        Some(Some(i)) if allowed.contains(&i) => i != EchoCancellation::Bool(false),
        _ => allowed.iter().any(|v| *v != EchoCancellation::Bool(false)),
    }
}

/// The tie-break key of `c` when processing is on by default or not.
pub(crate) fn tie(c: &Candidate, processing: bool) -> [f64; 6] {
    let mut t = c.tie;
    if let Some(a) = c.audio {
        t[1] = kind_rank(a.kind, processing);
        t[2] = off_default(c.settings.auto_gain_control, processing)
            + off_default(c.settings.noise_suppression, processing);
    }
    t
}

/// What the audio tie-break needs to know about a candidate beyond its settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AudioTraits {
    kind: Kind,
}

fn opts<T: Copy>(l: &[T]) -> Vec<Option<T>> {
    if l.is_empty() {
        vec![None]
    } else {
        l.iter().copied().map(Some).collect()
    }
}

fn pos<T: PartialEq>(l: &[T], v: Option<T>) -> f64 {
    v.and_then(|v| l.iter().position(|x| *x == v)).unwrap_or(0) as f64
}

/// Tie-break weight of a processing switch that is not at its default.
fn off_default(v: Option<bool>, default: bool) -> f64 {
    match v {
        Some(v) if v != default => 1.0,
        _ => 0.0,
    }
}

/// The kinds, for the tie-break.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// The device's own format, no processing at all.
    Plain,
    /// The device's own format with some of the device's own processing on.
    DeviceProcessed,
    /// The software processing module.
    Processed,
}

/// Chromium's processing priority: with processing on by default the processed kind first,
/// else the unprocessed kind first; the device's own processing in between.
fn kind_rank(kind: Kind, processing: bool) -> f64 {
    match (kind, processing) {
        (Kind::Processed, true) | (Kind::Plain, false) => 0.0,
        (Kind::DeviceProcessed, _) => 1.0,
        (Kind::Processed, false) | (Kind::Plain, true) => 2.0,
    }
}

/// Every candidate settings dictionary of an audio device that the constraints may ask for.
pub(crate) fn audio_candidates(
    dev: &DeviceView<'_>,
    caps: &AudioCapabilities,
    t: &Targets,
) -> Vec<Candidate> {
    let mut out = device_candidates(dev, caps, t);
    if dev.audio_processing {
        out.extend(processed_candidates(dev, caps));
    }
    out
}

fn device_candidates(
    dev: &DeviceView<'_>,
    caps: &AudioCapabilities,
    t: &Targets,
) -> Vec<Candidate> {
    let (lo, hi) = caps.latency;
    let mut latencies: Vec<Option<f64>> = Vec::new();
    if lo.is_finite() && hi.is_finite() && lo <= hi {
        latencies.push(Some(lo));
        for &x in t.latency.iter().chain(std::iter::once(&hi)) {
            let x = x.clamp(lo, hi);
            if !latencies.contains(&Some(x)) {
                latencies.push(Some(x));
            }
        }
    } else {
        latencies.push(None);
    }
    let mut out = Vec::new();
    let mut option = 0;
    for sr in opts(&caps.sample_rates) {
        for cc in opts(&caps.channel_counts) {
            for ss in opts(&caps.sample_sizes) {
                for &lat in &latencies {
                    for ec in opts(&caps.echo_cancellation) {
                        for agc in opts(&caps.auto_gain_control) {
                            for ns in opts(&caps.noise_suppression) {
                                let own = ec.is_some_and(|e| e != EchoCancellation::Bool(false))
                                    || agc == Some(true)
                                    || ns == Some(true);
                                let kind = if own {
                                    Kind::DeviceProcessed
                                } else {
                                    Kind::Plain
                                };
                                let tie = [
                                    ec_rank(ec),
                                    0.0,
                                    0.0,
                                    pos(&caps.sample_rates, sr),
                                    pos(&caps.channel_counts, cc) * 1e3
                                        + pos(&caps.sample_sizes, ss),
                                    lat.map_or(0.0, |l| rel(l, lo)),
                                ];
                                let settings = MediaTrackSettings {
                                    sample_rate: sr,
                                    sample_size: ss,
                                    channel_count: cc,
                                    latency: lat,
                                    echo_cancellation: ec,
                                    auto_gain_control: agc,
                                    noise_suppression: ns,
                                    voice_isolation: Some(false),
                                    device_id: Some(dev.device_id.clone()),
                                    group_id: Some(dev.group_id.clone()),
                                    ..Default::default()
                                };
                                let native = NativeConfig::Audio(AudioConfig {
                                    sample_rate: sr.unwrap_or(0),
                                    channel_count: cc.unwrap_or(0),
                                    sample_size: ss.unwrap_or(0),
                                    latency: lat.unwrap_or(0.0),
                                    echo_cancellation: ec.unwrap_or(EchoCancellation::Bool(false)),
                                    auto_gain_control: agc.unwrap_or(false),
                                    noise_suppression: ns.unwrap_or(false),
                                });
                                out.push(Candidate {
                                    settings,
                                    native,
                                    option,
                                    tie,
                                    audio: Some(AudioTraits { kind }),
                                });
                                option += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// The device's own processing switch to open in under software processing: off when the
/// device can turn it off, else its first value.
fn own_off<T: Copy + PartialEq>(list: &[T], off: T) -> T {
    if list.is_empty() || list.contains(&off) {
        off
    } else {
        list[0]
    }
}

fn processed_candidates(dev: &DeviceView<'_>, caps: &AudioCapabilities) -> Vec<Candidate> {
    let (Some(&rate), Some(&first_channels)) =
        (caps.sample_rates.first(), caps.channel_counts.first())
    else {
        return Vec::new();
    };
    // Chromium: mono always, and the device's own channel count (here: each count above one
    // that the device opens in). The device opens in its preferred format; only the channel
    // count follows a multichannel output.
    let mut outputs: Vec<u32> = vec![1];
    for &c in &caps.channel_counts {
        if c > 1 && !outputs.contains(&c) {
            outputs.push(c);
        }
    }
    let own_ec = own_off(&caps.echo_cancellation, EchoCancellation::Bool(false));
    let own_agc = own_off(&caps.auto_gain_control, false);
    let own_ns = own_off(&caps.noise_suppression, false);
    let mut out = Vec::new();
    for (i, &channels) in outputs.iter().enumerate() {
        let native = NativeConfig::Audio(AudioConfig {
            sample_rate: rate,
            channel_count: if channels == 1 {
                first_channels
            } else {
                channels
            },
            sample_size: caps.sample_sizes.first().copied().unwrap_or(0),
            latency: if caps.latency.0.is_finite() {
                caps.latency.0
            } else {
                0.0
            },
            echo_cancellation: own_ec,
            auto_gain_control: own_agc,
            noise_suppression: own_ns,
        });
        for ec in PROCESSED_ECHO_CANCELLATION {
            for agc in [true, false] {
                for ns in [true, false] {
                    let tie = [ec_rank(Some(ec)), 0.0, 0.0, 0.0, i as f64, 0.0];
                    out.push(Candidate {
                        settings: MediaTrackSettings {
                            sample_rate: Some(PROCESSED_SAMPLE_RATE),
                            sample_size: Some(PROCESSED_SAMPLE_SIZE),
                            channel_count: Some(channels),
                            latency: Some(PROCESSED_LATENCY),
                            echo_cancellation: Some(ec),
                            auto_gain_control: Some(agc),
                            noise_suppression: Some(ns),
                            voice_isolation: Some(false),
                            device_id: Some(dev.device_id.clone()),
                            group_id: Some(dev.group_id.clone()),
                            ..Default::default()
                        },
                        native: native.clone(),
                        option: PROCESSED_OPTION + i,
                        tie,
                        audio: Some(AudioTraits {
                            kind: Kind::Processed,
                        }),
                    });
                }
            }
        }
    }
    out
}

/// Options of processed candidates are numbered from here (after any device option).
const PROCESSED_OPTION: usize = 1 << 20;

/// `getCapabilities()` of a microphone: every value of either kind.
pub(crate) fn audio_capabilities(
    dev: &DeviceView<'_>,
    a: &AudioCapabilities,
) -> mediacapture_types::MediaTrackCapabilities {
    use mediacapture_types::{DoubleRange, ULongRange};
    let processed = dev.audio_processing && !a.sample_rates.is_empty();
    let mut rates = a.sample_rates.clone();
    let mut channels = a.channel_counts.clone();
    let mut sizes = a.sample_sizes.clone();
    let (mut lat_lo, mut lat_hi) = a.latency;
    let mut ec = a.echo_cancellation.clone();
    let mut agc = a.auto_gain_control.clone();
    let mut ns = a.noise_suppression.clone();
    if processed {
        rates.push(PROCESSED_SAMPLE_RATE);
        channels.push(1);
        sizes.push(PROCESSED_SAMPLE_SIZE);
        lat_lo = lat_lo.min(PROCESSED_LATENCY);
        lat_hi = lat_hi.max(PROCESSED_LATENCY);
        ec.extend(PROCESSED_ECHO_CANCELLATION);
        agc.extend([true, false]);
        ns.extend([true, false]);
    }
    let range = |l: &[u32]| {
        Some(ULongRange {
            min: l.iter().copied().min(),
            max: l.iter().copied().max(),
        })
    };
    // Spec: booleans before the modes of EchoCancellationModeEnum.
    ec.sort_by_key(|v| match v {
        EchoCancellation::Bool(true) => 0,
        EchoCancellation::Bool(false) => 1,
        EchoCancellation::Mode(EchoCancellationModeEnum::All) => 2,
        EchoCancellation::Mode(EchoCancellationModeEnum::RemoteOnly) => 3,
    });
    ec.dedup();
    let bools = |mut l: Vec<bool>| {
        l.sort_by_key(|b| !*b);
        l.dedup();
        Some(l)
    };
    mediacapture_types::MediaTrackCapabilities {
        sample_rate: range(&rates),
        sample_size: range(&sizes),
        channel_count: range(&channels),
        latency: Some(DoubleRange::new(lat_lo, lat_hi)),
        echo_cancellation: Some(ec),
        auto_gain_control: bools(agc),
        noise_suppression: bools(ns),
        voice_isolation: Some(vec![false]),
        device_id: Some(dev.device_id.clone()),
        group_id: Some(dev.group_id.clone()),
        ..Default::default()
    }
}
