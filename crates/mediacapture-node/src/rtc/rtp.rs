//! `RTCRtpTransceiver`, `RTCRtpSender`, `RTCRtpReceiver` and the data of an `RTCTrackEvent`.

use super::{Settler, parse};
use crate::errors::js;
use crate::stream::NativeStream;
use crate::to_json_text;
use crate::track::NativeTrack;
use mediacapture_webrtc::{
    RTCRtpCodec, RTCRtpReceiver, RTCRtpSendParameters, RTCRtpSender, RTCRtpTransceiver,
    RTCRtpTransceiverDirection, RTCStatsReport, RTCTrackEvent,
};
use napi_derive::napi;
use serde_json::Value;

fn report_json(r: RTCStatsReport) -> Value {
    Value::Array(r.values().map(|s| s.to_json()).collect())
}

/// An `RTCRtpTransceiver`, with the key its connection knows it by.
#[napi]
pub struct NativeTransceiver {
    t: RTCRtpTransceiver,
    key: u32,
    settler: Settler,
}

impl NativeTransceiver {
    pub(crate) fn new(t: RTCRtpTransceiver, key: u32, settler: Settler) -> Self {
        NativeTransceiver { t, key, settler }
    }
}

#[napi]
impl NativeTransceiver {
    /// The key of this transceiver in its connection.
    #[napi(getter)]
    pub fn key(&self) -> u32 {
        self.key
    }

    /// `mid`, or none before negotiation.
    #[napi(getter)]
    pub fn mid(&self) -> Option<String> {
        self.t.mid()
    }

    /// `"audio"` or `"video"`.
    #[napi(getter)]
    pub fn kind(&self) -> String {
        self.t.kind().as_str().to_string()
    }

    /// `direction`.
    #[napi(getter)]
    pub fn direction(&self) -> String {
        direction_name(self.t.direction())
    }

    /// Sets `direction` (the name, already checked against the enum by JavaScript).
    #[napi]
    pub fn set_direction(&self, direction: String) -> napi::Result<()> {
        let d: RTCRtpTransceiverDirection = parse(
            &Value::String(direction).to_string(),
            "RTCRtpTransceiverDirection",
        )?;
        js(self.t.set_direction(d))
    }

    /// `currentDirection`, or none.
    #[napi(getter)]
    pub fn current_direction(&self) -> Option<String> {
        self.t.current_direction().map(direction_name)
    }

    /// `stop()`.
    #[napi]
    pub fn stop(&self) -> napi::Result<()> {
        js(self.t.stop())
    }

    /// `setCodecPreferences(codecs)` (a JSON array of `RTCRtpCodec`).
    #[napi]
    pub fn set_codec_preferences(&self, codecs: String) -> napi::Result<()> {
        let codecs: Vec<RTCRtpCodec> = parse(&codecs, "RTCRtpCodec sequence")?;
        js(self.t.set_codec_preferences(codecs))
    }

    /// The sender.
    #[napi]
    pub fn sender(&self) -> NativeSender {
        NativeSender {
            s: self.t.sender().clone(),
            settler: self.settler.clone(),
        }
    }

    /// The receiver.
    #[napi]
    pub fn receiver(&self) -> NativeReceiver {
        NativeReceiver {
            r: self.t.receiver().clone(),
            settler: self.settler.clone(),
        }
    }
}

fn direction_name(d: RTCRtpTransceiverDirection) -> String {
    to_json_text(&d).trim_matches('"').to_string()
}

/// An `RTCRtpSender`.
#[napi]
pub struct NativeSender {
    s: RTCRtpSender,
    settler: Settler,
}

#[napi]
impl NativeSender {
    /// `replaceTrack(track)` (none for null), settling `op`.
    #[napi]
    pub fn replace_track(&self, op: u32, track: Option<&NativeTrack>) {
        let fut = self.s.replace_track(track.map(|t| &t.t));
        self.settler
            .settle(op, async move { fut.await.map(|()| Value::Null) });
    }

    /// `setStreams(...streams)`.
    #[napi]
    pub fn set_streams(&self, streams: Vec<&NativeStream>) -> napi::Result<()> {
        let ids: Vec<String> = streams.iter().map(|s| s.s.id().to_string()).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        js(self.s.set_streams(&refs))
    }

    /// `getParameters()` as JSON.
    #[napi]
    pub fn get_parameters(&self) -> String {
        to_json_text(&self.s.get_parameters())
    }

    /// `setParameters(parameters)` (JSON), settling `op`.
    #[napi]
    pub fn set_parameters(&self, op: u32, parameters: String) -> napi::Result<()> {
        let p: RTCRtpSendParameters = parse(&parameters, "RTCRtpSendParameters")?;
        let fut = self.s.set_parameters(p);
        self.settler
            .settle(op, async move { fut.await.map(|()| Value::Null) });
        Ok(())
    }

    /// `getStats()`, settling `op` with a JSON array of stats objects.
    #[napi]
    pub fn get_stats(&self, op: u32) {
        let fut = self.s.get_stats();
        self.settler
            .settle(op, async move { fut.await.map(report_json) });
    }
}

/// An `RTCRtpReceiver`.
#[napi]
pub struct NativeReceiver {
    r: RTCRtpReceiver,
    settler: Settler,
}

#[napi]
impl NativeReceiver {
    /// The receiver's track (made with its transceiver; the same track every time).
    #[napi]
    pub fn track(&self) -> NativeTrack {
        NativeTrack::from(self.r.track())
    }

    /// `getParameters()` as JSON.
    #[napi]
    pub fn get_parameters(&self) -> String {
        to_json_text(&self.r.get_parameters())
    }

    /// `getStats()`, settling `op` with a JSON array of stats objects.
    #[napi]
    pub fn get_stats(&self, op: u32) {
        let fut = self.r.get_stats();
        self.settler
            .settle(op, async move { fut.await.map(report_json) });
    }
}

/// The data of a `track` event: the transceiver's key, the track and its remote streams.
#[napi]
pub struct NativeTrackEvent {
    e: RTCTrackEvent,
    key: u32,
}

impl NativeTrackEvent {
    pub(crate) fn new(e: RTCTrackEvent, key: u32) -> Self {
        NativeTrackEvent { e, key }
    }
}

#[napi]
impl NativeTrackEvent {
    /// The key of the event's transceiver.
    #[napi(getter)]
    pub fn key(&self) -> u32 {
        self.key
    }

    /// The remote track.
    #[napi]
    pub fn track(&self) -> NativeTrack {
        NativeTrack::from(self.e.track.clone())
    }

    /// The remote streams, in the remote's order.
    #[napi]
    pub fn streams(&self) -> Vec<NativeStream> {
        self.e
            .streams
            .iter()
            .cloned()
            .map(NativeStream::from)
            .collect()
    }
}
