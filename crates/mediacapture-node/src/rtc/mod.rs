//! `RTCPeerConnection` (webrtc-pc) on `mediacapture-webrtc`: thin handles, as the rest of the
//! addon. The DOM shapes (`RTCPeerConnection` as an `EventTarget`, its `RTCRtpTransceiver`
//! objects kept one per native transceiver, `RTCSessionDescription`, `RTCIceCandidate`, the
//! events) are `lib/rtc.js`'s.
//!
//! Promises settle through the event sink: an asynchronous call takes an operation number
//! and, when the library's future resolves, a `settle` event `{op, ok, value | error}` goes to
//! the connection's target. The library settles its futures in a task on the connection's
//! event loop *after* that task fired its events, and the futures are polled on that same
//! loop ([`spawn_on`]), so JavaScript sees e.g. `signalingstatechange` before the
//! `setLocalDescription` promise resolves, as the spec orders them. The connection runs on
//! the `MediaDevices`' event loop, so its events and its tracks' events keep one order.

mod rtp;

pub use rtp::{NativeReceiver, NativeSender, NativeTrackEvent, NativeTransceiver};

use crate::devices::NativeDevices;
use crate::errors::{js, type_error};
use crate::events::emit;
use crate::lock;
use crate::stream::NativeStream;
use crate::to_json_text;
use crate::track::NativeTrack;
use mediacapture::{EventLoop, MediaStream};
use mediacapture_webrtc::{
    HostCandidates, PeerConnectionEvent, RTCConfiguration, RTCIceCandidateInit, RTCOfferOptions,
    RTCPeerConnection, RTCRtpEncodingParameters, RTCRtpTransceiver, RTCRtpTransceiverDirection,
    RTCRtpTransceiverInit, RTCSessionDescriptionInit, RTCTrackEvent, TrackOrKind,
};
use napi_derive::napi;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

/// A future polled on an event loop: each wake queues one poll as a task of that loop.
struct LoopTask {
    el: EventLoop,
    fut: Mutex<Option<Pin<Box<dyn Future<Output = ()> + Send>>>>,
}

impl Wake for LoopTask {
    fn wake(self: Arc<Self>) {
        let el = self.el.clone();
        el.queue(move || poll_task(&self));
    }
}

fn poll_task(task: &Arc<LoopTask>) {
    let mut slot = lock(&task.fut);
    if let Some(fut) = slot.as_mut() {
        let waker = Waker::from(task.clone());
        if fut
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_ready()
        {
            *slot = None;
        }
    }
}

/// Runs `fut` on `el` (no thread waits for it).
pub(crate) fn spawn_on(el: &EventLoop, fut: impl Future<Output = ()> + Send + 'static) {
    let task = Arc::new(LoopTask {
        el: el.clone(),
        fut: Mutex::new(Some(Box::pin(fut))),
    });
    task.wake();
}

/// Where a connection's promises settle: its event loop and its JavaScript target.
#[derive(Clone)]
pub(crate) struct Settler {
    el: EventLoop,
    target: u32,
}

impl Settler {
    /// Settles operation `op` with what `fut` gives (its value as JSON, or the error JSON).
    pub(crate) fn settle<T, F>(&self, op: u32, fut: F)
    where
        F: Future<Output = mediacapture::Result<T>> + Send + 'static,
        T: Into<Value>,
    {
        let target = self.target;
        spawn_on(&self.el, async move {
            let payload = match fut.await {
                Ok(v) => json!({ "op": op, "ok": true, "value": v.into() }),
                Err(e) => json!({ "op": op, "ok": false, "error": e.to_json() }),
            };
            emit(target, "settle", payload.to_string());
        });
    }
}

fn description_json(d: RTCSessionDescriptionInit) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str, what: &str) -> napi::Result<T> {
    serde_json::from_str(text).map_err(|e| type_error(format!("not an {what}: {e}")))
}

