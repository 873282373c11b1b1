//! enumerateDevices and `devicechange`: the exposed device list and the change between two
//! lists, as pure functions.
//!
//! ```
//! use mediacapture_core::enumerate::{Exposure, device_info_list, device_change};
//! use mediacapture_core::permissions::PermissionsPolicy;
//! use mediacapture_core::DeviceIdHasher;
//! use mediacapture_types::MediaDeviceKind;
//! use mediacapture_types::native::*;
//!
//! let mic = |id: &str| DeviceDescriptor {
//!     raw_id: id.into(), raw_group_id: id.into(), kind: MediaDeviceKind::AudioInput,
//!     label: format!("Mic {id}"), is_default: id == "a",
//!     capabilities: NativeCapabilities::Audio(AudioCapabilities {
//!         sample_rates: vec![48_000], channel_counts: vec![1], sample_sizes: vec![16],
//!         latency: (0.01, 0.01), echo_cancellation: vec![], auto_gain_control: vec![false],
//!         noise_suppression: vec![false],
//!     }),
//! };
//! let (a, b) = (mic("a"), mic("b"));
//! let hasher = DeviceIdHasher::new([7; 32]);
//! let exposure = Exposure { camera: false, microphone: true };
//! let policy = PermissionsPolicy::default();
//! let before = device_info_list(&[&a], &hasher, "app", &policy, exposure);
//! let after = device_info_list(&[&a, &b], &hasher, "app", &policy, exposure);
//! let change = device_change(&before, &after).expect("the list changed");
//! assert_eq!(change.user_inserted_devices.len(), 1);
//! assert_eq!(change.user_inserted_devices[0].label, "Mic b");
//! assert!(device_change(&after, &after).is_none());
//! ```

use crate::DeviceIdHasher;
use crate::permissions::PermissionsPolicy;
use crate::select::{DeviceView, capabilities};
use mediacapture_types::native::DeviceDescriptor;
use mediacapture_types::{MediaDeviceInfo, MediaDeviceKind, MediaTrackCapabilities};

/// One entry of `enumerateDevices()`: a `MediaDeviceInfo`, and for input devices the
/// `InputDeviceInfo.getCapabilities()` answer. Dereferences to [`MediaDeviceInfo`].
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceInfo {
    info: MediaDeviceInfo,
    capabilities: Option<MediaTrackCapabilities>,
}

impl std::ops::Deref for DeviceInfo {
    type Target = MediaDeviceInfo;
    fn deref(&self) -> &MediaDeviceInfo {
        &self.info
    }
}

impl DeviceInfo {
    /// The `MediaDeviceInfo` data.
    pub fn info(&self) -> &MediaDeviceInfo {
        &self.info
    }

    /// `true` for `audioinput` / `videoinput` entries (an `InputDeviceInfo` in a browser).
    pub fn is_input(&self) -> bool {
        self.capabilities.is_some()
    }

    /// `InputDeviceInfo.getCapabilities()`: what getUserMedia with this device's id would give,
    /// or `{}` while the device's information may not be exposed. `None` for outputs.
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-inputdeviceinfo-getcapabilities>
    pub fn get_capabilities(&self) -> Option<MediaTrackCapabilities> {
        self.capabilities.clone()
    }

    /// `toJSON()`: `{deviceId, kind, label, groupId}` exactly as a browser serializes it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.info).unwrap_or(serde_json::Value::Null)
    }
}

/// Whether camera and microphone information can be exposed now
/// ([`crate::permissions::Permissions::can_expose`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Exposure {
    /// Camera information can be exposed.
    pub camera: bool,
    /// Microphone information can be exposed (audio outputs follow it).
    pub microphone: bool,
}

