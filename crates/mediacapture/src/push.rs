//! Tracks whose media a program pushes: the captured tracks of a media element
//! (`captureStream()`), a Web Audio destination, any generator.
//!
//! A [`PushSource`] is a [`Backend`] with one device; its tracks are opened with
//! [`custom::open_track`](crate::custom::open_track), so they are ordinary tracks: clones
//! share the source, each track gets its own adapter, recorders and players take them like a
//! camera's. What is pushed goes to every open track at once; pushing while no track is open
//! costs nothing.
//!
//! ```
//! use mediacapture::push::PushSource;
//! use mediacapture::{AudioData, MediaTrackConstraints};
//!
//! let source = PushSource::audio("Generator", 48_000, 1);
//! let track = source.open_track(MediaTrackConstraints::default())?;
//! assert_eq!(track.get_settings().sample_rate, Some(48_000));
//! let data = track.audio_data();
//! source.push_audio(AudioData::from_f32(48_000, 1, &[0.5; 480], 0).unwrap());
//! let got = data.recv_timeout(std::time::Duration::from_secs(5)).unwrap()?;
//! assert_eq!(got.frames(), 480);
//! source.end();
//! # Ok::<(), mediacapture::Error>(())
//! ```

use crate::track::MediaStreamTrack;
use crate::{AudioData, Error, MediaTrackConstraints, Result, VideoFrame};
use mediacapture_hal::{Backend, Source, SourceEvent, SourceSink};
use mediacapture_types::native::{
    AudioCapabilities, DeviceDescriptor, NativeCapabilities, NativeConfig, VideoCapabilities,
    VideoMode,
};
use mediacapture_types::{EchoCancellation, MediaDeviceKind};
use parking_lot::{Mutex, ReentrantMutex};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

struct Shared {
    descriptor: Mutex<DeviceDescriptor>,
    sinks: Mutex<Vec<(u64, Arc<dyn SourceSink>)>>,
    /// Held while media is delivered and while a source stops: no sink call after `stop`.
    delivering: ReentrantMutex<()>,
    /// The sticky state new opens start in.
    muted: Mutex<bool>,
    ended: Mutex<bool>,
}

