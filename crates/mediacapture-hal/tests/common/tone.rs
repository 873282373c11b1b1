//! Tone analysis for audio tests (used by the hal's and the mediacapture crate's tests).

/// Power of `samples` at `freq` Hz (one DFT bin, Goertzel-style), normalised by length.
pub fn tone_power(samples: &[f32], rate: f64, freq: f64) -> f64 {
    let w = std::f64::consts::TAU * freq / rate;
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (n, s) in samples.iter().enumerate() {
        re += f64::from(*s) * (w * n as f64).cos();
        im -= f64::from(*s) * (w * n as f64).sin();
    }
    (re * re + im * im) / (samples.len() as f64).powi(2)
}

/// The frequency (of `candidates`) with the most power.
pub fn dominant(samples: &[f32], rate: f64, candidates: &[f64]) -> f64 {
    let mut best = (0.0, -1.0);
    for &f in candidates {
        let p = tone_power(samples, rate, f);
        if p > best.1 {
            best = (f, p);
        }
    }
    best.0
}
