//! On Linux, a block mapped inside `populating` is resident before it is
//! touched, and one mapped outside it is not.
//!
//! The tests read the process's resident set, so they take turns, and
//! nothing else runs in this binary.

#![cfg(target_os = "linux")]

use std::panic;
use std::sync::Mutex;

use allocator_api2::alloc::{Allocator, Layout};
use page_alloc::{populating, PageAlloc};

/// The tests read one process-wide figure: one at a time.
static TURN: Mutex<()> = Mutex::new(());

const BLOCK: usize = 16 << 20;

/// Resident bytes of this process, from /proc/self/statm (in pages).
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * PageAlloc::page_size().unwrap()
}

/// How many bytes the resident set grows by while `map` maps (and does not
/// touch) a block of `BLOCK` bytes; the block is freed afterwards.
fn resident_growth(map: impl FnOnce(Layout) -> std::ptr::NonNull<[u8]>) -> usize {
    let layout = Layout::from_size_align(BLOCK, 16).unwrap();
    let before = resident_bytes();
    let block = map(layout);
    let after = resident_bytes();
    // SAFETY: live, allocated by PageAlloc with `layout`.
    unsafe { PageAlloc.deallocate(block.cast(), layout) };
    after.saturating_sub(before)
}

fn plain(layout: Layout) -> std::ptr::NonNull<[u8]> {
    PageAlloc.allocate(layout).unwrap()
}

fn populated(layout: Layout) -> std::ptr::NonNull<[u8]> {
    populating(|| PageAlloc.allocate(layout).unwrap())
}

#[test]
fn a_populated_block_is_resident_before_its_first_touch() {
    let _turn = TURN.lock().unwrap();
    let grew = resident_growth(populated);
    assert!(
        grew >= BLOCK / 4 * 3,
        "populated: resident grew by {grew} of {BLOCK}"
    );
}

#[test]
fn a_block_mapped_outside_is_not() {
    let _turn = TURN.lock().unwrap();
    let grew = resident_growth(plain);
    assert!(
        grew < BLOCK / 4,
        "plain: resident grew by {grew} of {BLOCK}"
    );
}

#[test]
fn the_state_comes_back_after_nesting_and_after_a_panic() {
    let _turn = TURN.lock().unwrap();
    // Nested: still populating after the inner call returns.
    let grew = populating(|| {
        populating(|| ());
        resident_growth(plain)
    });
    assert!(
        grew >= BLOCK / 4 * 3,
        "nested: resident grew by {grew} of {BLOCK}"
    );
    assert!(resident_growth(plain) < BLOCK / 4, "after nesting");

    let unwound = panic::catch_unwind(|| populating(|| panic!("in the closure")));
    assert!(unwound.is_err());
    let grew = resident_growth(plain);
    assert!(
        grew < BLOCK / 4,
        "after a panic: resident grew by {grew} of {BLOCK}"
    );
}
