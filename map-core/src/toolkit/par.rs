//! Parallel iteration, extension and draining of any [`Map`] whose storage
//! is a [`ParStore`], behind the `rayon` feature: `par_iter`,
//! `par_iter_mut`, `par_keys`, `par_values`, `par_values_mut`, `par_drain`,
//! `into_par_iter`, `par_eq`, `ParallelExtend` and `FromParallelIterator`,
//! written once.
//!
//! A storage hands its entries to a rayon consumer four ways (shared,
//! mutable, by value while keeping its memory, by value while freeing it);
//! the map adapts the items to std's shapes (`(&K, &V)`, `(&K, &mut V)`)
//! and applies the clear rule to `par_drain`.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use rayon::iter::plumbing::UnindexedConsumer;
use rayon::iter::{FromParallelIterator, IntoParallelIterator, ParallelExtend, ParallelIterator};

use super::map::Map;
use super::store::Store;

/// A [`Store`] whose entries rayon can visit in parallel: each method
/// drives `consumer` with every entry once, splitting the work as the
/// storage allows (the buckets of a table, the tables of a directory, the
/// slots of a pool).
///
/// ```
/// use map_core::toolkit::{Map, ParStore};
/// use rayon::iter::ParallelIterator;
///
/// fn total<St: ParStore<u64, u64> + Sync, S: Sync>(map: &Map<u64, u64, S, St>) -> u64 {
///     map.par_values().sum()
/// }
///
/// let map: map_core::HashMap<u64, u64> = (0..100).map(|i| (i, i)).collect();
/// assert_eq!(total(&map), 4950);
/// ```
pub trait ParStore<K, V>: Store<K, V> {
    /// Drives `consumer` with a shared borrow of every entry.
    fn par_drive<'a, C>(&'a self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<&'a (K, V)>,
        K: Sync + 'a,
        V: Sync + 'a;

    /// Drives `consumer` with a mutable borrow of every entry (the map
    /// lends out only the values mutably).
    fn par_drive_mut<'a, C>(&'a mut self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<&'a mut (K, V)>,
        K: Send + Sync + 'a,
        V: Send + 'a;

    /// Drives `consumer` with every entry by value, and leaves the store
    /// empty with its memory, whether or not the consumer took them all
    /// (the rest are dropped) or panicked.
    fn par_drive_drain<C>(&mut self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<(K, V)>,
        K: Send,
        V: Send;

    /// Drives `consumer` with every entry by value and frees the store. By
    /// default a parallel drain, then the store's drop.
    fn par_drive_owned<C>(mut self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<(K, V)>,
        K: Send,
        V: Send,
    {
        self.par_drive_drain(consumer)
    }
}

/// A store emptied, its memory kept ([`Store::clear`]), when this guard is
/// dropped: for a [`ParStore::par_drive_drain`] that takes the entries out
/// piece by piece, whose consumer may stop early or panic with pieces left.
///
/// ```
/// use map_core::toolkit::par::Emptied;
///
/// let mut map: map_core::HashMap<u64, u64> = (0..10).map(|i| (i, i)).collect();
/// let capacity = map.capacity();
/// drop(Emptied::new(map.storage_mut()));
/// assert!(map.is_empty());
/// assert_eq!(map.capacity(), capacity);
/// ```
pub struct Emptied<'a, K, V, St: Store<K, V>> {
    store: &'a mut St,
    entries: PhantomData<fn() -> (K, V)>,
}

impl<'a, K, V, St: Store<K, V>> Emptied<'a, K, V, St> {
    /// Guards `store`.
    pub fn new(store: &'a mut St) -> Self {
        Self {
            store,
            entries: PhantomData,
        }
    }

    /// The store, for the drain.
    pub fn store(&mut self) -> &mut St {
        self.store
    }
}

impl<K, V, St: Store<K, V>> Drop for Emptied<'_, K, V, St> {
    fn drop(&mut self) {
        self.store.clear(true);
    }
}

/// The entries of a store, shared, as rayon sees them.
struct Entries<'a, K, V, St>(&'a St, PhantomData<fn() -> (K, V)>);

impl<'a, K, V, St> ParallelIterator for Entries<'a, K, V, St>
where
    St: ParStore<K, V> + Sync,
    K: Sync + 'a,
    V: Sync + 'a,
{
    type Item = &'a (K, V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.0.par_drive(consumer)
    }
}

/// The entries of a store, mutable, as rayon sees them.
struct EntriesMut<'a, K, V, St>(&'a mut St, PhantomData<fn() -> (K, V)>);

