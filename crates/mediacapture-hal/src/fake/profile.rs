//! Fake device profiles: which devices exist and what they can do, from code or JSON.

use mediacapture_frame::PixelFormat;
use mediacapture_types::{
    CursorCaptureConstraint, DisplayCaptureSurfaceType, EchoCancellation, EchoCancellationModeEnum,
    Error, Result, VideoFacingModeEnum,
};
use serde_json::{Map, Value};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use super::limits;

/// The kind of a fake device, as spelled in a profile's `kind` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FakeDeviceKind {
    /// `"videoinput"`: a camera.
    VideoInput,
    /// `"audioinput"`: a microphone.
    AudioInput,
    /// `"audiooutput"`: a speaker (listed, never captured).
    AudioOutput,
    /// `"screen"`: a display surface for getDisplayMedia.
    Screen,
    /// `"systemaudio"`: the system's audio output as a capture source, for getDisplayMedia
    /// with audio ([`Backend::system_audio`](crate::Backend::system_audio)); never listed
    /// by [`Backend::devices`](crate::Backend::devices). Only the first one of a profile is
    /// used. It plays a steady [`SYSTEM_AUDIO_HZ`](super::SYSTEM_AUDIO_HZ) tone (or its
    /// `file`) and takes the microphone members.
    SystemAudio,
}

impl FakeDeviceKind {
    /// The profile spelling of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            FakeDeviceKind::VideoInput => "videoinput",
            FakeDeviceKind::AudioInput => "audioinput",
            FakeDeviceKind::AudioOutput => "audiooutput",
            FakeDeviceKind::Screen => "screen",
            FakeDeviceKind::SystemAudio => "systemaudio",
        }
    }

    fn from_str(s: &str) -> Option<Self> {
        Some(match s {
            "videoinput" => FakeDeviceKind::VideoInput,
            "audioinput" => FakeDeviceKind::AudioInput,
            "audiooutput" => FakeDeviceKind::AudioOutput,
            "screen" => FakeDeviceKind::Screen,
            "systemaudio" => FakeDeviceKind::SystemAudio,
            _ => return None,
        })
    }
}

/// One native mode of a fake camera.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FakeVideoMode {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second.
    pub frame_rate: f64,
    /// The pixel format frames are delivered in (I420, NV12, YUYV, BGRA or MJPEG).
    pub pixel_format: PixelFormat,
}

impl FakeVideoMode {
    /// An I420 mode.
    pub fn new(width: u32, height: u32, frame_rate: f64) -> Self {
        FakeVideoMode {
            width,
            height,
            frame_rate,
            pixel_format: PixelFormat::I420,
        }
    }
}

/// Scripted faults of a fake device.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaultScript {
    /// `disconnectAfterMs`: the device disappears this long after it was added to the
    /// backend (at [`FakeBackend::new`](super::FakeBackend::new) for profile devices): open
    /// sources of it end with a `NotFoundError` and the device-change watchers are called.
    pub disconnect_after_ms: Option<u64>,
    /// `muteAfterMs`: each open source of the device stops delivering this long after it was
    /// opened (`SourceEvent::Muted`) ...
    pub mute_after_ms: Option<u64>,
    /// `muteForMs`: ... and resumes after this long (`SourceEvent::Unmuted`). Without it the
    /// source stays muted.
    pub mute_for_ms: Option<u64>,
}

