//! The fake backend: configurable devices that produce test patterns and tones.
//!
//! Like Chromium's `--use-fake-device-for-media-stream`, it gives every kind of device
//! without hardware: cameras draw a moving test pattern that carries a frame counter and the
//! capture timestamp (as digits, and machine-readably: see [`read_frame_counter`]),
//! microphones play a 440 Hz tone with a 100 ms 880 Hz beep at each whole second, screens
//! draw the same pattern as cameras, and the system-audio source (what getDisplayMedia captures
//! as audio, see [`Backend::system_audio`]) plays a steady 660 Hz tone. A camera can play a
//! y4m file and a microphone or the system audio a wav file instead, looped. Devices come from a [`FakeProfile`]: the default one, JSON (from a
//! string, a file, or the `MEDIACAPTURE_FAKE` environment variable) or code; they can be
//! plugged in and out at run time and can script faults (disconnect, mute).
//!
//! Sources pace themselves on the backend's [`Clock`]: the system clock
//! by default, or a manual one ([`FakeBackend::with_clock`]) with which a test decides when
//! each frame is due, and so gets exact frame counts and timestamps whatever the machine's
//! load. Scripted faults and disconnects follow the same clock.
//!
//! ```
//! use mediacapture_hal::fake::{FakeBackend, FakeProfile};
//! use mediacapture_hal::{Backend, NativeConfig, SourceEvent, SourceSink};
//! use mediacapture_frame::{AudioData, VideoFrame};
//! use mediacapture_test_support::ManualClock;
//! use mediacapture_types::native::VideoMode;
//! use std::sync::{Arc, Mutex, mpsc};
//! use std::time::Duration;
//!
//! struct Frames(Mutex<mpsc::Sender<VideoFrame>>);
//! impl SourceSink for Frames {
//!     fn on_video(&self, frame: VideoFrame) { self.0.lock().unwrap().send(frame).unwrap() }
//!     fn on_audio(&self, _: AudioData) {}
//!     fn on_event(&self, _: SourceEvent) {}
//! }
//!
//! let profile = FakeProfile::from_json(r#"{"devices":[
//!     {"kind":"videoinput","label":"Cam","id":"cam",
//!      "modes":[{"width":320,"height":240,"frameRate":25}]}]}"#)?;
//! let clock = ManualClock::new();
//! let backend = FakeBackend::with_clock(profile, clock.as_clock());
//! assert_eq!(backend.devices()?[0].label, "Cam");
//!
//! let (tx, rx) = mpsc::channel();
//! let mode = VideoMode { width: 320, height: 240, frame_rate: 25.0 };
//! let mut source = backend.open("cam", &NativeConfig::Video(mode), Arc::new(Frames(Mutex::new(tx))))?;
//! let wait = Duration::from_secs(30); // a safety bound: fires only on failure
//! // Frame 0 is due at once; frame 1 when the clock reaches 40 ms.
//! let f0 = rx.recv_timeout(wait).unwrap();
//! clock.set(40_000);
//! let f1 = rx.recv_timeout(wait).unwrap();
//! source.stop();
//! assert_eq!(mediacapture_hal::fake::read_frame_counter(&f0), Some(0));
//! assert_eq!((f0.timestamp(), f1.timestamp()), (0, 40_000));
//! assert!(rx.try_recv().is_err(), "nothing else was due");
//! # Ok::<(), mediacapture_types::Error>(())
//! ```

mod audio;
pub mod limits;
mod output;
mod pattern;
mod profile;
mod source;
mod y4m;

pub use audio::{BEEP_HZ, SYSTEM_AUDIO_HZ, TONE_HZ};
pub use output::{PLAYED_HISTORY_SECONDS, PlayedAudio, PlayedSegment};
pub use pattern::{read_frame_counter, read_frame_timestamp};
pub use profile::{DeviceSpec, FakeDeviceKind, FakeProfile, FakeVideoMode, FaultScript};

