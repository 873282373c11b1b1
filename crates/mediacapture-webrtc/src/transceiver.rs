//! `RTCRtpTransceiver`, `RTCRtpSender`, `RTCRtpReceiver`.
//!
//! Spec: <https://w3c.github.io/webrtc-pc/#rtp-media-api>

use crate::codec::Codec;
use crate::pc::{Command, PcInner};
use crate::receive::{ReceivePipeline, RemoteSource};
use crate::send::{EncodingParams, SendPipeline};
use crate::stats::RTCStatsReport;
use crate::types::{
    RTCRtcpParameters, RTCRtpCapabilities, RTCRtpCodec, RTCRtpCodecParameters,
    RTCRtpEncodingParameters, RTCRtpHeaderExtensionCapability, RTCRtpReceiveParameters,
    RTCRtpSendParameters, RTCRtpTransceiverDirection as Dir,
};
use crate::{Error, Result};
use mediacapture::{MediaStreamTrack, TrackKind};
use parking_lot::Mutex;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The codecs this implementation can send and receive for `kind`, in preference order.
pub(crate) fn codecs_for(kind: TrackKind) -> Vec<RTCRtpCodec> {
    match kind {
        TrackKind::Audio => vec![RTCRtpCodec {
            mime_type: Codec::Opus.mime_type().into(),
            clock_rate: 48_000,
            channels: Some(2),
            sdp_fmtp_line: Some("minptime=10;useinbandfec=1".into()),
        }],
        TrackKind::Video => vec![
            RTCRtpCodec {
                mime_type: Codec::Vp8.mime_type().into(),
                clock_rate: 90_000,
                channels: None,
                sdp_fmtp_line: None,
            },
            RTCRtpCodec {
                mime_type: Codec::Vp9.mime_type().into(),
                clock_rate: 90_000,
                channels: None,
                sdp_fmtp_line: Some("profile-id=0".into()),
            },
        ],
    }
}

/// `RTCRtpSender.getCapabilities(kind)` / `RTCRtpReceiver.getCapabilities(kind)`: the same
/// codecs both ways. `None` for a kind that is neither `"audio"` nor `"video"`.
pub fn capabilities(kind: &str) -> Option<RTCRtpCapabilities> {
    let kind = match kind {
        "audio" => TrackKind::Audio,
        "video" => TrackKind::Video,
        _ => return None,
    };
    Some(RTCRtpCapabilities {
        codecs: codecs_for(kind),
        header_extensions: [
            "urn:ietf:params:rtp-hdrext:sdes:mid",
            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        ]
        .into_iter()
        .map(|uri| RTCRtpHeaderExtensionCapability { uri: uri.into() })
        .collect(),
    })
}

/// The negotiation-visible state of a transceiver.
#[derive(Debug, Clone)]
pub(crate) struct TransceiverState {
    pub(crate) mid: Option<String>,
    pub(crate) direction: Dir,
    pub(crate) current_direction: Option<Dir>,
    pub(crate) stopping: bool,
    pub(crate) stopped: bool,
    pub(crate) codec_preferences: Vec<RTCRtpCodec>,
    pub(crate) from_add_track: bool,
    /// The direction our last applied local description gave its section.
    pub(crate) local_direction: Option<Dir>,
    /// The stream ids our last applied local description gave its section.
    pub(crate) local_stream_ids: Option<Vec<String>>,
    /// The remote is sending on it (its track was "added").
    pub(crate) receiving: bool,
    /// `currentDirection` was once `sendrecv` or `sendonly` (the sender was used to send:
    /// `addTrack` never reuses it).
    pub(crate) has_sent: bool,
}

impl TransceiverState {
    /// Sets `currentDirection` after a negotiation.
    pub(crate) fn set_current_direction(&mut self, d: Dir) {
        self.has_sent |= d.sends();
        self.current_direction = Some(d);
    }
}

pub(crate) struct TransceiverInner {
    pub(crate) id: u64,
    pub(crate) kind: TrackKind,
    pub(crate) sender: RTCRtpSender,
    pub(crate) receiver: RTCRtpReceiver,
    pub(crate) state: Mutex<TransceiverState>,
    pub(crate) pc: Weak<PcInner>,
}

