//! Pixel format conversion: [`convert`].
//!
//! The camera paths to I420 (YUYV, UYVY, NV12, NV21, RGBA, BGRA, RGB24) are this crate's own
//! kernels, with run-time CPU dispatch (`simd`: why not libyuv, why not yuvutils-rs there).
//! I420 -> RGB goes through yuvutils-rs: pure Rust, with SSE4.1 / AVX2 / NEON kernels picked
//! at run time, fixed-point BT.601 matrices, checked buffer sizes that return errors rather
//! than reading out of bounds. The other shuffles (I420 -> NV12/YUYV, RGB <-> RGB, copies)
//! are plain Rust in `planes.rs`. Throughput against libyuv and ffmpeg's swscale:
//! BENCHMARKS.md.

use crate::buffers::OutBuf;
use crate::jpeg;
use crate::planes::{self, I420Buf, I420Ref};
use crate::simd::SimdLevel;
use crate::video::{PixelFormat, Rect, VideoFrame};
use crate::{FrameError, Result};
use yuvutils_rs::{YuvPlanarImage, YuvRange, YuvStandardMatrix};

/// The YUV range of every YUV frame in this crate (what cameras send): limited ("TV") range.
const RANGE: YuvRange = YuvRange::Limited;
/// The YUV matrix of every YUV frame in this crate: BT.601, as Chromium assumes for cameras.
const MATRIX: YuvStandardMatrix = YuvStandardMatrix::Bt601;

/// Converts the visible part of `frame` to `to`, as a new frame with the same timestamp and
/// duration. Its coded size is the input's visible size.
///
/// * The new frame is tightly packed in one buffer of its own, with one exception: NV12 and
///   NV21 to I420 keep the source's luma plane, shared with its stride (no copy: the bytes
///   are the same), and write only the chroma, into a buffer of its own
///   ([`VideoFrame::with_plane_buffers`]). For the bytes in one tight buffer whatever the
///   frame: [`VideoFrame::to_packed_vec`].
/// * Any format converts to any uncompressed one; [`PixelFormat::Mjpeg`] input is decoded.
///   Encoding to MJPEG is [`FrameError::Unsupported`].
/// * YUV is BT.601 limited range both ways (cameras' YUYV/NV12; MJPEG's full-range YCbCr is
///   mapped to it); RGB is full range sRGB-coded values, alpha 255.
/// * A frame that is already `to`, tightly packed, with nothing cropped, is returned as a
///   clone sharing its buffer (no copy).
/// * A corrupt JPEG is [`FrameError::Decode`]; a JPEG whose size differs from the frame's
///   coded size is [`FrameError::Decode`] too.
///
/// ```
/// use mediacapture_frame::{PixelFormat, VideoFrame, convert};
/// // A 2x2 YUYV frame of mid grey (Y 126, U = V = 128).
/// let yuyv = VideoFrame::new(PixelFormat::Yuyv, 2, 2, vec![126, 128, 126, 128, 126, 128, 126, 128], 0)?;
/// let rgba = convert(&yuyv, PixelFormat::Rgba)?;
/// assert_eq!(rgba.plane(0).len(), 2 * 2 * 4);
/// assert!(rgba.plane(0).chunks(4).all(|p| (127..=129).contains(&p[0]) && p[3] == 255));
/// # Ok::<(), mediacapture_frame::FrameError>(())
/// ```
pub fn convert(frame: &VideoFrame, to: PixelFormat) -> Result<VideoFrame> {
    convert_with_level(frame, to, SimdLevel::detect())
}

/// [`convert`] with the vector kernels limited to `level` (capped to what this CPU has):
/// for benchmarks and tests of the lower levels. Every level gives the same bytes.
///
/// ```
/// use mediacapture_frame::{PixelFormat, SimdLevel, VideoFrame, convert, convert_with_level};
/// let yuyv = VideoFrame::new(PixelFormat::Yuyv, 2, 2, vec![126, 128, 126, 128, 126, 128, 126, 128], 0)?;
/// let best = convert(&yuyv, PixelFormat::I420)?;
/// let plain = convert_with_level(&yuyv, PixelFormat::I420, SimdLevel::Scalar)?;
/// assert_eq!(best.plane(0), plain.plane(0));
/// # Ok::<(), mediacapture_frame::FrameError>(())
/// ```
pub fn convert_with_level(
    frame: &VideoFrame,
    to: PixelFormat,
    level: SimdLevel,
) -> Result<VideoFrame> {
    if to.is_compressed() {
        return Err(FrameError::Unsupported(format!(
            "{:?} -> {to:?}: encoding is not supported",
            frame.format()
        )));
    }
    let from = frame.format();
    if from == to && is_tight_and_whole(frame) {
        return Ok(frame.clone());
    }
    let rect = frame.visible_rect();
    let (w, h) = (rect.width, rect.height);
    let (ts, dur) = (frame.timestamp(), frame.duration());
    if matches!(from, PixelFormat::Nv12 | PixelFormat::Nv21) && to == PixelFormat::I420 {
        if let Some(out) = planes::nv12_to_i420_keeping_luma(frame, rect, level)? {
            return Ok(out);
        }
    }
    let bytes = match (from, to) {
        (
            PixelFormat::Rgba | PixelFormat::Bgra | PixelFormat::Rgb24,
            PixelFormat::Rgba | PixelFormat::Bgra | PixelFormat::Rgb24,
        ) => planes::repack_rgb(frame, rect, to)?,
        (PixelFormat::I420, _) => from_i420(&I420Ref::of(frame, rect)?, to)?,
        _ => {
            let i420 = to_i420(frame, level)?;
            if to == PixelFormat::I420 {
                return i420.into_frame(ts, dur);
            }
            from_i420(&i420.view(), to)?
        }
    };
    bytes.into_frame(to, w, h, ts, dur)
}

