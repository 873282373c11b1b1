//! `MediaStreamTrack`.
//!
//! Spec: <https://w3c.github.io/mediacapture-main/#mediastreamtrack>

use crate::devices::DevicesInner;
use crate::events::{EventLoop, EventStream, EventTarget, ListenerId};
use crate::sink::{
    AUDIO_SINK_CAPACITY, AudioDataStream, Sink, SinkId, VIDEO_SINK_CAPACITY, VideoFrameStream,
    next_sink_id,
};
use crate::source::{SourceHub, Target};
use crate::{Result, TrackKind};
use mediacapture_core::DeviceView;
use mediacapture_core::shared_source::running_source_view;
use mediacapture_frame::{AudioData, VideoFrame, black_frame, silence};
use mediacapture_types::native::DeviceDescriptor;
use mediacapture_types::{
    MediaStreamTrackState, MediaTrackCapabilities, MediaTrackConstraints, MediaTrackSettings,
};
use parking_lot::Mutex;
use std::sync::{Arc, Weak};

/// An event fired at a [`MediaStreamTrack`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackEvent {
    /// `ended`: the source ended for a reason other than `stop()` (unplugged, revoked, gone).
    Ended,
    /// `mute`: the source stopped delivering media for now.
    Mute,
    /// `unmute`: the source delivers media again.
    Unmute,
}

impl TrackEvent {
    /// The DOM event type: `"ended"`, `"mute"` or `"unmute"`.
    pub fn event_type(self) -> &'static str {
        match self {
            TrackEvent::Ended => "ended",
            TrackEvent::Mute => "mute",
            TrackEvent::Unmute => "unmute",
        }
    }
}

struct TrackState {
    ready_state: MediaStreamTrackState,
    enabled: bool,
    muted: bool,
    content_hint: String,
    constraints: MediaTrackConstraints,
    settings: MediaTrackSettings,
    capabilities: MediaTrackCapabilities,
}

pub(crate) struct TrackInner {
    id: String,
    kind: TrackKind,
    label: String,
    source: Arc<SourceHub>,
    devices: Option<Weak<DevicesInner>>,
    state: Mutex<TrackState>,
    events: EventTarget<TrackEvent>,
    sinks: Mutex<Vec<(SinkId, Arc<Sink>)>>,
    /// The last video frame delivered (with or without sinks), for
    /// [`MediaStreamTrack::refresh_frame`].
    last_video: Mutex<Option<VideoFrame>>,
}

/// A single audio or video track from one source.
///
/// `Clone` copies the *handle* (both handles are the same track, like two JavaScript
/// references); the spec's `clone()` — a new track on the same source with its own id and
/// constraints — is [`MediaStreamTrack::clone_track`].
#[derive(Clone)]
pub struct MediaStreamTrack {
    pub(crate) inner: Arc<TrackInner>,
}

impl std::fmt::Debug for MediaStreamTrack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaStreamTrack")
            .field("kind", &self.kind())
            .field("id", &self.inner.id)
            .field("label", &self.inner.label)
            .field("readyState", &self.ready_state())
            .finish()
    }
}

impl PartialEq for MediaStreamTrack {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}
impl Eq for MediaStreamTrack {}

impl MediaStreamTrack {
    /// Spec: <https://w3c.github.io/mediacapture-main/#dfn-create-a-mediastreamtrack>
    pub(crate) fn create(
        source: Arc<SourceHub>,
        kind: TrackKind,
        devices: Option<Weak<DevicesInner>>,
        constraints: MediaTrackConstraints,
        settings: MediaTrackSettings,
        capabilities: MediaTrackCapabilities,
    ) -> MediaStreamTrack {
        let muted = source.is_muted();
        let inner = Arc::new(TrackInner {
            id: uuid::Uuid::new_v4().to_string(),
            kind,
            label: source.descriptor.label.clone(),
            source: source.clone(),
            devices,
            state: Mutex::new(TrackState {
                ready_state: MediaStreamTrackState::Live,
                enabled: true,
                muted,
                content_hint: String::new(),
                constraints,
                settings,
                capabilities,
            }),
            events: EventTarget::default(),
            sinks: Mutex::new(Vec::new()),
            last_video: Mutex::new(None),
        });
        source.attach(&inner);
        MediaStreamTrack { inner }
    }

