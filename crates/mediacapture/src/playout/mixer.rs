//! One mixer per speaker in the process: every player of that speaker adds its inputs, and
//! one backend output plays their mix.
//!
//! Browsers open one audio output stream per device and mix their media elements into it;
//! so does this. The mix is also what the process plays, reported to the listeners of
//! [`on_played`](super::on_played) (the echo canceller's far end).

use super::PlayedBlock;
use super::jitter::JitterBuffer;
use crate::audio_processing::{FarEndOrigin, far_end};
use crate::{Error, Result};
use mediacapture_frame::AudioData;
use mediacapture_hal::Backend;
use mediacapture_hal::output::{AudioOutput, OutputConfig, OutputEvent, OutputFeed};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, OnceLock, Weak};

/// One input of a mixer: a jitter buffer, its gain and whether it plays.
pub(crate) struct Input {
    pub(crate) jitter: Mutex<JitterBuffer>,
    gain: AtomicU32,
    playing: AtomicBool,
}

impl Input {
    /// `live`: the input is a track (see [`JitterBuffer::live`]).
    pub(crate) fn new(config: &OutputConfig, target_us: i64, max_us: i64, live: bool) -> Arc<Self> {
        Arc::new(Input {
            jitter: Mutex::new(
                JitterBuffer::new(config.sample_rate, config.channels, target_us, max_us)
                    .live(live),
            ),
            gain: AtomicU32::new(1.0f32.to_bits()),
            playing: AtomicBool::new(false),
        })
    }

    pub(crate) fn set_gain(&self, gain: f32) {
        self.gain.store(gain.to_bits(), Ordering::Relaxed);
    }

    fn gain(&self) -> f32 {
        f32::from_bits(self.gain.load(Ordering::Relaxed))
    }

    /// Starts or stops taking audio. A stopped input holds nothing (a paused media element
    /// does not buffer: it plays current data when it plays again).
    pub(crate) fn set_playing(&self, playing: bool) {
        let was = self.playing.swap(playing, Ordering::SeqCst);
        if was && !playing {
            self.jitter.lock().clear();
        }
    }

    pub(crate) fn is_playing(&self) -> bool {
        self.playing.load(Ordering::SeqCst)
    }

    /// Adds audio if the input plays; dropped otherwise.
    pub(crate) fn push(&self, data: &AudioData) {
        if !self.is_playing() {
            return;
        }
        if let Err(e) = self.jitter.lock().push(data) {
            tracing::warn!("playout: audio not played: {e}");
        }
    }
}

/// Told when a mixer's speaker is gone (called on the playback thread: must not block).
pub(crate) type LostListener = Weak<dyn Fn(&Error) + Send + Sync>;

struct Feed {
    config: OutputConfig,
    raw_id: String,
    inputs: Mutex<Vec<Weak<Input>>>,
    lost: Mutex<Vec<LostListener>>,
    ended: AtomicBool,
}

impl OutputFeed for Feed {
    fn fill(&self, out: &mut [f32], at_us: i64) {
        out.fill(0.0);
        let inputs: Vec<Arc<Input>> = {
            let mut list = self.inputs.lock();
            list.retain(|i| i.strong_count() > 0);
            list.iter().filter_map(Weak::upgrade).collect()
        };
        for input in inputs {
            if input.is_playing() {
                let gain = input.gain();
                input.jitter.lock().mix_into(out, gain);
            }
        }
        // The echo cancellers' far end: everything this process plays. Pushed as local
        // audio: a peer connection's audio reaches a speaker through this mix too, but the
        // mix does not know its inputs' origins, so `"remote-only"` does not cancel it here.
        let far = far_end();
        if far.listeners() > 0
            && let Ok(played) =
                AudioData::from_f32(self.config.sample_rate, self.config.channels, out, at_us)
        {
            far.push(&played, FarEndOrigin::Local);
        }
        super::report_played(|| PlayedBlock {
            audio: AudioData::from_f32(self.config.sample_rate, self.config.channels, out, at_us)
                .ok(),
            at_us,
            raw_id: &self.raw_id,
        });
    }

