//! `MediaReader`: WebM (VP8, VP9, Opus), WAV and y4m decoded as fast as pulled; seeking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failure with a message"
)]

mod common;

use mediacapture::ErrorKind;
use mediacapture_sources::file::{Container, Media, MediaReader};
use std::time::Duration;

struct Summary {
    video: Vec<(i64, u32, u32)>,
    audio_frames: usize,
    audio_first: Option<i64>,
    audio_end: i64,
}

fn read_all(reader: &mut MediaReader) -> Summary {
    let mut s = Summary {
        video: Vec::new(),
        audio_frames: 0,
        audio_first: None,
        audio_end: 0,
    };
    while let Some(m) = reader.next_media().unwrap() {
        match m {
            Media::Video(f) => s
                .video
                .push((f.timestamp(), f.display_width(), f.display_height())),
            Media::Audio(a) => {
                s.audio_first.get_or_insert(a.timestamp());
                s.audio_frames += a.frames();
                s.audio_end = a.timestamp() + a.duration();
            }
        }
    }
    s
}

#[test]
fn webm_vp8_opus_decodes_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::webm(dir.path(), "a.webm", "320x240", 2.0, false);
    let mut r = MediaReader::open(&path).unwrap();
    let info = r.info().clone();
    assert_eq!(info.container, Container::WebM);
    let v = info.video.as_ref().unwrap();
    assert_eq!((v.codec, v.width, v.height), ("vp8", 320, 240));
    assert!(
        (v.frame_rate - 30.0).abs() < 0.5,
        "frame rate {}",
        v.frame_rate
    );
    let a = info.audio.as_ref().unwrap();
    assert_eq!((a.codec, a.sample_rate, a.channels), ("opus", 48_000, 1));
    let d = info.duration.unwrap().as_secs_f64();
    assert!((d - 2.0).abs() < 0.1, "header duration {d}");

    let s = read_all(&mut r);
    assert_eq!(s.video.len(), 60);
    assert!(s.video.iter().all(|&(_, w, h)| (w, h) == (320, 240)));
    for (i, w) in s.video.windows(2).enumerate() {
        let dt = w[1].0 - w[0].0;
        assert!(
            (30_000..=37_000).contains(&dt),
            "frame {i}: {dt} µs after the previous"
        );
    }
    // Opus pre-skip removed: ~2 s of audio starting at 0.
    let secs = s.audio_frames as f64 / 48_000.0;
    assert!((secs - 2.0).abs() < 0.03, "{secs} s of audio");
    assert!(s.audio_first.unwrap().abs() < 10_000);
    assert!(
        (s.audio_end - 2_000_000).abs() < 30_000,
        "audio ends at {}",
        s.audio_end
    );
    // The end stays the end.
    assert!(r.next_media().unwrap().is_none());
}

#[test]
fn webm_vp9_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::webm(dir.path(), "b.webm", "160x120", 1.0, true);
    let mut r = MediaReader::open(&path).unwrap();
    assert_eq!(r.info().video.as_ref().unwrap().codec, "vp9");
    let s = read_all(&mut r);
    assert_eq!(s.video.len(), 30);
    assert!(s.video.iter().all(|&(_, w, h)| (w, h) == (160, 120)));
}

#[test]
fn webm_seek_lands_on_the_frame_shown() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::webm(dir.path(), "c.webm", "160x120", 2.0, false);
    let mut r = MediaReader::open(&path).unwrap();
    r.seek(Duration::from_millis(1_010)).unwrap();
    let s = read_all(&mut r);
    // The frame shown at 1.010 s is the one from 1.000 s, timed at the target.
    assert_eq!(s.video.first().unwrap().0, 1_010_000);
    assert_eq!(s.video.len(), 30, "frames 30..59");
    assert!(
        s.audio_first.unwrap() >= 990_000,
        "audio from {:?}",
        s.audio_first
    );
    let secs = s.audio_frames as f64 / 48_000.0;
    assert!(
        (secs - 1.0).abs() < 0.05,
        "{secs} s of audio after the seek"
    );
    // Back to the start.
    r.seek(Duration::ZERO).unwrap();
    assert_eq!(read_all(&mut r).video.len(), 60);
}

