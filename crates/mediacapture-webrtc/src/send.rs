//! The send path: a sender's track is a sink like any other; an encoder thread per sender
//! adapts its frames (size, rate: `scaleResolutionDownBy`, `maxFramerate`) and encodes them
//! with the workspace's libvpx / libopus wrappers (`mediacapture-codec`, shared with the
//! recorder), then hands the packets to the driver.
//!
//! The track's callback (on the capture thread) only stores the newest video frame (a slow
//! encoder drops frames, never queues them) or appends audio to a bounded queue.

use crate::codec::Codec;
use crate::{Error, Result};
use mediacapture::{MediaStreamTrack, SinkId, TrackKind};
use mediacapture_codec::{
    BitrateMode, EncodedPacket, KeyFrameInterval, OpusEncoder, VideoCodec, VpxEncoder, VpxSettings,
};
use mediacapture_frame::{AudioAdapter, AudioData, VideoAdapter, VideoAdapterConfig, VideoFrame};
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

/// Video bitrate when neither `maxBitrate` nor the bandwidth estimate says less (Chromium's
/// default maximum for a camera track is 2.5 Mbit/s).
pub(crate) const DEFAULT_VIDEO_BITRATE: u32 = 2_500_000;
/// Opus bitrate when `maxBitrate` says nothing (Chromium: 32 kbit/s mono; we send what the
/// track has, up to stereo).
pub(crate) const DEFAULT_AUDIO_BITRATE: u32 = 64_000;
/// Audio blocks buffered for the encoder (about 1 s of 10 ms blocks).
const AUDIO_QUEUE: usize = 100;
/// A new bitrate target is applied to the running encoder (in place, no keyframe) when it
/// differs from the current one by more than this fraction.
const BITRATE_CHANGE_FRACTION: f64 = 0.05;

/// A sender's encoding parameters (`RTCRtpEncodingParameters` as applied).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EncodingParams {
    pub(crate) active: bool,
    pub(crate) max_bitrate: Option<u32>,
    pub(crate) max_framerate: Option<f64>,
    pub(crate) scale_resolution_down_by: f64,
}

impl Default for EncodingParams {
    fn default() -> Self {
        EncodingParams {
            active: true,
            max_bitrate: None,
            max_framerate: None,
            scale_resolution_down_by: 1.0,
        }
    }
}

/// Counters of one sender, for `getStats()`'s `outbound-rtp` and `media-source`.
#[derive(Debug, Default)]
pub(crate) struct OutboundCounters {
    pub(crate) frames_encoded: AtomicU64,
    pub(crate) key_frames_encoded: AtomicU64,
    pub(crate) frame_width: AtomicU64,
    pub(crate) frame_height: AtomicU64,
    pub(crate) total_encode_time_us: AtomicU64,
    pub(crate) target_bitrate: AtomicU64,
    pub(crate) source_frames: AtomicU64,
    pub(crate) source_width: AtomicU64,
    pub(crate) source_height: AtomicU64,
    pub(crate) frames_dropped_by_sender: AtomicU64,
    pub(crate) encoder_errors: AtomicU64,
}

/// Where encoded packets go (the driver).
pub(crate) type PacketSink = Arc<dyn Fn(Codec, EncodedPacket) + Send + Sync>;

struct Inbox {
    video: Option<VideoFrame>,
    audio: VecDeque<AudioData>,
    stop: bool,
    /// The transport is up and the section sends: encode.
    connected: bool,
    keyframe: bool,
    params: EncodingParams,
    codec: Option<Codec>,
    /// The bandwidth estimator's share for this sender.
    bwe_bitrate: Option<u32>,
}

struct Shared {
    inbox: Mutex<Inbox>,
    cv: Condvar,
}

/// A sender's encoder thread and the sink on its track.
pub(crate) struct SendPipeline {
    kind: TrackKind,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    sink: Option<(MediaStreamTrack, SinkId)>,
    pub(crate) counters: Arc<OutboundCounters>,
}

