//! The workspace's conformance kit, run on `SyncMap` through `ReclaimMap`
//! (single thread): differential against std, drop counting, string keys,
//! and the memory scenarios measured by a counting allocator.

use map_conformance::alloc::Counter;
use map_conformance::scenarios::clear_reuse;
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

/// A cleared map left alone or used smaller gives memory back, through the
/// one-write-at-a-time `ReclaimMap` path; a clear-and-refill through a
/// batch (one publication) makes at most 2 allocator calls per round.
#[test]
fn clear_reuses_and_gives_back() {
    let sizes = Sizes::from_env();
    let small = sizes.spike_keep / 10;
    let c = clear_reuse(
        SyncMap::new,
        sizes.clear_batch,
        sizes.clear_rounds,
        sizes.delete_all,
        small,
        small * 10,
    );
    assert!(c.held_after_clear() <= 0.01, "{c:?}");
    assert!(c.small_peak_vs_fresh() <= 3.0, "{c:?}");
    println!(
        "one write at a time: {:.1} allocator calls per round",
        c.calls_per_round
    );

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
