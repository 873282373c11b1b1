//! The recording engine: frames in, encoded and muxed bytes out.

use crate::core::BitrateMode;
use crate::encode::vpx::{KeyFrameInterval, VpxEncoder, VpxSettings};
use crate::encode::{EncodedPacket, OPUS_RATES, OpusEncoder, f32_to_s16le};
use crate::mime::{AudioCodec, Configuration, Container, VideoCodec};
use crate::mux::{AudioParams, Output, TrackKind, VideoParams, WavWriter, WebmMuxer};
use mediacapture_frame::{AudioAdapter, AudioData, PixelFormat, VideoFrame};
use mediacapture_types::{Error, Result};
use std::collections::VecDeque;
use std::path::PathBuf;

/// How long (media time) the muxer waits for the first packet of every track before it
/// starts the file without the missing ones (a muted track that never delivers). Cameras
/// often deliver their first frame a second or more after the microphone.
const FIRST_PACKET_WAIT_US: i64 = 5_000_000;
/// How far one track's packets may run ahead of a silent other track before they are
/// written anyway (bounded latency and memory). Tracks are delivered by separate threads,
/// so one may lag the other by a few hundred milliseconds under load.
const INTERLEAVE_WAIT_US: i64 = 3_000_000;
/// Default frame duration when a frame has none and no successor is known yet.
const DEFAULT_FRAME_US: i64 = 33_333;

/// Everything a [`Recording`] needs to know.
#[derive(Debug, Clone)]
pub struct RecordingSettings {
    /// Container and codecs.
    pub configuration: Configuration,
    /// Target video bitrate (bits per second).
    pub video_bits_per_second: u32,
    /// Target audio bitrate (bits per second).
    pub audio_bits_per_second: u32,
    /// Opus bitrate mode.
    pub audio_bitrate_mode: BitrateMode,
    /// Keyframe rule.
    pub key_frame_interval: KeyFrameInterval,
    /// The id of the video track to record (Chromium records the first video track).
    pub video_track: Option<String>,
    /// The id of the audio track to record (Chromium records the first audio track).
    pub audio_track: Option<String>,
    /// Also write the recording to this file, as it is produced.
    pub output_file: Option<PathBuf>,
    /// Keep blob bytes in memory for `dataavailable` (turn off when only the file is wanted).
    pub blobs: bool,
    /// libvpx threads (0 = automatic).
    pub video_threads: u32,
    /// libvpx `cpu-used` (None = codec default).
    pub video_cpu_used: Option<i32>,
}

impl RecordingSettings {
    /// Settings for `configuration` with Chromium's default bitrates (2.5 Mbit/s video,
    /// 128 kbit/s audio), the given track ids, blobs on, no file.
    pub fn new(
        configuration: Configuration,
        video_track: Option<String>,
        audio_track: Option<String>,
    ) -> Self {
        RecordingSettings {
            configuration,
            video_bits_per_second: crate::core::DEFAULT_VIDEO_BITS_PER_SECOND,
            audio_bits_per_second: crate::core::DEFAULT_AUDIO_BITS_PER_SECOND,
            audio_bitrate_mode: BitrateMode::Variable,
            key_frame_interval: KeyFrameInterval::Auto,
            video_track,
            audio_track,
            output_file: None,
            blobs: true,
            video_threads: 0,
            video_cpu_used: None,
        }
    }
}

enum AudioEnc {
    Opus(OpusEncoder),
    Pcm { rate: u32, channels: u32 },
}

enum Mux {
    Webm(WebmMuxer),
    Wav(WavWriter),
}

/// Source-time pauses, to take paused time out of the recording's timeline.
#[derive(Debug, Default)]
struct Timeline {
    /// Capture timestamp (µs) that is media time 0.
    origin: Option<i64>,
    /// Closed pause intervals [start, end) in capture time.
    pauses: Vec<(i64, i64)>,
    /// Paused since this capture time (recording state "paused").
    paused_at: Option<i64>,
    /// Resumed, waiting for the first frame to close the interval that started here.
    resume_from: Option<i64>,
    /// End (capture time) of the newest media seen.
    newest_end: i64,
}

