//! The reclamation report and throughput benchmarks: every map of the
//! workspace beside the maps people use today, measured in one run.
//!
//! * `cargo run --release -p bench-suite` runs the reclamation report
//!   ([`runner::reclaim`], printed by [`render`]): the delete-all, spike and churn scenarios on every
//!   registered variant ([`registry`]) and on std's `HashMap`, hashbrown,
//!   dashmap and papaya ([`baselines`]), with bytes counted by a global
//!   counting allocator, the maps' own `memory()` and the process RSS.
//!   The report also runs the drain-then-idle sweep (21 cases, counted
//!   bytes) and the bursts scenario ([`bursts`]: process RSS after repeated
//!   bursts and drains, against a fresh process holding the survivors).
//! * `cargo run --release -p bench-suite -- reclaim --check` fails (exit
//!   status 1) when a variant misses a bar of the design ([`verdict`]).
//! * `cargo run --release -p bench-suite -- bursts` runs only the bursts
//!   scenario, at 1,000,000 keys per burst (with `--features jemalloc` or
//!   `--features mimalloc`, under that allocator).
//! * `cargo run --release -p bench-suite -- trace FILE` replays a recorded
//!   workload on every map ([`trace`]); [`recording::RecordingMap`] records
//!   one from a running program.
//! * `cargo run --release -p bench-suite -- throughput` times every variant,
//!   hashbrown and std side by side ([`throughput`]).
//! * `cargo run --release -p bench-suite -- handles` times pooled-map's
//!   lookups by handle and by key, and its steady churn, beside hashbrown
//!   ([`handles`]); `-- concurrent` times sync-map's reads on several
//!   threads beside `RwLock<hashbrown>`, dashmap and papaya, a 98/1/1 mixed
//!   workload and its batch clear-and-refill ([`concurrent`]);
//!   `-- string-keys` times arena-map's `StrMap` beside
//!   `hashbrown::HashMap<String, _>` ([`string_keys`]). Every timing tool
//!   takes its rounds side by side in one process and prints the median and
//!   spread of [`stats`].
//! * `cargo run --release -p bench-suite -- pauses` times every single
//!   insert and remove of every map through growth, removal of 99%, churn
//!   and removal of all, and reports the longest operation and the tail
//!   ([`pauses`]); the reclamation report includes it at a smaller size.
//! * `cargo bench -p bench-suite` runs the criterion benches over the same
//!   [`workloads`].
//!
//! Adding a map is one line in [`for_each_variant!`].
//!
//! # Layers
//!
//! Each module imports only from the layers below its own:
//!
//! 1. The documents: [`model`] (plans, scenarios, typed results, the
//!    report; [`model::bursts`], [`model::pauses`]) and [`meta`].
//! 2. The bars: [`verdict`], the design's bars and the "best for" lines,
//!    functions of the documents.
//! 3. The renderers: [`render`] (text and Markdown tables, CSV, the SVG
//!    chart), functions of the documents.
//! 4. The maps and the measurements: [`baselines`], [`limit_alloc`],
//!    [`workloads`], [`rss`], [`stats`], and one module per measurement:
//!    [`scenarios`] (delete-all, spike, churn, drain then idle), [`bursts`],
//!    [`pauses`].
//! 5. The list of maps: [`registry`].
//! 6. The runners: [`child`] (one job in a fresh process, the job and its
//!    result serialized), [`runner`] (the report's and the pauses' loops),
//!    and one module per timing subcommand: [`throughput`], [`handles`],
//!    [`concurrent`], [`string_keys`], [`trace`] (with [`recording`]).
//! 7. The command line: [`cli`].

pub mod baselines;
pub mod bursts;
pub mod child;
pub mod cli;
pub mod concurrent;
pub mod handles;
pub mod limit_alloc;
mod lookup;
pub mod meta;
pub mod model;
mod observe;
pub mod pauses;
pub mod recording;
pub mod registry;
pub mod render;
pub mod rss;
pub mod runner;
pub mod scenarios;
pub mod stats;
pub mod string_keys;
pub mod throughput;
pub mod trace;
pub mod verdict;
pub mod workloads;

/// The global allocator under the counting one in this build (the
/// `jemalloc` and `mimalloc` features choose another than the system's).
pub const ALLOCATOR: &str = if cfg!(feature = "jemalloc") {
    "jemalloc"
} else if cfg!(feature = "mimalloc") {
    "mimalloc"
} else if cfg!(all(target_os = "linux", target_env = "gnu")) {
    "system (glibc malloc)"
} else {
    "system"
};

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

// The workspace README, doctested here because bench-suite is never
// published: a published crate can include only files of its own folder.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct WorkspaceReadmeDoctests;
