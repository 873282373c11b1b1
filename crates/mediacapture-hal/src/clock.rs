//! The one process-wide monotonic clock that every capture timestamp is taken from.
//!
//! All sources, the recorder and the API crate use [`now_us`], so timestamps from different
//! devices can be compared and subtracted directly (e.g. for A/V sync or latency checks).
//!
//! ```
//! let a = mediacapture_hal::clock::now_us();
//! let b = mediacapture_hal::clock::now_us();
//! assert!(b >= a);
//! ```

use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Microseconds since the clock's epoch (the first use of this clock in the process).
/// Monotonic: never goes backwards, unaffected by wall-clock changes.
pub fn now_us() -> i64 {
    i64::try_from(epoch().elapsed().as_micros()).unwrap_or(i64::MAX)
}

/// The [`Instant`] of a timestamp `us` on this clock (negative values clamp to the epoch).
pub fn instant_at(us: i64) -> Instant {
    epoch() + Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

/// The timestamp on this clock of an [`Instant`] (instants before the epoch give 0).
pub fn us_of(instant: Instant) -> i64 {
    i64::try_from(instant.saturating_duration_since(epoch()).as_micros()).unwrap_or(i64::MAX)
}
