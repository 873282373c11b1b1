//! `RTCPeerConnection`: the API object. Its state visible to the application lives here and
//! changes only inside tasks on its event loop; the str0m instance, the sockets and the
//! negotiation bookkeeping live on its driver thread (`driver.rs`, `negotiate.rs`).
//!
//! Spec: <https://w3c.github.io/webrtc-pc/#interface-definition>

mod builder;
mod candidates;
mod driver;
pub(crate) mod ice;
mod negotiate;
mod report;

use crate::codec::{Codec, VideoDecoderFactory};
use crate::jsep;
use crate::stats::RTCStatsReport;
use crate::transceiver::{RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver};
use crate::types::*;
use crate::{Error, ErrorKind, Result};
use futures_channel::oneshot;
use mediacapture::TrackKind;
use mediacapture::{
    EventLoop, EventStream, EventTarget, ListenerId, MediaStream, MediaStreamTrack,
};
use mediacapture_codec::EncodedPacket;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

pub use builder::PeerConnectionBuilder;
pub use ice::HostCandidates;

/// An event fired at an [`RTCPeerConnection`].
#[derive(Debug, Clone)]
pub enum PeerConnectionEvent {
    /// `negotiationneeded`.
    NegotiationNeeded,
    /// `icecandidate`: a local candidate, or `None` when gathering is complete (the
    /// spec's `null` candidate).
    IceCandidate(Option<RTCIceCandidateInit>),
    /// `icegatheringstatechange`, with the new state.
    IceGatheringStateChange(RTCIceGatheringState),
    /// `iceconnectionstatechange`, with the new state.
    IceConnectionStateChange(RTCIceConnectionState),
    /// `connectionstatechange`, with the new state.
    ConnectionStateChange(RTCPeerConnectionState),
    /// `signalingstatechange`, with the new state.
    SignalingStateChange(RTCSignalingState),
    /// `track`.
    Track(RTCTrackEvent),
}

impl PeerConnectionEvent {
    /// The DOM event type (`"icecandidate"`, `"track"`, …).
    pub fn event_type(&self) -> &'static str {
        match self {
            PeerConnectionEvent::NegotiationNeeded => "negotiationneeded",
            PeerConnectionEvent::IceCandidate(_) => "icecandidate",
            PeerConnectionEvent::IceGatheringStateChange(_) => "icegatheringstatechange",
            PeerConnectionEvent::IceConnectionStateChange(_) => "iceconnectionstatechange",
            PeerConnectionEvent::ConnectionStateChange(_) => "connectionstatechange",
            PeerConnectionEvent::SignalingStateChange(_) => "signalingstatechange",
            PeerConnectionEvent::Track(_) => "track",
        }
    }
}

/// `RTCTrackEvent`.
#[derive(Debug, Clone)]
pub struct RTCTrackEvent {
    /// The receiver of the track.
    pub receiver: RTCRtpReceiver,
    /// The remote track.
    pub track: MediaStreamTrack,
    /// The remote streams the track belongs to (from the remote's `a=msid`).
    pub streams: Vec<MediaStream>,
    /// The transceiver.
    pub transceiver: RTCRtpTransceiver,
}

/// A track or a kind, for [`RTCPeerConnection::add_transceiver`].
#[derive(Debug, Clone)]
pub enum TrackOrKind {
    /// Send this track.
    Track(MediaStreamTrack),
    /// `"audio"` or `"video"`.
    Kind(String),
}

/// `RTCRtpTransceiverInit` (streams by reference, as `addTrack` takes them).
#[derive(Debug, Clone, Default)]
pub struct RTCRtpTransceiverInit {
    /// The transceiver's direction.
    pub direction: RTCRtpTransceiverDirection,
    /// Streams the sender's track is associated with.
    pub streams: Vec<MediaStream>,
    /// At most one encoding (no simulcast); its parameters as `setParameters` takes them.
    pub send_encodings: Vec<RTCRtpEncodingParameters>,
}

pub(crate) type Reply<T> = oneshot::Sender<Result<T>>;

