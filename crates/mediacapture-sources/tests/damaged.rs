//! Damaged files: a clear error at open or at the damage, tracks that end there, never a
//! panic. Includes the stable stand-in for the fuzz target: valid files mutated at many
//! seeded random offsets (truncations, byte flips, overwritten ranges), each opened and
//! read to the end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a panic is a failure with a message"
)]

mod common;

use mediacapture::{ErrorKind, TrackEvent};
use mediacapture_sources::MediaFile;
use mediacapture_sources::file::MediaReader;
use mediacapture_test_support::ManualClock;
use std::path::Path;
use std::time::Duration;

/// xorshift64*: deterministic, so a failure names a reproducible case.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Opens and reads a file to its end or its first error, as a player would. Returns the
/// number of units read and the error, if any.
fn read_through(path: &Path) -> (usize, Option<mediacapture::Error>) {
    let mut r = match MediaReader::open(path) {
        Ok(r) => r,
        Err(e) => return (0, Some(e)),
    };
    let mut n = 0;
    // A bound, in case damage made a file look endless.
    while n < 100_000 {
        match r.next_media() {
            Ok(Some(_)) => n += 1,
            Ok(None) => return (n, None),
            Err(e) => return (n, Some(e)),
        }
    }
    (n, None)
}

fn mutate(valid: &[u8], rng: &mut Rng, case: usize) -> (Vec<u8>, String) {
    let mut data = valid.to_vec();
    let what = match case % 3 {
        0 => {
            let at = rng.below(data.len());
            data.truncate(at);
            format!("truncated at {at}")
        }
        1 => {
            let flips = 1 + rng.below(8);
            let mut at = Vec::new();
            for _ in 0..flips {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
                at.push(i);
            }
            format!("bits flipped at {at:?}")
        }
        _ => {
            let start = rng.below(data.len());
            let len = 1 + rng.below(64);
            let fill = if rng.below(2) == 0 { 0xff } else { 0x00 };
            for b in data.iter_mut().skip(start).take(len) {
                *b = fill;
            }
            format!("{len} bytes from {start} set to {fill:#x}")
        }
    };
    (data, what)
}

/// Mutates `valid` `cases` times and reads each result; every outcome must be a clean end or
/// an error, never a panic.
fn fuzz_file(valid: &Path, cases: usize, seed: u64) {
    // `MEDIACAPTURE_MUTATION_SCALE=20` runs twenty times as many cases (for a long soak).
    let scale = std::env::var("MEDIACAPTURE_MUTATION_SCALE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let cases = cases * scale;
    let bytes = std::fs::read(valid).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("mutated");
    let mut rng = Rng(seed);
    let mut panics = Vec::new();
    let (mut errors, mut clean) = (0, 0);
    for case in 0..cases {
        let (data, what) = mutate(&bytes, &mut rng, case);
        std::fs::write(&target, &data).unwrap();
        match std::panic::catch_unwind(|| read_through(&target)) {
            Ok((_, Some(e))) => {
                errors += 1;
                assert!(
                    matches!(
                        e.kind,
                        ErrorKind::NotReadableError | ErrorKind::NotSupportedError
                    ),
                    "case {case} ({what}): unexpected error kind {e}"
                );
                assert!(!e.message.is_empty());
            }
            Ok((_, None)) => clean += 1,
            Err(_) => panics.push(format!("case {case}: {what}")),
        }
    }
    assert!(
        panics.is_empty(),
        "{} of {cases} damaged versions of {} panicked: {panics:?}",
        panics.len(),
        valid.display()
    );
    // Truncations alone guarantee some errors; a harness that saw none tested nothing.
    assert!(
        errors > cases / 10,
        "only {errors} errors ({clean} clean) in {cases} cases"
    );
}

#[test]
fn mutated_webm_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let vp8 = common::webm(dir.path(), "v8.webm", "64x48", 0.5, false);
    fuzz_file(&vp8, 600, 0x9e37_79b9_7f4a_7c15);
    let vp9 = common::webm(dir.path(), "v9.webm", "64x48", 0.3, true);
    fuzz_file(&vp9, 300, 0xdead_beef_cafe_f00d);
}

