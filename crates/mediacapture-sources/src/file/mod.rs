//! Media files as stream sources: `captureStream()` of a media element playing a file
//! (mediacapture-fromelement), natively.
//!
//! [`MediaFile`] is the element: it plays a WebM/Matroska (VP8, VP9, Opus), WAV or y4m file
//! in real time, loops or seeks on request, and [`MediaFile::capture_stream`] gives a
//! [`MediaStream`] with one video and/or one audio track carrying what it plays.
//! [`MediaReader`] is the same file pulled as fast as the caller takes it.
//!
//! Playback is paced by a [`Clock`]: the system clock unless [`MediaFile::with_clock`] gives
//! another one (a manual clock in tests, which then decides exactly what has been played).
//! Timestamps read from a file are checked before they pace anything: a jump far forward or
//! back (damage) is taken out with a warning, and a unit starting well past the duration the
//! header states ends playback with an error, so a damaged file cannot hold playback for
//! longer than its content.
//!
//! Spec: <https://w3c.github.io/mediacapture-fromelement/#html-media-element-media-capture-extensions>

mod player;
mod reader;
mod timeline;
mod wav;
mod webm;
mod webm_block;
mod y4m;

pub use reader::{
    AudioInfo, Container, MAX_FRAME_RATE, MIN_FRAME_RATE, Media, MediaInfo, MediaReader, VideoInfo,
};

use mediacapture::{MediaStream, MediaStreamTrack, MediaTrackConstraints};
use mediacapture_hal::clock::{Clock, Wake};
use mediacapture_hal::{Backend, Source, SourceEvent, SourceSink};
use mediacapture_types::native::{
    AudioCapabilities, DeviceDescriptor, NativeCapabilities, NativeConfig, VideoCapabilities,
    VideoMode,
};
use mediacapture_types::{EchoCancellation, Error, MediaDeviceKind, Result};
use parking_lot::Mutex;
use reader::Decode;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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
    /// Whether `capture_stream()` starts an idle file.
    autoplay: bool,
    /// Clock time when `pause()` paused playback, until the player takes it to move its
    /// timeline on by the paused time.
    paused_at: Option<i64>,
    seek_to: Option<i64>,
    /// Media time of the last unit delivered (µs).
    position_us: i64,
    error: Option<Error>,
    /// `false` once the [`MediaFile`] handle is dropped: the player then runs only while
    /// tracks consume it.
    handle_alive: bool,
    /// How many sinks (open track sources) there are: mirrors `Shared::sinks` under this
    /// lock, so the player's wait sees them go without a lost wake-up.
    sinks: usize,
    /// The decoder while no player thread owns it.
    decoder: Option<Box<dyn Decode>>,
}

struct Shared {
    label: String,
    info: MediaInfo,
    /// Lock order: `sinks` before `control`, never the other way. The player ends playback
    /// (state `Ended`, then `Ended` to every sink) under this lock, so a sink is either
    /// there for that `Ended` or registered after it, seeing the state `Ended` (a restart's
    /// new sinks: `Playing` again, and no `Ended` of the old playback).
    sinks: Mutex<Vec<SinkEntry>>,
    /// A std mutex: the player waits on it with `clock::wait_until`.
    control: std::sync::Mutex<Control>,
    wake: Condvar,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The clock the next start of playback is paced by.
    clock: Mutex<Arc<dyn Clock>>,
}

impl Shared {
    fn control(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a notification (no timeout: every change notifies).
    fn wait<'a>(&self, c: MutexGuard<'a, Control>) -> MutexGuard<'a, Control> {
        self.wake.wait(c).unwrap_or_else(|p| p.into_inner())
    }

    /// Notifies every waiter, under the control lock so that a waiter between its check and
    /// its wait cannot miss it.
    fn notify(&self) {
        let _c = self.control();
        self.wake.notify_all();
    }
}

