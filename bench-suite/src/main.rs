//! `bench-suite`: the reclamation report (default) and the side-by-side
//! throughput ratios. See `bench-suite --help`.

// Counts the bytes every map holds, per thread, for the report.
map_conformance::install_counting_allocator!();

fn main() {
    let status = bench_suite::cli::main_with_args(std::env::args().skip(1).collect());
    std::process::exit(status);
}
