//! A hash map whose entries live in an object pool: slots are reused
//! without allocating, entries are reachable by [`Handle`] without hashing,
//! and the pool is compacted and shrunk when it has become too big.
//!
//! [`PooledMap`] stores its entries in a slab-style object pool (a vector of
//! slots with a free list through the vacant ones) and indexes them with
//! a hashbrown `HashTable` of 8-byte `(slot, hash)` records. A removed
//! entry's slot goes on the pool's free list and the next insert takes it,
//! so a service whose live set is steady stops calling the allocator once
//! warmed up. A slab never shrinks by itself; this map does: after removals
//! the reclamation policy of [`map_core`] (the same one every map of the
//! workspace uses) decides when the pool or the index has too much room,
//! and then the pool is compacted (entries from the top slots move into the
//! vacant ones below) and both are shrunk.
//!
//! # When to choose it
//!
//! * Heavy insert/remove churn with a live set of roughly constant size:
//!   after warm-up, zero allocator calls.
//! * Large values: they are written once into their slot and never moved
//!   when the index grows or rehashes (the index moves 8-byte records).
//! * Stable, cheap references: a [`Handle`] reaches its entry with a bounds
//!   check and a comparison, faster than a lookup by key, and it can be
//!   stored where a borrow cannot.
//!
//! # When not to
//!
//! * Small entries looked up by key: each lookup follows one more pointer
//!   (index, then pool) than [`map_core::HashMap`], and each entry carries a
//!   12-byte stamp and hash. For `(u64, u64)` a pooled entry takes 32 bytes
//!   plus 9 per index bucket; prefer `map_core::HashMap`.
//! * Every entry behind a handle, and a pool that must shrink fully:
//!   reclamation leaves the entries handles were handed out for in their
//!   slots (see below), so the pool keeps the slots below the highest of
//!   them. [`HandleMap::reclaim_with`] moves those too and reports each move.
//! * Concurrent access: see `sync-map`.
//!
//! # Example
//!
//! ```
//! use pooled_map::{HandleMap, PooledMap, ReclaimMap};
//!
//! let mut cache: PooledMap<u64, [u8; 128]> = PooledMap::new();
//! for id in 0..100_000 {
//!     cache.insert(id, [0; 128]);
//! }
//! let filled = cache.memory().allocated_bytes;
//!
//! // A handle reaches its entry without hashing.
//! let hot = cache.handle_of(&99_999).unwrap();
//! assert_eq!(cache.get_by_handle(hot), Some(&[0; 128]));
//!
//! for id in 0..100_000 {
//!     cache.remove(&id);
//! }
//! // No call to reclaim(): the pool and the index went back as they emptied.
//! let held = cache.memory().allocated_bytes;
//! assert!(held * 100 <= filled, "held {held} of {filled}");
//! assert_eq!(cache.get_by_handle(hot), None); // its entry is gone
//! ```
//!
//! # Handles
//!
//! The handle methods are those of the [`HandleMap`] trait (and
//! [`EntryHandle`] for entries), which `use pooled_map::HandleMap` brings
//! into scope: [`insert_with_handle`](HandleMap::insert_with_handle),
//! [`handle_of`](HandleMap::handle_of), [`handles`](HandleMap::handles)
//! and [`EntryHandle::handle`] give out handles;
//! [`get_by_handle`](HandleMap::get_by_handle),
//! [`get_mut_by_handle`](HandleMap::get_mut_by_handle),
//! [`remove_by_handle`](HandleMap::remove_by_handle) and indexing with
//! `map[handle]` use them, in O(1) and without hashing. Everything else is
//! std's map API, written once in [`map_core::toolkit::Map`] (a
//! `PooledMap` is that map over a [`PoolStore`]).
//!
//! A handle is a slot number and a stamp. An entry takes its stamp when its
//! first handle is handed out (an insert that asks for none pays nothing
//! for it), one that no entry of any map in the process has had before (a
//! 64-bit counter, handed to threads in blocks), so a handle can only ever
//! match its own entry: a stale handle answers `None` (or panics, for `map[handle]`),
//! never another entry's value, even after its slot has been reused.
//!
//! **A handle stays valid until its own entry is removed** (`remove`,
//! `remove_entry`, `remove_by_handle`, `OccupiedEntry::remove`, `retain`,
//! `clear`, `drain`), under every policy: reclamation moves only entries no
//! handle was ever handed out for. Only [`reclaim_with`](HandleMap::reclaim_with)
//! moves the others, and it reports each move, old and new handle; the new
//! handle is then the entry's handle like any other, valid through every
//! later reclamation until the entry is removed.
//!
//! Reclamation compacts the pool towards the number of live entries, `n`:
//! entries without a handle in slots `>= n` move into vacant slots below
//! `n`; entries with a handle keep their slot, and the pool keeps the slots
//! below the highest of them (their vacancies are reused by inserts). So a
//! map whose entries all have handles gives back its index and the vacant
//! end of its pool, not the vacancies between live entries; a map used by
//! key alone compacts fully. Inserting a value under a present key keeps the
//! entry's slot and handle, and growing the pool or the index moves no entry.
//! A handle from a clone's original works on the clone for the entries it
//! copied.
//!
//! * [`HandleMap::reclaim_epoch`] counts the reclamations that moved
//!   entries (entries reached by key only);
//! * [`HandleMap::handle_of`] gives an entry's handle by key (and from then
//!   on keeps the entry in its slot).
//!
//! # Reclamation
//!
//! The policy judges the larger of the two capacities, the pool's and the
//! index's, against the number of live entries, with the thresholds and
//! hysteresis of [`ReclaimPolicy`] (default: shrink when 1/8 full or less,
//! to twice the live entries, at the removal that makes it sparse; the
//! next insert after removals tightens it further). Compaction is O(capacity) and happens only
//! after a number of removals proportional to the capacity, so removals stay
//! amortised O(1).
//!
//! The pool and the index allocate from [`map_core::PageAlloc`]: blocks of
//! 64 KiB and more are mapped straight from the kernel and unmapped when a
//! compaction or a shrink frees them, so the process's resident memory
//! follows the map whatever the global allocator keeps. The allocator is
//! the map's last type parameter: [`Map::new_in`](map_core::toolkit::Map::new_in) and the other
//! `_in` constructors take any `allocator_api2` allocator, and
//! `PooledMap::new_in(map_core::Global)` sends every byte through the global
//! allocator instead.
//!
//! Reclamation runs no user code: the index keeps each entry's hash, so it
//! is grown, patched and shrunk without calling `Hash`, and the pool's
//! compaction only moves entries. User code runs only outside these mechanics: `Hash`
//! and `Eq` in the lookup before an entry is added or removed, `Drop` after
//! the entry has left both the pool and the index. A panic in any of them
//! loses no entry, duplicates none, and leaves the pool and the index in
//! step (`tests/panics.rs`). The crate has no `unsafe` code.
//!
//! # Memory figures
//!
//! [`memory()`](map_core::toolkit::Map::memory) counts the pool (its capacity in slots times
//! [`PoolStore::slot_bytes`]) and the index table; the tests check the figure
//! against a counting global allocator. [`try_reserve`](map_core::toolkit::Map::try_reserve) grows
//! the pool and the index fallibly: a refused allocation comes back as a
//! `TryReserveError` (the infallible paths abort, as `Vec`'s do).
//!
//! A map holds at most 2^32 entries (slots are `u32`).
//!
//! # Features
//!
//! * `std` (default): the standard library. Without it pooled-map is
//!   `#![no_std]` and needs only `alloc` (and 64-bit atomics, for the
//!   handles' map ids):
//!   `cargo check -p pooled-map --no-default-features --target x86_64-unknown-none`.
//! * `serde`: `Serialize` and `Deserialize` for [`PooledMap`], as a map of
//!   key to value. **Handles are not serialized**: a deserialized map gives
//!   its entries new handles, and handles of the map that was serialized
//!   find nothing in it. Deserializing takes the input's length hint only as
//!   far as a few thousand entries and never as a capacity floor; the policy
//!   is not serialized (a deserialized map has the automatic one).
//! * `rayon`: parallel iteration, extension and draining (`par_iter`,
//!   `par_iter_mut`, `par_keys`, `par_values`, `par_drain`,
//!   `into_par_iter`, `par_extend`, `collect`), the work split by pool
//!   slot; needs `std`. A parallel drain empties the map as `clear` does:
//!   handles to its entries find nothing after.
//!
//! The features are off by default; the documentation on docs.rs is built
//! with it on, so the impls show there.

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod handle;
mod pool;
mod stamp;
pub mod store;

