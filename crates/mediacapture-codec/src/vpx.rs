//! VP8 / VP9 encoding with libvpx (system library, through `env-libvpx-sys`).
//!
//! Settings follow Chromium's `VpxEncoder` (media/muxers and blink mediarecorder): one-pass,
//! realtime deadline, no lag, no frame dropping, no internal resizing, variable bitrate at the
//! recorder's `videoBitsPerSecond`, automatic keyframes at most 100 frames apart unless the
//! page asked for an interval.
#![allow(unsafe_code)] // FFI to libvpx; every block has a SAFETY comment.

use crate::{EncodedPacket, VideoCodec};
use mediacapture_types::{Error, Result};
use std::ffi::CStr;
use std::os::raw::{c_int, c_ulong};
use vpx_sys::*;

/// When the encoder must produce keyframes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum KeyFrameInterval {
    /// The encoder decides (Chromium: at most 100 frames apart).
    #[default]
    Auto,
    /// A keyframe on the first frame at least this many milliseconds after the last one
    /// (`videoKeyFrameIntervalDuration`).
    Duration(f64),
    /// A keyframe on the first frame after this many frames since the last one
    /// (`videoKeyFrameIntervalCount`).
    Count(u32),
}

/// Settings of a [`VpxEncoder`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VpxSettings {
    /// VP8 or VP9.
    pub codec: VideoCodec,
    /// Target bitrate in bits per second.
    pub bitrate: u32,
    /// Keyframe rule.
    pub key_frame_interval: KeyFrameInterval,
    /// Encoder threads (0 = chosen from the frame size and the number of CPUs, see
    /// [`default_threads`]).
    pub threads: u32,
    /// libvpx `cpu-used` speed setting. VP8: -6 by default, WebRTC's x86 default: a fixed
    /// speed 6 (a positive value lets libvpx pick the speed from measured encode times, so
    /// output depends on machine load). VP9: 8, a realtime speed.
    pub cpu_used: i32,
}

impl VpxSettings {
    /// Defaults for `codec` at `bitrate`.
    pub fn new(codec: VideoCodec, bitrate: u32) -> Self {
        VpxSettings {
            codec,
            bitrate,
            key_frame_interval: KeyFrameInterval::Auto,
            threads: 0,
            cpu_used: match codec {
                VideoCodec::Vp8 => -6,
                VideoCodec::Vp9 => 8,
            },
        }
    }
}

/// The encoder threads WebRTC's VP8 encoder (Chromium) uses for a frame size and CPU count:
/// 1 below 3 CPUs or up to 640x480, 2 above that, 3 above 1280x960 with 6 CPUs, 8 from
/// 1080p with more than 8. libvpx's VP8 threads spin while they wait for each other, so
/// more threads than spare cores costs CPU time instead of saving wall time.
pub fn default_threads(width: u32, height: u32, cpus: u32) -> u32 {
    let px = u64::from(width) * u64::from(height);
    if px >= 1920 * 1080 && cpus > 8 {
        8
    } else if px > 1280 * 960 && cpus >= 6 {
        3
    } else if px > 640 * 480 && cpus >= 3 {
        2
    } else {
        1
    }
}

/// One libvpx encoder for a fixed frame size. A new size needs a new encoder.
pub struct VpxEncoder {
    ctx: Box<vpx_codec_ctx_t>,
    /// The configuration the context runs with (kept for `vpx_codec_enc_config_set`).
    cfg: Box<vpx_codec_enc_cfg_t>,
    settings: VpxSettings,
    /// The next frame is encoded as a keyframe ([`VpxEncoder::request_keyframe`]).
    keyframe_requested: bool,
    width: u32,
    height: u32,
    last_key_us: Option<i64>,
    frames_since_key: u32,
    last_pts: Option<i64>,
}

// SAFETY: the libvpx context is owned by this value alone and libvpx encoders have no thread
// affinity; it is never shared (no `Sync`).
unsafe impl Send for VpxEncoder {}