#[test]
fn wav_reads_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::wav(dir.path(), "t.wav", 44_100, 2, 1.0);
    let mut r = MediaReader::open(&path).unwrap();
    let a = r.info().audio.clone().unwrap();
    assert_eq!(
        (a.codec, a.sample_rate, a.channels, a.sample_size),
        ("pcm", 44_100, 2, 16)
    );
    assert_eq!(r.info().container, Container::Wav);
    assert!(r.info().video.is_none());
    let mut peak = 0f32;
    let mut frames = 0;
    let mut next_ts = 0;
    while let Some(m) = r.next_media().unwrap() {
        let Media::Audio(a) = m else {
            panic!("video in a WAV")
        };
        assert!(
            (a.timestamp() - next_ts).abs() <= 1,
            "gap at {}",
            a.timestamp()
        );
        next_ts = a.timestamp() + a.duration();
        frames += a.frames();
        peak = a
            .to_f32_interleaved()
            .iter()
            .fold(peak, |p, s| p.max(s.abs()));
    }
    assert_eq!(frames, 44_100);
    // ffmpeg's sine source has amplitude 1/8; its mono-to-stereo upmix divides by √2.
    let expected = 0.125 / 2f32.sqrt();
    assert!(
        (peak - expected).abs() < 0.005,
        "peak {peak}, expected {expected}"
    );
    r.seek(Duration::from_millis(500)).unwrap();
    let rest: usize = r
        .by_ref()
        .map(|m| match m.unwrap() {
            Media::Audio(a) => a.frames(),
            Media::Video(_) => 0,
        })
        .sum();
    assert_eq!(rest, 22_050);
}

#[test]
fn y4m_reads_and_seeks() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::y4m(dir.path(), "t.y4m", "160x120", 25, 1.0);
    let mut r = MediaReader::open(&path).unwrap();
    let v = r.info().video.clone().unwrap();
    assert_eq!(
        (v.codec, v.width, v.height, v.frame_rate),
        ("raw", 160, 120, 25.0)
    );
    assert_eq!(r.info().duration, Some(Duration::from_secs(1)));
    let s = read_all(&mut r);
    assert_eq!(s.video.len(), 25);
    assert_eq!(s.video[1].0, 40_000);
    r.seek(Duration::from_millis(510)).unwrap();
    let s = read_all(&mut r);
    assert_eq!(s.video.len(), 13, "frames 12..24");
    assert_eq!(s.video[0].0, 480_000);
}

#[test]
fn bad_paths_and_foreign_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let e = MediaReader::open(dir.path().join("missing.webm")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    let empty = dir.path().join("empty.webm");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(
        MediaReader::open(&empty).unwrap_err().kind,
        ErrorKind::NotReadableError
    );
    let text = dir.path().join("notes.webm");
    std::fs::write(&text, b"this is not a media file at all").unwrap();
    assert_eq!(
        MediaReader::open(&text).unwrap_err().kind,
        ErrorKind::NotSupportedError
    );
    // A WebM with only an unsupported codec.
    let h264 = common::ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=10",
            "-t",
            "0.3",
            "-c:v",
            "mpeg4",
        ],
        &dir.path().join("m.mkv"),
    );
    let e = MediaReader::open(&h264).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotSupportedError, "{e}");
    assert!(e.message.contains("V_MPEG4"), "{e}");
}

#[test]
fn public_types_are_send_and_sync() {
    // DESIGN: everything public is Send + Sync (a compile-time check).
    fn check<T: Send + Sync>() {}
    check::<MediaReader>();
    check::<mediacapture_sources::MediaFile>();
    check::<mediacapture_sources::Canvas>();
    check::<mediacapture_sources::CanvasCaptureStream>();
    check::<mediacapture_sources::CanvasCaptureMediaStreamTrack>();
    check::<Media>();
}

