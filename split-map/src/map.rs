//! `SplitMap`: the tables of [`crate::tables`] behind std's `HashMap` API,
//! with the reclamation policy on every path that removes entries.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;
use core::ops::Index;

use allocator_api2::alloc::Allocator;
use hashbrown::hash_table;
use hashbrown::{DefaultHashBuilder, Equivalent, TryReserveError};
use map_core::toolkit::{ClearAction, Reclaimer, ShrinkError, Storage};
use map_core::PageAlloc;
use map_core::{MemoryStats, ReclaimPolicy};

use crate::iter::{Drain, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values, ValuesMut};
use crate::tables::Tables;
use crate::Entry;

/// A hash map that gives memory back as it empties and never pauses to
/// resize: its entries live in many small tables, and every resize moves
/// one of them (see the [crate docs](crate)).
///
/// The API is std's `HashMap`, plus `_in` constructors for any
/// [`allocator_api2`] allocator (which must be `Clone`: every table holds
/// one) and the [`ReclaimMap`](map_core::ReclaimMap) contract. The default
/// allocator is [`PageAlloc`]: the tables of the size bound (128 KiB) are
/// mapped from the kernel and unmapped when a merge or shrink frees them,
/// so the process's resident memory follows the map; `new_in(Global)`
/// keeps every table on the global allocator.
///
/// ```
/// use split_map::SplitMap;
///
/// let mut stock = SplitMap::new();
/// stock.insert("apples", 3);
/// *stock.entry("pears").or_insert(0) += 5;
/// assert_eq!(stock["pears"], 5);
/// assert_eq!(stock.remove("apples"), Some(3));
/// assert_eq!(stock.len(), 1);
/// ```
pub struct SplitMap<K, V, S = DefaultHashBuilder, A: Allocator + Clone = PageAlloc> {
    pub(crate) tables: Tables<(K, V), A>,
    pub(crate) hash_builder: S,
    pub(crate) reclaimer: Reclaimer,
}

#[inline]
pub(crate) fn make_hash<Q: Hash + ?Sized, S: BuildHasher>(hash_builder: &S, key: &Q) -> u64 {
    hash_builder.hash_one(key)
}

#[inline]
pub(crate) fn make_hasher<K: Hash, V, S: BuildHasher>(
    hash_builder: &S,
) -> impl Fn(&(K, V)) -> u64 + '_ {
    move |(k, _)| hash_builder.hash_one(k)
}

#[inline]
pub(crate) fn equivalent_key<Q: ?Sized + Equivalent<K>, K, V>(
    key: &Q,
) -> impl Fn(&(K, V)) -> bool + '_ {
    move |(k, _)| key.equivalent(k)
}

/// The tables and their hasher, as map-core's reclamation protocol sees
/// them: the explicit operations (`shrink_to`, `reclaim`, `clear`,
/// `set_policy`) go through it; removals apply the policy table by table.
struct TablesStorage<'a, K, V, S, A: Allocator + Clone> {
    tables: &'a mut Tables<(K, V), A>,
    hash_builder: &'a S,
}

impl<K: Hash, V, S: BuildHasher, A: Allocator + Clone> Storage for TablesStorage<'_, K, V, S, A> {
    fn len(&self) -> usize {
        self.tables.len
    }

    fn capacity(&self) -> usize {
        self.tables.capacity()
    }

    fn allocated_bytes(&self) -> usize {
        self.tables.allocated_bytes()
    }

    fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
        if self
            .tables
            .shrink_all(capacity, &make_hasher(self.hash_builder))
        {
            Ok(())
        } else {
            Err(ShrinkError::NoGain)
        }
    }

    fn clear_storage(&mut self, keep: bool) {
        self.tables.clear(keep);
    }
}

macro_rules! storage {
    ($self:expr) => {
        &mut TablesStorage {
            tables: &mut $self.tables,
            hash_builder: &$self.hash_builder,
        }
    };
}

impl<K, V> SplitMap<K, V, DefaultHashBuilder, PageAlloc> {
    /// An empty map. Allocates nothing until the first insert.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map: SplitMap<u32, u32> = SplitMap::new();
    /// assert!(map.is_empty());
    /// assert_eq!(map.capacity(), 0);
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty map with room for at least `capacity` entries, spread over
    /// tables as the hasher spreads keys. The capacity is a floor the
    /// automatic policy never shrinks below.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map: SplitMap<u64, u64> = SplitMap::with_capacity(100_000);
    /// assert!(map.capacity() >= 100_000);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self
    where
        K: Eq + Hash,
    {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }

