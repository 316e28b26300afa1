//! Hash maps that give memory back.
//!
//! `std::collections::HashMap` and `hashbrown::HashMap` never shrink on
//! `remove`: a map that held a million entries during a burst keeps the whole
//! table until someone remembers `shrink_to_fit`. [`HashMap`] here is a
//! drop-in replacement that shrinks by itself under a [`ReclaimPolicy`] you can
//! see and tune, reports honest [`MemoryStats`], and runs on any
//! [`allocator_api2`] allocator. [`HashSet`] is std's set over the same
//! table and policy (a `HashMap<T, ()>`).
//!
//! # The types
//!
//! * [`HashMap`], its [`Entry`] and [`EntryRef`] views, and its iterators
//!   ([`Iter`], [`IterMut`], [`Keys`], [`Values`], [`ValuesMut`],
//!   [`IntoIter`], [`IntoKeys`], [`IntoValues`], [`Drain`], [`ExtractIf`]).
//! * [`HashSet`], with its iterators and lazy set operations in [`set`].
//! * [`ReclaimPolicy`] (built and checked by [`PolicyBuilder`], refused
//!   with a [`PolicyError`]) and [`MemoryStats`].
//! * The [`ReclaimMap`] contract every map of the workspace keeps, so that
//!   generic code can take any of them.
//!
//! # Writing another map
//!
//! The other maps of the workspace (arena-map, pooled-map, sync-map) are
//! built on what [`toolkit`] holds: the [`Storage`](toolkit::Storage)
//! protocol and the [`Reclaimer`](toolkit::Reclaimer) that applies the one
//! reclamation policy to any storage, the fallible and panic-safe table
//! mechanics ([`toolkit::table`]) and the key and value views
//! ([`toolkit::iter`]). A map built on them keeps the same promises as
//! [`HashMap`] without a second copy of the policy.
//!
//! # Example
//!
//! ```
//! use map_core::{HashMap, ReclaimMap};
//!
//! let mut sessions: HashMap<u64, [u8; 128]> = HashMap::new();
//! for id in 0..100_000 {
//!     sessions.insert(id, [0; 128]);
//! }
//! let filled = sessions.memory().allocated_bytes;
//!
//! for id in 0..100_000 {
//!     sessions.remove(&id);
//! }
//! // No call to shrink_to_fit: the table went back as it emptied.
//! let held = sessions.memory().allocated_bytes;
//! assert!(held * 100 <= filled, "held {held} of {filled}");
//! ```
//!
//! # How the policy works
//!
//! After every removal of a present key the map compares its length with two
//! cached thresholds (two comparisons; the arithmetic runs only when one is
//! crossed). When the table has room for at least `shrink_ratio` (default 8)
//! times its entries it is sparse, and the entries move to a table with
//! `headroom` (default 2) times the room. The gap between the two numbers is
//! the hysteresis: after any resize at least a fifth of the entries must
//! change before the next one, so growth and shrinking stay amortised O(1)
//! and no workload makes the table shrink and grow back over and over.
//!
//! A map that is only losing entries shrinks the same way, at once: a map
//! drained to a few percent and then only read holds no more than a fresh
//! map of what remains would, give or take the rounding (8 times at the
//! very most). Each shrink moves the entries that remain, at most an eighth
//! of the table's room, so removing all of a million entries moves about a
//! sixth of them in all. A policy with a larger `drain_ratio` defers the
//! shrinks of a draining map to the next insert instead (or until it is
//! `drain_ratio` times too big). See [`Reclaimer`](toolkit::Reclaimer) for
//! the details and [`ReclaimPolicy`] to tune the numbers.
//!
//! # What stays as in std
//!
//! Reclamation shows in the memory figures and nowhere else:
//!
//! * **Capacity you asked for is kept.** `with_capacity(n)`, `reserve`,
//!   `try_reserve` and `shrink_to(n)` set a floor the automatic policy never
//!   shrinks below; `shrink_to_fit`, a smaller `shrink_to` and `reclaim()`
//!   lower it.
//! * **Nothing is given back unless an entry left.** A `remove` that misses,
//!   a `retain` that keeps everything, lookups, and `entry` on a present key
//!   never resize or allocate; `entry` on an absent key allocates only when
//!   a value is inserted, and overwriting a key never grows a full table.
//! * **A cleared map that is refilled reuses its table.** `clear()` and
//!   `drain()` keep a table of up to
//!   [`clear_keep_bytes`](ReclaimPolicy::clear_keep_bytes) (512 KiB by
//!   default: 1,000 entries of up to 200 bytes). *Unlike std*, a larger table
//!   goes back to the allocator at once, so a map cleared after a burst and
//!   left alone holds nothing; its refill grows back towards the old size in
//!   steps of 3.2 times instead of doubling. The capacity floor and the
//!   manual policy keep every table, as std does.
//! * **Removal at hashbrown's speed.** `remove` is hashbrown's find-and-erase
//!   plus two comparisons; the policy runs on a cold path. What remains is
//!   the work of giving memory back itself (the smaller table, the free of
//!   the large one), which hashbrown does not do.
//!
//! A shrink never aborts: if the smaller table cannot be allocated, the map
//! keeps the one it has. A `Hash` that panics during a shrink leaves every
//! entry in the map (the entry whose removal triggered the shrink was already
//! removed and is dropped by the unwinding): all hashes are computed before
//! the first entry moves.
//!
//! [`MemoryStats`] figures are exact: `allocated_bytes` is the size of the
//! table the map holds from its allocator (plus nothing: the map has no
//! other allocation), checked against counting allocators by the tests.
//!
//! # Memory back to the operating system
//!
//! Giving a table back to the allocator is not giving it back to the
//! operating system: glibc's malloc keeps freed blocks of a few hundred KiB
//! and more resident (after a large block is freed it raises its mmap
//! threshold, and it trims its heap only from the top), and jemalloc and
//! mimalloc return pages after a delay. So the maps allocate from
//! [`PageAlloc`] unless told otherwise: tables of 64 KiB and more are
//! mapped straight from the kernel and unmapped when freed, so the
//! process's resident memory follows the map; smaller tables go to the
//! global allocator as usual. To have every byte pass through the global
//! allocator, build the map on it: `HashMap::new_in(Global)`.
//!
//! # Features
//!
//! * `std` (default): the standard library. Without it map-core is
//!   `#![no_std]` and needs only `alloc`
//!   (`cargo check -p map-core --no-default-features --target x86_64-unknown-none`).
//! * `serde`: `Serialize` and `Deserialize` for [`HashMap`] (as a map),
//!   [`HashSet`] (as a sequence),
//!   [`ReclaimPolicy`] (as a struct of its settings: `automatic`,
//!   `shrink_ratio`, `headroom`, `drain_ratio`, `garbage_ratio`,
//!   `min_capacity`, `clear_keep_bytes`) and [`MemoryStats`] (as a struct of
//!   its fields). A deserialized policy is checked as
//!   [`PolicyBuilder::build`] checks one: a setting it refuses (a NaN, a
//!   `shrink_ratio` below 2.5 × `headroom`) is an error that names it. A
//!   missing setting takes its default; an unknown one is an error.
//!   Deserializing a map takes the input's length hint only as far as a
//!   few thousand entries, and never as a capacity floor. A map's policy is
//!   not serialized: a deserialized map has the automatic one.
//!
//! * `rayon`: parallel iteration, extension and draining of [`HashMap`]
//!   (`par_iter`, `par_iter_mut`, `par_drain`, `into_par_iter`,
//!   `ParallelExtend`, `FromParallelIterator`); the iterator types are in
//!   `par`. Needs `std`. Written once, in `toolkit::par`, for every map
//!   whose storage is a `toolkit::ParStore`. [`HashSet`] gets `par_iter`,
//!   `par_drain`, `into_par_iter`, the set operations (`par_difference`,
//!   `par_union`, `par_is_subset`, ...), `ParallelExtend` and
//!   `FromParallelIterator`, as hashbrown's set has them (types in
//!   `set::par`).
//!
//! `serde` and `rayon` are off by default; the documentation on docs.rs is
//! built with `serde` on, so the impls show there.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod map;
#[cfg(feature = "rayon")]
pub mod par {
    //! Parallel iterators over [`HashMap`](crate::HashMap), behind the
    //! `rayon` feature: `par_iter`, `par_iter_mut`, `par_keys`,
    //! `par_values`, `par_values_mut`, `par_drain`, `into_par_iter`,
    //! `par_eq`, and `ParallelExtend`/`FromParallelIterator`. They are the
    //! toolkit's ([`toolkit::par`](crate::toolkit::par)), written once for
    //! every map whose storage is a
    //! [`ParStore`](crate::toolkit::ParStore), named here for `HashMap`.
    pub use crate::map::par::{
        IntoParIter, ParDrain, ParIter, ParIterMut, ParKeys, ParValues, ParValuesMut,
    };
}
mod policy;
#[allow(unsafe_code)]
mod raw;
#[cfg(feature = "serde")]
mod serde_impl;
pub mod set;
mod stats;
pub mod toolkit;

