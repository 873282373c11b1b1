//! A video output: a native window that shows frames (X11).
//!
//! [`VideoWindow::open`] creates a top-level window on the X display (`DISPLAY`); frames
//! given to [`VideoWindow::present`] are drawn by a thread of the window's own, so presenting
//! never waits for the X server (a frame presented while one is drawn replaces the one
//! waiting: newest wins). Each frame is scaled to fit the window with its aspect ratio kept,
//! centred, with black bars (letterboxing); the window can be resized. Closing it from the
//! window manager (`WM_DELETE_WINDOW`) is reported ([`VideoWindow::is_closed`],
//! [`VideoWindow::wait_closed`]); dropping the [`VideoWindow`] destroys the window and joins
//! its threads.
//!
//! Drawing: the frame is scaled (`mediacapture_frame::crop_and_scale`, aspect kept so
//! nothing is cropped), converted to BGRA and sent with `PutImage` in strips that fit the
//! server's request size. The window needs a 24- or 32-bit TrueColor visual whose pixels are
//! `0x00RRGGBB` (every X server on a PC); another visual is `NotSupportedError`.

use mediacapture_frame::{PixelFormat, VideoFrame, convert, crop_and_scale};
use mediacapture_types::{Error, Result};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use x11rb::connection::{Connection, RequestConnection as _};
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt as _, CreateGCAux, CreateWindowAux, EventMask,
    ImageFormat, ImageOrder, PropMode, Rectangle, VisualClass, Window, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
struct Slot {
    /// The frame to draw next.
    pending: Option<VideoFrame>,
    /// The last frame drawn (redrawn on expose and resize).
    shown: Option<VideoFrame>,
    redraw: bool,
    size: (u32, u32),
    drawn: u64,
    /// Closed by the user (or the connection died).
    closed: bool,
    /// Asked to shut down.
    quit: bool,
}

struct Shared {
    slot: Mutex<Slot>,
    cv: Condvar,
}

/// A window that shows video frames. See the module docs.
pub struct VideoWindow {
    shared: Arc<Shared>,
    conn: Arc<RustConnection>,
    window: Window,
    wake_atom: u32,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for VideoWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoWindow")
            .field("window", &self.window)
            .field("size", &self.size())
            .finish()
    }
}

/// A round trip to the server: when it returns, the server has carried out every request
/// sent before it, not merely received them, so other clients see their effects.
fn round_trip(conn: &RustConnection) -> std::result::Result<(), String> {
    conn.get_input_focus()
        .map_err(|e| e.to_string())?
        .reply()
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn x_err(what: &str) -> impl Fn(&dyn std::fmt::Display) -> Error + '_ {
    move |e| Error::not_readable(format!("X11 window: {what}: {e}"))
}

impl VideoWindow {
    /// Opens a `width` x `height` window titled `title` on the display `DISPLAY` names.
    ///
    /// Errors: `NotFoundError` when there is no display, `NotReadableError` when the server
    /// refuses, `NotSupportedError` for a visual that is not 24/32-bit TrueColor.
    pub fn open(title: &str, width: u32, height: u32) -> Result<VideoWindow> {
        Self::open_on(None, title, width, height)
    }

