//! `bench-suite`: the reclamation report (default), trace replay and the
//! side-by-side throughput ratios. See `bench-suite --help`.

// Counts the bytes every map holds, per thread, for the report; over the
// allocator chosen by the `jemalloc` or `mimalloc` feature, else the system's.
#[cfg(feature = "jemalloc")]
map_conformance::install_counting_allocator!(tikv_jemallocator::Jemalloc);
#[cfg(all(feature = "mimalloc", not(feature = "jemalloc")))]
map_conformance::install_counting_allocator!(mimalloc::MiMalloc);
#[cfg(not(any(feature = "jemalloc", feature = "mimalloc")))]
map_conformance::install_counting_allocator!();

fn main() {
    let status = bench_suite::cli::main_with_args(std::env::args().skip(1).collect());
    std::process::exit(status);
}
