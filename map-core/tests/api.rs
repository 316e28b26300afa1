//! The std-like API of `map_core::HashMap`, and that every path which removes
//! entries goes through the policy.

use map_core::{Global, HashMap, ReclaimMap, ReclaimPolicy};

fn filled(n: u64) -> HashMap<u64, u64> {
    (0..n).map(|i| (i, i * 10)).collect()
}

#[test]
fn delete_all_gives_memory_back_without_reclaim() {
    let mut map: HashMap<u64, [u8; 128]> = HashMap::new();
    for i in 0..100_000 {
        map.insert(i, [i as u8; 128]);
    }
    let filled = map.memory().allocated_bytes;
    assert_eq!(
        filled, 17_956_880,
        "same table as hashbrown for 100,000 entries"
    );
    for i in 0..100_000 {
        assert_eq!(map.remove(&i).map(|v| v[0]), Some(i as u8));
    }
    let held = map.memory().allocated_bytes;
    assert!(held * 100 <= filled, "held {held} of {filled}");
    for i in 0..100_000 {
        map.insert(i, [0; 128]);
    }
    assert_eq!(map.memory().allocated_bytes, filled);
    assert_eq!(map.memory().peak_bytes, filled);
}

#[test]
fn manual_policy_keeps_memory_until_reclaim() {
    let mut map = HashMap::with_policy(ReclaimPolicy::manual());
    for i in 0..10_000u32 {
        map.insert(i, i);
    }
    let filled = map.memory().allocated_bytes;
    map.retain(|_, _| false);
    assert_eq!(map.memory().allocated_bytes, filled);
    map.clear();
    assert_eq!(
        map.memory().allocated_bytes,
        filled,
        "manual clear keeps the table"
    );
    assert_eq!(map.reclaim(), filled);
    assert_eq!(map.memory().allocated_bytes, 0);
    let stats = map.memory();
    assert_eq!((stats.reclaimed_bytes, stats.reclaims), (filled, 1));
    assert_eq!(map.reclaim(), 0, "nothing left to give back");
}

/// The removals one by one and in bulk are the kit's
/// (`promises::every_removing_path_gives_memory_back`, for every variant);
/// here what `clear` and `drain` do with map-core's own sizes.
#[test]
fn clear_and_drain_give_back_a_large_table_and_keep_a_small_one() {
    let full = filled(10_000).memory().allocated_bytes;

    // clear and drain give back a table above clear_keep_bytes (512 KiB)...
    let mut m = filled(100_000);
    assert_eq!(m.drain().count(), 100_000);
    assert_eq!(m.memory().allocated_bytes, 0, "drain");

    let mut m = filled(100_000);
    m.clear();
    assert_eq!(m.memory().allocated_bytes, 0, "clear");
    assert!(m.is_empty());

    // ... and keep a smaller one for the refill.
    let mut m = filled(10_000);
    m.clear();
    assert_eq!(m.memory().allocated_bytes, full, "clear keeps");
}

#[test]
fn a_drained_map_gives_memory_back_without_an_insert() {
    let mut m = filled(10_000);
    let full = m.memory().allocated_bytes;
    // Down to 12%, then only read: the removals shrank the table.
    for i in 0..8_800 {
        m.remove(&i);
    }
    let after = m.memory().allocated_bytes;
    assert!(after * 3 < full, "removals alone shrank: {after} of {full}");
    assert_eq!(m.len(), 1_200);
    for i in 8_800..10_000 {
        assert_eq!(m[&i], i * 10);
    }
}

