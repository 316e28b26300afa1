//! Throughput benchmarks (criterion), one module per group.
//!
//! Single-threaded groups (`insert`, `get_hit`, `get_miss`, `remove_all`,
//! `churn`) time every map of `bench_suite::for_each_variant!`'s timed list
//! but the concurrent peers (the workspace's variants through `ReclaimMap`;
//! `hashbrown::HashMap`, with map-core's hasher foldhash, and std's
//! `HashMap`, SipHash, by their own methods), at 1,000, 100,000 and
//! 1,000,000 `u64 -> u64` entries.
//! The `concurrent` group times `SyncMap` beside `RwLock<HashMap>`, dashmap
//! and papaya on read-only, read-heavy and exchange workloads at 1 and 2
//! threads (`BENCH_THREADS=1,2,4` for more).
//!
//! Filter as usual: `cargo bench -p bench-suite -- "insert|remove_all"`.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};

const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];

/// Few samples, short measurements: the whole run fits a 2-core machine;
/// the largest size takes the fewest samples.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, size: usize) {
    if size >= 1_000_000 {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
    } else {
        group
            .sample_size(15)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
    }
}

/// Calls `$bench!(name, constructor)` for every map of the registry's timed
/// list but the concurrent peers, which the `concurrent` group times.
macro_rules! each_map {
    ($bench:ident) => {{
        bench_suite::for_each_variant!(@timed registered, $bench);
    }};
}

macro_rules! registered {
    ($bench:ident, peer, $name:literal, Concurrent, $make:expr) => {};
    ($bench:ident, $kind:ident, $name:literal, $group:ident, $make:expr) => {
        $bench!($name, $make)
    };
}

mod insert {
    use super::*;
    use bench_suite::workloads::{insert_all, keys, BenchMap};
    use criterion::BatchSize;

    fn one<M: BenchMap<u64, u64>>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        name: &str,
        n: usize,
        keys: &[u64],
        make: impl Fn() -> M,
    ) {
        g.bench_function(BenchmarkId::new(name, n), |b| {
            b.iter_batched(
                || (),
                |()| {
                    let mut map = make();
                    insert_all(&mut map, keys);
                    map // dropped outside the timing
                },
                BatchSize::PerIteration,
            )
        });
    }

    pub(crate) fn bench(c: &mut Criterion) {
        for n in SIZES {
            let mut g = c.benchmark_group("insert");
            configure(&mut g, n);
            let (hits, _) = keys(n, 1);
            macro_rules! b {
                ($name:expr, $make:expr) => {
                    one(&mut g, $name, n, &hits, $make)
                };
            }
            each_map!(b);
            g.finish();
        }
    }
}

mod get {
    use super::*;
    use bench_suite::workloads::{get_all, insert_all, keys, BenchMap};
    use std::hint::black_box;

    fn one<M: BenchMap<u64, u64>>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        name: &str,
        n: usize,
        (fill, probe): (&[u64], &[u64]),
        make: impl Fn() -> M,
    ) {
        let mut map = make();
        insert_all(&mut map, fill);
        g.bench_function(BenchmarkId::new(name, n), |b| {
            b.iter(|| black_box(get_all(&map, probe)))
        });
    }

    pub(crate) fn bench_hit(c: &mut Criterion) {
        bench(c, "get_hit", true);
    }

    pub(crate) fn bench_miss(c: &mut Criterion) {
        bench(c, "get_miss", false);
    }

    fn bench(c: &mut Criterion, group: &str, hit: bool) {
        for n in SIZES {
            let mut g = c.benchmark_group(group);
            configure(&mut g, n);
            let (hits, misses) = keys(n, 2);
            let probe: &[u64] = if hit { &hits } else { &misses };
            macro_rules! b {
                ($name:expr, $make:expr) => {
                    one(&mut g, $name, n, (&hits, probe), $make)
                };
            }
            each_map!(b);
            g.finish();
        }
    }
}

mod remove_all {
    use super::*;
    use bench_suite::workloads::{insert_all, keys, remove_all_and_drop, BenchMap};
    use criterion::BatchSize;

