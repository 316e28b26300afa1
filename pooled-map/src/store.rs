//! The storage: entries in a pool, a hash index of slot numbers beside it,
//! and the compaction that moves entries down and shrinks both.
//!
//! Nothing in this file runs user code but the key comparisons and the
//! closures the map passes in. The index stores each entry's hash, so
//! growing, rehashing, shrinking and patching it never calls `Hash`; the
//! pool moves entries with `Pool::compact`, whose callback here only records
//! the move. A panicking `Hash`, `Eq` or `Drop` can therefore only happen
//! outside these mechanics, before or after the two structures are updated
//! together.

use core::fmt;
use core::iter::FusedIterator;
use core::mem;
use core::num::NonZeroU64;
use core::sync::atomic::{AtomicU64, Ordering};

use allocator_api2::alloc::Allocator;
use allocator_api2::vec::Vec;
use hashbrown::{HashTable, TryReserveError};
use map_core::toolkit::{table, DefaultStore, Reclaimer, ShrinkError, StableStore, Store, View};
use map_core::PageAlloc;

use crate::pool::{self, Pool};
use crate::stamp::{self, Handle};

/// One pooled entry.
pub(crate) struct Slot<K, V> {
    /// The stamp the entry's handles carry, or 0 until the first handle is
    /// handed out (an entry without a stamp has no handle). Unique in the
    /// process, so a handle matches its own entry and no other. An entry
    /// with a stamp is pinned: compaction leaves it in its slot, so its
    /// handles stay valid until it is removed. Atomic so that `&self`
    /// methods (`handle_of`, `handles`) can stamp an entry.
    stamp: AtomicU64,
    /// The key's hash, folded to 32 bits: lets a handle find its index entry
    /// without hashing.
    pub(crate) hash: u32,
    /// Gives the pool's vacant/occupied tag a niche, in the padding beside
    /// `hash`, so that a slot costs no more than its fields.
    occupied: Occupied,
    pub(crate) entry: (K, V),
}

/// The one value of [`Slot::occupied`]; its other 255 byte values are the
/// niche the pool's tag takes.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Occupied {
    Yes = 1,
}

// The pool's tag takes the niche: a slot is no larger than its fields.
const _: () = assert!(mem::size_of::<pool::Entry<Slot<u64, u64>>>() == 32);

impl<K, V> Slot<K, V> {
    #[inline(always)]
    fn new(hash: u32, entry: (K, V)) -> Self {
        Self {
            stamp: AtomicU64::new(0),
            hash,
            occupied: Occupied::Yes,
            entry,
        }
    }

    /// The entry's stamp, 0 if no handle to it was handed out.
    #[inline]
    pub(crate) fn stamp(&self) -> u64 {
        self.stamp.load(Ordering::Relaxed)
    }

    /// The entry's handle, which from now on stays valid until the entry is
    /// removed.
    #[inline]
    pub(crate) fn handle(&self, slot: usize) -> Handle {
        let stamp = match NonZeroU64::new(self.stamp()) {
            Some(stamp) => stamp,
            None => self.stamp_now(),
        };
        Handle {
            stamp,
            slot: slot_number(slot),
        }
    }

    /// Gives the entry a stamp; another thread making a handle to the same
    /// entry at the same time may win, and its stamp is then the one.
    #[inline(never)]
    fn stamp_now(&self) -> NonZeroU64 {
        let fresh = stamp::fresh();
        match self
            .stamp
            .compare_exchange(0, fresh.get(), Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            Err(won) => NonZeroU64::new(won).expect("only 0 is replaced"),
        }
    }

    fn pinned(&self) -> bool {
        self.stamp() != 0
    }

    /// Keeps the entry in its slot from now on, as [`handle`](Self::handle)
    /// does, through exclusive access.
    fn pin(&mut self) {
        let stamp = self.stamp.get_mut();
        if *stamp == 0 {
            *stamp = stamp::fresh().get();
        }
    }
}

