//! The `pauses` scenario: the longest single insert or remove of every map.
//!
//! A map that grows all at once, or shrinks all at once inside a `remove`,
//! is fast on average and slow once: one operation moves the whole table.
//! This scenario times every operation one by one, on one map at a time,
//! through four phases:
//!
//! 1. `grow`: insert N keys into an empty map;
//! 2. `remove-99%`: remove all but N / 100 of them, in a shuffled order;
//! 3. `churn`: N / 10 steps of inserting a new key and removing the oldest,
//!    so N / 100 stay live (10 turnovers of the live set);
//! 4. `remove-all`: fill a fresh map with the N keys (untimed), then remove
//!    every one, in the same shuffled order.
//!
//! Keys and values are `u64`; every map hashes with the same fixed-seed
//! [`foldhash`] hasher ([`hasher`]), so all see the same hashes, and the
//! keys ([`key`]) and the removal order ([`removal_order`]) are the same for
//! every map. Each operation is timed with [`Instant`] and its duration
//! stored as `u32` nanoseconds in a buffer filled before the phase, so
//! recording allocates nothing. The whole sequence runs twice (`runs`) over
//! the same keys with the same seed, and each operation keeps its fastest
//! time ([`elementwise_min`]): a pause the map causes recurs at the same
//! operation in every run, a preemption by the machine does not.
//!
//! Per map and phase the report gives the longest operation, p99.9 and
//! p99.99 ([`percentile`], nearest rank) of those minima, and the phase's
//! total (the faster run's sum of its operations' times).
//!
//! The maps: every line of [`for_each_variant!`](crate::for_each_variant)
//! with a `with_hasher:` constructor (every workspace variant, std and
//! hashbrown), then the peers timed only here, one line each in
//! [`for_each_pauses_peer!`](crate::for_each_pauses_peer): griddle
//! (incremental growth, never shrinks) and scc (concurrent, incremental
//! resize, shrinks).

use std::fmt::Write as _;
use std::hash::BuildHasher;
use std::hint::black_box;
use std::sync::atomic::{compiler_fence, Ordering};
use std::time::Instant;

use map_conformance::Rng;
use map_core::ReclaimMap;
use serde::{Deserialize, Serialize};

use crate::registry::{self, Group, Kind};
use crate::report::{table, Format};
use crate::workloads::Via;

/// The hasher every map of the scenario hashes with.
pub type Hasher = foldhash::fast::FixedState;

/// The seed of the hasher, the keys and the removal order.
pub const SEED: u64 = 0x5eed_0000_9a05;

/// The `pauses` subcommand's default N: the whole run, every map, stays well
/// under a minute on a 2-core machine.
pub const DEFAULT_ENTRIES: usize = 1_000_000;

/// The default number of runs over the same sequence.
pub const DEFAULT_RUNS: usize = 2;

/// The smallest N: N / 100 keys stay live.
pub const MIN_ENTRIES: usize = 100;

/// Parts per million of the percentiles reported.
pub const P50: u64 = 500_000;
/// p99.
pub const P99: u64 = 990_000;
/// p99.9.
pub const P99_9: u64 = 999_000;
/// p99.99.
pub const P99_99: u64 = 999_900;

/// The hasher built from `seed`: the same hashes in every map and run.
pub fn hasher(seed: u64) -> Hasher {
    foldhash::fast::FixedState::with_seed(seed)
}

/// Peers timed only by the `pauses` scenario (they are not in the
/// registry: they do not keep the `ReclaimMap` contract). One line each:
/// `$m!(peer, "name", Group, constructor from a BuildHasher)`; the map must
/// implement [`PauseMap`].
#[macro_export]
macro_rules! for_each_pauses_peer {
    ($m:ident) => {
        $m!(
            peer,
            "griddle",
            Single,
            |s| ::griddle::HashMap::with_hasher(s)
        );
        $m!(peer, "scc", Concurrent, |s| ::scc::HashMap::with_hasher(s));
    };
}

/// A phase of the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Insert N keys into an empty map.
    Grow,
    /// Remove all but N / 100 of them.
    Remove99,
    /// N / 10 insert-new/remove-oldest steps at N / 100 live.
    Churn,
    /// Remove every key of a freshly filled map.
    RemoveAll,
}

impl Phase {
    /// The phases, in the order they run.
    pub const ALL: [Phase; 4] = [Phase::Grow, Phase::Remove99, Phase::Churn, Phase::RemoveAll];

