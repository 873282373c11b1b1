//! The engine's side of a [`MediaRecorder`](crate::MediaRecorder): one worker thread per
//! recording session, fed through a bounded queue ([`Inbox`]).
//!
//! The queue carries, in order, what the tracks deliver (frames, audio, "this track delivers
//! nothing more") and the state machine's commands. Video is bounded by frames and bytes: when
//! the encoder is behind, the oldest waiting frame is dropped and counted, so memory holds a
//! couple of frames whatever their size. Audio is never dropped silently: when more than
//! [`MAX_QUEUED_AUDIO_US`] waits, the recording ends with an error. Once the session's
//! `Finish` is queued, waiting video is dropped (counted) rather than encoded, so `stop()`
//! finalizes after at most the frame being encoded — and, for a track none of whose frames
//! reached the encoder yet, its newest frame, so that every recorded video track has a picture.
//! A frame still in the encoder a second after the `Finish` was queued is abandoned
//! (`recording::Interrupt`): the recording ends on time without it.

use crate::engine::Engine;
use crate::protocol::{EngineCommand, EngineReport};
use crate::recording::{EncodeHook, Interrupt};
use mediacapture::{AudioData, VideoFrame};
use mediacapture_types::Error;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Video frames waiting for the encoder, at most.
pub(crate) const MAX_QUEUED_VIDEO_FRAMES: usize = 2;
/// Bytes of video waiting for the encoder, at most (one frame is always let in).
pub(crate) const MAX_QUEUED_VIDEO_BYTES: usize = 64 << 20;
/// Audio waiting for the encoder, at most, in µs of media.
pub(crate) const MAX_QUEUED_AUDIO_US: i64 = 10_000_000;

/// One item for the worker.
pub(crate) enum Msg {
    /// A command of the state machine, with the capture-clock time it was issued at.
    Command(EngineCommand, i64),
    Video(Arc<str>, VideoFrame),
    Audio(Arc<str>, AudioData),
    /// The track's frame callback was dropped: it delivers nothing more.
    SinkClosed(Arc<str>),
    /// Audio could not be queued.
    AudioOverflow(Error),
}

struct InboxState {
    items: VecDeque<Msg>,
    video_frames: usize,
    video_bytes: usize,
    audio_us: i64,
    /// A `Finish` is queued: video waiting before it is dropped, not encoded.
    finishing: bool,
    /// The worker is gone: nothing is queued any more.
    closed: bool,
    overflowed: bool,
    /// Capture time of the newest video frame dropped here: the last recorded frame stands
    /// for it, so the recording's Duration covers it.
    newest_dropped: Option<i64>,
    /// Tracks that have had a frame handed to the engine.
    handed: Vec<Arc<str>>,
}

/// Counters shared by the capture threads, the worker and the recorder's readers.
#[derive(Debug, Default)]
pub(crate) struct SharedStats {
    pub(crate) video_frames: AtomicU64,
    pub(crate) audio_frames: AtomicU64,
    pub(crate) bytes: AtomicU64,
    /// Dropped by the queue (encoder behind, or stopping).
    pub(crate) dropped_queue: AtomicU64,
    /// Not recorded by the engine (less than 1 ms after the previous frame, or still in the
    /// encoder when a stopping recording gave up waiting for it).
    pub(crate) skipped: AtomicU64,
}

/// The worker's bounded queue. Pushing never blocks (capture threads call it).
pub(crate) struct Inbox {
    state: Mutex<InboxState>,
    ready: Condvar,
    stats: Arc<SharedStats>,
    /// Raised with the session's `Finish`: the engine stops waiting for a stuck encoder.
    interrupt: Interrupt,
}

