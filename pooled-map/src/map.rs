//! `PooledMap`: the public API over the store, with the reclamation policy
//! on every path that removes entries.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;
use core::ops::{Index, IndexMut};

use hashbrown::hash_table;
use hashbrown::{DefaultHashBuilder, Equivalent, TryReserveError};
use map_core::toolkit::{table, ShrinkError};
use map_core::toolkit::{ClearAction, Reclaimer, Storage};
use map_core::{Allocator, MemoryStats, PageAlloc, ReclaimPolicy};

use crate::entry::{Entry, OccupiedEntry, VacantEntry};
use crate::handle::{Handle, Stamps};
use crate::iter::{
    Drain, DrainInner, Handles, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values,
    ValuesMut,
};
use crate::store::{expand, fold, rehash, slot_bytes, slot_number, IndexEntry, Slot, Store};

/// The pool and its index as the reclamation protocol sees them. Shrinking
/// compacts the pool, moving only entries no handle was handed out for
/// (unless `keep_handles` is off, for `reclaim_with`).
impl<K, V, A: Allocator + Clone> Storage for Store<K, V, A> {
    #[inline(always)]
    fn len(&self) -> usize {
        Store::len(self)
    }

    #[inline(always)]
    fn capacity(&self) -> usize {
        self.policy_capacity()
    }

    fn allocated_bytes(&self) -> usize {
        Store::allocated_bytes(self)
    }

    fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
        let before = Store::allocated_bytes(self);
        let moves = self.shrink(capacity, self.keep_handles);
        if !moves.is_empty() {
            self.epoch += 1;
        }
        if !self.keep_handles {
            self.moves = moves;
        }
        if Store::allocated_bytes(self) < before {
            Ok(())
        } else {
            Err(ShrinkError::NoGain)
        }
    }

    fn clear_storage(&mut self, keep: bool) {
        if keep {
            // Index first: its records need no drop, so if a value's drop
            // panics below, both are already empty.
            self.index.clear();
            drop(self.pool.drain());
        } else {
            drop(self.take());
        }
    }
}

/// A reclaimer that rounds capacities as the index does.
fn reclaimer_for(policy: ReclaimPolicy) -> Reclaimer {
    Reclaimer::with_rounding(policy, table::rounded_capacity::<IndexEntry>)
}

/// Slots are `u32`: the most entries a map can hold.
const MAX_ENTRIES: usize = u32::MAX as usize + 1;

/// A hash map whose entries live in an object pool, reached by key or by
/// [`Handle`], that gives memory back as it empties.
///
/// Entries are stored in a slab-style pool; a hashbrown `HashTable` of 8-byte
/// `(slot, hash)` records indexes them. A removed entry's slot is reused by
/// the next insert, so a map with a steady live set stops calling the
/// allocator. When the [`ReclaimPolicy`] finds the pool or the index too big
/// for the live entries, the pool is compacted and both shrink. See the
/// [crate docs](crate) for when to choose it and how handles behave.
///
/// # Examples
///
/// ```
/// use pooled_map::PooledMap;
///
/// let mut sessions = PooledMap::new();
/// let (alice, _) = sessions.insert_with_handle("alice", 3);
/// sessions.insert("bob", 5);
///
/// assert_eq!(sessions.get("bob"), Some(&5));
/// *sessions.get_mut_by_handle(alice).unwrap() += 1; // no hashing
/// assert_eq!(sessions["alice"], 4);
///
/// assert_eq!(sessions.remove_by_handle(alice), Some(4));
/// assert_eq!(sessions.get_by_handle(alice), None); // stale now
/// ```
pub struct PooledMap<K, V, S = DefaultHashBuilder, A: Allocator + Clone = PageAlloc> {
    pub(crate) store: Store<K, V, A>,
    hash_builder: S,
    reclaimer: Reclaimer,
    stamps: Stamps,
}

impl<K, V> PooledMap<K, V, DefaultHashBuilder, PageAlloc> {
    /// An empty map with the automatic policy. Allocates nothing until the
    /// first insert.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let map: PooledMap<u32, &str> = PooledMap::new();
    /// assert!(map.is_empty());
    /// assert_eq!(map.memory().allocated_bytes, 0);
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty map with room for at least `capacity` entries in the pool
    /// and the index. The capacity is a floor: the automatic policy never
    /// shrinks below it (`shrink_to`, `shrink_to_fit` and `reclaim()` lower
    /// it).
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<u32, u32> = PooledMap::with_capacity(1_000);
    /// assert!(map.capacity() >= 1_000);
    /// map.insert(1, 1);
    /// map.remove(&1);
    /// assert!(map.capacity() >= 1_000, "the floor holds");
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }

    /// An empty map with the given reclamation policy.
    ///
    /// ```
    /// use pooled_map::{PooledMap, ReclaimPolicy};
    ///
    /// let mut map: PooledMap<u64, u64> = PooledMap::with_policy(ReclaimPolicy::manual());
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
}

