//! Media for JavaScript, pushed: `track.frames()` and `MediaStreamTrackProcessor`.
//!
//! A reader wraps the track's own bounded stream (`MediaStreamTrack::video_frames`, which
//! keeps the newest frames and counts the ones it drops, or `audio_data_with_capacity`,
//! which counts the blocks lost when the reader falls behind). JavaScript asks for one item
//! at a time ([`NativeFrameReader::request`]); the item is sent at once when one is
//! buffered, or else as soon as the stream wakes the reader (from the thread that delivered
//! it), through ONE weak threadsafe function per JavaScript environment
//! ([`set_media_sink`]). The end of the track (or [`NativeFrameReader::close`]) closes the
//! stream, which wakes the reader too: it sends `"ended"` after the items still buffered.
//! No thread waits for media: neither a libuv pool thread nor one of the reader's own.
//!
//! Backpressure is the stream's: at most one item is on its way to JavaScript per reader,
//! the rest wait in the bounded stream (video: newest wins; audio: losses are counted).
//! Conversion to the requested pixel format happens on the JavaScript thread as the item is
//! handed over.

use crate::errors::type_error;
use crate::events::env_of;
use crate::lock;
use futures_core::Stream;
use mediacapture::{
    AUDIO_SINK_CAPACITY, AudioData, AudioDataStream, MediaStreamTrack, PixelFormat, TrackKind,
    VIDEO_SINK_CAPACITY, VideoFrame, VideoFrameStream,
};
use napi::Status;
use napi::bindgen_prelude::{Buffer, FnArgs, Function};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

/// What a reader hands to JavaScript: `(readerId, item)`, converted on the JavaScript thread.
pub enum Delivery {
    /// A video frame, and the format it is to be converted to.
    Video(VideoFrame, Option<PixelFormat>),
    /// A block of audio.
    Audio(AudioData),
    /// The stream ended (the track ended or the reader was closed) and nothing is left.
    Ended,
}

/// The JavaScript function media is delivered to: `(readerId, chunk)`. Weak: it never keeps
/// the event loop alive (a pending read does, in the JS layer).
type MediaSink =
    ThreadsafeFunction<(u32, Delivery), (), FnArgs<(u32, MediaChunk)>, Status, false, true>;

/// Media sinks by environment number.
fn media_sinks() -> &'static Mutex<HashMap<u32, Arc<MediaSink>>> {
    static SINKS: OnceLock<Mutex<HashMap<u32, Arc<MediaSink>>>> = OnceLock::new();
    SINKS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Registers the function environment `env_number`'s readers deliver to (once per
/// environment): `(readerId, chunk)` with `chunk` a [`MediaChunk`].
#[napi]
pub fn set_media_sink(
    env_number: u32,
    callback: Function<'_, FnArgs<(u32, MediaChunk)>, ()>,
) -> napi::Result<()> {
    let sink: MediaSink = callback
        .build_threadsafe_function::<(u32, Delivery)>()
        .callee_handled::<false>()
        .weak::<true>()
        .build_callback(|ctx| {
            let (id, item) = ctx.value;
            Ok(FnArgs::from((id, MediaChunk::from(item))))
        })?;
    // An environment registers once; a replaced sink is leaked rather than released (its
    // environment may be going away, when a release fails napi-rs's assertion).
    if let Some(old) = lock(media_sinks()).insert(env_number, Arc::new(sink)) {
        std::mem::forget(old);
    }
    Ok(())
}

pub(crate) fn parse_format(f: &str) -> Option<PixelFormat> {
    Some(match f {
        "I420" => PixelFormat::I420,
        "NV12" => PixelFormat::Nv12,
        "YUYV" => PixelFormat::Yuyv,
        "RGBA" => PixelFormat::Rgba,
        "BGRA" => PixelFormat::Bgra,
        _ => return None,
    })
}

fn format_name(f: PixelFormat) -> &'static str {
    match f {
        PixelFormat::I420 => "I420",
        PixelFormat::Nv12 => "NV12",
        PixelFormat::Yuyv => "YUYV",
        PixelFormat::Rgba => "RGBA",
        PixelFormat::Bgra => "BGRA",
        PixelFormat::Mjpeg => "MJPEG",
        _ => "unknown",
    }
}

/// The track's stream a reader wraps.
enum Media {
    Video(VideoFrameStream),
    Audio(AudioDataStream),
}

struct ReaderState {
    /// `None` once the reader is closed or has sent `"ended"`.
    stream: Option<Media>,
    /// JavaScript asked for an item that was not sent yet.
    wanted: bool,
    /// `"ended"` was sent.
    ended: bool,
    /// Frames skipped to keep at most `capacity` buffered (video).
    skipped: u64,
    /// Losses counted by streams already dropped.
    dropped_before: u64,
}

