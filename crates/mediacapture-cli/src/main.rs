//! `mediacapture`: see your capture devices, ask what constraints would give, record, and take
//! a still photo — with the same constraint JSON a web page passes to getUserMedia.
#![forbid(unsafe_code)]

mod args;
mod bench;
mod bench_playout;
mod output;
mod preview;
mod record;
mod send;
mod snapshot;

use clap::{Args, Parser, Subcommand};
use mediacapture::{
    DisplayMediaStreamOptions, Error, MediaDevices, MediaStream, MediaStreamConstraints,
    MediaTrackConstraints,
};
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use serde_json::{Value, json};
use std::process::ExitCode;

/// Capture from cameras, microphones and screens with W3C Media Capture semantics.
#[derive(Parser, Debug)]
#[command(name = "mediacapture", version, about, long_about = None)]
#[command(
    after_help = "Examples:\n  mediacapture devices\n  mediacapture probe '{\"video\":{\"width\":1280}}'\n  mediacapture record --duration 3s -o out.webm\n  mediacapture record --fake --duration 5s -o - | ffplay -\n  mediacapture snapshot -o photo.png\n  mediacapture send --whip https://sfu.example.com/whip/room1 --token SECRET\n\nExit status: 0 success; 1 the command ran and failed (a recording that stopped early\nor captured nothing, an unreadable file, a WHIP server that refused or vanished);\n2 bad usage (arguments, JSON) or a\ngetUserMedia error (the DOMException is printed)."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options for every command.
#[derive(Args, Debug, Clone)]
pub(crate) struct Global {
    /// Use fake devices, from the default profile or from PROFILE.json. Without it, `record`
    /// and `snapshot` use fake devices, with a notice, for the kinds no hardware is found for;
    /// `devices` and `probe` show only real devices.
    #[arg(long, global = true, value_name = "PROFILE.json", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    fake: Option<String>,
    /// The origin device ids are derived for (ids differ per origin).
    #[arg(long, global = true, default_value = "cli")]
    origin: String,
    /// Machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// More logging on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List capture and output devices (kind, label, deviceId, groupId).
    ///
    /// Example: mediacapture devices --json
    Devices,
    /// Run getUserMedia (or getDisplayMedia) with constraints and print each track's settings,
    /// capabilities and constraints. Exits with status 2 when the call fails.
    ///
    /// Example: mediacapture probe '{"video":{"width":{"ideal":1280},"frameRate":{"max":30}}}'
    Probe(ProbeArgs),
    /// Record with MediaRecorder to a file (WebM by default), or to stdout with `-o -`.
    ///
    /// The recording is written to OUTPUT.<pid>-<n>.part beside OUTPUT and renamed over it
    /// when it ends: an existing OUTPUT is untouched until then, and kept as it was when
    /// nothing was recorded. Ctrl-C (SIGINT) or SIGTERM stops cleanly and the file is
    /// finalized; a track that ends (a device unplugged, a server gone, a damaged file) stops
    /// the recording at once, keeps what was recorded and exits with status 1. Only SIGKILL
    /// leaves the .part file (it plays up to where it was cut).
    ///
    /// Example: mediacapture record -c '{"video":true,"audio":true}' --duration 5s -o out.webm
    Record(record::RecordArgs),
    /// Take a still photo from the video track: waits for a real frame, writes PNG (or JPEG
    /// when the name ends in .jpg/.jpeg).
    ///
    /// Example: mediacapture snapshot -c '{"video":{"width":1280}}' -o photo.png
    Snapshot(snapshot::SnapshotArgs),
    /// Run the capture pipeline benchmark: a 1920x1080@30 source feeding four tracks
    /// (native, 1280x720@30, 640x360@15, 320x180@5); prints CPU per media second, delivered fps,
    /// capture-to-sink latency and peak memory with a sink that never reads.
    ///
    /// With --playout PLAYER: microphone-to-speaker latency (p50/p99, from burst onsets
    /// found on the sink's monitor) and playback CPU of 48 kHz stereo, for our media element
    /// or paplay/ffplay doing the same (PulseAudio; see scripts/bench-playout.sh).
    ///
    /// Example: mediacapture bench --seconds 10
    Bench(bench::BenchArgs),
    /// Play a stream as a web page's `<video autoplay>` would: its video in a window (X11),
    /// its audio on the default output (or --sink), until the window closes, Ctrl-C or
    /// --duration.
    ///
    /// Example: mediacapture preview -c '{"video":{"width":1280},"audio":true}'
    Preview(preview::PreviewArgs),
    /// Send the camera and microphone (or --display) over WebRTC to a WHIP server (RFC 9725:
    /// standard ingest into Janus, LiveKit, Cloudflare, Dolby and other SFUs and services).
    ///
    /// One HTTP POST carries the SDP offer (VP8 and Opus first, send-only, with every host
    /// candidate in it); the answer comes back in the 201 response, whose Location names the
    /// session; the session is ended with a DELETE of it when --duration passes, on Ctrl-C
    /// or SIGTERM, or when the connection fails. https:// URLs are checked against the
    /// Mozilla root certificates built into the program (webpki-roots). Status lines go to
    /// stderr. Exit status 1 when the server refuses (its status and body are printed), cannot
    /// be reached, answers with SDP that does not fit, or the connection fails.
    ///
    /// Example: mediacapture send --whip http://127.0.0.1:7080/whip/endpoint/cam --duration 30s
    Send(send::SendArgs),
}