    /// An empty map under `policy`.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use map_core::ReclaimPolicy;
    ///
    /// let map: SplitMap<u64, u64> = SplitMap::with_policy(ReclaimPolicy::manual());
    /// assert!(!map.policy().is_automatic());
    /// ```
    pub fn with_policy(policy: ReclaimPolicy) -> Self {
        let mut map = Self::new();
        map.reclaimer.set_policy(policy);
        map
    }
}

impl<K, V, S> SplitMap<K, V, S, PageAlloc> {
    /// An empty map that hashes with `hash_builder`.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use std::hash::RandomState;
    ///
    /// let mut map = SplitMap::with_hasher(RandomState::new());
    /// map.insert(1, "one");
    /// assert_eq!(map[&1], "one");
    /// ```
    pub fn with_hasher(hash_builder: S) -> Self {
        Self::with_hasher_in(hash_builder, PageAlloc)
    }

    /// An empty map with room for `capacity` entries, hashing with
    /// `hash_builder`. The capacity is a floor, as with
    /// [`with_capacity`](SplitMap::with_capacity).
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use std::hash::RandomState;
    ///
    /// let map: SplitMap<u8, u8, _> = SplitMap::with_capacity_and_hasher(50, RandomState::new());
    /// assert!(map.capacity() >= 50);
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self
    where
        K: Eq + Hash,
        S: BuildHasher,
    {
        Self::with_capacity_and_hasher_in(capacity, hash_builder, PageAlloc)
    }
}

impl<K, V, A: Allocator + Clone> SplitMap<K, V, DefaultHashBuilder, A> {
    /// An empty map whose tables come from `alloc`.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use map_core::Global;
    ///
    /// let mut map = SplitMap::new_in(Global);
    /// map.insert("k", 1);
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn new_in(alloc: A) -> Self {
        Self::with_hasher_in(DefaultHashBuilder::default(), alloc)
    }

    /// An empty map with room for `capacity` entries from `alloc`.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use map_core::Global;
    ///
    /// let map: SplitMap<u32, u32, _, Global> = SplitMap::with_capacity_in(1000, Global);
    /// assert!(map.capacity() >= 1000);
    /// ```
    pub fn with_capacity_in(capacity: usize, alloc: A) -> Self
    where
        K: Eq + Hash,
    {
        Self::with_capacity_and_hasher_in(capacity, DefaultHashBuilder::default(), alloc)
    }

    /// An empty map under `policy`, allocating from `alloc`.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use map_core::{Global, ReclaimPolicy};
    ///
    /// let map: SplitMap<u32, u32, _, Global> = SplitMap::with_policy_in(ReclaimPolicy::manual(), Global);
    /// assert!(!map.policy().is_automatic());
    /// ```
    pub fn with_policy_in(policy: ReclaimPolicy, alloc: A) -> Self {
        let mut map = Self::new_in(alloc);
        map.reclaimer.set_policy(policy);
        map
    }
}

impl<K, V, S, A: Allocator + Clone> SplitMap<K, V, S, A> {
    /// An empty map hashing with `hash_builder`, allocating from `alloc`.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use map_core::{DefaultHashBuilder, Global};
    ///
    /// let mut map = SplitMap::with_hasher_in(DefaultHashBuilder::default(), Global);
    /// map.insert(3, 4);
    /// assert_eq!(map.get(&3), Some(&4));
    /// ```
    pub fn with_hasher_in(hash_builder: S, alloc: A) -> Self {
        Self {
            tables: Tables::new_in(alloc),
            hash_builder,
            reclaimer: Reclaimer::new(ReclaimPolicy::automatic()),
        }
    }

    /// The hasher.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use std::hash::{BuildHasher, RandomState};
    ///
    /// let hasher = RandomState::new();
    /// let map: SplitMap<u8, u8, _> = SplitMap::with_hasher(hasher.clone());
    /// assert_eq!(map.hasher().hash_one(7), hasher.hash_one(7));
    /// ```
    pub fn hasher(&self) -> &S {
        &self.hash_builder
    }

