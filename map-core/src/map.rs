//! `HashMap`: [`Map`] over one hashbrown table, with the reclamation policy
//! on every path that removes entries.

use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;
use core::mem;

use allocator_api2::alloc::Allocator;
use hashbrown::hash_table::{self, HashTable};
use hashbrown::{DefaultHashBuilder, TryReserveError};
use page_alloc::PageAlloc;

use crate::policy::Reclaimer;
use crate::toolkit::map::{self as generic, Map};
use crate::toolkit::store::{DefaultStore, StableStore, Store, View};
use crate::toolkit::{iter, table, ShrinkError};

pub(crate) use crate::toolkit::map::{equivalent_key, make_hash, make_hasher};

/// A hash map that gives memory back as it empties: [`Map`] over one
/// hashbrown table.
///
/// The API is std's `HashMap` (plus `new_in`-style constructors for custom
/// allocators); the difference is that every operation that removes entries
/// (`remove`, `remove_entry`, `retain`, `drain`, entry removal, `clear`)
/// consults the [`ReclaimPolicy`](crate::ReclaimPolicy) and shrinks the
/// table when it has become mostly empty. See the [crate docs](crate) for
/// the policy and its cost.
///
/// `S` is the hasher (hashbrown's fast default, as in `hashbrown::HashMap`;
/// use `std::hash::RandomState` where untrusted keys call for DoS
/// resistance), `A` any [`allocator_api2`] allocator: by default
/// [`PageAlloc`], which maps large tables straight from the kernel so that
/// freed ones leave the process's resident memory (see the [crate
/// docs](crate#memory-back-to-the-operating-system)); `new_in(Global)` for
/// the global allocator.
///
/// # Examples
///
/// ```
/// use map_core::HashMap;
///
/// let mut stock = HashMap::new();
/// stock.insert("apples", 3);
/// *stock.entry("pears").or_insert(0) += 5;
/// assert_eq!(stock["pears"], 5);
/// assert_eq!(stock.remove("apples"), Some(3));
/// assert_eq!(stock.len(), 1);
/// ```
pub type HashMap<K, V, S = DefaultHashBuilder, A = PageAlloc> = Map<K, V, S, Table<K, V, A>>;

/// A view into one entry of a [`HashMap`], from [`HashMap::entry`].
pub type Entry<'a, K, V, S, A = PageAlloc> = generic::Entry<'a, K, V, S, Table<K, V, A>>;
/// A present entry of a [`HashMap`].
pub type OccupiedEntry<'a, K, V, S, A = PageAlloc> =
    generic::OccupiedEntry<'a, K, V, S, Table<K, V, A>>;
/// An absent entry of a [`HashMap`].
pub type VacantEntry<'a, K, V, S, A = PageAlloc> =
    generic::VacantEntry<'a, K, V, S, Table<K, V, A>>;
/// An entry looked up by a borrowed key, from [`HashMap::entry_ref`].
pub type EntryRef<'a, 'b, K, Q, V, S, A = PageAlloc> =
    generic::EntryRef<'a, 'b, K, Q, V, S, Table<K, V, A>>;
/// An absent entry looked up by a borrowed key.
pub type VacantEntryRef<'a, 'b, K, Q, V, S, A = PageAlloc> =
    generic::VacantEntryRef<'a, 'b, K, Q, V, S, Table<K, V, A>>;
