//! A panic in user code (`Hash`, `Clone`, an update closure) in the middle
//! of a write leaves the map whole: readers see the last complete version,
//! and the next write repairs the copy the panic interrupted.

use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};

use sync_map::SyncMap;

thread_local! {
    static FAIL_HASH: Cell<bool> = const { Cell::new(false) };
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Key(u64);

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if FAIL_HASH.with(Cell::get) && self.0 == 13 {
            panic!("hash of 13 refused");
        }
        self.0.hash(state);
    }
}

#[test]
fn a_panicking_hash_leaves_the_map_whole() {
    let map: SyncMap<Key, u64> = SyncMap::new();
    for i in 0..100 {
        map.insert(Key(i), i);
    }
    FAIL_HASH.with(|f| f.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| map.insert(Key(13), 1300)));
    assert!(result.is_err());
    let result = catch_unwind(AssertUnwindSafe(|| map.remove(&Key(13))));
    assert!(result.is_err());
    FAIL_HASH.with(|f| f.set(false));
    assert_eq!(map.get(&Key(13)), Some(13));
    assert_eq!(map.len(), 100);
    // The next writes repair the interrupted copy and land on both.
    assert_eq!(map.insert(Key(13), 1300), Some(13));
    assert_eq!(map.remove(&Key(7)), Some(7));
    for i in 0..100 {
        let expected = match i {
            7 => None,
            13 => Some(1300),
            _ => Some(i),
        };
        assert_eq!(map.get(&Key(i)), expected);
    }
    // Both copies agree: write every key again and read it back.
    for i in 0..100 {
        map.insert(Key(i), i + 1);
        assert_eq!(map.get(&Key(i)), Some(i + 1));
    }
}

#[test]
fn a_panicking_update_closure_changes_nothing() {
    let map: SyncMap<u64, u64> = SyncMap::new();
    map.insert(1, 1);
    let result = catch_unwind(AssertUnwindSafe(|| {
        map.update(&1, |_| panic!("no"));
    }));
    assert!(result.is_err());
    assert_eq!(map.update(&1, |v| v + 1), Some(1));
    assert_eq!(map.get(&1), Some(2));
}