    /// `"audio"` or `"video"`.
    pub fn kind(&self) -> TrackKind {
        self.inner.kind
    }

    /// A unique id (a UUID), generated when the track was created.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The source's label, e.g. `"Integrated Camera"`.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// Whether the track delivers media; a disabled track delivers black frames / silence.
    pub fn enabled(&self) -> bool {
        self.inner.state.lock().enabled
    }

    /// Enables or disables the track. The value is stored even after the track ended, where it
    /// has no effect (as the spec says).
    pub fn set_enabled(&self, enabled: bool) {
        self.inner.state.lock().enabled = enabled;
    }

    /// Whether the source is currently not delivering media.
    pub fn muted(&self) -> bool {
        self.inner.state.lock().muted
    }

    /// `live` or `ended`.
    pub fn ready_state(&self) -> MediaStreamTrackState {
        self.inner.state.lock().ready_state
    }

    /// The content hint (`""` by default).
    ///
    /// Spec: <https://w3c.github.io/mst-content-hint/>
    pub fn content_hint(&self) -> String {
        self.inner.state.lock().content_hint.clone()
    }

    /// Sets the content hint. Values not valid for the track's kind are ignored, as the
    /// mst-content-hint spec says (audio: `speech`, `speech-recognition`, `music`; video:
    /// `motion`, `detail`, `text`; both: `""`).
    pub fn set_content_hint(&self, hint: &str) {
        let valid = match self.inner.kind {
            TrackKind::Audio => ["", "speech", "speech-recognition", "music"].contains(&hint),
            TrackKind::Video => ["", "motion", "detail", "text"].contains(&hint),
        };
        if valid {
            self.inner.state.lock().content_hint = hint.to_string();
        }
    }

    /// The spec's `clone()`: a new track (new id) on the same source, with a copy of this
    /// track's state, constraints and settings, independent from now on. A clone of an ended
    /// track is ended.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediastreamtrack-clone>
    pub fn clone_track(&self) -> MediaStreamTrack {
        let s = self.inner.state.lock();
        let inner = Arc::new(TrackInner {
            id: uuid::Uuid::new_v4().to_string(),
            kind: self.inner.kind,
            label: self.inner.label.clone(),
            source: self.inner.source.clone(),
            // The spec creates the clone "with null MediaDevices"; we keep the original's tie
            // so that a clone of a camera track counts as live capture for exposure and ends
            // when the permission is revoked, as its source does.
            devices: self.inner.devices.clone(),
            state: Mutex::new(TrackState {
                ready_state: s.ready_state,
                // Chromium copies `enabled` to the clone (the spec prose says clones may
                // differ "for example when cloned"; engines copy it).
                enabled: s.enabled,
                muted: s.muted,
                content_hint: s.content_hint.clone(),
                constraints: s.constraints.clone(),
                settings: s.settings.clone(),
                capabilities: s.capabilities.clone(),
            }),
            events: EventTarget::default(),
            sinks: Mutex::new(Vec::new()),
            last_video: Mutex::new(None),
        });
        let ended = s.ready_state == MediaStreamTrackState::Ended;
        drop(s);
        if !ended {
            self.inner.source.attach(&inner);
        }
        MediaStreamTrack { inner }
    }

    /// Ends the track at once. Fires no `ended` event. The source is closed (and its capture
    /// thread joined) when its last track stops.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediastreamtrack-stop>
    pub fn stop(&self) {
        if self.inner.mark_ended() {
            self.inner.source.detach(&self.inner);
        }
    }

    /// What the source can do for this track.
    pub fn get_capabilities(&self) -> MediaTrackCapabilities {
        self.inner.state.lock().capabilities.clone()
    }

    /// The constraints of the last successful `apply_constraints` (or getUserMedia).
    pub fn get_constraints(&self) -> MediaTrackConstraints {
        self.inner.state.lock().constraints.clone()
    }

