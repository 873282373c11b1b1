//! Constraints: `MediaStreamConstraints`, `MediaTrackConstraints`, `MediaTrackConstraintSet`
//! and the `Constrain*` value types, plus `DisplayMediaStreamOptions`.
//!
//! Every type converts from JSON exactly as WebIDL converts the JavaScript value a page would
//! pass ([`MediaStreamConstraints::from_json`]), and serializes back to what
//! `getConstraints()` returns (absent members omitted).
//!
//! Spec: <https://w3c.github.io/mediacapture-main/#constrainable-properties>

use crate::enums::{
    CursorCaptureConstraint, DisplayCaptureSurfaceType, EchoCancellationModeEnum,
    MonitorTypeSurfacesEnum, SelfCapturePreferenceEnum, SurfaceSwitchingPreferenceEnum,
    SystemAudioPreferenceEnum, TrackKind, VideoFacingModeEnum, VideoResizeModeEnum,
};
use crate::error::{Error, Result};
use crate::webidl::{
    clamp_ulong, dictionary, enumeration, finite_double, member, sequence, to_boolean, to_js_string,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Conversion from a JSON value with WebIDL semantics; `path` names the member in errors.
trait FromJs: Sized {
    fn from_js(v: &Value, path: &str) -> Result<Self>;
}

/// Implements `Deserialize` (through `serde_json::Value`) and `from_json`/`from_value` with
/// the WebIDL conversion, so that serde and the explicit functions agree.
macro_rules! webidl_deserialize {
    ($ty:ty) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let v = Value::deserialize(d)?;
                <$ty as FromJs>::from_js(&v, "").map_err(serde::de::Error::custom)
            }
        }
        impl $ty {
            /// Converts a JSON text as WebIDL converts the JavaScript value it denotes.
            /// Unknown members are ignored; values of the wrong type are coerced as
            /// JavaScript would, or give a `TypeError` naming the member.
            pub fn from_json(s: &str) -> Result<Self> {
                let v: Value = serde_json::from_str(s)
                    .map_err(|e| Error::type_error(format!("invalid JSON: {e}")))?;
                Self::from_value(&v)
            }
            /// Converts a JSON value as WebIDL converts the JavaScript value it denotes.
            pub fn from_value(v: &Value) -> Result<Self> {
                <$ty as FromJs>::from_js(v, "")
            }
        }
    };
}

fn opt<T: FromJs>(map: Option<&Map<String, Value>>, path: &str, name: &str) -> Result<Option<T>> {
    match map.and_then(|m| m.get(name)) {
        Some(v) => T::from_js(v, &member(path, name)).map(Some),
        None => Ok(None),
    }
}

impl FromJs for u32 {
    fn from_js(v: &Value, _path: &str) -> Result<Self> {
        Ok(clamp_ulong(v))
    }
}
impl FromJs for f64 {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        finite_double(v, path)
    }
}
impl FromJs for bool {
    fn from_js(v: &Value, _path: &str) -> Result<Self> {
        Ok(to_boolean(v))
    }
}

// ---------------------------------------------------------------------------------------------
// ConstrainULong / ConstrainDouble

/// `ConstrainULongRange`: `{min, max, exact, ideal}`, each `[Clamp] unsigned long`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constrainulongrange>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ConstrainULongRange {
    /// Required: the setting must be at most this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// Required: the setting must be at least this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// Required: the setting must be exactly this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact: Option<u32>,
    /// Preferred value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ideal: Option<u32>,
}

/// `ConstrainULong` = `[Clamp] unsigned long or ConstrainULongRange`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constrainulong>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ConstrainULong {
    /// A bare value: ideal in the basic set, exact in an advanced set.
    Value(u32),
    /// A dictionary.
    Range(ConstrainULongRange),
}

impl ConstrainULong {
    /// `{exact: v}`.
    pub fn exact(v: u32) -> Self {
        Self::Range(ConstrainULongRange {
            exact: Some(v),
            ..Default::default()
        })
    }
    /// `{ideal: v}`.
    pub fn ideal(v: u32) -> Self {
        Self::Range(ConstrainULongRange {
            ideal: Some(v),
            ..Default::default()
        })
    }
    /// `{min: v}`.
    pub fn min(v: u32) -> Self {
        Self::Range(ConstrainULongRange {
            min: Some(v),
            ..Default::default()
        })
    }
    /// `{max: v}`.
    pub fn max(v: u32) -> Self {
        Self::Range(ConstrainULongRange {
            max: Some(v),
            ..Default::default()
        })
    }
    /// `{min, max}`.
    pub fn range(min: u32, max: u32) -> Self {
        Self::Range(ConstrainULongRange {
            min: Some(min),
            max: Some(max),
            ..Default::default()
        })
    }
}

