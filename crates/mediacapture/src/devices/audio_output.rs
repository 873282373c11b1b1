//! Audio outputs of a `MediaDevices`: `selectAudioOutput()`, and which speaker a sink id
//! names (for `setSinkId`).
//!
//! Spec: <https://w3c.github.io/mediacapture-output/>

use super::{BackendDevice, DevicesInner, MediaDevices, run_on};
use crate::playout::AudioOutputDevice;
use crate::{Error, MediaDeviceKind, Result};
use mediacapture_core::enumerate::{DeviceInfo, device_info};
use mediacapture_core::permissions::{PermissionName, PermissionState};
use std::future::Future;

/// `AudioOutputOptions`: the argument of `selectAudioOutput()`.
///
/// Spec: <https://w3c.github.io/mediacapture-output/#dom-audiooutputoptions>
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudioOutputOptions {
    /// `deviceId`: a device selected before, to get again without asking (`""`: none).
    pub device_id: String,
}

impl AudioOutputOptions {
    /// Converts the dictionary from JSON as WebIDL would (`{}` or `null` for the defaults;
    /// `deviceId` converted with `DOMString` rules). `TypeError` for a non-object.
    pub fn from_json(json: &str) -> Result<Self> {
        let v: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| Error::type_error(format!("AudioOutputOptions: {e}")))?;
        match v {
            serde_json::Value::Null => Ok(Self::default()),
            serde_json::Value::Object(m) => {
                let device_id = match m.get("deviceId") {
                    None => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    // WebIDL's DOMString conversion of the other primitives.
                    Some(serde_json::Value::Null) => "null".into(),
                    Some(serde_json::Value::Bool(b)) => b.to_string(),
                    Some(serde_json::Value::Number(n)) => n.to_string(),
                    Some(_) => {
                        return Err(Error::type_error(
                            "AudioOutputOptions.deviceId is not a string",
                        ));
                    }
                };
                Ok(AudioOutputOptions { device_id })
            }
            _ => Err(Error::type_error(
                "AudioOutputOptions: the value is not a dictionary",
            )),
        }
    }
}

impl MediaDevices {
    /// The speaker a sink id names, as `setSinkId(sinkId)` finds it: `""` is the default
    /// output (the one its backend flags as the system default, else the first; `Ok(None)`
    /// when there is no output at all); any other value must be the `deviceId` of an
    /// `audiooutput` device exposed to this origin (by `enumerateDevices()`, which lists
    /// outputs once microphone information can be exposed, or by `selectAudioOutput()`).
    ///
    /// Errors: `NotAllowedError` when the permissions policy does not allow
    /// "speaker-selection", or (for a non-empty id) the permission is denied;
    /// `NotFoundError` when no exposed output has this id.
    ///
    /// This asks the backends for their devices: it may block briefly (a server round trip).
    ///
    /// Spec: <https://w3c.github.io/mediacapture-output/#dom-htmlmediaelement-setsinkid>
    pub fn audio_output(&self, sink_id: &str) -> Result<Option<AudioOutputDevice>> {
        self.inner.audio_output(sink_id)
    }

    /// `selectAudioOutput(options)`: asks the user to choose a speaker and exposes it to this
    /// origin (its `deviceId` then works with `setSinkId`, and `enumerateDevices()` lists it).
    ///
    /// - `options.device_id` naming a device selected before (and still present) gives it
    ///   again without asking.
    /// - Otherwise the speaker offered is the one `options.device_id` names, else the
    ///   default output. With "speaker-selection" `Granted` it is chosen without asking; with
    ///   `Prompt` the prompt handler is asked ([`PermissionRequest`](crate::PermissionRequest)
    ///   `{ name: SpeakerSelection, devices: [its label] }`) on every call, a "yes" choosing
    ///   it; `Denied` refuses.
    ///
    /// Errors: `NotAllowedError` (policy, denied permission, refused prompt),
    /// `NotFoundError` (no audio output). There is no user activation here, so the spec's
    /// `InvalidStateError` for a call without one never happens.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-output/#dom-mediadevices-selectaudiooutput>
    pub fn select_audio_output(
        &self,
        options: AudioOutputOptions,
    ) -> impl Future<Output = Result<DeviceInfo>> + Send + 'static {
        let inner = self.inner.clone();
        run_on(&self.inner.requests, move || {
            inner.select_audio_output(&options)
        })
    }
}

impl DevicesInner {
    fn outputs(&self, raw: &[BackendDevice]) -> Vec<BackendDevice> {
        raw.iter()
            .filter(|(_, d)| d.kind == MediaDeviceKind::AudioOutput)
            .cloned()
            .collect()
    }

