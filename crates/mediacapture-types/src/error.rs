//! The one error type of the library, with kinds named after the DOMException they map to.

use std::fmt;

/// What went wrong, named after the `DOMException` (or ECMAScript error) a browser would raise.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#methods-5> (error precedence of getUserMedia)
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No device of a requested kind exists. Retrying helps only after a device appears.
    NotFoundError,
    /// Permission was denied, by policy, by the user or by the UA. Retrying does not help
    /// until the permission changes.
    NotAllowedError,
    /// The device exists but could not be opened (busy, hardware or OS error). A retry may help.
    NotReadableError,
    /// No settings satisfy the required constraints. `constraint` names the first one that
    /// could not be met, or is empty when device information may not be exposed.
    OverconstrainedError {
        /// The name of the constraint that failed (e.g. `"width"`), or `""`.
        constraint: String,
    },
    /// The call is not valid in the object's current state (e.g. `pause()` on an inactive
    /// recorder).
    InvalidStateError,
    /// The operation was aborted for a reason other than the above.
    AbortError,
    /// A security rule forbids the operation.
    SecurityError,
    /// Arguments have the wrong type or shape (WebIDL conversion failures, `{video:false}`).
    TypeError,
    /// The requested type, container or codec is not supported (MediaRecorder).
    NotSupportedError,
    /// The set of tracks of a stream changed while recording.
    InvalidModificationError,
    /// An index or size is out of the allowed range (a negative arc radius, an image of
    /// width 0).
    IndexSizeError,
    /// An ECMAScript `RangeError`: a value too large to represent (image data that cannot be
    /// allocated).
    RangeError,
    /// An argument is not valid for the object it is applied to (WebRTC: a description or
    /// parameters the peer connection cannot accept; Web Audio: connecting nodes of different
    /// contexts). Retrying with the same input does not help.
    InvalidAccessError,
    /// An operation failed for an operation-specific reason (WebRTC's `RTCError`: malformed
    /// SDP, a candidate that cannot be added, a closed peer connection's pending operations).
    OperationError,
    /// A string could not be parsed (WebRTC: an ICE server URL).
    SyntaxError,
    /// An error with no more specific kind (e.g. I/O failure while recording).
    UnknownError,
}

impl ErrorKind {
    /// The DOMException `name` (or `"TypeError"`), exactly as JavaScript would see it.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::NotFoundError => "NotFoundError",
            ErrorKind::NotAllowedError => "NotAllowedError",
            ErrorKind::NotReadableError => "NotReadableError",
            ErrorKind::OverconstrainedError { .. } => "OverconstrainedError",
            ErrorKind::InvalidStateError => "InvalidStateError",
            ErrorKind::AbortError => "AbortError",
            ErrorKind::SecurityError => "SecurityError",
            ErrorKind::TypeError => "TypeError",
            ErrorKind::NotSupportedError => "NotSupportedError",
            ErrorKind::InvalidModificationError => "InvalidModificationError",
            ErrorKind::IndexSizeError => "IndexSizeError",
            ErrorKind::RangeError => "RangeError",
            ErrorKind::InvalidAccessError => "InvalidAccessError",
            ErrorKind::OperationError => "OperationError",
            ErrorKind::SyntaxError => "SyntaxError",
            ErrorKind::UnknownError => "UnknownError",
        }
    }
}