/// Iterator over `(&K, &V)`, from [`HashMap::iter`].
pub type Iter<'a, K, V> = generic::Iter<hash_table::Iter<'a, (K, V)>>;
/// Iterator over `(&K, &mut V)`, from [`HashMap::iter_mut`].
pub type IterMut<'a, K, V> = generic::IterMut<hash_table::IterMut<'a, (K, V)>>;
/// Owning iterator over `(K, V)`, from `HashMap::into_iter`.
pub type IntoIter<K, V, A = PageAlloc> = generic::IntoIter<hash_table::IntoIter<(K, V), A>>;
/// Iterator over `&K`, from [`HashMap::keys`].
pub type Keys<'a, K, V> = iter::Keys<Iter<'a, K, V>>;
/// Iterator over `&V`, from [`HashMap::values`].
pub type Values<'a, K, V> = iter::Values<Iter<'a, K, V>>;
/// Iterator over `&mut V`, from [`HashMap::values_mut`].
pub type ValuesMut<'a, K, V> = iter::ValuesMut<IterMut<'a, K, V>>;
/// Owning iterator over the keys, from [`HashMap::into_keys`].
pub type IntoKeys<K, V, A = PageAlloc> = iter::IntoKeys<IntoIter<K, V, A>>;
/// Owning iterator over the values, from [`HashMap::into_values`].
pub type IntoValues<K, V, A = PageAlloc> = iter::IntoValues<IntoIter<K, V, A>>;
/// Lazy iterator removing the entries a predicate picks, from
/// [`HashMap::extract_if`].
pub type ExtractIf<'a, K, V, F, S, A = PageAlloc> =
    generic::ExtractIf<'a, K, V, F, S, Table<K, V, A>>;
/// Iterator that removes every entry, from [`HashMap::drain`].
pub type Drain<'a, K, V, A = PageAlloc> =
    generic::Drain<hash_table::Drain<'a, (K, V), A>, hash_table::IntoIter<(K, V), A>>;

/// [`HashMap`]'s storage: one hashbrown table of `(K, V)` entries.
pub struct Table<K, V, A: Allocator = PageAlloc> {
    pub(crate) table: HashTable<(K, V), A>,
}

impl<K: Clone, V: Clone, A: Allocator + Clone> Clone for Table<K, V, A> {
    fn clone(&self) -> Self {
        Self {
            table: self.table.clone(),
        }
    }
}

/// Takes the table out, leaving an empty one with no allocation: the map
/// holds the empty table before any entry's `Drop` runs.
pub(crate) fn detach<T, A: Allocator + Clone>(table: &mut HashTable<T, A>) -> HashTable<T, A> {
    let empty = HashTable::new_in(table.allocator().clone());
    mem::replace(table, empty)
}

impl<K, V, A: Allocator + Clone> Table<K, V, A> {
    /// The policy's look before removing the entry at `bucket`: shrink if
    /// the entries that will remain call for it. Returns where the entry is
    /// afterwards (a shrink moves it).
    #[cold]
    #[inline(never)]
    fn shrink_before_remove(
        &mut self,
        hash: u64,
        eq: impl Fn(&(K, V)) -> bool,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) {
        if self.table.find(hash, eq).is_none() {
            return;
        }
        let len_after = self.table.len() - 1;
        reclaimer.on_sparse_remove(&mut View::new(self, hasher), len_after);
    }

    /// Room for one more entry: one load of the free slots, and the growth
    /// of a full table on a cold path.
    #[inline(always)]
    fn room_for_one(
        &mut self,
        hasher: &impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<(), TryReserveError> {
        if table::free_slots(&self.table) == 0 {
            self.grow_for_one(hasher, reclaimer)?;
        }
        Ok(())
    }

    /// Room for one more entry in a full table.
    #[cold]
    #[inline(never)]
    fn grow_for_one(
        &mut self,
        hasher: &impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<(), TryReserveError> {
        // After a `clear()` that gave a large table back, grow towards the
        // size the map held in a few large steps instead of doubling. A
        // failed allocation here is not an error: the insert then grows the
        // table as usual.
        let len = self.table.len();
        let buckets = self.table.num_buckets();
        if let Some(target) = reclaimer.refill_target(len, table::capacity(&self.table)) {
            let _ = self.table.try_reserve(target.saturating_sub(len), hasher);
        }
        // The grown table gets every entry at once: populated.
        table::filling::<(K, V), _>(len, len.saturating_mul(2), || {
            self.table.try_reserve(1, hasher)
        })?;
        if self.table.num_buckets() != buckets {
            // Either step grew it (not a rehash in place, which a table full
            // of deleted slots may get instead).
            reclaimer.grew(len + 1);
        }
        Ok(())
    }
}

/// Buckets keep their places while entries are only taken out: a bucket
/// index is a position and a cursor.
impl<K, V, A: Allocator + Clone> StableStore<K, V> for Table<K, V, A> {
    fn next_pos(&self, cursor: &mut usize) -> Option<usize> {
        table::next_occupied(&self.table, cursor)
    }

    fn take_at(&mut self, pos: usize) -> (K, V) {
        table::remove_bucket(&mut self.table, pos)
    }

    fn get_disjoint_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        eq: impl FnMut(usize, &(K, V)) -> bool,
    ) -> [Option<&mut (K, V)>; N] {
        self.table.get_disjoint_mut(hashes, eq)
    }
}

impl<K, V, A: Allocator + Clone> Store<K, V> for Table<K, V, A> {
    const ROUNDING: fn(usize) -> usize = table::rounded_capacity::<(K, V)>;
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
    type IntoIter = hash_table::IntoIter<(K, V), A>;
    type Drain<'a>
        = hash_table::Drain<'a, (K, V), A>
    where
        Self: 'a;

