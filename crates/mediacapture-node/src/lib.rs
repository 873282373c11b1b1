//! The native half of the `mediacapture` Node.js addon.
//!
//! This crate exposes thin handles over the `mediacapture` crate to JavaScript: a
//! [`NativeDevices`] (one `MediaDevices` for an origin), [`NativeStream`], [`NativeTrack`] and
//! [`NativeFrameReader`]. The DOM shapes (`EventTarget` subclasses, `DOMException`s, WebIDL
//! dictionary conversion of JavaScript values, event handler attributes) live in the package's
//! `lib/*.js`, which is the only intended user of these handles.
//!
//! Conventions of the boundary:
//! - dictionaries cross as JSON text (the JS layer converts JavaScript values as WebIDL would
//!   into JSON; `from_json` here finishes the conversion with the same rules the Rust API uses);
//! - errors cross as JSON text `{"name", "message", "constraint"}` (never as napi errors, which
//!   arrive in JavaScript as a plain `Error` and lose the DOMException name);
//! - work that may block (opening a device, enumerating, applying constraints, waiting for a
//!   frame) runs on libuv's thread pool ([`AsyncTask`]), so the JavaScript thread never blocks;
//!   `getUserMedia` / `getDisplayMedia`, which may wait for a permission prompt as long as the
//!   user takes, run on a thread of their own instead and settle a promise (a pool thread
//!   waiting for JavaScript would starve the pool, and would keep a terminated worker's
//!   environment from ever being torn down: node waits for running pool work first);
//! - every event the library fires goes through ONE weak threadsafe function
//!   ([`set_event_sink`]), called from the library's single event thread, so JavaScript receives
//!   events in the order they were fired. The function is weak: it never keeps node's event loop
//!   alive (the JS layer decides that, from what waits for events);
//! - permission prompts go to a second weak threadsafe function, one per environment and only
//!   while the JS layer has a prompt handler ([`set_prompt_handler`]). The library asks from
//!   the thread running `getUserMedia` / `getDisplayMedia`; that thread waits until
//!   JavaScript answers with [`answer_prompt`] (the JavaScript thread never waits), or until
//!   the environment is torn down (a cleanup hook refuses its pending prompts).

use mediacapture::{
    AudioData, DeviceChangeEvent, DeviceInfo, DisplayMediaStreamOptions, MediaDevices, MediaStream,
    MediaStreamConstraints, MediaStreamTrack, MediaTrackConstraints, PermissionName,
    PermissionRequest, PermissionState, PixelFormat, SinkId, VideoFrame,
};
use mediacapture_hal::fake::{DeviceSpec, FakeBackend, FakeProfile};
use mediacapture_recorder::{Blob, MediaRecorder, RecorderEvent, RecorderOptions};
use napi::bindgen_prelude::{AsyncTask, Buffer, Either, Object, Uint8Array};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, Task};
use napi_derive::napi;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// The one JavaScript function events are delivered to: `(targetId, type, payloadJson)`.
/// Weak (`unref`ed): it never keeps the event loop alive by itself.
type EventSink =
    ThreadsafeFunction<(u32, String, String), (), (u32, String, String), Status, false, true>;

/// Event sinks, one per JavaScript environment (the main thread and each worker that loads
/// the addon). A target id carries its environment in its top 8 bits.
fn sinks() -> &'static Mutex<Vec<Arc<EventSink>>> {
    static SINKS: OnceLock<Mutex<Vec<Arc<EventSink>>>> = OnceLock::new();
    SINKS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Bits of a target id that number targets within one environment.
const TARGET_BITS: u32 = 24;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Queues an event for JavaScript. Called from the library's event thread only, so the order
/// of calls is the order of the events.
fn emit(target: u32, event_type: &str, payload: String) {
    let env = (target >> TARGET_BITS) as usize;
    let sink = lock(sinks()).get(env).cloned();
    if let Some(sink) = sink {
        // NonBlocking: the queue is unbounded; a closing environment just drops the event.
        let _ = sink.call(
            (target, event_type.to_string(), payload),
            ThreadsafeFunctionCallMode::NonBlocking,
        );
    }
}

/// Registers the function this JavaScript environment's events are delivered to (called once
/// per environment by the JS layer). Returns the environment's number: its target ids are
/// `number << 24 | n` with `n` below 2^24.
#[napi]
pub fn set_event_sink(env: &Env, callback: EventSink) -> napi::Result<u32> {
    let mut list = lock(sinks());
    let n = u32::try_from(list.len())
        .ok()
        .filter(|n| *n < 1 << (32 - TARGET_BITS))
        .ok_or_else(|| napi::Error::from_reason("too many JavaScript environments"))?;
    // When the environment is torn down (a terminated worker): its pending prompts are
    // refused, so the threads waiting for them go on, and its promises are left alone.
    env.add_env_cleanup_hook(n, |n| {
        let mut p = lock(prompts());
        p.dead.insert(n);
        // Leaked, not dropped: by now Node has closed the prompt function (cleanup hooks run
        // newest first), and a closed function's release fails, which napi-rs asserts on
        // (a panic here, inside a C callback, would abort the process).
        if let Some(h) = p.handlers.remove(&n) {
            std::mem::forget(h);
        }
        p.pending.retain(|_, (e, _)| *e != n);
    })?;
    list.push(Arc::new(callback));
    Ok(n)
}