    /// The current settings. An ended track keeps only deviceId, groupId and facingMode.
    pub fn get_settings(&self) -> MediaTrackSettings {
        self.inner.state.lock().settings.clone()
    }

    /// Applies new constraints. On success the track's constraints and settings change (and
    /// the source is reconfigured if this is its only track and the native mode no longer
    /// fits); on failure (`OverconstrainedError` naming the constraint) nothing changes.
    /// On an ended track it succeeds without looking at the constraints.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-constrainablepattern-applyconstraints>
    ///
    /// The work (which may reopen the device) runs on the request thread of the track's
    /// `MediaDevices`, after the requests made before it; the future only waits.
    pub fn apply_constraints(
        &self,
        constraints: MediaTrackConstraints,
    ) -> impl std::future::Future<Output = Result<()>> + Send + 'static {
        let track = self.clone();
        crate::devices::run_on(&self.inner.source.requests, move || {
            track.apply_constraints_blocking(constraints)
        })
    }

    /// The event loop this track's events run on (its `MediaDevices`' loop, or the global
    /// loop for a track on a canvas or file).
    pub fn event_loop(&self) -> &EventLoop {
        &self.inner.source.event_loop
    }

    fn apply_constraints_blocking(&self, constraints: MediaTrackConstraints) -> Result<()> {
        // Chromium's constraint string limits, checked as it parses the constraints (before
        // anything else): OverconstrainedError("", "Cannot parse constraints").
        mediacapture_core::check_apply_constraint_strings(&constraints)?;
        let inner = &self.inner;
        if inner.is_ended() {
            return Ok(());
        }
        let hub = &inner.source;
        let shared = hub.live_tracks().len() > 1;
        let current = hub.config();
        // Chromium: a running device shared with other tracks keeps its format; a track alone
        // on its device may move it to another native mode (the source restarts).
        let descriptor = running_source_view(&hub.selection_descriptor(), &current, shared);
        let view = DeviceView {
            descriptor: &descriptor,
            device_id: hub.device_id.clone(),
            group_id: hub.group_id.clone(),
            audio_processing: hub.audio_processing,
        };
        let current_settings = inner.state.lock().settings.clone();
        let display_audio = hub.display && inner.kind == TrackKind::Audio;
        let selection = mediacapture_core::select_settings_with_current(
            &view,
            &if display_audio {
                crate::display_audio::without(&constraints)
            } else {
                constraints.clone()
            },
            Some(&current_settings),
        )
        .map_err(|u| {
            crate::Error::overconstrained(
                u.constraint.clone(),
                format!(
                    "no settings of this track satisfy the constraint {:?}",
                    u.constraint
                ),
            )
        })?;
        let mut settings = selection.settings;
        if display_audio {
            crate::display_audio::settle(&constraints, hub.excludes_own_playback(), &mut settings)?;
        }
        if selection.native != current {
            hub.reconfigure(&selection.native)?;
        }
        {
            let mut s = inner.state.lock();
            s.constraints = constraints;
            s.settings = keep_unset_ids(settings, &s.settings);
        }
        hub.rebuild_routes();
        Ok(())
    }

    /// Registers a listener for this track's events (`ended`, `mute`, `unmute`). Listeners run
    /// on the event thread, in order, never under an internal lock.
    pub fn add_event_listener(
        &self,
        listener: impl Fn(&TrackEvent) + Send + Sync + 'static,
    ) -> ListenerId {
        self.inner.events.add(listener)
    }

    /// Registers a listener for one event type only (like `onended = …`).
    pub fn on(&self, event: TrackEvent, listener: impl Fn() + Send + Sync + 'static) -> ListenerId {
        self.inner.events.add(move |e| {
            if *e == event {
                listener()
            }
        })
    }

    /// Unregisters a listener; `false` if it was not registered.
    pub fn remove_event_listener(&self, id: ListenerId) -> bool {
        self.inner.events.remove(id)
    }

    /// An async stream of this track's events from now on.
    pub fn events(&self) -> EventStream<TrackEvent> {
        self.inner.events.stream()
    }

    /// Calls `callback` with every video frame this track delivers (keep it quick): on the
    /// source's capture thread for a track at the source's size, on the delivery thread of
    /// its size for a scaled track (so scaled tracks do not wait for each other). Frames are
    /// shared, never copied, between sinks.
    ///
    /// The callback is dropped, after its last call has returned, when the track ends (by
    /// [`MediaStreamTrack::stop`], which fires no event, or because its source ended) or the
    /// sink is removed: a consumer can keep a guard in it to learn that no frame will follow.
    pub fn on_video_frame(&self, callback: impl Fn(&VideoFrame) + Send + Sync + 'static) -> SinkId {
        self.inner.add_sink(Sink::VideoCallback(Arc::new(callback)))
    }

    /// The last video frame this track delivered, as a sink would have received it (black
    /// while disabled); `None` before the first frame, and while muted or ended.
    ///
    /// A sink added now gets the *next* frame, up to one frame interval later (or never, on
    /// a still screen whose capture waits for damage); this is the frame it missed. Chromium
    /// does the same for its media players and canvas capture (`RequestRefreshFrame` on a
    /// new sink): the media element uses it to show a stream's current frame at once.
    pub fn refresh_frame(&self) -> Option<VideoFrame> {
        let (enabled, size) = {
            let s = self.inner.state.lock();
            if s.ready_state == MediaStreamTrackState::Ended || s.muted {
                return None;
            }
            (s.enabled, (s.settings.width, s.settings.height))
        };
        let own = self.inner.last_video.lock().clone();
        // None yet of its own (a track made after the device's last frame): the device's,
        // when this track takes the device's frames at their size.
        let frame = own.or_else(|| {
            self.inner
                .source
                .last_video()
                .filter(|f| size == (Some(f.display_width()), Some(f.display_height())))
        })?;
        Some(if enabled {
            frame
        } else {
            black_frame(
                frame.display_width(),
                frame.display_height(),
                frame.timestamp(),
            )
        })
    }

    /// Calls `callback` with every block of audio this track delivers, on the capture thread.
    /// Dropped like [`MediaStreamTrack::on_video_frame`]'s when the track ends.
    pub fn on_audio_data(&self, callback: impl Fn(&AudioData) + Send + Sync + 'static) -> SinkId {
        self.inner.add_sink(Sink::AudioCallback(Arc::new(callback)))
    }

    /// An async stream of this (video) track's frames, holding at most a few frames and
    /// dropping the oldest when the reader is behind. It ends when the track ends.
    pub fn video_frames(&self) -> VideoFrameStream {
        let stream = VideoFrameStream::new(VIDEO_SINK_CAPACITY);
        let sink = Sink::VideoStream(stream.queue.clone());
        if self.inner.is_ended() {
            sink.close();
        }
        self.inner.add_sink(sink);
        stream
    }

    /// An async stream of this (audio) track's data, bounded; overflows are reported as errors.
    pub fn audio_data(&self) -> AudioDataStream {
        self.audio_data_with_capacity(AUDIO_SINK_CAPACITY)
    }

    /// [`MediaStreamTrack::audio_data`] with a chosen capacity in blocks.
    pub fn audio_data_with_capacity(&self, capacity: usize) -> AudioDataStream {
        let stream = AudioDataStream::new(capacity);
        let sink = Sink::AudioStream(stream.queue.clone());
        if self.inner.is_ended() {
            sink.close();
        }
        self.inner.add_sink(sink);
        stream
    }

    /// How many sinks are attached: callbacks, and streams whose reader still holds them
    /// (a dropped stream is detached at the next delivery).
    pub fn sink_count(&self) -> usize {
        self.inner
            .sinks
            .lock()
            .iter()
            .filter(|(_, s)| !s.is_closed())
            .count()
    }

    /// Removes a sink added with `on_video_frame`, `on_audio_data`, `video_frames` or
    /// `audio_data` (its stream ends).
    pub fn remove_sink(&self, id: SinkId) {
        let removed: Vec<_> = {
            let mut sinks = self.inner.sinks.lock();
            let (gone, keep) = sinks.drain(..).partition(|(i, _)| *i == id);
            *sinks = keep;
            gone
        };
        for (_, s) in removed {
            s.close();
        }
    }

    /// `true` for a getDisplayMedia track: a display surface or the system audio.
    pub(crate) fn is_display(&self) -> bool {
        self.inner.source.display
    }

    pub(crate) fn is_from_device(&self, devices: &Arc<DevicesInner>) -> bool {
        self.inner
            .devices
            .as_ref()
            .and_then(Weak::upgrade)
            .is_some_and(|d| Arc::ptr_eq(&d, devices))
    }

    /// Ends the track as the UA does (permission revoked), firing `ended` in a queued task.
    pub(crate) fn end_by_ua(&self) {
        let inner = self.inner.clone();
        self.inner
            .source
            .event_loop
            .queue(move || inner.end_by_source());
    }
}

