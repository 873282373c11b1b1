//! VideoTrackGenerator / MediaStreamTrackGenerator (mediacapture-transform): what is written
//! reaches every live track, settings follow the frames, muted, close, and the last track's
//! end closing the writable.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
use mediacapture::generator::TrackGenerator;
use mediacapture::{
    AudioData, ErrorKind, MediaStreamTrackState, MediaTrackConstraints, PixelFormat, TrackEvent,
    TrackKind, VideoFrame, flush_events,
};
use std::sync::mpsc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn rgba(width: u32, height: u32, value: u8) -> VideoFrame {
    VideoFrame::new(
        PixelFormat::Rgba,
        width,
        height,
        vec![value; (width * height * 4) as usize],
        0,
    )
    .unwrap()
}

/// A channel that receives `event` of `track`.
fn on(track: &mediacapture::MediaStreamTrack, event: TrackEvent) -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel();
    track.on(event, move || {
        let _ = tx.send(());
    });
    rx
}

#[test]
fn written_frames_reach_the_track_and_its_settings_follow_their_size() {
    let g = TrackGenerator::new(TrackKind::Video).unwrap();
    let track = g.track().clone();
    assert_eq!(track.kind(), TrackKind::Video);
    assert_eq!(track.ready_state(), MediaStreamTrackState::Live);
    assert!(!track.muted());
    let frames = track.video_frames();
    g.write_video(rgba(64, 32, 200)).unwrap();
    let f = frames.recv_timeout(WAIT).expect("the written frame");
    assert_eq!((f.display_width(), f.display_height()), (64, 32));
    flush_events();
    let s = track.get_settings();
    assert_eq!((s.width, s.height), (Some(64), Some(32)));
    assert_eq!(s.device_id, None, "a generated track has no device");
    // The next size: the settings follow it.
    g.write_video(rgba(16, 16, 10)).unwrap();
    let f = frames.recv_timeout(WAIT).expect("the second frame");
    assert_eq!((f.display_width(), f.display_height()), (16, 16));
    flush_events();
    assert_eq!(track.get_settings().width, Some(16));
    track.stop();
}

#[test]
fn a_clone_gets_the_same_frames_adapted_to_its_own_constraints() {
    let g = TrackGenerator::new(TrackKind::Video).unwrap();
    g.write_video(rgba(64, 32, 1)).unwrap();
    flush_events();
    let small = g.track().clone_track();
    futures_executor::block_on(
        small.apply_constraints(MediaTrackConstraints::from_json(r#"{"width":32}"#).unwrap()),
    )
    .unwrap();
    let (full, half) = (g.track().video_frames(), small.video_frames());
    g.write_video(rgba(64, 32, 2)).unwrap();
    let a = full.recv_timeout(WAIT).expect("a frame on the track");
    let b = half.recv_timeout(WAIT).expect("a frame on the clone");
    assert_eq!(a.display_width(), 64);
    assert_eq!((b.display_width(), b.display_height()), (32, 16));
    small.stop();
    g.track().stop();
}

#[test]
fn muted_fires_mute_and_unmute_and_drops_what_is_written_meanwhile() {
    let g = TrackGenerator::new(TrackKind::Video).unwrap();
    let track = g.track().clone();
    let (mute, unmute) = (on(&track, TrackEvent::Mute), on(&track, TrackEvent::Unmute));
    let frames = track.video_frames();
    g.set_muted(true);
    assert!(g.muted());
    mute.recv_timeout(WAIT).expect("mute");
    assert!(track.muted());
    g.write_video(rgba(8, 8, 1)).unwrap();
    g.set_muted(false);
    unmute.recv_timeout(WAIT).expect("unmute");
    g.write_video(rgba(4, 4, 2)).unwrap();
    let f = frames.recv_timeout(WAIT).expect("a frame after unmuting");
    assert_eq!(
        f.display_width(),
        4,
        "the frame written while muted reached no track"
    );
    track.stop();
}

#[test]
fn closing_ends_every_track_with_an_ended_event_and_later_writes_fail() {
    let g = TrackGenerator::new(TrackKind::Video).unwrap();
    let (a, b) = (g.track().clone(), g.track().clone_track());
    let (ea, eb) = (on(&a, TrackEvent::Ended), on(&b, TrackEvent::Ended));
    g.close();
    ea.recv_timeout(WAIT).expect("ended on the track");
    eb.recv_timeout(WAIT).expect("ended on the clone");
    assert_eq!(a.ready_state(), MediaStreamTrackState::Ended);
    assert!(g.closed());
    let e = g.write_video(rgba(4, 4, 0)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidStateError);
}

#[test]
fn the_end_of_the_last_track_closes_the_writable() {
    let g = TrackGenerator::new(TrackKind::Video).unwrap();
    let clone = g.track().clone_track();
    g.track().stop();
    assert!(!g.closed(), "a clone still lives");
    g.write_video(rgba(4, 4, 0)).unwrap();
    // Stopped from another thread than the writer's: a source stopped on the thread that
    // delivers its frames is stopped on a helper thread (so that it cannot wait on itself),
    // which would make the close asynchronous here.
    std::thread::spawn(move || clone.stop()).join().unwrap();
    assert!(g.closed());
    assert_eq!(
        g.write_video(rgba(4, 4, 0)).unwrap_err().kind,
        ErrorKind::InvalidStateError
    );
}

#[test]
fn a_generator_takes_only_media_of_its_kind() {
    let v = TrackGenerator::new(TrackKind::Video).unwrap();
    let audio = AudioData::from_f32(48_000, 1, &[0.0; 480], 0).unwrap();
    assert_eq!(
        v.write_audio(audio.clone()).unwrap_err().kind,
        ErrorKind::TypeError
    );
    let a = TrackGenerator::new(TrackKind::Audio).unwrap();
    assert_eq!(
        a.write_video(rgba(4, 4, 0)).unwrap_err().kind,
        ErrorKind::TypeError
    );
    v.track().stop();
    a.track().stop();
}

#[test]
fn written_audio_reaches_the_track_and_its_settings_follow_the_format() {
    let g = TrackGenerator::new(TrackKind::Audio).unwrap();
    let track = g.track().clone();
    assert_eq!(track.kind(), TrackKind::Audio);
    let blocks = track.audio_data();
    let samples: Vec<f32> = (0..960).map(|i| (i as f32 / 960.0) - 0.5).collect();
    let stereo = AudioData::from_f32(48_000, 2, &samples, 0).unwrap();
    g.write_audio(stereo.clone()).unwrap();
    // The first block of a new format reaches the track in its current settings (mono):
    // the settings change in a queued task, as a resized canvas's do.
    blocks.recv_timeout(WAIT).expect("audio").unwrap();
    flush_events();
    let s = track.get_settings();
    assert_eq!((s.sample_rate, s.channel_count), (Some(48_000), Some(2)));
    g.write_audio(stereo).unwrap();
    let got = blocks.recv_timeout(WAIT).expect("audio").unwrap();
    assert_eq!(got.channels(), 2, "the next block comes in the new format");
    track.stop();
}
