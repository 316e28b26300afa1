//! A map made with `new_in` takes its pool and index from the allocator it
//! was given, and from nowhere else, through growth, shrinking, clearing and
//! dropping. Refusals and every constructor that takes an allocator are the
//! kit's checks (`alloc_failure` in `tests/conformance.rs`).

use map_conformance::alloc::{Counter, FailingAlloc};
use map_core::{DefaultHashBuilder, Global};
use pooled_map::HandleMap;
use pooled_map::PooledMap;

map_conformance::install_counting_allocator!();

#[test]
fn the_pool_and_the_index_come_from_the_given_allocator() {
    let alloc = FailingAlloc::new();
    let mut map: PooledMap<u64, [u8; 24], DefaultHashBuilder, FailingAlloc> =
        PooledMap::new_in(alloc.clone());
    assert_eq!(alloc.live_bytes(), 0, "nothing before the first insert");

    for i in 0..10_000u64 {
        map.insert(i, [i as u8; 24]);
    }
    let full = map.memory().allocated_bytes;
    assert!(full > 10_000 * 24);
    assert_eq!(
        alloc.live_bytes(),
        full,
        "every counted byte is the allocator's"
    );

    // The automatic policy shrinks the pool and the index as the map empties.
    for i in 100..10_000u64 {
        map.remove(&i);
    }
    let drained = map.memory().allocated_bytes;
    assert!(drained * 8 < full, "{drained} of {full} bytes still held");
    assert_eq!(alloc.live_bytes(), drained);
    assert!((0..100u64).all(|i| map[&i] == [i as u8; 24]));

    // A clone allocates from a clone of the same allocator.
    let copy = map.clone();
    assert_eq!(alloc.live_bytes(), drained + copy.memory().allocated_bytes);
    drop(copy);

    // `reclaim` frees what is left of an emptied map.
    map.retain(|_, _| false);
    map.reclaim();
    assert_eq!(alloc.live_bytes(), map.memory().allocated_bytes);
    drop(map);
    assert_eq!(alloc.live_bytes(), 0);
}

#[test]
fn a_compaction_takes_its_scratch_list_from_the_map_allocator() {
    // Removals that compact the pool record the entries they move in a
    // list of one record per entry moved: a large block for a large map,
    // which a global allocator such as mimalloc keeps resident once freed.
    let alloc = FailingAlloc::new();
    let mut map: PooledMap<u64, [u8; 24], DefaultHashBuilder, FailingAlloc> =
        PooledMap::new_in(alloc.clone());
    map.extend((0..100_000u64).map(|i| (i, [i as u8; 24])));
    let full = map.memory().allocated_bytes;
    let epoch = map.reclaim_epoch();
    let (counter, calls) = (Counter::start(), alloc.calls());
    // Every 100th entry stays, spread over the whole pool: the drain moves
    // entries down from the top.
    for i in (0..100_000u64).filter(|i| i % 100 != 0) {
        map.remove(&i);
    }
    // `FailingAlloc` serves each of its calls from the global allocator.
    let own = alloc.calls() - calls;
    assert!(own > 0, "the drain shrank the pool and the index");
    assert_eq!(
        counter.calls(),
        own as u64,
        "calls that bypassed the map's allocator"
    );
    assert!(map.reclaim_epoch() > epoch, "the pool was compacted");
    assert!(map.memory().allocated_bytes * 8 < full);
    assert_eq!(alloc.live_bytes(), map.memory().allocated_bytes);
    assert!((0..100_000u64)
        .step_by(100)
        .all(|i| map[&i] == [i as u8; 24]));
}

#[test]
fn the_global_allocator_opts_out_of_page_alloc() {
    let mut map: PooledMap<String, usize, _, Global> = PooledMap::new_in(Global);
    let (handle, _) = map.insert_with_handle("a".to_string(), 1);
    map.insert("b".to_string(), 2);
    assert_eq!(map.get("a"), Some(&1));
    assert_eq!(map.remove_by_handle(handle), Some(1));
    let _: &Global = map.allocator();
    let copy: PooledMap<String, usize, _, Global> = map.clone().into_iter().collect();
    assert_eq!(copy, map);
}
