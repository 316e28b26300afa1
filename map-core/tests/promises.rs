//! map-core's own cases of the promises a std user relies on (the kit's
//! `promises` checks, run in `conformance.rs`, hold every map to the rest):
//! a floor survives a pending shrink, an overwrite after a drain shrink
//! does not grow, and a large refill after `clear()` grows in few steps.

use map_conformance::alloc::Counter;
use map_conformance::promises::untouched;
use map_core::HashMap;

map_conformance::install_counting_allocator!();

type Entry = (u64, [u8; 128]);

fn filled(n: u64) -> HashMap<u64, u64> {
    (0..n).map(|i| (i, i)).collect()
}

/// A map that removals left sparse, with a shrink pending for the next insert.
fn sparse_with_pending_shrink() -> HashMap<u64, u64> {
    // 2048 buckets, room for 1792: removals shrink at 223 entries, the
    // next insert at 358.
    let mut map = filled(1000);
    let bytes = map.memory().allocated_bytes;
    for i in 300..1000 {
        map.remove(&i);
    }
    assert_eq!(map.len(), 300);
    assert_eq!(
        map.memory().allocated_bytes,
        bytes,
        "not drained far enough to shrink yet"
    );
    map
}

#[test]
fn reserve_survives_the_next_insert() {
    let mut map = sparse_with_pending_shrink();
    map.reserve(5000);
    let capacity = map.capacity();
    let bytes = map.memory().allocated_bytes;
    assert!(capacity >= 5010);
    map.insert(5000, 0);
    assert_eq!(map.capacity(), capacity);
    for i in 0..10 {
        map.remove(&i);
    }
    // The removals shrink nothing. `capacity()` may still lose a slot per
    // removal, as std's does: a removal inside a full run of buckets
    // leaves a tombstone, which the table does not count as room (with
    // some hash seeds, a few of these ten do).
    assert_eq!(map.memory().allocated_bytes, bytes);
    assert!(map.capacity() >= capacity - 10);

    let mut map = sparse_with_pending_shrink();
    map.try_reserve(5000).unwrap();
    let capacity = map.capacity();
    map.insert(5000, 0);
    assert_eq!(map.capacity(), capacity);
}

#[test]
fn an_overwrite_after_a_drain_shrink_does_not_grow() {
    let mut map = filled(10_000);
    for i in 55..10_000 {
        map.remove(&i);
    }
    let shrunk = map.memory();
    assert!(shrunk.reclaims >= 1);
    untouched(&mut map, "overwrite", |m| {
        for i in 0..55 {
            m.insert(i, i + 1);
        }
    });
    // A fifth of the entries more fit without growing either.
    let before = map.memory().allocated_bytes;
    for i in 0..11 {
        map.insert(100_000 + i, 0);
    }
    assert_eq!(map.memory().allocated_bytes, before);
}

#[test]
fn a_large_refill_after_clear_grows_in_few_steps() {
    let mut map: HashMap<u64, Entry> = HashMap::new();
    for i in 0..100_000 {
        map.insert(i, (i, [0; 128]));
    }
    let full = map.memory().allocated_bytes;
    map.clear();
    assert_eq!(map.memory().allocated_bytes, 0);
    let counter = Counter::start();
    for i in 0..100_000 {
        map.insert(i, (i, [0; 128]));
    }
    // Doubling from empty takes 16 allocations; the refill takes 9.
    assert!(counter.calls() <= 11, "{} allocations", counter.calls());
    assert_eq!(map.memory().allocated_bytes, full, "the same table size");
}