impl<K, V, S> PooledMap<K, V, S, PageAlloc> {
    /// An empty map hashing keys with `hash_builder`.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    /// use std::collections::hash_map::RandomState;
    ///
    /// let mut map = PooledMap::with_hasher(RandomState::new());
    /// map.insert(1, "one");
    /// assert_eq!(map.get(&1), Some(&"one"));
    /// ```
    pub fn with_hasher(hash_builder: S) -> Self {
        Self::with_hasher_in(hash_builder, PageAlloc)
    }

    /// An empty map with room for `capacity` entries, hashing with `hash_builder`.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    /// use std::collections::hash_map::RandomState;
    ///
    /// let map: PooledMap<u32, u32, _> = PooledMap::with_capacity_and_hasher(100, RandomState::new());
    /// assert!(map.capacity() >= 100);
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        Self::with_capacity_and_hasher_in(capacity, hash_builder, PageAlloc)
    }
}

impl<K, V, A: Allocator + Clone> PooledMap<K, V, DefaultHashBuilder, A> {
    /// An empty map whose pool and index come from `alloc`. Allocates
    /// nothing until the first insert.
    ///
    /// The other constructors allocate from [`PageAlloc`], which maps
    /// blocks of 64 KiB and more straight from the kernel; pass
    /// [`Global`](map_core::Global) to have every byte go through the
    /// global allocator instead, or any other `allocator_api2` allocator.
    ///
    /// ```
    /// use map_core::Global;
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new_in(Global);
    /// map.insert("k", 1);
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn new_in(alloc: A) -> Self {
        Self::with_hasher_in(DefaultHashBuilder::default(), alloc)
    }

    /// An empty map with room for at least `capacity` entries in the pool
    /// and the index, both from `alloc`. The capacity is a floor, as for
    /// [`with_capacity`](PooledMap::with_capacity).
    ///
    /// ```
    /// use map_core::Global;
    /// use pooled_map::PooledMap;
    ///
    /// let map: PooledMap<u32, u32, _, Global> = PooledMap::with_capacity_in(1_000, Global);
    /// assert!(map.capacity() >= 1_000);
    /// ```
    pub fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        Self::with_capacity_and_hasher_in(capacity, DefaultHashBuilder::default(), alloc)
    }

    /// An empty map under `policy`, allocating from `alloc`.
    ///
    /// ```
    /// use map_core::{Global, ReclaimPolicy};
    /// use pooled_map::PooledMap;
    ///
    /// let map: PooledMap<u32, u32, _, Global> =
    ///     PooledMap::with_policy_in(ReclaimPolicy::manual(), Global);
    /// assert!(!map.policy().is_automatic());
    /// ```
    pub fn with_policy_in(policy: ReclaimPolicy, alloc: A) -> Self {
        let mut map = Self::new_in(alloc);
        map.reclaimer.set_policy(policy);
        map
    }
}

impl<K, V, S, A: Allocator + Clone> PooledMap<K, V, S, A> {
    /// An empty map hashing with `hash_builder`, its pool and index from
    /// `alloc`.
    ///
    /// ```
    /// use map_core::{DefaultHashBuilder, Global};
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::with_hasher_in(DefaultHashBuilder::default(), Global);
    /// map.insert(3, 4);
    /// assert_eq!(map.get(&3), Some(&4));
    /// ```
    pub fn with_hasher_in(hash_builder: S, alloc: A) -> Self {
        Self {
            store: Store::new_in(alloc),
            hash_builder,
            reclaimer: reclaimer_for(ReclaimPolicy::automatic()),
            stamps: Stamps::new(),
        }
    }

    /// An empty map with room for `capacity` entries, hashing with
    /// `hash_builder`, its pool and index from `alloc`.
    ///
    /// ```
    /// use map_core::{DefaultHashBuilder, Global};
    /// use pooled_map::PooledMap;
    ///
    /// let map: PooledMap<u32, u32, _, Global> =
    ///     PooledMap::with_capacity_and_hasher_in(100, DefaultHashBuilder::default(), Global);
    /// assert!(map.capacity() >= 100);
    /// ```
    pub fn with_capacity_and_hasher_in(capacity: usize, hash_builder: S, alloc: A) -> Self {
        let mut map = Self::with_hasher_in(hash_builder, alloc.clone());
        map.store = Store::with_capacity_in(capacity, alloc);
        map.reclaimer.request_capacity(capacity);
        map
    }

    /// The allocator the pool and the index come from.
    ///
    /// ```
    /// use map_core::PageAlloc;
    /// use pooled_map::PooledMap;
    ///
    /// let map: PooledMap<u8, u8> = PooledMap::new();
    /// let _: &PageAlloc = map.allocator();
    /// ```
    pub fn allocator(&self) -> &A {
        self.store.allocator()
    }

    /// The map's hasher.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    /// use std::collections::hash_map::RandomState;
    /// use std::hash::BuildHasher;
    ///
    /// let state = RandomState::new();
    /// let map: PooledMap<u32, u32, _> = PooledMap::with_hasher(state.clone());
    /// assert_eq!(map.hasher().hash_one(7), state.hash_one(7));
    /// ```
    pub fn hasher(&self) -> &S {
        &self.hash_builder
    }

    /// How many entries the map can hold without reallocating the pool or
    /// the index.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<u32, u32> = PooledMap::new();
    /// assert_eq!(map.capacity(), 0);
    /// map.reserve(10);
    /// assert!(map.capacity() >= 10);
    /// ```
    pub fn capacity(&self) -> usize {
        self.store.pool.capacity().min(self.store.index.capacity())
    }

