//! The V4L2 device side: enumerating `/dev/video*`, watching it with inotify for
//! hot-plug, mmap streaming on a capture thread.

use super::{
    DeviceAnswers, FormatAnswer, IntervalKind, NativeMode, SizeAnswer, SizeKind, descriptor,
    is_capture_node, native_modes, raw_id,
};
use crate::thread_source::{Control, Opening, ThreadSource};
use crate::{
    Backend, DeviceChangeCallback, DeviceDescriptor, NativeConfig, Source, SourceEvent, SourceSink,
    clock,
};
use mediacapture_frame::{PixelFormat, PlaneLayout, VideoFrame};
use mediacapture_types::native::FRAME_RATE_TOLERANCE;
use mediacapture_types::{Error, Result};
use rustix::event::{EventfdFlags, Timespec};
use rustix::fd::OwnedFd;
use rustix::fs::Access;
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use v4l::frameinterval::FrameIntervalEnum;
use v4l::framesize::FrameSizeEnum;
use v4l::io::traits::CaptureStream;
use v4l::video::Capture;
use v4l::{Device, FourCC};

/// Buffers queued to the driver: few, to keep latency low (Chromium uses 4).
const BUFFERS: u32 = 4;

/// How often the device directory is checked when it cannot be watched with inotify.
const HOTPLUG_POLL: Duration = Duration::from_millis(500);

/// Events closer together than this are one change: udev creates a node, then sets its
/// owner and mode, and a camera often brings a capture and a metadata node.
const HOTPLUG_SETTLE: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 50_000_000,
};

/// A steady stream of events still gets a callback round this often.
const HOTPLUG_SETTLE_MAX: Duration = Duration::from_millis(500);

/// The V4L2 camera backend.
pub struct V4l2Backend {
    dir: PathBuf,
    watch: Arc<Watch>,
    watcher: Mutex<Option<Watcher>>,
}

#[derive(Default)]
struct Watch {
    callbacks: Mutex<Vec<DeviceChangeCallback>>,
    stop: Mutex<bool>,
    cv: Condvar,
}

/// The hot-plug thread, and the eventfd that wakes it from `poll` when it watches with inotify.
struct Watcher {
    thread: JoinHandle<()>,
    wake: Option<Arc<OwnedFd>>,
}

impl std::fmt::Debug for V4l2Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V4l2Backend")
            .field("dir", &self.dir)
            .finish()
    }
}

impl Drop for V4l2Backend {
    fn drop(&mut self) {
        // The flag stops the polling loop (also the one inotify falls back to), the eventfd
        // the inotify loop; either is checked before the thread waits, so no wake-up is lost.
        *self.watch.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.watch.cv.notify_all();
        if let Some(w) = self
            .watcher
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            if let Some(wake) = &w.wake {
                let _ = rustix::io::write(&**wake, &1u64.to_ne_bytes());
            }
            let _ = w.thread.join();
        }
    }
}

/// A `video*` node, and whether this process may open it for reading and writing (udev
/// creates a node, then fixes its permissions: that makes a camera usable too).
type NodeState = (PathBuf, bool);

/// The `video*` nodes of `dir` with their state, in numeric order.
fn node_states(dir: &Path) -> Vec<NodeState> {
    video_nodes(dir)
        .into_iter()
        .map(|p| {
            let usable = rustix::fs::access(&p, Access::READ_OK | Access::WRITE_OK).is_ok();
            (p, usable)
        })
        .collect()
}

/// Calls the callbacks if the nodes of `dir` are not `last` any more.
fn notify_if_changed(dir: &Path, watch: &Watch, last: &mut Vec<NodeState>) {
    let now = node_states(dir);
    if now == *last {
        return;
    }
    *last = now;
    let callbacks = watch
        .callbacks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    for cb in callbacks {
        cb();
    }
}

/// An inotify watch on the device directory, and an eventfd to stop waiting on it.
struct Inotify {
    fd: OwnedFd,
    wake: Arc<OwnedFd>,
}

impl Inotify {
    fn new(dir: &Path) -> rustix::io::Result<Self> {
        use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
        let fd = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK)?;
        inotify::add_watch(
            &fd,
            dir,
            WatchFlags::CREATE
                | WatchFlags::DELETE
                | WatchFlags::MOVE
                | WatchFlags::ATTRIB
                | WatchFlags::DELETE_SELF
                | WatchFlags::MOVE_SELF
                | WatchFlags::ONLYDIR,
        )?;
        let wake = rustix::event::eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(Inotify {
            fd,
            wake: Arc::new(wake),
        })
    }
}

