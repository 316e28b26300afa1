//! The self-referential core: a map and the arena it lives in, owned
//! together. All of the crate's `unsafe` is in this module.
//!
//! The invariant everything rests on: a `&'static Bump` or a [`KeyRef`]
//! exists only inside a value that also owns the arena it points into, and
//! that value drops the borrower before the arena (field order), never hands
//! the reference out, and never gives safe code a way to separate the two
//! (no `&mut` to the inner map, no owned `KeyRef` leaving this module).
//! Arenas are boxed and never moved or mutated through `&mut` while
//! borrowed, so the references stay valid for as long as their owner lives.

#![allow(unsafe_code)]

use core::alloc::Layout;
use core::cell::Cell;
use core::hash::{BuildHasher, Hash, Hasher};
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop};
use core::ptr::NonNull;
use std::borrow::Borrow;

use allocator_api2::alloc::{AllocError, Allocator};
use bumpalo::Bump;
use hashbrown::{HashTable, TryReserveError};
use map_core::toolkit::{ShrinkError, Storage};
use map_core::{Equivalent, HashMap, Iter, IterMut, Keys, ReclaimPolicy, Values, ValuesMut};

use crate::error::ArenaError;

/// Per-chunk bookkeeping bumpalo adds to a chunk (its footer, rounded up).
pub(crate) const CHUNK_OVERHEAD: usize = 64;

// ---------------------------------------------------------------------------
// Arena

/// A boxed bump arena at a stable address, owned.
///
/// Held as a raw pointer rather than a `Box` so that moving the owner does
/// not assert uniqueness over memory that `&'static Bump` references point
/// to.
pub(crate) struct Arena {
    bump: NonNull<Bump>,
}

impl Arena {
    /// An arena with no chunk yet.
    pub(crate) fn new() -> Self {
        Self::from_bump(Bump::new())
    }

    /// An arena whose first chunk has room for `bytes` (none for 0).
    pub(crate) fn try_with_capacity(bytes: usize) -> Result<Self, ArenaError> {
        let bump = Bump::try_with_capacity(bytes).map_err(|_| ArenaError::AllocFailed { bytes })?;
        Ok(Self::from_bump(bump))
    }

    fn from_bump(bump: Bump) -> Self {
        Self {
            bump: NonNull::from(Box::leak(Box::new(bump))),
        }
    }

    /// The arena, for as long as `self` is borrowed.
    pub(crate) fn bump(&self) -> &Bump {
        // SAFETY: `bump` came from `Box::leak` and is freed only in `Drop`;
        // no `&mut Bump` is ever made, so a shared borrow is always valid.
        unsafe { self.bump.as_ref() }
    }

