//! `bench-suite concurrent`: sync-map's reads from several threads beside
//! the maps people share between threads, and its batch clear-and-refill.
//!
//! * read-only: every thread reads keys drawn at random from the `keys`
//!   present. Contestants: an unlocked `hashbrown::HashMap` shared by
//!   reference (the ceiling for any concurrent map, and the reference of the
//!   ratios), an unlocked `map_core::HashMap`, `SyncMap::get`, a per-thread
//!   `ReadHandle`, `ReadHandle::enter` sections of [`BATCH`] lookups,
//!   `RwLock<hashbrown::HashMap>`, dashmap and papaya (a guard per read).
//! * mixed: 98% reads, 1% inserts and 1% removes (of keys above the read
//!   set, so the map keeps its size), and again with 90% reads, 5% inserts
//!   and 5% removes, on the maps that can be written:
//!   `SyncMap::get` (the reference), a `ReadHandle`, `RwLock<hashbrown>`,
//!   dashmap and papaya.
//! * refill: on one thread, `refill_entries` `u64` entries cleared and
//!   inserted again `refill_rounds` times, through one
//!   [`SyncMap::write`] batch per round and through `clear` and single
//!   `insert`s, beside `hashbrown::HashMap`'s `clear` and `extend`: time and
//!   allocator calls per round.
//!
//! The maps take turns within each round in rotating order; printed are the
//! median figure of each and the median of its per-round ratio to the
//! reference, with their range ([`crate::stats`]). Reads are in million
//! operations per second (higher is faster, so is the ratio); the refill in
//! microseconds per round (lower is faster).

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use map_conformance::alloc::Counter;
use map_conformance::Rng;
use sync_map::{ReadHandle, SyncMap};

use crate::stats;

/// Lookups per `ReadHandle::enter` section in the batched contestant.
pub const BATCH: u64 = 16;

/// The sizes and rounds of one run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Keys present (`0..keys`).
    pub keys: u64,
    /// Reading threads.
    pub threads: usize,
    /// Operations per thread per map per round.
    pub ops_per_thread: u64,
    /// Entries per clear-and-refill round.
    pub refill_entries: u64,
    /// Clear-and-refill rounds per timing.
    pub refill_rounds: u64,
    /// Rounds.
    pub rounds: usize,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            keys: 100_000,
            threads: 2,
            ops_per_thread: 2_000_000,
            refill_entries: 1_000,
            refill_rounds: 1_000,
            rounds: 15,
        }
    }
}

/// What each map must offer the workloads.
trait Shared: Sync {
    /// What a thread reads through: the map itself, or a handle.
    type Reader<'a>: Read
    where
        Self: 'a;
    fn reader(&self) -> Self::Reader<'_>;
    fn insert(&self, key: u64, value: u64);
    fn remove(&self, key: u64);
}

trait Read {
    fn get(&self, key: u64) -> Option<u64>;

    /// [`BATCH`] reads of keys below `keys` drawn from `rng`, summed: one
    /// `get` each unless the map can do better.
    #[inline(always)]
    fn batch(&self, rng: &mut Rng, keys: u64) -> u64 {
        let mut sum = 0u64;
        for _ in 0..BATCH {
            let key = rng.below(keys);
            sum = sum.wrapping_add(self.get(key).unwrap_or(0));
        }
        sum
    }
}

/// The writes of the mixed workload.
trait Writable {
    fn insert(&self, key: u64, value: u64);
    fn remove(&self, key: u64);
}

