//! The std API of `SplitMap` against std's `HashMap`, on random operations
//! over key ranges that grow past many tables and shrink back, so splits,
//! merges and the directory's doubling and halving all happen under every
//! method.

use std::collections::HashMap;

use map_conformance::Rng;
use map_core::ReclaimPolicy;
use split_map::{Entry, SplitMap};

fn same(map: &SplitMap<u64, u64>, model: &HashMap<u64, u64>, context: &str) {
    assert_eq!(map.len(), model.len(), "{context}: len");
    let got: HashMap<u64, u64> = map.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(&got, model, "{context}: entries");
    assert_eq!(map.keys().count(), model.len(), "{context}: keys");
    assert_eq!(map.iter().len(), model.len(), "{context}: iter len");
}

fn run(seed: u64, ops: usize) {
    let mut rng = Rng::new(seed);
    let mut map: SplitMap<u64, u64> = SplitMap::new();
    let mut model: HashMap<u64, u64> = HashMap::new();
    for i in 0..ops {
        // Waves: the key range grows to 100,000 and shrinks back.
        let shift = [0, 2, 4, 6, 7, 5, 3, 1][(i / 12_500) % 8];
        let range = (1_000u64 << shift).min(100_000);
        let key = rng.below(range);
        let context = format!("seed {seed}, op {i}");
        match rng.below(1000) {
            0 => {
                map.clear();
                model.clear();
            }
            1 => {
                let mut drained: Vec<_> = map.drain().collect();
                let mut expected: Vec<_> = model.drain().collect();
                drained.sort_unstable();
                expected.sort_unstable();
                assert_eq!(drained, expected, "{context}: drain");
            }
            2..=3 => {
                let m = rng.below(7) + 2;
                map.retain(|k, v| {
                    *v += 1;
                    k % m != 0
                });
                model.retain(|k, v| {
                    *v += 1;
                    k % m != 0
                });
            }
            4 => {
                map.reclaim();
            }
            5 => {
                let n = rng.below(50_000) as usize;
                map.reserve(n);
                assert!(map.capacity() >= map.len() + n, "{context}: reserve");
            }
            6 => {
                map.shrink_to(rng.below(20_000) as usize);
            }
            7 => {
                let policy = if rng.below(2) == 0 {
                    ReclaimPolicy::manual()
                } else {
                    ReclaimPolicy::automatic()
                };
                map.set_policy(policy);
            }
            8 => {
                same(&map, &model, &context);
            }
            9 => {
                for (k, v) in map.iter_mut() {
                    *v ^= k;
                }
                for (k, v) in model.iter_mut() {
                    *v ^= k;
                }
            }
            10..=40 => {
                let extra: Vec<(u64, u64)> = (0..rng.below(500))
                    .map(|_| (rng.below(range), rng.next_u64()))
                    .collect();
                map.extend(extra.iter().copied());
                model.extend(extra);
            }
            41..=250 => {
                let v = rng.next_u64();
                match map.entry(key) {
                    Entry::Occupied(mut e) => {
                        assert_eq!(Some(e.get()), model.get(&key), "{context}: occupied");
                        if v % 3 == 0 {
                            assert_eq!(e.remove(), model.remove(&key).unwrap(), "{context}");
                        } else {
                            e.insert(v);
                            model.insert(key, v);
                        }
                    }
                    Entry::Vacant(e) => {
                        assert!(!model.contains_key(&key), "{context}: vacant");
                        assert_eq!(*e.insert(v), v);
                        model.insert(key, v);
                    }
                }
            }
            251..=550 => {
                let v = rng.next_u64();
                assert_eq!(
                    map.insert(key, v),
                    model.insert(key, v),
                    "{context}: insert"
                );
            }
            551..=800 => {
                assert_eq!(
                    map.remove_entry(&key),
                    model.remove_entry(&key),
                    "{context}: remove"
                );
            }
            _ => {
                assert_eq!(map.get(&key), model.get(&key), "{context}: get");
                if let Some(v) = map.get_mut(&key) {
                    *v = v.wrapping_add(1);
                    *model.get_mut(&key).unwrap() = *v;
                }
            }
        }
        assert_eq!(map.len(), model.len(), "{context}: len");
    }
    same(&map, &model, "end");
}

#[test]
fn random_operations_match_std() {
    let ops = std::env::var("SPLIT_MAP_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    for seed in 1..=3 {
        run(seed, ops);
    }
}

#[test]
fn many_tables_then_none() {
    let mut map: SplitMap<u64, u64> = (0..200_000).map(|i| (i, i)).collect();
    assert!(map.storage().table_count() >= 16);
    let clone = map.clone();
    assert_eq!(clone, map);
    map.retain(|k, _| k % 1000 == 0);
    assert_eq!(map.len(), 200);
    let fresh: SplitMap<u64, u64> = (0..200).map(|i| (i, i)).collect();
    let (held, small) = (map.memory().allocated_bytes, fresh.memory().allocated_bytes);
    assert!(held <= 3 * small, "{held} bytes held, a fresh map {small}");
    for k in (0..200_000).step_by(1000) {
        assert_eq!(map[&k], k);
    }
    let all: Vec<_> = map.into_iter().collect();
    assert_eq!(all.len(), 200);
}

#[test]
fn a_panicking_retain_leaves_len_true() {
    let mut map: SplitMap<u64, u64> = (0..50_000).map(|i| (i, i)).collect();
    let mut seen = 0;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        map.retain(|k, _| {
            seen += 1;
            assert!(seen < 30_000, "keep panics on purpose");
            k % 2 == 0
        });
    }));
    assert!(result.is_err());
    assert_eq!(map.len(), map.iter().count());
    assert!(map.len() < 50_000 && map.len() > 25_000);
}
