//! The settings dictionaries a device can take (its *capability space*), as a finite list of
//! candidates that contains every value the constraints name.
//!
//! A camera's space is its native modes (`resizeMode: "none"`) plus, as in Chromium, every
//! size no larger than a native mode and every frame rate from 1 up to the mode's rate
//! (`resizeMode: "crop-and-scale"`). That space is too large to list, so only its
//! "interesting" points are listed: the native modes, and every width, height, aspect ratio
//! and frame rate named by a constraint (exact, min, max, ideal, bare), combined with each
//! other, with the native aspect ratio, and clamped to the mode. The optimum of the fitness
//! distance is at such a point for every single-property term, which makes the choice the
//! same as over the whole space in all the cases the spec and Chromium's tests describe.
//!
//! A microphone's space is in [`crate::audio`].

use crate::DeviceView;
use mediacapture_types::native::{
    DisplayCapabilities, DisplayConfig, NativeCapabilities, NativeConfig, VideoCapabilities,
    VideoMode,
};
use mediacapture_types::{
    ConstrainDouble, ConstrainULong, MediaTrackConstraintSet, MediaTrackConstraints,
    MediaTrackSettings, TrackKind, VideoResizeModeEnum,
};
use std::collections::BTreeSet;

/// Chromium's defaults for an unconstrained camera: 640x480 at 30 Hz.
pub(crate) const DEFAULT_WIDTH: f64 = 640.0;
/// See [`DEFAULT_WIDTH`].
pub(crate) const DEFAULT_HEIGHT: f64 = 480.0;
/// See [`DEFAULT_WIDTH`]; also Chromium's default screen-capture rate.
pub(crate) const DEFAULT_FRAME_RATE: f64 = 30.0;
/// Crop-and-scale decimates a camera to any rate above 0 Hz (the spec's capability range
/// starts at 0; Chromium 156 delivers `{frameRate: {max: 0.5}}` from a 20 Hz camera).
/// A rate of exactly 0 is not a frame rate.
pub(crate) const MIN_FRAME_RATE: f64 = 0.0;
/// At most this many distinct values per dimension are taken from constraints (a bound for
/// hostile input; real constraints name a handful).
const MAX_TARGETS: usize = 12;

/// One settings dictionary a device can take.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub settings: MediaTrackSettings,
    pub native: NativeConfig,
    /// Which native option (camera mode, audio configuration, display cursor mode) this
    /// candidate is derived from; tracks sharing a source must share the option.
    pub option: usize,
    /// UA tie-break, compared lexicographically, lower first (spec step 5: "system default
    /// property values and User Agent default property values"). For audio, slots 1 and 2
    /// depend on the constraints and are filled in at selection (see [`crate::audio::tie`]).
    pub tie: [f64; 6],
    /// What the audio tie-break needs to know about a microphone candidate.
    pub audio: Option<crate::audio::AudioTraits>,
}

/// `width / height` rounded to 10 decimal places, as the spec defines `aspectRatio`.
pub(crate) fn aspect(w: u32, h: u32) -> f64 {
    if h == 0 {
        return 0.0;
    }
    (f64::from(w) / f64::from(h) * 1e10).round() / 1e10
}

pub(crate) fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