use map_core::toolkit::map as generic;
use map_core::PageAlloc;

pub use handle::{EntryHandle, HandleMap, Handles};
pub use stamp::Handle;
pub use store::PoolStore;

pub use hashbrown::{DefaultHashBuilder, Equivalent, TryReserveError};
pub use map_core::toolkit::InsertError;
pub use map_core::{MemoryStats, ReclaimMap, ReclaimPolicy};

/// A hash map whose entries live in an object pool, reached by key or by
/// [`Handle`], that gives memory back as it empties: std's map API
/// ([`map_core::toolkit::Map`]) over a [`PoolStore`], plus the handle
/// methods of [`HandleMap`].
///
/// Entries are stored in a slab-style pool; a hashbrown `HashTable` of
/// 8-byte `(slot, hash)` records indexes them. A removed entry's slot is
/// reused by the next insert, so a map with a steady live set stops calling
/// the allocator. When the [`ReclaimPolicy`] finds the pool or the index too
/// big for the live entries, the pool is compacted and both shrink. See the
/// [crate docs](crate) for when to choose it and how handles behave.
///
/// # Examples
///
/// ```
/// use pooled_map::{HandleMap, PooledMap};
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
pub type PooledMap<K, V, S = DefaultHashBuilder, A = PageAlloc> =
    generic::Map<K, V, S, PoolStore<K, V, A>>;

