//! std's map API, checked once for every storage: [`check`] drives a
//! [`Map`](map_core::toolkit::Map) over any [`Store`] through the whole API beside std's
//! `HashMap` and fails at the first difference.
//!
//! Every map of the workspace that is a `Map` runs it in one line:
//!
//! ```
//! map_conformance::std_api::check::<map_core::Table<u64, u64>>(0x5eed);
//! ```

use std::collections::HashMap as StdMap;

use map_core::toolkit::map::{Entry, EntryRef};
use map_core::toolkit::{StableStore, Store};
use map_core::TryReserveError;

use crate::test_map::{new_map, TestMap};
use crate::{Rng, Sizes};

/// Asserts that `map` holds exactly what `model` holds, through every read
/// of the API (`len`, `get`, `get_key_value`, `contains_key`, `Index`,
/// `iter`, `keys`, `values`, and their sizes).
fn same<St: Store<u64, u64>>(map: &TestMap<St>, model: &StdMap<u64, u64>, at: &str) {
    assert_eq!(map.len(), model.len(), "{at}: len");
    assert_eq!(map.is_empty(), model.is_empty(), "{at}: is_empty");
    assert!(map.capacity() >= map.len(), "{at}: capacity below len");
    for (k, v) in model {
        assert_eq!(map.get(k), Some(v), "{at}: get({k})");
        assert_eq!(
            map.get_key_value(k),
            Some((k, v)),
            "{at}: get_key_value({k})"
        );
        assert!(map.contains_key(k), "{at}: contains_key({k})");
        assert_eq!(map[k], *v, "{at}: index({k})");
    }
    let iter = map.iter();
    assert_eq!(iter.len(), model.len(), "{at}: iter's exact size");
    let mut seen: Vec<(u64, u64)> = iter.map(|(k, v)| (*k, *v)).collect();
    let mut want: Vec<(u64, u64)> = model.iter().map(|(k, v)| (*k, *v)).collect();
    seen.sort_unstable();
    want.sort_unstable();
    assert_eq!(seen, want, "{at}: iter");
    assert_eq!(map.keys().count(), model.len(), "{at}: keys");
    let sum = |values: &mut dyn Iterator<Item = &u64>| values.fold(0u64, |a, b| a.wrapping_add(*b));
    assert_eq!(
        sum(&mut map.values()),
        sum(&mut model.values()),
        "{at}: values"
    );
}

/// Runs `seed`'s sequence of random operations of std's API on a `Map`
/// over `St` and on std's `HashMap`, comparing results and contents, with
/// up to 100,000 keys.
///
/// # Panics
///
/// At the first difference, naming the operation.
pub fn check<St>(seed: u64)
where
    St: Store<u64, u64> + Clone,
    St::Alloc: Default,
{
    check_up_to::<St>(seed, 100_000);
}