/// `true` when the frame's buffer is exactly its tight layout and nothing is cropped.
pub(crate) fn is_tight_and_whole(frame: &VideoFrame) -> bool {
    let whole = frame.visible_rect()
        == Rect {
            x: 0,
            y: 0,
            width: frame.coded_width(),
            height: frame.coded_height(),
        };
    if frame.format().is_compressed() {
        return whole;
    }
    let tight = frame
        .format()
        .tight_layout(frame.coded_width(), frame.coded_height());
    whole && tight.as_deref() == Some(frame.planes())
}

/// The visible part of any frame as a tight I420 picture.
pub(crate) fn to_i420(frame: &VideoFrame, level: SimdLevel) -> Result<I420Buf> {
    let rect = frame.visible_rect();
    match frame.format() {
        PixelFormat::I420 => Ok(planes::copy_i420(&I420Ref::of(frame, rect)?)),
        PixelFormat::Nv12 | PixelFormat::Nv21 => planes::nv12_to_i420(frame, rect, level),
        PixelFormat::Yuyv | PixelFormat::Uyvy => planes::yuyv_to_i420(frame, rect, level),
        PixelFormat::Rgba | PixelFormat::Bgra | PixelFormat::Rgb24 => {
            planes::rgb_to_i420(frame, rect, level)
        }
        PixelFormat::Mjpeg => {
            let decoded = jpeg::decode_to_i420(frame.plane(0))?;
            let (cw, ch) = (frame.coded_width() as usize, frame.coded_height() as usize);
            if (decoded.width, decoded.height) != (cw, ch) {
                return Err(FrameError::Decode(format!(
                    "the JPEG is {}x{} but the frame says {cw}x{ch}",
                    decoded.width, decoded.height
                )));
            }
            if (rect.width as usize, rect.height as usize) == (cw, ch) {
                Ok(decoded)
            } else {
                Ok(planes::copy_i420(&decoded.view_rect(rect)?))
            }
        }
    }
}

fn yuv_err(e: yuvutils_rs::YuvError) -> FrameError {
    FrameError::Layout(format!("yuvutils: {e}"))
}

/// An I420 picture to the tight bytes of `to` (any uncompressed format).
fn from_i420(src: &I420Ref<'_>, to: PixelFormat) -> Result<OutBuf> {
    match to {
        PixelFormat::I420 => Ok(planes::copy_i420(src).buf),
        PixelFormat::Nv12 => Ok(planes::i420_to_nv12(src, false)),
        PixelFormat::Nv21 => Ok(planes::i420_to_nv12(src, true)),
        PixelFormat::Yuyv => Ok(planes::i420_to_yuyv(src, false)),
        PixelFormat::Uyvy => Ok(planes::i420_to_yuyv(src, true)),
        PixelFormat::Rgba | PixelFormat::Bgra | PixelFormat::Rgb24 => {
            let (w, h) = (src.width, src.height);
            let image = YuvPlanarImage {
                y_plane: src.y,
                y_stride: src.y_stride as u32,
                u_plane: src.u,
                u_stride: src.u_stride as u32,
                v_plane: src.v,
                v_stride: src.v_stride as u32,
                width: w as u32,
                height: h as u32,
            };
            let bpp = if to == PixelFormat::Rgb24 { 3 } else { 4 };
            let mut out = OutBuf::new(w * h * bpp);
            let stride = (w * bpp) as u32;
            let bytes = out.bytes_mut();
            match to {
                PixelFormat::Bgra => {
                    yuvutils_rs::yuv420_to_bgra(&image, bytes, stride, RANGE, MATRIX)
                }
                PixelFormat::Rgb24 => {
                    yuvutils_rs::yuv420_to_rgb(&image, bytes, stride, RANGE, MATRIX)
                }
                _ => yuvutils_rs::yuv420_to_rgba(&image, bytes, stride, RANGE, MATRIX),
            }
            .map_err(yuv_err)?;
            Ok(out)
        }
        PixelFormat::Mjpeg => Err(FrameError::Unsupported("encoding to MJPEG".into())),
    }
}
