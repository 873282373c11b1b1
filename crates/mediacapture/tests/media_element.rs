//! The media element playing streams: load events and ready states, play/pause and their
//! promises, currentTime, ended playback, resize, volume, bad input. Fake devices and the
//! element run on one manual clock: the test moves time and waits for events.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod common;
use common::*;
use mediacapture::media_element::{HTMLMediaElement, MediaElementKind, NetworkState, ReadyState};
use mediacapture::{ErrorKind, MediaDevices, MediaStream, MediaTrackConstraints, flush_events};
use mediacapture_hal::fake::{FakeBackend, FakeProfile};
use mediacapture_test_support::ManualClock;
use std::sync::{Arc, mpsc};
use std::time::Duration;

const PROFILE: &str = r#"{"devices":[
    {"kind":"videoinput","id":"cam","label":"Cam",
     "modes":[{"width":320,"height":240,"frameRate":10},{"width":160,"height":120,"frameRate":10}]},
    {"kind":"audioinput","id":"mic","label":"Mic"},
    {"kind":"audiooutput","id":"spk","label":"Speaker","isDefault":true}]}"#;

struct Rig {
    clock: Arc<ManualClock>,
    md: MediaDevices,
    backend: Arc<FakeBackend>,
}

fn rig() -> Rig {
    let clock = ManualClock::new();
    let backend = Arc::new(FakeBackend::with_clock(
        FakeProfile::from_json(PROFILE).unwrap(),
        clock.as_clock(),
    ));
    let md = MediaDevices::builder()
        .salt(SALT)
        .backend_arc(backend.clone())
        .build();
    Rig { clock, md, backend }
}

impl Rig {
    fn element(&self, kind: MediaElementKind) -> (HTMLMediaElement, mpsc::Receiver<&'static str>) {
        let el = HTMLMediaElement::new(kind, &self.md, self.clock.as_clock());
        let (tx, rx) = mpsc::channel();
        el.add_event_listener(move |e| {
            let _ = tx.send(e.event_type());
        });
        (el, rx)
    }
    fn advance_ms(&self, ms: u64) {
        self.clock.advance(Duration::from_millis(ms));
    }
}

/// getUserMedia with video, once the camera's frame 0 (due at the open, delivered at once
/// by its thread) and frame 1 are out: the next frame is due 100 ms from the clock's time.
fn video_stream(r: &Rig, constraints: &str) -> MediaStream {
    let stream = gum(&r.md, constraints).unwrap();
    let frames = stream.get_video_tracks()[0].video_frames();
    r.advance_ms(100);
    loop {
        let f = frames.recv_timeout(SAFETY).expect("a frame");
        if mediacapture_hal::fake::read_frame_counter(&f) == Some(1) {
            return stream;
        }
    }
}

/// Receives events until `last` (included); panics after the safety bound.
fn until(rx: &mpsc::Receiver<&'static str>, last: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    loop {
        let e = recv(rx, last);
        out.push(e);
        if e == last {
            return out;
        }
    }
}

/// `video.srcObject = stream; video.play()` in one script, then the stable state after it:
/// the element waits for it (as the Node addon's elements do), so the order of events does
/// not depend on how soon the track's current frame gives the element its metadata.
fn load_and_play(
    video: &HTMLMediaElement,
    stream: &MediaStream,
) -> impl std::future::Future<Output = mediacapture::Result<()>> + use<> {
    video.set_awaits_stable_state(true);
    video.set_src_object(Some(stream.clone()));
    let play = video.play();
    assert_eq!(video.network_state(), NetworkState::NoSource);
    assert_eq!(video.ready_state(), ReadyState::HaveNothing);
    video.stable_state();
    assert_eq!(video.network_state(), NetworkState::Loading);
    play
}

/// A load's events, from `loadstart` until the element can play.
const LOADING: [&str; 5] = [
    "loadstart",
    "durationchange",
    "loadedmetadata",
    "loadeddata",
    "canplay",
];

