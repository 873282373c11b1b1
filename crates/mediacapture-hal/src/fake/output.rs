//! Fake speakers: an output thread paced by a [`Clock`] that pulls 10 ms blocks from its
//! feed and keeps what it "played" in a recording tests can read ([`PlayedAudio`]).
//!
//! A fake speaker has no latency of its own: a block pulled at time `t` is heard at `t`
//! (`at_us` = `t`), so what a test measures on it is the player's latency alone. With a
//! manual clock the speaker pulls exactly the blocks that are due at the clock's time.

use crate::clock::{self, Clock, Wake};
use crate::output::{AudioOutput, OutputConfig, OutputEvent, OutputFeed};
use mediacapture_types::{Error, Result};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How much of what a fake speaker played is kept (older audio is forgotten).
pub const PLAYED_HISTORY_SECONDS: u32 = 30;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The fake backend's outputs: the clock they are paced by, their recordings and the open
/// ones (to end them when their device is unplugged).
pub(crate) struct Outputs {
    clock: Arc<dyn Clock>,
    recordings: Mutex<HashMap<String, Arc<Recording>>>,
    open: Mutex<Vec<(String, Weak<Control>)>>,
}

impl Outputs {
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        Outputs {
            clock,
            recordings: Mutex::new(HashMap::new()),
            open: Mutex::new(Vec::new()),
        }
    }

    /// The recording of `raw_id` (created on first use).
    pub(crate) fn recording(&self, raw_id: &str) -> Arc<Recording> {
        lock(&self.recordings)
            .entry(raw_id.to_owned())
            .or_insert_with(|| Arc::new(Recording::default()))
            .clone()
    }

    /// Starts playing `raw_id` (the caller checked that it is a speaker).
    pub(crate) fn open(
        &self,
        raw_id: &str,
        config: &OutputConfig,
        feed: Arc<dyn OutputFeed>,
    ) -> Result<Box<dyn AudioOutput>> {
        config.check()?;
        let clock = self.clock.clone();
        let ctl = Arc::new(Control::default());
        clock.register(Arc::downgrade(&ctl) as Weak<dyn Wake>);
        let recording = self.recording(raw_id);
        let job = Job {
            ctl: ctl.clone(),
            clock,
            config: *config,
            feed,
            recording,
        };
        let thread = std::thread::Builder::new()
            .name(format!("fake-out-{raw_id}"))
            .spawn(move || job.run())
            .map_err(|e| Error::not_readable(format!("cannot start playback thread: {e}")))?;
        let mut open = lock(&self.open);
        open.retain(|(_, c)| c.strong_count() > 0);
        open.push((raw_id.to_owned(), Arc::downgrade(&ctl)));
        Ok(Box::new(FakeOutput {
            config: *config,
            ctl,
            thread: Some(thread),
        }))
    }

    /// The device was unplugged: its open outputs end with `NotFoundError`.
    pub(crate) fn device_removed(&self, raw_id: &str, label: &str) {
        let ended: Vec<Arc<Control>> = {
            let mut open = lock(&self.open);
            let mut ended = Vec::new();
            open.retain(|(id, c)| match c.upgrade() {
                Some(c) if id == raw_id => {
                    ended.push(c);
                    false
                }
                Some(_) => true,
                None => false,
            });
            ended
        };
        for c in ended {
            c.end(Error::not_found(format!(
                "audio output {label:?} was disconnected"
            )));
        }
    }
}

/// One contiguous stretch of playback: from one open of the device to its stop.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayedSegment {
    /// When the segment's first frame was heard (µs on the output's clock).
    pub start_us: i64,
    /// The sample rate it was played at.
    pub sample_rate: u32,
    /// The channel count it was played with.
    pub channels: u32,
    /// Frames of the segment forgotten before `samples` (older than the history kept).
    pub skipped_frames: u64,
    /// The samples, interleaved.
    pub samples: Vec<f32>,
}

