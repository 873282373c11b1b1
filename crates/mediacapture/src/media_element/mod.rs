//! `HTMLMediaElement` (`<audio>`, `<video>`) playing a `MediaStream`: `srcObject`,
//! `play()`, `pause()`, the ready states and their events, `currentTime`, `volume` and
//! `muted`, `setSinkId` (Audio Output Devices API), `captureStream()`
//! (mediacapture-fromelement) and `requestVideoFrameCallback`.
//!
//! Only what applies to a `MediaStream` as the media provider is here: the element has no
//! `src` URL, nothing is buffered or seekable, `duration` is `+Infinity`, `currentTime`
//! grows in real time while the element is potentially playing (mediacapture-main,
//! "MediaStreams in Media Elements"). Audio goes to a speaker through an
//! [`AudioPlayer`](crate::playout::AudioPlayer) (every audio track mixed, at `volume`, silent
//! when `muted`); video frames are *presented* while the element plays: to the functions
//! given to [`HTMLMediaElement::on_presented_frame`] (a window), to `captureStream()` tracks
//! and to video frame callbacks. [`HTMLMediaElement::current_frame`] is the frame shown
//! (what `drawImage(video)` draws).
//!
//! Events are queued tasks on the event loop of the element's `MediaDevices` (its
//! document), fired in the order HTML fires them.
//!
//! ```
//! use mediacapture::media_element::{HTMLMediaElement, MediaElementEvent, ReadyState};
//! use mediacapture::MediaDevices;
//! # futures_executor::block_on(async {
//! let devices = MediaDevices::builder().fake_devices(true).build();
//! let stream = devices.get_user_media_json(r#"{"video": {"width": 640}}"#).await?;
//! let video = HTMLMediaElement::video(&devices);
//! let (tx, rx) = std::sync::mpsc::channel();
//! video.on(MediaElementEvent::LoadedMetadata, move || { let _ = tx.send(()); });
//! video.set_src_object(Some(stream.clone()));
//! video.play().await?; // resolves once playing
//! rx.recv_timeout(std::time::Duration::from_secs(10)).expect("loadedmetadata");
//! assert_eq!((video.video_width(), video.video_height()), (640, 480));
//! assert_eq!(video.ready_state(), ReadyState::HaveEnoughData);
//! assert!(!video.paused());
//! video.pause();
//! stream.get_tracks().iter().for_each(|t| t.stop());
//! # Ok::<(), mediacapture::Error>(())
//! # }).unwrap();
//! ```
//!
//! Spec: <https://html.spec.whatwg.org/multipage/media.html#htmlmediaelement>,
//! <https://w3c.github.io/mediacapture-main/#mediastreams-in-media-elements>

mod capture;
mod sink;
mod state;
mod video;
#[cfg(feature = "x11")]
mod window;

pub use video::VideoFrameCallbackMetadata;
#[cfg(feature = "x11")]
pub use window::ElementWindow;

use crate::events::{EventLoop, EventStream, EventTarget, ListenerId};
use crate::playout::{AudioPlayer, PlayerOptions, PlayoutStats};
use crate::stream::MediaStream;
use crate::{Error, MediaDevices, Result, VideoFrame};
use futures_channel::oneshot;
use mediacapture_hal::clock::{self, Clock};
use parking_lot::Mutex;
use state::State;
use std::future::Future;
use std::sync::Arc;

/// `<audio>` or `<video>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaElementKind {
    /// `HTMLAudioElement`: plays audio only (a stream's video is not selected).
    Audio,
    /// `HTMLVideoElement`: plays audio and the stream's first video track.
    Video,
}

/// `readyState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u16)]
pub enum ReadyState {
    /// `HAVE_NOTHING` (0).
    HaveNothing = 0,
    /// `HAVE_METADATA` (1).
    HaveMetadata = 1,
    /// `HAVE_CURRENT_DATA` (2).
    HaveCurrentData = 2,
    /// `HAVE_FUTURE_DATA` (3).
    HaveFutureData = 3,
    /// `HAVE_ENOUGH_DATA` (4).
    HaveEnoughData = 4,
}

/// `networkState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum NetworkState {
    /// `NETWORK_EMPTY` (0): no media.
    Empty = 0,
    /// `NETWORK_IDLE` (1).
    Idle = 1,
    /// `NETWORK_LOADING` (2).
    Loading = 2,
    /// `NETWORK_NO_SOURCE` (3).
    NoSource = 3,
}