/// Watches `dir` with inotify, or logs why not (no inotify, no such directory, the watch
/// limit reached) and returns `None`: the caller then polls.
fn open_inotify(dir: &Path) -> Option<Inotify> {
    match Inotify::new(dir) {
        Ok(i) => Some(i),
        Err(e) => {
            tracing::warn!(
                "v4l2: cannot watch {} with inotify ({e}); checking it every {} ms instead",
                dir.display(),
                HOTPLUG_POLL.as_millis()
            );
            None
        }
    }
}

/// What inotify events said.
#[derive(Default)]
struct Seen {
    /// A `video*` entry changed, or events were lost.
    relevant: bool,
    /// The directory itself went away (deleted, moved, unmounted): the watch is over.
    gone: bool,
}

enum Wait {
    Stop,
    Timeout,
    Events(Seen),
    Failed(rustix::io::Errno),
}

/// Waits for inotify events (at most `timeout`, forever with `None`) or the stop signal,
/// and reads the pending events.
fn wait(ino: &Inotify, buf: &mut [MaybeUninit<u8>], timeout: Option<&Timespec>) -> Wait {
    use rustix::event::{PollFd, PollFlags};
    use rustix::fs::inotify::{ReadFlags, Reader};
    use rustix::io::Errno;
    let mut fds = [
        PollFd::new(&ino.fd, PollFlags::IN),
        PollFd::new(&*ino.wake, PollFlags::IN),
    ];
    match rustix::event::poll(&mut fds, timeout) {
        Ok(0) => return Wait::Timeout,
        Ok(_) => {}
        Err(Errno::INTR) => return Wait::Events(Seen::default()),
        Err(e) => return Wait::Failed(e),
    }
    if !fds[1].revents().is_empty() {
        return Wait::Stop;
    }
    let mut seen = Seen::default();
    let mut reader = Reader::new(&ino.fd, buf);
    loop {
        match reader.next() {
            Ok(ev) => {
                let flags = ev.events();
                if flags.intersects(
                    ReadFlags::IGNORED
                        | ReadFlags::UNMOUNT
                        | ReadFlags::DELETE_SELF
                        | ReadFlags::MOVE_SELF,
                ) {
                    seen.gone = true;
                    seen.relevant = true;
                }
                if flags.contains(ReadFlags::QUEUE_OVERFLOW)
                    || ev
                        .file_name()
                        .and_then(|n| n.to_str().ok())
                        .is_some_and(|n| video_index(n).is_some())
                {
                    seen.relevant = true;
                }
            }
            Err(Errno::AGAIN) => return Wait::Events(seen),
            Err(Errno::INTR) => continue,
            Err(e) => return Wait::Failed(e),
        }
    }
}

/// Watches `dir` with inotify for `video*` nodes coming and going (or changing
/// permissions) and calls the callbacks when the nodes changed; falls back to polling if
/// the watch ends. (Chromium listens to udev, which also goes through `/dev`.)
fn run_inotify(dir: &Path, watch: &Watch, ino: Inotify, mut last: Vec<NodeState>) {
    let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
    loop {
        let mut seen = match wait(&ino, &mut buf, None) {
            Wait::Stop => return,
            Wait::Timeout => continue,
            Wait::Events(s) => s,
            Wait::Failed(e) => {
                tracing::warn!(
                    "v4l2: inotify on {} failed ({e}); checking it every {} ms instead",
                    dir.display(),
                    HOTPLUG_POLL.as_millis()
                );
                drop(ino);
                return run_poller(dir, watch, last);
            }
        };
        if !seen.relevant {
            continue;
        }
        // Let the burst settle, so that one plug gives one callback round.
        let start = Instant::now();
        while start.elapsed() < HOTPLUG_SETTLE_MAX {
            match wait(&ino, &mut buf, Some(&HOTPLUG_SETTLE)) {
                Wait::Stop => return,
                Wait::Events(s) => seen.gone |= s.gone,
                // A failure shows again on the next wait, which falls back.
                Wait::Timeout | Wait::Failed(_) => break,
            }
        }
        notify_if_changed(dir, watch, &mut last);
        if seen.gone {
            tracing::warn!(
                "v4l2: {} is no longer watched; checking it every {} ms instead",
                dir.display(),
                HOTPLUG_POLL.as_millis()
            );
            drop(ino);
            return run_poller(dir, watch, last);
        }
    }
}