impl From<u32> for ConstrainULong {
    fn from(v: u32) -> Self {
        Self::Value(v)
    }
}
impl From<ConstrainULongRange> for ConstrainULong {
    fn from(v: ConstrainULongRange) -> Self {
        Self::Range(v)
    }
}

impl FromJs for ConstrainULong {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        // Union conversion: null and objects become the dictionary, anything else the number.
        match v {
            Value::Null | Value::Object(_) | Value::Array(_) => {
                let m = dictionary(v, path, "ConstrainULongRange")?;
                Ok(Self::Range(ConstrainULongRange {
                    max: opt(m, path, "max")?,
                    min: opt(m, path, "min")?,
                    exact: opt(m, path, "exact")?,
                    ideal: opt(m, path, "ideal")?,
                }))
            }
            other => Ok(Self::Value(clamp_ulong(other))),
        }
    }
}
webidl_deserialize!(ConstrainULong);

/// `ConstrainDoubleRange`: `{min, max, exact, ideal}`, each a finite `double`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constraindoublerange>
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ConstrainDoubleRange {
    /// Required: the setting must be at most this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Required: the setting must be at least this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Required: the setting must be exactly this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact: Option<f64>,
    /// Preferred value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ideal: Option<f64>,
}

/// `ConstrainDouble` = `double or ConstrainDoubleRange`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constraindouble>
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ConstrainDouble {
    /// A bare value: ideal in the basic set, exact in an advanced set.
    Value(f64),
    /// A dictionary.
    Range(ConstrainDoubleRange),
}

impl ConstrainDouble {
    /// `{exact: v}`.
    pub fn exact(v: f64) -> Self {
        Self::Range(ConstrainDoubleRange {
            exact: Some(v),
            ..Default::default()
        })
    }
    /// `{ideal: v}`.
    pub fn ideal(v: f64) -> Self {
        Self::Range(ConstrainDoubleRange {
            ideal: Some(v),
            ..Default::default()
        })
    }
    /// `{min: v}`.
    pub fn min(v: f64) -> Self {
        Self::Range(ConstrainDoubleRange {
            min: Some(v),
            ..Default::default()
        })
    }
    /// `{max: v}`.
    pub fn max(v: f64) -> Self {
        Self::Range(ConstrainDoubleRange {
            max: Some(v),
            ..Default::default()
        })
    }
    /// `{min, max}`.
    pub fn range(min: f64, max: f64) -> Self {
        Self::Range(ConstrainDoubleRange {
            min: Some(min),
            max: Some(max),
            ..Default::default()
        })
    }
}

impl From<f64> for ConstrainDouble {
    fn from(v: f64) -> Self {
        Self::Value(v)
    }
}
impl From<ConstrainDoubleRange> for ConstrainDouble {
    fn from(v: ConstrainDoubleRange) -> Self {
        Self::Range(v)
    }
}

impl FromJs for ConstrainDouble {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        match v {
            Value::Null | Value::Object(_) | Value::Array(_) => {
                let m = dictionary(v, path, "ConstrainDoubleRange")?;
                Ok(Self::Range(ConstrainDoubleRange {
                    max: opt(m, path, "max")?,
                    min: opt(m, path, "min")?,
                    exact: opt(m, path, "exact")?,
                    ideal: opt(m, path, "ideal")?,
                }))
            }
            other => Ok(Self::Value(finite_double(other, path)?)),
        }
    }
}
webidl_deserialize!(ConstrainDouble);

// ---------------------------------------------------------------------------------------------
// ConstrainBoolean

/// `ConstrainBooleanParameters`: `{exact, ideal}`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constrainbooleanparameters>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ConstrainBooleanParameters {
    /// Required value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact: Option<bool>,
    /// Preferred value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ideal: Option<bool>,
}

/// `ConstrainBoolean` = `boolean or ConstrainBooleanParameters`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constrainboolean>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ConstrainBoolean {
    /// A bare value: ideal in the basic set, exact in an advanced set.
    Value(bool),
    /// A dictionary.
    Params(ConstrainBooleanParameters),
}

impl ConstrainBoolean {
    /// `{exact: v}`.
    pub fn exact(v: bool) -> Self {
        Self::Params(ConstrainBooleanParameters {
            exact: Some(v),
            ideal: None,
        })
    }
    /// `{ideal: v}`.
    pub fn ideal(v: bool) -> Self {
        Self::Params(ConstrainBooleanParameters {
            exact: None,
            ideal: Some(v),
        })
    }
}

impl From<bool> for ConstrainBoolean {
    fn from(v: bool) -> Self {
        Self::Value(v)
    }
}

