//! The offer/answer model on top of str0m's SDP API.
//!
//! | W3C | str0m |
//! |---|---|
//! | `createOffer` | `SdpApi` changes from the transceivers (`add_media`, `set_direction`, `stop_media`, `ice_restart`), `apply()` → offer + `SdpPendingOffer`, kept as the last created offer |
//! | `setLocalDescription(offer)` | the pending offer becomes the local offer; transceivers take their mids |
//! | `setRemoteDescription(answer)` | `accept_answer(pending, answer)` |
//! | `setLocalDescription(rollback)` | the pending offer is dropped (str0m changes nothing before the answer) |
//! | `setRemoteDescription(offer)` | `accept_offer(offer)` at once (str0m makes its answer then); a local offer is rolled back implicitly |
//! | `createAnswer` | str0m's answer with each section's direction narrowed to what the transceiver wants (RFC 8829 §5.3.1) and our msids |
//! | `setLocalDescription(answer)` | the narrowed directions are applied to str0m's session |
//!
//! str0m's SDP is adjusted as text ([`crate::sdp`]) where the W3C model needs more than str0m
//! gives: answer directions, `a=msid` stream ids, codec preferences. Remote candidates are taken
//! out of remote descriptions and added one by one, so unreachable ones are left out.

use super::driver::Driver;
use super::{PeerConnectionEvent, RTCTrackEvent};
use crate::codec::Codec;
use crate::jsep::{self, Side};
use crate::sdp::SdpText;
use crate::transceiver::RTCRtpTransceiver;
use crate::types::{
    RTCOfferOptions, RTCRtpTransceiverDirection as Dir, RTCSdpType, RTCSessionDescriptionInit,
    RTCSignalingState as S,
};
use crate::{Error, ErrorKind, Result};
use mediacapture::{MediaStream, TrackKind};
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::media::{Direction, MediaKind, Mid};

/// An offer made by `createOffer`, and once applied, the local offer.
pub(super) struct OfferState {
    sdp: String,
    pending: SdpPendingOffer,
    /// Transceivers (by id) that get a mid with this offer.
    new_mids: Vec<(u64, String)>,
    ice_restart: bool,
}

/// The driver's own negotiation state (the visible copy is updated in tasks).
#[derive(Default)]
pub(crate) struct Neg {
    pub(super) signaling: S,
    last_offer: Option<OfferState>,
    local_offer: Option<OfferState>,
    /// The local offer's pending changes were consumed by an answer str0m refused.
    local_offer_broken: bool,
    str0m_answer: Option<String>,
    last_answer: Option<String>,
    /// The remote offer being answered.
    remote_offer: Option<SdpText>,
    pub(super) remote_ufrag: Option<String>,
    /// Mids of the remote description's sections, in order.
    pub(super) remote_mids: Vec<String>,
    /// The local description last applied.
    pub(super) last_local: Option<(RTCSdpType, String)>,
    gathered: bool,
}

fn to_str0m(d: Dir) -> Direction {
    match d {
        Dir::Sendrecv => Direction::SendRecv,
        Dir::Sendonly => Direction::SendOnly,
        Dir::Recvonly => Direction::RecvOnly,
        Dir::Inactive | Dir::Stopped => Direction::Inactive,
    }
}

fn kind_str(k: TrackKind) -> &'static str {
    match k {
        TrackKind::Audio => "audio",
        TrackKind::Video => "video",
    }
}

/// A change to a receiver's track found while applying a remote description.
struct TrackChange {
    transceiver: RTCRtpTransceiver,
    added: bool,
    stream_ids: Vec<String>,
}

