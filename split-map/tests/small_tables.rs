//! The directory's whole life at a small size: entries of 2 KiB make the
//! size bound 64 buckets, so a few hundred entries split, merge, take
//! spares and move between tables as millions of small ones do. Small
//! enough to run under Miri, which checks the `unsafe` of the tables
//! module (the images a lookup reads, the one-pass copy of entries without
//! drop glue and its rollback when a hasher panics):
//!
//! `cargo +nightly miri test -p split-map --test small_tables`

use std::hash::{BuildHasherDefault, DefaultHasher};
use std::panic::{catch_unwind, AssertUnwindSafe};

use map_conformance::unwind::{never_panic, panic_after, PanicKey as Key};
use split_map::SplitMap;

/// 2 KiB, no drop glue.
type Big = [u64; 256];

fn big(k: u64) -> Big {
    let mut v = [0; 256];
    v[0] = k;
    v[255] = !k;
    v
}

type Fixed = BuildHasherDefault<DefaultHasher>;

/// Enough for 16 tables and more (where a map keeps spares); fewer under
/// Miri, still enough for splits and merges.
const N: u64 = if cfg!(miri) { 300 } else { 700 };

/// A map of the keys `0..N`, each with `value(k)`.
fn filled<V>(value: impl Fn(u64) -> V) -> SplitMap<Key, V, Fixed> {
    let mut map = SplitMap::default();
    for k in 0..N {
        map.insert(Key(k), value(k));
    }
    map
}

/// Checks that `map` holds exactly `keys`, each with its value.
fn assert_holds<V: AsRef<[u64]>>(map: &SplitMap<Key, V, Fixed>, keys: impl Iterator<Item = u64>) {
    never_panic();
    let mut count = 0;
    for k in keys {
        let v = map.get(&Key(k)).unwrap_or_else(|| panic!("key {k} lost"));
        assert_eq!((v.as_ref()[0], v.as_ref()[255]), (k, !k));
        count += 1;
    }
    assert_eq!(map.len(), count);
    assert_eq!(map.iter().count(), count);
}

/// A value with drop glue and the same checks.
struct Owned(Box<Big>);

impl AsRef<[u64]> for Owned {
    fn as_ref(&self) -> &[u64] {
        &self.0[..]
    }
}

#[test]
fn the_size_bound_is_small() {
    let map = filled(big);
    let tables = map.storage().table_count();
    assert!(tables >= if cfg!(miri) { 4 } else { 16 }, "{tables} tables");
    assert_holds(&map, 0..N);
}

#[test]
fn grows_shrinks_and_regrows_without_drop_glue() {
    let mut map = filled(big);
    let tables = map.storage().table_count();
    for k in (0..N).filter(|k| k % 7 != 0) {
        assert_eq!(map.remove(&Key(k)).map(|v| v[255]), Some(!k));
    }
    assert!(map.storage().table_count() < tables, "tables merged");
    assert_holds(&map, (0..N).filter(|k| k % 7 == 0));
    for k in 0..N {
        map.entry(Key(k)).or_insert_with(|| big(k));
    }
    assert_holds(&map, 0..N);
    map.retain(|k, _| k.0 % 3 == 0);
    assert_holds(&map, (0..N).filter(|k| k % 3 == 0));
    let drained = map.drain().count();
    assert_eq!(drained as u64, N.div_ceil(3));
    assert!(map.is_empty());
}

#[test]
fn grows_shrinks_and_regrows_with_drop_glue() {
    let mut map = filled(|k| Owned(Box::new(big(k))));
    for k in (0..N).filter(|k| k % 5 != 0) {
        assert!(map.remove(&Key(k)).is_some());
    }
    assert_holds(&map, (0..N).filter(|k| k % 5 == 0));
    for k in 0..N {
        map.entry(Key(k)).or_insert_with(|| Owned(Box::new(big(k))));
    }
    assert_holds(&map, 0..N);
    map.clear();
    assert!(map.is_empty());
}

/// Every insert that splits a table panics at a spread of its hash calls:
/// the tables are as they were.
#[test]
fn a_panicking_split_moves_nothing() {
    let mut map: SplitMap<Key, Big, Fixed> = SplitMap::default();
    let mut splits = 0;
    for k in 0..N {
        let tables = map.storage().table_count();
        for nth in [1, 20, 45] {
            panic_after(nth);
            let result = catch_unwind(AssertUnwindSafe(|| map.insert(Key(k), big(k))));
            never_panic();
            if result.is_ok() {
                break;
            }
            assert_eq!(map.storage().table_count(), tables, "nothing moved");
            assert_holds(&map, 0..k);
        }
        if map.get(&Key(k)).is_none() {
            map.insert(Key(k), big(k));
        }
        if map.storage().table_count() != tables {
            splits += 1;
        }
    }
    assert!(splits >= if cfg!(miri) { 3 } else { 8 }, "{splits} splits");
    assert_holds(&map, 0..N);
}

/// Removals that merge or shrink tables panic partway through the move:
/// only the removed entry is gone, whether the entries are copied in one
/// pass (no drop glue) or planned first.
#[test]
fn a_panicking_merge_loses_only_the_removed_entry() {
    fn run<V: AsRef<[u64]>>(value: impl Fn(u64) -> V) {
        let mut map = filled(value);
        let mut panics = 0;
        for k in 0..N {
            panic_after([2, 5, 30][k as usize % 3]);
            let result = catch_unwind(AssertUnwindSafe(|| map.remove(&Key(k))));
            never_panic();
            match result {
                Ok(found) => assert!(found.is_some(), "key {k} missing"),
                Err(_) => {
                    panics += 1;
                    assert_holds(&map, k + 1..N);
                }
            }
        }
        assert!(panics >= 3, "{panics} removals panicked");
        assert_holds(&map, 0..0);
    }
    run(big);
    // Entries with drop glue move in safe code (hashes planned first): not
    // worth Miri's time.
    if !cfg!(miri) {
        run(|k| Owned(Box::new(big(k))));
    }
}