impl<K: Clone, V: Clone> Clone for Slot<K, V> {
    fn clone(&self) -> Self {
        Self {
            stamp: AtomicU64::new(self.stamp()),
            hash: self.hash,
            occupied: self.occupied,
            entry: self.entry.clone(),
        }
    }
}

/// One index entry: where the entry lives, and its folded hash (so the
/// index rehashes without reading the pool or running user code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IndexEntry {
    slot: u32,
    hash: u32,
}

/// Folds a 64-bit hash to the 32 bits stored with each entry. A hash below
/// 2^32 folds to itself, so a stored hash passed back as a `u64` finds its
/// entry again.
#[inline(always)]
fn fold(hash: u64) -> u32 {
    ((hash >> 32) ^ hash) as u32
}

/// The hash the index is probed with, derived from the stored 32 bits alone.
/// The odd multiplier spreads them over the 64 bits hashbrown reads (low
/// bits choose the bucket, the top seven are the tag).
#[inline(always)]
fn expand(hash: u32) -> u64 {
    (hash as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[inline(always)]
fn rehash(entry: &IndexEntry) -> u64 {
    expand(entry.hash)
}

/// Bytes the pool allocates per slot.
pub(crate) const fn slot_bytes<K, V>() -> usize {
    mem::size_of::<pool::Entry<Slot<K, V>>>()
}

/// A move made by compaction: the entry at slot `from` now lives at `to`.
pub(crate) type Move = (u32, u32);

/// [`PooledMap`](crate::PooledMap)'s storage: the entries in a slab-style
/// pool, and a hashbrown table of 8-byte `(slot, hash)` records indexing
/// them. The two always hold the same entries: every record names an
/// occupied slot whose stored hash it repeats.
///
/// A removed entry's slot is reused by the next insert, so a map with a
/// steady live set stops calling the allocator. A shrink compacts the pool
/// (entries above the live count move down into vacant slots, unless a
/// handle to them was handed out) and shrinks both.
pub struct PoolStore<K, V, A: Allocator + Clone = PageAlloc> {
    pub(crate) pool: Pool<Slot<K, V>, A>,
    index: HashTable<IndexEntry, A>,
    /// How many shrinks have moved entries (see
    /// [`HandleMap::reclaim_epoch`](crate::HandleMap::reclaim_epoch)).
    pub(crate) epoch: u64,
    /// Whether a shrink leaves the entries handles were handed out for
    /// where they are (every reclamation but `reclaim_with`).
    pub(crate) keep_handles: bool,
    /// The moves of the last shrink that moved entries with handles, for
    /// `reclaim_with` to report. From the map's allocator, like the scratch
    /// list of every compaction: a list for a large pool is a large block,
    /// which a global allocator would keep in the process after it is freed.
    moves: Vec<Move, A>,
}

impl<K, V, A: Allocator + Clone> PoolStore<K, V, A> {
    /// Bytes the pool takes per slot (key, value, stamp and folded hash,
    /// with the pool's tag). The index adds about 9 bytes per bucket.
    ///
    /// ```
    /// use pooled_map::{PoolStore, PooledMap};
    ///
    /// let mut map: PooledMap<u64, [u8; 100]> = PooledMap::new();
    /// let slot = PoolStore::<u64, [u8; 100]>::slot_bytes();
    /// assert!(slot >= 8 + 100);
    /// map.insert(1, [0; 100]);
    /// assert!(map.memory().allocated_bytes >= map.capacity() * slot);
    /// ```
    pub const fn slot_bytes() -> usize {
        slot_bytes::<K, V>()
    }

    fn from_parts(pool: Pool<Slot<K, V>, A>, index: HashTable<IndexEntry, A>) -> Self {
        let moves = Vec::new_in(index.allocator().clone());
        Self {
            pool,
            index,
            epoch: 0,
            keep_handles: true,
            moves,
        }
    }

    /// The capacity the policy judges: the larger of the pool's and the
    /// index's, so the map shrinks when either has become too big for the
    /// live entries.
    #[inline]
    fn policy_capacity(&self) -> usize {
        self.pool
            .capacity()
            .max(table::bucket_capacity(self.index.num_buckets()))
    }

    /// The slot of the entry with this (folded) hash for which `eq` holds.
    #[inline(always)]
    fn find_slot(&self, hash: u32, mut eq: impl FnMut(&(K, V)) -> bool) -> Option<usize> {
        let pool = &self.pool;
        self.index
            .find(expand(hash), |e| is_entry(pool, e, hash, &mut eq))
            .map(|e| e.slot as usize)
    }

    /// Removes the entry at `slot` (which must be occupied) from the index
    /// and the pool.
    #[inline]
    fn remove_slot(&mut self, slot: usize) -> Slot<K, V> {
        let unlinked = unlink(&mut self.index, slot, self.pool[slot].hash);
        debug_assert!(unlinked, "pool slot {slot} missing from the index");
        self.pool.remove(slot)
    }

    /// Room for `additional` more entries in both, or why not. If the pool
    /// cannot grow, the index gives its new room back (if the allocator
    /// grants its smaller table): a refused reservation does not leave the
    /// map holding what it took.
    fn reserve_both(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.check_entries(additional)?;
        let room = self.index.capacity();
        self.index.try_reserve(additional, rehash)?;
        if let Err(e) = self.pool.try_reserve(additional) {
            let _ = table::try_shrink(&mut self.index, room, rehash);
            return Err(e);
        }
        Ok(())
    }

    /// Whether `additional` more entries stay within the slots' `u32` and a
    /// pool's largest size.
    fn check_entries(&self, additional: usize) -> Result<(), TryReserveError> {
        self.pool
            .len()
            .checked_add(additional)
            .filter(|&n| n <= pool::MAX_SLOTS)
            .and_then(|n| n.checked_mul(slot_bytes::<K, V>()))
            .filter(|&bytes| bytes <= isize::MAX as usize)
            .map(|_| ())
            .ok_or(TryReserveError::CapacityOverflow)
    }

    /// The cold path of an insert into a full store: after a `clear()`
    /// that gave a large store back, grows towards the size the map held
    /// in a few large steps (a failure there is not an error), then makes
    /// room for one more entry ([`grow_for_one`](Self::grow_for_one)).
    #[cold]
    #[inline(never)]
    fn grow_for_insert(&mut self, reclaimer: &mut Reclaimer) -> Result<(), TryReserveError> {
        let len = self.pool.len();
        let capacity = self.policy_capacity();
        if let Some(target) = reclaimer.refill_target(len, capacity) {
            let _ = self.reserve_both(target.saturating_sub(len));
        }
        self.grow_for_one()?;
        if self.policy_capacity() > capacity {
            // An index grown because deleted slots filled it holds its live
            // entries at a quarter or so: no shrink before a fifth of them
            // are gone.
            reclaimer.grew(len + 1);
        }
        Ok(())
    }

    /// [`insert_new`](Store::insert_new) into a full store: grows it, then
    /// inserts (with the folded `hash`).
    #[cold]
    #[inline(never)]
    fn insert_new_after_growth(
        &mut self,
        hash: u32,
        entry: (K, V),
        reclaimer: &mut Reclaimer,
    ) -> Result<usize, ((K, V), TryReserveError)> {
        if let Err(e) = self.grow_for_insert(reclaimer) {
            return Err((entry, e));
        }
        let Ok(record) = place(&mut self.pool, hash, entry) else {
            unreachable!("a grown pool has room")
        };
        self.index.insert_unique(expand(hash), record, rehash);
        Ok(record.slot as usize)
    }

    /// Room for one more entry, for an insert that found the pool or the
    /// index full.
    ///
    /// An index that ran out of room grows as hashbrown grows it (or
    /// rehashes its tombstones away in place). A pool that ran out of room
    /// grows to the index's full room and by at least a quarter, and the
    /// index gets room for that quarter too: when both are full, as they
    /// are when a map only grows, the two resize together, and the next
    /// resize is a quarter of the entries away.
    fn grow_for_one(&mut self) -> Result<(), TryReserveError> {
        let len = self.pool.len();
        if self.pool.capacity() > len {
            // The index is full of deleted slots while the pool has room:
            // hashbrown rehashes it in place, or grows it when the live
            // entries fill more than half of it. A pool that would fill
            // within a fifth of its entries grows with it, so that the two
            // change size together rather than a few inserts apart.
            self.check_entries(1)?;
            let buckets = self.index.num_buckets();
            self.grow_index(1)?;
            if self.index.num_buckets() != buckets && self.pool.capacity() - len < len.div_ceil(5) {
                // The insert needs no more room than the pool has: a refusal
                // here only leaves the pool to grow when it fills.
                let _ = self.grow_pool_to_index(1);
            }
            return Ok(());
        }
        let extra = (len / 4).max(1);
        self.check_entries(extra)?;
        self.grow_index(extra)?;
        self.grow_pool_to_index(extra)
    }

    /// Grows the pool to the index's full room, and by at least `extra`.
    fn grow_pool_to_index(&mut self, extra: usize) -> Result<(), TryReserveError> {
        let len = self.pool.len();
        let room = table::bucket_capacity(self.index.num_buckets()).max(len + extra) - len;
        self.pool.try_reserve_exact(room)
    }

    /// Room in the index for `extra` more entries; a grown index gets every
    /// entry at once, so its table is populated (`table::filling`).
    fn grow_index(&mut self, extra: usize) -> Result<(), TryReserveError> {
        let len = self.index.len();
        let room = len.saturating_mul(2).saturating_add(extra);
        table::filling::<IndexEntry, _>(len, room, || self.index.try_reserve(extra, rehash))
    }

    /// Shrinks the pool and the index to room for `target` entries (at least
    /// the live ones), where that frees memory. The pool is compacted:
    /// entries above the live count move down into vacant slots (unless
    /// `keep_handles` and a handle to them was handed out), and the index is
    /// patched to follow. Returns the moves made.
    ///
    /// Without `keep_handles` the caller reports each move with the entry's
    /// new handle, so every entry moved is pinned in its new slot: a handle
    /// handed out that way stays valid through later compactions, as any
    /// other does.
    ///
    /// Runs no user code. If the scratch list of moves cannot be allocated,
    /// the pool is left as it is (the index still shrinks).
    fn compact(&mut self, target: usize, keep_handles: bool) -> Vec<Move, A> {
        let len = self.pool.len();
        let target = target.max(len);
        let mut moves = Vec::new_in(self.index.allocator().clone());
        let capacity = self.pool.capacity();
        if capacity > target {
            // Only entries above slot `len` move, into vacancies below it.
            let most = len.min(capacity - len);
            if moves.try_reserve_exact(most).is_ok() {
                let stays = |slot: &Slot<K, V>| keep_handles && slot.pinned();
                let Self { pool, index, .. } = self;
                pool.compact(
                    stays,
                    |slot, from, to| {
                        if !keep_handles {
                            slot.pin();
                        }
                        // Slots fit in u32 (checked at insert). Within the
                        // reserved capacity, so this neither allocates nor
                        // panics.
                        moves.push((from as u32, to as u32));
                    },
                    |pool| {
                        // Points the index at the entries' new slots: only
                        // entries at or above `len` can have moved.
                        for entry in index.iter_mut() {
                            if entry.slot as usize >= len {
                                entry.slot = pool.slot_now(entry.slot as usize) as u32;
                            }
                        }
                    },
                );
                if target > len {
                    // Best effort: the pool is valid either way.
                    let _ = self.pool.try_reserve_exact(target - len);
                }
            }
        }
        // The stored hashes make this shrink run no user code.
        let _ = table::try_shrink(&mut self.index, target, rehash);
        moves
    }

    /// The moves the last `reclaim_with` made, leaving none.
    pub(crate) fn take_moves(&mut self) -> Vec<Move, A> {
        let none = Vec::new_in(self.index.allocator().clone());
        mem::replace(&mut self.moves, none)
    }
}

impl<K: Clone, V: Clone, A: Allocator + Clone> Clone for PoolStore<K, V, A> {
    /// The same entries in the same slots, with the same stamps: a handle
    /// of the original finds its entry's copy in the clone. New entries of
    /// the clone draw stamps of their own.
    fn clone(&self) -> Self {
        Self::from_parts(self.pool.clone(), self.index.clone())
    }
}

impl<K, V, A: Allocator + Clone> fmt::Debug for PoolStore<K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolStore")
            .field("len", &self.pool.len())
            .field("pool_capacity", &self.pool.capacity())
            .field("index_buckets", &self.index.num_buckets())
            .field("epoch", &self.epoch)
            .finish()
    }
}

