//! The YUV4MPEG2 (y4m) stream header, parsed one way for every reader: the fake camera that
//! loops a y4m file and the media-file source that streams one.
//!
//! Only 8-bit 4:2:0 is accepted. Frame rates outside 0.01–1000 fps are refused (a header like
//! `F1:4294967295` would make one frame last 136 years).
//!
//! ```
//! use mediacapture_frame::y4m::{Y4mHeader, parse_header};
//! let h = parse_header("YUV4MPEG2 W320 H240 F30000:1001 Ip A1:1 C420jpeg")?;
//! assert_eq!((h.width, h.height), (320, 240));
//! assert!((h.frame_rate - 29.97).abs() < 0.01);
//! assert!(parse_header("YUV4MPEG2 W320 H240 F1:4294967295").is_err());
//! assert!(parse_header("YUV4MPEG2 W320 H240 C444").is_err());
//! # Ok::<(), mediacapture_frame::y4m::Y4mError>(())
//! ```

/// Largest accepted width or height.
pub const MAX_SIDE: u32 = 16384;
/// Slowest frame rate accepted, in frames per second.
pub const MIN_FRAME_RATE: f64 = 0.01;
/// Fastest frame rate accepted, in frames per second.
pub const MAX_FRAME_RATE: f64 = 1000.0;
/// The frame rate when the header has no `F` (as mjpegtools and ffmpeg assume).
pub const DEFAULT_FRAME_RATE: f64 = 25.0;

/// What a y4m header says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Y4mHeader {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second.
    pub frame_rate: f64,
}

/// Why a header was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Y4mError {
    /// Not a y4m header, or a damaged one.
    #[error("{0}")]
    Damaged(String),
    /// A valid header this library does not play (colour space, frame rate).
    #[error("{0}")]
    NotSupported(String),
}

/// Parses a header line (its `\n`, if given, is ignored with any other ASCII whitespace).
pub fn parse_header(text: &str) -> Result<Y4mHeader, Y4mError> {
    let mut tokens = text.split_ascii_whitespace();
    if tokens.next() != Some("YUV4MPEG2") {
        return Err(Y4mError::Damaged("not a YUV4MPEG2 header".into()));
    }
    let (mut width, mut height, mut rate) = (None, None, None);
    for t in tokens {
        // The tag is the first character, which need not be ASCII in a damaged header
        // (`split_at(1)` would then cut a character: found by fuzzing).
        let tag_len = t.chars().next().map_or(0, char::len_utf8);
        let (tag, value) = t.split_at(tag_len);
        match tag {
            "W" => width = value.parse::<u32>().ok(),
            "H" => height = value.parse::<u32>().ok(),
            "F" => {
                let bad = || Y4mError::Damaged(format!("frame rate {value:?}"));
                let (n, d) = value.split_once(':').ok_or_else(bad)?;
                let fps = match (n.parse::<u32>(), d.parse::<u32>()) {
                    (Ok(n), Ok(d)) if n > 0 && d > 0 => f64::from(n) / f64::from(d),
                    _ => return Err(bad()),
                };
                if !(MIN_FRAME_RATE..=MAX_FRAME_RATE).contains(&fps) {
                    return Err(Y4mError::NotSupported(format!(
                        "frame rate F{value} ({fps:.3e} fps) is outside the {MIN_FRAME_RATE} to \
                         {MAX_FRAME_RATE} fps played"
                    )));
                }
                rate = Some(fps);
            }
            "C" if !matches!(value, "420" | "420jpeg" | "420paldv" | "420mpeg2") => {
                return Err(Y4mError::NotSupported(format!(
                    "colour space C{value} is not supported (8-bit 4:2:0 only)"
                )));
            }
            _ => {}
        }
    }
    match (width, height) {
        (Some(w), Some(h)) if (1..=MAX_SIDE).contains(&w) && (1..=MAX_SIDE).contains(&h) => {
            Ok(Y4mHeader {
                width: w,
                height: h,
                frame_rate: rate.unwrap_or(DEFAULT_FRAME_RATE),
            })
        }
        _ => Err(Y4mError::Damaged(
            "missing or invalid W/H in the header".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_headers_are_errors_not_panics() {
        for h in [
            "",
            "YUV4MPEG2",
            "YUV4MPEG2 é",
            "YUV4MPEG2 W0 H1",
            "YUV4MPEG2 W16385 H1",
            "YUV4MPEG2 W1 H1 F0:1",
            "YUV4MPEG2 W1 H1 F1:0",
            "YUV4MPEG2 W1 H1 F1001:1",
            "YUV4MPEG2 W1 H1 F1",
            "YUV4MPEG",
        ] {
            assert!(parse_header(h).is_err(), "{h:?}");
        }
        assert!(parse_header("YUV4MPEG2 éx W1 H1").is_ok());
        let h = parse_header("YUV4MPEG2  W2  H2 Xyz").ok();
        assert_eq!(
            h,
            Some(Y4mHeader {
                width: 2,
                height: 2,
                frame_rate: 25.0
            })
        );
    }
}
