//! `mediacapture preview`: what a web page does with `<video autoplay>` and `srcObject`,
//! natively: the stream's video in a window (X11), its audio on the default output (or
//! `--sink`), until the window is closed, Ctrl-C, or `--duration`.

use crate::args::parse_duration;
use crate::{CliResult, Failure, Global, media_devices, open_stream};
use clap::Args;
use mediacapture::media_element::{HTMLMediaElement, MediaElementEvent};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Arguments of `preview`.
#[derive(Args, Debug)]
pub(crate) struct PreviewArgs {
    /// MediaStreamConstraints JSON (or DisplayMediaStreamOptions with --display).
    #[arg(short, long, default_value = r#"{"video":true,"audio":true}"#)]
    constraints: String,
    /// Preview a display surface (getDisplayMedia) instead of a camera.
    #[arg(long)]
    display: bool,
    /// Stop after this long (e.g. 10s); without it, until the window closes or Ctrl-C.
    #[arg(short, long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Play the audio to this audiooutput deviceId (see `mediacapture devices`) instead of
    /// the default output.
    #[arg(long, value_name = "DEVICE_ID")]
    sink: Option<String>,
    /// No window: play the audio only (and count the video frames).
    #[arg(long)]
    no_window: bool,
}

pub(crate) fn run(g: &Global, args: &PreviewArgs) -> CliResult {
    let md = media_devices(g, true)?;
    let stream = open_stream(&md, &args.constraints, args.display)?;
    let result = preview(g, args, &md, &stream);
    stream.get_tracks().iter().for_each(|t| t.stop());
    result
}

fn preview(
    g: &Global,
    args: &PreviewArgs,
    md: &mediacapture::MediaDevices,
    stream: &mediacapture::MediaStream,
) -> CliResult {
    let video = HTMLMediaElement::video(md);
    if let Some(sink) = &args.sink {
        futures_executor::block_on(video.set_sink_id(sink))?;
    }
    let fallback = Arc::new(AtomicBool::new(false));
    let f = fallback.clone();
    video.on(MediaElementEvent::SinkFallback, move || {
        f.store(true, Ordering::SeqCst);
    });
    video.set_src_object(Some(stream.clone()));
    futures_executor::block_on(video.play())?;
    let (w, h) = (video.video_width(), video.video_height());
    let has_video = !stream.get_video_tracks().is_empty();
    let window = if has_video && !args.no_window {
        Some(open_window(&video, &args.constraints)?)
    } else {
        None
    };
    if g.json {
        crate::output::print_json(&serde_json::json!({
            "event": "playing",
            "window": window.as_ref().map(|w| w.window().window_id()),
            "videoWidth": w,
            "videoHeight": h,
            "audioTracks": stream.get_audio_tracks().len(),
        }));
    } else if !g.quiet {
        let what = match &window {
            Some(win) => format!("window 0x{:x}, {w}x{h}", win.window().window_id()),
            None => "no window".to_owned(),
        };
        eprintln!("mediacapture: previewing ({what}); close the window or press Ctrl-C to stop");
    }
    let interrupted = crate::args::interrupt_flag()?;
    let t0 = Instant::now();
    let why = loop {
        if let Some(win) = &window {
            if win.window().wait_closed(Duration::from_millis(100)) {
                break "the window was closed";
            }
        } else {
            std::thread::sleep(Duration::from_millis(100));
        }
        if interrupted.load(Ordering::SeqCst) {
            break "interrupted";
        }
        if args.duration.is_some_and(|d| t0.elapsed() >= d) {
            break "the duration elapsed";
        }
        if video.ended() {
            break "the stream ended";
        }
    };
    let presented = video.presented_frames();
    let drawn = window.as_ref().map_or(0, |w| w.window().drawn_frames());
    let audio = video.audio_stats();
    video.pause();
    drop(window);
    let secs = t0.elapsed().as_secs_f64();
    if g.json {
        crate::output::print_json(&serde_json::json!({
            "event": "stopped",
            "reason": why,
            "seconds": secs,
            "presentedFrames": presented,
            "drawnFrames": drawn,
            "audioFramesPlayed": audio.jitter.played_frames,
            "audioUnderruns": audio.jitter.underruns,
            "sinkFallback": fallback.load(Ordering::SeqCst),
        }));
    } else if !g.quiet {
        eprintln!(
            "mediacapture: stopped ({why}) after {secs:.1} s: {presented} frames presented, {drawn} drawn, {:.1} s of audio played",
            audio.jitter.played_frames as f64 / 48_000.0
        );
    }
    Ok(())
}

fn open_window(
    video: &HTMLMediaElement,
    title: &str,
) -> CliResult<mediacapture::media_element::ElementWindow> {
    video
        .open_window(&format!("mediacapture preview {title}"))
        .map_err(Failure::Media)
}
