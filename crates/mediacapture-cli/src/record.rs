//! `mediacapture record`: MediaRecorder to a file or a stream, with progress, a clean stop on
//! Ctrl-C, and nothing lost (see [`crate::output`]).

use crate::args::parse_duration;
use crate::output::{Output, print_json};
use crate::{CliResult, Failure, Global, check_constraints, media_devices, open_stream};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use mediacapture::{MediaStream, TrackEvent};
use mediacapture_recorder::{MediaRecorder, RecorderEvent, RecorderOptions};
use mediacapture_sources::MediaFile;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
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
    /// The file to write; `-` for standard output (a live WebM stream, e.g. into ffplay -).
    #[arg(short, long)]
    output: PathBuf,
}

/// What the recording loop hears about.
enum Event {
    /// A track ended by itself (its source stopped).
    TrackEnded(String),
    /// The recorder fired `stop`.
    RecorderStopped,
    /// The recorder fired `error`.
    RecorderError(mediacapture::Error),
    /// Writing the stream failed.
    StreamError(String),
}

/// Why the recording stopped.
enum Stop {
    /// The requested duration passed.
    Duration,
    /// SIGINT or SIGTERM.
    Signal,
    /// The file played to its end (`--from`).
    EndOfFile,
    /// Something failed: the message says what.
    Failed(String),
}

pub(crate) fn run(g: &Global, args: &RecordArgs) -> CliResult {
    // Signals first: an interrupt while devices open then stops cleanly too.
    let interrupted = crate::args::interrupt_flag()?;
    // Everything that can be checked is checked before the output is touched.
    if args.from.is_none() {
        check_constraints(&args.constraints, args.display)?;
    }
    if !args.mime.is_empty() && !MediaRecorder::is_type_supported(&args.mime) {
        return Err(Failure::Usage(format!(
            "--mime {:?} is not a type MediaRecorder records",
            args.mime
        )));
    }
    let inputs: Vec<&std::path::Path> = args.from.iter().map(PathBuf::as_path).collect();
    let mut out = Output::prepare(&args.output, &inputs)?;
    let (stream, file) = match &args.from {
        Some(path) => {
            let file = open_file(path)?;
            let stream = file
                .capture_stream()
                .map_err(|e| Failure::Other(format!("{}: {e}", path.display())))?;
            (stream, Some(file))
        }
        None => (
            open_stream(&media_devices(g, true)?, &args.constraints, args.display)?,
            None,
        ),
    };
    let result = record(g, args, &out, &stream, file.as_ref(), &interrupted);
    stream.get_tracks().iter().for_each(|t| t.stop());
    match result {
        // Something was recorded: it is kept, whatever stopped it.
        Ok((report, None)) => {
            out.commit()?;
            report.print(g, &out);
            Ok(())
        }
        Ok((report, Some(why))) => {
            let bytes = report.bytes;
            out.commit()?;
            if !g.json {
                report.print(g, &out);
            }
            // With --json, the error line says it all (main prints it).
            Err(Failure::Other(format!(
                "recording stopped early: {why}; {bytes} bytes kept in {}",
                args.output.display()
            )))
        }
        // Nothing to keep: the output stays as it was (the temporary file goes).
        Err(e) => Err(e),
    }
}

/// Opens `--from FILE`, refusing a file with no media in it.
fn open_file(path: &std::path::Path) -> CliResult<MediaFile> {
    let fail = |e: mediacapture::Error| Failure::Other(format!("{}: {e}", path.display()));
    // Read the first unit: a file with none (a WAV with an empty data chunk, a y4m header
    // alone, a WebM with tracks and no cluster) would record nothing.
    let mut probe = mediacapture_sources::MediaReader::open(path).map_err(fail)?;
    if probe.next_media().map_err(fail)?.is_none() {
        return Err(Failure::Other(format!(
            "{}: the file has no media in it (no video frame, no audio sample): nothing to \
             record",
            path.display()
        )));
    }
    MediaFile::open(path).map_err(fail)
}

/// The summary of a recording.
struct Report {
    mime_type: String,
    bytes: u64,
    seconds: f64,
    video_frames: u64,
    audio_frames: u64,
    dropped_frames: u64,
}

impl Report {
    fn print(&self, g: &Global, out: &Output) {
        if g.json {
            print_json(&serde_json::json!({
                "file": out.shown(),
                "mimeType": self.mime_type,
                "bytes": self.bytes,
                "seconds": self.seconds,
                "videoFrames": self.video_frames,
                "audioFrames": self.audio_frames,
                "droppedFrames": self.dropped_frames,
            }));
        } else if !g.quiet {
            // A status line: stderr, so that stdout can carry the media.
            eprintln!(
                "wrote {} ({}, {:.1} s, {} bytes)",
                out.shown().display(),
                self.mime_type,
                self.seconds,
                self.bytes
            );
        }
    }
}

