//! The self-referential core: a table and the arena it lives in, owned
//! together. All of the crate's `unsafe` is in this module.
//!
//! The invariant everything rests on: an [`ArenaRef`] (the allocator of a
//! table in an arena) or a [`KeyRef`] exists only inside a value that also
//! owns the arena it points into, and that value drops the borrower before
//! the arena (field order), never hands the reference out, and never gives
//! safe code a way to separate the two (no `&mut` to the inner table, no
//! owned `ArenaRef` or `KeyRef` leaving this module).
//! An arena's state sits in a block of its own at a stable address (see
//! [`arena`]) and is never mutated through `&mut` while borrowed, so the
//! references stay valid for as long as their owner lives.

#![allow(unsafe_code)]

mod arena;

use core::alloc::Layout;
use core::cell::Cell;
use core::hash::{BuildHasher, Hash, Hasher};
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop};
use core::ptr::NonNull;
use std::borrow::Borrow;

use allocator_api2::alloc::{AllocError, Allocator, Global};
use hashbrown::hash_table;
use hashbrown::HashTable;
use map_core::toolkit::ShrinkError;

use crate::error::ArenaError;
pub(crate) use arena::Arena;
use arena::Bump;

// ---------------------------------------------------------------------------
// Table sizes

/// The allocation a hash table of `T` with room for `capacity` entries
/// makes (`None` if it makes none), as hashbrown itself computes it.
pub(crate) fn table_layout<T>(capacity: usize) -> Result<Option<Layout>, ArenaError> {
    map_core::toolkit::table::layout_for::<T>(capacity).map_err(|_| ArenaError::CapacityOverflow)
}

/// Arena bytes to ask for so that one table of `capacity` entries fits in
/// the first chunk, whatever the alignment of the bump pointer.
pub(crate) fn table_arena_request<T>(capacity: usize) -> Result<usize, ArenaError> {
    Ok(table_layout::<T>(capacity)?.map_or(0, |l| l.size() + l.align()))
}

// ---------------------------------------------------------------------------
// ArenaTable

/// The allocator of an [`ArenaTable`]'s hash table: the arena of the
/// `ArenaTable` that holds it, or none for a table that has no arena yet
/// (an empty table, which never allocates). `A` is the allocator the
/// arena's chunks come from.
pub struct ArenaRef<A = Global>(Option<NonNull<Bump<A>>>);

impl<A> Clone for ArenaRef<A> {
    fn clone(&self) -> Self {
        Self(self.0)
    }
}

// SAFETY: a block comes from the arena behind the pointer, which outlives
// every table holding this `ArenaRef` (the module invariant: the table is
// stored beside its arena, before it, and never handed out), so blocks stay
// valid until the table is dropped, and every copy of the reference points
// to the same arena, which can free any of its blocks (it rewinds its
// newest allocation and otherwise keeps the bytes until the arena drops).
// With no arena, nothing is ever allocated, so nothing is freed.
unsafe impl<A: Allocator> Allocator for ArenaRef<A> {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        match self.0 {
            Some(bump) => {
                // SAFETY: the arena is alive (see above), and only shared
                // references to its state are ever made.
                let block = unsafe { bump.as_ref() }.try_alloc(layout)?;
                Ok(NonNull::slice_from_raw_parts(block, layout.size()))
            }
            None => Err(AllocError),
        }
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        if let Some(bump) = self.0 {
            // SAFETY: `ptr` was allocated by this arena with `layout` and is
            // not used again (the caller's promise), and the arena is alive.
            unsafe { bump.as_ref().dealloc(ptr, layout) };
        }
    }
}

/// A hash table of `(K, V)` entries in an arena it owns, whose chunks come
/// from the allocator `A`: the storage of [`ArenaMap`](crate::ArenaMap),
/// and of the table of an [`ArenaKeyMap`](crate::ArenaKeyMap).
///
/// The table never resizes inside its arena: every change of size moves the
/// entries into a table in a fresh arena sized for it and drops the old
/// arena whole, so no outgrown table stays behind. It is a
/// [`Store`](map_core::toolkit::Store), so [`Map`](map_core::toolkit::Map)
/// over it is a map ([`ArenaMap`](crate::ArenaMap)).
pub struct ArenaTable<K, V, A: Allocator = Global> {
    // Field order matters: `table` allocates from `arena` and is dropped
    // first.
    table: HashTable<(K, V), ArenaRef<A>>,
    arena: Option<Arena<A>>,
    /// Bytes of the table's allocation.
    table_bytes: usize,
    /// Bytes the arena may hold at most, if limited.
    pub(crate) limit: Option<usize>,
    /// Why the last refused growth was refused, for an insert that cannot
    /// report it.
    pub(crate) refused: Option<ArenaError>,
    /// The allocator of the next arenas (each arena holds a clone).
    alloc: A,
}

