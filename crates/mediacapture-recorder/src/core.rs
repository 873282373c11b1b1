//! `RecorderCore`: the MediaRecorder state machine, sans I/O.
//!
//! Methods change state synchronously and return the tasks the spec *queues*; the caller runs
//! each task later, in order, on its event thread with [`RecorderCore::run_task`], which
//! applies the task's attribute changes and returns the events to fire. Frames go in with
//! [`RecorderCore::push_video`] / [`RecorderCore::push_audio`], stream changes with
//! [`RecorderCore::track_added`], [`RecorderCore::track_removed`] and
//! [`RecorderCore::track_ended`]; they return tasks too (timeslice blobs, errors).
//!
//! Spec: <https://w3c.github.io/mediacapture-record/#mediarecorder-api>

use crate::encode::vpx::KeyFrameInterval;
use crate::mime::{self, Configured};
use crate::recording::{Recording, RecordingSettings};
use mediacapture_frame::{AudioData, VideoFrame};
use mediacapture_types::{Error, ErrorKind, Result};
use std::path::PathBuf;
use std::sync::Arc;

/// Chromium's default video bitrate when none is given (2.5 Mbit/s, YouTube's recommendation,
/// `kDefaultVideoBitRate` in blink's media_recorder.cc).
pub const DEFAULT_VIDEO_BITS_PER_SECOND: u32 = 2_500_000;
/// Chromium's default audio bitrate (128 kbit/s, `kDefaultAudioBitRate`).
pub const DEFAULT_AUDIO_BITS_PER_SECOND: u32 = 128_000;
/// Smallest Opus bitrate Chromium allocates from `bitsPerSecond`.
pub const MIN_AUDIO_BITS_PER_SECOND: u32 = 5_000;
/// Largest Opus bitrate (libopus' limit, 510 kbit/s).
pub const MAX_AUDIO_BITS_PER_SECOND: u32 = 510_000;
/// Smallest VP8/VP9 bitrate Chromium allocates (75 kbit/s).
pub const MIN_VIDEO_BITS_PER_SECOND: u32 = 75_000;

/// `RecordingState`. Spec: <https://w3c.github.io/mediacapture-record/#recordingstate>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordingState {
    /// Not recording: not started, or stopped.
    Inactive,
    /// Recording.
    Recording,
    /// Started, then paused.
    Paused,
}

impl RecordingState {
    /// The IDL string.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordingState::Inactive => "inactive",
            RecordingState::Recording => "recording",
            RecordingState::Paused => "paused",
        }
    }
}

/// `BitrateMode`. Spec: <https://w3c.github.io/mediacapture-record/#bitratemode>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BitrateMode {
    /// Constant bitrate.
    Constant,
    /// Variable bitrate (the default).
    #[default]
    Variable,
}

impl BitrateMode {
    /// The IDL string.
    pub fn as_str(self) -> &'static str {
        match self {
            BitrateMode::Constant => "constant",
            BitrateMode::Variable => "variable",
        }
    }
    /// Parses the IDL string.
    pub fn from_idl(s: &str) -> Option<Self> {
        match s {
            "constant" => Some(BitrateMode::Constant),
            "variable" => Some(BitrateMode::Variable),
            _ => None,
        }
    }
}

/// `MediaRecorderOptions`, plus two extensions (`output_file`, `blobs`).
///
/// Spec: <https://w3c.github.io/mediacapture-record/#mediarecorderoptions-section>
#[derive(Debug, Clone, PartialEq)]
pub struct RecorderOptions {
    /// `mimeType` (default `""`: the recorder chooses).
    pub mime_type: String,
    /// `audioBitsPerSecond`.
    pub audio_bits_per_second: Option<u32>,
    /// `videoBitsPerSecond`.
    pub video_bits_per_second: Option<u32>,
    /// `bitsPerSecond`: overrides both, split between the kinds.
    pub bits_per_second: Option<u32>,
    /// `audioBitrateMode` (default "variable").
    pub audio_bitrate_mode: BitrateMode,
    /// `videoKeyFrameIntervalDuration` in milliseconds.
    pub video_key_frame_interval_duration: Option<f64>,
    /// `videoKeyFrameIntervalCount`.
    pub video_key_frame_interval_count: Option<u32>,
    /// Extension: also stream the recording into this file as it is produced. When recording
    /// stops the file gets Duration and Cues (seekable); killed mid-way it still plays.
    pub output_file: Option<PathBuf>,
    /// Extension: deliver the data in `dataavailable` blobs (default `true`). With an
    /// `output_file`, `false` keeps memory flat: blobs are then empty.
    pub blobs: bool,
}

