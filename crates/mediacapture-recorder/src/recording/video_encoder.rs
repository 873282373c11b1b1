//! A recording's video encoder on a thread of its own, so that `stop()` is never held
//! hostage by one frame.
//!
//! libvpx encodes a frame in one blocking call, and some frames take seconds (one 8192x8192
//! VP8 frame: about 7 s here, ffmpeg with the same settings alike). The recording still
//! waits for each frame's packets, in order, as before; but the wait is on this thread's
//! answer, and it can be cut short: once the session is stopping ([`Interrupt::raise`]), a
//! frame still in the encoder after [`FINISH_WAIT`] is abandoned. The recording is then
//! finalized with what was encoded before it, on time; the encoder thread finishes that
//! frame in the background and its packets are thrown away.
//!
//! Chromium runs its MediaRecorder encoders on encoder threads too, and a stop never waits
//! for more than the frames already in them; the bound on that wait is ours.

use super::EncodeHook;
use crate::encode::EncodedPacket;
use crate::encode::vpx::{VpxEncoder, VpxSettings};
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_types::{Error, Result};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

/// How long a stopping recording waits for the frame in the encoder before it abandons it.
/// Frames up to 4K take milliseconds; only sizes the encoder cannot keep up with (and a
/// machine stalled for a second) reach it.
pub(crate) const FINISH_WAIT: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
struct Signal {
    stopping: Mutex<bool>,
    cv: Condvar,
}

impl Signal {
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.stopping.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn notify(&self) {
        let _g = self.lock();
        self.cv.notify_all();
    }
}

/// "This session is stopping": raised by whoever queues the session's `Finish`, so that a
/// wait for the encoder can give up after [`FINISH_WAIT`]. One per session; a recording
/// without one (driven on the caller's thread) always waits for the encoder.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<Signal>);

impl Interrupt {
    /// A new, lowered interrupt.
    pub fn new() -> Self {
        Self::default()
    }

    /// The session is stopping: waits for the encoder are bounded from now on.
    pub fn raise(&self) {
        let mut g = self.0.lock();
        *g = true;
        self.0.cv.notify_all();
    }
}

enum Job {
    Encode {
        frame: VideoFrame,
        media: i64,
        duration: i64,
    },
    Flush,
}

/// A video encoder whose frames are encoded on its own thread (see the module docs).
pub(super) struct VideoEncoder {
    jobs: Option<mpsc::Sender<Job>>,
    results: mpsc::Receiver<Result<Vec<EncodedPacket>>>,
    interrupt: Interrupt,
    wait: Duration,
}

impl VideoEncoder {
    /// Starts the encoder thread. The libvpx encoder is made at the first frame, and made
    /// again at each change of frame size (as Chromium does; the new size starts with a
    /// keyframe). `hook` runs on the encoder thread before each frame.
    pub(super) fn new(
        settings: VpxSettings,
        hook: Option<EncodeHook>,
        interrupt: Interrupt,
    ) -> Result<Self> {
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (result_tx, results) = mpsc::channel();
        let signal = interrupt.0.clone();
        std::thread::Builder::new()
            .name("recorder-video".into())
            .spawn(move || {
                let mut enc: Option<VpxEncoder> = None;
                for job in job_rx {
                    let r = match job {
                        Job::Encode {
                            frame,
                            media,
                            duration,
                        } => {
                            if let Some(h) = &hook {
                                (h.0)();
                            }
                            encode(&mut enc, &settings, &frame, media, duration)
                        }
                        Job::Flush => {
                            let mut out = Vec::new();
                            match enc.as_mut() {
                                Some(e) => e.flush(&mut out).map(|()| out),
                                None => Ok(out),
                            }
                        }
                    };
                    if result_tx.send(r).is_err() {
                        // Abandoned: nobody waits for this encoder any more.
                        return;
                    }
                    signal.notify();
                }
            })
            .map_err(|e| Error::unknown(format!("cannot start the video encoder thread: {e}")))?;
        Ok(VideoEncoder {
            jobs: Some(jobs),
            results,
            interrupt,
            wait: FINISH_WAIT,
        })
    }

    /// Encodes `frame` (any format: converted to I420 on the encoder thread) at media time
    /// `media`, lasting `duration`. `Ok(None)`: the session is stopping and the frame took
    /// longer than [`FINISH_WAIT`]; the encoder is abandoned.
    pub(super) fn encode(
        &mut self,
        frame: &VideoFrame,
        media: i64,
        duration: i64,
    ) -> Result<Option<Vec<EncodedPacket>>> {
        self.run(Job::Encode {
            frame: frame.clone(),
            media,
            duration,
        })
    }

    /// Flushes the encoder (end of stream): `Ok(None)` as for [`VideoEncoder::encode`].
    pub(super) fn flush(&mut self) -> Result<Option<Vec<EncodedPacket>>> {
        self.run(Job::Flush)
    }

