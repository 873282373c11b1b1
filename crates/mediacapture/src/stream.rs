//! `MediaStream`, `MediaStreamTrackEvent` and the legacy `MediaStreamEvent`.
//!
//! Spec: <https://w3c.github.io/mediacapture-main/#mediastream>

use crate::TrackKind;
use crate::events::{EventStream, EventTarget, ListenerId};
use crate::track::MediaStreamTrack;
use mediacapture_types::MediaStreamTrackState;
use parking_lot::Mutex;
use std::sync::Arc;

/// The type of a [`MediaStreamTrackEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamEventType {
    /// `addtrack`
    AddTrack,
    /// `removetrack`
    RemoveTrack,
}

impl StreamEventType {
    /// The DOM event type: `"addtrack"` or `"removetrack"`.
    pub fn event_type(self) -> &'static str {
        match self {
            StreamEventType::AddTrack => "addtrack",
            StreamEventType::RemoveTrack => "removetrack",
        }
    }
}

/// `addtrack` / `removetrack`: fired at a stream only when the implementation (not the
/// application) changes its track set. Not bubbling, not cancelable.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#mediastreamtrackevent>
#[derive(Debug, Clone)]
pub struct MediaStreamTrackEvent {
    /// `addtrack` or `removetrack`.
    pub event_type: StreamEventType,
    /// The track that was added or removed.
    pub track: MediaStreamTrack,
}

/// The legacy `MediaStreamEvent` (`{ stream }`), kept for code that still names it.
#[derive(Debug, Clone)]
pub struct MediaStreamEvent {
    /// The stream the event is about, if any.
    pub stream: Option<MediaStream>,
}

type TrackSetObserver = Arc<dyn Fn(&MediaStream) + Send + Sync>;

struct StreamInner {
    id: String,
    tracks: Mutex<Vec<MediaStreamTrack>>,
    events: EventTarget<MediaStreamTrackEvent>,
    observers: Mutex<Vec<(TrackSetObserverId, TrackSetObserver)>>,
}

/// A registered track-set observer: pass it to [`MediaStream::remove_track_set_observer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrackSetObserverId(u64);

/// A set of tracks.
///
/// `Clone` copies the handle; the spec's `clone()` (a new stream of cloned tracks) is
/// [`MediaStream::clone_stream`].
#[derive(Clone)]
pub struct MediaStream {
    inner: Arc<StreamInner>,
}

impl std::fmt::Debug for MediaStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaStream")
            .field("id", &self.inner.id)
            .field("tracks", &*self.inner.tracks.lock())
            .finish()
    }
}

impl PartialEq for MediaStream {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}
impl Eq for MediaStream {}

impl Default for MediaStream {
    fn default() -> Self {
        Self::new()
    }
}

impl MediaStream {
    /// `new MediaStream()`: an empty stream with a new id (a UUID).
    pub fn new() -> MediaStream {
        Self::with_id(uuid::Uuid::new_v4().to_string())
    }

    /// An empty stream with a given `id`: what the implementation creates for a remote stream
    /// (RTCPeerConnection gives it the stream id of the remote's `a=msid`).
    pub fn with_id(id: impl Into<String>) -> MediaStream {
        MediaStream {
            inner: Arc::new(StreamInner {
                id: id.into(),
                tracks: Mutex::new(Vec::new()),
                events: EventTarget::default(),
                observers: Mutex::new(Vec::new()),
            }),
        }
    }

