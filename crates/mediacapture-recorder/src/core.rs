//! `RecorderCore`: the MediaRecorder state machine, sans I/O.
//!
//! It holds what the page sees — `state`, `mimeType`, the bitrates — and runs the spec's
//! steps: methods change state synchronously or throw the spec's exceptions, and what the
//! spec then does "in parallel" and "queues a task" for becomes two ordered outputs:
//!
//! - [`EngineCommand`]s ([`RecorderCore::poll_command`]) for the engine that encodes, muxes
//!   and writes (an [`Engine`](crate::engine::Engine)), whose answers come back as
//!   [`EngineReport`](crate::EngineReport)s ([`RecorderCore::handle_report`]);
//! - [`RecorderTask`]s ([`RecorderCore::poll_task`]) to run later, in that order, on the event
//!   loop with [`RecorderCore::run_task`], which applies the task's attribute changes and
//!   returns the events to fire.
//!
//! A task that needs something from the engine (the `start` task waits for the engine to
//! start; a `dataavailable` waits for the blob's bytes) is held back, and every task after it
//! too, so events keep the order in which the spec queued their tasks. No libvpx, no file, no
//! thread, no clock here: a test drives it with plain values.
//!
//! Spec: <https://w3c.github.io/mediacapture-record/#mediarecorder-api>

use crate::blob::RecorderEvent;
use crate::encode::vpx::KeyFrameInterval;
use crate::mime::{self, Configured};
use crate::options::{
    BitrateMode, MIN_AUDIO_BITS_PER_SECOND, MIN_VIDEO_BITS_PER_SECOND, RecorderOptions,
    RecordingState, allocate_bitrates,
};
use crate::protocol::{EngineCommand, TrackInfo, TrackKind};
use crate::recording::RecordingSettings;
use mediacapture_types::{Error, ErrorKind, Result};
use std::collections::VecDeque;

mod reports;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    SetMimeType(String),
    /// mimeType back to the constrained type if the recorder is (still) inactive.
    RestoreMimeType,
    Inactivate,
    Fire(RecorderEvent),
    /// Waiting for the engine to start: then set mimeType to `mime` and fire `start`.
    AwaitStart {
        ticket: u64,
        mime: String,
    },
    /// Waiting for a blob's bytes: then fire `dataavailable` (after `error` if the engine
    /// reports one and `with_error`).
    AwaitBlob {
        ticket: u64,
        blob_type: String,
        with_error: bool,
    },
}

impl Step {
    fn waiting(&self) -> bool {
        matches!(self, Step::AwaitStart { .. } | Step::AwaitBlob { .. })
    }
}

/// A task the spec queues on the DOM manipulation task source: run it later, in queue order,
/// with [`RecorderCore::run_task`].
#[derive(Debug, Clone, PartialEq)]
pub struct RecorderTask {
    session: u64,
    steps: Vec<Step>,
}

impl RecorderTask {
    /// The events this task fires, in order (for inspection; attribute changes are applied
    /// by [`RecorderCore::run_task`]).
    pub fn events(&self) -> impl Iterator<Item = &RecorderEvent> {
        self.steps.iter().filter_map(|s| match s {
            Step::Fire(e) => Some(e),
            _ => None,
        })
    }

    fn ready(&self) -> bool {
        !self.steps.iter().any(Step::waiting)
    }
}

