//! The PipeWire device side: a connection per question (listing, opening), one kept open for
//! hot-plug, and format params read from SPA pods.

use super::{Choice, FormatParam, NodeAnswers, SpaFormat, descriptor, native_modes};
use crate::{Backend, DeviceChangeCallback, DeviceDescriptor, NativeConfig, Source, SourceSink};
use mediacapture_types::native::FRAME_RATE_TOLERANCE;
use mediacapture_types::{Error, Result};
use pipewire as pw;
use pw::spa;
use spa::param::ParamType;
use spa::param::format::{FormatProperties, MediaSubtype, MediaType};
use spa::pod::{ChoiceValue, Value};
use spa::utils::{ChoiceEnum, Id};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long one question to the daemon may take (a bound only reached when it hangs).
pub(super) const ANSWER_BOUND: Duration = Duration::from_secs(5);

/// How often loops driven here look at their stop request.
pub(super) const TICK: Duration = Duration::from_millis(100);

/// The PipeWire camera backend.
///
/// When the V4L2 backend is compiled in too, a node PipeWire serves from a V4L2 device that
/// this process can open itself is not listed here: the V4L2 backend lists it (as Chromium
/// does unless its PipeWire camera switch is on), so that a camera is not listed twice. A
/// sandboxed process (no access to `/dev/video*`) sees it here.
#[derive(Debug)]
pub struct PipeWireBackend {
    remote: Remote,
    watch: Arc<WatchState>,
    watcher: Mutex<Option<JoinHandle<()>>>,
    /// Set when the last listing found access refused (the Camera portal said no).
    refused: std::sync::atomic::AtomicBool,
}

/// Where the backend's connections go.
#[derive(Debug, Clone)]
pub(super) enum Remote {
    /// The session's daemon (`None`), or the one on the socket named.
    Daemon(Option<String>),
    /// A remote from the Camera portal, for sandboxed programs.
    #[cfg(feature = "portal")]
    CameraPortal(Arc<super::camera_portal::CameraPortal>),
}

impl Remote {
    /// A new connection.
    pub(super) fn connect(&self) -> Result<Conn> {
        match self {
            Remote::Daemon(socket) => Conn::new(socket.as_deref()),
            #[cfg(feature = "portal")]
            Remote::CameraPortal(portal) => {
                let conn = Conn::from_fd(portal.open_remote()?)?;
                conn.wait_for_access();
                Ok(conn)
            }
        }
    }

    /// A connection for the hot-plug watcher, which never asks the Camera portal: through
    /// the portal it first waits until a request of the program's was granted access
    /// (checking `stop` every [`TICK`]); `None` when stopped first. With it, whether it had
    /// to wait (the cameras shown may have changed meanwhile).
    fn connect_for_watcher(
        &self,
        stop: &std::sync::atomic::AtomicBool,
    ) -> Option<(Result<Conn>, bool)> {
        #[cfg(not(feature = "portal"))]
        let _ = stop;
        match self {
            Remote::Daemon(socket) => Some((Conn::new(socket.as_deref()), false)),
            #[cfg(feature = "portal")]
            Remote::CameraPortal(portal) => {
                let waited = portal.wait_granted(stop, TICK)?;
                let conn = portal.open_remote_granted().and_then(|fd| {
                    let conn = Conn::from_fd(fd)?;
                    conn.wait_for_access();
                    Ok(conn)
                });
                Some((conn, waited))
            }
        }
    }

    /// Whether connections come from the Camera portal.
    fn is_portal(&self) -> bool {
        !matches!(self, Remote::Daemon(_))
    }
}

#[derive(Default)]
struct WatchState {
    callbacks: Mutex<Vec<DeviceChangeCallback>>,
    stop: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for WatchState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchState").finish_non_exhaustive()
    }
}