use crate::clock::{self, Clock, Wake};
use crate::thread_source::Control;
use crate::{
    Backend, DeviceChangeCallback, DeviceDescriptor, NativeCapabilities, NativeConfig, Source,
    SourceSink,
};
use mediacapture_frame::PixelFormat;
use mediacapture_types::native::{
    AudioCapabilities, DisplayCapabilities, VideoCapabilities, VideoMode,
};
use mediacapture_types::{Error, MediaDeviceKind, Result};
use source::{Media, Plan};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;

struct Entry {
    spec: DeviceSpec,
    raw_id: String,
    /// When a scripted disconnect removes the device (µs on the backend's clock).
    disconnect_at: Option<i64>,
    /// Set by [`FakeBackend::set_muted`]; read by the device's capture threads.
    muted: Arc<AtomicBool>,
}

struct State {
    devices: Vec<Entry>,
    sources: Vec<(String, Weak<Control>)>,
    watchers: Vec<DeviceChangeCallback>,
    next_index: HashMap<FakeDeviceKind, usize>,
    shutdown: bool,
}

struct Inner {
    state: Mutex<State>,
    /// Wakes the disconnect scheduler.
    cv: Condvar,
    /// What sources, scripted faults and the disconnect scheduler pace themselves on.
    clock: Arc<dyn Clock>,
    /// The speakers' playback threads and what they played.
    outputs: output::Outputs,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Wake for Inner {
    /// The clock moved: the disconnect scheduler looks at the time again.
    fn wake(&self) {
        let _st = self.lock();
        self.cv.notify_all();
    }
}

/// The fake capture backend. Cheap to create; every open source runs its own thread.
pub struct FakeBackend {
    inner: Arc<Inner>,
    scheduler: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for FakeBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.inner.lock();
        f.debug_struct("FakeBackend")
            .field(
                "devices",
                &st.devices.iter().map(|e| &e.raw_id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Default for FakeBackend {
    fn default() -> Self {
        Self::new(FakeProfile::default())
    }
}

impl FakeBackend {
    /// A backend with the devices of `profile`. Devices without an `id` get a stable one from
    /// their kind and index among devices of that kind: `"fake:videoinput:0"`,
    /// `"fake:audioinput:0"`, `"fake:audiooutput:0"`, `"fake:screen:0"`,
    /// `"fake:systemaudio:0"`. Paced by the system clock ([`clock::system`]).
    pub fn new(profile: FakeProfile) -> Self {
        Self::with_clock(profile, clock::system())
    }

    /// A backend with the devices of `profile` whose sources, scripted faults
    /// (`disconnectAfterMs`, `muteAfterMs`/`muteForMs`) and disconnect timer all follow
    /// `clock`: with a manual clock, a test moves time itself (see the module docs).
    ///
    /// Pacing: frame (or 10 ms audio block) `k` is due at the open time plus `k / rate` and
    /// carries that time as its timestamp. Moving the clock by one frame interval (rounded
    /// up to the microsecond) delivers exactly one frame. A bigger jump is a late wake-up: a
    /// camera or screen drops the frames it missed and delivers the one due at the new time
    /// (its counter jumps); a microphone delivers the missed blocks back to back, unless it
    /// is more than a second behind, when it skips to the block due now.
    pub fn with_clock(profile: FakeProfile, clock: Arc<dyn Clock>) -> Self {
        let inner = Arc::new(Inner {
            state: Mutex::new(State {
                devices: Vec::new(),
                sources: Vec::new(),
                watchers: Vec::new(),
                next_index: HashMap::new(),
                shutdown: false,
            }),
            cv: Condvar::new(),
            outputs: output::Outputs::new(clock.clone()),
            clock,
        });
        let weak: Weak<dyn Wake> = Arc::downgrade(&inner) as Weak<dyn Wake>;
        inner.clock.register(weak);
        let backend = FakeBackend {
            inner,
            scheduler: Mutex::new(None),
        };
        for spec in profile.devices {
            if let Err(e) = backend.insert(spec) {
                tracing::warn!("fake backend: device skipped: {e}");
            }
        }
        backend
    }

    /// The backend `MEDIACAPTURE_FAKE` asks for (see [`FakeProfile::from_env`]): `None` when
    /// the variable is unset, empty or `0`. A profile file that cannot be used is reported
    /// with `tracing::error!` and the default profile is used instead (fake devices were
    /// asked for).
    pub fn from_env() -> Option<FakeBackend> {
        match FakeProfile::from_env() {
            Ok(p) => p.map(FakeBackend::new),
            Err(e) => {
                tracing::error!("MEDIACAPTURE_FAKE: {e}; using the default fake profile");
                Some(FakeBackend::default())
            }
        }
    }

    fn insert(&self, spec: DeviceSpec) -> Result<String> {
        limits::check_device(&spec, &format!("device {:?}", spec.label))?;
        let mut st = self.inner.lock();
        let index = st.next_index.entry(spec.kind).or_insert(0);
        let auto = format!("fake:{}:{}", spec.kind.as_str(), *index);
        *index += 1;
        let raw_id = spec.id.clone().unwrap_or(auto);
        if st.devices.iter().any(|e| e.raw_id == raw_id) {
            return Err(Error::type_error(format!(
                "fake backend: a device with id {raw_id:?} already exists"
            )));
        }
        let disconnect_at = spec.faults.disconnect_after_ms.map(|ms| {
            let us = i64::try_from(ms.saturating_mul(1000)).unwrap_or(i64::MAX);
            self.inner.clock.now_us().saturating_add(us)
        });
        st.devices.push(Entry {
            spec,
            raw_id: raw_id.clone(),
            disconnect_at,
            muted: Arc::new(AtomicBool::new(false)),
        });
        drop(st);
        if disconnect_at.is_some() {
            self.ensure_scheduler();
            self.inner.cv.notify_all();
        }
        Ok(raw_id)
    }

    fn ensure_scheduler(&self) {
        let mut sched = self.scheduler.lock().unwrap_or_else(|e| e.into_inner());
        if sched.is_some() {
            return;
        }
        let inner = self.inner.clone();
        match std::thread::Builder::new()
            .name("fake-hotplug".into())
            .spawn(move || run_scheduler(&inner))
        {
            Ok(t) => *sched = Some(t),
            Err(e) => tracing::error!("fake backend: cannot start the disconnect timer: {e}"),
        }
    }

    /// Plugs in a device and calls the device-change watchers. Returns its raw id.
    ///
    /// Errors: `TypeError` when a device with the same raw id exists, or when the device
    /// claims what no real hardware does (see [`limits`]).
    pub fn add_device(&self, spec: DeviceSpec) -> Result<String> {
        let id = self.insert(spec)?;
        notify(&self.inner);
        Ok(id)
    }

    /// Unplugs a device: open sources of it end with `SourceEvent::Ended(Some(NotFoundError))`
    /// and the device-change watchers are called.
    ///
    /// Errors: `NotFoundError` when no device has this raw id.
    pub fn remove_device(&self, raw_id: &str) -> Result<()> {
        if remove(&self.inner, raw_id) {
            notify(&self.inner);
            Ok(())
        } else {
            Err(Error::not_found(format!("no fake device {raw_id:?}")))
        }
    }

    /// Mutes or unmutes a device, as when its hardware stops and resumes delivering (a
    /// privacy shutter, a suspended stream): its open sources send `SourceEvent::Muted` and
    /// deliver nothing until unmuted (`SourceEvent::Unmuted`); sources opened meanwhile
    /// start muted. Takes effect at the source's next frame or audio block.
    ///
    /// Errors: `NotFoundError` when no device has this raw id.
    pub fn set_muted(&self, raw_id: &str, muted: bool) -> Result<()> {
        let st = self.inner.lock();
        let e = st
            .devices
            .iter()
            .find(|e| e.raw_id == raw_id)
            .ok_or_else(|| Error::not_found(format!("no fake device {raw_id:?}")))?;
        e.muted.store(muted, Ordering::SeqCst);
        Ok(())
    }

    fn descriptor(e: &Entry) -> DeviceDescriptor {
        let s = &e.spec;
        let (kind, capabilities) = match s.kind {
            FakeDeviceKind::VideoInput => (
                MediaDeviceKind::VideoInput,
                NativeCapabilities::Video(VideoCapabilities {
                    modes: camera_modes(s).iter().map(|m| m.0).collect(),
                    facing_mode: s.facing_mode,
                }),
            ),
            FakeDeviceKind::AudioInput | FakeDeviceKind::SystemAudio => (
                MediaDeviceKind::AudioInput,
                NativeCapabilities::Audio(AudioCapabilities {
                    sample_rates: s.sample_rates.clone(),
                    channel_counts: s.channel_counts.clone(),
                    sample_sizes: s.sample_sizes.clone(),
                    latency: s.latency,
                    echo_cancellation: s.echo_cancellation.clone(),
                    auto_gain_control: s.auto_gain_control.clone(),
                    noise_suppression: s.noise_suppression.clone(),
                }),
            ),
            FakeDeviceKind::AudioOutput => {
                (MediaDeviceKind::AudioOutput, NativeCapabilities::Output)
            }
            FakeDeviceKind::Screen => (
                MediaDeviceKind::VideoInput,
                NativeCapabilities::Display(DisplayCapabilities {
                    width: s.width,
                    height: s.height,
                    max_frame_rate: s.frame_rate,
                    display_surface: s.display_surface,
                    cursor: s.cursor.clone(),
                }),
            ),
        };
        DeviceDescriptor {
            raw_id: e.raw_id.clone(),
            raw_group_id: s.group_id.clone().unwrap_or_else(|| e.raw_id.clone()),
            kind,
            label: s.label.clone(),
            is_default: s.is_default,
            capabilities,
        }
    }
}

/// A camera's modes with their pixel formats; from the y4m header when the profile gave a
/// file and no modes. An unreadable header lists 640x480@30 so the device stays visible;
/// opening it then fails with the file's error.
fn camera_modes(s: &DeviceSpec) -> Vec<(VideoMode, PixelFormat)> {
    let modes: Vec<_> = s
        .modes
        .iter()
        .map(|m| {
            (
                VideoMode {
                    width: m.width,
                    height: m.height,
                    frame_rate: m.frame_rate,
                },
                m.pixel_format,
            )
        })
        .collect();
    if !modes.is_empty() {
        return modes;
    }
    let (width, height, frame_rate) = match s.file.as_deref().map(y4m::read_header) {
        Some(Ok(h)) => (h.width, h.height, h.frame_rate),
        Some(Err(e)) => {
            tracing::warn!("fake camera {:?}: {e}", s.label);
            (640, 480, 30.0)
        }
        None => (640, 480, 30.0),
    };
    vec![(
        VideoMode {
            width,
            height,
            frame_rate,
        },
        PixelFormat::I420,
    )]
}

fn remove(inner: &Inner, raw_id: &str) -> bool {
    let mut st = inner.lock();
    let Some(pos) = st.devices.iter().position(|e| e.raw_id == raw_id) else {
        return false;
    };
    let entry = st.devices.remove(pos);
    let mut ended = Vec::new();
    st.sources.retain(|(id, ctl)| match ctl.upgrade() {
        Some(c) if id == raw_id => {
            ended.push(c);
            false
        }
        Some(_) => true,
        None => false,
    });
    drop(st);
    for c in ended {
        c.end(Error::not_found(format!(
            "device {:?} was disconnected",
            entry.spec.label
        )));
    }
    inner.outputs.device_removed(raw_id, &entry.spec.label);
    true
}

/// Calls the watchers, outside the lock.
fn notify(inner: &Inner) {
    let watchers = inner.lock().watchers.clone();
    for w in watchers {
        w();
    }
}

fn run_scheduler(inner: &Inner) {
    let mut st = inner.lock();
    loop {
        if st.shutdown {
            return;
        }
        let now = inner.clock.now_us();
        let due: Vec<String> = st
            .devices
            .iter()
            .filter(|e| e.disconnect_at.is_some_and(|t| t <= now))
            .map(|e| e.raw_id.clone())
            .collect();
        if !due.is_empty() {
            drop(st);
            for id in &due {
                remove(inner, id);
            }
            notify(inner);
            st = inner.lock();
            continue;
        }
        // Until the next disconnect is due, or anything changes (a device added, shutdown);
        // the clock's moves wake us through `Wake`.
        let next = st
            .devices
            .iter()
            .filter_map(|e| e.disconnect_at)
            .min()
            .unwrap_or(i64::MAX);
        let count = st.devices.len();
        st = clock::wait_until(&*inner.clock, next, &inner.cv, st, |s| {
            s.shutdown || s.devices.len() != count
        })
        .0;
    }
}

impl Drop for FakeBackend {
    fn drop(&mut self) {
        self.inner.lock().shutdown = true;
        self.inner.cv.notify_all();
        let t = self
            .scheduler
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(t) = t {
            let _ = t.join();
        }
    }
}

/// The first of `modes` that is `m` (same size, same rate within the tolerance).
fn find_video_mode(
    modes: &[(VideoMode, PixelFormat)],
    m: &VideoMode,
) -> Option<(VideoMode, PixelFormat)> {
    use mediacapture_types::native::FRAME_RATE_TOLERANCE;
    modes.iter().copied().find(|(n, _)| {
        n.width == m.width
            && n.height == m.height
            && (n.frame_rate - m.frame_rate).abs() < FRAME_RATE_TOLERANCE
    })
}

impl Backend for FakeBackend {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        let st = self.inner.lock();
        Ok(st
            .devices
            .iter()
            .filter(|e| e.spec.kind != FakeDeviceKind::SystemAudio)
            .map(Self::descriptor)
            .collect())
    }

    /// The profile's first `systemaudio` device, if any.
    fn system_audio(&self) -> Result<Option<DeviceDescriptor>> {
        let st = self.inner.lock();
        Ok(st
            .devices
            .iter()
            .find(|e| e.spec.kind == FakeDeviceKind::SystemAudio)
            .map(Self::descriptor))
    }

    /// `true`: the fake system audio is synthesized (or played from its file), never a mix
    /// of what this process plays, so this process's own audio is always left out.
    fn system_audio_excludes_own_playback(&self) -> bool {
        true
    }

    fn open(
        &self,
        raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        let (spec, muted, capabilities) = {
            let st = self.inner.lock();
            let e = st
                .devices
                .iter()
                .find(|e| e.raw_id == raw_id)
                .ok_or_else(|| Error::not_found(format!("no fake device {raw_id:?}")))?;
            (
                e.spec.clone(),
                e.muted.clone(),
                Self::descriptor(e).capabilities,
            )
        };
        if spec.kind == FakeDeviceKind::AudioOutput {
            return Err(Error::not_found(format!(
                "{raw_id:?} is an audio output device: nothing to capture"
            )));
        }
        if spec.busy {
            return Err(Error::not_readable(format!(
                "{:?} is in use by another application",
                spec.label
            )));
        }
        capabilities.require(config, &format!("fake device {:?}", spec.label))?;
        let wrong = || {
            Error::not_readable(format!(
                "a fake {} device cannot be opened in {config}",
                spec.kind.as_str()
            ))
        };
        let (media, rate, channels) = match (spec.kind, config) {
            (FakeDeviceKind::VideoInput, NativeConfig::Video(m)) => {
                let (mode, format) = find_video_mode(&camera_modes(&spec), m).ok_or_else(wrong)?;
                let media = match &spec.file {
                    Some(path) => {
                        let file = y4m::read(path)?;
                        let h = file.header;
                        if (h.width, h.height) != (mode.width, mode.height) {
                            return Err(Error::not_readable(format!(
                                "fake y4m {}: frames are {}x{}, the mode is {}x{}",
                                path.display(),
                                h.width,
                                h.height,
                                mode.width,
                                mode.height
                            )));
                        }
                        let frames = file
                            .frames
                            .iter()
                            .map(|f| {
                                if format == PixelFormat::Mjpeg {
                                    let bgra = pattern::convert_i420(
                                        f,
                                        h.width,
                                        h.height,
                                        PixelFormat::Bgra,
                                    )?;
                                    pattern::encode_jpeg(&bgra, h.width, h.height)
                                } else {
                                    pattern::convert_i420(f, h.width, h.height, format)
                                }
                                .map(Arc::<[u8]>::from)
                            })
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| {
                                Error::not_readable(format!(
                                    "fake y4m {}: cannot convert to {format:?}",
                                    path.display()
                                ))
                            })?;
                        Media::Frames {
                            format,
                            width: h.width,
                            height: h.height,
                            frames,
                        }
                    }
                    None => Media::Pattern(
                        pattern::Pattern::new(format, mode.width, mode.height).ok_or_else(
                            || Error::not_readable(format!("cannot draw {format:?} frames")),
                        )?,
                    ),
                };
                (media, mode.frame_rate, 0)
            }
            (FakeDeviceKind::Screen, NativeConfig::Display(d)) => {
                let p = pattern::Pattern::new(spec.screen_pixel_format, spec.width, spec.height)
                    .ok_or_else(|| {
                        Error::not_readable(format!(
                            "cannot draw {:?} frames",
                            spec.screen_pixel_format
                        ))
                    })?;
                (Media::Pattern(p), d.frame_rate, 0)
            }
            (
                kind @ (FakeDeviceKind::AudioInput | FakeDeviceKind::SystemAudio),
                NativeConfig::Audio(a),
            ) => {
                let media = match &spec.file {
                    Some(path) => {
                        Media::Wav(audio::WavLoop::open(path, a.sample_rate, a.channel_count)?)
                    }
                    None if kind == FakeDeviceKind::SystemAudio => {
                        Media::Tone(audio::Tone::system_audio(a.sample_rate, a.channel_count))
                    }
                    None => Media::Tone(audio::Tone::new(a.sample_rate, a.channel_count)),
                };
                (media, f64::from(a.sample_rate), a.channel_count)
            }
            _ => return Err(wrong()),
        };
        let plan = Plan {
            media,
            rate,
            channels,
            faults: source::Faults {
                script: spec.faults,
                muted,
            },
        };
        let (source, ctl) =
            source::start(raw_id, config.clone(), plan, self.inner.clock.clone(), sink)?;
        let mut st = self.inner.lock();
        if !st.devices.iter().any(|e| e.raw_id == raw_id) {
            // Unplugged while we were opening it.
            drop(st);
            return Err(Error::not_found(format!("fake device {raw_id:?} is gone")));
        }
        st.sources.retain(|(_, c)| c.strong_count() > 0);
        st.sources.push((raw_id.to_owned(), Arc::downgrade(&ctl)));
        Ok(Box::new(source))
    }

    fn watch_devices(&self, callback: DeviceChangeCallback) {
        self.inner.lock().watchers.push(callback);
    }

    /// Plays to a fake speaker: see [`FakeBackend::played`].
    fn open_output(
        &self,
        raw_id: &str,
        config: &crate::output::OutputConfig,
        feed: Arc<dyn crate::output::OutputFeed>,
    ) -> Result<Box<dyn crate::output::AudioOutput>> {
        self.speaker(raw_id)?;
        self.inner.outputs.open(raw_id, config, feed)
    }
}

impl FakeBackend {
    /// What the speaker `raw_id` played, for tests to read: every output opened on it
    /// ([`Backend::open_output`]) pulls 10 ms blocks at the pace of the backend's clock
    /// (the system clock, or [`FakeBackend::with_clock`]'s) and appends them there.
    /// `None` when no speaker has this raw id.
    pub fn played(&self, raw_id: &str) -> Option<PlayedAudio> {
        self.speaker(raw_id).ok()?;
        Some(PlayedAudio {
            recording: self.inner.outputs.recording(raw_id),
        })
    }

    /// The speaker `raw_id`, or the error `open_output` gives for it.
    fn speaker(&self, raw_id: &str) -> Result<()> {
        let st = self.inner.lock();
        let e = st
            .devices
            .iter()
            .find(|e| e.raw_id == raw_id)
            .ok_or_else(|| Error::not_found(format!("no fake device {raw_id:?}")))?;
        if e.spec.kind != FakeDeviceKind::AudioOutput {
            return Err(Error::not_found(format!(
                "{raw_id:?} is not an audio output device"
            )));
        }
        if e.spec.busy {
            return Err(Error::not_readable(format!(
                "{:?} is in use by another application",
                e.spec.label
            )));
        }
        Ok(())
    }

    /// `true` when a device with this raw id is plugged in.
    pub fn has_device(&self, raw_id: &str) -> bool {
        self.inner.lock().devices.iter().any(|e| e.raw_id == raw_id)
    }
}
