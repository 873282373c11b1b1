//! X11 screen capture (getDisplayMedia sources) through `x11rb`, a pure-Rust X client.
//!
//! - Each X screen (its root window, i.e. every monitor of that screen together) is one
//!   display surface: `displaySurface` `"monitor"`, raw id `x11:<display>:<screen>`, label
//!   `"Screen <n>"`. When RandR 1.5 reports two or more monitors on a screen, each monitor
//!   is a surface of its own too (as in Chromium's X11 capturer): raw id
//!   `x11:<display>:<screen>:<monitor name>`, label `"Screen <n>: <monitor name>"`, frames
//!   cropped to the monitor. Windows are not offered yet.
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

mod shm;
mod timed;

pub use timed::StallBounds;

use crate::thread_source::{Control, ThreadSource, Wait};
use crate::{
    Backend, DeviceDescriptor, NativeCapabilities, NativeConfig, Source, SourceEvent, SourceSink,
    clock,
};
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_types::native::DisplayCapabilities;
use mediacapture_types::{
    CursorCaptureConstraint, DisplayCaptureSurfaceType, Error, MediaDeviceKind, Result,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use timed::{Conn, Watchdog};
use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::damage::{self, ConnectionExt as _};
use x11rb::protocol::xfixes::{ConnectionExt as _, GetCursorImageReply};
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, ImageOrder, Window};

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

/// How long the cursor stays drawn after it moved, for `cursor: "motion"`.
const MOTION_HOLD: std::time::Duration = std::time::Duration::from_secs(1);

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
        let frame_rate = d.frame_rate;
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
}

/// Grabs one screen's root window, or a region of it.
struct Grabber {
    conn: Conn,
    root: Window,
    x: i16,
    y: i16,
    width: u16,
    height: u16,
    shm: Option<shm::ShmImage>,
    cursor: CursorCaptureConstraint,
    /// The cursor's last position and when it last moved.
    last_cursor: Option<((i16, i16), Instant)>,
    /// Capturing the whole root window (follows its size), not a monitor.
    whole_screen: bool,
    geometry_checked: Instant,
    /// The DAMAGE object on the root window; `None` without the extension.
    damage: Option<damage::Damage>,
    /// What is known of the cursor drawn into the last frame grabbed (position and image
    /// serial), `None` when none was drawn.
    drawn_cursor: Option<CursorKey>,
    /// Counts the reads ([`X11Backend::grab_count`]).
    grabs: Arc<AtomicU64>,
}

/// A drawn cursor: its position and XFixes image serial.
type CursorKey = ((i16, i16), u32);

/// What one tick delivers.
enum Tick {
    /// A freshly read BGRA frame.
    Fresh(Vec<u8>),
    /// Nothing changed since the last read: the previous frame again.
    Same,
}

/// How often a whole-screen capture checks the screen size.
const RESIZE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

impl Grabber {
    fn new(
        conn: Conn,
        screen: usize,
        region: Option<Region>,
        grabs: Arc<AtomicU64>,
    ) -> Result<Self> {
        let s = conn
            .setup()
            .roots
            .get(screen)
            .ok_or_else(|| Error::not_found("X11 screen is gone"))?;
        let (root, depth) = (s.root, s.root_depth);
        let whole_screen = region.is_none();
        // A region is clipped to the screen (GetImage fails outside the root).
        let (sw, sh) = (i32::from(s.width_in_pixels), i32::from(s.height_in_pixels));
        let r = region.unwrap_or(Region {
            x: 0,
            y: 0,
            width: s.width_in_pixels,
            height: s.height_in_pixels,
        });
        let (x0, y0) = (i32::from(r.x).clamp(0, sw), i32::from(r.y).clamp(0, sh));
        let x1 = (i32::from(r.x) + i32::from(r.width)).clamp(0, sw);
        let y1 = (i32::from(r.y) + i32::from(r.height)).clamp(0, sh);
        if x1 <= x0 || y1 <= y0 {
            return Err(Error::not_found("the X11 monitor lies outside its screen"));
        }
        let (x, y) = (x0 as i16, y0 as i16);
        let (width, height) = ((x1 - x0) as u16, (y1 - y0) as u16);
        let bpp = conn
            .setup()
            .pixmap_formats
            .iter()
            .find(|f| f.depth == depth)
            .map(|f| f.bits_per_pixel);
        if bpp != Some(32) || conn.setup().image_byte_order != ImageOrder::LSB_FIRST {
            return Err(Error::not_readable(format!(
                "X11 screen depth {depth} ({bpp:?} bits per pixel, {:?}) is not supported: \
                 only 32-bit little-endian pixels",
                conn.setup().image_byte_order
            )));
        }
        let shm = shm::ShmImage::new(&conn, width, height);
        if shm.is_none() {
            tracing::debug!("x11: MIT-SHM not available, using GetImage");
        }
        let damage = damage_on(&conn, root);
        if damage.is_none() {
            tracing::debug!("x11: DAMAGE not available, reading the screen on every tick");
        }
        Ok(Grabber {
            conn,
            root,
            x,
            y,
            width,
            height,
            shm,
            cursor: CursorCaptureConstraint::Never,
            last_cursor: None,
            whole_screen,
            geometry_checked: Instant::now(),
            damage,
            drawn_cursor: None,
            grabs,
        })
    }

