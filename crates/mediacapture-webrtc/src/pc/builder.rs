//! `PeerConnectionBuilder`: the options a browser decides by itself.

use super::driver;
use super::ice::{self, HostCandidates};
use super::{DriverHandle, PcInner, PcState, RTCPeerConnection};
use crate::Result;
use crate::codec::{LibvpxDecoders, VideoDecoderFactory};
use crate::types::*;
use mediacapture::{EventLoop, EventTarget};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Builds an [`RTCPeerConnection`] with the options a browser decides by itself.
pub struct PeerConnectionBuilder {
    config: RTCConfiguration,
    event_loop: Option<EventLoop>,
    host_candidates: HostCandidates,
    video_decoders: Arc<dyn VideoDecoderFactory>,
    failed_timeout: Duration,
}

impl Default for PeerConnectionBuilder {
    fn default() -> Self {
        PeerConnectionBuilder {
            config: RTCConfiguration::default(),
            event_loop: None,
            host_candidates: HostCandidates::default(),
            video_decoders: Arc::new(LibvpxDecoders),
            failed_timeout: Duration::from_secs(30),
        }
    }
}

impl PeerConnectionBuilder {
    /// The `RTCConfiguration`.
    pub fn configuration(mut self, config: RTCConfiguration) -> Self {
        self.config = config;
        self
    }

    /// The event loop the connection's events (and its promises) run on, e.g. a
    /// `MediaDevices`' loop to keep one order with the tracks' events. Default: a loop of
    /// its own.
    pub fn event_loop(mut self, event_loop: EventLoop) -> Self {
        self.event_loop = Some(event_loop);
        self
    }

    /// Which local addresses get host candidates (default: the interfaces, not loopback).
    pub fn host_candidates(mut self, h: HostCandidates) -> Self {
        self.host_candidates = h;
        self
    }

    /// Where remote video is decoded instead of libvpx ([`LibvpxDecoders`], the default):
    /// e.g. a hardware decoder. A codec the factory has no decoder for leaves the remote
    /// video track muted.
    pub fn video_decoders(mut self, factory: Arc<dyn VideoDecoderFactory>) -> Self {
        self.video_decoders = factory;
        self
    }

    /// How long ICE may stay `disconnected` before it is `failed` (and the remote tracks
    /// end). Default 30 s.
    pub fn failed_timeout(mut self, d: Duration) -> Self {
        self.failed_timeout = d;
        self
    }

    /// Creates the connection: validates the configuration, binds the sockets and starts
    /// the driver thread.
    ///
    /// Errors: those of the configuration (`SyntaxError`, `InvalidAccessError`);
    /// `OperationError` when no socket can be bound.
    ///
    /// Spec: <https://w3c.github.io/webrtc-pc/#dom-peerconnection>
    pub fn build(self) -> Result<RTCPeerConnection> {
        ice::validate_ice_servers(&self.config.ice_servers)?;
        let event_loop = self.event_loop.unwrap_or_default();
        let (tx, rx) = std::sync::mpsc::channel();
        let io = driver::Io::bind(&self.host_candidates.addresses())?;
        let driver = DriverHandle {
            tx,
            waker: io.waker.clone(),
        };
        let inner = Arc::new(PcInner {
            event_loop,
            events: EventTarget::default(),
            state: Mutex::new(PcState {
                closed: false,
                config: self.config,
                signaling: RTCSignalingState::Stable,
                ice_gathering: RTCIceGatheringState::New,
                ice_connection: RTCIceConnectionState::New,
                connection: RTCPeerConnectionState::New,
                current_local: None,
                pending_local: None,
                current_remote: None,
                pending_remote: None,
                transceivers: Vec::new(),
                negotiation_needed: false,
                ice_restart_pending: false,
                ops: 0,
                streams: HashMap::new(),
            }),
            driver,
            decoders: self.video_decoders,
        });
        driver::spawn(io, rx, Arc::downgrade(&inner), self.failed_timeout)?;
        Ok(RTCPeerConnection { inner })
    }
}
