//! Loom models of the publication, swap and reclamation steps: every
//! interleaving (up to the preemption bound) of a few readers and writers,
//! with loom checking that no writer touches a copy a reader is inside.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p sync-map --release --test loom
//! ```
#![cfg(loom)]

use std::sync::atomic::{AtomicUsize, Ordering};

use loom::sync::Arc;
use loom::thread;
use sync_map::SyncMap;

/// A value that counts its live copies (a std atomic: bookkeeping only,
/// not part of the modelled protocol).
#[derive(Debug)]
struct Counted(u64, &'static AtomicUsize);

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.1.fetch_add(1, Ordering::Relaxed);
        Counted(self.0, self.1)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_sub(1, Ordering::Relaxed);
    }
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

fn counted(n: u64, live: &'static AtomicUsize) -> Counted {
    live.fetch_add(1, Ordering::Relaxed);
    Counted(n, live)
}

/// Runs `f` on a new thread with a handle of its own to `map`.
fn spawn_on<M: Send + Sync + 'static, R: Send + 'static>(
    map: &Arc<M>,
    f: impl FnOnce(Arc<M>) -> R + Send + 'static,
) -> thread::JoinHandle<R> {
    let map = Arc::clone(map);
    thread::spawn(move || f(map))
}

/// A map of 1 -> 7 and 2 -> 8, counted in `live`.
fn seven_and_eight(live: &'static AtomicUsize) -> Arc<SyncMap<u64, Counted>> {
    let map = Arc::new(SyncMap::new());
    map.insert(1, counted(7, live));
    map.insert(2, counted(8, live));
    map
}

/// Publish: a reader racing an insert sees the old or the new version,
/// never a torn one, and reads after the writer returns see the new one.
#[test]
fn publish() {
    loom::model(|| {
        let map = Arc::new(SyncMap::<u64, u64>::new());
        map.insert(1, 10);
        let writer = spawn_on(&map, |map| {
            assert_eq!(map.insert(2, 20), None);
            assert_eq!(map.insert(1, 11), Some(10));
        });
        let one = map.get(&1);
        let two = map.get(&2);
        assert!(matches!(one, Some(10) | Some(11)));
        assert!(matches!(two, None | Some(20)));
        // Versions are published in order: seeing the second write means
        // seeing the first.
        if one == Some(11) {
            assert_eq!(map.get(&2), Some(20));
        }
        writer.join().unwrap();
        assert_eq!(map.get(&1), Some(11));
        assert_eq!(map.get(&2), Some(20));
    });
}

/// Swap between two writers: updates serialise, none is lost, while a
/// reader looks at the value in place.
#[test]
fn concurrent_updates_and_a_reader() {
    loom::model(|| {
        let map = Arc::new(SyncMap::<u64, u64>::new());
        map.insert(1, 0);
        let writers: Vec<_> = (0..2)
            .map(|_| {
                spawn_on(&map, |map| {
                    map.update(&1, |v| v + 1);
                })
            })
            .collect();
        let seen = map.get_with(&1, |v| *v).unwrap();
        assert!(seen <= 2);
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(map.get(&1), Some(2));
    });
}

/// Reclaim: a value removed while a reader may be looking at it is dropped
/// only once that reader has left, and before `remove` returns; nothing
/// leaks.
#[test]
fn remove_waits_for_readers_then_drops() {
    static LIVE: AtomicUsize = AtomicUsize::new(0);
    loom::model(|| {
        {
            let map = Arc::new(SyncMap::<u64, Counted>::new());
            map.insert(1, counted(7, &LIVE));
            let reader = spawn_on(&map, |map| {
                // Reads the value in place: loom flags any writer access
                // to the copy while this runs.
                let _ = map.get_with(&1, |v| assert_eq!(v.0, 7));
            });
            let removed = map.remove(&1).unwrap();
            // Both copies are gone; only the returned value is alive.
            assert_eq!(LIVE.load(Ordering::Relaxed), 1);
            drop(removed);
            reader.join().unwrap();
            assert!(map.is_empty());
        }
        assert_eq!(LIVE.load(Ordering::Relaxed), 0);
    });
}