/// The JavaScript function permission prompts are delivered to: `(promptId, requestJson)`.
/// Weak (`unref`ed): an installed handler alone never keeps the event loop alive (a pending
/// prompt does, through the pending `getUserMedia` promise).
type PromptSink = ThreadsafeFunction<(u32, String), (), (u32, String), Status, false, true>;

/// Prompt handlers (by environment number) and the prompts waiting for an answer.
#[derive(Default)]
struct Prompts {
    /// The prompt function of each environment that has a handler.
    handlers: HashMap<u32, Arc<PromptSink>>,
    /// Unanswered prompts: id -> (environment, where the answer goes).
    pending: HashMap<u32, (u32, mpsc::SyncSender<bool>)>,
    /// Environments torn down: their promises must not be settled any more (the threadsafe
    /// functions behind them are gone).
    dead: HashSet<u32>,
    next_id: u32,
}

fn prompts() -> &'static Mutex<Prompts> {
    static PROMPTS: OnceLock<Mutex<Prompts>> = OnceLock::new();
    PROMPTS.get_or_init(|| Mutex::new(Prompts::default()))
}

/// Asks environment `env`'s JavaScript prompt handler, blocking the calling thread (the one
/// running `getUserMedia` / `getDisplayMedia`, never the JavaScript thread) until it answers.
/// `false` without a handler, or when the environment goes away first.
fn ask_javascript(env: u32, request: &PermissionRequest) -> bool {
    let (tx, rx) = mpsc::sync_channel(1);
    let (sink, id) = {
        let mut p = lock(prompts());
        let Some(sink) = p.handlers.get(&env).cloned() else {
            return false;
        };
        let mut id = p.next_id;
        while p.pending.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        p.next_id = id.wrapping_add(1);
        p.pending.insert(id, (env, tx));
        (sink, id)
    };
    let text = json!({
        "name": request.name.as_str(),
        "origin": request.origin,
        "devices": request.devices,
    })
    .to_string();
    // NonBlocking: the queue is unbounded. The call never waits for the JavaScript thread, so
    // it cannot deadlock with it or with the event sink.
    let status = sink.call((id, text), ThreadsafeFunctionCallMode::NonBlocking);
    if status != Status::Ok {
        // Closing (a worker being torn down): Node has already dropped the function's thread
        // count, so releasing it again would fail napi-rs's assertion. Leak this reference.
        std::mem::forget(sink);
        lock(prompts()).pending.remove(&id);
        return false;
    }
    drop(sink);
    // The sender is dropped (an error here) when the environment is torn down unanswered.
    rx.recv().unwrap_or(false)
}

/// Installs (a function) or removes (null) environment `env_number`'s prompt function, which
/// is called with `(promptId, requestJson)` (`{"name", "origin", "devices"}`) and must answer
/// each prompt once with [`answer_prompt`]. Without one, prompts are refused. No threadsafe
/// function exists while none is installed; an installed one is weak.
#[napi]
pub fn set_prompt_handler(env_number: u32, handler: Option<PromptSink>) {
    let mut p = lock(prompts());
    match handler {
        Some(h) => {
            p.handlers.insert(env_number, Arc::new(h));
        }
        None => {
            p.handlers.remove(&env_number);
        }
    }
}

/// Answers prompt `id` (`true` allows). Unknown or already answered ids are ignored.
#[napi]
pub fn answer_prompt(id: u32, allowed: bool) {
    let pending = lock(prompts()).pending.remove(&id);
    if let Some((_, tx)) = pending {
        // The channel holds one answer; the receiver waits for it.
        let _ = tx.try_send(allowed);
    }
}

/// An error as JSON text: `{"name", "message", "constraint"}` (`constraint` only for
/// OverconstrainedError).
fn error_json(e: &mediacapture::Error) -> String {
    e.to_json().to_string()
}

fn to_json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

fn type_error(message: impl Into<String>) -> napi::Error {
    napi::Error::new(Status::InvalidArg, message.into())
}

fn device_json(d: &DeviceInfo) -> Value {
    let mut v = d.to_json();
    v["capabilities"] = match d.get_capabilities() {
        Some(c) => serde_json::to_value(c).unwrap_or(Value::Null),
        None => Value::Null,
    };
    v
}

fn device_list_json(list: &[DeviceInfo]) -> Value {
    Value::Array(list.iter().map(device_json).collect())
}

// -------------------------------------------------------------------------------------------
// MediaDevices

/// One `MediaDevices`: devices, permissions and exposure state for one origin.
#[napi]
pub struct NativeDevices {
    md: MediaDevices,
    fake: Option<Arc<FakeBackend>>,
    /// The JavaScript environment this object belongs to (its prompt handler answers).
    env: Option<u32>,
}

