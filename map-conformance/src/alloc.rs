//! Allocators for measuring and for fault injection: all of this crate's
//! `unsafe` lives here.
//!
//! * [`CountingAlloc`] is a global allocator over `System` that counts live
//!   bytes and calls, per thread, so tests running in parallel in one binary
//!   do not see each other's allocations; [`CountingOver`] does the same over
//!   any other global allocator (jemalloc, mimalloc, ...).
//!   Both also count the blocks `page_alloc::PageAlloc` maps from the
//!   kernel (reported by its observer once a [`Counter`] has started),
//!   so a map on the default allocator is counted whole.
//!   Either refuses a thread's allocations on demand ([`Refusals`]), for
//!   storages that allocate through the global allocator.
//! * [`FailingAlloc`] is an `allocator_api2` allocator that fails on demand.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::ptr::NonNull;
use std::alloc::System;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use allocator_api2::alloc::{AllocError, Allocator, Global};

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static CALLS: Cell<u64> = const { Cell::new(0) };
    // High-water mark of LIVE since the latest `Counter::start`.
    static PEAK: Cell<isize> = const { Cell::new(0) };
    // Allocations this thread may still make before they are refused;
    // `usize::MAX` for never (see `Refusals`).
    static BUDGET: Cell<usize> = const { Cell::new(usize::MAX) };
    // Allocations refused on this thread.
    static REFUSED: Cell<usize> = const { Cell::new(0) };
    // The most LIVE an allocation may leave; `isize::MAX` for no limit
    // (see `Refusals::refuse_past`).
    static LIMIT: Cell<isize> = const { Cell::new(isize::MAX) };
}

static INSTALLED: AtomicBool = AtomicBool::new(false);

/// A global allocator that counts, per thread, the bytes live and the calls
/// made (allocations and reallocations; frees are not calls).
///
/// Install it with [`install_counting_allocator!`](crate::install_counting_allocator)
/// in a test or bench binary, then read the figures with [`Counter`].
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAlloc;

fn count(delta: isize, call: bool) {
    // `try_with`: during thread teardown the slots may be gone; those
    // allocations are simply not counted.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        if delta > 0 {
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        }
    });
    if call {
        let _ = CALLS.try_with(|calls| calls.set(calls.get() + 1));
    }
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
}

/// Whether this thread may allocate `grow` more bytes now (see
/// [`Refusals`]); a refusal is counted.
fn admit(grow: usize) -> bool {
    let within = LIMIT
        .try_with(|limit| {
            let live = LIVE.try_with(Cell::get).unwrap_or(0);
            isize::try_from(grow).is_ok_and(|grow| live.saturating_add(grow) <= limit.get())
        })
        .unwrap_or(true);
    if !within {
        let _ = REFUSED.try_with(|refused| refused.set(refused.get() + 1));
        return false;
    }
    BUDGET
        .try_with(|budget| match budget.get() {
            usize::MAX => true,
            0 => {
                let _ = REFUSED.try_with(|refused| refused.set(refused.get() + 1));
                false
            }
            n => {
                budget.set(n - 1);
                true
            }
        })
        .unwrap_or(true)
}

/// [`CountingAlloc`]'s counting over any inner global allocator `A`: the
/// same per-thread figures, read with the same [`Counter`].
///
/// ```ignore
/// #[global_allocator]
/// static GLOBAL: map_conformance::alloc::CountingOver<tikv_jemallocator::Jemalloc> =
///     map_conformance::alloc::CountingOver(tikv_jemallocator::Jemalloc);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingOver<A>(pub A);

