//! mapped_bytes, thread_live_bytes and thread_calls before and after each
//! kind of call.
//!
//! `mapped_bytes` is process-wide, so every test of this binary holds
//! `LOCK` while it maps anything: the figures are then exact.

use std::sync::{Mutex, MutexGuard};

use allocator_api2::alloc::{Allocator, Layout};
use page_alloc::{mapped_bytes, thread_calls, thread_live_bytes, PageAlloc};

static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn pages(size: usize) -> usize {
    let page = PageAlloc::page_size().unwrap();
    size.div_ceil(page) * page
}

/// The three figures, relative to a start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Figures {
    mapped: isize,
    live: isize,
    calls: u64,
}

struct Start(usize, isize, u64);

impl Start {
    fn now() -> Self {
        Start(mapped_bytes(), thread_live_bytes(), thread_calls())
    }

    fn since(&self) -> Figures {
        Figures {
            mapped: mapped_bytes() as isize - self.0 as isize,
            live: thread_live_bytes() - self.1,
            calls: thread_calls() - self.2,
        }
    }
}

fn fig(mapped: usize, live: usize, calls: u64) -> Figures {
    Figures {
        mapped: mapped as isize,
        live: live as isize,
        calls,
    }
}

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, 8).unwrap()
}

#[test]
fn allocate_and_deallocate_count_layout_bytes_pages_and_calls() {
    let _guard = lock();
    if PageAlloc::page_size().is_none() {
        return;
    }
    let start = Start::now();
    let l = layout(100_000);
    let block = PageAlloc.allocate(l).unwrap();
    assert_eq!(start.since(), fig(pages(100_000), 100_000, 1));

    let z = layout(PageAlloc::THRESHOLD);
    let zeroed = PageAlloc.allocate_zeroed(z).unwrap();
    assert_eq!(
        start.since(),
        fig(pages(100_000) + pages(z.size()), 100_000 + z.size(), 2)
    );

    // SAFETY: both live with their layouts.
    unsafe {
        PageAlloc.deallocate(block.cast(), l);
        PageAlloc.deallocate(zeroed.cast(), z);
    }
    assert_eq!(start.since(), fig(0, 0, 4));
}

#[test]
fn blocks_of_the_global_allocator_are_not_counted() {
    let _guard = lock();
    let start = Start::now();
    let small = layout(PageAlloc::THRESHOLD - 100);
    let over_aligned = Layout::from_size_align(1 << 20, 1 << 20).unwrap();
    for l in [small, over_aligned, layout(0)] {
        let block = PageAlloc.allocate(l).unwrap();
        // SAFETY: live with `l`; growing.
        let grown = unsafe {
            PageAlloc.grow(
                block.cast(),
                l,
                Layout::from_size_align(l.size() + 10, l.align()).unwrap(),
            )
        }
        .unwrap();
        // SAFETY: live with the grown layout.
        unsafe {
            PageAlloc.deallocate(
                grown.cast(),
                Layout::from_size_align(l.size() + 10, l.align()).unwrap(),
            )
        };
    }
    assert_eq!(start.since(), fig(0, 0, 0));
}

