//! Playing audio to speakers: what a media element (and a Web Audio destination) does with
//! its audio.
//!
//! An [`AudioPlayer`] plays any number of inputs — audio tracks, or blocks pushed by a
//! program ([`AudioPlayer::push_input`]) — to one `audiooutput` device
//! ([`AudioOutputDevice`], found by [`MediaDevices::audio_output`](crate::MediaDevices::audio_output)).
//! Each input has its own [`JitterBuffer`]: audio arrives on its producer's clock and is
//! converted to the speaker's format; the speaker takes it on its own clock, the buffer
//! follows the drift between the two and bounds the delay. All players of one speaker in the
//! process share one backend output that plays their mix (browsers mix their media elements
//! into one stream per device the same way).
//!
//! When a speaker goes away, its players are told ([`AudioPlayer::on_device_lost`]); the
//! media element then falls back to the default output, as browsers do.
//!
//! Everything the process plays is reported, block by block as it goes to the speaker, to
//! the listeners of [`on_played`], and pushed to the echo cancellers' far-end reference
//! ([`audio_processing::far_end`](crate::audio_processing::far_end)) as local audio, so a
//! processed microphone track cancels what the process plays.
//!
//! ```
//! use mediacapture::playout::{AudioPlayer, PlayerOptions};
//! use mediacapture::{AudioData, MediaDevices};
//! use mediacapture_hal::fake::FakeBackend;
//! use std::sync::Arc;
//!
//! let backend = Arc::new(FakeBackend::default());
//! let devices = MediaDevices::builder().backend_arc(backend.clone()).build();
//! // "" is the default output, as for setSinkId("").
//! let speaker = devices.audio_output("")?.expect("the fake profile has a speaker");
//! let played = backend.played(speaker.raw_id()).expect("a fake speaker");
//!
//! let player = AudioPlayer::new(PlayerOptions::default());
//! player.set_device(Some(speaker))?;
//! let input = player.push_input();
//! player.set_playing(true);
//! for k in 0..20 {
//!     input.push(&AudioData::from_f32(48_000, 2, &[0.25; 960], k * 10_000).unwrap());
//! }
//! // The fake speaker pulls in real time: wait for what was pushed to come out.
//! assert!(played.wait_frames(4_800, std::time::Duration::from_secs(10)));
//! # Ok::<(), mediacapture::Error>(())
//! ```

mod jitter;
mod mixer;

pub use jitter::{JitterBuffer, JitterStats};
pub use mediacapture_hal::output::OutputConfig;

use crate::track::MediaStreamTrack;
use crate::{AudioData, Error, Result, SinkId, TrackKind};
use mediacapture_hal::Backend;
use mediacapture_types::native::DeviceDescriptor;
use mixer::{Input, LostListener, Mixer};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};

/// An `audiooutput` device and the backend that plays to it.
#[derive(Clone)]
pub struct AudioOutputDevice {
    backend: Arc<dyn Backend>,
    descriptor: DeviceDescriptor,
}

impl std::fmt::Debug for AudioOutputDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioOutputDevice")
            .field("backend", &self.backend.name())
            .field("raw_id", &self.descriptor.raw_id)
            .field("label", &self.descriptor.label)
            .finish()
    }
}

impl PartialEq for AudioOutputDevice {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.backend, &other.backend)
            && self.descriptor.raw_id == other.descriptor.raw_id
    }
}

impl AudioOutputDevice {
    /// The output `descriptor` of `backend` (`TypeError` if it is not an `audiooutput`).
    pub fn new(backend: Arc<dyn Backend>, descriptor: DeviceDescriptor) -> Result<Self> {
        if descriptor.kind != crate::MediaDeviceKind::AudioOutput {
            return Err(Error::type_error(format!(
                "{:?} is not an audio output device",
                descriptor.label
            )));
        }
        Ok(AudioOutputDevice {
            backend,
            descriptor,
        })
    }

    /// The backend's raw id of the device (never shown to an application as is).
    pub fn raw_id(&self) -> &str {
        &self.descriptor.raw_id
    }

    /// The device's label.
    pub fn label(&self) -> &str {
        &self.descriptor.label
    }

    /// The device as its backend describes it.
    pub fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    /// The backend that plays to it.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }
}

