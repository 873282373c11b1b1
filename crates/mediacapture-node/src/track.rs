//! `MediaStreamTrack`: state, constraints, events, and readers of its media.

use crate::errors::js;
use crate::events::emit;
use crate::frames::NativeFrameReader;
use crate::to_json_text;
use mediacapture::{MediaStreamTrack, MediaTrackConstraints};
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;

/// A `MediaStreamTrack` handle.
#[napi]
pub struct NativeTrack {
    pub(crate) t: MediaStreamTrack,
}

impl From<MediaStreamTrack> for NativeTrack {
    fn from(t: MediaStreamTrack) -> Self {
        NativeTrack { t }
    }
}

#[napi]
impl NativeTrack {
    /// `"audio"` or `"video"`.
    #[napi(getter)]
    pub fn kind(&self) -> String {
        self.t.kind().as_str().to_string()
    }

    /// The track's id.
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.t.id().to_string()
    }

    /// The source's label.
    #[napi(getter)]
    pub fn label(&self) -> String {
        self.t.label().to_string()
    }

    /// `enabled`.
    #[napi(getter)]
    pub fn enabled(&self) -> bool {
        self.t.enabled()
    }

    /// Sets `enabled`.
    #[napi]
    pub fn set_enabled(&self, enabled: bool) {
        self.t.set_enabled(enabled);
    }

    /// `muted` (the native state; the JS layer keeps the state its events announced).
    #[napi(getter)]
    pub fn muted(&self) -> bool {
        self.t.muted()
    }

    /// `"live"` or `"ended"` (native state).
    #[napi(getter)]
    pub fn ready_state(&self) -> String {
        match self.t.ready_state() {
            mediacapture::MediaStreamTrackState::Live => "live".into(),
            mediacapture::MediaStreamTrackState::Ended => "ended".into(),
        }
    }

    /// `contentHint`.
    #[napi(getter)]
    pub fn content_hint(&self) -> String {
        self.t.content_hint()
    }

    /// Sets `contentHint` (invalid values for the kind are ignored).
    #[napi]
    pub fn set_content_hint(&self, hint: String) {
        self.t.set_content_hint(&hint);
    }

    /// `clone()`: a new track on the same source.
    #[napi]
    pub fn clone_track(&self) -> NativeTrack {
        NativeTrack {
            t: self.t.clone_track(),
        }
    }

    /// `stop()`.
    #[napi]
    pub fn stop(&self) {
        self.t.stop();
    }

    /// `getCapabilities()` as JSON.
    #[napi]
    pub fn capabilities(&self) -> String {
        to_json_text(&self.t.get_capabilities())
    }

    /// `getConstraints()` as JSON.
    #[napi]
    pub fn constraints(&self) -> String {
        to_json_text(&self.t.get_constraints())
    }

    /// `getSettings()` as JSON.
    #[napi]
    pub fn settings(&self) -> String {
        to_json_text(&self.t.get_settings())
    }

    /// `applyConstraints(constraints)`: resolves when applied, rejects with the error.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn apply_constraints(&self, constraints: String) -> AsyncTask<ApplyTask> {
        AsyncTask::new(ApplyTask {
            t: self.t.clone(),
            constraints,
        })
    }

    /// Delivers this track's `ended` / `mute` / `unmute` events to the event sink as `target`.
    #[napi]
    pub fn listen(&self, target: u32) {
        self.t.add_event_listener(move |e| {
            emit(target, e.event_type(), String::new());
        });
    }

    /// `true` when both handles are the same track.
    #[napi]
    pub fn is_same(&self, other: &NativeTrack) -> bool {
        self.t == other.t
    }

    /// A reader of this track's media, delivering to this environment's media sink as
    /// reader `id` (see [`NativeFrameReader`]): video frames (converted to `format` when
    /// given: `I420`, `NV12`, `YUYV`, `RGBA`, `BGRA`) or audio blocks (32-bit float,
    /// interleaved), buffering at most `capacity` items.
    #[napi]
    pub fn reader(
        &self,
        id: u32,
        format: Option<String>,
        capacity: Option<u32>,
    ) -> napi::Result<NativeFrameReader> {
        NativeFrameReader::open(&self.t, id, format.as_deref(), capacity)
    }
}

/// The work of `applyConstraints()`.
pub struct ApplyTask {
    t: MediaStreamTrack,
    constraints: String,
}

impl Task for ApplyTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        let t = &self.t;
        js(MediaTrackConstraints::from_json(&self.constraints)
            .and_then(|c| futures_executor::block_on(t.apply_constraints(c))))
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}
