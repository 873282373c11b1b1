//! Encoders: VP8/VP9 (libvpx) and Opus (libopus) from `mediacapture-codec` (one copy in the
//! workspace, shared with WebRTC), and 16-bit PCM.

pub use mediacapture_codec::{EncodedPacket, OPUS_RATES, OpusEncoder};

/// VP8 / VP9 encoding with libvpx (`mediacapture_codec::vpx`).
pub mod vpx {
    pub use mediacapture_codec::vpx::*;
}

/// Converts f32 samples to little-endian signed 16-bit PCM, clamping to [-1, 1].
pub fn f32_to_s16le(samples: &[f32], out: &mut Vec<u8>) {
    out.reserve(samples.len() * 2);
    for s in samples {
        let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s16_conversion_clamps() {
        let mut out = Vec::new();
        f32_to_s16le(&[0.0, 1.0, -1.0, 2.0], &mut out);
        assert_eq!(out, [0, 0, 0xff, 0x7f, 0x01, 0x80, 0xff, 0x7f]);
    }
}