// ---------------------------------------------------------------------------------------
// What the process plays.

/// One block as it goes to a speaker.
#[derive(Debug)]
pub struct PlayedBlock<'a> {
    /// The mix played (f32 interleaved, the speaker's format), stamped `at_us`.
    pub audio: Option<AudioData>,
    /// When the block's first frame is heard (µs on the process clock).
    pub at_us: i64,
    /// The raw id of the speaker.
    pub raw_id: &'a str,
}

type PlayedFn = dyn Fn(&PlayedBlock<'_>) + Send + Sync;
type PlayedListeners = Mutex<Vec<(u64, Arc<PlayedFn>)>>;

fn played_listeners() -> &'static PlayedListeners {
    static L: OnceLock<PlayedListeners> = OnceLock::new();
    L.get_or_init(|| Mutex::new(Vec::new()))
}

/// Keeps a listener of [`on_played`] registered; dropping it unregisters.
#[must_use = "the listener is removed when this is dropped"]
#[derive(Debug)]
pub struct PlayedListener(u64);

impl Drop for PlayedListener {
    fn drop(&mut self) {
        played_listeners().lock().retain(|(id, _)| *id != self.0);
    }
}

/// Calls `listener` with every block this process plays to any speaker, on the speaker's
/// playback thread, when it goes to the device (keep it quick). This is the far end for
/// echo cancellation: what the microphone may hear back.
pub fn on_played(listener: impl Fn(&PlayedBlock<'_>) + Send + Sync + 'static) -> PlayedListener {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    played_listeners().lock().push((id, Arc::new(listener)));
    PlayedListener(id)
}

/// Reports a played block (built only when someone listens).
fn report_played<'a>(make: impl FnOnce() -> PlayedBlock<'a>) {
    let listeners: Vec<Arc<PlayedFn>> = {
        let l = played_listeners().lock();
        if l.is_empty() {
            return;
        }
        l.iter().map(|(_, f)| f.clone()).collect()
    };
    let block = make();
    for l in listeners {
        l(&block);
    }
}

// ---------------------------------------------------------------------------------------
// The player.

/// How an [`AudioPlayer`] plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayerOptions {
    /// The format the speaker is opened in (48 kHz stereo, 30 ms by default).
    pub output: OutputConfig,
    /// The delay each input's jitter buffer aims at (µs, 30 ms by default).
    pub target_delay_us: i64,
    /// The most each input's jitter buffer holds before dropping (µs, 150 ms by default).
    pub max_delay_us: i64,
}

impl Default for PlayerOptions {
    fn default() -> Self {
        PlayerOptions {
            output: OutputConfig {
                sample_rate: 48_000,
                channels: 2,
                latency: 0.03,
            },
            target_delay_us: 30_000,
            max_delay_us: 150_000,
        }
    }
}

/// What a player went through: its inputs' buffers summed, and its speaker's latency.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlayoutStats {
    /// The inputs' buffers, summed (speed and level: of the first input).
    pub jitter: JitterStats,
    /// The speaker's latency now (µs).
    pub output_latency_us: i64,
}

enum Feeding {
    Track(MediaStreamTrack, SinkId),
    Pushed,
}

struct PlayerInput {
    input: Arc<Input>,
    feeding: Feeding,
}

struct PlayerState {
    device: Option<AudioOutputDevice>,
    mixer: Option<Arc<Mixer>>,
    inputs: Vec<PlayerInput>,
    gain: f32,
    playing: bool,
}

type LostFn = dyn Fn(&Error) + Send + Sync;
type OnLost = Arc<dyn Fn(Error) + Send + Sync>;

struct PlayerInner {
    options: PlayerOptions,
    state: Mutex<PlayerState>,
    on_lost: Mutex<Option<OnLost>>,
    /// Registered (weakly) with the mixers this player uses.
    lost: Mutex<Option<Arc<LostFn>>>,
}

/// Plays audio tracks and pushed audio to one speaker. See the module docs.
///
/// `Clone` copies the handle. The player stops (its inputs leave the speaker's mix) when the
/// last handle is dropped.
#[derive(Clone)]
pub struct AudioPlayer {
    inner: Arc<PlayerInner>,
}

