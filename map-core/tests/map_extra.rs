//! The std and hashbrown `HashMap` methods beyond the contract:
//! `extract_if`, `get_disjoint_mut`, `entry_ref`, `Entry::insert`,
//! `replace_entry_with`, `allocation_size`, `Extend<&(K, V)>` and `Default`
//! for the iterators; removing methods give memory back.

use map_conformance::alloc::Counter;
use map_core::{EntryRef, HashMap, ReclaimPolicy};

map_conformance::install_counting_allocator!();

fn filled(n: u64) -> HashMap<u64, u64> {
    (0..n).map(|i| (i, i * 10)).collect()
}

#[test]
fn extract_if_removes_what_the_predicate_picks() {
    let mut map = filled(1000);
    let mut odd: Vec<(u64, u64)> = map.extract_if(|k, _| k % 2 == 1).collect();
    odd.sort_unstable();
    assert_eq!(odd.len(), 500);
    assert!(odd.iter().all(|(k, v)| k % 2 == 1 && *v == k * 10));
    assert_eq!(map.len(), 500);
    assert!(map.keys().all(|k| k % 2 == 0));

    // The predicate may change the values it keeps.
    let taken = map.extract_if(|_, v| {
        *v += 1;
        false
    });
    assert_eq!(taken.count(), 0);
    assert!(map.iter().all(|(k, v)| *v == k * 10 + 1));
}

#[test]
fn extract_if_dropped_early_keeps_the_rest() {
    let mut map = filled(1000);
    let first: Vec<_> = map.extract_if(|_, _| true).take(10).collect();
    assert_eq!(first.len(), 10);
    assert_eq!(map.len(), 990);
    for (k, _) in &first {
        assert!(!map.contains_key(k));
    }
    // Dropped without being advanced: nothing removed.
    drop(map.extract_if(|_, _| true));
    assert_eq!(map.len(), 990);
}

#[test]
fn extract_if_removing_99_percent_shrinks() {
    // Left under 1/128 full: shrunk when the iterator is dropped.
    let mut map = filled(10_000);
    let full = map.memory().allocated_bytes;
    assert_eq!(map.extract_if(|k, _| k % 100 != 0).count(), 9_900);
    assert_eq!(map.len(), 100);
    let after = map.memory();
    assert!(
        after.allocated_bytes * 50 <= full,
        "{} of {full}",
        after.allocated_bytes
    );
    assert!(after.reclaims >= 1);

    // Left between 1/128 and 1/8 full: shrunk at the next insert, as after
    // `retain`.
    let mut map = filled(100_000);
    let full = map.memory().allocated_bytes;
    assert_eq!(map.extract_if(|k, _| k % 100 != 0).count(), 99_000);
    map.insert(1_000_000, 0);
    assert!(map.memory().allocated_bytes * 20 <= full);

    // Emptied.
    let mut map = filled(100_000);
    assert_eq!(map.extract_if(|_, _| true).count(), 100_000);
    assert!(map.memory().allocated_bytes * 100 <= full);
}

#[test]
fn extract_if_that_removes_nothing_neither_resizes_nor_allocates() {
    let mut map = filled(1000);
    for i in 100..1000 {
        map.remove(&i);
    }
    let before = map.memory();
    let counter = Counter::start();
    assert_eq!(map.extract_if(|_, _| false).count(), 0);
    assert_eq!(map.extract_if(|k, _| *k > 5000).count(), 0);
    assert_eq!(counter.calls(), 0);
    assert_eq!(map.memory(), before);
    assert_eq!(map.len(), 100);
}

#[test]
fn extract_if_keeps_the_floor_and_the_manual_policy() {
    let mut map: HashMap<u64, u64> = HashMap::with_capacity(50_000);
    let capacity = map.capacity();
    map.extend((0..1000).map(|i| (i, i)));
    assert_eq!(map.extract_if(|_, _| true).count(), 1000);
    assert_eq!(map.capacity(), capacity);

    let mut map = filled(10_000);
    map.set_policy(ReclaimPolicy::manual());
    let bytes = map.memory().allocated_bytes;
    assert_eq!(map.extract_if(|_, _| true).count(), 10_000);
    assert_eq!(map.memory().allocated_bytes, bytes);
}

#[test]
fn get_disjoint_mut_reaches_several_values() {
    let mut map = filled(10);
    let [a, b, missing] = map.get_disjoint_mut([&1, &2, &100]);
    let (a, b) = (a.unwrap(), b.unwrap());
    std::mem::swap(a, b);
    assert!(missing.is_none());
    assert_eq!((map[&1], map[&2]), (20, 10));

    let [kv] = map.get_disjoint_key_value_mut([&3]);
    let (k, v) = kv.unwrap();
    *v = *k;
    assert_eq!(map[&3], 3);

    let mut names: HashMap<String, u32> = HashMap::new();
    names.insert("a".into(), 1);
    let [a, b] = names.get_disjoint_mut(["a", "b"]);
    assert_eq!(a.copied(), Some(1));
    assert!(b.is_none());
}

