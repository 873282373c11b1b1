//! Video4Linux2 cameras.
//!
//! The mapping from a device's answers to `VIDIOC_QUERYCAP`, `VIDIOC_ENUM_FMT`,
//! `VIDIOC_ENUM_FRAMESIZES` and `VIDIOC_ENUM_FRAMEINTERVALS` to native modes is a pure
//! function over plain data ([`DeviceAnswers`] → [`native_modes`] / [`descriptor`]), always
//! built and tested on recorded answers. The device side (enumerating `/dev/video*`, hot-plug,
//! mmap streaming) needs the `v4l2` cargo feature.
//!
//! Mapping rules (Chromium's V4L2 capturer is the model):
//! - Only single-planar video capture nodes count; metadata nodes (UVC exposes one per
//!   camera) and output or multi-planar nodes are skipped.
//! - Pixel formats: `NV12`, `YU12` (I420), `YUYV` and `MJPG`; others (H264, …) are skipped.
//!   When two formats give the same size and frame rate, the uncompressed one is kept (no
//!   decoding), in the order NV12, I420, YUYV.
//! - Discrete sizes and intervals map one to one (frame rate = denominator / numerator,
//!   rounded to 3 decimals).
//!   Stepwise or continuous sizes give their largest size, the common sizes (1920x1080,
//!   1280x720, 640x480, 320x240, …) that fit the steps, and their smallest size; stepwise
//!   intervals give their fastest rate, the common rates in range (60, 30, 25, 24, 20, 15,
//!   10, 5) and their slowest rate.
//! - Modes keep the device's order of formats and sizes.
//! - Hot-plug: the device directory is watched with inotify for `video*` nodes coming,
//!   going or changing permissions (udev creates a node, then sets its owner and mode);
//!   events within 50 ms of each other are one change, and watchers registered with
//!   `watch_devices` are called when the nodes (or whether this process may open them)
//!   changed. Where inotify is unavailable (no inotify, no such directory, the watch limit
//!   reached) a warning is logged and the directory is polled every 500 ms instead.
//! - The raw id is `v4l2:<bus_info>` (stable across reboots and plugging order for USB
//!   cameras); the raw group id is the bus info, the label the card name.

#[cfg(feature = "v4l2")]
mod device;
#[cfg(feature = "v4l2")]
pub use device::V4l2Backend;

use crate::{DeviceDescriptor, NativeCapabilities};
use mediacapture_frame::PixelFormat;
use mediacapture_types::MediaDeviceKind;
use mediacapture_types::native::{VideoCapabilities, VideoMode};
use serde::{Deserialize, Serialize};

/// `V4L2_CAP_VIDEO_CAPTURE`.
pub const CAP_VIDEO_CAPTURE: u32 = 0x0000_0001;
/// `V4L2_CAP_META_CAPTURE`.
pub const CAP_META_CAPTURE: u32 = 0x0080_0000;
/// `V4L2_CAP_STREAMING`.
pub const CAP_STREAMING: u32 = 0x0400_0000;

/// What a device answered to the enumeration ioctls, as plain data (a JSON fixture shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAnswers {
    /// The device node, e.g. `/dev/video0`.
    pub path: String,
    /// `v4l2_capability.driver`, e.g. `uvcvideo`.
    pub driver: String,
    /// `v4l2_capability.card`, e.g. `HD Pro Webcam C920`.
    pub card: String,
    /// `v4l2_capability.bus_info`, e.g. `usb-0000:00:14.0-1`.
    pub bus: String,
    /// `v4l2_capability.device_caps`.
    pub device_caps: u32,
    /// `VIDIOC_ENUM_FMT` answers, with their sizes and intervals.
    pub formats: Vec<FormatAnswer>,
}

/// One `VIDIOC_ENUM_FMT` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormatAnswer {
    /// The FourCC as text, e.g. `"YUYV"`, `"MJPG"`.
    pub fourcc: String,
    /// The driver's description.
    #[serde(default)]
    pub description: String,
    /// `VIDIOC_ENUM_FRAMESIZES` answers.
    pub sizes: Vec<SizeAnswer>,
}

/// One `VIDIOC_ENUM_FRAMESIZES` answer with the `VIDIOC_ENUM_FRAMEINTERVALS` answers for it
/// (for a stepwise size: the answers for its largest size, used for every size taken from
/// it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SizeAnswer {
    /// The size or size range.
    pub size: SizeKind,
    /// The frame intervals.
    pub intervals: Vec<IntervalKind>,
}

/// A frame size answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SizeKind {
    /// `V4L2_FRMSIZE_TYPE_DISCRETE`.
    Discrete {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// `V4L2_FRMSIZE_TYPE_STEPWISE` or `_CONTINUOUS` (steps of 1).
    #[serde(rename_all = "camelCase")]
    Stepwise {
        /// Smallest width.
        min_width: u32,
        /// Largest width.
        max_width: u32,
        /// Width step.
        step_width: u32,
        /// Smallest height.
        min_height: u32,
        /// Largest height.
        max_height: u32,
        /// Height step.
        step_height: u32,
    },
}

/// A frame interval answer; fractions are `[numerator, denominator]` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IntervalKind {
    /// `V4L2_FRMIVAL_TYPE_DISCRETE`.
    Discrete([u32; 2]),
    /// `V4L2_FRMIVAL_TYPE_STEPWISE` or `_CONTINUOUS`.
    Stepwise {
        /// Shortest interval (fastest rate).
        min: [u32; 2],
        /// Longest interval (slowest rate).
        max: [u32; 2],
        /// Step.
        step: [u32; 2],
    },
}