impl Timeline {
    /// Media time of capture time `ts`, or `None` when the frame must be dropped (paused,
    /// inside a pause, or before the origin).
    fn media(&mut self, ts: i64, duration: i64) -> Option<i64> {
        if self.paused_at.is_some() {
            return None;
        }
        if let Some(from) = self.resume_from {
            if ts < from {
                return None;
            }
            self.pauses.push((from, ts));
            self.resume_from = None;
        }
        let origin = *self.origin.get_or_insert(ts);
        let mut removed = 0;
        for &(s, e) in &self.pauses {
            if ts >= e {
                removed += e - s;
            } else if ts >= s {
                return None;
            }
        }
        self.newest_end = self.newest_end.max(ts + duration);
        let m = ts - origin - removed;
        (m >= 0).then_some(m)
    }
}

struct VideoState {
    track: String,
    codec: VideoCodec,
    enc: Option<VpxEncoder>,
    first_size: Option<(u32, u32)>,
    prev_media: Option<i64>,
    queue: VecDeque<EncodedPacket>,
    expected: bool,
}

struct AudioState {
    track: String,
    enc: Option<AudioEnc>,
    adapter: Option<AudioAdapter>,
    params: Option<(u32, u32)>,
    queue: VecDeque<EncodedPacket>,
    expected: bool,
}

/// One recording: encoders, muxers and outputs. Feed it frames with [`Recording::push_video`]
/// and [`Recording::push_audio`], take blob bytes with [`Recording::take_blob`], end it with
/// [`Recording::finish`].
///
/// Timestamps: a frame's capture timestamp minus the first captured timestamp of the
/// recording (any track), minus paused time. Audio and video share that clock, so they stay in
/// sync. The concatenation of all blobs is a playable file; see [`crate::mux`] for how the file
/// output gets Duration and Cues and survives being killed.
pub struct Recording {
    settings: RecordingSettings,
    timeline: Timeline,
    video: Option<VideoState>,
    audio: Option<AudioState>,
    blob_out: Option<Output>,
    file_out: Option<Output>,
    muxers: Vec<Mux>,
    muxers_created: bool,
    last_written_us: i64,
    last_video_us: Option<i64>,
    last_audio_us: Option<i64>,
    end_us: i64,
    blob_first_us: Option<i64>,
    newest_packet_us: i64,
    failed: Option<Error>,
    packets: Vec<EncodedPacket>,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("configuration", &self.settings.configuration)
            .finish_non_exhaustive()
    }
}

impl Recording {
    /// Starts a recording. Fails with NotSupportedError for a configuration it cannot record,
    /// and UnknownError when the output file cannot be created.
    pub fn new(settings: RecordingSettings) -> Result<Self> {
        let conf = &settings.configuration;
        if conf.container == Container::Wav && conf.video.is_some() {
            return Err(Error::not_supported("WAV cannot hold video"));
        }
        if conf.audio == Some(AudioCodec::Pcm) && conf.container != Container::Wav {
            return Err(Error::not_supported("PCM is only recorded in WAV"));
        }
        let matroska = conf.container == Container::Matroska;
        let file_out = match &settings.output_file {
            Some(path) => {
                let file = std::fs::File::create(path).map_err(|e| {
                    Error::unknown(format!("cannot create {}: {e}", path.display()))
                })?;
                Some(Output::file(file, matroska))
            }
            None => None,
        };
        let blob_out = settings.blobs.then(|| Output::memory(matroska));
        let video = match (conf.video, &settings.video_track) {
            (Some(codec), Some(track)) => Some(VideoState {
                track: track.clone(),
                codec,
                enc: None,
                first_size: None,
                prev_media: None,
                queue: VecDeque::new(),
                expected: true,
            }),
            _ => None,
        };
        let audio = match (conf.audio, &settings.audio_track) {
            (Some(_), Some(track)) => Some(AudioState {
                track: track.clone(),
                enc: None,
                adapter: None,
                params: None,
                queue: VecDeque::new(),
                expected: true,
            }),
            _ => None,
        };
        Ok(Recording {
            settings,
            timeline: Timeline::default(),
            video,
            audio,
            blob_out,
            file_out,
            muxers: Vec::new(),
            muxers_created: false,
            last_written_us: 0,
            last_video_us: None,
            last_audio_us: None,
            end_us: 0,
            blob_first_us: None,
            newest_packet_us: 0,
            failed: None,
            packets: Vec::new(),
        })
    }

    /// The settings this recording was made with.
    pub fn settings(&self) -> &RecordingSettings {
        &self.settings
    }

