//! Connection life: media both ways with either side offering, glare, a remote that closes, a
//! remote process that is killed (its tracks end), replaceTrack / setParameters /
//! setCodecPreferences while media flows.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.

mod common;

use common::*;
use mediacapture::{MediaStreamTrack, TrackEvent, TrackKind};
use mediacapture_hal::fake::read_frame_counter;
use mediacapture_webrtc::{
    HostCandidates, PeerConnectionEvent, RTCPeerConnection, RTCPeerConnectionState, RTCRtpCodec,
    RTCSessionDescriptionInit, RTCSignalingState, RTCStats, RTCTrackEvent,
};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

fn tracks(rx: &Receiver<PeerConnectionEvent>, n: usize) -> Vec<RTCTrackEvent> {
    (0..n)
        .map(|_| {
            wait_for(rx, "track", |e| match e {
                PeerConnectionEvent::Track(t) => Some(t.clone()),
                _ => None,
            })
        })
        .collect()
}

fn of_kind(t: &[RTCTrackEvent], kind: TrackKind) -> MediaStreamTrack {
    t.iter()
        .find(|t| t.track.kind() == kind)
        .unwrap()
        .track
        .clone()
}

/// Reads frames until `n` carry an increasing fake-pattern counter.
fn counters_increase(track: &MediaStreamTrack, n: usize) {
    let frames = track.video_frames();
    let mut c = Vec::new();
    while c.len() < n {
        let f = frames.recv_timeout(SAFETY).expect("remote frames");
        c.extend(read_frame_counter(&f));
    }
    assert!(c.windows(2).all(|w| w[1] > w[0]), "{c:?}");
}

fn add_camera_and_mic(pc: &RTCPeerConnection) -> mediacapture::MediaStream {
    let stream = gum(
        &devices(),
        r#"{"video": {"width": 640, "height": 480}, "audio": true}"#,
    );
    for t in stream.get_tracks() {
        pc.add_track(&t, &[&stream]).unwrap();
    }
    stream
}

#[test]
fn media_flows_both_ways_when_the_other_side_offers() {
    let a = pc();
    let b = pc();
    let (ae, be) = (events(&a), events(&b));
    let _sa = add_camera_and_mic(&a);
    let _sb = add_camera_and_mic(&b);
    negotiate(&b, &a);
    let at = tracks(&ae, 2);
    let bt = tracks(&be, 2);
    wait_connected(&a, &ae);
    for t in a.get_transceivers() {
        assert_eq!(
            t.current_direction(),
            Some(mediacapture_webrtc::RTCRtpTransceiverDirection::Sendrecv)
        );
    }
    counters_increase(&of_kind(&at, TrackKind::Video), 20);
    counters_increase(&of_kind(&bt, TrackKind::Video), 20);
}

#[test]
fn glare_rolls_the_local_offer_back() {
    let a = pc();
    let b = pc();
    let ae = events(&a);
    let _sa = add_camera_and_mic(&a);
    let _sb = add_camera_and_mic(&b);
    let (oa, ob) = block_on(async {
        let oa = a.create_offer(Default::default()).await.unwrap();
        a.set_local_description(Some(oa.clone())).await.unwrap();
        let ob = b.create_offer(Default::default()).await.unwrap();
        b.set_local_description(Some(ob.clone())).await.unwrap();
        (oa, ob)
    });
    let _ = oa;
    // a is polite: b's offer rolls a's back.
    block_on(a.set_remote_description(ob)).unwrap();
    assert_eq!(a.signaling_state(), RTCSignalingState::HaveRemoteOffer);
    let answer = block_on(a.create_answer()).unwrap();
    block_on(a.set_local_description(Some(answer.clone()))).unwrap();
    block_on(b.set_remote_description(answer)).unwrap();
    assert_eq!(b.signaling_state(), RTCSignalingState::Stable);
    let at = tracks(&ae, 2);
    wait_connected(&a, &ae);
    counters_increase(&of_kind(&at, TrackKind::Video), 10);
}

