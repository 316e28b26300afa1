//! Plugging your own allocator into `map_core::HashMap`.
//!
//! `LimitAlloc` gives each map a byte budget: allocations past it fail. The
//! map reports the failure through `try_reserve`, and when it cannot get a
//! smaller table during an automatic shrink it simply keeps the one it has.
//! Any `allocator_api2::alloc::Allocator + Clone` works the same way.
//!
//! Run it with `cargo run --release -p map-core --example custom_allocator`.

use std::alloc::Layout;
use std::cell::Cell;
use std::ptr::NonNull;
use std::rc::Rc;

use allocator_api2::alloc::{AllocError, Allocator};
use map_core::HashMap;
use map_core::PageAlloc;

/// An allocator with a byte budget, shared by its clones.
#[derive(Clone, Debug)]
pub struct LimitAlloc {
    used: Rc<Cell<usize>>,
    limit: usize,
}

impl LimitAlloc {
    /// An allocator that refuses to hold more than `limit` bytes at once.
    pub fn new(limit: usize) -> Self {
        Self {
            used: Rc::new(Cell::new(0)),
            limit,
        }
    }

    /// Bytes held right now.
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

fn main() {
    let alloc = LimitAlloc::new(64 << 20);
    let mut map = HashMap::new_in(alloc.clone());
    for i in 0..100_000u64 {
        map.insert(i, [0u8; 128]);
    }
    let (filled, filled_used) = (map.memory(), alloc.used());
    for i in 0..100_000u64 {
        map.remove(&i);
    }
    let (emptied, emptied_used) = (map.memory(), alloc.used());
    println!("filled:  {filled:?}, allocator holds {filled_used} B");
    println!("emptied: {emptied:?}, allocator holds {emptied_used} B");

    // Past the budget, reserving fails instead of aborting.
    let err = map.try_reserve(1 << 20).unwrap_err();
    println!("reserving a million entries: {err:?}");
}
