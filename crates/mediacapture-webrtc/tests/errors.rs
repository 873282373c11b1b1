//! Bad input and wrong states: rejected futures with the spec's error names, state unchanged,
//! nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.

mod common;

use common::*;
use mediacapture_webrtc::{
    RTCIceCandidateInit, RTCPeerConnection, RTCRtpTransceiverInit, RTCSessionDescriptionInit,
    RTCSignalingState, TrackOrKind,
};

fn video_offer(pc: &RTCPeerConnection) -> RTCSessionDescriptionInit {
    pc.add_transceiver(
        TrackOrKind::Kind("video".into()),
        RTCRtpTransceiverInit::default(),
    )
    .unwrap();
    block_on(pc.create_offer(Default::default())).unwrap()
}

#[test]
fn malformed_sdp_is_an_operation_error_and_changes_nothing() {
    let b = pc();
    for garbage in [
        "",
        "hello",
        "v=0\r\nthis is not sdp\r\n",
        "v=0\r\nm=video\r\n",
    ] {
        let e = block_on(b.set_remote_description(RTCSessionDescriptionInit::offer(garbage)))
            .unwrap_err();
        assert!(
            ["OperationError", "InvalidAccessError"].contains(&e.name()),
            "{garbage:?}: {e}"
        );
        assert_eq!(b.signaling_state(), RTCSignalingState::Stable);
        assert!(b.remote_description().is_none());
    }
    let e =
        block_on(b.set_remote_description(RTCSessionDescriptionInit::offer("hello"))).unwrap_err();
    assert_eq!(e.name(), "OperationError");
}

#[test]
fn sdp_without_fingerprint_or_ice_is_an_invalid_access_error() {
    let a = pc();
    let b = pc();
    let offer = video_offer(&a);
    for attr in ["a=fingerprint:", "a=ice-ufrag:", "a=ice-pwd:", "a=mid:"] {
        let sdp: String = offer
            .sdp
            .split_inclusive('\n')
            .filter(|l| !l.starts_with(attr))
            .collect();
        let e =
            block_on(b.set_remote_description(RTCSessionDescriptionInit::offer(sdp))).unwrap_err();
        assert_eq!(e.name(), "InvalidAccessError", "without {attr}: {e}");
        assert_eq!(b.signaling_state(), RTCSignalingState::Stable);
    }
    // The unchanged offer is fine.
    block_on(b.set_remote_description(offer)).unwrap();
    assert_eq!(b.signaling_state(), RTCSignalingState::HaveRemoteOffer);
}

#[test]
fn descriptions_in_the_wrong_state_are_invalid_state_errors() {
    let a = pc();
    let offer = video_offer(&a);
    // An answer in stable.
    let e =
        block_on(a.set_remote_description(RTCSessionDescriptionInit::answer(offer.sdp.clone())))
            .unwrap_err();
    assert_eq!(e.name(), "InvalidStateError");
    let e = block_on(a.create_answer()).unwrap_err();
    assert_eq!(e.name(), "InvalidStateError");
    let e =
        block_on(a.set_local_description(Some(RTCSessionDescriptionInit::rollback()))).unwrap_err();
    assert_eq!(e.name(), "InvalidStateError");
    // A munged offer.
    let munged = RTCSessionDescriptionInit::offer(offer.sdp.replace("a=sendrecv", "a=sendonly"));
    let e = block_on(a.set_local_description(Some(munged))).unwrap_err();
    assert_eq!(e.name(), "InvalidModificationError");
    assert_eq!(a.signaling_state(), RTCSignalingState::Stable);
    // The real one, then a rollback.
    block_on(a.set_local_description(Some(offer))).unwrap();
    assert_eq!(a.signaling_state(), RTCSignalingState::HaveLocalOffer);
    assert!(a.pending_local_description().is_some());
    block_on(a.set_local_description(Some(RTCSessionDescriptionInit::rollback()))).unwrap();
    assert_eq!(a.signaling_state(), RTCSignalingState::Stable);
    assert!(a.pending_local_description().is_none());
    assert_eq!(
        a.get_transceivers()[0].mid(),
        None,
        "the rollback took the mid back"
    );
}

