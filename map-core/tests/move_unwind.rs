//! The one-pass move of `table::try_move` and `table::try_shrink` (bitwise
//! copies, with exactly one owner of each entry at any moment): every entry
//! is dropped exactly once, whether the hasher panics at any point of the
//! move or the move completes; a panic leaves the source table whole.

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
    let n = 1_000u64;
    for panic_at in [0, 1, 2, 499, 998, 999] {
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
    let n = 1_000u64;
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
    let mut t = filled(10_000, &drops);
    t.retain(|e| e.key < 100);
    assert_eq!(drops.get(), 9_900);
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
    assert_eq!(drops.get(), 9_900);
    table::try_shrink(&mut t, 0, |e: &Entry| hash(e.key)).expect("shrink");
    assert!(t.num_buckets() < buckets);
    assert_eq!(drops.get(), 9_900, "the shrink dropped nothing");
    drop(t);
    assert_eq!(drops.get(), 10_000);
}
