//! The V4L2 capability mapping, on enumeration answers recorded from devices (JSON
//! fixtures). Runs without any camera.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "test code"
)]

use mediacapture_frame::PixelFormat;
use mediacapture_hal::NativeCapabilities;
use mediacapture_hal::v4l2::{DeviceAnswers, descriptor, is_capture_node, native_modes, raw_id};
use mediacapture_types::MediaDeviceKind;

fn fixture(name: &str) -> DeviceAnswers {
    let path = format!("{}/tests/fixtures/v4l2/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn modes(a: &DeviceAnswers) -> Vec<(u32, u32, f64, PixelFormat)> {
    native_modes(a)
        .iter()
        .map(|m| {
            (
                m.mode.width,
                m.mode.height,
                m.mode.frame_rate,
                m.pixel_format,
            )
        })
        .collect()
}

#[test]
fn uvc_webcam_modes_prefer_uncompressed_and_skip_h264() {
    let a = fixture("uvc_webcam.json");
    use PixelFormat::{Mjpeg, Yuyv};
    assert_eq!(
        modes(&a),
        vec![
            (640, 480, 30.0, Yuyv),
            (640, 480, 24.0, Yuyv),
            (640, 480, 15.0, Yuyv),
            (1280, 720, 10.0, Yuyv),
            (1280, 720, 5.0, Yuyv),
            (1920, 1080, 5.0, Yuyv),
            (1280, 720, 30.0, Mjpeg),
            // 333333/10000000 s reads as 30 fps, 666666/10000000 as 15.
            (1920, 1080, 30.0, Mjpeg),
            (1920, 1080, 15.0, Mjpeg),
        ]
    );
    let m = native_modes(&a);
    assert_eq!(&m[0].fourcc, b"YUYV");
    assert_eq!(&m[6].fourcc, b"MJPG");

    let d = descriptor(&a).unwrap();
    assert_eq!(d.raw_id, "v4l2:usb-0000:00:14.0-1");
    assert_eq!(d.raw_id, raw_id(&a));
    assert_eq!(d.raw_group_id, "usb-0000:00:14.0-1");
    assert_eq!(d.kind, MediaDeviceKind::VideoInput);
    assert_eq!(d.label, "HD Pro Webcam C920");
    let NativeCapabilities::Video(v) = &d.capabilities else {
        panic!()
    };
    assert_eq!(v.modes.len(), 9);
    assert_eq!(v.facing_mode, None);
}

#[test]
fn metadata_nodes_are_skipped() {
    let a = fixture("uvc_metadata.json");
    assert!(!is_capture_node(a.device_caps));
    assert!(descriptor(&a).is_none());
}

#[test]
fn stepwise_sizes_and_intervals_give_the_ends_and_common_values() {
    let a = fixture("stepwise.json");
    let m = modes(&a);
    let sizes: Vec<(u32, u32)> = m
        .iter()
        .filter(|x| x.2 == 60.0)
        .map(|x| (x.0, x.1))
        .collect();
    assert_eq!(
        sizes,
        vec![
            (1920, 1080),
            (1280, 720),
            (800, 600),
            (640, 480),
            (320, 240),
            (160, 120),
            (16, 16)
        ]
    );
    let rates: Vec<f64> = m
        .iter()
        .filter(|x| (x.0, x.1) == (1920, 1080))
        .map(|x| x.2)
        .collect();
    assert_eq!(
        rates,
        vec![60.0, 30.0, 25.0, 24.0, 20.0, 15.0, 10.0, 5.0, 1.0]
    );
    assert_eq!(m.len(), 7 * 9);
    // RGB3 is not a format we deliver.
    assert!(m.iter().all(|x| x.3 == PixelFormat::Nv12));
    assert_eq!(descriptor(&a).unwrap().raw_id, "v4l2:platform:vivid-000");
}

#[test]
fn a_camera_without_usable_formats_is_not_listed() {
    let mut a = fixture("uvc_webcam.json");
    a.formats.retain(|f| f.fourcc == "H264");
    assert!(native_modes(&a).is_empty());
    assert!(descriptor(&a).is_none());
}

#[test]
fn bad_answers_do_not_panic() {
    let mut a = fixture("stepwise.json");
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<DeviceAnswers>(&json).unwrap(), a);
    // Zero intervals and inverted ranges are ignored.
    a.formats[0].sizes[0].intervals = vec![
        serde_json::from_str(r#"{"discrete":[0,30]}"#).unwrap(),
        serde_json::from_str(r#"{"discrete":[1,0]}"#).unwrap(),
    ];
    assert!(native_modes(&a).is_empty());
    a.formats[0].sizes[0].size = serde_json::from_str(
        r#"{"stepwise":{"minWidth":640,"maxWidth":320,"stepWidth":1,"minHeight":0,"maxHeight":0,"stepHeight":0}}"#,
    )
    .unwrap();
    a.formats[0].sizes[0].intervals = vec![serde_json::from_str(r#"{"discrete":[1,30]}"#).unwrap()];
    assert!(native_modes(&a).is_empty());
    // Without bus info the node path is the id.
    let mut b = fixture("uvc_webcam.json");
    b.bus.clear();
    assert_eq!(raw_id(&b), "v4l2:/dev/video0");
}

#[cfg(feature = "v4l2")]
#[test]
fn real_devices_or_a_clear_skip() {
    use mediacapture_hal::Backend;
    let b = mediacapture_hal::v4l2::V4l2Backend::new();
    let devices = b.devices().unwrap();
    if devices.is_empty() {
        println!("skipped: real_devices_or_a_clear_skip: no V4L2 capture device on this machine");
        return;
    }
    for d in devices {
        assert!(d.raw_id.starts_with("v4l2:"));
        let NativeCapabilities::Video(v) = &d.capabilities else {
            panic!()
        };
        assert!(!v.modes.is_empty());
    }
}

#[cfg(feature = "v4l2")]
#[test]
fn an_empty_device_directory_lists_nothing() {
    use mediacapture_hal::Backend;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("video0"), b"not a device").unwrap();
    let b = mediacapture_hal::v4l2::V4l2Backend::with_dir(dir.path());
    assert!(b.devices().unwrap().is_empty());
    let e = b
        .open(
            "v4l2:usb-1",
            &mediacapture_hal::NativeConfig::Video(mediacapture_types::native::VideoMode {
                width: 640,
                height: 480,
                frame_rate: 30.0,
            }),
            std::sync::Arc::new(NullSink),
        )
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, mediacapture_hal::ErrorKind::NotFoundError);
}

/// A watcher that sends, on each callback round, the `video*` names then in `dir`.
#[cfg(feature = "v4l2")]
fn watch_rounds(
    b: &mediacapture_hal::v4l2::V4l2Backend,
    dir: &std::path::Path,
) -> std::sync::mpsc::Receiver<Vec<String>> {
    use mediacapture_hal::Backend;
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let dir = dir.to_owned();
    b.watch_devices(std::sync::Arc::new(move || {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with("video"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let _ = tx.lock().unwrap().send(names);
    }));
    rx
}

/// The next callback round (what the directory held then), waiting up to 5 s.
#[cfg(feature = "v4l2")]
fn next_round(rx: &std::sync::mpsc::Receiver<Vec<String>>, what: &str) -> Vec<String> {
    rx.recv_timeout(std::time::Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("no callback round for {what}: {e}"))
}

/// Drops the backend on another thread and checks that it returns promptly (it stops and
/// joins the hot-plug thread).
#[cfg(feature = "v4l2")]
fn drop_promptly(b: mediacapture_hal::v4l2::V4l2Backend) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(b);
        let _ = tx.send(());
    });
    rx.recv_timeout(std::time::Duration::from_secs(5))
        .expect("dropping the backend stops its hot-plug watcher");
}

