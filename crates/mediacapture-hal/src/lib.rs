//! Capture and playback backends for mediacapture.
//!
//! A backend lists devices with what they can do ([`DeviceDescriptor`]), opens one device in
//! one fixed native configuration ([`NativeConfig`]) and pushes frames to a [`SourceSink`]
//! from a thread it owns. It never sees a constraint: `mediacapture-core` decides, and the
//! `mediacapture` crate carries the decision out. Audio outputs are the mirror image
//! ([`output`]): [`Backend::open_output`] opens a speaker in one [`output::OutputConfig`] and
//! its playback thread pulls what it plays from an [`output::OutputFeed`].
//!
//! Backends:
//! - [`fake`] — always built: configurable cameras, microphones, speakers, screens and system
//!   audio that produce test patterns and tones (or play y4m / wav files); its speakers
//!   record what they play ([`fake::FakeBackend::played`]). What the tests and
//!   demos run on; selected with `MEDIACAPTURE_FAKE=1` (or `=path/to/profile.json`).
//! - `pulse` (cargo feature `pulse`, on by default) — PulseAudio / PipeWire-pulse sources
//!   (monitors included) as microphones, sinks as audio outputs, and the default sink's
//!   monitor as the system audio.
//! - `x11` (cargo feature `x11`, on by default) — X11 screens (and RandR monitors) as
//!   display surfaces, BGRA frames through MIT-SHM, read only when DAMAGE reports a change
//!   (else the previous frame is re-delivered), cursor drawn through XFixes.
//! - `window` (cargo feature `x11`) — a video output: an X11 window that shows frames,
//!   letterboxed (`window::VideoWindow`).
//! - [`v4l2`] (device side behind cargo feature `v4l2`, on by default) — V4L2 cameras; the
//!   mapping of V4L2 enumeration answers to native modes is always built.
//! - [`pipewire`] (device side behind cargo feature `pipewire`, off by default: it links
//!   libpipewire-0.3) — PipeWire `Video/Source` nodes as cameras (virtual cameras, libcamera
//!   cameras, and V4L2 cameras this process cannot open itself, e.g. in a sandbox).
//! - `pipewire::portal` (cargo feature `portal`, which turns `pipewire` on) — screens and
//!   windows through the xdg-desktop-portal ScreenCast interface, for Wayland sessions
//!   (`pipewire::PortalBackend`, chosen by [`is_wayland_session`]), and PipeWire cameras
//!   through the Camera portal for sandboxed programs (`PipeWireBackend::via_camera_portal`,
//!   chosen by [`is_sandboxed`]).
//!
//! Every timestamp comes from one process-wide monotonic clock, [`clock::now_us`], except the
//! fake backend's when it is given another [`clock::Clock`] (a manual one, in tests).
//! Every backend runs a source on one capture thread that it stops and joins the same way.
//! `unsafe` is confined to mapping the X server's shared memory (`x11::shm`).
//! [`default_backends`] is the one place that decides which backends a program uses: real
//! ones, or the fake backend when `MEDIACAPTURE_FAKE` asks for it; never fakes silently.
//!
//! ```
//! use mediacapture_hal::{Backend, fake::FakeBackend};
//! let backend = FakeBackend::default();
//! for d in backend.devices()? {
//!     println!("{:?} {} ({})", d.kind, d.label, d.raw_id);
//! }
//! # Ok::<(), mediacapture_hal::Error>(())
//! ```

pub mod clock;
pub mod fake;
pub mod output;
pub mod pipewire;
#[cfg(feature = "pulse")]
pub mod pulse;
pub mod realtime;
mod thread_source;
pub mod v4l2;
#[cfg(feature = "x11")]
pub mod window;
#[cfg(feature = "x11")]
pub mod x11;

use mediacapture_frame::{AudioData, VideoFrame};
pub use mediacapture_types::native::{DeviceDescriptor, NativeCapabilities, NativeConfig};
pub use mediacapture_types::{Error, ErrorKind, Result};
use std::sync::Arc;

