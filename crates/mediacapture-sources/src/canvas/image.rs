//! Pixels in and out of a canvas: `ImageData`, `getImageData` / `putImageData`, and the
//! images `drawImage` takes.

use super::{Canvas, frame_to_pixmap, not_origin_clean};
use mediacapture_frame::VideoFrame;
use mediacapture_types::{Error, Result};
use tiny_skia::Pixmap;

/// The largest image data accepted, in bytes (`width * height * 4`): 2^31 - 1, the length of
/// the largest typed array every JavaScript engine allocates. Larger gives `RangeError`, as
/// a browser's failed `ImageData` allocation does.
pub const MAX_IMAGE_DATA_BYTES: usize = i32::MAX as usize;

/// `ImageData`: a rectangle of straight-alpha (not premultiplied) sRGB pixels, 4 bytes each
/// (R, G, B, A), row by row.
///
/// Spec: <https://html.spec.whatwg.org/multipage/imagebitmap-and-animations.html#imagedata>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageData {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

/// `width * height * 4`, or the error for a zero side (`IndexSizeError`) or a size over
/// [`MAX_IMAGE_DATA_BYTES`] (`RangeError`).
fn data_len(width: u64, height: u64) -> Result<usize> {
    if width == 0 || height == 0 {
        return Err(Error::index_size(format!(
            "the source width or height is 0 ({width}x{height})"
        )));
    }
    width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(4))
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n <= MAX_IMAGE_DATA_BYTES)
        .ok_or_else(|| {
            Error::range_error(format!("cannot allocate image data of {width}x{height}"))
        })
}

impl ImageData {
    /// Transparent black image data of `width` x `height` (`new ImageData(sw, sh)`).
    ///
    /// Errors: `IndexSizeError` for a zero side; `RangeError` over [`MAX_IMAGE_DATA_BYTES`].
    pub fn new(width: u32, height: u32) -> Result<ImageData> {
        let len = data_len(u64::from(width), u64::from(height))?;
        Ok(ImageData {
            width,
            height,
            data: vec![0; len],
        })
    }

