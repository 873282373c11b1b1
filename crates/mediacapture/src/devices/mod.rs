//! `MediaDevices`: enumeration, getUserMedia, getDisplayMedia, permissions and `devicechange`.
//!
//! The decisions (permission state and exposure, the exposed device list and its changes,
//! SelectSettings, how a shared source is offered) are `mediacapture-core`'s; this module
//! carries them out: it asks backends, prompts, opens sources and fires events.
//!
//! Threads: each `MediaDevices` runs its requests (getUserMedia, getDisplayMedia,
//! applyConstraints of its tracks) one at a time, in call order, on a request thread of its
//! own, and its queries (enumerateDevices) on another, so the futures it returns only wait:
//! nothing blocks inside `poll`, and a prompt answered by another task of a single-threaded
//! executor cannot deadlock. Its events run on its own event loop.
//!
//! Spec: <https://w3c.github.io/mediacapture-main/#mediadevices>

mod audio_output;
mod builder;
mod display_media;
mod user_media;

pub use audio_output::AudioOutputOptions;
pub use builder::{MediaDevicesBuilder, PermissionRequest, PromptFuture, PromptHandler};
pub use mediacapture_core::enumerate::DeviceInfo;

use crate::events::{EventLoop, EventStream, EventTarget, ListenerId};
use crate::source::SourceHub;
use crate::stream::MediaStream;
use crate::track::MediaStreamTrack;
use crate::{Error, Result, TrackKind};
use futures_channel::oneshot;
use mediacapture_core::enumerate::{Exposure, device_change, device_info_list, vanished_sources};
use mediacapture_core::permissions::{PermissionName, PermissionState, Permissions};
use mediacapture_core::{DeviceIdHasher, DeviceView};
use mediacapture_hal::Backend;
use mediacapture_types::native::{DeviceDescriptor, NativeCapabilities};
use mediacapture_types::{
    DisplayCaptureSurfaceType, DisplayMediaStreamOptions, MediaDeviceKind, MediaStreamConstraints,
    MediaTrackSupportedConstraints,
};
use parking_lot::Mutex;
use std::future::Future;
use std::sync::{Arc, Weak};

/// `devicechange`: the list of devices exposed to this origin changed.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#devicechangeevent>
#[derive(Debug, Clone)]
pub struct DeviceChangeEvent {
    /// The new exposed list.
    pub devices: Vec<DeviceInfo>,
    /// The devices of `devices` that were newly inserted.
    pub user_inserted_devices: Vec<DeviceInfo>,
}

/// A display surface as [`MediaDevices::display_surfaces`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplaySurfaceInfo {
    /// The surface's label (e.g. the X screen's name).
    pub label: String,
    /// Monitor, window or browser.
    pub display_surface: DisplayCaptureSurfaceType,
    /// Width in pixels. For a surface the system's own dialog chooses (the xdg-desktop-portal
    /// on Wayland, labelled "chosen in the portal"), a placeholder: which screen, and so its
    /// size, is only known once the user picked one in getDisplayMedia's dialog (the portal
    /// backend lists 1920x1080, or the size of the last cast it was granted).
    pub width: u32,
    /// Height in pixels (a placeholder for a portal surface, as `width`).
    pub height: u32,
}

/// A device and the index of the backend that has it.
type BackendDevice = (usize, DeviceDescriptor);

struct DevState {
    permissions: Permissions,
    /// The raw device list as of the last device change (for `devicechange`).
    stored: Vec<BackendDevice>,
    hubs: Vec<(usize, String, Weak<SourceHub>)>,
    /// Raw ids of the outputs exposed by `selectAudioOutput()`.
    selected_outputs: Vec<String>,
}

pub(crate) struct DevicesInner {
    origin: String,
    hasher: DeviceIdHasher,
    backends: Vec<Arc<dyn Backend>>,
    prompt: Option<PromptHandler>,
    state: Mutex<DevState>,
    events: EventTarget<DeviceChangeEvent>,
    /// Where this document's events run: `devicechange`, and the events of its tracks.
    pub(crate) event_loop: EventLoop,
    /// Where getUserMedia, getDisplayMedia and applyConstraints run, one at a time.
    pub(crate) requests: EventLoop,
    /// Where enumerateDevices runs (never behind a pending prompt).
    queries: EventLoop,
}

