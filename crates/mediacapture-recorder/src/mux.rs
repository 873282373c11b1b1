//! Muxing: WebM / Matroska through libwebm's `mkvmuxer` (the muxer Chromium uses), and WAV.
//!
//! Both muxers write through an [`Output`], which is either memory (the bytes for
//! `dataavailable` blobs) or a file. libwebm runs in its seekable "file" mode in both cases:
//!
//! - A file gets Duration, SeekHead and Cues when the recording stops (libwebm seeks back and
//!   patches). Each frame's bytes reach the file in one `write`, so a process killed at any
//!   moment leaves a file that ends on a whole block and plays up to there; the Duration is
//!   kept up to date about once a second for the same reason.
//! - In memory, bytes already handed out in a blob cannot be patched any more. Patches that fall
//!   into them are dropped, which leaves valid "unknown size" clusters and segment, and the
//!   Duration placeholder is turned into a Void element before its bytes are handed out. So a
//!   recording delivered as one blob (no timeslice, no `requestData()`) is a fully seekable
//!   file, and the concatenation of several blobs is always a playable one.

use crate::encode::EncodedPacket;
use crate::mime::VideoCodec;
use mediacapture_types::{Error, Result};
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex, MutexGuard};

/// The EBML DocType element `webm` (ID 0x4282, size 4), replaced for Matroska output.
const DOCTYPE_WEBM: &[u8] = &[0x42, 0x82, 0x84, b'w', b'e', b'b', b'm'];
const DOCTYPE_MATROSKA: &[u8] = &[
    0x42, 0x82, 0x88, b'm', b'a', b't', b'r', b'o', b's', b'k', b'a',
];
/// The Duration placeholder libwebm writes in file mode: ID 0x4489, size 4, float 1.0.
const DURATION_PLACEHOLDER: &[u8] = &[0x44, 0x89, 0x84, 0x3f, 0x80, 0x00, 0x00];
/// A Void element of the same size (ID 0xEC, size 5, zeros).
const VOID7: &[u8] = &[0xec, 0x85, 0, 0, 0, 0, 0];

enum Dest {
    /// Unshipped bytes start at real offset `shipped`.
    Memory { buf: Vec<u8>, shipped: u64 },
    /// A file, with pending bytes not yet written starting at real offset `pending_at`.
    File {
        file: File,
        pending: Vec<u8>,
        pending_at: u64,
    },
}

struct OutputState {
    dest: Dest,
    /// Real write position.
    pos: u64,
    /// Matroska: collect the EBML header to rewrite its DocType.
    rewrite_doctype: bool,
    header: Option<Vec<u8>>,
    /// Real offset shift introduced by the DocType rewrite.
    delta: u64,
    /// Real offset of the Duration element, once found.
    duration_pos: Option<u64>,
    finalized: bool,
    error: Option<io::Error>,
    written: u64,
}

/// Where muxed bytes go: memory (blobs) or a file. Cloning shares the same output.
#[derive(Clone)]
pub struct Output(Arc<Mutex<OutputState>>);

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Output")
    }
}

impl Output {
    fn with(dest: Dest, matroska: bool) -> Self {
        Output(Arc::new(Mutex::new(OutputState {
            dest,
            pos: 0,
            rewrite_doctype: matroska,
            header: matroska.then(Vec::new),
            delta: 0,
            duration_pos: None,
            finalized: false,
            error: None,
            written: 0,
        })))
    }

    /// An in-memory output; bytes are taken with [`Output::take`].
    pub fn memory(matroska: bool) -> Self {
        Self::with(
            Dest::Memory {
                buf: Vec::new(),
                shipped: 0,
            },
            matroska,
        )
    }

    /// A file output (created or truncated).
    pub fn file(file: File, matroska: bool) -> Self {
        Self::with(
            Dest::File {
                file,
                pending: Vec::new(),
                pending_at: 0,
            },
            matroska,
        )
    }