#[test]
fn a_lazy_draining_map_catches_up_at_the_next_insert() {
    let lazy = ReclaimPolicy::builder().drain_ratio(128.0).build().unwrap();
    let mut m = HashMap::with_policy(lazy);
    m.extend(filled(10_000));
    let full = m.memory().allocated_bytes;
    // 1/8 full: past the shrink ratio, short of the drain ratio.
    for i in 0..8_800 {
        m.remove(&i);
    }
    assert_eq!(m.memory().allocated_bytes, full, "removals alone defer");
    m.insert(1, 1);
    let after = m.memory().allocated_bytes;
    assert!(
        after * 3 < full,
        "the insert shrank first: {after} of {full}"
    );
    assert_eq!(m.len(), 1_201);
    for i in 8_800..10_000 {
        assert_eq!(m[&i], i * 10);
    }
}

#[test]
fn lookups() {
    let mut m = filled(100);
    assert_eq!(m.get(&7), Some(&70));
    assert_eq!(m.get(&700), None);
    assert_eq!(m.get_key_value(&7), Some((&7, &70)));
    *m.get_mut(&7).unwrap() += 1;
    assert_eq!(m[&7], 71);
    assert!(m.contains_key(&99));
    assert!(!m.contains_key(&100));
    assert_eq!(m.insert(7, 0), Some(71));
    assert_eq!(m.remove_entry(&7), Some((7, 0)));
    assert_eq!(m.remove(&7), None);
    assert_eq!(m.len(), 99);
}

#[test]
#[should_panic(expected = "key not found")]
fn index_panics_on_a_missing_key() {
    let m = filled(3);
    let _ = m[&3];
}

#[test]
fn string_keys_are_found_by_str() {
    let mut m: HashMap<String, usize> = HashMap::new();
    m.insert("alpha".to_string(), 1);
    assert_eq!(m.get("alpha"), Some(&1));
    assert_eq!(m["alpha"], 1);
    assert_eq!(m.remove("alpha"), Some(1));
}

#[test]
fn entry_api() {
    let mut m: HashMap<&str, u32> = HashMap::new();
    *m.entry("a").or_insert(1) += 10;
    assert_eq!(m["a"], 11);
    m.entry("a").and_modify(|v| *v *= 2).or_insert(0);
    assert_eq!(m["a"], 22);
    assert_eq!(*m.entry("b").or_insert_with(|| 5), 5);
    assert_eq!(*m.entry("ccc").or_insert_with_key(|k| k.len() as u32), 3);
    assert_eq!(*m.entry("d").or_default(), 0);
    assert_eq!(m.entry("zz").key(), &"zz");
    let e = m.entry("e").insert_entry(9);
    assert_eq!((e.key(), e.get()), (&"e", &9));
    match m.entry("a") {
        map_core::Entry::Occupied(mut e) => {
            assert_eq!(e.insert(1), 22);
            assert_eq!(e.remove_entry(), ("a", 1));
        }
        map_core::Entry::Vacant(_) => unreachable!(),
    }
    match m.entry("new") {
        map_core::Entry::Vacant(v) => {
            assert_eq!(v.key(), &"new");
            assert_eq!(v.into_key(), "new");
        }
        map_core::Entry::Occupied(_) => unreachable!(),
    }
    assert!(!m.contains_key("a"));
    assert!(format!("{:?}", m.entry("b")).contains("OccupiedEntry"));
}

#[test]
fn iterators() {
    let mut m = filled(50);
    let mut keys: Vec<_> = m.keys().copied().collect();
    keys.sort_unstable();
    assert_eq!(keys, (0..50).collect::<Vec<_>>());
    assert_eq!(
        m.values().sum::<u64>(),
        (0..50).map(|i| i * 10).sum::<u64>()
    );
    assert_eq!(m.iter().len(), 50);
    for (_, v) in m.iter_mut() {
        *v += 1;
    }
    for v in m.values_mut() {
        *v += 1;
    }
    for (k, v) in &mut m {
        *v -= 2;
        assert_eq!(*v, k * 10);
    }
    assert_eq!((&m).into_iter().count(), 50);
    let mut pairs: Vec<_> = m.clone().into_iter().collect();
    pairs.sort_unstable();
    assert_eq!(pairs[3], (3, 30));
    let mut ks: Vec<_> = m.clone().into_keys().collect();
    ks.sort_unstable();
    assert_eq!(ks.len(), 50);
    assert_eq!(m.clone().into_values().count(), 50);
    // A drain dropped half-way still empties the map.
    let mut d = m.clone();
    let taken: Vec<_> = d.drain().take(10).collect();
    assert_eq!(taken.len(), 10);
    assert!(d.is_empty());
}

