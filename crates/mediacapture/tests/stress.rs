//! 100 tracks cloned and stopped in a loop: every source thread is joined and memory does not
//! grow.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::flush_events;

#[test]
fn clone_and_stop_in_a_loop_joins_threads_and_keeps_memory_flat() {
    let md = devices();
    // Warm up: first use starts the event thread and allocates lazily-built state.
    let s = gum(&md, r#"{"video":true,"audio":true}"#).unwrap();
    for t in s.get_tracks() {
        t.stop();
    }
    // stop() joined the capture threads; the event and request threads are started now.
    flush_events();
    let threads_before = thread_count();
    let mut rss_after_warmup = 0;
    for round in 0..100 {
        let s = gum(&md, r#"{"video":{"width":640,"height":480},"audio":true}"#).unwrap();
        let v = s.get_video_tracks()[0].clone();
        let clones: Vec<_> = (0..3).map(|_| v.clone_track()).collect();
        let frames = clones[0].video_frames();
        if round % 20 == 0 {
            assert!(frames.recv_timeout(SAFETY).is_some());
        }
        for t in clones.iter().chain(s.get_tracks().iter()) {
            t.stop();
        }
        if round == 10 {
            rss_after_warmup = rss_kib();
        }
    }
    flush_events();
    assert_eq!(
        thread_count(),
        threads_before,
        "every capture thread was joined"
    );
    let growth = rss_kib().saturating_sub(rss_after_warmup);
    // 90 more rounds, each of which touched ~1 MB frames: growth must stay small.
    assert!(growth < 8 * 1024, "RSS grew by {growth} KiB over 90 rounds");
}
