//! A user-written allocator for `map_core::HashMap`, registered as the
//! `map-core+limit-alloc` variant in [`for_each_variant!`](crate::for_each_variant).
//!
//! [`LimitAlloc`] is the allocator of map-core's example
//! `map-core/examples/custom_allocator.rs` (a byte budget in about 30
//! lines), kept here as a module of its own so that bench-suite builds from
//! its own files alone. The code is the example's, line for line
//! (`tests/limit_alloc.rs` checks it in the workspace); only the docs
//! differ. It shows that the reclamation figures do not depend on the
//! allocator: the variant reports the same as `map-core`.

use std::alloc::Layout;
use std::cell::Cell;
use std::ptr::NonNull;
use std::rc::Rc;

use allocator_api2::alloc::{AllocError, Allocator};
use map_core::PageAlloc;

/// An allocator with a byte budget, shared by its clones.
///
/// ```
/// use bench_suite::limit_alloc::LimitAlloc;
/// use map_core::HashMap;
///
/// let alloc = LimitAlloc::new(1 << 20);
/// let mut map = HashMap::new_in(alloc.clone());
/// map.insert(1u64, 1u64);
/// assert_eq!(alloc.used(), map.memory().allocated_bytes);
/// // Past the budget, reserving fails instead of aborting.
/// assert!(map.try_reserve(1 << 20).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct LimitAlloc {
    used: Rc<Cell<usize>>,
    limit: usize,
}

impl LimitAlloc {
    /// An allocator that refuses to hold more than `limit` bytes at once.
    ///
    /// ```
    /// use allocator_api2::alloc::{Allocator, Layout};
    /// use bench_suite::limit_alloc::LimitAlloc;
    ///
    /// let alloc = LimitAlloc::new(64);
    /// assert!(alloc.allocate(Layout::new::<[u8; 65]>()).is_err());
    /// let block = alloc.allocate(Layout::new::<[u8; 64]>()).unwrap();
    /// assert_eq!(alloc.used(), 64);
    /// // SAFETY: `block` came from `alloc` with this layout.
    /// unsafe { alloc.deallocate(block.cast(), Layout::new::<[u8; 64]>()) };
    /// ```
    pub fn new(limit: usize) -> Self {
        Self {
            used: Rc::new(Cell::new(0)),
            limit,
        }
    }

    /// Bytes held right now.
    ///
    /// ```
    /// use bench_suite::limit_alloc::LimitAlloc;
    /// use map_core::HashMap;
    ///
    /// let alloc = LimitAlloc::new(usize::MAX / 2);
    /// let mut map = HashMap::new_in(alloc.clone());
    /// assert_eq!(alloc.used(), 0);
    /// map.extend((0..1000u64).map(|i| (i, i)));
    /// assert!(alloc.used() >= 1000 * 16);
    /// drop(map);
    /// assert_eq!(alloc.used(), 0);
    /// ```
    pub fn used(&self) -> usize {
        self.used.get()
    }
}

// SAFETY: blocks come from `PageAlloc` (the maps' default allocator, whose
// large blocks go back to the kernel when freed) and go back to it with the
// same layout; the budget only decides whether to ask.
unsafe impl Allocator for LimitAlloc {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let used = self.used.get() + layout.size();
        if used > self.limit {
            return Err(AllocError);
        }
        let block = PageAlloc.allocate(layout)?;
        self.used.set(used);
        Ok(block)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.used.set(self.used.get() - layout.size());
        // SAFETY: `ptr` was allocated by `PageAlloc` with `layout` above.
        unsafe { PageAlloc.deallocate(ptr, layout) }
    }
}
