//! `SyncMap`: the safe map on top of the left-right pair in `raw`.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;
use core::ops::Deref;

use map_core::{
    Allocator, DefaultHashBuilder, Equivalent, MemoryStats, PageAlloc, ReclaimMap, ReclaimPolicy,
};

use crate::raw::{copy_bytes, LeftRight, Reader, WriteGuard};
use crate::sync::plain;

type Table<K, V, S, A> = map_core::HashMap<K, V, S, A>;
type Pair<K, V, S, A> = LeftRight<Table<K, V, S, A>, Log<K, V>>;
type Guard<'a, K, V, S, A> = WriteGuard<'a, Table<K, V, S, A>, Log<K, V>>;

/// The lookups [`SyncMap`] and [`ReadHandle`] share, written once for both:
/// each runs in one read section, entered by the type's `section`. The
/// examples name the receiver `$recv`, made by the line `$setup`.
macro_rules! reads {
    ($recv:literal, $setup:literal) => {
        /// A clone of the value under `key` (Go: `Load`).
        ///
        /// The clone is taken inside the read section; use
        /// [`get_with`](Self::get_with) to look at a value without cloning it.
        ///
        /// ```
        /// use sync_map::SyncMap;
        ///
        /// let map = SyncMap::new();
        /// map.insert("a", String::from("x"));
        #[doc = concat!(" ", $setup)]
        #[doc = concat!(" assert_eq!(", $recv, ".get(\"a\"), Some(String::from(\"x\")));")]
        #[doc = concat!(" assert_eq!(", $recv, ".get(\"b\"), None);")]
        /// ```
        #[inline]
        pub fn get<Q>(&self, key: &Q) -> Option<V>
        where
            Q: ?Sized + Hash + Equivalent<K>,
            V: Clone,
        {
            self.section(|t| t.get(key).cloned())
        }

        /// Calls `f` with the value under `key`, inside the read section, and
        /// returns its result.
        ///
        /// Writers of this map wait while `f` runs, so keep it short.
        ///
        /// # Panics
        ///
        /// If `f` writes to this same map: the write would wait for `f` to
        /// finish. (Reading this map, and writing other maps, is fine; see the
        /// [crate docs](crate#a-reader-that-cannot-leave-its-section) for what
        /// a write to another map costs when its writer must wait for this
        /// thread.)
        ///
        /// ```
        /// use sync_map::SyncMap;
        ///
        /// let map = SyncMap::new();
        /// map.insert("a", vec![1, 2, 3]);
        #[doc = concat!(" ", $setup)]
        /// // Looks at the vector in place instead of cloning it.
        #[doc = concat!(" assert_eq!(", $recv, ".get_with(\"a\", |v| v.len()), Some(3));")]
        #[doc = concat!(" assert_eq!(", $recv, ".get_with(\"b\", |v| v.len()), None);")]
        /// ```
        #[inline]
        pub fn get_with<Q, R>(&self, key: &Q, f: impl FnOnce(&V) -> R) -> Option<R>
        where
            Q: ?Sized + Hash + Equivalent<K>,
        {
            self.section(|t| t.get(key).map(f))
        }

        /// Whether `key` is present.
        ///
        /// ```
        /// use sync_map::SyncMap;
        ///
        /// let map = SyncMap::new();
        /// map.insert(1, "a");
        #[doc = concat!(" ", $setup)]
        #[doc = concat!(" assert!(", $recv, ".contains_key(&1));")]
        #[doc = concat!(" assert!(!", $recv, ".contains_key(&2));")]
        /// ```
        #[inline]
        pub fn contains_key<Q>(&self, key: &Q) -> bool
        where
            Q: ?Sized + Hash + Equivalent<K>,
        {
            self.section(|t| t.contains_key(key))
        }

        /// How many entries the map holds: each call sees the latest write.
        ///
        /// ```
        /// use sync_map::SyncMap;
        ///
        /// let map: SyncMap<u32, u32> = (0..5).map(|i| (i, i)).collect();
        #[doc = concat!(" ", $setup)]
        #[doc = concat!(" assert_eq!(", $recv, ".len(), 5);")]
        /// map.remove(&0);
        #[doc = concat!(" assert_eq!(", $recv, ".len(), 4);")]
        /// ```
        pub fn len(&self) -> usize {
            self.section(|t| t.len())
        }

        /// Whether the map holds no entries.
        ///
        /// ```
        /// use sync_map::SyncMap;
        ///
        /// let map: SyncMap<u32, &str> = SyncMap::new();
        #[doc = concat!(" ", $setup)]
        #[doc = concat!(" assert!(", $recv, ".is_empty());")]
        /// map.insert(1, "a");
        #[doc = concat!(" assert!(!", $recv, ".is_empty());")]
        /// ```
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }
    };
}

/// A read-optimised concurrent hash map whose reads take no lock and whose
/// memory comes back. See the [crate docs](crate) for when to use it, the
/// consistency it gives and how memory is returned.
///
/// Every method takes `&self`; share the map between threads by reference
/// (scoped threads) or in an `Arc`. The map is `Send` and `Sync` when `K`,
/// `V`, `S` and `A` are.
///
/// `S` is the hasher, `A` the allocator both copies' tables come from: any
/// `allocator_api2` allocator ([`map_core::Allocator`]) that is `Clone`
/// (each table holds a clone). By default it is [`PageAlloc`], which maps
/// large tables straight from the kernel so that freed ones leave the
/// process's resident memory; [`new_in(Global)`](Self::new_in)
/// (`map_core::Global`) keeps every table on the global allocator.
///
/// # Examples
///
/// ```
/// use sync_map::SyncMap;
///
/// let config: SyncMap<String, u32> = SyncMap::new();
/// config.insert("timeout".to_string(), 30);
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| assert_eq!(config.get("timeout"), Some(30)));
///     }
/// });
/// assert_eq!(config.compare_and_swap("timeout", &30, 60), Ok(30));
/// assert_eq!(config.remove("timeout"), Some(60));
/// assert!(config.is_empty());
/// ```
pub struct SyncMap<K, V, S = DefaultHashBuilder, A: Allocator + Clone = PageAlloc> {
    pair: Pair<K, V, S, A>,
    stats: Stats,
    /// A clone of the allocator the tables hold, for
    /// [`allocator`](Self::allocator): the copies are rebuilt under
    /// writers, so no reference into one is handed out.
    alloc: A,
}

/// A value read from a [`SyncMap`] through [`ReclaimMap::get`]: a clone
/// taken inside the read section, so holding it blocks no writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loaded<V>(pub V);

impl<V> Loaded<V> {
    /// The value.
    ///
    /// ```
    /// use map_core::ReclaimMap;
    /// use sync_map::{Loaded, SyncMap};
    ///
    /// let mut map = SyncMap::new();
    /// ReclaimMap::insert(&mut map, 1, String::from("one"));
    /// let loaded: Loaded<String> = ReclaimMap::get(&map, &1).unwrap();
    /// assert_eq!(loaded.into_inner(), "one");
    /// ```
    pub fn into_inner(self) -> V {
        self.0
    }
}

