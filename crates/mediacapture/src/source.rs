//! The source hub: one open device shared by every track on it, and the per-track adapters.
//!
//! A device opened by several tracks (clones, or several getUserMedia calls) is opened once, in
//! one native configuration. Each distinct target (a smaller size, a lower frame rate, another
//! sample rate or channel count) gets one adapter, computed once per frame and shared by every
//! track that wants that output: Chromium's `VideoTrackAdapter` is the model. An audio
//! target with software processing gets an [`AudioProcessor`] (one per distinct processing
//! configuration and channel count, as Chromium runs one processing chain per distinct
//! configuration).

use crate::audio_processing::{AudioProcessor, SoftwareProcessing};
use crate::delivery::{Tracks, VideoWorker};
use crate::events::EventLoop;
use crate::track::TrackInner;
use crate::{Error, Result};
use mediacapture_frame::{
    AudioAdapter, AudioData, FrameRateDecimator, VideoAdapter, VideoAdapterConfig, VideoFrame,
};
use mediacapture_hal::{Backend, Source, SourceEvent, SourceSink};
use mediacapture_types::native::{DeviceDescriptor, NativeConfig};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::thread::ThreadId;

/// What a track wants out of its source, when it differs from the native configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Target {
    Video {
        width: u32,
        height: u32,
        frame_rate: f64,
    },
    Audio {
        sample_rate: u32,
        channel_count: u32,
        /// Software processing, when the track's settings ask for any.
        processing: Option<SoftwareProcessing>,
    },
}

type TargetKey = (u64, u64, u64, u8);

impl Target {
    fn key(&self) -> TargetKey {
        match *self {
            Target::Video {
                width,
                height,
                frame_rate,
            } => (u64::from(width), u64::from(height), frame_rate.to_bits(), 0),
            Target::Audio {
                sample_rate,
                channel_count,
                processing,
            } => {
                let bits = processing.map_or(0, |p| {
                    use crate::audio_processing::EchoReference as E;
                    1 | match p.echo_cancellation {
                        None => 0,
                        Some(E::All) => 2,
                        Some(E::RemoteOnly) => 4,
                    } | u8::from(p.auto_gain_control) << 3
                        | u8::from(p.noise_suppression) << 4
                });
                (
                    u64::from(sample_rate),
                    u64::from(channel_count),
                    u64::MAX,
                    bits,
                )
            }
        }
    }
}

enum Adapter {
    Video(VideoAdapter),
    Audio(AudioAdapter),
    Processed(Box<AudioProcessor>),
}

/// Where a route's frames are adapted and delivered.
#[derive(Clone)]
enum RouteAdapter {
    /// On the thread that delivers the source's frames: audio, and video at the native size
    /// (passed through, or decimated only).
    Inline(Arc<Mutex<Adapter>>),
    /// Video that is scaled: on the route's own thread, so that no track waits for another's
    /// scaling or sinks (see [`crate::delivery`]).
    Threaded(Arc<VideoWorker>),
}

struct Route {
    adapter: RouteAdapter,
    tracks: Tracks,
}

struct HubState {
    source: Option<Box<dyn Source>>,
    config: NativeConfig,
    tracks: Vec<Weak<TrackInner>>,
    adapters: HashMap<TargetKey, RouteAdapter>,
    closed: bool,
    muted: bool,
    /// Set when the source changed its configuration by itself (`SourceEvent::Reconfigured`):
    /// selection then sees that configuration as the device's only native mode.
    reconfigured: bool,
}

/// One open device.
pub(crate) struct SourceHub {
    pub(crate) descriptor: DeviceDescriptor,
    /// `true` for a getDisplayMedia source (a display surface, or the system audio that
    /// goes with it): never shared with another getUserMedia/getDisplayMedia call, and under
    /// the "display-capture" permission rather than "camera" / "microphone".
    pub(crate) display: bool,
    pub(crate) device_id: String,
    pub(crate) group_id: String,
    /// Whether the software audio processing is offered for this source (a getUserMedia
    /// microphone): selection for its tracks sees the processed kind of candidates too.
    pub(crate) audio_processing: bool,
    backend: Arc<dyn Backend>,
    /// Where this source's tracks fire their events.
    pub(crate) event_loop: EventLoop,
    /// Where applyConstraints of this source's tracks runs.
    pub(crate) requests: EventLoop,
    state: Mutex<HubState>,
    routes: Mutex<Arc<Vec<Route>>>,
    capture_thread: Mutex<Option<ThreadId>>,
    /// The last video frame the device delivered, before any adapting: a track added after
    /// it (getUserMedia delivers the camera's first frame while it builds the track) takes it
    /// as its refresh frame when its settings are the device's size.
    last_video: Mutex<Option<VideoFrame>>,
}

