//! The capture thread of a fake source: pacing on the backend's clock, scripted mute, ending.
//!
//! Frame (or 10 ms audio block) `k` is due at `start + k / rate` on the clock, and carries
//! that time as its timestamp, so timestamps never drift. With a manual clock, moving the
//! clock past a due time delivers that frame and nothing else; moving it over several due
//! times at once is a late wake-up, handled as a device would:
//!
//! - a camera or screen drops the frames it could not deliver in time: when a frame's due
//!   time is a whole frame interval or more in the past, it skips to the frame due at the
//!   clock's time (the counter jumps). A jump of exactly one interval (rounded up to the
//!   microsecond) gives exactly one frame; a jump of ten intervals gives one frame, the tenth.
//! - a microphone buffers: late blocks are delivered back to back, with their own
//!   timestamps (a jump of 100 ms gives ten blocks), unless the delay exceeds a second, when
//!   it skips ahead to the block due now.

use super::audio::{Tone, WavLoop};
use super::pattern::Pattern;
use super::profile::FaultScript;
use crate::clock::Clock;
use crate::thread_source::{Control, ThreadSource, Wait};
use crate::{NativeConfig, SourceEvent, SourceSink};
use mediacapture_frame::{AudioData, PixelFormat, VideoFrame};
use mediacapture_types::Result;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A microphone delayed by more than this skips ahead instead of catching up.
const AUDIO_CATCH_UP_LIMIT_US: i64 = 1_000_000;

/// What a capture thread produces.
pub(crate) enum Media {
    /// The test pattern.
    Pattern(Pattern),
    /// Frames of a file, already in the delivered format, looped.
    Frames {
        format: PixelFormat,
        width: u32,
        height: u32,
        frames: Vec<Arc<[u8]>>,
    },
    /// The tone.
    Tone(Tone),
    /// A wav file.
    Wav(WavLoop),
}

/// What makes a source stop delivering: its device's script and its muted switch.
pub(crate) struct Faults {
    /// The device's scripted faults.
    pub(crate) script: FaultScript,
    /// The device's muted switch ([`FakeBackend::set_muted`](super::FakeBackend::set_muted)).
    pub(crate) muted: Arc<AtomicBool>,
}

/// What a fake source is: its media, its rate (frames per second for video, the sample rate
/// for audio), its channel count (audio) and faults.
pub(crate) struct Plan {
    pub(crate) media: Media,
    pub(crate) rate: f64,
    pub(crate) channels: u32,
    pub(crate) faults: Faults,
}

/// Starts a fake source's capture thread, paced by `clock` from its time now. Returns the
/// source and its control (for [`Control::end`] when the device is unplugged).
pub(crate) fn start(
    name: &str,
    config: NativeConfig,
    plan: Plan,
    clock: Arc<dyn Clock>,
    sink: Arc<dyn SourceSink>,
) -> Result<(ThreadSource, Arc<Control>)> {
    let ctl = Control::new();
    ctl.register_with(&*clock);
    let start = clock.now_us();
    let Plan {
        media,
        rate,
        channels,
        faults,
    } = plan;
    let job_ctl = ctl.clone();
    let source = ThreadSource::spawn(
        format!("fake-{name}"),
        config,
        ctl.clone(),
        sink,
        move |sink| {
            Job {
                ctl: job_ctl,
                clock,
                start,
                sink,
                media,
                rate,
                channels,
                faults: faults.script,
                muted: faults.muted,
                ready: None,
            }
            .run();
        },
    )?;
    Ok((source, ctl))
}

struct Job {
    ctl: Arc<Control>,
    clock: Arc<dyn Clock>,
    /// When slot 0 is due, on `clock`.
    start: i64,
    sink: Arc<dyn SourceSink>,
    media: Media,
    rate: f64,
    channels: u32,
    faults: FaultScript,
    /// The device's muted switch ([`FakeBackend::set_muted`](super::FakeBackend::set_muted)).
    muted: Arc<AtomicBool>,
    /// The pattern frame of the next slot, drawn ahead of its due time: a camera's frame is
    /// complete when it is captured, so drawing (and, for MJPEG, encoding) the pattern is
    /// done while waiting rather than counted in the capture-to-sink latency.
    ready: Option<(u64, VideoFrame)>,
}

impl Job {
    fn is_audio(&self) -> bool {
        matches!(self.media, Media::Tone(_) | Media::Wav(_))
    }

    /// Start of slot `k` in µs after the start: frame `k`, or audio block `k` (10 ms each,
    /// placed on exact sample boundaries so that timestamps never drift).
    fn slot_offset(&self, k: u64) -> i64 {
        if self.is_audio() {
            let first_sample = k * self.rate as u64 / 100;
            (first_sample as f64 * 1e6 / self.rate) as i64
        } else {
            (k as f64 * 1e6 / self.rate).round() as i64
        }
    }

