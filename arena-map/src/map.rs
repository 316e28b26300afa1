//! `ArenaMap`: the core map in an arena it owns, resized and compacted by
//! moving into a fresh arena.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;
use core::ops::Index;

use core::marker::PhantomData;

use map_core::toolkit::{table, ClearAction, Reclaimer, ShrinkError, Storage};
use map_core::{
    DefaultHashBuilder, Equivalent, Iter, IterMut, Keys, MemoryStats, ReclaimPolicy, Values,
    ValuesMut,
};

use crate::entry::Entry;
use crate::error::{ArenaError, TryInsertError};
use crate::iter::{Drain, DrainInner, IntoIter, IntoKeys, IntoValues};
use crate::raw::{self, ArenaTable};

/// A hash map whose table lives in a bumpalo arena it owns, and that gives
/// the arena back as it empties.
///
/// The API is std's `HashMap` where it applies. Every change of table size
/// (growth, a shrink the [`ReclaimPolicy`] asks for, [`reclaim`]) moves the
/// entries into a fresh arena sized for them and frees the old arena whole,
/// so no outgrown table stays behind in the arena. [`clear`] and drop free
/// whole chunks. [`memory`] counts the arena's chunks.
///
/// With [`with_memory_limit`] the arena never grows past a byte budget:
/// [`try_insert`] reports the limit and leaves the map as it was.
///
/// The map is `Send` when its contents are, and `Sync` too: shared access
/// never touches the arena.
///
/// # Examples
///
/// ```
/// use arena_map::ArenaMap;
/// use map_core::ReclaimMap;
///
/// let mut requests: ArenaMap<u64, [u8; 32]> = ArenaMap::new();
/// for id in 0..10_000 {
///     requests.insert(id, [1; 32]);
/// }
/// let full = requests.memory().allocated_bytes;
/// requests.retain(|id, _| *id < 10);
/// assert!(requests.memory().allocated_bytes * 100 < full);
/// assert_eq!(requests[&3], [1; 32]);
/// ```
///
/// [`reclaim`]: ArenaMap::reclaim
/// [`clear`]: ArenaMap::clear
/// [`memory`]: ArenaMap::memory
/// [`with_memory_limit`]: ArenaMap::with_memory_limit
/// [`try_insert`]: ArenaMap::try_insert
pub struct ArenaMap<K, V, S = DefaultHashBuilder> {
    raw: ArenaTable<K, V, S>,
    reclaimer: Reclaimer,
    limit: Option<usize>,
}

/// The capacity to move to so that `additional` more entries fit in a table
/// of `len` entries and `full` capacity: hashbrown's own rule (rehash at the
/// same size when tombstones took the room, else at least double).
pub(crate) fn grow_target(len: usize, additional: usize, full: usize) -> Result<usize, ArenaError> {
    let needed = len
        .checked_add(additional)
        .ok_or(ArenaError::CapacityOverflow)?;
    Ok(if needed <= full / 2 {
        full
    } else {
        needed.max(full + 1)
    })
}

/// A reclaimer that rounds capacities as the arena's table of `(K, V)` does.
pub(crate) fn reclaimer_for<K, V>(policy: ReclaimPolicy) -> Reclaimer {
    Reclaimer::with_rounding(policy, table::rounded_capacity::<(K, V)>)
}

/// The arena table as the reclamation protocol sees it: every shrink is a
/// move into a fresh, smaller arena; a clear that keeps the storage keeps
/// the arena's chunk and the table in it.
impl<K: Eq + Hash, V, S: BuildHasher + Clone> Storage for ArenaTable<K, V, S> {
    fn len(&self) -> usize {
        ArenaTable::len(self)
    }

    fn capacity(&self) -> usize {
        self.full_capacity()
    }

    fn size_key(&self) -> usize {
        self.table_bytes()
    }

    fn allocated_bytes(&self) -> usize {
        self.bytes()
    }

    fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
        let target = capacity.max(ArenaTable::len(self));
        match raw::table_arena_request::<(K, V)>(target) {
            Ok(request) if request < self.table_bytes() => {}
            _ => return Err(ShrinkError::NoGain),
        }
        // Never refused by the limit: the new arena is smaller.
        self.relocate(target, None)
            .map_err(|_| ShrinkError::AllocFailed)
    }

    fn clear_storage(&mut self, keep: bool) {
        if keep {
            self.clear_entries();
        } else {
            self.clear();
        }
    }
}

