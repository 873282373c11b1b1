//! Output buffers, recycled.
//!
//! Every converted or scaled frame needs a new buffer of megabytes. Allocating it fresh each
//! time costs more than the conversion itself: the allocator hands large blocks back to the
//! kernel and every new one is zero-filled page by page (measured: 5 ms of system time per
//! 1080p RGBA frame, five times the conversion). So the last few output buffers are kept
//! here, and a new frame reuses one of the same size as soon as every frame that held it has
//! been dropped (the pool then holds its only reference). Nothing is ever written to a buffer
//! someone else can still see: reuse needs `Arc::get_mut` to succeed.

use crate::Result;
use crate::video::{PixelFormat, VideoFrame};
use std::sync::{Arc, Mutex};

/// Buffers kept for reuse, newest last.
static POOL: Mutex<Vec<Arc<[u8]>>> = Mutex::new(Vec::new());
/// At most this many buffers are kept...
const MAX_BUFFERS: usize = 8;
/// ...and at most this many bytes.
const MAX_BYTES: usize = 96 << 20;

/// A buffer only we hold, to be filled and then made a frame.
#[derive(Debug)]
pub(crate) struct OutBuf(Arc<[u8]>);

impl OutBuf {
    /// A buffer of `len` bytes: a recycled one when a free one of that size is pooled, else
    /// a new zeroed one. Its contents are unspecified: the caller writes every byte.
    pub fn new(len: usize) -> Self {
        if let Ok(mut pool) = POOL.lock() {
            let free = pool
                .iter()
                .rposition(|b| b.len() == len && Arc::strong_count(b) == 1);
            if let Some(i) = free {
                return OutBuf(pool.remove(i));
            }
        }
        OutBuf(std::iter::repeat_n(0u8, len).collect())
    }

    /// The bytes, writable.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        if Arc::get_mut(&mut self.0).is_none() {
            // Cannot happen (an OutBuf is never cloned before `into_shared`), but if it did,
            // writing to a copy is correct where writing through would not be.
            self.0 = self.0.iter().copied().collect();
        }
        Arc::get_mut(&mut self.0).unwrap_or(&mut [])
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Shares the buffer (for a frame), keeping a reference in the pool for reuse.
    pub fn into_shared(self) -> Arc<[u8]> {
        if let Ok(mut pool) = POOL.lock() {
            pool.push(Arc::clone(&self.0));
            let mut total: usize = pool.iter().map(|b| b.len()).sum();
            while pool.len() > MAX_BUFFERS || (total > MAX_BYTES && pool.len() > 1) {
                total -= pool[0].len();
                pool.remove(0);
            }
        }
        self.0
    }

    /// A tight frame of `format` at `width` x `height` over this buffer.
    pub fn into_frame(
        self,
        format: PixelFormat,
        width: u32,
        height: u32,
        timestamp: i64,
        duration: Option<i64>,
    ) -> Result<VideoFrame> {
        let frame = VideoFrame::new(format, width, height, self.into_shared(), timestamp)?;
        Ok(frame.with_duration(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_is_reused_only_once_nobody_holds_it() {
        let len = 123_457; // a size no other test uses
        let mut first = OutBuf::new(len);
        first.bytes_mut().fill(7);
        let shared = first.into_shared();
        // Still held by a frame: a new buffer must be a different one.
        let second = OutBuf::new(len);
        assert!(!std::ptr::eq(second.bytes().as_ptr(), shared.as_ptr()));
        assert_eq!(shared[0], 7);
        let ptr = shared.as_ptr();
        drop(shared);
        // Released: the next one of that size is the same memory.
        let third = OutBuf::new(len);
        assert!(std::ptr::eq(third.bytes().as_ptr(), ptr));
        drop(second);
    }
}
