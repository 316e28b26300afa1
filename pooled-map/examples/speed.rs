//! Side-by-side speed of `PooledMap` and `hashbrown::HashMap` in one
//! process: lookups by handle against lookups by key, and steady churn of
//! `(u64, [u8; 128])` entries. Several rounds, median figures.
//!
//! ```text
//! cargo run --release -p pooled-map --example speed
//! ```

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::Instant;

use pooled_map::{Handle, PooledMap};

type Value = [u8; 128];

const ENTRIES: u64 = 100_000;
const LOOKUPS: usize = 2_000_000;
const LIVE: u64 = 10_000;
const CHURN: u64 = 1_000_000;
const ROUNDS: usize = 15;

/// A fixed pseudo-random order (SplitMix64), the same for every map.
fn shuffled(n: u64, seed: u64) -> Vec<u64> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut keys: Vec<u64> = (0..n).collect();
    for i in (1..keys.len()).rev() {
        keys.swap(i, (next() % (i as u64 + 1)) as usize);
    }
    keys
}

fn time_ns_per_op(ops: usize, f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_nanos() as f64 / ops as f64
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

fn main() {
    // --- lookups -----------------------------------------------------------
    let order = shuffled(ENTRIES, 1);
    let mut hb: hashbrown::HashMap<u64, Value> = hashbrown::HashMap::new();
    let mut pooled: PooledMap<u64, Value> = PooledMap::new();
    let mut handle_of_key = vec![None; ENTRIES as usize];
    for &k in &order {
        hb.insert(k, [k as u8; 128]);
        handle_of_key[k as usize] = Some(pooled.insert_with_handle(k, [k as u8; 128]).0);
    }
    let probe: Vec<u64> = (0..LOOKUPS)
        .map(|i| order[(i * 7919) % order.len()])
        .collect();
    let probe_handles: Vec<Handle> = probe
        .iter()
        .map(|&k| handle_of_key[k as usize].unwrap())
        .collect();

    // Each round times the variants back to back, in rotating order, and
    // the ratios are taken within the round: on a busy machine the load
    // drifts between rounds, much less within one.
    let (mut hb_get, mut pooled_get, mut handle_get) = (vec![], vec![], vec![]);
    let (mut pooled_get_ratio, mut handle_get_ratio) = (vec![], vec![]);
    for round in 0..ROUNDS {
        let mut times = [0.0; 3];
        for turn in 0..3 {
            let variant = (round + turn) % 3;
            times[variant] = match variant {
                0 => time_ns_per_op(LOOKUPS, || {
                    let mut sum = 0u64;
                    for k in &probe {
                        sum += hb.get(black_box(k)).map_or(0, |v| v[0] as u64);
                    }
                    black_box(sum);
                }),
                1 => time_ns_per_op(LOOKUPS, || {
                    let mut sum = 0u64;
                    for k in &probe {
                        sum += pooled.get(black_box(k)).map_or(0, |v| v[0] as u64);
                    }
                    black_box(sum);
                }),
                _ => time_ns_per_op(LOOKUPS, || {
                    let mut sum = 0u64;
                    for h in &probe_handles {
                        sum += pooled
                            .get_by_handle(black_box(*h))
                            .map_or(0, |v| v[0] as u64);
                    }
                    black_box(sum);
                }),
            };
        }
        hb_get.push(times[0]);
        pooled_get.push(times[1]);
        handle_get.push(times[2]);
        pooled_get_ratio.push(times[1] / times[0]);
        handle_get_ratio.push(times[2] / times[0]);
    }

    // --- steady churn ------------------------------------------------------
    // Warmed-up maps; each round runs a slice of the churn on each.
    let mut hb: hashbrown::HashMap<u64, Value> = hashbrown::HashMap::new();
    let mut pooled: PooledMap<u64, Value> = PooledMap::new();
    let mut by_handle: PooledMap<u64, Value> = PooledMap::new();
    let mut ring = VecDeque::with_capacity(LIVE as usize + 1);
    for i in 0..LIVE {
        hb.insert(i, [0; 128]);
        pooled.insert(i, [0; 128]);
        ring.push_back(by_handle.insert_with_handle(i, [0; 128]).0);
    }
    let mut oldest = [0u64; 3];
    let mut churn = |variant: usize, ops: u64| {
        let from = oldest[variant];
        oldest[variant] += ops;
        time_ns_per_op(ops as usize, || match variant {
            0 => {
                for old in from..from + ops {
                    hb.insert(black_box(old + LIVE), [old as u8; 128]);
                    black_box(hb.remove(&old));
                }
            }
            1 => {
                for old in from..from + ops {
                    pooled.insert(black_box(old + LIVE), [old as u8; 128]);
                    black_box(pooled.remove(&old));
                }
            }
            _ => {
                for old in from..from + ops {
                    let (h, _) =
                        by_handle.insert_with_handle(black_box(old + LIVE), [old as u8; 128]);
                    ring.push_back(h);
                    let first = ring.pop_front().unwrap();
                    black_box(by_handle.remove_by_handle(first));
                }
            }
        })
    };
    for variant in 0..3 {
        churn(variant, 4 * LIVE); // warm-up: the index reaches its steady size
    }
    let (mut hb_churn, mut pooled_churn, mut handle_churn) = (vec![], vec![], vec![]);
    let (mut pooled_churn_ratio, mut handle_churn_ratio) = (vec![], vec![]);
    let slice = CHURN / 4;
    for round in 0..ROUNDS {
        let mut times = [0.0; 3];
        for turn in 0..3 {
            let variant = (round + turn) % 3;
            times[variant] = churn(variant, slice);
        }
        hb_churn.push(times[0]);
        pooled_churn.push(times[1]);
        handle_churn.push(times[2]);
        pooled_churn_ratio.push(times[1] / times[0]);
        handle_churn_ratio.push(times[2] / times[0]);
    }

    let (hg, pg, hdg) = (median(hb_get), median(pooled_get), median(handle_get));
    let (hc, pc, hdc) = (median(hb_churn), median(pooled_churn), median(handle_churn));
    let (pgr, hdgr) = (median(pooled_get_ratio), median(handle_get_ratio));
    let (pcr, hdcr) = (median(pooled_churn_ratio), median(handle_churn_ratio));
    println!("PooledMap vs hashbrown::HashMap, (u64, [u8; 128]) entries, {ROUNDS} rounds");
    println!("(times: median ns/op; ratios: median of per-round time ratios, < 1 is faster)");
    println!();
    println!("lookup, {ENTRIES} entries, {LOOKUPS} probes in random order:");
    println!("  hashbrown get(key)          {hg:7.2} ns/op");
    println!("  PooledMap get(key)          {pg:7.2} ns/op   ratio {pgr:.2}");
    println!("  PooledMap get_by_handle     {hdg:7.2} ns/op   ratio {hdgr:.2}");
    println!();
    println!(
        "steady churn, {LIVE} live, insert-new + remove-oldest ({} pairs a round):",
        CHURN / 4
    );
    println!("  hashbrown insert+remove     {hc:7.2} ns/op");
    println!("  PooledMap insert+remove     {pc:7.2} ns/op   ratio {pcr:.2}");
    println!("  PooledMap by handle         {hdc:7.2} ns/op   ratio {hdcr:.2}");
}