/// An event fired at a media element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaElementEvent {
    /// `loadstart`: loading a new media provider began.
    LoadStart,
    /// `emptied`: the element was reset by a new load.
    Emptied,
    /// `abort`: a load was interrupted by another.
    Abort,
    /// `durationchange`: `duration` changed (to `+Infinity` for a stream).
    DurationChange,
    /// `loadedmetadata`: `videoWidth`/`videoHeight` (and `duration`) are known.
    LoadedMetadata,
    /// `loadeddata`: the current frame is there.
    LoadedData,
    /// `canplay`.
    CanPlay,
    /// `canplaythrough`.
    CanPlayThrough,
    /// `play`: `paused` became false.
    Play,
    /// `playing`: playback started (or resumed).
    Playing,
    /// `waiting`: playing, but no data yet.
    Waiting,
    /// `pause`: `paused` became true.
    Pause,
    /// `timeupdate`: `currentTime` changed noticeably (fired on pause and when playback ends).
    TimeUpdate,
    /// `ended`: playback ended (the stream became inactive).
    Ended,
    /// `resize`: `videoWidth`/`videoHeight` changed.
    Resize,
    /// `volumechange`: `volume` or `muted` changed.
    VolumeChange,
    /// `sinkfallback` (an extension, not in HTML): the audio output in use went away and
    /// the element now plays to the default output, as browsers do; `sinkId` is unchanged.
    SinkFallback,
}

impl MediaElementEvent {
    /// The DOM event type.
    pub fn event_type(self) -> &'static str {
        use MediaElementEvent as E;
        match self {
            E::LoadStart => "loadstart",
            E::Emptied => "emptied",
            E::Abort => "abort",
            E::DurationChange => "durationchange",
            E::LoadedMetadata => "loadedmetadata",
            E::LoadedData => "loadeddata",
            E::CanPlay => "canplay",
            E::CanPlayThrough => "canplaythrough",
            E::Play => "play",
            E::Playing => "playing",
            E::Waiting => "waiting",
            E::Pause => "pause",
            E::TimeUpdate => "timeupdate",
            E::Ended => "ended",
            E::Resize => "resize",
            E::VolumeChange => "volumechange",
            E::SinkFallback => "sinkfallback",
        }
    }
}

pub(crate) struct ElementInner {
    kind: MediaElementKind,
    devices: MediaDevices,
    clock: Arc<dyn Clock>,
    pub(crate) event_loop: EventLoop,
    events: EventTarget<MediaElementEvent>,
    pub(crate) state: Mutex<State>,
    pub(crate) player: AudioPlayer,
    pub(crate) video: video::Video,
}

/// A media element. See the module docs.
///
/// `Clone` copies the handle (both are the same element). The element stops playing (its
/// sinks leave the tracks, its audio leaves the speaker) when the last handle is dropped.
#[derive(Clone)]
pub struct HTMLMediaElement {
    pub(crate) inner: Arc<ElementInner>,
}

impl std::fmt::Debug for HTMLMediaElement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.inner.state.lock();
        f.debug_struct("HTMLMediaElement")
            .field("kind", &self.inner.kind)
            .field("readyState", &st.ready_state)
            .field("paused", &st.paused)
            .finish_non_exhaustive()
    }
}

impl PartialEq for HTMLMediaElement {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl HTMLMediaElement {
    /// A new `<video>` of the document `devices` (which also plays its audio, resolves its
    /// `sinkId` and runs its events).
    pub fn video(devices: &MediaDevices) -> Self {
        Self::new(MediaElementKind::Video, devices, clock::system())
    }

    /// A new `<audio>` (`new Audio()`).
    pub fn audio(devices: &MediaDevices) -> Self {
        Self::new(MediaElementKind::Audio, devices, clock::system())
    }

    /// A new element whose `currentTime` and frame callback times follow `clock` (a manual
    /// clock in tests).
    pub fn new(kind: MediaElementKind, devices: &MediaDevices, clock: Arc<dyn Clock>) -> Self {
        let inner = Arc::new(ElementInner {
            kind,
            devices: devices.clone(),
            clock,
            event_loop: devices.event_loop().clone(),
            events: EventTarget::default(),
            state: Mutex::new(State::default()),
            player: AudioPlayer::new(PlayerOptions::default()),
            video: video::Video::default(),
        });
        sink::watch_output(&inner);
        HTMLMediaElement { inner }
    }

    /// `<audio>` or `<video>`.
    pub fn kind(&self) -> MediaElementKind {
        self.inner.kind
    }

