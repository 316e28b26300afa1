//! A counting global allocator plus `thread_live_bytes` sees every byte a
//! container on PageAlloc holds, on both sides of the threshold.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::hash_map::DefaultHasher;
use std::hash::BuildHasherDefault;

use hashbrown::HashMap;
use page_alloc::{thread_live_bytes, PageAlloc};

thread_local! {
    static GLOBAL_LIVE: Cell<isize> = const { Cell::new(0) };
}

struct Counting;

fn count(delta: isize) {
    let _ = GLOBAL_LIVE.try_with(|live| live.set(live.get() + delta));
}

// SAFETY: every call is forwarded to `System` unchanged; only counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if !moved.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        moved
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Everything this thread holds: the global allocator's blocks and the
/// page-backed ones.
fn held() -> isize {
    GLOBAL_LIVE.with(Cell::get) + thread_live_bytes()
}

#[test]
fn the_two_counts_add_up_to_what_the_map_holds() {
    let start = held();
    // A hasher without state to set up, so that only the table allocates.
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut map = HashMap::with_hasher_in(hasher, PageAlloc);
    // Through the threshold and far beyond, then back down.
    for k in 0..300_000u64 {
        map.insert(k, [0; 40]);
        if k.is_power_of_two() {
            assert_eq!(
                held() - start,
                map.allocation_size() as isize,
                "{k} entries"
            );
        }
    }
    assert_eq!(held() - start, map.allocation_size() as isize);
    for keep in [30_000u64, 3_000, 300, 3] {
        map.retain(|k, _| *k < keep);
        map.shrink_to_fit();
        assert_eq!(
            held() - start,
            map.allocation_size() as isize,
            "{keep} entries"
        );
    }
    drop(map);
    assert_eq!(held(), start);
}
