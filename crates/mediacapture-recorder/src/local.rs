//! [`LocalRecorder`]: the state machine and its engine on the caller's thread.

use crate::blob::RecorderEvent;
use crate::core::{RecorderCore, RecorderTask};
use crate::engine::Engine;
use crate::options::{RecorderOptions, RecordingState};
use crate::protocol::{EngineCommand, TrackInfo};
use crate::recording::RecordingStats;
use mediacapture_frame::{AudioData, VideoFrame};
use mediacapture_types::Result;

/// A MediaRecorder without threads: a [`RecorderCore`] whose [`Engine`] runs on the calling
/// thread. Every method returns once the engine has done what it was asked (a frame is encoded
/// and written when `push_video` returns); the events wait in order until the caller runs
/// their tasks, as an event loop would.
///
/// For programs with threads of their own, tests, and tools that record what they generate.
/// [`MediaRecorder`](crate::MediaRecorder) is the same state machine with the engine on a
/// worker thread, fed by a `MediaStream`.
///
/// ```
/// use mediacapture_frame::{AudioData, PixelFormat, VideoFrame};
/// use mediacapture_recorder::{LocalRecorder, RecorderEvent, RecorderOptions, TrackInfo, TrackKind};
///
/// let tracks = [TrackInfo::live("v", TrackKind::Video), TrackInfo::live("a", TrackKind::Audio)];
/// let mut rec = LocalRecorder::new(&tracks, RecorderOptions::default())?;
/// rec.start(Some(100), &tracks)?; // a blob every 100 ms of media
/// for i in 0..10i64 {
///     let ts = i * 33_333; // capture timestamps in microseconds
///     let frame = VideoFrame::new(PixelFormat::I420, 64, 48, vec![128u8; 64 * 48 * 3 / 2], ts)
///         .map_err(|e| mediacapture_recorder::Error::unknown(e.to_string()))?;
///     rec.push_video("v", &frame);
///     let audio = AudioData::from_f32(48_000, 1, &[0.0; 1600], ts)
///         .map_err(|e| mediacapture_recorder::Error::unknown(e.to_string()))?;
///     rec.push_audio("a", &audio);
/// }
/// rec.stop();
/// let mut file = Vec::new();
/// let mut names = Vec::new();
/// for event in rec.run_tasks() {
///     if let RecorderEvent::DataAvailable(blob) = &event {
///         file.extend_from_slice(blob.data.data()); // the concatenation plays
///     }
///     names.push(event.type_());
/// }
/// assert_eq!(names.first(), Some(&"start"));
/// assert_eq!(names.last(), Some(&"stop"));
/// assert_eq!(&file[..4], &[0x1a, 0x45, 0xdf, 0xa3]); // an EBML (WebM) file
/// assert_eq!(rec.stats().video_frames, 10);
/// # Ok::<(), mediacapture_recorder::Error>(())
/// ```
#[derive(Debug)]
pub struct LocalRecorder {
    core: RecorderCore,
    engine: Engine,
}

impl LocalRecorder {
    /// `new MediaRecorder(stream, options)` for a stream whose tracks are `tracks`: see
    /// [`RecorderCore::new`].
    pub fn new(tracks: &[TrackInfo], options: RecorderOptions) -> Result<Self> {
        Ok(LocalRecorder {
            core: RecorderCore::new(tracks, options)?,
            engine: Engine::new(),
        })
    }

    /// The state machine (attributes: `state`, `mimeType`, bitrates).
    pub fn core(&self) -> &RecorderCore {
        &self.core
    }
    /// `state`.
    pub fn state(&self) -> RecordingState {
        self.core.state()
    }
    /// `mimeType`.
    pub fn mime_type(&self) -> &str {
        self.core.mime_type()
    }
    /// What the engine recorded in the current (or last) session.
    pub fn stats(&self) -> RecordingStats {
        self.engine.stats()
    }

    /// Carries out every command the state machine gave, feeding the answers back.
    fn drive(&mut self, issued_at: Option<i64>) {
        while let Some(cmd) = self.core.poll_command() {
            if matches!(cmd, EngineCommand::Start { .. }) {
                self.engine = Engine::new();
            } else if cmd.session() != self.engine.session() {
                continue;
            }
            for r in self.engine.execute(cmd, issued_at) {
                self.core.handle_report(r);
            }
        }
    }

    /// `start(timeslice)` with the stream's tracks.
    pub fn start(&mut self, timeslice: Option<u32>, tracks: &[TrackInfo]) -> Result<()> {
        self.core.start(timeslice, tracks)?;
        self.drive(None);
        Ok(())
    }
    /// `stop()`. The Duration ends with the last packet.
    pub fn stop(&mut self) {
        self.core.stop();
        self.drive(None);
    }
    /// `stop()` at capture time `at_us` (the clock the frames are stamped with): the
    /// Duration ends there if the last frame's own duration runs past it.
    pub fn stop_at(&mut self, at_us: i64) {
        self.core.stop();
        self.drive(Some(at_us));
    }
    /// `pause()`.
    pub fn pause(&mut self) -> Result<()> {
        self.core.pause()?;
        self.drive(None);
        Ok(())
    }
    /// `resume()`.
    pub fn resume(&mut self) -> Result<()> {
        self.core.resume()?;
        self.drive(None);
        Ok(())
    }
    /// `requestData()`.
    pub fn request_data(&mut self) -> Result<()> {
        self.core.request_data()?;
        self.drive(None);
        Ok(())
    }
    /// A track was added to the stream.
    pub fn track_added(&mut self, track: &TrackInfo) {
        self.core.track_added(track);
        self.drive(None);
    }
    /// A track was removed from the stream.
    pub fn track_removed(&mut self, track_id: &str) {
        self.core.track_removed(track_id);
        self.drive(None);
    }
    /// A recorded track ended: it delivers nothing more.
    pub fn track_ended(&mut self, track_id: &str) {
        self.core.track_ended(track_id);
        self.drive(None);
    }

    /// A video frame of track `track_id` (ignored unless recording).
    pub fn push_video(&mut self, track_id: &str, frame: &VideoFrame) {
        if self.engine.is_finished() || self.engine.session() != self.core.session() {
            return;
        }
        for r in self.engine.push_video(track_id, frame) {
            self.core.handle_report(r);
        }
        self.drive(None);
    }
    /// Audio of track `track_id` (ignored unless recording).
    pub fn push_audio(&mut self, track_id: &str, data: &AudioData) {
        if self.engine.is_finished() || self.engine.session() != self.core.session() {
            return;
        }
        for r in self.engine.push_audio(track_id, data) {
            self.core.handle_report(r);
        }
        self.drive(None);
    }

    /// The next task ready to run, in queue order.
    pub fn poll_task(&mut self) -> Option<RecorderTask> {
        self.core.poll_task()
    }
    /// Runs a task (attribute changes, then the events it fires): see
    /// [`RecorderCore::run_task`].
    pub fn run_task(&mut self, task: RecorderTask) -> Vec<RecorderEvent> {
        self.core.run_task(task)
    }
    /// Runs every ready task in order, as the event loop would, and returns their events.
    pub fn run_tasks(&mut self) -> Vec<RecorderEvent> {
        let mut events = Vec::new();
        while let Some(t) = self.core.poll_task() {
            events.extend(self.core.run_task(t));
        }
        events
    }
}