    fn lock(&self) -> MutexGuard<'_, OutputState> {
        // A poisoned lock only means a panic elsewhere; the state itself stays consistent.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The bytes produced since the last call (memory outputs; empty for files). The Duration
    /// placeholder is made a Void element if it is handed out before the recording ends.
    pub fn take(&self) -> Vec<u8> {
        let mut s = self.lock();
        let finalized = s.finalized;
        let duration_pos = s.duration_pos;
        match &mut s.dest {
            Dest::Memory { buf, shipped } => {
                let mut out = std::mem::take(buf);
                if let Some(d) = duration_pos {
                    if !finalized && d >= *shipped && d + 7 <= *shipped + out.len() as u64 {
                        let at = (d - *shipped) as usize;
                        if out[at..at + 7] == *DURATION_PLACEHOLDER {
                            out[at..at + 7].copy_from_slice(VOID7);
                        }
                    }
                }
                *shipped += out.len() as u64;
                out
            }
            Dest::File { .. } => Vec::new(),
        }
    }

    /// Bytes waiting in memory.
    pub fn pending_len(&self) -> usize {
        match &self.lock().dest {
            Dest::Memory { buf, .. } => buf.len(),
            Dest::File { .. } => 0,
        }
    }

    /// Total bytes written so far.
    pub fn written(&self) -> u64 {
        self.lock().written
    }

    /// The I/O error that stopped writing, if any.
    pub fn take_error(&self) -> Option<io::Error> {
        self.lock().error.take()
    }

    /// Writes pending file bytes (one `write` call when contiguous) and, for files, refreshes
    /// the Duration element with `duration_ms` when given.
    pub fn commit(&self, duration_ms: Option<f32>) -> io::Result<()> {
        let mut s = self.lock();
        let r = s.commit(duration_ms);
        if let Err(e) = &r {
            s.error
                .get_or_insert_with(|| io::Error::new(e.kind(), e.to_string()));
        }
        r
    }

    /// Marks the end: Duration patches are no longer dropped from memory blobs.
    pub fn set_finalized(&self) {
        self.lock().finalized = true;
    }

    /// Finds the Duration placeholder among the first bytes written (after the segment header
    /// was written, before anything was shipped or committed).
    fn locate_duration(&self) {
        let mut s = self.lock();
        if s.duration_pos.is_some() {
            return;
        }
        let (bytes, base): (&[u8], u64) = match &s.dest {
            Dest::Memory { buf, shipped } => (buf, *shipped),
            Dest::File {
                pending,
                pending_at,
                ..
            } => (pending, *pending_at),
        };
        let limit = bytes.len().min(4096);
        let found = bytes[..limit]
            .windows(DURATION_PLACEHOLDER.len())
            .position(|w| w == DURATION_PLACEHOLDER)
            .map(|i| base + i as u64);
        s.duration_pos = found;
    }
}

impl OutputState {
    fn flush_pending(&mut self) -> io::Result<()> {
        if let Dest::File {
            file,
            pending,
            pending_at,
        } = &mut self.dest
        {
            if !pending.is_empty() {
                file.seek(SeekFrom::Start(*pending_at))?;
                file.write_all(pending)?;
                pending.clear();
            }
        }
        Ok(())
    }

    fn commit(&mut self, duration_ms: Option<f32>) -> io::Result<()> {
        if let Some(e) = &self.error {
            return Err(io::Error::new(e.kind(), e.to_string()));
        }
        self.flush_pending()?;
        if let (Some(d), Some(pos), Dest::File { file, .. }) =
            (duration_ms, self.duration_pos, &mut self.dest)
        {
            file.seek(SeekFrom::Start(pos + 3))?;
            file.write_all(&d.to_be_bytes())?;
        }
        Ok(())
    }

    fn write_real(&mut self, data: &[u8]) -> io::Result<()> {
        let pos = self.pos;
        let mut flush_first = false;
        match &mut self.dest {
            Dest::Memory { buf, shipped } => {
                // Bytes before `shipped` were handed out already: drop that part.
                let skip = shipped.saturating_sub(pos).min(data.len() as u64) as usize;
                if skip < data.len() {
                    let rest = &data[skip..];
                    let at = (pos + skip as u64 - *shipped) as usize;
                    if buf.len() < at + rest.len() {
                        buf.resize(at + rest.len(), 0);
                    }
                    buf[at..at + rest.len()].copy_from_slice(rest);
                }
            }
            Dest::File {
                pending,
                pending_at,
                ..
            } => {
                if pending.is_empty() {
                    *pending_at = pos;
                }
                flush_first = *pending_at + pending.len() as u64 != pos;
            }
        }
        if flush_first {
            self.flush_pending()?;
        }
        if let Dest::File {
            pending,
            pending_at,
            ..
        } = &mut self.dest
        {
            if pending.is_empty() {
                *pending_at = pos;
            }
            pending.extend_from_slice(data);
        }
        self.pos += data.len() as u64;
        self.written = self.written.max(self.pos);
        Ok(())
    }

