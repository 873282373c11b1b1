//! The per-process far-end reference: what this process plays, for echo cancellation.

use super::{EchoReference, FRAME, PROCESSING_RATE};
use mediacapture_frame::{AudioAdapter, AudioData};
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::{Arc, OnceLock, Weak};
use webrtc_audio_processing::Processor;

/// Where played audio came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FarEndOrigin {
    /// Produced in this process (a file, a generated sound, a local stream).
    Local,
    /// Received from a peer connection: `echoCancellation: "remote-only"` cancels only this.
    PeerConnection,
}

/// The per-process far-end reference bus (see [`far_end()`]).
///
/// Push what is played, in playing order, as it is played: each block once, at the moment
/// it goes to the output (the echo canceller finds the delay between the two by itself, up
/// to a few hundred milliseconds). Each canceller then takes the far end one 10 ms frame per
/// microphone frame it processes (see `Pairing`), so a late or bursty output or microphone
/// thread does not change the delay it sees. Several streams played at once are pushed as
/// their mix ([`FarEnd::push_mix`] keeps the peer-connection part apart for
/// `"remote-only"`).
pub struct FarEnd {
    taps: Mutex<Vec<Weak<RenderTap>>>,
}

impl std::fmt::Debug for FarEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FarEnd")
            .field("listeners", &self.listeners())
            .finish()
    }
}

/// The process's far-end reference bus: push here what the process plays.
pub fn far_end() -> &'static FarEnd {
    static BUS: OnceLock<FarEnd> = OnceLock::new();
    BUS.get_or_init(|| FarEnd {
        taps: Mutex::new(Vec::new()),
    })
}

impl FarEnd {
    /// Pushes one block of what is played now, all of one origin.
    pub fn push(&self, played: &AudioData, origin: FarEndOrigin) {
        let from_peers = (origin == FarEndOrigin::PeerConnection).then_some(played);
        self.feed(played, from_peers);
    }

    /// Pushes one block of a mix: `played` is everything played now, `from_peers` the part
    /// of it that came from peer connections (same rate, channels and length; a block that
    /// differs is taken as silence for `"remote-only"`).
    pub fn push_mix(&self, played: &AudioData, from_peers: &AudioData) {
        let same = from_peers.sample_rate() == played.sample_rate()
            && from_peers.channels() == played.channels()
            && from_peers.frames() == played.frames();
        self.feed(played, same.then_some(from_peers));
    }

    /// How many echo cancellers listen now.
    pub fn listeners(&self) -> usize {
        let mut taps = self.taps.lock();
        taps.retain(|t| t.strong_count() > 0);
        taps.len()
    }

    fn feed(&self, played: &AudioData, from_peers: Option<&AudioData>) {
        let taps: Vec<Arc<RenderTap>> = {
            let mut taps = self.taps.lock();
            taps.retain(|t| t.strong_count() > 0);
            taps.iter().filter_map(Weak::upgrade).collect()
        };
        for tap in taps {
            let block = match tap.mode {
                EchoReference::All => Some(played),
                EchoReference::RemoteOnly => from_peers,
            };
            tap.feed(block, played);
        }
    }

    pub(super) fn subscribe(&self, apm: Arc<Processor>, mode: EchoReference) -> Arc<RenderTap> {
        let tap = Arc::new(RenderTap::new(apm, mode));
        self.taps.lock().push(Arc::downgrade(&tap));
        tap
    }

    pub(super) fn unsubscribe(&self, tap: &Arc<RenderTap>) {
        self.taps
            .lock()
            .retain(|t| t.upgrade().is_some_and(|t| !Arc::ptr_eq(&t, tap)));
    }
}

/// One echo canceller's view of the far end: played audio as 48 kHz mono 10 ms frames,
/// handed to the canceller by [`Pairing`] on the microphone's thread.
pub(super) struct RenderTap {
    apm: Arc<Processor>,
    mode: EchoReference,
    state: Mutex<TapState>,
}

struct TapState {
    /// Played format -> 48 kHz mono, rebuilt when the played format changes.
    convert: Option<AudioAdapter>,
    /// Converted samples waiting for a whole frame.
    pending: Vec<f32>,
    pairing: Pairing,
}

impl RenderTap {
    fn new(apm: Arc<Processor>, mode: EchoReference) -> Self {
        RenderTap {
            apm,
            mode,
            state: Mutex::new(TapState {
                convert: None,
                pending: Vec::with_capacity(FRAME * 2),
                pairing: Pairing::default(),
            }),
        }
    }

