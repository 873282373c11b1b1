//! `MediaDevices`: enumeration, getUserMedia, getDisplayMedia, permissions and `devicechange`.
//!
//! Spec: <https://w3c.github.io/mediacapture-main/#mediadevices>

use crate::events::{EventStream, EventTarget, ListenerId, queue_task};
use crate::source::SourceHub;
use crate::stream::MediaStream;
use crate::track::{MediaStreamTrack, prefer_config};
use crate::{Error, ErrorKind, Result, TrackKind};
use mediacapture_core::{DeviceIdHasher, DeviceView};
use mediacapture_hal::Backend;
use mediacapture_types::native::{DeviceDescriptor, NativeCapabilities};
use mediacapture_types::{
    DisplayCaptureSurfaceType, DisplayMediaStreamOptions, MediaDeviceInfo, MediaDeviceKind,
    MediaStreamConstraints, MediaTrackCapabilities, MediaTrackConstraints,
    MediaTrackSupportedConstraints, SystemAudioPreferenceEnum,
};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, Weak};

/// A powerful feature that needs the user's permission.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#permissions-integration>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PermissionName {
    /// `"camera"`.
    Camera,
    /// `"microphone"`.
    Microphone,
    /// `"display-capture"`.
    DisplayCapture,
}

impl PermissionName {
    /// The Permissions API name.
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionName::Camera => "camera",
            PermissionName::Microphone => "microphone",
            PermissionName::DisplayCapture => "display-capture",
        }
    }

    /// Parses a Permissions API name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "camera" => Some(PermissionName::Camera),
            "microphone" => Some(PermissionName::Microphone),
            "display-capture" => Some(PermissionName::DisplayCapture),
            _ => None,
        }
    }

    fn for_kind(kind: TrackKind) -> Self {
        match kind {
            TrackKind::Audio => PermissionName::Microphone,
            TrackKind::Video => PermissionName::Camera,
        }
    }
}

/// A permission state, as the Permissions API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PermissionState {
    /// Allowed without asking.
    Granted,
    /// Refused without asking.
    Denied,
    /// Ask the prompt handler each time (a "yes" to camera/microphone is remembered; a "yes"
    /// to display-capture never is, as the screen-capture spec requires).
    Prompt,
}

impl PermissionState {
    /// `"granted"`, `"denied"` or `"prompt"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionState::Granted => "granted",
            PermissionState::Denied => "denied",
            PermissionState::Prompt => "prompt",
        }
    }

    /// Parses `"granted"`, `"denied"` or `"prompt"`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "granted" => Some(PermissionState::Granted),
            "denied" => Some(PermissionState::Denied),
            "prompt" => Some(PermissionState::Prompt),
            _ => None,
        }
    }
}

/// What the prompt handler is asked.
#[derive(Debug, Clone)]
pub struct PermissionRequest {
    /// The feature asked for.
    pub name: PermissionName,
    /// The origin asking.
    pub origin: String,
    /// Labels of the devices that would be used.
    pub devices: Vec<String>,
}

/// Answers permission prompts: `true` allows.
pub type PromptHandler = Arc<dyn Fn(&PermissionRequest) -> bool + Send + Sync>;

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

/// One entry of `enumerate_devices()`: a `MediaDeviceInfo`, and for input devices the
/// `InputDeviceInfo.getCapabilities()` answer. Dereferences to [`MediaDeviceInfo`].
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceInfo {
    info: MediaDeviceInfo,
    capabilities: Option<MediaTrackCapabilities>,
}

impl std::ops::Deref for DeviceInfo {
    type Target = MediaDeviceInfo;
    fn deref(&self) -> &MediaDeviceInfo {
        &self.info
    }
}

impl DeviceInfo {
    /// The `MediaDeviceInfo` data.
    pub fn info(&self) -> &MediaDeviceInfo {
        &self.info
    }

    /// `true` for `audioinput` / `videoinput` entries (an `InputDeviceInfo` in a browser).
    pub fn is_input(&self) -> bool {
        self.capabilities.is_some()
    }

