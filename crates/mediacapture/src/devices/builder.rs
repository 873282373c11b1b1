//! Building a `MediaDevices`: origin, backends, permissions, the prompt handler, the salt.

use super::{DevState, DevicesInner, MediaDevices};
use crate::events::{EventLoop, EventTarget};
use mediacapture_core::DeviceIdHasher;
use mediacapture_core::permissions::{
    PermissionName, PermissionState, Permissions, PermissionsPolicy,
};
use mediacapture_hal::Backend;
use parking_lot::Mutex;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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

/// The answer of a prompt handler, to come: `true` allows.
pub type PromptFuture = Pin<Box<dyn Future<Output = bool> + Send>>;

/// Answers permission prompts. It is called on the library's request thread, never on the
/// caller's: the future it returns may be completed by any task or thread (a UI, another task
/// of a single-threaded executor) while `get_user_media` is pending.
pub type PromptHandler = Arc<dyn Fn(&PermissionRequest) -> PromptFuture + Send + Sync>;

/// Builds a [`MediaDevices`].
pub struct MediaDevicesBuilder {
    origin: String,
    backends: Vec<Arc<dyn Backend>>,
    permissions: Vec<(PermissionName, PermissionState)>,
    prompt: Option<PromptHandler>,
    salt: Option<[u8; 32]>,
    policy: PermissionsPolicy,
    expose: bool,
    fake: bool,
}

impl Default for MediaDevicesBuilder {
    fn default() -> Self {
        MediaDevicesBuilder {
            origin: "app".into(),
            backends: Vec::new(),
            permissions: Vec::new(),
            prompt: None,
            salt: None,
            policy: PermissionsPolicy::default(),
            expose: false,
            fake: false,
        }
    }
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

    /// Adds a backend. Without any, [`mediacapture_hal::default_backends`] is used: the real
    /// devices, or fake ones only when `MEDIACAPTURE_FAKE` is set or [`Self::fake_devices`]
    /// asks for them.
    pub fn backend(mut self, backend: impl Backend + 'static) -> Self {
        self.backends.push(Arc::new(backend));
        self
    }

    /// Adds a shared backend.
    pub fn backend_arc(mut self, backend: Arc<dyn Backend>) -> Self {
        self.backends.push(backend);
        self
    }

    /// Uses the fake backend's default profile (a camera, a microphone, a speaker, a screen
    /// and its system audio) instead of real devices, like Chromium's
    /// `--use-fake-device-for-media-stream`. Ignored when backends were added.
    pub fn fake_devices(mut self, fake: bool) -> Self {
        self.fake = fake;
        self
    }

    /// Sets a permission's state (all are `Granted` by default: a native program is its own
    /// user agent; set `Prompt` with a handler, or `Denied`, to model a browser).
    pub fn permission(mut self, name: PermissionName, state: PermissionState) -> Self {
        self.permissions.push((name, state));
        self
    }

    /// Sets every permission's state.
    pub fn all_permissions(mut self, state: PermissionState) -> Self {
        for n in PermissionName::ALL {
            self.permissions.push((n, state));
        }
        self
    }

    /// The handler asked when a permission is `Prompt`, answering at once. It runs on the
    /// library's request thread (never the caller's), so it may block, e.g. on a dialog.
    /// Without a handler, prompts are refused.
    pub fn prompt(
        self,
        handler: impl Fn(&PermissionRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.prompt_async(move |request| {
            let allowed = handler(request);
            async move { allowed }
        })
    }

    /// The handler asked when a permission is `Prompt`, answering later: the returned future
    /// may be completed by another task, even one on the same single-threaded executor that
    /// awaits `get_user_media` (the library waits for it on its own thread).
    ///
    /// ```
    /// use mediacapture::{MediaDevices, PermissionName, PermissionState};
    /// use mediacapture_hal::fake::FakeBackend;
    /// use futures_channel::{mpsc, oneshot};
    /// use futures_util::StreamExt;
    ///
    /// let (ask, mut asked) = mpsc::unbounded::<oneshot::Sender<bool>>();
    /// let devices = MediaDevices::builder()
    ///     .backend(FakeBackend::default())
    ///     .all_permissions(PermissionState::Prompt)
    ///     .prompt_async(move |_request| {
    ///         let (answer, answered) = oneshot::channel();
    ///         let _ = ask.unbounded_send(answer);
    ///         async move { answered.await.unwrap_or(false) }
    ///     })
    ///     .build();
    /// // One thread: the prompt is answered by another task of the same executor.
    /// let (stream, ()) = futures_executor::block_on(futures_util::future::join(
    ///     devices.get_user_media_json(r#"{"video": true}"#),
    ///     async {
    ///         let answer = asked.next().await.expect("a prompt");
    ///         let _ = answer.send(true);
    ///     },
    /// ));
    /// assert_eq!(stream?.get_video_tracks().len(), 1);
    /// assert_eq!(devices.permission(PermissionName::Camera), PermissionState::Granted);
    /// # Ok::<(), mediacapture::Error>(())
    /// ```
    pub fn prompt_async<F>(
        mut self,
        handler: impl Fn(&PermissionRequest) -> F + Send + Sync + 'static,
    ) -> Self
    where
        F: Future<Output = bool> + Send + 'static,
    {
        self.prompt = Some(Arc::new(move |request| Box::pin(handler(request))));
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
        let backends = if !self.backends.is_empty() {
            self.backends
        } else if self.fake {
            vec![Arc::new(mediacapture_hal::fake::FakeBackend::default()) as Arc<dyn Backend>]
        } else {
            mediacapture_hal::default_backends()
                .into_iter()
                .map(Arc::from)
                .collect()
        };
        let salt = self.salt.unwrap_or_else(installation_salt);
        let mut permissions = Permissions::new(self.policy, self.expose);
        for (name, state) in self.permissions {
            permissions.set(name, state);
        }
        let inner = Arc::new(DevicesInner {
            origin: self.origin,
            hasher: DeviceIdHasher::new(salt),
            backends,
            prompt: self.prompt,
            state: Mutex::new(DevState {
                permissions,
                stored: Vec::new(),
                hubs: Vec::new(),
                selected_outputs: Vec::new(),
            }),
            events: EventTarget::default(),
            event_loop: EventLoop::new(),
            requests: EventLoop::unregistered("mediacapture-requests"),
            queries: EventLoop::unregistered("mediacapture-queries"),
        });
        let stored = inner.raw_devices();
        inner.state.lock().stored = stored;
        for backend in &inner.backends {
            let weak = Arc::downgrade(&inner);
            let event_loop = inner.event_loop.clone();
            backend.watch_devices(Arc::new(move || {
                let weak = weak.clone();
                event_loop.queue(move || {
                    if let Some(inner) = weak.upgrade() {
                        inner.device_change();
                    }
                });
            }));
        }
        MediaDevices { inner }
    }
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
