//! [`Map`]: std's map API, written once over any [`Store`].

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::mem;
use core::ops::Index;

use hashbrown::{DefaultHashBuilder, Equivalent, TryReserveError};

use super::iter;
use super::store::{DefaultStore, Store, View};
use crate::policy::{ClearAction, ReclaimPolicy, Reclaimer};
use crate::MemoryStats;

/// A hash map that gives memory back as it empties, over the storage `St`.
///
/// The API is std's `HashMap` (plus `new_in`-style constructors for custom
/// allocators); the difference is that every operation that removes entries
/// (`remove`, `remove_entry`, `retain`, `drain`, entry removal, `clear`)
/// consults the [`ReclaimPolicy`] and shrinks the storage when it has become
/// mostly empty. The storage decides where entries live and how a shrink
/// moves them; the map holds the hasher and the [`Reclaimer`], and writes
/// the API once for every storage. map-core's [`HashMap`](crate::HashMap)
/// is this map over one hashbrown table; split-map's `SplitMap` over a
/// directory of small ones.
///
/// `S` is the hasher (hashbrown's fast default, as in `hashbrown::HashMap`;
/// use `std::hash::RandomState` where untrusted keys call for DoS
/// resistance).
///
/// # Examples
///
/// ```
/// use map_core::HashMap;
///
/// let mut stock = HashMap::new();
/// stock.insert("apples", 3);
/// *stock.entry("pears").or_insert(0) += 5;
/// assert_eq!(stock["pears"], 5);
/// assert_eq!(stock.remove("apples"), Some(3));
/// assert_eq!(stock.len(), 1);
/// ```
pub struct Map<K, V, S, St> {
    pub(crate) store: St,
    pub(crate) hash_builder: S,
    pub(crate) reclaimer: Reclaimer,
    pub(crate) entries: PhantomData<fn() -> (K, V)>,
}

/// The hash of a key.
#[inline]
pub fn make_hash<Q: Hash + ?Sized, S: BuildHasher>(hash_builder: &S, key: &Q) -> u64 {
    hash_builder.hash_one(key)
}

/// The hash of a stored entry (by its key), as stores are handed it.
#[inline]
pub fn make_hasher<K: Hash, V, S: BuildHasher>(
    hash_builder: &S,
) -> impl Fn(&(K, V)) -> u64 + Copy + '_ {
    move |(k, _)| hash_builder.hash_one(k)
}

/// Whether a stored entry's key is `key`.
#[inline]
pub fn equivalent_key<Q: ?Sized + Equivalent<K>, K, V>(
    key: &Q,
) -> impl Fn(&(K, V)) -> bool + Copy + '_ {
    move |(k, _)| key.equivalent(k)
}

/// A reclaimer with the automatic policy that rounds capacities as `St` does.
const fn automatic<K, V, St: Store<K, V>>() -> Reclaimer {
    Reclaimer::with_rounding(ReclaimPolicy::automatic(), St::ROUNDING)
}

/// The reclamation protocol's view of a map's (or an entry's) fields.
macro_rules! view {
    ($store:expr, $hash_builder:expr) => {
        &mut View::new($store, make_hasher($hash_builder))
    };
}

/// The shrink that removals left for the next insert, before `store`
/// inserts an entry. Called where the reclaimer says one is pending, so
/// that the protocol's view is built off the insert's hot path.
#[cold]
#[inline(never)]
fn catch_up<K: Hash, V, S: BuildHasher, St: Store<K, V>>(
    store: &mut St,
    hash_builder: &S,
    reclaimer: &mut Reclaimer,
) {
    reclaimer.on_insert(view!(store, hash_builder));
}

