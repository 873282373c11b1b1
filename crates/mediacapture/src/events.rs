//! Events: queued tasks on event loops, listener closures, and async event streams.
//!
//! Every event the library fires is delivered by a *task* queued on an [`EventLoop`], in the
//! order the tasks were queued, and never while an internal lock is held: a listener may call
//! any method of the library. A listener that panics does not stop delivery to the other
//! listeners or of later events.
//!
//! Each `MediaDevices` has an event loop of its own (a browser has one per document): its
//! `devicechange`, and every event of the tracks, streams and recorders made from it, are
//! tasks on that loop, so a slow listener of one `MediaDevices` never delays another's
//! events. Objects made without a `MediaDevices` (canvas and file tracks) use the shared
//! [`EventLoop::global`] loop. A loop runs its tasks on a thread of its own, started at its
//! first task and ended when the last handle to the loop is gone.
//!
//! Spec: <https://html.spec.whatwg.org/multipage/webappapis.html#queue-a-task>

use futures_core::Stream;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, Poll, Waker};
use std::thread::ThreadId;

type Task = Box<dyn FnOnce() + Send>;

/// The name of every event-loop thread.
const THREAD_NAME: &str = "mediacapture-events";

struct LoopShared {
    /// The thread's name.
    name: &'static str,
    state: Mutex<LoopState>,
    cv: Condvar,
}

#[derive(Default)]
struct LoopState {
    tasks: VecDeque<Task>,
    /// The loop's thread, once started.
    thread: Option<ThreadId>,
    /// The thread could not be started: tasks run on the queueing thread.
    inline: bool,
    /// Live [`EventLoop`] handles; the thread ends when none is left and no task waits.
    handles: usize,
}

fn registry() -> &'static Mutex<Vec<Weak<LoopShared>>> {
    static LOOPS: OnceLock<Mutex<Vec<Weak<LoopShared>>>> = OnceLock::new();
    LOOPS.get_or_init(|| Mutex::new(Vec::new()))
}

/// A queue of tasks run in order on a thread of its own: what the HTML spec calls an event
/// loop. Cloning copies the handle.
pub struct EventLoop {
    shared: Arc<LoopShared>,
}

impl std::fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoop")
            .field("queued", &self.shared.state.lock().tasks.len())
            .finish()
    }
}

impl Default for EventLoop {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for EventLoop {
    fn clone(&self) -> Self {
        self.shared.state.lock().handles += 1;
        EventLoop {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        let mut s = self.shared.state.lock();
        s.handles = s.handles.saturating_sub(1);
        if s.handles == 0 {
            drop(s);
            self.shared.cv.notify_all();
        }
    }
}

impl PartialEq for EventLoop {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}
impl Eq for EventLoop {}

impl EventLoop {
    /// A new loop. Its thread starts with its first task.
    pub fn new() -> Self {
        let l = Self::unregistered(THREAD_NAME);
        let mut reg = registry().lock();
        reg.retain(|w| w.strong_count() > 0);
        reg.push(Arc::downgrade(&l.shared));
        l
    }

    /// A serial queue that [`flush_events`] does not wait for: the library's request workers
    /// (a job there can wait for a permission prompt as long as the user takes).
    pub(crate) fn unregistered(name: &'static str) -> Self {
        EventLoop {
            shared: Arc::new(LoopShared {
                name,
                state: Mutex::new(LoopState {
                    handles: 1,
                    ..Default::default()
                }),
                cv: Condvar::new(),
            }),
        }
    }

    /// The loop shared by objects that belong to no `MediaDevices` (canvas and file tracks),
    /// and by [`queue_task`].
    pub fn global() -> EventLoop {
        static GLOBAL: OnceLock<EventLoop> = OnceLock::new();
        GLOBAL.get_or_init(EventLoop::new).clone()
    }

    /// Queues `task` to run on this loop after every task queued on it before.
    pub fn queue(&self, task: impl FnOnce() + Send + 'static) {
        let mut s = self.shared.state.lock();
        if s.inline {
            drop(s);
            run(Box::new(task));
            return;
        }
        s.tasks.push_back(Box::new(task));
        if s.thread.is_none() {
            let shared = self.shared.clone();
            let spawned = std::thread::Builder::new()
                .name(self.shared.name.into())
                .spawn(move || run_loop(shared));
            match spawned {
                Ok(h) => s.thread = Some(h.thread().id()),
                Err(e) => {
                    // Without a thread, tasks run inline on the queueing thread.
                    tracing::error!("cannot start an event thread: {e}");
                    s.inline = true;
                    let tasks = std::mem::take(&mut s.tasks);
                    drop(s);
                    tasks.into_iter().for_each(run);
                    return;
                }
            }
        }
        drop(s);
        self.shared.cv.notify_all();
    }

    /// `true` on this loop's own thread (inside one of its tasks).
    pub fn is_current(&self) -> bool {
        self.shared.state.lock().thread == Some(std::thread::current().id())
    }