impl<V> Deref for Loaded<V> {
    type Target = V;

    fn deref(&self) -> &V {
        &self.0
    }
}

impl<K, V> SyncMap<K, V, DefaultHashBuilder, PageAlloc> {
    /// An empty map with the automatic reclamation policy. Allocates the
    /// two copies' headers (a few hundred bytes), and no table until the
    /// first insert.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = SyncMap::new();
    /// assert!(map.is_empty());
    /// assert!(map.policy().is_automatic());
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty map with room for `capacity` entries (in each of its two
    /// copies).
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let empty: SyncMap<u64, u64> = SyncMap::new();
    /// let sized: SyncMap<u64, u64> = SyncMap::with_capacity(1_000);
    /// // Both copies hold a table for 1,000 entries.
    /// assert!(sized.memory().allocated_bytes >= empty.memory().allocated_bytes + 2 * 1_000 * 16);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }

    /// An empty map with the given reclamation policy.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64> = SyncMap::with_policy(ReclaimPolicy::manual());
    /// map.extend((0..10_000).map(|i| (i, i)));
    /// let held = map.memory().allocated_bytes;
    /// map.retain(|_, _| false);
    /// assert_eq!(map.memory().allocated_bytes, held, "manual: nothing goes back by itself");
    /// ```
    pub fn with_policy(policy: ReclaimPolicy) -> Self {
        Self::with_policy_in(policy, PageAlloc)
    }
}

impl<K, V, S: Clone> SyncMap<K, V, S, PageAlloc> {
    /// An empty map hashing with `hash_builder` (each copy gets a clone).
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::with_hasher(RandomState::new());
    /// map.insert(1, "one");
    /// assert_eq!(map.get(&1), Some("one"));
    /// ```
    pub fn with_hasher(hash_builder: S) -> Self {
        Self::with_hasher_in(hash_builder, PageAlloc)
    }

    /// An empty map with room for `capacity` entries, hashing with
    /// `hash_builder`.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64, _> = SyncMap::with_capacity_and_hasher(1_000, RandomState::new());
    /// assert!(map.memory().allocated_bytes >= 2 * 1_000 * 16);
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        Self::with_capacity_and_hasher_in(capacity, hash_builder, PageAlloc)
    }
}

impl<K, V, A: Allocator + Clone> SyncMap<K, V, DefaultHashBuilder, A> {
    /// An empty map whose tables come from `alloc` (each copy's table
    /// holds a clone of it). `new_in(Global)` keeps every table on the
    /// global allocator instead of [`PageAlloc`].
    ///
    /// ```
    /// use map_core::{DefaultHashBuilder, Global};
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64, DefaultHashBuilder, Global> = SyncMap::new_in(Global);
    /// map.insert(1, 10);
    /// assert_eq!(map.get(&1), Some(10));
    /// ```
    pub fn new_in(alloc: A) -> Self {
        Self::with_hasher_in(DefaultHashBuilder::default(), alloc)
    }

    /// An empty map with room for `capacity` entries (in each of its two
    /// copies), allocating from `alloc`.
    ///
    /// ```
    /// use map_core::Global;
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64, _, Global> = SyncMap::with_capacity_in(1_000, Global);
    /// // Both copies hold a table for 1,000 entries.
    /// assert!(map.memory().allocated_bytes >= 2 * 1_000 * 16);
    /// ```
    pub fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        Self::with_capacity_and_hasher_in(capacity, DefaultHashBuilder::default(), alloc)
    }

    /// An empty map with the given reclamation policy, allocating from
    /// `alloc`.
    ///
    /// ```
    /// use map_core::{Global, ReclaimPolicy};
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64, _, Global> = SyncMap::with_policy_in(ReclaimPolicy::manual(), Global);
    /// map.extend((0..10_000).map(|i| (i, i)));
    /// let held = map.memory().allocated_bytes;
    /// map.retain(|_, _| false);
    /// assert_eq!(map.memory().allocated_bytes, held, "manual: nothing goes back by itself");
    /// ```
    pub fn with_policy_in(policy: ReclaimPolicy, alloc: A) -> Self {
        Self::from_tables(
            Table::with_policy_in(policy, alloc.clone()),
            Table::with_policy_in(policy, alloc),
        )
    }
}

impl<K, V, S: Clone, A: Allocator + Clone> SyncMap<K, V, S, A> {
    /// An empty map hashing with `hash_builder` (each copy gets a clone)
    /// and allocating from `alloc`.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// use map_core::Global;
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::with_hasher_in(RandomState::new(), Global);
    /// map.insert(1, "one");
    /// assert_eq!(map.get(&1), Some("one"));
    /// ```
    pub fn with_hasher_in(hash_builder: S, alloc: A) -> Self {
        Self::with_capacity_and_hasher_in(0, hash_builder, alloc)
    }

    /// An empty map with room for `capacity` entries, hashing with
    /// `hash_builder` and allocating from `alloc`.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// use map_core::Global;
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64, _, Global> =
    ///     SyncMap::with_capacity_and_hasher_in(1_000, RandomState::new(), Global);
    /// assert!(map.memory().allocated_bytes >= 2 * 1_000 * 16);
    /// ```
    pub fn with_capacity_and_hasher_in(capacity: usize, hash_builder: S, alloc: A) -> Self {
        Self::from_tables(
            Table::with_capacity_and_hasher_in(capacity, hash_builder.clone(), alloc.clone()),
            Table::with_capacity_and_hasher_in(capacity, hash_builder, alloc),
        )
    }
}

impl<K, V, S, A: Allocator + Clone> SyncMap<K, V, S, A> {
    /// The allocator the map's tables come from (each copy's table holds a
    /// clone of it).
    ///
    /// ```
    /// use map_core::{DefaultHashBuilder, Global, PageAlloc};
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = SyncMap::new();
    /// let _: &PageAlloc = map.allocator();
    /// let global: SyncMap<u32, u32, DefaultHashBuilder, Global> = SyncMap::new_in(Global);
    /// let _: &Global = global.allocator();
    /// ```
    pub fn allocator(&self) -> &A {
        &self.alloc
    }

    /// A map over two equal tables (from clones of one allocator).
    fn from_tables(a: Table<K, V, S, A>, b: Table<K, V, S, A>) -> Self {
        let alloc = a.allocator().clone();
        let mut tables = TableStats::default();
        tables.add(&a.memory());
        tables.add(&b.memory());
        let headers = 2 * copy_bytes::<Table<K, V, S, A>>();
        tables.allocated += headers;
        tables.peak += headers;
        let stats = Stats::default();
        // New tables: nothing given back yet.
        stats.record(&tables, Released::default());
        Self {
            pair: LeftRight::new(a, b, Log::default()),
            stats,
            alloc,
        }
    }
}