    /// The event loop this element's events run on (its `MediaDevices`' loop).
    pub fn event_loop(&self) -> &EventLoop {
        &self.inner.event_loop
    }

    // -------------------------------------------------------------------------------------
    // Events.

    /// Registers a listener for every event of this element.
    pub fn add_event_listener(
        &self,
        listener: impl Fn(&MediaElementEvent) + Send + Sync + 'static,
    ) -> ListenerId {
        self.inner.events.add(listener)
    }

    /// Registers a listener for one event type only.
    pub fn on(
        &self,
        event: MediaElementEvent,
        listener: impl Fn() + Send + Sync + 'static,
    ) -> ListenerId {
        self.inner.events.add(move |e| {
            if *e == event {
                listener()
            }
        })
    }

    /// Unregisters a listener; `false` if it was not registered.
    pub fn remove_event_listener(&self, id: ListenerId) -> bool {
        self.inner.events.remove(id)
    }

    /// An async stream of this element's events from now on.
    pub fn events(&self) -> EventStream<MediaElementEvent> {
        self.inner.events.stream()
    }

    // -------------------------------------------------------------------------------------
    // Attributes.

    /// `srcObject`.
    pub fn src_object(&self) -> Option<MediaStream> {
        self.inner.state.lock().src.clone()
    }

    /// Sets `srcObject` and runs the media element load algorithm: the previous stream is
    /// let go (pending `play()` promises reject with `AbortError`, `emptied` fires), and the
    /// new one starts loading (`loadstart`, then `loadedmetadata`… once its metadata is
    /// known: at once for a stream without a live video track, or with the frame its video
    /// track shows now; at the track's first frame otherwise). `None` empties the element.
    ///
    /// The load's resource selection "awaits a stable state" in HTML: it goes on after the
    /// script that set the source, so that script's `play()` comes before any
    /// `loadedmetadata`. Rust has no script: here it goes on at once, and `loadedmetadata` can
    /// come before the caller's next call, unless the element
    /// [awaits stable states](HTMLMediaElement::set_awaits_stable_state).
    ///
    /// Spec: <https://html.spec.whatwg.org/multipage/media.html#dom-media-srcobject>
    pub fn set_src_object(&self, stream: Option<MediaStream>) {
        state::load(&self.inner, stream);
    }

    /// For a host that runs scripts (the Node addon): `true` makes every later load (a
    /// new `srcObject`, [`HTMLMediaElement::load`]) stop at HTML's "await a stable state",
    /// with `networkState` `NETWORK_NO_SOURCE`, until the host calls
    /// [`HTMLMediaElement::stable_state`] once the script that loaded has run. `false` (the
    /// default): loads go on at once.
    ///
    /// ```
    /// use mediacapture::media_element::{HTMLMediaElement, NetworkState};
    /// use mediacapture::MediaDevices;
    /// # futures_executor::block_on(async {
    /// let devices = MediaDevices::builder().fake_devices(true).build();
    /// let stream = devices.get_user_media_json(r#"{"video": true}"#).await?;
    /// let video = HTMLMediaElement::video(&devices);
    /// video.set_awaits_stable_state(true);
    /// video.set_src_object(Some(stream.clone()));
    /// let playing = video.play(); // `play` is queued before `loadstart`
    /// assert_eq!(video.network_state(), NetworkState::NoSource);
    /// video.stable_state(); // the "script" is over
    /// assert_eq!(video.network_state(), NetworkState::Loading);
    /// playing.await?;
    /// stream.get_tracks().iter().for_each(|t| t.stop());
    /// # Ok::<(), mediacapture::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// Spec: <https://html.spec.whatwg.org/multipage/webappapis.html#await-a-stable-state>
    pub fn set_awaits_stable_state(&self, awaits: bool) {
        self.inner.state.lock().awaits_stable_state = awaits;
    }

    /// The host's script has run (a stable state): a load waiting for it goes on (see
    /// [`HTMLMediaElement::set_awaits_stable_state`]). Does nothing if none waits.
    pub fn stable_state(&self) {
        state::stable_state(&self.inner);
    }

    /// `paused`.
    pub fn paused(&self) -> bool {
        self.inner.state.lock().paused
    }

    /// `ended`: playback ended (the stream became inactive) and the element is not looping.
    pub fn ended(&self) -> bool {
        self.inner.state.lock().ended
    }

    /// `readyState`.
    pub fn ready_state(&self) -> ReadyState {
        self.inner.state.lock().ready_state
    }