    /// Takes `block` (or, when `None`, silence as long as `played`) as played now.
    fn feed(&self, block: Option<&AudioData>, played: &AudioData) {
        let mut st = self.state.lock();
        let samples: Vec<f32> = match block {
            Some(b) => {
                let fits = st.convert.as_ref().is_some_and(|a| {
                    a.in_rate() == b.sample_rate() && a.in_channels() == b.channels()
                });
                if !fits {
                    match AudioAdapter::new(b.sample_rate(), b.channels(), PROCESSING_RATE, 1) {
                        Ok(a) => st.convert = Some(a),
                        Err(e) => {
                            tracing::warn!("far end in an unusable format: {e}");
                            return;
                        }
                    }
                }
                let Some(convert) = st.convert.as_mut() else {
                    return;
                };
                match convert.process(b) {
                    Ok(out) => out.iter().flat_map(AudioData::to_f32_interleaved).collect(),
                    Err(e) => {
                        tracing::warn!("far end conversion failed: {e}");
                        return;
                    }
                }
            }
            None => {
                let n = (played.frames() as u64 * u64::from(PROCESSING_RATE)
                    / u64::from(played.sample_rate().max(1))) as usize;
                vec![0.0; n]
            }
        };
        st.pending.extend_from_slice(&samples);
        while st.pending.len() >= FRAME {
            let frame: Vec<f32> = st.pending.drain(..FRAME).collect();
            st.pairing.push(frame);
        }
    }

    /// Gives the canceller the far-end frame that goes with the microphone frame about to
    /// be processed, if any; called on the microphone's thread.
    pub(super) fn before_capture_frame(&self) {
        let Some(frame) = self.state.lock().pairing.next() else {
            return;
        };
        let frame = frame.unwrap_or_else(|| vec![0.0; FRAME]);
        if let Err(e) = self.apm.analyze_render_frame([frame.as_slice()]) {
            tracing::warn!("echo canceller refused a far-end frame: {e}");
        }
    }
}

/// The most far-end frames kept waiting (500 ms, about the longest echo delay AEC3 finds).
const MAX_WAITING: usize = 50;
/// The most microphone frames in a row that take silence for far-end frames not come yet
/// (250 ms); after that the far end counts as stopped.
const MAX_OWED: usize = 25;
/// Microphone frames over which the fewest far-end frames left waiting is watched: when
/// that never fell below 2, all but one of those frames were surplus all through the window
/// (the output runs ahead of the microphone on its own clock, or the microphone lost audio
/// while the far end played) and are dropped, so the delay does not grow or stay long.
const TRIM_WINDOW: usize = 200;

/// Pairs far-end frames with microphone frames: one for one, in order.
///
/// AEC3 pairs far-end and microphone audio by when they reach it: it expects about one
/// far-end frame between two microphone frames. When a thread stalled (a loaded machine, or
/// a VM paused by its host), the output thread then wrote a burst of frames and the
/// microphone thread read a burst, and echo came through for about 3 s: as we read AEC3's
/// buffering, the bursts overrun or underrun its render buffer and it resets its delay
/// estimate (its own log was not seen).
///
/// Here every microphone frame takes the oldest waiting far-end frame, so a burst on either
/// side waits for the other and the canceller sees the delay it saw before. A microphone
/// frame that finds none takes silence: the output has run dry and played silence (or is
/// about to, its thread being late). As many far-end frames are dropped when they come, late,
/// as the output drops them (PulseAudio playback keeps time through an underrun). The
/// pairing by count rests on both running at the same rate; for two devices with their own
/// clocks, [`TRIM_WINDOW`] keeps the far end from getting ever further ahead.
///
/// Measured with `scripts/echo-stall.sh` (the `pulse_echo` test with the test process, the
/// PulseAudio server or both stopped for 150 ms; BENCHMARKS.md, "Audio processing"): the
/// 100 active frames of far end after the stall, 4-13 dB of ERLE before (and as little for
/// the next 200), are 57-59 dB after in 6 of 9 runs; the server stops that still lose the
/// echo (8-16 dB) cancel 31-57 dB over the next 100 frames.
#[derive(Debug)]
pub(super) struct Pairing {
    /// Far-end frames waiting, oldest first.
    waiting: VecDeque<Vec<f32>>,
    /// Far-end frames to drop when they come: microphone frames took silence for them.
    owed: usize,
    /// Microphone frames in a row that found no far-end frame.
    starved: usize,
    /// The fewest far-end frames left waiting after a microphone frame, in this window.
    low: usize,
    /// Microphone frames in this window.
    window: usize,
}

impl Default for Pairing {
    fn default() -> Self {
        Pairing {
            waiting: VecDeque::with_capacity(MAX_WAITING),
            owed: 0,
            starved: 0,
            low: usize::MAX,
            window: 0,
        }
    }
}

impl Pairing {
    /// A far-end frame, played now.
    pub(super) fn push(&mut self, frame: Vec<f32>) {
        if self.owed > 0 {
            // A microphone frame took silence for this one.
            self.owed -= 1;
            return;
        }
        if self.waiting.len() >= MAX_WAITING {
            self.waiting.pop_front();
        }
        self.waiting.push_back(frame);
    }