impl Inbox {
    pub(crate) fn new(stats: Arc<SharedStats>) -> Arc<Self> {
        Arc::new(Inbox {
            state: Mutex::new(InboxState {
                items: VecDeque::new(),
                video_frames: 0,
                video_bytes: 0,
                audio_us: 0,
                finishing: false,
                closed: false,
                overflowed: false,
                newest_dropped: None,
                handed: Vec::new(),
            }),
            ready: Condvar::new(),
            stats,
            interrupt: Interrupt::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, InboxState> {
        // A panic elsewhere does not leave the queue inconsistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, s: &mut InboxState, msg: Msg) {
        s.items.push_back(msg);
        self.ready.notify_one();
    }

    fn dropped(&self, s: &mut InboxState, frame: &VideoFrame) {
        self.stats.dropped_queue.fetch_add(1, Ordering::Relaxed);
        s.newest_dropped = Some(s.newest_dropped.unwrap_or(i64::MIN).max(frame.timestamp()));
    }

    /// Capture time of the newest video frame dropped so far.
    fn newest_dropped(&self) -> Option<i64> {
        self.lock().newest_dropped
    }

    pub(crate) fn push_command(&self, cmd: EngineCommand, issued_at: i64) {
        let mut s = self.lock();
        if s.closed {
            return;
        }
        if matches!(cmd, EngineCommand::Finish { .. }) {
            s.finishing = true;
            self.interrupt.raise();
        }
        self.push(&mut s, Msg::Command(cmd, issued_at));
    }

    /// Queues a frame; when the encoder is behind, the oldest waiting frame is dropped
    /// (newest wins) and counted.
    pub(crate) fn push_video(&self, track: &Arc<str>, frame: &VideoFrame) {
        let bytes = frame.byte_len();
        let mut s = self.lock();
        if s.closed {
            return;
        }
        if s.finishing {
            self.dropped(&mut s, frame);
            return;
        }
        while s.video_frames > 0
            && (s.video_frames >= MAX_QUEUED_VIDEO_FRAMES
                || s.video_bytes + bytes > MAX_QUEUED_VIDEO_BYTES)
        {
            let Some(i) = s.items.iter().position(|m| matches!(m, Msg::Video(..))) else {
                break;
            };
            if let Some(Msg::Video(_, old)) = s.items.remove(i) {
                s.video_frames -= 1;
                s.video_bytes -= old.byte_len();
                self.dropped(&mut s, &old);
            }
        }
        s.video_frames += 1;
        s.video_bytes += bytes;
        self.push(&mut s, Msg::Video(track.clone(), frame.clone()));
    }

    /// Queues audio; more than [`MAX_QUEUED_AUDIO_US`] waiting ends the recording with an
    /// error (audio is never dropped silently).
    pub(crate) fn push_audio(&self, track: &Arc<str>, data: &AudioData) {
        let mut s = self.lock();
        if s.closed || s.overflowed {
            return;
        }
        if s.audio_us + data.duration() > MAX_QUEUED_AUDIO_US {
            s.overflowed = true;
            let e = Error::unknown(format!(
                "the recorder fell more than {} s behind the audio: it cannot keep up",
                MAX_QUEUED_AUDIO_US / 1_000_000
            ));
            self.push(&mut s, Msg::AudioOverflow(e));
            return;
        }
        s.audio_us += data.duration();
        self.push(&mut s, Msg::Audio(track.clone(), data.clone()));
    }

    pub(crate) fn push_closed(&self, track: &Arc<str>) {
        let mut s = self.lock();
        if !s.closed {
            self.push(&mut s, Msg::SinkClosed(track.clone()));
        }
    }

    /// The next item, waiting for one. Video taken while finishing is dropped here.
    fn pop(&self) -> Msg {
        let mut s = self.lock();
        loop {
            if let Some(m) = s.items.pop_front() {
                match &m {
                    Msg::Video(track, f) => {
                        s.video_frames -= 1;
                        s.video_bytes -= f.byte_len();
                        // Stopping: waiting video is dropped, except a track's newest frame
                        // when none of its frames reached the encoder yet (a short recording
                        // on a slow machine), so that every video track holds a picture.
                        let first_of_track = !s.handed.contains(track);
                        let newest_of_track = !s
                            .items
                            .iter()
                            .any(|m| matches!(m, Msg::Video(t, _) if t == track));
                        if s.finishing && !(first_of_track && newest_of_track) {
                            let f = f.clone();
                            self.dropped(&mut s, &f);
                            continue;
                        }
                        if first_of_track {
                            let t = track.clone();
                            s.handed.push(t);
                        }
                    }
                    Msg::Audio(_, a) => s.audio_us -= a.duration(),
                    _ => {}
                }
                return m;
            }
            s = self.ready.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The worker is done: drop what waits and refuse what comes.
    fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        let dropped = s
            .items
            .drain(..)
            .filter(|m| matches!(m, Msg::Video(..)))
            .count();
        self.stats
            .dropped_queue
            .fetch_add(dropped as u64, Ordering::Relaxed);
    }
}

/// A frame callback's guard: dropped with the callback (the track ended, by `stop()` or its
/// source, or the recorder removed the sink), it tells the worker that no frame will follow.
pub(crate) struct SinkGuard {
    pub(crate) inbox: Arc<Inbox>,
    pub(crate) track: Arc<str>,
}

impl Drop for SinkGuard {
    fn drop(&mut self) {
        self.inbox.push_closed(&self.track);
    }
}

/// What the worker needs from the recorder: the state machine, behind its small lock.
pub(crate) trait Driver: Send + Sync {
    /// Runs `f` on the state machine and hands its outputs on (commands to the engines,
    /// tasks to the event loop).
    fn with_core(&self, f: &mut dyn FnMut(&mut crate::core::RecorderCore));
    /// The session is over: remove its sinks and its inbox.
    fn session_done(&self, session: u64);
}

/// The worker thread of session `session`: owns the engine, takes the inbox's items in order.
pub(crate) fn run(
    driver: Arc<dyn Driver>,
    session: u64,
    inbox: Arc<Inbox>,
    hook: Option<EncodeHook>,
) {
    let stats = inbox.stats.clone();
    let body = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut engine = Engine::new();
        engine.set_encode_hook(hook);
        engine.set_interrupt(inbox.interrupt.clone());
        loop {
            let reports = match inbox.pop() {
                Msg::Command(cmd, at) => {
                    if matches!(cmd, EngineCommand::Finish { .. }) {
                        if let Some(t) = inbox.newest_dropped() {
                            engine.covered_until(t);
                        }
                    }
                    engine.execute(cmd, Some(at))
                }
                Msg::Video(track, frame) => engine.push_video(&track, &frame),
                Msg::Audio(track, data) => engine.push_audio(&track, &data),
                Msg::AudioOverflow(error) => vec![EngineReport::Failed { session, error }],
                Msg::SinkClosed(track) => {
                    driver.with_core(&mut |core| {
                        if core.session() == session {
                            core.track_ended(&track);
                        }
                    });
                    continue;
                }
            };
            let s = engine.stats();
            stats.video_frames.store(s.video_frames, Ordering::Relaxed);
            stats.audio_frames.store(s.audio_frames, Ordering::Relaxed);
            stats.bytes.store(s.bytes, Ordering::Relaxed);
            stats.skipped.store(
                s.skipped_video_frames + s.abandoned_video_frames,
                Ordering::Relaxed,
            );
            if !reports.is_empty() {
                let mut reports = Some(reports);
                driver.with_core(&mut |core| {
                    for r in reports.take().into_iter().flatten() {
                        core.handle_report(r);
                    }
                });
            }
            if engine.is_finished() {
                break;
            }
        }
    }));
    inbox.close();
    if body.is_err() {
        // A bug, not a media problem: whatever waits for this engine must not wait forever.
        driver.with_core(&mut |core| {
            core.handle_report(EngineReport::Lost {
                session,
                error: Error::unknown("the recorder's engine thread panicked"),
            });
        });
    }
    driver.session_done(session);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
    use super::*;
    use mediacapture::PixelFormat;

    fn frame(ts: i64) -> VideoFrame {
        VideoFrame::new(PixelFormat::I420, 16, 16, vec![0u8; 16 * 16 * 3 / 2], ts).unwrap()
    }

    fn popped_video(m: Msg) -> Option<i64> {
        match m {
            Msg::Video(_, f) => Some(f.timestamp()),
            _ => None,
        }
    }

    #[test]
    fn stopping_keeps_the_newest_frame_of_a_track_that_has_none_encoded() {
        let stats = Arc::new(SharedStats::default());
        let inbox = Inbox::new(stats.clone());
        let v: Arc<str> = "v".into();
        inbox.push_video(&v, &frame(0));
        inbox.push_video(&v, &frame(33_333));
        inbox.push_command(
            EngineCommand::Finish {
                session: 1,
                ticket: 1,
            },
            40_000,
        );
        // The older waiting frame is dropped; the newest is encoded: the track has a picture.
        assert_eq!(popped_video(inbox.pop()), Some(33_333));
        assert!(matches!(inbox.pop(), Msg::Command(..)));
        assert_eq!(stats.dropped_queue.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn stopping_drops_waiting_video_of_a_track_already_encoded() {
        let stats = Arc::new(SharedStats::default());
        let inbox = Inbox::new(stats.clone());
        let v: Arc<str> = "v".into();
        inbox.push_video(&v, &frame(0));
        assert_eq!(popped_video(inbox.pop()), Some(0));
        inbox.push_video(&v, &frame(33_333));
        inbox.push_video(&v, &frame(66_667));
        inbox.push_command(
            EngineCommand::Finish {
                session: 1,
                ticket: 1,
            },
            70_000,
        );
        assert!(matches!(inbox.pop(), Msg::Command(..)));
        assert_eq!(stats.dropped_queue.load(Ordering::Relaxed), 2);
    }
}