    /// Matroska: once the whole EBML header is collected, write it with DocType "matroska".
    fn write_header_part(&mut self, data: &[u8]) -> io::Result<usize> {
        let Some(header) = self.header.as_mut() else {
            return Ok(0);
        };
        header.extend_from_slice(data);
        // ID (4 bytes) + size vint.
        if header.len() < 5 {
            return Ok(data.len());
        }
        let first = header[4];
        let len = first.leading_zeros() as usize + 1;
        if len > 8 || header.len() < 4 + len {
            return Ok(data.len());
        }
        let mut size = u64::from(first) & (0xff >> len);
        for b in &header[5..4 + len] {
            size = (size << 8) | u64::from(*b);
        }
        let total = 4 + len + size as usize;
        if header.len() < total {
            return Ok(data.len());
        }
        let extra = header.split_off(total);
        let mut out = header[..4].to_vec();
        let payload = &header[4 + len..];
        let at = payload
            .windows(DOCTYPE_WEBM.len())
            .position(|w| w == DOCTYPE_WEBM);
        let new_payload = match at {
            Some(i) => {
                let mut p = payload[..i].to_vec();
                p.extend_from_slice(DOCTYPE_MATROSKA);
                p.extend_from_slice(&payload[i + DOCTYPE_WEBM.len()..]);
                p
            }
            None => payload.to_vec(),
        };
        let new_size = new_payload.len() as u64;
        if new_size >= (1u64 << (7 * len)) - 1 {
            return Err(io::Error::other("EBML header too large to rewrite"));
        }
        for i in (0..len).rev() {
            let mut b = ((new_size >> (8 * i)) & 0xff) as u8;
            if i == len - 1 {
                b |= 0x80 >> (len - 1);
            }
            out.push(b);
        }
        out.extend_from_slice(&new_payload);
        self.delta = (out.len() - total) as u64;
        self.header = None;
        self.rewrite_doctype = false;
        self.pos = 0;
        self.write_real(&out)?;
        // Anything past the header in this write goes through with the shift applied.
        if !extra.is_empty() {
            self.write_real(&extra)?;
        }
        Ok(data.len())
    }
}

impl Write for Output {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut s = self.lock();
        if let Some(e) = &s.error {
            return Err(io::Error::new(e.kind(), e.to_string()));
        }
        let r = if s.rewrite_doctype && s.header.is_some() {
            s.write_header_part(data)
        } else {
            s.write_real(data).map(|()| data.len())
        };
        if let Err(e) = &r {
            s.error = Some(io::Error::new(e.kind(), e.to_string()));
        }
        r
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Output {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let mut s = self.lock();
        let header_len = s.header.as_ref().map_or(0, |h| h.len() as u64);
        let logical_now = if s.header.is_some() {
            header_len
        } else {
            s.pos - s.delta
        };
        let target = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::Current(d) => logical_now.saturating_add_signed(d),
            SeekFrom::End(_) => return Err(io::Error::other("seek from end unsupported")),
        };
        if s.header.is_some() {
            if target != header_len {
                return Err(io::Error::other("seek inside the EBML header"));
            }
            return Ok(target);
        }
        // Positions inside the (rewritten) EBML header are not expected: libwebm rewrites it
        // only when the DocTypeVersion changes, which our tracks never cause.
        s.pos = if target == 0 { 0 } else { target + s.delta };
        Ok(target)
    }
}

/// Video track parameters.
#[derive(Debug, Clone, Copy)]
pub struct VideoParams {
    /// Codec.
    pub codec: VideoCodec,
    /// Width of the first frame.
    pub width: u32,
    /// Height of the first frame.
    pub height: u32,
}

/// Audio (Opus) track parameters.
#[derive(Debug, Clone)]
pub struct AudioParams {
    /// Channels.
    pub channels: u32,
    /// The `OpusHead` codec private data.
    pub opus_head: Vec<u8>,
}

/// Which track a packet belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    /// The video track.
    Video,
    /// The audio track.
    Audio,
}

