//! The owning iterators of [`ArenaMap`](crate::ArenaMap): `into_iter` and
//! `drain`.

use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;

use bumpalo::Bump;

use crate::raw::RawIntoIter;

/// The entries of an [`ArenaMap`](crate::ArenaMap) by value, from
/// `into_iter`. The arena goes back to the allocator when the iterator is
/// dropped; entries not yielded are dropped with it.
pub struct IntoIter<K, V> {
    pub(crate) inner: RawIntoIter<K, V>,
}

/// The keys of an [`ArenaMap`](crate::ArenaMap) by value, from
/// [`into_keys`](crate::ArenaMap::into_keys).
pub type IntoKeys<K, V> = map_core::toolkit::iter::IntoKeys<IntoIter<K, V>>;

/// The values of an [`ArenaMap`](crate::ArenaMap) by value, from
/// [`into_values`](crate::ArenaMap::into_values).
pub type IntoValues<K, V> = map_core::toolkit::iter::IntoValues<IntoIter<K, V>>;

/// The entries removed by [`ArenaMap::drain`](crate::ArenaMap::drain).
/// Entries the iterator did not yield are dropped with it.
pub struct Drain<'a, K, V> {
    pub(crate) inner: DrainInner<'a, K, V>,
}

pub(crate) enum DrainInner<'a, K, V> {
    /// The table stays in the map's arena for the refill.
    Kept(map_core::Drain<'a, K, V, &'static Bump>),
    /// The arena was detached from the map and goes back when this drops.
    Released(RawIntoIter<K, V>, PhantomData<&'a mut ()>),
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);
    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next()
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V> Iterator for Drain<'_, K, V> {
    type Item = (K, V);
    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        match &mut self.inner {
            DrainInner::Kept(d) => d.next(),
            DrainInner::Released(d, _) => d.next(),
        }
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            DrainInner::Kept(d) => d.size_hint(),
            DrainInner::Released(d, _) => d.size_hint(),
        }
    }
}

impl<K, V> ExactSizeIterator for IntoIter<K, V> {}
impl<K, V> FusedIterator for IntoIter<K, V> {}
impl<K, V> ExactSizeIterator for Drain<'_, K, V> {}
impl<K, V> FusedIterator for Drain<'_, K, V> {}

impl<K, V> fmt::Debug for IntoIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter")
            .field("remaining", &self.size_hint().0)
            .finish()
    }
}

impl<K, V> fmt::Debug for Drain<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain")
            .field("remaining", &self.size_hint().0)
            .finish()
    }
}
