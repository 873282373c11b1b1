//! X11 screen capture (getDisplayMedia sources) through `x11rb`, a pure-Rust X client.
//!
//! - Each X screen (its root window, i.e. every monitor of that screen together) is one
//!   display surface: `displaySurface` `"monitor"`, raw id `x11:<display>:<screen>`, label
//!   `"Screen <n>"`. When RandR 1.5 reports two or more monitors on a screen, each monitor
//!   is a surface of its own too (as in Chromium's X11 capturer): raw id
//!   `x11:<display>:<screen>:<monitor name>`, label `"Screen <n>: <monitor name>"`, frames
//!   cropped to the monitor.
//! - Each application window is a surface too: `displaySurface` `"window"`, raw id
//!   `x11:<display>:<screen>:window:<xid>`, labelled with its title, read through XComposite
//!   and following the window's size; closing the window ends the capture (see the `window`
//!   module for which windows are listed). Its `cursor` is `["never"]`.
//! - Frames are BGRA at the screen's size, delivered at the configured frame rate.
//!   Capture is damage-driven when the server has the DAMAGE extension (as in Chromium's X11
//!   capturer): the screen is read on a tick only when something was drawn since the last
//!   read (or the drawn-in cursor changed); any other tick re-delivers the previous frame
//!   with a new timestamp, its pixels shared rather than copied, so the cadence stays the
//!   frame rate and only the copy is saved. Without DAMAGE every tick reads the screen.
//!   Reads go through MIT-SHM when the server offers it (one copy less), else `GetImage`;
//!   [`X11Backend::grab_count`] counts them.
//! - The cursor is drawn from the XFixes cursor image when the server has XFixes: `cursor`
//!   is `["always", "motion", "never"]` (`"motion"`: drawn while it moved in the last
//!   second), else `["never"]`.
//! - `DISPLAY` unset or unreachable: no devices. A capture whose connection dies ends with
//!   `SourceEvent::Ended(Some(NotReadableError))`.
//! - Every wait for the server is bounded ([`StallBounds`]): a server that stops answering
//!   (stopped, hung) mutes the capture (`SourceEvent::Muted`) after half a second, and ends it
//!   with a `NotReadableError` after two; a query lists nothing. Stopping a capture never
//!   waits for the server.

mod grab;
mod shm;
mod timed;
mod window;

pub use timed::StallBounds;

