//! MIT-SHM (1.2, server-created segments): the server writes the image straight into memory
//! we map, instead of sending it through the socket.
#![allow(
    unsafe_code,
    reason = "mapping the shared memory segment the X server hands us"
)]

use super::timed::Conn;
use std::os::fd::OwnedFd;
use x11rb::connection::{Connection, RequestConnection};
use x11rb::errors::ReplyError;
use x11rb::protocol::shm::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{ImageFormat, Window};

/// A shared memory segment the server writes into, mapped read-only here.
pub(super) struct ShmImage {
    seg: shm::Seg,
    ptr: *mut std::ffi::c_void,
    len: usize,
    _fd: OwnedFd,
}

// SAFETY: the mapping is owned by this value alone (no aliasing Rust references outlive a
// call), and reading it from another thread is as sound as from the creating one.
unsafe impl Send for ShmImage {}

impl ShmImage {
    /// A segment for `width` x `height` 32-bit pixels; `None` when the server lacks MIT-SHM
    /// 1.2 or refuses.
    pub(super) fn new(conn: &Conn, width: u16, height: u16) -> Option<Self> {
        conn.extension_information(shm::X11_EXTENSION_NAME)
            .ok()
            .flatten()?;
        let v = conn.shm_query_version().ok()?.reply().ok()?;
        if (v.major_version, v.minor_version) < (1, 2) {
            return None;
        }
        let len = usize::from(width) * usize::from(height) * 4;
        let seg = conn.generate_id().ok()?;
        let reply = conn
            .shm_create_segment(seg, u32::try_from(len).ok()?, false)
            .ok()?
            .reply()
            .ok()?;
        let fd: OwnedFd = reply.shm_fd;
        // SAFETY: a fresh read-only shared mapping of `len` bytes of the segment the server
        // created with that size; no address hint; unmapped in `drop`.
        let ptr = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                rustix::mm::ProtFlags::READ,
                rustix::mm::MapFlags::SHARED,
                &fd,
                0,
            )
        }
        .ok()?;
        Some(ShmImage {
            seg,
            ptr,
            len,
            _fd: fd,
        })
    }

    /// Grabs the `width` x `height` part of `root` at (`x`, `y`) and copies it out.
    pub(super) fn grab(
        &self,
        conn: &Conn,
        root: Window,
        x: i16,
        y: i16,
        width: u16,
        height: u16,
    ) -> Result<Vec<u8>, ReplyError> {
        let reply = conn
            .shm_get_image(
                root,
                x,
                y,
                width,
                height,
                !0,
                ImageFormat::Z_PIXMAP.into(),
                self.seg,
                0,
            )?
            .reply()?;
        let n = (usize::from(width) * usize::from(height) * 4)
            .min(self.len)
            .min(reply.size as usize);
        // SAFETY: `ptr` maps `len` readable bytes for the life of `self`, and `n <= len`. The
        // server wrote the image before sending the reply and writes again only when asked.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), n) };
        Ok(bytes.to_vec())
    }
}

impl Drop for ShmImage {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly the mapping made in `new`, unmapped once here.
        let _ = unsafe { rustix::mm::munmap(self.ptr, self.len) };
    }
}
