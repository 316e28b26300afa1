//! grow, grow_zeroed and shrink within and across the threshold, both
//! directions, keeping contents.

use core::ptr::NonNull;

use allocator_api2::alloc::{Allocator, Layout};
use page_alloc::PageAlloc;

const T: usize = PageAlloc::THRESHOLD;

fn page() -> usize {
    PageAlloc::page_size().unwrap_or(4096)
}

fn sizes() -> Vec<usize> {
    let p = page();
    vec![
        1,
        1000,
        T - 1,
        T,
        T + 1,
        20 * p,
        20 * p + 1,
        1 << 20,
        3 << 20,
    ]
}

fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) % 251) as u8 ^ 0x5A
}

/// A block of `layout` filled with the pattern.
fn filled(layout: Layout) -> NonNull<[u8]> {
    let block = PageAlloc.allocate(layout).unwrap();
    let ptr = block.cast::<u8>().as_ptr();
    for i in 0..layout.size() {
        // SAFETY: inside the live block.
        unsafe { ptr.add(i).write(pattern(i)) };
    }
    block
}

/// Checks that the first `kept` bytes hold the pattern.
fn assert_kept(block: NonNull<[u8]>, kept: usize, what: &str) {
    let ptr = block.cast::<u8>().as_ptr();
    for i in 0..kept {
        // SAFETY: `kept` is at most the live block's size.
        let byte = unsafe { ptr.add(i).read() };
        assert_eq!(byte, pattern(i), "{what}: byte {i} lost");
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Grow,
    GrowZeroed,
    Shrink,
}

fn resize(block: NonNull<[u8]>, old: Layout, new: Layout, op: Op) -> NonNull<[u8]> {
    let ptr = block.cast();
    // SAFETY: `block` is live with `old`; the sizes are ordered as `op`
    // requires (checked by the callers).
    unsafe {
        match op {
            Op::Grow => PageAlloc.grow(ptr, old, new),
            Op::GrowZeroed => PageAlloc.grow_zeroed(ptr, old, new),
            Op::Shrink => PageAlloc.shrink(ptr, old, new),
        }
    }
    .unwrap()
}

fn check(old: Layout, new: Layout, op: Op) {
    let what = format!("{op:?} {old:?} -> {new:?}");
    let block = filled(old);
    let moved = resize(block, old, new, op);
    assert_eq!(moved.len(), new.size(), "{what}");
    assert_eq!(
        moved.cast::<u8>().as_ptr() as usize % new.align(),
        0,
        "{what}: misaligned"
    );
    assert_kept(moved, old.size().min(new.size()), &what);
    if let Op::GrowZeroed = op {
        let ptr = moved.cast::<u8>().as_ptr();
        for i in old.size()..new.size() {
            // SAFETY: inside the live, grown block.
            let byte = unsafe { ptr.add(i).read() };
            assert_eq!(byte, 0, "{what}: byte {i} not zero");
        }
    }
    // SAFETY: live with `new`.
    unsafe { PageAlloc.deallocate(moved.cast(), new) };
}

#[test]
fn grow_keeps_contents_within_and_across_the_threshold() {
    for &from in &sizes() {
        for &to in sizes().iter().filter(|&&to| to >= from) {
            let old = Layout::from_size_align(from, 8).unwrap();
            let new = Layout::from_size_align(to, 8).unwrap();
            check(old, new, Op::Grow);
            check(old, new, Op::GrowZeroed);
        }
    }
}

#[test]
fn shrink_keeps_contents_within_and_across_the_threshold() {
    for &from in &sizes() {
        for &to in sizes().iter().filter(|&&to| to <= from) {
            let old = Layout::from_size_align(from, 8).unwrap();
            let new = Layout::from_size_align(to, 8).unwrap();
            check(old, new, Op::Shrink);
        }
    }
}

#[test]
fn alignment_changes_move_between_the_kinds() {
    let page = page();
    let big = 1 << 20;
    for (old_align, new_align) in [(8, 2 * page), (2 * page, 8), (8, page), (page, 16)] {
        let old = Layout::from_size_align(big, old_align).unwrap();
        for (to, op) in [
            (big, Op::Grow),
            (2 * big, Op::Grow),
            (2 * big, Op::GrowZeroed),
            (T, Op::Shrink),
            (100, Op::Shrink),
        ] {
            let new = Layout::from_size_align(to, new_align).unwrap();
            check(old, new, op);
        }
    }
}

#[test]
fn a_resize_within_the_same_pages_returns_the_same_block() {
    if PageAlloc::page_size().is_none() {
        return;
    }
    let page = page();
    let old = Layout::from_size_align(T + 1, 8).unwrap();
    let block = filled(old);
    let ptr = block.cast::<u8>();

    let same_pages = Layout::from_size_align(T + page, 8).unwrap();
    let grown = resize(block, old, same_pages, Op::Grow);
    assert_eq!(grown.cast::<u8>(), ptr);
    assert_eq!(grown.len(), T + page);

    let shrunk = resize(grown, same_pages, old, Op::Shrink);
    assert_eq!(shrunk.cast::<u8>(), ptr);
    assert_kept(shrunk, old.size(), "same pages");
    // SAFETY: live with `old`.
    unsafe { PageAlloc.deallocate(shrunk.cast(), old) };
}

#[test]
fn a_shrink_by_whole_pages_stays_in_place() {
    if PageAlloc::page_size().is_none() {
        return;
    }
    let old = Layout::from_size_align(1 << 20, 8).unwrap();
    let new = Layout::from_size_align(T + 5, 8).unwrap();
    let block = filled(old);
    let shrunk = resize(block, old, new, Op::Shrink);
    assert_eq!(shrunk.cast::<u8>(), block.cast::<u8>());
    assert_kept(shrunk, new.size(), "shrunk in place");
    // SAFETY: live with `new`.
    unsafe { PageAlloc.deallocate(shrunk.cast(), new) };
}

#[test]
fn grow_zeroed_clears_bytes_left_by_an_in_place_shrink() {
    let page = page();
    let full = Layout::from_size_align(25 * page - 10, 8).unwrap();
    let cut = Layout::from_size_align(24 * page + 7, 8).unwrap();
    for to in [25 * page - 10, 25 * page, 60 * page + 3] {
        // Fill the whole block, shrink it within its pages (the tail keeps
        // its bytes), then grow it back zeroed.
        let block = filled(full);
        let shrunk = resize(block, full, cut, Op::Shrink);
        let new = Layout::from_size_align(to, 8).unwrap();
        check_grown_zeroed(shrunk, cut, new);
    }
}

fn check_grown_zeroed(block: NonNull<[u8]>, old: Layout, new: Layout) {
    let grown = resize(block, old, new, Op::GrowZeroed);
    assert_kept(grown, old.size(), "grow_zeroed");
    let ptr = grown.cast::<u8>().as_ptr();
    for i in old.size()..new.size() {
        // SAFETY: inside the live block.
        let byte = unsafe { ptr.add(i).read() };
        assert_eq!(byte, 0, "{new:?}: byte {i} not zero");
    }
    // SAFETY: live with `new`.
    unsafe { PageAlloc.deallocate(grown.cast(), new) };
}

#[test]
fn a_refused_grow_leaves_the_block_alone() {
    if PageAlloc::page_size().is_none() {
        return;
    }
    let old = Layout::from_size_align(1 << 20, 8).unwrap();
    let huge = Layout::from_size_align(1 << 62, 8).unwrap();
    let block = filled(old);
    // SAFETY: live with `old`; growing.
    assert!(unsafe { PageAlloc.grow(block.cast(), old, huge) }.is_err());
    // SAFETY: as above.
    assert!(unsafe { PageAlloc.grow_zeroed(block.cast(), old, huge) }.is_err());
    assert_kept(block, old.size(), "after a refused grow");
    // SAFETY: still live with `old`.
    unsafe { PageAlloc.deallocate(block.cast(), old) };
}
