//! The fitness distance between a settings dictionary and a constraint set.

use mediacapture_types::{
    ConstrainBoolean, ConstrainBooleanOrDOMString, ConstrainDOMString, ConstrainDouble,
    ConstrainULong, ConstraintRef, DOMStringOrSequence, MediaTrackConstraintSet,
    MediaTrackSettings, MediaTrackSupportedConstraints, SettingValue, TrackKind,
};

/// The required part of a constraint.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Required {
    /// `min` / `max` / `exact` of a numeric constraint.
    Range {
        min: Option<f64>,
        max: Option<f64>,
        exact: Option<f64>,
    },
    /// The setting must equal one of these ("==" on a sequence means "any element").
    OneOf(Vec<SettingValue>),
}

/// The preferred part of a constraint.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ideal {
    Number(f64),
    OneOf(Vec<SettingValue>),
}

/// A constraint reduced to what the algorithm uses.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Normalized {
    pub required: Option<Required>,
    pub ideal: Option<Ideal>,
}

fn strings(v: &DOMStringOrSequence) -> Vec<SettingValue> {
    v.values()
        .into_iter()
        .map(|s| SettingValue::String(s.to_owned()))
        .collect()
}

fn bool_or_string(v: &mediacapture_types::BooleanOrDOMString) -> SettingValue {
    match v {
        mediacapture_types::BooleanOrDOMString::Bool(b) => SettingValue::Bool(*b),
        mediacapture_types::BooleanOrDOMString::String(s) => SettingValue::String(s.clone()),
    }
}

fn num_range(
    min: Option<f64>,
    max: Option<f64>,
    exact: Option<f64>,
    ideal: Option<f64>,
) -> Normalized {
    let required = (min.is_some() || max.is_some() || exact.is_some()).then_some(Required::Range {
        min,
        max,
        exact,
    });
    // A non-finite ideal (possible only from Rust, WebIDL rejects it) has no distance
    // formula; it is ignored. A non-finite min/max/exact can never be met.
    Normalized {
        required,
        ideal: ideal.filter(|v| v.is_finite()).map(Ideal::Number),
    }
}

/// A bare value: `exact` in advanced sets, `ideal` in the basic set.
fn bare(values: Vec<SettingValue>, bare_is_exact: bool) -> Normalized {
    if bare_is_exact {
        Normalized {
            required: Some(Required::OneOf(values)),
            ideal: None,
        }
    } else {
        Normalized {
            required: None,
            ideal: Some(Ideal::OneOf(values)),
        }
    }
}

