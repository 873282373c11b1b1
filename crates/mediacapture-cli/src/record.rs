//! `mediacapture record`: MediaRecorder to a file, with progress, and a clean stop on Ctrl-C.

use crate::{CliResult, Failure, Global, error_json, media_devices, open_stream};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use mediacapture_recorder::{MediaRecorder, RecorderEvent, RecorderOptions};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Arguments of `record`.
#[derive(Args, Debug)]
pub(crate) struct RecordArgs {
    /// MediaStreamConstraints JSON (DisplayMediaStreamOptions with --display, where the
    /// default records the screen and the system audio, when there is one; give
    /// '{"video":true}' for the screen only).
    #[arg(short, long, default_value = r#"{"video":true,"audio":true}"#)]
    constraints: String,
    /// Record a display surface (getDisplayMedia), and the system audio with the default
    /// constraints.
    #[arg(long, conflicts_with = "from")]
    display: bool,
    /// Re-record a media file (WebM/Matroska with VP8/VP9/Opus, WAV, y4m) played in real time
    /// through a MediaStream, like `video.captureStream()`; stops at the file's end.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// How long to record: e.g. 5s, 1500ms, 2m. Without it, until Ctrl-C.
    #[arg(short, long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// MediaRecorder mimeType, e.g. "video/webm;codecs=vp9,opus", "audio/wav". Default: chosen
    /// from the tracks (video/webm;codecs=vp8,opus).
    #[arg(long, default_value = "")]
    mime: String,
    /// MediaRecorder timeslice in milliseconds: data is flushed to the file this often.
    #[arg(long, value_name = "MS", default_value = "1000")]
    timeslice: u32,
    /// Video bitrate in bits per second.
    #[arg(long)]
    video_bits_per_second: Option<u32>,
    /// Audio bitrate in bits per second.
    #[arg(long)]
    audio_bits_per_second: Option<u32>,
    /// The file to write.
    #[arg(short, long)]
    output: PathBuf,
}

/// Parses "5s", "1500ms", "2m", "0.5" (seconds).
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try 5s, 1500ms or 2m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" | "min" => n * 60.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use ms, s or m)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("{s:?} is not a positive duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