#[test]
fn resizes_count_what_they_map_and_unmap() {
    let _guard = lock();
    if PageAlloc::page_size().is_none() {
        return;
    }
    let page = PageAlloc::page_size().unwrap();
    let start = Start::now();

    // From the global allocator across the threshold: one mmap.
    let small = layout(1000);
    let block = PageAlloc.allocate(small).unwrap();
    let a = layout(70_000);
    // SAFETY: live with `small`; growing.
    let block = unsafe { PageAlloc.grow(block.cast(), small, a) }.unwrap();
    assert_eq!(start.since(), fig(pages(70_000), 70_000, 1));

    // Within the same pages: no call, the layout bytes follow.
    let b = layout(pages(70_000));
    // SAFETY: live with `a`; growing.
    let block = unsafe { PageAlloc.grow(block.cast(), a, b) }.unwrap();
    assert_eq!(start.since(), fig(pages(70_000), pages(70_000), 1));

    // By whole pages: one mremap on Linux, mmap and munmap elsewhere.
    let c = layout(1 << 20);
    // SAFETY: live with `b`; growing.
    let block = unsafe { PageAlloc.grow_zeroed(block.cast(), b, c) }.unwrap();
    let grow_calls = if cfg!(target_os = "linux") { 1 } else { 2 };
    assert_eq!(start.since(), fig(1 << 20, 1 << 20, 2 + grow_calls - 1));
    let calls = start.since().calls;

    // Shrink by whole pages: one munmap of the tail.
    let d = layout(20 * page + 1);
    // SAFETY: live with `c`; shrinking.
    let block = unsafe { PageAlloc.shrink(block.cast(), c, d) }.unwrap();
    assert_eq!(start.since(), fig(21 * page, 20 * page + 1, calls + 1));

    // Below the threshold: the global allocator's block is not counted,
    // the unmap is.
    let e = layout(500);
    // SAFETY: live with `d`; shrinking.
    let block = unsafe { PageAlloc.shrink(block.cast(), d, e) }.unwrap();
    assert_eq!(start.since(), fig(0, 0, calls + 2));

    // SAFETY: live with `e`.
    unsafe { PageAlloc.deallocate(block.cast(), e) };
    assert_eq!(start.since(), fig(0, 0, calls + 2));
}

#[test]
fn a_refused_mapping_is_a_call_and_nothing_else() {
    let _guard = lock();
    if PageAlloc::page_size().is_none() {
        return;
    }
    let start = Start::now();
    assert!(PageAlloc.allocate(layout(1 << 62)).is_err());
    assert_eq!(start.since(), fig(0, 0, 1));
}

#[test]
fn each_thread_counts_its_own_calls_and_bytes() {
    let _guard = lock();
    if PageAlloc::page_size().is_none() {
        return;
    }
    let start = Start::now();
    let l = layout(200_000);
    // Mapped on another thread, handed over as an address.
    let addr = std::thread::spawn(move || {
        let before = (thread_live_bytes(), thread_calls());
        let block = PageAlloc.allocate(l).unwrap();
        assert_eq!(
            (thread_live_bytes(), thread_calls()),
            (before.0 + 200_000, before.1 + 1)
        );
        block.cast::<u8>().as_ptr() as usize
    })
    .join()
    .unwrap();
    // That thread's bytes are not ours; the process's are.
    assert_eq!(start.since(), fig(pages(200_000), 0, 0));

    let ptr = core::ptr::NonNull::new(addr as *mut u8).unwrap();
    // SAFETY: the block the other thread allocated with `l`, live.
    unsafe { PageAlloc.deallocate(ptr, l) };
    // Unmapped here: this thread's figure goes below its start.
    assert_eq!(start.since(), fig(0, 0, 1).with_live(-200_000));
}

impl Figures {
    fn with_live(self, live: isize) -> Self {
        Figures { live, ..self }
    }
}

#[test]
fn containers_see_the_counters_follow_their_layouts() {
    let _guard = lock();
    if PageAlloc::page_size().is_none() {
        return;
    }
    let start = Start::now();
    let mut v: allocator_api2::vec::Vec<u64, PageAlloc> =
        allocator_api2::vec::Vec::new_in(PageAlloc);
    for i in 0..300_000u64 {
        v.push(i);
        let bytes = v.capacity() * 8;
        let expected = if bytes >= PageAlloc::THRESHOLD {
            bytes as isize
        } else {
            0
        };
        assert_eq!(start.since().live, expected, "capacity {}", v.capacity());
        assert_eq!(
            start.since().mapped,
            if expected > 0 {
                pages(bytes) as isize
            } else {
                0
            }
        );
    }
    drop(v);
    assert_eq!(start.since().live, 0);
    assert_eq!(start.since().mapped, 0);
}