impl std::fmt::Debug for AudioPlayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.inner.state.lock();
        f.debug_struct("AudioPlayer")
            .field("device", &st.device)
            .field("inputs", &st.inputs.len())
            .field("playing", &st.playing)
            .finish()
    }
}

impl AudioPlayer {
    /// A player with no speaker yet ([`AudioPlayer::set_device`]), not playing.
    pub fn new(options: PlayerOptions) -> AudioPlayer {
        let inner = Arc::new(PlayerInner {
            options,
            state: Mutex::new(PlayerState {
                device: None,
                mixer: None,
                inputs: Vec::new(),
                gain: 1.0,
                playing: false,
            }),
            on_lost: Mutex::new(None),
            lost: Mutex::new(None),
        });
        let weak = Arc::downgrade(&inner);
        let lost: Arc<LostFn> = Arc::new(move |e: &Error| {
            if let Some(inner) = weak.upgrade() {
                inner.device_lost(e);
            }
        });
        *inner.lost.lock() = Some(lost);
        AudioPlayer { inner }
    }

    /// The options the player was made with.
    pub fn options(&self) -> PlayerOptions {
        self.inner.options
    }

    /// Plays to `device` from now on (`None`: to no speaker; the inputs are still taken and
    /// dropped). On failure (the device cannot be opened: `NotFoundError`,
    /// `NotReadableError`) the player keeps its current speaker.
    pub fn set_device(&self, device: Option<AudioOutputDevice>) -> Result<()> {
        let mixer = match &device {
            Some(d) => Some(Mixer::get(
                d.backend(),
                d.raw_id(),
                &self.inner.options.output,
            )?),
            None => None,
        };
        if let (Some(m), Some(l)) = (&mixer, self.inner.lost.lock().as_ref()) {
            m.on_lost(Arc::downgrade(l) as LostListener);
        }
        let mut st = self.inner.state.lock();
        if let Some(old) = st.mixer.take() {
            for i in &st.inputs {
                old.remove_input(&i.input);
            }
        }
        if let Some(m) = &mixer {
            for i in &st.inputs {
                m.add_input(&i.input);
            }
        }
        st.mixer = mixer;
        st.device = device;
        Ok(())
    }

    /// The speaker played to.
    pub fn device(&self) -> Option<AudioOutputDevice> {
        self.inner.state.lock().device.clone()
    }

    /// `callback` is called (on a backend thread: queue work, do not block) when the speaker
    /// goes away; the player then plays to no speaker until given another.
    pub fn on_device_lost(&self, callback: impl Fn(Error) + Send + Sync + 'static) {
        *self.inner.on_lost.lock() = Some(Arc::new(callback));
    }

    /// Plays `track` (an audio track; `false` and nothing done for a video track or one
    /// already played). Its audio goes through a jitter buffer of its own.
    pub fn add_track(&self, track: &MediaStreamTrack) -> bool {
        if track.kind() != TrackKind::Audio {
            return false;
        }
        let mut st = self.inner.state.lock();
        if st
            .inputs
            .iter()
            .any(|i| matches!(&i.feeding, Feeding::Track(t, _) if t == track))
        {
            return false;
        }
        let input = self.inner.new_input(&st, true);
        let feed = input.clone();
        let sink = track.on_audio_data(move |a| feed.push(a));
        if let Some(m) = &st.mixer {
            m.add_input(&input);
        }
        st.inputs.push(PlayerInput {
            input,
            feeding: Feeding::Track(track.clone(), sink),
        });
        true
    }

    /// Stops playing `track`.
    pub fn remove_track(&self, track: &MediaStreamTrack) {
        let mut st = self.inner.state.lock();
        let (gone, keep): (Vec<_>, Vec<_>) = st
            .inputs
            .drain(..)
            .partition(|i| matches!(&i.feeding, Feeding::Track(t, _) if t == track));
        st.inputs = keep;
        let mixer = st.mixer.clone();
        drop(st);
        for g in gone {
            release(g, mixer.as_deref());
        }
    }

    /// The tracks played.
    pub fn tracks(&self) -> Vec<MediaStreamTrack> {
        self.inner
            .state
            .lock()
            .inputs
            .iter()
            .filter_map(|i| match &i.feeding {
                Feeding::Track(t, _) => Some(t.clone()),
                Feeding::Pushed => None,
            })
            .collect()
    }