    /// The allocator.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use map_core::PageAlloc;
    ///
    /// let map: SplitMap<u8, u8> = SplitMap::new();
    /// let _: &PageAlloc = map.allocator();
    /// ```
    pub fn allocator(&self) -> &A {
        &self.tables.alloc
    }

    /// Entries the tables hold in all before one of them must grow or split.
    /// Unlike a single table, a split map may split a table before `len`
    /// reaches `capacity` when keys crowd into it; no insert ever moves more
    /// than one table's entries.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::new();
    /// map.insert(1u8, 1u8);
    /// assert!(map.capacity() >= 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.tables.capacity()
    }

    /// Number of entries.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map = SplitMap::from([(1, 'a'), (2, 'b')]);
    /// assert_eq!(map.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.tables.len
    }

    /// Whether the map is empty.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::new();
    /// assert!(map.is_empty());
    /// map.insert(1, 1);
    /// assert!(!map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tables.len == 0
    }

    /// Number of tables the entries are spread over (a diagnostic: the
    /// work of any single resize is bounded by one table's size).
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map: SplitMap<u64, u64> = (0..100_000).map(|i| (i, i)).collect();
    /// assert!(map.table_count() > 1);
    /// ```
    pub fn table_count(&self) -> usize {
        self.tables.table_count()
    }

    /// The reclamation policy.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map: SplitMap<u8, u8> = SplitMap::new();
    /// assert!(map.policy().is_automatic());
    /// ```
    pub fn policy(&self) -> ReclaimPolicy {
        *self.reclaimer.policy()
    }

    /// Memory held from the allocator (the tables, the directory and the
    /// table list, exactly), the peak, and what was given back.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<u64, u64> = (0..100_000).map(|i| (i, i)).collect();
    /// let full = map.memory().allocated_bytes;
    /// for i in 0..100_000 {
    ///     map.remove(&i);
    /// }
    /// let stats = map.memory();
    /// assert!(stats.allocated_bytes * 100 <= full);
    /// assert!(stats.peak_bytes >= full);
    /// assert!(stats.reclaims > 0);
    /// ```
    pub fn memory(&self) -> MemoryStats {
        self.reclaimer.stats(self.tables.allocated_bytes())
    }

    /// An iterator over the entries, in no particular order.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map = SplitMap::from([(1, 10), (2, 20)]);
    /// let sum: i32 = map.iter().map(|(k, v)| k * v).sum();
    /// assert_eq!(sum, 50);
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V, A> {
        Iter::new(&self.tables)
    }

    /// An iterator over the entries with mutable values.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::from([(1, 10), (2, 20)]);
    /// for (_, v) in map.iter_mut() {
    ///     *v += 1;
    /// }
    /// assert_eq!(map[&2], 21);
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V, A> {
        IterMut::new(&mut self.tables)
    }

    /// An iterator over the keys.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map = SplitMap::from([(1, 'a'), (2, 'b')]);
    /// let mut keys: Vec<_> = map.keys().copied().collect();
    /// keys.sort();
    /// assert_eq!(keys, [1, 2]);
    /// ```
    pub fn keys(&self) -> Keys<'_, K, V, A> {
        Keys::new(self.iter())
    }

    /// An iterator over the values.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map = SplitMap::from([(1, 5), (2, 6)]);
    /// assert_eq!(map.values().sum::<i32>(), 11);
    /// ```
    pub fn values(&self) -> Values<'_, K, V, A> {
        Values::new(self.iter())
    }

    /// An iterator over mutable values.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::from([(1, 5), (2, 6)]);
    /// map.values_mut().for_each(|v| *v *= 2);
    /// assert_eq!(map.values().sum::<i32>(), 22);
    /// ```
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V, A> {
        ValuesMut::new(self.iter_mut())
    }

    /// Consumes the map, yielding its keys.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map = SplitMap::from([(1, 'a')]);
    /// assert_eq!(map.into_keys().collect::<Vec<_>>(), [1]);
    /// ```
    pub fn into_keys(self) -> IntoKeys<K, V, A> {
        IntoKeys::new(self.into_iter())
    }

    /// Consumes the map, yielding its values.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map = SplitMap::from([(1, 'a')]);
    /// assert_eq!(map.into_values().collect::<Vec<_>>(), ['a']);
    /// ```
    pub fn into_values(self) -> IntoValues<K, V, A> {
        IntoValues::new(self.into_iter())
    }

    /// Removes every entry.
    ///
    /// As with `map_core::HashMap`, the tables are kept for a refill when
    /// they take no more than the policy's
    /// [`clear_keep_bytes`](ReclaimPolicy::clear_keep_bytes) (512 KiB by
    /// default), no more than the capacity floor, or under the manual
    /// policy: a cleared map refilled with the same keys then makes no
    /// allocator call. Larger tables go back to the allocator at once.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use map_core::ReclaimMap;
    ///
    /// let mut batch = SplitMap::new();
    /// for i in 0..1_000u64 { batch.insert(i, i); }
    /// let capacity = batch.capacity();
    /// batch.clear();
    /// assert_eq!(batch.capacity(), capacity, "small tables are kept");
    ///
    /// let mut burst = SplitMap::new();
    /// for i in 0..100_000u64 { burst.insert(i, [0u8; 64]); }
    /// burst.clear();
    /// assert_eq!(burst.memory().allocated_bytes, 0, "large ones go back");
    /// ```
    pub fn clear(&mut self) {
        let (keep, before) = self.keep_on_clear();
        self.tables.clear(keep);
        self.reclaimer
            .record_release(before, self.tables.allocated_bytes());
    }

    /// Asks the policy whether `clear()` or `drain()` keeps the tables;
    /// with the bytes held now.
    fn keep_on_clear(&mut self) -> (bool, usize) {
        let bytes = self.tables.allocated_bytes();
        let action = self
            .reclaimer
            .on_clear(self.tables.len, self.tables.capacity(), bytes);
        (action == ClearAction::Keep, bytes)
    }

    /// Removes every entry and yields them; the tables are kept or given
    /// back as by [`clear`](Self::clear). Entries not yielded are dropped
    /// with the iterator.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::from([(1, "a"), (2, "b")]);
    /// let mut drained: Vec<_> = map.drain().collect();
    /// drained.sort();
    /// assert_eq!(drained, [(1, "a"), (2, "b")]);
    /// assert!(map.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, K, V, A> {
        let (keep, before) = self.keep_on_clear();
        if keep {
            Drain::kept(&mut self.tables)
        } else {
            let shards = self.tables.take();
            self.reclaimer.record_release(before, 0);
            Drain::released(shards)
        }
    }
}

