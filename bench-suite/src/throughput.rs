//! `bench-suite throughput`: map-core, hashbrown and std timed on the same
//! workloads, interleaved round by round in one process, with the median of
//! each round's ratio to hashbrown. On a shared, noisy machine ratios taken
//! side by side in one run are what can be compared.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use map_conformance::alloc::Counter;
use map_core::ReclaimPolicy;

use crate::workloads::{self, BenchMap, BenchValue};

/// The operations timed. `remove` times the removal loop alone;
/// `remove+drop` adds dropping the emptied map, where a map that does not
/// shrink frees its table; `clear-refill` is `clear()` then a refill of the
/// same keys, [`REFILL_ENTRIES`] entries at a time.
pub const OPS: [&str; 7] = [
    "insert",
    "get-hit",
    "get-miss",
    "remove",
    "remove+drop",
    "churn",
    "clear-refill",
];

/// The maps timed, hashbrown (the reference) first. `manual` is map-core
/// under `ReclaimPolicy::manual()`: the same code paths, with nothing given
/// back, so `core/hb` against `manual/hb` separates the cost of the policy's
/// checks from the cost of returning memory (the shrinks and frees).
pub const MAPS: [&str; 4] = ["hashbrown", "map-core", "manual", "std"];

/// The value types the tool can store (`--value`).
pub const VALUES: [&str; 3] = ["u64", "string", "bytes128"];

/// Entries per clear-and-refill round: a map reused for small batches, the
/// common idiom the round measures.
pub const REFILL_ENTRIES: usize = 1_000;

/// One map's figures for one round: seconds per op, and the allocator calls
/// per clear-and-refill round.
struct Round {
    secs: [f64; OPS.len()],
    refill_calls: f64,
}

