//! The V4L2 device side: enumerating `/dev/video*`, mmap streaming on a capture thread.

use super::{
    DeviceAnswers, FormatAnswer, IntervalKind, NativeMode, SizeAnswer, SizeKind, descriptor,
    is_capture_node, native_modes, raw_id,
};
use crate::{
    Backend, DeviceChangeCallback, DeviceDescriptor, NativeConfig, Source, SourceEvent, SourceSink,
    clock,
};
use mediacapture_frame::{PixelFormat, PlaneLayout, VideoFrame};
use mediacapture_types::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;
use v4l::frameinterval::FrameIntervalEnum;
use v4l::framesize::FrameSizeEnum;
use v4l::io::traits::CaptureStream;
use v4l::video::Capture;
use v4l::{Device, FourCC};

/// Buffers queued to the driver: few, to keep latency low (Chromium uses 4).
const BUFFERS: u32 = 4;

/// How often the device directory is checked for cameras coming and going.
const HOTPLUG_POLL: Duration = Duration::from_millis(500);

/// The V4L2 camera backend.
pub struct V4l2Backend {
    dir: PathBuf,
    watch: Arc<Watch>,
    watcher: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Default)]
struct Watch {
    callbacks: Mutex<Vec<DeviceChangeCallback>>,
    stop: Mutex<bool>,
    cv: Condvar,
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
        *self.watch.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.watch.cv.notify_all();
        if let Some(t) = self
            .watcher
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            let _ = t.join();
        }
    }
}

/// Polls `dir` for `video*` nodes appearing or disappearing and calls the callbacks.
/// (Chromium listens to udev; polling needs no extra library and is cheap.)
fn run_watcher(dir: &Path, watch: &Watch) {
    let mut last = video_nodes(dir);
    let mut stop = watch.stop.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        stop = match watch.cv.wait_timeout(stop, HOTPLUG_POLL) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        };
        if *stop {
            return;
        }
        let now = video_nodes(dir);
        if now != last {
            last = now;
            drop(stop);
            let callbacks = watch
                .callbacks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            for cb in callbacks {
                cb();
            }
            stop = watch.stop.lock().unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// The `video*` nodes of `dir`, in numeric order.
fn video_nodes(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut nodes: Vec<(u32, PathBuf)> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name.strip_prefix("video")?.parse::<u32>().ok()?;
            Some((n, e.path()))
        })
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
        let NativeConfig::Video(want) = config else {
            return Err(Error::type_error("V4L2 cameras take a video configuration"));
        };
        let answers = self
            .probe_all()
            .into_iter()
            .find(|a| is_capture_node(a.device_caps) && raw_id(a) == raw)
            .ok_or_else(|| Error::not_found(format!("no V4L2 camera {raw:?}")))?;
        let modes = native_modes(&answers);
        let mode = modes
            .iter()
            .find(|m| {
                m.mode.width == want.width
                    && m.mode.height == want.height
                    && (m.mode.frame_rate - want.frame_rate).abs() < 1e-3
            })
            .copied()
            .ok_or_else(|| {
                let constraint = if !modes.iter().any(|m| m.mode.width == want.width) {
                    "width"
                } else if !modes
                    .iter()
                    .any(|m| m.mode.width == want.width && m.mode.height == want.height)
                {
                    "height"
                } else {
                    "frameRate"
                };
                Error::overconstrained(constraint, "not a native mode of this camera")
            })?;
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let path = PathBuf::from(&answers.path);
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("v4l2-{}", answers.path))
            .spawn(move || capture(&path, mode, &stop2, &*sink, &tx))
            .map_err(|e| Error::not_readable(format!("cannot start capture thread: {e}")))?;
        match rx.recv() {
            Ok(Ok(())) => Ok(Box::new(crate::thread_source::ThreadSource {
                config: config.clone(),
                stop,
                thread: Some(thread),
            })),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(Error::not_readable("V4L2 capture thread failed"))
            }
        }
    }
}

impl V4l2Backend {
    fn start_watcher(&self) {
        let mut w = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if w.is_some() {
            return;
        }
        let (dir, watch) = (self.dir.clone(), self.watch.clone());
        match std::thread::Builder::new()
            .name("v4l2-hotplug".into())
            .spawn(move || run_watcher(&dir, &watch))
        {
            Ok(t) => *w = Some(t),
            Err(e) => tracing::error!("v4l2: cannot start the hot-plug watcher: {e}"),
        }
    }
}

/// Sets the format and rate, streams, and delivers frames until stopped.
fn capture(
    path: &Path,
    m: NativeMode,
    stop: &AtomicBool,
    sink: &dyn SourceSink,
    opened: &mpsc::Sender<Result<()>>,
) {
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
            let _ = opened.send(Err(e));
            return;
        }
    };
    let _ = opened.send(Ok(()));
    let duration = (1e6 / m.mode.frame_rate).round() as i64;
    while !stop.load(Ordering::SeqCst) {
        match stream.next() {
            Ok((buf, meta)) => {
                let used = (meta.bytesused as usize).min(buf.len());
                let data = &buf[..used];
                // The driver's timestamp is on another clock base; take ours at dequeue.
                let ts = clock::now_us();
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                match frame(m, stride, data, ts) {
                    Ok(f) => sink.on_video(f.with_duration(Some(duration))),
                    Err(e) => tracing::debug!("v4l2: {what}: dropped a bad frame: {e}"),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
            Err(e) => {
                if !stop.load(Ordering::SeqCst) {
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
