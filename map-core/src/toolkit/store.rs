//! [`Store`]: what a map's storage does, so that the map's API
//! ([`Map`](super::Map)) is written once over every storage.

use core::iter::FusedIterator;
use core::marker::PhantomData;

use allocator_api2::alloc::Allocator;
use hashbrown::TryReserveError;

use super::{ShrinkError, Storage};
use crate::policy::Reclaimer;

/// A map's storage of `(K, V)` entries, found by their hashes: the table
/// vocabulary (find, insert a new key, remove, retain, iterate) plus the
/// sizes the reclamation protocol reads and the shrink it asks for.
///
/// A storage never hashes a key itself and never decides when to shrink:
/// the map passes `hasher` (the hash of a stored entry) to every method that
/// may move entries, and the [`Reclaimer`] decides. A storage that applies
/// the policy piece by piece (a table of its own at a time) does so in
/// [`remove`](Self::remove), [`remove_at`](Self::remove_at) and
/// [`retain`](Self::retain), through the reclaimer it is handed.
///
/// [`Map`](super::Map) is the std map over any `Store`; map-core's
/// [`HashMap`](crate::HashMap) is `Map` over one hashbrown table.
pub trait Store<K, V>: Sized {
    /// How the store rounds a capacity it is asked for (the reclaimer
    /// rounds floors and targets the same way).
    const ROUNDING: fn(usize) -> usize;
    /// The allocator the store's memory comes from.
    type Alloc: Allocator + Clone;
    /// Where an entry lies, valid until the store next changes. The default
    /// is where a walk over the positions starts.
    type Pos: Copy + Default;
    /// Iterator over shared entries.
    type Iter<'a>: Iterator<Item = &'a (K, V)> + ExactSizeIterator + FusedIterator + Clone
    where
        Self: 'a,
        K: 'a,
        V: 'a;
    /// Iterator over mutable entries.
    type IterMut<'a>: Iterator<Item = &'a mut (K, V)> + ExactSizeIterator + FusedIterator
    where
        Self: 'a,
        K: 'a,
        V: 'a;
    /// Iterator that takes the entries and frees the store.
    type IntoIter: Iterator<Item = (K, V)> + ExactSizeIterator + FusedIterator;
    /// Iterator that takes the entries and keeps the store's memory.
    type Drain<'a>: Iterator<Item = (K, V)> + ExactSizeIterator + FusedIterator
    where
        Self: 'a;

    /// An empty store that allocates nothing yet.
    fn new_in(alloc: Self::Alloc) -> Self;
    /// An empty store with room for at least `capacity` entries.
    fn with_capacity_in(capacity: usize, alloc: Self::Alloc) -> Self;
    /// The allocator.
    fn allocator(&self) -> &Self::Alloc;

    /// Entries held.
    fn len(&self) -> usize;
    /// Whether the store holds no entry.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Entries the store can hold without growing (the map's `capacity()`,
    /// as std means it).
    fn capacity(&self) -> usize;
    /// The capacity the policy reads: what the store holds once the places
    /// of removed entries are reused. At least [`capacity`](Self::capacity);
    /// larger for a table whose removals left tombstones.
    fn full_capacity(&self) -> usize {
        self.capacity()
    }
    /// Changes whenever the store's size changes (see
    /// [`Storage::size_key`]).
    fn size_key(&self) -> usize {
        self.capacity()
    }
    /// Bytes the store holds from its allocator.
    fn allocated_bytes(&self) -> usize;