/// Reads: no lock, no shared counter.
impl<K, V, S, A> SyncMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    reads!("map", "");

    /// Runs `f` in one read section on the current version.
    #[inline(always)]
    fn section<R>(&self, f: impl FnOnce(&Table<K, V, S, A>) -> R) -> R {
        self.pair.read(f)
    }

    /// A read handle for this thread: the same reads as the map's, without
    /// the thread-local lookup each map read makes to find this thread's
    /// reader slot, and [`ReadHandle::enter`] for many lookups in one read
    /// section. Make one per thread (or per task) and keep it for a loop
    /// of reads; it is not `Send`.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64> = (0..100).map(|k| (k, k * 2)).collect();
    /// std::thread::scope(|s| {
    ///     for _ in 0..2 {
    ///         s.spawn(|| {
    ///             let reader = map.reader();
    ///             let sum: u64 = (0..100).filter_map(|k| reader.get(&k)).sum();
    ///             assert_eq!(sum, 9900);
    ///         });
    ///     }
    /// });
    /// ```
    pub fn reader(&self) -> ReadHandle<'_, K, V, S, A> {
        ReadHandle {
            reader: self.pair.reader(),
        }
    }

    /// The reclamation policy in force. A read: fine from inside read
    /// sections and writer closures alike.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    /// use sync_map::SyncMap;
    ///
    /// assert!(SyncMap::<u32, u32>::new().policy().is_automatic());
    /// let manual = SyncMap::<u32, u32>::with_policy(ReclaimPolicy::manual());
    /// assert_eq!(manual.policy(), ReclaimPolicy::manual());
    /// ```
    pub fn policy(&self) -> ReclaimPolicy {
        self.pair.read(|t| t.policy())
    }

    /// The map's memory figures: both copies' tables (from the map's
    /// [`allocator`](Self::allocator)) and headers, and the reader registry
    /// (from the global allocator), exact byte counts of what the map holds
    /// from the allocators, as of the last completed write (and
    /// registration).
    /// `peak_bytes`, `reclaimed_bytes` and `reclaims` never go down:
    /// `reclaimed_bytes` is all that reclamation gave back over the map's
    /// life, in both copies (a copy that a clearing batch rebuilds as a
    /// clone of the other gives its old table back too), and `reclaims`
    /// counts the times it did (the two copies shrinking together once).
    ///
    /// Takes no lock a writer holds while it waits: fine from inside read
    /// sections and writer closures alike.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.extend((0..100_000u64).map(|i| (i, i)));
    /// let full = map.memory();
    /// map.clear(); // tables this large go back
    /// let after = map.memory();
    /// assert!(after.allocated_bytes < full.allocated_bytes / 10);
    /// assert!(after.peak_bytes >= full.allocated_bytes);
    /// assert!(after.reclaims >= 1);
    /// ```
    pub fn memory(&self) -> MemoryStats {
        let registry = self.pair.registry_stats();
        let order = plain::Ordering::Relaxed;
        let allocated = self.stats.tables.load(order) + registry.bytes;
        let peak = self.stats.peak.fetch_max(allocated, order).max(allocated);
        MemoryStats::new(
            allocated,
            peak,
            self.stats.reclaimed.load(order) + registry.released_bytes,
            self.stats.reclaims.load(order) + registry.prunes,
        )
    }

    /// Calls `f` on every entry of one consistent version of the map, in no
    /// particular order, inside a read section (Go: `Range`).
    ///
    /// Writers of this map wait while it runs; for a long walk, or one that
    /// writes to the map, take a [`snapshot`](Self::snapshot) instead.
    ///
    /// # Panics
    ///
    /// If `f` writes to this same map.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = (1..=4).map(|i| (i, i * 10)).collect();
    /// let mut total = 0;
    /// map.for_each(|_, v| total += v);
    /// assert_eq!(total, 100);
    /// ```
    pub fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        self.pair.read(|t| {
            for (k, v) in t.iter() {
                f(k, v);
            }
        });
    }

    /// The entries of one consistent version of the map, cloned.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert(1, "a");
    /// map.insert(2, "b");
    /// let mut entries = map.snapshot();
    /// entries.sort();
    /// // The snapshot is owned: writing while walking it is fine.
    /// for (k, _) in &entries {
    ///     map.remove(k);
    /// }
    /// assert_eq!(entries, [(1, "a"), (2, "b")]);
    /// assert!(map.is_empty());
    /// ```
    pub fn snapshot(&self) -> Vec<(K, V)>
    where
        K: Clone,
        V: Clone,
    {
        self.pair.read(|t| {
            t.iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>()
        })
    }
}

/// Iterators over one consistent version of a map, cloned.
impl<K, V, S, A> SyncMap<K, V, S, A>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// An iterator over the entries of one consistent version of the map,
    /// cloned (a [`snapshot`](Self::snapshot) as an iterator): writers may
    /// run while it is walked, and none of their changes show in it.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = (0..4).map(|i| (i, i * i)).collect();
    /// let mut squares: Vec<(u32, u32)> = map.iter().collect();
    /// squares.sort();
    /// assert_eq!(squares, [(0, 0), (1, 1), (2, 4), (3, 9)]);
    /// ```
    pub fn iter(&self) -> Iter<K, V> {
        Iter::new(self.snapshot().into_iter())
    }

    /// The keys of one consistent version of the map, cloned.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<&str, u32> = [("a", 1), ("b", 2)].into_iter().collect();
    /// let mut keys: Vec<&str> = map.keys().collect();
    /// keys.sort();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn keys(&self) -> Keys<K, V> {
        map_core::toolkit::iter::Keys::new(self.iter())
    }

    /// The values of one consistent version of the map, cloned.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<&str, u32> = [("a", 1), ("b", 2)].into_iter().collect();
    /// assert_eq!(map.values().sum::<u32>(), 3);
    /// ```
    pub fn values(&self) -> Values<K, V> {
        map_core::toolkit::iter::Values::new(self.iter())
    }
}

/// An owning iterator over a consistent snapshot of a [`SyncMap`], from
/// [`SyncMap::iter`] or `IntoIterator for &SyncMap`.
pub type Iter<K, V> = map_core::toolkit::map::IntoIter<std::vec::IntoIter<(K, V)>>;

/// The keys of a snapshot, from [`SyncMap::keys`].
pub type Keys<K, V> = map_core::toolkit::iter::Keys<Iter<K, V>>;

/// The values of a snapshot, from [`SyncMap::values`].
pub type Values<K, V> = map_core::toolkit::iter::Values<Iter<K, V>>;

impl<K, V, S, A> IntoIterator for &SyncMap<K, V, S, A>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher,
    A: Allocator + Clone,
{
    type Item = (K, V);
    type IntoIter = Iter<K, V>;
    fn into_iter(self) -> Iter<K, V> {
        self.iter()
    }
}

