//! Real-time scheduling for audio threads.
//!
//! An audio thread that wakes late is heard: a speaker runs dry and the audio has a gap, a
//! capture buffer overflows. On a loaded machine (a build beside a call), an ordinary thread
//! can wait tens of milliseconds for a core. Chromium therefore runs its audio threads
//! (capture, output, the Web Audio renderer) with the real-time round-robin policy at
//! priority 8 where the process may (`SCHED_RR`: Linux's `PlatformThread` for
//! `ThreadType::kRealtimeAudio`), and keeps normal scheduling where it may not; so do this
//! crate's capture and playback threads, and the Web Audio render thread of
//! `mediacapture-webaudio`.
//!
//! The process needs `CAP_SYS_NICE`, or an `RLIMIT_RTPRIO` of at least 8 (`ulimit -r`,
//! `/etc/security/limits.conf`); without it nothing changes. `MEDIACAPTURE_REALTIME=0` turns
//! it off. A real-time thread that spins would starve the machine; the kernel keeps 5 % of
//! each second for other threads (`sched_rt_runtime_us`), and these threads block between
//! blocks of audio.

use std::sync::OnceLock;
use thread_priority::{
    RealtimeThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
    set_thread_priority_and_policy, thread_native_id,
};

/// Chromium's real-time audio priority on Linux.
const PRIORITY: u8 = 8;

/// `false` when `MEDIACAPTURE_REALTIME=0` (read once).
fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("MEDIACAPTURE_REALTIME").map_or(true, |v| v.trim() != "0"))
}

/// Asks for real-time scheduling (`SCHED_RR`, priority 8) for the calling thread, which
/// must be an audio thread that blocks between blocks. Returns whether it was granted; a
/// refusal (no privilege) leaves the thread as it was and is logged once at debug level.
pub fn promote_audio_thread() -> bool {
    if !enabled() {
        return false;
    }
    let Ok(value) = ThreadPriorityValue::try_from(PRIORITY) else {
        return false;
    };
    match set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Crossplatform(value),
        ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::RoundRobin),
    ) {
        Ok(()) => true,
        Err(e) => {
            static ONCE: OnceLock<()> = OnceLock::new();
            ONCE.get_or_init(|| {
                tracing::debug!("audio threads keep normal scheduling (real-time refused: {e:?})");
            });
            false
        }
    }
}

/// [`promote_audio_thread`] once per thread (later calls on the same thread cost a
/// thread-local read): for callbacks that run on a thread someone else made and may move to
/// another (a Web Audio render quantum).
pub fn promote_audio_thread_once() {
    thread_local! {
        static ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    ASKED.with(|asked| {
        if !asked.replace(true) {
            promote_audio_thread();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real-time priority and policy of the calling thread, from the kernel's own
    /// account (`/proc/thread-self/stat`, fields 40 and 41; policy 2 is `SCHED_RR`).
    fn policy_of_this_thread() -> Option<(u32, u32)> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        // Fields from the third on, after the command name (in parentheses, may hold spaces).
        let rest: Vec<&str> = stat[stat.rfind(')')? + 2..].split(' ').collect();
        Some((rest.get(37)?.parse().ok()?, rest.get(38)?.parse().ok()?))
    }

    #[test]
    fn a_promoted_thread_runs_round_robin_or_is_left_alone() {
        let (granted, policy) =
            std::thread::spawn(|| (promote_audio_thread(), policy_of_this_thread()))
                .join()
                .unwrap_or((false, None));
        // Granted where the process may (CI runs as root), refused elsewhere: either way
        // the kernel agrees with what was said.
        if granted {
            assert_eq!(policy, Some((8, 2)), "SCHED_RR at priority 8");
        } else {
            assert_eq!(policy, Some((0, 0)), "SCHED_OTHER, unchanged");
        }
    }
}
