//! YUV4MPEG2 (y4m), 8-bit 4:2:0 only: a small strict streaming reader.
//!
//! The hal's fake camera has its own reader, which loads a whole file into memory to loop it;
//! this one streams frames from disk and seeks, so it is kept separate. Both parse the header
//! with `mediacapture_frame::y4m`.

use super::reader::{
    Container, Decode, Media, MediaInfo, VideoInfo, damaged, duration_secs, io_error,
};
use mediacapture_frame::y4m::Y4mError;
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_types::{Error, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Header and FRAME lines longer than this are refused.
const MAX_LINE: usize = 4096;

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
        let header = mediacapture_frame::y4m::parse_header(text).map_err(|e| match e {
            Y4mError::Damaged(m) => damaged(path, m),
            Y4mError::NotSupported(m) => Error::not_supported(format!("{}: {m}", path.display())),
        })?;
        let (width, height, rate) = (header.width, header.height, header.frame_rate);
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
