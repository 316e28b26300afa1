//! The conformance kit: one suite that every map in the workspace runs
//! through [`ReclaimMap`].
//!
//! * [`differential`]: random operation sequences checked, operation by
//!   operation, against `std::collections::HashMap` (the seed is printed on
//!   failure; rerun one with `CONFORMANCE_SEED=<seed>`).
//! * [`drops`]: keys and values that count their constructions and drops;
//!   every one is dropped exactly once.
//! * [`phased`]: operations in phases over ranges of hashes (fill, empty
//!   one range, refill it) under spread, clustered and colliding hashes and
//!   an allocator that refuses at chosen points, against std; every
//!   operation watched, so one that never returns fails loudly.
//! * [`scenarios`]: the memory scenarios that define "reclaims" (delete-all,
//!   spike, churn), measured by the counting global allocator in [`alloc`]
//!   and by the map's own `memory()`, and [`check_scenarios`] with the
//!   thresholds the design sets.
//! * [`unwind`]: a `Hash` that panics while the map grows, drains and
//!   reclaims loses no entry ([`unwind::hasher_unwind`]).
//! * [`std_api`]: for a map built on map-core's
//!   [`Map`](map_core::toolkit::Map), std's whole API (entries, iterators,
//!   bulk operations, `try_reserve`'s errors, clone and equality) against
//!   std on random operations, given only the storage type, and
//!   [`std_api::check_walks`] (`extract_if`, `get_disjoint_mut`) for a
//!   storage whose positions stay put.
//! * [`promises`]: for such a map, the capacity floors, nothing given back
//!   unless an entry left, clear reuse, `memory()` exact at every stage, and
//!   the hysteresis property ([`promises::check_hysteresis`]), piece by
//!   piece for a storage of many tables.
//! * `par` (with the `rayon` feature): for a map over a `ParStore`, every
//!   parallel method against std and the map's sequential API.
//! * [`alloc_failure`]: for such a map over the kit's `FailingAlloc`, a
//!   refused allocation loses and aborts nothing (`try_insert`,
//!   `try_reserve` with std's error kinds, removals, `clear`, `drain`).
//! * `serde` (with the `serde` feature): for such a map, a round trip
//!   through JSON, malformed input as an error, and a length hint taken
//!   neither as a capacity floor nor, far beyond the entries, as a size.
//!
//! The maps of the last four hash with foldhash seeded from the check's
//! seed (a fixed one for the checks that take none), so a failure that
//! names its seed replays exactly, table layouts included, with
//! `CONFORMANCE_SEED=<seed>`.
//!
//! A variant's test file is a few lines:
//!
//! ```ignore
//! map_conformance::install_counting_allocator!();
//!
//! #[test]
//! fn conformance() {
//!     map_conformance::suite(|| MyMap::<_, _>::default(), map_conformance::Sizes::from_env());
//! }
//! ```

pub mod alloc;
pub mod alloc_failure;
#[cfg(feature = "rayon")]
pub mod par;
pub mod phased;
pub mod promises;
pub mod scenarios;
#[cfg(feature = "serde")]
pub mod serde;
pub mod std_api;
mod test_map;
pub mod unwind;

use std::cell::RefCell;
use std::collections::HashMap as StdHashMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use map_core::{ReclaimMap, ReclaimPolicy};

pub use scenarios::{check_clear_reuse, check_drain_idle, check_scenarios, Sizes};

/// A small, fast, seedable generator (SplitMix64), so a failing sequence can
/// be replayed from its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    ///
    /// ```
    /// use map_conformance::Rng;
    ///
    /// let (mut a, mut b) = (Rng::new(7), Rng::new(7));
    /// assert_eq!(a.next_u64(), b.next_u64(), "one seed, one sequence");
    /// assert_ne!(Rng::new(7).next_u64(), Rng::new(8).next_u64());
    /// ```
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    ///
    /// ```
    /// use map_conformance::Rng;
    ///
    /// let mut rng = Rng::new(1);
    /// let first = rng.next_u64();
    /// assert_ne!(rng.next_u64(), first);
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n > 0`).
    ///
    /// ```
    /// use map_conformance::Rng;
    ///
    /// let mut rng = Rng::new(1);
    /// assert!((0..1000).all(|_| rng.below(10) < 10));
    /// ```
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The process's resident memory in bytes, from `/proc/self/statm`, on
/// Linux; `None` elsewhere. For tests that check what reaches the operating
/// system: run them alone in their binary (or one at a time), since every
/// thread of the process counts.
///
/// ```
/// if cfg!(target_os = "linux") {
///     assert!(map_conformance::resident_bytes().unwrap() > 0);
/// }
/// ```
pub fn resident_bytes() -> Option<usize> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * page_alloc::PageAlloc::page_size()?)
}

