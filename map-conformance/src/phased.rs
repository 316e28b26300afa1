//! The phased differential test: operations that come in phases over ranges
//! of hashes, checked against `std::collections::HashMap`.
//!
//! [`differential`](crate::differential) mixes its operations uniformly, so
//! one part of a map rarely empties while another grows: the shapes that
//! break storages made of several tables (an emptied table beside a sibling
//! that split deeper, a split that leaves one half empty, a merge the
//! allocator refused) hardly ever arise there. Here the keys fall in
//! [`RANGES`] ranges, each range a fixed prefix of the hash's high bits
//! (the bits a directory of tables indexes by), and the operations come in
//! phases: fill some ranges to different levels, empty one, refill it with
//! one key or many, churn inside one range, clear, reclaim, change policy.
//!
//! The hashes come from [`PhaseHasher`], in three shapes ([`Hashing`]):
//! well spread, clustered (every hash of a range shares all its high bits
//! and its tag, so nothing separates them past the range), and colliding
//! (groups of 64 keys with one hash). With a [`FailingAlloc`], allocations
//! are refused at random points of the removal phases and of `reclaim`,
//! where a map must carry on with what it has.
//!
//! Every operation is watched: one that has not returned after
//! [`op_seconds`] seconds ends the process with the seed and the operation
//! number, instead of hanging the test run.

use std::collections::HashMap as StdHashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use map_core::{ReclaimMap, ReclaimPolicy};

use crate::alloc::FailingAlloc;
use crate::{seeds, Rng, Sizes};

/// The fewest operations per run of [`phased_all`]: enough entries for a
/// storage of tables of 128 KiB to split twice, so that a table can empty
/// beside a sibling that split deeper.
pub const MIN_OPS: u64 = 30_000;

/// How many ranges the keys fall in: the first four directory bits.
pub const RANGES: u64 = 16;

/// The shape of the hashes a [`PhaseHasher`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hashing {
    /// Every bit mixed, but for the range prefix.
    #[default]
    Spread,
    /// Within a range, every hash shares its high bits (tag and directory
    /// bits alike); only the low 32 bits differ.
    Clustered,
    /// Groups of 64 keys share one hash.
    Colliding,
}

impl Hashing {
    /// The three shapes.
    pub const ALL: [Hashing; 3] = [Hashing::Spread, Hashing::Clustered, Hashing::Colliding];
}

/// The key `n` of range `range`.
///
/// ```
/// use map_conformance::phased::{key, range_of};
///
/// assert_eq!(range_of(key(5, 17)), 5);
/// ```
pub fn key(range: u64, n: u64) -> u64 {
    range << 32 | n
}

/// The range of a key made by [`key`].
///
/// ```
/// use map_conformance::phased::{key, range_of};
///
/// assert_eq!(range_of(key(15, 0)), 15);
/// ```
pub fn range_of(key: u64) -> u64 {
    key >> 32
}

/// A hasher for `u64` keys made by [`key`]: the range lands in the four
/// bits just below hashbrown's 7-bit tag (bits 53 to 56, the first bits a
/// directory of tables indexes by), the rest as [`Hashing`] says.
///
/// ```
/// use std::hash::BuildHasher;
/// use map_conformance::phased::{key, Hashing, PhaseHasher};
///
/// let spread = PhaseHasher::new(Hashing::Spread);
/// assert_eq!((spread.hash_one(key(9, 1)) >> 53) & 0xF, 9);
/// let colliding = PhaseHasher::new(Hashing::Colliding);
/// assert_eq!(colliding.hash_one(key(3, 0)), colliding.hash_one(key(3, 63)));
/// assert_ne!(colliding.hash_one(key(3, 0)), colliding.hash_one(key(3, 64)));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PhaseHasher {
    hashing: Hashing,
}

impl PhaseHasher {
    /// A hasher giving hashes of this shape.
    pub fn new(hashing: Hashing) -> Self {
        Self { hashing }
    }

    /// The shape.
    pub fn hashing(&self) -> Hashing {
        self.hashing
    }
}