impl Drop for TrackInner {
    /// A track nobody holds any more can never be stopped: it stops now (no event), so its
    /// source closes when it was the last one. Chromium stops a collected track's source too.
    fn drop(&mut self) {
        if self.mark_ended() {
            self.source.detach(self);
        }
    }
}

impl TrackInner {
    pub(crate) fn is_ended(&self) -> bool {
        self.state.lock().ready_state == MediaStreamTrackState::Ended
    }

    /// Sets the ready state to ended, keeping only the inherent settings; closes the sinks.
    /// `false` if it was already ended.
    fn mark_ended(&self) -> bool {
        {
            let mut s = self.state.lock();
            if s.ready_state == MediaStreamTrackState::Ended {
                return false;
            }
            s.ready_state = MediaStreamTrackState::Ended;
            // Spec: an ended track's getSettings() keeps only the inherent constrainable
            // track properties (deviceId, groupId, facingMode).
            let old = std::mem::take(&mut s.settings);
            s.settings.device_id = old.device_id;
            s.settings.group_id = old.group_id;
            s.settings.facing_mode = old.facing_mode;
        }
        let sinks = std::mem::take(&mut *self.sinks.lock());
        for (_, s) in sinks {
            s.close();
        }
        self.last_video.lock().take();
        true
    }