/// A native mode with the format that delivers it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NativeMode {
    /// Size and frame rate.
    pub mode: VideoMode,
    /// The frame format delivered.
    pub pixel_format: PixelFormat,
    /// The V4L2 FourCC to set.
    pub fourcc: [u8; 4],
}

/// `true` for a node that captures video frames (not metadata, not output, not
/// multi-planar) and can stream.
pub fn is_capture_node(device_caps: u32) -> bool {
    device_caps & CAP_VIDEO_CAPTURE != 0 && device_caps & CAP_STREAMING != 0
}

/// The pixel format of a FourCC we can deliver, and its rank (lower = preferred at equal
/// size and rate).
fn format_of(fourcc: &str) -> Option<(PixelFormat, u8)> {
    Some(match fourcc {
        "NV12" => (PixelFormat::Nv12, 0),
        "YU12" => (PixelFormat::I420, 1),
        "YUYV" => (PixelFormat::Yuyv, 2),
        "MJPG" => (PixelFormat::Mjpeg, 3),
        _ => return None,
    })
}

const COMMON_SIZES: [(u32, u32); 8] = [
    (3840, 2160),
    (2560, 1440),
    (1920, 1080),
    (1280, 720),
    (800, 600),
    (640, 480),
    (320, 240),
    (160, 120),
];
const COMMON_RATES: [f64; 8] = [60.0, 30.0, 25.0, 24.0, 20.0, 15.0, 10.0, 5.0];

/// Frames per second of an interval, rounded to 3 decimals: UVC cameras state 30 fps as
/// 333333/10000000 s, which should read as 30 (and 30000/1001 as 29.97) so that constraints
/// like `frameRate: {exact: 30}` behave as they do with the same camera in a browser.
pub(crate) fn fps([num, den]: [u32; 2]) -> Option<f64> {
    (num > 0 && den > 0).then(|| (f64::from(den) / f64::from(num) * 1000.0).round() / 1000.0)
}

pub(crate) fn sizes(s: &SizeKind) -> Vec<(u32, u32)> {
    match *s {
        SizeKind::Discrete { width, height } => vec![(width, height)],
        SizeKind::Stepwise {
            min_width,
            max_width,
            step_width,
            min_height,
            max_height,
            step_height,
        } => {
            if min_width == 0 || min_height == 0 || max_width < min_width || max_height < min_height
            {
                return Vec::new();
            }
            let fits = |v: u32, min: u32, max: u32, step: u32| {
                v >= min && v <= max && (step <= 1 || (v - min) % step == 0)
            };
            let mut out = vec![(max_width, max_height)];
            for &(w, h) in &COMMON_SIZES {
                if fits(w, min_width, max_width, step_width)
                    && fits(h, min_height, max_height, step_height)
                    && !out.contains(&(w, h))
                {
                    out.push((w, h));
                }
            }
            if !out.contains(&(min_width, min_height)) {
                out.push((min_width, min_height));
            }
            out
        }
    }
}

pub(crate) fn rates(intervals: &[IntervalKind]) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    let mut push = |r: f64| {
        if r.is_finite() && r > 0.0 && !out.iter().any(|x| (x - r).abs() < 1e-6) {
            out.push(r);
        }
    };
    for i in intervals {
        match *i {
            IntervalKind::Discrete(f) => {
                if let Some(r) = fps(f) {
                    push(r);
                }
            }
            IntervalKind::Stepwise { min, max, .. } => {
                let (Some(fast), Some(slow)) = (fps(min), fps(max)) else {
                    continue;
                };
                push(fast);
                for &r in &COMMON_RATES {
                    if r < fast && r > slow {
                        push(r);
                    }
                }
                push(slow);
            }
        }
    }
    out
}

/// The native modes of a device, from its answers (see the module docs for the rules).
pub fn native_modes(answers: &DeviceAnswers) -> Vec<NativeMode> {
    let mut out: Vec<(NativeMode, u8)> = Vec::new();
    for f in &answers.formats {
        let Some((pixel_format, rank)) = format_of(&f.fourcc) else {
            continue;
        };
        let Ok(fourcc) = <[u8; 4]>::try_from(f.fourcc.as_bytes()) else {
            continue;
        };
        for s in &f.sizes {
            let rates = rates(&s.intervals);
            for (width, height) in sizes(&s.size) {
                for &frame_rate in &rates {
                    let m = NativeMode {
                        mode: VideoMode {
                            width,
                            height,
                            frame_rate,
                        },
                        pixel_format,
                        fourcc,
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

/// The raw id of a device with these answers.
pub fn raw_id(answers: &DeviceAnswers) -> String {
    if answers.bus.is_empty() {
        format!("v4l2:{}", answers.path)
    } else {
        format!("v4l2:{}", answers.bus)
    }
}

/// The descriptor of a device, or `None` when it is not a usable camera (not a capture
/// node, or no mode in a format we can deliver).
pub fn descriptor(answers: &DeviceAnswers) -> Option<DeviceDescriptor> {
    if !is_capture_node(answers.device_caps) {
        return None;
    }
    let modes = native_modes(answers);
    if modes.is_empty() {
        return None;
    }
    Some(DeviceDescriptor {
        raw_id: raw_id(answers),
        raw_group_id: if answers.bus.is_empty() {
            answers.path.clone()
        } else {
            answers.bus.clone()
        },
        kind: MediaDeviceKind::VideoInput,
        label: answers.card.clone(),
        is_default: false,
        capabilities: NativeCapabilities::Video(VideoCapabilities {
            modes: modes.iter().map(|m| m.mode).collect(),
            // V4L2 does not say which way a camera faces.
            facing_mode: None,
        }),
    })
}