/// A failed allocation where the API has no way to report it (`insert`,
/// entries, `reserve`), as std reports it: a panic on a capacity overflow,
/// and the global allocation-error handler (or, without `std`, a panic)
/// when the allocator refused.
///
/// A store calls it where it has no way to report a failure either
/// (`with_capacity_in`).
#[cold]
#[inline(never)]
pub fn alloc_failed(error: TryReserveError) -> ! {
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

impl<K, V, St: DefaultStore<K, V>> Map<K, V, DefaultHashBuilder, St> {
    /// An empty map with the automatic policy. Allocates nothing until the
    /// first insert.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let map: HashMap<u32, u32> = HashMap::new();
    /// assert!(map.is_empty());
    /// assert_eq!(map.memory().allocated_bytes, 0);
    /// assert!(map.policy().is_automatic());
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty map with room for at least `capacity` entries.
    ///
    /// The capacity is a floor: the automatic policy never shrinks the map
    /// below it (`shrink_to`, `shrink_to_fit` and `reclaim()` lower it).
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::with_capacity(100_000);
    /// let capacity = map.capacity();
    /// for i in 0..10u64 { map.insert(i, i); }
    /// map.remove(&3);
    /// assert_eq!(map.capacity(), capacity);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self
    where
        St::Alloc: Default,
    {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }

    /// An empty map with the given reclamation policy.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimPolicy};
    ///
    /// let policy = ReclaimPolicy::builder().min_capacity(1000).build()?;
    /// let mut map = HashMap::with_policy(policy);
    /// for i in 0..10_000u64 {
    ///     map.insert(i, i);
    /// }
    /// for i in 0..10_000u64 {
    ///     map.remove(&i);
    /// }
    /// assert_eq!(map.policy(), policy);
    /// assert!(map.capacity() >= 1000, "never shrunk below min_capacity");
    /// # Ok::<(), map_core::PolicyError>(())
    /// ```
    pub fn with_policy(policy: ReclaimPolicy) -> Self {
        let mut map = Self::new();
        map.reclaimer.set_policy(policy);
        map
    }
}

impl<K, V, S, St: DefaultStore<K, V>> Map<K, V, S, St> {
    /// An empty map using `hash_builder` to hash keys.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use std::collections::hash_map::RandomState;
    ///
    /// let mut map = HashMap::with_hasher(RandomState::new());
    /// map.insert("key", 1);
    /// assert_eq!(map.get("key"), Some(&1));
    /// ```
    pub const fn with_hasher(hash_builder: S) -> Self {
        Self {
            store: St::EMPTY,
            hash_builder,
            reclaimer: automatic::<K, V, St>(),
            entries: PhantomData,
        }
    }

    /// An empty map with room for `capacity` entries, hashing with `hash_builder`.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use std::collections::hash_map::RandomState;
    ///
    /// let mut map = HashMap::with_capacity_and_hasher(1000, RandomState::new());
    /// let capacity = map.capacity();
    /// assert!(capacity >= 1000);
    /// map.insert(1u64, 1u64);
    /// map.remove(&1);
    /// assert_eq!(map.capacity(), capacity, "the capacity asked for is a floor");
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self
    where
        St::Alloc: Default,
    {
        Self::with_capacity_and_hasher_in(capacity, hash_builder, St::Alloc::default())
    }
}

impl<K, V, St: Store<K, V>> Map<K, V, DefaultHashBuilder, St> {
    /// An empty map that allocates from `alloc`.
    ///
    /// ```
    /// use map_core::{Global, HashMap};
    ///
    /// let mut map = HashMap::new_in(Global);
    /// map.insert(1, "one");
    /// assert_eq!(map[&1], "one");
    /// ```
    pub fn new_in(alloc: St::Alloc) -> Self {
        Self::with_hasher_in(DefaultHashBuilder::default(), alloc)
    }

    /// An empty map with room for `capacity` entries that allocates from `alloc`.
    ///
    /// ```
    /// use map_core::{Global, HashMap};
    ///
    /// let mut map = HashMap::with_capacity_in(1000, Global);
    /// let capacity = map.capacity();
    /// assert!(capacity >= 1000);
    /// map.insert(1u64, 1u64);
    /// map.remove(&1);
    /// assert_eq!(map.capacity(), capacity, "the capacity asked for is a floor");
    /// ```
    pub fn with_capacity_in(capacity: usize, alloc: St::Alloc) -> Self {
        Self::with_capacity_and_hasher_in(capacity, DefaultHashBuilder::default(), alloc)
    }

    /// An empty map with the given policy that allocates from `alloc`.
    ///
    /// ```
    /// use map_core::{Global, HashMap, ReclaimPolicy};
    ///
    /// let mut map = HashMap::with_policy_in(ReclaimPolicy::manual(), Global);
    /// for i in 0..1000u64 {
    ///     map.insert(i, i);
    /// }
    /// map.retain(|_, _| false);
    /// assert!(map.memory().allocated_bytes > 0, "manual: kept until reclaim()");
    /// ```
    pub fn with_policy_in(policy: ReclaimPolicy, alloc: St::Alloc) -> Self {
        let mut map = Self::new_in(alloc);
        map.reclaimer.set_policy(policy);
        map
    }
}

impl<K, V, S, St: Store<K, V>> Map<K, V, S, St> {
    /// An empty map hashing with `hash_builder` and allocating from `alloc`.
    ///
    /// ```
    /// use map_core::{Global, HashMap};
    /// use std::collections::hash_map::RandomState;
    ///
    /// let mut map = HashMap::with_hasher_in(RandomState::new(), Global);
    /// map.insert(1, "one");
    /// assert_eq!(map[&1], "one");
    /// ```
    pub fn with_hasher_in(hash_builder: S, alloc: St::Alloc) -> Self {
        Self {
            store: St::new_in(alloc),
            hash_builder,
            reclaimer: automatic::<K, V, St>(),
            entries: PhantomData,
        }
    }

    /// An empty map with room for `capacity` entries, hashing with
    /// `hash_builder` and allocating from `alloc`. The capacity is a floor,
    /// as for [`with_capacity`](Self::with_capacity).
    ///
    /// ```
    /// use map_core::{Global, HashMap};
    /// use std::collections::hash_map::RandomState;
    ///
    /// let mut map = HashMap::with_capacity_and_hasher_in(1000, RandomState::new(), Global);
    /// let capacity = map.capacity();
    /// assert!(capacity >= 1000);
    /// map.insert(1u64, 1u64);
    /// map.remove(&1);
    /// assert_eq!(map.capacity(), capacity, "the capacity asked for is a floor");
    /// ```
    pub fn with_capacity_and_hasher_in(capacity: usize, hash_builder: S, alloc: St::Alloc) -> Self {
        let mut reclaimer = automatic::<K, V, St>();
        reclaimer.request_capacity(capacity);
        Self {
            store: St::with_capacity_in(capacity, alloc),
            hash_builder,
            reclaimer,
            entries: PhantomData,
        }
    }

    /// The map's hasher.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use std::collections::hash_map::RandomState;
    /// use std::hash::BuildHasher;
    ///
    /// let state = RandomState::new();
    /// let map: HashMap<u32, u32, _> = HashMap::with_hasher(state.clone());
    /// assert_eq!(map.hasher().hash_one(7), state.hash_one(7));
    /// ```
    pub fn hasher(&self) -> &S {
        &self.hash_builder
    }

    /// The map's allocator.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::from([(1, "a")]);
    /// // Re-home the entries into a fresh table from the same allocator.
    /// let alloc = *map.allocator();
    /// let moved = map.try_move_to(alloc, 0).unwrap();
    /// assert_eq!(moved[&1], "a");
    /// ```
    pub fn allocator(&self) -> &St::Alloc {
        self.store.allocator()
    }

    /// Bytes of the storage's allocations (0 before the first insert), as
    /// hashbrown's `allocation_size`: the storage alone, where
    /// [`memory`](Self::memory) also reports the peak and what was given
    /// back.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::new();
    /// assert_eq!(map.allocation_size(), 0);
    /// map.extend((0..1000).map(|i| (i, i)));
    /// assert!(map.allocation_size() >= 1000 * 16);
    /// assert_eq!(map.allocation_size(), map.memory().allocated_bytes);
    /// ```
    pub fn allocation_size(&self) -> usize {
        self.store.allocated_bytes()
    }

    /// How many entries the map can hold without reallocating.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::new();
    /// assert_eq!(map.capacity(), 0);
    /// map.insert(1, 1);
    /// assert!(map.capacity() >= 1);
    /// map.reserve(100);
    /// assert!(map.capacity() >= 101);
    /// ```
    pub fn capacity(&self) -> usize {
        self.store.capacity()
    }

    /// How many entries the map holds.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::new();
    /// map.insert("a", 1);
    /// map.insert("a", 2);
    /// map.insert("b", 3);
    /// assert_eq!(map.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether the map holds no entries.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::new();
    /// assert!(map.is_empty());
    /// map.insert("a", 1);
    /// assert!(!map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.store.len() == 0
    }

    /// The reclamation policy in force.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimPolicy};
    ///
    /// let map: HashMap<u8, u8> = HashMap::with_policy(ReclaimPolicy::manual());
    /// assert!(!map.policy().is_automatic());
    /// assert_eq!(HashMap::<u8, u8>::new().policy(), ReclaimPolicy::automatic());
    /// ```
    pub fn policy(&self) -> ReclaimPolicy {
        *self.reclaimer.policy()
    }

    /// The storage, for the figures only it has (split-map's
    /// `table_count()`); read-only, so the map's promises hold.
    ///
    /// ```
    /// use map_core::toolkit::Store;
    /// use map_core::HashMap;
    ///
    /// let map: HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// assert_eq!(map.storage().allocated_bytes(), map.allocation_size());
    /// ```
    pub fn storage(&self) -> &St {
        &self.store
    }

    /// The storage, mutably: for the crate that defines the store, to
    /// change a setting of its own (arena-map's memory limit). Entries
    /// added or removed through it bypass the map's policy and statistics
    /// until the map's next operation.
    pub fn storage_mut(&mut self) -> &mut St {
        &mut self.store
    }

    /// The map's memory figures: exact bytes of its storage, peak, and what
    /// reclamation has given back.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::new();
    /// for i in 0..10_000u64 { map.insert(i, i); }
    /// let full = map.memory();
    /// map.retain(|k, _| *k < 10);
    /// let after = map.memory();
    /// assert!(after.allocated_bytes < full.allocated_bytes / 100);
    /// assert_eq!(after.peak_bytes, full.allocated_bytes);
    /// assert!(after.reclaims >= 1);
    /// ```
    pub fn memory(&self) -> MemoryStats {
        self.reclaimer.stats(self.store.allocated_bytes())
    }

    /// An iterator over the entries, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let map = HashMap::from([(1, "a"), (2, "b")]);
    /// let mut pairs: Vec<_> = map.iter().collect();
    /// pairs.sort();
    /// assert_eq!(pairs, [(&1, &"a"), (&2, &"b")]);
    /// ```
    pub fn iter(&self) -> Iter<St::Iter<'_>> {
        Iter {
            inner: self.store.iter(),
        }
    }

    /// An iterator over the entries with mutable values, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::from([(1, 10), (2, 20)]);
    /// for (k, v) in map.iter_mut() {
    ///     *v += k;
    /// }
    /// assert_eq!((map[&1], map[&2]), (11, 22));
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<St::IterMut<'_>> {
        IterMut {
            inner: self.store.iter_mut(),
        }
    }

    /// An iterator over the keys, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let map = HashMap::from([(1, "a"), (2, "b")]);
    /// let mut keys: Vec<_> = map.keys().copied().collect();
    /// keys.sort();
    /// assert_eq!(keys, [1, 2]);
    /// ```
    pub fn keys(&self) -> iter::Keys<Iter<St::Iter<'_>>> {
        iter::Keys::new(self.iter())
    }

    /// An iterator over the values, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let map = HashMap::from([("a", 1), ("b", 2)]);
    /// assert_eq!(map.values().sum::<i32>(), 3);
    /// ```
    pub fn values(&self) -> iter::Values<Iter<St::Iter<'_>>> {
        iter::Values::new(self.iter())
    }

    /// An iterator over mutable values, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::from([("a", 1), ("b", 2)]);
    /// for v in map.values_mut() {
    ///     *v *= 10;
    /// }
    /// assert_eq!((map["a"], map["b"]), (10, 20));
    /// ```
    pub fn values_mut(&mut self) -> iter::ValuesMut<IterMut<St::IterMut<'_>>> {
        iter::ValuesMut::new(self.iter_mut())
    }

    /// Consumes the map, yielding its keys.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let map = HashMap::from([(2, "b"), (1, "a")]);
    /// let mut keys: Vec<i32> = map.into_keys().collect();
    /// keys.sort();
    /// assert_eq!(keys, [1, 2]);
    /// ```
    pub fn into_keys(self) -> iter::IntoKeys<IntoIter<St::IntoIter>> {
        iter::IntoKeys::new(self.into_iter())
    }

    /// Consumes the map, yielding its values.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let map = HashMap::from([(1, "b".to_string()), (2, "a".to_string())]);
    /// let mut values: Vec<String> = map.into_values().collect();
    /// values.sort();
    /// assert_eq!(values, ["a", "b"]);
    /// ```
    pub fn into_values(self) -> iter::IntoValues<IntoIter<St::IntoIter>> {
        iter::IntoValues::new(self.into_iter())
    }
}

