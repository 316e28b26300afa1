//! A hasher whose `Clone` panics: growth, shrinking, compaction, clearing
//! and cloning lose no entry when it does (an `ArenaMap` never clones its
//! hasher but in its own `clone`).

use std::cell::Cell;
use std::hash::{BuildHasher, DefaultHasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use arena_map::{ArenaMap, StrMap};

/// A hasher whose clones are counted; the clone that makes the count reach
/// `fail_at` panics.
struct Brittle {
    clones: Rc<Cell<u64>>,
    fail_at: u64,
}

impl Clone for Brittle {
    fn clone(&self) -> Self {
        let n = self.clones.get() + 1;
        self.clones.set(n);
        if n == self.fail_at {
            panic!("hasher clone {n} refused");
        }
        Brittle {
            clones: Rc::clone(&self.clones),
            fail_at: self.fail_at,
        }
    }
}

impl BuildHasher for Brittle {
    type Hasher = DefaultHasher;

    fn build_hasher(&self) -> DefaultHasher {
        DefaultHasher::new()
    }
}

fn brittle(fail_at: u64) -> (Brittle, Rc<Cell<u64>>) {
    let clones = Rc::new(Cell::new(0));
    let hasher = Brittle {
        clones: Rc::clone(&clones),
        fail_at,
    };
    (hasher, clones)
}

/// An `ArenaMap` moves its entries (growth, shrinks, `reclaim`, `clear`)
/// hashing them through its own hasher, never a clone of it: a hasher whose
/// `Clone` panics is cloned only by the map's own `clone`.
#[test]
fn arena_map_moves_clone_no_hasher() {
    let (hasher, clones) = brittle(1);
    let mut map: ArenaMap<u64, String, Brittle> = ArenaMap::with_hasher(hasher);
    for i in 0..2_000u64 {
        map.insert(i, i.to_string());
        if i % 4 == 3 {
            map.remove(&(i - 1));
        }
    }
    map.retain(|k, _| k % 16 == 0);
    map.reclaim();
    map.clear();
    map.insert(1, "1".to_string());
    assert_eq!(clones.get(), 0, "a move cloned the hasher");
    assert!(catch_unwind(AssertUnwindSafe(|| map.clone())).is_err());
    assert_eq!(map.get(&1).map(String::as_str), Some("1"));
}

#[test]
fn str_map_growth_and_compaction_lose_nothing() {
    for fail_at in 1..64 {
        let (hasher, _) = brittle(fail_at);
        let mut map: StrMap<u64, Brittle> = StrMap::with_hasher(hasher);
        let mut expected = Vec::new();
        for i in 0..2_000u64 {
            let key = format!("key-{i}");
            if catch_unwind(AssertUnwindSafe(|| map.insert(&key, i))).is_err() {
                if map.contains_key(key.as_str()) {
                    expected.push(i);
                }
                break;
            }
            expected.push(i);
        }
        for k in &expected {
            assert_eq!(
                map.get(format!("key-{k}").as_str()),
                Some(k),
                "clone {fail_at}: entry {k} lost"
            );
        }
        assert_eq!(map.len(), expected.len());
    }
}
