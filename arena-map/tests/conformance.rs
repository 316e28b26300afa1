//! The workspace's conformance kit, run on `ArenaMap`.

use arena_map::ArenaMap;
use map_conformance::{check_clear_reuse, check_scenarios, suite, Sizes};

map_conformance::install_counting_allocator!();

#[test]
fn differential_drops_and_string_keys() {
    suite(
        ArenaMap::new,
        ArenaMap::new,
        ArenaMap::new,
        Sizes::from_env(),
    );
}

#[test]
fn memory_scenarios() {
    let figures = check_scenarios(ArenaMap::new, Sizes::from_env());
    println!("{figures}");
}

#[test]
fn clear_reuses_and_gives_back() {
    let figures = check_clear_reuse(ArenaMap::new, Sizes::from_env());
    println!("{figures}");
}

#[test]
fn drained_then_idle_gives_memory_back() {
    let sizes = Sizes::from_env();
    let figures = map_conformance::check_drain_idle(ArenaMap::new, &sizes.drain_idle_peaks);
    println!("{figures}");
}

#[test]
fn phased_over_hash_ranges() {
    map_conformance::phased::phased_all(ArenaMap::with_hasher, Sizes::from_env());
}

/// A `Hash` that panics while the map grows, drains or reclaims loses no
/// entry (the kit's check, at a spread of panic points).
#[test]
fn hasher_unwind() {
    map_conformance::unwind::hasher_unwind(ArenaMap::new);
}

/// std's whole map API, against std's `HashMap` (the kit's check of every
/// `Map`).
#[test]
fn std_api() {
    for seed in map_conformance::seeds(4) {
        map_conformance::std_api::check::<arena_map::ArenaTable<u64, u64>>(seed);
    }
}

#[test]
fn walks_and_disjoint_borrows() {
    for seed in map_conformance::seeds(2) {
        map_conformance::std_api::check_walks::<arena_map::ArenaTable<u64, u64>>(seed);
    }
}

/// The capacity promises, memory exactness and clear reuse (the kit's).
#[test]
fn promises() {
    map_conformance::promises::check::<arena_map::ArenaTable<u64, u64>>();
}

/// No resize within a fifth of the entries (the kit's property check).
#[test]
fn hysteresis() {
    for seed in map_conformance::seeds(2) {
        let figures =
            map_conformance::promises::check_hysteresis::<arena_map::ArenaTable<u64, u64>>(seed);
        assert!(figures.grew_through_deleted_slots, "{figures}");
    }
}

/// A refused allocation loses nothing and aborts nothing (the kit's), on
/// an allocator given to the map: every arena, its chunks and its state,
/// comes from it.
#[test]
fn alloc_failure() {
    map_conformance::alloc_failure::check::<
        arena_map::ArenaTable<u64, u64, map_conformance::alloc::FailingAlloc>,
    >();
}

/// The same on the default allocator, the global one, refused there.
#[test]
fn alloc_failure_on_the_global_allocator() {
    map_conformance::alloc_failure::check_global::<arena_map::ArenaTable<u64, u64>>();
}

#[test]
fn memory_scenarios_with_a_custom_allocator() {
    let alloc = map_conformance::alloc::FailingAlloc::new();
    let figures = check_scenarios(|| ArenaMap::new_in(alloc.clone()), Sizes::QUICK);
    println!("{figures}");
}

/// A map of key to value through serde, malformed input, length hints
/// (the kit's).
#[test]
fn serde() {
    map_conformance::serde::check::<arena_map::ArenaTable<u64, u64>>();
}

/// Parallel iteration, extension and draining with rayon, against std and
/// the map's own sequential API (the kit's).
#[test]
fn rayon() {
    for seed in map_conformance::seeds(2) {
        map_conformance::par::check::<arena_map::ArenaTable<u64, u64>>(seed);
    }
}
