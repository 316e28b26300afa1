//! `HashMap`: hashbrown's table with the reclamation policy on every path
//! that removes entries.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::mem;
use core::ops::Index;

use allocator_api2::alloc::Allocator;
use hashbrown::hash_table::{self, HashTable};
use hashbrown::{DefaultHashBuilder, Equivalent, TryReserveError};
use page_alloc::PageAlloc;

use crate::policy::{ClearAction, ReclaimPolicy, Reclaimer};
use crate::toolkit::{iter, table, ShrinkError, Storage};
use crate::MemoryStats;

/// A hash map that gives memory back as it empties.
///
/// The API is std's `HashMap` (plus `new_in`-style constructors for custom
/// allocators); the difference is that every operation that removes entries
/// (`remove`, `remove_entry`, `retain`, `drain`, entry removal, `clear`)
/// consults the [`ReclaimPolicy`] and shrinks the table when it has become
/// mostly empty. See the [crate docs](crate) for the policy and its cost.
///
/// `S` is the hasher (hashbrown's fast default, as in `hashbrown::HashMap`;
/// use `std::hash::RandomState` where untrusted keys call for DoS
/// resistance), `A` any [`allocator_api2`] allocator: by default
/// [`PageAlloc`], which maps large tables straight from the kernel so that
/// freed ones leave the process's resident memory (see the [crate
/// docs](crate#memory-back-to-the-operating-system)); `new_in(Global)` for
/// the global allocator.
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
pub struct HashMap<K, V, S = DefaultHashBuilder, A: Allocator = PageAlloc> {
    table: HashTable<(K, V), A>,
    hash_builder: S,
    reclaimer: Reclaimer,
}

#[inline]
fn make_hash<Q: Hash + ?Sized, S: BuildHasher>(hash_builder: &S, key: &Q) -> u64 {
    hash_builder.hash_one(key)
}

#[inline]
fn make_hasher<K: Hash, V, S: BuildHasher>(hash_builder: &S) -> impl Fn(&(K, V)) -> u64 + '_ {
    move |(k, _)| hash_builder.hash_one(k)
}

#[inline]
fn equivalent_key<Q: ?Sized + Equivalent<K>, K, V>(key: &Q) -> impl Fn(&(K, V)) -> bool + '_ {
    move |(k, _)| key.equivalent(k)
}

/// The table and its hasher, as the reclamation protocol sees them.
/// Free-standing so entries, which hold only the table, can use it too.
struct TableStorage<'a, K, V, S, A: Allocator> {
    table: &'a mut HashTable<(K, V), A>,
    hash_builder: &'a S,
}

impl<K: Hash, V, S: BuildHasher, A: Allocator + Clone> Storage for TableStorage<'_, K, V, S, A> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.table.len()
    }

    #[inline(always)]
    fn capacity(&self) -> usize {
        table::capacity(self.table)
    }

    #[inline(always)]
    fn size_key(&self) -> usize {
        self.table.num_buckets()
    }

    #[inline]
    fn allocated_bytes(&self) -> usize {
        self.table.allocation_size()
    }

    fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
        table::try_shrink(self.table, capacity, make_hasher(self.hash_builder))
    }

    fn clear_storage(&mut self, keep: bool) {
        if keep {
            self.table.clear();
        } else {
            drop(detach(self.table));
        }
    }
}

/// Takes the table out, leaving an empty one with no allocation: the map
/// holds the empty table before any entry's `Drop` runs.
fn detach<T, A: Allocator + Clone>(table: &mut HashTable<T, A>) -> HashTable<T, A> {
    let empty = HashTable::new_in(table.allocator().clone());
    mem::replace(table, empty)
}

/// The reclamation protocol's view of a map's (or an entry's) fields.
macro_rules! storage {
    ($table:expr, $hash_builder:expr) => {
        &mut TableStorage {
            table: $table,
            hash_builder: $hash_builder,
        }
    };
}