fn vpx_error(ctx: &mut vpx_codec_ctx_t, what: &str, err: vpx_codec_err_t) -> Error {
    // SAFETY: ctx is an initialised (or failed-to-initialise, which libvpx allows here)
    // context; vpx_codec_error returns a static or context-owned NUL-terminated string.
    let msg = unsafe {
        let p = vpx_codec_error(ctx);
        if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    Error::unknown(format!("libvpx {what} failed ({err:?}): {msg}"))
}

impl VpxEncoder {
    /// An encoder for `width` x `height` I420 frames.
    pub fn new(settings: VpxSettings, width: u32, height: u32) -> Result<Self> {
        if width == 0 || height == 0 || width > 16384 || height > 16384 {
            return Err(Error::not_supported(format!(
                "cannot encode {width}x{height} video"
            )));
        }
        // SAFETY: vpx_codec_vp8_cx/vp9_cx return pointers to static interface descriptions.
        let iface = unsafe {
            match settings.codec {
                VideoCodec::Vp8 => vpx_codec_vp8_cx(),
                VideoCodec::Vp9 => vpx_codec_vp9_cx(),
            }
        };
        let mut cfg = std::mem::MaybeUninit::<vpx_codec_enc_cfg_t>::uninit();
        // SAFETY: iface is valid; libvpx fills the whole config on success.
        let err = unsafe { vpx_codec_enc_config_default(iface, cfg.as_mut_ptr(), 0) };
        if err != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(Error::unknown(format!(
                "libvpx default config failed ({err:?})"
            )));
        }
        // SAFETY: vpx_codec_enc_config_default returned OK, so every field is initialised.
        let mut cfg = unsafe { cfg.assume_init() };
        let threads = if settings.threads == 0 {
            let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
            default_threads(width, height, cpus)
        } else {
            settings.threads
        };
        cfg.g_w = width;
        cfg.g_h = height;
        cfg.g_threads = threads;
        // Microsecond timebase: pts are media-time microseconds.
        cfg.g_timebase = vpx_rational {
            num: 1,
            den: 1_000_000,
        };
        cfg.g_pass = vpx_enc_pass::VPX_RC_ONE_PASS;
        cfg.g_lag_in_frames = 0;
        cfg.rc_dropframe_thresh = 0;
        cfg.rc_resize_allowed = 0;
        cfg.rc_end_usage = vpx_rc_mode::VPX_VBR;
        cfg.rc_target_bitrate = (settings.bitrate / 1000).max(1);
        cfg.rc_min_quantizer = 2;
        cfg.rc_max_quantizer = 52;
        cfg.rc_undershoot_pct = 100;
        cfg.rc_overshoot_pct = 15;
        cfg.rc_buf_initial_sz = 500;
        cfg.rc_buf_optimal_sz = 600;
        cfg.rc_buf_sz = 1000;
        match settings.key_frame_interval {
            KeyFrameInterval::Auto => {
                cfg.kf_mode = vpx_kf_mode::VPX_KF_AUTO;
                cfg.kf_min_dist = 0;
                cfg.kf_max_dist = 100;
            }
            // We force keyframes ourselves; keep the encoder from adding its own.
            KeyFrameInterval::Duration(_) | KeyFrameInterval::Count(_) => {
                // VPX_KF_DISABLED has the value of VPX_KF_FIXED: no automatic keyframes.
                cfg.kf_mode = vpx_kf_mode::VPX_KF_FIXED;
                cfg.kf_min_dist = 0;
                cfg.kf_max_dist = 0;
            }
        }
        // SAFETY: all-zero is the documented initial state of a context before enc_init.
        let mut ctx: Box<vpx_codec_ctx_t> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: ctx is a zeroed, boxed (stable address) context; cfg is fully initialised;
        // the ABI version is the one the bindings were generated for.
        let err = unsafe {
            vpx_codec_enc_init_ver(&mut *ctx, iface, &cfg, 0, VPX_ENCODER_ABI_VERSION as c_int)
        };
        if err != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(vpx_error(&mut ctx, "encoder init", err));
        }
        let mut enc = VpxEncoder {
            ctx,
            cfg: Box::new(cfg),
            settings,
            keyframe_requested: false,
            width,
            height,
            last_key_us: None,
            frames_since_key: 0,
            last_pts: None,
        };
        let cpu = settings.cpu_used;
        enc.control(vp8e_enc_control_id::VP8E_SET_CPUUSED as c_int, cpu)?;
        if settings.codec == VideoCodec::Vp9 {
            enc.control(vp8e_enc_control_id::VP9E_SET_ROW_MT as c_int, 1)?;
            enc.control(vp8e_enc_control_id::VP9E_SET_AQ_MODE as c_int, 3)?;
        }
        Ok(enc)
    }

    fn control(&mut self, id: c_int, value: c_int) -> Result<()> {
        // SAFETY: the context is initialised; these controls take one int argument.
        let err = unsafe { vpx_codec_control_(&mut *self.ctx, id, value) };
        if err != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(vpx_error(&mut self.ctx, "control", err));
        }
        Ok(())
    }

    /// Encodes the next frame as a keyframe (a receiver's PLI or FIR), without a new encoder.
    pub fn request_keyframe(&mut self) {
        self.keyframe_requested = true;
    }

    /// The target bitrate in bits per second.
    pub fn bitrate(&self) -> u32 {
        self.settings.bitrate
    }

    /// Changes the target bitrate in place (`vpx_codec_enc_config_set`): the next frames are
    /// encoded at it, with no keyframe and no new encoder.
    pub fn set_bitrate(&mut self, bitrate: u32) -> Result<()> {
        let kbps = (bitrate / 1000).max(1);
        if kbps == self.cfg.rc_target_bitrate {
            self.settings.bitrate = bitrate;
            return Ok(());
        }
        let previous = self.cfg.rc_target_bitrate;
        self.cfg.rc_target_bitrate = kbps;
        // SAFETY: the context is initialised; cfg is the full configuration it was
        // initialised with (only the bitrate changed), which libvpx copies.
        let err = unsafe { vpx_codec_enc_config_set(&mut *self.ctx, &*self.cfg) };
        if err != vpx_codec_err_t::VPX_CODEC_OK {
            self.cfg.rc_target_bitrate = previous;
            return Err(vpx_error(&mut self.ctx, "bitrate change", err));
        }
        self.settings.bitrate = bitrate;
        Ok(())
    }

    /// The frame size this encoder was made for.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Encodes one I420 picture given as three planes with strides, at media time `pts_us`
    /// lasting `duration_us`. Returns the packets produced (one per frame with no lag).
    #[allow(clippy::too_many_arguments)]
    pub fn encode(
        &mut self,
        planes: [&[u8]; 3],
        strides: [usize; 3],
        pts_us: i64,
        duration_us: i64,
        out: &mut Vec<EncodedPacket>,
    ) -> Result<()> {
        let (w, h) = (self.width as usize, self.height as usize);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let need = [
            (strides[0], w, h),
            (strides[1], cw, ch),
            (strides[2], cw, ch),
        ];
        for (i, (stride, pw, ph)) in need.iter().enumerate() {
            if *stride < *pw || planes[i].len() < stride * (ph - 1) + pw {
                return Err(Error::unknown(format!(
                    "I420 plane {i} too small for {w}x{h}"
                )));
            }
        }
        // libvpx wants strictly increasing pts.
        let pts = match self.last_pts {
            Some(last) if pts_us <= last => last + 1,
            _ => pts_us,
        };
        self.last_pts = Some(pts);
        let mut flags: vpx_enc_frame_flags_t = 0;
        let force = match self.settings.key_frame_interval {
            KeyFrameInterval::Auto => false,
            KeyFrameInterval::Duration(ms) => self
                .last_key_us
                .is_none_or(|k| (pts - k) as f64 >= ms * 1000.0),
            // A keyframe every n frames: the keyframe itself counts as one of them.
            KeyFrameInterval::Count(n) => {
                self.last_key_us.is_none() || self.frames_since_key + 1 >= n
            }
        };
        if force || std::mem::take(&mut self.keyframe_requested) {
            flags |= VPX_EFLAG_FORCE_KF as vpx_enc_frame_flags_t;
        }
        // SAFETY: all-zero is a valid vpx_image_t; the fields libvpx reads are set below.
        let mut img: vpx_image_t = unsafe { std::mem::zeroed() };
        img.fmt = vpx_img_fmt::VPX_IMG_FMT_I420;
        img.w = self.width;
        img.h = self.height;
        img.d_w = self.width;
        img.d_h = self.height;
        img.bit_depth = 8;
        img.x_chroma_shift = 1;
        img.y_chroma_shift = 1;
        img.bps = 12;
        for i in 0..3 {
            // libvpx only reads the input planes; the pointer is mut in the C declaration.
            img.planes[i] = planes[i].as_ptr().cast_mut();
            img.stride[i] = strides[i] as c_int;
        }
        // SAFETY: img describes planes that were checked above to cover w x h (chroma
        // ceil(w/2) x ceil(h/2)) at the given strides, and that outlive this call.
        let err = unsafe {
            vpx_codec_encode(
                &mut *self.ctx,
                &img,
                pts,
                duration_us.max(1) as c_ulong,
                flags,
                VPX_DL_REALTIME as c_ulong,
            )
        };
        if err != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(vpx_error(&mut self.ctx, "encode", err));
        }
        self.frames_since_key += 1;
        self.drain(out);
        Ok(())
    }

    /// Flushes the encoder (end of stream).
    pub fn flush(&mut self, out: &mut Vec<EncodedPacket>) -> Result<()> {
        // SAFETY: a null image asks libvpx to flush; the context is initialised.
        let err = unsafe {
            vpx_codec_encode(
                &mut *self.ctx,
                std::ptr::null(),
                -1,
                1,
                0,
                VPX_DL_REALTIME as c_ulong,
            )
        };
        if err != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(vpx_error(&mut self.ctx, "flush", err));
        }
        self.drain(out);
        Ok(())
    }

    fn drain(&mut self, out: &mut Vec<EncodedPacket>) {
        let mut iter: vpx_codec_iter_t = std::ptr::null();
        loop {
            // SAFETY: ctx is initialised; iter starts null and is advanced by libvpx.
            let pkt = unsafe { vpx_codec_get_cx_data(&mut *self.ctx, &mut iter) };
            if pkt.is_null() {
                break;
            }
            // SAFETY: pkt is non-null and valid until the next get_cx_data/encode call.
            let pkt = unsafe { &*pkt };
            if pkt.kind != vpx_codec_cx_pkt_kind::VPX_CODEC_CX_FRAME_PKT {
                continue;
            }
            // SAFETY: for FRAME packets the `frame` union member is the active one.
            let frame = unsafe { pkt.data.frame };
            if frame.buf.is_null() || frame.sz == 0 || usize::try_from(frame.sz).is_err() {
                continue;
            }
            // SAFETY: libvpx guarantees buf points to sz readable bytes.
            let data =
                unsafe { std::slice::from_raw_parts(frame.buf.cast::<u8>(), frame.sz as usize) };
            let key = frame.flags & VPX_FRAME_IS_KEY != 0;
            if key {
                self.last_key_us = Some(frame.pts);
                self.frames_since_key = 0;
            }
            out.push(EncodedPacket {
                data: data.to_vec(),
                pts_us: frame.pts,
                duration_us: frame.duration as i64,
                key,
            });
        }
    }
}

