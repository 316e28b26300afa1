//! `bench-suite throughput`: map-core, hashbrown and std timed on the same
//! workloads, interleaved round by round in one process, with the median of
//! each round's ratio to hashbrown. On a shared, noisy machine ratios taken
//! side by side in one run are what can be compared.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use crate::workloads::{self, BenchMap};

/// The operations timed.
pub const OPS: [&str; 5] = ["insert", "get-hit", "get-miss", "remove-all", "churn"];

/// The maps timed, hashbrown (the reference) first.
pub const MAPS: [&str; 3] = ["hashbrown", "map-core", "std"];

/// Seconds per operation: `[map][op]`, one sample per round.
type Samples = Vec<Vec<Vec<f64>>>;

fn time_map<M: BenchMap + Clone>(
    make: impl Fn() -> M,
    hits: &[u64],
    misses: &[u64],
    fresh: &[u64],
) -> [f64; 5] {
    let n = hits.len();
    let start = Instant::now();
    let mut map = make();
    workloads::insert_all(&mut map, hits);
    let insert = start.elapsed().as_secs_f64();

    let start = Instant::now();
    assert_eq!(black_box(workloads::get_all(&map, hits)), n);
    let get_hit = start.elapsed().as_secs_f64();

    let start = Instant::now();
    assert_eq!(black_box(workloads::get_all(&map, misses)), 0);
    let get_miss = start.elapsed().as_secs_f64();

    let copy = map.clone();
    let start = Instant::now();
    assert_eq!(black_box(workloads::remove_all_and_drop(copy, hits)), n);
    let remove_all = start.elapsed().as_secs_f64();

    // Churn: the filled map takes `n` new keys, each followed by removing the oldest.
    let keys: Vec<u64> = hits.iter().chain(fresh).copied().collect();
    let start = Instant::now();
    workloads::churn(&mut map, &keys, n);
    let churn = start.elapsed().as_secs_f64();
    drop(black_box(map));
    [insert, get_hit, get_miss, remove_all, churn]
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

/// Runs `rounds` rounds at `entries` entries, reporting each round through
/// `progress`, and returns the printed summary.
pub fn run(entries: usize, rounds: usize, mut progress: impl FnMut(&str)) -> String {
    // 2n distinct keys: the first n fill the map, the rest are churn's new keys.
    let (all, mut misses) = workloads::keys(2 * entries, 0x5eed);
    misses.truncate(entries);
    let (hits, fresh) = all.split_at(entries);
    let mut samples: Samples = vec![vec![Vec::new(); OPS.len()]; MAPS.len()];
    for round in 0..rounds {
        // Rotate the order so no map always runs first (warm caches, heap state).
        for i in 0..MAPS.len() {
            let m = (i + round) % MAPS.len();
            let t = match MAPS[m] {
                "hashbrown" => time_map(hashbrown::HashMap::<u64, u64>::new, hits, &misses, fresh),
                "map-core" => time_map(map_core::HashMap::<u64, u64>::new, hits, &misses, fresh),
                _ => time_map(
                    std::collections::HashMap::<u64, u64>::new,
                    hits,
                    &misses,
                    fresh,
                ),
            };
            for (op, secs) in t.into_iter().enumerate() {
                samples[m][op].push(secs);
            }
        }
        progress(&format!("round {}/{} done", round + 1, rounds));
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "throughput: {entries} u64->u64 entries, {rounds} rounds interleaved in one process; \
         median ns per entry (per pair for churn), and the median of the per-round ratios \
         to hashbrown \
         (map-core and hashbrown share foldhash; std uses SipHash)"
    );
    let _ = writeln!(
        out,
        "{:<11} {:>10} {:>10} {:>10} {:>9} {:>9}",
        "ns/entry", "hashbrown", "map-core", "std", "core/hb", "std/hb"
    );
    for (op, name) in OPS.iter().enumerate() {
        let mut ns = [0.0; 3];
        for (m, slot) in ns.iter_mut().enumerate() {
            *slot = median(&mut samples[m][op].clone()) * 1e9 / entries as f64;
        }
        let ratio = |m: usize| {
            let mut r: Vec<f64> = samples[m][op]
                .iter()
                .zip(&samples[0][op])
                .map(|(a, b)| a / b)
                .collect();
            median(&mut r)
        };
        let _ = writeln!(
            out,
            "{:<11} {:>10.1} {:>10.1} {:>10.1} {:>8.3}x {:>8.3}x",
            name,
            ns[0],
            ns[1],
            ns[2],
            ratio(1),
            ratio(2)
        );
    }
    out
}