// SAFETY: the value owns its arena and everything in it; moving it to
// another thread moves the arena along with every reference into it (no
// reference to the arena exists outside the value), and with it the
// allocator values, hence `A: Send`.
unsafe impl<K: Send, V: Send, A: Allocator + Send> Send for ArenaTable<K, V, A> {}

// SAFETY: through `&ArenaTable` this module only reads the arena (chunk
// sizes for the memory figures) and the table's entries; the table's shared
// methods never allocate. Every write to the arena (allocation, relocation)
// takes `&mut self`. `&A` is handed out (`allocator()`), hence `A: Sync`.
unsafe impl<K: Sync, V: Sync, A: Allocator + Sync> Sync for ArenaTable<K, V, A> {}

#[cfg(feature = "rayon")]
impl<K, V, A: Allocator> ArenaTable<K, V, A> {
    /// The entries, for rayon to visit in parallel. Only the buckets are
    /// read from other threads, never the arena's allocator.
    pub(crate) fn par_iter(&self) -> hash_table::rayon::ParIter<'_, (K, V)>
    where
        K: Sync,
        V: Sync,
    {
        rayon::iter::IntoParallelIterator::into_par_iter(&self.table)
    }

    /// The entries, mutably, for rayon to visit in parallel.
    pub(crate) fn par_iter_mut(&mut self) -> hash_table::rayon::ParIterMut<'_, (K, V)>
    where
        K: Send,
        V: Send,
    {
        rayon::iter::IntoParallelIterator::into_par_iter(&mut self.table)
    }
}

impl<K, V> ArenaTable<K, V> {
    /// An empty table with no arena, allocating nothing.
    pub(crate) const EMPTY: Self = Self::empty(Global);
}

impl<K, V, A: Allocator> ArenaTable<K, V, A> {
    /// An empty table with no arena, allocating nothing; its arenas will
    /// come from `alloc`.
    pub(crate) const fn empty(alloc: A) -> Self {
        Self {
            table: HashTable::new_in(ArenaRef(None)),
            arena: None,
            table_bytes: 0,
            limit: None,
            refused: None,
            alloc,
        }
    }

    /// The allocator the arenas come from.
    pub(crate) fn allocator(&self) -> &A {
        &self.alloc
    }

    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Free slots before an insert must grow or rehash the table.
    pub(crate) fn room(&self) -> usize {
        self.table.capacity() - self.table.len()
    }

    /// Capacity as std reports it: entries insertable without reallocating.
    pub(crate) fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// The table's capacity (what `capacity()` reports with no tombstones).
    pub(crate) fn full_capacity(&self) -> usize {
        map_core::toolkit::table::capacity(&self.table)
    }

    /// Bytes of the table's allocation.
    pub(crate) fn table_bytes(&self) -> usize {
        self.table_bytes
    }

    /// Bytes held from the allocator.
    pub(crate) fn bytes(&self) -> usize {
        self.arena.as_ref().map_or(0, Arena::bytes)
    }

