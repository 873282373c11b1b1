//! X connections whose every wait for the server is bounded.
//!
//! `x11rb`'s connection blocks in `poll` until the server answers, with no timeout: a server
//! that stops answering (stopped with SIGSTOP, hung, its machine asleep) blocked a capture
//! thread forever, and with it whoever stopped the capture and joined that thread. Here the
//! connection runs over a [`TimedStream`], whose `poll` waits in short slices and
//!
//! - reports the stall to the source's sink as `SourceEvent::Muted` once the server has been
//!   silent for [`StallBounds::mute_after`] while we wait for it,
//! - fails (`TimedOut`) once it has been silent for [`StallBounds::end_after`]: the request
//!   fails, the capture thread ends the source with a `NotReadableError`; the connection is
//!   dead from then on (every later wait fails at once), since a reply may still be on its
//!   way,
//! - fails at once when the source is asked to stop, so that a stop never waits for the
//!   server.
//!
//! When the server answers again before the end, the capture thread reports
//! `SourceEvent::Unmuted` ([`Watchdog::recovered`]).

use crate::thread_source::Control;
use crate::{SourceEvent, SourceSink};
use std::io::{IoSlice, Result};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use x11rb::rust_connection::{DefaultStream, PollMode, RustConnection, Stream};
use x11rb::utils::RawFdContainer;

/// A connection whose waits are bounded.
pub(super) type Conn = RustConnection<TimedStream>;

/// How long the server may stay silent while we wait for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StallBounds {
    /// Silence after which a capture reports `SourceEvent::Muted`.
    pub mute_after: Duration,
    /// Silence after which a request fails: a capture ends with a `NotReadableError`, a
    /// device query lists nothing.
    pub end_after: Duration,
}

impl Default for StallBounds {
    /// Muted after 0.5 s of silence, ended after 2 s. An X server answers a request in
    /// microseconds to a few milliseconds (a full-screen `GetImage` included), so half a
    /// second of silence is a server that stopped, not a slow one.
    fn default() -> Self {
        StallBounds {
            mute_after: Duration::from_millis(500),
            end_after: Duration::from_secs(2),
        }
    }
}

/// How long one `poll` slice lasts: how soon a stop request is seen while the server is
/// silent (it returns at once when the server answers).
const SLICE: Duration = Duration::from_millis(50);

/// The state shared by a [`TimedStream`] and the capture thread using it.
pub(super) struct Watchdog {
    bounds: StallBounds,
    /// The capture's control, whose stop request interrupts a wait.
    ctl: Option<Arc<Control>>,
    /// Where `Muted` goes: the capture's sink, once the capture thread runs.
    sink: Mutex<Option<Arc<dyn SourceSink>>>,
    /// `Muted` was reported and not yet followed by `Unmuted`.
    stalled: AtomicBool,
    /// A wait failed: the connection is unusable.
    dead: AtomicBool,
}

impl Watchdog {
    pub(super) fn new(bounds: StallBounds, ctl: Option<Arc<Control>>) -> Arc<Self> {
        Arc::new(Watchdog {
            bounds,
            ctl,
            sink: Mutex::new(None),
            stalled: AtomicBool::new(false),
            dead: AtomicBool::new(false),
        })
    }

    /// Stalls from now on are reported to `sink`.
    pub(super) fn report_to(&self, sink: Arc<dyn SourceSink>) {
        *self.sink.lock().unwrap_or_else(|e| e.into_inner()) = Some(sink);
    }

    /// `true` once after a reported stall ended with the server answering: the caller reports
    /// `SourceEvent::Unmuted`.
    pub(super) fn recovered(&self) -> bool {
        !self.dead.load(Ordering::SeqCst) && self.stalled.swap(false, Ordering::SeqCst)
    }

    fn stalled(&self) {
        if self.stalled.swap(true, Ordering::SeqCst) {
            return;
        }
        let sink = self.sink.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(sink) = sink {
            sink.on_event(SourceEvent::Muted);
        }
    }

    fn fail(&self, kind: std::io::ErrorKind, what: &str) -> std::io::Error {
        self.dead.store(true, Ordering::SeqCst);
        std::io::Error::new(kind, what.to_owned())
    }
}

/// The default stream, with bounded waits (see the module docs).
pub(super) struct TimedStream {
    inner: DefaultStream,
    dog: Arc<Watchdog>,
}

impl Stream for TimedStream {
    fn poll(&self, mode: PollMode) -> Result<()> {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        use rustix::io::Errno;
        let mut flags = PollFlags::empty();
        if mode.readable() {
            flags |= PollFlags::IN;
        }
        if mode.writable() {
            flags |= PollFlags::OUT;
        }
        let start = Instant::now();
        loop {
            if self.dog.dead.load(Ordering::SeqCst) {
                return Err(self.dog.fail(
                    std::io::ErrorKind::TimedOut,
                    "the X server stopped answering",
                ));
            }
            if self.dog.ctl.as_ref().is_some_and(|c| c.stopped()) {
                return Err(self
                    .dog
                    .fail(std::io::ErrorKind::Interrupted, "capture stopped"));
            }
            let waited = start.elapsed();
            if waited >= self.dog.bounds.end_after {
                return Err(self.dog.fail(
                    std::io::ErrorKind::TimedOut,
                    &format!(
                        "the X server did not answer for {} ms",
                        self.dog.bounds.end_after.as_millis()
                    ),
                ));
            }
            let slice = SLICE.min(self.dog.bounds.end_after - waited);
            let timeout = Timespec {
                tv_sec: 0,
                tv_nsec: i64::from(slice.subsec_nanos()),
            };
            let mut fds = [PollFd::new(&self.inner, flags)];
            match poll(&mut fds, Some(&timeout)) {
                Ok(n) if n > 0 => return Ok(()),
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
            if start.elapsed() >= self.dog.bounds.mute_after {
                self.dog.stalled();
            }
        }
    }

    fn read(&self, buf: &mut [u8], fd_storage: &mut Vec<RawFdContainer>) -> Result<usize> {
        self.inner.read(buf, fd_storage)
    }

    fn write(&self, buf: &[u8], fds: &mut Vec<RawFdContainer>) -> Result<usize> {
        self.inner.write(buf, fds)
    }

    fn write_vectored(&self, bufs: &[IoSlice<'_>], fds: &mut Vec<RawFdContainer>) -> Result<usize> {
        self.inner.write_vectored(bufs, fds)
    }
}

impl AsFd for TimedStream {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

/// Connects to display `name` (as `x11rb::connect` does, with the same authentication) over a
/// [`TimedStream`] watched by `dog`. Returns the connection and its default screen.
pub(super) fn connect(
    name: &str,
    dog: Arc<Watchdog>,
) -> std::result::Result<(Conn, usize), x11rb::errors::ConnectError> {
    use x11rb::errors::ConnectError;
    use x11rb::reexports::x11rb_protocol::{parse_display::parse_display, xauth::get_auth};
    let parsed = parse_display(Some(name))?;
    let screen = usize::from(parsed.screen);
    let mut last = None;
    for addr in parsed.connect_instruction() {
        match DefaultStream::connect(&addr) {
            Ok((inner, (family, address))) => {
                let (auth_name, auth_data) = get_auth(family, &address, parsed.display)
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                let stream = TimedStream { inner, dog };
                let conn = RustConnection::connect_to_stream_with_auth_info(
                    stream, screen, auth_name, auth_data,
                )?;
                return Ok((conn, screen));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => ConnectError::IoError(e),
        None => ConnectError::DisplayParsingError(x11rb::errors::DisplayParsingError::Unknown),
    })
}
