//! `MediaRecorder` on a [`mediacapture::MediaStream`]: the [`RecorderCore`] state machine
//! driven by the stream's tracks, its [`Engine`](crate::Engine) on a worker thread, events on
//! mediacapture's event loop.
//!
//! Who does what:
//!
//! - The caller's thread runs the methods (`start`, `stop`, …) on the state machine, which
//!   sits behind a small lock held only while it changes state and hands on its outputs —
//!   never while anything is encoded. Attribute reads (`state`, `mimeType`, the bitrates)
//!   take the same lock, so they never wait for the encoder either.
//! - The tracks' capture threads put frames and audio into the session's bounded queue and
//!   return; video is dropped and counted when the encoder is behind, audio never silently.
//! - One worker thread per recording session owns the engine (libvpx, libopus, libwebm, the
//!   file): it takes the queue in order — media and the state machine's commands — and tells
//!   the state machine what happened (data gathered, a blob's bytes, a failure).
//! - The event loop runs the state machine's tasks, in the order the spec queued them, and
//!   fires their events to the listeners (`queue_event_task`, the one place events are
//!   queued). A `dataavailable` task waits until the worker delivered its bytes; tasks after it
//!   wait too, so the order stays the spec's, while other objects' events are not held up.
//!
//! The stream is watched without polling: a track-set observer on the stream notices
//! `addTrack` / `removeTrack` (which fire no event), and the end of a track — by its `stop()`,
//! which fires no `ended` event, or because its source ended — is the moment its frame
//! callback is dropped, which comes after the track's last frame.
//!
//! Spec: <https://w3c.github.io/mediacapture-record/#mediarecorder-api>

use crate::blob::RecorderEvent;
use crate::core::{RecorderCore, RecorderTask};
use crate::options::{BitrateMode, RecorderOptions, RecordingState};
use crate::protocol::{EngineReport, TrackInfo, TrackKind};
use crate::published::Published;
use crate::recording::EncodeHook;
use crate::worker::{Driver, Inbox, SharedStats, SinkGuard};
use mediacapture::{
    EventStream, EventTarget, ListenerId, MediaStream, MediaStreamTrack, MediaStreamTrackState,
    SinkId, TrackSetObserverId,
};
use mediacapture_types::{Error, Result};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// What a recording has done so far: the current one, or the last one once it stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecorderStats {
    /// Video frames encoded into the recording.
    pub video_frames: u64,
    /// Audio sample frames (samples per channel) encoded into the recording.
    pub audio_frames: u64,
    /// Bytes of recording produced (the file's size with an output file, else the blobs').
    pub bytes: u64,
    /// Video frames delivered by the track and not recorded: the encoder was behind, the
    /// recording was stopping, or the frame came less than 1 ms (WebM's resolution) after the
    /// previous one.
    pub dropped_video_frames: u64,
}

impl RecorderStats {
    /// `true` when nothing was captured: no video frame and no audio was encoded.
    pub fn is_empty(&self) -> bool {
        self.video_frames == 0 && self.audio_frames == 0
    }
}

/// One recording session's links: its queue, its sinks, the stream's tracks it started with.
struct Session {
    inbox: Arc<Inbox>,
    sinks: Vec<(MediaStreamTrack, SinkId)>,
    /// Every track of the stream at `start()`, to tell additions and removals apart.
    known: Vec<String>,
}

