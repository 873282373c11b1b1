//! `VideoTrackGenerator` and `MediaStreamTrackGenerator` (mediacapture-transform): tracks
//! whose media is what the application writes.
//!
//! A [`TrackGenerator`] is a source like a camera (it goes through [`crate::custom`]): its
//! track and the track's clones share it, each with its own constraints (scale, crop,
//! frame-rate decimation, resampling), and it closes when the last of them ends. What is
//! written is delivered to every live track, timestamped when written on the capture clock
//! ([`mediacapture_hal::clock::now_us`]), as a camera's frames are.
//!
//! Settings follow what is written, as the spec says: `width` / `height` are the latest
//! frame's, `frameRate` an estimate from the recent frames (`sampleRate` / `channelCount`
//! the latest audio's). Before anything is written the settings are a nominal 640x480 at 30
//! fps (video) or 48 kHz mono (audio): the spec gives no value for "no frame yet".
//!
//! Spec: <https://w3c.github.io/mediacapture-transform/#video-track-generator>

use crate::custom::open_track;
use crate::track::MediaStreamTrack;
use crate::{Error, Result, TrackKind};
use mediacapture_frame::{AudioData, VideoFrame};
use mediacapture_hal::clock::now_us;
use mediacapture_hal::{Backend, Source, SourceEvent, SourceSink};
use mediacapture_types::native::{
    AudioCapabilities, AudioConfig, DeviceDescriptor, NativeCapabilities, NativeConfig,
    VideoCapabilities, VideoMode,
};
use mediacapture_types::{EchoCancellation, MediaDeviceKind, MediaTrackConstraints};
use parking_lot::{Mutex, ReentrantMutex};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The nominal video mode before the first frame.
const INITIAL_VIDEO: VideoMode = VideoMode {
    width: 640,
    height: 480,
    frame_rate: 30.0,
};
/// The nominal audio format before the first block.
const INITIAL_AUDIO: (u32, u32) = (48_000, 1);
/// Weight of the newest frame interval in the frame-rate estimate.
const RATE_EMA_WEIGHT: f64 = 0.2;
/// The estimate is announced (the tracks' settings change) when it moved this much
/// (relative) from the announced rate...
const RATE_CHANGE: f64 = 0.2;
/// ...and at least this many frames came since the last announcement.
const RATE_MIN_FRAMES: u32 = 5;

static NEXT_SINK: AtomicU64 = AtomicU64::new(1);

struct State {
    sinks: Vec<(u64, Arc<dyn SourceSink>)>,
    /// The configuration the tracks were last told about.
    config: NativeConfig,
    muted: bool,
    /// Set by [`TrackGenerator::close`], and when the last track ended: writes fail.
    closed: bool,
    last_ts: Option<i64>,
    /// Estimated frame interval (µs).
    interval: Option<f64>,
    frames_since_announce: u32,
}

struct Inner {
    kind: TrackKind,
    state: Mutex<State>,
    /// Held while media is handed to sinks and while a source stops, so that no sink call
    /// happens after `Source::stop` returns. Reentrant: a frame callback may write again.
    delivering: ReentrantMutex<()>,
}

/// The source behind a `VideoTrackGenerator` (or the older `MediaStreamTrackGenerator`): a
/// track whose frames (or audio) are written by the application.
///
/// ```
/// use mediacapture::generator::TrackGenerator;
/// use mediacapture::{PixelFormat, TrackKind, VideoFrame};
/// let generator = TrackGenerator::new(TrackKind::Video)?;
/// let track = generator.track().clone();
/// let frames = track.video_frames();
/// generator.write_video(VideoFrame::new(PixelFormat::Rgba, 4, 2, vec![255u8; 32], 0)?)?;
/// let f = frames.recv_timeout(std::time::Duration::from_secs(5)).expect("a frame");
/// assert_eq!((f.display_width(), f.display_height()), (4, 2));
/// generator.close(); // the track ends
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TrackGenerator {
    inner: Arc<Inner>,
    track: MediaStreamTrack,
}

impl std::fmt::Debug for TrackGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackGenerator")
            .field("kind", &self.inner.kind)
            .field("track", &self.track)
            .finish()
    }
}

fn video_config(mode: VideoMode) -> NativeConfig {
    NativeConfig::Video(mode)
}

fn audio_config(sample_rate: u32, channel_count: u32) -> NativeConfig {
    NativeConfig::Audio(AudioConfig {
        sample_rate,
        channel_count,
        sample_size: 32,
        latency: 0.0,
        echo_cancellation: EchoCancellation::Bool(false),
        auto_gain_control: false,
        noise_suppression: false,
    })
}