impl Default for PipeWireBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl PipeWireBackend {
    /// The backend for the session's PipeWire daemon (`PIPEWIRE_REMOTE`, else `pipewire-0`
    /// in `PIPEWIRE_RUNTIME_DIR` / `XDG_RUNTIME_DIR`).
    pub fn new() -> Self {
        PipeWireBackend {
            remote: Remote::Daemon(None),
            watch: Arc::new(WatchState::default()),
            watcher: Mutex::new(None),
            refused: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The backend for the daemon listening on `socket` (an absolute path, or a name in the
    /// runtime directory).
    pub fn with_remote(socket: impl Into<String>) -> Self {
        let mut b = Self::new();
        b.remote = Remote::Daemon(Some(socket.into()));
        b
    }

    /// The backend for a sandboxed program (a Flatpak): cameras through the xdg-desktop-portal
    /// Camera interface on the session bus, which asks the user for access once (`AccessCamera`)
    /// and hands out PipeWire connections that show the cameras (`OpenPipeWireRemote`).
    /// [`crate::default_backends`] uses it when [`crate::is_sandboxed`] says so.
    #[cfg(feature = "portal")]
    pub fn via_camera_portal() -> Self {
        let mut b = Self::new();
        b.remote = Remote::CameraPortal(Arc::new(super::camera_portal::CameraPortal::new(None)));
        b
    }

    /// [`Self::via_camera_portal`] with the portal on the bus at `address` (tests).
    #[cfg(feature = "portal")]
    pub fn via_camera_portal_on_bus(address: impl Into<String>) -> Self {
        let mut b = Self::new();
        b.remote = Remote::CameraPortal(Arc::new(super::camera_portal::CameraPortal::new(Some(
            address.into(),
        ))));
        b
    }

    /// The `Video/Source` nodes PipeWire has now, with their format params.
    pub fn probe(&self) -> Result<Vec<NodeAnswers>> {
        let conn = self.remote.connect()?;
        conn.video_sources()
    }
}

impl Drop for PipeWireBackend {
    fn drop(&mut self) {
        self.watch
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
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

/// Calls `pw::init` once per process.
fn init() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(pw::init);
}

/// One connection to the daemon, driven by hand on the calling thread.
pub(super) struct Conn {
    pub(super) mainloop: pw::main_loop::MainLoopRc,
    _context: pw::context::ContextRc,
    pub(super) core: pw::core::CoreRc,
    /// Set by the core's `error` event for the connection itself (id 0): it is dead.
    pub(super) failed: Rc<RefCell<Option<String>>>,
    done: Rc<Cell<Option<i32>>>,
    _listener: pw::core::Listener,
}

impl Drop for Conn {
    #[allow(
        unsafe_code,
        reason = "FFI: leaving the PipeWire loop entered in `Conn::connect`"
    )]
    fn drop(&mut self) {
        // SAFETY: pairs the `enter` in `Conn::connect`, on the thread that made this `Conn`.
        unsafe { self.mainloop.loop_().leave() };
    }
}

impl Conn {
    /// Connects to `remote` (the default daemon with `None`).
    pub(super) fn new(remote: Option<&str>) -> Result<Conn> {
        Self::connect(remote, None)
    }

    /// Connects through `fd`, a connection the portal opened (`OpenPipeWireRemote`).
    #[cfg(feature = "portal")]
    pub(super) fn from_fd(fd: std::os::fd::OwnedFd) -> Result<Conn> {
        Self::connect(None, Some(fd))
    }

    #[allow(
        unsafe_code,
        reason = "FFI: entering the PipeWire loop for the connection's life (see below)"
    )]
    fn connect(remote: Option<&str>, fd: Option<std::os::fd::OwnedFd>) -> Result<Conn> {
        init();
        let fail =
            |what: &str, e: pw::Error| Error::not_readable(format!("PipeWire: cannot {what}: {e}"));
        let mainloop =
            pw::main_loop::MainLoopRc::new(None).map_err(|e| fail("make a main loop", e))?;
        let context =
            pw::context::ContextRc::new(&mainloop, None).map_err(|e| fail("make a context", e))?;
        let props = remote.map(|r| {
            let mut p = pw::properties::PropertiesBox::new();
            p.insert(*pw::keys::REMOTE_NAME, r);
            p
        });
        let core = match fd {
            Some(fd) => context.connect_fd_rc(fd, props),
            None => context.connect_rc(props),
        }
        .map_err(|e| fail("connect to the daemon", e))?;
        let failed: Rc<RefCell<Option<String>>> = Rc::default();
        let done: Rc<Cell<Option<i32>>> = Rc::default();
        let listener = {
            let (failed, done) = (failed.clone(), done.clone());
            core.add_listener_local()
                .done(move |id, seq| {
                    if id == pw::core::PW_ID_CORE {
                        done.set(Some(seq.seq()));
                    }
                })
                .error(move |id, _seq, res, message| {
                    if id == pw::core::PW_ID_CORE {
                        *failed.borrow_mut() = Some(format!("{message} ({res})"));
                    }
                })
                .register()
        };
        // The loop belongs to this thread for the connection's whole life, not only while
        // `iterate` runs: PipeWire hands a stream's `process` callback from its data thread to
        // the loop's thread, but runs it in place, on the data thread, when the loop has no
        // thread (between iterations), where it would race this thread for the callbacks'
        // state.
        // SAFETY: paired with the `leave` in `Drop for Conn`, on this same thread (a `Conn`
        // is not `Send`: it holds `Rc`s); `iterate` nests its own enter/leave inside.
        unsafe { mainloop.loop_().enter() };
        Ok(Conn {
            mainloop,
            _context: context,
            core,
            failed,
            done,
            _listener: listener,
        })
    }