    /// How many entries the map holds.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// map.insert(1, "a");
    /// map.insert(1, "b");
    /// assert_eq!(map.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether the map holds no entries.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// assert!(map.is_empty());
    /// map.insert(1, "a");
    /// assert!(!map.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.store.len() == 0
    }

    /// The reclamation policy in force.
    ///
    /// ```
    /// use pooled_map::{PooledMap, ReclaimPolicy};
    ///
    /// assert!(PooledMap::<u32, u32>::new().policy().is_automatic());
    /// let manual = PooledMap::<u32, u32>::with_policy(ReclaimPolicy::manual());
    /// assert_eq!(manual.policy(), ReclaimPolicy::manual());
    /// ```
    pub fn policy(&self) -> ReclaimPolicy {
        *self.reclaimer.policy()
    }

    /// The map's memory figures: the exact bytes of its pool and index, the
    /// peak, and what reclamation has given back.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// for i in 0..10_000u64 { map.insert(i, [0u8; 64]); }
    /// let full = map.memory();
    /// map.retain(|k, _| *k < 10);
    /// let after = map.memory();
    /// assert!(after.allocated_bytes < full.allocated_bytes / 100);
    /// assert!(after.reclaims >= 1);
    /// ```
    pub fn memory(&self) -> MemoryStats {
        self.reclaimer.stats(self.store.allocated_bytes())
    }

    /// Bytes the pool takes per slot (key, value, stamp and folded hash,
    /// with the pool's tag). The index adds about 9 bytes per bucket.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<u64, [u8; 100]> = PooledMap::new();
    /// assert!(PooledMap::<u64, [u8; 100]>::slot_bytes() >= 8 + 100);
    /// map.insert(1, [0; 100]);
    /// assert!(map.memory().allocated_bytes >= map.capacity() * PooledMap::<u64, [u8; 100]>::slot_bytes());
    /// ```
    pub const fn slot_bytes() -> usize {
        slot_bytes::<K, V>()
    }

    /// How many reclamations have moved entries. Only entries no handle was
    /// handed out for move (and [`reclaim_with`](Self::reclaim_with) moves
    /// the others, reporting each): a slot number read from `iter` order or
    /// kept by hand, not through a handle, is valid while this stays the
    /// same.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// let kept = map.insert_with_handle(1_000u32, 0).0;
    /// for i in 0..10_000u32 { map.insert(i, i); }
    /// let epoch = map.reclaim_epoch();
    /// for i in 0..9_990 { map.remove(&i); }
    /// assert!(map.reclaim_epoch() > epoch, "entries without handles moved");
    /// assert_eq!(map.get_by_handle(kept), None, "its entry was removed");
    /// let h = map.handle_of(&9_995).unwrap();
    /// for i in 9_990..9_995 { map.remove(&i); }
    /// map.reclaim();
    /// assert_eq!(map.get_by_handle(h), Some(&9_995), "handles stay valid");
    /// ```
    pub fn reclaim_epoch(&self) -> u64 {
        self.store.epoch
    }

    // -----------------------------------------------------------------------
    // Handles

    /// The value `handle` refers to, if its entry is still there. A bounds
    /// check and a stamp comparison; no hashing.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// assert_eq!(map.get_by_handle(h), Some(&1));
    /// map.remove("a");
    /// map.insert("a", 2);
    /// assert_eq!(map.get_by_handle(h), None, "a new entry, a new handle");
    /// ```
    #[inline]
    pub fn get_by_handle(&self, handle: Handle) -> Option<&V> {
        match self.store.pool.get(handle.slot as usize) {
            Some(slot) if slot.stamp == handle.stamp => Some(&slot.value),
            _ => None,
        }
    }

    /// The key and value `handle` refers to, if its entry is still there.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// assert_eq!(map.get_key_value_by_handle(h), Some((&"a", &1)));
    /// ```
    #[inline]
    pub fn get_key_value_by_handle(&self, handle: Handle) -> Option<(&K, &V)> {
        match self.store.pool.get(handle.slot as usize) {
            Some(slot) if slot.stamp == handle.stamp => Some((&slot.key, &slot.value)),
            _ => None,
        }
    }

    /// The value `handle` refers to, mutably, if its entry is still there.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// *map.get_mut_by_handle(h).unwrap() += 1;
    /// assert_eq!(map["a"], 2);
    /// ```
    #[inline]
    pub fn get_mut_by_handle(&mut self, handle: Handle) -> Option<&mut V> {
        match self.store.pool.get_mut(handle.slot as usize) {
            Some(slot) if slot.stamp == handle.stamp => Some(&mut slot.value),
            _ => None,
        }
    }

    /// Whether `handle` still refers to an entry of this map.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// assert!(map.contains_handle(h));
    /// map.remove("a");
    /// assert!(!map.contains_handle(h));
    /// ```
    #[inline]
    pub fn contains_handle(&self, handle: Handle) -> bool {
        self.get_by_handle(handle).is_some()
    }

    /// Removes the entry `handle` refers to and returns its value; `None`
    /// if the handle is stale. O(1), no hashing: the entry's stored hash
    /// finds its index record. May give memory back under the policy.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// map.insert("b", 2);
    /// assert_eq!(map.remove_by_handle(h), Some(1));
    /// assert_eq!(map.remove_by_handle(h), None, "stale now");
    /// assert_eq!(map.len(), 1);
    /// ```
    #[inline]
    pub fn remove_by_handle(&mut self, handle: Handle) -> Option<V> {
        self.remove_entry_by_handle(handle).map(|(_, v)| v)
    }

    /// Removes the entry `handle` refers to and returns its key and value;
    /// `None` if the handle is stale.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// assert_eq!(map.remove_entry_by_handle(h), Some(("a", 1)));
    /// assert!(map.is_empty());
    /// ```
    pub fn remove_entry_by_handle(&mut self, handle: Handle) -> Option<(K, V)> {
        let hash = match self.store.pool.get(handle.slot as usize) {
            Some(slot) if slot.stamp == handle.stamp => slot.hash,
            _ => return None,
        };
        let slot = self.store.remove_slot(handle.slot, hash);
        self.after_removal();
        Some((slot.key, slot.value))
    }

    // -----------------------------------------------------------------------
    // Iteration

    /// An iterator over the entries, in pool order (roughly insertion order
    /// while nothing is removed).
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let map = PooledMap::from([(1, "a"), (2, "b")]);
    /// let mut pairs: Vec<_> = map.iter().collect();
    /// pairs.sort();
    /// assert_eq!(pairs, [(&1, &"a"), (&2, &"b")]);
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            inner: self.store.pool.iter(),
        }
    }

    /// An iterator over the entries with mutable values.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::from([(1, 10), (2, 20)]);
    /// for (k, v) in map.iter_mut() {
    ///     *v += k;
    /// }
    /// assert_eq!((map[&1], map[&2]), (11, 22));
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut {
            inner: self.store.pool.iter_mut(),
        }
    }

    /// An iterator over the entries with their handles.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let map: PooledMap<&str, u32> = [("a", 1), ("b", 2)].into_iter().collect();
    /// for (handle, key, value) in map.handles() {
    ///     assert_eq!(map.get_key_value_by_handle(handle), Some((key, value)));
    /// }
    /// ```
    pub fn handles(&self) -> Handles<'_, K, V> {
        Handles {
            inner: self.store.pool.iter(),
        }
    }

    /// An iterator over the keys.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let map = PooledMap::from([(2, "b"), (1, "a")]);
    /// let mut keys: Vec<u32> = map.keys().copied().collect();
    /// keys.sort();
    /// assert_eq!(keys, [1, 2]);
    /// ```
    pub fn keys(&self) -> Keys<'_, K, V> {
        map_core::toolkit::iter::Keys::new(self.iter())
    }

    /// An iterator over the values.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let map = PooledMap::from([(1, 10), (2, 20)]);
    /// assert_eq!(map.values().sum::<u32>(), 30);
    /// ```
    pub fn values(&self) -> Values<'_, K, V> {
        map_core::toolkit::iter::Values::new(self.iter())
    }

    /// An iterator over mutable values.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::from([(1, 10), (2, 20)]);
    /// map.values_mut().for_each(|v| *v *= 2);
    /// assert_eq!(map.values().sum::<u32>(), 60);
    /// ```
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        map_core::toolkit::iter::ValuesMut::new(self.iter_mut())
    }

    /// Consumes the map, yielding its keys.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let map = PooledMap::from([(2, 'b'), (1, 'a')]);
    /// let mut keys: Vec<u32> = map.into_keys().collect();
    /// keys.sort();
    /// assert_eq!(keys, [1, 2]);
    /// ```
    pub fn into_keys(self) -> IntoKeys<K, V, A> {
        map_core::toolkit::iter::IntoKeys::new(self.into_iter())
    }

    /// Consumes the map, yielding its values.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let map = PooledMap::from([(2, 20), (1, 10)]);
    /// assert_eq!(map.into_values().sum::<u32>(), 30);
    /// ```
    pub fn into_values(self) -> IntoValues<K, V, A> {
        map_core::toolkit::iter::IntoValues::new(self.into_iter())
    }

    // -----------------------------------------------------------------------
    // Removal of many, and reclamation

    /// Keeps only the entries for which `keep` returns `true`, then gives
    /// memory back if the policy says so. Runs no `Hash`: each entry's
    /// stored hash finds its index record.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<u32, u32> = (0..8).map(|i| (i, i)).collect();
    /// map.retain(|k, _| k % 2 == 0);
    /// assert_eq!(map.len(), 4);
    /// assert!(map.keys().all(|k| k % 2 == 0));
    /// ```
    pub fn retain<F>(&mut self, mut keep: F)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        let before = self.len();
        // Walk the pool, which is contiguous. A rejected entry leaves the
        // index and the pool together before it is dropped, so a panic in
        // `keep` or in a destructor leaves the two in step.
        for slot in 0..self.store.pool.capacity() {
            let Some(entry) = self.store.pool.get_mut(slot) else {
                continue;
            };
            if !keep(&entry.key, &mut entry.value) {
                let hash = entry.hash;
                drop(self.store.remove_slot(slot_number(slot), hash));
            }
        }
        if self.len() < before {
            self.after_removal();
        }
    }

    /// Removes every entry. As for `map_core::HashMap::clear`: the pool and
    /// the index are kept for the refill when they hold no more than the
    /// policy's `clear_keep_bytes` or the capacity floor, or under the
    /// manual policy; larger ones go back to the allocator.
    ///
    /// ```
    /// use map_core::ReclaimMap;
    /// use pooled_map::PooledMap;
    ///
    /// let mut batch = PooledMap::new();
    /// for i in 0..1_000u64 { batch.insert(i, i); }
    /// let held = batch.memory().allocated_bytes;
    /// batch.clear();
    /// assert_eq!(batch.memory().allocated_bytes, held, "kept for the refill");
    /// ```
    pub fn clear(&mut self) {
        self.reclaimer.on_clear_storage(&mut self.store);
    }

    /// Removes every entry and yields them. The storage is kept or given
    /// back as by [`clear`](Self::clear); entries the iterator did not yield
    /// are dropped with it.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::from([(1, "a"), (2, "b")]);
    /// let mut drained: Vec<_> = map.drain().collect();
    /// drained.sort();
    /// assert_eq!(drained, [(1, "a"), (2, "b")]);
    /// assert!(map.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, K, V, A> {
        let action = self.reclaimer.on_clear(
            self.store.len(),
            self.store.policy_capacity(),
            self.store.allocated_bytes(),
        );
        let inner = if action == ClearAction::Keep {
            self.store.index.clear();
            DrainInner::Kept(self.store.pool.drain())
        } else {
            let before = self.store.allocated_bytes();
            let old = self.store.take();
            self.reclaimer.record_release(before, 0);
            DrainInner::Released(old.pool.into_iter(), Default::default())
        };
        Drain { inner }
    }

    /// Replaces the reclamation policy. A stricter policy takes effect at once.
    ///
    /// ```
    /// use pooled_map::{PooledMap, ReclaimPolicy};
    ///
    /// let mut map: PooledMap<u64, u64> = PooledMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..10_000 {
    ///     map.insert(i, i);
    /// }
    /// map.retain(|k, _| *k < 10);
    /// let held = map.memory().allocated_bytes;
    /// map.set_policy(ReclaimPolicy::automatic());
    /// assert!(map.memory().allocated_bytes < held);
    /// ```
    pub fn set_policy(&mut self, policy: ReclaimPolicy) {
        self.reclaimer.on_set_policy(&mut self.store, policy);
    }

    /// Gives back all the memory the current entries do not need, whatever
    /// the policy, and drops the capacity floor: the pool is compacted and
    /// the index shrinks to fit the entries (an empty map frees both).
    /// Returns the bytes released.
    ///
    /// Entries stored above the live count move down, except those a handle
    /// was handed out for: every handle stays valid, and a pinned entry
    /// high in the pool keeps the pool that long
    /// ([`reclaim_with`](Self::reclaim_with) moves those too).
    ///
    /// ```
    /// use pooled_map::{PooledMap, ReclaimPolicy};
    ///
    /// let mut map: PooledMap<u64, u64> = PooledMap::with_policy(ReclaimPolicy::manual());
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
        self.reclaimer.reclaim_storage(&mut self.store)
    }

    /// As [`reclaim`](Self::reclaim), but moves every entry above the live
    /// count, those with handles too, then calls `moved(key, old, new)` for
    /// every entry that moved, so that handles kept elsewhere can be
    /// updated: the pool ends exactly as large as the live entries. The map
    /// is complete and consistent before the first call. The new handles
    /// are handed out as by [`handle_of`](Self::handle_of): later
    /// reclamations, other than another `reclaim_with`, leave those entries
    /// where they are, so the handles stay valid until the entries are
    /// removed.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use pooled_map::{PooledMap, ReclaimPolicy};
    ///
    /// let mut map = PooledMap::with_policy(ReclaimPolicy::manual());
    /// let mut by_name = HashMap::new();
    /// for i in 0..1000u32 {
    ///     by_name.insert(i, map.insert_with_handle(i, i * 2).0);
    /// }
    /// for i in 0..990 {
    ///     map.remove_by_handle(by_name.remove(&i).unwrap());
    /// }
    /// map.reclaim_with(|key, _old, new| {
    ///     by_name.insert(*key, new);
    /// });
    /// for (key, handle) in &by_name {
    ///     assert_eq!(map.get_by_handle(*handle), Some(&(key * 2)));
    /// }
    /// ```
    pub fn reclaim_with<F>(&mut self, mut moved: F) -> usize
    where
        F: FnMut(&K, Handle, Handle),
    {
        // The shrink runs no user code: the flag is back before anything
        // can panic.
        self.store.keep_handles = false;
        let released = self.reclaimer.reclaim_storage(&mut self.store);
        self.store.keep_handles = true;
        for (from, to) in mem::take(&mut self.store.moves) {
            if let Some(slot) = self.store.pool.get(to as usize) {
                let old = Handle {
                    stamp: slot.stamp,
                    slot: from,
                };
                // Already pinned by the move; the new handle is the entry's
                // handle like any other from now on.
                let new = slot.handle(to);
                moved(&slot.key, old, new);
            }
        }
        released
    }

    /// Gives back all the memory the entries do not need; the same as
    /// [`reclaim`](Self::reclaim).
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<u64, u64> = PooledMap::with_capacity(10_000);
    /// map.insert(1, 1);
    /// let held = map.memory().allocated_bytes;
    /// map.shrink_to_fit();
    /// assert!(map.capacity() >= 1 && map.capacity() < 10_000);
    /// assert!(map.memory().allocated_bytes < held);
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.reclaim();
    }

    /// Shrinks the pool and the index to room for at least `min_capacity`
    /// entries (and at least the current length), and makes `min_capacity`
    /// the capacity floor. Moves entries as [`reclaim`](Self::reclaim) does.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<u64, u64> = PooledMap::with_capacity(10_000);
    /// map.shrink_to(100);
    /// assert!(map.capacity() >= 100 && map.capacity() < 10_000);
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.reclaimer
            .shrink_storage_to(&mut self.store, min_capacity);
    }

    /// Reserves room for at least `additional` more entries in the pool and
    /// the index.
    ///
    /// # Panics
    ///
    /// If the map would exceed 2^32 entries or the pool `isize::MAX` bytes;
    /// allocation failure aborts, as for `Vec`.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<u32, u32> = PooledMap::new();
    /// map.reserve(500);
    /// let cap = map.capacity();
    /// assert!(cap >= 500);
    /// for i in 0..500 {
    ///     map.insert(i, i);
    /// }
    /// assert_eq!(map.capacity(), cap, "no reallocation while it fits");
    /// ```
    pub fn reserve(&mut self, additional: usize) {
        if let Err(error) = self.check_reserve(additional) {
            panic!("PooledMap::reserve({additional}): {error}");
        }
        self.store.index.reserve(additional, rehash);
        self.store.pool.reserve(additional);
        self.reclaimer
            .request_capacity(self.len().saturating_add(additional));
    }

    /// Reserves room for at least `additional` more entries, or reports why
    /// not.
    ///
    /// # Errors
    ///
    /// `TryReserveError::CapacityOverflow` if the map would exceed 2^32
    /// entries or the pool `isize::MAX` bytes; `TryReserveError::AllocError`
    /// if the allocator refused the index or the pool. The map holds the
    /// same entries on error (the index may have grown).
    ///
    /// ```
    /// use pooled_map::{PooledMap, TryReserveError};
    ///
    /// let mut map: PooledMap<u64, u64> = PooledMap::new();
    /// assert!(map.try_reserve(10).is_ok());
    /// assert!(matches!(map.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow)));
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.check_reserve(additional)?;
        self.store.index.try_reserve(additional, rehash)?;
        self.store.pool.try_reserve(additional)?;
        self.reclaimer
            .request_capacity(self.len().saturating_add(additional));
        Ok(())
    }

    /// Room for a size hint (`extend`, deserializing), which is not capacity
    /// the user asked for: no floor. A hint past the map's limits is ignored.
    pub(crate) fn reserve_without_floor(&mut self, additional: usize) {
        if self.check_reserve(additional).is_ok() {
            self.store.index.reserve(additional, rehash);
            self.store.pool.reserve(additional);
        }
    }

    fn check_reserve(&self, additional: usize) -> Result<(), TryReserveError> {
        self.len()
            .checked_add(additional)
            .filter(|&n| n <= MAX_ENTRIES)
            .and_then(|n| n.checked_mul(slot_bytes::<K, V>()))
            .filter(|&bytes| bytes <= isize::MAX as usize)
            .map(|_| ())
            .ok_or(TryReserveError::CapacityOverflow)
    }

    // -----------------------------------------------------------------------
    // The policy, applied. None of this hashes: reclamation needs no `Hash`.

    /// The policy check after a removal: two comparisons unless the storage
    /// may have become sparse.
    #[inline(always)]
    pub(crate) fn after_removal(&mut self) {
        self.reclaimer.on_remove(&mut self.store);
    }

    /// The policy check before an insert: catches up on a shrink that
    /// removals deferred. One flag test when nothing is pending.
    #[inline(always)]
    pub(crate) fn before_insert(&mut self) {
        self.reclaimer.on_insert(&mut self.store);
    }

    pub(crate) fn take_stamp(&mut self) -> core::num::NonZeroU64 {
        self.stamps.take()
    }
}

