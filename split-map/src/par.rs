//! [`SplitTables`] as a [`ParStore`] (the `rayon` feature): rayon splits
//! the work by table, and each table by its buckets, through hashbrown's
//! rayon support.

use allocator_api2::alloc::Allocator;
use map_core::toolkit::par::Emptied;
use map_core::toolkit::ParStore;
use rayon::iter::plumbing::UnindexedConsumer;
use rayon::iter::{IntoParallelRefIterator, IntoParallelRefMutIterator, ParallelIterator};

use crate::store::SplitTables;

impl<K, V, A: Allocator + Clone + Send + Sync> ParStore<K, V> for SplitTables<K, V, A> {
    fn par_drive<'a, C>(&'a self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<&'a (K, V)>,
        K: Sync + 'a,
        V: Sync + 'a,
    {
        self.tables.shards[..]
            .par_iter()
            .flat_map(|shard| &shard.table)
            .drive_unindexed(consumer)
    }

    fn par_drive_mut<'a, C>(&'a mut self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<&'a mut (K, V)>,
        K: Send + Sync + 'a,
        V: Send + 'a,
    {
        self.tables.shards[..]
            .par_iter_mut()
            .flat_map(|shard| &mut shard.table)
            .drive_unindexed(consumer)
    }

    fn par_drive_drain<C>(&mut self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<(K, V)>,
        K: Send,
        V: Send,
    {
        // Every table is emptied when the drain ends, however it ends: a
        // consumer that stopped early leaves tables rayon never drained.
        let mut emptied = Emptied::new(self);
        let (shards, _) = emptied.store().tables.drain_parts();
        shards
            .par_iter_mut()
            .flat_map(|shard| shard.table.par_drain())
            .drive_unindexed(consumer)
    }
}

#[cfg(test)]
mod tests {
    use rayon::iter::ParallelIterator;

    use crate::SplitMap;

    #[test]
    fn every_table_is_visited_and_drained() {
        let mut map: SplitMap<u64, u64> = (0..100_000).map(|i| (i, i)).collect();
        assert!(map.storage().table_count() > 8);
        assert_eq!(map.par_keys().sum::<u64>(), (0..100_000u64).sum::<u64>());
        map.par_values_mut().for_each(|v| *v += 1);
        assert_eq!(
            map.par_iter().filter(|(k, v)| **v == **k + 1).count(),
            100_000
        );
        // A consumer that stops early still leaves the map empty.
        assert!(map.par_drain().any(|(k, _)| k == 7));
        assert!(map.is_empty());
        assert_eq!(map.iter().count(), 0);
        map.insert(1, 1);
        assert_eq!(map.len(), 1);
    }
}
