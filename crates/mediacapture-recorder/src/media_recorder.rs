//! `MediaRecorder` on a [`mediacapture::MediaStream`]: the [`RecorderCore`] state machine
//! driven by the stream's tracks, with events delivered on mediacapture's event thread.
//!
//! Threads: the tracks' frame callbacks (capture threads) only hand frames to a channel; one
//! worker thread per recording encodes them. Every task the state machine queues goes to
//! mediacapture's event queue in the order it was produced, and listeners run there, never
//! under the recorder's lock. A slow encoder drops video frames (counted, newest kept out)
//! but never audio.
//!
//! Spec: <https://w3c.github.io/mediacapture-record/#mediarecorder-api>

use crate::core::{
    BitrateMode, RecorderCore, RecorderEvent, RecorderOptions, RecorderTask, RecordingState,
    TrackInfo, TrackKind,
};
use mediacapture::{
    AudioData, EventStream, EventTarget, ListenerId, MediaStream, MediaStreamTrack,
    MediaStreamTrackState, VideoFrame,
};
use mediacapture_types::Result;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Video frames waiting for the encoder before new ones are dropped.
const MAX_QUEUED_VIDEO: usize = 4;
/// How often the worker looks at the stream's track set and tracks' states when no frame
/// arrives (track changes made by the application fire no event).
const POLL: Duration = Duration::from_millis(50);

enum Input {
    Video(String, VideoFrame),
    Audio(String, AudioData),
}

struct Inner {
    stream: MediaStream,
    core: Mutex<RecorderCore>,
    events: EventTarget<RecorderEvent>,
    session: Mutex<Option<Session>>,
    generation: AtomicU64,
    dropped_video: AtomicU64,
}

struct Session {
    generation: u64,
    /// Keeps the channel open until the session is detached, even if every sink closes.
    _tx: mpsc::Sender<Input>,
    sinks: Vec<(MediaStreamTrack, mediacapture::SinkId)>,
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

impl Inner {
    fn core(&self) -> MutexGuard<'_, RecorderCore> {
        // A panic while holding the lock leaves the state machine usable.
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues tasks on the event thread, in order. Call with the core locked so that tasks
    /// from method calls and from the worker keep the order they were produced in.
    fn queue(self: &Arc<Self>, tasks: Vec<RecorderTask>) {
        for task in tasks {
            let inner = Arc::clone(self);
            mediacapture::queue_task(move || {
                let events = inner.core().run_task(task);
                for e in &events {
                    inner.events.dispatch(e);
                }
            });
        }
    }

