//! SelectSettings, getUserMedia's device choice, applyConstraints and source arbitration.

use crate::candidates::{Candidate, candidates, device_track_kind};
use crate::fitness::{constraint_distance, fitness_distance, is_required};
use mediacapture_types::native::{DeviceDescriptor, NativeCapabilities, NativeConfig};
use mediacapture_types::{
    DoubleRange, Error, MediaDeviceKind, MediaStreamConstraints, MediaTrackCapabilities,
    MediaTrackConstraintSet, MediaTrackConstraints, MediaTrackSettings, Result, TrackKind,
    ULongRange, VideoResizeModeEnum,
};
use std::cmp::Ordering;

/// A device as the selection algorithms see it: the backend's description plus the ids
/// exposed to this origin (see [`crate::DeviceIdHasher`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceView<'a> {
    /// What the backend reports.
    pub descriptor: &'a DeviceDescriptor,
    /// The `deviceId` this origin sees.
    pub device_id: String,
    /// The `groupId` this origin sees.
    pub group_id: String,
    /// Whether the software audio processing (echo cancellation, noise suppression, gain
    /// control at 48 kHz) is offered for this device's audio, as a second kind of candidate
    /// settings besides the device's own formats (see [`crate::audio`]). `true` for a
    /// microphone in getUserMedia; `false` for captured system audio, files and generated
    /// sources, which Chromium does not process either.
    pub audio_processing: bool,
}

impl<'a> DeviceView<'a> {
    /// A view of `descriptor` with the given origin-specific ids. A microphone
    /// (`audioinput` with audio capabilities) is offered with software processing.
    pub fn new(
        descriptor: &'a DeviceDescriptor,
        device_id: impl Into<String>,
        group_id: impl Into<String>,
    ) -> Self {
        Self {
            audio_processing: is_microphone(descriptor),
            descriptor,
            device_id: device_id.into(),
            group_id: group_id.into(),
        }
    }

    /// The same view without software audio processing: only the device's own formats.
    pub fn without_audio_processing(mut self) -> Self {
        self.audio_processing = false;
        self
    }
}

/// An `audioinput` device with audio capabilities.
pub fn is_microphone(d: &DeviceDescriptor) -> bool {
    d.kind == MediaDeviceKind::AudioInput && matches!(d.capabilities, NativeCapabilities::Audio(_))
}

/// The outcome of SelectSettings: a track's settings and the native configuration they are
/// derived from.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// What `getSettings()` reports.
    pub settings: MediaTrackSettings,
    /// The native configuration to open the source in. For a camera, `settings` may be
    /// smaller or at a lower rate than this (crop-and-scale) but never larger.
    pub native: NativeConfig,
    /// The fitness distance of `settings` to the basic constraint set.
    pub distance: f64,
}

/// SelectSettings failed: no settings satisfy the required constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsatisfied {
    /// The name of a required constraint that no settings dictionary satisfied, or `""`
    /// when only a combination of constraints fails.
    pub constraint: String,
}

impl Unsatisfied {
    /// The `OverconstrainedError` for this failure.
    pub fn into_error(self) -> Error {
        let msg = if self.constraint.is_empty() {
            "no settings satisfy the constraints".to_owned()
        } else {
            format!("no settings satisfy the '{}' constraint", self.constraint)
        };
        Error::overconstrained(self.constraint, msg)
    }
}

impl From<Unsatisfied> for Error {
    fn from(u: Unsatisfied) -> Self {
        u.into_error()
    }
}

