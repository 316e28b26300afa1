//! map-core's promises, kept by a split map: capacity asked for is kept,
//! nothing is given back unless an entry left, a cleared map refilled
//! reuses its tables, and `memory()` is exact at every stage.

use map_conformance::alloc::Counter;
use map_core::ReclaimPolicy;
use split_map::SplitMap;

map_conformance::install_counting_allocator!();

fn filled(n: u64) -> SplitMap<u64, u64> {
    let mut map = SplitMap::new();
    for i in 0..n {
        map.insert(i, i);
    }
    map
}

/// What the map reports against what the allocator saw, since `counter`
/// started with the map empty.
fn assert_exact(map: &SplitMap<u64, u64>, counter: &Counter, stage: &str) {
    assert_eq!(
        map.memory().allocated_bytes as isize,
        counter.live_bytes(),
        "memory() at {stage}"
    );
}

#[test]
fn memory_is_exact_in_every_stage() {
    let counter = Counter::start();
    let mut map = SplitMap::new();
    assert_exact(&map, &counter, "new");
    for i in 0..300_000u64 {
        map.insert(i, i);
        if i % 50_000 == 0 {
            assert_exact(&map, &counter, "growth");
        }
    }
    assert!(map.storage().table_count() > 32);
    assert_exact(&map, &counter, "full");
    for i in 0..297_000u64 {
        map.remove(&i);
        if i % 50_000 == 0 {
            assert_exact(&map, &counter, "removal");
        }
    }
    assert_exact(&map, &counter, "1% left");
    for i in 300_000..330_000u64 {
        map.insert(i, i);
        map.remove(&(i - 3_000));
    }
    assert_exact(&map, &counter, "churn");
    map.reserve(100_000);
    assert_exact(&map, &counter, "reserve");
    map.reclaim();
    assert_exact(&map, &counter, "reclaim");
    map.clear();
    assert_exact(&map, &counter, "clear (small tables kept)");
    map.reclaim();
    assert_exact(&map, &counter, "reclaim when empty");
    assert_eq!(
        counter.live_bytes(),
        0,
        "an empty map after reclaim holds nothing"
    );
}

#[test]
fn with_capacity_survives_removals() {
    let mut map: SplitMap<u64, u64> = SplitMap::with_capacity(100_000);
    let capacity = map.capacity();
    assert!(capacity >= 100_000);
    for i in 0..100_000u64 {
        map.insert(i, i);
    }
    for i in 0..100_000u64 {
        map.remove(&i);
    }
    assert!(
        map.capacity() >= 100_000,
        "the floor holds: {}",
        map.capacity()
    );
    map.shrink_to_fit();
    assert!(map.capacity() < 100);
}

#[test]
fn reserve_sets_a_floor_and_a_failed_one_does_not() {
    let mut map = filled(1000);
    map.reserve(50_000);
    assert!(map.capacity() >= 51_000);
    assert!(map.try_reserve(usize::MAX).is_err());
    for i in 0..1000 {
        map.remove(&i);
    }
    assert!(map.capacity() >= 51_000);
}

#[test]
fn misses_lookups_and_present_entries_never_allocate() {
    let mut map = filled(100_000);
    for i in 0..95_000 {
        map.remove(&i);
    }
    let counter = Counter::start();
    let bytes = map.memory().allocated_bytes;
    for i in 0..95_000u64 {
        assert_eq!(map.remove(&i), None);
        assert!(map.get(&i).is_none());
    }
    map.retain(|_, _| true);
    for i in 95_000..100_000u64 {
        *map.entry(i).or_insert(0) += 1;
        map.insert(i, i);
    }
    let _ = map.entry(1);
    assert_eq!(counter.calls(), 0, "no allocator call");
    assert_eq!(map.memory().allocated_bytes, bytes);
}

#[test]
fn overwriting_in_a_full_table_does_not_grow_it() {
    let mut map = SplitMap::new();
    let mut i = 0u64;
    // Fill until the next new key would need room.
    loop {
        let capacity = map.capacity();
        map.insert(i, i);
        if map.capacity() != capacity && i > 10_000 {
            break;
        }
        i += 1;
    }
    let (capacity, tables) = (map.capacity(), map.storage().table_count());
    for k in 0..=i {
        map.insert(k, 0);
    }
    assert_eq!(
        (map.capacity(), map.storage().table_count()),
        (capacity, tables)
    );
}

