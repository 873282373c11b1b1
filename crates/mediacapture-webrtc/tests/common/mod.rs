//! Shared helpers for the peer connection tests: connection pairs on loopback, waiting for
//! events with a safety timeout, and a test-only video decoder (ffmpeg in a child process)
//! until the workspace's codec crate provides libvpx decoding.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // Test helpers: a panic is a failure with a message; not every test uses every helper.

pub mod interop;
pub mod signal;

use mediacapture::{MediaDevices, MediaStream, MediaStreamConstraints, VideoFrame};
use mediacapture_hal::fake::FakeBackend;
use mediacapture_webrtc::{
    Codec, EncodedVideoFrame, HostCandidates, PeerConnectionEvent, RTCPeerConnection,
    RTCPeerConnectionState, VideoDecoder, VideoDecoderFactory,
};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// How long a test waits for something that should happen: only reached when the behaviour
/// under test is broken (tests never assert timings).
pub const SAFETY: Duration = Duration::from_secs(30);

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

/// Fake devices (a 640x480 camera pattern with a frame counter, a 440 Hz tone with 880 Hz
/// beeps).
pub fn devices() -> MediaDevices {
    MediaDevices::builder()
        .origin("https://example.com")
        .backend(FakeBackend::default())
        .build()
}

pub fn gum(devices: &MediaDevices, json: &str) -> MediaStream {
    block_on(devices.get_user_media(MediaStreamConstraints::from_json(json).unwrap())).unwrap()
}

/// Logs to stderr when `RUST_LOG` is set.
pub fn trace() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(tracing::Level::DEBUG)
            .try_init();
    }
}

/// A connection with host candidates on 127.0.0.1 only.
pub fn pc() -> RTCPeerConnection {
    trace();
    RTCPeerConnection::builder()
        .host_candidates(HostCandidates::Loopback)
        .build()
        .unwrap()
}

/// A loopback connection that decodes remote video with ffmpeg.
pub fn pc_with_decoder() -> RTCPeerConnection {
    trace();
    RTCPeerConnection::builder()
        .host_candidates(HostCandidates::Loopback)
        .video_decoders(Arc::new(FfmpegDecoders))
        .build()
        .unwrap()
}

/// Every event of `pc` from now on, on a channel.
pub fn events(pc: &RTCPeerConnection) -> Receiver<PeerConnectionEvent> {
    let (tx, rx) = channel();
    pc.add_event_listener(move |e| {
        let _ = tx.send(e.clone());
    });
    rx
}

/// Waits for the first event `f` accepts; panics naming `what` after [`SAFETY`].
pub fn wait_for<T>(
    rx: &Receiver<PeerConnectionEvent>,
    what: &str,
    mut f: impl FnMut(&PeerConnectionEvent) -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + SAFETY;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let e = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        if let Some(t) = f(&e) {
            return t;
        }
    }
}

/// Waits until `connectionState` is `connected`.
pub fn wait_connected(pc: &RTCPeerConnection, rx: &Receiver<PeerConnectionEvent>) {
    if pc.connection_state() == RTCPeerConnectionState::Connected {
        return;
    }
    wait_for(rx, "connectionState connected", |e| match e {
        PeerConnectionEvent::ConnectionStateChange(RTCPeerConnectionState::Connected) => Some(()),
        PeerConnectionEvent::ConnectionStateChange(RTCPeerConnectionState::Failed) => {
            panic!("the connection failed")
        }
        _ => None,
    });
}

/// One offer/answer exchange, `offerer` first (candidates travel in the SDP).
pub fn negotiate(offerer: &RTCPeerConnection, answerer: &RTCPeerConnection) {
    block_on(async {
        let offer = offerer.create_offer(Default::default()).await.unwrap();
        offerer
            .set_local_description(Some(offer.clone()))
            .await
            .unwrap();
        answerer.set_remote_description(offer).await.unwrap();
        let answer = answerer.create_answer().await.unwrap();
        answerer
            .set_local_description(Some(answer.clone()))
            .await
            .unwrap();
        offerer.set_remote_description(answer).await.unwrap();
    });
}

// The hal tests' tone analysis, one copy for the workspace.
#[path = "../../../mediacapture-hal/tests/common/tone.rs"]
mod tone;
#[allow(unused_imports, reason = "not every test binary analyses tones")]
pub use tone::{dominant, tone_power};

/// Output size of the test decoder (the fake pattern's counter is readable down to 112x48).
pub const DECODED_W: u32 = 320;
pub const DECODED_H: u32 = 240;