/// `RTCRtpTransceiverInit` as JSON (the streams come separately, as handles).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TransceiverInitJson {
    direction: RTCRtpTransceiverDirection,
    send_encodings: Vec<RTCRtpEncodingParameters>,
}

/// Creates a connection on the event loop of `devices` (so its events and its remote tracks'
/// events keep one order), delivering its events to `target`. `config` is the
/// `RTCConfiguration` as JSON (TypeError when it is not one; SyntaxError /
/// InvalidAccessError for bad `iceServers`, as the spec says). `host_candidates` is the
/// nonstandard choice of local addresses: `"loopback"` (127.0.0.1 only), else the
/// interfaces (as a browser).
#[napi]
pub fn create_peer_connection(
    devices: &NativeDevices,
    config: String,
    host_candidates: Option<String>,
    target: u32,
) -> napi::Result<NativePeerConnection> {
    let config = js(RTCConfiguration::from_json(&config))?;
    let hosts = match host_candidates.as_deref() {
        Some("loopback") => HostCandidates::Loopback,
        _ => HostCandidates::Interfaces,
    };
    let el = devices.md.event_loop().clone();
    let pc = js(RTCPeerConnection::builder()
        .configuration(config)
        .event_loop(el.clone())
        .host_candidates(hosts)
        .build())?;
    let track_events: Arc<Mutex<VecDeque<RTCTrackEvent>>> = Arc::default();
    let pending = track_events.clone();
    pc.add_event_listener(move |e| {
        let payload = match e {
            PeerConnectionEvent::NegotiationNeeded => String::new(),
            PeerConnectionEvent::IceCandidate(c) => json!({ "candidate": c }).to_string(),
            PeerConnectionEvent::IceGatheringStateChange(s) => to_json_text(s),
            PeerConnectionEvent::IceConnectionStateChange(s) => to_json_text(s),
            PeerConnectionEvent::ConnectionStateChange(s) => to_json_text(s),
            PeerConnectionEvent::SignalingStateChange(s) => to_json_text(s),
            PeerConnectionEvent::Track(t) => {
                lock(&pending).push_back(t.clone());
                String::new()
            }
        };
        emit(target, e.event_type(), payload);
    });
    Ok(NativePeerConnection {
        pc,
        settler: Settler { el, target },
        keys: Mutex::default(),
        track_events,
    })
}

/// An `RTCPeerConnection`.
#[napi]
pub struct NativePeerConnection {
    pc: RTCPeerConnection,
    settler: Settler,
    /// Every transceiver this connection has had, by key (its index): JavaScript keeps one
    /// object per key.
    keys: Mutex<Vec<RTCRtpTransceiver>>,
    /// The `track` events delivered and not yet taken, in order.
    track_events: Arc<Mutex<VecDeque<RTCTrackEvent>>>,
}

impl NativePeerConnection {
    fn key_of(&self, t: &RTCRtpTransceiver) -> u32 {
        let mut keys = lock(&self.keys);
        let i = keys.iter().position(|k| k == t).unwrap_or_else(|| {
            keys.push(t.clone());
            keys.len() - 1
        });
        u32::try_from(i).unwrap_or(u32::MAX)
    }

    fn transceiver_by_key(&self, key: u32) -> napi::Result<RTCRtpTransceiver> {
        lock(&self.keys)
            .get(key as usize)
            .cloned()
            .ok_or_else(|| type_error("no such transceiver"))
    }
}

fn streams_of(streams: Vec<&NativeStream>) -> Vec<MediaStream> {
    streams.into_iter().map(|s| s.s.clone()).collect()
}

#[napi]
impl NativePeerConnection {
    /// `createOffer(options)` (options as JSON), settling `op`.
    #[napi]
    pub fn create_offer(&self, op: u32, options: String) -> napi::Result<()> {
        let options: RTCOfferOptions = parse(&options, "RTCOfferOptions")?;
        let fut = self.pc.create_offer(options);
        self.settler
            .settle(op, async move { fut.await.map(description_json) });
        Ok(())
    }

