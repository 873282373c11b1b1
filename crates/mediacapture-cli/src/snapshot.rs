//! `mediacapture snapshot`: a still photo from a video track (the spec's "taking still
//! photos" guide, natively: video -> frame -> image file).

use crate::args::parse_duration;
use crate::output::{Output, print_json};
use crate::{CliResult, Failure, Global, check_constraints, media_devices, open_stream};
use clap::Args;
use mediacapture::{PixelFormat, VideoFrame};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `snapshot`.
#[derive(Args, Debug)]
pub(crate) struct SnapshotArgs {
    /// MediaStreamConstraints JSON; only the video part is used.
    #[arg(short, long, default_value = r#"{"video":true}"#)]
    constraints: String,
    /// Capture a display surface (getDisplayMedia) instead of a camera.
    #[arg(long)]
    display: bool,
    /// The image to write: PNG, or JPEG when the name ends in .jpg / .jpeg; `-` writes PNG
    /// to standard output. Written to OUTPUT.<pid>-<n>.part and renamed over OUTPUT once the
    /// image is complete: an existing OUTPUT stays as it was when the snapshot fails.
    #[arg(short, long)]
    output: PathBuf,
    /// How long to wait for the first frame: seconds, or with a unit (1500ms, 2m).
    #[arg(long, default_value = "5", value_name = "SECONDS", value_parser = parse_duration)]
    timeout: Duration,
}

pub(crate) fn run(g: &Global, args: &SnapshotArgs) -> CliResult {
    let format = ImageFormat::from_path(&args.output)?;
    // Everything that can be checked is checked before the output is touched; an
    // unwritable place fails here, before any device opens.
    check_constraints(&args.constraints, args.display)?;
    let mut out = Output::prepare(&args.output, &[])?;
    let md = media_devices(g, true)?;
    let stream = open_stream(&md, &args.constraints, args.display)?;
    let track = stream
        .get_video_tracks()
        .into_iter()
        .next()
        .ok_or_else(|| Failure::Other("the constraints gave no video track".into()))?;
    let frames = track.video_frames();
    let frame = frames.recv_timeout(args.timeout);
    stream.get_tracks().iter().for_each(|t| t.stop());
    let frame = frame.ok_or_else(|| {
        Failure::Other(format!(
            "no frame arrived within {:?}; {} was not written",
            args.timeout,
            args.output.display()
        ))
    })?;
    let (w, h) = (frame.display_width(), frame.display_height());
    let writer: Box<dyn Write> =
        match (out.file_path(), out.open_stream()?) {
            (Some(p), _) => Box::new(std::fs::File::create(p).map_err(|e| {
                Failure::Other(format!("cannot write {}: {e}", args.output.display()))
            })?),
            (None, Some(stream)) => stream,
            (None, None) => return Err(Failure::Other("no output".into())),
        };
    encode(&frame, format, writer)?;
    out.commit()?;
    if g.json {
        print_json(&serde_json::json!({
            "file": args.output, "width": w, "height": h, "timestamp": frame.timestamp()
        }));
    } else if !g.quiet {
        eprintln!("wrote {} ({w}x{h})", args.output.display());
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum ImageFormat {
    Png,
    Jpeg,
}

impl ImageFormat {
    fn from_path(p: &Path) -> CliResult<Self> {
        if p.as_os_str() == "-" {
            return Ok(ImageFormat::Png);
        }
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "png" => Ok(ImageFormat::Png),
            "jpg" | "jpeg" => Ok(ImageFormat::Jpeg),
            _ => Err(Failure::Usage(format!(
                "{}: the output must end in .png, .jpg or .jpeg (or be - for PNG on stdout)",
                p.display()
            ))),
        }
    }
}

/// Tightly packed RGBA pixels of the frame's visible rect.
fn rgba_pixels(frame: &VideoFrame) -> CliResult<(u32, u32, Vec<u8>)> {
    let rgba = mediacapture_frame::convert(frame, PixelFormat::Rgba)
        .map_err(|e| Failure::Other(format!("cannot convert the frame: {e}")))?;
    let (w, h) = (rgba.display_width(), rgba.display_height());
    let r = rgba.visible_rect();
    let stride = rgba.stride(0);
    let plane = rgba.plane(0);
    let mut out = Vec::with_capacity(w as usize * h as usize * 4);
    for y in r.y..r.y + h {
        let start = y as usize * stride + r.x as usize * 4;
        out.extend_from_slice(&plane[start..start + w as usize * 4]);
    }
    Ok((w, h, out))
}

fn encode(frame: &VideoFrame, format: ImageFormat, out: Box<dyn Write>) -> CliResult {
    let (w, h, rgba) = rgba_pixels(frame)?;
    let io = |e: &dyn std::fmt::Display| Failure::Other(format!("cannot write the image: {e}"));
    let mut writer = std::io::BufWriter::new(out);
    match format {
        ImageFormat::Png => {
            let mut enc = png::Encoder::new(&mut writer, w, h);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header().map_err(|e| io(&e))?;
            w.write_image_data(&rgba).map_err(|e| io(&e))?;
            w.finish().map_err(|e| io(&e))?;
        }
        ImageFormat::Jpeg => {
            let (w16, h16) = (
                u16::try_from(w).map_err(|_| Failure::Other("frame too wide for JPEG".into()))?,
                u16::try_from(h).map_err(|_| Failure::Other("frame too tall for JPEG".into()))?,
            );
            let enc = jpeg_encoder::Encoder::new(&mut writer, 90);
            enc.encode(&rgba, w16, h16, jpeg_encoder::ColorType::Rgba)
                .map_err(|e| io(&e))?;
        }
    }
    // Flushed here, not on drop, so that a full disk is an error and not a short image.
    writer.flush().map_err(|e| io(&e))
}