/// WebIDL `ToNumber` of a JSON value (strings parsed as JavaScript would, objects NaN).
fn to_number(v: &serde_json::Value) -> f64 {
    use serde_json::Value;
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                0.0
            } else {
                t.parse::<f64>().unwrap_or(f64::NAN)
            }
        }
        Value::Array(a) if a.is_empty() => 0.0,
        Value::Array(a) if a.len() == 1 => to_number(&a[0]),
        _ => f64::NAN,
    }
}

/// WebIDL `unsigned long`: NaN and infinities are 0, truncate, modulo 2^32.
fn unsigned_long(v: &serde_json::Value) -> u32 {
    let x = to_number(v);
    if !x.is_finite() {
        return 0;
    }
    x.trunc().rem_euclid(4_294_967_296.0) as u32
}

/// WebIDL `DOMString` of a JSON value.
fn dom_string(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Object(_) => "[object Object]".into(),
        other => other.to_string(),
    }
}

impl RecorderOptions {
    /// Converts a `MediaRecorderOptions` dictionary given as JSON, as WebIDL would: unsigned
    /// longs wrap modulo 2^32, `audioBitrateMode` must be "constant" or "variable" and
    /// `videoKeyFrameIntervalDuration` finite (else TypeError), unknown members are ignored.
    /// `null` or a missing argument is the empty dictionary.
    ///
    /// ```
    /// use mediacapture_recorder::{BitrateMode, RecorderOptions};
    /// let o = RecorderOptions::from_json(r#"{"mimeType": "audio/webm", "audioBitsPerSecond": 64000,
    ///     "audioBitrateMode": "constant"}"#)?;
    /// assert_eq!(o.mime_type, "audio/webm");
    /// assert_eq!(o.audio_bits_per_second, Some(64_000));
    /// assert_eq!(o.audio_bitrate_mode, BitrateMode::Constant);
    /// assert_eq!(RecorderOptions::from_json(r#"{"audioBitrateMode": "cbr"}"#).unwrap_err().name(), "TypeError");
    /// # Ok::<(), mediacapture_recorder::Error>(())
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        let v: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| Error::type_error(format!("MediaRecorderOptions: invalid JSON: {e}")))?;
        let map = match &v {
            serde_json::Value::Null => return Ok(RecorderOptions::default()),
            serde_json::Value::Object(m) => m,
            _ => return Err(Error::type_error("MediaRecorderOptions must be an object")),
        };
        let mut o = RecorderOptions::default();
        if let Some(m) = map.get("mimeType") {
            o.mime_type = dom_string(m);
        }
        o.audio_bits_per_second = map.get("audioBitsPerSecond").map(unsigned_long);
        o.video_bits_per_second = map.get("videoBitsPerSecond").map(unsigned_long);
        o.bits_per_second = map.get("bitsPerSecond").map(unsigned_long);
        if let Some(m) = map.get("audioBitrateMode") {
            let s = dom_string(m);
            o.audio_bitrate_mode = BitrateMode::from_idl(&s).ok_or_else(|| {
                Error::type_error(format!(
                    "MediaRecorderOptions.audioBitrateMode: {s:?} is not a valid BitrateMode"
                ))
            })?;
        }
        if let Some(d) = map.get("videoKeyFrameIntervalDuration") {
            let x = to_number(d);
            if !x.is_finite() {
                return Err(Error::type_error(
                    "MediaRecorderOptions.videoKeyFrameIntervalDuration is not a finite number",
                ));
            }
            o.video_key_frame_interval_duration = Some(x);
        }
        o.video_key_frame_interval_count = map.get("videoKeyFrameIntervalCount").map(unsigned_long);
        Ok(o)
    }
}

