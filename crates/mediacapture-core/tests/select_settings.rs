//! SelectSettings on cameras, microphones and screens, case by case.
//! Spec: https://w3c.github.io/mediacapture-main/#dfn-selectsettings
//! Steps: (2) distance to the basic set, bare = ideal, keep finite; (3) none → failure;
//! (4) advanced sets in order, bare = exact, all-or-nothing; (5) smallest basic distance,
//! ties by UA defaults (Chromium: native modes, 640x480@30, echoCancellation true).

mod common;
use common::*;
use mediacapture_core::{DeviceView, capabilities, select_settings};
use mediacapture_types::native::{DeviceDescriptor, NativeConfig};
use serde_json::Value;

/// Ok(subset of the settings JSON, plus "native": "WxH@F" for cameras) or Err(failed constraint).
type Expect = Result<&'static str, &'static str>;
type Case = (&'static str, fn() -> DeviceDescriptor, &'static str, Expect);

fn check(dev: &DeviceDescriptor, constraints: &str, want: &Expect) -> Result<(), String> {
    check_view(&view(dev), constraints, want)
}

fn check_view(v: &DeviceView<'_>, constraints: &str, want: &Expect) -> Result<(), String> {
    let got = select_settings(v, &tc(constraints));
    match (got, want) {
        (Ok(sel), Ok(subset)) => {
            let mut s = serde_json::to_value(&sel.settings).map_err(|e| e.to_string())?;
            if let NativeConfig::Video(m) = sel.native {
                s["native"] = Value::String(format!("{}x{}@{}", m.width, m.height, m.frame_rate));
            }
            let want: Value = serde_json::from_str(subset).map_err(|e| e.to_string())?;
            for (k, v) in want.as_object().into_iter().flatten() {
                if s.get(k) != Some(v) {
                    return Err(format!("{k}: got {:?}, want {v} (settings {s})", s.get(k)));
                }
            }
            // Never upscaled, never faster than the native mode.
            if let NativeConfig::Video(m) = sel.native {
                let (w, h) = (
                    sel.settings.width.unwrap_or(0),
                    sel.settings.height.unwrap_or(0),
                );
                if w > m.width
                    || h > m.height
                    || sel.settings.frame_rate.unwrap_or(0.0) > m.frame_rate
                {
                    return Err(format!("upscaled: {s}"));
                }
            }
            Ok(())
        }
        (Err(u), Err(name)) if u.constraint == *name => Ok(()),
        (got, want) => Err(format!("got {got:?}, want {want:?}")),
    }
}

