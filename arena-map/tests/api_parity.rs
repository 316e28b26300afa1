//! What the kit's std-API check does not see: the arena behind ArenaMap's
//! entries, drain, owned iteration and shrink_to; and StrMap's borrowed-key
//! entries.

use std::rc::Rc;

use arena_map::{ArenaMap, Entry, EntryRef, StrMap};
use map_conformance::alloc::Counter;

map_conformance::install_counting_allocator!();

#[test]
fn an_entry_on_a_present_key_does_not_allocate() {
    let mut map: ArenaMap<u64, u64> = (0..100).map(|i| (i, i)).collect();
    let counter = Counter::start();
    *map.entry(5).or_insert(0) += 1;
    assert!(matches!(map.entry(500), Entry::Vacant(_)));
    assert_eq!(counter.calls(), 0);
    assert_eq!(map[&5], 6);
}

#[test]
fn owned_iteration_and_drain_drop_everything_once() {
    let token = Rc::new(());
    let make = || -> ArenaMap<u64, Rc<()>> { (0..1000).map(|i| (i, token.clone())).collect() };

    let map = make();
    let mut it = map.into_iter();
    assert_eq!(it.len(), 1000);
    it.next();
    drop(it);
    assert_eq!(Rc::strong_count(&token), 1, "into_iter dropped the rest");

    assert_eq!(make().into_keys().count(), 1000);
    assert_eq!(make().into_values().count(), 1000);
    assert_eq!(Rc::strong_count(&token), 1);

    // A small table is kept by drain, a large one is given back.
    let mut small = make();
    let held = small.memory().allocated_bytes;
    assert_eq!(small.drain().take(10).count(), 10);
    assert!(small.is_empty());
    assert_eq!(Rc::strong_count(&token), 1, "drain dropped the rest");
    assert_eq!(small.memory().allocated_bytes, held);

    let mut large: ArenaMap<u64, [u8; 64]> = (0..100_000).map(|i| (i, [0; 64])).collect();
    assert_eq!(large.drain().count(), 100_000);
    assert!(large.memory().allocated_bytes < 256);
}

#[test]
fn clear_keeps_a_small_arena_for_the_refill() {
    let mut map: ArenaMap<u64, u64> = (0..1000).map(|i| (i, i)).collect();
    let counter = Counter::start();
    for _ in 0..100 {
        map.clear();
        for i in 0..1000 {
            map.insert(i, i);
        }
    }
    assert_eq!(counter.calls(), 0, "no allocator call in 100 rounds");
}

#[test]
fn shrink_to_and_with_capacity_set_the_floor() {
    let mut map: ArenaMap<u64, u64> = ArenaMap::with_capacity(10_000);
    let held = map.memory().allocated_bytes;
    for i in 0..10 {
        map.insert(i, i);
    }
    map.remove(&3);
    // capacity() can drop by one for a tombstone, as std's does; the table
    // itself stays.
    assert_eq!(map.memory().allocated_bytes, held, "the floor holds");
    assert!(map.capacity() >= 9_990);
    map.shrink_to(100);
    assert!(map.capacity() >= 100 && map.capacity() < 10_000);
    let at_floor = map.memory().allocated_bytes;
    assert!(at_floor < held);
    for i in 0..5000 {
        map.insert(i, i);
    }
    for i in 0..5000 {
        map.remove(&i);
    }
    // Drained down to the new floor, not below (capacity() would count
    // tombstones, so compare the arena).
    assert_eq!(map.memory().allocated_bytes, at_floor);
}

#[test]
fn str_map_entry_ref_and_remove_entry() {
    let mut map: StrMap<usize> = StrMap::new();
    let text = "a rose is a rose is a rose";
    for word in text.split(' ') {
        *map.entry_ref(word).or_default() += 1;
    }
    assert_eq!((map["a"], map["rose"], map["is"]), (3, 3, 2));
    match map.entry_ref("rose") {
        EntryRef::Occupied(e) => assert_eq!(e.remove_entry(), (String::from("rose"), 3)),
        EntryRef::Vacant(_) => panic!("rose is present"),
    }
    assert!(matches!(map.entry_ref("rose"), EntryRef::Vacant(_)));
    assert_eq!(map.remove_entry("is"), Some((String::from("is"), 2)));
    assert_eq!(map.remove_entry("is"), None);
    assert_eq!(map.len(), 1);
    // Removed keys are garbage the policy compacts away in time.
    for i in 0..20_000 {
        let key = format!("key-{i}");
        map.entry_ref(&key).or_insert(i);
        map.remove_entry(&key);
    }
    assert_eq!(map.len(), 1);
    assert!(
        map.memory().allocated_bytes < 64 * 1024,
        "{:?}",
        map.memory()
    );
}