#[test]
fn mutated_wav_and_y4m_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let wav = common::wav(dir.path(), "t.wav", 8_000, 1, 0.2);
    fuzz_file(&wav, 300, 42);
    let y4m = common::y4m(dir.path(), "t.y4m", "32x24", 10, 0.5);
    fuzz_file(&y4m, 300, 4242);
}

#[test]
fn truncated_webm_plays_up_to_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let full = common::webm(dir.path(), "full.webm", "64x48", 1.0, false);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("cut.webm");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let (n, e) = read_through(&cut);
    assert!(n > 10, "only {n} units before the damage");
    let e = e.expect("a truncated file must report its damage");
    assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
    assert!(e.message.contains("damaged"), "{e}");

    // Through a MediaFile: the tracks end at the damage, with `ended`.
    let clock = ManualClock::new();
    let file = MediaFile::open(&cut).unwrap().with_clock(clock.as_clock());
    file.set_autoplay(false);
    let stream = file.capture_stream().unwrap();
    let ended = common::Log::new();
    for t in stream.get_tracks() {
        let e = ended.clone();
        t.on(TrackEvent::Ended, move || e.push(()));
    }
    let units = common::unit_stamps(&stream);
    file.play().unwrap();
    units.wait_len(1);
    // The whole file's time: playback stops at the damage, before.
    clock.advance(Duration::from_secs(2));
    assert!(file.wait_ended(common::SAFETY));
    assert_eq!(file.error().unwrap().kind, ErrorKind::NotReadableError);
    ended.wait_len(2);
}

#[test]
fn damage_in_the_first_cluster_is_reported_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let full = common::webm(dir.path(), "f.webm", "64x48", 0.5, false);
    let bytes = std::fs::read(&full).unwrap();
    let cluster = bytes
        .windows(4)
        .position(|w| w == [0x1f, 0x43, 0xb6, 0x75])
        .expect("a Cluster");
    let cut = dir.path().join("c.webm");
    std::fs::write(&cut, &bytes[..cluster + 60]).unwrap();
    // The header is whole: open succeeds (reading ahead to measure the frame rate meets the
    // damage); reading then reports it.
    let (_, e) = read_through(&cut);
    let e = e.expect("damage in the first cluster was not reported");
    assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
}

#[test]
fn header_damage_fails_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let full = common::webm(dir.path(), "h.webm", "64x48", 0.3, false);
    let bytes = std::fs::read(&full).unwrap();
    let cut = dir.path().join("head.webm");
    std::fs::write(&cut, &bytes[..40]).unwrap();
    let e = MediaFile::open(&cut).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");

    let wav = common::wav(dir.path(), "w.wav", 8_000, 1, 0.2);
    let bytes = std::fs::read(&wav).unwrap();
    std::fs::write(&cut, &bytes[..20]).unwrap();
    assert_eq!(
        MediaReader::open(&cut).unwrap_err().kind,
        ErrorKind::NotReadableError
    );

    std::fs::write(&cut, b"YUV4MPEG2 W0 H10 F25:1\n").unwrap();
    assert_eq!(
        MediaReader::open(&cut).unwrap_err().kind,
        ErrorKind::NotReadableError
    );
    std::fs::write(&cut, b"YUV4MPEG2 W8 H8 C444\n").unwrap();
    assert_eq!(
        MediaReader::open(&cut).unwrap_err().kind,
        ErrorKind::NotSupportedError
    );
}

#[test]
fn fuzzer_found_inputs_stay_fixed() {
    // Found by `cargo fuzz run media_file`: a SimpleBlock shorter than its header made
    // webm-iterable's block parser index out of bounds (blocks are now parsed here, checked).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-crash-short-block.bin");
    let (_, e) = read_through(&path);
    let e = e.expect("the damaged block must be reported");
    assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
    // Found by `cargo fuzz run y4m_header`: a header token starting with a multi-byte
    // character made the y4m reader cut the character in two.
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-crash-y4m-multibyte-tag.y4m");
    let (_, e) = read_through(&path);
    let e = e.expect("the damaged header must be reported");
    assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
}
