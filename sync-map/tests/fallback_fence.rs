//! The fallback for systems without membarrier: both halves of the fence
//! are full fences. Forced here with `SYNC_MAP_NO_MEMBARRIER` (a process of
//! its own, so the choice holds before the first map is made).

use std::sync::atomic::{AtomicBool, Ordering};

use sync_map::SyncMap;

#[test]
fn full_fences_on_both_sides() {
    std::env::set_var("SYNC_MAP_NO_MEMBARRIER", "1");
    let map: SyncMap<u64, u64> = SyncMap::new();
    for seed in map_conformance::seeds(1) {
        map_conformance::differential(SyncMap::new, seed, 5_000);
    }
    for i in 0..64 {
        map.insert(i, 0);
    }
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    for i in 0..64 {
                        // Values only grow: a torn or stale version would
                        // show up as a missing key.
                        assert!(map.get(&i).is_some());
                    }
                }
            });
        }
        let writers: Vec<_> = (0..2)
            .map(|t| {
                let map = &map;
                s.spawn(move || {
                    for _ in 0..2_000 {
                        map.update(&(t * 32 + 5), |v| v + 1);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert_eq!(map.get(&5), Some(2_000));
    assert_eq!(map.get(&37), Some(2_000));
}