/// Something that happened to an open source, reported by its backend.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SourceEvent {
    /// The source stopped delivering media for now (tracks become muted).
    Muted,
    /// The source delivers media again (tracks become unmuted).
    Unmuted,
    /// The source is gone for good (unplugged, exhausted, fatal error): its tracks end.
    /// The error says why, when it was a failure.
    Ended(Option<Error>),
    /// The source now delivers in another native configuration that it chose itself (a canvas
    /// was resized): its tracks' settings are chosen again from their constraints.
    Reconfigured(NativeConfig),
}

/// Where an open source delivers its media. Called from the backend's capture thread;
/// implementations must return quickly and never block on the consumer.
pub trait SourceSink: Send + Sync {
    /// A video frame at the opened native configuration.
    fn on_video(&self, frame: VideoFrame);
    /// A block of audio at the opened native configuration.
    fn on_audio(&self, data: AudioData);
    /// A change of the source's state.
    fn on_event(&self, event: SourceEvent);
}

/// An open source. Dropping it (or calling [`Source::stop`]) stops capture and joins the
/// capture thread; no sink call happens after `stop` returns.
pub trait Source: Send {
    /// The configuration the source was opened in.
    fn config(&self) -> &NativeConfig;
    /// Stops capture and joins the capture thread.
    fn stop(&mut self);
    /// Stops capture like [`Source::stop`], but keeps what the user granted for this source
    /// (a surface picked in the xdg-desktop-portal's dialog) for the next [`Backend::open`] of
    /// the same raw id, which reuses it instead of asking again: a source reopened in another
    /// configuration (applyConstraints) keeps its grant for the track's life, as in Chromium,
    /// where the user picks once. The kept grant ends when that open ends, or with
    /// [`Backend::release_display`]. A source with nothing granted just stops (the default).
    fn stop_keeping_grant(&mut self) {
        self.stop();
    }
}

/// Called by a backend when its device list may have changed (hot-plug).
pub type DeviceChangeCallback = Arc<dyn Fn() + Send + Sync>;

/// A capture backend.
pub trait Backend: Send + Sync {
    /// A short name: `"fake"`, `"pulse"`, `"x11"`, `"v4l2"`, `"pipewire"`.
    fn name(&self) -> &'static str;

    /// The devices this backend has now, display surfaces included. A backend whose system
    /// service is not available returns an empty list, not an error.
    fn devices(&self) -> Result<Vec<DeviceDescriptor>>;

    /// Opens `raw_id` in `config` and starts delivering to `sink`.
    ///
    /// `config` is one its capabilities admit ([`NativeCapabilities::admits`], the one check
    /// every backend makes): the core chose it from them.
    ///
    /// Errors: `NotFoundError` when the device is gone, `NotReadableError` when it is busy,
    /// the system refuses, or `config` is not one the device admits (its capabilities changed
    /// since they were listed). A backend never names a constraint: constraints are the
    /// core's business, and a device that cannot be opened as chosen cannot be read.
    fn open(
        &self,
        raw_id: &str,
        config: &NativeConfig,
        sink: Arc<dyn SourceSink>,
    ) -> Result<Box<dyn Source>>;

    /// The system's audio output as a capture source — "system audio", Chromium's loopback
    /// device — that getDisplayMedia captures when audio is requested; `None` when this
    /// backend has none (the default).
    ///
    /// The descriptor is `audioinput`-kind with [`NativeCapabilities::Audio`], and
    /// [`Backend::open`] accepts its raw id with an audio configuration like any source's. It
    /// is never part of [`Backend::devices`]: a getDisplayMedia source is never enumerated
    /// and cannot be chosen by `deviceId`. Like `devices`, a backend whose system service is
    /// not available returns `Ok(None)`, not an error.
    fn system_audio(&self) -> Result<Option<DeviceDescriptor>> {
        Ok(None)
    }

    /// Opens the `audiooutput` device `raw_id` in `config` and starts pulling what it plays
    /// from `feed` (see [`output`]). Backends without outputs (the default) answer
    /// `NotFoundError`.
    ///
    /// Errors: `NotFoundError` when the device is gone or is not an output,
    /// `NotReadableError` when the system refuses to play, `TypeError` for an unusable
    /// `config` ([`output::OutputConfig::check`]).
    fn open_output(
        &self,
        raw_id: &str,
        config: &output::OutputConfig,
        feed: Arc<dyn output::OutputFeed>,
    ) -> Result<Box<dyn output::AudioOutput>> {
        let _ = (config, feed);
        Err(Error::not_found(format!(
            "backend {} has no audio output {raw_id:?}",
            self.name()
        )))
    }

