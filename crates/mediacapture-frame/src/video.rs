//! `VideoFrame`: pixels with a format, a coded size, a visible rect and a timestamp.

use crate::{FrameError, Result};
use std::sync::Arc;

/// A pixel format (WebCodecs names where WebCodecs has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PixelFormat {
    /// Planar 4:2:0 YUV: Y plane, then U and V planes at half width and height (`I420`).
    I420,
    /// Semi-planar 4:2:0 YUV: Y plane, then one interleaved UV plane (`NV12`).
    Nv12,
    /// Packed 4:2:2 YUV, `Y0 U Y1 V` (V4L2 `YUYV`, Windows `YUY2`).
    Yuyv,
    /// Packed 4:2:2 YUV, `U Y0 V Y1` (V4L2 `UYVY`, Windows `UYVY`).
    Uyvy,
    /// Semi-planar 4:2:0 YUV like NV12 with V before U in the chroma plane (V4L2 `NV21`).
    Nv21,
    /// Packed 8-bit RGB, three bytes per pixel in the order R, G, B (V4L2 `RGB3`; libyuv
    /// calls this byte order `RAW`).
    Rgb24,
    /// Packed 8-bit RGBA.
    Rgba,
    /// Packed 8-bit BGRA.
    Bgra,
    /// Motion JPEG: one compressed JPEG image per frame (an input format only).
    Mjpeg,
}

impl PixelFormat {
    /// The number of planes of this format (1 for packed and compressed formats).
    pub fn plane_count(self) -> usize {
        match self {
            PixelFormat::I420 => 3,
            PixelFormat::Nv12 | PixelFormat::Nv21 => 2,
            _ => 1,
        }
    }

    /// `true` for compressed formats (MJPEG), whose size is not a function of width and height.
    pub fn is_compressed(self) -> bool {
        matches!(self, PixelFormat::Mjpeg)
    }

    /// The tightly packed layout (offset, stride, rows) of each plane for `width` x `height`.
    /// Chroma planes of odd sizes round up. `None` for compressed formats.
    pub fn tight_layout(self, width: u32, height: u32) -> Option<Vec<PlaneLayout>> {
        let (w, h) = (width as usize, height as usize);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let planes = match self {
            PixelFormat::I420 => vec![
                PlaneLayout {
                    offset: 0,
                    stride: w,
                    rows: h,
                },
                PlaneLayout {
                    offset: w * h,
                    stride: cw,
                    rows: ch,
                },
                PlaneLayout {
                    offset: w * h + cw * ch,
                    stride: cw,
                    rows: ch,
                },
            ],
            PixelFormat::Nv12 | PixelFormat::Nv21 => vec![
                PlaneLayout {
                    offset: 0,
                    stride: w,
                    rows: h,
                },
                PlaneLayout {
                    offset: w * h,
                    stride: cw * 2,
                    rows: ch,
                },
            ],
            PixelFormat::Yuyv | PixelFormat::Uyvy => vec![PlaneLayout {
                offset: 0,
                stride: cw * 4,
                rows: h,
            }],
            PixelFormat::Rgba | PixelFormat::Bgra => {
                vec![PlaneLayout {
                    offset: 0,
                    stride: w * 4,
                    rows: h,
                }]
            }
            PixelFormat::Rgb24 => {
                vec![PlaneLayout {
                    offset: 0,
                    stride: w * 3,
                    rows: h,
                }]
            }
            PixelFormat::Mjpeg => return None,
        };
        Some(planes)
    }

    /// Bytes of a tightly packed frame of this size; `None` for compressed formats.
    pub fn frame_size(self, width: u32, height: u32) -> Option<usize> {
        let layout = self.tight_layout(width, height)?;
        layout.last().map(|p| p.offset + p.stride * p.rows)
    }
}

/// Where one plane lives inside a frame's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaneLayout {
    /// Byte offset of the plane's first row.
    pub offset: usize,
    /// Bytes from one row to the next.
    pub stride: usize,
    /// Number of rows.
    pub rows: usize,
}

