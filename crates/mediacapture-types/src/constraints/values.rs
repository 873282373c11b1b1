//! The `Constrain*` value types: numbers, booleans, strings and their parameter dictionaries.

use super::*;

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