/// A pool slot as stored in the index and in handles.
#[inline]
fn slot_number(slot: usize) -> u32 {
    match u32::try_from(slot) {
        Ok(slot) => slot,
        Err(_) => too_many_slots(),
    }
}

#[cold]
#[inline(never)]
fn too_many_slots() -> ! {
    panic!("PooledMap holds at most 2^32 entries")
}

/// Whether `record` is the index record of an entry with the folded `hash`
/// for which `eq` holds.
#[inline(always)]
fn is_entry<K, V, A: Allocator>(
    pool: &Pool<Slot<K, V>, A>,
    record: &IndexEntry,
    hash: u32,
    eq: impl FnOnce(&(K, V)) -> bool,
) -> bool {
    record.hash == hash && pool.get(record.slot as usize).is_some_and(|s| eq(&s.entry))
}

/// Puts a new entry (with no stamp until a handle to it is handed out)
/// into the slot the pool reuses next and returns its index record, or
/// gives the entry back if the pool is full.
#[inline(always)]
fn place<K, V, A: Allocator>(
    pool: &mut Pool<Slot<K, V>, A>,
    hash: u32,
    entry: (K, V),
) -> Result<IndexEntry, (K, V)> {
    match pool.try_insert(Slot::new(hash, entry)) {
        // The slot is below the pool's capacity, which `pool::MAX_SLOTS`
        // bounds.
        Ok(slot) => {
            debug_assert!(slot < pool::MAX_SLOTS);
            Ok(IndexEntry {
                slot: slot as u32,
                hash,
            })
        }
        Err(slot) => Err(slot.entry),
    }
}

