//! A PipeWire capture stream on a capture thread: negotiates exactly the chosen mode, turns
//! buffers into frames, and ends when the node goes away or the stream fails.

use super::device::{ANSWER_BOUND, Remote};
use super::{NativeMode, SpaFormat, frame};
use crate::thread_source::{Control, Opening, ThreadSource};
use crate::{NativeConfig, Source, SourceEvent, SourceSink, clock};
use mediacapture_types::{Error, Result};
use pipewire as pw;
use pw::spa;
use spa::pod::{Pod, Value, serialize::PodSerializer};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// Opens node `node_id` in `mode` and delivers its frames to `sink`.
pub(super) fn open(
    remote: Remote,
    node_id: u32,
    label: String,
    mode: NativeMode,
    config: NativeConfig,
    sink: Arc<dyn SourceSink>,
) -> Result<Box<dyn Source>> {
    let ctl = Control::new();
    let job_ctl = ctl.clone();
    let source = ThreadSource::spawn_opening(
        format!("pipewire-{node_id}"),
        config,
        ctl,
        sink,
        move |sink, opening| capture(&remote, node_id, &label, mode, &job_ctl, &*sink, opening),
    )?;
    Ok(Box::new(source))
}

/// The `EnumFormat` pod asking for exactly `m`.
fn format_pod(m: &NativeMode) -> Result<Vec<u8>> {
    use spa::param::format::{FormatProperties as P, MediaSubtype, MediaType};
    use spa::param::video::VideoFormat as F;
    use spa::pod::{Object, Property};
    use spa::utils::{Fraction, Id, Rectangle, SpaTypes};
    let mut properties = vec![
        Property::new(
            P::MediaType.as_raw(),
            Value::Id(Id(MediaType::Video.as_raw())),
        ),
        Property::new(
            P::MediaSubtype.as_raw(),
            Value::Id(Id(if m.format == SpaFormat::Mjpeg {
                MediaSubtype::Mjpg.as_raw()
            } else {
                MediaSubtype::Raw.as_raw()
            })),
        ),
    ];
    let raw = match m.format {
        SpaFormat::Nv12 => Some(F::NV12),
        SpaFormat::I420 => Some(F::I420),
        SpaFormat::Yuy2 => Some(F::YUY2),
        SpaFormat::Bgrx => Some(F::BGRx),
        SpaFormat::Mjpeg => None,
    };
    if let Some(f) = raw {
        properties.push(Property::new(
            P::VideoFormat.as_raw(),
            Value::Id(Id(f.as_raw())),
        ));
    }
    properties.push(Property::new(
        P::VideoSize.as_raw(),
        Value::Rectangle(Rectangle {
            width: m.mode.width,
            height: m.mode.height,
        }),
    ));
    properties.push(Property::new(
        P::VideoFramerate.as_raw(),
        Value::Fraction(Fraction {
            num: m.rate.0,
            denom: m.rate.1,
        }),
    ));
    let obj = Object {
        type_: SpaTypes::ObjectParamFormat.as_raw(),
        id: spa::param::ParamType::EnumFormat.as_raw(),
        properties,
    };
    PodSerializer::serialize(std::io::Cursor::new(Vec::new()), &Value::Object(obj))
        .map(|(c, _)| c.into_inner())
        .map_err(|e| Error::not_readable(format!("PipeWire: cannot build a format: {e:?}")))
}