    /// The arena with its lifetime erased, for a map stored beside it.
    ///
    /// # Safety
    ///
    /// Everything that holds the returned reference (a map, an iterator)
    /// must be dropped before `self`, and the reference must not be copied
    /// anywhere that could outlive `self`.
    unsafe fn erased(&self) -> &'static Bump {
        // SAFETY: the box is alive until `self` drops; the caller promises
        // the reference does not outlive that.
        unsafe { &*self.bump.as_ptr() }
    }

    /// Bytes this arena holds from the global allocator: its chunks with
    /// their footers, and the box holding the `Bump`.
    pub(crate) fn bytes(&self) -> usize {
        mem::size_of::<Bump>() + self.bump().allocated_bytes_including_metadata()
    }

    /// Frees every chunk but the newest and rewinds that one, keeping it
    /// for the next allocations.
    ///
    /// # Safety
    ///
    /// Nothing may point into the arena any more (no key of a table, no
    /// map allocated from it).
    unsafe fn reset(&mut self) {
        // SAFETY: nothing points into the chunks (the caller's promise), and
        // the older ones are freed just below.
        unsafe { self.discard(Chunks::AllButNewest) };
        // SAFETY: `&mut self` is the only access to the `Bump` now, and the
        // caller promises that nothing points into its chunks.
        unsafe { self.bump.as_mut() }.reset();
    }

    /// Gives the pages of the chosen chunks back to the kernel, ahead of
    /// the chunks' return to the global allocator; see [`DISCARD_FROM`].
    ///
    /// # Safety
    ///
    /// Nothing may read the chosen chunks' contents again: they read as
    /// zeros afterwards.
    unsafe fn discard(&self, which: Chunks) {
        let bump = self.bump();
        if bump.allocated_bytes() < DISCARD_FROM {
            return;
        }
        // Below the bump pointer of the newest chunk lies its unused room,
        // which an earlier use of the chunk (before a `reset`) may have
        // touched; older chunks were filled to within one request of their
        // start.
        let room = bump.chunk_capacity();
        // SAFETY: no allocation is made from `bump` while the iterator
        // lives, and the chunk contents are not read.
        for (i, (start, len)) in unsafe { bump.iter_allocated_chunks_raw() }.enumerate() {
            let (start, len) = match (i, which) {
                (0, Chunks::AllButNewest) => continue,
                (0, Chunks::All) => (start.wrapping_sub(room), len + room),
                _ => (start, len),
            };
            // SAFETY: `[start, start + len)` is chunk space of this arena
            // (the bytes between the chunk's start and its footer, which is
            // left alone), owned by the arena until it frees the chunk;
            // the caller promises that no one reads it again.
            unsafe { discard_pages(start, len) };
        }
    }

    /// Bytes of chunk space handed out, dead or alive: everything but the
    /// free room left in the current chunk.
    pub(crate) fn used(&self) -> usize {
        let bump = self.bump();
        bump.allocated_bytes() - bump.chunk_capacity()
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        // SAFETY: the owners of `Arena` drop every borrower first (see the
        // module docs), and the chunks are freed just below.
        unsafe { self.discard(Chunks::All) };
        // SAFETY: `bump` came from `Box::leak` and is freed only here.
        drop(unsafe { Box::from_raw(self.bump.as_ptr()) });
    }
}

/// Which chunks [`Arena::discard`] gives back.
#[derive(Clone, Copy)]
enum Chunks {
    All,
    /// Every chunk but the one a `reset` keeps.
    AllButNewest,
}

/// Arenas of at least this many bytes give their chunks' pages back to the
/// kernel before the chunks are freed.
///
/// bumpalo takes its chunks from the global allocator, and what a global
/// allocator does with a freed block of a few hundred KiB or a few MiB is
/// its own choice: glibc's malloc keeps it in its heap (it raises its mmap
/// threshold after a large free and trims the heap only from the top),
/// jemalloc and mimalloc keep it for a later request and purge it on a
/// timer that runs only while the program calls them. The pages of a chunk
/// are the arena's own until it frees the chunk, so the arena discards them
/// itself first (`madvise(MADV_DONTNEED)`: the range reads as zeros
/// afterwards and no longer counts in the process's resident memory),
/// whichever allocator is installed. One system call a chunk, paid only
/// when an arena of this size is dropped or reset (a compaction, a released
/// clear, a dropped map), work that moved or dropped at least as many
/// bytes. Smaller arenas are left to the allocator.
const DISCARD_FROM: usize = 1 << 20;

/// Discards the whole pages inside `[start, start + len)`: their contents
/// become zeros and their memory goes back to the kernel (Linux and
/// Android; elsewhere nothing happens and the allocator decides).
///
/// # Safety
///
/// The range must be memory the caller owns and no one reads again (or
/// reads expecting anything but zeros).
unsafe fn discard_pages(start: *mut u8, len: usize) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // The page size page-alloc reads once and keeps (a power of two).
        let Some(page) = map_core::PageAlloc::page_size() else {
            return;
        };
        let first = (start as usize).next_multiple_of(page);
        let end = (start as usize + len) & !(page - 1);
        if end > first {
            // SAFETY: the pages lie inside the caller's range, which the
            // caller owns and no one reads again; MADV_DONTNEED on private
            // anonymous memory only replaces their contents with zeros.
            // Failure (an unusual mapping) leaves the pages as they were,
            // which is harmless: they are freed right after.
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_DONTNEED);
            }
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = (start, len);
}