/// Takes out the index record of the entry in `slot`, whose folded hash is
/// `hash`; `false` if there is none.
fn unlink<A: Allocator>(index: &mut HashTable<IndexEntry, A>, slot: usize, hash: u32) -> bool {
    match index.find_entry(expand(hash), |e| e.slot as usize == slot) {
        Ok(record) => {
            record.remove();
            true
        }
        Err(_) => false,
    }
}

/// Takes the index record of a slot whose entry `replace_with` took out,
/// unless disarmed: a panicking closure leaves the index and the pool in
/// step.
struct Unlink<'a, A: Allocator> {
    index: &'a mut HashTable<IndexEntry, A>,
    slot: usize,
    hash: u32,
}

impl<A: Allocator> Drop for Unlink<'_, A> {
    fn drop(&mut self) {
        unlink(self.index, self.slot, self.hash);
    }
}

impl<K, V, A: Allocator + Clone> Store<K, V> for PoolStore<K, V, A> {
    const ROUNDING: fn(usize) -> usize = table::rounded_capacity::<IndexEntry>;
    type Alloc = A;
    type Pos = usize;
    type Iter<'a>
        = Iter<'a, K, V>
    where
        Self: 'a,
        K: 'a,
        V: 'a;
    type IterMut<'a>
        = IterMut<'a, K, V>
    where
        Self: 'a,
        K: 'a,
        V: 'a;
    type IntoIter = IntoIter<K, V, A>;
    type Drain<'a>
        = Drain<'a, K, V, A>
    where
        Self: 'a;