use crate::thread_source::{Control, ThreadSource};
use crate::{Backend, DeviceDescriptor, NativeCapabilities, NativeConfig, Source, SourceSink};
use grab::{Grabber, Job};
use mediacapture_types::native::DisplayCapabilities;
use mediacapture_types::{
    CursorCaptureConstraint, DisplayCaptureSurfaceType, Error, MediaDeviceKind, Result,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use timed::{Conn, Watchdog};
use x11rb::connection::Connection;
use x11rb::protocol::damage::{self, ConnectionExt as _};
use x11rb::protocol::xfixes::ConnectionExt as _;
use x11rb::protocol::xproto::{ConnectionExt as _, Window};

/// The most frames per second a screen capture offers (Chromium's desktop capturer also
/// caps at 60).
pub const MAX_FRAME_RATE: f64 = 60.0;

/// The X11 screen capture backend.
#[derive(Debug, Clone, Default)]
pub struct X11Backend {
    display: Option<String>,
    /// Screen reads by the captures opened through this backend and its clones.
    grabs: Arc<AtomicU64>,
    /// How long the server may stay silent.
    stall: StallBounds,
}

impl X11Backend {
    /// The backend for the display named by `DISPLAY`.
    pub fn new() -> Self {
        X11Backend::default()
    }

    /// The backend for display `name` (e.g. `":99"`).
    pub fn with_display(name: &str) -> Self {
        X11Backend {
            display: Some(name.to_owned()),
            ..X11Backend::default()
        }
    }

    /// The same backend with other bounds on how long the server may stay silent before a
    /// capture is muted and then ended (default: [`StallBounds::default`]).
    pub fn with_stall_bounds(mut self, stall: StallBounds) -> Self {
        self.stall = stall;
        self
    }

    /// Diagnostic: how many times the captures opened through this backend (or a clone of
    /// it) have read a screen's pixels from the X server. With DAMAGE, a tick on which
    /// nothing changed re-delivers the previous frame without a read, so on a still screen
    /// this stays far below the number of frames delivered; without DAMAGE it grows by one
    /// per frame.
    pub fn grab_count(&self) -> u64 {
        self.grabs.load(Ordering::Relaxed)
    }

    fn display_name(&self) -> Option<String> {
        self.display
            .clone()
            .or_else(|| std::env::var("DISPLAY").ok())
            .filter(|d| !d.is_empty())
    }

    /// Connects with bounded waits; `ctl` (a capture's) interrupts them when it stops.
    fn connect(&self, ctl: Option<Arc<Control>>) -> std::result::Result<Connected, ConnectFailure> {
        let name = self
            .display_name()
            .ok_or_else(|| ConnectFailure::Absent("DISPLAY is not set".to_owned()))?;
        // An X server without `-noreset` resets when its last client leaves, and drops
        // connections for a moment while it does: retry briefly (not when nothing listens,
        // nor when the server does not answer).
        let mut attempt = 0u64;
        loop {
            let dog = Watchdog::new(self.stall, ctl.clone());
            let err = match timed::connect(&name, dog.clone()) {
                Ok((conn, default_screen)) => {
                    return Ok(Connected {
                        conn,
                        default_screen,
                        name,
                        dog,
                    });
                }
                Err(e) => e,
            };
            let silent = matches!(&err, x11rb::errors::ConnectError::IoError(e)
                if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted));
            if silent {
                return Err(ConnectFailure::Silent(format!(
                    "X display {name:?} does not answer: {err}"
                )));
            }
            let transient = match &err {
                x11rb::errors::ConnectError::IoError(e) => !matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                ),
                x11rb::errors::ConnectError::SetupFailed(_)
                | x11rb::errors::ConnectError::Incomplete { .. } => true,
                _ => false,
            };
            if !transient || attempt >= 8 {
                return Err(ConnectFailure::Absent(format!(
                    "cannot connect to X display {name:?}: {err}"
                )));
            }
            attempt += 1;
            std::thread::sleep(std::time::Duration::from_millis(25 * attempt));
        }
    }
}

/// A connection made by [`X11Backend::connect`].
struct Connected {
    conn: Conn,
    default_screen: usize,
    name: String,
    dog: Arc<Watchdog>,
}

/// Why [`X11Backend::connect`] failed.
#[derive(Debug)]
enum ConnectFailure {
    /// No display, or nothing listening there.
    Absent(String),
    /// The server accepted the connection but did not answer in time.
    Silent(String),
}

impl std::fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectFailure::Absent(m) | ConnectFailure::Silent(m) => f.write_str(m),
        }
    }
}

/// `true` when the server has XFixes 2.0 or later (cursor images). Negotiates the version,
/// which XFixes requires before its other requests.
fn has_xfixes(conn: &Conn) -> bool {
    use x11rb::connection::RequestConnection as _;
    matches!(
        conn.extension_information(x11rb::protocol::xfixes::X11_EXTENSION_NAME),
        Ok(Some(_))
    ) && conn
        .xfixes_query_version(5, 0)
        .ok()
        .and_then(|c| c.reply().ok())
        .is_some_and(|v| v.major_version >= 2)
}

/// A DAMAGE object on `root` reporting when its damage region becomes non-empty, when the
/// server has DAMAGE 1.1 or later; `None` otherwise (capture then reads every tick).
fn damage_on(conn: &Conn, root: Window) -> Option<damage::Damage> {
    use x11rb::connection::RequestConnection as _;
    conn.extension_information(damage::X11_EXTENSION_NAME)
        .ok()
        .flatten()?;
    // Version negotiation comes first, as with XFixes.
    let v = conn.damage_query_version(1, 1).ok()?.reply().ok()?;
    if (v.major_version, v.minor_version) < (1, 1) {
        return None;
    }
    let id = conn.generate_id().ok()?;
    conn.damage_create(id, root, damage::ReportLevel::NON_EMPTY)
        .ok()?
        .check()
        .ok()?;
    Some(id)
}