    /// Whether this backend's [`Backend::system_audio`] can leave out what this process
    /// plays, as getDisplayMedia's `restrictOwnAudio` asks. `false` by default: a mix of the
    /// whole output (a PulseAudio sink's monitor) contains this process's sound.
    fn system_audio_excludes_own_playback(&self) -> bool {
        false
    }

    /// For a backend whose display surfaces are chosen outside this process (the
    /// xdg-desktop-portal's own dialog, which also decides which screen and so its size):
    /// runs that choice for `raw_id`, one of its display descriptors, with the cursor mode
    /// chosen so far, and answers the granted surface's descriptor (same raw id, its real
    /// size). The next [`Backend::open`] of `raw_id` reads what was granted. getDisplayMedia
    /// asks this after its own permission check and before choosing the track's settings.
    /// Other backends answer `Ok(None)` (the default): their descriptors are what is opened.
    ///
    /// Errors: `NotAllowedError` when the user or the system refused, `NotFoundError` when
    /// the service is gone, `NotReadableError` when it failed.
    fn grant_display(
        &self,
        raw_id: &str,
        cursor: mediacapture_types::CursorCaptureConstraint,
    ) -> Result<Option<DeviceDescriptor>> {
        let _ = (raw_id, cursor);
        Ok(None)
    }

    /// Gives up a grant of [`Backend::grant_display`] that will not be opened (choosing
    /// settings failed): the backend ends it. Nothing to do by default.
    fn release_display(&self, raw_id: &str) {
        let _ = raw_id;
    }

    /// Registers `callback` to be called whenever the device list may have changed.
    /// Backends without hot-plug notifications ignore it.
    fn watch_devices(&self, callback: DeviceChangeCallback) {
        let _ = callback;
    }

    /// Whether the system refused this process access to this backend's devices of `kind`
    /// the last time [`Backend::devices`] listed them (the Camera portal's answer was no):
    /// such devices are then not listed. getUserMedia asking for `kind` when no device of it
    /// is listed rejects with `NotAllowedError` then, as Chromium does when the operating
    /// system denies the camera ("Permission denied by system"), not with `NotFoundError`.
    /// `false` by default: a backend that lists nothing has nothing.
    fn access_refused(&self, kind: mediacapture_types::MediaDeviceKind) -> bool {
        let _ = kind;
        false
    }
}

/// The real backends compiled into this build (by cargo feature), in order of preference,
/// whether or not they find devices.
#[allow(
    unused_mut,
    clippy::vec_init_then_push,
    reason = "the pushes depend on the enabled features"
)]
pub fn real_backends() -> Vec<Box<dyn Backend>> {
    let mut out: Vec<Box<dyn Backend>> = Vec::new();
    // Cameras: PipeWire's, through the Camera portal in a sandbox (Chromium and Firefox in
    // a Flatpak do the same).
    #[cfg(feature = "portal")]
    if is_sandboxed() {
        out.push(Box::new(pipewire::PipeWireBackend::via_camera_portal()));
    } else {
        out.push(Box::new(pipewire::PipeWireBackend::new()));
    }
    #[cfg(all(feature = "pipewire", not(feature = "portal")))]
    out.push(Box::new(pipewire::PipeWireBackend::new()));
    #[cfg(feature = "v4l2")]
    out.push(Box::new(v4l2::V4l2Backend::new()));
    #[cfg(feature = "pulse")]
    out.push(Box::new(pulse::PulseBackend::new()));
    // Screens: the ScreenCast portal on a Wayland session (X11 there sees only XWayland's
    // clients, never the screen), X11 otherwise. Chromium makes the same choice
    // (`--ozone-platform-hint=auto` picks Wayland from these variables; its Wayland screen
    // capture is the portal's).
    let wayland = is_wayland_session(
        std::env::var("XDG_SESSION_TYPE").ok().as_deref(),
        std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty()),
    );
    #[cfg(feature = "portal")]
    if wayland {
        out.push(Box::new(pipewire::PortalBackend::new()));
    }
    #[cfg(feature = "x11")]
    if !wayland || cfg!(not(feature = "portal")) {
        if wayland {
            tracing::info!(
                "a Wayland session, but this build has no portal support (cargo feature \
                 `portal`): screens through XWayland, which shows X clients only"
            );
        }
        out.push(Box::new(x11::X11Backend::new()));
    }
    let _ = wayland;
    out
}

