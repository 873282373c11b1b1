//! PulseAudio backend (also works with PipeWire's PulseAudio server): microphones, monitors
//! and speakers.
//!
//! - Sources (monitors of sinks included, labelled as PulseAudio labels them, e.g.
//!   `"Monitor of TestSink"`) are `audioinput` devices; sinks are `audiooutput` devices,
//!   played to through [`Backend::open_output`] (a playback stream per output, see
//!   `playback.rs`).
//! - Raw ids are the PulseAudio names (stable across runs); the raw group id is the card's
//!   name, or the sink's name for a sink without card and for its monitor, so that a sink
//!   and its monitor (and a card's source and sink) share a `groupId`.
//! - The server's default source and sink are flagged `is_default`.
//! - The system audio ([`Backend::system_audio`]), Chromium's loopback device on Linux: the
//!   monitor of the server's default sink, labelled `"System Audio"`, with the capabilities
//!   of that monitor. Its raw id is [`SYSTEM_AUDIO_ID`] (raw group id the same), not the
//!   monitor's name, so that it is told apart from the monitor listed as a microphone; each
//!   open (a reopen too) records from the default sink's monitor of that moment.
//! - Capture runs a record stream on a thread of its own, in 10 ms blocks of signed
//!   16-bit samples ([`SampleFormat::I16`](mediacapture_frame::SampleFormat::I16)) at the
//!   opened rate and channel count; PulseAudio resamples and remixes to any rate and channel
//!   count we ask for, so the capabilities list the common rates and mono/stereo besides the
//!   device's own format. No echo cancellation, gain control or noise suppression is done
//!   here, so those capabilities are `[false]`.
//! - When no server is reachable, [`PulseBackend`] lists no devices (not an error).
//!
//! libpulse is linked when the crate is built with the `pulse` feature, so it must be
//! installed where such a binary runs.

use crate::thread_source::{Control, Opening, ThreadSource};
use crate::{
    Backend, DeviceChangeCallback, DeviceDescriptor, NativeCapabilities, NativeConfig, Source,
    SourceEvent, SourceSink, clock,
};
mod playback;

use libpulse_binding as pa;
use mediacapture_frame::AudioData;
use mediacapture_types::native::AudioCapabilities;
use mediacapture_types::{EchoCancellation, Error, MediaDeviceKind, Result};
use pa::context::{Context, FlagSet as ContextFlags, State as ContextState};
use pa::mainloop::standard::{IterateResult, Mainloop};
use pa::operation::State as OpState;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Sample rates PulseAudio converts to (besides the device's own, listed first).
const RATES: [u32; 5] = [48000, 44100, 32000, 16000, 8000];
/// Latency range we report, in seconds. The introspection API gives no per-source range;
/// the capture requests `fragsize` = latency, which PulseAudio clamps to what the source
/// supports. 10 ms is also our block size.
const LATENCY: (f64, f64) = (0.01, 2.0);
/// The raw id (and raw group id) of the system-audio source: PulseAudio's own name for the
/// default sink's monitor.
pub const SYSTEM_AUDIO_ID: &str = "@DEFAULT_MONITOR@";
/// The label of the system-audio source, as Chromium labels its loopback track.
pub const SYSTEM_AUDIO_LABEL: &str = "System Audio";
/// How long to wait for the server when enumerating.
const TIMEOUT: Duration = Duration::from_secs(3);

/// The PulseAudio backend.
pub struct PulseBackend {
    server: Option<String>,
    watch: Arc<WatchState>,
    watcher: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Default)]
struct WatchState {
    callbacks: Mutex<Vec<DeviceChangeCallback>>,
    stop: AtomicBool,
}

impl std::fmt::Debug for PulseBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PulseBackend")
            .field("server", &self.server)
            .finish()
    }
}

impl Default for PulseBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl PulseBackend {
    /// The backend for the default server (from `PULSE_SERVER`, the user's runtime directory,
    /// or the system server).
    pub fn new() -> Self {
        PulseBackend {
            server: None,
            watch: Arc::new(WatchState::default()),
            watcher: Mutex::new(None),
        }
    }

    /// The backend for the server at `server` (a PulseAudio server string, e.g.
    /// `unix:/run/user/1000/pulse/native`).
    pub fn with_server(server: &str) -> Self {
        let mut b = Self::new();
        b.server = Some(server.to_owned());
        b
    }

    /// `true` when the server answers.
    pub fn is_available(&self) -> bool {
        query(self.server.as_deref()).is_ok()
    }
}