impl FromJs for ConstrainBoolean {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        match v {
            Value::Null | Value::Object(_) | Value::Array(_) => {
                let m = dictionary(v, path, "ConstrainBooleanParameters")?;
                Ok(Self::Params(ConstrainBooleanParameters {
                    exact: opt(m, path, "exact")?,
                    ideal: opt(m, path, "ideal")?,
                }))
            }
            other => Ok(Self::Value(to_boolean(other))),
        }
    }
}
webidl_deserialize!(ConstrainBoolean);

// ---------------------------------------------------------------------------------------------
// ConstrainDOMString

/// `DOMString or sequence<DOMString>`, the type of `exact` and `ideal` in
/// `ConstrainDOMStringParameters`. A sequence means "any of these".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DOMStringOrSequence {
    /// One string.
    One(String),
    /// Any of several strings.
    List(Vec<String>),
}

impl DOMStringOrSequence {
    /// The strings, as a slice-like list (one element for [`DOMStringOrSequence::One`]).
    pub fn values(&self) -> Vec<&str> {
        match self {
            Self::One(s) => vec![s.as_str()],
            Self::List(l) => l.iter().map(String::as_str).collect(),
        }
    }
}

impl FromJs for DOMStringOrSequence {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        match v {
            Value::Array(items) => Ok(Self::List(items.iter().map(to_js_string).collect())),
            other => {
                let _ = path;
                Ok(Self::One(to_js_string(other)))
            }
        }
    }
}

impl From<&str> for DOMStringOrSequence {
    fn from(v: &str) -> Self {
        Self::One(v.to_owned())
    }
}
impl From<String> for DOMStringOrSequence {
    fn from(v: String) -> Self {
        Self::One(v)
    }
}
impl From<Vec<String>> for DOMStringOrSequence {
    fn from(v: Vec<String>) -> Self {
        Self::List(v)
    }
}
impl From<Vec<&str>> for DOMStringOrSequence {
    fn from(v: Vec<&str>) -> Self {
        Self::List(v.into_iter().map(str::to_owned).collect())
    }
}
impl<const N: usize> From<[&str; N]> for DOMStringOrSequence {
    fn from(v: [&str; N]) -> Self {
        Self::List(v.into_iter().map(str::to_owned).collect())
    }
}

/// `ConstrainDOMStringParameters`: `{exact, ideal}`, each a string or a list of strings.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constraindomstringparameters>
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ConstrainDOMStringParameters {
    /// Required: the setting must equal (one of) these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact: Option<DOMStringOrSequence>,
    /// Preferred: the setting should equal (one of) these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ideal: Option<DOMStringOrSequence>,
}

/// `ConstrainDOMString` = `DOMString or sequence<DOMString> or ConstrainDOMStringParameters`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constraindomstring>
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ConstrainDOMString {
    /// A bare string: ideal in the basic set, exact in an advanced set.
    Value(String),
    /// A bare list ("any of"): ideal in the basic set, exact in an advanced set.
    List(Vec<String>),
    /// A dictionary.
    Params(ConstrainDOMStringParameters),
}

impl ConstrainDOMString {
    /// `{exact: v}` (a string or a list).
    pub fn exact(v: impl Into<DOMStringOrSequence>) -> Self {
        Self::Params(ConstrainDOMStringParameters {
            exact: Some(v.into()),
            ideal: None,
        })
    }
    /// `{ideal: v}` (a string or a list).
    pub fn ideal(v: impl Into<DOMStringOrSequence>) -> Self {
        Self::Params(ConstrainDOMStringParameters {
            exact: None,
            ideal: Some(v.into()),
        })
    }
}

impl From<&str> for ConstrainDOMString {
    fn from(v: &str) -> Self {
        Self::Value(v.to_owned())
    }
}
impl From<String> for ConstrainDOMString {
    fn from(v: String) -> Self {
        Self::Value(v)
    }
}
impl From<Vec<String>> for ConstrainDOMString {
    fn from(v: Vec<String>) -> Self {
        Self::List(v)
    }
}
impl From<Vec<&str>> for ConstrainDOMString {
    fn from(v: Vec<&str>) -> Self {
        Self::List(v.into_iter().map(str::to_owned).collect())
    }
}
impl<const N: usize> From<[&str; N]> for ConstrainDOMString {
    fn from(v: [&str; N]) -> Self {
        Self::List(v.into_iter().map(str::to_owned).collect())
    }
}
macro_rules! dom_string_from_enum {
    ($($t:ty),*) => {$(
        impl From<$t> for ConstrainDOMString {
            fn from(v: $t) -> Self { Self::Value(v.as_str().to_owned()) }
        }
        impl From<$t> for DOMStringOrSequence {
            fn from(v: $t) -> Self { Self::One(v.as_str().to_owned()) }
        }
    )*};
}
dom_string_from_enum!(
    VideoFacingModeEnum,
    VideoResizeModeEnum,
    DisplayCaptureSurfaceType,
    CursorCaptureConstraint
);

