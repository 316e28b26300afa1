//! An arena that is dropped or compacted gives its pages back to the kernel
//! even when the global allocator keeps freed blocks resident (as jemalloc
//! and mimalloc do until their purge timers run, and glibc's malloc does with
//! blocks in its heap).
//!
//! The global allocator here is the extreme case: it keeps every freed
//! block of 1 MiB or more until the test ends, so the resident memory can
//! only fall if the arena discards its pages itself. One test function, so
//! that no other test of this binary moves the process's RSS while it
//! measures.

#![cfg(any(target_os = "linux", target_os = "android"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;

use arena_map::ArenaMap;

/// Freed blocks of at least this size are kept.
const KEEP_FROM: usize = 1 << 20;

/// The kept blocks (address, size, alignment); a fixed array, so that
/// keeping one allocates nothing.
static KEPT: Mutex<[(usize, usize, usize); 128]> = Mutex::new([(0, 0, 0); 128]);

struct Keeping;

// SAFETY: every allocation is `System`'s; a large block's free is delayed
// until `free_kept`, and the block is not touched in between.
unsafe impl GlobalAlloc for Keeping {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() >= KEEP_FROM {
            let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(free) = kept.iter_mut().find(|k| k.0 == 0) {
                *free = (ptr as usize, layout.size(), layout.align());
                return;
            }
        }
        // SAFETY: forwarded from the caller.
        unsafe { System.dealloc(ptr, layout) };
    }
}

#[global_allocator]
static GLOBAL: Keeping = Keeping;

/// Frees the kept blocks (so that a leak checker finds none).
fn free_kept() {
    let kept = std::mem::replace(
        &mut *KEPT.lock().unwrap_or_else(|e| e.into_inner()),
        [(0, 0, 0); 128],
    );
    for (ptr, size, align) in kept.into_iter().filter(|k| k.0 != 0) {
        let layout = Layout::from_size_align(size, align).expect("a layout it had");
        // SAFETY: the block came from `System` with this layout, and its
        // free was only delayed.
        unsafe { System.dealloc(ptr as *mut u8, layout) };
    }
}

/// The process's resident memory, in bytes.
fn rss() -> usize {
    map_conformance::resident_bytes().expect("Linux reports it")
}

fn fill(n: u64) -> ArenaMap<u64, [u8; 32]> {
    let mut map = ArenaMap::new();
    for i in 0..n {
        map.insert(i, [i as u8; 32]);
    }
    map
}

#[test]
fn dropped_and_compacted_arenas_leave_the_resident_memory() {
    // Dropped: the arena's chunks go back to an allocator that keeps them,
    // yet their pages leave the process.
    let map = fill(300_000);
    let held = map.memory().allocated_bytes;
    let before = rss();
    drop(map);
    let fallen = before.saturating_sub(rss());
    assert!(
        fallen * 4 >= held * 3,
        "dropping a map of {held} bytes lowered RSS by only {fallen}"
    );

    // Drained: the removals compact the map into ever smaller arenas; each
    // one left behind gives its pages back.
    let mut map = fill(300_000);
    let peak_held = map.memory().allocated_bytes;
    let peak = rss();
    for i in 0..300_000u64 {
        if i % 100 != 0 {
            map.remove(&i);
        }
    }
    assert_eq!(map.len(), 3_000);
    let held = map.memory().allocated_bytes;
    assert!(held * 8 < peak_held, "the drain shrank the map");
    let fallen = peak.saturating_sub(rss());
    assert!(
        fallen * 4 >= (peak_held - held) * 3,
        "draining from {peak_held} to {held} bytes lowered RSS by only {fallen}"
    );
    // What stays is still the map's.
    assert!((0..300_000u64)
        .step_by(100)
        .all(|i| map.get(&i) == Some(&[i as u8; 32])));
    drop(map);
    free_kept();
}
