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
//! speed matters more than pauses: a lookup reads the directory and a
//! table's header before the table, so it takes longer than hashbrown's
//! (the README has the figures).
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
//! assert!(sessions.table_count() > 1, "spread over small tables");
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
//! # Differences from std
//!
//! * The borrowing iterators name the allocator (`Iter<'a, K, V, A>`), and
//!   the allocator must be `Clone` (every table holds one).
//! * `capacity()` is the sum of the tables' capacities; keys crowding into
//!   one table split it before `len` reaches `capacity` (a bounded step).
//! * [`try_insert`](SplitMap::try_insert) reports an allocation failure
//!   (it is not std's unstable `try_insert`).
//!
//! # Features
//!
//! * `std` (default): without it the crate is `#![no_std]` with `alloc`.
//! * `serde`: `Serialize` and `Deserialize` for [`SplitMap`], as a map.

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod entry;
mod iter;
mod map;
#[cfg(feature = "serde")]
mod serde_impl;
mod tables;

pub use entry::{Entry, OccupiedEntry, VacantEntry};
pub use iter::{Drain, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values, ValuesMut};
pub use map::{InsertError, SplitMap};
pub use map_core::{DefaultHashBuilder, MemoryStats, ReclaimMap, ReclaimPolicy};

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