#[napi]
impl NativeDevices {
    /// `options` (JSON): `{"origin": string, "fakeProfile": object, "env": number}`, all
    /// optional. Devices: `fakeProfile` if given; else the fake backend when
    /// `MEDIACAPTURE_FAKE` is set (`1` or a profile path); else the real backends
    /// (`mediacapture_hal::default_backends`, which falls back to fake devices when the
    /// machine has none). Every permission starts "granted" (a Node program is its own user
    /// agent); a permission set to "prompt" asks the prompt handler of environment `env`
    /// ([`set_prompt_handler`]), and is refused when there is none.
    #[napi(constructor)]
    pub fn new(options: String) -> napi::Result<Self> {
        let opts: Value = serde_json::from_str(&options)
            .map_err(|e| type_error(format!("invalid options: {e}")))?;
        let origin = opts
            .get("origin")
            .and_then(Value::as_str)
            .unwrap_or("node")
            .to_string();
        let fake = match opts.get("fakeProfile") {
            Some(p) if !p.is_null() => {
                let profile = FakeProfile::from_json(&p.to_string())
                    .map_err(|e| type_error(e.to_string()))?;
                Some(Arc::new(FakeBackend::new(profile)))
            }
            _ => FakeBackend::from_env().map(Arc::new),
        };
        let env = opts
            .get("env")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok());
        let mut builder = MediaDevices::builder()
            .origin(origin)
            .all_permissions(PermissionState::Granted);
        if let Some(env) = env {
            builder = builder.prompt(move |request| ask_javascript(env, request));
        }
        if let Some(f) = &fake {
            builder = builder.backend_arc(f.clone());
        }
        Ok(NativeDevices {
            md: builder.build(),
            fake,
            env,
        })
    }

    /// The names of the backends in use (`["fake"]`, `["pulse", "x11"]`, ...).
    #[napi]
    pub fn backends(&self) -> Vec<String> {
        self.md
            .backend_names()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// `enumerateDevices()`: resolves with JSON `[{deviceId, kind, label, groupId,
    /// capabilities}]` (`capabilities` null for outputs).
    #[napi]
    pub fn enumerate(&self) -> AsyncTask<EnumerateTask> {
        AsyncTask::new(EnumerateTask {
            md: self.md.clone(),
        })
    }

    /// The synchronous steps of getUserMedia (WebIDL conversion, step 1): the error JSON, or
    /// null when the call may go on.
    #[napi]
    pub fn check_user_media(&self, constraints: String) -> Option<String> {
        MediaStreamConstraints::from_json(&constraints)
            .and_then(|c| mediacapture_core::requested_kinds(&c).map(|_| ()))
            .err()
            .map(|e| error_json(&e))
    }

    /// `getUserMedia(constraints)`: resolves with a [`NativeStream`] or the error JSON.
    #[napi(ts_return_type = "Promise<NativeStream | string>")]
    pub fn get_user_media<'env>(
        &self,
        env: &'env Env,
        constraints: String,
    ) -> napi::Result<Object<'env>> {
        self.media(env, Request::User(constraints))
    }

    /// The synchronous steps of getDisplayMedia: the error JSON, or null.
    #[napi]
    pub fn check_display_media(&self, options: String) -> Option<String> {
        DisplayMediaStreamOptions::from_json(&options)
            .and_then(|o| mediacapture_core::check_display_options(&o))
            .err()
            .map(|e| error_json(&e))
    }

    /// `getDisplayMedia(options)`: resolves with a [`NativeStream`] or the error JSON.
    #[napi(ts_return_type = "Promise<NativeStream | string>")]
    pub fn get_display_media<'env>(
        &self,
        env: &'env Env,
        options: String,
    ) -> napi::Result<Object<'env>> {
        self.media(env, Request::Display(options))
    }

    /// Runs a request on a thread of its own (it may wait for a prompt as long as the user
    /// takes) and returns the promise it settles.
    fn media<'env>(&self, env: &'env Env, request: Request) -> napi::Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred()?;
        let md = self.md.clone();
        let env_number = self.env;
        std::thread::Builder::new()
            .name("mediacapture-gum".into())
            .spawn(move || {
                // A panic must still settle the promise (an unsettled one keeps the event
                // loop alive forever): it becomes an UnknownError.
                let run = std::panic::AssertUnwindSafe(|| match &request {
                    Request::User(json) => MediaStreamConstraints::from_json(json)
                        .and_then(|c| futures_executor::block_on(md.get_user_media(c))),
                    Request::Display(json) => DisplayMediaStreamOptions::from_json(json)
                        .and_then(|o| futures_executor::block_on(md.get_display_media(o))),
                });
                let result = std::panic::catch_unwind(run).unwrap_or_else(|_| {
                    Err(mediacapture::Error::unknown(
                        "internal error while opening the devices",
                    ))
                });
                // The lock orders this against the environment's cleanup hook: once the
                // environment is torn down, its promise's threadsafe function is gone.
                let p = lock(prompts());
                if env_number.is_some_and(|n| p.dead.contains(&n)) {
                    return;
                }
                deferred.resolve(move |_env| {
                    Ok(match result {
                        Ok(s) => Either::A(NativeStream { s }),
                        Err(e) => Either::B(error_json(&e)),
                    })
                });
                drop(p);
            })
            .map_err(|e| napi::Error::from_reason(format!("cannot start a thread: {e}")))?;
        Ok(promise)
    }

    /// `getSupportedConstraints()` as JSON.
    #[napi]
    pub fn supported_constraints(&self) -> String {
        to_json_text(&self.md.get_supported_constraints())
    }

    /// Sets a permission (`camera`, `microphone`, `display-capture`) to `granted`, `denied`
    /// or `prompt`. Denying revokes: live tracks of that kind end with `ended`.
    #[napi]
    pub fn set_permission(&self, name: String, state: String) -> napi::Result<()> {
        let n = PermissionName::from_name(&name)
            .ok_or_else(|| type_error(format!("unknown permission name {name:?}")))?;
        let s = PermissionState::from_name(&state)
            .ok_or_else(|| type_error(format!("unknown permission state {state:?}")))?;
        self.md.set_permission(n, s);
        Ok(())
    }

    /// The state of a permission.
    #[napi]
    pub fn permission(&self, name: String) -> napi::Result<String> {
        let n = PermissionName::from_name(&name)
            .ok_or_else(|| type_error(format!("unknown permission name {name:?}")))?;
        Ok(self.md.permission(n).as_str().to_string())
    }

    /// Delivers this object's `devicechange` events to the event sink as `target`, with the
    /// payload `{devices, userInsertedDevices}`.
    #[napi]
    pub fn listen(&self, target: u32) {
        self.md.add_event_listener(move |e: &DeviceChangeEvent| {
            let payload = json!({
                "devices": device_list_json(&e.devices),
                "userInsertedDevices": device_list_json(&e.user_inserted_devices),
            });
            emit(target, "devicechange", payload.to_string());
        });
    }

    /// Test hook (fake backend only): plugs in a device described like a profile entry.
    /// Returns its raw id.
    #[napi]
    pub fn fake_add_device(&self, spec: String) -> napi::Result<String> {
        let fake = self.fake_backend()?;
        let spec = DeviceSpec::from_json(&spec).map_err(|e| type_error(e.to_string()))?;
        fake.add_device(spec)
            .map_err(|e| napi::Error::from_reason(e.to_string()))
    }

    /// Test hook (fake backend only): unplugs a device by raw id.
    #[napi]
    pub fn fake_remove_device(&self, raw_id: String) -> napi::Result<()> {
        self.fake_backend()?
            .remove_device(&raw_id)
            .map_err(|e| napi::Error::from_reason(e.to_string()))
    }

    fn fake_backend(&self) -> napi::Result<&Arc<FakeBackend>> {
        self.fake
            .as_ref()
            .ok_or_else(|| napi::Error::from_reason("not using the fake backend"))
    }
}