impl Wake for Shared {
    fn wake(&self) {
        self.notify();
    }
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
///
/// Playback is paced by the system clock, or by the clock given to
/// [`MediaFile::with_clock`]:
///
/// ```no_run
/// use mediacapture_sources::file::MediaFile;
/// let clock = mediacapture_hal::clock::system(); // or a manual clock in a test
/// let file = MediaFile::open("fixture.y4m")?.with_clock(clock);
/// # Ok::<(), mediacapture::Error>(())
/// ```
pub struct MediaFile {
    shared: Arc<Shared>,
    /// The streams `capture_stream` gave: a restart after the end gives them new tracks.
    captures: Mutex<Vec<CapturedStream>>,
}

/// A stream `capture_stream` gave, with the constraints its tracks were made with and the
/// tracks this file put in it (the application may add others).
struct CapturedStream {
    stream: MediaStream,
    video: MediaTrackConstraints,
    audio: MediaTrackConstraints,
    tracks: Vec<MediaStreamTrack>,
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
        let clock = mediacapture_hal::clock::system();
        let shared = Arc::new(Shared {
            label,
            info,
            sinks: Mutex::new(Vec::new()),
            control: std::sync::Mutex::new(Control {
                state: PlaybackState::Idle,
                looping: false,
                autoplay: true,
                paused_at: None,
                seek_to: None,
                position_us: 0,
                error: None,
                handle_alive: true,
                sinks: 0,
                decoder: Some(reader.into_inner()),
            }),
            wake: Condvar::new(),
            thread: Mutex::new(None),
            clock: Mutex::new(clock.clone()),
        });
        clock.register(Arc::downgrade(&shared) as Weak<dyn Wake>);
        MediaFile {
            shared,
            captures: Mutex::new(Vec::new()),
        }
    }

