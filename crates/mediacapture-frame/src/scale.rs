//! Centre crop and scale for `resizeMode: "crop-and-scale"`, and black frames.
//!
//! Each I420 plane is scaled on its own (no conversion to RGB), reading only its part of the
//! crop. Two scalers:
//!
//! * a plane whose crop maps onto its output by an exact ratio per axis of `n:1` (`n` up to
//!   8) or 3:2 (1920x1080 -> 1280x720, 640x360, 320x180 are 3:2, 3:1, 6:1) goes through a
//!   dedicated area (box) filter in plain, vectorised Rust (`area.rs`): each output pixel is
//!   the rounded average of the source area it covers, as libyuv's `kFilterBox`;
//! * any other size goes through fast_image_resize: pure Rust, SSE4.1/AVX2/NEON convolution
//!   picked at run time, one-channel `U8` images, source crop boxes, and a reusable
//!   `Resizer` that keeps its buffers between frames. Its filter is bilinear with the kernel
//!   widened by the downscale factor (an area-weighted, alias-free downscale), close to
//!   libyuv's `kFilterBox`/`kFilterBilinear` that Chromium uses for video frames.

use crate::area::{self, AreaScaler, Plane};
use crate::convert;
use crate::planes::{self, I420Buf, I420Ref};
use crate::video::{PixelFormat, Rect, VideoFrame};
use crate::{FrameError, Result};
use fast_image_resize as fir;
use std::sync::{Arc, Mutex, Weak};

/// Largest width or height handled, as Chromium's `media::limits::kMaxDimension`.
pub const MAX_DIMENSION: u32 = (1 << 15) - 1;
/// Largest area handled, as Chromium's `media::limits::kMaxCanvas` (16384 x 16384).
pub const MAX_AREA: u64 = 1 << 28;

fn check_size(width: u32, height: u32) -> Result<()> {
    if width == 0
        || height == 0
        || width > MAX_DIMENSION
        || height > MAX_DIMENSION
        || u64::from(width) * u64::from(height) > MAX_AREA
    {
        return Err(FrameError::InvalidSize { width, height });
    }
    Ok(())
}

/// The size a `crop-and-scale` track delivers for a source frame of `input_width` x
/// `input_height` when its settings are `target_width` x `target_height`: each side is the
/// smaller of the two, so a frame is never upscaled (the spec's "MUST NOT upscale"), as
/// Chromium's `VideoTrackAdapter::CalculateDesiredSize` does without aspect-ratio constraints.
/// A target side of 0 means "keep the input's".
pub fn adapted_size(
    input_width: u32,
    input_height: u32,
    target_width: u32,
    target_height: u32,
) -> (u32, u32) {
    let pick = |input: u32, target: u32| {
        if target == 0 {
            input.max(1)
        } else {
            input.min(target).max(1)
        }
    };
    (
        pick(input_width, target_width),
        pick(input_height, target_height),
    )
}

/// The part of a `width` x `height` picture that [`crop_and_scale`] keeps for an output of
/// `out_width` x `out_height`: the largest centred rectangle of the output's aspect ratio,
/// with its origin rounded down and its size rounded to even numbers (up when there is room),
/// exactly as Chromium's `VideoTrackAdapter::DeliverFrame` computes it from
/// `media::ComputeLetterboxRegion`.
///
/// ```
/// use mediacapture_frame::{Rect, crop_region};
/// // 1280x720 (16:9) to 640x480 (4:3): keep the middle 960x720.
/// assert_eq!(crop_region(1280, 720, 640, 480), Rect { x: 160, y: 0, width: 960, height: 720 });
/// ```
pub fn crop_region(width: u32, height: u32, out_width: u32, out_height: u32) -> Rect {
    if out_width == 0 || out_height == 0 || width == 0 || height == 0 {
        return Rect {
            x: 0,
            y: 0,
            width,
            height,
        };
    }
    // ComputeLetterboxRegion: the largest rect of the content's aspect inside the bounds.
    let x = u64::from(out_width) * u64::from(height);
    let y = u64::from(out_height) * u64::from(width);
    let (mut lw, mut lh) = (u64::from(width), u64::from(height));
    if y < x {
        lh = y / u64::from(out_width);
    } else {
        lw = x / u64::from(out_height);
    }
    let (lw, lh) = (
        lw.min(u64::from(width)) as u32,
        lh.min(u64::from(height)) as u32,
    );
    // ClampToCenteredSize, then the even rounding of DeliverFrame.
    let rx = ((width - lw) / 2) & !1;
    let ry = ((height - lh) / 2) & !1;
    let even = |origin: u32, size: u32, bound: u32| {
        let slack = u32::from(origin + size < bound);
        let rounded = (size + slack) & !1;
        // A 1-pixel side has no even size; keep it.
        if rounded == 0 {
            size.max(1)
        } else {
            rounded.min(bound - origin)
        }
    };
    Rect {
        x: rx,
        y: ry,
        width: even(rx, lw, width),
        height: even(ry, lh, height),
    }
}