/// Maps read directly, with no per-thread state.
macro_rules! direct {
    ($ty:ty, |$m:ident, $k:ident| $get:expr) => {
        impl Read for &$ty {
            #[inline(always)]
            fn get(&self, $k: u64) -> Option<u64> {
                let $m: &$ty = self;
                $get
            }
        }
        impl Shared for $ty {
            type Reader<'a> = &'a $ty;
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

/// An unlocked map shared by reference: read-only.
struct Unlocked<M>(M);

impl<M> Writable for Unlocked<M> {
    fn insert(&self, _: u64, _: u64) {
        unreachable!("read-only")
    }
    fn remove(&self, _: u64) {
        unreachable!("read-only")
    }
}

impl Writable for SyncMap<u64, u64> {
    fn insert(&self, key: u64, value: u64) {
        SyncMap::insert(self, key, value);
    }
    fn remove(&self, key: u64) {
        SyncMap::remove(self, &key);
    }
}

impl Writable for RwLock<hashbrown::HashMap<u64, u64>> {
    fn insert(&self, key: u64, value: u64) {
        self.write().expect("not poisoned").insert(key, value);
    }
    fn remove(&self, key: u64) {
        self.write().expect("not poisoned").remove(&key);
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

direct!(Unlocked<hashbrown::HashMap<u64, u64>>, |m, k| m
    .0
    .get(&k)
    .copied());
direct!(Unlocked<map_core::HashMap<u64, u64>>, |m, k| m
    .0
    .get(&k)
    .copied());
direct!(SyncMap<u64, u64>, |m, k| m.get(&k));
direct!(RwLock<hashbrown::HashMap<u64, u64>>, |m, k| m
    .read()
    .expect("not poisoned")
    .get(&k)
    .copied());
direct!(dashmap::DashMap<u64, u64>, |m, k| m.get(&k).map(|r| *r));
direct!(papaya::HashMap<u64, u64>, |m, k| m.pin().get(&k).copied());

/// `SyncMap` read through a per-thread `ReadHandle`.
struct ByHandle<'m>(&'m SyncMap<u64, u64>);
/// `SyncMap` read through a handle, [`BATCH`] lookups per `enter`.
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
    fn batch(&self, rng: &mut Rng, keys: u64) -> u64 {
        self.0.enter(|view| {
            let mut sum = 0u64;
            for _ in 0..BATCH {
                let key = rng.below(keys);
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

/// Runs the workload on `plan.threads` threads; returns million operations
/// per second.
fn ops_per_sec<M: Shared>(map: &M, plan: &Plan, writes: u64) -> f64 {
    let keys = plan.keys;
    let ops = plan.ops_per_thread;
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..plan.threads {
            s.spawn(move || {
                let reader = map.reader();
                // The same key stream for every map, a different one per thread.
                let mut rng = Rng::new(0x1234_5678 + t as u64);
                let mut sum = 0u64;
                if writes > 0 {
                    for _ in 0..ops {
                        let r = rng.next_u64();
                        let key = r % keys;
                        // `writes`% inserts and as many removes, of keys above
                        // the read set (so the read set stays put and the map
                        // near its size).
                        let dice = (r >> 40) % 100;
                        if dice < writes {
                            map.insert(keys + key % 1000, r);
                        } else if dice < 2 * writes {
                            map.remove(keys + key % 1000);
                        } else {
                            sum = sum.wrapping_add(reader.get(key).unwrap_or(0));
                        }
                    }
                } else {
                    for _ in 0..ops / BATCH {
                        sum = sum.wrapping_add(reader.batch(&mut rng, keys));
                    }
                }
                black_box(sum);
            });
        }
    });
    let elapsed = start.elapsed().max(Duration::from_nanos(1));
    let done = if writes > 0 { ops } else { ops / BATCH * BATCH };
    (plan.threads as u64 * done) as f64 / elapsed.as_secs_f64() / 1e6
}

/// One contestant: its name and how to time it once.
type Contestant<'a> = (&'static str, Box<dyn Fn() -> f64 + 'a>);

/// Runs the plan, reporting each round through `progress`; returns the
/// printed summary.
pub fn run(plan: Plan, mut progress: impl FnMut(&str)) -> String {
    let n = plan.keys;
    let pairs = || (0..n).map(|k| (k, k));
    let unlocked = Unlocked(pairs().collect::<hashbrown::HashMap<u64, u64>>());
    let core = Unlocked(pairs().collect::<map_core::HashMap<u64, u64>>());
    let sync: SyncMap<u64, u64> = pairs().collect();
    let rwlock = RwLock::new(pairs().collect::<hashbrown::HashMap<u64, u64>>());
    let dash: dashmap::DashMap<u64, u64> = pairs().collect();
    let pap: papaya::HashMap<u64, u64> = pairs().collect();
    let handle = ByHandle(&sync);
    let batched = ByEnter(&sync);
    let p = &plan;

    let read_only: Vec<Contestant<'_>> = vec![
        (
            "&hashbrown (ceiling)",
            Box::new(|| ops_per_sec(&unlocked, p, 0)),
        ),
        ("&map_core::HashMap", Box::new(|| ops_per_sec(&core, p, 0))),
        ("SyncMap get", Box::new(|| ops_per_sec(&sync, p, 0))),
        (
            "SyncMap ReadHandle",
            Box::new(|| ops_per_sec(&handle, p, 0)),
        ),
        (
            "SyncMap enter (x16)",
            Box::new(|| ops_per_sec(&batched, p, 0)),
        ),
        ("RwLock<hashbrown>", Box::new(|| ops_per_sec(&rwlock, p, 0))),
        ("dashmap", Box::new(|| ops_per_sec(&dash, p, 0))),
        ("papaya", Box::new(|| ops_per_sec(&pap, p, 0))),
    ];
    // The maps that can be written, with `writes`% inserts and as many
    // removes among the reads.
    let (sync, handle, rwlock, dash, pap) = (&sync, &handle, &rwlock, &dash, &pap);
    let mixed = |writes: u64| -> Vec<Contestant<'_>> {
        vec![
            (
                "SyncMap get",
                Box::new(move || ops_per_sec(sync, p, writes)),
            ),
            (
                "SyncMap ReadHandle",
                Box::new(move || ops_per_sec(handle, p, writes)),
            ),
            (
                "RwLock<hashbrown>",
                Box::new(move || ops_per_sec(rwlock, p, writes)),
            ),
            ("dashmap", Box::new(move || ops_per_sec(dash, p, writes))),
            ("papaya", Box::new(move || ops_per_sec(pap, p, writes))),
        ]
    };
    let read_heavy = mixed(1);
    let write_heavier = mixed(5);

    let mut out = String::new();
    let _ = writeln!(
        out,
        "concurrent: {} u64 keys, {} threads, {} ops per thread, {} rounds interleaved in one \
         process; median M ops/s, and the median of the per-round ratios to the first map \
         (min-max over the rounds; above 1 is faster)",
        plan.keys, plan.threads, plan.ops_per_thread, plan.rounds
    );
    let mut noisy = Vec::new();
    for (what, title, contestants) in [
        ("read-only", "read-only", &read_only),
        ("mixed", "mixed: 98% get, 1% insert, 1% remove", &read_heavy),
        (
            "mixed-90",
            "mixed: 90% get, 5% insert, 5% remove",
            &write_heavier,
        ),
    ] {
        let samples = interleave(contestants, plan.rounds, what, &mut progress);
        let _ = writeln!(out, "\n{title}");
        let rows: Vec<(&str, &[f64])> = contestants
            .iter()
            .zip(&samples)
            .map(|((name, _), s)| (*name, &s[..]))
            .collect();
        let reference = format!("ratio to {}", contestants[0].0);
        stats::write_comparison(
            &mut out,
            what,
            [what, "M ops/s", &reference],
            1,
            &rows,
            &mut noisy,
        );
    }

    let (times, calls) = time_refill(&plan, &mut progress);
    let _ = writeln!(
        out,
        "\nclear-and-refill: {} u64 entries cleared and inserted again, {} times per timing, \
         on one thread",
        plan.refill_entries, plan.refill_rounds
    );
    let rows: Vec<(&str, &[f64])> = REFILL
        .iter()
        .zip(&times)
        .map(|(n, s)| (*n, &s[..]))
        .collect();
    stats::write_comparison(
        &mut out,
        "refill",
        ["refill", "us/round", "ratio to hashbrown"],
        1,
        &rows,
        &mut noisy,
    );
    let calls: Vec<String> = REFILL
        .iter()
        .zip(&calls)
        .map(|(n, c)| format!("{n} {:.2}", stats::median(c)))
        .collect();
    let _ = writeln!(
        out,
        "allocator calls per clear-and-refill round (median): {}",
        calls.join(", ")
    );
    stats::write_noise_warning(&mut out, &noisy);
    out
}

/// Per contestant, its figure in each round, the contestants taking turns
/// in rotating order.
fn interleave(
    contestants: &[Contestant<'_>],
    rounds: usize,
    what: &str,
    progress: &mut impl FnMut(&str),
) -> Vec<Vec<f64>> {
    let mut samples = vec![Vec::with_capacity(rounds); contestants.len()];
    for round in 0..rounds {
        for turn in stats::rotation(round, contestants.len()) {
            samples[turn].push((contestants[turn].1)());
        }
        progress(&format!("{what} round {}/{rounds} done", round + 1));
    }
    samples
}

const REFILL: [&str; 3] = [
    "hashbrown clear+extend",
    "SyncMap::write batch",
    "SyncMap clear+insert",
];

/// Runs `round` `plan.refill_rounds` times after a warm-up; returns
/// microseconds and allocator calls per round.
fn per_refill_round(plan: &Plan, mut round: impl FnMut(u64)) -> (f64, f64) {
    // Warm-up: the tables reach their size.
    for r in 0..3 {
        round(r);
    }
    let counter = Counter::start();
    let start = Instant::now();
    for r in 0..plan.refill_rounds {
        round(r);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let rounds = plan.refill_rounds.max(1) as f64;
    (elapsed * 1e6 / rounds, counter.calls() as f64 / rounds)
}

/// Per contestant of [`REFILL`], its microseconds and allocator calls per
/// clear-and-refill round, in each round.
fn time_refill(
    plan: &Plan,
    progress: &mut impl FnMut(&str),
) -> ([Vec<f64>; REFILL.len()], [Vec<f64>; REFILL.len()]) {
    let sync: SyncMap<u64, u64> = SyncMap::new();
    let single: SyncMap<u64, u64> = SyncMap::new();
    let mut base: hashbrown::HashMap<u64, u64> = hashbrown::HashMap::new();
    let n = plan.refill_entries;
    let mut times: [Vec<f64>; REFILL.len()] = Default::default();
    let mut calls: [Vec<f64>; REFILL.len()] = Default::default();
    for round in 0..plan.rounds {
        for turn in stats::rotation(round, REFILL.len()) {
            let (us, c) = if turn == 0 {
                per_refill_round(plan, |r| {
                    base.clear();
                    base.extend((0..n).map(|k| (k, k ^ r)));
                    black_box(&base);
                })
            } else if turn == 1 {
                per_refill_round(plan, |r| {
                    sync.write(|w| {
                        w.clear();
                        w.extend((0..n).map(|k| (k, k ^ r)));
                    });
                    black_box(&sync);
                })
            } else {
                // One publication per call: what a user who does not batch
                // pays.
                per_refill_round(plan, |r| {
                    single.clear();
                    for k in 0..n {
                        single.insert(k, k ^ r);
                    }
                    black_box(&single);
                })
            };
            times[turn].push(us);
            calls[turn].push(c);
        }
        progress(&format!("refill round {}/{} done", round + 1, plan.rounds));
    }
    (times, calls)
}
