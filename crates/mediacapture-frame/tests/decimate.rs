//! Frame-rate decimation: long-run rate, even spacing, jitter, resets.

use mediacapture_frame::FrameRateDecimator;

/// Timestamps (µs) of `seconds` of a `fps` source, with a deterministic jitter of up to
/// `jitter_us` either way.
fn source(fps: f64, seconds: f64, jitter_us: i64) -> Vec<i64> {
    let n = (fps * seconds).round() as i64;
    let mut state = 0x2545_f491_u64;
    (0..n)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let j = if jitter_us == 0 {
                0
            } else {
                (state % (2 * jitter_us as u64 + 1)) as i64 - jitter_us
            };
            (i as f64 * 1e6 / fps).round() as i64 + j
        })
        .collect()
}

fn run(target: f64, ts: &[i64]) -> (Vec<usize>, Vec<i64>) {
    let mut d = FrameRateDecimator::new(target);
    let mut idx = Vec::new();
    let mut kept = Vec::new();
    for (i, &t) in ts.iter().enumerate() {
        if d.should_deliver(t) {
            idx.push(i);
            kept.push(t);
        }
    }
    assert_eq!(d.delivered() as usize, kept.len());
    assert_eq!(d.dropped() as usize, ts.len() - kept.len());
    (idx, kept)
}

/// Checks the delivered count is `target * seconds` (±1) and every gap between delivered
/// frames is the target interval give or take less than one source interval (the best that
/// can be done on the source's grid), plus the jitter.
fn check_even(source_fps: f64, target: f64, seconds: f64, jitter_us: i64) {
    let ts = source(source_fps, seconds, jitter_us);
    let (_, kept) = run(target, &ts);
    let want = (target * seconds).round() as i64;
    assert!(
        (kept.len() as i64 - want).abs() <= 1,
        "{source_fps} -> {target}: {} frames in {seconds} s, want {want}",
        kept.len()
    );
    let interval = 1e6 / target;
    let source_interval = 1e6 / source_fps;
    for w in kept.windows(2) {
        let gap = (w[1] - w[0]) as f64;
        assert!(
            gap > interval - source_interval - 2.0 * jitter_us as f64 - 1.0
                && gap < interval + source_interval + 2.0 * jitter_us as f64 + 1.0,
            "{source_fps} -> {target}: gap {gap} µs around {interval}"
        );
    }
}

#[test]
fn integral_ratios_keep_every_nth_frame() {
    for (target, n) in [(15.0, 2), (10.0, 3), (7.5, 4), (30.0, 1)] {
        let ts = source(30.0, 4.0, 0);
        let (idx, _) = run(target, &ts);
        assert!(
            idx.iter().enumerate().all(|(k, &i)| i == k * n),
            "30 -> {target}: {idx:?}"
        );
        assert_eq!(idx.len(), 120 / n);
    }
    let (idx, _) = run(30.0, &source(60.0, 2.0, 0));
    assert!(idx.iter().enumerate().all(|(k, &i)| i == 2 * k));
}

#[test]
fn sixty_to_twenty_five_alternates_two_and_three() {
    let ts = source(60.0, 10.0, 0);
    let (idx, _) = run(25.0, &ts);
    assert_eq!(idx.len(), 250);
    let steps: Vec<usize> = idx.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(steps.iter().all(|&s| s == 2 || s == 3), "{steps:?}");
    // 12 source frames per 5 outputs: 2.4 on average, never three 2s or two 3s in a row.
    assert!(steps.windows(3).all(|w| w != [2, 2, 2]));
    assert!(steps.windows(2).all(|w| w != [3, 3]));
}

#[test]
fn even_spacing_at_the_usual_ratios() {
    for (src, target) in [
        (30.0, 15.0),
        (30.0, 10.0),
        (30.0, 7.5),
        (60.0, 25.0),
        (30.0, 24.0),
        (60.0, 50.0),
    ] {
        check_even(src, target, 10.0, 0);
    }
}

#[test]
fn jittered_timestamps_still_give_the_target_rate() {
    // ±5 ms of jitter on a 30 fps camera (a sixth of its interval).
    for target in [15.0, 10.0, 7.5, 24.0] {
        check_even(30.0, target, 20.0, 5_000);
    }
    check_even(60.0, 25.0, 20.0, 3_000);
}

#[test]
fn a_source_not_faster_than_the_target_is_never_decimated() {
    for (src, target) in [(30.0, 30.0), (25.0, 30.0), (30.2, 30.0), (15.0, 30.0)] {
        let ts = source(src, 5.0, 2_000);
        let (_, kept) = run(target, &ts);
        assert_eq!(kept.len(), ts.len(), "{src} -> {target}");
    }
}

#[test]
fn no_limit_delivers_everything() {
    for target in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let ts = source(60.0, 1.0, 0);
        assert_eq!(run(target, &ts).1.len(), 60);
    }
}

#[test]
fn restarts_after_a_gap_or_a_clock_jump() {
    let mut d = FrameRateDecimator::new(10.0);
    assert!(d.should_deliver(0));
    assert!(!d.should_deliver(33_333));
    // Time goes backwards (a restarted source): delivered, and a new cadence starts there.
    assert!(d.should_deliver(-500_000));
    assert!(!d.should_deliver(-466_667));
    assert!(!d.should_deliver(-433_334));
    assert!(d.should_deliver(-400_001));
    // A two-second gap (muted source): the next frame is delivered at once.
    assert!(d.should_deliver(1_600_000));
    assert!(!d.should_deliver(1_633_333));
}

#[test]
fn variable_rate_source_never_bursts() {
    // Screen capture: 60 fps while things move, 5 fps when idle, alternating each second.
    let mut ts = Vec::new();
    let mut t = 0i64;
    for second in 0..10 {
        let fps = if second % 2 == 0 { 60 } else { 5 };
        for _ in 0..fps {
            ts.push(t);
            t += 1_000_000 / fps;
        }
    }
    let (_, kept) = run(30.0, &ts);
    let min_gap = kept.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(0);
    assert!(min_gap >= 33_333 - 16_667, "gap {min_gap}");
    // 5 busy seconds at 30 + 5 idle seconds at 5.
    assert!((kept.len() as i64 - 175).abs() <= 3, "{}", kept.len());
}