#[test]
fn bad_candidates_are_rejected_by_name() {
    let a = pc();
    let b = pc();
    let cand = |c: &str, mid: Option<&str>| RTCIceCandidateInit {
        candidate: c.into(),
        sdp_mid: mid.map(String::from),
        sdp_m_line_index: None,
        username_fragment: None,
    };
    let good = "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host";
    // Before a remote description.
    let e = block_on(b.add_ice_candidate(Some(cand(good, Some("0"))))).unwrap_err();
    assert_eq!(e.name(), "InvalidStateError");
    let offer = video_offer(&a);
    let mid = offer
        .sdp
        .lines()
        .find_map(|l| l.strip_prefix("a=mid:"))
        .unwrap()
        .to_string();
    block_on(b.set_remote_description(offer)).unwrap();
    let e = block_on(b.add_ice_candidate(Some(cand(good, None)))).unwrap_err();
    assert_eq!(e.name(), "TypeError");
    let e = block_on(b.add_ice_candidate(Some(cand(good, Some("nope"))))).unwrap_err();
    assert_eq!(e.name(), "OperationError");
    let e = block_on(b.add_ice_candidate(Some(cand("candidate:garbage", Some(&mid))))).unwrap_err();
    assert_eq!(e.name(), "OperationError");
    let mut wrong_ufrag = cand(good, Some(&mid));
    wrong_ufrag.username_fragment = Some("not-the-remote-ufrag".into());
    let e = block_on(b.add_ice_candidate(Some(wrong_ufrag))).unwrap_err();
    assert_eq!(e.name(), "OperationError");
    // Usable, unreachable (not loopback) and mDNS candidates, and end-of-candidates, are fine.
    block_on(b.add_ice_candidate(Some(cand(good, Some(&mid))))).unwrap();
    block_on(b.add_ice_candidate(Some(cand(
        "candidate:2 1 udp 2130706431 192.0.2.9 40000 typ host",
        Some(&mid),
    ))))
    .unwrap();
    block_on(b.add_ice_candidate(Some(cand(
        "candidate:3 1 udp 2130706431 0b9a3c1e-1111-2222-3333-444455556666.local 40000 typ host",
        Some(&mid),
    ))))
    .unwrap();
    block_on(b.add_ice_candidate(None)).unwrap();
}

#[test]
fn a_remote_offer_of_only_unknown_codecs_is_answered_with_the_section_rejected() {
    let a = pc();
    let b = pc();
    let offer = video_offer(&a);
    // Make it an H264-only offer, as a remote that has no VP8/VP9 would send.
    let sdp = offer
        .sdp
        .replace("VP8/90000", "H264/90000")
        .replace("VP9/90000", "H265/90000");
    block_on(b.set_remote_description(RTCSessionDescriptionInit::offer(sdp))).unwrap();
    let answer = block_on(b.create_answer()).unwrap();
    let video = answer
        .sdp
        .lines()
        .find(|l| l.starts_with("m=video"))
        .expect("the answer has the section")
        .to_string();
    assert!(
        video.starts_with("m=video 0 "),
        "rejected (port 0): {video}"
    );
    block_on(b.set_local_description(Some(answer))).unwrap();
    assert_eq!(b.signaling_state(), RTCSignalingState::Stable);
    assert!(
        b.get_transceivers().is_empty(),
        "the rejected transceiver is stopped"
    );
}

#[test]
fn a_closed_connection_rejects_everything_with_invalid_state() {
    let devices = devices();
    let stream = gum(&devices, r#"{"video": true}"#);
    let a = pc();
    a.close();
    a.close();
    assert_eq!(a.signaling_state(), RTCSignalingState::Closed);
    let e = a.add_track(&stream.get_video_tracks()[0], &[]).unwrap_err();
    assert_eq!(e.name(), "InvalidStateError");
    let e = block_on(a.create_offer(Default::default())).unwrap_err();
    assert_eq!(e.name(), "InvalidStateError");
    let e =
        block_on(a.set_remote_description(RTCSessionDescriptionInit::offer("v=0"))).unwrap_err();
    assert_eq!(e.name(), "InvalidStateError");
    let e = a
        .add_transceiver(TrackOrKind::Kind("audio".into()), Default::default())
        .unwrap_err();
    assert_eq!(e.name(), "InvalidStateError");
    let e = a
        .add_transceiver(TrackOrKind::Kind("text".into()), Default::default())
        .unwrap_err();
    assert_eq!(e.name(), "TypeError");
}