/// Reduces a constraint value. `None` when the value counts as "not specified" (an empty
/// list: "an empty constraint == no constraint").
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-selectsettings> (step 1, empty lists)
pub(crate) fn normalize(c: ConstraintRef<'_>, bare_is_exact: bool) -> Option<Normalized> {
    Some(match c {
        ConstraintRef::ULong(ConstrainULong::Value(v)) => {
            let v = f64::from(*v);
            if bare_is_exact {
                num_range(None, None, Some(v), None)
            } else {
                num_range(None, None, None, Some(v))
            }
        }
        ConstraintRef::ULong(ConstrainULong::Range(r)) => num_range(
            r.min.map(f64::from),
            r.max.map(f64::from),
            r.exact.map(f64::from),
            r.ideal.map(f64::from),
        ),
        ConstraintRef::Double(ConstrainDouble::Value(v)) => {
            if bare_is_exact {
                num_range(None, None, Some(*v), None)
            } else {
                num_range(None, None, None, Some(*v))
            }
        }
        ConstraintRef::Double(ConstrainDouble::Range(r)) => {
            num_range(r.min, r.max, r.exact, r.ideal)
        }
        ConstraintRef::Boolean(ConstrainBoolean::Value(b)) => {
            bare(vec![SettingValue::Bool(*b)], bare_is_exact)
        }
        ConstraintRef::Boolean(ConstrainBoolean::Params(p)) => Normalized {
            required: p
                .exact
                .map(|b| Required::OneOf(vec![SettingValue::Bool(b)])),
            ideal: p.ideal.map(|b| Ideal::OneOf(vec![SettingValue::Bool(b)])),
        },
        ConstraintRef::DOMString(ConstrainDOMString::Value(s)) => {
            bare(vec![SettingValue::String(s.clone())], bare_is_exact)
        }
        ConstraintRef::DOMString(ConstrainDOMString::List(l)) => {
            if l.is_empty() {
                return None;
            }
            bare(
                l.iter().map(|s| SettingValue::String(s.clone())).collect(),
                bare_is_exact,
            )
        }
        ConstraintRef::DOMString(ConstrainDOMString::Params(p))
            if [&p.exact, &p.ideal].iter().all(|m| match m {
                None => true,
                Some(DOMStringOrSequence::List(l)) => l.is_empty(),
                Some(DOMStringOrSequence::One(_)) => false,
            }) && (p.exact.is_some() || p.ideal.is_some()) =>
        {
            // `{exact: []}`, `{ideal: []}`: only empty lists, so "not specified".
            return None;
        }
        ConstraintRef::DOMString(ConstrainDOMString::Params(p)) => Normalized {
            required: p
                .exact
                .as_ref()
                .map(strings)
                .filter(|l| !l.is_empty())
                .map(Required::OneOf),
            ideal: p
                .ideal
                .as_ref()
                .map(strings)
                .filter(|l| !l.is_empty())
                .map(Ideal::OneOf),
        },
        ConstraintRef::BooleanOrDOMString(ConstrainBooleanOrDOMString::Bool(b)) => {
            bare(vec![SettingValue::Bool(*b)], bare_is_exact)
        }
        ConstraintRef::BooleanOrDOMString(ConstrainBooleanOrDOMString::String(s)) => {
            bare(vec![SettingValue::String(s.clone())], bare_is_exact)
        }
        ConstraintRef::BooleanOrDOMString(ConstrainBooleanOrDOMString::Params(p)) => Normalized {
            required: p
                .exact
                .as_ref()
                .map(|v| Required::OneOf(vec![bool_or_string(v)])),
            ideal: p
                .ideal
                .as_ref()
                .map(|v| Ideal::OneOf(vec![bool_or_string(v)])),
        },
    })
}

/// Relative tolerance for comparing doubles against `min`/`max`/`exact`: settings such as
/// `aspectRatio` are rounded to 10 decimals, so `{exact: 16/9}` must match `1.7777777778`.
/// (Chromium also compares double constraints with a small epsilon.)
const DOUBLE_TOLERANCE: f64 = 1e-9;

fn tol(x: f64) -> f64 {
    DOUBLE_TOLERANCE * x.abs().max(1.0)
}

/// Whether `actual` satisfies the required part of a constraint.
pub(crate) fn satisfies(req: &Required, actual: &SettingValue) -> bool {
    match req {
        Required::Range { min, max, exact } => {
            let SettingValue::Number(x) = *actual else {
                return false;
            };
            min.is_none_or(|m| x >= m - tol(m))
                && max.is_none_or(|m| x <= m + tol(m))
                && exact.is_none_or(|e| (x - e).abs() <= tol(e))
        }
        Required::OneOf(values) => values.iter().any(|v| v == actual),
    }
}

/// The distance of `actual` from an ideal (spec steps 7 and 8).
pub(crate) fn ideal_distance(ideal: &Ideal, actual: &SettingValue) -> f64 {
    match (ideal, actual) {
        (Ideal::Number(i), SettingValue::Number(a)) => {
            if a == i {
                0.0
            } else {
                (a - i).abs() / a.abs().max(i.abs())
            }
        }
        (Ideal::Number(_), _) => 1.0,
        (Ideal::OneOf(values), a) => {
            if values.iter().any(|v| v == a) {
                0.0
            } else {
                1.0
            }
        }
    }
}

