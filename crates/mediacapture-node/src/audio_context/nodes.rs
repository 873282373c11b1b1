//! The members of particular nodes: AudioParams, scheduled sources (`start`/`stop`),
//! `OscillatorNode.type`, `BiquadFilterNode.type` and `AnalyserNode`.

use super::{NativeAudioContext, Node, guard};
use crate::errors::{js_error, type_error};
use mediacapture::Error;
use napi::bindgen_prelude::{Float32Array, Uint8Array};
use napi_derive::napi;
use web_audio_api::node::{AudioScheduledSourceNode, BiquadFilterType, OscillatorType};

const OSCILLATOR_TYPES: [(&str, OscillatorType); 5] = [
    ("sine", OscillatorType::Sine),
    ("square", OscillatorType::Square),
    ("sawtooth", OscillatorType::Sawtooth),
    ("triangle", OscillatorType::Triangle),
    ("custom", OscillatorType::Custom),
];

const BIQUAD_TYPES: [(&str, BiquadFilterType); 8] = [
    ("lowpass", BiquadFilterType::Lowpass),
    ("highpass", BiquadFilterType::Highpass),
    ("bandpass", BiquadFilterType::Bandpass),
    ("lowshelf", BiquadFilterType::Lowshelf),
    ("highshelf", BiquadFilterType::Highshelf),
    ("peaking", BiquadFilterType::Peaking),
    ("notch", BiquadFilterType::Notch),
    ("allpass", BiquadFilterType::Allpass),
];

fn not_a(what: &str) -> napi::Error {
    type_error(format!("Illegal invocation: not a {what}"))
}

#[napi]
impl NativeAudioContext {
    // ---- AudioParam

    /// An AudioParam's `value`, `defaultValue`, `minValue`, `maxValue` as JSON.
    #[napi]
    pub fn param_info(&self, id: u32, name: String) -> napi::Result<String> {
        self.with(id, |n| {
            let p = n
                .param(&name)
                .ok_or_else(|| type_error(format!("no AudioParam {name}")))?;
            Ok(serde_json::json!({
                "value": p.value(),
                "defaultValue": p.default_value(),
                "minValue": p.min_value(),
                "maxValue": p.max_value(),
            })
            .to_string())
        })
    }

    /// An AudioParam method: `setValue` (the `value` setter), `setValueAtTime`,
    /// `linearRampToValueAtTime`, `exponentialRampToValueAtTime`, `setTargetAtTime`,
    /// `cancelScheduledValues`, `cancelAndHoldAtTime`, `setValueCurveAtTime` (`args`:
    /// the curve's values, then start time and duration). RangeError for times and values
    /// the Web Audio API refuses.
    ///
    /// Spec: <https://webaudio.github.io/web-audio-api/#AudioParam>
    #[napi]
    pub fn param_call(
        &self,
        id: u32,
        name: String,
        method: String,
        args: Vec<f64>,
    ) -> napi::Result<()> {
        self.with(id, |n| {
            let p = n
                .param(&name)
                .ok_or_else(|| type_error(format!("no AudioParam {name}")))?;
            let a = |i: usize| args.get(i).copied().unwrap_or(0.0);
            guard(|| {
                match method.as_str() {
                    "setValue" => {
                        p.set_value(a(0) as f32);
                    }
                    "setValueAtTime" => {
                        p.set_value_at_time(a(0) as f32, a(1));
                    }
                    "linearRampToValueAtTime" => {
                        p.linear_ramp_to_value_at_time(a(0) as f32, a(1));
                    }
                    "exponentialRampToValueAtTime" => {
                        p.exponential_ramp_to_value_at_time(a(0) as f32, a(1));
                    }
                    "setTargetAtTime" => {
                        p.set_target_at_time(a(0) as f32, a(1), a(2));
                    }
                    "cancelScheduledValues" => {
                        p.cancel_scheduled_values(a(0));
                    }
                    "cancelAndHoldAtTime" => {
                        p.cancel_and_hold_at_time(a(0));
                    }
                    "setValueCurveAtTime" => {
                        let k = args.len().saturating_sub(2);
                        let values: Vec<f32> = args[..k].iter().map(|v| *v as f32).collect();
                        p.set_value_curve_at_time(&values, a(k), a(k + 1));
                    }
                    _ => return Err(type_error(format!("no AudioParam method {method}"))),
                }
                Ok(())
            })?
        })
    }

    // ---- AudioScheduledSourceNode

    /// `start(when)` / `stop(when)` of a scheduled source (InvalidStateError when started
    /// twice or stopped before it starts; RangeError for a negative time).
    ///
    /// Spec: <https://webaudio.github.io/web-audio-api/#AudioScheduledSourceNode>
    #[napi]
    pub fn schedule(&self, id: u32, start: bool, when: f64) -> napi::Result<()> {
        if when < 0.0 || !when.is_finite() {
            return Err(js_error(&Error::range_error(format!(
                "The time provided ({when}) is less than the minimum bound (0)."
            ))));
        }
        self.with(id, |n| {
            guard(|| match (n, start) {
                (Node::Oscillator(o), true) => o.start_at(when),
                (Node::Oscillator(o), false) => o.stop_at(when),
                (Node::ConstantSource(o), true) => o.start_at(when),
                (Node::ConstantSource(o), false) => o.stop_at(when),
                _ => {}
            })
        })
    }

    // ---- OscillatorNode.type, BiquadFilterNode.type

