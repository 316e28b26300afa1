//! The storage: entries in a pool, a hash index of slot numbers beside it,
//! and the compaction that moves entries down and shrinks both.
//!
//! Nothing in this file runs user code. The index stores each entry's hash,
//! so growing, rehashing, shrinking and patching it never calls `Hash`; the
//! pool moves entries with `Pool::compact`, whose callback here only records
//! the move. A panicking `Hash`, `Eq` or `Drop` can therefore only happen
//! outside these mechanics, before or after the two structures are updated
//! together.

use alloc::vec::Vec;
use core::mem;
use core::num::NonZeroU64;
use core::sync::atomic::{AtomicBool, Ordering};

use allocator_api2::alloc::Allocator;
use hashbrown::HashTable;
use map_core::toolkit::table;

use crate::handle::Handle;
use crate::pool::{self, Pool};

/// One pooled entry.
pub(crate) struct Slot<K, V> {
    /// Unique per insert; handles compare it. Non-zero so the pool's
    /// vacant/occupied tag fits in its niche.
    pub(crate) stamp: NonZeroU64,
    /// Whether a handle to this entry was ever handed out: compaction then
    /// leaves it in its slot, so the handle stays valid until the entry is
    /// removed. Atomic so that `&self` methods (`handle_of`, `handles`) can
    /// set it; it fits in the padding beside `hash`.
    pinned: AtomicBool,
    /// The key's hash, folded to 32 bits: lets a handle find its index entry
    /// without hashing.
    pub(crate) hash: u32,
    pub(crate) key: K,
    pub(crate) value: V,
}

impl<K, V> Slot<K, V> {
    pub(crate) fn new(stamp: NonZeroU64, hash: u32, key: K, value: V) -> Self {
        Self {
            stamp,
            pinned: AtomicBool::new(false),
            hash,
            key,
            value,
        }
    }

    /// The entry's handle, which from now on stays valid until the entry is
    /// removed.
    #[inline]
    pub(crate) fn handle(&self, slot: u32) -> Handle {
        if !self.pinned.load(Ordering::Relaxed) {
            self.pinned.store(true, Ordering::Relaxed);
        }
        Handle {
            stamp: self.stamp,
            slot,
        }
    }

    fn pinned(&self) -> bool {
        self.pinned.load(Ordering::Relaxed)
    }

    /// Keeps the entry in its slot from now on, as [`handle`](Self::handle)
    /// does, through exclusive access.
    fn pin(&mut self) {
        *self.pinned.get_mut() = true;
    }
}

impl<K: Clone, V: Clone> Clone for Slot<K, V> {
    fn clone(&self) -> Self {
        Self {
            stamp: self.stamp,
            pinned: AtomicBool::new(self.pinned()),
            hash: self.hash,
            key: self.key.clone(),
            value: self.value.clone(),
        }
    }
}

/// One index entry: where the entry lives, and its folded hash (so the
/// index rehashes without reading the pool or running user code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IndexEntry {
    pub(crate) slot: u32,
    pub(crate) hash: u32,
}

/// Folds a 64-bit hash to the 32 bits stored with each entry.
#[inline(always)]
pub(crate) fn fold(hash: u64) -> u32 {
    ((hash >> 32) ^ hash) as u32
}

