//! The memory figures that only grow do: `peak_bytes` never goes down
//! when reader slots of exited threads are pruned, and `reclaimed_bytes`
//! is never above 0 while `reclaims` is 0.

use map_core::ReclaimPolicy;
use sync_map::SyncMap;

fn check(map: &SyncMap<u64, u64>, last: &mut map_core::MemoryStats, step: &str) {
    let now = map.memory();
    assert!(now.peak_bytes >= now.allocated_bytes, "{step}: {now:?}");
    assert!(
        now.peak_bytes >= last.peak_bytes,
        "{step}: peak went down: {last:?} -> {now:?}"
    );
    assert!(
        now.reclaimed_bytes >= last.reclaimed_bytes,
        "{step}: {last:?} -> {now:?}"
    );
    assert!(now.reclaims >= last.reclaims, "{step}: {last:?} -> {now:?}");
    assert!(
        now.reclaimed_bytes == 0 || now.reclaims > 0,
        "{step}: bytes reclaimed by no reclaim: {now:?}"
    );
    *last = now;
}

#[test]
fn figures_that_only_grow_never_go_down() {
    for policy in [ReclaimPolicy::default(), ReclaimPolicy::manual()] {
        let map: SyncMap<u64, u64> = SyncMap::with_policy(policy);
        let mut last = map.memory();
        map.insert(1, 1);
        check(&map, &mut last, "insert");
        // Threads that read once and exit: their slots grow the registry,
        // and the next write prunes it.
        for round in 0..3 {
            std::thread::scope(|s| {
                for _ in 0..8 {
                    s.spawn(|| assert_eq!(map.get(&1), Some(1)));
                }
            });
            check(&map, &mut last, "readers exited");
            map.insert(2 + round, 0);
            check(&map, &mut last, "write after the readers");
        }
        for i in 0..2_000 {
            map.insert(i, i);
        }
        check(&map, &mut last, "fill");
        for i in 0..2_000 {
            map.remove(&i);
            if i % 500 == 0 {
                check(&map, &mut last, "removals");
            }
        }
        check(&map, &mut last, "emptied");
        map.reclaim();
        check(&map, &mut last, "reclaim");
        map.extend((0..100).map(|i| (i, i)));
        map.clear();
        check(&map, &mut last, "clear");
    }
}