impl Driver {
    fn transceivers(&self) -> Vec<RTCRtpTransceiver> {
        self.pc
            .upgrade()
            .map(|pc| pc.state.lock().transceivers.clone())
            .unwrap_or_default()
    }

    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-createoffer>
    pub(super) fn create_offer(
        &mut self,
        opts: RTCOfferOptions,
    ) -> Result<RTCSessionDescriptionInit> {
        if self.neg.signaling == S::HaveRemoteOffer {
            return Err(Error::invalid_state(
                "cannot create an offer in have-remote-offer",
            ));
        }
        let transceivers = self.transceivers();
        let ice_restart = opts.ice_restart
            || self
                .pc
                .upgrade()
                .is_some_and(|pc| pc.state.lock().ice_restart_pending);
        let mut new_mids = Vec::new();
        let applied = {
            let mut api = self.rtc.sdp_api();
            for t in &transceivers {
                let st = t.state();
                if st.stopped {
                    continue;
                }
                match &st.mid {
                    None if st.stopping => {}
                    None => {
                        let kind = match t.kind() {
                            TrackKind::Audio => MediaKind::Audio,
                            TrackKind::Video => MediaKind::Video,
                        };
                        let stream = t.sender().inner.stream_ids.lock().first().cloned();
                        let track = t.sender().track().map(|t| t.id().to_string());
                        let mid = api.add_media(kind, to_str0m(st.direction), stream, track, None);
                        new_mids.push((t.inner.id, mid.to_string()));
                    }
                    Some(mid) => {
                        let m: Mid = mid.as_str().into();
                        if st.stopping {
                            api.stop_media(m);
                        } else {
                            api.set_direction(m, to_str0m(st.direction));
                        }
                    }
                }
            }
            if ice_restart {
                api.ice_restart(true);
            }
            api.apply()
        };
        self.drain();
        let Some((offer, pending)) = applied else {
            if transceivers.iter().all(|t| t.state().stopped) {
                return Err(Error::operation(
                    "nothing to offer: add a track or a transceiver first",
                ));
            }
            // Nothing changed: the last local offer is still the offer (str0m makes offers
            // only for changes).
            return match &self.neg.last_local {
                Some((RTCSdpType::Offer, sdp)) => Ok(RTCSessionDescriptionInit::offer(sdp.clone())),
                _ => Err(Error::operation(
                    "nothing changed since the last negotiation, and str0m makes offers only \
                     for changes",
                )),
            };
        };
        let mut text = SdpText::parse(&offer.to_sdp_string())
            .ok_or_else(|| Error::operation("str0m made an offer that does not parse"))?;
        self.adjust_local(&mut text, &transceivers, &new_mids, None);
        let sdp = text.to_sdp();
        self.neg.last_offer = Some(OfferState {
            sdp: sdp.clone(),
            pending,
            new_mids,
            ice_restart,
        });
        Ok(RTCSessionDescriptionInit::offer(sdp))
    }

    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-createanswer>
    pub(super) fn create_answer(&mut self) -> Result<RTCSessionDescriptionInit> {
        if self.neg.signaling != S::HaveRemoteOffer {
            return Err(Error::invalid_state(format!(
                "cannot create an answer in {}",
                jsep::state_name(self.neg.signaling)
            )));
        }
        let (Some(answer), Some(offer)) = (&self.neg.str0m_answer, &self.neg.remote_offer) else {
            return Err(Error::invalid_state("no remote offer to answer"));
        };
        let mut text = SdpText::parse(answer)
            .ok_or_else(|| Error::operation("str0m made an answer that does not parse"))?;
        let offer = offer.clone();
        let transceivers = self.transceivers();
        self.adjust_local(&mut text, &transceivers, &[], Some(&offer));
        let sdp = text.to_sdp();
        self.neg.last_answer = Some(sdp.clone());
        Ok(RTCSessionDescriptionInit::answer(sdp))
    }

    /// Our msids, codec preferences and (for an answer) the narrowed directions.
    fn adjust_local(
        &self,
        text: &mut SdpText,
        transceivers: &[RTCRtpTransceiver],
        new_mids: &[(u64, String)],
        offer: Option<&SdpText>,
    ) {
        for section in text.media.iter_mut() {
            let Some(mid) = section.mid() else { continue };
            let t = transceivers.iter().find(|t| {
                t.mid().as_deref() == Some(mid.as_str())
                    || new_mids
                        .iter()
                        .any(|(id, m)| *id == t.inner.id && *m == mid)
            });
            let Some(t) = t else { continue };
            let st = t.state();
            let dir = match offer.and_then(|o| o.section(&mid)) {
                Some(offered) => jsep::answer_direction(st.direction, offered.direction()),
                None => st.direction,
            };
            if offer.is_some() && !section.port_zero() {
                section.set_direction(dir);
            }
            if dir.sends() {
                let ids = t.sender().inner.stream_ids.lock().clone();
                let track = t
                    .sender()
                    .track()
                    .map(|t| t.id().to_string())
                    .unwrap_or_else(|| format!("track{}", t.inner.id));
                section.set_msids(&ids, &track);
            }
            let rank = t.codec_rank();
            let payload_types = section.payload_types();
            let names: Vec<(u8, Option<Codec>)> = payload_types
                .iter()
                .map(|pt| {
                    let c = section.rtpmap(*pt).and_then(|(name, _, _)| {
                        [Codec::Vp8, Codec::Vp9, Codec::Opus]
                            .into_iter()
                            .find(|c| c.encoding_name().eq_ignore_ascii_case(&name))
                    });
                    (*pt, c)
                })
                .collect();
            if !st.codec_preferences.is_empty() {
                section.retain_codecs(|pt| {
                    let c = names.iter().find(|(p, _)| *p == pt)?.1?;
                    rank.iter().position(|r| *r == c)
                });
            }
        }
    }

