//! `table::try_move` allocates the new table and nothing else: each entry
//! is hashed where it lies and moved once, with no scratch space (a block
//! of a few MiB for the hashes of a large table, which a global allocator
//! may keep resident after it is freed).

use hashbrown::HashTable;
use map_conformance::alloc::Counter;
use map_core::toolkit::table;
use map_core::PageAlloc;

map_conformance::install_counting_allocator!();

#[test]
fn a_move_allocates_the_new_table_and_nothing_else() {
    let hasher = |x: &u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let n = 100_000u64;
    let mut from = HashTable::new_in(PageAlloc);
    from.try_reserve(n as usize, hasher).expect("reserve");
    for i in 0..n {
        from.insert_unique(hasher(&i), i, hasher);
    }
    // The counter sees page-alloc's blocks too, through its observer.
    let counter = Counter::start();
    let moved = table::try_move(&mut from, PageAlloc, 0, hasher).expect("move");
    assert_eq!(counter.calls(), 1, "one allocation: the new table");
    assert_eq!(
        counter.peak_bytes(),
        moved.allocation_size() as isize,
        "no other block, even for a moment"
    );
    assert_eq!(moved.len(), n as usize);
    assert!(from.is_empty());
    assert!((0..n).all(|i| moved.find(hasher(&i), |x| *x == i) == Some(&i)));
}
