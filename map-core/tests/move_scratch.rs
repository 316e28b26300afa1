//! `table::try_move` takes its scratch space (the hashes, 8 bytes an entry)
//! from page-alloc, not from the global allocator: a global allocator may
//! keep a freed block of a few MiB resident (jemalloc and mimalloc do until
//! their purge timers run), so a large scratch block must be one that is
//! unmapped when freed.

use hashbrown::HashTable;
use map_conformance::alloc::Counter;
use map_core::toolkit::table;
use map_core::PageAlloc;

map_conformance::install_counting_allocator!();

#[test]
fn a_move_takes_no_large_block_from_the_global_allocator() {
    let hasher = |x: &u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let n = 100_000u64;
    let mut from = HashTable::new_in(PageAlloc);
    from.try_reserve(n as usize, hasher).expect("reserve");
    for i in 0..n {
        from.insert_unique(hasher(&i), i, hasher);
    }
    let counter = Counter::start();
    // The counter sees page-alloc's blocks too, through its observer; with
    // the observer off it counts the global allocator alone.
    page_alloc::set_observer(None);
    let moved = table::try_move(&mut from, PageAlloc, 0, hasher).expect("move");
    let global_peak = counter.peak_bytes();
    assert_eq!(moved.len(), n as usize);
    assert!(from.is_empty());
    assert!((0..n).all(|i| moved.find(hasher(&i), |x| *x == i) == Some(&i)));
    // The hashes of 100,000 entries take 800,000 bytes; none of them may
    // come from the global allocator.
    assert!(
        global_peak < 64 * 1024,
        "the move took {global_peak} bytes from the global allocator"
    );
}
