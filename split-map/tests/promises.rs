//! split-map's own cases of map-core's promises (the kit's `promises`
//! checks, run in `conformance.rs`, hold it to the rest): a drain keeps
//! small tables and releases large ones, a new policy applies at once, and
//! a drain that stops leaves no sparse table.

use map_core::ReclaimPolicy;
use split_map::SplitMap;

map_conformance::install_counting_allocator!();

fn filled(n: u64) -> SplitMap<u64, u64> {
    let mut map = SplitMap::new();
    for i in 0..n {
        map.insert(i, i);
    }
    map
}

#[test]
fn drain_keeps_small_tables_and_releases_large_ones() {
    let mut small = filled(500);
    let bytes = small.memory().allocated_bytes;
    assert_eq!(small.drain().count(), 500);
    assert!(small.is_empty());
    assert_eq!(small.memory().allocated_bytes, bytes);
    let mut large = filled(200_000);
    let mut drain = large.drain();
    assert_eq!(drain.len(), 200_000);
    drain.next();
    drop(drain);
    assert!(large.is_empty());
    assert_eq!(large.memory().allocated_bytes, 0);
}

#[test]
fn set_policy_applies_at_once() {
    let mut map: SplitMap<u64, u64> = SplitMap::with_policy(ReclaimPolicy::manual());
    for i in 0..100_000 {
        map.insert(i, i);
    }
    for i in 0..99_000 {
        map.remove(&i);
    }
    let held = map.memory().allocated_bytes;
    map.set_policy(ReclaimPolicy::automatic());
    assert!(map.memory().allocated_bytes * 4 < held);
    // And removals apply it from then on.
    for i in 99_000..100_000 {
        map.remove(&i);
    }
    assert!(map.memory().allocated_bytes < 4096);
}

/// A drain that stops just short of a table's look-again point still
/// leaves no sparse table: 50,000 entries drained to 50 (over ten hash
/// seeds, which place the last removals differently) hold at most 8x a
/// fresh map of the 50, as the policy's `shrink_ratio` says.
#[test]
fn a_drain_that_stops_leaves_no_sparse_table() {
    let fresh = {
        let mut map: SplitMap<u64, [u8; 128]> = SplitMap::new();
        for i in 0..50u64 {
            map.insert(i, [0; 128]);
        }
        map.memory().allocated_bytes
    };
    for _ in 0..10 {
        let mut map: SplitMap<u64, [u8; 128]> = SplitMap::new();
        for i in 0..50_000u64 {
            map.insert(i, [0; 128]);
        }
        for i in 0..49_950u64 {
            map.remove(&i);
        }
        let held = map.memory().allocated_bytes;
        assert!(
            held <= 8 * fresh,
            "{held} bytes held for 50 entries, {:.2}x a fresh map's {fresh}",
            held as f64 / fresh as f64
        );
    }
}

/// A reservation of more than 64 MiB of room first asks the allocator for
/// the block one table of that room would take, and gives it back:
/// granted here, then the first table refused, the map holds what it held
/// before.
#[test]
fn a_large_reservation_probes_the_allocator_and_gives_the_probe_back() {
    let alloc = map_conformance::alloc::FailingAlloc::new();
    let mut map = SplitMap::new_in(alloc.clone());
    for i in 0..1_000u64 {
        map.insert(i, i);
    }
    let held = alloc.live_bytes();
    let calls = alloc.calls();
    // 5,000,000 pairs of u64 (80 MB): the probe, then the tables.
    alloc.fail_after(1);
    assert!(map.try_reserve(5_000_000).is_err());
    alloc.never_fail();
    assert_eq!(alloc.calls(), calls + 1, "the probe was granted");
    assert_eq!(alloc.live_bytes(), held, "and given back");
    assert_eq!(map.memory().allocated_bytes, held);
    assert_eq!(map.len(), 1_000);
    // Below the probe's size, none.
    let calls = alloc.calls();
    alloc.fail_after(0);
    assert!(map.try_reserve(1_000_000).is_err());
    alloc.never_fail();
    assert_eq!(alloc.calls(), calls, "no probe for 16 MB");
}