impl Default for RecorderOptions {
    fn default() -> Self {
        RecorderOptions {
            mime_type: String::new(),
            audio_bits_per_second: None,
            video_bits_per_second: None,
            bits_per_second: None,
            audio_bitrate_mode: BitrateMode::Variable,
            video_key_frame_interval_duration: None,
            video_key_frame_interval_count: None,
            output_file: None,
            blobs: true,
        }
    }
}

/// The kind of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackKind {
    /// `"audio"`.
    Audio,
    /// `"video"`.
    Video,
}

/// What the recorder needs to know of a track of the recorded stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInfo {
    /// The track's `id`.
    pub id: String,
    /// The track's `kind`.
    pub kind: TrackKind,
    /// `readyState == "live"`.
    pub live: bool,
}

impl TrackInfo {
    /// A live track.
    pub fn live(id: impl Into<String>, kind: TrackKind) -> Self {
        TrackInfo {
            id: id.into(),
            kind,
            live: true,
        }
    }
}

/// A `Blob`: immutable bytes with a MIME type. Cloning shares the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    data: Arc<[u8]>,
    type_: String,
}

impl Blob {
    /// A blob of `data` with type `type_`.
    pub fn new(data: impl Into<Arc<[u8]>>, type_: impl Into<String>) -> Self {
        Blob {
            data: data.into(),
            type_: type_.into(),
        }
    }
    /// `size`.
    pub fn size(&self) -> usize {
        self.data.len()
    }
    /// `type`: the recorder's full MIME type (e.g. `video/webm;codecs=vp8,opus`).
    pub fn type_(&self) -> &str {
        &self.type_
    }
    /// The bytes.
    pub fn data(&self) -> &Arc<[u8]> {
        &self.data
    }
}

/// `BlobEvent`. Spec: <https://w3c.github.io/mediacapture-record/#blobevent-section>
#[derive(Debug, Clone, PartialEq)]
pub struct BlobEvent {
    /// `data`.
    pub data: Blob,
    /// `timecode` in milliseconds: 0 for the first event of a recording, then the media time
    /// of the blob's first chunk (monotonic).
    pub timecode: f64,
}

/// An event for the page, in the order the recorder fires them.
#[derive(Debug, Clone, PartialEq)]
pub enum RecorderEvent {
    /// `start`.
    Start,
    /// `stop`.
    Stop,
    /// `pause`.
    Pause,
    /// `resume`.
    Resume,
    /// `dataavailable` (a BlobEvent).
    DataAvailable(BlobEvent),
    /// `error` (an ErrorEvent whose `error.name` is the kind's name).
    Error(Error),
}