/// One fake device. Members that do not apply to its kind are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSpec {
    /// What kind of device this is.
    pub kind: FakeDeviceKind,
    /// The raw id (`id`); `None` derives a stable one from the kind and index,
    /// e.g. `"fake:videoinput:0"`.
    pub id: Option<String>,
    /// The raw group id (`groupId`); `None` uses the raw id (a device of its own).
    pub group_id: Option<String>,
    /// The label.
    pub label: String,
    /// `isDefault`: the system default of its kind.
    pub is_default: bool,
    /// Camera: `facingMode`.
    pub facing_mode: Option<VideoFacingModeEnum>,
    /// Camera: native modes, preferred first. Empty with a `file`: one mode taken from the
    /// file's header (I420).
    pub modes: Vec<FakeVideoMode>,
    /// Microphone: `sampleRate` list.
    pub sample_rates: Vec<u32>,
    /// Microphone: `channelCount` list.
    pub channel_counts: Vec<u32>,
    /// Microphone: `sampleSize` list.
    pub sample_sizes: Vec<u32>,
    /// Microphone: `latency` range in seconds (a single number `x` means `(x, x)`).
    pub latency: (f64, f64),
    /// Microphone: `echoCancellation` values.
    pub echo_cancellation: Vec<EchoCancellation>,
    /// Microphone: `autoGainControl` values.
    pub auto_gain_control: Vec<bool>,
    /// Microphone: `noiseSuppression` values.
    pub noise_suppression: Vec<bool>,
    /// Screen: `width`.
    pub width: u32,
    /// Screen: `height`.
    pub height: u32,
    /// Screen: `frameRate` (the most it delivers).
    pub frame_rate: f64,
    /// Screen: `pixelFormat` (default BGRA, like real screen capture).
    pub screen_pixel_format: PixelFormat,
    /// Screen: `displaySurface` (default monitor).
    pub display_surface: DisplayCaptureSurfaceType,
    /// Screen: `cursor` modes (default `["never"]`: the fake screen draws no cursor).
    pub cursor: Vec<CursorCaptureConstraint>,
    /// Camera: a y4m file, microphone or system audio: a wav file, played in a loop instead
    /// of the pattern or tone.
    pub file: Option<PathBuf>,
    /// `busy`: opening fails with `NotReadableError`, as a camera used by another program.
    pub busy: bool,
    /// Scripted faults.
    pub faults: FaultScript,
}

impl DeviceSpec {
    fn base(kind: FakeDeviceKind, label: &str) -> Self {
        DeviceSpec {
            kind,
            id: None,
            group_id: None,
            label: label.to_owned(),
            is_default: false,
            facing_mode: None,
            modes: Vec::new(),
            sample_rates: vec![48000],
            channel_counts: vec![1, 2],
            sample_sizes: vec![16],
            latency: (0.01, 0.01),
            // The device's own processing: none. Echo cancellation, noise suppression and
            // gain control are done in software by `mediacapture` for every microphone.
            echo_cancellation: vec![EchoCancellation::Bool(false)],
            auto_gain_control: vec![false],
            noise_suppression: vec![false],
            width: 1920,
            height: 1080,
            frame_rate: 30.0,
            screen_pixel_format: PixelFormat::Bgra,
            display_surface: DisplayCaptureSurfaceType::Monitor,
            cursor: vec![CursorCaptureConstraint::Never],
            file: None,
            busy: false,
            faults: FaultScript::default(),
        }
    }

    /// A camera with the default profile's modes: 640x480, 1280x720 and 1920x1080 at 30 fps
    /// and 1280x720 at 60 fps, I420, facing the user.
    pub fn camera(label: &str) -> Self {
        DeviceSpec {
            facing_mode: Some(VideoFacingModeEnum::User),
            modes: vec![
                FakeVideoMode::new(640, 480, 30.0),
                FakeVideoMode::new(1280, 720, 30.0),
                FakeVideoMode::new(1280, 720, 60.0),
                FakeVideoMode::new(1920, 1080, 30.0),
            ],
            ..Self::base(FakeDeviceKind::VideoInput, label)
        }
    }

    /// A microphone: 48 kHz, mono or stereo, 16-bit, 10 ms latency, no processing of its
    /// own (`mediacapture` offers every microphone processed in software as well).
    pub fn microphone(label: &str) -> Self {
        Self::base(FakeDeviceKind::AudioInput, label)
    }

    /// A microphone shaped like Chromium's fake one (`--use-fake-device-for-media-stream`):
    /// 44.1 kHz stereo only, 16-bit, 10 ms latency, no processing of its own. Through
    /// `mediacapture` it then reports what Chromium reports: 48 kHz mono processed by
    /// default, 44.1 kHz stereo with `echoCancellation: false`. With a `file` it plays the
    /// file as what it hears. In a JSON profile: `"sampleRate": [44100], "channelCount": [2]`.
    pub fn chromium_microphone(label: &str) -> Self {
        DeviceSpec {
            sample_rates: vec![44100],
            channel_counts: vec![2],
            ..Self::base(FakeDeviceKind::AudioInput, label)
        }
    }

