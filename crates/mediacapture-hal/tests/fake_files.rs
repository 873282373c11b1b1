//! File-backed fake devices: y4m cameras and wav microphones loop; bad files fail at open.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

mod common;

use common::{Collect, dominant};
use mediacapture_frame::PixelFormat;
use mediacapture_hal::fake::{DeviceSpec, FakeBackend, FakeProfile, FakeVideoMode};
use mediacapture_hal::{Backend, ErrorKind, NativeCapabilities, NativeConfig};
use mediacapture_types::EchoCancellation;
use mediacapture_types::native::{AudioConfig, VideoMode};
use std::path::Path;
use std::sync::Arc;

/// A y4m file of `n` frames, 64x48 at 25 fps; frame i has luma 10*(i+1) and chroma 128.
fn write_y4m(path: &Path, n: usize, colorspace: &str) {
    write_y4m_step(path, n, colorspace, 10);
}

/// Like [`write_y4m`] with luma `step`*(i+1).
fn write_y4m_step(path: &Path, n: usize, colorspace: &str, step: u8) {
    let mut out = format!("YUV4MPEG2 W64 H48 F25:1 Ip A1:1 {colorspace}\n").into_bytes();
    for i in 0..n {
        out.extend_from_slice(b"FRAME\n");
        out.extend(std::iter::repeat_n(step * (i as u8 + 1), 64 * 48));
        out.extend(std::iter::repeat_n(128u8, 2 * 32 * 24));
    }
    std::fs::write(path, out).unwrap();
}

fn camera(path: &Path) -> FakeBackend {
    FakeBackend::with_clock(
        FakeProfile {
            devices: vec![DeviceSpec::camera("File").with_id("cam").with_file(path)],
        },
        common::test_clock().as_clock(),
    )
}

fn file_camera(path: &Path) -> FakeBackend {
    let mut spec = DeviceSpec::camera("File").with_id("cam").with_file(path);
    spec.modes.clear();
    FakeBackend::with_clock(
        FakeProfile {
            devices: vec![spec],
        },
        common::test_clock().as_clock(),
    )
}

#[test]
fn y4m_modes_come_from_the_header_and_frames_loop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.y4m");
    write_y4m(&path, 3, "C420jpeg");
    let backend = file_camera(&path);
    let d = backend.devices().unwrap();
    let NativeCapabilities::Video(v) = &d[0].capabilities else {
        panic!()
    };
    let mode = VideoMode {
        width: 64,
        height: 48,
        frame_rate: 25.0,
    };
    assert_eq!(v.modes, vec![mode]);
    let sink = Arc::new(Collect::default());
    let mut src = backend
        .open("cam", &NativeConfig::Video(mode), sink.clone())
        .unwrap();
    sink.drive_video(&common::test_clock(), 25.0, 7);
    src.stop();
    let lumas: Vec<u8> = sink
        .video()
        .iter()
        .take(7)
        .map(|f| {
            assert_eq!(f.format(), PixelFormat::I420);
            f.plane(0)[0]
        })
        .collect();
    assert_eq!(lumas, vec![10, 20, 30, 10, 20, 30, 10]);
}

#[test]
fn y4m_is_converted_to_the_mode_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.y4m");
    write_y4m(&path, 2, "C420");
    let mut spec = DeviceSpec::camera("File").with_id("cam").with_file(&path);
    spec.modes = vec![FakeVideoMode {
        width: 64,
        height: 48,
        frame_rate: 50.0,
        pixel_format: PixelFormat::Yuyv,
    }];
    let backend = FakeBackend::with_clock(
        FakeProfile {
            devices: vec![spec],
        },
        common::test_clock().as_clock(),
    );
    let sink = Arc::new(Collect::default());
    let mode = VideoMode {
        width: 64,
        height: 48,
        frame_rate: 50.0,
    };
    let mut src = backend
        .open("cam", &NativeConfig::Video(mode), sink.clone())
        .unwrap();
    sink.drive_video(&common::test_clock(), 50.0, 2);
    src.stop();
    let f = &sink.video()[1];
    assert_eq!(f.format(), PixelFormat::Yuyv);
    assert_eq!(&f.plane(0)[..4], &[20, 128, 20, 128]);
}