impl FromJs for ConstrainDOMString {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        match v {
            // An Array is iterable, so the sequence member of the union wins over the dictionary.
            Value::Array(items) => Ok(Self::List(items.iter().map(to_js_string).collect())),
            Value::Null | Value::Object(_) => {
                let m = dictionary(v, path, "ConstrainDOMStringParameters")?;
                Ok(Self::Params(ConstrainDOMStringParameters {
                    exact: opt(m, path, "exact")?,
                    ideal: opt(m, path, "ideal")?,
                }))
            }
            other => Ok(Self::Value(to_js_string(other))),
        }
    }
}
webidl_deserialize!(ConstrainDOMString);

// ---------------------------------------------------------------------------------------------
// ConstrainBooleanOrDOMString

/// `boolean or DOMString`, the value type of `echoCancellation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum BooleanOrDOMString {
    /// `true` / `false`.
    Bool(bool),
    /// A string such as `"all"` or `"remote-only"`.
    String(String),
}

impl FromJs for BooleanOrDOMString {
    fn from_js(v: &Value, _path: &str) -> Result<Self> {
        match v {
            Value::Bool(b) => Ok(Self::Bool(*b)),
            other => Ok(Self::String(to_js_string(other))),
        }
    }
}

/// `ConstrainBooleanOrDOMStringParameters`: `{exact, ideal}`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constrainbooleanordomstringparameters>
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ConstrainBooleanOrDOMStringParameters {
    /// Required value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact: Option<BooleanOrDOMString>,
    /// Preferred value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ideal: Option<BooleanOrDOMString>,
}

/// `ConstrainBooleanOrDOMString` = `boolean or DOMString or ConstrainBooleanOrDOMStringParameters`
/// (the type of `echoCancellation`).
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-constrainbooleanordomstring>
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ConstrainBooleanOrDOMString {
    /// A bare boolean: ideal in the basic set, exact in an advanced set.
    Bool(bool),
    /// A bare string: ideal in the basic set, exact in an advanced set.
    String(String),
    /// A dictionary.
    Params(ConstrainBooleanOrDOMStringParameters),
}

impl ConstrainBooleanOrDOMString {
    /// `{exact: v}`.
    pub fn exact(v: impl Into<BooleanOrDOMString>) -> Self {
        Self::Params(ConstrainBooleanOrDOMStringParameters {
            exact: Some(v.into()),
            ideal: None,
        })
    }
    /// `{ideal: v}`.
    pub fn ideal(v: impl Into<BooleanOrDOMString>) -> Self {
        Self::Params(ConstrainBooleanOrDOMStringParameters {
            exact: None,
            ideal: Some(v.into()),
        })
    }
}

impl From<bool> for BooleanOrDOMString {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<&str> for BooleanOrDOMString {
    fn from(v: &str) -> Self {
        Self::String(v.to_owned())
    }
}
impl From<EchoCancellationModeEnum> for BooleanOrDOMString {
    fn from(v: EchoCancellationModeEnum) -> Self {
        Self::String(v.as_str().to_owned())
    }
}
impl From<bool> for ConstrainBooleanOrDOMString {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<&str> for ConstrainBooleanOrDOMString {
    fn from(v: &str) -> Self {
        Self::String(v.to_owned())
    }
}
impl From<EchoCancellationModeEnum> for ConstrainBooleanOrDOMString {
    fn from(v: EchoCancellationModeEnum) -> Self {
        Self::String(v.as_str().to_owned())
    }
}

impl FromJs for ConstrainBooleanOrDOMString {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        match v {
            Value::Null | Value::Object(_) | Value::Array(_) => {
                let m = dictionary(v, path, "ConstrainBooleanOrDOMStringParameters")?;
                Ok(Self::Params(ConstrainBooleanOrDOMStringParameters {
                    exact: opt(m, path, "exact")?,
                    ideal: opt(m, path, "ideal")?,
                }))
            }
            Value::Bool(b) => Ok(Self::Bool(*b)),
            other => Ok(Self::String(to_js_string(other))),
        }
    }
}
webidl_deserialize!(ConstrainBooleanOrDOMString);

// ---------------------------------------------------------------------------------------------
// MediaTrackConstraintSet

/// Which tracks a constrainable property applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Applies {
    /// Video tracks only.
    Video,
    /// Audio tracks only.
    Audio,
    /// Both kinds.
    Both,
}

impl Applies {
    /// Whether a property with this applicability applies to a track of `kind`.
    pub fn to(self, kind: TrackKind) -> bool {
        matches!(
            (self, kind),
            (Applies::Both, _)
                | (Applies::Video, TrackKind::Video)
                | (Applies::Audio, TrackKind::Audio)
        )
    }
}

