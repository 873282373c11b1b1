//! Runs one frame operation on a 1920x1080 input N times and prints the CPU time of this
//! thread per frame in nanoseconds, for `scripts/bench-frames.sh`, which runs libyuv,
//! swscale and libjpeg-turbo on the same inputs the same way (`scripts/bench-frames.c`).
//!
//! `frame_throughput CASE DIR N [LEVEL]`
//!
//! * CASE: `yuyv_to_i420`, `uyvy_to_i420`, `nv12_to_i420`, `nv21_to_i420`, `rgb24_to_i420`,
//!   `bgra_to_i420`, `i420_to_rgba`, `i420_to_bgra`, `scale_i420_to_720p`, `scale_i420_to_360p`,
//!   `scale_i420_to_180p`, `mjpeg_to_i420`.
//! * DIR: the raw inputs (`in_yuyv.raw`, `in_i420.raw`, `in_mjpeg.jpg`, ...).
//! * LEVEL: the highest SIMD level to use: `best` (default), `avx2`, `sse41` or
//!   `scalar` ([`mediacapture_frame::SimdLevel`]); capped to what this CPU has.
//!
//! The CPU time is `CLOCK_THREAD_CPUTIME_ID` around N frames, after 5 warm-up frames: other
//! jobs on a shared machine stretch wall time, not CPU time.

use mediacapture_frame::{
    PixelFormat, SimdLevel, VideoAdapter, VideoAdapterConfig, VideoFrame, convert_with_level,
};
use rustix::time::{ClockId, clock_gettime};
use std::hint::black_box;

const W: u32 = 1920;
const H: u32 = 1080;

fn thread_cpu_ns() -> f64 {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    t.tv_sec as f64 * 1e9 + t.tv_nsec as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: frame_throughput CASE DIR N [LEVEL]";
    let mut args = std::env::args().skip(1);
    let case = args.next().ok_or(usage)?;
    let dir = std::path::PathBuf::from(args.next().ok_or(usage)?);
    let n: usize = args.next().ok_or(usage)?.parse()?;
    let level = match args.next().as_deref() {
        None | Some("best") => SimdLevel::detect(),
        Some("avx2") => SimdLevel::Avx2,
        Some("sse41") => SimdLevel::Sse41,
        Some("scalar") => SimdLevel::Scalar,
        Some(other) => return Err(format!("unknown level {other}").into()),
    };
    let (file, format, to) = match case.as_str() {
        "yuyv_to_i420" => ("in_yuyv.raw", PixelFormat::Yuyv, PixelFormat::I420),
        "uyvy_to_i420" => ("in_uyvy.raw", PixelFormat::Uyvy, PixelFormat::I420),
        "nv12_to_i420" => ("in_nv12.raw", PixelFormat::Nv12, PixelFormat::I420),
        "nv21_to_i420" => ("in_nv21.raw", PixelFormat::Nv21, PixelFormat::I420),
        "rgb24_to_i420" => ("in_rgb24.raw", PixelFormat::Rgb24, PixelFormat::I420),
        "bgra_to_i420" => ("in_bgra.raw", PixelFormat::Bgra, PixelFormat::I420),
        "i420_to_rgba" => ("in_i420.raw", PixelFormat::I420, PixelFormat::Rgba),
        "i420_to_bgra" => ("in_i420.raw", PixelFormat::I420, PixelFormat::Bgra),
        "scale_i420_to_720p" | "scale_i420_to_360p" | "scale_i420_to_180p" => {
            ("in_i420.raw", PixelFormat::I420, PixelFormat::I420)
        }
        "mjpeg_to_i420" => ("in_mjpeg.jpg", PixelFormat::Mjpeg, PixelFormat::I420),
        other => return Err(format!("unknown case {other}").into()),
    };
    let input = VideoFrame::new(format, W, H, std::fs::read(dir.join(file))?, 0)?;
    // The output height of a scale case (3:2, 3:1, 6:1: the four-track pipeline's sizes).
    let scale_to = case
        .strip_prefix("scale_i420_to_")
        .and_then(|h| h.strip_suffix('p'))
        .map(str::parse::<u32>)
        .transpose()?;
    let scale = scale_to.is_some();
    let height = scale_to.unwrap_or(720);
    // The adapter keeps its scaler (and buffers) between frames, as a track does.
    let mut adapter = VideoAdapter::new(VideoAdapterConfig {
        width: height * 16 / 9,
        height,
        frame_rate: 0.0,
    });
    let mut start = 0.0;
    for i in 0..n + 5 {
        if i == 5 {
            start = thread_cpu_ns();
        }
        let out = if scale {
            adapter.adapt(black_box(&input))?.ok_or("dropped")?
        } else {
            convert_with_level(black_box(&input), to, level)?
        };
        black_box(out);
    }
    let ns = (thread_cpu_ns() - start) / n.max(1) as f64;
    println!("{ns:.0}");
    Ok(())
}
