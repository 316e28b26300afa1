//! The `pauses` scenario: the longest single insert or remove of every map.
//!
//! A map that grows all at once, or shrinks all at once inside a `remove`,
//! is fast on average and slow once: one operation moves the whole table.
//! This scenario times every operation one by one, on one map at a time,
//! through five phases:
//!
//! 1. `grow`: insert N keys into an empty map;
//! 2. `remove-99%`: remove all but N / 100 of them, in a shuffled order;
//! 3. `churn`: N / 10 steps of inserting a new key and removing the oldest,
//!    so N / 100 stay live (10 turnovers of the live set);
//! 4. `remove-all`: fill a fresh map with the N keys (untimed), then remove
//!    every one, in the same shuffled order;
//! 5. `regrow`: insert the N keys again into the map `remove-all` emptied
//!    (a map that gave its memory back grows again).
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
//! with a `with_hasher:` constructor: every workspace variant, std and
//! hashbrown, and the peers timed only here, griddle (incremental growth,
//! never shrinks) and scc (concurrent, incremental resize, shrinks).

use std::hint::black_box;
use std::sync::atomic::{compiler_fence, Ordering};
use std::time::Instant;

use map_conformance::Rng;

use crate::model::pauses::{percentile, MapPauses, Phase, PhaseStats, Plan, P50};
use crate::model::{Group, Kind};
use crate::workloads::BenchMap;

/// The hasher every map of the scenario hashes with.
pub type Hasher = foldhash::fast::FixedState;

/// The hasher built from `seed`: the same hashes in every map and run.
pub fn hasher(seed: u64) -> Hasher {
    foldhash::fast::FixedState::with_seed(seed)
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

/// The number of phases.
const PHASES: usize = Phase::ALL.len();

/// One pass's per-phase sum of operation times and longest operation.
struct PassFigures {
    total_ns: [u64; PHASES],
    longest_ns: [u32; PHASES],
}

/// Runs the phases once on maps made by `make`, writing each
/// operation's time into `out` (one buffer per phase, already sized).
///
/// # Panics
///
/// If a map says a fresh key was present or a held key missing.
#[inline(never)]
fn pass<M: BenchMap<u64, u64>>(
    make: &impl Fn() -> M,
    plan: &Plan,
    order: &[u32],
    out: &mut [Vec<u32>; PHASES],
) -> PassFigures {
    let n = plan.entries;
    let keep = plan.keep;
    let mut figures = PassFigures {
        total_ns: [0; PHASES],
        longest_ns: [0; PHASES],
    };
    let mut record = |phase: usize, slot: &mut u32, (ns, ok): (u32, bool), what: &str| {
        assert!(ok, "{what}");
        *slot = ns;
        figures.total_ns[phase] += u64::from(ns);
        figures.longest_ns[phase] = figures.longest_ns[phase].max(ns);
    };
    let [grow, remove99, churn, remove_all, regrow] = out;

    let mut map = make();
    // Each key is made (and black-boxed) before the clock starts.
    for (i, slot) in grow.iter_mut().enumerate() {
        let k = black_box(key(i as u64));
        record(0, slot, timed(|| map.put(k, k)), "grow: a new key");
    }
    for (&i, slot) in order[..n - keep].iter().zip(remove99.iter_mut()) {
        let k = black_box(key(u64::from(i)));
        record(
            1,
            slot,
            timed(|| map.take(&k).is_some()),
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
            timed(|| map.put(new, new)),
            "churn: a new key",
        );
        let old = black_box(oldest(s));
        record(
            2,
            &mut pair[1],
            timed(|| map.take(&old).is_some()),
            "churn: a held key",
        );
    }
    drop(map);

    let mut map = make();
    for i in 0..n as u64 {
        let k = key(i);
        assert!(map.put(k, k), "remove-all fill: a new key");
    }
    for (&i, slot) in order.iter().zip(remove_all.iter_mut()) {
        let k = black_box(key(u64::from(i)));
        record(
            3,
            slot,
            timed(|| map.take(&k).is_some()),
            "remove-all: a held key",
        );
    }
    for (i, slot) in regrow.iter_mut().enumerate() {
        let k = black_box(key(i as u64));
        record(4, slot, timed(|| map.put(k, k)), "regrow: a removed key");
    }
    drop(map);
    figures
}

/// Runs `plan.runs` passes on maps made by `make` and summarises the
/// per-operation minima.
pub(crate) fn measure<M: BenchMap<u64, u64>>(plan: &Plan, make: impl Fn() -> M) -> MapPauses {
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
    let mut totals = [u64::MAX; PHASES];
    let mut runs_longest: [Vec<u32>; PHASES] = Default::default();
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
        for p in 0..PHASES {
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
        group: Group::Single,
        phases,
        timer_floor_ns,
        seconds: started.elapsed().as_secs_f64(),
    }
}
