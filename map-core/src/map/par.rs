//! [`Table`] as a [`ParStore`], through hashbrown's rayon support for its
//! `HashTable`, and the names of [`HashMap`](crate::HashMap)'s parallel
//! iterators.

use allocator_api2::alloc::Allocator;
use page_alloc::PageAlloc;
use rayon::iter::plumbing::UnindexedConsumer;
use rayon::iter::{IntoParallelIterator, ParallelIterator};

use super::Table;
use crate::toolkit::par::{self as generic, ParStore};

impl<K, V, A: Allocator + Clone + Send + Sync> ParStore<K, V> for Table<K, V, A> {
    fn par_drive<'a, C>(&'a self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<&'a (K, V)>,
        K: Sync + 'a,
        V: Sync + 'a,
    {
        (&self.table).into_par_iter().drive_unindexed(consumer)
    }

    fn par_drive_mut<'a, C>(&'a mut self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<&'a mut (K, V)>,
        K: Send + Sync + 'a,
        V: Send + 'a,
    {
        (&mut self.table).into_par_iter().drive_unindexed(consumer)
    }

    fn par_drive_drain<C>(&mut self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<(K, V)>,
        K: Send,
        V: Send,
    {
        self.table.par_drain().drive_unindexed(consumer)
    }

    fn par_drive_owned<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<(K, V)>,
        K: Send,
        V: Send,
    {
        self.table.into_par_iter().drive_unindexed(consumer)
    }
}

/// Parallel iterator over `(&K, &V)`, from `HashMap::par_iter`.
pub type ParIter<'a, K, V, A = PageAlloc> = generic::ParIter<'a, K, V, Table<K, V, A>>;
/// Parallel iterator over `(&K, &mut V)`, from `HashMap::par_iter_mut`.
pub type ParIterMut<'a, K, V, A = PageAlloc> = generic::ParIterMut<'a, K, V, Table<K, V, A>>;
/// Owning parallel iterator over `(K, V)`, from `HashMap::into_par_iter`.
pub type IntoParIter<K, V, A = PageAlloc> = generic::IntoParIter<K, V, Table<K, V, A>>;
/// Parallel draining iterator, from `HashMap::par_drain`.
pub type ParDrain<'a, K, V, A = PageAlloc> = generic::ParDrain<'a, K, V, Table<K, V, A>>;
/// Parallel iterator over the keys, from `HashMap::par_keys`.
pub type ParKeys<'a, K, V, A = PageAlloc> = generic::ParKeys<'a, K, V, Table<K, V, A>>;
/// Parallel iterator over the values, from `HashMap::par_values`.
pub type ParValues<'a, K, V, A = PageAlloc> = generic::ParValues<'a, K, V, Table<K, V, A>>;
/// Parallel iterator over mutable values, from `HashMap::par_values_mut`.
pub type ParValuesMut<'a, K, V, A = PageAlloc> = generic::ParValuesMut<'a, K, V, Table<K, V, A>>;
