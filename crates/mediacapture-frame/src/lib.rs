//! Video frames and audio data for mediacapture: pixel formats, conversion, scaling,
//! cropping, frame-rate decimation, resampling and channel mixing.
#![forbid(unsafe_code)]

pub mod audio;
pub mod video;

pub use audio::{AudioData, SampleFormat};
pub use video::{PixelFormat, PlaneLayout, Rect, VideoFrame};

/// What can go wrong with frame data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Width or height is zero or too large.
    #[error("invalid frame size {width}x{height}")]
    InvalidSize {
        /// Width given.
        width: u32,
        /// Height given.
        height: u32,
    },
    /// Planes, strides or the buffer do not fit together.
    #[error("invalid frame layout: {0}")]
    Layout(String),
    /// A conversion between these formats is not supported.
    #[error("unsupported conversion: {0}")]
    Unsupported(String),
    /// Compressed data could not be decoded.
    #[error("decode failed: {0}")]
    Decode(String),
}

/// `Result` with [`FrameError`].
pub type Result<T, E = FrameError> = std::result::Result<T, E>;