/// Records `stream` into `out` until it should stop. `Ok((report, None))`: recorded as asked;
/// `Ok((report, Some(why)))`: stopped early by a failure, with something recorded;
/// `Err`: nothing recorded, or the recorder could not start.
fn record(
    g: &Global,
    args: &RecordArgs,
    out: &Output,
    stream: &MediaStream,
    file: Option<&MediaFile>,
    interrupted: &AtomicBool,
) -> CliResult<(Report, Option<String>)> {
    let sink = out.open_stream()?;
    let streaming = sink.is_some();
    // A file gets the recorder's seekable output (Duration and Cues when it stops); a stream
    // gets the `dataavailable` blobs as they come (a live WebM, no seeking needed).
    let options = RecorderOptions {
        mime_type: args.mime.clone(),
        video_bits_per_second: args.video_bits_per_second,
        audio_bits_per_second: args.audio_bits_per_second,
        output_file: out.file_path().map(std::path::Path::to_path_buf),
        blobs: streaming,
        ..Default::default()
    };
    let recorder = MediaRecorder::new(stream, options)?;
    let (tx, rx) = mpsc::channel::<Event>();
    let video_frames = Arc::new(AtomicU64::new(0));
    let audio_frames = Arc::new(AtomicU64::new(0));
    for t in stream.get_tracks() {
        let what = format!("the {} track ({})", t.kind().as_str(), t.label());
        let tx = tx.clone();
        t.on(TrackEvent::Ended, move || {
            let _ = tx.send(Event::TrackEnded(what.clone()));
        });
    }
    for t in stream.get_video_tracks() {
        let n = video_frames.clone();
        t.on_video_frame(move |_| {
            n.fetch_add(1, Ordering::Relaxed);
        });
    }
    for t in stream.get_audio_tracks() {
        let n = audio_frames.clone();
        t.on_audio_data(move |a| {
            n.fetch_add(a.frames() as u64, Ordering::Relaxed);
        });
    }
    let streamed = Arc::new(AtomicU64::new(0));
    {
        let tx = tx.clone();
        let sink = sink.map(Mutex::new);
        let streamed = streamed.clone();
        recorder.add_event_listener(move |e| match e {
            RecorderEvent::Error(err) => {
                let _ = tx.send(Event::RecorderError(err.clone()));
            }
            RecorderEvent::Stop => {
                let _ = tx.send(Event::RecorderStopped);
            }
            RecorderEvent::DataAvailable(blob) => {
                let Some(sink) = &sink else { return };
                let data = blob.data.data();
                let mut w = sink.lock().unwrap_or_else(|p| p.into_inner());
                match w.write_all(data).and_then(|()| w.flush()) {
                    Ok(()) => {
                        streamed.fetch_add(data.len() as u64, Ordering::Relaxed);
                    }
                    Err(e) => {
                        let _ = tx.send(Event::StreamError(e.to_string()));
                    }
                }
            }
            _ => {}
        });
    }
    drop(tx);
    recorder.start(Some(args.timeslice))?;
    // The type the recorder chose: set by a task after start, and back to the requested one
    // once it is inactive (as the spec says), so it is noted while recording.
    let mut mime_type = String::new();
    let bytes = || {
        if streaming {
            streamed.load(Ordering::Relaxed)
        } else {
            out.file_len()
        }
    };
    let progress = Progress::new(g, args.duration);
    let t0 = Instant::now();
    let mut recorder_stopped = false;
    let stop = loop {
        let elapsed = t0.elapsed();
        let m = recorder.mime_type();
        if !m.is_empty() {
            mime_type = m;
        }
        progress.update(
            elapsed,
            bytes(),
            video_frames.load(Ordering::Relaxed),
            recorder.dropped_video_frames(),
        );
        if interrupted.load(Ordering::SeqCst) {
            break Stop::Signal;
        }
        let left = args.duration.map(|d| d.saturating_sub(elapsed));
        if left.is_some_and(|l| l.is_zero()) {
            break Stop::Duration;
        }
        let wait = left.map_or(Duration::from_millis(100), |l| {
            l.min(Duration::from_millis(100))
        });
        match rx.recv_timeout(wait) {
            Ok(Event::TrackEnded(what)) => {
                break match file {
                    Some(f) if f.ended() && f.error().is_none() => Stop::EndOfFile,
                    Some(f) => Stop::Failed(match f.error() {
                        Some(e) => format!("playback of the file stopped: {e}"),
                        None => format!("{what} ended"),
                    }),
                    None => Stop::Failed(format!(
                        "{what} ended: its source stopped (a device unplugged, a server \
                         gone, a screen closed?)"
                    )),
                };
            }
            Ok(Event::RecorderStopped) => {
                recorder_stopped = true;
                break match file {
                    Some(f) if f.error().is_some() => Stop::Failed(format!(
                        "playback of the file stopped: {}",
                        f.error().map(|e| e.to_string()).unwrap_or_default()
                    )),
                    Some(_) => Stop::EndOfFile,
                    None => Stop::Failed("the recorder stopped by itself".into()),
                };
            }
            Ok(Event::RecorderError(e)) => break Stop::Failed(format!("recorder error: {e}")),
            Ok(Event::StreamError(e)) => {
                break Stop::Failed(format!("cannot write {}: {e}", out.shown().display()));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Stop::Failed("the recorder went away".into());
            }
        }
    };
    let recorded = t0.elapsed();
    if matches!(stop, Stop::Signal) && !g.quiet {
        eprintln!("mediacapture: interrupted: finishing the recording");
    }
    recorder.stop();
    // Wait for the stop event: the file is finalized (duration and cues) by then.
    let mut late_error = None;
    if !recorder_stopped {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(Event::RecorderStopped) => break,
                Ok(Event::RecorderError(e)) => late_error = Some(format!("recorder error: {e}")),
                Ok(Event::StreamError(e)) => {
                    late_error = Some(format!("cannot write {}: {e}", out.shown().display()));
                }
                Ok(Event::TrackEnded(_)) => {}
                Err(_) => {
                    late_error = Some("the recorder did not finish within 30 s".into());
                    break;
                }
            }
        }
    }
    progress.finish();
    if mime_type.is_empty() {
        mime_type = recorder.mime_type();
    }
    let report = Report {
        mime_type,
        bytes: bytes(),
        seconds: recorded.as_secs_f64(),
        video_frames: video_frames.load(Ordering::Relaxed),
        audio_frames: audio_frames.load(Ordering::Relaxed),
        dropped_frames: recorder.dropped_video_frames(),
    };
    let why = match stop {
        Stop::Failed(why) => Some(why),
        _ => late_error,
    };
    // A recording that captured nothing is a failure, not an empty success.
    if report.video_frames == 0 && report.audio_frames == 0 {
        let labels: Vec<String> = stream
            .get_tracks()
            .iter()
            .map(|t| t.label().to_owned())
            .collect();
        let because = why.map(|w| format!(" ({w})")).unwrap_or_default();
        return Err(Failure::Other(format!(
            "nothing was recorded: no video frame or audio arrived from {} in {:.1} s{because}; \
             {} was not written",
            labels.join(" and "),
            report.seconds,
            out.shown().display()
        )));
    }
    if report.bytes == 0 {
        // Frames arrived and none was encoded: the encoder was still on the first one when
        // the recording stopped (an 8192x8192 VP8 frame takes libvpx seconds).
        let encoder = if report.dropped_frames > 0 && recorder.stats().video_frames == 0 {
            format!(
                "; the video encoder finished no frame before the stop ({} dropped): frames \
                 this large take it longer than the recording lasted",
                report.dropped_frames
            )
        } else {
            String::new()
        };
        return Err(Failure::Other(format!(
            "the recorder wrote nothing ({} video frames, {} audio frames arrived){}{encoder}; \
             {} was not written",
            report.video_frames,
            report.audio_frames,
            why.map(|w| format!(": {w}")).unwrap_or_default(),
            out.shown().display()
        )));
    }
    for (kind, n) in [
        ("video", report.video_frames),
        ("audio", report.audio_frames),
    ] {
        let asked = match kind {
            "video" => !stream.get_video_tracks().is_empty(),
            _ => !stream.get_audio_tracks().is_empty(),
        };
        if asked && n == 0 {
            tracing::warn!("the {kind} track delivered nothing: the recording has no {kind}");
        }
    }
    Ok((report, why))
}