/// The insert into a full table (no room left without growing), shared by
/// `insert` and vacant entries: after a `clear()` that gave a large table
/// back, grows towards the size the map held in a few large steps instead
/// of doubling. A failed allocation here is not an error: the insert then
/// grows the table as usual.
#[cold]
#[inline(never)]
fn grow_for_insert<K: Hash, V, S: BuildHasher, A: Allocator + Clone>(
    table: &mut HashTable<(K, V), A>,
    hash_builder: &S,
    reclaimer: &mut Reclaimer,
) {
    let len = table.len();
    if let Some(target) = reclaimer.refill_target(len, table::capacity(table)) {
        let _ = table.try_reserve(target.saturating_sub(len), make_hasher(hash_builder));
    }
}

/// A reclaimer that rounds capacities as a table of `(K, V)` does.
const fn reclaimer_for<K, V>(policy: ReclaimPolicy) -> Reclaimer {
    Reclaimer::with_rounding(policy, table::rounded_capacity::<(K, V)>)
}

impl<K, V> HashMap<K, V, DefaultHashBuilder, PageAlloc> {
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
        Self::default()
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
    pub fn with_capacity(capacity: usize) -> Self {
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

impl<K, V, S> HashMap<K, V, S, PageAlloc> {
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
        Self::with_hasher_in(hash_builder, PageAlloc)
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
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        Self::with_capacity_and_hasher_in(capacity, hash_builder, PageAlloc)
    }
}

impl<K, V, A: Allocator> HashMap<K, V, DefaultHashBuilder, A> {
    /// An empty map that allocates from `alloc`.
    ///
    /// ```
    /// use map_core::{Global, HashMap};
    ///
    /// let mut map = HashMap::new_in(Global);
    /// map.insert(1, "one");
    /// assert_eq!(map[&1], "one");
    /// ```
    pub fn new_in(alloc: A) -> Self {
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
    pub fn with_capacity_in(capacity: usize, alloc: A) -> Self {
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
    pub fn with_policy_in(policy: ReclaimPolicy, alloc: A) -> Self {
        let mut map = Self::new_in(alloc);
        map.reclaimer.set_policy(policy);
        map
    }
}

impl<K, V, S, A: Allocator> HashMap<K, V, S, A> {
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
    pub const fn with_hasher_in(hash_builder: S, alloc: A) -> Self {
        Self {
            table: HashTable::new_in(alloc),
            hash_builder,
            reclaimer: reclaimer_for::<K, V>(ReclaimPolicy::automatic()),
        }
    }

    /// An empty map with room for `capacity` entries, hashing with
    /// `hash_builder` and allocating from `alloc`. The capacity is a floor,
    /// as for [`with_capacity`](HashMap::with_capacity).
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
    pub fn with_capacity_and_hasher_in(capacity: usize, hash_builder: S, alloc: A) -> Self {
        let mut reclaimer = reclaimer_for::<K, V>(ReclaimPolicy::automatic());
        reclaimer.request_capacity(capacity);
        Self {
            table: HashTable::with_capacity_in(capacity, alloc),
            hash_builder,
            reclaimer,
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
    pub fn allocator(&self) -> &A {
        self.table.allocator()
    }

    /// Bytes of the table's allocation (0 before the first insert), as
    /// hashbrown's `allocation_size`: the table alone, where
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
        self.table.allocation_size()
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
        self.table.capacity()
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
        self.table.len()
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
        self.table.is_empty()
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

    /// The map's memory figures: exact bytes of its table, peak, and what
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
        self.reclaimer.stats(self.table.allocation_size())
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
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            inner: self.table.iter(),
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
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut {
            inner: self.table.iter_mut(),
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
    pub fn keys(&self) -> Keys<'_, K, V> {
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
    pub fn values(&self) -> Values<'_, K, V> {
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
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
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
    pub fn into_keys(self) -> IntoKeys<K, V, A> {
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
    pub fn into_values(self) -> IntoValues<K, V, A> {
        iter::IntoValues::new(self.into_iter())
    }
}

impl<K, V, S, A: Allocator + Clone> HashMap<K, V, S, A> {
    /// Asks the policy whether `clear()` or `drain()` keeps the table.
    fn keep_on_clear(&mut self) -> bool {
        let action = self.reclaimer.on_clear(
            self.table.len(),
            table::capacity(&self.table),
            self.table.allocation_size(),
        );
        action == ClearAction::Keep
    }

    fn release_table(&mut self) -> HashTable<(K, V), A> {
        let before = self.table.allocation_size();
        let old = detach(&mut self.table);
        self.reclaimer.record_release(before, 0);
        old
    }

    /// Removes every entry.
    ///
    /// Unlike std, the table is not always kept. It is kept when it is no
    /// larger than the policy's
    /// [`clear_keep_bytes`](ReclaimPolicy::clear_keep_bytes) (default
    /// 512 KiB), no larger than the capacity floor (`with_capacity`,
    /// `reserve`) or `min_capacity`, or under the manual policy: a map
    /// cleared and refilled then makes no allocator call, as with std. A
    /// larger table goes back to the allocator at once, so a map cleared and
    /// left alone holds nothing; the map remembers how many entries it held,
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
        if self.keep_on_clear() {
            self.table.clear();
        } else {
            drop(self.release_table());
        }
    }

    /// Removes every entry and yields them. The table is kept or given back
    /// as by [`clear`](Self::clear); a table given back is detached at once
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
    pub fn drain(&mut self) -> Drain<'_, K, V, A> {
        let inner = if self.keep_on_clear() {
            DrainInner::Kept(self.table.drain())
        } else {
            DrainInner::Released(self.release_table().into_iter(), PhantomData)
        };
        Drain { inner }
    }
}

impl<K, V, S, A> HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
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
            .on_set_policy(storage!(&mut self.table, &self.hash_builder), policy);
    }

    /// Gives back all the memory the current entries do not need (the table
    /// shrinks to fit them; an empty map frees its table), whatever the
    /// policy, and drops the capacity floor. Returns the bytes released; 0 if
    /// the smaller table could not be allocated.
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
            .reclaim_storage(storage!(&mut self.table, &self.hash_builder))
    }

    /// Moves every entry into a new map with room for at least `capacity`
    /// entries that allocates from `alloc`, keeping the hasher and policy;
    /// `self` is left empty (its table is kept until it is dropped or
    /// cleared). This is how a storage re-homes a map, for example into a
    /// fresh arena when it compacts.
    ///
    /// # Errors
    ///
    /// [`ShrinkError::AllocFailed`](crate::toolkit::ShrinkError) if `alloc`
    /// refuses the table; `self` is then unchanged.
    ///
    /// # Panics
    ///
    /// If the key's `Hash` panics; every entry is then still in `self`.
    ///
    /// ```
    /// use map_core::{Global, HashMap};
    ///
    /// let mut map: HashMap<u32, &str> = HashMap::from([(1, "a"), (2, "b")]);
    /// let moved = map.try_move_to(Global, 0).unwrap();
    /// assert!(map.is_empty());
    /// assert_eq!(moved[&2], "b");
    /// ```
    pub fn try_move_to<B>(
        &mut self,
        alloc: B,
        capacity: usize,
    ) -> Result<HashMap<K, V, S, B>, ShrinkError>
    where
        B: Allocator,
        S: Clone,
    {
        // Cloned before any entry moves: a panicking `Clone` loses nothing.
        let hash_builder = self.hash_builder.clone();
        let moved = table::try_move(
            &mut self.table,
            alloc,
            capacity,
            make_hasher(&self.hash_builder),
        )?;
        Ok(HashMap {
            table: moved,
            hash_builder,
            reclaimer: self.reclaimer.fresh(),
        })
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
        self.table
            .reserve(additional, make_hasher(&self.hash_builder));
        self.reclaimer
            .request_capacity(self.table.len().saturating_add(additional));
    }

    /// Room for a size hint (`extend`, deserializing), which is not capacity
    /// the user asked for: no floor.
    pub(crate) fn reserve_without_floor(&mut self, additional: usize) {
        self.table
            .reserve(additional, make_hasher(&self.hash_builder));
    }

    /// Reserves room for at least `additional` more entries, or reports why not.
    ///
    /// # Errors
    ///
    /// `TryReserveError::CapacityOverflow` if the capacity would overflow,
    /// `TryReserveError::AllocError` if the allocator refused. The map is
    /// unchanged on error (and its capacity floor too).
    ///
    /// ```
    /// use map_core::{HashMap, TryReserveError};
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::new();
    /// assert!(map.try_reserve(10).is_ok());
    /// assert!(matches!(map.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow)));
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.table
            .try_reserve(additional, make_hasher(&self.hash_builder))?;
        self.reclaimer
            .request_capacity(self.table.len().saturating_add(additional));
        Ok(())
    }