    /// `new MediaStream(tracks)`: each track added once (duplicates skipped; ended tracks are
    /// accepted).
    pub fn from_tracks<'a>(tracks: impl IntoIterator<Item = &'a MediaStreamTrack>) -> MediaStream {
        let s = MediaStream::new();
        for t in tracks {
            s.add_track(t);
        }
        s
    }

    /// `new MediaStream(stream)`: a new stream with the same tracks (not clones).
    pub fn from_stream(stream: &MediaStream) -> MediaStream {
        Self::from_tracks(&stream.get_tracks())
    }

    /// The stream's id.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// `true` while at least one track is not ended. Computed live: it turns false as soon as
    /// the last live track's `stop()` returns. (There are no active/inactive events.)
    pub fn active(&self) -> bool {
        self.inner
            .tracks
            .lock()
            .iter()
            .any(|t| t.ready_state() == MediaStreamTrackState::Live)
    }

    /// Every track (a snapshot).
    pub fn get_tracks(&self) -> Vec<MediaStreamTrack> {
        self.inner.tracks.lock().clone()
    }

    /// The audio tracks (a snapshot).
    pub fn get_audio_tracks(&self) -> Vec<MediaStreamTrack> {
        self.of_kind(TrackKind::Audio)
    }

    /// The video tracks (a snapshot).
    pub fn get_video_tracks(&self) -> Vec<MediaStreamTrack> {
        self.of_kind(TrackKind::Video)
    }

    fn of_kind(&self, kind: TrackKind) -> Vec<MediaStreamTrack> {
        self.inner
            .tracks
            .lock()
            .iter()
            .filter(|t| t.kind() == kind)
            .cloned()
            .collect()
    }

    /// The track with this id, if it is in the stream.
    pub fn get_track_by_id(&self, id: &str) -> Option<MediaStreamTrack> {
        self.inner
            .tracks
            .lock()
            .iter()
            .find(|t| t.id() == id)
            .cloned()
    }

    /// Adds a track (no-op if present). Fires no event.
    pub fn add_track(&self, track: &MediaStreamTrack) {
        let added = {
            let mut tracks = self.inner.tracks.lock();
            let add = !tracks.contains(track);
            if add {
                tracks.push(track.clone());
            }
            add
        };
        if added {
            self.notify_observers();
        }
    }

    /// Removes a track (no-op if absent). Fires no event.
    pub fn remove_track(&self, track: &MediaStreamTrack) {
        let removed = {
            let mut tracks = self.inner.tracks.lock();
            let before = tracks.len();
            tracks.retain(|t| t != track);
            tracks.len() != before
        };
        if removed {
            self.notify_observers();
        }
    }

    /// Calls `observer` after every change of this stream's track set: by
    /// [`MediaStream::add_track`] / [`MediaStream::remove_track`], which fire no event, and
    /// by the implementation (before its `addtrack` / `removetrack` event).
    ///
    /// Not a DOM event: for consumers that the spec requires to notice any change of the
    /// track set, as MediaRecorder does ("if at any point, a track is added to or removed
    /// from stream's track set"). The observer runs synchronously on the thread that made the
    /// change, with no lock of the stream held; keep it quick.
    pub fn add_track_set_observer(
        &self,
        observer: impl Fn(&MediaStream) + Send + Sync + 'static,
    ) -> TrackSetObserverId {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = TrackSetObserverId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        self.inner.observers.lock().push((id, Arc::new(observer)));
        id
    }

    /// Unregisters a track-set observer; `false` if it was not registered.
    pub fn remove_track_set_observer(&self, id: TrackSetObserverId) -> bool {
        let mut observers = self.inner.observers.lock();
        let before = observers.len();
        observers.retain(|(i, _)| *i != id);
        observers.len() != before
    }

    fn notify_observers(&self) {
        let observers: Vec<TrackSetObserver> = self
            .inner
            .observers
            .lock()
            .iter()
            .map(|(_, o)| o.clone())
            .collect();
        for o in observers {
            o(self);
        }
    }

    /// The spec's `clone()`: a new stream (new id) of clones of every track.
    pub fn clone_stream(&self) -> MediaStream {
        let clones: Vec<MediaStreamTrack> = self
            .get_tracks()
            .iter()
            .map(MediaStreamTrack::clone_track)
            .collect();
        Self::from_tracks(&clones)
    }

    /// Adds a track as the implementation does (e.g. a media element's new selection) and
    /// fires `addtrack` in a queued task.
    pub fn ua_add_track(&self, track: &MediaStreamTrack) {
        let stream = self.clone();
        let track = track.clone();
        let event_loop = track.event_loop().clone();
        event_loop.queue(move || {
            {
                let mut tracks = stream.inner.tracks.lock();
                if tracks.contains(&track) {
                    return;
                }
                tracks.push(track.clone());
            }
            stream.notify_observers();
            stream.inner.events.dispatch(&MediaStreamTrackEvent {
                event_type: StreamEventType::AddTrack,
                track,
            });
        });
    }

    /// Removes a track as the implementation does and fires `removetrack` in a queued task.
    pub fn ua_remove_track(&self, track: &MediaStreamTrack) {
        let stream = self.clone();
        let track = track.clone();
        let event_loop = track.event_loop().clone();
        event_loop.queue(move || {
            {
                let mut tracks = stream.inner.tracks.lock();
                let before = tracks.len();
                tracks.retain(|t| *t != track);
                if tracks.len() == before {
                    return;
                }
            }
            stream.notify_observers();
            stream.inner.events.dispatch(&MediaStreamTrackEvent {
                event_type: StreamEventType::RemoveTrack,
                track,
            });
        });
    }

    /// Adds a track as the implementation does from within a task of its own, at once, and
    /// fires `addtrack` in a queued task: WebRTC's "set the associated remote streams" during
    /// setRemoteDescription, where the track is already in the stream when the peer
    /// connection's `track` event fires (Chromium adds it synchronously and dispatches
    /// `addtrack` later, the same).
    pub fn ua_add_track_now(&self, track: &MediaStreamTrack) {
        {
            let mut tracks = self.inner.tracks.lock();
            if tracks.contains(track) {
                return;
            }
            tracks.push(track.clone());
        }
        self.notify_observers();
        let stream = self.clone();
        let track = track.clone();
        let event_loop = track.event_loop().clone();
        event_loop.queue(move || {
            stream.inner.events.dispatch(&MediaStreamTrackEvent {
                event_type: StreamEventType::AddTrack,
                track,
            });
        });
    }

    /// [`MediaStream::ua_add_track_now`]'s counterpart: removes the track at once and fires
    /// `removetrack` in a queued task (WebRTC's removal of a remote track).
    pub fn ua_remove_track_now(&self, track: &MediaStreamTrack) {
        {
            let mut tracks = self.inner.tracks.lock();
            let before = tracks.len();
            tracks.retain(|t| t != track);
            if tracks.len() == before {
                return;
            }
        }
        self.notify_observers();
        let stream = self.clone();
        let track = track.clone();
        let event_loop = track.event_loop().clone();
        event_loop.queue(move || {
            stream.inner.events.dispatch(&MediaStreamTrackEvent {
                event_type: StreamEventType::RemoveTrack,
                track,
            });
        });
    }

    /// Replaces tracks as the implementation does, at once: `old` leave the track set and
    /// `new` join it in one step (another thread sees the set before or after, never a set
    /// with neither), then `removetrack` for each old track that was in the set and
    /// `addtrack` for each new one that was not, in that order, in queued tasks. A media
    /// element whose captured tracks are replaced (a restart after the end): Chromium
    /// changes the track set synchronously and dispatches the events later, the same.
    pub fn ua_replace_tracks_now(&self, old: &[MediaStreamTrack], new: &[MediaStreamTrack]) {
        let (removed, added) = {
            let mut tracks = self.inner.tracks.lock();
            let mut removed = Vec::new();
            for t in old {
                if let Some(i) = tracks.iter().position(|x| x == t) {
                    removed.push(tracks.remove(i));
                }
            }
            let mut added = Vec::new();
            for t in new {
                if !tracks.contains(t) {
                    tracks.push(t.clone());
                    added.push(t.clone());
                }
            }
            (removed, added)
        };
        if removed.is_empty() && added.is_empty() {
            return;
        }
        self.notify_observers();
        let events = removed
            .into_iter()
            .map(|t| (StreamEventType::RemoveTrack, t))
            .chain(added.into_iter().map(|t| (StreamEventType::AddTrack, t)));
        for (event_type, track) in events {
            let stream = self.clone();
            let event_loop = track.event_loop().clone();
            event_loop.queue(move || {
                stream
                    .inner
                    .events
                    .dispatch(&MediaStreamTrackEvent { event_type, track });
            });
        }
    }

    /// Registers a listener for `addtrack` / `removetrack`.
    pub fn add_event_listener(
        &self,
        listener: impl Fn(&MediaStreamTrackEvent) + Send + Sync + 'static,
    ) -> ListenerId {
        self.inner.events.add(listener)
    }

    /// Unregisters a listener.
    pub fn remove_event_listener(&self, id: ListenerId) -> bool {
        self.inner.events.remove(id)
    }

    /// An async stream of this stream's events from now on.
    pub fn events(&self) -> EventStream<MediaStreamTrackEvent> {
        self.inner.events.stream()
    }
}
