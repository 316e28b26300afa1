//! A membarrier that fails (the kernel returns `ENOMEM` when it cannot
//! allocate a CPU mask) does not stop the process: the writer falls back
//! to the global membarrier or retries, and readers stay correct. The
//! failures are injected with `SYNC_MAP_MEMBARRIER_FAULTS` (a process of
//! its own, so the setting holds before the first map is made).

use std::sync::atomic::{AtomicBool, Ordering};

use sync_map::SyncMap;

#[test]
fn failing_membarriers_neither_abort_nor_break_readers() {
    std::env::set_var("SYNC_MAP_MEMBARRIER_FAULTS", "50");
    let map: SyncMap<u64, u64> = SyncMap::new();
    for i in 0..64 {
        map.insert(i, 0);
    }
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let reader = map.reader();
                while !stop.load(Ordering::Relaxed) {
                    reader.enter(|view| {
                        // Every write keeps all 64 keys with one value: a
                        // torn or half-updated version would show.
                        let first = view.get(&0).copied();
                        assert!(first.is_some());
                        assert!((0..64).all(|i| view.get(&i).copied() == first));
                    });
                }
            });
        }
        for round in 1..=100u64 {
            map.write(|w| {
                for i in 0..64 {
                    w.insert(i, round);
                }
            });
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!((0..64).all(|i| map.get(&i) == Some(100)));
}
