//! `bench-suite handles`: pooled-map's handles beside lookups by key, and
//! its steady churn, against `hashbrown::HashMap`, on `(u64, [u8; 128])`
//! entries.
//!
//! * lookup: a map of `entries` entries, `lookups` probes in random order
//!   through hashbrown's `get`, `PooledMap::get` and
//!   `PooledMap::get_by_handle`;
//! * steady churn: `live` entries, then in each round `pairs`
//!   insert-new/remove-oldest pairs on hashbrown, on `PooledMap` by key and
//!   on `PooledMap` by handle (`insert_with_handle`, `remove_by_handle`),
//!   after a warm-up of `4 * live` pairs that brings the index to its steady
//!   size.
//!
//! The maps take turns within each round in rotating order; printed are the
//! median ns per operation and the median of the per-round ratios to
//! hashbrown, with their range ([`crate::stats`]).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use map_conformance::Rng;
use pooled_map::HandleMap;
use pooled_map::{Handle, PooledMap};

use crate::stats;
use crate::workloads;

type Value = [u8; 128];

/// The sizes and rounds of one run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Entries in the lookup maps.
    pub entries: usize,
    /// Probes per map per round.
    pub lookups: usize,
    /// Entries live during the churn.
    pub live: usize,
    /// Insert-new/remove-oldest pairs per map per round.
    pub pairs: usize,
    /// Rounds.
    pub rounds: usize,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            entries: 100_000,
            lookups: 2_000_000,
            live: 10_000,
            pairs: 250_000,
            rounds: 15,
        }
    }
}

const LOOKUP: [&str; 3] = [
    "hashbrown get(key)",
    "pooled-map get(key)",
    "pooled-map get_by_handle",
];
const CHURN: [&str; 3] = [
    "hashbrown insert+remove",
    "pooled-map insert+remove",
    "pooled-map by handle",
];

fn ns_per_op(ops: usize, f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_nanos() as f64 / ops.max(1) as f64
}

/// Runs the plan, reporting each round through `progress`; returns the
/// printed summary.
pub fn run(plan: Plan, mut progress: impl FnMut(&str)) -> String {
    let lookups = time_lookups(&plan, &mut progress);
    let churn = time_churn(&plan, &mut progress);

    let mut out = String::new();
    let _ = writeln!(
        out,
        "handles: PooledMap beside hashbrown::HashMap, (u64, [u8; 128]) entries, {} rounds \
         interleaved in one process; median ns per op, and the median of the per-round ratios \
         to hashbrown (min-max over the rounds; below 1 is faster)",
        plan.rounds
    );
    let mut noisy = Vec::new();
    let _ = writeln!(
        out,
        "\nlookup: {} entries, {} probes in random order",
        plan.entries, plan.lookups
    );
    let rows: Vec<(&str, &[f64])> = LOOKUP
        .iter()
        .zip(&lookups)
        .map(|(n, s)| (*n, &s[..]))
        .collect();
    stats::write_comparison(
        &mut out,
        "lookup",
        ["lookup", "ns/op", "ratio to hashbrown"],
        2,
        &rows,
        &mut noisy,
    );
    let _ = writeln!(
        out,
        "\nsteady churn: {} live, {} insert-new + remove-oldest pairs a round",
        plan.live, plan.pairs
    );
    let rows: Vec<(&str, &[f64])> = CHURN
        .iter()
        .zip(&churn)
        .map(|(n, s)| (*n, &s[..]))
        .collect();
    stats::write_comparison(
        &mut out,
        "churn",
        ["churn", "ns/pair", "ratio to hashbrown"],
        2,
        &rows,
        &mut noisy,
    );
    stats::write_noise_warning(&mut out, &noisy);
    out
}

