//! The promises a std user relies on without reading our docs: capacity
//! asked for is kept, nothing is given back unless an entry left, no resize
//! follows another within a fifth of the entries, and a cleared map that is
//! refilled reuses its storage while one left alone gives it back.

use map_conformance::alloc::Counter;
use map_core::{HashMap, ReclaimMap, ReclaimPolicy};
use proptest::prelude::*;

map_conformance::install_counting_allocator!();

type Entry = (u64, [u8; 128]);

fn filled(n: u64) -> HashMap<u64, u64> {
    (0..n).map(|i| (i, i)).collect()
}

/// A map that removals left sparse, with a shrink pending for the next insert.
fn sparse_with_pending_shrink() -> HashMap<u64, u64> {
    // 2048 buckets, room for 1792: removals shrink at 223 entries, the
    // next insert at 358.
    let mut map = filled(1000);
    let bytes = map.memory().allocated_bytes;
    for i in 300..1000 {
        map.remove(&i);
    }
    assert_eq!(map.len(), 300);
    assert_eq!(
        map.memory().allocated_bytes,
        bytes,
        "not drained far enough to shrink yet"
    );
    map
}

#[test]
fn with_capacity_survives_removals() {
    let mut map = HashMap::with_capacity(100_000);
    let capacity = map.capacity();
    assert!(capacity >= 100_000);
    for i in 0..10u64 {
        map.insert(i, i);
    }
    map.remove(&3);
    assert_eq!(map.capacity(), capacity);
    for i in 0..10u64 {
        map.remove(&i);
    }
    assert_eq!(map.capacity(), capacity, "emptied, still pre-sized");
    // Filling past the floor and draining goes back down to it, not below.
    for i in 0..200_000u64 {
        map.insert(i, i);
    }
    for i in 0..200_000u64 {
        map.remove(&i);
    }
    assert!(map.capacity() >= 100_000);
    assert!(map.capacity() < 200_000);
}

#[test]
fn reserve_survives_the_next_insert() {
    let mut map = sparse_with_pending_shrink();
    map.reserve(5000);
    let capacity = map.capacity();
    assert!(capacity >= 5010);
    map.insert(5000, 0);
    assert_eq!(map.capacity(), capacity);
    for i in 0..10 {
        map.remove(&i);
    }
    assert_eq!(map.capacity(), capacity);

    let mut map = sparse_with_pending_shrink();
    map.try_reserve(5000).unwrap();
    let capacity = map.capacity();
    map.insert(5000, 0);
    assert_eq!(map.capacity(), capacity);
}

#[test]
fn a_failed_try_reserve_sets_no_floor() {
    let mut map = sparse_with_pending_shrink();
    let before = map.capacity();
    assert!(map.try_reserve(usize::MAX).is_err());
    map.insert(5000, 0);
    assert!(map.capacity() < before, "the pending shrink still happens");
}

#[test]
fn shrink_to_sets_the_floor_and_shrink_to_fit_drops_it() {
    let mut map: HashMap<u64, u64> = HashMap::with_capacity(10_000);
    map.shrink_to(1_000);
    let floor = map.capacity();
    let floor_bytes = map.memory().allocated_bytes;
    assert!((1_000..10_000).contains(&floor));
    for i in 0..5_000 {
        map.insert(i, i);
    }
    for i in 0..5_000 {
        map.remove(&i);
    }
    // The table of the floor's size (its `capacity()` may read a little
    // lower while removals left deleted markers in it, as hashbrown's does).
    assert_eq!(
        map.memory().allocated_bytes,
        floor_bytes,
        "drained down to the new floor"
    );
    assert!(map.capacity() >= 1_000);

    map.shrink_to_fit();
    assert_eq!(map.memory().allocated_bytes, 0);
    for i in 0..5_000 {
        map.insert(i, i);
    }
    for i in 0..5_000 {
        map.remove(&i);
    }
    assert!(map.capacity() < floor, "no floor left: {}", map.capacity());

    let mut map: HashMap<u64, u64> = HashMap::with_capacity(10_000);
    map.insert(1, 1);
    map.reclaim();
    for i in 0..5_000 {
        map.insert(i, i);
    }
    for i in 1..5_000 {
        map.remove(&i);
    }
    assert!(map.capacity() < 1_000, "reclaim() dropped the floor");
}

