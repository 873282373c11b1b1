//! Test helpers for mediacapture's crates (not published).
//!
//! [`ManualClock`] is a [`Clock`] that moves only when a test says so. A fake camera, a canvas
//! or a media file given this clock produces exactly the frames that are due at the clock's
//! time, whatever the machine's load, so tests assert counts and timestamps without sleeping.
//!
//! With the `pipewire-stack` feature, [`stack::Stack`] is the private PipeWire + portal stack
//! (`scripts/pipewire-stack.sh`) that the PipeWire and portal tests of every crate run on.
//!
//! ```
//! use mediacapture_hal::clock::Clock;
//! use mediacapture_test_support::ManualClock;
//! use std::time::Duration;
//!
//! let clock = ManualClock::new();
//! assert_eq!(clock.now_us(), 0);
//! clock.advance(Duration::from_millis(100));
//! assert_eq!(clock.now_us(), 100_000);
//! // A source paced by this clock waits until the clock is moved past its due time.
//! assert_eq!(clock.wait_hint(200_000), None);
//! ```
#![forbid(unsafe_code)]

pub mod signal;
#[cfg(feature = "pipewire-stack")]
pub mod stack;

use mediacapture_hal::clock::{Clock, Wake};
use parking_lot::Mutex;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// A clock that moves only when told ([`ManualClock::advance`], [`ManualClock::set`]), and
/// wakes every waiter registered with it when it does.
#[derive(Default)]
pub struct ManualClock {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    now_us: i64,
    waiters: Vec<Weak<dyn Wake>>,
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualClock")
            .field("now_us", &self.state.lock().now_us)
            .finish()
    }
}

impl ManualClock {
    /// A clock at 0 µs.
    pub fn new() -> Arc<Self> {
        Arc::new(ManualClock::default())
    }

    /// A clock at `start_us`.
    pub fn starting_at(start_us: i64) -> Arc<Self> {
        let c = ManualClock::default();
        c.state.lock().now_us = start_us;
        Arc::new(c)
    }

    /// This clock as the trait object sources take.
    pub fn as_clock(self: &Arc<Self>) -> Arc<dyn Clock> {
        self.clone()
    }

    /// Moves the clock forward by `by` and wakes every waiter.
    pub fn advance(&self, by: Duration) {
        let us = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        let mut s = self.state.lock();
        s.now_us = s.now_us.saturating_add(us);
        drop(s);
        self.wake_all();
    }

    /// Sets the clock to `us` (never backwards: an earlier time is ignored) and wakes every
    /// waiter.
    pub fn set(&self, us: i64) {
        let mut s = self.state.lock();
        s.now_us = s.now_us.max(us);
        drop(s);
        self.wake_all();
    }

    /// How many waiters are registered and alive (sources paced by this clock).
    pub fn waiters(&self) -> usize {
        let mut s = self.state.lock();
        s.waiters.retain(|w| w.strong_count() > 0);
        s.waiters.len()
    }

    fn wake_all(&self) {
        let waiters: Vec<Arc<dyn Wake>> = {
            let mut s = self.state.lock();
            s.waiters.retain(|w| w.strong_count() > 0);
            s.waiters.iter().filter_map(Weak::upgrade).collect()
        };
        for w in waiters {
            w.wake();
        }
    }
}

impl Clock for ManualClock {
    fn now_us(&self) -> i64 {
        self.state.lock().now_us
    }

    fn wait_hint(&self, _due_us: i64) -> Option<Duration> {
        None
    }

    fn register(&self, waiter: Weak<dyn Wake>) {
        let mut s = self.state.lock();
        s.waiters.retain(|w| w.strong_count() > 0);
        s.waiters.push(waiter);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mediacapture_hal::clock::wait_until;
    use std::sync::{Condvar, Mutex as StdMutex};

    struct Gate {
        stop: StdMutex<bool>,
        cv: Condvar,
    }
    impl Wake for Gate {
        fn wake(&self) {
            let _g = self.stop.lock().unwrap_or_else(|p| p.into_inner());
            self.cv.notify_all();
        }
    }

    #[test]
    fn a_waiter_wakes_when_the_clock_passes_its_due_time_and_not_before() {
        let clock = ManualClock::new();
        let gate = Arc::new(Gate {
            stop: StdMutex::new(false),
            cv: Condvar::new(),
        });
        clock.register(Arc::downgrade(&gate) as Weak<dyn Wake>);
        let (tx, rx) = std::sync::mpsc::channel();
        let t = {
            let clock = clock.clone();
            let gate = gate.clone();
            std::thread::spawn(move || {
                let g = gate.stop.lock().unwrap_or_else(|p| p.into_inner());
                let (_g, reached) = wait_until(&*clock, 50_000, &gate.cv, g, |s| *s);
                tx.send((reached, clock.now_us())).ok();
            })
        };
        clock.advance(Duration::from_millis(20));
        clock.advance(Duration::from_millis(20));
        // 40 ms < 50 ms: still waiting.
        assert!(rx.try_recv().is_err());
        clock.advance(Duration::from_millis(20));
        let (reached, now) = rx.recv().unwrap_or((false, 0));
        assert!(reached);
        assert_eq!(now, 60_000);
        t.join().ok();
    }

    #[test]
    fn an_interrupt_wins_over_the_due_time() {
        let clock = ManualClock::new();
        let gate = Arc::new(Gate {
            stop: StdMutex::new(false),
            cv: Condvar::new(),
        });
        clock.register(Arc::downgrade(&gate) as Weak<dyn Wake>);
        let t = {
            let clock = clock.clone();
            let gate = gate.clone();
            std::thread::spawn(move || {
                let g = gate.stop.lock().unwrap_or_else(|p| p.into_inner());
                wait_until(&*clock, 1_000_000, &gate.cv, g, |s| *s).1
            })
        };
        *gate.stop.lock().unwrap_or_else(|p| p.into_inner()) = true;
        gate.wake();
        assert_eq!(t.join().ok(), Some(false));
        assert_eq!(clock.waiters(), 1);
        drop(gate);
        assert_eq!(clock.waiters(), 0);
    }
}

/// A PulseAudio null sink of a test's own, on the server the environment names
/// (`PULSE_SERVER`, or the default): loaded with `pactl load-module module-null-sink`,
/// unloaded on drop (or by [`NullSink::unload`], to make it vanish mid-test).
#[derive(Debug)]
pub struct NullSink {
    module: String,
}

impl NullSink {
    /// A sink named `name`, described as `description`, with the module's `extra` arguments
    /// (e.g. `"rate=48000"`, `"channels=1"`).
    ///
    /// Panics (a test failure with `pactl`'s output) when the server refuses it.
    pub fn load(name: &str, description: &str, extra: &[&str]) -> NullSink {
        let mut args = vec![
            "load-module".to_owned(),
            "module-null-sink".to_owned(),
            format!("sink_name={name}"),
            format!("sink_properties=device.description={description}"),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let out = std::process::Command::new("pactl").args(&args).output();
        let out = match out {
            Ok(o) if o.status.success() => o,
            other => panic!("pactl {args:?}: {other:?}"),
        };
        NullSink {
            module: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        }
    }

    /// Unloads the sink now (its outputs and monitors end).
    pub fn unload(&mut self) {
        if !self.module.is_empty() {
            let _ = std::process::Command::new("pactl")
                .args(["unload-module", &self.module])
                .status();
            self.module.clear();
        }
    }
}

impl Drop for NullSink {
    fn drop(&mut self) {
        self.unload();
    }
}
