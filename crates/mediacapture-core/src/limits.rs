//! Chromium's safety limits on constraint strings: a string longer than
//! [`MAX_CONSTRAINT_STRING_LENGTH`] UTF-16 code units, or a list of more than
//! [`MAX_CONSTRAINT_STRING_SEQ_LENGTH`] strings, makes the constraints unparsable.
//!
//! The spec sets no limit; Chromium checks every `DOMString` constraint value (`ideal` and
//! `exact`, basic and advanced sets) while converting constraints
//! (`media_constraints_impl.cc`, `kMaxConstraintStringLength` = 500,
//! `kMaxConstraintStringSeqLength` = 100: "deviceId and groupId are 64-char strings, so this
//! should provide plenty of headroom while still avoiding abuse"). getUserMedia and
//! getDisplayMedia then throw a `TypeError` with its message; `applyConstraints` rejects with
//! an `OverconstrainedError` whose constraint is `""` ("Cannot parse constraints"). We do the
//! same.

use mediacapture_types::{
    BooleanOrDOMString, ConstrainBooleanOrDOMString, ConstrainDOMString, ConstraintRef,
    DOMStringOrSequence, Error, MediaTrackConstraints, Result,
};

/// The longest constraint string (UTF-16 code units) Chromium accepts.
pub const MAX_CONSTRAINT_STRING_LENGTH: usize = 500;
/// The most strings a constraint list may hold in Chromium.
pub const MAX_CONSTRAINT_STRING_SEQ_LENGTH: usize = 100;

fn check_str(s: &str) -> std::result::Result<(), &'static str> {
    if s.encode_utf16().count() > MAX_CONSTRAINT_STRING_LENGTH {
        return Err("Constraint string too long.");
    }
    Ok(())
}

fn check_list<'a>(
    l: impl ExactSizeIterator<Item = &'a str>,
) -> std::result::Result<(), &'static str> {
    if l.len() > MAX_CONSTRAINT_STRING_SEQ_LENGTH {
        return Err("Constraint string sequence too long.");
    }
    l.into_iter().try_for_each(check_str)
}

fn check_seq(v: Option<&DOMStringOrSequence>) -> std::result::Result<(), &'static str> {
    match v {
        None => Ok(()),
        Some(DOMStringOrSequence::One(s)) => check_str(s),
        Some(DOMStringOrSequence::List(l)) => check_list(l.iter().map(String::as_str)),
    }
}

fn check_bool_or_str(v: Option<&BooleanOrDOMString>) -> std::result::Result<(), &'static str> {
    match v {
        Some(BooleanOrDOMString::String(s)) => check_str(s),
        _ => Ok(()),
    }
}

/// `Err(message)` when a string value of `constraints` is over Chromium's limits (the
/// message is Chromium's).
pub fn constraint_string_error(constraints: &MediaTrackConstraints) -> Option<&'static str> {
    let sets = std::iter::once(&constraints.basic).chain(constraints.advanced.iter());
    let r: std::result::Result<(), &'static str> =
        sets.flat_map(|set| set.iter())
            .try_for_each(|(_, v)| match v {
                ConstraintRef::DOMString(ConstrainDOMString::Value(s)) => check_str(s),
                ConstraintRef::DOMString(ConstrainDOMString::List(l)) => {
                    check_list(l.iter().map(String::as_str))
                }
                ConstraintRef::DOMString(ConstrainDOMString::Params(p)) => {
                    check_seq(p.exact.as_ref()).and(check_seq(p.ideal.as_ref()))
                }
                ConstraintRef::BooleanOrDOMString(ConstrainBooleanOrDOMString::String(s)) => {
                    check_str(s)
                }
                ConstraintRef::BooleanOrDOMString(ConstrainBooleanOrDOMString::Params(p)) => {
                    check_bool_or_str(p.exact.as_ref()).and(check_bool_or_str(p.ideal.as_ref()))
                }
                _ => Ok(()),
            });
    r.err()
}

/// getUserMedia / getDisplayMedia: a `TypeError` when a constraint string is over the
/// limits.
pub fn check_constraint_strings(constraints: &MediaTrackConstraints) -> Result<()> {
    match constraint_string_error(constraints) {
        Some(m) => Err(Error::type_error(m)),
        None => Ok(()),
    }
}

/// applyConstraints: an `OverconstrainedError` naming no constraint when a constraint string
/// is over the limits (Chromium's "Cannot parse constraints").
pub fn check_apply_constraint_strings(constraints: &MediaTrackConstraints) -> Result<()> {
    match constraint_string_error(constraints) {
        Some(m) => Err(Error::overconstrained(
            "",
            format!("Cannot parse constraints: {m}"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use mediacapture_types::ErrorKind;

    fn c(json: &str) -> MediaTrackConstraints {
        MediaTrackConstraints::from_json(json).unwrap()
    }

    #[test]
    fn strings_up_to_500_code_units_pass_and_longer_ones_fail_everywhere() {
        let ok = "a".repeat(500);
        let long = "a".repeat(501);
        for template in [
            r#"{"groupId":{"ideal":"S"}}"#,
            r#"{"groupId":"S"}"#,
            r#"{"deviceId":{"exact":["x","S"]}}"#,
            r#"{"facingMode":["S"]}"#,
            r#"{"advanced":[{"resizeMode":"S"}]}"#,
            r#"{"echoCancellation":{"ideal":"S"}}"#,
        ] {
            assert_eq!(
                constraint_string_error(&c(&template.replace('S', &ok))),
                None,
                "{template}"
            );
            assert_eq!(
                constraint_string_error(&c(&template.replace('S', &long))),
                Some("Constraint string too long."),
                "{template}"
            );
        }
        // UTF-16 code units: 250 astral characters are 500 units, 251 are 502.
        let astral = "\u{1F600}".repeat(251);
        assert!(constraint_string_error(&c(&format!(r#"{{"groupId":"{astral}"}}"#))).is_some());
    }

    #[test]
    fn lists_of_more_than_100_strings_fail() {
        let list = |n: usize| serde_json::to_string(&vec!["x"; n]).unwrap();
        assert_eq!(
            constraint_string_error(&c(&format!(r#"{{"deviceId":{{"ideal":{}}}}}"#, list(100)))),
            None
        );
        assert_eq!(
            constraint_string_error(&c(&format!(r#"{{"deviceId":{{"ideal":{}}}}}"#, list(101)))),
            Some("Constraint string sequence too long.")
        );
    }

    #[test]
    fn the_error_kinds_are_chromiums() {
        let long = c(&format!(
            r#"{{"groupId":{{"ideal":"{}"}}}}"#,
            "g".repeat(501)
        ));
        assert_eq!(
            check_constraint_strings(&long).unwrap_err().kind,
            ErrorKind::TypeError
        );
        assert_eq!(
            check_apply_constraint_strings(&long).unwrap_err().kind,
            ErrorKind::OverconstrainedError {
                constraint: String::new()
            }
        );
    }
}