/// Each step's first callback round must show that step's change, so a round without a
/// change (or a missed one) shows up as a wrong list at the next step; no fixed sleeps.
#[cfg(feature = "v4l2")]
#[test]
fn nodes_coming_and_going_call_the_watchers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("video0"), b"").unwrap();
    let b = mediacapture_hal::v4l2::V4l2Backend::with_dir(dir.path());
    let rounds = watch_rounds(&b, dir.path());
    // Watching starts before `watch_devices` returns: no wait needed before plugging.
    std::fs::write(dir.path().join("video3"), b"").unwrap();
    assert_eq!(next_round(&rounds, "video3 plugged"), ["video0", "video3"]);
    // Not a video node: no round of its own, the next round is the video4 one.
    std::fs::write(dir.path().join("foo"), b"").unwrap();
    std::fs::write(dir.path().join("video4"), b"").unwrap();
    assert_eq!(
        next_round(&rounds, "video4 plugged"),
        ["video0", "video3", "video4"]
    );
    std::fs::remove_file(dir.path().join("foo")).unwrap();
    std::fs::remove_file(dir.path().join("video3")).unwrap();
    assert_eq!(
        next_round(&rounds, "video3 unplugged"),
        ["video0", "video4"]
    );
    // A node renamed into place (how some tools create nodes) counts too.
    std::fs::write(dir.path().join("tmp-node"), b"").unwrap();
    std::fs::rename(dir.path().join("tmp-node"), dir.path().join("video7")).unwrap();
    assert_eq!(
        next_round(&rounds, "video7 moved in"),
        ["video0", "video4", "video7"]
    );
    drop_promptly(b);
}