/// Runs `op` on `map` and asserts that it neither resized nor called the
/// allocator.
fn untouched<M: ReclaimMap<u64, u64>>(map: &mut M, what: &str, op: impl FnOnce(&mut M)) {
    let before = map.memory().allocated_bytes;
    let counter = Counter::start();
    op(map);
    assert_eq!(counter.calls(), 0, "{what}: allocator called");
    assert_eq!(counter.live_bytes(), 0, "{what}: memory changed");
    assert_eq!(map.memory().allocated_bytes, before, "{what}: resized");
}

#[test]
fn nothing_is_given_back_unless_an_entry_left() {
    let maps = [
        ("empty", HashMap::new()),
        ("pre-sized", HashMap::with_capacity(100_000)),
        ("sparse", sparse_with_pending_shrink()),
        ("sparse, manual", {
            let mut m = sparse_with_pending_shrink();
            m.set_policy(ReclaimPolicy::manual());
            m
        }),
    ];
    for (name, mut map) in maps {
        let len = map.len();
        untouched(&mut map, name, |m| assert_eq!(m.remove(&1_000_000), None));
        untouched(&mut map, name, |m| {
            assert_eq!(m.remove_entry(&1_000_000), None)
        });
        untouched(&mut map, name, |m| m.retain(|_, _| true));
        untouched(&mut map, name, |m| {
            for i in 0..20 {
                m.get(&i);
                m.contains_key(&i);
                m.get_mut(&i);
            }
        });
        untouched(&mut map, name, |m| {
            // An absent key's entry that is not inserted into.
            assert_eq!(*m.entry(1_000_000).key(), 1_000_000);
        });
        if len > 0 {
            untouched(&mut map, name, |m| {
                *m.entry(3).or_insert(0) += 1;
                m.entry(4).and_modify(|v| *v += 1);
            });
        }
        assert_eq!(map.len(), len);
    }
}

#[test]
fn present_keys_do_not_grow_a_full_table() {
    let mut map: HashMap<u64, u64> = HashMap::with_capacity(3);
    for i in 0..map.capacity() as u64 {
        map.insert(i, i);
    }
    assert_eq!(map.len(), map.capacity(), "full");
    untouched(&mut map, "entry", |m| *m.entry(0).or_default() += 1);
    untouched(&mut map, "overwrite", |m| {
        assert_eq!(m.insert(1, 7), Some(1))
    });
    assert_eq!((map[&0], map[&1]), (1, 7));
    // A new key does grow it.
    map.insert(100, 0);
    assert!(map.capacity() > map.len());
}

#[test]
fn an_overwrite_after_a_drain_shrink_does_not_grow() {
    let mut map = filled(10_000);
    for i in 55..10_000 {
        map.remove(&i);
    }
    let shrunk = map.memory();
    assert!(shrunk.reclaims >= 1);
    untouched(&mut map, "overwrite", |m| {
        for i in 0..55 {
            m.insert(i, i + 1);
        }
    });
    // A fifth of the entries more fit without growing either.
    let before = map.memory().allocated_bytes;
    for i in 0..11 {
        map.insert(100_000 + i, 0);
    }
    assert_eq!(map.memory().allocated_bytes, before);
}

#[test]
fn clear_and_refill_reuses_the_table() {
    let mut map = filled(1_000);
    let capacity = map.capacity();
    let counter = Counter::start();
    for _ in 0..100 {
        map.clear();
        for i in 0..1_000u64 {
            map.insert(i, i);
        }
    }
    assert_eq!(counter.calls(), 0, "no allocator call in 100 rounds");
    assert_eq!(map.capacity(), capacity);

    // Through drain too.
    let counter = Counter::start();
    for _ in 0..10 {
        assert_eq!(map.drain().count(), 1_000);
        for i in 0..1_000u64 {
            map.insert(i, i);
        }
    }
    assert_eq!(counter.calls(), 0);
}

fn fresh_bytes(n: u64) -> usize {
    let mut map: HashMap<u64, [u8; 128]> = HashMap::new();
    for i in 0..n {
        map.insert(i, [0; 128]);
    }
    map.memory().allocated_bytes
}

