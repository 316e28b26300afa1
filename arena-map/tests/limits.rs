//! Memory limits that hold for all the arenas hold (their chunks, chunk
//! headers and state), and clones of maps under (or over) their limit.

use arena_map::{ArenaMap, MemoryLimit, StrMap};

/// Churns string keys of varied lengths through a limited map: every
/// `try_insert` that succeeds leaves the map within its limit, through key
/// compactions and key arenas that grow chunk by chunk.
#[test]
fn key_compaction_stays_within_the_limit() {
    for limit in (6_000..16_000).step_by(250) {
        let mut map: StrMap<u64> = StrMap::with_memory_limit(limit);
        let mut live = Vec::new();
        for i in 0..4_000u64 {
            let key = format!("key-{i}-{}", "x".repeat((i * 7 % 61) as usize));
            match map.try_insert(&key, i) {
                Ok(_) => {
                    let held = map.memory().allocated_bytes;
                    assert!(
                        held <= limit,
                        "limit {limit}: {held} bytes held after an accepted insert {i}"
                    );
                    live.push(key);
                }
                Err(refused) => {
                    assert_eq!(refused.into_inner(), i);
                }
            }
            if i % 3 != 0 && !live.is_empty() {
                let victim = live.swap_remove((i as usize * 31) % live.len());
                assert!(map.remove(victim.as_str()).is_some());
            }
            assert_eq!(map.len(), live.len());
        }
        for key in &live {
            assert!(map.contains_key(key.as_str()), "limit {limit}: {key} lost");
        }
    }
}

/// Fills a limited map until it refuses, so that it sits near its limit.
fn fill_str_map(limit: usize) -> StrMap<u64> {
    let mut map: StrMap<u64> = StrMap::with_memory_limit(limit);
    for i in 0..10_000u64 {
        if map.try_insert(&format!("entry-{i}"), i).is_err() {
            break;
        }
    }
    map
}

#[test]
fn a_clone_of_a_map_near_its_limit_does_not_panic() {
    for limit in (4_000..20_000).step_by(500) {
        let map = fill_str_map(limit);
        assert!(map.memory().allocated_bytes <= limit);
        let copy = map.clone();
        assert_eq!(copy, map, "limit {limit}");
        assert_eq!(copy.memory_limit(), Some(limit));
    }
}

#[test]
fn a_clone_of_a_map_over_a_lowered_limit_keeps_everything() {
    let mut map = fill_str_map(64 * 1024);
    let len = map.len();
    map.set_memory_limit(Some(1_000));
    let mut copy = map.clone();
    assert_eq!(copy.len(), len);
    assert_eq!(copy, map);
    assert_eq!(copy.memory_limit(), Some(1_000));
    // The clone holds what it holds, and refuses to grow further.
    assert!(copy.try_insert("one more key", 0).is_err());
    assert_eq!(copy.len(), len);

    let mut table: ArenaMap<u64, [u8; 24]> = ArenaMap::new();
    for i in 0..1_000 {
        table.insert(i, [i as u8; 24]);
    }
    table.set_memory_limit(Some(512));
    let mut copy = table.clone();
    assert_eq!(copy, table);
    assert_eq!(copy.memory_limit(), Some(512));
    // Inserts that fit the clone's table succeed; none may grow it.
    let held = copy.memory().allocated_bytes;
    let refused = (5_000..15_000).filter(|&i| copy.try_insert(i, [0; 24]).is_err());
    assert!(refused.count() > 0);
    assert_eq!(copy.memory().allocated_bytes, held);
}

#[test]
fn a_clone_of_an_arena_map_near_its_limit_does_not_panic() {
    for limit in (2_000..40_000).step_by(1_000) {
        let mut map: ArenaMap<u64, u64> = ArenaMap::with_memory_limit(limit);
        for i in 0..100_000u64 {
            if map.try_insert(i, i).is_err() {
                break;
            }
        }
        let copy = map.clone();
        assert_eq!(copy, map, "limit {limit}");
    }
}
