//! Bytes as a media file → `MediaReader::open` → decode to the end → seek → decode again.
//! Nothing may panic: damage is a `NotReadableError` / `NotSupportedError` or a clean end.
//! (The reader opens paths, so each input is written to a per-process temporary file.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacapture_sources::file::MediaReader;
use std::time::Duration;

fn drain(r: &mut MediaReader) {
    for _ in 0..10_000 {
        match r.next_media() {
            Ok(Some(_)) => {}
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
