//! What the recorder fires: `BlobEvent`s with their `Blob`s, and the other events.

use mediacapture_types::Error;
use std::sync::Arc;

/// A `Blob`: immutable bytes with a MIME type. Cloning shares the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    data: Arc<[u8]>,
    type_: String,
}

impl Blob {
    /// A blob of `data` with type `type_`.
    pub fn new(data: impl Into<Arc<[u8]>>, type_: impl Into<String>) -> Self {
        Blob {
            data: data.into(),
            type_: type_.into(),
        }
    }
    /// `size`.
    pub fn size(&self) -> usize {
        self.data.len()
    }
    /// `type`: the recorder's full MIME type (e.g. `video/webm;codecs=vp8,opus`).
    pub fn type_(&self) -> &str {
        &self.type_
    }
    /// The bytes.
    pub fn data(&self) -> &Arc<[u8]> {
        &self.data
    }
}

/// `BlobEvent`. Spec: <https://w3c.github.io/mediacapture-record/#blobevent-section>
#[derive(Debug, Clone, PartialEq)]
pub struct BlobEvent {
    /// `data`.
    pub data: Blob,
    /// `timecode` in milliseconds: 0 for the first event of a recording, then how long after
    /// the recording's first chunk the blob's first chunk was captured (never decreasing).
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#dom-blobevent-timecode>
    pub timecode: f64,
}

/// An event for the page, in the order the recorder fires them.
#[derive(Debug, Clone, PartialEq)]
pub enum RecorderEvent {
    /// `start`.
    Start,
    /// `stop`.
    Stop,
    /// `pause`.
    Pause,
    /// `resume`.
    Resume,
    /// `dataavailable` (a BlobEvent).
    DataAvailable(BlobEvent),
    /// `error` (an ErrorEvent whose `error.name` is the kind's name).
    Error(Error),
}

impl RecorderEvent {
    /// The event `type`.
    pub fn type_(&self) -> &'static str {
        match self {
            RecorderEvent::Start => "start",
            RecorderEvent::Stop => "stop",
            RecorderEvent::Pause => "pause",
            RecorderEvent::Resume => "resume",
            RecorderEvent::DataAvailable(_) => "dataavailable",
            RecorderEvent::Error(_) => "error",
        }
    }
}
