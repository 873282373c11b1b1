//! The buffer between a producer (a track's source, a Web Audio graph) and a speaker that
//! runs on another clock.
//!
//! Audio arrives in blocks on the producer's clock and is taken by the speaker on its own;
//! the two never agree exactly (two crystals differ by up to a few hundred ppm) and blocks
//! arrive with jitter. The buffer:
//!
//! - converts every block to the speaker's format (rate, channels) on arrival;
//! - starts playing once it holds its target delay (prebuffering), and prebuffers again
//!   after running dry (an underrun: the rest of that read is silence); for a live
//!   producer (a track) it keeps no more than the target while prebuffering once it holds
//!   it (the newest audio), so playback never starts behind;
//! - follows the producer's clock: the level, smoothed over about 200 ms, steers the read
//!   speed between 0.995 and 1.005 (linear interpolation between frames), so that the delay
//!   stays at the target without drops; inside a dead zone around the target it reads at
//!   exactly 1.0 and copies samples unchanged;
//! - bounds the latency: above its maximum it drops the oldest audio down to the target (a
//!   counted glitch), so a stalled speaker never leaves it seconds behind.
//!
//! Chromium's `AudioShifter` (used for WebRTC's remote audio) works the same way: a target
//! delay, a measured fill level, and a rate correction by resampling.

use crate::Result;
use mediacapture_frame::{AudioAdapter, AudioData};
use std::collections::VecDeque;

/// The smoothing factor of the level (per read; reads are 10 ms: about 200 ms).
const LEVEL_SMOOTHING: f64 = 0.05;
/// Relative level error inside which the buffer reads at exactly the nominal speed.
const DEAD_ZONE: f64 = 0.2;
/// Read-speed change per unit of relative level error outside the dead zone.
const GAIN: f64 = 0.02;
/// The largest read-speed correction (0.5 %, about 9 cents of pitch).
const MAX_CORRECTION: f64 = 0.005;

/// What a buffer went through, for statistics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterStats {
    /// Times the buffer ran dry while playing.
    pub underruns: u64,
    /// Frames dropped to keep the delay bounded.
    pub dropped_frames: u64,
    /// Frames pushed (after conversion to the speaker's format).
    pub pushed_frames: u64,
    /// Frames of audio (not silence) read out.
    pub played_frames: u64,
    /// The read speed of the last read (1.0 = nominal).
    pub speed: f64,
    /// Frames buffered now.
    pub level: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Prebuffering,
    Playing,
}

/// A jitter buffer in a speaker's format. See the module docs.
pub struct JitterBuffer {
    rate: u32,
    channels: u32,
    target: usize,
    max: usize,
    adapter: Option<AudioAdapter>,
    fifo: VecDeque<f32>,
    /// Capture time (µs) just after the last frame pushed.
    back_ts: f64,
    /// Fractional read position between frame 0 and frame 1 of the FIFO.
    frac: f64,
    phase: Phase,
    smoothed: f64,
    stats: JitterStats,
    /// A live producer: stale audio is dropped while prebuffering.
    live: bool,
}