    /// Blocks until every task queued on this loop before the call has run. Returns at once
    /// when called from this loop's own thread (it would wait for itself).
    pub fn flush(&self) {
        flush_shared(&self.shared);
    }
}

fn flush_shared(shared: &Arc<LoopShared>) {
    {
        let s = shared.state.lock();
        if s.thread == Some(std::thread::current().id()) || s.thread.is_none() || s.inline {
            return;
        }
    }
    let (tx, rx) = mpsc::channel::<()>();
    EventLoop::queue_on(shared, move || {
        let _ = tx.send(());
    });
    let _ = rx.recv();
}

impl EventLoop {
    fn queue_on(shared: &Arc<LoopShared>, task: impl FnOnce() + Send + 'static) {
        shared.state.lock().handles += 1;
        let handle = EventLoop {
            shared: shared.clone(),
        };
        handle.queue(task);
    }
}

fn run(task: Task) {
    if catch_unwind(AssertUnwindSafe(task)).is_err() {
        tracing::error!("an event task panicked; delivery goes on");
    }
}

fn run_loop(shared: Arc<LoopShared>) {
    loop {
        let task = {
            let mut s = shared.state.lock();
            loop {
                if let Some(t) = s.tasks.pop_front() {
                    break Some(t);
                }
                if s.handles == 0 {
                    // A later task (a flush racing with the last handle's drop) starts a new
                    // thread.
                    s.thread = None;
                    break None;
                }
                shared.cv.wait(&mut s);
            }
        };
        match task {
            Some(t) => run(t),
            None => return,
        }
    }
}

/// Queues `task` on the [`EventLoop::global`] loop.
pub fn queue_task(task: impl FnOnce() + Send + 'static) {
    EventLoop::global().queue(task);
}

/// Blocks until every task queued before this call, on every event loop, has run (and so
/// every event they fire). Useful in tests and at shutdown. Called from an event listener it
/// skips that listener's own loop (it would wait for itself).
pub fn flush_events() {
    let loops: Vec<Arc<LoopShared>> = {
        let mut reg = registry().lock();
        reg.retain(|w| w.strong_count() > 0);
        reg.iter().filter_map(Weak::upgrade).collect()
    };
    for shared in &loops {
        flush_shared(shared);
    }
}

/// A registered listener, returned by `add_event_listener`; pass it to
/// `remove_event_listener` to unregister.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

type Listener<E> = Arc<dyn Fn(&E) + Send + Sync>;

struct StreamShared<E> {
    queue: VecDeque<E>,
    waker: Option<Waker>,
    closed: bool,
}

/// The listeners of one event target, and the streams reading its events.
///
/// Public for crates that build their own targets (the recorder, the Node addon); call
/// [`EventTarget::dispatch`] only from inside a [`queue_task`] task.
pub struct EventTarget<E> {
    inner: Mutex<TargetInner<E>>,
}

struct TargetInner<E> {
    next_id: u64,
    listeners: Vec<(ListenerId, Listener<E>)>,
    streams: Vec<Weak<Mutex<StreamShared<E>>>>,
}

impl<E: Clone + Send + 'static> Default for EventTarget<E> {
    fn default() -> Self {
        EventTarget {
            inner: Mutex::new(TargetInner {
                next_id: 0,
                listeners: Vec::new(),
                streams: Vec::new(),
            }),
        }
    }
}

impl<E: Clone + Send + 'static> EventTarget<E> {
    /// Registers a listener.
    pub fn add(&self, listener: impl Fn(&E) + Send + Sync + 'static) -> ListenerId {
        let mut inner = self.inner.lock();
        inner.next_id += 1;
        let id = ListenerId(inner.next_id);
        inner.listeners.push((id, Arc::new(listener)));
        id
    }

    /// Unregisters a listener; `false` if it was not registered.
    pub fn remove(&self, id: ListenerId) -> bool {
        let mut inner = self.inner.lock();
        let before = inner.listeners.len();
        inner.listeners.retain(|(l, _)| *l != id);
        inner.listeners.len() != before
    }

    /// An async stream of the events fired from now on.
    pub fn stream(&self) -> EventStream<E> {
        let shared = Arc::new(Mutex::new(StreamShared {
            queue: VecDeque::new(),
            waker: None,
            closed: false,
        }));
        self.inner.lock().streams.push(Arc::downgrade(&shared));
        EventStream { shared }
    }

    /// Delivers `event` to every listener and stream, on the calling thread. Call only from a
    /// queued task. No lock is held while listeners run.
    pub fn dispatch(&self, event: &E) {
        let (listeners, streams) = {
            let mut inner = self.inner.lock();
            inner.streams.retain(|s| s.strong_count() > 0);
            (inner.listeners.clone(), inner.streams.clone())
        };
        for (_, listener) in listeners {
            if catch_unwind(AssertUnwindSafe(|| listener(event))).is_err() {
                tracing::error!("an event listener panicked; other listeners still run");
            }
        }
        for s in streams.iter().filter_map(Weak::upgrade) {
            let waker = {
                let mut s = s.lock();
                s.queue.push_back(event.clone());
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }

    /// Ends every stream of this target (they yield `None` once drained).
    pub fn close_streams(&self) {
        let streams = std::mem::take(&mut self.inner.lock().streams);
        for s in streams.iter().filter_map(Weak::upgrade) {
            let waker = {
                let mut s = s.lock();
                s.closed = true;
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

/// An async stream of a target's events, in the order they were fired. Runtime-agnostic: it
/// implements [`futures_core::Stream`] and works with any executor.
///
/// The stream buffers every event fired after it was created until it is read.
pub struct EventStream<E> {
    shared: Arc<Mutex<StreamShared<E>>>,
}

impl<E> EventStream<E> {
    /// The next event if one is buffered, without waiting.
    pub fn try_next(&self) -> Option<E> {
        self.shared.lock().queue.pop_front()
    }
}

impl<E> Stream for EventStream<E> {
    type Item = E;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<E>> {
        let mut s = self.shared.lock();
        if let Some(e) = s.queue.pop_front() {
            return Poll::Ready(Some(e));
        }
        if s.closed {
            return Poll::Ready(None);
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<E> std::fmt::Debug for EventStream<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("buffered", &self.shared.lock().queue.len())
            .finish()
    }
}
