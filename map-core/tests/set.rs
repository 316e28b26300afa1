//! `HashSet`: against std's set operation by operation, its memory promises
//! (it is a `HashMap<T, ()>`, so the same policy), and its set operations.

use std::collections::HashSet as StdHashSet;

use map_conformance::alloc::Counter;
use map_conformance::Rng;
use map_core::{HashSet, ReclaimPolicy};

map_conformance::install_counting_allocator!();

fn sorted<'a>(iter: impl Iterator<Item = &'a u64>) -> Vec<u64> {
    let mut v: Vec<u64> = iter.copied().collect();
    v.sort_unstable();
    v
}

fn same(set: &HashSet<u64>, model: &StdHashSet<u64>) -> bool {
    set.len() == model.len() && model.iter().all(|v| set.contains(v))
}

/// Random operations, in waves that grow and empty the set, each result
/// compared with std's.
fn differential(seed: u64, ops: usize) {
    let mut rng = Rng::new(seed);
    let mut set: HashSet<u64> = HashSet::new();
    let mut model: StdHashSet<u64> = StdHashSet::new();
    let ctx =
        |i: usize, what: &str| format!("seed {seed}, op {i}: {what} (CONFORMANCE_SEED={seed})");
    for i in 0..ops {
        let wave = (i / 2000) as u64;
        let range = 4u64 << (wave % 11);
        let insert_bias = if wave % 2 == 0 { 60 } else { 25 };
        let x = rng.below(range);
        let roll = rng.below(1000);
        match roll {
            0..=1 => {
                set.clear();
                model.clear();
            }
            2..=3 => {
                let taken = sorted(set.drain().collect::<Vec<_>>().iter());
                let expected = sorted(model.drain().collect::<Vec<_>>().iter());
                assert_eq!(taken, expected, "{}", ctx(i, "drain"));
            }
            4..=6 => {
                set.reclaim();
            }
            7 => {
                let policy = if rng.below(2) == 0 {
                    ReclaimPolicy::manual()
                } else {
                    ReclaimPolicy::default()
                };
                set.set_policy(policy);
            }
            8..=12 => {
                let m = rng.below(8) + 1;
                set.retain(|v| v % m != 0);
                model.retain(|v| v % m != 0);
            }
            13..=17 => {
                let m = rng.below(8) + 1;
                let got = sorted(set.extract_if(|v| v % m == 0).collect::<Vec<_>>().iter());
                let expected: Vec<u64> = sorted(model.iter().filter(|v| *v % m == 0));
                model.retain(|v| v % m != 0);
                assert_eq!(got, expected, "{}", ctx(i, "extract_if"));
            }
            18..=27 => {
                assert_eq!(
                    sorted(set.iter()),
                    sorted(model.iter()),
                    "{}",
                    ctx(i, "iter")
                );
            }
            28..=37 => {
                let other: StdHashSet<u64> = (0..rng.below(32)).map(|_| rng.below(range)).collect();
                let ours: HashSet<u64> = other.iter().copied().collect();
                assert_eq!(
                    sorted(set.union(&ours)),
                    sorted(model.union(&other)),
                    "{}",
                    ctx(i, "union")
                );
                assert_eq!(
                    sorted(set.intersection(&ours)),
                    sorted(model.intersection(&other)),
                    "{}",
                    ctx(i, "intersection")
                );
                assert_eq!(
                    sorted(set.difference(&ours)),
                    sorted(model.difference(&other)),
                    "{}",
                    ctx(i, "difference")
                );
                assert_eq!(
                    sorted(set.symmetric_difference(&ours)),
                    sorted(model.symmetric_difference(&other)),
                    "{}",
                    ctx(i, "symmetric_difference")
                );
                assert_eq!(
                    set.is_subset(&ours),
                    model.is_subset(&other),
                    "{}",
                    ctx(i, "is_subset")
                );
                assert_eq!(
                    set.is_superset(&ours),
                    model.is_superset(&other),
                    "{}",
                    ctx(i, "is_superset")
                );
                assert_eq!(
                    set.is_disjoint(&ours),
                    model.is_disjoint(&other),
                    "{}",
                    ctx(i, "is_disjoint")
                );
            }
            38..=57 => {
                assert_eq!(
                    set.replace(x),
                    model.replace(x),
                    "{}",
                    ctx(i, &format!("replace({x})"))
                );
            }
            _ if roll < 58 + insert_bias * 10 => {
                assert_eq!(
                    set.insert(x),
                    model.insert(x),
                    "{}",
                    ctx(i, &format!("insert({x})"))
                );
            }
            _ if roll < 750 => {
                assert_eq!(
                    set.remove(&x),
                    model.remove(&x),
                    "{}",
                    ctx(i, &format!("remove({x})"))
                );
            }
            _ if roll < 800 => {
                assert_eq!(
                    set.take(&x),
                    model.take(&x),
                    "{}",
                    ctx(i, &format!("take({x})"))
                );
            }
            _ if roll < 900 => {
                assert_eq!(
                    set.get(&x),
                    model.get(&x),
                    "{}",
                    ctx(i, &format!("get({x})"))
                );
            }
            _ => {
                assert_eq!(
                    set.contains(&x),
                    model.contains(&x),
                    "{}",
                    ctx(i, &format!("contains({x})"))
                );
            }
        }
        assert_eq!(set.len(), model.len(), "{}", ctx(i, "len"));
        assert_eq!(set.is_empty(), model.is_empty(), "{}", ctx(i, "is_empty"));
    }
    assert!(same(&set, &model), "seed {seed}: final contents");
}

