//! Output buffers, recycled.
//!
//! Every converted or scaled frame needs a new buffer of megabytes. Allocating it fresh each
//! time costs more than the conversion itself: the allocator hands large blocks back to the
//! kernel and every new one is zero-filled page by page (measured: 5 ms of system time per
//! 1080p RGBA frame, five times the conversion). So the last few output buffers are kept
//! here, and a new frame reuses one of the same size as soon as every frame that held it has
//! been dropped (the pool then holds its only reference). Nothing is ever written to a buffer
//! someone else can still see: reuse needs `Arc::get_mut` to succeed.
//!
//! Every buffer's bytes start on a 64-byte boundary (a cache line; the allocation is 63
//! bytes longer and the frame's planes start at an offset into it). Where the allocator put
//! a buffer decided how fast the SIMD kernels wrote it: NV12 -> I420 at 1080p took 0.063-
//! 0.076 ms per frame with its chroma output at 32 mod 64 and 0.072-0.107 ms at 48 mod 64,
//! where every other 32-byte store crosses a cache line, and 0.055-0.058 ms at 0 (now); which
//! one a process got depended on what it had allocated before (BENCHMARKS.md, "Output
//! buffers on a cache line").

use crate::Result;
use crate::video::{PixelFormat, PlaneLayout, VideoFrame};
use std::sync::{Arc, Mutex};

/// The process's buffers kept for reuse.
static POOL: Pool = Pool::new();
/// At most this many buffers are kept...
const MAX_BUFFERS: usize = 8;
/// ...and at most this many bytes.
const MAX_BYTES: usize = 96 << 20;
/// Where every buffer's bytes start: a multiple of this (a cache line).
const ALIGN: usize = 64;

/// The offset into `buf` at which its bytes start on an [`ALIGN`] boundary.
fn aligned_offset(buf: &[u8]) -> usize {
    buf.as_ptr().align_offset(ALIGN).min(ALIGN - 1)
}

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

/// A buffer only we hold, to be filled and then made a frame: `len` bytes from `offset`
/// (an [`ALIGN`] boundary) of an allocation [`ALIGN`] - 1 bytes longer.
#[derive(Debug)]
pub(crate) struct OutBuf {
    buf: Arc<[u8]>,
    offset: usize,
    len: usize,
}

impl OutBuf {
    /// A buffer of `len` bytes: a recycled one when a free one of that size is pooled, else
    /// a new zeroed one. Its contents are unspecified: the caller writes every byte.
    pub fn new(len: usize) -> Self {
        Self::new_in(&POOL, len)
    }

    fn new_in(pool: &Pool, len: usize) -> Self {
        let whole = len + ALIGN - 1;
        let buf = match pool.take(whole) {
            Some(buf) => buf,
            None => std::iter::repeat_n(0u8, whole).collect(),
        };
        OutBuf {
            offset: aligned_offset(&buf),
            buf,
            len,
        }
    }

    /// The bytes, writable.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        if Arc::get_mut(&mut self.buf).is_none() {
            // Cannot happen (an OutBuf is never cloned before `into_shared`), but if it did,
            // writing to a copy is correct where writing through would not be.
            self.buf = self.buf.iter().copied().collect();
            let offset = aligned_offset(&self.buf);
            if let Some(b) = Arc::get_mut(&mut self.buf) {
                b.copy_within(self.offset..self.offset + self.len, offset);
            }
            self.offset = offset;
        }
        let (offset, len) = (self.offset, self.len);
        Arc::get_mut(&mut self.buf)
            .and_then(|b| b.get_mut(offset..offset + len))
            .unwrap_or(&mut [])
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        self.buf
            .get(self.offset..self.offset + self.len)
            .unwrap_or(&[])
    }

    /// Shares the buffer (for a frame), keeping a reference in the pool for reuse: the
    /// allocation, and the offset at which the bytes start in it.
    pub fn into_shared(self) -> (Arc<[u8]>, usize) {
        self.into_shared_in(&POOL)
    }

    fn into_shared_in(self, pool: &Pool) -> (Arc<[u8]>, usize) {
        pool.keep(&self.buf);
        (self.buf, self.offset)
    }

    /// Hands a scratch buffer (never made a frame) back to the pool for reuse.
    pub fn recycle(self) {
        POOL.keep(&self.buf);
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
        let len = self.len;
        if let Some(need) = format.frame_size(width, height)
            && need > len
        {
            // The padding for alignment must not pass for picture.
            return Err(crate::FrameError::Layout(format!(
                "{format:?} {width}x{height} needs {need} bytes, the buffer has {len}"
            )));
        }
        let (buf, offset) = self.into_shared();
        let planes = match format.tight_layout(width, height) {
            Some(layout) => layout
                .into_iter()
                .map(|p| PlaneLayout::new(p.offset + offset, p.stride, p.rows))
                .collect(),
            None => vec![PlaneLayout::new(offset, len, 1)],
        };
        let frame = VideoFrame::with_layout(format, width, height, buf, planes, timestamp)?;
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
        let (shared, offset) = first.into_shared_in(&pool);
        // Still held by a frame: a new buffer must be a different one.
        let second = OutBuf::new_in(&pool, len);
        let ptr = shared[offset..].as_ptr();
        assert!(!std::ptr::eq(second.bytes().as_ptr(), ptr));
        assert_eq!(shared[offset], 7);
        drop(shared);
        // Released: the next one of that size is the same memory.
        let third = OutBuf::new_in(&pool, len);
        assert!(std::ptr::eq(third.bytes().as_ptr(), ptr));
        drop(second);
    }

    #[test]
    fn every_buffer_starts_on_a_cache_line() {
        let pool = Pool::new();
        for len in [1, 63, 64, 1000, 123_457, 3 << 20] {
            let mut b = OutBuf::new_in(&pool, len);
            assert_eq!(b.bytes().as_ptr() as usize % ALIGN, 0, "{len} bytes");
            assert_eq!(b.bytes_mut().len(), len);
            assert_eq!(b.bytes_mut().as_ptr() as usize % ALIGN, 0, "{len} bytes");
        }
        // Too small for the picture: the padding does not count.
        let short = OutBuf::new_in(&pool, 3).into_frame(PixelFormat::Rgba, 1, 1, 0, None);
        assert!(matches!(short, Err(crate::FrameError::Layout(_))));
        // A frame made of one: its planes start on the boundary too.
        let mut b = OutBuf::new_in(&pool, 4 * 6 + 2 * 2 * 3);
        b.bytes_mut()
            .iter_mut()
            .enumerate()
            .for_each(|(i, x)| *x = i as u8);
        let frame = b.into_frame(PixelFormat::I420, 4, 6, 0, None).unwrap();
        assert_eq!(frame.plane(0).as_ptr() as usize % ALIGN, 0);
        assert_eq!(frame.plane(0)[..4], [0, 1, 2, 3]);
        assert_eq!(frame.plane(1)[0], 24);
        assert_eq!(frame.plane(2)[0], 30);
    }
}