impl<K: Eq + Hash, V> ArenaMap<K, V, DefaultHashBuilder> {
    /// An empty map with the automatic policy. Allocates only the small box
    /// that holds the arena; the first chunk comes with the first insert.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map: ArenaMap<u32, &str> = ArenaMap::new();
    /// assert!(map.is_empty());
    /// assert_eq!(map.capacity(), 0);
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty map with room for at least `capacity` entries.
    ///
    /// # Panics
    ///
    /// If the arena cannot be allocated, as std does.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u32, u32> = ArenaMap::with_capacity(1_000);
    /// let cap = map.capacity();
    /// assert!(cap >= 1_000);
    /// for i in 0..1_000 {
    ///     map.insert(i, i);
    /// }
    /// assert_eq!(map.capacity(), cap, "no move while it fits");
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }

    /// An empty map with the given reclamation policy.
    ///
    /// ```
    /// use arena_map::{ArenaMap, ReclaimPolicy};
    ///
    /// let mut map: ArenaMap<u64, u64> = ArenaMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..10_000 {
    ///     map.insert(i, i);
    /// }
    /// let held = map.memory().allocated_bytes;
    /// map.retain(|_, _| false);
    /// assert_eq!(map.memory().allocated_bytes, held, "manual: nothing goes back by itself");
    /// ```
    pub fn with_policy(policy: ReclaimPolicy) -> Self {
        let mut map = Self::new();
        map.reclaimer.set_policy(policy);
        map
    }

    /// An empty map whose arena never holds more than `bytes` bytes
    /// (as [`memory`](Self::memory) counts them): inserts past that fail in
    /// [`try_insert`](Self::try_insert) and panic in
    /// [`insert`](Self::insert).
    ///
    /// While the table is being resized the old and the new arena exist
    /// side by side for a moment, as in any hash map resize.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u64, u64> = ArenaMap::with_memory_limit(64 * 1024);
    /// let mut i = 0;
    /// while map.try_insert(i, i).is_ok() {
    ///     i += 1;
    /// }
    /// assert!(map.len() > 1_000);
    /// assert!(map.memory().allocated_bytes <= 64 * 1024);
    /// ```
    pub fn with_memory_limit(bytes: usize) -> Self {
        let mut map = Self::new();
        map.limit = Some(bytes);
        map
    }
}

impl<K: Eq + Hash, V, S: BuildHasher + Clone> ArenaMap<K, V, S> {
    /// An empty map using `hash_builder` to hash keys.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    /// use std::collections::hash_map::RandomState;
    ///
    /// let mut map = ArenaMap::with_hasher(RandomState::new());
    /// map.insert(1, "one");
    /// assert_eq!(map.get(&1), Some(&"one"));
    /// ```
    pub fn with_hasher(hash_builder: S) -> Self {
        Self {
            raw: ArenaTable::with_hasher(hash_builder),
            reclaimer: reclaimer_for::<K, V>(ReclaimPolicy::automatic()),
            limit: None,
        }
    }

