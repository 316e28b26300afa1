//! The resident memory of a process that allocates 64 MiB in four blocks,
//! touches them and frees them, through `PageAlloc` and then through the
//! global allocator.
//!
//! `cargo run -p page-alloc --example rss` (Linux: the resident set comes
//! from /proc/self/statm; elsewhere only the mapped bytes are shown).
//!
//! Under glibc malloc, the global allocator's 64 MiB stay resident after
//! they are freed: the process once freed a large block, so glibc raised its
//! mmap threshold and serves 16 MiB blocks from its heap, and small
//! allocations made after them (here one per block, as any running program
//! makes) keep it from trimming the heap, which it trims only from the top.
//! PageAlloc's 64 MiB leave with the `munmap` of each block.

use allocator_api2::alloc::{Allocator, Global};
use allocator_api2::vec::Vec;
use page_alloc::{mapped_bytes, PageAlloc};

const BLOCK: usize = 16 << 20;
const BLOCKS: usize = 4;
const MIB: f64 = (1 << 20) as f64;

/// Resident bytes of this process, where the system says.
fn resident_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * PageAlloc::page_size()?)
}

fn show(step: &str) {
    let rss = match resident_bytes() {
        Some(bytes) => format!("{:7.1} MiB", bytes as f64 / MIB),
        None => "    n/a    ".to_string(),
    };
    println!(
        "{step:<52} resident {rss}   mapped by PageAlloc {:5.1} MiB",
        mapped_bytes() as f64 / MIB
    );
}

/// Allocates, touches and frees `BLOCKS` blocks of `BLOCK` bytes.
fn round<A: Allocator + Copy>(name: &str, alloc: A) {
    let mut blocks = std::vec::Vec::new();
    // Small and long-lived, allocated after each block.
    let mut pins = std::vec::Vec::new();
    for _ in 0..BLOCKS {
        let mut block: Vec<u8, A> = Vec::with_capacity_in(BLOCK, alloc);
        block.resize(BLOCK, 1);
        blocks.push(block);
        pins.push(Box::new(0u64));
    }
    show(&format!("{name}: 4 x 16 MiB allocated and written"));
    drop(blocks);
    show(&format!("{name}: freed"));
    drop(pins);
}

fn main() {
    show("start");
    // What a long-running process has done at some point: free a block
    // that malloc had mapped (glibc then raises its mmap threshold).
    drop(std::vec::Vec::<u8>::with_capacity(BLOCK));

    round("PageAlloc", PageAlloc);
    round("global allocator", Global);
    show("end");
}