impl<'a, K, V, St> ParallelIterator for EntriesMut<'a, K, V, St>
where
    St: ParStore<K, V> + Send,
    K: Send + Sync + 'a,
    V: Send + 'a,
{
    type Item = &'a mut (K, V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.0.par_drive_mut(consumer)
    }
}

/// Parallel iterator over `(&K, &V)`, from [`Map::par_iter`].
pub struct ParIter<'a, K, V, St> {
    store: &'a St,
    entries: PhantomData<fn() -> (K, V)>,
}

/// Parallel iterator over `(&K, &mut V)`, from [`Map::par_iter_mut`].
pub struct ParIterMut<'a, K, V, St> {
    store: &'a mut St,
    entries: PhantomData<fn() -> (K, V)>,
}

/// Owning parallel iterator over `(K, V)`, from `Map::into_par_iter`.
pub struct IntoParIter<K, V, St> {
    store: St,
    entries: PhantomData<fn() -> (K, V)>,
}

/// Parallel draining iterator, from [`Map::par_drain`]. Entries it does not
/// yield (it was dropped, or its consumer stopped early) are dropped.
pub struct ParDrain<'a, K, V, St: Store<K, V>> {
    inner: Drained<'a, St>,
    entries: PhantomData<fn() -> (K, V)>,
}

enum Drained<'a, St> {
    /// The storage stays with the map: it is emptied in place.
    Kept(&'a mut St),
    /// The storage was detached from the map, and is freed when done.
    Released(St),
    /// Driven already.
    Done,
}

/// Parallel iterator over the keys, from [`Map::par_keys`].
pub struct ParKeys<'a, K, V, St> {
    inner: ParIter<'a, K, V, St>,
}

/// Parallel iterator over the values, from [`Map::par_values`].
pub struct ParValues<'a, K, V, St> {
    inner: ParIter<'a, K, V, St>,
}

/// Parallel iterator over mutable values, from [`Map::par_values_mut`].
pub struct ParValuesMut<'a, K, V, St> {
    inner: ParIterMut<'a, K, V, St>,
}

impl<K, V, S, St: ParStore<K, V>> Map<K, V, S, St> {
    /// A parallel iterator over the entries, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let map: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
    /// assert_eq!(map.par_iter().map(|(_, v)| *v).sum::<u64>(), 499_500);
    /// ```
    pub fn par_iter(&self) -> ParIter<'_, K, V, St> {
        ParIter {
            store: &self.store,
            entries: PhantomData,
        }
    }

    /// A parallel iterator over the entries with mutable values, in
    /// arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let mut map: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
    /// map.par_iter_mut().for_each(|(k, v)| *v = k * 2);
    /// assert_eq!(map[&10], 20);
    /// ```
    pub fn par_iter_mut(&mut self) -> ParIterMut<'_, K, V, St> {
        ParIterMut {
            store: &mut self.store,
            entries: PhantomData,
        }
    }

    /// A parallel iterator over the keys, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let map: HashMap<u64, u64> = (0..1000).map(|i| (i, 0)).collect();
    /// assert_eq!(map.par_keys().sum::<u64>(), 499_500);
    /// ```
    pub fn par_keys(&self) -> ParKeys<'_, K, V, St> {
        ParKeys {
            inner: self.par_iter(),
        }
    }

    /// A parallel iterator over the values, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let map: HashMap<u64, u64> = (0..1000).map(|i| (i, 2 * i)).collect();
    /// assert_eq!(map.par_values().sum::<u64>(), 999_000);
    /// ```
    pub fn par_values(&self) -> ParValues<'_, K, V, St> {
        ParValues {
            inner: self.par_iter(),
        }
    }

    /// A parallel iterator over the values, mutable, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let mut map: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
    /// map.par_values_mut().for_each(|v| *v += 1);
    /// assert_eq!(map[&10], 11);
    /// ```
    pub fn par_values_mut(&mut self) -> ParValuesMut<'_, K, V, St> {
        ParValuesMut {
            inner: self.par_iter_mut(),
        }
    }

    /// Removes every entry and yields them in parallel. The storage is kept
    /// or given back as by [`clear`](Map::clear); entries not consumed are
    /// dropped.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let mut map: HashMap<u64, [u8; 64]> = (0..100_000).map(|i| (i, [0; 64])).collect();
    /// assert_eq!(map.par_drain().count(), 100_000);
    /// assert!(map.is_empty());
    /// assert_eq!(map.memory().allocated_bytes, 0, "a large table goes back");
    /// ```
    pub fn par_drain(&mut self) -> ParDrain<'_, K, V, St> {
        let inner = match self.release_for_clear() {
            None => Drained::Kept(&mut self.store),
            Some(old) => Drained::Released(old),
        };
        ParDrain {
            inner,
            entries: PhantomData,
        }
    }
}

