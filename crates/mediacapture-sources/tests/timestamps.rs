//! Hostile timestamps and frame rates (issue #13, items 6 and 10): a WebM cluster timestamp
//! 2^56 ms ahead, a flipped bit that moves a cluster 16 s ahead in a 2 s file, y4m frame rates
//! of 1/4294967295 fps. Playback on a manual clock must end once the clock has passed the
//! file's content (plus a frame), and never earlier than its last unit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failure with a message"
)]

mod common;

use mediacapture::ErrorKind;
use mediacapture_sources::MediaFile;
use mediacapture_sources::file::{Media, MediaReader};
use mediacapture_test_support::ManualClock;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Reads an EBML variable-size integer: (value, length).
fn vint(d: &[u8], i: usize) -> (u64, usize) {
    let len = d[i].leading_zeros() as usize + 1;
    let mut v = u64::from(d[i]) & ((1u64 << (8 - len)) - 1);
    for b in &d[i + 1..i + len] {
        v = (v << 8) | u64::from(*b);
    }
    (v, len)
}

/// The length of the EBML element ID at `i`.
fn id_len(d: &[u8], i: usize) -> usize {
    d[i].leading_zeros() as usize + 1
}

/// `webm` with the timestamp of its `n`-th cluster (from 0) replaced by `ticks`, written
/// with an 8-byte value (the cluster's size grows; the segment's becomes "unknown", which
/// every reader accepts).
fn with_cluster_timestamp(webm: &[u8], n: usize, ticks: u64) -> Vec<u8> {
    const SEGMENT: [u8; 4] = [0x18, 0x53, 0x80, 0x67];
    const CLUSTER: [u8; 4] = [0x1f, 0x43, 0xb6, 0x75];
    let seg = webm.windows(4).position(|w| w == SEGMENT).unwrap();
    let (_, seg_size_len) = vint(webm, seg + 4);
    let mut out = webm[..seg + 4].to_vec();
    out.extend([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    let mut i = seg + 4 + seg_size_len;
    let mut cluster = 0;
    while i < webm.len() {
        let il = id_len(webm, i);
        let (size, sl) = vint(webm, i + il);
        let end = i + il + sl + usize::try_from(size).unwrap();
        if webm[i..i + il] == CLUSTER {
            if cluster == n {
                let body = &webm[i + il + sl..end];
                assert_eq!(body[0], 0xe7, "a cluster starts with its Timestamp");
                let (ts_size, ts_sl) = vint(body, 1);
                let rest = &body[1 + ts_sl + usize::try_from(ts_size).unwrap()..];
                let mut new_body = vec![0xe7, 0x88];
                new_body.extend(ticks.to_be_bytes());
                new_body.extend_from_slice(rest);
                out.extend(CLUSTER);
                let len = new_body.len() as u64 | (1 << 56);
                out.extend(len.to_be_bytes());
                out.extend(new_body);
                i = end;
                cluster += 1;
                continue;
            }
            cluster += 1;
        }
        out.extend_from_slice(&webm[i..end]);
        i = end;
    }
    out
}

/// An A/V WebM of `secs` with a cluster every 500 ms.
fn clustered_webm(dir: &Path, secs: &str) -> PathBuf {
    common::ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:sample_rate=48000",
            "-t",
            secs,
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-c:a",
            "libopus",
            "-cluster_time_limit",
            "500",
        ],
        &dir.join("clustered.webm"),
    )
}

/// Plays `path` on a manual clock and checks that it is still playing once the clock is one
/// frame short of its last unit, and has ended once the clock is a frame past it. Returns
/// the playback error, if any.
fn plays_no_longer_than_its_content(path: &Path) -> Option<mediacapture::Error> {
    let media = common::all_media_stamps(path);
    let span = media.iter().max().unwrap() - media[0];
    let clock = ManualClock::new();
    let file = MediaFile::open(path).unwrap().with_clock(clock.as_clock());
    file.set_autoplay(false);
    let stream = file.capture_stream().unwrap();
    let units = common::unit_stamps(&stream);
    file.play().unwrap();
    units.wait_len(1);
    // In 100 ms steps up to a frame before the last unit: all that is due plays, no end.
    let mut at = 0;
    while at + 100_000 < span - 34_000 {
        at += 100_000;
        clock.advance(Duration::from_micros(100_000));
        units.wait_len(media.iter().filter(|t| **t - media[0] <= at).count());
    }
    assert!(!file.ended(), "ended before its content was played");
    // A frame past the last unit: ended.
    clock.advance(Duration::from_micros(
        u64::try_from(span - at + 34_000).unwrap(),
    ));
    assert!(
        file.wait_ended(common::SAFETY),
        "still playing a frame after its last unit ({span} µs)"
    );
    assert_eq!(units.snapshot().len(), media.len());
    file.error()
}

