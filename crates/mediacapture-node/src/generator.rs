//! `VideoTrackGenerator` / `MediaStreamTrackGenerator` (mediacapture-transform): a track whose
//! media JavaScript writes, on `mediacapture::generator::TrackGenerator`. The JS layer
//! (`lib/generator.js`) owns the WritableStream and converts each chunk (the shapes
//! `track.frames()` gives) to the arguments here.

use crate::errors::{js, type_error};
use crate::frames::parse_format;
use crate::track::NativeTrack;
use mediacapture::generator::TrackGenerator;
use mediacapture::{AudioData, TrackKind, VideoFrame};
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;

/// A generator and its first track.
#[napi]
pub struct NativeGenerator {
    g: TrackGenerator,
}

/// A generator of `kind` ("video" or "audio").
#[napi]
pub fn create_generator(kind: String) -> napi::Result<NativeGenerator> {
    let kind = match kind.as_str() {
        "video" => TrackKind::Video,
        "audio" => TrackKind::Audio,
        other => return Err(type_error(format!("'{other}' is not a track kind"))),
    };
    js(TrackGenerator::new(kind)).map(|g| NativeGenerator { g })
}

#[napi]
impl NativeGenerator {
    /// The generator's track (the same track each call).
    #[napi]
    pub fn track(&self) -> NativeTrack {
        NativeTrack::from(self.g.track().clone())
    }

    /// Writes a video frame: tightly packed planes of `format` (`I420`, `NV12`, `YUYV`,
    /// `RGBA`, `BGRA`) at `width` x `height`.
    #[napi]
    pub fn write_video(
        &self,
        format: String,
        width: u32,
        height: u32,
        data: Uint8Array,
    ) -> napi::Result<()> {
        let f = parse_format(&format)
            .ok_or_else(|| type_error(format!("'{format}' is not a pixel format this accepts")))?;
        let expected = f.frame_size(width, height).unwrap_or(usize::MAX);
        if data.len() != expected {
            return Err(type_error(format!(
                "a {width}x{height} {format} frame has {expected} bytes, not {}",
                data.len()
            )));
        }
        let frame = VideoFrame::new(f, width, height, data.to_vec(), 0)
            .map_err(|e| type_error(e.to_string()))?;
        js(self.g.write_video(frame))
    }

    /// Writes audio: interleaved 32-bit float samples (little-endian bytes) of
    /// `number_of_channels` channels at `sample_rate`.
    #[napi]
    pub fn write_audio(
        &self,
        sample_rate: u32,
        number_of_channels: u32,
        data: Uint8Array,
    ) -> napi::Result<()> {
        let samples: Vec<f32> = data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if !data.len().is_multiple_of(4)
            || number_of_channels == 0
            || !samples.len().is_multiple_of(number_of_channels as usize)
        {
            return Err(type_error(
                "the audio is not a whole number of frames of 32-bit float samples",
            ));
        }
        let audio = AudioData::from_f32(sample_rate, number_of_channels, &samples, 0)
            .map_err(|e| type_error(e.to_string()))?;
        js(self.g.write_audio(audio))
    }

    /// `muted`.
    #[napi(getter)]
    pub fn muted(&self) -> bool {
        self.g.muted()
    }

    /// Sets `muted`.
    #[napi]
    pub fn set_muted(&self, muted: bool) {
        self.g.set_muted(muted);
    }

    /// `true` once closed (by `close()`, or because every track ended).
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.g.closed()
    }

    /// The writable's close / abort: every track ends (with `ended`).
    #[napi]
    pub fn close(&self) {
        self.g.close();
    }
}