/// The UA's order between candidates at equal distance; `processing`: whether audio
/// processing is on by default for the constraints ([`crate::audio::processing_by_default`]).
fn cmp_tie(a: &Candidate, b: &Candidate, processing: bool) -> Ordering {
    let (ta, tb) = (
        crate::audio::tie(a, processing),
        crate::audio::tie(b, processing),
    );
    for (x, y) in ta.iter().zip(tb.iter()) {
        match x.total_cmp(y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    a.option.cmp(&b.option)
}

/// Required constraints of the basic set in the order they are blamed: deviceId and
/// groupId first (Chromium checks the device before its formats), then IDL order.
fn required_names(set: &MediaTrackConstraintSet) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = set
        .iter()
        .filter(|(_, v)| is_required(*v))
        .map(|(n, _)| n)
        .collect();
    names.sort_by_key(|n| match *n {
        "deviceId" => 0,
        "groupId" => 1,
        _ => 2,
    });
    names
}

/// The required constraints of `set` that no candidate satisfies on its own.
fn always_infinite(
    cands: &[Candidate],
    set: &MediaTrackConstraintSet,
    kind: TrackKind,
) -> Vec<&'static str> {
    required_names(set)
        .into_iter()
        .filter(|name| {
            let Some(v) = set.get(name) else { return false };
            cands
                .iter()
                .all(|c| constraint_distance(&c.settings, name, v, false, kind).is_infinite())
        })
        .collect()
}

/// SelectSettings over a candidate list; returns the chosen index and its basic distance.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-selectsettings>
fn select_from(
    cands: &[Candidate],
    c: &MediaTrackConstraints,
    kind: TrackKind,
) -> std::result::Result<(usize, f64), Unsatisfied> {
    select_from_preferring(cands, c, kind, None)
}

/// [`select_from`] where, at equal distance, the settings equal to `prefer` win.
fn select_from_preferring(
    cands: &[Candidate],
    c: &MediaTrackConstraints,
    kind: TrackKind,
    prefer: Option<&MediaTrackSettings>,
) -> std::result::Result<(usize, f64), Unsatisfied> {
    // Step 3: fitness distance to the basic set, bare values as ideal; keep finite ones.
    let mut alive: Vec<(usize, f64)> = cands
        .iter()
        .enumerate()
        .map(|(i, cand)| (i, fitness_distance(&cand.settings, &c.basic, false, kind)))
        .filter(|(_, d)| d.is_finite())
        .collect();
    // Step 4: none → undefined; the failed constraint is one that was infinite for all.
    if alive.is_empty() {
        let constraint = always_infinite(cands, &c.basic, kind)
            .first()
            .map_or_else(String::new, |s| (*s).to_owned());
        return Err(Unsatisfied { constraint });
    }
    // Step 5: advanced sets in order, bare values as exact; all-or-nothing.
    for set in &c.advanced {
        let keep: Vec<(usize, f64)> = alive
            .iter()
            .copied()
            .filter(|(i, _)| fitness_distance(&cands[*i].settings, set, true, kind).is_finite())
            .collect();
        if !keep.is_empty() {
            alive = keep;
        }
    }
    // Step 6: the smallest basic distance; ties by UA defaults.
    let processing =
        crate::audio::processing_by_default(alive.iter().map(|(i, _)| &cands[*i]), &c.basic);
    alive
        .into_iter()
        .min_by(|(i, d), (j, e)| {
            let is_current = |k: usize| prefer.is_some_and(|p| cands[k].settings == *p);
            d.total_cmp(e)
                .then_with(|| is_current(*j).cmp(&is_current(*i)))
                .then_with(|| cmp_tie(&cands[*i], &cands[*j], processing))
        })
        .ok_or(Unsatisfied {
            constraint: String::new(),
        })
}

fn selection(c: &Candidate, distance: f64) -> Selection {
    Selection {
        settings: c.settings.clone(),
        native: c.native.clone(),
        distance,
    }
}

/// SelectSettings for a track on `dev`: the settings dictionary with the smallest fitness
/// distance to the basic set among those that satisfy its required constraints and, in
/// order, every advanced set that can be satisfied. Constraints that do not apply to the
/// device's kind are ignored. Ties prefer native modes, then Chromium's defaults (640x480 at
/// 30 Hz; echo cancellation, gain control and noise suppression on), then the backend's
/// order.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-selectsettings>
pub fn select_settings(
    dev: &DeviceView<'_>,
    constraints: &MediaTrackConstraints,
) -> std::result::Result<Selection, Unsatisfied> {
    let Some(kind) = device_track_kind(dev) else {
        return Err(Unsatisfied {
            constraint: String::new(),
        });
    };
    let c = constraints.for_kind(kind);
    let cands = candidates(dev, &[&c]);
    let (i, d) = select_from(&cands, &c, kind)?;
    Ok(selection(&cands[i], d))
}