    /// A system-audio source (what the speakers play, for getDisplayMedia): 48 kHz, stereo or
    /// mono, 16-bit, 10 ms latency, no audio processing (`echoCancellation`,
    /// `autoGainControl` and `noiseSuppression` are `[false]`), like a PulseAudio monitor.
    pub fn system_audio(label: &str) -> Self {
        DeviceSpec {
            channel_counts: vec![2, 1],
            ..Self::base(FakeDeviceKind::SystemAudio, label)
        }
    }

    /// An audio output device.
    pub fn audio_output(label: &str) -> Self {
        Self::base(FakeDeviceKind::AudioOutput, label)
    }

    /// A screen of `width` x `height` delivering up to `frame_rate` frames per second.
    pub fn screen(label: &str, width: u32, height: u32, frame_rate: f64) -> Self {
        DeviceSpec {
            width,
            height,
            frame_rate,
            ..Self::base(FakeDeviceKind::Screen, label)
        }
    }

    /// A window (`displaySurface` "window") of `width` x `height`: a screen spec whose
    /// surface type is a window.
    pub fn window(label: &str, width: u32, height: u32, frame_rate: f64) -> Self {
        DeviceSpec {
            display_surface: DisplayCaptureSurfaceType::Window,
            ..Self::screen(label, width, height, frame_rate)
        }
    }

    /// A browser tab (`displaySurface` "browser") of `width` x `height`.
    pub fn browser_tab(label: &str, width: u32, height: u32, frame_rate: f64) -> Self {
        DeviceSpec {
            display_surface: DisplayCaptureSurfaceType::Browser,
            ..Self::screen(label, width, height, frame_rate)
        }
    }

    /// The same device with raw id `id`.
    pub fn with_id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    /// The same device with raw group id `group_id`.
    pub fn with_group_id(mut self, group_id: &str) -> Self {
        self.group_id = Some(group_id.to_owned());
        self
    }

    /// The same device playing `file` (y4m for a camera, wav for a microphone).
    pub fn with_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Parses one device object of a profile (see [`FakeProfile::from_json`]).
    pub fn from_json(json: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::type_error(format!("fake device: invalid JSON: {e}")))?;
        parse_device(&value, "device", None)
    }
}

/// A fake backend's configuration: its devices, in order.
///
/// The JSON shape (every member but `kind` optional; unknown members are ignored):
///
/// ```json
/// {"devices": [
///   {"kind": "videoinput", "label": "Front Camera", "groupId": "cam", "facingMode": "user",
///    "modes": [{"width": 1280, "height": 720, "frameRate": 30, "pixelFormat": "I420"}],
///    "file": "optional.y4m", "muteAfterMs": 1000, "muteForMs": 500},
///   {"kind": "audioinput", "label": "Mic", "sampleRate": [48000], "channelCount": [1, 2],
///    "sampleSize": [16], "latency": 0.01, "echoCancellation": [true, false],
///    "autoGainControl": [true, false], "noiseSuppression": [true, false],
///    "file": "optional.wav", "disconnectAfterMs": 2000},
///   {"kind": "audiooutput", "label": "Speaker", "isDefault": true},
///   {"kind": "screen", "label": "Screen 1", "width": 1920, "height": 1080, "frameRate": 30},
///   {"kind": "window", "label": "Editor", "width": 1280, "height": 720},
///   {"kind": "browser", "label": "Docs tab"},
///   {"kind": "systemaudio", "label": "System Audio", "sampleRate": [48000]},
///   {"kind": "videoinput", "label": "Busy Camera", "busy": true, "id": "cam-busy"}
/// ]}
/// ```
///
/// A microphone's `echoCancellation`, `autoGainControl` and `noiseSuppression` are the
/// device's *own* processing switches (default `[false]`, as on Chromium's fake microphone);
/// `mediacapture` offers every microphone with its software processing besides.
///
/// `pixelFormat` is one of `I420`, `NV12`, `YUYV`, `BGRA` and, for cameras, `MJPEG` (frames
/// are baseline JPEGs, like a webcam's MJPEG mode). `id` and `groupId` are raw ids
/// (the application sees ids derived from them); by default `id` is derived from the kind and
/// the index among devices of that kind, so it is stable across runs.
///
/// A `window` or `browser` device is a `screen` whose `displaySurface` is "window" or
/// "browser" (default 1280x720, labels "Fake Window" and "Fake Tab"); a `screen` may also
/// name its `displaySurface`.
///
/// A `systemaudio` device is what getDisplayMedia captures as audio; it takes the
/// microphone members (defaults: 48 kHz, `channelCount` `[2, 1]`, no audio processing) and is
/// never enumerated. A profile without one has no system audio: getDisplayMedia then gives
/// video only.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeProfile {
    /// The devices, in enumeration order.
    pub devices: Vec<DeviceSpec>,
}

