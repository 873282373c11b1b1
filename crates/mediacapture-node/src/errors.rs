//! How errors cross the boundary: one way.
//!
//! Every failing call throws (synchronous calls) or rejects its promise with (asynchronous
//! ones) a JavaScript `Error` whose `code` is `"GenericFailure"` and whose message is the JSON
//! text of [`mediacapture::Error::to_json`]: `{"name", "message"}`, plus `"constraint"` for an
//! `OverconstrainedError`. The JS layer's `errorFrom` (`lib/errors.js`) turns it into the
//! `DOMException`, `OverconstrainedError`, `TypeError` or `RangeError` a browser would raise.
//! Argument checks made here (an unknown permission name, an unsupported pixel format) are
//! `mediacapture::Error`s too (`TypeError`), so they take the same path. The recorder's
//! `error` event carries the same JSON text.

use mediacapture::Error;
use napi::Status;

/// `mediacapture::Error` as the napi error thrown to JavaScript.
pub fn js_error(e: &Error) -> napi::Error {
    napi::Error::new(Status::GenericFailure, e.to_json().to_string())
}

/// A `TypeError` with `message`, thrown the same way.
pub fn type_error(message: impl Into<String>) -> napi::Error {
    js_error(&Error::type_error(message))
}

/// A library result on the one error path.
pub fn js<T>(r: mediacapture::Result<T>) -> napi::Result<T> {
    r.map_err(|e| js_error(&e))
}