impl<K, V, S, A> Clone for SyncMap<K, V, S, A>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone,
    A: Allocator + Clone,
{
    /// A new map holding one consistent version of this one, with its
    /// hasher, policy and capacity floor, tables from a clone of its
    /// allocator, and fresh memory statistics.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = (0..10).map(|i| (i, i)).collect();
    /// let copy = map.clone();
    /// map.clear();
    /// assert_eq!(copy.len(), 10);
    /// assert_eq!(copy.get(&3), Some(3));
    /// ```
    fn clone(&self) -> Self {
        let table: Table<K, V, S, A> = self.pair.read(|t| t.clone());
        Self::from_tables(table.clone(), table)
    }
}

/// A thread's read handle on a [`SyncMap`], from [`SyncMap::reader`].
///
/// It holds the thread's reader slot, so its reads skip the thread-local
/// lookup that [`SyncMap::get`] makes; otherwise they are the same reads,
/// with the same consistency. It is not `Send`: the slot belongs to the
/// thread that made the handle.
pub struct ReadHandle<'m, K, V, S = DefaultHashBuilder, A: Allocator + Clone = PageAlloc> {
    reader: Reader<'m, Table<K, V, S, A>, Log<K, V>>,
}

impl<K, V, S, A> ReadHandle<'_, K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    reads!("reader", "let reader = map.reader();");

    /// Runs `f` in one read section on the current version.
    #[inline(always)]
    fn section<R>(&self, f: impl FnOnce(&Table<K, V, S, A>) -> R) -> R {
        self.reader.read(f)
    }

    /// Runs `f` inside one read section, on a [`View`] of one version of
    /// the map: every lookup through the view sees that version and costs
    /// only the table lookup, with the section's entry and exit paid once.
    ///
    /// Writers of this map wait until `f` returns (left-right: a write is
    /// published only once no reader can be in the copy it changes next),
    /// so keep `f` short: a batch of lookups, not a loop that waits for
    /// something. The view cannot leave `f`.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let prices: SyncMap<&str, u32> = [("tea", 3), ("cake", 4)].into_iter().collect();
    /// let reader = prices.reader();
    /// let order = ["tea", "cake", "tea"];
    /// // One version for the whole order: no write can change a price
    /// // half way through.
    /// let total: u32 = reader.enter(|view| order.iter().filter_map(|item| view.get(item)).sum());
    /// assert_eq!(total, 10);
    /// ```
    ///
    /// # Panics
    ///
    /// If `f` writes to this map: the write would wait for `f` to return.
    #[inline]
    pub fn enter<R>(&self, f: impl FnOnce(&View<'_, K, V, S, A>) -> R) -> R {
        self.reader.read(|table| f(&View { table }))
    }
}

impl<K, V, S, A: Allocator + Clone> fmt::Debug for ReadHandle<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHandle").finish_non_exhaustive()
    }
}

/// One version of a [`SyncMap`], seen from inside a read section opened
/// by [`ReadHandle::enter`]. Lookups borrow values in place.
pub struct View<'a, K, V, S = DefaultHashBuilder, A: Allocator + Clone = PageAlloc> {
    table: &'a Table<K, V, S, A>,
}

impl<'a, K, V, S, A> View<'a, K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// The value under `key`, in place.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert("a", String::from("x"));
    /// let reader = map.reader();
    /// let len = reader.enter(|view| view.get("a").map(String::len));
    /// assert_eq!(len, Some(1));
    /// ```
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&'a V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.table.get(key)
    }

    /// The key and value under `key`, in place.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert(1, "one");
    /// let reader = map.reader();
    /// reader.enter(|view| {
    ///     assert_eq!(view.get_key_value(&1), Some((&1, &"one")));
    ///     assert_eq!(view.get_key_value(&2), None);
    /// });
    /// ```
    #[inline]
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&'a K, &'a V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.table.get_key_value(key)
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert(1, "one");
    /// let reader = map.reader();
    /// assert!(reader.enter(|view| view.contains_key(&1) && !view.contains_key(&2)));
    /// ```
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.table.contains_key(key)
    }

    /// How many entries this version holds.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = (0..5).map(|i| (i, i)).collect();
    /// let reader = map.reader();
    /// assert_eq!(reader.enter(|view| view.len()), 5);
    /// ```
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether this version holds no entries.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = SyncMap::new();
    /// let reader = map.reader();
    /// assert!(reader.enter(|view| view.is_empty()));
    /// ```
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The entries of this version, in no particular order.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = (1..=3).map(|i| (i, i * i)).collect();
    /// let reader = map.reader();
    /// let mut entries: Vec<(u32, u32)> = reader.enter(|view| view.iter().map(|(k, v)| (*k, *v)).collect());
    /// entries.sort();
    /// assert_eq!(entries, [(1, 1), (2, 4), (3, 9)]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&'a K, &'a V)> + 'a {
        self.table.iter()
    }
}

impl<K, V, S, A> fmt::Debug for View<'_, K, V, S, A>
where
    K: Eq + Hash + fmt::Debug,
    V: fmt::Debug,
    S: BuildHasher,
    A: Allocator + Clone,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.table.iter()).finish()
    }
}

