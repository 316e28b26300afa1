//! [`ArenaTable`] as a map's storage: every resize is a move into a fresh
//! arena, refused past the memory limit.

use core::alloc::Layout;

use allocator_api2::alloc::Allocator;
use hashbrown::{hash_table, TryReserveError};
use map_core::toolkit::{table, DefaultStore, Reclaimer, ShrinkError, StableStore, Store, View};
use map_core::Global;

use crate::error::ArenaError;
use crate::raw::{ArenaRef, ArenaTable, IntoEntries};

/// A reclaimer that rounds capacities as an arena table of `(K, V)` does.
pub(crate) fn reclaimer_for<K, V>(policy: map_core::ReclaimPolicy) -> Reclaimer {
    Reclaimer::with_rounding(policy, table::rounded_capacity::<(K, V)>)
}

/// The capacity to move to so that `additional` more entries fit in a table
/// of `len` entries and `full` capacity: hashbrown's own rule (rehash at the
/// same size when tombstones took the room, else at least double).
fn grow_target(len: usize, additional: usize, full: usize) -> Result<usize, ArenaError> {
    let needed = len
        .checked_add(additional)
        .ok_or(ArenaError::CapacityOverflow)?;
    Ok(if needed <= full / 2 {
        full
    } else {
        needed.max(full + 1)
    })
}

