//! Screen capture through the xdg-desktop-portal ScreenCast interface (Wayland sessions):
//! `CreateSession` → `SelectSources` → `Start` → `OpenPipeWireRemote`, then the granted
//! PipeWire node is read like a camera, at whatever size the portal sends.
//!
//! - The portal refusing (the user cancelled the picker, or the portal said no) is a
//!   `NotAllowedError`; no portal on the session bus is a `NotFoundError`.
//! - The portal closing the session (the user stopped sharing) ends the source without an
//!   error, as a browser ends the track; stopping the source closes the session.
//! - Frames are BGRA (the portal's `BGRx`/`BGRA`), at the size the portal negotiates, which
//!   it may change: each frame carries its own size.
//! - The granted node going away (the portal backend or the compositor stopped the cast, the
//!   output was removed) ends the source without an error too.
//!
//! [`super::PortalBackend`] makes this a [`crate::Backend`] for getDisplayMedia; [`open_screencast`]
//! runs the whole handshake and capture in one call.

use super::device::{ANSWER_BOUND, Conn, parse_format};
use super::stream::buffers_pod;
use super::{Choice, NativeMode, SpaFormat, frame};
use crate::thread_source::{Control, Opening, ThreadSource};
use crate::{NativeConfig, Source, SourceEvent, SourceSink, clock};
use ashpd::desktop::PersistMode;
use ashpd::desktop::screencast::{CursorMode, Screencast, SelectSourcesOptions, SourceType};
use mediacapture_frame::PixelFormat;
use mediacapture_types::native::VideoMode;
use mediacapture_types::{CursorCaptureConstraint, DisplayCaptureSurfaceType, Error, Result};
use pipewire as pw;
use pw::spa;
use spa::pod::{Pod, Value, serialize::PodSerializer};
use std::cell::{Cell, RefCell};
use std::os::fd::OwnedFd;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// What getDisplayMedia asks the portal for.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenCastRequest {
    /// The D-Bus address of the session bus the portal is on (`None`: the session's, from
    /// `DBUS_SESSION_BUS_ADDRESS`).
    pub bus: Option<String>,
    /// A monitor or a window (`None`: either, the user picks).
    pub surface: Option<DisplayCaptureSurfaceType>,
    /// Whether the cursor is drawn into the frames.
    pub cursor: CursorCaptureConstraint,
    /// The most frames per second wanted.
    pub max_frame_rate: f64,
}

/// A ScreenCast session the user granted: the node it casts, the size the portal announced,
/// and the thread that watches it and opens PipeWire connections on it. The session stays
/// open while a holder keeps it (a running capture, a grant waiting to be opened or reopened)
/// and closes when the last one drops it.
pub(super) struct Session {
    node_id: u32,
    /// The stream's size as the portal announced it (its `size` property), when it did.
    size: Option<(u32, u32)>,
    /// Set when the portal closes the session.
    closed: Arc<AtomicBool>,
    /// Requests to the session's thread; dropping the sender ends the thread, which closes
    /// the session.
    requests: futures_channel::mpsc::UnboundedSender<SessionRequest>,
}

/// What a session's thread is asked for.
enum SessionRequest {
    /// Another PipeWire connection that sees the granted node (`OpenPipeWireRemote`).
    Remote(std::sync::mpsc::Sender<Result<OwnedFd>>),
}