/// Writes: serialised, each published before it returns.
impl<K, V, S, A> SyncMap<K, V, S, A>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone,
    A: Allocator + Clone,
{
    /// Inserts `value` under `key`, returning the previous value (Go:
    /// `Store`, and `Swap` with the result). Readers that start after it
    /// returns see the new value.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// assert_eq!(map.insert(1, "a"), None);
    /// assert_eq!(map.insert(1, "b"), Some("a"));
    /// assert_eq!(map.get(&1), Some("b"));
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn insert(&self, key: K, value: V) -> Option<V> {
        // Clones first: a panicking `Clone` leaves the map untouched.
        let (k, v) = (key.clone(), value.clone());
        self.write_twice(
            self.pair.lock(),
            |t| t.insert(k, v),
            |t| t.insert(key, value),
        )
    }

    /// Replaces the value under `key`, returning the previous one (Go:
    /// `Swap`). The same as [`insert`](Self::insert).
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// assert_eq!(map.swap("k", 1), None);
    /// assert_eq!(map.swap("k", 2), Some(1));
    /// assert_eq!(map.get("k"), Some(2));
    /// ```
    pub fn swap(&self, key: K, value: V) -> Option<V> {
        self.insert(key, value)
    }

    /// Removes `key`, returning its value (Go: `LoadAndDelete`, `Delete`).
    ///
    /// The map's other copy of the value is dropped before this returns,
    /// once no reader can still be looking at it, and after the writer lock
    /// is released (so its `Drop` may write to this map). A miss takes the
    /// lock but publishes nothing.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert(1, "a");
    /// map.insert(2, "b");
    /// assert_eq!(map.remove(&1), Some("a"));
    /// assert_eq!(map.remove(&1), None);
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let w = self.pair.lock();
        if !w.read(|t| t.contains_key(key)) {
            return None;
        }
        self.write_twice(w, |t| t.remove(key), |t| t.remove(key))
    }

    /// Removes `key` if `pred` accepts its value, returning the value (Go:
    /// `CompareAndDelete` is `remove_if(&k, |v| *v == old).is_some()`).
    /// `pred` runs once, under the writer lock.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert("lease", 7);
    /// assert_eq!(map.remove_if("lease", |owner| *owner == 8), None);
    /// assert!(map.contains_key("lease"), "refused: kept");
    /// assert_eq!(map.remove_if("lease", |owner| *owner == 7), Some(7));
    /// assert!(map.is_empty());
    /// ```
    pub fn remove_if<Q>(&self, key: &Q, pred: impl FnOnce(&V) -> bool) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let w = self.pair.lock();
        if !w.read(|t| t.get(key).is_some_and(pred)) {
            return None;
        }
        self.write_twice(w, |t| t.remove(key), |t| t.remove(key))
    }

    /// A clone of the value under `key`, inserting `make()` first if there
    /// is none (Go: `LoadOrStore`). A hit takes no lock; `make` runs at most
    /// once, under the writer lock, only if the key is still absent there.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// assert_eq!(map.get_or_insert_with("a", || 1), 1);
    /// assert_eq!(map.get_or_insert_with("a", || unreachable!()), 1, "present: kept");
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce() -> V) -> V {
        if let Some(v) = self.get(&key) {
            return v;
        }
        let w = self.pair.lock();
        if let Some(v) = w.read(|t| t.get(&key).cloned()) {
            return v;
        }
        let value = make();
        let result = value.clone();
        let (k, v) = (key.clone(), value.clone());
        self.write_twice(w, |t| t.insert(k, v), |t| t.insert(key, value));
        result
    }

    /// Replaces the value under `key` with `f(&value)`, returning the
    /// previous value; `None` (and `f` not called) if `key` is absent.
    /// `f` runs once, under the writer lock, so updates never get lost:
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let hits = SyncMap::new();
    /// hits.insert("page", 0u64);
    /// std::thread::scope(|s| {
    ///     for _ in 0..4 {
    ///         s.spawn(|| for _ in 0..100 { hits.update("page", |n| n + 1); });
    ///     }
    /// });
    /// assert_eq!(hits.get("page"), Some(400));
    /// ```
    pub fn update<Q>(&self, key: &Q, f: impl FnOnce(&V) -> V) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let w = self.pair.lock();
        let new = w.read(|t| t.get(key).map(f))?;
        self.replace_locked(w, key, new)
    }

    /// Replaces the value under `key` with `new` if it equals `current`
    /// (Go: `CompareAndSwap`). `Ok` holds the value replaced; `Err` the
    /// value found instead (`None`: no entry), and `new` is dropped.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert("v", 1);
    /// assert_eq!(map.compare_and_swap("v", &1, 2), Ok(1));
    /// assert_eq!(map.compare_and_swap("v", &1, 3), Err(Some(2)), "found 2, not 1");
    /// assert_eq!(map.compare_and_swap("w", &1, 3), Err(None));
    /// assert_eq!(map.get("v"), Some(2));
    /// ```
    pub fn compare_and_swap<Q>(&self, key: &Q, current: &V, new: V) -> Result<V, Option<V>>
    where
        Q: ?Sized + Hash + Equivalent<K>,
        V: PartialEq,
    {
        let w = self.pair.lock();
        let found = w.read(|t| {
            t.get(key)
                .map(|v| (v == current).then_some(()).ok_or_else(|| v.clone()))
        });
        match found {
            None => {
                drop(w);
                Err(None)
            }
            Some(Err(found)) => {
                drop(w);
                Err(Some(found))
            }
            Some(Ok(())) => self.replace_locked(w, key, new).ok_or(None),
        }
    }

    fn replace_locked<Q>(&self, w: Guard<'_, K, V, S, A>, key: &Q, new: V) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let first = new.clone();
        self.write_twice(
            w,
            |t| t.get_mut(key).map(|slot| mem::replace(slot, first)),
            |t| t.get_mut(key).map(|slot| mem::replace(slot, new)),
        )
    }

    /// Applies `first` to the back copy and, once it is published and its
    /// readers have left, `second` to the old front copy (the same change);
    /// returns what the second returned (the first's, if the old copy had
    /// to be retired). The other result, and everything the write frees,
    /// is dropped after the writer lock is released.
    fn write_twice<R>(
        &self,
        w: Guard<'_, K, V, S, A>,
        first: impl FnOnce(&mut Table<K, V, S, A>) -> R,
        second: impl FnOnce(&mut Table<K, V, S, A>) -> R,
    ) -> R {
        // Declared before the guard (moved in below), so that if a step
        // panics they drop after it, with the lock released.
        let stale;
        let a;
        let mut w = w;
        stale = w.state().take_stale();
        let back;
        (a, back) = w.write_back(|t, _| Released::track(t, first));
        let (result, front, extra, unrun) = match w.publish(|t, _, _| Released::track(t, second)) {
            Ok((b, front)) => (b, front, Some(a), None),
            Err(replay) => (a, Released::default(), None, Some(replay)),
        };
        self.record_stats(&mut w, back.and(front));
        drop(w);
        drop((extra, unrun, stale));
        result
    }

    /// Runs `f` on a [`Batch`] of writes and publishes them all at once:
    /// one publication, one wait for readers and one barrier for the
    /// whole batch, instead of one per write. Readers see the map as it
    /// was before the batch or as it is after it, never in between.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, &str> = SyncMap::new();
    /// map.insert(0, "old");
    /// map.write(|w| {
    ///     w.clear();
    ///     for k in 1..=3 {
    ///         w.insert(k, "new");
    ///     }
    ///     w.remove(&2);
    ///     assert_eq!(w.len(), 2);
    /// });
    /// assert_eq!(map.len(), 2);
    /// assert_eq!(map.get(&3), Some("new"));
    /// ```
    ///
    /// `f` runs under the writer lock, so other writers wait for it; it
    /// may read this map (through the batch, which sees its own writes, or
    /// through the map, which does not yet), but not write to it other
    /// than through the batch.
    ///
    /// # Panics
    ///
    /// If `f` writes to this map other than through the batch: the write
    /// would wait for itself. If `f` panics, the map is as it was before
    /// the batch, and the values the batch removed or replaced are dropped
    /// after the writer lock is released.
    pub fn write<R>(&self, f: impl FnOnce(&mut Batch<'_, K, V, S, A>) -> R) -> R {
        // Declared before the guard, so that if `f` (or the replay) panics
        // they drop after it, with the lock released.
        let mut garbage = Garbage::default();
        let stale;
        let mut w = self.pair.lock();
        stale = w.state().take_stale();
        let (result, back) = w.write_back(|table, log| {
            Released::track(table, |table| {
                let mut batch = Batch {
                    table,
                    log,
                    garbage: &mut garbage,
                    restore: None,
                };
                let result = f(&mut batch);
                batch.finish();
                result
            })
        });
        let (mut unrun, mut front) = (None, Released::default());
        if w.state().is_empty() {
            w.unchanged();
        } else {
            match w.publish(|t, published, log| replay(t, published, log, &mut garbage)) {
                Ok(released) => front = released,
                // The old copy was retired: the log was not replayed.
                Err(_) => unrun = w.state().take_stale(),
            }
        }
        self.record_stats(&mut w, back.and(front));
        drop(w);
        drop((garbage, unrun, stale));
        result
    }

    /// Inserts every entry of `iter`, published as one batch (see
    /// [`write`](Self::write)); the iterator runs under the writer lock.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert(0, 0);
    /// map.extend((1..=3).map(|i| (i, i * 10)));
    /// assert_eq!(map.len(), 4);
    /// assert_eq!(map.get(&3), Some(30));
    /// ```
    pub fn extend<I: IntoIterator<Item = (K, V)>>(&self, iter: I) {
        self.write(|w| w.extend(iter));
    }

    /// Keeps only the entries `keep` accepts. `keep` runs once per entry,
    /// under the writer lock; the removed entries are published in one step.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = (0..8).map(|i| (i, i)).collect();
    /// map.retain(|k, _| k % 2 == 0);
    /// assert_eq!(map.len(), 4);
    /// assert!(map.keys().all(|k| k % 2 == 0));
    /// ```
    pub fn retain(&self, keep: impl FnMut(&K, &V) -> bool) {
        self.write(|w| w.retain(keep));
    }

    /// Removes every entry (Go: `Clear`), published in one step. Each copy
    /// keeps or gives back its table as [`map_core::HashMap::clear`] does:
    /// a table of up to the policy's
    /// [`clear_keep_bytes`](ReclaimPolicy::clear_keep_bytes) (512 KiB by
    /// default) is kept, so a map cleared and refilled one insert at a time
    /// makes no allocator call; a larger one goes back at once. A
    /// [`write`](Self::write) batch that clears and leaves the map empty
    /// gives the tables back whatever their size.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64> = (0..100_000).map(|i| (i, i)).collect();
    /// let full = map.memory().allocated_bytes;
    /// map.clear();
    /// assert!(map.is_empty());
    /// assert!(map.memory().allocated_bytes < full / 100, "the large tables went back");
    ///
    /// let small: SyncMap<u64, u64> = (0..1_000).map(|i| (i, i)).collect();
    /// let held = small.memory().allocated_bytes;
    /// small.clear();
    /// assert_eq!(small.memory().allocated_bytes, held, "kept for the refill");
    /// ```
    pub fn clear(&self) {
        let w = self.pair.lock();
        if w.read(|t| t.is_empty() && t.memory().allocated_bytes == 0) {
            return;
        }
        // The entries go after the lock is released (their `Drop` may
        // write to the map).
        let cleared = self.write_twice(w, clear_table, clear_table);
        drop(cleared);
    }

    /// Gives back now all the memory the current entries do not need (both
    /// copies shrink to fit; reader slots of exited threads are freed), and
    /// returns the bytes released.
    ///
    /// # Panics
    ///
    /// If called from inside a read section of this map (a
    /// [`get_with`](Self::get_with) or [`for_each`](Self::for_each) closure,
    /// a [`ReadHandle::enter`]) or from a closure holding its writer lock:
    /// the reclaim would wait for itself.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64> = SyncMap::with_policy(ReclaimPolicy::manual());
    /// map.extend((0..10_000).map(|i| (i, i)));
    /// map.retain(|k, _| *k < 10);
    /// let before = map.memory().allocated_bytes;
    /// let released = map.reclaim();
    /// assert!(released > 0);
    /// assert!(map.memory().allocated_bytes < before);
    /// assert_eq!(map.len(), 10);
    /// ```
    pub fn reclaim(&self) -> usize {
        let mut w = self.pair.lock();
        let pruned = w.prune_slots();
        let stale = w.state().take_stale();
        let (first, back) = w.write_back(|t, _| Released::track(t, Table::reclaim));
        let (second, front) = w
            .publish(|t, _, _| Released::track(t, Table::reclaim))
            .unwrap_or_default();
        self.record_stats(&mut w, back.and(front));
        drop(w);
        drop(stale);
        first + second + pruned
    }

    /// Replaces the reclamation policy; a stricter one takes effect at once.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64> = SyncMap::with_policy(ReclaimPolicy::manual());
    /// map.extend((0..10_000).map(|i| (i, i)));
    /// map.retain(|k, _| *k < 10);
    /// let held = map.memory().allocated_bytes;
    /// map.set_policy(ReclaimPolicy::automatic());
    /// assert!(map.policy().is_automatic());
    /// assert!(map.memory().allocated_bytes < held);
    /// ```
    pub fn set_policy(&self, policy: ReclaimPolicy) {
        self.write_twice(
            self.pair.lock(),
            |t| t.set_policy(policy),
            |t| t.set_policy(policy),
        );
    }

    /// Publishes the memory figures of every copy the pair holds, and adds
    /// what the write gave back (under the writer lock, after each write).
    fn record_stats(&self, w: &mut Guard<'_, K, V, S, A>, released: Released) {
        let mut tables = TableStats::default();
        w.for_each_copy(|t| tables.add(&t.memory()));
        let headers = w.copies() * copy_bytes::<Table<K, V, S, A>>();
        tables.allocated += headers;
        tables.peak += headers;
        self.stats.record(&tables, released);
    }
}