    /// Times "remove every key, then drop the map": hashbrown frees its
    /// table at the drop, map-core during the removals; both are paid.
    /// The setup (untimed) fills a new map rather than cloning one, so maps
    /// that are not `Clone` (SyncMap) run the same code as the others.
    fn one<M: BenchMap<u64, u64>>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        name: &str,
        n: usize,
        keys: &[u64],
        make: impl Fn() -> M,
    ) {
        g.bench_function(BenchmarkId::new(name, n), |b| {
            b.iter_batched(
                || {
                    let mut map = make();
                    insert_all(&mut map, keys);
                    map
                },
                |map| remove_all_and_drop(map, keys),
                BatchSize::PerIteration,
            )
        });
    }

    pub(crate) fn bench(c: &mut Criterion) {
        for n in SIZES {
            let mut g = c.benchmark_group("remove_all");
            configure(&mut g, n);
            let (hits, _) = keys(n, 3);
            macro_rules! b {
                ($name:expr, $make:expr) => {
                    one(&mut g, $name, n, &hits, $make)
                };
            }
            each_map!(b);
            g.finish();
        }
    }
}

mod churn {
    use super::*;
    use bench_suite::workloads::{churn, insert_all, keys, BenchMap};
    use criterion::BatchSize;

    /// A map of `n` entries takes `n` new keys, each followed by removing the oldest.
    fn one<M: BenchMap<u64, u64>>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        name: &str,
        n: usize,
        keys: &[u64],
        make: impl Fn() -> M,
    ) {
        g.bench_function(BenchmarkId::new(name, n), |b| {
            b.iter_batched(
                || {
                    let mut map = make();
                    insert_all(&mut map, &keys[..n]);
                    map
                },
                |mut map| {
                    churn(&mut map, keys, n);
                    map
                },
                BatchSize::PerIteration,
            )
        });
    }

    pub(crate) fn bench(c: &mut Criterion) {
        for n in SIZES {
            let mut g = c.benchmark_group("churn");
            configure(&mut g, n);
            let (all, _) = keys(2 * n, 4);
            macro_rules! b {
                ($name:expr, $make:expr) => {
                    one(&mut g, $name, n, &all, $make)
                };
            }
            each_map!(b);
            g.finish();
        }
    }
}

mod concurrent {
    //! Read-only (100% get), read-heavy (98% get, 1% insert, 1% remove) and
    //! exchange (10% get, 40% insert, 40% remove, 10% update of a present
    //! key) over 100,000 keys, half of them present at the start.

    use super::*;
    use std::hint::black_box;
    use std::sync::{Barrier, RwLock};
    use std::time::Instant;

    use bench_suite::workloads::keys;
    use criterion::Throughput;
    use map_conformance::Rng;

    const KEYS: usize = 100_000;
    const OPS_PER_ITER: u64 = 1_000;

    /// A map shared by threads.
    trait Shared: Send + Sync {
        fn get(&self, key: u64) -> bool;
        fn insert(&self, key: u64, value: u64);
        fn remove(&self, key: u64);
    }

    impl Shared for RwLock<hashbrown::HashMap<u64, u64>> {
        fn get(&self, key: u64) -> bool {
            self.read().unwrap().get(&key).is_some()
        }
        fn insert(&self, key: u64, value: u64) {
            self.write().unwrap().insert(key, value);
        }
        fn remove(&self, key: u64) {
            self.write().unwrap().remove(&key);
        }
    }

    impl Shared for dashmap::DashMap<u64, u64> {
        fn get(&self, key: u64) -> bool {
            dashmap::DashMap::get(self, &key).is_some()
        }
        fn insert(&self, key: u64, value: u64) {
            dashmap::DashMap::insert(self, key, value);
        }
        fn remove(&self, key: u64) {
            dashmap::DashMap::remove(self, &key);
        }
    }

    impl Shared for papaya::HashMap<u64, u64> {
        fn get(&self, key: u64) -> bool {
            self.pin().get(&key).is_some()
        }
        fn insert(&self, key: u64, value: u64) {
            self.pin().insert(key, value);
        }
        fn remove(&self, key: u64) {
            self.pin().remove(&key);
        }
    }

