//! `bench-suite throughput`: every map of the registry's timed list but the
//! concurrent peers (the workspace's variants through `ReclaimMap`,
//! hashbrown and std by their own methods) timed on the same workloads, interleaved round by round in one process, with the
//! median of each round's ratio to hashbrown and its spread. On a shared,
//! noisy machine ratios taken side by side in one run are what can be
//! compared; a row whose per-round ratios spread by more than
//! [`NOISY_SPREAD`] gets a warning. The median and spread are [`crate::stats`]'s.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use map_conformance::alloc::Counter;

pub use crate::stats::NOISY_SPREAD;
use crate::stats::{self, median, Spread};
use crate::workloads::{self, BenchMap, BenchValue, Via};

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

/// The map every ratio is to (listed first).
pub const REFERENCE: &str = "hashbrown";

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

fn time_map<V: BenchValue, M: BenchMap<u64, V>>(
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

    // A second map with the same contents, built untimed, for the removals.
    let mut copy = make();
    workloads::insert_all::<V, M>(&mut copy, hits);
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

/// Times one map once over the shared keys.
type Timer<'a> = Box<dyn Fn() -> Round + 'a>;

fn run_with<V: BenchValue>(
    entries: usize,
    rounds: usize,
    mut progress: impl FnMut(&str),
) -> String {
    // 2n distinct keys: the first n fill the map, the rest are churn's new keys.
    let (all, mut misses) = workloads::keys(2 * entries, 0x5eed);
    misses.truncate(entries);
    let (hits, fresh) = all.split_at(entries);
    let misses = &misses[..];
    // About a million refill inserts per round, whatever the batch size.
    let refill_rounds = (1_000_000 / entries.clamp(1, REFILL_ENTRIES)).max(1);
    let mut maps: Vec<(&'static str, Timer<'_>)> = Vec::new();
    // Every map of the registry's timed list but the concurrent peers (the
    // `concurrent` subcommand times those on several threads); hashbrown,
    // the reference, first, and map-core's manual policy beside map-core.
    macro_rules! registered {
        (peer, $name:literal, Concurrent, $make:expr) => {};
        ($kind:ident, $name:literal, $group:ident, $make:expr) => {
            let timed: Timer<'_> =
                Box::new(move || time_map::<V, _>($make, hits, misses, fresh, refill_rounds));
            if $name == REFERENCE {
                maps.insert(0, ($name, timed));
            } else {
                maps.push(($name, timed));
            }
            if $name == "map-core" {
                // The same code under the manual policy: nothing given back,
                // so beside map-core it separates the cost of the policy's
                // checks from the cost of giving memory back.
                maps.push((
                    "map-core (manual)",
                    Box::new(move || {
                        time_map::<V, _>(
                            || {
                                Via(map_core::HashMap::<u64, V>::with_policy(
                                    map_core::ReclaimPolicy::manual(),
                                ))
                            },
                            hits,
                            misses,
                            fresh,
                            refill_rounds,
                        )
                    }),
                ));
            }
        };
    }
    crate::for_each_variant!(@timed registered);

    let mut samples: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); OPS.len()]; maps.len()];
    let mut calls: Vec<Vec<f64>> = vec![Vec::new(); maps.len()];
    for round in 0..rounds {
        // Rotate the order so no map always runs first (warm caches, heap state).
        for m in stats::rotation(round, maps.len()) {
            let r = (maps[m].1)();
            for (op, secs) in r.secs.into_iter().enumerate() {
                samples[m][op].push(secs);
            }
            calls[m].push(r.refill_calls);
        }
        progress(&format!("round {}/{} done", round + 1, rounds));
    }

    let names: Vec<&str> = maps.iter().map(|(n, _)| *n).collect();
    let batch = entries.min(REFILL_ENTRIES);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "throughput: {entries} u64 -> {} entries, {rounds} rounds interleaved in one process; \
         median ns per entry (per pair for churn, per inserted entry for clear-refill: \
         {refill_rounds} rounds of clear() + {batch} inserts). The workspace's variants through \
         ReclaimMap, hashbrown and std by their own methods. map-core and hashbrown share \
         foldhash; std uses SipHash.",
        V::NAME
    );
    let per = |op: usize| -> f64 {
        if OPS[op] == "clear-refill" {
            (refill_rounds * batch) as f64
        } else {
            entries as f64
        }
    };
    let mut rows = Vec::new();
    for (op, name) in OPS.iter().enumerate() {
        let mut row = vec![name.to_string()];
        for per_map in &samples {
            row.push(format!("{:.1}", median(&per_map[op]) * 1e9 / per(op)));
        }
        rows.push(row);
    }
    let mut header = vec!["ns/entry"];
    header.extend(&names);
    crate::render::table(&mut out, &header, &rows, crate::render::Format::Text);

    let _ = writeln!(
        out,
        "\nratio to hashbrown: median of the per-round ratios (min-max over the rounds)"
    );
    let mut rows = Vec::new();
    let mut noisy = Vec::new();
    for (op, name) in OPS.iter().enumerate() {
        let mut row = vec![name.to_string()];
        let mut noisy_here = Vec::new();
        for m in 1..maps.len() {
            let spread = Spread::of_ratios(&samples[m][op], &samples[0][op]);
            if spread.is_noisy() {
                noisy_here.push(format!("{} {}", names[m], spread.range()));
            }
            row.push(spread.ratio_cell());
        }
        if !noisy_here.is_empty() {
            noisy.push(format!("{name}: {}", noisy_here.join(", ")));
        }
        rows.push(row);
    }
    let mut header = vec!["op"];
    header.extend(&names[1..]);
    crate::render::table(&mut out, &header, &rows, crate::render::Format::Text);
    stats::write_noise_warning(&mut out, &noisy);
    let calls: Vec<String> = names
        .iter()
        .zip(&calls)
        .map(|(n, c)| format!("{n} {:.1}", median(c)))
        .collect();
    let _ = writeln!(
        out,
        "allocator calls per clear-refill round (median): {}",
        calls.join(", ")
    );
    out
}
