//! Permission prompts: a weak threadsafe function per JavaScript environment, installed only
//! while the JS layer has a prompt handler ([`set_prompt_handler`]).
//!
//! The library asks from the thread running `getUserMedia` / `getDisplayMedia`; that thread
//! waits until JavaScript answers with [`answer_prompt`] (the JavaScript thread never waits),
//! or until the environment is torn down (a cleanup hook refuses its pending prompts).

use crate::lock;
use mediacapture::PermissionRequest;
use napi::Status;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

/// The JavaScript function permission prompts are delivered to: `(promptId, requestJson)`.
/// Weak (`unref`ed): an installed handler alone never keeps the event loop alive (a pending
/// prompt does, through the pending `getUserMedia` promise).
type PromptSink = ThreadsafeFunction<(u32, String), (), (u32, String), Status, false, true>;

/// Prompt handlers (by environment number) and the prompts waiting for an answer.
#[derive(Default)]
struct Prompts {
    /// The prompt function of each environment that has a handler.
    handlers: HashMap<u32, Arc<PromptSink>>,
    /// Unanswered prompts: id -> (environment, where the answer goes).
    pending: HashMap<u32, (u32, mpsc::SyncSender<bool>)>,
    /// Environments torn down: their promises must not be settled any more (the threadsafe
    /// functions behind them are gone).
    dead: HashSet<u32>,
    next_id: u32,
}

fn prompts() -> &'static Mutex<Prompts> {
    static PROMPTS: OnceLock<Mutex<Prompts>> = OnceLock::new();
    PROMPTS.get_or_init(|| Mutex::new(Prompts::default()))
}

/// The environment cleanup hook (registered with the event sink): environment `n` is torn
/// down. Its pending prompts are refused, so the threads waiting for them go on, and its
/// promises are left alone from now on ([`with_live_env`]).
pub fn env_torn_down(n: u32) {
    let mut p = lock(prompts());
    p.dead.insert(n);
    // Leaked, not dropped: by now Node has closed the prompt function (cleanup hooks run
    // newest first), and a closed function's release fails, which napi-rs asserts on
    // (a panic here, inside a C callback, would abort the process).
    if let Some(h) = p.handlers.remove(&n) {
        std::mem::forget(h);
    }
    p.pending.retain(|_, (e, _)| *e != n);
}

/// Runs `f` (which settles a promise of environment `env`) unless that environment was torn
/// down. The lock orders this against the environment's cleanup hook: once the environment
/// is torn down, its promises' threadsafe functions are gone.
pub fn with_live_env(env: Option<u32>, f: impl FnOnce()) {
    let p = lock(prompts());
    if env.is_some_and(|n| p.dead.contains(&n)) {
        return;
    }
    f();
    drop(p);
}

/// Asks environment `env`'s JavaScript prompt handler, blocking the calling thread (the one
/// running `getUserMedia` / `getDisplayMedia`, never the JavaScript thread) until it answers.
/// `false` without a handler, or when the environment goes away first.
pub fn ask_javascript(env: u32, request: &PermissionRequest) -> bool {
    let (tx, rx) = mpsc::sync_channel(1);
    let (sink, id) = {
        let mut p = lock(prompts());
        let Some(sink) = p.handlers.get(&env).cloned() else {
            return false;
        };
        let mut id = p.next_id;
        while p.pending.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        p.next_id = id.wrapping_add(1);
        p.pending.insert(id, (env, tx));
        (sink, id)
    };
    let text = json!({
        "name": request.name.as_str(),
        "origin": request.origin,
        "devices": request.devices,
    })
    .to_string();
    // NonBlocking: the queue is unbounded. The call never waits for the JavaScript thread, so
    // it cannot deadlock with it or with the event sink.
    let status = sink.call((id, text), ThreadsafeFunctionCallMode::NonBlocking);
    if status != Status::Ok {
        // Closing (a worker being torn down): Node has already dropped the function's thread
        // count, so releasing it again would fail napi-rs's assertion. Leak this reference.
        std::mem::forget(sink);
        lock(prompts()).pending.remove(&id);
        return false;
    }
    drop(sink);
    // The sender is dropped (an error here) when the environment is torn down unanswered.
    rx.recv().unwrap_or(false)
}

/// Installs (a function) or removes (null) environment `env_number`'s prompt function, which
/// is called with `(promptId, requestJson)` (`{"name", "origin", "devices"}`) and must answer
/// each prompt once with [`answer_prompt`]. Without one, prompts are refused. No threadsafe
/// function exists while none is installed; an installed one is weak.
#[napi]
pub fn set_prompt_handler(env_number: u32, handler: Option<PromptSink>) {
    let mut p = lock(prompts());
    match handler {
        Some(h) => {
            p.handlers.insert(env_number, Arc::new(h));
        }
        None => {
            p.handlers.remove(&env_number);
        }
    }
}

/// Answers prompt `id` (`true` allows). Unknown or already answered ids are ignored.
#[napi]
pub fn answer_prompt(id: u32, allowed: bool) {
    let pending = lock(prompts()).pending.remove(&id);
    if let Some((_, tx)) = pending {
        // The channel holds one answer; the receiver waits for it.
        let _ = tx.try_send(allowed);
    }
}
