//! The engine: carries out the state machine's [`EngineCommand`]s on a [`Recording`] (the
//! encoders, muxers and outputs of one session) and feeds it the tracks' media.
//!
//! One engine per recording session, owned by one thread: [`MediaRecorder`]'s worker thread,
//! or the caller's thread in a [`LocalRecorder`](crate::LocalRecorder). Everything it says
//! goes back to the state machine as [`EngineReport`]s, which never wait for encoding.
//!
//! [`MediaRecorder`]: crate::MediaRecorder

use crate::protocol::{EngineCommand, EngineReport};
use crate::recording::{EncodeHook, Interrupt, Recording, RecordingStats};
use mediacapture_frame::{AudioData, VideoFrame};

/// The encoding, muxing and writing side of one recording session.
///
/// ```
/// use mediacapture_recorder::{Engine, EngineCommand, EngineReport, RecordingSettings, mime};
/// let conf = match mime::configure("audio/webm", false, true)? {
///     mime::Configured::Ready(c) => c,
///     mime::Configured::Unsupported(e) => return Err(e),
/// };
/// let settings = RecordingSettings::new(conf, None, Some("mic".into()));
/// let mut engine = Engine::new();
/// let reports = engine.execute(EngineCommand::Start { session: 1, ticket: 7, settings }, None);
/// assert_eq!(reports, [EngineReport::Started { ticket: 7 }]);
/// let reports = engine.execute(EngineCommand::Finish { session: 1, ticket: 8 }, None);
/// assert!(matches!(reports[..], [EngineReport::Blob { ticket: 8, .. }]));
/// assert!(engine.is_finished());
/// # Ok::<(), mediacapture_recorder::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Engine {
    session: u64,
    recording: Option<Recording>,
    finished: bool,
    /// A failure was reported already (the state machine ends the session once).
    failure_reported: bool,
    stats: RecordingStats,
    hook: Option<EncodeHook>,
    interrupt: Interrupt,
}

impl Engine {
    /// An engine waiting for [`EngineCommand::Start`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Test hook: `hook` runs on the engine's thread just before each video frame is encoded.
    #[doc(hidden)]
    pub fn set_encode_hook(&mut self, hook: Option<EncodeHook>) {
        self.hook = hook.clone();
        if let Some(r) = self.recording.as_mut() {
            r.set_encode_hook(hook);
        }
    }

    /// The session's stop signal, raised when its `Finish` is queued (before the engine
    /// gets to it): from then on, waits for a video frame in the encoder are bounded. See
    /// [`Interrupt`].
    pub fn set_interrupt(&mut self, interrupt: Interrupt) {
        self.interrupt = interrupt.clone();
        if let Some(r) = self.recording.as_mut() {
            r.set_interrupt(interrupt);
        }
    }

    /// `true` once [`EngineCommand::Finish`] was carried out (or the start failed): the
    /// session is over and the engine can be dropped.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The session this engine records (0 before it started).
    pub fn session(&self) -> u64 {
        self.session
    }

    /// What was recorded so far (kept after the session finished).
    pub fn stats(&self) -> RecordingStats {
        self.recording.as_ref().map_or(self.stats, Recording::stats)
    }

    /// Carries out `command`. `issued_at` is the capture-clock time (µs, the clock frames are
    /// stamped with) at which the state machine issued it, when known: a `Finish` then ends
    /// the recording's Duration no later than that.
    pub fn execute(&mut self, command: EngineCommand, issued_at: Option<i64>) -> Vec<EngineReport> {
        match command {
            EngineCommand::Start {
                session,
                ticket,
                settings,
            } => {
                self.session = session;
                match Recording::new(settings) {
                    Ok(mut r) => {
                        r.set_encode_hook(self.hook.clone());
                        r.set_interrupt(self.interrupt.clone());
                        self.recording = Some(r);
                        vec![EngineReport::Started { ticket }]
                    }
                    Err(error) => {
                        self.finished = true;
                        vec![EngineReport::StartFailed { ticket, error }]
                    }
                }
            }
            EngineCommand::Pause { .. } => {
                if let Some(r) = self.recording.as_mut() {
                    r.pause();
                }
                Vec::new()
            }
            EngineCommand::Resume { .. } => {
                if let Some(r) = self.recording.as_mut() {
                    r.resume();
                }
                Vec::new()
            }
            EngineCommand::TakeBlob { ticket, .. } => {
                let (data, timecode) = match self.recording.as_mut() {
                    Some(r) => {
                        let b = r.take_blob();
                        (b.data, b.timecode)
                    }
                    None => (Vec::new(), 0.0),
                };
                vec![EngineReport::Blob {
                    ticket,
                    data,
                    timecode,
                    error: None,
                }]
            }
            EngineCommand::TrackEnded { track_id, .. } => {
                let r = match self.recording.as_mut() {
                    Some(rec) => rec.track_ended(&track_id),
                    None => Ok(()),
                };
                self.after(r)
            }
            EngineCommand::Finish { ticket, .. } => {
                self.finished = true;
                let (data, timecode, error) = match self.recording.take() {
                    Some(r) => {
                        let f = r.finish_at(issued_at);
                        self.stats = f.stats;
                        (f.blob.data, f.blob.timecode, f.error)
                    }
                    None => (Vec::new(), 0.0, None),
                };
                vec![EngineReport::Blob {
                    ticket,
                    data,
                    timecode,
                    error,
                }]
            }
        }
    }

    /// Video captured up to capture time `ts` was delivered but dropped before the engine (the
    /// encoder was behind): the last recorded frame stands for it (see
    /// [`Recording::covered_until`]).
    pub fn covered_until(&mut self, ts: i64) {
        if let Some(r) = self.recording.as_mut() {
            r.covered_until(ts);
        }
    }

    /// Encodes a video frame of track `track_id`.
    pub fn push_video(&mut self, track_id: &str, frame: &VideoFrame) -> Vec<EngineReport> {
        let r = match self.recording.as_mut() {
            Some(rec) => rec.push_video(track_id, frame),
            None => return Vec::new(),
        };
        self.after(r)
    }

    /// Encodes audio of track `track_id`.
    pub fn push_audio(&mut self, track_id: &str, data: &AudioData) -> Vec<EngineReport> {
        let r = match self.recording.as_mut() {
            Some(rec) => rec.push_audio(track_id, data),
            None => return Vec::new(),
        };
        self.after(r)
    }

    /// What to report after gathering: how much the current blob holds, or the failure
    /// (once).
    fn after(&mut self, r: mediacapture_types::Result<()>) -> Vec<EngineReport> {
        let session = self.session;
        match r {
            Err(error) => {
                if self.failure_reported {
                    return Vec::new();
                }
                self.failure_reported = true;
                vec![EngineReport::Failed { session, error }]
            }
            Ok(()) => match self.recording.as_ref() {
                Some(rec) if rec.pending_blob_len() > 0 => vec![EngineReport::Gathered {
                    session,
                    span_us: rec.blob_span_us(),
                    bytes: rec.pending_blob_len(),
                }],
                _ => Vec::new(),
            },
        }
    }
}
