//! The workspace's conformance kit, run on `SplitMap`.

use map_conformance::{check_clear_reuse, check_scenarios, suite, Sizes};
use split_map::SplitMap;

map_conformance::install_counting_allocator!();

#[test]
fn differential_drops_and_string_keys() {
    suite(
        SplitMap::new,
        SplitMap::new,
        SplitMap::new,
        Sizes::from_env(),
    );
}

#[test]
fn memory_scenarios() {
    let figures = check_scenarios(SplitMap::new, Sizes::from_env());
    println!("{figures}");
}

#[test]
fn memory_scenarios_with_a_custom_allocator() {
    let alloc = map_conformance::alloc::FailingAlloc::new();
    let figures = check_scenarios(|| SplitMap::new_in(alloc.clone()), Sizes::QUICK);
    println!("{figures}");
}

#[test]
fn clear_reuses_and_gives_back() {
    let figures = check_clear_reuse(SplitMap::new, Sizes::from_env());
    println!("{figures}");
}

#[test]
fn phased_over_hash_ranges() {
    map_conformance::phased::phased_all(SplitMap::with_hasher, Sizes::from_env());
    map_conformance::phased::phased_all_in(SplitMap::with_hasher_in, Sizes::from_env());
}

#[test]
fn drained_then_idle_gives_memory_back() {
    let sizes = Sizes::from_env();
    let figures = map_conformance::check_drain_idle(SplitMap::new, &sizes.drain_idle_peaks);
    println!("{figures}");
}

/// A `Hash` that panics while the map grows, drains or reclaims loses no
/// entry (the kit's check, at a spread of panic points).
#[test]
fn hasher_unwind() {
    map_conformance::unwind::hasher_unwind(SplitMap::new);
}

#[test]
fn std_api() {
    for seed in map_conformance::seeds(4) {
        map_conformance::std_api::check::<split_map::SplitTables<u64, u64>>(seed);
    }
}

#[test]
fn auto_traits_as_std() {
    fn check<T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe + Unpin>() {}
    check::<SplitMap<String, Vec<u8>>>();
    check::<split_map::Iter<'_, u64, u64>>();
    check::<split_map::IntoIter<u64, u64>>();
}

#[test]
fn walks_and_disjoint_borrows() {
    for seed in map_conformance::seeds(2) {
        map_conformance::std_api::check_walks::<split_map::SplitTables<u64, u64>>(seed);
    }
}

/// The capacity promises, memory exactness and clear reuse (the kit's).
#[test]
fn promises() {
    map_conformance::promises::check::<split_map::SplitTables<u64, u64>>();
}

/// No table is resized, split or merged within a fifth of its entries (the
/// kit's property check, table by table).
#[test]
fn hysteresis() {
    for seed in map_conformance::seeds(2) {
        let figures =
            map_conformance::promises::check_hysteresis::<split_map::SplitTables<u64, u64>>(seed);
        println!("{figures}");
        assert!(
            figures.most_pieces >= 8,
            "too few tables to check: {figures}"
        );
        assert!(figures.grew_through_deleted_slots, "{figures}");
    }
}

/// A refused allocation loses nothing and aborts nothing (the kit's).
#[test]
fn alloc_failure() {
    map_conformance::alloc_failure::check::<
        split_map::SplitTables<u64, u64, map_conformance::alloc::FailingAlloc>,
    >();
}

/// The same on the global allocator, refused there: nothing the storage
/// allocates outside its allocator parameter is infallible either.
#[test]
fn alloc_failure_on_the_global_allocator() {
    map_conformance::alloc_failure::check_global::<
        split_map::SplitTables<u64, u64, map_core::Global>,
    >();
}

/// A map of key to value through serde, malformed input, length hints
/// (the kit's).
#[test]
fn serde() {
    map_conformance::serde::check::<split_map::SplitTables<u64, u64>>();
}

/// Parallel iteration, extension and draining with rayon, against std and
/// the map's own sequential API (the kit's).
#[test]
fn rayon() {
    for seed in map_conformance::seeds(2) {
        map_conformance::par::check::<split_map::SplitTables<u64, u64>>(seed);
    }
}