    /// One tick: reads the screen when it may have changed since the last read (anything
    /// drawn, a resize, a change of the drawn cursor, no DAMAGE to tell, or `force`), else
    /// says [`Tick::Same`]. An error means the connection is gone.
    fn tick(&mut self, force: bool) -> std::result::Result<Tick, String> {
        let mut changed = force || self.damage.is_none();
        if let Some(d) = self.damage {
            // Drains what arrived; a dead connection shows up here even on a still screen.
            while let Some(event) = self.conn.poll_for_event().map_err(|e| e.to_string())? {
                if matches!(&event, Event::DamageNotify(n) if n.damage == d) {
                    changed = true;
                }
            }
        }
        if self.whole_screen && self.geometry_checked.elapsed() >= RESIZE_CHECK {
            changed |= self.follow_resize();
        }
        let cursor = if self.cursor == CursorCaptureConstraint::Never {
            None
        } else {
            self.cursor_image()
        };
        let key = cursor.as_ref().map(|c| ((c.x, c.y), c.cursor_serial));
        changed |= key != self.drawn_cursor;
        if !changed {
            return Ok(Tick::Same);
        }
        if let Some(d) = self.damage {
            // Re-arm before reading: anything drawn from here on is reported again, so
            // nothing drawn while the read runs is missed (at worst it is read twice).
            self.conn
                .damage_subtract(d, x11rb::NONE, x11rb::NONE)
                .map_err(|e| e.to_string())?;
        }
        let data = self.grab(cursor.as_ref())?;
        self.drawn_cursor = key;
        Ok(Tick::Fresh(data))
    }

    fn get_image(&self) -> std::result::Result<Vec<u8>, x11rb::errors::ReplyError> {
        Ok(self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                self.root,
                self.x,
                self.y,
                self.width,
                self.height,
                !0,
            )?
            .reply()?
            .data)
    }

    /// The pixels, through MIT-SHM when it works, else `GetImage`.
    fn grab_pixels(&mut self) -> std::result::Result<Vec<u8>, x11rb::errors::ReplyError> {
        if let Some(shm) = &self.shm {
            match shm.grab(
                &self.conn,
                self.root,
                self.x,
                self.y,
                self.width,
                self.height,
            ) {
                Ok(d) => return Ok(d),
                Err(x11rb::errors::ReplyError::X11Error(e)) => {
                    if self.whole_screen && self.follow_resize() {
                        return self.get_image();
                    }
                    // The server refused the shared segment: use GetImage for good.
                    tracing::debug!("x11: MIT-SHM GetImage failed ({e:?}), using GetImage");
                    self.shm = None;
                }
                Err(e) => return Err(e),
            }
        }
        self.get_image()
    }

    /// Re-reads the root window's size; on a change, capture follows it (frames change
    /// size, as in Chromium). `true` when the size changed.
    fn follow_resize(&mut self) -> bool {
        self.geometry_checked = Instant::now();
        let Some(g) = self
            .conn
            .get_geometry(self.root)
            .ok()
            .and_then(|c| c.reply().ok())
        else {
            return false;
        };
        if (g.width, g.height) == (self.width, self.height) || g.width == 0 || g.height == 0 {
            return false;
        }
        tracing::debug!(
            "x11: screen resized from {}x{} to {}x{}",
            self.width,
            self.height,
            g.width,
            g.height
        );
        self.width = g.width;
        self.height = g.height;
        if self.shm.is_some() {
            self.shm = shm::ShmImage::new(&self.conn, g.width, g.height);
        }
        true
    }

    /// One BGRA frame (alpha forced opaque), with `cursor` drawn in.
    fn grab(
        &mut self,
        cursor: Option<&GetCursorImageReply>,
    ) -> std::result::Result<Vec<u8>, String> {
        let mut data = match self.grab_pixels() {
            Ok(d) => d,
            // The screen may have shrunk under us (RandR): follow it and try again.
            Err(x11rb::errors::ReplyError::X11Error(_))
                if self.whole_screen && self.follow_resize() =>
            {
                self.grab_pixels().map_err(|e| e.to_string())?
            }
            Err(e) => return Err(e.to_string()),
        };
        self.grabs.fetch_add(1, Ordering::Relaxed);
        for px in data.chunks_exact_mut(4) {
            px[3] = 255;
        }
        if let Some(img) = cursor {
            self.draw_cursor(&mut data, img);
        }
        Ok(data)
    }

    /// The cursor image to draw now, `None` when none is to be drawn (`"motion"` and the
    /// pointer idle, or no image).
    fn cursor_image(&mut self) -> Option<GetCursorImageReply> {
        let img = self
            .conn
            .xfixes_get_cursor_image()
            .ok()
            .and_then(|c| c.reply().ok())?;
        let now = Instant::now();
        let pos = (img.x, img.y);
        let moved_at = match self.last_cursor {
            Some((p, t)) if p == pos => t,
            // First sight counts as a move: the cursor is shown, then hides when idle.
            _ => now,
        };
        self.last_cursor = Some((pos, moved_at));
        if self.cursor == CursorCaptureConstraint::Motion && now - moved_at > MOTION_HOLD {
            return None;
        }
        Some(img)
    }

    /// Blends the cursor image `img` (premultiplied ARGB) over the frame at the pointer.
    fn draw_cursor(&self, frame: &mut [u8], img: &GetCursorImageReply) {
        let (fw, fh) = (i32::from(self.width), i32::from(self.height));
        let (cw, ch) = (i32::from(img.width), i32::from(img.height));
        let x0 = i32::from(img.x) - i32::from(img.xhot) - i32::from(self.x);
        let y0 = i32::from(img.y) - i32::from(img.yhot) - i32::from(self.y);
        for cy in 0..ch {
            let y = y0 + cy;
            if !(0..fh).contains(&y) {
                continue;
            }
            for cx in 0..cw {
                let x = x0 + cx;
                if !(0..fw).contains(&x) {
                    continue;
                }
                let Some(&argb) = img.cursor_image.get((cy * cw + cx) as usize) else {
                    return;
                };
                let a = argb >> 24;
                if a == 0 {
                    continue;
                }
                let i = ((y * fw + x) * 4) as usize;
                let Some(px) = frame.get_mut(i..i + 3) else {
                    continue;
                };
                // Premultiplied: out = src + dst * (255 - a) / 255, for B, G, R.
                for (k, shift) in [(0usize, 0u32), (1, 8), (2, 16)] {
                    let src = (argb >> shift) & 0xff;
                    let dst = u32::from(px[k]);
                    px[k] = (src + dst * (255 - a) / 255).min(255) as u8;
                }
            }
        }
    }
}