impl Drop for PulseBackend {
    fn drop(&mut self) {
        self.watch.stop.store(true, Ordering::SeqCst);
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

#[derive(Debug, Clone)]
struct PaSource {
    name: String,
    description: String,
    rate: u32,
    channels: u8,
    card: Option<u32>,
    monitor_of_sink: Option<u32>,
}

#[derive(Debug, Clone)]
struct PaSink {
    index: u32,
    name: String,
    description: String,
    card: Option<u32>,
    monitor_source: Option<String>,
}

#[derive(Debug, Default)]
struct Snapshot {
    sources: Vec<PaSource>,
    sinks: Vec<PaSink>,
    cards: HashMap<u32, String>,
    default_source: Option<String>,
    default_sink: Option<String>,
}

/// A connected context on a private main loop (single thread). Field order matters: the
/// context must be freed before its main loop.
struct Conn {
    context: Context,
    mainloop: Mainloop,
}

impl Conn {
    fn connect(server: Option<&str>) -> std::result::Result<Self, String> {
        let mainloop = Mainloop::new().ok_or("cannot create a PulseAudio main loop")?;
        let mut context =
            Context::new(&mainloop, "mediacapture").ok_or("cannot create a PulseAudio context")?;
        context
            .connect(server, ContextFlags::NOAUTOSPAWN, None)
            .map_err(|e| format!("cannot connect to PulseAudio: {e}"))?;
        let mut conn = Conn { context, mainloop };
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match conn.context.get_state() {
                ContextState::Ready => return Ok(conn),
                ContextState::Failed | ContextState::Terminated => {
                    return Err("PulseAudio server not reachable".into());
                }
                _ => {}
            }
            if Instant::now() > deadline {
                return Err("PulseAudio server did not answer".into());
            }
            conn.step()?;
        }
    }

    /// One non-blocking main loop iteration; sleeps a little when nothing happened.
    fn step(&mut self) -> std::result::Result<(), String> {
        match self.mainloop.iterate(false) {
            IterateResult::Success(0) => {
                std::thread::sleep(Duration::from_millis(1));
                Ok(())
            }
            IterateResult::Success(_) => Ok(()),
            IterateResult::Quit(_) | IterateResult::Err(_) => {
                Err("PulseAudio main loop failed".into())
            }
        }
    }

    fn wait<T: ?Sized>(
        &mut self,
        op: &pa::operation::Operation<T>,
    ) -> std::result::Result<(), String> {
        let deadline = Instant::now() + TIMEOUT;
        while op.get_state() == OpState::Running {
            if Instant::now() > deadline {
                return Err("PulseAudio server did not answer".into());
            }
            self.step()?;
        }
        Ok(())
    }
}

fn query(server: Option<&str>) -> std::result::Result<Snapshot, String> {
    let mut conn = Conn::connect(server)?;
    let snap = Rc::new(RefCell::new(Snapshot::default()));
    let intro = conn.context.introspect();
    let s = snap.clone();
    let op = intro.get_server_info(move |info| {
        let mut s = s.borrow_mut();
        s.default_source = info.default_source_name.as_deref().map(str::to_owned);
        s.default_sink = info.default_sink_name.as_deref().map(str::to_owned);
    });
    conn.wait(&op)?;
    let s = snap.clone();
    let op = intro.get_card_info_list(move |r| {
        if let pa::callbacks::ListResult::Item(c) = r {
            if let Some(name) = &c.name {
                s.borrow_mut().cards.insert(c.index, name.to_string());
            }
        }
    });
    conn.wait(&op)?;
    let s = snap.clone();
    let op = intro.get_sink_info_list(move |r| {
        if let pa::callbacks::ListResult::Item(i) = r {
            if let Some(name) = &i.name {
                s.borrow_mut().sinks.push(PaSink {
                    index: i.index,
                    name: name.to_string(),
                    description: i.description.as_deref().unwrap_or(name).to_owned(),
                    card: i.card,
                    monitor_source: i.monitor_source_name.as_deref().map(str::to_owned),
                });
            }
        }
    });
    conn.wait(&op)?;
    let s = snap.clone();
    let op = intro.get_source_info_list(move |r| {
        if let pa::callbacks::ListResult::Item(i) = r {
            if let Some(name) = &i.name {
                s.borrow_mut().sources.push(PaSource {
                    name: name.to_string(),
                    description: i.description.as_deref().unwrap_or(name).to_owned(),
                    rate: i.sample_spec.rate,
                    channels: i.sample_spec.channels,
                    card: i.card,
                    monitor_of_sink: i.monitor_of_sink,
                });
            }
        }
    });
    conn.wait(&op)?;
    conn.context.disconnect();
    drop(op);
    Ok(snap.replace(Snapshot::default()))
}

/// The device descriptors of a snapshot.
fn descriptors(s: &Snapshot) -> Vec<DeviceDescriptor> {
    let sink_group = |sink: &PaSink| {
        sink.card
            .and_then(|c| s.cards.get(&c).cloned())
            .unwrap_or_else(|| sink.name.clone())
    };
    let mut out = Vec::new();
    for src in &s.sources {
        let group = match src.monitor_of_sink {
            Some(idx) => s
                .sinks
                .iter()
                .find(|k| k.index == idx)
                .map(sink_group)
                .unwrap_or_else(|| src.name.clone()),
            None => src
                .card
                .and_then(|c| s.cards.get(&c).cloned())
                .unwrap_or_else(|| src.name.clone()),
        };
        out.push(DeviceDescriptor {
            raw_id: src.name.clone(),
            raw_group_id: group,
            kind: MediaDeviceKind::AudioInput,
            label: src.description.clone(),
            is_default: s.default_source.as_deref() == Some(src.name.as_str()),
            capabilities: NativeCapabilities::Audio(capabilities(src.rate, src.channels)),
        });
    }
    for sink in &s.sinks {
        out.push(DeviceDescriptor {
            raw_id: sink.name.clone(),
            raw_group_id: sink_group(sink),
            kind: MediaDeviceKind::AudioOutput,
            label: sink.description.clone(),
            is_default: s.default_sink.as_deref() == Some(sink.name.as_str()),
            capabilities: NativeCapabilities::Output,
        });
    }
    out
}

/// The monitor source of the server's default sink: what the system audio records.
fn default_monitor(s: &Snapshot) -> Option<&PaSource> {
    let default = s.default_sink.as_deref()?;
    let sink = s.sinks.iter().find(|k| k.name == default)?;
    let monitor = sink.monitor_source.as_deref()?;
    s.sources.iter().find(|src| src.name == monitor)
}

/// What a source can deliver: its own format first, then what PulseAudio converts to.
fn capabilities(rate: u32, channels: u8) -> AudioCapabilities {
    let mut sample_rates = vec![rate];
    sample_rates.extend(RATES.iter().filter(|&&r| r != rate));
    let native = u32::from(channels).clamp(1, 32);
    let mut channel_counts = vec![native];
    channel_counts.extend((1..=native.max(2)).filter(|&c| c != native));
    AudioCapabilities {
        sample_rates,
        channel_counts,
        sample_sizes: vec![16],
        latency: LATENCY,
        echo_cancellation: vec![EchoCancellation::Bool(false)],
        auto_gain_control: vec![false],
        noise_suppression: vec![false],
    }
}

impl Backend for PulseBackend {
    fn name(&self) -> &'static str {
        "pulse"
    }

