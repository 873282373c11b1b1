//! MIME types: `isTypeSupported`, and the container/codec configuration a recording uses.
//!
//! Spec: <https://w3c.github.io/mediacapture-record/#dom-mediarecorder-istypesupported>
//! (the *is type supported* algorithm) and the `start()` steps that constrain and complete the
//! configuration.
//!
//! Compared with Chromium 156 (headless, fake devices): the same answers for the common types
//! and the same completed types after `start` (`video/webm` on an audio-only stream reports
//! `video/webm;codecs=opus`; `video/webm;codecs=opus` on a video+audio stream reports
//! `video/webm;codecs=vp8,opus`). Where Chromium departs from the spec we follow the spec:
//! Chromium says `true` for `codecs=vp8,vp9` and `codecs=opus,opus` (two codecs of one kind)
//! and for `codecs=vp8, opus` (no strict splitting), and its constructor throws for codecs
//! outside the synchronously exposed list instead of deferring the check. Chromium does not
//! record `audio/wav`; we do (PCM).

use mediacapture_types::{Error, Result};

/// The codec identifiers the spec lists as *synchronously exposed*: `isTypeSupported` must give
/// a definite answer for these. Any other identifier returns `deferNewerCodecsCheck`.
///
/// Spec: <https://w3c.github.io/mediacapture-record/#is-synchronously-exposed>
pub const SYNCHRONOUSLY_EXPOSED_CODECS: &[&str] = &[
    "vp8", "vp9", "h264", "avc1", "av1", "av01", "hvc1", "hev1", "avc3", "opus", "pcm",
];

/// A container format this recorder can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    /// WebM (`video/webm`, `audio/webm`): a Matroska subset with DocType `webm`.
    WebM,
    /// Matroska (`video/x-matroska`): the same codecs with DocType `matroska`.
    Matroska,
    /// RIFF WAVE with 16-bit PCM (`audio/wav`).
    Wav,
}

/// A video codec this recorder can encode (VP8 or VP9, from `mediacapture-codec`).
pub use mediacapture_codec::VideoCodec;

/// An audio codec this recorder can encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    /// Opus (libopus), 48 kHz output, 20 ms packets.
    Opus,
    /// Linear PCM, signed 16-bit little-endian (WAV only).
    Pcm,
}

impl AudioCodec {
    /// The codec string used in the `codecs` parameter (`"opus"`, `"pcm"`).
    pub fn as_str(self) -> &'static str {
        match self {
            AudioCodec::Opus => "opus",
            AudioCodec::Pcm => "pcm",
        }
    }
}

/// A parsed MIME type (WHATWG MIME Sniffing "parse a MIME type"): lower-cased type and
/// subtype, parameters with lower-cased names in order, values unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MimeType {
    /// The type, e.g. `"video"`.
    pub type_: String,
    /// The subtype, e.g. `"webm"`.
    pub subtype: String,
    /// `(name, value)` pairs; the first occurrence of a name wins, as in the WHATWG algorithm.
    pub parameters: Vec<(String, String)>,
}