impl BuildHasher for PhaseHasher {
    type Hasher = PhaseHash;

    fn build_hasher(&self) -> PhaseHash {
        PhaseHash {
            hashing: self.hashing,
            key: 0,
        }
    }
}

/// The hasher [`PhaseHasher`] builds.
#[derive(Debug)]
pub struct PhaseHash {
    hashing: Hashing,
    key: u64,
}

const RANGE_SHIFT: u32 = 53;

fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Hasher for PhaseHash {
    fn finish(&self) -> u64 {
        let range = (range_of(self.key) & (RANGES - 1)) << RANGE_SHIFT;
        let others = !((RANGES - 1) << RANGE_SHIFT);
        match self.hashing {
            Hashing::Spread => mix(self.key) & others | range,
            Hashing::Clustered => mix(self.key) & 0xFFFF_FFFF | range,
            Hashing::Colliding => mix(self.key >> 6) & others | range,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.key = self.key.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.key = key;
    }
}

/// Seconds an operation may take before the watchdog ends the process:
/// `CONFORMANCE_OP_SECONDS`, or 60.
///
/// ```
/// if std::env::var_os("CONFORMANCE_OP_SECONDS").is_none() {
///     assert_eq!(map_conformance::phased::op_seconds(), 60);
/// }
/// ```
pub fn op_seconds() -> u64 {
    std::env::var("CONFORMANCE_OP_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

/// Ends the process if the operation counter stops moving for too long.
struct Watchdog {
    op: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(context: String) -> Self {
        let op = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let limit = Duration::from_secs(op_seconds());
        let thread = {
            let (op, stop) = (Arc::clone(&op), Arc::clone(&stop));
            thread::spawn(move || {
                let (mut seen, mut since) = (op.load(Ordering::Relaxed), Instant::now());
                while !stop.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(50));
                    let now = op.load(Ordering::Relaxed);
                    if now != seen {
                        (seen, since) = (now, Instant::now());
                    } else if since.elapsed() > limit {
                        // Straight to stderr: the test harness's capture
                        // of `eprintln!` is lost when the process aborts.
                        let _ = writeln!(
                            std::io::stderr(),
                            "{context}, op {now}: did not return within {} s; \
                             the process ends here instead of hanging",
                            limit.as_secs()
                        );
                        std::process::abort();
                    }
                }
            })
        };
        Self {
            op,
            stop,
            thread: Some(thread),
        }
    }

    fn tick(&self, i: u64) {
        self.op.store(i, Ordering::Relaxed);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One run: a map, its model, the generator and the bookkeeping.
struct Run<'a, M> {
    map: M,
    model: StdHashMap<u64, u64>,
    rng: Rng,
    refuse: Option<&'a FailingAlloc>,
    op: u64,
    watchdog: Watchdog,
    context: String,
}

impl<M: ReclaimMap<u64, u64>> Run<'_, M> {
    fn next(&mut self) -> u64 {
        self.op += 1;
        self.watchdog.tick(self.op);
        self.op
    }

    fn at(&self, what: &str) -> String {
        format!("{}, op {}: {what}", self.context, self.op)
    }

    /// Lets the allocator refuse from a random point on (half the time).
    fn maybe_refuse(&mut self) {
        if let Some(alloc) = self.refuse {
            if self.rng.below(2) == 0 {
                alloc.fail_after(self.rng.below(3) as usize);
            }
        }
    }

    fn allow(&self) {
        if let Some(alloc) = self.refuse {
            alloc.never_fail();
        }
    }

    fn insert(&mut self, k: u64) {
        self.next();
        let v = self.rng.next_u64();
        let got = self.map.insert(k, v);
        let want = self.model.insert(k, v);
        assert_eq!(got, want, "{}", self.at(&format!("insert({k:#x})")));
        self.check_len();
    }

    fn remove(&mut self, k: u64) {
        self.next();
        let got = self.map.remove(&k);
        let want = self.model.remove(&k);
        assert_eq!(got, want, "{}", self.at(&format!("remove({k:#x})")));
        self.check_len();
    }

    fn get(&mut self, k: u64) {
        self.next();
        let got = self.map.get(&k).map(|v| *v);
        assert_eq!(
            got,
            self.model.get(&k).copied(),
            "{}",
            self.at(&format!("get({k:#x})"))
        );
        assert_eq!(
            self.map.contains_key(&k),
            self.model.contains_key(&k),
            "{}",
            self.at(&format!("contains_key({k:#x})"))
        );
    }

    fn check_len(&self) {
        assert_eq!(self.map.len(), self.model.len(), "{}", self.at("len"));
    }

    fn check_all(&mut self) {
        self.next();
        let mut seen = StdHashMap::new();
        self.map.for_each(|k, v| {
            assert!(
                seen.insert(*k, *v).is_none(),
                "for_each visited {k:#x} twice"
            );
        });
        assert_eq!(seen, self.model, "{}", self.at("for_each"));
    }

    /// Keys of `range` held now, in random order.
    fn held(&mut self, range: u64) -> Vec<u64> {
        let mut keys: Vec<u64> = self
            .model
            .keys()
            .copied()
            .filter(|&k| range_of(k) == range)
            .collect();
        keys.sort_unstable();
        for i in (1..keys.len()).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            keys.swap(i, j);
        }
        keys
    }

    fn fill(&mut self, range: u64, up_to: u64) {
        self.allow();
        for n in 0..up_to {
            self.insert(key(range, n));
        }
    }

    fn empty(&mut self, range: u64) {
        self.maybe_refuse();
        for k in self.held(range) {
            self.remove(k);
            // A miss in a range being emptied changes nothing.
            let probe = key(range, self.rng.below(1 << 20));
            if !self.model.contains_key(&probe) {
                self.remove(probe);
            }
        }
        self.allow();
    }
}