    impl Shared for sync_map::SyncMap<u64, u64> {
        fn get(&self, key: u64) -> bool {
            self.get_with(&key, |_| ()).is_some()
        }
        fn insert(&self, key: u64, value: u64) {
            sync_map::SyncMap::insert(self, key, value);
        }
        fn remove(&self, key: u64) {
            sync_map::SyncMap::remove(self, &key);
        }
    }

    #[derive(Clone, Copy)]
    enum Workload {
        ReadOnly,
        ReadHeavy,
        Exchange,
    }

    impl Workload {
        fn name(self) -> &'static str {
            match self {
                Workload::ReadOnly => "read_only",
                Workload::ReadHeavy => "read_heavy",
                Workload::Exchange => "exchange",
            }
        }

        /// Percent of gets, inserts and removes; the rest update present keys.
        fn mix(self) -> (u64, u64, u64) {
            match self {
                Workload::ReadOnly => (100, 0, 0),
                Workload::ReadHeavy => (98, 1, 1),
                Workload::Exchange => (10, 40, 40),
            }
        }
    }

    fn threads() -> Vec<usize> {
        std::env::var("BENCH_THREADS")
            .ok()
            .map(|s| s.split(',').filter_map(|t| t.trim().parse().ok()).collect())
            .filter(|v: &Vec<usize>| !v.is_empty() && v.iter().all(|&t| t > 0))
            .unwrap_or_else(|| vec![1, 2])
    }

    fn run<M: Shared>(
        map: &M,
        keys: &[u64],
        workload: Workload,
        threads: usize,
        iters: u64,
    ) -> Duration {
        let (get, insert, remove) = workload.mix();
        let barrier = Barrier::new(threads + 1);
        std::thread::scope(|s| {
            for t in 0..threads {
                let barrier = &barrier;
                s.spawn(move || {
                    let mut rng = Rng::new(0x7ead + t as u64);
                    let mut found = 0usize;
                    barrier.wait();
                    for _ in 0..iters * OPS_PER_ITER {
                        let key = keys[rng.below(keys.len() as u64) as usize];
                        let roll = rng.below(100);
                        if roll < get {
                            found += map.get(key) as usize;
                        } else if roll < get + insert {
                            map.insert(key, key);
                        } else if roll < get + insert + remove {
                            map.remove(key);
                        } else if map.get(key) {
                            map.insert(key, roll);
                        }
                    }
                    black_box(found);
                    barrier.wait();
                });
            }
            barrier.wait();
            let start = Instant::now();
            barrier.wait();
            start.elapsed()
        })
    }

    fn one<M: Shared>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        name: &str,
        keys: &[u64],
        workload: Workload,
        make: impl Fn() -> M,
    ) {
        for t in threads() {
            g.throughput(Throughput::Elements(OPS_PER_ITER * t as u64));
            g.bench_function(
                BenchmarkId::new(format!("{}/{name}", workload.name()), t),
                |b| {
                    let map = make();
                    for &k in &keys[..keys.len() / 2] {
                        map.insert(k, k);
                    }
                    b.iter_custom(|iters| run(&map, keys, workload, t, iters));
                },
            );
        }
    }

    pub(crate) fn bench(c: &mut Criterion) {
        let (keys, _) = keys(KEYS, 5);
        let mut g = c.benchmark_group("concurrent");
        g.sample_size(15)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for workload in [Workload::ReadOnly, Workload::ReadHeavy, Workload::Exchange] {
            one(
                &mut g,
                "sync-map",
                &keys,
                workload,
                sync_map::SyncMap::<u64, u64>::new,
            );
            one(&mut g, "rwlock-hashbrown", &keys, workload, || {
                RwLock::new(hashbrown::HashMap::<u64, u64>::new())
            });
            one(
                &mut g,
                "dashmap",
                &keys,
                workload,
                dashmap::DashMap::<u64, u64>::new,
            );
            one(
                &mut g,
                "papaya",
                &keys,
                workload,
                papaya::HashMap::<u64, u64>::new,
            );
        }
        g.finish();
    }
}

criterion_group!(
    benches,
    insert::bench,
    get::bench_hit,
    get::bench_miss,
    remove_all::bench,
    churn::bench,
    concurrent::bench
);
criterion_main!(benches);