    /// [`VideoWindow::open`] on the display `display` (e.g. `":99"`), or `DISPLAY`'s.
    pub fn open_on(
        display: Option<&str>,
        title: &str,
        width: u32,
        height: u32,
    ) -> Result<VideoWindow> {
        let (conn, screen_num) = x11rb::connect(display)
            .map_err(|e| Error::not_found(format!("no X display to show video on: {e}")))?;
        let conn = Arc::new(conn);
        let screen = conn
            .setup()
            .roots
            .get(screen_num)
            .cloned()
            .ok_or_else(|| Error::not_readable("X11 window: no such screen"))?;
        check_visual(&conn, &screen)?;
        let w16 = |v: u32| u16::try_from(v.clamp(1, 16_384)).unwrap_or(640);
        let window = conn.generate_id().map_err(|e| x_err("id")(&e))?;
        conn.create_window(
            screen.root_depth,
            window,
            screen.root,
            0,
            0,
            w16(width),
            w16(height),
            0,
            WindowClass::INPUT_OUTPUT,
            screen.root_visual,
            &CreateWindowAux::new()
                .background_pixel(screen.black_pixel)
                .event_mask(EventMask::EXPOSURE | EventMask::STRUCTURE_NOTIFY),
        )
        .map_err(|e| x_err("create")(&e))?;
        let atom = |name: &str| -> Result<u32> {
            Ok(conn
                .intern_atom(false, name.as_bytes())
                .map_err(|e| x_err("atom")(&e))?
                .reply()
                .map_err(|e| x_err("atom")(&e))?
                .atom)
        };
        let protocols = atom("WM_PROTOCOLS")?;
        let delete = atom("WM_DELETE_WINDOW")?;
        let wake_atom = atom("_MEDIACAPTURE_WAKE")?;
        let net_name = atom("_NET_WM_NAME")?;
        let utf8 = atom("UTF8_STRING")?;
        conn.change_property32(
            PropMode::REPLACE,
            window,
            protocols,
            AtomEnum::ATOM,
            &[delete],
        )
        .map_err(|e| x_err("property")(&e))?;
        conn.change_property8(
            PropMode::REPLACE,
            window,
            AtomEnum::WM_NAME,
            AtomEnum::STRING,
            title.as_bytes(),
        )
        .map_err(|e| x_err("property")(&e))?;
        conn.change_property8(PropMode::REPLACE, window, net_name, utf8, title.as_bytes())
            .map_err(|e| x_err("property")(&e))?;
        let gc = conn.generate_id().map_err(|e| x_err("id")(&e))?;
        conn.create_gc(
            gc,
            window,
            &CreateGCAux::new().foreground(screen.black_pixel),
        )
        .map_err(|e| x_err("gc")(&e))?;
        conn.map_window(window).map_err(|e| x_err("map")(&e))?;
        // When `open` returns the server has mapped the window (without a window manager it
        // is then viewable); another client reading it at once (GetImage) would otherwise
        // get a BadMatch.
        round_trip(&conn).map_err(|e| x_err("map")(&e))?;

        let shared = Arc::new(Shared {
            slot: Mutex::new(Slot {
                size: (width.max(1), height.max(1)),
                ..Slot::default()
            }),
            cv: Condvar::new(),
        });
        let events = {
            let (conn, shared) = (conn.clone(), shared.clone());
            std::thread::Builder::new()
                .name("video-window-events".into())
                .spawn(move || run_events(&conn, &shared, protocols, delete, wake_atom))
                .map_err(|e| Error::not_readable(format!("cannot start a window thread: {e}")))?
        };
        let draw = {
            let (conn, shared) = (conn.clone(), shared.clone());
            let depth = screen.root_depth;
            std::thread::Builder::new()
                .name("video-window-draw".into())
                .spawn(move || run_draw(&conn, &shared, window, gc, depth))
                .map_err(|e| Error::not_readable(format!("cannot start a window thread: {e}")))?
        };
        Ok(VideoWindow {
            shared,
            conn,
            window,
            wake_atom,
            threads: vec![events, draw],
        })
    }

    /// Shows `frame` (drawn on the window's thread; a frame not drawn yet is replaced).
    pub fn present(&self, frame: &VideoFrame) {
        let mut s = lock(&self.shared.slot);
        if s.closed || s.quit {
            return;
        }
        s.pending = Some(frame.clone());
        drop(s);
        self.shared.cv.notify_all();
    }

    /// The X window id (for screenshots: `import -window <id>`).
    pub fn window_id(&self) -> u32 {
        self.window
    }

    /// The window's size now.
    pub fn size(&self) -> (u32, u32) {
        lock(&self.shared.slot).size
    }

    /// Frames drawn so far (redraws of the same frame not counted).
    pub fn drawn_frames(&self) -> u64 {
        lock(&self.shared.slot).drawn
    }

    /// Waits (up to `timeout`, a safety bound) until `n` frames were drawn.
    pub fn wait_drawn(&self, n: u64, timeout: Duration) -> bool {
        self.wait(timeout, |s| s.drawn >= n)
    }

    /// `true` once the user closed the window (or the X connection died).
    pub fn is_closed(&self) -> bool {
        lock(&self.shared.slot).closed
    }

    /// Waits (up to `timeout`) until the window is closed; `false` on timeout.
    pub fn wait_closed(&self, timeout: Duration) -> bool {
        self.wait(timeout, |s| s.closed)
    }

    /// A handle that waits for the user to close this window without keeping it open.
    pub fn close_watch(&self) -> CloseWatch {
        CloseWatch {
            shared: self.shared.clone(),
        }
    }

    /// Resizes the window (as a user would).
    pub fn resize(&self, width: u32, height: u32) -> Result<()> {
        use x11rb::protocol::xproto::ConfigureWindowAux;
        self.conn
            .configure_window(
                self.window,
                &ConfigureWindowAux::new()
                    .width(width.clamp(1, 16_384))
                    .height(height.clamp(1, 16_384)),
            )
            .map_err(|e| x_err("resize")(&e))?;
        self.conn.flush().map_err(|e| x_err("flush")(&e))?;
        Ok(())
    }

