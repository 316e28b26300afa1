//! A hash map that gives memory back and never pauses to resize.
//!
//! `std`'s `HashMap` grows by moving every entry into a table twice as
//! large: at ten million entries that single insert takes hundreds of
//! milliseconds, and a map that shrinks (as `map_core::HashMap` does) pays
//! the same on the `remove` that shrinks it. [`SplitMap`] spreads its
//! entries over many small SwissTables (hashbrown's `HashTable`) found
//! through a directory (extendible hashing): a full table splits in two, a
//! sparse one shrinks, two sparse siblings merge, and the directory doubles
//! and halves. Every resize moves the entries of one or two tables of at
//! most 128 KiB of buckets ([`MAX_TABLE_BYTES`]), never the whole map.
//!
//! The bound was chosen by measurement; the README gives the figures:
//! what a split costs, and what smaller or larger tables change.
//!
//! # When to pick it
//!
//! * Large maps on a latency budget: no single `insert` or `remove` moves
//!   more than one table's worth of entries (see the README for the
//!   measured longest operations at ten million entries).
//! * You want memory back as the map empties, as with `map_core::HashMap`,
//!   under the same [`ReclaimPolicy`].
//!
//! Not when the map is small (up to a few thousand entries it is one table,
//! like `map_core::HashMap`, with a little more bookkeeping), or when lookup
//! speed matters more than pauses: a lookup reads its table's header from
//! the directory before the table, and the entries are spread over many
//! tables, so it takes longer than hashbrown's (the README has the figures).
//!
//! # Example
//!
//! ```
//! use split_map::SplitMap;
//! use map_core::ReclaimMap;
//!
//! let mut sessions: SplitMap<u64, [u8; 64]> = SplitMap::new();
//! for id in 0..200_000 {
//!     sessions.insert(id, [0; 64]);
//! }
//! assert!(sessions.storage().table_count() > 1, "spread over small tables");
//! let filled = sessions.memory().allocated_bytes;
//! for id in 0..200_000 {
//!     sessions.remove(&id);
//! }
//! assert!(sessions.memory().allocated_bytes * 100 <= filled);
//! ```
//!
//! # The policy, table by table
//!
//! The map has one [`Reclaimer`](map_core::toolkit::Reclaimer) and applies its
//! [`ReclaimPolicy`] to each table: after a removal, a table that has
//! become sparse (`shrink_ratio` times more room than entries) shrinks to
//! `headroom` times its entries, and two sibling tables whose entries fit,
//! with headroom, in no more buckets than the larger of them merge into
//! one; an empty table frees its buckets. Nothing is given back below the
//! capacity floor (`with_capacity`, `reserve`, `shrink_to`), and `clear()`
//! keeps the tables for a refill as `map_core::HashMap` does. `reclaim()`
//! and `shrink_to_fit()` compact the whole map (every entry moves once).
//!
//! One setting works differently: a table shrinks at the removal that
//! makes it sparse by `shrink_ratio` whatever the policy's `drain_ratio`
//! (which, on `map_core::HashMap`, lets a draining map wait for its next
//! insert), and that insert has nothing left to catch up. With the default
//! policy (`drain_ratio` equal to `shrink_ratio`) the two maps end a drain
//! at the same size.
//!
//! # The API
//!
//! [`SplitMap`] is map-core's [`Map`](map_core::toolkit::Map) over
//! [`SplitTables`]: the same std API, entries, iterators, std traits, serde
//! and [`ReclaimMap`] as `map_core::HashMap` (`entry_ref`, `extract_if` and
//! `get_disjoint_mut` included), written once in map-core. Differences from
//! std:
//!
//! * The borrowing iterators name the allocator (`Iter<'a, K, V, A>`), and
//!   the allocator must be `Clone` (every table holds one).
//! * `capacity()` is the sum of the tables' capacities; keys crowding into
//!   one table split it before `len` reaches `capacity` (a bounded step).
//! * `try_insert` reports an allocation failure (it is not std's unstable
//!   `try_insert`).
//!
//! # Features
//!
//! * `std` (default): without it the crate is `#![no_std]` with `alloc`.
//! * `serde`: `Serialize` and `Deserialize` for [`SplitMap`], as a map.
//! * `rayon`: parallel iteration, extension and draining (`par_iter`,
//!   `par_iter_mut`, `par_keys`, `par_values`, `par_drain`,
//!   `into_par_iter`, `par_extend`, `collect`), the work split by table and
//!   each table by its buckets; needs `std`.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod iter;
#[cfg(feature = "rayon")]
mod par;
mod store;
// The directory's images of the tables, its index read within the mask
// it keeps, the in-place trims of its vectors, and the probe of a large
// reservation (see the module's docs).
#[allow(unsafe_code)]
mod tables;

