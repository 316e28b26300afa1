//! Many threads mixing every operation on one `SyncMap`.
//!
//! Each thread owns a disjoint set of keys, so each key's history is
//! sequential: every result is checked against the thread's own model (no
//! lost or phantom updates). Shared keys are hit by every thread with
//! read-modify-write operations whose totals are checked at the end, while
//! readers walk snapshots checking that those totals never go backwards.
//! Values count their clones and drops: nothing leaks, nothing is dropped
//! twice.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::sync::Arc;

use map_conformance::Rng;
use sync_map::SyncMap;

const THREADS: u64 = 4;
const KEYS_PER_THREAD: u64 = 64;
const SHARED: u64 = 8;
const SHARED_BASE: u64 = 1 << 40;
const OPS: usize = if cfg!(debug_assertions) {
    10_000
} else {
    40_000
};

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

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n
    }
}

fn n(v: Option<Counted>) -> Option<u64> {
    v.map(|v| v.n)
}

fn owner_ops(map: &SyncMap<u64, Counted>, t: u64, live: &Arc<AtomicIsize>, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut model: HashMap<u64, u64> = HashMap::new();
    let base = t * 1_000_000;
    for i in 0..OPS {
        let key = base + rng.below(KEYS_PER_THREAD);
        let value = rng.next_u64() % 1000;
        let ctx = format!("thread {t}, seed {seed}, op {i}, key {key}");
        match rng.below(11) {
            0 | 1 => assert_eq!(
                n(map.insert(key, Counted::new(value, live))),
                model.insert(key, value),
                "insert: {ctx}"
            ),
            2 => assert_eq!(
                n(map.swap(key, Counted::new(value, live))),
                model.insert(key, value),
                "swap: {ctx}"
            ),
            3 | 4 => assert_eq!(n(map.remove(&key)), model.remove(&key), "remove: {ctx}"),
            5 => assert_eq!(n(map.get(&key)), model.get(&key).copied(), "get: {ctx}"),
            6 => {
                let expected = *model.entry(key).or_insert(value);
                let got = map.get_or_insert_with(key, || Counted::new(value, live));
                assert_eq!(got.n, expected, "get_or_insert_with: {ctx}");
            }
            7 => {
                // Compare against the true value half the time, a wrong one
                // otherwise.
                let current = match (model.get(&key), rng.below(2)) {
                    (Some(&v), 0) => v,
                    _ => 1_000_000,
                };
                let got = map.compare_and_swap(
                    &key,
                    &Counted::new(current, live),
                    Counted::new(value, live),
                );
                match model.get(&key).copied() {
                    Some(v) if v == current => {
                        assert_eq!(got.map(|o| o.n), Ok(v), "cas hit: {ctx}");
                        model.insert(key, value);
                    }
                    other => assert_eq!(got.map(|o| o.n).map_err(n), Err(other), "cas miss: {ctx}"),
                }
            }
            8 => {
                let odd = value % 2 == 1;
                let got = map.remove_if(&key, |v| (v.n % 2 == 1) == odd);
                let expected = match model.get(&key) {
                    Some(&v) if (v % 2 == 1) == odd => model.remove(&key),
                    _ => None,
                };
                assert_eq!(n(got), expected, "remove_if: {ctx}");
            }
            9 => {
                let got = map.update(&key, |v| Counted::new(v.n + 1, live));
                let expected = model.get_mut(&key).map(|v| {
                    *v += 1;
                    *v - 1
                });
                assert_eq!(n(got), expected, "update: {ctx}");
            }
            _ => {
                // Retain that only touches this thread's keys.
                let cut = rng.below(1000);
                map.retain(|k, v| !(*k / 1_000_000 == t && *k < SHARED_BASE && v.n < cut / 8));
                model.retain(|_, v| *v >= cut / 8);
            }
        }
    }
    // The whole history agrees with the model at the end.
    for k in base..base + KEYS_PER_THREAD {
        assert_eq!(n(map.get(&k)), model.get(&k).copied(), "final {k}");
    }
}

