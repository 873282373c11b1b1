//! Constraint JSON converts exactly as WebIDL converts the JavaScript value a page passes.
//! Spec: https://webidl.spec.whatwg.org/#js-union (unions), #js-dictionary, [Clamp]
//! (#abstract-opdef-converttoint), #js-double (non-finite → TypeError), and
//! https://w3c.github.io/mediacapture-main/#dom-mediastreamconstraints.
//! Each case: input JSON → the JSON the converted value serializes to (what getConstraints()
//! would give back), or a TypeError whose message names the member.
//!
//! Checked against headless Chromium 156 (`applyConstraints(c)` then `getConstraints()`):
//! every TypeError case and every string/boolean/double coercion here agrees. Chromium
//! differs on `ConstrainULong`: its IDL still uses a plain `long` (ToInt32: -1 stays -1,
//! 1e12 wraps to -727379968, 3.5 truncates to 3) where the spec says `[Clamp] unsigned long`
//! (0, 4294967295, 4); the spec is followed here.

use mediacapture_types::{DisplayMediaStreamOptions, ErrorKind, MediaStreamConstraints};

/// (name, input, Ok(canonical JSON) or Err(member path named in the TypeError))
type Case = (
    &'static str,
    &'static str,
    Result<&'static str, &'static str>,
);

