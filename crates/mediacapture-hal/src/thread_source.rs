//! The one capture-thread helper every backend uses: a named thread that runs a source, a
//! [`Control`] to ask it to stop (or to end with an error) and to wait on, and the
//! [`ThreadSource`] handle that `open` returns.
//!
//! `stop` (or drop) asks the thread to stop, closes the gate in front of the sink (waiting for
//! a sink call in progress to return), then joins the thread, waiting at most [`JOIN_BOUND`]:
//! a thread stuck in a system call it cannot leave is left behind with an error logged rather
//! than blocking the caller forever, and the closed gate keeps the promise that no sink call
//! happens after `stop` returns. Called from the capture thread itself (a sink callback that
//! stops its own source), `stop` only closes the gate and signals: the thread ends after the
//! callback returns.

use crate::clock::{self, Clock, Wake};
use crate::{NativeConfig, Source, SourceEvent, SourceSink};
use mediacapture_frame::{AudioData, VideoFrame};
use mediacapture_types::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak, mpsc};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

/// How long `stop` waits for a capture thread to finish before leaving it behind. Every
/// backend's thread looks at its stop request at least every few hundred milliseconds (and
/// the X11 one bounds each X request), so this only fires for a thread stuck in the system.
pub(crate) const JOIN_BOUND: Duration = Duration::from_secs(5);

/// Stop and end requests for one capture thread, and the condition variable it waits on.
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

/// Why [`Control::wait_until`] returned.
#[derive(Debug)]
pub(crate) enum Wait {
    /// The due time was reached.
    Due,
    /// A stop was asked for: end silently.
    Stop,
    /// [`Control::end`] was called: report `SourceEvent::Ended(Some(error))` and end.
    Ended(Error),
}

impl Control {
    /// A new control, shared by the handle and the thread.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Control::default())
    }

    fn lock(&self) -> MutexGuard<'_, CtlState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks the thread to stop silently.
    pub(crate) fn stop(&self) {
        self.lock().stop = true;
        self.cv.notify_all();
    }

    /// Asks the thread to report `SourceEvent::Ended(Some(error))` and stop (a fake device
    /// unplugged). Ignored once a stop or end was asked for.
    pub(crate) fn end(&self, error: Error) {
        let mut st = self.lock();
        if !st.stop && st.ended.is_none() {
            st.ended = Some(error);
        }
        drop(st);
        self.cv.notify_all();
    }

    /// `true` once a stop (or an end) was asked for.
    #[cfg_attr(
        not(any(feature = "pulse", feature = "v4l2", feature = "x11")),
        allow(dead_code, reason = "used by the real backends")
    )]
    pub(crate) fn stopped(&self) -> bool {
        let st = self.lock();
        st.stop || st.ended.is_some()
    }

    /// Registers this control with `clock`, so that a manual clock's moves wake
    /// [`Control::wait_until`].
    pub(crate) fn register_with(self: &Arc<Self>, clock: &dyn Clock) {
        let weak: Weak<dyn Wake> = Arc::downgrade(self) as Weak<dyn Wake>;
        clock.register(weak);
    }

    /// Waits until `clock` reaches `due_us`, unless asked to stop or end first (which wins
    /// over a due time). The control must be registered with a manual clock
    /// ([`Control::register_with`]) for its moves to wake the wait.
    pub(crate) fn wait_until(&self, clock: &dyn Clock, due_us: i64) -> Wait {
        let guard = self.lock();
        let (mut st, reached) = clock::wait_until(clock, due_us, &self.cv, guard, |s| {
            s.stop || s.ended.is_some()
        });
        if reached {
            return Wait::Due;
        }
        match st.ended.take() {
            Some(e) => {
                st.stop = true;
                Wait::Ended(e)
            }
            None => Wait::Stop,
        }
    }
}

impl Wake for Control {
    fn wake(&self) {
        let _st = self.lock();
        self.cv.notify_all();
    }
}

/// The gate in front of a source's sink: closed by `stop`, after which no call passes.
struct Gate {
    sink: Arc<dyn SourceSink>,
    /// Held for the length of each call, so that closing waits for a call in progress.
    delivering: Mutex<()>,
    closed: AtomicBool,
    /// The capture thread, once known: a call from it that closes the gate (a sink that
    /// stops its own source) must not take `delivering`, which that thread holds.
    thread: Mutex<Option<ThreadId>>,
}