impl Session {
    /// Whether the portal closed the session (the user stopped sharing).
    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// A new PipeWire connection on the session (the portal allows one per call, as many as
    /// asked for while the session is open).
    fn remote(&self) -> Result<OwnedFd> {
        if self.is_closed() {
            return Err(Error::not_allowed("the portal closed the screen cast"));
        }
        let (tx, rx) = std::sync::mpsc::channel();
        self.requests
            .unbounded_send(SessionRequest::Remote(tx))
            .map_err(|_| Error::not_readable("the screen cast portal session is gone"))?;
        rx.recv_timeout(ANSWER_BOUND * 2)
            .map_err(|_| Error::not_readable("the screen cast portal does not answer"))?
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("node_id", &self.node_id)
            .field("size", &self.size)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// What the portal granted: the session, and the PipeWire connection its handshake opened
/// (`None` once used: opening the grant again asks the session for another).
#[derive(Debug)]
pub(super) struct Granted {
    pub(super) session: Arc<Session>,
    fd: Option<OwnedFd>,
}

impl Granted {
    /// A grant to open again on a session already granted (no dialog).
    pub(super) fn again(session: Arc<Session>) -> Granted {
        Granted { session, fd: None }
    }

    /// The stream's size as the portal announced it, when it did.
    pub(super) fn size(&self) -> Option<(u32, u32)> {
        self.session.size
    }
}

fn portal_error(e: ashpd::Error) -> Error {
    match e {
        ashpd::Error::Response(r) => {
            Error::not_allowed(format!("the screen cast portal refused: {r:?}"))
        }
        ashpd::Error::PortalNotFound(_) => {
            Error::not_found(format!("no screen cast portal on the session bus: {e}"))
        }
        e => Error::not_readable(format!("the screen cast portal failed: {e}")),
    }
}

/// The ScreenCast portal on the bus at `bus` (the session bus with `None`).
pub(super) async fn connect(bus: Option<&str>) -> std::result::Result<Screencast, ashpd::Error> {
    match bus {
        Some(address) => {
            let conn = ashpd::zbus::connection::Builder::address(address)?
                .build()
                .await?;
            Screencast::with_connection(conn).await
        }
        None => Screencast::new().await,
    }
}

/// Runs the portal handshake, and keeps a thread watching the session (and opening PipeWire
/// connections on it) until the returned grant's session is dropped, which closes it.
pub(super) fn handshake(req: &ScreenCastRequest) -> Result<Granted> {
    type Answer = (OwnedFd, u32, Option<(u32, u32)>);
    let req = req.clone();
    let closed = Arc::new(AtomicBool::new(false));
    let closed_watch = closed.clone();
    let (tx, rx) = std::sync::mpsc::channel::<Result<Answer>>();
    let (requests_tx, mut requests) = futures_channel::mpsc::unbounded::<SessionRequest>();
    std::thread::Builder::new()
        .name("screencast-portal".into())
        .spawn(move || {
            futures_executor::block_on(async move {
                use futures_util::StreamExt as _;
                use futures_util::future::{Either, select};
                let run = async {
                    let proxy = connect(req.bus.as_deref()).await?;
                    let session = proxy.create_session(Default::default()).await?;
                    let sources = match req.surface {
                        Some(DisplayCaptureSurfaceType::Window) => SourceType::Window.into(),
                        Some(DisplayCaptureSurfaceType::Monitor) => SourceType::Monitor.into(),
                        _ => SourceType::Monitor | SourceType::Window,
                    };
                    let cursor = match req.cursor {
                        CursorCaptureConstraint::Never => CursorMode::Hidden,
                        _ => CursorMode::Embedded,
                    };
                    // A portal without cursor modes (version 1) rejects the option.
                    let cursor = proxy
                        .available_cursor_modes()
                        .await
                        .ok()
                        .filter(|m| m.contains(cursor))
                        .map(|_| cursor);
                    proxy
                        .select_sources(
                            &session,
                            SelectSourcesOptions::default()
                                .set_sources(sources)
                                .set_cursor_mode(cursor)
                                .set_multiple(false)
                                .set_persist_mode(PersistMode::DoNot),
                        )
                        .await?
                        .response()?;
                    let streams = proxy
                        .start(&session, None, Default::default())
                        .await?
                        .response()?;
                    let stream = streams.streams().first().ok_or(ashpd::Error::NoResponse)?;
                    let node = stream.pipe_wire_node_id();
                    let size = stream.size().and_then(|(w, h)| {
                        Some((u32::try_from(w).ok()?, u32::try_from(h).ok()?))
                            .filter(|(w, h)| *w > 0 && *h > 0)
                    });
                    let fd = proxy
                        .open_pipe_wire_remote(&session, Default::default())
                        .await?;
                    Ok::<_, ashpd::Error>((proxy, session, fd, node, size))
                };
                let (proxy, session) = match run.await {
                    Ok((proxy, session, fd, node, size)) => {
                        let _ = tx.send(Ok((fd, node, size)));
                        (proxy, session)
                    }
                    Err(e) => {
                        let _ = tx.send(Err(portal_error(e)));
                        return;
                    }
                };
                // Until the portal closes the session or every holder dropped it, serve
                // requests for more PipeWire connections (reopening the granted cast).
                let mut closed_signal = session.receive_closed().await.ok();
                loop {
                    let next_request = requests.next();
                    let ended = match closed_signal.as_mut() {
                        Some(signals) => match select(signals.next(), next_request).await {
                            Either::Left(_) => None,
                            Either::Right((r, _)) => Some(r),
                        },
                        None => Some(next_request.await),
                    };
                    match ended {
                        // The portal closed the session (the user stopped sharing).
                        None => {
                            closed_watch.store(true, Ordering::SeqCst);
                            return;
                        }
                        Some(Some(SessionRequest::Remote(reply))) => {
                            let fd = proxy
                                .open_pipe_wire_remote(&session, Default::default())
                                .await
                                .map_err(portal_error);
                            let _ = reply.send(fd);
                        }
                        // Every holder dropped the session: close it.
                        Some(None) => break,
                    }
                }
                let _ = session.close().await;
            });
        })
        .map_err(|e| Error::not_readable(format!("cannot start the portal thread: {e}")))?;
    let (fd, node_id, size) = rx
        .recv()
        .map_err(|_| Error::not_readable("the screen cast portal thread failed"))??;
    Ok(Granted {
        session: Arc::new(Session {
            node_id,
            size,
            closed,
            requests: requests_tx,
        }),
        fd: Some(fd),
    })
}

/// The `EnumFormat` pod for a screen: BGRx or BGRA, any size, up to `max_fps`.
fn screen_format_pod(max_fps: f64) -> Result<Vec<u8>> {
    use spa::param::format::{FormatProperties as P, MediaSubtype, MediaType};
    use spa::param::video::VideoFormat as F;
    use spa::pod::{ChoiceValue, Object, Property};
    use spa::utils::{Choice, ChoiceEnum, ChoiceFlags, Fraction, Id, Rectangle, SpaTypes};
    let fps = max_fps.clamp(1.0, 240.0).round() as u32;
    let properties = vec![
        Property::new(
            P::MediaType.as_raw(),
            Value::Id(Id(MediaType::Video.as_raw())),
        ),
        Property::new(
            P::MediaSubtype.as_raw(),
            Value::Id(Id(MediaSubtype::Raw.as_raw())),
        ),
        Property::new(
            P::VideoFormat.as_raw(),
            Value::Choice(ChoiceValue::Id(Choice(
                ChoiceFlags::empty(),
                ChoiceEnum::Enum {
                    default: Id(F::BGRx.as_raw()),
                    alternatives: vec![Id(F::BGRx.as_raw()), Id(F::BGRA.as_raw())],
                },
            ))),
        ),
        Property::new(
            P::VideoSize.as_raw(),
            Value::Choice(ChoiceValue::Rectangle(Choice(
                ChoiceFlags::empty(),
                ChoiceEnum::Range {
                    default: Rectangle {
                        width: 1920,
                        height: 1080,
                    },
                    min: Rectangle {
                        width: 1,
                        height: 1,
                    },
                    max: Rectangle {
                        width: 16384,
                        height: 16384,
                    },
                },
            ))),
        ),
        Property::new(
            P::VideoFramerate.as_raw(),
            Value::Choice(ChoiceValue::Fraction(Choice(
                ChoiceFlags::empty(),
                ChoiceEnum::Range {
                    default: Fraction { num: fps, denom: 1 },
                    min: Fraction { num: 0, denom: 1 },
                    max: Fraction { num: fps, denom: 1 },
                },
            ))),
        ),
    ];
    let obj = Object {
        type_: SpaTypes::ObjectParamFormat.as_raw(),
        id: spa::param::ParamType::EnumFormat.as_raw(),
        properties,
    };
    PodSerializer::serialize(std::io::Cursor::new(Vec::new()), &Value::Object(obj))
        .map(|(c, _)| c.into_inner())
        .map_err(|e| Error::not_readable(format!("PipeWire: cannot build a format: {e:?}")))
}

/// Asks the portal for a screen (or window) and delivers its frames to `sink`.
///
/// Errors: `NotAllowedError` when the portal refuses, `NotFoundError` when there is no
/// portal, `NotReadableError` when the cast cannot be read.
pub fn open_screencast(
    req: ScreenCastRequest,
    config: NativeConfig,
    sink: Arc<dyn SourceSink>,
) -> Result<Box<dyn Source>> {
    let granted = handshake(&req)?;
    Ok(Box::new(open_granted(
        granted,
        req.max_frame_rate,
        config,
        sink,
    )?))
}

/// Reads the cast the portal granted, at up to `max_frame_rate`, into `sink`; returns once
/// frames flow (or the cast failed to start). The capture keeps the session open while it
/// runs.
pub(super) fn open_granted(
    granted: Granted,
    max_frame_rate: f64,
    config: NativeConfig,
    sink: Arc<dyn SourceSink>,
) -> Result<ThreadSource> {
    let ctl = Control::new();
    let job_ctl = ctl.clone();
    ThreadSource::spawn_opening(
        "screencast".into(),
        config,
        ctl,
        sink,
        move |sink, opening| capture(granted, max_frame_rate, &job_ctl, &*sink, opening),
    )
}

fn capture(
    granted: Granted,
    max_frame_rate: f64,
    ctl: &Control,
    sink: &dyn SourceSink,
    opening: Opening,
) {
    let Granted { session, fd } = granted;
    let node_id = session.node_id;
    let what = "the screen cast";
    let setup = || -> Result<_> {
        let fd = match fd {
            Some(fd) => fd,
            None => session.remote()?,
        };
        let conn = Conn::from_fd(fd)?;
        let registry = conn
            .core
            .get_registry_rc()
            .map_err(|e| Error::not_readable(format!("{what}: {e}")))?;
        let props = pw::properties::properties! {
            *pw::keys::MEDIA_TYPE => "Video",
            *pw::keys::MEDIA_CATEGORY => "Capture",
            *pw::keys::MEDIA_ROLE => "Screen",
        };
        let stream = pw::stream::StreamRc::new(conn.core.clone(), "mediacapture-screen", props)
            .map_err(|e| Error::not_readable(format!("{what}: {e}")))?;
        Ok((conn, registry, stream))
    };
    let (conn, registry, stream) = match setup() {
        Ok(s) => s,
        Err(e) => return opening.report(Err(e)),
    };
    // The granted node going away (the cast was stopped outside this process) ends the
    // source like the session closing.
    let node_gone = Rc::new(Cell::new(false));
    let _registry_listener = {
        let node_gone = node_gone.clone();
        registry
            .add_listener_local()
            .global_remove(move |id| {
                if id == node_id {
                    node_gone.set(true);
                }
            })
            .register()
    };
    let mode: Rc<Cell<Option<NativeMode>>> = Rc::default();
    let streaming = Rc::new(Cell::new(false));
    let failed: Rc<RefCell<Option<String>>> = Rc::default();
    let frames: Rc<RefCell<Vec<mediacapture_frame::VideoFrame>>> = Rc::default();
    let listener = {
        let (mode_p, mode_f) = (mode.clone(), mode.clone());
        let (streaming, failed) = (streaming.clone(), failed.clone());
        let frames = frames.clone();
        let max_fps = max_frame_rate;
        stream
            .add_local_listener_with_user_data(())
            .state_changed(move |_, _, _, new| match new {
                pw::stream::StreamState::Streaming => streaming.set(true),
                pw::stream::StreamState::Error(e) => *failed.borrow_mut() = Some(e),
                pw::stream::StreamState::Unconnected => {
                    *failed.borrow_mut() = Some("disconnected".into());
                }
                _ => {}
            })
            .param_changed(move |stream, _, id, param| {
                if id != spa::param::ParamType::Format.as_raw() {
                    return;
                }
                let Some(p) = param.and_then(|p| parse_format(p.as_bytes())) else {
                    return;
                };
                // BGRx and BGRA are both delivered as BGRA.
                let (Choice::Fixed((width, height)), Some(_)) = (&p.sizes, p.formats.first())
                else {
                    return;
                };
                let m = NativeMode {
                    mode: VideoMode {
                        width: *width,
                        height: *height,
                        frame_rate: max_fps,
                    },
                    pixel_format: PixelFormat::Bgra,
                    format: SpaFormat::Bgrx,
                    rate: (max_fps.round() as u32, 1),
                };
                mode_p.set(Some(m));
                if let Ok(bytes) = buffers_pod(&m) {
                    if let Some(pod) = Pod::from_bytes(&bytes) {
                        let _ = stream.update_params(&mut [pod]);
                    }
                }
            })
            .process(move |stream, _| {
                let Some(mut buffer) = stream.dequeue_buffer() else {
                    return;
                };
                let Some(m) = mode_f.get() else {
                    return;
                };
                let ts = clock::now_us();
                let Some(d) = buffer.datas_mut().first_mut() else {
                    return;
                };
                let (offset, size, stride) = {
                    let c = d.chunk();
                    (
                        c.offset() as usize,
                        c.size() as usize,
                        c.stride().max(0) as usize,
                    )
                };
                let Some(data) = d
                    .data()
                    .and_then(|b| b.get(offset..offset.checked_add(size)?))
                else {
                    return;
                };
                if let Ok(f) = frame(&m, stride, data, ts) {
                    frames.borrow_mut().push(f);
                }
            })
            .register()
    };
    let _listener = match listener {
        Ok(l) => l,
        Err(e) => return opening.report(Err(Error::not_readable(format!("{what}: {e}")))),
    };
    let pod = match screen_format_pod(max_frame_rate) {
        Ok(p) => p,
        Err(e) => return opening.report(Err(e)),
    };
    let Some(pod) = Pod::from_bytes(&pod) else {
        return opening.report(Err(Error::not_readable("cannot build a format")));
    };
    if let Err(e) = stream.connect(
        spa::utils::Direction::Input,
        Some(node_id),
        pw::stream::StreamFlags::AUTOCONNECT | pw::stream::StreamFlags::MAP_BUFFERS,
        &mut [pod],
    ) {
        return opening.report(Err(Error::not_readable(format!("{what}: {e}"))));
    }
    let deadline = Instant::now() + ANSWER_BOUND * 2;
    let mut opening = Some(opening);
    while !ctl.stopped() {
        conn.iterate();
        let failure = failed
            .borrow_mut()
            .take()
            .or_else(|| conn.failure())
            .map(|f| Error::not_readable(format!("{what}: {f}")));
        if let Some(o) = opening.take() {
            if let Some(e) = failure {
                return o.report(Err(e));
            }
            if session.is_closed() || node_gone.get() {
                return o.report(Err(Error::not_allowed("the portal closed the screen cast")));
            }
            if streaming.get() && mode.get().is_some() {
                o.report(Ok(()));
            } else if Instant::now() >= deadline {
                return o.report(Err(Error::not_readable(format!("{what} did not start"))));
            } else {
                opening = Some(o);
            }
            continue;
        }
        for f in frames.borrow_mut().drain(..) {
            sink.on_video(f);
        }
        if session.is_closed() || node_gone.get() {
            // The user (or the system) stopped sharing: the track ends, not an error.
            tracing::info!("{what} was stopped outside this process");
            sink.on_event(SourceEvent::Ended(None));
            break;
        }
        if let Some(e) = failure {
            sink.on_event(SourceEvent::Ended(Some(e)));
            break;
        }
    }
    let _ = stream.disconnect();
    // The session closes here unless another holder keeps it (a grant kept for reopening).
    drop(session);
}
