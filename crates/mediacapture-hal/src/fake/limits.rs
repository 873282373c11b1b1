//! What a fake device may claim: ranges no real capture hardware leaves, so that a profile
//! cannot make the backend allocate absurd buffers (a 10 ms block at 4294967295 Hz is half a
//! gigabyte) or pace itself absurdly (a frame every 10^300 seconds). JSON profiles are checked
//! member by member as they are parsed; devices built in code are checked when added
//! ([`FakeBackend::add_device`](super::FakeBackend::add_device)).

use super::profile::{DeviceSpec, FakeDeviceKind};
use mediacapture_frame::PixelFormat;
use mediacapture_types::{Error, Result};
use std::ops::RangeInclusive;

/// Sample rates in Hz: telephony's 8 kHz to the 384 kHz of the fastest audio converters
/// sold.
pub const SAMPLE_RATE: RangeInclusive<u32> = 8_000..=384_000;
/// Channel counts: mono to 32 (large USB audio interfaces; Chromium caps at 32 too).
pub const CHANNEL_COUNT: RangeInclusive<u32> = 1..=32;
/// Linear sample sizes in bits: 8 (old cards) to 32 (float or 32-bit converters).
pub const SAMPLE_SIZE: RangeInclusive<u32> = 8..=32;
/// Latency in seconds: none to 10 s (far beyond any device buffer).
pub const LATENCY: RangeInclusive<f64> = 0.0..=10.0;
/// Frames per second: 1 (time-lapse and document cameras) to 1000 (high-speed cameras).
pub const FRAME_RATE: RangeInclusive<f64> = 1.0..=1000.0;
/// Width or height in pixels: up to 8192 (8K sensors and screens).
pub const SIDE: RangeInclusive<u32> = 1..=8192;
/// Bytes of one uncompressed frame: an 8192x4320 screen in BGRA (about 135 MiB), the
/// largest real capture; an 8192x8192 BGRA frame (256 MiB) is refused.
pub const FRAME_BYTES: u64 = 8192 * 4320 * 4;

/// Refuses a `width` x `height` frame in `format` larger than [`FRAME_BYTES`].
pub(crate) fn check_frame_bytes(
    width: u32,
    height: u32,
    format: PixelFormat,
    path: &str,
) -> Result<()> {
    // MJPEG frames are drawn in BGRA before they are encoded.
    let bytes_per_pixel = match format {
        PixelFormat::I420 | PixelFormat::Nv12 => 1.5,
        PixelFormat::Yuyv => 2.0,
        _ => 4.0,
    };
    let bytes = f64::from(width) * f64::from(height) * bytes_per_pixel;
    if bytes > FRAME_BYTES as f64 {
        return Err(Error::type_error(format!(
            "fake device: `{path}`: a {width}x{height} {format:?} frame is {} MiB, more than \
             the {} MiB of the largest real capture",
            (bytes / 1_048_576.0).round(),
            FRAME_BYTES / 1_048_576
        )));
    }
    Ok(())
}

/// Checks a device against the limits; the error names `path` and the member, e.g.
/// `devices[0].sampleRate`.
pub(crate) fn check_device(d: &DeviceSpec, path: &str) -> Result<()> {
    fn all<T: PartialOrd + std::fmt::Display + Copy>(
        values: &[T],
        range: &RangeInclusive<T>,
        path: &str,
        member: &str,
    ) -> Result<()> {
        match values.iter().find(|v| !range.contains(*v)) {
            Some(v) => Err(Error::type_error(format!(
                "fake device: `{path}.{member}`: {v} is not in {}..={}",
                range.start(),
                range.end()
            ))),
            None if values.is_empty() => Err(Error::type_error(format!(
                "fake device: `{path}.{member}`: must not be empty"
            ))),
            None => Ok(()),
        }
    }
    match d.kind {
        FakeDeviceKind::VideoInput => {
            for (i, m) in d.modes.iter().enumerate() {
                let p = format!("{path}.modes[{i}]");
                all(&[m.width], &SIDE, &p, "width")?;
                all(&[m.height], &SIDE, &p, "height")?;
                all(&[m.frame_rate], &FRAME_RATE, &p, "frameRate")?;
                check_frame_bytes(m.width, m.height, m.pixel_format, &p)?;
            }
        }
        FakeDeviceKind::AudioInput | FakeDeviceKind::SystemAudio => {
            all(&d.sample_rates, &SAMPLE_RATE, path, "sampleRate")?;
            all(&d.channel_counts, &CHANNEL_COUNT, path, "channelCount")?;
            all(&d.sample_sizes, &SAMPLE_SIZE, path, "sampleSize")?;
            all(&[d.latency.0, d.latency.1], &LATENCY, path, "latency")?;
        }
        FakeDeviceKind::Screen => {
            all(&[d.width], &SIDE, path, "width")?;
            all(&[d.height], &SIDE, path, "height")?;
            all(&[d.frame_rate], &FRAME_RATE, path, "frameRate")?;
            check_frame_bytes(d.width, d.height, d.screen_pixel_format, path)?;
        }
        FakeDeviceKind::AudioOutput => {}
    }
    Ok(())
}