    /// Shrinks the table as much as the entries allow, and drops the
    /// capacity floor. Never aborts: if the smaller table cannot be
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

    /// Shrinks the table to room for at least `min_capacity` entries (and at
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
            .shrink_storage_to(storage!(&mut self.table, &self.hash_builder), min_capacity);
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
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S, A> {
        let hash = make_hash(&self.hash_builder, &key);
        match self.table.find_entry(hash, equivalent_key(&key)) {
            Ok(inner) => Entry::Occupied(OccupiedEntry {
                inner,
                hash,
                hash_builder: &self.hash_builder,
                reclaimer: &mut self.reclaimer,
            }),
            Err(absent) => Entry::Vacant(VacantEntry {
                table: absent.into_table(),
                hash,
                key,
                hash_builder: &self.hash_builder,
                reclaimer: &mut self.reclaimer,
            }),
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
        if self.table.is_empty() {
            return None;
        }
        let hash = make_hash(&self.hash_builder, key);
        self.table
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
        if self.table.is_empty() {
            return None;
        }
        let hash = make_hash(&self.hash_builder, key);
        self.table
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
        self.reclaimer
            .on_insert(storage!(&mut self.table, &self.hash_builder));
        let hash = make_hash(&self.hash_builder, &key);
        if self.table.len() == self.table.capacity() {
            return self.insert_when_full(hash, key, value);
        }
        match self
            .table
            .entry(hash, equivalent_key(&key), make_hasher(&self.hash_builder))
        {
            hash_table::Entry::Occupied(mut e) => Some(mem::replace(&mut e.get_mut().1, value)),
            hash_table::Entry::Vacant(e) => {
                e.insert((key, value));
                None
            }
        }
    }

    /// Removes `key`, returning its value. May shrink the table, but only if
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
    /// table, but only if the key was present.
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
        // The policy runs *before* the entry comes out, on a cold path that
        // returns nothing: the hot path then hands the entry straight back
        // (a large value is never held across a call), stays small enough to
        // be inlined into the caller's loop, and a panicking `Hash` in the
        // shrink leaves the entry in place.
        if self
            .reclaimer
            .may_shrink(self.table.len().wrapping_sub(1), self.table.num_buckets())
        {
            self.shrink_before_remove(hash, key);
        }
        match self.table.find_entry(hash, equivalent_key(key)) {
            Ok(entry) => Some(entry.remove().0),
            Err(_) => None,
        }
    }

