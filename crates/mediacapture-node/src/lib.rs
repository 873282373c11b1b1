//! The native half of the `mediacapture` Node.js addon.
//!
//! This crate exposes thin handles over the `mediacapture` crates to JavaScript: a
//! [`devices::NativeDevices`] (one `MediaDevices` for an origin), [`stream::NativeStream`],
//! [`track::NativeTrack`], [`frames::NativeFrameReader`], [`generator::NativeGenerator`], [`recorder::NativeRecorder`], and
//! the sources of `mediacapture-sources` ([`media_file::NativeMediaFile`],
//! [`canvas::NativeCanvas`] with its 2D context), media elements
//! ([`media_element::NativeMediaElement`]) Web Audio ([`audio_context::NativeAudioContext`]) and WebRTC ([`rtc::NativePeerConnection`]). The DOM shapes (`EventTarget` subclasses,
//! `DOMException`s, WebIDL conversion of JavaScript values, event handler attributes) live in
//! the package's `lib/*.js`, which is the only intended user of these handles.
//!
//! Conventions of the boundary:
//! - dictionaries cross as JSON text (the JS layer converts JavaScript values as WebIDL would
//!   into JSON; `from_json` here finishes the conversion with the same rules the Rust API
//!   uses);
//! - errors cross one way ([`errors`]): a failing call throws (or its promise rejects with) a
//!   JavaScript `Error` whose message is `mediacapture::Error::to_json()` text, which one JS
//!   function turns into the DOMException, OverconstrainedError or TypeError;
//! - work that may block briefly (enumerating, applying constraints) runs on libuv's thread
//!   pool, so the JavaScript thread never blocks; `getUserMedia` / `getDisplayMedia`, which
//!   may wait for a permission prompt as long as the user takes, run on a thread of their own
//!   and settle a promise; nothing ever parks a pool thread waiting for media;
//! - every event the library fires goes through ONE weak threadsafe function per JavaScript
//!   environment ([`events`]), so JavaScript receives events in the order they were fired;
//! - frames and audio are pushed ([`frames`]): each reader asks for one item at a time, and
//!   the track's own bounded stream wakes it when one is there;
//! - permission prompts go to a weak threadsafe function per environment ([`prompt`]).

pub mod audio_context;
pub mod canvas;
pub mod devices;
pub mod diagnostics;
pub mod errors;
pub mod events;
pub mod frames;
pub mod generator;
pub mod media_element;
pub mod media_file;
pub mod prompt;
pub mod recorder;
pub mod rtc;
pub mod stream;
pub mod track;

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, ignoring poisoning (a panic elsewhere must not take the addon down with it).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A serialisable value as JSON text (`{}` if it cannot be serialised, which does not happen
/// for the library's dictionaries).
pub(crate) fn to_json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}
