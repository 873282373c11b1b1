//! Media files as stream sources: `captureStream()` of a media element playing a file
//! (mediacapture-fromelement), natively.
//!
//! [`MediaFile`] is the element: it plays a WebM/Matroska (VP8, VP9, Opus), WAV or y4m file
//! in real time, loops or seeks on request, and [`MediaFile::capture_stream`] gives a
//! [`MediaStream`] with one video and/or one audio track carrying what it plays.
//! [`MediaReader`] is the same file pulled as fast as the caller takes it.
//!
//! Spec: <https://w3c.github.io/mediacapture-fromelement/#html-media-element-media-capture-extensions>

mod reader;
mod vpx;
mod wav;
mod webm;
mod y4m;

pub use reader::{AudioInfo, Container, Media, MediaInfo, MediaReader, VideoInfo};

use mediacapture::{MediaStream, MediaStreamTrack, MediaTrackConstraints};
use mediacapture_hal::clock::now_us;
use mediacapture_hal::{Backend, Source, SourceEvent, SourceSink};
use mediacapture_types::native::{
    AudioCapabilities, DeviceDescriptor, NativeCapabilities, NativeConfig, VideoCapabilities,
    VideoMode,
};
use mediacapture_types::{EchoCancellation, Error, MediaDeviceKind, Result};
use parking_lot::{Condvar, Mutex};
use reader::Decode;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest the player sleeps before looking at its controls again.
const MAX_SLEEP: Duration = Duration::from_millis(50);

/// Where playback is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaybackState {
    /// Opened; playback starts with the first [`MediaFile::capture_stream`] or
    /// [`MediaFile::play`].
    Idle,
    /// Playing in real time.
    Playing,
    /// Paused: captured tracks are muted.
    Paused,
    /// Played to the end (or to damage, see [`MediaFile::error`]): its captured tracks
    /// have ended.
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Video,
    Audio,
}

struct SinkEntry {
    id: u64,
    kind: Kind,
    sink: Arc<dyn SourceSink>,
}

struct Control {
    state: PlaybackState,
    looping: bool,
    seek_to: Option<i64>,
    /// Media time of the last unit delivered (µs).
    position_us: i64,
    error: Option<Error>,
    /// `false` once the [`MediaFile`] handle is dropped: the player then runs only while
    /// tracks consume it.
    handle_alive: bool,
    /// The decoder while no player thread owns it.
    decoder: Option<Box<dyn Decode>>,
}

struct Shared {
    label: String,
    info: MediaInfo,
    sinks: Mutex<Vec<SinkEntry>>,
    control: Mutex<Control>,
    wake: Condvar,
    thread: Mutex<Option<JoinHandle<()>>>,
}

static NEXT_SINK: AtomicU64 = AtomicU64::new(1);

/// A media file playing as a stream source: the native counterpart of a `<video>` element
/// with `src` set to a file, and of its `captureStream()`.
///
/// ```no_run
/// use mediacapture_sources::file::MediaFile;
/// let file = MediaFile::open("fixture.webm")?;
/// file.set_loop(true);
/// let stream = file.capture_stream()?; // starts playback in real time
/// let video = &stream.get_video_tracks()[0];
/// let frames = video.video_frames();
/// let first = frames.recv_timeout(std::time::Duration::from_secs(1));
/// # Ok::<(), mediacapture::Error>(())
/// ```
///
/// Dropping the `MediaFile` does not stop playback while its tracks live, so
/// `MediaFile::open(path)?.capture_stream()?` is a complete file source: the tracks end
/// when the file does (unless it loops) or when they are stopped.
pub struct MediaFile {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaFile")
            .field("label", &self.shared.label)
            .field("info", &self.shared.info)
            .field("state", &self.state())
            .finish()
    }
}

impl MediaFile {
    /// Opens `path` (container told by content: WebM/Matroska, WAV or y4m) and reads its
    /// header. Nothing plays yet.
    ///
    /// Errors: as [`MediaReader::open`].
    pub fn open(path: impl AsRef<Path>) -> Result<MediaFile> {
        let path = path.as_ref();
        let reader = MediaReader::open(path)?;
        let label = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(Self::from_reader_with_label(reader, label))
    }

    /// A `MediaFile` over an already opened reader (its position is where playback starts).
    pub fn from_reader(reader: MediaReader) -> MediaFile {
        Self::from_reader_with_label(reader, "media file".into())
    }