#[test]
fn differential_against_std() {
    for seed in map_conformance::seeds(4) {
        println!("seed {seed}");
        differential(seed, 30_000);
    }
}

#[test]
fn delete_all_gives_memory_back_without_reclaim() {
    let counter = Counter::start();
    let mut set: HashSet<(u64, [u8; 128])> = HashSet::new();
    for i in 0..100_000 {
        set.insert((i, [1; 128]));
    }
    let filled = counter.live_bytes();
    assert_eq!(filled as usize, set.memory().allocated_bytes);
    for i in 0..100_000 {
        assert!(set.remove(&(i, [1; 128])));
    }
    let held = counter.live_bytes();
    assert!(held * 100 <= filled, "held {held} of {filled}");
    assert_eq!(
        held as usize,
        set.memory().allocated_bytes,
        "memory() is exact"
    );
    assert!(set.memory().reclaims >= 1);

    // The refill ends within 5% of the first fill.
    for i in 0..100_000 {
        set.insert((i, [2; 128]));
    }
    let refilled = counter.live_bytes();
    assert!(
        refilled * 100 <= filled * 105,
        "refill {refilled}, first fill {filled}"
    );
}

#[test]
fn take_retain_extract_if_and_clear_give_memory_back() {
    let fill = || -> HashSet<u64> { (0..100_000).collect() };
    let full = fill().memory().allocated_bytes;

    let mut set = fill();
    for i in 0..100_000 {
        assert_eq!(set.take(&i), Some(i));
    }
    assert!(set.memory().allocated_bytes * 100 <= full, "take");

    let mut set = fill();
    set.retain(|x| *x < 10);
    assert!(set.memory().allocated_bytes * 100 <= full, "retain");

    let mut set = fill();
    assert_eq!(set.extract_if(|x| *x >= 10).count(), 99_990);
    assert!(set.memory().allocated_bytes * 100 <= full, "extract_if");

    let mut set = fill();
    set.clear();
    assert_eq!(set.memory().allocated_bytes, 0, "clear");

    let mut set = fill();
    assert_eq!(set.drain().count(), 100_000);
    assert_eq!(set.memory().allocated_bytes, 0, "drain");
}

#[test]
fn manual_policy_and_floor_are_kept() {
    let mut set: HashSet<u64> = HashSet::with_policy(ReclaimPolicy::manual());
    set.extend(0..10_000);
    let bytes = set.memory().allocated_bytes;
    for i in 0..10_000 {
        set.remove(&i);
    }
    assert_eq!(
        set.memory().allocated_bytes,
        bytes,
        "manual: nothing given back"
    );
    assert!(set.reclaim() > 0);
    assert_eq!(set.memory().allocated_bytes, 0);

    let mut set: HashSet<u64> = HashSet::with_capacity(50_000);
    let capacity = set.capacity();
    set.extend(0..10);
    set.retain(|_| false);
    assert_eq!(set.capacity(), capacity, "the floor stays");
}