    /// The policy's look before removing `key`: if it is present (nothing
    /// is given back for a miss), shrink if the entries that will remain
    /// call for it.
    #[cold]
    #[inline(never)]
    fn shrink_before_remove<Q>(&mut self, hash: u64, key: &Q)
    where
        Q: ?Sized + Equivalent<K>,
    {
        if self.table.find(hash, equivalent_key(key)).is_none() {
            return;
        }
        let len_after = self.table.len() - 1;
        self.reclaimer
            .on_sparse_remove(storage!(&mut self.table, &self.hash_builder), len_after);
    }

    /// Insert of a key into a table with no room left: an existing key is
    /// overwritten without growing (as `get_mut` would), a new one grows the
    /// table, in large steps while refilling after a `clear()`.
    #[cold]
    #[inline(never)]
    fn insert_when_full(&mut self, hash: u64, key: K, value: V) -> Option<V> {
        if let Some((_, v)) = self.table.find_mut(hash, equivalent_key(&key)) {
            return Some(mem::replace(v, value));
        }
        grow_for_insert(&mut self.table, &self.hash_builder, &mut self.reclaimer);
        self.table
            .insert_unique(hash, (key, value), make_hasher(&self.hash_builder));
        None
    }

    /// Keeps only the entries for which `keep` returns `true`, then shrinks
    /// the table if the policy says so.
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
        let before = self.table.len();
        self.table.retain(|(k, v)| keep(k, v));
        if self.table.len() < before {
            self.reclaimer
                .on_remove(storage!(&mut self.table, &self.hash_builder));
        }
    }
}