    fn from_reader_with_label(reader: MediaReader, label: String) -> MediaFile {
        let info = reader.info().clone();
        MediaFile {
            shared: Arc::new(Shared {
                label,
                info,
                sinks: Mutex::new(Vec::new()),
                control: Mutex::new(Control {
                    state: PlaybackState::Idle,
                    looping: false,
                    seek_to: None,
                    position_us: 0,
                    error: None,
                    handle_alive: true,
                    decoder: Some(reader.into_inner()),
                }),
                wake: Condvar::new(),
                thread: Mutex::new(None),
            }),
        }
    }

    /// What the file holds.
    pub fn info(&self) -> &MediaInfo {
        &self.shared.info
    }

    /// The playback state.
    pub fn state(&self) -> PlaybackState {
        self.shared.control.lock().state
    }

    /// `true` once playback reached the end (or damage) without looping.
    pub fn ended(&self) -> bool {
        self.state() == PlaybackState::Ended
    }

    /// Why playback ended early: the damage found in the file, if any.
    pub fn error(&self) -> Option<Error> {
        self.shared.control.lock().error.clone()
    }

    /// The media time of the last frame or audio block played.
    pub fn current_time(&self) -> Duration {
        let us = self.shared.control.lock().position_us;
        Duration::from_micros(u64::try_from(us).unwrap_or(0))
    }

    /// Whether playback starts over at the end (the element's `loop`).
    pub fn set_loop(&self, looping: bool) {
        self.shared.control.lock().looping = looping;
        self.shared.wake.notify_all();
    }

    /// Whether playback loops.
    pub fn looping(&self) -> bool {
        self.shared.control.lock().looping
    }

    /// Seeks to `position`. Captured tracks go on (no events, as the spec says for seeking);
    /// their timestamps stay monotonic.
    pub fn seek(&self, position: Duration) {
        let us = i64::try_from(position.as_micros()).unwrap_or(i64::MAX);
        self.shared.control.lock().seek_to = Some(us);
        self.shared.wake.notify_all();
    }

    /// Pauses playback: captured tracks become muted (no content is available).
    pub fn pause(&self) {
        let mut c = self.shared.control.lock();
        if c.state == PlaybackState::Playing || c.state == PlaybackState::Idle {
            c.state = PlaybackState::Paused;
        }
        drop(c);
        self.shared.wake.notify_all();
    }

    /// Starts or resumes playback. After the end, starts over from the beginning: the old
    /// captured tracks have ended, so call [`MediaFile::capture_stream`] again for new ones
    /// (the spec's "restarting playback after playback ends causes a new set of captured
    /// MediaStreamTrack instances").
    pub fn play(&self) -> Result<()> {
        let start = {
            let mut c = self.shared.control.lock();
            if c.state == PlaybackState::Ended {
                c.seek_to = Some(0);
                c.error = None;
            }
            c.state = PlaybackState::Playing;
            // The decoder is parked here exactly while no player thread runs.
            c.decoder.is_some()
        };
        self.shared.wake.notify_all();
        if start {
            self.start_thread()?;
        }
        Ok(())
    }

    /// Waits until playback ends or `timeout` passes; `true` if it ended.
    pub fn wait_ended(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut c = self.shared.control.lock();
        while c.state != PlaybackState::Ended {
            if self.shared.wake.wait_until(&mut c, deadline).timed_out() {
                return c.state == PlaybackState::Ended;
            }
        }
        true
    }

    /// `captureStream()`: a stream with one video track (if the file has video) and one
    /// audio track (if it has audio), carrying what plays from now on. Starts playback if
    /// it has not started. Each call gives new tracks; all of them carry the same playback.
    ///
    /// Settings: the video track's width, height and frame rate are the file's; the audio
    /// track's sample rate and channel count are the decoded audio's (Opus: 48 kHz).
    /// Timestamps are on the capture clock (`mediacapture_hal::clock`), the file's media
    /// time shifted to when it plays; audio and video stay in sync.
    ///
    /// Errors: `InvalidStateError` after playback ended (call [`MediaFile::play`] first).
    pub fn capture_stream(&self) -> Result<MediaStream> {
        self.capture_stream_with(
            MediaTrackConstraints::default(),
            MediaTrackConstraints::default(),
        )
    }

