//! Permissions, the permissions policy and device-information exposure, as sans-IO state.
//!
//! [`Permissions`] holds what the spec keeps per document: each powerful feature's permission
//! state, the permissions policy, and the "can expose camera / microphone information" flags.
//! Its methods are the spec's permission steps of getUserMedia, getDisplayMedia and permission
//! revocation: the caller asks, carries out the answer (asks the user, ends tracks), and
//! reports back. No prompt is shown here and no track is touched.
//!
//! ```
//! use mediacapture_core::permissions::*;
//! use mediacapture_core::TrackKind;
//!
//! let mut p = Permissions::new(PermissionsPolicy::default(), false);
//! p.set(PermissionName::Camera, PermissionState::Prompt);
//! // getUserMedia({video: true}): the user must be asked (step 8)…
//! assert_eq!(p.request(PermissionName::Camera, false), PermissionDecision::Ask);
//! // …says yes: the grant is remembered for the camera.
//! p.prompt_answered(PermissionName::Camera, true)?;
//! assert_eq!(p.state(PermissionName::Camera), PermissionState::Granted);
//! // Step 10: camera information can now be exposed (labels, ids).
//! p.capture_started(&[TrackKind::Video]);
//! assert!(p.can_expose(mediacapture_types::MediaDeviceKind::VideoInput, false));
//! # Ok::<(), mediacapture_types::Error>(())
//! ```

use mediacapture_types::{Error, MediaDeviceKind, Result, TrackKind};
use std::collections::HashMap;

/// A powerful feature that needs the user's permission.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#permissions-integration>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PermissionName {
    /// `"camera"`.
    Camera,
    /// `"microphone"`.
    Microphone,
    /// `"display-capture"`.
    DisplayCapture,
    /// `"speaker-selection"`: choosing an audio output other than the default
    /// (`selectAudioOutput`, `setSinkId`).
    ///
    /// Spec: <https://w3c.github.io/mediacapture-output/#permissions-integration>
    SpeakerSelection,
}

impl PermissionName {
    /// Every permission this API uses.
    pub const ALL: [PermissionName; 4] = [
        PermissionName::Camera,
        PermissionName::Microphone,
        PermissionName::DisplayCapture,
        PermissionName::SpeakerSelection,
    ];

    /// The Permissions API name.
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionName::Camera => "camera",
            PermissionName::Microphone => "microphone",
            PermissionName::DisplayCapture => "display-capture",
            PermissionName::SpeakerSelection => "speaker-selection",
        }
    }

    /// Parses a Permissions API name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "camera" => Some(PermissionName::Camera),
            "microphone" => Some(PermissionName::Microphone),
            "display-capture" => Some(PermissionName::DisplayCapture),
            "speaker-selection" => Some(PermissionName::SpeakerSelection),
            _ => None,
        }
    }

    /// `true` for the permissions whose `Prompt` asks on every request, a "yes" being
    /// remembered for that request only: display-capture (the user picks a surface each
    /// time) and speaker-selection (the user picks a speaker each time).
    pub fn asks_every_time(self) -> bool {
        matches!(
            self,
            PermissionName::DisplayCapture | PermissionName::SpeakerSelection
        )
    }

    /// The permission getUserMedia needs for a track of `kind`.
    pub fn for_kind(kind: TrackKind) -> Self {
        match kind {
            TrackKind::Audio => PermissionName::Microphone,
            TrackKind::Video => PermissionName::Camera,
        }
    }
}

/// A permission state, as the Permissions API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PermissionState {
    /// Allowed without asking.
    Granted,
    /// Refused without asking.
    Denied,
    /// Ask the prompt handler each time (a "yes" to camera/microphone is remembered; a "yes"
    /// to display-capture never is, as the screen-capture spec requires).
    Prompt,
}

impl PermissionState {
    /// `"granted"`, `"denied"` or `"prompt"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionState::Granted => "granted",
            PermissionState::Denied => "denied",
            PermissionState::Prompt => "prompt",
        }
    }

    /// Parses `"granted"`, `"denied"` or `"prompt"`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "granted" => Some(PermissionState::Granted),
            "denied" => Some(PermissionState::Denied),
            "prompt" => Some(PermissionState::Prompt),
            _ => None,
        }
    }
}

/// Permissions policy: which features this context may use at all (all allowed by default).
///
/// Spec: <https://w3c.github.io/mediacapture-main/#permissions-policy-integration>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermissionsPolicy {
    /// "camera" allowed.
    pub camera: bool,
    /// "microphone" allowed.
    pub microphone: bool,
    /// "display-capture" allowed.
    pub display_capture: bool,
    /// "speaker-selection" allowed.
    pub speaker_selection: bool,
}

impl Default for PermissionsPolicy {
    fn default() -> Self {
        PermissionsPolicy {
            camera: true,
            microphone: true,
            display_capture: true,
            speaker_selection: true,
        }
    }
}