#[test]
fn y4m_can_be_delivered_as_mjpeg() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.y4m");
    write_y4m_step(&path, 2, "C420", 60);
    let mut spec = DeviceSpec::camera("File").with_id("cam").with_file(&path);
    spec.modes = vec![FakeVideoMode {
        width: 64,
        height: 48,
        frame_rate: 50.0,
        pixel_format: PixelFormat::Mjpeg,
    }];
    let backend = FakeBackend::with_clock(
        FakeProfile {
            devices: vec![spec],
        },
        common::test_clock().as_clock(),
    );
    let sink = Arc::new(Collect::default());
    let mode = VideoMode {
        width: 64,
        height: 48,
        frame_rate: 50.0,
    };
    let mut src = backend
        .open("cam", &NativeConfig::Video(mode), sink.clone())
        .unwrap();
    sink.drive_video(&common::test_clock(), 50.0, 2);
    src.stop();
    for (i, f) in sink.video().iter().take(2).enumerate() {
        assert_eq!(f.format(), PixelFormat::Mjpeg);
        let decoded = mediacapture_frame::convert(f, PixelFormat::I420).unwrap();
        let y = decoded.plane(0)[64 * 24 + 32];
        let want = 60 * (i as u8 + 1);
        assert!(y.abs_diff(want) <= 3, "frame {i}: luma {y}, want {want}");
    }
}

#[test]
fn bad_y4m_files_fail_at_open_with_not_readable() {
    let dir = tempfile::tempdir().unwrap();
    let mode = NativeConfig::Video(VideoMode {
        width: 640,
        height: 480,
        frame_rate: 30.0,
    });
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("missing.y4m", vec![]),
        ("empty.y4m", b"".to_vec()),
        ("notyuv.y4m", b"RIFF1234WAVE\n".to_vec()),
        ("noframes.y4m", b"YUV4MPEG2 W640 H480 F30:1\n".to_vec()),
        (
            "c444.y4m",
            b"YUV4MPEG2 W640 H480 F30:1 C444\nFRAME\n".to_vec(),
        ),
        (
            "c420p10.y4m",
            b"YUV4MPEG2 W640 H480 F30:1 C420p10\nFRAME\n".to_vec(),
        ),
        ("nowidth.y4m", b"YUV4MPEG2 H480 F30:1\nFRAME\n".to_vec()),
        (
            "badrate.y4m",
            b"YUV4MPEG2 W640 H480 F30:0\nFRAME\n".to_vec(),
        ),
        ("truncated.y4m", {
            let mut v = b"YUV4MPEG2 W640 H480 F30:1\nFRAME\n".to_vec();
            v.extend(vec![0u8; 1000]);
            v
        }),
        ("garbage.y4m", {
            let mut v = b"YUV4MPEG2 W640 H480 F30:1\nFRAME\n".to_vec();
            v.extend(vec![0u8; 640 * 480 * 3 / 2]);
            v.extend(b"JUNK");
            v
        }),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        if name != "missing.y4m" {
            std::fs::write(&path, &bytes).unwrap();
        }
        let backend = camera(&path);
        let sink = Arc::new(Collect::default());
        let err = backend.open("cam", &mode, sink).map(|_| ()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotReadableError, "{name}: {err}");
        assert!(
            err.message.contains(name),
            "{name}: message {:?}",
            err.message
        );
        if name.starts_with("c4") {
            assert!(
                err.message.contains("colour space"),
                "{name}: {}",
                err.message
            );
        }
        // Listed with a placeholder mode when the header cannot be read.
        assert_eq!(file_camera(&path).devices().unwrap().len(), 1);
    }
    // Size mismatch between the profile's mode and the file.
    let path = dir.path().join("small.y4m");
    write_y4m(&path, 1, "C420mpeg2");
    let err = camera(&path)
        .open("cam", &mode, Arc::new(Collect::default()))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotReadableError);
}

fn mic(path: &Path) -> FakeBackend {
    FakeBackend::with_clock(
        FakeProfile {
            devices: vec![
                DeviceSpec::microphone("File mic")
                    .with_id("mic")
                    .with_file(path),
            ],
        },
        common::test_clock().as_clock(),
    )
}

fn aconfig(channel_count: u32) -> NativeConfig {
    NativeConfig::Audio(AudioConfig {
        sample_rate: 48000,
        channel_count,
        sample_size: 16,
        latency: 0.01,
        // The fake microphone has no processing of its own (mediacapture does it).
        echo_cancellation: EchoCancellation::Bool(false),
        auto_gain_control: false,
        noise_suppression: false,
    })
}