/// Polls `dir` for `video*` nodes coming and going (or changing permissions) and calls the
/// callbacks: the fallback when inotify is not available.
fn run_poller(dir: &Path, watch: &Watch, mut last: Vec<NodeState>) {
    let mut stop = watch.stop.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if *stop {
            return;
        }
        stop = match watch.cv.wait_timeout(stop, HOTPLUG_POLL) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        };
        if *stop {
            return;
        }
        drop(stop);
        notify_if_changed(dir, watch, &mut last);
        stop = watch.stop.lock().unwrap_or_else(|e| e.into_inner());
    }
}

/// `n` for a `video<n>` node name.
fn video_index(name: &str) -> Option<u32> {
    name.strip_prefix("video")?.parse().ok()
}

/// The `video*` nodes of `dir`, in numeric order.
fn video_nodes(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut nodes: Vec<(u32, PathBuf)> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((video_index(e.file_name().to_str()?)?, e.path())))
        .collect();
    nodes.sort();
    nodes.into_iter().map(|(_, p)| p).collect()
}

impl Default for V4l2Backend {
    fn default() -> Self {
        Self::new()
    }
}

impl V4l2Backend {
    /// The backend for the system's `/dev/video*` nodes.
    pub fn new() -> Self {
        Self::with_dir("/dev")
    }

    /// The backend for `video*` nodes in `dir` (for tests with emulated devices).
    pub fn with_dir(dir: impl Into<PathBuf>) -> Self {
        V4l2Backend {
            dir: dir.into(),
            watch: Arc::new(Watch::default()),
            watcher: Mutex::new(None),
        }
    }

    /// The `video*` nodes, in numeric order.
    fn nodes(&self) -> Vec<PathBuf> {
        video_nodes(&self.dir)
    }

    fn probe_all(&self) -> Vec<DeviceAnswers> {
        self.nodes()
            .iter()
            .filter_map(|p| match probe(p) {
                Ok(a) => Some(a),
                Err(e) => {
                    tracing::debug!("v4l2: {}: {e}", p.display());
                    None
                }
            })
            .collect()
    }
}

fn fraction(f: v4l::Fraction) -> [u32; 2] {
    [f.numerator, f.denominator]
}

fn intervals(dev: &Device, fourcc: FourCC, w: u32, h: u32) -> Vec<IntervalKind> {
    dev.enum_frameintervals(fourcc, w, h)
        .unwrap_or_default()
        .into_iter()
        .map(|i| match i.interval {
            FrameIntervalEnum::Discrete(f) => IntervalKind::Discrete(fraction(f)),
            FrameIntervalEnum::Stepwise(s) => IntervalKind::Stepwise {
                min: fraction(s.min),
                max: fraction(s.max),
                step: fraction(s.step),
            },
        })
        .collect()
}

/// Asks a node the enumeration ioctls.
fn probe(path: &Path) -> std::io::Result<DeviceAnswers> {
    let dev = Device::with_path(path)?;
    let caps = dev.query_caps()?;
    let device_caps = caps.capabilities.bits();
    let mut formats = Vec::new();
    if is_capture_node(device_caps) {
        for f in dev.enum_formats()? {
            let mut sizes = Vec::new();
            for s in dev.enum_framesizes(f.fourcc).unwrap_or_default() {
                let (size, (w, h)) = match s.size {
                    FrameSizeEnum::Discrete(d) => (
                        SizeKind::Discrete {
                            width: d.width,
                            height: d.height,
                        },
                        (d.width, d.height),
                    ),
                    FrameSizeEnum::Stepwise(s) => (
                        SizeKind::Stepwise {
                            min_width: s.min_width,
                            max_width: s.max_width,
                            step_width: s.step_width,
                            min_height: s.min_height,
                            max_height: s.max_height,
                            step_height: s.step_height,
                        },
                        (s.max_width, s.max_height),
                    ),
                };
                sizes.push(SizeAnswer {
                    size,
                    intervals: intervals(&dev, f.fourcc, w, h),
                });
            }
            formats.push(FormatAnswer {
                fourcc: f.fourcc.str().unwrap_or("????").to_owned(),
                description: f.description,
                sizes,
            });
        }
    }
    Ok(DeviceAnswers {
        path: path.display().to_string(),
        driver: caps.driver,
        card: caps.card,
        bus: caps.bus,
        device_caps,
        formats,
    })
}