impl<K, V, A: Allocator + Clone> ArenaTable<K, V, A> {
    /// Room for one more entry, growing a full table on a cold path.
    #[inline(always)]
    fn room_for_one(
        &mut self,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<(), TryReserveError> {
        if self.room() == 0 {
            self.grow_for_one(hasher, reclaimer)?;
        }
        Ok(())
    }

    /// Room for one more entry in a full table. After a `clear()` that gave
    /// a large arena back, grows towards the size the map held in one step.
    #[cold]
    #[inline(never)]
    fn grow_for_one(
        &mut self,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<(), TryReserveError> {
        let capacity = self.full_capacity();
        let refill = reclaimer.refill_target(self.len(), capacity);
        self.make_room(1, refill, self.limit, hasher)
            .map_err(std_error)?;
        if self.full_capacity() > capacity {
            reclaimer.grew(self.len() + 1);
        }
        Ok(())
    }

    /// The bytes the arena may hold at most, if limited.
    pub fn memory_limit(&self) -> Option<usize> {
        self.limit
    }

    /// Sets or lifts the limit; see [`MemoryLimit`](crate::MemoryLimit).
    pub(crate) fn set_memory_limit(&mut self, limit: Option<usize>) {
        self.limit = limit;
    }

    /// Makes room for `additional` more entries, growing the table as
    /// hashbrown would (double, or rehash when tombstones fill it), by a
    /// move into a fresh arena of at most `budget` bytes; at least to
    /// `refill` entries if given. Remembers why it was refused, for
    /// [`no_room`](Store::no_room).
    pub(crate) fn make_room(
        &mut self,
        additional: usize,
        refill: Option<usize>,
        budget: Option<usize>,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), ArenaError> {
        if self.room() >= additional {
            return Ok(());
        }
        let full = self.full_capacity();
        let target = grow_target(self.len(), additional, full)?.max(refill.unwrap_or(0));
        let result = match self.relocate(target, budget, &hasher) {
            // Under the budget, clearing the tombstones may make the room.
            Err(ArenaError::MemoryLimit { .. })
                if target > full && self.len() + additional <= full =>
            {
                self.relocate(full, budget, &hasher)
            }
            result => result,
        };
        self.refused = result.err();
        result
    }
}

/// An arena error as std's `try_reserve` reports one: a refusal of the
/// allocator or of the limit is an `AllocError` with the arena's layout.
fn std_error(error: ArenaError) -> TryReserveError {
    let bytes = match error {
        ArenaError::CapacityOverflow => return TryReserveError::CapacityOverflow,
        ArenaError::MemoryLimit { needed, .. } => needed,
        ArenaError::AllocFailed { bytes } => bytes,
    };
    match Layout::from_size_align(bytes.max(1), 16) {
        Ok(layout) => TryReserveError::AllocError { layout },
        Err(_) => TryReserveError::CapacityOverflow,
    }
}

impl<K, V, A: Allocator + Clone> Store<K, V> for ArenaTable<K, V, A> {
    const ROUNDING: fn(usize) -> usize = table::rounded_capacity::<(K, V)>;
    /// The allocator every arena's chunks, and its state, come from.
    type Alloc = A;
    type Pos = usize;
    type Iter<'a>
        = hash_table::Iter<'a, (K, V)>
    where
        Self: 'a,
        K: 'a,
        V: 'a;
    type IterMut<'a>
        = hash_table::IterMut<'a, (K, V)>
    where
        Self: 'a,
        K: 'a,
        V: 'a;
    type IntoIter = IntoEntries<K, V, A>;
    type Drain<'a>
        = hash_table::Drain<'a, (K, V), ArenaRef<A>>
    where
        Self: 'a;

    fn new_in(alloc: A) -> Self {
        Self::empty(alloc)
    }

    fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        let mut store = Self::empty(alloc);
        // An empty table hashes nothing while it moves.
        if let Err(error) = store.relocate(capacity, None, |_| 0) {
            error.fail();
        }
        store
    }

    fn allocator(&self) -> &A {
        ArenaTable::allocator(self)
    }

    #[inline(always)]
    fn len(&self) -> usize {
        ArenaTable::len(self)
    }

    #[inline(always)]
    fn capacity(&self) -> usize {
        ArenaTable::capacity(self)
    }

    #[inline(always)]
    fn full_capacity(&self) -> usize {
        ArenaTable::full_capacity(self)
    }

    fn size_key(&self) -> usize {
        self.table_bytes()
    }

    fn allocated_bytes(&self) -> usize {
        self.bytes()
    }

    #[inline(always)]
    fn find(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&(K, V)> {
        ArenaTable::find(self, hash, eq)
    }

    #[inline(always)]
    fn find_mut(&mut self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&mut (K, V)> {
        ArenaTable::find_mut(self, hash, eq)
    }

    fn find_pos(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<usize> {
        self.find_bucket(hash, eq)
    }

    fn at(&self, pos: usize) -> &(K, V) {
        self.bucket(pos).expect("an occupied bucket")
    }

    fn at_mut(&mut self, pos: usize) -> &mut (K, V) {
        self.bucket_mut(pos).expect("an occupied bucket")
    }

    #[inline(always)]
    fn upsert(
        &mut self,
        hash: u64,
        entry: (K, V),
        eq: impl Fn(&K, &(K, V)) -> bool,
        _hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<Option<V>, (K, V)> {
        ArenaTable::upsert(self, hash, entry, eq)
    }

    // Inlined, with the growth on a cold path: the entry API's vacant
    // insert calls it for every new key.
    #[inline(always)]
    fn insert_new(
        &mut self,
        hash: u64,
        entry: (K, V),
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<usize, ((K, V), TryReserveError)> {
        if let Err(error) = self.room_for_one(hasher, reclaimer) {
            return Err((entry, error));
        }
        Ok(self.insert_unique(hash, entry))
    }

    #[inline(always)]
    fn insert_new_mut(
        &mut self,
        hash: u64,
        entry: (K, V),
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> &mut (K, V) {
        if let Err(error) = self.room_for_one(hasher, reclaimer) {
            self.no_room(error);
        }
        self.insert_unique_mut(hash, entry)
    }

    #[inline(always)]
    fn remove(
        &mut self,
        hash: u64,
        eq: impl Fn(&(K, V)) -> bool + Copy,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Option<(K, V)> {
        let entry = ArenaTable::remove(self, hash, eq)?;
        View::removed(self, hasher, reclaimer);
        Some(entry)
    }

    fn remove_at(
        &mut self,
        pos: usize,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> (K, V) {
        let entry = self.remove_bucket(pos);
        View::removed(self, hasher, reclaimer);
        entry
    }

    fn replace_with(
        &mut self,
        pos: usize,
        f: impl FnOnce(&K, V) -> Option<V>,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<usize, K> {
        let key = match self.replace_entry_with(pos, f) {
            Ok(bucket) => return Ok(bucket),
            Err(key) => key,
        };
        View::removed(self, hasher, reclaimer);
        Err(key)
    }

    fn retain(&mut self, keep: impl FnMut(&mut (K, V)) -> bool) {
        ArenaTable::retain(self, keep);
    }

    fn try_reserve(
        &mut self,
        additional: usize,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), TryReserveError> {
        self.make_room(additional, None, self.limit, hasher)
            .map_err(std_error)
    }

    fn shrink_to(
        &mut self,
        capacity: usize,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), ShrinkError> {
        ArenaTable::shrink_to(self, capacity, hasher)
    }

    fn clear(&mut self, keep: bool) {
        if keep {
            self.clear_entries();
        } else {
            drop(self.take());
        }
    }

    fn take(&mut self) -> Self {
        ArenaTable::take(self)
    }

    /// A refusal of the memory limit panics with the limit; a refused
    /// allocation is std's.
    fn no_room(&self, error: TryReserveError) -> ! {
        match self.refused {
            Some(refused @ ArenaError::MemoryLimit { .. }) => refused.fail(),
            _ => map_core::toolkit::alloc_failed(error),
        }
    }

    fn iter(&self) -> hash_table::Iter<'_, (K, V)> {
        ArenaTable::iter(self)
    }

    fn iter_mut(&mut self) -> hash_table::IterMut<'_, (K, V)> {
        ArenaTable::iter_mut(self)
    }

    fn into_entries(self) -> IntoEntries<K, V, A> {
        ArenaTable::into_entries(self)
    }

    fn drain(&mut self) -> hash_table::Drain<'_, (K, V), ArenaRef<A>> {
        ArenaTable::drain(self)
    }
}

/// Buckets keep their places while entries are only taken out: a bucket
/// index is a position and a cursor.
impl<K, V, A: Allocator + Clone> StableStore<K, V> for ArenaTable<K, V, A> {
    fn next_pos(&self, cursor: &mut usize) -> Option<usize> {
        self.next_occupied(cursor)
    }

    fn take_at(&mut self, pos: usize) -> (K, V) {
        self.remove_bucket(pos)
    }

    fn get_disjoint_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        eq: impl FnMut(usize, &(K, V)) -> bool,
    ) -> [Option<&mut (K, V)>; N] {
        ArenaTable::get_disjoint_mut(self, hashes, eq)
    }
}

impl<K, V> DefaultStore<K, V> for ArenaTable<K, V, Global> {
    const EMPTY: Self = ArenaTable::EMPTY;
}

/// The table's buckets, split among rayon's threads (the `rayon` feature).
///
/// The table's allocator is a reference to its arena, which only one
/// thread may use: a parallel drain, and `into_par_iter`, first take the
/// entries out on the calling thread (into a vector from the global
/// allocator), then hand them to rayon.
#[cfg(feature = "rayon")]
impl<K, V, A: Allocator + Clone> map_core::toolkit::ParStore<K, V> for ArenaTable<K, V, A> {
    fn par_drive<'a, C>(&'a self, consumer: C) -> C::Result
    where
        C: rayon::iter::plumbing::UnindexedConsumer<&'a (K, V)>,
        K: Sync + 'a,
        V: Sync + 'a,
    {
        rayon::iter::ParallelIterator::drive_unindexed(self.par_iter(), consumer)
    }

    fn par_drive_mut<'a, C>(&'a mut self, consumer: C) -> C::Result
    where
        C: rayon::iter::plumbing::UnindexedConsumer<&'a mut (K, V)>,
        K: Send + Sync + 'a,
        V: Send + 'a,
    {
        rayon::iter::ParallelIterator::drive_unindexed(self.par_iter_mut(), consumer)
    }

    fn par_drive_drain<C>(&mut self, consumer: C) -> C::Result
    where
        C: rayon::iter::plumbing::UnindexedConsumer<(K, V)>,
        K: Send,
        V: Send,
    {
        let entries: Vec<(K, V)> = self.drain().collect();
        rayon::iter::ParallelIterator::drive_unindexed(
            rayon::iter::IntoParallelIterator::into_par_iter(entries),
            consumer,
        )
    }
}
