//! An allocator whose large blocks go back to the operating system the
//! moment they are freed, whatever the global allocator does.
//!
//! A map that shrinks frees its big table, but freeing is not giving back:
//! glibc's malloc keeps freed mid-sized blocks in the process (after a large
//! block is freed it raises its mmap threshold, up to 32 MiB, and it trims
//! its heap only from the top), and jemalloc and mimalloc return pages
//! late. The process's resident memory then stays at its peak. [`PageAlloc`]
//! takes every block of [`PageAlloc::THRESHOLD`] (64 KiB) or more straight
//! from the kernel with `mmap` and gives it straight back with `munmap` on
//! deallocation, so those pages leave the resident set at once. Smaller
//! blocks go to the global allocator, which serves them better.
//!
//! # When to use it
//!
//! As the allocator of any [`allocator_api2`] container whose big
//! allocations should not outlive it: hashbrown's `HashMap::new_in(PageAlloc)`
//! and `HashTable::new_in(PageAlloc)`,
//! [`allocator_api2::vec::Vec::new_in(PageAlloc)`](allocator_api2::vec::Vec::new_in),
//! or a map of this workspace built over an allocator. A `Vec` that grows
//! past the threshold is moved by `mremap` on Linux, without a copy.
//!
//! # When not to
//!
//! * Many small blocks: they go to the global allocator anyway, and nothing
//!   changes.
//! * Blocks of 64 KiB and more allocated and freed at a high rate: each one
//!   costs a system call to map it, one to unmap it, and a page fault on
//!   the first touch of each page, where malloc would have reused memory it
//!   kept. Keep such buffers, or use the global allocator for them.
//!
//! # The rule
//!
//! A block is page-backed ([`PageAlloc::is_page_backed`]) when its layout's
//! size is at least [`PageAlloc::THRESHOLD`] and its alignment at most the
//! page size ([`PageAlloc::page_size`]), on a target with pages of its own
//! (below). The rule reads nothing but the layout, so `deallocate`, `grow`
//! and `shrink` know from the layout where the block came from. Zero-sized
//! and over-aligned layouts go to the global allocator.
//!
//! Why 64 KiB: a page-backed block is rounded up to whole pages, and a block
//! of at least 16 pages of 4 KiB loses less than one page in 16 to the
//! rounding (under 6.25%, and nothing for sizes that are whole pages, as big
//! tables are; with 16 KiB pages, as on Apple silicon, up to a quarter at the
//! threshold itself, falling as blocks grow). Below it, a system call and
//! its page faults cost more than malloc's reuse of what it keeps; glibc
//! itself starts mapping at 128 KiB.
//!
//! A page-backed block is exactly its layout's size (the rest of its last
//! page is not offered to the caller): so every deallocation and every
//! counter sees the size the allocation saw. Growing or shrinking it within
//! the same number of pages returns the same block, without a system call;
//! shrinking it by whole pages unmaps the tail in place; growing it by whole
//! pages uses `mremap` on Linux (the kernel moves the pages, nothing is
//! copied) and a new mapping with a copy on other unixes. A block that
//! crosses the threshold is allocated anew, copied and freed. Mapped pages
//! come zeroed from the kernel, so `allocate_zeroed` writes nothing. When
//! the kernel refuses a mapping, the call returns `Err(AllocError)`; it
//! never aborts.
//!
//! # Huge pages
//!
//! Every page of a fresh mapping costs a page fault on its first touch: a
//! trap into the kernel and a page of zeros. A table of 32 MiB is 8,192
//! pages of 4 KiB, faulted in one by one while it fills; malloc, which
//! reuses memory it kept, pays that once per process instead of once per
//! table. [`set_huge_pages(true)`](set_huge_pages) makes mappings of 2 MiB
//! and more ask the kernel for transparent huge pages
//! (`madvise(MADV_HUGEPAGE)`, Linux and Android): where the kernel grants
//! them (`/sys/kernel/mm/transparent_hugepage/enabled` set to `always` or
//! `madvise`), such a table is 16 faults of 2 MiB, and lookups miss the TLB
//! less. The pages still leave with `munmap`, huge or not.
//!
//! It is off by default, because its cost depends on the machine: a huge
//! page needs 2 MiB of free, contiguous memory at the fault. Under the
//! kernel's default `defrag` setting a fault compacts memory first when none
//! is at hand (milliseconds on a fragmented machine), and in a virtual
//! machine whose host takes back the guest's free memory (free page
//! reporting, as in Firecracker), the free huge pages are the ones the host
//! took, so the first fill after a pause waits for the host. On a 2-core
//! such VM, filling 1,000,000 `u64` entries took 0.7x hashbrown-on-glibc's
//! time with the hint while memory was warm, and 5 to 10 times more for the
//! first fill after a few idle seconds. Measure on the machine that runs
//! the service before turning it on.
//!
//! # Populated blocks
//!
//! Huge pages or not, faulting pages in one by one is slow: a trap per page.
//! Inside [`populating`], a fresh mapping is populated instead: the kernel
//! backs every page of it in the `mmap` call (`MAP_POPULATE`, Linux and
//! Android), which took about half the time of faulting the same pages in
//! one at a time on the machine the workspace is measured on (8.5 MB:
//! 0.9 ms against 1.8 ms). It is for blocks written throughout at once,
//! such as a hash table that is rebuilt with its entries, and it is how the
//! maps of this workspace allocate the tables they move entries into. A
//! block mapped outside it is backed page by page as it is touched, so a
//! container that reserves room it never uses holds no pages for it. A block
//! that grows by `mremap` gets its new pages on first touch either way.
//!
//! # Where there are no pages of our own
//!
//! Page-backed blocks need `mmap`: they exist on unix targets (Linux, the
//! BSDs, macOS, ...) with or without the `std` feature, since they need only
//! libc. Elsewhere (Windows, wasm, bare metal such as `x86_64-unknown-none`,
//! and the newlib unixes, whose libc has no `mmap`), [`PageAlloc`] is the
//! global allocator under another name: [`PageAlloc::is_page_backed`] is
//! always `false`, [`PageAlloc::page_size`] is `None`, and
//! [`mapped_bytes`] stays 0. Code written for it runs everywhere.
//!
//! # Counting
//!
//! [`mapped_bytes`] gives the page-rounded bytes mapped right now by the
//! whole process. With `std`, `thread_live_bytes()` and `thread_calls()`
//! give the current thread's page-backed layout bytes and system calls, so a
//! counting global allocator in a test can add the blocks that bypass it to
//! what it counts.
//!
//! # Example
//!
//! ```
//! use allocator_api2::vec::Vec;
//! use hashbrown::HashMap;
//! use page_alloc::{mapped_bytes, PageAlloc};
//!
//! let mut map = HashMap::new_in(PageAlloc);
//! for i in 0..100_000u64 {
//!     map.insert(i, [0u8; 32]);
//! }
//! // The table, several MiB, is one mapping of its own.
//! assert_eq!(mapped_bytes() > 0, PageAlloc::page_size().is_some());
//!
//! map.clear();
//! map.shrink_to_fit();
//! // ...and it left the process with the shrink, not whenever malloc
//! // would have decided.
//! assert_eq!(mapped_bytes(), 0);
//!
//! // Any allocator_api2 container takes it.
//! let mut samples: Vec<f64, PageAlloc> = Vec::new_in(PageAlloc);
//! samples.extend((0..50_000).map(f64::from));
//! assert_eq!(samples[49_999], 49_999.0);
//! ```
//!
//! # Features
//!
//! * `std` (default): the per-thread counters `thread_live_bytes()` and
//!   `thread_calls()`, and [`populating`] (its state is per thread: without
//!   `std` it runs its closure and populates nothing). Without it
//!   page-alloc is `#![no_std]` and needs only
//!   `alloc`:
//!   `cargo check -p page-alloc --no-default-features --target x86_64-unknown-none`.

