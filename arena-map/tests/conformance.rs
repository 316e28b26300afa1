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