    /// `InputDeviceInfo.getCapabilities()`: what getUserMedia with this device's id would give,
    /// or `{}` while the device's information may not be exposed. `None` for outputs.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-inputdeviceinfo-getcapabilities>
    pub fn get_capabilities(&self) -> Option<MediaTrackCapabilities> {
        self.capabilities.clone()
    }

    /// `toJSON()`: `{deviceId, kind, label, groupId}` exactly as a browser serializes it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.info).unwrap_or(serde_json::Value::Null)
    }
}

/// A display surface as [`MediaDevices::display_surfaces`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplaySurfaceInfo {
    /// The surface's label (e.g. the X screen's name).
    pub label: String,
    /// Monitor, window or browser.
    pub display_surface: DisplayCaptureSurfaceType,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Permissions policy: which features this context may use at all (all allowed by default).
///
/// Spec: <https://w3c.github.io/mediacapture-main/#permissions-policy-integration>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermissionsPolicy {
    /// "camera" allowed.
    pub camera: bool,
    /// "microphone" allowed.
    pub microphone: bool,
    /// "display-capture" allowed.
    pub display_capture: bool,
}

impl Default for PermissionsPolicy {
    fn default() -> Self {
        PermissionsPolicy {
            camera: true,
            microphone: true,
            display_capture: true,
        }
    }
}

type BackendDevice = (usize, DeviceDescriptor);

struct DevState {
    permissions: HashMap<PermissionName, PermissionState>,
    can_expose_camera: bool,
    can_expose_microphone: bool,
    /// The raw device list as of the last device change (for `devicechange`).
    stored: Vec<BackendDevice>,
    hubs: Vec<(usize, String, Weak<SourceHub>)>,
}

pub(crate) struct DevicesInner {
    origin: String,
    hasher: DeviceIdHasher,
    backends: Vec<Arc<dyn Backend>>,
    prompt: Option<PromptHandler>,
    policy: PermissionsPolicy,
    state: Mutex<DevState>,
    events: EventTarget<DeviceChangeEvent>,
}

/// Builds a [`MediaDevices`].
pub struct MediaDevicesBuilder {
    origin: String,
    backends: Vec<Arc<dyn Backend>>,
    permissions: HashMap<PermissionName, PermissionState>,
    prompt: Option<PromptHandler>,
    salt: Option<[u8; 32]>,
    policy: PermissionsPolicy,
    expose: bool,
}

impl MediaDevicesBuilder {
    /// Starts with device information exposed (labels, ids, every device; constraint names in
    /// OverconstrainedError), as if this origin had already captured in this session. For a
    /// native program that owns its devices, such as a command-line tool; a browser-like
    /// embedding leaves it off (the default), and exposure then follows the spec.
    pub fn expose_device_info(mut self, expose: bool) -> Self {
        self.expose = expose;
        self
    }