/// The values a constraint set names for one numeric property: required ones first.
fn push_numeric(
    sets: &[&MediaTrackConstraintSet],
    f: impl Fn(&MediaTrackConstraintSet) -> Option<Vec<(f64, bool)>>,
) -> Vec<f64> {
    let mut hard = Vec::new();
    let mut soft = Vec::new();
    for s in sets {
        for (v, is_ideal) in f(s).unwrap_or_default() {
            if v.is_finite() {
                if is_ideal { soft.push(v) } else { hard.push(v) }
            }
        }
    }
    let mut out: Vec<f64> = Vec::new();
    for v in hard.into_iter().chain(soft) {
        if out.len() >= MAX_TARGETS {
            break;
        }
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn ulong_values(c: &Option<ConstrainULong>) -> Option<Vec<(f64, bool)>> {
    Some(match c.as_ref()? {
        ConstrainULong::Value(v) => vec![(f64::from(*v), false)],
        ConstrainULong::Range(r) => [
            (r.exact, false),
            (r.min, false),
            (r.max, false),
            (r.ideal, true),
        ]
        .into_iter()
        .filter_map(|(v, i)| v.map(|v| (f64::from(v), i)))
        .collect(),
    })
}

fn double_values(c: &Option<ConstrainDouble>) -> Option<Vec<(f64, bool)>> {
    Some(match c.as_ref()? {
        ConstrainDouble::Value(v) => vec![(*v, false)],
        ConstrainDouble::Range(r) => [
            (r.exact, false),
            (r.min, false),
            (r.max, false),
            (r.ideal, true),
        ]
        .into_iter()
        .filter_map(|(v, i)| v.map(|v| (v, i)))
        .collect(),
    })
}

/// Numeric values named by any of the constraints, per property.
pub(crate) struct Targets {
    width: Vec<f64>,
    height: Vec<f64>,
    aspect: Vec<f64>,
    frame_rate: Vec<f64>,
    pub(crate) latency: Vec<f64>,
}

impl Targets {
    fn of(constraints: &[&MediaTrackConstraints]) -> Self {
        let sets: Vec<&MediaTrackConstraintSet> = constraints
            .iter()
            .flat_map(|c| std::iter::once(&c.basic).chain(c.advanced.iter()))
            .collect();
        Targets {
            width: push_numeric(&sets, |s| ulong_values(&s.width)),
            height: push_numeric(&sets, |s| ulong_values(&s.height)),
            aspect: push_numeric(&sets, |s| double_values(&s.aspect_ratio)),
            frame_rate: push_numeric(&sets, |s| double_values(&s.frame_rate)),
            latency: push_numeric(&sets, |s| double_values(&s.latency)),
        }
    }
}

/// Rounds a positive number to a pixel count in `1..=limit`, `None` outside.
fn px(x: f64, limit: u32) -> Option<u32> {
    let r = x.round();
    (r >= 1.0 && r <= f64::from(limit)).then_some(r as u32)
}

/// The closest fraction `p/q` to `a` with `q <= max_q` (continued fractions).
fn rational(a: f64, max_q: u32) -> Option<(u32, u32)> {
    if !(a.is_finite() && a > 0.0) {
        return None;
    }
    let (mut h0, mut h1) = (0u64, 1u64);
    let (mut k0, mut k1) = (1u64, 0u64);
    let mut x = a;
    for _ in 0..32 {
        let ai = x.floor();
        if ai > 1e9 {
            break;
        }
        let ai = ai as u64;
        let h2 = ai * h1 + h0;
        let k2 = ai * k1 + k0;
        if k2 > u64::from(max_q) || h2 > u64::from(u32::MAX) {
            break;
        }
        (h0, h1, k0, k1) = (h1, h2, k1, k2);
        let frac = x - x.floor();
        if frac < 1e-12 {
            break;
        }
        x = 1.0 / frac;
    }
    (h1 > 0 && k1 > 0).then_some((h1 as u32, k1 as u32))
}

/// Sizes reachable by crop-and-scale from a `w0 x h0` mode that a constraint may ask for.
fn sizes(w0: u32, h0: u32, t: &Targets) -> BTreeSet<(u32, u32)> {
    let mut ws: Vec<u32> = vec![w0];
    ws.extend(t.width.iter().filter_map(|&x| px(x, w0)));
    let mut hs: Vec<u32> = vec![h0];
    hs.extend(t.height.iter().filter_map(|&x| px(x, h0)));
    let native = f64::from(w0) / f64::from(h0);
    let mut out = BTreeSet::new();
    for &w in &ws {
        for &h in &hs {
            out.insert((w, h));
        }
        for a in std::iter::once(native).chain(t.aspect.iter().copied()) {
            if a > 0.0 {
                if let Some(h) = px(f64::from(w) / a, h0) {
                    out.insert((w, h));
                }
            }
        }
    }
    for &h in &hs {
        for a in std::iter::once(native).chain(t.aspect.iter().copied()) {
            if let Some(w) = px(f64::from(h) * a, w0) {
                out.insert((w, h));
            }
        }
    }
    for &a in &t.aspect {
        if let Some((p, q)) = rational(a, h0) {
            let k = (w0 / p).min(h0 / q);
            if k >= 1 {
                out.insert((k * p, k * q));
            }
        }
    }
    out
}

/// The native rate `max` and every targeted rate in `(floor, max]` (`[floor, max]` when
/// `floor > 0`).
fn rates(max: f64, floor: f64, t: &Targets) -> Vec<f64> {
    let mut out = vec![max];
    for &r in &t.frame_rate {
        let above = if floor > 0.0 { r >= floor } else { r > 0.0 };
        if above && r <= max && !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// How well a native mode itself fits the size and rate constraints of the basic sets (not
/// aspectRatio: Chromium reaches aspect ratios by cropping the mode nearest the default).
/// A required constraint the mode does not meet counts as [`NATIVE_MISS`].
fn native_fit(mode: &VideoMode, basics: &[&MediaTrackConstraintSet]) -> f64 {
    let s = MediaTrackSettings {
        width: Some(mode.width),
        height: Some(mode.height),
        frame_rate: Some(mode.frame_rate),
        ..Default::default()
    };
    let mut sum = 0.0;
    for set in basics {
        for name in ["width", "height", "frameRate"] {
            if let Some(v) = set.get(name) {
                let d = crate::fitness::constraint_distance(&s, name, v, false, TrackKind::Video);
                sum += if d.is_finite() { d } else { NATIVE_MISS };
            }
        }
    }
    sum
}

/// The tie-break weight of a native mode that misses a required size or rate constraint.
const NATIVE_MISS: f64 = 1000.0;

fn video_candidates(
    dev: &DeviceView<'_>,
    caps: &VideoCapabilities,
    t: &Targets,
    basics: &[&MediaTrackConstraintSet],
) -> Vec<Candidate> {
    let mut out = Vec::new();
    let base = MediaTrackSettings {
        device_id: Some(dev.device_id.clone()),
        group_id: Some(dev.group_id.clone()),
        facing_mode: caps.facing_mode,
        ..Default::default()
    };
    for (i, mode) in caps.modes.iter().enumerate() {
        let VideoMode {
            width: w0,
            height: h0,
            frame_rate: f0,
        } = *mode;
        if w0 == 0 || h0 == 0 || !(f0.is_finite() && f0 > 0.0) {
            continue;
        }
        let native_aspect = aspect(w0, h0);
        // Chromium's tie-break between modes (checked against Chromium 156): first the mode
        // whose own size and rate fit the constraints best, then the mode nearest the
        // default 640x480@30. Within a mode: the native settings ("none"), then the native
        // aspect ratio and rate, then the size nearest the default.
        let mode_fit = native_fit(mode, basics);
        let mode_default = rel(f64::from(w0), DEFAULT_WIDTH)
            + rel(f64::from(h0), DEFAULT_HEIGHT)
            + rel(f0, DEFAULT_FRAME_RATE);
        let make = |w: u32, h: u32, f: f64, resize: VideoResizeModeEnum, tie: [f64; 6]| Candidate {
            settings: MediaTrackSettings {
                width: Some(w),
                height: Some(h),
                aspect_ratio: Some(aspect(w, h)),
                frame_rate: Some(f),
                resize_mode: Some(resize),
                ..base.clone()
            },
            native: NativeConfig::Video(*mode),
            option: i,
            tie,
            audio: None,
        };
        // The native mode, resizeMode "none".
        out.push(make(
            w0,
            h0,
            f0,
            VideoResizeModeEnum::None,
            [mode_fit, mode_default, 0.0, 0.0, 0.0, 0.0],
        ));
        // Spec (MediaStreamTrack SelectSettings): every "none" candidate also exists with
        // "crop-and-scale"; and crop-and-scale reaches smaller sizes and lower rates.
        for (w, h) in sizes(w0, h0, t) {
            for &f in &rates(f0, MIN_FRAME_RATE, t) {
                let exact_native = w == w0 && h == h0 && f == f0;
                let tie = [
                    mode_fit,
                    mode_default,
                    if exact_native { 0.5 } else { 1.0 },
                    rel(aspect(w, h), native_aspect),
                    rel(f, f0),
                    rel(f64::from(w), DEFAULT_WIDTH)
                        + rel(f64::from(h), DEFAULT_HEIGHT)
                        + rel(f, DEFAULT_FRAME_RATE),
                ];
                out.push(make(w, h, f, VideoResizeModeEnum::CropAndScale, tie));
            }
        }
    }
    out
}

fn display_candidates(
    dev: &DeviceView<'_>,
    caps: &DisplayCapabilities,
    t: &Targets,
) -> Vec<Candidate> {
    let (w0, h0) = (caps.width, caps.height);
    if w0 == 0 || h0 == 0 || !(caps.max_frame_rate.is_finite() && caps.max_frame_rate > 0.0) {
        return Vec::new();
    }
    // Screen capture: only aspect-preserving downscales, never crop or upscale (B.2).
    let mut sizes: BTreeSet<(u32, u32)> = BTreeSet::new();
    sizes.insert((w0, h0));
    for &tw in &t.width {
        if let Some(w) = px(tw, w0) {
            let h = px(f64::from(w) * f64::from(h0) / f64::from(w0), h0).unwrap_or(1);
            sizes.insert((w, h));
        }
    }
    for &th in &t.height {
        if let Some(h) = px(th, h0) {
            let w = px(f64::from(h) * f64::from(w0) / f64::from(h0), w0).unwrap_or(1);
            sizes.insert((w, h));
        }
    }
    let cursors: Vec<_> = if caps.cursor.is_empty() {
        vec![None]
    } else {
        caps.cursor.iter().copied().map(Some).collect()
    };
    let default_rate = DEFAULT_FRAME_RATE.min(caps.max_frame_rate);
    let mut out = Vec::new();
    for (option, cursor) in cursors.iter().enumerate() {
        let mut display_rates = rates(caps.max_frame_rate, crate::display::FLOOR_FRAME_RATE, t);
        if !display_rates.contains(&default_rate) {
            display_rates.push(default_rate);
        }
        for &(w, h) in &sizes {
            for &f in &display_rates {
                let full = w == w0 && h == h0;
                let labels: &[VideoResizeModeEnum] = if full {
                    &[VideoResizeModeEnum::None, VideoResizeModeEnum::CropAndScale]
                } else {
                    &[VideoResizeModeEnum::CropAndScale]
                };
                for &resize in labels {
                    let settings = MediaTrackSettings {
                        width: Some(w),
                        height: Some(h),
                        aspect_ratio: Some(aspect(w, h)),
                        frame_rate: Some(f),
                        resize_mode: Some(resize),
                        display_surface: Some(caps.display_surface),
                        logical_surface: Some(true),
                        cursor: *cursor,
                        device_id: Some(dev.device_id.clone()),
                        ..Default::default()
                    };
                    // Chromium: full size, then 30 Hz (or the maximum when lower), then
                    // "none", then the capturer's preferred cursor mode.
                    let tie = [
                        if full {
                            0.0
                        } else {
                            1.0 + rel(f64::from(w), f64::from(w0))
                        },
                        rel(f, default_rate),
                        if resize == VideoResizeModeEnum::None {
                            0.0
                        } else {
                            1.0
                        },
                        0.0,
                        0.0,
                        0.0,
                    ];
                    let native = NativeConfig::Display(DisplayConfig {
                        frame_rate: f,
                        cursor: cursor
                            .unwrap_or(mediacapture_types::CursorCaptureConstraint::Never),
                    });
                    out.push(Candidate {
                        settings,
                        native,
                        option,
                        tie,
                        audio: None,
                    });
                }
            }
        }
    }
    out
}

/// The track kind of a device's tracks, `None` for output devices.
pub(crate) fn device_track_kind(dev: &DeviceView<'_>) -> Option<TrackKind> {
    match dev.descriptor.capabilities {
        NativeCapabilities::Video(_) | NativeCapabilities::Display(_) => Some(TrackKind::Video),
        NativeCapabilities::Audio(_) => Some(TrackKind::Audio),
        NativeCapabilities::Output => None,
    }
}

/// Every candidate settings dictionary of `dev` that the constraints may ask for.
pub(crate) fn candidates(
    dev: &DeviceView<'_>,
    constraints: &[&MediaTrackConstraints],
) -> Vec<Candidate> {
    let t = Targets::of(constraints);
    match &dev.descriptor.capabilities {
        NativeCapabilities::Video(c) => {
            let basics: Vec<&MediaTrackConstraintSet> =
                constraints.iter().map(|c| &c.basic).collect();
            video_candidates(dev, c, &t, &basics)
        }
        NativeCapabilities::Audio(c) => crate::audio::audio_candidates(dev, c, &t),
        NativeCapabilities::Display(c) => display_candidates(dev, c, &t),
        NativeCapabilities::Output => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rational_finds_common_ratios() {
        assert_eq!(rational(16.0 / 9.0, 1080), Some((16, 9)));
        assert_eq!(rational(1.5, 480), Some((3, 2)));
        assert_eq!(rational(4.0 / 3.0, 480), Some((4, 3)));
        assert_eq!(rational(f64::NAN, 480), None);
    }

    #[test]
    fn aspect_is_rounded_to_ten_decimals() {
        assert_eq!(aspect(1920, 1080), 1.7777777778);
        assert_eq!(aspect(640, 480), 1.3333333333);
    }
}
