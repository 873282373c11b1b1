//! The recorder's attributes as the getters read them.
//!
//! `state`, `mimeType` and the bit rates are the state machine's ([`RecorderCore`]), which
//! lives behind a lock that the event loop and track observers also take. A getter that took
//! that lock could wait for a thread descheduled while holding it: on a loaded 2-core machine,
//! reading `state` on 10 recorders sometimes took 150 ms. So every change of the state machine
//! is published here while its lock is held, and the getters read the published copy without
//! taking it: they always see the attributes as of the machine's latest change (a script's own
//! `start()` or `stop()` included, published before the call returns).

use crate::core::RecorderCore;
use crate::{BitrateMode, RecordingState};
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Published {
    state: AtomicU8,
    video_bps: AtomicU32,
    audio_bps: AtomicU32,
    audio_mode: AtomicU8,
    /// Locked only to swap or clone the pointer, never while anything else is done.
    mime: Mutex<Arc<str>>,
}

fn state_code(s: RecordingState) -> u8 {
    match s {
        RecordingState::Inactive => 0,
        RecordingState::Recording => 1,
        RecordingState::Paused => 2,
    }
}

fn mode_code(m: BitrateMode) -> u8 {
    match m {
        BitrateMode::Constant => 0,
        BitrateMode::Variable => 1,
    }
}

impl Published {
    /// The attributes of `core` now.
    pub(crate) fn new(core: &RecorderCore) -> Published {
        let p = Published {
            state: AtomicU8::new(0),
            video_bps: AtomicU32::new(0),
            audio_bps: AtomicU32::new(0),
            audio_mode: AtomicU8::new(0),
            mime: Mutex::new(Arc::from(core.mime_type())),
        };
        p.update(core);
        p
    }

    /// Publishes the attributes of `core` (called with its lock held, after every change).
    pub(crate) fn update(&self, core: &RecorderCore) {
        self.state
            .store(state_code(core.state()), Ordering::Release);
        self.video_bps
            .store(core.video_bits_per_second(), Ordering::Release);
        self.audio_bps
            .store(core.audio_bits_per_second(), Ordering::Release);
        self.audio_mode
            .store(mode_code(core.audio_bitrate_mode()), Ordering::Release);
        let mut mime = self.mime.lock().unwrap_or_else(|p| p.into_inner());
        if &**mime != core.mime_type() {
            *mime = Arc::from(core.mime_type());
        }
    }

    pub(crate) fn state(&self) -> RecordingState {
        match self.state.load(Ordering::Acquire) {
            1 => RecordingState::Recording,
            2 => RecordingState::Paused,
            _ => RecordingState::Inactive,
        }
    }

    pub(crate) fn mime_type(&self) -> Arc<str> {
        Arc::clone(&self.mime.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn video_bits_per_second(&self) -> u32 {
        self.video_bps.load(Ordering::Acquire)
    }

    pub(crate) fn audio_bits_per_second(&self) -> u32 {
        self.audio_bps.load(Ordering::Acquire)
    }

    pub(crate) fn audio_bitrate_mode(&self) -> BitrateMode {
        match self.audio_mode.load(Ordering::Acquire) {
            0 => BitrateMode::Constant,
            _ => BitrateMode::Variable,
        }
    }
}