    /// An empty map with room for `capacity` entries, hashing with `hash_builder`.
    ///
    /// # Panics
    ///
    /// If the arena cannot be allocated.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    /// use std::collections::hash_map::RandomState;
    ///
    /// let map: ArenaMap<u32, u32, _> = ArenaMap::with_capacity_and_hasher(100, RandomState::new());
    /// assert!(map.capacity() >= 100);
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        let mut map = Self::with_hasher(hash_builder);
        map.reserve(capacity);
        map
    }

    /// Sets (or with `None` lifts) the memory limit; see
    /// [`with_memory_limit`](ArenaMap::with_memory_limit). A limit below
    /// what the map holds now stops it growing; nothing is dropped.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u32, u32> = ArenaMap::new();
    /// map.set_memory_limit(Some(0));
    /// assert!(map.try_insert(1, 1).is_err());
    /// map.set_memory_limit(None);
    /// assert_eq!(map.try_insert(1, 1).ok(), Some(None));
    /// assert_eq!(map.memory_limit(), None);
    /// ```
    pub fn set_memory_limit(&mut self, bytes: Option<usize>) {
        self.limit = bytes;
    }

    /// Replaces the reclamation policy. A stricter policy takes effect at once.
    ///
    /// ```
    /// use arena_map::{ArenaMap, ReclaimPolicy};
    ///
    /// let mut map: ArenaMap<u64, u64> = ArenaMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..10_000 {
    ///     map.insert(i, i);
    /// }
    /// map.retain(|k, _| *k < 10);
    /// let held = map.memory().allocated_bytes;
    /// map.set_policy(ReclaimPolicy::automatic());
    /// assert!(map.memory().allocated_bytes < held);
    /// ```
    pub fn set_policy(&mut self, policy: ReclaimPolicy) {
        self.reclaimer.on_set_policy(&mut self.raw, policy);
    }

    /// The value under `key`.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map = ArenaMap::from([(1, "one")]);
    /// assert_eq!(map.get(&1), Some(&"one"));
    /// assert_eq!(map.get(&2), None);
    /// ```
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.raw.get_key_value(key).map(|(_, v)| v)
    }

    /// The stored key and the value under `key`.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map = ArenaMap::from([(1, "one")]);
    /// assert_eq!(map.get_key_value(&1), Some((&1, &"one")));
    /// assert_eq!(map.get_key_value(&2), None);
    /// ```
    #[inline]
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.raw.get_key_value(key)
    }

    /// A mutable reference to the value under `key`.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map = ArenaMap::from([(1, 10)]);
    /// *map.get_mut(&1).unwrap() += 1;
    /// assert_eq!(map[&1], 11);
    /// assert!(map.get_mut(&2).is_none());
    /// ```
    #[inline]
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.raw.get_mut(key)
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map = ArenaMap::from([(1, "one")]);
    /// assert!(map.contains_key(&1));
    /// assert!(!map.contains_key(&2));
    /// ```
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.raw.get_key_value(key).is_some()
    }

    /// Inserts `value` under `key`, returning the previous value. The key
    /// already stored is kept, as std does.
    ///
    /// # Panics
    ///
    /// If the map would pass its memory limit (use
    /// [`try_insert`](Self::try_insert) to handle that); if the arena cannot
    /// be allocated, through `handle_alloc_error` as std does.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map = ArenaMap::new();
    /// assert_eq!(map.insert(1, "a"), None);
    /// assert_eq!(map.insert(1, "b"), Some("a"));
    /// assert_eq!(map.len(), 1);
    /// assert_eq!(map[&1], "b");
    /// ```
    // Always inlined (measured): left to the inliner it stayed a call, and
    // a clear-and-refill of 1,000 entries took 1.4x hashbrown's time.
    #[inline(always)]
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.prepare_insert() {
            Ok(()) => self.raw.insert(key, value),
            Err(error) => self.insert_without_room(key, value, error),
        }
    }

    /// Inserts `value` under `key`, or gives both back if the table would
    /// have to grow past the memory limit (or the allocator refuses). A
    /// present key is always updated: that needs no memory.
    ///
    /// # Errors
    ///
    /// [`TryInsertError`] with the key and value; the map is unchanged.
    ///
    /// ```
    /// use arena_map::{ArenaError, ArenaMap};
    ///
    /// let mut map: ArenaMap<u64, u64> = ArenaMap::with_memory_limit(16 * 1024);
    /// assert_eq!(map.try_insert(0, 0).ok(), Some(None));
    /// let refused = (1..).find_map(|i| map.try_insert(i, i).err()).unwrap();
    /// assert!(matches!(refused.error(), ArenaError::MemoryLimit { .. }));
    /// assert!(map.memory().allocated_bytes <= 16 * 1024);
    /// // A present key is updated even at the limit.
    /// assert_eq!(map.try_insert(0, 7).ok(), Some(Some(0)));
    /// ```
    #[inline]
    pub fn try_insert(&mut self, key: K, value: V) -> Result<Option<V>, TryInsertError<(K, V)>> {
        match self.prepare_insert() {
            Ok(()) => Ok(self.raw.insert(key, value)),
            Err(error) => match self.raw.get_mut(&key) {
                Some(slot) => Ok(Some(mem::replace(slot, value))),
                None => Err(TryInsertError::new(error, (key, value))),
            },
        }
    }

    /// Catches up on a deferred shrink, then makes room for one entry.
    #[inline]
    fn prepare_insert(&mut self) -> Result<(), ArenaError> {
        self.reclaimer.on_insert(&mut self.raw);
        self.make_room(1)
    }

    /// `insert` found no room: a present key is still updated.
    #[cold]
    #[inline(never)]
    fn insert_without_room(&mut self, key: K, value: V, error: ArenaError) -> Option<V> {
        match self.raw.get_mut(&key) {
            Some(slot) => Some(mem::replace(slot, value)),
            None => error.fail(),
        }
    }

    /// The entry for `key`, for in-place manipulation. Looking it up
    /// neither allocates nor resizes; see [`Entry`].
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut stock: ArenaMap<&str, u32> = ArenaMap::new();
    /// *stock.entry("pears").or_insert(0) += 5;
    /// assert_eq!(stock["pears"], 5);
    /// ```
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S> {
        Entry::new(self, key)
    }

    /// Inserts under a key known to be absent; the vacant entry's insert.
    pub(crate) fn insert_vacant(&mut self, key: K, value: V) -> &mut V {
        if let Err(error) = self.prepare_insert() {
            error.fail();
        }
        self.raw.insert_vacant(key, value)
    }

    /// Removes every entry and yields them. The arena is kept or given back
    /// as by [`clear`](Self::clear); an arena given back is detached at once
    /// and freed when the iterator is dropped. Entries the iterator did not
    /// yield are dropped with it.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map = ArenaMap::from([(1, "a"), (2, "b")]);
    /// let mut drained: Vec<_> = map.drain().collect();
    /// drained.sort();
    /// assert_eq!(drained, [(1, "a"), (2, "b")]);
    /// assert!(map.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, K, V> {
        let action =
            self.reclaimer
                .on_clear(self.raw.len(), self.raw.full_capacity(), self.raw.bytes());
        let inner = if action == ClearAction::Keep {
            DrainInner::Kept(self.raw.drain_entries())
        } else {
            let before = self.raw.bytes();
            let old = self.raw.take();
            self.reclaimer.record_release(before, self.raw.bytes());
            DrainInner::Released(old.into_entries(), PhantomData)
        };
        Drain { inner }
    }

    /// Removes `key`, returning its value. May give memory back.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map = ArenaMap::from([(1, "a"), (2, "b")]);
    /// assert_eq!(map.remove(&1), Some("a"));
    /// assert_eq!(map.remove(&1), None);
    /// assert_eq!(map.len(), 1);
    /// ```
    #[inline]
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`, returning the stored key and value. May give memory back.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map = ArenaMap::from([(1, "a"), (2, "b")]);
    /// assert_eq!(map.remove_entry(&1), Some((1, "a")));
    /// assert_eq!(map.remove_entry(&1), None);
    /// assert_eq!(map.len(), 1);
    /// ```
    #[inline]
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let entry = self.raw.remove_entry(key)?;
        self.reclaimer.on_remove(&mut self.raw);
        Some(entry)
    }

    /// Keeps only the entries for which `keep` returns `true`, then gives
    /// memory back if the policy says so.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u32, u32> = (0..8).map(|i| (i, i)).collect();
    /// map.retain(|k, _| k % 2 == 0);
    /// assert_eq!(map.len(), 4);
    /// assert!(map.keys().all(|k| k % 2 == 0));
    /// ```
    pub fn retain<F: FnMut(&K, &mut V) -> bool>(&mut self, keep: F) {
        let before = self.raw.len();
        self.raw.retain(keep);
        if self.raw.len() < before {
            self.reclaimer.on_remove(&mut self.raw);
        }
    }

    /// Removes every entry. As for `map_core::HashMap::clear`: the arena
    /// (its chunk and the table in it) is kept for the refill when it is no
    /// larger than the policy's `clear_keep_bytes` or the capacity floor, or
    /// under the manual policy; a larger arena is freed whole.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    /// use map_core::ReclaimMap;
    ///
    /// let mut batch = ArenaMap::new();
    /// for i in 0..1_000u64 { batch.insert(i, i); }
    /// let held = batch.memory().allocated_bytes;
    /// batch.clear();
    /// assert_eq!(batch.memory().allocated_bytes, held, "kept for the refill");
    /// ```
    pub fn clear(&mut self) {
        self.reclaimer.on_clear_storage(&mut self.raw);
    }

    /// Reserves room for at least `additional` more entries.
    ///
    /// # Panics
    ///
    /// As [`insert`](Self::insert), if the room cannot be had.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u32, u32> = ArenaMap::new();
    /// map.reserve(500);
    /// assert!(map.capacity() >= 500);
    /// ```
    pub fn reserve(&mut self, additional: usize) {
        if let Err(error) = self.try_reserve(additional) {
            error.fail();
        }
    }

    /// Reserves room for at least `additional` more entries, or reports why not.
    ///
    /// # Errors
    ///
    /// [`ArenaError`]; the map is unchanged.
    ///
    /// ```
    /// use arena_map::{ArenaError, ArenaMap};
    ///
    /// let mut map: ArenaMap<u64, u64> = ArenaMap::with_memory_limit(4096);
    /// assert!(matches!(map.try_reserve(100_000), Err(ArenaError::MemoryLimit { .. })));
    /// assert_eq!(map.capacity(), 0, "unchanged");
    /// assert_eq!(map.try_reserve(10), Ok(()));
    /// assert!(map.capacity() >= 10);
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), ArenaError> {
        self.make_room(additional)?;
        self.reclaimer
            .request_capacity(self.raw.len().saturating_add(additional));
        Ok(())
    }

    /// Gives back all the memory the entries do not need: see
    /// [`reclaim`](Self::reclaim).
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u64, u64> = ArenaMap::with_capacity(10_000);
    /// map.insert(1, 1);
    /// let held = map.memory().allocated_bytes;
    /// map.shrink_to_fit();
    /// assert!(map.capacity() >= 1 && map.capacity() < 10_000);
    /// assert!(map.memory().allocated_bytes < held);
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.reclaim();
    }

    /// Moves the entries into an arena for at least `min_capacity` entries
    /// (and the current length) if that frees memory, and makes
    /// `min_capacity` the capacity floor, as `map_core::HashMap::shrink_to`.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u64, u64> = ArenaMap::with_capacity(10_000);
    /// map.shrink_to(100);
    /// assert!(map.capacity() >= 100 && map.capacity() < 10_000);
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.reclaimer
            .shrink_storage_to(&mut self.raw, min_capacity);
    }

    /// Moves the entries into a fresh arena that fits them exactly (an empty
    /// map frees its arena), whatever the policy, if that frees memory, and
    /// drops the capacity floor. Returns the bytes released; 0 if the new
    /// arena could not be had.
    ///
    /// ```
    /// use arena_map::{ArenaMap, ReclaimPolicy};
    ///
    /// let mut map: ArenaMap<u64, u64> = ArenaMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..10_000 {
    ///     map.insert(i, i);
    /// }
    /// map.retain(|k, _| *k < 10);
    /// let before = map.memory().allocated_bytes;
    /// let released = map.reclaim();
    /// assert!(released > 0);
    /// assert_eq!(map.memory().allocated_bytes, before - released);
    /// assert_eq!(map.len(), 10);
    /// ```
    pub fn reclaim(&mut self) -> usize {
        self.reclaimer.reclaim_storage(&mut self.raw)
    }

    /// Makes room for `additional` more entries, growing the table as
    /// hashbrown would (double, or rehash when tombstones fill it), but by
    /// moving it into a fresh arena.
    #[inline]
    pub(crate) fn make_room(&mut self, additional: usize) -> Result<(), ArenaError> {
        if self.raw.room() >= additional {
            return Ok(());
        }
        self.grow(additional)
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, additional: usize) -> Result<(), ArenaError> {
        let mut target = grow_target(self.raw.len(), additional, self.raw.full_capacity())?;
        if let Some(refill) = self
            .reclaimer
            .refill_target(self.raw.len(), self.raw.full_capacity())
        {
            target = target.max(refill);
        }
        let before = self.raw.bytes();
        let full = self.raw.full_capacity();
        match self.raw.relocate(target, self.limit) {
            // Under the limit, clearing the tombstones may make the room.
            Err(ArenaError::MemoryLimit { .. })
                if target > full && self.raw.len() + additional <= full =>
            {
                self.raw.relocate(full, self.limit)?;
            }
            result => result?,
        }
        self.account(before);
        Ok(())
    }

    /// Records a move from an arena of `before` bytes; returns the bytes released.
    fn account(&mut self, before: usize) -> usize {
        let after = self.raw.bytes();
        if after < before {
            self.reclaimer.record_release(before, after);
        } else {
            self.reclaimer.observe(before);
        }
        before.saturating_sub(after)
    }
}

