//! Timestamps read from a file, made safe to pace playback by.
//!
//! A container's timestamps are data: a flipped bit in a WebM cluster timestamp moves the rest
//! of the cluster hours (or 2^56 ms) ahead, and a player that believes it waits that long. The
//! [`Timeline`] keeps what a file says where it is plausible and re-anchors it where it is not:
//!
//! - a jump forward between two consecutive units (of any track, in file order) of more than
//!   [`MAX_GAP_US`] — [`MAX_GAP_WITH_AUDIO_US`] when the file has audio, which has no holes;
//!   never more than the duration the header states — is taken out: the unit follows the
//!   previous one;
//! - a jump back of more than [`MAX_BACK_US`] is treated the same way (interleaved audio and
//!   video go back a little; a damaged cluster goes back as far as the damage went forward);
//! - a unit that starts more than [`END_SLACK_US`] past the duration the header states is
//!   damage: reading stops there with an error, so playback never outlasts the stated
//!   duration by more than that.
//!
//! Each correction is said in a warning. Re-anchoring keeps the steps between units, so the
//! units after a damaged timestamp play at their own pace.

use mediacapture_types::Result;
use std::path::Path;

/// The largest forward jump between two consecutive units accepted as it is (a video-only
/// screen recording can legitimately hold one frame this long).
pub(crate) const MAX_GAP_US: i64 = 10_000_000;
/// The same for a file with an audio track: audio is continuous, so a second with no unit
/// of any track is a hole in the file, not a pause in its content.
pub(crate) const MAX_GAP_WITH_AUDIO_US: i64 = 1_000_000;
/// The largest backward step accepted as it is (audio and video interleaved out of order).
pub(crate) const MAX_BACK_US: i64 = 2_000_000;
/// Corrected timestamps are clamped to ±this (about 3.5 years) so that sums cannot overflow.
const MAX_ABS_US: i64 = 1 << 46;
/// Slack past the stated duration. Every unit of a whole file starts before its stated end;
/// a recording cut off by SIGKILL states the duration it had up to a second before (our
/// recorder rewrites it about once a second), so up to that much more is content, not damage.
pub(crate) const END_SLACK_US: i64 = 2_000_000;
/// Corrections warned about per file; more are counted in the last warning only.
const MAX_WARNINGS: u32 = 3;

/// See the module docs.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    /// Added to every raw timestamp (wide: a raw timestamp may be 2^56 ms).
    offset: i128,
    /// The latest corrected timestamp so far.
    last: Option<i64>,
    /// The stated duration, if the header gives one.
    stated_us: Option<i64>,
    /// Where units must start by: set from the first unit and the stated duration.
    end_cap: Option<i64>,
    max_gap: i64,
    corrections: u32,
}

impl Timeline {
    /// A timeline for a file whose header states `stated_us` of content, if it does, and
    /// whose units may be up to `max_gap_us` apart.
    pub(crate) fn new(stated_us: Option<i64>, max_gap_us: i64) -> Timeline {
        let stated_us = stated_us.filter(|d| *d > 0).map(|d| d.min(MAX_ABS_US));
        Timeline {
            offset: 0,
            last: None,
            stated_us,
            end_cap: None,
            // A file that says it lasts 4 s has no gap of 10 s.
            max_gap: stated_us.map_or(max_gap_us, |d| d.clamp(1, max_gap_us)),
            corrections: 0,
        }
    }

    /// How many timestamps were corrected so far.
    #[cfg(test)]
    pub(crate) fn corrections(&self) -> u32 {
        self.corrections
    }

    /// The corrected timestamp of the next unit in file order, whose raw timestamp is `raw`
    /// (µs). Errors: `NotReadableError` when the unit starts past the stated duration.
    pub(crate) fn place(&mut self, path: &Path, raw: i128) -> Result<i64> {
        let Some(last) = self.last else {
            // A first unit beyond ±MAX_ABS_US (about 3.5 years, say a first cluster 2^56 ms
            // ahead) is damage too: playback starts at 0, and the units after it are placed
            // by the same offset, so they keep their steps from it.
            let start = if raw.abs() > i128::from(MAX_ABS_US) {
                self.corrections += 1;
                tracing::warn!(
                    "{}: the first timestamp, {:.3} s, is implausible (damaged file?); playing \
                     from 0",
                    path.display(),
                    raw as f64 / 1e6
                );
                0
            } else {
                clamp(raw)
            };
            self.offset = i128::from(start) - raw;
            let raw = start;
            // The first unit: a file (or a cut of a longer recording) may start anywhere. The
            // stated duration counts from 0 (Matroska's segment time) or, for a file that
            // starts later than its duration, from its first unit.
            self.end_cap = self.stated_us.map(|d| {
                let start = if raw <= d { 0 } else { raw };
                start + d + END_SLACK_US
            });
            self.last = Some(raw);
            return Ok(raw);
        };
        let wide = raw.saturating_add(self.offset);
        let step = wide.saturating_sub(i128::from(last));
        let mut ts = clamp(wide);
        if step > i128::from(self.max_gap) || step < -i128::from(MAX_BACK_US) {
            self.corrections += 1;
            if self.corrections <= MAX_WARNINGS {
                tracing::warn!(
                    "{}: timestamp jumps by {:+.3} s at {:.3} s (damaged file?); playing on \
                     without the jump{}",
                    path.display(),
                    step as f64 / 1e6,
                    last as f64 / 1e6,
                    if self.corrections == MAX_WARNINGS {
                        " (further jumps are corrected without a warning)"
                    } else {
                        ""
                    }
                );
            }
            // Re-anchor: this unit follows the previous one; the units after it keep their
            // own steps from here.
            self.offset = i128::from(last).saturating_sub(raw);
            ts = last;
        }
        if let (Some(cap), Some(d)) = (self.end_cap, self.stated_us)
            && ts > cap
        {
            return Err(super::reader::damaged(
                path,
                format!(
                    "a timestamp at {:.3} s is past the stated duration of {:.3} s",
                    ts as f64 / 1e6,
                    d as f64 / 1e6
                ),
            ));
        }
        self.last = Some(last.max(ts));
        Ok(ts)
    }
}

