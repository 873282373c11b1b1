//! [`MediaReader`]: a media file, demuxed and decoded, pulled one frame at a time.

use super::{wav, webm, y4m};
use mediacapture_frame::{AudioData, VideoFrame};
use mediacapture_types::{Error, Result};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// The lowest video frame rate played (a frame per 100 s). A header stating less (y4m's
/// `F1:4294967295`) is refused: one frame would hold playback for hours.
pub const MIN_FRAME_RATE: f64 = mediacapture_frame::y4m::MIN_FRAME_RATE;
/// The highest video frame rate played.
pub const MAX_FRAME_RATE: f64 = mediacapture_frame::y4m::MAX_FRAME_RATE;

/// The container of a media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Container {
    /// WebM (a Matroska subset; what `MediaRecorder` writes).
    WebM,
    /// Matroska (`.mkv`, `.mka`).
    Matroska,
    /// RIFF WAVE (PCM).
    Wav,
    /// YUV4MPEG2 (raw 4:2:0 video).
    Y4m,
}

/// The video track of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    /// The codec: `"vp8"`, `"vp9"` or `"raw"` (y4m).
    pub codec: &'static str,
    /// Width in pixels, from the header.
    pub width: u32,
    /// Height in pixels, from the header.
    pub height: u32,
    /// Frames per second: from the header when it says, else measured on the first frames.
    pub frame_rate: f64,
}

/// The audio track of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    /// The codec: `"opus"` or `"pcm"` (WAV).
    pub codec: &'static str,
    /// Samples per second of the decoded audio.
    pub sample_rate: u32,
    /// Channel count of the decoded audio.
    pub channels: u32,
    /// Bits per sample of the source (16 for Opus, which has no sample size).
    pub sample_size: u32,
}

/// What a media file holds, read from its header when it is opened.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaInfo {
    /// The container.
    pub container: Container,
    /// The duration the header states, if it states one (live WebM files have none).
    pub duration: Option<Duration>,
    /// The video track played, if any (the first one with a supported codec).
    pub video: Option<VideoInfo>,
    /// The audio track played, if any (the first one with a supported codec).
    pub audio: Option<AudioInfo>,
}

/// One decoded unit of media. Timestamps are media time in microseconds from the start of
/// the file.
#[derive(Debug, Clone)]
pub enum Media {
    /// A decoded video frame (I420).
    Video(VideoFrame),
    /// A block of decoded audio (interleaved f32).
    Audio(AudioData),
}

impl Media {
    /// The media timestamp in microseconds.
    pub fn timestamp(&self) -> i64 {
        match self {
            Media::Video(v) => v.timestamp(),
            Media::Audio(a) => a.timestamp(),
        }
    }

    /// The time in microseconds this unit lasts, when known (a video frame's duration comes
    /// from its container when it says).
    pub fn duration(&self) -> Option<i64> {
        match self {
            Media::Video(v) => v.duration(),
            Media::Audio(a) => Some(a.duration()),
        }
    }
}

/// A demuxer plus decoders for one file.
pub(crate) trait Decode: Send {
    fn info(&self) -> &MediaInfo;
    /// The next unit in file order; `None` at the end. An error means the file is damaged or
    /// unreadable from here on.
    fn next_media(&mut self) -> Result<Option<Media>>;
    /// Repositions so that the next unit is the first at or after `us` (the video frame
    /// shown at `us` included).
    fn seek(&mut self, us: i64) -> Result<()>;
}

/// A media file, demuxed and decoded as fast as it is read: the pull side of
/// [`MediaFile`](super::MediaFile), for transcoding and tests.
///
/// ```no_run
/// use mediacapture_sources::file::{Media, MediaReader};
/// let mut reader = MediaReader::open("talk.webm")?;
/// while let Some(media) = reader.next_media()? {
///     match media {
///         Media::Video(frame) => println!("video at {} µs", frame.timestamp()),
///         Media::Audio(audio) => println!("{} audio frames", audio.frames()),
///     }
/// }
/// # Ok::<(), mediacapture::Error>(())
/// ```
pub struct MediaReader {
    info: MediaInfo,
    // A mutex only to make the reader `Sync` (decoders are `Send`); it is never contended.
    inner: parking_lot::Mutex<Box<dyn Decode>>,
}

impl std::fmt::Debug for MediaReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaReader")
            .field("info", &self.info)
            .finish()
    }
}

impl MediaReader {
    /// Opens `path`, telling the container by its first bytes (not its name).
    ///
    /// Errors: `NotFoundError` when the file does not exist; `NotSupportedError` for a
    /// container or codec this crate does not play (or a file with no playable track);
    /// `NotReadableError` when the file cannot be read or its header is damaged.
    pub fn open(path: impl AsRef<Path>) -> Result<MediaReader> {
        let path = path.as_ref();
        let mut file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
        let mut magic = [0u8; 9];
        let mut got = 0;
        while got < magic.len() {
            match file.read(&mut magic[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(path, &e)),
            }
        }
        drop(file);
        let magic = &magic[..got];
        let inner: Box<dyn Decode> = if magic.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]) {
            Box::new(webm::WebmDecoder::open(path)?)
        } else if magic.starts_with(b"RIFF") || magic.starts_with(b"RIFX") {
            Box::new(wav::WavDecoder::open(path)?)
        } else if magic.starts_with(b"YUV4MPEG2") {
            Box::new(y4m::Y4mDecoder::open(path)?)
        } else if got == 0 {
            return Err(Error::not_readable(format!(
                "{}: the file is empty",
                path.display()
            )));
        } else {
            return Err(Error::not_supported(format!(
                "{}: not a WebM/Matroska, WAV or y4m file",
                path.display()
            )));
        };
        Ok(MediaReader {
            info: inner.info().clone(),
            inner: parking_lot::Mutex::new(inner),
        })
    }

    /// What the file holds.
    pub fn info(&self) -> &MediaInfo {
        &self.info
    }

    /// The next decoded unit in file order (video and audio interleaved as stored), or
    /// `None` at the end of the file.
    ///
    /// Errors: `NotReadableError` at damage (a truncated or corrupt part of the file); what
    /// was before it has been returned already.
    pub fn next_media(&mut self) -> Result<Option<Media>> {
        self.inner.get_mut().next_media()
    }

    /// Moves to `position`: the next unit is the video frame shown at `position` or the
    /// first unit after it.
    pub fn seek(&mut self, position: Duration) -> Result<()> {
        let us = i64::try_from(position.as_micros()).unwrap_or(i64::MAX);
        self.inner.get_mut().seek(us)
    }

    pub(crate) fn into_inner(self) -> Box<dyn Decode> {
        self.inner.into_inner()
    }
}

impl Iterator for MediaReader {
    type Item = Result<Media>;
    fn next(&mut self) -> Option<Result<Media>> {
        self.next_media().transpose()
    }
}

/// An I/O error on `path` as the API's error.
pub(crate) fn io_error(path: &Path, e: &std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::not_found(format!("{}: no such file", path.display()))
        }
        _ => Error::not_readable(format!("{}: {e}", path.display())),
    }
}

/// `secs` as a `Duration`, for durations computed from header fields (clamped to 10^12 s; NaN
/// and negative values are 0).
pub(crate) fn duration_secs(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs.clamp(0.0, 1e12)).unwrap_or_default()
}

/// A damaged-file error.
pub(crate) fn damaged(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::not_readable(format!("{}: damaged file: {what}", path.display()))
}
