//! MJPEG decoding: libjpeg-turbo to YCbCr planes, zune-jpeg for the rest.
//!
//! Camera JPEGs (YCbCr 4:2:2 or 4:2:0, or grey) are decoded by libjpeg-turbo (the system
//! `libturbojpeg`, see [`turbo`]) into their planes as coded, with no colour conversion and
//! no chroma upsampling: 4:2:0 lands in the output I420 planes directly, 4:2:2 and 4:4:4
//! chroma are averaged down. This is Chromium's path (libjpeg-turbo, then libyuv), and the
//! reason for a C library: zune-jpeg (pure Rust) has no planar output, so it upsamples the
//! chroma and interleaves it, and getting 4:2:0 back cost about twice libjpeg-turbo's time per
//! 1080p camera frame (BENCHMARKS.md). The recorder links the system libvpx and libopus
//! already; libjpeg-turbo decodes the Huffman-table-less JPEGs of MJPEG cameras too (it fills
//! in the standard tables).
//!
//! Other JPEGs (RGB or CMYK colour spaces, 4:4:0 or 4:1:1 subsampling) go through zune-jpeg,
//! whose interleaved full-size YCbCr output is averaged down to 4:2:0.

use crate::buffers::OutBuf;
use crate::planes::I420Buf;
use crate::{FrameError, Result};
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

mod turbo;

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
    let hdr = turbo::header(data).map_err(|e| FrameError::Decode(format!("JPEG: {e}")))?;
    if hdr.width == 0 || hdr.height == 0 || hdr.width > MAX_SIDE || hdr.height > MAX_SIDE {
        return Err(FrameError::Decode(format!(
            "JPEG: unsupported size {}x{}",
            hdr.width, hdr.height
        )));
    }
    // 4:2:0 only in whole MCUs (16x16 pixels): at other sizes the planar 4:2:0 chroma (its
    // second row, near the right edge) disagreed with zune-jpeg's by up to 74 levels in the
    // unit test below; which side is wrong is not yet known, so those JPEGs take the
    // zune-jpeg path. Camera MJPEG is mostly 4:2:2, which agrees at every size.
    let planar = match (hdr.colorspace, hdr.subsamp) {
        (turbo::CS_YCBCR, turbo::SAMP_420) => hdr.width % 16 == 0 && hdr.height % 16 == 0,
        (turbo::CS_YCBCR, turbo::SAMP_422 | turbo::SAMP_444) => true,
        (turbo::CS_GRAY, turbo::SAMP_GRAY) => true,
        _ => false,
    };
    if planar {
        decode_planar(data, &hdr)
    } else {
        decode_zune(data)
    }
}

/// libjpeg-turbo to planes, then to limited-range I420.
fn decode_planar(data: &[u8], hdr: &turbo::Header) -> Result<I420Buf> {
    let (w, h) = (hdr.width, hdr.height);
    let err = |e: String| FrameError::Decode(format!("JPEG: {e}"));
    let mut out = I420Buf::new(w, h);
    let (cw, ch) = (out.chroma_width(), out.chroma_height());
    let (dy, du, dv) = out.planes_mut();
    let plane = |data, stride, rows| turbo::Plane { data, stride, rows };
    match hdr.subsamp {
        turbo::SAMP_GRAY => {
            turbo::decode_planes(data, hdr, &mut [plane(&mut *dy, w, h)]).map_err(err)?;
            du.fill(128);
            dv.fill(128);
        }
        turbo::SAMP_420 => {
            turbo::decode_planes(
                data,
                hdr,
                &mut [
                    plane(&mut *dy, w, h),
                    plane(&mut *du, cw, ch),
                    plane(&mut *dv, cw, ch),
                ],
            )
            .map_err(err)?;
            map_chroma(du);
            map_chroma(dv);
        }
        subsamp => {
            // 4:2:2 (chroma cw x h) or 4:4:4 (w x h): decoded into a scratch buffer, then
            // averaged down (rows in pairs, and for 4:4:4 columns in pairs too).
            let full = subsamp == turbo::SAMP_444;
            let sw = if full { w } else { cw };
            let mut scratch = OutBuf::new(2 * sw * h);
            let (su, sv) = scratch.bytes_mut().split_at_mut(sw * h);
            turbo::decode_planes(
                data,
                hdr,
                &mut [
                    plane(&mut *dy, w, h),
                    plane(&mut *su, sw, h),
                    plane(&mut *sv, sw, h),
                ],
            )
            .map_err(err)?;
            halve_chroma(su, sw, h, full, du, cw);
            halve_chroma(sv, sw, h, full, dv, cw);
            scratch.recycle();
        }
    }
    map_luma(dy);
    Ok(out)
}