/// A batch of writes to a [`SyncMap`], published at once when the closure
/// given to [`SyncMap::write`] returns.
///
/// Its reads see the batch's own writes; readers of the map see none of
/// them until the batch ends. Values the batch replaces or removes are
/// dropped after the writer lock is released.
pub struct Batch<'a, K, V, S = DefaultHashBuilder, A: Allocator + Clone = PageAlloc> {
    table: &'a mut Table<K, V, S, A>,
    log: &'a mut Log<K, V>,
    garbage: &'a mut Garbage<K, V, S, A>,
    /// The policy to put back when the batch ends, after a `clear` set the
    /// manual one so that a refill reuses the tables.
    restore: Option<ReclaimPolicy>,
}

impl<K, V, S, A> Batch<'_, K, V, S, A>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone,
    A: Allocator + Clone,
{
    /// Inserts `value` under `key`; `true` if it replaced a value (which is
    /// dropped when the batch has been published).
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.write(|w| {
    ///     assert!(!w.insert("a", 1));
    ///     assert!(w.insert("a", 2), "replaced");
    /// });
    /// assert_eq!(map.get("a"), Some(2));
    /// ```
    pub fn insert(&mut self, key: K, value: V) -> bool {
        let old = if self.log.rebuild {
            self.table.insert(key, value)
        } else {
            let (k, v) = (key.clone(), value.clone());
            let old = self.table.insert(key, value);
            self.log.ops.push(Op::Insert(k, v));
            old
        };
        match old {
            Some(old) => {
                self.garbage.value(old);
                true
            }
            None => false,
        }
    }

    /// Removes `key`; `true` if it was present (its value is dropped when
    /// the batch has been published).
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert("a", 1);
    /// map.write(|w| {
    ///     assert!(w.remove("a"));
    ///     assert!(!w.remove("a"));
    /// });
    /// assert!(map.is_empty());
    /// ```
    pub fn remove<Q>(&mut self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        match self.table.remove_entry(key) {
            Some((k, v)) => {
                self.garbage.value(v);
                self.log.remove(k, self.garbage);
                true
            }
            None => false,
        }
    }

    /// Inserts every entry of `iter`.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.write(|w| {
    ///     w.extend([(1, "a"), (2, "b")]);
    ///     assert_eq!(w.len(), 2);
    /// });
    /// assert_eq!(map.get(&2), Some("b"));
    /// ```
    pub fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }

    /// Keeps only the entries `keep` accepts.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = (0..10).map(|i| (i, i)).collect();
    /// map.write(|w| {
    ///     w.retain(|_, v| *v >= 5);
    ///     w.insert(0, 100);
    /// });
    /// assert_eq!(map.len(), 6);
    /// assert_eq!(map.get(&0), Some(100));
    /// ```
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        let doomed: Vec<K> = self
            .table
            .iter()
            .filter(|(k, v)| !keep(k, v))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            if let Some((k, v)) = self.table.remove_entry(&k) {
                self.garbage.value(v);
                self.log.remove(k, self.garbage);
            }
        }
    }

    /// Removes every entry. The tables are kept for the rest of the batch,
    /// so that a clear-and-refill reuses them; when the batch ends, the
    /// reclamation policy judges them as usual (under the automatic policy
    /// a map left empty frees them). After a `clear`, the batch's other
    /// writes are not logged: the other copy is rebuilt as a clone of the
    /// published one, which costs less than replaying them.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, &str> = (0..100).map(|i| (i, "old")).collect();
    /// map.write(|w| {
    ///     w.clear();
    ///     w.insert(1, "new");
    /// });
    /// assert_eq!(map.len(), 1);
    /// assert_eq!(map.get(&1), Some("new"));
    /// ```
    pub fn clear(&mut self) {
        if self.table.is_empty() && self.table.memory().allocated_bytes == 0 {
            return;
        }
        clear_keeping(self.table, &mut self.restore, self.garbage);
        self.log.rebuild = true;
    }

    /// The value under `key`, with the batch's writes so far applied.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert("a", 1);
    /// map.write(|w| {
    ///     w.insert("a", 2);
    ///     assert_eq!(w.get("a"), Some(&2), "the batch sees its own write");
    ///     assert_eq!(map.get("a"), Some(1), "readers do not, yet");
    /// });
    /// assert_eq!(map.get("a"), Some(2));
    /// ```
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.table.get(key)
    }

    /// Whether `key` is present, with the batch's writes so far applied.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = SyncMap::new();
    /// map.write(|w| {
    ///     w.insert(1, 1);
    ///     assert!(w.contains_key(&1));
    ///     assert!(!w.contains_key(&2));
    /// });
    /// ```
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.table.contains_key(key)
    }

    /// How many entries the map holds, with the batch's writes so far
    /// applied.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = (0..3).map(|i| (i, i)).collect();
    /// map.write(|w| {
    ///     w.remove(&0);
    ///     assert_eq!(w.len(), 2);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the map holds no entries, with the batch's writes so far
    /// applied.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u32, u32> = (0..3).map(|i| (i, i)).collect();
    /// map.write(|w| {
    ///     w.clear();
    ///     assert!(w.is_empty());
    /// });
    /// assert!(map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    fn finish(&mut self) {
        if let Some(policy) = self.restore.take() {
            self.table.set_policy(policy);
        }
    }
}

