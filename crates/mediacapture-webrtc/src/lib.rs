//! `RTCPeerConnection` for mediacapture: captured tracks go over WebRTC, and remote tracks
//! come back as ordinary [`mediacapture::MediaStreamTrack`]s.
//!
//! The API is the W3C one (webrtc-pc), translated line for line: [`RTCPeerConnection`] with
//! `add_track`, `create_offer`, `set_local_description`, …, events as
//! [`PeerConnectionEvent`]s, [`RTCRtpSender`] / [`RTCRtpReceiver`] / [`RTCRtpTransceiver`],
//! and `get_stats()` whose JSON uses webrtc-stats' names.
//!
//! ```no_run
//! use mediacapture::{MediaDevices, MediaStreamConstraints};
//! use mediacapture_webrtc::{HostCandidates, PeerConnectionEvent, RTCPeerConnection};
//! # futures_executor::block_on(async {
//! let devices = MediaDevices::builder().fake_devices(true).build();
//! let stream = devices
//!     .get_user_media(MediaStreamConstraints::from_json(r#"{"video": true, "audio": true}"#)?)
//!     .await?;
//!
//! let pc = RTCPeerConnection::builder()
//!     .host_candidates(HostCandidates::Loopback)
//!     .build()?;
//! for track in stream.get_tracks() {
//!     pc.add_track(&track, &[&stream])?;
//! }
//! pc.add_event_listener(|e| {
//!     if let PeerConnectionEvent::Track(t) = e {
//!         println!("remote {} track", t.track.kind()); // record it, clone it, read frames
//!     }
//! });
//! let offer = pc.create_offer(Default::default()).await?;
//! pc.set_local_description(Some(offer.clone())).await?;
//! // … send `offer.sdp` to the other side, get its answer back …
//! # let answer = offer;
//! pc.set_remote_description(answer).await?;
//! # Ok::<(), mediacapture::Error>(())
//! # });
//! ```
//!
//! # Design
//!
//! ## The WebRTC stack: str0m
//!
//! [str0m](https://docs.rs/str0m) does ICE, DTLS, SRTP, RTP/RTCP, packetization, NACK, TWCC
//! bandwidth estimation and the SDP offer/answer, **sans I/O**: it owns no socket, no thread
//! and no clock; it is fed datagrams and time, and gives back datagrams, events and its next
//! deadline. That is this project's design (`mediacapture-core` takes time and devices as
//! inputs the same way), it keeps the library runtime-agnostic (no tokio, no async runtime
//! inside), and it lets one thread own all of a connection's state without locks around the
//! stack. webrtc-rs, the other well-kept Rust stack, is built on tokio: every connection would
//! run on a runtime the library would have to start and hide. str0m is used with its
//! `aws-lc-rs` crypto (its `rust-crypto` feature does not resolve today).
//!
//! str0m gives frames, not a peer connection: it has no encoder, decoder, capture, network
//! interface enumeration or TURN client, and its SDP API differs from the W3C one. This crate
//! adds those.
//!
//! ## Threads
//!
//! * **One driver thread per connection** owns the `str0m::Rtc`, one UDP socket per local
//!   address and the timer. It waits (mio) for a datagram, a command from the API or str0m's
//!   next deadline, feeds exactly one input and drains str0m's output until str0m names its
//!   next deadline — str0m's "single mutation invariant". Nothing else touches the `Rtc`.
//! * **One encoder thread per sending sender.** The sender's track is a sink like any other
//!   (`MediaStreamTrack::on_video_frame` / `on_audio_data`, called on the capture thread,
//!   which only stores the newest video frame or queues audio); the encoder thread adapts the
//!   frames (`scaleResolutionDownBy`, `maxFramerate`, with `mediacapture-frame`'s
//!   `VideoAdapter`), encodes them (VP8/VP9 with libvpx, Opus with libopus, through
//!   `mediacapture-codec`, the wrappers the recorder uses too) and hands the packets to the
//!   driver.
//! * **One decoder thread per receiving receiver** turns str0m's depacketized frames into
//!   `VideoFrame`s / `AudioData` and pushes them into the remote source (below).
//! * **Events** are tasks on a [`mediacapture::EventLoop`]: the connection's own, or one given
//!   to [`PeerConnectionBuilder::event_loop`] (e.g. the `MediaDevices`' loop the tracks use).
//!   Every `Promise` of the spec is a runtime-agnostic future that only waits: the driver
//!   does the work and settles it in a task on the event loop, after that task changed the
//!   visible state and fired the events, in the spec's order.
//!
//! ## The offer/answer model on str0m
//!
//! The W3C model (createOffer → setLocalDescription → setRemoteDescription(answer), and the
//! mirror image) maps onto str0m's `SdpApi` as follows:
//!
//! * `createOffer` turns the transceivers into str0m changes (`add_media` for new ones,
//!   `set_direction` for changed directions, `stop_media` for stopped ones, `ice_restart`)
//!   and calls `apply()`, which returns the offer and a pending-offer token without changing
//!   the session. `setLocalDescription(offer)` keeps the token;
//!   `setRemoteDescription(answer)` gives it back with the answer (`accept_answer`). A local
//!   rollback (explicit, or implicit when a remote offer arrives in `have-local-offer`)
//!   drops the token.
//! * `setRemoteDescription(offer)` calls str0m's `accept_offer` at once (str0m then has its
//!   answer); `createAnswer` takes that answer and narrows each section's direction to what
//!   the transceiver wants (RFC 8829 §5.3.1: an `addTrack` after the remote offer makes a
//!   `sendrecv` answer, no track makes it `recvonly`), and `setLocalDescription(answer)`
//!   applies those directions to str0m's session.
//! * Where the W3C model needs more than str0m's SDP (answer directions, `a=msid` stream ids
//!   of `addTrack(track, stream)`, `setCodecPreferences`), the SDP is adjusted as text by
//!   [`sdp`], the only SDP parsing of this crate (fuzzed). Descriptions passed to
//!   `setLocalDescription` must be the ones `createOffer` / `createAnswer` returned (no
//!   munging: `InvalidModificationError`).
//! * The rules themselves — which description is allowed in which signaling state, answer
//!   directions, "negotiation needed", matching a remote section to a transceiver — are
//!   plain functions in [`jsep`], tested without a network.
//!
//! ## Remote tracks
//!
//! Each receiver's track is made when its transceiver is (as the spec says) through
//! `mediacapture::custom::open_track` on a one-device `mediacapture_hal::Backend` — the path
//! canvases and files take. So a remote track is an ordinary track: it starts muted, unmutes
//! with the first decoded frame, mutes when the remote stops sending (str0m's stream pause,
//! or renegotiation), ends (`ended` fires) when the remote closes the connection or ICE
//! fails; it records with `MediaRecorder`, clones, gives `frames()`, and `applyConstraints`
//! scales and decimates it like a camera's. Its size follows the decoded pictures
//! (`SourceEvent::Reconfigured`).
//!
//! Opus is decoded with libopus, VP8 and VP9 with libvpx (`mediacapture-codec`, the
//! wrappers the recorder encodes with), so a remote video track unmutes and delivers frames
//! with no setup. Another video decoder can be plugged in ([`codec::VideoDecoderFactory`],
//! registered with [`PeerConnectionBuilder::video_decoders`]).
//!
//! ## Network
//!
//! Host candidates are bound at construction on the interfaces' addresses
//! ([`HostCandidates`]; `Loopback` keeps everything on `127.0.0.1`) and announced as the
//! spec's gathering after the first `setLocalDescription`. A socket bound to loopback only
//! talks to loopback addresses and vice versa; remote candidates nobody can reach (and
//! Chromium's mDNS names) are accepted and left out. `iceServers` are validated as the spec
//! says and kept, but not used: str0m has no STUN/TURN client, so no server-reflexive or relay
//! candidates are gathered.
//!
//! ## Not supported (yet)
//!
//! `pranswer`, rolling back a *remote* offer (str0m applies it at once), simulcast, data
//! channels, DTMF, TURN/STUN gathering, SDP munging.
#![forbid(unsafe_code)]

pub mod codec;
pub mod jsep;
mod pc;
mod receive;
pub mod sdp;
mod send;
pub mod stats;
mod transceiver;
pub mod types;

pub use codec::{Codec, EncodedVideoFrame, LibvpxDecoders, VideoDecoder, VideoDecoderFactory};
pub use mediacapture_types::{Error, ErrorKind, Result};
pub use pc::{
    HostCandidates, PeerConnectionBuilder, PeerConnectionEvent, RTCPeerConnection,
    RTCRtpTransceiverInit, RTCTrackEvent, TrackOrKind,
};
pub use stats::{RTCStats, RTCStatsReport};
pub use transceiver::{RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver, capabilities};
pub use types::*;