    fn new_in(alloc: A) -> Self {
        Self::from_parts(Pool::new_in(alloc.clone()), HashTable::new_in(alloc))
    }

    fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        Self::from_parts(
            Pool::with_capacity_in(capacity, alloc.clone()),
            HashTable::with_capacity_in(capacity, alloc),
        )
    }

    fn allocator(&self) -> &A {
        self.index.allocator()
    }

    #[inline(always)]
    fn len(&self) -> usize {
        self.pool.len()
    }

    #[inline(always)]
    fn capacity(&self) -> usize {
        self.pool.capacity().min(self.index.capacity())
    }

    #[inline(always)]
    fn full_capacity(&self) -> usize {
        self.policy_capacity()
    }

    #[inline(always)]
    fn size_key(&self) -> usize {
        self.policy_capacity()
    }

    fn allocated_bytes(&self) -> usize {
        self.pool.capacity() * slot_bytes::<K, V>() + self.index.allocation_size()
    }

    #[inline(always)]
    fn find(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&(K, V)> {
        let slot = self.find_slot(fold(hash), eq)?;
        Some(&self.pool[slot].entry)
    }

    #[inline(always)]
    fn find_mut(&mut self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&mut (K, V)> {
        let slot = self.find_slot(fold(hash), eq)?;
        Some(&mut self.pool[slot].entry)
    }

    #[inline]
    fn find_pos(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<usize> {
        self.find_slot(fold(hash), eq)
    }

    #[inline]
    fn at(&self, pos: usize) -> &(K, V) {
        &self.pool[pos].entry
    }

    #[inline]
    fn at_mut(&mut self, pos: usize) -> &mut (K, V) {
        &mut self.pool[pos].entry
    }

    #[inline(always)]
    fn upsert(
        &mut self,
        hash: u64,
        entry: (K, V),
        eq: impl Fn(&K, &(K, V)) -> bool,
        _hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<Option<V>, (K, V)> {
        // The pool's room is tested when the entry goes in.
        if table::free_slots(&self.index) == 0 {
            return Err(entry);
        }
        let hash = fold(hash);
        let Self { pool, index, .. } = self;
        // With room in the index, `entry` does not grow it.
        let found = index.entry(
            expand(hash),
            |e| is_entry(pool, e, hash, |s| eq(&entry.0, s)),
            rehash,
        );
        match found {
            hashbrown::hash_table::Entry::Occupied(record) => {
                let slot = record.get().slot as usize;
                Ok(Some(mem::replace(&mut pool[slot].entry.1, entry.1)))
            }
            hashbrown::hash_table::Entry::Vacant(record) => {
                record.insert(place(pool, hash, entry)?);
                Ok(None)
            }
        }
    }

    // Inlined, with the growth on a cold path: the entry API's vacant
    // insert calls it for every new key.
    #[inline(always)]
    fn insert_new(
        &mut self,
        hash: u64,
        entry: (K, V),
        _hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<usize, ((K, V), TryReserveError)> {
        let hash = fold(hash);
        if table::free_slots(&self.index) == 0 {
            return self.insert_new_after_growth(hash, entry, reclaimer);
        }
        match place(&mut self.pool, hash, entry) {
            Ok(record) => {
                self.index.insert_unique(expand(hash), record, rehash);
                Ok(record.slot as usize)
            }
            Err(entry) => self.insert_new_after_growth(hash, entry, reclaimer),
        }
    }

    #[inline(always)]
    fn remove(
        &mut self,
        hash: u64,
        eq: impl Fn(&(K, V)) -> bool + Copy,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Option<(K, V)> {
        let hash = fold(hash);
        let Self { pool, index, .. } = self;
        let found = index.find_entry(expand(hash), |e| is_entry(pool, e, hash, eq));
        let (record, _) = found.ok()?.remove();
        // Field by field: a large entry then moves in pieces the compiler
        // copies inline, not through `memcpy` calls.
        let Slot {
            entry: (key, value),
            ..
        } = pool.remove(record.slot as usize);
        View::removed(self, hasher, reclaimer);
        Some((key, value))
    }

    #[inline(never)]
    fn remove_at(
        &mut self,
        pos: usize,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> (K, V) {
        let Slot {
            entry: (key, value),
            ..
        } = self.remove_slot(pos);
        View::removed(self, hasher, reclaimer);
        (key, value)
    }

    fn replace_with(
        &mut self,
        pos: usize,
        f: impl FnOnce(&K, V) -> Option<V>,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<usize, K> {
        let Self { pool, index, .. } = self;
        let Slot {
            stamp,
            hash,
            occupied,
            entry: (key, value),
        } = pool.remove(pos);
        // The slot is vacant while `f` runs; its record goes with it if `f`
        // panics or declines.
        let unlink = Unlink {
            index,
            slot: pos,
            hash,
        };
        match f(&key, value) {
            Some(value) => {
                mem::forget(unlink);
                // The slot just freed heads the free list: the entry (and
                // its handles) keep their place.
                let Ok(slot) = pool.try_insert(Slot {
                    stamp,
                    hash,
                    occupied,
                    entry: (key, value),
                }) else {
                    unreachable!("the slot just freed heads the free list")
                };
                debug_assert_eq!(slot, pos);
                Ok(slot)
            }
            None => {
                drop(unlink);
                View::removed(self, hasher, reclaimer);
                Err(key)
            }
        }
    }

    fn retain(&mut self, mut keep: impl FnMut(&mut (K, V)) -> bool) {
        // Walk the pool, which is contiguous. A rejected entry leaves the
        // index and the pool together before it is dropped, so a panic in
        // `keep` or in a destructor leaves the two in step.
        for slot in 0..self.pool.slots() {
            let Some(stored) = self.pool.get_mut(slot) else {
                continue;
            };
            if !keep(&mut stored.entry) {
                drop(self.remove_slot(slot));
            }
        }
    }

    fn try_reserve(
        &mut self,
        additional: usize,
        _hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), TryReserveError> {
        self.reserve_both(additional)
    }

    fn shrink_to(
        &mut self,
        capacity: usize,
        _hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), ShrinkError> {
        let before = Store::allocated_bytes(self);
        let moves = self.compact(capacity, self.keep_handles);
        if !moves.is_empty() {
            self.epoch += 1;
        }
        if !self.keep_handles {
            self.moves = moves;
        }
        if Store::allocated_bytes(self) < before {
            Ok(())
        } else {
            Err(ShrinkError::NoGain)
        }
    }

    fn clear(&mut self, keep: bool) {
        if keep {
            // Index first: its records need no drop, so if a value's drop
            // panics below, both are already empty.
            self.index.clear();
            drop(self.pool.drain());
        } else {
            drop(self.take());
        }
    }

    fn take(&mut self) -> Self {
        let mut empty = Self::new_in(self.allocator().clone());
        // Slot numbers read before stay stale.
        empty.epoch = self.epoch;
        mem::replace(self, empty)
    }

    #[inline]
    fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            inner: self.pool.iter(),
        }
    }

    #[inline]
    fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut {
            inner: self.pool.iter_mut(),
        }
    }

    fn into_entries(self) -> IntoIter<K, V, A> {
        IntoIter {
            inner: self.pool.into_iter(),
        }
    }

    fn drain(&mut self) -> Drain<'_, K, V, A> {
        self.index.clear();
        Drain {
            inner: self.pool.drain(),
        }
    }
}

/// Slots keep their numbers while entries are only taken out: a slot
/// number is a position and a cursor.
impl<K, V, A: Allocator + Clone> StableStore<K, V> for PoolStore<K, V, A> {
    fn next_pos(&self, cursor: &mut usize) -> Option<usize> {
        while *cursor < self.pool.slots() {
            let slot = *cursor;
            *cursor += 1;
            if self.pool.get(slot).is_some() {
                return Some(slot);
            }
        }
        None
    }

    fn take_at(&mut self, pos: usize) -> (K, V) {
        self.remove_slot(pos).entry
    }

    fn get_disjoint_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        mut eq: impl FnMut(usize, &(K, V)) -> bool,
    ) -> [Option<&mut (K, V)>; N] {
        let mut i = 0;
        let slots = hashes.map(|hash| {
            let slot = self.find_slot(fold(hash), |kv| eq(i, kv));
            i += 1;
            slot
        });
        self.pool
            .get_disjoint_mut(slots)
            .map(|slot| slot.map(|s| &mut s.entry))
    }
}

impl<K, V> DefaultStore<K, V> for PoolStore<K, V, PageAlloc> {
    const EMPTY: Self = Self {
        pool: Pool::new_in(PageAlloc),
        index: HashTable::new_in(PageAlloc),
        epoch: 0,
        keep_handles: true,
        moves: Vec::new_in(PageAlloc),
    };
}

/// Iterator over a [`PoolStore`]'s entries, in slot order.
pub struct Iter<'a, K, V> {
    inner: pool::Iter<'a, Slot<K, V>>,
}

/// Iterator over a [`PoolStore`]'s entries, mutably, in slot order.
pub struct IterMut<'a, K, V> {
    inner: pool::IterMut<'a, Slot<K, V>>,
}

