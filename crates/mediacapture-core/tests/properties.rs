//! Properties of SelectSettings over random devices and constraints.
//! Spec: https://w3c.github.io/mediacapture-main/#dfn-selectsettings

mod common;
use common::*;
use mediacapture_core::{TrackKind, fitness_distance, select_settings};
use mediacapture_types::native::{DeviceDescriptor, NativeConfig};
use mediacapture_types::*;
use proptest::prelude::*;

fn modes() -> impl Strategy<Value = Vec<(u32, u32, f64)>> {
    proptest::collection::vec(
        (
            prop_oneof![Just(320u32), Just(640), Just(1280), Just(1920), 1u32..4000],
            prop_oneof![Just(240u32), Just(480), Just(720), Just(1080), 1u32..3000],
            prop_oneof![Just(15.0), Just(30.0), Just(60.0), 1.0..120.0f64],
        ),
        1..5,
    )
}

fn ulong(lo: u32, hi: u32) -> impl Strategy<Value = ConstrainULong> {
    let v = lo..hi;
    prop_oneof![
        v.clone().prop_map(ConstrainULong::Value),
        (
            proptest::option::of(v.clone()),
            proptest::option::of(v.clone()),
            proptest::option::of(v.clone()),
            proptest::option::of(v)
        )
            .prop_map(|(min, max, exact, ideal)| ConstrainULong::Range(
                ConstrainULongRange {
                    min,
                    max,
                    exact,
                    ideal
                }
            )),
    ]
}

fn double(lo: f64, hi: f64) -> impl Strategy<Value = ConstrainDouble> {
    let v = prop_oneof![lo..hi, Just(30.0), Just(1.5), Just(16.0 / 9.0)];
    prop_oneof![
        v.clone().prop_map(ConstrainDouble::Value),
        (
            proptest::option::of(v.clone()),
            proptest::option::of(v.clone()),
            proptest::option::of(v.clone()),
            proptest::option::of(v)
        )
            .prop_map(|(min, max, exact, ideal)| ConstrainDouble::Range(
                ConstrainDoubleRange {
                    min,
                    max,
                    exact,
                    ideal
                }
            )),
    ]
}

fn strings(values: &'static [&'static str]) -> impl Strategy<Value = ConstrainDOMString> {
    let one = proptest::sample::select(values).prop_map(str::to_owned);
    prop_oneof![
        one.clone().prop_map(ConstrainDOMString::Value),
        proptest::collection::vec(one.clone(), 0..3).prop_map(ConstrainDOMString::List),
        (proptest::option::of(one.clone()), proptest::option::of(one)).prop_map(|(e, i)| {
            ConstrainDOMString::Params(ConstrainDOMStringParameters {
                exact: e.map(Into::into),
                ideal: i.map(Into::into),
            })
        }),
    ]
}

fn video_set() -> BoxedStrategy<MediaTrackConstraintSet> {
    (
        proptest::option::of(ulong(0, 2500)),
        proptest::option::of(ulong(0, 2000)),
        proptest::option::of(double(0.1, 4.0)),
        proptest::option::of(double(0.0, 130.0)),
        proptest::option::of(strings(&["none", "crop-and-scale"])),
        proptest::option::of(strings(&["user", "environment"])),
        proptest::option::of(strings(&["id-c", "other"])),
    )
        .prop_map(
            |(width, height, aspect_ratio, frame_rate, resize_mode, facing_mode, device_id)| {
                MediaTrackConstraintSet {
                    width,
                    height,
                    aspect_ratio,
                    frame_rate,
                    resize_mode,
                    facing_mode,
                    device_id,
                    ..Default::default()
                }
            },
        )
        .boxed()
}

