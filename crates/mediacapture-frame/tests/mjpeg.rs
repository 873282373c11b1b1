//! MJPEG decoding of JPEGs made at test time (jpeg-encoder, and ffmpeg when installed).
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod common;

use common::*;
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use mediacapture_frame::{FrameError, PixelFormat, Rect, VideoFrame, convert};

/// JPEG is lossy: decoded samples are within this of the reference in flat areas.
const JPEG_TOLERANCE: u8 = 4;

const QUADRANTS: [(u8, u8, u8); 4] = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)];

fn quadrant(x: u32, y: u32, w: u32, h: u32) -> usize {
    usize::from(x >= w / 2) + 2 * usize::from(y >= h / 2)
}

fn encode(w: u32, h: u32, sampling: SamplingFactor, grey: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, 95);
    encoder.set_sampling_factor(sampling);
    let mut pixels = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = QUADRANTS[quadrant(x, y, w, h)];
            if grey {
                pixels.push(rgb_to_yuv601(r, g, b).0);
            } else {
                pixels.extend_from_slice(&[r, g, b]);
            }
        }
    }
    let color = if grey {
        ColorType::Luma
    } else {
        ColorType::Rgb
    };
    encoder.encode(&pixels, w as u16, h as u16, color).unwrap();
    out
}

