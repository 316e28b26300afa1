//! The map the kit's `Map` checks drive: `u64` keys and values, a hasher
//! seeded by the check, any storage.
//!
//! The hasher is foldhash with a fixed seed: a check that takes its seed
//! from [`seeds`](crate::seeds) hashes every key the same way each time it
//! runs with that seed, so a failure it reports (with the seed) replays
//! with `CONFORMANCE_SEED`, table layouts and all.

use foldhash::fast::FixedState;
use map_core::toolkit::{Map, Store};

/// The hasher of the kit's maps.
pub(crate) type KitHasher = FixedState;

/// A `Map` of `u64` entries over the storage `St`.
pub(crate) type TestMap<St> = Map<u64, u64, KitHasher, St>;

/// The seed of the checks that take none.
pub(crate) const FIXED: u64 = 0x5eed;

/// The hasher of a check run with `seed`.
pub(crate) const fn hasher(seed: u64) -> KitHasher {
    FixedState::with_seed(seed)
}

/// An empty map on the storage's default allocator, hashing with `seed`.
pub(crate) fn new_map<St: Store<u64, u64>>(seed: u64) -> TestMap<St>
where
    St::Alloc: Default,
{
    Map::with_hasher_in(hasher(seed), St::Alloc::default())
}

/// A map on `alloc` holding the keys `0..n`, each as its own value.
pub(crate) fn filled_in<St: Store<u64, u64>>(alloc: St::Alloc, n: u64) -> TestMap<St> {
    let mut map = Map::with_hasher_in(hasher(FIXED), alloc);
    for i in 0..n {
        map.insert(i, i);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(seed: u64) -> std::vec::Vec<u64> {
        let mut map: TestMap<map_core::Table<u64, u64>> = new_map(seed);
        map.extend((0..1_000).map(|i| (i, i)));
        map.keys().copied().collect()
    }

    #[test]
    fn a_seed_replays_the_same_layout() {
        assert_eq!(order(7), order(7), "the same seed, the same table layout");
        assert_ne!(order(7), order(8), "another seed, another layout");
    }
}
