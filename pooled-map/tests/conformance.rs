//! The workspace's conformance kit, run on `PooledMap`, and the memory
//! figures checked against the counting allocator.

use map_conformance::alloc::Counter;
use map_conformance::{check_clear_reuse, check_scenarios, suite, Sizes};
use pooled_map::{PoolStore, PooledMap, ReclaimPolicy};

map_conformance::install_counting_allocator!();

#[test]
fn differential_drops_and_string_keys() {
    suite(
        PooledMap::new,
        PooledMap::new,
        PooledMap::new,
        Sizes::from_env(),
    );
}

#[test]
fn differential_under_a_tight_policy() {
    // Shrinks as eagerly as the policy allows, so compaction runs often.
    let policy = ReclaimPolicy::builder()
        .shrink_ratio(3.2)
        .headroom(1.25)
        .drain_ratio(3.2)
        .min_capacity(1)
        .build()
        .unwrap();
    for seed in map_conformance::seeds(2) {
        map_conformance::differential(
            || PooledMap::with_policy(policy),
            seed,
            Sizes::from_env().random_ops,
        );
    }
}

#[test]
fn memory_scenarios() {
    let figures = check_scenarios(PooledMap::new, Sizes::from_env());
    println!("{figures}");
}

#[test]
fn slot_bytes_match_the_allocator() {
    // The pool's per-slot size is computed from a mirror of slab's private
    // entry type; a pool of known capacity proves it.
    fn check<K: Eq + std::hash::Hash, V>(key: impl Fn(u64) -> K, value: impl Fn() -> V) {
        let counter = Counter::start();
        let mut map: PooledMap<K, V> = PooledMap::with_policy(ReclaimPolicy::manual());
        for i in 0..1000 {
            map.insert(key(i), value());
        }
        map.reclaim(); // pool capacity is now exactly 1000
        let reported = map.memory().allocated_bytes;
        let counted = counter.live_bytes() as usize;
        assert_eq!(reported, counted, "memory() vs allocator");
        drop(map);
        assert_eq!(counter.live_bytes(), 0);
    }
    check(|i| i, || [0u8; 128]);
    check(|i| i, || 0u64);
    check(|i| i as u8 as u32 + (i as u32) * 256, || 0u8);
    check(|i| (i, i), || [0u16; 3]);
}

#[test]
fn memory_is_honest_at_every_size() {
    let counter = Counter::start();
    let mut map: PooledMap<u64, [u8; 40]> = PooledMap::new();
    for i in 0..50_000u64 {
        map.insert(i, [0; 40]);
        if i % 997 == 0 {
            let reported = map.memory().allocated_bytes;
            assert_eq!(reported as isize, counter.live_bytes(), "after {i} inserts");
        }
    }
    for i in 0..50_000u64 {
        map.remove(&i);
        if i % 997 == 0 {
            let reported = map.memory().allocated_bytes;
            assert_eq!(
                reported as isize,
                counter.live_bytes(),
                "after {i} removals"
            );
        }
    }
    let mem = map.memory();
    assert!(mem.reclaims >= 2, "{mem:?}");
    assert!(mem.peak_bytes >= 50_000 * 40);
}

#[test]
fn clear_reuses_and_gives_back() {
    let figures = check_clear_reuse(PooledMap::new, Sizes::from_env());
    println!("{figures}");
}

#[test]
fn drained_then_idle_gives_memory_back() {
    let sizes = Sizes::from_env();
    let figures = map_conformance::check_drain_idle(PooledMap::new, &sizes.drain_idle_peaks);
    println!("{figures}");
}

#[test]
fn phased_over_hash_ranges() {
    map_conformance::phased::phased_all(PooledMap::with_hasher, Sizes::from_env());
    map_conformance::phased::phased_all_in(PooledMap::with_hasher_in, Sizes::from_env());
}

/// A `Hash` that panics while the map grows, drains or reclaims loses no
/// entry (the kit's check, at a spread of panic points).
#[test]
fn hasher_unwind() {
    map_conformance::unwind::hasher_unwind(PooledMap::new);
}

#[test]
fn std_api() {
    for seed in map_conformance::seeds(4) {
        map_conformance::std_api::check::<PoolStore<u64, u64>>(seed);
    }
}

#[test]
fn walks_and_disjoint_borrows() {
    for seed in map_conformance::seeds(2) {
        map_conformance::std_api::check_walks::<PoolStore<u64, u64>>(seed);
    }
}

/// No resize within a fifth of the entries (the kit's property check): the
/// pool grows with the index when deleted slots made the index grow while
/// the pool had room, so the two change size together.
#[test]
fn hysteresis() {
    for seed in map_conformance::seeds(2) {
        let figures = map_conformance::promises::check_hysteresis::<PoolStore<u64, u64>>(seed);
        assert!(figures.grew_through_deleted_slots, "{figures}");
    }
}

/// The capacity promises, memory exactness and clear reuse (the kit's).
#[test]
fn promises() {
    map_conformance::promises::check::<PoolStore<u64, u64>>();
}

/// A refused allocation loses nothing and aborts nothing (the kit's).
#[test]
fn alloc_failure() {
    map_conformance::alloc_failure::check::<
        PoolStore<u64, u64, map_conformance::alloc::FailingAlloc>,
    >();
}

/// The same on the global allocator, refused there: nothing the storage
/// allocates outside its allocator parameter is infallible either.
#[test]
fn alloc_failure_on_the_global_allocator() {
    map_conformance::alloc_failure::check_global::<PoolStore<u64, u64, map_core::Global>>();
}

#[test]
fn memory_scenarios_with_a_custom_allocator() {
    let alloc = map_conformance::alloc::FailingAlloc::new();
    let figures = check_scenarios(|| PooledMap::new_in(alloc.clone()), Sizes::QUICK);
    println!("{figures}");
}

/// A map of key to value through serde, malformed input, length hints
/// (the kit's).
#[test]
fn serde() {
    map_conformance::serde::check::<PoolStore<u64, u64>>();
}

/// Parallel iteration, extension and draining with rayon, against std and
/// the map's own sequential API (the kit's).
#[test]
fn rayon() {
    for seed in map_conformance::seeds(2) {
        map_conformance::par::check::<PoolStore<u64, u64>>(seed);
    }
}
