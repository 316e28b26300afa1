//! Lookup, insert and remove beside hashbrown, side by side in one process:
//! `cargo run --release -p split-map --example lookup_cost -- [entries] [rounds]`.
//! Prints the median of the per-round ratios to hashbrown.

use std::hint::black_box;
use std::time::Instant;

use hashbrown::{DefaultHashBuilder, HashMap};
use split_map::SplitMap;

fn keys(n: usize, seed: u64) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}

fn time(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

macro_rules! run {
    ($make:expr, $hits:expr, $misses:expr) => {{
        let (hits, misses): (&[u64], &[u64]) = ($hits, $misses);
        let mut map = $make;
        let insert = time(|| {
            for &k in hits {
                map.insert(k, k);
            }
        });
        let get = time(|| {
            let mut s = 0u64;
            for &k in hits {
                s = s.wrapping_add(*map.get(&k).unwrap());
            }
            black_box(s);
        });
        let miss = time(|| {
            let mut s = 0usize;
            for &k in misses {
                s += map.get(&k).is_some() as usize;
            }
            black_box(s);
        });
        let remove = time(|| {
            for &k in hits {
                black_box(map.remove(&k));
            }
        });
        let drop_time = time(|| drop(map));
        [insert, get, miss, remove, remove + drop_time]
    }};
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(1_000_000, |a| a.parse().unwrap());
    let rounds: usize = args.next().map_or(9, |a| a.parse().unwrap());
    let hits = keys(n, 0x9e37_79b9_7f4a_7c15);
    let misses = keys(n, 0x2545_f491_4f6c_dd1d);
    let hasher = DefaultHashBuilder::default();
    // MANUAL=1: split-map under the manual policy (nothing given back), to
    // separate the cost of the lookups from that of giving memory back.
    let policy = if std::env::var_os("MANUAL").is_some() {
        map_core::ReclaimPolicy::manual()
    } else {
        map_core::ReclaimPolicy::automatic()
    };
    let split = || {
        let mut m = SplitMap::<u64, u64, _>::with_hasher(hasher.clone());
        m.set_policy(policy);
        m
    };
    let names = ["insert", "get-hit", "get-miss", "remove", "remove+drop"];
    let mut ratios = vec![Vec::new(); names.len()];
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = run!(
                HashMap::<u64, u64, _>::with_hasher(hasher.clone()),
                &hits,
                &misses
            );
            let b = run!(split(), &hits, &misses);
            (a, b)
        } else {
            let b = run!(split(), &hits, &misses);
            let a = run!(
                HashMap::<u64, u64, _>::with_hasher(hasher.clone()),
                &hits,
                &misses
            );
            (a, b)
        };
        for i in 0..names.len() {
            ratios[i].push(b[i] / a[i]);
        }
    }
    // Bytes when full: split-map's exact figure against hashbrown's table.
    let mut full_split = split();
    let mut full_hashbrown = HashMap::<u64, u64, _>::with_hasher(hasher.clone());
    for &k in &hits {
        full_split.insert(k, k);
        full_hashbrown.insert(k, k);
    }
    let (a, b) = (
        full_split.memory().allocated_bytes,
        full_hashbrown.allocation_size(),
    );
    println!(
        "bytes when full: split-map {a} ({} tables), hashbrown {b}: {:.3}x",
        full_split.storage().table_count(),
        a as f64 / b as f64
    );
    println!("{n} u64 -> u64, {rounds} rounds: split-map / hashbrown, median (min-max)");
    for (name, mut r) in names.iter().zip(ratios) {
        r.sort_by(f64::total_cmp);
        println!(
            "{name:12} {:.3}x ({:.2}-{:.2})",
            r[r.len() / 2],
            r[0],
            r[r.len() - 1]
        );
    }
}
