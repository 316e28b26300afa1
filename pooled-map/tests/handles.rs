//! Handles: O(1) access, and never the wrong entry, through removal, slot
//! reuse, reclamation, clones and other maps.

use std::collections::HashMap as StdHashMap;

use map_conformance::{seeds, Rng};
use pooled_map::{EntryHandle, HandleMap};
use pooled_map::{Handle, PooledMap, ReclaimPolicy};

#[test]
fn a_removed_entry_s_handle_is_stale_even_after_its_slot_is_reused() {
    let mut map = PooledMap::new();
    let (a, old) = map.insert_with_handle("a", 1);
    assert_eq!(old, None);
    assert_eq!(map.get_by_handle(a), Some(&1));
    assert_eq!(map.remove("a"), Some(1));
    assert_eq!(map.get_by_handle(a), None);

    let (b, _) = map.insert_with_handle("b", 2);
    assert_eq!(b.slot(), a.slot(), "the vacant slot is reused");
    assert_ne!(a, b);
    assert_eq!(map.get_by_handle(a), None);
    assert_eq!(map.get_mut_by_handle(a), None);
    assert_eq!(map.remove_by_handle(a), None);
    assert!(!map.contains_handle(a));
    assert_eq!(map.get_key_value_by_handle(b), Some((&"b", &2)));
    assert_eq!(map.len(), 1);
}

#[test]
fn remove_by_handle_removes_once() {
    let mut map = PooledMap::new();
    let (h, _) = map.insert_with_handle(7u64, "seven".to_string());
    map.insert(8, "eight".to_string());
    assert_eq!(
        map.remove_entry_by_handle(h),
        Some((7, "seven".to_string()))
    );
    assert_eq!(map.remove_by_handle(h), None);
    assert!(!map.contains_key(&7));
    assert_eq!(map.len(), 1);
    assert_eq!(map[&8], "eight");
}

#[test]
fn overwriting_a_key_keeps_its_handle() {
    let mut map = PooledMap::new();
    let (h, _) = map.insert_with_handle(1u32, 10u32);
    let (h2, old) = map.insert_with_handle(1, 11);
    assert_eq!((h2, old), (h, Some(10)));
    map.insert(1, 12);
    assert_eq!(map[h], 12);
    map[h] += 1;
    assert_eq!(map.get(&1), Some(&13));
    assert_eq!(map.handle_of(&1), Some(h));
    match map.entry(1) {
        pooled_map::Entry::Occupied(e) => assert_eq!(e.handle(), h),
        pooled_map::Entry::Vacant(_) => unreachable!(),
    }
}

#[test]
fn handles_survive_growth() {
    let mut map = PooledMap::new();
    let handles: Vec<Handle> = (0..10_000u64)
        .map(|i| map.insert_with_handle(i, i * 3).0)
        .collect();
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(map.get_by_handle(*h), Some(&(i as u64 * 3)));
    }
    assert_eq!(map.reclaim_epoch(), 0);
}

#[test]
fn reclamation_moves_only_entries_no_handle_was_handed_out_for() {
    let mut map = PooledMap::with_policy(ReclaimPolicy::manual());
    // Handles for the entries in slots 0..50 and 95..100; none for the rest.
    let mut handles = Vec::new();
    for i in 0..100u32 {
        if !(50..95).contains(&i) {
            handles.push((i, map.insert_with_handle(i, i).0));
        } else {
            map.insert(i, i);
        }
    }
    // Vacate slots 50..60: the entries in slots 90..95 move there, those in
    // 95..100 keep their slots (and so the pool its length).
    for i in 50..60 {
        map.remove(&i);
    }
    let epoch = map.reclaim_epoch();
    map.reclaim();
    assert_eq!(map.reclaim_epoch(), epoch + 1);
    for (i, h) in &handles {
        assert_eq!(
            map.get_by_handle(*h),
            Some(i),
            "{i}: its handle stays valid"
        );
    }
    for i in 90..95u32 {
        let now = map.handle_of(&i).unwrap();
        assert!((50..60).contains(&now.slot()), "{i} moved down");
    }
    for i in 60..90u32 {
        assert_eq!(
            map.handle_of(&i).unwrap().slot(),
            i as usize,
            "{i} did not move"
        );
    }
    // Nothing left to move: the epoch stays.
    map.reclaim();
    assert_eq!(map.reclaim_epoch(), epoch + 1);
    // reclaim_with moves the pinned ones too, and says so.
    let mut moved = 0;
    map.reclaim_with(|_, _, _| moved += 1);
    assert_eq!(moved, 5);
    assert_eq!(map.memory().allocated_bytes, {
        let mut fresh = PooledMap::with_policy(ReclaimPolicy::manual());
        fresh.reserve(map.len());
        for (k, v) in map.iter() {
            fresh.insert(*k, *v);
        }
        fresh.shrink_to_fit();
        fresh.memory().allocated_bytes
    });
}