/// Two readers across a remove and a re-insert (two publications, each
/// waiting for the readers of the copy it is about to change), and a
/// clear: no reader sees a torn or resurrected version.
#[test]
fn two_readers_across_remove_insert_and_clear() {
    loom::model(|| {
        let map = Arc::new(SyncMap::<u64, u64>::new());
        map.insert(1, 1);
        let readers: Vec<_> = (0..2)
            .map(|_| {
                spawn_on(&map, |map| {
                    let first = map.get(&1);
                    assert!(matches!(first, None | Some(1) | Some(2)));
                    map.len()
                })
            })
            .collect();
        assert_eq!(map.remove(&1), Some(1));
        assert_eq!(map.insert(1, 2), None);
        map.clear();
        for r in readers {
            assert!(r.join().unwrap() <= 1);
        }
        assert!(map.is_empty());
    });
}

/// A read handle's view across a remove: the view keeps one version for
/// all its lookups, the removed value outlives the view, and the remove
/// returns only once the view has ended.
#[test]
fn a_view_across_a_remove() {
    static LIVE: AtomicUsize = AtomicUsize::new(0);
    loom::model(|| {
        {
            let map = seven_and_eight(&LIVE);
            let reader = spawn_on(&map, |map| {
                let handle = map.reader();
                handle.enter(|view| {
                    let one = view.get(&1).map(|v| v.0);
                    let two = view.get(&2).map(|v| v.0);
                    // Removed in this order: a version without 1 has no 2.
                    assert!(matches!(
                        (one, two),
                        (Some(7), Some(8)) | (Some(7), None) | (None, None)
                    ));
                });
                handle.get_with(&1, |v| v.0)
            });
            drop(map.remove(&2).unwrap());
            drop(map.remove(&1).unwrap());
            assert_eq!(LIVE.load(Ordering::Relaxed), 0);
            assert!(matches!(reader.join().unwrap(), None | Some(7)));
        }
        assert_eq!(LIVE.load(Ordering::Relaxed), 0);
    });
}

/// A batch is published in one step: a reader's view sees all of it or
/// none of it, and values the batch removed are dropped once, after the
/// readers of the old copy have left.
#[test]
fn a_batch_is_published_whole() {
    static LIVE: AtomicUsize = AtomicUsize::new(0);
    loom::model(|| {
        {
            let map = Arc::new(SyncMap::<u64, Counted>::new());
            map.insert(1, counted(1, &LIVE));
            map.insert(2, counted(2, &LIVE));
            let reader = spawn_on(&map, |map| {
                map.reader().enter(|view| {
                    let one = view.get(&1).map(|v| v.0);
                    let two = view.get(&2).map(|v| v.0);
                    let three = view.get(&3).map(|v| v.0);
                    assert!(matches!(
                        (one, two, three),
                        (Some(1), Some(2), None) | (None, Some(20), Some(3))
                    ));
                });
            });
            map.write(|w| {
                w.remove(&1);
                w.insert(2, counted(20, &LIVE));
                w.insert(3, counted(3, &LIVE));
            });
            reader.join().unwrap();
            assert_eq!(map.get_with(&2, |v| v.0), Some(20));
            assert_eq!(map.len(), 2);
        }
        assert_eq!(LIVE.load(Ordering::Relaxed), 0);
    });
}