#[test]
#[should_panic]
fn get_disjoint_mut_panics_on_duplicate_keys() {
    let mut map = filled(10);
    let _ = map.get_disjoint_mut([&1, &2, &1]);
}

#[test]
fn entry_ref_converts_the_key_only_when_inserting() {
    let mut map: HashMap<String, u32> = HashMap::new();
    *map.entry_ref("a").or_insert(0) += 1;
    *map.entry_ref("a").or_insert(0) += 1;
    *map.entry_ref("b").or_default() += 5;
    map.entry_ref("c")
        .and_modify(|v| *v = 100)
        .or_insert_with(|| 7);
    assert_eq!(
        *map.entry_ref("dd").or_insert_with_key(|k| k.len() as u32),
        2
    );
    assert_eq!((map["a"], map["b"], map["c"], map["dd"]), (2, 5, 7, 2));
    assert_eq!(map.entry_ref("a").key(), "a");
    assert_eq!(map.entry_ref("zz").key(), "zz");

    match map.entry_ref("e") {
        EntryRef::Vacant(e) => {
            assert_eq!(e.key(), "e");
            let occupied = e.insert_entry(9);
            assert_eq!(occupied.key(), "e");
        }
        EntryRef::Occupied(_) => unreachable!(),
    }
    match map.entry_ref("e") {
        EntryRef::Occupied(e) => assert_eq!(e.remove_entry(), ("e".to_string(), 9)),
        EntryRef::Vacant(_) => unreachable!(),
    }
    assert!(!map.contains_key("e"));
    assert!(format!("{:?}", map.entry_ref("a")).contains("OccupiedEntry"));
    assert!(format!("{:?}", map.entry_ref("q")).contains("VacantEntryRef"));

    // A present key: no allocation at all, not even for the key.
    let counter = Counter::start();
    *map.entry_ref("a").or_insert(0) += 1;
    assert_eq!(counter.calls(), 0);
    // An absent key that is not inserted into: none either.
    assert_eq!(map.entry_ref("absent").key(), "absent");
    assert_eq!(counter.calls(), 0);
}

#[test]
fn entry_ref_removal_shrinks() {
    let mut map: HashMap<String, u64> = (0..10_000).map(|i| (i.to_string(), i)).collect();
    let full = map.memory().allocated_bytes;
    for i in 0..10_000 {
        if let EntryRef::Occupied(e) = map.entry_ref(i.to_string().as_str()) {
            e.remove();
        }
    }
    assert!(map.memory().allocated_bytes * 100 <= full);
}

#[test]
fn extend_from_borrowed_pairs() {
    let pairs = vec![(1u64, 'a'), (2, 'b')];
    let mut map = HashMap::new();
    map.extend(&pairs);
    map.extend(pairs.iter());
    assert_eq!(map.len(), 2);
    assert_eq!(map[&1], 'a');
}

#[test]
fn iterators_have_empty_defaults() {
    assert_eq!(map_core::Iter::<u8, u8>::default().count(), 0);
    assert_eq!(map_core::IterMut::<u8, u8>::default().count(), 0);
    assert_eq!(map_core::IntoIter::<u8, u8>::default().count(), 0);
    assert_eq!(map_core::Keys::<u8, u8>::default().count(), 0);
    assert_eq!(map_core::Values::<u8, u8>::default().count(), 0);
    assert_eq!(map_core::ValuesMut::<u8, u8>::default().count(), 0);
    assert_eq!(map_core::IntoKeys::<u8, u8>::default().count(), 0);
    assert_eq!(map_core::IntoValues::<u8, u8>::default().count(), 0);
    assert_eq!(map_core::Iter::<u8, u8>::default().len(), 0);
}

#[test]
fn a_panicking_extract_if_predicate_leaves_a_valid_map() {
    let mut map = filled(1000);
    let mut seen = 0;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        map.extract_if(|_, _| {
            seen += 1;
            assert!(seen < 500, "predicate gives up");
            seen % 2 == 0
        })
        .for_each(drop);
    }));
    assert!(result.is_err());
    // Every entry taken before the panic is gone, every other one is there
    // and reachable.
    assert_eq!(map.len(), 1000 - 249);
    let keys: Vec<u64> = map.keys().copied().collect();
    assert_eq!(keys.len(), map.len());
    for k in keys {
        assert_eq!(map[&k], k * 10);
    }
    // And the map goes on shrinking as usual.
    let full = map.memory().allocated_bytes;
    map.retain(|_, _| false);
    assert!(map.memory().allocated_bytes < full);
}

