//! The state machine's inputs and outputs that are not method calls: the tracks it records,
//! the commands it gives the engine, and the engine's answers.

use crate::recording::RecordingSettings;
use mediacapture_types::Error;

/// The kind of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackKind {
    /// `"audio"`.
    Audio,
    /// `"video"`.
    Video,
}

/// What the recorder needs to know of a track of the recorded stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInfo {
    /// The track's `id`.
    pub id: String,
    /// The track's `kind`.
    pub kind: TrackKind,
    /// `readyState == "live"`.
    pub live: bool,
}

impl TrackInfo {
    /// A live track.
    pub fn live(id: impl Into<String>, kind: TrackKind) -> Self {
        TrackInfo {
            id: id.into(),
            kind,
            live: true,
        }
    }
}

/// What the state machine asks of the engine (encoders, muxers, outputs). Carry commands out
/// in the order [`RecorderCore::poll_command`](crate::RecorderCore::poll_command) gives them, on the one thread that owns the
/// engine, and hand every answer back with [`RecorderCore::handle_report`](crate::RecorderCore::handle_report). Commands that
/// carry a `ticket` must be answered with that ticket, even by an engine that failed (then
/// with empty data), so that the tasks waiting for them can run.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineCommand {
    /// Start recording session `session`: answer [`EngineReport::Started`] or
    /// [`EngineReport::StartFailed`].
    Start {
        /// The session.
        session: u64,
        /// The answer's ticket.
        ticket: u64,
        /// What to record, and how.
        settings: RecordingSettings,
    },
    /// Stop gathering data into the blob, keeping it (`pause()`).
    Pause {
        /// The session.
        session: u64,
    },
    /// Gather into the same blob again (`resume()`).
    Resume {
        /// The session.
        session: u64,
    },
    /// Hand over the data gathered so far and gather into a new blob: answer
    /// [`EngineReport::Blob`].
    TakeBlob {
        /// The session.
        session: u64,
        /// The answer's ticket.
        ticket: u64,
    },
    /// A recorded track delivers nothing more: write what its encoder holds and stop
    /// waiting for it.
    TrackEnded {
        /// The session.
        session: u64,
        /// The track's id.
        track_id: String,
    },
    /// Stop gathering data, flush, finalize the file: answer [`EngineReport::Blob`] with the
    /// last data, and the error that stopped the engine, if any. The session's last command.
    Finish {
        /// The session.
        session: u64,
        /// The answer's ticket.
        ticket: u64,
    },
}

impl EngineCommand {
    /// The session the command is for.
    pub fn session(&self) -> u64 {
        match self {
            EngineCommand::Start { session, .. }
            | EngineCommand::Pause { session }
            | EngineCommand::Resume { session }
            | EngineCommand::TakeBlob { session, .. }
            | EngineCommand::TrackEnded { session, .. }
            | EngineCommand::Finish { session, .. } => *session,
        }
    }
}

/// What the engine tells the state machine.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineReport {
    /// [`EngineCommand::Start`] succeeded: recording.
    Started {
        /// The command's ticket.
        ticket: u64,
    },
    /// [`EngineCommand::Start`] failed (e.g. the output file cannot be created).
    StartFailed {
        /// The command's ticket.
        ticket: u64,
        /// Why.
        error: Error,
    },
    /// Media was gathered: the current blob spans `span_us` of media in `bytes` bytes (for the
    /// timeslice).
    Gathered {
        /// The session.
        session: u64,
        /// Media time from the blob's first packet to its newest.
        span_us: i64,
        /// Bytes in the blob.
        bytes: usize,
    },
    /// The data asked for by [`EngineCommand::TakeBlob`] or [`EngineCommand::Finish`].
    Blob {
        /// The command's ticket.
        ticket: u64,
        /// The bytes.
        data: Vec<u8>,
        /// `BlobEvent.timecode`.
        timecode: f64,
        /// [`EngineCommand::Finish`]: the error that stopped the engine, if any.
        error: Option<Error>,
    },
    /// The engine cannot continue gathering data (an encoder or a write failed).
    Failed {
        /// The session.
        session: u64,
        /// Why.
        error: Error,
    },
    /// The engine is gone (its thread could not start or died): no more answers will come for
    /// `session`.
    Lost {
        /// The session.
        session: u64,
        /// Why.
        error: Error,
    },
}