impl RecorderEvent {
    /// The event `type`.
    pub fn type_(&self) -> &'static str {
        match self {
            RecorderEvent::Start => "start",
            RecorderEvent::Stop => "stop",
            RecorderEvent::Pause => "pause",
            RecorderEvent::Resume => "resume",
            RecorderEvent::DataAvailable(_) => "dataavailable",
            RecorderEvent::Error(_) => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    SetMimeType(String),
    /// mimeType back to the constrained type if the recorder is (still) inactive.
    RestoreMimeType,
    Inactivate,
    Fire(RecorderEvent),
}

/// A task the spec queues on the DOM manipulation task source: run it later, in queue order,
/// with [`RecorderCore::run_task`].
#[derive(Debug, Clone, PartialEq)]
pub struct RecorderTask {
    session: u64,
    steps: Vec<Step>,
}

impl RecorderTask {
    /// The events this task fires, in order (for inspection; attribute changes are applied
    /// by [`RecorderCore::run_task`]).
    pub fn events(&self) -> impl Iterator<Item = &RecorderEvent> {
        self.steps.iter().filter_map(|s| match s {
            Step::Fire(e) => Some(e),
            _ => None,
        })
    }
}

/// Splits bitrates as Chromium's `AllocateVideoAndAudioBitrates` does: with `bitsPerSecond`,
/// audio gets a tenth when there is video (all of it otherwise), clamped to Opus' range, and
/// video the rest (at least 75 kbit/s); otherwise the given per-kind values or the defaults.
/// A kind without tracks gets 0 only when `bitsPerSecond` is split.
pub fn allocate_bitrates(
    options: &RecorderOptions,
    has_video: bool,
    has_audio: bool,
) -> (u32, u32) {
    let cap = i32::MAX as u32;
    match options.bits_per_second {
        Some(bps) => {
            let bps = bps.min(cap);
            let audio = if has_audio {
                let a = if has_video { bps / 10 } else { bps };
                a.clamp(MIN_AUDIO_BITS_PER_SECOND, MAX_AUDIO_BITS_PER_SECOND)
            } else {
                0
            };
            let video = if has_video {
                bps.saturating_sub(audio).max(MIN_VIDEO_BITS_PER_SECOND)
            } else {
                0
            };
            (video, audio)
        }
        None => (
            options
                .video_bits_per_second
                .map_or(DEFAULT_VIDEO_BITS_PER_SECOND, |v| v.min(cap)),
            options
                .audio_bits_per_second
                .map_or(DEFAULT_AUDIO_BITS_PER_SECOND, |a| a.min(cap)),
        ),
    }
}

/// The MediaRecorder state machine with its recording engine.
///
/// ```
/// use mediacapture_recorder::{RecorderCore, RecorderOptions, RecorderEvent, TrackInfo, TrackKind};
/// let tracks = [TrackInfo::live("a1", TrackKind::Audio)];
/// let mut rec = RecorderCore::new(&tracks, RecorderOptions::default())?;
/// assert_eq!(rec.mime_type(), "");
/// let mut queue = rec.start(None, &tracks)?;
/// assert_eq!(rec.state().as_str(), "recording");
/// assert_eq!(rec.mime_type(), ""); // set by the queued task, just before `start` fires
/// queue.extend(rec.stop());
/// let mut fired = Vec::new();
/// for task in queue {
///     for event in rec.run_task(task) {
///         if event == RecorderEvent::Start {
///             assert_eq!(rec.mime_type(), "audio/webm;codecs=opus");
///         }
///         fired.push(event.type_());
///     }
/// }
/// assert_eq!(fired, ["start", "dataavailable", "stop"]);
/// # Ok::<(), mediacapture_recorder::Error>(())
/// ```
pub struct RecorderCore {
    options: RecorderOptions,
    mime_type: String,
    state: RecordingState,
    video_bps: u32,
    audio_bps: u32,
    audio_bitrate_mode: BitrateMode,
    session: u64,
    /// A terminal task (error/ended) is queued for this session: no more events from it.
    terminating: bool,
    recording: Option<Recording>,
    recorded: Vec<(TrackInfo, bool)>,
    timeslice: Option<u32>,
    blob_type: String,
    blobs_fired: u64,
    last_timecode: f64,
}

impl std::fmt::Debug for RecorderCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecorderCore")
            .field("state", &self.state)
            .field("mime_type", &self.mime_type)
            .finish_non_exhaustive()
    }
}

impl RecorderCore {
    /// `new MediaRecorder(stream, options)`, for a stream whose tracks are `tracks`.
    ///
    /// Throws NotSupportedError when *is type supported*(mimeType, deferNewerCodecsCheck =
    /// true) is false, and — like Chromium and WPT's MediaRecorder-error.html, ahead of the
    /// spec, which throws it from `start()` — when both keyframe interval options are given.
    pub fn new(tracks: &[TrackInfo], options: RecorderOptions) -> Result<Self> {
        if !mime::is_type_supported_with(&options.mime_type, true) {
            return Err(Error::not_supported(format!(
                "mimeType {:?} is not supported",
                options.mime_type
            )));
        }
        if options.video_key_frame_interval_duration.is_some()
            && options.video_key_frame_interval_count.is_some()
        {
            return Err(Error::not_supported(
                "videoKeyFrameIntervalDuration and videoKeyFrameIntervalCount cannot both be set",
            ));
        }
        // The stream's tracks do not matter here: the constructor splits bitsPerSecond as if
        // both kinds were recorded; start() re-splits for the live tracks.
        let _ = tracks;
        let (video_bps, audio_bps) = allocate_bitrates(&options, true, true);
        Ok(RecorderCore {
            mime_type: options.mime_type.clone(),
            audio_bitrate_mode: options.audio_bitrate_mode,
            options,
            state: RecordingState::Inactive,
            video_bps,
            audio_bps,
            session: 0,
            terminating: false,
            recording: None,
            recorded: Vec::new(),
            timeslice: None,
            blob_type: String::new(),
            blobs_fired: 0,
            last_timecode: 0.0,
        })
    }