/// The MediaRecorder state machine: attributes, methods, the spec's steps and exceptions.
///
/// ```
/// use mediacapture_recorder::{EngineCommand, EngineReport, RecorderCore, RecorderEvent,
///     RecorderOptions, TrackInfo, TrackKind};
/// let tracks = [TrackInfo::live("a1", TrackKind::Audio)];
/// let mut rec = RecorderCore::new(&tracks, RecorderOptions::default())?;
/// assert_eq!(rec.mime_type(), "");
/// rec.start(None, &tracks)?;
/// assert_eq!(rec.state().as_str(), "recording");
/// assert_eq!(rec.mime_type(), ""); // set by the `start` task, just before `start` fires
/// // The engine is asked to start; the `start` task waits for its answer.
/// let Some(EngineCommand::Start { ticket, .. }) = rec.poll_command() else { panic!() };
/// assert!(rec.poll_task().is_none());
/// rec.handle_report(EngineReport::Started { ticket });
/// rec.stop();
/// assert_eq!(rec.state().as_str(), "inactive"); // at once; the events come later
/// let Some(EngineCommand::Finish { ticket, .. }) = rec.poll_command() else { panic!() };
/// rec.handle_report(EngineReport::Blob { ticket, data: vec![1, 2, 3], timecode: 0.0, error: None });
/// let mut fired = Vec::new();
/// while let Some(task) = rec.poll_task() {
///     for event in rec.run_task(task) {
///         if event == RecorderEvent::Start {
///             assert_eq!(rec.mime_type(), "audio/webm;codecs=opus");
///         }
///         fired.push(event.type_());
///     }
/// }
/// assert_eq!(fired, ["start", "dataavailable", "stop"]);
/// # Ok::<(), mediacapture_recorder::Error>(())
/// ```
pub struct RecorderCore {
    options: RecorderOptions,
    mime_type: String,
    state: RecordingState,
    video_bps: u32,
    audio_bps: u32,
    audio_bitrate_mode: BitrateMode,
    session: u64,
    /// A terminal task (stop, error, all tracks ended) is queued for the current session, or
    /// its engine failed to start: no more events from it.
    terminating: bool,
    recorded: Vec<(TrackInfo, bool)>,
    timeslice: Option<u32>,
    /// The ticket of a timeslice blob asked for and not yet delivered.
    slice_ticket: Option<u64>,
    /// The full MIME type of the current session (the blobs' `type`).
    blob_type: String,
    next_ticket: u64,
    commands: VecDeque<EngineCommand>,
    tasks: VecDeque<RecorderTask>,
}

