//! VP8 / VP9 decoding with libvpx (system library, through `env-libvpx-sys`).
//!
//! Frames come from the network, so nothing in them is trusted: libvpx checks the bitstream
//! (sync codes, partition sizes, reference frames) and reports an error; a VP8 frame libvpx
//! flags as corrupt is an error too; 8-bit 4:2:2, 4:4:4 and 4:4:0 pictures come out as I420,
//! and more than 8 bits per sample is refused.
#![allow(unsafe_code)] // FFI to libvpx; every block has a SAFETY comment.

use crate::VideoCodec;
use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_types::{Error, Result};
use std::ffi::CStr;
use std::os::raw::{c_int, c_long, c_uint};
use vpx_sys::*;

/// One libvpx decoder (VP8 or VP9). The picture size follows the stream: a keyframe of
/// another size needs no new decoder.
pub struct VpxDecoder {
    ctx: Box<vpx_codec_ctx_t>,
    codec: VideoCodec,
}

// SAFETY: the libvpx context is owned by this value alone and libvpx decoders have no thread
// affinity; it is never shared (no `Sync`).
unsafe impl Send for VpxDecoder {}

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
    // SAFETY: as above; the detail string is context-owned, NUL-terminated, or null.
    let detail = unsafe {
        let p = vpx_codec_error_detail(ctx);
        if p.is_null() {
            String::new()
        } else {
            format!(" ({})", CStr::from_ptr(p).to_string_lossy())
        }
    };
    Error::operation(format!("libvpx {what} failed ({err:?}): {msg}{detail}"))
}

/// A new libvpx decoder context for `codec`.
fn init(codec: VideoCodec) -> Result<Box<vpx_codec_ctx_t>> {
    // SAFETY: vpx_codec_vp8_dx/vp9_dx return pointers to static interface descriptions.
    let iface = unsafe {
        match codec {
            VideoCodec::Vp8 => vpx_codec_vp8_dx(),
            VideoCodec::Vp9 => vpx_codec_vp9_dx(),
        }
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as c_uint);
    let cfg = vpx_codec_dec_cfg_t {
        threads: match codec {
            VideoCodec::Vp8 => 1,
            VideoCodec::Vp9 => cpus.min(2),
        },
        w: 0,
        h: 0,
    };
    // SAFETY: all-zero is the documented initial state of a context before dec_init.
    let mut ctx: Box<vpx_codec_ctx_t> = Box::new(unsafe { std::mem::zeroed() });
    // SAFETY: ctx is a zeroed, boxed (stable address) context; cfg is initialised; the ABI
    // version is the one the bindings were generated for.
    let err = unsafe {
        vpx_codec_dec_init_ver(&mut *ctx, iface, &cfg, 0, VPX_DECODER_ABI_VERSION as c_int)
    };
    if err != vpx_codec_err_t::VPX_CODEC_OK {
        return Err(vpx_error(&mut ctx, "decoder init", err));
    }
    Ok(ctx)
}

impl VpxDecoder {
    /// A decoder for `codec`.
    ///
    /// Threads: one for VP8 (WebRTC's VP8 decoder uses one as well); VP9 uses up to two.
    pub fn new(codec: VideoCodec) -> Result<Self> {
        Ok(VpxDecoder {
            ctx: init(codec)?,
            codec,
        })
    }

    /// Replaces the libvpx context with a fresh one. After a decode error libvpx's state is
    /// not to be trusted (its VP9 decoder can keep frame buffers of a failed frame until it
    /// runs out of them), and the next frame to decode is a keyframe anyway.
    fn reset(&mut self) -> Result<()> {
        let fresh = init(self.codec)?;
        let mut old = std::mem::replace(&mut self.ctx, fresh);
        // SAFETY: `old` was initialised by `init` and is no longer reachable from `self`;
        // it is destroyed exactly once.
        unsafe {
            vpx_codec_destroy(&mut *old);
        }
        Ok(())
    }

    /// The codec this decoder decodes.
    pub fn codec(&self) -> VideoCodec {
        self.codec
    }

    /// Decodes one frame (for VP9 possibly a superframe) and appends the pictures it shows,
    /// as I420 `VideoFrame`s with `timestamp_us` (8-bit 4:2:2, 4:4:4 and 4:4:0 pictures are
    /// brought to 4:2:0).
    ///
    /// Errors (`OperationError`): an empty, truncated or corrupt frame, or an inter frame
    /// without its references (before the first keyframe). `NotSupportedError`: a stream
    /// that decodes to more than 8 bits per sample (VP9 profiles 2 and 3). After an error the
    /// decoder is still usable (with a fresh libvpx context); the next keyframe decodes.
    pub fn decode(
        &mut self,
        data: &[u8],
        timestamp_us: i64,
        out: &mut Vec<VideoFrame>,
    ) -> Result<()> {
        if data.is_empty() {
            return Err(Error::operation("empty video frame"));
        }
        let len =
            c_uint::try_from(data.len()).map_err(|_| Error::operation("video frame too large"))?;
        // SAFETY: the context is initialised; data points to len readable bytes that outlive
        // the call (libvpx does not keep the pointer after it returns: no input fragments).
        let err = unsafe {
            vpx_codec_decode(
                &mut *self.ctx,
                data.as_ptr(),
                len,
                std::ptr::null_mut(),
                0 as c_long,
            )
        };
        if err != vpx_codec_err_t::VPX_CODEC_OK {
            let e = vpx_error(&mut self.ctx, "decode", err);
            self.reset()?;
            return Err(e);
        }
        if self.codec == VideoCodec::Vp8 {
            let mut corrupt: c_int = 0;
            // SAFETY: the context is initialised; VP8D_GET_FRAME_CORRUPTED takes an int*,
            // which points to a live local.
            let err = unsafe {
                vpx_codec_control_(
                    &mut *self.ctx,
                    vp8_dec_control_id::VP8D_GET_FRAME_CORRUPTED as c_int,
                    &mut corrupt as *mut c_int,
                )
            };
            if err == vpx_codec_err_t::VPX_CODEC_OK && corrupt != 0 {
                self.reset()?;
                return Err(Error::operation("libvpx: the VP8 frame is corrupt"));
            }
        }
        let r = self.drain(timestamp_us, out);
        if r.is_err() {
            self.reset()?;
        }
        r
    }

