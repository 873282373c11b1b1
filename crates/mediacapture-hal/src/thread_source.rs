//! A source run by one capture thread that watches a stop flag: what the PulseAudio and V4L2
//! backends return from `open`.

use crate::{NativeConfig, Source};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// Stops its capture thread (sets the flag, joins it) on `stop` or drop.
pub(crate) struct ThreadSource {
    pub(crate) config: NativeConfig,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) thread: Option<JoinHandle<()>>,
}

impl Source for ThreadSource {
    fn config(&self) -> &NativeConfig {
        &self.config
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            // Stopping from the capture thread itself (a sink callback) cannot join it; the
            // flag ends it.
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

impl Drop for ThreadSource {
    fn drop(&mut self) {
        self.stop();
    }
}