#[test]
fn nothing_is_given_back_unless_an_element_left() {
    let mut set: HashSet<u64> = (0..1000).collect();
    // Sparse enough for the next insert to shrink, not for a removal to.
    for i in 300..1000 {
        set.remove(&i);
    }
    let before = set.memory().allocated_bytes;
    let counter = Counter::start();
    assert!(!set.remove(&5000));
    assert_eq!(set.take(&5000), None);
    set.retain(|_| true);
    assert_eq!(set.extract_if(|_| false).count(), 0);
    assert!(set.contains(&1) && set.get(&2).is_some());
    assert_eq!(
        set.replace(4),
        Some(4),
        "a present element is swapped in place"
    );
    assert_eq!(counter.calls(), 0, "no allocator call");
    assert_eq!(set.memory().allocated_bytes, before);
    // An insert catches up on the shrink the removals deferred, as the
    // map's does.
    assert!(!set.insert(3));
    assert!(set.memory().allocated_bytes < before);
}

#[test]
fn set_operations_and_operators_match_std() {
    let mut rng = Rng::new(7);
    for _ in 0..200 {
        let a: StdHashSet<u64> = (0..rng.below(40)).map(|_| rng.below(50)).collect();
        let b: StdHashSet<u64> = (0..rng.below(40)).map(|_| rng.below(50)).collect();
        let (x, y): (HashSet<u64>, HashSet<u64>) =
            (a.iter().copied().collect(), b.iter().copied().collect());
        assert_eq!(sorted((&x | &y).iter()), sorted((&a | &b).iter()));
        assert_eq!(sorted((&x & &y).iter()), sorted((&a & &b).iter()));
        assert_eq!(sorted((&x - &y).iter()), sorted((&a - &b).iter()));
        assert_eq!(sorted((&x ^ &y).iter()), sorted((&a ^ &b).iter()));
        assert_eq!(sorted(x.union(&y)), sorted(a.union(&b)));
        assert_eq!(sorted(x.intersection(&y)), sorted(a.intersection(&b)));
        assert_eq!(sorted(x.difference(&y)), sorted(a.difference(&b)));
        assert_eq!(
            sorted(x.symmetric_difference(&y)),
            sorted(a.symmetric_difference(&b))
        );
        assert_eq!(x.is_subset(&y), a.is_subset(&b));
        assert_eq!(x.is_superset(&y), a.is_superset(&b));
        assert_eq!(x.is_disjoint(&y), a.is_disjoint(&b));
        assert_eq!(x == y, a == b);
        // Each element once, in every lazy operation.
        assert_eq!(x.union(&y).count(), a.union(&b).count());
        assert_eq!(
            x.symmetric_difference(&y).count(),
            a.symmetric_difference(&b).count()
        );
    }
}

#[test]
fn std_traits() {
    let a = HashSet::from([1u64, 2, 3]);
    let b: HashSet<u64> = [3u64, 2, 1, 1].into_iter().collect();
    assert_eq!(a, b);
    let mut c = b.clone();
    c.insert(4);
    assert_ne!(a, c);
    let mut d: HashSet<u64> = HashSet::default();
    d.extend(&[1, 2]);
    d.extend([3]);
    assert_eq!(d, a);
    assert_eq!(format!("{:?}", HashSet::from([7])), "{7}");
    assert_eq!(sorted((&a).into_iter()), [1, 2, 3]);
    let mut owned: Vec<u64> = a.clone().into_iter().collect();
    owned.sort_unstable();
    assert_eq!(owned, [1, 2, 3]);
    assert_eq!(a.iter().len(), 3);
    let empty: map_core::set::Iter<'_, u64> = Default::default();
    assert_eq!(empty.count(), 0);
    let empty: map_core::set::IntoIter<u64> = Default::default();
    assert_eq!(empty.count(), 0);
    assert!(format!("{:?}", a.union(&c)).starts_with('['));
}

#[test]
fn string_elements_are_found_by_str() {
    let mut set: HashSet<String> = HashSet::new();
    set.insert("apple".to_string());
    assert!(set.contains("apple"));
    assert_eq!(set.get("apple").map(String::as_str), Some("apple"));
    assert_eq!(set.take("apple").as_deref(), Some("apple"));
    assert!(!set.remove("apple"));
}

#[test]
fn serde_round_trip() {
    let set: HashSet<u32> = (0..100).collect();
    let json = serde_json::to_string(&set).unwrap();
    assert!(json.starts_with('['), "a sequence: {json}");
    let back: HashSet<u32> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, set);
    // Deserializing sets no capacity floor: emptying gives the table back.
    let big: HashSet<u32> = (0..10_000).collect();
    let mut back: HashSet<u32> =
        serde_json::from_str(&serde_json::to_string(&big).unwrap()).unwrap();
    let full = back.memory().allocated_bytes;
    back.retain(|_| false);
    assert!(back.memory().allocated_bytes * 100 <= full);
}