#[test]
fn a_cleared_map_left_alone_or_used_smaller_gives_memory_back() {
    let counter = Counter::start();
    let mut map: HashMap<u64, [u8; 128]> = HashMap::new();
    for i in 0..100_000 {
        map.insert(i, [1; 128]);
    }
    let filled = counter.live_bytes();
    map.clear();
    let held = counter.live_bytes();
    assert!(held * 100 <= filled, "held {held} of {filled}");
    assert_eq!(held as usize, map.memory().allocated_bytes);

    // Then used at 1,000 live entries for 10,000 insert-new/remove-oldest.
    let fresh = fresh_bytes(1_000);
    let mut peak = 0;
    for i in 0..1_000u64 {
        map.insert(i, [2; 128]);
        peak = peak.max(map.memory().allocated_bytes);
    }
    for i in 1_000..11_000u64 {
        map.insert(i, [2; 128]);
        map.remove(&(i - 1_000));
        peak = peak.max(map.memory().allocated_bytes);
    }
    assert_eq!(map.len(), 1_000);
    assert!(
        peak <= 3 * fresh,
        "peak {peak}, a fresh map of 1,000: {fresh}"
    );
    assert_eq!(counter.live_bytes() as usize, map.memory().allocated_bytes);
}

#[test]
fn a_large_refill_after_clear_grows_in_few_steps() {
    let mut map: HashMap<u64, Entry> = HashMap::new();
    for i in 0..100_000 {
        map.insert(i, (i, [0; 128]));
    }
    let full = map.memory().allocated_bytes;
    map.clear();
    assert_eq!(map.memory().allocated_bytes, 0);
    let counter = Counter::start();
    for i in 0..100_000 {
        map.insert(i, (i, [0; 128]));
    }
    // Doubling from empty takes 16 allocations; the refill takes 9.
    assert!(counter.calls() <= 11, "{} allocations", counter.calls());
    assert_eq!(map.memory().allocated_bytes, full, "the same table size");
}

#[test]
fn the_floor_and_the_manual_policy_keep_a_cleared_table() {
    let mut map: HashMap<u64, Entry> = HashMap::with_capacity(50_000);
    for i in 0..50_000 {
        map.insert(i, (i, [0; 128]));
    }
    let held = map.memory().allocated_bytes;
    map.clear();
    assert_eq!(map.memory().allocated_bytes, held, "the floor is kept");

    let mut map: HashMap<u64, Entry> = HashMap::with_policy(ReclaimPolicy::manual());
    for i in 0..50_000 {
        map.insert(i, (i, [0; 128]));
    }
    let held = map.memory().allocated_bytes;
    map.clear();
    assert_eq!(map.memory().allocated_bytes, held, "manual keeps, as std");

    let keep_all = ReclaimPolicy::builder()
        .clear_keep_bytes(usize::MAX)
        .build()
        .unwrap();
    let mut map: HashMap<u64, Entry> = HashMap::with_policy(keep_all);
    for i in 0..50_000 {
        map.insert(i, (i, [0; 128]));
    }
    let held = map.memory().allocated_bytes;
    map.clear();
    assert_eq!(map.memory().allocated_bytes, held);
}

// ---------------------------------------------------------------------------
// Hysteresis, as a property over random operation sequences

#[derive(Clone, Debug)]
enum Op {
    /// Insert a key from a range that overlaps what is present.
    Insert(u16),
    Remove(u16),
    /// Insert `n` new keys.
    Grow(u16),
    /// Remove the `n` smallest present keys, one by one.
    Shrink(u16),
    /// Keep only keys whose value is below a threshold.
    Retain(u16),
    Entry(u16),
    EntryRemove(u16),
    Get(u16),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u16>().prop_map(|k| Op::Insert(k % 4096)),
        4 => any::<u16>().prop_map(|k| Op::Remove(k % 4096)),
        2 => (1..3000u16).prop_map(Op::Grow),
        2 => (1..3000u16).prop_map(Op::Shrink),
        1 => any::<u16>().prop_map(Op::Retain),
        2 => any::<u16>().prop_map(|k| Op::Entry(k % 4096)),
        2 => any::<u16>().prop_map(|k| Op::EntryRemove(k % 4096)),
        1 => any::<u16>().prop_map(|k| Op::Get(k % 4096)),
        1 => Just(Op::Clear),
    ]
}

