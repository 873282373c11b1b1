//! PipeWire cameras: `Video/Source` nodes (what WirePlumber makes of V4L2 and libcamera
//! cameras, and virtual cameras such as GStreamer's `pipewiresink`).
//!
//! The mapping from a node's properties and `EnumFormat` params to native modes is a pure
//! function over plain data ([`NodeAnswers`] → [`native_modes`] / [`descriptor`]), always
//! built and tested. The device side (talking to the PipeWire daemon, streams, hot-plug) needs
//! the `pipewire` cargo feature and libpipewire-0.3.
//!
//! Mapping rules (the V4L2 ones, [`crate::v4l2`], applied to PipeWire's format params):
//! - Formats: raw `NV12`, `I420`, `YUY2` and `BGRx` (delivered as BGRA, the alpha byte
//!   ignored), and `mjpg`; others are skipped. At equal size and rate the uncompressed one is
//!   kept, in the order NV12, I420, YUY2, BGRx.
//! - A fixed value or a list of sizes / rates maps one to one; a range of sizes gives its
//!   largest size, the common sizes inside it and its smallest; a range of rates its fastest,
//!   the common rates inside it and its slowest (a lower bound of 0 fps counts as 1 fps).
//! - The raw id is `pipewire:<node.name>` (stable across restarts of the daemon, unlike the
//!   node id); the label is `node.description` (else `node.nick`, else `node.name`); the raw
//!   group id the V4L2 bus (`api.v4l2.cap.bus_info`) or `device.name` when the node has one,
//!   else the node name.
//! - A node PipeWire serves from a V4L2 device (`api.v4l2.path`) that this process can also
//!   open directly is left to the V4L2 backend when that backend is compiled in, so that a
//!   camera is listed once (see [`PipeWireBackend`] for why).
//! - Opening negotiates exactly the chosen format, size and rate. The node going away (camera
//!   unplugged, the virtual camera's program quits) ends the source with `NotFoundError` and
//!   is a device change; the stream failing ends it with `NotReadableError`.

#[cfg(feature = "portal")]
mod camera_portal;
#[cfg(feature = "pipewire")]
mod device;
#[cfg(feature = "portal")]
pub mod portal;
#[cfg(feature = "portal")]
mod portal_backend;
#[cfg(feature = "pipewire")]
mod stream;
#[cfg(feature = "pipewire")]
pub use device::PipeWireBackend;
#[cfg(feature = "portal")]
pub use portal_backend::{MAX_FRAME_RATE as PORTAL_MAX_FRAME_RATE, NOMINAL_SIZE, PortalBackend};

use crate::v4l2::{IntervalKind, SizeKind, fps, rates, sizes};
use crate::{DeviceDescriptor, NativeCapabilities};
use mediacapture_frame::{PixelFormat, PlaneLayout, VideoFrame};
use mediacapture_types::MediaDeviceKind;
use mediacapture_types::native::{VideoCapabilities, VideoMode};
use std::collections::BTreeMap;

/// A video format PipeWire can deliver that we can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaFormat {
    /// Raw `NV12`.
    Nv12,
    /// Raw `I420`.
    I420,
    /// Raw `YUY2` (V4L2's YUYV).
    Yuy2,
    /// Raw `BGRx`: BGRA with an ignored fourth byte.
    Bgrx,
    /// The `mjpg` media subtype.
    Mjpeg,
}

impl SpaFormat {
    /// The frame format delivered, and the rank (lower = preferred at equal size and rate).
    fn pixel_format(self) -> (PixelFormat, u8) {
        match self {
            SpaFormat::Nv12 => (PixelFormat::Nv12, 0),
            SpaFormat::I420 => (PixelFormat::I420, 1),
            SpaFormat::Yuy2 => (PixelFormat::Yuyv, 2),
            SpaFormat::Bgrx => (PixelFormat::Bgra, 3),
            SpaFormat::Mjpeg => (PixelFormat::Mjpeg, 4),
        }
    }
}

/// A value of a format param: fixed, a list, or a range.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice<T> {
    /// One value.
    Fixed(T),
    /// Any of these values.
    List(Vec<T>),
    /// Anything from `min` to `max` (with `step` when given).
    Range {
        /// Smallest.
        min: T,
        /// Largest.
        max: T,
        /// Step, when the range has one.
        step: Option<T>,
    },
}