    /// Takes the pictures libvpx has ready.
    fn drain(&mut self, timestamp_us: i64, out: &mut Vec<VideoFrame>) -> Result<()> {
        let mut iter: vpx_codec_iter_t = std::ptr::null();
        let mut result = Ok(());
        loop {
            // SAFETY: ctx is initialised; iter starts null and is advanced by libvpx.
            let img = unsafe { vpx_codec_get_frame(&mut *self.ctx, &mut iter) };
            if img.is_null() {
                break;
            }
            // SAFETY: img is non-null and valid until the next decode/get_frame call; it is
            // only read before the next get_frame.
            let img = unsafe { &*img };
            match copy_image(img, timestamp_us) {
                Ok(f) => out.push(f),
                Err(e) => result = Err(e),
            }
        }
        result
    }
}

/// Copies a decoded libvpx image into a tightly packed I420 `VideoFrame`. 4:2:2, 4:4:4 and
/// 4:4:0 chroma (VP9 profile 1, which WebM files may hold) is point-sampled down to 4:2:0;
/// YV12 has its chroma planes swapped back.
fn copy_image(img: &vpx_image_t, timestamp_us: i64) -> Result<VideoFrame> {
    let swap_uv = match img.fmt {
        vpx_img_fmt::VPX_IMG_FMT_I420
        | vpx_img_fmt::VPX_IMG_FMT_I422
        | vpx_img_fmt::VPX_IMG_FMT_I444
        | vpx_img_fmt::VPX_IMG_FMT_I440
            if img.bit_depth == 8 =>
        {
            false
        }
        vpx_img_fmt::VPX_IMG_FMT_YV12 if img.bit_depth == 8 => true,
        other => {
            return Err(Error::not_supported(format!(
                "decoded video in {other:?} at {} bits; only 8-bit YUV (VP9 profiles 0 and 1) \
                 is supported",
                img.bit_depth
            )));
        }
    };
    let (xs, ys) = (img.x_chroma_shift, img.y_chroma_shift);
    let (w, h) = (img.d_w as usize, img.d_h as usize);
    if w == 0 || h == 0 || xs > 1 || ys > 1 {
        return Err(Error::operation(format!(
            "libvpx gave a {w}x{h} picture with an unexpected layout (chroma shift {xs}, {ys})"
        )));
    }
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut data = vec![0u8; w * h + 2 * cw * ch];
    let (y_out, uv_out) = data.split_at_mut(w * h);
    let (u_out, v_out) = uv_out.split_at_mut(cw * ch);
    let (u_plane, v_plane) = if swap_uv { (2, 1) } else { (1, 2) };
    // Source chroma plane size, and for each output sample the source column / row it takes.
    let (sw, sh) = ((w + (1 << xs) - 1) >> xs, (h + (1 << ys) - 1) >> ys);
    for (plane, out, pw, ph, src_w, src_h, step_x, step_y) in [
        (0usize, y_out, w, h, w, h, 1usize, 1usize),
        (u_plane, u_out, cw, ch, sw, sh, 2 >> xs, 2 >> ys),
        (v_plane, v_out, cw, ch, sw, sh, 2 >> xs, 2 >> ys),
    ] {
        let stride = usize::try_from(img.stride[plane]).unwrap_or(0);
        let base = img.planes[plane];
        if base.is_null() || stride < src_w {
            return Err(Error::operation(format!(
                "libvpx gave plane {plane} with stride {} for width {src_w}",
                img.stride[plane]
            )));
        }
        for row in 0..ph {
            let src_row = (row * step_y).min(src_h - 1);
            // SAFETY: libvpx's image holds `src_h` rows of `stride` bytes per plane, of which
            // the first `src_w` are the picture's samples, valid while `img` is.
            let src = unsafe { std::slice::from_raw_parts(base.add(src_row * stride), src_w) };
            let dst = &mut out[row * pw..(row + 1) * pw];
            if step_x == 1 {
                dst.copy_from_slice(&src[..pw]);
            } else {
                for (x, d) in dst.iter_mut().enumerate() {
                    *d = src[(x * step_x).min(src_w - 1)];
                }
            }
        }
    }
    VideoFrame::new(PixelFormat::I420, w as u32, h as u32, data, timestamp_us)
        .map_err(|e| Error::operation(e.to_string()))
}

impl Drop for VpxDecoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` (a failed init never builds a
        // VpxDecoder) and is destroyed exactly once.
        unsafe {
            vpx_codec_destroy(&mut *self.ctx);
        }
    }
}

#[cfg(test)]
mod tests;