impl std::fmt::Debug for JitterBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitterBuffer")
            .field("rate", &self.rate)
            .field("channels", &self.channels)
            .field("target", &self.target)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl JitterBuffer {
    /// A buffer delivering `rate` Hz x `channels`, aiming at `target_us` of delay and never
    /// holding more than `max_us` (raised to at least twice the target).
    pub fn new(rate: u32, channels: u32, target_us: i64, max_us: i64) -> Self {
        let frames = |us: i64| (us.max(0) as u64 * u64::from(rate) / 1_000_000) as usize;
        let target = frames(target_us).max(1);
        JitterBuffer {
            rate,
            channels: channels.max(1),
            target,
            max: frames(max_us).max(target * 2),
            adapter: None,
            fifo: VecDeque::new(),
            back_ts: 0.0,
            frac: 0.0,
            phase: Phase::Prebuffering,
            smoothed: 0.0,
            stats: JitterStats {
                speed: 1.0,
                ..JitterStats::default()
            },
            live: false,
        }
    }

    /// Marks the producer as live (a track: its audio is due when it arrives): while
    /// prebuffering, once the target is held, older audio is dropped as newer comes, so that
    /// playback never starts behind (a speaker that starts pulling late, a backlog delivered
    /// after the buffer ran dry). A producer that is not live (a program pushing ahead of
    /// time) keeps what it pushed, up to the maximum.
    pub fn live(mut self, live: bool) -> Self {
        self.live = live;
        self
    }

    /// The speaker's sample rate.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// The speaker's channel count.
    pub fn channels(&self) -> u32 {
        self.channels
    }

    /// Frames buffered.
    pub fn level(&self) -> usize {
        self.fifo.len() / self.channels as usize
    }

    /// The statistics so far.
    pub fn stats(&self) -> JitterStats {
        JitterStats {
            level: self.level(),
            ..self.stats
        }
    }

    /// Capture time (µs on the producer's time line) of the next frame to be read, when
    /// something is buffered.
    pub fn front_timestamp(&self) -> Option<i64> {
        let level = self.level();
        (level > 0).then(|| (self.back_ts - level as f64 * 1e6 / f64::from(self.rate)) as i64)
    }

    /// Forgets what is buffered and prebuffers again (a pause: the next audio played is
    /// current, never what was held back).
    pub fn clear(&mut self) {
        self.fifo.clear();
        self.frac = 0.0;
        self.phase = Phase::Prebuffering;
        self.smoothed = 0.0;
        if let Some(a) = self.adapter.as_mut() {
            // Start the converter over: the next block begins a new time line.
            let _ = a.flush();
        }
    }

    /// Adds a block (any rate and channel count; converted here).
    ///
    /// Errors: the block's format cannot be converted (a rate or channel count outside
    /// Chromium's limits): `NotSupportedError`, and nothing is added.
    pub fn push(&mut self, data: &AudioData) -> Result<()> {
        if data.sample_rate() == self.rate && data.channels() == self.channels {
            self.adapter = None;
            let samples = data.to_f32_interleaved();
            self.append(&samples, data.timestamp() as f64 + data.duration() as f64);
            return Ok(());
        }
        let fits = self.adapter.as_ref().is_some_and(|a| {
            a.in_rate() == data.sample_rate() && a.in_channels() == data.channels()
        });
        if !fits {
            self.adapter = Some(
                AudioAdapter::new(
                    data.sample_rate(),
                    data.channels(),
                    self.rate,
                    self.channels,
                )
                .map_err(|e| crate::Error::not_supported(e.to_string()))?,
            );
        }
        let Some(adapter) = self.adapter.as_mut() else {
            return Ok(());
        };
        let blocks = adapter
            .process(data)
            .map_err(|e| crate::Error::not_supported(e.to_string()))?;
        for b in blocks {
            let samples = b.to_f32_interleaved();
            self.append(&samples, b.timestamp() as f64 + b.duration() as f64);
        }
        Ok(())
    }

    fn append(&mut self, samples: &[f32], end_ts: f64) {
        let frames = samples.len() / self.channels as usize;
        self.fifo.extend(samples.iter().copied());
        self.back_ts = end_ts;
        self.stats.pushed_frames += frames as u64;
        let level = self.level();
        // While prebuffering nothing is played yet, so for a live producer anything above
        // the target is pure delay: keep the newest `target` frames. (A speaker that starts pulling late, e.g.
        // a PulseAudio sink that takes most of a second to run its first period, or a
        // producer that delivers a backlog after running dry, would otherwise start
        // playback up to `max` behind, a delay only worked off at the 0.5 % drift speed.)
        // (The block that brings the level to the target is kept whole: only audio that was
        // already held beyond the target when more came is dropped.)
        let over = match self.phase {
            Phase::Prebuffering if self.live => {
                level - frames >= self.target && level > self.target
            }
            Phase::Prebuffering => level > self.max,
            Phase::Playing => level > self.max,
        };
        if over {
            // Bounded latency: drop the oldest audio down to the target.
            let drop = level - self.target;
            self.fifo.drain(..drop * self.channels as usize);
            self.stats.dropped_frames += drop as u64;
            self.smoothed = self.target as f64;
        }
    }

    /// Fills `out` (interleaved, whole frames) with what is played next, adding it scaled by
    /// `gain` to what `out` holds (so several buffers mix into one block). Returns the number
    /// of frames of audio (the rest was silence: prebuffering or an underrun).
    pub fn mix_into(&mut self, out: &mut [f32], gain: f32) -> usize {
        let ch = self.channels as usize;
        let want = out.len() / ch;
        if self.phase == Phase::Prebuffering {
            if self.level() < self.target {
                self.stats.speed = 1.0;
                return 0;
            }
            self.phase = Phase::Playing;
            self.smoothed = self.level() as f64;
            self.frac = 0.0;
        }
        let level = self.level() as f64;
        self.smoothed += LEVEL_SMOOTHING * (level - self.smoothed);
        let error = (self.smoothed - self.target as f64) / self.target as f64;
        let speed = if error.abs() <= DEAD_ZONE {
            // Back at the target: snap to the nearest whole frame (less than half a sample of
            // phase) and copy again.
            if self.frac >= 0.5 && self.level() > 0 {
                self.fifo.drain(..ch);
            }
            self.frac = 0.0;
            1.0
        } else {
            1.0 + (GAIN * (error - DEAD_ZONE * error.signum()))
                .clamp(-MAX_CORRECTION, MAX_CORRECTION)
        };
        self.stats.speed = speed;
        let mut produced = 0;
        if speed == 1.0 {
            // Straight copy: samples come out unchanged.
            let n = want.min(self.level());
            for (o, s) in out.iter_mut().zip(self.fifo.drain(..n * ch)) {
                *o += s * gain;
            }
            produced = n;
        } else {
            // Linear interpolation between frames i and i + 1 at fractional position `frac`.
            while produced < want {
                if self.level() < 2 {
                    break;
                }
                let t = self.frac as f32;
                let base = produced * ch;
                for c in 0..ch {
                    let a = self.fifo[c];
                    let b = self.fifo[ch + c];
                    out[base + c] += (a + (b - a) * t) * gain;
                }
                produced += 1;
                self.frac += speed;
                let whole = self.frac.floor();
                self.frac -= whole;
                let n = (whole as usize).min(self.level());
                self.fifo.drain(..n * ch);
            }
            if self.frac.abs() < 1e-9 {
                self.frac = 0.0;
            }
        }
        self.stats.played_frames += produced as u64;
        if produced < want {
            // Ran dry: the rest is silence, and the buffer fills up again before playing.
            self.stats.underruns += 1;
            self.phase = Phase::Prebuffering;
            self.frac = 0.0;
        }
        produced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block of `frames` frames of value `v` (mono or stereo), stamped `ts`.
    fn block(rate: u32, channels: u32, frames: usize, ts: i64, v: f32) -> AudioData {
        AudioData::from_f32(rate, channels, &vec![v; frames * channels as usize], ts)
            .expect("valid block")
    }

    #[test]
    fn prebuffers_to_the_target_then_copies_unchanged() {
        let mut jb = JitterBuffer::new(48_000, 1, 20_000, 100_000);
        let ramp: Vec<f32> = (0..480).map(|i| i as f32).collect();
        jb.push(&AudioData::from_f32(48_000, 1, &ramp, 0).expect("block"))
            .expect("push");
        let mut out = vec![0.0; 480];
        // 10 ms held, target 20 ms: still prebuffering.
        assert_eq!(jb.mix_into(&mut out, 1.0), 0);
        assert!(out.iter().all(|&s| s == 0.0));
        jb.push(&block(48_000, 1, 480, 10_000, 0.5)).expect("push");
        assert_eq!(jb.front_timestamp(), Some(0));
        assert_eq!(jb.mix_into(&mut out, 1.0), 480);
        assert_eq!(out, ramp, "bit-exact at nominal speed");
        assert_eq!(jb.front_timestamp(), Some(10_000));
        let mut out = vec![0.0; 480];
        assert_eq!(jb.mix_into(&mut out, 0.5), 480);
        assert!(out.iter().all(|&s| s == 0.25), "gain applied");
        // Dry now: a read of silence is an underrun, then prebuffering again.
        let mut out = vec![0.0; 480];
        assert_eq!(jb.mix_into(&mut out, 1.0), 0);
        assert_eq!(jb.stats().underruns, 1);
        jb.push(&block(48_000, 1, 480, 20_000, 1.0)).expect("push");
        assert_eq!(
            jb.mix_into(&mut out, 1.0),
            0,
            "prebuffering after the underrun"
        );
    }

    #[test]
    fn converts_rate_and_channels_on_arrival() {
        let mut jb = JitterBuffer::new(48_000, 2, 100_000, 200_000);
        for k in 0..10 {
            jb.push(&block(44_100, 1, 441, k * 10_000, 0.25))
                .expect("push");
        }
        // About 100 ms at 48 kHz (the resampler holds a little back).
        let level = jb.level();
        assert!((4_000..=4_800).contains(&level), "{level}");
        jb.push(&block(44_100, 1, 441, 100_000, 0.25))
            .expect("push");
        let mut out = vec![0.0; 960];
        assert_eq!(jb.mix_into(&mut out, 1.0), 480);
        let tail = &out[400..];
        assert!(tail.iter().all(|&s| (s - 0.25).abs() < 0.02), "{tail:?}");
        let e = jb
            .push(&block(1_000, 1, 10, 0, 0.0))
            .expect_err("1 kHz is too low");
        assert_eq!(e.name(), "NotSupportedError");
    }

    #[test]
    fn a_faster_producer_is_followed_without_drops_and_bounded_delay() {
        // The producer's clock runs 0.3 % fast: 10 ms of its time is 481.44 frames of ours.
        let mut jb = JitterBuffer::new(48_000, 1, 30_000, 200_000);
        let mut owed = 0.0f64;
        let mut out = vec![0.0; 480];
        let mut max_level = 0;
        for k in 0..6_000 {
            owed += 481.44;
            let n = owed.floor() as usize;
            owed -= n as f64;
            jb.push(&block(48_000, 1, n, k * 10_000, 0.5))
                .expect("push");
            out.fill(0.0);
            jb.mix_into(&mut out, 1.0);
            if k > 500 {
                max_level = max_level.max(jb.level());
            }
        }
        let s = jb.stats();
        assert_eq!(s.dropped_frames, 0, "{s:?}");
        assert_eq!(s.underruns, 0, "{s:?}");
        // Held near the 30 ms target (1440 frames): within the dead zone plus a block.
        assert!(max_level < 1_440 * 3 / 2 + 480, "max level {max_level}");
        assert!(s.speed > 1.0, "reading faster to follow: {s:?}");
    }

    #[test]
    fn a_slower_producer_is_followed_without_underruns() {
        // 0.3 % slow.
        let mut jb = JitterBuffer::new(48_000, 2, 30_000, 200_000);
        let mut owed = 0.0f64;
        let mut out = vec![0.0; 960];
        for k in 0..6_000 {
            owed += 478.56;
            let n = owed.floor() as usize;
            owed -= n as f64;
            jb.push(&block(48_000, 2, n, k * 10_000, 0.5))
                .expect("push");
            out.fill(0.0);
            jb.mix_into(&mut out, 1.0);
        }
        let s = jb.stats();
        // One underrun at most while it settles, none once it follows.
        assert!(s.underruns <= 1, "{s:?}");
        assert_eq!(s.dropped_frames, 0);
        assert!(s.speed < 1.0, "{s:?}");
    }

    #[test]
    fn a_speaker_that_starts_late_starts_at_the_target_delay() {
        // The producer runs for a second before the speaker's first read (a PulseAudio
        // sink took that long to start): playback starts with the newest 30 ms, not with up
        // to the 150 ms bound of old audio.
        let mut jb = JitterBuffer::new(48_000, 1, 30_000, 150_000).live(true);
        for k in 0..100 {
            jb.push(&block(48_000, 1, 480, k * 10_000, 0.5))
                .expect("push");
        }
        assert_eq!(jb.level(), 1_440);
        assert_eq!(jb.front_timestamp(), Some(1_000_000 - 30_000));
        let mut out = vec![0.0; 480];
        assert_eq!(jb.mix_into(&mut out, 1.0), 480);
        // From then on, one block in and one out: the delay stays at the target.
        for k in 100..400 {
            jb.push(&block(48_000, 1, 480, k * 10_000, 0.5))
                .expect("push");
            out.fill(0.0);
            assert_eq!(jb.mix_into(&mut out, 1.0), 480);
            assert!(jb.level() <= 1_440, "level {}", jb.level());
        }
        let s = jb.stats();
        assert_eq!(s.underruns, 0, "{s:?}");
        assert_eq!(s.speed, 1.0, "{s:?}");
    }

    #[test]
    fn a_backlog_after_running_dry_is_not_kept_as_delay() {
        // Playing at the target; then the producer stalls for 200 ms (the buffer runs dry)
        // and delivers its backlog at once, as a capture thread that was not scheduled.
        let mut jb = JitterBuffer::new(48_000, 1, 30_000, 150_000).live(true);
        let mut out = vec![0.0; 480];
        let mut k = 0;
        for _ in 0..100 {
            jb.push(&block(48_000, 1, 480, k * 10_000, 0.5))
                .expect("push");
            k += 1;
            out.fill(0.0);
            jb.mix_into(&mut out, 1.0);
        }
        for _ in 0..20 {
            out.fill(0.0);
            jb.mix_into(&mut out, 1.0);
        }
        assert!(jb.stats().underruns >= 1);
        for _ in 0..20 {
            jb.push(&block(48_000, 1, 480, k * 10_000, 0.5))
                .expect("push");
            k += 1;
        }
        // Prebuffering again, with the newest 30 ms only.
        assert_eq!(jb.level(), 1_440);
        assert_eq!(jb.front_timestamp(), Some(k * 10_000 - 30_000));
    }

    #[test]
    fn the_delay_is_bounded_when_the_speaker_stalls() {
        let mut jb = JitterBuffer::new(48_000, 1, 20_000, 100_000);
        for k in 0..50 {
            jb.push(&block(48_000, 1, 480, k * 10_000, 0.1))
                .expect("push");
        }
        // Never more than the maximum (4800 frames); dropped to the target when exceeded.
        assert!(jb.level() <= 4_800, "{}", jb.level());
        assert!(jb.stats().dropped_frames > 0);
        assert_eq!(
            jb.front_timestamp(),
            Some(500_000 - jb.level() as i64 * 1_000_000 / 48_000)
        );
        jb.clear();
        assert_eq!(jb.level(), 0);
        assert_eq!(jb.front_timestamp(), None);
    }
}
