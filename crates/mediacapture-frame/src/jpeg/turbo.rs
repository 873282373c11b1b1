//! libjpeg-turbo's TurboJPEG API (the system `libturbojpeg`), decoding to YCbCr planes.
//!
//! Bound by hand, five functions of the API as it stands since libjpeg-turbo 1.4 (the
//! `turbojpeg` crate binds the 3.x API, which Debian 12's libjpeg-turbo 2.1 does not have).
//! `unsafe` here is FFI only, each call with its `// SAFETY:` note.

use std::cell::RefCell;
use std::ffi::{CStr, c_char, c_int, c_uchar, c_ulong, c_void};
use std::ptr::NonNull;

type TjHandle = *mut c_void;

// Values of turbojpeg.h.
/// `TJSAMP_444`.
pub(crate) const SAMP_444: c_int = 0;
/// `TJSAMP_422`.
pub(crate) const SAMP_422: c_int = 1;
/// `TJSAMP_420`.
pub(crate) const SAMP_420: c_int = 2;
/// `TJSAMP_GRAY`.
pub(crate) const SAMP_GRAY: c_int = 3;
/// `TJCS_YCbCr`.
pub(crate) const CS_YCBCR: c_int = 1;
/// `TJCS_GRAY`.
pub(crate) const CS_GRAY: c_int = 2;
/// `TJFLAG_STOPONWARNING`: a corrupt stream is an error, not a half-grey picture.
const FLAG_STOPONWARNING: c_int = 8192;

#[allow(unsafe_code)]
#[link(name = "turbojpeg")]
unsafe extern "C" {
    fn tjInitDecompress() -> TjHandle;
    fn tjDecompressHeader3(
        handle: TjHandle,
        jpeg_buf: *const c_uchar,
        jpeg_size: c_ulong,
        width: *mut c_int,
        height: *mut c_int,
        jpeg_subsamp: *mut c_int,
        jpeg_colorspace: *mut c_int,
    ) -> c_int;
    fn tjDecompressToYUVPlanes(
        handle: TjHandle,
        jpeg_buf: *const c_uchar,
        jpeg_size: c_ulong,
        dst_planes: *mut *mut c_uchar,
        width: c_int,
        strides: *mut c_int,
        height: c_int,
        flags: c_int,
    ) -> c_int;
    fn tjDestroy(handle: TjHandle) -> c_int;
    fn tjGetErrorStr2(handle: TjHandle) -> *mut c_char;
}

/// A decompressor handle (one per thread: a handle is not to be shared between threads).
struct Handle(NonNull<c_void>);

impl Handle {
    fn new() -> Option<Handle> {
        // SAFETY: tjInitDecompress takes nothing and returns a new handle or NULL.
        #[allow(unsafe_code)]
        let h = unsafe { tjInitDecompress() };
        NonNull::new(h).map(Handle)
    }

    fn error(&self) -> String {
        // SAFETY: the handle is live; tjGetErrorStr2 returns a NUL-terminated string owned
        // by the handle (or by the library), valid until the next call on the handle; it is
        // copied out at once.
        #[allow(unsafe_code)]
        unsafe {
            let s = tjGetErrorStr2(self.0.as_ptr());
            if s.is_null() {
                return "unknown error".into();
            }
            CStr::from_ptr(s).to_string_lossy().into_owned()
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from tjInitDecompress and is destroyed once, here.
        #[allow(unsafe_code)]
        unsafe {
            tjDestroy(self.0.as_ptr());
        }
    }
}

thread_local! {
    static HANDLE: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

fn with_handle<T>(f: impl FnOnce(&Handle) -> Result<T, String>) -> Result<T, String> {
    HANDLE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Handle::new();
        }
        match slot.as_ref() {
            Some(h) => f(h),
            None => Err("cannot create a TurboJPEG decompressor".into()),
        }
    })
}

/// What a JPEG header says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub width: usize,
    pub height: usize,
    /// A `SAMP_*` value (or another TurboJPEG subsampling).
    pub subsamp: c_int,
    /// A `CS_*` value (or another TurboJPEG colour space).
    pub colorspace: c_int,
}

/// Reads the header of `jpeg`.
pub(crate) fn header(jpeg: &[u8]) -> Result<Header, String> {
    let size = c_ulong::try_from(jpeg.len()).map_err(|_| "JPEG too large".to_string())?;
    with_handle(|h| {
        let (mut w, mut ht, mut ss, mut cs) = (0, 0, 0, 0);
        // SAFETY: `jpeg` is valid for `size` bytes and only read; the four out-pointers are
        // to live locals.
        #[allow(unsafe_code)]
        let r = unsafe {
            tjDecompressHeader3(
                h.0.as_ptr(),
                jpeg.as_ptr(),
                size,
                &mut w,
                &mut ht,
                &mut ss,
                &mut cs,
            )
        };
        if r != 0 {
            return Err(h.error());
        }
        Ok(Header {
            width: usize::try_from(w).map_err(|_| "bad width".to_string())?,
            height: usize::try_from(ht).map_err(|_| "bad height".to_string())?,
            subsamp: ss,
            colorspace: cs,
        })
    })
}

/// One destination plane: its bytes and row stride. Its size is checked against
/// `stride * rows` before the call.
pub(crate) struct Plane<'a> {
    pub data: &'a mut [u8],
    pub stride: usize,
    pub rows: usize,
}

/// Decodes `jpeg` (whose header is `hdr`) into `planes`, as coded: one plane for grey, three
/// (Y, Cb, Cr) at the JPEG's subsampling otherwise, full range.
pub(crate) fn decode_planes(
    jpeg: &[u8],
    hdr: &Header,
    planes: &mut [Plane<'_>],
) -> Result<(), String> {
    let size = c_ulong::try_from(jpeg.len()).map_err(|_| "JPEG too large".to_string())?;
    let want = if hdr.subsamp == SAMP_GRAY { 1 } else { 3 };
    if planes.len() != want {
        return Err(format!("{want} planes needed, {} given", planes.len()));
    }
    let mut ptrs: [*mut c_uchar; 3] = [std::ptr::null_mut(); 3];
    let mut strides: [c_int; 3] = [0; 3];
    for (i, p) in planes.iter_mut().enumerate() {
        if p.data.len() < p.stride * p.rows {
            return Err(format!("plane {i} too small"));
        }
        ptrs[i] = p.data.as_mut_ptr();
        strides[i] = c_int::try_from(p.stride).map_err(|_| "stride too large".to_string())?;
    }
    let w = c_int::try_from(hdr.width).map_err(|_| "bad width".to_string())?;
    let ht = c_int::try_from(hdr.height).map_err(|_| "bad height".to_string())?;
    with_handle(|h| {
        // SAFETY: the caller sized each plane for the JPEG's own plane size at this
        // width/height and subsampling (rows x stride, checked above; the plane sizes are
        // tjPlaneWidth/tjPlaneHeight's: ceil division by the subsampling factor); the plane
        // pointers stay valid and unaliased for the call; `jpeg` is only read.
        #[allow(unsafe_code)]
        let r = unsafe {
            tjDecompressToYUVPlanes(
                h.0.as_ptr(),
                jpeg.as_ptr(),
                size,
                ptrs.as_mut_ptr(),
                w,
                strides.as_mut_ptr(),
                ht,
                FLAG_STOPONWARNING,
            )
        };
        if r != 0 {
            return Err(h.error());
        }
        Ok(())
    })
}