/// The `Buffers` pod for `m`: one block per buffer, big enough for a whole frame. Without it
/// a producer that leaves buffer sizes to its consumers (GStreamer's `pipewiresink`) may
/// allocate a default size far smaller than a frame.
pub(super) fn buffers_pod(m: &NativeMode) -> Result<Vec<u8>> {
    use spa::pod::{ChoiceValue, Object, Property};
    use spa::sys;
    use spa::utils::{Choice, ChoiceEnum, ChoiceFlags, SpaTypes};
    let (w, h) = (m.mode.width, m.mode.height);
    let (size, stride) = match m.pixel_format.tight_layout(w, h) {
        Some(planes) => (
            planes.iter().map(|p| p.stride * p.rows).sum::<usize>(),
            Some(planes[0].stride),
        ),
        // A compressed frame is rarely larger than an uncompressed 4:2:2 one.
        None => ((w as usize) * (h as usize) * 2, None),
    };
    let int = |v: usize| Value::Int(i32::try_from(v).unwrap_or(i32::MAX));
    let mut properties = vec![
        Property::new(
            sys::SPA_PARAM_BUFFERS_buffers,
            Value::Choice(ChoiceValue::Int(Choice(
                ChoiceFlags::empty(),
                ChoiceEnum::Range {
                    default: 8,
                    min: 2,
                    max: 16,
                },
            ))),
        ),
        Property::new(sys::SPA_PARAM_BUFFERS_blocks, Value::Int(1)),
        Property::new(sys::SPA_PARAM_BUFFERS_size, int(size)),
    ];
    if let Some(stride) = stride {
        properties.push(Property::new(sys::SPA_PARAM_BUFFERS_stride, int(stride)));
    }
    let obj = Object {
        type_: SpaTypes::ObjectParamBuffers.as_raw(),
        id: spa::param::ParamType::Buffers.as_raw(),
        properties,
    };
    PodSerializer::serialize(std::io::Cursor::new(Vec::new()), &Value::Object(obj))
        .map(|(c, _)| c.into_inner())
        .map_err(|e| Error::not_readable(format!("PipeWire: cannot build buffer params: {e:?}")))
}

/// What the stream's callbacks saw, read by the loop between iterations.
#[derive(Default)]
struct Seen {
    /// The stream reached `Streaming` (the node is linked and delivers).
    streaming: Cell<bool>,
    /// Why the stream ended, when it did.
    ended: RefCell<Option<Error>>,
}

impl Seen {
    /// Records why the stream ended, unless an earlier reason was recorded.
    fn end(&self, e: Error) {
        let mut ended = self.ended.borrow_mut();
        if ended.is_none() {
            *ended = Some(e);
        }
    }
}