#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

#[allow(unsafe_code)]
mod raw;
mod stats;

use core::alloc::Layout;

pub use stats::mapped_bytes;

/// Turns the huge-page hint on or off (the default) for blocks mapped from
/// now on, process-wide; blocks already mapped keep theirs. See
/// [Huge pages](crate#huge-pages).
///
/// ```
/// use page_alloc::{huge_pages, set_huge_pages};
///
/// assert!(!huge_pages(), "off by default");
/// set_huge_pages(true);
/// assert!(huge_pages());
/// set_huge_pages(false);
/// ```
pub fn set_huge_pages(on: bool) {
    raw::set_huge_pages(on);
}

/// Whether blocks of 2 MiB and more mapped from now on ask the kernel for
/// transparent huge pages ([`set_huge_pages`]).
pub fn huge_pages() -> bool {
    raw::huge_pages()
}

/// Runs `f`, and has every block that [`PageAlloc`] maps on this thread
/// meanwhile populated: the kernel backs all of its pages in the mapping
/// call itself (`MAP_POPULATE`) instead of with one page fault per page at
/// its first touch. See [Populated blocks](crate#populated-blocks).
///
/// For a block the caller writes throughout at once, such as the new table
/// of a hash map that moves its entries in: the pages then cost about half
/// the time. A block only partly written would hold pages it never uses.
///
/// Population needs Linux or Android and the `std` feature (the state is
/// per thread); elsewhere `f` just runs and pages are backed on first
/// touch, as always. Calls nest, and the previous state comes back when `f`
/// returns or unwinds.
///
/// ```
/// use allocator_api2::vec::Vec;
/// use page_alloc::{populating, PageAlloc};
///
/// // 1 MiB that is written in full right away.
/// let mut squares: Vec<u64, PageAlloc> =
///     populating(|| Vec::with_capacity_in(1 << 17, PageAlloc));
/// squares.extend((0..1u64 << 17).map(|i| i * i));
/// assert_eq!(squares[1000], 1_000_000);
/// ```
pub fn populating<R>(f: impl FnOnce() -> R) -> R {
    raw::populating(f)
}

