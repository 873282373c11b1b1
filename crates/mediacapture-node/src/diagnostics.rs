//! Test hooks that look at the process itself (the churn soak test of the package).

use napi_derive::napi;

/// Bytes of native heap in use right now, as the allocator counts them (glibc's `mallinfo2`:
/// the blocks handed out and not yet freed, in every arena), or `null` where that count is not
/// available. Unlike RSS, it does not move with fragmentation or with pages the allocator
/// keeps, so a leak of a few hundred bytes per operation shows in a few thousand operations.
#[napi]
pub fn native_heap_in_use() -> Option<f64> {
    heap_in_use().map(|b| b as f64)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code, reason = "FFI: glibc's mallinfo2")]
fn heap_in_use() -> Option<usize> {
    // SAFETY: mallinfo2 takes no arguments, only reads the allocator's statistics under its
    // own locks and returns a plain struct by value (glibc 2.33 and later, where it exists).
    let info = unsafe { libc::mallinfo2() };
    // Small blocks in use (uordblks) plus blocks of their own mapping (hblkhd).
    Some(info.uordblks + info.hblkhd)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn heap_in_use() -> Option<usize> {
    None
}
