//! WebIDL conversions of JSON values, as a browser applies them to the arguments of
//! `getUserMedia()`, `applyConstraints()` and `getDisplayMedia()`.
//!
//! JSON is treated as the JavaScript value it denotes: `null` is `null`, arrays are `Array`
//! objects and objects are plain objects. Spec: <https://webidl.spec.whatwg.org/#js-type-mapping>
//!
//! Public so that every crate (the recorder's options, the Node addon, the CLI) converts the
//! same way:
//!
//! ```
//! use mediacapture_types::webidl::{to_dom_string, to_number, to_unsigned_long};
//! use serde_json::json;
//! assert_eq!(to_number(&json!("0x10")), 16.0);
//! assert_eq!(to_unsigned_long(&json!(-1)), 4_294_967_295);
//! assert_eq!(to_dom_string(&json!(["audio/webm"])), "audio/webm");
//! ```

use crate::error::{Error, Result};
use serde_json::Value;

/// ECMAScript `ToNumber`. Spec: <https://tc39.es/ecma262/#sec-tonumber>
pub fn to_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => string_to_number(s),
        // ToPrimitive of an Array is its join(","); of a plain object "[object Object]".
        Value::Array(_) => string_to_number(&to_js_string(v)),
        Value::Object(_) => f64::NAN,
    }
}

