//! The std-like API, and drop counting through every path that removes or
//! moves entries.

use std::cell::Cell;
use std::collections::HashMap as StdHashMap;
use std::hash::RandomState;
use std::rc::Rc;

use pooled_map::{Entry, PooledMap, ReclaimMap, ReclaimPolicy, TryReserveError};
use pooled_map::{EntryHandle, HandleMap};

#[test]
fn basics() {
    let mut map: PooledMap<String, u32> = PooledMap::default();
    assert!(map.is_empty());
    assert_eq!(map.insert("a".into(), 1), None);
    assert_eq!(map.insert("b".into(), 2), None);
    assert_eq!(map.insert("a".into(), 3), Some(1));
    assert_eq!(map.len(), 2);
    assert_eq!(map.get("a"), Some(&3));
    assert_eq!(map.get_key_value("b"), Some((&"b".to_string(), &2)));
    *map.get_mut("b").unwrap() += 10;
    assert_eq!(map["b"], 12);
    assert!(map.contains_key("a"));
    assert!(!map.contains_key("z"));
    assert_eq!(map.remove_entry("a"), Some(("a".to_string(), 3)));
    assert_eq!(map.remove("a"), None);
    assert_eq!(map.len(), 1);
}

#[test]
fn constructors() {
    let map: PooledMap<u64, u64> = PooledMap::with_capacity(100);
    assert!(map.capacity() >= 100);
    assert!(map.memory().allocated_bytes >= 100 * pooled_map::PoolStore::<u64, u64>::slot_bytes());

    let mut map: PooledMap<u64, u64, RandomState> = PooledMap::with_hasher(RandomState::new());
    map.insert(1, 2);
    assert_eq!(map[&1], 2);
    let _ = map.hasher();

    let map: PooledMap<u64, u64, RandomState> =
        PooledMap::with_capacity_and_hasher(10, RandomState::new());
    assert!(map.capacity() >= 10);

    let map: PooledMap<u64, u64> = PooledMap::with_policy(ReclaimPolicy::manual());
    assert!(!map.policy().is_automatic());
    assert_eq!(PooledMap::<u64, u64>::new().memory().allocated_bytes, 0);
}

#[test]
fn entry_api() {
    let mut map: PooledMap<&str, Vec<u32>> = PooledMap::new();
    map.entry("a").or_default().push(1);
    map.entry("a").or_default().push(2);
    map.entry("b").or_insert_with(|| vec![9]);
    map.entry("c").or_insert_with_key(|k| vec![k.len() as u32]);
    map.entry("b").and_modify(|v| v.push(10)).or_insert(vec![]);
    assert_eq!(map["a"], vec![1, 2]);
    assert_eq!(map["b"], vec![9, 10]);
    assert_eq!(map["c"], vec![1]);
    assert_eq!(map.entry("zz").key(), &"zz");
    match map.entry("a") {
        Entry::Occupied(mut e) => {
            assert_eq!(e.key(), &"a");
            assert_eq!(e.get(), &vec![1, 2]);
            e.get_mut().push(3);
            assert_eq!(e.insert(vec![0]), vec![1, 2, 3]);
            assert_eq!(e.remove_entry(), ("a", vec![0]));
        }
        Entry::Vacant(_) => unreachable!(),
    }
    match map.entry("d") {
        Entry::Vacant(e) => {
            assert_eq!(e.key(), &"d");
            assert_eq!(e.into_key(), "d");
        }
        Entry::Occupied(_) => unreachable!(),
    }
    assert!(!map.contains_key("d"));
    let e = map.entry("e").insert_entry(vec![5]);
    let h = e.handle();
    assert_eq!(e.remove(), vec![5]);
    assert_eq!(map.get_by_handle(h), None);
    let b = map.handle_of("b").unwrap();
    match map.entry("b") {
        Entry::Occupied(e) => assert_eq!(e.handle(), b),
        Entry::Vacant(_) => unreachable!(),
    }
    assert_eq!(
        format!("{:?}", map.entry("b")),
        "Entry(OccupiedEntry { key: \"b\", value: [9, 10] })"
    );
}

