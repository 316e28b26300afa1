//! `ReadHandle` and `ReadHandle::enter`: the same answers as the map's own
//! reads, no clone or drop they should not make, writers that wait for a
//! view held on another thread (and only that long), and a panic instead of
//! a deadlock when a view's own thread writes.

use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use map_conformance::Rng;
use sync_map::SyncMap;

/// A value that counts the copies of itself alive.
#[derive(Debug)]
struct Counted {
    n: u64,
    live: Arc<AtomicIsize>,
}

impl Counted {
    fn new(n: u64, live: &Arc<AtomicIsize>) -> Self {
        live.fetch_add(1, Ordering::Relaxed);
        Counted {
            n,
            live: Arc::clone(live),
        }
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        Counted::new(self.n, &self.live)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let before = self.live.fetch_sub(1, Ordering::Relaxed);
        assert!(before > 0, "a value was dropped twice");
    }
}

#[test]
fn a_handle_reads_what_the_map_reads() {
    let map: SyncMap<u64, u64> = SyncMap::new();
    let reader = map.reader();
    assert!(reader.is_empty());
    let mut rng = Rng::new(map_conformance::seeds(1)[0]);
    for i in 0..2_000 {
        let key = rng.below(64);
        match rng.below(3) {
            0 => {
                map.insert(key, i);
            }
            1 => {
                map.remove(&key);
            }
            _ => {}
        }
        assert_eq!(reader.get(&key), map.get(&key));
        assert_eq!(
            reader.get_with(&key, |v| v + 1),
            map.get(&key).map(|v| v + 1)
        );
        assert_eq!(reader.contains_key(&key), map.contains_key(&key));
        assert_eq!(reader.len(), map.len());
        reader.enter(|view| {
            assert_eq!(view.get(&key).copied(), map.get(&key));
            assert_eq!(view.contains_key(&key), map.contains_key(&key));
            assert_eq!(view.len(), map.len());
            assert_eq!(view.iter().count(), view.len());
            assert_eq!(
                view.get_key_value(&key).map(|(k, _)| *k),
                view.get(&key).map(|_| key)
            );
        });
    }
}

#[test]
fn string_keys_are_found_by_str() {
    let map: SyncMap<String, u32> = SyncMap::new();
    map.insert("a".to_string(), 1);
    let reader = map.reader();
    assert_eq!(reader.get("a"), Some(1));
    assert_eq!(reader.enter(|view| view.get("a").copied()), Some(1));
    assert_eq!(
        format!("{:?}", reader.enter(|view| format!("{view:?}"))),
        "\"{\\\"a\\\": 1}\""
    );
}

#[test]
fn views_and_handles_clone_nothing_and_leak_nothing() {
    let live = Arc::new(AtomicIsize::new(0));
    {
        let map: SyncMap<u64, Counted> = SyncMap::new();
        for i in 0..100 {
            map.insert(i, Counted::new(i, &live));
        }
        // Two copies of each value, one per side of the map.
        assert_eq!(live.load(Ordering::Relaxed), 200);
        let reader = map.reader();
        let sum: u64 =
            reader.enter(|view| (0..100).filter_map(|k| view.get(&k)).map(|v| v.n).sum());
        assert_eq!(sum, 4950);
        assert_eq!(reader.get_with(&7, |v| v.n), Some(7));
        assert_eq!(
            live.load(Ordering::Relaxed),
            200,
            "reads in place clone nothing"
        );
        let got = reader.get(&7).unwrap();
        assert_eq!(live.load(Ordering::Relaxed), 201);
        drop(got);
        for i in 0..50 {
            drop(map.remove(&i));
        }
        assert_eq!(
            live.load(Ordering::Relaxed),
            100,
            "removed values are dropped"
        );
        assert_eq!(reader.len(), 50);
    }
    assert_eq!(live.load(Ordering::Relaxed), 0, "values leaked");
}

#[test]
fn a_writer_waits_for_a_view_held_on_another_thread() {
    let live = Arc::new(AtomicIsize::new(0));
    let map: SyncMap<u64, Counted> = SyncMap::new();
    map.insert(1, Counted::new(10, &live));
    let inside = Barrier::new(2);
    let left = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let reader = map.reader();
            reader.enter(|view| {
                let before = view.get(&1).unwrap();
                inside.wait();
                // The writer removes the key meanwhile; this version keeps
                // it, and the value is not dropped under us.
                std::thread::sleep(Duration::from_millis(100));
                assert_eq!(before.n, 10);
                assert_eq!(view.get(&1).map(|v| v.n), Some(10));
                assert_eq!(view.get(&2).map(|v| v.n), None);
                left.store(true, Ordering::SeqCst);
            });
            // The remove was published before it waited: the next read
            // sees it.
            assert!(reader.get(&1).is_none());
        });
        inside.wait();
        // The write returns only once the view has ended.
        let removed = map.remove(&1).unwrap();
        assert!(
            left.load(Ordering::SeqCst),
            "remove returned while a view held the value"
        );
        assert_eq!(removed.n, 10);
        drop(removed);
        map.insert(2, Counted::new(20, &live));
    });
    assert_eq!(map.reader().get_with(&2, |v| v.n), Some(20));
    map.clear();
    assert_eq!(live.load(Ordering::Relaxed), 0);
}