/// Runs `ops` phased operations (at least) on a map from `make`, comparing
/// every result with std's `HashMap`. With `refuse`, the allocator the map
/// was built on, allocations are refused at random points of the removal
/// phases and of `reclaim()`.
///
/// # Panics
///
/// On the first difference, naming the seed, the hashing and the operation.
/// An operation that does not return within [`op_seconds`] ends the process
/// with the same information.
///
/// ```
/// use map_conformance::phased::{phased, Hashing};
/// use map_core::HashMap;
///
/// for hashing in Hashing::ALL {
///     phased(HashMap::with_hasher, hashing, None, 1, 3_000);
/// }
/// ```
pub fn phased<M, F>(make: F, hashing: Hashing, refuse: Option<&FailingAlloc>, seed: u64, ops: u64)
where
    M: ReclaimMap<u64, u64>,
    F: FnOnce(PhaseHasher) -> M,
{
    let context = format!(
        "phased, seed {seed}, {hashing:?} hashes{} (CONFORMANCE_SEED={seed} to replay)",
        if refuse.is_some() {
            ", refusing allocator"
        } else {
            ""
        }
    );
    let mut run = Run {
        map: make(PhaseHasher::new(hashing)),
        model: StdHashMap::new(),
        rng: Rng::new(seed),
        refuse,
        op: 0,
        watchdog: Watchdog::start(context.clone()),
        context,
    };
    // A range holds up to this many keys: all ranges full are about `ops`
    // entries, enough for several tables of a split storage.
    let per_range = (ops / RANGES).max(8);
    while run.op < ops {
        let range = run.rng.below(RANGES);
        match run.rng.below(18) {
            // Fill an aligned block of ranges (a subtree of a directory)
            // past the others: one side splits deeper than its siblings.
            16..=17 => {
                let size = 1 << run.rng.below(4);
                let first = range & !(size - 1);
                for r in first..first + size {
                    let level = per_range + run.rng.below(per_range + 1);
                    run.fill(r, level);
                }
            }
            // Fill one range to a random level.
            0..=2 => {
                let level = run.rng.below(per_range + 1);
                run.fill(range, level);
            }
            // Fill every range, each to its own level: uneven growth, so
            // siblings split to different depths.
            3 => {
                for r in 0..RANGES {
                    let level = run.rng.below(per_range + 1) >> run.rng.below(4);
                    run.fill(r, level);
                }
            }
            // Empty one range: its tables lose every entry.
            4..=6 => run.empty(range),
            // Empty one range, then put one key back in it.
            7..=8 => {
                run.empty(range);
                let n = run.rng.below(per_range);
                run.allow();
                run.insert(key(range, n));
                run.get(key(range, n));
            }
            // Empty every range but one.
            9 => {
                for r in (0..RANGES).filter(|&r| r != range) {
                    run.empty(r);
                }
            }
            // Churn inside one range: inserts and removals of its keys.
            10..=11 => {
                let width = run.rng.below(per_range) + 1;
                for _ in 0..run.rng.below(per_range) + 1 {
                    let k = key(range, run.rng.below(width));
                    if run.rng.below(2) == 0 {
                        run.allow();
                        run.insert(k);
                    } else {
                        run.maybe_refuse();
                        run.remove(k);
                        run.allow();
                    }
                }
            }
            // Lookups, hits and misses, in one range.
            12 => {
                for _ in 0..64 {
                    let k = key(range, run.rng.below(per_range * 2));
                    run.get(k);
                }
            }
            13 => {
                run.maybe_refuse();
                run.next();
                let released = run.map.reclaim();
                run.allow();
                let stats = run.map.memory();
                assert!(
                    stats.reclaimed_bytes >= released,
                    "{}",
                    run.at("reclaimed_bytes counts every release")
                );
                run.check_all();
            }
            14 => {
                let policy = if run.rng.below(3) == 0 {
                    ReclaimPolicy::manual()
                } else {
                    ReclaimPolicy::default()
                };
                run.next();
                run.map.set_policy(policy);
                assert_eq!(run.map.policy(), policy, "{}", run.at("set_policy"));
            }
            _ => {
                if run.rng.below(4) == 0 {
                    run.maybe_refuse();
                    run.next();
                    run.map.clear();
                    run.model.clear();
                    run.allow();
                    run.check_len();
                }
                run.check_all();
            }
        }
    }
    run.allow();
    run.check_all();
}