#[test]
fn handles_stay_valid_under_the_default_policy() {
    let mut map = PooledMap::new();
    let handles: Vec<(u64, Handle)> = (0..1000u64)
        .map(|i| (i, map.insert_with_handle(i, i).0))
        .collect();
    for i in 0..900 {
        map.remove(&i);
    }
    map.insert(5000, 0);
    // 20,000 churn operations (plain inserts and removals, no handles).
    for i in 0..10_000u64 {
        map.insert(10_000 + i, i);
        if i >= 50 {
            map.remove(&(10_000 + i - 50));
        }
    }
    let valid = handles[900..]
        .iter()
        .filter(|(k, h)| map.get_by_handle(*h) == Some(k))
        .count();
    assert_eq!(valid, 100, "100 of 100 handles of live entries valid");
    assert!(map.memory().reclaims > 0, "memory was given back meanwhile");
}

#[test]
fn reclaim_with_reports_every_move() {
    let mut map = PooledMap::with_policy(ReclaimPolicy::manual());
    let mut handles: StdHashMap<u64, Handle> = (0..1000u64)
        .map(|i| (i, map.insert_with_handle(i, i + 1).0))
        .collect();
    let mut rng = Rng::new(7);
    for _ in 0..700 {
        let key = rng.below(1000);
        if let Some(h) = handles.remove(&key) {
            assert_eq!(map.remove_by_handle(h), Some(key + 1));
        }
    }
    let mut moves = 0;
    map.reclaim_with(|key, old, new| {
        moves += 1;
        assert_eq!(handles.insert(*key, new), Some(old));
    });
    assert!(moves > 0);
    assert_eq!(map.len(), handles.len());
    for (key, h) in &handles {
        assert_eq!(map.get_key_value_by_handle(*h), Some((key, &(key + 1))));
        assert!(h.slot() < map.len(), "compacted below the live count");
    }
}

/// A map of `n` entries inserted by key (no handle handed out), whose lower
/// half was removed and whose upper half `reclaim_with` then moved down:
/// every live entry has a handle, from `reclaim_with` only.
fn moved_by_reclaim_with(
    policy: ReclaimPolicy,
    n: u64,
) -> (PooledMap<u64, u64>, StdHashMap<u64, Handle>) {
    let mut map = PooledMap::with_policy(policy);
    for i in 0..n {
        map.insert(i, i * 7);
    }
    map.retain(|k, _| *k >= n / 2);
    let mut handles = StdHashMap::new();
    map.reclaim_with(|key, _old, new| {
        assert!(handles.insert(*key, new).is_none(), "one move per entry");
    });
    assert_eq!(handles.len(), map.len(), "every entry moved down");
    for (key, h) in &handles {
        assert_eq!(map.get_by_handle(*h), Some(&(key * 7)));
    }
    (map, handles)
}

