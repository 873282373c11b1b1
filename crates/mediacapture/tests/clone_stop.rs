//! clone() and stop() semantics, and MediaStream's set operations and `active`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{
    MediaStream, MediaStreamTrackState, MediaTrackConstraints, TrackEvent, flush_events,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn clone_has_a_new_id_same_source_and_independent_constraints() {
    let md = devices();
    let s = gum(&md, r#"{"video":{"width":1280,"height":720}}"#).unwrap();
    let t = s.get_video_tracks()[0].clone();
    let c = t.clone_track();
    assert_ne!(t.id(), c.id());
    assert_eq!(t.label(), c.label());
    assert_eq!(t.get_settings(), c.get_settings());
    assert_eq!(t.get_constraints(), c.get_constraints());
    block_on(c.apply_constraints(
        MediaTrackConstraints::from_json(r#"{"width":320,"height":180}"#).unwrap(),
    ))
    .unwrap();
    assert_eq!(c.get_settings().width, Some(320));
    assert_eq!(
        t.get_settings().width,
        Some(1280),
        "the original keeps its settings"
    );
    assert_eq!(t.get_settings().device_id, c.get_settings().device_id);
}

#[test]
fn stop_ends_synchronously_without_an_ended_event() {
    let md = devices();
    let s = gum(&md, r#"{"audio":true,"video":true}"#).unwrap();
    let ended = Arc::new(AtomicUsize::new(0));
    for t in s.get_tracks() {
        let e = ended.clone();
        t.on(TrackEvent::Ended, move || {
            e.fetch_add(1, Ordering::SeqCst);
        });
    }
    assert!(s.active());
    let [a, v] = [
        s.get_audio_tracks()[0].clone(),
        s.get_video_tracks()[0].clone(),
    ];
    a.stop();
    assert_eq!(a.ready_state(), MediaStreamTrackState::Ended);
    assert!(s.active(), "one live track left");
    v.stop();
    assert!(
        !s.active(),
        "active flips as soon as the last stop() returns"
    );
    v.stop(); // a second stop is a no-op
    flush_events();
    assert_eq!(
        ended.load(Ordering::SeqCst),
        0,
        "stop() fires no ended event"
    );
}

#[test]
fn an_ended_track_keeps_only_inherent_settings() {
    let md = devices();
    let s = gum(&md, r#"{"video":true}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    let before = t.get_settings();
    t.stop();
    let after = t.get_settings();
    assert_eq!(after.device_id, before.device_id);
    assert_eq!(after.group_id, before.group_id);
    assert_eq!(after.facing_mode, before.facing_mode);
    assert_eq!(after.width, None);
    assert_eq!(after.frame_rate, None);
    // enabled can still be set, it just has no effect.
    t.set_enabled(false);
    assert!(!t.enabled());
    // A clone of an ended track is ended.
    assert_eq!(t.clone_track().ready_state(), MediaStreamTrackState::Ended);
    // applyConstraints on an ended track resolves without looking at the constraints.
    let impossible = MediaTrackConstraints::from_json(r#"{"width":{"exact":1}}"#).unwrap();
    assert!(block_on(t.apply_constraints(impossible)).is_ok());
}

#[test]
fn stream_set_operations_fire_no_events() {
    let md = devices();
    let s = gum(&md, r#"{"audio":true,"video":true}"#).unwrap();
    let empty = MediaStream::new();
    assert!(!empty.active());
    assert_eq!(empty.id().len(), 36);
    assert_ne!(empty.id(), s.id());
    let events = Arc::new(AtomicUsize::new(0));
    let e = events.clone();
    empty.add_event_listener(move |_| {
        e.fetch_add(1, Ordering::SeqCst);
    });
    let v = s.get_video_tracks()[0].clone();
    empty.add_track(&v);
    empty.add_track(&v);
    assert_eq!(empty.get_tracks().len(), 1, "duplicates are skipped");
    assert!(empty.active());
    assert_eq!(empty.get_track_by_id(v.id()), Some(v.clone()));
    empty.remove_track(&v);
    empty.remove_track(&v);
    assert!(empty.get_tracks().is_empty());
    assert_eq!(empty.get_track_by_id(v.id()), None);
    flush_events();
    assert_eq!(events.load(Ordering::SeqCst), 0);

    let copy = MediaStream::from_stream(&s);
    assert_eq!(copy.get_tracks().len(), 2);
    assert_eq!(copy.get_video_tracks()[0], v, "same tracks, not clones");
    let cloned = s.clone_stream();
    assert_ne!(cloned.id(), s.id());
    assert_eq!(cloned.get_tracks().len(), 2);
    assert!(
        cloned
            .get_tracks()
            .iter()
            .all(|t| s.get_track_by_id(t.id()).is_none())
    );
}

#[test]
fn ua_track_changes_fire_addtrack_and_removetrack() {
    let md = devices();
    let s = gum(&md, r#"{"video":true}"#).unwrap();
    let other = gum(&md, r#"{"audio":true}"#).unwrap().get_audio_tracks()[0].clone();
    let log = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let l = log.clone();
    s.add_event_listener(move |e| {
        l.lock()
            .push((e.event_type.event_type(), e.track.id().to_string()))
    });
    s.ua_add_track(&other);
    s.ua_remove_track(&other);
    flush_events();
    assert_eq!(
        *log.lock(),
        vec![
            ("addtrack", other.id().to_string()),
            ("removetrack", other.id().to_string())
        ]
    );
}

#[test]
fn ua_replace_tracks_now_changes_the_set_at_once_then_fires_removetrack_and_addtrack() {
    let md = devices();
    let s = gum(&md, r#"{"video":true,"audio":true}"#).unwrap();
    let old = s.get_tracks();
    let new = gum(&md, r#"{"video":true,"audio":true}"#)
        .unwrap()
        .get_tracks();
    let log = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let l = log.clone();
    s.add_event_listener(move |e| {
        l.lock()
            .push((e.event_type.event_type(), e.track.id().to_string()))
    });
    let sizes = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let z = sizes.clone();
    s.add_track_set_observer(move |stream| z.lock().push(stream.get_tracks().len()));
    s.ua_replace_tracks_now(&old, &new);
    // Before any task ran: the new set, seen once by observers (never an empty set).
    assert_eq!(s.get_tracks(), new);
    assert_eq!(*sizes.lock(), [2]);
    flush_events();
    let ids = |v: &[mediacapture::MediaStreamTrack], ty| {
        v.iter()
            .map(|t| (ty, t.id().to_string()))
            .collect::<Vec<_>>()
    };
    let mut want = ids(&old, "removetrack");
    want.extend(ids(&new, "addtrack"));
    assert_eq!(*log.lock(), want);
    // Nothing to change: no observer call, no event.
    s.ua_replace_tracks_now(&old, &new);
    flush_events();
    assert_eq!(*sizes.lock(), [2]);
    assert_eq!(log.lock().len(), 4);
}

#[test]
fn disabled_video_track_delivers_black_frames() {
    let md = devices();
    let s = gum(&md, r#"{"video":{"width":640,"height":480}}"#).unwrap();
    let t = &s.get_video_tracks()[0];
    t.set_enabled(false);
    let frames = t.video_frames();
    let f = frames
        .recv_timeout(std::time::Duration::from_secs(3))
        .expect("frames keep coming");
    let i420 = mediacapture_frame::convert(&f, mediacapture::PixelFormat::I420).unwrap();
    assert!(i420.plane(0).iter().all(|&y| y <= 16), "luma is black");
}

#[test]
fn track_set_observers_see_every_change() {
    let md = devices();
    let s = gum(&md, r#"{"video":true}"#).unwrap();
    let other = gum(&md, r#"{"audio":true}"#).unwrap().get_audio_tracks()[0].clone();
    let sizes = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let z = sizes.clone();
    let id = s.add_track_set_observer(move |stream| z.lock().push(stream.get_tracks().len()));
    s.add_track(&other); // seen: 2
    s.add_track(&other); // no change, not seen
    s.remove_track(&other); // seen: 1
    s.ua_add_track(&other); // seen in the task, before `addtrack`: 2
    flush_events();
    assert_eq!(*sizes.lock(), [2, 1, 2]);
    assert!(s.remove_track_set_observer(id));
    assert!(!s.remove_track_set_observer(id));
    s.remove_track(&other);
    assert_eq!(*sizes.lock(), [2, 1, 2], "removed observers are not called");
}

/// A frame callback is dropped when its track stops (which fires no event) and when the sink
/// is removed: consumers (the recorder) rely on this to learn that no frame will follow.
#[test]
fn frame_callbacks_are_dropped_when_the_track_stops_or_the_sink_goes() {
    struct Guard(&'static str, std::sync::mpsc::Sender<&'static str>);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = self.1.send(self.0);
        }
    }
    let md = devices();
    let s = gum(&md, r#"{"audio":true,"video":true}"#).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let (v, a) = (
        s.get_video_tracks()[0].clone(),
        s.get_audio_tracks()[0].clone(),
    );
    let g = Guard("video", tx.clone());
    let sink = v.on_video_frame(move |_| {
        let _ = &g;
    });
    let g = Guard("audio", tx);
    a.on_audio_data(move |_| {
        let _ = &g;
    });
    // A delivery in progress keeps the callback until it returns: wait, do not assume.
    let wait = || rx.recv_timeout(std::time::Duration::from_secs(20)).unwrap();
    v.remove_sink(sink);
    assert_eq!(wait(), "video");
    a.stop();
    assert_eq!(wait(), "audio");
    v.stop();
}