    #[inline]
    fn new_in(alloc: A) -> Self {
        Self {
            table: HashTable::new_in(alloc),
        }
    }

    fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        Self {
            table: HashTable::with_capacity_in(capacity, alloc),
        }
    }

    #[inline]
    fn allocator(&self) -> &A {
        self.table.allocator()
    }

    #[inline(always)]
    fn len(&self) -> usize {
        self.table.len()
    }

    #[inline(always)]
    fn capacity(&self) -> usize {
        self.table.capacity()
    }

    #[inline(always)]
    fn full_capacity(&self) -> usize {
        table::capacity(&self.table)
    }

    #[inline(always)]
    fn size_key(&self) -> usize {
        self.table.num_buckets()
    }

    #[inline]
    fn allocated_bytes(&self) -> usize {
        self.table.allocation_size()
    }

    #[inline(always)]
    fn find(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&(K, V)> {
        self.table.find(hash, eq)
    }

    #[inline(always)]
    fn find_mut(&mut self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&mut (K, V)> {
        self.table.find_mut(hash, eq)
    }

    #[inline]
    fn find_pos(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<usize> {
        self.table.find_bucket_index(hash, eq)
    }

    #[inline]
    fn at(&self, pos: usize) -> &(K, V) {
        self.table.get_bucket(pos).expect("an occupied bucket")
    }

    #[inline]
    fn at_mut(&mut self, pos: usize) -> &mut (K, V) {
        self.table.get_bucket_mut(pos).expect("an occupied bucket")
    }

    #[inline(always)]
    fn upsert(
        &mut self,
        hash: u64,
        entry: (K, V),
        eq: impl Fn(&K, &(K, V)) -> bool,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<Option<V>, (K, V)> {
        table::upsert(&mut self.table, hash, entry, eq, hasher)
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
        if let Err(e) = self.room_for_one(&hasher, reclaimer) {
            return Err((entry, e));
        }
        Ok(self.table.insert_unique(hash, entry, hasher).bucket_index())
    }

    #[inline(always)]
    fn insert_new_mut(
        &mut self,
        hash: u64,
        entry: (K, V),
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> &mut (K, V) {
        if let Err(error) = self.room_for_one(&hasher, reclaimer) {
            self.no_room(error);
        }
        self.table.insert_unique(hash, entry, hasher).into_mut()
    }

    #[inline(always)]
    fn remove(
        &mut self,
        hash: u64,
        eq: impl Fn(&(K, V)) -> bool + Copy,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Option<(K, V)> {
        // The policy runs *before* the entry comes out, on a cold path that
        // returns nothing: the hot path then hands the entry straight back
        // (a large value is never held across a call), stays small enough to
        // be inlined into the caller's loop, and a panicking `Hash` in the
        // shrink leaves the entry in place.
        // One comparison: every change of the table's size reaches the
        // reclaimer (`grew` from `insert_new`, the protocol's shrinks and
        // clears, `look_again` after a reserve), which debug builds check.
        debug_assert!(
            reclaimer.knows_size(self.table.num_buckets()),
            "the table's size changed behind the reclaimer's back"
        );
        if reclaimer.may_shrink_announced(self.table.len().wrapping_sub(1)) {
            self.shrink_before_remove(hash, eq, hasher, reclaimer);
        }
        match self.table.find_entry(hash, eq) {
            Ok(entry) => Some(entry.remove().0),
            Err(_) => None,
        }
    }

    fn remove_at(
        &mut self,
        pos: usize,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> (K, V) {
        let kv = table::remove_bucket(&mut self.table, pos);
        View::removed(self, hasher, reclaimer);
        kv
    }

    fn replace_with(
        &mut self,
        pos: usize,
        f: impl FnOnce(&K, V) -> Option<V>,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<usize, K> {
        let key = match table::replace_entry_with(&mut self.table, pos, f) {
            Ok(bucket) => return Ok(bucket),
            Err(key) => key,
        };
        View::removed(self, hasher, reclaimer);
        Err(key)
    }

    fn retain(&mut self, mut keep: impl FnMut(&mut (K, V)) -> bool) {
        self.table.retain(|kv| keep(kv));
    }

    fn try_reserve(
        &mut self,
        additional: usize,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), TryReserveError> {
        self.table.try_reserve(additional, hasher)
    }

    fn shrink_to(
        &mut self,
        capacity: usize,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), ShrinkError> {
        table::try_shrink(&mut self.table, capacity, hasher)
    }

    fn clear(&mut self, keep: bool) {
        if keep {
            self.table.clear();
        } else {
            drop(detach(&mut self.table));
        }
    }

    fn take(&mut self) -> Self {
        Self {
            table: detach(&mut self.table),
        }
    }

    #[inline]
    fn iter(&self) -> Self::Iter<'_> {
        self.table.iter()
    }

    #[inline]
    fn iter_mut(&mut self) -> Self::IterMut<'_> {
        self.table.iter_mut()
    }

    #[inline]
    fn into_entries(self) -> Self::IntoIter {
        self.table.into_iter()
    }

    #[inline]
    fn drain(&mut self) -> Self::Drain<'_> {
        self.table.drain()
    }
}

impl<K, V> DefaultStore<K, V> for Table<K, V, PageAlloc> {
    const EMPTY: Self = Self {
        table: HashTable::new_in(PageAlloc),
    };
}

impl<K, V, S, A> HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// Moves every entry into a new map with room for at least `capacity`
    /// entries that allocates from `alloc`, keeping the hasher and policy;
    /// `self` is left empty (its table is kept until it is dropped or
    /// cleared). This is how a storage re-homes a map, for example into a
    /// fresh arena when it compacts.
    ///
    /// # Errors
    ///
    /// [`ShrinkError::AllocFailed`](crate::toolkit::ShrinkError) if `alloc`
    /// refuses the table; `self` is then unchanged.
    ///
    /// # Panics
    ///
    /// If the key's `Hash` panics; every entry is then still in `self`.
    ///
    /// ```
    /// use map_core::{Global, HashMap};
    ///
    /// let mut map: HashMap<u32, &str> = HashMap::from([(1, "a"), (2, "b")]);
    /// let moved = map.try_move_to(Global, 0).unwrap();
    /// assert!(map.is_empty());
    /// assert_eq!(moved[&2], "b");
    /// ```
    pub fn try_move_to<B>(
        &mut self,
        alloc: B,
        capacity: usize,
    ) -> Result<HashMap<K, V, S, B>, ShrinkError>
    where
        B: Allocator,
        S: Clone,
    {
        // Cloned before any entry moves: a panicking `Clone` loses nothing.
        let hash_builder = self.hash_builder.clone();
        let moved = table::try_move(
            &mut self.store.table,
            alloc,
            capacity,
            make_hasher(&self.hash_builder),
        )?;
        Ok(Map {
            store: Table { table: moved },
            hash_builder,
            reclaimer: self.reclaimer.fresh(),
            entries: PhantomData,
        })
    }
}

mod extra;
#[cfg(feature = "rayon")]
pub(crate) mod par;

/// The walk behind `extract_if`, for [`HashSet`](crate::HashSet).
pub(crate) type ExtractCore<'a, K, V, S, A> =
    crate::toolkit::map::ExtractCore<'a, K, V, S, Table<K, V, A>>;