fn audio_set() -> BoxedStrategy<MediaTrackConstraintSet> {
    (
        proptest::option::of(ulong(8000, 96000)),
        proptest::option::of(ulong(0, 4)),
        proptest::option::of(double(0.0, 0.2)),
        proptest::option::of(prop_oneof![
            any::<bool>().prop_map(ConstrainBooleanOrDOMString::Bool),
            Just(ConstrainBooleanOrDOMString::String("all".into())),
            any::<bool>().prop_map(ConstrainBooleanOrDOMString::exact)
        ]),
        proptest::option::of(prop_oneof![
            any::<bool>().prop_map(ConstrainBoolean::Value),
            any::<bool>().prop_map(ConstrainBoolean::exact)
        ]),
    )
        .prop_map(
            |(sample_rate, channel_count, latency, echo_cancellation, noise_suppression)| {
                MediaTrackConstraintSet {
                    sample_rate,
                    channel_count,
                    latency,
                    echo_cancellation,
                    noise_suppression,
                    ..Default::default()
                }
            },
        )
        .boxed()
}

fn video_constraints() -> impl Strategy<Value = MediaTrackConstraints> {
    (video_set(), proptest::collection::vec(video_set(), 0..3))
        .prop_map(|(basic, advanced)| MediaTrackConstraints { basic, advanced })
}

fn audio_constraints() -> impl Strategy<Value = MediaTrackConstraints> {
    (audio_set(), proptest::collection::vec(audio_set(), 0..2))
        .prop_map(|(basic, advanced)| MediaTrackConstraints { basic, advanced })
}

/// An ideal for one property, to add to a basic set that lacks it.
fn extra_ideal() -> impl Strategy<Value = (usize, f64)> {
    (0usize..5, 0.0..3000.0f64)
}

fn with_ideal(mut c: MediaTrackConstraints, (which, x): (usize, f64)) -> MediaTrackConstraints {
    let b = &mut c.basic;
    match which {
        0 if b.width.is_none() => b.width = Some(ConstrainULong::ideal(x as u32)),
        1 if b.height.is_none() => b.height = Some(ConstrainULong::ideal(x as u32)),
        2 if b.frame_rate.is_none() => b.frame_rate = Some(ConstrainDouble::ideal(x / 20.0)),
        3 if b.aspect_ratio.is_none() => b.aspect_ratio = Some(ConstrainDouble::ideal(x / 1000.0)),
        4 if b.facing_mode.is_none() => {
            b.facing_mode = Some(ConstrainDOMString::ideal("environment"))
        }
        _ => {}
    }
    c
}