impl<K, V, S, St: Store<K, V>> Map<K, V, S, St> {
    /// Asks the policy whether `clear()` or `drain()` keeps the storage:
    /// `None` if it does, otherwise the storage, detached (the map holds an
    /// empty one before any entry's `Drop` runs) and counted as given back.
    pub(crate) fn release_for_clear(&mut self) -> Option<St> {
        let bytes = self.store.allocated_bytes();
        let action = self
            .reclaimer
            .on_clear(self.store.len(), self.store.full_capacity(), bytes);
        if action == ClearAction::Keep {
            return None;
        }
        let old = self.store.take();
        // The capacity asked for stays: room for the floor again (at best:
        // if the allocator refuses, the map grows back on its next insert).
        let floor = self.reclaimer.floor();
        if floor > 0 {
            let _ = self.store.try_reserve(floor, |_: &(K, V)| 0);
        }
        self.reclaimer
            .record_release(bytes, self.store.allocated_bytes());
        Some(old)
    }

    /// Removes every entry.
    ///
    /// Unlike std, the storage is not always kept. It is kept when it is no
    /// larger than the policy's
    /// [`clear_keep_bytes`](ReclaimPolicy::clear_keep_bytes) (default
    /// 512 KiB), no larger than the capacity floor (`with_capacity`,
    /// `reserve`) or `min_capacity`, or under the manual policy: a map
    /// cleared and refilled then makes no allocator call, as with std. A
    /// larger storage goes back to the allocator at once (down to the
    /// capacity floor, which a fresh storage keeps), so a map cleared and
    /// left alone holds nothing it was not asked for; the map remembers how many entries it held,
    /// and a refill grows back towards that size in steps of 3.2 times
    /// rather than doubling (see [`Reclaimer::refill_target`]).
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap};
    ///
    /// let mut batch = HashMap::new();
    /// for i in 0..1_000u64 { batch.insert(i, i); }
    /// let capacity = batch.capacity();
    /// batch.clear();
    /// assert_eq!(batch.capacity(), capacity, "a small table is kept for the refill");
    ///
    /// let mut burst = HashMap::new();
    /// for i in 0..100_000u64 { burst.insert(i, [0u8; 64]); }
    /// burst.clear();
    /// assert_eq!(burst.memory().allocated_bytes, 0, "a large one goes back");
    /// ```
    pub fn clear(&mut self) {
        match self.release_for_clear() {
            None => self.store.clear(true),
            Some(old) => drop(old),
        }
    }

    /// Removes every entry and yields them. The storage is kept or given back
    /// as by [`clear`](Self::clear); a storage given back is detached at once
    /// and freed when the iterator is dropped.
    ///
    /// Entries the iterator did not yield are dropped with it.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::from([(1, "a"), (2, "b")]);
    /// let mut drained: Vec<_> = map.drain().collect();
    /// drained.sort();
    /// assert_eq!(drained, [(1, "a"), (2, "b")]);
    /// assert!(map.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<St::Drain<'_>, St::IntoIter> {
        let inner = match self.release_for_clear() {
            None => DrainInner::Kept(self.store.drain()),
            Some(old) => DrainInner::Released(old.into_entries()),
        };
        Drain { inner }
    }
}

