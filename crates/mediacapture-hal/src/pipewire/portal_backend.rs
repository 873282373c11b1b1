//! getDisplayMedia on a Wayland session: the xdg-desktop-portal ScreenCast interface as a
//! [`Backend`]. [`crate::default_backends`] uses it instead of the X11 backend when the
//! session is a Wayland one ([`crate::is_wayland_session`]).
//!
//! The size problem, and how it is solved: the core chooses a display track's settings
//! (SelectSettings: the aspect-preserving downscales of the surface's size) from the
//! surface's capabilities *before* anything is opened, but which screen (and so its size) the
//! portal casts is only known once the user picked one in the portal's dialog. So:
//!
//! - [`Backend::devices`] lists one surface per kind the portal offers (`monitor`,
//!   `window`), with a nominal size: the size of the last cast this backend was granted, else
//!   [`NOMINAL_SIZE`]. It only serves listing and the first, provisional choice.
//! - getDisplayMedia then asks [`Backend::grant_display`], which runs the portal's dialog
//!   (CreateSession, SelectSources, Start) and answers the surface with the size the portal
//!   announced for the granted stream (its `size` property). The core chooses the settings
//!   from that, and [`Backend::open`] reads the stream granted just before: a track asking
//!   for `width: {max: 640}` of a 1280x720 screen gets 640x360, scaled by the track adapter
//!   as for X11 screens, never cropped.
//! - A portal that announces no size (the property is optional) leaves the nominal size; the
//!   frames still carry their real size, and the adapter scales them to the chosen settings.
//!   Should the stream's size change later (the output's mode changed), frames keep their own
//!   size too and are scaled the same way.
//!
//! The grant stands for the source's life: a source reopened in another configuration
//! (applyConstraints asking for a frame rate or cursor mode the running cast does not have)
//! is stopped with [`Source::stop_keeping_grant`], which hands its portal session back to the
//! backend, and the next [`Backend::open`] reads the same cast again through a new PipeWire
//! connection on that session, without a second dialog (Chromium: the user picks once). Only
//! an open with no grant waiting (a program calling [`Backend::open`] by itself) runs the
//! whole handshake, dialog included.
//!
//! Before a grant the listed size is a placeholder ([`NOMINAL_SIZE`], or the size of the last
//! cast granted), not a screen's. Where it can be seen:
//! - Not by spec API calls: `enumerateDevices` never lists display surfaces, and
//!   getDisplayMedia asks for the grant first and chooses the track's settings and
//!   capabilities from the granted descriptor (it takes only the cursor mode from the listed
//!   one, and cursor modes are real).
//! - By [`Backend::devices`] callers, and so by the `mediacapture` crate's non-spec
//!   `MediaDevices::display_surfaces` (and the `mediacapture devices` command, which prints
//!   it): its documentation says so.
//! - In a track's settings and capabilities when the portal does not announce the stream's
//!   size (the property is optional; xdg-desktop-portal-wlr, GNOME's and KDE's announce it).
//!   Frames still come at their real size and the track adapter scales them to the settings.

use super::portal::{Granted, ScreenCastRequest, Session, connect, handshake, open_granted};
use crate::thread_source::ThreadSource;
use crate::{Backend, DeviceDescriptor, NativeCapabilities, NativeConfig, Source, SourceSink};
use ashpd::desktop::screencast::{CursorMode, SourceType};
use mediacapture_types::native::DisplayCapabilities;
use mediacapture_types::{
    CursorCaptureConstraint, DisplayCaptureSurfaceType, Error, MediaDeviceKind, Result,
};
use std::sync::{Arc, Mutex, MutexGuard};

/// The size listed for a portal surface before any cast was granted (the real size is only
/// known once the user picked a screen; see the module docs).
pub const NOMINAL_SIZE: (u32, u32) = (1920, 1080);

/// The highest frame rate asked of the portal (what a compositor's screencopy commonly
/// delivers at most; xdg-desktop-portal-wlr caps at its `max_fps`, unlimited by default).
pub const MAX_FRAME_RATE: f64 = 60.0;

const MONITOR_ID: &str = "portal:monitor";
const WINDOW_ID: &str = "portal:window";

/// The xdg-desktop-portal ScreenCast backend (display surfaces only).
#[derive(Debug, Default)]
pub struct PortalBackend {
    /// The bus the portal is on (`None`: the session bus).
    bus: Option<String>,
    state: Arc<Mutex<PortalState>>,
}