/// The work of `enumerateDevices()`.
pub struct EnumerateTask {
    md: MediaDevices,
}

impl Task for EnumerateTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<String> {
        match futures_executor::block_on(self.md.enumerate_devices()) {
            Ok(list) => Ok(json!({ "ok": device_list_json(&list) }).to_string()),
            Err(e) => Ok(json!({ "error": serde_json::from_str::<Value>(&error_json(&e)).unwrap_or(Value::Null) }).to_string()),
        }
    }

    fn resolve(&mut self, _env: Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}

/// A `getUserMedia()` / `getDisplayMedia()` call: its dictionary as JSON.
enum Request {
    User(String),
    Display(String),
}

// -------------------------------------------------------------------------------------------
// MediaStream

/// A `MediaStream` (the native set of tracks, kept in step with the JS object's).
#[napi]
pub struct NativeStream {
    s: MediaStream,
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
            .map(|t| NativeTrack { t })
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
}

// -------------------------------------------------------------------------------------------
// MediaStreamTrack

/// A `MediaStreamTrack` handle.
#[napi]
pub struct NativeTrack {
    t: MediaStreamTrack,
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

    /// `applyConstraints(constraints)`: resolves with null, or the error JSON.
    #[napi]
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

    /// A reader of this track's media: video frames (converted to `format` when given:
    /// `I420`, `NV12`, `YUYV`, `RGBA`, `BGRA`) or audio blocks (32-bit float, interleaved).
    /// It holds at most `capacity` items (at least 1) and drops the oldest when behind.
    #[napi]
    pub fn reader(
        &self,
        format: Option<String>,
        capacity: Option<u32>,
    ) -> napi::Result<NativeFrameReader> {
        let format = match format.as_deref() {
            None | Some("") => None,
            Some(f) => Some(
                parse_format(f)
                    .ok_or_else(|| type_error(format!("unsupported pixel format {f:?}")))?,
            ),
        };
        let shared = Arc::new(ReaderShared {
            queue: Mutex::new(ReaderQueue {
                items: VecDeque::new(),
                dropped: 0,
                closed: false,
            }),
            ready: Condvar::new(),
            capacity: capacity.unwrap_or(2).max(1) as usize,
        });
        let sink = match self.t.kind() {
            mediacapture::TrackKind::Video => {
                let s = shared.clone();
                self.t
                    .on_video_frame(move |f| s.push(Media::Video(f.clone())))
            }
            mediacapture::TrackKind::Audio => {
                let s = shared.clone();
                self.t
                    .on_audio_data(move |a| s.push(Media::Audio(a.clone())))
            }
        };
        Ok(NativeFrameReader {
            t: self.t.clone(),
            sink,
            shared,
            format,
        })
    }
}

fn parse_format(f: &str) -> Option<PixelFormat> {
    Some(match f {
        "I420" => PixelFormat::I420,
        "NV12" => PixelFormat::Nv12,
        "YUYV" => PixelFormat::Yuyv,
        "RGBA" => PixelFormat::Rgba,
        "BGRA" => PixelFormat::Bgra,
        _ => return None,
    })
}

fn format_name(f: PixelFormat) -> &'static str {
    match f {
        PixelFormat::I420 => "I420",
        PixelFormat::Nv12 => "NV12",
        PixelFormat::Yuyv => "YUYV",
        PixelFormat::Rgba => "RGBA",
        PixelFormat::Bgra => "BGRA",
        PixelFormat::Mjpeg => "MJPEG",
        _ => "unknown",
    }
}

/// The work of `applyConstraints()`.
pub struct ApplyTask {
    t: MediaStreamTrack,
    constraints: String,
}

