//! Delivery threads of scaled video routes.
//!
//! The capture thread must not scale a frame for one track while another track waits: each
//! video route that does work (a crop-and-scale, a conversion) gets its own thread, to which
//! the capture thread hands the source frame (a reference, not a copy) and moves on. So the
//! scaled tracks run side by side on a multi-core machine, and none of them waits behind
//! another's scaler or behind the sinks of the native track, which the capture thread serves
//! itself. Chromium likewise keeps the capture thread free of per-track work: its
//! `VideoTrackAdapter` hands frames on to other sequences.
//!
//! The frame-rate decimation runs on the capture thread, before the hand-off: a thread is
//! woken only for the frames its track keeps (a 5 fps track's thread wakes 5 times a second
//! on a 30 fps camera, not 30). Deciding costs a few arithmetic operations; every wake-up of
//! a sleeping thread costs a context switch, on a virtual machine often an exit to the host
//! too, and takes a core the kept frames of other tracks may be waiting for.

use crate::track::TrackInner;
use mediacapture_frame::{FrameRateDecimator, VideoAdapter, VideoFrame};
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::sync::{Arc, Weak};

/// Frames a delivery thread holds before it drops the oldest (a thread that fell this far
/// behind delivers the newest picture, as a camera drops the frames it could not deliver).
const BACKLOG: usize = 4;

/// The tracks a frame goes to, as the routes were when the frame was captured.
pub(crate) type Tracks = Arc<Vec<Weak<TrackInner>>>;

struct Mailbox {
    state: Mutex<MailState>,
    ready: Condvar,
}

struct MailState {
    frames: VecDeque<(VideoFrame, Tracks)>,
    closed: bool,
}

/// One route's delivery thread. Dropping the last handle ends the thread (after the frame it
/// is delivering, if any); frames not yet delivered are discarded.
pub(crate) struct VideoWorker {
    mailbox: Arc<Mailbox>,
    /// The route's frame-rate decimation, run by [`VideoWorker::post`] on the capture thread
    /// (the adapter the thread runs does not decimate again).
    decimator: Mutex<FrameRateDecimator>,
}

impl VideoWorker {
    /// Starts the thread that adapts frames with `adapter` and delivers them, after
    /// `decimator` has kept them. `adapter` should not decimate itself (its frame rate "no
    /// limit"): the frames it gets are already the track's.
    pub(crate) fn spawn(
        name: &str,
        decimator: FrameRateDecimator,
        adapter: Arc<Mutex<VideoAdapter>>,
    ) -> std::io::Result<Self> {
        let mailbox = Arc::new(Mailbox {
            state: Mutex::new(MailState {
                frames: VecDeque::with_capacity(BACKLOG),
                closed: false,
            }),
            ready: Condvar::new(),
        });
        let mb = mailbox.clone();
        std::thread::Builder::new()
            .name(format!("mediacapture-{name}"))
            .spawn(move || run(&mb, &adapter))?;
        Ok(VideoWorker {
            mailbox,
            decimator: Mutex::new(decimator),
        })
    }

    /// Hands `frame` to the thread, for `tracks`, if the route's frame rate keeps it (then
    /// `true`; a frame decimation drops never wakes the thread). Never blocks on the
    /// thread's work.
    pub(crate) fn post(&self, frame: VideoFrame, tracks: Tracks) -> bool {
        if !self.decimator.lock().should_deliver(frame.timestamp()) {
            return false;
        }
        {
            let mut s = self.mailbox.state.lock();
            if s.closed {
                return false;
            }
            if s.frames.len() >= BACKLOG {
                s.frames.pop_front();
            }
            s.frames.push_back((frame, tracks));
        }
        self.mailbox.ready.notify_one();
        true
    }
}

impl Drop for VideoWorker {
    fn drop(&mut self) {
        {
            let mut s = self.mailbox.state.lock();
            s.closed = true;
            s.frames.clear();
        }
        self.mailbox.ready.notify_one();
    }
}

fn run(mailbox: &Mailbox, adapter: &Mutex<VideoAdapter>) {
    loop {
        let (frame, tracks) = {
            let mut s = mailbox.state.lock();
            loop {
                if s.closed {
                    return;
                }
                if let Some(next) = s.frames.pop_front() {
                    break next;
                }
                mailbox.ready.wait(&mut s);
            }
        };
        let adapted = adapter.lock().adapt(&frame);
        drop(frame);
        match adapted {
            Ok(Some(out)) => {
                // A route rebuilt while this frame was being adapted is not served any more.
                if mailbox.state.lock().closed {
                    return;
                }
                for t in tracks.iter().filter_map(Weak::upgrade) {
                    t.deliver_video(&out);
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("video adapter failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests: a panic is a failure with a message"
    )]
    use super::*;
    use mediacapture_frame::{PixelFormat, VideoAdapterConfig};

    fn frame(ts: i64) -> VideoFrame {
        VideoFrame::new(PixelFormat::I420, 32, 16, vec![0; 32 * 16 * 3 / 2], ts).unwrap()
    }

    /// A 10 fps route on a 30 fps source: the capture thread hands on every third frame and
    /// keeps the other two from the thread (which would only have dropped them).
    #[test]
    fn decimation_happens_before_the_hand_off() {
        let adapter = VideoAdapter::new(VideoAdapterConfig {
            width: 16,
            height: 8,
            frame_rate: f64::INFINITY,
        });
        let w = VideoWorker::spawn(
            "test",
            FrameRateDecimator::new(10.0),
            Arc::new(Mutex::new(adapter)),
        )
        .unwrap();
        let tracks: Tracks = Arc::new(Vec::new());
        let posted: Vec<i64> = (0..9)
            .map(|i| i * 33_333)
            .filter(|&ts| w.post(frame(ts), tracks.clone()))
            .collect();
        assert_eq!(posted, [0, 99_999, 199_998]);
        drop(w);
    }
}