impl Default for FakeProfile {
    /// One camera (640x480, 1280x720, 1920x1080 at 30 fps, 1280x720 at 60 fps), one
    /// microphone (48 kHz, mono and stereo), one audio output, one 1920x1080 screen and the
    /// system audio ("System Audio", 48 kHz, stereo and mono, a steady 660 Hz tone). A
    /// window or a browser tab to capture: a profile's `window` / `browser` devices.
    fn default() -> Self {
        let mut camera = DeviceSpec::camera("Fake Camera");
        camera.is_default = true;
        let mut mic = DeviceSpec::microphone("Fake Microphone");
        mic.is_default = true;
        let mut out = DeviceSpec::audio_output("Fake Speaker");
        out.is_default = true;
        FakeProfile {
            devices: vec![
                camera,
                mic,
                out,
                DeviceSpec::screen("Fake Screen", 1920, 1080, 30.0),
                DeviceSpec::system_audio("System Audio"),
            ],
        }
    }
}

impl FakeProfile {
    /// A profile with no devices.
    pub fn empty() -> Self {
        FakeProfile {
            devices: Vec::new(),
        }
    }

    /// Parses a JSON profile. Relative `file` paths stay relative to the working directory.
    ///
    /// Errors: `TypeError` naming the bad member, e.g. `devices[0].modes[1].width`.
    pub fn from_json(json: &str) -> Result<Self> {
        Self::parse(json, None)
    }

    /// Reads a JSON profile from `path`. Relative `file` paths are resolved against the
    /// profile's directory.
    ///
    /// Errors: `NotReadableError` when the file cannot be read, `TypeError` for bad contents.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::not_readable(format!("fake profile {}: {e}", path.display())))?;
        Self::parse(&text, path.parent())
    }

    /// The profile `MEDIACAPTURE_FAKE` asks for: `None` when unset, empty or `0`; the default
    /// profile for `1`; otherwise the profile file it names.
    pub fn from_env() -> Result<Option<Self>> {
        match std::env::var_os("MEDIACAPTURE_FAKE") {
            None => Ok(None),
            Some(v) if v.is_empty() || v == "0" => Ok(None),
            Some(v) if v == "1" => Ok(Some(Self::default())),
            Some(path) => Self::from_file(PathBuf::from(path)).map(Some),
        }
    }

    fn parse(json: &str, base: Option<&Path>) -> Result<Self> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::type_error(format!("fake profile: invalid JSON: {e}")))?;
        let obj = value
            .as_object()
            .ok_or_else(|| Error::type_error("fake profile: expected a JSON object"))?;
        let devices = obj
            .get("devices")
            .ok_or_else(|| Error::type_error("fake profile: member `devices` is missing"))?;
        let list = devices
            .as_array()
            .ok_or_else(|| bad("devices", "an array", devices))?;
        let devices = list
            .iter()
            .enumerate()
            .map(|(i, d)| parse_device(d, &format!("devices[{i}]"), base))
            .collect::<Result<Vec<_>>>()?;
        Ok(FakeProfile { devices })
    }
}

fn bad(path: &str, expected: &str, got: &Value) -> Error {
    let mut shown = got.to_string();
    if shown.len() > 40 {
        shown.truncate(40);
        shown.push('…');
    }
    Error::type_error(format!(
        "fake profile: `{path}`: expected {expected}, got {shown}"
    ))
}

struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