#[test]
fn webm_seek_decodes_from_the_last_keyframe_exactly() {
    let dir = tempfile::tempdir().unwrap();
    // A keyframe every 15 frames (0.5 s).
    let path = common::ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=96x64:rate=30",
            "-t",
            "2",
            "-c:v",
            "libvpx",
            "-g",
            "15",
            "-keyint_min",
            "15",
            "-b:v",
            "200k",
        ],
        &dir.path().join("g.webm"),
    );
    let mut r = MediaReader::open(&path).unwrap();
    let mut all = Vec::new();
    while let Some(m) = r.next_media().unwrap() {
        if let Media::Video(f) = m {
            all.push(f);
        }
    }
    assert_eq!(all.len(), 60);
    // 1.21 s: frame 36 (1.2 s), 6 frames after the keyframe at 1.0 s.
    r.seek(Duration::from_millis(1_210)).unwrap();
    let Some(Media::Video(first)) = r.next_media().unwrap() else {
        panic!("no video after the seek");
    };
    assert_eq!(first.timestamp(), 1_210_000);
    assert_eq!(
        first.to_packed_vec(),
        all[36].to_packed_vec(),
        "the seek decoded another picture"
    );
    let Some(Media::Video(second)) = r.next_media().unwrap() else {
        panic!("no second frame");
    };
    assert_eq!(second.to_packed_vec(), all[37].to_packed_vec());
}

#[test]
fn matroska_with_stereo_opus_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=15",
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:sample_rate=48000",
            "-t",
            "1",
            "-ac",
            "2",
            "-c:v",
            "libvpx",
            "-c:a",
            "libopus",
        ],
        &dir.path().join("s.mkv"),
    );
    let mut r = MediaReader::open(&path).unwrap();
    assert_eq!(r.info().container, Container::Matroska);
    assert_eq!(r.info().audio.as_ref().unwrap().channels, 2);
    assert!((r.info().video.as_ref().unwrap().frame_rate - 15.0).abs() < 0.5);
    let s = read_all(&mut r);
    assert_eq!(s.video.len(), 15);
    let secs = s.audio_frames as f64 / 48_000.0;
    assert!((secs - 1.0).abs() < 0.03, "{secs} s of stereo audio");
}

/// VP9 profile 1 (4:4:4 and 4:2:2 chroma) comes out as I420: luma as decoded, each chroma
/// sample the decoded sample at its 4:2:0 position (top-left of its 2x2 block), compared
/// with ffmpeg's own decode of the same file at the file's chroma resolution.
#[test]
fn webm_vp9_profile_1_comes_out_as_i420() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (65usize, 49usize);
    for (pix_fmt, xs, ys) in [("yuv444p", 0usize, 0usize), ("yuv422p", 1, 0)] {
        let path = common::ffmpeg(
            &[
                "-f",
                "lavfi",
                "-i",
                &format!("testsrc=size={w}x{h}:rate=30"),
                "-frames:v",
                "1",
                "-pix_fmt",
                pix_fmt,
                "-c:v",
                "libvpx-vp9",
                "-b:v",
                "500k",
            ],
            &dir.path().join(format!("{pix_fmt}.webm")),
        );
        let raw = common::ffmpeg(
            &[
                "-i",
                path.to_str().unwrap(),
                "-f",
                "rawvideo",
                "-pix_fmt",
                pix_fmt,
            ],
            &dir.path().join(format!("{pix_fmt}.raw")),
        );
        let want = std::fs::read(raw).unwrap();
        let mut r = MediaReader::open(&path).unwrap();
        let Some(Media::Video(f)) = r.next_media().unwrap() else {
            panic!("{pix_fmt}: no video frame");
        };
        assert_eq!(
            f.format(),
            mediacapture_frame::PixelFormat::I420,
            "{pix_fmt}"
        );
        assert_eq!(
            (f.display_width(), f.display_height()),
            (w as u32, h as u32)
        );
        let got = f.to_packed_vec();
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let (sw, sh) = (w.div_ceil(1 << xs), h.div_ceil(1 << ys));
        assert_eq!(
            want.len(),
            w * h + 2 * sw * sh,
            "{pix_fmt}: ffmpeg's raw size"
        );
        assert_eq!(got[..w * h], want[..w * h], "{pix_fmt}: luma");
        for plane in 0..2 {
            let src = &want[w * h + plane * sw * sh..][..sw * sh];
            let out = &got[w * h + plane * cw * ch..][..cw * ch];
            for y in 0..ch {
                for x in 0..cw {
                    let s = src[((y * 2) >> ys) * sw + ((x * 2) >> xs)];
                    assert_eq!(out[y * cw + x], s, "{pix_fmt}: plane {plane} at {x},{y}");
                }
            }
        }
    }
}
