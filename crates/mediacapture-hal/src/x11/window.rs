//! X11 window capture: the `displaySurface: "window"` surfaces.
//!
//! Windows are listed as Chromium's X11 window capturer lists them (WebRTC's
//! `GetWindowList`): each top-level window that is not override-redirect and is viewable, or
//! the child a reparenting window manager put inside it, that carries `WM_STATE` (what a
//! window manager sets on the windows it manages) other than Withdrawn; desktop and dock
//! windows (`_NET_WM_WINDOW_TYPE`) are left out. The label is the window's `_NET_WM_NAME`,
//! else its `WM_NAME`.
//!
//! The pixels come from the window's own contents through XComposite (the window is
//! redirected automatically and its backing pixmap read), so parts covered by other windows
//! are captured as the window draws them; without Composite the window itself is read (parts
//! covered by other windows then show those). Frames follow the window's size
//! (`ConfigureNotify`), and the capture ends when the window is destroyed (Chromium ends a
//! window capture whose window closes).

use super::timed::Conn;
use x11rb::connection::{Connection as _, RequestConnection as _};
use x11rb::protocol::Event;
use x11rb::protocol::composite::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{
    AtomEnum, ChangeWindowAttributesAux, ConnectionExt as _, EventMask, MapState, Pixmap, Window,
};

/// The raw-id part that marks a window (after `x11:<display>:<screen>:`).
pub(super) const WINDOW_TAG: &str = "window:";

/// A window offered as a surface.
#[derive(Debug, Clone)]
pub(super) struct WindowInfo {
    /// The application window (the one with `WM_STATE`).
    pub(super) window: Window,
    /// Its title.
    pub(super) label: String,
    /// Its size.
    pub(super) width: u16,
    /// Its size.
    pub(super) height: u16,
}

/// Interns `name`; `None` when the server does not answer.
fn atom(conn: &Conn, name: &str) -> Option<u32> {
    Some(
        conn.intern_atom(false, name.as_bytes())
            .ok()?
            .reply()
            .ok()?
            .atom,
    )
}

/// The 32-bit values of property `prop` of `win`, of any type.
fn cardinals(conn: &Conn, win: Window, prop: u32) -> Option<Vec<u32>> {
    let reply = conn
        .get_property(false, win, prop, AtomEnum::ANY, 0, 64)
        .ok()?
        .reply()
        .ok()?;
    if reply.format != 32 {
        return None;
    }
    Some(reply.value32()?.collect())
}

/// The text of property `prop` of `win`, when it has one.
fn text(conn: &Conn, win: Window, prop: u32) -> Option<String> {
    let reply = conn
        .get_property(false, win, prop, AtomEnum::ANY, 0, 1024)
        .ok()?
        .reply()
        .ok()?;
    if reply.format != 8 || reply.value.is_empty() {
        return None;
    }
    Some(String::from_utf8_lossy(&reply.value).into_owned())
}

/// The atoms the listing reads.
struct Atoms {
    wm_state: u32,
    net_wm_name: u32,
    window_type: u32,
    type_desktop: u32,
    type_dock: u32,
}

impl Atoms {
    fn new(conn: &Conn) -> Option<Self> {
        Some(Atoms {
            wm_state: atom(conn, "WM_STATE")?,
            net_wm_name: atom(conn, "_NET_WM_NAME")?,
            window_type: atom(conn, "_NET_WM_WINDOW_TYPE")?,
            type_desktop: atom(conn, "_NET_WM_WINDOW_TYPE_DESKTOP")?,
            type_dock: atom(conn, "_NET_WM_WINDOW_TYPE_DOCK")?,
        })
    }

    /// `win` is managed and not withdrawn (`WM_STATE` is `NormalState` or `IconicState`).
    fn managed(&self, conn: &Conn, win: Window) -> bool {
        cardinals(conn, win, self.wm_state)
            .and_then(|v| v.first().copied())
            .is_some_and(|state| state != 0)
    }
}

/// `top` itself when it is managed, else its first managed child (a reparenting window
/// manager's frame holds the application window).
fn application_window(conn: &Conn, atoms: &Atoms, top: Window) -> Option<Window> {
    if atoms.managed(conn, top) {
        return Some(top);
    }
    let tree = conn.query_tree(top).ok()?.reply().ok()?;
    tree.children.into_iter().find(|&c| atoms.managed(conn, c))
}

