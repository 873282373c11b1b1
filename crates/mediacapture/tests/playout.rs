//! Playing to speakers: pushed audio and tracks through the jitter buffers to a fake
//! speaker (on a manual clock where timing matters), mixing, gain, pause, the far-end
//! listeners and a speaker that goes away.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod common;
use common::*;
use mediacapture::playout::{AudioPlayer, PlayerOptions, on_played};
use mediacapture::{AudioData, ErrorKind, MediaDevices};
use mediacapture_hal::fake::{FakeBackend, FakeProfile, PlayedAudio};
use mediacapture_test_support::ManualClock;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

const SPEAKER: &str = r#"{"devices":[
    {"kind":"audiooutput","id":"spk","label":"Speaker","isDefault":true},
    {"kind":"audiooutput","id":"spk2","label":"Second speaker"},
    {"kind":"audioinput","id":"mic","label":"Mic"}]}"#;

fn setup(clock: Option<&Arc<ManualClock>>) -> (MediaDevices, Arc<FakeBackend>, PlayedAudio) {
    let profile = FakeProfile::from_json(SPEAKER).unwrap();
    let backend = Arc::new(match clock {
        Some(c) => FakeBackend::with_clock(profile, c.as_clock()),
        None => FakeBackend::new(profile),
    });
    let md = MediaDevices::builder()
        .salt(SALT)
        .backend_arc(backend.clone())
        .build();
    let played = backend.played("spk").unwrap();
    (md, backend, played)
}

fn stereo(v: f32, ts: i64) -> AudioData {
    AudioData::from_f32(48_000, 2, &[v; 960], ts).unwrap()
}

/// Moves the manual clock by 10 ms and waits until the speaker pulled the block now due.
fn step(clock: &ManualClock, played: &PlayedAudio) {
    let before = played.frames_played();
    clock.advance(Duration::from_millis(10));
    assert!(
        played.wait_frames(before + 480, SAFETY),
        "the speaker pulls"
    );
}

#[test]
fn pushed_inputs_are_mixed_with_gain_after_the_prebuffer() {
    let clock = ManualClock::new();
    let (md, _b, played) = setup(Some(&clock));
    let player = AudioPlayer::new(PlayerOptions::default());
    player.set_device(md.audio_output("").unwrap()).unwrap();
    assert_eq!(player.device().unwrap().raw_id(), "spk");
    // The speaker pulls its first block as it opens: silence.
    assert!(played.wait_frames(480, SAFETY));
    let a = player.push_input();
    let b = player.push_input();
    player.set_playing(true);
    player.set_gain(0.5);
    // 30 ms of each (the target delay): playing starts with the next block.
    for k in 0..3 {
        a.push(&stereo(0.5, k * 10_000));
        b.push(&AudioData::from_f32(48_000, 1, &[0.2; 480], k * 10_000).unwrap());
    }
    step(&clock, &played);
    step(&clock, &played);
    let seg = played.last_segment().unwrap();
    let left = seg.channel(0);
    assert!(
        left[..480].iter().all(|&s| s == 0.0),
        "first block: nothing yet"
    );
    // (0.5 + 0.2) * 0.5, both channels (the mono input is up-mixed).
    for s in seg.samples[960..].iter() {
        assert!((s - 0.35).abs() < 1e-6, "{s}");
    }
    assert_eq!(a.stats().played_frames, 960);
    assert_eq!(player.stats().jitter.underruns, 0);
}

#[test]
fn pause_silences_the_next_block_and_holds_nothing_back() {
    let clock = ManualClock::new();
    let (md, _b, played) = setup(Some(&clock));
    let player = AudioPlayer::new(PlayerOptions::default());
    player.set_device(md.audio_output("").unwrap()).unwrap();
    assert!(played.wait_frames(480, SAFETY));
    let input = player.push_input();
    player.set_playing(true);
    for k in 0..6 {
        input.push(&stereo(0.5, k * 10_000));
    }
    step(&clock, &played);
    player.set_playing(false);
    // Pushed while paused: dropped, never played later.
    input.push(&stereo(0.9, 60_000));
    step(&clock, &played);
    player.set_playing(true);
    step(&clock, &played);
    let seg = played.last_segment().unwrap();
    let left = seg.channel(0);
    assert!(left[480..960].iter().all(|&s| s == 0.5), "playing");
    assert!(
        left[960..].iter().all(|&s| s == 0.0),
        "paused, then prebuffering: silence"
    );
    assert!(!left.contains(&0.9));
}