// SAFETY: an `Arena` owns its `Bump` like a `Box` would, and `Bump` is
// `Send`. It is deliberately not `Sync`: `bump()` would let two threads
// allocate at once.
unsafe impl Send for Arena {}

// ---------------------------------------------------------------------------
// Table sizes

/// An allocator that refuses everything: asking a table to reserve through
/// it reports, in the error, the exact layout the table would allocate.
#[derive(Clone, Copy)]
struct Probe;

// SAFETY: `allocate` never returns memory, so there is never a block to
// free, keep valid, or share between clones.
unsafe impl Allocator for Probe {
    fn allocate(&self, _layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        Err(AllocError)
    }

    unsafe fn deallocate(&self, _ptr: NonNull<u8>, _layout: Layout) {}
}

/// The allocation a hash table of `T` with room for `capacity` entries
/// makes (`None` if it makes none), as hashbrown itself computes it.
pub(crate) fn table_layout<T>(capacity: usize) -> Result<Option<Layout>, ArenaError> {
    match HashTable::<T, Probe>::new_in(Probe).try_reserve(capacity, |_| 0) {
        Ok(()) => Ok(None),
        Err(TryReserveError::AllocError { layout }) => Ok(Some(layout)),
        Err(TryReserveError::CapacityOverflow) => Err(ArenaError::CapacityOverflow),
    }
}

/// Arena bytes to ask for so that one table of `capacity` entries fits in
/// the first chunk, whatever the alignment of the bump pointer.
pub(crate) fn table_arena_request<T>(capacity: usize) -> Result<usize, ArenaError> {
    Ok(table_layout::<T>(capacity)?.map_or(0, |l| l.size() + l.align()))
}

// ---------------------------------------------------------------------------
// ArenaTable

/// A `map_core::HashMap` that lives in an arena it owns.
///
/// The inner map runs the manual policy: it never allocates to shrink.
/// Every change of table size is a [`relocate`](Self::relocate) into a fresh
/// arena, decided by the safe code above.
pub(crate) struct ArenaTable<K, V, S> {
    // Field order matters: `map` borrows `arena` and is dropped first.
    map: HashMap<K, V, S, &'static Bump>,
    arena: Arena,
    /// Entries the table holds before it must grow or rehash (its capacity
    /// without tombstones).
    full_capacity: usize,
    /// Bytes of the table's allocation.
    table_bytes: usize,
}

// SAFETY: the value owns its arena and everything in it; moving it to
// another thread moves the arena along with every reference into it (no
// reference to the arena exists outside the value). `Bump` is `Send`.
unsafe impl<K: Send, V: Send, S: Send> Send for ArenaTable<K, V, S> {}

// SAFETY: through `&ArenaTable` this module only reads the arena (chunk
// sizes for the memory figures); the inner map's shared methods never
// allocate. Every write to the arena (allocation, limits, relocation)
// takes `&mut self`.
unsafe impl<K: Sync, V: Sync, S: Sync> Sync for ArenaTable<K, V, S> {}

impl<K: Eq + Hash, V, S: BuildHasher> ArenaTable<K, V, S> {
    /// An empty table in an arena with no chunk.
    pub(crate) fn with_hasher(hash_builder: S) -> Self {
        let arena = Arena::new();
        // SAFETY: the map is stored in the same `ArenaTable` as the arena,
        // before it (dropped first), and never handed out.
        let alloc = unsafe { arena.erased() };
        let mut map = HashMap::with_hasher_in(hash_builder, alloc);
        map.set_policy(ReclaimPolicy::manual());
        Self {
            map,
            arena,
            full_capacity: 0,
            table_bytes: 0,
        }
    }
}

