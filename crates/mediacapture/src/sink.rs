//! Frame sinks: what consumers of a track receive.
//!
//! Video sinks hold at most a few frames and drop the *oldest* when the reader falls behind
//! (newest wins: a late consumer gets the freshest picture), counting every drop. Audio sinks
//! are bounded too, but audio is never dropped silently: an overflow is counted and the
//! stream yields an error in place of the lost blocks.

use crate::{Error, Result};
use futures_core::Stream;
use mediacapture_frame::{AudioData, VideoFrame};
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// How many video frames a stream buffers before it drops the oldest.
pub const VIDEO_SINK_CAPACITY: usize = 3;
/// How many audio blocks a stream buffers by default (about 2 s of 10 ms blocks).
pub const AUDIO_SINK_CAPACITY: usize = 200;

pub(crate) struct Queue<T> {
    state: Mutex<QueueState<T>>,
    ready: Condvar,
    capacity: usize,
    drop_oldest: bool,
}

struct QueueState<T> {
    items: VecDeque<T>,
    waker: Option<Waker>,
    closed: bool,
    dropped: u64,
    /// Overflows not yet reported to the reader (audio).
    unreported_overflow: u64,
}

impl<T> Queue<T> {
    fn new(capacity: usize, drop_oldest: bool) -> Arc<Self> {
        Arc::new(Queue {
            state: Mutex::new(QueueState {
                items: VecDeque::with_capacity(capacity),
                waker: None,
                closed: false,
                dropped: 0,
                unreported_overflow: 0,
            }),
            ready: Condvar::new(),
            capacity: capacity.max(1),
            drop_oldest,
        })
    }

    /// Offers an item from the capture thread; never blocks on the reader.
    pub(crate) fn push(&self, item: T) {
        let waker = {
            let mut s = self.state.lock();
            if s.closed {
                return;
            }
            if s.items.len() >= self.capacity {
                s.dropped += 1;
                if self.drop_oldest {
                    s.items.pop_front();
                    s.items.push_back(item);
                } else {
                    s.unreported_overflow += 1;
                }
            } else {
                s.items.push_back(item);
            }
            s.waker.take()
        };
        self.ready.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(crate) fn close(&self) {
        let waker = {
            let mut s = self.state.lock();
            s.closed = true;
            s.waker.take()
        };
        self.ready.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().closed
    }
}

/// What a reader takes next from a queue.
enum Next<T> {
    Item(T),
    Overflow(u64),
    Closed,
    Empty,
}

impl<T> QueueState<T> {
    fn next(&mut self) -> Next<T> {
        if self.unreported_overflow > 0 {
            let n = std::mem::take(&mut self.unreported_overflow);
            return Next::Overflow(n);
        }
        match self.items.pop_front() {
            Some(i) => Next::Item(i),
            None if self.closed => Next::Closed,
            None => Next::Empty,
        }
    }
}

fn wait_next<T>(q: &Queue<T>, timeout: Duration) -> Next<T> {
    let deadline = Instant::now() + timeout;
    let mut s = q.state.lock();
    loop {
        match s.next() {
            Next::Empty => {
                if q.ready.wait_until(&mut s, deadline).timed_out() {
                    return s.next();
                }
            }
            other => return other,
        }
    }
}

fn poll_queue<T>(q: &Queue<T>, cx: &mut Context<'_>) -> Poll<Next<T>> {
    let mut s = q.state.lock();
    match s.next() {
        Next::Empty => {
            s.waker = Some(cx.waker().clone());
            Poll::Pending
        }
        other => Poll::Ready(other),
    }
}

/// An async stream of a video track's frames (also readable blocking with
/// [`VideoFrameStream::recv_timeout`]). Holds at most [`VIDEO_SINK_CAPACITY`] frames; when the
/// reader is behind, the oldest frame is dropped and counted in [`VideoFrameStream::dropped`].
/// The stream ends when the track ends or is stopped.
pub struct VideoFrameStream {
    pub(crate) queue: Arc<Queue<VideoFrame>>,
}

impl VideoFrameStream {
    pub(crate) fn new(capacity: usize) -> Self {
        VideoFrameStream {
            queue: Queue::new(capacity, true),
        }
    }