impl<K, V, S, A> SplitMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// An empty map with room for `capacity` entries, hashing with
    /// `hash_builder` and allocating from `alloc`.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use map_core::{DefaultHashBuilder, Global};
    ///
    /// let map: SplitMap<u32, u32, _, Global> =
    ///     SplitMap::with_capacity_and_hasher_in(20_000, DefaultHashBuilder::default(), Global);
    /// assert!(map.capacity() >= 20_000);
    /// ```
    pub fn with_capacity_and_hasher_in(capacity: usize, hash_builder: S, alloc: A) -> Self {
        let mut map = Self::with_hasher_in(hash_builder, alloc);
        map.reserve(capacity);
        map
    }

    /// Replaces the reclamation policy. A stricter policy takes effect at
    /// once.
    ///
    /// ```
    /// use split_map::SplitMap;
    /// use map_core::ReclaimPolicy;
    ///
    /// let mut map: SplitMap<u64, u64> = SplitMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..10_000 {
    ///     map.insert(i, i);
    /// }
    /// map.retain(|k, _| *k < 10);
    /// let held = map.memory().allocated_bytes;
    /// map.set_policy(ReclaimPolicy::automatic());
    /// assert!(map.memory().allocated_bytes < held, "applied at once");
    /// ```
    pub fn set_policy(&mut self, policy: ReclaimPolicy) {
        self.reclaimer.on_set_policy(storage!(self), policy);
        self.tables.reset_checks();
    }

    /// Gives back all the memory the entries do not need: siblings merge,
    /// every table shrinks to fit, an empty map frees everything; drops the
    /// capacity floor. Returns the bytes released. Unlike the automatic
    /// policy, this moves every entry: a long operation on a large map.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<u64, u64> = SplitMap::with_capacity(10_000);
    /// map.insert(1, 1);
    /// assert!(map.reclaim() > 0);
    /// assert!(map.capacity() < 10);
    /// ```
    pub fn reclaim(&mut self) -> usize {
        self.reclaimer.reclaim_storage(storage!(self))
    }

    /// Reserves room for at least `additional` more entries, each table for
    /// its share (the hasher spreads keys evenly, so `additional` new keys
    /// fill the tables evenly). The capacity reached is a floor the
    /// automatic policy does not shrink below.
    ///
    /// # Panics
    ///
    /// If the new capacity overflows `usize` or the allocator fails; see
    /// [`try_reserve`](Self::try_reserve).
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<u64, u64> = SplitMap::new();
    /// map.reserve(50_000);
    /// assert!(map.capacity() >= 50_000);
    /// ```
    pub fn reserve(&mut self, additional: usize) {
        if let Err(e) = self.try_reserve(additional) {
            alloc_failed(e);
        }
    }

    /// Reserves room as [`reserve`](Self::reserve) does, reporting failure
    /// instead of panicking. On failure every entry is still in the map and
    /// no floor is set (some tables may have grown).
    ///
    /// # Errors
    ///
    /// [`TryReserveError`] if the capacity overflows or the allocator
    /// refuses.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<u64, u64> = SplitMap::new();
    /// assert!(map.try_reserve(1000).is_ok());
    /// assert!(map.try_reserve(usize::MAX).is_err());
    /// assert!(map.capacity() >= 1000);
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        let need = self
            .tables
            .len
            .checked_add(additional)
            .ok_or(TryReserveError::CapacityOverflow)?;
        if need.checked_mul(16).is_none() {
            return Err(TryReserveError::CapacityOverflow);
        }
        self.tables
            .reserve(additional, &make_hasher(&self.hash_builder))?;
        self.reclaimer.request_capacity(need);
        self.reclaimer.observe(self.tables.allocated_bytes());
        Ok(())
    }

    /// Shrinks as far as the entries allow and drops the capacity floor.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<u64, u64> = SplitMap::with_capacity(10_000);
    /// map.insert(1, 1);
    /// map.shrink_to_fit();
    /// assert!(map.capacity() < 10);
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.reclaim();
    }

    /// Shrinks towards room for `min_capacity` entries (never fewer than
    /// it holds), and makes `min_capacity` the floor.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<u64, u64> = SplitMap::with_capacity(10_000);
    /// map.shrink_to(100);
    /// assert!(map.capacity() >= 100 && map.capacity() < 10_000);
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.reclaimer
            .shrink_storage_to(storage!(self), min_capacity);
    }

    /// The entry for `key`, to read, insert or remove in place. Only a
    /// vacant entry's `insert` may allocate.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut counts = SplitMap::new();
    /// for word in ["a", "b", "a"] {
    ///     *counts.entry(word).or_insert(0) += 1;
    /// }
    /// assert_eq!(counts["a"], 2);
    /// ```
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S, A> {
        let hash = make_hash(&self.hash_builder, &key);
        let i = self.tables.index(hash);
        let found = self
            .tables
            .shards
            .get(i)
            .and_then(|s| s.table.find_bucket_index(hash, equivalent_key(&key)));
        Entry::new(self, hash, key, i, found)
    }

    /// The value for `key`.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map = SplitMap::from([(1, "a")]);
    /// assert_eq!(map.get(&1), Some(&"a"));
    /// assert_eq!(map.get(&2), None);
    /// ```
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        match self.get_inner(key) {
            Some((_, v)) => Some(v),
            None => None,
        }
    }

    #[inline]
    fn get_inner<Q>(&self, key: &Q) -> Option<&(K, V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let hash = make_hash(&self.hash_builder, key);
        self.tables
            .shard(hash)?
            .table
            .find(hash, equivalent_key(key))
    }

    /// The stored key and the value for `key`.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map = SplitMap::from([("a".to_string(), 1)]);
    /// assert_eq!(map.get_key_value("a"), Some((&"a".to_string(), &1)));
    /// ```
    #[inline]
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        match self.get_inner(key) {
            Some((k, v)) => Some((k, v)),
            None => None,
        }
    }

    /// The value for `key`, mutably.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::from([(1, 10)]);
    /// *map.get_mut(&1).unwrap() += 1;
    /// assert_eq!(map[&1], 11);
    /// ```
    #[inline]
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let hash = make_hash(&self.hash_builder, key);
        let i = self.tables.index(hash);
        match self
            .tables
            .shards
            .get_mut(i)?
            .table
            .find_mut(hash, equivalent_key(key))
        {
            Some((_, v)) => Some(v),
            None => None,
        }
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map = SplitMap::from([(1, ())]);
    /// assert!(map.contains_key(&1));
    /// assert!(!map.contains_key(&2));
    /// ```
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.get_inner(key).is_some()
    }

    /// Inserts `key` with `value`, returning the value it replaces. An insert
    /// that needs room grows, rehashes or splits one table, never more.
    ///
    /// # Panics
    ///
    /// If the allocator fails (as std's `insert` aborts); see
    /// [`try_insert`](Self::try_insert).
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::new();
    /// assert_eq!(map.insert(37, "a"), None);
    /// assert_eq!(map.insert(37, "b"), Some("a"));
    /// assert_eq!(map[&37], "b");
    /// ```
    // Always inlined (measured): left to the inliner it stayed a call, and
    // a clear-and-refill of 1,000 entries took 1.8x hashbrown's time.
    #[inline(always)]
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.try_insert(key, value) {
            Ok(old) => old,
            Err(e) => alloc_failed(e.error),
        }
    }

    /// Inserts `key` with `value` as [`insert`](Self::insert) does, but
    /// reports a failed allocation instead of panicking, handing the key
    /// and value back. (Not std's unstable `try_insert`, which refuses
    /// occupied keys: this one replaces them, as `insert` does.)
    ///
    /// # Errors
    ///
    /// [`InsertError`] if the table the key belongs to needed room and the
    /// allocator refused it; the map is unchanged.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::new();
    /// assert_eq!(map.try_insert(1, "a").unwrap(), None);
    /// assert_eq!(map.try_insert(1, "b").unwrap(), Some("a"));
    /// ```
    #[inline(always)]
    pub fn try_insert(&mut self, key: K, value: V) -> Result<Option<V>, InsertError<K, V>> {
        let hash = make_hash(&self.hash_builder, &key);
        let i = self.tables.index(hash);
        if let Some(shard) = self.tables.shards.get_mut(i) {
            if shard.table.len() < shard.table.capacity() {
                // Room without growing: hashbrown's `entry` will not resize.
                match shard
                    .table
                    .entry(hash, equivalent_key(&key), make_hasher(&self.hash_builder))
                {
                    hash_table::Entry::Occupied(mut e) => {
                        return Ok(Some(mem::replace(&mut e.get_mut().1, value)))
                    }
                    hash_table::Entry::Vacant(e) => {
                        e.insert((key, value));
                        self.tables.len += 1;
                        return Ok(None);
                    }
                }
            }
        }
        self.insert_needing_room(hash, key, value)
    }

    /// Insert into a full table (or the first insert): an existing key is
    /// overwritten without growing; a new one makes room first.
    #[cold]
    #[inline(never)]
    fn insert_needing_room(
        &mut self,
        hash: u64,
        key: K,
        value: V,
    ) -> Result<Option<V>, InsertError<K, V>> {
        let i = self.tables.index(hash);
        if let Some(shard) = self.tables.shards.get_mut(i) {
            if let Some((_, v)) = shard.table.find_mut(hash, equivalent_key(&key)) {
                return Ok(Some(mem::replace(v, value)));
            }
        }
        self.insert_new(hash, key, value).map(|_| None)
    }

    /// Inserts a key known to be absent, making room first. Returns the
    /// table and bucket it went to.
    pub(crate) fn insert_new(
        &mut self,
        hash: u64,
        key: K,
        value: V,
    ) -> Result<(usize, usize), InsertError<K, V>> {
        if let Err(error) = self
            .tables
            .make_room(hash, &make_hasher(&self.hash_builder))
        {
            return Err(InsertError { key, value, error });
        }
        let i = self.tables.index(hash);
        let bucket = self.tables.shards[i]
            .table
            .insert_unique(hash, (key, value), make_hasher(&self.hash_builder))
            .bucket_index();
        self.tables.len += 1;
        Ok((i, bucket))
    }

    /// Removes `key`, returning its value. May shrink its table or merge it
    /// with its sibling, but only if the key was present; never moves more
    /// than two tables' entries.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<u64, u64> = (0..10_000).map(|i| (i, i)).collect();
    /// let full = map.memory().allocated_bytes;
    /// assert_eq!(map.remove(&1), Some(1));
    /// assert_eq!(map.remove(&1), None);
    /// for i in 0..10_000 {
    ///     map.remove(&i);
    /// }
    /// assert!(map.memory().allocated_bytes < full / 100);
    /// ```
    #[inline(always)]
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        #[allow(clippy::manual_map)]
        match self.remove_entry(key) {
            Some((_, v)) => Some(v),
            None => None,
        }
    }

    /// Removes `key`, returning the stored key and value.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::from([("a".to_string(), 1)]);
    /// assert_eq!(map.remove_entry("a"), Some(("a".to_string(), 1)));
    /// assert_eq!(map.remove_entry("a"), None);
    /// ```
    #[inline(always)]
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let hash = make_hash(&self.hash_builder, key);
        let i = self.tables.index(hash);
        let shard = self.tables.shards.get_mut(i)?;
        match shard.table.find_entry(hash, equivalent_key(key)) {
            Ok(entry) => {
                let (item, _) = entry.remove();
                self.tables.len -= 1;
                if shard.table.len() <= shard.check_below {
                    self.after_sparse_remove(i);
                }
                Some(item)
            }
            Err(_) => None,
        }
    }

    /// The policy's look after a removal left table `i` sparse.
    #[cold]
    #[inline(never)]
    pub(crate) fn after_sparse_remove(&mut self, i: usize) {
        let floor = self.reclaimer.min_capacity_now();
        if let Some(before) = self.tables.after_sparse_remove(
            i,
            self.reclaimer.policy(),
            floor,
            &make_hasher(&self.hash_builder),
        ) {
            self.reclaimer
                .record_release(before, self.tables.allocated_bytes());
        }
    }

    /// Keeps only the entries for which `keep` returns `true`, then applies
    /// the policy to every table that lost entries.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<u64, u64> = (0..10_000).map(|i| (i, i)).collect();
    /// let full = map.memory().allocated_bytes;
    /// map.retain(|k, _| k % 1000 == 0);
    /// assert_eq!(map.len(), 10);
    /// assert!(map.memory().allocated_bytes < full / 10);
    /// ```
    pub fn retain<F>(&mut self, mut keep: F)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        // Filter every table first, then apply the policy: a merge moves
        // tables around, and every table must be filtered exactly once.
        let before = self.tables.len;
        let (shards, len) = self.tables.drain_parts();
        for shard in shards.iter_mut() {
            shard.table.retain(|(k, v)| {
                let kept = keep(k, v);
                // Counted as it goes: a panicking `keep` leaves `len` true.
                if !kept {
                    *len -= 1;
                }
                kept
            });
        }
        if self.tables.len == before {
            return;
        }
        // A merge moves the last table into the freed place, which this
        // pass may have gone by: passes repeat while tables merge (each
        // pass looks at a table again only if it is still sparse).
        loop {
            let tables = self.tables.shards.len();
            let mut i = 0;
            while i < self.tables.shards.len() {
                let shard = &self.tables.shards[i];
                if shard.table.len() <= shard.check_below {
                    self.after_sparse_remove(i);
                }
                i += 1;
            }
            if self.tables.shards.len() == tables {
                break;
            }
        }
    }
}

