//! getUserMedia, carried out on the request thread: the spec's steps, with every decision
//! asked of `mediacapture-core` (permissions, SelectSettings, the shared-source view).
//!
//! Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia>

use super::{BackendDevice, DevicesInner};
use crate::source::SourceHub;
use crate::stream::MediaStream;
use crate::track::MediaStreamTrack;
use crate::{Error, ErrorKind, Result, TrackKind};
use mediacapture_core::DeviceView;
use mediacapture_core::permissions::{PermissionDecision, PermissionName};
use mediacapture_core::shared_source::running_source_view;
use mediacapture_types::native::DeviceDescriptor;
use mediacapture_types::{MediaDeviceKind, MediaStreamConstraints, MediaTrackConstraints};
use std::sync::Arc;

impl DevicesInner {
    pub(super) fn get_user_media(
        self: &Arc<Self>,
        constraints: &MediaStreamConstraints,
    ) -> Result<MediaStream> {
        // Chromium's constraint string limits (TypeError), checked as it parses constraints.
        for kind in [TrackKind::Audio, TrackKind::Video] {
            mediacapture_core::check_constraint_strings(&constraints.get(kind).constraints())?;
        }
        // Step 1: TypeError when no kind is requested.
        let kinds = mediacapture_core::requested_kinds(constraints)?;
        // Step 3: permissions policy; then "getUserMedia specific failure is allowed".
        let specific_allowed = {
            let s = self.state.lock();
            s.permissions.check_policy(&kinds)?;
            s.permissions.specific_failure_allowed(&kinds)
        };
        let raw = self.raw_devices();
        let mut chosen = Vec::new();
        for &kind in &kinds {
            let mdk = match kind {
                TrackKind::Audio => MediaDeviceKind::AudioInput,
                TrackKind::Video => MediaDeviceKind::VideoInput,
            };
            let cs = match kind {
                TrackKind::Audio => constraints.audio.constraints(),
                TrackKind::Video => constraints.video.constraints(),
            };
            let candidates: Vec<&BackendDevice> = raw
                .iter()
                .filter(|(_, d)| d.kind == mdk && !d.is_display())
                .collect();
            // No device of the kind because the system refused access to them (the Camera
            // portal said no): NotAllowedError, with Chromium's words for a camera the
            // operating system denies, not the NotFoundError of a machine without cameras.
            if candidates.is_empty() && self.backends.iter().any(|b| b.access_refused(mdk)) {
                return Err(Error::not_allowed("Permission denied by system"));
            }
            let described: Vec<DeviceDescriptor> = candidates
                .iter()
                .map(|(_, d)| self.running_view(d))
                .collect();
            let views: Vec<DeviceView> = described.iter().map(|d| self.view(d)).collect();
            let (index, selection) = mediacapture_core::select_device(kind, &views, &cs)
                .map_err(|e| self.constraint_failure(e, kind, specific_allowed))?;
            // Step 6.6: candidates whose permission is denied are dropped.
            self.state
                .lock()
                .permissions
                .check_not_denied(PermissionName::for_kind(kind))?;
            chosen.push((kind, candidates[index].clone(), cs, selection));
        }
        // Step 8: request permission (one prompt per kind). A device already attached to a
        // live track of this origin counts as granted.
        for (kind, (_, d), _, _) in &chosen {
            let name = PermissionName::for_kind(*kind);
            let attached = self.live_hubs().iter().any(|h| {
                !h.display && h.descriptor.raw_id == d.raw_id && !h.live_tracks().is_empty()
            });
            let decision = self.state.lock().permissions.request(name, attached);
            match decision {
                PermissionDecision::Allowed => {}
                PermissionDecision::Denied => {
                    self.state.lock().permissions.check_not_denied(name)?;
                }
                PermissionDecision::Ask => self.ask(name, vec![d.label.clone()])?,
            }
        }
        // Step 10: set the device information exposure.
        self.state.lock().permissions.capture_started(&kinds);
        // Step 11: open the chosen devices and create the tracks.
        let stream = MediaStream::new();
        let mut created: Vec<MediaStreamTrack> = Vec::new();
        for (kind, (backend, d), cs, selection) in chosen {
            match self.create_track(kind, backend, &d, false, cs, selection) {
                Ok(t) => {
                    stream.add_track(&t);
                    created.push(t);
                }
                Err(e) => {
                    for t in &created {
                        t.stop();
                    }
                    return Err(e);
                }
            }
        }
        Ok(stream)
    }