/// The entry point: `navigator.mediaDevices` for one origin.
///
/// Cloning copies the handle.
#[derive(Clone)]
pub struct MediaDevices {
    pub(crate) inner: Arc<DevicesInner>,
}

impl std::fmt::Debug for MediaDevices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaDevices")
            .field("origin", &self.inner.origin)
            .field("backends", &self.backend_names())
            .finish()
    }
}

/// Runs `job` on `worker` and gives its result as a future; an `AbortError` if the job could
/// not report (it panicked).
pub(crate) fn run_on<T: Send + 'static>(
    worker: &EventLoop,
    job: impl FnOnce() -> Result<T> + Send + 'static,
) -> impl Future<Output = Result<T>> + Send + 'static {
    let (tx, rx) = oneshot::channel();
    worker.queue(move || {
        let _ = tx.send(job());
    });
    async move {
        rx.await
            .unwrap_or_else(|_| Err(Error::abort("the request failed inside the library")))
    }
}

impl MediaDevices {
    /// A builder with the origin `"app"`, every permission granted and the default backends
    /// (real devices; fake ones only when asked for).
    pub fn builder() -> MediaDevicesBuilder {
        MediaDevicesBuilder::default()
    }

    /// The origin device ids are derived for.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// The names of the backends in use, in fallback order.
    pub fn backend_names(&self) -> Vec<&'static str> {
        self.inner.backends.iter().map(|b| b.name()).collect()
    }

    /// The event loop this object's events (and its tracks' and streams') run on.
    pub fn event_loop(&self) -> &EventLoop {
        &self.inner.event_loop
    }

    /// The current state of a permission.
    pub fn permission(&self, name: PermissionName) -> PermissionState {
        self.inner.state.lock().permissions.state(name)
    }

    /// Changes a permission's state, as a user or a test driver would. Turning a permission to
    /// `Denied` revokes it: live camera (microphone, display) tracks of this origin end with
    /// `ended`.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dfn-device-permission-revocation-algorithm>
    pub fn set_permission(&self, name: PermissionName, state: PermissionState) {
        let revoked = self.inner.state.lock().permissions.set(name, state);
        if revoked {
            for track in self.inner.live_tracks() {
                let uses = match name {
                    PermissionName::Camera => {
                        track.kind() == TrackKind::Video && !track.is_display()
                    }
                    PermissionName::Microphone => {
                        track.kind() == TrackKind::Audio && !track.is_display()
                    }
                    PermissionName::DisplayCapture => track.is_display(),
                    // Choosing a speaker captures nothing: no track ends.
                    PermissionName::SpeakerSelection => false,
                };
                if uses {
                    track.end_by_ua();
                }
            }
        }
    }

    /// Every constrainable property this implementation recognizes.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadevices-getsupportedconstraints>
    pub fn get_supported_constraints(&self) -> MediaTrackSupportedConstraints {
        MediaTrackSupportedConstraints::default()
    }

    /// The devices, as exposed to this origin: microphones, cameras, then outputs; before
    /// permission at most one entry per kind with empty strings. New objects on every call.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadevices-enumeratedevices>
    pub fn enumerate_devices(
        &self,
    ) -> impl Future<Output = Result<Vec<DeviceInfo>>> + Send + 'static {
        let inner = self.inner.clone();
        run_on(&self.inner.queries, move || {
            let raw = inner.raw_devices();
            Ok(inner.exposed_list(&raw))
        })
    }

    /// The display surfaces getDisplayMedia can capture (not part of the spec, where the user
    /// picks in a dialog and `enumerateDevices` never lists them): for a native program to
    /// show what is there. Ids are not given: surfaces cannot be selected by id. The size of a
    /// surface chosen in the system's dialog (the portal on Wayland) is a placeholder until a
    /// getDisplayMedia is granted; the granted track's settings have the real one.
    pub fn display_surfaces(
        &self,
    ) -> impl Future<Output = Result<Vec<DisplaySurfaceInfo>>> + Send + 'static {
        let inner = self.inner.clone();
        run_on(&self.inner.queries, move || {
            Ok(inner
                .raw_devices()
                .iter()
                .filter_map(|(_, d)| match &d.capabilities {
                    NativeCapabilities::Display(c) => Some(DisplaySurfaceInfo {
                        label: d.label.clone(),
                        display_surface: c.display_surface,
                        width: c.width,
                        height: c.height,
                    }),
                    _ => None,
                })
                .collect())
        })
    }

    /// Prompts for permission and opens one audio and/or one video track that satisfy the
    /// constraints. Errors, in the spec's order: `TypeError` (nothing requested; a required
    /// constraint not allowed for device selection), `NotAllowedError` (policy, denied
    /// permission, refused prompt), `NotFoundError`, `OverconstrainedError` (the constraint is
    /// named only when device information may be exposed), `NotReadableError`, `AbortError`.
    ///
    /// The work runs on this object's request thread; the future only waits for it.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia>
    pub fn get_user_media(
        &self,
        constraints: MediaStreamConstraints,
    ) -> impl Future<Output = Result<MediaStream>> + Send + 'static {
        let inner = self.inner.clone();
        run_on(&self.inner.requests, move || {
            inner.get_user_media(&constraints)
        })
    }

    /// [`MediaDevices::get_user_media`] with constraints given as JSON, exactly as a web page
    /// would pass them (`TypeError` naming the member for malformed input).
    pub fn get_user_media_json(
        &self,
        constraints: &str,
    ) -> impl Future<Output = Result<MediaStream>> + Send + 'static {
        let parsed = MediaStreamConstraints::from_json(constraints);
        let inner = self.inner.clone();
        run_on(&self.inner.requests, move || inner.get_user_media(&parsed?))
    }

    /// Captures a display surface (a screen) and, when `audio` is requested (and
    /// `systemAudio` is not `"exclude"`) and the chosen surface is a whole screen
    /// (`"monitor"`; Chromium offers no system audio with a window), the system audio if a
    /// backend has it ([`Backend::system_audio`]): the stream holds the video track, then the
    /// audio track (labelled as the backend labels it, `"System Audio"`). Without system
    /// audio there is no audio track, as the spec allows. The constraints choose settings
    /// after the surface is chosen, and `displaySurface` is only a preference. One
    /// "display-capture" prompt covers both tracks.
    ///
    /// `monitorTypeSurfaces: "exclude"` leaves whole screens out of the choice (only windows
    /// and tabs are offered; none left: `NotFoundError`).
    ///
    /// The audio track has the microphone properties of its source (sample rate, channel
    /// count, …; no audio processing on real system audio), and reports `restrictOwnAudio`
    /// (`true` only when asked for and the backend's system audio leaves this process's own
    /// playback out: the fake backend's does, PulseAudio's whole-mix monitor does not) and
    /// `suppressLocalAudioPlayback` (what was asked for; nothing is played from a captured
    /// surface here). See the `display_audio` module.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-mediadevices-getdisplaymedia>
    pub fn get_display_media(
        &self,
        options: DisplayMediaStreamOptions,
    ) -> impl Future<Output = Result<MediaStream>> + Send + 'static {
        let inner = self.inner.clone();
        run_on(&self.inner.requests, move || {
            inner.get_display_media(&options)
        })
    }

    /// Registers a `devicechange` listener.
    pub fn add_event_listener(
        &self,
        listener: impl Fn(&DeviceChangeEvent) + Send + Sync + 'static,
    ) -> ListenerId {
        self.inner.events.add(listener)
    }

    /// Unregisters a listener.
    pub fn remove_event_listener(&self, id: ListenerId) -> bool {
        self.inner.events.remove(id)
    }

    /// An async stream of `devicechange` events from now on.
    pub fn events(&self) -> EventStream<DeviceChangeEvent> {
        self.inner.events.stream()
    }
}