fn is_http_token(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn is_http_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_quoted_string_token(c: char) -> bool {
    c == '\t' || (' '..='~').contains(&c) || ('\u{80}'..='\u{ff}').contains(&c)
}

impl MimeType {
    /// Parses `input`; `None` if it is not a MIME type (e.g. no `/`, empty or non-token type).
    ///
    /// Spec: <https://mimesniff.spec.whatwg.org/#parse-a-mime-type>
    pub fn parse(input: &str) -> Option<MimeType> {
        let s = input.trim_matches(is_http_ws);
        let slash = s.find('/')?;
        let type_ = &s[..slash];
        if type_.is_empty() || !type_.chars().all(is_http_token) {
            return None;
        }
        let rest = &s[slash + 1..];
        let semi = rest.find(';').unwrap_or(rest.len());
        let subtype = rest[..semi].trim_end_matches(is_http_ws);
        if subtype.is_empty() || !subtype.chars().all(is_http_token) {
            return None;
        }
        let mut mime = MimeType {
            type_: type_.to_ascii_lowercase(),
            subtype: subtype.to_ascii_lowercase(),
            parameters: Vec::new(),
        };
        let chars: Vec<char> = rest[semi..].chars().collect();
        let mut pos = 0;
        while pos < chars.len() {
            // Skip the ';' and whitespace.
            pos += 1;
            while pos < chars.len() && is_http_ws(chars[pos]) {
                pos += 1;
            }
            let start = pos;
            while pos < chars.len() && chars[pos] != ';' && chars[pos] != '=' {
                pos += 1;
            }
            let name: String = chars[start..pos]
                .iter()
                .collect::<String>()
                .to_ascii_lowercase();
            if pos >= chars.len() {
                break;
            }
            if chars[pos] == ';' {
                continue;
            }
            pos += 1; // '='
            if pos >= chars.len() {
                break;
            }
            let value: String = if chars[pos] == '"' {
                // Collect an HTTP quoted string, extracting the value.
                let mut v = String::new();
                pos += 1;
                while pos < chars.len() {
                    match chars[pos] {
                        '"' => {
                            pos += 1;
                            break;
                        }
                        '\\' => {
                            pos += 1;
                            if pos >= chars.len() {
                                v.push('\\');
                                break;
                            }
                            v.push(chars[pos]);
                            pos += 1;
                        }
                        c => {
                            v.push(c);
                            pos += 1;
                        }
                    }
                }
                while pos < chars.len() && chars[pos] != ';' {
                    pos += 1;
                }
                v
            } else {
                let start = pos;
                while pos < chars.len() && chars[pos] != ';' {
                    pos += 1;
                }
                let v: String = chars[start..pos].iter().collect();
                let v = v.trim_end_matches(is_http_ws).to_string();
                if v.is_empty() {
                    continue;
                }
                v
            };
            if !name.is_empty()
                && name.chars().all(is_http_token)
                && value.chars().all(is_quoted_string_token)
                && !mime.parameters.iter().any(|(n, _)| *n == name)
            {
                mime.parameters.push((name, value));
            }
        }
        Some(mime)
    }

    /// The value of parameter `name` (lower-case), if present.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `type/subtype`.
    pub fn essence(&self) -> String {
        format!("{}/{}", self.type_, self.subtype)
    }
}

/// What a `type/subtype` may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ContainerKind {
    container: Container,
    /// `false` for `audio/*` types: no video track may be recorded.
    allows_video: bool,
}

fn container_of(essence: &str) -> Option<ContainerKind> {
    let (container, allows_video) = match essence {
        "video/webm" => (Container::WebM, true),
        "audio/webm" => (Container::WebM, false),
        "video/x-matroska" => (Container::Matroska, true),
        "audio/wav" => (Container::Wav, false),
        _ => return None,
    };
    Some(ContainerKind {
        container,
        allows_video,
    })
}

/// The kind a codec identifier belongs to, for the "more than one audio or video codec" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodecKind {
    Audio,
    Video,
}

fn codec_kind(identifier: &str) -> Option<CodecKind> {
    match identifier {
        "vp8" | "vp9" | "h264" | "avc1" | "av1" | "av01" | "hvc1" | "hev1" | "avc3" => {
            Some(CodecKind::Video)
        }
        "opus" | "pcm" => Some(CodecKind::Audio),
        _ => None,
    }
}

/// A codec this recorder supports, by identifier, in `kind`'s container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Supported {
    Video(VideoCodec),
    Audio(AudioCodec),
}