/// A reusable scaler: keeps its buffers (and fast_image_resize's) between frames.
#[derive(Debug, Default)]
pub(crate) struct Scaler {
    resizer: fir::Resizer,
    area: AreaScaler,
}

fn fir_err(e: impl std::fmt::Display) -> FrameError {
    FrameError::Layout(format!("resize: {e}"))
}

impl Scaler {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn crop_and_scale(
        &mut self,
        frame: &VideoFrame,
        width: u32,
        height: u32,
    ) -> Result<VideoFrame> {
        check_size(width, height)?;
        // I420 frames are read in place, whatever their strides and visible rect; other
        // formats are first made a tight I420 picture of their visible rect.
        // NV12 and NV21 become an I420 frame that keeps their luma plane: only the chroma
        // is written before scaling.
        let shared;
        let frame = match frame.format() {
            PixelFormat::Nv12 | PixelFormat::Nv21 => {
                let level = crate::SimdLevel::detect();
                match planes::nv12_to_i420_keeping_luma(frame, frame.visible_rect(), level)? {
                    Some(f) => {
                        shared = f;
                        &shared
                    }
                    None => frame,
                }
            }
            _ => frame,
        };
        let owned;
        let src = if frame.format() == PixelFormat::I420 {
            let vis = frame.visible_rect();
            let plane = |i: usize| {
                let rows = frame.planes().get(i).map_or(0, |p| p.rows) as u32;
                (frame.plane(i), frame.stride(i) as u32, rows)
            };
            Source {
                planes: [plane(0), plane(1), plane(2)],
                x: vis.x,
                y: vis.y,
                width: vis.width,
                height: vis.height,
            }
        } else {
            owned = convert::to_i420(frame, crate::SimdLevel::detect())?;
            Source::tight(&owned)
        };
        let region = crop_region(src.width, src.height, width, height);
        let abs = Rect {
            x: src.x + region.x,
            y: src.y + region.y,
            ..region
        };
        let out = if (region.width, region.height) == (width, height) {
            planes::copy_i420(&src.view()?.sub(abs)?)
        } else {
            self.scale(&src, abs, width, height)?
        };
        out.into_frame(frame.timestamp(), frame.duration())
    }

    /// Scales the `crop` of `src` (absolute plane coordinates, luma) to `width` x `height`,
    /// each plane with the area filter when its ratio is one it handles, else with
    /// fast_image_resize. Neither reads anything outside the crop: the area filter's boxes
    /// lie inside it, and fast_image_resize's edge taps are clamped to it, as libyuv's
    /// scalers do with a cropped source pointer.
    fn scale(&mut self, src: &Source<'_>, crop: Rect, width: u32, height: u32) -> Result<I420Buf> {
        let mut out = I420Buf::new(width as usize, height as usize);
        let (ocw, och) = (out.chroma_width() as u32, out.chroma_height() as u32);
        let (dy, du, dv) = out.planes_mut();
        let (cx, cy) = (crop.x / 2, crop.y / 2);
        let chroma = |(_, stride, rows): (&[u8], u32, u32)| Rect {
            x: cx,
            y: cy,
            width: crop.width.div_ceil(2).min(stride.saturating_sub(cx)).max(1),
            height: crop.height.div_ceil(2).min(rows.saturating_sub(cy)).max(1),
        };
        let jobs: [(usize, Rect, &mut [u8], u32, u32); 3] = [
            (0, crop, dy, width, height),
            (1, chroma(src.planes[1]), du, ocw, och),
            (2, chroma(src.planes[2]), dv, ocw, och),
        ];
        for (i, rect, dst, ow, oh) in jobs {
            if let Some(plan) = area::plan(rect.width, rect.height, ow, oh) {
                self.area
                    .scale_plane(src.planes[i], rect, dst, ow, oh, plan)?;
            } else {
                self.scale_plane_general(src.planes[i], rect, dst, ow, oh)?;
            }
        }
        Ok(out)
    }

