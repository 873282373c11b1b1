//! YUV4MPEG2 (y4m), 8-bit 4:2:0 only: a small strict streaming reader.
//!
//! The hal's fake camera has its own reader, which loads a whole file into memory to loop it;
//! this one streams frames from disk and seeks, so it is kept separate.

use super::reader::{
    Container, Decode, MAX_FRAME_RATE, MIN_FRAME_RATE, Media, MediaInfo, VideoInfo, damaged,
    duration_secs, io_error,
};
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_types::{Error, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Header and FRAME lines longer than this are refused.
const MAX_LINE: usize = 4096;
/// Largest accepted width or height.
const MAX_SIDE: u32 = 16384;

pub(crate) struct Y4mDecoder {
    path: PathBuf,
    info: MediaInfo,
    reader: BufReader<File>,
    width: u32,
    height: u32,
    frame_us: f64,
    frame_bytes: usize,
    data_start: u64,
    index: u64,
    done: bool,
}

/// Reads one `\n`-terminated line (without the `\n`); `Ok(None)` at a clean end of file.
fn read_line(r: &mut impl BufRead, path: &Path) -> Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = r
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| io_error(path, &e))?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if line.len() > MAX_LINE {
            damaged(path, "a header line is too long")
        } else {
            damaged(path, "truncated")
        });
    }
    line.pop();
    Ok(Some(line))
}

impl Y4mDecoder {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| io_error(path, &e))?;
        let file_len = file.metadata().map_err(|e| io_error(path, &e))?.len();
        let mut reader = BufReader::new(file);
        let line = read_line(&mut reader, path)?.ok_or_else(|| damaged(path, "empty file"))?;
        let text = std::str::from_utf8(&line).map_err(|_| damaged(path, "header is not text"))?;
        let mut tokens = text.split(' ');
        if tokens.next() != Some("YUV4MPEG2") {
            return Err(damaged(path, "not a YUV4MPEG2 header"));
        }
        let (mut width, mut height, mut rate) = (None, None, None);
        for t in tokens.filter(|t| !t.is_empty()) {
            // The tag is the first character, which need not be ASCII in a damaged header
            // (`split_at(1)` would then cut a character: found by fuzzing).
            let tag_len = t.chars().next().map_or(0, char::len_utf8);
            let (tag, value) = t.split_at(tag_len);
            match tag {
                "W" => width = value.parse::<u32>().ok(),
                "H" => height = value.parse::<u32>().ok(),
                "F" => {
                    let (n, d) = value
                        .split_once(':')
                        .ok_or_else(|| damaged(path, format!("frame rate {value:?}")))?;
                    let fps = match (n.parse::<u32>(), d.parse::<u32>()) {
                        (Ok(n), Ok(d)) if n > 0 && d > 0 => f64::from(n) / f64::from(d),
                        _ => return Err(damaged(path, format!("frame rate {value:?}"))),
                    };
                    if !(MIN_FRAME_RATE..=MAX_FRAME_RATE).contains(&fps) {
                        return Err(Error::not_supported(format!(
                            "{}: frame rate F{value} ({fps:.3e} fps) is outside the {} to {} fps played",
                            path.display(),
                            MIN_FRAME_RATE,
                            MAX_FRAME_RATE
                        )));
                    }
                    rate = Some(fps);
                }
                "C" if !matches!(value, "420" | "420jpeg" | "420paldv" | "420mpeg2") => {
                    return Err(Error::not_supported(format!(
                        "{}: colour space C{value} is not supported (8-bit 4:2:0 only)",
                        path.display()
                    )));
                }
                "I" if value != "p" && value != "?" => {
                    tracing::debug!("{}: interlacing I{value} ignored", path.display());
                }
                _ => {}
            }
        }
        let (width, height) = match (width, height) {
            (Some(w), Some(h)) if (1..=MAX_SIDE).contains(&w) && (1..=MAX_SIDE).contains(&h) => {
                (w, h)
            }
            _ => return Err(damaged(path, "missing or invalid W/H in the header")),
        };
        // y4m's default is 25 fps when F is absent (as mjpegtools and ffmpeg assume).
        let rate = rate.unwrap_or(25.0);
        let frame_bytes = PixelFormat::I420
            .frame_size(width, height)
            .ok_or_else(|| damaged(path, "frame size"))?;
        let data_start = line.len() as u64 + 1;
        // Frames with plain "FRAME" lines: the count follows from the file size.
        let frames = file_len.saturating_sub(data_start) / (frame_bytes as u64 + 6);
        let info = MediaInfo {
            container: Container::Y4m,
            duration: Some(duration_secs(frames as f64 / rate)),
            video: Some(VideoInfo {
                codec: "raw",
                width,
                height,
                frame_rate: rate,
            }),
            audio: None,
        };
        Ok(Y4mDecoder {
            path: path.to_path_buf(),
            info,
            reader,
            width,
            height,
            frame_us: 1e6 / rate,
            frame_bytes,
            data_start,
            index: 0,
            done: false,
        })
    }

    /// Reads the next FRAME line; `Ok(false)` at a clean end.
    fn frame_header(&mut self) -> Result<bool> {
        match read_line(&mut self.reader, &self.path)? {
            None => Ok(false),
            Some(l) if l == b"FRAME" || l.starts_with(b"FRAME ") => Ok(true),
            Some(_) => Err(damaged(
                &self.path,
                format!("frame {} does not start with FRAME", self.index),
            )),
        }
    }

    fn timestamp(&self, index: u64) -> i64 {
        (index as f64 * self.frame_us).round() as i64
    }
}

impl Decode for Y4mDecoder {
    fn info(&self) -> &MediaInfo {
        &self.info
    }

    fn next_media(&mut self) -> Result<Option<Media>> {
        if self.done {
            return Ok(None);
        }
        let result = (|| {
            if !self.frame_header()? {
                return Ok(None);
            }
            let mut buf = vec![0u8; self.frame_bytes];
            self.reader.read_exact(&mut buf).map_err(|e| {
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    damaged(&self.path, format!("frame {} is truncated", self.index))
                } else {
                    io_error(&self.path, &e)
                }
            })?;
            let ts = self.timestamp(self.index);
            let frame = VideoFrame::new(PixelFormat::I420, self.width, self.height, buf, ts)
                .map_err(|e| Error::not_readable(e.to_string()))?
                .with_duration(Some(self.frame_us.round() as i64));
            self.index += 1;
            Ok(Some(Media::Video(frame)))
        })();
        if !matches!(result, Ok(Some(_))) {
            self.done = true;
        }
        result
    }

    fn seek(&mut self, us: i64) -> Result<()> {
        // The frame shown at `us`: the last one starting at or before it.
        let target = (us.max(0) as f64 / self.frame_us).floor() as u64;
        self.reader
            .seek(SeekFrom::Start(self.data_start))
            .map_err(|e| io_error(&self.path, &e))?;
        self.index = 0;
        self.done = false;
        // FRAME lines may carry parameters, so frames are walked (payloads skipped).
        while self.index < target {
            if !self.frame_header()? {
                break;
            }
            self.reader
                .seek_relative(self.frame_bytes as i64)
                .map_err(|e| io_error(&self.path, &e))?;
            self.index += 1;
        }
        Ok(())
    }
}