struct ReaderCore {
    /// The reader's id in its environment (the environment is in its top bits).
    id: u32,
    format: Option<PixelFormat>,
    /// Video: frames kept at most (the stream itself keeps at most
    /// `VIDEO_SINK_CAPACITY`).
    capacity: usize,
    state: Mutex<ReaderState>,
}

impl Media {
    fn dropped(&self) -> u64 {
        match self {
            Media::Video(v) => v.dropped(),
            Media::Audio(a) => a.overflows(),
        }
    }
}

impl ReaderCore {
    /// Sends the next item if JavaScript wants one and one is there (or `"ended"` when the
    /// stream is over); otherwise leaves the stream holding a waker that calls this again.
    fn pump(self: &Arc<Self>) {
        let (delivery, finished) = {
            let mut s = lock(&self.state);
            if !s.wanted || s.ended {
                return;
            }
            let waker = Waker::from(self.clone());
            let mut cx = Context::from_waker(&waker);
            let capacity = self.capacity;
            let mut skipped = 0;
            let next = match s.stream.as_mut() {
                None => Poll::Ready(None),
                Some(Media::Video(v)) => {
                    // Newest wins: what is beyond this reader's capacity is dropped.
                    while v.buffered() > capacity && v.try_recv().is_some() {
                        skipped += 1;
                    }
                    Stream::poll_next(Pin::new(v), &mut cx)
                        .map(|f| f.map(|f| Delivery::Video(f, self.format)))
                }
                Some(Media::Audio(a)) => loop {
                    match Stream::poll_next(Pin::new(&mut *a), &mut cx) {
                        // A gap (blocks lost while the reader was behind) is counted by the
                        // stream; the reader goes on with the next block.
                        Poll::Ready(Some(Err(_))) => continue,
                        Poll::Ready(Some(Ok(d))) => break Poll::Ready(Some(Delivery::Audio(d))),
                        Poll::Ready(None) => break Poll::Ready(None),
                        Poll::Pending => break Poll::Pending,
                    }
                },
            };
            s.skipped += skipped;
            let delivery = match next {
                Poll::Pending => return,
                Poll::Ready(Some(d)) => d,
                Poll::Ready(None) => {
                    s.ended = true;
                    Delivery::Ended
                }
            };
            s.wanted = false;
            // A finished stream is dropped outside the lock: dropping closes it, which may
            // call a waker, which would take this lock again.
            let finished = if s.ended { s.stream.take() } else { None };
            if let Some(m) = &finished {
                s.dropped_before += m.dropped();
            }
            (delivery, finished)
        };
        drop(finished);
        let sink = lock(media_sinks()).get(&env_of(self.id)).cloned();
        if let Some(sink) = sink {
            // NonBlocking: never waits for the JavaScript thread. At most one item per
            // reader is queued (JavaScript asks again when it has this one). A closing
            // environment just drops it.
            let _ = sink.call((self.id, delivery), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    fn close(&self) {
        let old = {
            let mut s = lock(&self.state);
            let old = s.stream.take();
            if let Some(m) = &old {
                s.dropped_before += m.dropped();
            }
            old
        };
        // Dropping the stream closes it (outside the lock: closing wakes the reader).
        drop(old);
    }
}

impl Wake for ReaderCore {
    /// The stream has an item, or ended.
    fn wake(self: Arc<Self>) {
        self.pump();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.pump();
    }
}

/// A reader of a track's frames (video) or blocks (audio), pushing to JavaScript.
#[napi]
pub struct NativeFrameReader {
    core: Arc<ReaderCore>,
    /// The track read: a track being read is in use, as a browser's track is while a
    /// MediaStreamTrackProcessor reads it (a track nobody holds stops).
    _track: MediaStreamTrack,
}

impl NativeFrameReader {
    /// A reader of `track` delivering as reader `id`: video frames converted to `format`
    /// (when given), at most `capacity` of them buffered (default 2, at most
    /// [`VIDEO_SINK_CAPACITY`]); or audio blocks, at most `capacity` buffered (default
    /// [`AUDIO_SINK_CAPACITY`]).
    pub(crate) fn open(
        track: &MediaStreamTrack,
        id: u32,
        format: Option<&str>,
        capacity: Option<u32>,
    ) -> napi::Result<Self> {
        let format = match format {
            None | Some("") => None,
            Some(f) => Some(
                parse_format(f)
                    .ok_or_else(|| type_error(format!("unsupported pixel format {f:?}")))?,
            ),
        };
        let (stream, capacity) = match track.kind() {
            TrackKind::Video => {
                let cap = capacity
                    .map_or(2, |c| c as usize)
                    .clamp(1, VIDEO_SINK_CAPACITY);
                (Media::Video(track.video_frames()), cap)
            }
            TrackKind::Audio => {
                let cap = capacity.map_or(AUDIO_SINK_CAPACITY, |c| (c as usize).max(1));
                (Media::Audio(track.audio_data_with_capacity(cap)), cap)
            }
        };
        Ok(NativeFrameReader {
            _track: track.clone(),
            core: Arc::new(ReaderCore {
                id,
                format,
                capacity,
                state: Mutex::new(ReaderState {
                    stream: Some(stream),
                    wanted: false,
                    ended: false,
                    skipped: 0,
                    dropped_before: 0,
                }),
            }),
        })
    }
}

#[napi]
impl NativeFrameReader {
    /// Asks for the next item: it is delivered to the media sink as soon as there is one
    /// (at once if one is buffered), or `"ended"` once the track ended or the reader was
    /// closed and nothing is left. Asking again before the delivery changes nothing.
    #[napi]
    pub fn request(&self) {
        lock(&self.core.state).wanted = true;
        self.core.pump();
    }

    /// Items dropped because the reader was behind (video: the oldest frames; audio: the
    /// blocks that did not fit).
    #[napi(getter)]
    pub fn dropped(&self) -> f64 {
        let s = lock(&self.core.state);
        let live = s.stream.as_ref().map_or(0, Media::dropped);
        (s.dropped_before + live + s.skipped) as f64
    }

    /// Stops reading: the track's stream is closed; a pending request is answered with
    /// `"ended"`.
    #[napi]
    pub fn close(&self) {
        self.core.close();
        self.core.pump();
    }
}

impl Drop for NativeFrameReader {
    /// A reader JavaScript collected without closing it detaches from its track.
    fn drop(&mut self) {
        self.core.close();
    }
}

/// One item of media for JavaScript, or a status: `"ended"`, or `"skipped"` (a frame that
/// could not be converted, a corrupt JPEG: ask again).
#[napi(object)]
pub struct MediaChunk {
    /// `"video"`, `"audio"`, `"ended"` or `"skipped"`.
    pub kind: String,
    /// Capture time in microseconds.
    pub timestamp: f64,
    /// Video: visible width.
    pub width: u32,
    /// Video: visible height.
    pub height: u32,
    /// Video: pixel format name; audio: `"f32"` (interleaved).
    pub format: String,
    /// The bytes: tightly packed planes (video) or little-endian f32 samples (audio).
    pub data: Option<Buffer>,
    /// Audio: sample rate.
    pub sample_rate: u32,
    /// Audio: channels.
    pub number_of_channels: u32,
    /// Audio: frames (samples per channel).
    pub number_of_frames: u32,
    /// Duration in microseconds (0 when unknown).
    pub duration: f64,
}

impl MediaChunk {
    fn status(kind: &str) -> Self {
        MediaChunk {
            kind: kind.to_string(),
            timestamp: 0.0,
            width: 0,
            height: 0,
            format: String::new(),
            data: None,
            sample_rate: 0,
            number_of_channels: 0,
            number_of_frames: 0,
            duration: 0.0,
        }
    }
}

impl From<Delivery> for MediaChunk {
    fn from(d: Delivery) -> Self {
        match d {
            Delivery::Video(f, format) => video_chunk(&f, format),
            Delivery::Audio(a) => audio_chunk(&a),
            Delivery::Ended => MediaChunk::status("ended"),
        }
    }
}

fn video_chunk(f: &VideoFrame, want: Option<PixelFormat>) -> MediaChunk {
    let target = want.unwrap_or(match f.format() {
        PixelFormat::Mjpeg => PixelFormat::I420,
        other => other,
    });
    let Ok(tight) = mediacapture_frame::convert(f, target) else {
        return MediaChunk::status("skipped");
    };
    MediaChunk {
        kind: "video".into(),
        timestamp: tight.timestamp() as f64,
        width: tight.display_width(),
        height: tight.display_height(),
        format: format_name(target).into(),
        data: Some(Buffer::from(tight.to_packed_vec())),
        sample_rate: 0,
        number_of_channels: 0,
        number_of_frames: 0,
        duration: tight.duration().unwrap_or(0) as f64,
    }
}

fn audio_chunk(a: &AudioData) -> MediaChunk {
    let samples = a.to_f32_interleaved();
    let mut bytes = Vec::with_capacity(samples.len() * 4);
    for s in samples {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    MediaChunk {
        kind: "audio".into(),
        timestamp: a.timestamp() as f64,
        width: 0,
        height: 0,
        format: "f32".into(),
        data: Some(Buffer::from(bytes)),
        sample_rate: a.sample_rate(),
        number_of_channels: a.channels(),
        number_of_frames: u32::try_from(a.frames()).unwrap_or(u32::MAX),
        duration: a.duration() as f64,
    }
}