#[test]
fn clear_and_refill_reuses_the_tables() {
    let mut map = filled(1000);
    let counter = Counter::start();
    for round in 0..100u64 {
        map.clear();
        for i in 0..1000 {
            map.insert(i + round, i);
        }
    }
    assert_eq!(counter.calls(), 0);
}

#[test]
fn a_large_clear_gives_everything_back_and_manual_keeps_it() {
    let mut map = filled(200_000);
    map.clear();
    assert_eq!(map.memory().allocated_bytes, 0);
    let mut manual: SplitMap<u64, u64> = SplitMap::with_policy(ReclaimPolicy::manual());
    for i in 0..200_000 {
        manual.insert(i, i);
    }
    let bytes = manual.memory().allocated_bytes;
    for i in 0..200_000 {
        manual.remove(&i);
    }
    assert_eq!(
        manual.memory().allocated_bytes,
        bytes,
        "manual: nothing given back"
    );
    manual.clear();
    assert_eq!(manual.memory().allocated_bytes, bytes);
}

#[test]
fn drain_keeps_small_tables_and_releases_large_ones() {
    let mut small = filled(500);
    let bytes = small.memory().allocated_bytes;
    assert_eq!(small.drain().count(), 500);
    assert!(small.is_empty());
    assert_eq!(small.memory().allocated_bytes, bytes);
    let mut large = filled(200_000);
    let mut drain = large.drain();
    assert_eq!(drain.len(), 200_000);
    drain.next();
    drop(drain);
    assert!(large.is_empty());
    assert_eq!(large.memory().allocated_bytes, 0);
}

#[test]
fn set_policy_applies_at_once() {
    let mut map: SplitMap<u64, u64> = SplitMap::with_policy(ReclaimPolicy::manual());
    for i in 0..100_000 {
        map.insert(i, i);
    }
    for i in 0..99_000 {
        map.remove(&i);
    }
    let held = map.memory().allocated_bytes;
    map.set_policy(ReclaimPolicy::automatic());
    assert!(map.memory().allocated_bytes * 4 < held);
    // And removals apply it from then on.
    for i in 99_000..100_000 {
        map.remove(&i);
    }
    assert!(map.memory().allocated_bytes < 4096);
}

#[test]
fn std_api_basics() {
    let mut map: SplitMap<String, u32> = SplitMap::new();
    for i in 0..20_000u32 {
        map.insert(i.to_string(), i);
    }
    assert_eq!(map["42"], 42);
    assert_eq!(map.get_key_value("7"), Some((&"7".to_string(), &7)));
    map.values_mut().for_each(|v| *v += 1);
    assert_eq!(
        map.values().map(|&v| u64::from(v)).sum::<u64>(),
        (1..=20_000u64).sum::<u64>()
    );
    let clone = map.clone();
    assert_eq!(clone, map);
    map.retain(|k, _| k.len() < 4);
    assert_eq!(map.len(), 1000);
    assert_ne!(clone, map);
    let mut keys: Vec<_> = map.into_keys().collect();
    keys.sort_by_key(|k| k.parse::<u32>().unwrap());
    assert_eq!(keys.len(), 1000);
    assert_eq!(keys[999], "999");
    let json = serde_json::to_string(&clone).unwrap();
    let back: SplitMap<String, u32> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, clone);
    assert!(format!("{back:?}").contains("\"42\": 43"));
}

/// A drain that stops just short of a table's look-again point still
/// leaves no sparse table: 50,000 entries drained to 50 (over ten hash
/// seeds, which place the last removals differently) hold at most 8x a
/// fresh map of the 50, as the policy's `shrink_ratio` says.
#[test]
fn a_drain_that_stops_leaves_no_sparse_table() {
    let fresh = {
        let mut map: SplitMap<u64, [u8; 128]> = SplitMap::new();
        for i in 0..50u64 {
            map.insert(i, [0; 128]);
        }
        map.memory().allocated_bytes
    };
    for _ in 0..10 {
        let mut map: SplitMap<u64, [u8; 128]> = SplitMap::new();
        for i in 0..50_000u64 {
            map.insert(i, [0; 128]);
        }
        for i in 0..49_950u64 {
            map.remove(&i);
        }
        let held = map.memory().allocated_bytes;
        assert!(
            held <= 8 * fresh,
            "{held} bytes held for 50 entries, {:.2}x a fresh map's {fresh}",
            held as f64 / fresh as f64
        );
    }
}