    /// Scales the `rect` of one plane to the tight `ow` x `oh` plane `dst` with
    /// fast_image_resize.
    fn scale_plane_general(
        &mut self,
        (data, stride, rows): Plane<'_>,
        rect: Rect,
        dst: &mut [u8],
        ow: u32,
        oh: u32,
    ) -> Result<()> {
        let options = fir::ResizeOptions::new()
            .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Bilinear));
        let image =
            fir::images::ImageRef::new(stride, rows, data, fir::PixelType::U8).map_err(fir_err)?;
        let mut dst_image =
            fir::images::Image::from_slice_u8(ow, oh, dst, fir::PixelType::U8).map_err(fir_err)?;
        if (rect.x, rect.y, rect.width, rect.height) == (0, 0, stride, rows) {
            self.resizer.resize(&image, &mut dst_image, &options)
        } else {
            let cropped =
                fir::images::CroppedImage::new(&image, rect.x, rect.y, rect.width, rect.height)
                    .map_err(fir_err)?;
            self.resizer.resize(&cropped, &mut dst_image, &options)
        }
        .map_err(fir_err)
    }
}

/// An I420 picture as three whole planes (data, stride, rows) and where in them the picture
/// is.
struct Source<'a> {
    planes: [(&'a [u8], u32, u32); 3],
    x: u32,
    y: u32,
    width: u32,
    height: u32,
}

impl<'a> Source<'a> {
    fn tight(buf: &'a I420Buf) -> Self {
        let v = buf.view();
        let (w, h) = (buf.width as u32, buf.height as u32);
        let (cw, ch) = (buf.chroma_width() as u32, buf.chroma_height() as u32);
        Source {
            planes: [(v.y, w, h), (v.u, cw, ch), (v.v, cw, ch)],
            x: 0,
            y: 0,
            width: w,
            height: h,
        }
    }

    /// The whole planes as an `I420Ref` whose picture starts at (0, 0).
    fn view(&self) -> Result<I420Ref<'a>> {
        let [(y, ys, rows), (u, us, _), (v, vs, _)] = self.planes;
        let width = self.x as usize + self.width as usize;
        let height = self.y as usize + self.height as usize;
        if (ys as usize) < width || (rows as usize) < height {
            return Err(FrameError::Layout("picture outside its planes".into()));
        }
        Ok(I420Ref {
            y,
            y_stride: ys as usize,
            u,
            u_stride: us as usize,
            v,
            v_stride: vs as usize,
            width,
            height,
        })
    }
}

/// Crops the visible part of `frame` to the aspect ratio of `width` x `height` (centred),
/// then scales it to exactly that size, as I420: what a `resizeMode: "crop-and-scale"` track
/// delivers (Chromium's `VideoTrackAdapter`: the crop rect is [`crop_region`]). Any input
/// format is accepted (converted or decoded first). Timestamp and duration are kept.
///
/// This function scales in both directions; a track must not upscale, so callers pick the
/// size with [`adapted_size`] ([`crate::VideoAdapter`] does).
///
/// ```
/// use mediacapture_frame::{PixelFormat, black_frame, crop_and_scale};
/// let hd = black_frame(1280, 720, 0);
/// let vga = crop_and_scale(&hd, 640, 480)?;
/// assert_eq!((vga.format(), vga.coded_width(), vga.coded_height()), (PixelFormat::I420, 640, 480));
/// assert!(vga.plane(0).iter().all(|&y| y == 16));
/// # Ok::<(), mediacapture_frame::FrameError>(())
/// ```
pub fn crop_and_scale(frame: &VideoFrame, width: u32, height: u32) -> Result<VideoFrame> {
    Scaler::new().crop_and_scale(frame, width, height)
}