    /// [`MediaFile::capture_stream`] with constraints for the video and the audio track
    /// (e.g. a smaller size or another sample rate: the tracks adapt, the file does not
    /// change).
    ///
    /// Errors: also `OverconstrainedError` when a required constraint cannot be met.
    pub fn capture_stream_with(
        &self,
        video: MediaTrackConstraints,
        audio: MediaTrackConstraints,
    ) -> Result<MediaStream> {
        if self.state() == PlaybackState::Ended {
            return Err(Error::invalid_state(
                "playback has ended: call play() to start over, then capture_stream()",
            ));
        }
        let mut tracks: Vec<MediaStreamTrack> = Vec::new();
        for (kind, constraints) in [(Kind::Video, video), (Kind::Audio, audio)] {
            let Some(device) = self.descriptor(kind) else {
                continue;
            };
            let backend = Arc::new(FileBackend {
                shared: self.shared.clone(),
                kind,
                device: device.clone(),
            });
            match mediacapture::custom::open_track(backend, device, constraints) {
                Ok(t) => tracks.push(t),
                Err(e) => {
                    for t in &tracks {
                        t.stop();
                    }
                    return Err(e);
                }
            }
        }
        let stream = MediaStream::from_tracks(&tracks);
        if self.state() == PlaybackState::Idle {
            self.play()?;
        }
        Ok(stream)
    }

    fn descriptor(&self, kind: Kind) -> Option<DeviceDescriptor> {
        let info = &self.shared.info;
        let capabilities = match kind {
            Kind::Video => {
                let v = info.video.as_ref()?;
                NativeCapabilities::Video(VideoCapabilities {
                    modes: vec![VideoMode {
                        width: v.width,
                        height: v.height,
                        frame_rate: v.frame_rate,
                    }],
                    facing_mode: None,
                })
            }
            Kind::Audio => {
                let a = info.audio.as_ref()?;
                NativeCapabilities::Audio(AudioCapabilities {
                    sample_rates: vec![a.sample_rate],
                    channel_counts: vec![a.channels],
                    sample_sizes: vec![a.sample_size],
                    latency: (0.01, 0.01),
                    echo_cancellation: vec![EchoCancellation::Bool(false)],
                    auto_gain_control: vec![false],
                    noise_suppression: vec![false],
                })
            }
        };
        Some(DeviceDescriptor {
            // Empty raw ids: a captured element track has no deviceId or groupId.
            raw_id: String::new(),
            raw_group_id: String::new(),
            kind: match kind {
                Kind::Video => MediaDeviceKind::VideoInput,
                Kind::Audio => MediaDeviceKind::AudioInput,
            },
            label: self.shared.label.clone(),
            is_default: false,
            capabilities,
        })
    }

    fn start_thread(&self) -> Result<()> {
        let mut slot = self.shared.thread.lock();
        if let Some(h) = slot.take() {
            // Only an ended player is restarted: the old thread has finished or is returning
            // (it may still be sending `ended`), so joining it is short.
            if h.thread().id() == std::thread::current().id() {
                return Err(Error::invalid_state(
                    "play() cannot restart playback from the player's own thread",
                ));
            }
            let _ = h.join();
        }
        let decoder = self.shared.control.lock().decoder.take();
        let Some(decoder) = decoder else {
            return Err(Error::invalid_state("the player is already running"));
        };
        let shared = self.shared.clone();
        let handle = std::thread::Builder::new()
            .name("mediacapture-file".into())
            .spawn(move || play_loop(&shared, decoder))
            .map_err(|e| Error::not_readable(format!("cannot start the player thread: {e}")))?;
        *slot = Some(handle);
        Ok(())
    }
}

impl Drop for MediaFile {
    fn drop(&mut self) {
        self.shared.control.lock().handle_alive = false;
        self.shared.wake.notify_all();
    }
}

/// Sends an event to every sink of `kind` (or all).
fn broadcast(shared: &Shared, event: &SourceEvent) {
    for s in shared.sinks.lock().iter() {
        s.sink.on_event(event.clone());
    }
}