use core::hash::Hash;
use core::ops::Deref;

pub use allocator_api2::alloc::{Allocator, Global};
pub use hashbrown::{DefaultHashBuilder, Equivalent, TryReserveError};
pub use page_alloc::PageAlloc;

pub use map::{
    Drain, Entry, EntryRef, ExtractIf, HashMap, IntoIter, IntoKeys, IntoValues, Iter, IterMut,
    Keys, OccupiedEntry, Table, VacantEntry, VacantEntryRef, Values, ValuesMut,
};
pub use policy::{PolicyBuilder, PolicyError, ReclaimPolicy};
pub use set::HashSet;
pub use stats::MemoryStats;
pub use toolkit::InsertError;

/// The contract every map in the workspace keeps.
///
/// Generic code (the conformance kit, the benchmarks, your own services) can
/// take any `M: ReclaimMap<K, V>` and switch storage strategies without
/// changing a line.
///
/// ```
/// use map_core::{HashMap, ReclaimMap};
///
/// fn evict_all<M: ReclaimMap<u32, String>>(map: &mut M, keys: &[u32]) -> usize {
///     keys.iter().filter(|k| map.remove(*k).is_some()).count()
/// }
///
/// let mut map = HashMap::new();
/// map.insert(1, "one".to_string());
/// assert_eq!(evict_all(&mut map, &[1, 2]), 1);
/// ```
pub trait ReclaimMap<K, V> {
    /// What `get` hands out: `&'a V` for single-owner maps, a guard for SyncMap.
    type Ref<'a>: Deref<Target = V>
    where
        Self: 'a;