/// Removes by handle the entries in the lowest slots until `keep` are left:
/// those then sit above the live count, where reclamation moves entries no
/// handle was handed out for.
fn remove_lowest(
    map: &mut PooledMap<u64, u64>,
    handles: &mut StdHashMap<u64, Handle>,
    keep: usize,
) {
    let mut by_slot: Vec<(u64, Handle)> = handles.iter().map(|(k, h)| (*k, *h)).collect();
    by_slot.sort_by_key(|(_, h)| h.slot());
    for (key, h) in &by_slot[..by_slot.len() - keep] {
        assert_eq!(
            map.remove_by_handle(*h),
            Some(key * 7),
            "the handle reclaim_with handed out for key {key} went stale before its removal"
        );
        handles.remove(key);
    }
    assert!(handles.values().all(|h| h.slot() >= map.len()));
}

fn assert_handles_valid(map: &PooledMap<u64, u64>, handles: &StdHashMap<u64, Handle>, when: &str) {
    for (key, h) in handles {
        assert_eq!(
            map.get_key_value_by_handle(*h),
            Some((key, &(key * 7))),
            "{when}: the handle reclaim_with handed out for key {key} went stale \
             while its entry is still in the map"
        );
    }
}

/// The handles `reclaim_with` hands out for entries that had none before are
/// handles like any other: a later `reclaim()`, an automatic shrink, the
/// removal of other entries or a refill must not move those entries again.
#[test]
fn handles_from_reclaim_with_survive_later_reclamation() {
    // An explicit reclaim().
    let (mut map, mut handles) = moved_by_reclaim_with(ReclaimPolicy::manual(), 200);
    remove_lowest(&mut map, &mut handles, 50);
    map.reclaim();
    assert_handles_valid(&map, &handles, "after reclaim()");
    map.shrink_to(0);
    assert_handles_valid(&map, &handles, "after shrink_to(0)");

    // The automatic policy: a drain to 1/20 full shrinks the map, during
    // the removals or at the next insert (as the drain ratio decides).
    let (mut map, mut handles) = moved_by_reclaim_with(ReclaimPolicy::default(), 2000);
    let reclaims = map.memory().reclaims;
    remove_lowest(&mut map, &mut handles, 50);
    map.insert(u64::MAX, 0);
    assert!(
        map.memory().reclaims > reclaims,
        "the policy shrank the map"
    );
    assert_handles_valid(&map, &handles, "after an automatic shrink");

    // Churn by key around them, then a clear of the others by retain.
    for i in 0..20_000u64 {
        map.insert(100_000 + i, i);
        if i >= 10 {
            map.remove(&(100_000 + i - 10));
        }
    }
    assert_handles_valid(&map, &handles, "after churn");
    map.retain(|k, _| handles.contains_key(k));
    map.reclaim();
    assert_eq!(map.len(), handles.len());
    assert_handles_valid(&map, &handles, "after retain and reclaim()");

    // A second reclaim_with reports no move of entries it cannot move, and
    // the handles it reports are valid in turn.
    map.reclaim_with(|key, old, new| {
        assert_eq!(handles.insert(*key, new), Some(old));
    });
    assert_handles_valid(&map, &handles, "after a second reclaim_with");
    map.reclaim();
    assert_handles_valid(&map, &handles, "after reclaim() again");
}

#[test]
fn handles_never_reach_another_map_s_entries() {
    let mut a = PooledMap::new();
    let mut b = PooledMap::new();
    let ha = a.insert_with_handle(1u8, 'a').0;
    let hb = b.insert_with_handle(1u8, 'b').0;
    assert_eq!(ha.slot(), hb.slot());
    assert_eq!(a.get_by_handle(hb), None);
    assert_eq!(b.get_by_handle(ha), None);
}

#[test]
fn a_clone_honours_the_original_s_handles_until_entries_diverge() {
    let mut original = PooledMap::new();
    let h = original.insert_with_handle(1u32, 'x').0;
    let mut copy = original.clone();
    assert_eq!(copy.get_by_handle(h), Some(&'x'));
    // Both replace the entry in the same slot; the new stamps differ.
    original.remove(&1);
    copy.remove(&1);
    let ho = original.insert_with_handle(2, 'o').0;
    let hc = copy.insert_with_handle(2, 'c').0;
    assert_eq!(ho.slot(), hc.slot());
    assert_ne!(ho, hc);
    assert_eq!(copy.get_by_handle(ho), None);
    assert_eq!(original.get_by_handle(hc), None);
    assert_eq!(copy.get_by_handle(h), None);
}

