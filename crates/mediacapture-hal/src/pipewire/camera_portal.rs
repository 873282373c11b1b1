//! The Camera portal (`org.freedesktop.portal.Camera`) for sandboxed programs, which cannot
//! reach the PipeWire daemon (or `/dev/video*`) themselves: `AccessCamera` asks the user once
//! (xdg-desktop-portal remembers the answer in its permission store), then each connection
//! is a PipeWire remote from `OpenPipeWireRemote` that shows the camera nodes only.
//!
//! Refused access is a `NotAllowedError`, no Camera portal a `NotFoundError`.

use ashpd::desktop::camera::Camera;
use mediacapture_types::{Error, Result};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};

/// The Camera portal on one bus, and whether access was granted already.
#[derive(Debug, Default)]
pub(super) struct CameraPortal {
    /// The bus the portal is on (`None`: the session bus).
    bus: Option<String>,
    granted: AtomicBool,
}

impl CameraPortal {
    pub(super) fn new(bus: Option<String>) -> Self {
        CameraPortal {
            bus,
            granted: AtomicBool::new(false),
        }
    }

    /// A PipeWire connection that shows the cameras, asking for access first when it was
    /// not granted yet. Waits as long as the user takes to answer the portal's dialog.
    pub(super) fn open_remote(&self) -> Result<OwnedFd> {
        let bus = self.bus.clone();
        let ask = !self.granted.load(Ordering::SeqCst);
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
                self.granted.store(true, Ordering::SeqCst);
                Ok(fd)
            }
            Err(ashpd::Error::Response(r)) => Err(Error::not_allowed(format!(
                "the camera portal refused access: {r:?}"
            ))),
            Err(e @ ashpd::Error::PortalNotFound(_)) => {
                Err(Error::not_found(format!("no camera portal: {e}")))
            }
            Err(e) => Err(Error::not_readable(format!(
                "the camera portal failed: {e}"
            ))),
        }
    }
}
