//! `try_reserve` refused, by the kernel (blocks of the page allocator) or
//! by the global allocator (smaller blocks; the kit's counting allocator
//! refuses them on demand): the refusal comes back as an error (the process
//! does not abort) and the map keeps every entry.

use map_conformance::alloc::Refusals;
use pooled_map::{PooledMap, TryReserveError};

map_conformance::install_counting_allocator!();

fn filled() -> PooledMap<u64, [u8; 256]> {
    let mut map = PooledMap::new();
    for i in 0..1_000 {
        map.insert(i, [i as u8; 256]);
    }
    map
}

fn assert_whole(map: &PooledMap<u64, [u8; 256]>) {
    assert_eq!(map.len(), 1_000);
    for i in 0..1_000 {
        assert_eq!(map.get(&i), Some(&[i as u8; 256]));
    }
}

/// A reservation no machine here can map (some 580 GB: Linux's default
/// overcommit heuristic refuses a mapping larger than memory and swap):
/// the pool's and the index's large blocks come from the kernel
/// (`PageAlloc`), which refuses, and the refusal is reported, not an abort.
#[test]
fn a_refused_pool_is_an_error_not_an_abort() {
    let mut map = filled();
    let result = map.try_reserve(1 << 31);
    assert!(
        matches!(result, Err(TryReserveError::AllocError { .. })),
        "{result:?}"
    );
    assert_whole(&map);
    // The map still works, and grows once the allocator agrees.
    map.insert(5_000, [7; 256]);
    assert_eq!(map.remove(&5_000), Some([7; 256]));
    assert!(map.try_reserve(10_000).is_ok());
    assert_whole(&map);
}

/// Blocks below the page threshold go to the global allocator; its
/// refusal is reported too.
#[test]
fn a_refused_small_block_is_an_error() {
    let mut map: PooledMap<u64, [u8; 256]> = PooledMap::new();
    for i in 0..10 {
        map.insert(i, [i as u8; 256]);
    }
    // About 200 slots of some 270 bytes: under 64 KiB, so from the global
    // allocator, which refuses this thread's next allocation.
    let refusals = Refusals::start();
    refusals.fail_after(0);
    let result = map.try_reserve(200);
    refusals.never_fail();
    assert!(refusals.failures() > 0);
    assert!(
        matches!(result, Err(TryReserveError::AllocError { .. })),
        "{result:?}"
    );
    assert_eq!(map.len(), 10);
    for i in 0..10 {
        assert_eq!(map.get(&i), Some(&[i as u8; 256]));
    }
    assert!(map.try_reserve(200).is_ok());
}

/// A reservation whose index is granted but whose pool is refused gives
/// the index's new room back: the map holds what it held before.
#[test]
fn a_reservation_refused_halfway_keeps_nothing_it_took() {
    let alloc = map_conformance::alloc::FailingAlloc::new();
    let mut map: PooledMap<u64, u64, _, _> = PooledMap::new_in(alloc.clone());
    for i in 0..1_000 {
        map.insert(i, i);
    }
    let held = alloc.live_bytes();
    // Room for 1 << 22 more: an index of 75 MB, granted, then a pool of
    // 134 MB, past the 100 MiB to spare.
    alloc.refuse_past(held + (100 << 20));
    let refused = map.try_reserve(1 << 22);
    alloc.never_fail();
    assert!(matches!(refused, Err(TryReserveError::AllocError { .. })));
    assert_eq!(alloc.live_bytes(), held, "the index kept its new room");
    assert_eq!(map.memory().allocated_bytes, held);
    assert_eq!(map.len(), 1_000);
    assert!((0..1_000).all(|i| map.get(&i) == Some(&i)));
}