/// udev creates a node, then gives it its group and mode: a node becoming openable is a
/// change even though the names stay the same. (Skipped when running with privileges that
/// open any file, as root does.)
#[cfg(feature = "v4l2")]
#[test]
fn a_node_becoming_openable_calls_the_watchers() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let b = mediacapture_hal::v4l2::V4l2Backend::with_dir(dir.path());
    let rounds = watch_rounds(&b, dir.path());
    let node = dir.path().join("video2");
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o000)
            .open(&node)
            .unwrap();
    }
    assert_eq!(next_round(&rounds, "video2 plugged"), ["video2"]);
    if std::fs::File::open(&node).is_ok() {
        println!("skipped: a_node_becoming_openable_calls_the_watchers: privileged process");
        drop_promptly(b);
        return;
    }
    std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o600)).unwrap();
    let seen = rounds
        .recv_timeout(std::time::Duration::from_secs(5))
        .is_ok();
    assert!(seen, "no callback round when the node became openable");
    drop_promptly(b);
}

/// Without inotify on the directory (here: it does not exist yet) the backend polls, so a
/// directory and node appearing later are still seen.
#[cfg(feature = "v4l2")]
#[test]
fn an_unwatchable_directory_falls_back_to_polling() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("dev");
    let b = mediacapture_hal::v4l2::V4l2Backend::with_dir(&dir);
    let rounds = watch_rounds(&b, &dir);
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("video1"), b"").unwrap();
    assert_eq!(next_round(&rounds, "video1 plugged"), ["video1"]);
    std::fs::remove_file(dir.join("video1")).unwrap();
    assert_eq!(
        next_round(&rounds, "video1 unplugged"),
        Vec::<String>::new()
    );
    drop_promptly(b);
}

/// The watched directory itself goes away: the nodes are gone, and the backend keeps
/// watching the path by polling.
#[cfg(feature = "v4l2")]
#[test]
fn a_removed_directory_is_polled_afterwards() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("dev");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("video0"), b"").unwrap();
    let b = mediacapture_hal::v4l2::V4l2Backend::with_dir(&dir);
    let rounds = watch_rounds(&b, &dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        next_round(&rounds, "directory removed"),
        Vec::<String>::new()
    );
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("video5"), b"").unwrap();
    assert_eq!(next_round(&rounds, "directory back"), ["video5"]);
    drop_promptly(b);
}

#[cfg(feature = "v4l2")]
struct NullSink;
#[cfg(feature = "v4l2")]
impl mediacapture_hal::SourceSink for NullSink {
    fn on_video(&self, _: mediacapture_frame::VideoFrame) {}
    fn on_audio(&self, _: mediacapture_frame::AudioData) {}
    fn on_event(&self, _: mediacapture_hal::SourceEvent) {}
}