/// Installs `observer` (or with `None` removes it): from then on it is
/// called, on the thread that does it, with the change in layout bytes of
/// every block [`PageAlloc`] maps, resizes or unmaps (`call` false), and
/// once more for each system call that maps pages (`mmap`, `mremap`: delta
/// 0, `call` true). Blocks below the threshold go through the global
/// allocator and are not reported here.
///
/// It is for counting allocators in tests and benchmarks, which then see
/// every byte a container holds, whichever way it came: such a counter
/// adds these deltas to what its global allocator counts. The observer
/// must not allocate through [`PageAlloc`] itself.
///
/// ```
/// use std::cell::Cell;
/// use allocator_api2::vec::Vec;
/// use page_alloc::{set_observer, PageAlloc};
///
/// thread_local! { static SEEN: Cell<isize> = const { Cell::new(0) }; }
/// fn seen(delta: isize, _call: bool) {
///     SEEN.with(|s| s.set(s.get() + delta));
/// }
///
/// set_observer(Some(seen));
/// let mut v: Vec<u8, PageAlloc> = Vec::with_capacity_in(1 << 20, PageAlloc);
/// v.push(1);
/// if PageAlloc::page_size().is_some() {
///     assert_eq!(SEEN.with(Cell::get), 1 << 20);
/// }
/// drop(v);
/// assert_eq!(SEEN.with(Cell::get), 0);
/// set_observer(None);
/// ```
pub fn set_observer(observer: Option<fn(isize, bool)>) {
    raw::set_observer(observer);
}
#[cfg(feature = "std")]
pub use stats::{thread_calls, thread_live_bytes};

/// An [`Allocator`](allocator_api2::alloc::Allocator) that maps blocks of
/// [`THRESHOLD`](Self::THRESHOLD) bytes or more straight from the kernel and
/// unmaps them on deallocation; smaller blocks go to the global allocator.
///
/// Zero-sized: a container pays nothing to hold it. See the
/// [crate documentation](crate) for the rule, the costs and the targets
/// without pages.
///
/// # Example
///
/// ```
/// use allocator_api2::alloc::{Allocator, Layout};
/// use page_alloc::PageAlloc;
///
/// let layout = Layout::array::<u64>(1 << 16).unwrap(); // 512 KiB
/// let block = PageAlloc.allocate_zeroed(layout).unwrap();
/// assert_eq!(block.len(), layout.size());
/// // SAFETY: the block is live and was allocated with `layout`.
/// unsafe {
///     assert_eq!(*block.cast::<u64>().as_ptr().add(1000), 0);
///     PageAlloc.deallocate(block.cast(), layout);
/// }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageAlloc;

impl PageAlloc {
    /// The smallest block, in bytes, that gets pages of its own: 64 KiB.
    ///
    /// A block of at least 16 pages of 4 KiB loses less than one page in 16
    /// to the rounding up to whole pages.
    ///
    /// # Example
    ///
    /// ```
    /// use allocator_api2::alloc::Layout;
    /// use page_alloc::PageAlloc;
    ///
    /// let below = Layout::from_size_align(PageAlloc::THRESHOLD - 1, 8).unwrap();
    /// assert!(!PageAlloc::is_page_backed(below));
    /// ```
    pub const THRESHOLD: usize = 64 * 1024;

    /// Whether a block of `layout` is mapped from the kernel (`true`) or
    /// comes from the global allocator (`false`).
    ///
    /// `true` exactly when the size is at least [`THRESHOLD`](Self::THRESHOLD),
    /// the alignment at most the page size, and the target has pages of its
    /// own ([`page_size`](Self::page_size) is `Some`). It depends on nothing
    /// else, so a block's layout always tells where it belongs.
    ///
    /// # Example
    ///
    /// ```
    /// use allocator_api2::alloc::Layout;
    /// use page_alloc::PageAlloc;
    ///
    /// let table = Layout::from_size_align(1 << 20, 16).unwrap();
    /// let over_aligned = Layout::from_size_align(1 << 20, 1 << 30).unwrap();
    /// assert_eq!(PageAlloc::is_page_backed(table), PageAlloc::page_size().is_some());
    /// assert!(!PageAlloc::is_page_backed(over_aligned));
    /// assert!(!PageAlloc::is_page_backed(Layout::new::<[u8; 0]>()));
    /// ```
    #[inline]
    pub fn is_page_backed(layout: Layout) -> bool {
        raw::HAS_PAGES && layout.size() >= Self::THRESHOLD && layout.align() <= raw::page_size()
    }

    /// The size of the pages that page-backed blocks are rounded up to, or
    /// `None` on a target without pages of our own, where every block goes
    /// to the global allocator.
    ///
    /// # Example
    ///
    /// ```
    /// use page_alloc::PageAlloc;
    ///
    /// if let Some(page) = PageAlloc::page_size() {
    ///     assert!(page.is_power_of_two());
    /// }
    /// ```
    pub fn page_size() -> Option<usize> {
        raw::HAS_PAGES.then(raw::page_size)
    }
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
