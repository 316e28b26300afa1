//! User code that panics (`Hash`, `Eq`, `Drop`, closures) never loses or
//! duplicates an entry, and reclamation runs no user code at all.

use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};

use pooled_map::HandleMap;
use pooled_map::{PooledMap, ReclaimPolicy};

thread_local! {
    static PANIC_IN_HASH: Cell<bool> = const { Cell::new(false) };
    static PANIC_IN_EQ: Cell<bool> = const { Cell::new(false) };
    static PANIC_IN_DROP: Cell<bool> = const { Cell::new(false) };
    static HASH_CALLS: Cell<u64> = const { Cell::new(0) };
}

/// A key whose `Hash` and `Eq` panic on demand and count their calls.
#[derive(Debug, Clone, Copy)]
struct Key(u64);

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        HASH_CALLS.with(|c| c.set(c.get() + 1));
        if PANIC_IN_HASH.with(Cell::get) {
            panic!("Hash of {} panics", self.0);
        }
        self.0.hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        if PANIC_IN_EQ.with(Cell::get) {
            panic!("Eq of {} panics", self.0);
        }
        self.0 == other.0
    }
}

impl Eq for Key {}

/// A value whose drop panics on demand.
#[derive(Debug, PartialEq)]
struct Value(u64);

impl Drop for Value {
    fn drop(&mut self) {
        if PANIC_IN_DROP.with(Cell::get) && !std::thread::panicking() {
            panic!("drop of {} panics", self.0);
        }
    }
}

fn with_flag<R>(flag: &'static std::thread::LocalKey<Cell<bool>>, f: impl FnOnce() -> R) -> R {
    struct Reset(&'static std::thread::LocalKey<Cell<bool>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            self.0.with(|f| f.set(false));
        }
    }
    flag.with(|f| f.set(true));
    let _reset = Reset(flag);
    f()
}

fn hash_calls() -> u64 {
    HASH_CALLS.with(Cell::get)
}

/// The map holds exactly `keys`, each with value == key, reachable by key
/// and by handle, and the pool and index agree.
fn assert_holds(map: &PooledMap<Key, Value>, keys: impl IntoIterator<Item = u64>) {
    let mut keys: Vec<u64> = keys.into_iter().collect();
    keys.sort_unstable();
    let mut held: Vec<u64> = map.keys().map(|k| k.0).collect();
    held.sort_unstable();
    assert_eq!(held, keys, "entries");
    assert_eq!(map.len(), keys.len(), "len");
    for (h, k, v) in map.handles() {
        assert_eq!(v.0, k.0);
        assert_eq!(
            map.handle_of(k),
            Some(h),
            "index agrees with pool for {}",
            k.0
        );
    }
    for k in keys {
        assert_eq!(map.get(&Key(k)), Some(&Value(k)));
    }
}

fn filled(n: u64, policy: ReclaimPolicy) -> PooledMap<Key, Value> {
    let mut map = PooledMap::with_policy(policy);
    for i in 0..n {
        map.insert(Key(i), Value(i));
    }
    map
}

#[test]
fn reclamation_calls_no_hash() {
    let mut map = filled(10_000, ReclaimPolicy::manual());
    for i in (0..10_000).filter(|i| i % 10 != 0) {
        map.remove(&Key(i));
    }
    // Compaction, index patching and shrinking, index growth: all with a
    // `Hash` that would panic.
    with_flag(&PANIC_IN_HASH, || {
        let calls = hash_calls();
        assert!(map.reclaim() > 0);
        map.reserve(50_000);
        map.shrink_to_fit();
        map.set_policy(ReclaimPolicy::default());
        map.retain(|k, _| k.0 % 20 == 0);
        let h = map.handles().next().unwrap().0;
        let removed = map.remove_entry_by_handle(h).unwrap();
        assert_eq!(hash_calls(), calls, "user Hash ran during reclamation");
        removed.0 .0
    });
    assert_eq!(map.len(), 499);
    assert!(map.reclaim_epoch() >= 1);
}

#[test]
fn automatic_compaction_in_removals_hashes_only_the_removed_keys() {
    let mut map = filled(10_000, ReclaimPolicy::default());
    let calls = hash_calls();
    for i in 0..9_990 {
        map.remove(&Key(i));
    }
    assert_eq!(
        hash_calls() - calls,
        9_990,
        "one hash per removal, none for compaction"
    );
    assert!(map.memory().reclaims >= 1);
    assert!(map.reclaim_epoch() >= 1, "entries moved");
    assert_holds(&map, 9_990..10_000);
}

