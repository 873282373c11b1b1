//! The offer/answer rules of webrtc-pc and JSEP as plain functions: which description may be
//! applied in which signaling state, the direction an answer takes, whether negotiation is
//! needed, which transceiver a remote media section belongs to. No I/O, no str0m: the
//! driver asks these and carries the answers out.

use crate::types::{RTCRtpTransceiverDirection as Dir, RTCSdpType, RTCSignalingState as S};
use crate::{Error, Result};

/// Where a description comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `setLocalDescription`.
    Local,
    /// `setRemoteDescription`.
    Remote,
}

/// What applying a description of `sdp_type` from `side` in `state` does: the next state,
/// and whether a pending local offer is rolled back first (a remote offer in
/// `have-local-offer`: "implicit rollback", which Chromium and the spec do).
///
/// Errors: `InvalidStateError` when the type is not allowed in the state (or the connection
/// is closed); `OperationError` for `pranswer`, which is not supported.
///
/// Spec: <https://w3c.github.io/webrtc-pc/#set-description> (steps on signaling state) and
/// RFC 8829 §3.2
pub fn transition(state: S, side: Side, sdp_type: RTCSdpType) -> Result<(S, bool)> {
    use RTCSdpType::*;
    if state == S::Closed {
        return Err(Error::invalid_state("the RTCPeerConnection is closed"));
    }
    let ok = match (side, sdp_type, state) {
        (_, Pranswer, _) => {
            return Err(Error::operation(
                "provisional answers (pranswer) are not supported",
            ));
        }
        (Side::Local, Offer, S::Stable | S::HaveLocalOffer) => (S::HaveLocalOffer, false),
        (Side::Local, Answer, S::HaveRemoteOffer) => (S::Stable, false),
        (Side::Local, Rollback, S::HaveLocalOffer) => (S::Stable, false),
        (Side::Remote, Offer, S::Stable | S::HaveRemoteOffer) => (S::HaveRemoteOffer, false),
        (Side::Remote, Offer, S::HaveLocalOffer) => (S::HaveRemoteOffer, true),
        (Side::Remote, Answer, S::HaveLocalOffer) => (S::Stable, false),
        (Side::Remote, Rollback, S::HaveRemoteOffer) => (S::Stable, false),
        _ => {
            return Err(Error::invalid_state(format!(
                "cannot set a {} {} description in signaling state {}",
                match side {
                    Side::Local => "local",
                    Side::Remote => "remote",
                },
                sdp_type.as_str(),
                state_name(state)
            )));
        }
    };
    Ok(ok)
}

/// The IDL name of a signaling state.
pub fn state_name(s: S) -> &'static str {
    match s {
        S::Stable => "stable",
        S::HaveLocalOffer => "have-local-offer",
        S::HaveRemoteOffer => "have-remote-offer",
        S::HaveLocalPranswer => "have-local-pranswer",
        S::HaveRemotePranswer => "have-remote-pranswer",
        S::Closed => "closed",
    }
}

/// The direction of our answer for a media section the remote offered as `offered`, given
/// the transceiver's `direction`: we send only if both want us to, receive only if both want
/// the remote to send.
///
/// Spec: RFC 8829 §5.3.1 ("the direction attribute … intersection")
pub fn answer_direction(direction: Dir, offered: Dir) -> Dir {
    if direction == Dir::Stopped {
        return Dir::Inactive;
    }
    let theirs = offered.reverse();
    Dir::from_flags(
        direction.sends() && theirs.sends(),
        direction.receives() && theirs.receives(),
    )
}

/// The transceiver's `currentDirection` once a description pair is applied: our side of the
/// answer (`local_answer` when we answered, else the reverse of the remote answer).
pub fn current_direction(answer: Dir, we_answered: bool) -> Dir {
    if we_answered {
        answer
    } else {
        answer.reverse()
    }
}

/// What the negotiation-needed check looks at for one transceiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransceiverView {
    /// Its mid once associated.
    pub mid: Option<String>,
    /// `stopping` (stop() called, not yet negotiated).
    pub stopping: bool,
    /// `stopped`.
    pub stopped: bool,
    /// `direction`.
    pub direction: Dir,
    /// `currentDirection`.
    pub current_direction: Option<Dir>,
    /// The direction of the last local description's section for it (its offer or answer).
    pub local_direction: Option<Dir>,
    /// Whether the sender's stream ids differ from the last local description's msids.
    pub msids_changed: bool,
}

/// The spec's "check if negotiation is needed" (for a connection in `stable`).
///
/// Spec: <https://w3c.github.io/webrtc-pc/#dfn-check-if-negotiation-is-needed>
pub fn negotiation_needed(transceivers: &[TransceiverView], ice_restart_pending: bool) -> bool {
    if ice_restart_pending {
        return true;
    }
    transceivers.iter().any(|t| {
        if t.stopped {
            return false;
        }
        if t.stopping {
            return t.mid.is_some();
        }
        let Some(_) = t.mid else {
            return true;
        };
        if t.direction.sends() && t.msids_changed {
            return true;
        }
        match (t.local_direction, t.current_direction) {
            // Not yet negotiated to the end.
            (None, _) | (_, None) => true,
            (Some(local), Some(current)) => {
                // Our offer/answer said `local`; the direction we want must still fit it.
                let wanted = t.direction;
                local != wanted && current != wanted
            }
        }
    })
}

/// A transceiver as remote-offer matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchCandidate {
    /// Its mid, if associated.
    pub mid: Option<String>,
    /// `"audio"` or `"video"`.
    pub kind: &'static str,
    /// Created by `addTrack` (only those may take a remote section without a mid).
    pub from_add_track: bool,
    /// `stopped` / `stopping`.
    pub stopped: bool,
}

