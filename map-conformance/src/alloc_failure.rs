//! A refused allocation loses nothing and aborts nothing, checked once for
//! every [`Map`] whose storage takes an allocator: `try_insert` and
//! `try_reserve` report the refusal with the map unchanged, an automatic
//! shrink or merge that cannot allocate leaves the entries where they are,
//! `clear` and `drain` allocate nothing, and `memory()` is exactly what the
//! allocator holds throughout.
//!
//! ```ignore
//! map_conformance::alloc_failure::check::<map_core::Table<u64, u64, FailingAlloc>>();
//! ```

use map_core::toolkit::{Map, Store};
use map_core::TryReserveError;

use crate::alloc::FailingAlloc;
use crate::test_map::{filled_in, hasher, TestMap, FIXED};

fn filled<St: Store<u64, u64, Alloc = FailingAlloc>>(alloc: &FailingAlloc, n: u64) -> TestMap<St> {
    filled_in(alloc.clone(), n)
}

/// Asserts that `map` holds exactly the keys `keys`, each as its own value.
fn holds<St: Store<u64, u64>>(map: &TestMap<St>, keys: impl Iterator<Item = u64>, at: &str) {
    let mut count = 0;
    for k in keys {
        assert_eq!(map.get(&k), Some(&k), "{at}: key {k}");
        count += 1;
    }
    assert_eq!(map.len(), count, "{at}: len");
}

/// Runs every check below.
///
/// # Panics
///
/// At the first refusal that lost or changed something, naming it.
pub fn check<St: Store<u64, u64, Alloc = FailingAlloc>>() {
    try_insert_reports_refused_growth::<St>();
    try_reserve_reports_both_errors::<St>();
    removals_keep_going_without_memory::<St>();
    clear_and_drain_allocate_nothing::<St>();
    memory_is_what_the_allocator_holds::<St>();
}

/// Inserts with every allocation refused: the insert that needs room
/// reports it and hands the entry back; every entry stays.
pub fn try_insert_reports_refused_growth<St: Store<u64, u64, Alloc = FailingAlloc>>() {
    let alloc = FailingAlloc::new();
    let mut map: TestMap<St> = filled(&alloc, 30_000);
    alloc.fail_after(0);
    let mut k = 30_000;
    let error = loop {
        match map.try_insert(k, k) {
            Ok(None) => k += 1,
            Ok(Some(_)) => panic!("try_insert: key {k} is new"),
            Err(e) => break e,
        }
    };
    assert_eq!((error.key, error.value), (k, k), "the entry comes back");
    assert!(matches!(error.error, TryReserveError::AllocError { .. }));
    assert!(alloc.failures() > 0);
    holds(&map, 0..k, "after the refused insert");
    alloc.never_fail();
    assert_eq!(map.try_insert(k, k).ok(), Some(None));
    holds(&map, 0..k + 1, "after a granted insert");
}

/// `try_reserve(usize::MAX)` is `CapacityOverflow`, a refused one
/// `AllocError`, as std reports them; neither changes the map or sets a
/// capacity floor. A reserve refused part way (some of a storage's pieces
/// granted) keeps every entry, reports its memory exactly and sets no
/// floor either.
pub fn try_reserve_reports_both_errors<St: Store<u64, u64, Alloc = FailingAlloc>>() {
    for granted in [0, 3] {
        let at = format!("try_reserve refused after {granted} allocations");
        let alloc = FailingAlloc::new();
        let mut map: TestMap<St> = filled(&alloc, 10_000);
        let held = map.memory().allocated_bytes;
        assert!(matches!(
            map.try_reserve(usize::MAX),
            Err(TryReserveError::CapacityOverflow)
        ));
        alloc.fail_after(granted);
        let refused = map.try_reserve(1_000_000);
        alloc.never_fail();
        if granted == 0 {
            assert!(
                matches!(refused, Err(TryReserveError::AllocError { .. })),
                "{at}: {refused:?}"
            );
            assert_eq!(map.memory().allocated_bytes, held, "{at}: the map changed");
        } else if refused.is_ok() {
            // A storage of one piece needed fewer allocations.
            continue;
        }
        assert_eq!(
            map.memory().allocated_bytes,
            alloc.live_bytes(),
            "{at}: memory()"
        );
        holds(&map, 0..10_000, &at);
        for k in 0..10_000 {
            map.remove(&k);
        }
        assert!(
            map.capacity() < 1_000,
            "{at}: a floor was set: {}",
            map.capacity()
        );
        map.try_reserve(100_000).expect("granted");
        assert!(map.capacity() >= 100_000);
    }
}

/// Removals while every allocation is refused: the shrinks (or merges)
/// the policy asks for fail, and every entry left is still found; once
/// allocation works again, the map gives its memory back.
pub fn removals_keep_going_without_memory<St: Store<u64, u64, Alloc = FailingAlloc>>() {
    let alloc = FailingAlloc::new();
    let mut map: TestMap<St> = filled(&alloc, 50_000);
    let held = map.memory().allocated_bytes;
    alloc.fail_after(0);
    for k in 0..49_000 {
        assert_eq!(map.remove(&k), Some(k));
    }
    assert!(alloc.failures() > 0, "some shrink tried to allocate");
    holds(&map, 49_000..50_000, "after removals without memory");
    assert!(map.memory().allocated_bytes <= held);
    assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
    alloc.never_fail();
    for k in 49_000..50_000 {
        assert_eq!(map.remove(&k), Some(k));
    }
    assert!(map.is_empty());
    assert!(
        map.memory().allocated_bytes * 100 < held,
        "memory back once granted"
    );
}

/// `clear` and `drain`, of a large map (given back) and of a small one
/// (kept), with every allocation refused: nothing allocates.
pub fn clear_and_drain_allocate_nothing<St: Store<u64, u64, Alloc = FailingAlloc>>() {
    for n in [100_000, 100] {
        for drain in [false, true] {
            let alloc = FailingAlloc::new();
            let mut map: TestMap<St> = filled(&alloc, n);
            alloc.fail_after(0);
            if drain {
                assert_eq!(map.drain().count() as u64, n);
            } else {
                map.clear();
            }
            assert!(map.is_empty());
            assert_eq!(
                alloc.failures(),
                0,
                "{n} entries, drain: {drain}: allocated"
            );
            assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
        }
    }
}

/// `memory()` is what the allocator holds, and its peak the allocator's,
/// through growth, removals, `reclaim` and `clear`; dropped, the map holds
/// nothing.
pub fn memory_is_what_the_allocator_holds<St: Store<u64, u64, Alloc = FailingAlloc>>() {
    let alloc = FailingAlloc::new();
    let mut map: TestMap<St> = Map::with_hasher_in(hasher(FIXED), alloc.clone());
    let mut peak = 0;
    for round in 0..3u64 {
        for i in 0..20_000u64 {
            map.insert(i + round, i);
            peak = peak.max(alloc.live_bytes());
            assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
        }
        for i in 0..19_900u64 {
            map.remove(&(i + round));
            assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
        }
        map.reclaim();
        assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
    }
    assert_eq!(map.memory().peak_bytes, peak);
    map.clear();
    assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
    drop(map);
    assert_eq!(alloc.live_bytes(), 0);
}