impl Obj<'_> {
    fn member(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(bad(&self.member(key), "a string", v)),
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(bad(&self.member(key), "a boolean", v)),
        }
    }

    /// A member parsed by `parse` (which names the member in its error).
    fn parsed<T>(&self, key: &str, parse: impl Fn(&Value, &str) -> Result<T>) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse(v, &self.member(key)).map(Some),
        }
    }

    fn millis(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(ms) if (0.0..1e12).contains(&ms) => Ok(Some(ms as u64)),
                _ => Err(bad(
                    &self.member(key),
                    "a non-negative number of milliseconds",
                    v,
                )),
            },
        }
    }

    /// A list member; a single value is accepted as a one-element list.
    fn list<T>(
        &self,
        key: &str,
        item: impl Fn(&Value, &str) -> Result<T>,
    ) -> Result<Option<Vec<T>>> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let path = self.member(key);
        let out = match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, x)| item(x, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>>>()?,
            single => vec![item(single, &path)?],
        };
        if out.is_empty() {
            return Err(Error::type_error(format!(
                "fake profile: `{path}`: must not be empty"
            )));
        }
        Ok(Some(out))
    }
}

/// A `u32` in `range`, or a TypeError naming `path` and the range.
fn u32_in(v: &Value, path: &str, range: &RangeInclusive<u32>, what: &str) -> Result<u32> {
    v.as_u64()
        .filter(|n| *n >= u64::from(*range.start()) && *n <= u64::from(*range.end()))
        .map(|n| n as u32)
        .ok_or_else(|| {
            bad(
                path,
                &format!("{what} from {} to {}", range.start(), range.end()),
                v,
            )
        })
}

/// A number in `range`, or a TypeError naming `path` and the range.
fn f64_in(v: &Value, path: &str, range: &RangeInclusive<f64>, what: &str) -> Result<f64> {
    v.as_f64().filter(|f| range.contains(f)).ok_or_else(|| {
        bad(
            path,
            &format!("{what} from {} to {}", range.start(), range.end()),
            v,
        )
    })
}

fn sample_rate(v: &Value, path: &str) -> Result<u32> {
    u32_in(v, path, &limits::SAMPLE_RATE, "a sample rate in Hz")
}

fn channel_count(v: &Value, path: &str) -> Result<u32> {
    u32_in(v, path, &limits::CHANNEL_COUNT, "a channel count")
}

fn sample_size(v: &Value, path: &str) -> Result<u32> {
    u32_in(v, path, &limits::SAMPLE_SIZE, "a sample size in bits")
}

fn frame_rate(v: &Value, path: &str) -> Result<f64> {
    f64_in(v, path, &limits::FRAME_RATE, "a frame rate")
}

fn side(v: &Value, path: &str) -> Result<u32> {
    u32_in(v, path, &limits::SIDE, "a size in pixels")
}

fn boolean(v: &Value, path: &str) -> Result<bool> {
    v.as_bool().ok_or_else(|| bad(path, "a boolean", v))
}

fn pixel_format(v: &Value, path: &str, allow: &[PixelFormat]) -> Result<PixelFormat> {
    let f = match v.as_str() {
        Some("I420") => PixelFormat::I420,
        Some("NV12") => PixelFormat::Nv12,
        Some("YUYV") | Some("YUY2") => PixelFormat::Yuyv,
        Some("BGRA") => PixelFormat::Bgra,
        Some("MJPEG") | Some("MJPG") => PixelFormat::Mjpeg,
        _ => {
            return Err(bad(
                path,
                "one of \"I420\", \"NV12\", \"YUYV\", \"BGRA\", \"MJPEG\"",
                v,
            ));
        }
    };
    if allow.contains(&f) {
        Ok(f)
    } else {
        Err(bad(path, "a supported pixel format", v))
    }
}

const CAMERA_FORMATS: &[PixelFormat] = &[
    PixelFormat::I420,
    PixelFormat::Nv12,
    PixelFormat::Yuyv,
    PixelFormat::Bgra,
    PixelFormat::Mjpeg,
];
const SCREEN_FORMATS: &[PixelFormat] = &[
    PixelFormat::I420,
    PixelFormat::Nv12,
    PixelFormat::Yuyv,
    PixelFormat::Bgra,
];

