//! The capture thread of a fake source: real-time pacing, scripted mute, ending.

use super::audio::{Tone, WavLoop};
use super::pattern::Pattern;
use super::profile::FaultScript;
use crate::{NativeConfig, Source, SourceEvent, SourceSink, clock};
use mediacapture_frame::{AudioData, PixelFormat, VideoFrame};
use mediacapture_types::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

/// Stop and end requests for one capture thread.
#[derive(Debug, Default)]
pub(crate) struct Control {
    state: Mutex<CtlState>,
    cv: Condvar,
}

#[derive(Debug, Default)]
struct CtlState {
    stop: bool,
    ended: Option<Error>,
}

enum Wake {
    Due,
    Stop,
    Ended(Error),
}

impl Control {
    fn lock(&self) -> MutexGuard<'_, CtlState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks the thread to stop silently.
    pub(crate) fn stop(&self) {
        self.lock().stop = true;
        self.cv.notify_all();
    }

    /// Asks the thread to report `SourceEvent::Ended(Some(error))` and stop.
    pub(crate) fn end(&self, error: Error) {
        let mut st = self.lock();
        if !st.stop && st.ended.is_none() {
            st.ended = Some(error);
        }
        drop(st);
        self.cv.notify_all();
    }

    /// Sleeps until `due_us` on the process clock, unless asked to stop or end first.
    fn wait_until(&self, due_us: i64) -> Wake {
        let deadline = clock::instant_at(due_us);
        let mut st = self.lock();
        loop {
            if st.stop {
                return Wake::Stop;
            }
            if let Some(e) = st.ended.take() {
                st.stop = true;
                return Wake::Ended(e);
            }
            let now = Instant::now();
            if now >= deadline {
                return Wake::Due;
            }
            st = match self.cv.wait_timeout(st, deadline - now) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

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

/// A running fake source.
pub(crate) struct FakeSource {
    config: NativeConfig,
    ctl: Arc<Control>,
    thread: Option<JoinHandle<()>>,
}

impl FakeSource {
    /// Spawns the capture thread. `rate` is frames per second for video and the sample rate
    /// for audio.
    pub(crate) fn start(
        name: &str,
        config: NativeConfig,
        media: Media,
        rate: f64,
        channels: u32,
        faults: Faults,
        sink: Arc<dyn SourceSink>,
    ) -> Result<(Self, Arc<Control>)> {
        let Faults {
            script: faults,
            muted,
        } = faults;
        let ctl = Arc::new(Control::default());
        let job = Job {
            ctl: ctl.clone(),
            sink,
            media,
            rate,
            channels,
            faults,
            muted,
        };
        let thread = std::thread::Builder::new()
            .name(format!("fake-{name}"))
            .spawn(move || job.run())
            .map_err(|e| Error::not_readable(format!("cannot start capture thread: {e}")))?;
        Ok((
            FakeSource {
                config,
                ctl: ctl.clone(),
                thread: Some(thread),
            },
            ctl,
        ))
    }
}

impl Source for FakeSource {
    fn config(&self) -> &NativeConfig {
        &self.config
    }

    fn stop(&mut self) {
        self.ctl.stop();
        if let Some(t) = self.thread.take() {
            // Called from a sink callback on the capture thread itself: it exits after the
            // callback returns; joining would deadlock.
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

impl Drop for FakeSource {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Job {
    ctl: Arc<Control>,
    sink: Arc<dyn SourceSink>,
    media: Media,
    rate: f64,
    channels: u32,
    faults: FaultScript,
    /// The device's muted switch ([`FakeBackend::set_muted`](super::FakeBackend::set_muted)).
    muted: Arc<AtomicBool>,
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

    fn run(mut self) {
        let start = clock::now_us();
        let mut slot: u64 = 0;
        let mut muted = false;
        loop {
            let due = start + self.slot_offset(slot);
            match self.ctl.wait_until(due) {
                Wake::Due => {}
                Wake::Stop => return,
                Wake::Ended(e) => {
                    self.sink.on_event(SourceEvent::Ended(Some(e)));
                    return;
                }
            }
            let elapsed_ms = u64::try_from((due - start) / 1000).unwrap_or(0);
            let scripted = self.faults.mute_after_ms.is_some_and(|after| {
                elapsed_ms >= after
                    && self
                        .faults
                        .mute_for_ms
                        .is_none_or(|len| elapsed_ms < after + len)
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
            let next_due = start + self.slot_offset(slot + 1);
            if !muted {
                self.produce(slot, due, next_due - due);
            }
            slot += 1;
            let now = clock::now_us();
            let late = now - (start + self.slot_offset(slot));
            if self.is_audio() {
                // A microphone buffers: late blocks are delivered back to back. After a
                // stall of more than a second, skip ahead instead.
                if late > 1_000_000 {
                    slot = u64::try_from((now - start) / 10_000).unwrap_or(slot);
                }
            } else if late > next_due - due {
                // A camera drops frames it could not deliver in time; the counter skips.
                slot = ((now - start) as f64 * self.rate / 1e6) as u64;
            }
        }
    }

    fn produce(&mut self, slot: u64, timestamp: i64, duration: i64) {
        match &mut self.media {
            Media::Pattern(p) => {
                if let Some(f) = p.frame(slot, timestamp) {
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
