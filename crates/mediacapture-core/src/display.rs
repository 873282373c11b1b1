//! getDisplayMedia's synchronous option checks.

use mediacapture_types::{
    DisplayMediaStreamOptions, Error, MonitorTypeSurfacesEnum, Result, TrackKind,
};

/// Floor value of `width` and `height` (pixels).
pub const FLOOR_SIZE: f64 = 1.0;
/// Floor value of `frameRate` (Hz). Chromium's lowest screen-capture rate is 1 Hz.
pub const FLOOR_FRAME_RATE: f64 = 1.0;
/// Floor value of `aspectRatio`: one pixel wide by the largest height an `unsigned long` holds.
pub const FLOOR_ASPECT_RATIO: f64 = 1.0 / 4_294_967_295.0;
/// Floor value of the positive audio properties (`sampleRate`, `sampleSize`, `channelCount`).
pub const FLOOR_AUDIO: f64 = 1.0;

/// The floor value of a positive numeric property, `None` for other properties.
///
/// Spec: <https://w3c.github.io/mediacapture-screen-share/#dfn-floor-value>
pub fn floor_value(name: &str) -> Option<f64> {
    match name {
        "width" | "height" => Some(FLOOR_SIZE),
        "frameRate" => Some(FLOOR_FRAME_RATE),
        "aspectRatio" => Some(FLOOR_ASPECT_RATIO),
        "sampleRate" | "sampleSize" | "channelCount" => Some(FLOOR_AUDIO),
        _ => None,
    }
}

/// getDisplayMedia's synchronous checks on its options, in the spec's order:
/// `video: false` → TypeError; then for `audio` and then `video` when a dictionary:
/// `advanced` present → TypeError; a `min` or `exact` → TypeError; a `max` below the
/// property's floor value → OverconstrainedError naming it. Also, as current WPT and Chromium
/// do, `monitorTypeSurfaces: "exclude"` with `displaySurface: "monitor"` → TypeError.
///
/// Every constrainable property counts as applicable to display surfaces here (Chromium
/// rejects `min`/`exact` on any of them). An empty `advanced: []` cannot be told apart from
/// an absent one after conversion: `DisplayMediaStreamOptions::from_json` rejects it
/// (TypeError) while it still sees the JSON value.
///
/// Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-mediadevices-getdisplaymedia> (steps 3–6)
pub fn check_display_options(o: &DisplayMediaStreamOptions) -> Result<()> {
    if !o.video.is_requested() {
        return Err(Error::type_error(
            "getDisplayMedia requires video (video: false given)",
        ));
    }
    for (kind, req) in [(TrackKind::Audio, &o.audio), (TrackKind::Video, &o.video)] {
        let Some(c) = req.as_constraints() else {
            continue;
        };
        crate::limits::check_constraint_strings(c)?;
        if !c.advanced.is_empty() {
            return Err(Error::type_error(format!(
                "getDisplayMedia does not accept 'advanced' constraints ({kind})"
            )));
        }
        for (name, v) in c.basic.iter() {
            if v.has_min_or_exact() {
                return Err(Error::type_error(format!(
                    "getDisplayMedia does not accept 'min' or 'exact' ({kind}.{name})"
                )));
            }
        }
        for (name, v) in c.basic.iter() {
            if let (Some(max), Some(floor)) = (v.max(), floor_value(name)) {
                if max < floor {
                    return Err(Error::overconstrained(
                        name,
                        format!("max {max} is below the floor value {floor} of '{name}'"),
                    ));
                }
            }
        }
    }
    if o.monitor_type_surfaces == Some(MonitorTypeSurfacesEnum::Exclude) {
        if let Some(c) = o.video.as_constraints() {
            let wants_monitor = c.basic.display_surface.as_ref().is_some_and(|d| {
                crate::fitness::normalize(mediacapture_types::ConstraintRef::DOMString(d), false)
                    .and_then(|n| n.ideal)
                    .is_some_and(|i| match i {
                        crate::fitness::Ideal::OneOf(l) => {
                            l.contains(&mediacapture_types::SettingValue::String("monitor".into()))
                        }
                        crate::fitness::Ideal::Number(_) => false,
                    })
            });
            if wants_monitor {
                return Err(Error::type_error(
                    "displaySurface: \"monitor\" conflicts with monitorTypeSurfaces: \"exclude\"",
                ));
            }
        }
    }
    Ok(())
}