    pub(crate) fn find(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&(K, V)> {
        self.table.find(hash, eq)
    }

    pub(crate) fn find_mut(
        &mut self,
        hash: u64,
        eq: impl FnMut(&(K, V)) -> bool,
    ) -> Option<&mut (K, V)> {
        self.table.find_mut(hash, eq)
    }

    pub(crate) fn find_bucket(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<usize> {
        self.table.find_bucket_index(hash, eq)
    }

    pub(crate) fn bucket(&self, bucket: usize) -> Option<&(K, V)> {
        self.table.get_bucket(bucket)
    }

    pub(crate) fn bucket_mut(&mut self, bucket: usize) -> Option<&mut (K, V)> {
        self.table.get_bucket_mut(bucket)
    }

    /// See [`table::next_occupied`](map_core::toolkit::table::next_occupied).
    pub(crate) fn next_occupied(&self, cursor: &mut usize) -> Option<usize> {
        map_core::toolkit::table::next_occupied(&self.table, cursor)
    }

    /// [`toolkit::table::upsert`](map_core::toolkit::table::upsert) on the
    /// table: never grows.
    #[inline(always)]
    pub(crate) fn upsert(
        &mut self,
        hash: u64,
        entry: (K, V),
        eq: impl Fn(&K, &(K, V)) -> bool,
    ) -> Result<Option<V>, (K, V)> {
        map_core::toolkit::table::upsert(&mut self.table, hash, entry, eq, |_| 0)
    }

    /// Inserts an entry whose key is absent. Callers make room first (see
    /// [`room`](Self::room)): with none, this panics rather than grow the
    /// table inside its arena.
    pub(crate) fn insert_unique(&mut self, hash: u64, entry: (K, V)) -> usize {
        self.insert_unique_entry(hash, entry).bucket_index()
    }

    /// [`insert_unique`](Self::insert_unique), handing back the entry.
    #[inline(always)]
    pub(crate) fn insert_unique_mut(&mut self, hash: u64, entry: (K, V)) -> &mut (K, V) {
        self.insert_unique_entry(hash, entry).into_mut()
    }

    #[inline(always)]
    fn insert_unique_entry(
        &mut self,
        hash: u64,
        entry: (K, V),
    ) -> hash_table::OccupiedEntry<'_, (K, V), ArenaRef<A>> {
        assert!(self.room() > 0, "an arena table grows only by a relocation");
        // With room, hashbrown neither grows nor calls the hasher.
        self.table
            .insert_unique(hash, entry, |_| unreachable_hash())
    }

    /// Removes the entry at `bucket` (which holds one).
    pub(crate) fn remove_bucket(&mut self, bucket: usize) -> (K, V) {
        map_core::toolkit::table::remove_bucket(&mut self.table, bucket)
    }

    /// Removes the entry with this hash for which `eq` holds.
    #[inline(always)]
    pub(crate) fn remove(&mut self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<(K, V)> {
        match self.table.find_entry(hash, eq) {
            Ok(entry) => Some(entry.remove().0),
            Err(_) => None,
        }
    }

    /// [`toolkit::table::replace_entry_with`](map_core::toolkit::table::replace_entry_with)
    /// on the table.
    pub(crate) fn replace_entry_with(
        &mut self,
        bucket: usize,
        f: impl FnOnce(&K, V) -> Option<V>,
    ) -> Result<usize, K> {
        map_core::toolkit::table::replace_entry_with(&mut self.table, bucket, f)
    }

    pub(crate) fn retain(&mut self, keep: impl FnMut(&mut (K, V)) -> bool) {
        self.table.retain(keep);
    }

    pub(crate) fn get_disjoint_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        eq: impl FnMut(usize, &(K, V)) -> bool,
    ) -> [Option<&mut (K, V)>; N] {
        self.table.get_disjoint_mut(hashes, eq)
    }

    pub(crate) fn iter(&self) -> hash_table::Iter<'_, (K, V)> {
        self.table.iter()
    }