pub(crate) fn run(g: &Global, args: &RecordArgs) -> CliResult {
    // Fail on an unwritable path before opening any device.
    std::fs::File::create(&args.output)
        .map_err(|e| Failure::Other(format!("cannot write {}: {e}", args.output.display())))?;
    let stream = match &args.from {
        Some(file) => mediacapture_sources::MediaFile::open(file)
            .and_then(|f| f.capture_stream())
            .map_err(|e| Failure::Other(format!("{}: {e}", file.display())))?,
        None => open_stream(&media_devices(g, true)?, &args.constraints, args.display)?,
    };
    // The recorder streams its data straight to the file (no blobs kept in memory); on stop
    // the file gets its duration and cues.
    let options = RecorderOptions {
        mime_type: args.mime.clone(),
        video_bits_per_second: args.video_bits_per_second,
        audio_bits_per_second: args.audio_bits_per_second,
        output_file: Some(args.output.clone()),
        blobs: false,
        ..Default::default()
    };
    let stop_all = |stream: &mediacapture::MediaStream| {
        stream.get_tracks().iter().for_each(|t| t.stop());
    };
    let recorder = match MediaRecorder::new(&stream, options) {
        Ok(r) => r,
        Err(e) => {
            stop_all(&stream);
            return Err(e.into());
        }
    };
    let frames = Arc::new(AtomicU64::new(0));
    for t in stream.get_video_tracks() {
        let frames = frames.clone();
        t.on_video_frame(move |_| {
            frames.fetch_add(1, Ordering::Relaxed);
        });
    }
    let stats = |elapsed: Duration| Stats {
        bytes: std::fs::metadata(&args.output)
            .map(|m| m.len())
            .unwrap_or(0),
        video_frames: frames.load(Ordering::Relaxed),
        dropped_frames: recorder.dropped_video_frames(),
        seconds: elapsed.as_secs_f64(),
    };
    let stopped = Arc::new(AtomicBool::new(false));
    let error = Arc::new(Mutex::new(None));
    {
        let stopped = stopped.clone();
        let error = error.clone();
        recorder.add_event_listener(move |e| match e {
            RecorderEvent::Error(err) => {
                if let Ok(mut slot) = error.lock() {
                    *slot = Some(err.clone());
                }
            }
            RecorderEvent::Stop => stopped.store(true, Ordering::SeqCst),
            _ => {}
        });
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, interrupted.clone())
            .map_err(|e| Failure::Other(format!("cannot handle signals: {e}")))?;
    }
    if let Err(e) = recorder.start(Some(args.timeslice)) {
        stop_all(&stream);
        return Err(e.into());
    }
    let progress = Progress::new(g, args.duration);
    let t0 = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let elapsed = t0.elapsed();
        progress.update(&stats(elapsed));
        let done = args.duration.is_some_and(|d| elapsed >= d);
        if done || interrupted.load(Ordering::SeqCst) || stopped.load(Ordering::SeqCst) {
            break;
        }
    }
    let recorded = t0.elapsed();
    let mime_type = recorder.mime_type();
    recorder.stop();
    // Wait for the stop event: the file is finalized (duration and cues) by then.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !stopped.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    stop_all(&stream);
    let stats = stats(recorded);
    progress.finish();
    if let Some(err) = error.lock().ok().and_then(|mut e| e.take()) {
        if g.json {
            println!(
                "{}",
                serde_json::json!({ "file": args.output, "error": error_json(&err) })
            );
        }
        return Err(Failure::Other(format!(
            "recording stopped early: {err}; {} bytes kept in {}",
            stats.bytes,
            args.output.display()
        )));
    }
    if !stopped.load(Ordering::SeqCst) {
        return Err(Failure::Other(
            "the recorder did not finish within 30 s".into(),
        ));
    }
    if g.json {
        println!(
            "{}",
            serde_json::json!({
                "file": args.output,
                "mimeType": mime_type,
                "bytes": stats.bytes,
                "seconds": stats.seconds,
                "videoFrames": stats.video_frames,
                "droppedFrames": stats.dropped_frames,
            })
        );
    } else if !g.quiet {
        println!(
            "wrote {} ({}, {:.1} s, {} bytes)",
            args.output.display(),
            mime_type,
            stats.seconds,
            stats.bytes
        );
    }
    Ok(())
}

/// What the progress display shows.
struct Stats {
    bytes: u64,
    video_frames: u64,
    dropped_frames: u64,
    seconds: f64,
}

/// A progress bar on a terminal, plain lines once a second otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    last_line: Mutex<Instant>,
}

impl Progress {
    fn new(g: &Global, duration: Option<Duration>) -> Progress {
        if g.quiet || g.json {
            return Progress {
                bar: None,
                plain: false,
                last_line: Mutex::new(Instant::now()),
            };
        }
        if std::io::stderr().is_terminal() {
            let bar = match duration {
                Some(d) => ProgressBar::new(d.as_millis() as u64),
                None => ProgressBar::new_spinner(),
            };
            let style = ProgressStyle::with_template(
                "{spinner} recording {elapsed_precise} [{bar:30}] {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            Progress {
                bar: Some(bar),
                plain: false,
                last_line: Mutex::new(Instant::now()),
            }
        } else {
            Progress {
                bar: None,
                plain: true,
                last_line: Mutex::new(Instant::now()),
            }
        }
    }

    fn update(&self, s: &Stats) {
        let elapsed = Duration::from_secs_f64(s.seconds);
        let msg = format!(
            "{:.1} MB, {:.1} fps, {} dropped",
            s.bytes as f64 / 1e6,
            s.video_frames as f64 / s.seconds.max(0.001),
            s.dropped_frames
        );
        if let Some(bar) = &self.bar {
            bar.set_position(elapsed.as_millis() as u64);
            bar.set_message(msg);
        } else if self.plain {
            if let Ok(mut last) = self.last_line.lock() {
                if last.elapsed() >= Duration::from_secs(1) {
                    *last = Instant::now();
                    eprintln!("recording {:.1} s: {msg}", elapsed.as_secs_f64());
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