#[test]
fn iterators() {
    let mut map: PooledMap<u32, u32> = (0..100).map(|i| (i, i * 2)).collect();
    let model: StdHashMap<u32, u32> = (0..100).map(|i| (i, i * 2)).collect();
    assert_eq!(map.iter().len(), 100);
    assert_eq!(
        map.iter()
            .map(|(k, v)| (*k, *v))
            .collect::<StdHashMap<_, _>>(),
        model
    );
    assert_eq!(map.keys().copied().sum::<u32>(), (0..100).sum());
    assert_eq!(
        map.values().copied().sum::<u32>(),
        (0..100).map(|i| i * 2).sum()
    );
    for v in map.values_mut() {
        *v += 1;
    }
    for (_, v) in map.iter_mut() {
        *v -= 1;
    }
    for (_, v) in &mut map {
        *v += 0;
    }
    assert_eq!((&map).into_iter().count(), 100);
    assert_eq!(map.handles().len(), 100);
    let clone = map.clone();
    assert_eq!(clone, map);
    assert_eq!(map.clone().into_iter().collect::<StdHashMap<_, _>>(), model);
    let mut keys: Vec<u32> = map.clone().into_keys().collect();
    keys.sort_unstable();
    assert_eq!(keys, (0..100).collect::<Vec<_>>());
    assert_eq!(map.clone().into_values().count(), 100);
    assert!(!format!("{:?}", map.iter()).is_empty());
    assert!(!format!("{:?}", map.keys()).is_empty());
    assert!(!format!("{:?}", map.values()).is_empty());
    assert!(format!("{:?}", map.iter_mut()).contains("remaining"));
}

#[test]
fn retain_drain_and_clear() {
    let mut map: PooledMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
    map.retain(|k, v| {
        *v += 1;
        k % 3 == 0
    });
    assert_eq!(map.len(), 334);
    assert!(map.iter().all(|(k, v)| k % 3 == 0 && *v == k + 1));

    let drained: StdHashMap<u32, u32> = map.drain().collect();
    assert_eq!(drained.len(), 334);
    assert!(map.is_empty());
    let kept = map.memory().allocated_bytes;
    assert!(kept > 0, "a small storage is kept for the refill");
    map.extend((0..100_000).map(|i| (i, i)));
    assert_eq!(map.drain().count(), 100_000);
    assert_eq!(
        map.memory().allocated_bytes,
        0,
        "automatic: a large drained storage goes back"
    );

    let mut manual: PooledMap<u32, u32> = PooledMap::with_policy(ReclaimPolicy::manual());
    manual.extend((0..1000).map(|i| (i, i)));
    let held = manual.memory().allocated_bytes;
    let mut drain = manual.drain();
    assert_eq!(drain.len(), 1000);
    drain.next();
    drop(drain);
    assert!(manual.is_empty());
    assert_eq!(
        manual.memory().allocated_bytes,
        held,
        "manual: storage kept"
    );
    manual.extend((0..10).map(|i| (i, i)));
    manual.clear();
    assert!(manual.is_empty());
    assert_eq!(manual.memory().allocated_bytes, held);
    assert!(manual.reclaim() > 0);
    assert_eq!(manual.memory().allocated_bytes, 0);

    let mut auto: PooledMap<u32, u32> = (0..100_000).map(|i| (i, i)).collect();
    auto.clear();
    assert_eq!(auto.memory().allocated_bytes, 0);
    assert_eq!(auto.memory().reclaims, 1);
}