/// An entry takes its stamp with its first handle: a clone made before
/// that shares no handle with the original for it.
#[test]
fn handles_handed_out_after_a_clone_reach_only_their_own_map() {
    let mut original = PooledMap::new();
    original.insert(1u32, 'x');
    let copy = original.clone();
    let ho = original.handle_of(&1).unwrap();
    let hc = copy.handle_of(&1).unwrap();
    assert_eq!(ho.slot(), hc.slot());
    assert_ne!(ho, hc);
    assert_eq!(copy.get_by_handle(ho), None);
    assert_eq!(original.get_by_handle(hc), None);
    assert_eq!(
        original.handle_of(&1),
        Some(ho),
        "the entry keeps its stamp"
    );
    assert_eq!(copy.handle_of(&1), Some(hc));
}

/// Threads asking a shared map for the handle of an entry that has none
/// yet all get the same one.
#[test]
fn threads_stamping_one_entry_at_once_agree_on_its_handle() {
    let mut map = PooledMap::new();
    for i in 0..64u64 {
        map.insert(i, i);
    }
    let map = &map;
    let seen: Vec<Vec<Handle>> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..4)
            .map(|_| scope.spawn(move || (0..64u64).map(|i| map.handle_of(&i).unwrap()).collect()))
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for handles in &seen[1..] {
        assert_eq!(handles, &seen[0]);
    }
    for (i, &h) in seen[0].iter().enumerate() {
        assert_eq!(map.get_by_handle(h), Some(&(i as u64)));
    }
}

#[test]
fn handles_iterator_and_entry_handles_agree() {
    let mut map = PooledMap::new();
    let h = map.entry("k").insert_entry(5).handle();
    map.insert("j", 6);
    let listed: Vec<_> = map.handles().collect();
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&(h, &"k", &5)));
    for (handle, key, _) in listed {
        assert_eq!(map.handle_of(key), Some(handle));
    }
}

#[test]
#[should_panic(expected = "stale handle")]
fn indexing_with_a_stale_handle_panics() {
    let mut map = PooledMap::new();
    let h = map.insert_with_handle(1, 1).0;
    map.remove(&1);
    let _ = map[h];
}