    /// `createAnswer()`, settling `op`.
    #[napi]
    pub fn create_answer(&self, op: u32) {
        let fut = self.pc.create_answer();
        self.settler
            .settle(op, async move { fut.await.map(description_json) });
    }

    /// `setLocalDescription(description)` (JSON, or none for the implicit one), settling `op`.
    #[napi]
    pub fn set_local_description(&self, op: u32, description: Option<String>) -> napi::Result<()> {
        let d = match description {
            Some(text) => Some(parse::<RTCSessionDescriptionInit>(
                &text,
                "RTCSessionDescriptionInit",
            )?),
            None => None,
        };
        let fut = self.pc.set_local_description(d);
        self.settler
            .settle(op, async move { fut.await.map(|()| Value::Null) });
        Ok(())
    }

    /// `setRemoteDescription(description)` (JSON), settling `op`.
    #[napi]
    pub fn set_remote_description(&self, op: u32, description: String) -> napi::Result<()> {
        let d: RTCSessionDescriptionInit = parse(&description, "RTCSessionDescriptionInit")?;
        let fut = self.pc.set_remote_description(d);
        self.settler
            .settle(op, async move { fut.await.map(|()| Value::Null) });
        Ok(())
    }

    /// `addIceCandidate(candidate)` (JSON, or none for end-of-candidates), settling `op`.
    #[napi]
    pub fn add_ice_candidate(&self, op: u32, candidate: Option<String>) -> napi::Result<()> {
        let c = match candidate {
            Some(text) => Some(parse::<RTCIceCandidateInit>(&text, "RTCIceCandidateInit")?),
            None => None,
        };
        let fut = self.pc.add_ice_candidate(c);
        self.settler
            .settle(op, async move { fut.await.map(|()| Value::Null) });
        Ok(())
    }

    /// `getStats()`, settling `op` with the report as a JSON array of stats objects.
    #[napi]
    pub fn get_stats(&self, op: u32) {
        let fut = self.pc.get_stats();
        self.settler.settle(op, async move {
            fut.await
                .map(|r| Value::Array(r.values().map(|s| s.to_json()).collect()))
        });
    }

    /// `localDescription` as JSON, or none.
    #[napi]
    pub fn local_description(&self) -> Option<String> {
        self.pc.local_description().map(|d| to_json_text(&d))
    }
    /// `currentLocalDescription` as JSON, or none.
    #[napi]
    pub fn current_local_description(&self) -> Option<String> {
        self.pc
            .current_local_description()
            .map(|d| to_json_text(&d))
    }
    /// `pendingLocalDescription` as JSON, or none.
    #[napi]
    pub fn pending_local_description(&self) -> Option<String> {
        self.pc
            .pending_local_description()
            .map(|d| to_json_text(&d))
    }
    /// `remoteDescription` as JSON, or none.
    #[napi]
    pub fn remote_description(&self) -> Option<String> {
        self.pc.remote_description().map(|d| to_json_text(&d))
    }
    /// `currentRemoteDescription` as JSON, or none.
    #[napi]
    pub fn current_remote_description(&self) -> Option<String> {
        self.pc
            .current_remote_description()
            .map(|d| to_json_text(&d))
    }
    /// `pendingRemoteDescription` as JSON, or none.
    #[napi]
    pub fn pending_remote_description(&self) -> Option<String> {
        self.pc
            .pending_remote_description()
            .map(|d| to_json_text(&d))
    }

    /// `{signalingState, iceGatheringState, iceConnectionState, connectionState,
    /// canTrickleIceCandidates}` as the connection has them now (JSON).
    #[napi]
    pub fn states(&self) -> String {
        json!({
            "signalingState": self.pc.signaling_state(),
            "iceGatheringState": self.pc.ice_gathering_state(),
            "iceConnectionState": self.pc.ice_connection_state(),
            "connectionState": self.pc.connection_state(),
            "canTrickleIceCandidates": self.pc.can_trickle_ice_candidates(),
        })
        .to_string()
    }