    /// The name in tables, JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Grow => "grow",
            Phase::Remove99 => "remove-99%",
            Phase::Churn => "churn",
            Phase::RemoveAll => "remove-all",
        }
    }

    /// What the phase does, with its sizes.
    pub fn describe(self, plan: &Plan) -> String {
        match self {
            Phase::Grow => format!("insert {} keys into an empty map", plan.entries),
            Phase::Remove99 => format!(
                "remove {} of them in a shuffled order, keeping {}",
                plan.entries - plan.keep,
                plan.keep
            ),
            Phase::Churn => format!(
                "{} steps of insert-new then remove-oldest at {} live",
                plan.churn_steps, plan.keep
            ),
            Phase::RemoveAll => format!(
                "remove all {} keys of a freshly filled map (the fill untimed)",
                plan.entries
            ),
        }
    }

    /// The operation at `index` of the phase: churn alternates.
    pub fn op(self, index: usize) -> &'static str {
        match self {
            Phase::Grow => "insert",
            Phase::Churn if index % 2 == 0 => "insert",
            _ => "remove",
        }
    }
}

/// The sizes of one run, all derived from N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// N: the keys grown to, and removed in `remove-all`.
    pub entries: usize,
    /// N / 100: the keys kept by `remove-99%` and live during `churn`.
    pub keep: usize,
    /// N / 10: churn's insert-new/remove-oldest steps (two operations each).
    pub churn_steps: usize,
    /// Runs over the same sequence; each operation keeps its fastest.
    pub runs: usize,
    /// The seed of the hasher, keys and removal order.
    pub seed: u64,
}

impl Plan {
    /// The plan for N = `entries` (at least [`MIN_ENTRIES`]) with
    /// [`DEFAULT_RUNS`] runs.
    pub fn new(entries: usize) -> Self {
        let entries = entries.max(MIN_ENTRIES);
        Self {
            entries,
            keep: entries / 100,
            churn_steps: entries / 10,
            runs: DEFAULT_RUNS,
            seed: SEED,
        }
    }

    /// The operations timed in `phase`.
    pub fn ops(&self, phase: Phase) -> usize {
        match phase {
            Phase::Grow | Phase::RemoveAll => self.entries,
            Phase::Remove99 => self.entries - self.keep,
            Phase::Churn => 2 * self.churn_steps,
        }
    }
}