/// What the API asks its driver thread to do.
pub(crate) enum Command {
    CreateOffer(RTCOfferOptions, Reply<RTCSessionDescriptionInit>),
    CreateAnswer(Reply<RTCSessionDescriptionInit>),
    SetLocal(Option<RTCSessionDescriptionInit>, Reply<()>),
    SetRemote(RTCSessionDescriptionInit, Reply<()>),
    AddCandidate(Option<RTCIceCandidateInit>, Reply<()>),
    /// Stats of everything, or of one sender (`true`) / receiver (`false`) by mid.
    Stats(Option<(Option<String>, bool)>, Reply<RTCStatsReport>),
    Media {
        mid: String,
        codec: Codec,
        packet: EncodedPacket,
    },
    RequestKeyframe(String),
    /// Negotiation-independent changes to look at (a sender's track or parameters).
    Close,
}

/// How the API reaches the driver thread.
#[derive(Clone)]
pub(crate) struct DriverHandle {
    tx: std::sync::mpsc::Sender<Command>,
    waker: Arc<mio::Waker>,
}

impl DriverHandle {
    /// Queues a command; `false` when the driver has ended.
    pub(crate) fn send(&self, c: Command) -> bool {
        let ok = self.tx.send(c).is_ok();
        if ok {
            let _ = self.waker.wake();
        }
        ok
    }
}

/// What the application sees; changed only inside tasks on the event loop (and by the
/// synchronous methods that the spec lets change it at once).
pub(crate) struct PcState {
    pub(crate) closed: bool,
    pub(crate) config: RTCConfiguration,
    pub(crate) signaling: RTCSignalingState,
    pub(crate) ice_gathering: RTCIceGatheringState,
    pub(crate) ice_connection: RTCIceConnectionState,
    pub(crate) connection: RTCPeerConnectionState,
    pub(crate) current_local: Option<RTCSessionDescriptionInit>,
    pub(crate) pending_local: Option<RTCSessionDescriptionInit>,
    pub(crate) current_remote: Option<RTCSessionDescriptionInit>,
    pub(crate) pending_remote: Option<RTCSessionDescriptionInit>,
    pub(crate) transceivers: Vec<RTCRtpTransceiver>,
    pub(crate) negotiation_needed: bool,
    pub(crate) ice_restart_pending: bool,
    /// Operations queued on the driver and not yet completed (the operations chain).
    pub(crate) ops: usize,
    /// Remote streams by id.
    pub(crate) streams: HashMap<String, MediaStream>,
}

pub(crate) struct PcInner {
    pub(crate) event_loop: EventLoop,
    pub(crate) events: EventTarget<PeerConnectionEvent>,
    pub(crate) state: Mutex<PcState>,
    pub(crate) driver: DriverHandle,
    pub(crate) decoders: Arc<dyn VideoDecoderFactory>,
}

impl Drop for PcInner {
    fn drop(&mut self) {
        self.driver.send(Command::Close);
    }
}

/// `RTCPeerConnection`. `Clone` copies the handle; the connection closes when the last
/// handle is dropped.
#[derive(Clone)]
pub struct RTCPeerConnection {
    pub(crate) inner: Arc<PcInner>,
}

impl std::fmt::Debug for RTCPeerConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.inner.state.lock();
        f.debug_struct("RTCPeerConnection")
            .field("signalingState", &s.signaling)
            .field("connectionState", &s.connection)
            .finish()
    }
}

impl RTCPeerConnection {
    /// `new RTCPeerConnection(configuration)` with the default options (see
    /// [`RTCPeerConnection::builder`]).
    pub fn new(config: RTCConfiguration) -> Result<Self> {
        Self::builder().configuration(config).build()
    }

    /// A builder for the options a browser decides by itself.
    pub fn builder() -> PeerConnectionBuilder {
        PeerConnectionBuilder::default()
    }

    /// The event loop this connection's events run on.
    pub fn event_loop(&self) -> &EventLoop {
        &self.inner.event_loop
    }