    pub(super) fn set_local(
        &mut self,
        desc: Option<RTCSessionDescriptionInit>,
        reply: super::Reply<()>,
    ) {
        let r = self.set_local_inner(desc);
        match r {
            Ok(update) => self.finish(reply, update),
            Err(e) => self.complete(reply, Err(e), Vec::new()),
        }
    }

    fn set_local_inner(&mut self, desc: Option<RTCSessionDescriptionInit>) -> Result<Applied> {
        let implicit = match self.neg.signaling {
            S::Stable | S::HaveLocalOffer => RTCSdpType::Offer,
            S::HaveRemoteOffer => RTCSdpType::Answer,
            _ => RTCSdpType::Offer,
        };
        let mut desc = desc.unwrap_or(RTCSessionDescriptionInit {
            sdp_type: implicit,
            sdp: String::new(),
        });
        let (next, _) = jsep::transition(self.neg.signaling, Side::Local, desc.sdp_type)?;
        if desc.sdp.is_empty() {
            match desc.sdp_type {
                RTCSdpType::Offer => {
                    let matches_last = self.neg.last_offer.is_some();
                    if !matches_last {
                        desc = self.create_offer(RTCOfferOptions::default())?;
                    } else if let Some(o) = &self.neg.last_offer {
                        desc.sdp = o.sdp.clone();
                    }
                }
                RTCSdpType::Answer => {
                    desc = match &self.neg.last_answer {
                        Some(a) => RTCSessionDescriptionInit::answer(a.clone()),
                        None => self.create_answer()?,
                    };
                }
                _ => {}
            }
        }
        match desc.sdp_type {
            RTCSdpType::Offer => {
                let Some(offer) = self.neg.last_offer.take() else {
                    return Err(Error::new(
                        ErrorKind::InvalidModificationError,
                        "this offer was not made by createOffer (or was already applied)",
                    ));
                };
                if offer.sdp != desc.sdp {
                    self.neg.last_offer = Some(offer);
                    return Err(Error::new(
                        ErrorKind::InvalidModificationError,
                        "the offer differs from the one createOffer returned (SDP munging is \
                         not supported)",
                    ));
                }
                let transceivers = self.transceivers();
                let text = SdpText::parse(&offer.sdp);
                for t in &transceivers {
                    if let Some((_, mid)) = offer.new_mids.iter().find(|(id, _)| *id == t.inner.id)
                    {
                        t.inner.state.lock().mid = Some(mid.clone());
                    }
                    self.note_local_section(t, text.as_ref());
                }
                let restart = offer.ice_restart;
                self.neg.last_local = Some((RTCSdpType::Offer, desc.sdp.clone()));
                self.neg.local_offer = Some(offer);
                self.neg.local_offer_broken = false;
                self.neg.signaling = next;
                Ok(Applied {
                    signaling: next,
                    local: Some(desc),
                    ice_restart_done: restart,
                    ..Default::default()
                })
            }
            RTCSdpType::Answer => {
                if self.neg.last_answer.as_deref() != Some(desc.sdp.as_str()) {
                    return Err(Error::new(
                        ErrorKind::InvalidModificationError,
                        "the answer differs from the one createAnswer returned (SDP munging is \
                         not supported)",
                    ));
                }
                let text = SdpText::parse(&desc.sdp)
                    .ok_or_else(|| Error::operation("the answer does not parse"))?;
                let transceivers = self.transceivers();
                {
                    let mut api = self.rtc.sdp_api();
                    // Applied to str0m's session directly; the change set is dropped unused
                    // (the answer is already what the remote gets).
                    for s in &text.media {
                        let Some(mid) = s.mid() else { continue };
                        if !s.port_zero() {
                            api.set_direction(mid.as_str().into(), to_str0m(s.direction()));
                        }
                    }
                }
                self.drain();
                for t in &transceivers {
                    let Some(mid) = t.mid() else { continue };
                    let Some(s) = text.section(&mid) else {
                        continue;
                    };
                    {
                        let mut st = t.inner.state.lock();
                        if s.port_zero() {
                            st.stopped = true;
                            st.current_direction = None;
                        } else {
                            st.current_direction =
                                Some(jsep::current_direction(s.direction(), true));
                        }
                    }
                    if s.port_zero() {
                        t.stop_media();
                    }
                    self.note_local_section(t, Some(&text));
                }
                self.neg.last_local = Some((RTCSdpType::Answer, desc.sdp.clone()));
                self.neg.last_answer = None;
                self.neg.str0m_answer = None;
                self.neg.remote_offer = None;
                self.neg.signaling = next;
                self.update_senders();
                Ok(Applied {
                    signaling: next,
                    local: Some(desc),
                    completes: true,
                    ..Default::default()
                })
            }
            RTCSdpType::Rollback => {
                if let Some(offer) = self.neg.local_offer.take() {
                    self.undo_new_mids(&offer);
                }
                self.neg.local_offer_broken = false;
                self.neg.signaling = next;
                Ok(Applied {
                    signaling: next,
                    rollback_local: true,
                    ..Default::default()
                })
            }
            RTCSdpType::Pranswer => Err(Error::operation("pranswer is not supported")),
        }
    }