impl Drop for VpxEncoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` (a failed init never builds a
        // VpxEncoder) and is destroyed exactly once.
        unsafe {
            vpx_codec_destroy(&mut *self.ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vp8_threads_follow_webrtc() {
        assert_eq!(default_threads(1280, 720, 2), 1);
        assert_eq!(default_threads(1280, 720, 4), 2);
        assert_eq!(default_threads(640, 480, 16), 1);
        assert_eq!(default_threads(1920, 1080, 6), 3);
        assert_eq!(default_threads(1920, 1080, 16), 8);
    }

    /// Encodes one grey 64x48 frame number `n`; returns whether it came out as a keyframe.
    fn encode_one(enc: &mut VpxEncoder, n: i64) -> bool {
        let (y, uv) = (vec![(n * 7 % 256) as u8; 64 * 48], vec![128u8; 32 * 24]);
        let mut out = Vec::new();
        enc.encode([&y, &uv, &uv], [64, 32, 32], n * 33_333, 33_333, &mut out)
            .unwrap_or_else(|e| panic!("frame {n}: {e}"));
        assert_eq!(out.len(), 1, "one packet per frame (no lag)");
        out[0].key
    }

    #[test]
    fn keyframe_on_request_and_bitrate_in_place() {
        for codec in [VideoCodec::Vp8, VideoCodec::Vp9] {
            let mut enc = match VpxEncoder::new(VpxSettings::new(codec, 300_000), 64, 48) {
                Ok(e) => e,
                Err(e) => panic!("{codec:?}: {e}"),
            };
            assert!(encode_one(&mut enc, 0), "the first frame is a keyframe");
            assert!(!encode_one(&mut enc, 1));
            enc.request_keyframe();
            assert!(encode_one(&mut enc, 2), "{codec:?}: the requested keyframe");
            assert!(!encode_one(&mut enc, 3), "one keyframe per request");
            assert!(enc.set_bitrate(900_000).is_ok());
            assert_eq!(enc.bitrate(), 900_000);
            assert!(!encode_one(&mut enc, 4), "a new bitrate needs no keyframe");
            assert!(enc.set_bitrate(50_000).is_ok());
            assert!(!encode_one(&mut enc, 5));
        }
    }
}