#[test]
fn every_operation_from_many_threads() {
    let live = Arc::new(AtomicIsize::new(0));
    let seed = map_conformance::seeds(1)[1];
    {
        let map: SyncMap<u64, Counted> = SyncMap::new();
        for s in 0..SHARED {
            map.insert(SHARED_BASE + s, Counted::new(0, &live));
        }
        let done = AtomicBool::new(false);
        let increments = std::thread::scope(|scope| {
            let owners: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (map, live) = (&map, &live);
                    scope.spawn(move || {
                        owner_ops(map, t, live, seed.wrapping_add(t));
                        // Shared counters: every update must land.
                        let mut rng = Rng::new(seed ^ t);
                        let mut mine = 0u64;
                        for _ in 0..OPS / 4 {
                            let key = SHARED_BASE + rng.below(SHARED);
                            if rng.below(2) == 0 {
                                map.update(&key, |v| Counted::new(v.n + 1, live))
                                    .expect("shared keys are never removed");
                            } else {
                                // CAS loop: read, then swap if unchanged.
                                loop {
                                    let cur = map.get(&key).unwrap();
                                    let next = Counted::new(cur.n + 1, live);
                                    if map.compare_and_swap(&key, &cur, next).is_ok() {
                                        break;
                                    }
                                }
                            }
                            mine += 1;
                        }
                        mine
                    })
                })
                .collect();
            // A reader: the shared counters never go backwards, and every
            // snapshot holds every shared key.
            scope.spawn(|| {
                let mut last = vec![0u64; SHARED as usize];
                while !done.load(Ordering::Relaxed) {
                    let snap = map.snapshot();
                    let mut seen = 0;
                    for (k, v) in &snap {
                        if *k >= SHARED_BASE {
                            let i = (*k - SHARED_BASE) as usize;
                            assert!(v.n >= last[i], "shared counter went back");
                            last[i] = v.n;
                            seen += 1;
                        }
                    }
                    assert_eq!(seen, SHARED, "a shared key vanished");
                    map.for_each(|_, v| assert!(v.n < u64::MAX));
                    assert!(map.len() >= SHARED as usize);
                    // The same through a handle's view: one version, every
                    // shared key present, no counter behind the snapshot.
                    let reader = map.reader();
                    reader.enter(|view| {
                        for (i, seen) in last.iter().enumerate() {
                            let v = view.get(&(SHARED_BASE + i as u64));
                            assert!(v.expect("a shared key vanished").n >= *seen);
                        }
                    });
                }
            });
            let total: u64 = owners.into_iter().map(|h| h.join().unwrap()).sum();
            done.store(true, Ordering::Relaxed);
            total
        });
        let sum: u64 = (0..SHARED)
            .map(|s| map.get(&(SHARED_BASE + s)).unwrap().n)
            .sum();
        assert_eq!(sum, increments, "lost or phantom updates on shared keys");
        map.clear();
        assert!(map.is_empty());
        assert_eq!(live.load(Ordering::Relaxed), 0, "values outlived clear");
        for i in 0..100 {
            map.insert(i, Counted::new(i, &live));
        }
    }
    assert_eq!(live.load(Ordering::Relaxed), 0, "values leaked");
}

#[test]
fn removed_values_are_dropped_before_remove_returns() {
    let live = Arc::new(AtomicIsize::new(0));
    let map: SyncMap<u64, Counted> = SyncMap::new();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let _ = map.get_with(&1, |v| v.n);
            }
        });
        for i in 0..2_000 {
            map.insert(1, Counted::new(i, &live));
            // The map holds one copy per side; the reader holds none.
            assert_eq!(live.load(Ordering::Relaxed), 2);
            let v = map.remove(&1).unwrap();
            assert_eq!(
                live.load(Ordering::Relaxed),
                1,
                "only the returned value is alive"
            );
            drop(v);
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(live.load(Ordering::Relaxed), 0);
}

#[test]
fn readers_on_exited_threads_are_forgotten() {
    // `JoinHandle::join` (unlike the end of a scope) waits for the thread's
    // thread-locals to be destroyed, which is when its slot is let go.
    let map: Arc<SyncMap<u64, u64>> = Arc::new(SyncMap::new());
    map.insert(1, 1);
    let read_on_new_thread = |map: &Arc<SyncMap<u64, u64>>| {
        let map = Arc::clone(map);
        std::thread::spawn(move || assert_eq!(map.get(&1), Some(1)))
            .join()
            .unwrap();
    };
    read_on_new_thread(&map);
    let one_reader = map.memory().allocated_bytes;
    for _ in 0..50 {
        read_on_new_thread(&map);
    }
    map.insert(1, 2); // a write forgets the slots of exited threads
    map.reclaim();
    assert!(map.memory().allocated_bytes <= one_reader);
}

#[test]
#[should_panic(expected = "read sections")]
fn writing_from_inside_a_read_panics_instead_of_deadlocking() {
    let map: SyncMap<u64, u64> = SyncMap::new();
    map.insert(1, 1);
    map.get_with(&1, |_| map.insert(2, 2));
}
