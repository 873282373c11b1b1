//! Events: queued tasks on one event thread, listener closures, and async event streams.
//!
//! Every event the library fires is delivered by a *task* queued on a process-wide event
//! thread, in the order the tasks were queued, and never while an internal lock is held: a
//! listener may call any method of the library. A listener that panics does not stop delivery
//! to the other listeners or of later events.
//!
//! Spec: <https://html.spec.whatwg.org/multipage/webappapis.html#queue-a-task>

use futures_core::Stream;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Context, Poll, Waker};

type Task = Box<dyn FnOnce() + Send>;

fn event_loop() -> &'static Mutex<mpsc::Sender<Task>> {
    static LOOP: OnceLock<Mutex<mpsc::Sender<Task>>> = OnceLock::new();
    LOOP.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Task>();
        let spawned = std::thread::Builder::new()
            .name("mediacapture-events".into())
            .spawn(move || {
                while let Ok(task) = rx.recv() {
                    if catch_unwind(AssertUnwindSafe(task)).is_err() {
                        tracing::error!("an event task panicked; delivery goes on");
                    }
                }
            });
        if let Err(e) = spawned {
            // Without a thread, tasks run inline on the queueing thread (see queue_task).
            tracing::error!("cannot start the event thread: {e}");
        }
        Mutex::new(tx)
    })
}

/// Queues `task` to run on the event thread after every task queued before it.
///
/// For crates that build their own event targets on the library's event thread (the
/// recorder, the Node addon): fire events only from inside a task.
pub fn queue_task(task: impl FnOnce() + Send + 'static) {
    let sent = event_loop().lock().send(Box::new(task));
    if let Err(mpsc::SendError(task)) = sent {
        // The event thread could not start: run the task here rather than lose it.
        task();
    }
}

/// Blocks until every task queued before this call (and so every event they fire) has run.
///
/// Useful in tests and at shutdown. Must not be called from an event listener (it would wait
/// for itself): there it returns at once.
pub fn flush_events() {
    if std::thread::current().name() == Some("mediacapture-events") {
        return;
    }
    let (tx, rx) = mpsc::channel::<()>();
    queue_task(move || {
        let _ = tx.send(());
    });
    let _ = rx.recv();
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