    /// Runs the loop for at most `TICK`.
    pub(super) fn iterate(&self) {
        self.mainloop
            .loop_()
            .iterate(pw::loop_::Timeout::Finite(TICK));
    }

    /// The connection's failure, if it failed.
    pub(super) fn failure(&self) -> Option<String> {
        self.failed.borrow().clone()
    }

    /// Waits until the daemon answered everything asked so far (a `sync` round trip).
    pub(super) fn roundtrip(&self) -> Result<()> {
        let seq = self
            .core
            .sync(0)
            .map_err(|e| Error::not_readable(format!("PipeWire: sync failed: {e}")))?
            .seq();
        let deadline = Instant::now() + ANSWER_BOUND;
        while self.done.get() != Some(seq) {
            if let Some(f) = self.failure() {
                return Err(Error::not_readable(format!("PipeWire: {f}")));
            }
            if Instant::now() >= deadline {
                return Err(Error::not_readable("PipeWire: the daemon does not answer"));
            }
            self.iterate();
        }
        Ok(())
    }

    /// Waits until the session manager gave this connection, a Camera portal remote, its
    /// permissions. Such a client sees nothing at first; WirePlumber then grants it its own
    /// client object and, in the same batch, the cameras, so this client's own global showing
    /// up means the cameras are visible too. Bounded by [`ANSWER_BOUND`] (a session manager
    /// that never grants leaves the connection seeing nothing: no cameras).
    #[cfg(feature = "portal")]
    fn wait_for_access(&self) {
        let Ok(registry) = self.core.get_registry_rc() else {
            return;
        };
        let seen = Rc::new(Cell::new(false));
        let _listener = {
            let seen = seen.clone();
            registry
                .add_listener_local()
                .global(move |g| {
                    if g.type_ == pw::types::ObjectType::Client {
                        seen.set(true);
                    }
                })
                .register()
        };
        let deadline = Instant::now() + ANSWER_BOUND;
        while !seen.get() && self.failure().is_none() && Instant::now() < deadline {
            self.iterate();
        }
        if !seen.get() {
            tracing::debug!("pipewire: the camera portal's connection got no permissions");
        }
        // Everything granted in the same batch has been sent by now.
        let _ = self.roundtrip();
    }