impl<K, V, S> ArenaTable<K, V, S> {
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Free slots before an insert must grow or rehash the table.
    pub(crate) fn room(&self) -> usize {
        self.map.capacity() - self.map.len()
    }

    /// The table's capacity (what `capacity()` reports with no tombstones).
    pub(crate) fn full_capacity(&self) -> usize {
        self.full_capacity
    }

    /// Capacity as std reports it: entries insertable without reallocating.
    pub(crate) fn capacity(&self) -> usize {
        self.map.capacity()
    }

    pub(crate) fn table_bytes(&self) -> usize {
        self.table_bytes
    }

    /// Bytes held from the global allocator.
    pub(crate) fn bytes(&self) -> usize {
        self.arena.bytes()
    }

    pub(crate) fn hasher(&self) -> &S {
        self.map.hasher()
    }

    pub(crate) fn iter(&self) -> Iter<'_, K, V> {
        self.map.iter()
    }

    pub(crate) fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.map.iter_mut()
    }

    pub(crate) fn keys(&self) -> Keys<'_, K, V> {
        self.map.keys()
    }

    pub(crate) fn values(&self) -> Values<'_, K, V> {
        self.map.values()
    }

    pub(crate) fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        self.map.values_mut()
    }
}

impl<K: Eq + Hash, V, S: BuildHasher> ArenaTable<K, V, S> {
    pub(crate) fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.map.get_key_value(key)
    }

    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.map.get_mut(key)
    }

    /// Inserts or replaces. Callers make room first (see [`room`](Self::room)):
    /// with none, hashbrown would grow the table inside this arena.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        debug_assert!(self.room() > 0 || self.map.contains_key(&key));
        self.map.insert(key, value)
    }

    pub(crate) fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.map.remove_entry(key)
    }

    pub(crate) fn retain<F: FnMut(&K, &mut V) -> bool>(&mut self, keep: F) {
        self.map.retain(keep);
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
    /// If the key's `Hash` panics; every entry is then still in the table.
    pub(crate) fn relocate(
        &mut self,
        capacity: usize,
        budget: Option<usize>,
    ) -> Result<(), ArenaError>
    where
        S: Clone,
    {
        let capacity = capacity.max(self.map.len());
        let request = table_arena_request::<(K, V)>(capacity)?;
        let over = |needed: usize| match budget {
            Some(limit) if needed > limit => Err(ArenaError::MemoryLimit { limit, needed }),
            _ => Ok(()),
        };
        over(request + mem::size_of::<Bump>() + CHUNK_OVERHEAD)?;
        let arena = Arena::try_with_capacity(request)?;
        over(arena.bytes())?;
        // SAFETY: `moved` holds the reference; it is either stored next to
        // `arena` in a new `ArenaTable` (which drops it first), or dropped
        // before `arena` on every other path: it is declared later, so it
        // drops earlier on early return or unwind.
        let alloc = unsafe { arena.erased() };
        let moved = self
            .map
            .try_move_to(alloc, capacity)
            .map_err(|_| ArenaError::AllocFailed { bytes: request })?;
        let full_capacity = moved.capacity();
        let table_bytes = moved.memory().allocated_bytes;
        // The old map is empty now: dropping it runs no user code.
        drop(mem::replace(
            self,
            ArenaTable {
                map: moved,
                arena,
                full_capacity,
                table_bytes,
            },
        ));
        Ok(())
    }
}

impl<K, V, S> ArenaTable<K, V, S> {
    /// Drops every entry and keeps the table, and the arena chunk it lives
    /// in, for the refill.
    pub(crate) fn clear_entries(&mut self) {
        self.map.clear();
    }

    /// The entries by value, the arena going along until the last is out.
    pub(crate) fn into_entries(self) -> RawIntoIter<K, V> {
        let ArenaTable { map, arena, .. } = self;
        RawIntoIter {
            entries: map.into_iter(),
            _arena: arena,
        }
    }
}