impl Task for ApplyTask {
    type Output = Option<String>;
    type JsValue = Option<String>;

    fn compute(&mut self) -> napi::Result<Option<String>> {
        let t = &self.t;
        let r = MediaTrackConstraints::from_json(&self.constraints)
            .and_then(|c| futures_executor::block_on(t.apply_constraints(c)));
        Ok(r.err().map(|e| error_json(&e)))
    }

    fn resolve(&mut self, _env: Env, output: Option<String>) -> napi::Result<Option<String>> {
        Ok(output)
    }
}

// -------------------------------------------------------------------------------------------
// Frames

enum Media {
    Video(VideoFrame),
    Audio(AudioData),
}

struct ReaderQueue {
    items: VecDeque<Media>,
    dropped: u64,
    closed: bool,
}

struct ReaderShared {
    queue: Mutex<ReaderQueue>,
    ready: Condvar,
    capacity: usize,
}

impl ReaderShared {
    /// Called on the capture thread: never blocks on the reader; the oldest item goes when full.
    fn push(&self, m: Media) {
        {
            let mut q = lock(&self.queue);
            if q.closed {
                return;
            }
            if q.items.len() >= self.capacity {
                q.items.pop_front();
                q.dropped += 1;
            }
            q.items.push_back(m);
        }
        self.ready.notify_all();
    }
}

/// One item of media for JavaScript, or a status (`kind` is `"timeout"` or `"ended"`).
#[napi(object)]
pub struct MediaChunk {
    /// `"video"`, `"audio"`, `"timeout"` (nothing yet: ask again) or `"ended"`.
    pub kind: String,
    /// Capture time in microseconds.
    pub timestamp: f64,
    /// Video: visible width.
    pub width: u32,
    /// Video: visible height.
    pub height: u32,
    /// Video: pixel format name; audio: `"f32"` (interleaved).
    pub format: String,
    /// The bytes: tightly packed planes (video) or little-endian f32 samples (audio).
    pub data: Option<Buffer>,
    /// Audio: sample rate.
    pub sample_rate: u32,
    /// Audio: channels.
    pub number_of_channels: u32,
    /// Audio: frames (samples per channel).
    pub number_of_frames: u32,
    /// Duration in microseconds (0 when unknown).
    pub duration: f64,
}

impl MediaChunk {
    fn status(kind: &str) -> Self {
        MediaChunk {
            kind: kind.to_string(),
            timestamp: 0.0,
            width: 0,
            height: 0,
            format: String::new(),
            data: None,
            sample_rate: 0,
            number_of_channels: 0,
            number_of_frames: 0,
            duration: 0.0,
        }
    }
}

/// Reads a track's frames (video) or blocks (audio), newest-wins when the reader is behind.
#[napi]
pub struct NativeFrameReader {
    t: MediaStreamTrack,
    sink: SinkId,
    shared: Arc<ReaderShared>,
    format: Option<PixelFormat>,
}

#[napi]
impl NativeFrameReader {
    /// Waits up to `timeout_ms` for the next item. Resolves with a [`MediaChunk`] whose kind is
    /// `"video"` / `"audio"`, `"timeout"`, or `"ended"` (the track ended or the reader was
    /// closed, and nothing is left).
    #[napi]
    pub fn read(&self, timeout_ms: u32) -> AsyncTask<ReadTask> {
        AsyncTask::new(ReadTask {
            t: self.t.clone(),
            shared: self.shared.clone(),
            format: self.format,
            timeout: Duration::from_millis(u64::from(timeout_ms)),
        })
    }

    /// Items dropped because the reader was behind.
    #[napi(getter)]
    pub fn dropped(&self) -> f64 {
        lock(&self.shared.queue).dropped as f64
    }

    /// Stops reading: the sink is removed from the track and pending reads end.
    #[napi]
    pub fn close(&self) {
        self.t.remove_sink(self.sink);
        lock(&self.shared.queue).closed = true;
        self.shared.ready.notify_all();
    }
}

/// The work of one `read()`.
pub struct ReadTask {
    t: MediaStreamTrack,
    shared: Arc<ReaderShared>,
    format: Option<PixelFormat>,
    timeout: Duration,
}

impl Task for ReadTask {
    type Output = MediaChunk;
    type JsValue = MediaChunk;

    fn compute(&mut self) -> napi::Result<MediaChunk> {
        let deadline = std::time::Instant::now() + self.timeout;
        let mut q = lock(&self.shared.queue);
        let item = loop {
            if let Some(m) = q.items.pop_front() {
                break m;
            }
            if q.closed || self.t.ready_state() == mediacapture::MediaStreamTrackState::Ended {
                return Ok(MediaChunk::status("ended"));
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Ok(MediaChunk::status("timeout"));
            }
            // Wake up at least every 50 ms to notice the track ending.
            let wait = (deadline - now).min(Duration::from_millis(50));
            q = match self.shared.ready.wait_timeout(q, wait) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        };
        drop(q);
        Ok(match item {
            Media::Video(f) => video_chunk(&f, self.format),
            Media::Audio(a) => audio_chunk(&a),
        })
    }

    fn resolve(&mut self, _env: Env, output: MediaChunk) -> napi::Result<MediaChunk> {
        Ok(output)
    }
}