/// Two threads each read one map and write the other: a writer that finds
/// the reader it waits for blocked in a write retires the old copy
/// instead of waiting, so both finish, and no value leaks or is dropped
/// twice.
#[test]
fn readers_writing_each_others_map() {
    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    loom::model(|| {
        RUNS.fetch_add(1, Ordering::Relaxed);
        {
            let a = Arc::new(SyncMap::<u64, Counted>::new());
            let b = Arc::new(SyncMap::<u64, Counted>::new());
            a.insert(1, counted(1, &LIVE));
            b.insert(1, counted(1, &LIVE));
            let other = {
                let (a, b) = (Arc::clone(&a), Arc::clone(&b));
                thread::spawn(move || {
                    b.get_with(&1, |_| {
                        a.insert(2, counted(2, &LIVE));
                    });
                })
            };
            a.get_with(&1, |v| {
                b.insert(2, counted(2, &LIVE));
                assert_eq!(v.0, 1);
            });
            other.join().unwrap();
            assert_eq!(a.get_with(&2, |v| v.0), Some(2));
            assert_eq!(b.get_with(&2, |v| v.0), Some(2));
        }
        assert_eq!(LIVE.load(Ordering::Relaxed), 0);
    });
    println!("{} interleavings", RUNS.load(Ordering::Relaxed));
}

/// A batch that clears and refills: the other copy is rebuilt as a clone
/// of the published one, once its readers have left.
#[test]
fn a_clear_and_refill_batch() {
    static LIVE: AtomicUsize = AtomicUsize::new(0);
    loom::model(|| {
        {
            let map = Arc::new(SyncMap::<u64, Counted>::new());
            map.insert(1, counted(1, &LIVE));
            let reader = spawn_on(&map, |map| {
                let seen = map.get_with(&1, |v| v.0);
                let two = map.get_with(&2, |v| v.0);
                assert!(matches!(seen, Some(1) | None));
                assert!(matches!(two, Some(2) | None));
            });
            map.write(|w| {
                w.clear();
                w.insert(2, counted(2, &LIVE));
            });
            reader.join().unwrap();
            // The rebuilt copy serves the next write.
            map.insert(3, counted(3, &LIVE));
            assert_eq!(map.len(), 2);
            assert_eq!(map.get_with(&1, |v| v.0), None);
        }
        assert_eq!(LIVE.load(Ordering::Relaxed), 0);
    });
}

/// Frequent writes switch readers to fences of their own, and readers
/// switch back once no write came during their last reads (under loom,
/// every write counts as frequent and each fenced read looks): reads
/// racing the switches see a published version, and a read after a write
/// returned sees it.
#[test]
fn readers_switch_fences_on_and_off() {
    loom::model(|| {
        let map = Arc::new(SyncMap::<u64, u64>::new());
        map.insert(1, 10);
        let reader = spawn_on(&map, |map| {
            let mut last = 10;
            for _ in 0..3 {
                let seen = map.get(&1).unwrap();
                assert!(seen >= last, "went back from {last} to {seen}");
                last = seen;
            }
        });
        map.insert(1, 11);
        assert_eq!(map.get(&1), Some(11));
        reader.join().unwrap();
        map.insert(1, 12);
        assert_eq!(map.get(&1), Some(12));
    });
}

/// A read nested in a read of the same map on the same thread: the
/// outermost section keeps the slot marked, so the inner one's exit must
/// leave it marked, and a writer waits until the outer read is over before
/// it drops what that read still holds (loom flags a writer's access to the
/// copy while the outer read runs).
#[test]
fn a_read_nested_in_a_read() {
    static LIVE: AtomicUsize = AtomicUsize::new(0);
    loom::model(|| {
        {
            let map = seven_and_eight(&LIVE);
            let reader = spawn_on(&map, |map| {
                map.get_with(&1, |one| {
                    let two = map.get_with(&2, |two| two.0);
                    // A point where the writer may run, then `one` read
                    // again, after the inner section ended.
                    thread::yield_now();
                    (one.0, two)
                })
            });
            // A clear drops the values where they lie, in each copy.
            map.clear();
            assert_eq!(LIVE.load(Ordering::Relaxed), 0);
            let seen = reader.join().unwrap();
            // The inner read may see the cleared version; the outer one's
            // value must not have been dropped under it.
            assert!(matches!(seen, None | Some((7, Some(8) | None))), "{seen:?}");
        }
        assert_eq!(LIVE.load(Ordering::Relaxed), 0);
    });
}