    fn undo_new_mids(&self, offer: &OfferState) {
        for t in self.transceivers() {
            if offer.new_mids.iter().any(|(id, _)| *id == t.inner.id) {
                let mut st = t.inner.state.lock();
                st.mid = None;
                st.local_direction = None;
                st.local_stream_ids = None;
            }
        }
    }

    fn note_local_section(&self, t: &RTCRtpTransceiver, text: Option<&SdpText>) {
        let Some(mid) = t.mid() else { return };
        let Some(s) = text.and_then(|x| x.section(&mid)) else {
            return;
        };
        let ids: Vec<String> = s
            .msids()
            .into_iter()
            .map(|(stream, _)| stream)
            .filter(|s| s != "-")
            .collect();
        let mut st = t.inner.state.lock();
        st.local_direction = Some(s.direction());
        st.local_stream_ids = Some(if s.direction().sends() {
            ids
        } else {
            t.sender().inner.stream_ids.lock().clone()
        });
    }

    pub(super) fn set_remote(&mut self, desc: RTCSessionDescriptionInit, reply: super::Reply<()>) {
        match self.set_remote_inner(desc) {
            Ok(update) => self.finish(reply, update),
            Err(e) => self.complete(reply, Err(e), Vec::new()),
        }
    }

    fn set_remote_inner(&mut self, desc: RTCSessionDescriptionInit) -> Result<Applied> {
        let (next, rollback_first) =
            jsep::transition(self.neg.signaling, Side::Remote, desc.sdp_type)?;
        if desc.sdp_type == RTCSdpType::Rollback {
            return Err(Error::operation(
                "rolling back a remote offer is not supported: str0m applies a remote offer \
                 at once",
            ));
        }
        let mut text = SdpText::parse(&desc.sdp)
            .ok_or_else(|| Error::operation("sdp-syntax-error: the description is not SDP"))?;
        let candidates = text.take_candidates();
        check_semantics(&text)?;
        let clean = text.to_sdp();
        let changes;
        match desc.sdp_type {
            RTCSdpType::Offer => {
                let offer = SdpOffer::from_sdp_string(&clean)
                    .map_err(|e| Error::operation(format!("sdp-syntax-error: {e}")))?;
                if rollback_first && let Some(o) = self.neg.local_offer.take() {
                    self.undo_new_mids(&o);
                }
                self.neg.last_offer = None;
                let answer = self
                    .mutate(|rtc| rtc.sdp_api().accept_offer(offer))
                    .map_err(|e| {
                        Error::invalid_access(format!("the offer cannot be applied: {e}"))
                    })?;
                self.neg.str0m_answer = Some(answer.to_sdp_string());
                self.neg.last_answer = None;
                changes = self.match_remote_offer(&text)?;
                self.neg.remote_offer = Some(text.clone());
            }
            RTCSdpType::Answer => {
                if self.neg.local_offer_broken {
                    return Err(Error::invalid_state(
                        "an earlier answer to this offer failed; roll the offer back",
                    ));
                }
                let Some(offer) = self.neg.local_offer.take() else {
                    return Err(Error::invalid_state("no local offer to answer"));
                };
                let offered: Vec<Option<String>> = SdpText::parse(&offer.sdp)
                    .map(|o| o.media.iter().map(|m| m.mid()).collect())
                    .unwrap_or_default();
                let answered: Vec<Option<String>> = text.media.iter().map(|m| m.mid()).collect();
                if offered != answered {
                    self.neg.local_offer = Some(offer);
                    return Err(Error::invalid_access(
                        "the answer's media sections do not match the offer's",
                    ));
                }
                let answer = match SdpAnswer::from_sdp_string(&clean) {
                    Ok(a) => a,
                    Err(e) => {
                        self.neg.local_offer = Some(offer);
                        return Err(Error::operation(format!("sdp-syntax-error: {e}")));
                    }
                };
                if let Err(e) =
                    self.mutate(|rtc| rtc.sdp_api().accept_answer(offer.pending, answer))
                {
                    self.neg.local_offer_broken = true;
                    return Err(Error::invalid_access(format!(
                        "the answer cannot be applied: {e}"
                    )));
                }
                changes = self.apply_remote_answer(&text);
            }
            _ => return Err(Error::operation("pranswer is not supported")),
        }
        self.neg.remote_ufrag = text.ice_ufrag();
        self.neg.remote_mids = text.media.iter().filter_map(|m| m.mid()).collect();
        // ICE may now be `checking` (it was `new` without remote candidates).
        self.publish_states();
        for (c, _, _) in candidates {
            self.add_remote_candidate_line(&c);
        }
        self.neg.signaling = next;
        if next == S::Stable {
            self.update_senders();
        }
        Ok(Applied {
            signaling: next,
            remote: Some(desc),
            completes: next == S::Stable,
            tracks: changes,
            ..Default::default()
        })
    }

