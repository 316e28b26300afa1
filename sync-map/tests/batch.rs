//! `SyncMap::write`: a batch of writes published at once. Readers see the
//! map before or after a batch, never in between; batches agree with a
//! sequential model; a panicking batch changes nothing; a cleared and
//! refilled map reuses its tables.

use std::collections::HashMap as StdHashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

use map_conformance::alloc::Counter;
use map_conformance::{DropLedger, Rng, Tracked};
use sync_map::SyncMap;

map_conformance::install_counting_allocator!();

#[test]
fn batches_agree_with_a_model() {
    for seed in map_conformance::seeds(2) {
        let mut rng = Rng::new(seed);
        let map: SyncMap<u64, u64> = SyncMap::new();
        let mut model: StdHashMap<u64, u64> = StdHashMap::new();
        for round in 0..300 {
            let ctx = format!("seed {seed}, round {round}");
            map.write(|w| {
                for _ in 0..rng.below(20) {
                    let key = rng.below(64);
                    match rng.below(10) {
                        0..=4 => {
                            let replaced = w.insert(key, round);
                            assert_eq!(replaced, model.insert(key, round).is_some(), "{ctx}");
                        }
                        5..=7 => assert_eq!(w.remove(&key), model.remove(&key).is_some(), "{ctx}"),
                        8 => {
                            w.retain(|k, _| k % 3 != round % 3);
                            model.retain(|k, _| k % 3 != round % 3);
                        }
                        _ if rng.below(4) == 0 => {
                            w.clear();
                            model.clear();
                        }
                        _ => {}
                    }
                    assert_eq!(w.get(&key), model.get(&key), "{ctx}");
                    assert_eq!(w.len(), model.len(), "{ctx}");
                }
            });
            assert_eq!(map.len(), model.len(), "{ctx}");
            for (k, v) in &model {
                assert_eq!(map.get(k), Some(*v), "{ctx}");
            }
            // Both copies agree: a single write after the batch goes to the
            // other copy first.
            map.insert(1_000, round);
            assert_eq!(map.remove(&1_000), Some(round));
            assert_eq!(map.len(), model.len(), "{ctx}");
        }
    }
}

#[test]
fn readers_see_a_batch_whole_or_not_at_all() {
    let map: SyncMap<u64, u64> = (0..256).map(|k| (k, 0)).collect();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let reader = map.reader();
                while !stop.load(Ordering::Relaxed) {
                    reader.enter(|view| {
                        let round = *view.get(&0).unwrap();
                        assert_eq!(view.len(), 256);
                        assert!(view.iter().all(|(_, v)| *v == round), "a torn batch");
                    });
                    // The map's own reads are sections too: one of them
                    // sees one version.
                    map.for_each(|_, _| {});
                }
            });
        }
        for round in 1..=200 {
            map.write(|w| {
                w.clear();
                w.extend((0..256).map(|k| (k, round)));
            });
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!((0..256).all(|k| map.get(&k) == Some(200)));
}

#[test]
fn a_panicking_batch_changes_nothing() {
    let ledger = DropLedger::new();
    {
        let map: SyncMap<u64, Tracked> = SyncMap::new();
        // Tracked is not Sync: keep to one thread; SyncMap only needs it
        // for sharing.
        for i in 0..10 {
            map.insert(i, Tracked::new(i, &ledger));
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            map.write(|w| {
                w.remove(&1);
                w.insert(20, Tracked::new(20, &ledger));
                w.clear();
                panic!("half way");
            })
        }));
        assert!(result.is_err());
        assert_eq!(map.len(), 10);
        assert!(map.contains_key(&1) && !map.contains_key(&20));
        map.write(|w| {
            w.remove(&2);
            w.insert(30, Tracked::new(30, &ledger));
        });
        assert_eq!(map.len(), 10);
        assert!(!map.contains_key(&2) && map.contains_key(&30));
    }
    assert_eq!(ledger.alive(), 0, "a value leaked or was dropped twice");
}

#[test]
fn extend_through_the_trait_and_by_reference() {
    fn fill<E: Extend<(u64, u64)>>(into: &mut E) {
        into.extend((0..100).map(|k| (k, k)));
    }
    let mut map: SyncMap<u64, u64> = SyncMap::new();
    fill(&mut map);
    assert_eq!(map.len(), 100);
    let shared = &map;
    shared.extend((100..200).map(|k| (k, k)));
    assert_eq!(map.len(), 200);
    assert_eq!(map.get(&150), Some(150));
}

/// Clear-and-refill through one batch: after warm-up, at most 2 allocator
/// calls a round.
#[test]
fn clear_and_refill_reuses_the_tables() {
    let map: SyncMap<u64, u64> = SyncMap::new();
    let refill = |round: u64| {
        map.write(|w| {
            w.clear();
            w.extend((0..1_000).map(|k| (k, k ^ round)));
        })
    };
    for round in 0..3 {
        refill(round);
    }
    let counter = Counter::start();
    for round in 0..100 {
        refill(round);
    }
    let calls = counter.calls();
    assert!(calls <= 200, "{calls} allocator calls in 100 rounds");
    assert_eq!(map.len(), 1_000);
    // A batch that clears and leaves the map empty gives the tables back.
    map.write(|w| w.clear());
    assert!(map.memory().allocated_bytes < 4_096, "{:?}", map.memory());
}
