//! Slot reuse: once warmed up, a churn loop with a constant live set makes
//! no allocator call at all, whichever API it goes through.

use map_conformance::alloc::Counter;
use pooled_map::HandleMap;
use pooled_map::PooledMap;

map_conformance::install_counting_allocator!();

type Value = [u8; 128];

const LIVE: u64 = 10_000;

fn warmed_up() -> PooledMap<u64, Value> {
    let mut map = PooledMap::new();
    for i in 0..LIVE {
        map.insert(i, [i as u8; 128]);
    }
    // Enough churn for the index to reach its steady size (it grows once
    // while tombstones build up, then rehashes in place).
    for oldest in 0..4 * LIVE {
        map.insert(LIVE + oldest, [0; 128]);
        map.remove(&oldest);
    }
    map
}

#[test]
fn churn_by_key_makes_no_allocator_calls() {
    let mut map = warmed_up();
    let first = 4 * LIVE;
    let counter = Counter::start();
    for oldest in first..first + 10 * LIVE {
        map.insert(oldest + LIVE, [1; 128]);
        assert!(map.remove(&oldest).is_some());
    }
    assert_eq!(counter.calls(), 0, "allocator calls in steady churn");
    assert_eq!(counter.live_bytes(), 0);
    assert_eq!(map.len(), LIVE as usize);
}

#[test]
fn churn_by_handle_makes_no_allocator_calls() {
    let mut map = warmed_up();
    let mut handles = std::collections::VecDeque::with_capacity(LIVE as usize + 1);
    for (handle, _, _) in map.handles() {
        handles.push_back(handle);
    }
    // The queue has room for the live set plus one: it never allocates.
    let counter = Counter::start();
    for next in 10 * LIVE..20 * LIVE {
        let (handle, _) = map.insert_with_handle(next, [2; 128]);
        handles.push_back(handle);
        let oldest = handles.pop_front().unwrap();
        assert!(map.remove_by_handle(oldest).is_some());
    }
    assert_eq!(counter.calls(), 0, "allocator calls in steady churn");
    assert_eq!(map.len(), LIVE as usize);
}

#[test]
fn churn_through_entries_makes_no_allocator_calls() {
    let mut map = warmed_up();
    let first = 4 * LIVE;
    let counter = Counter::start();
    for oldest in first..first + 10 * LIVE {
        map.entry(oldest + LIVE).or_insert([3; 128]);
        match map.entry(oldest) {
            pooled_map::Entry::Occupied(e) => drop(e.remove()),
            pooled_map::Entry::Vacant(_) => panic!("{oldest} missing"),
        }
    }
    assert_eq!(counter.calls(), 0, "allocator calls in steady churn");
    assert_eq!(map.len(), LIVE as usize);
}

#[test]
fn a_map_cycling_near_empty_keeps_its_small_pool() {
    let mut map: PooledMap<u64, Value> = PooledMap::new();
    map.insert(0, [0; 128]);
    map.remove(&0);
    let counter = Counter::start();
    for i in 0..10_000u64 {
        map.insert(i, [0; 128]);
        map.insert(i + 1_000_000, [0; 128]);
        map.remove(&i);
        map.remove(&(i + 1_000_000));
    }
    assert_eq!(counter.calls(), 0, "allocator calls cycling near empty");
}