impl<K, V, S, A: Allocator + Clone> PooledMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// The folded hash of `key` and the slot holding it, if any.
    #[inline(always)]
    fn find<Q>(&self, key: &Q) -> Option<u32>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        if self.is_empty() {
            return None;
        }
        let hash = fold(self.hash_builder.hash_one(key));
        self.find_hashed(hash, key)
    }

    #[inline(always)]
    fn find_hashed<Q>(&self, hash: u32, key: &Q) -> Option<u32>
    where
        Q: ?Sized + Equivalent<K>,
    {
        let pool = &self.store.pool;
        self.store
            .index
            .find(expand(hash), |e| {
                e.hash == hash
                    && pool
                        .get(e.slot as usize)
                        .is_some_and(|s| key.equivalent(&s.key))
            })
            .map(|e| e.slot)
    }

    /// The value under `key`.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let map = PooledMap::from([(1, "one")]);
    /// assert_eq!(map.get(&1), Some(&"one"));
    /// assert_eq!(map.get(&2), None);
    /// ```
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// The stored key and the value under `key`.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let map = PooledMap::from([(1, "one")]);
    /// assert_eq!(map.get_key_value(&1), Some((&1, &"one")));
    /// assert_eq!(map.get_key_value(&2), None);
    /// ```
    #[inline]
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let slot = self.find(key)?;
        self.store
            .pool
            .get(slot as usize)
            .map(|s| (&s.key, &s.value))
    }

    /// The value under `key`, mutably.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::from([(1, 10)]);
    /// *map.get_mut(&1).unwrap() += 1;
    /// assert_eq!(map[&1], 11);
    /// assert!(map.get_mut(&2).is_none());
    /// ```
    #[inline]
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let slot = self.find(key)?;
        self.store.pool.get_mut(slot as usize).map(|s| &mut s.value)
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let map = PooledMap::from([(1, "one")]);
    /// assert!(map.contains_key(&1));
    /// assert!(!map.contains_key(&2));
    /// ```
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.find(key).is_some()
    }

    /// The handle of the entry under `key`: how to find an entry again after
    /// a reclamation moved it.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// assert_eq!(map.handle_of("a"), Some(h));
    /// assert_eq!(map.handle_of("b"), None);
    /// ```
    pub fn handle_of<Q>(&self, key: &Q) -> Option<Handle>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let slot = self.find(key)?;
        self.store.pool.get(slot as usize).map(|s| s.handle(slot))
    }

    /// Inserts `value` under `key`, returning the previous value. The key
    /// already stored is kept, as std does; so is the entry's slot, so its
    /// handles stay valid.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// assert_eq!(map.insert(1, "a"), None);
    /// assert_eq!(map.insert(1, "b"), Some("a"));
    /// assert_eq!(map.len(), 1);
    /// assert_eq!(map[&1], "b");
    /// ```
    #[inline]
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.insert_slot(key, value).1
    }

    /// Inserts `value` under `key`, returning the entry's handle and the
    /// previous value. A new key reuses a vacant slot of the pool if there is
    /// one; a present key keeps its slot and handle.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::new();
    /// let (h, old) = map.insert_with_handle("a", 1);
    /// assert_eq!(old, None);
    /// let (again, old) = map.insert_with_handle("a", 2);
    /// assert_eq!((again, old), (h, Some(1)), "a present key keeps its handle");
    /// assert_eq!(map[h], 2);
    /// ```
    #[inline]
    pub fn insert_with_handle(&mut self, key: K, value: V) -> (Handle, Option<V>) {
        let (slot, old) = self.insert_slot(key, value);
        (self.store.pool[slot as usize].handle(slot), old)
    }

    /// Inserts, returning the entry's slot and the previous value. Always
    /// inlined (measured): left to the inliner it stayed a call, and a
    /// clear-and-refill of 1,000 entries took 2.3x-2.5x hashbrown's time.
    #[inline(always)]
    fn insert_slot(&mut self, key: K, value: V) -> (u32, Option<V>) {
        self.before_insert();
        let hash = fold(self.hash_builder.hash_one(&key));
        let Store { pool, index, .. } = &mut self.store;
        let found = index.entry(
            expand(hash),
            |e| {
                e.hash == hash
                    && pool
                        .get(e.slot as usize)
                        .is_some_and(|s| key.equivalent(&s.key))
            },
            rehash,
        );
        match found {
            hash_table::Entry::Occupied(entry) => {
                let slot = entry.get().slot;
                let stored = &mut pool[slot as usize];
                let old = mem::replace(&mut stored.value, value);
                (slot, Some(old))
            }
            hash_table::Entry::Vacant(entry) => {
                let slot = slot_number(pool.vacant_key());
                let stamp = self.stamps.take();
                // The index already has room (`entry` reserved it): nothing
                // can fail between the two inserts.
                pool.insert(Slot::new(stamp, hash, key, value));
                entry.insert(IndexEntry { slot, hash });
                (slot, None)
            }
        }
    }

    /// Removes `key`, returning its value. May give memory back.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::from([(1, "a"), (2, "b")]);
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
    /// use pooled_map::PooledMap;
    ///
    /// let mut map = PooledMap::from([(1, "a"), (2, "b")]);
    /// assert_eq!(map.remove_entry(&1), Some((1, "a")));
    /// assert_eq!(map.remove_entry(&1), None);
    /// assert_eq!(map.len(), 1);
    /// ```
    #[inline]
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        if self.is_empty() {
            return None;
        }
        let hash = fold(self.hash_builder.hash_one(key));
        let Store { pool, index, .. } = &mut self.store;
        let found = index.find_entry(expand(hash), |e| {
            e.hash == hash
                && pool
                    .get(e.slot as usize)
                    .is_some_and(|s| key.equivalent(&s.key))
        });
        let (record, _) = found.ok()?.remove();
        let slot = pool.remove(record.slot as usize);
        self.after_removal();
        Some((slot.key, slot.value))
    }

    /// The entry for `key`, for in-place manipulation.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut counts: PooledMap<char, usize> = PooledMap::new();
    /// for c in "hello".chars() {
    ///     *counts.entry(c).or_default() += 1;
    /// }
    /// assert_eq!(counts[&'l'], 2);
    /// ```
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S, A> {
        self.before_insert();
        let hash = fold(self.hash_builder.hash_one(&key));
        match self.find_hashed(hash, &key) {
            Some(slot) => Entry::Occupied(OccupiedEntry::new(self, slot)),
            None => Entry::Vacant(VacantEntry::new(self, key, hash)),
        }
    }
}