/// One `EnumFormat` param of a node, as plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatParam {
    /// The formats it offers (unknown ones already left out; empty: none we can use).
    pub formats: Vec<SpaFormat>,
    /// Sizes, `(width, height)`.
    pub sizes: Choice<(u32, u32)>,
    /// Frame rates as fractions `(num, denom)` frames per second.
    pub rates: Choice<(u32, u32)>,
}

/// What PipeWire told about a `Video/Source` node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeAnswers {
    /// The node's global id (changes when it is created again).
    pub id: u32,
    /// Its properties (`node.name`, `node.description`, `api.v4l2.path`, …).
    pub props: BTreeMap<String, String>,
    /// Its `EnumFormat` params.
    pub formats: Vec<FormatParam>,
}

impl NodeAnswers {
    fn prop(&self, key: &str) -> Option<&str> {
        self.props
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The node's name, its stable identity.
    pub fn name(&self) -> Option<&str> {
        self.prop("node.name")
    }
}

/// A native mode with what to ask PipeWire for to get it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NativeMode {
    /// Size and frame rate.
    pub mode: VideoMode,
    /// The frame format delivered.
    pub pixel_format: PixelFormat,
    /// The format to negotiate.
    pub format: SpaFormat,
    /// The frame rate to negotiate, `(num, denom)`.
    pub rate: (u32, u32),
}

/// The sizes of a size choice, in the V4L2 mapping's order.
fn size_list(c: &Choice<(u32, u32)>) -> Vec<(u32, u32)> {
    match c {
        Choice::Fixed(s) => vec![*s],
        Choice::List(l) => {
            let mut out: Vec<(u32, u32)> = Vec::new();
            for s in l {
                if s.0 > 0 && s.1 > 0 && !out.contains(s) {
                    out.push(*s);
                }
            }
            out
        }
        Choice::Range { min, max, step } => {
            let (sw, sh) = step.unwrap_or((1, 1));
            sizes(&SizeKind::Stepwise {
                min_width: min.0.max(1),
                max_width: max.0,
                step_width: sw,
                min_height: min.1.max(1),
                max_height: max.1,
                step_height: sh,
            })
        }
    }
}

/// The frame rates of a rate choice with the fraction to ask for each.
fn rate_list(c: &Choice<(u32, u32)>) -> Vec<(f64, (u32, u32))> {
    // A rate num/den fps is an interval of den/num seconds.
    let exact = |&(num, den): &(u32, u32)| fps([den, num]).map(|r| (r, (num, den)));
    match c {
        Choice::Fixed(r) => exact(r).into_iter().collect(),
        Choice::List(l) => {
            let mut out: Vec<(f64, (u32, u32))> = Vec::new();
            for r in l.iter().filter_map(exact) {
                if !out.iter().any(|o| (o.0 - r.0).abs() < 1e-6) {
                    out.push(r);
                }
            }
            out
        }
        Choice::Range { min, max, .. } => {
            let slow = if min.0 == 0 { (1, 1) } else { *min };
            let listed = rates(&[IntervalKind::Stepwise {
                min: [max.1, max.0],
                max: [slow.1, slow.0],
                step: [1, 1],
            }]);
            listed
                .into_iter()
                .map(|r| {
                    let frac = if r == max.0 as f64 / max.1.max(1) as f64 {
                        *max
                    } else if r == slow.0 as f64 / slow.1.max(1) as f64 {
                        slow
                    } else {
                        ((r * 1000.0).round() as u32, 1000)
                    };
                    (r, frac)
                })
                .collect()
        }
    }
}

