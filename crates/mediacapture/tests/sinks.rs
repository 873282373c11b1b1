//! Sinks: a video sink that never reads stays bounded (oldest dropped, drops counted); an audio
//! sink that overflows reports an error instead of growing; frames are shared, not copied.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::VIDEO_SINK_CAPACITY;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn a_video_sink_that_never_reads_keeps_the_newest_few_frames() {
    let (md, clock) = manual_devices();
    let s = gum(&md, r#"{"video":{"width":640,"height":480}}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    let idle = t.video_frames();
    let (tx, seen) = mpsc::channel();
    t.on_video_frame(move |f| tx.send(f.timestamp()).unwrap());
    // Twelve frames, one per frame interval of the manual clock.
    step_frames(&clock, &seen, 12);
    assert_eq!(idle.buffered(), VIDEO_SINK_CAPACITY);
    // The idle stream was attached before the callback: it saw the twelve, maybe the first
    // frame too; all but the capacity were dropped, and counted.
    let delivered = idle.dropped() + VIDEO_SINK_CAPACITY as u64;
    assert!(
        (12..=13).contains(&delivered),
        "drops are counted: {} dropped",
        idle.dropped()
    );
    // Newest wins: what is left are the latest frames, in order.
    let frames: Vec<i64> = std::iter::from_fn(|| idle.try_recv())
        .map(|f| f.timestamp())
        .collect();
    assert!(frames.windows(2).all(|w| w[0] < w[1]));
    t.stop();
    assert!(idle.recv_timeout(SAFETY).is_none(), "the stream ends");
    assert!(idle.is_closed());
}

#[test]
fn an_overflowing_audio_sink_reports_the_loss() {
    let (md, clock) = manual_devices();
    let s = gum(&md, r#"{"audio":true}"#).unwrap();
    let a = &s.get_audio_tracks()[0];
    let data = a.audio_data_with_capacity(5);
    let (tx, blocks) = mpsc::channel();
    a.on_audio_data(move |d| tx.send(d.timestamp()).unwrap());
    // 10 ms blocks: 300 ms is thirty, far more than five.
    for _ in 0..30 {
        clock.advance(Duration::from_millis(10));
        recv(&blocks, "an audio block");
    }
    assert!(data.overflows() >= 25, "{} overflows", data.overflows());
    let mut got = Vec::new();
    while let Some(item) = data.try_recv() {
        got.push(item.is_ok());
    }
    assert_eq!(
        got.first(),
        Some(&false),
        "the loss is reported before more data"
    );
    assert_eq!(
        got.iter().filter(|ok| **ok).count(),
        5,
        "only the capacity was kept"
    );
    a.stop();
}

#[test]
fn sinks_share_one_frame_buffer() {
    let (md, clock) = manual_devices();
    let s = gum(&md, r#"{"video":{"width":640,"height":480}}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    let clone = t.clone_track();
    type Seen = Arc<parking_lot::Mutex<Vec<(i64, usize)>>>;
    let record = |track: &mediacapture::MediaStreamTrack| -> Seen {
        let seen: Seen = Arc::default();
        let s2 = seen.clone();
        track.on_video_frame(move |f| {
            s2.lock()
                .push((f.timestamp(), f.plane(0).as_ptr() as usize))
        });
        seen
    };
    let (a, b) = (record(t), record(&clone));
    let (tx, ticks) = mpsc::channel();
    clone.on_video_frame(move |f| tx.send(f.timestamp()).unwrap());
    step_frames(&clock, &ticks, 12);
    t.stop();
    clone.stop();
    let (a, b) = (a.lock().clone(), b.lock().clone());
    let common: Vec<_> = a
        .iter()
        .filter_map(|x| b.iter().find(|y| y.0 == x.0).map(|y| (x, y)))
        .collect();
    assert!(
        common.len() >= 12,
        "both tracks saw the same frames: {} in common",
        common.len()
    );
    for (x, y) in common {
        assert_eq!(x.1, y.1, "frame {} was copied", x.0);
    }
}

#[test]
fn a_dropped_stream_detaches_from_its_track() {
    let (md, clock) = manual_devices();
    let s = gum(&md, r#"{"video":{"width":640,"height":480}}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    let frames = t.video_frames();
    let attached = t.sink_count();
    assert_eq!(attached, 1);
    drop(frames);
    assert_eq!(t.sink_count(), 0);
    let probe = t.video_frames();
    clock.advance(FRAME_30HZ);
    probe.recv_timeout(SAFETY).unwrap();
    assert_eq!(t.sink_count(), 1, "only the live stream is attached");
}
