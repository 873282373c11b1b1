//! VP8 / VP9 decoding with libvpx.
#![allow(
    unsafe_code,
    reason = "FFI to libvpx; every block has a SAFETY comment"
)]

use mediacapture_frame::{PixelFormat, VideoFrame};
use mediacapture_types::{Error, Result};
use std::ffi::CStr;
use std::os::raw::{c_int, c_uint};
use vpx_sys::*;

/// Which VPx codec a stream uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VpxCodec {
    Vp8,
    Vp9,
}

/// One libvpx decoder.
pub(crate) struct VpxDecoder {
    ctx: Box<vpx_codec_ctx_t>,
    codec: VpxCodec,
}

// SAFETY: the libvpx context is owned by this value alone and libvpx decoders have no thread
// affinity; it is never shared (no `Sync`).
unsafe impl Send for VpxDecoder {}

fn vpx_error(ctx: &mut vpx_codec_ctx_t, what: &str, err: vpx_codec_err_t) -> Error {
    // SAFETY: ctx is an initialised context (or a zeroed one whose init failed, for which
    // libvpx's error functions only read the error code and the detail pointer, null here).
    let msg = unsafe {
        let detail = vpx_codec_error_detail(ctx);
        let text = vpx_codec_err_to_string(err);
        let mut s = if text.is_null() {
            format!("{err:?}")
        } else {
            CStr::from_ptr(text).to_string_lossy().into_owned()
        };
        if !detail.is_null() {
            s.push_str(": ");
            s.push_str(&CStr::from_ptr(detail).to_string_lossy());
        }
        s
    };
    Error::not_readable(format!("libvpx {what}: {msg}"))
}

impl VpxDecoder {
    /// A decoder for `codec`.
    pub(crate) fn new(codec: VpxCodec) -> Result<Self> {
        // SAFETY: vpx_codec_vp8_dx / vp9_dx return pointers to static interface descriptions.
        let iface = unsafe {
            match codec {
                VpxCodec::Vp8 => vpx_codec_vp8_dx(),
                VpxCodec::Vp9 => vpx_codec_vp9_dx(),
            }
        };
        if iface.is_null() {
            return Err(Error::not_supported(format!(
                "this libvpx has no {codec:?} decoder"
            )));
        }
        let cfg = vpx_codec_dec_cfg_t {
            threads: 1,
            w: 0,
            h: 0,
        };
        // SAFETY: all-zero is the documented initial state of a context before dec_init.
        let mut ctx: Box<vpx_codec_ctx_t> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: ctx is a zeroed, boxed (stable address) context; cfg is a valid config that
        // libvpx only reads during the call; the ABI version is the bindings' one.
        let err = unsafe {
            vpx_codec_dec_init_ver(&mut *ctx, iface, &cfg, 0, VPX_DECODER_ABI_VERSION as c_int)
        };
        if err != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(vpx_error(&mut ctx, "decoder init", err));
        }
        Ok(VpxDecoder { ctx, codec })
    }

    /// The codec this decoder was made for.
    pub(crate) fn codec(&self) -> VpxCodec {
        self.codec
    }

    /// Decodes one compressed frame; returns the frames libvpx outputs for it (zero or one
    /// for WebM input), as tightly packed I420 with timestamp `pts_us`.
    pub(crate) fn decode(&mut self, data: &[u8], pts_us: i64) -> Result<Vec<VideoFrame>> {
        let len = c_uint::try_from(data.len())
            .map_err(|_| Error::not_readable("a video frame larger than 4 GiB"))?;
        if len == 0 {
            return Ok(Vec::new());
        }
        // SAFETY: the context is initialised; data points to len readable bytes that libvpx
        // reads during the call only; no user_priv; deadline 0 = best quality.
        let err = unsafe {
            vpx_codec_decode(&mut *self.ctx, data.as_ptr(), len, std::ptr::null_mut(), 0)
        };
        if err != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(vpx_error(&mut self.ctx, "decode", err));
        }
        let mut out = Vec::new();
        let mut iter: vpx_codec_iter_t = std::ptr::null();
        loop {
            // SAFETY: ctx is initialised; iter starts null and is advanced by libvpx.
            let img = unsafe { vpx_codec_get_frame(&mut *self.ctx, &mut iter) };
            if img.is_null() {
                break;
            }
            // SAFETY: img is non-null and valid until the next decode call on this context.
            let img = unsafe { &*img };
            out.push(copy_image(img, pts_us)?);
        }
        Ok(out)
    }
}

/// Copies a decoded 8-bit picture into a tight I420 frame. 4:2:2, 4:4:4 and 4:4:0 chroma
/// (VP9 profile 1) is point-sampled down to 4:2:0.
fn copy_image(img: &vpx_image_t, pts_us: i64) -> Result<VideoFrame> {
    let swap_uv = match img.fmt {
        vpx_img_fmt::VPX_IMG_FMT_I420
        | vpx_img_fmt::VPX_IMG_FMT_I422
        | vpx_img_fmt::VPX_IMG_FMT_I444
        | vpx_img_fmt::VPX_IMG_FMT_I440 => false,
        vpx_img_fmt::VPX_IMG_FMT_YV12 => true,
        other => {
            return Err(Error::not_supported(format!(
                "decoded picture format {other:?} is not supported (8-bit YUV only)"
            )));
        }
    };
    let (xs, ys) = (img.x_chroma_shift, img.y_chroma_shift);
    if xs > 1 || ys > 1 {
        return Err(Error::not_readable(
            "libvpx returned an invalid chroma layout",
        ));
    }
    let (w, h) = (img.d_w as usize, img.d_h as usize);
    if w == 0 || h == 0 {
        return Err(Error::not_readable("libvpx returned an empty picture"));
    }
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut buf = vec![0u8; w * h + 2 * cw * ch];
    let (y_out, uv_out) = buf.split_at_mut(w * h);
    let (u_out, v_out) = uv_out.split_at_mut(cw * ch);
    let (u_plane, v_plane) = if swap_uv { (2, 1) } else { (1, 2) };
    // Source plane sizes, and for each output sample the source column / row it takes.
    let (sw, sh) = ((w + (1 << xs) - 1) >> xs, (h + (1 << ys) - 1) >> ys);
    for (plane, out, pw, ph, src_w, src_h, step_x, step_y) in [
        (0usize, y_out, w, h, w, h, 1usize, 1usize),
        (u_plane, u_out, cw, ch, sw, sh, 2 >> xs, 2 >> ys),
        (v_plane, v_out, cw, ch, sw, sh, 2 >> xs, 2 >> ys),
    ] {
        let stride = usize::try_from(img.stride[plane])
            .map_err(|_| Error::not_readable("libvpx returned a negative stride"))?;
        let base = img.planes[plane];
        if base.is_null() || stride < src_w {
            return Err(Error::not_readable("libvpx returned an invalid picture"));
        }
        for row in 0..ph {
            let src_row = (row * step_y).min(src_h - 1);
            // SAFETY: libvpx guarantees each plane has at least `src_h` rows of `stride`
            // bytes, of which the first `src_w` are the visible samples; the pointer stays
            // valid until the next decode call.
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
    VideoFrame::new(PixelFormat::I420, w as u32, h as u32, buf, pts_us)
        .map_err(|e| Error::not_readable(e.to_string()))
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
