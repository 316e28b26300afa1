//! Iterators over a [`SplitMap`](crate::SplitMap): table after table.
//!
//! The borrowing iterators name the allocator (`A`, `Global` by default)
//! because they walk the map's list of tables, which lives in it.

use core::fmt;
use core::iter::FusedIterator;
use core::slice;

use allocator_api2::alloc::Allocator;
use allocator_api2::vec;
use hashbrown::hash_table;
use map_core::PageAlloc;

use crate::tables::{Shard, Tables};

/// The keys of a map, from [`SplitMap::keys`](crate::SplitMap::keys).
pub type Keys<'a, K, V, A = PageAlloc> = map_core::toolkit::iter::Keys<Iter<'a, K, V, A>>;
/// The values of a map, from [`SplitMap::values`](crate::SplitMap::values).
pub type Values<'a, K, V, A = PageAlloc> = map_core::toolkit::iter::Values<Iter<'a, K, V, A>>;
/// The values of a map, mutably, from
/// [`SplitMap::values_mut`](crate::SplitMap::values_mut).
pub type ValuesMut<'a, K, V, A = PageAlloc> =
    map_core::toolkit::iter::ValuesMut<IterMut<'a, K, V, A>>;
/// The keys of a consumed map, from
/// [`SplitMap::into_keys`](crate::SplitMap::into_keys).
pub type IntoKeys<K, V, A = PageAlloc> = map_core::toolkit::iter::IntoKeys<IntoIter<K, V, A>>;
/// The values of a consumed map, from
/// [`SplitMap::into_values`](crate::SplitMap::into_values).
pub type IntoValues<K, V, A = PageAlloc> = map_core::toolkit::iter::IntoValues<IntoIter<K, V, A>>;

/// The entries of a map, from [`SplitMap::iter`](crate::SplitMap::iter).
pub struct Iter<'a, K, V, A: Allocator = PageAlloc> {
    shards: slice::Iter<'a, Shard<(K, V), A>>,
    current: Option<hash_table::Iter<'a, (K, V)>>,
    left: usize,
}

impl<'a, K, V, A: Allocator + Clone> Iter<'a, K, V, A> {
    pub(crate) fn new(tables: &'a Tables<(K, V), A>) -> Self {
        Self {
            shards: tables.shards.iter(),
            current: None,
            left: tables.len,
        }
    }
}

impl<'a, K, V, A: Allocator> Iterator for Iter<'a, K, V, A> {
    type Item = (&'a K, &'a V);