    fn on_event(&self, event: OutputEvent) {
        let OutputEvent::Ended(e) = event else {
            return;
        };
        // The registry skips an ended mixer; it is dropped with its last player.
        self.ended.store(true, Ordering::SeqCst);
        let listeners: Vec<_> = self.lost.lock().iter().filter_map(Weak::upgrade).collect();
        for l in listeners {
            l(&e);
        }
    }
}

/// A speaker's mixer. Dropped (its output stopped) when no player holds it any more.
pub(crate) struct Mixer {
    feed: Arc<Feed>,
    output: Mutex<Option<Box<dyn AudioOutput>>>,
}

impl Drop for Mixer {
    fn drop(&mut self) {
        if let Some(mut out) = self.output.lock().take() {
            out.stop();
        }
    }
}

type Registry = Mutex<Vec<((usize, String), Weak<Mixer>)>>;

fn registry() -> &'static Registry {
    static MIXERS: OnceLock<Registry> = OnceLock::new();
    MIXERS.get_or_init(|| Mutex::new(Vec::new()))
}

/// An identity for a backend object (its address).
fn backend_key(backend: &Arc<dyn Backend>) -> usize {
    Arc::as_ptr(backend) as *const () as usize
}

impl Mixer {
    /// The mixer of `raw_id` on `backend`: the running one, or a new one whose output is
    /// opened now in `config`.
    pub(crate) fn get(
        backend: &Arc<dyn Backend>,
        raw_id: &str,
        config: &OutputConfig,
    ) -> Result<Arc<Mixer>> {
        let key = (backend_key(backend), raw_id.to_owned());
        let mut reg = registry().lock();
        reg.retain(|(_, m)| m.strong_count() > 0);
        if let Some(m) = reg
            .iter()
            .filter(|(k, _)| *k == key)
            .filter_map(|(_, m)| m.upgrade())
            .find(|m| !m.feed.ended.load(Ordering::SeqCst))
        {
            return Ok(m);
        }
        let feed = Arc::new(Feed {
            config: *config,
            raw_id: raw_id.to_owned(),
            inputs: Mutex::new(Vec::new()),
            lost: Mutex::new(Vec::new()),
            ended: AtomicBool::new(false),
        });
        // Opening may take a moment (a server round trip); players of other speakers wait
        // for the registry meanwhile, which only happens when a speaker is first used.
        let output = backend.open_output(raw_id, config, feed.clone())?;
        let mixer = Arc::new(Mixer {
            feed,
            output: Mutex::new(Some(output)),
        });
        reg.push((key, Arc::downgrade(&mixer)));
        Ok(mixer)
    }

    /// `true` once the speaker is gone.
    pub(crate) fn is_ended(&self) -> bool {
        self.feed.ended.load(Ordering::SeqCst)
    }

    /// The speaker's latency now (µs).
    pub(crate) fn latency_us(&self) -> i64 {
        self.output.lock().as_ref().map_or(0, |o| o.latency_us())
    }

    pub(crate) fn add_input(&self, input: &Arc<Input>) {
        let mut list = self.feed.inputs.lock();
        list.retain(|i| i.strong_count() > 0);
        list.push(Arc::downgrade(input));
    }

    pub(crate) fn remove_input(&self, input: &Arc<Input>) {
        self.feed
            .inputs
            .lock()
            .retain(|i| i.upgrade().is_some_and(|i| !Arc::ptr_eq(&i, input)));
    }

    /// `listener` is called (on the playback thread) if the speaker goes away.
    pub(crate) fn on_lost(&self, listener: LostListener) {
        let mut l = self.feed.lost.lock();
        l.retain(|w| w.strong_count() > 0);
        l.push(listener);
    }
}

impl std::fmt::Debug for Mixer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mixer")
            .field("raw_id", &self.feed.raw_id)
            .field("config", &self.feed.config)
            .finish_non_exhaustive()
    }
}