    /// Inserts `value` under `key`, returning the previous value if any.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap};
    ///
    /// let mut map = HashMap::new();
    /// assert_eq!(ReclaimMap::insert(&mut map, 1, "a"), None);
    /// assert_eq!(ReclaimMap::insert(&mut map, 1, "b"), Some("a"));
    /// assert_eq!(map[&1], "b");
    /// ```
    fn insert(&mut self, key: K, value: V) -> Option<V>;

    /// The value under `key`.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap};
    ///
    /// // `Ref` derefs to the value, whatever the map hands out.
    /// fn name_len<M: ReclaimMap<u32, String>>(map: &M, id: u32) -> Option<usize> {
    ///     map.get(&id).map(|name| name.len())
    /// }
    ///
    /// let map = HashMap::from([(7, "seven".to_string())]);
    /// assert_eq!(name_len(&map, 7), Some(5));
    /// assert_eq!(name_len(&map, 8), None);
    /// ```
    fn get<Q>(&self, key: &Q) -> Option<Self::Ref<'_>>
    where
        Q: ?Sized + Hash + Equivalent<K>;

    /// Removes `key`, returning its value. May give memory back under the policy.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap};
    ///
    /// let mut map: HashMap<u32, u32> = (0..10_000).map(|i| (i, i)).collect();
    /// let full = map.memory().allocated_bytes;
    /// assert_eq!(ReclaimMap::remove(&mut map, &7), Some(7));
    /// assert_eq!(ReclaimMap::remove(&mut map, &7), None);
    /// for i in 0..10_000 {
    ///     ReclaimMap::remove(&mut map, &i);
    /// }
    /// assert!(ReclaimMap::memory(&map).allocated_bytes < full / 100);
    /// ```
    fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>;

    /// Whether `key` is present.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap};
    ///
    /// let map = HashMap::from([("a", 1)]);
    /// assert!(ReclaimMap::contains_key(&map, "a"));
    /// assert!(!ReclaimMap::contains_key(&map, "b"));
    /// ```
    fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>;

    /// How many entries the map holds.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap};
    ///
    /// let mut map = HashMap::new();
    /// ReclaimMap::insert(&mut map, 1, 1);
    /// ReclaimMap::insert(&mut map, 1, 2);
    /// assert_eq!(ReclaimMap::len(&map), 1);
    /// ```
    fn len(&self) -> usize;

    /// Whether the map holds no entries.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap};
    ///
    /// let mut map = HashMap::new();
    /// assert!(ReclaimMap::is_empty(&map));
    /// ReclaimMap::insert(&mut map, 1, 1);
    /// assert!(!ReclaimMap::is_empty(&map));
    /// ```
    fn is_empty(&self) -> bool;

    /// Removes every entry. Under the automatic policy the storage goes back too.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap};
    ///
    /// let mut map: HashMap<u64, [u8; 64]> = (0..100_000).map(|i| (i, [0; 64])).collect();
    /// ReclaimMap::clear(&mut map);
    /// assert!(map.is_empty());
    /// // Over `clear_keep_bytes`: the table went back too.
    /// assert_eq!(ReclaimMap::memory(&map).allocated_bytes, 0);
    /// ```
    fn clear(&mut self);

