//! Frame throughput at 1920x1080: YUYV -> I420, NV12 -> I420, I420 -> RGBA, and the
//! I420 1920x1080 -> 1280x720 scale a `crop-and-scale` track does. One frame per iteration,
//! on one thread: criterion's `elem/s` is frames per second per core.
//!
//! `scripts/bench-frames.sh` runs this next to ffmpeg's swscale and prints the comparison.
#![allow(clippy::unwrap_used, reason = "benchmark setup")]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mediacapture_frame::{
    PixelFormat, VideoAdapter, VideoAdapterConfig, VideoFrame, convert, crop_and_scale,
};
use std::hint::black_box;
use std::time::Duration;

const W: u32 = 1920;
const H: u32 = 1080;

/// A 1080p I420 frame with gradients and some texture (content does not change the cost of
/// these kernels, which have no data-dependent branches).
fn source_i420() -> VideoFrame {
    let (w, h) = (W as usize, H as usize);
    let (cw, ch) = (w / 2, h / 2);
    let mut buf = Vec::with_capacity(w * h * 3 / 2);
    for y in 0..h {
        for x in 0..w {
            buf.push(((16 + x * 219 / w) ^ (y & 7)) as u8);
        }
    }
    for y in 0..ch {
        for x in 0..cw {
            buf.push((16 + (x + y) * 224 / (cw + ch)) as u8);
        }
    }
    for y in 0..ch {
        for x in 0..cw {
            buf.push((240 - (x * 224 / cw) + (y & 3)) as u8);
        }
    }
    VideoFrame::new(PixelFormat::I420, W, H, buf, 0).unwrap()
}

fn frames(c: &mut Criterion) {
    let i420 = source_i420();
    let yuyv = convert(&i420, PixelFormat::Yuyv).unwrap();
    let nv12 = convert(&i420, PixelFormat::Nv12).unwrap();
    let mut group = c.benchmark_group("frames_1080p");
    group.throughput(Throughput::Elements(1));
    group.bench_function("yuyv_to_i420", |b| {
        b.iter(|| convert(black_box(&yuyv), PixelFormat::I420).unwrap())
    });
    group.bench_function("nv12_to_i420", |b| {
        b.iter(|| convert(black_box(&nv12), PixelFormat::I420).unwrap())
    });
    group.bench_function("i420_to_rgba", |b| {
        b.iter(|| convert(black_box(&i420), PixelFormat::Rgba).unwrap())
    });
    // The adapter keeps its scaler (and buffers) between frames, as a track does.
    let mut adapter = VideoAdapter::new(VideoAdapterConfig {
        width: 1280,
        height: 720,
        frame_rate: 0.0,
    });
    group.bench_function("scale_i420_to_720p", |b| {
        b.iter(|| adapter.adapt(black_box(&i420)).unwrap())
    });
    group.bench_function("scale_i420_to_720p_fresh_scaler", |b| {
        b.iter(|| crop_and_scale(black_box(&i420), 1280, 720).unwrap())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = frames
}
criterion_main!(benches);
