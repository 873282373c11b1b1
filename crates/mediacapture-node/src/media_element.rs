//! `HTMLMediaElement` (`HTMLVideoElement`, `HTMLAudioElement`): a
//! [`mediacapture::media_element::HTMLMediaElement`] handle, its events, its promises
//! (`play()`, `setSinkId()`), video frame callbacks, `captureStream()`, drawing into a
//! canvas, and a native preview window; `mediaDevices.selectAudioOutput()`.

use crate::canvas::NativeContext2D;
use crate::devices::NativeDevices;
use crate::errors::{js, js_error, type_error};
use crate::events::emit;
use crate::prompt;
use crate::stream::NativeStream;
use mediacapture::media_element::{ElementWindow, HTMLMediaElement, MediaElementKind};
use mediacapture::{AudioOutputOptions, Error};
use napi::Env;
use napi::bindgen_prelude::Object;
use napi_derive::napi;
use serde_json::json;
use std::sync::Mutex;

/// A media element.
#[napi]
pub struct NativeMediaElement {
    pub(crate) el: HTMLMediaElement,
    env: Option<u32>,
    window: Mutex<Option<ElementWindow>>,
}

/// `new HTMLVideoElement()` (`kind` `"video"`) or `new HTMLAudioElement()` (`"audio"`) of the
/// document `devices`.
#[napi]
pub fn create_media_element(
    devices: &NativeDevices,
    kind: String,
) -> napi::Result<NativeMediaElement> {
    let kind = match kind.as_str() {
        "video" => MediaElementKind::Video,
        "audio" => MediaElementKind::Audio,
        _ => return Err(type_error(format!("unknown media element kind {kind:?}"))),
    };
    let el = HTMLMediaElement::new(kind, &devices.md, mediacapture_hal::clock::system());
    // A load's resource selection goes on after the script that loaded (lib/media_element.js
    // calls stableState() a task later, as Chromium does).
    el.set_awaits_stable_state(true);
    Ok(NativeMediaElement {
        el,
        env: devices.env,
        window: Mutex::new(None),
    })
}

/// A promise of nothing, settled from a library callback.
type UnitDeferred = napi::JsDeferred<(), fn(Env) -> napi::Result<()>>;

fn resolved(_: Env) -> napi::Result<()> {
    Ok(())
}

/// Settles a JavaScript promise from a library callback (any thread), unless its
/// environment is gone.
fn settle_unit(env: Option<u32>, deferred: UnitDeferred, r: mediacapture::Result<()>) {
    prompt::with_live_env(env, move || match r {
        Ok(()) => deferred.resolve(resolved),
        Err(e) => deferred.reject(js_error(&e)),
    });
}

#[napi]
impl NativeMediaElement {
    /// Delivers this element's events to the event sink as `target` (no payload).
    #[napi]
    pub fn listen(&self, target: u32) {
        self.el.add_event_listener(move |e| {
            emit(target, e.event_type(), String::new());
        });
    }

    /// Sets `srcObject` (`null` empties the element).
    #[napi]
    pub fn set_src_object(&self, stream: Option<&NativeStream>) {
        self.el.set_src_object(stream.map(|s| s.s.clone()));
    }

    /// The script that loaded has run: the load's resource selection goes on.
    #[napi]
    pub fn stable_state(&self) {
        self.el.stable_state();
    }

