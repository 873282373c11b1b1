//! `MediaStream`: the native set of tracks, kept in step with the JS object's.

use crate::events::emit;
use crate::track::NativeTrack;
use mediacapture::MediaStream;
use napi_derive::napi;

/// A `MediaStream` (the native set of tracks, kept in step with the JS object's).
#[napi]
pub struct NativeStream {
    pub(crate) s: MediaStream,
}

impl From<MediaStream> for NativeStream {
    fn from(s: MediaStream) -> Self {
        NativeStream { s }
    }
}

#[napi]
impl NativeStream {
    /// An empty stream with a new id.
    #[napi(constructor)]
    #[allow(clippy::new_without_default, reason = "a napi constructor")]
    pub fn new() -> Self {
        NativeStream {
            s: MediaStream::new(),
        }
    }

    /// The stream's id (a UUID).
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.s.id().to_string()
    }

    /// Handles to every track, in the stream's order.
    #[napi]
    pub fn tracks(&self) -> Vec<NativeTrack> {
        self.s
            .get_tracks()
            .into_iter()
            .map(NativeTrack::from)
            .collect()
    }

    /// `addTrack`.
    #[napi]
    pub fn add_track(&self, track: &NativeTrack) {
        self.s.add_track(&track.t);
    }

    /// `removeTrack`.
    #[napi]
    pub fn remove_track(&self, track: &NativeTrack) {
        self.s.remove_track(&track.t);
    }

    /// Delivers the implementation's `addtrack` / `removetrack` (e.g. a media element's
    /// `captureStream()` following its source) to the event sink as `target`, with the
    /// track's id as payload; the track itself is then among [`NativeStream::tracks`] (or no
    /// longer is).
    #[napi]
    pub fn listen(&self, target: u32) {
        self.s.add_event_listener(move |e| {
            emit(target, e.event_type.event_type(), e.track.id().to_string());
        });
    }
}