/// [`check`] with at most `max_keys` keys (for a store whose lookups scan).
///
/// # Panics
///
/// At the first difference, naming the operation.
pub fn check_up_to<St>(seed: u64, max_keys: u64)
where
    St: Store<u64, u64> + Clone,
    St::Alloc: Default,
{
    let mut rng = Rng::new(seed);
    let mut map: TestMap<St> = new_map(seed);
    let mut model = StdMap::new();
    // Keys from a range that fills the map, then drains it, then refills:
    // growth, shrinks and reuse all happen (and with 100,000 keys, a store
    // of small tables splits and merges many of them).
    for round in 0..6u64 {
        let range = [64, 4096, 512, 100_000, 16, 2048][round as usize].min(max_keys);
        let ops = (3 * range as usize).min(200_000);
        for _ in 0..ops {
            let k = rng.below(range);
            let v = rng.next_u64();
            let at = format!("seed {seed:#x}, round {round}");
            match rng.below(16) {
                0..=3 => assert_eq!(map.insert(k, v), model.insert(k, v), "{at}: insert"),
                4 => assert_eq!(
                    map.try_insert(k, v).map_err(|e| e.error),
                    Ok(model.insert(k, v)),
                    "{at}: try_insert"
                ),
                5..=6 => assert_eq!(map.remove(&k), model.remove(&k), "{at}: remove"),
                7 => assert_eq!(
                    map.remove_entry(&k),
                    model.remove_entry(&k),
                    "{at}: remove_entry"
                ),
                8 => {
                    *map.entry(k).or_insert(v) += 1;
                    *model.entry(k).or_insert(v) += 1;
                }
                9 => {
                    map.entry(k).and_modify(|x| *x ^= v).or_default();
                    model.entry(k).and_modify(|x| *x ^= v).or_default();
                }
                10 => match (map.entry(k), model.remove(&k)) {
                    (Entry::Occupied(e), Some(old)) => {
                        assert_eq!(*e.key(), k, "{at}: occupied key");
                        assert_eq!(e.remove(), old, "{at}: occupied remove");
                    }
                    (Entry::Vacant(e), None) => {
                        assert_eq!(*e.key(), k, "{at}: vacant key");
                        assert_eq!(*e.insert_entry(v).get(), v, "{at}: insert_entry");
                        model.insert(k, v);
                    }
                    _ => panic!("{at}: entry({k}) disagrees with std"),
                },
                11 => {
                    // Keeps even values, removes odd ones, as one step.
                    let e = map
                        .entry(k)
                        .and_replace_entry_with(|_, old| (old % 2 == 0).then_some(old));
                    if let Some(old) = model.get(&k).copied() {
                        if old % 2 == 1 {
                            model.remove(&k);
                        }
                    }
                    assert_eq!(
                        matches!(e, Entry::Occupied(_)),
                        model.contains_key(&k),
                        "{at}: replace_entry_with"
                    );
                }
                12 if rng.below(2) == 0 => {
                    // A borrowed key: an update when present, nothing
                    // inserted (nor allocated) when absent.
                    match map.entry_ref(&k) {
                        EntryRef::Occupied(mut e) => *e.get_mut() ^= 1,
                        EntryRef::Vacant(e) => assert_eq!(*e.key(), k, "{at}: entry_ref key"),
                    }
                    if let Some(x) = model.get_mut(&k) {
                        *x ^= 1;
                    }
                }
                12 => {
                    if let Some(x) = map.get_mut(&k) {
                        *x = v;
                    }
                    if let Some(x) = model.get_mut(&k) {
                        *x = v;
                    }
                }
                13 => {
                    let m = rng.below(7) + 2;
                    map.retain(|k, v| (k ^ *v) % m != 0);
                    model.retain(|k, v| (k ^ *v) % m != 0);
                }
                14 => {
                    for (_, v) in map.iter_mut() {
                        *v = v.wrapping_add(1);
                    }
                    for v in map.values_mut() {
                        *v = v.wrapping_mul(3);
                    }
                    for v in model.values_mut() {
                        *v = v.wrapping_add(1).wrapping_mul(3);
                    }
                }
                _ => assert_eq!(map.get(&k), model.get(&k), "{at}: get"),
            }
        }
        let at = format!("seed {seed:#x}, after round {round}");
        same(&map, &model, &at);
        bulk(&mut map, &mut model, &mut rng, &at);
        same(&map, &model, &at);
    }
    owned(map, model);
}

