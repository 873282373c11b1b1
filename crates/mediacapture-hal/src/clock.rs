//! Clocks: the one process-wide monotonic clock every capture timestamp is taken from, and the
//! [`Clock`] trait that paced sources (fake devices, canvases, media files) read and wait on,
//! so that tests can drive time by hand instead of by the wall clock.
//!
//! All real sources, the recorder and the API crate use [`now_us`], so timestamps from
//! different devices can be compared and subtracted directly (e.g. for A/V sync or latency
//! checks).
//!
//! ```
//! let a = mediacapture_hal::clock::now_us();
//! let b = mediacapture_hal::clock::now_us();
//! assert!(b >= a);
//! ```
//!
//! A source that paces itself (a fake camera producing 30 frames a second) takes an
//! `Arc<dyn Clock>`: [`system()`] by default, or a manual clock in tests (the
//! `mediacapture-test-support` crate's `ManualClock`), which moves only when the test says so.
//! Such a source waits with [`wait_until`], which works with both: it sleeps for real with the
//! system clock, and until the manual clock is moved with a manual one.
//!
//! ```
//! use mediacapture_hal::clock::{self, Clock, Wake};
//! use std::sync::{Arc, Condvar, Mutex};
//!
//! struct Gate { stop: Mutex<bool>, cv: Condvar }
//! impl Wake for Gate {
//!     fn wake(&self) {
//!         let _g = self.stop.lock().unwrap_or_else(|p| p.into_inner());
//!         self.cv.notify_all();
//!     }
//! }
//!
//! let clock = clock::system();
//! let gate = Arc::new(Gate { stop: Mutex::new(false), cv: Condvar::new() });
//! clock.register(Arc::downgrade(&gate) as _);
//! let due = clock.now_us() + 1_000; // 1 ms from now
//! let guard = gate.stop.lock().unwrap();
//! let (_guard, reached) = clock::wait_until(&*clock, due, &gate.cv, guard, |stop| *stop);
//! assert!(reached && clock.now_us() >= due);
//! ```

use std::sync::{Arc, Condvar, MutexGuard, OnceLock, Weak};
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
    let after = Duration::from_micros(u64::try_from(us).unwrap_or(0));
    // A time too far to represent (a wait "forever" as `i64::MAX`): a century from now.
    epoch()
        .checked_add(after)
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(100 * 365 * 86_400))
}

/// The timestamp on this clock of an [`Instant`] (instants before the epoch give 0).
pub fn us_of(instant: Instant) -> i64 {
    i64::try_from(instant.saturating_duration_since(epoch()).as_micros()).unwrap_or(i64::MAX)
}

/// Something waiting for a clock that must be told when the clock moved by other means than
/// the passing of real time (a manual clock's `advance`). Implementations lock the mutex their
/// waiter sleeps under before notifying its condition variable, so no wake-up is lost between
/// the waiter's check of the time and its wait.
pub trait Wake: Send + Sync {
    /// The clock moved: look at the time again.
    fn wake(&self);
}

/// A source of time for paced sources.
///
/// Timestamps are microseconds. The system clock ([`system()`]) is [`now_us`]; a manual clock
/// (tests) moves only when told, and wakes its registered waiters when it does.
pub trait Clock: Send + Sync {
    /// The current time in microseconds.
    fn now_us(&self) -> i64;

    /// How long a thread waiting for `due_us` should sleep at most before looking at the time
    /// again: the real time left for the system clock; `None` (sleep until woken through
    /// [`Wake`]) for a clock that does not move by itself.
    fn wait_hint(&self, due_us: i64) -> Option<Duration>;

    /// Registers a waiter to be woken whenever the clock moves by itself being set. The system
    /// clock has no such moves and ignores it. Dropped waiters are forgotten.
    fn register(&self, waiter: Weak<dyn Wake>) {
        let _ = waiter;
    }
}

/// The process's monotonic clock ([`now_us`]) as a [`Clock`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> i64 {
        now_us()
    }

    fn wait_hint(&self, due_us: i64) -> Option<Duration> {
        Some(instant_at(due_us).saturating_duration_since(Instant::now()))
    }
}

/// The shared system clock.
pub fn system() -> Arc<dyn Clock> {
    static SYSTEM: OnceLock<Arc<dyn Clock>> = OnceLock::new();
    SYSTEM.get_or_init(|| Arc::new(SystemClock)).clone()
}

/// Waits on `cv` (whose mutex `guard` holds) until `clock` reaches `due_us` or `interrupted`
/// returns `true` for the guarded state. Returns the guard and whether the time was reached
/// (`false`: interrupted). `interrupted` is checked first, so a pending stop wins over a due
/// time.
///
/// The waiter must be registered with the clock ([`Clock::register`]) for a manual clock to
/// wake it; with the system clock it sleeps for the time left.
pub fn wait_until<'a, T>(
    clock: &dyn Clock,
    due_us: i64,
    cv: &Condvar,
    mut guard: MutexGuard<'a, T>,
    mut interrupted: impl FnMut(&mut T) -> bool,
) -> (MutexGuard<'a, T>, bool) {
    loop {
        if interrupted(&mut guard) {
            return (guard, false);
        }
        if clock.now_us() >= due_us {
            return (guard, true);
        }
        guard = match clock.wait_hint(due_us) {
            Some(d) => match cv.wait_timeout(guard, d) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            },
            None => match cv.wait(guard) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_times_do_not_overflow() {
        assert!(instant_at(i64::MAX) > Instant::now());
        assert!(system().wait_hint(i64::MAX).is_some());
        assert_eq!(instant_at(-5), epoch());
    }
}