map_core::toolkit::reclaim_map_by_inherent_methods!(
    impl [K, V, S, A] for PooledMap<K, V, S, A>
    where [K: Eq + Hash, S: BuildHasher, A: Allocator + Clone]
);

// ---------------------------------------------------------------------------
// Standard traits

impl<K, V, S: Default, A: Allocator + Clone + Default> Default for PooledMap<K, V, S, A> {
    /// An empty map with the automatic policy, a default hasher and a
    /// default allocator.
    fn default() -> Self {
        Self::with_hasher_in(S::default(), A::default())
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator + Clone> fmt::Debug for PooledMap<K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Clone, V: Clone, S: Clone, A: Allocator + Clone> Clone for PooledMap<K, V, S, A> {
    /// Clones entries (in the same slots, with the same stamps, so the
    /// original's handles work on the clone too), hasher and policy. The
    /// clone draws fresh stamps for its own inserts and starts with fresh
    /// memory statistics.
    fn clone(&self) -> Self {
        Self {
            store: Store::from_parts(self.store.pool.clone(), self.store.index.clone()),
            hash_builder: self.hash_builder.clone(),
            reclaimer: self.reclaimer.fresh(),
            stamps: Stamps::new(),
        }
    }
}

impl<K, V, S, A> PartialEq for PooledMap<K, V, S, A>
where
    A: Allocator + Clone,
    K: Eq + Hash,
    V: PartialEq,
    S: BuildHasher,
{
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|ov| v == ov))
    }
}