/// Arguments of `probe`.
#[derive(Args, Debug)]
struct ProbeArgs {
    /// MediaStreamConstraints JSON (or DisplayMediaStreamOptions with --display).
    #[arg(default_value = r#"{"video":true,"audio":true}"#)]
    constraints: String,
    /// Use getDisplayMedia instead of getUserMedia.
    #[arg(long)]
    display: bool,
    /// After getUserMedia, call applyConstraints on the video track with this JSON.
    #[arg(long, value_name = "CONSTRAINTS")]
    apply: Option<String>,
}

/// A failure to report: a spec error (getUserMedia and friends), a usage error, or a
/// problem while running.
pub(crate) enum Failure {
    /// A DOMException-style error from the library: exit status 2.
    Media(Error),
    /// Bad usage (arguments, JSON, an output that is the input): exit status 2.
    Usage(String),
    /// The command ran and failed (unwritable file, a recording that stopped early or
    /// captured nothing): exit status 1.
    Other(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Media(e)
    }
}

pub(crate) type CliResult<T = ()> = Result<T, Failure>;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Usage errors exit with 2 (as clap's own `exit` does); --help and --version 0.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(&cli.global);
    let json = cli.global.json;
    let result = match cli.command {
        Command::Devices => devices(&cli.global),
        Command::Probe(args) => probe(&cli.global, &args),
        Command::Record(args) => record::run(&cli.global, &args),
        Command::Snapshot(args) => snapshot::run(&cli.global, &args),
        Command::Bench(args) => bench::run(&cli.global, &args),
        Command::Preview(args) => preview::run(&cli.global, &args),
        Command::Send(args) => send::run(&cli.global, &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Media(e)) => {
            if json {
                output::print_json(&json!({ "error": error_json(&e) }));
            } else {
                eprintln!("mediacapture: {e}");
            }
            ExitCode::from(2)
        }
        Err(Failure::Usage(msg)) => {
            if json {
                output::print_json(&json!({ "error": { "name": "UsageError", "message": msg } }));
            } else {
                eprintln!("mediacapture: {msg}");
            }
            ExitCode::from(2)
        }
        Err(Failure::Other(msg)) => {
            if json {
                output::print_json(&json!({ "error": { "name": "Error", "message": msg } }));
            } else {
                eprintln!("mediacapture: {msg}");
            }
            ExitCode::from(1)
        }
    }
}