fn video_chunk(f: &VideoFrame, want: Option<PixelFormat>) -> MediaChunk {
    let target = want.unwrap_or(match f.format() {
        PixelFormat::Mjpeg => PixelFormat::I420,
        other => other,
    });
    match mediacapture_frame::convert(f, target) {
        Ok(tight) => MediaChunk {
            kind: "video".into(),
            timestamp: tight.timestamp() as f64,
            width: tight.display_width(),
            height: tight.display_height(),
            format: format_name(target).into(),
            data: Some(Buffer::from(tight.data().to_vec())),
            sample_rate: 0,
            number_of_channels: 0,
            number_of_frames: 0,
            duration: tight.duration().unwrap_or(0) as f64,
        },
        // A frame that cannot be converted (a corrupt JPEG) is skipped as a timeout would be.
        Err(_) => MediaChunk::status("timeout"),
    }
}

fn audio_chunk(a: &AudioData) -> MediaChunk {
    let samples = a.to_f32_interleaved();
    let mut bytes = Vec::with_capacity(samples.len() * 4);
    for s in samples {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    MediaChunk {
        kind: "audio".into(),
        timestamp: a.timestamp() as f64,
        width: 0,
        height: 0,
        format: "f32".into(),
        data: Some(Buffer::from(bytes)),
        sample_rate: a.sample_rate(),
        number_of_channels: a.channels(),
        number_of_frames: u32::try_from(a.frames()).unwrap_or(u32::MAX),
        duration: a.duration() as f64,
    }
}

/// Blocks until every event queued so far has been handed to JavaScript's queue (for tests and
/// orderly shutdown). Runs on the thread pool.
#[napi]
pub fn flush_events() -> AsyncTask<FlushTask> {
    AsyncTask::new(FlushTask)
}

/// The work of [`flush_events`].
pub struct FlushTask;

impl Task for FlushTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        mediacapture::flush_events();
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}

// -------------------------------------------------------------------------------------------
// MediaRecorder

/// Recorded blobs waiting for JavaScript to take them (`dataavailable` carries the key): the
/// bytes do not travel through the event sink's JSON.
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

/// `new MediaRecorder(stream, options)`: the recorder, or the error JSON (NotSupportedError).
/// `options` is the `MediaRecorderOptions` dictionary as JSON (converted by
/// `RecorderOptions::from_json` with WebIDL rules: TypeError for a bad enum or duration).
#[napi]
pub fn create_recorder(stream: &NativeStream, options: String) -> Either<NativeRecorder, String> {
    match RecorderOptions::from_json(&options).and_then(|o| MediaRecorder::new(&stream.s, o)) {
        Ok(r) => Either::A(NativeRecorder { r }),
        Err(e) => Either::B(error_json(&e)),
    }
}

/// A `MediaRecorder`.
#[napi]
pub struct NativeRecorder {
    r: MediaRecorder,
}

fn err_opt(r: mediacapture::Result<()>) -> Option<String> {
    r.err().map(|e| error_json(&e))
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

    /// `start(timeslice)`: null or the error JSON.
    #[napi]
    pub fn start(&self, timeslice: Option<u32>) -> Option<String> {
        err_opt(self.r.start(timeslice))
    }

    /// `stop()`.
    #[napi]
    pub fn stop(&self) {
        self.r.stop();
    }

    /// `pause()`: null or the error JSON.
    #[napi]
    pub fn pause(&self) -> Option<String> {
        err_opt(self.r.pause())
    }

    /// `resume()`: null or the error JSON.
    #[napi]
    pub fn resume(&self) -> Option<String> {
        err_opt(self.r.resume())
    }

    /// `requestData()`: null or the error JSON.
    #[napi]
    pub fn request_data(&self) -> Option<String> {
        err_opt(self.r.request_data())
    }

    /// Delivers this recorder's events to the event sink as `target`. `dataavailable` carries
    /// `{blob, type, timecode}` (`blob` is the key for [`take_blob`]); `error` the error JSON.
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
                RecorderEvent::Error(err) => error_json(err),
                _ => String::new(),
            };
            emit(target, e.type_(), payload);
        });
    }
}

// -------------------------------------------------------------------------------------------
// Media files and canvases (mediacapture-sources)

/// A native error as the JSON `{name, message}` the JS layer turns into a DOMException.
fn dom_error(e: &mediacapture::Error) -> napi::Error {
    napi::Error::from_reason(json!({ "name": e.name(), "message": e.message }).to_string())
}

/// A playing media file (`mediacapture.openMediaFile(path)`).
#[napi]
pub struct NativeMediaFile {
    f: mediacapture_sources::MediaFile,
}

/// Opens a WebM/Matroska (VP8, VP9, Opus), WAV or y4m file and starts playing it.
#[napi]
pub fn open_media_file(path: String) -> napi::Result<NativeMediaFile> {
    mediacapture_sources::MediaFile::open(&path)
        .map(|f| NativeMediaFile { f })
        .map_err(|e| dom_error(&e))
}

#[napi]
impl NativeMediaFile {
    /// `captureStream()`: a stream of the file's tracks.
    #[napi]
    pub fn capture_stream(&self) -> napi::Result<NativeStream> {
        self.f
            .capture_stream()
            .map(|s| NativeStream { s })
            .map_err(|e| dom_error(&e))
    }

    /// Resumes playback (restarts it after the end).
    #[napi]
    pub fn play(&self) -> napi::Result<()> {
        self.f.play().map_err(|e| dom_error(&e))
    }

    /// Pauses playback (the tracks are muted).
    #[napi]
    pub fn pause(&self) {
        self.f.pause();
    }