    /// A new input that the program pushes audio into (any rate and channel count), mixed
    /// with the others. It leaves the mix when dropped.
    pub fn push_input(&self) -> PlayoutInput {
        let mut st = self.inner.state.lock();
        let input = self.inner.new_input(&st, false);
        if let Some(m) = &st.mixer {
            m.add_input(&input);
        }
        st.inputs.push(PlayerInput {
            input: input.clone(),
            feeding: Feeding::Pushed,
        });
        PlayoutInput {
            input,
            player: Arc::downgrade(&self.inner),
        }
    }

    /// The gain applied to every input (a media element's `volume`, 0 when `muted`).
    pub fn set_gain(&self, gain: f32) {
        let mut st = self.inner.state.lock();
        st.gain = gain;
        for i in &st.inputs {
            i.input.set_gain(gain);
        }
    }

    /// Starts or stops playing. A player that does not play holds no audio: when it plays
    /// again, it plays what arrives from then on.
    pub fn set_playing(&self, playing: bool) {
        let mut st = self.inner.state.lock();
        st.playing = playing;
        for i in &st.inputs {
            i.input.set_playing(playing);
        }
    }

    /// Whether the player plays.
    pub fn is_playing(&self) -> bool {
        self.inner.state.lock().playing
    }

    /// The statistics of the inputs and the speaker.
    pub fn stats(&self) -> PlayoutStats {
        let st = self.inner.state.lock();
        let mut out = PlayoutStats {
            output_latency_us: st.mixer.as_ref().map_or(0, |m| m.latency_us()),
            ..PlayoutStats::default()
        };
        for (n, i) in st.inputs.iter().enumerate() {
            let s = i.input.jitter.lock().stats();
            if n == 0 {
                out.jitter = s;
            } else {
                out.jitter.underruns += s.underruns;
                out.jitter.dropped_frames += s.dropped_frames;
                out.jitter.pushed_frames += s.pushed_frames;
                out.jitter.played_frames += s.played_frames;
            }
        }
        out
    }
}

impl PlayerInner {
    fn new_input(&self, st: &PlayerState, live: bool) -> Arc<Input> {
        let o = &self.options;
        let input = Input::new(&o.output, o.target_delay_us, o.max_delay_us, live);
        input.set_gain(st.gain);
        input.set_playing(st.playing);
        input
    }

    fn device_lost(&self, e: &Error) {
        {
            let mut st = self.state.lock();
            if !st.mixer.as_ref().is_some_and(|m| m.is_ended()) {
                return;
            }
            st.mixer = None;
        }
        let cb = self.on_lost.lock().clone();
        if let Some(cb) = cb {
            cb(e.clone());
        }
    }
}

impl Drop for PlayerInner {
    fn drop(&mut self) {
        let st = self.state.get_mut();
        let mixer = st.mixer.take();
        for i in st.inputs.drain(..) {
            release(i, mixer.as_deref());
        }
    }
}

fn release(i: PlayerInput, mixer: Option<&Mixer>) {
    if let Some(m) = mixer {
        m.remove_input(&i.input);
    }
    if let Feeding::Track(t, sink) = i.feeding {
        t.remove_sink(sink);
    }
}

/// An input of an [`AudioPlayer`] that the program pushes audio into.
pub struct PlayoutInput {
    input: Arc<Input>,
    player: Weak<PlayerInner>,
}

impl std::fmt::Debug for PlayoutInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlayoutInput").finish_non_exhaustive()
    }
}

impl PlayoutInput {
    /// Adds a block to play (dropped while the player does not play).
    pub fn push(&self, data: &AudioData) {
        self.input.push(data);
    }

    /// This input's buffer statistics.
    pub fn stats(&self) -> JitterStats {
        self.input.jitter.lock().stats()
    }
}

impl Drop for PlayoutInput {
    fn drop(&mut self) {
        if let Some(p) = self.player.upgrade() {
            let mut st = p.state.lock();
            let (gone, keep): (Vec<_>, Vec<_>) = st
                .inputs
                .drain(..)
                .partition(|i| Arc::ptr_eq(&i.input, &self.input));
            st.inputs = keep;
            let mixer = st.mixer.clone();
            drop(st);
            for g in gone {
                release(g, mixer.as_deref());
            }
        }
    }
}
