//! How a running source is offered to new tracks and to applyConstraints: Chromium's model of
//! a shared device, where a device that is already running keeps its format and new or
//! re-constrained tracks get smaller sizes or lower rates from it by adaptation.
//!
//! ```
//! use mediacapture_core::shared_source::running_source_view;
//! use mediacapture_types::MediaDeviceKind;
//! use mediacapture_types::native::*;
//!
//! let m = |w, h| VideoMode { width: w, height: h, frame_rate: 30.0 };
//! let camera = DeviceDescriptor {
//!     raw_id: "cam".into(), raw_group_id: "g".into(), kind: MediaDeviceKind::VideoInput,
//!     label: "Camera".into(), is_default: true,
//!     capabilities: NativeCapabilities::Video(VideoCapabilities {
//!         modes: vec![m(640, 480), m(1280, 720)], facing_mode: None,
//!     }),
//! };
//! let running = NativeConfig::Video(m(1280, 720));
//! // Shared with other tracks: only the running mode is offered.
//! let shared = running_source_view(&camera, &running, true);
//! let NativeCapabilities::Video(v) = &shared.capabilities else { unreachable!() };
//! assert_eq!(v.modes, vec![m(1280, 720)]);
//! // The only track on it: every mode, the running one first (it wins ties, so the device
//! // is not reopened for nothing).
//! let alone = running_source_view(&camera, &running, false);
//! let NativeCapabilities::Video(v) = &alone.capabilities else { unreachable!() };
//! assert_eq!(v.modes, vec![m(1280, 720), m(640, 480)]);
//! ```

use mediacapture_types::native::{
    AudioCapabilities, DeviceDescriptor, NativeCapabilities, NativeConfig, VideoCapabilities,
};

/// The device as selection should see it while it runs in `running`: with the running
/// configuration first (so it wins ties and the device is not reopened), or, when `shared`
/// (other live tracks use the device), with the running configuration as its only native
/// mode — Chromium keeps a shared device's format for new tracks and for applyConstraints,
/// which then scale or decimate.
pub fn running_source_view(
    descriptor: &DeviceDescriptor,
    running: &NativeConfig,
    shared: bool,
) -> DeviceDescriptor {
    let mut d = descriptor.clone();
    match (&mut d.capabilities, running) {
        (NativeCapabilities::Video(VideoCapabilities { modes, .. }), NativeConfig::Video(m)) => {
            front(modes, *m, shared);
        }
        (NativeCapabilities::Audio(a), NativeConfig::Audio(c)) => {
            let AudioCapabilities {
                sample_rates,
                channel_counts,
                sample_sizes,
                echo_cancellation,
                auto_gain_control,
                noise_suppression,
                ..
            } = a;
            front(sample_rates, c.sample_rate, shared);
            front(channel_counts, c.channel_count, shared);
            front(sample_sizes, c.sample_size, shared);
            front(echo_cancellation, c.echo_cancellation, shared);
            front(auto_gain_control, c.auto_gain_control, shared);
            front(noise_suppression, c.noise_suppression, shared);
        }
        _ => {}
    }
    d
}

/// `descriptor` with `config` as its only native configuration: a source that changed its
/// configuration by itself (a canvas resized, a window resized) offers only what it now
/// produces.
pub fn reconfigured_source_view(
    descriptor: &DeviceDescriptor,
    config: &NativeConfig,
) -> DeviceDescriptor {
    match (&descriptor.capabilities, config) {
        (NativeCapabilities::Video(_), NativeConfig::Video(m)) => {
            let mut d = descriptor.clone();
            if let NativeCapabilities::Video(v) = &mut d.capabilities {
                v.modes = vec![*m];
            }
            d
        }
        (NativeCapabilities::Audio(_), NativeConfig::Audio(c)) => {
            let mut d = running_source_view(descriptor, config, true);
            // A format the source did not list before (a generator written a new sample rate
            // or channel count) is its only one now.
            if let NativeCapabilities::Audio(a) = &mut d.capabilities {
                a.sample_rates = vec![c.sample_rate];
                a.channel_counts = vec![c.channel_count];
                a.sample_sizes = vec![c.sample_size];
            }
            d
        }
        _ => descriptor.clone(),
    }
}

/// Moves `value` to the front of `list` (only it stays, when `only`).
fn front<T: PartialEq>(list: &mut Vec<T>, value: T, only: bool) {
    if let Some(pos) = list.iter().position(|x| *x == value) {
        let v = list.remove(pos);
        if only {
            list.clear();
        }
        list.insert(0, v);
    }
}
