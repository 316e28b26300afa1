//! Allocation failure: a shrink that cannot get memory keeps the current
//! table and never aborts; `try_reserve` reports both kinds of error.

use map_conformance::alloc::FailingAlloc;
use map_core::{HashMap, TryReserveError};

fn filled(
    alloc: &FailingAlloc,
    n: u64,
) -> HashMap<u64, [u8; 32], map_core::DefaultHashBuilder, FailingAlloc> {
    let mut map = HashMap::new_in(alloc.clone());
    for i in 0..n {
        map.insert(i, [i as u8; 32]);
    }
    map
}

#[test]
fn automatic_shrink_keeps_its_table_when_allocation_fails() {
    let alloc = FailingAlloc::new();
    let mut map = filled(&alloc, 10_000);
    let full = map.memory().allocated_bytes;
    alloc.fail_after(0);
    for i in 0..9_999 {
        assert_eq!(map.remove(&i).map(|v| v[0]), Some(i as u8));
    }
    assert!(alloc.failures() > 0, "a shrink was attempted");
    assert_eq!(map.memory().allocated_bytes, full, "kept the table");
    assert_eq!(map.memory().reclaims, 0);
    assert_eq!(map.get(&9_999).map(|v| v[0]), Some(9_999u64 as u8));
    assert_eq!(
        alloc.live_bytes(),
        full,
        "nothing leaked by the failed attempts"
    );
    map.remove(&9_999);
    assert!(map.is_empty());
    // Still failing: the map kept its table; clearing frees it without
    // allocating.
    assert_eq!(map.memory().allocated_bytes, full);
    map.clear();
    assert_eq!(map.memory().allocated_bytes, 0);
    assert_eq!(alloc.live_bytes(), 0);
}

#[test]
fn a_shrink_takes_one_allocation_the_new_table() {
    let alloc = FailingAlloc::new();
    let mut map = filled(&alloc, 1_000);
    map.set_policy(map_core::ReclaimPolicy::manual());
    map.retain(|k, _| *k < 10);
    let held = map.memory().allocated_bytes;
    // Only the new table is granted: the move needs nothing more.
    alloc.fail_after(1);
    let released = map.reclaim();
    assert!(released > 0);
    assert_eq!(map.memory().allocated_bytes, held - released);
    assert_eq!(alloc.live_bytes(), map.memory().allocated_bytes);
    alloc.never_fail();
    for i in 0..10 {
        assert_eq!(map[&i][0], i as u8);
    }
}

#[test]
fn clear_and_drain_need_no_allocation() {
    // Large tables go back, small ones are kept: neither allocates.
    for (n, kept) in [(10_000, false), (100, true)] {
        let alloc = FailingAlloc::new();
        let mut map = filled(&alloc, n);
        let held = alloc.live_bytes();
        alloc.fail_after(0);
        map.clear();
        assert_eq!(alloc.live_bytes(), if kept { held } else { 0 });
        assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
        alloc.never_fail();
        let mut map = filled(&alloc, n);
        let held = alloc.live_bytes();
        alloc.fail_after(0);
        assert_eq!(map.drain().count(), n as usize);
        assert_eq!(alloc.live_bytes(), if kept { held } else { 0 });
        assert_eq!(alloc.failures(), 0);
    }
}

#[test]
fn try_reserve_reports_both_errors_and_changes_nothing() {
    let alloc = FailingAlloc::new();
    let mut map = filled(&alloc, 100);
    let held = map.memory().allocated_bytes;
    assert!(matches!(
        map.try_reserve(usize::MAX),
        Err(TryReserveError::CapacityOverflow)
    ));
    alloc.fail_after(0);
    assert!(matches!(
        map.try_reserve(100_000),
        Err(TryReserveError::AllocError { .. })
    ));
    assert_eq!(map.memory().allocated_bytes, held);
    assert_eq!(map.len(), 100);
    alloc.never_fail();
    map.try_reserve(100_000).unwrap();
    assert!(map.capacity() >= 100_100);
}

/// `memory().allocated_bytes` is exactly what the map holds from its
/// allocator, through growth, shrinks, clears and reclaims.
#[test]
fn memory_matches_the_allocator_exactly() {
    let alloc = FailingAlloc::new();
    let mut map = HashMap::new_in(alloc.clone());
    let mut peak = 0;
    for round in 0..3u64 {
        for i in 0..5_000u64 {
            map.insert(i + round, [0u8; 32]);
            peak = peak.max(alloc.live_bytes());
            assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
        }
        for i in 0..4_990u64 {
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