/// A source that a program feeds. See the module docs. `Clone` copies the handle.
#[derive(Clone)]
pub struct PushSource {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for PushSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushSource")
            .field("label", &self.shared.descriptor.lock().label)
            .field("open", &self.shared.sinks.lock().len())
            .finish()
    }
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl PushSource {
    /// An audio source delivering `sample_rate` Hz x `channels` (f32): pushed blocks must be
    /// in that format (others are dropped with a warning).
    pub fn audio(label: &str, sample_rate: u32, channels: u32) -> PushSource {
        Self::with_capabilities(
            label,
            NativeCapabilities::Audio(AudioCapabilities {
                sample_rates: vec![sample_rate],
                channel_counts: vec![channels],
                sample_sizes: vec![32],
                latency: (0.01, 0.01),
                echo_cancellation: vec![EchoCancellation::Bool(false)],
                auto_gain_control: vec![false],
                noise_suppression: vec![false],
            }),
        )
    }

    /// A video source of `width` x `height` at up to `frame_rate` frames per second. A frame
    /// of another size changes the source's size (its tracks' settings follow).
    pub fn video(label: &str, width: u32, height: u32, frame_rate: f64) -> PushSource {
        Self::with_capabilities(
            label,
            NativeCapabilities::Video(VideoCapabilities {
                modes: vec![VideoMode {
                    width,
                    height,
                    frame_rate,
                }],
                facing_mode: None,
            }),
        )
    }

    fn with_capabilities(label: &str, capabilities: NativeCapabilities) -> PushSource {
        let kind = match capabilities {
            NativeCapabilities::Audio(_) => MediaDeviceKind::AudioInput,
            _ => MediaDeviceKind::VideoInput,
        };
        let raw_id = format!("push:{}", next_id());
        PushSource {
            shared: Arc::new(Shared {
                descriptor: Mutex::new(DeviceDescriptor {
                    raw_id: raw_id.clone(),
                    raw_group_id: raw_id,
                    kind,
                    label: label.to_owned(),
                    is_default: false,
                    capabilities,
                }),
                sinks: Mutex::new(Vec::new()),
                delivering: ReentrantMutex::new(()),
                muted: Mutex::new(false),
                ended: Mutex::new(false),
            }),
        }
    }

    /// Opens a track on this source with settings chosen from `constraints` (`Ok` on an
    /// ended source too: the track is then ended at once).
    pub fn open_track(&self, constraints: MediaTrackConstraints) -> Result<MediaStreamTrack> {
        let descriptor = self.shared.descriptor.lock().clone();
        crate::custom::open_track(Arc::new(self.clone()), descriptor, constraints)
    }

    fn sinks(&self) -> Vec<Arc<dyn SourceSink>> {
        self.shared
            .sinks
            .lock()
            .iter()
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// `true` while some track is open on this source.
    pub fn is_open(&self) -> bool {
        !self.shared.sinks.lock().is_empty()
    }

    /// Delivers a block of audio to every open track.
    pub fn push_audio(&self, data: AudioData) {
        let _guard = self.shared.delivering.lock();
        for s in self.sinks() {
            s.on_audio(data.clone());
        }
    }

    /// Delivers a video frame to every open track. A frame of a new size first reconfigures
    /// the source (its tracks choose their settings again).
    pub fn push_video(&self, frame: VideoFrame) {
        let (w, h) = (frame.display_width(), frame.display_height());
        let resized = {
            let mut d = self.shared.descriptor.lock();
            match &mut d.capabilities {
                NativeCapabilities::Video(v) => match v.modes.first_mut() {
                    Some(m) if (m.width, m.height) != (w, h) => {
                        m.width = w;
                        m.height = h;
                        Some(*m)
                    }
                    _ => None,
                },
                _ => None,
            }
        };
        let _guard = self.shared.delivering.lock();
        let sinks = self.sinks();
        if let Some(mode) = resized {
            for s in &sinks {
                s.on_event(SourceEvent::Reconfigured(NativeConfig::Video(mode)));
            }
        }
        for s in sinks {
            s.on_video(frame.clone());
        }
    }

    /// Mutes or unmutes every open track (and tracks opened later start so).
    pub fn set_muted(&self, muted: bool) {
        {
            let mut m = self.shared.muted.lock();
            if *m == muted {
                return;
            }
            *m = muted;
        }
        let _guard = self.shared.delivering.lock();
        for s in self.sinks() {
            s.on_event(if muted {
                SourceEvent::Muted
            } else {
                SourceEvent::Unmuted
            });
        }
    }

    /// Ends the source for good: its tracks end (with `ended`), and tracks opened later end
    /// at once.
    pub fn end(&self) {
        *self.shared.ended.lock() = true;
        let _guard = self.shared.delivering.lock();
        for s in self.sinks() {
            s.on_event(SourceEvent::Ended(None));
        }
    }
}

struct PushOpen {
    shared: Arc<Shared>,
    id: u64,
    config: NativeConfig,
}

impl Source for PushOpen {
    fn config(&self) -> &NativeConfig {
        &self.config
    }

    fn stop(&mut self) {
        let _guard = self.shared.delivering.lock();
        self.shared.sinks.lock().retain(|(i, _)| *i != self.id);
    }
}

impl Drop for PushOpen {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Backend for PushSource {
    fn name(&self) -> &'static str {
        "push"
    }

    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        Ok(vec![self.shared.descriptor.lock().clone()])
    }

    fn open(
        &self,
        raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        let d = self.shared.descriptor.lock().clone();
        if raw_id != d.raw_id {
            return Err(Error::not_found(format!("no pushed source {raw_id:?}")));
        }
        if !d.capabilities.admits(config) {
            return Err(Error::not_readable(format!(
                "{:?} does not deliver {config:?}",
                d.label
            )));
        }
        let id = next_id();
        if *self.shared.ended.lock() {
            sink.on_event(SourceEvent::Ended(None));
        } else if *self.shared.muted.lock() {
            sink.on_event(SourceEvent::Muted);
        }
        self.shared.sinks.lock().push((id, sink));
        Ok(Box::new(PushOpen {
            shared: self.shared.clone(),
            id,
            config: config.clone(),
        }))
    }
}