/// The spec's "creating a list of device info objects" over the raw devices (display
/// surfaces are skipped: they are never enumerated): microphones, then cameras, the system
/// default first in each kind; before exposure at most one entry per kind, with empty
/// strings. Audio outputs are listed once microphone information can be exposed, as Chromium
/// does (the audio-output spec's exposure decision); before that they are left out. A kind the
/// permissions policy forbids is left out.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-creating-a-list-of-device-info-objects>
pub fn device_info_list(
    devices: &[&DeviceDescriptor],
    hasher: &DeviceIdHasher,
    origin: &str,
    policy: &PermissionsPolicy,
    exposure: Exposure,
) -> Vec<DeviceInfo> {
    let mut out = Vec::new();
    let kinds = [
        (
            MediaDeviceKind::AudioInput,
            policy.microphone,
            exposure.microphone,
        ),
        (MediaDeviceKind::VideoInput, policy.camera, exposure.camera),
    ];
    for (kind, allowed, exposed) in kinds {
        if !allowed {
            continue;
        }
        let mut list: Vec<&DeviceDescriptor> = devices
            .iter()
            .copied()
            .filter(|d| d.kind == kind && !d.is_display())
            .collect();
        // The system default is prepended, the others keep their order (a stable sort).
        list.sort_by_key(|d| !d.is_default);
        if !exposed {
            list.truncate(1);
        }
        out.extend(
            list.into_iter()
                .map(|d| device_info(d, hasher, origin, exposed)),
        );
    }
    if exposure.microphone {
        out.extend(
            devices
                .iter()
                .filter(|d| d.kind == MediaDeviceKind::AudioOutput)
                .map(|d| device_info(d, hasher, origin, true)),
        );
    }
    out
}

/// The spec's "creating a device info object".
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-creating-a-device-info-object>
pub fn device_info(
    d: &DeviceDescriptor,
    hasher: &DeviceIdHasher,
    origin: &str,
    exposed: bool,
) -> DeviceInfo {
    let input = d.kind != MediaDeviceKind::AudioOutput;
    if !exposed {
        return DeviceInfo {
            info: MediaDeviceInfo {
                device_id: String::new(),
                kind: d.kind,
                label: String::new(),
                group_id: String::new(),
            },
            capabilities: input.then(MediaTrackCapabilities::default),
        };
    }
    let view = DeviceView::new(
        d,
        hasher.device_id(origin, &d.raw_id),
        hasher.group_id(origin, &d.raw_group_id),
    );
    DeviceInfo {
        capabilities: input.then(|| capabilities(&view)),
        info: MediaDeviceInfo {
            device_id: view.device_id,
            kind: d.kind,
            label: d.label.clone(),
            group_id: view.group_id,
        },
    }
}

/// A `devicechange` to fire.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#devicechangeevent>
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceChange {
    /// The new exposed list (`devices`).
    pub devices: Vec<DeviceInfo>,
    /// The devices of `devices` that were not in the old list (`userInsertedDevices`): only
    /// entries with an id (exposed ones) can be told apart.
    pub user_inserted_devices: Vec<DeviceInfo>,
}

/// The spec's "device change notification steps" comparison: `None` when the exposed list did
/// not change (no event), else the event's contents.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-device-change-notification-steps>
pub fn device_change(old: &[DeviceInfo], new: &[DeviceInfo]) -> Option<DeviceChange> {
    if old == new {
        return None;
    }
    let user_inserted_devices = new
        .iter()
        .filter(|d| !d.device_id.is_empty() && !old.iter().any(|o| o.device_id == d.device_id))
        .cloned()
        .collect();
    Some(DeviceChange {
        devices: new.to_vec(),
        user_inserted_devices,
    })
}

/// The open sources (by raw id) that a new device list no longer has: their tracks end
/// before the `devicechange` that removes them is fired.
pub fn vanished_sources<'a>(
    open: impl IntoIterator<Item = &'a str>,
    present: &[&str],
) -> Vec<&'a str> {
    open.into_iter()
        .filter(|id| !present.contains(id))
        .collect()
}