impl PlaneLayout {
    /// A plane at byte `offset` of its buffer, `rows` rows `stride` bytes apart.
    pub const fn new(offset: usize, stride: usize, rows: usize) -> Self {
        PlaneLayout {
            offset,
            stride,
            rows,
        }
    }
}

/// A rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// One video frame. Cloning is cheap: the pixels are shared by `Arc`, never copied.
#[derive(Debug, Clone)]
pub struct VideoFrame {
    format: PixelFormat,
    coded_width: u32,
    coded_height: u32,
    visible_rect: Rect,
    timestamp: i64,
    duration: Option<i64>,
    /// The buffer of each plane, in plane order: clones of one `Arc` for a frame in one
    /// buffer (most frames), different ones for a frame assembled from several.
    buffers: Vec<Arc<[u8]>>,
    planes: Vec<PlaneLayout>,
}

impl VideoFrame {
    /// A frame from a tightly packed buffer of `format` at `width` x `height`.
    /// `timestamp` is in microseconds on the source's monotonic clock.
    ///
    /// For [`PixelFormat::Mjpeg`] the buffer is the whole JPEG image.
    ///
    /// The frame shares `data` as an `Arc<[u8]>`: an `Arc<[u8]>` is kept as it is, while a
    /// `Vec<u8>` is copied into a new allocation (the whole frame, each time). A source of
    /// many frames passes `Arc<[u8]>` buffers and reuses one once [`Arc::get_mut`] shows
    /// that no frame holds it any more.
    pub fn new(
        format: PixelFormat,
        width: u32,
        height: u32,
        data: impl Into<Arc<[u8]>>,
        timestamp: i64,
    ) -> Result<Self> {
        let data = data.into();
        if width == 0 || height == 0 {
            return Err(FrameError::InvalidSize { width, height });
        }
        let planes = match format.tight_layout(width, height) {
            Some(layout) => layout,
            None => vec![PlaneLayout {
                offset: 0,
                stride: data.len(),
                rows: 1,
            }],
        };
        Self::with_layout(format, width, height, data, planes, timestamp)
    }

    /// A frame whose planes have their own offsets and strides (e.g. padded rows from a
    /// device). Every plane must lie inside `data`.
    pub fn with_layout(
        format: PixelFormat,
        width: u32,
        height: u32,
        data: impl Into<Arc<[u8]>>,
        planes: Vec<PlaneLayout>,
        timestamp: i64,
    ) -> Result<Self> {
        let data = data.into();
        let planes = planes.into_iter().map(|p| (Arc::clone(&data), p)).collect();
        Self::with_plane_buffers(format, width, height, planes, timestamp)
    }