#[test]
fn a_cluster_2_pow_56_ms_ahead_is_taken_out() {
    let dir = tempfile::tempdir().unwrap();
    let valid = std::fs::read(clustered_webm(dir.path(), "2")).unwrap();
    let path = dir.path().join("jump.webm");
    std::fs::write(&path, with_cluster_timestamp(&valid, 2, 1 << 56)).unwrap();
    // The reader: every unit within the file's 2 s, each kind in order.
    let mut last = [i64::MIN; 2];
    let mut n = 0;
    for m in MediaReader::open(&path).unwrap() {
        let m = m.unwrap();
        let k = usize::from(matches!(m, Media::Audio(_)));
        assert!(
            (0..=2_100_000).contains(&m.timestamp()),
            "{}",
            m.timestamp()
        );
        assert!(m.timestamp() >= last[k], "out of order");
        last[k] = m.timestamp();
        n += 1;
    }
    assert!(n > 100);
    let e = plays_no_longer_than_its_content(&path);
    assert!(e.is_none(), "{e:?}");
}

#[test]
fn a_flipped_bit_in_a_cluster_timestamp_does_not_stretch_playback() {
    let dir = tempfile::tempdir().unwrap();
    let valid = std::fs::read(clustered_webm(dir.path(), "2")).unwrap();
    // Cluster 2 is at 1 s; bit 14 of its timestamp moves it 16.4 s ahead, as a bit flip on
    // disk would. The header still says 2 s.
    let path = dir.path().join("flip.webm");
    std::fs::write(&path, with_cluster_timestamp(&valid, 2, 1000 | (1 << 14))).unwrap();
    let stamps = common::all_media_stamps(&path);
    assert!(stamps.iter().all(|t| *t <= 2_100_000), "{stamps:?}");
    let e = plays_no_longer_than_its_content(&path);
    assert!(e.is_none(), "{e:?}");
}

#[test]
fn a_valid_file_plays_all_its_content() {
    // The same check on the unmodified file: no unit lost or moved by the timestamp checks.
    let dir = tempfile::tempdir().unwrap();
    let path = clustered_webm(dir.path(), "2");
    let raw: Vec<i64> = common::all_media_stamps(&path);
    assert!(raw.windows(2).all(|w| (w[1] - w[0]).abs() < 100_000));
    assert!(plays_no_longer_than_its_content(&path).is_none());
}

#[test]
fn y4m_frame_rates_out_of_range_are_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rate.y4m");
    let frame = vec![128u8; 8 * 8 * 3 / 2];
    for (rate, ok) in [
        ("1:4294967295", false),
        ("4294967295:1", false),
        ("1:101", false),
        ("1001:1", false),
        ("1:100", true),
        ("1000:1", true),
        ("30000:1001", true),
    ] {
        let mut data = format!("YUV4MPEG2 W8 H8 F{rate} C420\n").into_bytes();
        for _ in 0..3 {
            data.extend_from_slice(b"FRAME\n");
            data.extend_from_slice(&frame);
        }
        std::fs::write(&path, &data).unwrap();
        match MediaReader::open(&path) {
            Ok(r) => {
                assert!(ok, "F{rate} was accepted");
                let fps = r.info().video.as_ref().unwrap().frame_rate;
                assert!((0.01..=1000.0).contains(&fps));
            }
            Err(e) => {
                assert!(!ok, "F{rate} refused: {e}");
                assert_eq!(e.kind, ErrorKind::NotSupportedError, "{e}");
                assert!(e.message.contains("frame rate"), "{e}");
            }
        }
    }
}

#[test]
fn files_with_no_media_say_so() {
    let dir = tempfile::tempdir().unwrap();
    // A WAV header with an empty data chunk.
    let wav = common::wav(dir.path(), "full.wav", 8000, 1, 0.1);
    let bytes = std::fs::read(&wav).unwrap();
    let data = bytes.windows(4).position(|w| w == b"data").unwrap();
    let mut empty = bytes[..data + 4].to_vec();
    empty.extend(0u32.to_le_bytes());
    let riff = u32::try_from(empty.len() - 8).unwrap();
    empty[4..8].copy_from_slice(&riff.to_le_bytes());
    let path = dir.path().join("nd.wav");
    std::fs::write(&path, &empty).unwrap();
    let mut r = MediaReader::open(&path).unwrap();
    assert_eq!(r.info().duration, Some(Duration::ZERO));
    assert!(r.next_media().unwrap().is_none());
    // A y4m header with no frame.
    let path = dir.path().join("nd.y4m");
    std::fs::write(&path, b"YUV4MPEG2 W8 H8 F25:1\n").unwrap();
    let mut r = MediaReader::open(&path).unwrap();
    assert_eq!(r.info().duration, Some(Duration::ZERO));
    assert!(r.next_media().unwrap().is_none());
}