fn cam(m: &[(u32, u32, f64)]) -> DeviceDescriptor {
    camera("c", "g", m, Some(VideoFacingModeEnum::User), false)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Step 2/3: the result satisfies every required constraint of the basic set, and a
    /// camera's settings are never upscaled from their native mode.
    #[test]
    fn never_violates_a_required_constraint(m in modes(), c in video_constraints()) {
        let d = cam(&m);
        if let Ok(sel) = select_settings(&view(&d), &c) {
            prop_assert!(fitness_distance(&sel.settings, &c.basic, false, TrackKind::Video).is_finite(), "{:?}", sel.settings);
            let NativeConfig::Video(n) = sel.native else { panic!("not video") };
            prop_assert!(sel.settings.width.unwrap_or(0) <= n.width && sel.settings.height.unwrap_or(0) <= n.height);
            prop_assert!(sel.settings.frame_rate.unwrap_or(0.0) <= n.frame_rate);
            prop_assert!(m.contains(&(n.width, n.height, n.frame_rate)));
            if sel.settings.resize_mode == Some(VideoResizeModeEnum::None) {
                prop_assert_eq!((sel.settings.width, sel.settings.height, sel.settings.frame_rate), (Some(n.width), Some(n.height), Some(n.frame_rate)));
            }
        }
    }

    /// Optional constraints only rank candidates: adding an `ideal` to the basic set
    /// never turns a success into a failure.
    #[test]
    fn adding_an_ideal_never_turns_success_into_failure(m in modes(), c in video_constraints(), extra in extra_ideal()) {
        let d = cam(&m);
        let before = select_settings(&view(&d), &c);
        let after = select_settings(&view(&d), &with_ideal(c.clone(), extra));
        if before.is_ok() {
            prop_assert!(after.is_ok(), "{:?} → {:?}", before, after);
        }
    }

    /// Step 4: every advanced set is either satisfied by the result or could not be
    /// satisfied together with the basic set and the sets kept before it.
    #[test]
    fn satisfied_advanced_sets_stay_satisfied(m in modes(), c in video_constraints()) {
        let d = cam(&m);
        if let Ok(sel) = select_settings(&view(&d), &c) {
            let mut kept = MediaTrackConstraints { basic: c.basic.clone(), advanced: vec![] };
            for set in &c.advanced {
                let mut with = kept.clone();
                with.advanced.push(set.clone());
                // When the sets can be merged into one basic set (no property constrained
                // twice), the set is satisfiable with what was kept before exactly when the
                // merged set is; then the result must satisfy it. Otherwise stop checking.
                let Some(merged) = merge_exact(&with) else { break };
                if select_settings(&view(&d), &MediaTrackConstraints { basic: merged, advanced: vec![] }).is_ok() {
                    prop_assert!(fitness_distance(&sel.settings, set, true, TrackKind::Video).is_finite(), "set {:?} not satisfied by {:?}", set, sel.settings);
                    kept = with;
                }
            }
        }
    }

    #[test]
    fn audio_never_violates_a_required_constraint(c in audio_constraints(), extra_ec in any::<bool>()) {
        let d = mic("m", "g", true);
        let r = select_settings(&view(&d), &c);
        if let Ok(sel) = &r {
            prop_assert!(fitness_distance(&sel.settings, &c.basic, false, TrackKind::Audio).is_finite());
        }
        let mut more = c.clone();
        if more.basic.auto_gain_control.is_none() {
            more.basic.auto_gain_control = Some(ConstrainBoolean::ideal(extra_ec));
        }
        if r.is_ok() {
            prop_assert!(select_settings(&view(&d), &more).is_ok());
        }
    }

    #[test]
    fn display_never_crops(c in video_constraints()) {
        let d = screen();
        let mut c = c;
        c.basic.facing_mode = None;
        for s in &mut c.advanced { s.facing_mode = None; }
        if let Ok(sel) = select_settings(&view(&d), &c) {
            let (w, h) = (f64::from(sel.settings.width.unwrap_or(0)), f64::from(sel.settings.height.unwrap_or(0)));
            // Aspect preserved to within a pixel's rounding.
            prop_assert!((w * 1080.0 / 1920.0 - h).abs() <= 1.0, "{w}x{h}");
            prop_assert!(w <= 1920.0 && h <= 1080.0);
        }
    }
}

/// The basic set plus every advanced set with its bare values made exact, as one basic set;
/// `None` when two sets constrain the same property (they cannot be merged into one).
fn merge_exact(c: &MediaTrackConstraints) -> Option<MediaTrackConstraintSet> {
    let mut out = c.basic.clone();
    for s in &c.advanced {
        if s.iter().any(|(name, _)| out.get(name).is_some()) {
            return None;
        }
        macro_rules! exactify {
            ($f:ident, $t:ident) => {
                if let Some(v) = &s.$f {
                    out.$f = Some(match v.clone() {
                        $t::Value(x) => $t::exact(x),
                        other => other,
                    });
                }
            };
        }
        exactify!(width, ConstrainULong);
        exactify!(height, ConstrainULong);
        exactify!(aspect_ratio, ConstrainDouble);
        exactify!(frame_rate, ConstrainDouble);
        for (src, dst) in [
            (&s.resize_mode, &mut out.resize_mode),
            (&s.facing_mode, &mut out.facing_mode),
            (&s.device_id, &mut out.device_id),
        ] {
            if let Some(v) = src {
                *dst = Some(match v.clone() {
                    ConstrainDOMString::Value(x) => ConstrainDOMString::exact(x),
                    ConstrainDOMString::List(l) if l.is_empty() => ConstrainDOMString::List(l),
                    ConstrainDOMString::List(l) => ConstrainDOMString::exact(l),
                    other => other,
                });
            }
        }
    }
    Some(out)
}
