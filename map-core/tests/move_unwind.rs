//! The moves of `table::try_move` and `table::try_shrink`: every entry is
//! dropped exactly once, whether the hasher panics at any point of the move
//! or the move completes, and a panic leaves the source table whole. Entries
//! with drop glue (counted here) are hashed into a plan, then drained;
//! entries without are copied bitwise in one pass (`crate::raw`), which the
//! last test checks with entries holding `&mut` references, so that Miri
//! (`cargo +nightly miri test -p map-core --test move_unwind`) sees every
//! moved reference used again.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use hashbrown::HashTable;
use map_core::toolkit::table;
use map_core::Global;

/// An entry whose drop is counted, holding a heap block so that a double
/// drop is also a double free (which AddressSanitizer reports).
struct Entry {
    key: u64,
    _heap: Box<[u8; 24]>,
    drops: Rc<Cell<usize>>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

/// Entries per table: fewer under Miri, which runs these tests slowly.
const N: u64 = if cfg!(miri) { 300 } else { 1_000 };

fn hash(key: u64) -> u64 {
    key.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn filled(n: u64, drops: &Rc<Cell<usize>>) -> HashTable<Entry> {
    let mut t = HashTable::new();
    for key in 0..n {
        let e = Entry {
            key,
            _heap: Box::new([key as u8; 24]),
            drops: Rc::clone(drops),
        };
        t.insert_unique(hash(key), e, |e| hash(e.key));
    }
    t
}

#[test]
fn a_panicking_hasher_leaves_every_entry_in_the_source_once() {
    let n = N;
    for panic_at in [0, 1, 2, n / 2, n - 2, n - 1] {
        let drops = Rc::new(Cell::new(0));
        let mut t = filled(n, &drops);
        let calls = Cell::new(0u64);
        let hasher = |e: &Entry| {
            let c = calls.get();
            calls.set(c + 1);
            assert!(c != panic_at, "hasher panics at call {panic_at}");
            hash(e.key)
        };
        let r = catch_unwind(AssertUnwindSafe(|| {
            table::try_move(&mut t, Global, 0, hasher).map(|m| m.len())
        }));
        assert!(r.is_err(), "panicked at {panic_at}");
        assert_eq!(drops.get(), 0, "nothing dropped by the unwind ({panic_at})");
        assert_eq!(t.len(), n as usize);
        for key in 0..n {
            assert!(t.find(hash(key), |e| e.key == key).is_some(), "{key} kept");
        }
        drop(t);
        assert_eq!(drops.get(), n as usize, "each dropped once ({panic_at})");
    }
}

#[test]
fn a_completed_move_drops_nothing_and_hands_every_entry_over() {
    let n = N;
    let drops = Rc::new(Cell::new(0));
    let mut t = filled(n, &drops);
    let moved = table::try_move(&mut t, Global, 0, |e: &Entry| hash(e.key)).expect("move");
    assert_eq!(drops.get(), 0);
    assert!(t.is_empty());
    drop(t);
    assert_eq!(drops.get(), 0, "the source forgot its entries");
    assert_eq!(moved.len(), n as usize);
    for key in 0..n {
        assert!(moved.find(hash(key), |e| e.key == key).is_some());
    }
    drop(moved);
    assert_eq!(drops.get(), n as usize);
}

#[test]
fn a_shrink_with_a_panicking_hasher_keeps_the_table() {
    let drops = Rc::new(Cell::new(0));
    let mut t = filled(4 * N, &drops);
    t.retain(|e| e.key < 100);
    assert_eq!(drops.get(), 4 * N as usize - 100);
    let buckets = t.num_buckets();
    let calls = Cell::new(0u64);
    let r = catch_unwind(AssertUnwindSafe(|| {
        table::try_shrink(&mut t, 0, |e: &Entry| {
            calls.set(calls.get() + 1);
            assert!(calls.get() < 50, "hasher panics");
            hash(e.key)
        })
    }));
    assert!(r.is_err());
    assert_eq!((t.len(), t.num_buckets()), (100, buckets));
    assert_eq!(drops.get(), 4 * N as usize - 100);
    table::try_shrink(&mut t, 0, |e: &Entry| hash(e.key)).expect("shrink");
    assert!(t.num_buckets() < buckets);
    assert_eq!(
        drops.get(),
        4 * N as usize - 100,
        "the shrink dropped nothing"
    );
    drop(t);
    assert_eq!(drops.get(), 4 * N as usize);
}

/// Entries without drop glue, each holding a `&mut` to its own slot: a
/// panicking hasher leaves them all in the source, usable; a completed move
/// or shrink hands them over, and writes through the moved references
/// land.
#[test]
fn entries_without_drop_glue_move_in_one_pass() {
    type Slot<'a> = (u64, &'a mut u64);
    let n = N;
    let mut slots: Vec<u64> = (0..n).collect();
    let mut t: HashTable<Slot<'_>> = HashTable::new();
    for (key, slot) in (0..n).zip(slots.iter_mut()) {
        t.insert_unique(hash(key), (key, slot), |e| hash(e.0));
    }
    let holds = |t: &mut HashTable<Slot<'_>>, add: u64| {
        assert_eq!(t.len(), n as usize);
        for key in 0..n {
            let e = t.find_mut(hash(key), |e| e.0 == key).expect("kept");
            assert_eq!(*e.1, key + add);
            *e.1 += 1;
        }
    };
    for (round, panic_at) in [0, 1, n / 2, n - 1].into_iter().enumerate() {
        let calls = Cell::new(0u64);
        let r = catch_unwind(AssertUnwindSafe(|| {
            table::try_move(&mut t, Global, 0, |e: &Slot<'_>| {
                let c = calls.get();
                calls.set(c + 1);
                assert!(c != panic_at, "hasher panics at call {panic_at}");
                hash(e.0)
            })
            .map(|m| m.len())
        }));
        assert!(r.is_err(), "panicked at {panic_at}");
        holds(&mut t, round as u64);
    }
    let mut moved = table::try_move(&mut t, Global, 0, |e: &Slot<'_>| hash(e.0)).expect("move");
    assert!(t.is_empty());
    holds(&mut moved, 4);
    moved.retain(|e| e.0 < 10);
    table::try_shrink(&mut moved, 0, |e: &Slot<'_>| hash(e.0)).expect("shrink");
    for e in moved.iter_mut() {
        *e.1 += 1;
    }
    drop((t, moved));
    for (key, &slot) in (0..n).zip(&slots) {
        assert_eq!(slot, key + 5 + u64::from(key < 10), "slot {key}");
    }
}
