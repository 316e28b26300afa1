//! `ArenaMap` beyond the conformance kit: drops, a panicking `Hash` during
//! compaction, the memory limit, and what the counting allocator sees.

use std::cell::Cell;
use std::collections::HashMap as StdHashMap;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};

use arena_map::{ArenaMap, MemoryLimit, TryReserveError};
use map_conformance::alloc::Counter;
use map_conformance::{DropLedger, Tracked};
use map_core::{ReclaimMap, ReclaimPolicy};

map_conformance::install_counting_allocator!();

#[test]
fn string_keys_found_by_str() {
    let mut map: ArenaMap<String, usize> = ArenaMap::with_capacity(10);
    map.insert("alpha".to_string(), 1);
    assert_eq!(map.get("alpha"), Some(&1));
    assert!(map.contains_key("alpha"));
    assert_eq!(map.remove("alpha"), Some(1));
}

#[test]
fn keys_and_values_drop_exactly_once() {
    let keys = DropLedger::new();
    let values = DropLedger::new();
    {
        let mut map = ArenaMap::new();
        for i in 0..5_000 {
            map.insert(Tracked::new(i, &keys), Tracked::new(i, &values));
        }
        // Overwrites drop the new key and the old value.
        for i in 0..100 {
            drop(map.insert(Tracked::new(i, &keys), Tracked::new(i, &values)));
        }
        // Removals shrink the table by moving it: nothing may be dropped twice.
        for i in 0..4_900 {
            drop(map.remove(&Tracked::new(i, &keys)));
        }
        assert_eq!(values.alive(), 100);
        map.retain(|k, _| k.id % 2 == 0);
        assert_eq!(values.alive(), 50);
        map.reclaim();
        assert_eq!(keys.alive(), 50);
        map.clear();
        assert_eq!(values.alive(), 0);
        for i in 0..1000 {
            map.insert(Tracked::new(i, &keys), Tracked::new(i, &values));
        }
    }
    assert_eq!(keys.alive(), 0);
    assert_eq!(values.alive(), 0);
}

thread_local! {
    static HASH_PANICS: Cell<bool> = const { Cell::new(false) };
}

/// A key whose `Hash` panics while `HASH_PANICS` is set.
#[derive(Debug, PartialEq, Eq)]
struct Touchy(u64);

impl Hash for Touchy {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if HASH_PANICS.with(Cell::get) {
            panic!("hash panics on demand");
        }
        self.0.hash(state);
    }
}

fn with_hash_panics<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    HASH_PANICS.with(|p| p.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    HASH_PANICS.with(|p| p.set(false));
    result
}

fn assert_holds(map: &ArenaMap<Touchy, Vec<u64>>, ids: impl Iterator<Item = u64>) {
    for id in ids {
        assert_eq!(map.get(&Touchy(id)), Some(&vec![id]), "entry {id} lost");
    }
}

#[test]
fn panicking_hash_during_growth_loses_nothing() {
    let mut map = ArenaMap::new();
    let mut n = 0;
    // Fill to the brim: the next insert must move the table.
    while n < 10 || map.len() < map.capacity() {
        map.insert(Touchy(n), vec![n]);
        n += 1;
    }
    let before = map.memory().allocated_bytes;
    assert!(with_hash_panics(|| map.insert(Touchy(n), vec![n])).is_err());
    assert_eq!(map.len(), n as usize);
    assert_holds(&map, 0..n);
    assert_eq!(map.memory().allocated_bytes, before);
    // The map still works, and grows once the hash behaves.
    map.insert(Touchy(n), vec![n]);
    assert_holds(&map, 0..=n);
}

#[test]
fn panicking_hash_during_shrink_and_reclaim_loses_nothing() {
    // Removals shrink only below 1/128 full, so the test knows which step
    // shrinks.
    let lazy = map_core::ReclaimPolicy::builder()
        .drain_ratio(128.0)
        .build()
        .unwrap();
    let mut map = ArenaMap::with_policy(lazy);
    for i in 0..4096 {
        map.insert(Touchy(i), vec![i]);
    }
    for i in 0..3900 {
        map.remove(&Touchy(i));
    }
    // 196 left in a table with room for 7168: sparse, but not drained
    // enough to shrink at a removal. `retain` (whose closure does not hash)
    // down to 90 marks a shrink for the next insert, which panics in it.
    map.retain(|k, _| k.0 < 3990);
    let result = with_hash_panics(|| map.insert(Touchy(9999), vec![9999]));
    assert!(result.is_err(), "the deferred shrink hashes the keys");
    assert_eq!(map.len(), 90);
    assert_holds(&map, 3900..3990);

    // Below 1/128 full a removal shrinks at once: that panics too.
    let result = with_hash_panics(|| map.retain(|k, _| k.0 < 3940));
    assert!(result.is_err(), "the shrink after retain hashes the keys");
    assert_eq!(map.len(), 40);
    assert_holds(&map, 3900..3940);

    let result = with_hash_panics(|| map.reclaim());
    assert!(result.is_err());
    assert_holds(&map, 3900..3940);
    assert!(map.reclaim() > 0);
    assert_holds(&map, 3900..3940);
    assert_eq!(map.len(), 40);
}