    pub(crate) fn iter_mut(&mut self) -> hash_table::IterMut<'_, (K, V)> {
        self.table.iter_mut()
    }

    /// Removes every entry and yields them, keeping the table and its arena
    /// for a refill. The iterator borrows the table, and so the arena.
    pub(crate) fn drain(&mut self) -> hash_table::Drain<'_, (K, V), ArenaRef<A>> {
        self.table.drain()
    }

    /// Drops every entry and keeps the table, and the arena chunk it lives
    /// in, for the refill.
    pub(crate) fn clear_entries(&mut self) {
        self.table.clear();
    }

    /// Takes the table and its arena out, leaving an empty table with no
    /// arena under the same limit, on the same allocator.
    pub(crate) fn take(&mut self) -> Self
    where
        A: Clone,
    {
        let empty = Self {
            limit: self.limit,
            ..Self::empty(self.alloc.clone())
        };
        mem::replace(self, empty)
    }

    /// The entries by value, the arena going along until the last is out.
    pub(crate) fn into_entries(self) -> IntoEntries<K, V, A> {
        let ArenaTable { table, arena, .. } = self;
        IntoEntries {
            entries: table.into_iter(),
            _arena: arena,
        }
    }

    /// Moves every entry into a table with room for `capacity` entries (at
    /// least the current length) in a fresh arena sized for it, and drops
    /// the old arena whole.
    ///
    /// `budget` caps the bytes the new arena may hold.
    ///
    /// # Errors
    ///
    /// The table is unchanged if the new arena would pass `budget` or cannot
    /// be allocated.
    ///
    /// # Panics
    ///
    /// If `hasher` panics; every entry is then still in the table.
    pub(crate) fn relocate(
        &mut self,
        capacity: usize,
        budget: Option<usize>,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), ArenaError>
    where
        A: Clone,
    {
        let capacity = capacity.max(self.table.len());
        if capacity == 0 {
            // Nothing to hold: no arena at all.
            drop(self.take());
            return Ok(());
        }
        let request = table_arena_request::<(K, V)>(capacity)?;
        let over = |needed: usize| match budget {
            Some(limit) if needed > limit => Err(ArenaError::MemoryLimit { limit, needed }),
            _ => Ok(()),
        };
        // What the arena will hold, exactly.
        over(Arena::<A>::size_for(request))?;
        let arena = Arena::try_with_capacity(request, self.alloc.clone())?;
        // `moved` allocates from `arena`: it is either stored next to it in
        // `self` (before it, so dropped first), or dropped before it on
        // every other path: it is declared later, so it drops earlier on an
        // early return or an unwind.
        // A panicking `hasher` leaves every entry in `self.table`.
        let moved = map_core::toolkit::table::try_move(
            &mut self.table,
            ArenaRef(Some(arena.state())),
            capacity,
            hasher,
        )
        .map_err(|_| ArenaError::AllocFailed { bytes: request })?;
        let table_bytes = moved.allocation_size();
        let fresh = ArenaTable {
            table: moved,
            arena: Some(arena),
            table_bytes,
            limit: self.limit,
            refused: None,
            alloc: self.alloc.clone(),
        };
        // The old table is empty now: dropping it runs no user code.
        drop(mem::replace(self, fresh));
        Ok(())
    }
}

impl<K, V, A: Allocator + Clone> ArenaTable<K, V, A> {
    /// Moves the entries into an arena for at least `capacity` entries (and
    /// the current length) if that frees memory.
    ///
    /// # Errors
    ///
    /// [`ShrinkError`] if it did not; the table is unchanged.
    pub(crate) fn shrink_to(
        &mut self,
        capacity: usize,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), ShrinkError> {
        let target = capacity.max(self.len());
        match table_arena_request::<(K, V)>(target) {
            Ok(request) if request < self.table_bytes => {}
            _ => return Err(ShrinkError::NoGain),
        }
        // Never refused by a limit: the new arena is smaller.
        self.relocate(target, None, hasher)
            .map_err(|_| ShrinkError::AllocFailed)
    }
}

impl<K: Clone, V: Clone, A: Allocator + Clone> Clone for ArenaTable<K, V, A> {
    /// A copy in a fresh arena of the same size, from a clone of the same
    /// allocator: the entries keep their places (nothing is rehashed).
    fn clone(&self) -> Self {
        let mut copy = Self {
            limit: self.limit,
            ..Self::empty(self.alloc.clone())
        };
        if self.table.num_buckets() == 0 {
            return copy;
        }
        let request =
            table_arena_request::<(K, V)>(self.full_capacity()).unwrap_or_else(|e| e.fail());
        let arena =
            Arena::try_with_capacity(request, self.alloc.clone()).unwrap_or_else(|e| e.fail());
        // The copy's table allocates from its own arena, stored beside it.
        copy.table = HashTable::new_in(ArenaRef(Some(arena.state())));
        copy.arena = Some(arena);
        copy.table.clone_from(&self.table);
        copy.table_bytes = copy.table.allocation_size();
        copy
    }
}

#[cold]
fn unreachable_hash() -> u64 {
    unreachable!("a table with room neither grows nor rehashes")
}

