//! On Linux, the pages of a freed block leave the resident set at once; a
//! block mapped inside `populating` is resident before it is touched, and
//! one mapped outside it is not.
//!
//! The tests read the process's resident set, so they take turns, and
//! nothing else runs in this binary.

/// The tests read one process-wide figure: one at a time.
#[cfg(target_os = "linux")]
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One test at a time (a failed one does not stop the others).
#[cfg(target_os = "linux")]
fn turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Resident bytes of this process, from /proc/self/statm (in pages).
#[cfg(target_os = "linux")]
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * page_alloc::PageAlloc::page_size().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn a_freed_block_leaves_the_resident_set() {
    use allocator_api2::alloc::{Allocator, Layout};
    use page_alloc::PageAlloc;

    let _turn = turn();
    const BLOCK: usize = 32 << 20;
    let page = PageAlloc::page_size().unwrap();
    let layout = Layout::from_size_align(BLOCK, 8).unwrap();
    let block = PageAlloc.allocate(layout).unwrap();
    let ptr = block.cast::<u8>().as_ptr();
    for offset in (0..BLOCK).step_by(page) {
        // SAFETY: inside the live block; a volatile write so that every
        // page is touched.
        unsafe { ptr.add(offset).write_volatile(1) };
    }
    let touched = resident_bytes();
    // SAFETY: live, allocated with `layout`.
    unsafe { PageAlloc.deallocate(block.cast(), layout) };
    let freed = resident_bytes();

    let dropped = touched.saturating_sub(freed);
    assert!(
        dropped >= BLOCK / 4 * 3,
        "resident {touched} bytes with the block, {freed} after: dropped {dropped} of {BLOCK}"
    );
}

/// `populating`, which needs `std` (its state is per thread).
#[cfg(all(target_os = "linux", feature = "std"))]
mod populated {
    use std::panic;
    use std::ptr::NonNull;

    use allocator_api2::alloc::{Allocator, Layout};
    use page_alloc::{populating, PageAlloc};

    use super::{resident_bytes, turn};

    const POPULATED: usize = 16 << 20;

    /// How many bytes the resident set grows by while `map` maps (and does not
    /// touch) a block of `POPULATED` bytes; the block is freed afterwards.
    fn resident_growth(map: impl FnOnce(Layout) -> NonNull<[u8]>) -> usize {
        let layout = Layout::from_size_align(POPULATED, 16).unwrap();
        let before = resident_bytes();
        let block = map(layout);
        let after = resident_bytes();
        // SAFETY: live, allocated by PageAlloc with `layout`.
        unsafe { PageAlloc.deallocate(block.cast(), layout) };
        after.saturating_sub(before)
    }

    fn plain(layout: Layout) -> NonNull<[u8]> {
        PageAlloc.allocate(layout).unwrap()
    }

    fn populated(layout: Layout) -> NonNull<[u8]> {
        populating(|| PageAlloc.allocate(layout).unwrap())
    }

    #[test]
    fn a_populated_block_is_resident_before_its_first_touch() {
        let _turn = turn();
        let grew = resident_growth(populated);
        assert!(
            grew >= POPULATED / 4 * 3,
            "populated: resident grew by {grew} of {POPULATED}"
        );
    }

    #[test]
    fn a_block_mapped_outside_is_not() {
        let _turn = turn();
        let grew = resident_growth(plain);
        assert!(
            grew < POPULATED / 4,
            "plain: resident grew by {grew} of {POPULATED}"
        );
    }

    #[test]
    fn the_state_comes_back_after_nesting_and_after_a_panic() {
        let _turn = turn();
        // Nested: still populating after the inner call returns.
        let grew = populating(|| {
            populating(|| ());
            resident_growth(plain)
        });
        assert!(
            grew >= POPULATED / 4 * 3,
            "nested: resident grew by {grew} of {POPULATED}"
        );
        assert!(resident_growth(plain) < POPULATED / 4, "after nesting");

        let unwound = panic::catch_unwind(|| populating(|| panic!("in the closure")));
        assert!(unwound.is_err());
        let grew = resident_growth(plain);
        assert!(
            grew < POPULATED / 4,
            "after a panic: resident grew by {grew} of {POPULATED}"
        );
    }
}
