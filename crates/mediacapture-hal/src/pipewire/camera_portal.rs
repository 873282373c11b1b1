//! The Camera portal (`org.freedesktop.portal.Camera`) for sandboxed programs, which cannot
//! reach the PipeWire daemon (or `/dev/video*`) themselves: `AccessCamera` asks the user once
//! (xdg-desktop-portal remembers the answer in its permission store), then each connection
//! is a PipeWire remote from `OpenPipeWireRemote` that shows the camera nodes only.
//!
//! Refused access is a `NotAllowedError`, no Camera portal a `NotFoundError`.
//!
//! Only the program's own requests ask (listing the devices, opening one: getUserMedia and
//! enumerateDevices), as a browser asks once per getUserMedia. The hot-plug watcher never
//! asks: it connects once access was granted ([`CameraPortal::wait_granted`]), and after a
//! refusal it waits for the next request of the program to be granted instead of asking the
//! portal again and again.

use ashpd::desktop::camera::Camera;
use mediacapture_types::{Error, Result};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// What the portal last said about access to the cameras.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Not asked yet.
    Unknown,
    Granted,
    /// Refused (or revoked): asked again only by the program's next request.
    Refused,
}

/// The Camera portal on one bus, and what it said about access.
#[derive(Debug)]
pub(super) struct CameraPortal {
    /// The bus the portal is on (`None`: the session bus).
    bus: Option<String>,
    access: Mutex<Access>,
    /// Signalled when `access` changes.
    changed: Condvar,
}

impl Default for CameraPortal {
    fn default() -> Self {
        Self::new(None)
    }
}

impl CameraPortal {
    pub(super) fn new(bus: Option<String>) -> Self {
        CameraPortal {
            bus,
            access: Mutex::new(Access::Unknown),
            changed: Condvar::new(),
        }
    }

    fn access(&self) -> Access {
        *self.access.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_access(&self, access: Access) {
        *self.access.lock().unwrap_or_else(|e| e.into_inner()) = access;
        self.changed.notify_all();
    }

    /// A PipeWire connection that shows the cameras, for a request of the program's (listing
    /// the devices, opening one): asks for access first when it was not granted yet, also
    /// after a refusal. Waits as long as the user takes to answer the portal's dialog.
    pub(super) fn open_remote(&self) -> Result<OwnedFd> {
        let ask = self.access() != Access::Granted;
        self.open(ask)
    }

    /// Waits until access is granted (by a request of the program's), checking `stop`
    /// every `tick`: whether it had to wait, or `None` when stopped first. Never asks the
    /// portal itself.
    pub(super) fn wait_granted(&self, stop: &AtomicBool, tick: Duration) -> Option<bool> {
        let mut access = self.access.lock().unwrap_or_else(|e| e.into_inner());
        let mut waited = false;
        while *access != Access::Granted {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            waited = true;
            access = self
                .changed
                .wait_timeout(access, tick)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        (!stop.load(Ordering::SeqCst)).then_some(waited)
    }

    /// A connection without asking (access granted before), for the hot-plug watcher. Access
    /// revoked since (the user changed their mind in the desktop's settings) counts as a
    /// refusal: the watcher waits for a request of the program's again.
    pub(super) fn open_remote_granted(&self) -> Result<OwnedFd> {
        self.open(false)
    }

    fn open(&self, ask: bool) -> Result<OwnedFd> {
        let bus = self.bus.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        // On a thread of its own, so that the D-Bus exchange never runs inside a caller's
        // executor.
        std::thread::Builder::new()
            .name("camera-portal".into())
            .spawn(move || {
                let answer = futures_executor::block_on(async {
                    let camera = match bus.as_deref() {
                        Some(address) => {
                            let conn = ashpd::zbus::connection::Builder::address(address)?
                                .build()
                                .await?;
                            Camera::with_connection(conn).await?
                        }
                        None => Camera::new().await?,
                    };
                    if ask {
                        camera
                            .request_access(Default::default())
                            .await?
                            .response()?;
                    }
                    camera.open_pipe_wire_remote(Default::default()).await
                });
                let _ = tx.send(answer);
            })
            .map_err(|e| Error::not_readable(format!("cannot start the portal thread: {e}")))?;
        // A dialog may be up: no bound on the user, only on a thread that died.
        let answer = rx
            .recv()
            .map_err(|_| Error::not_readable("the camera portal thread failed"))?;
        match answer {
            Ok(fd) => {
                self.set_access(Access::Granted);
                Ok(fd)
            }
            Err(ashpd::Error::Response(r)) => {
                self.set_access(Access::Refused);
                Err(Error::not_allowed(format!(
                    "the camera portal refused access: {r:?}"
                )))
            }
            // OpenPipeWireRemote after the permission was withdrawn.
            Err(ashpd::Error::Portal(ashpd::PortalError::NotAllowed(m))) => {
                self.set_access(Access::Refused);
                Err(Error::not_allowed(format!(
                    "the camera portal refused access: {m}"
                )))
            }
            Err(e @ ashpd::Error::PortalNotFound(_)) => {
                Err(Error::not_found(format!("no camera portal: {e}")))
            }
            Err(e) => Err(Error::not_readable(format!(
                "the camera portal failed: {e}"
            ))),
        }
    }
}
