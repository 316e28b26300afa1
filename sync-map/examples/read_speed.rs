//! Reads side by side, in one run: `SyncMap` (through `get`, through a
//! per-thread `ReadHandle`, and through `ReadHandle::enter` batches of
//! lookups) against an unlocked `hashbrown::HashMap` shared by reference
//! (the ceiling for reads), a `RwLock<hashbrown::HashMap>`, dashmap and
//! papaya (a guard per read).
//!
//! 100,000 `u64` keys, 2 threads; a read-only workload and a 98% read /
//! 1% insert / 1% remove one. The maps take turns within each round, so
//! machine noise hits them alike; printed are the best round of each map
//! in million operations per second, and the median over the rounds of
//! its ratio to the first map of the same round.
//!
//! ```text
//! cargo run --release -p sync-map --example read_speed
//! ```

use std::hint::black_box;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use sync_map::{ReadHandle, SyncMap};

const KEYS: u64 = 100_000;
const THREADS: usize = 2;
const OPS_PER_THREAD: u64 = 2_000_000;
/// Lookups per `ReadHandle::enter` section in the batched variant.
const BATCH: u64 = 16;
const ROUNDS: usize = 15;

/// What each map must offer the workloads.
trait Shared: Sync {
    /// What a thread reads through: the map itself, or a handle.
    type Reader<'a>: Read
    where
        Self: 'a;
    fn name(&self) -> &'static str;
    fn reader(&self) -> Self::Reader<'_>;
    fn insert(&self, key: u64, value: u64);
    fn remove(&self, key: u64);
}

trait Read {
    fn get(&self, key: u64) -> Option<u64>;

    /// `BATCH` reads of keys drawn from `rng`, summed: one `get` each
    /// unless the map can do better.
    #[inline(always)]
    fn batch(&self, rng: &mut u64) -> u64 {
        let mut sum = 0u64;
        for _ in 0..BATCH {
            let key = next(rng) % KEYS;
            sum = sum.wrapping_add(self.get(key).unwrap_or(0));
        }
        sum
    }
}

/// Maps read directly, with no per-thread state.
macro_rules! direct {
    ($ty:ty, $name:expr, |$m:ident, $k:ident| $get:expr) => {
        impl Read for &$ty {
            #[inline(always)]
            fn get(&self, $k: u64) -> Option<u64> {
                let $m: &$ty = self;
                $get
            }
        }
        impl Shared for $ty {
            type Reader<'a> = &'a $ty;
            fn name(&self) -> &'static str {
                $name
            }
            fn reader(&self) -> &$ty {
                self
            }
            fn insert(&self, key: u64, value: u64) {
                Writable::insert(self, key, value)
            }
            fn remove(&self, key: u64) {
                Writable::remove(self, key)
            }
        }
    };
}

/// The writes of the mixed workload.
trait Writable {
    fn insert(&self, key: u64, value: u64);
    fn remove(&self, key: u64);
}

impl Writable for SyncMap<u64, u64> {
    fn insert(&self, key: u64, value: u64) {
        SyncMap::insert(self, key, value);
    }
    fn remove(&self, key: u64) {
        SyncMap::remove(self, &key);
    }
}

struct Unlocked(hashbrown::HashMap<u64, u64>);
struct CoreUnlocked(map_core::HashMap<u64, u64>);

impl Writable for Unlocked {
    fn insert(&self, _: u64, _: u64) {
        unreachable!("read-only")
    }
    fn remove(&self, _: u64) {
        unreachable!("read-only")
    }
}

impl Writable for CoreUnlocked {
    fn insert(&self, _: u64, _: u64) {
        unreachable!("read-only")
    }
    fn remove(&self, _: u64) {
        unreachable!("read-only")
    }
}

impl Writable for RwLock<hashbrown::HashMap<u64, u64>> {
    fn insert(&self, key: u64, value: u64) {
        self.write().unwrap().insert(key, value);
    }
    fn remove(&self, key: u64) {
        self.write().unwrap().remove(&key);
    }
}

impl Writable for dashmap::DashMap<u64, u64> {
    fn insert(&self, key: u64, value: u64) {
        dashmap::DashMap::insert(self, key, value);
    }
    fn remove(&self, key: u64) {
        dashmap::DashMap::remove(self, &key);
    }
}

impl Writable for papaya::HashMap<u64, u64> {
    fn insert(&self, key: u64, value: u64) {
        self.pin().insert(key, value);
    }
    fn remove(&self, key: u64) {
        self.pin().remove(&key);
    }
}

direct!(Unlocked, "&hashbrown (ceiling)", |m, k| m
    .0
    .get(&k)
    .copied());
direct!(CoreUnlocked, "&map_core::HashMap", |m, k| m
    .0
    .get(&k)
    .copied());
direct!(SyncMap<u64, u64>, "SyncMap get", |m, k| m.get(&k));
direct!(
    RwLock<hashbrown::HashMap<u64, u64>>,
    "RwLock<hashbrown>",
    |m, k| m.read().unwrap().get(&k).copied()
);
direct!(dashmap::DashMap<u64, u64>, "dashmap", |m, k| m
    .get(&k)
    .map(|r| *r));
direct!(papaya::HashMap<u64, u64>, "papaya", |m, k| m
    .pin()
    .get(&k)
    .copied());

