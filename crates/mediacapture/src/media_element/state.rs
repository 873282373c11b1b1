//! The element's state and the HTML algorithms that change it: load, play, pause, the ready
//! states, ended playback, volume.

use super::{ElementInner, MediaElementEvent as E, MediaElementKind, NetworkState, ReadyState};
use super::{capture, sink, video};
use crate::playout::AudioPlayer;
use crate::stream::{MediaStream, TrackSetObserverId};
use crate::track::MediaStreamTrack;
use crate::{Error, Result, SinkId, TrackKind};
use std::sync::{Arc, Weak};

/// A pending `play()` promise: settled once, with the result.
pub(crate) type PlayPromise = Box<dyn FnOnce(Result<()>) + Send>;

/// The element's state (under one lock).
pub(crate) struct State {
    pub(crate) src: Option<MediaStream>,
    observer: Option<(MediaStream, TrackSetObserverId)>,
    /// Counts loads: tasks queued for an earlier load do nothing.
    pub(crate) load_id: u64,
    pub(crate) network_state: NetworkState,
    pub(crate) ready_state: ReadyState,
    pub(crate) paused: bool,
    pub(crate) autoplay: bool,
    pub(crate) muted: bool,
    pub(crate) volume: f64,
    /// The `ended` attribute: playback ended (the stream became inactive).
    pub(crate) ended: bool,
    /// The stream was active at some point (a stream that never was cannot end playback).
    was_active: bool,
    pending_play: Vec<PlayPromise>,
    /// The official playback position (µs) when `playing_since` was set, or now.
    position_us: i64,
    /// When the element last became potentially playing (element clock, µs).
    playing_since: Option<i64>,
    pub(crate) sink_id: String,
    /// The element's output was asked for (at its first audio playback or by setSinkId).
    pub(crate) output_requested: bool,
    pub(crate) error: Option<(u16, String)>,
    pub(crate) video_track: Option<MediaStreamTrack>,
    audio_tracks: Vec<MediaStreamTrack>,
    /// Sinks that notice when a track ends (`stop()` fires no event).
    watchers: Vec<(MediaStreamTrack, SinkId)>,
    pub(crate) captures: Vec<Arc<capture::Capture>>,
    /// The host runs a script: a load's resource selection waits for
    /// [`stable_state`] (see [`super::HTMLMediaElement::set_awaits_stable_state`]).
    pub(crate) awaits_stable_state: bool,
    /// A load's resource selection waits for the next stable state.
    selection_pending: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            src: None,
            observer: None,
            load_id: 0,
            network_state: NetworkState::Empty,
            ready_state: ReadyState::HaveNothing,
            paused: true,
            autoplay: false,
            muted: false,
            volume: 1.0,
            ended: false,
            was_active: false,
            pending_play: Vec::new(),
            position_us: 0,
            playing_since: None,
            sink_id: String::new(),
            output_requested: false,
            error: None,
            video_track: None,
            audio_tracks: Vec::new(),
            watchers: Vec::new(),
            captures: Vec::new(),
            awaits_stable_state: false,
            selection_pending: false,
        }
    }
}

impl State {
    /// Spec: "potentially playing" (not paused, not ended, enough data).
    pub(crate) fn potentially_playing(&self) -> bool {
        !self.paused && !self.ended && self.ready_state >= ReadyState::HaveFutureData
    }

    /// The official playback position (µs) at `now`.
    pub(crate) fn position_at(&self, now: i64) -> i64 {
        self.position_us + self.playing_since.map_or(0, |t| (now - t).max(0))
    }

    /// Starts or stops the timeline as potentially playing changed (call after every change).
    fn sync_timeline(&mut self, now: i64) {
        let playing = self.potentially_playing();
        match (self.playing_since, playing) {
            (None, true) => self.playing_since = Some(now),
            (Some(t), false) => {
                self.position_us += (now - t).max(0);
                self.playing_since = None;
            }
            _ => {}
        }
    }

    /// Lets go of every track (sinks removed, audio stopped).
    pub(crate) fn detach_all(&mut self, player: &AudioPlayer, video: &video::Video) {
        if let Some((s, id)) = self.observer.take() {
            s.remove_track_set_observer(id);
        }
        for t in self.audio_tracks.drain(..) {
            player.remove_track(&t);
        }
        if self.video_track.take().is_some() {
            video.detach();
        }
        for (t, id) in self.watchers.drain(..) {
            t.remove_sink(id);
        }
    }

