//! Rust to Rust over 127.0.0.1: a fake camera and microphone go across, and come back as
//! ordinary tracks carrying the fake pattern's frame counter and the fake tone.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.

mod common;

use common::*;
use mediacapture::TrackKind;
use mediacapture_hal::fake::read_frame_counter;
use mediacapture_webrtc::{
    PeerConnectionEvent, RTCRtpTransceiverDirection, RTCSignalingState, RTCStats,
};

#[test]
fn fake_camera_and_microphone_cross_and_arrive_as_tracks() {
    let devices = devices();
    // Without echo cancellation, noise suppression and gain control: a steady tone is what
    // noise suppression removes (as in a browser), and this test follows the tone itself.
    let stream = gum(
        &devices,
        r#"{"video": {"width": 640, "height": 480},
            "audio": {"echoCancellation": false, "noiseSuppression": false, "autoGainControl": false}}"#,
    );
    let a = pc();
    let b = pc();
    let a_events = events(&a);
    let b_events = events(&b);
    for t in stream.get_tracks() {
        a.add_track(&t, &[&stream]).unwrap();
    }
    wait_for(&a_events, "negotiationneeded", |e| {
        matches!(e, PeerConnectionEvent::NegotiationNeeded).then_some(())
    });
    negotiate(&a, &b);
    assert_eq!(a.signaling_state(), RTCSignalingState::Stable);
    assert_eq!(b.signaling_state(), RTCSignalingState::Stable);

    // b got one track event per track, both in one remote stream.
    let mut tracks = Vec::new();
    while tracks.len() < 2 {
        tracks.push(wait_for(&b_events, "track", |e| match e {
            PeerConnectionEvent::Track(t) => Some(t.clone()),
            _ => None,
        }));
    }
    let video = tracks
        .iter()
        .find(|t| t.track.kind() == TrackKind::Video)
        .unwrap();
    let audio = tracks
        .iter()
        .find(|t| t.track.kind() == TrackKind::Audio)
        .unwrap();
    assert_eq!(video.streams.len(), 1);
    assert_eq!(audio.streams.len(), 1);
    assert_eq!(video.streams[0].id(), audio.streams[0].id());
    assert_eq!(video.streams[0].get_tracks().len(), 2);
    assert_eq!(
        video.transceiver.current_direction(),
        Some(RTCRtpTransceiverDirection::Recvonly),
        "b answered recvonly: it has nothing to send"
    );
    assert_eq!(
        a.get_transceivers()[0].current_direction(),
        Some(RTCRtpTransceiverDirection::Sendonly)
    );

    let frames = video.track.video_frames();
    let audio_data = audio.track.audio_data();
    wait_connected(&a, &a_events);
    wait_connected(&b, &b_events);

    // Video: the pattern's counter increases from frame to frame.
    let mut counters = Vec::new();
    while counters.len() < 30 {
        let f = frames
            .recv_timeout(SAFETY)
            .expect("remote video frames arrive");
        if let Some(c) = read_frame_counter(&f) {
            counters.push(c);
        }
    }
    assert!(
        counters.windows(2).all(|w| w[1] > w[0]),
        "frame counters increase: {counters:?}"
    );
    assert!(!video.track.muted());

    // The remote track is an ordinary track: its size follows the decoded pictures (the
    // size sent), and a clone takes constraints like a camera's.
    assert_eq!(video.track.get_settings().width, Some(640));
    assert_eq!(video.track.get_settings().height, Some(480));
    let small = video.track.clone_track();
    block_on(small.apply_constraints(
        mediacapture::MediaTrackConstraints::from_json(r#"{"width": 160, "height": 120}"#).unwrap(),
    ))
    .unwrap();
    assert_eq!(small.get_settings().width, Some(160));
    let small_frames = small.video_frames();
    let f = small_frames
        .recv_timeout(SAFETY)
        .expect("the clone's frames");
    assert_eq!((f.display_width(), f.display_height()), (160, 120));
    small.stop();

    // Audio: 1 s of the remote track has the microphone's 440 Hz tone.
    let mut samples = Vec::new();
    while samples.len() < 48_000 {
        let a = audio_data
            .recv_timeout(SAFETY)
            .expect("remote audio arrives")
            .expect("no overflow");
        assert_eq!(a.sample_rate(), 48_000);
        let ch = a.channels() as usize;
        samples.extend(a.to_f32_interleaved().chunks(ch).map(|c| c[0]));
    }
    // Skip the first 100 ms (decoder start) and look at the steady part.
    let freqs = [330.0, 440.0, 550.0, 660.0, 880.0, 1000.0];
    assert_eq!(dominant(&samples[4800..48_000], 48_000.0, &freqs), 440.0);

    // Stats on both sides, named as in webrtc-stats.
    let sent = block_on(a.get_stats()).unwrap();
    let out_video = sent
        .values()
        .find_map(|s| match s {
            RTCStats::OutboundRtp(o) if o.kind == "video" => Some(o.clone()),
            _ => None,
        })
        .expect("an outbound-rtp for video");
    assert!(out_video.frames_encoded.unwrap() >= 30);
    assert_eq!(out_video.frame_width, Some(640));
    assert_eq!(out_video.frame_height, Some(480));
    assert!(out_video.key_frames_encoded.unwrap() >= 1);
    let json = sent.to_json();
    assert_eq!(json[&out_video.id]["type"], "outbound-rtp");
    assert!(json[&out_video.id]["framesEncoded"].as_u64().unwrap() >= 30);
    let received = block_on(b.get_stats()).unwrap();
    let in_video = received
        .values()
        .find_map(|s| match s {
            RTCStats::InboundRtp(i) if i.kind == "video" => Some(i.clone()),
            _ => None,
        })
        .expect("an inbound-rtp for video");
    assert!(in_video.frames_received.unwrap() >= 30);
    assert!(in_video.frames_decoded.unwrap() >= 30);
    assert_eq!(in_video.frame_width, Some(640));
    assert_eq!(in_video.decoder_implementation.as_deref(), Some("libvpx"));
    assert_ne!(out_video.ssrc, 0);
    assert_eq!(
        in_video.ssrc, out_video.ssrc,
        "both sides name the same RTP stream"
    );

    a.close();
    b.close();
    assert!(video.track.ready_state() == mediacapture::MediaStreamTrackState::Ended);
}
