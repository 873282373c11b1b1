//! getDisplayMedia's synchronous option checks.
//! Spec: https://w3c.github.io/mediacapture-screen-share/#dom-mediadevices-getdisplaymedia (steps 3–4)

mod common;
use common::run_table;
use mediacapture_core::check_display_options;
use mediacapture_types::DisplayMediaStreamOptions;

/// (name, options JSON, Ok or Err((error name, constraint)))
type Case = (
    &'static str,
    &'static str,
    Result<(), (&'static str, &'static str)>,
);

const CASES: &[Case] = &[
    ("defaults {video:true} are fine", "{}", Ok(())),
    (
        "3: video false → TypeError",
        r#"{"video":false}"#,
        Err(("TypeError", "")),
    ),
    (
        "3: video false with audio → TypeError",
        r#"{"video":false,"audio":true}"#,
        Err(("TypeError", "")),
    ),
    (
        "3: audio only (video defaults to true) is fine",
        r#"{"audio":true}"#,
        Ok(()),
    ),
    (
        "4.1: advanced in video → TypeError",
        r#"{"video":{"advanced":[{"width":100}]}}"#,
        Err(("TypeError", "")),
    ),
    (
        "4.1: advanced in audio → TypeError",
        r#"{"audio":{"advanced":[{}]}}"#,
        Err(("TypeError", "")),
    ),
    (
        "4.1: an empty advanced list is still a member named advanced → TypeError",
        r#"{"video":{"advanced":[]}}"#,
        Err(("TypeError", "")),
    ),
    (
        "4.1: an empty advanced list in audio → TypeError",
        r#"{"audio":{"advanced":[]}}"#,
        Err(("TypeError", "")),
    ),
    (
        "3 before 4: video false with advanced in audio → TypeError",
        r#"{"video":false,"audio":{"advanced":[]}}"#,
        Err(("TypeError", "")),
    ),
    (
        "4.2: min → TypeError",
        r#"{"video":{"width":{"min":100}}}"#,
        Err(("TypeError", "")),
    ),
    (
        "4.2: exact → TypeError",
        r#"{"video":{"height":{"exact":100}}}"#,
        Err(("TypeError", "")),
    ),
    (
        "4.2: exact displaySurface → TypeError",
        r#"{"video":{"displaySurface":{"exact":"monitor"}}}"#,
        Err(("TypeError", "")),
    ),
    (
        "4.2: exact cursor → TypeError",
        r#"{"video":{"cursor":{"exact":"never"}}}"#,
        Err(("TypeError", "")),
    ),
    (
        "4.2: exact audio property → TypeError",
        r#"{"audio":{"suppressLocalAudioPlayback":{"exact":true}}}"#,
        Err(("TypeError", "")),
    ),
    (
        "4.3: width max 0 below the floor → OverconstrainedError width",
        r#"{"video":{"width":{"max":0}}}"#,
        Err(("OverconstrainedError", "width")),
    ),
    (
        "4.3: height max 0 → height",
        r#"{"video":{"height":{"max":0}}}"#,
        Err(("OverconstrainedError", "height")),
    ),
    (
        "4.3: frameRate max 0 → frameRate",
        r#"{"video":{"frameRate":{"max":0}}}"#,
        Err(("OverconstrainedError", "frameRate")),
    ),
    (
        "4.3: aspectRatio max 0 → aspectRatio",
        r#"{"video":{"aspectRatio":{"max":0}}}"#,
        Err(("OverconstrainedError", "aspectRatio")),
    ),
    (
        "4.3: audio sampleRate max 0 → sampleRate",
        r#"{"audio":{"sampleRate":{"max":0}}}"#,
        Err(("OverconstrainedError", "sampleRate")),
    ),
    (
        "4.3: max at the floor is fine",
        r#"{"video":{"width":{"max":1},"frameRate":{"max":1}}}"#,
        Ok(()),
    ),
    (
        "4: bare values and ideal are fine",
        r#"{"video":{"width":1280,"height":{"ideal":720,"max":1080},"frameRate":5,"displaySurface":"window","cursor":"motion"}}"#,
        Ok(()),
    ),
    (
        "4: audio is checked before video: audio TypeError wins over video Overconstrained",
        r#"{"audio":{"channelCount":{"min":1}},"video":{"width":{"max":0}}}"#,
        Err(("TypeError", "")),
    ),
    (
        "4: audio Overconstrained wins over video TypeError",
        r#"{"audio":{"channelCount":{"max":0}},"video":{"width":{"min":1}}}"#,
        Err(("OverconstrainedError", "channelCount")),
    ),
    (
        "4: within one dictionary TypeError wins over Overconstrained",
        r#"{"video":{"width":{"max":0},"height":{"min":1}}}"#,
        Err(("TypeError", "")),
    ),
    (
        "B.5 (WPT): monitorTypeSurfaces exclude + displaySurface monitor → TypeError",
        r#"{"video":{"displaySurface":"monitor"},"monitorTypeSurfaces":"exclude"}"#,
        Err(("TypeError", "")),
    ),
    (
        "B.5: monitorTypeSurfaces exclude + window is fine",
        r#"{"video":{"displaySurface":"window"},"monitorTypeSurfaces":"exclude"}"#,
        Ok(()),
    ),
    (
        "enum members are fine",
        r#"{"selfBrowserSurface":"exclude","systemAudio":"include","surfaceSwitching":"include"}"#,
        Ok(()),
    ),
];

#[test]
fn display_options_table() {
    run_table(
        CASES,
        |c| c.0.into(),
        |&(_, json, ref want)| {
            // Some checks need the JavaScript value (an empty `advanced: []`) and are made
            // while converting it: the error is the same either way.
            let o = match (DisplayMediaStreamOptions::from_json(json), want) {
                (Ok(o), _) => o,
                (Err(e), Err((name, ""))) if e.name() == *name => return Ok(()),
                (Err(e), _) => return Err(e.to_string()),
            };
            match (check_display_options(&o), want) {
                (Ok(()), Ok(())) => Ok(()),
                (Err(e), Err((name, c)))
                    if e.name() == *name && e.constraint().unwrap_or("") == *c =>
                {
                    Ok(())
                }
                (got, want) => Err(format!("got {got:?}, want {want:?}")),
            }
        },
    );
}
