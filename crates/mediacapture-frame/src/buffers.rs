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

/// The process's buffers kept for reuse.
static POOL: Pool = Pool::new();
/// At most this many buffers are kept...
const MAX_BUFFERS: usize = 8;
/// ...and at most this many bytes.
const MAX_BYTES: usize = 96 << 20;

/// Buffers kept for reuse, newest last. One per process ([`POOL`]); tests make their own so
/// that no test depends on what others put in or take out.
#[derive(Debug)]
struct Pool(Mutex<Vec<Arc<[u8]>>>);

impl Pool {
    const fn new() -> Self {
        Pool(Mutex::new(Vec::new()))
    }

    /// A free pooled buffer of `len` bytes (nobody else holds it), taken out of the pool.
    fn take(&self, len: usize) -> Option<Arc<[u8]>> {
        let mut pool = self.0.lock().ok()?;
        let free = pool
            .iter()
            .rposition(|b| b.len() == len && Arc::strong_count(b) == 1)?;
        Some(pool.remove(free))
    }

    /// Keeps a reference to `buf` for reuse once every other holder has dropped it.
    fn keep(&self, buf: &Arc<[u8]>) {
        if let Ok(mut pool) = self.0.lock() {
            pool.push(Arc::clone(buf));
            let mut total: usize = pool.iter().map(|b| b.len()).sum();
            while pool.len() > MAX_BUFFERS || (total > MAX_BYTES && pool.len() > 1) {
                total -= pool[0].len();
                pool.remove(0);
            }
        }
    }
}

/// A buffer only we hold, to be filled and then made a frame.
#[derive(Debug)]
pub(crate) struct OutBuf(Arc<[u8]>);

impl OutBuf {
    /// A buffer of `len` bytes: a recycled one when a free one of that size is pooled, else
    /// a new zeroed one. Its contents are unspecified: the caller writes every byte.
    pub fn new(len: usize) -> Self {
        Self::new_in(&POOL, len)
    }

    fn new_in(pool: &Pool, len: usize) -> Self {
        match pool.take(len) {
            Some(buf) => OutBuf(buf),
            None => OutBuf(std::iter::repeat_n(0u8, len).collect()),
        }
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
        self.into_shared_in(&POOL)
    }

    fn into_shared_in(self, pool: &Pool) -> Arc<[u8]> {
        pool.keep(&self.0);
        self.0
    }

    /// Hands a scratch buffer (never made a frame) back to the pool for reuse.
    pub fn recycle(self) {
        POOL.keep(&self.0);
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
        // A pool of this test's own: other tests running at the same time use the global one.
        let pool = Pool::new();
        let len = 123_457;
        let mut first = OutBuf::new_in(&pool, len);
        first.bytes_mut().fill(7);
        let shared = first.into_shared_in(&pool);
        // Still held by a frame: a new buffer must be a different one.
        let second = OutBuf::new_in(&pool, len);
        assert!(!std::ptr::eq(second.bytes().as_ptr(), shared.as_ptr()));
        assert_eq!(shared[0], 7);
        let ptr = shared.as_ptr();
        drop(shared);
        // Released: the next one of that size is the same memory.
        let third = OutBuf::new_in(&pool, len);
        assert!(std::ptr::eq(third.bytes().as_ptr(), ptr));
        drop(second);
    }
}