    /// The descriptor as selection sees it: a running device offers only its running mode
    /// (Chromium: a device in use keeps its format for new tracks; they scale or decimate).
    fn running_view(&self, d: &DeviceDescriptor) -> DeviceDescriptor {
        match self.hub_for(&d.raw_id) {
            Some(hub) => running_source_view(d, &hub.config(), true),
            None => d.clone(),
        }
    }

    /// The open hub of a getUserMedia device, to share (getDisplayMedia sources are never
    /// shared).
    fn hub_for(&self, raw_id: &str) -> Option<Arc<SourceHub>> {
        let s = self.state.lock();
        s.hubs
            .iter()
            .filter(|(_, id, _)| id == raw_id)
            .filter_map(|(_, _, w)| w.upgrade())
            .find(|h| !h.is_closed() && !h.display)
    }

    /// The error a failed device selection becomes: a NotAllowedError when specific failures
    /// may not be told (a denied kind), and an OverconstrainedError names its constraint only
    /// while device information can be exposed.
    fn constraint_failure(&self, e: Error, kind: TrackKind, specific_allowed: bool) -> Error {
        match &e.kind {
            ErrorKind::NotFoundError | ErrorKind::OverconstrainedError { .. }
                if !specific_allowed =>
            {
                Error::not_allowed(format!(
                    "permission \"{}\" is denied",
                    PermissionName::for_kind(kind).as_str()
                ))
            }
            ErrorKind::OverconstrainedError { constraint } => {
                let mdk = match kind {
                    TrackKind::Audio => MediaDeviceKind::AudioInput,
                    TrackKind::Video => MediaDeviceKind::VideoInput,
                };
                // Spec: the constraint is named only if device information can be exposed.
                let name = if self.can_expose(mdk) {
                    constraint.clone()
                } else {
                    String::new()
                };
                Error::overconstrained(name, e.message)
            }
            _ => e,
        }
    }

    /// Opens (or shares, for getUserMedia) the device's source and creates a track on it;
    /// `display` for a getDisplayMedia source.
    pub(super) fn create_track(
        self: &Arc<Self>,
        kind: TrackKind,
        backend: usize,
        d: &DeviceDescriptor,
        display: bool,
        constraints: MediaTrackConstraints,
        selection: mediacapture_core::Selection,
    ) -> Result<MediaStreamTrack> {
        let view = if display {
            self.view(d).without_audio_processing()
        } else {
            self.view(d)
        };
        let mut capabilities = mediacapture_core::capabilities(&view);
        let mut settings = selection.settings;
        if display {
            // Display tracks report a deviceId and no groupId (the core leaves it out for
            // surfaces; the system audio gets the same).
            capabilities.group_id = None;
            settings.group_id = None;
        }
        let shared = if display {
            None
        } else {
            self.hub_for(&d.raw_id)
        };
        let hub = match shared {
            Some(hub) => hub,
            None => {
                let b = self
                    .backends
                    .get(backend)
                    .cloned()
                    .ok_or_else(|| Error::abort("backend vanished"))?;
                let hub = SourceHub::open(
                    b,
                    d.clone(),
                    if display {
                        crate::source::SourceOrigin::DisplayMedia
                    } else {
                        crate::source::SourceOrigin::UserMedia
                    },
                    view.device_id.clone(),
                    view.group_id.clone(),
                    selection.native,
                    self.event_loop.clone(),
                    self.requests.clone(),
                )
                .map_err(|e| open_failure(e, &d.label))?;
                let mut state = self.state.lock();
                // Closed sources leave dead entries: prune them here, not only when the live
                // ones are listed, so that churn cannot grow the list.
                state.hubs.retain(|(_, _, w)| w.strong_count() > 0);
                state
                    .hubs
                    .push((backend, d.raw_id.clone(), Arc::downgrade(&hub)));
                hub
            }
        };
        Ok(MediaStreamTrack::create(
            hub,
            kind,
            Some(Arc::downgrade(self)),
            constraints,
            settings,
            capabilities,
        ))
    }
}

/// Spec step 11.5: a source that cannot be started is a NotReadableError when the device is
/// busy or the system refuses (what backends report), a NotFoundError when it went away
/// between the choice and the opening (Chromium reports that as NotFoundError too), a
/// NotAllowedError when the system's permission (the Camera portal) refused it (Chromium:
/// "Permission denied by system"), else an AbortError.
fn open_failure(e: Error, label: &str) -> Error {
    match e.kind {
        ErrorKind::NotReadableError | ErrorKind::NotFoundError | ErrorKind::NotAllowedError => e,
        _ => Error::abort(format!("cannot open {label}: {e}")),
    }
}
