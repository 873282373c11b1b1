//! Reading a screen, a region of it or a window, and the capture thread that paces it.

use super::shm;
use super::timed::{Conn, Watchdog};
use super::window::{CapturedWindow, Changes};
use super::{Region, damage_on};
use crate::thread_source::{Control, Wait};
use crate::{SourceEvent, SourceSink, clock};
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_types::{CursorCaptureConstraint, Error, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::damage::{self, ConnectionExt as _};
use x11rb::protocol::xfixes::{ConnectionExt as _, GetCursorImageReply};
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, ImageOrder, Window};

/// How long the cursor stays drawn after it moved, for `cursor: "motion"`.
const MOTION_HOLD: std::time::Duration = std::time::Duration::from_secs(1);

/// Grabs one screen's root window, a region of it, or a window.
pub(super) struct Grabber {
    conn: Conn,
    root: Window,
    /// The window captured instead of the screen.
    window: Option<CapturedWindow>,
    x: i16,
    y: i16,
    pub(super) width: u16,
    pub(super) height: u16,
    shm: Option<shm::ShmImage>,
    pub(super) cursor: CursorCaptureConstraint,
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
    /// Counts the reads ([`super::X11Backend::grab_count`]).
    grabs: Arc<AtomicU64>,
}

/// A drawn cursor: its position and XFixes image serial.
type CursorKey = ((i16, i16), u32);

/// What one tick delivers.
enum Tick {
    /// A freshly read BGRA frame.
    Fresh(Vec<u8>),
    /// Nothing changed since the last read (or a window has nothing to read while it is
    /// unmapped): the previous frame again.
    Same,
    /// The captured window was destroyed.
    Closed,
}

/// How often a whole-screen capture checks the screen size.
const RESIZE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

impl Grabber {
    /// Grabs window `window` of screen `screen`: frames of the window's size, following it.
    pub(super) fn window(
        conn: Conn,
        screen: usize,
        window: Window,
        grabs: Arc<AtomicU64>,
    ) -> Result<Self> {
        let not_found = || Error::not_found(format!("no X11 window 0x{window:x}"));
        let root = conn
            .setup()
            .roots
            .get(screen)
            .ok_or_else(|| Error::not_found("X11 screen is gone"))?
            .root;
        let g = conn
            .get_geometry(window)
            .ok()
            .and_then(|c| c.reply().ok())
            .ok_or_else(not_found)?;
        if g.root != root || g.width == 0 || g.height == 0 {
            return Err(not_found());
        }
        check_depth(&conn, g.depth)?;
        let captured = CapturedWindow::new(&conn, window).map_err(|_| not_found())?;
        let shm = shm::ShmImage::new(&conn, g.width, g.height);
        let damage = damage_on(&conn, window);
        Ok(Grabber {
            conn,
            root,
            window: Some(captured),
            x: 0,
            y: 0,
            width: g.width,
            height: g.height,
            shm,
            cursor: CursorCaptureConstraint::Never,
            last_cursor: None,
            whole_screen: false,
            geometry_checked: Instant::now(),
            damage,
            drawn_cursor: None,
            grabs,
        })
    }

    /// What is read: the root window, or the captured window's contents.
    fn drawable(&self) -> u32 {
        self.window.as_ref().map_or(self.root, |w| w.drawable())
    }

    pub(super) fn new(
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
        check_depth(&conn, depth)?;
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
            window: None,
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
        let mut window = Changes::default();
        // Drains what arrived; a dead connection shows up here even on a still screen.
        while let Some(event) = self.conn.poll_for_event().map_err(|e| e.to_string())? {
            if matches!((&event, self.damage), (Event::DamageNotify(n), Some(d)) if n.damage == d) {
                changed = true;
            } else if let Some(w) = &self.window {
                w.note(&event, &mut window);
            }
        }
        if window.destroyed {
            return Ok(Tick::Closed);
        }
        if window.redraw {
            changed = true;
            self.follow_window(window.size);
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
        let data = match self.grab(cursor.as_ref()) {
            Ok(d) => d,
            Err(e) if self.window.is_some() => {
                // Destroyed (its DestroyNotify not read yet), or unmapped with no contents.
                let gone = self
                    .conn
                    .get_geometry(self.captured_window())
                    .ok()
                    .and_then(|c| c.reply().ok())
                    .is_none();
                if gone {
                    return Ok(Tick::Closed);
                }
                tracing::debug!("x11: window not readable now: {e}");
                return Ok(Tick::Same);
            }
            Err(e) => return Err(e),
        };
        self.drawn_cursor = key;
        Ok(Tick::Fresh(data))
    }

    /// The captured window (only called when there is one; the root otherwise).
    fn captured_window(&self) -> Window {
        self.window.as_ref().map_or(self.root, |w| w.window)
    }

    /// After a window's map or resize: its new contents pixmap, and its new size.
    fn follow_window(&mut self, size: Option<(u16, u16)>) {
        if let Some(w) = &mut self.window {
            w.rename(&self.conn);
        }
        if let Some((w, h)) = size.filter(|&(w, h)| w > 0 && h > 0) {
            if (w, h) != (self.width, self.height) {
                tracing::debug!(
                    "x11: window resized from {}x{} to {w}x{h}",
                    self.width,
                    self.height
                );
                self.width = w;
                self.height = h;
                if self.shm.is_some() {
                    self.shm = shm::ShmImage::new(&self.conn, w, h);
                }
            }
        }
    }

    fn get_image(&self) -> std::result::Result<Vec<u8>, x11rb::errors::ReplyError> {
        Ok(self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                self.drawable(),
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
                self.drawable(),
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

/// A capture thread's work: a frame per tick of the frame rate.
pub(super) struct Job {
    pub(super) grabber: Grabber,
    pub(super) frame_rate: f64,
    pub(super) ctl: Arc<Control>,
    /// Watches the connection: reports stalls to the sink.
    pub(super) dog: Arc<Watchdog>,
    pub(super) sink: Arc<dyn SourceSink>,
    /// The last frame read, re-delivered while nothing changes.
    pub(super) last: Option<VideoFrame>,
}

impl Job {
    /// Captures until stopped, the connection fails, or the captured window goes.
    pub(super) fn run(mut self) {
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
                Ok(Tick::Closed) => {
                    // A closed window ends its capture, as in Chromium (no error: nothing
                    // failed).
                    if !self.ctl.stopped() {
                        self.sink.on_event(SourceEvent::Ended(None));
                    }
                    return;
                }
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

/// Refuses pixels that are not 32 bits little-endian (what every current X server uses at
/// depths 24 and 32).
fn check_depth(conn: &Conn, depth: u8) -> Result<()> {
    let bpp = conn
        .setup()
        .pixmap_formats
        .iter()
        .find(|f| f.depth == depth)
        .map(|f| f.bits_per_pixel);
    if bpp != Some(32) || conn.setup().image_byte_order != ImageOrder::LSB_FIRST {
        return Err(Error::not_readable(format!(
            "X11 depth {depth} ({bpp:?} bits per pixel, {:?}) is not supported: \
             only 32-bit little-endian pixels",
            conn.setup().image_byte_order
        )));
    }
    Ok(())
}

impl Drop for Grabber {
    fn drop(&mut self) {
        if let Some(w) = &mut self.window {
            w.release(&self.conn);
        }
    }
}
