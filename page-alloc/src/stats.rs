//! The counters: bytes mapped in the whole process, and with `std` the
//! layout bytes and system calls of each thread.

use core::sync::atomic::{AtomicUsize, Ordering};

/// Page-rounded bytes mapped right now by every thread together.
static MAPPED: AtomicUsize = AtomicUsize::new(0);

#[cfg(feature = "std")]
std::thread_local! {
    // Const initialisers and `Cell`s without drop glue: reading or updating
    // them never allocates and never registers a destructor, so a counting
    // global allocator may call the readers from inside its own hooks.
    static LIVE: core::cell::Cell<isize> = const { core::cell::Cell::new(0) };
    static CALLS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// Bytes currently mapped by [`PageAlloc`](crate::PageAlloc) in the whole
/// process, every thread together, each block rounded up to whole pages.
///
/// Blocks below [`PageAlloc::THRESHOLD`](crate::PageAlloc::THRESHOLD) (and
/// every block on a target without `mmap`) go through the global allocator
/// and are not counted here. The figure is exact when no other thread maps
/// or unmaps at the same time; it is updated with relaxed atomics.
///
/// # Example
///
/// ```
/// use allocator_api2::vec::Vec;
/// use page_alloc::{mapped_bytes, PageAlloc};
///
/// let before = mapped_bytes();
/// let v: Vec<u8, PageAlloc> = Vec::with_capacity_in(1 << 20, PageAlloc);
/// if PageAlloc::page_size().is_some() {
///     // A target with pages: the megabyte is mapped.
///     assert!(mapped_bytes() >= before + (1 << 20));
/// }
/// drop(v);
/// ```
pub fn mapped_bytes() -> usize {
    MAPPED.load(Ordering::Relaxed)
}

/// Layout bytes of the page-backed blocks this thread mapped, minus those it
/// unmapped, since the thread started (needs the `std` feature).
///
/// Sizes are those of the layouts, not page-rounded, so that the figure adds
/// up with what a container reports of itself (a map's `memory()`) and with
/// what a counting global allocator sees of the smaller blocks, which go
/// through it. A grow or shrink of a page-backed block counts the change of
/// layout size even when no page is mapped or unmapped. A block mapped on one
/// thread and unmapped on another raises the first thread's figure and lowers
/// the second's, hence the sign. During thread teardown, once the counters
/// are gone, blocks are no longer counted.
///
/// # Example
///
/// ```
/// use allocator_api2::vec::Vec;
/// use page_alloc::{thread_live_bytes, PageAlloc};
///
/// let before = thread_live_bytes();
/// let v: Vec<u8, PageAlloc> = Vec::with_capacity_in(100_000, PageAlloc);
/// if PageAlloc::page_size().is_some() {
///     assert_eq!(thread_live_bytes() - before, 100_000);
/// }
/// drop(v);
/// assert_eq!(thread_live_bytes(), before);
/// ```
#[cfg(feature = "std")]
pub fn thread_live_bytes() -> isize {
    LIVE.try_with(core::cell::Cell::get).unwrap_or(0)
}

/// System calls (`mmap`, `munmap`, `mremap`) this thread has made for
/// [`PageAlloc`](crate::PageAlloc) since it started, failed ones included
/// (needs the `std` feature).
///
/// Unlike a counting global allocator that counts only allocations, an
/// unmap is a call here: each one is a trip to the kernel.
///
/// # Example
///
/// ```
/// use allocator_api2::vec::Vec;
/// use page_alloc::{thread_calls, PageAlloc};
///
/// let before = thread_calls();
/// let v: Vec<u8, PageAlloc> = Vec::with_capacity_in(1 << 20, PageAlloc);
/// drop(v);
/// if PageAlloc::page_size().is_some() {
///     assert_eq!(thread_calls() - before, 2, "one mmap, one munmap");
/// }
/// ```
#[cfg(feature = "std")]
pub fn thread_calls() -> u64 {
    CALLS.try_with(core::cell::Cell::get).unwrap_or(0)
}

/// `len` page-rounded bytes were mapped.
pub(crate) fn mapped(len: usize) {
    MAPPED.fetch_add(len, Ordering::Relaxed);
}

/// `len` page-rounded bytes were unmapped.
pub(crate) fn unmapped(len: usize) {
    MAPPED.fetch_sub(len, Ordering::Relaxed);
}

/// This thread's page-backed layout bytes went from `from` to `to` (both at
/// most `isize::MAX`, as layout sizes are).
pub(crate) fn live(from: usize, to: usize) {
    let delta = (to as isize).wrapping_sub(from as isize);
    #[cfg(feature = "std")]
    {
        // `try_with`: during thread teardown the slot may be gone; the block
        // is then simply not counted.
        let _ = LIVE.try_with(|live| live.set(live.get().wrapping_add(delta)));
    }
    #[cfg(not(feature = "std"))]
    let _ = delta;
}

/// A system call.
pub(crate) fn call() {
    #[cfg(feature = "std")]
    {
        let _ = CALLS.try_with(|calls| calls.set(calls.get() + 1));
    }
}