    /// Seeks to `seconds`.
    #[napi]
    pub fn seek(&self, seconds: f64) {
        let s = if seconds.is_finite() {
            seconds.max(0.0)
        } else {
            0.0
        };
        self.f.seek(Duration::from_secs_f64(s));
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

/// A 2D canvas (`mediacapture.createCanvas(width, height)`), drawn with a few 2D-context
/// calls.
#[napi]
pub struct NativeCanvas {
    c: mediacapture_sources::Canvas,
}

/// A canvas of `width` x `height` transparent black pixels.
#[napi]
pub fn create_canvas(width: u32, height: u32) -> napi::Result<NativeCanvas> {
    mediacapture_sources::Canvas::new(width, height)
        .map(|c| NativeCanvas { c })
        .map_err(|e| dom_error(&e))
}

#[napi]
impl NativeCanvas {
    /// The width in pixels.
    #[napi(getter)]
    pub fn width(&self) -> u32 {
        self.c.width()
    }

    /// The height in pixels.
    #[napi(getter)]
    pub fn height(&self) -> u32 {
        self.c.height()
    }

    /// Resizes (and clears) the canvas, like setting `canvas.width` / `canvas.height`.
    #[napi]
    pub fn set_size(&self, width: u32, height: u32) -> napi::Result<()> {
        self.c.set_size(width, height).map_err(|e| dom_error(&e))
    }

    /// `fill()` (and `fillRect`): fills the path `ops` (device coordinates, see
    /// [`build_path`]) with an RGBA colour (0–255 each) times `alpha` (`globalAlpha`),
    /// with the even-odd rule when `even_odd`, else nonzero.
    #[napi]
    pub fn fill_path(&self, ops: Vec<f64>, rgba: Vec<u32>, alpha: f64, even_odd: bool) {
        let Some(path) = build_path(&ops) else {
            return;
        };
        let paint = color_paint(&rgba, alpha);
        let rule = if even_odd {
            tiny_skia::FillRule::EvenOdd
        } else {
            tiny_skia::FillRule::Winding
        };
        self.c.draw(|p| {
            p.fill_path(&path, &paint, rule, tiny_skia::Transform::identity(), None);
        });
    }

    /// `stroke()` (and `strokeRect`): strokes the path `ops` (device coordinates) with a
    /// line `line_width` wide in the user space of `transform` (`[a, b, c, d, e, f]`, the
    /// current transform), so a scale also scales the line as in a browser. Nothing is drawn
    /// for a non-invertible transform.
    #[napi]
    pub fn stroke_path(
        &self,
        ops: Vec<f64>,
        rgba: Vec<u32>,
        alpha: f64,
        line_width: f64,
        transform: Vec<f64>,
    ) {
        let Some(path) = build_path(&ops) else {
            return;
        };
        let ts = to_transform(&transform);
        // The path was transformed when it was built; stroke it in user space, then map the
        // outline back to the device.
        let Some(path) = ts.invert().and_then(|inv| path.transform(inv)) else {
            return;
        };
        let paint = color_paint(&rgba, alpha);
        let stroke = tiny_skia::Stroke {
            width: line_width as f32,
            ..tiny_skia::Stroke::default()
        };
        self.c
            .draw(|p| p.stroke_path(&path, &paint, &stroke, ts, None));
    }

    /// `clearRect`: makes the area of the path `ops` (device coordinates) transparent black.
    #[napi]
    pub fn clear_path(&self, ops: Vec<f64>) {
        let Some(path) = build_path(&ops) else {
            return;
        };
        let mut paint = tiny_skia::Paint::default();
        paint.set_color(tiny_skia::Color::TRANSPARENT);
        paint.blend_mode = tiny_skia::BlendMode::Source;
        self.c.draw(|p| {
            p.fill_path(
                &path,
                &paint,
                tiny_skia::FillRule::Winding,
                tiny_skia::Transform::identity(),
                None,
            );
        });
    }

    /// `drawImage(canvas, sx, sy, sw, sh, dx, dy, dw, dh)`: draws the source rectangle of
    /// `source` (a snapshot, so a canvas may draw itself) into the destination rectangle,
    /// both already normalised and clipped, under `transform` with opacity `alpha`. Drawing
    /// a tainted canvas taints this one.
    #[napi]
    pub fn draw_canvas(
        &self,
        source: &NativeCanvas,
        src: Vec<f64>,
        dst: Vec<f64>,
        alpha: f64,
        transform: Vec<f64>,
    ) {
        let [sx, sy, sw, sh] = rect4(&src);
        let [dx, dy, dw, dh] = rect4(&dst);
        let Some(rect) = tiny_skia::Rect::from_xywh(dx, dy, dw, dh) else {
            return;
        };
        if sw <= 0.0 || sh <= 0.0 {
            return;
        }
        let whole = source.c.to_pixmap();
        if !source.c.origin_clean() {
            self.c.taint();
        }
        // Sample only the source rectangle (its whole-pixel bounds): no bleeding of the
        // pixels around it into the edges when scaling.
        let (ix, iy) = (sx.floor(), sy.floor());
        let Some(image) = tiny_skia::IntRect::from_ltrb(
            ix as i32,
            iy as i32,
            (sx + sw).ceil() as i32,
            (sy + sh).ceil() as i32,
        )
        .and_then(|r| whole.clone_rect(r)) else {
            return;
        };
        let (sx, sy) = (sx - ix, sy - iy);
        // Image pixel (sx, sy) lands on (dx, dy); the source scales by dw/sw, dh/sh.
        let (kx, ky) = (dw / sw, dh / sh);
        let pattern_ts =
            tiny_skia::Transform::from_row(kx, 0.0, 0.0, ky, dx - sx * kx, dy - sy * ky);
        let paint = tiny_skia::Paint {
            shader: tiny_skia::Pattern::new(
                image.as_ref(),
                tiny_skia::SpreadMode::Pad,
                tiny_skia::FilterQuality::Bilinear,
                unit(alpha),
                pattern_ts,
            ),
            ..tiny_skia::Paint::default()
        };
        let ts = to_transform(&transform);
        self.c.draw(|p| p.fill_rect(rect, &paint, ts, None));
    }

    /// `getImageData` for a normalised rectangle: straight-alpha RGBA bytes.
    #[napi]
    pub fn get_image_data(&self, x: i64, y: i64, width: u32, height: u32) -> napi::Result<Buffer> {
        self.c
            .get_image_data(x, y, width, height)
            .map(Buffer::from)
            .map_err(|e| dom_error(&e))
    }

    /// `putImageData(imageData, dx, dy[, dirtyX, dirtyY, dirtyWidth, dirtyHeight])`.
    #[napi]
    pub fn put_image_data(
        &self,
        data: Uint8Array,
        width: u32,
        dx: i64,
        dy: i64,
        dirty: Option<Vec<i64>>,
    ) -> napi::Result<()> {
        let dirty = match dirty.as_deref() {
            Some(&[x, y, w, h]) => Some((x, y, w, h)),
            _ => None,
        };
        self.c
            .put_image_data(&data, width, dx, dy, dirty)
            .map_err(|e| dom_error(&e))
    }

    /// The canvas as a PNG file.
    #[napi]
    pub fn to_png(&self) -> napi::Result<Buffer> {
        self.c.to_png().map(Buffer::from).map_err(|e| dom_error(&e))
    }

    /// `captureStream(frameRequestRate)`: a stream with one canvas track.
    #[napi]
    pub fn capture_stream(
        &self,
        frame_request_rate: Option<f64>,
    ) -> napi::Result<NativeCanvasCapture> {
        self.c
            .capture_stream(frame_request_rate)
            .map(|c| NativeCanvasCapture { c })
            .map_err(|e| dom_error(&e))
    }
}

/// A path from the JS side's flat list of commands, in device coordinates: `0, x, y`
/// (moveTo), `1, x, y` (lineTo), `2, x1, y1, x2, y2, x, y` (cubic Bézier), `3` (close).
/// `None` for an empty path or a malformed list.
fn build_path(ops: &[f64]) -> Option<tiny_skia::Path> {
    let mut pb = tiny_skia::PathBuilder::new();
    let mut i = 0;
    let arg = |j: usize| ops.get(j).map(|&v| v as f32);
    while let Some(&op) = ops.get(i) {
        match op as u8 {
            0 => pb.move_to(arg(i + 1)?, arg(i + 2)?),
            1 => pb.line_to(arg(i + 1)?, arg(i + 2)?),
            2 => pb.cubic_to(
                arg(i + 1)?,
                arg(i + 2)?,
                arg(i + 3)?,
                arg(i + 4)?,
                arg(i + 5)?,
                arg(i + 6)?,
            ),
            3 => pb.close(),
            _ => return None,
        }
        i += match op as u8 {
            0 | 1 => 3,
            2 => 7,
            _ => 1,
        };
    }
    pb.finish()
}

/// `[a, b, c, d, e, f]` as a transform (identity for a malformed list).
fn to_transform(m: &[f64]) -> tiny_skia::Transform {
    match m {
        &[a, b, c, d, e, f] => tiny_skia::Transform::from_row(
            a as f32, b as f32, c as f32, d as f32, e as f32, f as f32,
        ),
        _ => tiny_skia::Transform::identity(),
    }
}

fn rect4(r: &[f64]) -> [f32; 4] {
    let g = |i: usize| r.get(i).copied().unwrap_or(0.0) as f32;
    [g(0), g(1), g(2), g(3)]
}

fn unit(v: f64) -> f32 {
    if v.is_finite() {
        v.clamp(0.0, 1.0) as f32
    } else {
        1.0
    }
}

/// A solid paint of an RGBA colour (0–255 each) with its alpha times `alpha`.
fn color_paint(rgba: &[u32], alpha: f64) -> tiny_skia::Paint<'static> {
    let c = |i: usize| rgba.get(i).copied().unwrap_or(255).min(255) as u8;
    let mut color = tiny_skia::Color::from_rgba8(c(0), c(1), c(2), c(3));
    color.apply_opacity(unit(alpha));
    let mut paint = tiny_skia::Paint::default();
    paint.set_color(color);
    paint
}

/// The result of `captureStream()` on a canvas: its stream and the track's `requestFrame()`.
#[napi]
pub struct NativeCanvasCapture {
    c: mediacapture_sources::CanvasCaptureStream,
}

#[napi]
impl NativeCanvasCapture {
    /// The stream (one video track).
    #[napi]
    pub fn stream(&self) -> NativeStream {
        NativeStream {
            s: self.c.stream().clone(),
        }
    }

    /// `requestFrame()` of the track.
    #[napi]
    pub fn request_frame(&self) {
        self.c.canvas_track().request_frame();
    }
}
