use super::*;
use crate::EncodedPacket;
use crate::vpx::{VpxEncoder, VpxSettings};

/// A tight I420 picture: a gradient with a bright bar that moves with `n`.
fn picture(w: usize, h: usize, n: usize) -> Vec<u8> {
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut p = vec![128u8; w * h + 2 * cw * ch];
    for y in 0..h {
        for x in 0..w {
            let bar = (x + 4 * n) % w < w / 8;
            p[y * w + x] = if bar {
                235
            } else {
                (16 + (x + y) * 200 / (w + h)) as u8
            };
        }
    }
    p
}

fn encode(codec: VideoCodec, w: usize, h: usize, frames: usize) -> Vec<EncodedPacket> {
    let mut enc = VpxEncoder::new(VpxSettings::new(codec, 1_000_000), w as u32, h as u32).unwrap();
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut out = Vec::new();
    for n in 0..frames {
        let p = picture(w, h, n);
        let (y, uv) = p.split_at(w * h);
        let (u, v) = uv.split_at(cw * ch);
        enc.encode([y, u, v], [w, cw, cw], n as i64 * 33_333, 33_333, &mut out)
            .unwrap();
    }
    assert_eq!(out.len(), frames);
    assert!(out[0].key && !out[1].key);
    out
}

/// Mean absolute difference of the luma planes.
fn luma_diff(f: &VideoFrame, want: &[u8]) -> f64 {
    let (w, h) = (f.display_width() as usize, f.display_height() as usize);
    let y = f.plane(0);
    let sum: u64 = (0..w * h).map(|i| u64::from(y[i].abs_diff(want[i]))).sum();
    sum as f64 / (w * h) as f64
}

fn xorshift(seed: &mut u32) -> u8 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    *seed as u8
}

#[test]
fn decodes_what_the_encoder_made() {
    for codec in [VideoCodec::Vp8, VideoCodec::Vp9] {
        let (w, h) = (161, 121); // odd: chroma rounds up
        let packets = encode(codec, w, h, 10);
        let mut dec = VpxDecoder::new(codec).unwrap();
        for (n, p) in packets.iter().enumerate() {
            let mut out = Vec::new();
            dec.decode(&p.data, p.pts_us, &mut out).unwrap();
            assert_eq!(out.len(), 1, "{codec:?} frame {n}");
            let f = &out[0];
            assert_eq!(f.format(), PixelFormat::I420);
            assert_eq!(
                (f.display_width(), f.display_height()),
                (w as u32, h as u32)
            );
            assert_eq!(f.timestamp(), p.pts_us);
            let d = luma_diff(f, &picture(w, h, n));
            assert!(d < 6.0, "{codec:?} frame {n}: mean luma error {d}");
            // The bar moved: the picture is not the previous one's.
            if n > 0 {
                assert!(
                    luma_diff(f, &picture(w, h, n - 1)) > d,
                    "{codec:?} frame {n}"
                );
            }
        }
    }
}

#[test]
fn a_new_size_needs_only_a_keyframe() {
    let mut dec = VpxDecoder::new(VideoCodec::Vp8).unwrap();
    for (w, h) in [(64, 48), (96, 64)] {
        let p = &encode(VideoCodec::Vp8, w, h, 2)[0];
        let mut out = Vec::new();
        dec.decode(&p.data, 0, &mut out).unwrap();
        assert_eq!(
            (out[0].display_width(), out[0].display_height()),
            (w as u32, h as u32)
        );
    }
}

#[test]
fn inter_frames_before_a_keyframe_are_errors() {
    for codec in [VideoCodec::Vp8, VideoCodec::Vp9] {
        let packets = encode(codec, 64, 48, 3);
        let mut dec = VpxDecoder::new(codec).unwrap();
        let mut out = Vec::new();
        let e = dec.decode(&packets[1].data, 0, &mut out).unwrap_err();
        assert_eq!(e.name(), "OperationError", "{codec:?}: {e}");
        assert!(out.is_empty());
        dec.decode(&packets[0].data, 0, &mut out).unwrap();
        assert_eq!(out.len(), 1);
    }
}

#[test]
fn empty_truncated_and_garbage_frames_are_errors_never_panics() {
    for codec in [VideoCodec::Vp8, VideoCodec::Vp9] {
        let packets = encode(codec, 160, 120, 4);
        let key = &packets[0].data;
        let mut dec = VpxDecoder::new(codec).unwrap();
        let mut out = Vec::new();
        assert_eq!(
            dec.decode(&[], 0, &mut out).unwrap_err().name(),
            "OperationError"
        );
        // A keyframe cut anywhere in its first half.
        for len in 1..key.len() / 2 {
            let r = dec.decode(&key[..len], 0, &mut out);
            assert!(
                r.is_err(),
                "{codec:?}: keyframe cut to {len} of {} bytes decoded",
                key.len()
            );
        }
        assert!(out.is_empty());
        // Random bytes, some starting like a keyframe of the codec.
        let mut seed = 0x9e37_79b9;
        for len in 1..300 {
            let mut g: Vec<u8> = (0..len).map(|_| xorshift(&mut seed)).collect();
            if len % 2 == 0 {
                let n = g.len().min(key.len()).min(10);
                g[..n].copy_from_slice(&key[..n]);
            }
            let r = dec.decode(&g, 0, &mut out);
            assert!(r.is_err(), "{codec:?}: {len} bytes of garbage decoded");
        }
        // Every cut of an inter frame after a good keyframe: an error or a picture, no panic.
        for len in 0..packets[1].data.len() {
            out.clear();
            dec.decode(key, 0, &mut out).unwrap();
            let _ = dec.decode(&packets[1].data[..len], 0, &mut out);
        }
        // Still usable.
        out.clear();
        for p in &packets {
            dec.decode(&p.data, 0, &mut out).unwrap();
        }
        assert_eq!(out.len(), packets.len());
    }
}

#[test]
fn after_an_error_the_next_keyframe_decodes() {
    let packets = encode(VideoCodec::Vp9, 64, 48, 2);
    let mut dec = VpxDecoder::new(VideoCodec::Vp9).unwrap();
    let mut out = Vec::new();
    assert!(dec.decode(&[0xff; 40], 0, &mut out).is_err());
    dec.decode(&packets[0].data, 7, &mut out).unwrap();
    assert_eq!(out[0].timestamp(), 7);
}
