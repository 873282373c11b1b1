//! One interop session against a remote peer (Chromium's page or Node with @roamhq/wrtc):
//! negotiation in either role over [`PeerLink`], then the checks both directions share.

use super::signal::PeerLink;
use super::*;
use mediacapture::{MediaStreamTrack, TrackKind};
use mediacapture_webrtc::{RTCIceCandidateInit, RTCSessionDescriptionInit};
use serde_json::{Value, json};

/// The interop tests run only where nothing can leave the machine: `MEDIACAPTURE_TEST_BROWSER`
/// set (scripts/test.sh sets it) and no network interface but loopback (scripts/test.sh runs
/// them in a network namespace of their own), so the remote peer's candidates can only be
/// loopback ones.
pub fn isolated_or_skip(what: &str) -> bool {
    if std::env::var_os("MEDIACAPTURE_TEST_BROWSER").is_none() {
        eprintln!("{what}: skipped (set MEDIACAPTURE_TEST_BROWSER=1; scripts/test.sh does)");
        return false;
    }
    let others: Vec<_> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.ip().is_loopback())
        .map(|i| i.name)
        .collect();
    assert!(
        others.is_empty(),
        "{what} must run in a network namespace with loopback only (found {others:?}); \
         run `unshare --net` as scripts/test.sh does"
    );
    true
}

/// The Rust side of a session: our connection and the remote tracks we got.
pub struct Session {
    pub pc: RTCPeerConnection,
    pub video: MediaStreamTrack,
    pub audio: MediaStreamTrack,
}

fn candidate_json(c: &Option<RTCIceCandidateInit>) -> Value {
    match c {
        Some(c) => json!({"type": "candidate", "candidate": {
            "candidate": c.candidate, "sdpMid": c.sdp_mid,
            "sdpMLineIndex": c.sdp_m_line_index, "usernameFragment": c.username_fragment}}),
        None => json!({"type": "candidate", "candidate": null}),
    }
}

/// Connects to the peer behind `link`, sending our fake camera and microphone; `rust_offers`
/// chooses the offerer. Returns once both remote tracks arrived and the connection is up.
pub fn connect(link: &PeerLink, rust_offers: bool) -> Session {
    let ready = link.recv("ready");
    assert_eq!(ready["type"], "ready");
    let devices = devices();
    let stream = gum(
        &devices,
        r#"{"video": {"width": 640, "height": 480}, "audio": true}"#,
    );
    let pc = pc();
    let ev = events(&pc);
    for t in stream.get_tracks() {
        pc.add_track(&t, &[&stream]).unwrap();
    }
    if rust_offers {
        let offer = block_on(pc.create_offer(Default::default())).unwrap();
        block_on(pc.set_local_description(Some(offer.clone()))).unwrap();
        link.send(json!({"type": "offer", "sdp": offer.sdp}));
    } else {
        link.send(json!({"type": "make-offer"}));
    }
    let mut remote_set = false;
    let mut queued: Vec<RTCIceCandidateInit> = Vec::new();
    let mut video = None;
    let mut audio = None;
    let mut connected = false;
    let deadline = std::time::Instant::now() + SAFETY;
    while !(remote_set && connected && video.is_some() && audio.is_some()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the session did not come up"
        );
        // Our events: candidates to the peer, tracks, the connection state.
        while let Ok(e) = ev.try_recv() {
            match e {
                PeerConnectionEvent::IceCandidate(c) => link.send(candidate_json(&c)),
                PeerConnectionEvent::Track(t) => match t.track.kind() {
                    TrackKind::Video => video = Some(t.track.clone()),
                    TrackKind::Audio => audio = Some(t.track.clone()),
                },
                PeerConnectionEvent::ConnectionStateChange(s) => {
                    connected = s == RTCPeerConnectionState::Connected;
                    assert_ne!(s, RTCPeerConnectionState::Failed, "the connection failed");
                }
                _ => {}
            }
        }
        if remote_set && connected && video.is_some() && audio.is_some() {
            break;
        }
        // The peer's messages. Waiting on both our events and the peer: the peer's channel
        // is read with a short timeout so our events are looked at again (not a timing
        // assumption: nothing is asserted on how long anything takes).
        let Ok(v) = link.try_recv_for(std::time::Duration::from_millis(50)) else {
            continue;
        };
        match v["type"].as_str() {
            Some("answer") => {
                block_on(pc.set_remote_description(RTCSessionDescriptionInit::answer(
                    v["sdp"].as_str().unwrap(),
                )))
                .unwrap();
                remote_set = true;
            }
            Some("offer") => {
                block_on(pc.set_remote_description(RTCSessionDescriptionInit::offer(
                    v["sdp"].as_str().unwrap(),
                )))
                .unwrap();
                let answer = block_on(pc.create_answer()).unwrap();
                block_on(pc.set_local_description(Some(answer.clone()))).unwrap();
                link.send(json!({"type": "answer", "sdp": answer.sdp}));
                remote_set = true;
            }
            Some("candidate") => {
                if v["candidate"].is_null() {
                    continue;
                }
                let c: RTCIceCandidateInit =
                    serde_json::from_value(v["candidate"].clone()).unwrap();
                queued.push(c);
            }
            _ => {}
        }
        if remote_set {
            for c in queued.drain(..) {
                block_on(pc.add_ice_candidate(Some(c))).unwrap();
            }
        }
    }
    Session {
        pc,
        video: video.unwrap(),
        audio: audio.unwrap(),
    }
}

