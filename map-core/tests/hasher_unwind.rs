//! A `Hash` that panics during an automatic shrink leaves every entry in the
//! map, on every path that can shrink.

use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};

use map_core::{HashMap, ReclaimPolicy};

// The kit's key, whose `Hash` panics at the call `panic_after` names.
use map_conformance::unwind::{never_panic, panic_after, PanicKey as Key};

/// A map whose removals shrink only below 1/128 full (`drain_ratio` 128),
/// so that each test knows which removal shrinks.
fn filled(n: u64) -> HashMap<Key, String> {
    let lazy = ReclaimPolicy::builder().drain_ratio(128.0).build().unwrap();
    let mut map = HashMap::with_policy(lazy);
    for i in 0..n {
        map.insert(Key(i), i.to_string());
    }
    map
}

fn assert_holds(map: &HashMap<Key, String>, keys: impl Iterator<Item = u64>) {
    never_panic();
    let mut count = 0;
    for i in keys {
        assert_eq!(map.get(&Key(i)), Some(&i.to_string()), "key {i} lost");
        count += 1;
    }
    assert_eq!(map.len(), count);
}

#[test]
fn removal_that_triggers_a_shrink() {
    let mut map = filled(2000);
    let before = map.memory().allocated_bytes;
    // 2000 entries: 4096 buckets, room for 3584; a drain shrinks below 28.
    for i in 0..1972 {
        map.remove(&Key(i));
    }
    assert_eq!(map.memory().allocated_bytes, before);
    // The shrink runs before the entry comes out; its first rehash panics.
    panic_after(0);
    let result = catch_unwind(AssertUnwindSafe(|| map.remove(&Key(1972))));
    assert!(result.is_err(), "the shrink should have run and panicked");
    assert_eq!(map.memory().allocated_bytes, before, "shrink abandoned");
    assert_holds(&map, 1972..2000);
    // The map still works and shrinks once hashing behaves.
    assert_eq!(map.remove(&Key(1972)), Some("1972".to_string()));
    assert!(map.memory().allocated_bytes < before / 10);
    assert_holds(&map, 1973..2000);
}

#[test]
fn every_rehash_position_is_safe() {
    // Panic at each possible point of the shrink in turn: one hash per entry
    // (the one being removed is still there).
    for nth in 0..28 {
        let mut map = filled(2000);
        for i in 0..1972 {
            map.remove(&Key(i));
        }
        let before = map.memory().allocated_bytes;
        panic_after(nth);
        let result = catch_unwind(AssertUnwindSafe(|| map.remove(&Key(1972))));
        assert!(result.is_err(), "hash call {nth} should have panicked");
        assert_eq!(map.memory().allocated_bytes, before);
        assert_holds(&map, 1972..2000);
    }
}

#[test]
fn deferred_shrink_at_insert() {
    let mut map = filled(2000);
    for i in 0..1700 {
        map.remove(&Key(i));
    }
    let before = map.memory().allocated_bytes;
    panic_after(0);
    let result = catch_unwind(AssertUnwindSafe(|| map.insert(Key(5000), "new".into())));
    assert!(result.is_err());
    assert_eq!(map.memory().allocated_bytes, before);
    assert_holds(&map, 1700..2000);
}

#[test]
fn retain_entry_removal_and_reclaim() {
    let mut map = filled(2000);
    panic_after(0);
    let result = catch_unwind(AssertUnwindSafe(|| map.retain(|k, _| k.0 >= 1990)));
    assert!(result.is_err());
    assert_holds(&map, 1990..2000);

    let mut map = filled(2000);
    map.set_policy(ReclaimPolicy::manual());
    map.retain(|k, _| k.0 >= 1990);
    panic_after(3);
    assert!(catch_unwind(AssertUnwindSafe(|| map.reclaim())).is_err());
    assert_holds(&map, 1990..2000);
    panic_after(3);
    assert!(catch_unwind(AssertUnwindSafe(|| map.shrink_to_fit())).is_err());
    assert_holds(&map, 1990..2000);
    assert!(map.reclaim() > 0);
    assert_holds(&map, 1990..2000);
}

#[test]
fn moving_to_another_allocator() {
    let mut map = filled(100);
    panic_after(50);
    let result = catch_unwind(AssertUnwindSafe(|| {
        map.try_move_to(map_core::Global, 0).map(|m| m.len())
    }));
    assert!(result.is_err());
    assert_holds(&map, 0..100);
}

/// An `Eq` that panics during a lookup leaves the map as it was.
#[test]
fn panicking_eq_during_removal() {
    thread_local! {
        static EQ_PANICS: Cell<bool> = const { Cell::new(false) };
    }
    #[derive(Debug)]
    struct Touchy(u64);
    impl Hash for Touchy {
        fn hash<H: Hasher>(&self, state: &mut H) {
            self.0.hash(state);
        }
    }
    impl PartialEq for Touchy {
        fn eq(&self, other: &Self) -> bool {
            assert!(!EQ_PANICS.with(Cell::get), "eq panics on purpose");
            self.0 == other.0
        }
    }
    impl Eq for Touchy {}
    let mut map: HashMap<Touchy, u64> = HashMap::new();
    for i in 0..100 {
        map.insert(Touchy(i), i);
    }
    EQ_PANICS.with(|p| p.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| map.remove(&Touchy(13))));
    EQ_PANICS.with(|p| p.set(false));
    assert!(result.is_err());
    assert_eq!(map.len(), 100);
    for i in 0..100 {
        assert_eq!(map.remove(&Touchy(i)), Some(i));
    }
}