    /// `play()`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn play<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred::<(), fn(Env) -> napi::Result<()>>()?;
        let e = self.env;
        self.el.play_with(move |r| settle_unit(e, deferred, r));
        Ok(promise)
    }

    /// `pause()`.
    #[napi]
    pub fn pause(&self) {
        self.el.pause();
    }

    /// `load()`.
    #[napi]
    pub fn load(&self) {
        self.el.load();
    }

    /// `paused`.
    #[napi(getter)]
    pub fn paused(&self) -> bool {
        self.el.paused()
    }

    /// `ended`.
    #[napi(getter)]
    pub fn ended(&self) -> bool {
        self.el.ended()
    }

    /// `readyState`.
    #[napi(getter)]
    pub fn ready_state(&self) -> u32 {
        self.el.ready_state() as u32
    }

    /// `networkState`.
    #[napi(getter)]
    pub fn network_state(&self) -> u32 {
        self.el.network_state() as u32
    }

    /// `autoplay`.
    #[napi(getter)]
    pub fn autoplay(&self) -> bool {
        self.el.autoplay()
    }

    /// Sets `autoplay`.
    #[napi]
    pub fn set_autoplay(&self, v: bool) {
        self.el.set_autoplay(v);
    }

    /// `muted`.
    #[napi(getter)]
    pub fn muted(&self) -> bool {
        self.el.muted()
    }

    /// Sets `muted`.
    #[napi]
    pub fn set_muted(&self, v: bool) {
        self.el.set_muted(v);
    }

    /// `volume`.
    #[napi(getter)]
    pub fn volume(&self) -> f64 {
        self.el.volume()
    }

    /// Sets `volume` (IndexSizeError outside 0..1).
    #[napi]
    pub fn set_volume(&self, v: f64) -> napi::Result<()> {
        js(self.el.set_volume(v))
    }

    /// `currentTime` (seconds).
    #[napi(getter)]
    pub fn current_time(&self) -> f64 {
        self.el.current_time()
    }

    /// `duration`: NaN, or +Infinity for a stream.
    #[napi(getter)]
    pub fn duration(&self) -> f64 {
        self.el.duration()
    }

    /// `videoWidth`.
    #[napi(getter)]
    pub fn video_width(&self) -> u32 {
        self.el.video_width()
    }

    /// `videoHeight`.
    #[napi(getter)]
    pub fn video_height(&self) -> u32 {
        self.el.video_height()
    }

    /// `sinkId`.
    #[napi(getter)]
    pub fn sink_id(&self) -> String {
        self.el.sink_id()
    }

    /// `setSinkId(sinkId)`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn set_sink_id<'env>(&self, env: &'env Env, sink_id: String) -> napi::Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred::<(), fn(Env) -> napi::Result<()>>()?;
        let e = self.env;
        self.el
            .set_sink_id_with(&sink_id, move |r| settle_unit(e, deferred, r));
        Ok(promise)
    }

    /// `captureStream()`.
    #[napi]
    pub fn capture_stream(&self) -> NativeStream {
        NativeStream::from(self.el.capture_stream())
    }

    /// `requestVideoFrameCallback`: delivers `videoframe` with `{handle, now, metadata}` to
    /// `target` once, when the next frame is presented. Returns the handle.
    #[napi]
    pub fn request_video_frame_callback(&self, target: u32) -> u32 {
        let handle = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let h = handle.clone();
        let id = self.el.request_video_frame_callback(move |now, m| {
            let payload = json!({
                "handle": h.load(std::sync::atomic::Ordering::SeqCst),
                "now": now,
                "metadata": {
                    "presentationTime": m.presentation_time,
                    "expectedDisplayTime": m.expected_display_time,
                    "width": m.width,
                    "height": m.height,
                    "mediaTime": m.media_time,
                    "presentedFrames": m.presented_frames,
                    "captureTime": m.capture_time,
                },
            });
            emit(target, "videoframe", payload.to_string());
        });
        handle.store(id, std::sync::atomic::Ordering::SeqCst);
        id
    }

    /// `cancelVideoFrameCallback(handle)`.
    #[napi]
    pub fn cancel_video_frame_callback(&self, handle: u32) {
        self.el.cancel_video_frame_callback(handle);
    }

    /// Frames presented since the source was loaded.
    #[napi(getter)]
    pub fn presented_frames(&self) -> f64 {
        self.el.presented_frames() as f64
    }

    /// Nonstandard: shows the video in a native window (X11, `DISPLAY`); returns its X
    /// window id. Delivers `windowclose` to `target` when the user closes it.
    #[napi]
    pub fn show_window(&self, title: String, target: u32) -> napi::Result<u32> {
        let win = js(self.el.open_window(&title))?;
        let id = win.window().window_id();
        let watch = win.window().close_watch();
        *crate::lock(&self.window) = Some(win);
        // The user's close comes as an X event: a thread of its own waits for it (it ends
        // when the window is closed either way).
        std::thread::Builder::new()
            .name("mediacapture-window-watch".into())
            .spawn(move || {
                if watch.wait() {
                    emit(target, "windowclose", String::new());
                }
            })
            .map_err(|e| napi::Error::from_reason(format!("cannot start a thread: {e}")))?;
        Ok(id)
    }

    /// Nonstandard: closes the window opened by `showWindow`.
    #[napi]
    pub fn close_window(&self) {
        crate::lock(&self.window).take();
    }

    /// Nonstandard: audio playback statistics (JSON): frames played, underruns, dropped
    /// frames, the output's latency (µs).
    #[napi]
    pub fn audio_stats(&self) -> String {
        let s = self.el.audio_stats();
        json!({
            "playedFrames": s.jitter.played_frames,
            "underruns": s.jitter.underruns,
            "droppedFrames": s.jitter.dropped_frames,
            "outputLatencyUs": s.output_latency_us,
        })
        .to_string()
    }
}