/// Whether this process is sandboxed so that it reaches cameras through the xdg-desktop-portal
/// Camera interface only: a Flatpak (`/.flatpak-info` exists), or `MEDIACAPTURE_CAMERA_PORTAL`
/// set to `1` (for sandboxes not recognised here, and for tests).
pub fn is_sandboxed() -> bool {
    std::env::var("MEDIACAPTURE_CAMERA_PORTAL").is_ok_and(|v| v == "1")
        || std::path::Path::new("/.flatpak-info").exists()
}

/// Whether the session is a Wayland one, from `XDG_SESSION_TYPE` and whether
/// `WAYLAND_DISPLAY` is set: `wayland` is one, another named type (`x11`, `tty`) is not, and
/// without a type a set `WAYLAND_DISPLAY` decides (a compositor started by hand, as in the
/// tests' headless sway, sets no session type). This is the one rule that picks the screen
/// backend in [`real_backends`].
pub fn is_wayland_session(session_type: Option<&str>, wayland_display_set: bool) -> bool {
    match session_type.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) if t.eq_ignore_ascii_case("wayland") => true,
        // `XDG_SESSION_TYPE=x11` with a WAYLAND_DISPLAY (a nested compositor inside an X
        // session): the screen the user sees is the X one.
        Some(t) => wayland_display_set && !t.eq_ignore_ascii_case("x11"),
        None => wayland_display_set,
    }
}

/// The backends a program should use, in order: the one place that decides.
///
/// - `MEDIACAPTURE_FAKE` set (`1` or a profile path): the fake backend only, like Chromium's
///   `--use-fake-device-for-media-stream`, which replaces the real devices.
/// - Otherwise every compiled-in real backend ([`real_backends`]), whether or not it has
///   devices now (a camera plugged in later is still seen). Fake devices are never used
///   unless asked for: with no hardware, getUserMedia fails with `NotFoundError`, as a
///   browser does. A program that wants fakes where hardware is missing (a demo) asks for
///   that with [`backends_with_fake_stand_ins`].
pub fn default_backends() -> Vec<Box<dyn Backend>> {
    if let Some(fake) = fake::FakeBackend::from_env() {
        tracing::info!("MEDIACAPTURE_FAKE is set: using fake capture devices only");
        return vec![Box::new(fake)];
    }
    real_backends()
}

/// The real backends that have devices, then, for each kind of device (camera, microphone,
/// speaker, screen, system audio) that none of them has, the default profile's fake device
/// of that kind, with a `tracing::info!` notice — so that a demo on a machine without a
/// camera still records video. For programs that ask for it explicitly (the CLI's `record`
/// without `--fake`); never the library's default.
///
/// The exception is system audio next to a real screen: that gets no fake, so a real screen
/// is never shared with a made-up tone. Whoever uses these backends takes the system audio
/// of the first backend that has one ([`Backend::system_audio`]), so a real one wins over
/// the fake one. `MEDIACAPTURE_FAKE` set: the fake backend only, as in [`default_backends`].
/// The second value lists the kinds that fake devices stand in for (empty when none does).
pub fn backends_with_fake_stand_ins() -> (Vec<Box<dyn Backend>>, Vec<fake::FakeDeviceKind>) {
    if let Some(fake) = fake::FakeBackend::from_env() {
        return (vec![Box::new(fake)], Vec::new());
    }
    let mut out: Vec<Box<dyn Backend>> = Vec::new();
    let mut have: Vec<fake::FakeDeviceKind> = Vec::new();
    for backend in real_backends() {
        match backend.devices() {
            Ok(d) if !d.is_empty() => {
                have.extend(d.iter().map(fake_kind_of));
                if matches!(backend.system_audio(), Ok(Some(_))) {
                    have.push(fake::FakeDeviceKind::SystemAudio);
                }
                out.push(backend);
            }
            Ok(_) => tracing::debug!("backend {}: no devices", backend.name()),
            Err(e) => tracing::warn!("backend {}: {e}", backend.name()),
        }
    }
    let mut profile = fake::FakeProfile::default();
    let needed = fake_stand_ins(&have);
    profile.devices.retain(|d| needed.contains(&d.kind));
    let kinds: Vec<fake::FakeDeviceKind> = profile.devices.iter().map(|d| d.kind).collect();
    if !profile.devices.is_empty() {
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        tracing::info!("no real {} found: using fake ones", names.join(", "));
        out.push(Box::new(fake::FakeBackend::new(profile)));
    }
    (out, kinds)
}