#[test]
fn a_remote_that_closes_ends_our_remote_tracks() {
    let a = pc();
    let b = pc();
    let (ae, be) = (events(&a), events(&b));
    let _sb = add_camera_and_mic(&b);
    negotiate(&b, &a);
    let at = tracks(&ae, 2);
    wait_connected(&a, &ae);
    wait_connected(&b, &be);
    let audio = of_kind(&at, TrackKind::Audio);
    let ended = audio.events();
    let data = audio.audio_data();
    data.recv_timeout(SAFETY).expect("audio flows").unwrap();
    b.close();
    let (tx, rx) = std::sync::mpsc::channel();
    audio.on(TrackEvent::Ended, move || {
        let _ = tx.send(());
    });
    if audio.ready_state() != mediacapture::MediaStreamTrackState::Ended {
        rx.recv_timeout(SAFETY).expect("the remote track ends");
    }
    assert_eq!(
        audio.ready_state(),
        mediacapture::MediaStreamTrackState::Ended
    );
    drop(ended);
}

/// The peer-process half of `a_remote_process_that_is_killed_ends_our_remote_tracks`: does
/// nothing unless started by it.
#[test]
fn zz_peer_process() {
    if std::env::var_os("MC_WEBRTC_PEER_PROCESS").is_none() {
        return;
    }
    let b = pc();
    let _s = add_camera_and_mic(&b);
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    let offer: RTCSessionDescriptionInit = serde_json::from_str(&line).unwrap();
    block_on(b.set_remote_description(offer)).unwrap();
    let answer = block_on(b.create_answer()).unwrap();
    block_on(b.set_local_description(Some(answer.clone()))).unwrap();
    println!("ANSWER {}", serde_json::to_string(&answer).unwrap());
    std::io::stdout().flush().unwrap();
    // Send until killed.
    std::io::stdin().lock().read_line(&mut line).unwrap();
}

#[test]
fn a_remote_process_that_is_killed_ends_our_remote_tracks() {
    trace();
    let a = RTCPeerConnection::builder()
        .host_candidates(HostCandidates::Loopback)
        .failed_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let ae = events(&a);
    a.add_transceiver(
        mediacapture_webrtc::TrackOrKind::Kind("audio".into()),
        mediacapture_webrtc::RTCRtpTransceiverInit {
            direction: mediacapture_webrtc::RTCRtpTransceiverDirection::Recvonly,
            ..Default::default()
        },
    )
    .unwrap();
    let offer = block_on(a.create_offer(Default::default())).unwrap();
    block_on(a.set_local_description(Some(offer.clone()))).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "zz_peer_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MC_WEBRTC_PEER_PROCESS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", serde_json::to_string(&offer).unwrap()).unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let answer = loop {
        let mut l = String::new();
        assert!(
            out.read_line(&mut l).unwrap() > 0,
            "the peer process answers"
        );
        // libtest may print the test's name on the same line first.
        if let Some(at) = l.find("ANSWER ") {
            break serde_json::from_str::<RTCSessionDescriptionInit>(&l[at + 7..]).unwrap();
        }
    };
    block_on(a.set_remote_description(answer)).unwrap();
    let at = tracks(&ae, 1);
    wait_connected(&a, &ae);
    let audio = of_kind(&at, TrackKind::Audio);
    let data = audio.audio_data();
    data.recv_timeout(SAFETY).expect("audio flows").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    audio.on(TrackEvent::Ended, move || {
        let _ = tx.send(());
    });
    // The remote vanishes without a word (no BYE, no close_notify).
    child.kill().unwrap();
    child.wait().unwrap();
    rx.recv_timeout(SAFETY).expect("the remote track ends");
    wait_for(&ae, "connectionState failed", |e| {
        matches!(
            e,
            PeerConnectionEvent::ConnectionStateChange(RTCPeerConnectionState::Failed)
        )
        .then_some(())
    });
    drop(stdin);
}