/// `RTCRtpTransceiver`: a sender and a receiver sharing one media section (mid). `Clone`
/// copies the handle.
#[derive(Clone)]
pub struct RTCRtpTransceiver {
    pub(crate) inner: Arc<TransceiverInner>,
}

impl std::fmt::Debug for RTCRtpTransceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.inner.state.lock();
        f.debug_struct("RTCRtpTransceiver")
            .field("mid", &s.mid)
            .field("kind", &self.inner.kind)
            .field("direction", &s.direction)
            .field("currentDirection", &s.current_direction)
            .finish()
    }
}

impl PartialEq for RTCRtpTransceiver {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}
impl Eq for RTCRtpTransceiver {}

impl RTCRtpTransceiver {
    /// Spec: <https://w3c.github.io/webrtc-pc/#dfn-create-an-rtcrtptransceiver>
    pub(crate) fn create(
        pc: &Arc<PcInner>,
        kind: TrackKind,
        track: Option<&MediaStreamTrack>,
        direction: Dir,
        stream_ids: Vec<String>,
        from_add_track: bool,
    ) -> Result<RTCRtpTransceiver> {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let source = Arc::new(RemoteSource::new(kind, &format!("webrtc-{id}"))?);
        let inner = Arc::new_cyclic(|me: &Weak<TransceiverInner>| TransceiverInner {
            id,
            kind,
            sender: RTCRtpSender {
                inner: Arc::new(SenderInner {
                    kind,
                    transceiver: me.clone(),
                    pc: Arc::downgrade(pc),
                    track: Mutex::new(track.cloned()),
                    stream_ids: Mutex::new(stream_ids),
                    params: Mutex::new(ParamsState::default()),
                    pipeline: Mutex::new(None),
                    codec: Mutex::new(None),
                }),
            },
            receiver: RTCRtpReceiver {
                inner: Arc::new(ReceiverInner {
                    kind,
                    source,
                    pipeline: Mutex::new(None),
                    transceiver: me.clone(),
                    pc: Arc::downgrade(pc),
                }),
            },
            state: Mutex::new(TransceiverState {
                mid: None,
                direction,
                current_direction: None,
                stopping: false,
                stopped: false,
                codec_preferences: Vec::new(),
                from_add_track,
                local_direction: None,
                local_stream_ids: None,
                receiving: false,
                has_sent: false,
            }),
            pc: Arc::downgrade(pc),
        });
        Ok(RTCRtpTransceiver { inner })
    }

    /// The media section's id, once negotiated.
    pub fn mid(&self) -> Option<String> {
        self.inner.state.lock().mid.clone()
    }

    /// `"audio"` or `"video"` (the receiver's track's kind).
    pub fn kind(&self) -> TrackKind {
        self.inner.kind
    }

    /// The sender.
    pub fn sender(&self) -> &RTCRtpSender {
        &self.inner.sender
    }

    /// The receiver.
    pub fn receiver(&self) -> &RTCRtpReceiver {
        &self.inner.receiver
    }

    /// The preferred direction.
    pub fn direction(&self) -> Dir {
        self.inner.state.lock().direction
    }

    /// Sets the preferred direction (takes effect with the next negotiation).
    ///
    /// Errors: `InvalidStateError` when the connection is closed or the transceiver stopped
    /// or stopping; `TypeError` for `stopped` (use [`RTCRtpTransceiver::stop`]).
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtptransceiver-direction>
    pub fn set_direction(&self, direction: Dir) -> Result<()> {
        if self.inner.pc.upgrade().is_none_or(|pc| pc.is_closed()) {
            return Err(Error::invalid_state("the RTCPeerConnection is closed"));
        }
        if direction == Dir::Stopped {
            return Err(Error::type_error(
                "direction cannot be set to \"stopped\"; call stop()",
            ));
        }
        {
            let mut s = self.inner.state.lock();
            if s.stopped || s.stopping {
                return Err(Error::invalid_state("the transceiver is stopped"));
            }
            if s.direction == direction {
                return Ok(());
            }
            s.direction = direction;
        }
        if let Some(pc) = self.inner.pc.upgrade() {
            pc.update_negotiation_needed();
        }
        Ok(())
    }