/// The cursor modes offered.
fn cursor_modes(xfixes: bool) -> Vec<CursorCaptureConstraint> {
    if xfixes {
        vec![
            CursorCaptureConstraint::Always,
            CursorCaptureConstraint::Motion,
            CursorCaptureConstraint::Never,
        ]
    } else {
        vec![CursorCaptureConstraint::Never]
    }
}

/// The raw id of screen `i` of display `name`.
fn raw_id(name: &str, i: usize) -> String {
    format!("x11:{name}:{i}")
}

/// A part of a screen to capture.
#[derive(Debug, Clone, PartialEq)]
struct Region {
    x: i16,
    y: i16,
    width: u16,
    height: u16,
}

/// The RandR monitors of `root` (name, region, primary), when RandR 1.5 is there.
fn monitors(conn: &Conn, root: Window) -> Vec<(String, Region, bool)> {
    use x11rb::connection::RequestConnection as _;
    use x11rb::protocol::randr::ConnectionExt as _;
    if !matches!(
        conn.extension_information(x11rb::protocol::randr::X11_EXTENSION_NAME),
        Ok(Some(_))
    ) {
        return Vec::new();
    }
    let Some(v) = conn
        .randr_query_version(1, 5)
        .ok()
        .and_then(|c| c.reply().ok())
    else {
        return Vec::new();
    };
    if (v.major_version, v.minor_version) < (1, 5) {
        return Vec::new();
    }
    let Some(reply) = conn
        .randr_get_monitors(root, true)
        .ok()
        .and_then(|c| c.reply().ok())
    else {
        return Vec::new();
    };
    reply
        .monitors
        .iter()
        .filter(|m| m.width > 0 && m.height > 0)
        .map(|m| {
            let name = conn
                .get_atom_name(m.name)
                .ok()
                .and_then(|c| c.reply().ok())
                .map(|r| String::from_utf8_lossy(&r.name).into_owned())
                .unwrap_or_else(|| format!("monitor-{}", m.name));
            let region = Region {
                x: m.x,
                y: m.y,
                width: m.width,
                height: m.height,
            };
            (name, region, m.primary)
        })
        .collect()
}