    fn take_promises(&mut self) -> Vec<PlayPromise> {
        std::mem::take(&mut self.pending_play)
    }

    /// The element is going away: its pending `play()` promises reject with `AbortError`.
    pub(crate) fn abandon_promises(&mut self) {
        reject(
            self.take_promises(),
            &Error::abort("the media element went away"),
        );
    }
}

fn reject(promises: Vec<PlayPromise>, e: &Error) {
    for p in promises {
        p(Err(e.clone()));
    }
}

/// The media element load algorithm, for `srcObject` (the only media provider here).
///
/// Spec: <https://html.spec.whatwg.org/multipage/media.html#media-element-load-algorithm>
pub(crate) fn load(inner: &Arc<ElementInner>, stream: Option<MediaStream>) {
    let now = super::HTMLMediaElement::now_us(inner);
    let mut st = inner.state.lock();
    if matches!(st.network_state, NetworkState::Loading | NetworkState::Idle) {
        inner.fire(E::Abort);
    }
    if st.network_state != NetworkState::Empty {
        inner.fire(E::Emptied);
        st.ready_state = ReadyState::HaveNothing;
        if !st.paused {
            st.paused = true;
            let promises = st.take_promises();
            inner.queue(move |_| {
                reject(
                    promises,
                    &Error::abort("The play() request was interrupted by a new load request."),
                );
            });
        }
        st.position_us = 0;
        st.playing_since = None;
        st.ended = false;
    }
    st.load_id += 1;
    st.detach_all(&inner.player, &inner.video);
    st.was_active = false;
    st.error = None;
    inner.video.reset();
    capture::source_changed(inner, &mut st);
    st.src = stream;
    st.selection_pending = false;
    if st.src.is_none() {
        st.network_state = NetworkState::Empty;
        update_playback(inner, &mut st, now);
        return;
    }
    // The resource selection algorithm: NETWORK_NO_SOURCE until it goes on after "await a
    // stable state", which for a host with a script is after the script that set the
    // source (Chromium: a task later; until then `networkState` reads 3).
    st.network_state = NetworkState::NoSource;
    if st.awaits_stable_state {
        st.selection_pending = true;
        update_playback(inner, &mut st, now);
        return;
    }
    select_resource(inner, &mut st, now);
}

/// The host reached a stable state: a load's pending resource selection goes on.
pub(crate) fn stable_state(inner: &Arc<ElementInner>) {
    let now = super::HTMLMediaElement::now_us(inner);
    let mut st = inner.state.lock();
    if std::mem::take(&mut st.selection_pending) {
        select_resource(inner, &mut st, now);
    }
}

/// The resource selection algorithm after its stable state, for a `srcObject`: loading
/// starts (`loadstart`) and the element attaches to the stream's tracks.
///
/// Spec: <https://html.spec.whatwg.org/multipage/media.html#concept-media-load-resource>
fn select_resource(inner: &Arc<ElementInner>, st: &mut State, now: i64) {
    let Some(stream) = st.src.clone() else {
        return;
    };
    st.network_state = NetworkState::Loading;
    inner.fire(E::LoadStart);
    let weak = Arc::downgrade(inner);
    let load_id = st.load_id;
    let id = stream.add_track_set_observer(move |_| {
        if let Some(inner) = weak.upgrade() {
            inner.queue(move |inner| tracks_changed(inner, load_id));
        }
    });
    st.observer = Some((stream, id));
    sync_tracks(inner, st);
    if !video::needs_first_frame(st, inner.kind) {
        inner.queue(move |inner| metadata_available(inner, load_id));
    }
    update_playback(inner, st, now);
}