impl<K, V, S, A> Eq for PooledMap<K, V, S, A>
where
    A: Allocator + Clone,
    K: Eq + Hash,
    V: Eq,
    S: BuildHasher,
{
}

impl<K, Q, V, S, A> Index<&Q> for PooledMap<K, V, S, A>
where
    A: Allocator + Clone,
    K: Eq + Hash,
    Q: ?Sized + Hash + Equivalent<K>,
    S: BuildHasher,
{
    type Output = V;

    /// # Panics
    ///
    /// If the key is not present.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("key not found in PooledMap")
    }
}

impl<K, V, S, A: Allocator + Clone> Index<Handle> for PooledMap<K, V, S, A> {
    type Output = V;

    /// # Panics
    ///
    /// If the handle is stale.
    fn index(&self, handle: Handle) -> &V {
        self.get_by_handle(handle)
            .expect("stale handle used to index a PooledMap")
    }
}

impl<K, V, S, A: Allocator + Clone> IndexMut<Handle> for PooledMap<K, V, S, A> {
    /// # Panics
    ///
    /// If the handle is stale.
    fn index_mut(&mut self, handle: Handle) -> &mut V {
        self.get_mut_by_handle(handle)
            .expect("stale handle used to index a PooledMap")
    }
}

impl<K, V, S, A> Extend<(K, V)> for PooledMap<K, V, S, A>
where
    A: Allocator + Clone,
    K: Eq + Hash,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        // As std: if the map already holds keys, assume half the new ones
        // are duplicates.
        let hint = iter.size_hint().0;
        let reserve = if self.is_empty() {
            hint
        } else {
            hint.div_ceil(2)
        };
        self.reserve_without_floor(reserve);
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a, K, V, S, A> Extend<(&'a K, &'a V)> for PooledMap<K, V, S, A>
where
    A: Allocator + Clone,
    K: Eq + Hash + Copy,
    V: Copy,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(|(k, v)| (*k, *v)));
    }
}

impl<K, V, S, A> FromIterator<(K, V)> for PooledMap<K, V, S, A>
where
    A: Allocator + Clone + Default,
    K: Eq + Hash,
    S: BuildHasher + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::default();
        map.extend(iter);
        map
    }
}

impl<K: Eq + Hash, V, const N: usize> From<[(K, V); N]> for PooledMap<K, V> {
    /// ```
    /// use pooled_map::PooledMap;
    /// let map = PooledMap::from([(1, 'a'), (2, 'b')]);
    /// assert_eq!(map[&2], 'b');
    /// ```
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<K, V, S, A: Allocator + Clone> IntoIterator for PooledMap<K, V, S, A> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V, A>;
    fn into_iter(self) -> IntoIter<K, V, A> {
        IntoIter {
            inner: self.store.pool.into_iter(),
        }
    }
}

impl<'a, K, V, S, A: Allocator + Clone> IntoIterator for &'a PooledMap<K, V, S, A> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K, V, S, A: Allocator + Clone> IntoIterator for &'a mut PooledMap<K, V, S, A> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> IterMut<'a, K, V> {
        self.iter_mut()
    }
}
