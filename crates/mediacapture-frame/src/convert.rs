//! Pixel format conversion: [`convert`].
//!
//! YUV <-> RGB goes through yuvutils-rs: pure Rust, with SSE4.1 / AVX2 / NEON kernels picked
//! at run time, fixed-point BT.601/709/2020 matrices in limited or full range, checked buffer
//! sizes that return errors rather than reading out of bounds (throughput against ffmpeg's
//! swscale: BENCHMARKS.md). The shuffles that
//! need no colour maths (NV12 <-> I420, YUYV <-> I420, copies) are plain Rust in `planes.rs`:
//! yuvutils-rs 0.8 wants those buffers tightly packed and its YUYV -> I420 point-samples the
//! chroma of every other row (and skips the last row of an odd height), where we average the
//! two rows as libyuv does.

use crate::buffers::OutBuf;
use crate::jpeg;
use crate::planes::{self, I420Buf, I420Ref};
use crate::video::{PixelFormat, Rect, VideoFrame};
use crate::{FrameError, Result};
use yuvutils_rs::{
    BufferStoreMut, YuvConversionMode, YuvPlanarImage, YuvPlanarImageMut, YuvRange,
    YuvStandardMatrix,
};

/// The YUV range of every YUV frame in this crate (what cameras send): limited ("TV") range.
const RANGE: YuvRange = YuvRange::Limited;
/// The YUV matrix of every YUV frame in this crate: BT.601, as Chromium assumes for cameras.
const MATRIX: YuvStandardMatrix = YuvStandardMatrix::Bt601;

/// Converts the visible part of `frame` to `to`, as a new tightly packed frame with the same
/// timestamp and duration. Its coded size is the input's visible size.
///
/// * Any format converts to [`PixelFormat::I420`], [`PixelFormat::Nv12`],
///   [`PixelFormat::Yuyv`], [`PixelFormat::Rgba`] and [`PixelFormat::Bgra`];
///   [`PixelFormat::Mjpeg`] input is decoded. Encoding to MJPEG is
///   [`FrameError::Unsupported`].
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
    let bytes = match (from, to) {
        (PixelFormat::Rgba | PixelFormat::Bgra, PixelFormat::Rgba | PixelFormat::Bgra) => {
            planes::copy_rgbx(frame, rect, from != to)?
        }
        (PixelFormat::I420, _) => from_i420(&I420Ref::of(frame, rect)?, to)?,
        _ => {
            let i420 = to_i420(frame)?;
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
pub(crate) fn to_i420(frame: &VideoFrame) -> Result<I420Buf> {
    let rect = frame.visible_rect();
    match frame.format() {
        PixelFormat::I420 => Ok(planes::copy_i420(&I420Ref::of(frame, rect)?)),
        PixelFormat::Nv12 => planes::nv12_to_i420(frame, rect),
        PixelFormat::Yuyv => planes::yuyv_to_i420(frame, rect),
        PixelFormat::Rgba | PixelFormat::Bgra => rgbx_to_i420(frame, rect),
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

fn rgbx_to_i420(frame: &VideoFrame, rect: Rect) -> Result<I420Buf> {
    let (w, h) = (rect.width as usize, rect.height as usize);
    let stride = frame.stride(0);
    let src = planes::sub_plane(frame, 0, rect.y as usize, rect.x as usize * 4, w * 4, h)?;
    let mut out = I420Buf::new(w, h);
    let cw = out.chroma_width() as u32;
    let (y, u, v) = out.planes_mut();
    let mut image = YuvPlanarImageMut {
        y_plane: BufferStoreMut::Borrowed(y),
        y_stride: w as u32,
        u_plane: BufferStoreMut::Borrowed(u),
        u_stride: cw,
        v_plane: BufferStoreMut::Borrowed(v),
        v_stride: cw,
        width: w as u32,
        height: h as u32,
    };
    let mode = YuvConversionMode::Balanced;
    let stride = stride as u32;
    if frame.format() == PixelFormat::Bgra {
        yuvutils_rs::bgra_to_yuv420(&mut image, src, stride, RANGE, MATRIX, mode)
    } else {
        yuvutils_rs::rgba_to_yuv420(&mut image, src, stride, RANGE, MATRIX, mode)
    }
    .map_err(yuv_err)?;
    Ok(out)
}

/// An I420 picture to the tight bytes of `to` (any uncompressed format).
fn from_i420(src: &I420Ref<'_>, to: PixelFormat) -> Result<OutBuf> {
    match to {
        PixelFormat::I420 => Ok(planes::copy_i420(src).buf),
        PixelFormat::Nv12 => Ok(planes::i420_to_nv12(src)),
        PixelFormat::Yuyv => Ok(planes::i420_to_yuyv(src)),
        PixelFormat::Rgba | PixelFormat::Bgra => {
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
            let mut out = OutBuf::new(w * h * 4);
            let stride = (w * 4) as u32;
            let bytes = out.bytes_mut();
            if to == PixelFormat::Bgra {
                yuvutils_rs::yuv420_to_bgra(&image, bytes, stride, RANGE, MATRIX)
            } else {
                yuvutils_rs::yuv420_to_rgba(&image, bytes, stride, RANGE, MATRIX)
            }
            .map_err(yuv_err)?;
            Ok(out)
        }
        PixelFormat::Mjpeg => Err(FrameError::Unsupported("encoding to MJPEG".into())),
    }
}