fn init_logging(g: &Global) {
    let level = match (g.quiet, g.verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        (false, 2) => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .try_init();
}

/// `{name, constraint?, message}` of an error, as a browser's DOMException would show it.
pub(crate) fn error_json(e: &Error) -> Value {
    e.to_json()
}

/// The `MediaDevices` for these options: fake devices when asked (`--fake`,
/// `MEDIACAPTURE_FAKE`), otherwise the real backends. With `stand_ins` (the commands that
/// record: the main job must work on a machine without hardware), fake devices stand in for
/// the kinds no real backend has, with a one-line notice; `devices` and `probe` show only what
/// is really there.
pub(crate) fn media_devices(g: &Global, stand_ins: bool) -> CliResult<MediaDevices> {
    // The person running the command owns the devices: labels, ids and constraint names are
    // shown from the start.
    let builder = MediaDevices::builder()
        .origin(g.origin.clone())
        .expose_device_info(true);
    let md = match &g.fake {
        Some(path) if !path.is_empty() => {
            let profile = FakeProfile::from_file(path)
                // Bad input given on the command line, like bad constraints: status 2.
                .map_err(|e| Failure::Usage(format!("fake profile {path}: {e}")))?;
            builder.backend(FakeBackend::new(profile)).build()
        }
        Some(_) => builder
            .backend(FakeBackend::new(FakeProfile::default()))
            .build(),
        None if stand_ins => {
            let (backends, faked) = mediacapture_hal::backends_with_fake_stand_ins();
            if !faked.is_empty() && !g.quiet {
                let real: Vec<&str> = backends
                    .iter()
                    .map(|b| b.name())
                    .filter(|n| *n != "fake")
                    .collect();
                if real.is_empty() {
                    eprintln!("mediacapture: no capture hardware found; using fake devices");
                } else {
                    let kinds: Vec<&str> = faked.iter().map(|k| k.as_str()).collect();
                    eprintln!(
                        "mediacapture: fake devices stand in for what {} does not have ({})",
                        real.join(" + "),
                        kinds.join(", ")
                    );
                }
            }
            backends
                .into_iter()
                .fold(builder, |b, backend| b.backend_arc(backend.into()))
                .build()
        }
        None => builder.build(),
    };
    Ok(md)
}

pub(crate) fn parse_constraints(json: &str) -> CliResult<MediaStreamConstraints> {
    MediaStreamConstraints::from_json(json)
        .map_err(|e| Failure::Usage(format!("bad constraints JSON: {}", e.message)))
}

/// Checks constraint JSON (getDisplayMedia options with `display`) without using it: bad
/// usage is refused before anything is opened or written.
pub(crate) fn check_constraints(constraints: &str, display: bool) -> CliResult {
    if display {
        DisplayMediaStreamOptions::from_json(constraints)
            .map_err(|e| Failure::Usage(format!("bad display options JSON: {}", e.message)))?;
    } else {
        parse_constraints(constraints)?;
    }
    Ok(())
}

/// getUserMedia, or getDisplayMedia when `display`.
pub(crate) fn open_stream(
    md: &MediaDevices,
    constraints: &str,
    display: bool,
) -> CliResult<MediaStream> {
    let stream = if display {
        let options = DisplayMediaStreamOptions::from_json(constraints)
            .map_err(|e| Failure::Usage(format!("bad display options JSON: {}", e.message)))?;
        futures_executor::block_on(md.get_display_media(options))?
    } else {
        futures_executor::block_on(md.get_user_media(parse_constraints(constraints)?))?
    };
    Ok(stream)
}

fn devices(g: &Global) -> CliResult {
    let md = media_devices(g, false)?;
    let list = futures_executor::block_on(md.enumerate_devices())?;
    if g.json {
        let arr: Vec<Value> = list.iter().map(|d| d.to_json()).collect();
        println!("{}", Value::Array(arr));
        return Ok(());
    }
    println!(
        "{:<12} {:<32} {:<45} GROUP ID",
        "KIND", "LABEL", "DEVICE ID"
    );
    for d in &list {
        println!(
            "{:<12} {:<32} {:<45} {}",
            d.kind.as_str(),
            d.label,
            d.device_id,
            d.group_id
        );
    }
    if list.is_empty() {
        println!("(no devices)");
    }
    // Screens are not enumerated by the spec (the user picks one in getDisplayMedia); show
    // them apart so a person sees what `record --display` would capture.
    let screens = futures_executor::block_on(md.display_surfaces())?;
    if !screens.is_empty() {
        println!();
        println!("{:<12} {:<32} SIZE", "SURFACE", "LABEL");
        for s in &screens {
            println!(
                "{:<12} {:<32} {}x{}",
                s.display_surface.as_str(),
                s.label,
                s.width,
                s.height
            );
        }
    }
    Ok(())
}

fn track_json(t: &mediacapture::MediaStreamTrack) -> Value {
    json!({
        "kind": t.kind().as_str(),
        "label": t.label(),
        "settings": t.get_settings(),
        "capabilities": t.get_capabilities(),
        "constraints": t.get_constraints(),
    })
}

fn probe(g: &Global, args: &ProbeArgs) -> CliResult {
    let md = media_devices(g, false)?;
    let stream = open_stream(&md, &args.constraints, args.display)?;
    let result = (|| {
        if let Some(apply) = &args.apply {
            let c = MediaTrackConstraints::from_json(apply)
                .map_err(|e| Failure::Usage(format!("bad --apply JSON: {}", e.message)))?;
            let video = stream
                .get_video_tracks()
                .into_iter()
                .next()
                .ok_or_else(|| Failure::Other("--apply needs a video track".into()))?;
            futures_executor::block_on(video.apply_constraints(c))?;
        }
        let tracks: Vec<Value> = stream.get_tracks().iter().map(track_json).collect();
        if g.json {
            println!("{}", json!({ "tracks": tracks }));
        } else {
            for t in &tracks {
                println!(
                    "{} track: {}",
                    t["kind"].as_str().unwrap_or(""),
                    t["label"].as_str().unwrap_or("")
                );
                for key in ["settings", "capabilities", "constraints"] {
                    println!("  {key}: {}", t[key]);
                }
            }
        }
        Ok(())
    })();
    stream.get_tracks().iter().for_each(|t| t.stop());
    result
}
