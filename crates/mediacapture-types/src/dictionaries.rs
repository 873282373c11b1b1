//! Output dictionaries: `MediaTrackSettings`, `MediaTrackCapabilities`,
//! `MediaTrackSupportedConstraints`, `MediaDeviceInfo`. They serialize to exactly what a
//! browser's `getSettings()`, `getCapabilities()`, `getSupportedConstraints()` and
//! `MediaDeviceInfo.toJSON()` return: members that do not exist are omitted.

use crate::enums::{
    CursorCaptureConstraint, DisplayCaptureSurfaceType, EchoCancellation, MediaDeviceKind,
    VideoFacingModeEnum, VideoResizeModeEnum,
};
use serde::{Deserialize, Serialize};

/// `ULongRange`: `{max, min}`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-ulongrange>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ULongRange {
    /// Largest value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max: Option<u32>,
    /// Smallest value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min: Option<u32>,
}

impl ULongRange {
    /// `{min, max}`.
    pub fn new(min: u32, max: u32) -> Self {
        Self {
            max: Some(max),
            min: Some(min),
        }
    }
}

/// `DoubleRange`: `{max, min}`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-doublerange>
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct DoubleRange {
    /// Largest value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max: Option<f64>,
    /// Smallest value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min: Option<f64>,
}

impl DoubleRange {
    /// `{min, max}`.
    pub fn new(min: f64, max: f64) -> Self {
        Self {
            max: Some(max),
            min: Some(min),
        }
    }
}

/// One setting's value, for generic comparison with constraints.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    /// A numeric setting (`unsigned long` or `double`).
    Number(f64),
    /// A string or enum setting.
    String(String),
    /// A boolean setting.
    Bool(bool),
}

/// `MediaTrackSettings` (with the screen-capture additions): the current value of each
/// constrainable property of a track. Properties that do not exist are `None` and are
/// omitted from JSON.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediatracksettings>
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaTrackSettings {
    /// `width` in pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// `height` in pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// `aspectRatio`: width / height rounded to 10 decimal places.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<f64>,
    /// `frameRate`: the configured (possibly decimated) rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    /// `facingMode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facing_mode: Option<VideoFacingModeEnum>,
    /// `resizeMode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resize_mode: Option<VideoResizeModeEnum>,
    /// `sampleRate` in Hz.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    /// `sampleSize` in bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_size: Option<u32>,
    /// `echoCancellation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub echo_cancellation: Option<EchoCancellation>,
    /// `autoGainControl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_gain_control: Option<bool>,
    /// `noiseSuppression`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise_suppression: Option<bool>,
    /// `latency` in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<f64>,
    /// `channelCount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_count: Option<u32>,
    /// `deviceId` (the origin-specific id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// `groupId` (the origin-specific id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// `backgroundBlur`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_blur: Option<bool>,
    /// `displaySurface` (display capture).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_surface: Option<DisplayCaptureSurfaceType>,
    /// `logicalSurface` (display capture).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logical_surface: Option<bool>,
    /// `cursor` (display capture).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<CursorCaptureConstraint>,
    /// `restrictOwnAudio` (display audio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restrict_own_audio: Option<bool>,
    /// `suppressLocalAudioPlayback` (display audio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppress_local_audio_playback: Option<bool>,
    /// `voiceIsolation` (audio; mediacapture-extensions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_isolation: Option<bool>,
}