use map_core::toolkit::map as generic;
use map_core::PageAlloc;

pub use iter::{DrainEntries, Entries, EntriesMut, IntoEntries};
pub use map_core::toolkit::InsertError;
pub use map_core::{
    DefaultHashBuilder, Equivalent, MemoryStats, ReclaimMap, ReclaimPolicy, TryReserveError,
};
pub use store::SplitTables;

/// A hash map that gives memory back as it empties and never pauses to
/// resize: its entries live in many small tables, and every resize moves
/// one of them (see the [crate docs](crate)).
///
/// The API is std's `HashMap`, plus `_in` constructors for any
/// [`allocator_api2`] allocator (which must be `Clone`: every table holds
/// one) and the [`ReclaimMap`] contract: map-core's
/// [`Map`](map_core::toolkit::Map) over [`SplitTables`]. The default
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
pub type SplitMap<K, V, S = DefaultHashBuilder, A = PageAlloc> =
    generic::Map<K, V, S, SplitTables<K, V, A>>;

/// A view into one entry of a [`SplitMap`], from `SplitMap::entry`.
pub type Entry<'a, K, V, S, A = PageAlloc> = generic::Entry<'a, K, V, S, SplitTables<K, V, A>>;
/// A present key's entry.
pub type OccupiedEntry<'a, K, V, S, A = PageAlloc> =
    generic::OccupiedEntry<'a, K, V, S, SplitTables<K, V, A>>;
/// An absent key's entry: inserting makes room in its table first.
pub type VacantEntry<'a, K, V, S, A = PageAlloc> =
    generic::VacantEntry<'a, K, V, S, SplitTables<K, V, A>>;
/// An entry looked up by a borrowed key, from `SplitMap::entry_ref`.
pub type EntryRef<'a, 'b, K, Q, V, S, A = PageAlloc> =
    generic::EntryRef<'a, 'b, K, Q, V, S, SplitTables<K, V, A>>;
/// An absent entry looked up by a borrowed key.
pub type VacantEntryRef<'a, 'b, K, Q, V, S, A = PageAlloc> =
    generic::VacantEntryRef<'a, 'b, K, Q, V, S, SplitTables<K, V, A>>;
/// Iterator over `(&K, &V)`, table after table.
pub type Iter<'a, K, V, A = PageAlloc> = generic::Iter<Entries<'a, K, V, A>>;
/// Iterator over `(&K, &mut V)`, table after table.
pub type IterMut<'a, K, V, A = PageAlloc> = generic::IterMut<EntriesMut<'a, K, V, A>>;
/// Owning iterator over `(K, V)`; each table is freed once it is done.
pub type IntoIter<K, V, A = PageAlloc> = generic::IntoIter<IntoEntries<K, V, A>>;
/// Iterator over `&K`.
pub type Keys<'a, K, V, A = PageAlloc> = map_core::toolkit::iter::Keys<Iter<'a, K, V, A>>;
/// Iterator over `&V`.
pub type Values<'a, K, V, A = PageAlloc> = map_core::toolkit::iter::Values<Iter<'a, K, V, A>>;
/// Iterator over `&mut V`.
pub type ValuesMut<'a, K, V, A = PageAlloc> =
    map_core::toolkit::iter::ValuesMut<IterMut<'a, K, V, A>>;
/// Owning iterator over the keys.
pub type IntoKeys<K, V, A = PageAlloc> = map_core::toolkit::iter::IntoKeys<IntoIter<K, V, A>>;
/// Owning iterator over the values.
pub type IntoValues<K, V, A = PageAlloc> = map_core::toolkit::iter::IntoValues<IntoIter<K, V, A>>;
/// Lazy iterator removing the entries a predicate picks, from
/// `SplitMap::extract_if`. Dropping it stops the removal; the tables it
/// left sparse are shrunk or merged then.
pub type ExtractIf<'a, K, V, F, S, A = PageAlloc> =
    generic::ExtractIf<'a, K, V, F, S, SplitTables<K, V, A>>;
/// Iterator that removes every entry, from `SplitMap::drain`.
pub type Drain<'a, K, V, A = PageAlloc> =
    generic::Drain<DrainEntries<'a, K, V, A>, IntoEntries<K, V, A>>;

/// Bytes of buckets one table holds at most before it splits: the bound on
/// what any single insert or remove moves.
///
/// ```
/// assert_eq!(split_map::MAX_TABLE_BYTES, 128 * 1024);
/// ```
pub const MAX_TABLE_BYTES: usize = tables::MAX_TABLE_BYTES;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