/// The bulk operations: `drain`, `clear`, `extend` (owned, by reference,
/// and from `&(K, V)`), `reserve`, `try_reserve`, `shrink_to`,
/// `shrink_to_fit`, `clone` and `==`.
fn bulk<St>(map: &mut TestMap<St>, model: &mut StdMap<u64, u64>, rng: &mut Rng, at: &str)
where
    St: Store<u64, u64> + Clone,
    St::Alloc: Default,
{
    let copy = map.clone();
    same(&copy, model, &format!("{at}: clone"));
    assert!(copy == *map, "{at}: a clone is equal");

    let wanted = map.len() / 2;
    let mut drained: Vec<(u64, u64)> = map.drain().collect();
    assert_eq!(drained.len(), model.len(), "{at}: drain yields every entry");
    assert!(map.is_empty(), "{at}: drain empties");
    drained.sort_unstable();
    let mut want: Vec<(u64, u64)> = model.drain().collect();
    want.sort_unstable();
    assert_eq!(drained, want, "{at}: drain");

    // Back in three ways, as std would take them.
    let (a, rest) = drained.split_at(wanted);
    let (b, c) = rest.split_at(rest.len() / 2);
    map.extend(a.iter().copied());
    map.extend(b.iter().map(|(k, v)| (k, v)));
    map.extend(c.iter());
    model.extend(drained.iter().copied());
    same(map, model, &format!("{at}: extend"));
    assert!(copy == *map, "{at}: refilled equals the clone");

    map.reserve(1000);
    assert!(map.capacity() >= map.len() + 1000, "{at}: reserve");
    assert!(map.try_reserve(10).is_ok(), "{at}: try_reserve");
    assert_eq!(
        map.try_reserve(usize::MAX),
        Err(TryReserveError::CapacityOverflow),
        "{at}: try_reserve(usize::MAX) overflows, as std"
    );
    map.shrink_to(map.len());
    map.shrink_to_fit();
    assert!(map.capacity() >= map.len(), "{at}: shrink_to_fit");

    if rng.below(3) == 0 {
        map.clear();
        model.clear();
        assert!(map.is_empty(), "{at}: clear");
    }
    let collected: TestMap<St> = model.iter().map(|(k, v)| (*k, *v)).collect();
    same(&collected, model, &format!("{at}: from_iter"));
    assert!(!format!("{map:?}").is_empty(), "{at}: Debug");
}

/// The owning iterators.
fn owned<St>(map: TestMap<St>, model: StdMap<u64, u64>)
where
    St: Store<u64, u64> + Clone,
{
    let mut keys: Vec<u64> = map.clone().into_keys().collect();
    let mut want: Vec<u64> = model.keys().copied().collect();
    keys.sort_unstable();
    want.sort_unstable();
    assert_eq!(keys, want, "into_keys");
    let sum: u64 = map.clone().into_values().fold(0, u64::wrapping_add);
    assert_eq!(
        sum,
        model.values().fold(0u64, |a, b| a.wrapping_add(*b)),
        "into_values"
    );
    let into_iter = map.into_iter();
    assert_eq!(into_iter.len(), model.len(), "into_iter's exact size");
    let mut all: Vec<(u64, u64)> = into_iter.collect();
    let mut want: Vec<(u64, u64)> = model.into_iter().collect();
    all.sort_unstable();
    want.sort_unstable();
    assert_eq!(all, want, "into_iter");
}