    /// Removes the sinks of session `generation` (any session when `None`).
    fn detach(&self, generation: Option<u64>) {
        let session = {
            let mut s = self.session.lock().unwrap_or_else(|p| p.into_inner());
            match &*s {
                Some(cur) if generation.is_none_or(|g| g == cur.generation) => s.take(),
                _ => None,
            }
        };
        if let Some(s) = session {
            for (track, id) in s.sinks {
                track.remove_sink(id);
            }
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
    pub fn new(stream: &MediaStream, options: RecorderOptions) -> Result<Self> {
        let tracks: Vec<TrackInfo> = stream.get_tracks().iter().map(info).collect();
        let core = RecorderCore::new(&tracks, options)?;
        Ok(MediaRecorder {
            inner: Arc::new(Inner {
                stream: stream.clone(),
                core: Mutex::new(core),
                events: EventTarget::default(),
                session: Mutex::new(None),
                generation: AtomicU64::new(0),
                dropped_video: AtomicU64::new(0),
            }),
        })
    }

    /// `MediaRecorder.isTypeSupported(type)`.
    pub fn is_type_supported(type_: &str) -> bool {
        crate::mime::is_type_supported(type_)
    }

    /// `stream`.
    pub fn stream(&self) -> &MediaStream {
        &self.inner.stream
    }
    /// `state`.
    pub fn state(&self) -> RecordingState {
        self.inner.core().state()
    }
    /// `mimeType`.
    pub fn mime_type(&self) -> String {
        self.inner.core().mime_type().to_string()
    }
    /// `videoBitsPerSecond`.
    pub fn video_bits_per_second(&self) -> u32 {
        self.inner.core().video_bits_per_second()
    }
    /// `audioBitsPerSecond`.
    pub fn audio_bits_per_second(&self) -> u32 {
        self.inner.core().audio_bits_per_second()
    }
    /// `audioBitrateMode`.
    pub fn audio_bitrate_mode(&self) -> BitrateMode {
        self.inner.core().audio_bitrate_mode()
    }
    /// Video frames dropped because the encoder could not keep up.
    pub fn dropped_video_frames(&self) -> u64 {
        self.inner.dropped_video.load(Ordering::Relaxed)
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
    pub fn start(&self, timeslice: Option<u32>) -> Result<()> {
        let inner = &self.inner;
        let tracks = inner.stream.get_tracks();
        let infos: Vec<TrackInfo> = tracks.iter().map(info).collect();
        let mut core = inner.core();
        let tasks = core.start(timeslice, &infos)?;
        // Earlier session's sinks (a previous recording that ended by itself) go first.
        inner.detach(None);
        let generation = inner.generation.fetch_add(1, Ordering::AcqRel) + 1;
        let (tx, rx) = mpsc::channel::<Input>();
        let queued_video = Arc::new(AtomicUsize::new(0));
        let mut sinks = Vec::new();
        for t in tracks
            .iter()
            .filter(|t| t.ready_state() == MediaStreamTrackState::Live)
        {
            let id = t.id().to_string();
            let tx = tx.clone();
            let sink = match t.kind() {
                mediacapture::TrackKind::Video => {
                    let queued = Arc::clone(&queued_video);
                    let weak = Arc::downgrade(inner);
                    t.on_video_frame(move |f| {
                        if queued.load(Ordering::Acquire) >= MAX_QUEUED_VIDEO {
                            if let Some(i) = weak.upgrade() {
                                i.dropped_video.fetch_add(1, Ordering::Relaxed);
                            }
                            return;
                        }
                        queued.fetch_add(1, Ordering::AcqRel);
                        let _ = tx.send(Input::Video(id.clone(), f.clone()));
                    })
                }
                _ => t.on_audio_data(move |a| {
                    let _ = tx.send(Input::Audio(id.clone(), a.clone()));
                }),
            };
            sinks.push((t.clone(), sink));
        }
        *inner.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(Session {
            generation,
            _tx: tx,
            sinks,
        });
        inner.queue(tasks);
        drop(core);
        let worker_inner = Arc::clone(inner);
        let spawned = std::thread::Builder::new()
            .name("mediarecorder".into())
            .spawn(move || worker(worker_inner, generation, rx, queued_video, infos));
        if let Err(e) = spawned {
            let mut core = inner.core();
            let tasks = core.stop();
            inner.queue(tasks);
            drop(core);
            inner.detach(Some(generation));
            return Err(mediacapture_types::Error::unknown(format!(
                "cannot start the recorder thread: {e}"
            )));
        }
        Ok(())
    }

    /// `stop()`: no-op when inactive; else the recording is finalized and `dataavailable`
    /// and `stop` are queued.
    pub fn stop(&self) {
        let mut core = self.inner.core();
        let tasks = core.stop();
        self.inner.queue(tasks);
        drop(core);
        self.inner.detach(None);
    }

    /// `pause()`: InvalidStateError when inactive.
    pub fn pause(&self) -> Result<()> {
        let mut core = self.inner.core();
        let tasks = core.pause()?;
        self.inner.queue(tasks);
        Ok(())
    }

    /// `resume()`: InvalidStateError when inactive.
    pub fn resume(&self) -> Result<()> {
        let mut core = self.inner.core();
        let tasks = core.resume()?;
        self.inner.queue(tasks);
        Ok(())
    }

    /// `requestData()`: InvalidStateError when inactive.
    pub fn request_data(&self) -> Result<()> {
        let mut core = self.inner.core();
        let tasks = core.request_data()?;
        self.inner.queue(tasks);
        Ok(())
    }
}

/// Encodes what the tracks deliver and watches the stream until the recording ends.
fn worker(
    inner: Arc<Inner>,
    generation: u64,
    rx: mpsc::Receiver<Input>,
    queued_video: Arc<AtomicUsize>,
    recorded: Vec<TrackInfo>,
) {
    let recorded_ids: Vec<String> = recorded
        .iter()
        .filter(|t| t.live)
        .map(|t| t.id.clone())
        .collect();
    let mut known_ids: Vec<String> = recorded.iter().map(|t| t.id.clone()).collect();
    let mut ended: Vec<String> = Vec::new();
    loop {
        let mut inputs = Vec::new();
        match rx.recv_timeout(POLL) {
            Ok(i) => inputs.push(i),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        // Everything captured so far is recorded before the stream is looked at again, so a
        // track that ends (or leaves) keeps the media it delivered before.
        while inputs.len() < 1000 {
            match rx.try_recv() {
                Ok(i) => inputs.push(i),
                Err(_) => break,
            }
        }
        let mut core = inner.core();
        // A newer start() (made under this lock) owns the recorder now.
        let superseded = inner.generation.load(Ordering::Acquire) != generation;
        if superseded || core.state() == RecordingState::Inactive || core.recording().is_none() {
            break;
        }
        for input in inputs {
            let tasks = match input {
                Input::Video(id, f) => {
                    queued_video.fetch_sub(1, Ordering::AcqRel);
                    core.push_video(&id, &f)
                }
                Input::Audio(id, a) => core.push_audio(&id, &a),
            };
            inner.queue(tasks);
        }
        // The track set: additions and removals by the application fire no event.
        let now: Vec<MediaStreamTrack> = inner.stream.get_tracks();
        let now_ids: Vec<String> = now.iter().map(|t| t.id().to_string()).collect();
        if let Some(added) = now.iter().find(|t| !known_ids.iter().any(|k| k == t.id())) {
            let tasks = core.track_added(&info(added));
            inner.queue(tasks);
        } else if let Some(gone) = known_ids.iter().find(|k| !now_ids.contains(k)) {
            let tasks = core.track_removed(gone);
            inner.queue(tasks);
        }
        known_ids = now_ids;
        // Tracks that ended (stop() fires no `ended` event, so look at readyState).
        for t in &now {
            let id = t.id().to_string();
            if recorded_ids.contains(&id)
                && !ended.contains(&id)
                && t.ready_state() == MediaStreamTrackState::Ended
            {
                ended.push(id.clone());
                let tasks = core.track_ended(&id);
                inner.queue(tasks);
            }
        }
    }
    inner.detach(Some(generation));
}