impl DevicesInner {
    /// Every device of every backend, in backend order. A failing backend is logged and
    /// skipped, as if it had no devices.
    fn raw_devices(&self) -> Vec<BackendDevice> {
        let mut out = Vec::new();
        for (i, b) in self.backends.iter().enumerate() {
            match b.devices() {
                Ok(list) => out.extend(list.into_iter().map(|d| (i, d))),
                Err(e) => tracing::warn!("backend {} cannot list devices: {e}", b.name()),
            }
        }
        out
    }

    /// The view of a device for selection: microphones come with the software audio
    /// processing (Chromium's processed candidates); see `display_view` for getDisplayMedia.
    fn view<'a>(&self, d: &'a DeviceDescriptor) -> DeviceView<'a> {
        DeviceView::new(
            d,
            self.hasher.device_id(&self.origin, &d.raw_id),
            self.hasher.group_id(&self.origin, &d.raw_group_id),
        )
    }

    fn live_hubs(&self) -> Vec<Arc<SourceHub>> {
        let mut s = self.state.lock();
        s.hubs
            .retain(|(_, _, w)| w.upgrade().is_some_and(|h| !h.is_closed()));
        s.hubs.iter().filter_map(|(_, _, w)| w.upgrade()).collect()
    }

    fn live_tracks(self: &Arc<Self>) -> Vec<MediaStreamTrack> {
        let mut out = Vec::new();
        for hub in self.live_hubs() {
            for t in hub.live_tracks() {
                let track = MediaStreamTrack { inner: t };
                if track.is_from_device(self) {
                    out.push(track);
                }
            }
        }
        out
    }

    /// Whether this origin has a live getUserMedia capture of `kind` now.
    fn live_capture(&self, kind: MediaDeviceKind) -> bool {
        self.live_hubs()
            .iter()
            .any(|h| h.descriptor.kind == kind && !h.display && !h.live_tracks().is_empty())
    }

    /// Spec: "camera (microphone) information can be exposed".
    fn can_expose(&self, kind: MediaDeviceKind) -> bool {
        let live = self.live_capture(kind);
        self.state.lock().permissions.can_expose(kind, live)
    }

    fn exposure(&self) -> Exposure {
        Exposure {
            camera: self.can_expose(MediaDeviceKind::VideoInput),
            microphone: self.can_expose(MediaDeviceKind::AudioInput),
        }
    }

    /// Spec: "creating a list of device info objects" (decided by the core).
    fn exposed_list(&self, raw: &[BackendDevice]) -> Vec<DeviceInfo> {
        let devices: Vec<&DeviceDescriptor> = raw.iter().map(|(_, d)| d).collect();
        let policy = self.state.lock().permissions.policy();
        let list = device_info_list(
            &devices,
            &self.hasher,
            &self.origin,
            &policy,
            self.exposure(),
        );
        self.with_selected_outputs(list, raw)
    }

    /// Spec: "device change notification steps". Runs in a task on the event loop.
    fn device_change(&self) {
        let new_raw = self.raw_devices();
        let hubs = self.live_hubs();
        // The system audio is not enumerated: it is present while a backend offers it.
        let system_audio = hubs
            .iter()
            .any(|h| h.display && !h.descriptor.is_display())
            .then(|| self.system_audio())
            .flatten();
        let present: Vec<&str> = new_raw
            .iter()
            .map(|(_, d)| d.raw_id.as_str())
            .chain(system_audio.iter().map(|(_, d)| d.raw_id.as_str()))
            .collect();
        // A device that is gone ends its tracks first (whether or not its backend reported
        // the end yet), so `ended` always precedes the `devicechange` that removes it.
        let gone = vanished_sources(hubs.iter().map(|h| h.descriptor.raw_id.as_str()), &present);
        for hub in hubs
            .iter()
            .filter(|h| gone.contains(&h.descriptor.raw_id.as_str()))
        {
            hub.end_all();
        }
        let old_raw = std::mem::replace(&mut self.state.lock().stored, new_raw.clone());
        let old = self.exposed_list(&old_raw);
        let new = self.exposed_list(&new_raw);
        if let Some(change) = device_change(&old, &new) {
            self.events.dispatch(&DeviceChangeEvent {
                devices: change.devices,
                user_inserted_devices: change.user_inserted_devices,
            });
        }
    }

    /// The system audio of the first backend that has one (real backends come before fake
    /// ones in the backend order).
    fn system_audio(&self) -> Option<BackendDevice> {
        self.backends
            .iter()
            .enumerate()
            .find_map(|(i, b)| match b.system_audio() {
                Ok(d) => d.map(|d| (i, d)),
                Err(e) => {
                    tracing::warn!("backend {} cannot give its system audio: {e}", b.name());
                    None
                }
            })
    }

    /// Asks the prompt handler (on this, the request thread), then records the answer in the
    /// core's permission state.
    fn ask(&self, name: PermissionName, devices: Vec<String>) -> Result<()> {
        let request = PermissionRequest {
            name,
            origin: self.origin.clone(),
            devices,
        };
        let allowed = match &self.prompt {
            Some(p) => futures_executor::block_on(p(&request)),
            None => false,
        };
        self.state.lock().permissions.prompt_answered(name, allowed)
    }
}
