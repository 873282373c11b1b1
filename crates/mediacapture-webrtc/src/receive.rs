//! The receive path: remote media becomes an ordinary `MediaStreamTrack`.
//!
//! Each receiver has a [`RemoteBackend`]: a `mediacapture_hal::Backend` with one device, the
//! remote source, opened with `mediacapture::custom::open_track` like a canvas or a file. The
//! source starts muted; a decode thread per receiver turns the depacketized frames str0m
//! gives into `VideoFrame`s / `AudioData` and pushes them into the source's sink, unmuting it
//! with the first one. A new picture size is announced as `SourceEvent::Reconfigured`, so the
//! track's settings follow the sender.

use crate::codec::{
    Codec, EncodedVideoFrame, REMOTE_AUDIO_CHANNELS, REMOTE_AUDIO_RATE, VideoDecoderFactory,
};
use crate::{Error, Result};
use mediacapture::{MediaStreamTrack, MediaTrackConstraints, TrackKind};
use mediacapture_codec::OpusDecoder;
use mediacapture_frame::VideoFrame;
use mediacapture_hal::{Backend, Source, SourceEvent, SourceSink};
use mediacapture_types::native::{
    AudioCapabilities, DeviceDescriptor, NativeCapabilities, NativeConfig, VideoCapabilities,
    VideoMode,
};
use mediacapture_types::{EchoCancellation, MediaDeviceKind};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;

/// The size a remote video track reports before its first frame (webrtc-pc gives no size
/// until media arrives; these are the default constraints' ideal values).
const INITIAL_MODE: VideoMode = VideoMode {
    width: 640,
    height: 480,
    frame_rate: 30.0,
};

/// Encoded frames waiting for the decoder; more means the decoder is behind (the oldest are
/// dropped and a keyframe asked for).
const QUEUE: usize = 64;

/// What the sink side of a remote source knows: the sink while the track is open, and
/// whether it is muted.
#[derive(Default)]
struct SourceState {
    sink: Option<Arc<dyn SourceSink>>,
    muted: bool,
    ended: bool,
    config: Option<NativeConfig>,
}

/// The backend of one remote track.
pub(crate) struct RemoteBackend {
    descriptor: DeviceDescriptor,
    state: Arc<Mutex<SourceState>>,
}

struct RemoteSourceHandle {
    config: NativeConfig,
    state: Weak<Mutex<SourceState>>,
}

impl Source for RemoteSourceHandle {
    fn config(&self) -> &NativeConfig {
        &self.config
    }
    fn stop(&mut self) {
        if let Some(s) = self.state.upgrade() {
            s.lock().sink = None;
        }
    }
}

impl Backend for RemoteBackend {
    fn name(&self) -> &'static str {
        "webrtc"
    }
    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        Ok(vec![self.descriptor.clone()])
    }
    fn open(
        &self,
        raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        if raw_id != self.descriptor.raw_id {
            return Err(Error::not_found("no such remote source"));
        }
        let mut s = self.state.lock();
        if s.ended {
            return Err(Error::invalid_state("the remote source has ended"));
        }
        // Spec: a receiver's track is muted until media arrives.
        if s.muted {
            sink.on_event(SourceEvent::Muted);
        }
        s.sink = Some(sink);
        s.config = Some(config.clone());
        Ok(Box::new(RemoteSourceHandle {
            config: config.clone(),
            state: Arc::downgrade(&self.state),
        }))
    }
}

/// The remote side of one receiver: its track and what feeds it.
pub(crate) struct RemoteSource {
    pub(crate) track: MediaStreamTrack,
    state: Arc<Mutex<SourceState>>,
}

impl RemoteSource {
    /// Makes the receiver's track (muted, live).
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dfn-create-an-rtcrtpreceiver>
    pub(crate) fn new(kind: TrackKind, id: &str) -> Result<RemoteSource> {
        let capabilities = match kind {
            TrackKind::Video => NativeCapabilities::Video(VideoCapabilities {
                modes: vec![INITIAL_MODE],
                facing_mode: None,
            }),
            TrackKind::Audio => NativeCapabilities::Audio(AudioCapabilities {
                sample_rates: vec![REMOTE_AUDIO_RATE],
                channel_counts: vec![REMOTE_AUDIO_CHANNELS],
                sample_sizes: vec![16],
                latency: (0.02, 0.02),
                echo_cancellation: vec![EchoCancellation::Bool(false)],
                auto_gain_control: vec![false],
                noise_suppression: vec![false],
            }),
        };
        let descriptor = DeviceDescriptor {
            raw_id: id.to_string(),
            raw_group_id: String::new(),
            kind: match kind {
                TrackKind::Video => MediaDeviceKind::VideoInput,
                TrackKind::Audio => MediaDeviceKind::AudioInput,
            },
            label: match kind {
                TrackKind::Video => "remote video".into(),
                TrackKind::Audio => "remote audio".into(),
            },
            is_default: false,
            capabilities,
        };
        let state = Arc::new(Mutex::new(SourceState {
            muted: true,
            ..Default::default()
        }));
        let backend = Arc::new(RemoteBackend {
            descriptor: descriptor.clone(),
            state: state.clone(),
        });
        let track = mediacapture::custom::open_track(
            backend,
            descriptor,
            MediaTrackConstraints::default(),
        )?;
        Ok(RemoteSource { track, state })
    }