    /// `networkState`.
    pub fn network_state(&self) -> NetworkState {
        self.inner.state.lock().network_state
    }

    /// `autoplay`.
    pub fn autoplay(&self) -> bool {
        self.inner.state.lock().autoplay
    }

    /// Sets `autoplay`: the element plays by itself once it can.
    pub fn set_autoplay(&self, autoplay: bool) {
        self.inner.state.lock().autoplay = autoplay;
    }

    /// `muted`.
    pub fn muted(&self) -> bool {
        self.inner.state.lock().muted
    }

    /// Sets `muted` (`volumechange` when it changes). A muted element plays silence; its
    /// captured audio (`captureStream()`) is not affected.
    pub fn set_muted(&self, muted: bool) {
        state::set_volume(&self.inner, None, Some(muted)).ok();
    }

    /// `volume`, 0.0 to 1.0.
    pub fn volume(&self) -> f64 {
        self.inner.state.lock().volume
    }

    /// Sets `volume` (`volumechange` when it changes). `IndexSizeError` outside 0.0..=1.0
    /// (and for NaN), as HTML says.
    pub fn set_volume(&self, volume: f64) -> Result<()> {
        state::set_volume(&self.inner, Some(volume), None)
    }

    /// `duration`: NaN without media, `+Infinity` for a stream (once its metadata is known).
    pub fn duration(&self) -> f64 {
        let st = self.inner.state.lock();
        if st.ready_state >= ReadyState::HaveMetadata {
            f64::INFINITY
        } else {
            f64::NAN
        }
    }

    /// `currentTime` in seconds: 0 at load, then growing in real time (on the element's
    /// clock) while the element is potentially playing.
    pub fn current_time(&self) -> f64 {
        let now = self.inner.clock.now_us();
        self.inner.state.lock().position_at(now) as f64 / 1e6
    }

    /// Setting `currentTime`: ignored for a stream (it cannot seek), as mediacapture-main
    /// says.
    pub fn set_current_time(&self, _seconds: f64) {}

    /// `seeking`: always false (a stream cannot seek).
    pub fn seeking(&self) -> bool {
        false
    }

    /// `playbackRate` and `defaultPlaybackRate`: always 1.0 for a stream.
    pub fn playback_rate(&self) -> f64 {
        1.0
    }

    /// `error`: `None` (a stream never fails to decode); the code and message otherwise.
    pub fn error(&self) -> Option<(u16, String)> {
        self.inner.state.lock().error.clone()
    }

    /// `videoWidth` (0 for `<audio>`, or before the first frame).
    pub fn video_width(&self) -> u32 {
        self.inner.video.size().0
    }

    /// `videoHeight`.
    pub fn video_height(&self) -> u32 {
        self.inner.video.size().1
    }

    /// `sinkId`: `""` for the default output, or the id `setSinkId` set.
    pub fn sink_id(&self) -> String {
        self.inner.state.lock().sink_id.clone()
    }

    // -------------------------------------------------------------------------------------
    // Methods.

    /// `play()`: resolves once the element plays (`playing` fired), rejects with
    /// `AbortError` when a `pause()` or a new load comes first, with `NotSupportedError`
    /// when the element has no media provider (as Chromium: "The element has no supported
    /// sources").
    ///
    /// Spec: <https://html.spec.whatwg.org/multipage/media.html#dom-media-play>
    pub fn play(&self) -> impl Future<Output = Result<()>> + Send + use<> {
        let (tx, rx) = oneshot::channel();
        self.play_with(move |r| {
            let _ = tx.send(r);
        });
        async move {
            rx.await
                .unwrap_or_else(|_| Err(Error::abort("the media element went away")))
        }
    }

    /// [`HTMLMediaElement::play`] settling a callback instead of a future: `settle` is called
    /// once (on the element's event loop, or at once for an immediate rejection). For
    /// bindings that settle their own promises.
    pub fn play_with(&self, settle: impl FnOnce(Result<()>) + Send + 'static) {
        state::play(&self.inner, Box::new(settle));
    }

    /// `pause()`: `paused` becomes true at once; `timeupdate` and `pause` fire, and pending
    /// `play()` promises reject with `AbortError`.
    ///
    /// Spec: <https://html.spec.whatwg.org/multipage/media.html#dom-media-pause>
    pub fn pause(&self) {
        state::pause(&self.inner);
    }