/// Checks the middle of each quadrant of a decoded I420 frame against the reference YUV.
fn check_quadrants(frame: &VideoFrame, w: u32, h: u32) {
    let (y, u, v) = i420_planes(frame);
    for (q, &(r, g, b)) in QUADRANTS.iter().enumerate() {
        let (cx, cy) = (
            (q as u32 % 2) * w / 2 + w / 4,
            (q as u32 / 2) * h / 2 + h / 4,
        );
        let want = rgb_to_yuv601(r, g, b);
        let got = (
            y[cy as usize][cx as usize],
            u[cy as usize / 2][cx as usize / 2],
            v[cy as usize / 2][cx as usize / 2],
        );
        assert!(
            close(got.0, want.0, JPEG_TOLERANCE)
                && close(got.1, want.1, JPEG_TOLERANCE)
                && close(got.2, want.2, JPEG_TOLERANCE),
            "quadrant {q}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn decodes_420_jpeg_to_limited_range_i420() {
    let jpeg = encode(64, 48, SamplingFactor::R_4_2_0, false);
    let frame = VideoFrame::new(PixelFormat::Mjpeg, 64, 48, jpeg, 99).unwrap();
    let out = convert(&frame, PixelFormat::I420).unwrap();
    assert_eq!(
        (out.coded_width(), out.coded_height(), out.timestamp()),
        (64, 48, 99)
    );
    check_quadrants(&out, 64, 48);
}

#[test]
fn decodes_to_rgba_directly() {
    let jpeg = encode(32, 32, SamplingFactor::R_4_2_0, false);
    let frame = VideoFrame::new(PixelFormat::Mjpeg, 32, 32, jpeg, 0).unwrap();
    let out = convert(&frame, PixelFormat::Rgba).unwrap();
    let px = |x: usize, y: usize| &out.plane(0)[(y * 32 + x) * 4..(y * 32 + x) * 4 + 4];
    // Red top-left, white bottom-right (within JPEG + two quantisations).
    let red = px(8, 8);
    assert!(red[0] > 240 && red[1] < 16 && red[2] < 16, "{red:?}");
    let white = px(24, 24);
    assert!(white.iter().all(|&c| c > 240), "{white:?}");
}

#[test]
fn decodes_odd_sizes_and_422() {
    for (w, h) in [(33, 17), (1, 1), (7, 3)] {
        for sampling in [
            SamplingFactor::R_4_2_0,
            SamplingFactor::R_4_2_2,
            SamplingFactor::R_4_4_4,
        ] {
            let jpeg = encode(w, h, sampling, false);
            let frame = VideoFrame::new(PixelFormat::Mjpeg, w, h, jpeg, 0).unwrap();
            let out = convert(&frame, PixelFormat::I420).unwrap();
            assert_holds(&out, PixelFormat::I420.frame_size(w, h).unwrap());
            if w >= 8 {
                check_quadrants(&out, w, h);
            }
        }
    }
}

#[test]
fn grey_jpeg_has_neutral_chroma() {
    let jpeg = encode(16, 16, SamplingFactor::R_4_2_0, true);
    let frame = VideoFrame::new(PixelFormat::Mjpeg, 16, 16, jpeg, 0).unwrap();
    let out = convert(&frame, PixelFormat::I420).unwrap();
    let (y, u, v) = i420_planes(&out);
    assert!(u.iter().chain(&v).flatten().all(|&c| c == 128));
    // The grey JPEG stored limited-range luma values as full-range bytes; decoding maps
    // full range to limited: 16 + l * 219 / 255.
    let (r, g, b) = QUADRANTS[0];
    let stored = f64::from(rgb_to_yuv601(r, g, b).0);
    let want = (16.0 + stored * 219.0 / 255.0).round() as u8;
    assert!(
        close(y[4][4], want, JPEG_TOLERANCE),
        "{} vs {want}",
        y[4][4]
    );
}

#[test]
fn visible_rect_of_an_mjpeg_frame() {
    let jpeg = encode(64, 48, SamplingFactor::R_4_2_0, false);
    let frame = VideoFrame::new(PixelFormat::Mjpeg, 64, 48, jpeg, 0)
        .unwrap()
        .with_visible_rect(Rect {
            x: 32,
            y: 24,
            width: 32,
            height: 24,
        })
        .unwrap();
    let out = convert(&frame, PixelFormat::I420).unwrap();
    assert_eq!((out.coded_width(), out.coded_height()), (32, 24));
    let (y, _, _) = i420_planes(&out);
    // Only the white quadrant is left.
    assert!(
        y[2..22]
            .iter()
            .all(|row| row[2..30].iter().all(|&l| close(l, 235, JPEG_TOLERANCE)))
    );
}

#[test]
fn corrupt_or_mismatched_jpeg_is_a_decode_error() {
    let jpeg = encode(32, 32, SamplingFactor::R_4_2_0, false);
    let cases: Vec<(Vec<u8>, u32, u32)> = vec![
        (jpeg[..jpeg.len() / 3].to_vec(), 32, 32),
        (
            (0..500u32).map(|i| (i * 7919 % 251) as u8).collect(),
            32,
            32,
        ),
        (vec![0xFF, 0xD8, 0xFF], 32, 32),
        (jpeg.clone(), 64, 32),
    ];
    for (i, (bytes, w, h)) in cases.into_iter().enumerate() {
        let frame = VideoFrame::new(PixelFormat::Mjpeg, w, h, bytes, 0).unwrap();
        match convert(&frame, PixelFormat::I420) {
            Err(FrameError::Decode(_)) => {}
            other => panic!("case {i}: {other:?}"),
        }
    }
}

/// A JPEG from ffmpeg's encoder (as a camera's MJPEG: yuvj422p), when ffmpeg is installed
/// (scripts/setup.sh installs it). Returns `None` when it is not.
fn ffmpeg_jpeg(colour: &str, w: u32, h: u32) -> Option<Vec<u8>> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i"])
        .arg(format!("color=c={colour}:s={w}x{h}"))
        .args([
            "-frames:v",
            "1",
            "-pix_fmt",
            "yuvj422p",
            "-q:v",
            "2",
            "-f",
            "mjpeg",
            "pipe:1",
        ])
        .output()
        .ok()?;
    (out.status.success() && !out.stdout.is_empty()).then_some(out.stdout)
}

#[test]
fn decodes_ffmpeg_camera_style_mjpeg() {
    let cases = [("0x0000FF", (0u8, 0u8, 255u8)), ("0xFFFF00", (255, 255, 0))];
    for (colour, (r, g, b)) in cases {
        let Some(jpeg) = ffmpeg_jpeg(colour, 48, 32) else {
            eprintln!("ffmpeg not available: skipping the ffmpeg-made JPEG");
            return;
        };
        let frame = VideoFrame::new(PixelFormat::Mjpeg, 48, 32, jpeg, 0).unwrap();
        let out = convert(&frame, PixelFormat::I420).unwrap();
        let (y, u, v) = i420_planes(&out);
        let want = rgb_to_yuv601(r, g, b);
        let got = (y[16][24], u[8][12], v[8][12]);
        assert!(
            close(got.0, want.0, JPEG_TOLERANCE)
                && close(got.1, want.1, JPEG_TOLERANCE)
                && close(got.2, want.2, JPEG_TOLERANCE),
            "{colour}: got {got:?}, want {want:?}"
        );
    }
}