impl<K, V, S, St> Map<K, V, S, St>
where
    K: Eq + Hash + Sync,
    V: PartialEq + Sync,
    S: BuildHasher + Sync,
    St: ParStore<K, V> + Sync,
{
    /// Whether the two maps hold the same entries, compared in parallel.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let a: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
    /// let mut b = a.clone();
    /// assert!(a.par_eq(&b));
    /// b.insert(7, 0);
    /// assert!(!a.par_eq(&b));
    /// ```
    pub fn par_eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .par_iter()
                .all(|(key, value)| other.get(key).is_some_and(|v| *value == *v))
    }
}

impl<'a, K, V, St> ParallelIterator for ParIter<'a, K, V, St>
where
    St: ParStore<K, V> + Sync,
    K: Sync + 'a,
    V: Sync + 'a,
{
    type Item = (&'a K, &'a V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        Entries(self.store, PhantomData)
            .map(|(k, v)| (k, v))
            .drive_unindexed(consumer)
    }
}

impl<'a, K, V, St> ParallelIterator for ParIterMut<'a, K, V, St>
where
    St: ParStore<K, V> + Send,
    K: Send + Sync + 'a,
    V: Send + 'a,
{
    type Item = (&'a K, &'a mut V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        EntriesMut(self.store, PhantomData)
            .map(|(k, v)| (&*k, v))
            .drive_unindexed(consumer)
    }
}

impl<K, V, St> ParallelIterator for IntoParIter<K, V, St>
where
    St: ParStore<K, V> + Send,
    K: Send,
    V: Send,
{
    type Item = (K, V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.store.par_drive_owned(consumer)
    }
}

impl<K, V, St> ParallelIterator for ParDrain<'_, K, V, St>
where
    St: ParStore<K, V> + Send,
    K: Send,
    V: Send,
{
    type Item = (K, V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(mut self, consumer: C) -> C::Result {
        match core::mem::replace(&mut self.inner, Drained::Done) {
            Drained::Kept(store) => store.par_drive_drain(consumer),
            Drained::Released(store) => store.par_drive_owned(consumer),
            Drained::Done => unreachable!("a parallel drain is driven once"),
        }
    }
}

impl<K, V, St: Store<K, V>> Drop for ParDrain<'_, K, V, St> {
    /// A drain never driven still empties the map.
    fn drop(&mut self) {
        if let Drained::Kept(store) = &mut self.inner {
            store.clear(true);
        }
    }
}

impl<'a, K, V, St> ParallelIterator for ParKeys<'a, K, V, St>
where
    St: ParStore<K, V> + Sync,
    K: Sync + 'a,
    V: Sync + 'a,
{
    type Item = &'a K;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(k, _)| k).drive_unindexed(consumer)
    }
}

impl<'a, K, V, St> ParallelIterator for ParValues<'a, K, V, St>
where
    St: ParStore<K, V> + Sync,
    K: Sync + 'a,
    V: Sync + 'a,
{
    type Item = &'a V;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(_, v)| v).drive_unindexed(consumer)
    }
}

impl<'a, K, V, St> ParallelIterator for ParValuesMut<'a, K, V, St>
where
    St: ParStore<K, V> + Send,
    K: Send + Sync + 'a,
    V: Send + 'a,
{
    type Item = &'a mut V;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(_, v)| v).drive_unindexed(consumer)
    }
}

impl<K, V, St> Clone for ParIter<'_, K, V, St> {
    fn clone(&self) -> Self {
        Self {
            store: self.store,
            entries: PhantomData,
        }
    }
}

impl<K, V, St> Clone for ParKeys<'_, K, V, St> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V, St> Clone for ParValues<'_, K, V, St> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

/// `Debug` that names the iterator and shows nothing of the entries.
macro_rules! opaque_debug {
    ($($name:ident [$($generics:tt)*] [$($args:tt)*];)*) => {$(
        impl<$($generics)*> fmt::Debug for $name<$($args)*> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    )*};
}

