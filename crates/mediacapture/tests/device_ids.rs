//! Device ids: HMAC-SHA256(salt, origin + raw id), base64url; stable per origin, unlinkable
//! across origins; groupIds shared by devices of one physical device.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod common;
use common::*;
use mediacapture::{MediaDeviceKind, MediaDevices};
use mediacapture_hal::fake::{FakeBackend, FakeProfile};

fn ids_for(origin: &str, salt: [u8; 32]) -> Vec<(MediaDeviceKind, String, String)> {
    let md = MediaDevices::builder()
        .origin(origin)
        .salt(salt)
        .backend(FakeBackend::new(FakeProfile::default()))
        .build();
    gum(&md, r#"{"audio":true,"video":true}"#).unwrap();
    block_on(md.enumerate_devices())
        .unwrap()
        .iter()
        .map(|d| (d.kind, d.device_id.clone(), d.group_id.clone()))
        .collect()
}

#[test]
fn stable_for_one_origin() {
    assert_eq!(
        ids_for("https://a.example", SALT),
        ids_for("https://a.example", SALT)
    );
}

#[test]
fn different_across_origins_and_installations() {
    let a = ids_for("https://a.example", SALT);
    let b = ids_for("https://b.example", SALT);
    let c = ids_for("https://a.example", [9; 32]);
    for ((_, ida, ga), ((_, idb, gb), (_, idc, gc))) in a.iter().zip(b.iter().zip(c.iter())) {
        assert_ne!(ida, idb);
        assert_ne!(ga, gb);
        assert_ne!(ida, idc);
        assert_ne!(ga, gc);
    }
}

#[test]
fn ids_are_base64url_of_a_sha256() {
    for (_, id, group) in ids_for("https://a.example", SALT) {
        for s in [&id, &group] {
            assert_eq!(s.len(), 43, "{s}");
            assert!(
                s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
    }
}

#[test]
fn devices_of_one_physical_device_share_a_group_id() {
    let (md, _) = devices_with_profile(
        r#"{"devices":[
            {"kind":"audioinput","label":"Headset Mic","groupId":"headset","sampleRate":[48000],"channelCount":[1]},
            {"kind":"audiooutput","label":"Headset Speaker","groupId":"headset"},
            {"kind":"audioinput","label":"Other Mic","groupId":"other","sampleRate":[48000],"channelCount":[1]}
        ]}"#,
    );
    gum(&md, r#"{"audio":true}"#).unwrap();
    let list = block_on(md.enumerate_devices()).unwrap();
    let g = |label: &str| {
        list.iter()
            .find(|d| d.label == label)
            .unwrap()
            .group_id
            .clone()
    };
    assert_eq!(g("Headset Mic"), g("Headset Speaker"));
    assert_ne!(g("Headset Mic"), g("Other Mic"));
}