/// The windows of the screen whose root window is `root`, topmost first.
pub(super) fn list(conn: &Conn, root: Window) -> Vec<WindowInfo> {
    let Some(atoms) = Atoms::new(conn) else {
        return Vec::new();
    };
    let Some(tree) = conn.query_tree(root).ok().and_then(|c| c.reply().ok()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // query_tree lists children bottom to top.
    for &top in tree.children.iter().rev() {
        let Some(attrs) = conn
            .get_window_attributes(top)
            .ok()
            .and_then(|c| c.reply().ok())
        else {
            continue;
        };
        if attrs.override_redirect || attrs.map_state != MapState::VIEWABLE {
            continue;
        }
        let Some(win) = application_window(conn, &atoms, top) else {
            continue;
        };
        let types = cardinals(conn, win, atoms.window_type).unwrap_or_default();
        if types
            .iter()
            .any(|&t| t == atoms.type_desktop || t == atoms.type_dock)
        {
            continue;
        }
        let Some(g) = conn.get_geometry(win).ok().and_then(|c| c.reply().ok()) else {
            continue;
        };
        if g.width == 0 || g.height == 0 {
            continue;
        }
        let label = text(conn, win, atoms.net_wm_name)
            .or_else(|| text(conn, win, AtomEnum::WM_NAME.into()))
            .unwrap_or_else(|| format!("Window 0x{win:x}"));
        out.push(WindowInfo {
            window: win,
            label,
            width: g.width,
            height: g.height,
        });
    }
    out
}

/// Parses the window part of a raw id (`window:<xid>`, the id in decimal).
pub(super) fn parse_id(part: &str) -> Option<Window> {
    part.strip_prefix(WINDOW_TAG)?.parse().ok()
}

/// What happened to a captured window, from the events drained.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Changes {
    /// Its contents may have changed (mapped again, resized).
    pub(super) redraw: bool,
    /// Its new size, when it changed.
    pub(super) size: Option<(u16, u16)>,
    /// It was destroyed.
    pub(super) destroyed: bool,
}

/// A window being captured.
pub(super) struct CapturedWindow {
    /// The window.
    pub(super) window: Window,
    /// Its backing pixmap, named through XComposite (`None` without Composite, or while the
    /// window is unmapped and has none).
    pixmap: Option<Pixmap>,
    /// The server has Composite 0.2 or later.
    composite: bool,
}

impl CapturedWindow {
    /// Starts watching `window` (structure events) and, with Composite, redirects it and names
    /// its pixmap. An error when the window does not exist.
    pub(super) fn new(conn: &Conn, window: Window) -> std::result::Result<Self, String> {
        conn.change_window_attributes(
            window,
            &ChangeWindowAttributesAux::new().event_mask(EventMask::STRUCTURE_NOTIFY),
        )
        .map_err(|e| e.to_string())?
        .check()
        .map_err(|e| e.to_string())?;
        let composite = matches!(
            conn.extension_information(composite::X11_EXTENSION_NAME),
            Ok(Some(_))
        ) && conn
            .composite_query_version(0, 4)
            .ok()
            .and_then(|c| c.reply().ok())
            .is_some_and(|v| (v.major_version, v.minor_version) >= (0, 2));
        if composite {
            // Automatic: the server still draws the window on screen as before.
            if let Err(e) = conn
                .composite_redirect_window(window, composite::Redirect::AUTOMATIC)
                .map_err(|e| e.to_string())
                .and_then(|c| c.check().map_err(|e| e.to_string()))
            {
                tracing::debug!("x11: cannot redirect window 0x{window:x}: {e}");
            }
        } else {
            tracing::debug!("x11: no Composite: window 0x{window:x} is read as shown");
        }
        let mut w = CapturedWindow {
            window,
            pixmap: None,
            composite,
        };
        w.rename(conn);
        Ok(w)
    }

    /// Names the window's current backing pixmap (after a map or a resize the window has a
    /// new one), freeing the previous name.
    pub(super) fn rename(&mut self, conn: &Conn) {
        if let Some(old) = self.pixmap.take() {
            let _ = conn.free_pixmap(old);
        }
        if !self.composite {
            return;
        }
        let Ok(id) = conn.generate_id() else {
            return;
        };
        let named = conn
            .composite_name_window_pixmap(self.window, id)
            .ok()
            .and_then(|c| c.check().ok());
        // Fails while the window is unmapped: it is then read directly (nothing to read
        // until it is mapped again, when it is renamed).
        if named.is_some() {
            self.pixmap = Some(id);
        }
    }

    /// What to read: the named pixmap, else the window itself.
    pub(super) fn drawable(&self) -> u32 {
        self.pixmap.unwrap_or(self.window)
    }

    /// Folds one event into `changes`; `true` when it was about this window.
    pub(super) fn note(&self, event: &Event, changes: &mut Changes) -> bool {
        match event {
            Event::ConfigureNotify(e) if e.window == self.window => {
                changes.size = Some((e.width, e.height));
                changes.redraw = true;
                true
            }
            Event::MapNotify(e) if e.window == self.window => {
                changes.redraw = true;
                true
            }
            Event::DestroyNotify(e) if e.window == self.window => {
                changes.destroyed = true;
                true
            }
            _ => false,
        }
    }

    /// Lets go of the pixmap name (the redirection goes with the connection).
    pub(super) fn release(&mut self, conn: &Conn) {
        if let Some(p) = self.pixmap.take() {
            let _ = conn.free_pixmap(p);
        }
    }
}
