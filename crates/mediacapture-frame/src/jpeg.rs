//! MJPEG decoding with zune-jpeg.
//!
//! Why zune-jpeg: pure Rust with SSE/AVX2 IDCT and colour paths chosen at run time, no C
//! library to install, and it accepts the Huffman-table-less JPEGs some MJPEG cameras send
//! (it fills in the default tables of the OpenDML spec, as libjpeg-turbo's MJPEG users must
//! do by hand). It is fuzzed.
//!
//! Its cost (BENCHMARKS.md): about 1.8x libjpeg-turbo's CPU time per 1080p 4:2:2 camera
//! frame, where libjpeg-turbo decodes the planes as coded and libyuv halves the chroma rows
//! (Chromium's path). Half of ours is not decoding: zune-jpeg has no planar output, so it
//! upsamples the chroma to full size and interleaves it, and we average it back down to
//! 4:2:0 and map it to limited range. Reaching libjpeg-turbo needs planar output (a
//! zune-jpeg feature) or libjpeg-turbo itself (built from source and linked statically, so
//! that the prebuilt Node binary carries no `libjpeg.so` dependency).

use crate::buffers::OutBuf;
use crate::planes::I420Buf;
use crate::{FrameError, Result};
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// The largest JPEG we decode, per side: Chromium's `media::limits::kMaxDimension`.
const MAX_SIDE: usize = (1 << 15) - 1;

/// Full range (JFIF) luma to limited range, rounded: `16 + y * 219 / 255`.
const fn luma_lut() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (16 + (i * 219 * 2 + 255) / (2 * 255)) as u8;
        i += 1;
    }
    t
}

/// Full range chroma to limited range, rounded: `128 + (c - 128) * 224 / 255`.
const fn chroma_lut() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let d = (i as i32 - 128) * 224 * 2;
        let q = if d >= 0 {
            (d + 255) / 510
        } else {
            -((-d + 255) / 510)
        };
        t[i] = (128 + q) as u8;
        i += 1;
    }
    t
}

static LUMA: [u8; 256] = luma_lut();
static CHROMA: [u8; 256] = chroma_lut();

/// Decodes one JPEG image into limited-range BT.601 I420 (JPEG's own YCbCr is full range).
/// Grey JPEGs get neutral chroma.
pub(crate) fn decode_to_i420(data: &[u8]) -> Result<I420Buf> {
    let options = DecoderOptions::default()
        .set_max_width(MAX_SIDE)
        .set_max_height(MAX_SIDE)
        .jpeg_set_out_colorspace(ColorSpace::YCbCr);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(data), options);
    decoder
        .decode_headers()
        .map_err(|e| FrameError::Decode(format!("JPEG: {e:?}")))?;
    let info = decoder
        .info()
        .ok_or_else(|| FrameError::Decode("JPEG: no header".into()))?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    if w == 0 || h == 0 {
        return Err(FrameError::Decode(format!("JPEG: empty image {w}x{h}")));
    }
    let grey = info.components == 1;
    if grey {
        decoder.set_options(options.jpeg_set_out_colorspace(ColorSpace::Luma));
    }
    let channels = if grey { 1 } else { 3 };
    let need = decoder
        .output_buffer_size()
        .ok_or_else(|| FrameError::Decode("JPEG: no output size".into()))?;
    if need < w * h * channels {
        return Err(FrameError::Decode(format!(
            "JPEG: decoder wants {need} bytes for {w}x{h}x{channels}"
        )));
    }
    // The decoded pixels go to a recycled buffer (allocating and zeroing 6 MB per 1080p frame
    // cost more than a tenth of the decode), handed back to the pool when done.
    let mut pixels = OutBuf::new(need);
    decoder
        .decode_into(pixels.bytes_mut())
        .map_err(|e| FrameError::Decode(format!("JPEG: {e:?}")))?;
    let out = to_limited_i420(pixels.bytes(), w, h, grey);
    pixels.recycle();
    Ok(out)
}

/// Full-range YCbCr (interleaved, 3 bytes per pixel, or luma only when `grey`) to limited
/// range I420: luma mapped, chroma the rounded 2x2 mean (last column or row of an odd size
/// repeated), then mapped.
fn to_limited_i420(pixels: &[u8], w: usize, h: usize, grey: bool) -> I420Buf {
    let mut out = I420Buf::new(w, h);
    let cw = out.chroma_width();
    let (dy, du, dv) = out.planes_mut();
    if grey {
        for (d, s) in dy.iter_mut().zip(pixels) {
            *d = LUMA[usize::from(*s)];
        }
        du.fill(128);
        dv.fill(128);
        return out;
    }
    for (d, s) in dy.iter_mut().zip(pixels.chunks_exact(3)) {
        *d = LUMA[usize::from(s[0])];
    }
    let row_bytes = w * 3;
    let pairs = w / 2;
    for (cr, (u, v)) in du
        .chunks_exact_mut(cw)
        .zip(dv.chunks_exact_mut(cw))
        .enumerate()
    {
        let r0 = &pixels[2 * cr * row_bytes..(2 * cr + 1) * row_bytes];
        let r1_index = (2 * cr + 1).min(h - 1);
        let r1 = &pixels[r1_index * row_bytes..(r1_index + 1) * row_bytes];
        // Whole 2x2 blocks: 6 bytes of each row.
        let blocks = r0.chunks_exact(6).zip(r1.chunks_exact(6));
        for ((u, v), (a, b)) in u.iter_mut().zip(v.iter_mut()).zip(blocks).take(pairs) {
            let sum = |c: usize| {
                u16::from(a[c]) + u16::from(a[c + 3]) + u16::from(b[c]) + u16::from(b[c + 3])
            };
            *u = CHROMA[usize::from((sum(1) + 2) >> 2)];
            *v = CHROMA[usize::from((sum(2) + 2) >> 2)];
        }
        if w % 2 == 1 {
            let x = (w - 1) * 3;
            let sum = |c: usize| 2 * (u16::from(r0[x + c]) + u16::from(r1[x + c]));
            u[pairs] = CHROMA[usize::from((sum(1) + 2) >> 2)];
            v[pairs] = CHROMA[usize::from((sum(2) + 2) >> 2)];
        }
    }
    out
}