impl<K, V, S, A: Allocator + Clone> fmt::Debug for Batch<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("logged", &self.log.ops.len())
            .field("rebuild", &self.log.rebuild)
            .finish_non_exhaustive()
    }
}

/// One write of a batch, kept to be replayed on the other copy.
pub(crate) enum Op<K, V> {
    Insert(K, V),
    Remove(K),
}

/// The writer's own state: the batch log, kept for its capacity.
pub(crate) struct Log<K, V> {
    ops: Vec<Op<K, V>>,
    /// The batch cleared the map: the other copy is rebuilt as a clone of
    /// the published one, and later writes are not logged.
    rebuild: bool,
}

impl<K, V> Default for Log<K, V> {
    fn default() -> Self {
        Self {
            ops: Vec::new(),
            rebuild: false,
        }
    }
}

impl<K, V> Log<K, V> {
    fn is_empty(&self) -> bool {
        self.ops.is_empty() && !self.rebuild
    }

    fn remove<S, A: Allocator + Clone>(&mut self, key: K, garbage: &mut Garbage<K, V, S, A>) {
        if self.rebuild {
            garbage.key(key);
        } else {
            self.ops.push(Op::Remove(key));
        }
    }

    /// What a batch that panicked (or was not replayed) left in the log,
    /// to drop after the lock.
    fn take_stale(&mut self) -> Option<Vec<Op<K, V>>> {
        self.rebuild = false;
        (!self.ops.is_empty()).then(|| mem::take(&mut self.ops))
    }
}

/// Keys, values and tables a write removed from a copy, dropped once the
/// writer lock is released (their `Drop` may write to the map). Keys and
/// values without drop glue are not kept.
struct Garbage<K, V, S, A: Allocator + Clone> {
    keys: Vec<K>,
    values: Vec<V>,
    table: Option<Table<K, V, S, A>>,
    ops: Vec<Op<K, V>>,
}

impl<K, V, S, A: Allocator + Clone> Default for Garbage<K, V, S, A> {
    fn default() -> Self {
        Self {
            keys: Vec::new(),
            values: Vec::new(),
            table: None,
            ops: Vec::new(),
        }
    }
}

impl<K, V, S, A: Allocator + Clone> Garbage<K, V, S, A> {
    fn key(&mut self, key: K) {
        if mem::needs_drop::<K>() {
            self.keys.push(key);
        }
    }

    fn value(&mut self, value: V) {
        if mem::needs_drop::<V>() {
            self.values.push(value);
        }
    }
}

/// Clears `table` keeping its storage (the policy is set to manual until
/// `restore` is put back), its entries going to `garbage`.
fn clear_keeping<K, V, S, A>(
    table: &mut Table<K, V, S, A>,
    restore: &mut Option<ReclaimPolicy>,
    garbage: &mut Garbage<K, V, S, A>,
) where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    if restore.is_none() {
        *restore = Some(table.policy());
        table.set_policy(ReclaimPolicy::manual());
    }
    if mem::needs_drop::<(K, V)>() {
        garbage.keys.reserve(table.len());
        garbage.values.reserve(table.len());
        for (k, v) in table.drain() {
            garbage.key(k);
            garbage.value(v);
        }
    } else {
        table.clear();
    }
}

/// Clears `table` as the core map does (keeping or giving back its storage);
/// returns the entries if dropping them runs code, to drop after the lock.
fn clear_table<K, V, S, A>(table: &mut Table<K, V, S, A>) -> Vec<(K, V)>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    if mem::needs_drop::<(K, V)>() {
        table.drain().collect()
    } else {
        table.clear();
        Vec::new()
    }
}