impl<K, V, S: Clone> ArenaTable<K, V, S> {
    /// Removes every entry and yields them, keeping the table for a refill.
    /// The iterator borrows the table, and so the arena, for its lifetime.
    pub(crate) fn drain_entries(&mut self) -> map_core::Drain<'_, K, V, &'static Bump> {
        // The inner map runs the manual policy: its drain keeps the table.
        self.map.drain()
    }
}

impl<K: Eq + Hash, V, S: BuildHasher> ArenaTable<K, V, S> {
    /// Inserts under a key known to be absent and returns the value's place.
    /// Callers make room first, as for [`insert`](Self::insert).
    pub(crate) fn insert_vacant(&mut self, key: K, value: V) -> &mut V {
        debug_assert!(self.room() > 0);
        match self.map.entry(key) {
            map_core::Entry::Occupied(entry) => {
                let slot = entry.into_mut();
                *slot = value;
                slot
            }
            map_core::Entry::Vacant(entry) => entry.insert(value),
        }
    }
}

/// The entries of an arena table, by value. It owns the arena the table
/// lives in, and drops the table (what is left of it) first.
pub(crate) struct RawIntoIter<K, V> {
    // Field order: the table's iterator borrows the arena and drops first.
    entries: map_core::IntoIter<K, V, &'static Bump>,
    _arena: Arena,
}

impl<K, V> Iterator for RawIntoIter<K, V> {
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

impl<K: Eq + Hash, V, S: BuildHasher + Clone> ArenaTable<K, V, S> {
    /// Drops every entry and the whole arena.
    pub(crate) fn clear(&mut self) {
        // If a key or value panics while dropping, `self` is already empty.
        drop(self.take());
    }

    /// Takes the table and its arena out, leaving an empty table in an
    /// arena with no chunk.
    pub(crate) fn take(&mut self) -> Self {
        let fresh = Self::with_hasher(self.hasher().clone());
        mem::replace(self, fresh)
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

/// A table whose keys' bytes live in a second arena it owns.
pub(crate) struct KeyedTable<Q: ?Sized + ArenaKey, V, S> {
    // Field order matters: the table's keys point into `keys`, so the table
    // is dropped first.
    table: ArenaTable<KeyRef<Q>, V, S>,
    keys: Arena,
    /// Sum of the byte lengths of the keys in the table.
    live_key_bytes: usize,
}

// SAFETY: as for `ArenaTable`: the value owns both arenas and every pointer
// into them; key bytes are plain bytes.
unsafe impl<Q: ?Sized + ArenaKey, V: Send, S: Send> Send for KeyedTable<Q, V, S> {}

// SAFETY: through `&KeyedTable` the key pointers (`Cell`s) and the arenas
// are only read; compaction, the only writer of key pointers, and every
// allocation take `&mut self`.
unsafe impl<Q: ?Sized + ArenaKey, V: Sync, S: Sync> Sync for KeyedTable<Q, V, S> {}

impl<Q: ?Sized + ArenaKey, V, S: BuildHasher> KeyedTable<Q, V, S> {
    pub(crate) fn with_hasher(hash_builder: S) -> Self {
        Self {
            table: ArenaTable::with_hasher(hash_builder),
            keys: Arena::new(),
            live_key_bytes: 0,
        }
    }
}

impl<Q: ?Sized + ArenaKey, V, S> KeyedTable<Q, V, S> {
    /// The table, read-only: its keys cannot be taken out through it.
    pub(crate) fn table(&self) -> &ArenaTable<KeyRef<Q>, V, S> {
        &self.table
    }

    pub(crate) fn iter_mut(&mut self) -> IterMut<'_, KeyRef<Q>, V> {
        self.table.iter_mut()
    }

    /// Bytes held by both arenas.
    pub(crate) fn bytes(&self) -> usize {
        self.table.bytes() + self.keys.bytes()
    }

    pub(crate) fn key_arena_bytes(&self) -> usize {
        self.keys.bytes()
    }

    pub(crate) fn live_key_bytes(&self) -> usize {
        self.live_key_bytes
    }

    /// Key bytes in the arena that no key in the table uses.
    pub(crate) fn key_garbage(&self) -> usize {
        self.keys.used().saturating_sub(self.live_key_bytes)
    }

    /// Caps the chunks the key arena may add at `limit` bytes in all
    /// (`None`: no cap). A cap below what it holds stops it growing.
    pub(crate) fn set_key_limit(&mut self, limit: Option<usize>) {
        let bump = self.keys.bump();
        bump.set_allocation_limit(limit.map(|l| l.max(bump.allocated_bytes())));
    }
}

impl<Q: ?Sized + ArenaKey, V, S: BuildHasher> KeyedTable<Q, V, S> {
    pub(crate) fn get_mut(&mut self, key: &Q) -> Option<&mut V> {
        self.table.get_mut(key)
    }