/// A libwebm segment writing WebM (or Matroska) into an [`Output`].
pub struct WebmMuxer {
    segment: Option<webm::mux::Segment<Output>>,
    out: Output,
    video: Option<webm::mux::VideoTrack>,
    audio: Option<webm::mux::AudioTrack>,
    frames: u64,
    last_duration_update_ms: f32,
}

fn io_or(out: &Output, what: &str, e: impl std::fmt::Debug) -> Error {
    match out.take_error() {
        Some(io) => Error::unknown(format!("{what}: write failed: {io}")),
        None => Error::unknown(format!("{what}: libwebm error {e:?}")),
    }
}

impl WebmMuxer {
    /// A segment with the given tracks (at least one).
    pub fn new(
        out: Output,
        video: Option<VideoParams>,
        audio: Option<AudioParams>,
    ) -> Result<Self> {
        use webm::mux::{AudioCodecId, SegmentBuilder, SegmentMode, VideoCodecId, Writer};
        let e = |x| io_or(&out, "creating WebM segment", x);
        let writer = Writer::new(out.clone());
        let mut b = SegmentBuilder::new(writer)
            .map_err(e)?
            .set_mode(SegmentMode::File)
            .map_err(e)?;
        b = b.set_writing_app("mediacapture-recorder").map_err(e)?;
        let mut vt = None;
        let mut at = None;
        if let Some(v) = video {
            let codec = match v.codec {
                VideoCodec::Vp8 => VideoCodecId::VP8,
                VideoCodec::Vp9 => VideoCodecId::VP9,
            };
            let (nb, t) = b
                .add_video_track(v.width, v.height, codec, None)
                .map_err(e)?;
            b = nb;
            vt = Some(t);
        }
        if let Some(a) = audio {
            // Opus in WebM always declares 48 kHz (the decoder's rate), as Chromium does.
            let (nb, t) = b
                .add_audio_track(48_000, a.channels, AudioCodecId::Opus, None)
                .map_err(e)?;
            b = nb.set_codec_private(t, &a.opus_head).map_err(e)?;
            at = Some(t);
        }
        if vt.is_none() && at.is_none() {
            return Err(Error::unknown("a WebM segment needs at least one track"));
        }
        Ok(WebmMuxer {
            segment: Some(b.build()),
            out,
            video: vt,
            audio: at,
            frames: 0,
            last_duration_update_ms: 0.0,
        })
    }

    /// Whether the segment has a track of `kind`.
    pub fn has(&self, kind: TrackKind) -> bool {
        match kind {
            TrackKind::Video => self.video.is_some(),
            TrackKind::Audio => self.audio.is_some(),
        }
    }

    /// Adds one packet; `pts_ns` must not decrease across calls.
    pub fn add(&mut self, kind: TrackKind, p: &EncodedPacket, pts_ns: u64) -> Result<()> {
        let Some(seg) = self.segment.as_mut() else {
            return Err(Error::invalid_state("muxer already finalized"));
        };
        let r = match kind {
            TrackKind::Video => match self.video {
                Some(t) => seg.add_frame(t, &p.data, pts_ns, p.key),
                None => return Ok(()),
            },
            TrackKind::Audio => match self.audio {
                Some(t) => seg.add_frame(t, &p.data, pts_ns, p.key),
                None => return Ok(()),
            },
        };
        r.map_err(|e| io_or(&self.out, "writing a frame", e))?;
        if self.frames == 0 {
            self.out.locate_duration();
        }
        self.frames += 1;
        let end_ms = (pts_ns as f64 / 1e6 + p.duration_us as f64 / 1e3) as f32;
        let update = if end_ms - self.last_duration_update_ms >= 1000.0 {
            self.last_duration_update_ms = end_ms;
            Some(end_ms)
        } else {
            None
        };
        self.out
            .commit(update)
            .map_err(|e| Error::unknown(format!("writing a frame: write failed: {e}")))
    }

    /// Writes Cues, Duration (`duration_ms`) and sizes. Consumes the muxer.
    pub fn finalize(mut self, duration_ms: u64) -> Result<()> {
        let Some(seg) = self.segment.take() else {
            return Ok(());
        };
        if self.frames == 0 {
            // libwebm cannot finalize an empty segment; nothing was written either.
            return Ok(());
        }
        self.out.set_finalized();
        seg.finalize(Some(duration_ms.max(1)))
            .map_err(|_| io_or(&self.out, "finalizing WebM", "Finalize failed"))?;
        self.out
            .commit(None)
            .map_err(|e| Error::unknown(format!("finalizing WebM: write failed: {e}")))
    }
}

