//! The CPU time of the frame operations a camera's frame goes through, with the frame in the
//! cache ("hot", as `frame_throughput` and `scripts/bench-frames.sh` measure: the same frame
//! again and again) and with the cache emptied before each operation ("cold", as a camera's
//! frame arrives: written to memory by the device, or drawn a while ago). The operations:
//! YUYV, NV12 and BGRA 1920x1080 -> I420 (camera and screen formats), and I420 1920x1080 ->
//! 1280x720, 640x360 and 320x180 (the four-track pipeline's scales). Prints the median and
//! 90th percentile of one operation in milliseconds.
//!
//! `cold_frames [N]` (default 200 of each)
//!
//! The cache is emptied by writing one byte per cache line of a 64 MiB buffer, outside the
//! timed span; the time is `CLOCK_THREAD_CPUTIME_ID` around one operation, so that other
//! jobs on a shared machine do not stretch it.

use mediacapture_frame::{PixelFormat, VideoFrame, convert, crop_and_scale};
use rustix::time::{ClockId, clock_gettime};
use std::hint::black_box;

fn thread_cpu_ms() -> f64 {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}

/// A 1920x1080 frame of `format` whose bytes have detail (not a flat picture), so that no
/// branch or value pattern is special.
fn frame(
    format: PixelFormat,
    bytes_per_pixel_x2: usize,
) -> Result<VideoFrame, Box<dyn std::error::Error>> {
    let (w, h) = (1920u32, 1080u32);
    let len = w as usize * h as usize * bytes_per_pixel_x2 / 2;
    let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    Ok(VideoFrame::new(format, w, h, data, 0)?)
}

/// A case: its name, the input, and the size to scale to (`None`: convert to I420).
type Case = (&'static str, VideoFrame, Option<(u32, u32)>);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(v) => v.parse()?,
        None => 200,
    };
    let i420 = frame(PixelFormat::I420, 3)?;
    let cases: Vec<Case> = vec![
        ("YUYV -> I420", frame(PixelFormat::Yuyv, 4)?, None),
        ("NV12 -> I420", frame(PixelFormat::Nv12, 3)?, None),
        ("BGRA -> I420", frame(PixelFormat::Bgra, 8)?, None),
        ("I420 1080p -> 720p", i420.clone(), Some((1280, 720))),
        ("I420 1080p -> 360p", i420.clone(), Some((640, 360))),
        ("I420 1080p -> 180p", i420, Some((320, 180))),
    ];
    let mut evict = vec![1u8; 64 << 20];
    for (name, src, size) in &cases {
        for cold in [false, true] {
            let mut times = Vec::with_capacity(n);
            for i in 0..n.max(1) {
                if cold {
                    for b in evict.iter_mut().step_by(64) {
                        *b = b.wrapping_add(i as u8);
                    }
                    black_box(&evict);
                }
                let t0 = thread_cpu_ms();
                let out = match size {
                    Some((w, h)) => crop_and_scale(src, *w, *h)?,
                    None => convert(src, PixelFormat::I420)?,
                };
                times.push(thread_cpu_ms() - t0);
                black_box(out);
            }
            times.sort_by(f64::total_cmp);
            let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
            println!(
                "{name:<20} {}: median {:.3} ms, p90 {:.3} ms",
                if cold { "cold" } else { "hot " },
                at(0.5),
                at(0.9)
            );
        }
    }
    Ok(())
}