/// Runs `seed`'s sequence of inserts and removals interleaved with the
/// operations of a [`StableStore`] (`extract_if`, run to the end or dropped
/// part way, and `get_disjoint_mut` / `get_disjoint_key_value_mut` with
/// present, absent and repeated keys) on a `Map` over `St` and on std's
/// `HashMap`, with up to 100,000 keys ([`Sizes::walk_keys`] of
/// [`Sizes::from_env`]: 20,000 with `CONFORMANCE_SIZES=quick`); then checks
/// that an `extract_if` that removes most entries gives memory back
/// ([`an_extract_if_that_removes_most_gives_memory_back`](crate::promises::an_extract_if_that_removes_most_gives_memory_back)).
///
/// # Panics
///
/// At the first difference, naming the operation.
pub fn check_walks<St>(seed: u64)
where
    St: StableStore<u64, u64>,
    St::Alloc: Default,
{
    let mut rng = Rng::new(seed);
    let mut map: TestMap<St> = new_map(seed);
    let mut model = StdMap::new();
    let wide = Sizes::from_env().walk_keys;
    for (round, range) in [64u64, wide, 512, wide / 5, 16].into_iter().enumerate() {
        let at = format!("seed {seed:#x}, round {round}");
        for _ in 0..(3 * range).min(150_000) {
            let k = rng.below(range);
            match rng.below(1000) {
                0..=599 => assert_eq!(map.insert(k, k ^ 1), model.insert(k, k ^ 1), "{at}: insert"),
                600..=979 => assert_eq!(map.remove(&k), model.remove(&k), "{at}: remove"),
                980..=996 => {
                    let keys = [k, rng.below(range), rng.below(range), range + k];
                    let n = 1 + rng.below(4) as usize;
                    disjoint(&mut map, &mut model, &keys[..n], &at);
                }
                _ => {
                    // Every entry whose key is in a random residue class,
                    // all of them or only the first few; values of the
                    // entries kept are changed on the way.
                    let m = rng.below(5) + 2;
                    let limit = if rng.below(2) == 0 {
                        usize::MAX
                    } else {
                        rng.below(50) as usize
                    };
                    let mut taken: Vec<(u64, u64)> = map
                        .extract_if(|k, v| {
                            *v = v.wrapping_add(2);
                            k % m == 0
                        })
                        .take(limit)
                        .collect();
                    // The walk may have passed entries it kept (their
                    // values changed) beyond the last one it took; what it
                    // took is exactly what the model loses.
                    for (k, v) in &taken {
                        assert_eq!(
                            model.remove(k).map(|x| x.wrapping_add(2)),
                            Some(*v),
                            "{at}: extract_if took {k}"
                        );
                    }
                    for (k, v) in map.iter() {
                        let want = model.get_mut(k).expect("a key extract_if kept");
                        if *v != *want {
                            assert_eq!(*v, want.wrapping_add(2), "{at}: extract_if changed {k}");
                            *want = *v;
                        }
                    }
                    if limit == usize::MAX {
                        assert!(
                            map.keys().all(|k| k % m != 0),
                            "{at}: extract_if left a match"
                        );
                    }
                    taken.clear();
                }
            }
        }
        same(&map, &model, &at);
    }
    crate::promises::an_extract_if_that_removes_most_gives_memory_back::<St>();
}

/// `get_disjoint_mut` and `get_disjoint_key_value_mut` over `keys` beside
/// the model, including the panic std gives for a repeated key (std's own
/// `get_disjoint_mut` is newer than the workspace's minimum Rust).
fn disjoint<St: StableStore<u64, u64>>(
    map: &mut TestMap<St>,
    model: &mut StdMap<u64, u64>,
    keys: &[u64],
    at: &str,
) {
    // Two keys that find the same entry: a present key, repeated.
    let overlap =
        (1..keys.len()).any(|i| keys[..i].contains(&keys[i]) && model.contains_key(&keys[i]));
    macro_rules! check {
        ($n:literal) => {{
            let keys: [&u64; $n] = core::array::from_fn(|i| &keys[i]);
            let ours = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                map.get_disjoint_mut(keys)
                    .map(|v| v.map(|v| core::mem::replace(v, v.wrapping_mul(7))))
            }));
            match ours {
                Ok(_) if overlap => panic!("{at}: get_disjoint_mut({keys:?}) lent an entry twice"),
                Ok(old) => {
                    for (key, old) in keys.iter().zip(old) {
                        let want = model
                            .get_mut(*key)
                            .map(|v| core::mem::replace(v, v.wrapping_mul(7)));
                        assert_eq!(old, want, "{at}: get_disjoint_mut({key})");
                    }
                    let pairs = map.get_disjoint_key_value_mut(keys);
                    for (key, pair) in keys.iter().zip(pairs) {
                        assert_eq!(
                            pair.map(|(k, v)| (*k, *v)),
                            model.get_key_value(*key).map(|(k, v)| (*k, *v)),
                            "{at}: get_disjoint_key_value_mut({key})"
                        );
                    }
                }
                Err(_) => assert!(overlap, "{at}: get_disjoint_mut({keys:?}) panicked"),
            }
        }};
    }
    match keys.len() {
        1 => check!(1),
        2 => check!(2),
        3 => check!(3),
        _ => check!(4),
    }
}