    /// What to give the canceller before the next microphone frame: `None` nothing,
    /// `Some(None)` a frame of silence, `Some(Some(frame))` that far-end frame.
    pub(super) fn next(&mut self) -> Option<Option<Vec<f32>>> {
        let taken = self.waiting.pop_front();
        self.window += 1;
        self.low = self.low.min(self.waiting.len());
        if self.window >= TRIM_WINDOW {
            if self.low >= 2 {
                self.waiting.drain(..self.low - 1);
            }
            self.window = 0;
            self.low = usize::MAX;
        }
        if let Some(frame) = taken {
            self.starved = 0;
            return Some(Some(frame));
        }
        self.starved += 1;
        if self.starved <= MAX_OWED {
            self.owed += 1;
            Some(None)
        } else {
            // Nothing played for a while: the far end has stopped, and what it plays when
            // it starts again starts a new pairing.
            self.owed = 0;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: usize) -> Vec<f32> {
        vec![n as f32; FRAME]
    }

    /// What `next` gave, as the frame's number (`-1` for silence, `None` for nothing).
    fn take(p: &mut Pairing) -> Option<i64> {
        p.next().map(|f| f.map_or(-1, |f| f[0] as i64))
    }

    /// A pairing that has paired one frame (number 0).
    fn started() -> Pairing {
        let mut p = Pairing::default();
        p.push(frame(0));
        assert_eq!(take(&mut p), Some(0));
        p
    }

    #[test]
    fn frames_pair_one_for_one_in_order() {
        let mut p = Pairing::default();
        for n in 0..10 {
            p.push(frame(n));
            assert_eq!(take(&mut p), Some(n as i64));
        }
    }

    #[test]
    fn a_burst_of_far_end_frames_waits_for_the_microphone() {
        // The microphone thread stalled: 15 far-end frames came first.
        let mut p = started();
        for n in 1..16 {
            p.push(frame(n));
        }
        for n in 1..16 {
            assert_eq!(take(&mut p), Some(n));
        }
    }

    #[test]
    fn far_end_frames_that_come_late_are_dropped_for_the_silence_given_in_their_place() {
        let mut p = started();
        // The output thread stalled: 12 microphone frames found nothing and took silence.
        for _ in 0..12 {
            assert_eq!(take(&mut p), Some(-1));
        }
        // The 12 frames come late (the output drops them too); the 13th pairs with the
        // next microphone frame, so the delay is what it was.
        for n in 1..=13 {
            p.push(frame(n));
        }
        assert_eq!(take(&mut p), Some(13));
        assert_eq!(take(&mut p), Some(-1));
    }

    #[test]
    fn a_far_end_that_stopped_starts_a_new_pairing() {
        let mut p = started();
        for _ in 0..MAX_OWED {
            assert_eq!(take(&mut p), Some(-1));
        }
        // Nothing played for longer than a stall: nothing is given, and nothing is owed.
        for _ in 0..100 {
            assert_eq!(take(&mut p), None);
        }
        p.push(frame(1));
        assert_eq!(take(&mut p), Some(1));
    }

    #[test]
    fn a_far_end_on_a_faster_clock_does_not_get_ever_further_ahead() {
        // One far-end frame more than the microphone takes every 300 frames (3,300 ppm,
        // far more than two real devices drift apart): untrimmed, 13 more would wait after
        // 4,000 microphone frames. Once two or more stay waiting through a whole window,
        // all but one of them are dropped, so no more than 3 ever wait.
        let mut p = Pairing::default();
        let mut pushed = 0;
        let mut most = 0;
        for k in 0..20 * TRIM_WINDOW {
            p.push(frame(pushed));
            pushed += 1;
            if k % 300 == 299 {
                p.push(frame(pushed));
                pushed += 1;
            }
            assert!(matches!(p.next(), Some(Some(_))));
            most = most.max(p.waiting.len());
        }
        assert!(most <= 3, "{most} frames waited");
    }

    #[test]
    fn far_end_frames_left_over_when_the_microphone_lost_audio_go_within_a_window() {
        // The microphone delivered nothing for a while (its audio lost, not late) as the
        // far end played on: MAX_WAITING frames wait, and would keep a 500 ms delay.
        let mut p = started();
        for n in 1..=2 * MAX_WAITING {
            p.push(frame(n));
        }
        assert_eq!(p.waiting.len(), MAX_WAITING);
        // Both run again, one for one: by the end of the next whole window at most the
        // one frame of slack is left over.
        for n in 0..2 * TRIM_WINDOW {
            p.push(frame(1_000 + n));
            assert!(matches!(p.next(), Some(Some(_))));
        }
        assert!(p.waiting.len() <= 1, "{} frames wait", p.waiting.len());
    }
}