fn parse_mode(v: &Value, path: &str) -> Result<FakeVideoMode> {
    let map = v.as_object().ok_or_else(|| bad(path, "an object", v))?;
    let o = Obj { map, path };
    let width = o
        .parsed("width", side)?
        .ok_or_else(|| Error::type_error(format!("fake profile: `{path}.width` is missing")))?;
    let height = o
        .parsed("height", side)?
        .ok_or_else(|| Error::type_error(format!("fake profile: `{path}.height` is missing")))?;
    let frame_rate = o.parsed("frameRate", frame_rate)?.unwrap_or(30.0);
    let pixel_format = match o.get("pixelFormat") {
        None => PixelFormat::I420,
        Some(f) => pixel_format(f, &o.member("pixelFormat"), CAMERA_FORMATS)?,
    };
    limits::check_frame_bytes(width, height, pixel_format, path)?;
    Ok(FakeVideoMode {
        width,
        height,
        frame_rate,
        pixel_format,
    })
}

fn parse_echo(v: &Value, path: &str) -> Result<EchoCancellation> {
    match v {
        Value::Bool(b) => Ok(EchoCancellation::Bool(*b)),
        Value::String(s) => EchoCancellationModeEnum::from_idl(s)
            .map(EchoCancellation::Mode)
            .ok_or_else(|| bad(path, "a boolean, \"all\" or \"remote-only\"", v)),
        _ => Err(bad(path, "a boolean, \"all\" or \"remote-only\"", v)),
    }
}