/// Black frame buffers by size: `(width, height)` -> the pixels. The most recent size is
/// held (a disabled track asks for one size again and again, and its sinks may drop each
/// frame at once); other sizes are kept only while some frame still holds their pixels.
static BLACK: Mutex<BlackCache> = Mutex::new(BlackCache {
    last: None,
    live: Vec::new(),
});

/// See [`BLACK`].
struct BlackCache {
    /// The most recently made size, held.
    last: Option<(u32, u32, Arc<[u8]>)>,
    /// Every size made, while a frame holds it.
    live: Vec<(u32, u32, Weak<[u8]>)>,
}

impl BlackCache {
    fn get(&self, width: u32, height: u32) -> Option<Arc<[u8]>> {
        let last = self.last.as_ref();
        if let Some((_, _, data)) = last.filter(|(w, h, _)| (*w, *h) == (width, height)) {
            return Some(Arc::clone(data));
        }
        self.live
            .iter()
            .filter(|(w, h, _)| (*w, *h) == (width, height))
            .find_map(|(_, _, data)| data.upgrade())
    }

    fn put(&mut self, width: u32, height: u32, data: &Arc<[u8]>) {
        self.live.retain(|(_, _, d)| d.strong_count() > 0);
        self.live.push((width, height, Arc::downgrade(data)));
        self.last = Some((width, height, Arc::clone(data)));
    }
}

