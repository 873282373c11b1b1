//! PulseAudio playback: an `audiooutput` device (a sink) opened as a playback stream.
//!
//! The stream is connected to the sink by name with `DONT_MOVE`: when the sink goes away
//! the stream fails and the output reports [`OutputEvent::Ended`] (the player then falls
//! back to the default output, as browsers do) instead of PulseAudio moving it silently.
//! Samples are 32-bit float, interleaved, in the opened rate and channel count (the server
//! converts to the sink's format). The server's buffer is kept at the configured latency
//! (`tlength`), refilled in 10 ms requests (`minreq`), with no prebuffer: an underrun (a
//! late write) costs a gap but never lasting delay (see `connect`). Each block is pulled
//! from the feed when the server asks for it, stamped with the time it will be heard: now
//! plus the stream's latency as the server reports it (buffer plus sink).

use super::{Conn, TIMEOUT, stream_error};
use crate::clock;
use crate::output::{AudioOutput, OutputConfig, OutputEvent, OutputFeed};
use libpulse_binding as pa;
use mediacapture_types::{Error, Result};
use pa::context::State as ContextState;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::Instant;

/// Opens `sink` for playback on its own thread; returns once the stream plays (or failed).
pub(super) fn open(
    server: Option<String>,
    sink: &str,
    config: &OutputConfig,
    feed: Arc<dyn OutputFeed>,
) -> Result<Box<dyn AudioOutput>> {
    config.check()?;
    let stop = Arc::new(AtomicBool::new(false));
    let latency = Arc::new(AtomicI64::new((config.latency * 1e6) as i64));
    let (tx, rx) = mpsc::channel();
    let job = Playback {
        server,
        device: sink.to_owned(),
        config: *config,
        stop: stop.clone(),
        latency: latency.clone(),
        feed,
    };
    let thread = std::thread::Builder::new()
        .name(format!("pulse-out-{sink}"))
        .spawn(move || job.run(tx))
        .map_err(|e| Error::not_readable(format!("cannot start playback thread: {e}")))?;
    match rx.recv() {
        Ok(Ok(())) => Ok(Box::new(PulseOutput {
            config: *config,
            stop,
            latency,
            thread: Some(thread),
        })),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(Error::not_readable("PulseAudio playback thread failed"))
        }
    }
}

struct PulseOutput {
    config: OutputConfig,
    stop: Arc<AtomicBool>,
    latency: Arc<AtomicI64>,
    thread: Option<JoinHandle<()>>,
}

impl AudioOutput for PulseOutput {
    fn config(&self) -> &OutputConfig {
        &self.config
    }