    fn sink(&self) -> Option<Arc<dyn SourceSink>> {
        self.state.lock().sink.clone()
    }

    /// Mutes or unmutes the track (no media for a while; the remote stopped sending).
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dfn-set-the-muted-state>
    pub(crate) fn set_muted(&self, muted: bool) {
        let sink = {
            let mut s = self.state.lock();
            if s.muted == muted || s.ended {
                return;
            }
            s.muted = muted;
            s.sink.clone()
        };
        if let Some(sink) = sink {
            sink.on_event(if muted {
                SourceEvent::Muted
            } else {
                SourceEvent::Unmuted
            });
        }
    }

    /// Ends the track for good, firing `ended` (the remote went away).
    pub(crate) fn end(&self, why: &str) {
        let sink = {
            let mut s = self.state.lock();
            if s.ended {
                return;
            }
            s.ended = true;
            s.sink.take()
        };
        if let Some(sink) = sink {
            sink.on_event(SourceEvent::Ended(Some(Error::not_readable(
                why.to_string(),
            ))));
        }
    }

    /// Ends the track without an event (our own `close()` / `stop()`).
    pub(crate) fn stop(&self) {
        self.state.lock().ended = true;
        self.track.stop();
    }

    fn push_video(&self, frame: VideoFrame) {
        let (w, h) = (frame.display_width(), frame.display_height());
        let changed = {
            let s = self.state.lock();
            !matches!(s.config, Some(NativeConfig::Video(m)) if m.width == w && m.height == h)
        };
        if changed {
            let mode = NativeConfig::Video(VideoMode {
                width: w,
                height: h,
                frame_rate: INITIAL_MODE.frame_rate,
            });
            self.state.lock().config = Some(mode.clone());
            if let Some(sink) = self.sink() {
                sink.on_event(SourceEvent::Reconfigured(mode));
            }
        }
        self.set_muted(false);
        if let Some(sink) = self.sink() {
            sink.on_video(frame);
        }
    }

    fn push_audio(&self, data: mediacapture_frame::AudioData) {
        self.set_muted(false);
        if let Some(sink) = self.sink() {
            sink.on_audio(data);
        }
    }
}

/// Counters of one receiver, for `getStats()`'s `inbound-rtp`.
#[derive(Debug, Default)]
pub(crate) struct InboundCounters {
    pub(crate) frames_received: AtomicU64,
    pub(crate) frames_decoded: AtomicU64,
    pub(crate) key_frames_decoded: AtomicU64,
    pub(crate) frame_width: AtomicU64,
    pub(crate) frame_height: AtomicU64,
    pub(crate) total_samples_received: AtomicU64,
    pub(crate) decode_errors: AtomicU64,
    pub(crate) dropped: AtomicU64,
    /// Sum of squared samples (audio energy, ×1e6 fixed point).
    pub(crate) energy_micro: AtomicU64,
    /// `decoderImplementation` of the video decoder in use.
    pub(crate) decoder_implementation: Mutex<Option<&'static str>>,
}

/// What the driver hands a receiver's decode thread.
pub(crate) enum Incoming {
    Video(EncodedVideoFrame),
    /// An Opus packet and its time on the process clock.
    Audio(Arc<[u8]>, i64),
    /// Packets were lost before this point (video: wait for a keyframe).
    Gap,
}

/// A receiver's decode thread.
pub(crate) struct ReceivePipeline {
    tx: Option<SyncSender<Incoming>>,
    thread: Option<JoinHandle<()>>,
    pub(crate) counters: Arc<InboundCounters>,
}