impl MediaTrackSettings {
    /// The value of the property named `name` (IDL spelling), `None` when it does not exist.
    pub fn get(&self, name: &str) -> Option<SettingValue> {
        use SettingValue as V;
        let num = |x: Option<u32>| x.map(|x| V::Number(f64::from(x)));
        match name {
            "width" => num(self.width),
            "height" => num(self.height),
            "aspectRatio" => self.aspect_ratio.map(V::Number),
            "frameRate" => self.frame_rate.map(V::Number),
            "facingMode" => self.facing_mode.map(|v| V::String(v.as_str().into())),
            "resizeMode" => self.resize_mode.map(|v| V::String(v.as_str().into())),
            "sampleRate" => num(self.sample_rate),
            "sampleSize" => num(self.sample_size),
            "echoCancellation" => self.echo_cancellation.map(|v| match v {
                EchoCancellation::Bool(b) => V::Bool(b),
                EchoCancellation::Mode(m) => V::String(m.as_str().into()),
            }),
            "autoGainControl" => self.auto_gain_control.map(V::Bool),
            "noiseSuppression" => self.noise_suppression.map(V::Bool),
            "latency" => self.latency.map(V::Number),
            "channelCount" => num(self.channel_count),
            "deviceId" => self.device_id.clone().map(V::String),
            "groupId" => self.group_id.clone().map(V::String),
            "backgroundBlur" => self.background_blur.map(V::Bool),
            "displaySurface" => self.display_surface.map(|v| V::String(v.as_str().into())),
            "logicalSurface" => self.logical_surface.map(V::Bool),
            "cursor" => self.cursor.map(|v| V::String(v.as_str().into())),
            "restrictOwnAudio" => self.restrict_own_audio.map(V::Bool),
            "suppressLocalAudioPlayback" => self.suppress_local_audio_playback.map(V::Bool),
            "voiceIsolation" => self.voice_isolation.map(V::Bool),
            _ => None,
        }
    }

    /// Only the *inherent constrainable track properties* (deviceId, groupId, facingMode):
    /// what `getSettings()` returns on an ended track.
    pub fn inherent(&self) -> Self {
        Self {
            device_id: self.device_id.clone(),
            group_id: self.group_id.clone(),
            facing_mode: self.facing_mode,
            ..Self::default()
        }
    }
}

/// `MediaTrackCapabilities` (with the screen-capture additions): the range or set of values
/// each property of a track can take. Absent properties are omitted from JSON.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediatrackcapabilities>
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaTrackCapabilities {
    /// `width`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<ULongRange>,
    /// `height`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<ULongRange>,
    /// `aspectRatio`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<DoubleRange>,
    /// `frameRate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<DoubleRange>,
    /// `facingMode` (empty when unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facing_mode: Option<Vec<VideoFacingModeEnum>>,
    /// `resizeMode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resize_mode: Option<Vec<VideoResizeModeEnum>>,
    /// `sampleRate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<ULongRange>,
    /// `sampleSize`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_size: Option<ULongRange>,
    /// `echoCancellation` (booleans first, then modes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub echo_cancellation: Option<Vec<EchoCancellation>>,
    /// `autoGainControl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_gain_control: Option<Vec<bool>>,
    /// `noiseSuppression`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise_suppression: Option<Vec<bool>>,
    /// `latency`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<DoubleRange>,
    /// `channelCount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_count: Option<ULongRange>,
    /// `deviceId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// `groupId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// `backgroundBlur`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_blur: Option<Vec<bool>>,
    /// `displaySurface` (the lone current value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_surface: Option<DisplayCaptureSurfaceType>,
    /// `logicalSurface` (the lone current value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logical_surface: Option<bool>,
    /// `cursor` (the supported values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Vec<CursorCaptureConstraint>>,
    /// `voiceIsolation` (audio; mediacapture-extensions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_isolation: Option<Vec<bool>>,
}