/// Applies `ops`, counting the entries inserted or removed since the last
/// resize (a change of the allocation), and checks at each resize that at
/// least a fifth of the entries present after the previous one (and at
/// least one) changed.
fn check_hysteresis(policy: ReclaimPolicy, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut map: HashMap<u64, u64> = HashMap::with_policy(policy);
    let mut next_new = 1_000_000u64;
    let mut changed = 0usize;
    let mut len_at_resize = 0usize;
    let mut bytes = map.memory().allocated_bytes;
    for (step, op) in ops.iter().enumerate() {
        let len_before = map.len();
        let mut touched = 0usize;
        match *op {
            Op::Insert(k) => touched += map.insert(k as u64, 0).is_none() as usize,
            Op::Remove(k) => touched += map.remove(&(k as u64)).is_some() as usize,
            Op::Grow(n) => {
                for _ in 0..n {
                    map.insert(next_new, next_new);
                    next_new += 1;
                    touched += 1;
                    check_resize(
                        &map,
                        &mut bytes,
                        &mut changed,
                        &mut len_at_resize,
                        touched,
                        step,
                    )?;
                    touched = 0;
                }
            }
            Op::Shrink(n) => {
                let mut keys: Vec<u64> = map.keys().copied().collect();
                keys.sort_unstable();
                for k in keys.into_iter().take(n as usize) {
                    map.remove(&k);
                    touched += 1;
                    check_resize(
                        &map,
                        &mut bytes,
                        &mut changed,
                        &mut len_at_resize,
                        touched,
                        step,
                    )?;
                    touched = 0;
                }
            }
            Op::Retain(t) => {
                map.retain(|k, _| (k.wrapping_mul(0x9e37_79b9) as u16) < t);
                touched += len_before - map.len();
            }
            Op::Entry(k) => {
                let present = map.contains_key(&(k as u64));
                *map.entry(k as u64).or_insert(0) += 1;
                touched += !present as usize;
            }
            Op::EntryRemove(k) => {
                if let map_core::Entry::Occupied(e) = map.entry(k as u64) {
                    e.remove();
                    touched += 1;
                }
            }
            Op::Get(k) => {
                map.get(&(k as u64));
            }
            Op::Clear => {
                touched += len_before;
                map.clear();
            }
        }
        check_resize(
            &map,
            &mut bytes,
            &mut changed,
            &mut len_at_resize,
            touched,
            step,
        )?;
    }
    Ok(())
}

fn check_resize(
    map: &HashMap<u64, u64>,
    bytes: &mut usize,
    changed: &mut usize,
    len_at_resize: &mut usize,
    touched: usize,
    step: usize,
) -> Result<(), TestCaseError> {
    *changed += touched;
    let now = map.memory().allocated_bytes;
    if now != *bytes {
        let needed = (*len_at_resize / 5).max(1);
        prop_assert!(
            *changed >= needed,
            "step {step}: resize from {} to {} bytes after {} changes; {} entries \
             after the previous resize need {needed}",
            *bytes,
            now,
            *changed,
            *len_at_resize
        );
        *bytes = now;
        *changed = 0;
        *len_at_resize = map.len();
    }
    Ok(())
}

fn tightest() -> ReclaimPolicy {
    ReclaimPolicy::builder()
        .headroom(1.25)
        .shrink_ratio(3.125)
        .drain_ratio(3.125)
        .min_capacity(1)
        .build()
        .unwrap()
}

proptest! {
    // 256 cases each; PROPTEST_CASES=N for more.
    #[test]
    fn no_resize_within_a_fifth_of_the_entries_default(ops in prop::collection::vec(op(), 1..60)) {
        check_hysteresis(ReclaimPolicy::default(), &ops)?;
    }

    #[test]
    fn no_resize_within_a_fifth_of_the_entries_tightest(ops in prop::collection::vec(op(), 1..60)) {
        check_hysteresis(tightest(), &ops)?;
    }
}
