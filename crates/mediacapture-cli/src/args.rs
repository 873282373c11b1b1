//! Numeric arguments: parsed, bounded, and refused with a usage error (never a panic).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The longest duration any argument accepts (about 31 years): longer is surely a typo, and
/// every deadline computed from it stays representable.
pub(crate) const MAX_SECONDS: f64 = 1e9;

/// Parses a duration: "5s", "1500ms", "2m", "0.5" (seconds). Refuses negative, NaN, infinite
/// and over-long values with a message for the usage error.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try 5s, 1500ms or 2m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" | "min" => n * 60.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use ms, s or m)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("{s:?} is not a positive duration"));
    }
    if secs > MAX_SECONDS {
        return Err(format!(
            "{s:?} is too long (at most {MAX_SECONDS:e} s, about 31 years)"
        ));
    }
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
}

/// A flag raised by SIGINT or SIGTERM, for the commands that run until interrupted (they
/// stop cleanly: a recording is finalized, a WHIP session deleted).
pub(crate) fn interrupt_flag()
-> Result<std::sync::Arc<std::sync::atomic::AtomicBool>, crate::Failure> {
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, interrupted.clone())
            .map_err(|e| crate::Failure::Other(format!("cannot handle signals: {e}")))?;
    }
    Ok(interrupted)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(
            parse_duration("1500ms").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("0.5").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1e3").unwrap(), Duration::from_secs(1000));
        assert_eq!(parse_duration("1e3ms").unwrap(), Duration::from_secs(1));
        for bad in [
            "99999999999999999999",
            "1e30",
            "inf",
            "-inf",
            "NaN",
            "-1",
            "1e10",
            "soon",
            "5h",
            "",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }
}
