//! The recording's timeline: capture timestamps (µs, any track) to media time (µs from the
//! first frame, paused time taken out), and back.

/// Source-time pauses, to take paused time out of the recording's timeline.
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    /// Capture timestamp (µs) that is media time 0.
    pub(crate) origin: Option<i64>,
    /// Closed pause intervals [start, end) in capture time, in order.
    pub(crate) pauses: Vec<(i64, i64)>,
    /// Paused since this capture time (recording state "paused").
    pub(crate) paused_at: Option<i64>,
    /// Resumed, waiting for the first frame to close the interval that started here.
    resume_from: Option<i64>,
    /// End (capture time) of the newest media seen.
    newest_end: i64,
}

impl Timeline {
    /// Media time of capture time `ts`, or `None` when the frame must be dropped (paused,
    /// inside a pause, or before the origin). The first frame sets the origin.
    pub(crate) fn media(&mut self, ts: i64, duration: i64) -> Option<i64> {
        if self.paused_at.is_some() {
            return None;
        }
        if let Some(from) = self.resume_from {
            if ts < from {
                return None;
            }
            self.pauses.push((from, ts));
            self.resume_from = None;
        }
        let origin = *self.origin.get_or_insert(ts);
        let mut removed = 0;
        for &(s, e) in &self.pauses {
            if ts >= e {
                removed += e - s;
            } else if ts >= s {
                return None;
            }
        }
        self.newest_end = self.newest_end.max(ts + duration);
        let m = ts - origin - removed;
        (m >= 0).then_some(m)
    }

    /// Media time of capture time `ts` without changing anything: where media captured at
    /// `ts` would be, or was (the end of a pause for a time inside it). `None` before the
    /// origin is known.
    pub(crate) fn media_at(&self, ts: i64) -> Option<i64> {
        let origin = self.origin?;
        let mut removed = 0;
        let mut at = ts;
        for &(s, e) in &self.pauses {
            if ts >= e {
                removed += e - s;
            } else if ts >= s {
                at = s;
            }
        }
        if let Some(p) = self.paused_at.or(self.resume_from) {
            if ts >= p {
                at = at.min(p);
            }
        }
        Some((at - origin - removed).max(0))
    }

    /// The capture time of media time `m` (the inverse of [`Timeline::media`]).
    pub(crate) fn capture_of(&self, m: i64) -> Option<i64> {
        let mut c = self.origin? + m;
        for &(s, e) in &self.pauses {
            if c >= s {
                c += e - s;
            }
        }
        Some(c)
    }

    /// Stops gathering: the pause starts at the end of the newest media seen.
    pub(crate) fn pause(&mut self) {
        if self.paused_at.is_none() {
            let at = self.resume_from.take().unwrap_or(self.newest_end);
            self.paused_at = Some(at);
        }
    }

    /// Gathers again: the pause ends at the first frame captured afterwards.
    pub(crate) fn resume(&mut self) {
        if let Some(at) = self.paused_at.take() {
            self.resume_from = Some(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_are_taken_out_and_mapped_back() {
        let mut t = Timeline::default();
        assert_eq!(t.media(1_000, 100), Some(0));
        assert_eq!(t.media(2_000, 100), Some(1_000));
        t.pause(); // at 2_100
        assert_eq!(t.media(3_000, 100), None);
        t.resume();
        assert_eq!(t.media(5_100, 100), Some(1_100));
        assert_eq!(t.capture_of(1_100), Some(5_100));
        assert_eq!(t.capture_of(500), Some(1_500));
        assert_eq!(t.media_at(5_600), Some(1_600));
        // Inside the pause: where the pause started.
        assert_eq!(t.media_at(4_000), Some(1_100));
        t.pause(); // at 5_200
        assert_eq!(t.media_at(9_000), Some(1_200));
    }
}