    /// Visits every entry once, in no particular order.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap};
    ///
    /// let map = HashMap::from([(1, 10), (2, 20)]);
    /// let mut sum = 0;
    /// ReclaimMap::for_each(&map, |k, v| sum += k * v);
    /// assert_eq!(sum, 50);
    /// ```
    fn for_each<F: FnMut(&K, &V)>(&self, f: F);

    /// The map's memory figures.
    ///
    /// ```
    /// use map_core::{HashMap, MemoryStats, ReclaimMap};
    ///
    /// let mut map = HashMap::new();
    /// assert_eq!(ReclaimMap::memory(&map), MemoryStats::default());
    /// for i in 0..1000u64 {
    ///     map.insert(i, i);
    /// }
    /// let stats = ReclaimMap::memory(&map);
    /// assert!(stats.allocated_bytes >= 1000 * 16);
    /// assert_eq!(stats.peak_bytes, stats.allocated_bytes);
    /// assert_eq!(stats.reclaims, 0);
    /// ```
    fn memory(&self) -> MemoryStats;

    /// Gives back now all that the current contents do not need; returns the bytes released.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap, ReclaimPolicy};
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..1000 {
    ///     map.insert(i, i);
    /// }
    /// map.retain(|k, _| *k < 10);
    /// let released = ReclaimMap::reclaim(&mut map);
    /// assert!(released > 0);
    /// assert_eq!(map.memory().reclaimed_bytes, released);
    /// assert_eq!(ReclaimMap::reclaim(&mut map), 0, "nothing left to give back");
    /// ```
    fn reclaim(&mut self) -> usize;

    /// The reclamation policy in force.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap, ReclaimPolicy};
    ///
    /// let map: HashMap<u8, u8> = HashMap::new();
    /// assert_eq!(ReclaimMap::policy(&map), ReclaimPolicy::automatic());
    /// ```
    fn policy(&self) -> ReclaimPolicy;

    /// Replaces the reclamation policy.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap, ReclaimPolicy};
    ///
    /// let mut map: HashMap<u64, u64> = HashMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..1000 {
    ///     map.insert(i, i);
    /// }
    /// map.retain(|k, _| *k < 10);
    /// let held = map.memory().allocated_bytes;
    /// ReclaimMap::set_policy(&mut map, ReclaimPolicy::automatic());
    /// assert!(ReclaimMap::policy(&map).is_automatic());
    /// assert!(map.memory().allocated_bytes < held, "a stricter policy applies at once");
    /// ```
    fn set_policy(&mut self, policy: ReclaimPolicy);
}

// Exported at the root, as `macro_rules!` macros must be, but hidden there:
// its documented path is `toolkit::reclaim_map_by_inherent_methods`.
#[doc(hidden)]
#[macro_export]
macro_rules! __reclaim_map_by_inherent_methods {
    (impl [$($gen:tt)*] for $ty:ty where [$($bounds:tt)*]) => {
        impl<$($gen)*> $crate::ReclaimMap<K, V> for $ty
        where
            $($bounds)*
        {
            type Ref<'a>
                = &'a V
            where
                Self: 'a;

            // As the inherent methods: always inlined, so a caller generic
            // over `ReclaimMap` gets the same loop as one calling them.
            #[inline(always)]
            fn insert(&mut self, key: K, value: V) -> Option<V> {
                Self::insert(self, key, value)
            }
            #[inline]
            fn get<Q>(&self, key: &Q) -> Option<&V>
            where
                Q: ?Sized + ::core::hash::Hash + $crate::Equivalent<K>,
            {
                Self::get(self, key)
            }
            #[inline(always)]
            fn remove<Q>(&mut self, key: &Q) -> Option<V>
            where
                Q: ?Sized + ::core::hash::Hash + $crate::Equivalent<K>,
            {
                Self::remove(self, key)
            }
            #[inline]
            fn contains_key<Q>(&self, key: &Q) -> bool
            where
                Q: ?Sized + ::core::hash::Hash + $crate::Equivalent<K>,
            {
                Self::contains_key(self, key)
            }
            #[inline]
            fn len(&self) -> usize {
                Self::len(self)
            }
            #[inline]
            fn is_empty(&self) -> bool {
                Self::is_empty(self)
            }
            #[inline]
            fn clear(&mut self) {
                Self::clear(self)
            }
            fn for_each<F: FnMut(&K, &V)>(&self, mut f: F) {
                for (k, v) in self.iter() {
                    f(k, v);
                }
            }
            fn memory(&self) -> $crate::MemoryStats {
                Self::memory(self)
            }
            fn reclaim(&mut self) -> usize {
                Self::reclaim(self)
            }
            fn policy(&self) -> $crate::ReclaimPolicy {
                Self::policy(self)
            }
            fn set_policy(&mut self, policy: $crate::ReclaimPolicy) {
                Self::set_policy(self, policy)
            }
        }
    };
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