    /// The `type` of an oscillator or a biquad filter.
    #[napi]
    pub fn node_type(&self, id: u32) -> napi::Result<String> {
        self.with(id, |n| match n {
            Node::Oscillator(o) => {
                let t = o.type_();
                Ok(OSCILLATOR_TYPES
                    .iter()
                    .find(|(_, v)| *v == t)
                    .map_or("sine", |(s, _)| s)
                    .to_string())
            }
            Node::Biquad(b) => {
                let t = b.type_();
                Ok(BIQUAD_TYPES
                    .iter()
                    .find(|(_, v)| *v == t)
                    .map_or("lowpass", |(s, _)| s)
                    .to_string())
            }
            _ => Err(not_a("node with a type")),
        })
    }

    /// Sets the `type` of an oscillator (`"custom"`: InvalidStateError, as only
    /// setPeriodicWave may choose it) or a biquad filter. An unknown value is ignored, as
    /// WebIDL enumerations are in attribute setters.
    #[napi]
    pub fn set_node_type(&self, id: u32, value: String) -> napi::Result<()> {
        self.with(id, |n| match n {
            Node::Oscillator(o) => {
                if value == "custom" {
                    return Err(js_error(&Error::invalid_state(
                        "'type' cannot be set directly to 'custom'. Use setPeriodicWave() to create a custom Oscillator type.",
                    )));
                }
                if let Some((_, t)) = OSCILLATOR_TYPES.iter().find(|(s, _)| *s == value) {
                    guard(|| o.set_type(*t))?;
                }
                Ok(())
            }
            Node::Biquad(b) => {
                if let Some((_, t)) = BIQUAD_TYPES.iter().find(|(s, _)| *s == value) {
                    guard(|| b.set_type(*t))?;
                }
                Ok(())
            }
            _ => Err(not_a("node with a type")),
        })
    }

    // ---- AnalyserNode

    /// An analyser's `fftSize`, `frequencyBinCount`, `minDecibels`, `maxDecibels`,
    /// `smoothingTimeConstant` as JSON.
    #[napi]
    pub fn analyser_info(&self, id: u32) -> napi::Result<String> {
        self.with(id, |n| match n {
            Node::Analyser(a) => Ok(serde_json::json!({
                "fftSize": a.fft_size(),
                "frequencyBinCount": a.frequency_bin_count(),
                "minDecibels": a.min_decibels(),
                "maxDecibels": a.max_decibels(),
                "smoothingTimeConstant": a.smoothing_time_constant(),
            })
            .to_string()),
            _ => Err(not_a("AnalyserNode")),
        })
    }

    /// Sets an analyser attribute: `fftSize` (IndexSizeError unless a power of two in
    /// 32..=32768), `minDecibels` / `maxDecibels` (IndexSizeError unless min < max),
    /// `smoothingTimeConstant` (IndexSizeError outside 0..=1).
    ///
    /// Spec: <https://webaudio.github.io/web-audio-api/#AnalyserNode>
    #[napi]
    pub fn set_analyser(&self, id: u32, name: String, value: f64) -> napi::Result<()> {
        self.with(id, |n| {
            let Node::Analyser(a) = n else {
                return Err(not_a("AnalyserNode"));
            };
            let bad = |m: String| Err(js_error(&Error::index_size(m)));
            match name.as_str() {
                "fftSize" => {
                    let ok = value.fract() == 0.0 && (32.0..=32768.0).contains(&value) && (value as u32).is_power_of_two();
                    if !ok {
                        return bad(format!("The value provided ({value}) is not a power of two, or is outside the range [32, 32768]."));
                    }
                    guard(|| a.set_fft_size(value as usize))
                }
                "minDecibels" => {
                    if value >= a.max_decibels() {
                        return bad(format!("The minDecibels provided ({value}) is greater than or equal to the maxDecibels ({}).", a.max_decibels()));
                    }
                    guard(|| a.set_min_decibels(value))
                }
                "maxDecibels" => {
                    if value <= a.min_decibels() {
                        return bad(format!("The maxDecibels provided ({value}) is less than or equal to the minDecibels ({}).", a.min_decibels()));
                    }
                    guard(|| a.set_max_decibels(value))
                }
                "smoothingTimeConstant" => {
                    if !(0.0..=1.0).contains(&value) {
                        return bad(format!("The smoothing constant provided ({value}) is outside the range [0, 1]."));
                    }
                    guard(|| a.set_smoothing_time_constant(value))
                }
                _ => Err(type_error(format!("no AnalyserNode attribute {name}"))),
            }
        })
    }

    /// `getFloatFrequencyData` (`time` false) or `getFloatTimeDomainData` (`time` true):
    /// `len` values (the JS layer copies them into the caller's array).
    #[napi]
    pub fn analyser_float(&self, id: u32, time: bool, len: u32) -> napi::Result<Float32Array> {
        self.with(id, |n| {
            let Node::Analyser(a) = n else {
                return Err(not_a("AnalyserNode"));
            };
            let mut buf = vec![0.0f32; len as usize];
            guard(|| {
                if time {
                    a.get_float_time_domain_data(&mut buf);
                } else {
                    a.get_float_frequency_data(&mut buf);
                }
            })?;
            Ok(Float32Array::new(buf))
        })
    }

    /// `getByteFrequencyData` / `getByteTimeDomainData`.
    #[napi]
    pub fn analyser_byte(&self, id: u32, time: bool, len: u32) -> napi::Result<Uint8Array> {
        self.with(id, |n| {
            let Node::Analyser(a) = n else {
                return Err(not_a("AnalyserNode"));
            };
            let mut buf = vec![0u8; len as usize];
            guard(|| {
                if time {
                    a.get_byte_time_domain_data(&mut buf);
                } else {
                    a.get_byte_frequency_data(&mut buf);
                }
            })?;
            Ok(Uint8Array::new(buf))
        })
    }
}