/// An insert the allocator refused room for: the key and value come back.
#[derive(Debug)]
#[non_exhaustive]
pub struct InsertError<K, V> {
    /// The key that was not inserted.
    pub key: K,
    /// The value that was not inserted.
    pub value: V,
    /// Why.
    pub error: TryReserveError,
}

impl<K, V> fmt::Display for InsertError<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no room for the entry: {:?}", self.error)
    }
}

impl<K: fmt::Debug, V: fmt::Debug> core::error::Error for InsertError<K, V> {}

#[cold]
#[inline(never)]
pub(crate) fn alloc_failed(error: TryReserveError) -> ! {
    match error {
        TryReserveError::CapacityOverflow => panic!("capacity overflow"),
        TryReserveError::AllocError { layout } => {
            #[cfg(feature = "std")]
            {
                std::alloc::handle_alloc_error(layout)
            }
            #[cfg(not(feature = "std"))]
            {
                panic!("allocation of {} bytes failed", layout.size())
            }
        }
    }
}

map_core::toolkit::reclaim_map_by_inherent_methods!(
    impl [K, V, S, A] for SplitMap<K, V, S, A>
    where [K: Eq + Hash, S: BuildHasher, A: Allocator + Clone]
);

impl<K, V, S, A: Allocator + Clone> IntoIterator for SplitMap<K, V, S, A> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V, A>;

    fn into_iter(mut self) -> IntoIter<K, V, A> {
        IntoIter::new(self.tables.take())
    }
}