fn clamp(us: i128) -> i64 {
    i64::try_from(us.clamp(-i128::from(MAX_ABS_US), i128::from(MAX_ABS_US))).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn run(stated: Option<i64>, raw: &[i64]) -> Vec<Result<i64>> {
        let mut t = Timeline::new(stated, MAX_GAP_US);
        raw.iter()
            .map(|&r| t.place(Path::new("x"), i128::from(r)))
            .collect()
    }

    #[test]
    fn plausible_timestamps_are_kept() {
        // Audio and video interleaved a little out of order, a late start, a 5 s still frame.
        let raw = [
            3_000_000, 3_020_000, 3_010_000, 3_040_000, 8_040_000, 8_060_000,
        ];
        let got: Vec<i64> = run(None, &raw).into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(got, raw);
    }

    #[test]
    fn a_jump_forward_and_back_is_taken_out() {
        // One cluster 2^56 ms ahead (a flipped bit), the next one back where it belongs.
        let far = (1i128 << 56) * 1000;
        let raw = [0, 33_000, far, far + 33_000, 100_000, 133_000];
        let mut t = Timeline::new(None, MAX_GAP_US);
        let got: Vec<i64> = raw
            .iter()
            .map(|&r| t.place(Path::new("x"), r).unwrap())
            .collect();
        assert_eq!(got, [0, 33_000, 33_000, 66_000, 66_000, 99_000]);
        assert_eq!(t.corrections(), 2);
    }

    #[test]
    fn a_damaged_first_timestamp_starts_playback_at_zero() {
        // The first cluster 2^56 ms ahead of a 4 s file, the next one where it belongs: the
        // units of the first cluster keep their steps from 0, the jump back is taken out.
        let far = (1i128 << 56) * 1000;
        let raw = [far, far + 33_000, far + 66_000, 1_000_000, 1_033_000];
        let mut t = Timeline::new(Some(4_000_000), MAX_GAP_US);
        let got: Vec<i64> = raw
            .iter()
            .map(|&r| t.place(Path::new("x"), r).unwrap())
            .collect();
        assert_eq!(got, [0, 33_000, 66_000, 66_000, 99_000]);
        assert_eq!(t.corrections(), 2);
    }

    #[test]
    fn a_gap_longer_than_the_stated_duration_is_taken_out() {
        // A 4 s file whose cluster at 1 s says 23 s.
        let raw = [0, 1_000_000, 23_000_000, 23_500_000, 1_600_000];
        let got: Vec<i64> = run(Some(4_000_000), &raw)
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(got, [0, 1_000_000, 1_000_000, 1_500_000, 1_500_000]);
        assert!(got.iter().all(|t| *t <= 4_000_000));
    }

    #[test]
    fn a_unit_past_the_stated_duration_is_an_error() {
        // Steps small enough to pass, adding up past the stated 1 s (+ 2 s of slack).
        let raw: Vec<i64> = (0..40).map(|i| i * 100_000).collect();
        let got = run(Some(1_000_000), &raw);
        assert!(got[..31].iter().all(Result::is_ok));
        let e = got[31].as_ref().unwrap_err();
        assert_eq!(e.kind, mediacapture_types::ErrorKind::NotReadableError);
        assert!(e.message.contains("stated duration"), "{e}");
    }

    #[test]
    fn with_audio_a_one_second_hole_is_a_jump() {
        let mut t = Timeline::new(None, MAX_GAP_WITH_AUDIO_US);
        let got: Vec<i64> = [0, 20_000, 1_520_000, 1_540_000]
            .iter()
            .map(|&r| t.place(Path::new("x"), r).unwrap())
            .collect();
        assert_eq!(got, [0, 20_000, 20_000, 40_000]);
        assert_eq!(t.corrections(), 1);
    }

    #[test]
    fn a_file_starting_late_is_measured_from_its_start() {
        // Stated 0.4 s, starting at 3 s (a duration relative to the first unit).
        let raw = [3_000_000, 3_200_000, 3_360_000];
        assert!(run(Some(400_000), &raw).iter().all(Result::is_ok));
        // Stated 3.4 s from 0, starting at 3 s (Matroska's segment time, as ffmpeg writes it).
        assert!(run(Some(3_400_000), &raw).iter().all(Result::is_ok));
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let raw = [i128::MAX, i128::MIN, 0, i128::MAX, 5, i128::MIN];
        for stated in [None, Some(i64::MAX), Some(1)] {
            let mut t = Timeline::new(stated, MAX_GAP_US);
            for r in raw {
                if let Ok(ts) = t.place(Path::new("x"), r) {
                    assert!(ts.abs() <= MAX_ABS_US);
                }
            }
        }
    }
}
