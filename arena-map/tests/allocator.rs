//! A map made with `new_in` takes every arena (chunks and the arena's own
//! state) from the allocator it was given, and from nowhere else, through
//! growth, shrinking, draining, clearing, cloning and dropping. Refusals and
//! every constructor that takes an allocator are the kit's checks
//! (`alloc_failure` in `tests/conformance.rs`).

use arena_map::{ArenaMap, MemoryLimit};
use map_conformance::alloc::{Counter, FailingAlloc};
use map_core::DefaultHashBuilder;

map_conformance::install_counting_allocator!();

type OwnMap<V> = ArenaMap<u64, V, DefaultHashBuilder, FailingAlloc>;

#[test]
fn every_arena_comes_from_the_given_allocator() {
    let alloc = FailingAlloc::new();
    let mut map: OwnMap<[u8; 24]> = ArenaMap::new_in(alloc.clone());
    assert_eq!(alloc.live_bytes(), 0, "nothing before the first insert");

    // Growth moves the entries into a fresh arena at each step; the old one
    // goes back whole.
    let (counter, calls) = (Counter::start(), alloc.calls());
    for i in 0..10_000u64 {
        map.insert(i, [i as u8; 24]);
        assert_eq!(
            alloc.live_bytes(),
            map.memory().allocated_bytes,
            "insert {i}"
        );
    }
    let own = alloc.calls() - calls;
    assert!(own > 1, "the map grew through its allocator");
    // `FailingAlloc` serves each of its calls from the global allocator.
    assert_eq!(
        counter.calls(),
        own as u64,
        "calls that bypassed the map's allocator"
    );
    let full = map.memory().allocated_bytes;
    assert!(full > 10_000 * 32);
    assert_eq!(map.memory().peak_bytes, full);

    // The automatic policy shrinks the table as the map empties.
    for i in 100..10_000u64 {
        map.remove(&i);
        assert_eq!(
            alloc.live_bytes(),
            map.memory().allocated_bytes,
            "remove {i}"
        );
    }
    let drained = map.memory().allocated_bytes;
    assert!(drained * 8 < full, "{drained} of {full} bytes still held");
    assert!((0..100u64).all(|i| map[&i] == [i as u8; 24]));

    // A clone allocates from a clone of the same allocator.
    let copy = map.clone();
    assert_eq!(copy, map);
    assert_eq!(alloc.live_bytes(), drained + copy.memory().allocated_bytes);
    drop(copy);
    assert_eq!(alloc.live_bytes(), drained);

    // A drain keeps the arena for a small map; `shrink_to_fit` and `clear`
    // give back what is left.
    assert_eq!(map.drain().count(), 100);
    assert_eq!(alloc.live_bytes(), map.memory().allocated_bytes);
    map.extend((0..50u64).map(|i| (i, [0; 24])));
    map.shrink_to_fit();
    assert_eq!(alloc.live_bytes(), map.memory().allocated_bytes);
    map.clear();
    map.reclaim();
    assert_eq!(alloc.live_bytes(), map.memory().allocated_bytes);
    assert_eq!(map.memory().allocated_bytes, 0);

    map.extend((0..1_000u64).map(|i| (i, [1; 24])));
    assert!(alloc.live_bytes() > 0);
    drop(map);
    assert_eq!(alloc.live_bytes(), 0);
}

#[test]
fn an_owning_iterator_frees_its_arena_on_the_allocator() {
    let alloc = FailingAlloc::new();
    let mut map: OwnMap<String> = ArenaMap::new_in(alloc.clone());
    map.extend((0..1_000u64).map(|i| (i, i.to_string())));
    let mut entries = map.into_iter();
    let (k, v) = entries.next().expect("an entry");
    assert_eq!(v, k.to_string());
    assert!(alloc.live_bytes() > 0, "the arena goes with the iterator");
    drop(entries);
    assert_eq!(alloc.live_bytes(), 0);
}

#[test]
fn a_memory_limit_holds_on_an_allocator_of_its_own() {
    let mut map: OwnMap<u64> = ArenaMap::with_memory_limit(16 * 1024);
    assert_eq!(map.memory_limit(), Some(16 * 1024));
    let refused = (0..)
        .find_map(|i| map.try_insert(i, i).err())
        .expect("a refusal");
    assert!(!map.contains_key(&refused.key));
    let held = map.memory().allocated_bytes;
    assert!(held <= 16 * 1024);
    assert_eq!(map.allocator().live_bytes(), held);
    assert_eq!(map.allocator().failures(), 0, "refused by the limit first");
}

#[test]
fn a_map_on_a_sendable_allocator_moves_between_threads() {
    let alloc = FailingAlloc::new();
    let mut map: OwnMap<u64> = ArenaMap::new_in(alloc.clone());
    map.extend((0..10_000).map(|i| (i, i)));
    let map = std::thread::spawn(move || {
        for i in 0..9_000 {
            map.remove(&i);
        }
        map
    })
    .join()
    .expect("the thread ends");
    let total: u64 = std::thread::scope(|s| {
        let shared = &map;
        s.spawn(move || shared.values().sum::<u64>())
            .join()
            .expect("the thread ends")
    });
    assert_eq!(total, (9_000..10_000u64).sum::<u64>());
    assert_eq!(alloc.live_bytes(), map.memory().allocated_bytes);
    drop(map);
    assert_eq!(alloc.live_bytes(), 0);
}

#[test]
fn serde_and_rayon_work_on_an_allocator_of_its_own() {
    use rayon::iter::{IntoParallelIterator, ParallelIterator};

    let alloc = FailingAlloc::new();
    let mut map: OwnMap<u64> = ArenaMap::new_in(alloc.clone());
    map.extend((0..5_000).map(|i| (i, i * 2)));

    let json = serde_json::to_string(&map).expect("serialized");
    // Deserialized onto `FailingAlloc::default()`, a fresh allocator.
    let back: OwnMap<u64> = serde_json::from_str(&json).expect("deserialized");
    assert_eq!(back, map);
    assert_eq!(back.allocator().live_bytes(), back.memory().allocated_bytes);
    assert_eq!(alloc.live_bytes(), map.memory().allocated_bytes);

    assert_eq!(map.par_iter().map(|(_, v)| *v).sum::<u64>(), 5_000 * 4_999);
    map.par_iter_mut().for_each(|(_, v)| *v += 1);
    assert_eq!(map[&10], 21);
    let mut drained: Vec<(u64, u64)> = map.par_drain().collect();
    drained.sort_unstable();
    assert_eq!(drained.len(), 5_000);
    assert!(map.is_empty());
    assert_eq!(alloc.live_bytes(), map.memory().allocated_bytes);

    let collected: OwnMap<u64> = (0..1_000u64).into_par_iter().map(|i| (i, i)).collect();
    assert_eq!(collected.len(), 1_000);
    assert_eq!(
        collected.allocator().live_bytes(),
        collected.memory().allocated_bytes
    );
}