impl SendPipeline {
    /// Starts the encoder thread for a sender of `kind`; packets go to `out`.
    pub(crate) fn start(kind: TrackKind, out: PacketSink) -> Result<SendPipeline> {
        let shared = Arc::new(Shared {
            inbox: Mutex::new(Inbox {
                video: None,
                audio: VecDeque::new(),
                stop: false,
                connected: false,
                keyframe: true,
                params: EncodingParams::default(),
                codec: None,
                bwe_bitrate: None,
            }),
            cv: Condvar::new(),
        });
        let counters = Arc::new(OutboundCounters::default());
        let (s, c) = (shared.clone(), counters.clone());
        let thread = std::thread::Builder::new()
            .name("webrtc-send".into())
            .spawn(move || match kind {
                TrackKind::Video => video_loop(&s, &c, &out),
                TrackKind::Audio => audio_loop(&s, &c, &out),
            })
            .map_err(|e| Error::unknown(format!("cannot start a send thread: {e}")))?;
        Ok(SendPipeline {
            kind,
            shared,
            thread: Some(thread),
            sink: None,
            counters,
        })
    }

    /// Feeds the encoder from `track` from now on (`None`: nothing is sent).
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtpsender-replacetrack> (no
    /// renegotiation: the new track's frames go into the same encoder; a new size makes a
    /// new encoder, which starts with a keyframe)
    pub(crate) fn set_track(&mut self, track: Option<&MediaStreamTrack>) {
        if let Some((old, id)) = self.sink.take() {
            old.remove_sink(id);
        }
        if let Some(t) = track {
            let shared = self.shared.clone();
            let counters = self.counters.clone();
            let id = match self.kind {
                TrackKind::Video => t.on_video_frame(move |f| {
                    counters.source_frames.fetch_add(1, Ordering::Relaxed);
                    let mut inbox = shared.inbox.lock();
                    if inbox.video.replace(f.clone()).is_some() {
                        counters
                            .frames_dropped_by_sender
                            .fetch_add(1, Ordering::Relaxed);
                    }
                    drop(inbox);
                    shared.cv.notify_one();
                }),
                TrackKind::Audio => t.on_audio_data(move |a| {
                    let mut inbox = shared.inbox.lock();
                    if inbox.audio.len() >= AUDIO_QUEUE {
                        inbox.audio.pop_front();
                        counters
                            .frames_dropped_by_sender
                            .fetch_add(1, Ordering::Relaxed);
                    }
                    inbox.audio.push_back(a.clone());
                    drop(inbox);
                    shared.cv.notify_one();
                }),
            };
            self.sink = Some((t.clone(), id));
        }
    }

    fn update(&self, f: impl FnOnce(&mut Inbox)) {
        f(&mut self.shared.inbox.lock());
        self.shared.cv.notify_one();
    }

    /// Starts or stops encoding (transport up and the section negotiated to send).
    pub(crate) fn set_connected(&self, connected: bool) {
        self.update(|i| {
            if connected && !i.connected {
                i.keyframe = true;
            }
            i.connected = connected;
        });
    }

    /// The negotiated codec.
    pub(crate) fn set_codec(&self, codec: Codec) {
        self.update(|i| i.codec = Some(codec));
    }

    /// Applies `setParameters`.
    pub(crate) fn set_params(&self, params: EncodingParams) {
        self.update(|i| i.params = params);
    }

    /// The next frame is a keyframe (PLI / FIR from the receiver).
    pub(crate) fn request_keyframe(&self) {
        self.update(|i| i.keyframe = true);
    }

    /// This sender's share of the bandwidth estimate.
    pub(crate) fn set_bwe_bitrate(&self, bps: u32) {
        self.update(|i| i.bwe_bitrate = Some(bps));
    }
}

impl Drop for SendPipeline {
    fn drop(&mut self) {
        self.set_track(None);
        self.update(|i| i.stop = true);
        if let Some(t) = self.thread.take()
            && t.thread().id() != std::thread::current().id()
        {
            let _ = t.join();
        }
    }
}

/// The bitrate to encode at: the estimate's share, at most `maxBitrate` (or the default).
fn target_bitrate(params: &EncodingParams, bwe: Option<u32>, default: u32) -> u32 {
    let cap = params.max_bitrate.unwrap_or(default);
    bwe.map_or(cap, |b| b.min(cap)).max(30_000)
}

struct VideoEncoderState {
    enc: VpxEncoder,
    codec: Codec,
}

fn video_loop(shared: &Shared, counters: &OutboundCounters, out: &PacketSink) {
    let mut adapter: Option<VideoAdapter> = None;
    let mut encoder: Option<VideoEncoderState> = None;
    let mut packets = Vec::new();
    let mut last_ts: Option<i64> = None;
    loop {
        let (frame, params, codec, keyframe, bwe) = {
            let mut i = shared.inbox.lock();
            loop {
                if i.stop {
                    return;
                }
                if i.video.is_some() {
                    break;
                }
                shared.cv.wait(&mut i);
            }
            let Some(frame) = i.video.take() else {
                continue;
            };
            if !i.connected || !i.params.active {
                continue;
            }
            let Some(codec) = i.codec else { continue };
            let key = std::mem::take(&mut i.keyframe);
            (frame, i.params, codec, key, i.bwe_bitrate)
        };
        counters
            .source_width
            .store(u64::from(frame.display_width()), Ordering::Relaxed);
        counters
            .source_height
            .store(u64::from(frame.display_height()), Ordering::Relaxed);
        let scale = params.scale_resolution_down_by.max(1.0);
        let config = VideoAdapterConfig {
            width: ((f64::from(frame.display_width()) / scale) as u32).max(2) & !1,
            height: ((f64::from(frame.display_height()) / scale) as u32).max(2) & !1,
            frame_rate: params.max_framerate.unwrap_or(0.0),
        };
        let a = adapter.get_or_insert_with(|| VideoAdapter::new(config));
        if a.config() != config {
            a.set_config(config);
        }
        let adapted = match a.adapt(&frame) {
            Ok(Some(f)) => f,
            Ok(None) => {
                // Dropped by the frame-rate limit: a pending keyframe goes to the next one.
                if keyframe {
                    shared.inbox.lock().keyframe = true;
                }
                continue;
            }
            Err(e) => {
                tracing::warn!("cannot adapt a frame to send: {e}");
                continue;
            }
        };
        let rect = adapted.visible_rect();
        let (w, h) = (rect.width, rect.height);
        let ts = adapted.timestamp();
        let bitrate = target_bitrate(&params, bwe, DEFAULT_VIDEO_BITRATE);
        counters
            .target_bitrate
            .store(u64::from(bitrate), Ordering::Relaxed);
        // A new encoder only for a new size or codec (as Chromium); a keyframe request and a
        // new bitrate go to the running one.
        let rebuild = encoder
            .as_ref()
            .is_none_or(|e| e.enc.size() != (w, h) || e.codec != codec);
        if !rebuild && let Some(e) = encoder.as_mut() {
            if keyframe {
                e.enc.request_keyframe();
            }
            let current = f64::from(e.enc.bitrate());
            if (f64::from(bitrate) - current).abs() > BITRATE_CHANGE_FRACTION * current
                && let Err(err) = e.enc.set_bitrate(bitrate)
            {
                tracing::warn!("cannot change the video bitrate: {err}");
            }
        }
        if rebuild {
            // A new encoder starts with a keyframe.
            let vc = match codec {
                Codec::Vp9 => VideoCodec::Vp9,
                _ => VideoCodec::Vp8,
            };
            let mut s = VpxSettings::new(vc, bitrate);
            s.key_frame_interval = KeyFrameInterval::Auto;
            match VpxEncoder::new(s, w, h) {
                Ok(enc) => encoder = Some(VideoEncoderState { enc, codec }),
                Err(e) => {
                    counters.encoder_errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!("cannot make a {} encoder: {e}", codec.mime_type());
                    encoder = None;
                    continue;
                }
            }
        }
        let Some(state) = encoder.as_mut() else {
            continue;
        };
        let duration = last_ts.map_or(33_333, |l| (ts - l).clamp(1, 1_000_000));
        last_ts = Some(ts);
        // The adapter gives I420 at even offsets.
        let Some((planes, strides)) = adapted.i420_visible_planes() else {
            tracing::warn!("cannot send a {:?} frame", adapted.format());
            continue;
        };
        let started = std::time::Instant::now();
        packets.clear();
        if let Err(e) = state
            .enc
            .encode(planes, strides, ts, duration, &mut packets)
        {
            counters.encoder_errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("encode: {e}");
            encoder = None;
            continue;
        }
        counters
            .total_encode_time_us
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        for p in packets.drain(..) {
            counters.frames_encoded.fetch_add(1, Ordering::Relaxed);
            if p.key {
                counters.key_frames_encoded.fetch_add(1, Ordering::Relaxed);
            }
            counters.frame_width.store(u64::from(w), Ordering::Relaxed);
            counters.frame_height.store(u64::from(h), Ordering::Relaxed);
            out(codec, p);
        }
    }
}

fn audio_loop(shared: &Shared, counters: &OutboundCounters, out: &PacketSink) {
    let mut adapter: Option<(u32, u32, AudioAdapter)> = None;
    let mut encoder: Option<(u32, u32, OpusEncoder)> = None;
    let mut packets = Vec::new();
    loop {
        let (data, params) = {
            let mut i = shared.inbox.lock();
            loop {
                if i.stop {
                    return;
                }
                if !i.audio.is_empty() {
                    break;
                }
                shared.cv.wait(&mut i);
            }
            let Some(data) = i.audio.pop_front() else {
                continue;
            };
            if !i.connected || !i.params.active || i.codec != Some(Codec::Opus) {
                continue;
            }
            (data, i.params)
        };
        let (rate, ch) = (data.sample_rate(), data.channels());
        let out_ch = ch.clamp(1, 2);
        if adapter
            .as_ref()
            .is_none_or(|(r, c, _)| (*r, *c) != (rate, ch))
        {
            match AudioAdapter::new(rate, ch, 48_000, out_ch) {
                Ok(a) => adapter = Some((rate, ch, a)),
                Err(e) => {
                    tracing::warn!("cannot resample {rate} Hz x{ch} to send: {e}");
                    adapter = None;
                    continue;
                }
            }
        }
        let Some((_, _, a)) = adapter.as_mut() else {
            continue;
        };
        let blocks = match a.process(&data) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("resample: {e}");
                continue;
            }
        };
        let bitrate = target_bitrate(&params, None, DEFAULT_AUDIO_BITRATE);
        counters
            .target_bitrate
            .store(u64::from(bitrate), Ordering::Relaxed);
        if encoder
            .as_ref()
            .is_none_or(|(c, b, _)| *c != out_ch || *b != bitrate)
        {
            match OpusEncoder::new(48_000, out_ch, bitrate, BitrateMode::Variable) {
                Ok(e) => encoder = Some((out_ch, bitrate, e)),
                Err(e) => {
                    counters.encoder_errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!("cannot make an Opus encoder: {e}");
                    continue;
                }
            }
        }
        let Some((_, _, enc)) = encoder.as_mut() else {
            continue;
        };
        packets.clear();
        for b in blocks {
            if let Err(e) = enc.push(&b.to_f32_interleaved(), b.timestamp(), &mut packets) {
                counters.encoder_errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("opus encode: {e}");
            }
        }
        for p in packets.drain(..) {
            counters.frames_encoded.fetch_add(1, Ordering::Relaxed);
            out(Codec::Opus, p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitrate_follows_the_estimate_under_the_cap() {
        let p = EncodingParams::default();
        assert_eq!(target_bitrate(&p, None, 1_000_000), 1_000_000);
        assert_eq!(target_bitrate(&p, Some(300_000), 1_000_000), 300_000);
        let capped = EncodingParams {
            max_bitrate: Some(200_000),
            ..p
        };
        assert_eq!(target_bitrate(&capped, Some(300_000), 1_000_000), 200_000);
        assert_eq!(target_bitrate(&capped, Some(1), 1_000_000), 30_000);
    }
}
