//! The `rayon` feature: parallel iteration, extension and draining of
//! `HashMap`, with draining under the same clear rule as `drain`.

use map_core::{HashMap, ReclaimPolicy};
use rayon::iter::{IntoParallelIterator, ParallelExtend, ParallelIterator};

fn filled(n: u64) -> HashMap<u64, u64> {
    (0..n).map(|i| (i, i * 10)).collect()
}

#[test]
fn par_iter_and_par_iter_mut_visit_every_entry_once() {
    let mut map = filled(10_000);
    let sum: u64 = map.par_iter().map(|(k, v)| k + v).sum();
    assert_eq!(sum, (0..10_000u64).map(|i| i * 11).sum());
    assert_eq!((&map).into_par_iter().count(), 10_000);

    map.par_iter_mut().for_each(|(k, v)| *v = k + 1);
    assert!(map.iter().all(|(k, v)| *v == k + 1));
    (&mut map).into_par_iter().for_each(|(_, v)| *v += 1);
    assert!(map.iter().all(|(k, v)| *v == k + 2));

    let mut keys: Vec<u64> = map.into_par_iter().map(|(k, _)| k).collect();
    keys.sort_unstable();
    assert_eq!(keys, (0..10_000).collect::<Vec<_>>());
}

#[test]
fn par_extend_and_collect_match_sequential() {
    let mut map = filled(100);
    // Half the keys are already present: overwritten, as `extend` does.
    map.par_extend((50..150u64).into_par_iter().map(|i| (i, i)));
    assert_eq!(map.len(), 150);
    assert_eq!((map[&10], map[&60], map[&140]), (100, 60, 140));

    let collected: HashMap<u64, u64> = (0..1000u64).into_par_iter().map(|i| (i, i)).collect();
    assert_eq!(collected, (0..1000).map(|i| (i, i)).collect());

    let mut copy = HashMap::new();
    copy.par_extend(collected.par_iter());
    assert_eq!(copy, collected);
}

#[test]
fn par_extend_sets_no_capacity_floor() {
    let mut map: HashMap<u64, u64> = HashMap::new();
    map.par_extend((0..100_000u64).into_par_iter().map(|i| (i, i)));
    let full = map.memory().allocated_bytes;
    map.retain(|_, _| false);
    assert!(map.memory().allocated_bytes * 100 <= full);
}

#[test]
fn par_drain_follows_the_clear_rule() {
    // A large table goes back to the allocator.
    let mut map = filled(100_000);
    assert_eq!(
        map.par_drain().map(|(k, _)| k).sum::<u64>(),
        (0..100_000).sum()
    );
    assert!(map.is_empty());
    assert_eq!(map.memory().allocated_bytes, 0);

    // A small one stays for the refill.
    let mut map = filled(1_000);
    let capacity = map.capacity();
    assert_eq!(map.par_drain().count(), 1_000);
    assert!(map.is_empty());
    assert_eq!(map.capacity(), capacity);

    // The manual policy keeps every table, as std does.
    let mut map = filled(100_000);
    map.set_policy(ReclaimPolicy::manual());
    let bytes = map.memory().allocated_bytes;
    assert_eq!(map.par_drain().count(), 100_000);
    assert_eq!(map.memory().allocated_bytes, bytes);

    // Entries not consumed are dropped all the same.
    let mut map: HashMap<u64, String> = (0..1000).map(|i| (i, i.to_string())).collect();
    drop(map.par_drain());
    assert!(map.is_empty());
}

#[test]
fn par_keys_values_and_values_mut_visit_every_entry_once() {
    let mut map = filled(10_000);
    assert_eq!(map.par_keys().sum::<u64>(), (0..10_000u64).sum());
    assert_eq!(
        map.par_values().sum::<u64>(),
        (0..10_000u64).map(|i| i * 10).sum()
    );
    assert_eq!(map.par_keys().count(), 10_000);
    map.par_values_mut().for_each(|v| *v += 1);
    assert!(map.iter().all(|(k, v)| *v == k * 10 + 1));
}

#[test]
fn par_eq_agrees_with_eq() {
    let a = filled(10_000);
    let mut b: HashMap<u64, u64> = (0..10_000u64).rev().map(|i| (i, i * 10)).collect();
    assert!(a.par_eq(&b) && a == b);
    b.insert(5, 0);
    assert!(!a.par_eq(&b) && a != b);
    b.insert(5, 50);
    b.insert(10_000, 0);
    assert!(!a.par_eq(&b) && a != b);
    b.remove(&10_000);
    assert!(a.par_eq(&b));
}

#[test]
fn set_operations_in_parallel_match_the_sequential_ones() {
    use map_core::HashSet;
    let sorted = |mut v: Vec<u64>| {
        v.sort_unstable();
        v
    };
    for (a, b) in [(0..0, 0..0), (0..1000, 500..3000), (0..5000, 5000..6000)] {
        let a: HashSet<u64> = a.collect();
        let b: HashSet<u64> = b.collect();
        let seq = |i: &mut dyn Iterator<Item = &u64>| sorted(i.copied().collect());
        assert_eq!(
            sorted(a.par_difference(&b).copied().collect()),
            seq(&mut a.difference(&b))
        );
        assert_eq!(
            sorted(a.par_symmetric_difference(&b).copied().collect()),
            seq(&mut a.symmetric_difference(&b))
        );
        assert_eq!(
            sorted(a.par_intersection(&b).copied().collect()),
            seq(&mut a.intersection(&b))
        );
        assert_eq!(
            sorted(b.par_union(&a).copied().collect()),
            seq(&mut a.union(&b))
        );
        assert_eq!(a.par_is_disjoint(&b), a.is_disjoint(&b));
        assert_eq!(a.par_is_subset(&b), a.is_subset(&b));
        assert_eq!(b.par_is_superset(&a), b.is_superset(&a));
        assert!(a.par_eq(&a.clone()));
        assert_eq!(sorted(a.par_iter().copied().collect()), seq(&mut a.iter()));
        let mut union = a.clone();
        union.par_extend(b.par_iter());
        assert_eq!(union.len(), a.union(&b).count());
        let collected: HashSet<u64> = union.clone().into_par_iter().collect();
        assert!(collected.par_eq(&union));
        let len = union.len();
        assert_eq!(union.par_drain().count(), len);
        assert!(union.is_empty());
    }
}
