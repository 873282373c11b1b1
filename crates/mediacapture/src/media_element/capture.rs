//! `captureStream()`: tracks that carry what the element renders.
//!
//! Spec: <https://w3c.github.io/mediacapture-fromelement/#html-media-element-media-capture-extensions>

use super::state::State;
use super::{ElementInner, ReadyState};
use crate::push::PushSource;
use crate::stream::MediaStream;
use crate::track::MediaStreamTrack;
use crate::{MediaTrackConstraints, SinkId, TrackKind};
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// One `captureStream()` call.
pub(crate) struct Capture {
    stream: MediaStream,
    tracks: Mutex<Vec<Captured>>,
    /// Whether the element plays: captured audio flows only then.
    playing: Arc<AtomicBool>,
}

/// A captured track and what feeds it.
struct Captured {
    /// The element's track it captures.
    source: MediaStreamTrack,
    push: PushSource,
    track: MediaStreamTrack,
    feed: Feed,
}

enum Feed {
    /// A frame output of the element (its id).
    Video(u64),
    /// A sink on the element's audio track.
    Audio(SinkId),
}

/// `captureStream()`.
pub(crate) fn capture_stream(inner: &Arc<ElementInner>) -> MediaStream {
    let mut st = inner.state.lock();
    let capture = Arc::new(Capture {
        stream: MediaStream::new(),
        tracks: Mutex::new(Vec::new()),
        playing: Arc::new(AtomicBool::new(st.potentially_playing())),
    });
    // Tracks exist once metadata is known ("a media element with a ready state of
    // HAVE_NOTHING produces no captured MediaStreamTrack instances").
    if st.ready_state >= ReadyState::HaveMetadata && !st.ended {
        for t in selected(&st) {
            if let Some(c) = open(inner, &capture, &t) {
                capture.stream.add_track(&c.track);
                capture.tracks.lock().push(c);
            }
        }
    }
    let stream = capture.stream.clone();
    // The element holds its captures for its lifetime (a few bytes each once their tracks
    // ended): a capture gets new tracks whenever the element's source changes, however long
    // the program keeps the stream.
    st.captures.push(capture);
    stream
}

/// What the element renders now: its audio tracks and (a `<video>`'s) selected track.
fn selected(st: &State) -> Vec<MediaStreamTrack> {
    let Some(src) = &st.src else {
        return Vec::new();
    };
    let mut out: Vec<MediaStreamTrack> = src
        .get_tracks()
        .into_iter()
        .filter(|t| t.kind() == TrackKind::Audio)
        .collect();
    out.extend(st.video_track.clone());
    out
}

/// A captured track of `source`: its media as the element renders it.
fn open(
    inner: &Arc<ElementInner>,
    capture: &Capture,
    source: &MediaStreamTrack,
) -> Option<Captured> {
    let settings = source.get_settings();
    let playing = capture.playing.clone();
    let (push, feed) = match source.kind() {
        TrackKind::Video => {
            let (w, h) = inner.video.size();
            let push = PushSource::video(
                source.label(),
                w.max(1),
                h.max(1),
                settings.frame_rate.unwrap_or(30.0),
            );
            let p = push.clone();
            let id = inner
                .video
                .add_output(Arc::new(move |f| p.push_video(f.clone())));
            (push, Feed::Video(id))
        }
        TrackKind::Audio => {
            let push = PushSource::audio(
                source.label(),
                settings.sample_rate.unwrap_or(48_000),
                settings.channel_count.unwrap_or(1),
            );
            let p = push.clone();
            // The element's audio before volume and muting (the spec: "the audio level or
            // volume of the media element does not affect the volume of captured audio").
            let id = source.on_audio_data(move |a| {
                if playing.load(Ordering::Relaxed) {
                    p.push_audio(a.clone());
                }
            });
            (push, Feed::Audio(id))
        }
    };
    push.set_muted(!capture.playing.load(Ordering::Relaxed));
    match push.open_track(MediaTrackConstraints::default()) {
        Ok(track) => Some(Captured {
            source: source.clone(),
            push,
            track,
            feed,
        }),
        Err(e) => {
            tracing::warn!("captureStream: cannot capture {:?}: {e}", source.label());
            release(inner, feed, source);
            None
        }
    }
}

fn release(inner: &ElementInner, feed: Feed, source: &MediaStreamTrack) {
    match feed {
        Feed::Video(id) => inner.video.remove_output(id),
        Feed::Audio(id) => source.remove_sink(id),
    }
}

fn live_captures(st: &State) -> Vec<Arc<Capture>> {
    st.captures.clone()
}

/// Ends (and removes, `removetrack`) captured tracks whose source is not in `keep`.
fn end_unselected(inner: &ElementInner, capture: &Capture, keep: &[MediaStreamTrack]) {
    let gone: Vec<Captured> = {
        let mut tracks = capture.tracks.lock();
        let (gone, stay) = tracks.drain(..).partition(|c| !keep.contains(&c.source));
        *tracks = stay;
        gone
    };
    for c in gone {
        release(inner, c.feed, &c.source);
        // "A MediaStreamTrack MUST end prior to being removed from the MediaStream."
        c.push.end();
        capture.stream.ua_remove_track(&c.track);
    }
}

/// Adds (`addtrack`) captured tracks for selected tracks that have none.
fn add_selected(inner: &Arc<ElementInner>, capture: &Capture, selected: &[MediaStreamTrack]) {
    for t in selected {
        if capture.tracks.lock().iter().any(|c| &c.source == t) {
            continue;
        }
        if let Some(c) = open(inner, capture, t) {
            capture.stream.ua_add_track(&c.track);
            capture.tracks.lock().push(c);
        }
    }
}

/// The new source's metadata is known: its tracks are captured.
pub(crate) fn metadata_available(inner: &Arc<ElementInner>, st: &mut State) {
    let sel = selected(st);
    for c in live_captures(st) {
        add_selected(inner, &c, &sel);
    }
}

/// The selected / enabled tracks changed.
pub(crate) fn selection_changed(inner: &Arc<ElementInner>, st: &mut State) {
    if st.ready_state < ReadyState::HaveMetadata || st.ended {
        return;
    }
    let sel = selected(st);
    for c in live_captures(st) {
        end_unselected(inner, &c, &sel);
        add_selected(inner, &c, &sel);
    }
}

/// The source changed (a new load): every captured track ends.
pub(crate) fn source_changed(inner: &Arc<ElementInner>, st: &mut State) {
    for c in live_captures(st) {
        end_unselected(inner, &c, &[]);
    }
}

/// Playback ended: every captured track ends ("restarting playback after playback ends
/// causes a new set of captured MediaStreamTrack instances to be created").
pub(crate) fn playback_ended(inner: &Arc<ElementInner>, st: &mut State) {
    source_changed(inner, st);
}

/// Captured tracks are muted while the element does not play.
pub(crate) fn set_playing(st: &mut State, playing: bool) {
    for c in live_captures(st) {
        c.playing.store(playing, Ordering::Relaxed);
        for t in c.tracks.lock().iter() {
            t.push.set_muted(!playing);
        }
    }
}
