//! Origin-specific device and group ids.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Derives the `deviceId` and `groupId` a given origin sees from a backend's raw ids:
/// `base64url(HMAC-SHA256(salt, tag || origin || 0x00 || raw id))` without padding
/// (43 characters), with `tag` = `"device\0"` or `"group\0"` so that a device id never equals
/// a group id. Stable for one salt and origin, unlinkable across origins; rotating the salt
/// (clearing storage) rotates every id.
///
/// Spec: <https://w3c.github.io/mediacapture-main/#dom-mediadeviceinfo-deviceid>
#[derive(Clone)]
pub struct DeviceIdHasher {
    salt: [u8; 32],
}

impl std::fmt::Debug for DeviceIdHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceIdHasher { salt: <hidden> }")
    }
}

impl DeviceIdHasher {
    /// A hasher with a per-installation secret `salt`.
    pub fn new(salt: [u8; 32]) -> Self {
        Self { salt }
    }

    fn hash(&self, tag: &[u8], origin: &str, raw: &str) -> String {
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.salt) else {
            // HMAC accepts keys of any length; this branch cannot be taken.
            return String::new();
        };
        mac.update(tag);
        mac.update(origin.as_bytes());
        mac.update(&[0]);
        mac.update(raw.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// The `deviceId` that `origin` sees for the device with backend id `raw_id`.
    pub fn device_id(&self, origin: &str, raw_id: &str) -> String {
        self.hash(b"device\0", origin, raw_id)
    }

    /// The `groupId` that `origin` sees for the physical device `raw_group_id`.
    pub fn group_id(&self, origin: &str, raw_group_id: &str) -> String {
        self.hash(b"group\0", origin, raw_group_id)
    }
}