    /// The direction negotiated last (`None` before the first negotiation).
    pub fn current_direction(&self) -> Option<Dir> {
        let s = self.inner.state.lock();
        if s.stopped {
            return Some(Dir::Stopped);
        }
        s.current_direction
    }

    /// Stops the transceiver: nothing is sent or received any more, the receiver's track
    /// ends, and the next negotiation rejects its section.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtptransceiver-stop>
    pub fn stop(&self) -> Result<()> {
        let pc = self.inner.pc.upgrade();
        if pc.as_ref().is_none_or(|pc| pc.is_closed()) {
            return Err(Error::invalid_state("the RTCPeerConnection is closed"));
        }
        {
            let mut s = self.inner.state.lock();
            if s.stopping || s.stopped {
                return Ok(());
            }
            s.stopping = true;
            s.direction = Dir::Stopped;
        }
        self.stop_media();
        if let Some(pc) = pc {
            pc.update_negotiation_needed();
        }
        Ok(())
    }

    /// Stops sending and receiving and ends the receiver's track (no event).
    pub(crate) fn stop_media(&self) {
        self.inner.sender.inner.pipeline.lock().take();
        self.inner.receiver.inner.pipeline.lock().take();
        self.inner.receiver.inner.source.stop();
    }

    /// Sets the codecs to offer or answer with, in preference order; an empty list restores
    /// the defaults.
    ///
    /// Errors: `InvalidModificationError` for a codec that is not one of
    /// `RTCRtpReceiver.getCapabilities(kind)`'s (mime type and clock rate compared, and
    /// channels when given).
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtptransceiver-setcodecpreferences>
    pub fn set_codec_preferences(&self, codecs: Vec<RTCRtpCodec>) -> Result<()> {
        let supported = codecs_for(self.inner.kind);
        for c in &codecs {
            let ok = supported.iter().any(|s| {
                s.mime_type.eq_ignore_ascii_case(&c.mime_type)
                    && s.clock_rate == c.clock_rate
                    && c.channels.is_none_or(|ch| Some(ch) == s.channels)
            });
            if !ok {
                return Err(Error::new(
                    crate::ErrorKind::InvalidModificationError,
                    format!(
                        "{} at {} Hz is not a codec this receiver supports",
                        c.mime_type, c.clock_rate
                    ),
                ));
            }
        }
        self.inner.state.lock().codec_preferences = codecs;
        Ok(())
    }

    pub(crate) fn state(&self) -> TransceiverState {
        self.inner.state.lock().clone()
    }

    /// The codecs to negotiate, by rank (lower first): the preferences, or all ours.
    pub(crate) fn codec_rank(&self) -> Vec<Codec> {
        let prefs = self.inner.state.lock().codec_preferences.clone();
        let list = if prefs.is_empty() {
            codecs_for(self.inner.kind)
        } else {
            prefs
        };
        let mut out = Vec::new();
        for c in list {
            if let Some(codec) = Codec::from_mime_type(&c.mime_type)
                && !out.contains(&codec)
            {
                out.push(codec);
            }
        }
        out
    }
}

#[derive(Default)]
struct ParamsState {
    encoding: EncodingParams,
    /// The transaction id of the last `getParameters`, until a task clears it.
    transaction: Option<String>,
}

pub(crate) struct SenderInner {
    kind: TrackKind,
    transceiver: Weak<TransceiverInner>,
    pc: Weak<PcInner>,
    track: Mutex<Option<MediaStreamTrack>>,
    pub(crate) stream_ids: Mutex<Vec<String>>,
    params: Mutex<ParamsState>,
    pub(crate) pipeline: Mutex<Option<SendPipeline>>,
    pub(crate) codec: Mutex<Option<Codec>>,
}

/// `RTCRtpSender`. `Clone` copies the handle.
#[derive(Clone)]
pub struct RTCRtpSender {
    pub(crate) inner: Arc<SenderInner>,
}

