//! Scales a 1920x1080 I420 frame to 1280x720, 640x360 and 320x180 (the four-track
//! pipeline's sizes) N times each, with the frame in the cache ("hot", as
//! `frame_throughput` and `scripts/bench-frames.sh` measure) and with the cache emptied
//! before every scale ("cold", as a camera's frame arrives: written to memory by the
//! device, or drawn a while ago). Prints the median and 90th percentile CPU time of one
//! scale in milliseconds.
//!
//! `cold_scale [N]` (default 200)
//!
//! The cache is emptied by writing one byte per cache line of a 64 MiB buffer, outside the
//! timed span; the time is `CLOCK_THREAD_CPUTIME_ID` around one scale, so that other jobs on
//! a shared machine do not stretch it.

use mediacapture_frame::{PixelFormat, VideoFrame, crop_and_scale};
use rustix::time::{ClockId, clock_gettime};
use std::hint::black_box;

fn thread_cpu_ms() -> f64 {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(v) => v.parse()?,
        None => 200,
    };
    let (w, h) = (1920u32, 1080u32);
    // A picture with detail (not a flat one), so no branch or value pattern is special.
    let data: Vec<u8> = (0..(w * h * 3 / 2) as usize)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let src = VideoFrame::new(PixelFormat::I420, w, h, data, 0)?;
    let mut evict = vec![1u8; 64 << 20];
    for (name, ow, oh) in [("720p", 1280, 720), ("360p", 640, 360), ("180p", 320, 180)] {
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
                let f = crop_and_scale(&src, ow, oh)?;
                times.push(thread_cpu_ms() - t0);
                black_box(f);
            }
            times.sort_by(f64::total_cmp);
            let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
            println!(
                "1080p -> {name} {}: median {:.3} ms, p90 {:.3} ms",
                if cold { "cold" } else { "hot " },
                at(0.5),
                at(0.9)
            );
        }
    }
    Ok(())
}
