//! Bytes after a RIFF/WAVE preamble as a WAV file: chunks (fmt, data, others), formats, sizes.
//! Nothing may panic; an accepted file has a sample rate, channel count and sample size in
//! range, and its blocks follow each other without gaps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacapture_sources::file::{Media, MediaReader};
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("mediacapture-fuzz-wav-{}", std::process::id()));
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&u32::try_from(data.len() + 4).unwrap_or(u32::MAX).to_le_bytes());
    file.extend_from_slice(b"WAVE");
    file.extend_from_slice(data);
    if std::fs::write(&path, &file).is_err() {
        return;
    }
    let Ok(mut r) = MediaReader::open(&path) else {
        return;
    };
    let a = r.info().audio.clone().expect("a WAV file is audio");
    assert!((3000..=768_000).contains(&a.sample_rate), "{a:?}");
    assert!((1..=32).contains(&a.channels), "{a:?}");
    assert!(r.info().duration.is_some());
    for pass in 0..2 {
        let mut next: Option<i64> = None;
        for _ in 0..1000 {
            match r.next_media() {
                Ok(Some(Media::Audio(d))) => {
                    if let Some(n) = next {
                        assert!((d.timestamp() - n).abs() <= 2, "a gap at {n} µs");
                    }
                    next = Some(d.timestamp() + d.duration());
                }
                Ok(Some(Media::Video(_))) => panic!("video in a WAV file"),
                Ok(None) | Err(_) => break,
            }
        }
        if pass == 0 && r.seek(Duration::from_millis(5)).is_err() {
            break;
        }
    }
});
