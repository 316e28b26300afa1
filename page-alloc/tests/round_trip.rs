//! Allocate, write, read and free blocks of many sizes and alignments on
//! both sides of the threshold, and see a refused mapping come back as an
//! error.

use allocator_api2::alloc::{Allocator, Layout};
use page_alloc::PageAlloc;

const T: usize = PageAlloc::THRESHOLD;

fn page() -> usize {
    PageAlloc::page_size().unwrap_or(4096)
}

/// Sizes below, at, just above and far above the threshold.
fn sizes() -> Vec<usize> {
    let p = page();
    vec![
        0,
        1,
        8,
        p - 1,
        p,
        p + 1,
        T - p,
        T - 1,
        T,
        T + 1,
        T + p - 1,
        T + p,
        100_000,
        1 << 20,
        (1 << 20) + 1,
        // Huge: touched only at its ends.
        256 << 20,
    ]
}

fn aligns() -> Vec<usize> {
    vec![1, 2, 8, 16, 64, 4096, page(), 2 * page()]
}

fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) % 251) as u8
}

/// The offsets written and read back: both ends and a sample between.
fn offsets(size: usize) -> Vec<usize> {
    if size <= 4 << 20 {
        (0..size).step_by(61).chain(size.checked_sub(1)).collect()
    } else {
        (0..size).step_by(size / 64).chain([size - 1]).collect()
    }
}

#[test]
fn every_size_and_alignment_round_trips() {
    for size in sizes() {
        for align in aligns() {
            let layout = Layout::from_size_align(size, align).unwrap();
            let block = PageAlloc.allocate(layout).unwrap();
            assert_eq!(
                block.len(),
                size,
                "{layout:?}: the block is the layout's size"
            );
            let ptr = block.cast::<u8>().as_ptr();
            assert_eq!(ptr as usize % align, 0, "{layout:?}: misaligned");
            for i in offsets(size) {
                // SAFETY: `i < size`, inside the live block.
                unsafe { ptr.add(i).write(pattern(i)) };
            }
            for i in offsets(size) {
                // SAFETY: as above; written just now.
                let byte = unsafe { ptr.add(i).read() };
                assert_eq!(byte, pattern(i), "{layout:?} at {i}");
            }
            // SAFETY: live, allocated with `layout`.
            unsafe { PageAlloc.deallocate(block.cast(), layout) };
        }
    }
}

#[test]
fn page_backed_blocks_are_page_aligned() {
    let Some(page) = PageAlloc::page_size() else {
        return;
    };
    for size in [T, T + 1, 3 * T + 17, 1 << 20] {
        let layout = Layout::from_size_align(size, 1).unwrap();
        assert!(PageAlloc::is_page_backed(layout));
        let block = PageAlloc.allocate(layout).unwrap();
        assert_eq!(block.cast::<u8>().as_ptr() as usize % page, 0);
        // SAFETY: live, allocated with `layout`.
        unsafe { PageAlloc.deallocate(block.cast(), layout) };
    }
}

#[test]
fn the_rule_reads_size_and_alignment_only() {
    let pages = PageAlloc::page_size().is_some();
    let page = page();
    let backed =
        |size, align| PageAlloc::is_page_backed(Layout::from_size_align(size, align).unwrap());
    assert!(!backed(0, 1));
    assert!(!backed(1, 1));
    assert!(!backed(T - 1, 8));
    assert_eq!(backed(T, 8), pages);
    assert_eq!(backed(T, page), pages);
    assert!(
        !backed(T, 2 * page),
        "over-aligned layouts go to the global allocator"
    );
    assert_eq!(backed(usize::MAX / 4, 1), pages);
}

#[test]
fn zeroed_blocks_are_zero() {
    for size in sizes() {
        for align in [1, 16, page(), 2 * page()] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // Dirty memory first, so that a reused block would show.
            if let Ok(dirty) = PageAlloc.allocate(layout) {
                let ptr = dirty.cast::<u8>().as_ptr();
                for i in offsets(size) {
                    // SAFETY: inside the live block.
                    unsafe { ptr.add(i).write(0xA5) };
                }
                // SAFETY: live, allocated with `layout`.
                unsafe { PageAlloc.deallocate(dirty.cast(), layout) };
            }
            let block = PageAlloc.allocate_zeroed(layout).unwrap();
            assert_eq!(block.len(), size);
            let ptr = block.cast::<u8>().as_ptr();
            if size <= 4 << 20 {
                // SAFETY: the whole block, live and initialised (zeroed).
                let bytes = unsafe { core::slice::from_raw_parts(ptr, size) };
                assert!(bytes.iter().all(|&b| b == 0), "{layout:?}");
            } else {
                for i in offsets(size) {
                    // SAFETY: inside the live block.
                    let byte = unsafe { ptr.add(i).read() };
                    assert_eq!(byte, 0, "{layout:?} at {i}");
                }
            }
            // SAFETY: live, allocated with `layout`.
            unsafe { PageAlloc.deallocate(block.cast(), layout) };
        }
    }
}

#[test]
fn a_refused_mapping_is_an_error() {
    if PageAlloc::page_size().is_none() {
        return;
    }
    // 4 EiB: more than any address space.
    let layout = Layout::from_size_align(1 << 62, 8).unwrap();
    assert!(PageAlloc::is_page_backed(layout));
    assert!(PageAlloc.allocate(layout).is_err());
    assert!(PageAlloc.allocate_zeroed(layout).is_err());
}

#[test]
fn many_blocks_live_at_once() {
    // Interleaved page-backed and global blocks, freed in another order.
    let mut blocks = Vec::new();
    for k in 0..64usize {
        let size = if k % 2 == 0 { T + k * 4099 } else { 100 + k };
        let layout = Layout::from_size_align(size, 8).unwrap();
        let block = PageAlloc.allocate(layout).unwrap();
        let ptr = block.cast::<u8>().as_ptr();
        // SAFETY: both ends of the live block.
        unsafe {
            ptr.write(k as u8);
            ptr.add(size - 1).write(k as u8);
        }
        blocks.push((block, layout));
    }
    let (evens, odds): (Vec<_>, Vec<_>) = blocks
        .into_iter()
        .enumerate()
        .partition(|(k, _)| k % 2 == 0);
    for (k, (block, layout)) in odds.into_iter().chain(evens.into_iter().rev()) {
        let ptr = block.cast::<u8>().as_ptr();
        // SAFETY: both ends of the live block, written above.
        unsafe {
            assert_eq!(ptr.read(), k as u8);
            assert_eq!(ptr.add(layout.size() - 1).read(), k as u8);
            PageAlloc.deallocate(block.cast(), layout);
        }
    }
}