impl<K, V, S, St> Map<K, V, S, St>
where
    K: Eq + Hash,
    S: BuildHasher,
    St: Store<K, V>,
{
    /// Replaces the reclamation policy. A stricter policy takes effect at once.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimPolicy};
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..1000 {
    ///     map.insert(i, i);
    /// }
    /// map.retain(|k, _| *k < 10);
    /// let held = map.memory().allocated_bytes;
    /// map.set_policy(ReclaimPolicy::automatic());
    /// assert!(map.memory().allocated_bytes < held, "applied at once");
    /// ```
    pub fn set_policy(&mut self, policy: ReclaimPolicy) {
        self.reclaimer
            .on_set_policy(view!(&mut self.store, &self.hash_builder), policy);
        self.store.policy_changed();
    }

    /// Gives back all the memory the current entries do not need (the storage
    /// shrinks to fit them; an empty map frees its storage), whatever the
    /// policy, and drops the capacity floor. Returns the bytes released; 0 if
    /// the smaller storage could not be allocated.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::with_capacity(10_000);
    /// map.insert(1, 1);
    /// assert!(map.reclaim() > 0);
    /// assert!(map.capacity() < 10);
    /// ```
    pub fn reclaim(&mut self) -> usize {
        self.reclaimer
            .reclaim_storage(view!(&mut self.store, &self.hash_builder))
    }

    /// Reserves room for at least `additional` more entries. The capacity
    /// reached is a floor: the automatic policy does not shrink below it.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
    /// map.retain(|k, _| *k < 10);
    /// map.reserve(5000);
    /// let capacity = map.capacity();
    /// map.insert(5000, 0);
    /// assert_eq!(map.capacity(), capacity);
    /// ```
    ///
    /// # Panics
    ///
    /// If the new capacity overflows `usize`, or (through the allocator's
    /// error handler) if the allocation fails; see
    /// [`try_reserve`](Self::try_reserve).
    pub fn reserve(&mut self, additional: usize) {
        if let Err(e) = self.try_reserve(additional) {
            self.store.no_room(e);
        }
    }

    /// `reserve` without raising the capacity floor (`extend`'s length hint).
    pub(crate) fn reserve_without_floor(&mut self, additional: usize) {
        if let Err(e) = self.reserve_in_store(additional) {
            self.store.no_room(e);
        }
    }

    /// Room in the storage for `additional` more entries, for `reserve`,
    /// `try_reserve` and `extend`: a storage it grew is looked at with its
    /// new size at the next removal (the reclaimer learns of the change; a
    /// `clear()` that gives the storage back has it look again already).
    fn reserve_in_store(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.store
            .try_reserve(additional, make_hasher(&self.hash_builder))?;
        self.reclaimer.look_again();
        Ok(())
    }

    /// Reserves room for at least `additional` more entries, or reports why not.
    ///
    /// # Errors
    ///
    /// `TryReserveError::CapacityOverflow` if the capacity would overflow,
    /// `TryReserveError::AllocError` if the allocator refused. On error the
    /// map keeps every entry and its capacity floor; a storage of one table
    /// is unchanged, as std's is, where one of several pieces may keep the
    /// room of the pieces granted before the refusal.
    ///
    /// ```
    /// use map_core::{HashMap, TryReserveError};
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::new();
    /// assert!(map.try_reserve(10).is_ok());
    /// assert!(matches!(map.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow)));
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.reserve_in_store(additional)?;
        self.reclaimer
            .request_capacity(self.store.len().saturating_add(additional));
        self.reclaimer.observe(self.store.allocated_bytes());
        Ok(())
    }

    /// Shrinks the storage as much as the entries allow, and drops the
    /// capacity floor. Never aborts: if the smaller storage cannot be
    /// allocated, the map keeps the one it has.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::with_capacity(10_000);
    /// map.insert(1, 1);
    /// let before = map.memory().allocated_bytes;
    /// map.shrink_to_fit();
    /// assert!(map.capacity() < 10_000, "the floor went too");
    /// assert!(map.memory().allocated_bytes < before);
    /// assert_eq!(map.memory().reclaims, 1);
    /// assert_eq!(map[&1], 1);
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.reclaim();
    }

    /// Shrinks the storage to room for at least `min_capacity` entries (and at
    /// least the current length), and makes `min_capacity` the capacity
    /// floor, lower or higher than before. Never aborts; see
    /// [`shrink_to_fit`](Self::shrink_to_fit).
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::with_capacity(10_000);
    /// map.shrink_to(100);
    /// assert!(map.capacity() >= 100 && map.capacity() < 10_000);
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.reclaimer
            .shrink_storage_to(view!(&mut self.store, &self.hash_builder), min_capacity);
    }

    /// The entry for `key`, for in-place manipulation.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut counts: HashMap<char, usize> = HashMap::new();
    /// for c in "hello".chars() {
    ///     *counts.entry(c).or_default() += 1;
    /// }
    /// assert_eq!(counts[&'l'], 2);
    /// ```
    ///
    /// Like hashbrown's, this neither allocates nor resizes: an absent key's
    /// entry makes room only when a value is inserted into it.
    #[inline]
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S, St> {
        let hash = make_hash(&self.hash_builder, &key);
        match self.store.find_pos(hash, equivalent_key(&key)) {
            Some(pos) => Entry::Occupied(self.entry_at(pos, hash)),
            None => Entry::Vacant(VacantEntry {
                store: &mut self.store,
                hash,
                key,
                hash_builder: &self.hash_builder,
                reclaimer: &mut self.reclaimer,
                value: PhantomData,
            }),
        }
    }

    /// The occupied entry at `pos`, whose key hashes to `hash`.
    /// The entry at `pos`, a position the storage gave out (by
    /// [`Store::find_pos`] or an insert) since it last changed, whose key
    /// hashes to `hash` as far as the storage's `find` can tell: for the
    /// crate that defines the store, to reach an entry it found by other
    /// means (pooled-map's handles). The entry's removal goes through the
    /// map's policy like any other.
    ///
    /// ```
    /// use map_core::toolkit::map::make_hash;
    /// use map_core::toolkit::Store;
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::from([("a", 1), ("b", 2)]);
    /// let hash = make_hash(map.hasher(), "a");
    /// let pos = map.storage().find_pos(hash, |(k, _)| *k == "a").unwrap();
    /// assert_eq!(map.entry_at(pos, hash).remove(), 1);
    /// assert_eq!(map.len(), 1);
    /// ```
    #[inline]
    pub fn entry_at(&mut self, pos: St::Pos, hash: u64) -> OccupiedEntry<'_, K, V, S, St> {
        OccupiedEntry {
            store: &mut self.store,
            pos,
            hash,
            hash_builder: &self.hash_builder,
            reclaimer: &mut self.reclaimer,
            key: PhantomData,
        }
    }

    /// The value under `key`.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let map = HashMap::from([("a".to_string(), 1)]);
    /// assert_eq!(map.get("a"), Some(&1));
    /// assert_eq!(map.get("b"), None);
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
    /// use map_core::HashMap;
    ///
    /// let map = HashMap::from([("a".to_string(), 1)]);
    /// assert_eq!(map.get_key_value("a"), Some((&"a".to_string(), &1)));
    /// assert_eq!(map.get_key_value("b"), None);
    /// ```
    #[inline]
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        if self.store.len() == 0 {
            return None;
        }
        let hash = make_hash(&self.hash_builder, key);
        self.store
            .find(hash, equivalent_key(key))
            .map(|(k, v)| (k, v))
    }

    /// A mutable reference to the value under `key`.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::from([("a", 1)]);
    /// if let Some(v) = map.get_mut("a") {
    ///     *v += 1;
    /// }
    /// assert_eq!(map["a"], 2);
    /// assert_eq!(map.get_mut("b"), None);
    /// ```
    #[inline]
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        if self.store.len() == 0 {
            return None;
        }
        let hash = make_hash(&self.hash_builder, key);
        self.store
            .find_mut(hash, equivalent_key(key))
            .map(|(_, v)| v)
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let map = HashMap::from([("a".to_string(), 1)]);
    /// assert!(map.contains_key("a"));
    /// assert!(!map.contains_key("b"));
    /// ```
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.get_key_value(key).is_some()
    }

    /// Inserts `value` under `key`, returning the previous value. The key
    /// already stored is kept, as std does.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::new();
    /// assert_eq!(map.insert(37, "a"), None);
    /// assert_eq!(map.insert(37, "b"), Some("a"));
    /// assert_eq!(map[&37], "b");
    /// ```
    // Always inlined (measured): left to the inliner, it stayed a call for
    // some allocators and not others, and the call cost 15-20% on a fill
    // of 1,000,000 entries.
    #[inline(always)]
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.try_insert(key, value) {
            Ok(old) => old,
            Err(e) => self.store.no_room(e.error),
        }
    }

    /// Inserts `key` with `value` as [`insert`](Self::insert) does, but
    /// reports a failed allocation instead of failing as std does, handing
    /// the key and value back. (Not std's unstable `try_insert`, which
    /// refuses occupied keys: this one replaces them, as `insert` does.)
    ///
    /// # Errors
    ///
    /// [`InsertError`] if the key needed room and the allocator refused it;
    /// the map is unchanged.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::new();
    /// assert_eq!(map.try_insert(1, "a").unwrap(), None);
    /// assert_eq!(map.try_insert(1, "b").unwrap(), Some("a"));
    /// ```
    #[inline(always)]
    pub fn try_insert(&mut self, key: K, value: V) -> Result<Option<V>, InsertError<K, V>> {
        // One flag on the hot path; the protocol's view is built on the
        // cold one (built here, it kept two registers busy in every insert).
        if self.reclaimer.shrink_pending() {
            catch_up(&mut self.store, &self.hash_builder, &mut self.reclaimer);
        }
        let hash = make_hash(&self.hash_builder, &key);
        match self.store.upsert(
            hash,
            (key, value),
            |key, (stored, _)| key == stored,
            make_hasher(&self.hash_builder),
        ) {
            Ok(old) => Ok(old),
            Err((key, value)) => self.insert_when_full(hash, key, value),
        }
    }

    /// Removes `key`, returning its value. May shrink the storage, but only if
    /// the key was present.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<u64, u64> = (0..10_000).map(|i| (i, i)).collect();
    /// let full = map.memory().allocated_bytes;
    /// assert_eq!(map.remove(&1), Some(1));
    /// assert_eq!(map.remove(&1), None);
    /// for i in 0..10_000 {
    ///     map.remove(&i);
    /// }
    /// assert!(map.memory().allocated_bytes < full / 100);
    /// assert!(map.memory().reclaims >= 1);
    /// ```
    // Always inlined (measured): left to the inliner, the call and the
    // result's trip through the stack cost 30-50% on in-cache removals.
    #[inline(always)]
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        // A match rather than `Option::map`: it keeps the inlined code small.
        #[allow(clippy::manual_map)]
        match self.remove_entry(key) {
            Some((_, v)) => Some(v),
            None => None,
        }
    }

    /// Removes `key`, returning the stored key and value. May shrink the
    /// storage, but only if the key was present.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::from([("a".to_string(), 1)]);
    /// assert_eq!(map.remove_entry("a"), Some(("a".to_string(), 1)));
    /// assert_eq!(map.remove_entry("a"), None);
    /// ```
    #[inline(always)]
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let hash = make_hash(&self.hash_builder, key);
        self.store.remove(
            hash,
            equivalent_key(key),
            make_hasher(&self.hash_builder),
            &mut self.reclaimer,
        )
    }

    /// Insert of a key into a storage with no room for it: an existing key
    /// is overwritten without growing (as `get_mut` would), a new one makes
    /// room first, in large steps while refilling after a `clear()`.
    #[cold]
    #[inline(never)]
    fn insert_when_full(
        &mut self,
        hash: u64,
        key: K,
        value: V,
    ) -> Result<Option<V>, InsertError<K, V>> {
        if let Some((_, v)) = self.store.find_mut(hash, equivalent_key(&key)) {
            return Ok(Some(mem::replace(v, value)));
        }
        match self.store.insert_new(
            hash,
            (key, value),
            make_hasher(&self.hash_builder),
            &mut self.reclaimer,
        ) {
            Ok(_) => Ok(None),
            Err(((key, value), error)) => Err(InsertError { key, value, error }),
        }
    }

    /// Keeps only the entries for which `keep` returns `true`, then shrinks
    /// the storage if the policy says so.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<u64, u64> = (0..10_000).map(|i| (i, i)).collect();
    /// let full = map.memory().allocated_bytes;
    /// map.retain(|k, _| k % 1000 == 0);
    /// assert_eq!(map.len(), 10);
    /// assert!(map.memory().allocated_bytes < full / 100);
    /// ```
    pub fn retain<F>(&mut self, mut keep: F)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        let before = self.store.len();
        self.store.retain(|(k, v)| keep(k, v));
        if self.store.len() < before {
            self.store
                .after_takes(make_hasher(&self.hash_builder), &mut self.reclaimer);
        }
    }
}