    /// Creates an offer.
    ///
    /// Errors: `InvalidStateError` when closed; `OperationError` when there is nothing to
    /// offer (no transceiver) or str0m cannot express the offer.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-createoffer>
    pub fn create_offer(
        &self,
        options: RTCOfferOptions,
    ) -> impl Future<Output = Result<RTCSessionDescriptionInit>> + Send + 'static {
        // Legacy offerToReceive*: add a recvonly transceiver of that kind if none receives.
        let legacy = [
            (options.offer_to_receive_audio, TrackKind::Audio),
            (options.offer_to_receive_video, TrackKind::Video),
        ];
        for (want, kind) in legacy {
            if want == Some(true) && !self.is_closed() {
                let have = self
                    .get_transceivers()
                    .iter()
                    .any(|t| t.kind() == kind && t.direction().receives());
                if !have {
                    let _ = self.add_transceiver(
                        TrackOrKind::Kind(kind.to_string()),
                        RTCRtpTransceiverInit {
                            direction: RTCRtpTransceiverDirection::Recvonly,
                            ..Default::default()
                        },
                    );
                }
            }
        }
        self.inner.chain(move |r| Command::CreateOffer(options, r))
    }

    /// Creates an answer to the remote offer.
    ///
    /// Errors: `InvalidStateError` when closed or not in `have-remote-offer`.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-createanswer>
    pub fn create_answer(
        &self,
    ) -> impl Future<Output = Result<RTCSessionDescriptionInit>> + Send + 'static {
        self.inner.chain(Command::CreateAnswer)
    }

    /// Applies a local description; `None` (or an empty `sdp`) creates the offer or answer
    /// the state calls for ("implicit" setLocalDescription).
    ///
    /// Errors: `InvalidStateError` (wrong type for the state, closed);
    /// `InvalidModificationError` when `sdp` is not what `createOffer` / `createAnswer`
    /// returned last (SDP munging is not supported).
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-peerconnection-setlocaldescription>
    pub fn set_local_description(
        &self,
        description: Option<RTCSessionDescriptionInit>,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        self.inner.chain(move |r| Command::SetLocal(description, r))
    }

    /// Applies the remote peer's description. A remote offer in `have-local-offer` rolls
    /// the local offer back first (perfect negotiation's polite peer).
    ///
    /// Errors: `InvalidStateError` (wrong type for the state, closed); `OperationError` for
    /// SDP that does not parse (webrtc-pc's `sdp-syntax-error`), for `pranswer`, and for
    /// rolling back a remote offer (str0m applies it at once); `InvalidAccessError` for a
    /// description that parses but cannot be used (no fingerprint, no ICE credentials,
    /// sections that do not match the offer).
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-peerconnection-setremotedescription>
    pub fn set_remote_description(
        &self,
        description: RTCSessionDescriptionInit,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        self.inner
            .chain(move |r| Command::SetRemote(description, r))
    }

    /// Adds a remote candidate; `None` or an empty candidate means end-of-candidates.
    /// Candidates this side cannot reach (another address family, a non-loopback address
    /// for loopback sockets, an unresolved mDNS name) are accepted and not used.
    ///
    /// Errors: `TypeError` without `sdpMid` and `sdpMLineIndex`; `InvalidStateError` before
    /// a remote description or when closed; `OperationError` for an unknown section, a
    /// ufrag that is not the remote's, or a candidate that does not parse.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-peerconnection-addicecandidate>
    pub fn add_ice_candidate(
        &self,
        candidate: Option<RTCIceCandidateInit>,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        self.inner
            .chain(move |r| Command::AddCandidate(candidate, r))
    }

    /// `getStats()`.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-getstats>
    pub fn get_stats(&self) -> impl Future<Output = Result<RTCStatsReport>> + Send + 'static {
        self.inner.request_stats(None)
    }

    /// `localDescription`: the pending one, else the current one.
    pub fn local_description(&self) -> Option<RTCSessionDescriptionInit> {
        let s = self.inner.state.lock();
        s.pending_local.clone().or_else(|| s.current_local.clone())
    }
    /// `currentLocalDescription`.
    pub fn current_local_description(&self) -> Option<RTCSessionDescriptionInit> {
        self.inner.state.lock().current_local.clone()
    }
    /// `pendingLocalDescription`.
    pub fn pending_local_description(&self) -> Option<RTCSessionDescriptionInit> {
        self.inner.state.lock().pending_local.clone()
    }
    /// `remoteDescription`: the pending one, else the current one.
    pub fn remote_description(&self) -> Option<RTCSessionDescriptionInit> {
        let s = self.inner.state.lock();
        s.pending_remote
            .clone()
            .or_else(|| s.current_remote.clone())
    }
    /// `currentRemoteDescription`.
    pub fn current_remote_description(&self) -> Option<RTCSessionDescriptionInit> {
        self.inner.state.lock().current_remote.clone()
    }
    /// `pendingRemoteDescription`.
    pub fn pending_remote_description(&self) -> Option<RTCSessionDescriptionInit> {
        self.inner.state.lock().pending_remote.clone()
    }
    /// `signalingState`.
    pub fn signaling_state(&self) -> RTCSignalingState {
        self.inner.state.lock().signaling
    }
    /// `iceGatheringState`.
    pub fn ice_gathering_state(&self) -> RTCIceGatheringState {
        self.inner.state.lock().ice_gathering
    }
    /// `iceConnectionState`.
    pub fn ice_connection_state(&self) -> RTCIceConnectionState {
        self.inner.state.lock().ice_connection
    }
    /// `connectionState`.
    pub fn connection_state(&self) -> RTCPeerConnectionState {
        self.inner.state.lock().connection
    }
    /// `canTrickleIceCandidates`: known once a remote description is set.
    pub fn can_trickle_ice_candidates(&self) -> Option<bool> {
        let s = self.inner.state.lock();
        let remote = s.pending_remote.as_ref().or(s.current_remote.as_ref())?;
        Some(remote.sdp.contains("a=ice-options:trickle"))
    }

    /// `restartIce()`: the next offer restarts ICE.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-restartice>
    pub fn restart_ice(&self) {
        {
            let mut s = self.inner.state.lock();
            if s.closed {
                return;
            }
            s.ice_restart_pending = true;
        }
        self.inner.update_negotiation_needed();
    }

    /// `getConfiguration()`.
    pub fn get_configuration(&self) -> RTCConfiguration {
        self.inner.state.lock().config.clone()
    }

    /// `setConfiguration()`: new ICE servers and transport policy; the bundle and mux
    /// policies cannot change.
    ///
    /// Errors: `InvalidStateError` when closed; `InvalidModificationError` when
    /// `bundlePolicy` or `rtcpMuxPolicy` differ; those of the ICE server validation.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-setconfiguration>
    pub fn set_configuration(&self, config: RTCConfiguration) -> Result<()> {
        let mut s = self.inner.state.lock();
        if s.closed {
            return Err(Error::invalid_state("the RTCPeerConnection is closed"));
        }
        if config.bundle_policy != s.config.bundle_policy
            || config.rtcp_mux_policy != s.config.rtcp_mux_policy
        {
            return Err(Error::new(
                ErrorKind::InvalidModificationError,
                "bundlePolicy and rtcpMuxPolicy cannot change",
            ));
        }
        ice::validate_ice_servers(&config.ice_servers)?;
        s.config = config;
        Ok(())
    }

    /// `close()`: stops every transceiver (remote tracks end without an event), releases
    /// the sockets and the threads. Fires no event. Pending operations are rejected with
    /// `InvalidStateError`.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-close>
    pub fn close(&self) {
        let transceivers = {
            let mut s = self.inner.state.lock();
            if s.closed {
                return;
            }
            s.closed = true;
            s.signaling = RTCSignalingState::Closed;
            s.ice_connection = RTCIceConnectionState::Closed;
            s.connection = RTCPeerConnectionState::Closed;
            s.negotiation_needed = false;
            s.transceivers.clone()
        };
        for t in &transceivers {
            t.stop_media();
            let mut st = t.inner.state.lock();
            st.stopped = true;
            st.stopping = false;
            st.current_direction = None;
        }
        self.inner.driver.send(Command::Close);
    }

    /// `addTrack(track, ...streams)`.
    ///
    /// Errors: `InvalidStateError` when closed; `InvalidAccessError` when a sender already
    /// sends `track`.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-addtrack>
    pub fn add_track(
        &self,
        track: &MediaStreamTrack,
        streams: &[&MediaStream],
    ) -> Result<RTCRtpSender> {
        let ids = stream_ids(streams.iter().copied());
        let reuse = {
            let s = self.inner.state.lock();
            if s.closed {
                return Err(Error::invalid_state("the RTCPeerConnection is closed"));
            }
            for t in &s.transceivers {
                if t.sender().track().as_ref() == Some(track) {
                    return Err(Error::invalid_access("a sender already sends this track"));
                }
            }
            s.transceivers
                .iter()
                .find(|t| {
                    let st = t.inner.state.lock();
                    t.kind() == track.kind()
                        && t.sender().track().is_none()
                        && !st.stopping
                        && !st.stopped
                        && !st.has_sent
                })
                .cloned()
        };
        let sender = match reuse {
            Some(t) => {
                t.sender().set_track_internal(Some(track.clone()));
                *t.sender().inner.stream_ids.lock() = ids;
                let mut st = t.inner.state.lock();
                st.direction = match st.direction {
                    RTCRtpTransceiverDirection::Recvonly => RTCRtpTransceiverDirection::Sendrecv,
                    RTCRtpTransceiverDirection::Inactive => RTCRtpTransceiverDirection::Sendonly,
                    d => d,
                };
                drop(st);
                t.sender().clone()
            }
            None => {
                let t = RTCRtpTransceiver::create(
                    &self.inner,
                    track.kind(),
                    Some(track),
                    RTCRtpTransceiverDirection::Sendrecv,
                    ids,
                    true,
                )?;
                let sender = t.sender().clone();
                self.inner.state.lock().transceivers.push(t);
                sender
            }
        };
        self.inner.update_negotiation_needed();
        Ok(sender)
    }

    /// `removeTrack(sender)`: stops sending (the transceiver stays, receiving).
    ///
    /// Errors: `InvalidStateError` when closed; `InvalidAccessError` for a sender of another
    /// connection.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-removetrack>
    pub fn remove_track(&self, sender: &RTCRtpSender) -> Result<()> {
        let t = {
            let s = self.inner.state.lock();
            if s.closed {
                return Err(Error::invalid_state("the RTCPeerConnection is closed"));
            }
            s.transceivers
                .iter()
                .find(|t| t.sender() == sender)
                .cloned()
                .ok_or_else(|| {
                    Error::invalid_access("the sender does not belong to this connection")
                })?
        };
        {
            let st = t.inner.state.lock();
            if st.stopping || st.stopped {
                return Ok(());
            }
        }
        if sender.track().is_none() {
            return Ok(());
        }
        sender.set_track_internal(None);
        {
            let mut st = t.inner.state.lock();
            st.direction = match st.direction {
                RTCRtpTransceiverDirection::Sendrecv => RTCRtpTransceiverDirection::Recvonly,
                RTCRtpTransceiverDirection::Sendonly => RTCRtpTransceiverDirection::Inactive,
                d => d,
            };
        }
        self.inner.update_negotiation_needed();
        Ok(())
    }

    /// `addTransceiver(trackOrKind, init)`.
    ///
    /// Errors: `TypeError` for a kind that is neither `"audio"` nor `"video"`, for
    /// `direction: "stopped"`, or for more than one send encoding (no simulcast);
    /// `InvalidStateError` when closed.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcpeerconnection-addtransceiver>
    pub fn add_transceiver(
        &self,
        track_or_kind: TrackOrKind,
        init: RTCRtpTransceiverInit,
    ) -> Result<RTCRtpTransceiver> {
        let (kind, track) = match &track_or_kind {
            TrackOrKind::Track(t) => (t.kind(), Some(t)),
            TrackOrKind::Kind(k) => match k.as_str() {
                "audio" => (TrackKind::Audio, None),
                "video" => (TrackKind::Video, None),
                other => {
                    return Err(Error::type_error(format!(
                        "{other:?} is not a kind (\"audio\" or \"video\")"
                    )));
                }
            },
        };
        if init.direction == RTCRtpTransceiverDirection::Stopped {
            return Err(Error::type_error("a new transceiver cannot be stopped"));
        }
        if init.send_encodings.len() > 1 {
            return Err(Error::new(
                ErrorKind::NotSupportedError,
                "simulcast (several send encodings) is not supported",
            ));
        }
        if self.is_closed() {
            return Err(Error::invalid_state("the RTCPeerConnection is closed"));
        }
        let t = RTCRtpTransceiver::create(
            &self.inner,
            kind,
            track,
            init.direction,
            stream_ids(init.streams.iter()),
            false,
        )?;
        if let Some(e) = init.send_encodings.first() {
            let mut p = t.sender().get_parameters();
            p.encodings = vec![e.clone()];
            t.sender().set_parameters_now(p)?;
        }
        self.inner.state.lock().transceivers.push(t.clone());
        self.inner.update_negotiation_needed();
        Ok(t)
    }

    /// `getTransceivers()`: those not stopped.
    pub fn get_transceivers(&self) -> Vec<RTCRtpTransceiver> {
        self.inner
            .state
            .lock()
            .transceivers
            .iter()
            .filter(|t| !t.inner.state.lock().stopped)
            .cloned()
            .collect()
    }

    /// `getSenders()`.
    pub fn get_senders(&self) -> Vec<RTCRtpSender> {
        self.get_transceivers()
            .iter()
            .map(|t| t.sender().clone())
            .collect()
    }

    /// `getReceivers()`.
    pub fn get_receivers(&self) -> Vec<RTCRtpReceiver> {
        self.get_transceivers()
            .iter()
            .map(|t| t.receiver().clone())
            .collect()
    }

    /// Registers a listener for every event of this connection. Listeners run on the
    /// connection's event loop, in order, never under an internal lock.
    pub fn add_event_listener(
        &self,
        listener: impl Fn(&PeerConnectionEvent) + Send + Sync + 'static,
    ) -> ListenerId {
        self.inner.events.add(listener)
    }

    /// Unregisters a listener; `false` if it was not registered.
    pub fn remove_event_listener(&self, id: ListenerId) -> bool {
        self.inner.events.remove(id)
    }

    /// An async stream of this connection's events from now on.
    pub fn events(&self) -> EventStream<PeerConnectionEvent> {
        self.inner.events.stream()
    }

    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}