#[derive(Debug, Default)]
struct PortalState {
    /// A grant waiting for [`Backend::open`], by raw id: from [`Backend::grant_display`], or
    /// handed back by [`Source::stop_keeping_grant`] for a reopening.
    pending: Option<(String, Granted)>,
    /// The size of the last cast granted.
    last_size: Option<(u32, u32)>,
}

impl PortalBackend {
    /// The backend for the portal on the session bus (`DBUS_SESSION_BUS_ADDRESS`).
    pub fn new() -> Self {
        Self::default()
    }

    /// The backend for the portal on the bus at `address` (a private session in tests).
    pub fn with_bus(address: impl Into<String>) -> Self {
        PortalBackend {
            bus: Some(address.into()),
            ..Self::default()
        }
    }

    fn lock(&self) -> MutexGuard<'_, PortalState> {
        lock(&self.state)
    }

    /// What the portal offers: its source types and cursor modes. `None` when there is no
    /// ScreenCast portal on the bus (or it does not answer within the bound).
    fn probe(&self) -> Option<(Vec<DisplayCaptureSurfaceType>, Vec<CursorCaptureConstraint>)> {
        let bus = self.bus.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        // On a thread of its own: a portal that D-Bus activates slowly (or never) must not
        // hold up enumeration beyond the bound.
        let spawned = std::thread::Builder::new()
            .name("screencast-probe".into())
            .spawn(move || {
                let answer = futures_executor::block_on(async {
                    let proxy = connect(bus.as_deref()).await?;
                    let types = proxy.available_source_types().await?;
                    // Version 1 portals have no cursor modes.
                    let cursors = proxy.available_cursor_modes().await.ok();
                    Ok::<_, ashpd::Error>((types, cursors))
                });
                let _ = tx.send(answer);
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot start the portal probe: {e}");
            return None;
        }
        let (types, cursors) = match rx.recv_timeout(super::device::ANSWER_BOUND) {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => {
                tracing::debug!("no screen cast portal: {e}");
                return None;
            }
            Err(_) => {
                tracing::warn!("the screen cast portal does not answer");
                return None;
            }
        };
        let mut surfaces = Vec::new();
        if types.contains(SourceType::Monitor) {
            surfaces.push(DisplayCaptureSurfaceType::Monitor);
        }
        if types.contains(SourceType::Window) {
            surfaces.push(DisplayCaptureSurfaceType::Window);
        }
        let cursor = match cursors {
            Some(modes) => {
                let mut out = Vec::new();
                // `embedded` draws the cursor into every frame ("always"), `hidden` leaves it
                // out ("never"); `metadata` (sent apart from the frames) is not used.
                if modes.contains(CursorMode::Embedded) {
                    out.push(CursorCaptureConstraint::Always);
                }
                if modes.contains(CursorMode::Hidden) {
                    out.push(CursorCaptureConstraint::Never);
                }
                out
            }
            None => Vec::new(),
        };
        // A portal without cursor modes decides itself; it is reported as drawn.
        let cursor = if cursor.is_empty() {
            vec![CursorCaptureConstraint::Always]
        } else {
            cursor
        };
        Some((surfaces, cursor))
    }

    fn descriptor(
        surface: DisplayCaptureSurfaceType,
        (width, height): (u32, u32),
        cursor: Vec<CursorCaptureConstraint>,
    ) -> DeviceDescriptor {
        let (raw_id, label) = match surface {
            DisplayCaptureSurfaceType::Window => (WINDOW_ID, "Window (chosen in the portal)"),
            _ => (MONITOR_ID, "Screen (chosen in the portal)"),
        };
        DeviceDescriptor {
            raw_id: raw_id.into(),
            raw_group_id: "portal".into(),
            kind: MediaDeviceKind::VideoInput,
            label: label.into(),
            is_default: false,
            capabilities: NativeCapabilities::Display(DisplayCapabilities {
                width,
                height,
                max_frame_rate: MAX_FRAME_RATE,
                display_surface: surface,
                cursor,
            }),
        }
    }

    fn surface_of(raw_id: &str) -> Result<DisplayCaptureSurfaceType> {
        match raw_id {
            MONITOR_ID => Ok(DisplayCaptureSurfaceType::Monitor),
            WINDOW_ID => Ok(DisplayCaptureSurfaceType::Window),
            _ => Err(Error::not_found(format!("no portal surface {raw_id:?}"))),
        }
    }
}