/// Streams node `node_id` in `m` until stopped, the node goes away or the stream fails.
fn capture(
    remote: &Remote,
    node_id: u32,
    label: &str,
    m: NativeMode,
    ctl: &Control,
    sink: &dyn SourceSink,
    opening: Opening,
) {
    let what = format!("PipeWire camera {label:?}");
    let seen = Rc::new(Seen::default());
    let setup = || -> Result<_> {
        let conn = remote.connect()?;
        let fail = |e: pw::Error| Error::not_readable(format!("{what}: {e}"));
        let registry = conn.core.get_registry_rc().map_err(fail)?;
        let props = pw::properties::properties! {
            *pw::keys::MEDIA_TYPE => "Video",
            *pw::keys::MEDIA_CATEGORY => "Capture",
            *pw::keys::MEDIA_ROLE => "Camera",
            // When the node goes away the track ends: never be moved to another camera.
            *pw::keys::NODE_DONT_RECONNECT => "true",
        };
        let stream =
            pw::stream::StreamRc::new(conn.core.clone(), "mediacapture", props).map_err(fail)?;
        Ok((conn, registry, stream))
    };
    let (conn, registry, stream) = match setup() {
        Ok(s) => s,
        Err(e) => {
            opening.report(Err(e));
            return;
        }
    };
    // The node going away ends the track (and is a device change, which the backend's
    // watcher reports).
    let _reg_listener = {
        let seen = seen.clone();
        let what = what.clone();
        registry
            .add_listener_local()
            .global_remove(move |id| {
                if id == node_id {
                    seen.end(Error::not_found(format!("{what}: the camera is gone")));
                }
            })
            .register()
    };
    let duration = (1e6 / m.mode.frame_rate).round() as i64;
    let listener = {
        let (seen_state, seen_process) = (seen.clone(), seen.clone());
        let what_state = what.clone();
        let what_process = what.clone();
        let what_params = what.clone();
        let buffers = buffers_pod(&m)
            .map_err(|e| tracing::debug!("{what}: {e}"))
            .ok();
        // The listener's callbacks run on this thread, inside `iterate`, while `sink` is
        // borrowed by this function: frames are passed out through a queue instead of
        // capturing the borrow.
        let frames: Rc<RefCell<Vec<mediacapture_frame::VideoFrame>>> = Rc::default();
        let frames_out = frames.clone();
        let l = stream
            .add_local_listener_with_user_data(())
            .state_changed(move |_, _, _old, new| match new {
                pw::stream::StreamState::Streaming => seen_state.streaming.set(true),
                pw::stream::StreamState::Error(e) => {
                    seen_state.end(Error::not_readable(format!("{what_state}: {e}")));
                }
                pw::stream::StreamState::Unconnected => seen_state.end(Error::not_found(format!(
                    "{what_state}: the stream was disconnected"
                ))),
                _ => {}
            })
            .param_changed(move |stream, _, id, param| {
                // The format is fixed (we asked for exactly one): say what buffers we need.
                if id != spa::param::ParamType::Format.as_raw() || param.is_none() {
                    return;
                }
                let Some(bytes) = buffers.as_deref() else {
                    return;
                };
                if let Some(pod) = Pod::from_bytes(bytes) {
                    if let Err(e) = stream.update_params(&mut [pod]) {
                        tracing::debug!("{what_params}: cannot set buffer params: {e}");
                    }
                }
            })
            .process(move |stream, _| {
                let Some(mut buffer) = stream.dequeue_buffer() else {
                    return;
                };
                let ts = clock::now_us();
                let datas = buffer.datas_mut();
                let Some(d) = datas.first_mut() else {
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
                let Some(bytes) = d.data() else {
                    tracing::debug!("{what_process}: a buffer that is not mapped; skipped");
                    return;
                };
                let Some(data) = offset
                    .checked_add(size)
                    .and_then(|end| bytes.get(offset..end))
                else {
                    tracing::debug!("{what_process}: a chunk outside its buffer; skipped");
                    return;
                };
                if data.is_empty() {
                    return;
                }
                match frame(&m, stride, data, ts) {
                    Ok(f) => {
                        if seen_process.ended.borrow().is_none() {
                            frames_out
                                .borrow_mut()
                                .push(f.with_duration(Some(duration)));
                        }
                    }
                    Err(e) => tracing::debug!("{what_process}: dropped a bad frame: {e}"),
                }
            })
            .register();
        match l {
            Ok(l) => (l, frames),
            Err(e) => {
                opening.report(Err(Error::not_readable(format!("{what}: {e}"))));
                return;
            }
        }
    };
    let (_listener, frames) = listener;
    let pod = match format_pod(&m) {
        Ok(p) => p,
        Err(e) => {
            opening.report(Err(e));
            return;
        }
    };
    let Some(pod) = Pod::from_bytes(&pod) else {
        opening.report(Err(Error::not_readable(format!(
            "{what}: cannot build a format"
        ))));
        return;
    };
    if let Err(e) = stream.connect(
        spa::utils::Direction::Input,
        Some(node_id),
        pw::stream::StreamFlags::AUTOCONNECT | pw::stream::StreamFlags::MAP_BUFFERS,
        &mut [pod],
    ) {
        opening.report(Err(Error::not_readable(format!("{what}: {e}"))));
        return;
    }
    // Opened once the node is linked and streams (or failed, or gone).
    let deadline = Instant::now() + ANSWER_BOUND * 2;
    let mut opening = Some(opening);
    while !ctl.stopped() {
        conn.iterate();
        if let Some(f) = conn.failure() {
            let mut ended = seen.ended.borrow_mut();
            if ended.is_none() {
                *ended = Some(Error::not_readable(format!(
                    "{what}: the connection to PipeWire failed: {f}"
                )));
            }
        }
        if let Some(o) = opening.take() {
            if let Some(e) = seen.ended.borrow_mut().take() {
                o.report(Err(e));
                return;
            }
            if seen.streaming.get() {
                o.report(Ok(()));
            } else if Instant::now() >= deadline {
                o.report(Err(Error::not_readable(format!(
                    "{what}: the stream did not start"
                ))));
                return;
            } else {
                opening = Some(o);
                continue;
            }
        }
        for f in frames.borrow_mut().drain(..) {
            if ctl.stopped() {
                break;
            }
            sink.on_video(f);
        }
        if let Some(e) = seen.ended.borrow_mut().take() {
            if !ctl.stopped() {
                sink.on_event(SourceEvent::Ended(Some(e)));
            }
            break;
        }
    }
    let _ = stream.disconnect();
}
