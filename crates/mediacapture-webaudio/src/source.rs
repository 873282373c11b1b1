//! Our tracks as `web_audio_api` media streams: the source of a
//! `MediaStreamAudioSourceNode` / `MediaStreamTrackAudioSourceNode`.
//!
//! Spec: <https://webaudio.github.io/web-audio-api/#MediaStreamAudioSourceNode>

use mediacapture::playout::JitterBuffer;
use mediacapture::{AudioData, Error, MediaStreamTrack, Result, TrackKind};
use mediacapture_frame::AudioAdapter;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use web_audio_api::AudioBuffer;
use web_audio_api::media_streams::{
    MediaStream as WaMediaStream, MediaStreamTrack as WaMediaStreamTrack,
};

/// Frames in one render quantum of the `web-audio-api` crate.
const QUANTUM: usize = 128;

/// How a track's audio is handed to the graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SourceMode {
    /// A real-time context: the render thread never waits. The audio goes through a jitter
    /// buffer aiming at `target_delay_us` (20 ms by default) that follows the drift between
    /// the track's clock and the context's; what is missing is silence.
    Realtime {
        /// The delay the jitter buffer aims at (µs).
        target_delay_us: i64,
    },
    /// An offline context that renders as fast as it can: each quantum waits (up to
    /// `timeout`, then plays what there is) for the track to have delivered it, so the
    /// rendering follows the track sample for sample (a source driven by a manual clock).
    Lockstep {
        /// How long a quantum waits for audio before it is played short (a safety bound).
        timeout: Duration,
    },
}

impl Default for SourceMode {
    fn default() -> Self {
        SourceMode::Realtime {
            target_delay_us: 20_000,
        }
    }
}

/// `mediaStream` of a `MediaStreamAudioSourceNode`: a `web_audio_api` stream whose first
/// track is the first of `tracks` that is audio (the spec takes the audio track whose id
/// sorts first; the crate's node takes the first track of the stream: we give it that one).
/// Realtime mode, at `sample_rate` (the context's).
///
/// Errors: `InvalidStateError` when no track is audio (as the spec's constructor says).
pub fn media_stream(tracks: &[MediaStreamTrack], sample_rate: f32) -> Result<WaMediaStream> {
    let mut audio: Vec<&MediaStreamTrack> = tracks
        .iter()
        .filter(|t| t.kind() == TrackKind::Audio)
        .collect();
    // "the MediaStreamTrack whose id attribute has the lowest value (code-unit order)".
    audio.sort_by(|a, b| a.id().cmp(b.id()));
    let first = audio.first().ok_or_else(|| {
        Error::invalid_state("the MediaStream has no audio track to take sound from")
    })?;
    Ok(WaMediaStream::from_tracks(vec![media_stream_track(
        first,
        sample_rate,
    )?]))
}

/// A `web_audio_api` track carrying `track`'s audio at `sample_rate` (Realtime mode), for
/// `create_media_stream_track_source`.
///
/// Errors: `InvalidStateError` for a video track; `NotSupportedError` for a rate the
/// converter cannot reach.
pub fn media_stream_track(
    track: &MediaStreamTrack,
    sample_rate: f32,
) -> Result<WaMediaStreamTrack> {
    media_stream_track_with_mode(track, sample_rate, SourceMode::default())
}

/// [`media_stream_track`] in a chosen [`SourceMode`].
pub fn media_stream_track_with_mode(
    track: &MediaStreamTrack,
    sample_rate: f32,
    mode: SourceMode,
) -> Result<WaMediaStreamTrack> {
    if track.kind() != TrackKind::Audio {
        return Err(Error::invalid_state(
            "a MediaStreamTrackAudioSourceNode needs an audio track",
        ));
    }
    let rate = sample_rate.round();
    if !(crate::SAMPLE_RATES.contains(&rate)) {
        return Err(Error::not_supported(format!("{sample_rate} Hz")));
    }
    let rate = rate as u32;
    let channels = track.get_settings().channel_count.unwrap_or(1).clamp(1, 32);
    let feed = Arc::new(Feed {
        state: Mutex::new(match mode {
            SourceMode::Realtime { target_delay_us } => Buffer::Jitter(JitterBuffer::new(
                rate,
                channels,
                target_delay_us,
                (target_delay_us * 4).max(100_000),
            )),
            SourceMode::Lockstep { .. } => Buffer::Lockstep {
                adapter: None,
                fifo: VecDeque::new(),
            },
        }),
        ready: Condvar::new(),
        ended: AtomicBool::new(false),
        rate,
        channels,
    });
    let guard = EndGuard(feed.clone());
    let f = feed.clone();
    track.on_audio_data(move |a| {
        let _ = &guard;
        f.push(a);
    });
    if track.ready_state() == mediacapture::MediaStreamTrackState::Ended {
        feed.end();
    }
    let timeout = match mode {
        SourceMode::Lockstep { timeout } => Some(timeout),
        SourceMode::Realtime { .. } => None,
    };
    Ok(WaMediaStreamTrack::from_iter(Quanta { feed, timeout }))
}