    /// The error that stopped the recording, if any.
    pub fn error(&self) -> Option<&Error> {
        self.failed.as_ref()
    }

    fn fail(&mut self, e: Error) -> Error {
        self.failed.get_or_insert(e).clone()
    }

    /// Stops gathering (recording state "paused"): frames are dropped and the paused time is
    /// taken out of the timeline.
    pub fn pause(&mut self) {
        if self.timeline.paused_at.is_none() {
            let at = if let Some(from) = self.timeline.resume_from.take() {
                from
            } else {
                self.timeline.newest_end
            };
            self.timeline.paused_at = Some(at);
        }
    }

    /// Continues gathering after [`Recording::pause`]. The pause ends at the first frame
    /// captured afterwards.
    pub fn resume(&mut self) {
        if let Some(at) = self.timeline.paused_at.take() {
            self.timeline.resume_from = Some(at);
        }
    }

    /// Encodes a video frame of track `track_id` (frames of other tracks are ignored).
    /// I420 frames are encoded directly (any strides, a visible rect at even offsets).
    pub fn push_video(&mut self, track_id: &str, frame: &VideoFrame) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Some(v) = self.video.as_ref() else {
            return Ok(());
        };
        if v.track != track_id {
            return Ok(());
        }
        let dur_hint = frame.duration().unwrap_or(DEFAULT_FRAME_US);
        let Some(media) = self.timeline.media(frame.timestamp(), dur_hint) else {
            return Ok(());
        };
        let r = self
            .encode_video(frame, media)
            .and_then(|()| self.pump(false));
        r.map_err(|e| self.fail(e))
    }

    fn encode_video(&mut self, frame: &VideoFrame, media: i64) -> Result<()> {
        let Some(v) = self.video.as_mut() else {
            return Ok(());
        };
        // Other formats, and crops at odd offsets, are converted (and cropped) to I420.
        let rect = frame.visible_rect();
        let converted;
        let frame = if frame.format() != PixelFormat::I420 || rect.x % 2 != 0 || rect.y % 2 != 0 {
            converted = mediacapture_frame::convert(frame, PixelFormat::I420).map_err(|e| {
                Error::not_supported(format!("cannot record {:?} video: {e}", frame.format()))
            })?;
            &converted
        } else {
            frame
        };
        let rect = frame.visible_rect();
        let (w, h) = (rect.width, rect.height);
        let strides = [frame.stride(0), frame.stride(1), frame.stride(2)];
        let offs = [
            rect.y as usize * strides[0] + rect.x as usize,
            (rect.y / 2) as usize * strides[1] + (rect.x / 2) as usize,
            (rect.y / 2) as usize * strides[2] + (rect.x / 2) as usize,
        ];
        let planes = [
            frame.plane(0).get(offs[0]..).unwrap_or(&[]),
            frame.plane(1).get(offs[1]..).unwrap_or(&[]),
            frame.plane(2).get(offs[2]..).unwrap_or(&[]),
        ];
        // Frame size change: Chromium re-creates the encoder; the new size starts with a
        // keyframe and WebM allows it (the track header keeps the first size).
        if v.enc.as_ref().is_some_and(|e| e.size() != (w, h)) {
            if let Some(mut old) = v.enc.take() {
                old.flush(&mut self.packets)?;
            }
        }
        if v.enc.is_none() {
            let mut s = VpxSettings::new(v.codec, self.settings.video_bits_per_second);
            s.key_frame_interval = self.settings.key_frame_interval;
            s.threads = self.settings.video_threads;
            if let Some(c) = self.settings.video_cpu_used {
                s.cpu_used = c;
            }
            v.enc = Some(VpxEncoder::new(s, w, h)?);
            v.first_size.get_or_insert((w, h));
        }
        let duration = match (frame.duration(), v.prev_media) {
            (Some(d), _) => d,
            (None, Some(p)) if media > p => (media - p).min(1_000_000),
            _ => DEFAULT_FRAME_US,
        };
        v.prev_media = Some(media);
        if let Some(enc) = v.enc.as_mut() {
            enc.encode(planes, strides, media, duration, &mut self.packets)?;
        }
        for mut p in self.packets.drain(..) {
            // Keep the frame's own timing (libvpx bumps equal pts by 1 µs).
            p.duration_us = duration;
            v.queue.push_back(p);
        }
        Ok(())
    }

    /// Encodes audio of track `track_id` (audio of other tracks is ignored). Opus takes
    /// 8/12/16/24/48 kHz mono or stereo input as it is; other rates and channel counts go
    /// through `mediacapture_frame::AudioAdapter` to 48 kHz, at most stereo (as Chromium's
    /// Opus encoder converts its input). PCM (WAV) keeps any rate and channel count.
    pub fn push_audio(&mut self, track_id: &str, data: &AudioData) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Some(a) = self.audio.as_ref() else {
            return Ok(());
        };
        if a.track != track_id || data.frames() == 0 || self.timeline.paused_at.is_some() {
            return Ok(());
        }
        let r = self.adapt_and_encode(data).and_then(|()| self.pump(false));
        r.map_err(|e| self.fail(e))
    }

    fn adapt_and_encode(&mut self, data: &AudioData) -> Result<()> {
        let opus = self.settings.configuration.audio != Some(AudioCodec::Pcm);
        let Some(a) = self.audio.as_mut() else {
            return Ok(());
        };
        let (rate, channels) = (data.sample_rate(), data.channels());
        match a.params {
            None => {
                a.params = Some((rate, channels));
                if opus && (!OPUS_RATES.contains(&rate) || channels > 2) {
                    let ad = AudioAdapter::new(rate, channels, 48_000, channels.min(2))
                        .map_err(|e| Error::not_supported(format!("audio input: {e}")))?;
                    a.adapter = Some(ad);
                }
            }
            Some(p) if p != (rate, channels) => {
                return Err(Error::not_supported(format!(
                    "audio format changed from {} Hz x {} to {rate} Hz x {channels} while recording",
                    p.0, p.1
                )));
            }
            Some(_) => {}
        }
        let blocks = match a.adapter.as_mut() {
            Some(ad) => ad
                .process(data)
                .map_err(|e| Error::unknown(format!("audio conversion: {e}")))?,
            None => vec![data.clone()],
        };
        for b in &blocks {
            self.encode_block(b)?;
        }
        Ok(())
    }

    fn encode_block(&mut self, data: &AudioData) -> Result<()> {
        let ts = data.timestamp();
        match self.timeline.media(ts, data.duration()) {
            Some(media) => self.encode_audio(data, 0, media),
            None => {
                // The block may start before the origin: keep the part after it.
                match self.timeline.origin {
                    Some(origin)
                        if ts < origin
                            && ts + data.duration() > origin
                            && self.timeline.pauses.is_empty() =>
                    {
                        let skip =
                            ((origin - ts) * i64::from(data.sample_rate()) + 999_999) / 1_000_000;
                        self.encode_audio(data, skip as usize, 0)
                    }
                    _ => Ok(()),
                }
            }
        }
    }

    fn encode_audio(&mut self, data: &AudioData, skip_frames: usize, media: i64) -> Result<()> {
        let conf_audio = self.settings.configuration.audio;
        let (abr, mode) = (
            self.settings.audio_bits_per_second,
            self.settings.audio_bitrate_mode,
        );
        let Some(a) = self.audio.as_mut() else {
            return Ok(());
        };
        let (rate, channels) = (data.sample_rate(), data.channels());
        if a.enc.is_none() {
            a.enc = Some(match conf_audio {
                Some(AudioCodec::Pcm) => AudioEnc::Pcm { rate, channels },
                _ => AudioEnc::Opus(OpusEncoder::new(rate, channels, abr, mode)?),
            });
        }
        let samples = data.to_f32_interleaved();
        let start = (skip_frames * channels as usize).min(samples.len());
        let samples = &samples[start..];
        match a.enc.as_mut() {
            Some(AudioEnc::Opus(enc)) => {
                enc.push(samples, media, &mut self.packets)?;
                a.queue.extend(self.packets.drain(..));
            }
            Some(AudioEnc::Pcm { rate, channels }) => {
                let mut bytes = Vec::new();
                f32_to_s16le(samples, &mut bytes);
                let frames = (samples.len() / *channels as usize) as i64;
                a.queue.push_back(EncodedPacket {
                    data: bytes,
                    pts_us: media,
                    duration_us: frames * 1_000_000 / i64::from(*rate),
                    key: true,
                });
            }
            None => {}
        }
        Ok(())
    }

    fn create_muxers(&mut self) -> Result<()> {
        let mut muxers = Vec::new();
        let outs: Vec<Output> = self
            .blob_out
            .iter()
            .chain(self.file_out.iter())
            .cloned()
            .collect();
        if self.settings.configuration.container == Container::Wav {
            let Some((rate, channels)) = self.audio.as_ref().and_then(|a| a.params) else {
                return Ok(());
            };
            for out in outs {
                muxers.push(Mux::Wav(WavWriter::new(out, rate, channels)?));
            }
        } else {
            let video = self
                .video
                .as_ref()
                .filter(|v| v.expected && !v.queue.is_empty())
                .and_then(|v| {
                    v.first_size.map(|(width, height)| VideoParams {
                        codec: v.codec,
                        width,
                        height,
                    })
                });
            let audio = self
                .audio
                .as_ref()
                .filter(|a| a.expected && !a.queue.is_empty())
                .and_then(|a| match &a.enc {
                    Some(AudioEnc::Opus(o)) => Some(AudioParams {
                        channels: o.channels(),
                        opus_head: o.opus_head(),
                    }),
                    _ => None,
                });
            if video.is_none() && audio.is_none() {
                return Ok(());
            }
            for out in outs {
                muxers.push(Mux::Webm(WebmMuxer::new(out, video, audio.clone())?));
            }
            if video.is_none() {
                if let Some(v) = self.video.as_mut() {
                    v.expected = false;
                }
            }
            if audio.is_none() {
                if let Some(a) = self.audio.as_mut() {
                    a.expected = false;
                }
            }
        }
        self.muxers = muxers;
        self.muxers_created = true;
        Ok(())
    }

    /// Moves encoded packets into the muxers in timestamp order.
    fn pump(&mut self, final_: bool) -> Result<()> {
        let vq_front = |s: &Self| {
            s.video
                .as_ref()
                .and_then(|v| v.queue.front().map(|p| p.pts_us))
        };
        let aq_front = |s: &Self| {
            s.audio
                .as_ref()
                .and_then(|a| a.queue.front().map(|p| p.pts_us))
        };
        let newest = [
            self.video
                .as_ref()
                .and_then(|v| v.queue.back().map(|p| p.pts_us)),
            self.audio
                .as_ref()
                .and_then(|a| a.queue.back().map(|p| p.pts_us)),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(n) = newest {
            self.newest_packet_us = self.newest_packet_us.max(n);
        }
        if !self.muxers_created {
            let v_waiting = self
                .video
                .as_ref()
                .is_some_and(|v| v.expected && v.queue.is_empty());
            let a_waiting = self
                .audio
                .as_ref()
                .is_some_and(|a| a.expected && a.queue.is_empty());
            let oldest = [vq_front(self), aq_front(self)].into_iter().flatten().min();
            let Some(oldest) = oldest else { return Ok(()) };
            let waited = self.newest_packet_us - oldest >= FIRST_PACKET_WAIT_US;
            if (v_waiting || a_waiting) && !waited && !final_ {
                return Ok(());
            }
            self.create_muxers()?;
            if !self.muxers_created {
                return Ok(());
            }
        }
        loop {
            let v_exp = self.video.as_ref().is_some_and(|v| v.expected);
            let a_exp = self.audio.as_ref().is_some_and(|a| a.expected);
            let (vf, af) = (vq_front(self), aq_front(self));
            let kind = match (vf, af) {
                (Some(v), Some(a)) => {
                    if v <= a {
                        TrackKind::Video
                    } else {
                        TrackKind::Audio
                    }
                }
                (Some(v), None) => {
                    if !a_exp || final_ || self.newest_packet_us - v > INTERLEAVE_WAIT_US {
                        TrackKind::Video
                    } else {
                        break;
                    }
                }
                (None, Some(a)) => {
                    if !v_exp || final_ || self.newest_packet_us - a > INTERLEAVE_WAIT_US {
                        TrackKind::Audio
                    } else {
                        break;
                    }
                }
                (None, None) => break,
            };
            let (p, expected) = match kind {
                TrackKind::Video => match self.video.as_mut() {
                    Some(v) => (v.queue.pop_front(), v.expected),
                    None => (None, false),
                },
                TrackKind::Audio => match self.audio.as_mut() {
                    Some(a) => (a.queue.pop_front(), a.expected),
                    None => (None, false),
                },
            };
            let Some(p) = p else { break };
            if !expected {
                continue;
            }
            self.write_packet(kind, &p)?;
        }
        Ok(())
    }

    fn write_packet(&mut self, kind: TrackKind, p: &EncodedPacket) -> Result<()> {
        // Muxers need monotonic timestamps across tracks: a late packet is written at the
        // newest timestamp written so far (Chromium's WebmMuxer does the same), and within a
        // track timestamps must increase at the file's 1 ms resolution.
        let mut pts = p.pts_us.max(self.last_written_us);
        let last_of_track = match kind {
            TrackKind::Video => &mut self.last_video_us,
            TrackKind::Audio => &mut self.last_audio_us,
        };
        if let Some(last) = *last_of_track {
            if pts / 1000 <= last / 1000 {
                pts = (last / 1000 + 1) * 1000;
            }
        }
        *last_of_track = Some(pts);
        self.last_written_us = pts;
        self.end_us = self.end_us.max(pts + p.duration_us);
        if self.blob_first_us.is_none() {
            self.blob_first_us = Some(pts);
        }
        for m in &mut self.muxers {
            match m {
                Mux::Webm(w) => w.add(kind, p, pts as u64 * 1000)?,
                Mux::Wav(w) => w.write(&p.data)?,
            }
        }
        Ok(())
    }

    /// Media time (µs) gathered since the last [`Recording::take_blob`]: from the blob's first
    /// packet to the newest packet written, or 0 if nothing was gathered. The next blob starts
    /// at or after that newest packet, so blobs cut at a span of `t` cover at least `t`.
    pub fn blob_span_us(&self) -> i64 {
        match self.blob_first_us {
            Some(first) => self.last_written_us - first,
            None => 0,
        }
    }

    /// Media time (µs) of the first packet in the current blob, if any.
    pub fn blob_start_us(&self) -> Option<i64> {
        self.blob_first_us
    }

    /// Media time (µs) recorded so far (end of the newest packet written).
    pub fn recorded_us(&self) -> i64 {
        self.end_us
    }

    /// Bytes gathered since the last call (empty with blobs off). Starts a new blob.
    pub fn take_blob(&mut self) -> Vec<u8> {
        let bytes = self.blob_out.as_ref().map(Output::take).unwrap_or_default();
        if !bytes.is_empty() {
            self.blob_first_us = None;
        }
        bytes
    }

    /// Bytes waiting for the next blob.
    pub fn pending_blob_len(&self) -> usize {
        self.blob_out.as_ref().map_or(0, Output::pending_len)
    }

    /// Ends the recording: flushes the encoders, writes everything, finalizes the file
    /// (Duration, Cues) and returns the last blob's bytes. After an error, returns what could
    /// be gathered together with the error.
    pub fn finish(mut self) -> (Vec<u8>, Option<Error>) {
        if self.failed.is_none() {
            if let Err(e) = self.finish_inner() {
                self.failed = Some(e);
            }
        }
        let bytes = self.blob_out.as_ref().map(Output::take).unwrap_or_default();
        (bytes, self.failed)
    }

    fn finish_inner(&mut self) -> Result<()> {
        let tail = match self.audio.as_mut().and_then(|a| a.adapter.as_mut()) {
            Some(ad) => ad
                .flush()
                .map_err(|e| Error::unknown(format!("audio conversion: {e}")))?,
            None => Vec::new(),
        };
        for b in &tail {
            self.encode_block(b)?;
        }
        if let Some(v) = self.video.as_mut() {
            if let Some(enc) = v.enc.as_mut() {
                enc.flush(&mut self.packets)?;
                v.queue.extend(self.packets.drain(..));
            }
        }
        if let Some(a) = self.audio.as_mut() {
            if let Some(AudioEnc::Opus(enc)) = a.enc.as_mut() {
                enc.flush(&mut self.packets)?;
                a.queue.extend(self.packets.drain(..));
            }
        }
        self.pump(true)?;
        let duration_ms = (self.end_us as u64).div_ceil(1000);
        let mut first_err = None;
        for m in self.muxers.drain(..) {
            let r = match m {
                Mux::Webm(w) => w.finalize(duration_ms),
                Mux::Wav(w) => w.finalize(),
            };
            if let Err(e) = r {
                first_err.get_or_insert(e);
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