crate::toolkit::reclaim_map_by_inherent_methods!(
    impl [K, V, S, St] for Map<K, V, S, St>
    where [K: Eq + Hash, S: BuildHasher, St: Store<K, V>]
);

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

// ---------------------------------------------------------------------------
// Entries

/// A view into one entry of a [`Map`], from [`Map::entry`].
pub enum Entry<'a, K, V, S, St: Store<K, V>> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S, St>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V, S, St>),
}

/// A present entry of a [`Map`].
pub struct OccupiedEntry<'a, K, V, S, St: Store<K, V>> {
    pub(crate) store: &'a mut St,
    pub(crate) pos: St::Pos,
    /// The key's hash, so that a removal that hands back a vacant entry
    /// (`replace_entry_with`) need not hash the key again.
    pub(crate) hash: u64,
    pub(crate) hash_builder: &'a S,
    pub(crate) reclaimer: &'a mut Reclaimer,
    pub(crate) key: PhantomData<&'a mut (K, V)>,
}

/// An absent entry of a [`Map`].
pub struct VacantEntry<'a, K, V, S, St: Store<K, V>> {
    pub(crate) store: &'a mut St,
    pub(crate) hash: u64,
    pub(crate) key: K,
    pub(crate) hash_builder: &'a S,
    pub(crate) reclaimer: &'a mut Reclaimer,
    pub(crate) value: PhantomData<&'a mut (K, V)>,
}

