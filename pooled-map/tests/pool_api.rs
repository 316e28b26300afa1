//! What the pool adds to the std API the kit checks (`tests/conformance.rs`):
//! the limit of 2^32 entries, and drop counting through every path that
//! removes or moves entries (compaction moves values without dropping them).

use std::cell::Cell;
use std::rc::Rc;

use pooled_map::HandleMap;
use pooled_map::{PooledMap, ReclaimMap, ReclaimPolicy, TryReserveError};

#[test]
fn reserve_shrink_and_policy() {
    let mut map: PooledMap<u64, u64> = PooledMap::new();
    map.reserve(1000);
    assert!(map.capacity() >= 1000);
    assert!(map.try_reserve(10).is_ok());
    assert!(matches!(
        map.try_reserve(usize::MAX),
        Err(TryReserveError::CapacityOverflow)
    ));
    assert!(matches!(
        map.try_reserve(u32::MAX as usize + 2),
        Err(TryReserveError::CapacityOverflow)
    ));
    for i in 0..10 {
        map.insert(i, i);
    }
    map.shrink_to(100);
    assert!(map.capacity() >= 100);
    assert!(map.capacity() < 1000);
    map.shrink_to_fit();
    assert!(map.capacity() >= 10);
    assert_eq!(map.len(), 10);

    // A stricter policy applies at once.
    let mut map: PooledMap<u64, u64> = PooledMap::with_policy(ReclaimPolicy::manual());
    for i in 0..10_000 {
        map.insert(i, i);
    }
    for i in 0..9_990 {
        map.remove(&i);
    }
    let held = map.memory().allocated_bytes;
    ReclaimMap::set_policy(&mut map, ReclaimPolicy::default());
    assert!(map.memory().allocated_bytes * 10 < held);
    assert_eq!(ReclaimMap::len(&map), 10);
}

// ---------------------------------------------------------------------------
// Drops

struct Counted(Rc<Cell<i64>>);

impl Clone for Counted {
    fn clone(&self) -> Self {
        Self::new(&self.0)
    }
}

impl Counted {
    fn new(live: &Rc<Cell<i64>>) -> Self {
        live.set(live.get() + 1);
        Self(Rc::clone(live))
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

#[test]
fn every_value_is_dropped_exactly_once() {
    let live = Rc::new(Cell::new(0i64));
    {
        let mut map: PooledMap<u32, Counted> = PooledMap::new();
        for i in 0..5_000 {
            map.insert(i, Counted::new(&live));
        }
        map.insert(0, Counted::new(&live)); // the old value drops
        assert_eq!(live.get(), 5_000);
        for i in 0..4_960 {
            drop(map.remove(&i));
        }
        assert!(map.reclaim_epoch() > 0, "compaction moved values");
        assert_eq!(live.get(), 40, "moves drop nothing");
        map.retain(|k, _| k % 2 == 0);
        assert_eq!(live.get(), 20);
        let h = map.handles().next().unwrap().0;
        drop(map.remove_by_handle(h));
        assert_eq!(live.get(), 19);

        let mut partial = map.clone();
        assert_eq!(live.get(), 38);
        let mut drain = partial.drain();
        drop(drain.next());
        drop(drain);
        assert_eq!(live.get(), 19);

        let mut iter = map.clone().into_iter();
        drop(iter.next());
        drop(iter);
        assert_eq!(live.get(), 19);

        for i in 10_000..10_100 {
            map.insert(i, Counted::new(&live));
        }
        map.clear();
        assert_eq!(live.get(), 0);
        for i in 0..100 {
            map.insert(i, Counted::new(&live));
        }
    }
    assert_eq!(live.get(), 0, "dropping the map drops every value");
}