    /// The origin (an app identity string): device ids are stable for one origin and
    /// unlinkable across origins.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = origin.into();
        self
    }

    /// Adds a backend. Without any, [`mediacapture_hal::default_backends`] is used.
    pub fn backend(mut self, backend: impl Backend + 'static) -> Self {
        self.backends.push(Arc::new(backend));
        self
    }

    /// Adds a shared backend.
    pub fn backend_arc(mut self, backend: Arc<dyn Backend>) -> Self {
        self.backends.push(backend);
        self
    }

    /// Sets a permission's state (all are `Granted` by default: a native program is its own
    /// user agent; set `Prompt` with a handler, or `Denied`, to model a browser).
    pub fn permission(mut self, name: PermissionName, state: PermissionState) -> Self {
        self.permissions.insert(name, state);
        self
    }

    /// Sets every permission's state.
    pub fn all_permissions(mut self, state: PermissionState) -> Self {
        for n in [
            PermissionName::Camera,
            PermissionName::Microphone,
            PermissionName::DisplayCapture,
        ] {
            self.permissions.insert(n, state);
        }
        self
    }

    /// The handler asked when a permission is `Prompt`. Without one, prompts are refused.
    pub fn prompt(
        mut self,
        handler: impl Fn(&PermissionRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.prompt = Some(Arc::new(handler));
        self
    }

    /// The per-installation secret behind device ids. By default it is read from (or created
    /// in) `$XDG_DATA_HOME/mediacapture/salt`, falling back to a random one for this process.
    pub fn salt(mut self, salt: [u8; 32]) -> Self {
        self.salt = Some(salt);
        self
    }

    /// The permissions policy.
    pub fn policy(mut self, policy: PermissionsPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Builds the `MediaDevices` and starts watching its backends for device changes.
    pub fn build(self) -> MediaDevices {
        let backends = if self.backends.is_empty() {
            mediacapture_hal::default_backends()
                .into_iter()
                .map(Arc::from)
                .collect()
        } else {
            self.backends
        };
        let salt = self.salt.unwrap_or_else(installation_salt);
        let inner = Arc::new(DevicesInner {
            origin: self.origin,
            hasher: DeviceIdHasher::new(salt),
            backends,
            prompt: self.prompt,
            policy: self.policy,
            state: Mutex::new(DevState {
                permissions: self.permissions,
                can_expose_camera: self.expose,
                can_expose_microphone: self.expose,
                stored: Vec::new(),
                hubs: Vec::new(),
            }),
            events: EventTarget::default(),
        });
        let stored = inner.raw_devices();
        inner.state.lock().stored = stored;
        for backend in &inner.backends {
            let weak = Arc::downgrade(&inner);
            backend.watch_devices(Arc::new(move || {
                let weak = weak.clone();
                queue_task(move || {
                    if let Some(inner) = weak.upgrade() {
                        inner.device_change();
                    }
                });
            }));
        }
        MediaDevices { inner }
    }
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
            .field(
                "backends",
                &self
                    .inner
                    .backends
                    .iter()
                    .map(|b| b.name())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl MediaDevices {
    /// A builder with the origin `"app"`, every permission granted and the default backends.
    pub fn builder() -> MediaDevicesBuilder {
        MediaDevicesBuilder {
            origin: "app".into(),
            backends: Vec::new(),
            permissions: HashMap::new(),
            prompt: None,
            salt: None,
            policy: PermissionsPolicy::default(),
            expose: false,
        }
    }

    /// The origin device ids are derived for.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// The names of the backends in use, in fallback order.
    pub fn backend_names(&self) -> Vec<&'static str> {
        self.inner.backends.iter().map(|b| b.name()).collect()
    }

    /// The current state of a permission.
    pub fn permission(&self, name: PermissionName) -> PermissionState {
        self.inner.permission(name)
    }

    /// Changes a permission's state, as a user or a test driver would. Turning a permission to
    /// `Denied` revokes it: live camera (microphone) tracks of this origin end with `ended`.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dfn-device-permission-revocation-algorithm>
    pub fn set_permission(&self, name: PermissionName, state: PermissionState) {
        self.inner.state.lock().permissions.insert(name, state);
        if state == PermissionState::Denied {
            for track in self.inner.live_tracks() {
                let kind_matches = match name {
                    PermissionName::Camera => {
                        track.kind() == TrackKind::Video && !track.is_display()
                    }
                    PermissionName::Microphone => {
                        track.kind() == TrackKind::Audio && !track.is_display()
                    }
                    PermissionName::DisplayCapture => track.is_display(),
                };
                if kind_matches {
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
    pub async fn enumerate_devices(&self) -> Result<Vec<DeviceInfo>> {
        let raw = self.inner.raw_devices();
        Ok(self.inner.exposed_list(&raw))
    }

    /// The display surfaces getDisplayMedia can capture (not part of the spec, where the user
    /// picks in a dialog and `enumerateDevices` never lists them): for a native program to
    /// show what is there. Ids are not given: surfaces cannot be selected by id.
    pub async fn display_surfaces(&self) -> Result<Vec<DisplaySurfaceInfo>> {
        Ok(self
            .inner
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
    }

    /// Prompts for permission and opens one audio and/or one video track that satisfy the
    /// constraints. Errors, in the spec's order: `TypeError` (nothing requested; a required
    /// constraint not allowed for device selection), `NotAllowedError` (policy, denied
    /// permission, refused prompt), `NotFoundError`, `OverconstrainedError` (the constraint is
    /// named only when device information may be exposed), `NotReadableError`, `AbortError`.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia>
    pub async fn get_user_media(&self, constraints: MediaStreamConstraints) -> Result<MediaStream> {
        self.inner.get_user_media(&constraints)
    }

    /// [`MediaDevices::get_user_media`] with constraints given as JSON, exactly as a web page
    /// would pass them (`TypeError` naming the member for malformed input).
    pub async fn get_user_media_json(&self, constraints: &str) -> Result<MediaStream> {
        let c = MediaStreamConstraints::from_json(constraints)?;
        self.inner.get_user_media(&c)
    }

    /// Captures a display surface (a screen) and, when `audio` is requested (and
    /// `systemAudio` is not `"exclude"`) and the chosen surface is a whole screen
    /// (`"monitor"`; Chromium offers no system audio with a window), the system audio if a
    /// backend has it ([`Backend::system_audio`]): the stream holds the video track, then the
    /// audio track (labelled as the backend labels it, `"System Audio"`). Without system audio there is
    /// no audio track, as the spec allows. The constraints choose settings after the surface
    /// is chosen, and `displaySurface` is only a preference. One "display-capture" prompt
    /// covers both tracks.
    ///
    /// The audio track has the microphone properties of its source (sample rate, channel
    /// count, …; no audio processing on real system audio). `restrictOwnAudio` and
    /// `suppressLocalAudioPlayback` are not supported: the system audio is the whole output
    /// mix, this program's own sound included, and local playback is never suppressed, so
    /// those constraints (only `ideal` values are allowed here) are ignored and the settings
    /// do not report them.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-mediadevices-getdisplaymedia>
    pub async fn get_display_media(
        &self,
        options: DisplayMediaStreamOptions,
    ) -> Result<MediaStream> {
        self.inner.get_display_media(&options)
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
    fn permission(&self, name: PermissionName) -> PermissionState {
        self.state
            .lock()
            .permissions
            .get(&name)
            .copied()
            .unwrap_or(PermissionState::Granted)
    }

    fn policy_allows(&self, name: PermissionName) -> bool {
        match name {
            PermissionName::Camera => self.policy.camera,
            PermissionName::Microphone => self.policy.microphone,
            PermissionName::DisplayCapture => self.policy.display_capture,
        }
    }

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

    fn view<'a>(&self, d: &'a DeviceDescriptor) -> DeviceView<'a> {
        DeviceView {
            descriptor: d,
            device_id: self.hasher.device_id(&self.origin, &d.raw_id),
            group_id: self.hasher.group_id(&self.origin, &d.raw_group_id),
        }
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

    /// Spec: "camera (microphone) information can be exposed".
    fn can_expose(&self, kind: MediaDeviceKind) -> bool {
        let live = self
            .live_hubs()
            .iter()
            .any(|h| h.descriptor.kind == kind && !h.display && !h.live_tracks().is_empty());
        let s = self.state.lock();
        live || match kind {
            MediaDeviceKind::VideoInput => s.can_expose_camera,
            MediaDeviceKind::AudioInput | MediaDeviceKind::AudioOutput => s.can_expose_microphone,
        }
    }

    /// Spec: "creating a list of device info objects".
    fn exposed_list(&self, raw: &[BackendDevice]) -> Vec<DeviceInfo> {
        let mut out = Vec::new();
        let kinds = [
            (MediaDeviceKind::AudioInput, self.policy.microphone),
            (MediaDeviceKind::VideoInput, self.policy.camera),
        ];
        for (kind, allowed) in kinds {
            if !allowed {
                continue;
            }
            let exposed = self.can_expose(kind);
            let mut list: Vec<&DeviceDescriptor> = raw
                .iter()
                .map(|(_, d)| d)
                .filter(|d| d.kind == kind && !d.is_display())
                .collect();
            // The system default is prepended, the others keep their order.
            list.sort_by_key(|d| !d.is_default);
            if !exposed {
                list.truncate(1);
            }
            out.extend(list.into_iter().map(|d| self.device_info(d, exposed)));
        }
        // Chromium exposes audio outputs once microphone information can be exposed (the
        // audio-output spec's exposure decision); before that they are left out.
        if self.can_expose(MediaDeviceKind::AudioInput) {
            out.extend(
                raw.iter()
                    .map(|(_, d)| d)
                    .filter(|d| d.kind == MediaDeviceKind::AudioOutput)
                    .map(|d| self.device_info(d, true)),
            );
        }
        out
    }

    /// Spec: "creating a device info object".
    fn device_info(&self, d: &DeviceDescriptor, exposed: bool) -> DeviceInfo {
        let input = d.kind != MediaDeviceKind::AudioOutput;
        if !exposed {
            return DeviceInfo {
                info: MediaDeviceInfo {
                    device_id: String::new(),
                    kind: d.kind,
                    label: String::new(),
                    group_id: String::new(),
                },
                capabilities: input.then(MediaTrackCapabilities::default),
            };
        }
        let view = self.view(d);
        DeviceInfo {
            capabilities: input.then(|| mediacapture_core::capabilities(&view)),
            info: MediaDeviceInfo {
                device_id: view.device_id,
                kind: d.kind,
                label: d.label.clone(),
                group_id: view.group_id,
            },
        }
    }

    /// Spec: "device change notification steps".
    fn device_change(&self) {
        let new_raw = self.raw_devices();
        let hubs = self.live_hubs();
        // The system audio is not enumerated: it is gone when no backend offers it any more.
        let system_audio = hubs
            .iter()
            .any(|h| h.display && !h.descriptor.is_display())
            .then(|| self.system_audio())
            .flatten();
        // A device that is gone ends its tracks first (whether or not its backend reported
        // the end yet), so `ended` always precedes the `devicechange` that removes it.
        for hub in hubs {
            let raw_id = &hub.descriptor.raw_id;
            let present = new_raw.iter().any(|(_, d)| &d.raw_id == raw_id)
                || system_audio
                    .as_ref()
                    .is_some_and(|(_, d)| &d.raw_id == raw_id);
            if !present {
                hub.end_all();
            }
        }
        let old_raw = std::mem::replace(&mut self.state.lock().stored, new_raw.clone());
        let old = self.exposed_list(&old_raw);
        let new = self.exposed_list(&new_raw);
        if old == new {
            return;
        }
        let inserted: Vec<DeviceInfo> = new
            .iter()
            .filter(|d| !d.device_id.is_empty() && !old.iter().any(|o| o.device_id == d.device_id))
            .cloned()
            .collect();
        self.events.dispatch(&DeviceChangeEvent {
            devices: new,
            user_inserted_devices: inserted,
        });
    }

    fn get_user_media(
        self: &Arc<Self>,
        constraints: &MediaStreamConstraints,
    ) -> Result<MediaStream> {
        // Step 1: TypeError when no kind is requested.
        let kinds = mediacapture_core::requested_kinds(constraints)?;
        // Step 3: permissions policy.
        for &kind in &kinds {
            let name = PermissionName::for_kind(kind);
            if !self.policy_allows(name) {
                return Err(Error::not_allowed(format!(
                    "the permissions policy does not allow \"{}\"",
                    name.as_str()
                )));
            }
        }
        // getUserMedia specific failure is allowed: false if a requested kind is denied.
        let specific_allowed = kinds
            .iter()
            .all(|&k| self.permission(PermissionName::for_kind(k)) != PermissionState::Denied);
        let raw = self.raw_devices();
        let mut chosen = Vec::new();
        for &kind in &kinds {
            let mdk = match kind {
                TrackKind::Audio => MediaDeviceKind::AudioInput,
                TrackKind::Video => MediaDeviceKind::VideoInput,
            };
            let cs = match kind {
                TrackKind::Audio => constraints.audio.constraints(),
                TrackKind::Video => constraints.video.constraints(),
            };
            let candidates: Vec<&BackendDevice> = raw
                .iter()
                .filter(|(_, d)| d.kind == mdk && !d.is_display())
                .collect();
            let described: Vec<DeviceDescriptor> = candidates
                .iter()
                .map(|(_, d)| self.running_view(d))
                .collect();
            let views: Vec<DeviceView> = described.iter().map(|d| self.view(d)).collect();
            let picked = mediacapture_core::select_device(kind, &views, &cs);
            let (index, selection) = match picked {
                Ok(p) => p,
                Err(e) => return Err(self.constraint_failure(e, kind, specific_allowed)),
            };
            // Step 6.6: candidates whose permission is denied are dropped.
            if self.permission(PermissionName::for_kind(kind)) == PermissionState::Denied {
                return Err(Error::not_allowed(format!(
                    "permission \"{}\" is denied",
                    PermissionName::for_kind(kind).as_str()
                )));
            }
            chosen.push((kind, candidates[index].clone(), cs, selection));
        }
        // Step 8: request permission (one prompt per kind).
        for (kind, (_, d), _, _) in &chosen {
            let name = PermissionName::for_kind(*kind);
            if self.permission(name) == PermissionState::Prompt {
                // Devices already attached to a live track count as granted.
                let attached = self.live_hubs().iter().any(|h| {
                    !h.display && h.descriptor.raw_id == d.raw_id && !h.live_tracks().is_empty()
                });
                if !attached {
                    self.ask(name, vec![d.label.clone()])?;
                    // A prompt can stay open a long time (a JavaScript handler): if the
                    // permission was denied meanwhile, the denial wins over the late "yes".
                    let mut s = self.state.lock();
                    match s.permissions.get(&name).copied() {
                        Some(PermissionState::Denied) => {
                            return Err(Error::not_allowed(format!(
                                "permission \"{}\" was denied while the prompt was open",
                                name.as_str()
                            )));
                        }
                        Some(PermissionState::Granted) => {}
                        _ => {
                            s.permissions.insert(name, PermissionState::Granted);
                        }
                    }
                }
            }
        }
        // Step 10: set the device information exposure.
        {
            let cam = self.permission(PermissionName::Camera) == PermissionState::Granted;
            let mic = self.permission(PermissionName::Microphone) == PermissionState::Granted;
            let mut s = self.state.lock();
            for &k in &kinds {
                match k {
                    TrackKind::Video => {
                        s.can_expose_camera = true;
                        s.can_expose_microphone |= mic;
                    }
                    TrackKind::Audio => {
                        s.can_expose_microphone = true;
                        s.can_expose_camera |= cam;
                    }
                }
            }
        }
        // Step 11: open the chosen devices and create the tracks.
        let stream = MediaStream::new();
        let mut created: Vec<MediaStreamTrack> = Vec::new();
        for (kind, (backend, d), cs, selection) in chosen {
            match self.create_track(kind, backend, &d, false, cs, selection) {
                Ok(t) => {
                    stream.add_track(&t);
                    created.push(t);
                }
                Err(e) => {
                    for t in &created {
                        t.stop();
                    }
                    return Err(e);
                }
            }
        }
        Ok(stream)
    }

    /// The descriptor as selection sees it: a running device offers only its running mode
    /// (Chromium: a device in use keeps its format for new tracks; they scale or decimate).
    fn running_view(&self, d: &DeviceDescriptor) -> DeviceDescriptor {
        match self.hub_for(&d.raw_id) {
            Some(hub) => prefer_config(d, &hub.config(), true),
            None => d.clone(),
        }
    }

    /// The open hub of a getUserMedia device, to share (getDisplayMedia sources are never
    /// shared).
    fn hub_for(&self, raw_id: &str) -> Option<Arc<SourceHub>> {
        let s = self.state.lock();
        s.hubs
            .iter()
            .filter(|(_, id, _)| id == raw_id)
            .filter_map(|(_, _, w)| w.upgrade())
            .find(|h| !h.is_closed() && !h.display)
    }

    /// The system audio of the first backend that has one (real backends come before the
    /// fake one in [`mediacapture_hal::default_backends`]).
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

    fn constraint_failure(&self, e: Error, kind: TrackKind, specific_allowed: bool) -> Error {
        match &e.kind {
            ErrorKind::NotFoundError | ErrorKind::OverconstrainedError { .. }
                if !specific_allowed =>
            {
                Error::not_allowed(format!(
                    "permission \"{}\" is denied",
                    PermissionName::for_kind(kind).as_str()
                ))
            }
            ErrorKind::OverconstrainedError { constraint } => {
                let mdk = match kind {
                    TrackKind::Audio => MediaDeviceKind::AudioInput,
                    TrackKind::Video => MediaDeviceKind::VideoInput,
                };
                // Spec: the constraint is named only if device information can be exposed.
                let name = if self.can_expose(mdk) {
                    constraint.clone()
                } else {
                    String::new()
                };
                Error::overconstrained(name, e.message)
            }
            _ => e,
        }
    }

    fn ask(&self, name: PermissionName, devices: Vec<String>) -> Result<()> {
        let request = PermissionRequest {
            name,
            origin: self.origin.clone(),
            devices,
        };
        let allowed = self.prompt.as_ref().is_some_and(|p| p(&request));
        if allowed {
            Ok(())
        } else {
            Err(Error::not_allowed(format!(
                "permission \"{}\" was not granted",
                name.as_str()
            )))
        }
    }

    /// Opens (or shares, for getUserMedia) the device's source and creates a track on it;
    /// `display` for a getDisplayMedia source.
    fn create_track(
        self: &Arc<Self>,
        kind: TrackKind,
        backend: usize,
        d: &DeviceDescriptor,
        display: bool,
        constraints: MediaTrackConstraints,
        selection: mediacapture_core::Selection,
    ) -> Result<MediaStreamTrack> {
        let view = self.view(d);
        let mut capabilities = mediacapture_core::capabilities(&view);
        let mut settings = selection.settings;
        if display {
            // Display tracks report a deviceId and no groupId (the core leaves it out for
            // surfaces; the system audio gets the same).
            capabilities.group_id = None;
            settings.group_id = None;
        }
        let shared = if display {
            None
        } else {
            self.hub_for(&d.raw_id)
        };
        let hub = match shared {
            Some(hub) => hub,
            None => {
                let b = self
                    .backends
                    .get(backend)
                    .cloned()
                    .ok_or_else(|| Error::abort("backend vanished"))?;
                let hub = SourceHub::open(
                    b,
                    d.clone(),
                    display,
                    view.device_id.clone(),
                    view.group_id.clone(),
                    selection.native,
                )
                .map_err(|e| match e.kind {
                    ErrorKind::NotReadableError => e,
                    _ => Error::abort(format!("cannot open {}: {e}", d.label)),
                })?;
                self.state
                    .lock()
                    .hubs
                    .push((backend, d.raw_id.clone(), Arc::downgrade(&hub)));
                hub
            }
        };
        Ok(MediaStreamTrack::create(
            hub,
            kind,
            Some(Arc::downgrade(self)),
            constraints,
            settings,
            capabilities,
        ))
    }

    fn get_display_media(
        self: &Arc<Self>,
        options: &DisplayMediaStreamOptions,
    ) -> Result<MediaStream> {
        mediacapture_core::check_display_options(options)?;
        if !self.policy.display_capture {
            return Err(Error::not_allowed(
                "the permissions policy does not allow \"display-capture\"",
            ));
        }
        let raw = self.raw_devices();
        let mut surfaces: Vec<&BackendDevice> =
            raw.iter().filter(|(_, d)| d.is_display()).collect();
        if surfaces.is_empty() {
            return Err(Error::not_found("no display surface to capture"));
        }
        if self.permission(PermissionName::DisplayCapture) == PermissionState::Denied {
            return Err(Error::not_allowed(
                "permission \"display-capture\" is denied",
            ));
        }
        let video = options.video.constraints();
        // displaySurface only reorders the choice; it never rules a surface out.
        if let Some(preferred) = preferred_surface(&video) {
            surfaces.sort_by_key(|(_, d)| match &d.capabilities {
                NativeCapabilities::Display(c) => c.display_surface != preferred,
                _ => true,
            });
        }
        // The system audio, when audio is requested, the application did not ask for it
        // not to be offered, and the surface is a whole screen (Chromium offers system
        // audio with a screen only, not with a window). Without one there is no audio track
        // (the spec allows that). Asked after the denial check: a backend may need a round
        // trip to its server.
        let is_monitor = matches!(
            &surfaces[0].1.capabilities,
            NativeCapabilities::Display(c) if c.display_surface == DisplayCaptureSurfaceType::Monitor
        );
        let system_audio = (options.audio.is_requested()
            && is_monitor
            && options.system_audio != Some(SystemAudioPreferenceEnum::Exclude))
        .then(|| self.system_audio())
        .flatten();
        // Denied was refused above. The user must get a free choice every time and a grant
        // is never stored. One prompt covers the screen and its audio.
        if self.permission(PermissionName::DisplayCapture) == PermissionState::Prompt {
            self.ask(
                PermissionName::DisplayCapture,
                surfaces
                    .iter()
                    .map(|(_, d)| d.label.clone())
                    .chain(system_audio.iter().map(|(_, d)| d.label.clone()))
                    .collect(),
            )?;
        }
        let (backend, d) = surfaces[0];
        let view = self.view(d);
        let selection = mediacapture_core::select_settings(&view, &video).map_err(|u| {
            Error::overconstrained(
                u.constraint.clone(),
                format!("the chosen surface cannot satisfy {:?}", u.constraint),
            )
        })?;
        // The audio settings are chosen once the sources are, like the video ones, and
        // before anything is opened. The audio track has the properties of an audio source;
        // restrictOwnAudio and suppressLocalAudioPlayback are not supported (see
        // `MediaDevices::get_display_media`): as bare or ideal values (all that
        // `check_display_options` lets through) they never fail selection, and the settings
        // do not report them.
        let audio = match &system_audio {
            Some((audio_backend, a)) => {
                let cs = options.audio.constraints();
                let sel = mediacapture_core::select_settings(&self.view(a), &cs).map_err(|u| {
                    Error::overconstrained(
                        u.constraint.clone(),
                        format!("the system audio cannot satisfy {:?}", u.constraint),
                    )
                })?;
                Some((*audio_backend, a, cs, sel))
            }
            None => None,
        };
        let track = self.create_track(TrackKind::Video, *backend, d, true, video, selection)?;
        let Some((audio_backend, a, cs, sel)) = audio else {
            return Ok(MediaStream::from_tracks([&track]));
        };
        match self.create_track(TrackKind::Audio, audio_backend, a, true, cs, sel) {
            Ok(audio_track) => Ok(MediaStream::from_tracks([&track, &audio_track])),
            Err(e) => {
                track.stop();
                Err(e)
            }
        }
    }
}

fn preferred_surface(c: &MediaTrackConstraints) -> Option<DisplayCaptureSurfaceType> {
    use mediacapture_types::ConstrainDOMString;
    let first = match c.basic.display_surface.as_ref()? {
        ConstrainDOMString::Value(v) => v.clone(),
        ConstrainDOMString::List(l) => l.first()?.clone(),
        ConstrainDOMString::Params(p) => p
            .ideal
            .as_ref()
            .or(p.exact.as_ref())?
            .values()
            .first()?
            .to_string(),
    };
    DisplayCaptureSurfaceType::from_idl(&first)
}

/// The per-installation salt: read from the data directory, created there on first use.
fn installation_salt() -> [u8; 32] {
    let dir = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".local/share")))
        .map(|d| d.join("mediacapture"));
    if let Some(dir) = &dir {
        let path = dir.join("salt");
        if let Ok(bytes) = std::fs::read(&path) {
            if let Ok(salt) = <[u8; 32]>::try_from(bytes.as_slice()) {
                return salt;
            }
        }
        let salt = random_salt();
        let written = std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&path, salt));
        if let Err(e) = written {
            tracing::warn!("cannot store the device-id salt ({e}); ids will change next run");
        }
        return salt;
    }
    random_salt()
}

fn random_salt() -> [u8; 32] {
    let mut salt = [0u8; 32];
    if getrandom::fill(&mut salt).is_err() {
        // Fall back to a time-based salt rather than fail: ids are then merely less private.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        salt[..16].copy_from_slice(&t.to_le_bytes());
    }
    salt
}
