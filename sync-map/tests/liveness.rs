//! Scenarios that used to hang: each runs on a detached thread, and the
//! test waits for it with a timeout, so a regression fails instead of
//! hanging the suite.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, OnceLock};
use std::thread;
use std::time::Duration;

use map_core::ReclaimPolicy;
use sync_map::SyncMap;

/// Runs `f` on a thread of its own; panics if it has not finished after
/// `secs` seconds (the thread is left behind).
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("still running after {secs} s: deadlock"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the scenario panicked"),
    }
}

fn shared(entries: u64) -> Arc<SyncMap<u64, u64>> {
    let map = Arc::new(SyncMap::new());
    for i in 0..entries {
        map.insert(i, i);
    }
    map
}

/// Two threads, each inside a read section of one map, write the other:
/// each writer waits for a reader that waits for the other writer.
#[test]
fn two_readers_writing_each_others_map() {
    let (a, b) = (shared(100), shared(100));
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    within(20, move || {
        let both = Arc::new(Barrier::new(2));
        let one = {
            let (a, b, both) = (Arc::clone(&a2), Arc::clone(&b2), Arc::clone(&both));
            thread::spawn(move || {
                a.get_with(&1, |_| {
                    both.wait();
                    for i in 0..10 {
                        b.insert(1_000 + i, i);
                    }
                })
            })
        };
        let two = thread::spawn(move || {
            b2.get_with(&1, |_| {
                both.wait();
                for i in 0..10 {
                    a2.insert(1_000 + i, i);
                }
            })
        });
        one.join().unwrap();
        two.join().unwrap();
    });
    for map in [&a, &b] {
        assert_eq!(map.len(), 110);
        for i in 0..10 {
            assert_eq!(map.get(&(1_000 + i)), Some(i));
        }
        // Later writes still work, and the retired copies are freed.
        map.remove(&1_000);
        map.reclaim();
        assert_eq!(map.len(), 109);
    }
}

/// The same cycle through a writer lock: one thread holds a's lock and
/// waits for a reader of a who wants b's lock, held by a writer waiting
/// for a reader of b who wants a's lock.
#[test]
fn a_cycle_through_writer_locks() {
    let (a, b) = (shared(10), shared(10));
    within(20, move || {
        let start = Arc::new(Barrier::new(4));
        let mut threads = Vec::new();
        for (read, write) in [(&a, &b), (&b, &a)] {
            let (read, write, start) = (Arc::clone(read), Arc::clone(write), Arc::clone(&start));
            threads.push(thread::spawn(move || {
                read.get_with(&1, |_| {
                    start.wait();
                    thread::sleep(Duration::from_millis(20));
                    write.insert(100, 100);
                });
            }));
        }
        for map in [&a, &b] {
            let (map, start) = (Arc::clone(map), Arc::clone(&start));
            threads.push(thread::spawn(move || {
                start.wait();
                map.insert(200, 200);
            }));
        }
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(a.get(&100), Some(100));
        assert_eq!(b.get(&200), Some(200));
    });
}

/// A read section that waits for a helper thread's first read of the same
/// map (part of a batch of lookups handed out), while a writer waits for
/// that section: the helper registers without waiting for the writer.
#[test]
fn a_first_read_never_waits_for_a_waiting_writer() {
    let map = shared(100);
    within(20, move || {
        let (entered, writer_may_go) = mpsc::channel();
        let writer = {
            let map = Arc::clone(&map);
            thread::spawn(move || {
                writer_may_go.recv().unwrap();
                map.insert(5_000, 1);
            })
        };
        let sum = map.get_with(&1, |_| {
            entered.send(()).unwrap();
            // Let the writer publish and start waiting for this section.
            thread::sleep(Duration::from_millis(50));
            let helper = {
                let map = Arc::clone(&map);
                thread::spawn(move || (50..100).filter_map(|k| map.get(&k)).sum::<u64>())
            };
            let reader = {
                let map = Arc::clone(&map);
                thread::spawn(move || map.reader().len())
            };
            reader.join().unwrap();
            helper.join().unwrap()
        });
        writer.join().unwrap();
        assert_eq!(sum, Some((50..100).sum()));
        assert_eq!(map.get(&5_000), Some(1));
    });
}