fn io_error(what: &str, e: &std::io::Error) -> Error {
    match e.raw_os_error() {
        // EBUSY: another program streams from it.
        Some(16) => Error::not_readable(format!("{what}: the camera is in use ({e})")),
        // ENODEV, ENOENT: unplugged.
        Some(19) | Some(2) => Error::not_found(format!("{what}: the camera is gone ({e})")),
        _ => Error::not_readable(format!("{what}: {e}")),
    }
}

impl Backend for V4l2Backend {
    fn name(&self) -> &'static str {
        "v4l2"
    }

    fn watch_devices(&self, callback: DeviceChangeCallback) {
        self.watch
            .callbacks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(callback);
        self.start_watcher();
    }

    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        let mut out: Vec<DeviceDescriptor> = Vec::new();
        for a in self.probe_all() {
            if let Some(d) = descriptor(&a) {
                if !out.iter().any(|o| o.raw_id == d.raw_id) {
                    out.push(d);
                }
            }
        }
        // The first camera is the default, as in Chromium.
        if let Some(first) = out.first_mut() {
            first.is_default = true;
        }
        Ok(out)
    }

    fn open(
        &self,
        raw: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        let answers = self
            .probe_all()
            .into_iter()
            .find(|a| is_capture_node(a.device_caps) && raw_id(a) == raw)
            .ok_or_else(|| Error::not_found(format!("no V4L2 camera {raw:?}")))?;
        let described = descriptor(&answers)
            .ok_or_else(|| Error::not_readable(format!("{raw:?} has no usable mode")))?;
        described
            .capabilities
            .require(config, &format!("V4L2 camera {:?}", described.label))?;
        let mode = match config {
            NativeConfig::Video(want) => native_modes(&answers).into_iter().find(|m| {
                m.mode.width == want.width
                    && m.mode.height == want.height
                    && (m.mode.frame_rate - want.frame_rate).abs() < FRAME_RATE_TOLERANCE
            }),
            _ => None,
        }
        .ok_or_else(|| Error::not_readable(format!("{raw:?} cannot be opened in {config}")))?;
        let ctl = Control::new();
        let path = PathBuf::from(&answers.path);
        let job_ctl = ctl.clone();
        let source = ThreadSource::spawn_opening(
            format!("v4l2-{}", answers.path),
            config.clone(),
            ctl,
            sink,
            move |sink, opening| capture(&path, mode, &job_ctl, &*sink, opening),
        )?;
        Ok(Box::new(source))
    }
}

impl V4l2Backend {
    fn start_watcher(&self) {
        let mut w = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if w.is_some() {
            return;
        }
        let ino = open_inotify(&self.dir);
        // Listed once the watch is in place: a node appearing from now on is seen.
        let last = node_states(&self.dir);
        let wake = ino.as_ref().map(|i| i.wake.clone());
        let (dir, watch) = (self.dir.clone(), self.watch.clone());
        match std::thread::Builder::new()
            .name("v4l2-hotplug".into())
            .spawn(move || match ino {
                Some(ino) => run_inotify(&dir, &watch, ino, last),
                None => run_poller(&dir, &watch, last),
            }) {
            Ok(thread) => *w = Some(Watcher { thread, wake }),
            Err(e) => tracing::error!("v4l2: cannot start the hot-plug watcher: {e}"),
        }
    }
}

