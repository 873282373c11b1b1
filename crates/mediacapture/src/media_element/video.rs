//! The element's video: the selected track's frames, `videoWidth`/`videoHeight`, `resize`,
//! presentation (to frame outputs, captured tracks and video frame callbacks).

use super::state::{State, metadata_available};
use super::{ElementInner, HTMLMediaElement, MediaElementEvent, MediaElementKind, ReadyState};
use crate::track::MediaStreamTrack;
use crate::{SinkId, TrackKind, VideoFrame};
use parking_lot::Mutex;
use std::sync::{Arc, Weak};

/// `VideoFrameCallbackMetadata`, given to a video frame callback.
///
/// Spec: <https://wicg.github.io/video-rvfc/#video-frame-callback-metadata-attributes>
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoFrameCallbackMetadata {
    /// When the frame was presented (ms on the element's clock).
    pub presentation_time: f64,
    /// When it is expected to be visible (ms): the presentation time here (no compositor).
    pub expected_display_time: f64,
    /// The frame's width in pixels.
    pub width: u32,
    /// The frame's height in pixels.
    pub height: u32,
    /// The element's `currentTime` at the frame (seconds).
    pub media_time: f64,
    /// Frames presented since the source was loaded, this one included.
    pub presented_frames: u64,
    /// When the frame was captured (ms on the process clock, for camera and screen frames).
    pub capture_time: f64,
}

type FrameOutput = Arc<dyn Fn(&VideoFrame) + Send + Sync>;
type FrameCallback = Box<dyn FnOnce(f64, &VideoFrameCallbackMetadata) + Send>;

#[derive(Default)]
struct VState {
    width: u32,
    height: u32,
    /// The frame shown.
    current: Option<VideoFrame>,
    /// The last frame received from the track.
    latest: Option<VideoFrame>,
    presenting: bool,
    presented: u64,
    outputs: Vec<(u64, FrameOutput)>,
    next_output: u64,
    callbacks: Vec<(u32, FrameCallback)>,
    next_callback: u32,
    attached: Option<(MediaStreamTrack, SinkId)>,
    load_id: u64,
}

/// See the module docs.
#[derive(Default)]
pub(crate) struct Video {
    state: Mutex<VState>,
}

/// Whether the element waits for a first frame before its metadata is known: a `<video>`
/// whose selected video track is live.
pub(crate) fn needs_first_frame(st: &State, kind: MediaElementKind) -> bool {
    kind == MediaElementKind::Video
        && st
            .video_track
            .as_ref()
            .is_some_and(|t| t.ready_state() == crate::MediaStreamTrackState::Live)
}

/// Selects `track` as the element's video.
pub(crate) fn attach(inner: &Arc<ElementInner>, track: &MediaStreamTrack, load_id: u64) {
    debug_assert_eq!(track.kind(), TrackKind::Video);
    let weak = Arc::downgrade(inner);
    let on_video = weak.clone();
    let sink = track.on_video_frame(move |f| on_frame(&on_video, f, load_id, false));
    let mut v = inner.video.state.lock();
    if let Some((t, id)) = v.attached.take() {
        t.remove_sink(id);
    }
    v.attached = Some((track.clone(), sink));
    v.load_id = load_id;
    drop(v);
    // The frame the track delivered before this sink was added (a camera's first frame
    // comes during getUserMedia): shown now rather than a frame interval later, as
    // Chromium's media player asks its track for a refresh frame when it starts. Queued: the
    // caller holds the element's state.
    if let Some(f) = track.refresh_frame() {
        inner.queue(move |_| on_frame(&weak, &f, load_id, true));
    }
}

/// A frame from the selected track; `refresh`: the track's last frame, given on attaching
/// (ignored if a frame came first).
fn on_frame(weak: &Weak<ElementInner>, frame: &VideoFrame, load_id: u64, refresh: bool) {
    let Some(inner) = weak.upgrade() else {
        return;
    };
    let (w, h) = (frame.display_width(), frame.display_height());
    let mut v = inner.video.state.lock();
    if v.load_id != load_id || (refresh && v.latest.is_some()) {
        return;
    }
    let first = v.latest.is_none();
    v.latest = Some(frame.clone());
    if (w, h) != (v.width, v.height) {
        let had_size = v.width != 0 || v.height != 0;
        v.width = w;
        v.height = h;
        if had_size {
            // Spec: a size change fires `resize` unless readyState is HAVE_NOTHING.
            inner.queue(move |inner| {
                let ready = {
                    let st = inner.state.lock();
                    st.load_id == load_id && st.ready_state > ReadyState::HaveNothing
                };
                if ready {
                    inner.events.dispatch(&MediaElementEvent::Resize);
                }
            });
        }
    }
    if first {
        inner.queue(move |inner| metadata_available(inner, load_id));
    }
    if v.presenting {
        present(&inner, v, frame, None);
    }
}