    /// Copies `key` into the key arena (unless it is present) and inserts.
    /// Callers make room in the table first, as for [`ArenaTable::insert`].
    ///
    /// # Errors
    ///
    /// If the key arena cannot take the key's bytes, `value` comes back
    /// and the map is unchanged.
    pub(crate) fn insert(&mut self, key: &Q, value: V) -> Result<Option<V>, (ArenaError, V)> {
        let bytes = key.key_bytes();
        let copy = match self.keys.bump().try_alloc_slice_copy(bytes) {
            Ok(copy) => NonNull::from(&*copy),
            Err(_) => {
                // No room for the bytes, but a present key needs none.
                return match self.table.get_mut(key) {
                    Some(slot) => Ok(Some(mem::replace(slot, value))),
                    None => Err((ArenaError::AllocFailed { bytes: bytes.len() }, value)),
                };
            }
        };
        // Look the key up through the caller's bytes, not the fresh copy:
        // hashing bytes just written to a cold arena line would wait for
        // those stores to reach the cache, which costs more than the rest
        // of the insert.
        match self.table.map.entry(KeyRef::new(NonNull::from(bytes))) {
            map_core::Entry::Occupied(mut entry) => {
                let old = entry.insert(value);
                // The copy is unused and is the arena's latest allocation:
                // give its bytes back (bumpalo rewinds its pointer).
                let layout = Layout::for_value(bytes);
                // SAFETY: `copy` was allocated from this arena with this
                // layout, and nothing refers to it.
                unsafe { Allocator::deallocate(&self.keys.bump(), copy.cast(), layout) };
                Ok(Some(old))
            }
            map_core::Entry::Vacant(entry) => {
                let entry = entry.insert_entry(value);
                // The stored key still points at the caller's bytes, which
                // outlive this call: point it at the arena copy before any
                // other code runs (nothing between can panic).
                entry.key().ptr.set(copy.cast());
                self.live_key_bytes += bytes.len();
                Ok(None)
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &Q) -> Option<V> {
        let (key, value) = self.table.remove_entry(key)?;
        self.live_key_bytes -= key.byte_len();
        Some(value)
    }

    /// Removes `key`, returning an owned copy of the stored key (its bytes
    /// stay in the arena as garbage) and the value.
    pub(crate) fn remove_entry(&mut self, key: &Q) -> Option<(Q::Owned, V)>
    where
        Q: ToOwned,
    {
        let (key, value) = self.table.remove_entry(key)?;
        self.live_key_bytes -= key.byte_len();
        // The key arena is not touched before this copy: its bytes are valid.
        Some((key.get().to_owned(), value))
    }

    pub(crate) fn retain<F: FnMut(&Q, &mut V) -> bool>(&mut self, mut keep: F) {
        let live = &mut self.live_key_bytes;
        self.table.retain(|key, value| {
            let kept = keep(key.get(), value);
            if !kept {
                *live -= key.byte_len();
            }
            kept
        });
    }

    /// The table's shrink as the reclamation protocol runs it (see the
    /// `Storage` impl of [`ArenaTable`]); the keys stay where they are.
    pub(crate) fn shrink_table(&mut self, capacity: usize) -> Result<(), ShrinkError>
    where
        S: Clone,
    {
        Storage::shrink_to(&mut self.table, capacity)
    }

    /// As [`ArenaTable::relocate`]; the keys stay where they are.
    pub(crate) fn relocate(
        &mut self,
        capacity: usize,
        budget: Option<usize>,
    ) -> Result<(), ArenaError>
    where
        S: Clone,
    {
        self.table.relocate(capacity, budget)
    }

    /// Copies every key into a fresh key arena with room for `room` bytes
    /// (at least the live keys), then drops the old arena whole.
    ///
    /// # Errors
    ///
    /// The map is unchanged if the new arena would pass `budget` or cannot
    /// be allocated. No user code runs, so nothing can panic midway.
    pub(crate) fn compact_keys(
        &mut self,
        room: usize,
        budget: Option<usize>,
    ) -> Result<(), ArenaError> {
        let total: usize = self.table.keys().map(KeyRef::byte_len).sum();
        let request = total.max(room);
        let over = |needed: usize| match budget {
            Some(limit) if needed > limit => Err(ArenaError::MemoryLimit { limit, needed }),
            _ => Ok(()),
        };
        over(request + mem::size_of::<Bump>() + CHUNK_OVERHEAD)?;
        let arena = Arena::try_with_capacity(request)?;
        // bumpalo rounds a chunk up: the budget holds for what it gave, not
        // for what was asked. Nothing points into the new arena yet, so
        // dropping it here loses nothing.
        over(arena.bytes())?;
        // Leaked rather than dropped if anything below panicked, so that no
        // key could be left pointing into freed memory.
        let arena = ManuallyDrop::new(arena);
        let Ok(mut rest) = arena.bump().try_alloc_slice_fill_copy(total, 0u8) else {
            // Nothing points into the new arena: it goes back, not leaked.
            drop(ManuallyDrop::into_inner(arena));
            return Err(ArenaError::AllocFailed { bytes: total });
        };
        for key in self.table.keys() {
            let (copy, tail) = mem::take(&mut rest).split_at_mut(key.len);
            copy.copy_from_slice(key.bytes());
            key.ptr.set(NonNull::from(&mut *copy).cast());
            rest = tail;
        }
        // Every key points into the new arena now.
        self.keys = ManuallyDrop::into_inner(arena);
        self.live_key_bytes = total;
        Ok(())
    }
}

impl<Q: ?Sized + ArenaKey, V, S> KeyedTable<Q, V, S> {
    /// Drops every entry; keeps the table's arena and the key arena's
    /// newest chunk, rewound, for the refill.
    ///
    /// If a value's `Drop` panics, the key arena is left as it is (keys
    /// that stayed in the table still point into it) and the live key bytes
    /// are recounted from the table, so the figures the policy weighs stay
    /// true.
    pub(crate) fn clear_keep(&mut self) {
        /// Recounts the live key bytes if the clear unwinds.
        struct Recount<'a, Q: ?Sized + ArenaKey, V, S>(&'a mut KeyedTable<Q, V, S>);

        impl<Q: ?Sized + ArenaKey, V, S> Drop for Recount<'_, Q, V, S> {
            fn drop(&mut self) {
                let raw = &mut *self.0;
                raw.live_key_bytes = raw.table.keys().map(KeyRef::byte_len).sum();
            }
        }

        let recount = Recount(&mut *self);
        recount.0.table.clear_entries();
        mem::forget(recount);
        self.live_key_bytes = 0;
        // SAFETY: the table is empty (`clear_entries` returned), so no key
        // points into the key arena, and nothing else ever does.
        unsafe { self.keys.reset() };
    }
}

impl<Q: ?Sized + ArenaKey, V, S: BuildHasher + Clone> KeyedTable<Q, V, S> {
    /// Drops every entry and both arenas.
    pub(crate) fn clear(&mut self) {
        let fresh = Self::with_hasher(self.table.hasher().clone());
        drop(mem::replace(self, fresh));
    }
}
