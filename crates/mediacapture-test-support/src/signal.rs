//! Measures of test signals.

/// A tone's frequency in Hz from its rising zero crossings, interpolated to within the sample.
///
/// Unlike a search for the strongest bin, this stays within one period of the truth over the
/// whole of `x` when the tone has a gap or a splice in it: a dropout can lose or add at most
/// one crossing. Returns NaN when `x` has fewer than two rising crossings.
///
/// ```
/// use mediacapture_test_support::signal::zero_crossing_frequency;
///
/// let tone: Vec<f32> = (0..48_000)
///     .map(|i| (2.0 * std::f32::consts::PI * 750.0 * i as f32 / 48_000.0).sin())
///     .collect();
/// assert!((zero_crossing_frequency(&tone, 48_000) - 750.0).abs() < 0.1);
/// ```
pub fn zero_crossing_frequency(x: &[f32], rate: u32) -> f64 {
    let mut first = None;
    let mut last = 0.0;
    let mut count = 0u32;
    for (i, pair) in x.windows(2).enumerate() {
        let (a, b) = (pair[0], pair[1]);
        if a < 0.0 && b >= 0.0 {
            let t = i as f64 + f64::from(a / (a - b));
            if first.is_none() {
                first = Some(t);
            } else {
                count += 1;
            }
            last = t;
        }
    }
    match first {
        Some(first) if count > 0 => f64::from(count) / ((last - first) / f64::from(rate)),
        _ => f64::NAN,
    }
}