impl std::fmt::Debug for RTCRtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RTCRtpSender")
            .field("kind", &self.inner.kind)
            .field("track", &*self.inner.track.lock())
            .finish()
    }
}

impl PartialEq for RTCRtpSender {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}
impl Eq for RTCRtpSender {}

impl RTCRtpSender {
    /// The track being sent, if any.
    pub fn track(&self) -> Option<MediaStreamTrack> {
        self.inner.track.lock().clone()
    }

    /// The kind of media this sender sends.
    pub fn kind(&self) -> TrackKind {
        self.inner.kind
    }

    /// `RTCRtpSender.getCapabilities(kind)`.
    pub fn get_capabilities(kind: &str) -> Option<RTCRtpCapabilities> {
        capabilities(kind)
    }

    pub(crate) fn transceiver(&self) -> Option<RTCRtpTransceiver> {
        self.inner
            .transceiver
            .upgrade()
            .map(|inner| RTCRtpTransceiver { inner })
    }

    pub(crate) fn set_track_internal(&self, track: Option<MediaStreamTrack>) {
        *self.inner.track.lock() = track.clone();
        if let Some(p) = self.inner.pipeline.lock().as_mut() {
            p.set_track(track.as_ref());
        }
    }

    /// Sends `track` instead of the current one, without renegotiation.
    ///
    /// Errors: `InvalidStateError` when the connection is closed or the transceiver is
    /// stopping; `TypeError` when the track's kind differs from the sender's.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtpsender-replacetrack>
    pub fn replace_track(
        &self,
        track: Option<&MediaStreamTrack>,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let result = (|| {
            if self.inner.pc.upgrade().is_none_or(|pc| pc.is_closed()) {
                return Err(Error::invalid_state("the RTCPeerConnection is closed"));
            }
            if let Some(t) = track
                && t.kind() != self.inner.kind
            {
                return Err(Error::type_error(format!(
                    "a {} track cannot replace a {} sender's",
                    t.kind(),
                    self.inner.kind
                )));
            }
            if let Some(tr) = self.transceiver() {
                let s = tr.inner.state.lock();
                if s.stopping || s.stopped {
                    return Err(Error::invalid_state("the transceiver is stopped"));
                }
            }
            self.set_track_internal(track.cloned());
            Ok(())
        })();
        std::future::ready(result)
    }

    /// The stream ids the track is associated with in the next negotiation.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtpsender-setstreams>
    pub fn set_streams(&self, stream_ids: &[&str]) -> Result<()> {
        let pc = self.inner.pc.upgrade();
        if pc.as_ref().is_none_or(|pc| pc.is_closed()) {
            return Err(Error::invalid_state("the RTCPeerConnection is closed"));
        }
        let mut ids: Vec<String> = Vec::new();
        for s in stream_ids {
            if !ids.iter().any(|i| i == s) {
                ids.push((*s).to_string());
            }
        }
        *self.inner.stream_ids.lock() = ids;
        if let Some(pc) = pc {
            pc.update_negotiation_needed();
        }
        Ok(())
    }

    /// The current parameters; pass them (changed) to
    /// [`RTCRtpSender::set_parameters`].
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtpsender-getparameters>
    pub fn get_parameters(&self) -> RTCRtpSendParameters {
        let transaction = uuid::Uuid::new_v4().to_string();
        let encoding = {
            let mut p = self.inner.params.lock();
            p.transaction = Some(transaction.clone());
            p.encoding
        };
        let codecs = self.negotiated_codecs();
        RTCRtpSendParameters {
            transaction_id: transaction,
            encodings: vec![RTCRtpEncodingParameters {
                rid: None,
                active: encoding.active,
                max_bitrate: encoding.max_bitrate,
                max_framerate: encoding.max_framerate,
                scale_resolution_down_by: match self.inner.kind {
                    TrackKind::Video => Some(encoding.scale_resolution_down_by),
                    TrackKind::Audio => None,
                },
            }],
            header_extensions: Vec::new(),
            rtcp: RTCRtcpParameters {
                cname: None,
                reduced_size: false,
            },
            codecs,
        }
    }

