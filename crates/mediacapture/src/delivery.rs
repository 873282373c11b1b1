//! Delivery threads of scaled video routes.
//!
//! The capture thread must not scale a frame for one track while another track waits: each
//! video route that does work (a crop-and-scale, a conversion) gets its own thread, to which
//! the capture thread hands the source frame (a reference, not a copy) and moves on. So the
//! scaled tracks run side by side on a multi-core machine, and none of them waits behind
//! another's scaler or behind the sinks of the native track, which the capture thread serves
//! itself. Chromium likewise keeps the capture thread free of per-track work: its
//! `VideoTrackAdapter` hands frames on to other sequences.

use crate::track::TrackInner;
use mediacapture_frame::{VideoAdapter, VideoFrame};
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
}

impl VideoWorker {
    /// Starts the thread that adapts frames with `adapter` and delivers them.
    pub(crate) fn spawn(name: &str, adapter: Arc<Mutex<VideoAdapter>>) -> std::io::Result<Self> {
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
        Ok(VideoWorker { mailbox })
    }

    /// Hands `frame` to the thread, for `tracks`. Never blocks on the thread's work.
    pub(crate) fn post(&self, frame: VideoFrame, tracks: Tracks) {
        {
            let mut s = self.mailbox.state.lock();
            if s.closed {
                return;
            }
            if s.frames.len() >= BACKLOG {
                s.frames.pop_front();
            }
            s.frames.push_back((frame, tracks));
        }
        self.mailbox.ready.notify_one();
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