impl<'a, K: Hash, V, S: BuildHasher, St: Store<K, V>> Entry<'a, K, V, S, St> {
    /// The value, inserting `default` if absent.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<&str, u32> = HashMap::new();
    /// *map.entry("a").or_insert(1) += 10;
    /// *map.entry("a").or_insert(1) += 10;
    /// assert_eq!(map["a"], 21);
    /// ```
    #[inline]
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` if absent.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<&str, u32> = HashMap::new();
    /// let mut calls = 0;
    /// for _ in 0..2 {
    ///     map.entry("a").or_insert_with(|| {
    ///         calls += 1;
    ///         1
    ///     });
    /// }
    /// assert_eq!((map["a"], calls), (1, 1));
    /// ```
    #[inline]
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(&key)` if absent.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<&str, usize> = HashMap::new();
    /// assert_eq!(*map.entry("four").or_insert_with_key(|k| k.len()), 4);
    /// ```
    #[inline]
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let value = default(&e.key);
                e.insert(value)
            }
        }
    }

    /// The key of this entry.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::from([("a", 1)]);
    /// assert_eq!(map.entry("a").key(), &"a");
    /// assert_eq!(map.entry("b").key(), &"b");
    /// ```
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }

    /// Runs `f` on the value if present.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<&str, u32> = HashMap::new();
    /// map.entry("a").and_modify(|v| *v += 1).or_insert(0);
    /// assert_eq!(map["a"], 0);
    /// map.entry("a").and_modify(|v| *v += 1).or_insert(0);
    /// assert_eq!(map["a"], 1);
    /// ```
    pub fn and_modify<F: FnOnce(&mut V)>(self, f: F) -> Self {
        match self {
            Entry::Occupied(mut e) => {
                f(e.get_mut());
                Entry::Occupied(e)
            }
            vacant => vacant,
        }
    }

    /// Sets the value, returning the occupied entry.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<&str, u32> = HashMap::new();
    /// assert_eq!(map.entry("a").insert_entry(1).get(), &1);
    /// assert_eq!(map.entry("a").insert_entry(2).get(), &2);
    /// assert_eq!(map.len(), 1);
    /// ```
    #[inline]
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, St> {
        match self {
            Entry::Occupied(mut e) => {
                e.insert(value);
                e
            }
            Entry::Vacant(e) => e.insert_entry(value),
        }
    }

    /// Sets the entry's value, inserting the key if absent, and returns
    /// the occupied entry (hashbrown's `Entry::insert`; std's
    /// `insert_entry`).
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<&str, u32> = HashMap::from([("a", 1)]);
    /// assert_eq!(map.entry("a").insert(10).get(), &10);
    /// assert_eq!(map.entry("b").insert(20).key(), &"b");
    /// assert_eq!((map["a"], map["b"]), (10, 20));
    /// ```
    pub fn insert(self, value: V) -> OccupiedEntry<'a, K, V, S, St> {
        match self {
            Entry::Occupied(mut entry) => {
                entry.insert(value);
                entry
            }
            Entry::Vacant(entry) => entry.insert_entry(value),
        }
    }

    /// If the entry is present, replaces its value with what `f` makes of
    /// it, or removes it when `f` returns `None` (which may shrink the
    /// storage, as any removal); an absent entry is returned as it is.
    ///
    /// If `f` panics, the entry is gone (its value was handed to `f`).
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map = HashMap::from([("a", 1), ("b", 2)]);
    /// let e = map.entry("a").and_replace_entry_with(|_, v| Some(v + 10));
    /// assert!(matches!(e, Entry::Occupied(ref o) if *o.get() == 11));
    /// let e = map.entry("b").and_replace_entry_with(|_, _| None);
    /// assert!(matches!(e, Entry::Vacant(_)));
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn and_replace_entry_with<F>(self, f: F) -> Self
    where
        F: FnOnce(&K, V) -> Option<V>,
    {
        match self {
            Entry::Occupied(entry) => entry.replace_entry_with(f),
            vacant => vacant,
        }
    }
}

impl<'a, K: Hash, V: Default, S: BuildHasher, St: Store<K, V>> Entry<'a, K, V, S, St> {
    /// The value, inserting `V::default()` if absent.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut words: HashMap<&str, Vec<usize>> = HashMap::new();
    /// for (i, w) in ["a", "b", "a"].into_iter().enumerate() {
    ///     words.entry(w).or_default().push(i);
    /// }
    /// assert_eq!(words["a"], [0, 2]);
    /// ```
    #[inline]
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<'a, K, V, S, St: Store<K, V>> OccupiedEntry<'a, K, V, S, St> {
    /// Where the entry lies in the storage (for the crate that defines the
    /// store: pooled-map makes a handle of it).
    pub fn position(&self) -> St::Pos {
        self.pos
    }

    /// The storage holding the entry.
    pub fn storage(&self) -> &St {
        self.store
    }

    /// The stored key.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map = HashMap::from([("a".to_string(), 1)]);
    /// if let Entry::Occupied(e) = map.entry("a".to_string()) {
    ///     assert_eq!(e.key(), "a");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        &self.store.at(self.pos).0
    }

    /// The value.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map = HashMap::from([("a", 1)]);
    /// match map.entry("a") {
    ///     Entry::Occupied(e) => assert_eq!(e.get(), &1),
    ///     Entry::Vacant(_) => unreachable!(),
    /// }
    /// ```
    pub fn get(&self) -> &V {
        &self.store.at(self.pos).1
    }

    /// The value, mutably.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map = HashMap::from([("a", 1)]);
    /// if let Entry::Occupied(mut e) = map.entry("a") {
    ///     *e.get_mut() += 1;
    ///     *e.get_mut() += 1;
    /// }
    /// assert_eq!(map["a"], 3);
    /// ```
    pub fn get_mut(&mut self) -> &mut V {
        &mut self.store.at_mut(self.pos).1
    }

    /// The value, mutably, for the lifetime of the map borrow.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map = HashMap::from([("a", 1)]);
    /// let value: &mut i32 = match map.entry("a") {
    ///     Entry::Occupied(e) => e.into_mut(),
    ///     Entry::Vacant(e) => e.insert(0),
    /// };
    /// *value = 5;
    /// assert_eq!(map["a"], 5);
    /// ```
    pub fn into_mut(self) -> &'a mut V {
        &mut self.store.at_mut(self.pos).1
    }

    /// Replaces the value, returning the old one.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map = HashMap::from([("a", 1)]);
    /// if let Entry::Occupied(mut e) = map.entry("a") {
    ///     assert_eq!(e.insert(2), 1);
    /// }
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }
}

impl<'a, K: Hash, V, S: BuildHasher, St: Store<K, V>> OccupiedEntry<'a, K, V, S, St> {
    /// Removes the entry, returning the key and value. May shrink the storage.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map = HashMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.remove_entry(), ("a", 1));
    /// }
    /// assert!(map.is_empty());
    /// ```
    #[inline]
    pub fn remove_entry(self) -> (K, V) {
        self.store
            .remove_at(self.pos, make_hasher(self.hash_builder), self.reclaimer)
    }

    /// Removes the entry, returning the value. May shrink the storage.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map: HashMap<u64, u64> = (0..10_000).map(|i| (i, i)).collect();
    /// let full = map.memory().allocated_bytes;
    /// for i in 0..10_000 {
    ///     if let Entry::Occupied(e) = map.entry(i) {
    ///         assert_eq!(e.remove(), i);
    ///     }
    /// }
    /// assert!(map.is_empty());
    /// assert!(map.memory().allocated_bytes < full / 100, "shrunk as it emptied");
    /// ```
    #[inline]
    pub fn remove(self) -> V {
        self.remove_entry().1
    }

