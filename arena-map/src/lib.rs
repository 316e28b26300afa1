//! Hash maps in a bump arena that stay bounded: [`ArenaMap`] keeps the core
//! map's table in a bump arena it owns, and [`StrMap`] / [`BytesMap`] also
//! copy their string keys into an arena.
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
//! The arena is the crate's own: it takes its chunks, and the block holding
//! its own state, from an `allocator_api2` allocator, the global one unless
//! an [`ArenaMap`] was made with one of its own (`ArenaMap::new_in(alloc)`,
//! `with_capacity_in`, `with_hasher_in`, `with_capacity_and_hasher_in`;
//! [`StrMap`] and [`BytesMap`] use the global one), so `memory()` is
//! exactly what that allocator holds for the map. An
//! allocator may keep a freed chunk resident for later (glibc's malloc in
//! its heap, jemalloc and mimalloc until their purge timers run). So that a
//! dropped or compacted arena leaves the process's resident memory whatever
//! the allocator, an arena of 1 MiB or more discards the pages of its
//! chunks before freeing them (`madvise(MADV_DONTNEED)` on Linux and
//! Android; elsewhere the allocator decides).
//!
//! # When to pick an arena map
//!
//! * Many string keys: [`StrMap`] copies each key into the arena with a
//!   pointer bump, so a million keys make a few dozen allocations instead of
//!   a million, build faster than a `HashMap<String, _>`, and are freed as a
//!   few chunks.
//! * Build-then-drop maps, per-request or per-phase maps: [`clear`] and drop
//!   free whole chunks, keys and values are still dropped exactly once.
//! * A hard memory budget: [`MemoryLimit::with_memory_limit`] (and
//!   [`ArenaKeyMap::with_memory_limit`]) and `try_insert` refuse to grow
//!   past it and keep every entry.
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
//!   fresh arena (a panicking `Hash` loses nothing), which makes inserts
//!   into a growing map slower than hashbrown's in-place resize. Lookups and removals cost the
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
//! * `rayon`: parallel iteration, extension and draining of [`ArenaMap`]
//!   (`par_iter`, `par_iter_mut`, `par_keys`, `par_values`, `par_drain`,
//!   `into_par_iter`, `par_extend`, `collect`). The table's allocator is a
//!   reference to its arena, which one thread at a time may use, so
//!   `par_drain` and `into_par_iter` take the entries out on the calling
//!   thread first, into a vector from the global allocator, and hand them
//!   to rayon from there.
//!
//! The features are off by default; the documentation on docs.rs is built
//! with it on, so the impls show there.
//!
//! [`clear`]: map_core::toolkit::Map::clear
//! [`ReclaimPolicy`]: map_core::ReclaimPolicy

#![warn(missing_docs)]
// `unsafe` lives in `raw` only, which opts back in.
#![deny(unsafe_code)]

mod error;
pub mod keyed;
mod raw;
#[cfg(feature = "serde")]
mod serde_impl;
mod store;

use map_core::toolkit::map as generic;

pub use error::{ArenaError, TryInsertError};
pub use keyed::{ArenaKeyMap, BytesMap, EntryRef, OccupiedEntryRef, StrMap, VacantEntryRef};
pub use raw::{ArenaKey, ArenaRef, ArenaTable, IntoEntries};

pub use map_core::toolkit::InsertError;
pub use map_core::{
    DefaultHashBuilder, Equivalent, MemoryStats, ReclaimMap, ReclaimPolicy, TryReserveError,
};

use allocator_api2::alloc::Allocator;
use map_core::Global;

/// A hash map whose table lives in a bump arena it owns, and that gives
/// the arena back as it empties: map-core's [`Map`](map_core::toolkit::Map)
/// over an [`ArenaTable`].
///
/// The API is std's `HashMap` (the same as `map_core::HashMap`'s, written
/// once in map-core). Every change of table size (growth, a shrink the
/// [`ReclaimPolicy`] asks for, `reclaim`) moves the entries into a fresh
/// arena sized for them and frees the old arena whole, so no outgrown table
/// stays behind in the arena. `clear` and drop free whole chunks. `memory`
/// counts the arena's chunks.
///
/// With a memory limit ([`MemoryLimit`]) the arena never grows past a byte
/// budget: `try_insert` and `try_reserve` report the refusal (an
/// `AllocError` whose layout is the arena that would have passed the limit)
/// and leave the map as it was; `insert` panics with the limit.
///
/// The arena's chunks come from the allocator `A`, the global one by
/// default; `new_in`, `with_capacity_in`, `with_hasher_in` and
/// `with_capacity_and_hasher_in` take another, and `allocator()` returns
/// it. Every byte of the map is then that allocator's, and `memory()` is
/// exactly what it holds for the map.
///
/// The map is `Send` when its contents and allocator are, and `Sync` too:
/// shared access never touches the arena.
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
/// On an allocator of its own:
///
/// ```
/// use arena_map::ArenaMap;
/// use map_core::Global;
///
/// let mut map = ArenaMap::new_in(Global);
/// map.insert(1u64, "one");
/// let _: &Global = map.allocator();
/// assert_eq!(map[&1], "one");
/// ```
pub type ArenaMap<K, V, S = DefaultHashBuilder, A = Global> =
    generic::Map<K, V, S, ArenaTable<K, V, A>>;