/// The native modes of a node, from its format params (see the module docs for the rules).
pub fn native_modes(answers: &NodeAnswers) -> Vec<NativeMode> {
    let mut out: Vec<(NativeMode, u8)> = Vec::new();
    for p in &answers.formats {
        let rates = rate_list(&p.rates);
        let sizes = size_list(&p.sizes);
        for &format in &p.formats {
            let (pixel_format, rank) = format.pixel_format();
            for &(width, height) in &sizes {
                for &(frame_rate, rate) in &rates {
                    let m = NativeMode {
                        mode: VideoMode {
                            width,
                            height,
                            frame_rate,
                        },
                        pixel_format,
                        format,
                        rate,
                    };
                    match out.iter_mut().find(|(o, _)| {
                        o.mode.width == width
                            && o.mode.height == height
                            && (o.mode.frame_rate - frame_rate).abs() < 1e-6
                    }) {
                        Some(existing) if rank < existing.1 => *existing = (m, rank),
                        Some(_) => {}
                        None => out.push((m, rank)),
                    }
                }
            }
        }
    }
    out.into_iter().map(|(m, _)| m).collect()
}

/// The raw id of a node with this name.
pub fn raw_id(node_name: &str) -> String {
    format!("pipewire:{node_name}")
}

/// The descriptor of a node, or `None` when it is not a usable camera (not a `Video/Source`,
/// no name, or no mode in a format we can deliver).
pub fn descriptor(answers: &NodeAnswers) -> Option<DeviceDescriptor> {
    if answers.prop("media.class") != Some("Video/Source") {
        return None;
    }
    let name = answers.name()?;
    let modes = native_modes(answers);
    if modes.is_empty() {
        return None;
    }
    let label = answers
        .prop("node.description")
        .or_else(|| answers.prop("node.nick"))
        .unwrap_or(name);
    let group = answers
        .prop("api.v4l2.cap.bus_info")
        .or_else(|| answers.prop("device.name"))
        .unwrap_or(name);
    Some(DeviceDescriptor {
        raw_id: raw_id(name),
        raw_group_id: format!("pipewire:{group}"),
        kind: MediaDeviceKind::VideoInput,
        label: label.to_owned(),
        is_default: false,
        capabilities: NativeCapabilities::Video(VideoCapabilities {
            modes: modes.iter().map(|m| m.mode).collect(),
            // PipeWire's `api.libcamera.location` says front/back for some cameras; V4L2
            // nodes say nothing, and neither does a virtual camera.
            facing_mode: match answers.prop("api.libcamera.location") {
                Some("front") => Some(mediacapture_types::VideoFacingModeEnum::User),
                Some("back") => Some(mediacapture_types::VideoFacingModeEnum::Environment),
                _ => None,
            },
        }),
    })
}

/// The plane layout of a buffer of `format` at `width` x `height` whose first plane's rows
/// are `stride` bytes apart (chroma planes of planar formats at half that, as GStreamer and
/// libcamera lay them out), or `None` when the buffer is tightly packed (or compressed).
pub fn plane_layout(
    format: PixelFormat,
    width: u32,
    height: u32,
    stride: usize,
) -> Option<Vec<PlaneLayout>> {
    let tight = format.tight_layout(width, height)?;
    if stride <= tight[0].stride {
        return None;
    }
    let h = height as usize;
    let ch = height.div_ceil(2) as usize;
    Some(match format {
        PixelFormat::Nv12 | PixelFormat::Nv21 => vec![
            PlaneLayout {
                offset: 0,
                stride,
                rows: h,
            },
            PlaneLayout {
                offset: stride * h,
                stride,
                rows: ch,
            },
        ],
        PixelFormat::I420 => {
            let cs = stride.div_ceil(2);
            vec![
                PlaneLayout {
                    offset: 0,
                    stride,
                    rows: h,
                },
                PlaneLayout {
                    offset: stride * h,
                    stride: cs,
                    rows: ch,
                },
                PlaneLayout {
                    offset: stride * h + cs * ch,
                    stride: cs,
                    rows: ch,
                },
            ]
        }
        _ => vec![PlaneLayout {
            offset: 0,
            stride,
            rows: h,
        }],
    })
}

/// A frame from one buffer of `m`'s format whose rows are `stride` bytes apart (0: tight).
pub fn frame(m: &NativeMode, stride: usize, data: &[u8], ts: i64) -> Result<VideoFrame, String> {
    let (w, h) = (m.mode.width, m.mode.height);
    match plane_layout(m.pixel_format, w, h, stride) {
        Some(planes) => VideoFrame::with_layout(m.pixel_format, w, h, data, planes, ts),
        None => VideoFrame::new(m.pixel_format, w, h, data, ts),
    }
    .map_err(|e| e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests;
