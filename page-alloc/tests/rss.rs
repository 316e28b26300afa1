//! On Linux, the pages of a freed block leave the resident set at once.
//!
//! Alone in its binary, so that no other test allocates while it reads the
//! resident set.

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
