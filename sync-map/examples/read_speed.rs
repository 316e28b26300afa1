//! Reads side by side, in one run: `SyncMap` against an unlocked
//! `hashbrown::HashMap` shared by reference (the ceiling for reads), a
//! `RwLock<hashbrown::HashMap>`, dashmap and papaya (a guard per read).
//!
//! 100,000 `u64` keys, 2 threads; a read-only workload and a 98% read /
//! 1% insert / 1% remove one. Several rounds; the best round of each map
//! is printed, in million operations per second and as a ratio.
//!
//! ```text
//! cargo run --release -p sync-map --example read_speed
//! ```

use std::hint::black_box;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use sync_map::SyncMap;

const KEYS: u64 = 100_000;
const THREADS: usize = 2;
const OPS_PER_THREAD: u64 = 2_000_000;
const ROUNDS: usize = 15;

/// What each map must offer the workloads.
trait Shared: Sync {
    fn name(&self) -> &'static str;
    fn get(&self, key: u64) -> Option<u64>;
    fn insert(&self, key: u64, value: u64);
    fn remove(&self, key: u64);
}

impl Shared for SyncMap<u64, u64> {
    fn name(&self) -> &'static str {
        "SyncMap"
    }
    #[inline(always)]
    fn get(&self, key: u64) -> Option<u64> {
        SyncMap::get(self, &key)
    }
    fn insert(&self, key: u64, value: u64) {
        SyncMap::insert(self, key, value);
    }
    fn remove(&self, key: u64) {
        SyncMap::remove(self, &key);
    }
}

struct Unlocked(hashbrown::HashMap<u64, u64>);

impl Shared for Unlocked {
    fn name(&self) -> &'static str {
        "&hashbrown (ceiling)"
    }
    #[inline(always)]
    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(&key).copied()
    }
    fn insert(&self, _: u64, _: u64) {
        unreachable!("read-only")
    }
    fn remove(&self, _: u64) {
        unreachable!("read-only")
    }
}

struct CoreUnlocked(map_core::HashMap<u64, u64>);

impl Shared for CoreUnlocked {
    fn name(&self) -> &'static str {
        "&map_core::HashMap"
    }
    #[inline(always)]
    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(&key).copied()
    }
    fn insert(&self, _: u64, _: u64) {
        unreachable!("read-only")
    }
    fn remove(&self, _: u64) {
        unreachable!("read-only")
    }
}

impl Shared for RwLock<hashbrown::HashMap<u64, u64>> {
    fn name(&self) -> &'static str {
        "RwLock<hashbrown>"
    }
    #[inline(always)]
    fn get(&self, key: u64) -> Option<u64> {
        self.read().unwrap().get(&key).copied()
    }
    fn insert(&self, key: u64, value: u64) {
        self.write().unwrap().insert(key, value);
    }
    fn remove(&self, key: u64) {
        self.write().unwrap().remove(&key);
    }
}

impl Shared for dashmap::DashMap<u64, u64> {
    fn name(&self) -> &'static str {
        "dashmap"
    }
    #[inline(always)]
    fn get(&self, key: u64) -> Option<u64> {
        dashmap::DashMap::get(self, &key).map(|r| *r)
    }
    fn insert(&self, key: u64, value: u64) {
        dashmap::DashMap::insert(self, key, value);
    }
    fn remove(&self, key: u64) {
        dashmap::DashMap::remove(self, &key);
    }
}

impl Shared for papaya::HashMap<u64, u64> {
    fn name(&self) -> &'static str {
        "papaya"
    }
    #[inline(always)]
    fn get(&self, key: u64) -> Option<u64> {
        self.pin().get(&key).copied()
    }
    fn insert(&self, key: u64, value: u64) {
        self.pin().insert(key, value);
    }
    fn remove(&self, key: u64) {
        self.pin().remove(&key);
    }
}

/// SplitMix64: cheap, the same key stream for every map.
#[inline]
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Runs the workload on `THREADS` threads; returns operations per second.
fn run<M: Shared>(map: &M, mixed: bool) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                let mut rng = 0x1234_5678 + t as u64;
                let mut sum = 0u64;
                for _ in 0..OPS_PER_THREAD {
                    let r = next(&mut rng);
                    let key = r % KEYS;
                    if mixed {
                        // 1% insert and 1% remove, of keys above the read set
                        // (so the read set stays put and the map near its size).
                        match (r >> 40) % 100 {
                            0 => map.insert(KEYS + key % 1000, r),
                            1 => map.remove(KEYS + key % 1000),
                            _ => sum = sum.wrapping_add(map.get(key).unwrap_or(0)),
                        }
                    } else {
                        sum = sum.wrapping_add(map.get(key).unwrap_or(0));
                    }
                }
                black_box(sum);
            });
        }
    });
    let elapsed = start.elapsed().max(Duration::from_nanos(1));
    (THREADS as u64 * OPS_PER_THREAD) as f64 / elapsed.as_secs_f64()
}

fn main() {
    let base: hashbrown::HashMap<u64, u64> = (0..KEYS).map(|k| (k, k)).collect();
    let sync: SyncMap<u64, u64> = (0..KEYS).map(|k| (k, k)).collect();
    let unlocked = Unlocked(base.clone());
    let core = CoreUnlocked((0..KEYS).map(|k| (k, k)).collect());
    let rwlock = RwLock::new(base.clone());
    let dash: dashmap::DashMap<u64, u64> = (0..KEYS).map(|k| (k, k)).collect();
    let pap: papaya::HashMap<u64, u64> = (0..KEYS).map(|k| (k, k)).collect();

    println!("{KEYS} u64 keys, {THREADS} threads, {OPS_PER_THREAD} ops per thread, best of {ROUNDS} rounds");
    for (workload, mixed) in [
        ("read-only", false),
        ("98% read / 1% insert / 1% remove", true),
    ] {
        let mut best: Vec<(&'static str, f64)> = Vec::new();
        // Rounds interleave the maps so that machine noise hits them alike.
        for _ in 0..ROUNDS {
            let mut round = Vec::new();
            if !mixed {
                round.push((unlocked.name(), run(&unlocked, mixed)));
                round.push((core.name(), run(&core, mixed)));
            }
            round.push((sync.name(), run(&sync, mixed)));
            round.push((rwlock.name(), run(&rwlock, mixed)));
            round.push((dash.name(), run(&dash, mixed)));
            round.push((pap.name(), run(&pap, mixed)));
            if best.is_empty() {
                best = round;
            } else {
                for (b, r) in best.iter_mut().zip(round) {
                    b.1 = b.1.max(r.1);
                }
            }
        }
        let (reference_name, reference) = best[0];
        println!("\n{workload}:");
        for (name, ops) in &best {
            println!(
                "  {:<22} {:>8.1} M ops/s   {:>5.2}x {}",
                name,
                ops / 1e6,
                ops / reference,
                reference_name
            );
        }
    }
}