    /// Paces playback by `clock` instead of the system clock (a manual clock in tests). Set it
    /// before playback starts: a player already running keeps its clock until it next starts
    /// (after the end, [`MediaFile::play`]). Timestamps of the captured tracks are on this
    /// clock.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> MediaFile {
        clock.register(Arc::downgrade(&self.shared) as Weak<dyn Wake>);
        *self.shared.clock.lock() = clock;
        self
    }

    /// What the file holds.
    pub fn info(&self) -> &MediaInfo {
        &self.shared.info
    }

    /// The playback state.
    pub fn state(&self) -> PlaybackState {
        self.shared.control().state
    }

    /// `true` once playback reached the end (or damage) without looping.
    pub fn ended(&self) -> bool {
        self.state() == PlaybackState::Ended
    }

    /// Why playback ended early: the damage found in the file, if any.
    pub fn error(&self) -> Option<Error> {
        self.shared.control().error.clone()
    }

    /// The media time of the last frame or audio block played.
    pub fn current_time(&self) -> Duration {
        let us = self.shared.control().position_us;
        Duration::from_micros(u64::try_from(us).unwrap_or(0))
    }

    /// Whether playback starts over at the end (the element's `loop`).
    pub fn set_loop(&self, looping: bool) {
        self.shared.control().looping = looping;
        self.shared.notify();
    }

    /// Whether [`MediaFile::capture_stream`] starts playback of a file that has not started
    /// (default `true`). With `false`, the tracks wait (neither muted nor playing) for
    /// [`MediaFile::play`], so sinks can be attached before the first frame.
    pub fn set_autoplay(&self, autoplay: bool) {
        self.shared.control().autoplay = autoplay;
    }

    /// Whether playback loops.
    pub fn looping(&self) -> bool {
        self.shared.control().looping
    }

    /// Seeks to `position`. Captured tracks go on (no events, as the spec says for seeking);
    /// their timestamps stay monotonic.
    pub fn seek(&self, position: Duration) {
        let us = i64::try_from(position.as_micros()).unwrap_or(i64::MAX);
        self.shared.control().seek_to = Some(us);
        self.shared.notify();
    }

    /// Pauses playback: captured tracks become muted (no content is available).
    pub fn pause(&self) {
        let now = self.shared.clock.lock().now_us();
        let mut c = self.shared.control();
        if c.state == PlaybackState::Playing || c.state == PlaybackState::Idle {
            c.state = PlaybackState::Paused;
            // Media time stops now, not when the player next looks.
            c.paused_at.get_or_insert(now);
        }
        drop(c);
        self.shared.notify();
    }

    /// Starts or resumes playback. After the end, starts over from the beginning, and
    /// "restarting playback after playback ends causes a new set of captured
    /// MediaStreamTrack instances to be created": every stream [`MediaFile::capture_stream`]
    /// gave gets new tracks (made with the same constraints), firing `removetrack` for each
    /// ended track of this file and then `addtrack` for each new one, in queued tasks, as
    /// the user agent does for a media element whose selected tracks change. The streams'
    /// track sets change before `play` returns (as Chromium's do; only the events wait), and
    /// the new tracks belong to the new playback only: the end of the previous one does not
    /// end them.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-fromelement/#dom-htmlmediaelement-capturestream>
    pub fn play(&self) -> Result<()> {
        let (start, restarted) = {
            let mut c = self.shared.control();
            let restarted = c.state == PlaybackState::Ended;
            if restarted {
                c.seek_to = Some(0);
                c.error = None;
                c.paused_at = None;
            }
            c.state = PlaybackState::Playing;
            // The decoder is parked here exactly while no player thread runs.
            (c.decoder.is_some(), restarted)
        };
        if restarted {
            // Before the player runs again, so the new tracks get the first frames.
            self.renew_captures();
        }
        self.shared.notify();
        if start {
            self.start_thread()?;
        }
        Ok(())
    }

    /// New tracks for every captured stream, after a restart (see [`MediaFile::play`]).
    fn renew_captures(&self) {
        let mut captures = self.captures.lock();
        for c in captures.iter_mut() {
            let new = match self.open_tracks(&c.video, &c.audio) {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!("{}: no new captured tracks: {e}", self.shared.label);
                    Vec::new()
                }
            };
            // The old tracks ended at the end of playback ("a MediaStreamTrack MUST end
            // prior to being removed from the MediaStream"). The set changes at once, so the
            // stream never holds neither the old nor the new tracks; the events are queued.
            c.stream.ua_replace_tracks_now(&c.tracks, &new);
            c.tracks = new;
        }
    }

    /// One track per kind the file has, on constraints `video` / `audio`.
    fn open_tracks(
        &self,
        video: &MediaTrackConstraints,
        audio: &MediaTrackConstraints,
    ) -> Result<Vec<MediaStreamTrack>> {
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
            match mediacapture::custom::open_track(backend, device, constraints.clone()) {
                Ok(t) => tracks.push(t),
                Err(e) => {
                    for t in &tracks {
                        t.stop();
                    }
                    return Err(e);
                }
            }
        }
        Ok(tracks)
    }

    /// Waits until playback ends or `timeout` passes; `true` if it ended.
    pub fn wait_ended(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut c = self.shared.control();
        while c.state != PlaybackState::Ended {
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => Duration::MAX,
            };
            if left.is_zero() {
                return false;
            }
            c = match self.shared.wake.wait_timeout(c, left) {
                Ok((c, _)) => c,
                Err(p) => p.into_inner().0,
            };
        }
        true
    }

    /// `captureStream()`: a stream with one video track (if the file has video) and one
    /// audio track (if it has audio), carrying what plays from now on. Starts playback if
    /// it has not started (unless [`MediaFile::set_autoplay`] said not to). Each call gives
    /// new tracks; all of them carry the same playback.
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
        let tracks = self.open_tracks(&video, &audio)?;
        let stream = MediaStream::from_tracks(&tracks);
        self.captures.lock().push(CapturedStream {
            stream: stream.clone(),
            video,
            audio,
            tracks,
        });
        let autoplay = self.shared.control().autoplay;
        if autoplay && self.state() == PlaybackState::Idle {
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
        let decoder = self.shared.control().decoder.take();
        let Some(decoder) = decoder else {
            return Err(Error::invalid_state("the player is already running"));
        };
        let shared = self.shared.clone();
        let clock = self.shared.clock.lock().clone();
        let handle = std::thread::Builder::new()
            .name("mediacapture-file".into())
            .spawn(move || player::play_loop(&shared, decoder, &*clock))
            .map_err(|e| Error::not_readable(format!("cannot start the player thread: {e}")))?;
        *slot = Some(handle);
        Ok(())
    }
}

impl Drop for MediaFile {
    fn drop(&mut self) {
        self.shared.control().handle_alive = false;
        self.shared.notify();
    }
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
        let mut c = self.shared.control();
        match c.state {
            PlaybackState::Paused => sink.on_event(SourceEvent::Muted),
            // After the player ended and sent `Ended` to the sinks there (a `capture_stream`
            // that checked the state just before the end): a track opened now would never
            // end, so the capture fails as it would have a moment later.
            PlaybackState::Ended => {
                return Err(Error::invalid_state(
                    "playback has ended: call play() to start over, then capture_stream()",
                ));
            }
            PlaybackState::Idle | PlaybackState::Playing => {}
        }
        sinks.push(SinkEntry {
            id,
            kind: self.kind,
            sink,
        });
        c.sinks = sinks.len();
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
        let mut sinks = self.shared.sinks.lock();
        sinks.retain(|s| s.id != self.id);
        let mut c = self.shared.control();
        c.sinks = sinks.len();
        drop(sinks);
        // Notified under the control lock: the player waiting for its next unit sees it.
        self.shared.wake.notify_all();
        drop(c);
    }
}

impl Drop for FileSource {
    fn drop(&mut self) {
        self.stop();
    }
}