crate::toolkit::reclaim_map_by_inherent_methods!(
    impl [K, V, S, A] for HashMap<K, V, S, A>
    where [K: Eq + Hash, S: BuildHasher, A: Allocator + Clone]
);

// ---------------------------------------------------------------------------
// Entries

/// A view into one entry of a [`HashMap`], from [`HashMap::entry`].
pub enum Entry<'a, K, V, S, A: Allocator = PageAlloc> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S, A>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V, S, A>),
}

/// A present entry of a [`HashMap`].
pub struct OccupiedEntry<'a, K, V, S, A: Allocator = PageAlloc> {
    inner: hash_table::OccupiedEntry<'a, (K, V), A>,
    /// The key's hash, so that a removal that hands back a vacant entry
    /// (`replace_entry_with`) need not hash the key again.
    hash: u64,
    hash_builder: &'a S,
    reclaimer: &'a mut Reclaimer,
}

/// An absent entry of a [`HashMap`].
pub struct VacantEntry<'a, K, V, S, A: Allocator = PageAlloc> {
    table: &'a mut HashTable<(K, V), A>,
    hash: u64,
    key: K,
    hash_builder: &'a S,
    reclaimer: &'a mut Reclaimer,
}

impl<'a, K: Hash, V, S: BuildHasher, A: Allocator + Clone> Entry<'a, K, V, S, A> {
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
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, A> {
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
    pub fn insert(self, value: V) -> OccupiedEntry<'a, K, V, S, A> {
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
    /// table, as any removal); an absent entry is returned as it is.
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

impl<'a, K: Hash, V: Default, S: BuildHasher, A: Allocator + Clone> Entry<'a, K, V, S, A> {
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
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<'a, K, V, S, A: Allocator> OccupiedEntry<'a, K, V, S, A> {
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
        &self.inner.get().0
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
        &self.inner.get().1
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
        &mut self.inner.get_mut().1
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
        &mut self.inner.into_mut().1
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

impl<'a, K: Hash, V, S: BuildHasher, A: Allocator + Clone> OccupiedEntry<'a, K, V, S, A> {
    /// Removes the entry, returning the key and value. May shrink the table.
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
    pub fn remove_entry(self) -> (K, V) {
        let (kv, vacant) = self.inner.remove();
        self.reclaimer
            .on_remove(storage!(vacant.into_table(), self.hash_builder));
        kv
    }

    /// Removes the entry, returning the value. May shrink the table.
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
    pub fn remove(self) -> V {
        self.remove_entry().1
    }

    /// Replaces the value with what `f` makes of it and returns the entry,
    /// or removes the entry when `f` returns `None` (which may shrink the
    /// table, as any removal) and returns it vacant, with its key.
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
    pub fn replace_entry_with<F>(self, f: F) -> Entry<'a, K, V, S, A>
    where
        F: FnOnce(&K, V) -> Option<V>,
    {
        let OccupiedEntry {
            inner,
            hash,
            hash_builder,
            reclaimer,
        } = self;
        let ((key, value), vacant) = inner.remove();
        match f(&key, value) {
            Some(value) => Entry::Occupied(OccupiedEntry {
                // Back where it was taken from: the table has its room.
                inner: vacant.insert((key, value)),
                hash,
                hash_builder,
                reclaimer,
            }),
            None => {
                let table = vacant.into_table();
                reclaimer.on_remove(storage!(&mut *table, hash_builder));
                Entry::Vacant(VacantEntry {
                    table,
                    hash,
                    key,
                    hash_builder,
                    reclaimer,
                })
            }
        }
    }
}

impl<'a, K, V, S, A: Allocator> VacantEntry<'a, K, V, S, A> {
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

impl<'a, K: Hash, V, S: BuildHasher, A: Allocator + Clone> VacantEntry<'a, K, V, S, A> {
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
    pub fn insert(self, value: V) -> &'a mut V {
        self.insert_entry(value).into_mut()
    }

    /// Inserts `value` under the entry's key, returning the occupied entry.
    /// This is where the table makes room (and catches up on a shrink that
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
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, A> {
        let VacantEntry {
            table,
            hash,
            key,
            hash_builder,
            reclaimer,
        } = self;
        reclaimer.on_insert(storage!(table, hash_builder));
        if table.len() == table.capacity() {
            grow_for_insert(table, hash_builder, reclaimer);
        }
        OccupiedEntry {
            inner: table.insert_unique(hash, (key, value), make_hasher(hash_builder)),
            hash,
            hash_builder,
            reclaimer,
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator> fmt::Debug for Entry<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Entry").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Entry").field(e).finish(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator> fmt::Debug for OccupiedEntry<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry")
            .field("key", self.key())
            .field("value", self.get())
            .finish()
    }
}

impl<K: fmt::Debug, V, S, A: Allocator> fmt::Debug for VacantEntry<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(self.key()).finish()
    }
}

// ---------------------------------------------------------------------------
// Iterators

/// Iterator over `(&K, &V)`, from [`HashMap::iter`].
pub struct Iter<'a, K, V> {
    inner: hash_table::Iter<'a, (K, V)>,
}

/// Iterator over `(&K, &mut V)`, from [`HashMap::iter_mut`].
pub struct IterMut<'a, K, V> {
    inner: hash_table::IterMut<'a, (K, V)>,
}

/// Owning iterator over `(K, V)`, from `HashMap::into_iter`.
pub struct IntoIter<K, V, A: Allocator = PageAlloc> {
    inner: hash_table::IntoIter<(K, V), A>,
}

/// Iterator over the keys, from [`HashMap::keys`].
pub type Keys<'a, K, V> = iter::Keys<Iter<'a, K, V>>;

/// Iterator over the values, from [`HashMap::values`].
pub type Values<'a, K, V> = iter::Values<Iter<'a, K, V>>;

/// Iterator over mutable values, from [`HashMap::values_mut`].
pub type ValuesMut<'a, K, V> = iter::ValuesMut<IterMut<'a, K, V>>;

/// Owning iterator over the keys, from [`HashMap::into_keys`].
pub type IntoKeys<K, V, A = PageAlloc> = iter::IntoKeys<IntoIter<K, V, A>>;

/// Owning iterator over the values, from [`HashMap::into_values`].
pub type IntoValues<K, V, A = PageAlloc> = iter::IntoValues<IntoIter<K, V, A>>;

/// Draining iterator, from [`HashMap::drain`].
pub struct Drain<'a, K, V, A: Allocator = PageAlloc> {
    inner: DrainInner<'a, K, V, A>,
}

