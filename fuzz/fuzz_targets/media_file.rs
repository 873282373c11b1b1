//! Bytes as a media file → `MediaReader::open` → decode to the end → seek → decode again.
//! Nothing may panic: damage is a `NotReadableError` / `NotSupportedError` or a clean end.
//! Timestamps may not jump far ahead (a player would wait for them): no step forward between
//! consecutive units is longer than a frame at the lowest frame rate played (100 s).
//! (The reader opens paths, so each input is written to a per-process temporary file.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacapture_sources::file::MediaReader;
use std::time::Duration;

fn drain(r: &mut MediaReader) {
    let mut last: Option<i64> = None;
    for _ in 0..10_000 {
        match r.next_media() {
            Ok(Some(m)) => {
                let ts = m.timestamp();
                if let Some(l) = last {
                    assert!(ts - l <= 100_000_000, "a jump of {} µs at {l} µs", ts - l);
                }
                last = Some(last.map_or(ts, |l| l.max(ts)));
            }
            Ok(None) | Err(_) => break,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("mediacapture-fuzz-{}.bin", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(mut r) = MediaReader::open(&path) {
        drain(&mut r);
        if r.seek(Duration::from_millis(100)).is_ok() {
            drain(&mut r);
        }
    }
});