#[test]
fn memory_limit_refuses_and_keeps_every_entry() {
    let limit = 64 * 1024;
    let mut map: ArenaMap<u64, [u8; 56]> = ArenaMap::with_memory_limit(limit);
    assert_eq!(map.memory_limit(), Some(limit));
    let mut inserted = 0u64;
    let refused = loop {
        match map.try_insert(inserted, [inserted as u8; 56]) {
            Ok(None) => inserted += 1,
            Ok(Some(_)) => unreachable!("keys are new"),
            Err(refused) => break refused,
        }
        assert!(map.memory().allocated_bytes <= limit);
    };
    assert!(inserted > 100, "only {inserted} fit");
    // Refused as an allocation of the arena that would pass the limit.
    assert!(matches!(
        refused.error,
        TryReserveError::AllocError { layout } if layout.size() > limit
    ));
    assert_eq!(refused.key, inserted);
    assert_eq!(map.len() as u64, inserted);
    for i in 0..inserted {
        assert_eq!(map[&i], [i as u8; 56]);
    }
    // Updating a present key needs no memory.
    assert_eq!(map.try_insert(0, [9; 56]).unwrap(), Some([0; 56]));
    assert!(map.try_reserve(1).is_err());
    // `insert` panics rather than passing the limit.
    assert!(catch_unwind(AssertUnwindSafe(|| map.insert(u64::MAX, [0; 56]))).is_err());
    assert_eq!(map.len() as u64, inserted);
    // Lifting the limit lets it grow again.
    map.set_memory_limit(None);
    map.insert(u64::MAX, [0; 56]);
    assert_eq!(map.len() as u64, inserted + 1);
}

#[test]
fn clear_and_drop_return_the_arena() {
    let counter = Counter::start();
    let mut map: ArenaMap<u64, [u8; 64]> = ArenaMap::with_policy(ReclaimPolicy::manual());
    for i in 0..20_000 {
        map.insert(i, [0; 64]);
    }
    let full = counter.live_bytes();
    assert!(full > 20_000 * 64);
    let reported = map.memory().allocated_bytes as isize;
    assert!(
        (reported - full).abs() <= full / 10 + 64 * 1024,
        "{reported} vs {full}"
    );

    // Manual policy: removals give nothing back...
    for i in 0..20_000 {
        map.remove(&i);
    }
    assert_eq!(counter.live_bytes(), full);
    // ...clear keeps the arena for a refill, as std keeps its table...
    map.clear();
    assert_eq!(counter.live_bytes(), full);
    assert!(map.is_empty());
    // ...and reclaim() gives everything back but the box holding the arena.
    map.reclaim();
    assert!(counter.live_bytes() < 256, "{} held", counter.live_bytes());
    assert!(map.memory().allocated_bytes < 256);
    assert_eq!(map.memory().peak_bytes, reported as usize);
    assert!(map.memory().reclaims >= 1);

    for i in 0..1000 {
        map.insert(i, [0; 64]);
    }
    drop(map);
    assert_eq!(counter.live_bytes(), 0);
}

#[test]
fn reclaim_under_manual_policy() {
    let mut map = ArenaMap::with_policy(ReclaimPolicy::manual());
    for i in 0..10_000u64 {
        map.insert(i, i);
    }
    map.retain(|k, _| *k < 100);
    let held = map.memory().allocated_bytes;
    let released = ReclaimMap::reclaim(&mut map);
    assert!(released > 0);
    assert_eq!(map.memory().allocated_bytes, held - released);
    assert_eq!(map.reclaim(), 0, "nothing left to give back");
    assert_eq!(map.len(), 100);
    // A stricter policy applies at once.
    for i in 100..10_000u64 {
        map.insert(i, i);
    }
    map.retain(|k, _| *k < 100);
    let held = map.memory().allocated_bytes;
    map.set_policy(ReclaimPolicy::automatic());
    assert!(map.memory().allocated_bytes < held / 4);
}

#[test]
fn differential_with_policies_and_limits() {
    for seed in map_conformance::seeds(2) {
        let mut rng = map_conformance::Rng::new(seed);
        let mut map: ArenaMap<u64, u64> = ArenaMap::with_memory_limit(256 * 1024);
        let mut model = StdHashMap::new();
        for op in 0..20_000 {
            let key = rng.below(1 << (op / 2000 % 14 + 2));
            match rng.below(100) {
                0 => {
                    map.clear();
                    model.clear();
                }
                1 => {
                    map.reclaim();
                }
                2..=55 => {
                    let value = rng.next_u64();
                    match map.try_insert(key, value) {
                        Ok(old) => assert_eq!(old, model.insert(key, value), "seed {seed} op {op}"),
                        Err(_) => assert!(!model.contains_key(&key), "seed {seed} op {op}"),
                    }
                }
                56..=90 => assert_eq!(map.remove(&key), model.remove(&key), "seed {seed}"),
                _ => assert_eq!(map.get(&key), model.get(&key), "seed {seed} op {op}"),
            }
            assert_eq!(map.len(), model.len());
            assert!(map.memory().allocated_bytes <= 256 * 1024);
        }
    }
}

#[test]
fn is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ArenaMap<u64, String>>();
    check::<arena_map::StrMap<u64>>();
}

/// A clone's table lives in the clone's own arena: the original dropped,
/// the clone reads, grows and shrinks on its own (AddressSanitizer would
/// see a table left in the original's arena).
#[test]
fn a_clone_outlives_its_original() {
    let mut original: ArenaMap<u64, String> = (0..5_000).map(|i| (i, i.to_string())).collect();
    original.retain(|k, _| k % 3 != 0); // tombstones in the copied table
    let mut copy = original.clone();
    assert_eq!(copy, original);
    assert_eq!(
        copy.capacity(),
        original.capacity(),
        "the same table, copied in place"
    );
    drop(original);
    for i in 0..5_000u64 {
        assert_eq!(copy.get(&i).is_some(), i % 3 != 0);
    }
    for i in 5_000..20_000u64 {
        copy.insert(i, i.to_string());
    }
    copy.retain(|k, _| *k >= 19_990);
    assert_eq!(copy.len(), 10);
    assert_eq!(copy[&19_995], "19995");
    let owned: Vec<(u64, String)> = copy.into_iter().collect();
    assert_eq!(owned.len(), 10);
}