    /// The entry with this hash for which `eq` holds.
    fn find(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&(K, V)>;
    /// The entry with this hash for which `eq` holds, mutably.
    fn find_mut(&mut self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&mut (K, V)>;
    /// Where the entry with this hash for which `eq` holds lies.
    fn find_pos(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<Self::Pos>;
    /// The entry at `pos`, which [`find_pos`](Self::find_pos) or an insert
    /// returned since the store last changed.
    fn at(&self, pos: Self::Pos) -> &(K, V);
    /// The entry at `pos`, mutably.
    fn at_mut(&mut self, pos: Self::Pos) -> &mut (K, V);

    /// The insert's hot path: replaces the value of `entry`'s key if it is
    /// present, or inserts `entry` if the store has room for it without
    /// growing; otherwise hands `entry` back (the map then looks again on
    /// its cold path). A store may also hand it back where it has room but
    /// keeps work for the cold path (split-map readies a split's tables
    /// there). Never grows, and never calls `hasher` (it is there
    /// for hashbrown's `entry`, which asks for one). `eq` tells whether a
    /// stored entry's key is `entry`'s.
    fn upsert(
        &mut self,
        hash: u64,
        entry: (K, V),
        eq: impl Fn(&K, &(K, V)) -> bool,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<Option<V>, (K, V)>;
    /// Inserts an entry whose key is absent, making room first; after a
    /// `clear()` that gave a large store back, the reclaimer's
    /// [`refill_target`](Reclaimer::refill_target) says how much. On a
    /// failed allocation the entry comes back with the error and the store
    /// is unchanged.
    fn insert_new(
        &mut self,
        hash: u64,
        entry: (K, V),
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<Self::Pos, ((K, V), TryReserveError)>;

    /// [`insert_new`](Self::insert_new) for the entry API, which has no way
    /// to report a failed allocation: hands back the entry itself rather
    /// than its position, and calls [`no_room`](Self::no_room) where
    /// `insert_new` would return an error. A store overrides it where it
    /// can reach the new entry without looking its position up again.
    #[inline(always)]
    fn insert_new_mut(
        &mut self,
        hash: u64,
        entry: (K, V),
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> &mut (K, V) {
        match self.insert_new(hash, entry, hasher, reclaimer) {
            Ok(pos) => self.at_mut(pos),
            Err((_, error)) => self.no_room(error),
        }
    }

    /// Removes the entry with this hash for which `eq` holds, applying the
    /// policy to this removal (the map's hot path).
    fn remove(
        &mut self,
        hash: u64,
        eq: impl Fn(&(K, V)) -> bool + Copy,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Option<(K, V)>;
    /// Removes the entry at `pos`, then applies the policy.
    fn remove_at(
        &mut self,
        pos: Self::Pos,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> (K, V);
    /// Takes the entry at `pos` out and calls `f` with it: puts the value
    /// `f` returns back in its place (returning where it is), or, if `f`
    /// returns `None`, leaves the entry out, applies the policy and returns
    /// the key.
    fn replace_with(
        &mut self,
        pos: Self::Pos,
        f: impl FnOnce(&K, V) -> Option<V>,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<Self::Pos, K>;
    /// Keeps the entries for which `keep` holds, without applying the
    /// policy: the map applies it once afterwards, with
    /// [`after_takes`](Self::after_takes), if any entry left.
    fn retain(&mut self, keep: impl FnMut(&mut (K, V)) -> bool);
    /// Applies the policy after entries were taken out in bulk
    /// ([`retain`](Self::retain), or a walk's
    /// [`StableStore::take_at`]): by default, one look at the whole store. A
    /// store that applies the policy piece by piece looks at each piece.
    fn after_takes(&mut self, hasher: impl Fn(&(K, V)) -> u64, reclaimer: &mut Reclaimer) {
        View::removed(self, hasher, reclaimer);
    }

    /// Makes room for `additional` more entries.
    ///
    /// # Errors
    ///
    /// As std's `try_reserve`; the store is then unchanged.
    fn try_reserve(
        &mut self,
        additional: usize,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), TryReserveError>;
    /// Shrinks to room for at least `capacity` entries (and at least the
    /// entries held), as [`Storage::shrink_to`].
    ///
    /// # Errors
    ///
    /// [`ShrinkError`] if it did not, the store unchanged.
    fn shrink_to(
        &mut self,
        capacity: usize,
        hasher: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), ShrinkError>;
    /// Called after the map's policy changed (a store that caches
    /// thresholds of its own drops them).
    fn policy_changed(&mut self) {}
    /// What a method with no way to report a failure (`insert`, an entry's
    /// insert, `reserve`) does when this store refused room with `error`:
    /// by default std's [`alloc_failed`](super::alloc_failed). A store with
    /// reasons of its own (a memory limit) panics with its reason instead.
    #[cold]
    fn no_room(&self, error: TryReserveError) -> ! {
        super::alloc_failed(error)
    }
    /// Removes every entry, keeping the memory if `keep`. The store is
    /// empty before any entry's `Drop` runs.
    fn clear(&mut self, keep: bool);
    /// Takes the store out, leaving an empty one that holds no memory.
    fn take(&mut self) -> Self;

    /// The entries, shared.
    fn iter(&self) -> Self::Iter<'_>;
    /// The entries, mutably.
    fn iter_mut(&mut self) -> Self::IterMut<'_>;
    /// The entries, by value; the store's memory is freed.
    fn into_entries(self) -> Self::IntoIter;
    /// The entries, by value; the store keeps its memory.
    fn drain(&mut self) -> Self::Drain<'_>;

    /// Calls `f` with each piece the store resizes on its own. By default
    /// the store is one piece, at [`Place::WHOLE`], holding all its bytes;
    /// a store of many tables, split and merged by the hash's top bits,
    /// reports each table. The kit's hysteresis check reads this: a piece
    /// changes size, splits or merges only after a fifth of its entries
    /// changed.
    fn pieces(&self, mut f: impl FnMut(Piece)) {
        f(Piece {
            place: Place::WHOLE,
            bytes: self.allocated_bytes(),
            len: self.len(),
        });
    }
    /// The place of the piece an entry with this hash belongs in, if the
    /// store has one now (by default, [`Place::WHOLE`]).
    fn place_of(&self, hash: u64) -> Option<Place> {
        let _ = hash;
        Some(Place::WHOLE)
    }
}

/// Where a piece of a store lies in a binary trie over the hash's top bits:
/// the piece holds the entries whose top `depth` bits are `prefix`. Splitting
/// a piece makes its two [`halves`](Self::halves); merging them makes their
/// [`parent`](Self::parent) again.
///
/// ```
/// use map_core::toolkit::store::Place;
///
/// let [low, high] = Place::WHOLE.halves();
/// assert_eq!(high, Place { depth: 1, prefix: 1 });
/// assert_eq!(low.parent(), Some(Place::WHOLE));
/// assert_eq!(Place::WHOLE.parent(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    /// How many of the hash's top bits the piece's entries share.
    pub depth: u32,
    /// Those bits.
    pub prefix: usize,
}

impl Place {
    /// The whole store, as one piece.
    pub const WHOLE: Self = Self {
        depth: 0,
        prefix: 0,
    };

    /// The piece this one was split from, or `None` for the whole store.
    #[must_use]
    pub fn parent(self) -> Option<Self> {
        Some(Self {
            depth: self.depth.checked_sub(1)?,
            prefix: self.prefix >> 1,
        })
    }

    /// Whether `other` lies within this piece: it is this piece, or one
    /// made by splitting it (once or more).
    ///
    /// ```
    /// use map_core::toolkit::store::Place;
    ///
    /// let [low, high] = Place::WHOLE.halves();
    /// assert!(Place::WHOLE.contains(high.halves()[0]));
    /// assert!(low.contains(low) && !low.contains(high) && !low.contains(Place::WHOLE));
    /// ```
    #[must_use]
    pub fn contains(self, other: Self) -> bool {
        self.depth <= other.depth
            && other.prefix.checked_shr(other.depth - self.depth) == Some(self.prefix)
    }

    /// The two pieces a split of this one makes.
    #[must_use]
    pub fn halves(self) -> [Self; 2] {
        let depth = self.depth + 1;
        [
            Self {
                depth,
                prefix: self.prefix << 1,
            },
            Self {
                depth,
                prefix: (self.prefix << 1) | 1,
            },
        ]
    }
}

/// A piece of a store, as [`Store::pieces`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Where it lies; its identity while it lives.
    pub place: Place,
    /// Bytes it holds from the allocator.
    pub bytes: usize,
    /// Entries it holds.
    pub len: usize,
}

/// A store and its hasher, as the reclamation protocol ([`Storage`]) sees
/// them: the one adapter every map uses to call its [`Reclaimer`].
pub struct View<'a, K, V, St, H> {
    store: &'a mut St,
    hasher: H,
    entries: PhantomData<fn() -> (K, V)>,
}

impl<'a, K, V, St, H> View<'a, K, V, St, H> {
    /// The protocol's view of `store`, whose entries `hasher` hashes.
    #[inline(always)]
    pub fn new(store: &'a mut St, hasher: H) -> Self {
        Self {
            store,
            hasher,
            entries: PhantomData,
        }
    }
}

impl<'a, K, V, St: Store<K, V>, H: Fn(&(K, V)) -> u64> View<'a, K, V, St, H> {
    /// [`Reclaimer::on_remove`] for a store that an entry just left: the
    /// reclaimer's test inline, and the view made, and the policy applied,
    /// on a cold path only when the test asks for a closer look. Made
    /// inline, the view would be written to the stack on every removal.
    ///
    /// ```
    /// use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    ///
    /// use map_core::toolkit::{Reclaimer, StableStore, Store, View};
    /// use map_core::{Global, ReclaimPolicy, Table};
    ///
    /// let s = BuildHasherDefault::<DefaultHasher>::default();
    /// let hasher = |e: &(u64, u64)| s.hash_one(e.0);
    /// let mut reclaimer = Reclaimer::new(ReclaimPolicy::default());
    /// let mut store: Table<u64, u64, Global> = Table::new_in(Global);
    /// for i in 0..10_000 {
    ///     store.insert_new(s.hash_one(i), (i, i), hasher, &mut reclaimer).unwrap();
    /// }
    /// // An entry taken out without the policy, then the look a store's own
    /// // `remove` ends with.
    /// for i in 0..9_990 {
    ///     let pos = store.find_pos(s.hash_one(i), |e| e.0 == i).unwrap();
    ///     store.take_at(pos);
    ///     View::removed(&mut store, hasher, &mut reclaimer);
    /// }
    /// assert!(store.capacity() < 100, "the policy shrank it");
    /// ```
    #[inline(always)]
    pub fn removed(store: &'a mut St, hasher: H, reclaimer: &mut Reclaimer) {
        if reclaimer.may_shrink(store.len(), store.size_key()) {
            Self::sparse(store, hasher, reclaimer);
        }
    }

    #[cold]
    #[inline(never)]
    fn sparse(store: &'a mut St, hasher: H, reclaimer: &mut Reclaimer) {
        let len = store.len();
        // A view has no garbage for `on_remove` to weigh.
        reclaimer.on_sparse_remove(&mut View::new(store, hasher), len);
    }
}

impl<K, V, St, H> Storage for View<'_, K, V, St, H>
where
    St: Store<K, V>,
    H: Fn(&(K, V)) -> u64,
{
    #[inline(always)]
    fn len(&self) -> usize {
        self.store.len()
    }

    #[inline(always)]
    fn capacity(&self) -> usize {
        self.store.full_capacity()
    }

    #[inline(always)]
    fn size_key(&self) -> usize {
        self.store.size_key()
    }

    #[inline]
    fn allocated_bytes(&self) -> usize {
        self.store.allocated_bytes()
    }

    fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
        self.store.shrink_to(capacity, &self.hasher)
    }

    fn clear_storage(&mut self, keep: bool) {
        self.store.clear(keep);
    }
}

/// A store over an allocator that needs no value ([`PageAlloc`](crate::PageAlloc)), so that
/// maps over it have std's constructors without `_in` (`new`, the `const`
/// `with_hasher`, ...).
pub trait DefaultStore<K, V>: Store<K, V> {
    /// The empty store, allocating nothing.
    const EMPTY: Self;
}

/// A store whose positions stay valid while entries are only taken out, so
/// that a walk can remove entries as it goes ([`Map::extract_if`]) and
/// several entries can be borrowed mutably at once
/// ([`Map::get_disjoint_mut`]).
///
/// [`Map::extract_if`]: super::Map::extract_if
/// [`Map::get_disjoint_mut`]: super::Map::get_disjoint_mut
pub trait StableStore<K, V>: Store<K, V> {
    /// The first position at or after `cursor` that holds an entry, with
    /// `cursor` moved past it; `None` once every position was passed. A
    /// walk starts at `Pos::default()`.
    fn next_pos(&self, cursor: &mut Self::Pos) -> Option<Self::Pos>;
    /// Takes the entry at `pos` out without applying the policy: the other
    /// positions, and a walk's cursor, stay valid. A walk applies the policy
    /// once, with [`Store::after_takes`], when it ends.
    fn take_at(&mut self, pos: Self::Pos) -> (K, V);
    /// The entries with these hashes for which `eq(i, entry)` holds, `i`
    /// being the hash's index; `None` where there is none.
    ///
    /// # Panics
    ///
    /// If two of them are the same entry.
    fn get_disjoint_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        eq: impl FnMut(usize, &(K, V)) -> bool,
    ) -> [Option<&mut (K, V)>; N];
}