/// Sets the format and rate, streams, and delivers frames until stopped.
fn capture(path: &Path, m: NativeMode, ctl: &Control, sink: &dyn SourceSink, opening: Opening) {
    let what = path.display().to_string();
    let setup = || -> Result<(Device, v4l::io::mmap::Stream<'static>, u32)> {
        let dev = Device::with_path(path).map_err(|e| io_error(&what, &e))?;
        let fourcc = FourCC::new(&m.fourcc);
        let fmt = dev
            .set_format(&v4l::Format::new(m.mode.width, m.mode.height, fourcc))
            .map_err(|e| io_error(&what, &e))?;
        if (fmt.width, fmt.height, fmt.fourcc) != (m.mode.width, m.mode.height, fourcc) {
            return Err(Error::not_readable(format!(
                "{what}: the driver chose {}x{} {} instead of {}x{}",
                fmt.width, fmt.height, fmt.fourcc, m.mode.width, m.mode.height
            )));
        }
        // Rates are den/num; ask for the exact interval the device listed when we can.
        let interval = v4l::Fraction::new(1000, (m.mode.frame_rate * 1000.0).round() as u32);
        let _ = dev.set_params(&v4l::video::capture::Parameters::new(interval));
        let mut stream =
            v4l::io::mmap::Stream::with_buffers(&dev, v4l::buffer::Type::VideoCapture, BUFFERS)
                .map_err(|e| io_error(&what, &e))?;
        stream.set_timeout(Duration::from_millis(100));
        Ok((dev, stream, fmt.stride))
    };
    let (_dev, mut stream, stride) = match setup() {
        Ok(s) => s,
        Err(e) => {
            opening.report(Err(e));
            return;
        }
    };
    opening.report(Ok(()));
    let duration = (1e6 / m.mode.frame_rate).round() as i64;
    while !ctl.stopped() {
        match stream.next() {
            Ok((buf, meta)) => {
                let used = (meta.bytesused as usize).min(buf.len());
                let data = &buf[..used];
                // The driver's timestamp is on another clock base; take ours at dequeue.
                let ts = clock::now_us();
                if ctl.stopped() {
                    return;
                }
                match frame(m, stride, data, ts) {
                    Ok(f) => sink.on_video(f.with_duration(Some(duration))),
                    Err(e) => tracing::debug!("v4l2: {what}: dropped a bad frame: {e}"),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
            Err(e) => {
                if !ctl.stopped() {
                    sink.on_event(SourceEvent::Ended(Some(io_error(&what, &e))));
                }
                return;
            }
        }
    }
}

/// A frame from a driver buffer whose rows may be padded to `stride` bytes.
fn frame(m: NativeMode, stride: u32, data: &[u8], ts: i64) -> Result<VideoFrame, String> {
    let (w, h) = (m.mode.width, m.mode.height);
    let tight = m.pixel_format.tight_layout(w, h);
    let s = stride as usize;
    let padded = match (&tight, m.pixel_format) {
        (Some(t), _) if s <= t[0].stride => None,
        (Some(_), PixelFormat::Yuyv) => Some(vec![PlaneLayout {
            offset: 0,
            stride: s,
            rows: h as usize,
        }]),
        (Some(_), PixelFormat::Nv12) => Some(vec![
            PlaneLayout {
                offset: 0,
                stride: s,
                rows: h as usize,
            },
            PlaneLayout {
                offset: s * h as usize,
                stride: s,
                rows: h.div_ceil(2) as usize,
            },
        ]),
        (Some(_), PixelFormat::I420) => {
            let (cs, ch) = (s.div_ceil(2), h.div_ceil(2) as usize);
            let y = s * h as usize;
            Some(vec![
                PlaneLayout {
                    offset: 0,
                    stride: s,
                    rows: h as usize,
                },
                PlaneLayout {
                    offset: y,
                    stride: cs,
                    rows: ch,
                },
                PlaneLayout {
                    offset: y + cs * ch,
                    stride: cs,
                    rows: ch,
                },
            ])
        }
        _ => None,
    };
    match padded {
        Some(planes) => VideoFrame::with_layout(m.pixel_format, w, h, data, planes, ts),
        None => VideoFrame::new(m.pixel_format, w, h, data, ts),
    }
    .map_err(|e| e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn inotify_is_used_when_the_directory_can_be_watched() {
        let dir = tempfile::tempdir().unwrap();
        assert!(open_inotify(dir.path()).is_some());
        // Missing, or not a directory: the caller polls instead.
        assert!(open_inotify(&dir.path().join("missing")).is_none());
        std::fs::write(dir.path().join("file"), b"").unwrap();
        assert!(open_inotify(&dir.path().join("file")).is_none());
    }

    #[test]
    fn only_video_n_names_are_nodes() {
        assert_eq!(video_index("video0"), Some(0));
        assert_eq!(video_index("video12"), Some(12));
        assert_eq!(video_index("video"), None);
        assert_eq!(video_index("videox"), None);
        assert_eq!(video_index("foo"), None);
        assert_eq!(video_index("media0"), None);
    }
}
