//! The workspace's conformance kit, run on `SyncMap` through `ReclaimMap`
//! (single thread): differential against std, drop counting, string keys,
//! and the memory scenarios measured by a counting allocator.

use map_conformance::alloc::Counter;
use map_conformance::scenarios::check_clear_reuse;
use map_conformance::{check_scenarios, suite, Sizes};
use sync_map::SyncMap;

map_conformance::install_counting_allocator!();

#[test]
fn differential_drops_and_string_keys() {
    suite(SyncMap::new, SyncMap::new, SyncMap::new, Sizes::from_env());
}

#[test]
fn memory_scenarios() {
    let figures = check_scenarios(SyncMap::new, Sizes::from_env());
    println!("{figures}");
}

/// Through the one-write-at-a-time `ReclaimMap` path, the kit's check: a
/// clear followed by single inserts makes at most 2 allocator calls per
/// round, and a cleared map left alone or used smaller gives memory back.
/// A clear-and-refill through a batch (one publication) also makes at most
/// 2 allocator calls per round.
#[test]
fn clear_reuses_and_gives_back() {
    println!("{}", check_clear_reuse(SyncMap::new, Sizes::from_env()));

    let map: SyncMap<u64, u64> = SyncMap::new();
    map.write(|w| {
        for i in 0..1_000 {
            w.insert(i, i);
        }
    });
    let rounds = 100;
    let counter = Counter::start();
    for _ in 0..rounds {
        map.write(|w| {
            w.clear();
            for i in 0..1_000 {
                w.insert(i, i);
            }
        });
    }
    let calls = counter.calls() as f64 / rounds as f64;
    assert!(
        calls <= 2.0,
        "batch clear-and-refill: {calls} calls per round"
    );
    println!("batch clear-and-refill: {calls:.2} allocator calls per round");
}

#[test]
fn drained_then_idle_gives_memory_back() {
    let sizes = Sizes::from_env();
    let figures = map_conformance::check_drain_idle(SyncMap::new, &sizes.drain_idle_peaks);
    println!("{figures}");
}

#[test]
fn phased_over_hash_ranges() {
    map_conformance::phased::phased_all(SyncMap::with_hasher, Sizes::from_env());
}

/// A `Hash` that panics while the map grows, drains or reclaims loses no
/// entry (the kit's check, at a spread of panic points).
#[test]
fn hasher_unwind() {
    map_conformance::unwind::hasher_unwind(SyncMap::new);
}

/// `clear()` of a map that grew past its capacity floor gives back only
/// what is above the floor, in both copies.
#[test]
fn clear_keeps_the_capacity_floor() {
    let map: SyncMap<u64, u64> = SyncMap::with_capacity(50_000);
    let floor = map.memory().allocated_bytes;
    for i in 0..200_000 {
        map.insert(i, i);
    }
    assert!(map.memory().allocated_bytes > floor);
    map.clear();
    assert_eq!(
        map.memory().allocated_bytes,
        floor,
        "cleared to the floor, not below"
    );
}