/// Which existing transceiver (index into `candidates`) a remote offer's media section with
/// `mid` of `kind` belongs to: the one with that mid, else the first unassociated one of the
/// same kind that `addTrack` created. `None`: a new transceiver is made.
///
/// Spec: <https://w3c.github.io/webrtc-pc/#set-description>, step "find a transceiver"
pub fn match_transceiver(candidates: &[MatchCandidate], mid: &str, kind: &str) -> Option<usize> {
    candidates
        .iter()
        .position(|c| c.mid.as_deref() == Some(mid))
        .or_else(|| {
            candidates
                .iter()
                .position(|c| c.mid.is_none() && c.kind == kind && c.from_add_track && !c.stopped)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_transitions() {
        use RTCSdpType::*;
        use Side::*;
        assert_eq!(
            transition(S::Stable, Local, Offer).unwrap(),
            (S::HaveLocalOffer, false)
        );
        assert_eq!(
            transition(S::HaveLocalOffer, Remote, Answer).unwrap(),
            (S::Stable, false)
        );
        assert_eq!(
            transition(S::HaveLocalOffer, Remote, Offer).unwrap(),
            (S::HaveRemoteOffer, true),
            "glare: implicit rollback"
        );
        assert_eq!(
            transition(S::HaveRemoteOffer, Local, Answer).unwrap(),
            (S::Stable, false)
        );
        assert_eq!(
            transition(S::HaveRemoteOffer, Remote, Rollback).unwrap(),
            (S::Stable, false)
        );
        for (s, side, t) in [
            (S::Stable, Remote, Answer),
            (S::Stable, Local, Answer),
            (S::Stable, Local, Rollback),
            (S::HaveRemoteOffer, Local, Offer),
            (S::HaveLocalOffer, Local, Answer),
            (S::Closed, Local, Offer),
        ] {
            assert_eq!(
                transition(s, side, t).unwrap_err().name(),
                "InvalidStateError",
                "{s:?} {side:?} {t:?}"
            );
        }
        assert_eq!(
            transition(S::HaveRemoteOffer, Local, Pranswer)
                .unwrap_err()
                .name(),
            "OperationError"
        );
    }

    #[test]
    fn answer_directions_intersect() {
        assert_eq!(
            answer_direction(Dir::Recvonly, Dir::Sendrecv),
            Dir::Recvonly
        );
        assert_eq!(
            answer_direction(Dir::Sendrecv, Dir::Sendrecv),
            Dir::Sendrecv
        );
        assert_eq!(
            answer_direction(Dir::Sendrecv, Dir::Recvonly),
            Dir::Sendonly
        );
        assert_eq!(
            answer_direction(Dir::Sendrecv, Dir::Sendonly),
            Dir::Recvonly
        );
        assert_eq!(
            answer_direction(Dir::Sendonly, Dir::Sendonly),
            Dir::Inactive
        );
        assert_eq!(answer_direction(Dir::Stopped, Dir::Sendrecv), Dir::Inactive);
        assert_eq!(current_direction(Dir::Recvonly, false), Dir::Sendonly);
        assert_eq!(current_direction(Dir::Recvonly, true), Dir::Recvonly);
    }

    fn view(mid: Option<&str>, dir: Dir, local: Option<Dir>, cur: Option<Dir>) -> TransceiverView {
        TransceiverView {
            mid: mid.map(String::from),
            stopping: false,
            stopped: false,
            direction: dir,
            current_direction: cur,
            local_direction: local,
            msids_changed: false,
        }
    }

    #[test]
    fn negotiation_needed_cases() {
        assert!(!negotiation_needed(&[], false));
        assert!(negotiation_needed(&[], true));
        // A new transceiver.
        assert!(negotiation_needed(
            &[view(None, Dir::Sendrecv, None, None)],
            false
        ));
        // Negotiated as wanted.
        let done = view(
            Some("0"),
            Dir::Sendrecv,
            Some(Dir::Sendrecv),
            Some(Dir::Sendrecv),
        );
        assert!(!negotiation_needed(std::slice::from_ref(&done), false));
        // Answered recvonly to a sendrecv offer, still wanting recvonly: nothing to do.
        let answered = view(
            Some("0"),
            Dir::Recvonly,
            Some(Dir::Recvonly),
            Some(Dir::Recvonly),
        );
        assert!(!negotiation_needed(&[answered], false));
        // Direction changed after negotiation.
        let mut changed = done.clone();
        changed.direction = Dir::Sendonly;
        assert!(negotiation_needed(&[changed], false));
        // The remote answered sendonly to our sendrecv offer: no renegotiation.
        let narrowed = view(
            Some("0"),
            Dir::Sendrecv,
            Some(Dir::Sendrecv),
            Some(Dir::Sendonly),
        );
        assert!(!negotiation_needed(&[narrowed], false));
        let mut msid = done;
        msid.msids_changed = true;
        assert!(negotiation_needed(&[msid], false));
    }

    #[test]
    fn remote_sections_find_their_transceivers() {
        let c = [
            MatchCandidate {
                mid: Some("0".into()),
                kind: "audio",
                from_add_track: true,
                stopped: false,
            },
            MatchCandidate {
                mid: None,
                kind: "video",
                from_add_track: false,
                stopped: false,
            },
            MatchCandidate {
                mid: None,
                kind: "video",
                from_add_track: true,
                stopped: false,
            },
        ];
        assert_eq!(match_transceiver(&c, "0", "audio"), Some(0));
        // addTransceiver-made ones are not taken by a remote offer.
        assert_eq!(match_transceiver(&c, "7", "video"), Some(2));
        assert_eq!(match_transceiver(&c, "8", "audio"), None);
    }
}