fn outbound_video(pc: &RTCPeerConnection) -> mediacapture_webrtc::stats::RTCOutboundRtpStreamStats {
    block_on(pc.get_stats())
        .unwrap()
        .values()
        .find_map(|s| match s {
            RTCStats::OutboundRtp(o) if o.kind == "video" => Some(o.clone()),
            _ => None,
        })
        .expect("outbound video stats")
}

/// Waits (frame by frame on `frames`) until `f` holds for the sender's outbound stats.
fn until_outbound(
    pc: &RTCPeerConnection,
    frames: &mediacapture::VideoFrameStream,
    what: &str,
    f: impl Fn(&mediacapture_webrtc::stats::RTCOutboundRtpStreamStats) -> bool,
) {
    let deadline = std::time::Instant::now() + SAFETY;
    loop {
        if f(&outbound_video(pc)) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "never saw {what}");
        frames.recv_timeout(SAFETY).expect("frames keep coming");
    }
}

#[test]
fn parameters_replace_track_and_codec_preferences_apply_while_media_flows() {
    let a = pc();
    let b = pc();
    let (ae, be) = (events(&a), events(&b));
    let stream = gum(&devices(), r#"{"video": {"width": 640, "height": 480}}"#);
    let camera = stream.get_video_tracks()[0].clone();
    let sender = a.add_track(&camera, &[&stream]).unwrap();
    // VP9 only, by preference.
    let t = &a.get_transceivers()[0];
    t.set_codec_preferences(vec![RTCRtpCodec {
        mime_type: "video/VP9".into(),
        clock_rate: 90_000,
        channels: None,
        sdp_fmtp_line: None,
    }])
    .unwrap();
    let bad = t.set_codec_preferences(vec![RTCRtpCodec {
        mime_type: "video/H264".into(),
        clock_rate: 90_000,
        channels: None,
        sdp_fmtp_line: None,
    }]);
    assert_eq!(bad.unwrap_err().name(), "InvalidModificationError");
    negotiate(&a, &b);
    let bt = tracks(&be, 1);
    wait_connected(&a, &ae);
    let remote = of_kind(&bt, TrackKind::Video);
    counters_increase(&remote, 10);
    let frames = remote.video_frames();
    let stats = block_on(b.get_stats()).unwrap();
    let codec = stats
        .values()
        .find_map(|s| match s {
            RTCStats::Codec(c) if c.mime_type.starts_with("video/") => Some(c.mime_type.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(codec, "video/VP9");

    // scaleResolutionDownBy 2: 320x240 goes out.
    let mut p = sender.get_parameters();
    p.encodings[0].scale_resolution_down_by = Some(2.0);
    p.encodings[0].max_bitrate = Some(300_000);
    block_on(sender.set_parameters(p.clone())).unwrap();
    // The transaction is used up.
    assert_eq!(
        block_on(sender.set_parameters(p)).unwrap_err().name(),
        "InvalidStateError"
    );
    until_outbound(&a, &frames, "320x240 sent", |o| {
        o.frame_width == Some(320) && o.frame_height == Some(240)
    });
    let mut p = sender.get_parameters();
    p.encodings[0].scale_resolution_down_by = Some(0.5);
    assert_eq!(
        block_on(sender.set_parameters(p)).unwrap_err().name(),
        "TypeError"
    );

    // replaceTrack: a 160x120 clone goes out instead (scaled down by 2: 80x60).
    let small = camera.clone_track();
    block_on(small.apply_constraints(
        mediacapture::MediaTrackConstraints::from_json(r#"{"width": 160, "height": 120}"#).unwrap(),
    ))
    .unwrap();
    block_on(sender.replace_track(Some(&small))).unwrap();
    assert_eq!(sender.track().as_ref(), Some(&small));
    until_outbound(&a, &frames, "80x60 sent", |o| {
        o.frame_width == Some(80) && o.frame_height == Some(60)
    });
    let audio = gum(&devices(), r#"{"audio": true}"#);
    let e = block_on(sender.replace_track(Some(&audio.get_audio_tracks()[0]))).unwrap_err();
    assert_eq!(e.name(), "TypeError");
}
