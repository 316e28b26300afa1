//! A hasher whose `Clone` panics: growth, shrinking, compaction, clearing
//! and cloning lose no entry when it does.

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

/// Runs every operation that moves entries, with the hasher's `Clone`
/// failing at each clone in turn: after the panic every entry is there.
#[test]
fn arena_map_growth_and_shrink_lose_nothing() {
    let (_, clones) = brittle(u64::MAX);
    let mut total = 0;
    for fail_at in 1.. {
        let (hasher, count) = brittle(fail_at);
        let mut map: ArenaMap<u64, String, Brittle> = ArenaMap::with_hasher(hasher);
        let mut expected = Vec::new();
        let mut panicked = false;
        for i in 0..2_000u64 {
            let step = catch_unwind(AssertUnwindSafe(|| {
                map.insert(i, i.to_string());
                if i % 4 == 3 {
                    map.remove(&(i - 1));
                }
            }));
            match step {
                Ok(()) => {
                    expected.push(i);
                    if i % 4 == 3 {
                        expected.retain(|&k| k != i - 1);
                    }
                }
                Err(_) => {
                    panicked = true;
                    // The insert may or may not have happened; nothing
                    // inserted before may be gone.
                    if map.get(&i).is_some() {
                        expected.push(i);
                    }
                    break;
                }
            }
        }
        for k in &expected {
            assert_eq!(
                map.get(k).map(String::as_str),
                Some(k.to_string().as_str()),
                "clone {fail_at} panicked: entry {k} lost"
            );
        }
        assert_eq!(map.len(), expected.len(), "clone {fail_at}");
        // Shrinking moves every entry too.
        let shrink = catch_unwind(AssertUnwindSafe(|| {
            map.retain(|k, _| k % 16 == 0);
            map.reclaim();
        }));
        let kept = expected.iter().filter(|&&k| k % 16 == 0).count();
        if shrink.is_err() {
            panicked = true;
        }
        assert_eq!(map.len(), kept, "clone {fail_at}");
        for k in expected.iter().filter(|&&k| k % 16 == 0) {
            assert!(map.contains_key(k), "clone {fail_at}: {k} lost in a shrink");
        }
        total = count.get();
        if !panicked {
            break;
        }
    }
    assert!(total > 0 && clones.get() == 0);
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