/// Applies a batch's log to the other copy, or after a `clear` makes it a
/// clone of the `published` one; returns what that gave back.
fn replay<K, V, S, A>(
    table: &mut Table<K, V, S, A>,
    published: &Table<K, V, S, A>,
    log: &mut Log<K, V>,
    garbage: &mut Garbage<K, V, S, A>,
) -> Released
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone,
    A: Allocator + Clone,
{
    if mem::take(&mut log.rebuild) {
        // Writes logged before the clear are moot.
        if !log.ops.is_empty() {
            garbage.ops = mem::take(&mut log.ops);
        }
        let old = mem::replace(table, published.clone());
        // The old table goes back whole, as a replayed clear would give it
        // back (the clone's figures start afresh; the map keeps the totals).
        let released =
            Released::gave_back(old.memory().allocated_bytes, table.memory().allocated_bytes);
        garbage.table = Some(old);
        return released;
    }
    Released::track(table, |table| replay_ops(table, log, garbage)).1
}

/// Applies a batch's logged writes to the other copy.
fn replay_ops<K, V, S, A>(
    table: &mut Table<K, V, S, A>,
    log: &mut Log<K, V>,
    garbage: &mut Garbage<K, V, S, A>,
) where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    for op in log.ops.drain(..) {
        match op {
            Op::Insert(k, v) => {
                if let Some(old) = table.insert(k, v) {
                    garbage.value(old);
                }
            }
            Op::Remove(k) => {
                if let Some((k, v)) = table.remove_entry(&k) {
                    garbage.key(k);
                    garbage.value(v);
                }
                garbage.key(k);
            }
        }
    }
}

/// The memory figures of the copies, summed.
#[derive(Default)]
struct TableStats {
    allocated: usize,
    peak: usize,
}

impl TableStats {
    fn add(&mut self, m: &MemoryStats) {
        self.allocated += m.allocated_bytes;
        self.peak += m.peak_bytes;
    }
}

/// What reclamation gave back in one copy during one write. A copy's own
/// figures start at zero again when it is rebuilt (a clone after a
/// clearing batch, after a panic, or after a retire), so the map adds up
/// each write's changes instead of summing the copies' figures.
#[derive(Clone, Copy, Default)]
struct Released {
    bytes: usize,
    reclaims: usize,
}

impl Released {
    /// Runs `change` on `table`; returns its result and what its
    /// reclamation gave back.
    fn track<K, V, S, A: Allocator + Clone, R>(
        table: &mut Table<K, V, S, A>,
        change: impl FnOnce(&mut Table<K, V, S, A>) -> R,
    ) -> (R, Released) {
        let before = table.memory();
        let result = change(table);
        let after = table.memory();
        let released = Released {
            bytes: after.reclaimed_bytes.saturating_sub(before.reclaimed_bytes),
            reclaims: after.reclaims.saturating_sub(before.reclaims),
        };
        (result, released)
    }

    /// A copy's storage going from `before` to `after` bytes.
    fn gave_back(before: usize, after: usize) -> Released {
        Released {
            bytes: before.saturating_sub(after),
            reclaims: usize::from(after < before),
        }
    }

    /// The write's figures from both copies' ones.
    fn and(self, other: Released) -> Released {
        Released {
            bytes: self.bytes + other.bytes,
            // The copies reclaim together: one reclaim of the map.
            reclaims: self.reclaims.max(other.reclaims),
        }
    }
}

/// The memory figures as the last write left them, so that reading them
/// takes no lock a writer holds. Every figure but `tables` only grows.
#[derive(Default)]
struct Stats {
    tables: plain::AtomicUsize,
    peak: plain::AtomicUsize,
    reclaimed: plain::AtomicUsize,
    reclaims: plain::AtomicUsize,
}

impl Stats {
    fn record(&self, t: &TableStats, released: Released) {
        let order = plain::Ordering::Relaxed;
        self.tables.store(t.allocated, order);
        // A copy's own figures start afresh when it is rebuilt; the map's
        // never go down.
        self.peak.fetch_max(t.peak.max(t.allocated), order);
        self.reclaims.fetch_add(released.reclaims, order);
        self.reclaimed.fetch_add(released.bytes, order);
    }
}

// For the default hasher and allocator only: an impl for any
// `A: Allocator + Clone + Default` leaves `A` to inference, and with
// allocator-api2 there are several (`Global`, `PageAlloc`, ...), so
// `let map = SyncMap::default(); map.insert(1, 2)` would stop compiling
// (E0283). Another allocator: `SyncMap::new_in(alloc)`.
impl<K, V> Default for SyncMap<K, V, DefaultHashBuilder, PageAlloc> {
    /// An empty map with the automatic policy.
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V, S, A> fmt::Debug for SyncMap<K, V, S, A>
where
    K: Eq + Hash + fmt::Debug,
    V: fmt::Debug,
    S: BuildHasher,
    A: Allocator + Clone,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pair.read(|t| f.debug_map().entries(t.iter()).finish())
    }
}

impl<K, V, S, A> FromIterator<(K, V)> for SyncMap<K, V, S, A>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone + Default,
    A: Allocator + Clone + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut table: Table<K, V, S, A> = Table::with_hasher_in(S::default(), A::default());
        for (k, v) in iter {
            table.insert(k, v);
        }
        Self::from_tables(table.clone(), table)
    }
}

impl<K, V, S, A> Extend<(K, V)> for SyncMap<K, V, S, A>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone,
    A: Allocator + Clone,
{
    /// Inserts every entry, published as one batch (see [`SyncMap::write`]).
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        SyncMap::extend(self, iter);
    }
}

impl<K, V, S, A> ReclaimMap<K, V> for SyncMap<K, V, S, A>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone,
    A: Allocator + Clone,
{
    type Ref<'a>
        = Loaded<V>
    where
        Self: 'a;

    fn insert(&mut self, key: K, value: V) -> Option<V> {
        SyncMap::insert(self, key, value)
    }

    fn get<Q>(&self, key: &Q) -> Option<Loaded<V>>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        SyncMap::get(self, key).map(Loaded)
    }

    fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        SyncMap::remove(self, key)
    }

    fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        SyncMap::contains_key(self, key)
    }

    fn len(&self) -> usize {
        SyncMap::len(self)
    }

    fn is_empty(&self) -> bool {
        SyncMap::is_empty(self)
    }

    fn clear(&mut self) {
        SyncMap::clear(self)
    }

    fn for_each<F: FnMut(&K, &V)>(&self, f: F) {
        SyncMap::for_each(self, f)
    }

    fn memory(&self) -> MemoryStats {
        SyncMap::memory(self)
    }

    fn reclaim(&mut self) -> usize {
        SyncMap::reclaim(self)
    }

    fn policy(&self) -> ReclaimPolicy {
        SyncMap::policy(self)
    }

    fn set_policy(&mut self, policy: ReclaimPolicy) {
        SyncMap::set_policy(self, policy)
    }
}