    /// The last slot due at `elapsed` µs after the start.
    fn slot_at(&self, elapsed: i64) -> u64 {
        let per_second = if self.is_audio() { 100.0 } else { self.rate };
        let mut k = (elapsed.max(0) as f64 * per_second / 1e6) as u64;
        while k > 0 && self.slot_offset(k) > elapsed {
            k -= 1;
        }
        while self.slot_offset(k + 1) <= elapsed {
            k += 1;
        }
        k
    }

    fn run(mut self) {
        if self.is_audio() {
            crate::realtime::promote_audio_thread();
        }
        let mut slot: u64 = 0;
        let mut muted = false;
        loop {
            let due = self.start + self.slot_offset(slot);
            match self.ctl.wait_until(&*self.clock, due) {
                Wait::Due => {}
                Wait::Stop => return,
                Wait::Ended(e) => {
                    self.sink.on_event(SourceEvent::Ended(Some(e)));
                    return;
                }
            }
            // Woken late (see the module docs): a camera drops what it missed, a microphone
            // catches up unless it is too far behind.
            let elapsed = self.clock.now_us() - self.start;
            let late = elapsed - self.slot_offset(slot);
            let next_late = elapsed - self.slot_offset(slot + 1);
            if (!self.is_audio() && next_late >= 0)
                || (self.is_audio() && late > AUDIO_CATCH_UP_LIMIT_US)
            {
                slot = self.slot_at(elapsed);
            }
            let due = self.start + self.slot_offset(slot);
            let elapsed_ms = u64::try_from(self.slot_offset(slot) / 1000).unwrap_or(0);
            let scripted = self.faults.mute_after_ms.is_some_and(|after| {
                elapsed_ms >= after
                    && self
                        .faults
                        .mute_for_ms
                        .is_none_or(|len| elapsed_ms < after.saturating_add(len))
            });
            let in_mute = scripted || self.muted.load(Ordering::SeqCst);
            if in_mute != muted {
                muted = in_mute;
                self.sink.on_event(if muted {
                    SourceEvent::Muted
                } else {
                    SourceEvent::Unmuted
                });
            }
            let next_due = self.start + self.slot_offset(slot + 1);
            if !muted {
                self.produce(slot, due, next_due - due);
                if matches!(self.media, Media::Pattern(_)) {
                    // The next frame is drawn half an interval later, not at once: by then
                    // the tracks' work on this frame (scaling, on other threads) is done,
                    // so drawing does not take a core from it.
                    match self
                        .ctl
                        .wait_until(&*self.clock, due + (next_due - due) / 2)
                    {
                        Wait::Due => {}
                        Wait::Stop => return,
                        Wait::Ended(e) => {
                            self.sink.on_event(SourceEvent::Ended(Some(e)));
                            return;
                        }
                    }
                    self.draw_ahead(slot + 1, next_due);
                }
            }
            slot += 1;
        }
    }

    /// Draws the pattern frame of `slot` (due at `timestamp`) before it is due.
    fn draw_ahead(&mut self, slot: u64, timestamp: i64) {
        if let Media::Pattern(p) = &self.media {
            self.ready = p.frame(slot, timestamp).map(|f| (slot, f));
        }
    }

    fn produce(&mut self, slot: u64, timestamp: i64, duration: i64) {
        match &mut self.media {
            Media::Pattern(p) => {
                // The frame drawn ahead, unless the thread woke late and skipped to another
                // slot (or the clock moved the due time): then draw it now.
                let ready = match self.ready.take() {
                    Some((s, f)) if s == slot && f.timestamp() == timestamp => Some(f),
                    _ => p.frame(slot, timestamp),
                };
                if let Some(f) = ready {
                    self.sink.on_video(f.with_duration(Some(duration)));
                }
            }
            Media::Frames {
                format,
                width,
                height,
                frames,
            } => {
                let data = frames[(slot % frames.len() as u64) as usize].clone();
                match VideoFrame::new(*format, *width, *height, data, timestamp) {
                    Ok(f) => self.sink.on_video(f.with_duration(Some(duration))),
                    Err(e) => tracing::warn!("fake source: bad file frame: {e}"),
                }
            }
            Media::Tone(_) | Media::Wav(_) => {
                let first = slot * self.rate as u64 / 100;
                let next = (slot + 1) * self.rate as u64 / 100;
                let n = (next - first) as usize;
                let samples = match &mut self.media {
                    Media::Tone(t) => t.next_block(n),
                    Media::Wav(w) => w.next_block(n),
                    _ => return,
                };
                match AudioData::from_f32(self.rate as u32, self.channels, &samples, timestamp) {
                    Ok(a) => self.sink.on_audio(a),
                    Err(e) => tracing::warn!("fake source: bad audio block: {e}"),
                }
            }
        }
    }
}
