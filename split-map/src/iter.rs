//! The storage's iterators over its entries, table after table; the map's
//! iterators ([`Iter`](crate::Iter) and the others) wrap them.

use core::fmt;
use core::iter::FusedIterator;
use core::slice;

use allocator_api2::alloc::Allocator;
use allocator_api2::vec;
use hashbrown::hash_table;
use map_core::PageAlloc;

use crate::tables::{Shard, Tables};

/// The entries of a [`SplitTables`](crate::SplitTables), shared.
pub struct Entries<'a, K, V, A: Allocator = PageAlloc> {
    shards: slice::Iter<'a, Shard<(K, V), A>>,
    current: Option<hash_table::Iter<'a, (K, V)>>,
    left: usize,
}

impl<'a, K, V, A: Allocator + Clone> Entries<'a, K, V, A> {
    pub(crate) fn new(tables: &'a Tables<(K, V), A>) -> Self {
        Self {
            shards: tables.shards.iter(),
            current: None,
            left: tables.len,
        }
    }
}

impl<'a, K, V, A: Allocator> Iterator for Entries<'a, K, V, A> {
    type Item = &'a (K, V);

    #[inline]
    fn next(&mut self) -> Option<&'a (K, V)> {
        loop {
            if let Some(item) = self.current.as_mut().and_then(Iterator::next) {
                self.left -= 1;
                return Some(item);
            }
            self.current = Some(self.shards.next()?.table.iter());
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K, V, A: Allocator> Clone for Entries<'_, K, V, A> {
    fn clone(&self) -> Self {
        Self {
            shards: self.shards.clone(),
            current: self.current.clone(),
            left: self.left,
        }
    }
}

impl<K, V, A: Allocator> Default for Entries<'_, K, V, A> {
    fn default() -> Self {
        Self {
            shards: [].iter(),
            current: None,
            left: 0,
        }
    }
}

/// The entries of a [`SplitTables`](crate::SplitTables), mutably.
pub struct EntriesMut<'a, K, V, A: Allocator = PageAlloc> {
    shards: slice::IterMut<'a, Shard<(K, V), A>>,
    current: Option<hash_table::IterMut<'a, (K, V)>>,
    left: usize,
}

impl<'a, K, V, A: Allocator + Clone> EntriesMut<'a, K, V, A> {
    pub(crate) fn new(tables: &'a mut Tables<(K, V), A>) -> Self {
        Self {
            left: tables.len,
            shards: tables.shards.iter_mut(),
            current: None,
        }
    }
}

impl<'a, K, V, A: Allocator> Iterator for EntriesMut<'a, K, V, A> {
    type Item = &'a mut (K, V);

    #[inline]
    fn next(&mut self) -> Option<&'a mut (K, V)> {
        loop {
            if let Some(item) = self.current.as_mut().and_then(Iterator::next) {
                self.left -= 1;
                return Some(item);
            }
            self.current = Some(self.shards.next()?.table.iter_mut());
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K, V, A: Allocator> Default for EntriesMut<'_, K, V, A> {
    fn default() -> Self {
        Self {
            shards: [].iter_mut(),
            current: None,
            left: 0,
        }
    }
}

/// The entries of a [`SplitTables`](crate::SplitTables), by value; each
/// table is freed once it is done.
pub struct IntoEntries<K, V, A: Allocator = PageAlloc> {
    shards: vec::IntoIter<Shard<(K, V), A>, A>,
    current: Option<hash_table::IntoIter<(K, V), A>>,
    left: usize,
}

impl<K, V, A: Allocator> IntoEntries<K, V, A> {
    pub(crate) fn new(shards: vec::Vec<Shard<(K, V), A>, A>) -> Self {
        let left = shards.iter().map(|s| s.table.len()).sum();
        Self {
            shards: shards.into_iter(),
            current: None,
            left,
        }
    }
}

impl<K, V> Default for IntoEntries<K, V, PageAlloc> {
    fn default() -> Self {
        Self::new(vec::Vec::new_in(PageAlloc))
    }
}

impl<K, V, A: Allocator> Iterator for IntoEntries<K, V, A> {
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

/// The entries of a [`SplitTables`](crate::SplitTables) that keeps its
/// tables, by value. Dropping it drops the entries not yet yielded.
pub struct DrainEntries<'a, K, V, A: Allocator = PageAlloc> {
    shards: slice::IterMut<'a, Shard<(K, V), A>>,
    current: Option<hash_table::Drain<'a, (K, V), A>>,
    len: &'a mut usize,
}

impl<'a, K, V, A: Allocator + Clone> DrainEntries<'a, K, V, A> {
    pub(crate) fn new(tables: &'a mut Tables<(K, V), A>) -> Self {
        let (shards, len) = tables.drain_parts();
        Self {
            shards: shards.iter_mut(),
            current: None,
            len,
        }
    }
}

impl<K, V, A: Allocator> Iterator for DrainEntries<'_, K, V, A> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        loop {
            if let Some(item) = self.current.as_mut().and_then(Iterator::next) {
                return Some(item);
            }
            let shard = self.shards.next()?;
            // Counted out before the table is taken: a leaked drain leaves
            // `len` true to what the map still holds.
            *self.len -= shard.table.len();
            shard.check_below = 0;
            self.current = Some(shard.table.drain());
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = *self.len + self.current.as_ref().map_or(0, ExactSizeIterator::len);
        (n, Some(n))
    }
}

impl<K, V, A: Allocator> Drop for DrainEntries<'_, K, V, A> {
    fn drop(&mut self) {
        // Drop what was not yielded (the kept tables stay allocated).
        self.for_each(drop);
    }
}

macro_rules! exact_fused_debug {
    ($($name:ident $(<$lt:lifetime>)?),*) => {$(
        impl<K, V, A: Allocator> ExactSizeIterator for $name<$($lt,)? K, V, A> {}
        impl<K, V, A: Allocator> FusedIterator for $name<$($lt,)? K, V, A> {}
        impl<K, V, A: Allocator> fmt::Debug for $name<$($lt,)? K, V, A> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("left", &self.size_hint().0)
                    .finish()
            }
        }
    )*};
}
exact_fused_debug!(Entries<'_>, EntriesMut<'_>, IntoEntries, DrainEntries<'_>);