    /// `restartIce()`.
    #[napi]
    pub fn restart_ice(&self) {
        self.pc.restart_ice();
    }

    /// `getConfiguration()` as JSON.
    #[napi]
    pub fn get_configuration(&self) -> String {
        to_json_text(&self.pc.get_configuration())
    }

    /// `setConfiguration(configuration)` (JSON).
    #[napi]
    pub fn set_configuration(&self, config: String) -> napi::Result<()> {
        js(RTCConfiguration::from_json(&config).and_then(|c| self.pc.set_configuration(c)))
    }

    /// `close()`.
    #[napi]
    pub fn close(&self) {
        self.pc.close();
    }

    /// `addTrack(track, ...streams)`: the key of the sender's transceiver.
    #[napi]
    pub fn add_track(&self, track: &NativeTrack, streams: Vec<&NativeStream>) -> napi::Result<u32> {
        let streams = streams_of(streams);
        let refs: Vec<&MediaStream> = streams.iter().collect();
        let sender = js(self.pc.add_track(&track.t, &refs))?;
        let t = self
            .pc
            .get_transceivers()
            .into_iter()
            .find(|t| t.sender() == &sender)
            .ok_or_else(|| type_error("the new sender has no transceiver"))?;
        Ok(self.key_of(&t))
    }

    /// `removeTrack(sender)`, the sender named by its transceiver's key.
    #[napi]
    pub fn remove_track(&self, key: u32) -> napi::Result<()> {
        let t = self.transceiver_by_key(key)?;
        js(self.pc.remove_track(t.sender()))
    }

    /// `addTransceiver(trackOrKind, init)`: a track, or else `kind`; `init` is the
    /// `RTCRtpTransceiverInit` as JSON without its streams. Returns the transceiver's key.
    #[napi]
    pub fn add_transceiver(
        &self,
        track: Option<&NativeTrack>,
        kind: Option<String>,
        init: String,
        streams: Vec<&NativeStream>,
    ) -> napi::Result<u32> {
        let init: TransceiverInitJson = parse(&init, "RTCRtpTransceiverInit")?;
        let what = match (track, kind) {
            (Some(t), _) => TrackOrKind::Track(t.t.clone()),
            (None, Some(k)) => TrackOrKind::Kind(k),
            (None, None) => return Err(type_error("addTransceiver needs a track or a kind")),
        };
        let t = js(self.pc.add_transceiver(
            what,
            RTCRtpTransceiverInit {
                direction: init.direction,
                streams: streams_of(streams),
                send_encodings: init.send_encodings,
            },
        ))?;
        Ok(self.key_of(&t))
    }

    /// The keys of `getTransceivers()`, in order.
    #[napi]
    pub fn transceiver_keys(&self) -> Vec<u32> {
        self.pc
            .get_transceivers()
            .iter()
            .map(|t| self.key_of(t))
            .collect()
    }

    /// The transceiver of `key`.
    #[napi]
    pub fn transceiver(&self, key: u32) -> napi::Result<NativeTransceiver> {
        let t = self.transceiver_by_key(key)?;
        Ok(NativeTransceiver::new(t, key, self.settler.clone()))
    }

    /// The oldest `track` event delivered and not yet taken.
    #[napi]
    pub fn take_track_event(&self) -> Option<NativeTrackEvent> {
        let e = lock(&self.track_events).pop_front()?;
        let key = self.key_of(&e.transceiver);
        Some(NativeTrackEvent::new(e, key))
    }
}

/// `RTCRtpSender.getCapabilities(kind)` / `RTCRtpReceiver.getCapabilities(kind)` as JSON, or
/// none for an unknown kind.
#[napi]
pub fn rtp_capabilities(kind: String) -> Option<String> {
    mediacapture_webrtc::capabilities(&kind).map(|c| to_json_text(&c))
}
