//! The memory figures that only grow do: `peak_bytes` never goes down
//! when reader slots of exited threads are pruned, and `reclaimed_bytes`
//! is never above 0 while `reclaims` is 0. `reclaimed_bytes` adds up what
//! both copies gave back over the map's life, clearing batches (which
//! rebuild a copy) included.

use map_conformance::alloc::Counter;
use map_core::ReclaimPolicy;
use sync_map::SyncMap;

map_conformance::install_counting_allocator!();

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

/// Under the manual policy only `reclaim()` gives memory back: the figures
/// are the sum of what the calls returned, also after clearing batches
/// (which rebuild one copy as a clone of the other, with figures of its
/// own starting at zero).
#[test]
fn reclaimed_bytes_add_up_over_clearing_batches() {
    let map: SyncMap<u64, u64> = SyncMap::with_policy(ReclaimPolicy::manual());
    let (mut released, mut reclaims) = (0, 0);
    let mut reclaim = |step: &str| {
        let bytes = map.reclaim();
        assert!(bytes > 0, "{step}: nothing to give back");
        released += bytes;
        reclaims += 1;
        let now = map.memory();
        assert_eq!(
            (now.reclaimed_bytes, now.reclaims),
            (released, reclaims),
            "{step}: {now:?}"
        );
    };
    for round in 0..4 {
        map.extend((0..2_000).map(|i| (i, i)));
        map.retain(|k, _| *k < 500);
        reclaim(&format!("round {round}, after retain"));
        map.write(|w| {
            w.clear();
            w.extend((0..50).map(|i| (i, i)));
        });
        reclaim(&format!("round {round}, after a clearing batch"));
    }
}

/// Under the automatic policy, what the map says reclamation gave back
/// (removals that shrink, clears, `reclaim()`) is what the allocator saw
/// it free, clearing batches included: a cleared copy rebuilt as a clone
/// gives its table back too.
#[test]
fn reclaimed_bytes_match_the_allocator() {
    let map: SyncMap<u64, u64> = SyncMap::new();
    // The writer's and the reader registry's own first allocations.
    map.insert(0, 0);
    map.remove(&0);
    assert_eq!(map.get(&0), None);
    let (mut freed, mut steps) = (0, 0);
    let mut step = |what: &str, write: &dyn Fn()| {
        let before = map.memory();
        let counter = Counter::start();
        write();
        let live = counter.live_bytes();
        let after = map.memory();
        let reported = after.reclaimed_bytes - before.reclaimed_bytes;
        if live < 0 {
            freed += live.unsigned_abs();
            steps += 1;
            assert!(after.reclaims > before.reclaims, "{what}: {after:?}");
        }
        assert_eq!(
            reported,
            live.min(0).unsigned_abs(),
            "{what}: the map says {reported} bytes, the allocator {live}"
        );
    };
    for round in 0..3 {
        step("fill", &|| map.extend((0..3_000).map(|i| (i, i))));
        for i in 0..2_900 {
            step(&format!("round {round}, remove {i}"), &|| {
                map.remove(&i);
            });
        }
        step("clear", &|| map.clear());
        step("refill", &|| map.extend((0..1_000).map(|i| (i, i))));
        step("clear and refill smaller", &|| {
            map.write(|w| {
                w.clear();
                w.extend((0..10).map(|i| (i, i)));
            })
        });
        step("remove half", &|| map.retain(|k, _| k % 2 == 0));
        step("reclaim", &|| {
            map.reclaim();
        });
    }
    let now = map.memory();
    assert!(steps > 0 && now.reclaims >= steps, "{now:?}");
    assert!(now.reclaimed_bytes >= freed, "{now:?}: {freed} bytes freed");
}

/// A map nobody writes, read by threads that come and go (a thread per
/// request reading a shared table): each thread's reader slot joins the
/// registry at its first read, and the slots of exited threads must not
/// pile up until a write comes, if one ever does.
#[test]
fn readers_that_come_and_go_do_not_grow_a_map_nobody_writes() {
    let map: SyncMap<u64, u64> = SyncMap::new();
    map.insert(1, 1);
    let read_once = || {
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(map.get(&1), Some(1)));
        });
    };
    for _ in 0..100 {
        read_once();
    }
    let settled = map.memory().allocated_bytes;
    for _ in 0..2_000 {
        read_once();
    }
    let after = map.memory().allocated_bytes;
    // Each slot is an allocation of tens of bytes: 2,000 kept would be
    // over 100 KiB.
    assert!(
        after <= settled + 4096,
        "2,000 readers that exited grew the map from {settled} to {after} bytes"
    );
    assert_eq!(map.get(&1), Some(1));
}