struct Inner {
    stream: MediaStream,
    /// Where this recorder's events run: the event loop of its stream's first track (its
    /// `MediaDevices`' loop), so they are ordered with that document's other events and a
    /// slow listener elsewhere never delays them.
    event_loop: mediacapture::EventLoop,
    core: Mutex<RecorderCore>,
    /// The core's attributes for the getters, read without its lock.
    published: Published,
    /// Taken before the core's lock is released and held while tasks are queued, so that
    /// tasks reach the event loop in the order the state machine produced them, without
    /// queueing under the core's lock.
    queue_order: Mutex<()>,
    events: EventTarget<RecorderEvent>,
    sessions: Mutex<HashMap<u64, Session>>,
    /// The stats of the current (or last) session.
    stats: Mutex<Arc<SharedStats>>,
    hook: Mutex<Option<EncodeHook>>,
    observer: Mutex<Option<TrackSetObserverId>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock leaves the state usable (each critical section keeps it
    // consistent step by step).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn info(t: &MediaStreamTrack) -> TrackInfo {
    TrackInfo {
        id: t.id().to_string(),
        kind: match t.kind() {
            mediacapture::TrackKind::Video => TrackKind::Video,
            _ => TrackKind::Audio,
        },
        live: t.ready_state() == MediaStreamTrackState::Live,
    }
}

/// The one place the recorder's tasks are queued on the event loop: the task runs there,
/// applies its attribute changes on the state machine and fires its events.
fn queue_event_task(inner: &Arc<Inner>, task: RecorderTask) {
    let target = inner.event_loop.clone();
    let inner = Arc::clone(inner);
    target.queue(move || {
        let events = {
            let mut core = lock(&inner.core);
            let events = core.run_task(task);
            inner.published.update(&core);
            events
        };
        for e in &events {
            inner.events.dispatch(e);
        }
    });
}

impl Inner {
    /// Runs `f` on the state machine under its lock, then hands on its outputs: commands to
    /// their session's queue (in order, still under the lock) and ready tasks to the event
    /// loop (in order, after the lock is released).
    fn with_core<R>(self: &Arc<Self>, f: impl FnOnce(&mut RecorderCore) -> R) -> R {
        let mut core = lock(&self.core);
        let r = f(&mut core);
        self.published.update(&core);
        if let Some(c) = core.poll_command() {
            let now = mediacapture_hal::clock::now_us();
            let sessions = lock(&self.sessions);
            let mut next = Some(c);
            while let Some(c) = next {
                if let Some(s) = sessions.get(&c.session()) {
                    s.inbox.push_command(c, now);
                }
                next = core.poll_command();
            }
        }
        let mut tasks = Vec::new();
        while let Some(t) = core.poll_task() {
            tasks.push(t);
        }
        if tasks.is_empty() {
            return r;
        }
        let order = lock(&self.queue_order);
        drop(core);
        for t in tasks {
            queue_event_task(self, t);
        }
        drop(order);
        r
    }

    /// Removes the sinks of `session` (their guards then tell its worker, if it still runs).
    fn detach(&self, session: u64) {
        let sinks = lock(&self.sessions)
            .get_mut(&session)
            .map(|s| std::mem::take(&mut s.sinks))
            .unwrap_or_default();
        for (track, id) in sinks {
            track.remove_sink(id);
        }
    }

    /// The stream's track set changed: an addition or a removal ends the current recording.
    fn track_set_changed(self: &Arc<Self>, stream: &MediaStream) {
        let now: Vec<MediaStreamTrack> = stream.get_tracks();
        self.with_core(|core| {
            let mut sessions = lock(&self.sessions);
            let Some(s) = sessions.get_mut(&core.session()) else {
                return;
            };
            let ids: Vec<String> = now.iter().map(|t| t.id().to_string()).collect();
            if let Some(added) = now.iter().find(|t| !s.known.iter().any(|k| k == t.id())) {
                core.track_added(&info(added));
            } else if let Some(gone) = s.known.iter().find(|k| !ids.contains(k)) {
                core.track_removed(gone);
            }
            s.known = ids;
        });
    }
}

struct DriverRef(Arc<Inner>);

impl Driver for DriverRef {
    fn with_core(&self, f: &mut dyn FnMut(&mut RecorderCore)) {
        self.0.with_core(|core| f(core));
    }
    fn session_done(&self, session: u64) {
        self.0.detach(session);
        lock(&self.0.sessions).remove(&session);
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(id) = lock(&self.observer).take() {
            self.stream.remove_track_set_observer(id);
        }
    }
}

/// `MediaRecorder`: records a [`MediaStream`] into WebM (VP8/VP9 + Opus), Matroska or WAV.
///
/// ```no_run
/// use mediacapture::MediaDevices;
/// use mediacapture_recorder::{MediaRecorder, RecorderEvent, RecorderOptions};
/// # futures_executor::block_on(async {
/// let devices = MediaDevices::builder().build();
/// let stream = devices.get_user_media_json(r#"{"audio": true, "video": true}"#).await?;
/// let recorder = MediaRecorder::new(&stream, RecorderOptions::default())?;
/// recorder.add_event_listener(|e| {
///     if let RecorderEvent::DataAvailable(blob) = e {
///         println!("{} bytes of {}", blob.data.size(), blob.data.type_());
///     }
/// });
/// recorder.start(Some(1000))?;
/// std::thread::sleep(std::time::Duration::from_secs(3));
/// recorder.stop();
/// # Ok::<(), mediacapture_recorder::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct MediaRecorder {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MediaRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaRecorder")
            .field("state", &self.state())
            .field("mime_type", &self.mime_type())
            .finish()
    }
}