/// Attaches to the stream's tracks as the track set is now: every audio track is played,
/// the first video track (of a `<video>`) is selected.
fn sync_tracks(inner: &Arc<ElementInner>, st: &mut State) {
    let Some(stream) = st.src.clone() else {
        return;
    };
    let tracks = stream.get_tracks();
    if stream.active() {
        st.was_active = true;
    }
    // Audio: every audio track of the stream, mixed.
    let audio: Vec<MediaStreamTrack> = tracks
        .iter()
        .filter(|t| t.kind() == TrackKind::Audio)
        .cloned()
        .collect();
    for t in st.audio_tracks.iter().filter(|t| !audio.contains(t)) {
        inner.player.remove_track(t);
    }
    for t in audio.iter().filter(|t| !st.audio_tracks.contains(t)) {
        inner.player.add_track(t);
    }
    st.audio_tracks = audio;
    // Video: the selected track stays while it is in the stream; else the first one.
    if inner.kind == MediaElementKind::Video {
        let keep = st.video_track.as_ref().is_some_and(|t| tracks.contains(t));
        if !keep {
            if st.video_track.take().is_some() {
                inner.video.detach();
            }
            if let Some(t) = tracks.iter().find(|t| t.kind() == TrackKind::Video) {
                video::attach(inner, t, st.load_id);
                st.video_track = Some(t.clone());
            }
        }
    }
    // Watch every track for its end.
    st.watchers.retain(|(t, id)| {
        let keep = tracks.contains(t);
        if !keep {
            t.remove_sink(*id);
        }
        keep
    });
    for t in &tracks {
        if st.watchers.iter().any(|(w, _)| w == t) {
            continue;
        }
        let guard = EndGuard {
            inner: Arc::downgrade(inner),
            load_id: st.load_id,
        };
        let id = match t.kind() {
            TrackKind::Audio => t.on_audio_data(move |_| {
                let _ = &guard;
            }),
            TrackKind::Video => t.on_video_frame(move |_| {
                let _ = &guard;
            }),
        };
        st.watchers.push((t.clone(), id));
    }
    capture::selection_changed(inner, st);
}

/// Dropped with a track's watcher sink: the track ended (or the watcher was removed).
struct EndGuard {
    inner: Weak<ElementInner>,
    load_id: u64,
}

impl Drop for EndGuard {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            let load_id = self.load_id;
            inner.queue(move |inner| stream_state_changed(inner, load_id));
        }
    }
}

fn tracks_changed(inner: &Arc<ElementInner>, load_id: u64) {
    let now = super::HTMLMediaElement::now_us(inner);
    let mut st = inner.state.lock();
    if st.load_id != load_id {
        return;
    }
    sync_tracks(inner, &mut st);
    let active = st.src.as_ref().is_some_and(MediaStream::active);
    // "Once playback has ended, it won't resume if new tracks are added unless autoplay is
    // true or the element is restarted (play())."
    if st.ended && active && st.autoplay {
        st.ended = false;
        if st.paused {
            st.paused = false;
            inner.fire(E::Play);
        }
        notify_about_playing(inner, &mut st);
    }
    if st.ready_state == ReadyState::HaveNothing && !video::needs_first_frame(&st, inner.kind) {
        inner.queue(move |inner| metadata_available(inner, load_id));
    }
    update_playback(inner, &mut st, now);
    drop(st);
    stream_state_changed(inner, load_id);
}

/// The stream may have become inactive: ended playback.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#mediastreams-in-media-elements> (ended
/// playback), <https://html.spec.whatwg.org/multipage/media.html#reaches-the-end>
pub(crate) fn stream_state_changed(inner: &Arc<ElementInner>, load_id: u64) {
    let now = super::HTMLMediaElement::now_us(inner);
    let mut st = inner.state.lock();
    if st.load_id != load_id {
        return;
    }
    let Some(stream) = st.src.clone() else {
        return;
    };
    if stream.active() {
        st.was_active = true;
        return;
    }
    // A selected video track that ended before its first frame brings no metadata: the
    // element has what it will get.
    if st.ready_state == ReadyState::HaveNothing {
        inner.queue(move |inner| metadata_available(inner, load_id));
        return;
    }
    if st.ended || !st.was_active {
        return;
    }
    st.ended = true;
    inner.fire(E::TimeUpdate);
    if !st.paused {
        st.paused = true;
        inner.fire(E::Pause);
        let promises = st.take_promises();
        inner.queue(move |_| {
            reject(promises, &Error::abort("playback ended before it started"));
        });
    }
    inner.fire(E::Ended);
    capture::playback_ended(inner, &mut st);
    update_playback(inner, &mut st, now);
}

/// The stream's metadata is known: HAVE_METADATA, then (a live stream has everything it
/// will have) HAVE_ENOUGH_DATA, with their events, and autoplay.
///
/// Spec: <https://html.spec.whatwg.org/multipage/media.html#ready-states>
pub(crate) fn metadata_available(inner: &Arc<ElementInner>, load_id: u64) {
    let now = super::HTMLMediaElement::now_us(inner);
    let mut st = inner.state.lock();
    if st.load_id != load_id || st.ready_state != ReadyState::HaveNothing {
        return;
    }
    st.ready_state = ReadyState::HaveMetadata;
    st.network_state = NetworkState::Idle;
    inner.fire(E::DurationChange);
    inner.fire(E::LoadedMetadata);
    st.ready_state = ReadyState::HaveEnoughData;
    inner.fire(E::LoadedData);
    inner.fire(E::CanPlay);
    if !st.paused {
        notify_about_playing(inner, &mut st);
    } else if st.autoplay {
        // Eligible for autoplay: a native program allows it.
        st.paused = false;
        inner.fire(E::Play);
        notify_about_playing(inner, &mut st);
    }
    inner.fire(E::CanPlayThrough);
    super::video::Video::show_current(inner, st.position_at(now));
    capture::metadata_available(inner, &mut st);
    update_playback(inner, &mut st, now);
    drop(st);
    stream_state_changed(inner, load_id);
}

