//! The driver thread of one peer connection: it owns the str0m `Rtc`, the UDP sockets and the
//! timer. It waits (mio) for a datagram, a command or the next timeout, feeds one input to
//! str0m and drains its output until str0m names the next timeout (str0m's
//! "single-mutation invariant"), sending datagrams and turning str0m events into tasks on
//! the connection's event loop.

use super::negotiate::Neg;
use super::{Command, PcInner, PeerConnectionEvent};
use crate::codec::Codec;
use crate::receive::{Incoming, ReceivePipeline};
use crate::transceiver::RTCRtpTransceiver;
use crate::types::{RTCIceConnectionState, RTCPeerConnectionState};
use crate::{Error, Result};
use mediacapture::TrackKind;
use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token, Waker};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use str0m::bwe::BweKind;
use str0m::media::{KeyframeRequestKind, MediaData, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::stats::{MediaEgressStats, MediaIngressStats, PeerStats};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};

const WAKER: Token = Token(usize::MAX);
/// How often str0m reports statistics (what `getStats()` returns is at most this old).
const STATS_INTERVAL: Duration = Duration::from_millis(250);

/// The sockets and the poller, made before the thread so binding errors reach `new`.
pub(crate) struct Io {
    poll: Poll,
    sockets: Vec<(UdpSocket, SocketAddr)>,
    pub(crate) waker: Arc<Waker>,
}

impl Io {
    /// Binds one UDP socket per address (an ephemeral port each).
    pub(crate) fn bind(addrs: &[IpAddr]) -> Result<Io> {
        let err = |e: std::io::Error| Error::operation(format!("cannot set up the sockets: {e}"));
        let poll = Poll::new().map_err(err)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER).map_err(err)?);
        let mut sockets = Vec::new();
        for (i, ip) in addrs.iter().enumerate() {
            let mut sock = match UdpSocket::bind(SocketAddr::new(*ip, 0)) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!("cannot bind a UDP socket on {ip}: {e}");
                    continue;
                }
            };
            let addr = sock.local_addr().map_err(err)?;
            poll.registry()
                .register(&mut sock, Token(i), Interest::READABLE)
                .map_err(err)?;
            sockets.push((sock, addr));
        }
        if sockets.is_empty() {
            return Err(Error::operation("no local address could be bound"));
        }
        Ok(Io {
            poll,
            sockets,
            waker,
        })
    }
}

/// str0m configured with the codecs this crate encodes and decodes: Opus, VP8, VP9 profile 0.
fn make_rtc() -> Rtc {
    let mut cfg = Rtc::builder()
        .clear_codecs()
        .enable_opus(true, false)
        .enable_vp8(true)
        .set_stats_interval(Some(STATS_INTERVAL))
        .enable_bwe(Some(str0m::bwe::Bitrate::kbps(300)));
    cfg.codec_config().add_config(
        98.into(),
        Some(99.into()),
        str0m::format::Codec::Vp9,
        str0m::media::Frequency::NINETY_KHZ,
        None,
        str0m::format::FormatParams {
            profile_id: Some(0),
            ..Default::default()
        },
    );
    cfg.build(Instant::now())
}

pub(crate) fn spawn(
    io: Io,
    rx: Receiver<Command>,
    pc: Weak<PcInner>,
    failed_timeout: Duration,
) -> Result<()> {
    let mut rtc = make_rtc();
    let mut local_candidates = Vec::new();
    for (_, addr) in &io.sockets {
        match Candidate::host(*addr, "udp") {
            Ok(c) => {
                rtc.add_local_candidate(c.clone());
                local_candidates.push(c);
            }
            Err(e) => tracing::warn!("no candidate for {addr}: {e}"),
        }
    }
    let mut d = Driver {
        io,
        rx,
        pc,
        rtc,
        neg: Neg::default(),
        timeout: Instant::now(),
        local_candidates,
        ice: IceConnectionState::New,
        dtls: false,
        disconnected_since: None,
        failed: false,
        failed_timeout,
        closing: false,
        remote_closed: false,
        peer_stats: None,
        egress: HashMap::new(),
        ingress: HashMap::new(),
        media_clock: HashMap::new(),
        receivers: HashMap::new(),
        bwe: None,
    };
    std::thread::Builder::new()
        .name("webrtc-driver".into())
        .spawn(move || d.run())
        .map(|_| ())
        .map_err(|e| Error::operation(format!("cannot start the driver thread: {e}")))
}