#[test]
fn many_readers_through_handles_while_writers_run() {
    let map: SyncMap<u64, u64> = (0..64).map(|k| (k, 0)).collect();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let reader = map.reader();
                let mut last = [0u64; 64];
                while !stop.load(Ordering::Relaxed) {
                    reader.enter(|view| {
                        // One version: every key present, values never go back.
                        assert_eq!(view.len(), 64);
                        for (k, seen) in last.iter_mut().enumerate() {
                            let v = *view.get(&(k as u64)).expect("a key vanished");
                            assert!(v >= *seen, "a value went back");
                            *seen = v;
                        }
                    });
                    for k in 0..64 {
                        assert!(reader.get(&k).is_some());
                    }
                }
            });
        }
        let writers: Vec<_> = (0..2u64)
            .map(|t| {
                let map = &map;
                s.spawn(move || {
                    for i in 0..1_000u64 {
                        map.update(&((t * 32 + i) % 64), |v| v + 1);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!((0..64).map(|k| map.get(&k).unwrap()).sum::<u64>(), 2_000);
}

#[test]
fn views_nest_with_the_maps_own_reads() {
    let map: SyncMap<u64, u64> = (0..10).map(|k| (k, k)).collect();
    let reader = map.reader();
    let other = map.reader();
    let total = map
        .get_with(&1, |one| {
            reader.enter(|view| {
                *one + other.enter(|inner| inner.get(&2).copied().unwrap()) + view.get(&3).unwrap()
            })
        })
        .unwrap();
    assert_eq!(total, 6);
    // All sections have ended: writes go through.
    map.insert(11, 11);
    assert_eq!(reader.get(&11), Some(11));
}

/// A thread that has read many maps (some of them dropped since) finds its
/// slot for each map by the map's id: a read section on one map must mark
/// that map's slot, or a writer of the map would not wait for it.
#[test]
fn a_thread_that_read_many_maps_holds_up_the_writer_of_the_one_it_reads() {
    // Maps `0..n`, each holding its number under key 0.
    let numbered = |n: u64| -> Vec<SyncMap<u64, u64>> {
        (0..n)
            .map(|i| {
                let map = SyncMap::new();
                map.insert(0, i);
                map
            })
            .collect()
    };
    let shared = numbered(40);
    let inside = Barrier::new(2);
    let left = AtomicBool::new(false);
    let picks = [0, 17, 39];
    let mut early = Vec::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            // Maps of this thread's own, read once and dropped, between
            // reads of the shared ones: the thread's slots go past a walk's
            // worth, and the sweeps for dropped maps move the rest.
            for round in 0..3u64 {
                let own = numbered(25);
                for (i, map) in own.iter().enumerate() {
                    assert_eq!(map.get(&0), Some(i as u64));
                }
                for (i, map) in shared.iter().enumerate().skip(round as usize) {
                    assert_eq!(map.get(&0), Some(i as u64));
                }
            }
            for pick in picks {
                shared[pick].reader().enter(|view| {
                    assert_eq!(view.get(&0), Some(&(pick as u64)));
                    inside.wait();
                    std::thread::sleep(Duration::from_millis(50));
                    left.store(true, Ordering::SeqCst);
                });
            }
        });
        for pick in picks {
            inside.wait();
            // Returns only once the section on this map has ended (told
            // after the scope: a panic here would leave the reader waiting
            // at the barrier).
            shared[pick].insert(1, 1);
            if !left.swap(false, Ordering::SeqCst) {
                early.push(pick);
            }
        }
    });
    assert!(
        early.is_empty(),
        "writes to maps {early:?} returned while a section read them"
    );
}

#[test]
fn handles_of_exited_threads_are_forgotten() {
    let map: Arc<SyncMap<u64, u64>> = Arc::new(SyncMap::new());
    map.insert(1, 1);
    let read_on_new_thread = |map: &Arc<SyncMap<u64, u64>>| {
        let map = Arc::clone(map);
        std::thread::spawn(move || {
            let reader = map.reader();
            assert_eq!(reader.get(&1), Some(1));
            // A second handle on the same thread shares its slot.
            let again = map.reader();
            assert_eq!(again.enter(|v| v.len()), 1);
        })
        .join()
        .unwrap();
    };
    read_on_new_thread(&map);
    let one_reader = map.memory().allocated_bytes;
    for _ in 0..20 {
        read_on_new_thread(&map);
    }
    map.insert(1, 2);
    map.reclaim();
    assert!(map.memory().allocated_bytes <= one_reader);
}