/// Random operations by key and by handle, checked against a model, with
/// every handle ever issued probed at every step: each answers `None` or
/// exactly its own entry, and is live exactly while its entry is. Some
/// inserts take no handle, so reclamation has entries it may move; the
/// handles `reclaim_with` reports replace the moved entries' handles.
fn random_handles(policy: ReclaimPolicy, seed: u64, ops: usize) -> u64 {
    let mut rng = Rng::new(seed);
    let mut map: PooledMap<u64, u64> = PooledMap::with_policy(policy);
    // key -> (value, the handle handed out for it, if any)
    let mut model: StdHashMap<u64, (u64, Option<Handle>)> = StdHashMap::new();
    let mut issued: Vec<(Handle, u64)> = Vec::new();
    for i in 0..ops {
        let range = 8u64 << ((i / 3000) % 9);
        let key = rng.below(range);
        let ctx = format!("seed {seed}, op {i}");
        match rng.below(100) {
            0 => {
                map.clear();
                model.clear();
            }
            1 if rng.below(2) == 0 => {
                map.reclaim();
            }
            1 => {
                // Every entry it moves gets a new handle, which from then
                // on is that entry's handle like any other.
                map.reclaim_with(|k, old, new| {
                    let Some((_, mh)) = model.get_mut(k) else {
                        panic!("{ctx}: reclaim_with moved key {k}, not in the map");
                    };
                    if let Some(mh) = mh {
                        assert_eq!(*mh, old, "{ctx}: reclaim_with's old handle of key {k}");
                    }
                    *mh = Some(new);
                    issued.push((new, *k));
                });
            }
            2..=25 => {
                let value = rng.next_u64();
                let (h, old) = map.insert_with_handle(key, value);
                let prev = model.insert(key, (value, Some(h)));
                assert_eq!(old, prev.map(|(v, _)| v), "{ctx}: insert");
                if let Some((_, Some(ph))) = prev {
                    assert_eq!(ph, h, "{ctx}: overwrite keeps the handle");
                }
                issued.push((h, key));
            }
            26..=45 => {
                let value = rng.next_u64();
                let prev = model.get(&key).copied();
                assert_eq!(map.insert(key, value), prev.map(|(v, _)| v), "{ctx}");
                model.insert(key, (value, prev.and_then(|(_, h)| h)));
            }
            46..=70 => {
                assert_eq!(
                    map.remove(&key),
                    model.remove(&key).map(|(v, _)| v),
                    "{ctx}: remove"
                );
            }
            71..=90 if !issued.is_empty() => {
                let (h, k) = issued[rng.below(issued.len() as u64) as usize];
                let live = model.get(&k).is_some_and(|(_, mh)| *mh == Some(h));
                let removed = map.remove_by_handle(h);
                if live {
                    assert_eq!(removed, model.remove(&k).map(|(v, _)| v), "{ctx}");
                } else {
                    assert_eq!(removed, None, "{ctx}: stale handle removed something");
                }
            }
            _ => {
                if let Some((v, Some(h))) = model.get_mut(&key) {
                    let got = map.get_mut_by_handle(*h).expect("live handle");
                    assert_eq!(*got, *v, "{ctx}: get_mut_by_handle");
                    *got = got.wrapping_add(1);
                    *v = v.wrapping_add(1);
                }
            }
        }
        assert_eq!(map.len(), model.len(), "{ctx}: len");
        if i % 64 == 0 || i + 1 == ops {
            for &(h, k) in &issued {
                let live = model.get(&k).filter(|(_, mh)| *mh == Some(h));
                assert_eq!(
                    map.get_key_value_by_handle(h),
                    live.map(|(v, _)| (&k, v)),
                    "{ctx}: handle {h:?} of key {k}"
                );
            }
        }
        if issued.len() > 4096 {
            issued.drain(..2048);
        }
    }
    map.reclaim_epoch()
}

#[test]
fn random_handles_automatic_policy() {
    for seed in seeds(2) {
        let moved = random_handles(ReclaimPolicy::default(), seed, 20_000);
        assert!(moved > 0, "seed {seed}: no reclamation moved an entry");
    }
}

#[test]
fn random_handles_eager_policy() {
    let eager = ReclaimPolicy::builder()
        .shrink_ratio(3.2)
        .headroom(1.25)
        .drain_ratio(3.2)
        .min_capacity(1)
        .build()
        .unwrap();
    for seed in seeds(2) {
        let moved = random_handles(eager, seed, 20_000);
        assert!(moved > 0, "seed {seed}: no reclamation moved an entry");
    }
}

