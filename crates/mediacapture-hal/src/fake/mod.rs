//! The fake backend: configurable devices that produce test patterns and tones.