/// `MediaTrackSupportedConstraints`: `true` for every constrainable property the
/// implementation recognizes; unrecognized ones are omitted from JSON.
/// [`Default`] is what this implementation supports (every member `true`).
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediatracksupportedconstraints>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaTrackSupportedConstraints {
    /// `width`.
    #[serde(skip_serializing_if = "is_false")]
    pub width: bool,
    /// `height`.
    #[serde(skip_serializing_if = "is_false")]
    pub height: bool,
    /// `aspectRatio`.
    #[serde(skip_serializing_if = "is_false")]
    pub aspect_ratio: bool,
    /// `frameRate`.
    #[serde(skip_serializing_if = "is_false")]
    pub frame_rate: bool,
    /// `facingMode`.
    #[serde(skip_serializing_if = "is_false")]
    pub facing_mode: bool,
    /// `resizeMode`.
    #[serde(skip_serializing_if = "is_false")]
    pub resize_mode: bool,
    /// `sampleRate`.
    #[serde(skip_serializing_if = "is_false")]
    pub sample_rate: bool,
    /// `sampleSize`.
    #[serde(skip_serializing_if = "is_false")]
    pub sample_size: bool,
    /// `echoCancellation`.
    #[serde(skip_serializing_if = "is_false")]
    pub echo_cancellation: bool,
    /// `autoGainControl`.
    #[serde(skip_serializing_if = "is_false")]
    pub auto_gain_control: bool,
    /// `noiseSuppression`.
    #[serde(skip_serializing_if = "is_false")]
    pub noise_suppression: bool,
    /// `latency`.
    #[serde(skip_serializing_if = "is_false")]
    pub latency: bool,
    /// `channelCount`.
    #[serde(skip_serializing_if = "is_false")]
    pub channel_count: bool,
    /// `deviceId`.
    #[serde(skip_serializing_if = "is_false")]
    pub device_id: bool,
    /// `groupId`.
    #[serde(skip_serializing_if = "is_false")]
    pub group_id: bool,
    /// `backgroundBlur`.
    #[serde(skip_serializing_if = "is_false")]
    pub background_blur: bool,
    /// `displaySurface`.
    #[serde(skip_serializing_if = "is_false")]
    pub display_surface: bool,
    /// `logicalSurface`.
    #[serde(skip_serializing_if = "is_false")]
    pub logical_surface: bool,
    /// `cursor`.
    #[serde(skip_serializing_if = "is_false")]
    pub cursor: bool,
    /// `restrictOwnAudio`.
    #[serde(skip_serializing_if = "is_false")]
    pub restrict_own_audio: bool,
    /// `suppressLocalAudioPlayback`.
    #[serde(skip_serializing_if = "is_false")]
    pub suppress_local_audio_playback: bool,
    /// `voiceIsolation` (mediacapture-extensions).
    #[serde(skip_serializing_if = "is_false")]
    pub voice_isolation: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Default for MediaTrackSupportedConstraints {
    fn default() -> Self {
        Self {
            width: true,
            height: true,
            aspect_ratio: true,
            frame_rate: true,
            facing_mode: true,
            resize_mode: true,
            sample_rate: true,
            sample_size: true,
            echo_cancellation: true,
            auto_gain_control: true,
            noise_suppression: true,
            latency: true,
            channel_count: true,
            device_id: true,
            group_id: true,
            background_blur: true,
            display_surface: true,
            logical_surface: true,
            cursor: true,
            restrict_own_audio: true,
            suppress_local_audio_playback: true,
            voice_isolation: true,
        }
    }
}

impl MediaTrackSupportedConstraints {
    /// Whether the property named `name` (IDL spelling) is supported.
    pub fn supports(&self, name: &str) -> bool {
        match name {
            "width" => self.width,
            "height" => self.height,
            "aspectRatio" => self.aspect_ratio,
            "frameRate" => self.frame_rate,
            "facingMode" => self.facing_mode,
            "resizeMode" => self.resize_mode,
            "sampleRate" => self.sample_rate,
            "sampleSize" => self.sample_size,
            "echoCancellation" => self.echo_cancellation,
            "autoGainControl" => self.auto_gain_control,
            "noiseSuppression" => self.noise_suppression,
            "latency" => self.latency,
            "channelCount" => self.channel_count,
            "deviceId" => self.device_id,
            "groupId" => self.group_id,
            "backgroundBlur" => self.background_blur,
            "displaySurface" => self.display_surface,
            "logicalSurface" => self.logical_surface,
            "cursor" => self.cursor,
            "restrictOwnAudio" => self.restrict_own_audio,
            "suppressLocalAudioPlayback" => self.suppress_local_audio_playback,
            "voiceIsolation" => self.voice_isolation,
            _ => false,
        }
    }
}

/// `MediaDeviceInfo`; serializes like its `toJSON()`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#device-info>
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaDeviceInfo {
    /// The origin-specific device id (`""` before permission).
    pub device_id: String,
    /// `audioinput`, `audiooutput` or `videoinput`.
    pub kind: MediaDeviceKind,
    /// A human-readable label (`""` before permission).
    pub label: String,
    /// The origin-specific group id (`""` before permission).
    pub group_id: String,
}

/// `InputDeviceInfo`: a [`MediaDeviceInfo`] of an input device plus what
/// `getCapabilities()` returns for it (`{}` when its information is not exposed).
/// Serializes like `toJSON()` (the four `MediaDeviceInfo` members).
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-inputdeviceinfo>
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputDeviceInfo {
    /// The `MediaDeviceInfo` members.
    #[serde(flatten)]
    pub info: MediaDeviceInfo,
    /// `getCapabilities()`.
    #[serde(skip)]
    pub capabilities: MediaTrackCapabilities,
}
