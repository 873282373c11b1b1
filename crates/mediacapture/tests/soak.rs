//! Churn soak sized for CI: 2,000 getUserMedia({video, audio}) / stop cycles on fake devices.
//! After a warm-up and at the end it reads the process's resident memory (VmRSS), open file
//! descriptors (/proc/self/fd) and threads (/proc/self/task, once every other thread is
//! asleep), prints them, and asserts they stayed flat: threads and fds exactly as after the
//! warm-up (stop() joins each capture thread and closes what the source opened before it
//! returns), RSS grown by less than 1 MiB.
//!
//! The RSS bound is tight on purpose: a source that leaves ~1 KiB behind per getUserMedia
//! (a dead `Weak<SourceHub>` kept in a list pins its allocation) grows RSS by ~3 MiB over
//! these cycles, while a clean run stays within a few hundred KiB either way.
//!
//! `MEDIACAPTURE_SOAK_CYCLES=20000` runs a longer soak with the same bounds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

use futures_executor::block_on;
use mediacapture::{MediaDevices, MediaStreamConstraints};
use mediacapture_hal::fake::FakeBackend;

/// Cycles before the baseline is taken (lazily built state: the event thread, allocator
/// arenas, libvpx-free fake sources' buffers).
const WARM_UP: usize = 200;
/// Allowed RSS growth after the warm-up.
const MAX_RSS_GROWTH_KIB: u64 = 1024;

/// One line of /proc/self/status in KiB ("VmRSS").
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

#[derive(Debug, Clone)]
struct Figures {
    rss_kib: u64,
    fds: usize,
    threads: usize,
    /// The threads' names, for the message when their count differs.
    names: Vec<String>,
}

/// The names of the process's threads.
fn thread_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .map(|n| n.trim_end().to_owned())
        .collect()
}

/// Whether every thread of the process but this one is asleep (state `S` in its
/// `/proc/self/task/<tid>/stat`).
fn others_asleep() -> bool {
    let me = std::fs::read_link("/proc/thread-self").unwrap();
    let me = me.file_name().unwrap().to_owned();
    std::fs::read_dir("/proc/self/task").unwrap().all(|e| {
        let Ok(e) = e else { return true };
        if e.file_name() == me {
            return true;
        }
        // A thread gone between the listing and this read has left.
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            return true;
        };
        // "tid (comm) S ...": the state follows the last ')'.
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            == Some('S')
    })
}

fn figures() -> Figures {
    // Events queued by the last stop (ended, device changes) run first, so their task
    // allocations and the event thread are in the same state each time.
    mediacapture::flush_events();
    // Threads that end on their own, not joined (a scaled track's delivery thread once its
    // route is dropped, an event loop's thread once its last handle is), can still be on
    // their way out here. Such a thread has nothing left to wait for, so it is never asleep:
    // wait until every other thread is asleep (blocked on a lock, a condvar, a socket)
    // before counting, so that one is not counted at one end and not the other. A thread
    // leaked per cycle still counts: it sleeps and never leaves. (The deadline only keeps a
    // thread that never sleeps from hanging the test; its count is then read as it is.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !others_asleep() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let threads = count("/proc/self/task");
    Figures {
        rss_kib: status_kib("VmRSS:"),
        fds: count("/proc/self/fd"),
        threads,
        names: thread_names(),
    }
}

#[test]
fn get_user_media_and_stop_two_thousand_times_stays_flat() {
    let cycles: usize = std::env::var("MEDIACAPTURE_SOAK_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    let md = MediaDevices::builder()
        .backend(FakeBackend::default())
        .build();
    let cycle = |i: usize| {
        let c = MediaStreamConstraints::from_json(r#"{"video":true,"audio":true}"#).unwrap();
        let stream = block_on(md.get_user_media(c))
            .unwrap_or_else(|e| panic!("getUserMedia failed in cycle {i}: {e}"));
        assert_eq!(stream.get_tracks().len(), 2);
        for t in stream.get_tracks() {
            t.stop();
        }
    };
    let start = figures();
    for i in 0..WARM_UP {
        cycle(i);
    }
    let warm = figures();
    for i in WARM_UP..cycles.max(WARM_UP) {
        cycle(i);
    }
    let end = figures();
    println!(
        "soak: {cycles} getUserMedia/stop cycles; at start {start:?}; after {WARM_UP} (warm-up) \
         {warm:?}; at the end {end:?}; RSS growth after warm-up {} KiB ({:.3} KiB a cycle)",
        end.rss_kib as i64 - warm.rss_kib as i64,
        (end.rss_kib as f64 - warm.rss_kib as f64) / (cycles.max(WARM_UP) - WARM_UP).max(1) as f64
    );
    assert_eq!(
        end.threads, warm.threads,
        "threads: {:?} after warm-up, {:?} at the end (a capture thread not joined?)",
        warm.names, end.names
    );
    assert_eq!(
        end.fds, warm.fds,
        "open file descriptors: {warm:?} after warm-up, {end:?} at the end"
    );
    let growth = end.rss_kib.saturating_sub(warm.rss_kib);
    assert!(
        growth < MAX_RSS_GROWTH_KIB,
        "RSS grew by {growth} KiB over {} cycles after warm-up",
        cycles - WARM_UP
    );
}