    /// A frame whose planes live in buffers of their own: each plane is a buffer and where
    /// the plane lies in it. Planes may share a buffer or not. This is how a frame reuses
    /// another's plane without copying it: [`convert`](crate::convert) from NV12 to I420
    /// keeps the source's luma plane and writes only the chroma.
    ///
    /// ```
    /// use mediacapture_frame::{PixelFormat, PlaneLayout, VideoFrame};
    /// use std::sync::Arc;
    /// // A 4x2 I420 frame: luma in one buffer, both chroma planes (2x1 each) in another.
    /// let luma: Arc<[u8]> = vec![16u8; 8].into();
    /// let chroma: Arc<[u8]> = vec![128u8; 4].into();
    /// let frame = VideoFrame::with_plane_buffers(
    ///     PixelFormat::I420,
    ///     4,
    ///     2,
    ///     vec![
    ///         (luma.clone(), PlaneLayout::new(0, 4, 2)),
    ///         (chroma.clone(), PlaneLayout::new(0, 2, 1)),
    ///         (chroma, PlaneLayout::new(2, 2, 1)),
    ///     ],
    ///     0,
    /// )?;
    /// assert!(Arc::ptr_eq(frame.buffer(0).unwrap(), &luma));
    /// assert_eq!(frame.byte_len(), 12);
    /// assert_eq!(frame.to_packed_vec(), [&[16u8; 8][..], &[128; 4]].concat());
    /// # Ok::<(), mediacapture_frame::FrameError>(())
    /// ```
    pub fn with_plane_buffers(
        format: PixelFormat,
        width: u32,
        height: u32,
        planes: Vec<(Arc<[u8]>, PlaneLayout)>,
        timestamp: i64,
    ) -> Result<Self> {
        if width == 0 || height == 0 {
            return Err(FrameError::InvalidSize { width, height });
        }
        if planes.len() != format.plane_count() {
            return Err(FrameError::Layout(format!(
                "{format:?} has {} planes, {} given",
                format.plane_count(),
                planes.len()
            )));
        }
        if let Some(min) = format.tight_layout(width, height) {
            for (i, ((_, p), m)) in planes.iter().zip(&min).enumerate() {
                if p.stride < m.stride || p.rows < m.rows {
                    return Err(FrameError::Layout(format!(
                        "plane {i}: stride {} x rows {} is smaller than {} x {}",
                        p.stride, p.rows, m.stride, m.rows
                    )));
                }
            }
        }
        for (i, (data, p)) in planes.iter().enumerate() {
            let end = p.offset.checked_add(p.stride.saturating_mul(p.rows));
            if end.is_none_or(|e| e > data.len()) {
                return Err(FrameError::Layout(format!(
                    "plane {i} ends past its buffer ({} bytes)",
                    data.len()
                )));
            }
        }
        let (buffers, planes) = planes.into_iter().unzip();
        Ok(VideoFrame {
            format,
            coded_width: width,
            coded_height: height,
            visible_rect: Rect {
                x: 0,
                y: 0,
                width,
                height,
            },
            timestamp,
            duration: None,
            buffers,
            planes,
        })
    }

    /// A tightly packed frame built without checks: `data` must hold the tight layout of
    /// `format` at `width` x `height` (the crate's own constructors guarantee it).
    pub(crate) fn tight_unchecked(
        format: PixelFormat,
        width: u32,
        height: u32,
        data: Arc<[u8]>,
        timestamp: i64,
    ) -> Self {
        let planes = format.tight_layout(width, height).unwrap_or_else(|| {
            vec![PlaneLayout {
                offset: 0,
                stride: data.len(),
                rows: 1,
            }]
        });
        VideoFrame {
            format,
            coded_width: width,
            coded_height: height,
            visible_rect: Rect {
                x: 0,
                y: 0,
                width,
                height,
            },
            timestamp,
            duration: None,
            buffers: vec![data; planes.len()],
            planes,
        }
    }

    /// The same pixels with another visible rect (a crop without copying). The rect must lie
    /// inside the coded size.
    pub fn with_visible_rect(mut self, rect: Rect) -> Result<Self> {
        if rect.width == 0
            || rect.height == 0
            || rect.x.saturating_add(rect.width) > self.coded_width
            || rect.y.saturating_add(rect.height) > self.coded_height
        {
            return Err(FrameError::Layout(format!(
                "visible rect {rect:?} outside {}x{}",
                self.coded_width, self.coded_height
            )));
        }
        self.visible_rect = rect;
        Ok(self)
    }

    /// The same frame with a duration in microseconds.
    pub fn with_duration(mut self, duration: Option<i64>) -> Self {
        self.duration = duration;
        self
    }

