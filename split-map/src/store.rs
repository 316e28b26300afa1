//! [`SplitTables`]: the tables of [`crate::tables`] as a
//! [`Store`](map_core::toolkit::Store), so that [`SplitMap`](crate::SplitMap)
//! is map-core's [`Map`](map_core::toolkit::Map) over them, with the policy
//! applied table by table on every path that removes entries.

use core::mem;

use allocator_api2::alloc::Allocator;
use hashbrown::TryReserveError;
use map_core::toolkit::{
    alloc_failed, table, DefaultStore, Piece, Place, Reclaimer, ShrinkError, StableStore, Store,
};
use map_core::PageAlloc;

use crate::iter::{DrainEntries, Entries, EntriesMut, IntoEntries};
use crate::tables::Tables;

/// [`SplitMap`](crate::SplitMap)'s storage: many small hashbrown tables
/// found through a directory, each split, grown, shrunk or merged on its
/// own (see the [crate docs](crate)).
///
/// A map's storage is reached through
/// [`Map::storage`](map_core::toolkit::Map::storage), for the figures only
/// it has:
///
/// ```
/// use split_map::SplitMap;
///
/// let map: SplitMap<u64, u64> = (0..100_000).map(|i| (i, i)).collect();
/// assert!(map.storage().table_count() > 1);
/// ```
pub struct SplitTables<K, V, A: Allocator + Clone = PageAlloc> {
    pub(crate) tables: Tables<(K, V), A>,
}

impl<K, V, A: Allocator + Clone> SplitTables<K, V, A> {
    /// How many tables hold the entries.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::new();
    /// assert_eq!(map.storage().table_count(), 0);
    /// map.insert(1, 1);
    /// assert_eq!(map.storage().table_count(), 1);
    /// ```
    pub fn table_count(&self) -> usize {
        self.tables.table_count()
    }

    /// The policy's look after a removal left table `i` sparse.
    ///
    /// `hasher` comes by value (a closure over a reference, so a register):
    /// by reference, the hot path that calls this would write it to the
    /// stack on every removal.
    #[cold]
    #[inline(never)]
    fn after_sparse_remove(
        &mut self,
        i: usize,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) {
        let floor = reclaimer.min_capacity_now();
        if let Some(before) = self
            .tables
            .after_sparse_remove(i, reclaimer.policy(), floor, &hasher)
        {
            reclaimer.record_release(before, self.tables.allocated_bytes());
        }
    }

    /// Counts a removal from table `i`, and applies the policy if it left
    /// the table `sparse` (as its `Shard::is_sparse` said after the
    /// removal).
    #[inline(always)]
    fn removed_from(
        &mut self,
        i: usize,
        sparse: bool,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) {
        self.tables.len -= 1;
        if sparse {
            self.after_sparse_remove(i, hasher, reclaimer);
        }
    }
}

impl<K: Clone, V: Clone, A: Allocator + Clone> Clone for SplitTables<K, V, A> {
    fn clone(&self) -> Self {
        Self {
            tables: self.tables.clone(),
        }
    }
}

/// Capacities are what the tables hold: no rounding of their own.
fn exact(capacity: usize) -> usize {
    capacity
}

impl<K, V, A: Allocator + Clone> Store<K, V> for SplitTables<K, V, A> {
    const ROUNDING: fn(usize) -> usize = exact;
    type Alloc = A;
    /// The table and the bucket.
    type Pos = (usize, usize);
    type Iter<'a>
        = Entries<'a, K, V, A>
    where
        Self: 'a,
        K: 'a,
        V: 'a;
    type IterMut<'a>
        = EntriesMut<'a, K, V, A>
    where
        Self: 'a,
        K: 'a,
        V: 'a;
    type IntoIter = IntoEntries<K, V, A>;
    type Drain<'a>
        = DrainEntries<'a, K, V, A>
    where
        Self: 'a;

    fn new_in(alloc: A) -> Self {
        Self {
            tables: Tables::empty_in(alloc),
        }
    }

    fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        let mut store = Self::new_in(alloc);
        // An empty storage hashes nothing while it makes room.
        if let Err(e) = store.tables.reserve(capacity, &|_| 0) {
            alloc_failed(e);
        }
        store
    }

    fn allocator(&self) -> &A {
        &self.tables.alloc
    }

    #[inline(always)]
    fn len(&self) -> usize {
        self.tables.len
    }

    #[inline]
    fn capacity(&self) -> usize {
        self.tables.capacity()
    }

    fn allocated_bytes(&self) -> usize {
        self.tables.allocated_bytes()
    }

    #[inline(always)]
    fn find(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&(K, V)> {
        self.tables.find(hash, eq)
    }

    #[inline(always)]
    fn find_mut(&mut self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&mut (K, V)> {
        self.tables.shard_mut(hash)?.1.table.find_mut(hash, eq)
    }

    #[inline]
    fn find_pos(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<(usize, usize)> {
        let i = self.tables.index(hash);
        let bucket = self
            .tables
            .shards
            .get(i)?
            .table
            .find_bucket_index(hash, eq)?;
        Some((i, bucket))
    }

    #[inline]
    fn at(&self, (i, bucket): (usize, usize)) -> &(K, V) {
        self.tables.shards[i]
            .table
            .get_bucket(bucket)
            .expect("an occupied entry's bucket is full")
    }

    #[inline]
    fn at_mut(&mut self, (i, bucket): (usize, usize)) -> &mut (K, V) {
        self.tables.shards[i]
            .table
            .get_bucket_mut(bucket)
            .expect("an occupied entry's bucket is full")
    }

    #[inline(always)]
    fn upsert(
        &mut self,
        hash: u64,
        entry: (K, V),
        eq: impl Fn(&K, &(K, V)) -> bool,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<Option<V>, (K, V)> {
        let Some((_, shard)) = self.tables.shard_mut(hash) else {
            return Err(entry);
        };
        // A table near its split takes the cold path (`insert_new`), which
        // readies the split's tables.
        let room = shard.has_room_to_spare();
        let result = table::upsert_if(room, &mut shard.table, hash, entry, eq, hasher);
        if let Ok(None) = result {
            self.tables.len += 1;
        }
        result
    }

    // Inlined: the entry API's vacant insert calls it for every new key;
    // the growth of a full table is on `make_room`'s cold path.
    #[inline(always)]
    fn insert_new(
        &mut self,
        hash: u64,
        entry: (K, V),
        hasher: impl Fn(&(K, V)) -> u64,
        _reclaimer: &mut Reclaimer,
    ) -> Result<(usize, usize), ((K, V), TryReserveError)> {
        let i = match self.tables.make_room(hash, &hasher) {
            Ok(i) => i,
            Err(error) => return Err((entry, error)),
        };
        let placed = self.tables.insert_new(i, hash, entry, hasher);
        Ok((i, placed.bucket_index()))
    }

    #[inline(always)]
    fn insert_new_mut(
        &mut self,
        hash: u64,
        entry: (K, V),
        hasher: impl Fn(&(K, V)) -> u64,
        _reclaimer: &mut Reclaimer,
    ) -> &mut (K, V) {
        let i = match self.tables.make_room(hash, &hasher) {
            Ok(i) => i,
            Err(error) => self.no_room(error),
        };
        self.tables.insert_new(i, hash, entry, hasher).into_mut()
    }

    #[inline(always)]
    fn remove(
        &mut self,
        hash: u64,
        eq: impl Fn(&(K, V)) -> bool + Copy,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Option<(K, V)> {
        let (i, shard) = self.tables.shard_mut(hash)?;
        let Ok(entry) = shard.table.find_entry(hash, eq) else {
            return None;
        };
        let (item, _) = entry.remove();
        // The table is still at hand: no second look-up of it.
        let sparse = shard.is_sparse();
        self.removed_from(i, sparse, hasher, reclaimer);
        Some(item)
    }

    fn remove_at(
        &mut self,
        (i, bucket): (usize, usize),
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> (K, V) {
        let shard = &mut self.tables.shards[i];
        let item = table::remove_bucket(&mut shard.table, bucket);
        let sparse = shard.is_sparse();
        self.removed_from(i, sparse, hasher, reclaimer);
        item
    }

    fn replace_with(
        &mut self,
        (i, bucket): (usize, usize),
        f: impl FnOnce(&K, V) -> Option<V>,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<(usize, usize), K> {
        let shard = &mut self.tables.shards[i];
        let key = match table::replace_entry_with(&mut shard.table, bucket, f) {
            Ok(bucket) => return Ok((i, bucket)),
            Err(key) => key,
        };
        let sparse = shard.is_sparse();
        self.removed_from(i, sparse, hasher, reclaimer);
        Err(key)
    }

    fn retain(&mut self, mut keep: impl FnMut(&mut (K, V)) -> bool) {
        // Every table is filtered before the policy looks at any (the map
        // calls `after_takes` then): a merge moves tables around, and every
        // table must be filtered exactly once.
        let (shards, len) = self.tables.drain_parts();
        for shard in shards.iter_mut() {
            shard.table.retain(|entry| {
                let kept = keep(entry);
                // Counted as it goes: a panicking `keep` leaves `len` true.
                if !kept {
                    *len -= 1;
                }
                kept
            });
        }
    }

    /// Looks at every sparse table once takes (or a `retain`) are done.
    fn after_takes(&mut self, hasher: impl Fn(&(K, V)) -> u64, reclaimer: &mut Reclaimer) {
        // A merge moves the last table into the freed place, which this
        // pass may have gone by: passes repeat while tables merge (each
        // pass looks at a table again only if it is still sparse).
        loop {
            let tables = self.tables.shards.len();
            let mut i = 0;
            while i < self.tables.shards.len() {
                if self.tables.shards[i].is_sparse() {
                    self.after_sparse_remove(i, &hasher, reclaimer);
                }
                i += 1;
            }
            if self.tables.shards.len() == tables {
                break;
            }
        }
    }

    fn try_reserve(
        &mut self,
        additional: usize,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), TryReserveError> {
        let need = self
            .tables
            .len
            .checked_add(additional)
            .ok_or(TryReserveError::CapacityOverflow)?;
        if need.checked_mul(16).is_none() {
            return Err(TryReserveError::CapacityOverflow);
        }
        self.tables.reserve(additional, &hasher)
    }

    fn shrink_to(
        &mut self,
        capacity: usize,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), ShrinkError> {
        if self.tables.shrink_all(capacity, &hasher) {
            Ok(())
        } else {
            Err(ShrinkError::NoGain)
        }
    }

    fn policy_changed(&mut self) {
        self.tables.reset_checks();
    }

    fn clear(&mut self, keep: bool) {
        self.tables.clear(keep);
    }

    fn take(&mut self) -> Self {
        let empty = Tables::empty_in(self.tables.alloc.clone());
        Self {
            tables: mem::replace(&mut self.tables, empty),
        }
    }

    #[inline]
    fn iter(&self) -> Entries<'_, K, V, A> {
        Entries::new(&self.tables)
    }

    #[inline]
    fn iter_mut(&mut self) -> EntriesMut<'_, K, V, A> {
        EntriesMut::new(&mut self.tables)
    }

    fn into_entries(mut self) -> IntoEntries<K, V, A> {
        IntoEntries::new(self.tables.take())
    }

    fn drain(&mut self) -> DrainEntries<'_, K, V, A> {
        DrainEntries::new(&mut self.tables)
    }

    fn pieces(&self, f: impl FnMut(Piece)) {
        self.tables.pieces(f);
    }

    fn place_of(&self, hash: u64) -> Option<Place> {
        self.tables.place_of(hash)
    }
}

impl<K, V> DefaultStore<K, V> for SplitTables<K, V, PageAlloc> {
    const EMPTY: Self = Self {
        tables: Tables::new_in(PageAlloc),
    };
}

/// A table's buckets keep their places while entries are only taken out,
/// and a take merges nothing: a table and a bucket are a position, and a
/// cursor.
impl<K, V, A: Allocator + Clone> StableStore<K, V> for SplitTables<K, V, A> {
    fn next_pos(&self, (i, bucket): &mut (usize, usize)) -> Option<(usize, usize)> {
        while let Some(shard) = self.tables.shards.get(*i) {
            if let Some(at) = table::next_occupied(&shard.table, bucket) {
                return Some((*i, at));
            }
            *i += 1;
            *bucket = 0;
        }
        None
    }

    fn take_at(&mut self, (i, bucket): (usize, usize)) -> (K, V) {
        let item = table::remove_bucket(&mut self.tables.shards[i].table, bucket);
        self.tables.len -= 1;
        item
    }

    fn get_disjoint_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        mut eq: impl FnMut(usize, &(K, V)) -> bool,
    ) -> [Option<&mut (K, V)>; N] {
        // The tables the keys belong to, each asked once for the keys that
        // belong to it: entries of different tables are disjoint, and
        // hashbrown checks those of one table.
        let tables = hashes.map(|hash| self.tables.index(hash));
        let mut order = tables;
        order.sort_unstable();
        let mut found = [(); N].map(|()| None);
        let mut rest = &mut self.tables.shards[..];
        let mut first = 0;
        for (n, &t) in order.iter().enumerate() {
            if n > 0 && order[n - 1] == t {
                continue;
            }
            let Some((shard, tail)) = mem::take(&mut rest)
                .get_mut(t - first..)
                .and_then(<[_]>::split_first_mut)
            else {
                break;
            };
            rest = tail;
            first = t + 1;
            let entries = shard
                .table
                .get_disjoint_mut(hashes, |k, entry| tables[k] == t && eq(k, entry));
            for (slot, entry) in found.iter_mut().zip(entries) {
                if entry.is_some() {
                    *slot = entry;
                }
            }
        }
        found
    }
}