fn parse_device(v: &Value, path: &str, base: Option<&Path>) -> Result<DeviceSpec> {
    let map = v.as_object().ok_or_else(|| bad(path, "an object", v))?;
    let o = Obj { map, path };
    let kind_value = o
        .get("kind")
        .ok_or_else(|| Error::type_error(format!("fake profile: `{path}.kind` is missing")))?;
    // "window" and "browser": a screen whose displaySurface is that (shorthands).
    let surface_kind = match kind_value.as_str() {
        Some("window") => Some(DisplayCaptureSurfaceType::Window),
        Some("browser") => Some(DisplayCaptureSurfaceType::Browser),
        _ => None,
    };
    let kind = kind_value
        .as_str()
        .and_then(|k| if surface_kind.is_some() { Some(FakeDeviceKind::Screen) } else { FakeDeviceKind::from_str(k) })
        .ok_or_else(|| {
            bad(
                &o.member("kind"),
                "\"videoinput\", \"audioinput\", \"audiooutput\", \"screen\", \"window\", \"browser\" or \"systemaudio\"",
                kind_value,
            )
        })?;
    let label = o.string("label")?;
    let default_label = match kind {
        FakeDeviceKind::VideoInput => "Fake Camera",
        FakeDeviceKind::AudioInput => "Fake Microphone",
        FakeDeviceKind::AudioOutput => "Fake Speaker",
        FakeDeviceKind::Screen => "Fake Screen",
        FakeDeviceKind::SystemAudio => "System Audio",
    };
    let mut d = match kind {
        FakeDeviceKind::VideoInput => DeviceSpec::camera(default_label),
        FakeDeviceKind::AudioInput => DeviceSpec::microphone(default_label),
        FakeDeviceKind::AudioOutput => DeviceSpec::audio_output(default_label),
        FakeDeviceKind::Screen => match surface_kind {
            Some(DisplayCaptureSurfaceType::Window) => {
                DeviceSpec::window("Fake Window", 1280, 720, 30.0)
            }
            Some(DisplayCaptureSurfaceType::Browser) => {
                DeviceSpec::browser_tab("Fake Tab", 1280, 720, 30.0)
            }
            _ => DeviceSpec::screen(default_label, 1920, 1080, 30.0),
        },
        FakeDeviceKind::SystemAudio => DeviceSpec::system_audio(default_label),
    };
    if let Some(label) = label {
        d.label = label;
    }
    d.id = o.string("id")?;
    if d.id.as_deref() == Some("") {
        return Err(bad(&o.member("id"), "a non-empty string", &Value::from("")));
    }
    d.group_id = o.string("groupId")?;
    d.is_default = o.boolean("isDefault")?.unwrap_or(false);
    d.busy = o.boolean("busy")?.unwrap_or(false);
    d.file = o.string("file")?.map(|f| match base {
        Some(dir) if Path::new(&f).is_relative() => dir.join(f),
        _ => PathBuf::from(f),
    });
    d.faults = FaultScript {
        disconnect_after_ms: o.millis("disconnectAfterMs")?,
        mute_after_ms: o.millis("muteAfterMs")?,
        mute_for_ms: o.millis("muteForMs")?,
    };
    match kind {
        FakeDeviceKind::VideoInput => {
            if let Some(f) = o.string("facingMode")? {
                d.facing_mode = Some(VideoFacingModeEnum::from_idl(&f).ok_or_else(|| {
                    bad(
                        &o.member("facingMode"),
                        "\"user\", \"environment\", \"left\" or \"right\"",
                        &Value::from(f.clone()),
                    )
                })?);
            } else if o.get("facingMode").is_none() && map.contains_key("facingMode") {
                d.facing_mode = None;
            }
            if let Some(modes) = o.list("modes", parse_mode)? {
                d.modes = modes;
            } else if d.file.is_some() {
                // Modes come from the file's header.
                d.modes = Vec::new();
            }
        }
        FakeDeviceKind::AudioInput | FakeDeviceKind::SystemAudio => {
            if let Some(v) = o.list("sampleRate", sample_rate)? {
                d.sample_rates = v;
            }
            if let Some(v) = o.list("channelCount", channel_count)? {
                d.channel_counts = v;
            }
            if let Some(v) = o.list("sampleSize", sample_size)? {
                d.sample_sizes = v;
            }
            if let Some(v) = o.get("latency") {
                let p = o.member("latency");
                d.latency = match v {
                    Value::Array(a) if a.len() == 2 => {
                        let lo = latency(&a[0], &format!("{p}[0]"))?;
                        let hi = latency(&a[1], &format!("{p}[1]"))?;
                        if lo > hi {
                            return Err(bad(&p, "[min, max] with min <= max", v));
                        }
                        (lo, hi)
                    }
                    Value::Array(_) => return Err(bad(&p, "a number or [min, max]", v)),
                    single => {
                        let x = latency(single, &p)?;
                        (x, x)
                    }
                };
            }
            if let Some(v) = o.list("echoCancellation", parse_echo)? {
                d.echo_cancellation = v;
            }
            if let Some(v) = o.list("autoGainControl", boolean)? {
                d.auto_gain_control = v;
            }
            if let Some(v) = o.list("noiseSuppression", boolean)? {
                d.noise_suppression = v;
            }
        }
        FakeDeviceKind::Screen => {
            if let Some(w) = o.parsed("width", side)? {
                d.width = w;
            }
            if let Some(h) = o.parsed("height", side)? {
                d.height = h;
            }
            if let Some(f) = o.parsed("frameRate", frame_rate)? {
                d.frame_rate = f;
            }
            if let Some(f) = o.get("pixelFormat") {
                d.screen_pixel_format = pixel_format(f, &o.member("pixelFormat"), SCREEN_FORMATS)?;
            }
            limits::check_frame_bytes(d.width, d.height, d.screen_pixel_format, path)?;
            if let Some(s) = o.string("displaySurface")? {
                d.display_surface = DisplayCaptureSurfaceType::from_idl(&s).ok_or_else(|| {
                    bad(
                        &o.member("displaySurface"),
                        "\"monitor\", \"window\" or \"browser\"",
                        &Value::from(s.clone()),
                    )
                })?;
            }
            if let Some(v) = o.list("cursor", |v, p| {
                v.as_str()
                    .and_then(CursorCaptureConstraint::from_idl)
                    .ok_or_else(|| bad(p, "\"never\", \"always\" or \"motion\"", v))
            })? {
                d.cursor = v;
            }
        }
        FakeDeviceKind::AudioOutput => {}
    }
    Ok(d)
}

fn latency(v: &Value, path: &str) -> Result<f64> {
    f64_in(v, path, &limits::LATENCY, "a latency in seconds")
}
