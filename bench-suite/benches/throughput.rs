//! Throughput benchmarks (criterion).

fn main() {}
