//! Origin-specific device ids.
//! Spec: https://w3c.github.io/mediacapture-main/#dom-mediadeviceinfo-deviceid
//! (unique per kind, same for same-origin documents, un-guessable across origins).

use mediacapture_core::DeviceIdHasher;

fn is_base64url_unpadded(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[test]
fn ids_are_stable_per_origin_and_differ_across_origins() {
    let h = DeviceIdHasher::new([7; 32]);
    let a1 = h.device_id("https://a.example", "/dev/video0");
    assert_eq!(a1, h.device_id("https://a.example", "/dev/video0"));
    assert_ne!(a1, h.device_id("https://b.example", "/dev/video0"));
    assert_ne!(a1, h.device_id("https://a.example", "/dev/video1"));
    assert!(is_base64url_unpadded(&a1), "{a1}");
}

#[test]
fn group_ids_follow_the_raw_group_and_differ_from_device_ids() {
    let h = DeviceIdHasher::new([7; 32]);
    let g = h.group_id("app", "usb-1");
    assert_eq!(g, h.group_id("app", "usb-1"));
    assert_ne!(g, h.group_id("other-app", "usb-1"));
    assert_ne!(g, h.device_id("app", "usb-1"));
    assert!(is_base64url_unpadded(&g));
}

#[test]
fn a_new_salt_rotates_every_id_and_concatenation_is_unambiguous() {
    let (h1, h2) = (DeviceIdHasher::new([1; 32]), DeviceIdHasher::new([2; 32]));
    assert_ne!(h1.device_id("o", "x"), h2.device_id("o", "x"));
    assert_ne!(h1.device_id("ab", "c"), h1.device_id("a", "bc"));
    assert!(!format!("{h1:?}").contains('1'), "the salt is not printed");
}

#[test]
fn matches_an_independent_hmac_sha256() {
    // RFC 4231 style check through the public contract: HMAC-SHA256(salt, "device\0" + origin
    // + "\0" + raw) in base64url without padding, computed here with the hmac crate directly.
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let salt = [42u8; 32];
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&salt).unwrap();
    mac.update(b"device\0https://x\0raw");
    let want = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    assert_eq!(
        DeviceIdHasher::new(salt).device_id("https://x", "raw"),
        want
    );
}
