//! Parallel iteration, extension and draining of [`HashMap`] with rayon,
//! behind the `rayon` feature, over hashbrown's rayon support for its
//! `HashTable`.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use allocator_api2::alloc::Allocator;
use hashbrown::hash_table::rayon as table;
use page_alloc::PageAlloc;
use rayon::iter::plumbing::UnindexedConsumer;
use rayon::iter::{FromParallelIterator, IntoParallelIterator, ParallelExtend, ParallelIterator};

use super::HashMap;

/// Parallel iterator over `(&K, &V)`, from [`HashMap::par_iter`].
pub struct ParIter<'a, K, V> {
    inner: table::ParIter<'a, (K, V)>,
}

/// Parallel iterator over `(&K, &mut V)`, from [`HashMap::par_iter_mut`].
///
/// The keys must be `Send` as well as `Sync`: hashbrown lends whole
/// `(K, V)` entries to the worker threads.
pub struct ParIterMut<'a, K, V> {
    inner: table::ParIterMut<'a, (K, V)>,
}

/// Owning parallel iterator over `(K, V)`, from `HashMap::into_par_iter`.
pub struct IntoParIter<K, V, A: Allocator + Clone = PageAlloc> {
    inner: table::IntoParIter<(K, V), A>,
}

/// Parallel draining iterator, from [`HashMap::par_drain`].
pub struct ParDrain<'a, K, V, A: Allocator + Clone = PageAlloc> {
    inner: ParDrainInner<'a, K, V, A>,
}

/// Parallel iterator over the keys, from [`HashMap::par_keys`].
pub struct ParKeys<'a, K, V> {
    inner: ParIter<'a, K, V>,
}

/// Parallel iterator over the values, from [`HashMap::par_values`].
pub struct ParValues<'a, K, V> {
    inner: ParIter<'a, K, V>,
}

/// Parallel iterator over mutable values, from [`HashMap::par_values_mut`].
pub struct ParValuesMut<'a, K, V> {
    inner: ParIterMut<'a, K, V>,
}

enum ParDrainInner<'a, K, V, A: Allocator + Clone> {
    /// The table stays with the map (manual policy, or a small table).
    Kept(table::ParDrain<'a, (K, V), A>),
    /// The table was detached from the map and goes back when this is done.
    Released(table::IntoParIter<(K, V), A>, PhantomData<&'a mut ()>),
}

impl<K, V, S, A: Allocator + Clone> HashMap<K, V, S, A> {
    /// A parallel iterator over the entries, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let map: HashMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
    /// assert_eq!(map.par_iter().map(|(_, v)| *v).sum::<u64>(), 499_500);
    /// ```
    pub fn par_iter(&self) -> ParIter<'_, K, V>
    where
        K: Sync,
        V: Sync,
    {
        ParIter {
            inner: (&self.store.table).into_par_iter(),
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
    pub fn par_iter_mut(&mut self) -> ParIterMut<'_, K, V>
    where
        K: Send + Sync,
        V: Send,
    {
        ParIterMut {
            inner: (&mut self.store.table).into_par_iter(),
        }
    }
}

impl<K, V, S, A: Allocator + Clone> HashMap<K, V, S, A> {
    /// A parallel iterator over the keys, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let map: HashMap<u64, u64> = (0..1000).map(|i| (i, 0)).collect();
    /// assert_eq!(map.par_keys().sum::<u64>(), 499_500);
    /// ```
    pub fn par_keys(&self) -> ParKeys<'_, K, V>
    where
        K: Sync,
        V: Sync,
    {
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
    pub fn par_values(&self) -> ParValues<'_, K, V>
    where
        K: Sync,
        V: Sync,
    {
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
    pub fn par_values_mut(&mut self) -> ParValuesMut<'_, K, V>
    where
        K: Send + Sync,
        V: Send,
    {
        ParValuesMut {
            inner: self.par_iter_mut(),
        }
    }

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
    pub fn par_eq(&self, other: &Self) -> bool
    where
        K: Eq + Hash + Sync,
        V: PartialEq + Sync,
        S: BuildHasher + Sync,
        A: Clone + Sync,
    {
        self.len() == other.len()
            && self
                .par_iter()
                .all(|(key, value)| other.get(key).is_some_and(|v| *value == *v))
    }
}

impl<K, V, S, A: Allocator + Clone> HashMap<K, V, S, A> {
    /// Removes every entry and yields them in parallel. The table is kept
    /// or given back as by [`clear`](Self::clear); entries not consumed are
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
    pub fn par_drain(&mut self) -> ParDrain<'_, K, V, A>
    where
        K: Send,
        V: Send,
        A: Send + Sync,
    {
        let inner = match self.release_for_clear() {
            None => ParDrainInner::Kept(self.store.table.par_drain()),
            Some(old) => ParDrainInner::Released(old.table.into_par_iter(), PhantomData),
        };
        ParDrain { inner }
    }
}

impl<'a, K: Sync, V: Sync> ParallelIterator for ParIter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(k, v)| (k, v)).drive_unindexed(consumer)
    }
}

impl<'a, K: Send + Sync, V: Send> ParallelIterator for ParIterMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(k, v)| (&*k, v)).drive_unindexed(consumer)
    }
}

impl<K: Send, V: Send, A: Allocator + Clone + Send> ParallelIterator for IntoParIter<K, V, A> {
    type Item = (K, V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.drive_unindexed(consumer)
    }
}

impl<K: Send, V: Send, A: Allocator + Clone + Send + Sync> ParallelIterator
    for ParDrain<'_, K, V, A>
{
    type Item = (K, V);

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        match self.inner {
            ParDrainInner::Kept(d) => d.drive_unindexed(consumer),
            ParDrainInner::Released(d, _) => d.drive_unindexed(consumer),
        }
    }
}

