//! Bytes after "YUV4MPEG2 " as a y4m file: header tokens (W, H, F, C, I, A, X), FRAME lines
//! and payloads. Nothing may panic; an accepted header has a size and a frame rate in range,
//! and frames come in order, a frame apart.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacapture_sources::file::{MAX_FRAME_RATE, MIN_FRAME_RATE, MediaReader};
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("mediacapture-fuzz-y4m-{}", std::process::id()));
    let mut file = b"YUV4MPEG2 ".to_vec();
    file.extend_from_slice(data);
    if std::fs::write(&path, &file).is_err() {
        return;
    }
    let Ok(mut r) = MediaReader::open(&path) else {
        return;
    };
    let v = r.info().video.clone().expect("a y4m file is video");
    assert!((MIN_FRAME_RATE..=MAX_FRAME_RATE).contains(&v.frame_rate), "{v:?}");
    assert!((1..=16384).contains(&v.width) && (1..=16384).contains(&v.height), "{v:?}");
    let frame_us = (1e6 / v.frame_rate).round() as i64;
    for pass in 0..2 {
        let mut last: Option<i64> = None;
        for _ in 0..1000 {
            match r.next_media() {
                Ok(Some(m)) => {
                    if let Some(l) = last {
                        let step = m.timestamp() - l;
                        assert!((step - frame_us).abs() <= 1, "step {step} µs at {frame_us}");
                    }
                    last = Some(m.timestamp());
                }
                Ok(None) | Err(_) => break,
            }
        }
        if pass == 0 && r.seek(Duration::from_millis(100)).is_err() {
            break;
        }
    }
});
