//! Where a media element's media goes: its audio to a speaker (setSinkId, the fallback to
//! the default when the speaker goes away, pause), its rendering to captureStream() tracks.
//! Fake devices and the element on one manual clock.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod common;
use common::*;
use mediacapture::media_element::{HTMLMediaElement, MediaElementEvent as E, MediaElementKind};
use mediacapture::{
    ErrorKind, MediaDeviceKind, MediaDevices, MediaStream, MediaStreamTrackState, TrackKind,
    flush_events,
};
use mediacapture_hal::fake::{FakeBackend, FakeProfile, PlayedAudio};
use mediacapture_test_support::ManualClock;
use std::sync::{Arc, mpsc};
use std::time::Duration;

const PROFILE: &str = r#"{"devices":[
    {"kind":"videoinput","id":"cam","label":"Cam","modes":[{"width":320,"height":240,"frameRate":10}]},
    {"kind":"audioinput","id":"mic","label":"Mic"},
    {"kind":"audiooutput","id":"spk","label":"Speaker","isDefault":true},
    {"kind":"audiooutput","id":"spk2","label":"Headphones"}]}"#;

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

    /// Moves the clock in 10 ms steps, each time waiting until `speaker` pulled its block and
    /// the microphone delivered its own (the fake microphone's thread must not fall behind
    /// the test: it would then deliver in bursts).
    fn play_ms(&self, speaker: &PlayedAudio, mic: &Delivered, ms: u64) {
        for _ in 0..ms / 10 {
            let before = speaker.frames_played();
            let delivered = mic.blocks();
            self.clock.advance(Duration::from_millis(10));
            assert!(
                speaker.wait_frames(before + 480, SAFETY),
                "the speaker pulls"
            );
            mic.wait_blocks(delivered + 1);
        }
    }

    fn speaker_id(&self, label: &str) -> String {
        block_on(self.md.enumerate_devices())
            .unwrap()
            .into_iter()
            .find(|d| d.kind == MediaDeviceKind::AudioOutput && d.label == label)
            .expect("the speaker is exposed")
            .device_id
            .clone()
    }
}

/// Counts the blocks an audio track delivers.
struct Delivered(Arc<(std::sync::Mutex<u64>, std::sync::Condvar)>);

impl Delivered {
    fn on(track: &mediacapture::MediaStreamTrack) -> Self {
        let shared: Arc<(std::sync::Mutex<u64>, std::sync::Condvar)> = Arc::default();
        let s = shared.clone();
        track.on_audio_data(move |_| {
            *s.0.lock().unwrap() += 1;
            s.1.notify_all();
        });
        Delivered(shared)
    }
    fn blocks(&self) -> u64 {
        *self.0.0.lock().unwrap()
    }
    fn wait_blocks(&self, n: u64) {
        let g = self.0.0.lock().unwrap();
        let (g, _) = self.0.1.wait_timeout_while(g, SAFETY, |b| *b < n).unwrap();
        assert!(*g >= n, "the microphone delivers");
    }
}

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

/// Waits until the element's speaker is open and pulling (it opens at the first playback).
fn wait_open(r: &Rig, speaker: &PlayedAudio) {
    let deadline = std::time::Instant::now() + SAFETY;
    while speaker.frames_played() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the speaker never opened"
        );
        std::thread::sleep(Duration::from_millis(5)); // polls a state no event reports
    }
    let _ = r;
}