/// `reclaim` from inside a read section panics, as documented, even while
/// a writer waits for that section.
#[test]
fn reclaim_inside_a_read_section_panics() {
    let map = shared(100);
    let panicked = within(20, move || {
        let (entered, writer_may_go) = mpsc::channel();
        let writer = {
            let map = Arc::clone(&map);
            thread::spawn(move || {
                writer_may_go.recv().unwrap();
                map.insert(7_000, 1);
            })
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            map.get_with(&1, |_| {
                entered.send(()).unwrap();
                thread::sleep(Duration::from_millis(50));
                map.reclaim()
            })
        }));
        writer.join().unwrap();
        result.is_err()
    });
    assert!(panicked);
}

/// `memory()` and `policy()` only read: they work inside read sections
/// and inside closures that run under the writer lock.
#[test]
fn memory_and_policy_work_everywhere() {
    let map = shared(100);
    within(20, move || {
        let policy = map.policy();
        let held = map.memory().allocated_bytes;
        assert!(held > 0);
        let inside = map.get_with(&1, |_| (map.policy(), map.memory().allocated_bytes));
        assert_eq!(inside, Some((policy, held)));
        map.for_each(|_, _| {
            assert_eq!(map.policy(), policy);
            assert!(map.memory().allocated_bytes > 0);
        });
        map.reader()
            .enter(|_| assert!(map.memory().peak_bytes >= held));
        map.update(&1, |v| {
            assert_eq!(map.policy(), policy);
            assert!(map.memory().allocated_bytes > 0);
            v + 1
        });
        map.remove_if(&2, |_| {
            map.policy() == policy && map.memory().allocated_bytes > 0
        });
        map.retain(|_, _| map.policy() == policy && map.memory().allocated_bytes > 0);
        map.get_or_insert_with(500, || map.memory().allocated_bytes as u64);
        map.write(|w| {
            w.insert(600, map.memory().reclaims as u64);
            assert_eq!(map.policy(), policy);
        });
        assert_eq!(map.get(&1), Some(2));
        assert!(!map.contains_key(&2));
        assert_eq!(map.len(), 101);
    });
}

/// A write from a closure that holds the writer lock panics instead of
/// waiting for itself.
#[test]
fn writing_from_a_writer_closure_panics() {
    let map = shared(10);
    let results = within(20, move || {
        let update = catch_unwind(AssertUnwindSafe(|| {
            map.update(&1, |v| {
                map.insert(99, 99);
                v + 1
            })
        }));
        let batch = catch_unwind(AssertUnwindSafe(|| map.write(|_| map.remove(&1))));
        // The map is whole and writable afterwards.
        map.insert(3, 30);
        (
            update.is_err(),
            batch.is_err(),
            map.get(&1),
            map.get(&3),
            map.len(),
        )
    });
    assert_eq!(results, (true, true, Some(1), Some(30), 10));
}

/// A value whose `Drop` writes to the map holding it.
#[derive(Debug, PartialEq)]
struct Echo {
    id: u64,
    /// Writes `(id + 10_000, quiet)` into `ECHOES` when dropped.
    loud: bool,
}

impl Clone for Echo {
    fn clone(&self) -> Self {
        Echo {
            id: self.id,
            loud: self.loud,
        }
    }
}

static ECHOES: OnceLock<SyncMap<u64, Echo>> = OnceLock::new();

impl Drop for Echo {
    fn drop(&mut self) {
        if self.loud {
            if let Some(map) = ECHOES.get() {
                map.insert(
                    self.id + 10_000,
                    Echo {
                        id: self.id,
                        loud: false,
                    },
                );
            }
        }
    }
}

/// Removing, replacing, retaining and clearing values whose `Drop` writes
/// to the same map: they are dropped after the writer lock is released.
#[test]
fn values_whose_drop_writes_the_map() {
    let finished = within(20, || {
        let map = ECHOES.get_or_init(|| SyncMap::with_policy(ReclaimPolicy::default()));
        for id in 0..6 {
            map.insert(id, Echo { id, loud: true });
        }
        drop(map.remove(&0));
        drop(map.insert(1, Echo { id: 1, loud: false }));
        map.retain(|k, _| *k != 2);
        map.write(|w| {
            w.remove(&3);
        });
        drop(map.compare_and_swap(&4, &Echo { id: 4, loud: true }, Echo { id: 4, loud: false }));
        let echoed: Vec<u64> = (0..5)
            .filter(|id| map.contains_key(&(id + 10_000)))
            .collect();
        map.clear();
        (echoed, map.contains_key(&10_005))
    });
    assert_eq!(finished, (vec![0, 1, 2, 3, 4], true));
}