/// Seeds for the random tests: `CONFORMANCE_SEED` if set (to replay one),
/// else `count` fixed seeds plus one from the clock (printed on failure).
///
/// ```
/// use map_conformance::seeds;
///
/// if std::env::var_os("CONFORMANCE_SEED").is_none() {
///     let seeds = seeds(3);
///     assert_eq!(&seeds[..3], [1, 2, 3]);
///     assert_eq!(seeds.len(), 4, "and one from the clock");
/// }
/// ```
pub fn seeds(count: u64) -> Vec<u64> {
    if let Some(seed) = std::env::var("CONFORMANCE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return vec![seed];
    }
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (1..=count).chain(std::iter::once(clock)).collect()
}

/// Runs `ops` random operations on a map from `make` and on a std `HashMap`,
/// comparing every result. Keys come from a small range so that hits,
/// misses, overwrites and emptying all happen often; the map is drained and
/// refilled in waves so that it grows and shrinks many times.
///
/// # Panics
///
/// On the first difference, with the seed and the operation number.
///
/// ```
/// use map_conformance::{differential, seeds};
/// use map_core::HashMap;
///
/// // Panics, naming the seed, on the first result that differs from std's.
/// for seed in seeds(2) {
///     differential(HashMap::<u64, u64>::new, seed, 5_000);
/// }
/// ```
pub fn differential<M, F>(make: F, seed: u64, ops: usize)
where
    M: ReclaimMap<u64, u64>,
    F: Fn() -> M,
{
    let mut rng = Rng::new(seed);
    let mut map = make();
    let mut model: StdHashMap<u64, u64> = StdHashMap::new();
    let ctx = |i: usize, what: &str| {
        format!("seed {seed}, op {i}: {what} (CONFORMANCE_SEED={seed} to replay)")
    };
    for i in 0..ops {
        // Waves: the key range breathes between 4 and 4096 keys, and the
        // insert/remove balance flips, so tables grow and shrink repeatedly.
        let wave = (i / 2000) as u64;
        let range = 4u64 << (wave % 11);
        let insert_bias = if wave % 2 == 0 { 60 } else { 25 };
        let key = rng.below(range);
        let roll = rng.below(1000);
        match roll {
            0..=1 => {
                map.clear();
                model.clear();
            }
            2..=4 => {
                let released = map.reclaim();
                let mem = map.memory();
                assert!(
                    mem.reclaimed_bytes >= released,
                    "{}",
                    ctx(i, "reclaimed_bytes counts every release")
                );
            }
            5 => {
                let policy = if rng.below(2) == 0 {
                    ReclaimPolicy::manual()
                } else {
                    ReclaimPolicy::default()
                };
                map.set_policy(policy);
                assert_eq!(map.policy(), policy, "{}", ctx(i, "set_policy"));
            }
            6..=15 => {
                let mut seen = StdHashMap::new();
                map.for_each(|k, v| {
                    assert!(seen.insert(*k, *v).is_none(), "for_each visited {k} twice");
                });
                assert_eq!(seen, model, "{}", ctx(i, "for_each"));
            }
            _ if roll < 16 + insert_bias * 10 => {
                let value = rng.next_u64();
                assert_eq!(
                    map.insert(key, value),
                    model.insert(key, value),
                    "{}",
                    ctx(i, &format!("insert({key})"))
                );
            }
            _ if roll < 800 => {
                assert_eq!(
                    map.remove(&key),
                    model.remove(&key),
                    "{}",
                    ctx(i, &format!("remove({key})"))
                );
            }
            _ if roll < 900 => {
                assert_eq!(
                    map.get(&key).map(|v| *v),
                    model.get(&key).copied(),
                    "{}",
                    ctx(i, &format!("get({key})"))
                );
            }
            _ => {
                assert_eq!(
                    map.contains_key(&key),
                    model.contains_key(&key),
                    "{}",
                    ctx(i, &format!("contains_key({key})"))
                );
            }
        }
        assert_eq!(map.len(), model.len(), "{}", ctx(i, "len"));
        assert_eq!(map.is_empty(), model.is_empty(), "{}", ctx(i, "is_empty"));
    }
    let mem = map.memory();
    assert!(mem.peak_bytes >= mem.allocated_bytes, "peak below current");
}

