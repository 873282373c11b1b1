//! `MediaRecorderOptions`, `RecordingState`, `BitrateMode` and the bitrate rules.
//!
//! Spec: <https://w3c.github.io/mediacapture-record/#mediarecorderoptions-section>

use mediacapture_types::webidl::{self, dictionary, enumeration, finite_double};
use mediacapture_types::{Error, Result};
use serde_json::Value;
use std::path::PathBuf;

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

/// `BitrateMode` (from `mediacapture-codec`, whose Opus encoder takes it).
/// Spec: <https://w3c.github.io/mediacapture-record/#bitratemode>
pub use mediacapture_codec::BitrateMode;

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

impl RecorderOptions {
    /// Converts a `MediaRecorderOptions` dictionary given as JSON with the WebIDL rules every
    /// crate of this project uses ([`mediacapture_types::webidl`]): `mimeType` is a DOMString
    /// (`["audio/webm"]` is `"audio/webm"`), the bitrates are `unsigned long`s (`"0x10"` is 16,
    /// -1 is 4294967295), `audioBitrateMode` must be "constant" or "variable" and
    /// `videoKeyFrameIntervalDuration` finite (else TypeError); unknown members are ignored.
    /// `null` (a missing argument) and any object, arrays included, read as a dictionary;
    /// another value (a number, a string) is a TypeError, as in a browser.
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
    ///
    /// Spec: <https://webidl.spec.whatwg.org/#js-dictionary>
    pub fn from_json(json: &str) -> Result<Self> {
        let v: Value = serde_json::from_str(json)
            .map_err(|e| Error::type_error(format!("MediaRecorderOptions: invalid JSON: {e}")))?;
        let mut o = RecorderOptions::default();
        let Some(map) = dictionary(&v, "options", "MediaRecorderOptions")? else {
            return Ok(o);
        };
        // WebIDL reads dictionary members in lexicographic order; the first failure wins.
        if let Some(m) = map.get("audioBitrateMode") {
            o.audio_bitrate_mode = enumeration(
                m,
                "MediaRecorderOptions.audioBitrateMode",
                "BitrateMode",
                BitrateMode::from_idl,
            )?;
        }
        o.audio_bits_per_second = map.get("audioBitsPerSecond").map(webidl::to_unsigned_long);
        o.bits_per_second = map.get("bitsPerSecond").map(webidl::to_unsigned_long);
        if let Some(m) = map.get("mimeType") {
            o.mime_type = webidl::to_dom_string(m);
        }
        o.video_bits_per_second = map.get("videoBitsPerSecond").map(webidl::to_unsigned_long);
        o.video_key_frame_interval_count = map
            .get("videoKeyFrameIntervalCount")
            .map(webidl::to_unsigned_long);
        if let Some(d) = map.get("videoKeyFrameIntervalDuration") {
            o.video_key_frame_interval_duration = Some(finite_double(
                d,
                "MediaRecorderOptions.videoKeyFrameIntervalDuration",
            )?);
        }
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
            r#"{"videoKeyFrameIntervalDuration": "Infinity"}"#,
            "1",
            r#""video/webm""#,
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

    /// What `new MediaRecorder(stream, options)` reads in a browser (ECMAScript ToNumber and
    /// ToString): the crate's own conversions used to give 0 for `"0x10"` and
    /// `["audio/webm"]` for an array.
    #[test]
    fn options_convert_like_a_browser() {
        let o = RecorderOptions::from_json(
            r#"{"audioBitsPerSecond": "0x10", "videoBitsPerSecond": "  0b101 ",
                "bitsPerSecond": [7], "mimeType": ["audio/webm"], "videoKeyFrameIntervalCount": true}"#,
        )
        .unwrap();
        assert_eq!(o.audio_bits_per_second, Some(16));
        assert_eq!(o.video_bits_per_second, Some(5));
        assert_eq!(o.bits_per_second, Some(7));
        assert_eq!(o.mime_type, "audio/webm");
        assert_eq!(o.video_key_frame_interval_count, Some(1));
        // ToString of other values: a number, null, an object.
        let m = |j: &str| RecorderOptions::from_json(j).unwrap().mime_type;
        assert_eq!(m(r#"{"mimeType": 1e21}"#), "1e+21");
        assert_eq!(m(r#"{"mimeType": null}"#), "null");
        assert_eq!(m(r#"{"mimeType": {}}"#), "[object Object]");
        assert_eq!(m(r#"{"mimeType": ["video/webm", "x"]}"#), "video/webm,x");
        // Unsigned long: NaN is 0, values wrap modulo 2^32.
        let a = |j: &str| RecorderOptions::from_json(j).unwrap().audio_bits_per_second;
        assert_eq!(a(r#"{"audioBitsPerSecond": "12px"}"#), Some(0));
        assert_eq!(a(r#"{"audioBitsPerSecond": [1, 2]}"#), Some(0));
        assert_eq!(a(r#"{"audioBitsPerSecond": -4294967295.5}"#), Some(1));
        // An array converts to the empty dictionary (it is an object), as in a browser.
        assert_eq!(
            RecorderOptions::from_json("[1]").unwrap(),
            RecorderOptions::default()
        );
        // Enumerations are ToString'd first: ["constant"] is "constant".
        assert_eq!(
            RecorderOptions::from_json(r#"{"audioBitrateMode": ["constant"]}"#)
                .unwrap()
                .audio_bitrate_mode,
            BitrateMode::Constant
        );
    }
}