impl<'a, K: Sync, V: Sync> ParallelIterator for ParKeys<'a, K, V> {
    type Item = &'a K;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(k, _)| k).drive_unindexed(consumer)
    }
}

impl<'a, K: Sync, V: Sync> ParallelIterator for ParValues<'a, K, V> {
    type Item = &'a V;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(_, v)| v).drive_unindexed(consumer)
    }
}

impl<'a, K: Send + Sync, V: Send> ParallelIterator for ParValuesMut<'a, K, V> {
    type Item = &'a mut V;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(_, v)| v).drive_unindexed(consumer)
    }
}

impl<K, V> Clone for ParKeys<'_, K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V> Clone for ParValues<'_, K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V> fmt::Debug for ParKeys<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParKeys").finish_non_exhaustive()
    }
}

impl<K, V> fmt::Debug for ParValues<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParValues").finish_non_exhaustive()
    }
}

impl<K, V> fmt::Debug for ParValuesMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParValuesMut").finish_non_exhaustive()
    }
}

impl<K, V> Clone for ParIter<'_, K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V> fmt::Debug for ParIter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParIter").finish_non_exhaustive()
    }
}

impl<K, V> fmt::Debug for ParIterMut<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParIterMut").finish_non_exhaustive()
    }
}

impl<K, V, A: Allocator + Clone> fmt::Debug for IntoParIter<K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoParIter").finish_non_exhaustive()
    }
}

impl<K, V, A: Allocator + Clone> fmt::Debug for ParDrain<'_, K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParDrain").finish_non_exhaustive()
    }
}

impl<K: Send, V: Send, S, A: Allocator + Clone + Send> IntoParallelIterator
    for HashMap<K, V, S, A>
{
    type Item = (K, V);
    type Iter = IntoParIter<K, V, A>;

    /// ```
    /// use map_core::HashMap;
    /// use rayon::iter::{IntoParallelIterator, ParallelIterator};
    ///
    /// let map: HashMap<u64, u64> = (0..100).map(|i| (i, i)).collect();
    /// assert_eq!(map.into_par_iter().map(|(k, _)| k).sum::<u64>(), 4950);
    /// ```
    fn into_par_iter(self) -> IntoParIter<K, V, A> {
        IntoParIter {
            inner: self.store.table.into_par_iter(),
        }
    }
}

impl<'a, K: Sync, V: Sync, S, A: Allocator + Clone> IntoParallelIterator
    for &'a HashMap<K, V, S, A>
{
    type Item = (&'a K, &'a V);
    type Iter = ParIter<'a, K, V>;

    fn into_par_iter(self) -> ParIter<'a, K, V> {
        self.par_iter()
    }
}

impl<'a, K: Send + Sync, V: Send, S, A: Allocator + Clone> IntoParallelIterator
    for &'a mut HashMap<K, V, S, A>
{
    type Item = (&'a K, &'a mut V);
    type Iter = ParIterMut<'a, K, V>;

    fn into_par_iter(self) -> ParIterMut<'a, K, V> {
        self.par_iter_mut()
    }
}

impl<K, V, S, A> ParallelExtend<(K, V)> for HashMap<K, V, S, A>
where
    K: Eq + Hash + Send,
    V: Send,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// Collects the entries in parallel, then inserts them on this thread
    /// (the table has one owner). As `extend`, room for a size hint sets no
    /// capacity floor.
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

impl<'a, K, V, S, A> ParallelExtend<(&'a K, &'a V)> for HashMap<K, V, S, A>
where
    K: Eq + Hash + Copy + Send + Sync,
    V: Copy + Send + Sync,
    S: BuildHasher,
    A: Allocator + Clone,
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

impl<K, V, S, A> FromParallelIterator<(K, V)> for HashMap<K, V, S, A>
where
    K: Eq + Hash + Send,
    V: Send,
    S: BuildHasher + Default,
    A: Allocator + Clone + Default,
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