/// We decode at least 60 frames of the peer's moving picture: consecutive frames differ.
pub fn check_remote_video_moves(pc: &RTCPeerConnection, video: &MediaStreamTrack) {
    let frames = video.video_frames();
    let mut planes: Vec<Vec<u8>> = Vec::new();
    while planes.len() < 60 {
        let Some(f) = frames.recv_timeout(SAFETY) else {
            let stats = block_on(pc.get_stats()).unwrap().to_json();
            panic!("the peer's video is not decoded; our stats: {stats:#}");
        };
        planes.push(f.plane(0).to_vec());
    }
    let changed = planes.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(
        changed >= 50,
        "the peer's pattern moves: {changed} of 59 consecutive frames differ"
    );
    // Decoded by the library's own decoder (no test decoder is plugged in).
    let stats = block_on(pc.get_stats()).unwrap();
    let inbound = stats
        .values()
        .find_map(|s| match s {
            mediacapture_webrtc::RTCStats::InboundRtp(i) if i.kind == "video" => Some(i.clone()),
            _ => None,
        })
        .expect("an inbound-rtp for video");
    assert_eq!(inbound.decoder_implementation.as_deref(), Some("libvpx"));
}

/// The peer's audio has beeps: loud 10 ms blocks and quiet ones, loud in at least two
/// separate runs. Returns the dominant frequency of the loud blocks (of `candidates`).
pub fn check_remote_audio_beeps(audio: &MediaStreamTrack, candidates: &[f64]) -> f64 {
    let data = audio.audio_data();
    let mut samples = Vec::new();
    // 3 s: the peers beep at least once a second.
    while samples.len() < 3 * 48_000 {
        let a = data
            .recv_timeout(SAFETY)
            .expect("the peer's audio arrives")
            .expect("no overflow");
        let ch = a.channels() as usize;
        samples.extend(a.to_f32_interleaved().chunks(ch).map(|c| c[0]));
    }
    let rms: Vec<f64> = samples
        .chunks(480)
        .map(|b| (b.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / b.len() as f64).sqrt())
        .collect();
    let loud: Vec<bool> = rms.iter().map(|r| *r > 0.02).collect();
    let quiet = rms.iter().filter(|r| **r < 0.005).count();
    let runs = loud.windows(2).filter(|w| !w[0] && w[1]).count();
    assert!(quiet > 10, "silence between beeps: {rms:?}");
    assert!(runs >= 2, "at least two beeps in 3 s: {rms:?}");
    let loud_samples: Vec<f32> = samples
        .chunks(480)
        .zip(&loud)
        .filter(|(_, l)| **l)
        .flat_map(|(b, _)| b.iter().copied())
        .collect();
    dominant(&loud_samples, 48_000.0, candidates)
}

/// The peer's `inbound-rtp` for video once it decoded at least `frames` frames.
pub fn peer_inbound_video(link: &PeerLink, frames: u64) -> (Value, Value) {
    let deadline = std::time::Instant::now() + SAFETY;
    loop {
        link.send(json!({"type": "stats"}));
        let v = link.recv("stats");
        let inbound = v["report"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["type"] == "inbound-rtp" && s["kind"] == "video")
            .cloned();
        if let Some(i) = inbound
            && i["framesDecoded"].as_u64().unwrap_or(0) >= frames
        {
            return (i, v["extra"].clone());
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the peer did not decode {frames} frames of our video"
        );
        // The peer's stats have no event to wait on: ask again a little later (a pause
        // between polls, not a timing assertion).
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