/// Seeded waves of growth and drain (so that the live count falls below
/// the slots of entries that got their handle from `reclaim_with`) mixing
/// inserts with and without handles, `handle_of`, removals by key and by
/// handle, `retain`, `reclaim`, `reclaim_with`, `shrink_to` and the policy's
/// own shrinks. After every reclamation, and every few operations, each
/// handle of a live entry must reach exactly that entry.
fn handle_waves(policy: ReclaimPolicy, seed: u64, ops: usize) -> usize {
    let mut rng = Rng::new(seed);
    let mut map: PooledMap<u64, u64> = PooledMap::with_policy(policy);
    // key -> (value, its handle if one was handed out)
    let mut model: StdHashMap<u64, (u64, Option<Handle>)> = StdHashMap::new();
    let mut target = 0usize;
    let mut moved_by_reclaim_with = 0;
    for i in 0..ops {
        if i % 500 == 0 {
            target = [0, 4, 60, 300, 1500][rng.below(5) as usize];
        }
        let ctx = format!("seed {seed}, op {i}, {policy:?}");
        let grow = map.len() < target;
        let mut check = i % 32 == 0;
        match rng.below(100) {
            0..=39 if grow => {
                let key = rng.next_u64() >> 1;
                let value = rng.next_u64();
                if rng.below(4) == 0 {
                    let (h, old) = map.insert_with_handle(key, value);
                    assert_eq!(old, None, "{ctx}");
                    model.insert(key, (value, Some(h)));
                } else {
                    assert_eq!(map.insert(key, value), None, "{ctx}");
                    model.insert(key, (value, None));
                }
            }
            0..=39 => {
                // Remove some entry: by handle if it has one, else by key.
                if let Some(&key) = model
                    .keys()
                    .nth(rng.below(model.len().max(1) as u64) as usize)
                {
                    let (value, h) = model.remove(&key).unwrap();
                    let got = match h {
                        Some(h) if rng.below(2) == 0 => map.remove_by_handle(h),
                        _ => map.remove(&key),
                    };
                    assert_eq!(got, Some(value), "{ctx}: remove {key}");
                }
            }
            40..=44 => {
                if let Some(&key) = model
                    .keys()
                    .nth(rng.below(model.len().max(1) as u64) as usize)
                {
                    let h = map.handle_of(&key).expect("present key");
                    let mh = &mut model.get_mut(&key).unwrap().1;
                    assert_eq!(*mh.get_or_insert(h), h, "{ctx}: handle_of {key}");
                }
            }
            45..=47 => {
                map.reclaim();
                check = true;
            }
            48..=51 => {
                map.reclaim_with(|k, old, new| {
                    let Some((_, mh)) = model.get_mut(k) else {
                        panic!("{ctx}: reclaim_with moved key {k}, not in the map");
                    };
                    if let Some(mh) = mh {
                        assert_eq!(*mh, old, "{ctx}: old handle of key {k}");
                    }
                    *mh = Some(new);
                    moved_by_reclaim_with += 1;
                });
                check = true;
            }
            52 => {
                map.shrink_to(rng.below(64) as usize);
                check = true;
            }
            53 => {
                let cut = rng.next_u64();
                map.retain(|k, _| *k < cut);
                model.retain(|k, _| *k < cut);
                check = true;
            }
            54 if rng.below(8) == 0 => {
                map.clear();
                model.clear();
            }
            _ => {
                // Reach an entry through its handle, if it has one.
                if let Some((&key, &(_, Some(h)))) = model
                    .iter()
                    .nth(rng.below(model.len().max(1) as u64) as usize)
                {
                    let got = map.get_mut_by_handle(h);
                    assert!(got.is_some(), "{ctx}: the handle of key {key} went stale");
                    let v = got.unwrap();
                    *v = v.wrapping_add(1);
                    model.get_mut(&key).unwrap().0 = *v;
                }
            }
        }
        assert_eq!(map.len(), model.len(), "{ctx}: len");
        if check || i + 1 == ops {
            for (key, (value, h)) in &model {
                assert_eq!(map.get(key), Some(value), "{ctx}: key {key}");
                if let Some(h) = h {
                    assert_eq!(
                        map.get_key_value_by_handle(*h),
                        Some((key, value)),
                        "{ctx}: the handle of key {key} went stale while its entry is in the map"
                    );
                }
            }
        }
    }
    moved_by_reclaim_with
}

#[test]
fn handle_waves_with_reclaim_with() {
    let eager = ReclaimPolicy::builder()
        .shrink_ratio(3.2)
        .headroom(1.25)
        .drain_ratio(3.2)
        .min_capacity(1)
        .build()
        .unwrap();
    for seed in seeds(2) {
        for policy in [ReclaimPolicy::default(), ReclaimPolicy::manual(), eager] {
            let moved = handle_waves(policy, seed, 20_000);
            assert!(moved > 0, "seed {seed}: reclaim_with never moved an entry");
        }
    }
}