/// An error: a kind named after the spec's DOMException, and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// What kind of failure this is.
    pub kind: ErrorKind,
    /// A human-readable explanation. Not meant to be matched on.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::OverconstrainedError { constraint } if !constraint.is_empty() => {
                write!(f, "OverconstrainedError ({constraint}): {}", self.message)
            }
            kind => write!(f, "{}: {}", kind.name(), self.message),
        }
    }
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }
    /// `NotFoundError`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFoundError, message)
    }
    /// `NotAllowedError`.
    pub fn not_allowed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotAllowedError, message)
    }
    /// `NotReadableError`.
    pub fn not_readable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotReadableError, message)
    }
    /// `OverconstrainedError` naming `constraint` (may be `""`).
    pub fn overconstrained(constraint: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::OverconstrainedError {
                constraint: constraint.into(),
            },
            message,
        )
    }
    /// `InvalidStateError`.
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidStateError, message)
    }
    /// `AbortError`.
    pub fn abort(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::AbortError, message)
    }
    /// `TypeError`.
    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::TypeError, message)
    }
    /// `NotSupportedError`.
    pub fn not_supported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotSupportedError, message)
    }
    /// `IndexSizeError`.
    pub fn index_size(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::IndexSizeError, message)
    }
    /// `RangeError`.
    pub fn range_error(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::RangeError, message)
    }
    /// `InvalidAccessError`.
    pub fn invalid_access(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidAccessError, message)
    }
    /// `OperationError`.
    pub fn operation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::OperationError, message)
    }
    /// `SyntaxError`.
    pub fn syntax(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::SyntaxError, message)
    }
    /// `UnknownError`.
    pub fn unknown(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::UnknownError, message)
    }
    /// The DOMException name of this error.
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }
    /// The error as JSON, the one shape every boundary uses (the CLI's `--json` output, the
    /// Node addon): `{"name", "message"}`, plus `"constraint"` for an `OverconstrainedError`,
    /// as a browser's DOMException / OverconstrainedError shows them.
    ///
    /// ```
    /// use mediacapture_types::Error;
    /// let e = Error::overconstrained("width", "too wide");
    /// assert_eq!(
    ///     e.to_json().to_string(),
    ///     r#"{"constraint":"width","message":"too wide","name":"OverconstrainedError"}"#
    /// );
    /// assert_eq!(Error::from_json(&e.to_json()), Some(e));
    /// let e = Error::index_size("the radius is negative");
    /// assert_eq!(e.to_json()["name"], "IndexSizeError");
    /// assert_eq!(Error::from_json(&e.to_json()), Some(e));
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({ "name": self.name(), "message": self.message });
        if let Some(c) = self.constraint() {
            v["constraint"] = serde_json::Value::String(c.to_string());
        }
        v
    }

    /// The error of a [`Error::to_json`] value; `None` when `v` is not one (an unknown name
    /// is an `UnknownError`).
    pub fn from_json(v: &serde_json::Value) -> Option<Error> {
        let name = v.get("name")?.as_str()?;
        let message = v.get("message").and_then(|m| m.as_str()).unwrap_or("");
        let kind = match name {
            "NotFoundError" => ErrorKind::NotFoundError,
            "NotAllowedError" => ErrorKind::NotAllowedError,
            "NotReadableError" => ErrorKind::NotReadableError,
            "OverconstrainedError" => ErrorKind::OverconstrainedError {
                constraint: v
                    .get("constraint")
                    .and_then(|c| c.as_str())
                    .unwrap_or("")
                    .to_string(),
            },
            "InvalidStateError" => ErrorKind::InvalidStateError,
            "AbortError" => ErrorKind::AbortError,
            "SecurityError" => ErrorKind::SecurityError,
            "TypeError" => ErrorKind::TypeError,
            "NotSupportedError" => ErrorKind::NotSupportedError,
            "InvalidModificationError" => ErrorKind::InvalidModificationError,
            "IndexSizeError" => ErrorKind::IndexSizeError,
            "RangeError" => ErrorKind::RangeError,
            "InvalidAccessError" => ErrorKind::InvalidAccessError,
            "OperationError" => ErrorKind::OperationError,
            "SyntaxError" => ErrorKind::SyntaxError,
            _ => ErrorKind::UnknownError,
        };
        Some(Error::new(kind, message))
    }

    /// The failed constraint of an `OverconstrainedError`, `None` for other kinds.
    pub fn constraint(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::OverconstrainedError { constraint } => Some(constraint),
            _ => None,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