/// Shows `frame`: the outputs get it, pending frame callbacks are queued. `position_us`:
/// the element's position now, if the caller holds its state (else read here).
fn present(
    inner: &Arc<ElementInner>,
    mut v: parking_lot::MutexGuard<'_, VState>,
    frame: &VideoFrame,
    position_us: Option<i64>,
) {
    v.current = Some(frame.clone());
    v.presented += 1;
    let presented = v.presented;
    let outputs: Vec<FrameOutput> = v.outputs.iter().map(|(_, o)| o.clone()).collect();
    let callbacks = std::mem::take(&mut v.callbacks);
    drop(v);
    for o in outputs {
        o(frame);
    }
    if !callbacks.is_empty() {
        let now = HTMLMediaElement::now_us(inner);
        let position = position_us.unwrap_or_else(|| inner.state.lock().position_at(now));
        let media_time = position as f64 / 1e6;
        let meta = VideoFrameCallbackMetadata {
            presentation_time: now as f64 / 1e3,
            expected_display_time: now as f64 / 1e3,
            width: frame.display_width(),
            height: frame.display_height(),
            media_time,
            presented_frames: presented,
            capture_time: frame.timestamp() as f64 / 1e3,
        };
        inner.queue(move |inner| {
            let at = HTMLMediaElement::now_us(inner) as f64 / 1e3;
            for (_, cb) in callbacks {
                cb(at, &meta);
            }
        });
    }
}

impl Video {
    /// `(videoWidth, videoHeight)`.
    pub(crate) fn size(&self) -> (u32, u32) {
        let v = self.state.lock();
        (v.width, v.height)
    }

    pub(crate) fn current(&self) -> Option<VideoFrame> {
        self.state.lock().current.clone()
    }

    pub(crate) fn presented(&self) -> u64 {
        self.state.lock().presented
    }

    /// Forgets the old source's video (a new load).
    pub(crate) fn reset(&self) {
        let mut v = self.state.lock();
        if let Some((t, id)) = v.attached.take() {
            t.remove_sink(id);
        }
        v.width = 0;
        v.height = 0;
        v.current = None;
        v.latest = None;
        v.presented = 0;
        v.load_id = 0;
    }

    /// Stops taking frames from the selected track.
    pub(crate) fn detach(&self) {
        let attached = self.state.lock().attached.take();
        if let Some((t, id)) = attached {
            t.remove_sink(id);
        }
    }

    /// Presents new frames (while the element plays) or keeps showing the current one.
    pub(crate) fn set_presenting(&self, presenting: bool) {
        self.state.lock().presenting = presenting;
    }

    /// Metadata arrived: the last frame received is shown, paused or not (a paused element
    /// shows its first frame, as browsers do). Showing it is presenting it: frame callbacks
    /// run for it (requestVideoFrameCallback's "sent to the compositor"; Chromium composites
    /// a paused video's first frame, and its callbacks fire). `position_us`: the element's
    /// position now (the caller holds its state).
    pub(crate) fn show_current(inner: &Arc<ElementInner>, position_us: i64) {
        let v = inner.video.state.lock();
        if v.current.is_some() {
            return;
        }
        let Some(f) = v.latest.clone() else {
            return;
        };
        present(inner, v, &f, Some(position_us));
    }

    pub(crate) fn add_output(&self, output: FrameOutput) -> u64 {
        let mut v = self.state.lock();
        v.next_output += 1;
        let id = v.next_output;
        v.outputs.push((id, output));
        id
    }

    /// Gives `frame` to output `id` alone (an output added while a frame is shown).
    pub(crate) fn present_to(&self, id: u64, frame: &VideoFrame) {
        let out = self
            .state
            .lock()
            .outputs
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, o)| o.clone());
        if let Some(o) = out {
            o(frame);
        }
    }

    pub(crate) fn remove_output(&self, id: u64) {
        self.state.lock().outputs.retain(|(i, _)| *i != id);
    }

    pub(crate) fn request_callback(&self, cb: FrameCallback) -> u32 {
        let mut v = self.state.lock();
        // Handles start at 1 and never repeat for one element (the spec's callback id).
        v.next_callback = v.next_callback.wrapping_add(1).max(1);
        let id = v.next_callback;
        v.callbacks.push((id, cb));
        id
    }

    pub(crate) fn cancel_callback(&self, id: u32) {
        self.state.lock().callbacks.retain(|(i, _)| *i != id);
    }
}
