//! The workspace's conformance kit, run on `SyncMap` through `ReclaimMap`
//! (single thread): differential against std, drop counting, string keys,
//! and the memory scenarios measured by a counting allocator.

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