/// `String` keys found by `&str` (through `Equivalent`), with removals that
/// empty the map and shrink it.
///
/// ```
/// use map_conformance::string_keys;
/// use map_core::HashMap;
///
/// // Panics if a `&str` lookup, insert or removal goes wrong.
/// string_keys(HashMap::<String, u64>::new);
/// ```
pub fn string_keys<M, F>(make: F)
where
    M: ReclaimMap<String, u64>,
    F: Fn() -> M,
{
    let mut map = make();
    for i in 0..2000u64 {
        assert_eq!(map.insert(format!("key-{i}"), i), None);
    }
    assert_eq!(map.get("key-7").map(|v| *v), Some(7));
    assert!(map.contains_key("key-1999"));
    assert!(!map.contains_key("key-2000"));
    for i in 0..2000u64 {
        assert_eq!(map.remove(format!("key-{i}").as_str()), Some(i));
    }
    assert!(map.is_empty());
    assert_eq!(map.get("key-7").map(|v| *v), None);
}

/// Counts constructions (including clones) and drops of [`Tracked`] values.
#[derive(Debug, Default)]
pub struct DropLedger {
    made: std::cell::Cell<u64>,
    dropped: std::cell::Cell<u64>,
    // Per id: how many live copies exist; a drop of an id with none live is
    // a double drop.
    live: RefCell<StdHashMap<u64, u64>>,
}

impl DropLedger {
    /// A new ledger, shared by the values it tracks.
    ///
    /// ```
    /// use map_conformance::{DropLedger, Tracked};
    ///
    /// let ledger = DropLedger::new();
    /// let value = Tracked::new(1, &ledger);
    /// assert_eq!((ledger.made(), ledger.alive()), (1, 1));
    /// drop(value);
    /// assert_eq!(ledger.alive(), 0);
    /// ```
    pub fn new() -> Rc<Self> {
        Rc::new(Self::default())
    }

    /// Values made (new and cloned).
    ///
    /// ```
    /// use map_conformance::{DropLedger, Tracked};
    ///
    /// let ledger = DropLedger::new();
    /// let a = Tracked::new(1, &ledger);
    /// let _b = a.clone();
    /// assert_eq!(ledger.made(), 2, "clones count");
    /// ```
    pub fn made(&self) -> u64 {
        self.made.get()
    }

    /// Values dropped.
    ///
    /// ```
    /// use map_conformance::{DropLedger, Tracked};
    ///
    /// let ledger = DropLedger::new();
    /// let a = Tracked::new(1, &ledger);
    /// let b = a.clone();
    /// drop((a, b));
    /// assert_eq!(ledger.dropped(), 2);
    /// ```
    pub fn dropped(&self) -> u64 {
        self.dropped.get()
    }

    /// Values made and not yet dropped.
    ///
    /// ```
    /// use map_conformance::{DropLedger, Tracked};
    /// use map_core::HashMap;
    ///
    /// let ledger = DropLedger::new();
    /// let mut map = HashMap::new();
    /// for i in 0..100 {
    ///     map.insert(i, Tracked::new(i, &ledger));
    /// }
    /// map.retain(|k, _| k % 2 == 0);
    /// assert_eq!(ledger.alive(), 50);
    /// drop(map);
    /// assert_eq!(ledger.alive(), 0, "every value dropped exactly once");
    /// ```
    pub fn alive(&self) -> u64 {
        self.made() - self.dropped()
    }
}

/// A key or value that records its construction and drop in a [`DropLedger`].
/// Equality and hashing use only `id`.
#[derive(Debug)]
pub struct Tracked {
    /// The identity compared and hashed.
    pub id: u64,
    ledger: Rc<DropLedger>,
}