fn supported_codec(kind: ContainerKind, identifier: &str) -> Option<Supported> {
    match (kind.container, identifier) {
        (Container::WebM | Container::Matroska, "vp8") if kind.allows_video => {
            Some(Supported::Video(VideoCodec::Vp8))
        }
        (Container::WebM | Container::Matroska, "vp9") if kind.allows_video => {
            Some(Supported::Video(VideoCodec::Vp9))
        }
        (Container::WebM | Container::Matroska, "opus") => Some(Supported::Audio(AudioCodec::Opus)),
        (Container::Wav, "pcm") => Some(Supported::Audio(AudioCodec::Pcm)),
        _ => None,
    }
}

/// The codec strings of `mime`'s `codecs` parameter, strictly split on `","` (no trimming), or
/// an empty list when there is none.
fn codec_strings(mime: &MimeType) -> Vec<&str> {
    match mime.parameter("codecs") {
        Some(v) => v.split(',').collect(),
        None => Vec::new(),
    }
}

/// The codec identifier of a codec string: the ASCII lowercase of the part before the first
/// `"."` (`"av01.0.19M.08"` → `"av01"`).
fn codec_identifier(codec_string: &str) -> String {
    codec_string
        .split('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// `MediaRecorder.isTypeSupported(type)`: the *is type supported* algorithm with
/// `deferNewerCodecsCheck` = false.
///
/// ```
/// use mediacapture_recorder::is_type_supported;
/// assert!(is_type_supported(""));
/// assert!(is_type_supported("video/webm;codecs=vp8,opus"));
/// assert!(is_type_supported("audio/webm;codecs=opus"));
/// assert!(!is_type_supported("video/mp4;codecs=avc1"));
/// assert!(!is_type_supported("audio/webm;codecs=vp8"));
/// ```
pub fn is_type_supported(type_: &str) -> bool {
    is_type_supported_with(type_, false)
}

/// The *is type supported* algorithm. The constructor calls it with
/// `defer_newer_codecs_check` = true, so that a codec identifier outside the synchronously
/// exposed list is not rejected synchronously (it fails later, in `start()`).
///
/// Spec: <https://w3c.github.io/mediacapture-record/#is-type-supported>
pub fn is_type_supported_with(type_: &str, defer_newer_codecs_check: bool) -> bool {
    // 1. "" leaves the choice of container and codecs to the UA.
    if type_.is_empty() {
        return true;
    }
    // 2. Not a valid MIME type string.
    let Some(mime) = MimeType::parse(type_) else {
        return false;
    };
    // 3. Unsupported type/subtype and container.
    let Some(kind) = container_of(&mime.essence()) else {
        return false;
    };
    // 4.-6. Strictly split codecs; at most one audio and one video codec; identifiers.
    let identifiers: Vec<String> = codec_strings(&mime)
        .into_iter()
        .map(codec_identifier)
        .collect();
    let count = |k| {
        identifiers
            .iter()
            .filter(|i| codec_kind(i) == Some(k))
            .count()
    };
    if count(CodecKind::Audio) > 1 || count(CodecKind::Video) > 1 {
        return false;
    }
    // 7. Each synchronously exposed identifier must be supported in this container.
    for id in &identifiers {
        if SYNCHRONOUSLY_EXPOSED_CODECS.contains(&id.as_str())
            && supported_codec(kind, id).is_none()
        {
            return false;
        }
    }
    // 8. Identifiers we cannot judge synchronously.
    if identifiers
        .iter()
        .any(|id| !SYNCHRONOUSLY_EXPOSED_CODECS.contains(&id.as_str()))
    {
        return defer_newer_codecs_check;
    }
    true
}

/// Codec identifiers this recorder knows and never records (audio and video codecs of other
/// containers, or that it has no encoder for). See [`is_type_supported_for_constructor`].
pub const KNOWN_UNRECORDABLE_CODECS: &[&str] = &[
    "vorbis", "theora", "flac", "mp3", "mp4a", "aac", "alac", "speex", "ulaw", "alaw", "mp4v",
];

/// The constructor's check: *is type supported*(`type_`, deferNewerCodecsCheck = true), except
/// that a codec this recorder knows it cannot record in the container — `vorbis`, `theora`,
/// … ([`KNOWN_UNRECORDABLE_CODECS`]), or a synchronously exposed one, with or without
/// whitespace around it — is rejected at once instead of deferred to `start()`.
///
/// The spec defers every identifier outside its synchronously exposed list to `start()` (for
/// newer codecs whose support needs an asynchronous hardware query). This recorder has no such
/// codec: its answer for a known codec never changes, and WPT's MediaRecorder-mimetype.html,
/// Chromium and Firefox all throw NotSupportedError from the constructor for
/// `audio/webm; codecs="vorbis"` and `video/webm; codecs="vp8, vorbis"`. Identifiers it does
/// not know (e.g. `vp09.00.10.08`) are still deferred, as the spec says.
///
/// ```
/// use mediacapture_recorder::mime::is_type_supported_for_constructor as ctor;
/// assert!(!ctor(r#"audio/webm; codecs="vorbis""#));
/// assert!(!ctor(r#"video/webm; codecs="vp8, vorbis""#));
/// assert!(ctor(r#"video/webm; codecs="vp8, opus""#));
/// assert!(ctor("video/webm;codecs=vp09.00.10.08")); // not known: fails in start()
/// ```
///
/// Spec: <https://w3c.github.io/mediacapture-record/#is-type-supported>
pub fn is_type_supported_for_constructor(type_: &str) -> bool {
    if !is_type_supported_with(type_, true) {
        return false;
    }
    let Some(mime) = MimeType::parse(type_) else {
        return true; // "": the recorder chooses.
    };
    let Some(kind) = container_of(&mime.essence()) else {
        return false;
    };
    codec_strings(&mime).into_iter().all(|c| {
        let id = codec_identifier(c.trim_matches(is_http_ws));
        let known = SYNCHRONOUSLY_EXPOSED_CODECS.contains(&id.as_str())
            || KNOWN_UNRECORDABLE_CODECS.contains(&id.as_str());
        !known || supported_codec(kind, &id).is_some()
    })
}

/// The container and codecs of a recording, fully specified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// The container.
    pub container: Container,
    /// `type/subtype` used for the `mimeType` attribute (e.g. `"video/webm"`).
    pub essence: String,
    /// The video codec, when a video track is recorded.
    pub video: Option<VideoCodec>,
    /// The audio codec, when an audio track is recorded.
    pub audio: Option<AudioCodec>,
}

impl Configuration {
    /// The full MIME type with codecs, as the `mimeType` attribute reports it after `start`:
    /// e.g. `video/webm;codecs=vp8,opus`, `audio/webm;codecs=opus`, `audio/wav;codecs=pcm`.
    /// Video codec first, no spaces, no quotes: Chromium's format.
    pub fn mime_type(&self) -> String {
        let codecs: Vec<&str> = self
            .video
            .map(VideoCodec::as_str)
            .into_iter()
            .chain(self.audio.map(AudioCodec::as_str))
            .collect();
        if codecs.is_empty() {
            self.essence.clone()
        } else {
            format!("{};codecs={}", self.essence, codecs.join(","))
        }
    }
}

/// The outcome of completing a configuration when recording starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Configured {
    /// Recording can start with this configuration.
    Ready(Configuration),
    /// The type passed the constructor (a codec outside the synchronously exposed list) but
    /// cannot be recorded: `start()` succeeds, then the recorder fires `error`
    /// (NotSupportedError) and `stop` (the spec's "in parallel" failure path).
    Unsupported(Error),
}

