//! The reclamation report and throughput benchmarks: every map of the
//! workspace beside the maps people use today, measured in one run.
//!
//! * `cargo run --release -p bench-suite` runs the reclamation report
//!   ([`report`]): the delete-all, spike and churn scenarios on every
//!   registered variant ([`registry`]) and on std's `HashMap`, hashbrown,
//!   dashmap and papaya ([`baselines`]), with bytes counted by a global
//!   counting allocator, the maps' own `memory()` and the process RSS.
//! * `cargo run --release -p bench-suite -- throughput` times map-core,
//!   hashbrown and std side by side ([`throughput`]).
//! * `cargo bench -p bench-suite` runs the criterion benches over the same
//!   [`workloads`].
//!
//! Adding a variant is one line in [`for_each_variant!`].

pub mod baselines;
mod chart;
pub mod cli;
mod lookup;
mod observe;
pub mod registry;
pub mod report;
pub mod rss;
pub mod throughput;
pub mod workloads;

// The user-written allocator of map-core's example, for the
// `map-core+limit-alloc` registration in `for_each_variant!`.
#[doc(hidden)]
#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../map-core/examples/custom_allocator.rs"]
pub mod custom_allocator;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