    /// Replaces the value with what `f` makes of it and returns the entry,
    /// or removes the entry when `f` returns `None` (which may shrink the
    /// storage, as any removal) and returns it vacant, with its key.
    ///
    /// If `f` panics, the entry is gone (its value was handed to `f`).
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map = HashMap::from([("a", String::from("x"))]);
    /// let Entry::Occupied(e) = map.entry("a") else { unreachable!() };
    /// let Entry::Occupied(e) = e.replace_entry_with(|_, v| Some(v + "y")) else {
    ///     unreachable!()
    /// };
    /// assert_eq!(e.get(), "xy");
    /// let Entry::Vacant(e) = e.replace_entry_with(|_, _| None) else { unreachable!() };
    /// assert_eq!(e.key(), &"a");
    /// assert!(map.is_empty());
    /// ```
    pub fn replace_entry_with<F>(self, f: F) -> Entry<'a, K, V, S, St>
    where
        F: FnOnce(&K, V) -> Option<V>,
    {
        let OccupiedEntry {
            store,
            pos,
            hash,
            hash_builder,
            reclaimer,
            ..
        } = self;
        match store.replace_with(pos, f, make_hasher(hash_builder), reclaimer) {
            Ok(pos) => Entry::Occupied(OccupiedEntry {
                store,
                pos,
                hash,
                hash_builder,
                reclaimer,
                key: PhantomData,
            }),
            Err(key) => Entry::Vacant(VacantEntry {
                store,
                hash,
                key,
                hash_builder,
                reclaimer,
                value: PhantomData,
            }),
        }
    }
}

impl<'a, K, V, S, St: Store<K, V>> VacantEntry<'a, K, V, S, St> {
    /// The key that would be inserted.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map: HashMap<&str, u32> = HashMap::new();
    /// if let Entry::Vacant(e) = map.entry("a") {
    ///     assert_eq!(e.key(), &"a");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Takes the key back.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map: HashMap<String, u32> = HashMap::new();
    /// if let Entry::Vacant(e) = map.entry("a".to_string()) {
    ///     assert_eq!(e.into_key(), "a");
    /// }
    /// assert!(map.is_empty(), "nothing was inserted");
    /// ```
    pub fn into_key(self) -> K {
        self.key
    }
}

impl<'a, K: Hash, V, S: BuildHasher, St: Store<K, V>> VacantEntry<'a, K, V, S, St> {
    /// The entry's parts, once the reclaimer has caught up on a shrink that
    /// removals deferred: what an insert does first.
    #[allow(clippy::type_complexity)]
    #[inline(always)]
    fn caught_up(self) -> (&'a mut St, u64, K, &'a S, &'a mut Reclaimer) {
        let VacantEntry {
            store,
            hash,
            key,
            hash_builder,
            reclaimer,
            ..
        } = self;
        if reclaimer.shrink_pending() {
            catch_up(&mut *store, hash_builder, reclaimer);
        }
        (store, hash, key, hash_builder, reclaimer)
    }

    /// Inserts `value` under the entry's key.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map: HashMap<&str, u32> = HashMap::new();
    /// if let Entry::Vacant(e) = map.entry("a") {
    ///     *e.insert(1) += 1;
    /// }
    /// assert_eq!(map["a"], 2);
    /// ```
    #[inline]
    pub fn insert(self, value: V) -> &'a mut V {
        let (store, hash, key, hash_builder, reclaimer) = self.caught_up();
        &mut store
            .insert_new_mut(hash, (key, value), make_hasher(hash_builder), reclaimer)
            .1
    }

    /// Inserts `value` under the entry's key, returning the occupied entry.
    /// This is where the storage makes room (and catches up on a shrink that
    /// removals deferred), as an `insert` would.
    ///
    /// ```
    /// use map_core::{Entry, HashMap};
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::new();
    /// for i in 0..10_000 {
    ///     map.insert(i, i);
    /// }
    /// // A fifth left: not sparse enough to move entries while draining.
    /// map.retain(|k, _| *k < 2_000);
    /// let before = map.memory().allocated_bytes;
    /// if let Entry::Vacant(e) = map.entry(10_000) {
    ///     assert_eq!(e.insert_entry(0).key(), &10_000);
    /// }
    /// // The shrink the removals deferred happened before the insert.
    /// assert!(map.memory().allocated_bytes < before);
    /// ```
    #[inline]
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, St> {
        let (store, hash, key, hash_builder, reclaimer) = self.caught_up();
        let pos = match store.insert_new(hash, (key, value), make_hasher(hash_builder), reclaimer) {
            Ok(pos) => pos,
            Err((_, error)) => store.no_room(error),
        };
        OccupiedEntry {
            store,
            pos,
            hash,
            hash_builder,
            reclaimer,
            key: PhantomData,
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, St: Store<K, V>> fmt::Debug for Entry<'_, K, V, S, St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Entry").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Entry").field(e).finish(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, St: Store<K, V>> fmt::Debug
    for OccupiedEntry<'_, K, V, S, St>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry")
            .field("key", self.key())
            .field("value", self.get())
            .finish()
    }
}

impl<K: fmt::Debug, V, S, St: Store<K, V>> fmt::Debug for VacantEntry<'_, K, V, S, St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(self.key()).finish()
    }
}

// ---------------------------------------------------------------------------
// Iterators

/// Iterator over `(&K, &V)`, from [`Map::iter`]; `I` is the store's
/// iterator over its entries.
#[derive(Clone)]
pub struct Iter<I> {
    inner: I,
}

/// Iterator over `(&K, &mut V)`, from [`Map::iter_mut`].
pub struct IterMut<I> {
    inner: I,
}

/// Owning iterator over `(K, V)`, from `Map::into_iter`.
#[derive(Clone)]
pub struct IntoIter<I> {
    inner: I,
}

impl<I> IntoIter<I> {
    /// Wraps an owning iterator over pairs: for a map whose entries are
    /// handed out some other way (a snapshot in a vector, say), an iterator
    /// with the same name and impls as a `Map`'s.
    ///
    /// ```
    /// use map_core::toolkit::map::IntoIter;
    ///
    /// let pairs = vec![(1, 'a'), (2, 'b')];
    /// let iter = IntoIter::new(pairs.clone().into_iter());
    /// assert_eq!(iter.len(), 2);
    /// assert_eq!(iter.collect::<Vec<_>>(), pairs);
    /// ```
    pub fn new(inner: I) -> Self {
        Self { inner }
    }
}

/// Iterator that removes every entry, from [`Map::drain`]. Whatever it
/// does not yield is dropped with it; the map keeps its storage for reuse
/// as `clear()` would, or has already given it back.
pub struct Drain<D, I> {
    inner: DrainInner<D, I>,
}

enum DrainInner<D, I> {
    /// The storage stays with the map, emptied as the iterator goes.
    Kept(D),
    /// The storage was detached (given back), and is drained by value.
    Released(I),
}