/// Full-range luma to limited range in place: `16 + round(y * 219 / 255)`, as [`LUMA`], in
/// arithmetic the compiler vectorises (`x / 255 == (x + 1 + (x >> 8)) >> 8` for the
/// `x = y * 219 + 127` that occur; a test checks every value against the table).
fn map_luma(plane: &mut [u8]) {
    for p in plane.iter_mut() {
        let x = u16::from(*p) * 219 + 127;
        *p = (16 + ((x + 1 + (x >> 8)) >> 8)) as u8;
    }
}

/// Full-range chroma to limited range, as [`CHROMA`], in arithmetic the compiler vectorises
/// (a table lookup per byte does not; it was a seventh of the 1080p 4:2:2 decode):
/// `128 + round((c - 128) * 224 / 255)` is `(224 c + 4095) / 255` (no value falls on a half),
/// and `x / 255 == (x + 1 + (x >> 8)) >> 8` for the `x` that occur (at most 61215). `c` is
/// at most 255; a test checks every value against the table.
#[inline(always)]
fn limited_chroma(c: u16) -> u8 {
    let x = c * 224 + 4095;
    ((x + 1 + (x >> 8)) >> 8) as u8
}

/// [`limited_chroma`] of every byte of a plane, in place.
fn map_chroma(plane: &mut [u8]) {
    for p in plane.iter_mut() {
        *p = limited_chroma(u16::from(*p));
    }
}

/// Chroma of `h` rows of `sw` samples (`full`: one per pixel, else one per two columns)
/// averaged (rounded) over row pairs, and over column pairs when `full`, to `cw` x
/// ceil(h / 2), mapped to limited range. A last odd row or column is repeated.
fn halve_chroma(src: &[u8], sw: usize, h: usize, full: bool, dst: &mut [u8], cw: usize) {
    for (r, d) in dst.chunks_exact_mut(cw).enumerate() {
        let a = &src[2 * r * sw..(2 * r + 1) * sw];
        let b1 = (2 * r + 1).min(h - 1);
        let b = &src[b1 * sw..(b1 + 1) * sw];
        if full {
            for (x, d) in d.iter_mut().enumerate() {
                let x1 = (2 * x + 1).min(sw - 1);
                let sum =
                    u16::from(a[2 * x]) + u16::from(a[x1]) + u16::from(b[2 * x]) + u16::from(b[x1]);
                *d = limited_chroma((sum + 2) >> 2);
            }
        } else {
            for ((d, a), b) in d.iter_mut().zip(a).zip(b) {
                *d = limited_chroma((u16::from(*a) + u16::from(*b) + 1) >> 1);
            }
        }
    }
}