impl PlayedSegment {
    /// Frames held in `samples`.
    pub fn frames(&self) -> usize {
        self.samples.len() / self.channels.max(1) as usize
    }

    /// When frame `i` of `samples` was heard (µs on the output's clock).
    pub fn time_of(&self, i: usize) -> i64 {
        let n = self.skipped_frames + i as u64;
        self.start_us + (n as f64 * 1e6 / f64::from(self.sample_rate.max(1))) as i64
    }

    /// Channel `c` of `samples`.
    pub fn channel(&self, c: usize) -> Vec<f32> {
        let ch = self.channels.max(1) as usize;
        self.samples.iter().skip(c).step_by(ch).copied().collect()
    }
}

#[derive(Default)]
pub(crate) struct Recording {
    state: Mutex<RecState>,
    cv: Condvar,
}

#[derive(Default)]
struct RecState {
    segments: VecDeque<PlayedSegment>,
    /// Frames played since creation or the last clear (forgotten ones included).
    total_frames: u64,
    /// Frames held in `segments`.
    held_frames: u64,
}

impl Recording {
    fn begin(&self, start_us: i64, config: &OutputConfig) {
        lock(&self.state).segments.push_back(PlayedSegment {
            start_us,
            sample_rate: config.sample_rate,
            channels: config.channels,
            skipped_frames: 0,
            samples: Vec::new(),
        });
    }

    fn append(&self, block: &[f32], channels: u32) {
        let frames = (block.len() / channels.max(1) as usize) as u64;
        let mut st = lock(&self.state);
        let Some(seg) = st.segments.back_mut() else {
            return;
        };
        seg.samples.extend_from_slice(block);
        let limit = u64::from(PLAYED_HISTORY_SECONDS) * u64::from(seg.sample_rate);
        st.total_frames += frames;
        st.held_frames += frames;
        // Forget the oldest audio beyond the history kept.
        while st.held_frames > limit {
            let excess = st.held_frames - limit;
            let single = st.segments.len() == 1;
            let Some(first) = st.segments.front_mut() else {
                break;
            };
            let have = first.frames() as u64;
            if have <= excess && !single {
                st.held_frames -= have;
                st.segments.pop_front();
            } else {
                let n = excess.min(have);
                let ch = first.channels.max(1) as usize;
                first.samples.drain(..n as usize * ch);
                first.skipped_frames += n;
                st.held_frames -= n;
                if n == 0 {
                    break;
                }
            }
        }
        drop(st);
        self.cv.notify_all();
    }
}

/// What a fake speaker played: [`FakeBackend::played`](super::FakeBackend::played).
#[derive(Clone)]
pub struct PlayedAudio {
    pub(crate) recording: Arc<Recording>,
}

impl std::fmt::Debug for PlayedAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlayedAudio")
            .field("frames_played", &self.frames_played())
            .finish()
    }
}

impl PlayedAudio {
    /// Frames played since the speaker was created or [`PlayedAudio::clear`]ed.
    pub fn frames_played(&self) -> u64 {
        lock(&self.recording.state).total_frames
    }