impl<K, V, S> ArenaMap<K, V, S> {
    /// How many entries the map holds.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map = ArenaMap::new();
    /// map.insert(1, "a");
    /// map.insert(1, "b");
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether the map holds no entries.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map = ArenaMap::new();
    /// assert!(map.is_empty());
    /// map.insert(1, "a");
    /// assert!(!map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.raw.len() == 0
    }

    /// How many entries the map can hold without moving to a bigger arena.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map: ArenaMap<u32, u32> = ArenaMap::with_capacity(10);
    /// assert!(map.capacity() >= 10);
    /// ```
    pub fn capacity(&self) -> usize {
        self.raw.capacity()
    }

    /// The map's hasher.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    /// use std::collections::hash_map::RandomState;
    /// use std::hash::BuildHasher;
    ///
    /// let state = RandomState::new();
    /// let map: ArenaMap<u32, u32, _> = ArenaMap::with_hasher(state.clone());
    /// assert_eq!(map.hasher().hash_one(7), state.hash_one(7));
    /// ```
    pub fn hasher(&self) -> &S {
        self.raw.hasher()
    }

    /// The reclamation policy in force.
    ///
    /// ```
    /// use arena_map::{ArenaMap, ReclaimPolicy};
    ///
    /// assert!(ArenaMap::<u32, u32>::new().policy().is_automatic());
    /// let manual = ArenaMap::<u32, u32>::with_policy(ReclaimPolicy::manual());
    /// assert_eq!(manual.policy(), ReclaimPolicy::manual());
    /// ```
    pub fn policy(&self) -> ReclaimPolicy {
        *self.reclaimer.policy()
    }

    /// The memory limit, if any.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// assert_eq!(ArenaMap::<u32, u32>::new().memory_limit(), None);
    /// assert_eq!(ArenaMap::<u32, u32>::with_memory_limit(4096).memory_limit(), Some(4096));
    /// ```
    pub fn memory_limit(&self) -> Option<usize> {
        self.limit
    }

    /// The map's memory figures: `allocated_bytes` is the arena's chunks
    /// (with bumpalo's chunk footers) and the box that holds it.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map = ArenaMap::new();
    /// for i in 0..100_000u64 { map.insert(i, i); }
    /// let full = map.memory();
    /// map.clear(); // a large arena goes back whole
    /// let after = map.memory();
    /// assert!(after.allocated_bytes < 100);
    /// assert_eq!(after.peak_bytes, full.allocated_bytes);
    /// assert_eq!(after.reclaimed_bytes, full.allocated_bytes - after.allocated_bytes);
    /// ```
    pub fn memory(&self) -> MemoryStats {
        self.reclaimer.stats(self.raw.bytes())
    }

    /// An iterator over the entries, in arbitrary order.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map = ArenaMap::from([(1, "a"), (2, "b")]);
    /// let mut pairs: Vec<_> = map.iter().collect();
    /// pairs.sort();
    /// assert_eq!(pairs, [(&1, &"a"), (&2, &"b")]);
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V> {
        self.raw.iter()
    }

    /// An iterator over the entries with mutable values.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map = ArenaMap::from([(1, 10), (2, 20)]);
    /// for (k, v) in map.iter_mut() {
    ///     *v += k;
    /// }
    /// assert_eq!((map[&1], map[&2]), (11, 22));
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.raw.iter_mut()
    }

    /// An iterator over the keys.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map = ArenaMap::from([(2, "b"), (1, "a")]);
    /// let mut keys: Vec<u32> = map.keys().copied().collect();
    /// keys.sort();
    /// assert_eq!(keys, [1, 2]);
    /// ```
    pub fn keys(&self) -> Keys<'_, K, V> {
        self.raw.keys()
    }

    /// An iterator over the values.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map = ArenaMap::from([(1, 10), (2, 20)]);
    /// assert_eq!(map.values().sum::<u32>(), 30);
    /// ```
    pub fn values(&self) -> Values<'_, K, V> {
        self.raw.values()
    }

    /// An iterator over mutable values.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map = ArenaMap::from([(1, 10), (2, 20)]);
    /// map.values_mut().for_each(|v| *v *= 2);
    /// assert_eq!(map.values().sum::<u32>(), 60);
    /// ```
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        self.raw.values_mut()
    }

    /// Consumes the map, yielding its keys.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map = ArenaMap::from([(2, 'b'), (1, 'a')]);
    /// let mut keys: Vec<u32> = map.into_keys().collect();
    /// keys.sort();
    /// assert_eq!(keys, [1, 2]);
    /// ```
    pub fn into_keys(self) -> IntoKeys<K, V> {
        map_core::toolkit::iter::IntoKeys::new(self.into_iter())
    }

    /// Consumes the map, yielding its values.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map = ArenaMap::from([(2, 20), (1, 10)]);
    /// assert_eq!(map.into_values().sum::<u32>(), 30);
    /// ```
    pub fn into_values(self) -> IntoValues<K, V> {
        map_core::toolkit::iter::IntoValues::new(self.into_iter())
    }
}