impl Gate {
    fn pass(&self, call: impl FnOnce(&dyn SourceSink)) {
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        let _d = self.delivering.lock().unwrap_or_else(|e| e.into_inner());
        if !self.closed.load(Ordering::SeqCst) {
            call(&*self.sink);
        }
    }

    fn on_capture_thread(&self) -> bool {
        *self.thread.lock().unwrap_or_else(|e| e.into_inner()) == Some(std::thread::current().id())
    }

    fn close(&self) {
        if self.on_capture_thread() {
            self.closed.store(true, Ordering::SeqCst);
        } else {
            let _d = self.delivering.lock().unwrap_or_else(|e| e.into_inner());
            self.closed.store(true, Ordering::SeqCst);
        }
    }
}

impl SourceSink for Gate {
    fn on_video(&self, frame: VideoFrame) {
        self.pass(|s| s.on_video(frame));
    }
    fn on_audio(&self, data: AudioData) {
        self.pass(|s| s.on_audio(data));
    }
    fn on_event(&self, event: SourceEvent) {
        self.pass(|s| s.on_event(event));
    }
}

/// Set when the capture thread's body returned (or panicked).
#[derive(Default)]
struct Done {
    done: Mutex<bool>,
    cv: Condvar,
}

struct DoneOnDrop(Arc<Done>);

impl Drop for DoneOnDrop {
    fn drop(&mut self) {
        *self.0.done.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.0.cv.notify_all();
    }
}

/// A source run by one capture thread: what every backend's `open` returns.
pub(crate) struct ThreadSource {
    config: NativeConfig,
    ctl: Arc<Control>,
    /// Dropped once closed, so that a stopped source no longer holds the sink.
    gate: Option<Arc<Gate>>,
    done: Arc<Done>,
    thread: Option<JoinHandle<()>>,
    join_bound: Duration,
}

/// How the thread body tells `open` whether the device opened: [`Opening::report`].
pub(crate) struct Opening(mpsc::Sender<Result<()>>);

impl Opening {
    /// Reports the outcome of opening the device; `open` returns it.
    pub(crate) fn report(self, outcome: Result<()>) {
        let _ = self.0.send(outcome);
    }
}

impl ThreadSource {
    /// Spawns the capture thread `name` running `body`, which delivers to the sink it is
    /// given (`sink` behind the gate) and returns when `ctl` asks it to stop (or on its own
    /// when the source ends).
    pub(crate) fn spawn(
        name: String,
        config: NativeConfig,
        ctl: Arc<Control>,
        sink: Arc<dyn SourceSink>,
        body: impl FnOnce(Arc<dyn SourceSink>) + Send + 'static,
    ) -> Result<ThreadSource> {
        Self::start(name, config, ctl, sink, move |s, opening: Opening| {
            opening.report(Ok(()));
            body(s);
        })
    }

    /// Like [`ThreadSource::spawn`], for a device opened on the capture thread itself: waits
    /// until `body` reports through its [`Opening`] and returns that error if opening failed
    /// (the thread is then joined). A body that returns without reporting is a
    /// `NotReadableError`.
    #[cfg_attr(
        not(any(feature = "pulse", feature = "v4l2")),
        allow(dead_code, reason = "used by the PulseAudio and V4L2 backends")
    )]
    pub(crate) fn spawn_opening(
        name: String,
        config: NativeConfig,
        ctl: Arc<Control>,
        sink: Arc<dyn SourceSink>,
        body: impl FnOnce(Arc<dyn SourceSink>, Opening) + Send + 'static,
    ) -> Result<ThreadSource> {
        Self::start(name, config, ctl, sink, body)
    }

    fn start(
        name: String,
        config: NativeConfig,
        ctl: Arc<Control>,
        sink: Arc<dyn SourceSink>,
        body: impl FnOnce(Arc<dyn SourceSink>, Opening) + Send + 'static,
    ) -> Result<ThreadSource> {
        let gate = Arc::new(Gate {
            sink,
            delivering: Mutex::new(()),
            closed: AtomicBool::new(false),
            thread: Mutex::new(None),
        });
        let done = Arc::new(Done::default());
        let (tx, rx) = mpsc::channel();
        let thread = {
            let gate = gate.clone();
            let done = DoneOnDrop(done.clone());
            std::thread::Builder::new().name(name).spawn(move || {
                let _done = done;
                *gate.thread.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(std::thread::current().id());
                body(gate, Opening(tx));
            })
        }
        .map_err(|e| Error::not_readable(format!("cannot start a capture thread: {e}")))?;
        let mut source = ThreadSource {
            config,
            ctl,
            gate: Some(gate),
            done,
            thread: Some(thread),
            join_bound: JOIN_BOUND,
        };
        match rx.recv() {
            Ok(Ok(())) => Ok(source),
            Ok(Err(e)) => {
                source.stop();
                Err(e)
            }
            Err(_) => {
                source.stop();
                Err(Error::not_readable("the capture thread failed to start"))
            }
        }
    }
}