#[test]
fn drain_under_manual_policy_keeps_the_table() {
    let mut m: HashMap<u64, u64> = HashMap::with_policy(ReclaimPolicy::manual());
    m.extend((0..1000).map(|i| (i, i)));
    let before = m.memory().allocated_bytes;
    assert_eq!(m.drain().count(), 1000);
    assert_eq!(m.memory().allocated_bytes, before);
}

#[test]
fn std_traits() {
    let a = filled(20);
    let b: HashMap<u64, u64> = a.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(a, b);
    let mut c = b.clone();
    c.insert(0, 1);
    assert_ne!(a, c);
    let mut d = HashMap::new();
    d.extend(a.iter());
    assert_eq!(d, a);
    let e = HashMap::from([(1, "x"), (2, "y")]);
    assert_eq!(format!("{:?}", HashMap::from([(1, 2)])), "{1: 2}");
    assert_eq!(e.len(), 2);
    let def: HashMap<u8, u8> = HashMap::default();
    assert!(def.is_empty() && def.policy().is_automatic());
    assert_eq!(
        def.memory().allocated_bytes,
        0,
        "no allocation until the first insert"
    );
}

#[test]
fn clone_starts_with_fresh_statistics() {
    let mut m = filled(1000);
    m.retain(|k, _| *k < 5);
    assert!(m.memory().reclaims > 0);
    let c = m.clone();
    assert_eq!(c.memory().reclaims, 0);
    assert_eq!(c.policy(), m.policy());
    assert_eq!(c, m);
}

#[test]
fn capacity_reserve_and_shrinking() {
    let mut m: HashMap<u64, u64> = HashMap::with_capacity(1000);
    assert!(m.capacity() >= 1000);
    m.reserve(5000);
    assert!(m.capacity() >= 5000);
    m.insert(1, 1);
    m.shrink_to(100);
    assert!(m.capacity() >= 100 && m.capacity() < 1000);
    m.shrink_to_fit();
    assert!(m.capacity() >= 1 && m.capacity() < 100);
    assert_eq!(m[&1], 1);
    let before = m.memory().reclaims;
    m.shrink_to_fit();
    assert_eq!(
        m.memory().reclaims,
        before,
        "nothing to gain: no reclaim counted"
    );
}

#[test]
fn with_hasher_and_allocator_constructors() {
    let s = std::hash::RandomState::new();
    let mut a: HashMap<u32, u32, _> = HashMap::with_hasher(s.clone());
    a.insert(1, 2);
    let b: HashMap<u32, u32, _> = HashMap::with_capacity_and_hasher(10, s);
    assert!(b.capacity() >= 10);
    let mut c = HashMap::with_capacity_in(10, Global);
    c.insert(1u8, 1u8);
    let d: HashMap<u8, u8, _, Global> = HashMap::with_policy_in(ReclaimPolicy::manual(), Global);
    assert!(!d.policy().is_automatic());
    use std::hash::BuildHasher;
    assert_eq!(a.hasher().hash_one(1u32), a.hasher().hash_one(1u32));
    let _ = c.allocator();
}

#[test]
fn set_policy_applies_at_once() {
    let mut m: HashMap<u64, u64> = HashMap::with_policy(ReclaimPolicy::manual());
    m.extend((0..10_000).map(|i| (i, i)));
    m.retain(|k, _| *k < 10);
    let before = m.memory().allocated_bytes;
    ReclaimMap::set_policy(&mut m, ReclaimPolicy::default());
    assert!(m.memory().allocated_bytes * 10 < before);
}