impl<K, V, S> IntoIterator for ArenaMap<K, V, S> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    /// Consumes the map, yielding its entries; the arena goes back when the
    /// iterator is dropped.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let map = ArenaMap::from([(1, String::from("one"))]);
    /// let owned: Vec<(u32, String)> = map.into_iter().collect();
    /// assert_eq!(owned, [(1, String::from("one"))]);
    /// ```
    fn into_iter(self) -> IntoIter<K, V> {
        IntoIter {
            inner: self.raw.into_entries(),
        }
    }
}

map_core::toolkit::reclaim_map_by_inherent_methods!(
    impl [K, V, S] for ArenaMap<K, V, S>
    where [K: Eq + Hash, S: BuildHasher + Clone]
);

impl<K: Eq + Hash, V, S: BuildHasher + Clone + Default> Default for ArenaMap<K, V, S> {
    /// An empty map with the automatic policy and a default hasher.
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for ArenaMap<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S> Clone for ArenaMap<K, V, S>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone,
{
    /// Copies the entries into a new arena sized for them; keeps the
    /// hasher, policy and limit, and starts fresh memory statistics.
    ///
    /// Cloning never fails on the limit: the clone is built without it and
    /// gets it once every entry is in. A clone of a map that holds more
    /// than its limit (a limit lowered below what the map held) holds as
    /// much, and then refuses every insert that needs memory, as the
    /// original does.
    fn clone(&self) -> Self {
        let mut map = Self::with_hasher(self.hasher().clone());
        map.reclaimer = self.reclaimer.fresh();
        // Room for the entries, not capacity asked for: the floor is the
        // original's, copied above.
        if let Err(error) = map.make_room(self.len()) {
            error.fail();
        }
        for (k, v) in self.iter() {
            map.insert(k.clone(), v.clone());
        }
        map.limit = self.limit;
        map
    }
}

impl<K, V, S> PartialEq for ArenaMap<K, V, S>
where
    K: Eq + Hash,
    V: PartialEq,
    S: BuildHasher + Clone,
{
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|ov| v == ov))
    }
}

