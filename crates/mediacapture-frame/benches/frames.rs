//! Frame benchmarks (filled in below).
fn main() {}