/// What opened a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceOrigin {
    /// getUserMedia.
    UserMedia,
    /// getDisplayMedia.
    DisplayMedia,
    /// A custom source ([`crate::custom::open_track`]).
    Custom,
}

impl SourceHub {
    /// Opens `descriptor` on `backend` in `config`, for a source opened by `origin`.
    /// Its tracks' events run on `event_loop`, their applyConstraints on `requests`.
    #[allow(
        clippy::too_many_arguments,
        reason = "the hub's identity and where its work runs, all set once"
    )]
    pub(crate) fn open(
        backend: Arc<dyn Backend>,
        descriptor: DeviceDescriptor,
        origin: SourceOrigin,
        device_id: String,
        group_id: String,
        config: NativeConfig,
        event_loop: EventLoop,
        requests: EventLoop,
    ) -> Result<Arc<SourceHub>> {
        let display = origin == SourceOrigin::DisplayMedia || descriptor.is_display();
        let hub = Arc::new(SourceHub {
            // Software processing is for the user's microphones only: not for system audio,
            // nor for a custom source (a generator, a media file) whose audio is already
            // what the program made.
            audio_processing: origin == SourceOrigin::UserMedia
                && !display
                && mediacapture_core::is_microphone(&descriptor),
            display,
            descriptor,
            device_id,
            group_id,
            backend,
            event_loop,
            requests,
            state: Mutex::new(HubState {
                source: None,
                config: config.clone(),
                tracks: Vec::new(),
                adapters: HashMap::new(),
                closed: false,
                muted: false,
                reconfigured: false,
            }),
            routes: Mutex::new(Arc::new(Vec::new())),
            capture_thread: Mutex::new(None),
            last_video: Mutex::new(None),
        });
        let source = hub.start(&config)?;
        hub.state.lock().source = Some(source);
        Ok(hub)
    }

    fn start(self: &Arc<Self>, config: &NativeConfig) -> Result<Box<dyn Source>> {
        let sink: Arc<dyn SourceSink> = Arc::new(HubSink {
            hub: Arc::downgrade(self),
        });
        self.backend.open(&self.descriptor.raw_id, config, sink)
    }

    /// The configuration the device runs in.
    pub(crate) fn config(&self) -> NativeConfig {
        self.state.lock().config.clone()
    }

    /// The device as selection should see it now: its descriptor, or, after the source
    /// reconfigured itself, a descriptor whose only native mode is the new configuration.
    pub(crate) fn selection_descriptor(&self) -> DeviceDescriptor {
        let s = self.state.lock();
        if s.reconfigured {
            mediacapture_core::shared_source::reconfigured_source_view(&self.descriptor, &s.config)
        } else {
            self.descriptor.clone()
        }
    }

    /// Whether this source's backend keeps this process's own playback out of its system
    /// audio (`restrictOwnAudio`).
    pub(crate) fn excludes_own_playback(&self) -> bool {
        self.backend.system_audio_excludes_own_playback()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    pub(crate) fn is_muted(&self) -> bool {
        self.state.lock().muted
    }

    /// Live tracks on this source.
    pub(crate) fn live_tracks(&self) -> Vec<Arc<TrackInner>> {
        let s = self.state.lock();
        s.tracks
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|t| !t.is_ended())
            .collect()
    }

    pub(crate) fn attach(&self, track: &Arc<TrackInner>) {
        self.state.lock().tracks.push(Arc::downgrade(track));
        self.rebuild_routes();
    }

    /// Detaches a track that stopped or ended. The source closes when its last track goes.
    pub(crate) fn detach(&self, track: &TrackInner) {
        let source = {
            let mut s = self.state.lock();
            s.tracks.retain(|w| {
                w.upgrade()
                    .is_some_and(|t| !std::ptr::eq(Arc::as_ptr(&t), track) && !t.is_ended())
            });
            if s.tracks.is_empty() && !s.closed {
                s.closed = true;
                s.source.take()
            } else {
                None
            }
        };
        self.rebuild_routes();
        if let Some(source) = source {
            self.stop_source(source);
        }
    }

    /// Stops a source without deadlocking when called from the source's own capture thread
    /// (a frame callback that stops its track).
    fn stop_source(&self, mut source: Box<dyn Source>) {
        let on_capture_thread = *self.capture_thread.lock() == Some(std::thread::current().id());
        if on_capture_thread {
            let _ = std::thread::Builder::new()
                .name("mediacapture-stop".into())
                .spawn(move || source.stop());
        } else {
            source.stop();
        }
    }

    /// Reopens the device in `config` (applyConstraints on the only track of a source whose
    /// native mode no longer fits). On failure the old configuration keeps running. What the
    /// user granted for the source (a screen picked in the portal's dialog) is kept for the
    /// reopening: the user is not asked again (Chromium: the choice stands for the track's
    /// life).
    pub(crate) fn reconfigure(self: &Arc<Self>, config: &NativeConfig) -> Result<()> {
        if self.config() == *config {
            return Ok(());
        }
        let old = self.state.lock().source.take();
        if let Some(mut old) = old {
            let on_capture_thread =
                *self.capture_thread.lock() == Some(std::thread::current().id());
            if on_capture_thread {
                self.stop_source(old);
            } else {
                old.stop_keeping_grant();
            }
        }
        match self.start(config) {
            Ok(new) => {
                let mut s = self.state.lock();
                s.config = config.clone();
                s.adapters.clear();
                let orphan = self.install(&mut s, new);
                drop(s);
                if let Some(orphan) = orphan {
                    self.stop_source(orphan);
                }
                self.rebuild_routes();
                Ok(())
            }
            Err(e) => {
                let old_config = self.config();
                match self.start(&old_config) {
                    Ok(src) => {
                        let orphan = self.install(&mut self.state.lock(), src);
                        if let Some(orphan) = orphan {
                            self.stop_source(orphan);
                        }
                    }
                    Err(e2) => {
                        // Neither configuration opens any more (the device went, or access
                        // to it was withdrawn): the source is gone, and its tracks end as
                        // when a device goes away, rather than stay live without frames. A
                        // grant kept for the reopening is given up.
                        tracing::warn!(
                            "source {}: cannot reopen in {config} ({e}) nor go back to \
                             {old_config} ({e2}): its tracks end",
                            self.descriptor.label
                        );
                        self.backend.release_display(&self.descriptor.raw_id);
                        let hub = self.clone();
                        self.event_loop.queue(move || hub.end_all());
                    }
                }
                Err(e)
            }
        }
    }

    /// Makes `source` the running source, unless the hub closed meanwhile (its last track
    /// stopped while the device was reopened): then `source` is handed back to be stopped.
    fn install(&self, s: &mut HubState, source: Box<dyn Source>) -> Option<Box<dyn Source>> {
        if s.closed {
            Some(source)
        } else {
            s.source = Some(source);
            None
        }
    }

    /// Recomputes which adapter serves which tracks. Called whenever tracks come, go or change
    /// their settings. Adapters are kept per target so their frame-dropping state survives.
    pub(crate) fn rebuild_routes(&self) {
        let mut s = self.state.lock();
        let native = s.config.clone();
        let tracks: Vec<Arc<TrackInner>> = s
            .tracks
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|t| !t.is_ended())
            .collect();
        let mut routes: Vec<(Target, RouteAdapter, Vec<Weak<TrackInner>>)> = Vec::new();
        let mut used = Vec::new();
        for t in &tracks {
            let Some(target) = t.target(&native) else {
                continue;
            };
            if let Some((_, _, r)) = routes.iter_mut().find(|(k, _, _)| *k == target) {
                r.push(Arc::downgrade(t));
                continue;
            }
            let key = target.key();
            let adapter = match s.adapters.get(&key) {
                Some(a) => a.clone(),
                None => match make_route_adapter(&native, target) {
                    Ok(a) => {
                        s.adapters.insert(key, a.clone());
                        a
                    }
                    Err(e) => {
                        tracing::error!("cannot build an adapter for {target:?}: {e}");
                        continue;
                    }
                },
            };
            used.push(key);
            routes.push((target, adapter, vec![Arc::downgrade(t)]));
        }
        s.adapters.retain(|k, _| used.contains(k));
        drop(s);
        let routes = routes
            .into_iter()
            .map(|(_, adapter, tracks)| Route {
                adapter,
                tracks: Arc::new(tracks),
            })
            .collect();
        *self.routes.lock() = Arc::new(routes);
    }

    fn on_event(self: &Arc<Self>, event: SourceEvent) {
        match event {
            SourceEvent::Muted | SourceEvent::Unmuted => {
                let muted = event == SourceEvent::Muted;
                self.state.lock().muted = muted;
                let hub = self.clone();
                // Spec: "set a track's muted state" runs in a queued task for camera/mic.
                self.event_loop.queue(move || {
                    for t in hub.live_tracks() {
                        t.set_muted(muted);
                    }
                });
            }
            SourceEvent::Ended(reason) => {
                if let Some(e) = &reason {
                    tracing::info!("source {} ended: {e}", self.descriptor.label);
                }
                let hub = self.clone();
                self.event_loop.queue(move || hub.end_all());
            }
            SourceEvent::Reconfigured(config) => {
                {
                    let mut s = self.state.lock();
                    s.config = config;
                    s.reconfigured = true;
                    s.adapters.clear();
                }
                let hub = self.clone();
                self.event_loop.queue(move || {
                    let descriptor = hub.selection_descriptor();
                    for t in hub.live_tracks() {
                        t.reselect(&descriptor, &hub.device_id, &hub.group_id);
                    }
                    hub.rebuild_routes();
                });
            }
            _ => {}
        }
    }

    /// Ends every track of this source (firing `ended`) and closes it. Runs in a task.
    pub(crate) fn end_all(&self) {
        for t in self.live_tracks() {
            t.end_by_source();
        }
        self.close_after_end();
    }

    fn close_after_end(&self) {
        let source = {
            let mut s = self.state.lock();
            s.closed = true;
            s.source.take()
        };
        self.last_video.lock().take();
        if let Some(source) = source {
            self.stop_source(source);
        }
    }

    /// The last video frame the device delivered (not adapted to any track), if any.
    pub(crate) fn last_video(&self) -> Option<VideoFrame> {
        self.last_video.lock().clone()
    }

    fn deliver_video(&self, frame: VideoFrame) {
        *self.last_video.lock() = Some(frame.clone());
        let routes = self.routes.lock().clone();
        // The scaled routes first: their threads start at once, and none of them waits for
        // the native-size routes' sinks, which run here after.
        for route in routes.iter() {
            if let RouteAdapter::Threaded(w) = &route.adapter {
                w.post(frame.clone(), route.tracks.clone());
            }
        }
        for route in routes.iter() {
            let RouteAdapter::Inline(adapter) = &route.adapter else {
                continue;
            };
            let adapted = match &mut *adapter.lock() {
                Adapter::Video(a) => a.adapt(&frame),
                Adapter::Audio(_) | Adapter::Processed(_) => continue,
            };
            match adapted {
                Ok(Some(out)) => {
                    for t in route.tracks.iter().filter_map(Weak::upgrade) {
                        t.deliver_video(&out);
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!("video adapter failed: {e}"),
            }
        }
    }

    fn deliver_audio(&self, data: AudioData) {
        let routes = self.routes.lock().clone();
        for route in routes.iter() {
            let RouteAdapter::Inline(adapter) = &route.adapter else {
                continue;
            };
            let adapted = match &mut *adapter.lock() {
                Adapter::Audio(a) => {
                    // A source that reconfigured itself sends its new format at once, while
                    // the routes are rebuilt in a queued task: until then this route's
                    // adapter takes the new format to the tracks' current settings, so the
                    // first blocks are not lost.
                    if (a.in_rate(), a.in_channels()) != (data.sample_rate(), data.channels()) {
                        match AudioAdapter::new(
                            data.sample_rate(),
                            data.channels(),
                            a.out_rate(),
                            a.out_channels(),
                        ) {
                            Ok(n) => *a = n,
                            Err(e) => {
                                tracing::warn!("audio adapter failed: {e}");
                                continue;
                            }
                        }
                    }
                    a.process(&data)
                        .map_err(|e| Error::not_readable(e.to_string()))
                }
                Adapter::Processed(p) => p.process(&data),
                Adapter::Video(_) => continue,
            };
            match adapted {
                Ok(blocks) => {
                    for t in route.tracks.iter().filter_map(Weak::upgrade) {
                        for b in &blocks {
                            t.deliver_audio(b);
                        }
                    }
                }
                Err(e) => tracing::warn!("audio adapter failed: {e}"),
            }
        }
    }
}

/// The adapter of a route to `target`, and where it runs: video at a size other than the
/// native one on its own thread, the rest inline.
fn make_route_adapter(native: &NativeConfig, target: Target) -> Result<RouteAdapter> {
    if let (
        NativeConfig::Video(m),
        Target::Video {
            width,
            height,
            frame_rate,
        },
    ) = (native, target)
    {
        if (width, height) != (m.width, m.height) {
            // The capture thread decimates (`VideoWorker::post`); the thread only scales.
            let scaler = video_adapter(width, height, f64::INFINITY);
            let worker = VideoWorker::spawn(
                &format!("{width}x{height}@{frame_rate}"),
                FrameRateDecimator::new(frame_rate),
                Arc::new(Mutex::new(scaler)),
            )
            .map_err(|e| Error::not_readable(format!("cannot start a delivery thread: {e}")))?;
            return Ok(RouteAdapter::Threaded(Arc::new(worker)));
        }
    }
    Ok(RouteAdapter::Inline(Arc::new(Mutex::new(make_adapter(
        native, target,
    )?))))
}

fn make_adapter(native: &NativeConfig, target: Target) -> Result<Adapter> {
    match (native, target) {
        (
            NativeConfig::Audio(n),
            Target::Audio {
                sample_rate,
                channel_count,
                processing: Some(p),
            },
        ) => {
            if sample_rate != crate::audio_processing::PROCESSING_RATE {
                return Err(Error::not_readable(format!(
                    "processed audio is {} Hz, not {sample_rate} Hz",
                    crate::audio_processing::PROCESSING_RATE
                )));
            }
            AudioProcessor::new(n.sample_rate, n.channel_count, channel_count, p)
                .map(|p| Adapter::Processed(Box::new(p)))
        }
        (
            NativeConfig::Audio(n),
            Target::Audio {
                sample_rate,
                channel_count,
                processing: None,
            },
        ) => AudioAdapter::new(n.sample_rate, n.channel_count, sample_rate, channel_count)
            .map(Adapter::Audio)
            .map_err(|e| Error::not_readable(e.to_string())),
        (
            _,
            Target::Video {
                width,
                height,
                frame_rate,
            },
        ) => Ok(Adapter::Video(video_adapter(width, height, frame_rate))),
        (_, Target::Audio { .. }) => Err(Error::not_readable("audio target on a video source")),
    }
}

/// A track's video adapter: crop-and-scale to `width` x `height`, decimation to `frame_rate`
/// (not positive and finite: none), alpha kept where the source has it.
fn video_adapter(width: u32, height: u32, frame_rate: f64) -> VideoAdapter {
    VideoAdapter::new(VideoAdapterConfig {
        width,
        height,
        frame_rate,
    })
    .keeping_alpha()
}

/// The sink a backend pushes into. Holds the hub weakly: the hub owns the source, the source
/// owns this sink.
struct HubSink {
    hub: Weak<SourceHub>,
}

impl SourceSink for HubSink {
    fn on_video(&self, frame: VideoFrame) {
        if let Some(hub) = self.hub.upgrade() {
            note_capture_thread(&hub);
            hub.deliver_video(frame);
        }
    }
    fn on_audio(&self, data: AudioData) {
        if let Some(hub) = self.hub.upgrade() {
            note_capture_thread(&hub);
            hub.deliver_audio(data);
        }
    }
    fn on_event(&self, event: SourceEvent) {
        if let Some(hub) = self.hub.upgrade() {
            hub.on_event(event);
        }
    }
}

fn note_capture_thread(hub: &SourceHub) {
    let id = std::thread::current().id();
    let mut t = hub.capture_thread.lock();
    if *t != Some(id) {
        *t = Some(id);
    }
}