    /// The `Video/Source` nodes with their properties and format params.
    pub(super) fn video_sources(&self) -> Result<Vec<NodeAnswers>> {
        let registry = self
            .core
            .get_registry_rc()
            .map_err(|e| Error::not_readable(format!("PipeWire: no registry: {e}")))?;
        let globals: Rc<RefCell<Vec<pw::registry::GlobalObject<pw::properties::PropertiesBox>>>> =
            Rc::default();
        let _reg_listener = {
            let globals = globals.clone();
            registry
                .add_listener_local()
                .global(move |g| {
                    if is_video_source(g) {
                        globals.borrow_mut().push(g.to_owned());
                    }
                })
                .register()
        };
        self.roundtrip()?;
        let found: Rc<RefCell<BTreeMap<u32, Vec<FormatParam>>>> = Rc::default();
        let mut keep = Vec::new();
        for g in globals.borrow().iter() {
            let node: pw::node::Node = match registry.bind(g) {
                Ok(n) => n,
                Err(e) => {
                    tracing::debug!("pipewire: cannot bind node {}: {e}", g.id);
                    continue;
                }
            };
            let id = g.id;
            let found2 = found.clone();
            let listener = node
                .add_listener_local()
                .param(move |_seq, kind, _index, _next, pod| {
                    if kind != ParamType::EnumFormat {
                        return;
                    }
                    if let Some(p) = pod.and_then(|p| parse_format(p.as_bytes())) {
                        found2.borrow_mut().entry(id).or_default().push(p);
                    }
                })
                .register();
            node.enum_params(0, Some(ParamType::EnumFormat), 0, u32::MAX);
            keep.push((node, listener));
        }
        self.roundtrip()?;
        drop(keep);
        let mut found = found.borrow_mut();
        Ok(globals
            .borrow()
            .iter()
            .map(|g| NodeAnswers {
                id: g.id,
                props: g
                    .props
                    .as_ref()
                    .map(|p| {
                        AsRef::<spa::utils::dict::DictRef>::as_ref(p)
                            .iter()
                            .map(|(k, v)| (k.to_owned(), v.to_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
                formats: found.remove(&g.id).unwrap_or_default(),
            })
            .collect())
    }
}

/// `true` for a global that is a `Video/Source` node.
pub(super) fn is_video_source<P: AsRef<spa::utils::dict::DictRef>>(
    g: &pw::registry::GlobalObject<P>,
) -> bool {
    g.type_ == pw::types::ObjectType::Node
        && g.props.as_ref().and_then(|p| p.as_ref().get("media.class")) == Some("Video/Source")
}

/// A format param of a video `EnumFormat` pod, or `None` for anything else (audio, a
/// malformed pod, a subtype we cannot use).
pub(super) fn parse_format(bytes: &[u8]) -> Option<FormatParam> {
    let (_, value) = spa::pod::deserialize::PodDeserializer::deserialize_any_from(bytes).ok()?;
    let Value::Object(obj) = value else {
        return None;
    };
    let prop = |key: FormatProperties| {
        obj.properties
            .iter()
            .find(|p| p.key == key.as_raw())
            .map(|p| &p.value)
    };
    let ids = |v: Option<&Value>| -> Vec<u32> {
        match v {
            Some(Value::Id(Id(i))) => vec![*i],
            Some(Value::Choice(ChoiceValue::Id(c))) => match &c.1 {
                ChoiceEnum::None(Id(i)) => vec![*i],
                ChoiceEnum::Enum {
                    default,
                    alternatives,
                } => std::iter::once(default)
                    .chain(alternatives)
                    .map(|i| i.0)
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    };
    if ids(prop(FormatProperties::MediaType)) != [MediaType::Video.as_raw()] {
        return None;
    }
    let subtype = *ids(prop(FormatProperties::MediaSubtype)).first()?;
    let formats: Vec<SpaFormat> = if subtype == MediaSubtype::Mjpg.as_raw() {
        vec![SpaFormat::Mjpeg]
    } else if subtype == MediaSubtype::Raw.as_raw() {
        use spa::param::video::VideoFormat as F;
        let mut out = Vec::new();
        for raw in ids(prop(FormatProperties::VideoFormat)) {
            let f = match F::from_raw(raw) {
                F::NV12 => SpaFormat::Nv12,
                F::I420 => SpaFormat::I420,
                F::YUY2 => SpaFormat::Yuy2,
                F::BGRx | F::BGRA => SpaFormat::Bgrx,
                _ => continue,
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    } else {
        return None;
    };
    let sizes = match prop(FormatProperties::VideoSize)? {
        Value::Rectangle(r) => Choice::Fixed((r.width, r.height)),
        Value::Choice(ChoiceValue::Rectangle(c)) => {
            choice(&c.1, |r: &spa::utils::Rectangle| (r.width, r.height))?
        }
        _ => return None,
    };
    let rates = match prop(FormatProperties::VideoFramerate) {
        Some(Value::Fraction(f)) => Choice::Fixed((f.num, f.denom)),
        Some(Value::Choice(ChoiceValue::Fraction(c))) => {
            choice(&c.1, |f: &spa::utils::Fraction| (f.num, f.denom))?
        }
        // No rate at all: a source that sends frames as they come (e.g. a screen); it is
        // offered at the common rates up to 60 fps.
        None => Choice::Range {
            min: (1, 1),
            max: (60, 1),
            step: None,
        },
        _ => return None,
    };
    Some(FormatParam {
        formats,
        sizes,
        rates,
    })
}

fn choice<T, U>(c: &ChoiceEnum<T>, f: impl Fn(&T) -> U) -> Option<Choice<U>>
where
    T: spa::pod::CanonicalFixedSizedPod,
{
    Some(match c {
        ChoiceEnum::None(v) => Choice::Fixed(f(v)),
        ChoiceEnum::Range { min, max, .. } => Choice::Range {
            min: f(min),
            max: f(max),
            step: None,
        },
        ChoiceEnum::Step { min, max, step, .. } => Choice::Range {
            min: f(min),
            max: f(max),
            step: Some(f(step)),
        },
        // The default is listed among the alternatives by convention; kept once.
        ChoiceEnum::Enum {
            default,
            alternatives,
        } => Choice::List(
            std::iter::once(default)
                .chain(alternatives)
                .map(f)
                .collect(),
        ),
        ChoiceEnum::Flags { .. } => return None,
    })
}

/// `true` when the V4L2 backend is compiled in and can open the V4L2 device this node is
/// served from itself: it lists the camera then.
fn left_to_v4l2(n: &NodeAnswers) -> bool {
    #[cfg(feature = "v4l2")]
    {
        use rustix::fs::Access;
        n.props.get("api.v4l2.path").is_some_and(|p| {
            rustix::fs::access(p.as_str(), Access::READ_OK | Access::WRITE_OK).is_ok()
        })
    }
    #[cfg(not(feature = "v4l2"))]
    {
        let _ = n;
        false
    }
}

impl Backend for PipeWireBackend {
    fn name(&self) -> &'static str {
        "pipewire"
    }

    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        use std::sync::atomic::Ordering;
        let nodes = match self.probe() {
            Ok(n) => n,
            Err(e) => {
                // No daemon: no devices, as for every backend whose service is absent. The
                // Camera portal refusing access lists nothing too, and is remembered for
                // `access_refused`.
                self.refused.store(
                    e.kind == mediacapture_types::ErrorKind::NotAllowedError,
                    Ordering::SeqCst,
                );
                tracing::debug!("{e}");
                return Ok(Vec::new());
            }
        };
        self.refused.store(false, Ordering::SeqCst);
        let mut out: Vec<DeviceDescriptor> = Vec::new();
        // Through the Camera portal every camera the portal shows is ours to list.
        for n in nodes
            .iter()
            .filter(|n| self.remote.is_portal() || !left_to_v4l2(n))
        {
            if let Some(d) = descriptor(n) {
                if !out.iter().any(|o| o.raw_id == d.raw_id) {
                    out.push(d);
                }
            }
        }
        // The first camera is the default, as with V4L2.
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
        let nodes = self.probe().map_err(|e| match e.kind {
            // The Camera portal refused access.
            mediacapture_types::ErrorKind::NotAllowedError => e,
            _ => Error::not_found(format!("no PipeWire camera {raw:?}: {}", e.message)),
        })?;
        let node = nodes
            .into_iter()
            .find(|n| n.name().map(super::raw_id).as_deref() == Some(raw))
            .ok_or_else(|| Error::not_found(format!("no PipeWire camera {raw:?}")))?;
        let described = descriptor(&node)
            .ok_or_else(|| Error::not_readable(format!("{raw:?} has no usable mode")))?;
        described
            .capabilities
            .require(config, &format!("PipeWire camera {:?}", described.label))?;
        let mode = match config {
            NativeConfig::Video(want) => native_modes(&node).into_iter().find(|m| {
                m.mode.width == want.width
                    && m.mode.height == want.height
                    && (m.mode.frame_rate - want.frame_rate).abs() < FRAME_RATE_TOLERANCE
            }),
            _ => None,
        }
        .ok_or_else(|| Error::not_readable(format!("{raw:?} cannot be opened in {config}")))?;
        super::stream::open(
            self.remote.clone(),
            node.id,
            described.label,
            mode,
            config.clone(),
            sink,
        )
    }

    fn access_refused(&self, kind: mediacapture_types::MediaDeviceKind) -> bool {
        kind == mediacapture_types::MediaDeviceKind::VideoInput
            && self.refused.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn watch_devices(&self, callback: DeviceChangeCallback) {
        self.watch
            .callbacks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(callback);
        let mut w = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if w.is_some() {
            return;
        }
        let (remote, watch) = (self.remote.clone(), self.watch.clone());
        match std::thread::Builder::new()
            .name("pipewire-hotplug".into())
            .spawn(move || run_watcher(&remote, &watch))
        {
            Ok(t) => *w = Some(t),
            Err(e) => tracing::error!("pipewire: cannot start the hot-plug watcher: {e}"),
        }
    }
}

/// How long the watcher waits before connecting again after the daemon went away.
const RECONNECT: Duration = Duration::from_secs(1);

/// Watches the registry for `Video/Source` nodes coming and going and calls the callbacks;
/// connects again when the daemon goes away (and calls them then too: its cameras went).
fn run_watcher(remote: &Remote, watch: &WatchState) {
    use std::sync::atomic::Ordering;
    let notify = || {
        let callbacks = watch
            .callbacks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for cb in callbacks {
            cb();
        }
    };
    let mut logged = false;
    while !watch.stop.load(Ordering::SeqCst) {
        let Some((conn, waited)) = remote.connect_for_watcher(&watch.stop) else {
            break;
        };
        // Access granted after a wait: the cameras shown changed (none were before).
        logged |= waited;
        let conn = match conn.and_then(|c| {
            let r = c
                .core
                .get_registry_rc()
                .map_err(|e| Error::not_readable(format!("PipeWire: no registry: {e}")))?;
            Ok((c, r))
        }) {
            Ok(c) => c,
            Err(e) => {
                if !logged {
                    tracing::debug!("pipewire: hot-plug watcher: {e}; trying again");
                    logged = true;
                }
                sleep_unless_stopped(watch, RECONNECT);
                continue;
            }
        };
        let (conn, registry) = conn;
        // Nodes seen before the first round trip were there already: not a change.
        let known: Rc<RefCell<HashSet<u32>>> = Rc::default();
        let changed = Rc::new(Cell::new(false));
        let _l = {
            let (k1, k2, c1, c2) = (
                known.clone(),
                known.clone(),
                changed.clone(),
                changed.clone(),
            );
            registry
                .add_listener_local()
                .global(move |g| {
                    if is_video_source(g) {
                        k1.borrow_mut().insert(g.id);
                        c1.set(true);
                    }
                })
                .global_remove(move |id| {
                    if k2.borrow_mut().remove(&id) {
                        c2.set(true);
                    }
                })
                .register()
        };
        if conn.roundtrip().is_err() {
            sleep_unless_stopped(watch, RECONNECT);
            continue;
        }
        let had_nodes = !known.borrow().is_empty();
        if logged {
            // Connected again after the daemon was away: its cameras may be back.
            notify();
            logged = false;
        }
        changed.set(false);
        while !watch.stop.load(Ordering::SeqCst) {
            conn.iterate();
            if changed.replace(false) {
                notify();
            }
            if conn.failure().is_some() {
                break;
            }
        }
        if !watch.stop.load(Ordering::SeqCst) {
            tracing::debug!("pipewire: hot-plug watcher lost the daemon; connecting again");
            logged = true;
            if had_nodes || !known.borrow().is_empty() {
                notify();
            }
        }
    }
}

fn sleep_unless_stopped(watch: &WatchState, total: Duration) {
    let end = Instant::now() + total;
    while Instant::now() < end && !watch.stop.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(TICK);
    }
}
