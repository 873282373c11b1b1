//! Tracks on sources that are not capture devices: canvases, media files, generators.
//!
//! Such a source is written as a [`mediacapture_hal::Backend`] with one device (its
//! [`DeviceDescriptor`] says what it can produce) and goes through the same machinery as a
//! camera: settings are chosen by the core from the constraints, the source is opened once
//! and shared by clones, and each track gets its own adapter (scale, decimate, resample).

use crate::events::EventLoop;
use crate::source::SourceHub;
use crate::track::MediaStreamTrack;
use crate::{Error, Result, TrackKind};
use mediacapture_core::DeviceView;
use mediacapture_hal::Backend;
use mediacapture_types::MediaTrackConstraints;
use mediacapture_types::native::{DeviceDescriptor, NativeCapabilities};
use std::sync::Arc;

/// Opens a track on `device` of `backend`, with settings chosen from `constraints` as
/// getUserMedia would choose them. The track has no `MediaDevices` (no deviceId or groupId
/// in its settings unless the descriptor gives raw ids, which are then shown as they are).
///
/// Errors: `OverconstrainedError` naming the constraint when no settings fit; what the
/// backend's `open` returns otherwise.
pub fn open_track(
    backend: Arc<dyn Backend>,
    device: DeviceDescriptor,
    constraints: MediaTrackConstraints,
) -> Result<MediaStreamTrack> {
    open_track_on(backend, device, constraints, EventLoop::global())
}

/// [`open_track`] with the track's events (`ended`, `mute`, `unmute`) on `event_loop`: for a
/// source that belongs to an object with a loop of its own (a peer connection's remote
/// tracks, a media element's capture), so that its events are ordered with that object's.
pub fn open_track_on(
    backend: Arc<dyn Backend>,
    device: DeviceDescriptor,
    constraints: MediaTrackConstraints,
    event_loop: EventLoop,
) -> Result<MediaStreamTrack> {
    let kind = match device.capabilities {
        NativeCapabilities::Audio(_) => TrackKind::Audio,
        NativeCapabilities::Video(_) | NativeCapabilities::Display(_) => TrackKind::Video,
        NativeCapabilities::Output => {
            return Err(Error::type_error("an output device has nothing to capture"));
        }
    };
    // Not a microphone of the user's: no software audio processing (Chromium does not
    // process captured media either).
    let view = DeviceView {
        descriptor: &device,
        device_id: device.raw_id.clone(),
        group_id: device.raw_group_id.clone(),
        audio_processing: false,
    };
    let selection = mediacapture_core::select_settings(&view, &constraints).map_err(|u| {
        Error::overconstrained(
            u.constraint.clone(),
            format!("the source cannot satisfy {:?}", u.constraint),
        )
    })?;
    let capabilities = mediacapture_core::capabilities(&view);
    let mut settings = selection.settings;
    if settings.device_id.as_deref() == Some("") {
        settings.device_id = None;
    }
    if settings.group_id.as_deref() == Some("") {
        settings.group_id = None;
    }
    let hub = SourceHub::open(
        backend,
        device.clone(),
        crate::source::SourceOrigin::Custom,
        device.raw_id.clone(),
        device.raw_group_id.clone(),
        selection.native,
        event_loop,
        custom_requests(),
    )?;
    Ok(MediaStreamTrack::create(
        hub,
        kind,
        None,
        constraints,
        settings,
        capabilities,
    ))
}

/// Where applyConstraints of tracks without a `MediaDevices` runs.
fn custom_requests() -> EventLoop {
    static REQUESTS: std::sync::OnceLock<EventLoop> = std::sync::OnceLock::new();
    REQUESTS
        .get_or_init(|| EventLoop::unregistered("mediacapture-requests"))
        .clone()
}
