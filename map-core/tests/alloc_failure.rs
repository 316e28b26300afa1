//! map-core's own cases of allocation failure (the kit's `alloc_failure`
//! checks, run in `conformance.rs`, hold every map to the rest): a shrink
//! that cannot get memory keeps the current table, and a shrink takes one
//! allocation, the new table.

use map_conformance::alloc::FailingAlloc;
use map_core::HashMap;

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
