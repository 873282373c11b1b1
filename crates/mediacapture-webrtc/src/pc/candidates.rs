//! ICE candidates: announcing ours (the spec's gathering) and adding the remote's.

use super::PeerConnectionEvent;
use super::driver::Driver;
use crate::sdp::SdpText;
use crate::types::{RTCIceCandidateInit, RTCIceGatheringState};
use crate::{Error, Result};
use str0m::Candidate;

impl Driver {
    /// Announces the local candidates (bound at construction) as the spec's gathering.
    pub(super) fn gather(&self) {
        let Some(pc) = self.pc.upgrade() else { return };
        let (mid, ufrag) = match &self.neg.last_local {
            Some((_, sdp)) => {
                let t = SdpText::parse(sdp);
                (
                    t.as_ref()
                        .and_then(|t| t.media.first().and_then(|m| m.mid())),
                    t.as_ref().and_then(|t| t.ice_ufrag()),
                )
            }
            None => (None, None),
        };
        let candidates: Vec<RTCIceCandidateInit> = self
            .local_candidates
            .iter()
            .map(|c| RTCIceCandidateInit {
                candidate: c.to_sdp_string(),
                sdp_mid: mid.clone(),
                sdp_m_line_index: Some(0),
                username_fragment: ufrag.clone(),
            })
            .collect();
        pc.queue(move |pc| {
            let mut events = vec![PeerConnectionEvent::IceGatheringStateChange(
                RTCIceGatheringState::Gathering,
            )];
            events.extend(
                candidates
                    .into_iter()
                    .map(|c| PeerConnectionEvent::IceCandidate(Some(c))),
            );
            events.push(PeerConnectionEvent::IceCandidate(None));
            events.push(PeerConnectionEvent::IceGatheringStateChange(
                RTCIceGatheringState::Complete,
            ));
            for e in events {
                if let PeerConnectionEvent::IceGatheringStateChange(g) = &e {
                    pc.state.lock().ice_gathering = *g;
                }
                pc.fire(vec![e]);
            }
        });
    }

    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-peerconnection-addicecandidate>
    pub(super) fn add_candidate(&mut self, c: Option<RTCIceCandidateInit>) -> Result<()> {
        if self.neg.remote_mids.is_empty() {
            return Err(Error::invalid_state(
                "addIceCandidate needs a remote description first",
            ));
        }
        let Some(c) = c else { return Ok(()) };
        if c.sdp_mid.is_none() && c.sdp_m_line_index.is_none() {
            if c.candidate.is_empty() {
                return Ok(());
            }
            return Err(Error::type_error(
                "a candidate needs sdpMid or sdpMLineIndex",
            ));
        }
        match (&c.sdp_mid, c.sdp_m_line_index) {
            (Some(mid), _) if !self.neg.remote_mids.contains(mid) => {
                return Err(Error::operation(format!(
                    "no media section with mid {mid:?}"
                )));
            }
            (None, Some(i)) if usize::from(i) >= self.neg.remote_mids.len() => {
                return Err(Error::operation(format!("no media section at index {i}")));
            }
            _ => {}
        }
        if let (Some(u), Some(r)) = (&c.username_fragment, &self.neg.remote_ufrag)
            && u != r
        {
            return Err(Error::operation(
                "the candidate's ufrag is not the remote's",
            ));
        }
        if c.candidate.is_empty() {
            return Ok(());
        }
        let line = c.candidate.strip_prefix("a=").unwrap_or(&c.candidate);
        // An mDNS name (Chromium hides host addresses so) cannot be resolved here: the
        // candidate is accepted and not used.
        if line
            .split_whitespace()
            .nth(4)
            .is_some_and(|a| a.ends_with(".local"))
        {
            return Ok(());
        }
        let cand = Candidate::from_sdp_string(line)
            .map_err(|e| Error::operation(format!("the candidate does not parse: {e}")))?;
        self.add_parsed_candidate(cand);
        Ok(())
    }

    pub(super) fn add_remote_candidate_line(&mut self, line: &str) {
        if let Ok(c) = Candidate::from_sdp_string(line) {
            self.add_parsed_candidate(c);
        }
    }

    fn add_parsed_candidate(&mut self, c: Candidate) {
        let usable = self
            .local_candidates
            .iter()
            .any(|l| super::ice::reachable(&l.addr(), &c.addr()));
        if usable {
            let _ = self.mutate(|rtc| {
                rtc.add_remote_candidate(c);
                Ok(())
            });
        } else {
            tracing::debug!("remote candidate {} is not reachable from here", c.addr());
        }
    }
}