/// SelectSettings for a track whose settings are now `current`: at equal fitness distance
/// the current settings win over the UA defaults, so `applyConstraints({})` or a constraint
/// the current settings already meet changes nothing. This is what Chromium does (156:
/// after `applyConstraints({width: 320})`, `applyConstraints({})` keeps 320x240); the spec
/// leaves ties to the UA.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-selectsettings> (step 5)
pub fn select_settings_with_current(
    dev: &DeviceView<'_>,
    constraints: &MediaTrackConstraints,
    current: Option<&MediaTrackSettings>,
) -> std::result::Result<Selection, Unsatisfied> {
    let Some(kind) = device_track_kind(dev) else {
        return Err(Unsatisfied {
            constraint: String::new(),
        });
    };
    let c = constraints.for_kind(kind);
    // Make sure the current settings are among the candidates.
    let mut here = MediaTrackConstraintSet::new();
    if let Some(cur) = current {
        here.width = cur.width.map(mediacapture_types::ConstrainULong::ideal);
        here.height = cur.height.map(mediacapture_types::ConstrainULong::ideal);
        here.frame_rate = cur
            .frame_rate
            .map(mediacapture_types::ConstrainDouble::ideal);
        here.latency = cur.latency.map(mediacapture_types::ConstrainDouble::ideal);
    }
    let extra = MediaTrackConstraints {
        basic: here,
        advanced: Vec::new(),
    };
    let cands = candidates(dev, &[&c, &extra]);
    let (i, d) = select_from_preferring(&cands, &c, kind, current)?;
    Ok(selection(&cands[i], d))
}

/// The ApplyConstraints algorithm for a track on `dev`: the new settings, or an
/// `OverconstrainedError` naming the failed constraint. A `deviceId` or `groupId` other than
/// the device's own can never be satisfied, so it fails with that name.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-applyconstraints-algorithm>
pub fn apply_constraints(
    dev: &DeviceView<'_>,
    constraints: &MediaTrackConstraints,
) -> Result<Selection> {
    select_settings(dev, constraints).map_err(Unsatisfied::into_error)
}

/// A track's `[[Constraints]]` and `[[Settings]]`, replaced together by a successful
/// `applyConstraints()` and left untouched by a failed one.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstrainedTrack {
    /// `getConstraints()`.
    pub constraints: MediaTrackConstraints,
    /// `getSettings()`.
    pub settings: MediaTrackSettings,
    /// The native configuration the settings derive from.
    pub native: NativeConfig,
}

impl ConstrainedTrack {
    /// The state of a new track on `dev` created with `constraints`.
    pub fn new(dev: &DeviceView<'_>, constraints: MediaTrackConstraints) -> Result<Self> {
        let s = apply_constraints(dev, &constraints)?;
        Ok(Self {
            constraints,
            settings: s.settings,
            native: s.native,
        })
    }

    /// `applyConstraints(constraints)`: on success, atomically replace constraints and
    /// settings; on failure (`OverconstrainedError`) keep the old ones. At equal fitness
    /// distance the current settings are kept ([`select_settings_with_current`]).
    ///
    /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediastreamtrack-applyconstraints>
    pub fn apply(
        &mut self,
        dev: &DeviceView<'_>,
        constraints: MediaTrackConstraints,
    ) -> Result<()> {
        let s = select_settings_with_current(dev, &constraints, Some(&self.settings))
            .map_err(Unsatisfied::into_error)?;
        self.constraints = constraints;
        self.settings = s.settings;
        self.native = s.native;
        Ok(())
    }
}