/// What the library knows about one constrainable property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PropertyInfo {
    /// The IDL member name, e.g. `"aspectRatio"`.
    pub name: &'static str,
    /// Which tracks it applies to.
    pub applies: Applies,
    /// Whether it is in the spec's *allowed required constraints for device selection*
    /// (a required constraint on any other property is a TypeError in getUserMedia).
    pub allowed_required: bool,
}

/// A borrowed constraint value of any `Constrain*` type, for generic processing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstraintRef<'a> {
    /// A `ConstrainULong`.
    ULong(&'a ConstrainULong),
    /// A `ConstrainDouble`.
    Double(&'a ConstrainDouble),
    /// A `ConstrainBoolean`.
    Boolean(&'a ConstrainBoolean),
    /// A `ConstrainDOMString`.
    DOMString(&'a ConstrainDOMString),
    /// A `ConstrainBooleanOrDOMString`.
    BooleanOrDOMString(&'a ConstrainBooleanOrDOMString),
}

impl ConstraintRef<'_> {
    /// Whether the value has a `min`, `max` or `exact` member (a *required* constraint when
    /// it is in the basic set). Empty lists count as absent.
    pub fn has_required_member(&self) -> bool {
        match self {
            ConstraintRef::ULong(ConstrainULong::Range(r)) => {
                r.min.is_some() || r.max.is_some() || r.exact.is_some()
            }
            ConstraintRef::Double(ConstrainDouble::Range(r)) => {
                r.min.is_some() || r.max.is_some() || r.exact.is_some()
            }
            ConstraintRef::Boolean(ConstrainBoolean::Params(p)) => p.exact.is_some(),
            ConstraintRef::DOMString(ConstrainDOMString::Params(p)) => match &p.exact {
                Some(DOMStringOrSequence::List(l)) => !l.is_empty(),
                Some(DOMStringOrSequence::One(_)) => true,
                None => false,
            },
            ConstraintRef::BooleanOrDOMString(ConstrainBooleanOrDOMString::Params(p)) => {
                p.exact.is_some()
            }
            _ => false,
        }
    }
    /// Whether the value has a `min` or `exact` member (getDisplayMedia rejects these).
    pub fn has_min_or_exact(&self) -> bool {
        match self {
            ConstraintRef::ULong(ConstrainULong::Range(r)) => r.min.is_some() || r.exact.is_some(),
            ConstraintRef::Double(ConstrainDouble::Range(r)) => {
                r.min.is_some() || r.exact.is_some()
            }
            ConstraintRef::Boolean(ConstrainBoolean::Params(p)) => p.exact.is_some(),
            ConstraintRef::DOMString(ConstrainDOMString::Params(p)) => p.exact.is_some(),
            ConstraintRef::BooleanOrDOMString(ConstrainBooleanOrDOMString::Params(p)) => {
                p.exact.is_some()
            }
            _ => false,
        }
    }
    /// The `max` member of a numeric constraint, as a number.
    pub fn max(&self) -> Option<f64> {
        match self {
            ConstraintRef::ULong(ConstrainULong::Range(r)) => r.max.map(f64::from),
            ConstraintRef::Double(ConstrainDouble::Range(r)) => r.max,
            _ => None,
        }
    }
}

macro_rules! constraint_set {
    ($( $(#[$doc:meta])* $field:ident : $ty:ident = $name:literal, $applies:ident, $allowed:literal, $variant:ident; )*) => {
        /// `MediaTrackConstraintSet` (with the screen-capture additions): one set of
        /// constraints, every member optional.
        ///
        /// Builder methods named after the members set them: `set.width(640)`.
        ///
        /// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediatrackconstraintset>
        #[derive(Debug, Clone, PartialEq, Default, Serialize)]
        pub struct MediaTrackConstraintSet {
            $(
                $(#[$doc])*
                #[serde(rename = $name, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl MediaTrackConstraintSet {
            $(
                #[doc = concat!("Sets `", $name, "` (builder style).")]
                pub fn $field(mut self, v: impl Into<$ty>) -> Self {
                    self.$field = Some(v.into());
                    self
                }
            )*

            /// The members present, in IDL order, as `(name, value)`.
            pub fn iter(&self) -> impl Iterator<Item = (&'static str, ConstraintRef<'_>)> {
                [$( ($name, self.$field.as_ref().map(ConstraintRef::$variant)) ),*]
                    .into_iter()
                    .filter_map(|(n, v)| v.map(|v| (n, v)))
            }

            /// The member named `name` (IDL spelling), if present.
            pub fn get(&self, name: &str) -> Option<ConstraintRef<'_>> {
                match name {
                    $( $name => self.$field.as_ref().map(ConstraintRef::$variant), )*
                    _ => None,
                }
            }

            /// Removes the member named `name` (IDL spelling); `true` if it was present.
            pub fn remove(&mut self, name: &str) -> bool {
                match name {
                    $( $name => self.$field.take().is_some(), )*
                    _ => false,
                }
            }

            /// Whether no member is present.
            pub fn is_empty(&self) -> bool {
                true $( && self.$field.is_none() )*
            }

            fn from_map(m: Option<&Map<String, Value>>, path: &str) -> Result<Self> {
                Ok(Self { $( $field: opt(m, path, $name)?, )* })
            }
        }

        impl MediaTrackConstraints {
            $(
                #[doc = concat!("Sets `", $name, "` in the basic set (builder style).")]
                pub fn $field(mut self, v: impl Into<$ty>) -> Self {
                    self.basic.$field = Some(v.into());
                    self
                }
            )*
        }

        /// Every constrainable property this library knows, in IDL order.
        pub const PROPERTIES: &[PropertyInfo] = &[
            $( PropertyInfo { name: $name, applies: Applies::$applies, allowed_required: $allowed }, )*
        ];
    };
}

constraint_set! {
    /// `width` (video, pixels).
    width: ConstrainULong = "width", Video, true, ULong;
    /// `height` (video, pixels).
    height: ConstrainULong = "height", Video, true, ULong;
    /// `aspectRatio` (video, width / height).
    aspect_ratio: ConstrainDouble = "aspectRatio", Video, true, Double;
    /// `frameRate` (video, frames per second).
    frame_rate: ConstrainDouble = "frameRate", Video, true, Double;
    /// `facingMode` (video, a `VideoFacingModeEnum` string).
    facing_mode: ConstrainDOMString = "facingMode", Video, true, DOMString;
    /// `resizeMode` (video, `"none"` or `"crop-and-scale"`).
    resize_mode: ConstrainDOMString = "resizeMode", Video, true, DOMString;
    /// `sampleRate` (audio, Hz).
    sample_rate: ConstrainULong = "sampleRate", Audio, true, ULong;
    /// `sampleSize` (audio, bits).
    sample_size: ConstrainULong = "sampleSize", Audio, true, ULong;
    /// `echoCancellation` (audio, boolean or `"all"` / `"remote-only"`).
    echo_cancellation: ConstrainBooleanOrDOMString = "echoCancellation", Audio, true, BooleanOrDOMString;
    /// `autoGainControl` (audio).
    auto_gain_control: ConstrainBoolean = "autoGainControl", Audio, true, Boolean;
    /// `noiseSuppression` (audio).
    noise_suppression: ConstrainBoolean = "noiseSuppression", Audio, true, Boolean;
    /// `latency` (audio, seconds).
    latency: ConstrainDouble = "latency", Audio, true, Double;
    /// `channelCount` (audio).
    channel_count: ConstrainULong = "channelCount", Audio, true, ULong;
    /// `deviceId` (both kinds).
    device_id: ConstrainDOMString = "deviceId", Both, true, DOMString;
    /// `groupId` (both kinds).
    group_id: ConstrainDOMString = "groupId", Both, true, DOMString;
    /// `backgroundBlur` (video).
    background_blur: ConstrainBoolean = "backgroundBlur", Video, false, Boolean;
    /// `displaySurface` (display video; only a preference in getDisplayMedia).
    display_surface: ConstrainDOMString = "displaySurface", Video, false, DOMString;
    /// `logicalSurface` (display video).
    logical_surface: ConstrainBoolean = "logicalSurface", Video, false, Boolean;
    /// `cursor` (display video, a `CursorCaptureConstraint` string).
    cursor: ConstrainDOMString = "cursor", Video, false, DOMString;
    /// `restrictOwnAudio` (display audio).
    restrict_own_audio: ConstrainBoolean = "restrictOwnAudio", Audio, false, Boolean;
    /// `suppressLocalAudioPlayback` (display audio).
    suppress_local_audio_playback: ConstrainBoolean = "suppressLocalAudioPlayback", Audio, false, Boolean;
}

/// The [`PropertyInfo`] of a property by IDL name.
pub fn property(name: &str) -> Option<&'static PropertyInfo> {
    PROPERTIES.iter().find(|p| p.name == name)
}

impl MediaTrackConstraintSet {
    /// A set with no member.
    pub fn new() -> Self {
        Self::default()
    }
    /// Removes the members that do not apply to tracks of `kind` (getUserMedia step 6.3).
    pub fn retain_kind(&mut self, kind: TrackKind) {
        for p in PROPERTIES {
            if !p.applies.to(kind) {
                self.remove(p.name);
            }
        }
    }
}

impl FromJs for MediaTrackConstraintSet {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        let m = dictionary(v, path, "MediaTrackConstraintSet")?;
        Self::from_map(m, path)
    }
}
webidl_deserialize!(MediaTrackConstraintSet);

// ---------------------------------------------------------------------------------------------
// MediaTrackConstraints

/// `MediaTrackConstraints`: the basic constraint set plus `advanced` sets, tried in order.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediatrackconstraints>
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MediaTrackConstraints {
    /// The basic set (the dictionary's own members).
    #[serde(flatten)]
    pub basic: MediaTrackConstraintSet,
    /// The advanced sets, in order; each is all-or-nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub advanced: Vec<MediaTrackConstraintSet>,
}

impl MediaTrackConstraints {
    /// No constraint at all (`{}`).
    pub fn new() -> Self {
        Self::default()
    }
    /// Appends an advanced set (builder style).
    pub fn advanced(mut self, set: MediaTrackConstraintSet) -> Self {
        self.advanced.push(set);
        self
    }
    /// Removes, in the basic and advanced sets, the members that do not apply to `kind`.
    pub fn retain_kind(&mut self, kind: TrackKind) {
        self.basic.retain_kind(kind);
        for s in &mut self.advanced {
            s.retain_kind(kind);
        }
    }
    /// A copy with only the members that apply to `kind`.
    pub fn for_kind(&self, kind: TrackKind) -> Self {
        let mut c = self.clone();
        c.retain_kind(kind);
        c
    }
}

impl FromJs for MediaTrackConstraints {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        let m = dictionary(v, path, "MediaTrackConstraints")?;
        // WebIDL reads inherited members before the derived dictionary's own (`advanced`).
        let mut out = MediaTrackConstraints {
            basic: MediaTrackConstraintSet::from_map(m, path)?,
            advanced: Vec::new(),
        };
        if let Some(adv) = m.and_then(|m| m.get("advanced")) {
            let apath = member(path, "advanced");
            for (i, item) in sequence(adv, &apath)?.iter().enumerate() {
                let ipath = format!("{apath}[{i}]");
                out.advanced
                    .push(MediaTrackConstraintSet::from_js(item, &ipath)?);
            }
        }
        Ok(out)
    }
}
webidl_deserialize!(MediaTrackConstraints);

// ---------------------------------------------------------------------------------------------
// MediaStreamConstraints / DisplayMediaStreamOptions

/// `boolean or MediaTrackConstraints`: whether a kind is requested, and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[allow(
    clippy::large_enum_variant,
    reason = "mirrors the IDL union; boxing would make every pattern match awkward"
)]
pub enum TrackConstraintsRequest {
    /// `true` (requested, no constraint) or `false` (not requested).
    Bool(bool),
    /// Requested with these constraints.
    Constraints(MediaTrackConstraints),
}

impl Default for TrackConstraintsRequest {
    fn default() -> Self {
        Self::Bool(false)
    }
}

impl TrackConstraintsRequest {
    /// `true` for `true` and for any dictionary (even `{}`).
    pub fn is_requested(&self) -> bool {
        !matches!(self, Self::Bool(false))
    }
    /// The constraints: `{}` for a boolean.
    pub fn constraints(&self) -> MediaTrackConstraints {
        match self {
            Self::Constraints(c) => c.clone(),
            Self::Bool(_) => MediaTrackConstraints::default(),
        }
    }
    /// The constraints by reference, `None` for a boolean.
    pub fn as_constraints(&self) -> Option<&MediaTrackConstraints> {
        match self {
            Self::Constraints(c) => Some(c),
            Self::Bool(_) => None,
        }
    }
}

impl From<bool> for TrackConstraintsRequest {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<MediaTrackConstraints> for TrackConstraintsRequest {
    fn from(v: MediaTrackConstraints) -> Self {
        Self::Constraints(v)
    }
}

impl FromJs for TrackConstraintsRequest {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        match v {
            // null → the dictionary (WebIDL union rule for null with a dictionary member).
            Value::Null | Value::Object(_) | Value::Array(_) => {
                Ok(Self::Constraints(MediaTrackConstraints::from_js(v, path)?))
            }
            other => Ok(Self::Bool(to_boolean(other))),
        }
    }
}
webidl_deserialize!(TrackConstraintsRequest);

/// `MediaStreamConstraints`, the argument of `getUserMedia()`: `{video = false, audio = false}`.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediastreamconstraints>
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MediaStreamConstraints {
    /// `video` (default `false`).
    pub video: TrackConstraintsRequest,
    /// `audio` (default `false`).
    pub audio: TrackConstraintsRequest,
}

impl MediaStreamConstraints {
    /// `{}`: nothing requested.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `video` (builder style): `true`, `false` or constraints.
    pub fn video(mut self, v: impl Into<TrackConstraintsRequest>) -> Self {
        self.video = v.into();
        self
    }
    /// Sets `audio` (builder style): `true`, `false` or constraints.
    pub fn audio(mut self, v: impl Into<TrackConstraintsRequest>) -> Self {
        self.audio = v.into();
        self
    }
    /// The request for a kind.
    pub fn get(&self, kind: TrackKind) -> &TrackConstraintsRequest {
        match kind {
            TrackKind::Audio => &self.audio,
            TrackKind::Video => &self.video,
        }
    }
}

impl FromJs for MediaStreamConstraints {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        let m = dictionary(v, path, "MediaStreamConstraints")?;
        Ok(Self {
            audio: opt(m, path, "audio")?.unwrap_or_default(),
            video: opt(m, path, "video")?.unwrap_or_default(),
        })
    }
}
webidl_deserialize!(MediaStreamConstraints);