#[test]
#[should_panic(expected = "read sections")]
fn writing_from_inside_a_view_panics_instead_of_deadlocking() {
    let map: SyncMap<u64, u64> = SyncMap::new();
    map.insert(1, 1);
    let reader = map.reader();
    reader.enter(|_| map.insert(2, 2));
}

#[test]
#[should_panic(expected = "read sections")]
fn writing_from_a_handles_get_with_panics_instead_of_deadlocking() {
    let map: SyncMap<u64, u64> = SyncMap::new();
    map.insert(1, 1);
    let reader = map.reader();
    reader.get_with(&1, |_| map.remove(&1));
}

#[test]
fn a_panic_inside_a_view_ends_the_section() {
    let map: SyncMap<u64, u64> = SyncMap::new();
    map.insert(1, 1);
    let reader = map.reader();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        reader.enter(|_| panic!("inside"));
    }));
    assert!(result.is_err());
    // The section is over: a write neither panics nor waits forever.
    map.insert(1, 2);
    assert_eq!(reader.get(&1), Some(2));
}

/// Runs `on_exit` on a new thread from a thread-local destructor that runs
/// after the map's own thread-locals are gone: it is set up before the
/// thread's first read of `map` (which sets up the map's), and destructors
/// run in the reverse order.
fn after_the_thread_locals(
    map: &Arc<SyncMap<u64, u64>>,
    on_exit: impl FnOnce(Arc<SyncMap<u64, u64>>) + Send + 'static,
) -> std::thread::JoinHandle<()> {
    struct OnExit(Option<Box<dyn FnOnce()>>);

    impl Drop for OnExit {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }

    std::thread_local! {
        static ON_EXIT: std::cell::RefCell<Option<OnExit>> =
            const { std::cell::RefCell::new(None) };
    }

    let map = Arc::clone(map);
    std::thread::spawn(move || {
        let theirs = Arc::clone(&map);
        ON_EXIT.with(|slot| {
            *slot.borrow_mut() = Some(OnExit(Some(Box::new(move || on_exit(theirs)))));
        });
        let _ = map.get(&0);
    })
}

#[test]
fn a_handle_made_after_the_thread_locals_are_gone_still_reads() {
    let map: Arc<SyncMap<u64, u64>> = Arc::new(SyncMap::new());
    map.insert(1, 1);
    after_the_thread_locals(&map, |map| {
        let reader = map.reader();
        assert_eq!(reader.get(&1), Some(1));
        assert_eq!(reader.enter(|view| view.len()), 1);
    })
    .join()
    .unwrap();
    let before = map.memory().allocated_bytes;
    // Every slot of the exited thread has been let go.
    map.insert(1, 1);
    map.reclaim();
    assert!(map.memory().allocated_bytes < before);
}

#[test]
fn reads_after_the_thread_locals_are_gone_each_use_a_slot_of_their_own() {
    let map: Arc<SyncMap<u64, u64>> = Arc::new(SyncMap::new());
    let never_read: SyncMap<u64, u64> = SyncMap::new();
    for m in [&*map, &never_read] {
        m.insert(1, 1);
    }
    after_the_thread_locals(&map, |map| {
        // Every read registers a slot for its one section.
        let read = || {
            assert_eq!(map.get(&1), Some(1));
            // A section inside another, each with a slot of its own.
            assert_eq!(
                map.get_with(&1, |v| map.get(&1).map(|w| v + w)),
                Some(Some(2))
            );
        };
        for _ in 0..10 {
            read();
        }
        let settled = map.memory().allocated_bytes;
        for _ in 0..100 {
            read();
        }
        // Each registration forgets the slots whose section is over: 300
        // more reads hold no more than the first 30.
        assert_eq!(map.memory().allocated_bytes, settled);
    })
    .join()
    .unwrap();
    // The next write forgets every slot of the exited thread, one-shot ones
    // included, and `reclaim` trims the registry: the map holds what a map
    // never read holds.
    for m in [&*map, &never_read] {
        m.insert(2, 2);
        m.reclaim();
    }
    assert_eq!(
        map.memory().allocated_bytes,
        never_read.memory().allocated_bytes
    );
}

#[test]
fn reads_after_the_thread_locals_are_gone_race_writers_safely() {
    // Threads whose last reads run in a thread-local destructor (one-shot
    // slots, forgotten by a writer's prune once their section is over),
    // while a writer publishes without pause: under AddressSanitizer a
    // slot freed while its section still ran would be reported.
    let map: Arc<SyncMap<u64, u64>> = Arc::new(SyncMap::new());
    map.insert(0, 0);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (map, stop) = (Arc::clone(&map), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                map.insert(0, n);
                map.insert(1 + n % 64, n);
            }
        })
    };
    let readers: Vec<_> = (0..4)
        .map(|_| {
            after_the_thread_locals(&map, |map| {
                for _ in 0..500 {
                    let v = map.get(&0).expect("key 0 stays");
                    assert!(map.get_with(&0, |w| *w >= v).unwrap());
                }
            })
        })
        .collect();
    for reader in readers {
        reader.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
}