/// The `i`th key: SplitMix64's finalizer, a bijection on `u64`, so the keys
/// are distinct without a set to check them and spread over the whole range.
pub fn key(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The order of the removals: a shuffle (Fisher-Yates, seeded) of the key
/// indices `0..n`.
///
/// # Panics
///
/// If `n` does not fit in a `u32`.
pub fn removal_order(n: usize, seed: u64) -> Vec<u32> {
    let top = u32::try_from(n).expect("at most u32::MAX keys");
    let mut order: Vec<u32> = (0..top).collect();
    let mut rng = Rng::new(seed);
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

/// Lowers each element of `into` to the matching element of `other`.
///
/// # Panics
///
/// If the lengths differ.
pub fn elementwise_min(into: &mut [u32], other: &[u32]) {
    assert_eq!(into.len(), other.len(), "runs of different lengths");
    for (a, &b) in into.iter_mut().zip(other) {
        *a = (*a).min(b);
    }
}

/// The percentile `parts_per_million` (e.g. [`P99_9`]) of `values` by the
/// nearest-rank method: the smallest value with at least that share of the
/// values at or below it (so p99.99 of fewer than 10,000 values is the
/// largest). Reorders `values`.
///
/// # Panics
///
/// If `values` is empty or `parts_per_million` is above 1,000,000.
pub fn percentile(values: &mut [u32], parts_per_million: u64) -> u32 {
    assert!(!values.is_empty(), "the percentile of no values");
    assert!(parts_per_million <= 1_000_000, "a share above 100%");
    let n = values.len() as u64;
    // Rank (1-based) = ceil(share * n), at least 1; integer arithmetic, so
    // p99.9 of 1,000 values is exactly the 999th.
    let rank = (parts_per_million * n).div_ceil(1_000_000).max(1);
    *values.select_nth_unstable(rank as usize - 1).1
}

/// One phase's figures for one map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseStats {
    /// `grow`, `remove-99%`, `churn` or `remove-all`.
    pub phase: String,
    /// Operations timed.
    pub ops: usize,
    /// The phase's total: the faster run's sum of its operations' times.
    pub total_ns: u64,
    /// Median of the per-operation minima.
    pub p50_ns: u32,
    /// p99 of the per-operation minima.
    pub p99_ns: u32,
    /// p99.9 of the per-operation minima.
    pub p99_9_ns: u32,
    /// p99.99 of the per-operation minima.
    pub p99_99_ns: u32,
    /// The longest operation: the largest per-operation minimum.
    pub longest_ns: u32,
    /// Its index in the phase (0-based).
    pub longest_index: usize,
    /// `insert` or `remove`.
    pub longest_op: String,
    /// Each run's own longest operation, before the minimum: what the
    /// minimum filtered out.
    pub runs_longest_ns: Vec<u32>,
}

impl PhaseStats {
    /// The figures of `phase` from its per-operation minima `ns`, the
    /// phase's total and each run's longest operation.
    ///
    /// # Panics
    ///
    /// If `ns` is empty.
    pub fn of(phase: Phase, ns: &[u32], total_ns: u64, runs_longest_ns: Vec<u32>) -> Self {
        let (longest_index, &longest_ns) = ns
            .iter()
            .enumerate()
            .max_by_key(|&(i, v)| (*v, std::cmp::Reverse(i)))
            .expect("a phase with no operation");
        let mut sorted = ns.to_vec();
        Self {
            phase: phase.name().to_string(),
            ops: ns.len(),
            total_ns,
            p50_ns: percentile(&mut sorted, P50),
            p99_ns: percentile(&mut sorted, P99),
            p99_9_ns: percentile(&mut sorted, P99_9),
            p99_99_ns: percentile(&mut sorted, P99_99),
            longest_ns,
            longest_index,
            longest_op: phase.op(longest_index).to_string(),
            runs_longest_ns,
        }
    }
}

/// One map's figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapPauses {
    /// The map's name.
    pub variant: String,
    /// `variant` (this workspace), `baseline` or `peer`.
    pub kind: Kind,
    /// `single` or `concurrent`.
    pub group: String,
    /// The phases, in order.
    pub phases: Vec<PhaseStats>,
    /// The median time of timing an empty operation in this process: the
    /// floor included in every operation's figure.
    pub timer_floor_ns: u32,
    /// Wall time of all runs, seconds.
    pub seconds: f64,
}

impl MapPauses {
    /// The figures of `phase`.
    pub fn phase(&self, phase: Phase) -> Option<&PhaseStats> {
        self.phases.iter().find(|p| p.phase == phase.name())
    }
}

/// The scenario's figures for every map: `reclaim --json`'s `pauses`, and
/// (with `meta`) the document of `pauses --json`.
#[derive(Debug, Clone, Serialize)]
pub struct PausesReport {
    /// The sizes.
    pub plan: Plan,
    /// The key and value types.
    pub entry: &'static str,
    /// `foldhash::fast::FixedState::with_seed(plan.seed)`.
    pub hasher: &'static str,
    /// `process` (each map in a fresh child process) or `in-process`.
    pub isolation: &'static str,
    /// One entry per map.
    pub results: Vec<MapPauses>,
    /// Requested names not built into this binary.
    pub unavailable: Vec<&'static str>,
}

/// What the scenario asks of a map: insert a key it does not hold, remove
/// one it holds.
pub trait PauseMap {
    /// Inserts `key`, which the map does not hold; whether it was new.
    fn insert_new(&mut self, key: u64, value: u64) -> bool;
    /// Removes `key`, which the map holds; whether it was there.
    fn remove_held(&mut self, key: u64) -> bool;
}

impl<M: ReclaimMap<u64, u64>> PauseMap for Via<M> {
    #[inline]
    fn insert_new(&mut self, key: u64, value: u64) -> bool {
        self.0.insert(key, value).is_none()
    }
    #[inline]
    fn remove_held(&mut self, key: u64) -> bool {
        self.0.remove(&key).is_some()
    }
}

macro_rules! pause_map_by_inherent_methods {
    ($($map:ty),* $(,)?) => {$(
        impl<S: BuildHasher> PauseMap for $map {
            #[inline]
            fn insert_new(&mut self, key: u64, value: u64) -> bool {
                self.insert(key, value).is_none()
            }
            #[inline]
            fn remove_held(&mut self, key: u64) -> bool {
                self.remove(&key).is_some()
            }
        }
    )*};
}

