//! On Linux, the table a resize fills is mapped with its pages present
//! (`table::filling`), and room reserved ahead of its entries or for
//! entries larger than 512 bytes is not. (Once a resize has moved its
//! entries in, every page is present either way; the rule is observed here
//! on blocks that nothing touches.)
//!
//! The tests read the process's resident set, so they take turns, and
//! nothing else runs in this binary.

#![cfg(target_os = "linux")]

use std::sync::Mutex;

use allocator_api2::vec::Vec;
use map_core::toolkit::table;
use map_core::PageAlloc;

static TURN: Mutex<()> = Mutex::new(());

const BLOCK: usize = 16 << 20;

fn resident_bytes() -> usize {
    map_conformance::resident_bytes().expect("Linux reports it")
}

/// Resident growth while `filling::<T>` maps (and does not touch) a block
/// of `BLOCK` bytes for `entries` of `capacity`.
fn growth<T>(entries: usize, capacity: usize) -> usize {
    let before = resident_bytes();
    let block: Vec<u8, PageAlloc> = table::filling::<T, _>(entries, capacity, || {
        Vec::with_capacity_in(BLOCK, PageAlloc)
    });
    let after = resident_bytes();
    drop(block);
    after.saturating_sub(before)
}

#[test]
fn a_table_its_entries_fill_is_populated() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let grew = growth::<(u64, u64)>(500, 1000);
    assert!(grew >= BLOCK / 4 * 3, "grew by {grew} of {BLOCK}");
    let grew = growth::<[u8; 512]>(250, 1000);
    assert!(
        grew >= BLOCK / 4 * 3,
        "512-byte entries, a quarter full: {grew}"
    );
}

#[test]
fn room_reserved_ahead_of_its_entries_is_not() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let grew = growth::<(u64, u64)>(249, 1000);
    assert!(grew < BLOCK / 4, "under a quarter full: grew by {grew}");
}

#[test]
fn a_table_of_entries_larger_than_512_bytes_is_not() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let grew = growth::<[u8; 513]>(1000, 1000);
    assert!(grew < BLOCK / 4, "513-byte entries: grew by {grew}");
}