/// The entries of an arena table, by value. It owns the arena the table
/// lived in, and drops the table (what is left of it) first.
pub struct IntoEntries<K, V, A: Allocator = Global> {
    // Field order: the table's iterator frees into the arena and drops first.
    entries: hash_table::IntoIter<(K, V), ArenaRef<A>>,
    _arena: Option<Arena<A>>,
}

// SAFETY: as for `ArenaTable`: the iterator owns the arena its entries'
// table lives in, and the allocator in it.
unsafe impl<K: Send, V: Send, A: Allocator + Send> Send for IntoEntries<K, V, A> {}
// SAFETY: `&IntoEntries` gives access to nothing but the count of entries
// left (`next` takes `&mut self`); the arena and its allocator are not
// reached through it.
unsafe impl<K: Sync, V: Sync, A: Allocator> Sync for IntoEntries<K, V, A> {}

impl<K, V, A: Allocator> Iterator for IntoEntries<K, V, A> {
    type Item = (K, V);
    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.entries.next()
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl<K, V, A: Allocator> ExactSizeIterator for IntoEntries<K, V, A> {}
impl<K, V, A: Allocator> core::iter::FusedIterator for IntoEntries<K, V, A> {}

impl<K, V, A: Allocator> core::fmt::Debug for IntoEntries<K, V, A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IntoEntries")
            .field("remaining", &self.entries.len())
            .finish()
    }
}

// ---------------------------------------------------------------------------
// Arena-owned keys

mod sealed {
    /// Byte-string key types whose contents can be copied into an arena.
    pub trait Sealed {
        /// The key's bytes.
        fn key_bytes(&self) -> &[u8];

        /// The key made of `bytes`.
        ///
        /// # Safety
        ///
        /// `bytes` must be a copy of `key_bytes()` of a value of `Self`.
        unsafe fn from_key_bytes(bytes: &[u8]) -> &Self;
    }
}

/// Key types an [`ArenaKeyMap`](crate::ArenaKeyMap) copies into its arena:
/// `str` and `[u8]`.
pub trait ArenaKey: sealed::Sealed + Hash + Eq {}

impl sealed::Sealed for str {
    #[inline]
    fn key_bytes(&self) -> &[u8] {
        self.as_bytes()
    }

    #[inline]
    unsafe fn from_key_bytes(bytes: &[u8]) -> &Self {
        // SAFETY: the caller promises `bytes` are a copy of a `str`'s bytes,
        // hence valid UTF-8.
        unsafe { core::str::from_utf8_unchecked(bytes) }
    }
}
impl ArenaKey for str {}

impl sealed::Sealed for [u8] {
    #[inline]
    fn key_bytes(&self) -> &[u8] {
        self
    }

    #[inline]
    unsafe fn from_key_bytes(bytes: &[u8]) -> &Self {
        bytes
    }
}
impl ArenaKey for [u8] {}

/// A key whose bytes live in the key arena of the [`KeyedTable`] whose
/// table holds it. Neither `Clone` nor constructible outside this module,
/// so safe code only ever sees one behind a borrow of its table.
pub(crate) struct KeyRef<Q: ?Sized> {
    // A `Cell` so that compaction can repoint keys that the table only
    // lends out by shared reference; the bytes pointed to never change.
    ptr: Cell<NonNull<u8>>,
    len: usize,
    _key: PhantomData<fn() -> Q>,
}

