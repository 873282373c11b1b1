//! WebM / Matroska: demuxing with `webm-iterable`, VP8/VP9 with libvpx, Opus with libopus.

use super::reader::{
    AudioInfo, Container, Decode, MAX_FRAME_RATE, MIN_FRAME_RATE, Media, MediaInfo, VideoInfo,
    damaged, io_error,
};
use super::timeline::{MAX_GAP_US, MAX_GAP_WITH_AUDIO_US, Timeline};
use super::webm_block::parse_block;
use mediacapture_codec::{VideoCodec, VpxDecoder};
use mediacapture_frame::AudioData;
use mediacapture_types::{Error, ErrorKind, Result};
use std::collections::VecDeque;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;
use webm_iterable::WebmIterator;
use webm_iterable::matroska_spec::{Master, MatroskaSpec};

/// No element may claim more than this many bytes (a corrupt size must not become a huge
/// allocation).
const MAX_TAG_BYTES: usize = 64 * 1024 * 1024;
/// Video packets looked at to measure the frame rate when the header does not give it.
const RATE_PROBE_PACKETS: usize = 16;
/// Packets read ahead at most while measuring the frame rate.
const MAX_READ_AHEAD: usize = 1024;
/// The largest Opus packet decodes to 120 ms: 5760 samples per channel at 48 kHz.
const OPUS_MAX_FRAME: usize = 5760;
/// The frame rate assumed when neither the header nor the first frames tell.
const FALLBACK_FRAME_RATE: f64 = 30.0;

type Tags = WebmIterator<BufReader<File>>;

#[derive(Debug, Clone)]
struct TrackEntry {
    number: u64,
    kind: u64,
    codec: String,
    codec_private: Vec<u8>,
    width: u32,
    height: u32,
    sample_rate: f64,
    channels: u32,
    default_duration_ns: Option<u64>,
}

/// One compressed frame from the file.
#[derive(Debug)]
struct Packet {
    track: u64,
    pts_us: i64,
    keyframe: bool,
    data: Vec<u8>,
}

/// What the header says, and the tag iterator positioned on the first cluster.
struct Header {
    tags: Tags,
    container: Container,
    scale_ns: u64,
    duration: Option<Duration>,
    tracks: Vec<TrackEntry>,
}

struct OpusState {
    decoder: opus::Decoder,
    channels: u32,
    pre_skip: usize,
    /// Samples per channel still to drop at the start (the encoder's pre-skip).
    skip_left: usize,
    buf: Vec<f32>,
}

pub(crate) struct WebmDecoder {
    path: PathBuf,
    info: MediaInfo,
    tags: Tags,
    scale_ns: u64,
    cluster_tc: i64,
    video_track: Option<(u64, VideoCodec, Option<i64>)>,
    audio_track: Option<u64>,
    vpx: Option<VpxDecoder>,
    opus: Option<OpusState>,
    read_ahead: VecDeque<Packet>,
    out: VecDeque<Media>,
    /// Packet timestamps, checked and corrected (see [`Timeline`]).
    timeline: Timeline,
    /// The timeline as it is at the start of the file (seeks read the file again).
    timeline_at_start: Timeline,
    /// After a seek: units before this media time are dropped.
    skip_before_us: Option<i64>,
    /// After a seek (and at the start): video packets are dropped until a keyframe.
    wait_keyframe: bool,
    /// A decoded video frame before the seek target, held in case it is the one shown at
    /// the target.
    held_video: Option<Media>,
    /// Damage met while reading ahead, reported once the packets before it are played.
    pending_error: Option<Error>,
    done: bool,
}

fn tag_error(path: &Path, e: &dyn std::fmt::Display) -> Error {
    damaged(path, e)
}

fn open_tags(path: &Path) -> Result<Tags> {
    let file = File::open(path).map_err(|e| io_error(path, &e))?;
    let mut tags = WebmIterator::new(
        BufReader::new(file),
        &[
            MatroskaSpec::TrackEntry(Master::Start),
            MatroskaSpec::BlockGroup(Master::Start),
        ],
    );
    tags.set_max_allowable_tag_size(Some(MAX_TAG_BYTES));
    Ok(tags)
}