impl MediaRecorder {
    /// `new MediaRecorder(stream, options)`: NotSupportedError for an unsupported type.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#mediarecorder-constructor>
    pub fn new(stream: &MediaStream, options: RecorderOptions) -> Result<Self> {
        let tracks: Vec<TrackInfo> = stream.get_tracks().iter().map(info).collect();
        let core = RecorderCore::new(&tracks, options)?;
        let event_loop = stream
            .get_tracks()
            .first()
            .map(|t| t.event_loop().clone())
            .unwrap_or_else(mediacapture::EventLoop::global);
        let inner = Arc::new(Inner {
            stream: stream.clone(),
            event_loop,
            published: Published::new(&core),
            core: Mutex::new(core),
            queue_order: Mutex::new(()),
            events: EventTarget::default(),
            sessions: Mutex::new(HashMap::new()),
            stats: Mutex::new(Arc::default()),
            hook: Mutex::new(None),
            observer: Mutex::new(None),
        });
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        let id = stream.add_track_set_observer(move |s| {
            if let Some(inner) = weak.upgrade() {
                inner.track_set_changed(s);
            }
        });
        *lock(&inner.observer) = Some(id);
        Ok(MediaRecorder { inner })
    }

    /// `MediaRecorder.isTypeSupported(type)`.
    pub fn is_type_supported(type_: &str) -> bool {
        crate::mime::is_type_supported(type_)
    }

    /// `stream`.
    pub fn stream(&self) -> &MediaStream {
        &self.inner.stream
    }
    /// `state`. Never waits for the encoder, nor for the state machine's lock.
    pub fn state(&self) -> RecordingState {
        self.inner.published.state()
    }
    /// `mimeType`. Never waits for the encoder, nor for the state machine's lock.
    pub fn mime_type(&self) -> String {
        self.inner.published.mime_type().to_string()
    }
    /// `videoBitsPerSecond`.
    pub fn video_bits_per_second(&self) -> u32 {
        self.inner.published.video_bits_per_second()
    }
    /// `audioBitsPerSecond`.
    pub fn audio_bits_per_second(&self) -> u32 {
        self.inner.published.audio_bits_per_second()
    }
    /// `audioBitrateMode`.
    pub fn audio_bitrate_mode(&self) -> BitrateMode {
        self.inner.published.audio_bitrate_mode()
    }
    /// Video frames of the current (or last) recording that were not recorded: see
    /// [`RecorderStats::dropped_video_frames`].
    pub fn dropped_video_frames(&self) -> u64 {
        self.stats().dropped_video_frames
    }
    /// What the current (or last) recording has done: frames and audio encoded, bytes
    /// written, frames dropped. After the `stop` event, the final figures; a recording
    /// whose [`RecorderStats::is_empty`] captured nothing.
    pub fn stats(&self) -> RecorderStats {
        let s = lock(&self.inner.stats).clone();
        RecorderStats {
            video_frames: s.video_frames.load(Ordering::Relaxed),
            audio_frames: s.audio_frames.load(Ordering::Relaxed),
            bytes: s.bytes.load(Ordering::Relaxed),
            dropped_video_frames: s.dropped_queue.load(Ordering::Relaxed)
                + s.skipped.load(Ordering::Relaxed),
        }
    }

    /// Test hook: `hook` runs on the encoder thread just before each video frame is encoded,
    /// for the recordings started after this call. A test can block in it to hold the encoder
    /// busy as long as it needs.
    #[doc(hidden)]
    pub fn set_encode_hook(&self, hook: Option<Arc<dyn Fn() + Send + Sync>>) {
        *lock(&self.inner.hook) = hook.map(EncodeHook);
    }

    /// Adds a listener for every event (`start`, `stop`, `pause`, `resume`, `dataavailable`,
    /// `error`); match on [`RecorderEvent`] for one type.
    pub fn add_event_listener(
        &self,
        listener: impl Fn(&RecorderEvent) + Send + Sync + 'static,
    ) -> ListenerId {
        self.inner.events.add(listener)
    }
    /// Removes a listener.
    pub fn remove_event_listener(&self, id: ListenerId) -> bool {
        self.inner.events.remove(id)
    }
    /// An async stream of this recorder's events from now on.
    pub fn events(&self) -> EventStream<RecorderEvent> {
        self.inner.events.stream()
    }