    fn latency_us(&self) -> i64 {
        self.latency.load(Ordering::Relaxed)
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

impl Drop for PulseOutput {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Playback {
    server: Option<String>,
    device: String,
    config: OutputConfig,
    stop: Arc<AtomicBool>,
    latency: Arc<AtomicI64>,
    feed: Arc<dyn OutputFeed>,
}

impl Playback {
    fn run(self, opened: mpsc::Sender<Result<()>>) {
        crate::realtime::promote_audio_thread();
        match self.connect() {
            Ok((conn, stream)) => {
                let _ = opened.send(Ok(()));
                self.pump(conn, stream);
            }
            Err(e) => {
                let _ = opened.send(Err(e));
            }
        }
    }

    fn frame_bytes(&self) -> usize {
        4 * self.config.channels as usize
    }

    fn connect(&self) -> Result<(Conn, pa::stream::Stream)> {
        use pa::stream::{FlagSet, State, Stream};
        let channels = u8::try_from(self.config.channels)
            .map_err(|_| Error::type_error("too many channels"))?;
        let spec = pa::sample::Spec {
            format: pa::sample::Format::FLOAT32NE,
            channels,
            rate: self.config.sample_rate,
        };
        if !spec.is_valid() {
            return Err(Error::type_error(format!(
                "PulseAudio cannot play {} Hz, {} channels",
                self.config.sample_rate, self.config.channels
            )));
        }
        let mut conn = Conn::connect(self.server.as_deref())
            .map_err(|e| Error::not_readable(format!("PulseAudio: {e}")))?;
        let mut stream = Stream::new(&mut conn.context, "playback", &spec, None)
            .ok_or_else(|| Error::not_readable("PulseAudio: cannot create a playback stream"))?;
        let fb = self.frame_bytes() as u32;
        let bytes_of = |s: f64| ((s * f64::from(self.config.sample_rate)) as u32).max(1) * fb;
        // prebuf 0: the stream never stops to refill. With a prebuffer (PulseAudio's default,
        // the whole tlength), a write that comes late (this thread descheduled on a loaded
        // machine) makes the server stop the stream until the buffer is full again: the time
        // of the gap is never made up, so every such underrun added its length to the delay
        // of everything played after it, for good (the player's jitter buffer took up the
        // audio the output did not pull, and could only work it off at its 0.5 % drift
        // speed). Without a prebuffer the server keeps time through an underrun, as a sound
        // card does: it plays silence for what is missing, asks for the missed amount, and
        // drops what is written for a time already past. One gap, no lasting delay.
        let attr = pa::def::BufferAttr {
            maxlength: u32::MAX,
            tlength: bytes_of(self.config.latency),
            prebuf: 0,
            minreq: bytes_of(0.01).min(bytes_of(self.config.latency)),
            fragsize: u32::MAX,
        };
        let flags = FlagSet::DONT_MOVE
            | FlagSet::ADJUST_LATENCY
            | FlagSet::AUTO_TIMING_UPDATE
            | FlagSet::INTERPOLATE_TIMING;
        let fail = |conn: &Conn, what: &str| {
            stream_error(conn, &format!("cannot play to {:?}: {what}", self.device))
        };
        if stream
            .connect_playback(Some(&self.device), Some(&attr), flags, None, None)
            .is_err()
        {
            return Err(fail(&conn, "connect failed"));
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match stream.get_state() {
                State::Ready => return Ok((conn, stream)),
                State::Failed | State::Terminated => return Err(fail(&conn, "stream failed")),
                _ => {}
            }
            if Instant::now() > deadline {
                return Err(Error::not_readable(
                    "PulseAudio: the playback stream did not start",
                ));
            }
            conn.step()
                .map_err(|e| Error::not_readable(format!("PulseAudio: {e}")))?;
        }
    }

    /// Feeds the stream in 10 ms blocks as the server asks, until stopped or failed.
    fn pump(&self, mut conn: Conn, mut stream: pa::stream::Stream) {
        use pa::stream::{SeekMode, State};
        let ch = self.config.channels as usize;
        let block_frames = (self.config.sample_rate / 100).max(1) as usize;
        let mut block = vec![0.0f32; block_frames * ch];
        let mut bytes: Vec<u8> = Vec::with_capacity(block.len() * 4);
        let ended = |why: String, not_found: bool| {
            let msg = format!("PulseAudio sink {:?} {why}", self.device);
            let e = if not_found {
                Error::not_found(msg)
            } else {
                Error::not_readable(msg)
            };
            self.feed.on_event(OutputEvent::Ended(e));
        };
        while !self.stop.load(Ordering::SeqCst) {
            // Wait up to 5 ms for the server, so that a stop request is seen promptly.
            let waited = conn
                .mainloop
                .prepare(Some(pa::time::MicroSeconds(5_000)))
                .and_then(|()| conn.mainloop.poll())
                .and_then(|_| conn.mainloop.dispatch());
            if waited.is_err() || conn.context.get_state() != ContextState::Ready {
                ended("lost the connection to the server".into(), false);
                return;
            }
            match stream.get_state() {
                State::Failed | State::Terminated => {
                    ended("is gone".into(), true);
                    return;
                }
                _ => {}
            }
            let mut writable = stream.writable_size().unwrap_or(0);
            while writable >= block.len() * 4 && !self.stop.load(Ordering::SeqCst) {
                let latency = match stream.get_latency() {
                    Ok(pa::stream::Latency::Positive(l)) => l.0 as i64,
                    _ => 0,
                };
                self.latency.store(latency, Ordering::Relaxed);
                block.fill(0.0);
                self.feed.fill(&mut block, clock::now_us() + latency);
                bytes.clear();
                bytes.extend(block.iter().flat_map(|s| s.to_ne_bytes()));
                if let Err(e) = stream.write_copy(&bytes, 0, SeekMode::Relative) {
                    ended(format!("write failed: {e}"), false);
                    return;
                }
                writable -= bytes.len();
            }
        }
        let _ = stream.disconnect();
        drop(stream);
        drop(conn);
    }
}