enum DrainInner<'a, K, V, A: Allocator> {
    /// The table stays with the map (manual policy, or a small table).
    Kept(hash_table::Drain<'a, (K, V), A>),
    /// The table was detached from the map and goes back when this is dropped.
    Released(hash_table::IntoIter<(K, V), A>, PhantomData<&'a mut ()>),
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
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

impl<'a, K, V> Iterator for IterMut<'a, K, V> {
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

impl<K, V, A: Allocator> Iterator for IntoIter<K, V, A> {
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

impl<K, V, A: Allocator> Iterator for Drain<'_, K, V, A> {
    type Item = (K, V);
    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        match &mut self.inner {
            DrainInner::Kept(d) => d.next(),
            DrainInner::Released(d, _) => d.next(),
        }
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            DrainInner::Kept(d) => d.size_hint(),
            DrainInner::Released(d, _) => d.size_hint(),
        }
    }
}

macro_rules! exact_and_fused {
    ($($name:ident<$($lt:lifetime,)? $($p:ident),*>),* $(,)?) => {$(
        impl<$($lt,)? $($p),*> ExactSizeIterator for $name<$($lt,)? $($p),*>
        where Self: Iterator {}
        impl<$($lt,)? $($p),*> FusedIterator for $name<$($lt,)? $($p),*>
        where Self: Iterator {}
    )*};
}
exact_and_fused!(Iter<'a, K, V>, IterMut<'a, K, V>,);

macro_rules! exact_and_fused_alloc {
    ($($name:ident),*) => {$(
        impl<K, V, A: Allocator> ExactSizeIterator for $name<K, V, A> {}
        impl<K, V, A: Allocator> FusedIterator for $name<K, V, A> {}
    )*};
}
exact_and_fused_alloc!(IntoIter);
impl<K, V, A: Allocator> ExactSizeIterator for Drain<'_, K, V, A> {}
impl<K, V, A: Allocator> FusedIterator for Drain<'_, K, V, A> {}

impl<K, V> Clone for Iter<'_, K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}
impl<K, V> fmt::Debug for IterMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterMut")
            .field("remaining", &self.size_hint().0)
            .finish()
    }
}
impl<K, V, A: Allocator> fmt::Debug for IntoIter<K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter")
            .field("remaining", &self.size_hint().0)
            .finish()
    }
}
impl<K, V, A: Allocator> fmt::Debug for Drain<'_, K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain")
            .field("remaining", &self.size_hint().0)
            .finish()
    }
}