    /// `MediaRecorder.isTypeSupported(type)`.
    pub fn is_type_supported(type_: &str) -> bool {
        mime::is_type_supported(type_)
    }

    /// `state`.
    pub fn state(&self) -> RecordingState {
        self.state
    }
    /// `mimeType`: the constrained type until the `start` task runs, then the full type with
    /// codecs; back to the constrained type when the recorder becomes inactive.
    pub fn mime_type(&self) -> &str {
        &self.mime_type
    }
    /// `videoBitsPerSecond`.
    pub fn video_bits_per_second(&self) -> u32 {
        self.video_bps
    }
    /// `audioBitsPerSecond`.
    pub fn audio_bits_per_second(&self) -> u32 {
        self.audio_bps
    }
    /// `audioBitrateMode`.
    pub fn audio_bitrate_mode(&self) -> BitrateMode {
        self.audio_bitrate_mode
    }
    /// The running recording engine, if any.
    pub fn recording(&self) -> Option<&Recording> {
        self.recording.as_ref()
    }
    /// The options given to the constructor.
    pub fn options(&self) -> &RecorderOptions {
        &self.options
    }

    fn task(&self, steps: Vec<Step>) -> RecorderTask {
        RecorderTask {
            session: self.session,
            steps,
        }
    }

    /// *Inactivate the recorder*: mimeType back to the constrained type, state inactive,
    /// bitrates re-derived from bitsPerSecond. (Chromium 156 keeps the full type after
    /// `stop`; the spec, which we follow, restores the constrained one.)
    fn inactivate(&mut self) {
        self.mime_type = self.options.mime_type.clone();
        self.state = RecordingState::Inactive;
        if self.options.bits_per_second.is_some() {
            let (v, a) = allocate_bitrates(&self.options, true, true);
            self.video_bps = v;
            self.audio_bps = a;
        }
    }

    fn blob_event(&mut self, data: Vec<u8>, start_us: Option<i64>) -> RecorderEvent {
        let timecode = if self.blobs_fired == 0 {
            0.0
        } else {
            let t = match start_us {
                Some(us) => us as f64 / 1000.0,
                None => self
                    .recording
                    .as_ref()
                    .map_or(self.last_timecode, |r| r.recorded_us() as f64 / 1000.0),
            };
            t.max(self.last_timecode)
        };
        self.blobs_fired += 1;
        self.last_timecode = timecode;
        RecorderEvent::DataAvailable(BlobEvent {
            data: Blob::new(data, self.blob_type.clone()),
            timecode,
        })
    }