opaque_debug! {
    ParIter [K, V, St] ['_, K, V, St];
    ParIterMut [K, V, St] ['_, K, V, St];
    IntoParIter [K, V, St] [K, V, St];
    ParDrain [K, V, St: Store<K, V>] ['_, K, V, St];
    ParKeys [K, V, St] ['_, K, V, St];
    ParValues [K, V, St] ['_, K, V, St];
    ParValuesMut [K, V, St] ['_, K, V, St];
}

impl<K, V, S, St> IntoParallelIterator for Map<K, V, S, St>
where
    St: ParStore<K, V> + Send,
    K: Send,
    V: Send,
{
    type Item = (K, V);
    type Iter = IntoParIter<K, V, St>;

    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::{IntoParallelIterator, ParallelIterator};
    ///
    /// let map: HashMap<u64, u64> = (0..100).map(|i| (i, i)).collect();
    /// assert_eq!(map.into_par_iter().map(|(k, _)| k).sum::<u64>(), 4950);
    /// ```
    fn into_par_iter(self) -> IntoParIter<K, V, St> {
        IntoParIter {
            store: self.store,
            entries: PhantomData,
        }
    }
}

impl<'a, K, V, S, St> IntoParallelIterator for &'a Map<K, V, S, St>
where
    St: ParStore<K, V> + Sync,
    K: Sync + 'a,
    V: Sync + 'a,
{
    type Item = (&'a K, &'a V);
    type Iter = ParIter<'a, K, V, St>;

    fn into_par_iter(self) -> ParIter<'a, K, V, St> {
        self.par_iter()
    }
}

impl<'a, K, V, S, St> IntoParallelIterator for &'a mut Map<K, V, S, St>
where
    St: ParStore<K, V> + Send,
    K: Send + Sync + 'a,
    V: Send + 'a,
{
    type Item = (&'a K, &'a mut V);
    type Iter = ParIterMut<'a, K, V, St>;

    fn into_par_iter(self) -> ParIterMut<'a, K, V, St> {
        self.par_iter_mut()
    }
}

impl<K, V, S, St> ParallelExtend<(K, V)> for Map<K, V, S, St>
where
    K: Eq + Hash + Send,
    V: Send,
    S: BuildHasher,
    St: Store<K, V>,
{
    /// Collects the entries in parallel, then inserts them on this thread
    /// (the storage has one owner). As `extend`, room for a size hint sets
    /// no capacity floor.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::{IntoParallelIterator, ParallelExtend, ParallelIterator};
    ///
    /// let mut map = HashMap::new();
    /// map.par_extend((0..1000u64).into_par_iter().map(|i| (i, i * 2)));
    /// assert_eq!(map.len(), 1000);
    /// assert_eq!(map[&7], 14);
    /// ```
    fn par_extend<I: IntoParallelIterator<Item = (K, V)>>(&mut self, par_iter: I) {
        let chunks = par_iter.into_par_iter().collect_vec_list();
        let len: usize = chunks.iter().map(Vec::len).sum();
        // As std's `extend`: a map that holds keys may see duplicates.
        let room = if self.is_empty() {
            len
        } else {
            len.div_ceil(2)
        };
        self.reserve_without_floor(room);
        for (k, v) in chunks.into_iter().flatten() {
            self.insert(k, v);
        }
    }
}

impl<'a, K, V, S, St> ParallelExtend<(&'a K, &'a V)> for Map<K, V, S, St>
where
    K: Eq + Hash + Copy + Send + Sync,
    V: Copy + Send + Sync,
    S: BuildHasher,
    St: Store<K, V>,
{
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::ParallelExtend;
    ///
    /// let source: HashMap<u64, u64> = (0..100).map(|i| (i, i)).collect();
    /// let mut copy = HashMap::new();
    /// copy.par_extend(source.par_iter());
    /// assert_eq!(copy, source);
    /// ```
    fn par_extend<I: IntoParallelIterator<Item = (&'a K, &'a V)>>(&mut self, par_iter: I) {
        self.par_extend(par_iter.into_par_iter().map(|(k, v)| (*k, *v)));
    }
}

impl<K, V, S, St> FromParallelIterator<(K, V)> for Map<K, V, S, St>
where
    K: Eq + Hash + Send,
    V: Send,
    S: BuildHasher + Default,
    St: Store<K, V>,
    St::Alloc: Default,
{
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::{IntoParallelIterator, ParallelIterator};
    ///
    /// let map: HashMap<u64, u64> = (0..1000u64).into_par_iter().map(|i| (i, i)).collect();
    /// assert_eq!(map.len(), 1000);
    /// ```
    fn from_par_iter<I: IntoParallelIterator<Item = (K, V)>>(par_iter: I) -> Self {
        let mut map = Self::default();
        map.par_extend(par_iter);
        map
    }
}