    fn negotiated_codecs(&self) -> Vec<RTCRtpCodecParameters> {
        let Some(codec) = *self.inner.codec.lock() else {
            return Vec::new();
        };
        codecs_for(self.inner.kind)
            .into_iter()
            .filter(|c| Codec::from_mime_type(&c.mime_type) == Some(codec))
            .map(|c| RTCRtpCodecParameters {
                codec: c,
                payload_type: match codec {
                    Codec::Vp8 => 96,
                    Codec::Vp9 => 98,
                    Codec::Opus => 111,
                },
            })
            .collect()
    }

    /// Applies `active`, `maxBitrate`, `maxFramerate` and `scaleResolutionDownBy` of the one
    /// encoding.
    ///
    /// Errors: `InvalidStateError` when the connection is closed, the transceiver stopped,
    /// or `getParameters` was not called (or its transaction id is not this one);
    /// `InvalidModificationError` when the number of encodings or a read-only member
    /// changed; `RangeError`-like `TypeError` for `scaleResolutionDownBy` < 1 and for
    /// `scaleResolutionDownBy` on audio (Chromium throws there too).
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-rtcrtpsender-setparameters>
    pub fn set_parameters(
        &self,
        parameters: RTCRtpSendParameters,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        std::future::ready(self.set_parameters_now(parameters))
    }

    pub(crate) fn set_parameters_now(&self, p: RTCRtpSendParameters) -> Result<()> {
        if self.inner.pc.upgrade().is_none_or(|pc| pc.is_closed()) {
            return Err(Error::invalid_state("the RTCPeerConnection is closed"));
        }
        if let Some(tr) = self.transceiver()
            && tr.inner.state.lock().stopping
        {
            return Err(Error::invalid_state("the transceiver is stopped"));
        }
        let mut st = self.inner.params.lock();
        match &st.transaction {
            None => {
                return Err(Error::invalid_state(
                    "getParameters() must be called before setParameters()",
                ));
            }
            Some(t) if *t != p.transaction_id => {
                return Err(Error::new(
                    crate::ErrorKind::InvalidModificationError,
                    "transactionId is not the one getParameters() returned last",
                ));
            }
            Some(_) => {}
        }
        if p.encodings.len() != 1 || p.encodings[0].rid.is_some() {
            return Err(Error::new(
                crate::ErrorKind::InvalidModificationError,
                "the number of encodings (or their rid) cannot change",
            ));
        }
        let e = &p.encodings[0];
        let scale = match (self.inner.kind, e.scale_resolution_down_by) {
            (TrackKind::Audio, Some(_)) => {
                return Err(Error::type_error(
                    "scaleResolutionDownBy does not apply to audio",
                ));
            }
            (_, Some(s)) if s.is_nan() || s < 1.0 || !s.is_finite() => {
                return Err(Error::type_error(format!(
                    "scaleResolutionDownBy must be at least 1 (got {s})"
                )));
            }
            (_, s) => s.unwrap_or(1.0),
        };
        if e.max_framerate
            .is_some_and(|f| f.is_nan() || f < 0.0 || !f.is_finite())
        {
            return Err(Error::type_error(
                "maxFramerate must be a non-negative number",
            ));
        }
        let encoding = EncodingParams {
            active: e.active,
            max_bitrate: e.max_bitrate,
            max_framerate: e.max_framerate.filter(|f| *f > 0.0),
            scale_resolution_down_by: scale,
        };
        st.encoding = encoding;
        // Spec: the transaction ends; a later setParameters needs a new getParameters.
        st.transaction = None;
        drop(st);
        if let Some(p) = self.inner.pipeline.lock().as_ref() {
            p.set_params(encoding);
        }
        Ok(())
    }

    pub(crate) fn encoding(&self) -> EncodingParams {
        self.inner.params.lock().encoding
    }