impl Source for ThreadSource {
    fn config(&self) -> &NativeConfig {
        &self.config
    }

    fn stop(&mut self) {
        self.ctl.stop();
        if let Some(gate) = self.gate.take() {
            gate.close();
        }
        let Some(t) = self.thread.take() else {
            return;
        };
        if t.thread().id() == std::thread::current().id() {
            // A sink callback stopping its own source: the thread ends once it returns.
            return;
        }
        let deadline = Instant::now() + self.join_bound;
        let mut done = self.done.done.lock().unwrap_or_else(|e| e.into_inner());
        while !*done {
            let now = Instant::now();
            if now >= deadline {
                tracing::error!(
                    "capture thread {:?} did not stop within {} ms; leaving it behind",
                    t.thread().name().unwrap_or("?"),
                    self.join_bound.as_millis()
                );
                return;
            }
            done = match self.done.cv.wait_timeout(done, deadline - now) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        drop(done);
        let _ = t.join();
    }
}

impl Drop for ThreadSource {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[derive(Default)]
    struct Count(AtomicUsize);
    impl SourceSink for Count {
        fn on_video(&self, _: VideoFrame) {}
        fn on_audio(&self, _: AudioData) {}
        fn on_event(&self, _: SourceEvent) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn config() -> NativeConfig {
        NativeConfig::Video(mediacapture_types::native::VideoMode {
            width: 1,
            height: 1,
            frame_rate: 1.0,
        })
    }

    #[test]
    fn a_stuck_thread_does_not_block_stop_forever_and_cannot_deliver_after_it() {
        let sink = Arc::new(Count::default());
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (stuck_tx, stuck_rx) = mpsc::channel::<()>();
        let (after_tx, after_rx) = mpsc::channel::<()>();
        let mut src = ThreadSource::spawn(
            "stuck".into(),
            config(),
            Control::new(),
            sink.clone(),
            move |s| {
                // Ignores its stop request, as a thread blocked in a system call would.
                stuck_tx.send(()).unwrap();
                let _ = release_rx.recv();
                s.on_event(SourceEvent::Muted);
                after_tx.send(()).unwrap();
            },
        )
        .unwrap();
        src.join_bound = Duration::from_millis(50);
        stuck_rx.recv().unwrap();
        // Returns once the bound is over although the thread is stuck: no timing is
        // asserted, only that it returns.
        src.stop();
        release_tx.send(()).unwrap();
        after_rx.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(
            sink.0.load(Ordering::SeqCst),
            0,
            "the closed gate dropped the call"
        );
    }

    #[test]
    fn a_failed_opening_is_returned_and_the_thread_joined() {
        let sink = Arc::new(Count::default());
        let e = ThreadSource::spawn_opening(
            "fails".into(),
            config(),
            Control::new(),
            sink.clone(),
            |_, opening| opening.report(Err(Error::not_found("gone"))),
        )
        .map(|_| ())
        .unwrap_err();
        assert_eq!(e.kind, mediacapture_types::ErrorKind::NotFoundError);
        assert_eq!(Arc::strong_count(&sink), 1);
        let e =
            ThreadSource::spawn_opening("silent".into(), config(), Control::new(), sink, |_, _| {})
                .map(|_| ())
                .unwrap_err();
        assert_eq!(e.kind, mediacapture_types::ErrorKind::NotReadableError);
    }
}
