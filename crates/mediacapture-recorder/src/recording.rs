//! The recording engine's media part: frames in, encoded and muxed bytes out.
//!
//! A [`Recording`] is one recording session's encoders (libvpx, libopus), muxers (libwebm,
//! WAV) and outputs (memory for blobs, a file). It has no thread and no clock of its own; the
//! [`Engine`](crate::engine::Engine) drives it from the commands of the state machine.

use crate::encode::vpx::{KeyFrameInterval, VpxSettings};
use crate::encode::{EncodedPacket, OPUS_RATES, OpusEncoder, f32_to_s16le};
use crate::mime::{AudioCodec, Configuration, Container, VideoCodec};
use crate::mux::{Output, WavWriter, WebmMuxer};
use crate::options::BitrateMode;
use crate::timeline::Timeline;
use mediacapture_frame::{AudioAdapter, AudioData, VideoFrame};
use mediacapture_types::{Error, Result};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

mod pump;
mod video_encoder;

pub use video_encoder::Interrupt;
use video_encoder::VideoEncoder;

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
#[derive(Debug, Clone, PartialEq)]
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
            video_bits_per_second: crate::options::DEFAULT_VIDEO_BITS_PER_SECOND,
            audio_bits_per_second: crate::options::DEFAULT_AUDIO_BITS_PER_SECOND,
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

/// A function the engine calls on its own thread just before it encodes a video frame.
///
/// A test hook: it lets a test hold the encoder busy for as long as it wants (block until the
/// test says go), deterministically, to show what does and does not wait for encoding.
#[doc(hidden)]
#[derive(Clone)]
pub struct EncodeHook(pub Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for EncodeHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncodeHook")
    }
}

/// What a [`Recording`] has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordingStats {
    /// Video frames encoded.
    pub video_frames: u64,
    /// Audio sample frames (samples per channel) encoded.
    pub audio_frames: u64,
    /// Bytes produced (the file's size when writing one, else the blobs' total).
    pub bytes: u64,
    /// Video frames not recorded because they started less than a millisecond (WebM's
    /// timestamp resolution) after the previous frame, or before it.
    pub skipped_video_frames: u64,
    /// Video frames still in the encoder when a stopping recording stopped waiting for it
    /// (see [`Interrupt`]): not recorded.
    pub abandoned_video_frames: u64,
}

/// A blob's bytes and its `timecode`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlobData {
    /// The bytes gathered since the previous blob.
    pub data: Vec<u8>,
    /// `BlobEvent.timecode` in milliseconds: 0 for the first blob of the recording, then the
    /// capture time of the blob's first chunk minus that of the recording's first chunk
    /// (pauses included, as the spec's "timestamp of creation" says); never decreasing.
    pub timecode: f64,
}

/// The end of a [`Recording`]: the last blob, and the error that stopped it, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    /// The last blob (empty with blobs off).
    pub blob: BlobData,
    /// What went wrong, if anything (the data gathered before is still there).
    pub error: Option<Error>,
    /// What was recorded, the file's final size included.
    pub stats: RecordingStats,
}

enum AudioEnc {
    Opus(OpusEncoder),
    Pcm { rate: u32, channels: u32 },
}

enum Mux {
    Webm(WebmMuxer),
    Wav(WavWriter),
}

struct VideoState {
    track: String,
    codec: VideoCodec,
    enc: Option<VideoEncoder>,
    first_size: Option<(u32, u32)>,
    prev_media: Option<i64>,
    /// The millisecond (media time) of the newest frame given to the encoder.
    last_ms: Option<i64>,
    queue: VecDeque<EncodedPacket>,
    expected: bool,
    /// The track ended, or its encoder was abandoned at a stop: it records nothing more and
    /// nobody waits for it.
    ended: bool,
}

struct AudioState {
    track: String,
    enc: Option<AudioEnc>,
    adapter: Option<AudioAdapter>,
    params: Option<(u32, u32)>,
    queue: VecDeque<EncodedPacket>,
    expected: bool,
    ended: bool,
}

