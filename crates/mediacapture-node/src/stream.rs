//! `MediaStream`: the native set of tracks, kept in step with the JS object's, and the
//! `addtrack` / `removetrack` events the library fires when it changes a stream's track set
//! itself (a media file restarted after its end; later, media elements and remote streams).

use crate::events::emit;
use crate::lock;
use crate::track::NativeTrack;
use mediacapture::{ListenerId, MediaStream, MediaStreamTrack};
use napi_derive::napi;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// A `MediaStream` (the native set of tracks, kept in step with the JS object's).
#[napi]
pub struct NativeStream {
    pub(crate) s: MediaStream,
    /// The tracks of the `addtrack` / `removetrack` events sent to JavaScript and not yet
    /// taken ([`NativeStream::take_track_event`]), in order.
    pending: Arc<Mutex<VecDeque<MediaStreamTrack>>>,
    listener: Mutex<Option<ListenerId>>,
}

impl From<MediaStream> for NativeStream {
    fn from(s: MediaStream) -> Self {
        NativeStream {
            s,
            pending: Arc::default(),
            listener: Mutex::new(None),
        }
    }
}

impl Drop for NativeStream {
    fn drop(&mut self) {
        self.unlisten();
    }
}

#[napi]
impl NativeStream {
    /// An empty stream with a new id.
    #[napi(constructor)]
    #[allow(clippy::new_without_default, reason = "a napi constructor")]
    pub fn new() -> Self {
        NativeStream::from(MediaStream::new())
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

    /// Delivers this stream's `addtrack` / `removetrack` events to the event sink as
    /// `target` (once; a second call does nothing). The event's track is then taken with
    /// [`NativeStream::take_track_event`].
    #[napi]
    pub fn listen(&self, target: u32) {
        let mut l = lock(&self.listener);
        if l.is_some() {
            return;
        }
        let pending = self.pending.clone();
        *l = Some(self.s.add_event_listener(move |e| {
            lock(&pending).push_back(e.track.clone());
            emit(target, e.event_type.event_type(), String::new());
        }));
    }

    /// Stops delivering this stream's events (its JavaScript object is gone).
    #[napi]
    pub fn unlisten(&self) {
        if let Some(id) = lock(&self.listener).take() {
            self.s.remove_event_listener(id);
        }
        lock(&self.pending).clear();
    }

    /// The track of the oldest `addtrack` / `removetrack` event delivered and not yet taken.
    #[napi]
    pub fn take_track_event(&self) -> Option<NativeTrack> {
        lock(&self.pending).pop_front().map(NativeTrack::from)
    }
}