    #[inline]
    fn next(&mut self) -> Option<(&'a K, &'a V)> {
        loop {
            if let Some(item) = self.current.as_mut().and_then(Iterator::next) {
                self.left -= 1;
                return Some((&item.0, &item.1));
            }
            self.current = Some(self.shards.next()?.table.iter());
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K, V, A: Allocator> ExactSizeIterator for Iter<'_, K, V, A> {}
impl<K, V, A: Allocator> FusedIterator for Iter<'_, K, V, A> {}

impl<K, V, A: Allocator> Clone for Iter<'_, K, V, A> {
    fn clone(&self) -> Self {
        Self {
            shards: self.shards.clone(),
            current: self.current.clone(),
            left: self.left,
        }
    }
}

impl<K, V, A: Allocator> Default for Iter<'_, K, V, A> {
    /// An empty iterator.
    ///
    /// ```
    /// let mut it: split_map::Iter<'_, u8, u8> = Default::default();
    /// assert_eq!(it.next(), None);
    /// ```
    fn default() -> Self {
        Self {
            shards: [].iter(),
            current: None,
            left: 0,
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, A: Allocator> fmt::Debug for Iter<'_, K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// The entries of a map with mutable values, from
/// [`SplitMap::iter_mut`](crate::SplitMap::iter_mut).
pub struct IterMut<'a, K, V, A: Allocator = PageAlloc> {
    shards: slice::IterMut<'a, Shard<(K, V), A>>,
    current: Option<hash_table::IterMut<'a, (K, V)>>,
    left: usize,
}

impl<'a, K, V, A: Allocator + Clone> IterMut<'a, K, V, A> {
    pub(crate) fn new(tables: &'a mut Tables<(K, V), A>) -> Self {
        Self {
            left: tables.len,
            shards: tables.shards.iter_mut(),
            current: None,
        }
    }
}

impl<'a, K, V, A: Allocator> Iterator for IterMut<'a, K, V, A> {
    type Item = (&'a K, &'a mut V);

    #[inline]
    fn next(&mut self) -> Option<(&'a K, &'a mut V)> {
        loop {
            if let Some(item) = self.current.as_mut().and_then(Iterator::next) {
                self.left -= 1;
                return Some((&item.0, &mut item.1));
            }
            self.current = Some(self.shards.next()?.table.iter_mut());
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K, V, A: Allocator> ExactSizeIterator for IterMut<'_, K, V, A> {}
impl<K, V, A: Allocator> FusedIterator for IterMut<'_, K, V, A> {}

impl<K, V, A: Allocator> Default for IterMut<'_, K, V, A> {
    /// An empty iterator.
    ///
    /// ```
    /// let mut it: split_map::IterMut<'_, u8, u8> = Default::default();
    /// assert!(it.next().is_none());
    /// ```
    fn default() -> Self {
        Self {
            shards: [].iter_mut(),
            current: None,
            left: 0,
        }
    }
}

impl<K, V, A: Allocator> fmt::Debug for IterMut<'_, K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterMut").field("left", &self.left).finish()
    }
}

/// The entries of a consumed map, from `SplitMap::into_iter`.
pub struct IntoIter<K, V, A: Allocator = PageAlloc> {
    shards: vec::IntoIter<Shard<(K, V), A>, A>,
    current: Option<hash_table::IntoIter<(K, V), A>>,
    left: usize,
}

impl<K, V, A: Allocator> IntoIter<K, V, A> {
    pub(crate) fn new(shards: vec::Vec<Shard<(K, V), A>, A>) -> Self {
        let left = shards.iter().map(|s| s.table.len()).sum();
        Self {
            shards: shards.into_iter(),
            current: None,
            left,
        }
    }
}

impl<K, V, A: Allocator> Iterator for IntoIter<K, V, A> {
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        loop {
            if let Some(item) = self.current.as_mut().and_then(Iterator::next) {
                self.left -= 1;
                return Some(item);
            }
            // The finished table is freed before the next one starts.
            self.current = None;
            self.current = Some(self.shards.next()?.table.into_iter());
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K, V, A: Allocator> ExactSizeIterator for IntoIter<K, V, A> {}
impl<K, V, A: Allocator> FusedIterator for IntoIter<K, V, A> {}

impl<K, V, A: Allocator> fmt::Debug for IntoIter<K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter")
            .field("left", &self.left)
            .finish()
    }
}

/// The entries taken out of a map by
/// [`SplitMap::drain`](crate::SplitMap::drain). Entries not yielded are
/// dropped with it.
pub struct Drain<'a, K, V, A: Allocator = PageAlloc> {
    inner: DrainInner<'a, K, V, A>,
}

enum DrainInner<'a, K, V, A: Allocator> {
    /// The tables stay in the map, emptied one after the other.
    Kept {
        shards: slice::IterMut<'a, Shard<(K, V), A>>,
        current: Option<hash_table::Drain<'a, (K, V), A>>,
        len: &'a mut usize,
    },
    /// The tables were taken out of the map and go back as they empty.
    Released(IntoIter<K, V, A>),
}

impl<'a, K, V, A: Allocator + Clone> Drain<'a, K, V, A> {
    pub(crate) fn kept(tables: &'a mut Tables<(K, V), A>) -> Self {
        let (shards, len) = tables.drain_parts();
        Self {
            inner: DrainInner::Kept {
                shards: shards.iter_mut(),
                current: None,
                len,
            },
        }
    }

    pub(crate) fn released(shards: vec::Vec<Shard<(K, V), A>, A>) -> Self {
        Self {
            inner: DrainInner::Released(IntoIter::new(shards)),
        }
    }
}

impl<K, V, A: Allocator> Iterator for Drain<'_, K, V, A> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        match &mut self.inner {
            DrainInner::Kept {
                shards,
                current,
                len,
            } => loop {
                if let Some(item) = current.as_mut().and_then(Iterator::next) {
                    return Some(item);
                }
                let shard = shards.next()?;
                // Counted out before the table is taken: a leaked `Drain`
                // leaves `len` true to what the map still holds.
                **len -= shard.table.len();
                shard.check_below = 0;
                *current = Some(shard.table.drain());
            },
            DrainInner::Released(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            DrainInner::Kept { current, len, .. } => {
                let n = **len + current.as_ref().map_or(0, ExactSizeIterator::len);
                (n, Some(n))
            }
            DrainInner::Released(it) => it.size_hint(),
        }
    }
}

impl<K, V, A: Allocator> Drop for Drain<'_, K, V, A> {
    fn drop(&mut self) {
        // Drop what was not yielded (the kept tables stay allocated).
        self.for_each(drop);
    }
}

impl<K, V, A: Allocator> ExactSizeIterator for Drain<'_, K, V, A> {}
impl<K, V, A: Allocator> FusedIterator for Drain<'_, K, V, A> {}

impl<K, V, A: Allocator> fmt::Debug for Drain<'_, K, V, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain")
            .field("left", &self.size_hint().0)
            .finish()
    }
}