/// A view into one entry of an [`ArenaMap`], from `ArenaMap::entry`.
pub type Entry<'a, K, V, S, A = Global> = generic::Entry<'a, K, V, S, ArenaTable<K, V, A>>;
/// A present key's entry.
pub type OccupiedEntry<'a, K, V, S, A = Global> =
    generic::OccupiedEntry<'a, K, V, S, ArenaTable<K, V, A>>;
/// An absent key's entry: inserting makes room in the arena first.
pub type VacantEntry<'a, K, V, S, A = Global> =
    generic::VacantEntry<'a, K, V, S, ArenaTable<K, V, A>>;
/// Iterator over `(&K, &V)`, from `ArenaMap::iter`.
pub type Iter<'a, K, V> = map_core::Iter<'a, K, V>;
/// Iterator over `(&K, &mut V)`, from `ArenaMap::iter_mut`.
pub type IterMut<'a, K, V> = map_core::IterMut<'a, K, V>;
/// Owning iterator over `(K, V)`; the arena goes with it.
pub type IntoIter<K, V, A = Global> = generic::IntoIter<IntoEntries<K, V, A>>;
/// Owning iterator over the keys.
pub type IntoKeys<K, V, A = Global> = map_core::toolkit::iter::IntoKeys<IntoIter<K, V, A>>;
/// Owning iterator over the values.
pub type IntoValues<K, V, A = Global> = map_core::toolkit::iter::IntoValues<IntoIter<K, V, A>>;
/// Iterator that removes every entry, from `ArenaMap::drain`.
pub type Drain<'a, K, V, A = Global> =
    generic::Drain<hashbrown::hash_table::Drain<'a, (K, V), ArenaRef<A>>, IntoEntries<K, V, A>>;
/// Lazy iterator removing the entries a predicate picks, from
/// `ArenaMap::extract_if`.
pub type ExtractIf<'a, K, V, F, S, A = Global> =
    generic::ExtractIf<'a, K, V, F, S, ArenaTable<K, V, A>>;

/// A byte budget for an [`ArenaMap`]'s arena: past it, the map refuses to
/// grow and keeps every entry.
///
/// ```
/// use arena_map::{ArenaMap, MemoryLimit};
/// use map_core::ReclaimMap;
///
/// let mut map: ArenaMap<u64, u64> = ArenaMap::with_memory_limit(16 * 1024);
/// assert_eq!(map.memory_limit(), Some(16 * 1024));
/// assert_eq!(map.try_insert(0, 0).ok(), Some(None));
/// let refused = (1..).find_map(|i| map.try_insert(i, i).err()).unwrap();
/// assert!(!map.contains_key(&refused.key));
/// assert!(map.memory().allocated_bytes <= 16 * 1024);
/// // A present key is updated even at the limit.
/// assert_eq!(map.try_insert(0, 7).ok(), Some(Some(0)));
/// map.set_memory_limit(None);
/// map.insert(refused.key, refused.value);
/// ```
pub trait MemoryLimit {
    /// An empty map whose arena never holds more than `bytes`.
    fn with_memory_limit(bytes: usize) -> Self;
    /// Sets (`Some`) or lifts (`None`) the limit; the entries already held
    /// stay, even past a lower limit, but the table grows no more past it.
    fn set_memory_limit(&mut self, bytes: Option<usize>);
    /// The limit in force, if any.
    fn memory_limit(&self) -> Option<usize>;
}

impl<K, V, S: Default, A: Allocator + Clone + Default> MemoryLimit for ArenaMap<K, V, S, A> {
    fn with_memory_limit(bytes: usize) -> Self {
        let mut map = Self::with_hasher_in(S::default(), A::default());
        map.set_memory_limit(Some(bytes));
        map
    }

    fn set_memory_limit(&mut self, bytes: Option<usize>) {
        self.storage_mut().set_memory_limit(bytes);
    }

    fn memory_limit(&self) -> Option<usize> {
        self.storage().memory_limit()
    }
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