impl Tracked {
    /// A new tracked value.
    ///
    /// ```
    /// use map_conformance::{DropLedger, Tracked};
    /// use map_core::HashMap;
    ///
    /// let keys = DropLedger::new();
    /// let mut map = HashMap::new();
    /// map.insert(Tracked::new(1, &keys), "one");
    /// // Equal by id: the probe finds the stored key.
    /// assert_eq!(map.get(&Tracked::new(1, &keys)), Some(&"one"));
    /// drop(map);
    /// assert_eq!(keys.alive(), 0);
    /// ```
    pub fn new(id: u64, ledger: &Rc<DropLedger>) -> Self {
        ledger.made.set(ledger.made.get() + 1);
        *ledger.live.borrow_mut().entry(id).or_default() += 1;
        Self {
            id,
            ledger: Rc::clone(ledger),
        }
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        Self::new(self.id, &self.ledger)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let ledger = &self.ledger;
        ledger.dropped.set(ledger.dropped.get() + 1);
        let mut live = ledger.live.borrow_mut();
        let copies = live.get_mut(&self.id).expect("dropped a value never made");
        assert!(*copies > 0, "value {} dropped twice", self.id);
        *copies -= 1;
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Tracked {}

impl Hash for Tracked {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

/// Random inserts, overwrites, removals, clears and reclaims with tracked
/// keys and values; checks that at every point the map holds exactly the
/// live values it should, and that after the map is dropped every key and
/// value was dropped exactly once.
///
/// ```
/// use map_conformance::{drops, Tracked};
/// use map_core::HashMap;
///
/// // Panics on a leak or a double drop, naming the seed.
/// drops(HashMap::<Tracked, Tracked>::new, 1, 2_000);
/// ```
pub fn drops<M, F>(make: F, seed: u64, ops: usize)
where
    M: ReclaimMap<Tracked, Tracked>,
    F: Fn() -> M,
{
    let keys = DropLedger::new();
    let values = DropLedger::new();
    let mut rng = Rng::new(seed);
    {
        let mut map = make();
        for i in 0..ops {
            let range = 8u64 << ((i / 1500) % 9);
            let id = rng.below(range);
            match rng.below(100) {
                0 => map.clear(),
                1 => {
                    map.reclaim();
                }
                2..=55 => {
                    let old = map.insert(Tracked::new(id, &keys), Tracked::new(id, &values));
                    drop(old);
                }
                _ => {
                    let probe = Tracked::new(id, &keys);
                    drop(map.remove(&probe));
                }
            }
            // Everything not in the map was dropped (clones a concurrent map
            // keeps for readers aside, which it must free by the end).
            assert!(
                values.alive() >= map.len() as u64,
                "seed {seed}, op {i}: fewer live values than entries"
            );
        }
    }
    assert_eq!(
        keys.alive(),
        0,
        "seed {seed}: keys leaked or double-dropped"
    );
    assert_eq!(
        values.alive(),
        0,
        "seed {seed}: values leaked or double-dropped"
    );
}

/// The whole suite for one variant: differential and drop tests over several
/// seeds, string keys, and the memory scenarios with the design's thresholds.
///
/// The factories make fresh maps with the automatic policy.
///
/// ```
/// use map_conformance::{suite, Sizes, Tracked};
/// use map_core::HashMap;
///
/// // Panics, naming the test and the seed, on the first failure.
/// suite(
///     HashMap::<u64, u64>::new,
///     HashMap::<Tracked, Tracked>::new,
///     HashMap::<String, u64>::new,
///     Sizes { random_ops: 2_000, ..Sizes::QUICK },
/// );
/// ```
pub fn suite<M1, M2, M3>(
    make_u64: impl Fn() -> M1,
    make_tracked: impl Fn() -> M2,
    make_string: impl Fn() -> M3,
    sizes: Sizes,
) where
    M1: ReclaimMap<u64, u64>,
    M2: ReclaimMap<Tracked, Tracked>,
    M3: ReclaimMap<String, u64>,
{
    for seed in seeds(3) {
        differential(&make_u64, seed, sizes.random_ops);
        drops(&make_tracked, seed, sizes.random_ops / 4);
    }
    string_keys(make_string);
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
