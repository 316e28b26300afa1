//! What an author of another reclaiming map builds on.
//!
//! [`HashMap`](crate::HashMap) is one way to hold entries; arena-map,
//! pooled-map and sync-map hold them in an arena, a pool or two copies. They
//! all keep the same promises (capacity floors, nothing given back unless an
//! entry left, the same hysteresis, one meaning for `clear()`) because none
//! of them decides when to shrink: a map describes its storage through
//! [`Storage`] and calls its [`Reclaimer`] around each operation; the
//! reclaimer decides under the map's [`ReclaimPolicy`](crate::ReclaimPolicy)
//! and keeps its [`MemoryStats`](crate::MemoryStats). This module holds that protocol and the parts a storage
//! is usually built from:
//!
//! * [`Map`]: std's map API (constructors, entries, iterators, the std
//!   traits, serde and [`ReclaimMap`](crate::ReclaimMap)) written once over
//!   any [`Store`]. [`HashMap`](crate::HashMap) is `Map` over one hashbrown
//!   table ([`Table`](crate::Table)); split-map's `SplitMap` is `Map` over
//!   a directory of small tables, arena-map's `ArenaMap` over a table in an
//!   arena, pooled-map's `PooledMap` over a slot pool and its index (its
//!   handles are a trait of its own, beside). A new map is a new [`Store`]: the
//!   workspace's `map-core/tests/vec_store.rs` is a complete one (entries
//!   in a `Vec`), with the conformance kit's suite and a serde round trip,
//!   in 268 lines.
//! * [`Store`]: what a map's storage does (find, insert a new key, remove,
//!   retain, iterate, make room, shrink), and where it applies the policy
//!   to a removal (after each one, and once after a bulk removal:
//!   [`Store::after_takes`]); [`View`] shows a store to the protocol below.
//! * [`StableStore`]: a store whose positions stay put while entries are
//!   only taken out; over one, `Map` also has `extract_if`,
//!   `get_disjoint_mut` and `get_disjoint_key_value_mut` (the workspace's
//!   table stores and its pool are; the `Vec` walkthrough is not).
//! * [`Storage`]: what a storage tells the protocol (length, capacity,
//!   bytes) and how the protocol shrinks, compacts or clears it;
//!   [`ShrinkError`] says why a shrink left it as it was.
//! * [`Reclaimer`]: one map's policy and running statistics. Its protocol
//!   methods (the table below) drive a [`Storage`]; the decisions behind
//!   them (when, how far, the floors) are its own.
//! * [`table`]: shrinking and moving a `hashbrown::HashTable` without
//!   aborting and without losing entries to a panicking hasher, and its
//!   capacity arithmetic. The only place where hashbrown's table shows in
//!   map-core's API.
//! * [`iter`]: the key and value views (`Keys`, `Values`, `ValuesMut`,
//!   `IntoKeys`, `IntoValues`) over any iterator of pairs, so a map's
//!   `keys()` or `into_values()` is one line.
//! * [`reclaim_map_by_inherent_methods!`] implements
//!   [`ReclaimMap`](crate::ReclaimMap) for a map whose inherent methods
//!   already have the contract's names.
//!
//! A program that only uses the maps needs none of this: the maps, their
//! policy and their figures are at the crate root.
//!
//! # The protocol
//!
//! | the map's operation | the protocol call |
//! |---|---|
//! | an entry left (`remove`, entry removal) | [`Reclaimer::on_remove`] |
//! | entries left in bulk (`retain`, `extract_if`) | [`Store::after_takes`], by default [`Reclaimer::on_remove`] once |
//! | an insert is about to add an entry | [`Reclaimer::on_insert`] |
//! | the storage is full and about to grow | [`Reclaimer::refill_target`] |
//! | `with_capacity`, `reserve`, `try_reserve` succeeded | [`Reclaimer::request_capacity`] |
//! | `set_policy` | [`Reclaimer::on_set_policy`] |
//! | `clear` | [`Reclaimer::on_clear_storage`] |
//! | `reclaim()`, `shrink_to_fit` | [`Reclaimer::reclaim_storage`] |
//! | `shrink_to(n)` | [`Reclaimer::shrink_storage_to`] |
//! | `memory()` | [`Reclaimer::stats`] |
//!
//! The decisions (when, how far, the floors, the hysteresis) are the
//! [`Reclaimer`]'s, and so is the accounting in
//! [`MemoryStats`](crate::MemoryStats): every
//! storage reports the same way. A storage only has to do what it is asked
//! and report its bytes truthfully.
//!
//! # Example
//!
//! A storage that is a plain vector of entries:
//!
//! ```
//! use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
//! use map_core::ReclaimPolicy;
//!
//! struct Entries(Vec<(u64, u64)>);
//!
//! impl Storage for Entries {
//!     fn len(&self) -> usize { self.0.len() }
//!     fn capacity(&self) -> usize { self.0.capacity() }
//!     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
//!     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
//!         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
//!         self.0.shrink_to(capacity);
//!         Ok(())
//!     }
//!     fn clear_storage(&mut self, keep: bool) {
//!         self.0.clear();
//!         if !keep { self.0 = Vec::new(); }
//!     }
//! }
//!
//! let mut reclaimer = Reclaimer::new(ReclaimPolicy::default());
//! let mut entries = Entries((0..10_000).map(|i| (i, i)).collect());
//! while entries.0.len() > 10 {
//!     entries.0.pop();
//!     reclaimer.on_remove(&mut entries);
//! }
//! assert!(entries.capacity() < 100);
//! assert!(reclaimer.stats(entries.allocated_bytes()).reclaims >= 1);
//! ```

pub mod iter;
pub mod map;
#[cfg(feature = "rayon")]
pub mod par;
mod storage;
pub mod store;
pub mod table;

pub use crate::policy::Reclaimer;
pub use map::{alloc_failed, ExtractIf, InsertError, Map};
#[cfg(feature = "rayon")]
pub use par::ParStore;
pub use storage::Storage;
pub use store::{DefaultStore, Piece, Place, StableStore, Store, View};

/// Implements [`ReclaimMap`](crate::ReclaimMap) for a single-owner map whose
/// inherent methods already have the trait's names and signatures (`get`
/// returning `Option<&V>`, and an `iter()` yielding `(&K, &V)`), so each map
/// states the contract once instead of repeating thirteen forwarding
/// methods.
///
/// The generic parameters must include `K` and `V` by those names.
///
/// ```ignore
/// map_core::toolkit::reclaim_map_by_inherent_methods!(
///     impl [K, V, S] for MyMap<K, V, S> where [K: Eq + Hash, S: BuildHasher]
/// );
/// ```
#[doc(inline)]
pub use crate::__reclaim_map_by_inherent_methods as reclaim_map_by_inherent_methods;

/// Why a shrink, a compaction or a move ([`table::try_shrink`],
/// [`table::try_move`], [`Storage::shrink_to`], [`Storage::compact`]) left
/// the storage as it was.
///
/// `#[non_exhaustive]`: a storage may have other reasons to refuse in a
/// later version. Whatever the reason, the storage is unchanged.
///
/// ```
/// use map_core::toolkit::ShrinkError;
///
/// assert_eq!(
///     ShrinkError::AllocFailed.to_string(),
///     "the allocator refused the new table"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShrinkError {
    /// A table for the target capacity would not be smaller.
    NoGain,
    /// The allocator refused the new table.
    AllocFailed,
}

impl core::fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ShrinkError::NoGain => "a table of that capacity would not be smaller",
            ShrinkError::AllocFailed => "the allocator refused the new table",
        })
    }
}

impl core::error::Error for ShrinkError {}