#[test]
fn a_panicking_hash_on_insert_after_a_deferred_shrink_loses_nothing() {
    // A policy whose draining map waits for the next insert to shrink.
    let lazy = ReclaimPolicy::builder().drain_ratio(128.0).build().unwrap();
    let mut map = filled(10_000, lazy);
    // Leave the map between 1/8 and 1/128 full: the shrink waits for the
    // next insert, whose key then panics in `Hash`.
    for i in 0..9_000 {
        map.remove(&Key(i));
    }
    let reclaims = map.memory().reclaims;
    let result = catch_unwind(AssertUnwindSafe(|| {
        with_flag(&PANIC_IN_HASH, || {
            map.insert(Key(1_000_000), Value(1_000_000))
        })
    }));
    assert!(result.is_err());
    assert!(
        map.memory().reclaims > reclaims,
        "the deferred shrink ran first"
    );
    assert_holds(&map, 9_000..10_000);
    map.insert(Key(1_000_000), Value(1_000_000));
    assert_holds(&map, (9_000..10_000).chain([1_000_000]));
}

#[test]
fn a_panicking_hash_on_lookup_or_remove_changes_nothing() {
    let mut map = filled(1_000, ReclaimPolicy::default());
    for op in 0..4 {
        let result = catch_unwind(AssertUnwindSafe(|| {
            with_flag(&PANIC_IN_HASH, || match op {
                0 => drop(map.remove(&Key(5))),
                1 => drop(map.get(&Key(5))),
                2 => drop(map.entry(Key(5))),
                _ => drop(map.insert(Key(5), Value(5))),
            })
        }));
        assert!(result.is_err());
        assert_holds(&map, 0..1_000);
    }
}

#[test]
fn a_panicking_eq_changes_nothing() {
    let mut map = filled(1_000, ReclaimPolicy::default());
    for op in 0..3 {
        let result = catch_unwind(AssertUnwindSafe(|| {
            with_flag(&PANIC_IN_EQ, || match op {
                0 => drop(map.remove(&Key(5))),
                1 => drop(map.insert(Key(5), Value(5))),
                _ => drop(map.get(&Key(5))),
            })
        }));
        assert!(result.is_err());
        assert_holds(&map, 0..1_000);
    }
}

#[test]
fn a_panicking_drop_in_retain_keeps_pool_and_index_in_step() {
    let mut map = filled(1_000, ReclaimPolicy::default());
    let result = catch_unwind(AssertUnwindSafe(|| {
        with_flag(&PANIC_IN_DROP, || map.retain(|k, _| k.0 % 2 == 0))
    }));
    assert!(result.is_err());
    // The first odd entry was removed (its drop panicked); the rest stay.
    assert_holds(&map, (0..1_000).filter(|&k| k != 1));
    map.retain(|k, _| k.0 % 2 == 0);
    assert_holds(&map, (0..1_000).step_by(2));
}

#[test]
fn a_panicking_predicate_in_retain_keeps_pool_and_index_in_step() {
    let mut map = filled(1_000, ReclaimPolicy::default());
    let result = catch_unwind(AssertUnwindSafe(|| {
        map.retain(|k, _| {
            assert!(k.0 != 500, "predicate panics");
            k.0 >= 100
        })
    }));
    assert!(result.is_err());
    assert_holds(&map, 100..1_000);
}

#[test]
fn a_panicking_drop_in_clear_or_remove_leaves_a_consistent_map() {
    for policy in [ReclaimPolicy::default(), ReclaimPolicy::manual()] {
        let mut map = filled(100, policy);
        let result = catch_unwind(AssertUnwindSafe(|| {
            with_flag(&PANIC_IN_DROP, || map.clear())
        }));
        assert!(result.is_err());
        assert_holds(&map, []);
        map.insert(Key(1), Value(1));
        assert_holds(&map, [1]);

        let mut map = filled(100, policy);
        let result = catch_unwind(AssertUnwindSafe(|| {
            with_flag(&PANIC_IN_DROP, || {
                map.insert(Key(7), Value(7)); // the old value drops and panics
            })
        }));
        assert!(result.is_err());
        assert_holds(&map, 0..100);
        let result = catch_unwind(AssertUnwindSafe(|| {
            with_flag(&PANIC_IN_DROP, || drop(map.remove(&Key(7))))
        }));
        assert!(result.is_err());
        assert_holds(&map, (0..100).filter(|&k| k != 7));
    }
}