impl<'a, K, V, S, A: Allocator + Clone> IntoIterator for &'a SplitMap<K, V, S, A> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V, A>;

    fn into_iter(self) -> Iter<'a, K, V, A> {
        self.iter()
    }
}

impl<'a, K, V, S, A: Allocator + Clone> IntoIterator for &'a mut SplitMap<K, V, S, A> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V, A>;

    fn into_iter(self) -> IterMut<'a, K, V, A> {
        self.iter_mut()
    }
}

impl<K, V, S: Default, A: Allocator + Clone + Default> Default for SplitMap<K, V, S, A> {
    fn default() -> Self {
        Self::with_hasher_in(S::default(), A::default())
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator + Clone> fmt::Debug for SplitMap<K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S, A> Clone for SplitMap<K, V, S, A>
where
    K: Clone + Eq + Hash,
    V: Clone,
    S: Clone + BuildHasher,
    A: Allocator + Clone,
{
    fn clone(&self) -> Self {
        let mut map = Self::with_hasher_in(self.hash_builder.clone(), self.tables.alloc.clone());
        map.reclaimer = self.reclaimer.fresh();
        map.tables
            .reserve(self.len(), &make_hasher(&map.hash_builder))
            .unwrap_or_else(|e| alloc_failed(e));
        for (k, v) in self.iter() {
            map.insert(k.clone(), v.clone());
        }
        map
    }
}

impl<K, V, S, A> PartialEq for SplitMap<K, V, S, A>
where
    K: Eq + Hash,
    V: PartialEq,
    S: BuildHasher,
    A: Allocator + Clone,
{
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|o| *v == *o))
    }
}