pause_map_by_inherent_methods!(
    hashbrown::HashMap<u64, u64, S>,
    std::collections::HashMap<u64, u64, S>,
    griddle::HashMap<u64, u64, S>,
);

/// scc's map is concurrent: its operations take `&self`.
impl<S: BuildHasher> PauseMap for scc::HashMap<u64, u64, S> {
    #[inline]
    fn insert_new(&mut self, key: u64, value: u64) -> bool {
        self.insert_sync(key, value).is_ok()
    }
    #[inline]
    fn remove_held(&mut self, key: u64) -> bool {
        self.remove_sync(&key).is_some()
    }
}

/// One map of the scenario.
#[derive(Debug, Clone, Copy)]
pub struct PauseVariant {
    /// The name in the report and on the command line.
    pub name: &'static str,
    /// `variant` (this workspace), `baseline` or `peer`.
    pub kind: Kind,
    /// Which table its rows go in.
    pub group: Group,
    run: fn(&Plan) -> MapPauses,
}

impl PauseVariant {
    /// Runs the scenario on this map, in this process.
    pub fn run(&self, plan: &Plan) -> MapPauses {
        let mut r = (self.run)(plan);
        r.variant = self.name.to_string();
        r.kind = self.kind;
        r.group = self.group.name().to_string();
        r
    }
}

/// Every map of the scenario: the registry's lines with a `with_hasher:`
/// constructor in report order, then [`for_each_pauses_peer!`](crate::for_each_pauses_peer)'s.
pub fn maps() -> Vec<PauseVariant> {
    let mut all = Vec::new();
    macro_rules! add {
        (variant, $name:literal, $group:ident, $make:expr) => {
            all.push(PauseVariant {
                name: $name,
                kind: Kind::Variant,
                group: Group::$group,
                run: |plan| {
                    let make = $make;
                    measure(plan, || Via(make(hasher(plan.seed))))
                },
            });
        };
        ($kind:ident, $name:literal, $group:ident, $make:expr) => {
            all.push(PauseVariant {
                name: $name,
                kind: $crate::registry_kind!($kind),
                group: Group::$group,
                run: |plan| {
                    let make = $make;
                    measure(plan, || make(hasher(plan.seed)))
                },
            });
        };
    }
    crate::for_each_variant!(@with_hasher add);
    let registered = all.len();
    crate::for_each_pauses_peer!(add);
    let order = registry::names();
    all[..registered].sort_by_key(|m| {
        order
            .iter()
            .position(|n| *n == m.name)
            .unwrap_or(order.len())
    });
    all
}

/// The names `maps()` gives, in order.
pub fn names() -> Vec<&'static str> {
    maps().iter().map(|m| m.name).collect()
}

/// Times `f` (an operation that reports success) with the clock read just
/// before and just after; the compiler fences keep the operation's memory
/// accesses between the two reads.
#[inline(always)]
fn timed(f: impl FnOnce() -> bool) -> (u32, bool) {
    let start = Instant::now();
    compiler_fence(Ordering::SeqCst);
    let ok = black_box(f());
    compiler_fence(Ordering::SeqCst);
    let ns = start.elapsed().as_nanos();
    (u32::try_from(ns).unwrap_or(u32::MAX), ok)
}

/// The median time of timing an empty operation, over 100,000 tries.
fn timer_floor_ns() -> u32 {
    let mut ns: Vec<u32> = (0..100_000).map(|_| timed(|| true).0).collect();
    percentile(&mut ns, P50)
}

/// One pass's per-phase sum of operation times and longest operation.
struct PassFigures {
    total_ns: [u64; 4],
    longest_ns: [u32; 4],
}