/// The left channel of everything `speaker` played, with each frame's time (µs).
fn played(speaker: &PlayedAudio) -> Vec<(i64, f32)> {
    speaker
        .segments()
        .iter()
        .flat_map(|s| {
            let left = s.channel(0);
            (0..left.len())
                .map(move |i| (s.time_of(i), left[i]))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A microphone without echo cancellation, noise suppression or gain control.
const UNPROCESSED: &str =
    r#"{"audio":{"echoCancellation":false,"noiseSuppression":false,"autoGainControl":false}}"#;

#[test]
fn the_microphone_is_heard_and_pause_silences_it_within_50_ms() {
    let r = rig();
    let speaker = r.backend.played("spk").unwrap();
    // Processing off: noise suppression removes a steady tone (as in a browser); this test
    // follows the tone itself.
    let stream = gum(&r.md, UNPROCESSED).unwrap();
    let mic = Delivered::on(&stream.get_audio_tracks()[0]);
    let (audio, rx) = r.element(MediaElementKind::Audio);
    audio.set_autoplay(true);
    audio.set_src_object(Some(stream.clone()));
    until(&rx, "playing");
    wait_open(&r, &speaker);

    r.play_ms(&speaker, &mic, 600);
    let paused_at = mediacapture_hal::clock::Clock::now_us(&*r.clock);
    audio.pause();
    r.play_ms(&speaker, &mic, 200);
    let samples = played(&speaker);
    let loud: Vec<f32> = samples
        .iter()
        .filter(|(t, _)| *t < paused_at)
        .map(|(_, s)| *s)
        .collect::<Vec<_>>()
        .chunks(480)
        .filter(|c| c.iter().any(|s| s.abs() > 0.05))
        .flatten()
        .copied()
        .collect();
    assert!(
        loud.len() >= 9_600,
        "at least 200 ms of tone: {}",
        loud.len()
    );
    // The tone over the whole recording: no splice (a dropped or repeated block) anywhere.
    assert_eq!(
        dominant(&loud, 48_000.0, &[220.0, 440.0, 660.0, 880.0]),
        440.0
    );
    // The last sound is heard within 50 ms of the pause (sample positions, not wall clock).
    let last_loud = samples
        .iter()
        .filter(|(_, s)| s.abs() > 1e-4)
        .map(|(t, _)| *t)
        .max()
        .unwrap();
    assert!(
        last_loud - paused_at <= 50_000,
        "sound until {} µs after the pause",
        last_loud - paused_at
    );
    stream.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn set_sink_id_moves_the_audio_and_follows_the_rules() {
    let r = rig();
    let default = r.backend.played("spk").unwrap();
    let phones = r.backend.played("spk2").unwrap();
    let (audio, rx) = r.element(MediaElementKind::Audio);
    // Before any capture, no output id is exposed: an unknown id is NotFoundError.
    let e = block_on(audio.set_sink_id("nope")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    // Unprocessed: what the process plays is the echo cancellers' far end, and a processed
    // microphone would cancel the fake microphone's steady tone it hears played back.
    let stream = gum(&r.md, UNPROCESSED).unwrap();
    let mic = Delivered::on(&stream.get_audio_tracks()[0]);
    let phones_id = r.speaker_id("Headphones");
    assert_eq!(
        block_on(audio.set_sink_id("nope")).unwrap_err().kind,
        ErrorKind::NotFoundError
    );
    assert_eq!(audio.sink_id(), "");
    block_on(audio.set_sink_id(&phones_id)).unwrap();
    assert_eq!(audio.sink_id(), phones_id);
    block_on(audio.set_sink_id(&phones_id)).unwrap();
    audio.set_autoplay(true);
    audio.set_src_object(Some(stream.clone()));
    until(&rx, "playing");
    wait_open(&r, &phones);
    r.play_ms(&phones, &mic, 300);
    let loud = |p: &PlayedAudio| played(p).iter().filter(|(_, s)| s.abs() > 0.05).count();
    assert!(loud(&phones) > 4_800, "the headphones play");
    assert_eq!(loud(&default), 0, "the default speaker does not");
    // Back to the default output.
    block_on(audio.set_sink_id("")).unwrap();
    assert_eq!(audio.sink_id(), "");
    phones.clear();
    wait_open(&r, &default);
    r.play_ms(&default, &mic, 300);
    assert!(loud(&default) > 4_800, "the default speaker plays");
    stream.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn a_speaker_that_goes_away_falls_back_to_the_default_with_an_event() {
    let r = rig();
    let default = r.backend.played("spk").unwrap();
    let phones = r.backend.played("spk2").unwrap();
    // Unprocessed: a processed microphone cancels its own tone played back (the far end).
    let stream = gum(&r.md, UNPROCESSED).unwrap();
    let mic = Delivered::on(&stream.get_audio_tracks()[0]);
    let (audio, rx) = r.element(MediaElementKind::Audio);
    let phones_id = r.speaker_id("Headphones");
    block_on(audio.set_sink_id(&phones_id)).unwrap();
    audio.set_autoplay(true);
    audio.set_src_object(Some(stream.clone()));
    until(&rx, "playing");
    wait_open(&r, &phones);
    r.play_ms(&phones, &mic, 100);
    r.backend.remove_device("spk2").unwrap();
    assert_eq!(until(&rx, "sinkfallback").last(), Some(&"sinkfallback"));
    assert_eq!(audio.sink_id(), phones_id, "sinkId is kept, as in Chromium");
    wait_open(&r, &default);
    r.play_ms(&default, &mic, 300);
    assert!(
        played(&default)
            .iter()
            .filter(|(_, s)| s.abs() > 0.05)
            .count()
            > 4_800,
        "the default speaker took over"
    );
    stream.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn capture_stream_carries_what_the_element_renders() {
    let r = rig();
    let stream = gum(&r.md, r#"{"video":true,"audio":true}"#).unwrap();
    // Let the camera's first frames out (frame 0 is due at the open).
    let frames = stream.get_video_tracks()[0].video_frames();
    r.clock.advance(Duration::from_millis(100));
    while mediacapture_hal::fake::read_frame_counter(&frames.recv_timeout(SAFETY).unwrap())
        != Some(1)
    {}
    drop(frames);
    let (video, rx) = r.element(MediaElementKind::Video);
    video.set_src_object(Some(stream.clone()));
    let captured = video.capture_stream();
    assert!(
        captured.get_tracks().is_empty(),
        "HAVE_NOTHING: no tracks yet"
    );
    let (tx, added) = mpsc::channel();
    captured.add_event_listener(move |e| {
        let _ = tx.send((e.event_type.event_type(), e.track.kind()));
    });
    r.clock.advance(Duration::from_millis(100));
    until(&rx, "canplaythrough");
    let mut kinds = vec![recv(&added, "addtrack"), recv(&added, "addtrack")];
    kinds.sort_by_key(|(_, k)| k.as_str());
    assert_eq!(
        kinds,
        [
            ("addtrack", TrackKind::Audio),
            ("addtrack", TrackKind::Video)
        ]
    );
    let cv = captured.get_video_tracks()[0].clone();
    assert_eq!(cv.get_settings().width, Some(320));
    flush_events();
    assert!(cv.muted(), "muted while the element is paused");
    let cv_frames = cv.video_frames();
    let play = video.play();
    until(&rx, "playing");
    block_on(play).unwrap();
    flush_events();
    assert!(!cv.muted());
    r.clock.advance(Duration::from_millis(100));
    // Frame 3 (due now) is rendered while the element plays. Frame 2 (due at the last advance)
    // travels from the camera's thread to the element on its own time: if it arrived after
    // `play`, it was rendered while playing too, and is captured first. Frame 1, shown while
    // paused, never is.
    let mut seen = Vec::new();
    loop {
        let f = cv_frames.recv_timeout(SAFETY).expect("a captured frame");
        assert_eq!((f.display_width(), f.display_height()), (320, 240));
        let n = mediacapture_hal::fake::read_frame_counter(&f);
        seen.push(n);
        if n == Some(3) {
            break;
        }
        assert_eq!(n, Some(2), "frames captured after play: {seen:?}");
    }
    // A new source ends the captured tracks (removetrack after they ended).
    let (etx, ended) = mpsc::channel();
    cv.add_event_listener(move |e| {
        let _ = etx.send(e.event_type());
    });
    video.set_src_object(Some(MediaStream::new()));
    assert_eq!(recv(&ended, "ended"), "ended");
    assert_eq!(recv(&added, "removetrack").0, "removetrack");
    assert_eq!(recv(&added, "removetrack").0, "removetrack");
    assert_eq!(cv.ready_state(), MediaStreamTrackState::Ended);
    assert!(captured.get_tracks().is_empty());
    stream.get_tracks().iter().for_each(|t| t.stop());
}

#[test]
fn the_element_lets_go_of_its_tracks_when_dropped() {
    let r = rig();
    let stream = gum(&r.md, r#"{"video":true,"audio":true}"#).unwrap();
    let (video, rx) = r.element(MediaElementKind::Video);
    video.set_src_object(Some(stream.clone()));
    until(&rx, "loadstart");
    assert!(stream.get_tracks().iter().all(|t| t.sink_count() > 0));
    drop(video);
    flush_events();
    for t in stream.get_tracks() {
        assert_eq!(t.sink_count(), 0, "{:?}", t.kind());
    }
    let _ = E::Play;
}