/// Per contestant, its ns per lookup in each round.
fn time_lookups(plan: &Plan, progress: &mut impl FnMut(&str)) -> [Vec<f64>; 3] {
    let (keys, _) = workloads::keys(plan.entries, 0x4a4d);
    let mut hb: hashbrown::HashMap<u64, Value> = hashbrown::HashMap::new();
    let mut pooled: PooledMap<u64, Value> = PooledMap::new();
    let mut handles = Vec::with_capacity(keys.len());
    for &k in &keys {
        hb.insert(k, [k as u8; 128]);
        handles.push(pooled.insert_with_handle(k, [k as u8; 128]).0);
    }
    let mut rng = Rng::new(0x9e0b);
    let picks: Vec<usize> = (0..plan.lookups)
        .map(|_| rng.below(keys.len() as u64) as usize)
        .collect();
    let probe: Vec<u64> = picks.iter().map(|&i| keys[i]).collect();
    let probe_handles: Vec<Handle> = picks.iter().map(|&i| handles[i]).collect();
    drop(picks);

    let mut samples: [Vec<f64>; 3] = Default::default();
    for round in 0..plan.rounds {
        for turn in stats::rotation(round, 3) {
            let ns = match turn {
                0 => ns_per_op(probe.len(), || {
                    let mut sum = 0u64;
                    for k in &probe {
                        sum += hb.get(black_box(k)).map_or(0, |v| v[0] as u64);
                    }
                    black_box(sum);
                }),
                1 => ns_per_op(probe.len(), || {
                    let mut sum = 0u64;
                    for k in &probe {
                        sum += pooled.get(black_box(k)).map_or(0, |v| v[0] as u64);
                    }
                    black_box(sum);
                }),
                _ => ns_per_op(probe_handles.len(), || {
                    let mut sum = 0u64;
                    for h in &probe_handles {
                        sum += pooled
                            .get_by_handle(black_box(*h))
                            .map_or(0, |v| v[0] as u64);
                    }
                    black_box(sum);
                }),
            };
            samples[turn].push(ns);
        }
        progress(&format!("lookup round {}/{} done", round + 1, plan.rounds));
    }
    samples
}

/// The three churning maps, each continuing from where its last turn ended.
struct Churners {
    hb: hashbrown::HashMap<u64, Value>,
    pooled: PooledMap<u64, Value>,
    by_handle: PooledMap<u64, Value>,
    /// `by_handle`'s handles, oldest first.
    ring: VecDeque<Handle>,
    /// Per map, its oldest live key: keys `oldest..oldest + live` are live.
    oldest: [u64; 3],
    live: u64,
}

impl Churners {
    fn new(live: usize) -> Self {
        let mut c = Churners {
            hb: hashbrown::HashMap::new(),
            pooled: PooledMap::new(),
            by_handle: PooledMap::new(),
            ring: VecDeque::with_capacity(live + 1),
            oldest: [0; 3],
            live: live as u64,
        };
        for k in 0..c.live {
            c.hb.insert(k, [0; 128]);
            c.pooled.insert(k, [0; 128]);
            c.ring
                .push_back(c.by_handle.insert_with_handle(k, [0; 128]).0);
        }
        c
    }

    /// `pairs` insert-new/remove-oldest pairs on map `which`; ns per pair.
    fn churn(&mut self, which: usize, pairs: usize) -> f64 {
        let from = self.oldest[which];
        let to = from + pairs as u64;
        self.oldest[which] = to;
        let live = self.live;
        ns_per_op(pairs, || match which {
            0 => {
                for old in from..to {
                    self.hb.insert(black_box(old + live), [old as u8; 128]);
                    black_box(self.hb.remove(&old));
                }
            }
            1 => {
                for old in from..to {
                    self.pooled.insert(black_box(old + live), [old as u8; 128]);
                    black_box(self.pooled.remove(&old));
                }
            }
            _ => {
                for old in from..to {
                    let (h, _) = self
                        .by_handle
                        .insert_with_handle(black_box(old + live), [old as u8; 128]);
                    self.ring.push_back(h);
                    let first = self.ring.pop_front().expect("live entries");
                    black_box(self.by_handle.remove_by_handle(first));
                }
            }
        })
    }
}

/// Per contestant, its ns per churn pair in each round.
fn time_churn(plan: &Plan, progress: &mut impl FnMut(&str)) -> [Vec<f64>; 3] {
    let mut maps = Churners::new(plan.live);
    for which in 0..3 {
        maps.churn(which, 4 * plan.live);
    }
    let mut samples: [Vec<f64>; 3] = Default::default();
    for round in 0..plan.rounds {
        for turn in stats::rotation(round, 3) {
            samples[turn].push(maps.churn(turn, plan.pairs));
        }
        progress(&format!("churn round {}/{} done", round + 1, plan.rounds));
    }
    samples
}