    /// `start(timeslice)`, with the stream's current tracks.
    ///
    /// Throws InvalidStateError when not inactive, NotSupportedError when the stream is
    /// inactive (no live track) or a track cannot be recorded with the constrained type.
    /// (The isolation check has no counterpart outside a browser.)
    pub fn start(
        &mut self,
        timeslice: Option<u32>,
        tracks: &[TrackInfo],
    ) -> Result<Vec<RecorderTask>> {
        if self.state != RecordingState::Inactive {
            return Err(Error::invalid_state(
                "start() called while the recorder is not inactive",
            ));
        }
        let live: Vec<&TrackInfo> = tracks.iter().filter(|t| t.live).collect();
        if live.is_empty() {
            return Err(Error::not_supported("the stream is inactive"));
        }
        let video_track = live
            .iter()
            .find(|t| t.kind == TrackKind::Video)
            .map(|t| t.id.clone());
        let audio_track = live
            .iter()
            .find(|t| t.kind == TrackKind::Audio)
            .map(|t| t.id.clone());
        let configured = mime::configure(
            &self.options.mime_type,
            video_track.is_some(),
            audio_track.is_some(),
        );
        if self.options.bits_per_second.is_some() {
            let (v, a) =
                allocate_bitrates(&self.options, video_track.is_some(), audio_track.is_some());
            self.video_bps = v;
            self.audio_bps = a;
        }
        // Chromium 156 (checked with its fake devices) reports 0 for a kind the stream has
        // no live track of once recording starts, with or without bitsPerSecond.
        if video_track.is_none() {
            self.video_bps = 0;
        }
        if audio_track.is_none() {
            self.audio_bps = 0;
        }
        let key_frame_interval = match (
            self.options.video_key_frame_interval_duration,
            self.options.video_key_frame_interval_count,
        ) {
            (Some(_), Some(_)) => {
                return Err(Error::not_supported(
                    "videoKeyFrameIntervalDuration and videoKeyFrameIntervalCount are both set",
                ));
            }
            (Some(d), None) => KeyFrameInterval::Duration(d),
            (None, Some(c)) => KeyFrameInterval::Count(c),
            (None, None) => KeyFrameInterval::Auto,
        };
        // A track that cannot be recorded with the constrained type: thrown synchronously.
        let configured = configured?;

        self.state = RecordingState::Recording;
        self.session += 1;
        self.terminating = false;
        self.timeslice = timeslice;
        self.blobs_fired = 0;
        self.last_timecode = 0.0;
        self.recorded = live.iter().map(|t| ((*t).clone(), false)).collect();
        let conf = match configured {
            Configured::Ready(c) => c,
            Configured::Unsupported(e) => return Ok(vec![self.fail_to_start(e)]),
        };
        let mut settings = RecordingSettings::new(conf.clone(), video_track, audio_track);
        settings.video_bits_per_second = self.video_bps.max(MIN_VIDEO_BITS_PER_SECOND);
        settings.audio_bits_per_second = self.audio_bps.max(MIN_AUDIO_BITS_PER_SECOND);
        settings.audio_bitrate_mode = self.audio_bitrate_mode;
        settings.key_frame_interval = key_frame_interval;
        settings.output_file = self.options.output_file.clone();
        settings.blobs = self.options.blobs;
        match Recording::new(settings) {
            Ok(r) => self.recording = Some(r),
            Err(e) => return Ok(vec![self.fail_to_start(e)]),
        }
        let full = conf.mime_type();
        self.blob_type = full.clone();
        Ok(vec![self.task(vec![
            Step::SetMimeType(full),
            Step::Fire(RecorderEvent::Start),
        ])])
    }

    /// The "in parallel" failure of start(): inactivate, fire error, fire stop.
    fn fail_to_start(&mut self, e: Error) -> RecorderTask {
        self.terminating = true;
        self.task(vec![
            Step::Inactivate,
            Step::Fire(RecorderEvent::Error(e)),
            Step::Fire(RecorderEvent::Stop),
        ])
    }

    /// `stop()`: no-op when inactive; else inactivate now and queue dataavailable (all data
    /// gathered so far; the file output is finalized) and stop. If an error or the end of all
    /// tracks already queued its own dataavailable/stop, only the state changes.
    pub fn stop(&mut self) -> Vec<RecorderTask> {
        if self.state == RecordingState::Inactive {
            return Vec::new();
        }
        self.inactivate();
        if self.terminating {
            return Vec::new();
        }
        self.terminating = true;
        let start_us = self.recording.as_ref().and_then(Recording::blob_start_us);
        let (data, err) = match self.recording.take() {
            Some(r) => r.finish(),
            None => (Vec::new(), None),
        };
        // `start(); stop();` in one go: the start task sets mimeType before `start` fires;
        // this puts the constrained type back before the stop events, as inactivation did.
        let mut steps = vec![Step::RestoreMimeType];
        if let Some(e) = err {
            steps.push(Step::Fire(RecorderEvent::Error(Error::unknown(e.message))));
        }
        steps.push(Step::Fire(self.blob_event(data, start_us)));
        steps.push(Step::Fire(RecorderEvent::Stop));
        vec![self.task(steps)]
    }