impl Backend for X11Backend {
    fn name(&self) -> &'static str {
        "x11"
    }

    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        let Connected {
            conn,
            default_screen,
            name,
            ..
        } = match self.connect(None) {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!("x11: {e}");
                return Ok(Vec::new());
            }
        };
        let cursor = cursor_modes(has_xfixes(&conn));
        let mut out = Vec::new();
        for (i, s) in conn.setup().roots.iter().enumerate() {
            let surface =
                |raw_id: String, label: String, w: u16, h: u16, default: bool| DeviceDescriptor {
                    raw_id,
                    raw_group_id: format!("x11:{name}"),
                    kind: MediaDeviceKind::VideoInput,
                    label,
                    is_default: default,
                    capabilities: NativeCapabilities::Display(DisplayCapabilities {
                        width: u32::from(w),
                        height: u32::from(h),
                        max_frame_rate: MAX_FRAME_RATE,
                        display_surface: DisplayCaptureSurfaceType::Monitor,
                        cursor: cursor.clone(),
                    }),
                };
            let mut windows = Vec::new();
            for w in window::list(&conn, s.root) {
                let mut d = surface(
                    format!("{}:{}{}", raw_id(&name, i), window::WINDOW_TAG, w.window),
                    w.label,
                    w.width,
                    w.height,
                    false,
                );
                if let NativeCapabilities::Display(c) = &mut d.capabilities {
                    c.display_surface = DisplayCaptureSurfaceType::Window;
                    c.cursor = vec![CursorCaptureConstraint::Never];
                }
                windows.push(d);
            }
            out.push(surface(
                raw_id(&name, i),
                format!("Screen {}", i + 1),
                s.width_in_pixels,
                s.height_in_pixels,
                i == default_screen,
            ));
            let mons = monitors(&conn, s.root);
            if mons.len() >= 2 {
                for (mon, r, _) in mons {
                    out.push(surface(
                        format!("{}:{mon}", raw_id(&name, i)),
                        format!("Screen {}: {mon}", i + 1),
                        r.width,
                        r.height,
                        false,
                    ));
                }
            }
            out.append(&mut windows);
        }
        Ok(out)
    }

    fn open(
        &self,
        raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        let ctl = Control::new();
        let Connected {
            conn, name, dog, ..
        } = self.connect(Some(ctl.clone())).map_err(|e| match e {
            ConnectFailure::Absent(m) => Error::not_found(format!("X11: {m}")),
            ConnectFailure::Silent(m) => Error::not_readable(format!("X11: {m}")),
        })?;
        let not_found = || Error::not_found(format!("no X11 screen {raw_id:?}"));
        let rest = raw_id
            .strip_prefix(&format!("x11:{name}:"))
            .ok_or_else(not_found)?;
        let (screen, monitor) = match rest.split_once(':') {
            Some((s, m)) => (s, Some(m)),
            None => (rest, None),
        };
        let screen = screen
            .parse::<usize>()
            .ok()
            .filter(|&i| i < conn.setup().roots.len())
            .ok_or_else(not_found)?;
        if let Some(win) = monitor.and_then(window::parse_id) {
            return self.open_window(conn, dog, ctl, (screen, win), raw_id, config, sink);
        }
        let root = &conn.setup().roots[screen];
        let (region, width, height) = match monitor {
            None => (None, root.width_in_pixels, root.height_in_pixels),
            Some(m) => {
                let found = monitors(&conn, root.root)
                    .into_iter()
                    .find(|(n, _, _)| n == m)
                    .ok_or_else(not_found)?;
                let (w, h) = (found.1.width, found.1.height);
                (Some(found.1), w, h)
            }
        };
        let xfixes = has_xfixes(&conn);
        NativeCapabilities::Display(DisplayCapabilities {
            width: u32::from(width),
            height: u32::from(height),
            max_frame_rate: MAX_FRAME_RATE,
            display_surface: DisplayCaptureSurfaceType::Monitor,
            cursor: cursor_modes(xfixes),
        })
        .require(config, &format!("X11 screen {raw_id:?}"))?;
        let NativeConfig::Display(d) = config else {
            return Err(Error::not_readable(
                "X11 screens take a display configuration",
            ));
        };
        let mut grabber = Grabber::new(conn, screen, region, self.grabs.clone())?;
        grabber.cursor = d.cursor;
        spawn(raw_id, config, d.frame_rate, grabber, ctl, dog, sink)
    }
}

impl X11Backend {
    /// Opens window `win` of `screen` (see [`Backend::open`]).
    #[allow(
        clippy::too_many_arguments,
        reason = "the parts of an open already parsed and connected"
    )]
    fn open_window(
        &self,
        conn: Conn,
        dog: Arc<Watchdog>,
        ctl: Arc<Control>,
        (screen, win): (usize, Window),
        raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        let grabber = Grabber::window(conn, screen, win, self.grabs.clone())?;
        NativeCapabilities::Display(DisplayCapabilities {
            width: u32::from(grabber.width),
            height: u32::from(grabber.height),
            max_frame_rate: MAX_FRAME_RATE,
            display_surface: DisplayCaptureSurfaceType::Window,
            cursor: vec![CursorCaptureConstraint::Never],
        })
        .require(config, &format!("X11 window {raw_id:?}"))?;
        let NativeConfig::Display(d) = config else {
            return Err(Error::not_readable(
                "X11 windows take a display configuration",
            ));
        };
        spawn(raw_id, config, d.frame_rate, grabber, ctl, dog, sink)
    }
}

/// Starts the capture thread of `grabber`.
fn spawn(
    raw_id: &str,
    config: &NativeConfig,
    frame_rate: f64,
    grabber: Grabber,
    ctl: Arc<Control>,
    dog: Arc<Watchdog>,
    sink: Arc<dyn SourceSink>,
) -> Result<Box<dyn Source>> {
    let job_ctl = ctl.clone();
    let source = ThreadSource::spawn(
        format!("x11-{raw_id}"),
        config.clone(),
        ctl,
        sink,
        move |sink| {
            Job {
                grabber,
                frame_rate,
                ctl: job_ctl,
                dog,
                sink,
                last: None,
            }
            .run();
        },
    )?;
    Ok(Box::new(source))
}
