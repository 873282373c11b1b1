//! Event delivery: ONE weak threadsafe function per JavaScript environment, called from the
//! library's event thread, so JavaScript receives events in the order they were fired.
//!
//! The function is weak: it never keeps node's event loop alive by itself (the JS layer
//! decides that, from what waits for events). Target ids carry their environment (the main
//! thread, or a worker that loaded the addon) in their top 8 bits.

use crate::{lock, prompt};
use napi::bindgen_prelude::AsyncTask;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, Task};
use napi_derive::napi;
use std::sync::{Arc, Mutex, OnceLock};

/// The one JavaScript function events are delivered to: `(targetId, type, payloadJson)`.
/// Weak (`unref`ed): it never keeps the event loop alive by itself.
type EventSink =
    ThreadsafeFunction<(u32, String, String), (), (u32, String, String), Status, false, true>;

/// Event sinks, one per JavaScript environment, by environment number.
fn sinks() -> &'static Mutex<Vec<Arc<EventSink>>> {
    static SINKS: OnceLock<Mutex<Vec<Arc<EventSink>>>> = OnceLock::new();
    SINKS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Bits of a target id that number targets within one environment.
pub const TARGET_BITS: u32 = 24;

/// The environment number of a target (or reader) id.
pub fn env_of(target: u32) -> u32 {
    target >> TARGET_BITS
}

/// Queues an event for JavaScript. Called from the library's event thread only, so the order
/// of calls is the order of the events.
pub fn emit(target: u32, event_type: &str, payload: String) {
    let sink = lock(sinks()).get(env_of(target) as usize).cloned();
    if let Some(sink) = sink {
        // NonBlocking: the queue is unbounded; a closing environment just drops the event.
        let _ = sink.call(
            (target, event_type.to_string(), payload),
            ThreadsafeFunctionCallMode::NonBlocking,
        );
    }
}

/// Registers the function this JavaScript environment's events are delivered to (called once
/// per environment by the JS layer). Returns the environment's number: its target ids are
/// `number << 24 | n` with `n` below 2^24.
#[napi]
pub fn set_event_sink(env: &Env, callback: EventSink) -> napi::Result<u32> {
    let mut list = lock(sinks());
    let n = u32::try_from(list.len())
        .ok()
        .filter(|n| *n < 1 << (32 - TARGET_BITS))
        .ok_or_else(|| napi::Error::from_reason("too many JavaScript environments"))?;
    // When the environment is torn down (a terminated worker): its pending prompts are
    // refused, so the threads waiting for them go on, and its promises are left alone.
    env.add_env_cleanup_hook(n, prompt::env_torn_down)?;
    list.push(Arc::new(callback));
    Ok(n)
}

/// Resolves once every event queued so far has been handed to JavaScript's queue (for tests
/// and orderly shutdown). Runs on the thread pool (the wait is for the event thread only).
#[napi]
pub fn flush_events() -> AsyncTask<FlushTask> {
    AsyncTask::new(FlushTask)
}

/// The work of [`flush_events`].
pub struct FlushTask;

impl Task for FlushTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        mediacapture::flush_events();
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> napi::Result<()> {
        Ok(())
    }
}