impl<'a, K: 'a, V: 'a, I: Iterator<Item = &'a (K, V)>> Iterator for Iter<I> {
    type Item = (&'a K, &'a V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(k, v)| (k, v))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<'a, K: 'a, V: 'a, I: Iterator<Item = &'a mut (K, V)>> Iterator for IterMut<I> {
    type Item = (&'a K, &'a mut V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(k, v)| (&*k, v))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V, I: Iterator<Item = (K, V)>> Iterator for IntoIter<I> {
    type Item = (K, V);
    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next()
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V, D: Iterator<Item = (K, V)>, I: Iterator<Item = (K, V)>> Iterator for Drain<D, I> {
    type Item = (K, V);
    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        match &mut self.inner {
            DrainInner::Kept(d) => d.next(),
            DrainInner::Released(d) => d.next(),
        }
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            DrainInner::Kept(d) => d.size_hint(),
            DrainInner::Released(d) => d.size_hint(),
        }
    }
}

macro_rules! default_empty {
    ($($name:ident: $example:literal),*) => {$(
        impl<I: Default> Default for $name<I> {
            /// An iterator that yields nothing.
            ///
            /// ```
            #[doc = $example]
            /// assert!(iter.next().is_none());
            /// ```
            fn default() -> Self {
                Self {
                    inner: I::default(),
                }
            }
        }
    )*};
}
default_empty!(
    Iter: "let mut iter: map_core::Iter<'_, u32, u32> = Default::default();",
    IterMut: "let mut iter: map_core::IterMut<'_, u32, u32> = Default::default();",
    IntoIter: "let mut iter: map_core::IntoIter<u32, u32> = Default::default();"
);

impl<I: ExactSizeIterator> ExactSizeIterator for Iter<I> where Self: Iterator {}
impl<I: FusedIterator> FusedIterator for Iter<I> where Self: Iterator {}
impl<I: ExactSizeIterator> ExactSizeIterator for IterMut<I> where Self: Iterator {}
impl<I: FusedIterator> FusedIterator for IterMut<I> where Self: Iterator {}
impl<I: ExactSizeIterator> ExactSizeIterator for IntoIter<I> where Self: Iterator {}
impl<I: FusedIterator> FusedIterator for IntoIter<I> where Self: Iterator {}
impl<D: ExactSizeIterator, I: ExactSizeIterator> ExactSizeIterator for Drain<D, I> where
    Self: Iterator
{
}
impl<D: FusedIterator, I: FusedIterator> FusedIterator for Drain<D, I> where Self: Iterator {}

impl<'a, K: fmt::Debug + 'a, V: fmt::Debug + 'a, I> fmt::Debug for Iter<I>
where
    I: Iterator<Item = &'a (K, V)> + Clone,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

macro_rules! debug_remaining {
    ($($name:ident<$($p:ident),*>),*) => {$(
        impl<$($p),*> fmt::Debug for $name<$($p),*> where Self: Iterator {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("remaining", &self.size_hint().0)
                    .finish()
            }
        }
    )*};
}
debug_remaining!(IterMut<I>, IntoIter<I>, Drain<D, I>);

impl<K, V, S, St: Store<K, V>> IntoIterator for Map<K, V, S, St> {
    type Item = (K, V);
    type IntoIter = IntoIter<St::IntoIter>;
    fn into_iter(self) -> Self::IntoIter {
        IntoIter::new(self.store.into_entries())
    }
}

impl<'a, K, V, S, St: Store<K, V>> IntoIterator for &'a Map<K, V, S, St> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<St::Iter<'a>>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V, S, St: Store<K, V>> IntoIterator for &'a mut Map<K, V, S, St> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<St::IterMut<'a>>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

// ---------------------------------------------------------------------------
// Standard traits

impl<K, V, S: Default, St: Store<K, V>> Default for Map<K, V, S, St>
where
    St::Alloc: Default,
{
    /// An empty map with the default hasher and allocator.
    fn default() -> Self {
        Self::with_hasher_in(S::default(), St::Alloc::default())
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, St: Store<K, V>> fmt::Debug for Map<K, V, S, St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S: Clone, St: Store<K, V> + Clone> Clone for Map<K, V, S, St> {
    /// A copy of the entries, hasher and policy, with fresh memory figures.
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            hash_builder: self.hash_builder.clone(),
            reclaimer: self.reclaimer.fresh(),
            entries: PhantomData,
        }
    }
}

impl<K, V, S, St> PartialEq for Map<K, V, S, St>
where
    K: Eq + Hash,
    V: PartialEq,
    S: BuildHasher,
    St: Store<K, V>,
{
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|ov| v == ov))
    }
}

impl<K, V, S, St> Eq for Map<K, V, S, St>
where
    K: Eq + Hash,
    V: Eq,
    S: BuildHasher,
    St: Store<K, V>,
{
}

impl<K, Q, V, S, St> Index<&Q> for Map<K, V, S, St>
where
    K: Eq + Hash,
    Q: ?Sized + Hash + Equivalent<K>,
    S: BuildHasher,
    St: Store<K, V>,
{
    type Output = V;

    /// The value for `key`.
    ///
    /// # Panics
    ///
    /// If `key` is absent.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("key not found in the map")
    }
}

impl<K, V, S, St> Extend<(K, V)> for Map<K, V, S, St>
where
    K: Eq + Hash,
    S: BuildHasher,
    St: Store<K, V>,
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

impl<'a, K, V, S, St> Extend<(&'a K, &'a V)> for Map<K, V, S, St>
where
    K: Eq + Hash + Copy,
    V: Copy,
    S: BuildHasher,
    St: Store<K, V>,
{
    fn extend<I: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(|(k, v)| (*k, *v)));
    }
}

impl<'a, K, V, S, St> Extend<&'a (K, V)> for Map<K, V, S, St>
where
    K: Eq + Hash + Copy,
    V: Copy,
    S: BuildHasher,
    St: Store<K, V>,
{
    fn extend<I: IntoIterator<Item = &'a (K, V)>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(|&(k, v)| (k, v)));
    }
}

impl<K, V, S, St> FromIterator<(K, V)> for Map<K, V, S, St>
where
    K: Eq + Hash,
    S: BuildHasher + Default,
    St: Store<K, V>,
    St::Alloc: Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::default();
        map.extend(iter);
        map
    }
}

// For stores on the default allocator only, as std's is for its one. An
// impl for any `A: Allocator + Default` (hashbrown's) leaves `A` to
// inference, and with allocator-api2 there are several allocators
// (`Global`, `&A`, ...), so `let map = HashMap::from([(1, 'a')]);
// map.get(&1)` stops compiling (E0283, "type annotations needed"). Another
// allocator collects (see the example below).
impl<K: Eq + Hash, V, St: DefaultStore<K, V>, const N: usize> From<[(K, V); N]>
    for Map<K, V, DefaultHashBuilder, St>
where
    St::Alloc: Default,
{
    /// A map of these entries, on the default allocator ([`PageAlloc`](crate::PageAlloc)).
    ///
    /// ```
    /// use map_core::HashMap;
    /// let map = HashMap::from([(1, 'a'), (2, 'b')]);
    /// assert_eq!(map[&2], 'b');
    /// ```
    ///
    /// On an allocator named in the type (any `Allocator + Clone + Default`),
    /// collect the array:
    ///
    /// ```
    /// use map_core::{DefaultHashBuilder, Global, HashMap};
    ///
    /// let map: HashMap<_, _, DefaultHashBuilder, Global> = [(1, 'a')].into_iter().collect();
    /// assert_eq!(map[&1], 'a');
    /// ```
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

mod entry_ref;
mod walk;

pub use entry_ref::{EntryRef, VacantEntryRef};
pub(crate) use walk::ExtractCore;
pub use walk::ExtractIf;