impl std::fmt::Debug for RecorderCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecorderCore")
            .field("state", &self.state)
            .field("mime_type", &self.mime_type)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl RecorderCore {
    /// `new MediaRecorder(stream, options)`, for a stream whose tracks are `tracks`.
    ///
    /// Throws NotSupportedError when *is type supported*(mimeType, deferNewerCodecsCheck =
    /// true) is false (see [`mime::is_type_supported_for_constructor`] for the codecs known
    /// to be unsupported), and — like Chromium and WPT's MediaRecorder-error.html, ahead of
    /// the spec, which throws it from `start()` — when both keyframe interval options are
    /// given.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#mediarecorder-constructor>
    pub fn new(tracks: &[TrackInfo], options: RecorderOptions) -> Result<Self> {
        if !mime::is_type_supported_for_constructor(&options.mime_type) {
            return Err(Error::not_supported(format!(
                "mimeType {:?} is not supported",
                options.mime_type
            )));
        }
        if options.video_key_frame_interval_duration.is_some()
            && options.video_key_frame_interval_count.is_some()
        {
            return Err(Error::not_supported(
                "videoKeyFrameIntervalDuration and videoKeyFrameIntervalCount cannot both be set",
            ));
        }
        // The stream's tracks do not matter here: the constructor splits bitsPerSecond as if
        // both kinds were recorded; start() re-splits for the live tracks.
        let _ = tracks;
        let (video_bps, audio_bps) = allocate_bitrates(&options, true, true);
        Ok(RecorderCore {
            mime_type: options.mime_type.clone(),
            audio_bitrate_mode: options.audio_bitrate_mode,
            options,
            state: RecordingState::Inactive,
            video_bps,
            audio_bps,
            session: 0,
            terminating: false,
            recorded: Vec::new(),
            timeslice: None,
            slice_ticket: None,
            blob_type: String::new(),
            next_ticket: 0,
            commands: VecDeque::new(),
            tasks: VecDeque::new(),
        })
    }

    /// `MediaRecorder.isTypeSupported(type)`.
    pub fn is_type_supported(type_: &str) -> bool {
        mime::is_type_supported(type_)
    }

    /// `state`.
    pub fn state(&self) -> RecordingState {
        self.state
    }
    /// `mimeType`: the constrained type until the `start` task runs, then the full type with
    /// codecs; back to the constrained type when the recorder becomes inactive.
    pub fn mime_type(&self) -> &str {
        &self.mime_type
    }
    /// `videoBitsPerSecond`.
    pub fn video_bits_per_second(&self) -> u32 {
        self.video_bps
    }
    /// `audioBitsPerSecond`.
    pub fn audio_bits_per_second(&self) -> u32 {
        self.audio_bps
    }
    /// `audioBitrateMode`.
    pub fn audio_bitrate_mode(&self) -> BitrateMode {
        self.audio_bitrate_mode
    }
    /// The options given to the constructor.
    pub fn options(&self) -> &RecorderOptions {
        &self.options
    }
    /// The current (or last) recording session: 1 for the first `start()`. Commands and
    /// reports carry it.
    pub fn session(&self) -> u64 {
        self.session
    }
    /// The ids of the tracks the current session records (the live tracks at `start()`).
    pub fn recorded_tracks(&self) -> impl Iterator<Item = &TrackInfo> {
        self.recorded.iter().map(|(t, _)| t)
    }

    /// `true` while the current session gathers data: started, and no stop, error or end of
    /// all tracks is queued yet.
    pub fn is_gathering(&self) -> bool {
        self.gathering()
    }

    /// The next command for the engine, in order.
    pub fn poll_command(&mut self) -> Option<EngineCommand> {
        self.commands.pop_front()
    }

    /// The next task to queue on the event loop, in order; `None` while the next one still
    /// waits for the engine (or there is none).
    pub fn poll_task(&mut self) -> Option<RecorderTask> {
        if self.tasks.front().is_some_and(RecorderTask::ready) {
            self.tasks.pop_front()
        } else {
            None
        }
    }

    /// Tasks queued and not yet handed out by [`RecorderCore::poll_task`] (ready or waiting).
    pub fn pending_tasks(&self) -> usize {
        self.tasks.len()
    }

    fn ticket(&mut self) -> u64 {
        self.next_ticket += 1;
        self.next_ticket
    }

    fn queue(&mut self, steps: Vec<Step>) {
        self.tasks.push_back(RecorderTask {
            session: self.session,
            steps,
        });
    }

    fn command(&mut self, c: EngineCommand) {
        self.commands.push_back(c);
    }

    /// *Inactivate the recorder*: mimeType back to the constrained type, state inactive,
    /// bitrates re-derived from bitsPerSecond. (Chromium 156 keeps the full type after
    /// `stop`; the spec and Firefox restore the constrained one, and so do we.)
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#inactivate-the-recorder>
    fn inactivate(&mut self) {
        self.mime_type = self.options.mime_type.clone();
        self.state = RecordingState::Inactive;
        if self.options.bits_per_second.is_some() {
            let (v, a) = allocate_bitrates(&self.options, true, true);
            self.video_bps = v;
            self.audio_bps = a;
        }
    }

    /// `start(timeslice)`, with the stream's current tracks.
    ///
    /// Throws InvalidStateError when not inactive, NotSupportedError when the stream is
    /// inactive (no live track) or a track cannot be recorded with the constrained type.
    /// (The isolation check has no counterpart outside a browser.) Then asks the engine to
    /// start; the `start` event waits for it.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#dom-mediarecorder-start>
    pub fn start(&mut self, timeslice: Option<u32>, tracks: &[TrackInfo]) -> Result<()> {
        if self.state != RecordingState::Inactive {
            return Err(Error::invalid_state(
                "start() called while the recorder is not inactive",
            ));
        }
        let live: Vec<&TrackInfo> = tracks.iter().filter(|t| t.live).collect();
        if live.is_empty() {
            return Err(Error::not_supported("the stream is inactive"));
        }
        let video_track = live
            .iter()
            .find(|t| t.kind == TrackKind::Video)
            .map(|t| t.id.clone());
        let audio_track = live
            .iter()
            .find(|t| t.kind == TrackKind::Audio)
            .map(|t| t.id.clone());
        let configured = mime::configure(
            &self.options.mime_type,
            video_track.is_some(),
            audio_track.is_some(),
        );
        if self.options.bits_per_second.is_some() {
            let (v, a) =
                allocate_bitrates(&self.options, video_track.is_some(), audio_track.is_some());
            self.video_bps = v;
            self.audio_bps = a;
        }
        // Chromium 156 (checked with its fake devices) reports 0 for a kind the stream has
        // no live track of once recording starts, with or without bitsPerSecond.
        if video_track.is_none() {
            self.video_bps = 0;
        }
        if audio_track.is_none() {
            self.audio_bps = 0;
        }
        let key_frame_interval = match (
            self.options.video_key_frame_interval_duration,
            self.options.video_key_frame_interval_count,
        ) {
            (Some(_), Some(_)) => {
                return Err(Error::not_supported(
                    "videoKeyFrameIntervalDuration and videoKeyFrameIntervalCount are both set",
                ));
            }
            (Some(d), None) => KeyFrameInterval::Duration(d),
            (None, Some(c)) => KeyFrameInterval::Count(c),
            (None, None) => KeyFrameInterval::Auto,
        };
        // A track that cannot be recorded with the constrained type: thrown synchronously.
        let configured = configured?;

        self.state = RecordingState::Recording;
        self.session += 1;
        self.terminating = false;
        self.timeslice = timeslice;
        self.slice_ticket = None;
        self.recorded = live.iter().map(|t| ((*t).clone(), false)).collect();
        let conf = match configured {
            Configured::Ready(c) => c,
            Configured::Unsupported(e) => {
                // The "in parallel" failure: inactivate, fire error, fire stop.
                self.terminating = true;
                self.queue(vec![
                    Step::Inactivate,
                    Step::Fire(RecorderEvent::Error(e)),
                    Step::Fire(RecorderEvent::Stop),
                ]);
                return Ok(());
            }
        };
        let mut settings = RecordingSettings::new(conf.clone(), video_track, audio_track);
        settings.video_bits_per_second = self.video_bps.max(MIN_VIDEO_BITS_PER_SECOND);
        settings.audio_bits_per_second = self.audio_bps.max(MIN_AUDIO_BITS_PER_SECOND);
        settings.audio_bitrate_mode = self.audio_bitrate_mode;
        settings.key_frame_interval = key_frame_interval;
        settings.output_file = self.options.output_file.clone();
        settings.blobs = self.options.blobs;
        self.blob_type = conf.mime_type();
        let ticket = self.ticket();
        self.command(EngineCommand::Start {
            session: self.session,
            ticket,
            settings,
        });
        let mime = self.blob_type.clone();
        self.queue(vec![Step::AwaitStart { ticket, mime }]);
        Ok(())
    }

    /// `stop()`: no-op when inactive; else inactivate now and queue dataavailable (all data
    /// gathered so far; the engine finalizes the file) and stop. If an error or the end of all
    /// tracks already queued its own dataavailable/stop, only the state changes.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#dom-mediarecorder-stop>
    pub fn stop(&mut self) {
        if self.state == RecordingState::Inactive {
            return;
        }
        self.inactivate();
        if self.terminating {
            return;
        }
        self.terminating = true;
        let ticket = self.ticket();
        self.command(EngineCommand::Finish {
            session: self.session,
            ticket,
        });
        // `start(); stop();` in one go: the start task sets mimeType before `start` fires;
        // this puts the constrained type back before the stop events, as inactivation did.
        self.queue(vec![
            Step::RestoreMimeType,
            Step::AwaitBlob {
                ticket,
                blob_type: self.blob_type.clone(),
                with_error: true,
            },
            Step::Fire(RecorderEvent::Stop),
        ]);
    }

    /// `pause()`: InvalidStateError when inactive; no-op when paused; else stop gathering
    /// (Chromium pauses the encoders synchronously) and queue `pause`.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#dom-mediarecorder-pause>
    pub fn pause(&mut self) -> Result<()> {
        match self.state {
            RecordingState::Inactive => {
                Err(Error::invalid_state("pause() on an inactive recorder"))
            }
            RecordingState::Paused => Ok(()),
            RecordingState::Recording => {
                self.state = RecordingState::Paused;
                if !self.terminating {
                    self.command(EngineCommand::Pause {
                        session: self.session,
                    });
                    self.queue(vec![Step::Fire(RecorderEvent::Pause)]);
                }
                Ok(())
            }
        }
    }

    /// `resume()`: InvalidStateError when inactive; no-op when recording; else continue
    /// gathering into the same blob and queue `resume`.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#dom-mediarecorder-resume>
    pub fn resume(&mut self) -> Result<()> {
        match self.state {
            RecordingState::Inactive => {
                Err(Error::invalid_state("resume() on an inactive recorder"))
            }
            RecordingState::Recording => Ok(()),
            RecordingState::Paused => {
                self.state = RecordingState::Recording;
                if !self.terminating {
                    self.command(EngineCommand::Resume {
                        session: self.session,
                    });
                    self.queue(vec![Step::Fire(RecorderEvent::Resume)]);
                }
                Ok(())
            }
        }
    }

    /// `requestData()`: InvalidStateError when inactive; else queue dataavailable with the
    /// data gathered so far (possibly empty) and start a new blob.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#dom-mediarecorder-requestdata>
    pub fn request_data(&mut self) -> Result<()> {
        if self.state == RecordingState::Inactive {
            return Err(Error::invalid_state(
                "requestData() on an inactive recorder",
            ));
        }
        if !self.terminating {
            self.take_blob();
        }
        Ok(())
    }

    /// Asks the engine for the current blob and queues its `dataavailable`.
    fn take_blob(&mut self) -> u64 {
        let ticket = self.ticket();
        self.command(EngineCommand::TakeBlob {
            session: self.session,
            ticket,
        });
        self.queue(vec![Step::AwaitBlob {
            ticket,
            blob_type: self.blob_type.clone(),
            with_error: false,
        }]);
        ticket
    }

    /// Ends the session after a failure or a change of the track set: stop gathering, queue
    /// inactivate, (error), dataavailable with the data so far, stop.
    fn terminate(&mut self, error: Option<Error>) {
        self.terminating = true;
        let ticket = self.ticket();
        self.command(EngineCommand::Finish {
            session: self.session,
            ticket,
        });
        let mut steps = vec![Step::Inactivate];
        if let Some(e) = error {
            steps.push(Step::Fire(RecorderEvent::Error(e)));
        }
        steps.push(Step::AwaitBlob {
            ticket,
            blob_type: self.blob_type.clone(),
            with_error: false,
        });
        steps.push(Step::Fire(RecorderEvent::Stop));
        self.queue(steps);
    }

    fn gathering(&self) -> bool {
        self.state != RecordingState::Inactive && !self.terminating
    }

    /// A track was added to the recorded stream: while recording, that ends the recording
    /// with `error` (InvalidModificationError), `dataavailable`, `stop`.
    pub fn track_added(&mut self, track: &TrackInfo) {
        if !self.gathering() {
            return;
        }
        self.terminate(Some(Error::new(
            ErrorKind::InvalidModificationError,
            format!("track {} was added to the stream while recording", track.id),
        )));
    }

    /// A track was removed from the recorded stream: like [`RecorderCore::track_added`].
    pub fn track_removed(&mut self, track_id: &str) {
        if !self.gathering() {
            return;
        }
        self.terminate(Some(Error::new(
            ErrorKind::InvalidModificationError,
            format!("track {track_id} was removed from the stream while recording"),
        )));
    }

    /// A recorded track ended (it delivers nothing more): the engine stops waiting for it.
    /// When every recorded track has ended: `dataavailable`, `stop`, at once.
    ///
    /// Spec: "If all recorded tracks become ended, then stop gathering data, and queue a task
    /// … Inactivate the recorder, fire dataavailable, fire stop."
    pub fn track_ended(&mut self, track_id: &str) {
        if !self.gathering() {
            return;
        }
        let mut newly = false;
        for (t, ended) in &mut self.recorded {
            if t.id == track_id && !*ended {
                *ended = true;
                newly = true;
            }
        }
        if !newly {
            return;
        }
        if self.recorded.iter().all(|(_, ended)| *ended) {
            self.terminate(None);
        } else {
            self.command(EngineCommand::TrackEnded {
                session: self.session,
                track_id: track_id.to_string(),
            });
        }
    }

    /// Runs a queued task: applies its attribute changes (mimeType before `start`,
    /// inactivation before `error`/`stop`) and returns the events to fire, in order.
    /// Attribute changes of a task from an earlier session (the recorder was stopped and
    /// started again meanwhile) are skipped; its events still fire.
    pub fn run_task(&mut self, task: RecorderTask) -> Vec<RecorderEvent> {
        let current = task.session == self.session;
        let mut events = Vec::new();
        for step in task.steps {
            match step {
                Step::SetMimeType(m) => {
                    if current {
                        self.mime_type = m;
                    }
                }
                Step::RestoreMimeType => {
                    if current && self.state == RecordingState::Inactive {
                        self.mime_type = self.options.mime_type.clone();
                    }
                }
                Step::Inactivate => {
                    if current {
                        self.inactivate();
                    }
                }
                Step::Fire(e) => events.push(e),
                // Never handed out by poll_task.
                Step::AwaitStart { .. } | Step::AwaitBlob { .. } => {}
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorder_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<RecorderCore>();
        assert_send::<RecorderTask>();
        assert_send::<RecorderEvent>();
        assert_send::<EngineCommand>();
        assert_send::<crate::EngineReport>();
    }
}