    /// Finds or makes the transceiver of each section of a remote offer.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#set-description> (remote offer steps)
    fn match_remote_offer(&mut self, text: &SdpText) -> Result<Vec<TrackChange>> {
        let Some(pc) = self.pc.upgrade() else {
            return Err(Error::invalid_state("the RTCPeerConnection is gone"));
        };
        let mut changes = Vec::new();
        for s in &text.media {
            let (Some(mid), Some(kind)) = (s.mid(), s.kind()) else {
                continue;
            };
            let kind = match kind.as_str() {
                "audio" => TrackKind::Audio,
                "video" => TrackKind::Video,
                _ => continue,
            };
            let transceivers = pc.state.lock().transceivers.clone();
            let candidates: Vec<jsep::MatchCandidate> = transceivers
                .iter()
                .map(|t| {
                    let st = t.state();
                    jsep::MatchCandidate {
                        mid: st.mid.clone(),
                        kind: kind_str(t.kind()),
                        from_add_track: st.from_add_track,
                        stopped: st.stopped || st.stopping,
                    }
                })
                .collect();
            let t = match jsep::match_transceiver(&candidates, &mid, kind_str(kind)) {
                Some(i) => transceivers[i].clone(),
                None => {
                    if s.port_zero() {
                        continue;
                    }
                    let t = RTCRtpTransceiver::create(
                        &pc,
                        kind,
                        None,
                        Dir::Recvonly,
                        Vec::new(),
                        false,
                    )?;
                    pc.state.lock().transceivers.push(t.clone());
                    t
                }
            };
            t.inner.state.lock().mid = Some(mid.clone());
            if s.port_zero() {
                t.stop_media();
                let mut st = t.inner.state.lock();
                st.stopped = true;
                st.current_direction = None;
                continue;
            }
            changes.extend(self.receiving_change(&t, s.direction().sends(), s));
        }
        Ok(changes)
    }

    fn apply_remote_answer(&mut self, text: &SdpText) -> Vec<TrackChange> {
        let mut changes = Vec::new();
        for t in self.transceivers() {
            let Some(mid) = t.mid() else { continue };
            let Some(s) = text.section(&mid) else {
                continue;
            };
            if s.port_zero() {
                t.stop_media();
                let mut st = t.inner.state.lock();
                st.stopped = true;
                st.current_direction = None;
                continue;
            }
            t.inner
                .state
                .lock()
                .set_current_direction(jsep::current_direction(s.direction(), false));
            changes.extend(self.receiving_change(&t, s.direction().sends(), s));
        }
        changes
    }

    /// The remote starts or stops sending on `t`'s section.
    fn receiving_change(
        &self,
        t: &RTCRtpTransceiver,
        remote_sends: bool,
        s: &crate::sdp::MediaSection,
    ) -> Option<TrackChange> {
        let mut st = t.inner.state.lock();
        if st.receiving == remote_sends {
            return None;
        }
        st.receiving = remote_sends;
        let stream_ids = s
            .msids()
            .into_iter()
            .map(|(stream, _)| stream)
            .filter(|id| id != "-" && !id.is_empty())
            .collect();
        Some(TrackChange {
            transceiver: t.clone(),
            added: remote_sends,
            stream_ids,
        })
    }