pub(crate) struct Driver {
    io: Io,
    rx: Receiver<Command>,
    pub(super) pc: Weak<PcInner>,
    pub(super) rtc: Rtc,
    pub(super) neg: Neg,
    timeout: Instant,
    pub(super) local_candidates: Vec<Candidate>,
    ice: IceConnectionState,
    dtls: bool,
    disconnected_since: Option<Instant>,
    failed: bool,
    failed_timeout: Duration,
    closing: bool,
    remote_closed: bool,
    pub(super) peer_stats: Option<PeerStats>,
    pub(super) egress: HashMap<Mid, MediaEgressStats>,
    pub(super) ingress: HashMap<Mid, MediaIngressStats>,
    /// Per receiving mid: the first media time seen and the process time it arrived at.
    media_clock: HashMap<Mid, (MediaTime, i64)>,
    /// Receivers that get media, by mid.
    pub(super) receivers: HashMap<String, RTCRtpTransceiver>,
    bwe: Option<u64>,
}

impl Driver {
    fn run(&mut self) {
        let mut events = Events::with_capacity(64);
        let mut buf = vec![0u8; 2048];
        self.drain();
        loop {
            if self.closing && !self.rtc.is_alive() {
                break;
            }
            let now = Instant::now();
            let mut deadline = self.timeout;
            if let Some(since) = self.disconnected_since {
                deadline = deadline.min(since + self.failed_timeout);
            }
            let wait = deadline.saturating_duration_since(now);
            if let Err(e) = self.io.poll.poll(&mut events, Some(wait))
                && e.kind() != std::io::ErrorKind::Interrupted
            {
                tracing::error!("poll failed, the connection stops: {e}");
                break;
            }
            for ev in events.iter() {
                if ev.token() != WAKER {
                    self.read_socket(ev.token().0, &mut buf);
                }
            }
            if !self.commands() {
                break;
            }
            let now = Instant::now();
            if now >= self.timeout {
                let _ = self.mutate(|rtc| rtc.handle_input(Input::Timeout(now)));
            }
            self.check_failed(now);
        }
        self.teardown();
    }

    /// Runs one str0m mutation, then drains its output.
    pub(super) fn mutate<T>(
        &mut self,
        f: impl FnOnce(&mut Rtc) -> std::result::Result<T, str0m::RtcError>,
    ) -> std::result::Result<T, str0m::RtcError> {
        let r = f(&mut self.rtc);
        if let Err(e) = &r {
            tracing::debug!("str0m: {e}");
        }
        self.drain();
        r
    }