/// getUserMedia's synchronous check: the kinds requested (`true` or a dictionary), or a
/// TypeError when there is none (`{}`, `{video: false}`, unknown members only).
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia> (step 3)
pub fn requested_kinds(c: &MediaStreamConstraints) -> Result<Vec<TrackKind>> {
    let kinds: Vec<TrackKind> = [TrackKind::Audio, TrackKind::Video]
        .into_iter()
        .filter(|k| c.get(*k).is_requested())
        .collect();
    if kinds.is_empty() {
        Err(Error::type_error(
            "At least one of audio and video must be requested",
        ))
    } else {
        Ok(kinds)
    }
}

/// A TypeError when the basic set has a required constraint outside the *allowed required
/// constraints for device selection* (after dropping other kinds' constraints).
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-allowed-required-constraints-for-device-selection>
pub fn check_allowed_required(kind: TrackKind, constraints: &MediaTrackConstraints) -> Result<()> {
    let c = constraints.for_kind(kind);
    for (name, v) in c.basic.iter() {
        let allowed = mediacapture_types::property(name).is_some_and(|p| p.allowed_required);
        if is_required(v) && !allowed {
            return Err(Error::type_error(format!(
                "'{name}' cannot be a required constraint (min, max or exact) in getUserMedia"
            )));
        }
    }
    Ok(())
}

fn is_capture_device_of(kind: TrackKind, d: &DeviceDescriptor) -> bool {
    match kind {
        TrackKind::Video => {
            d.kind == MediaDeviceKind::VideoInput
                && matches!(d.capabilities, NativeCapabilities::Video(_))
        }
        TrackKind::Audio => {
            d.kind == MediaDeviceKind::AudioInput
                && matches!(d.capabilities, NativeCapabilities::Audio(_))
        }
    }
}

