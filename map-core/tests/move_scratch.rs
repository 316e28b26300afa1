//! `table::try_move` takes its scratch space (the hashes, 8 bytes an entry)
//! from page-alloc, not from the global allocator: a global allocator may
//! keep a freed block of a few MiB resident (jemalloc and mimalloc do until
//! their purge timers run), so a large scratch block must be one that is
//! unmapped when freed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use hashbrown::HashTable;
use map_core::toolkit::table;
use map_core::PageAlloc;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// Counts the global allocator's live bytes (this thread's) and their peak.
struct Counting;

fn count(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
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
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_move_takes_no_large_block_from_the_global_allocator() {
    let hasher = |x: &u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let n = 100_000u64;
    let mut from = HashTable::new_in(PageAlloc);
    from.try_reserve(n as usize, hasher).expect("reserve");
    for i in 0..n {
        from.insert_unique(hasher(&i), i, hasher);
    }
    let start = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    let moved = table::try_move(&mut from, PageAlloc, 0, hasher).expect("move");
    let global_peak = PEAK.with(Cell::get) - start;
    assert_eq!(moved.len(), n as usize);
    assert!(from.is_empty());
    assert!((0..n).all(|i| moved.find(hasher(&i), |x| *x == i) == Some(&i)));
    // The hashes of 100,000 entries take 800,000 bytes; none of them may
    // come from the global allocator.
    assert!(
        global_peak < 64 * 1024,
        "the move took {global_peak} bytes from the global allocator"
    );
}