macro_rules! enum_from_js {
    ($($t:ident),*) => {$(
        impl FromJs for $t {
            fn from_js(v: &Value, path: &str) -> Result<Self> {
                enumeration(v, path, stringify!($t), $t::from_idl)
            }
        }
    )*};
}
enum_from_js!(
    SelfCapturePreferenceEnum,
    SystemAudioPreferenceEnum,
    SurfaceSwitchingPreferenceEnum,
    MonitorTypeSurfacesEnum
);

/// `DisplayMediaStreamOptions`, the argument of `getDisplayMedia()`:
/// `{video = true, audio = false, …}`. (`controller` is an object, not data: the
/// `mediacapture` crate takes it separately.)
///
/// Spec: <https://w3c.github.io/mediacapture-screen-share/#dom-displaymediastreamoptions>
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplayMediaStreamOptions {
    /// `video` (default `true`).
    pub video: TrackConstraintsRequest,
    /// `audio` (default `false`).
    pub audio: TrackConstraintsRequest,
    /// `selfBrowserSurface`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_browser_surface: Option<SelfCapturePreferenceEnum>,
    /// `systemAudio`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_audio: Option<SystemAudioPreferenceEnum>,
    /// `surfaceSwitching`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surface_switching: Option<SurfaceSwitchingPreferenceEnum>,
    /// `monitorTypeSurfaces`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitor_type_surfaces: Option<MonitorTypeSurfacesEnum>,
}

