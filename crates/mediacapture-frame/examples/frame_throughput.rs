//! Runs one frame operation N times on a 1920x1080 frame, for `scripts/bench-frames.sh`,
//! which times the process's CPU use (as it does ffmpeg's) and subtracts an N = 0 run.
//!
//! `cargo run --release -p mediacapture-frame --example frame_throughput -- yuyv_to_i420 200`
//! Cases: yuyv_to_i420, nv12_to_i420, i420_to_rgba, scale_i420_to_720p.

use mediacapture_frame::{
    FrameError, PixelFormat, VideoAdapter, VideoAdapterConfig, VideoFrame, convert,
};
use std::hint::black_box;

fn source_i420() -> Result<VideoFrame, FrameError> {
    let (w, h) = (1920usize, 1080usize);
    let mut buf = Vec::with_capacity(w * h * 3 / 2);
    for y in 0..h {
        for x in 0..w {
            buf.push(((16 + x * 219 / w) ^ (y & 7)) as u8);
        }
    }
    for i in 0..w * h / 2 {
        buf.push((16 + i % 224) as u8);
    }
    VideoFrame::new(PixelFormat::I420, w as u32, h as u32, buf, 0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let case = args.next().ok_or("usage: frame_throughput CASE N")?;
    let n: usize = args
        .next()
        .ok_or("usage: frame_throughput CASE N")?
        .parse()?;
    let i420 = source_i420()?;
    let input = match case.as_str() {
        "yuyv_to_i420" => convert(&i420, PixelFormat::Yuyv)?,
        "nv12_to_i420" => convert(&i420, PixelFormat::Nv12)?,
        "i420_to_rgba" | "scale_i420_to_720p" => i420,
        other => return Err(format!("unknown case {other}").into()),
    };
    let mut adapter = VideoAdapter::new(VideoAdapterConfig {
        width: 1280,
        height: 720,
        frame_rate: 0.0,
    });
    for _ in 0..n {
        let out = match case.as_str() {
            "yuyv_to_i420" | "nv12_to_i420" => convert(black_box(&input), PixelFormat::I420)?,
            "i420_to_rgba" => convert(black_box(&input), PixelFormat::Rgba)?,
            _ => adapter.adapt(black_box(&input))?.ok_or("dropped")?,
        };
        black_box(out);
    }
    Ok(())
}