    /// Spec: "ending for other reasons" — runs inside a queued task.
    pub(crate) fn end_by_source(&self) {
        if self.mark_ended() {
            self.source.detach(self);
            self.events.dispatch(&TrackEvent::Ended);
            self.events.close_streams();
        }
    }

    /// Spec: "set a track's muted state" — runs inside a queued task.
    pub(crate) fn set_muted(&self, muted: bool) {
        {
            let mut s = self.state.lock();
            if s.ready_state == MediaStreamTrackState::Ended || s.muted == muted {
                return;
            }
            s.muted = muted;
        }
        self.events.dispatch(if muted {
            &TrackEvent::Mute
        } else {
            &TrackEvent::Unmute
        });
    }

    /// Chooses this track's settings again after its source changed its native
    /// configuration by itself. Constraints that the new configuration cannot meet are
    /// ignored while they overconstrain (as screen-share says for a resized surface); the
    /// track is neither muted nor ended. Runs in a task.
    pub(crate) fn reselect(&self, descriptor: &DeviceDescriptor, device_id: &str, group_id: &str) {
        let view = DeviceView {
            descriptor,
            device_id: device_id.to_string(),
            group_id: group_id.to_string(),
            audio_processing: self.source.audio_processing,
        };
        let constraints = self.state.lock().constraints.clone();
        let selection = mediacapture_core::select_settings(&view, &constraints).or_else(|_| {
            mediacapture_core::select_settings(&view, &MediaTrackConstraints::default())
        });
        match selection {
            Ok(sel) => {
                let mut s = self.state.lock();
                if s.ready_state == MediaStreamTrackState::Live {
                    s.settings = keep_unset_ids(sel.settings, &s.settings);
                    let mut caps = mediacapture_core::capabilities(&view);
                    if s.capabilities.group_id.is_none() {
                        caps.group_id = None;
                    }
                    s.capabilities = caps;
                }
            }
            Err(u) => tracing::warn!(
                "no settings fit the reconfigured source: {:?}",
                u.constraint
            ),
        }
    }