fn stream_ids<'a>(streams: impl Iterator<Item = &'a MediaStream>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for s in streams {
        if !ids.iter().any(|i| i == s.id()) {
            ids.push(s.id().to_string());
        }
    }
    ids
}

impl PcInner {
    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// Queues an operation on the operations chain (the driver takes commands in order).
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dfn-chain-an-operation>
    fn chain<T: Send + 'static>(
        self: &Arc<Self>,
        make: impl FnOnce(Reply<T>) -> Command,
    ) -> impl Future<Output = Result<T>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let queued = {
            let mut s = self.state.lock();
            if s.closed {
                false
            } else {
                s.ops += 1;
                true
            }
        };
        if queued && !self.driver.send(make(tx)) {
            self.state.lock().ops -= 1;
        }
        async move {
            rx.await
                .unwrap_or_else(|_| Err(Error::invalid_state("the RTCPeerConnection is closed")))
        }
    }

    pub(crate) fn request_stats(
        self: &Arc<Self>,
        filter: Option<(Option<String>, bool)>,
    ) -> impl Future<Output = Result<RTCStatsReport>> + Send + 'static + use<> {
        let (tx, rx) = oneshot::channel();
        if !self.is_closed() {
            self.driver.send(Command::Stats(filter, tx));
        }
        async move {
            rx.await
                .unwrap_or_else(|_| Err(Error::invalid_state("the RTCPeerConnection is closed")))
        }
    }

    /// Runs `f` in a task on the event loop.
    pub(crate) fn queue(self: &Arc<Self>, f: impl FnOnce(&Arc<PcInner>) + Send + 'static) {
        let me = self.clone();
        self.event_loop.queue(move || f(&me));
    }

    /// Dispatches events (inside a task), unless the connection was closed.
    pub(crate) fn fire(&self, events: Vec<PeerConnectionEvent>) {
        for e in events {
            if self.is_closed() {
                return;
            }
            self.events.dispatch(&e);
        }
    }

    /// The spec's "update the negotiation-needed flag".
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dfn-update-the-negotiation-needed-flag>
    pub(crate) fn update_negotiation_needed(self: &Arc<Self>) {
        let fire = {
            let mut s = self.state.lock();
            if s.closed || s.ops > 0 || s.signaling != RTCSignalingState::Stable {
                return;
            }
            let views: Vec<jsep::TransceiverView> = s
                .transceivers
                .iter()
                .map(|t| {
                    let st = t.inner.state.lock();
                    let ids = t.sender().inner.stream_ids.lock().clone();
                    jsep::TransceiverView {
                        mid: st.mid.clone(),
                        stopping: st.stopping,
                        stopped: st.stopped,
                        direction: st.direction,
                        current_direction: st.current_direction,
                        local_direction: st.local_direction,
                        msids_changed: st.local_stream_ids.as_ref().is_some_and(|l| *l != ids),
                    }
                })
                .collect();
            let needed = jsep::negotiation_needed(&views, s.ice_restart_pending);
            if !needed {
                s.negotiation_needed = false;
                return;
            }
            if s.negotiation_needed {
                return;
            }
            s.negotiation_needed = true;
            true
        };
        if fire {
            self.queue(|pc| {
                let go = {
                    let s = pc.state.lock();
                    !s.closed && s.negotiation_needed && s.signaling == RTCSignalingState::Stable
                };
                if go {
                    pc.fire(vec![PeerConnectionEvent::NegotiationNeeded]);
                }
            });
        }
    }

    pub(crate) fn transceiver_by_mid(&self, mid: &str) -> Option<RTCRtpTransceiver> {
        self.state
            .lock()
            .transceivers
            .iter()
            .find(|t| t.inner.state.lock().mid.as_deref() == Some(mid))
            .cloned()
    }
}