impl PermissionsPolicy {
    /// Whether the policy allows `name`.
    pub fn allows(&self, name: PermissionName) -> bool {
        match name {
            PermissionName::Camera => self.camera,
            PermissionName::Microphone => self.microphone,
            PermissionName::DisplayCapture => self.display_capture,
            PermissionName::SpeakerSelection => self.speaker_selection,
        }
    }
}

/// What a request for a permission needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionDecision {
    /// Go on without asking.
    Allowed,
    /// Ask the user (the prompt handler), then call [`Permissions::prompt_answered`].
    Ask,
    /// Refuse (`NotAllowedError`).
    Denied,
}

/// The permission and exposure state of one document (one `MediaDevices`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    states: HashMap<PermissionName, PermissionState>,
    policy: PermissionsPolicy,
    can_expose_camera: bool,
    can_expose_microphone: bool,
}

impl Permissions {
    /// Every permission granted (a native program is its own user agent), the given policy;
    /// `expose` starts with device information exposed (as if this origin had already
    /// captured), for programs that own their devices.
    pub fn new(policy: PermissionsPolicy, expose: bool) -> Self {
        Permissions {
            states: HashMap::new(),
            policy,
            can_expose_camera: expose,
            can_expose_microphone: expose,
        }
    }

    /// The current state of `name` (`Granted` unless set otherwise).
    pub fn state(&self, name: PermissionName) -> PermissionState {
        self.states
            .get(&name)
            .copied()
            .unwrap_or(PermissionState::Granted)
    }

    /// The permissions policy.
    pub fn policy(&self) -> PermissionsPolicy {
        self.policy
    }

    /// Changes a permission's state, as a user or a test driver would. Returns `true` when
    /// this revokes it (the new state is `Denied`): the caller then ends this origin's live
    /// tracks that use the feature, firing `ended`.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dfn-device-permission-revocation-algorithm>
    pub fn set(&mut self, name: PermissionName, state: PermissionState) -> bool {
        self.states.insert(name, state);
        state == PermissionState::Denied
    }

    /// getUserMedia step 3: every requested kind must be allowed by the permissions policy.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia>
    pub fn check_policy(&self, kinds: &[TrackKind]) -> Result<()> {
        for &kind in kinds {
            let name = PermissionName::for_kind(kind);
            if !self.policy.allows(name) {
                return Err(Error::not_allowed(format!(
                    "the permissions policy does not allow \"{}\"",
                    name.as_str()
                )));
            }
        }
        Ok(())
    }

    /// getUserMedia's "getUserMedia specific failure is allowed": `false` when a requested
    /// kind's permission is denied (a NotFoundError or OverconstrainedError then becomes a
    /// NotAllowedError, so a page cannot probe devices it may not use).
    pub fn specific_failure_allowed(&self, kinds: &[TrackKind]) -> bool {
        kinds
            .iter()
            .all(|&k| self.state(PermissionName::for_kind(k)) != PermissionState::Denied)
    }

    /// `NotAllowedError` when `name` is denied (getUserMedia step 6.6, getDisplayMedia's
    /// denial check).
    pub fn check_not_denied(&self, name: PermissionName) -> Result<()> {
        if self.state(name) == PermissionState::Denied {
            return Err(Error::not_allowed(format!(
                "permission \"{}\" is denied",
                name.as_str()
            )));
        }
        Ok(())
    }

    /// getUserMedia step 8 / getDisplayMedia's permission request: what to do for `name`.
    /// `attached`: the device is already attached to a live track of this origin, which
    /// counts as granted (no second prompt for a camera already in use). Display capture is
    /// asked every time it is `Prompt`: the user must get a free choice each time.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia> (step 8),
    /// <https://w3c.github.io/mediacapture-screen-share/#dom-mediadevices-getdisplaymedia>
    pub fn request(&self, name: PermissionName, attached: bool) -> PermissionDecision {
        match self.state(name) {
            PermissionState::Granted => PermissionDecision::Allowed,
            PermissionState::Denied => PermissionDecision::Denied,
            PermissionState::Prompt if attached && !name.asks_every_time() => {
                PermissionDecision::Allowed
            }
            PermissionState::Prompt => PermissionDecision::Ask,
        }
    }

    /// The user answered the prompt for `name`. A refusal is a `NotAllowedError`. A permission
    /// denied while the prompt was open (a prompt can stay open as long as the user takes)
    /// wins over a late "yes". A "yes" to camera or microphone is remembered (`Granted`); one
    /// to display-capture or speaker-selection never is (screen-capture: the grant is per
    /// call; audio-output: each `selectAudioOutput` shows the chooser).
    pub fn prompt_answered(&mut self, name: PermissionName, allowed: bool) -> Result<()> {
        if !allowed {
            return Err(Error::not_allowed(format!(
                "permission \"{}\" was not granted",
                name.as_str()
            )));
        }
        match self.state(name) {
            PermissionState::Denied => Err(Error::not_allowed(format!(
                "permission \"{}\" was denied while the prompt was open",
                name.as_str()
            ))),
            PermissionState::Granted => Ok(()),
            PermissionState::Prompt => {
                if !name.asks_every_time() {
                    self.states.insert(name, PermissionState::Granted);
                }
                Ok(())
            }
        }
    }