/// Streams from a camera emulated by an LD_PRELOAD shim (`tests/v4l2_shim.c`, compiled
/// here with `cc`): the device side of the backend runs for real (open, ioctls, mmap
/// streaming, busy detection), only the kernel driver is replaced. The shim must be loaded
/// at process start, so the checks run in a child process.
#[cfg(feature = "v4l2")]
#[test]
fn emulated_camera_streams_through_mmap() {
    const CHILD: &str = "HAL_V4L2_SHIM_CHILD";
    const HOTPLUG: &str = "HAL_V4L2_SHIM_HOTPLUG";
    if let Ok(dev) = std::env::var(CHILD) {
        if std::env::var(HOTPLUG).is_ok() {
            emulated_hotplug_checks(std::path::Path::new(&dev));
        } else if std::env::var("FAKE_V4L2_UNPLUG_AFTER").is_ok() {
            emulated_unplug_checks(std::path::Path::new(&dev));
        } else {
            emulated_camera_checks(std::path::Path::new(&dev));
        }
        println!("shim checks passed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("libv4l2shim.so");
    let src = format!("{}/tests/v4l2_shim.c", env!("CARGO_MANIFEST_DIR"));
    let built = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&lib)
        .arg(&src)
        .arg("-ldl")
        .status();
    if !built.is_ok_and(|s| s.success()) {
        println!("skipped: emulated_camera_streams_through_mmap: cannot build the shim with cc");
        return;
    }
    let dev = dir.path().join("dev");
    std::fs::create_dir(&dev).unwrap();
    std::fs::write(dev.join("video0"), b"").unwrap();
    // The hot-plug run starts from an empty directory of its own.
    let empty = dir.path().join("dev-empty");
    std::fs::create_dir(&empty).unwrap();
    for (unplug, hotplug) in [(None, false), (Some("5"), false), (None, true)] {
        let dev = if hotplug { &empty } else { &dev };
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "--exact",
            "emulated_camera_streams_through_mmap",
            "--nocapture",
        ])
        .env(CHILD, dev)
        .env("FAKE_V4L2_DIR", dev)
        .env("LD_PRELOAD", &lib);
        match unplug {
            Some(n) => cmd.env("FAKE_V4L2_UNPLUG_AFTER", n),
            None => cmd.env_remove("FAKE_V4L2_UNPLUG_AFTER"),
        };
        if hotplug {
            cmd.env(HOTPLUG, "1");
        } else {
            cmd.env_remove(HOTPLUG);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("shim checks passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The camera is plugged into an empty directory, then unplugged: each time the watchers
/// are called, and the device list then shows the change.
#[cfg(feature = "v4l2")]
fn emulated_hotplug_checks(dev: &std::path::Path) {
    use mediacapture_hal::Backend;
    let b = mediacapture_hal::v4l2::V4l2Backend::with_dir(dev);
    assert!(b.devices().unwrap().is_empty());
    let rounds = watch_rounds(&b, dev);
    let ids = || -> Vec<String> { b.devices().unwrap().into_iter().map(|d| d.raw_id).collect() };
    // The shim answers opening `video0` itself, so the node is made under another name.
    std::fs::write(dev.join("node"), b"").unwrap();
    std::fs::rename(dev.join("node"), dev.join("video0")).unwrap();
    assert_eq!(next_round(&rounds, "plugged"), ["video0"]);
    assert_eq!(ids(), ["v4l2:usb-shim-1"]);
    std::fs::remove_file(dev.join("video0")).unwrap();
    assert_eq!(next_round(&rounds, "unplugged"), Vec::<String>::new());
    assert!(ids().is_empty());
    drop_promptly(b);
}

/// The camera disappears mid-stream: the source ends with NotFoundError, once.
#[cfg(feature = "v4l2")]
fn emulated_unplug_checks(dev: &std::path::Path) {
    use mediacapture_hal::{Backend, ErrorKind, NativeConfig, SourceEvent};
    use mediacapture_types::native::VideoMode;
    use std::sync::Arc;

    let b = mediacapture_hal::v4l2::V4l2Backend::with_dir(dev);
    let sink = Arc::new(Log::default());
    let config = NativeConfig::Video(VideoMode {
        width: 320,
        height: 240,
        frame_rate: 30.0,
    });
    let mut src = b.open("v4l2:usb-shim-1", &config, sink.clone()).unwrap();
    sink.wait(|frames, events| frames >= 5 && !events.is_empty());
    // Ended is the capture thread's last call: after stop (which joins it) nothing can come.
    src.stop();
    let (frames, events) = sink.snapshot();
    assert_eq!(frames.len(), 5, "frames before the unplug");
    assert_eq!(events.len(), 1, "{events:?}");
    match &events[0] {
        SourceEvent::Ended(Some(e)) => assert_eq!(e.kind, ErrorKind::NotFoundError, "{e}"),
        other => panic!("{other:?}"),
    }
}

/// What a source delivered, with a condition variable to wait on.
#[cfg(feature = "v4l2")]
#[derive(Default)]
struct Log {
    got: std::sync::Mutex<(
        Vec<mediacapture_frame::VideoFrame>,
        Vec<mediacapture_hal::SourceEvent>,
    )>,
    changed: std::sync::Condvar,
}

#[cfg(feature = "v4l2")]
impl Log {
    /// Waits until `cond(frame count, events)` holds; fails after 30 s (a safety bound).
    fn wait(&self, cond: impl Fn(usize, &[mediacapture_hal::SourceEvent]) -> bool) {
        let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut got = self.got.lock().unwrap();
        while !cond(got.0.len(), &got.1) {
            let now = std::time::Instant::now();
            assert!(now < end, "timed out: {} frames, {:?}", got.0.len(), got.1);
            got = self.changed.wait_timeout(got, end - now).unwrap().0;
        }
    }

    fn snapshot(
        &self,
    ) -> (
        Vec<mediacapture_frame::VideoFrame>,
        Vec<mediacapture_hal::SourceEvent>,
    ) {
        self.got.lock().unwrap().clone()
    }
}

#[cfg(feature = "v4l2")]
impl mediacapture_hal::SourceSink for Log {
    fn on_video(&self, f: mediacapture_frame::VideoFrame) {
        self.got.lock().unwrap().0.push(f);
        self.changed.notify_all();
    }
    fn on_audio(&self, _: mediacapture_frame::AudioData) {}
    fn on_event(&self, e: mediacapture_hal::SourceEvent) {
        self.got.lock().unwrap().1.push(e);
        self.changed.notify_all();
    }
}

#[cfg(feature = "v4l2")]
fn emulated_camera_checks(dev: &std::path::Path) {
    use mediacapture_hal::{Backend, ErrorKind, NativeConfig};
    use mediacapture_types::native::VideoMode;
    use std::sync::Arc;

    let vmode = |width, height, frame_rate| {
        NativeConfig::Video(VideoMode {
            width,
            height,
            frame_rate,
        })
    };

    let b = mediacapture_hal::v4l2::V4l2Backend::with_dir(dev);
    let devices = b.devices().unwrap();
    assert_eq!(devices.len(), 1);
    let d = &devices[0];
    assert_eq!(d.raw_id, "v4l2:usb-shim-1");
    assert_eq!(d.label, "Shim Camera");
    assert!(d.is_default);
    let NativeCapabilities::Video(v) = &d.capabilities else {
        panic!()
    };
    let modes: Vec<_> = v
        .modes
        .iter()
        .map(|m| (m.width, m.height, m.frame_rate))
        .collect();
    assert_eq!(
        modes,
        vec![
            (320, 240, 30.0),
            (320, 240, 15.0),
            (160, 120, 30.0),
            (160, 120, 15.0)
        ]
    );

    let sink = Arc::new(Log::default());
    let mut src = b
        .open(&d.raw_id, &vmode(320, 240, 30.0), sink.clone())
        .unwrap();
    // A second opener while streaming: busy.
    let busy = b
        .open(&d.raw_id, &vmode(320, 240, 30.0), Arc::new(Log::default()))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(busy.kind, ErrorKind::NotReadableError, "{busy}");
    // The shim's driver paces frames in real time: wait for them, assert no rate.
    sink.wait(|frames, _| frames >= 6);
    src.stop();
    let (frames, events) = sink.snapshot();
    for w in frames.windows(2) {
        assert_eq!(w[0].format(), PixelFormat::Yuyv);
        assert_eq!((w[0].coded_width(), w[0].coded_height()), (320, 240));
        assert!(w[1].timestamp() > w[0].timestamp());
        // The shim's luma is 16 + sequence: frames come in order.
        assert!(w[1].plane(0)[0] > w[0].plane(0)[0]);
        assert_eq!(w[0].plane(0)[1], 128);
    }
    assert!(events.is_empty(), "{events:?}");
    // The stopped source's thread is gone (it held the sink): no frame can follow.
    assert_eq!(Arc::strong_count(&sink), 1, "no frame after stop");

    // After stop the camera is free again, at another mode.
    let sink = Arc::new(Log::default());
    let mut src = b
        .open(&d.raw_id, &vmode(160, 120, 15.0), sink.clone())
        .unwrap();
    sink.wait(|frames, _| frames >= 2);
    src.stop();
    let f = sink.snapshot().0[1].clone();
    assert_eq!((f.coded_width(), f.coded_height()), (160, 120));

    // A mode the camera does not have cannot be read; no constraint is named.
    let e = b
        .open(&d.raw_id, &vmode(640, 480, 30.0), Arc::new(Log::default()))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotReadableError, "{e}");
    assert_eq!(e.constraint(), None);
}