/// A test-only [`VideoDecoderFactory`]: ffmpeg (an outside judge the tests already use)
/// decodes an IVF stream written to its stdin and writes 320x240 I420 pictures to its stdout.
/// It stands in for the libvpx decoder the shared codec crate will provide.
pub struct FfmpegDecoders;

impl VideoDecoderFactory for FfmpegDecoders {
    fn create(&self, codec: Codec) -> Option<Box<dyn VideoDecoder>> {
        FfmpegDecoder::start(codec).map(|d| Box::new(d) as Box<dyn VideoDecoder>)
    }
}

pub struct FfmpegDecoder {
    child: Child,
    stdin: Option<ChildStdin>,
    pictures: Receiver<Vec<u8>>,
    timestamps: VecDeque<i64>,
    count: u64,
    dump: Option<std::fs::File>,
}

impl FfmpegDecoder {
    fn start(codec: Codec) -> Option<FfmpegDecoder> {
        let fourcc: &[u8; 4] = match codec {
            Codec::Vp8 => b"VP80",
            Codec::Vp9 => b"VP90",
            Codec::Opus => return None,
        };
        let mut child = Command::new("ffmpeg")
            .args([
                "-hide_banner",
                "-loglevel",
                "error",
                "-probesize",
                "32",
                "-analyzeduration",
                "0",
                "-f",
                "ivf",
                "-i",
                "pipe:0",
                "-vf",
                &format!("scale={DECODED_W}:{DECODED_H}"),
                "-vsync",
                "passthrough",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "yuv420p",
                "pipe:1",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(match std::env::var_os("FFMPEG_LOG") {
                Some(p) => std::fs::File::create(p)
                    .map(Stdio::from)
                    .unwrap_or(Stdio::null()),
                None => Stdio::null(),
            })
            .spawn()
            .ok()?;
        let mut stdin = child.stdin.take()?;
        let mut stdout = child.stdout.take()?;
        // IVF file header: 32 bytes.
        let mut h = Vec::with_capacity(32);
        h.extend_from_slice(b"DKIF");
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(&32u16.to_le_bytes());
        h.extend_from_slice(fourcc);
        h.extend_from_slice(&640u16.to_le_bytes());
        h.extend_from_slice(&480u16.to_le_bytes());
        h.extend_from_slice(&1_000_000u32.to_le_bytes());
        h.extend_from_slice(&1u32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        stdin.write_all(&h).ok()?;
        let dump = std::env::var_os("IVF_DUMP").and_then(|p| std::fs::File::create(p).ok());
        let mut dump = dump;
        if let Some(d) = dump.as_mut() {
            let _ = d.write_all(&h);
        }
        let (tx, rx) = channel();
        let size = (DECODED_W * DECODED_H * 3 / 2) as usize;
        std::thread::spawn(move || {
            loop {
                let mut buf = vec![0u8; size];
                if stdout.read_exact(&mut buf).is_err() || tx.send(buf).is_err() {
                    return;
                }
            }
        });
        Some(FfmpegDecoder {
            child,
            stdin: Some(stdin),
            pictures: rx,
            timestamps: VecDeque::new(),
            count: 0,
            dump,
        })
    }
}

impl VideoDecoder for FfmpegDecoder {
    fn decode(
        &mut self,
        frame: &EncodedVideoFrame,
        out: &mut Vec<VideoFrame>,
    ) -> mediacapture::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| mediacapture::Error::unknown("ffmpeg is gone"))?;
        let mut f = Vec::with_capacity(12 + frame.data.len());
        f.extend_from_slice(&(frame.data.len() as u32).to_le_bytes());
        f.extend_from_slice(&self.count.to_le_bytes());
        f.extend_from_slice(&frame.data);
        self.count += 1;
        if let Some(d) = self.dump.as_mut() {
            let _ = d.write_all(&f);
        }
        stdin
            .write_all(&f)
            .and_then(|()| stdin.flush())
            .map_err(|e| mediacapture::Error::unknown(format!("ffmpeg: {e}")))?;
        self.timestamps.push_back(frame.timestamp_us);
        while let Ok(p) = self.pictures.try_recv() {
            let ts = self.timestamps.pop_front().unwrap_or(frame.timestamp_us);
            let v = VideoFrame::new(mediacapture::PixelFormat::I420, DECODED_W, DECODED_H, p, ts)
                .map_err(|e| mediacapture::Error::unknown(e.to_string()))?;
            out.push(v);
        }
        Ok(())
    }
}

impl Drop for FfmpegDecoder {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
