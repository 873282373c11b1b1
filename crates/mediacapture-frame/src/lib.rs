//! Video frames and audio data for mediacapture: pixel formats, conversion, scaling,
//! cropping, frame-rate decimation, resampling and channel mixing.
//!
//! This crate is pure computation: no threads, no clocks, no devices. The `mediacapture`
//! crate feeds it a source's frames and gets each track's frames back.
//!
//! # Frames
//!
//! A [`VideoFrame`] (WebCodecs vocabulary) has a [`PixelFormat`], a coded size, a visible
//! rect, a timestamp in microseconds and shared planes: cloning one never copies pixels, so
//! fanning a frame out to many sinks is free. [`AudioData`] is the same for PCM.
//!
//! ```
//! use mediacapture_frame::{PixelFormat, VideoFrame, convert};
//! // A 4x2 NV12 frame: luma 81, chroma (90, 240): BT.601 limited-range red.
//! let mut bytes = vec![81u8; 8];
//! bytes.extend_from_slice(&[90, 240, 90, 240]);
//! let nv12 = VideoFrame::new(PixelFormat::Nv12, 4, 2, bytes, 1_000)?;
//! let rgba = convert(&nv12, PixelFormat::Rgba)?;
//! let px = &rgba.plane(0)[..4];
//! assert!(px[0] > 250 && px[1] < 5 && px[2] < 5 && px[3] == 255);
//! assert_eq!(rgba.timestamp(), 1_000);
//! # Ok::<(), mediacapture_frame::FrameError>(())
//! ```
//!
//! # Fast paths
//!
//! The conversions every camera frame takes (YUYV, UYVY, NV12, NV21, RGB24, RGBA, BGRA ->
//! I420) run this crate's own SSE4.1 and AVX2 kernels, picked at run time by CPU
//! ([`SimdLevel::detect`]), with a scalar fallback that defines the results: every level
//! gives the same bytes ([`convert_with_level`] forces a lower one; the tests compare them on
//! random sizes, strides and visible rects). They are ours rather than libyuv's through FFI
//! because libyuv is a C++ library with no crate to build it: using it would make the Node
//! package's prebuilt binary depend on a `libyuv.so` on every user's machine, or every build
//! on a C++ toolchain, for a handful of short kernels; they measure at libyuv's speed on
//! this machine (BENCHMARKS.md, `scripts/bench-frames.sh`). I420 -> RGB uses yuvutils-rs
//! (SSE4.1/AVX2/NEON), which is faster than libyuv here. There is no AVX-512 path (these
//! paths wait on memory) and no hand-written NEON (aarch64 runs the scalar kernels, which
//! LLVM vectorises where it can). `unsafe` lives in two private modules, `simd` (the
//! kernels) and `jpeg::turbo` (the FFI to the system libjpeg-turbo that decodes MJPEG), with
//! a `// SAFETY:` note on every block.
//!
//! All YUV here is BT.601 limited range, what cameras deliver; MJPEG's full-range YCbCr is
//! mapped to it when decoded.
//!
//! Converted and scaled frames are tightly packed. Their buffers come from a small pool
//! (at most 8 buffers, 96 MiB): a buffer is reused for a new frame only once every frame
//! holding it has been dropped, which saves the allocator and page-fault cost of megabytes
//! per frame (see BENCHMARKS.md).
//!
//! # A track's video: decimate, crop, scale
//!
//! A track whose settings are smaller or slower than its source gets a [`VideoAdapter`]:
//!
//! ```
//! use mediacapture_frame::{VideoAdapter, VideoAdapterConfig, black_frame};
//! let mut adapter = VideoAdapter::new(VideoAdapterConfig { width: 320, height: 240, frame_rate: 10.0 });
//! let delivered = (0..30)
//!     .filter_map(|i| adapter.adapt(&black_frame(640, 360, i * 33_333)).transpose())
//!     .collect::<Result<Vec<_>, _>>()?;
//! assert_eq!(delivered.len(), 10); // one second at 10 fps
//! assert!(delivered.iter().all(|f| (f.coded_width(), f.coded_height()) == (320, 240)));
//! # Ok::<(), mediacapture_frame::FrameError>(())
//! ```
//!
//! Its parts are public too: [`FrameRateDecimator`], [`crop_and_scale`], [`crop_region`],
//! [`adapted_size`], [`convert`], and [`black_frame`] for a disabled track.
//!
//! # A track's audio: resample, mix
//!
//! [`AudioAdapter`] converts to a track's `sampleRate` and `channelCount`, with continuous
//! timestamps; [`silence`] is what a disabled track carries.
//!
//! ```
//! use mediacapture_frame::{AudioAdapter, AudioData};
//! let mut to_mono = AudioAdapter::new(48_000, 2, 48_000, 1)?;
//! let stereo = AudioData::from_f32(48_000, 2, &[1.0, 0.0, 0.5, 0.5], 0)?;
//! let out = to_mono.process(&stereo)?;
//! assert_eq!(out[0].to_f32_interleaved(), [0.5, 0.5]); // (L + R) / 2
//! # Ok::<(), mediacapture_frame::FrameError>(())
//! ```
// `unsafe` is allowed in two modules only: `simd`, the vector kernels (see its docs), and
// `jpeg::turbo`, the libjpeg-turbo FFI.
#![deny(unsafe_code)]

mod adapter;
mod area;
pub mod audio;
mod buffers;
mod convert;
mod decimate;
mod jpeg;
mod planes;
mod resample;
mod scale;
mod simd;
pub mod video;
pub mod y4m;

pub use adapter::{VideoAdapter, VideoAdapterConfig};
pub use audio::{AudioData, SampleFormat};
pub use convert::{convert, convert_with_level};
pub use decimate::FrameRateDecimator;
pub use resample::{AudioAdapter, MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, silence};
pub use scale::{MAX_AREA, MAX_DIMENSION, adapted_size, black_frame, crop_and_scale, crop_region};
pub use simd::SimdLevel;
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
    /// Data does not match what a processor was set up for (another sample rate, say).
    #[error("mismatched input: {0}")]
    Mismatch(String),
}

/// `Result` with [`FrameError`].
pub type Result<T, E = FrameError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::VideoFrame>();
        check::<crate::AudioData>();
        check::<crate::VideoAdapter>();
        check::<crate::AudioAdapter>();
        check::<crate::FrameRateDecimator>();
        check::<crate::FrameError>();
    }
}