    fn wait(&self, timeout: Duration, mut done: impl FnMut(&Slot) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.shared.slot);
        while !done(&s) {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            s = match self.shared.cv.wait_timeout(s, deadline - now) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        true
    }
}

/// Waits for a [`VideoWindow`] to be closed by the user ([`VideoWindow::close_watch`]).
pub struct CloseWatch {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for CloseWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloseWatch").finish_non_exhaustive()
    }
}

impl CloseWatch {
    /// Blocks until the window is closed: `true` when the user (or a dead connection) closed
    /// it, `false` when the program dropped it.
    pub fn wait(&self) -> bool {
        let mut s = lock(&self.shared.slot);
        while !s.closed && !s.quit {
            s = match self.shared.cv.wait(s) {
                Ok(g) => g,
                Err(e) => e.into_inner(),
            };
        }
        s.closed && !s.quit
    }
}

impl Drop for VideoWindow {
    fn drop(&mut self) {
        lock(&self.shared.slot).quit = true;
        self.shared.cv.notify_all();
        // Wake the event thread, blocked waiting for the server.
        let wake = ClientMessageEvent::new(32, self.window, self.wake_atom, [0u32; 5]);
        let _ = self
            .conn
            .send_event(false, self.window, EventMask::NO_EVENT, wake);
        let _ = self.conn.destroy_window(self.window);
        // The window is gone when this returns (a process that exits right after would
        // otherwise leave it to the server to notice the closed connection, later).
        let _ = round_trip(&self.conn);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A visual whose pixels are 0x00RRGGBB in 32 bits, little-endian: BGRA bytes fit it.
fn check_visual(conn: &RustConnection, screen: &x11rb::protocol::xproto::Screen) -> Result<()> {
    let visual = screen
        .allowed_depths
        .iter()
        .flat_map(|d| d.visuals.iter())
        .find(|v| v.visual_id == screen.root_visual);
    let bpp = conn
        .setup()
        .pixmap_formats
        .iter()
        .find(|f| f.depth == screen.root_depth)
        .map(|f| f.bits_per_pixel);
    let ok = matches!(screen.root_depth, 24 | 32)
        && bpp == Some(32)
        && conn.setup().image_byte_order == ImageOrder::LSB_FIRST
        && visual.is_some_and(|v| {
            v.class == VisualClass::TRUE_COLOR
                && v.red_mask == 0xff_0000
                && v.green_mask == 0xff00
                && v.blue_mask == 0xff
        });
    if ok {
        Ok(())
    } else {
        Err(Error::not_supported(
            "X11 window: the screen's visual is not 24-bit TrueColor 0x00RRGGBB",
        ))
    }
}

fn run_events(conn: &RustConnection, shared: &Shared, protocols: u32, delete: u32, wake: u32) {
    loop {
        let event = conn.wait_for_event();
        let mut s = lock(&shared.slot);
        match event {
            Ok(Event::ClientMessage(m))
                if m.type_ == protocols && m.data.as_data32()[0] == delete =>
            {
                s.closed = true;
            }
            Ok(Event::ClientMessage(m)) if m.type_ == wake => {}
            Ok(Event::ConfigureNotify(c)) => {
                let size = (u32::from(c.width), u32::from(c.height));
                if size != s.size {
                    s.size = size;
                    s.redraw = true;
                }
            }
            Ok(Event::Expose(e)) if e.count == 0 => s.redraw = true,
            Ok(Event::DestroyNotify(_)) => s.closed = true,
            Ok(_) => {}
            Err(e) => {
                if !s.quit {
                    tracing::warn!("video window: the X connection failed: {e}");
                }
                s.closed = true;
            }
        }
        let stop = s.quit || s.closed;
        drop(s);
        shared.cv.notify_all();
        if stop {
            return;
        }
    }
}

fn run_draw(conn: &RustConnection, shared: &Shared, window: Window, gc: u32, depth: u8) {
    let mut s = lock(&shared.slot);
    loop {
        if s.quit || s.closed {
            return;
        }
        let (frame, new) = match s.pending.take() {
            Some(f) => {
                s.shown = Some(f.clone());
                (Some(f), true)
            }
            None if s.redraw => (s.shown.clone(), false),
            None => (None, false),
        };
        s.redraw = false;
        let Some(frame) = frame else {
            s = match shared.cv.wait(s) {
                Ok(g) => g,
                Err(e) => e.into_inner(),
            };
            continue;
        };
        let size = s.size;
        drop(s);
        if let Err(e) = draw(conn, window, gc, depth, size, &frame) {
            tracing::warn!("video window: cannot draw: {e}");
        }
        s = lock(&shared.slot);
        if new {
            // Counted once the server drew it: waiters of `drawn` can read it back.
            s.drawn += 1;
            shared.cv.notify_all();
        }
    }
}

/// Where a `fw` x `fh` picture goes in a `ww` x `wh` window: the largest size with its
/// aspect ratio (even, at least 2x2) and its top-left corner, centred.
pub fn letterbox(fw: u32, fh: u32, ww: u32, wh: u32) -> (u32, u32, u32, u32) {
    if fw == 0 || fh == 0 || ww == 0 || wh == 0 {
        return (0, 0, 0, 0);
    }
    let scale = (f64::from(ww) / f64::from(fw)).min(f64::from(wh) / f64::from(fh));
    let even = |v: f64, max: u32| ((v.round() as u32) & !1).clamp(2.min(max), max);
    let (w, h) = (
        even(f64::from(fw) * scale, ww),
        even(f64::from(fh) * scale, wh),
    );
    ((ww - w) / 2, (wh - h) / 2, w, h)
}

fn draw(
    conn: &RustConnection,
    window: Window,
    gc: u32,
    depth: u8,
    (ww, wh): (u32, u32),
    frame: &VideoFrame,
) -> std::result::Result<(), String> {
    let (x, y, w, h) = letterbox(frame.display_width(), frame.display_height(), ww, wh);
    if w < 2 || h < 2 {
        return Ok(());
    }
    let scaled = if (w, h) == (frame.display_width(), frame.display_height()) {
        frame.clone()
    } else {
        crop_and_scale(frame, w, h).map_err(|e| e.to_string())?
    };
    let bgra = convert(&scaled, PixelFormat::Bgra).map_err(|e| e.to_string())?;
    let (stride, data) = (bgra.stride(0), bgra.plane(0));
    // The black bars.
    let bars: Vec<Rectangle> = [
        (0, 0, ww, y),
        (0, y + h, ww, wh.saturating_sub(y + h)),
        (0, y, x, h),
        (x + w, y, ww.saturating_sub(x + w), h),
    ]
    .iter()
    .filter(|r| r.2 > 0 && r.3 > 0)
    .map(|&(rx, ry, rw, rh)| Rectangle {
        x: rx as i16,
        y: ry as i16,
        width: rw.min(u32::from(u16::MAX)) as u16,
        height: rh.min(u32::from(u16::MAX)) as u16,
    })
    .collect();
    if !bars.is_empty() {
        conn.poly_fill_rectangle(window, gc, &bars)
            .map_err(|e| e.to_string())?;
    }
    // Rows per PutImage: what fits the largest request (minus its header).
    let row_bytes = w as usize * 4;
    let max = conn.maximum_request_bytes().saturating_sub(64);
    let rows = (max / row_bytes).clamp(1, h as usize);
    let mut row = 0usize;
    let mut strip: Vec<u8> = Vec::with_capacity(rows * row_bytes);
    while row < h as usize {
        let n = rows.min(h as usize - row);
        strip.clear();
        for r in row..row + n {
            strip.extend_from_slice(&data[r * stride..r * stride + row_bytes]);
        }
        conn.put_image(
            ImageFormat::Z_PIXMAP,
            window,
            gc,
            w as u16,
            n as u16,
            (x as usize) as i16,
            (y as usize + row) as i16,
            0,
            depth,
            &strip,
        )
        .map_err(|e| e.to_string())?;
        row += n;
    }
    // Another client reading the window now sees the frame.
    round_trip(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::letterbox;

    #[test]
    fn letterbox_keeps_the_aspect_ratio_and_centres() {
        assert_eq!(letterbox(640, 480, 640, 480), (0, 0, 640, 480));
        // A wider window: bars left and right.
        assert_eq!(letterbox(640, 480, 800, 480), (80, 0, 640, 480));
        // A taller one: bars above and below.
        assert_eq!(letterbox(640, 480, 320, 480), (0, 120, 320, 240));
        // 720 * 1000 / 1280 = 562.5: rounded (563), then made even (562); 219 above and below.
        assert_eq!(letterbox(1280, 720, 1000, 1000), (0, 219, 1000, 562));
        assert_eq!(letterbox(0, 480, 100, 100), (0, 0, 0, 0));
    }
}