/// Runs the four phases once on maps made by `make`, writing each
/// operation's time into `out` (one buffer per phase, already sized).
///
/// # Panics
///
/// If a map says a fresh key was present or a held key missing.
#[inline(never)]
fn pass<M: PauseMap>(
    make: &impl Fn() -> M,
    plan: &Plan,
    order: &[u32],
    out: &mut [Vec<u32>; 4],
) -> PassFigures {
    let n = plan.entries;
    let keep = plan.keep;
    let mut figures = PassFigures {
        total_ns: [0; 4],
        longest_ns: [0; 4],
    };
    let mut record = |phase: usize, slot: &mut u32, (ns, ok): (u32, bool), what: &str| {
        assert!(ok, "{what}");
        *slot = ns;
        figures.total_ns[phase] += u64::from(ns);
        figures.longest_ns[phase] = figures.longest_ns[phase].max(ns);
    };
    let [grow, remove99, churn, remove_all] = out;

    let mut map = make();
    // Each key is made (and black-boxed) before the clock starts.
    for (i, slot) in grow.iter_mut().enumerate() {
        let k = black_box(key(i as u64));
        record(0, slot, timed(|| map.insert_new(k, k)), "grow: a new key");
    }
    for (&i, slot) in order[..n - keep].iter().zip(remove99.iter_mut()) {
        let k = black_box(key(u64::from(i)));
        record(
            1,
            slot,
            timed(|| map.remove_held(k)),
            "remove-99%: a held key",
        );
    }
    // The oldest live key at churn step s: the kept keys in removal order,
    // then the churn's own keys in insertion order.
    let kept = &order[n - keep..];
    let oldest = |s: usize| match kept.get(s) {
        Some(&i) => key(u64::from(i)),
        None => key((n + s - keep) as u64),
    };
    for (s, pair) in churn.chunks_exact_mut(2).enumerate() {
        let new = black_box(key((n + s) as u64));
        record(
            2,
            &mut pair[0],
            timed(|| map.insert_new(new, new)),
            "churn: a new key",
        );
        let old = black_box(oldest(s));
        record(
            2,
            &mut pair[1],
            timed(|| map.remove_held(old)),
            "churn: a held key",
        );
    }
    drop(map);

    let mut map = make();
    for i in 0..n as u64 {
        let k = key(i);
        assert!(map.insert_new(k, k), "remove-all fill: a new key");
    }
    for (&i, slot) in order.iter().zip(remove_all.iter_mut()) {
        let k = black_box(key(u64::from(i)));
        record(
            3,
            slot,
            timed(|| map.remove_held(k)),
            "remove-all: a held key",
        );
    }
    drop(map);
    figures
}

/// Runs `plan.runs` passes on maps made by `make` and summarises the
/// per-operation minima.
fn measure<M: PauseMap>(plan: &Plan, make: impl Fn() -> M) -> MapPauses {
    let started = Instant::now();
    let order = removal_order(plan.entries, plan.seed);
    let timer_floor_ns = timer_floor_ns();
    // Filled (not zeroed) before timing, so no first touch of a page of the
    // buffers falls between two operations.
    let buffers = || Phase::ALL.map(|p| vec![u32::MAX; plan.ops(p)]);
    let mut best = buffers();
    let mut scratch = if plan.runs > 1 {
        buffers()
    } else {
        Phase::ALL.map(|_| Vec::new())
    };
    let mut totals = [u64::MAX; 4];
    let mut runs_longest: [Vec<u32>; 4] = Default::default();
    for run in 0..plan.runs.max(1) {
        // The C allocator starts each run with what it holds given back.
        crate::rss::trim_allocator();
        let target = if run == 0 { &mut best } else { &mut scratch };
        let figures = pass(&make, plan, &order, target);
        if run > 0 {
            for (b, s) in best.iter_mut().zip(&scratch) {
                elementwise_min(b, s);
            }
        }
        for p in 0..4 {
            totals[p] = totals[p].min(figures.total_ns[p]);
            runs_longest[p].push(figures.longest_ns[p]);
        }
    }
    let phases = Phase::ALL
        .iter()
        .zip(best.iter().zip(runs_longest))
        .zip(totals)
        .map(|((&phase, (ns, longest)), total)| PhaseStats::of(phase, ns, total, longest))
        .collect();
    MapPauses {
        variant: String::new(),
        kind: Kind::Variant,
        group: String::new(),
        phases,
        timer_floor_ns,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Runs the scenario on `maps`, reporting progress through `progress`.
/// With `isolate`, each map runs in a fresh child process (this binary
/// re-run as `__child` with a [`crate::child::Job`]), so no map inherits another's heap.
pub fn run(
    plan: &Plan,
    maps: &[PauseVariant],
    isolate: bool,
    mut progress: impl FnMut(&str),
) -> Vec<MapPauses> {
    let mut results = Vec::with_capacity(maps.len());
    for (i, map) in maps.iter().enumerate() {
        progress(&format!(
            "[{}/{}] pauses {} ({} entries, {} runs) ...",
            i + 1,
            maps.len(),
            map.name,
            plan.entries,
            plan.runs
        ));
        let r = if isolate {
            match crate::child::run_pauses(plan, map.name) {
                Ok(mut r) => {
                    r.variant = map.name.to_string();
                    r.kind = map.kind;
                    r.group = map.group.name().to_string();
                    r
                }
                Err(e) => {
                    progress(&format!(
                        "    fresh process failed ({e}); running in this one"
                    ));
                    map.run(plan)
                }
            }
        } else {
            map.run(plan)
        };
        let longest: Vec<String> = r
            .phases
            .iter()
            .map(|p| format!("{} {}", p.phase, human(p.longest_ns)))
            .collect();
        progress(&format!(
            "    done in {:.2} s; longest: {}",
            r.seconds,
            longest.join(", ")
        ));
        results.push(r);
    }
    results
}

/// `ns` in the unit that reads best: `850 ns`, `12.3 us`, `312.5 ms`.
pub fn human(ns: u32) -> String {
    let ns = f64::from(ns);
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} us", ns / 1e3)
    } else {
        format!("{:.1} ms", ns / 1e6)
    }
}