/// A view into one entry of a [`PooledMap`].
pub type Entry<'a, K, V, S, A = PageAlloc> = generic::Entry<'a, K, V, S, PoolStore<K, V, A>>;
/// A present entry of a [`PooledMap`]; [`EntryHandle::handle`] gives its
/// handle.
pub type OccupiedEntry<'a, K, V, S, A = PageAlloc> =
    generic::OccupiedEntry<'a, K, V, S, PoolStore<K, V, A>>;
/// An absent entry of a [`PooledMap`].
pub type VacantEntry<'a, K, V, S, A = PageAlloc> =
    generic::VacantEntry<'a, K, V, S, PoolStore<K, V, A>>;
/// Iterator over `(&K, &V)`, in pool order.
pub type Iter<'a, K, V> = generic::Iter<store::Iter<'a, K, V>>;
/// Iterator over `(&K, &mut V)`, in pool order.
pub type IterMut<'a, K, V> = generic::IterMut<store::IterMut<'a, K, V>>;
/// Owning iterator over `(K, V)`.
pub type IntoIter<K, V, A = PageAlloc> = generic::IntoIter<store::IntoIter<K, V, A>>;
/// Iterator over the keys.
pub type Keys<'a, K, V> = map_core::toolkit::iter::Keys<Iter<'a, K, V>>;
/// Iterator over the values.
pub type Values<'a, K, V> = map_core::toolkit::iter::Values<Iter<'a, K, V>>;
/// Iterator over mutable values.
pub type ValuesMut<'a, K, V> = map_core::toolkit::iter::ValuesMut<IterMut<'a, K, V>>;
/// Owning iterator over the keys.
pub type IntoKeys<K, V, A = PageAlloc> = map_core::toolkit::iter::IntoKeys<IntoIter<K, V, A>>;
/// Owning iterator over the values.
pub type IntoValues<K, V, A = PageAlloc> = map_core::toolkit::iter::IntoValues<IntoIter<K, V, A>>;
/// Iterator that removes every entry.
pub type Drain<'a, K, V, A = PageAlloc> =
    generic::Drain<store::Drain<'a, K, V, A>, store::IntoIter<K, V, A>>;
/// Lazy iterator removing the entries a predicate picks.
pub type ExtractIf<'a, K, V, F, S, A = PageAlloc> =
    generic::ExtractIf<'a, K, V, F, S, PoolStore<K, V, A>>;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