/// The hash the index is probed with, derived from the stored 32 bits alone.
/// The odd multiplier spreads them over the 64 bits hashbrown reads (low
/// bits choose the bucket, the top seven are the tag).
#[inline(always)]
pub(crate) fn expand(hash: u32) -> u64 {
    (hash as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[inline(always)]
pub(crate) fn rehash(entry: &IndexEntry) -> u64 {
    expand(entry.hash)
}

/// Bytes the pool allocates per slot.
pub(crate) const fn slot_bytes<K, V>() -> usize {
    mem::size_of::<pool::Entry<Slot<K, V>>>()
}

/// A move made by compaction: the entry at slot `from` now lives at `to`.
pub(crate) type Move = (u32, u32);

/// The pool and its index. They always hold the same entries: every index
/// entry names an occupied slot whose stored hash it repeats.
pub(crate) struct Store<K, V, A: Allocator + Clone> {
    pub(crate) pool: Pool<Slot<K, V>, A>,
    pub(crate) index: HashTable<IndexEntry, A>,
    /// How many shrinks have moved entries (see `PooledMap::reclaim_epoch`).
    pub(crate) epoch: u64,
    /// Whether a shrink leaves the entries handles were handed out for
    /// where they are (every reclamation but `reclaim_with`).
    pub(crate) keep_handles: bool,
    /// The moves of the last shrink that moved entries with handles, for
    /// `reclaim_with` to report.
    pub(crate) moves: Vec<Move>,
}

impl<K, V, A: Allocator + Clone> Store<K, V, A> {
    pub(crate) fn new_in(alloc: A) -> Self {
        Self::from_parts(Pool::new_in(alloc.clone()), HashTable::new_in(alloc))
    }

    pub(crate) fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        Self::from_parts(
            Pool::with_capacity_in(capacity, alloc.clone()),
            HashTable::with_capacity_in(capacity, alloc),
        )
    }

    /// A store of this pool and index, at epoch 0.
    pub(crate) fn from_parts(pool: Pool<Slot<K, V>, A>, index: HashTable<IndexEntry, A>) -> Self {
        Self {
            pool,
            index,
            epoch: 0,
            keep_handles: true,
            moves: Vec::new(),
        }
    }

    /// The allocator both the pool and the index allocate from.
    pub(crate) fn allocator(&self) -> &A {
        self.index.allocator()
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.pool.len()
    }

    /// The capacity the policy judges: the larger of the pool's and the
    /// index's, so the map shrinks when either has become too big for the
    /// live entries.
    #[inline]
    pub(crate) fn policy_capacity(&self) -> usize {
        self.pool
            .capacity()
            .max(table::bucket_capacity(self.index.num_buckets()))
    }

    /// Bytes held from the allocator: the pool's slots and the index table.
    pub(crate) fn allocated_bytes(&self) -> usize {
        self.pool.capacity() * slot_bytes::<K, V>() + self.index.allocation_size()
    }

    /// Inserts into the pool and the index an entry known to be absent;
    /// returns its slot.
    ///
    /// # Panics
    ///
    /// If the pool already has 2^32 slots.
    #[inline]
    pub(crate) fn insert_new(&mut self, stamp: NonZeroU64, hash: u32, key: K, value: V) -> u32 {
        let slot = slot_number(self.pool.vacant_key());
        // Grow the index first: once the entry is in the pool, nothing may
        // fail before it is in the index too.
        self.index.reserve(1, rehash);
        self.pool.insert(Slot::new(stamp, hash, key, value));
        self.index
            .insert_unique(expand(hash), IndexEntry { slot, hash }, rehash);
        slot
    }

    /// Removes the entry at `slot` (which must be occupied) from the index
    /// and the pool.
    #[inline]
    pub(crate) fn remove_slot(&mut self, slot: u32, hash: u32) -> Slot<K, V> {
        if let Ok(entry) = self.index.find_entry(expand(hash), |e| e.slot == slot) {
            entry.remove();
        } else {
            debug_assert!(false, "pool slot {slot} missing from the index");
        }
        self.pool.remove(slot as usize)
    }

    /// Detaches everything, leaving an empty store with no allocation (at
    /// the same epoch: slot numbers read before stay stale).
    pub(crate) fn take(&mut self) -> Self {
        let mut empty = Self::new_in(self.allocator().clone());
        empty.epoch = self.epoch;
        mem::replace(self, empty)
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
    pub(crate) fn shrink(&mut self, target: usize, keep_handles: bool) -> Vec<Move> {
        let len = self.len();
        let target = target.max(len);
        let mut moves = Vec::new();
        let capacity = self.pool.capacity();
        if capacity > target {
            // Only entries above slot `len` move, into vacancies below it.
            let most = len.min(capacity - len);
            if moves.try_reserve_exact(most).is_ok() {
                let stays = |slot: &Slot<K, V>| keep_handles && slot.pinned();
                self.pool.compact(stays, |slot, from, to| {
                    if !keep_handles {
                        slot.pin();
                    }
                    // Slots fit in u32 (checked at insert). Within the
                    // reserved capacity, so this neither allocates nor panics.
                    moves.push((from as u32, to as u32));
                });
                self.patch_index(&moves, len);
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

    /// Points the index at the entries' new slots. `moves` is in the order
    /// `Pool::compact` made them: `from` strictly decreasing. Only entries
    /// at or above `len` can have moved; those not in `moves` were pinned
    /// and stayed.
    fn patch_index(&mut self, moves: &[Move], len: usize) {
        if moves.is_empty() {
            return;
        }
        for entry in self.index.iter_mut() {
            if entry.slot as usize >= len {
                if let Ok(i) = moves.binary_search_by(|&(from, _)| entry.slot.cmp(&from)) {
                    entry.slot = moves[i].1;
                }
            }
        }
    }
}

/// A pool slot as stored in the index and in handles.
#[inline]
pub(crate) fn slot_number(slot: usize) -> u32 {
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