impl<K, V, S, A: Allocator> IntoIterator for HashMap<K, V, S, A> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V, A>;
    fn into_iter(self) -> IntoIter<K, V, A> {
        IntoIter {
            inner: self.table.into_iter(),
        }
    }
}

impl<'a, K, V, S, A: Allocator> IntoIterator for &'a HashMap<K, V, S, A> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K, V, S, A: Allocator> IntoIterator for &'a mut HashMap<K, V, S, A> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> IterMut<'a, K, V> {
        self.iter_mut()
    }
}

// ---------------------------------------------------------------------------
// Standard traits

impl<K, V, S: Default, A: Allocator + Default> Default for HashMap<K, V, S, A> {
    /// An empty map with the automatic policy and a default hasher.
    fn default() -> Self {
        Self::with_hasher_in(S::default(), A::default())
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator> fmt::Debug for HashMap<K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Clone, V: Clone, S: Clone, A: Allocator + Clone> Clone for HashMap<K, V, S, A> {
    /// Clones entries, hasher and policy; the clone starts with fresh
    /// memory statistics.
    fn clone(&self) -> Self {
        Self {
            table: self.table.clone(),
            hash_builder: self.hash_builder.clone(),
            reclaimer: self.reclaimer.fresh(),
        }
    }
}

impl<K, V, S, A> PartialEq for HashMap<K, V, S, A>
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
                .all(|(k, v)| other.get(k).is_some_and(|ov| v == ov))
    }
}

impl<K, V, S, A> Eq for HashMap<K, V, S, A>
where
    K: Eq + Hash,
    V: Eq,
    S: BuildHasher,
    A: Allocator + Clone,
{
}

impl<K, Q, V, S, A> Index<&Q> for HashMap<K, V, S, A>
where
    K: Eq + Hash,
    Q: ?Sized + Hash + Equivalent<K>,
    S: BuildHasher,
    A: Allocator + Clone,
{
    type Output = V;

    /// # Panics
    ///
    /// If the key is not present.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("key not found in HashMap")
    }
}

impl<K, V, S, A> Extend<(K, V)> for HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
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

impl<'a, K, V, S, A> Extend<(&'a K, &'a V)> for HashMap<K, V, S, A>
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

impl<K, V, S, A> FromIterator<(K, V)> for HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher + Default,
    A: Allocator + Clone + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::default();
        map.extend(iter);
        map
    }
}

// For the default allocator only, as std's is for its one. An impl for any
// `A: Allocator + Default` (hashbrown's) leaves `A` to inference, and with
// allocator-api2 there are several allocators (`Global`, `&A`, ...), so
// `let map = HashMap::from([(1, 'a')]); map.get(&1)` stops compiling
// (E0283, "type annotations needed"). Another allocator collects (see the
// example below).
impl<K: Eq + Hash, V, const N: usize> From<[(K, V); N]> for HashMap<K, V> {
    /// A map of these entries, on the default allocator ([`PageAlloc`]).
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
mod extra;
#[cfg(feature = "rayon")]
pub(crate) mod par;

pub use entry_ref::{EntryRef, VacantEntryRef};
pub(crate) use extra::ExtractCore;
pub use extra::ExtractIf;