    /// `pause()`: InvalidStateError when inactive; no-op when paused; else stop gathering
    /// (Chromium pauses the encoders synchronously) and queue `pause`.
    pub fn pause(&mut self) -> Result<Vec<RecorderTask>> {
        match self.state {
            RecordingState::Inactive => {
                Err(Error::invalid_state("pause() on an inactive recorder"))
            }
            RecordingState::Paused => Ok(Vec::new()),
            RecordingState::Recording => {
                self.state = RecordingState::Paused;
                if let Some(r) = self.recording.as_mut() {
                    r.pause();
                }
                if self.terminating {
                    return Ok(Vec::new());
                }
                Ok(vec![self.task(vec![Step::Fire(RecorderEvent::Pause)])])
            }
        }
    }

    /// `resume()`: InvalidStateError when inactive; no-op when recording; else continue
    /// gathering into the same blob and queue `resume`.
    pub fn resume(&mut self) -> Result<Vec<RecorderTask>> {
        match self.state {
            RecordingState::Inactive => {
                Err(Error::invalid_state("resume() on an inactive recorder"))
            }
            RecordingState::Recording => Ok(Vec::new()),
            RecordingState::Paused => {
                self.state = RecordingState::Recording;
                if let Some(r) = self.recording.as_mut() {
                    r.resume();
                }
                if self.terminating {
                    return Ok(Vec::new());
                }
                Ok(vec![self.task(vec![Step::Fire(RecorderEvent::Resume)])])
            }
        }
    }

    /// `requestData()`: InvalidStateError when inactive; else queue dataavailable with the
    /// data gathered so far (possibly empty) and start a new blob.
    pub fn request_data(&mut self) -> Result<Vec<RecorderTask>> {
        if self.state == RecordingState::Inactive {
            return Err(Error::invalid_state(
                "requestData() on an inactive recorder",
            ));
        }
        if self.terminating {
            return Ok(Vec::new());
        }
        let start_us = self.recording.as_ref().and_then(Recording::blob_start_us);
        let data = self
            .recording
            .as_mut()
            .map(Recording::take_blob)
            .unwrap_or_default();
        let ev = self.blob_event(data, start_us);
        Ok(vec![self.task(vec![Step::Fire(ev)])])
    }

    fn gathering(&self) -> bool {
        self.state != RecordingState::Inactive && !self.terminating && self.recording.is_some()
    }

    /// Ends the session after a failure or a change of the track set: stop gathering, queue
    /// inactivate, (error), dataavailable with the data so far, stop.
    fn terminate(&mut self, error: Option<Error>) -> Vec<RecorderTask> {
        self.terminating = true;
        let start_us = self.recording.as_ref().and_then(Recording::blob_start_us);
        let (data, _) = match self.recording.take() {
            Some(r) => r.finish(),
            None => (Vec::new(), None),
        };
        let mut steps = vec![Step::Inactivate];
        if let Some(e) = error {
            steps.push(Step::Fire(RecorderEvent::Error(e)));
        }
        steps.push(Step::Fire(self.blob_event(data, start_us)));
        steps.push(Step::Fire(RecorderEvent::Stop));
        vec![self.task(steps)]
    }

    fn after_push(&mut self, r: Result<()>) -> Vec<RecorderTask> {
        if let Err(e) = r {
            // "Unable to continue gathering data": UnknownError, with the cause as message.
            return self.terminate(Some(Error::new(ErrorKind::UnknownError, e.message)));
        }
        let Some(slice) = self.timeslice else {
            return Vec::new();
        };
        let Some(rec) = self.recording.as_mut() else {
            return Vec::new();
        };
        if rec.pending_blob_len() > 0 && rec.blob_span_us() >= i64::from(slice) * 1000 {
            let start_us = rec.blob_start_us();
            let data = rec.take_blob();
            let ev = self.blob_event(data, start_us);
            return vec![self.task(vec![Step::Fire(ev)])];
        }
        Vec::new()
    }

    /// A video frame from track `track_id` of the stream (ignored unless recording).
    pub fn push_video(&mut self, track_id: &str, frame: &VideoFrame) -> Vec<RecorderTask> {
        if !self.gathering() {
            return Vec::new();
        }
        let r = match self.recording.as_mut() {
            Some(rec) => rec.push_video(track_id, frame),
            None => Ok(()),
        };
        self.after_push(r)
    }