impl<K, V, S, A> Eq for SplitMap<K, V, S, A>
where
    K: Eq + Hash,
    V: Eq,
    S: BuildHasher,
    A: Allocator + Clone,
{
}

impl<K, Q, V, S, A> Index<&Q> for SplitMap<K, V, S, A>
where
    K: Eq + Hash + Borrow<Q>,
    Q: ?Sized + Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    type Output = V;

    /// # Panics
    ///
    /// If `key` is absent.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("key not in the map")
    }
}

impl<K, V, S, A> Extend<(K, V)> for SplitMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        // The hint, without a floor: room now, given back if not used.
        let hint = iter.size_hint().0;
        let _ = self.tables.reserve(hint, &make_hasher(&self.hash_builder));
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a, K, V, S, A> Extend<(&'a K, &'a V)> for SplitMap<K, V, S, A>
where
    K: Eq + Hash + Copy,
    V: Copy,
    S: BuildHasher,
    A: Allocator + Clone,
{
    fn extend<I: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(|(k, v)| (*k, *v)));
    }
}

impl<'a, K, V, S, A> Extend<&'a (K, V)> for SplitMap<K, V, S, A>
where
    K: Eq + Hash + Copy,
    V: Copy,
    S: BuildHasher,
    A: Allocator + Clone,
{
    fn extend<I: IntoIterator<Item = &'a (K, V)>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(|&(k, v)| (k, v)));
    }
}

impl<K, V, S, A> FromIterator<(K, V)> for SplitMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher + Default,
    A: Allocator + Clone + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::with_hasher_in(S::default(), A::default());
        map.extend(iter);
        map
    }
}

impl<K: Eq + Hash, V, const N: usize> From<[(K, V); N]> for SplitMap<K, V> {
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let map = SplitMap::from([(1, 2), (3, 4)]);
    /// assert_eq!(map[&3], 4);
    /// ```
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}