    /// getUserMedia step 10, after it succeeded for `kinds`: "set the device information
    /// exposure". A kind that was captured is exposed; the other kind too if its permission
    /// is granted.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#set-device-information-exposure>
    pub fn capture_started(&mut self, kinds: &[TrackKind]) {
        let cam = self.state(PermissionName::Camera) == PermissionState::Granted;
        let mic = self.state(PermissionName::Microphone) == PermissionState::Granted;
        for &k in kinds {
            match k {
                TrackKind::Video => {
                    self.can_expose_camera = true;
                    self.can_expose_microphone |= mic;
                }
                TrackKind::Audio => {
                    self.can_expose_microphone = true;
                    self.can_expose_camera |= cam;
                }
            }
        }
    }

    /// "Camera (microphone) information can be exposed": the stored flag, or a live capture
    /// of that kind (`live_capture`: this origin has a live track on such a device now).
    /// Audio outputs follow the microphone.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dfn-camera-information-can-be-exposed>
    pub fn can_expose(&self, kind: MediaDeviceKind, live_capture: bool) -> bool {
        live_capture
            || match kind {
                MediaDeviceKind::VideoInput => self.can_expose_camera,
                MediaDeviceKind::AudioInput | MediaDeviceKind::AudioOutput => {
                    self.can_expose_microphone
                }
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_denial_during_the_prompt_wins_and_display_grants_are_not_kept() {
        let mut p = Permissions::new(PermissionsPolicy::default(), false);
        p.set(PermissionName::Camera, PermissionState::Prompt);
        assert_eq!(
            p.request(PermissionName::Camera, false),
            PermissionDecision::Ask
        );
        assert_eq!(
            p.request(PermissionName::Camera, true),
            PermissionDecision::Allowed
        );
        p.set(PermissionName::Camera, PermissionState::Denied);
        let e = p.prompt_answered(PermissionName::Camera, true).unwrap_err();
        assert_eq!(e.name(), "NotAllowedError");

        p.set(PermissionName::DisplayCapture, PermissionState::Prompt);
        assert!(
            p.prompt_answered(PermissionName::DisplayCapture, true)
                .is_ok()
        );
        assert_eq!(
            p.state(PermissionName::DisplayCapture),
            PermissionState::Prompt
        );
        assert_eq!(
            p.request(PermissionName::DisplayCapture, true),
            PermissionDecision::Ask
        );
        let e = p
            .prompt_answered(PermissionName::Microphone, false)
            .unwrap_err();
        assert_eq!(e.name(), "NotAllowedError");
    }

    #[test]
    fn speaker_selection_is_asked_every_time() {
        let mut p = Permissions::new(PermissionsPolicy::default(), false);
        assert_eq!(
            PermissionName::from_name("speaker-selection"),
            Some(PermissionName::SpeakerSelection)
        );
        p.set(PermissionName::SpeakerSelection, PermissionState::Prompt);
        assert_eq!(
            p.request(PermissionName::SpeakerSelection, true),
            PermissionDecision::Ask
        );
        assert!(
            p.prompt_answered(PermissionName::SpeakerSelection, true)
                .is_ok()
        );
        assert_eq!(
            p.state(PermissionName::SpeakerSelection),
            PermissionState::Prompt
        );
        let policy = PermissionsPolicy {
            speaker_selection: false,
            ..Default::default()
        };
        assert!(!policy.allows(PermissionName::SpeakerSelection));
    }

    #[test]
    fn exposure_follows_step_10() {
        let mut p = Permissions::new(PermissionsPolicy::default(), false);
        p.set(PermissionName::Microphone, PermissionState::Prompt);
        p.capture_started(&[TrackKind::Video]);
        assert!(p.can_expose(MediaDeviceKind::VideoInput, false));
        // The microphone is not granted: not exposed by a camera capture.
        assert!(!p.can_expose(MediaDeviceKind::AudioInput, false));
        assert!(p.can_expose(MediaDeviceKind::AudioInput, true));
        p.set(PermissionName::Microphone, PermissionState::Granted);
        p.capture_started(&[TrackKind::Video]);
        assert!(p.can_expose(MediaDeviceKind::AudioOutput, false));
    }

    #[test]
    fn policy_and_specific_failure() {
        let mut p = Permissions::new(
            PermissionsPolicy {
                camera: false,
                ..Default::default()
            },
            false,
        );
        assert_eq!(
            p.check_policy(&[TrackKind::Audio, TrackKind::Video])
                .unwrap_err()
                .name(),
            "NotAllowedError"
        );
        assert!(p.check_policy(&[TrackKind::Audio]).is_ok());
        assert!(p.specific_failure_allowed(&[TrackKind::Audio]));
        p.set(PermissionName::Microphone, PermissionState::Denied);
        assert!(!p.specific_failure_allowed(&[TrackKind::Audio]));
        assert!(p.check_not_denied(PermissionName::Microphone).is_err());
    }
}
