//! Sans-IO decisions of Media Capture and Streams: the spec's algorithms as pure functions.
//!
//! No threads, no clock, no devices: a backend's [`DeviceDescriptor`] and the page's
//! constraints go in, a decision comes out. The `mediacapture` crate carries it out.
//!
//! * [`fitness_distance`] and [`select_settings`]: the spec's SelectSettings over a device's
//!   capability space (native modes, plus crop-and-scale downscales and decimated rates).
//! * [`requested_kinds`], [`select_device`]: getUserMedia's checks and device choice.
//! * [`apply_constraints`], [`ConstrainedTrack`]: applyConstraints.
//! * [`shared_source`]: how a running, shared device is offered to new tracks.
//! * [`permissions`]: permission state, the permissions policy and device-information exposure.
//! * [`enumerate`]: enumerateDevices' exposed list and `devicechange`.
//! * [`check_display_options`]: getDisplayMedia's synchronous checks.
//! * [`capabilities()`](capabilities): getCapabilities.
//! * [`audio`]: a microphone's two kinds of candidates (its own formats, and the software
//!   processing at 48 kHz) and the processing a track's settings need.
//! * [`DeviceIdHasher`]: origin-specific device and group ids.
//!
//! ```
//! use mediacapture_core::{DeviceView, select_device, TrackKind};
//! use mediacapture_types::native::*;
//! use mediacapture_types::{MediaStreamConstraints, MediaDeviceKind, VideoResizeModeEnum};
//!
//! let camera = DeviceDescriptor {
//!     raw_id: "cam0".into(),
//!     raw_group_id: "usb1".into(),
//!     kind: MediaDeviceKind::VideoInput,
//!     label: "Camera".into(),
//!     is_default: true,
//!     capabilities: NativeCapabilities::Video(VideoCapabilities {
//!         modes: vec![
//!             VideoMode { width: 1280, height: 720, frame_rate: 30.0 },
//!             VideoMode { width: 640, height: 480, frame_rate: 30.0 },
//!         ],
//!         facing_mode: None,
//!     }),
//! };
//! let devices = [DeviceView::new(&camera, "id-for-this-origin", "group-for-this-origin")];
//!
//! // Unconstrained: Chromium's default, 640x480 at 30 Hz, native.
//! let c = MediaStreamConstraints::from_json(r#"{"video": true}"#)?;
//! let (i, sel) = select_device(TrackKind::Video, &devices, &c.video.constraints())?;
//! assert_eq!((i, sel.settings.width, sel.settings.height), (0, Some(640), Some(480)));
//!
//! // 960x540 is reached by crop-and-scale from the 1280x720 mode (never by upscaling).
//! let c = MediaStreamConstraints::from_json(r#"{"video": {"width": 960, "height": 540}}"#)?;
//! let (_, sel) = select_device(TrackKind::Video, &devices, &c.video.constraints())?;
//! assert_eq!((sel.settings.width, sel.settings.height), (Some(960), Some(540)));
//! assert_eq!(sel.settings.resize_mode, Some(VideoResizeModeEnum::CropAndScale));
//! assert_eq!(sel.native, NativeConfig::Video(VideoMode { width: 1280, height: 720, frame_rate: 30.0 }));
//!
//! // A required constraint no setting meets is an OverconstrainedError naming it.
//! let c = MediaStreamConstraints::from_json(r#"{"video": {"width": {"min": 1920}}}"#)?;
//! let err = select_device(TrackKind::Video, &devices, &c.video.constraints()).unwrap_err();
//! assert_eq!(err.constraint(), Some("width"));
//! # Ok::<(), mediacapture_types::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod audio;
mod candidates;
mod device_id;
mod display;
pub mod enumerate;
mod fitness;
pub mod limits;
pub mod permissions;
mod select;
pub mod shared_source;

pub use device_id::DeviceIdHasher;
pub use display::{check_display_options, floor_value};
pub use fitness::{fitness_distance, is_required};
pub use limits::{check_apply_constraint_strings, check_constraint_strings};
pub use mediacapture_types::TrackKind;
pub use mediacapture_types::native::DeviceDescriptor;
pub use select::{
    ConstrainedTrack, DeviceView, Selection, Unsatisfied, apply_constraints, capabilities,
    check_allowed_required, is_microphone, requested_kinds, select_device, select_settings,
    select_settings_with_current,
};