    fn run(&mut self, job: Job) -> Result<Option<Vec<EncodedPacket>>> {
        let lost = || Error::unknown("the video encoder thread is gone");
        let jobs = self.jobs.as_ref().ok_or_else(lost)?;
        jobs.send(job).map_err(|_| lost())?;
        let signal = &self.interrupt.0;
        let mut deadline: Option<Instant> = None;
        let mut stopping = signal.lock();
        loop {
            match self.results.try_recv() {
                Ok(r) => return r.map(Some),
                Err(mpsc::TryRecvError::Disconnected) => return Err(lost()),
                Err(mpsc::TryRecvError::Empty) => {}
            }
            // The encoder thread notifies under the signal's lock after it sends, so no
            // answer is missed between the look above and the wait below.
            if *stopping {
                let deadline = *deadline.get_or_insert_with(|| Instant::now() + self.wait);
                let now = Instant::now();
                if now >= deadline {
                    drop(stopping);
                    // Abandon: the thread ends once its frame is done. (Counted in the
                    // recording's stats as an abandoned frame.)
                    self.jobs = None;
                    return Ok(None);
                }
                stopping = signal
                    .cv
                    .wait_timeout(stopping, deadline - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            } else {
                stopping = signal.cv.wait(stopping).unwrap_or_else(|p| p.into_inner());
            }
        }
    }
}

/// Encodes one frame on the encoder thread, making the encoder at the first frame and again
/// at a size change.
fn encode(
    enc: &mut Option<VpxEncoder>,
    settings: &VpxSettings,
    frame: &VideoFrame,
    media: i64,
    duration: i64,
) -> Result<Vec<EncodedPacket>> {
    // Other formats, and crops at odd offsets, are converted (and cropped) to I420.
    let converted;
    let frame = match frame.i420_visible_planes() {
        Some(_) => frame,
        None => {
            converted = mediacapture_frame::convert(frame, PixelFormat::I420).map_err(|e| {
                Error::not_supported(format!("cannot record {:?} video: {e}", frame.format()))
            })?;
            &converted
        }
    };
    let (w, h) = (frame.visible_rect().width, frame.visible_rect().height);
    let (planes, strides) = frame
        .i420_visible_planes()
        .ok_or_else(|| Error::unknown("the converted frame is not I420"))?;
    let mut out = Vec::new();
    // Frame size change: Chromium re-creates the encoder; the new size starts with a
    // keyframe and WebM allows it (the track header keeps the first size).
    if enc.as_ref().is_some_and(|e| e.size() != (w, h)) {
        if let Some(mut old) = enc.take() {
            old.flush(&mut out)?;
        }
    }
    let e = match enc {
        Some(e) => e,
        None => enc.insert(VpxEncoder::new(*settings, w, h)?),
    };
    e.encode(planes, strides, media, duration, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
    use super::*;
    use crate::mime::VideoCodec;

    fn frame(w: u32, h: u32) -> VideoFrame {
        let n = (w * h + 2 * w.div_ceil(2) * h.div_ceil(2)) as usize;
        VideoFrame::new(PixelFormat::I420, w, h, vec![90u8; n], 0).unwrap()
    }

    #[test]
    fn frames_come_back_encoded_in_order_and_a_size_change_starts_a_keyframe() {
        let settings = VpxSettings::new(VideoCodec::Vp8, 500_000);
        let mut enc = VideoEncoder::new(settings, None, Interrupt::new()).unwrap();
        let a = enc.encode(&frame(64, 48), 0, 33_333).unwrap().unwrap();
        let b = enc.encode(&frame(64, 48), 33_333, 33_333).unwrap().unwrap();
        let c = enc.encode(&frame(32, 24), 66_666, 33_333).unwrap().unwrap();
        assert_eq!((a.len(), b.len()), (1, 1));
        assert!(a[0].key && !b[0].key);
        assert_eq!(c.last().map(|p| (p.pts_us, p.key)), Some((66_666, true)));
        assert!(enc.flush().unwrap().is_some());
    }

    #[test]
    fn a_stopping_session_abandons_a_frame_the_encoder_cannot_finish() {
        // The hook holds the encoder until the test lets it go.
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let go_rx = Mutex::new(go_rx);
        let hook = EncodeHook(Arc::new(move || {
            let _ = go_rx.lock().unwrap().recv();
        }));
        let interrupt = Interrupt::new();
        let settings = VpxSettings::new(VideoCodec::Vp8, 500_000);
        let mut enc = VideoEncoder::new(settings, Some(hook), interrupt.clone()).unwrap();
        enc.wait = Duration::from_millis(10);
        interrupt.raise();
        // Stopping, and the encoder never finishes: the wait gives up.
        assert!(enc.encode(&frame(64, 48), 0, 33_333).unwrap().is_none());
        // An abandoned encoder takes nothing more.
        assert!(enc.flush().is_err());
        let _ = go_tx.send(());
    }
}