#[test]
fn reserve_shrink_and_policy() {
    let mut map: PooledMap<u64, u64> = PooledMap::new();
    map.reserve(1000);
    assert!(map.capacity() >= 1000);
    assert!(map.try_reserve(10).is_ok());
    assert!(matches!(
        map.try_reserve(usize::MAX),
        Err(TryReserveError::CapacityOverflow)
    ));
    assert!(matches!(
        map.try_reserve(u32::MAX as usize + 2),
        Err(TryReserveError::CapacityOverflow)
    ));
    for i in 0..10 {
        map.insert(i, i);
    }
    map.shrink_to(100);
    assert!(map.capacity() >= 100);
    assert!(map.capacity() < 1000);
    map.shrink_to_fit();
    assert!(map.capacity() >= 10);
    assert_eq!(map.len(), 10);

    // A stricter policy applies at once.
    let mut map: PooledMap<u64, u64> = PooledMap::with_policy(ReclaimPolicy::manual());
    for i in 0..10_000 {
        map.insert(i, i);
    }
    for i in 0..9_990 {
        map.remove(&i);
    }
    let held = map.memory().allocated_bytes;
    ReclaimMap::set_policy(&mut map, ReclaimPolicy::default());
    assert!(map.memory().allocated_bytes * 10 < held);
    assert_eq!(ReclaimMap::len(&map), 10);
}

#[test]
fn std_traits() {
    let map = PooledMap::from([(1, "one"), (2, "two")]);
    assert_eq!(map[&1], "one");
    let mut other: PooledMap<i32, &str> = PooledMap::new();
    other.extend([(&2, &"two"), (&1, &"one")]);
    assert_eq!(map, other);
    other.insert(3, "three");
    assert_ne!(map, other);
    let debug = format!("{map:?}");
    assert!(
        debug.contains("1: \"one\"") && debug.contains("2: \"two\""),
        "{debug}"
    );
    let empty: PooledMap<u8, u8> = Default::default();
    assert_eq!(format!("{empty:?}"), "{}");
}

#[test]
#[should_panic(expected = "key not found")]
fn index_of_a_missing_key_panics() {
    let map: PooledMap<u32, u32> = PooledMap::new();
    let _ = map[&3];
}

// ---------------------------------------------------------------------------
// Drops

struct Counted(Rc<Cell<i64>>);

impl Clone for Counted {
    fn clone(&self) -> Self {
        Self::new(&self.0)
    }
}

impl Counted {
    fn new(live: &Rc<Cell<i64>>) -> Self {
        live.set(live.get() + 1);
        Self(Rc::clone(live))
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

#[test]
fn every_value_is_dropped_exactly_once() {
    let live = Rc::new(Cell::new(0i64));
    {
        let mut map: PooledMap<u32, Counted> = PooledMap::new();
        for i in 0..5_000 {
            map.insert(i, Counted::new(&live));
        }
        map.insert(0, Counted::new(&live)); // the old value drops
        assert_eq!(live.get(), 5_000);
        for i in 0..4_960 {
            drop(map.remove(&i));
        }
        assert!(map.reclaim_epoch() > 0, "compaction moved values");
        assert_eq!(live.get(), 40, "moves drop nothing");
        map.retain(|k, _| k % 2 == 0);
        assert_eq!(live.get(), 20);
        let h = map.handles().next().unwrap().0;
        drop(map.remove_by_handle(h));
        assert_eq!(live.get(), 19);

        let mut partial = map.clone();
        assert_eq!(live.get(), 38);
        let mut drain = partial.drain();
        drop(drain.next());
        drop(drain);
        assert_eq!(live.get(), 19);

        let mut iter = map.clone().into_iter();
        drop(iter.next());
        drop(iter);
        assert_eq!(live.get(), 19);

        for i in 10_000..10_100 {
            map.insert(i, Counted::new(&live));
        }
        map.clear();
        assert_eq!(live.get(), 0);
        for i in 0..100 {
            map.insert(i, Counted::new(&live));
        }
    }
    assert_eq!(live.get(), 0, "dropping the map drops every value");
}