/// Spec: "notify about playing": fire `playing` and resolve the pending play promises.
fn notify_about_playing(inner: &Arc<ElementInner>, st: &mut State) {
    let promises = st.take_promises();
    inner.queue(move |inner| {
        inner.events.dispatch(&E::Playing);
        for p in promises {
            p(Ok(()));
        }
    });
}

/// `play()`.
///
/// Spec: <https://html.spec.whatwg.org/multipage/media.html#dom-media-play>
pub(crate) fn play(inner: &Arc<ElementInner>, promise: PlayPromise) {
    let now = super::HTMLMediaElement::now_us(inner);
    let mut st = inner.state.lock();
    if st.src.is_none() {
        // Chromium rejects at once when there is nothing to play.
        promise(Err(Error::not_supported(
            "The element has no supported sources.",
        )));
        return;
    }
    st.pending_play.push(promise);
    // Internal play steps. Playback that ended starts again from here.
    let restarted = st.ended;
    st.ended = false;
    if st.paused {
        st.paused = false;
        inner.fire(E::Play);
        if st.ready_state <= ReadyState::HaveCurrentData {
            inner.fire(E::Waiting);
        } else {
            notify_about_playing(inner, &mut st);
        }
    } else if st.ready_state >= ReadyState::HaveFutureData {
        let promises = st.take_promises();
        inner.queue(move |_| {
            for p in promises {
                p(Ok(()));
            }
        });
    }
    update_playback(inner, &mut st, now);
    let load_id = st.load_id;
    drop(st);
    if restarted {
        // Still inactive: playback ends again at once.
        inner.queue(move |inner| stream_state_changed(inner, load_id));
    }
}

/// `pause()`.
///
/// Spec: <https://html.spec.whatwg.org/multipage/media.html#internal-pause-steps>
pub(crate) fn pause(inner: &Arc<ElementInner>) {
    let now = super::HTMLMediaElement::now_us(inner);
    let mut st = inner.state.lock();
    if st.paused {
        return;
    }
    st.paused = true;
    let promises = st.take_promises();
    inner.queue(move |inner| {
        inner.events.dispatch(&E::TimeUpdate);
        inner.events.dispatch(&E::Pause);
        reject(
            promises,
            &Error::abort("The play() request was interrupted by a call to pause()."),
        );
    });
    update_playback(inner, &mut st, now);
}

/// `volume` / `muted` setters.
pub(crate) fn set_volume(
    inner: &Arc<ElementInner>,
    volume: Option<f64>,
    muted: Option<bool>,
) -> Result<()> {
    let mut st = inner.state.lock();
    let mut changed = false;
    if let Some(v) = volume {
        if !(0.0..=1.0).contains(&v) {
            return Err(Error::index_size(format!(
                "The volume provided ({v}) is outside the range [0, 1]."
            )));
        }
        changed |= st.volume != v;
        st.volume = v;
    }
    if let Some(m) = muted {
        changed |= st.muted != m;
        st.muted = m;
    }
    if changed {
        inner.fire(E::VolumeChange);
    }
    let gain = if st.muted { 0.0 } else { st.volume as f32 };
    inner.player.set_gain(gain);
    Ok(())
}

/// Carries the state out: the timeline, the audio player, video presentation, captures.
pub(crate) fn update_playback(inner: &Arc<ElementInner>, st: &mut State, now: i64) {
    st.sync_timeline(now);
    let playing = st.potentially_playing();
    let gain = if st.muted { 0.0 } else { st.volume as f32 };
    inner.player.set_gain(gain);
    inner
        .player
        .set_playing(playing && !st.audio_tracks.is_empty());
    if playing && !st.audio_tracks.is_empty() {
        sink::ensure_output(inner, st);
    }
    inner.video.set_presenting(playing);
    capture::set_playing(st, playing);
}
