//! Stream sources that are not capture devices, from *Media Capture from DOM Elements*
//! (mediacapture-fromelement): a canvas that streams, and a media file that plays into a
//! stream.
//!
//! Both give ordinary [`mediacapture::MediaStream`]s: their tracks have settings, clones,
//! constraints (scale down, lower frame rate, resample), frame sinks and `ended` / `mute`
//! events like a camera's, because each source is a `mediacapture_hal::Backend` opened
//! through [`mediacapture::custom::open_track`].
//!
//! # A canvas that streams
//!
//! [`Canvas`] is a 2D surface; [`Canvas::context_2d`] is its `CanvasRenderingContext2D`
//! ([`canvas::CanvasRenderingContext2D`]: styles, transforms, save / restore, paths, fill and
//! stroke, rectangles, image data, `draw_image` of a canvas or a video frame), and
//! [`Canvas::draw`] hands out the [`tiny_skia`] pixmap for anything else.
//! [`Canvas::capture_stream`] is `HTMLCanvasElement.captureStream(frameRequestRate)` and its
//! track is a [`CanvasCaptureMediaStreamTrack`] with `canvas()` and `request_frame()`. Frames
//! follow the spec's paint steps: nothing until the canvas is drawn to after the capture
//! starts; then a frame per paint, at most one per `1/rate` s of the canvas's clock, or (rate
//! 0) only when requested.
//!
//! ```
//! use mediacapture_sources::Canvas;
//! use std::f64::consts::PI;
//!
//! let canvas = Canvas::new(320, 240)?;
//! let stream = canvas.capture_stream(None)?; // a frame on every change
//! let track = &stream.get_video_tracks()[0];
//! assert_eq!(track.get_settings().width, Some(320));
//! let frames = track.video_frames();
//! assert!(frames.try_recv().is_none()); // nothing drawn yet
//!
//! let ctx = canvas.context_2d();
//! ctx.set_fill_style("#0080ff");
//! ctx.fill_rect(0.0, 0.0, 320.0, 240.0); // paints: a frame
//! ctx.set_stroke_style("white");
//! ctx.set_line_width(4.0);
//! ctx.translate(160.0, 120.0);
//! ctx.begin_path();
//! ctx.arc(0.0, 0.0, 50.0, 0.0, 2.0 * PI, false)?;
//! ctx.stroke(); // paints again
//! let frame = frames.try_recv().expect("a frame after drawing");
//! assert_eq!((frame.display_width(), frame.display_height()), (320, 240));
//! // The canvas's own pixels: straight-alpha RGBA.
//! assert_eq!(ctx.get_image_data(10, 10, 1, 1)?.data(), &[0, 128, 255, 255]);
//! # Ok::<(), mediacapture::Error>(())
//! ```
//!
//! A still photo, the spec guide's way (video → canvas → PNG):
//! [`Canvas::draw_video_frame`] then [`Canvas::to_png`].
//!
//! # A media file that plays into a stream
//!
//! [`MediaFile`] plays WebM/Matroska (VP8, VP9, Opus — what `MediaRecorder` writes), WAV
//! and y4m files in real time; [`MediaFile::capture_stream`] is a media element's
//! `captureStream()`. Tracks end (`ended`) when the file does, unless it loops; seeking
//! changes nothing for the tracks but what they carry; pausing mutes them.
//!
//! ```no_run
//! use mediacapture_sources::MediaFile;
//! // Re-record a file (what `mediacapture record --from FILE` does):
//! let stream = MediaFile::open("in.webm")?.capture_stream()?;
//! for track in stream.get_tracks() {
//!     println!("{:?}: {:?}", track.kind(), track.get_settings());
//! }
//! // ... hand `stream` to a MediaRecorder; it ends when the file does.
//! # Ok::<(), mediacapture::Error>(())
//! ```
//!
//! [`file::MediaReader`] reads the same files as fast as the caller pulls (no clock), for
//! transcoding and tests. A damaged file gives `NotReadableError` at open (header) or ends
//! the tracks at the damage with that error ([`MediaFile::error`]); it never panics.

pub mod canvas;
pub mod file;

pub use canvas::{
    Canvas, CanvasCaptureMediaStreamTrack, CanvasCaptureStream, CanvasRenderingContext2D,
};
pub use file::{MediaFile, MediaReader};