fn descriptor(config: &NativeConfig) -> DeviceDescriptor {
    let (kind, capabilities) = match config {
        NativeConfig::Audio(a) => (
            MediaDeviceKind::AudioInput,
            NativeCapabilities::Audio(AudioCapabilities {
                sample_rates: vec![a.sample_rate],
                channel_counts: vec![a.channel_count],
                sample_sizes: vec![a.sample_size],
                latency: (0.0, 0.0),
                echo_cancellation: vec![EchoCancellation::Bool(false)],
                auto_gain_control: vec![false],
                noise_suppression: vec![false],
            }),
        ),
        NativeConfig::Video(m) => (
            MediaDeviceKind::VideoInput,
            NativeCapabilities::Video(VideoCapabilities {
                modes: vec![*m],
                facing_mode: None,
            }),
        ),
        NativeConfig::Display(_) => (MediaDeviceKind::VideoInput, NativeCapabilities::Output),
    };
    DeviceDescriptor {
        // No deviceId or groupId: a generated track has no device.
        raw_id: String::new(),
        raw_group_id: String::new(),
        kind,
        label: String::new(),
        is_default: false,
        capabilities,
    }
}

impl TrackGenerator {
    /// A generator of `kind` and its first track (live, unmuted).
    ///
    /// Errors: none in practice (what opening a source can return).
    ///
    /// Spec: <https://w3c.github.io/mediacapture-transform/#video-generator-constructor>
    pub fn new(kind: TrackKind) -> Result<TrackGenerator> {
        let config = match kind {
            TrackKind::Video => video_config(INITIAL_VIDEO),
            TrackKind::Audio => audio_config(INITIAL_AUDIO.0, INITIAL_AUDIO.1),
        };
        let device = descriptor(&config);
        let inner = Arc::new(Inner {
            kind,
            state: Mutex::new(State {
                sinks: Vec::new(),
                config,
                muted: false,
                closed: false,
                last_ts: None,
                interval: None,
                frames_since_announce: 0,
            }),
            delivering: ReentrantMutex::new(()),
        });
        let backend = Arc::new(GeneratorBackend {
            inner: inner.clone(),
            device: device.clone(),
        });
        let track = open_track(backend, device, MediaTrackConstraints::default())?;
        Ok(TrackGenerator { inner, track })
    }

    /// The generator's track (`VideoTrackGenerator.track`; for a `MediaStreamTrackGenerator`,
    /// the generator itself). More tracks on this source: `track().clone_track()`.
    pub fn track(&self) -> &MediaStreamTrack {
        &self.track
    }

    /// `"video"` or `"audio"`.
    pub fn kind(&self) -> TrackKind {
        self.inner.kind
    }

    /// The writable's write algorithm for a video frame: unless muted, every live track gets
    /// it (adapted to its settings); its timestamp becomes the time it is written.
    ///
    /// Errors: `TypeError` when this generator makes audio; `InvalidStateError` once closed
    /// (by [`TrackGenerator::close`], or because every track ended).
    ///
    /// Spec: <https://w3c.github.io/mediacapture-transform/#dom-videotrackgenerator-writable>
    pub fn write_video(&self, frame: VideoFrame) -> Result<()> {
        if self.inner.kind != TrackKind::Video {
            return Err(Error::type_error(
                "a video frame written to an audio generator",
            ));
        }
        let now = now_us();
        let (w, h) = (frame.display_width(), frame.display_height());
        let (announce, sinks) = {
            let mut s = self.inner.state.lock();
            check_open(&s)?;
            if s.muted {
                return Ok(());
            }
            if let Some(last) = s.last_ts {
                let dt = (now - last).max(1) as f64;
                s.interval = Some(match s.interval {
                    Some(i) => i + RATE_EMA_WEIGHT * (dt - i),
                    None => dt,
                });
            }
            s.last_ts = Some(now);
            s.frames_since_announce = s.frames_since_announce.saturating_add(1);
            let NativeConfig::Video(current) = s.config else {
                return Err(Error::type_error("not a video generator"));
            };
            let estimate = s.interval.map(|i| 1e6 / i).filter(|r| r.is_finite());
            let rate_moved = estimate.is_some_and(|r| {
                s.frames_since_announce >= RATE_MIN_FRAMES
                    && ((r - current.frame_rate) / current.frame_rate).abs() > RATE_CHANGE
            });
            let announce = if (w, h) != (current.width, current.height) || rate_moved {
                let mode = VideoMode {
                    width: w,
                    height: h,
                    frame_rate: if rate_moved {
                        // Rounded like a camera's rate (two decimals).
                        estimate.map_or(current.frame_rate, |r| (r * 100.0).round() / 100.0)
                    } else {
                        current.frame_rate
                    },
                };
                s.config = video_config(mode);
                s.frames_since_announce = 0;
                Some(s.config.clone())
            } else {
                None
            };
            (announce, s.sinks.clone())
        };
        let frame = frame.with_timestamp(now);
        let _delivering = self.inner.delivering.lock();
        for (_, sink) in &sinks {
            if let Some(c) = &announce {
                sink.on_event(SourceEvent::Reconfigured(c.clone()));
            }
            sink.on_video(frame.clone());
        }
        Ok(())
    }