enum Buffer {
    Jitter(JitterBuffer),
    Lockstep {
        adapter: Option<AudioAdapter>,
        fifo: VecDeque<f32>,
    },
}

struct Feed {
    state: Mutex<Buffer>,
    ready: Condvar,
    ended: AtomicBool,
    rate: u32,
    channels: u32,
}

impl Feed {
    fn push(&self, data: &AudioData) {
        let mut st = self.state.lock();
        match &mut *st {
            Buffer::Jitter(j) => {
                if let Err(e) = j.push(data) {
                    tracing::warn!("web audio source: {e}");
                }
            }
            Buffer::Lockstep { adapter, fifo } => {
                let blocks = if data.sample_rate() == self.rate && data.channels() == self.channels
                {
                    vec![data.clone()]
                } else {
                    let fits = adapter.as_ref().is_some_and(|a| {
                        a.in_rate() == data.sample_rate() && a.in_channels() == data.channels()
                    });
                    if !fits {
                        match AudioAdapter::new(
                            data.sample_rate(),
                            data.channels(),
                            self.rate,
                            self.channels,
                        ) {
                            Ok(a) => *adapter = Some(a),
                            Err(e) => {
                                tracing::warn!("web audio source: {e}");
                                return;
                            }
                        }
                    }
                    match adapter.as_mut().map(|a| a.process(data)) {
                        Some(Ok(b)) => b,
                        Some(Err(e)) => {
                            tracing::warn!("web audio source: {e}");
                            return;
                        }
                        None => return,
                    }
                };
                for b in blocks {
                    fifo.extend(b.to_f32_interleaved());
                }
            }
        }
        drop(st);
        self.ready.notify_all();
    }

    fn end(&self) {
        self.ended.store(true, Ordering::SeqCst);
        let _g = self.state.lock();
        self.ready.notify_all();
    }
}

/// Dropped with the track's sink: the track ended (or the source went away).
struct EndGuard(Arc<Feed>);

impl Drop for EndGuard {
    fn drop(&mut self) {
        self.0.end();
    }
}

fn lockstep_len(b: &Buffer) -> usize {
    match b {
        Buffer::Lockstep { fifo, .. } => fifo.len(),
        Buffer::Jitter(_) => 0,
    }
}

/// The iterator the crate's source node pulls one quantum at a time from.
struct Quanta {
    feed: Arc<Feed>,
    timeout: Option<Duration>,
}

impl Iterator for Quanta {
    type Item = std::result::Result<AudioBuffer, Box<dyn std::error::Error + Send + Sync>>;

    fn next(&mut self) -> Option<Self::Item> {
        let ch = self.feed.channels as usize;
        let mut interleaved = vec![0.0f32; QUANTUM * ch];
        let mut st = self.feed.state.lock();
        match &mut *st {
            Buffer::Jitter(j) => {
                let got = j.mix_into(&mut interleaved, 1.0);
                if got == 0 && j.level() == 0 && self.feed.ended.load(Ordering::SeqCst) {
                    // The track ended and everything it sent was played.
                    return None;
                }
            }
            Buffer::Lockstep { .. } => {
                let deadline = Instant::now() + self.timeout.unwrap_or_default();
                let need = QUANTUM * ch;
                while lockstep_len(&st) < need && !self.feed.ended.load(Ordering::SeqCst) {
                    if self.feed.ready.wait_until(&mut st, deadline).timed_out() {
                        break;
                    }
                }
                let Buffer::Lockstep { fifo, .. } = &mut *st else {
                    return None;
                };
                if fifo.is_empty() && self.feed.ended.load(Ordering::SeqCst) {
                    return None;
                }
                let n = fifo.len().min(need);
                for (o, s) in interleaved.iter_mut().zip(fifo.drain(..n)) {
                    *o = s;
                }
            }
        }
        drop(st);
        let channels: Vec<Vec<f32>> = (0..ch)
            .map(|c| interleaved.iter().skip(c).step_by(ch).copied().collect())
            .collect();
        Some(Ok(AudioBuffer::from(channels, self.feed.rate as f32)))
    }
}