const VIDEO: &[Case] = &[
    (
        "5: unconstrained → Chromium default 640x480@30, native",
        cam_a,
        "{}",
        Ok(
            r#"{"width":640,"height":480,"frameRate":30.0,"resizeMode":"none","aspectRatio":1.3333333333,"native":"640x480@30"}"#,
        ),
    ),
    (
        "settings carry deviceId, groupId, facingMode",
        cam_a,
        "{}",
        Ok(r#"{"deviceId":"id-camA","groupId":"g-usbA","facingMode":"user"}"#),
    ),
    (
        "7: ideal width 1280 → native 1280x720@30",
        cam_a,
        r#"{"width":{"ideal":1280}}"#,
        Ok(r#"{"width":1280,"height":720,"frameRate":30.0,"resizeMode":"none"}"#),
    ),
    (
        "bare width 320 → crop-and-scale 320x240 keeping the native aspect",
        cam_a,
        r#"{"width":320}"#,
        Ok(r#"{"width":320,"height":240,"resizeMode":"crop-and-scale","native":"640x480@30"}"#),
    ),
    (
        "2: exact width 1920 → 1920x1080",
        cam_a,
        r#"{"width":{"exact":1920}}"#,
        Ok(r#"{"width":1920,"height":1080,"native":"1920x1080@30"}"#),
    ),
    (
        "3: min width above every mode → width",
        cam_a,
        r#"{"width":{"min":2000}}"#,
        Err("width"),
    ),
    (
        "max height 100 → downscaled to exactly 100",
        cam_a,
        r#"{"height":{"max":100}}"#,
        Ok(r#"{"height":100,"resizeMode":"crop-and-scale"}"#),
    ),
    (
        "max 640x480 → native 640x480",
        cam_a,
        r#"{"width":{"max":640},"height":{"max":480}}"#,
        Ok(r#"{"width":640,"height":480,"resizeMode":"none"}"#),
    ),
    (
        "min frameRate 50 → the 60 Hz mode",
        cam_a,
        r#"{"frameRate":{"min":50}}"#,
        Ok(r#"{"width":1280,"height":720,"frameRate":60.0,"native":"1280x720@60"}"#),
    ),
    (
        "ideal frameRate 15 → decimated 640x480@15",
        cam_a,
        r#"{"frameRate":15}"#,
        Ok(
            r#"{"width":640,"height":480,"frameRate":15.0,"resizeMode":"crop-and-scale","native":"640x480@30"}"#,
        ),
    ),
    (
        "exact 15 Hz with resizeMode none: each alone fits, together not → ''",
        cam_a,
        r#"{"frameRate":{"exact":15},"resizeMode":{"exact":"none"}}"#,
        Err(""),
    ),
    (
        "resizeMode exact none + width 320 → closest native 640x480",
        cam_a,
        r#"{"resizeMode":{"exact":"none"},"width":320}"#,
        Ok(r#"{"width":640,"height":480,"resizeMode":"none"}"#),
    ),
    (
        "resizeMode exact crop-and-scale → native size, crop-and-scale label",
        cam_a,
        r#"{"resizeMode":{"exact":"crop-and-scale"}}"#,
        Ok(r#"{"width":640,"height":480,"resizeMode":"crop-and-scale"}"#),
    ),
    (
        "resizeMode ideal crop-and-scale → satisfied at native size",
        cam_a,
        r#"{"resizeMode":"crop-and-scale","width":640}"#,
        Ok(r#"{"width":640,"resizeMode":"crop-and-scale"}"#),
    ),
    (
        "resizeMode exact unknown value → resizeMode",
        cam_a,
        r#"{"resizeMode":{"exact":"bogus"}}"#,
        Err("resizeMode"),
    ),
    (
        "resizeMode ideal unknown value → still the default",
        cam_a,
        r#"{"resizeMode":"bogus"}"#,
        Ok(r#"{"width":640,"height":480,"resizeMode":"none"}"#),
    ),
    (
        "aspectRatio exact 1.5 → a cropped size with exactly 3:2",
        cam_a,
        r#"{"aspectRatio":{"exact":1.5}}"#,
        Ok(r#"{"aspectRatio":1.5,"resizeMode":"crop-and-scale"}"#),
    ),
    (
        "aspectRatio exact 16/9 with resizeMode none → native 16:9",
        cam_a,
        r#"{"aspectRatio":{"exact":1.7777777777777777},"resizeMode":{"exact":"none"}}"#,
        Ok(r#"{"width":1280,"height":720,"resizeMode":"none"}"#),
    ),
    (
        "aspectRatio ideal 4/3 → native 640x480",
        cam_a,
        r#"{"aspectRatio":1.3333333333}"#,
        Ok(r#"{"width":640,"height":480,"resizeMode":"none"}"#),
    ),
    (
        "aspectRatio min 2 → cropped to at least 2:1",
        cam_a,
        r#"{"aspectRatio":{"min":2},"width":{"exact":1280}}"#,
        Ok(r#"{"width":1280,"height":640,"resizeMode":"crop-and-scale"}"#),
    ),
    (
        "aspectRatio derived from width and height → 1280x720 has 1.7777777778",
        cam_a,
        r#"{"width":1280,"height":720}"#,
        Ok(r#"{"aspectRatio":1.7777777778,"resizeMode":"none"}"#),
    ),
    (
        "ideal width 4000 → largest, never upscaled",
        cam_a,
        r#"{"width":{"ideal":4000}}"#,
        Ok(r#"{"width":1920,"height":1080}"#),
    ),
    (
        "ideal facingMode mismatch is only a preference",
        cam_a,
        r#"{"facingMode":"environment"}"#,
        Ok(r#"{"facingMode":"user","width":640}"#),
    ),
    (
        "exact facingMode mismatch → facingMode",
        cam_a,
        r#"{"facingMode":{"exact":"environment"}}"#,
        Err("facingMode"),
    ),
    (
        "exact facingMode list containing user",
        cam_a,
        r#"{"facingMode":{"exact":["environment","user"]}}"#,
        Ok(r#"{"facingMode":"user"}"#),
    ),
    (
        "exact facingMode on a camera with unknown facing → facingMode",
        || camera("c", "g", &[(640, 480, 30.0)], None, false),
        r#"{"facingMode":{"exact":"user"}}"#,
        Err("facingMode"),
    ),
    (
        "facingMode absent from settings when unknown",
        || camera("c", "g", &[(640, 480, 30.0)], None, false),
        "{}",
        Ok(r#"{"width":640}"#),
    ),
    (
        "4: advanced width 1920 applied",
        cam_a,
        r#"{"advanced":[{"width":1920}]}"#,
        Ok(r#"{"width":1920,"height":1080}"#),
    ),
    (
        "4: unsatisfiable first advanced set ignored, second applied",
        cam_a,
        r#"{"advanced":[{"width":5000},{"width":1280}]}"#,
        Ok(r#"{"width":1280}"#),
    ),
    (
        "4: advanced sets in order: first wins, conflicting second ignored",
        cam_a,
        r#"{"advanced":[{"width":1920},{"width":640}]}"#,
        Ok(r#"{"width":1920}"#),
    ),
    (
        "4: advanced set conflicting with the basic set ignored",
        cam_a,
        r#"{"width":{"max":1280},"advanced":[{"width":1920}]}"#,
        Ok(r#"{"width":640,"height":480}"#),
    ),
    (
        "4: advanced set is all-or-nothing (1920 wide AND 60 Hz impossible)",
        cam_a,
        r#"{"advanced":[{"width":1920,"frameRate":60}]}"#,
        Ok(r#"{"width":640,"frameRate":30.0}"#),
    ),
    (
        "4: advanced set satisfiable as a whole",
        cam_a,
        r#"{"advanced":[{"width":1280,"frameRate":60}]}"#,
        Ok(r#"{"native":"1280x720@60","frameRate":60.0}"#),
    ),
    (
        "4: advanced aspectRatio bare value is exact",
        cam_a,
        r#"{"advanced":[{"aspectRatio":1.7777777778}]}"#,
        Ok(r#"{"aspectRatio":1.7777777778}"#),
    ),
    (
        "4: advanced ideal does not filter",
        cam_a,
        r#"{"advanced":[{"width":{"ideal":1920}}]}"#,
        Ok(r#"{"width":640}"#),
    ),
    (
        "5: advanced narrows, basic ideal still ranks: frameRate ≥ 50 then width ideal 320",
        cam_a,
        r#"{"width":320,"advanced":[{"frameRate":{"min":50}}]}"#,
        Ok(r#"{"width":320,"frameRate":60.0,"native":"1280x720@60"}"#),
    ),
    (
        "2: min > max → width",
        cam_a,
        r#"{"width":{"min":800,"max":600}}"#,
        Err("width"),
    ),
    (
        "[Clamp] exact -1 → 0 → height",
        cam_a,
        r#"{"height":{"exact":-1}}"#,
        Err("height"),
    ),
    (
        "[Clamp] bare -1 → ideal 0: all equally far → default",
        cam_a,
        r#"{"width":-1}"#,
        Ok(r#"{"width":640,"height":480}"#),
    ),
    (
        "WebIDL width:true → ideal 1 → 1 pixel wide",
        cam_a,
        r#"{"width":true}"#,
        Ok(r#"{"width":1}"#),
    ),
    (
        "deviceId exact own id",
        cam_a,
        r#"{"deviceId":{"exact":"id-camA"}}"#,
        Ok(r#"{"deviceId":"id-camA"}"#),
    ),
    (
        "deviceId exact other → deviceId",
        cam_a,
        r#"{"deviceId":{"exact":"other"}}"#,
        Err("deviceId"),
    ),
    (
        "deviceId ideal other is only a preference",
        cam_a,
        r#"{"deviceId":"other"}"#,
        Ok(r#"{"deviceId":"id-camA"}"#),
    ),
    (
        "deviceId exact list containing own id",
        cam_a,
        r#"{"deviceId":{"exact":["x","id-camA"]}}"#,
        Ok(r#"{"width":640}"#),
    ),
    (
        "groupId exact other → groupId",
        cam_a,
        r#"{"groupId":{"exact":"other"}}"#,
        Err("groupId"),
    ),
    (
        "groupId exact own",
        cam_a,
        r#"{"groupId":{"exact":"g-usbA"}}"#,
        Ok(r#"{"groupId":"g-usbA"}"#),
    ),
    (
        "deviceId is blamed before width",
        cam_a,
        r#"{"width":{"min":5000},"deviceId":{"exact":"other"}}"#,
        Err("deviceId"),
    ),
    (
        "frameRate max 0.5 → decimated to 0.5 Hz (capability min 0; Chromium 156 does the same)",
        cam_a,
        r#"{"frameRate":{"max":0.5}}"#,
        Ok(r#"{"frameRate":0.5,"resizeMode":"crop-and-scale","width":640}"#),
    ),
    (
        "frameRate max 0 → no positive rate → frameRate",
        cam_a,
        r#"{"frameRate":{"max":0}}"#,
        Err("frameRate"),
    ),
    (
        "frameRate exact 29.97 by decimation",
        cam_a,
        r#"{"frameRate":{"exact":29.97}}"#,
        Ok(r#"{"frameRate":29.97,"resizeMode":"crop-and-scale"}"#),
    ),
    (
        "frameRate range picks the closest to the default 30",
        cam_a,
        r#"{"frameRate":{"min":20,"max":40}}"#,
        Ok(r#"{"frameRate":30.0,"resizeMode":"none"}"#),
    ),
    (
        "min size and rate together → 1280x720@60",
        cam_a,
        r#"{"width":{"min":640},"height":{"min":480},"frameRate":{"min":60}}"#,
        Ok(r#"{"width":1280,"height":720,"frameRate":60.0}"#),
    ),
    (
        "exact 1280x1080 by cropping 1920x1080",
        cam_a,
        r#"{"width":{"exact":1280},"height":{"exact":1080}}"#,
        Ok(r#"{"width":1280,"height":1080,"native":"1920x1080@30"}"#),
    ),
    (
        "exact 1280x1080 without crop → '' (each alone satisfiable)",
        cam_a,
        r#"{"width":{"exact":1280},"height":{"exact":1080},"resizeMode":{"exact":"none"}}"#,
        Err(""),
    ),
    (
        "two impossible constraints → the first, width",
        cam_a,
        r#"{"width":{"exact":2000},"height":{"exact":2000}}"#,
        Err("width"),
    ),
    (
        "resizeMode none with ideal width 700 → nearest native 640",
        cam_a,
        r#"{"width":{"ideal":700},"resizeMode":{"exact":"none"}}"#,
        Ok(r#"{"width":640,"resizeMode":"none"}"#),
    ),
    (
        "ideal 1280x720 at 60 Hz → the 60 Hz mode",
        cam_a,
        r#"{"width":1280,"height":720,"frameRate":60}"#,
        Ok(r#"{"native":"1280x720@60","resizeMode":"none"}"#),
    ),
    (
        "camera without 640x480 → closest native mode",
        || {
            camera(
                "c",
                "g",
                &[(1280, 720, 30.0), (1920, 1080, 30.0)],
                None,
                false,
            )
        },
        "{}",
        Ok(r#"{"width":1280,"height":720,"resizeMode":"none"}"#),
    ),
    (
        "audio constraints on a camera are dropped",
        cam_a,
        r#"{"sampleRate":{"exact":1},"echoCancellation":{"exact":"all"}}"#,
        Ok(r#"{"width":640}"#),
    ),
    (
        "backgroundBlur exact is unsatisfiable on a camera without blur",
        cam_a,
        r#"{"backgroundBlur":{"exact":true}}"#,
        Err("backgroundBlur"),
    ),
    (
        "displaySurface ideal on a camera is harmless",
        cam_a,
        r#"{"displaySurface":"monitor"}"#,
        Ok(r#"{"width":640}"#),
    ),
];

/// A microphone's own formats and its own (hardware) processing switches only: a view
/// without the software processing (as for captured system audio or a file).
const AUDIO: &[Case] = &[
    (
        "5: unconstrained → system defaults, echo/AGC/NS on",
        || mic("m", "g", true),
        "{}",
        Ok(
            r#"{"sampleRate":48000,"channelCount":1,"sampleSize":16,"latency":0.01,"echoCancellation":true,"autoGainControl":true,"noiseSuppression":true,"deviceId":"id-m","groupId":"g-g"}"#,
        ),
    ),
    (
        "ideal sampleRate 44100",
        || mic("m", "g", true),
        r#"{"sampleRate":44100}"#,
        Ok(r#"{"sampleRate":44100}"#),
    ),
    (
        "exact sampleRate not offered → sampleRate",
        || mic("m", "g", true),
        r#"{"sampleRate":{"exact":16000}}"#,
        Err("sampleRate"),
    ),
    (
        "ideal sampleRate 16000 → closest 44100",
        || mic("m", "g", true),
        r#"{"sampleRate":16000}"#,
        Ok(r#"{"sampleRate":44100}"#),
    ),
    (
        "sampleRate min=max=44100",
        || mic("m", "g", true),
        r#"{"sampleRate":{"min":44100,"max":44100}}"#,
        Ok(r#"{"sampleRate":44100}"#),
    ),
    (
        "channelCount min 2 → stereo",
        || mic("m", "g", true),
        r#"{"channelCount":{"min":2}}"#,
        Ok(r#"{"channelCount":2}"#),
    ),
    (
        "channelCount exact 6 → channelCount",
        || mic("m", "g", true),
        r#"{"channelCount":{"exact":6}}"#,
        Err("channelCount"),
    ),
    (
        "sampleSize exact 24 → sampleSize",
        || mic("m", "g", true),
        r#"{"sampleSize":{"exact":24}}"#,
        Err("sampleSize"),
    ),
    (
        "echoCancellation false → AGC and NS default off too (Chromium)",
        || mic("m", "g", true),
        r#"{"echoCancellation":false}"#,
        Ok(r#"{"echoCancellation":false,"autoGainControl":false,"noiseSuppression":false}"#),
    ),
    (
        "echoCancellation false but AGC asked for",
        || mic("m", "g", true),
        r#"{"echoCancellation":false,"autoGainControl":true}"#,
        Ok(r#"{"echoCancellation":false,"autoGainControl":true,"noiseSuppression":false}"#),
    ),
    (
        "echoCancellation 'all'",
        || mic("m", "g", true),
        r#"{"echoCancellation":"all"}"#,
        Ok(r#"{"echoCancellation":"all"}"#),
    ),
    (
        "echoCancellation exact 'remote-only' not offered → echoCancellation",
        || mic("m", "g", true),
        r#"{"echoCancellation":{"exact":"remote-only"}}"#,
        Err("echoCancellation"),
    ),
    (
        "echoCancellation ideal 'remote-only' not offered → default true",
        || mic("m", "g", true),
        r#"{"echoCancellation":"remote-only"}"#,
        Ok(r#"{"echoCancellation":true}"#),
    ),
    (
        "autoGainControl false",
        || mic("m", "g", true),
        r#"{"autoGainControl":false}"#,
        Ok(r#"{"autoGainControl":false,"noiseSuppression":true}"#),
    ),
    (
        "noiseSuppression exact false",
        || mic("m", "g", true),
        r#"{"noiseSuppression":{"exact":false}}"#,
        Ok(r#"{"noiseSuppression":false}"#),
    ),
    (
        "all processing off",
        || mic("m", "g", true),
        r#"{"echoCancellation":false,"autoGainControl":false,"noiseSuppression":false}"#,
        Ok(r#"{"echoCancellation":false,"autoGainControl":false,"noiseSuppression":false}"#),
    ),
    (
        "latency max below the range → latency",
        || mic("m", "g", true),
        r#"{"latency":{"max":0.005}}"#,
        Err("latency"),
    ),
    (
        "latency ideal inside the range",
        || mic("m", "g", true),
        r#"{"latency":0.05}"#,
        Ok(r#"{"latency":0.05}"#),
    ),
    (
        "latency ideal above the range → the maximum",
        || mic("m", "g", true),
        r#"{"latency":{"ideal":1}}"#,
        Ok(r#"{"latency":0.1}"#),
    ),
    (
        "no echo canceller: exact true → echoCancellation",
        plain_mic,
        r#"{"echoCancellation":{"exact":true}}"#,
        Err("echoCancellation"),
    ),
    (
        "no echo canceller: default is false",
        plain_mic,
        "{}",
        Ok(r#"{"echoCancellation":false,"autoGainControl":false}"#),
    ),
    (
        "fixed AGC: exact true → autoGainControl",
        plain_mic,
        r#"{"autoGainControl":{"exact":true}}"#,
        Err("autoGainControl"),
    ),
    (
        "advanced 44.1 kHz stereo",
        || mic("m", "g", true),
        r#"{"advanced":[{"sampleRate":44100,"channelCount":2}]}"#,
        Ok(r#"{"sampleRate":44100,"channelCount":2}"#),
    ),
    (
        "advanced unsatisfiable set ignored",
        || mic("m", "g", true),
        r#"{"advanced":[{"sampleRate":8000}]}"#,
        Ok(r#"{"sampleRate":48000}"#),
    ),
    (
        "video constraints on a microphone are dropped",
        || mic("m", "g", true),
        r#"{"width":{"exact":5000},"facingMode":{"exact":"user"}}"#,
        Ok(r#"{"sampleRate":48000}"#),
    ),
    (
        "deviceId exact other → deviceId",
        || mic("m", "g", true),
        r#"{"deviceId":{"exact":"nope"}}"#,
        Err("deviceId"),
    ),
    (
        "audio settings have no video members",
        || mic("m", "g", true),
        "{}",
        Ok(r#"{"channelCount":1}"#),
    ),
];

const DISPLAY: &[Case] = &[
    (
        "B.3: unconstrained → full size, 30 Hz, monitor, cursor",
        screen,
        "{}",
        Ok(
            r#"{"width":1920,"height":1080,"aspectRatio":1.7777777778,"frameRate":30.0,"resizeMode":"none","displaySurface":"monitor","logicalSurface":true,"cursor":"always","deviceId":"id-:99.0"}"#,
        ),
    ),
    (
        "B.2: ideal width 960 → aspect-preserving 960x540",
        screen,
        r#"{"width":960}"#,
        Ok(r#"{"width":960,"height":540,"resizeMode":"crop-and-scale"}"#),
    ),
    (
        "B.2: max height 720 → 1280x720",
        screen,
        r#"{"height":{"max":720}}"#,
        Ok(r#"{"width":1280,"height":720}"#),
    ),
    (
        "B.2: ideal 60 Hz",
        screen,
        r#"{"frameRate":60}"#,
        Ok(r#"{"frameRate":60.0}"#),
    ),
    (
        "B.2: decimated to 5 Hz",
        screen,
        r#"{"frameRate":{"max":5}}"#,
        Ok(r#"{"frameRate":5.0}"#),
    ),
    (
        "B.2: never upscaled",
        screen,
        r#"{"width":{"ideal":4000}}"#,
        Ok(r#"{"width":1920,"height":1080}"#),
    ),
    (
        "B.2: never cropped: ideal aspect 1 keeps 16:9",
        screen,
        r#"{"aspectRatio":1}"#,
        Ok(r#"{"aspectRatio":1.7777777778}"#),
    ),
    (
        "B.3: cursor never",
        screen,
        r#"{"cursor":"never"}"#,
        Ok(r#"{"cursor":"never"}"#),
    ),
    (
        "B.3: displaySurface is only a preference",
        screen,
        r#"{"displaySurface":"window"}"#,
        Ok(r#"{"displaySurface":"monitor"}"#),
    ),
    (
        "B.2: width and height ideal of another aspect → closest downscale",
        screen,
        r#"{"width":640,"height":640}"#,
        Ok(r#"{"aspectRatio":1.7777777778,"resizeMode":"crop-and-scale"}"#),
    ),
    (
        "B.3: no facingMode on display tracks",
        screen,
        r#"{"facingMode":{"exact":"user"}}"#,
        Err("facingMode"),
    ),
];

#[test]
fn video_select_settings_table() {
    run_table(VIDEO, |c| c.0.into(), |c| check(&c.1(), c.2, &c.3));
}

#[test]
fn audio_select_settings_table() {
    run_table(
        AUDIO,
        |c| c.0.into(),
        |c| check_view(&view(&c.1()).without_audio_processing(), c.2, &c.3),
    );
}

#[test]
fn display_select_settings_table() {
    run_table(DISPLAY, |c| c.0.into(), |c| check(&c.1(), c.2, &c.3));
}

#[test]
fn camera_capabilities() {
    let d = cam_a();
    let caps = serde_json::to_value(capabilities(&view(&d))).unwrap_or_default();
    let want: Value = serde_json::from_str(
        r#"{"width":{"max":1920,"min":1},"height":{"max":1080,"min":1},"aspectRatio":{"max":1920.0,"min":0.000925925925925926},
            "frameRate":{"max":60.0,"min":0.0},"facingMode":["user"],"resizeMode":["none","crop-and-scale"],
            "deviceId":"id-camA","groupId":"g-usbA"}"#,
    )
    .unwrap_or_default();
    assert_eq!(caps, want);
}

#[test]
fn microphone_capabilities_list_booleans_before_modes() {
    let d = mic("m", "g", true);
    // The device's own values and the processed kind's: "remote-only" comes from the
    // software processing, "all" from the device.
    let caps = serde_json::to_value(capabilities(&view(&d))).unwrap_or_default();
    let want: Value = serde_json::from_str(
        r#"{"sampleRate":{"max":48000,"min":44100},"sampleSize":{"max":16,"min":16},"channelCount":{"max":2,"min":1},
            "latency":{"max":0.1,"min":0.01},"echoCancellation":[true,false,"all","remote-only"],"autoGainControl":[true,false],
            "noiseSuppression":[true,false],"voiceIsolation":[false],"deviceId":"id-m","groupId":"g-g"}"#,
    )
    .unwrap_or_default();
    assert_eq!(caps, want);
    // Without software processing: the device's own only.
    let caps = serde_json::to_value(capabilities(&view(&d).without_audio_processing()))
        .unwrap_or_default();
    let want: Value = serde_json::from_str(
        r#"{"sampleRate":{"max":48000,"min":44100},"sampleSize":{"max":16,"min":16},"channelCount":{"max":2,"min":1},
            "latency":{"max":0.1,"min":0.01},"echoCancellation":[true,false,"all"],"autoGainControl":[true,false],
            "noiseSuppression":[true,false],"voiceIsolation":[false],"deviceId":"id-m","groupId":"g-g"}"#,
    )
    .unwrap_or_default();
    assert_eq!(caps, want);
}

#[test]
fn display_capabilities() {
    let d = screen();
    let caps = serde_json::to_value(capabilities(&view(&d))).unwrap_or_default();
    let want: Value = serde_json::from_str(
        r#"{"width":{"max":1920,"min":1},"height":{"max":1080,"min":1},"aspectRatio":{"max":1.7777777778,"min":1.7777777778},
            "frameRate":{"max":60.0,"min":1.0},"resizeMode":["none","crop-and-scale"],"displaySurface":"monitor",
            "logicalSurface":true,"cursor":["always","motion","never"],"deviceId":"id-:99.0"}"#,
    )
    .unwrap_or_default();
    assert_eq!(caps, want);
}

/// getSettings MUST contain every key of getCapabilities that applies, with a value in range.
#[test]
fn settings_cover_capabilities() {
    for d in [cam_a(), mic("m", "g", true), screen()] {
        let v = view(&d);
        let caps = serde_json::to_value(capabilities(&v)).unwrap_or_default();
        let sel = select_settings(&v, &tc("{}"))
            .map_err(|u| u.constraint)
            .unwrap_or_else(|c| panic!("{c}"));
        let s = serde_json::to_value(&sel.settings).unwrap_or_default();
        for (k, range) in caps.as_object().into_iter().flatten() {
            let val = s
                .get(k)
                .unwrap_or_else(|| panic!("{}: setting {k} missing", d.raw_id));
            if let (Some(min), Some(max), Some(x)) = (
                range.get("min").and_then(Value::as_f64),
                range.get("max").and_then(Value::as_f64),
                val.as_f64(),
            ) {
                assert!(min <= x && x <= max, "{k}={x} outside {min}..{max}");
            }
            if let Some(list) = range.as_array() {
                if k != "facingMode" || !list.is_empty() {
                    assert!(list.contains(val), "{k}={val} not in {list:?}");
                }
            }
        }
    }
}
