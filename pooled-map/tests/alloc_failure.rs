//! `try_reserve` refused, by the kernel (blocks of the page allocator) or
//! by a global allocator that refuses on demand (smaller blocks): the
//! refusal comes back as an error (the process does not abort) and the map
//! keeps every entry.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use pooled_map::{PooledMap, TryReserveError};

thread_local! {
    /// Allocations larger than this fail on this thread.
    static REFUSE_ABOVE: Cell<usize> = const { Cell::new(usize::MAX) };
}

struct Refusing;

fn refused(layout: Layout) -> bool {
    REFUSE_ABOVE
        .try_with(|limit| layout.size() > limit.get())
        .unwrap_or(false)
}

// SAFETY: every allocation forwards to `System` unchanged or returns null,
// which `GlobalAlloc` allows; the check touches only a const-initialised
// thread-local, which never allocates.
unsafe impl GlobalAlloc for Refusing {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if refused(layout) {
            return core::ptr::null_mut();
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` makes a valid layout.
        if refused(unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) }) {
            return core::ptr::null_mut();
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static REFUSING: Refusing = Refusing;

fn refuse_above<R>(bytes: usize, f: impl FnOnce() -> R) -> R {
    REFUSE_ABOVE.with(|limit| limit.set(bytes));
    let result = f();
    REFUSE_ABOVE.with(|limit| limit.set(usize::MAX));
    result
}

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
    // About 200 slots of some 270 bytes: under 64 KiB, over 1 KiB.
    let result = refuse_above(1 << 10, || map.try_reserve(200));
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
