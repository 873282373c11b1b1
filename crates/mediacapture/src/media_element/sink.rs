//! Where the element's audio goes: `setSinkId`, the default output, and the fallback to the
//! default when the output in use goes away.
//!
//! Spec: <https://w3c.github.io/mediacapture-output/#htmlmediaelement-extensions>

use super::state::State;
use super::{ElementInner, MediaElementEvent};
use crate::{Error, Result};
use futures_channel::oneshot;
use std::future::Future;
use std::sync::Arc;

/// Falls back to the default output when the one in use goes away (as browsers do), and
/// says so with `sinkfallback`.
pub(crate) fn watch_output(inner: &Arc<ElementInner>) {
    let weak = Arc::downgrade(inner);
    inner.player.on_device_lost(move |e| {
        let Some(inner) = weak.upgrade() else {
            return;
        };
        tracing::info!("audio output lost ({e}); falling back to the default output");
        let w = Arc::downgrade(&inner);
        inner.devices.inner.requests.queue(move || {
            let Some(inner) = w.upgrade() else {
                return;
            };
            match inner.devices.audio_output("") {
                Ok(d) => {
                    let label = d.as_ref().map(|d| d.label().to_owned());
                    match inner.player.set_device(d) {
                        Ok(()) => tracing::info!("now playing to {label:?}"),
                        Err(e) => tracing::warn!("the default output cannot play: {e}"),
                    }
                }
                Err(e) => tracing::warn!("no default output to fall back to: {e}"),
            }
            inner.fire(MediaElementEvent::SinkFallback);
        });
    });
}

/// Opens the element's output (its `sinkId`'s device) the first time it plays audio.
pub(crate) fn ensure_output(inner: &Arc<ElementInner>, st: &mut State) {
    if st.output_requested {
        return;
    }
    st.output_requested = true;
    let sink_id = st.sink_id.clone();
    let w = Arc::downgrade(inner);
    inner.devices.inner.requests.queue(move || {
        let Some(inner) = w.upgrade() else {
            return;
        };
        if inner.player.device().is_some() {
            return;
        }
        let opened = inner
            .devices
            .audio_output(&sink_id)
            .and_then(|d| inner.player.set_device(d));
        if let Err(e) = opened {
            tracing::warn!("the media element's audio has no output: {e}");
        }
    });
}

/// `setSinkId(sinkId)`: `settle` is called once with the result (on the element's event
/// loop when it succeeds, on the request thread when it fails).
///
/// Spec: <https://w3c.github.io/mediacapture-output/#dom-htmlmediaelement-setsinkid>
pub(crate) fn set_sink_id(
    inner: &Arc<ElementInner>,
    sink_id: String,
    settle: impl FnOnce(Result<()>) + Send + 'static,
) {
    let w = Arc::downgrade(inner);
    inner.devices.inner.requests.queue(move || {
        let Some(inner) = w.upgrade() else {
            settle(Err(Error::abort("the media element went away")));
            return;
        };
        // Step 2: the permissions policy, before anything else.
        if let Err(e) = inner.devices.inner.check_speaker_policy() {
            settle(Err(e));
            return;
        }
        // Step 4: the same id resolves at once.
        if inner.state.lock().sink_id == sink_id {
            settle(Ok(()));
            return;
        }
        // Steps 5.1-5.2: NotFoundError, NotAllowedError.
        let device = match inner.devices.audio_output(&sink_id) {
            Ok(d) => d,
            Err(e) => {
                settle(Err(e));
                return;
            }
        };
        // Steps 5.3-5.4: switch the output; a failure is an AbortError.
        if let Err(e) = inner.player.set_device(device) {
            settle(Err(Error::abort(format!(
                "the audio output could not be switched: {e}"
            ))));
            return;
        }
        // Step 5.5: in a task, set [[SinkId]] and resolve.
        inner.queue(move |inner| {
            {
                let mut st = inner.state.lock();
                st.sink_id = sink_id;
                st.output_requested = true;
            }
            settle(Ok(()));
        });
    });
}

/// [`set_sink_id`] as a future.
pub(crate) fn set_sink_id_future(
    inner: &Arc<ElementInner>,
    sink_id: String,
) -> impl Future<Output = Result<()>> + Send + 'static {
    let (tx, rx) = oneshot::channel::<Result<()>>();
    set_sink_id(inner, sink_id, move |r| {
        let _ = tx.send(r);
    });
    async move {
        rx.await
            .unwrap_or_else(|_| Err(Error::abort("setSinkId failed inside the library")))
    }
}