    /// Completes SLD / SRD: the visible state, the events in the spec's order, the
    /// promise, then (first time) candidate gathering.
    fn finish(&mut self, reply: super::Reply<()>, a: Applied) {
        let gather = a.local.is_some() && !self.neg.gathered;
        if gather {
            self.neg.gathered = true;
        }
        self.complete_with(reply, Ok(()), move |s| {
            let mut events = Vec::new();
            if let Some(l) = a.local {
                match l.sdp_type {
                    RTCSdpType::Offer => s.pending_local = Some(l),
                    _ => {
                        s.current_local = Some(l);
                        s.current_remote = s.pending_remote.take().or(s.current_remote.take());
                        s.pending_local = None;
                    }
                }
            }
            if let Some(r) = a.remote {
                match r.sdp_type {
                    RTCSdpType::Offer => s.pending_remote = Some(r),
                    _ => {
                        s.current_remote = Some(r);
                        s.current_local = s.pending_local.take().or(s.current_local.take());
                        s.pending_remote = None;
                    }
                }
            }
            if a.rollback_local {
                s.pending_local = None;
            }
            if a.ice_restart_done {
                s.ice_restart_pending = false;
            }
            if s.signaling != a.signaling {
                s.signaling = a.signaling;
                events.push(PeerConnectionEvent::SignalingStateChange(a.signaling));
            }
            if a.signaling == S::Stable {
                s.negotiation_needed = false;
            }
            for c in a.tracks {
                let track = c.transceiver.receiver().track();
                if c.added {
                    let mut streams = Vec::new();
                    for id in &c.stream_ids {
                        let existed = s.streams.contains_key(id);
                        // Spec: a new remote stream's id is the remote's stream id (a=msid).
                        let stream = s
                            .streams
                            .entry(id.clone())
                            .or_insert_with(|| MediaStream::with_id(id.clone()));
                        if existed {
                            stream.ua_add_track_now(&track);
                        } else {
                            stream.add_track(&track);
                        }
                        streams.push(stream.clone());
                    }
                    events.push(PeerConnectionEvent::Track(RTCTrackEvent {
                        receiver: c.transceiver.receiver().clone(),
                        track,
                        streams,
                        transceiver: c.transceiver.clone(),
                    }));
                } else {
                    // Spec: "process the removal of a remote track": muted, out of its
                    // streams.
                    c.transceiver.receiver().source().set_muted(true);
                    for stream in s.streams.values() {
                        if stream.get_track_by_id(track.id()).is_some() {
                            stream.ua_remove_track_now(&track);
                        }
                    }
                }
            }
            let _ = a.completes;
            events
        });
        if gather {
            self.gather();
        }
    }
}

/// What applying a description changes in the visible state.
#[derive(Default)]
struct Applied {
    signaling: S,
    local: Option<RTCSessionDescriptionInit>,
    remote: Option<RTCSessionDescriptionInit>,
    rollback_local: bool,
    ice_restart_done: bool,
    completes: bool,
    tracks: Vec<TrackChange>,
}

/// What a remote description must have beyond syntax (JSEP §5.8): a mid per media section,
/// ICE credentials and a DTLS fingerprint.
fn check_semantics(text: &SdpText) -> Result<()> {
    if text.media.is_empty() {
        return Err(Error::invalid_access(
            "the description has no media section",
        ));
    }
    let session_has = |name: &str| {
        text.session
            .iter()
            .any(|l| l.starts_with(&format!("a={name}:")))
    };
    for m in &text.media {
        if m.mid().is_none() {
            return Err(Error::invalid_access("a media section has no a=mid"));
        }
        if m.port_zero() {
            continue;
        }
        if m.attr("ice-ufrag").is_none() && !session_has("ice-ufrag") {
            return Err(Error::invalid_access("no ICE credentials (a=ice-ufrag)"));
        }
        if m.attr("ice-pwd").is_none() && !session_has("ice-pwd") {
            return Err(Error::invalid_access("no ICE credentials (a=ice-pwd)"));
        }
        if m.attr("fingerprint").is_none() && !session_has("fingerprint") {
            return Err(Error::invalid_access("no DTLS fingerprint (a=fingerprint)"));
        }
    }
    Ok(())
}
