//! The map the kit's `Map` checks drive: `u64` keys and values, the default
//! hasher, any storage.

use map_core::toolkit::{Map, Store};
use map_core::DefaultHashBuilder;

/// A `Map` of `u64` entries over the storage `St`.
pub(crate) type TestMap<St> = Map<u64, u64, DefaultHashBuilder, St>;

/// An empty map on the storage's default allocator.
pub(crate) fn new_map<St: Store<u64, u64>>() -> TestMap<St>
where
    St::Alloc: Default,
{
    Map::with_hasher_in(DefaultHashBuilder::default(), St::Alloc::default())
}

/// A map on `alloc` holding the keys `0..n`, each as its own value.
pub(crate) fn filled_in<St: Store<u64, u64>>(alloc: St::Alloc, n: u64) -> TestMap<St> {
    let mut map = Map::with_hasher_in(DefaultHashBuilder::default(), alloc);
    for i in 0..n {
        map.insert(i, i);
    }
    map
}