fn parse_track(path: &Path, children: &[MatroskaSpec]) -> Result<TrackEntry> {
    let mut t = TrackEntry {
        number: 0,
        kind: 0,
        codec: String::new(),
        codec_private: Vec::new(),
        width: 0,
        height: 0,
        sample_rate: 8000.0,
        channels: 1,
        default_duration_ns: None,
    };
    for c in children {
        match c {
            MatroskaSpec::TrackNumber(n) => t.number = *n,
            MatroskaSpec::TrackType(k) => t.kind = *k,
            MatroskaSpec::CodecID(s) => t.codec = s.clone(),
            MatroskaSpec::CodecPrivate(b) => t.codec_private = b.clone(),
            MatroskaSpec::DefaultDuration(d) if *d > 0 => {
                // A frame duration outside the frame rates played is damage: ignored (the
                // frame rate is then measured on the first frames).
                let rate = 1e9 / *d as f64;
                if (MIN_FRAME_RATE..=MAX_FRAME_RATE).contains(&rate) {
                    t.default_duration_ns = Some(*d);
                } else {
                    tracing::warn!(
                        "{}: DefaultDuration of {d} ns ({rate} fps) ignored",
                        path.display()
                    );
                }
            }
            MatroskaSpec::Video(Master::Full(v)) => {
                for x in v {
                    match x {
                        MatroskaSpec::PixelWidth(w) => t.width = u32::try_from(*w).unwrap_or(0),
                        MatroskaSpec::PixelHeight(h) => {
                            t.height = u32::try_from(*h).unwrap_or(0);
                        }
                        _ => {}
                    }
                }
            }
            MatroskaSpec::Audio(Master::Full(a)) => {
                for x in a {
                    match x {
                        MatroskaSpec::SamplingFrequency(f) => t.sample_rate = *f,
                        MatroskaSpec::Channels(n) => t.channels = u32::try_from(*n).unwrap_or(0),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if t.number == 0 {
        return Err(damaged(path, "a track has no TrackNumber"));
    }
    Ok(t)
}

fn read_header(path: &Path) -> Result<Header> {
    let mut tags = open_tags(path)?;
    let mut container = None;
    let mut scale_ns = 1_000_000u64;
    let mut duration_ticks: Option<f64> = None;
    let mut tracks = Vec::new();
    let mut seen_ebml = false;
    loop {
        let Some(tag) = tags.next() else {
            // No cluster at all: a file with tracks and no media (or a header cut short).
            if !seen_ebml {
                return Err(damaged(path, "no EBML header"));
            }
            break;
        };
        let tag = tag.map_err(|e| tag_error(path, &e))?;
        match tag {
            MatroskaSpec::Ebml(Master::Start) => seen_ebml = true,
            MatroskaSpec::DocType(t) => {
                container = Some(match t.as_str() {
                    "webm" => Container::WebM,
                    "matroska" => Container::Matroska,
                    other => {
                        return Err(Error::not_supported(format!(
                            "{}: EBML document type {other:?} is not WebM or Matroska",
                            path.display()
                        )));
                    }
                });
            }
            MatroskaSpec::TimestampScale(s) => {
                if s == 0 {
                    return Err(damaged(path, "TimestampScale is 0"));
                }
                scale_ns = s;
            }
            MatroskaSpec::Duration(d) => duration_ticks = Some(d),
            MatroskaSpec::TrackEntry(Master::Full(children)) => {
                tracks.push(parse_track(path, &children)?);
            }
            MatroskaSpec::Cluster(Master::Start) => break,
            // A Cluster buffered whole never happens (not requested); anything else in the
            // header (SeekHead, Cues, Tags, Void) is skipped.
            _ => {}
        }
    }
    let container = container.ok_or_else(|| damaged(path, "no DocType in the EBML header"))?;
    let duration = duration_ticks
        .filter(|d| d.is_finite() && *d >= 0.0)
        .map(|d| Duration::from_secs_f64((d * scale_ns as f64 / 1e9).min(1e12)));
    Ok(Header {
        tags,
        container,
        scale_ns,
        duration,
        tracks,
    })
}

/// Reads the pre-skip and channel count from an OpusHead (RFC 7845 §5.1).
fn opus_head(private: &[u8]) -> Option<(u32, usize)> {
    if private.len() < 19 || &private[..8] != b"OpusHead" {
        return None;
    }
    let channels = u32::from(private[9]);
    let pre_skip = usize::from(u16::from_le_bytes([private[10], private[11]]));
    Some((channels, pre_skip))
}

impl WebmDecoder {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let header = read_header(path)?;
        let mut video_track = None;
        let mut audio_track = None;
        let mut video_info = None;
        let mut audio_info = None;
        let mut opus = None;
        let mut vpx = None;
        for t in &header.tracks {
            match (t.kind, t.codec.as_str()) {
                (1, "V_VP8" | "V_VP9") if video_track.is_none() => {
                    let codec = if t.codec == "V_VP8" {
                        VideoCodec::Vp8
                    } else {
                        VideoCodec::Vp9
                    };
                    if t.width == 0 || t.height == 0 || t.width > 16384 || t.height > 16384 {
                        return Err(damaged(
                            path,
                            format!("video size {}x{} is not valid", t.width, t.height),
                        ));
                    }
                    vpx = Some(VpxDecoder::new(codec)?);
                    let frame_dur = t
                        .default_duration_ns
                        .and_then(|d| i64::try_from(d / 1000).ok());
                    video_track = Some((t.number, codec, frame_dur));
                    video_info = Some(VideoInfo {
                        codec: if codec == VideoCodec::Vp8 {
                            "vp8"
                        } else {
                            "vp9"
                        },
                        width: t.width,
                        height: t.height,
                        frame_rate: t.default_duration_ns.map_or(0.0, |d| 1e9 / d as f64),
                    });
                }
                (2, "A_OPUS") if audio_track.is_none() => {
                    let (channels, pre_skip) =
                        opus_head(&t.codec_private).unwrap_or((t.channels, 0));
                    let ch = match channels {
                        1 => opus::Channels::Mono,
                        2 => opus::Channels::Stereo,
                        n => {
                            tracing::warn!(
                                "{}: Opus track with {n} channels skipped (mono and stereo only)",
                                path.display()
                            );
                            continue;
                        }
                    };
                    // Opus always decodes at 48 kHz here, whatever the input rate was.
                    let decoder = opus::Decoder::new(48_000, ch)
                        .map_err(|e| Error::not_readable(format!("libopus: {e}")))?;
                    opus = Some(OpusState {
                        decoder,
                        channels,
                        pre_skip,
                        skip_left: pre_skip,
                        buf: vec![0.0; OPUS_MAX_FRAME * channels as usize],
                    });
                    audio_track = Some(t.number);
                    audio_info = Some(AudioInfo {
                        codec: "opus",
                        sample_rate: 48_000,
                        channels,
                        sample_size: 16,
                    });
                }
                (1 | 2, codec) => tracing::warn!(
                    "{}: track {} with codec {codec:?} skipped (VP8, VP9 and Opus only)",
                    path.display(),
                    t.number
                ),
                _ => {}
            }
        }
        if header.tracks.is_empty() {
            return Err(damaged(
                path,
                "no tracks (the header is cut short or corrupt)",
            ));
        }
        if video_track.is_none() && audio_track.is_none() {
            let codecs: Vec<&str> = header.tracks.iter().map(|t| t.codec.as_str()).collect();
            return Err(Error::not_supported(format!(
                "{}: no playable track (found {codecs:?}; VP8, VP9 and Opus are played)",
                path.display()
            )));
        }
        let stated_us = header
            .duration
            .and_then(|d| i64::try_from(d.as_micros()).ok());
        let max_gap = if audio_track.is_some() {
            MAX_GAP_WITH_AUDIO_US
        } else {
            MAX_GAP_US
        };
        let timeline = Timeline::new(stated_us, max_gap);
        let mut dec = WebmDecoder {
            path: path.to_path_buf(),
            info: MediaInfo {
                container: header.container,
                duration: header.duration,
                video: video_info,
                audio: audio_info,
            },
            tags: header.tags,
            scale_ns: header.scale_ns,
            cluster_tc: 0,
            video_track,
            audio_track,
            vpx,
            opus,
            read_ahead: VecDeque::new(),
            out: VecDeque::new(),
            timeline: timeline.clone(),
            timeline_at_start: timeline,
            skip_before_us: None,
            wait_keyframe: true,
            held_video: None,
            pending_error: None,
            done: false,
        };
        dec.measure_frame_rate()?;
        Ok(dec)
    }

    /// When the header gives no frame rate, reads ahead (keeping the packets) and takes the
    /// median interval of the first video frames.
    fn measure_frame_rate(&mut self) -> Result<()> {
        let Some((vnum, ..)) = self.video_track else {
            return Ok(());
        };
        if self.info.video.as_ref().is_some_and(|v| v.frame_rate > 0.0) {
            return Ok(());
        }
        let mut pts = Vec::new();
        while pts.len() < RATE_PROBE_PACKETS && self.read_ahead.len() < MAX_READ_AHEAD {
            match self.read_packet() {
                Ok(Some(p)) => {
                    if p.track == vnum {
                        pts.push(p.pts_us);
                    }
                    self.read_ahead.push_back(p);
                }
                Ok(None) => break,
                // Damage right after the header: reported when playback gets there.
                Err(e) => {
                    self.pending_error = Some(e);
                    break;
                }
            }
        }
        pts.sort_unstable();
        let mut deltas: Vec<i64> = pts
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|d| *d > 0)
            .collect();
        deltas.sort_unstable();
        let rate = deltas
            .get(deltas.len() / 2)
            .map_or(FALLBACK_FRAME_RATE, |&d| {
                (1e6 / d as f64 * 1000.0).round() / 1000.0
            });
        if let Some(v) = self.info.video.as_mut() {
            v.frame_rate = if (MIN_FRAME_RATE..=MAX_FRAME_RATE).contains(&rate) {
                rate
            } else {
                FALLBACK_FRAME_RATE
            };
        }
        Ok(())
    }

    /// Microseconds of `ticks`, wide (checked and narrowed by the [`Timeline`]).
    fn ticks_to_us(&self, ticks: i64) -> i128 {
        i128::from(ticks) * i128::from(self.scale_ns) / 1000
    }

    /// The next packet of a played track, from the file.
    fn read_packet(&mut self) -> Result<Option<Packet>> {
        loop {
            let Some(tag) = self.tags.next() else {
                return Ok(None);
            };
            let tag = tag.map_err(|e| tag_error(&self.path, &e))?;
            let (block, keyframe) = match &tag {
                MatroskaSpec::Timestamp(tc) => {
                    self.cluster_tc = i64::try_from(*tc)
                        .map_err(|_| damaged(&self.path, "cluster timestamp out of range"))?;
                    continue;
                }
                MatroskaSpec::SimpleBlock(data) => {
                    let b = parse_block(data).map_err(|e| damaged(&self.path, e))?;
                    let keyframe = b.flags & 0x80 != 0;
                    ((b.track, b.timestamp, b.frames), keyframe)
                }
                MatroskaSpec::BlockGroup(Master::Full(children)) => {
                    let mut found = None;
                    let mut has_ref = false;
                    for c in children {
                        match c {
                            MatroskaSpec::Block(data) => {
                                let b = parse_block(data).map_err(|e| damaged(&self.path, e))?;
                                found = Some((b.track, b.timestamp, b.frames));
                            }
                            MatroskaSpec::ReferenceBlock(_) => has_ref = true,
                            _ => {}
                        }
                    }
                    match found {
                        Some(b) => (b, !has_ref),
                        None => continue,
                    }
                }
                _ => continue,
            };
            let (track, rel, frames) = block;
            let played = self.video_track.is_some_and(|(n, ..)| n == track)
                || self.audio_track == Some(track);
            if !played {
                continue;
            }
            let raw_us = self.ticks_to_us(self.cluster_tc.saturating_add(i64::from(rel)));
            let pts_us = self.timeline.place(&self.path, raw_us)?;
            // Laced frames (rare in WebM) share the block's timestamp; each is decoded in turn.
            let mut frames = frames.into_iter();
            let Some(first) = frames.next() else { continue };
            for extra in frames {
                self.read_ahead.push_back(Packet {
                    track,
                    pts_us,
                    keyframe,
                    data: extra,
                });
            }
            return Ok(Some(Packet {
                track,
                pts_us,
                keyframe,
                data: first,
            }));
        }
    }

    fn next_packet(&mut self) -> Result<Option<Packet>> {
        if let Some(p) = self.read_ahead.pop_front() {
            return Ok(Some(p));
        }
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        self.read_packet()
    }

    fn decode_packet(&mut self, p: Packet) -> Result<()> {
        if let Some((vnum, _, frame_dur)) = self.video_track
            && p.track == vnum
        {
            if self.wait_keyframe {
                if !p.keyframe {
                    return Ok(());
                }
                self.wait_keyframe = false;
            }
            let Some(vpx) = self.vpx.as_mut() else {
                return Ok(());
            };
            let mut frames = Vec::new();
            // Bytes that do not decode are a damaged file: NotReadableError, as every other
            // damage in a file (the decoder calls them OperationError, as WebCodecs does).
            vpx.decode(&p.data, p.pts_us, &mut frames)
                .map_err(|e| match e.kind {
                    ErrorKind::OperationError => Error::not_readable(e.message),
                    _ => e,
                })?;
            for f in frames {
                let f = f.with_duration(frame_dur);
                match self.skip_before_us {
                    Some(t) if p.pts_us < t => self.held_video = Some(Media::Video(f)),
                    Some(t) if p.pts_us > t => {
                        // The frame shown at the target is the last one before it.
                        if let Some(Media::Video(h)) = self.held_video.take() {
                            self.out.push_back(Media::Video(h.with_timestamp(t)));
                        }
                        self.out.push_back(Media::Video(f));
                    }
                    _ => {
                        self.held_video = None;
                        self.out.push_back(Media::Video(f));
                    }
                }
            }
            return Ok(());
        }
        if self.audio_track == Some(p.track) {
            let Some(o) = self.opus.as_mut() else {
                return Ok(());
            };
            let n = o
                .decoder
                .decode_float(&p.data, &mut o.buf, false)
                .map_err(|e| damaged(&self.path, format!("Opus packet at {} µs: {e}", p.pts_us)))?;
            let ch = o.channels as usize;
            let skip = o.skip_left.min(n);
            o.skip_left -= skip;
            if n > skip {
                let ts = p.pts_us + (skip as i64 * 1_000_000 / 48_000);
                let samples = &o.buf[skip * ch..n * ch];
                let data = AudioData::from_f32(48_000, o.channels, samples, ts)
                    .map_err(|e| Error::not_readable(e.to_string()))?;
                let end = ts + data.duration();
                match self.skip_before_us {
                    Some(t) if end <= t => {}
                    _ => self.out.push_back(Media::Audio(data)),
                }
            }
        }
        Ok(())
    }
}

impl Decode for WebmDecoder {
    fn info(&self) -> &MediaInfo {
        &self.info
    }

    fn next_media(&mut self) -> Result<Option<Media>> {
        loop {
            if let Some(m) = self.out.pop_front() {
                return Ok(Some(m));
            }
            if self.done {
                return Ok(None);
            }
            match self.next_packet() {
                Ok(Some(p)) => {
                    if let Err(e) = self.decode_packet(p) {
                        self.done = true;
                        return Err(e);
                    }
                }
                Ok(None) => {
                    self.done = true;
                    if let Some(h) = self.held_video.take() {
                        // Seeking past the last frame shows the last frame.
                        self.out.push_back(h);
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            }
        }
    }

    fn seek(&mut self, us: i64) -> Result<()> {
        // No Cues are used: the file is read again from the start, skipping packets without
        // decoding them up to the target; video is then decoded from the last keyframe
        // before it (one group of pictures), so the cost of a seek is reading, not decoding.
        let header = read_header(&self.path)?;
        self.tags = header.tags;
        self.cluster_tc = 0;
        self.timeline = self.timeline_at_start.clone();
        self.read_ahead.clear();
        self.out.clear();
        self.held_video = None;
        self.pending_error = None;
        self.done = false;
        self.wait_keyframe = true;
        if let Some(v) = self.vpx.as_ref() {
            self.vpx = Some(VpxDecoder::new(v.codec())?);
        }
        if let Some(o) = self.opus.as_mut() {
            o.decoder
                .reset_state()
                .map_err(|e| Error::not_readable(format!("libopus: {e}")))?;
            o.skip_left = o.pre_skip;
        }
        self.skip_before_us = (us > 0).then_some(us);
        if us <= 0 {
            return Ok(());
        }
        let vnum = self.video_track.map(|(n, ..)| n);
        let mut gop: Vec<Packet> = Vec::new();
        let mut last_audio: Option<Packet> = None;
        let mut rest: VecDeque<Packet> = VecDeque::new();
        while let Some(p) = self
            .read_ahead
            .pop_front()
            .map_or_else(|| self.read_packet(), |p| Ok(Some(p)))?
        {
            if p.pts_us >= us {
                rest.push_back(p);
                // Laced frames of the same block, already queued.
                rest.extend(self.read_ahead.drain(..));
                break;
            }
            if Some(p.track) == vnum {
                if p.keyframe {
                    gop.clear();
                }
                gop.push(p);
            } else {
                // The last audio packet before the target may still cover it.
                last_audio = Some(p);
            }
        }
        if gop.first().is_some_and(|p| !p.keyframe) {
            // No keyframe before the target: decoding starts at the next one.
            gop.clear();
        }
        self.read_ahead = gop.into_iter().chain(last_audio).chain(rest).collect();
        Ok(())
    }
}
