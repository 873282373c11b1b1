//! A small YUV4MPEG2 (y4m) reader for 4:2:0 files, as Chromium's file-backed fake camera
//! plays them.

use mediacapture_types::{Error, Result};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Files larger than this are refused (the whole file is held in memory).
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// What a y4m stream header says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Y4mHeader {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) frame_rate: f64,
}

/// A whole y4m file: header and I420 frames.
#[derive(Debug, Clone)]
pub(crate) struct Y4m {
    pub(crate) header: Y4mHeader,
    pub(crate) frames: Vec<Vec<u8>>,
}

fn err(path: &Path, msg: impl std::fmt::Display) -> Error {
    Error::not_readable(format!("fake y4m {}: {msg}", path.display()))
}

fn parse_header(path: &Path, line: &[u8]) -> Result<Y4mHeader> {
    let text = std::str::from_utf8(line).map_err(|_| err(path, "header is not text"))?;
    let h = mediacapture_frame::y4m::parse_header(text).map_err(|e| err(path, e))?;
    Ok(Y4mHeader {
        width: h.width,
        height: h.height,
        frame_rate: h.frame_rate,
    })
}

/// Reads only the header line.
pub(crate) fn read_header(path: &Path) -> Result<Y4mHeader> {
    regular_file(path)?;
    let f = std::fs::File::open(path).map_err(|e| err(path, e))?;
    let mut line = Vec::new();
    BufReader::new(f)
        .take(4096)
        .read_until(b'\n', &mut line)
        .map_err(|e| err(path, e))?;
    if line.last() != Some(&b'\n') {
        return Err(err(path, "header line is missing or too long"));
    }
    parse_header(path, &line)
}

/// Reads and checks the whole file. A truncated frame or a missing `FRAME` marker is an
/// error (`NotReadableError`), as is a file without frames.
pub(crate) fn read(path: &Path) -> Result<Y4m> {
    let meta = regular_file(path)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(path, "file too large (over 512 MiB)"));
    }
    // Bounded even if the file grows while it is read.
    let mut data = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut data))
        .map_err(|e| err(path, e))?;
    if data.len() as u64 > MAX_FILE_BYTES {
        return Err(err(path, "file too large (over 512 MiB)"));
    }
    let nl = data
        .iter()
        .take(4096)
        .position(|&b| b == b'\n')
        .ok_or_else(|| err(path, "header line is missing or too long"))?;
    let header = parse_header(path, &data[..=nl])?;
    let (w, h) = (header.width as usize, header.height as usize);
    let frame_len = w * h + 2 * w.div_ceil(2) * h.div_ceil(2);
    let mut pos = nl + 1;
    let mut frames = Vec::new();
    while pos < data.len() {
        let rest = &data[pos..];
        if !rest.starts_with(b"FRAME") {
            return Err(err(
                path,
                format!("frame {}: missing FRAME marker", frames.len()),
            ));
        }
        let end = rest
            .iter()
            .take(4096)
            .position(|&b| b == b'\n')
            .ok_or_else(|| err(path, format!("frame {}: bad FRAME line", frames.len())))?;
        let start = pos + end + 1;
        let stop = start + frame_len;
        if stop > data.len() {
            return Err(err(
                path,
                format!(
                    "frame {} is truncated ({} of {frame_len} bytes)",
                    frames.len(),
                    data.len() - start.min(data.len())
                ),
            ));
        }
        frames.push(data[start..stop].to_vec());
        pos = stop;
    }
    if frames.is_empty() {
        return Err(err(path, "no frames"));
    }
    Ok(Y4m { header, frames })
}

/// The metadata of `path` if it is a regular file: a device (`/dev/zero` never ends) or a
/// FIFO (opening it blocks) named by a profile is refused.
pub(crate) fn regular_file(path: &Path) -> Result<std::fs::Metadata> {
    let meta = std::fs::metadata(path).map_err(|e| err(path, e))?;
    if !meta.is_file() {
        return Err(err(path, "not a regular file"));
    }
    Ok(meta)
}