    /// What this track wants from its source's adapters, when the source runs in `native`.
    pub(crate) fn target(
        &self,
        native: &mediacapture_types::native::NativeConfig,
    ) -> Option<Target> {
        let s = self.state.lock();
        match self.kind {
            TrackKind::Video => {
                let rate = s.settings.frame_rate?;
                // Frames are decimated only for a track slower than its source. At the
                // source's own rate every frame passes (0: no limit), so bursty sources (a
                // generator, a canvas) lose nothing, as in Chromium, whose adapter limits
                // the rate only when the track's frame rate is below the source's.
                let source_rate = match native {
                    mediacapture_types::native::NativeConfig::Video(v) => v.frame_rate,
                    _ => 0.0,
                };
                let frame_rate = if source_rate > 0.0 && rate >= source_rate {
                    0.0
                } else {
                    rate
                };
                Some(Target::Video {
                    width: s.settings.width?,
                    height: s.settings.height?,
                    frame_rate,
                })
            }
            TrackKind::Audio => Some(Target::Audio {
                sample_rate: s.settings.sample_rate?,
                channel_count: s.settings.channel_count?,
                processing: mediacapture_core::audio::software_processing(&s.settings, native),
            }),
        }
    }

    fn add_sink(&self, sink: Sink) -> SinkId {
        let id = next_sink_id();
        self.sinks.lock().push((id, Arc::new(sink)));
        id
    }

    fn sinks_snapshot(&self) -> Option<(bool, Vec<Arc<Sink>>)> {
        let s = self.state.lock();
        if s.ready_state == MediaStreamTrackState::Ended || s.muted {
            return None;
        }
        let enabled = s.enabled;
        drop(s);
        let sinks: Vec<Arc<Sink>> = {
            let mut all = self.sinks.lock();
            // Streams whose reader dropped them are detached here.
            all.retain(|(_, s)| !s.is_closed());
            all.iter().map(|(_, s)| s.clone()).collect()
        };
        Some((enabled, sinks))
    }

    pub(crate) fn deliver_video(&self, frame: &VideoFrame) {
        // Kept even without sinks: the frame delivered before a sink was added (a camera's
        // first frame comes during getUserMedia) is what `refresh_frame` gives that sink.
        *self.last_video.lock() = Some(frame.clone());
        let Some((enabled, sinks)) = self.sinks_snapshot() else {
            return;
        };
        if sinks.is_empty() {
            return;
        }
        let black;
        let frame = if enabled {
            frame
        } else {
            // Spec: a disabled video track renders black frames.
            black = black_frame(
                frame.display_width(),
                frame.display_height(),
                frame.timestamp(),
            );
            &black
        };
        for s in sinks {
            match &*s {
                Sink::VideoCallback(cb) => cb(frame),
                Sink::VideoStream(q) => q.push(frame.clone()),
                _ => {}
            }
        }
    }

    pub(crate) fn deliver_audio(&self, data: &AudioData) {
        let Some((enabled, sinks)) = self.sinks_snapshot() else {
            return;
        };
        if sinks.is_empty() {
            return;
        }
        let quiet;
        let data = if enabled {
            data
        } else {
            // Spec: a disabled audio track is silence.
            quiet = silence(
                data.sample_rate(),
                data.channels(),
                data.frames(),
                data.timestamp(),
            );
            &quiet
        };
        for s in sinks {
            match &*s {
                Sink::AudioCallback(cb) => cb(data),
                Sink::AudioStream(q) => q.push(data.clone()),
                _ => {}
            }
        }
    }
}

/// Settings chosen again keep the id members the track had (a source with no ids has none).
/// `new` without the ids `old` does not have (a track that reports no groupId, as a
/// getDisplayMedia track, never starts to).
fn keep_unset_ids(mut new: MediaTrackSettings, old: &MediaTrackSettings) -> MediaTrackSettings {
    if old.device_id.is_none() {
        new.device_id = None;
    }
    if old.group_id.is_none() {
        new.group_id = None;
    }
    new
}