    fn devices(&self) -> Result<Vec<DeviceDescriptor>> {
        match query(self.server.as_deref()) {
            Ok(s) => Ok(descriptors(&s)),
            Err(e) => {
                tracing::debug!("pulse: {e}");
                Ok(Vec::new())
            }
        }
    }

    fn system_audio(&self) -> Result<Option<DeviceDescriptor>> {
        let snap = match query(self.server.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!("pulse: {e}");
                return Ok(None);
            }
        };
        Ok(default_monitor(&snap).map(|src| DeviceDescriptor {
            raw_id: SYSTEM_AUDIO_ID.to_owned(),
            raw_group_id: SYSTEM_AUDIO_ID.to_owned(),
            kind: MediaDeviceKind::AudioInput,
            label: SYSTEM_AUDIO_LABEL.to_owned(),
            is_default: false,
            capabilities: NativeCapabilities::Audio(capabilities(src.rate, src.channels)),
        }))
    }

    fn open(
        &self,
        raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>> {
        let NativeConfig::Audio(a) = config else {
            return Err(Error::not_readable(format!(
                "a PulseAudio source cannot be opened in {config}"
            )));
        };
        let snap = query(self.server.as_deref())
            .map_err(|e| Error::not_readable(format!("PulseAudio: {e}")))?;
        let found = if raw_id == SYSTEM_AUDIO_ID {
            Some(default_monitor(&snap).ok_or_else(|| {
                Error::not_found("PulseAudio: no default sink with a monitor to capture")
            })?)
        } else {
            snap.sources.iter().find(|s| s.name == raw_id)
        };
        let Some(src) = found else {
            if snap.sinks.iter().any(|s| s.name == raw_id) {
                return Err(Error::not_found(format!(
                    "{raw_id:?} is an audio output device: nothing to capture"
                )));
            }
            return Err(Error::not_found(format!("no PulseAudio source {raw_id:?}")));
        };
        NativeCapabilities::Audio(capabilities(src.rate, src.channels))
            .require(config, &format!("PulseAudio source {:?}", src.name))?;
        let ctl = Control::new();
        let job = Capture {
            server: self.server.clone(),
            device: src.name.clone(),
            rate: a.sample_rate,
            channels: u8::try_from(a.channel_count).unwrap_or(u8::MAX),
            latency: a.latency,
            ctl: ctl.clone(),
        };
        let source = ThreadSource::spawn_opening(
            format!("pulse-{raw_id}"),
            config.clone(),
            ctl,
            sink,
            move |sink, opening| job.run(&*sink, opening),
        )?;
        Ok(Box::new(source))
    }

    /// Plays to a sink (see the `playback` module).
    fn open_output(
        &self,
        raw_id: &str,
        config: &crate::output::OutputConfig,
        feed: Arc<dyn crate::output::OutputFeed>,
    ) -> Result<Box<dyn crate::output::AudioOutput>> {
        let snap = query(self.server.as_deref())
            .map_err(|e| Error::not_readable(format!("PulseAudio: {e}")))?;
        if !snap.sinks.iter().any(|s| s.name == raw_id) {
            return Err(Error::not_found(format!("no PulseAudio sink {raw_id:?}")));
        }
        playback::open(self.server.clone(), raw_id, config, feed)
    }

    fn watch_devices(&self, callback: DeviceChangeCallback) {
        self.watch
            .callbacks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(callback);
        let mut w = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if w.is_none() {
            let state = self.watch.clone();
            let server = self.server.clone();
            match std::thread::Builder::new()
                .name("pulse-watch".into())
                .spawn(move || run_watcher(server.as_deref(), &state))
            {
                Ok(t) => *w = Some(t),
                Err(e) => tracing::error!("pulse: cannot start the device watcher: {e}"),
            }
        }
    }
}