impl Default for DisplayMediaStreamOptions {
    fn default() -> Self {
        Self {
            video: TrackConstraintsRequest::Bool(true),
            audio: TrackConstraintsRequest::Bool(false),
            self_browser_surface: None,
            system_audio: None,
            surface_switching: None,
            monitor_type_surfaces: None,
        }
    }
}

impl DisplayMediaStreamOptions {
    /// The defaults: `{video: true, audio: false}`.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `video` (builder style).
    pub fn video(mut self, v: impl Into<TrackConstraintsRequest>) -> Self {
        self.video = v.into();
        self
    }
    /// Sets `audio` (builder style).
    pub fn audio(mut self, v: impl Into<TrackConstraintsRequest>) -> Self {
        self.audio = v.into();
        self
    }
}

impl FromJs for DisplayMediaStreamOptions {
    fn from_js(v: &Value, path: &str) -> Result<Self> {
        let m = dictionary(v, path, "DisplayMediaStreamOptions")?;
        // Members in lexicographic order, as WebIDL converts them.
        let audio = opt(m, path, "audio")?.unwrap_or(TrackConstraintsRequest::Bool(false));
        let monitor_type_surfaces = opt(m, path, "monitorTypeSurfaces")?;
        let self_browser_surface = opt(m, path, "selfBrowserSurface")?;
        let surface_switching = opt(m, path, "surfaceSwitching")?;
        let system_audio = opt(m, path, "systemAudio")?;
        let video = opt(m, path, "video")?.unwrap_or(TrackConstraintsRequest::Bool(true));
        // getDisplayMedia steps 4–5 reject a dictionary that *contains* `advanced`, an empty
        // `advanced: []` included. The converted `MediaTrackConstraints` cannot tell that
        // from an absent member, so presence is checked here on the value itself (after
        // step 3, `video: false`, which `check_display_options` reports first); non-empty
        // sets are rejected by `check_display_options` too, for options built in Rust.
        if video.is_requested() {
            for kind in ["audio", "video"] {
                let has_advanced = m
                    .and_then(|m| m.get(kind))
                    .and_then(Value::as_object)
                    .is_some_and(|d| d.contains_key("advanced"));
                if has_advanced {
                    return Err(Error::type_error(format!(
                        "getDisplayMedia does not accept 'advanced' constraints ({kind})"
                    )));
                }
            }
        }
        Ok(Self {
            video,
            audio,
            self_browser_surface,
            system_audio,
            surface_switching,
            monitor_type_surfaces,
        })
    }
}
webidl_deserialize!(DisplayMediaStreamOptions);