    /// Frames dropped because the reader was behind.
    pub fn dropped(&self) -> u64 {
        self.queue.state.lock().dropped
    }

    /// Frames waiting to be read.
    pub fn buffered(&self) -> usize {
        self.queue.state.lock().items.len()
    }

    /// Waits up to `timeout` for the next frame. `None` on timeout or when the track ended.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<VideoFrame> {
        match wait_next(&self.queue, timeout) {
            Next::Item(f) => Some(f),
            _ => None,
        }
    }

    /// The next frame if one is buffered, without waiting.
    pub fn try_recv(&self) -> Option<VideoFrame> {
        match self.queue.state.lock().next() {
            Next::Item(f) => Some(f),
            _ => None,
        }
    }

    /// `true` once the track ended (buffered frames can still be read).
    pub fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }
}

impl Drop for VideoFrameStream {
    /// A dropped stream detaches from its track: nothing is buffered for it any more.
    fn drop(&mut self) {
        self.queue.close();
    }
}

impl Stream for VideoFrameStream {
    type Item = VideoFrame;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<VideoFrame>> {
        poll_queue(&self.queue, cx).map(|n| match n {
            Next::Item(f) => Some(f),
            _ => None,
        })
    }
}

/// An async stream of an audio track's data. Bounded: when the reader falls behind by more
/// than its capacity, incoming blocks are lost, counted in [`AudioDataStream::overflows`], and
/// the stream yields one `Err` (an `UnknownError` saying how many blocks were lost) before the
/// next data, so a consumer such as a recorder can tell the gap happened.
pub struct AudioDataStream {
    pub(crate) queue: Arc<Queue<AudioData>>,
}

impl AudioDataStream {
    pub(crate) fn new(capacity: usize) -> Self {
        AudioDataStream {
            queue: Queue::new(capacity, false),
        }
    }

    /// Blocks lost because the reader was behind.
    pub fn overflows(&self) -> u64 {
        self.queue.state.lock().dropped
    }

    /// Waits up to `timeout` for the next block. `None` on timeout or when the track ended.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Result<AudioData>> {
        next_audio(wait_next(&self.queue, timeout))
    }

    /// The next block if one is buffered, without waiting.
    pub fn try_recv(&self) -> Option<Result<AudioData>> {
        next_audio(self.queue.state.lock().next())
    }
}

fn next_audio(n: Next<AudioData>) -> Option<Result<AudioData>> {
    match n {
        Next::Item(a) => Some(Ok(a)),
        Next::Overflow(k) => Some(Err(Error::unknown(format!(
            "audio sink overflowed: {k} blocks were lost because the reader was behind"
        )))),
        Next::Closed | Next::Empty => None,
    }
}

impl Drop for AudioDataStream {
    /// A dropped stream detaches from its track.
    fn drop(&mut self) {
        self.queue.close();
    }
}

impl Stream for AudioDataStream {
    type Item = Result<AudioData>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        poll_queue(&self.queue, cx).map(next_audio)
    }
}

/// Identifies a callback sink; pass it to `MediaStreamTrack::remove_sink`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SinkId(pub(crate) u64);

pub(crate) fn next_sink_id() -> SinkId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    SinkId(NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A callback sink of a track.
pub(crate) enum Sink {
    VideoCallback(Arc<dyn Fn(&VideoFrame) + Send + Sync>),
    AudioCallback(Arc<dyn Fn(&AudioData) + Send + Sync>),
    VideoStream(Arc<Queue<VideoFrame>>),
    AudioStream(Arc<Queue<AudioData>>),
}

impl Sink {
    /// `true` for a stream sink whose reader is gone (or that was closed).
    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Sink::VideoStream(q) => q.is_closed(),
            Sink::AudioStream(q) => q.is_closed(),
            _ => false,
        }
    }

    pub(crate) fn close(&self) {
        match self {
            Sink::VideoStream(q) => q.close(),
            Sink::AudioStream(q) => q.close(),
            _ => {}
        }
    }
}
