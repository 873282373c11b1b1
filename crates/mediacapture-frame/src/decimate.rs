//! Frame-rate decimation: [`FrameRateDecimator`].

/// A gap between two frames longer than this (µs) restarts the decimator, as Chromium's
/// `VideoTrackAdapter` resets on "completely off" deltas.
const MAX_GAP_US: i64 = 1_000_000;
/// Weight of the newest frame interval in the source-rate estimate (Chromium's simple AR
/// filter uses 0.1).
const EMA_WEIGHT: f64 = 0.1;
/// Chromium keeps every frame while the source rate is below the target plus this much
/// ("prefer to not drop frames"), so a 30.2 fps camera on a 30 fps track never stutters.
const KEEP_ALL_SLACK_FPS: f64 = 0.5;

/// Drops frames to bring a source's frame rate down to a track's `frameRate` setting, keeping
/// the delivered frames evenly spaced.
///
/// Chromium's `VideoTrackAdapter::MaybeDropFrame` is the model: it estimates the source rate
/// with an AR filter, keeps everything while the source is not faster than the target
/// (+0.5 fps), resets on backwards or very late timestamps, and otherwise drops to the
/// target rate. Where Chromium then keeps a fractional frame counter, we keep a deadline on
/// the timestamps themselves: a frame is delivered when it is no earlier than the expected
/// time of the next output frame minus half a source interval, and the expected time then
/// advances by exactly one target interval. This keeps the long-run rate equal to the target
/// (30 -> 15 keeps every 2nd frame, 30 -> 7.5 every 4th, 60 -> 25 alternates 2 and 3 source
/// frames), tolerates timestamp jitter up to half a source interval, and follows sources
/// whose rate varies (screen capture), since it looks at time, not at frame counts.
///
/// ```
/// use mediacapture_frame::FrameRateDecimator;
/// let mut d = FrameRateDecimator::new(10.0);
/// let kept: Vec<i64> = (0..9).map(|i| i * 33_333).filter(|&t| d.should_deliver(t)).collect();
/// assert_eq!(kept, [0, 99_999, 199_998]); // 30 -> 10 fps: every third frame
/// ```
#[derive(Debug, Clone)]
pub struct FrameRateDecimator {
    target_fps: f64,
    /// Target interval in µs; `None` delivers everything.
    interval: Option<f64>,
    /// Earliest nominal time of the next delivered frame.
    next: f64,
    last_ts: Option<i64>,
    /// Estimated source frame interval (µs).
    source_interval: Option<f64>,
    delivered: u64,
    dropped: u64,
}

impl FrameRateDecimator {
    /// A decimator to `target_fps` frames per second. A target that is not a positive finite
    /// number means "no limit": every frame is delivered.
    pub fn new(target_fps: f64) -> Self {
        let interval = (target_fps.is_finite() && target_fps > 0.0).then(|| 1e6 / target_fps);
        FrameRateDecimator {
            target_fps,
            interval,
            next: 0.0,
            last_ts: None,
            source_interval: None,
            delivered: 0,
            dropped: 0,
        }
    }

    /// The target frame rate given to [`FrameRateDecimator::new`].
    pub fn target_fps(&self) -> f64 {
        self.target_fps
    }

    /// Whether the frame captured at `timestamp_us` (µs, the source's monotonic clock) is
    /// delivered. Call it for every source frame, in order.
    pub fn should_deliver(&mut self, timestamp_us: i64) -> bool {
        let keep = self.decide(timestamp_us);
        if keep {
            self.delivered += 1;
        } else {
            self.dropped += 1;
        }
        keep
    }

    fn decide(&mut self, ts: i64) -> bool {
        let Some(interval) = self.interval else {
            self.last_ts = Some(ts);
            return true;
        };
        let t = ts as f64;
        let last = self.last_ts.replace(ts);
        let delta = match last {
            Some(last) if ts >= last && ts - last <= MAX_GAP_US => ts - last,
            _ => {
                // First frame, time went backwards, or a long gap: start over from here.
                if last.is_some_and(|l| ts < l) {
                    self.source_interval = None;
                }
                self.next = t + interval;
                return true;
            }
        };
        if delta > 0 {
            let d = delta as f64;
            self.source_interval = Some(
                self.source_interval
                    .map_or(d, |s| s * (1.0 - EMA_WEIGHT) + d * EMA_WEIGHT),
            );
        }
        let source = self.source_interval.unwrap_or(interval);
        let tolerance = source.min(interval) / 2.0;
        let source_fps = 1e6 / source;
        let keep_all = source_fps < self.target_fps + KEEP_ALL_SLACK_FPS;
        if !keep_all && t < self.next - tolerance {
            return false;
        }
        // Advance by one target interval; after a late frame (a gap in the source), re-phase
        // on it so that no burst follows.
        self.next = (self.next + interval).max(t + interval - tolerance);
        true
    }

    /// Frames delivered so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Frames dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Forgets the timing history (the counters are kept): the next frame is delivered.
    pub fn reset(&mut self) {
        self.last_ts = None;
        self.source_interval = None;
    }
}