#[test]
fn a_microphone_track_is_heard_at_its_frequency() {
    let (md, _b, played) = setup(None);
    // Unprocessed: what the process plays is the echo cancellers' far end, and a processed
    // microphone would cancel its own steady tone played back.
    let stream = gum(
        &md,
        r#"{"audio":{"sampleRate":44100,"channelCount":1,"echoCancellation":false}}"#,
    )
    .unwrap();
    let track = stream.get_audio_tracks()[0].clone();
    let player = AudioPlayer::new(PlayerOptions::default());
    player.set_device(md.audio_output("").unwrap()).unwrap();
    assert!(player.add_track(&track));
    assert!(!player.add_track(&track), "a track is played once");
    player.set_playing(true);
    // Half a second of the tone (44.1 kHz mono in, 48 kHz stereo out).
    assert!(played.wait_frames(48_000, SAFETY));
    let seg = played.last_segment().unwrap();
    let right = seg.channel(1);
    // The fake microphone plays 440 Hz with an 880 Hz beep at each whole second.
    let loud: Vec<f32> = right
        .chunks(480)
        .filter(|c| c.iter().any(|s| s.abs() > 0.05))
        .flatten()
        .copied()
        .collect();
    assert!(loud.len() >= 9_600, "{} loud frames", loud.len());
    assert_eq!(
        dominant(&loud, 48_000.0, &[220.0, 440.0, 660.0, 880.0]),
        440.0
    );
    player.remove_track(&track);
    assert!(player.tracks().is_empty());
    assert_eq!(track.sink_count(), 0, "the player's sink left the track");
    track.stop();
}

#[test]
fn everything_played_is_reported_to_the_far_end_listeners() {
    let clock = ManualClock::new();
    let (md, _b, played) = setup(Some(&clock));
    let seen: Arc<Mutex<Vec<(String, i64, f32)>>> = Arc::default();
    let s = seen.clone();
    let listener = on_played(move |b| {
        let peak = b
            .audio
            .as_ref()
            .map(|a| {
                a.to_f32_interleaved()
                    .iter()
                    .fold(0.0f32, |m, x| m.max(x.abs()))
            })
            .unwrap_or(-1.0);
        s.lock().unwrap().push((b.raw_id.to_owned(), b.at_us, peak));
    });
    let player = AudioPlayer::new(PlayerOptions::default());
    player.set_device(md.audio_output("").unwrap()).unwrap();
    assert!(played.wait_frames(480, SAFETY));
    let input = player.push_input();
    player.set_playing(true);
    for k in 0..3 {
        input.push(&stereo(0.25, k * 10_000));
    }
    step(&clock, &played);
    drop(listener);
    step(&clock, &played);
    let seen = seen.lock().unwrap().clone();
    // Other tests' speakers may report too: keep this one's.
    let mine: Vec<_> = seen
        .iter()
        .filter(|(id, at, _)| id == "spk" && *at <= 10_000)
        .collect();
    assert!(
        mine.iter()
            .any(|(_, at, peak)| *at == 10_000 && *peak == 0.25),
        "{seen:?}"
    );
    assert!(
        !seen.iter().any(|(id, at, _)| id == "spk" && *at == 20_000),
        "unregistered"
    );
}

#[test]
fn a_speaker_that_goes_away_is_reported_and_another_one_can_take_over() {
    let (md, backend, _) = setup(None);
    let player = AudioPlayer::new(PlayerOptions::default());
    let second = md.audio_output("").unwrap().map(|d| {
        let desc = backend_devices(&backend)
            .into_iter()
            .find(|x| x.raw_id == "spk2")
            .unwrap();
        mediacapture::playout::AudioOutputDevice::new(d.backend().clone(), desc).unwrap()
    });
    player.set_device(second).unwrap();
    let (tx, rx) = mpsc::channel();
    player.on_device_lost(move |e| {
        let _ = tx.send(e);
    });
    player.set_playing(true);
    backend.remove_device("spk2").unwrap();
    let e = recv(&rx, "the speaker is gone");
    assert_eq!(e.kind, ErrorKind::NotFoundError);
    // The default speaker takes over.
    player.set_device(md.audio_output("").unwrap()).unwrap();
    assert_eq!(player.device().unwrap().raw_id(), "spk");
    let played = backend.played("spk").unwrap();
    let before = played.frames_played();
    assert!(played.wait_frames(before + 4_800, SAFETY));
}

fn backend_devices(b: &FakeBackend) -> Vec<mediacapture::types::native::DeviceDescriptor> {
    use mediacapture_hal::Backend;
    b.devices().unwrap()
}
