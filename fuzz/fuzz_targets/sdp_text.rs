//! Bytes as SDP text → `mediacapture_webrtc::sdp::SdpText`, the SDP work that is ours (str0m
//! parses the rest): every reader and every rewrite, then a round trip. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mediacapture_webrtc::RTCRtpTransceiverDirection as Dir;
use mediacapture_webrtc::sdp::SdpText;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Some(mut sdp) = SdpText::parse(&text) else {
        return;
    };
    let _ = sdp.ice_ufrag();
    let mids: Vec<Option<String>> = sdp.media.iter().map(|m| m.mid()).collect();
    for (i, m) in sdp.media.iter_mut().enumerate() {
        let _ = (m.kind(), m.port_zero(), m.direction(), m.msids());
        for pt in m.payload_types() {
            let _ = (m.rtpmap(pt), m.fmtp(pt));
        }
        let dirs = [Dir::Sendrecv, Dir::Sendonly, Dir::Recvonly, Dir::Inactive];
        m.set_direction(dirs[i % dirs.len()]);
        m.set_msids(&["stream id".into(), "-".into()], "track{id}");
        let first = m.payload_types().first().copied();
        m.retain_codecs(|pt| (Some(pt) == first).then_some(0));
    }
    for mid in mids.into_iter().flatten() {
        let _ = sdp.section(&mid);
    }
    let _ = sdp.take_candidates();
    let again = sdp.to_sdp();
    let reparsed = SdpText::parse(&again).expect("our own output parses");
    assert_eq!(reparsed.media.len(), sdp.media.len());
});