    /// `start(timeslice)`: InvalidStateError when not inactive, NotSupportedError for an
    /// inactive stream or a track the type cannot hold.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#dom-mediarecorder-start>
    pub fn start(&self, timeslice: Option<u32>) -> Result<()> {
        let inner = &self.inner;
        let tracks = inner.stream.get_tracks();
        let infos: Vec<TrackInfo> = tracks.iter().map(info).collect();
        let hook = lock(&inner.hook).clone();
        inner.with_core(|core| {
            core.start(timeslice, &infos)?;
            if !core.is_gathering() {
                return Ok(()); // failed "in parallel" already: no engine needed
            }
            let session = core.session();
            let stats = Arc::new(SharedStats::default());
            *lock(&inner.stats) = stats.clone();
            let inbox = Inbox::new(stats);
            lock(&inner.sessions).insert(
                session,
                Session {
                    inbox: inbox.clone(),
                    sinks: Vec::new(),
                    known: tracks.iter().map(|t| t.id().to_string()).collect(),
                },
            );
            let driver: Arc<dyn Driver> = Arc::new(DriverRef(inner.clone()));
            let worker_inbox = inbox.clone();
            let spawned = std::thread::Builder::new()
                .name("mediarecorder".into())
                .spawn(move || crate::worker::run(driver, session, worker_inbox, hook));
            if let Err(e) = spawned {
                lock(&inner.sessions).remove(&session);
                core.handle_report(EngineReport::Lost {
                    session,
                    error: Error::unknown(format!("cannot start the recorder thread: {e}")),
                });
                return Ok(());
            }
            // The engine's Start goes ahead of the first frame.
            while let Some(c) = core.poll_command() {
                inbox.push_command(c, mediacapture_hal::clock::now_us());
            }
            let sinks = attach_sinks(&tracks, core, &inbox);
            let orphans = match lock(&inner.sessions).get_mut(&session) {
                Some(s) => {
                    s.sinks = sinks;
                    Vec::new()
                }
                // The session is over already (its engine could not start).
                None => sinks,
            };
            for (track, id) in orphans {
                track.remove_sink(id);
            }
            Ok(())
        })
    }

    /// `stop()`: no-op when inactive; else the recorder is inactive at once, and the worker
    /// finalizes the recording (after at most the frame it is encoding) before
    /// `dataavailable` and `stop` fire.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#dom-mediarecorder-stop>
    pub fn stop(&self) {
        let session = self.inner.with_core(|core| {
            core.stop();
            core.session()
        });
        self.inner.detach(session);
    }

    /// `pause()`: InvalidStateError when inactive.
    pub fn pause(&self) -> Result<()> {
        self.inner.with_core(RecorderCore::pause)
    }

    /// `resume()`: InvalidStateError when inactive.
    pub fn resume(&self) -> Result<()> {
        self.inner.with_core(RecorderCore::resume)
    }

    /// `requestData()`: InvalidStateError when inactive.
    pub fn request_data(&self) -> Result<()> {
        self.inner.with_core(RecorderCore::request_data)
    }
}

/// Attaches the session's sinks: the first live track of each kind (the ones recorded, as in
/// Chromium) forwards its media to the worker; every live track's sink carries a guard that
/// tells the worker when the track delivers nothing more.
///
/// Why the guard and not the track's `ended` event: `stop()` on a track fires no event, and
/// the spec stops the recorder when all recorded tracks have *ended*, however they ended. A
/// track drops its sinks when it ends either way, after the last frame it delivered, so the
/// guard's message reaches the worker behind that track's last frame: its media is recorded
/// up to its end, and nothing is polled.
fn attach_sinks(
    tracks: &[MediaStreamTrack],
    core: &RecorderCore,
    inbox: &Arc<Inbox>,
) -> Vec<(MediaStreamTrack, SinkId)> {
    let recorded: Vec<&TrackInfo> = core.recorded_tracks().collect();
    let first = |kind| {
        recorded
            .iter()
            .find(|t| t.kind == kind)
            .map(|t| t.id.clone())
    };
    let (video, audio) = (first(TrackKind::Video), first(TrackKind::Audio));
    let mut sinks = Vec::new();
    for t in tracks {
        if !recorded.iter().any(|r| r.id == t.id()) {
            continue;
        }
        let id: Arc<str> = Arc::from(t.id());
        let guard = SinkGuard {
            inbox: inbox.clone(),
            track: id.clone(),
        };
        let forward = Some(t.id()) == video.as_deref() || Some(t.id()) == audio.as_deref();
        let sink = match (t.kind(), forward) {
            (mediacapture::TrackKind::Video, true) => {
                t.on_video_frame(move |f| guard.inbox.push_video(&guard.track, f))
            }
            (_, true) => t.on_audio_data(move |a| guard.inbox.push_audio(&guard.track, a)),
            (mediacapture::TrackKind::Video, false) => t.on_video_frame(move |_| {
                let _ = &guard;
            }),
            (_, false) => t.on_audio_data(move |_| {
                let _ = &guard;
            }),
        };
        // A track that ended between start() and now never drops a sink added after its end.
        if t.ready_state() == MediaStreamTrackState::Ended {
            inbox.push_closed(&id);
        }
        sinks.push((t.clone(), sink));
    }
    sinks
}