    /// Image data over existing pixels (`new ImageData(data, sw)`): `data` holds whole rows
    /// of `width` pixels.
    ///
    /// Errors: `InvalidStateError` when `data` is not a whole number of pixels (or empty);
    /// `IndexSizeError` for a zero width or when the pixels are not a whole number of rows.
    pub fn from_data(data: Vec<u8>, width: u32) -> Result<ImageData> {
        if data.is_empty() || data.len() % 4 != 0 {
            return Err(Error::invalid_state(format!(
                "{} bytes are not a whole number of RGBA pixels",
                data.len()
            )));
        }
        let pixels = data.len() / 4;
        if width == 0 || pixels % width as usize != 0 {
            return Err(Error::index_size(format!(
                "{pixels} pixels are not a whole number of rows of {width}"
            )));
        }
        let height = u32::try_from(pixels / width as usize)
            .map_err(|_| Error::range_error("image data too large"))?;
        data_len(u64::from(width), u64::from(height))?;
        Ok(ImageData {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixels: `width * height * 4` bytes, R, G, B, A.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The pixels, to change them.
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// The pixels alone.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }
}

/// What `drawImage` draws: a snapshot of an image's pixels.
#[derive(Debug, Clone)]
pub struct ImageSnapshot {
    /// The pixels, premultiplied RGBA.
    pub pixmap: Pixmap,
    /// `false` for protected content: drawing it taints the destination canvas.
    pub origin_clean: bool,
}

/// An image a 2D context can draw (`CanvasImageSource`): a [`Canvas`] (drawing a canvas onto
/// itself works: the snapshot is taken first) or a [`VideoFrame`] (its visible rectangle;
/// any pixel format the frame crate converts).
pub trait CanvasImageSource {
    /// The image's current pixels.
    ///
    /// Errors: as the image defines them (a video frame that cannot be decoded is a
    /// `TypeError`).
    fn image_snapshot(&self) -> Result<ImageSnapshot>;
}

impl CanvasImageSource for Canvas {
    fn image_snapshot(&self) -> Result<ImageSnapshot> {
        let s = self.inner.state.lock();
        Ok(ImageSnapshot {
            pixmap: s.pixmap.clone(),
            origin_clean: s.origin_clean,
        })
    }
}

impl CanvasImageSource for VideoFrame {
    fn image_snapshot(&self) -> Result<ImageSnapshot> {
        Ok(ImageSnapshot {
            pixmap: frame_to_pixmap(self)?,
            origin_clean: true,
        })
    }
}

/// A premultiplied pixel as straight alpha.
fn straight(p: tiny_skia::PremultipliedColorU8) -> [u8; 4] {
    let c = p.demultiply();
    [c.red(), c.green(), c.blue(), c.alpha()]
}

/// A straight-alpha pixel as premultiplied bytes.
fn premultiplied(px: &[u8]) -> [u8; 4] {
    let a = u16::from(px[3]);
    let pm = |c: u8| ((u16::from(c) * a + 127) / 255) as u8;
    [pm(px[0]), pm(px[1]), pm(px[2]), px[3]]
}

impl Canvas {
    /// `getImageData(x, y, width, height)` once the rectangle is normalised: the pixels of
    /// that rectangle as straight-alpha (not premultiplied) RGBA, row by row (4 bytes a
    /// pixel). Pixels outside the canvas are transparent black. The context's
    /// [`get_image_data`](super::CanvasRenderingContext2D::get_image_data) takes the
    /// rectangle as a script gives it.
    ///
    /// Errors: `IndexSizeError` for an empty rectangle, `SecurityError` when the canvas is not
    /// origin-clean, `RangeError` for a rectangle over [`MAX_IMAGE_DATA_BYTES`].
    pub fn get_image_data(&self, x: i64, y: i64, width: u32, height: u32) -> Result<Vec<u8>> {
        if width == 0 || height == 0 {
            data_len(u64::from(width), u64::from(height))?;
        }
        let s = self.inner.state.lock();
        if !s.origin_clean {
            return Err(not_origin_clean());
        }
        let len = data_len(u64::from(width), u64::from(height))?;
        let mut out = vec![0u8; len];
        let (cw, ch) = (i64::from(s.pixmap.width()), i64::from(s.pixmap.height()));
        let pixels = s.pixmap.pixels();
        // The columns of the rectangle that are on the canvas.
        let x0 = x.clamp(0, cw);
        let x1 = x.saturating_add(i64::from(width)).clamp(0, cw);
        for row in 0..i64::from(height) {
            let cy = y.saturating_add(row);
            if !(0..ch).contains(&cy) || x0 >= x1 {
                continue;
            }
            for cx in x0..x1 {
                let o = ((row * i64::from(width) + (cx - x)) * 4) as usize;
                out[o..o + 4].copy_from_slice(&straight(pixels[(cy * cw + cx) as usize]));
            }
        }
        Ok(out)
    }

    /// `putImageData(imageData, dx, dy, dirtyX, dirtyY, dirtyWidth, dirtyHeight)`: copies
    /// straight-alpha RGBA pixels (`data`, `width` pixels a row) to the canvas, replacing what
    /// is there (no compositing, no transform, no global alpha), then paints. `dirty` is the
    /// part of the image to copy, in image coordinates (the whole image when `None`); it is
    /// normalised and clipped to the image as the HTML spec says, and pixels that land
    /// outside the canvas are dropped. Nothing is painted when nothing is copied.
    ///
    /// Errors: `TypeError` when `data` is not `width * height * 4` bytes for some height.
    ///
    /// Spec: <https://html.spec.whatwg.org/multipage/canvas.html#dom-context-2d-putimagedata>
    pub fn put_image_data(
        &self,
        data: &[u8],
        width: u32,
        dx: i64,
        dy: i64,
        dirty: Option<(i64, i64, i64, i64)>,
    ) -> Result<()> {
        let row_len = width as usize * 4;
        if row_len == 0 || data.len() % row_len != 0 || data.is_empty() {
            return Err(Error::type_error(format!(
                "image data of {} bytes is not a whole number of {width}-pixel rows",
                data.len()
            )));
        }
        let (iw, ih) = (i64::from(width), (data.len() / row_len) as i64);
        let (mut x, mut y, mut w, mut h) = dirty.unwrap_or((0, 0, iw, ih));
        if w < 0 {
            x = x.saturating_add(w);
            w = w.saturating_neg();
        }
        if h < 0 {
            y = y.saturating_add(h);
            h = h.saturating_neg();
        }
        if x < 0 {
            w = w.saturating_add(x);
            x = 0;
        }
        if y < 0 {
            h = h.saturating_add(y);
            y = 0;
        }
        w = w.min(iw.saturating_sub(x));
        h = h.min(ih.saturating_sub(y));
        if w <= 0 || h <= 0 {
            return Ok(());
        }
        self.draw(|p| {
            let (cw, ch) = (i64::from(p.width()), i64::from(p.height()));
            let dst = p.data_mut();
            for iy in y..y + h {
                let cy = dy.saturating_add(iy);
                if !(0..ch).contains(&cy) {
                    continue;
                }
                for ix in x..x + w {
                    let cx = dx.saturating_add(ix);
                    if !(0..cw).contains(&cx) {
                        continue;
                    }
                    let i = ((iy * iw + ix) * 4) as usize;
                    let o = ((cy * cw + cx) * 4) as usize;
                    dst[o..o + 4].copy_from_slice(&premultiplied(&data[i..i + 4]));
                }
            }
        });
        Ok(())
    }
}