/// zune-jpeg to interleaved full-size YCbCr, then to limited-range I420.
fn decode_zune(data: &[u8]) -> Result<I420Buf> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

    #[test]
    fn vectorised_luma_mapping_is_the_table() {
        let mut all: Vec<u8> = (0..=255).collect();
        map_luma(&mut all);
        assert_eq!(all, LUMA.to_vec());
    }

    #[test]
    fn vectorised_chroma_mapping_is_the_table() {
        let mut all: Vec<u8> = (0..=255).collect();
        map_chroma(&mut all);
        assert_eq!(all, CHROMA.to_vec());
    }

    /// Smooth gradients, `channels` 1 or 3. Smooth, because at sharp chroma edges the two
    /// paths differ by design: zune-jpeg interpolates the chroma up before we average it
    /// down, the planar path keeps the coded samples.
    fn image(w: usize, h: usize, channels: usize) -> Vec<u8> {
        let mut px = Vec::with_capacity(w * h * channels);
        for y in 0..h {
            for x in 0..w {
                let v = [
                    (x * 255 / w.max(1)) as u8,
                    (y * 255 / h.max(1)) as u8,
                    ((x + y) * 255 / (w + h)) as u8,
                ];
                px.extend_from_slice(&v[..channels]);
            }
        }
        px
    }

    /// libjpeg-turbo's planes and zune-jpeg's interleaved pixels, each taken to limited-range
    /// I420 their own way, agree within a small tolerance (the decoders' IDCT and chroma
    /// upsampling differ by a few levels), for every subsampling the planar path takes and
    /// odd sizes.
    #[test]
    fn planar_path_matches_the_zune_path() {
        let cases = [
            (SamplingFactor::R_4_2_0, false),
            (SamplingFactor::R_4_2_2, false),
            (SamplingFactor::R_4_4_4, false),
            (SamplingFactor::R_4_2_0, true),
        ];
        for (w, h) in [
            (64usize, 48usize),
            (48, 21),
            (37, 21),
            (40, 24),
            (1, 1),
            (17, 2),
        ] {
            for (sampling, grey) in cases {
                let mut jpeg = Vec::new();
                let mut enc = Encoder::new(&mut jpeg, 90);
                enc.set_sampling_factor(sampling);
                let (ct, ch) = if grey {
                    (ColorType::Luma, 1)
                } else {
                    (ColorType::Rgb, 3)
                };
                enc.encode(&image(w, h, ch), w as u16, h as u16, ct)
                    .unwrap();
                // The path decode_to_i420 takes (planar, or zune-jpeg for 4:2:0 at sizes
                // that are not whole MCUs).
                let planar = decode_to_i420(&jpeg).unwrap();
                let zune = decode_zune(&jpeg).unwrap();
                let (a, b) = (planar.buf.bytes(), zune.buf.bytes());
                assert_eq!(a.len(), b.len());
                let worst = a
                    .iter()
                    .zip(b)
                    .map(|(x, y)| x.abs_diff(*y))
                    .max()
                    .unwrap_or(0);
                let at = a.iter().zip(b).position(|(x, y)| x.abs_diff(*y) == worst);
                assert!(
                    worst <= 6,
                    "{w}x{h} {sampling:?} grey={grey}: differ by {worst} at {at:?} of {}",
                    a.len()
                );
            }
        }
    }

    #[test]
    fn truncated_jpeg_is_an_error_on_the_planar_path() {
        let mut jpeg = Vec::new();
        Encoder::new(&mut jpeg, 90)
            .encode(&image(64, 64, 3), 64, 64, ColorType::Rgb)
            .unwrap();
        assert!(matches!(
            decode_to_i420(&jpeg[..jpeg.len() / 2]),
            Err(FrameError::Decode(_))
        ));
    }

    /// MJPEG cameras leave out the Huffman tables (the standard ones are implied): the
    /// planar path decodes such a frame as the same frame with them.
    #[test]
    fn jpeg_without_huffman_tables_decodes() {
        let mut jpeg = Vec::new();
        let mut enc = Encoder::new(&mut jpeg, 90);
        enc.set_sampling_factor(SamplingFactor::R_4_2_2);
        enc.encode(&image(48, 32, 3), 48, 32, ColorType::Rgb)
            .unwrap();
        // Drop every DHT segment: walk the segments after SOI (FF xx, then a big-endian
        // length that counts itself) up to SOS, after which the rest is copied.
        let mut stripped = jpeg[..2].to_vec();
        let mut i = 2;
        let mut dropped = 0;
        while i + 4 <= jpeg.len() {
            let marker = jpeg[i + 1];
            if marker == 0xDA {
                stripped.extend_from_slice(&jpeg[i..]);
                break;
            }
            let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
            if marker == 0xC4 {
                dropped += 1;
            } else {
                stripped.extend_from_slice(&jpeg[i..i + 2 + len]);
            }
            i += 2 + len;
        }
        assert!(dropped > 0, "the encoder wrote no DHT segment");
        let hdr = turbo::header(&stripped).unwrap();
        assert_eq!(
            decode_planar(&stripped, &hdr).unwrap().buf.bytes(),
            decode_planar(&jpeg, &turbo::header(&jpeg).unwrap())
                .unwrap()
                .buf
                .bytes()
        );
    }
}