/// The fitness distance of one constraint (`name`, `value`) for `settings`.
pub(crate) fn constraint_distance(
    settings: &MediaTrackSettings,
    name: &str,
    value: ConstraintRef<'_>,
    bare_is_exact: bool,
    kind: TrackKind,
) -> f64 {
    // Step 1: a constraint the UA does not support contributes 0.
    if !MediaTrackSupportedConstraints::default().supports(name) {
        return 0.0;
    }
    // Step 3, checked before step 2: a constraint that does not apply to this kind of
    // track contributes 0. getUserMedia removes them before SelectSettings (step 6.3) and
    // Chromium ignores them in applyConstraints too, so a `width: {exact: 640}` on an audio
    // track is never an OverconstrainedError.
    if !mediacapture_types::property(name).is_some_and(|p| p.applies.to(kind)) {
        return 0.0;
    }
    let Some(n) = normalize(value, bare_is_exact) else {
        return 0.0;
    };
    let actual = settings.get(name);
    // Step 2: a required constraint not satisfied (or whose setting does not exist) → ∞.
    if let Some(req) = &n.required {
        match &actual {
            Some(a) if satisfies(req, a) => {}
            _ => return f64::INFINITY,
        }
    }
    // Step 4 (a boolean constraint value for a non-boolean property) cannot occur: WebIDL
    // converts `width: true` to the number 1 before the algorithm runs.
    // Step 5: the settings dictionary lacks the member → 1.
    let Some(actual) = actual else {
        return 1.0;
    };
    // Steps 6–8.
    match &n.ideal {
        None => 0.0,
        Some(ideal) => ideal_distance(ideal, &actual),
    }
}

/// The fitness distance between `settings` and the constraint set `set`: the sum over its
/// members of each constraint's distance; `f64::INFINITY` when a required constraint is not
/// met. With `bare_is_exact` (advanced sets) a bare value is a required `exact`; otherwise
/// (the basic set) it is an `ideal`. Constraints that do not apply to `kind` count 0.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-fitness-distance>
pub fn fitness_distance(
    settings: &MediaTrackSettings,
    set: &MediaTrackConstraintSet,
    bare_is_exact: bool,
    kind: TrackKind,
) -> f64 {
    let mut sum = 0.0;
    for (name, value) in set.iter() {
        sum += constraint_distance(settings, name, value, bare_is_exact, kind);
        if sum.is_infinite() {
            return f64::INFINITY;
        }
    }
    sum
}

/// Whether the constraint is *required* in the basic set (has `min`, `max` or `exact`).
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dfn-required-constraints>
pub fn is_required(value: ConstraintRef<'_>) -> bool {
    normalize(value, false).is_some_and(|n| n.required.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mediacapture_types::ConstrainDoubleRange;

    #[test]
    fn non_finite_values_from_rust_are_handled() {
        let s = MediaTrackSettings {
            frame_rate: Some(30.0),
            ..Default::default()
        };
        let v = TrackKind::Video;
        let ideal_nan = MediaTrackConstraintSet::new().frame_rate(f64::NAN);
        assert_eq!(fitness_distance(&s, &ideal_nan, false, v), 0.0);
        let ideal_inf =
            MediaTrackConstraintSet::new().frame_rate(ConstrainDouble::ideal(f64::INFINITY));
        assert_eq!(fitness_distance(&s, &ideal_inf, false, v), 0.0);
        let min_nan = MediaTrackConstraintSet::new().frame_rate(ConstrainDouble::Range(
            ConstrainDoubleRange {
                min: Some(f64::NAN),
                ..Default::default()
            },
        ));
        assert!(fitness_distance(&s, &min_nan, false, v).is_infinite());
        let exact_nan_advanced = MediaTrackConstraintSet::new().frame_rate(f64::NAN);
        assert!(fitness_distance(&s, &exact_nan_advanced, true, v).is_infinite());
    }
}