    /// Drains str0m's output until it names the next timeout.
    pub(super) fn drain(&mut self) {
        loop {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(t)) => {
                    self.timeout = t;
                    return;
                }
                Ok(Output::Transmit(t)) => self.transmit(t),
                Ok(Output::Event(e)) => self.on_event(e),
                Err(e) => {
                    tracing::warn!("str0m failed: {e}");
                    self.timeout = Instant::now() + Duration::from_secs(3600);
                    if !self.closing {
                        self.fail("the WebRTC stack failed");
                    }
                    return;
                }
            }
        }
    }

    fn transmit(&mut self, t: str0m::net::Transmit) {
        let Some((sock, local)) = self.io.sockets.iter().find(|(_, a)| *a == t.source) else {
            return;
        };
        if !super::ice::reachable(local, &t.destination) {
            return;
        }
        if let Err(e) = sock.send_to(&t.contents, t.destination) {
            tracing::trace!("send to {}: {e}", t.destination);
        }
    }

    fn read_socket(&mut self, i: usize, buf: &mut [u8]) {
        loop {
            let Some((sock, local)) = self.io.sockets.get(i) else {
                return;
            };
            let local = *local;
            let (n, source) = match sock.recv_from(buf) {
                Ok(x) => x,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    tracing::trace!("recv: {e}");
                    return;
                }
            };
            if !super::ice::reachable(&local, &source) || self.closing {
                continue;
            }
            let Ok(r) = Receive::new(Protocol::Udp, source, local, &buf[..n]) else {
                continue;
            };
            let now = Instant::now();
            self.mutate(|rtc| rtc.handle_input(Input::Receive(now, r)))
                .ok();
        }
    }

    /// Takes every queued command; `false` when the connection is gone.
    fn commands(&mut self) -> bool {
        loop {
            match self.rx.try_recv() {
                Ok(Command::Close) => self.close(),
                Ok(c) => self.command(c),
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => {
                    self.close();
                    return self.rtc.is_alive();
                }
            }
        }
    }

    fn command(&mut self, c: Command) {
        if self.closing {
            // Replies are dropped: the futures see InvalidStateError.
            return;
        }
        match c {
            Command::CreateOffer(opts, reply) => {
                let r = self.create_offer(opts);
                self.complete(reply, r, Vec::new());
            }
            Command::CreateAnswer(reply) => {
                let r = self.create_answer();
                self.complete(reply, r, Vec::new());
            }
            Command::SetLocal(desc, reply) => self.set_local(desc, reply),
            Command::SetRemote(desc, reply) => self.set_remote(desc, reply),
            Command::AddCandidate(c, reply) => {
                let r = self.add_candidate(c);
                self.complete(reply, r, Vec::new());
            }
            Command::Stats(filter, reply) => {
                let report = self.stats(filter);
                if let Some(pc) = self.pc.upgrade() {
                    pc.queue(move |_| {
                        let _ = reply.send(Ok(report));
                    });
                }
            }
            Command::Media { mid, codec, packet } => self.write_media(&mid, codec, packet),
            Command::RequestKeyframe(mid) => {
                let m: Mid = mid.as_str().into();
                let _ = self.mutate(|rtc| match rtc.writer(m) {
                    Some(mut w) => {
                        let kind = if w.is_request_keyframe_possible(KeyframeRequestKind::Pli) {
                            KeyframeRequestKind::Pli
                        } else {
                            KeyframeRequestKind::Fir
                        };
                        w.request_keyframe(None, kind)
                    }
                    None => Ok(()),
                });
            }
            Command::Close => self.close(),
        }
    }

    /// Completes an operation of the chain: in a task, the visible state changes (`update`
    /// returns the events to fire), the events fire, the promise settles, and the
    /// negotiation-needed flag is looked at again.
    pub(super) fn complete_with<T: Send + 'static>(
        &self,
        reply: super::Reply<T>,
        result: Result<T>,
        update: impl FnOnce(&mut super::PcState) -> Vec<PeerConnectionEvent> + Send + 'static,
    ) {
        let Some(pc) = self.pc.upgrade() else { return };
        pc.queue(move |pc| {
            let events = {
                let mut s = pc.state.lock();
                s.ops = s.ops.saturating_sub(1);
                if s.closed { Vec::new() } else { update(&mut s) }
            };
            pc.fire(events);
            if pc.is_closed() {
                let _ = reply.send(Err(Error::invalid_state("the RTCPeerConnection is closed")));
            } else {
                let _ = reply.send(result);
            }
            pc.update_negotiation_needed();
        });
    }

    pub(super) fn complete<T: Send + 'static>(
        &self,
        reply: super::Reply<T>,
        result: Result<T>,
        events: Vec<PeerConnectionEvent>,
    ) {
        self.complete_with(reply, result, move |_| events);
    }

    fn on_event(&mut self, e: Event) {
        match e {
            Event::IceConnectionStateChange(s) => {
                self.ice = s;
                match s {
                    IceConnectionState::Disconnected => {
                        self.disconnected_since.get_or_insert_with(Instant::now);
                    }
                    _ => self.disconnected_since = None,
                }
                self.publish_states();
            }
            Event::Connected => {
                self.dtls = true;
                self.publish_states();
                self.update_senders();
            }
            Event::MediaData(d) => self.media_data(d),
            Event::KeyframeRequest(r) => {
                if let Some(t) = self.transceiver(&r.mid.to_string())
                    && let Some(p) = t.sender().inner.pipeline.lock().as_ref()
                {
                    p.request_keyframe();
                }
            }
            Event::StreamPaused(p) => {
                if let Some(t) = self.receivers.get(&p.mid.to_string()) {
                    // Spec: no media for a while mutes the track; media again unmutes it.
                    if p.paused {
                        t.receiver().source().set_muted(true);
                    }
                }
            }
            Event::EgressBitrateEstimate(BweKind::Twcc { estimate, .. }) => {
                self.bwe = Some(estimate.as_u64());
                self.share_bitrate();
            }
            Event::PeerStats(s) => self.peer_stats = Some(s),
            Event::MediaEgressStats(s) => {
                self.egress.insert(s.mid, s);
            }
            Event::MediaIngressStats(s) => {
                self.ingress.insert(s.mid, s);
            }
            Event::Closed => {
                self.remote_closed = true;
                self.end_remote_tracks("the remote peer closed the connection");
            }
            _ => {}
        }
    }

    fn transceiver(&self, mid: &str) -> Option<RTCRtpTransceiver> {
        self.pc.upgrade()?.transceiver_by_mid(mid)
    }

    fn media_data(&mut self, d: MediaData) {
        let mid = d.mid.to_string();
        let Some(t) = self.receivers.get(&mid) else {
            return;
        };
        let Some(codec) = Codec::from_str0m(d.params.spec().codec) else {
            return;
        };
        // Media time to the process clock: the first frame's arrival anchors the mapping.
        let now_us = mediacapture_hal::clock::us_of(d.network_time);
        let anchor = self.media_clock.entry(d.mid).or_insert((d.time, now_us));
        let ts = match d.time.checked_sub(anchor.0) {
            Some(delta) => anchor.1 + delta.as_micros() as i64,
            None => {
                *anchor = (d.time, now_us);
                now_us
            }
        };
        let guard = t.receiver().inner.pipeline.lock();
        let Some(p) = guard.as_ref() else { return };
        if !d.contiguous {
            p.push(Incoming::Gap);
        }
        let item = match codec {
            Codec::Opus => Incoming::Audio(d.data.clone(), ts),
            Codec::Vp8 | Codec::Vp9 => Incoming::Video(crate::codec::EncodedVideoFrame {
                codec,
                key: d.is_keyframe(),
                data: d.data.clone(),
                timestamp_us: ts,
            }),
        };
        p.push(item);
    }

    fn write_media(&mut self, mid: &str, codec: Codec, packet: mediacapture_codec::EncodedPacket) {
        if !self.dtls || self.failed {
            return;
        }
        let m: Mid = mid.into();
        let (clock, rtp) = match codec {
            Codec::Opus => (48_000u64, packet.pts_us.max(0) as u64 * 48 / 1000),
            _ => (90_000u64, packet.pts_us.max(0) as u64 * 9 / 100),
        };
        let _ = clock;
        let wallclock = mediacapture_hal::clock::instant_at(packet.pts_us);
        let time = match codec {
            Codec::Opus => MediaTime::new(rtp, str0m::media::Frequency::FORTY_EIGHT_KHZ),
            _ => MediaTime::from_90khz(rtp),
        };
        let _ = self.mutate(|rtc| {
            let Some(w) = rtc.writer(m) else {
                return Ok(());
            };
            let pt = w
                .payload_params()
                .find(|p| {
                    Codec::from_str0m(p.spec().codec) == Some(codec)
                        && (codec != Codec::Vp9 || p.spec().format.profile_id.unwrap_or(0) == 0)
                })
                .map(|p| p.pt());
            match pt {
                Some(pt) => w.write(pt, wallclock, time, packet.data),
                None => Ok(()),
            }
        });
    }

    /// Starts, updates or stops the send and receive pipelines after a negotiation or a
    /// connection change.
    pub(super) fn update_senders(&mut self) {
        let Some(pc) = self.pc.upgrade() else { return };
        let transceivers = pc.state.lock().transceivers.clone();
        let connected = self.dtls && !self.failed;
        for t in transceivers {
            let st = t.state();
            let Some(mid) = st.mid.clone() else { continue };
            let sends = !st.stopped && st.current_direction.is_some_and(|d| d.sends());
            let codec = self.send_codec(&mid, &t);
            match (sends, codec) {
                (true, Some(codec)) => {
                    t.sender().start_sending(&pc, &mid, codec);
                    if let Some(p) = t.sender().inner.pipeline.lock().as_ref() {
                        p.set_connected(connected);
                    }
                }
                _ => t.sender().stop_sending(),
            }
            let receives = !st.stopped && st.current_direction.is_some_and(|d| d.receives());
            if receives {
                let mut guard = t.receiver().inner.pipeline.lock();
                if guard.is_none() {
                    let driver = pc.driver.clone();
                    let m = mid.clone();
                    match ReceivePipeline::start(
                        t.kind(),
                        t.receiver().source().clone(),
                        pc.decoders.clone(),
                        move || {
                            driver.send(Command::RequestKeyframe(m.clone()));
                        },
                    ) {
                        Ok(p) => *guard = Some(p),
                        Err(e) => tracing::error!("cannot receive on {mid}: {e}"),
                    }
                }
                drop(guard);
                self.receivers.insert(mid, t.clone());
            } else if self.receivers.remove(&mid).is_some() {
                t.receiver().inner.pipeline.lock().take();
            }
        }
        self.share_bitrate();
    }

    /// The codec to send on `mid`: the first of the remote's payload types we can encode
    /// that the transceiver's preferences allow.
    fn send_codec(&mut self, mid: &str, t: &RTCRtpTransceiver) -> Option<Codec> {
        let rank = t.codec_rank();
        let m: Mid = mid.into();
        let media = self.rtc.media(m)?;
        let remote: Vec<str0m::media::Pt> = media.remote_pts().to_vec();
        let params = self.rtc.codec_config().params();
        remote.iter().find_map(|pt| {
            let p = params.iter().find(|p| p.pt() == *pt)?;
            let c = Codec::from_str0m(p.spec().codec)?;
            if c == Codec::Vp9 && p.spec().format.profile_id.unwrap_or(0) != 0 {
                return None;
            }
            rank.contains(&c).then_some(c)
        })
    }

    /// Shares the bandwidth estimate among the video senders (audio takes its fixed rate
    /// first), and tells str0m how much we would like.
    fn share_bitrate(&mut self) {
        let Some(pc) = self.pc.upgrade() else { return };
        let transceivers = pc.state.lock().transceivers.clone();
        let mut video = Vec::new();
        let mut audio_bps = 0u64;
        let mut desired = 0u64;
        for t in &transceivers {
            let pipeline = t.sender().inner.pipeline.lock();
            if pipeline.is_none() || t.sender().track().is_none() {
                continue;
            }
            let e = t.sender().encoding();
            match t.kind() {
                TrackKind::Audio => {
                    let b = u64::from(e.max_bitrate.unwrap_or(crate::send::DEFAULT_AUDIO_BITRATE));
                    audio_bps += b;
                    desired += b;
                }
                TrackKind::Video => {
                    desired +=
                        u64::from(e.max_bitrate.unwrap_or(crate::send::DEFAULT_VIDEO_BITRATE));
                    video.push(t.clone());
                }
            }
        }
        if desired > 0 {
            let _ = self.mutate(|rtc| {
                rtc.bwe().set_bitrate(
                    str0m::bwe::Bitrate::kbps(100),
                    str0m::bwe::Bitrate::bps(desired),
                );
                Ok(())
            });
        }
        if let (Some(est), false) = (self.bwe, video.is_empty()) {
            let share = est.saturating_sub(audio_bps) / video.len() as u64;
            for t in video {
                if let Some(p) = t.sender().inner.pipeline.lock().as_ref() {
                    p.set_bwe_bitrate(share.min(u64::from(u32::MAX)) as u32);
                }
            }
        }
    }

    fn ice_state(&self) -> RTCIceConnectionState {
        if self.failed {
            return RTCIceConnectionState::Failed;
        }
        match self.ice {
            IceConnectionState::New => RTCIceConnectionState::New,
            // str0m checks from the start; the spec's `checking` needs remote candidates
            // (a remote description) first.
            IceConnectionState::Checking if self.neg.remote_mids.is_empty() => {
                RTCIceConnectionState::New
            }
            IceConnectionState::Checking => RTCIceConnectionState::Checking,
            IceConnectionState::Connected => RTCIceConnectionState::Connected,
            IceConnectionState::Completed => RTCIceConnectionState::Completed,
            IceConnectionState::Disconnected => RTCIceConnectionState::Disconnected,
        }
    }

    /// `connectionState` from the ICE and DTLS states.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#rtcpeerconnectionstate-enum>
    fn connection_state(&self) -> RTCPeerConnectionState {
        use RTCIceConnectionState as I;
        match self.ice_state() {
            I::Failed => RTCPeerConnectionState::Failed,
            I::Disconnected => RTCPeerConnectionState::Disconnected,
            I::New => RTCPeerConnectionState::New,
            I::Checking => RTCPeerConnectionState::Connecting,
            I::Connected | I::Completed if self.dtls => RTCPeerConnectionState::Connected,
            I::Connected | I::Completed => RTCPeerConnectionState::Connecting,
            I::Closed => RTCPeerConnectionState::Closed,
        }
    }

    /// Queues a task that updates `iceConnectionState` and `connectionState`, firing their
    /// events when they change.
    pub(super) fn publish_states(&self) {
        let ice = self.ice_state();
        let conn = self.connection_state();
        let Some(pc) = self.pc.upgrade() else { return };
        pc.queue(move |pc| {
            let mut events = Vec::new();
            {
                let mut s = pc.state.lock();
                if s.closed {
                    return;
                }
                if s.ice_connection != ice {
                    s.ice_connection = ice;
                    events.push(PeerConnectionEvent::IceConnectionStateChange(ice));
                }
                if s.connection != conn {
                    s.connection = conn;
                    events.push(PeerConnectionEvent::ConnectionStateChange(conn));
                }
            }
            pc.fire(events);
        });
    }

    fn check_failed(&mut self, now: Instant) {
        if let Some(since) = self.disconnected_since
            && !self.failed
            && now >= since + self.failed_timeout
        {
            self.fail("ICE connectivity was lost");
        }
    }

    /// ICE failed for good: the states say so, sending stops, the remote tracks end.
    fn fail(&mut self, why: &str) {
        self.failed = true;
        self.disconnected_since = None;
        self.publish_states();
        self.update_senders();
        self.end_remote_tracks(why);
    }

    fn end_remote_tracks(&mut self, why: &str) {
        for (_, t) in self.receivers.drain() {
            t.receiver().inner.pipeline.lock().take();
            t.receiver().source().end(why);
        }
    }

    fn close(&mut self) {
        if self.closing {
            return;
        }
        self.closing = true;
        for (_, t) in self.receivers.drain() {
            t.receiver().inner.pipeline.lock().take();
        }
        if let Some(pc) = self.pc.upgrade() {
            for t in pc.state.lock().transceivers.clone() {
                t.stop_media();
            }
        }
        // Sends RTCP BYE and DTLS close_notify; the loop ends once they are out.
        let _ = self.mutate(|rtc| rtc.close());
    }

    fn teardown(&mut self) {
        self.closing = true;
        if let Some(pc) = self.pc.upgrade() {
            for t in pc.state.lock().transceivers.clone() {
                t.stop_media();
            }
        }
        self.receivers.clear();
        // Drop queued commands (their futures then reject).
        while self.rx.try_recv().is_ok() {}
        let _ = self.remote_closed;
    }
}