fn time_map<V: BenchValue, M: BenchMap<V> + Clone>(
    make: impl Fn() -> M,
    hits: &[u64],
    misses: &[u64],
    fresh: &[u64],
    refill_rounds: usize,
) -> Round {
    let n = hits.len();
    let mut secs = [0.0; OPS.len()];
    let start = Instant::now();
    let mut map = make();
    workloads::insert_all::<V, M>(&mut map, hits);
    secs[0] = start.elapsed().as_secs_f64();

    let start = Instant::now();
    assert_eq!(black_box(workloads::get_all(&map, hits)), n);
    secs[1] = start.elapsed().as_secs_f64();

    let start = Instant::now();
    assert_eq!(black_box(workloads::get_all(&map, misses)), 0);
    secs[2] = start.elapsed().as_secs_f64();

    let mut copy = map.clone();
    let start = Instant::now();
    assert_eq!(black_box(workloads::remove_all(&mut copy, hits)), n);
    secs[3] = start.elapsed().as_secs_f64();
    drop(black_box(copy));
    secs[4] = start.elapsed().as_secs_f64();

    // Churn: the filled map takes `n` new keys, each followed by removing the oldest.
    let keys: Vec<u64> = hits.iter().chain(fresh).copied().collect();
    let start = Instant::now();
    workloads::churn::<V, M>(&mut map, &keys, n);
    secs[5] = start.elapsed().as_secs_f64();
    drop(black_box(map));

    // Clear and refill: a map already filled once, then `refill_rounds` rounds.
    let batch = &hits[..n.min(REFILL_ENTRIES)];
    let mut map = make();
    workloads::insert_all::<V, M>(&mut map, batch);
    // Values that allocate (String) are made inside the rounds: count the
    // map's own calls only.
    let counter = Counter::start();
    for &k in batch {
        black_box(V::make(k));
    }
    let value_calls = counter.calls() as f64;
    let counter = Counter::start();
    let start = Instant::now();
    workloads::clear_and_refill::<V, M>(&mut map, batch, refill_rounds);
    secs[6] = start.elapsed().as_secs_f64();
    let refill_calls = counter.calls() as f64 / refill_rounds as f64 - value_calls;
    drop(black_box(map));
    Round { secs, refill_calls }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let mid = values.len() / 2;
    if values.len() % 2 == 0 {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

/// Runs `rounds` rounds at `entries` entries with values of type `value`
/// (one of [`VALUES`]), reporting each round through `progress`, and returns
/// the printed summary.
///
/// # Panics
///
/// If `value` is not one of [`VALUES`].
pub fn run(entries: usize, rounds: usize, value: &str, progress: impl FnMut(&str)) -> String {
    match value {
        "u64" => run_with::<u64>(entries, rounds, progress),
        "string" => run_with::<String>(entries, rounds, progress),
        "bytes128" => run_with::<[u8; 128]>(entries, rounds, progress),
        other => panic!("unknown value type `{other}` (known: {VALUES:?})"),
    }
}

fn run_with<V: BenchValue>(
    entries: usize,
    rounds: usize,
    mut progress: impl FnMut(&str),
) -> String {
    // 2n distinct keys: the first n fill the map, the rest are churn's new keys.
    let (all, mut misses) = workloads::keys(2 * entries, 0x5eed);
    misses.truncate(entries);
    let (hits, fresh) = all.split_at(entries);
    // About a million refill inserts per round, whatever the batch size.
    let refill_rounds = (1_000_000 / entries.clamp(1, REFILL_ENTRIES)).max(1);
    let mut samples: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); OPS.len()]; MAPS.len()];
    let mut calls: Vec<Vec<f64>> = vec![Vec::new(); MAPS.len()];
    for round in 0..rounds {
        // Rotate the order so no map always runs first (warm caches, heap state).
        for i in 0..MAPS.len() {
            let m = (i + round) % MAPS.len();
            let r = match MAPS[m] {
                "hashbrown" => time_map::<V, _>(
                    hashbrown::HashMap::<u64, V>::new,
                    hits,
                    &misses,
                    fresh,
                    refill_rounds,
                ),
                "map-core" => time_map::<V, _>(
                    map_core::HashMap::<u64, V>::new,
                    hits,
                    &misses,
                    fresh,
                    refill_rounds,
                ),
                "manual" => time_map::<V, _>(
                    || map_core::HashMap::<u64, V>::with_policy(ReclaimPolicy::manual()),
                    hits,
                    &misses,
                    fresh,
                    refill_rounds,
                ),
                _ => time_map::<V, _>(
                    std::collections::HashMap::<u64, V>::new,
                    hits,
                    &misses,
                    fresh,
                    refill_rounds,
                ),
            };
            for (op, secs) in r.secs.into_iter().enumerate() {
                samples[m][op].push(secs);
            }
            calls[m].push(r.refill_calls);
        }
        progress(&format!("round {}/{} done", round + 1, rounds));
    }

    let batch = entries.min(REFILL_ENTRIES);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "throughput: {entries} u64 -> {} entries, {rounds} rounds interleaved in one process; \
         median ns per entry (per pair for churn, per inserted entry for clear-refill: \
         {refill_rounds} rounds of clear() + {batch} inserts), the median of the per-round \
         ratios to hashbrown and their spread (min-max); manual = map-core under the manual \
         policy (nothing given back). map-core and hashbrown share foldhash; std uses SipHash.",
        V::NAME
    );
    let _ = writeln!(
        out,
        "{:<13} {:>9} {:>9} {:>9} {:>9} {:>8} {:>15} {:>10} {:>8}",
        "ns/entry",
        "hashbrown",
        "map-core",
        "manual",
        "std",
        "core/hb",
        "spread",
        "manual/hb",
        "std/hb"
    );
    for (op, name) in OPS.iter().enumerate() {
        let per = if OPS[op] == "clear-refill" {
            (refill_rounds * batch) as f64
        } else {
            entries as f64
        };
        let mut ns = [0.0; MAPS.len()];
        for (m, slot) in ns.iter_mut().enumerate() {
            *slot = median(&mut samples[m][op].clone()) * 1e9 / per;
        }
        let ratios = |m: usize| -> Vec<f64> {
            samples[m][op]
                .iter()
                .zip(&samples[0][op])
                .map(|(a, b)| a / b)
                .collect()
        };
        let core = ratios(1);
        let (lo, hi) = core
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        let _ = writeln!(
            out,
            "{:<13} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>7.3}x {:>7.3}-{:<7.3} {:>9.3}x {:>7.3}x",
            name,
            ns[0],
            ns[1],
            ns[2],
            ns[3],
            median(&mut core.clone()),
            lo,
            hi,
            median(&mut ratios(2)),
            median(&mut ratios(3))
        );
    }
    let _ = writeln!(
        out,
        "allocator calls per clear-refill round (median): hashbrown {:.1}, map-core {:.1}, \
         manual {:.1}, std {:.1}",
        median(&mut calls[0]),
        median(&mut calls[1]),
        median(&mut calls[2]),
        median(&mut calls[3])
    );
    out
}
