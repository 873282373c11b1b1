//! Recorder benchmark: encodes raw I420 video and f32 stereo audio to VP8 + Opus WebM as fast
//! as possible and reports the real-time factor and CPU seconds per media second.
//!
//! ```text
//! bench_recorder gen DIR [--seconds 10] [--width 1280] [--height 720] [--fps 30]
//!     writes DIR/video.yuv (I420) and DIR/audio.f32 (48 kHz stereo f32le)
//! bench_recorder run DIR OUT.webm [--seconds 10] [--width 1280] [--height 720] [--fps 30]
//!     [--video-bitrate 2500000] [--audio-bitrate 128000] [--cpu-used -6] [--threads 0 (automatic)]
//!     records them and prints: media_s wall_s rtf cpu_s cpu_per_media_s
//! ```
//! `scripts/bench-recorder.sh` runs both and ffmpeg on the same input with the same settings.

use mediacapture_frame::{AudioData, PixelFormat, VideoFrame};
use mediacapture_recorder::mime::{self, Configured};
use mediacapture_recorder::{Recording, RecordingSettings};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

struct Args {
    cmd: String,
    dir: PathBuf,
    out: Option<PathBuf>,
    seconds: u32,
    width: u32,
    height: u32,
    fps: u32,
    video_bitrate: u32,
    audio_bitrate: u32,
    cpu_used: i32,
    threads: u32,
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().ok_or("missing command (gen | run)")?;
    let dir = PathBuf::from(it.next().ok_or("missing DIR")?);
    let mut a = Args {
        out: None,
        cmd,
        dir,
        seconds: 10,
        width: 1280,
        height: 720,
        fps: 30,
        video_bitrate: 2_500_000,
        audio_bitrate: 128_000,
        cpu_used: -6,
        threads: 0,
    };
    if a.cmd == "run" {
        a.out = Some(PathBuf::from(it.next().ok_or("missing OUT")?));
    }
    while let Some(flag) = it.next() {
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let num = |v: &str| v.parse::<i64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--seconds" => a.seconds = num(&v)? as u32,
            "--width" => a.width = num(&v)? as u32,
            "--height" => a.height = num(&v)? as u32,
            "--fps" => a.fps = num(&v)? as u32,
            "--video-bitrate" => a.video_bitrate = num(&v)? as u32,
            "--audio-bitrate" => a.audio_bitrate = num(&v)? as u32,
            "--cpu-used" => a.cpu_used = num(&v)? as i32,
            "--threads" => a.threads = num(&v)? as u32,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(a)
}

/// CPU seconds (user + system) of this process, from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let ticks = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
        .unwrap_or(100.0);
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name start at field 3 (state); utime and stime
    // are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| {
        f.get(i - 3)
            .and_then(|x| x.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (field(14) + field(15)) / ticks
}

fn generate(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&a.dir)?;
    let (w, h) = (a.width as usize, a.height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut v = BufWriter::new(std::fs::File::create(a.dir.join("video.yuv"))?);
    let mut frame = vec![0u8; w * h + 2 * cw * ch];
    for i in 0..(a.seconds * a.fps) as usize {
        // A moving diagonal gradient with a moving bright square: motion everywhere.
        for y in 0..h {
            for x in 0..w {
                frame[y * w + x] = ((x + 2 * y + i * 6) % 220 + 16) as u8;
            }
        }
        let sq = (i * 7) % (w - 64);
        for y in 100..164.min(h) {
            frame[y * w + sq..y * w + sq + 64].fill(235);
        }
        let (u, vv) = frame[w * h..].split_at_mut(cw * ch);
        for y in 0..ch {
            for x in 0..cw {
                u[y * cw + x] = ((x + i * 2) % 200 + 28) as u8;
                vv[y * cw + x] = ((y + i) % 200 + 28) as u8;
            }
        }
        v.write_all(&frame)?;
    }
    v.flush()?;
    let mut aw = BufWriter::new(std::fs::File::create(a.dir.join("audio.f32"))?);
    for n in 0..(a.seconds as usize * 48_000) {
        let t = n as f64 / 48_000.0;
        let l = (0.3 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as f32;
        let r = (0.3 * (2.0 * std::f64::consts::PI * 660.0 * t).sin()) as f32;
        aw.write_all(&l.to_le_bytes())?;
        aw.write_all(&r.to_le_bytes())?;
    }
    aw.flush()?;
    Ok(())
}

fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let conf = match mime::configure("video/webm;codecs=vp8,opus", true, true)? {
        Configured::Ready(c) => c,
        Configured::Unsupported(e) => return Err(e.into()),
    };
    let mut s = RecordingSettings::new(conf, Some("v".into()), Some("a".into()));
    s.video_bits_per_second = a.video_bitrate;
    s.audio_bits_per_second = a.audio_bitrate;
    s.video_cpu_used = Some(a.cpu_used);
    s.video_threads = a.threads;
    s.output_file = a.out.clone();
    s.blobs = false;

    let (w, h) = (a.width as usize, a.height as usize);
    let frame_bytes = w * h + 2 * w.div_ceil(2) * h.div_ceil(2);
    let mut vin = BufReader::new(std::fs::File::open(a.dir.join("video.yuv"))?);
    let mut ain = BufReader::new(std::fs::File::open(a.dir.join("audio.f32"))?);
    let frames = u64::from(a.seconds * a.fps);
    let blocks = u64::from(a.seconds) * 100; // 10 ms audio blocks

    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut rec = Recording::new(s)?;
    let (mut vi, mut ai) = (0u64, 0u64);
    // The frame buffer is shared with each frame (no copy into the frame) and reused once
    // the recorder has let go of the previous frame, as a capture path's buffer pool does:
    // what is measured is the recorder, not copies and page faults of the harness (a copy
    // into a cloned Vec, then into the frame's Arc, cost about 10% of the CPU time).
    let new_buf = || -> Arc<[u8]> { std::iter::repeat_n(0u8, frame_bytes).collect() };
    let mut vbuf = new_buf();
    let mut abuf = vec![0u8; 480 * 2 * 4];
    while vi < frames || ai < blocks {
        let vt = vi * 1_000_000 / u64::from(a.fps);
        let at = ai * 10_000;
        if vi < frames && (ai >= blocks || vt <= at) {
            if Arc::get_mut(&mut vbuf).is_none() {
                vbuf = new_buf();
            }
            let buf = Arc::get_mut(&mut vbuf).ok_or("a new frame buffer is shared")?;
            vin.read_exact(buf)?;
            let f = VideoFrame::new(
                PixelFormat::I420,
                a.width,
                a.height,
                Arc::clone(&vbuf),
                vt as i64,
            )?;
            rec.push_video("v", &f)?;
            vi += 1;
        } else {
            ain.read_exact(&mut abuf)?;
            let samples: Vec<f32> = abuf
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            rec.push_audio("a", &AudioData::from_f32(48_000, 2, &samples, at as i64)?)?;
            ai += 1;
        }
    }
    let err = rec.finish().error;
    if let Some(e) = err {
        return Err(e.into());
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let media = f64::from(a.seconds);
    println!("media_s wall_s rtf cpu_s cpu_per_media_s");
    println!(
        "{media:.1} {wall:.3} {:.2} {cpu:.3} {:.3}",
        media / wall,
        cpu / media
    );
    Ok(())
}

fn main() {
    let r = parse()
        .map_err(|e| -> Box<dyn std::error::Error> { e.into() })
        .and_then(|a| match a.cmd.as_str() {
            "gen" => generate(&a),
            "run" => run(&a),
            c => Err(format!("unknown command {c}").into()),
        });
    if let Err(e) = r {
        eprintln!("bench_recorder: {e}");
        std::process::exit(1);
    }
}