    /// Waits (up to `timeout`, a safety bound) until at least `frames` frames were played
    /// since creation or the last clear. `false` on timeout.
    pub fn wait_frames(&self, frames: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut st = lock(&self.recording.state);
        while st.total_frames < frames {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            st = match self.recording.cv.wait_timeout(st, deadline - now) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        true
    }

    /// The segments played (at most [`PLAYED_HISTORY_SECONDS`] of audio), oldest first.
    pub fn segments(&self) -> Vec<PlayedSegment> {
        lock(&self.recording.state)
            .segments
            .iter()
            .cloned()
            .collect()
    }

    /// The last segment (the current one while the speaker plays).
    pub fn last_segment(&self) -> Option<PlayedSegment> {
        lock(&self.recording.state).segments.back().cloned()
    }

    /// Forgets everything played so far; an open output goes on in a new segment.
    pub fn clear(&self) {
        let mut st = lock(&self.recording.state);
        let next = st.segments.back().map(|s| {
            let mut n = s.clone();
            n.start_us = s.time_of(s.frames());
            n.skipped_frames = 0;
            n.samples.clear();
            n
        });
        st.segments.clear();
        st.segments.extend(next);
        st.total_frames = 0;
        st.held_frames = 0;
    }
}

#[derive(Default)]
struct Control {
    state: Mutex<CtlState>,
    cv: Condvar,
}

#[derive(Default)]
struct CtlState {
    stop: bool,
    ended: Option<Error>,
}

impl Wake for Control {
    fn wake(&self) {
        let _g = lock(&self.state);
        self.cv.notify_all();
    }
}

impl Control {
    fn stop(&self) {
        lock(&self.state).stop = true;
        self.cv.notify_all();
    }

    fn end(&self, error: Error) {
        let mut st = lock(&self.state);
        if !st.stop && st.ended.is_none() {
            st.ended = Some(error);
        }
        drop(st);
        self.cv.notify_all();
    }
}

struct FakeOutput {
    config: OutputConfig,
    ctl: Arc<Control>,
    thread: Option<JoinHandle<()>>,
}

impl AudioOutput for FakeOutput {
    fn config(&self) -> &OutputConfig {
        &self.config
    }

    fn latency_us(&self) -> i64 {
        0
    }

    fn stop(&mut self) {
        self.ctl.stop();
        if let Some(t) = self.thread.take() {
            // Stopped from a feed call on the playback thread itself: the flag ends it.
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

impl Drop for FakeOutput {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Job {
    ctl: Arc<Control>,
    clock: Arc<dyn Clock>,
    config: OutputConfig,
    feed: Arc<dyn OutputFeed>,
    recording: Arc<Recording>,
}

impl Job {
    /// Start of block `k` in µs after the start: 10 ms blocks on exact frame boundaries.
    fn offset(&self, k: u64) -> i64 {
        let rate = u64::from(self.config.sample_rate);
        let first = k * rate / 100;
        (first as f64 * 1e6 / rate as f64) as i64
    }

    fn frames_of(&self, k: u64) -> usize {
        let rate = u64::from(self.config.sample_rate);
        ((k + 1) * rate / 100 - k * rate / 100) as usize
    }

    fn run(self) {
        crate::realtime::promote_audio_thread();
        let mut start = self.clock.now_us();
        self.recording.begin(start, &self.config);
        let ch = self.config.channels as usize;
        let mut buf: Vec<f32> = Vec::with_capacity(self.frames_of(0) * ch + ch);
        let mut k: u64 = 0;
        loop {
            let due = start + self.offset(k);
            let guard = lock(&self.ctl.state);
            let (mut st, reached) =
                clock::wait_until(&*self.clock, due, &self.ctl.cv, guard, |s| {
                    s.stop || s.ended.is_some()
                });
            if !reached {
                let ended = st.ended.take();
                st.stop = true;
                drop(st);
                if let Some(e) = ended {
                    self.feed.on_event(OutputEvent::Ended(e));
                }
                return;
            }
            drop(st);
            buf.clear();
            buf.resize(self.frames_of(k) * ch, 0.0);
            self.feed.fill(&mut buf, due);
            self.recording.append(&buf, self.config.channels);
            k += 1;
            // A device on the real clock that falls more than 200 ms behind (the machine
            // stalled) skips ahead: the lost time is a gap in the recording, as an underrun
            // is on a sound card. On a manual clock every block due is pulled.
            let now = self.clock.now_us();
            let real_time = self.clock.wait_hint(now).is_some();
            if real_time && now - (start + self.offset(k)) > 200_000 {
                start = now;
                k = 0;
                self.recording.begin(start, &self.config);
            }
        }
    }
}