/// A WAV (RIFF WAVE, 16-bit PCM) writer. Sizes are written as 0xFFFFFFFF ("unknown", read to
/// the end of the data) until the recording ends, then patched where the output is a file or
/// the header has not been handed out yet.
pub struct WavWriter {
    out: Output,
    data_bytes: u64,
}

impl WavWriter {
    /// Writes the header for `rate` Hz and `channels` channels.
    pub fn new(mut out: Output, rate: u32, channels: u32) -> Result<Self> {
        let mut h = Vec::with_capacity(44);
        let block_align = channels * 2;
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&u32::MAX.to_le_bytes());
        h.extend_from_slice(b"WAVEfmt ");
        h.extend_from_slice(&16u32.to_le_bytes());
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&(channels as u16).to_le_bytes());
        h.extend_from_slice(&rate.to_le_bytes());
        h.extend_from_slice(&(rate * block_align).to_le_bytes());
        h.extend_from_slice(&(block_align as u16).to_le_bytes());
        h.extend_from_slice(&16u16.to_le_bytes());
        h.extend_from_slice(b"data");
        h.extend_from_slice(&u32::MAX.to_le_bytes());
        let e = |e: io::Error| Error::unknown(format!("writing WAV header: {e}"));
        out.write_all(&h).map_err(e)?;
        out.commit(None).map_err(e)?;
        Ok(WavWriter { out, data_bytes: 0 })
    }

    /// Appends little-endian s16 interleaved samples.
    pub fn write(&mut self, pcm: &[u8]) -> Result<()> {
        let e = |e: io::Error| Error::unknown(format!("writing WAV data: write failed: {e}"));
        self.out.write_all(pcm).map_err(e)?;
        self.out.commit(None).map_err(e)?;
        self.data_bytes += pcm.len() as u64;
        Ok(())
    }

    /// Patches the RIFF and data sizes.
    pub fn finalize(mut self) -> Result<()> {
        let e = |e: io::Error| Error::unknown(format!("finalizing WAV: write failed: {e}"));
        self.out.set_finalized();
        if let Ok(data) = u32::try_from(self.data_bytes) {
            let riff = data.saturating_add(36);
            let end = 44 + self.data_bytes;
            self.out.seek(SeekFrom::Start(4)).map_err(e)?;
            self.out.write_all(&riff.to_le_bytes()).map_err(e)?;
            self.out.seek(SeekFrom::Start(40)).map_err(e)?;
            self.out.write_all(&data.to_le_bytes()).map_err(e)?;
            self.out.seek(SeekFrom::Start(end)).map_err(e)?;
        }
        self.out.commit(None).map_err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_output_drops_patches_to_shipped_bytes() {
        let mut o = Output::memory(false);
        o.write_all(b"abcdef").unwrap();
        assert_eq!(o.take(), b"abcdef");
        o.write_all(b"ghi").unwrap();
        o.seek(SeekFrom::Start(4)).unwrap();
        o.write_all(b"XYZ").unwrap(); // "ef" shipped, "g" patched to "Z"
        o.seek(SeekFrom::Start(9)).unwrap();
        assert_eq!(o.take(), b"Zhi");
    }

    #[test]
    fn matroska_doctype_rewrite_shifts_positions() {
        let mut o = Output::memory(true);
        // EBML header: ID, size 7, DocType "webm".
        o.write_all(&[0x1a, 0x45, 0xdf, 0xa3, 0x87]).unwrap();
        o.write_all(DOCTYPE_WEBM).unwrap();
        assert_eq!(o.stream_position().unwrap(), 12);
        o.write_all(b"SEG").unwrap();
        assert_eq!(o.stream_position().unwrap(), 15);
        o.seek(SeekFrom::Start(12)).unwrap();
        o.write_all(b"s").unwrap();
        let bytes = o.take();
        assert_eq!(&bytes[..5], &[0x1a, 0x45, 0xdf, 0xa3, 0x8b]);
        assert_eq!(&bytes[5..16], DOCTYPE_MATROSKA);
        assert_eq!(&bytes[16..], b"sEG");
    }
}