#[test]
fn wav_loops_and_is_resampled_and_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.wav");
    // 0.25 s of 1000 Hz at 16 kHz, 16-bit stereo: left = tone, right = silence.
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 16000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for n in 0..4000 {
        let s =
            (0.5 * (std::f64::consts::TAU * 1000.0 * n as f64 / 16000.0).sin() * 32767.0) as i16;
        w.write_sample(s).unwrap();
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();

    let backend = mic(&path);
    for ch in [2u32, 1] {
        let sink = Arc::new(Collect::default());
        let mut src = backend.open("mic", &aconfig(ch), sink.clone()).unwrap();
        // 0.6 s: more than two passes through the 0.25 s file.
        sink.drive_audio(&common::test_clock(), 60);
        src.stop();
        let s: Vec<f32> = sink
            .audio()
            .iter()
            .flat_map(|a| a.to_f32_interleaved())
            .collect();
        let first: Vec<f32> = s.chunks(ch as usize).map(|f| f[0]).collect();
        // After the loop point (0.25 s = 12000 frames) the tone goes on at 1000 Hz.
        let after_loop = &first[14000..14000 + 4800];
        assert_eq!(
            dominant(after_loop, 48000.0, &[440.0, 880.0, 1000.0, 3000.0]),
            1000.0
        );
        let peak = after_loop.iter().fold(0f32, |m, x| m.max(x.abs()));
        if ch == 2 {
            assert!((0.45..0.55).contains(&peak), "left peak {peak}");
            let right: Vec<f32> = s.chunks(2).map(|f| f[1]).collect();
            assert!(right.iter().all(|x| *x == 0.0));
        } else {
            // Mono is the average of left and right.
            assert!((0.2..0.3).contains(&peak), "mono peak {peak}");
        }
    }
}

#[test]
fn float_wav_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for n in 0..4800 {
        w.write_sample((0.3 * (std::f64::consts::TAU * 3000.0 * n as f64 / 48000.0).sin()) as f32)
            .unwrap();
    }
    w.finalize().unwrap();
    let sink = Arc::new(Collect::default());
    let mut src = mic(&path).open("mic", &aconfig(1), sink.clone()).unwrap();
    sink.drive_audio(&common::test_clock(), 15);
    src.stop();
    let s: Vec<f32> = sink
        .audio()
        .iter()
        .flat_map(|a| a.to_f32_interleaved())
        .collect();
    assert_eq!(
        dominant(&s[..4800], 48000.0, &[440.0, 1000.0, 3000.0]),
        3000.0
    );
}

#[test]
fn bad_wav_files_fail_at_open_with_not_readable() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&good, spec).unwrap();
    for _ in 0..800 {
        w.write_sample(1000i16).unwrap();
    }
    w.finalize().unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("text.wav", b"hello".to_vec()),
        ("header_only.wav", bytes[..30].to_vec()),
        ("truncated.wav", bytes[..bytes.len() - 401].to_vec()),
        ("empty_data.wav", {
            let mut c = std::io::Cursor::new(Vec::new());
            hound::WavWriter::new(&mut c, spec)
                .unwrap()
                .finalize()
                .unwrap();
            c.into_inner()
        }),
    ];
    for (name, data) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, data).unwrap();
        let err = mic(&path)
            .open("mic", &aconfig(1), Arc::new(Collect::default()))
            .map(|_| ())
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotReadableError, "{name}: {err}");
        assert!(err.message.contains(name), "{name}: {}", err.message);
    }
    let err = mic(&dir.path().join("none.wav"))
        .open("mic", &aconfig(1), Arc::new(Collect::default()))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotReadableError);
}

/// A profile naming a device or a FIFO as its media file: refused at open with a
/// NotReadableError (`/dev/zero` used to be read to the end, which never comes).
#[test]
fn a_file_that_is_not_a_regular_file_is_not_readable() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut paths = vec![std::path::PathBuf::from("/dev/zero"), dir.path().to_owned()];
    if made {
        paths.push(fifo);
    }
    for path in paths {
        let cam = DeviceSpec::camera("Cam").with_id("cam").with_file(&path);
        let backend = FakeBackend::with_clock(
            FakeProfile { devices: vec![cam] },
            common::test_clock().as_clock(),
        );
        let e = backend
            .open(
                "cam",
                &NativeConfig::Video(VideoMode {
                    width: 640,
                    height: 480,
                    frame_rate: 30.0,
                }),
                Arc::new(Collect::default()),
            )
            .map(|_| ())
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
        let e = mic(&path)
            .open("mic", &aconfig(1), Arc::new(Collect::default()))
            .map(|_| ())
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
    }
}