impl Backend for PortalBackend {
    fn name(&self) -> &'static str {
        "portal"
    }

    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        let Some((surfaces, cursor)) = self.probe() else {
            return Ok(Vec::new());
        };
        let size = self.lock().last_size.unwrap_or(NOMINAL_SIZE);
        Ok(surfaces
            .into_iter()
            .map(|s| Self::descriptor(s, size, cursor.clone()))
            .collect())
    }

    fn grant_display(
        &self,
        raw_id: &str,
        cursor: CursorCaptureConstraint,
    ) -> Result<Option<DeviceDescriptor>> {
        let surface = Self::surface_of(raw_id)?;
        // Any earlier grant not opened is given up (its session closes).
        self.lock().pending = None;
        let (surfaces, cursors) = self
            .probe()
            .ok_or_else(|| Error::not_found("no screen cast portal on the session bus"))?;
        if !surfaces.contains(&surface) {
            return Err(Error::not_found(format!(
                "the screen cast portal offers no {surface} surface"
            )));
        }
        let granted = handshake(&ScreenCastRequest {
            bus: self.bus.clone(),
            surface: Some(surface),
            cursor,
            max_frame_rate: MAX_FRAME_RATE,
        })?;
        let mut s = self.lock();
        let size = match granted.size() {
            Some(size) => {
                s.last_size = Some(size);
                size
            }
            None => {
                tracing::debug!("the portal did not say the cast's size; frames will");
                s.last_size.unwrap_or(NOMINAL_SIZE)
            }
        };
        s.pending = Some((raw_id.to_owned(), granted));
        Ok(Some(Self::descriptor(surface, size, cursors)))
    }

    fn release_display(&self, raw_id: &str) {
        let mut s = self.lock();
        if s.pending.as_ref().is_some_and(|(id, _)| id == raw_id) {
            s.pending = None;
        }
    }

    fn open(
        &self,
        raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        let surface = Self::surface_of(raw_id)?;
        let NativeConfig::Display(display) = config else {
            return Err(Error::not_readable(format!(
                "the portal's {surface} cannot be opened in {config}"
            )));
        };
        let pending = {
            let mut s = self.lock();
            match s.pending.take() {
                Some((id, g)) if id == raw_id => Some(g),
                _ => None,
            }
        };
        let granted = match pending {
            Some(g) => g,
            None => handshake(&ScreenCastRequest {
                bus: self.bus.clone(),
                surface: Some(surface),
                cursor: display.cursor,
                max_frame_rate: display.frame_rate,
            })?,
        };
        let session = granted.session.clone();
        let inner = match open_granted(granted, display.frame_rate, config.clone(), sink) {
            Ok(inner) => inner,
            Err(e) => {
                // The grant stands: a caller going back to its previous configuration (a
                // failed reopening) reads the same cast again without a dialog.
                if !session.is_closed() {
                    self.lock().pending = Some((raw_id.to_owned(), Granted::again(session)));
                }
                return Err(e);
            }
        };
        Ok(Box::new(PortalSource {
            inner,
            session: Some(session),
            state: self.state.clone(),
            raw_id: raw_id.to_owned(),
        }))
    }
}

fn lock(state: &Mutex<PortalState>) -> MutexGuard<'_, PortalState> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// A cast opened through [`PortalBackend`]: the capture, and its hold on the portal session,
/// which [`Source::stop_keeping_grant`] hands back to the backend for the next open.
struct PortalSource {
    inner: ThreadSource,
    session: Option<Arc<Session>>,
    state: Arc<Mutex<PortalState>>,
    raw_id: String,
}

impl Source for PortalSource {
    fn config(&self) -> &NativeConfig {
        self.inner.config()
    }

    fn stop(&mut self) {
        self.inner.stop();
        // The capture has let go of the session: this was the last hold, it closes.
        self.session = None;
    }

    fn stop_keeping_grant(&mut self) {
        self.inner.stop();
        match self.session.take() {
            // A session the portal closed (the user stopped sharing) is not kept: reopening
            // it would fail, and asking again is a new getDisplayMedia's business.
            Some(session) if !session.is_closed() => {
                lock(&self.state).pending = Some((self.raw_id.clone(), Granted::again(session)));
            }
            _ => {}
        }
    }
}
