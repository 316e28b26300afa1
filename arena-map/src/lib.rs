//! Hash maps in a bump arena that stay bounded: [`ArenaMap`] keeps the core
//! map's table in a [`bumpalo`] arena it owns, and [`StrMap`] /
//! [`BytesMap`] also copy their string keys into an arena.
//!
//! Allocation in an arena is a pointer bump and freeing everything at once
//! is nearly free, but an arena frees nothing else: a hash table that grows
//! inside one leaves every outgrown table behind, and `shrink_to_fit` adds a
//! table instead of returning one. These maps never resize inside an arena.
//! Every change of table size moves the live entries into a fresh arena
//! sized for them and drops the old arena whole; removed arena-owned keys
//! are counted as garbage, and when the garbage outweighs the live keys
//! they are copied into a fresh arena the same way. When to shrink and when
//! to compact is decided by map-core's [`ReclaimPolicy`], as for every map
//! in the workspace; the arena only supplies how. Each move is paid for by
//! the inserts or removals since the last one, so the cost stays amortised
//! O(1).
//!
//! bumpalo takes its chunks from the global allocator, which may keep a
//! freed chunk resident for later (glibc's malloc in its heap, jemalloc and
//! mimalloc until their purge timers run). So that a dropped or compacted
//! arena leaves the process's resident memory whatever the allocator, an
//! arena of 1 MiB or more discards the pages of its chunks before freeing
//! them (`madvise(MADV_DONTNEED)` on Linux and Android; elsewhere the
//! allocator decides).
//!
//! # When to pick an arena map
//!
//! * Many string keys: [`StrMap`] copies each key into the arena with a
//!   pointer bump, so a million keys make a few dozen allocations instead of
//!   a million, build faster than a `HashMap<String, _>`, and are freed as a
//!   few chunks.
//! * Build-then-drop maps, per-request or per-phase maps: [`clear`] and drop
//!   free whole chunks, keys and values are still dropped exactly once.
//! * A hard memory budget: [`ArenaMap::with_memory_limit`] and
//!   [`try_insert`] refuse to grow past it and keep every entry.
//!
//! # When not to
//!
//! * Heavy churn of string keys with a steady live set: removed keys stay in
//!   the arena until the next compaction copies the survivors, so the map
//!   holds up to `1 + garbage_ratio` times the live key bytes and pays for
//!   the copies. A `pooled-map` reuses slots instead.
//! * Keys or values that own heap memory (`String`, `Vec`) in an
//!   [`ArenaMap`]: only the table is in the arena, so there is little to
//!   gain over `map_core::HashMap`.
//! * Maps that grow from empty on a hot path: each growth is a move into a
//!   fresh arena that hashes every key before moving any (so that a
//!   panicking `Hash` loses nothing), which makes inserts into a growing map
//!   slower than hashbrown's in-place resize. Lookups and removals cost the
//!   same; `with_capacity` or `reserve` up front avoids the moves.
//! * Sharing between threads: use `sync-map`. (These maps are `Send` and
//!   `Sync`, but single-writer like std's.)
//!
//! # Example
//!
//! ```
//! use arena_map::{ArenaMap, StrMap};
//! use map_core::ReclaimMap;
//!
//! // Table in the arena; memory goes back as the map empties.
//! let mut cache: ArenaMap<u64, [u8; 128]> = ArenaMap::new();
//! for id in 0..50_000 {
//!     cache.insert(id, [0; 128]);
//! }
//! let filled = cache.memory().allocated_bytes;
//! for id in 0..50_000 {
//!     cache.remove(&id);
//! }
//! assert!(cache.memory().allocated_bytes * 100 <= filled);
//!
//! // String keys copied into the arena, looked up by `&str`.
//! let mut index: StrMap<usize> = StrMap::new();
//! for (line, word) in ["alpha", "beta", "gamma"].into_iter().enumerate() {
//!     index.insert_str(word, line);
//! }
//! assert_eq!(index.get("beta"), Some(&1));
//! assert!(!index.contains_key("delta"));
//! ```
//!
//! # Safety
//!
//! A map and the arena it borrows are one value. All the `unsafe` code is
//! in one private module, which never hands the arena reference or an
//! arena-backed key out, and drops the map before the arena. The test suite
//! runs under AddressSanitizer.
//!
//! # Features
//!
//! * `serde`: `Serialize` and `Deserialize` for [`ArenaMap`] and
//!   [`ArenaKeyMap`], as maps. [`StrMap`] keys are written as strings,
//!   [`BytesMap`] keys as byte strings (a format without them, such as JSON,
//!   cannot write a `BytesMap`, but can read one from string keys).
//!   Deserializing takes the input's length hint only as far as a few
//!   thousand entries and never as a capacity floor; a refused insert (a
//!   memory limit, a failed allocation) is an error, not a panic. The
//!   policy is not serialized: a deserialized map has the automatic one.
//!
//! The feature is off by default; the documentation on docs.rs is built
//! with it on, so the impls show there.
//!
//! [`clear`]: ArenaMap::clear
//! [`try_insert`]: ArenaMap::try_insert
//! [`ReclaimPolicy`]: map_core::ReclaimPolicy

#![warn(missing_docs)]
// `unsafe` lives in `raw` only, which opts back in.
#![deny(unsafe_code)]

mod entry;
mod error;
mod iter;
pub mod keyed;
mod map;
mod raw;
#[cfg(feature = "serde")]
mod serde_impl;

pub use entry::{Entry, OccupiedEntry, VacantEntry};
pub use error::{ArenaError, TryInsertError};
pub use iter::{Drain, IntoIter, IntoKeys, IntoValues};
pub use keyed::{ArenaKeyMap, BytesMap, EntryRef, OccupiedEntryRef, StrMap, VacantEntryRef};
pub use map::ArenaMap;
pub use raw::ArenaKey;

pub use bumpalo;
pub use map_core::{DefaultHashBuilder, MemoryStats, ReclaimMap, ReclaimPolicy};

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