/// The fake kinds that stand in for what the real backends lack (`have`).
///
/// A real screen never gets made-up sound: when a real screen is shared and no real system
/// audio exists, getDisplayMedia has no audio to offer and must not include an audio track
/// (screen-capture spec). Fake system audio only goes with a fake screen.
fn fake_stand_ins(have: &[fake::FakeDeviceKind]) -> Vec<fake::FakeDeviceKind> {
    use fake::FakeDeviceKind as K;
    [
        K::VideoInput,
        K::AudioInput,
        K::AudioOutput,
        K::Screen,
        K::SystemAudio,
    ]
    .into_iter()
    .filter(|k| !have.contains(k))
    .filter(|k| !(*k == K::SystemAudio && have.contains(&K::Screen)))
    .collect()
}

/// The fake kind that stands in for a real device of this descriptor's kind.
fn fake_kind_of(d: &DeviceDescriptor) -> fake::FakeDeviceKind {
    use mediacapture_types::MediaDeviceKind;
    match (d.kind, d.is_display()) {
        (_, true) => fake::FakeDeviceKind::Screen,
        (MediaDeviceKind::AudioInput, _) => fake::FakeDeviceKind::AudioInput,
        (MediaDeviceKind::AudioOutput, _) => fake::FakeDeviceKind::AudioOutput,
        (MediaDeviceKind::VideoInput, _) => fake::FakeDeviceKind::VideoInput,
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakeDeviceKind as K;
    use super::fake_stand_ins;

    #[test]
    fn the_session_type_picks_the_screen_backend() {
        use super::is_wayland_session as w;
        assert!(w(Some("wayland"), true));
        assert!(w(Some("wayland"), false));
        assert!(!w(Some("x11"), false));
        assert!(!w(Some("x11"), true));
        // No session type (a compositor started by hand): WAYLAND_DISPLAY decides.
        assert!(w(None, true));
        assert!(w(Some(""), true));
        assert!(!w(None, false));
        // A text login running a compositor by hand.
        assert!(w(Some("tty"), true));
        assert!(!w(Some("tty"), false));
    }

    #[test]
    fn fakes_fill_in_missing_kinds_but_never_sound_for_a_real_screen() {
        let all = [
            K::VideoInput,
            K::AudioInput,
            K::AudioOutput,
            K::Screen,
            K::SystemAudio,
        ];
        assert_eq!(fake_stand_ins(&[]), all);
        assert!(fake_stand_ins(&all).is_empty());
        // A real screen without real system audio: no fake tone.
        assert_eq!(
            fake_stand_ins(&[K::Screen]),
            [K::VideoInput, K::AudioInput, K::AudioOutput]
        );
        // Real audio with its system audio, no screen: a fake screen, no fake tone.
        assert_eq!(
            fake_stand_ins(&[K::AudioInput, K::AudioOutput, K::SystemAudio]),
            [K::VideoInput, K::Screen]
        );
        // Real audio without system audio and no screen: the fake screen brings its tone.
        assert_eq!(
            fake_stand_ins(&[K::AudioInput]),
            [K::VideoInput, K::AudioOutput, K::Screen, K::SystemAudio]
        );
    }
}