/// `SyncMap` read through a per-thread `ReadHandle`.
struct ByHandle<'m>(&'m SyncMap<u64, u64>);
/// `SyncMap` read through a handle, `BATCH` lookups per `enter`.
struct ByEnter<'m>(&'m SyncMap<u64, u64>);

struct Handle<'m>(ReadHandle<'m, u64, u64>);
struct Batched<'m>(ReadHandle<'m, u64, u64>);

impl Read for Handle<'_> {
    #[inline(always)]
    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(&key)
    }
}

impl Read for Batched<'_> {
    #[inline(always)]
    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(&key)
    }

    #[inline(always)]
    fn batch(&self, rng: &mut u64) -> u64 {
        self.0.enter(|view| {
            let mut sum = 0u64;
            for _ in 0..BATCH {
                let key = next(rng) % KEYS;
                sum = sum.wrapping_add(view.get(&key).copied().unwrap_or(0));
            }
            sum
        })
    }
}

impl Shared for ByHandle<'_> {
    type Reader<'a>
        = Handle<'a>
    where
        Self: 'a;
    fn name(&self) -> &'static str {
        "SyncMap ReadHandle"
    }
    fn reader(&self) -> Handle<'_> {
        Handle(self.0.reader())
    }
    fn insert(&self, key: u64, value: u64) {
        Writable::insert(self.0, key, value)
    }
    fn remove(&self, key: u64) {
        Writable::remove(self.0, key)
    }
}

impl Shared for ByEnter<'_> {
    type Reader<'a>
        = Batched<'a>
    where
        Self: 'a;
    fn name(&self) -> &'static str {
        "SyncMap enter (x16)"
    }
    fn reader(&self) -> Batched<'_> {
        Batched(self.0.reader())
    }
    fn insert(&self, key: u64, value: u64) {
        Writable::insert(self.0, key, value)
    }
    fn remove(&self, key: u64) {
        Writable::remove(self.0, key)
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
                let reader = map.reader();
                let mut rng = 0x1234_5678 + t as u64;
                let mut sum = 0u64;
                if mixed {
                    for _ in 0..OPS_PER_THREAD {
                        let r = next(&mut rng);
                        let key = r % KEYS;
                        // 1% insert and 1% remove, of keys above the read set
                        // (so the read set stays put and the map near its size).
                        match (r >> 40) % 100 {
                            0 => map.insert(KEYS + key % 1000, r),
                            1 => map.remove(KEYS + key % 1000),
                            _ => sum = sum.wrapping_add(reader.get(key).unwrap_or(0)),
                        }
                    }
                } else {
                    for _ in 0..OPS_PER_THREAD / BATCH {
                        sum = sum.wrapping_add(reader.batch(&mut rng));
                    }
                }
                black_box(sum);
            });
        }
    });
    let elapsed = start.elapsed().max(Duration::from_nanos(1));
    (THREADS as u64 * OPS_PER_THREAD) as f64 / elapsed.as_secs_f64()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn main() {
    let base: hashbrown::HashMap<u64, u64> = (0..KEYS).map(|k| (k, k)).collect();
    let sync: SyncMap<u64, u64> = (0..KEYS).map(|k| (k, k)).collect();
    let unlocked = Unlocked(base.clone());
    let core = CoreUnlocked((0..KEYS).map(|k| (k, k)).collect());
    let rwlock = RwLock::new(base.clone());
    let dash: dashmap::DashMap<u64, u64> = (0..KEYS).map(|k| (k, k)).collect();
    let pap: papaya::HashMap<u64, u64> = (0..KEYS).map(|k| (k, k)).collect();
    let handle = ByHandle(&sync);
    let batched = ByEnter(&sync);

    println!(
        "{KEYS} u64 keys, {THREADS} threads, {OPS_PER_THREAD} ops per thread, {ROUNDS} rounds"
    );
    for (workload, mixed) in [
        ("read-only", false),
        ("98% read / 1% insert / 1% remove", true),
    ] {
        // Per map: its name and its result in each round.
        let mut results: Vec<(&'static str, Vec<f64>)> = Vec::new();
        for _ in 0..ROUNDS {
            let mut round = Vec::new();
            if !mixed {
                round.push((unlocked.name(), run(&unlocked, mixed)));
                round.push((core.name(), run(&core, mixed)));
            }
            round.push((sync.name(), run(&sync, mixed)));
            round.push((handle.name(), run(&handle, mixed)));
            if !mixed {
                round.push((batched.name(), run(&batched, mixed)));
            }
            round.push((rwlock.name(), run(&rwlock, mixed)));
            round.push((dash.name(), run(&dash, mixed)));
            round.push((pap.name(), run(&pap, mixed)));
            if results.is_empty() {
                results = round.iter().map(|&(n, _)| (n, Vec::new())).collect();
            }
            for (r, (_, ops)) in results.iter_mut().zip(round) {
                r.1.push(ops);
            }
        }
        let reference_name = results[0].0;
        let reference = results[0].1.clone();
        println!("\n{workload}: best round, and median ratio to {reference_name}");
        for (name, ops) in &results {
            let best = ops.iter().copied().fold(0.0, f64::max);
            let ratio = median(ops.iter().zip(&reference).map(|(o, r)| o / r).collect());
            println!(
                "  {:<22} {:>8.1} M ops/s   {:>5.2}x",
                name,
                best / 1e6,
                ratio
            );
        }
    }
}