/// Constrains and completes the configuration for recording `has_video` / `has_audio` live
/// tracks with the constrained MIME type (`""` = the UA's choice).
///
/// Returns `Err(NotSupportedError)` when a track cannot be recorded with the constrained type
/// (step "for each track in tracks, if the UA cannot record the track": e.g. a video track with
/// `audio/webm` or `audio/wav`), which `start()` throws synchronously.
///
/// Choices where the spec leaves room follow Chromium: with no type, `video/webm` when there
/// is a video track and `audio/webm` otherwise; VP8 and Opus by default; a type naming only one
/// kind's codec gets the default codec of the other kind for the other tracks; the reported
/// type names the codecs of the tracks actually recorded, so `video/webm` for an audio-only
/// stream becomes `video/webm;codecs=opus`.
pub fn configure(constrained: &str, has_video: bool, has_audio: bool) -> Result<Configured> {
    let mime = if constrained.is_empty() {
        let essence = if has_video {
            "video/webm"
        } else {
            "audio/webm"
        };
        MimeType::parse(essence)
    } else {
        MimeType::parse(constrained)
    };
    let Some(mime) = mime else {
        return Err(Error::not_supported(format!(
            "{constrained:?} is not a valid MIME type"
        )));
    };
    let essence = mime.essence();
    let Some(kind) = container_of(&essence) else {
        return Err(Error::not_supported(format!(
            "{essence} is not a supported container"
        )));
    };
    if has_video && !kind.allows_video {
        return Err(Error::not_supported(format!(
            "{essence} cannot record a video track"
        )));
    }
    let mut video = None;
    let mut audio = None;
    for codec_string in codec_strings(&mime) {
        // isTypeSupported splits strictly, so "vp8, opus" is not supported synchronously and
        // only passes the constructor as a "newer" codec; here the UA decides what it can
        // record, and like Chromium (which accepts "vp8, opus" everywhere) we ignore the
        // whitespace around codec strings.
        let id = codec_identifier(codec_string.trim_matches(is_http_ws));
        match supported_codec(kind, &id) {
            Some(Supported::Video(v)) if video.is_none() => video = Some(v),
            Some(Supported::Audio(a)) if audio.is_none() => audio = Some(a),
            _ => {
                return Ok(Configured::Unsupported(Error::not_supported(format!(
                    "codec {codec_string:?} cannot be recorded in {essence}"
                ))));
            }
        }
    }
    let default_audio = match kind.container {
        Container::Wav => AudioCodec::Pcm,
        Container::WebM | Container::Matroska => AudioCodec::Opus,
    };
    let configuration = Configuration {
        container: kind.container,
        essence,
        video: if has_video {
            Some(video.unwrap_or(VideoCodec::Vp8))
        } else {
            None
        },
        audio: if has_audio {
            Some(audio.unwrap_or(default_audio))
        } else {
            None
        },
    };
    Ok(Configured::Ready(configuration))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_basics() {
        let m = MimeType::parse(" Video/WebM ; Codecs=\"VP8,opus\" ; x=1").unwrap();
        assert_eq!(m.essence(), "video/webm");
        assert_eq!(m.parameter("codecs"), Some("VP8,opus"));
        assert_eq!(m.parameter("x"), Some("1"));
        assert!(MimeType::parse("video").is_none());
        assert!(MimeType::parse("/webm").is_none());
        assert!(MimeType::parse("video/").is_none());
        assert!(MimeType::parse("vi deo/webm").is_none());
    }

    #[test]
    fn type_supported_table() {
        let yes = [
            "",
            "video/webm",
            "audio/webm",
            "video/webm;codecs=vp8",
            "video/webm;codecs=vp9",
            "video/webm;codecs=vp8,opus",
            "video/webm;codecs=\"vp9,opus\"",
            "video/webm;codecs=VP8",
            "video/webm;codecs=vp8.0",
            "video/webm;codecs=opus",
            "audio/webm;codecs=opus",
            "video/x-matroska;codecs=vp8,opus",
            "audio/wav",
            "audio/wav;codecs=pcm",
        ];
        for t in yes {
            assert!(is_type_supported(t), "{t:?} should be supported");
        }
        let no = [
            "video/invalid",
            "video/mp4",
            "video/mp4;codecs=avc1",
            "video/webm;codecs=h264",
            "video/webm;codecs=avc1.42E01E",
            "video/webm;codecs=av01.0.19M.08",
            "audio/webm;codecs=vp8",
            "video/webm;codecs=vp8,vp9",
            "video/webm;codecs=opus,opus",
            "video/webm;codecs=pcm",
            "audio/wav;codecs=opus",
            "not a type",
            "video/",
        ];
        for t in no {
            assert!(!is_type_supported(t), "{t:?} should not be supported");
        }
    }

    #[test]
    fn newer_codecs_are_deferred() {
        // "vp09" and "vorbis" are not on the synchronously exposed list.
        assert!(!is_type_supported_with(
            "video/webm;codecs=vp09.00.10.08",
            false
        ));
        assert!(is_type_supported_with(
            "video/webm;codecs=vp09.00.10.08",
            true
        ));
        assert!(is_type_supported_with("audio/webm;codecs=vorbis", true));
        // Strict splitting: " opus" (with a space) is not "opus".
        assert!(!is_type_supported_with(
            "video/webm;codecs=vp8, opus",
            false
        ));
        assert!(is_type_supported_with("video/webm;codecs=vp8, opus", true));
        // A known unsupported identifier is false even when deferring.
        assert!(!is_type_supported_with("video/webm;codecs=h264,foo", true));
    }

    #[test]
    fn the_constructor_rejects_codecs_it_knows_it_cannot_record() {
        // WPT MediaRecorder-mimetype.html: isTypeSupported false => the constructor throws.
        for t in [
            r#"audio/webm; codecs="vorbis""#,
            r#"audio/webm;codecs=VORBIS"#,
            r#"video/webm; codecs="vp8, vorbis""#,
            r#"video/webm; codecs="vp9, vorbis""#,
            r#"audio/webm; codecs=" vp8""#,
            "video/webm;codecs=theora",
            "audio/wav;codecs=flac",
        ] {
            assert!(!is_type_supported(t), "{t}");
            assert!(!is_type_supported_for_constructor(t), "{t}");
        }
        for t in [
            "",
            "video/webm",
            r#"video/webm; codecs="vp8, opus""#,
            "video/webm;codecs=vp09.00.10.08",
            "audio/webm;codecs=opus,x-new",
        ] {
            assert!(is_type_supported_for_constructor(t), "{t}");
        }
    }

    #[test]
    fn configuration_defaults_follow_chromium() {
        let c = |t, v, a| match configure(t, v, a).unwrap() {
            Configured::Ready(c) => c.mime_type(),
            Configured::Unsupported(e) => format!("unsupported: {e}"),
        };
        assert_eq!(c("", true, true), "video/webm;codecs=vp8,opus");
        assert_eq!(c("", true, false), "video/webm;codecs=vp8");
        assert_eq!(c("", false, true), "audio/webm;codecs=opus");
        assert_eq!(c("video/webm", false, true), "video/webm;codecs=opus");
        assert_eq!(
            c("video/webm;codecs=vp9", true, true),
            "video/webm;codecs=vp9,opus"
        );
        assert_eq!(
            c("video/x-matroska", true, true),
            "video/x-matroska;codecs=vp8,opus"
        );
        assert_eq!(c("audio/wav", false, true), "audio/wav;codecs=pcm");
        assert!(c("video/webm;codecs=vp09.00.10.08", true, false).starts_with("unsupported"));
        assert_eq!(
            c("video/webm;codecs=vp8, opus", true, true),
            "video/webm;codecs=vp8,opus"
        );
        // Chromium 156: a video codec in the type and an audio-only stream.
        assert_eq!(
            c("video/webm;codecs=vp8", false, true),
            "video/webm;codecs=opus"
        );
        assert_eq!(
            c("video/webm;codecs=opus", true, false),
            "video/webm;codecs=vp8"
        );
        assert_eq!(
            configure("audio/webm", true, true).unwrap_err().name(),
            "NotSupportedError"
        );
        assert_eq!(
            configure("audio/wav", true, false).unwrap_err().name(),
            "NotSupportedError"
        );
    }
}