/// ECMAScript `StringToNumber` (decimal, `Infinity`, and `0x`/`0o`/`0b` literals).
fn string_to_number(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return 0.0;
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = t.strip_prefix(prefix) {
            if digits.is_empty() {
                return f64::NAN;
            }
            let mut acc = 0.0f64;
            for c in digits.chars() {
                match c.to_digit(radix) {
                    Some(d) => acc = acc * f64::from(radix) + f64::from(d),
                    None => return f64::NAN,
                }
            }
            return acc;
        }
    }
    if is_decimal_literal(t) {
        t.parse::<f64>().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`
fn is_decimal_literal(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - s;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return false;
        }
    }
    i == b.len()
}

/// ECMAScript `Number::toString` for the values JSON can hold.
fn number_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if (1e-6..1e21).contains(&a) {
        format!("{x}")
    } else {
        // Rust writes `1e21` / `1.5e-7`; JavaScript writes `1e+21` / `1.5e-7`.
        let s = format!("{x:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    }
}

/// ECMAScript `ToString`. Spec: <https://tc39.es/ecma262/#sec-tostring>
pub fn to_js_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_to_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Null => String::new(),
                other => to_js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// ECMAScript `ToBoolean`. Spec: <https://tc39.es/ecma262/#sec-toboolean>
pub fn to_boolean(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0 && !x.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// WebIDL `[Clamp] unsigned long`: NaN → 0, clamped to `0..=4294967295`, rounded half to even.
/// Spec: <https://webidl.spec.whatwg.org/#abstract-opdef-converttoint>
pub fn clamp_ulong(v: &Value) -> u32 {
    clamp_ulong_f64(to_number(v))
}

/// WebIDL `unsigned long` (no `[Clamp]`, no `[EnforceRange]`): `ToNumber`, NaN and
/// infinities become 0, truncated toward zero, modulo 2^32.
/// Spec: <https://webidl.spec.whatwg.org/#abstract-opdef-converttoint>
pub fn to_unsigned_long(v: &Value) -> u32 {
    let x = to_number(v);
    if !x.is_finite() {
        return 0;
    }
    // In 0..2^32 after rem_euclid; `as` cannot truncate here.
    x.trunc().rem_euclid(4_294_967_296.0) as u32
}

/// WebIDL `DOMString`: ECMAScript `ToString` (`null` is `"null"`, an array its `join(",")`).
/// Spec: <https://webidl.spec.whatwg.org/#js-DOMString>
pub fn to_dom_string(v: &Value) -> String {
    to_js_string(v)
}

/// The `[Clamp]` rule on an already converted number.
pub fn clamp_ulong_f64(x: f64) -> u32 {
    if x.is_nan() {
        return 0;
    }
    let x = x.clamp(0.0, f64::from(u32::MAX)).round_ties_even();
    // In range by the clamp above; `as` cannot truncate here.
    x as u32
}

/// WebIDL `double`: `ToNumber`, then TypeError for NaN and ±Infinity.
/// Spec: <https://webidl.spec.whatwg.org/#js-double>
pub fn finite_double(v: &Value, path: &str) -> Result<f64> {
    let x = to_number(v);
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Error::type_error(format!(
            "Failed to read the '{path}' member: the provided double value ({}) is non-finite.",
            to_js_string(v)
        )))
    }
}

/// Joins a dictionary path and a member name (`"video"` + `"width"` → `"video.width"`).
pub fn member(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// The members of a value converted to a dictionary type: `null` is the empty dictionary,
/// any object (arrays too) is read by member name, anything else is a TypeError.
/// Spec: <https://webidl.spec.whatwg.org/#js-dictionary>
pub fn dictionary<'a>(
    v: &'a Value,
    path: &str,
    type_name: &str,
) -> Result<Option<&'a serde_json::Map<String, Value>>> {
    match v {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m)),
        // An Array is an object with no members named like a dictionary member.
        Value::Array(_) => Ok(None),
        other => Err(Error::type_error(format!(
            "Failed to read '{}': the provided value ({}) is not of type '{type_name}'.",
            if path.is_empty() {
                "the argument"
            } else {
                path
            },
            to_js_string(other)
        ))),
    }
}

/// A `sequence<T>`: only an Array converts (any other value is a TypeError).
pub fn sequence<'a>(v: &'a Value, path: &str) -> Result<&'a [Value]> {
    match v {
        Value::Array(items) => Ok(items),
        other => Err(Error::type_error(format!(
            "Failed to read '{path}': the provided value ({}) cannot be converted to a sequence.",
            to_js_string(other)
        ))),
    }
}

/// A WebIDL enumeration member: `ToString`, then TypeError when not one of the values.
pub fn enumeration<T>(
    v: &Value,
    path: &str,
    type_name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T> {
    let s = to_js_string(v);
    parse(&s).ok_or_else(|| {
        Error::type_error(format!(
            "Failed to read '{path}': the provided value '{s}' is not a valid enum value of type {type_name}."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn to_number_follows_ecmascript() {
        assert_eq!(to_number(&json!(null)), 0.0);
        assert_eq!(to_number(&json!(true)), 1.0);
        assert_eq!(to_number(&json!(" 640 ")), 640.0);
        assert_eq!(to_number(&json!("")), 0.0);
        assert_eq!(to_number(&json!("0x10")), 16.0);
        assert_eq!(to_number(&json!("1e3")), 1000.0);
        assert_eq!(to_number(&json!(".5")), 0.5);
        assert_eq!(to_number(&json!("-Infinity")), f64::NEG_INFINITY);
        assert!(to_number(&json!("inf")).is_nan());
        assert!(to_number(&json!("12px")).is_nan());
        assert_eq!(to_number(&json!([7])), 7.0);
        assert_eq!(to_number(&json!([])), 0.0);
        assert!(to_number(&json!([1, 2])).is_nan());
        assert!(to_number(&json!({})).is_nan());
    }

    #[test]
    fn to_string_follows_ecmascript() {
        assert_eq!(to_js_string(&json!(640)), "640");
        assert_eq!(to_js_string(&json!(1.5)), "1.5");
        assert_eq!(to_js_string(&json!(1e21)), "1e+21");
        assert_eq!(to_js_string(&json!([1, null, "a"])), "1,,a");
        assert_eq!(to_js_string(&json!({"a": 1})), "[object Object]");
    }

    #[test]
    fn clamp_rounds_half_to_even_and_saturates() {
        assert_eq!(clamp_ulong(&json!(-1)), 0);
        assert_eq!(clamp_ulong(&json!(1e12)), u32::MAX);
        assert_eq!(clamp_ulong(&json!(2.5)), 2);
        assert_eq!(clamp_ulong(&json!(3.5)), 4);
        assert_eq!(clamp_ulong(&json!("abc")), 0);
        assert_eq!(clamp_ulong(&json!("Infinity")), u32::MAX);
    }
}