// SAFETY: every method forwards to `A` with the caller's arguments
// unchanged, so `A`'s guarantees carry over, or returns null (a refusal,
// which `GlobalAlloc` allows) before reaching `A`; the bookkeeping touches
// only thread-local cells with const initialisers, which never allocate.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingOver<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !admit(layout.size()) {
            return core::ptr::null_mut();
        }
        // SAFETY: forwarded with the caller's guarantees (non-zero size).
        let ptr = unsafe { self.0.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize, true);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !admit(layout.size()) {
            return core::ptr::null_mut();
        }
        // SAFETY: as for `alloc`.
        let ptr = unsafe { self.0.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize, true);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller guarantees `ptr` came from this allocator (so
        // from `A`) with this layout.
        unsafe { self.0.dealloc(ptr, layout) };
        count(-(layout.size() as isize), false);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !admit(new_size.saturating_sub(layout.size())) {
            // Refused: the old block stays the caller's, as `realloc` says.
            return core::ptr::null_mut();
        }
        // SAFETY: forwarded with the caller's guarantees.
        let new = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(new_size as isize - layout.size() as isize, true);
        }
        new
    }
}

// SAFETY: forwards to `CountingOver(System)`, which forwards to `System`
// unchanged (see there).
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { CountingOver(System).alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { CountingOver(System).alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { CountingOver(System).dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { CountingOver(System).realloc(ptr, layout, new_size) }
    }
}

/// Installs [`CountingAlloc`] as the binary's global allocator.
///
/// ```ignore
/// map_conformance::install_counting_allocator!();
/// // or, counting over another global allocator:
/// map_conformance::install_counting_allocator!(tikv_jemallocator::Jemalloc);
/// ```
#[macro_export]
macro_rules! install_counting_allocator {
    () => {
        #[global_allocator]
        static COUNTING_ALLOCATOR: $crate::alloc::CountingAlloc = $crate::alloc::CountingAlloc;
    };
    // A unit-struct allocator, named once as its type and its value.
    ($inner:path) => {
        #[global_allocator]
        static COUNTING_ALLOCATOR: $crate::alloc::CountingOver<$inner> =
            $crate::alloc::CountingOver($inner);
    };
}

/// Whether [`CountingAlloc`] is the global allocator of this binary.
///
/// ```
/// map_conformance::install_counting_allocator!();
///
/// fn main() {
///     assert!(map_conformance::alloc::counting_installed());
/// }
/// ```
pub fn counting_installed() -> bool {
    drop(std::hint::black_box(Box::new(0u64)));
    INSTALLED.load(Ordering::Relaxed)
}

/// Bytes and allocator calls of the current thread since [`Counter::start`].
#[derive(Debug, Clone, Copy)]
pub struct Counter {
    live: isize,
    calls: u64,
}

impl Counter {
    /// Starts counting from now, and restarts this thread's high-water mark
    /// (see [`Counter::peak_bytes`]).
    ///
    /// # Panics
    ///
    /// If [`CountingAlloc`] is not the global allocator: figures would be 0.
    ///
    /// ```
    /// use map_conformance::alloc::Counter;
    ///
    /// map_conformance::install_counting_allocator!();
    ///
    /// fn main() {
    ///     let counter = Counter::start();
    ///     let buffer = vec![0u8; 1000];
    ///     assert_eq!(counter.live_bytes(), 1000);
    ///     drop(buffer);
    ///     assert_eq!(counter.live_bytes(), 0);
    /// }
    /// ```
    pub fn start() -> Self {
        assert!(
            counting_installed(),
            "install map_conformance::install_counting_allocator!() in this binary"
        );
        // Blocks page-alloc maps straight from the kernel (the maps'
        // default allocator's large tables) bypass the global allocator:
        // its observer reports them here, in the same thread's counts.
        page_alloc::set_observer(Some(count));
        let live = LIVE.with(Cell::get);
        PEAK.with(|peak| peak.set(live));
        Self {
            live,
            calls: CALLS.with(Cell::get),
        }
    }

    /// The highest [`live_bytes`](Counter::live_bytes) this thread reached
    /// since the start, exactly (it is kept at every allocation). A later
    /// `Counter::start` on the same thread restarts the mark, so read the
    /// peak of the innermost counter only.
    ///
    /// ```
    /// use map_conformance::alloc::Counter;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let counter = Counter::start();
    /// drop(std::hint::black_box(vec![0u8; 4096]));
    /// assert_eq!(counter.live_bytes(), 0);
    /// assert_eq!(counter.peak_bytes(), 4096);
    /// # }
    /// ```
    pub fn peak_bytes(&self) -> isize {
        PEAK.with(Cell::get) - self.live
    }

    /// Bytes allocated and not freed by this thread since the start (negative
    /// if it freed more than it allocated).
    ///
    /// ```
    /// use map_conformance::alloc::Counter;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let before = vec![0u8; 100];
    /// let counter = Counter::start();
    /// let kept = Box::new([0u8; 64]);
    /// drop(before);
    /// assert_eq!(counter.live_bytes(), 64 - 100, "freed more than allocated");
    /// # drop(kept);
    /// # }
    /// ```
    pub fn live_bytes(&self) -> isize {
        LIVE.with(Cell::get) - self.live
    }

    /// Allocation and reallocation calls made by this thread since the start.
    ///
    /// ```
    /// use map_conformance::alloc::Counter;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let counter = Counter::start();
    /// let mut v: Vec<u64> = Vec::with_capacity(1);
    /// v.push(1);
    /// v.push(2); // grows: a reallocation
    /// assert_eq!(counter.calls(), 2);
    /// # }
    /// ```
    pub fn calls(&self) -> u64 {
        CALLS.with(Cell::get) - self.calls
    }
}

/// The counting global allocator's refusals on the current thread, for
/// storages that allocate through the global allocator rather than an
/// allocator of their own (a bump arena's chunks, say): the switch that
/// [`FailingAlloc`] is for the others. Other threads allocate as usual.
///
/// Between [`fail_after`](Refusals::fail_after) and
/// [`never_fail`](Refusals::never_fail) (or the drop), every allocation of
/// this thread past the budget is refused, the test's own included: keep
/// such windows to the calls under test (a failed assertion there cannot
/// allocate its message, and aborts).
///
/// ```
/// use map_conformance::alloc::Refusals;
///
/// map_conformance::install_counting_allocator!();
///
/// fn main() {
///     let refusals = Refusals::start();
///     let mut v: Vec<u64> = Vec::new();
///     refusals.fail_after(0);
///     let refused = v.try_reserve(100).is_err();
///     refusals.never_fail();
///     assert!(refused);
///     assert_eq!(refusals.failures(), 1);
///     v.try_reserve(100).expect("allowed again");
///     assert_eq!(refusals.live_bytes(), 800);
/// }
/// ```
#[derive(Debug)]
pub struct Refusals {
    counter: Counter,
    refused: usize,
}

impl Refusals {
    /// Starts counting this thread's bytes and refusals, refusing nothing
    /// yet (by count or by bytes).
    ///
    /// # Panics
    ///
    /// If the counting allocator is not this binary's global allocator.
    pub fn start() -> Self {
        let counter = Counter::start();
        BUDGET.with(|budget| budget.set(usize::MAX));
        LIMIT.with(|limit| limit.set(isize::MAX));
        Self {
            counter,
            refused: REFUSED.with(Cell::get),
        }
    }

    /// Allows this thread `n` more allocations, then refuses every one.
    pub fn fail_after(&self, n: usize) {
        BUDGET.with(|budget| budget.set(n.min(usize::MAX - 1)));
    }

    /// Stops refusing, by count and by bytes.
    pub fn never_fail(&self) {
        BUDGET.with(|budget| budget.set(usize::MAX));
        LIMIT.with(|limit| limit.set(isize::MAX));
    }

    /// Refuses every allocation of this thread that would leave more than
    /// `bytes` bytes live since the start (a machine with that much memory),
    /// until [`never_fail`](Refusals::never_fail).
    ///
    /// ```
    /// use map_conformance::alloc::Refusals;
    ///
    /// map_conformance::install_counting_allocator!();
    ///
    /// fn main() {
    ///     let refusals = Refusals::start();
    ///     let mut v: Vec<u8> = Vec::new();
    ///     refusals.refuse_past(4096);
    ///     let big = v.try_reserve_exact(8192).is_err();
    ///     let small = v.try_reserve_exact(1024).is_ok();
    ///     refusals.never_fail();
    ///     assert!(big && small);
    /// }
    /// ```
    pub fn refuse_past(&self, bytes: usize) {
        let start = LIVE.with(Cell::get) - self.counter.live_bytes();
        let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
        LIMIT.with(|limit| limit.set(start.saturating_add(bytes)));
    }

    /// Allocations refused on this thread since the start.
    pub fn failures(&self) -> usize {
        REFUSED.with(Cell::get) - self.refused
    }

    /// Bytes this thread allocated and did not free since the start.
    pub fn live_bytes(&self) -> isize {
        self.counter.live_bytes()
    }
}

impl Drop for Refusals {
    fn drop(&mut self) {
        self.never_fail();
    }
}

/// The switch of a [`FailingAlloc`]: shared by all its clones.
#[derive(Debug, Default)]
struct Control {
    /// Allocations still allowed before failures start; `usize::MAX` for never.
    budget: AtomicUsize,
    failures: AtomicUsize,
    live: AtomicUsize,
    /// Allocations served.
    calls: AtomicUsize,
    /// The most live bytes an allocation may leave; `usize::MAX` for no
    /// limit.
    limit: AtomicUsize,
}

/// An `allocator_api2` allocator over the global one that fails on demand.
///
/// ```
/// use map_conformance::alloc::FailingAlloc;
/// use map_core::HashMap;
///
/// let alloc = FailingAlloc::new();
/// let mut map = HashMap::new_in(alloc.clone());
/// map.insert(1, 1);
/// alloc.fail_after(0);
/// assert!(map.try_reserve(1000).is_err());
/// alloc.never_fail();
/// assert!(map.try_reserve(1000).is_ok());
/// ```
#[derive(Debug, Clone)]
pub struct FailingAlloc {
    control: Arc<Control>,
}

impl Default for FailingAlloc {
    fn default() -> Self {
        Self::new()
    }
}

impl FailingAlloc {
    /// An allocator that never fails until told to.
    ///
    /// ```
    /// use map_conformance::alloc::FailingAlloc;
    /// use map_core::HashMap;
    ///
    /// let alloc = FailingAlloc::new();
    /// let mut map = HashMap::new_in(alloc.clone());
    /// map.insert(1u64, 1u64);
    /// assert_eq!(alloc.failures(), 0);
    /// assert!(alloc.live_bytes() > 0);
    /// ```
    pub fn new() -> Self {
        let alloc = Self {
            control: Arc::new(Control::default()),
        };
        alloc.never_fail();
        alloc
    }

    /// Allows `n` more allocations, then fails every one.
    ///
    /// ```
    /// use allocator_api2::alloc::Allocator;
    /// use map_conformance::alloc::FailingAlloc;
    /// use std::alloc::Layout;
    ///
    /// let alloc = FailingAlloc::new();
    /// let layout = Layout::new::<u64>();
    /// alloc.fail_after(1);
    /// let first = alloc.allocate(layout).expect("one more is allowed");
    /// assert!(alloc.allocate(layout).is_err());
    /// // SAFETY: `first` came from `alloc` with `layout`.
    /// unsafe { alloc.deallocate(first.cast(), layout) };
    /// ```
    pub fn fail_after(&self, n: usize) {
        self.control.budget.store(n, Ordering::SeqCst);
    }

    /// Stops failing.
    ///
    /// ```
    /// use allocator_api2::alloc::Allocator;
    /// use map_conformance::alloc::FailingAlloc;
    /// use std::alloc::Layout;
    ///
    /// let alloc = FailingAlloc::new();
    /// let layout = Layout::new::<u64>();
    /// alloc.fail_after(0);
    /// assert!(alloc.allocate(layout).is_err());
    /// alloc.never_fail();
    /// let block = alloc.allocate(layout).expect("allowed again");
    /// // SAFETY: `block` came from `alloc` with `layout`.
    /// unsafe { alloc.deallocate(block.cast(), layout) };
    /// ```
    pub fn never_fail(&self) {
        self.control.budget.store(usize::MAX, Ordering::SeqCst);
        self.control.limit.store(usize::MAX, Ordering::SeqCst);
    }

    /// Refuses every allocation that would leave more than `bytes` live
    /// through this allocator and its clones, as a machine with that much
    /// memory would, until [`never_fail`](Self::never_fail).
    ///
    /// ```
    /// use allocator_api2::alloc::Allocator;
    /// use map_conformance::alloc::FailingAlloc;
    /// use std::alloc::Layout;
    ///
    /// let alloc = FailingAlloc::new();
    /// alloc.refuse_past(4096);
    /// assert!(alloc.allocate(Layout::new::<[u8; 8192]>()).is_err());
    /// let layout = Layout::new::<[u8; 1024]>();
    /// let small = alloc.allocate(layout).expect("within the limit");
    /// // SAFETY: `small` came from `alloc` with `layout`.
    /// unsafe { alloc.deallocate(small.cast(), layout) };
    /// ```
    pub fn refuse_past(&self, bytes: usize) {
        self.control.limit.store(bytes, Ordering::SeqCst);
    }

    /// How many allocations were refused.
    ///
    /// ```
    /// use map_conformance::alloc::FailingAlloc;
    /// use map_core::HashMap;
    ///
    /// let alloc = FailingAlloc::new();
    /// let mut map: HashMap<u64, u64, _, _> = HashMap::new_in(alloc.clone());
    /// alloc.fail_after(0);
    /// assert!(map.try_reserve(100).is_err());
    /// assert!(alloc.failures() >= 1);
    /// ```
    pub fn failures(&self) -> usize {
        self.control.failures.load(Ordering::SeqCst)
    }

    /// How many allocations this allocator and its clones served (a grow or
    /// a shrink is one: a new block, the copy, and the old block freed).
    ///
    /// ```
    /// use map_conformance::alloc::FailingAlloc;
    /// use map_core::HashMap;
    ///
    /// let alloc = FailingAlloc::new();
    /// let mut map = HashMap::new_in(alloc.clone());
    /// assert_eq!(alloc.calls(), 0);
    /// map.insert(1u64, 1u64);
    /// assert_eq!(alloc.calls(), 1);
    /// ```
    pub fn calls(&self) -> usize {
        self.control.calls.load(Ordering::SeqCst)
    }

    /// Bytes currently allocated through this allocator and its clones.
    ///
    /// ```
    /// use map_conformance::alloc::FailingAlloc;
    /// use map_core::HashMap;
    ///
    /// let alloc = FailingAlloc::new();
    /// let mut map = HashMap::new_in(alloc.clone());
    /// map.insert(1u64, 1u64);
    /// assert!(alloc.live_bytes() > 0);
    /// drop(map);
    /// assert_eq!(alloc.live_bytes(), 0);
    /// ```
    pub fn live_bytes(&self) -> usize {
        self.control.live.load(Ordering::SeqCst)
    }

    fn admit(&self) -> bool {
        let budget = &self.control.budget;
        let mut current = budget.load(Ordering::SeqCst);
        loop {
            if current == usize::MAX {
                return true;
            }
            if current == 0 {
                self.control.failures.fetch_add(1, Ordering::SeqCst);
                return false;
            }
            match budget.compare_exchange(current, current - 1, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return true,
                Err(seen) => current = seen,
            }
        }
    }
}

// SAFETY: allocation and deallocation forward to `Global` unchanged; a
// refused allocation returns `Err` without touching memory. Clones share the
// control block, so memory from one clone may be freed by another, as
// `Allocator` requires of clones.
unsafe impl Allocator for FailingAlloc {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let limit = self.control.limit.load(Ordering::SeqCst);
        if self.live_bytes().saturating_add(layout.size()) > limit {
            self.control.failures.fetch_add(1, Ordering::SeqCst);
            return Err(AllocError);
        }
        if !self.admit() {
            return Err(AllocError);
        }
        let block = Global.allocate(layout)?;
        self.control.live.fetch_add(layout.size(), Ordering::SeqCst);
        self.control.calls.fetch_add(1, Ordering::SeqCst);
        Ok(block)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.control.live.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: the caller guarantees `ptr` was allocated by this
        // allocator (hence by `Global`) with `layout`.
        unsafe { Global.deallocate(ptr, layout) }
    }
}