/// getUserMedia's per-kind choice: the device and settings for a track of `kind`.
/// Display surfaces are never candidates.
///
/// Errors, in the spec's order: NotFoundError when no device of the kind exists; TypeError
/// for a required constraint not allowed in device selection; OverconstrainedError naming a
/// required constraint that no settings of any device satisfy (`""` when only a
/// combination fails). Among the devices that fit, the smallest fitness distance wins; ties
/// prefer the system default device, then list order.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia> (steps 6.1–6.5, 11)
pub fn select_device(
    kind: TrackKind,
    devices: &[DeviceView<'_>],
    constraints: &MediaTrackConstraints,
) -> Result<(usize, Selection)> {
    let of_kind: Vec<usize> = (0..devices.len())
        .filter(|&i| is_capture_device_of(kind, devices[i].descriptor))
        .collect();
    if of_kind.is_empty() {
        return Err(Error::not_found(format!("no {kind} input device")));
    }
    check_allowed_required(kind, constraints)?;
    let c = constraints.for_kind(kind);
    // Chromium over the spec text: the spec runs SelectSettings per device, so an advanced
    // set only narrows within a device and `{advanced: [{deviceId: X}]}` could not pick X.
    // Chromium ranks the (device, settings) candidates of all devices together, applying
    // the advanced sets to the whole pool, and so honours such sets; done the same here.
    let mut pool: Vec<(usize, Candidate, f64)> = Vec::new();
    let mut failed: Option<Vec<&'static str>> = None;
    for &i in &of_kind {
        let cands = candidates(&devices[i], &[&c]);
        let before = pool.len();
        for cand in &cands {
            let d = fitness_distance(&cand.settings, &c.basic, false, kind);
            if d.is_finite() {
                pool.push((i, cand.clone(), d));
            }
        }
        if pool.len() == before {
            let here = always_infinite(&cands, &c.basic, kind);
            failed = Some(match failed {
                None => here,
                Some(prev) => prev.into_iter().filter(|n| here.contains(n)).collect(),
            });
        }
    }
    if pool.is_empty() {
        let u = Unsatisfied {
            constraint: failed
                .and_then(|f| f.first().map(|s| (*s).to_owned()))
                .unwrap_or_default(),
        };
        return Err(u.into_error());
    }
    for set in &c.advanced {
        let keep: Vec<(usize, Candidate, f64)> = pool
            .iter()
            .filter(|(_, cand, _)| fitness_distance(&cand.settings, set, true, kind).is_finite())
            .cloned()
            .collect();
        if !keep.is_empty() {
            pool = keep;
        }
    }
    // Smallest distance; ties: the system default device, then list order, then the
    // device's own defaults (audio processing on by default or not, per device).
    let processing: Vec<bool> = (0..devices.len())
        .map(|k| {
            crate::audio::processing_by_default(
                pool.iter().filter(|(i, _, _)| *i == k).map(|(_, c, _)| c),
                &c.basic,
            )
        })
        .collect();
    let best = pool.into_iter().min_by(|(i, a, d), (j, b, e)| {
        d.total_cmp(e)
            .then_with(|| {
                devices[*j]
                    .descriptor
                    .is_default
                    .cmp(&devices[*i].descriptor.is_default)
            })
            .then_with(|| i.cmp(j))
            .then_with(|| cmp_tie(a, b, processing.get(*i).copied().unwrap_or(true)))
    });
    match best {
        Some((i, cand, d)) => Ok((i, selection(&cand, d))),
        None => Err(Unsatisfied {
            constraint: String::new(),
        }
        .into_error()),
    }
}

/// What `getCapabilities()` returns for a track on `dev` (camera, microphone or display).
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constrainablepattern-getcapabilities>
pub fn capabilities(dev: &DeviceView<'_>) -> MediaTrackCapabilities {
    let id = Some(dev.device_id.clone());
    let group = Some(dev.group_id.clone());
    match &dev.descriptor.capabilities {
        NativeCapabilities::Video(v) => {
            let max_w = v.modes.iter().map(|m| m.width).max().unwrap_or(0);
            let max_h = v.modes.iter().map(|m| m.height).max().unwrap_or(0);
            let max_f = v.modes.iter().map(|m| m.frame_rate).fold(0.0, f64::max);
            // Chromium: any size from 1x1 up to the largest mode (crop-and-scale), so the
            // aspect ratio ranges from 1/max_height to max_width/1; rates from 0 (the spec
            // and Chromium 156 both report min 0).
            MediaTrackCapabilities {
                width: Some(ULongRange::new(1.min(max_w), max_w)),
                height: Some(ULongRange::new(1.min(max_h), max_h)),
                aspect_ratio: Some(DoubleRange::new(
                    if max_h > 0 {
                        1.0 / f64::from(max_h)
                    } else {
                        0.0
                    },
                    f64::from(max_w),
                )),
                frame_rate: Some(DoubleRange::new(
                    crate::candidates::MIN_FRAME_RATE.min(max_f),
                    max_f,
                )),
                facing_mode: Some(v.facing_mode.into_iter().collect()),
                resize_mode: Some(vec![
                    VideoResizeModeEnum::None,
                    VideoResizeModeEnum::CropAndScale,
                ]),
                device_id: id,
                group_id: group,
                ..Default::default()
            }
        }
        NativeCapabilities::Audio(a) => crate::audio::audio_capabilities(dev, a),
        NativeCapabilities::Display(d) => MediaTrackCapabilities {
            // B.3: width/height up to the surface, down to the smallest aspect-preserving
            // downscale; aspectRatio is the surface's own.
            width: Some(ULongRange::new(1.min(d.width), d.width)),
            height: Some(ULongRange::new(1.min(d.height), d.height)),
            aspect_ratio: Some({
                let a = crate::candidates::aspect(d.width, d.height);
                DoubleRange::new(a, a)
            }),
            frame_rate: Some(DoubleRange::new(
                crate::display::FLOOR_FRAME_RATE.min(d.max_frame_rate),
                d.max_frame_rate,
            )),
            resize_mode: Some(vec![
                VideoResizeModeEnum::None,
                VideoResizeModeEnum::CropAndScale,
            ]),
            display_surface: Some(d.display_surface),
            logical_surface: Some(true),
            cursor: Some(d.cursor.clone()),
            device_id: id,
            ..Default::default()
        },
        NativeCapabilities::Output => MediaTrackCapabilities::default(),
    }
}