impl<Q: ?Sized + ArenaKey> KeyRef<Q> {
    fn new(bytes: NonNull<[u8]>) -> Self {
        Self {
            ptr: Cell::new(bytes.cast()),
            len: bytes.len(),
            _key: PhantomData,
        }
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` and `len` describe a copy of a key's bytes in the
        // key arena of the table holding `self`; that arena outlives every
        // key in the table (it is dropped after the table, and compaction
        // repoints every key before dropping the old arena), and arena
        // bytes handed out are never written again. (During
        // `KeyedTable::insert` a new key briefly points at the caller's
        // borrowed bytes instead, which outlive that call.)
        unsafe { core::slice::from_raw_parts(self.ptr.get().as_ptr(), self.len) }
    }

    /// The key.
    #[inline]
    pub(crate) fn get(&self) -> &Q {
        // SAFETY: the bytes were copied from `key_bytes()` of a `Q`.
        unsafe { Q::from_key_bytes(self.bytes()) }
    }

    /// The key's length in bytes.
    pub(crate) fn byte_len(&self) -> usize {
        self.len
    }
}

impl<Q: ?Sized + ArenaKey> Borrow<Q> for KeyRef<Q> {
    #[inline]
    fn borrow(&self) -> &Q {
        self.get()
    }
}

impl<Q: ?Sized + ArenaKey> Hash for KeyRef<Q> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.get().hash(state);
    }
}

impl<Q: ?Sized + ArenaKey> PartialEq for KeyRef<Q> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<Q: ?Sized + ArenaKey> Eq for KeyRef<Q> {}

/// Caps what a key arena holds at `limit` bytes (never below what it holds
/// already).
fn limit_keys(keys: &Arena, limit: Option<usize>) {
    keys.bump().set_limit(limit.map(|l| l.max(keys.bytes())));
}

/// A table whose keys' bytes live in a second arena it owns.
pub(crate) struct KeyedTable<Q: ?Sized + ArenaKey, V, S> {
    // Field order matters: the table's keys point into `keys`, so the table
    // is dropped first.
    table: ArenaTable<KeyRef<Q>, V>,
    /// None until the first key: an empty map allocates nothing.
    keys: Option<Arena>,
    /// The limit on the key arena's bytes, if any (applied to it when it
    /// is made).
    key_limit: Option<usize>,
    hash_builder: S,
    /// Sum of the byte lengths of the keys in the table.
    live_key_bytes: usize,
    /// Bytes both arenas may hold at most, if limited.
    limit: Option<usize>,
}

// SAFETY: as for `ArenaTable`: the value owns both arenas and every pointer
// into them; key bytes are plain bytes.
unsafe impl<Q: ?Sized + ArenaKey, V: Send, S: Send> Send for KeyedTable<Q, V, S> {}

// SAFETY: through `&KeyedTable` the key pointers (`Cell`s) and the arenas
// are only read; compaction, the only writer of key pointers, and every
// allocation take `&mut self`.
unsafe impl<Q: ?Sized + ArenaKey, V: Sync, S: Sync> Sync for KeyedTable<Q, V, S> {}

impl<Q: ?Sized + ArenaKey, V, S> KeyedTable<Q, V, S> {
    pub(crate) fn with_hasher(hash_builder: S) -> Self {
        Self {
            table: ArenaTable::EMPTY,
            keys: None,
            key_limit: None,
            hash_builder,
            live_key_bytes: 0,
            limit: None,
        }
    }

    /// The limit on both arenas' bytes, if any.
    pub(crate) fn limit(&self) -> Option<usize> {
        self.limit
    }

    /// Sets the limit; the key arena's own cap follows at the next
    /// `sync_key_limit`.
    pub(crate) fn set_limit(&mut self, limit: Option<usize>) {
        self.limit = limit;
    }

    pub(crate) fn table(&self) -> &ArenaTable<KeyRef<Q>, V> {
        &self.table
    }

    pub(crate) fn hasher(&self) -> &S {
        &self.hash_builder
    }

    pub(crate) fn iter(&self) -> hash_table::Iter<'_, (KeyRef<Q>, V)> {
        self.table.iter()
    }

    pub(crate) fn iter_mut(&mut self) -> hash_table::IterMut<'_, (KeyRef<Q>, V)> {
        self.table.iter_mut()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.table.bytes() + self.key_arena_bytes()
    }

    pub(crate) fn key_arena_bytes(&self) -> usize {
        self.keys.as_ref().map_or(0, Arena::bytes)
    }

    /// Room of the key arena's chunks, handed out or not.
    pub(crate) fn key_arena_room(&self) -> usize {
        self.keys.as_ref().map_or(0, Arena::capacity)
    }

    pub(crate) fn live_key_bytes(&self) -> usize {
        self.live_key_bytes
    }

    pub(crate) fn key_garbage(&self) -> usize {
        let used = self.keys.as_ref().map_or(0, Arena::used);
        used.saturating_sub(self.live_key_bytes)
    }

    pub(crate) fn set_key_limit(&mut self, limit: Option<usize>) {
        self.key_limit = limit;
        if let Some(keys) = &self.keys {
            limit_keys(keys, limit);
        }
    }

    /// The key arena, made at the first key (fallibly, under the limit).
    fn key_arena(&mut self) -> Result<&Arena, ArenaError> {
        if self.keys.is_none() {
            let keys = Arena::try_with_capacity(0, Global)?;
            limit_keys(&keys, self.key_limit);
            self.keys = Some(keys);
        }
        Ok(self.keys.as_ref().expect("made above"))
    }
}

impl<Q: ?Sized + ArenaKey, V, S: BuildHasher> KeyedTable<Q, V, S> {
    fn hash(&self, key: &Q) -> u64 {
        self.hash_builder.hash_one(key)
    }

    pub(crate) fn get_key_value(&self, key: &Q) -> Option<(&Q, &V)> {
        let (k, v) = self.table.find(self.hash(key), |(k, _)| k.get() == key)?;
        Some((k.get(), v))
    }

    pub(crate) fn get_mut(&mut self, key: &Q) -> Option<&mut V> {
        let hash = self.hash(key);
        let (_, v) = self.table.find_mut(hash, |(k, _)| k.get() == key)?;
        Some(v)
    }

    /// Inserts or replaces. Callers make room in the table first (see
    /// [`ArenaTable::room`]).
    pub(crate) fn insert(&mut self, key: &Q, value: V) -> Result<Option<V>, (ArenaError, V)> {
        let bytes = key.key_bytes();
        let made = self.keys.is_none();
        let copy = self
            .key_arena()
            .ok()
            .and_then(|keys| keys.bump().try_alloc_slice_copy(bytes).ok());
        let Some(copy) = copy else {
            if made {
                // The arena made for this key holds nothing: a refused
                // insert leaves the map's memory as it found it.
                self.keys = None;
            }
            // No room for the bytes, but a present key needs none.
            return match self.get_mut(key) {
                Some(slot) => Ok(Some(mem::replace(slot, value))),
                None => Err((ArenaError::AllocFailed { bytes: bytes.len() }, value)),
            };
        };
        // Look the key up through the caller's bytes, not the fresh copy:
        // hashing bytes just written to a cold arena line would wait for
        // those stores to reach the cache, which costs more than the rest
        // of the insert.
        let hash = self.hash(key);
        if let Some((_, slot)) = self.table.find_mut(hash, |(k, _)| k.get() == key) {
            let old = mem::replace(slot, value);
            // The copy is unused and is the arena's latest allocation:
            // give its bytes back (the arena rewinds its pointer).
            let layout = Layout::for_value(bytes);
            if let Some(keys) = &self.keys {
                // SAFETY: `copy` was allocated from this arena (made
                // above, if it was not there) with this layout, and nothing
                // refers to it.
                unsafe { keys.bump().dealloc(copy.cast(), layout) };
            }
            return Ok(Some(old));
        }
        let bucket = self
            .table
            .insert_unique(hash, (KeyRef::new(NonNull::from(bytes)), value));
        // The stored key still points at the caller's bytes, which outlive
        // this call: point it at the arena copy before any other code runs
        // (nothing between can panic).
        if let Some((stored, _)) = self.table.bucket(bucket) {
            stored.ptr.set(copy.cast());
        }
        self.live_key_bytes += bytes.len();
        Ok(None)
    }

    pub(crate) fn remove(&mut self, key: &Q) -> Option<V> {
        let hash = self.hash(key);
        let (key, value) = self.table.remove(hash, |(k, _)| k.get() == key)?;
        self.live_key_bytes -= key.byte_len();
        Some(value)
    }

    pub(crate) fn remove_entry(&mut self, key: &Q) -> Option<(Q::Owned, V)>
    where
        Q: ToOwned,
    {
        let hash = self.hash(key);
        let (key, value) = self.table.remove(hash, |(k, _)| k.get() == key)?;
        self.live_key_bytes -= key.byte_len();
        // The key arena is not touched before this copy: its bytes are valid.
        Some((key.get().to_owned(), value))
    }

    pub(crate) fn retain<F: FnMut(&Q, &mut V) -> bool>(&mut self, mut keep: F) {
        let live = &mut self.live_key_bytes;
        self.table.retain(|(key, value)| {
            let kept = keep(key.get(), value);
            if !kept {
                *live -= key.byte_len();
            }
            kept
        });
    }

    pub(crate) fn shrink_table(&mut self, capacity: usize) -> Result<(), ShrinkError> {
        let hash_builder = &self.hash_builder;
        self.table
            .shrink_to(capacity, |(k, _)| hash_builder.hash_one(k))
    }

    /// [`ArenaTable::make_room`] for the table, within `budget` bytes.
    pub(crate) fn make_room(
        &mut self,
        additional: usize,
        refill: Option<usize>,
        budget: Option<usize>,
    ) -> Result<(), ArenaError> {
        let hash_builder = &self.hash_builder;
        self.table.make_room(additional, refill, budget, |(k, _)| {
            hash_builder.hash_one(k)
        })
    }
}

impl<Q: ?Sized + ArenaKey, V, S> KeyedTable<Q, V, S> {
    pub(crate) fn compact_keys(
        &mut self,
        room: usize,
        budget: Option<usize>,
    ) -> Result<(), ArenaError> {
        let total: usize = self.table.iter().map(|(k, _)| k.byte_len()).sum();
        let request = total.max(room);
        if request == 0 && self.table.len() == 0 {
            // No key and no room asked for: the arena goes whole, as a new
            // map has none.
            self.keys = None;
            self.live_key_bytes = 0;
            return Ok(());
        }
        let over = |needed: usize| match budget {
            Some(limit) if needed > limit => Err(ArenaError::MemoryLimit { limit, needed }),
            _ => Ok(()),
        };
        // What the arena will hold, exactly.
        over(Arena::<Global>::size_for(request))?;
        let arena = Arena::try_with_capacity(request, Global)?;
        // Leaked rather than dropped if anything below panicked, so that no
        // key could be left pointing into freed memory.
        let arena = ManuallyDrop::new(arena);
        let block = Layout::from_size_align(total, 1)
            .map_err(|_| AllocError)
            .and_then(|layout| arena.bump().try_alloc(layout));
        let Ok(mut at) = block else {
            // Nothing points into the new arena: it goes back, not leaked.
            drop(ManuallyDrop::into_inner(arena));
            return Err(ArenaError::AllocFailed { bytes: total });
        };
        for (key, _) in self.table.iter() {
            let bytes = key.bytes();
            // SAFETY: the keys' lengths add up to `total`, so
            // `[at, at + bytes.len())` lies inside the fresh block of `total`
            // bytes, which nothing else refers to; `bytes` are in the old
            // arena, outside it.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), at.as_ptr(), bytes.len()) };
            key.ptr.set(at);
            // SAFETY: at most one past the end of the block, as above.
            at = unsafe { at.add(bytes.len()) };
        }
        // Every key points into the new arena now.
        self.keys = Some(ManuallyDrop::into_inner(arena));
        self.live_key_bytes = total;
        Ok(())
    }

    pub(crate) fn clear_keep(&mut self) {
        struct Recount<'a, Q: ?Sized + ArenaKey, V, S>(&'a mut KeyedTable<Q, V, S>);

        impl<Q: ?Sized + ArenaKey, V, S> Drop for Recount<'_, Q, V, S> {
            fn drop(&mut self) {
                let raw = &mut *self.0;
                raw.live_key_bytes = raw.table.iter().map(|(k, _)| k.byte_len()).sum();
            }
        }

        let recount = Recount(&mut *self);
        recount.0.table.clear_entries();
        mem::forget(recount);
        self.live_key_bytes = 0;
        if let Some(keys) = &mut self.keys {
            // SAFETY: the table is empty (`clear_entries` returned), so no
            // key points into the key arena, and nothing else ever does.
            unsafe { keys.reset() };
        }
    }
}

impl<Q: ?Sized + ArenaKey, V, S: Clone> KeyedTable<Q, V, S> {
    /// Drops every entry and both arenas; the limit stays.
    pub(crate) fn clear(&mut self) {
        let mut fresh = Self::with_hasher(self.hash_builder.clone());
        fresh.limit = self.limit;
        drop(mem::replace(self, fresh));
    }
}