#[test]
fn entry_insert_sets_the_value_present_or_not() {
    let mut map = filled(10);
    let e = map.entry(3).insert(7);
    assert_eq!((e.key(), e.get()), (&3, &7));
    let e = map.entry(100).insert(1);
    assert_eq!((e.key(), e.get()), (&100, &1));
    assert_eq!(map.len(), 11);
    assert_eq!((map[&3], map[&100]), (7, 1));
}

#[test]
fn replace_entry_with_updates_in_place_or_removes() {
    let mut map = filled(1000);
    let held = map.memory().allocated_bytes;
    for k in 0..1000u64 {
        let e = map.entry(k).and_replace_entry_with(|key, v| {
            assert_eq!(v, key * 10);
            Some(v + 1)
        });
        assert!(matches!(e, map_core::Entry::Occupied(ref o) if *o.get() == k * 10 + 1));
    }
    assert_eq!(map.len(), 1000);
    assert_eq!(
        map.memory().allocated_bytes,
        held,
        "a replacement neither grows nor shrinks"
    );
    assert!(map.iter().all(|(k, v)| *v == k * 10 + 1));

    // An absent key is left alone; `f` is not called.
    let e = map
        .entry(5000)
        .and_replace_entry_with(|_, _| unreachable!());
    assert!(matches!(e, map_core::Entry::Vacant(_)));
    assert_eq!(map.len(), 1000);
}

#[test]
fn replace_entry_with_removing_gives_memory_back_and_leaves_a_usable_vacancy() {
    let mut map = filled(10_000);
    let full = map.memory().allocated_bytes;
    for k in 0..9_990u64 {
        let map_core::Entry::Occupied(e) = map.entry(k) else {
            panic!("{k} is present");
        };
        let map_core::Entry::Vacant(v) = e.replace_entry_with(|_, _| None) else {
            panic!("{k} was removed");
        };
        assert_eq!(v.key(), &k);
    }
    assert_eq!(map.len(), 10);
    let held = map.memory().allocated_bytes;
    assert!(held * 50 < full, "{held} of {full} bytes still held");

    // The vacancy a removal returns takes an insert, after shrinks too.
    let map_core::Entry::Occupied(e) = map.entry(9_995) else {
        panic!("present");
    };
    let map_core::Entry::Vacant(v) = e.replace_entry_with(|_, _| None) else {
        panic!("removed");
    };
    assert_eq!(*v.insert(1), 1);
    assert_eq!(map[&9_995], 1);
    assert_eq!(map.len(), 10);
    assert!((9_990..10_000u64).all(|k| map.contains_key(&k)));
}

#[test]
fn replace_entry_with_that_panics_loses_only_its_entry() {
    let mut map = filled(100);
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        map.entry(42)
            .and_replace_entry_with(|_, _| panic!("the closure fails"));
    }));
    assert!(unwound.is_err());
    assert_eq!(map.len(), 99);
    assert!(!map.contains_key(&42));
    assert!((0..100u64).filter(|k| *k != 42).all(|k| map[&k] == k * 10));
    map.insert(42, 0);
    assert_eq!(map.len(), 100);
}

#[test]
fn allocation_size_is_the_tables_bytes() {
    let mut map: HashMap<u64, u64> = HashMap::new();
    assert_eq!(map.allocation_size(), 0);
    let counter = Counter::start();
    map.extend((0..5000).map(|i| (i, i)));
    assert_eq!(map.allocation_size(), map.memory().allocated_bytes);
    assert_eq!(counter.live_bytes(), map.allocation_size() as isize);
    map.retain(|k, _| *k < 10);
    assert_eq!(counter.live_bytes(), map.allocation_size() as isize);
}

#[test]
fn replace_entry_with_runs_no_hash_of_its_own() {
    use map_conformance::unwind::{never_panic, panic_after, PanicKey};
    let mut map: HashMap<PanicKey, u64> = HashMap::with_policy(ReclaimPolicy::manual());
    for i in 0..100 {
        map.insert(PanicKey(i), i);
    }
    let map_core::Entry::Occupied(e) = map.entry(PanicKey(7)) else {
        panic!("present");
    };
    // From here on, a hash of any key panics: the entry knows its hash.
    panic_after(0);
    let map_core::Entry::Vacant(v) = e.replace_entry_with(|_, _| None) else {
        panic!("removed");
    };
    assert_eq!(v.key(), &PanicKey(7));
    assert_eq!(*v.insert(70), 70);
    never_panic();
    assert_eq!(map.get(&PanicKey(7)), Some(&70));
    assert_eq!(map.len(), 100);
}