    /// `load()`: runs the load algorithm again with the current `srcObject`.
    pub fn load(&self) {
        let src = self.src_object();
        state::load(&self.inner, src);
    }

    /// `setSinkId(sinkId)`: plays the element's audio to the `audiooutput` device with this
    /// id (`""`: the default output) from now on. Rejects with `NotAllowedError` (policy,
    /// denied "speaker-selection"), `NotFoundError` (no exposed output has this id),
    /// `AbortError` (the device could not be opened); `sinkId` changes when it resolves.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-output/#dom-htmlmediaelement-setsinkid>
    pub fn set_sink_id(&self, sink_id: &str) -> impl Future<Output = Result<()>> + Send + 'static {
        sink::set_sink_id_future(&self.inner, sink_id.to_owned())
    }

    /// [`HTMLMediaElement::set_sink_id`] settling a callback instead of a future.
    pub fn set_sink_id_with(
        &self,
        sink_id: &str,
        settle: impl FnOnce(Result<()>) + Send + 'static,
    ) {
        sink::set_sink_id(&self.inner, sink_id.to_owned(), settle);
    }

    /// `captureStream()`: a stream of tracks that carry what the element renders (its audio
    /// before volume and muting, its presented video frames), muted while the element does
    /// not play, ended when its source changes or playback ends (new tracks are then added
    /// with `addtrack` once the new source's metadata is known).
    ///
    /// Spec: <https://w3c.github.io/mediacapture-fromelement/#dom-htmlmediaelement-capturestream>
    pub fn capture_stream(&self) -> MediaStream {
        capture::capture_stream(&self.inner)
    }

    /// `requestVideoFrameCallback(callback)`: `callback(now, metadata)` is called once, in a
    /// task, when the next video frame is presented (`now` in milliseconds on the element's
    /// clock). Returns the handle for [`HTMLMediaElement::cancel_video_frame_callback`].
    ///
    /// Spec: <https://wicg.github.io/video-rvfc/>
    pub fn request_video_frame_callback(
        &self,
        callback: impl FnOnce(f64, &VideoFrameCallbackMetadata) + Send + 'static,
    ) -> u32 {
        self.inner.video.request_callback(Box::new(callback))
    }

    /// `cancelVideoFrameCallback(handle)`.
    pub fn cancel_video_frame_callback(&self, handle: u32) {
        self.inner.video.cancel_callback(handle);
    }

    /// Calls `callback` with every video frame the element presents (on the capture thread:
    /// keep it quick; a window copies the frame and draws on its own thread). Returns an id
    /// for [`HTMLMediaElement::remove_frame_output`].
    pub fn on_presented_frame(
        &self,
        callback: impl Fn(&VideoFrame) + Send + Sync + 'static,
    ) -> u64 {
        let id = self.inner.video.add_output(Arc::new(callback));
        if let Some(f) = self.current_frame() {
            self.inner.video.present_to(id, &f);
        }
        id
    }

    /// Removes a frame output added with [`HTMLMediaElement::on_presented_frame`].
    pub fn remove_frame_output(&self, id: u64) {
        self.inner.video.remove_output(id);
    }

    /// The frame the element shows now (the last one presented), if any: what
    /// `drawImage(video)` draws.
    pub fn current_frame(&self) -> Option<VideoFrame> {
        self.inner.video.current()
    }

    /// How many frames the element presented since its current source was loaded.
    pub fn presented_frames(&self) -> u64 {
        self.inner.video.presented()
    }

    /// The element's audio playback statistics (jitter buffers, speaker latency).
    pub fn audio_stats(&self) -> PlayoutStats {
        self.inner.player.stats()
    }

    /// The time on the element's clock (µs).
    pub(crate) fn now_us(inner: &ElementInner) -> i64 {
        inner.clock.now_us()
    }
}

impl ElementInner {
    /// Fires `event` in a queued task (after every task queued before).
    pub(crate) fn fire(self: &Arc<Self>, event: MediaElementEvent) {
        let inner = self.clone();
        self.event_loop.queue(move || inner.events.dispatch(&event));
    }

    /// Queues `task` on the element's event loop.
    pub(crate) fn queue(self: &Arc<Self>, task: impl FnOnce(&Arc<ElementInner>) + Send + 'static) {
        let inner = self.clone();
        self.event_loop.queue(move || task(&inner));
    }
}

impl Drop for ElementInner {
    fn drop(&mut self) {
        let st = self.state.get_mut();
        st.detach_all(&self.player, &self.video);
        st.abandon_promises();
    }
}