const GUM: &[Case] = &[
    (
        "defaults video=false audio=false",
        "{}",
        Ok(r#"{"video":false,"audio":false}"#),
    ),
    (
        "boolean member",
        r#"{"video":true}"#,
        Ok(r#"{"video":true,"audio":false}"#),
    ),
    (
        "null → the dictionary {} (union with a dictionary)",
        r#"{"video":null}"#,
        Ok(r#"{"video":{},"audio":false}"#),
    ),
    (
        "number → ToBoolean",
        r#"{"video":1,"audio":0}"#,
        Ok(r#"{"video":true,"audio":false}"#),
    ),
    (
        "string → ToBoolean",
        r#"{"video":"x","audio":""}"#,
        Ok(r#"{"video":true,"audio":false}"#),
    ),
    (
        "unknown members ignored",
        r#"{"unknown":1,"video":{"nonsense":{"exact":1},"width":640}}"#,
        Ok(r#"{"video":{"width":640},"audio":false}"#),
    ),
    (
        "[Clamp] -1 → 0",
        r#"{"video":{"width":-1}}"#,
        Ok(r#"{"video":{"width":0},"audio":false}"#),
    ),
    (
        "[Clamp] huge → 4294967295",
        r#"{"video":{"width":1e12}}"#,
        Ok(r#"{"video":{"width":4294967295},"audio":false}"#),
    ),
    (
        "[Clamp] rounds half to even",
        r#"{"video":{"width":2.5,"height":3.5}}"#,
        Ok(r#"{"video":{"width":2,"height":4},"audio":false}"#),
    ),
    (
        "ToNumber of a numeric string",
        r#"{"video":{"width":" 640 "}}"#,
        Ok(r#"{"video":{"width":640},"audio":false}"#),
    ),
    (
        "boolean for a numeric property → ToNumber 1",
        r#"{"video":{"width":true,"height":false}}"#,
        Ok(r#"{"video":{"width":1,"height":0},"audio":false}"#),
    ),
    (
        "[Clamp] NaN → 0",
        r#"{"video":{"width":"abc"}}"#,
        Ok(r#"{"video":{"width":0},"audio":false}"#),
    ),
    (
        "[Clamp] Infinity string → max",
        r#"{"video":{"width":{"exact":"Infinity"}}}"#,
        Ok(r#"{"video":{"width":{"exact":4294967295}},"audio":false}"#),
    ),
    (
        "null ULong → the empty range dictionary",
        r#"{"video":{"width":null}}"#,
        Ok(r#"{"video":{"width":{}},"audio":false}"#),
    ),
    (
        "an array as ConstrainULong → dictionary with no members",
        r#"{"video":{"width":[640]}}"#,
        Ok(r#"{"video":{"width":{}},"audio":false}"#),
    ),
    (
        "range members clamp and coerce",
        r#"{"video":{"width":{"min":-5,"max":"720","ideal":640.4}}}"#,
        Ok(r#"{"video":{"width":{"max":720,"min":0,"ideal":640}},"audio":false}"#),
    ),
    (
        "non-finite double → TypeError naming the member",
        r#"{"video":{"frameRate":"fast"}}"#,
        Err("video.frameRate"),
    ),
    (
        "Infinity in a range member → TypeError",
        r#"{"video":{"frameRate":{"max":"Infinity"}}}"#,
        Err("video.frameRate.max"),
    ),
    (
        "object as double → NaN → TypeError",
        r#"{"video":{"aspectRatio":{"ideal":{}}}}"#,
        Err("video.aspectRatio.ideal"),
    ),
    (
        "audio double TypeError names audio",
        r#"{"audio":{"latency":{"min":"soon"}}}"#,
        Err("audio.latency.min"),
    ),
    (
        "boolean double → 1",
        r#"{"video":{"frameRate":true}}"#,
        Ok(r#"{"video":{"frameRate":1.0},"audio":false}"#),
    ),
    (
        "null double → empty range",
        r#"{"video":{"frameRate":null}}"#,
        Ok(r#"{"video":{"frameRate":{}},"audio":false}"#),
    ),
    (
        "double from string",
        r#"{"audio":{"latency":"0.01"}}"#,
        Ok(r#"{"video":false,"audio":{"latency":0.01}}"#),
    ),
    (
        "negative doubles are allowed by WebIDL",
        r#"{"video":{"frameRate":{"min":-1}}}"#,
        Ok(r#"{"video":{"frameRate":{"min":-1.0}},"audio":false}"#),
    ),
    (
        "DOMString bare",
        r#"{"video":{"facingMode":"user"}}"#,
        Ok(r#"{"video":{"facingMode":"user"},"audio":false}"#),
    ),
    (
        "DOMString list",
        r#"{"video":{"facingMode":["user","left"]}}"#,
        Ok(r#"{"video":{"facingMode":["user","left"]},"audio":false}"#),
    ),
    (
        "DOMString params with list and string",
        r#"{"video":{"facingMode":{"exact":["user"],"ideal":"left"}}}"#,
        Ok(r#"{"video":{"facingMode":{"exact":["user"],"ideal":"left"}},"audio":false}"#),
    ),
    (
        "number as DOMString → ToString",
        r#"{"video":{"facingMode":5}}"#,
        Ok(r#"{"video":{"facingMode":"5"},"audio":false}"#),
    ),
    (
        "list items → ToString",
        r#"{"video":{"facingMode":[1,null,true]}}"#,
        Ok(r#"{"video":{"facingMode":["1","null","true"]},"audio":false}"#),
    ),
    (
        "null exact → the string 'null'",
        r#"{"video":{"facingMode":{"exact":null}}}"#,
        Ok(r#"{"video":{"facingMode":{"exact":"null"}},"audio":false}"#),
    ),
    (
        "object exact → '[object Object]'",
        r#"{"video":{"facingMode":{"exact":{}}}}"#,
        Ok(r#"{"video":{"facingMode":{"exact":"[object Object]"}},"audio":false}"#),
    ),
    (
        "empty list kept (means unspecified)",
        r#"{"video":{"facingMode":[]}}"#,
        Ok(r#"{"video":{"facingMode":[]},"audio":false}"#),
    ),
    (
        "null DOMString → empty params",
        r#"{"video":{"deviceId":null}}"#,
        Ok(r#"{"video":{"deviceId":{}},"audio":false}"#),
    ),
    (
        "echoCancellation string",
        r#"{"audio":{"echoCancellation":"all"}}"#,
        Ok(r#"{"video":false,"audio":{"echoCancellation":"all"}}"#),
    ),
    (
        "echoCancellation number → ToString",
        r#"{"audio":{"echoCancellation":1}}"#,
        Ok(r#"{"video":false,"audio":{"echoCancellation":"1"}}"#),
    ),
    (
        "echoCancellation params mixed",
        r#"{"audio":{"echoCancellation":{"exact":false,"ideal":"remote-only"}}}"#,
        Ok(r#"{"video":false,"audio":{"echoCancellation":{"exact":false,"ideal":"remote-only"}}}"#),
    ),
    (
        "echoCancellation bare boolean",
        r#"{"audio":{"echoCancellation":false}}"#,
        Ok(r#"{"video":false,"audio":{"echoCancellation":false}}"#),
    ),
    (
        "ConstrainBoolean from a non-empty string → true",
        r#"{"audio":{"autoGainControl":"no"}}"#,
        Ok(r#"{"video":false,"audio":{"autoGainControl":true}}"#),
    ),
    (
        "ConstrainBoolean from 0 → false",
        r#"{"audio":{"autoGainControl":0}}"#,
        Ok(r#"{"video":false,"audio":{"autoGainControl":false}}"#),
    ),
    (
        "ConstrainBoolean exact from 1 → true",
        r#"{"audio":{"noiseSuppression":{"exact":1}}}"#,
        Ok(r#"{"video":false,"audio":{"noiseSuppression":{"exact":true}}}"#),
    ),
    (
        "advanced sets in order",
        r#"{"video":{"advanced":[{"width":1280},{"facingMode":"user"}]}}"#,
        Ok(r#"{"video":{"advanced":[{"width":1280},{"facingMode":"user"}]},"audio":false}"#),
    ),
    (
        "advanced not a sequence → TypeError",
        r#"{"video":{"advanced":{}}}"#,
        Err("video.advanced"),
    ),
    (
        "advanced string → TypeError",
        r#"{"video":{"advanced":"x"}}"#,
        Err("video.advanced"),
    ),
    (
        "advanced item not a dictionary → TypeError",
        r#"{"video":{"advanced":[{},5]}}"#,
        Err("video.advanced[1]"),
    ),
    (
        "advanced null item → {}",
        r#"{"video":{"advanced":[null]}}"#,
        Ok(r#"{"video":{"advanced":[{}]},"audio":false}"#),
    ),
    (
        "advanced member TypeError names the index",
        r#"{"video":{"advanced":[{"frameRate":"x"}]}}"#,
        Err("video.advanced[0].frameRate"),
    ),
    (
        "top-level string → TypeError",
        r#""video""#,
        Err("argument"),
    ),
    (
        "top-level null → {}",
        "null",
        Ok(r#"{"video":false,"audio":false}"#),
    ),
    (
        "screen-capture members",
        r#"{"video":{"displaySurface":"monitor","cursor":"never","logicalSurface":true}}"#,
        Ok(
            r#"{"video":{"displaySurface":"monitor","logicalSurface":true,"cursor":"never"},"audio":false}"#,
        ),
    ),
    (
        "screen-capture audio members",
        r#"{"audio":{"restrictOwnAudio":true,"suppressLocalAudioPlayback":{"ideal":false}}}"#,
        Ok(
            r#"{"video":false,"audio":{"restrictOwnAudio":true,"suppressLocalAudioPlayback":{"ideal":false}}}"#,
        ),
    ),
    (
        "ids",
        r#"{"video":{"deviceId":{"exact":"abc"}},"audio":{"groupId":["a","b"]}}"#,
        Ok(r#"{"video":{"deviceId":{"exact":"abc"}},"audio":{"groupId":["a","b"]}}"#),
    ),
    (
        "wrong-kind members are kept by conversion (dropped by selection)",
        r#"{"video":{"sampleRate":48000}}"#,
        Ok(r#"{"video":{"sampleRate":48000},"audio":false}"#),
    ),
    ("invalid JSON → TypeError", r#"{"video":"#, Err("JSON")),
];

const DISPLAY: &[Case] = &[
    (
        "defaults video=true audio=false",
        "{}",
        Ok(r#"{"video":true,"audio":false}"#),
    ),
    (
        "enum members",
        r#"{"selfBrowserSurface":"exclude","systemAudio":"include","surfaceSwitching":"include","monitorTypeSurfaces":"exclude"}"#,
        Ok(
            r#"{"video":true,"audio":false,"selfBrowserSurface":"exclude","systemAudio":"include","surfaceSwitching":"include","monitorTypeSurfaces":"exclude"}"#,
        ),
    ),
    (
        "invalid enum value → TypeError",
        r#"{"selfBrowserSurface":"maybe"}"#,
        Err("selfBrowserSurface"),
    ),
    (
        "null enum → 'null' → TypeError",
        r#"{"systemAudio":null}"#,
        Err("systemAudio"),
    ),
    (
        "video false converts (rejected later by the checks)",
        r#"{"video":false}"#,
        Ok(r#"{"video":false,"audio":false}"#),
    ),
    (
        "constraints kept",
        r#"{"video":{"width":{"max":1920}},"audio":true}"#,
        Ok(r#"{"video":{"width":{"max":1920}},"audio":true}"#),
    ),
];

fn run(cases: &[Case], parse: impl Fn(&str) -> mediacapture_types::Result<String>) {
    let mut failures = Vec::new();
    for (name, input, want) in cases {
        let got = parse(input);
        let ok = match (&got, want) {
            (Ok(json), Ok(w)) => json == w,
            (Err(e), Err(member)) => e.kind == ErrorKind::TypeError && e.message.contains(member),
            _ => false,
        };
        if !ok {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn get_user_media_constraints_table() {
    run(GUM, |s| {
        let c = MediaStreamConstraints::from_json(s)?;
        // serde's Deserialize agrees with from_json.
        let via_serde: Result<MediaStreamConstraints, _> = serde_json::from_str(s);
        assert_eq!(via_serde.ok().as_ref(), Some(&c), "serde disagrees on {s}");
        Ok(serde_json::to_string(&c).unwrap_or_default())
    });
}

#[test]
fn display_options_table() {
    run(DISPLAY, |s| {
        let o = DisplayMediaStreamOptions::from_json(s)?;
        Ok(serde_json::to_string(&o).unwrap_or_default())
    });
}