    fn output_device(&self, (i, d): &BackendDevice) -> Result<AudioOutputDevice> {
        let backend = self
            .backends
            .get(*i)
            .cloned()
            .ok_or_else(|| Error::not_found("the output's backend is gone"))?;
        AudioOutputDevice::new(backend, d.clone())
    }

    fn default_output(outputs: &[BackendDevice]) -> Option<&BackendDevice> {
        outputs
            .iter()
            .find(|(_, d)| d.is_default)
            .or_else(|| outputs.first())
    }

    pub(crate) fn check_speaker_policy(&self) -> Result<()> {
        let policy = self.state.lock().permissions.policy();
        if policy.allows(PermissionName::SpeakerSelection) {
            Ok(())
        } else {
            Err(Error::not_allowed(
                "the permissions policy does not allow \"speaker-selection\"",
            ))
        }
    }

    pub(crate) fn audio_output(&self, sink_id: &str) -> Result<Option<AudioOutputDevice>> {
        self.check_speaker_policy()?;
        let outputs = self.outputs(&self.raw_devices());
        if sink_id.is_empty() {
            return Self::default_output(&outputs)
                .map(|o| self.output_device(o))
                .transpose();
        }
        let (denied, selected) = {
            let st = self.state.lock();
            (
                st.permissions.state(PermissionName::SpeakerSelection) == PermissionState::Denied,
                st.selected_outputs.clone(),
            )
        };
        let exposed = self.can_expose(MediaDeviceKind::AudioOutput);
        let found = outputs.iter().find(|(_, d)| {
            (exposed || selected.contains(&d.raw_id))
                && self.hasher.device_id(&self.origin, &d.raw_id) == sink_id
        });
        let Some(found) = found else {
            return Err(Error::not_found(format!(
                "no audio output device with id {sink_id:?} is exposed to this origin"
            )));
        };
        if denied {
            return Err(Error::not_allowed(
                "permission \"speaker-selection\" is denied",
            ));
        }
        self.output_device(found).map(Some)
    }

    fn select_audio_output(&self, options: &AudioOutputOptions) -> Result<DeviceInfo> {
        self.check_speaker_policy()?;
        let outputs = self.outputs(&self.raw_devices());
        let id_of = |d: &mediacapture_types::native::DeviceDescriptor| {
            self.hasher.device_id(&self.origin, &d.raw_id)
        };
        let info = |d| device_info(d, &self.hasher, &self.origin, true);
        if !options.device_id.is_empty() {
            let selected = self.state.lock().selected_outputs.clone();
            if let Some((_, d)) = outputs
                .iter()
                .find(|(_, d)| selected.contains(&d.raw_id) && id_of(d) == options.device_id)
            {
                return Ok(info(d));
            }
        }
        let offered = outputs
            .iter()
            .find(|(_, d)| !options.device_id.is_empty() && id_of(d) == options.device_id)
            .or_else(|| Self::default_output(&outputs))
            .ok_or_else(|| Error::not_found("there is no audio output device to select"))?;
        let state = self
            .state
            .lock()
            .permissions
            .state(PermissionName::SpeakerSelection);
        match state {
            PermissionState::Denied => {
                return Err(Error::not_allowed(
                    "permission \"speaker-selection\" is denied",
                ));
            }
            PermissionState::Prompt => {
                self.ask(
                    PermissionName::SpeakerSelection,
                    vec![offered.1.label.clone()],
                )?;
            }
            PermissionState::Granted => {}
        }
        {
            let mut st = self.state.lock();
            if !st.selected_outputs.contains(&offered.1.raw_id) {
                st.selected_outputs.push(offered.1.raw_id.clone());
            }
        }
        Ok(info(&offered.1))
    }

    /// `list` (an `enumerateDevices()` answer) with the outputs selected by
    /// `selectAudioOutput()` that it lacks (exposed by that selection).
    pub(super) fn with_selected_outputs(
        &self,
        mut list: Vec<DeviceInfo>,
        raw: &[BackendDevice],
    ) -> Vec<DeviceInfo> {
        let selected = self.state.lock().selected_outputs.clone();
        for (_, d) in raw {
            if d.kind == MediaDeviceKind::AudioOutput && selected.contains(&d.raw_id) {
                let entry = device_info(d, &self.hasher, &self.origin, true);
                if !list.iter().any(|e| e.device_id == entry.device_id) {
                    list.push(entry);
                }
            }
        }
        list
    }
}
