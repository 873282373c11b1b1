//! getDisplayMedia, carried out on the request thread.
//!
//! Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-mediadevices-getdisplaymedia>

use super::{BackendDevice, DevicesInner};
use crate::stream::MediaStream;
use crate::{Error, Result, TrackKind};
use mediacapture_core::permissions::{PermissionDecision, PermissionName};
use mediacapture_types::native::NativeCapabilities;
use mediacapture_types::{
    DisplayCaptureSurfaceType, DisplayMediaStreamOptions, MediaTrackConstraints,
    MonitorTypeSurfacesEnum, SystemAudioPreferenceEnum,
};
use std::sync::Arc;

impl DevicesInner {
    pub(super) fn get_display_media(
        self: &Arc<Self>,
        options: &DisplayMediaStreamOptions,
    ) -> Result<MediaStream> {
        mediacapture_core::check_display_options(options)?;
        let policy = self.state.lock().permissions.policy();
        if !policy.display_capture {
            return Err(Error::not_allowed(
                "the permissions policy does not allow \"display-capture\"",
            ));
        }
        let raw = self.raw_devices();
        let mut surfaces: Vec<&BackendDevice> =
            raw.iter().filter(|(_, d)| d.is_display()).collect();
        // monitorTypeSurfaces: "exclude": whole screens are not offered (Chromium leaves them
        // out of its picker); windows and tabs remain.
        if options.monitor_type_surfaces == Some(MonitorTypeSurfacesEnum::Exclude) {
            surfaces.retain(|(_, d)| {
                !matches!(&d.capabilities, NativeCapabilities::Display(c)
                    if c.display_surface == DisplayCaptureSurfaceType::Monitor)
            });
        }
        if surfaces.is_empty() {
            return Err(Error::not_found("no display surface to capture"));
        }
        let name = PermissionName::DisplayCapture;
        self.state.lock().permissions.check_not_denied(name)?;
        let video = options.video.constraints();
        // displaySurface only reorders the choice; it never rules a surface out.
        if let Some(preferred) = preferred_surface(&video) {
            surfaces.sort_by_key(|(_, d)| match &d.capabilities {
                NativeCapabilities::Display(c) => c.display_surface != preferred,
                _ => true,
            });
        }
        // The system audio, when audio is requested, the application did not ask for it
        // not to be offered, and the surface is a whole screen (Chromium offers system
        // audio with a screen only, not with a window). Without one there is no audio track
        // (the spec allows that). Asked after the denial check: a backend may need a round
        // trip to its server.
        let is_monitor = matches!(
            &surfaces[0].1.capabilities,
            NativeCapabilities::Display(c) if c.display_surface == DisplayCaptureSurfaceType::Monitor
        );
        let system_audio = (options.audio.is_requested()
            && is_monitor
            && options.system_audio != Some(SystemAudioPreferenceEnum::Exclude))
        .then(|| self.system_audio())
        .flatten();
        // The user must get a free choice every time and a grant is never stored. One prompt
        // covers the screen and its audio.
        let decision = self.state.lock().permissions.request(name, false);
        match decision {
            PermissionDecision::Allowed => {}
            PermissionDecision::Denied => self.state.lock().permissions.check_not_denied(name)?,
            PermissionDecision::Ask => self.ask(
                name,
                surfaces
                    .iter()
                    .map(|(_, d)| d.label.clone())
                    .chain(system_audio.iter().map(|(_, d)| d.label.clone()))
                    .collect(),
            )?,
        }
        let (backend, listed) = surfaces[0];
        let backend = *backend;
        // A surface chosen in the system's own dialog (the xdg-desktop-portal on Wayland) is
        // only known, with its size, once the user picked it there: the backend runs that
        // dialog now, with the cursor mode a first choice on the listed surface gives, and
        // the settings are chosen from what was granted. A refusal there is NotAllowedError.
        let cursor = mediacapture_core::select_settings(&self.view(listed), &video)
            .ok()
            .and_then(|s| s.settings.cursor)
            .or_else(|| match &listed.capabilities {
                NativeCapabilities::Display(c) => c.cursor.first().copied(),
                _ => None,
            })
            .unwrap_or(mediacapture_types::CursorCaptureConstraint::Never);
        let granted = self.backends[backend].grant_display(&listed.raw_id, cursor)?;
        let d = granted.as_ref().unwrap_or(listed);
        let result = self.open_display_tracks(backend, d, video, system_audio, options);
        if result.is_err() && granted.is_some() {
            self.backends[backend].release_display(&d.raw_id);
        }
        result
    }

    /// Chooses the settings of the display track (and of the system audio track) and opens
    /// them: the part of getDisplayMedia after the surface is known.
    fn open_display_tracks(
        self: &Arc<Self>,
        backend: usize,
        d: &mediacapture_types::native::DeviceDescriptor,
        video: MediaTrackConstraints,
        system_audio: Option<BackendDevice>,
        options: &DisplayMediaStreamOptions,
    ) -> Result<MediaStream> {
        let view = self.view(d);
        let selection = mediacapture_core::select_settings(&view, &video).map_err(|u| {
            Error::overconstrained(
                u.constraint.clone(),
                format!("the chosen surface cannot satisfy {:?}", u.constraint),
            )
        })?;
        // The audio settings are chosen once the sources are, like the video ones, and
        // before anything is opened. The audio track has the properties of an audio source,
        // plus restrictOwnAudio and suppressLocalAudioPlayback (`display_audio`).
        let audio = match &system_audio {
            Some((audio_backend, a)) => {
                let cs = options.audio.constraints();
                // The system audio is what the speakers play: no echo cancellation or other
                // processing on it (Chromium leaves captured system audio unprocessed too).
                let view = self.view(a).without_audio_processing();
                let core_cs = crate::display_audio::without(&cs);
                let mut sel = mediacapture_core::select_settings(&view, &core_cs).map_err(|u| {
                    Error::overconstrained(
                        u.constraint.clone(),
                        format!("the system audio cannot satisfy {:?}", u.constraint),
                    )
                })?;
                crate::display_audio::settle(
                    &cs,
                    self.backends[*audio_backend].system_audio_excludes_own_playback(),
                    &mut sel.settings,
                )?;
                Some((*audio_backend, a, cs, sel))
            }
            None => None,
        };
        let track = self.create_track(TrackKind::Video, backend, d, true, video, selection)?;
        let Some((audio_backend, a, cs, sel)) = audio else {
            return Ok(MediaStream::from_tracks([&track]));
        };
        match self.create_track(TrackKind::Audio, audio_backend, a, true, cs, sel) {
            Ok(audio_track) => Ok(MediaStream::from_tracks([&track, &audio_track])),
            Err(e) => {
                track.stop();
                Err(e)
            }
        }
    }
}

/// The surface type `displaySurface` asks for first, if any.
fn preferred_surface(c: &MediaTrackConstraints) -> Option<DisplayCaptureSurfaceType> {
    use mediacapture_types::ConstrainDOMString;
    let first = match c.basic.display_surface.as_ref()? {
        ConstrainDOMString::Value(v) => v.clone(),
        ConstrainDOMString::List(l) => l.first()?.clone(),
        ConstrainDOMString::Params(p) => p
            .ideal
            .as_ref()
            .or(p.exact.as_ref())?
            .values()
            .first()?
            .to_string(),
    };
    DisplayCaptureSurfaceType::from_idl(&first)
}
