//! A `Hash` that panics while a table grows, splits, shrinks or merges
//! loses no entry and leaves none twice: every hash is computed before the
//! first entry moves, or (for entries without drop glue, as here) the
//! copies made before the panic are dropped or taken out again.

use std::hash::{BuildHasherDefault, DefaultHasher};
use std::panic::{catch_unwind, AssertUnwindSafe};

use split_map::SplitMap;

// The kit's key, whose `Hash` panics at the call `panic_after` names.
use map_conformance::unwind::{never_panic, panic_after, PanicKey as Key};

fn assert_holds<S: std::hash::BuildHasher>(
    map: &SplitMap<Key, u64, S>,
    keys: impl Iterator<Item = u64>,
) {
    never_panic();
    let mut count = 0;
    for i in keys {
        assert_eq!(map.get(&Key(i)), Some(&i), "key {i} lost");
        count += 1;
    }
    assert_eq!(map.len(), count);
    assert_eq!(map.iter().count(), count);
}

type Fixed = BuildHasherDefault<DefaultHasher>;

fn filled(n: u64) -> SplitMap<Key, u64, Fixed> {
    let mut map = SplitMap::with_hasher(Fixed::default());
    for i in 0..n {
        map.insert(Key(i), i);
    }
    map
}

/// Finds the inserts that resize a table (growths, and splits once tables
/// reach their bound), then makes each such insert panic at a sample of
/// its hash calls.
#[test]
fn a_panic_at_any_hash_of_a_split_or_growth_loses_nothing() {
    let mut probe = filled(0);
    let (mut growths, mut splits) = (Vec::new(), Vec::new());
    for i in 0..40_000u64 {
        let before = (probe.capacity(), probe.storage().table_count());
        probe.insert(Key(i), i);
        if probe.storage().table_count() != before.1 {
            splits.push(i);
        } else if probe.capacity() != before.0 {
            growths.push(i);
        }
    }
    assert!(splits.len() >= 3, "40,000 entries split tables");
    for &n in growths.iter().take(8).chain(splits.iter().take(3)) {
        let step = (n / 25).max(1);
        let mut panicked = 0;
        let mut nth = 0;
        while nth <= n {
            let mut map = filled(n);
            let before = (map.storage().table_count(), map.capacity());
            panic_after(nth);
            let result = catch_unwind(AssertUnwindSafe(|| map.insert(Key(n), n)));
            never_panic();
            if result.is_err() {
                panicked += 1;
                assert_holds(&map, 0..n);
                assert_eq!(
                    (map.storage().table_count(), map.capacity()),
                    before,
                    "nothing moved"
                );
                // And the map still works.
                map.insert(Key(n), n);
                assert_holds(&map, 0..n + 1);
            }
            nth += step;
        }
        assert!(panicked > 0, "insert {n} resizes and hashes");
    }
}

#[test]
fn a_panic_during_a_merge_or_shrink_loses_only_the_removed_entry() {
    let n = 30_000u64;
    let mut map: SplitMap<Key, u64> = (0..n).map(|i| (Key(i), i)).collect();
    let mut removed = 0;
    let mut panics = 0;
    for i in 0..n {
        // Arm a panic some hash calls ahead, from the first entry a merge
        // moves to the middle of a table's: it fires only if this removal
        // shrinks or merges a table.
        panic_after([2, 3, 6, 60, 600, 2_000][i as usize % 6]);
        match catch_unwind(AssertUnwindSafe(|| map.remove(&Key(i)))) {
            Ok(Some(_)) => removed += 1,
            Ok(None) => panic!("key {i} missing"),
            Err(_) => {
                // The entry had come out before the policy ran, and the
                // entries the interrupted merge had moved are back where
                // they were: each key once, found where its slot points.
                panics += 1;
                removed += 1;
                assert_holds(&map, i + 1..n);
            }
        }
        never_panic();
        assert_eq!(map.len(), (n - removed) as usize);
    }
    assert!(panics >= 6, "some removals should have resized: {panics}");
    assert_holds(&map, 0..0);
}

#[test]
fn a_panic_in_reclaim_or_reserve_loses_nothing() {
    let mut map: SplitMap<Key, u64> = (0..20_000).map(|i| (Key(i), i)).collect();
    map.retain(|k, _| k.0 % 10 == 0);
    for nth in [0, 1, 100, 500] {
        panic_after(nth);
        assert!(catch_unwind(AssertUnwindSafe(|| map.reclaim())).is_err());
        assert_holds(&map, (0..20_000).step_by(10));
        panic_after(nth);
        assert!(catch_unwind(AssertUnwindSafe(|| map.reserve(100_000))).is_err());
        assert_holds(&map, (0..20_000).step_by(10));
    }
}