    /// Audio from track `track_id` of the stream (ignored unless recording).
    pub fn push_audio(&mut self, track_id: &str, data: &AudioData) -> Vec<RecorderTask> {
        if !self.gathering() {
            return Vec::new();
        }
        let r = match self.recording.as_mut() {
            Some(rec) => rec.push_audio(track_id, data),
            None => Ok(()),
        };
        self.after_push(r)
    }

    /// A track was added to the recorded stream: while recording, that ends the recording
    /// with `error` (InvalidModificationError), `dataavailable`, `stop`.
    pub fn track_added(&mut self, track: &TrackInfo) -> Vec<RecorderTask> {
        if self.state == RecordingState::Inactive || self.terminating {
            return Vec::new();
        }
        let e = Error::new(
            ErrorKind::InvalidModificationError,
            format!("track {} was added to the stream while recording", track.id),
        );
        self.terminate(Some(e))
    }

    /// A track was removed from the recorded stream: like [`RecorderCore::track_added`].
    pub fn track_removed(&mut self, track_id: &str) -> Vec<RecorderTask> {
        if self.state == RecordingState::Inactive || self.terminating {
            return Vec::new();
        }
        let e = Error::new(
            ErrorKind::InvalidModificationError,
            format!("track {track_id} was removed from the stream while recording"),
        );
        self.terminate(Some(e))
    }

    /// A track of the stream ended. When every recorded track has ended: `dataavailable`,
    /// `stop`.
    pub fn track_ended(&mut self, track_id: &str) -> Vec<RecorderTask> {
        if self.state == RecordingState::Inactive || self.terminating {
            return Vec::new();
        }
        for (t, ended) in &mut self.recorded {
            if t.id == track_id {
                *ended = true;
            }
        }
        if self.recorded.iter().all(|(_, ended)| *ended) {
            return self.terminate(None);
        }
        Vec::new()
    }

    /// Runs a queued task: applies its attribute changes (mimeType before `start`,
    /// inactivation before `error`/`stop`) and returns the events to fire, in order.
    /// Attribute changes of a task from an earlier session (the recorder was stopped and
    /// started again meanwhile) are skipped; its events still fire.
    pub fn run_task(&mut self, task: RecorderTask) -> Vec<RecorderEvent> {
        let current = task.session == self.session;
        let mut events = Vec::new();
        for step in task.steps {
            match step {
                Step::SetMimeType(m) => {
                    if current {
                        self.mime_type = m;
                    }
                }
                Step::RestoreMimeType => {
                    if current && self.state == RecordingState::Inactive {
                        self.mime_type = self.options.mime_type.clone();
                    }
                }
                Step::Inactivate => {
                    if current {
                        self.inactivate();
                    }
                }
                Step::Fire(e) => events.push(e),
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_from_json_follow_webidl() {
        let o = RecorderOptions::from_json(
            r#"{"bitsPerSecond": 4294967297, "videoBitsPerSecond": "2.5e6", "audioBitsPerSecond": -1,
                "videoKeyFrameIntervalCount": 30.9, "videoKeyFrameIntervalDuration": "1000", "x": 1}"#,
        )
        .unwrap();
        assert_eq!(o.bits_per_second, Some(1));
        assert_eq!(o.video_bits_per_second, Some(2_500_000));
        assert_eq!(o.audio_bits_per_second, Some(u32::MAX));
        assert_eq!(o.video_key_frame_interval_count, Some(30));
        assert_eq!(o.video_key_frame_interval_duration, Some(1000.0));
        assert_eq!(o.audio_bitrate_mode, BitrateMode::Variable);
        assert_eq!(
            RecorderOptions::from_json("null").unwrap(),
            RecorderOptions::default()
        );
        let bad = [
            r#"{"videoKeyFrameIntervalDuration": "soon"}"#,
            "[1]",
            "{",
            r#"{"audioBitrateMode": 1}"#,
        ];
        for b in bad {
            assert_eq!(
                RecorderOptions::from_json(b).unwrap_err().name(),
                "TypeError",
                "{b}"
            );
        }
    }

    #[test]
    fn recorder_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<RecorderCore>();
        assert_send::<Recording>();
        assert_send::<RecorderTask>();
        assert_send::<RecorderEvent>();
    }
}