/// Watches the server for sources and sinks coming and going (and default changes), and
/// calls the callbacks. Reconnects after a lost server every second.
fn run_watcher(server: Option<&str>, state: &WatchState) {
    let fire = || {
        let cbs = state
            .callbacks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for cb in cbs {
            cb();
        }
    };
    let mut was_connected = false;
    while !state.stop.load(Ordering::SeqCst) {
        let Ok(mut conn) = Conn::connect(server) else {
            if was_connected {
                // The server went away: its devices did too.
                was_connected = false;
                fire();
            }
            sleep_unless_stopped(state, Duration::from_secs(1));
            continue;
        };
        if !was_connected && !state.stop.load(Ordering::SeqCst) {
            was_connected = true;
        }
        let changed = Rc::new(RefCell::new(false));
        let c = changed.clone();
        conn.context
            .set_subscribe_callback(Some(Box::new(move |facility, op, _index| {
                use pa::context::subscribe::{Facility, Operation};
                let relevant = matches!(
                    (facility, op),
                    (
                        Some(Facility::Source | Facility::Sink),
                        Some(Operation::New | Operation::Removed)
                    ) | (Some(Facility::Server), Some(Operation::Changed))
                );
                if relevant {
                    *c.borrow_mut() = true;
                }
            })));
        use pa::context::subscribe::InterestMaskSet;
        let _op = conn.context.subscribe(
            InterestMaskSet::SOURCE | InterestMaskSet::SINK | InterestMaskSet::SERVER,
            |_| {},
        );
        loop {
            if state.stop.load(Ordering::SeqCst) {
                return;
            }
            let step = match conn.mainloop.iterate(false) {
                IterateResult::Success(n) => Ok(n),
                _ => Err(()),
            };
            if !matches!(conn.context.get_state(), ContextState::Ready) || step.is_err() {
                break;
            }
            if changed.replace(false) {
                fire();
            }
            if step == Ok(0) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

fn sleep_unless_stopped(state: &WatchState, d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end && !state.stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Capture {
    server: Option<String>,
    device: String,
    rate: u32,
    channels: u8,
    latency: f64,
    ctl: Arc<Control>,
}

impl Capture {
    fn run(self, sink: &dyn SourceSink, opening: Opening) {
        crate::realtime::promote_audio_thread();
        match self.connect() {
            Ok((conn, stream)) => {
                opening.report(Ok(()));
                self.pump(conn, stream, sink);
            }
            Err(e) => opening.report(Err(e)),
        }
    }

    /// Connects a record stream to the device. `DONT_MOVE`: when the device goes away the
    /// stream fails (and the track ends) instead of PulseAudio moving it to another source.
    fn connect(&self) -> Result<(Conn, pa::stream::Stream)> {
        use pa::stream::{FlagSet, State, Stream};
        let spec = pa::sample::Spec {
            format: pa::sample::Format::S16NE,
            channels: self.channels,
            rate: self.rate,
        };
        if !spec.is_valid() {
            return Err(Error::not_readable(format!(
                "PulseAudio cannot capture {} Hz, {} channels",
                self.rate, self.channels
            )));
        }
        let mut conn = Conn::connect(self.server.as_deref())
            .map_err(|e| Error::not_readable(format!("PulseAudio: {e}")))?;
        let mut stream = Stream::new(&mut conn.context, "capture", &spec, None)
            .ok_or_else(|| Error::not_readable("PulseAudio: cannot create a record stream"))?;
        let frame_bytes = 2 * u32::from(self.channels);
        let fragsize = (self.latency * f64::from(self.rate)) as u32 * frame_bytes;
        let attr = pa::def::BufferAttr {
            maxlength: u32::MAX,
            tlength: u32::MAX,
            prebuf: u32::MAX,
            minreq: u32::MAX,
            fragsize: fragsize.max(frame_bytes),
        };
        let flags = FlagSet::DONT_MOVE
            | FlagSet::ADJUST_LATENCY
            | FlagSet::AUTO_TIMING_UPDATE
            | FlagSet::INTERPOLATE_TIMING;
        let fail = |conn: &Conn, what: &str| {
            stream_error(
                conn,
                &format!("cannot record from {:?}: {what}", self.device),
            )
        };
        if stream
            .connect_record(Some(&self.device), Some(&attr), flags)
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
                    "PulseAudio: the record stream did not start",
                ));
            }
            conn.step()
                .map_err(|e| Error::not_readable(format!("PulseAudio: {e}")))?;
        }
    }

    /// Moves data from the stream to the sink in 10 ms blocks until stopped or failed.
    ///
    /// When the server dies or the device goes away, the source reports
    /// `SourceEvent::Ended(Some(error))` at once and delivers nothing after it (data that
    /// arrived with the failure is dropped: it cannot be timed any more).
    fn pump(&self, mut conn: Conn, mut stream: pa::stream::Stream, sink: &dyn SourceSink) {
        use pa::stream::{PeekResult, State};
        let frame_bytes = 2 * usize::from(self.channels);
        let block = (self.rate / 100).max(1) as usize;
        let block_bytes = block * frame_bytes;
        let mut acc: Vec<u8> = Vec::with_capacity(block_bytes * 4);
        let mut timeline = Timeline::new(self.rate, block);
        let ended = |why: String, not_found: bool| {
            let msg = format!("PulseAudio source {:?} {why}", self.device);
            let e = if not_found {
                Error::not_found(msg)
            } else {
                Error::not_readable(msg)
            };
            sink.on_event(SourceEvent::Ended(Some(e)));
        };
        while !self.ctl.stopped() {
            // Wait up to 20 ms for the server, so that a stop request is seen promptly even
            // when no data comes.
            let waited = conn
                .mainloop
                .prepare(Some(pa::time::MicroSeconds(20_000)))
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
            loop {
                match stream.peek() {
                    Ok(PeekResult::Empty) => break,
                    Ok(PeekResult::Hole(n)) => {
                        acc.extend(std::iter::repeat_n(0u8, n));
                        let _ = stream.discard();
                    }
                    Ok(PeekResult::Data(d)) => {
                        acc.extend_from_slice(d);
                        let _ = stream.discard();
                    }
                    Err(e) => {
                        ended(format!("read failed: {e}"), false);
                        return;
                    }
                }
            }
            let latency = match stream.get_latency() {
                Ok(pa::stream::Latency::Positive(l)) => l.0 as i64,
                _ => 0,
            };
            let mut offset = 0;
            while acc.len() - offset >= block_bytes {
                // The newest sample in `acc` was captured `latency` ago.
                let pending_us =
                    ((acc.len() - offset) / frame_bytes) as f64 * 1e6 / f64::from(self.rate);
                let measured = clock::now_us() - latency - pending_us as i64;
                let ts = timeline.stamp(measured);
                let samples: Vec<i16> = acc[offset..offset + block_bytes]
                    .chunks_exact(2)
                    .map(|b| i16::from_ne_bytes([b[0], b[1]]))
                    .collect();
                offset += block_bytes;
                if self.ctl.stopped() {
                    break;
                }
                match AudioData::from_i16(self.rate, u32::from(self.channels), &samples, ts) {
                    Ok(a) => sink.on_audio(a),
                    Err(e) => tracing::warn!("pulse: bad block: {e}"),
                }
            }
            acc.drain(..offset);
        }
        let _ = stream.disconnect();
        drop(stream);
        drop(conn);
    }
}