/// `LOADING`, then `more`.
fn loading_then(more: &[&'static str]) -> Vec<&'static str> {
    [&LOADING[..], more].concat()
}

/// The events of [`load_and_play`] up to `canplaythrough`, in HTML's order: `play()` fires
/// `play` and (no data yet) `waiting` before the load's `loadstart`; `playing` comes once
/// the element can play, before `canplaythrough`. Chromium 156's order for
/// `v.srcObject = s; v.play()` is the same (with a `resize` before `loadedmetadata`, which
/// HTML does not fire while `readyState` is `HAVE_NOTHING`).
fn played_before_metadata() -> Vec<&'static str> {
    [
        &["play", "waiting"],
        &LOADING[..],
        &["playing", "canplaythrough"],
    ]
    .concat()
}

#[test]
fn a_video_loads_at_its_first_frame_and_plays() {
    let r = rig();
    let stream = video_stream(&r, r#"{"video":{"width":320}}"#);
    let (video, rx) = r.element(MediaElementKind::Video);
    assert_eq!(video.ready_state(), ReadyState::HaveNothing);
    assert!(video.duration().is_nan());
    video.set_src_object(Some(stream.clone()));
    assert_eq!(video.network_state(), NetworkState::Loading);
    assert_eq!(until(&rx, "loadstart"), ["loadstart"]);
    // Metadata comes at once, with the frame the track delivered before the element took
    // it (the clock does not move): no wait for the camera's next frame.
    assert_eq!(
        [&["loadstart"], &until(&rx, "canplaythrough")[..]].concat(),
        loading_then(&["canplaythrough"])
    );
    assert_eq!((video.video_width(), video.video_height()), (320, 240));
    assert_eq!(video.ready_state(), ReadyState::HaveEnoughData);
    assert_eq!(video.duration(), f64::INFINITY);
    assert!(video.paused());
    // A paused element shows its first frame and does not move.
    let first = video.current_frame().expect("the first frame is shown");
    assert_eq!(mediacapture_hal::fake::read_frame_counter(&first), Some(1));
    r.advance_ms(500);
    assert_eq!(video.current_time(), 0.0);
    let playing = futures_executor::block_on(video.play());
    assert!(playing.is_ok());
    assert_eq!(until(&rx, "playing"), ["play", "playing"]);
    assert!(!video.paused());
    r.advance_ms(1_000);
    assert_eq!(video.current_time(), 1.0);
    video.pause();
    assert_eq!(until(&rx, "pause"), ["timeupdate", "pause"]);
    r.advance_ms(1_000);
    assert_eq!(video.current_time(), 1.0, "the timeline stops while paused");
    // Seeking is ignored.
    video.set_current_time(0.0);
    assert_eq!(video.current_time(), 1.0);
    stream.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn autoplay_plays_by_itself_and_an_audio_stream_loads_at_once() {
    let r = rig();
    let stream = gum(&r.md, r#"{"audio":true}"#).unwrap();
    let (audio, rx) = r.element(MediaElementKind::Audio);
    audio.set_autoplay(true);
    audio.set_src_object(Some(stream.clone()));
    assert_eq!(
        until(&rx, "canplaythrough"),
        loading_then(&["play", "playing", "canplaythrough"])
    );
    assert!(!audio.paused());
    assert_eq!((audio.video_width(), audio.video_height()), (0, 0));
    stream.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn pause_and_new_loads_reject_pending_play_promises() {
    let r = rig();
    // No source: Chromium rejects with NotSupportedError.
    let (video, rx) = r.element(MediaElementKind::Video);
    let e = futures_executor::block_on(video.play()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotSupportedError);
    // A track scaled from the camera's size has no frame until the camera's next one, which
    // waits for the clock: play() waits for data.
    // (Made after the camera's frames 0 and 1 were out.)
    let camera = video_stream(&r, r#"{"video":true}"#);
    let stream = gum(&r.md, r#"{"video":{"width":{"exact":200}}}"#).unwrap();
    video.set_src_object(Some(stream.clone()));
    let pending = video.play();
    video.pause();
    let e = futures_executor::block_on(pending).unwrap_err();
    assert_eq!(e.kind, ErrorKind::AbortError);
    let pending = video.play();
    video.set_src_object(None);
    let e = futures_executor::block_on(pending).unwrap_err();
    assert_eq!(e.kind, ErrorKind::AbortError);
    assert!(video.paused());
    assert_eq!(video.network_state(), NetworkState::Empty);
    flush_events();
    let seen: Vec<_> = rx.try_iter().collect();
    assert!(seen.ends_with(&["abort", "emptied"]), "{seen:?}");
    stream.get_tracks().iter().for_each(|t| t.stop());
    camera.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn a_load_awaits_its_stable_state_and_a_newer_load_replaces_it() {
    let r = rig();
    let stream = video_stream(&r, r#"{"video":{"width":320}}"#);
    let (video, rx) = r.element(MediaElementKind::Video);
    video.set_awaits_stable_state(true);
    video.set_src_object(Some(stream.clone()));
    assert_eq!(video.network_state(), NetworkState::NoSource);
    // Set again in the same script: the first load never selected anything, so it is
    // emptied but not aborted.
    video.set_src_object(Some(stream.clone()));
    flush_events();
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), ["emptied"]);
    assert_eq!(video.ready_state(), ReadyState::HaveNothing);
    video.stable_state();
    video.stable_state(); // nothing waits any more
    assert_eq!(
        until(&rx, "canplaythrough"),
        loading_then(&["canplaythrough"])
    );
    flush_events();
    assert!(rx.try_recv().is_err(), "one load, once");
    // load() waits too; an element emptied before its stable state selects nothing.
    video.load();
    assert_eq!(video.network_state(), NetworkState::NoSource);
    video.set_src_object(None);
    video.stable_state();
    flush_events();
    assert_eq!(
        rx.try_iter().collect::<Vec<_>>(),
        ["abort", "emptied", "emptied"]
    );
    assert_eq!(video.network_state(), NetworkState::Empty);
    stream.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn the_stream_becoming_inactive_ends_playback() {
    let r = rig();
    let stream = video_stream(&r, r#"{"video":true,"audio":true}"#);
    let (video, rx) = r.element(MediaElementKind::Video);
    futures_executor::block_on(load_and_play(&video, &stream)).unwrap();
    assert_eq!(until(&rx, "canplaythrough"), played_before_metadata());
    // stop() fires no event at the track, but the element notices the stream is inactive.
    stream.get_tracks().iter().for_each(|t| t.stop());
    assert_eq!(until(&rx, "ended"), ["timeupdate", "pause", "ended"]);
    assert!(video.ended() && video.paused());
    // play() again: still inactive, so playback ends again.
    futures_executor::block_on(video.play()).unwrap();
    assert!(until(&rx, "ended").contains(&"ended"));
}

#[test]
fn an_ended_or_empty_stream_loads_without_panicking() {
    let r = rig();
    let stream = gum(&r.md, r#"{"video":true}"#).unwrap();
    stream.get_tracks().iter().for_each(|t| t.stop());
    for src in [stream, MediaStream::new()] {
        let (video, rx) = r.element(MediaElementKind::Video);
        video.set_src_object(Some(src));
        until(&rx, "canplaythrough");
        assert_eq!((video.video_width(), video.video_height()), (0, 0));
        futures_executor::block_on(video.play()).unwrap();
        assert!(video.current_frame().is_none());
        video.pause();
    }
}

#[test]
fn a_new_frame_size_fires_resize() {
    let r = rig();
    let stream = video_stream(&r, r#"{"video":{"width":320}}"#);
    let (video, rx) = r.element(MediaElementKind::Video);
    futures_executor::block_on(load_and_play(&video, &stream)).unwrap();
    assert_eq!(until(&rx, "canplaythrough"), played_before_metadata());
    let track = stream.get_video_tracks()[0].clone();
    futures_executor::block_on(
        track.apply_constraints(MediaTrackConstraints::from_json(r#"{"width":160}"#).unwrap()),
    )
    .unwrap();
    // The camera reopens at 160x120; its next frame is due 100 ms later at the latest.
    for _ in 0..3 {
        r.advance_ms(100);
    }
    assert_eq!(until(&rx, "resize"), ["resize"]);
    assert_eq!((video.video_width(), video.video_height()), (160, 120));
    track.stop();
}

#[test]
fn video_frame_callbacks_get_each_presented_frame_once() {
    let r = rig();
    let stream = video_stream(&r, r#"{"video":{"width":320}}"#);
    let (video, rx) = r.element(MediaElementKind::Video);
    futures_executor::block_on(load_and_play(&video, &stream)).unwrap();
    assert_eq!(until(&rx, "canplaythrough"), played_before_metadata());
    let (tx, frames) = mpsc::channel();
    let t2 = tx.clone();
    video.request_video_frame_callback(move |now, m| {
        let _ = tx.send((now, *m));
    });
    let cancelled = video.request_video_frame_callback(move |now, m| {
        let _ = t2.send((now, *m));
    });
    video.cancel_video_frame_callback(cancelled);
    r.advance_ms(100);
    let (now, m) = frames.recv_timeout(SAFETY).expect("a frame callback");
    assert_eq!((m.width, m.height), (320, 240));
    assert_eq!(m.capture_time, 200.0, "frame 2 was captured at 200 ms");
    assert_eq!(now, 200.0);
    assert_eq!(m.media_time, 0.1, "playing since frame 1, at 100 ms");
    assert_eq!(m.presented_frames, 2, "frames 1 and 2");
    r.advance_ms(100);
    flush_events();
    assert!(
        frames.try_recv().is_err(),
        "once only, and the cancelled one never"
    );
    stream.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn a_paused_element_shows_the_tracks_current_frame_at_once_and_presents_it_once() {
    let r = rig();
    let stream = video_stream(&r, r#"{"video":{"width":320}}"#);
    let track = stream.get_video_tracks()[0].clone();
    // The frame the track delivered last (frame 1, at 100 ms), with no sink to take it.
    let last = track.refresh_frame().expect("the track's last frame");
    assert_eq!(mediacapture_hal::fake::read_frame_counter(&last), Some(1));
    // A new track at the camera's size (a clone) takes the camera's last frame; one scaled
    // from it has none before its first frame.
    let clone = track
        .clone_track()
        .refresh_frame()
        .expect("the camera's last frame");
    assert_eq!(mediacapture_hal::fake::read_frame_counter(&clone), Some(1));
    let scaled = gum(&r.md, r#"{"video":{"width":{"exact":200}}}"#).unwrap();
    assert!(scaled.get_video_tracks()[0].refresh_frame().is_none());
    scaled.get_tracks().iter().for_each(|t| t.stop());
    let (video, rx) = r.element(MediaElementKind::Video);
    let (tx, frames) = mpsc::channel();
    let first_cb = tx.clone();
    video.request_video_frame_callback(move |now, m| {
        let _ = first_cb.send((now, *m));
    });
    video.set_src_object(Some(stream.clone()));
    until(&rx, "canplaythrough");
    // Shown without the clock moving, and presented: its frame callback runs.
    let (now, m) = frames
        .recv_timeout(SAFETY)
        .expect("a callback for the first frame");
    assert!(video.paused());
    assert_eq!(now, 100.0);
    assert_eq!(m.capture_time, 100.0, "frame 1");
    assert_eq!(m.presented_frames, 1);
    assert_eq!(m.media_time, 0.0);
    // Paused: the camera's next frames are not presented.
    video.request_video_frame_callback(move |now, m| {
        let _ = tx.send((now, *m));
    });
    let reader = track.video_frames(); // after the element's sink: gets each frame after it
    r.advance_ms(200);
    loop {
        let f = reader.recv_timeout(SAFETY).expect("a frame");
        if mediacapture_hal::fake::read_frame_counter(&f) == Some(3) {
            break;
        }
    }
    flush_events();
    assert!(frames.try_recv().is_err(), "nothing presented while paused");
    assert_eq!(video.presented_frames(), 1);
    track.stop();
    assert!(track.refresh_frame().is_none(), "an ended track has none");
}

#[test]
fn volume_and_muted_fire_volumechange_and_bad_volumes_are_index_size_errors() {
    let r = rig();
    let (audio, rx) = r.element(MediaElementKind::Audio);
    audio.set_volume(0.5).unwrap();
    audio.set_muted(true);
    audio.set_volume(0.5).unwrap();
    for bad in [1.5, -0.1, f64::NAN] {
        assert_eq!(
            audio.set_volume(bad).unwrap_err().kind,
            ErrorKind::IndexSizeError
        );
    }
    flush_events();
    assert_eq!(
        rx.try_iter().collect::<Vec<_>>(),
        ["volumechange", "volumechange"]
    );
    assert_eq!((audio.volume(), audio.muted()), (0.5, true));
    let _ = r.backend;
}