struct Job {
    grabber: Grabber,
    frame_rate: f64,
    ctl: Arc<Control>,
    /// Watches the connection: reports stalls to the sink.
    dog: Arc<Watchdog>,
    sink: Arc<dyn SourceSink>,
    /// The last frame read, re-delivered while nothing changes.
    last: Option<VideoFrame>,
}

impl Job {
    fn run(mut self) {
        self.dog.report_to(self.sink.clone());
        // A real screen is captured in real time: the system clock paces it.
        let clock = clock::system();
        let interval = 1e6 / self.frame_rate;
        let start = clock.now_us();
        let mut slot: u64 = 0;
        loop {
            let due = start + (slot as f64 * interval).round() as i64;
            if !matches!(self.ctl.wait_until(&*clock, due), Wait::Due) {
                return;
            }
            let t = clock::now_us();
            let frame = match self.grabber.tick(self.last.is_none()) {
                Ok(Tick::Fresh(data)) => {
                    let (w, h) = (
                        u32::from(self.grabber.width),
                        u32::from(self.grabber.height),
                    );
                    match VideoFrame::new(PixelFormat::Bgra, w, h, data, t) {
                        Ok(f) => {
                            // Cheap: the pixels are shared by `Arc`.
                            self.last = Some(f.clone());
                            Some(f)
                        }
                        Err(e) => {
                            tracing::warn!("x11: bad frame: {e}");
                            self.last = None;
                            None
                        }
                    }
                }
                // The same pixels, not copied, at this tick's time.
                Ok(Tick::Same) => self.last.clone().map(|f| f.with_timestamp(t)),
                Err(e) => {
                    if self.ctl.stopped() {
                        return;
                    }
                    self.sink
                        .on_event(SourceEvent::Ended(Some(Error::not_readable(format!(
                            "X11 capture failed: {e}"
                        )))));
                    return;
                }
            };
            if self.ctl.stopped() {
                return;
            }
            if self.dog.recovered() {
                self.sink.on_event(SourceEvent::Unmuted);
            }
            if let Some(f) = frame {
                self.sink
                    .on_video(f.with_duration(Some(interval.round() as i64)));
            }
            slot += 1;
            // Late (slow grab): skip the frames that could not be delivered in time.
            let now = clock::now_us();
            let next = start + (slot as f64 * interval).round() as i64;
            if now > next + interval as i64 {
                slot = ((now - start) as f64 / interval) as u64;
            }
        }
    }
}