/// [`phased`] under every [`Hashing`], over the kit's seeds, with
/// `sizes.random_ops` operations per run, and at least [`MIN_OPS`].
///
/// ```
/// use map_conformance::phased::phased_all;
/// use map_conformance::Sizes;
/// use map_core::HashMap;
///
/// phased_all(HashMap::with_hasher, Sizes { random_ops: 2_000, ..Sizes::QUICK });
/// ```
pub fn phased_all<M>(make: impl Fn(PhaseHasher) -> M, sizes: Sizes)
where
    M: ReclaimMap<u64, u64>,
{
    for seed in seeds(2) {
        for hashing in Hashing::ALL {
            phased(&make, hashing, None, seed, runs_of(sizes));
        }
    }
}

/// [`phased_all`] for a map built on an allocator: each run on a
/// [`FailingAlloc`] that refuses at random points of the removal phases
/// and of `reclaim()`.
///
/// ```
/// use map_conformance::phased::phased_all_in;
/// use map_conformance::Sizes;
/// use map_core::HashMap;
///
/// phased_all_in(HashMap::with_hasher_in, Sizes { random_ops: 2_000, ..Sizes::QUICK });
/// ```
pub fn phased_all_in<M>(make: impl Fn(PhaseHasher, FailingAlloc) -> M, sizes: Sizes)
where
    M: ReclaimMap<u64, u64>,
{
    for seed in seeds(2) {
        for hashing in Hashing::ALL {
            let alloc = FailingAlloc::new();
            phased(
                |h| make(h, alloc.clone()),
                hashing,
                Some(&alloc),
                seed,
                runs_of(sizes),
            );
        }
    }
}

fn runs_of(sizes: Sizes) -> u64 {
    (sizes.random_ops as u64).max(MIN_OPS)
}
