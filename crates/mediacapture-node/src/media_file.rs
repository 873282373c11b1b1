//! A media file that plays into a stream (`mediacapture.openMediaFile(path)`).

use crate::errors::js;
use crate::stream::NativeStream;
use napi_derive::napi;
use std::time::Duration;

/// A playing media file.
#[napi]
pub struct NativeMediaFile {
    f: mediacapture_sources::MediaFile,
}

/// Opens a WebM/Matroska (VP8, VP9, Opus), WAV or y4m file and starts playing it.
#[napi]
pub fn open_media_file(path: String) -> napi::Result<NativeMediaFile> {
    js(mediacapture_sources::MediaFile::open(&path)).map(|f| NativeMediaFile { f })
}

#[napi]
impl NativeMediaFile {
    /// `captureStream()`: a stream of the file's tracks.
    #[napi]
    pub fn capture_stream(&self) -> napi::Result<NativeStream> {
        js(self.f.capture_stream()).map(NativeStream::from)
    }

    /// Resumes playback (restarts it after the end).
    #[napi]
    pub fn play(&self) -> napi::Result<()> {
        js(self.f.play())
    }

    /// Pauses playback (the tracks are muted).
    #[napi]
    pub fn pause(&self) {
        self.f.pause();
    }

    /// Seeks to `seconds` (negative and non-finite values seek to the start).
    #[napi]
    pub fn seek(&self, seconds: f64) {
        let s = if seconds.is_finite() {
            seconds.max(0.0)
        } else {
            0.0
        };
        self.f
            .seek(Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX));
    }

    /// Plays in a loop when `true`.
    #[napi]
    pub fn set_loop(&self, looping: bool) {
        self.f.set_loop(looping);
    }

    /// `true` once playback reached the end (and does not loop).
    #[napi(getter)]
    pub fn ended(&self) -> bool {
        self.f.ended()
    }

    /// The playback position in seconds.
    #[napi(getter)]
    pub fn current_time(&self) -> f64 {
        self.f.current_time().as_secs_f64()
    }
}