/// One recording: encoders, muxers and outputs. Feed it frames with [`Recording::push_video`]
/// and [`Recording::push_audio`], take blob bytes with [`Recording::take_blob`], end it with
/// [`Recording::finish`].
///
/// Timestamps: a frame's capture timestamp minus the first captured timestamp of the
/// recording (any track), minus paused time. Audio and video share that clock, so they stay in
/// sync. WebM stores whole milliseconds, and every packet of a track gets a later millisecond
/// than the one before: a video frame that does not start a later millisecond than the
/// previous frame (a 2000 fps camera, a source whose clock went backwards) is not encoded
/// (counted in [`RecordingStats::skipped_video_frames`]). The Duration is the end of the
/// media: of the last packet, or of the last frame dropped after it (which that packet stands
/// for, [`Recording::covered_until`]), or when the recording stopped if that came first
/// ([`Recording::finish_at`]).
///
/// The concatenation of all blobs is a playable file; see [`crate::mux`] for how the file
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
    /// Capture time of the first packet written (the reference of blob timecodes).
    first_chunk_capture_us: Option<i64>,
    blobs_taken: u64,
    last_timecode: f64,
    newest_packet_us: i64,
    /// Capture time of the newest video frame not recorded (dropped before or by the engine).
    covered_until: Option<i64>,
    /// The newest capture timestamp of anything delivered, recorded or not.
    newest_seen: Option<i64>,
    failed: Option<Error>,
    packets: Vec<EncodedPacket>,
    stats: RecordingStats,
    hook: Option<EncodeHook>,
    interrupt: Interrupt,
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
                last_ms: None,
                queue: VecDeque::new(),
                expected: true,
                ended: false,
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
                ended: false,
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
            first_chunk_capture_us: None,
            blobs_taken: 0,
            last_timecode: 0.0,
            newest_packet_us: 0,
            covered_until: None,
            newest_seen: None,
            failed: None,
            packets: Vec::new(),
            stats: RecordingStats::default(),
            hook: None,
            interrupt: Interrupt::new(),
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

    /// What was recorded so far.
    pub fn stats(&self) -> RecordingStats {
        let mut s = self.stats;
        s.bytes = self
            .file_out
            .as_ref()
            .or(self.blob_out.as_ref())
            .map_or(0, Output::written);
        s
    }

    /// Test hook: `hook` runs just before each video frame is encoded (on the encoder's
    /// thread).
    #[doc(hidden)]
    pub fn set_encode_hook(&mut self, hook: Option<EncodeHook>) {
        self.hook = hook;
    }

    /// The session's stop signal: once it is raised, a wait for a video frame still in the
    /// encoder is bounded, after which the frame is abandoned (see [`Interrupt`]). Without
    /// one, the recording always waits for the encoder.
    pub fn set_interrupt(&mut self, interrupt: Interrupt) {
        self.interrupt = interrupt;
    }

    fn fail(&mut self, e: Error) -> Error {
        self.failed.get_or_insert(e).clone()
    }

    /// Stops gathering (recording state "paused"): frames are dropped and the paused time is
    /// taken out of the timeline.
    pub fn pause(&mut self) {
        self.timeline.pause();
    }

    /// Continues gathering after [`Recording::pause`]. The pause ends at the first frame
    /// captured afterwards.
    pub fn resume(&mut self) {
        self.timeline.resume();
    }

    /// Encodes a video frame of track `track_id` (frames of other tracks, of an ended track,
    /// and frames that do not start a later millisecond than the previous one are ignored).
    /// I420 frames are encoded directly (any strides, a visible rect at even offsets).
    pub fn push_video(&mut self, track_id: &str, frame: &VideoFrame) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let last_ms = match self.video.as_ref() {
            Some(v) if v.track == track_id && !v.ended => v.last_ms,
            _ => return Ok(()),
        };
        self.seen(frame.timestamp());
        let dur_hint = frame.duration().unwrap_or(DEFAULT_FRAME_US);
        let Some(media) = self.timeline.media(frame.timestamp(), dur_hint) else {
            return Ok(());
        };
        // WebM timestamps are whole milliseconds (libwebm truncates): a frame that does not
        // start a later millisecond than the previous one cannot get a timestamp of its own.
        // Drop it before encoding — an encoded frame cannot be dropped, later frames refer to
        // it — rather than push it (and every later frame) forward in time.
        let ms = media.div_euclid(1000);
        if last_ms.is_some_and(|last| ms <= last) {
            self.stats.skipped_video_frames += 1;
            self.covered_until(frame.timestamp());
            return Ok(());
        }
        let r = self
            .encode_video(frame, media)
            .and_then(|()| self.pump(false));
        r.map_err(|e| self.fail(e))
    }

    /// A video frame captured at `ts` was not recorded (a busy encoder dropped it): the
    /// previous frame stands for it, and the recording's Duration covers it.
    pub fn covered_until(&mut self, ts: i64) {
        self.covered_until = Some(self.covered_until.map_or(ts, |c| c.max(ts)));
        self.seen(ts);
    }

    fn seen(&mut self, ts: i64) {
        self.newest_seen = Some(self.newest_seen.map_or(ts, |c| c.max(ts)));
    }

    /// Track `track_id` delivers nothing more (it ended): what its encoder holds is written
    /// now, and the other track's packets no longer wait for it.
    pub fn track_ended(&mut self, track_id: &str) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.end_track(track_id).and_then(|()| self.pump(false));
        r.map_err(|e| self.fail(e))
    }

    fn end_track(&mut self, track_id: &str) -> Result<()> {
        if let Some(v) = self
            .video
            .as_mut()
            .filter(|v| v.track == track_id && !v.ended)
        {
            v.ended = true;
            flush_video(v)?;
        }
        if self
            .audio
            .as_ref()
            .is_some_and(|a| a.track == track_id && !a.ended)
        {
            self.flush_audio()?;
            if let Some(a) = self.audio.as_mut() {
                a.ended = true;
            }
        }
        Ok(())
    }

    /// Flushes the audio adapter and encoder into the audio queue.
    fn flush_audio(&mut self) -> Result<()> {
        let tail = match self.audio.as_mut().and_then(|a| a.adapter.as_mut()) {
            Some(ad) => ad
                .flush()
                .map_err(|e| Error::unknown(format!("audio conversion: {e}")))?,
            None => Vec::new(),
        };
        for b in &tail {
            self.encode_block(b)?;
        }
        if let Some(a) = self.audio.as_mut() {
            if let Some(AudioEnc::Opus(enc)) = a.enc.as_mut() {
                enc.flush(&mut self.packets)?;
                a.queue.extend(self.packets.drain(..));
            }
        }
        Ok(())
    }

    fn encode_video(&mut self, frame: &VideoFrame, media: i64) -> Result<()> {
        let Some(v) = self.video.as_mut() else {
            return Ok(());
        };
        let rect = frame.visible_rect();
        v.first_size.get_or_insert((rect.width, rect.height));
        if v.enc.is_none() {
            let mut s = VpxSettings::new(v.codec, self.settings.video_bits_per_second);
            s.key_frame_interval = self.settings.key_frame_interval;
            s.threads = self.settings.video_threads;
            if let Some(c) = self.settings.video_cpu_used {
                s.cpu_used = c;
            }
            v.enc = Some(VideoEncoder::new(
                s,
                self.hook.clone(),
                self.interrupt.clone(),
            )?);
        }
        let duration = match (frame.duration(), v.prev_media) {
            (Some(d), _) => d,
            (None, Some(p)) if media > p => (media - p).min(1_000_000),
            _ => DEFAULT_FRAME_US,
        };
        v.prev_media = Some(media);
        v.last_ms = Some(media.div_euclid(1000));
        let Some(enc) = v.enc.as_mut() else {
            return Ok(());
        };
        match enc.encode(frame, media, duration)? {
            Some(packets) => {
                self.stats.video_frames += 1;
                for mut p in packets {
                    // Keep the frame's own timing (libvpx bumps equal pts by 1 µs).
                    p.duration_us = duration;
                    v.queue.push_back(p);
                }
            }
            None => {
                // Stopping, and the frame is still in the encoder: not recorded.
                v.enc = None;
                v.ended = true;
                self.stats.abandoned_video_frames += 1;
            }
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
        if a.track != track_id || a.ended || data.frames() == 0 || self.timeline.paused_at.is_some()
        {
            return Ok(());
        }
        self.seen(data.timestamp());
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
        self.stats.audio_frames += (samples.len() / channels.max(1) as usize) as u64;
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

    /// The bytes gathered since the last call (empty with blobs off) and their timecode.
    /// Starts a new blob.
    pub fn take_blob(&mut self) -> BlobData {
        let data = self.blob_out.as_ref().map(Output::take).unwrap_or_default();
        let timecode = self.timecode();
        if self.blob_first_us.is_some() {
            self.blob_first_us = None;
        }
        BlobData { data, timecode }
    }

    /// The timecode of the blob being taken.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-record/#dom-blobevent-timecode>
    fn timecode(&mut self) -> f64 {
        let first = self.blobs_taken == 0;
        self.blobs_taken += 1;
        if first {
            return 0.0;
        }
        // A blob's first chunk, or for an empty blob where its first chunk would be.
        let chunk = self.blob_first_us.unwrap_or(self.last_written_us);
        let t = match (self.timeline.capture_of(chunk), self.first_chunk_capture_us) {
            (Some(c), Some(first)) => (c - first) as f64 / 1000.0,
            _ => 0.0,
        };
        self.last_timecode = t.max(self.last_timecode);
        self.last_timecode
    }

    /// Bytes waiting for the next blob.
    pub fn pending_blob_len(&self) -> usize {
        self.blob_out.as_ref().map_or(0, Output::pending_len)
    }

    /// Ends the recording: [`Recording::finish_at`] without a stop time.
    pub fn finish(self) -> Finished {
        self.finish_at(None)
    }

    /// Ends the recording: flushes the encoders, writes everything, finalizes the file
    /// (Duration, Cues) and returns the last blob. After an error, returns what could be
    /// gathered together with the error.
    ///
    /// `stopped_at` is the capture-clock time the recording stopped, when known: the Duration
    /// then ends there if the last frame's own duration runs past it (a frame that declares
    /// it lasts an hour, shown for the three seconds the recording lasted).
    pub fn finish_at(mut self, stopped_at: Option<i64>) -> Finished {
        if self.failed.is_none() {
            if let Err(e) = self.finish_inner(stopped_at) {
                self.failed = Some(e);
            }
        }
        let blob = self.take_blob();
        let stats = self.stats();
        Finished {
            blob,
            error: self.failed,
            stats,
        }
    }

    fn finish_inner(&mut self, stopped_at: Option<i64>) -> Result<()> {
        self.flush_audio()?;
        if let Some(v) = self.video.as_mut() {
            flush_video(v)?;
        }
        self.pump(true)?;
        // Frames dropped after the last recorded one: that one stands for them.
        if let Some(m) = self.covered_until.and_then(|c| self.timeline.media_at(c)) {
            self.end_us = self.end_us.max(m);
        }
        // The Duration ends at the stop if the last packet's own duration runs past it — only
        // when the stop is plausibly on the frames' clock: not before anything delivered
        // (a frame is delivered after it was captured, so before the stop on the same clock).
        let newest = [
            self.timeline.capture_of(self.last_written_us),
            self.newest_seen,
        ]
        .into_iter()
        .flatten()
        .max();
        if let (Some(stop), Some(newest)) = (stopped_at, newest) {
            if stop >= newest {
                if let Some(m) = self.timeline.media_at(stop) {
                    self.end_us = self.end_us.min(m.max(self.last_written_us + 1));
                }
            }
        }
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

/// Flushes a video track's encoder into its queue. A stopping recording whose encoder does
/// not answer in time abandons it (its last frames are not recorded).
fn flush_video(v: &mut VideoState) -> Result<()> {
    if let Some(enc) = v.enc.as_mut() {
        match enc.flush()? {
            Some(packets) => v.queue.extend(packets),
            None => {
                v.enc = None;
                v.ended = true;
            }
        }
    }
    Ok(())
}
