//! A refused allocation loses nothing: `try_insert` and `try_reserve`
//! report it, and an automatic merge or shrink that cannot allocate keeps
//! the tables it has.

use map_conformance::alloc::FailingAlloc;
use split_map::SplitMap;

fn filled(
    alloc: &FailingAlloc,
    n: u64,
) -> SplitMap<u64, u64, split_map::DefaultHashBuilder, FailingAlloc> {
    let mut map = SplitMap::new_in(alloc.clone());
    for i in 0..n {
        map.insert(i, i);
    }
    map
}

fn holds(
    map: &SplitMap<u64, u64, split_map::DefaultHashBuilder, FailingAlloc>,
    keys: impl Iterator<Item = u64>,
) {
    let mut count = 0;
    for k in keys {
        assert_eq!(map.get(&k), Some(&k), "key {k}");
        count += 1;
    }
    assert_eq!(map.len(), count);
}

#[test]
fn try_insert_reports_a_refused_split_and_keeps_everything() {
    let alloc = FailingAlloc::new();
    let mut map = filled(&alloc, 30_000);
    // Insert until some insert needs room, with every allocation refused.
    alloc.fail_after(0);
    let mut k = 30_000;
    let error = loop {
        match map.try_insert(k, k) {
            Ok(None) => k += 1,
            Ok(Some(_)) => unreachable!("new keys"),
            Err(e) => break e,
        }
    };
    assert_eq!((error.key, error.value), (k, k), "the entry comes back");
    assert!(alloc.failures() > 0);
    holds(&map, 0..k);
    alloc.never_fail();
    assert_eq!(map.try_insert(k, k).unwrap(), None);
    holds(&map, 0..k + 1);
}

#[test]
fn try_reserve_reports_failure_and_sets_no_floor() {
    let alloc = FailingAlloc::new();
    let mut map = filled(&alloc, 10_000);
    alloc.fail_after(3);
    assert!(map.try_reserve(1_000_000).is_err());
    alloc.never_fail();
    holds(&map, 0..10_000);
    for k in 0..10_000 {
        map.remove(&k);
    }
    assert!(
        map.capacity() < 1_000,
        "no floor was set: {}",
        map.capacity()
    );
}

#[test]
fn removals_whose_merge_cannot_allocate_keep_going() {
    let alloc = FailingAlloc::new();
    let mut map = filled(&alloc, 50_000);
    let held = map.memory().allocated_bytes;
    alloc.fail_after(0);
    for k in 0..49_000 {
        assert_eq!(map.remove(&k), Some(k));
    }
    assert!(
        alloc.failures() > 0,
        "some merge or shrink tried to allocate"
    );
    holds(&map, 49_000..50_000);
    // Empty tables still give their buckets back (that needs no allocation).
    assert!(map.memory().allocated_bytes <= held);
    alloc.never_fail();
    for k in 49_000..50_000 {
        assert_eq!(map.remove(&k), Some(k));
    }
    assert!(map.memory().allocated_bytes * 100 < held);
}
