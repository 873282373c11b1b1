//! The state machine's side of the engine's answers ([`EngineReport`]s): tasks that waited
//! for the engine get what it delivered, failures end the session.

use super::{RecorderCore, Step};
use crate::blob::{Blob, BlobEvent, RecorderEvent};
use crate::protocol::EngineReport;
use mediacapture_types::{Error, ErrorKind};

impl RecorderCore {
    /// Takes an answer of the engine.
    pub fn handle_report(&mut self, report: EngineReport) {
        match report {
            EngineReport::Started { ticket } => self.fill(ticket, |step| match step {
                Step::AwaitStart { mime, .. } => {
                    vec![Step::SetMimeType(mime), Step::Fire(RecorderEvent::Start)]
                }
                other => vec![other],
            }),
            EngineReport::StartFailed { ticket, error } => {
                let Some(index) = self.task_index(ticket) else {
                    return;
                };
                // The "in parallel" failure of start(): inactivate, fire error, fire stop.
                self.fill(ticket, |_| {
                    vec![
                        Step::Inactivate,
                        Step::Fire(RecorderEvent::Error(error)),
                        Step::Fire(RecorderEvent::Stop),
                    ]
                });
                self.silence_after(index);
            }
            EngineReport::Gathered {
                session,
                span_us,
                bytes,
            } => {
                let Some(slice) = self.timeslice else { return };
                if session == self.session
                    && self.gathering()
                    && self.slice_ticket.is_none()
                    && bytes > 0
                    && span_us >= i64::from(slice) * 1000
                {
                    self.slice_ticket = Some(self.take_blob());
                }
            }
            EngineReport::Blob {
                ticket,
                data,
                timecode,
                error,
            } => {
                if self.slice_ticket == Some(ticket) {
                    self.slice_ticket = None;
                }
                self.fill(ticket, |step| match step {
                    Step::AwaitBlob {
                        blob_type,
                        with_error,
                        ..
                    } => {
                        let mut out = Vec::new();
                        if let (true, Some(e)) = (with_error, &error) {
                            out.push(Step::Fire(RecorderEvent::Error(e.clone())));
                        }
                        out.push(Step::Fire(RecorderEvent::DataAvailable(BlobEvent {
                            data: Blob::new(data, blob_type),
                            timecode,
                        })));
                        out
                    }
                    other => vec![other],
                });
            }
            EngineReport::Failed { session, error } => {
                if session == self.session && self.gathering() {
                    // "Unable to continue gathering data": UnknownError, with the cause.
                    self.terminate(Some(Error::new(ErrorKind::UnknownError, error.message)));
                }
            }
            EngineReport::Lost { session, error } => self.lost(session, error),
        }
    }

    /// The index of the task waiting for `ticket`.
    fn task_index(&self, ticket: u64) -> Option<usize> {
        self.tasks
            .iter()
            .position(|t| t.steps.iter().any(|s| step_ticket(s) == Some(ticket)))
    }

    /// Replaces the step waiting for `ticket` with what `f` makes of it.
    fn fill(&mut self, ticket: u64, f: impl FnOnce(Step) -> Vec<Step>) {
        for task in &mut self.tasks {
            if let Some(i) = task
                .steps
                .iter()
                .position(|s| step_ticket(s) == Some(ticket))
            {
                let step = task.steps.remove(i);
                task.steps.splice(i..i, f(step));
                return;
            }
        }
    }

    /// The session of task `index` ended there (its engine failed to start): the session's
    /// tasks queued after it change attributes but fire nothing and wait for nothing, and its
    /// commands not yet taken are dropped.
    fn silence_after(&mut self, index: usize) {
        let Some(session) = self.tasks.get(index).map(|t| t.session) else {
            return;
        };
        for task in self.tasks.iter_mut().skip(index + 1) {
            if task.session == session {
                task.steps
                    .retain(|s| !matches!(s, Step::Fire(_)) && !s.waiting());
            }
        }
        self.commands.retain(|c| c.session() != session);
        if session == self.session {
            self.terminating = true;
            self.slice_ticket = None;
        }
    }

    /// The engine of `session` is gone: whatever waits for it gets what there is (nothing),
    /// and a session still gathering ends with the error.
    fn lost(&mut self, session: u64, error: Error) {
        let mut start_failed = None;
        for (i, task) in self.tasks.iter_mut().enumerate() {
            if task.session != session {
                continue;
            }
            let steps = std::mem::take(&mut task.steps);
            for s in steps {
                match s {
                    Step::AwaitStart { .. } => {
                        start_failed = Some(i);
                        task.steps.extend([
                            Step::Inactivate,
                            Step::Fire(RecorderEvent::Error(error.clone())),
                            Step::Fire(RecorderEvent::Stop),
                        ]);
                    }
                    Step::AwaitBlob { blob_type, .. } => {
                        task.steps
                            .push(Step::Fire(RecorderEvent::DataAvailable(BlobEvent {
                                data: Blob::new(Vec::new(), blob_type),
                                timecode: 0.0,
                            })));
                    }
                    other => task.steps.push(other),
                }
            }
        }
        if let Some(index) = start_failed {
            self.silence_after(index);
            return;
        }
        self.commands.retain(|c| c.session() != session);
        if session == self.session && self.gathering() {
            self.terminating = true;
            self.queue(vec![
                Step::Inactivate,
                Step::Fire(RecorderEvent::Error(Error::new(
                    ErrorKind::UnknownError,
                    error.message,
                ))),
                Step::Fire(RecorderEvent::DataAvailable(BlobEvent {
                    data: Blob::new(Vec::new(), self.blob_type.clone()),
                    timecode: 0.0,
                })),
                Step::Fire(RecorderEvent::Stop),
            ]);
        }
    }
}

pub(super) fn step_ticket(s: &Step) -> Option<u64> {
    match s {
        Step::AwaitStart { ticket, .. } | Step::AwaitBlob { ticket, .. } => Some(*ticket),
        _ => None,
    }
}
