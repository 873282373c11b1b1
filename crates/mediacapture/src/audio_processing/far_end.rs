//! The per-process far-end reference: what this process plays, for echo cancellation.

use super::{EchoReference, FRAME, PROCESSING_RATE};
use mediacapture_frame::{AudioAdapter, AudioData};
use parking_lot::Mutex;
use std::sync::{Arc, OnceLock, Weak};
use webrtc_audio_processing::Processor;

/// Where played audio came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FarEndOrigin {
    /// Produced in this process (a file, a generated sound, a local stream).
    Local,
    /// Received from a peer connection: `echoCancellation: "remote-only"` cancels only this.
    PeerConnection,
}

/// The per-process far-end reference bus (see [`far_end()`]).
///
/// Push what is played, in playing order, as it is played: each block once, at the moment
/// it goes to the output (the echo canceller finds the delay between the two by itself, up
/// to a few hundred milliseconds). Several streams played at once are pushed as their mix
/// ([`FarEnd::push_mix`] keeps the peer-connection part apart for `"remote-only"`).
pub struct FarEnd {
    taps: Mutex<Vec<Weak<RenderTap>>>,
}

impl std::fmt::Debug for FarEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FarEnd")
            .field("listeners", &self.listeners())
            .finish()
    }
}

/// The process's far-end reference bus: push here what the process plays.
pub fn far_end() -> &'static FarEnd {
    static BUS: OnceLock<FarEnd> = OnceLock::new();
    BUS.get_or_init(|| FarEnd {
        taps: Mutex::new(Vec::new()),
    })
}

impl FarEnd {
    /// Pushes one block of what is played now, all of one origin.
    pub fn push(&self, played: &AudioData, origin: FarEndOrigin) {
        let from_peers = (origin == FarEndOrigin::PeerConnection).then_some(played);
        self.feed(played, from_peers);
    }

    /// Pushes one block of a mix: `played` is everything played now, `from_peers` the part
    /// of it that came from peer connections (same rate, channels and length; a block that
    /// differs is taken as silence for `"remote-only"`).
    pub fn push_mix(&self, played: &AudioData, from_peers: &AudioData) {
        let same = from_peers.sample_rate() == played.sample_rate()
            && from_peers.channels() == played.channels()
            && from_peers.frames() == played.frames();
        self.feed(played, same.then_some(from_peers));
    }

    /// How many echo cancellers listen now.
    pub fn listeners(&self) -> usize {
        let mut taps = self.taps.lock();
        taps.retain(|t| t.strong_count() > 0);
        taps.len()
    }

    fn feed(&self, played: &AudioData, from_peers: Option<&AudioData>) {
        let taps: Vec<Arc<RenderTap>> = {
            let mut taps = self.taps.lock();
            taps.retain(|t| t.strong_count() > 0);
            taps.iter().filter_map(Weak::upgrade).collect()
        };
        for tap in taps {
            let block = match tap.mode {
                EchoReference::All => Some(played),
                EchoReference::RemoteOnly => from_peers,
            };
            tap.feed(block, played);
        }
    }

    pub(super) fn subscribe(&self, apm: Arc<Processor>, mode: EchoReference) -> Arc<RenderTap> {
        let tap = Arc::new(RenderTap {
            apm,
            mode,
            state: Mutex::new(TapState {
                convert: None,
                pending: Vec::with_capacity(FRAME * 2),
            }),
        });
        self.taps.lock().push(Arc::downgrade(&tap));
        tap
    }

    pub(super) fn unsubscribe(&self, tap: &Arc<RenderTap>) {
        self.taps
            .lock()
            .retain(|t| t.upgrade().is_some_and(|t| !Arc::ptr_eq(&t, tap)));
    }
}

/// One echo canceller's view of the far end: played audio as 48 kHz mono 10 ms frames.
pub(super) struct RenderTap {
    apm: Arc<Processor>,
    mode: EchoReference,
    state: Mutex<TapState>,
}

struct TapState {
    /// Played format -> 48 kHz mono, rebuilt when the played format changes.
    convert: Option<AudioAdapter>,
    pending: Vec<f32>,
}

impl RenderTap {
    /// Feeds `block` (or, when `None`, silence as long as `played`) to the canceller.
    fn feed(&self, block: Option<&AudioData>, played: &AudioData) {
        let mut st = self.state.lock();
        let samples: Vec<f32> = match block {
            Some(b) => {
                let fits = st.convert.as_ref().is_some_and(|a| {
                    a.in_rate() == b.sample_rate() && a.in_channels() == b.channels()
                });
                if !fits {
                    match AudioAdapter::new(b.sample_rate(), b.channels(), PROCESSING_RATE, 1) {
                        Ok(a) => st.convert = Some(a),
                        Err(e) => {
                            tracing::warn!("far end in an unusable format: {e}");
                            return;
                        }
                    }
                }
                let Some(convert) = st.convert.as_mut() else {
                    return;
                };
                match convert.process(b) {
                    Ok(out) => out.iter().flat_map(AudioData::to_f32_interleaved).collect(),
                    Err(e) => {
                        tracing::warn!("far end conversion failed: {e}");
                        return;
                    }
                }
            }
            None => {
                let n = (played.frames() as u64 * u64::from(PROCESSING_RATE)
                    / u64::from(played.sample_rate().max(1))) as usize;
                vec![0.0; n]
            }
        };
        st.pending.extend_from_slice(&samples);
        while st.pending.len() >= FRAME {
            let frame: Vec<f32> = st.pending.drain(..FRAME).collect();
            if let Err(e) = self.apm.analyze_render_frame([frame.as_slice()]) {
                tracing::warn!("echo canceller refused a far-end frame: {e}");
            }
        }
    }
}
