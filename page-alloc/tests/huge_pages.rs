//! The huge-page hint reaches the kernel: off by default; once on, a
//! mapping of 2 MiB or more is marked for transparent huge pages (`hg` in
//! its `VmFlags`), a smaller one is not, and `set_huge_pages(false)` stops
//! the marking. One test, so the process-wide switch changes under no other
//! test. Linux only.
#![cfg(target_os = "linux")]

use allocator_api2::vec::Vec;
use page_alloc::{huge_pages, set_huge_pages, PageAlloc};

/// The `VmFlags` line of the mapping that holds `addr`, from
/// `/proc/self/smaps`.
fn vm_flags(addr: usize) -> String {
    let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
    let mut inside = false;
    for line in smaps.lines() {
        if let Some((range, _)) = line.split_once(' ') {
            if let Some((start, end)) = range.split_once('-') {
                if let (Ok(start), Ok(end)) = (
                    usize::from_str_radix(start, 16),
                    usize::from_str_radix(end, 16),
                ) {
                    inside = (start..end).contains(&addr);
                    continue;
                }
            }
        }
        if inside {
            if let Some(flags) = line.strip_prefix("VmFlags:") {
                return flags.to_string();
            }
        }
    }
    panic!("no mapping holds {addr:#x}");
}

fn flags_of_block(bytes: usize) -> String {
    let v: Vec<u8, PageAlloc> = Vec::with_capacity_in(bytes, PageAlloc);
    vm_flags(v.as_ptr() as usize)
}

fn marked(flags: &str) -> bool {
    flags.split_whitespace().any(|f| f == "hg")
}

#[test]
fn large_blocks_ask_for_huge_pages_unless_turned_off() {
    assert!(!huge_pages(), "off by default");
    let plain = flags_of_block(4 << 20);
    assert!(!marked(&plain), "a 4 MiB block, hint off: {plain}");

    set_huge_pages(true);
    let big = flags_of_block(4 << 20);
    assert!(marked(&big), "a 4 MiB block: {big}");
    let small = flags_of_block(1 << 20);
    assert!(!marked(&small), "a 1 MiB block: {small}");

    // A block that grows past 2 MiB by mremap asks when it crosses.
    let mut v: Vec<u8, PageAlloc> = Vec::with_capacity_in(1 << 20, PageAlloc);
    assert!(!marked(&vm_flags(v.as_ptr() as usize)));
    v.reserve_exact(8 << 20);
    let grown = vm_flags(v.as_ptr() as usize);
    assert!(marked(&grown), "grown to 9 MiB: {grown}");
    drop(v);

    set_huge_pages(false);
    let off = flags_of_block(4 << 20);
    assert!(!marked(&off), "hint off again: {off}");
}