impl ReceivePipeline {
    /// Starts decoding into `source`. `keyframe` asks the sender for a keyframe.
    pub(crate) fn start(
        kind: TrackKind,
        source: Arc<RemoteSource>,
        decoders: Arc<dyn VideoDecoderFactory>,
        keyframe: impl Fn() + Send + 'static,
    ) -> Result<ReceivePipeline> {
        let (tx, rx) = sync_channel(QUEUE);
        let counters = Arc::new(InboundCounters::default());
        let c = counters.clone();
        let opus = match kind {
            TrackKind::Audio => Some(OpusDecoder::new(REMOTE_AUDIO_RATE, REMOTE_AUDIO_CHANNELS)?),
            TrackKind::Video => None,
        };
        let thread = std::thread::Builder::new()
            .name("webrtc-receive".into())
            .spawn(move || decode_loop(rx, source, decoders, opus, c, keyframe))
            .map_err(|e| Error::unknown(format!("cannot start a receive thread: {e}")))?;
        Ok(ReceivePipeline {
            tx: Some(tx),
            thread: Some(thread),
            counters,
        })
    }

    /// Queues received media; `false` when the queue was full (the item is dropped).
    pub(crate) fn push(&self, item: Incoming) -> bool {
        let Some(tx) = &self.tx else { return false };
        match tx.try_send(item) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                // The frames after the dropped one cannot be decoded until a keyframe.
                let _ = tx.try_send(Incoming::Gap);
                false
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

impl Drop for ReceivePipeline {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take()
            && t.thread().id() != std::thread::current().id()
        {
            let _ = t.join();
        }
    }
}

fn decode_loop(
    rx: Receiver<Incoming>,
    source: Arc<RemoteSource>,
    decoders: Arc<dyn VideoDecoderFactory>,
    mut opus: Option<OpusDecoder>,
    counters: Arc<InboundCounters>,
    keyframe: impl Fn(),
) {
    let mut video: Option<(Codec, Box<dyn crate::codec::VideoDecoder>)> = None;
    let mut need_key = true;
    let mut out = Vec::new();
    let mut warned = false;
    // Frames skipped while waiting for a keyframe since the last request.
    let mut skipped = 0u32;
    while let Ok(item) = rx.recv() {
        match item {
            Incoming::Gap => {
                need_key = true;
                keyframe();
            }
            Incoming::Audio(data, ts) => {
                let Some(dec) = opus.as_mut() else { continue };
                match dec.decode(Some(&data), ts) {
                    Ok(a) => {
                        counters
                            .total_samples_received
                            .fetch_add(a.frames() as u64, Ordering::Relaxed);
                        counters.frames_decoded.fetch_add(1, Ordering::Relaxed);
                        let e: f64 = a
                            .to_f32_interleaved()
                            .iter()
                            .map(|s| f64::from(*s) * f64::from(*s))
                            .sum::<f64>()
                            / f64::from(REMOTE_AUDIO_CHANNELS)
                            / f64::from(REMOTE_AUDIO_RATE);
                        counters
                            .energy_micro
                            .fetch_add((e * 1e6) as u64, Ordering::Relaxed);
                        source.push_audio(a);
                    }
                    Err(e) => {
                        counters.decode_errors.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!("opus: {e}");
                    }
                }
            }
            Incoming::Video(frame) => {
                counters.frames_received.fetch_add(1, Ordering::Relaxed);
                if need_key && !frame.key {
                    // Ask again every second or so (30 frames) until one comes.
                    if skipped.is_multiple_of(30) {
                        keyframe();
                    }
                    skipped += 1;
                    continue;
                }
                skipped = 0;
                if video.as_ref().is_none_or(|(c, _)| *c != frame.codec) {
                    video = decoders.create(frame.codec).map(|d| (frame.codec, d));
                    if let Some((_, d)) = &video {
                        *counters.decoder_implementation.lock() = Some(d.implementation());
                    }
                    if video.is_none() && !warned {
                        warned = true;
                        tracing::warn!(
                            "no {} decoder: the remote video track stays muted",
                            frame.codec.mime_type()
                        );
                    }
                }
                let Some((_, dec)) = video.as_mut() else {
                    continue;
                };
                out.clear();
                match dec.decode(&frame, &mut out) {
                    Ok(()) => {
                        need_key = false;
                        if frame.key {
                            counters.key_frames_decoded.fetch_add(1, Ordering::Relaxed);
                        }
                        for f in out.drain(..) {
                            counters.frames_decoded.fetch_add(1, Ordering::Relaxed);
                            counters
                                .frame_width
                                .store(u64::from(f.display_width()), Ordering::Relaxed);
                            counters
                                .frame_height
                                .store(u64::from(f.display_height()), Ordering::Relaxed);
                            source.push_video(f);
                        }
                    }
                    Err(e) => {
                        counters.decode_errors.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!("video decode: {e}");
                        need_key = true;
                        keyframe();
                    }
                }
            }
        }
    }
}