/// `drawImage(video, ...args)` on a canvas's 2D context: draws the frame the element shows
/// (nothing when it shows none, as for a video whose readyState is below HAVE_CURRENT_DATA).
#[napi]
pub fn draw_media_element(
    ctx: &NativeContext2D,
    element: &NativeMediaElement,
    args: Vec<f64>,
) -> napi::Result<()> {
    let Some(frame) = element.el.current_frame() else {
        return Ok(());
    };
    let c = &ctx.ctx;
    js(match args[..] {
        [dx, dy] => c.draw_image(&frame, dx, dy),
        [dx, dy, dw, dh] => c.draw_image_scaled(&frame, dx, dy, dw, dh),
        [sx, sy, sw, sh, dx, dy, dw, dh] => {
            c.draw_image_rect(&frame, sx, sy, sw, sh, dx, dy, dw, dh)
        }
        _ => {
            return Err(type_error(format!(
                "drawImage takes 3, 5 or 9 arguments, not {}",
                args.len() + 1
            )));
        }
    })
}

/// `mediaDevices.selectAudioOutput(options)`: resolves with the chosen device's info JSON
/// (`{deviceId, kind, label, groupId}`). Runs on a thread of its own: it may wait for the
/// prompt handler as long as the user takes.
#[napi(ts_return_type = "Promise<string>")]
pub fn select_audio_output<'env>(
    env: &'env Env,
    devices: &NativeDevices,
    options: String,
) -> napi::Result<Object<'env>> {
    let (deferred, promise) = env.create_deferred()?;
    let md = devices.md.clone();
    let env_number = devices.env;
    std::thread::Builder::new()
        .name("mediacapture-select-output".into())
        .spawn(move || {
            let run = std::panic::AssertUnwindSafe(|| {
                AudioOutputOptions::from_json(&options)
                    .and_then(|o| futures_executor::block_on(md.select_audio_output(o)))
            });
            let result = std::panic::catch_unwind(run)
                .unwrap_or_else(|_| Err(Error::unknown("internal error while selecting")));
            prompt::with_live_env(env_number, move || match result {
                Ok(info) => deferred.resolve(move |_| Ok(info.to_json().to_string())),
                Err(e) => deferred.reject(js_error(&e)),
            });
        })
        .map_err(|e| napi::Error::from_reason(format!("cannot start a thread: {e}")))?;
    Ok(promise)
}