/// The player: decodes in file order and delivers each unit when its time comes.
fn play_loop(shared: &Arc<Shared>, mut decoder: Box<dyn Decode>) {
    // Capture time of media time 0: set by the first unit played (a file, or a reader handed
    // over mid-way, need not start at 0), and by seeks.
    let mut base: Option<i64> = None;
    // Media time of the first unit played from the start, where a loop goes back to.
    let mut first_us: i64 = 0;
    // Whether the next unit is the first of the file (not of a seek to the middle).
    let mut from_start = true;
    let mut end_us: i64 = 0;
    let mut held: Option<Media> = None;
    let mut muted = false;
    let finish = |decoder: Box<dyn Decode>, error: Option<Error>| {
        {
            let mut c = shared.control.lock();
            c.state = PlaybackState::Ended;
            c.error = error.clone();
            c.decoder = Some(decoder);
        }
        shared.wake.notify_all();
        broadcast(shared, &SourceEvent::Ended(error));
    };
    loop {
        // Controls.
        let (seek, looping) = {
            // Lock order: sinks before control, never the other way.
            let no_sinks = shared.sinks.lock().is_empty();
            let mut c = shared.control.lock();
            if !c.handle_alive && no_sinks {
                c.decoder = Some(decoder);
                return;
            }
            if c.state == PlaybackState::Paused {
                if !muted {
                    muted = true;
                    drop(c);
                    broadcast(shared, &SourceEvent::Muted);
                    continue;
                }
                let paused_at = now_us();
                shared.wake.wait_for(&mut c, MAX_SLEEP);
                if let Some(b) = base.as_mut() {
                    *b += now_us() - paused_at;
                }
                continue;
            }
            (c.seek_to.take(), c.looping)
        };
        if muted {
            muted = false;
            broadcast(shared, &SourceEvent::Unmuted);
        }
        if let Some(t) = seek {
            held = None;
            if let Err(e) = decoder.seek(t) {
                finish(decoder, Some(e));
                return;
            }
            // The first unit after the seek is due at once.
            base = None;
            from_start = t <= 0;
            end_us = 0;
            continue;
        }
        let media = match held.take() {
            Some(m) => m,
            None => match decoder.next_media() {
                Ok(Some(m)) => m,
                Ok(None) if looping && end_us > 0 => {
                    if let Err(e) = decoder.seek(0) {
                        finish(decoder, Some(e));
                        return;
                    }
                    // The loop's first unit follows the last one's end without a gap.
                    base = base.map(|b| b + end_us - first_us);
                    end_us = 0;
                    continue;
                }
                Ok(None) => {
                    finish(decoder, None);
                    return;
                }
                Err(e) => {
                    tracing::warn!("{}: playback stopped: {e}", shared.label);
                    finish(decoder, Some(e));
                    return;
                }
            },
        };
        let due = *base.get_or_insert_with(|| {
            if from_start {
                first_us = media.timestamp();
            }
            now_us() - media.timestamp()
        }) + media.timestamp();
        let wait = due - now_us();
        if wait > 0 {
            let mut c = shared.control.lock();
            let dur = Duration::from_micros(u64::try_from(wait).unwrap_or(0)).min(MAX_SLEEP);
            if c.seek_to.is_none() && c.state == PlaybackState::Playing {
                shared.wake.wait_for(&mut c, dur);
            }
            drop(c);
            held = Some(media);
            continue;
        }
        let ts = media.timestamp();
        end_us = end_us.max(ts + media.duration().unwrap_or(0));
        shared.control.lock().position_us = ts;
        let sinks = shared.sinks.lock();
        match media {
            Media::Video(f) => {
                let f = f.with_timestamp(due);
                for s in sinks.iter().filter(|s| s.kind == Kind::Video) {
                    s.sink.on_video(f.clone());
                }
            }
            Media::Audio(a) => {
                let a = retime(a, due);
                for s in sinks.iter().filter(|s| s.kind == Kind::Audio) {
                    s.sink.on_audio(a.clone());
                }
            }
        }
    }
}

/// `a` with timestamp `ts` (AudioData has no setter: rebuilt around the same samples).
fn retime(a: mediacapture_frame::AudioData, ts: i64) -> mediacapture_frame::AudioData {
    mediacapture_frame::AudioData::new(
        a.format(),
        a.sample_rate(),
        a.channels(),
        a.data().clone(),
        ts,
    )
    .unwrap_or(a)
}

/// One track kind of a [`MediaFile`], as a capture backend with one device.
struct FileBackend {
    shared: Arc<Shared>,
    kind: Kind,
    device: DeviceDescriptor,
}

impl Backend for FileBackend {
    fn name(&self) -> &'static str {
        "file"
    }

    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        Ok(vec![self.device.clone()])
    }

    fn open(
        &self,
        _raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        self.device.capabilities.require(config, "the media file")?;
        let id = NEXT_SINK.fetch_add(1, Ordering::Relaxed);
        let mut sinks = self.shared.sinks.lock();
        let state = self.shared.control.lock().state;
        if state == PlaybackState::Paused {
            sink.on_event(SourceEvent::Muted);
        }
        sinks.push(SinkEntry {
            id,
            kind: self.kind,
            sink,
        });
        Ok(Box::new(FileSource {
            shared: self.shared.clone(),
            config: config.clone(),
            id,
        }))
    }
}

struct FileSource {
    shared: Arc<Shared>,
    config: NativeConfig,
    id: u64,
}

impl Source for FileSource {
    fn config(&self) -> &NativeConfig {
        &self.config
    }

    fn stop(&mut self) {
        // Deliveries happen under this lock: once it is taken, no call reaches the sink.
        self.shared.sinks.lock().retain(|s| s.id != self.id);
        self.shared.wake.notify_all();
    }
}

impl Drop for FileSource {
    fn drop(&mut self) {
        self.stop();
    }
}