/// `ns` in microseconds, with the decimals that matter at that size.
fn micros(ns: u32) -> String {
    let us = f64::from(ns) / 1e3;
    if us < 10.0 {
        format!("{us:.2}")
    } else if us < 100.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.0}")
    }
}

/// The tables: one per phase, one row per map (single-owner maps first).
pub fn render(report: &PausesReport, format: Format) -> String {
    let mut out = String::new();
    let md = format == Format::Markdown;
    let p = &report.plan;
    let floor = {
        let mut floors: Vec<u32> = report.results.iter().map(|r| r.timer_floor_ns).collect();
        if floors.is_empty() {
            0
        } else {
            percentile(&mut floors, P50)
        }
    };
    let heading = format!(
        "pauses: {} entries, {}, one map at a time; every insert and remove timed; each \
         operation's figure is its fastest of {} run(s) over the same keys and hasher seed; \
         us = microseconds, including about {floor} ns of timer per operation.",
        p.entries, report.entry, p.runs
    );
    if md {
        let _ = writeln!(out, "**{heading}**\n");
    } else {
        let _ = writeln!(out, "{heading}");
    }
    for phase in Phase::ALL {
        let title = format!(
            "pauses {}: {} ({} operations).",
            phase.name(),
            phase.describe(p),
            p.ops(phase)
        );
        if md {
            let _ = writeln!(out, "*{title}*\n");
        } else {
            let _ = writeln!(out, "{title}");
        }
        let mut single = Vec::new();
        let mut concurrent = Vec::new();
        for r in &report.results {
            let Some(s) = r.phase(phase) else { continue };
            let at = if phase == Phase::Churn {
                format!("{} ({})", s.longest_index, s.longest_op)
            } else {
                s.longest_index.to_string()
            };
            let row = vec![
                r.variant.clone(),
                format!("{:.1}", s.total_ns as f64 / 1e6),
                micros(s.p99_9_ns),
                micros(s.p99_99_ns),
                micros(s.longest_ns),
                at,
            ];
            if r.group == Group::Concurrent.name() {
                concurrent.push(row);
            } else {
                single.push(row);
            }
        }
        if !single.is_empty() && !concurrent.is_empty() {
            single.push(vec![String::new(); 6]);
        }
        single.extend(concurrent);
        table(
            &mut out,
            &[
                "variant",
                "total ms",
                "p99.9 us",
                "p99.99 us",
                "longest us",
                "longest at op",
            ],
            &single,
            format,
        );
        out.push('\n');
    }
    out
}

/// One CSV row per map and phase.
pub fn render_csv(report: &PausesReport) -> String {
    let mut out = String::from(
        "variant,kind,group,phase,entries,ops,total_ns,p50_ns,p99_ns,p99_9_ns,p99_99_ns,longest_ns,longest_index,longest_op,timer_floor_ns\n",
    );
    for r in &report.results {
        for s in &r.phases {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                r.variant,
                r.kind.name(),
                r.group,
                s.phase,
                report.plan.entries,
                s.ops,
                s.total_ns,
                s.p50_ns,
                s.p99_ns,
                s.p99_9_ns,
                s.p99_99_ns,
                s.longest_ns,
                s.longest_index,
                s.longest_op,
                r.timer_floor_ns
            );
        }
    }
    out
}
