//! `MediaRecorder` and its blobs.

use crate::errors::js;
use crate::events::emit;
use crate::lock;
use crate::stream::NativeStream;
use mediacapture_recorder::{Blob, MediaRecorder, RecorderEvent, RecorderOptions};
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// Recorded blobs waiting for JavaScript to take them (`dataavailable` carries the key): the
/// bytes do not travel through the event sink's JSON. JavaScript takes each one as it
/// dispatches the event, so this holds only the blobs of events not delivered yet.
fn blob_slot() -> &'static Mutex<HashMap<u64, Blob>> {
    static BLOBS: OnceLock<Mutex<HashMap<u64, Blob>>> = OnceLock::new();
    BLOBS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Takes a blob announced by a `dataavailable` event (`None` if already taken).
#[napi]
pub fn take_blob(key: u32) -> Option<Buffer> {
    lock(blob_slot())
        .remove(&u64::from(key))
        .map(|b| Buffer::from(b.data().to_vec()))
}

/// `MediaRecorder.isTypeSupported(type)`.
#[napi]
pub fn is_type_supported(mime_type: String) -> bool {
    MediaRecorder::is_type_supported(&mime_type)
}

/// `new MediaRecorder(stream, options)`; throws NotSupportedError (or TypeError for bad
/// options). `options` is the `MediaRecorderOptions` dictionary as JSON (converted by
/// `RecorderOptions::from_json` with WebIDL rules: TypeError for a bad enum or duration).
#[napi]
pub fn create_recorder(stream: &NativeStream, options: String) -> napi::Result<NativeRecorder> {
    js(RecorderOptions::from_json(&options).and_then(|o| MediaRecorder::new(&stream.s, o)))
        .map(|r| NativeRecorder { r })
}

/// A `MediaRecorder`. Its attribute getters read the recorder's state as it is now; they
/// never wait for the encoder.
#[napi]
pub struct NativeRecorder {
    r: MediaRecorder,
}

#[napi]
impl NativeRecorder {
    /// `state`.
    #[napi(getter)]
    pub fn state(&self) -> String {
        self.r.state().as_str().to_string()
    }

    /// `mimeType`.
    #[napi(getter)]
    pub fn mime_type(&self) -> String {
        self.r.mime_type()
    }

    /// `videoBitsPerSecond`.
    #[napi(getter)]
    pub fn video_bits_per_second(&self) -> u32 {
        self.r.video_bits_per_second()
    }

    /// `audioBitsPerSecond`.
    #[napi(getter)]
    pub fn audio_bits_per_second(&self) -> u32 {
        self.r.audio_bits_per_second()
    }

    /// `audioBitrateMode`.
    #[napi(getter)]
    pub fn audio_bitrate_mode(&self) -> String {
        self.r.audio_bitrate_mode().as_str().to_string()
    }

    /// `start(timeslice)`.
    #[napi]
    pub fn start(&self, timeslice: Option<u32>) -> napi::Result<()> {
        js(self.r.start(timeslice))
    }

    /// `stop()`.
    #[napi]
    pub fn stop(&self) {
        self.r.stop();
    }

    /// `pause()`.
    #[napi]
    pub fn pause(&self) -> napi::Result<()> {
        js(self.r.pause())
    }

    /// `resume()`.
    #[napi]
    pub fn resume(&self) -> napi::Result<()> {
        js(self.r.resume())
    }

    /// `requestData()`.
    #[napi]
    pub fn request_data(&self) -> napi::Result<()> {
        js(self.r.request_data())
    }

    /// Delivers this recorder's events to the event sink as `target`. `dataavailable` carries
    /// `{blob, type, timecode}` (`blob` is the key for [`take_blob`]); `error` the error JSON
    /// (the one error shape, see [`crate::errors`]).
    #[napi]
    pub fn listen(&self, target: u32) {
        static NEXT_BLOB: AtomicU64 = AtomicU64::new(1);
        self.r.add_event_listener(move |e: &RecorderEvent| {
            let payload = match e {
                RecorderEvent::DataAvailable(b) => {
                    // Keys stay below 2^32 so they cross as a JS number exactly.
                    let key = NEXT_BLOB.fetch_add(1, Ordering::Relaxed) % u64::from(u32::MAX);
                    lock(blob_slot()).insert(key, b.data.clone());
                    json!({ "blob": key, "type": b.data.type_(), "timecode": b.timecode })
                        .to_string()
                }
                RecorderEvent::Error(err) => err.to_json().to_string(),
                _ => String::new(),
            };
            emit(target, e.type_(), payload);
        });
    }
}