    /// Statistics of this sender: its `outbound-rtp` and what it refers to.
    pub fn get_stats(&self) -> impl Future<Output = Result<RTCStatsReport>> + Send + 'static {
        let pc = self.inner.pc.upgrade();
        let mid = self.transceiver().and_then(|t| t.mid());
        let fut = pc.map(|pc| pc.request_stats(Some((mid, true))));
        async move {
            match fut {
                Some(f) => f.await,
                None => Err(Error::invalid_state("the RTCPeerConnection is gone")),
            }
        }
    }

    /// Starts (or updates) sending on `mid` with `codec`.
    pub(crate) fn start_sending(&self, pc: &PcInner, mid: &str, codec: Codec) {
        *self.inner.codec.lock() = Some(codec);
        let mut pipeline = self.inner.pipeline.lock();
        if pipeline.is_none() {
            let driver = pc.driver.clone();
            let mid_owned = mid.to_string();
            let out: crate::send::PacketSink = Arc::new(move |codec, packet| {
                driver.send(Command::Media {
                    mid: mid_owned.clone(),
                    codec,
                    packet,
                });
            });
            match SendPipeline::start(self.inner.kind, out) {
                Ok(mut p) => {
                    p.set_params(self.encoding());
                    p.set_track(self.inner.track.lock().as_ref());
                    *pipeline = Some(p);
                }
                Err(e) => tracing::error!("cannot send on {mid}: {e}"),
            }
        }
        if let Some(p) = pipeline.as_ref() {
            p.set_codec(codec);
        }
    }

    /// Stops sending (the section no longer sends).
    pub(crate) fn stop_sending(&self) {
        self.inner.pipeline.lock().take();
    }
}

pub(crate) struct ReceiverInner {
    kind: TrackKind,
    pub(crate) source: Arc<RemoteSource>,
    pub(crate) pipeline: Mutex<Option<ReceivePipeline>>,
    transceiver: Weak<TransceiverInner>,
    pc: Weak<PcInner>,
}

/// `RTCRtpReceiver`. Its track exists from the start (muted until media arrives). `Clone`
/// copies the handle.
#[derive(Clone)]
pub struct RTCRtpReceiver {
    pub(crate) inner: Arc<ReceiverInner>,
}

impl std::fmt::Debug for RTCRtpReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RTCRtpReceiver")
            .field("track", &self.inner.source.track)
            .finish()
    }
}

impl PartialEq for RTCRtpReceiver {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}
impl Eq for RTCRtpReceiver {}

impl RTCRtpReceiver {
    /// The remote track: an ordinary `MediaStreamTrack` (record it, clone it, read its
    /// frames, apply constraints).
    pub fn track(&self) -> MediaStreamTrack {
        self.inner.source.track.clone()
    }

    /// `RTCRtpReceiver.getCapabilities(kind)`.
    pub fn get_capabilities(kind: &str) -> Option<RTCRtpCapabilities> {
        capabilities(kind)
    }

    /// The negotiated receive parameters.
    pub fn get_parameters(&self) -> RTCRtpReceiveParameters {
        RTCRtpReceiveParameters {
            header_extensions: Vec::new(),
            rtcp: RTCRtcpParameters::default(),
            codecs: codecs_for(self.inner.kind)
                .into_iter()
                .map(|c| RTCRtpCodecParameters {
                    payload_type: match Codec::from_mime_type(&c.mime_type) {
                        Some(Codec::Vp9) => 98,
                        Some(Codec::Opus) => 111,
                        _ => 96,
                    },
                    codec: c,
                })
                .collect(),
        }
    }

    /// Statistics of this receiver: its `inbound-rtp` and what it refers to.
    pub fn get_stats(&self) -> impl Future<Output = Result<RTCStatsReport>> + Send + 'static {
        let pc = self.inner.pc.upgrade();
        let mid = self
            .inner
            .transceiver
            .upgrade()
            .and_then(|t| t.state.lock().mid.clone());
        let fut = pc.map(|pc| pc.request_stats(Some((mid, false))));
        async move {
            match fut {
                Some(f) => f.await,
                None => Err(Error::invalid_state("the RTCPeerConnection is gone")),
            }
        }
    }

    pub(crate) fn source(&self) -> &Arc<RemoteSource> {
        &self.inner.source
    }
}