    /// The write algorithm for audio (the older `MediaStreamTrackGenerator` of kind
    /// "audio"): every live track gets it, resampled to its settings.
    ///
    /// Errors: `TypeError` when this generator makes video; `InvalidStateError` once closed.
    pub fn write_audio(&self, data: AudioData) -> Result<()> {
        if self.inner.kind != TrackKind::Audio {
            return Err(Error::type_error("audio written to a video generator"));
        }
        let now = now_us();
        let (announce, sinks) = {
            let mut s = self.inner.state.lock();
            check_open(&s)?;
            if s.muted {
                return Ok(());
            }
            let NativeConfig::Audio(current) = s.config else {
                return Err(Error::type_error("not an audio generator"));
            };
            let announce = if (current.sample_rate, current.channel_count)
                != (data.sample_rate(), data.channels())
            {
                s.config = audio_config(data.sample_rate(), data.channels());
                Some(s.config.clone())
            } else {
                None
            };
            (announce, s.sinks.clone())
        };
        let data = AudioData::new(
            data.format(),
            data.sample_rate(),
            data.channels(),
            data.data().clone(),
            now,
        )
        .map_err(|e| Error::type_error(e.to_string()))?;
        let _delivering = self.inner.delivering.lock();
        for (_, sink) in &sinks {
            if let Some(c) = &announce {
                sink.on_event(SourceEvent::Reconfigured(c.clone()));
            }
            sink.on_audio(data.clone());
        }
        Ok(())
    }

    /// `muted`: whether writes are dropped and the tracks muted.
    pub fn muted(&self) -> bool {
        self.inner.state.lock().muted
    }

    /// Sets `muted`. A change mutes (or unmutes) every live track in a queued task, firing
    /// `mute` / `unmute`; frames written while muted reach no track.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-transform/#dom-videotrackgenerator-muted>
    pub fn set_muted(&self, muted: bool) {
        let _delivering = self.inner.delivering.lock();
        let sinks = {
            let mut s = self.inner.state.lock();
            if s.muted == muted {
                return;
            }
            s.muted = muted;
            s.sinks.clone()
        };
        let event = if muted {
            SourceEvent::Muted
        } else {
            SourceEvent::Unmuted
        };
        for (_, sink) in sinks {
            sink.on_event(event.clone());
        }
    }

    /// `true` once closed: by [`TrackGenerator::close`], or because every track ended (the
    /// spec closes the writable then).
    pub fn closed(&self) -> bool {
        self.inner.state.lock().closed
    }

    /// The writable's close (and abort) algorithm: every track sourced from this generator
    /// ends, with an `ended` event. Later writes fail.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-transform/#dom-videotrackgenerator-writable>
    pub fn close(&self) {
        let _delivering = self.inner.delivering.lock();
        let sinks = {
            let mut s = self.inner.state.lock();
            if s.closed {
                return;
            }
            s.closed = true;
            s.sinks.clone()
        };
        for (_, sink) in sinks {
            sink.on_event(SourceEvent::Ended(None));
        }
    }
}

fn check_open(s: &State) -> Result<()> {
    if s.closed {
        return Err(Error::invalid_state(
            "the generator's writable is closed (closed, or every track ended)",
        ));
    }
    Ok(())
}

struct GeneratorBackend {
    inner: Arc<Inner>,
    device: DeviceDescriptor,
}

impl Backend for GeneratorBackend {
    fn name(&self) -> &'static str {
        "generator"
    }

    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        Ok(vec![self.device.clone()])
    }

    fn open(
        &self,
        _raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        let id = NEXT_SINK.fetch_add(1, Ordering::Relaxed);
        let mut s = self.inner.state.lock();
        if s.closed {
            return Err(Error::invalid_state("the generator is closed"));
        }
        // The source is (re)opened in the configuration the generator announced last.
        if *config != s.config {
            sink.on_event(SourceEvent::Reconfigured(s.config.clone()));
        }
        if s.muted {
            sink.on_event(SourceEvent::Muted);
        }
        s.sinks.push((id, sink));
        Ok(Box::new(GeneratorSource {
            inner: self.inner.clone(),
            config: config.clone(),
            id,
        }))
    }
}

struct GeneratorSource {
    inner: Arc<Inner>,
    config: NativeConfig,
    id: u64,
}

impl Source for GeneratorSource {
    fn config(&self) -> &NativeConfig {
        &self.config
    }

    fn stop(&mut self) {
        let _delivering = self.inner.delivering.lock();
        let mut s = self.inner.state.lock();
        s.sinks.retain(|(id, _)| *id != self.id);
        // "When the last track sourced from a VideoTrackGenerator ends, that
        // VideoTrackGenerator's writable is closed."
        if s.sinks.is_empty() {
            s.closed = true;
        }
    }
}

impl Drop for GeneratorSource {
    fn drop(&mut self) {
        self.stop();
    }
}