/// A black I420 frame (Y 16, U = V 128: black in limited range), for a disabled track.
/// Black frames of one size share one buffer: a new one reuses the pixels of any black frame
/// of that size still alive, and of the last size made even when none is. Sizes are clamped
/// to 1..=[`MAX_DIMENSION`] (and the area to [`MAX_AREA`]), so this never fails.
///
/// ```
/// let f = mediacapture_frame::black_frame(3, 3, 42);
/// assert_eq!((f.coded_width(), f.coded_height(), f.timestamp()), (3, 3, 42));
/// assert_eq!(f.plane(1), &[128, 128, 128, 128]);
/// ```
pub fn black_frame(width: u32, height: u32, timestamp: i64) -> VideoFrame {
    let width = width.clamp(1, MAX_DIMENSION);
    let mut height = height.clamp(1, MAX_DIMENSION);
    if u64::from(width) * u64::from(height) > MAX_AREA {
        height = (MAX_AREA / u64::from(width)) as u32;
    }
    let mut cache = BLACK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let data = cache.get(width, height).unwrap_or_else(|| {
        let luma = width as usize * height as usize;
        let mut bytes = vec![128u8; PixelFormat::I420.frame_size(width, height).unwrap_or(luma)];
        bytes[..luma].fill(16);
        let data: Arc<[u8]> = bytes.into();
        cache.put(width, height, &data);
        data
    });
    drop(cache);
    VideoFrame::tight_unchecked(PixelFormat::I420, width, height, data, timestamp)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    /// A natural-ish `w` x `h` plane: smooth diagonal gradients and ripples plus noise of
    /// +-`noise`.
    fn natural(w: u32, h: u32, noise: u32) -> Vec<u8> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut out = Vec::new();
        for y in 0..h {
            for x in 0..w {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let (fx, fy) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
                let smooth =
                    40.0 + 120.0 * fx * (1.0 - 0.5 * fy) + 30.0 * (fx * 17.0 + fy * 9.0).sin();
                let n = (state % u64::from(2 * noise + 1)) as f64 - f64::from(noise);
                out.push((smooth + n).round().clamp(0.0, 255.0) as u8);
            }
        }
        out
    }

    fn whole(w: u32, h: u32) -> Rect {
        Rect {
            x: 0,
            y: 0,
            width: w,
            height: h,
        }
    }

    #[test]
    fn area_path_agrees_with_fast_image_resize_on_natural_pictures() {
        let mut scaler = Scaler::new();
        for (w, h, ow, oh) in [
            (1920, 1080, 1280, 720),
            (960, 540, 640, 360),
            (1920, 1080, 960, 540),
            (1920, 1080, 640, 360),
            (1920, 1080, 480, 270),
            (1920, 1080, 320, 180),
            (1280, 720, 160, 90),
            (963, 541, 321, 541),
            (1923, 1083, 1282, 722),
        ] {
            let src = natural(w, h, 6);
            let plan = area::plan(w, h, ow, oh);
            let mut ours = vec![0; (ow * oh) as usize];
            let mut general = ours.clone();
            scaler
                .area
                .scale_plane((&src, w, h), whole(w, h), &mut ours, ow, oh, plan.unwrap())
                .unwrap();
            scaler
                .scale_plane_general((&src, w, h), whole(w, h), &mut general, ow, oh)
                .unwrap();
            let diffs: Vec<u32> = ours
                .iter()
                .zip(&general)
                .map(|(a, b)| u32::from(a.abs_diff(*b)))
                .collect();
            let mean = f64::from(diffs.iter().sum::<u32>()) / diffs.len() as f64;
            let max = diffs.iter().copied().max().unwrap();
            // Measured: mean 0.2-0.8, max 1-4 (the box is a little sharper than the
            // widened bilinear kernel).
            assert!(
                mean < 1.0 && max <= 5,
                "{w}x{h} -> {ow}x{oh}: mean {mean:.3} max {max}"
            );
        }
    }

    /// The three planes of a tight I420 frame.
    fn planes_of(frame: &VideoFrame) -> [Vec<u8>; 3] {
        [0, 1, 2].map(|i| frame.plane(i).to_vec())
    }

    #[test]
    fn exact_ratios_take_the_area_path_and_others_the_general_one() {
        let (w, h) = (1920, 1080);
        let (cw, ch) = (w / 2, h / 2);
        let mut data = natural(w, h, 6);
        data.extend(natural(cw, ch, 3));
        data.extend(natural(cw, ch, 3).iter().map(|v| 255 - v));
        let frame = VideoFrame::new(PixelFormat::I420, w, h, data.clone(), 0).unwrap();
        let plane = |i: usize| -> Plane<'_> {
            let (start, pw, ph) = match i {
                0 => (0, w, h),
                1 => ((w * h) as usize, cw, ch),
                _ => ((w * h + cw * ch) as usize, cw, ch),
            };
            (&data[start..start + (pw * ph) as usize], pw, ph)
        };
        let mut scaler = Scaler::new();
        // 1000x600 (5:3) keeps the middle 1800x1080, scaled by 5/9: fast_image_resize.
        let out = scaler.crop_and_scale(&frame, 1000, 600).unwrap();
        let crop = crop_region(w, h, 1000, 600);
        assert_eq!(
            crop,
            Rect {
                x: 60,
                y: 0,
                width: 1800,
                height: 1080
            }
        );
        let chroma = Rect {
            x: 30,
            y: 0,
            width: 900,
            height: 540,
        };
        let mut want = [vec![0; 1000 * 600], vec![0; 500 * 300], vec![0; 500 * 300]];
        for (i, (rect, dst)) in [crop, chroma, chroma]
            .into_iter()
            .zip(&mut want)
            .enumerate()
        {
            let (ow, oh) = if i == 0 { (1000, 600) } else { (500, 300) };
            assert_eq!(area::plan(rect.width, rect.height, ow, oh), None);
            Scaler::new()
                .scale_plane_general(plane(i), rect, dst, ow, oh)
                .unwrap();
        }
        assert_eq!(planes_of(&out), want);
        // 1280x720, 640x360, 320x180: the area scaler, plane by plane.
        for (ow, oh) in [(1280, 720), (640, 360), (320, 180)] {
            let out = scaler.crop_and_scale(&frame, ow, oh).unwrap();
            let mut want = [
                vec![0; (ow * oh) as usize],
                vec![0; (ow * oh / 4) as usize],
                vec![0; (ow * oh / 4) as usize],
            ];
            for (i, dst) in want.iter_mut().enumerate() {
                let (pw, ph, dw, dh) = if i == 0 {
                    (w, h, ow, oh)
                } else {
                    (cw, ch, ow / 2, oh / 2)
                };
                let plan = area::plan(pw, ph, dw, dh).unwrap();
                AreaScaler::default()
                    .scale_plane(plane(i), whole(pw, ph), dst, dw, dh, plan)
                    .unwrap();
            }
            assert_eq!(planes_of(&out), want, "{ow}x{oh}");
        }
    }
}
