//! Property: deserialize(serialize(x)) == x for any constraints a program can build, and
//! conversion never panics on arbitrary JSON.

use mediacapture_types::*;
use proptest::prelude::*;

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![-1e6..1e6f64, Just(0.0), Just(30.0), Just(16.0 / 9.0)]
}

fn ulong() -> impl Strategy<Value = ConstrainULong> {
    prop_oneof![
        any::<u32>().prop_map(ConstrainULong::Value),
        (
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u32>())
        )
            .prop_map(|(max, min, exact, ideal)| ConstrainULong::Range(
                ConstrainULongRange {
                    max,
                    min,
                    exact,
                    ideal
                }
            )),
    ]
}

fn double() -> impl Strategy<Value = ConstrainDouble> {
    prop_oneof![
        finite().prop_map(ConstrainDouble::Value),
        (
            proptest::option::of(finite()),
            proptest::option::of(finite()),
            proptest::option::of(finite()),
            proptest::option::of(finite())
        )
            .prop_map(|(max, min, exact, ideal)| ConstrainDouble::Range(
                ConstrainDoubleRange {
                    max,
                    min,
                    exact,
                    ideal
                }
            )),
    ]
}

fn string_or_list() -> impl Strategy<Value = DOMStringOrSequence> {
    prop_oneof![
        "[a-z-]{0,8}".prop_map(DOMStringOrSequence::One),
        proptest::collection::vec("[a-z-]{0,8}", 0..3).prop_map(DOMStringOrSequence::List),
    ]
}

fn dom_string() -> impl Strategy<Value = ConstrainDOMString> {
    prop_oneof![
        "[a-z-]{0,8}".prop_map(ConstrainDOMString::Value),
        proptest::collection::vec("[a-z-]{0,8}", 0..3).prop_map(ConstrainDOMString::List),
        (
            proptest::option::of(string_or_list()),
            proptest::option::of(string_or_list())
        )
            .prop_map(|(exact, ideal)| ConstrainDOMString::Params(
                ConstrainDOMStringParameters { exact, ideal }
            )),
    ]
}

fn boolean() -> impl Strategy<Value = ConstrainBoolean> {
    prop_oneof![
        any::<bool>().prop_map(ConstrainBoolean::Value),
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>())
        )
            .prop_map(|(exact, ideal)| ConstrainBoolean::Params(
                ConstrainBooleanParameters { exact, ideal }
            )),
    ]
}

fn bool_or_string() -> impl Strategy<Value = BooleanOrDOMString> {
    prop_oneof![
        any::<bool>().prop_map(BooleanOrDOMString::Bool),
        "[a-z-]{0,8}".prop_map(BooleanOrDOMString::String)
    ]
}

fn echo() -> impl Strategy<Value = ConstrainBooleanOrDOMString> {
    prop_oneof![
        any::<bool>().prop_map(ConstrainBooleanOrDOMString::Bool),
        "[a-z-]{0,8}".prop_map(ConstrainBooleanOrDOMString::String),
        (
            proptest::option::of(bool_or_string()),
            proptest::option::of(bool_or_string())
        )
            .prop_map(|(exact, ideal)| ConstrainBooleanOrDOMString::Params(
                ConstrainBooleanOrDOMStringParameters { exact, ideal }
            )),
    ]
}

fn set() -> BoxedStrategy<MediaTrackConstraintSet> {
    let video = (
        proptest::option::of(ulong()),
        proptest::option::of(ulong()),
        proptest::option::of(double()),
        proptest::option::of(double()),
        proptest::option::of(dom_string()),
        proptest::option::of(dom_string()),
    )
        .boxed();
    let audio = (
        proptest::option::of(ulong()),
        proptest::option::of(echo()),
        proptest::option::of(boolean()),
        proptest::option::of(double()),
    )
        .boxed();
    let other = (
        proptest::option::of(dom_string()),
        proptest::option::of(dom_string()),
        proptest::option::of(boolean()),
    )
        .boxed();
    (video, audio, other)
        .prop_map(
            |(
                (width, height, aspect_ratio, frame_rate, facing_mode, resize_mode),
                (sample_rate, echo_cancellation, auto_gain_control, latency),
                (device_id, cursor, restrict_own_audio),
            )| {
                MediaTrackConstraintSet {
                    width,
                    height,
                    aspect_ratio,
                    frame_rate,
                    facing_mode,
                    resize_mode,
                    sample_rate,
                    echo_cancellation,
                    auto_gain_control,
                    latency,
                    device_id,
                    cursor,
                    restrict_own_audio,
                    ..Default::default()
                }
            },
        )
        .boxed()
}

fn request() -> impl Strategy<Value = TrackConstraintsRequest> {
    prop_oneof![
        any::<bool>().prop_map(TrackConstraintsRequest::Bool),
        (set(), proptest::collection::vec(set(), 0..3)).prop_map(|(basic, advanced)| {
            TrackConstraintsRequest::Constraints(MediaTrackConstraints { basic, advanced })
        }),
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        (-1e12..1e12f64).prop_map(serde_json::Value::from),
        prop_oneof![
            Just("width".to_string()),
            Just("exact".to_string()),
            Just("Infinity".to_string()),
            "[a-z0-9 ]{0,6}"
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("video"),
            Just("audio"),
            Just("width"),
            Just("frameRate"),
            Just("facingMode"),
            Just("advanced"),
            Just("exact"),
            Just("ideal"),
            Just("min"),
            Just("max"),
            Just("echoCancellation"),
            Just("deviceId"),
            Just("displaySurface"),
            Just("systemAudio"),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::vec((key, inner), 0..5).prop_map(|kv| {
                serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #[test]
    fn constraints_roundtrip(video in request(), audio in request()) {
        let c = MediaStreamConstraints { video, audio };
        let json = serde_json::to_string(&c).unwrap();
        let back = MediaStreamConstraints::from_json(&json).unwrap();
        prop_assert_eq!(back, c);
    }

    #[test]
    fn conversion_never_panics_and_only_type_errors(v in json_value()) {
        for r in [MediaStreamConstraints::from_value(&v).err(), DisplayMediaStreamOptions::from_value(&v).err(), MediaTrackConstraints::from_value(&v).err()].into_iter().flatten() {
            prop_assert_eq!(r.kind, ErrorKind::TypeError);
        }
        // A successful conversion serializes to JSON that converts back to the same value.
        if let Ok(c) = MediaStreamConstraints::from_value(&v) {
            let again = MediaStreamConstraints::from_json(&serde_json::to_string(&c).unwrap()).unwrap();
            prop_assert_eq!(again, c);
        }
    }
}
