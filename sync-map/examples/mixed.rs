//! Throughput of `SyncMap` beside the maps people share between threads,
//! side by side in one process: read-only, and a mix of reads, inserts and
//! removes.
//!
//! ```text
//! cargo run --release -p sync-map --example mixed -- [reads%] [threads] [keys] [ops] [rounds]
//! cargo run --release -p sync-map --example mixed -- 98 2 100000 2000000 9
//! cargo run --release -p sync-map --example mixed -- 90 2 100000 2000000 9
//! ```
//!
//! The writes are split evenly between inserts and removes of keys above
//! the read set, so the map keeps its size. The maps take turns in rotating
//! order within each round; printed is each map's median rate and the
//! median over the rounds of its ratio to the first map of the table.

use std::hint::black_box;
use std::sync::{Mutex, RwLock};
use std::time::Instant;

use map_conformance::Rng;
use sync_map::SyncMap;

/// The operations each map offers the workload.
trait Contestant: Sync {
    fn get(&self, key: u64) -> Option<u64>;
    fn insert(&self, key: u64, value: u64);
    fn remove(&self, key: u64);
}

/// An unlocked map shared by reference: the read-only ceiling.
struct Unlocked(hashbrown::HashMap<u64, u64>);

impl Contestant for Unlocked {
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

impl Contestant for SyncMap<u64, u64> {
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

impl Contestant for Mutex<map_core::HashMap<u64, u64>> {
    fn get(&self, key: u64) -> Option<u64> {
        self.lock().unwrap().get(&key).copied()
    }
    fn insert(&self, key: u64, value: u64) {
        self.lock().unwrap().insert(key, value);
    }
    fn remove(&self, key: u64) {
        self.lock().unwrap().remove(&key);
    }
}

impl Contestant for RwLock<hashbrown::HashMap<u64, u64>> {
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

impl Contestant for dashmap::DashMap<u64, u64> {
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

impl Contestant for papaya::HashMap<u64, u64> {
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

/// One run: million operations per second over all threads.
fn run(map: &dyn Contestant, threads: usize, keys: u64, ops: u64, reads: u64) -> f64 {
    let writes = 100 - reads;
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                let mut rng = Rng::new(0x1234_5678 + t as u64);
                let mut sum = 0u64;
                for _ in 0..ops {
                    let r = rng.next_u64();
                    let key = r % keys;
                    let dice = (r >> 40) % 100;
                    if dice >= writes {
                        sum = sum.wrapping_add(map.get(key).unwrap_or(0));
                    } else if dice % 2 == 0 {
                        map.insert(keys + key % 1000, r);
                    } else {
                        map.remove(keys + key % 1000);
                    }
                }
                black_box(sum);
            });
        }
    });
    (threads as u64 * ops) as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn table(
    title: &str,
    maps: &[(&str, &dyn Contestant)],
    rounds: usize,
    run_one: impl Fn(&dyn Contestant) -> f64,
) {
    let mut rates = vec![Vec::new(); maps.len()];
    for round in 0..rounds {
        for turn in 0..maps.len() {
            let i = (turn + round) % maps.len();
            rates[i].push(run_one(maps[i].1));
        }
    }
    println!("\n{title}");
    println!(
        "{:<28} {:>10} {:>12} {:>16}",
        "map", "M ops/s", "ratio", "ratio min-max"
    );
    for (i, (name, _)) in maps.iter().enumerate() {
        let mut ratios: Vec<f64> = rates[i].iter().zip(&rates[0]).map(|(a, b)| a / b).collect();
        let (lo, hi) = ratios
            .iter()
            .fold((f64::MAX, 0f64), |(l, h), r| (l.min(*r), h.max(*r)));
        let ratio = median(&mut ratios);
        println!(
            "{name:<28} {:>10.1} {ratio:>12.3} {lo:>7.3}-{hi:.3}",
            median(&mut rates[i].clone())
        );
    }
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number"))
        .collect();
    let arg = |i: usize, default: u64| args.get(i).copied().unwrap_or(default);
    let (reads, threads, keys, ops, rounds) = (
        arg(0, 98),
        arg(1, 2) as usize,
        arg(2, 100_000),
        arg(3, 2_000_000),
        arg(4, 9) as usize,
    );
    assert!(reads <= 100);
    println!(
        "{keys} u64 keys, {threads} threads, {ops} ops per thread, {rounds} rounds, maps taking turns"
    );
    let pairs = || (0..keys).map(|k| (k, k));
    let sync: SyncMap<u64, u64> = pairs().collect();
    let unlocked = Unlocked(pairs().collect());
    let mutex = Mutex::new(pairs().collect::<map_core::HashMap<u64, u64>>());
    let rwlock = RwLock::new(pairs().collect::<hashbrown::HashMap<u64, u64>>());
    let dash: dashmap::DashMap<u64, u64> = pairs().collect();
    let pap: papaya::HashMap<u64, u64> = pairs().collect();

    if reads == 100 {
        let maps: [(&str, &dyn Contestant); 5] = [
            ("&hashbrown (ceiling)", &unlocked),
            ("SyncMap get", &sync),
            ("RwLock<hashbrown>", &rwlock),
            ("dashmap", &dash),
            ("papaya", &pap),
        ];
        table("read-only, ratio to &hashbrown", &maps, rounds, |m| {
            run(m, threads, keys, ops, 100)
        });
    } else {
        let maps: [(&str, &dyn Contestant); 5] = [
            ("SyncMap get", &sync),
            ("Mutex<map_core::HashMap>", &mutex),
            ("RwLock<hashbrown>", &rwlock),
            ("dashmap", &dash),
            ("papaya", &pap),
        ];
        let title = format!(
            "{reads}% get, {}% insert, {}% remove, ratio to SyncMap",
            (100 - reads).div_ceil(2),
            (100 - reads) / 2
        );
        table(&title, &maps, rounds, |m| run(m, threads, keys, ops, reads));
    }
}