/// A progress bar on a terminal, plain lines once a second otherwise (both on stderr).
struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    last_line: Mutex<Instant>,
}

impl Progress {
    fn new(g: &Global, duration: Option<Duration>) -> Progress {
        let quiet = Progress {
            bar: None,
            plain: false,
            last_line: Mutex::new(Instant::now()),
        };
        if g.quiet || g.json {
            return quiet;
        }
        if std::io::stderr().is_terminal() {
            let bar = match duration {
                Some(d) => ProgressBar::new(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                None => ProgressBar::new_spinner(),
            };
            let style = ProgressStyle::with_template(
                "{spinner} recording {elapsed_precise} [{bar:30}] {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            Progress {
                bar: Some(bar),
                ..quiet
            }
        } else {
            Progress {
                plain: true,
                ..quiet
            }
        }
    }

    fn update(&self, elapsed: Duration, bytes: u64, video_frames: u64, dropped: u64) {
        let msg = format!(
            "{:.1} MB, {:.1} fps, {} dropped",
            bytes as f64 / 1e6,
            video_frames as f64 / elapsed.as_secs_f64().max(0.001),
            dropped
        );
        if let Some(bar) = &self.bar {
            bar.set_position(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
            bar.set_message(msg);
        } else if self.plain
            && let Ok(mut last) = self.last_line.lock()
            && last.elapsed() >= Duration::from_secs(1)
        {
            *last = Instant::now();
            eprintln!("recording {:.1} s: {msg}", elapsed.as_secs_f64());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
