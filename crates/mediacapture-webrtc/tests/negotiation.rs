//! The negotiation model: negotiationneeded, implicit setLocalDescription, restartIce,
//! removeTrack and re-adding, stream ids, getTransceivers.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure with a message.

mod common;

use common::*;
use mediacapture::TrackKind;
use mediacapture_webrtc::{
    PeerConnectionEvent, RTCRtpTransceiverDirection as Dir, RTCSdpType, RTCSignalingState,
};
use std::sync::mpsc::Receiver;

fn negotiation_needed(rx: &Receiver<PeerConnectionEvent>) {
    wait_for(rx, "negotiationneeded", |e| {
        matches!(e, PeerConnectionEvent::NegotiationNeeded).then_some(())
    });
}

/// Every event queued so far, without waiting.
fn pending(
    pc: &mediacapture_webrtc::RTCPeerConnection,
    rx: &Receiver<PeerConnectionEvent>,
) -> Vec<&'static str> {
    pc.event_loop().flush();
    rx.try_iter().map(|e| e.event_type()).collect()
}

#[test]
fn negotiation_needed_fires_once_per_change_and_not_when_stable() {
    let a = pc();
    let b = pc();
    let ae = events(&a);
    let stream = gum(&devices(), r#"{"video": true, "audio": true}"#);
    let video = stream.get_video_tracks()[0].clone();
    let sender = a.add_track(&video, &[&stream]).unwrap();
    a.add_track(&stream.get_audio_tracks()[0], &[&stream])
        .unwrap();
    negotiation_needed(&ae);
    assert!(
        !pending(&a, &ae).contains(&"negotiationneeded"),
        "one event for two addTrack calls"
    );
    // Implicit setLocalDescription: no description, an offer is made and applied.
    block_on(a.set_local_description(None)).unwrap();
    let offer = a.local_description().unwrap();
    assert_eq!(offer.sdp_type, RTCSdpType::Offer);
    assert!(
        offer.sdp.contains(stream.id()),
        "a=msid carries the stream id"
    );
    block_on(b.set_remote_description(offer)).unwrap();
    block_on(b.set_local_description(None)).unwrap();
    let answer = b.local_description().unwrap();
    assert_eq!(answer.sdp_type, RTCSdpType::Answer);
    block_on(a.set_remote_description(answer)).unwrap();
    assert_eq!(a.signaling_state(), RTCSignalingState::Stable);
    let after = pending(&a, &ae);
    assert!(!after.contains(&"negotiationneeded"), "{after:?}");
    assert!(after.contains(&"signalingstatechange"), "{after:?}");
    assert!(after.contains(&"icecandidate"), "{after:?}");
    assert_eq!(
        a.ice_gathering_state(),
        mediacapture_webrtc::RTCIceGatheringState::Complete
    );
    assert!(a.current_local_description().is_some());
    assert!(a.current_remote_description().is_some());
    assert!(a.pending_local_description().is_none());

    // removeTrack: sendrecv becomes recvonly, negotiation is needed again.
    a.remove_track(&sender).unwrap();
    assert_eq!(a.get_transceivers()[0].direction(), Dir::Recvonly);
    assert!(sender.track().is_none());
    negotiation_needed(&ae);
    negotiate(&a, &b);
    // addTrack reuses a transceiver only if it never sent; this one did: a new one is made.
    let n = a.get_transceivers().len();
    a.add_track(&video, &[&stream]).unwrap();
    assert_eq!(a.get_transceivers().len(), n + 1);
    negotiation_needed(&ae);

    // restartIce: negotiation is needed, and the next offer has new credentials.
    negotiate(&a, &b);
    let ufrag = |sdp: &str| {
        sdp.lines()
            .find_map(|l| l.strip_prefix("a=ice-ufrag:"))
            .unwrap()
            .to_string()
    };
    let before = ufrag(&a.local_description().unwrap().sdp);
    a.restart_ice();
    negotiation_needed(&ae);
    negotiate(&a, &b);
    let after = ufrag(&a.local_description().unwrap().sdp);
    assert_ne!(before, after, "ICE restarted");
}

#[test]
fn the_answerer_sends_what_it_added_after_the_offer() {
    // b has nothing when the offer comes; addTrack then reuses the offered transceiver and
    // the answer says sendrecv.
    let a = pc();
    let b = pc();
    let be = events(&b);
    let sa = gum(&devices(), r#"{"audio": true}"#);
    a.add_track(&sa.get_audio_tracks()[0], &[&sa]).unwrap();
    let offer = block_on(a.create_offer(Default::default())).unwrap();
    block_on(a.set_local_description(Some(offer.clone()))).unwrap();
    block_on(b.set_remote_description(offer)).unwrap();
    let t = wait_for(&be, "track", |e| match e {
        PeerConnectionEvent::Track(t) => Some(t.clone()),
        _ => None,
    });
    assert_eq!(t.track.kind(), TrackKind::Audio);
    assert!(t.track.muted(), "muted until media arrives");
    assert_eq!(t.transceiver.direction(), Dir::Recvonly);
    let sb = gum(&devices(), r#"{"audio": true}"#);
    let sender = b.add_track(&sb.get_audio_tracks()[0], &[&sb]).unwrap();
    assert_eq!(
        b.get_transceivers().len(),
        1,
        "the offered transceiver is reused"
    );
    assert_eq!(&t.transceiver.sender().clone(), &sender);
    assert_eq!(t.transceiver.direction(), Dir::Sendrecv);
    let answer = block_on(b.create_answer()).unwrap();
    assert!(answer.sdp.contains("a=sendrecv"), "{}", answer.sdp);
    block_on(b.set_local_description(Some(answer.clone()))).unwrap();
    block_on(a.set_remote_description(answer)).unwrap();
    assert_eq!(
        a.get_transceivers()[0].current_direction(),
        Some(Dir::Sendrecv)
    );
}