/// The entries of a [`PoolStore`], by value; its memory goes with the
/// iterator.
pub struct IntoIter<K, V, A: Allocator + Clone = PageAlloc> {
    inner: pool::IntoIter<Slot<K, V>, A>,
}

/// The entries of a [`PoolStore`], by value; the store keeps its memory.
pub struct Drain<'a, K, V, A: Allocator + Clone = PageAlloc> {
    inner: pool::Drain<'a, Slot<K, V>, A>,
}

impl<K, V> Clone for Iter<'_, K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = &'a (K, V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(_, s)| &s.entry)
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<'a, K, V> Iterator for IterMut<'a, K, V> {
    type Item = &'a mut (K, V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(_, s)| &mut s.entry)
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V, A: Allocator + Clone> Iterator for IntoIter<K, V, A> {
    type Item = (K, V);
    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next().map(|(_, s)| s.entry)
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V, A: Allocator + Clone> Iterator for Drain<'_, K, V, A> {
    type Item = (K, V);
    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next().map(|s| s.entry)
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}
impl<K, V> ExactSizeIterator for IterMut<'_, K, V> {}
impl<K, V, A: Allocator + Clone> ExactSizeIterator for IntoIter<K, V, A> {}
impl<K, V, A: Allocator + Clone> ExactSizeIterator for Drain<'_, K, V, A> {}
impl<K, V> FusedIterator for Iter<'_, K, V> {}
impl<K, V> FusedIterator for IterMut<'_, K, V> {}
impl<K, V, A: Allocator + Clone> FusedIterator for IntoIter<K, V, A> {}
impl<K, V, A: Allocator + Clone> FusedIterator for Drain<'_, K, V, A> {}

/// The pool's slots, split among rayon's threads (the `rayon` feature).
#[cfg(feature = "rayon")]
impl<K, V, A: Allocator + Clone + Send + Sync> map_core::toolkit::ParStore<K, V>
    for PoolStore<K, V, A>
{
    fn par_drive<'a, C>(&'a self, consumer: C) -> C::Result
    where
        C: rayon::iter::plumbing::UnindexedConsumer<&'a (K, V)>,
        K: Sync + 'a,
        V: Sync + 'a,
    {
        use rayon::iter::ParallelIterator;
        self.pool
            .par_values()
            .map(|slot| &slot.entry)
            .drive_unindexed(consumer)
    }

    fn par_drive_mut<'a, C>(&'a mut self, consumer: C) -> C::Result
    where
        C: rayon::iter::plumbing::UnindexedConsumer<&'a mut (K, V)>,
        K: Send + Sync + 'a,
        V: Send + 'a,
    {
        use rayon::iter::ParallelIterator;
        self.pool
            .par_values_mut()
            .map(|slot| &mut slot.entry)
            .drive_unindexed(consumer)
    }

    fn par_drive_drain<C>(&mut self, consumer: C) -> C::Result
    where
        C: rayon::iter::plumbing::UnindexedConsumer<(K, V)>,
        K: Send,
        V: Send,
    {
        use rayon::iter::ParallelIterator;

        // The pool and the index are emptied when the drain ends, however
        // it ends: slots rayon did not reach still hold their entries.
        let mut emptied = map_core::toolkit::par::Emptied::new(self);
        emptied
            .store()
            .pool
            .par_take()
            .map(|slot| slot.entry)
            .drive_unindexed(consumer)
    }
}