/// Timestamps of successive audio blocks: the sample clock from the first block, re-anchored
/// on the measured capture time when the two drift apart by more than [`Timeline::DRIFT_US`],
/// and never going back (a block never starts before the previous one ends, as a re-anchor
/// backwards, e.g. once the server's first latency figure arrives, would make them overlap).
#[derive(Debug)]
struct Timeline {
    rate: u32,
    block: u64,
    /// The anchor's time and how many frames were stamped since.
    anchor: Option<(i64, u64)>,
    /// Where the previous block ends.
    next_free: Option<i64>,
}

impl Timeline {
    const DRIFT_US: i64 = 20_000;

    fn new(rate: u32, block: usize) -> Self {
        Timeline {
            rate: rate.max(1),
            block: block as u64,
            anchor: None,
            next_free: None,
        }
    }

    fn at(&self, t0: i64, frames: u64) -> i64 {
        t0 + (frames as f64 * 1e6 / f64::from(self.rate)) as i64
    }

    /// The timestamp of the next block, whose first sample was measured to be captured at
    /// `measured` µs.
    fn stamp(&mut self, measured: i64) -> i64 {
        let t = match self.anchor {
            Some((t0, n)) if (self.at(t0, n) - measured).abs() <= Self::DRIFT_US => self.at(t0, n),
            _ => measured,
        };
        let t = self.next_free.map_or(t, |free| t.max(free));
        let on_anchor = self.anchor.is_some_and(|(t0, n)| self.at(t0, n) == t);
        if !on_anchor {
            self.anchor = Some((t, 0));
        }
        if let Some((_, n)) = &mut self.anchor {
            *n += self.block;
        }
        let (t0, n) = self.anchor.unwrap_or((t, self.block));
        self.next_free = Some(self.at(t0, n));
        t
    }
}