    /// The same frame with another timestamp (microseconds).
    pub fn with_timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = timestamp;
        self
    }

    /// The pixel format.
    pub fn format(&self) -> PixelFormat {
        self.format
    }
    /// Width of the buffer in pixels.
    pub fn coded_width(&self) -> u32 {
        self.coded_width
    }
    /// Height of the buffer in pixels.
    pub fn coded_height(&self) -> u32 {
        self.coded_height
    }
    /// The part of the buffer that is the picture.
    pub fn visible_rect(&self) -> Rect {
        self.visible_rect
    }
    /// Width of the picture (the visible rect).
    pub fn display_width(&self) -> u32 {
        self.visible_rect.width
    }
    /// Height of the picture (the visible rect).
    pub fn display_height(&self) -> u32 {
        self.visible_rect.height
    }
    /// Capture time in microseconds on the source's monotonic clock.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }
    /// Duration in microseconds, when known.
    pub fn duration(&self) -> Option<i64> {
        self.duration
    }
    /// The layout of each plane.
    pub fn planes(&self) -> &[PlaneLayout] {
        &self.planes
    }
    /// The bytes of plane `i`, from its first row to the end of its last row.
    pub fn plane(&self, i: usize) -> &[u8] {
        let (Some(p), Some(data)) = (self.planes.get(i), self.buffers.get(i)) else {
            return &[];
        };
        // Inside the buffer: every constructor checked it.
        data.get(p.offset..p.offset + p.stride * p.rows)
            .unwrap_or(&[])
    }
    /// The stride of plane `i` in bytes (0 for a plane that does not exist).
    pub fn stride(&self, i: usize) -> usize {
        self.planes.get(i).map_or(0, |p| p.stride)
    }
    /// The shared buffer that holds plane `i` (`None` for a plane that does not exist). For
    /// most frames every plane is in one buffer, `buffer(0)`; a frame made with
    /// [`VideoFrame::with_plane_buffers`] can have one per plane.
    pub fn buffer(&self, i: usize) -> Option<&Arc<[u8]>> {
        self.buffers.get(i)
    }
    /// The bytes of the distinct buffers this frame holds (what keeping it costs), each
    /// counted once however many planes share it.
    pub fn byte_len(&self) -> usize {
        let mut total = 0;
        for (i, b) in self.buffers.iter().enumerate() {
            if !self.buffers[..i].iter().any(|o| Arc::ptr_eq(o, b)) {
                total += b.len();
            }
        }
        total
    }
    /// The coded picture's planes packed one after another with no padding, in a new
    /// `Vec`: the layout of [`PixelFormat::tight_layout`] at the coded size, whatever this
    /// frame's strides and buffers (for MJPEG, the JPEG bytes).
    pub fn to_packed_vec(&self) -> Vec<u8> {
        let Some(tight) = self
            .format
            .tight_layout(self.coded_width, self.coded_height)
        else {
            return self.plane(0).to_vec();
        };
        let mut out = Vec::with_capacity(tight.iter().map(|p| p.stride * p.rows).sum());
        for (i, t) in tight.iter().enumerate() {
            let stride = self.stride(i);
            for row in self.plane(i).chunks(stride.max(1)).take(t.rows) {
                out.extend_from_slice(&row[..t.stride.min(row.len())]);
            }
        }
        out
    }
    /// The visible rectangle of an I420 frame as what an encoder takes: its three planes,
    /// each sliced from the rectangle's top-left sample to the end of the plane, with the
    /// planes' strides. `None` for other formats and for a rectangle at odd offsets (whose
    /// chroma does not start on a sample: convert such a frame first).
    pub fn i420_visible_planes(&self) -> Option<([&[u8]; 3], [usize; 3])> {
        let r = self.visible_rect;
        if self.format != PixelFormat::I420 || r.x % 2 != 0 || r.y % 2 != 0 {
            return None;
        }
        let strides = [self.stride(0), self.stride(1), self.stride(2)];
        let offs = [
            r.y as usize * strides[0] + r.x as usize,
            (r.y / 2) as usize * strides[1] + (r.x / 2) as usize,
            (r.y / 2) as usize * strides[2] + (r.x / 2) as usize,
        ];
        let planes = [
            self.plane(0).get(offs[0]..).unwrap_or(&[]),
            self.plane(1).get(offs[1]..).unwrap_or(&[]),
            self.plane(2).get(offs[2]..).unwrap_or(&[]),
        ];
        Some((planes, strides))
    }
}