impl<K: Eq + Hash, V: Eq, S: BuildHasher + Clone> Eq for ArenaMap<K, V, S> {}

impl<K, Q, V, S> Index<&Q> for ArenaMap<K, V, S>
where
    K: Eq + Hash,
    Q: ?Sized + Hash + Equivalent<K>,
    S: BuildHasher + Clone,
{
    type Output = V;

    /// # Panics
    ///
    /// If the key is not present.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("key not found in ArenaMap")
    }
}

impl<K: Eq + Hash, V, S: BuildHasher + Clone> Extend<(K, V)> for ArenaMap<K, V, S> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        // As std: if the map already holds keys, assume half the new ones
        // are duplicates.
        let hint = iter.size_hint().0;
        // Room for the hint, not capacity asked for: no floor.
        let room = if self.is_empty() {
            hint
        } else {
            hint.div_ceil(2)
        };
        if let Err(error) = self.make_room(room) {
            error.fail();
        }
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a, K, V, S> Extend<(&'a K, &'a V)> for ArenaMap<K, V, S>
where
    K: Eq + Hash + Copy,
    V: Copy,
    S: BuildHasher + Clone,
{
    fn extend<I: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(|(k, v)| (*k, *v)));
    }
}

impl<K, V, S> FromIterator<(K, V)> for ArenaMap<K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher + Clone + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::default();
        map.extend(iter);
        map
    }
}

impl<K: Eq + Hash, V, const N: usize> From<[(K, V); N]> for ArenaMap<K, V> {
    /// ```
    /// use arena_map::ArenaMap;
    /// let map = ArenaMap::from([(1, 'a'), (2, 'b')]);
    /// assert_eq!(map[&2], 'b');
    /// ```
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<'a, K, V, S> IntoIterator for &'a ArenaMap<K, V, S> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K, V, S> IntoIterator for &'a mut ArenaMap<K, V, S> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> IterMut<'a, K, V> {
        self.iter_mut()
    }
}
