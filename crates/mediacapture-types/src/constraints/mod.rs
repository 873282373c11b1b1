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

mod sets;
mod streams;
mod values;

pub use sets::*;
pub use streams::*;
pub use values::*;