/// The error for a stream that could not be set up: `NotFoundError` when the server says the
/// device does not exist, else `NotReadableError`; the message ends with the server's reason.
fn stream_error(conn: &Conn, what: &str) -> Error {
    let e = conn.context.errno();
    let msg = format!(
        "PulseAudio: {what}{}",
        e.to_string().map(|s| format!(" ({s})")).unwrap_or_default()
    );
    if pa::error::Code::try_from(e) == Ok(pa::error::Code::NoEntity) {
        Error::not_found(msg)
    } else {
        Error::not_readable(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::Timeline;

    #[test]
    fn timestamps_follow_the_sample_clock_and_never_go_back() {
        // 48 kHz, 10 ms blocks.
        let mut t = Timeline::new(48000, 480);
        assert_eq!(t.stamp(1_000_000), 1_000_000);
        // Jitter within 20 ms: the sample clock rules.
        assert_eq!(t.stamp(1_015_000), 1_010_000);
        assert_eq!(t.stamp(1_005_000), 1_020_000);
        // The measured time jumps ahead (a gap: the server dropped data): re-anchored.
        assert_eq!(t.stamp(1_500_000), 1_500_000);
        assert_eq!(t.stamp(1_510_000), 1_510_000);
        // The measured time jumps back by 100 ms (the first latency figure arrived): the
        // block starts where the previous one ended, not before.
        assert_eq!(t.stamp(1_420_000), 1_520_000);
        assert_eq!(t.stamp(1_430_000), 1_530_000);
        // A measured time that stays behind: the sample clock goes on (no overlap).
        assert_eq!(t.stamp(1_440_000), 1_540_000);
    }
}
