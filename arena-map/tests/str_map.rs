//! `StrMap` and `BytesMap`: keys copied into the arena, found by `&str` and
//! `&[u8]`, compacted under churn, under a memory limit, with a panicking
//! hasher.

use std::cell::Cell;
use std::collections::HashMap as StdHashMap;
use std::hash::{BuildHasher, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};

use arena_map::{ArenaError, BytesMap, StrMap};
use map_conformance::alloc::{Counter, Refusals};
use map_conformance::{DropLedger, Rng, Tracked};
use map_core::{DefaultHashBuilder, ReclaimPolicy};

map_conformance::install_counting_allocator!();

fn key(i: u64) -> String {
    // Lengths from 0 to 40 bytes, some non-ASCII.
    let mut s = format!("k{i}-");
    for _ in 0..(i % 7) {
        s.push_str(if i % 3 == 0 { "é" } else { "xyz" });
    }
    if i == 0 {
        s.clear();
    }
    s
}

#[test]
fn differential_against_std() {
    for seed in map_conformance::seeds(3) {
        let mut rng = Rng::new(seed);
        let mut map: StrMap<u64> = StrMap::new();
        let mut model: StdHashMap<String, u64> = StdHashMap::new();
        for op in 0..20_000usize {
            let range = 4u64 << (op / 1500 % 11);
            let k = key(rng.below(range));
            let ctx = format!("seed {seed}, op {op}, key {k:?}");
            match rng.below(1000) {
                0..=1 => {
                    map.clear();
                    model.clear();
                }
                2..=4 => {
                    map.reclaim();
                }
                5 => {
                    let policy = if rng.below(2) == 0 {
                        ReclaimPolicy::manual()
                    } else {
                        ReclaimPolicy::default()
                    };
                    map.set_policy(policy);
                }
                6..=8 => {
                    let cut = rng.below(u64::MAX);
                    map.retain(|_, v| *v < cut);
                    model.retain(|_, v| *v < cut);
                }
                9..=15 => {
                    let seen: StdHashMap<String, u64> =
                        map.iter().map(|(k, v)| (k.to_string(), *v)).collect();
                    assert_eq!(seen, model, "{ctx}");
                    assert_eq!(
                        map.key_bytes(),
                        model.keys().map(String::len).sum::<usize>()
                    );
                }
                16..=560 => {
                    let v = rng.next_u64();
                    assert_eq!(map.insert_str(&k, v), model.insert(k.clone(), v), "{ctx}");
                }
                561..=800 => assert_eq!(map.remove(&k), model.remove(&k), "{ctx}"),
                801..=900 => assert_eq!(map.get(&k), model.get(&k), "{ctx}"),
                _ => assert_eq!(
                    map.get_key_value(&k),
                    model.get_key_value(&k).map(|(k, v)| (k.as_str(), v)),
                    "{ctx}"
                ),
            }
            assert_eq!(map.len(), model.len(), "{ctx}");
        }
    }
}

#[test]
fn str_and_bytes_api() {
    let mut map: StrMap<i32> = [("one", 1), ("two", 2)].into_iter().collect();
    assert_eq!(map["one"], 1);
    assert!(map.contains_key("two"));
    assert_eq!(map.get(""), None);
    map.insert("", 0);
    assert_eq!(map.get(""), Some(&0));
    *map.get_mut("two").unwrap() = 22;
    for (_, v) in map.iter_mut() {
        *v += 1;
    }
    for v in &mut map.values_mut() {
        *v *= 10;
    }
    let mut entries: Vec<(&str, i32)> = map.iter().map(|(k, v)| (k, *v)).collect();
    entries.sort();
    assert_eq!(entries, [("", 10), ("one", 20), ("two", 230)]);
    assert_eq!(map.values().sum::<i32>(), 260);
    let copy = map.clone();
    assert_eq!(copy, map);
    assert_eq!(map.remove("one"), Some(20));
    assert_ne!(copy, map);
    assert_eq!(
        format!("{:?}", StrMap::<i32>::from_iter([("a", 1)])),
        r#"{"a": 1}"#
    );

    let mut bytes: BytesMap<usize> = BytesMap::new();
    for i in 0..1000usize {
        bytes.insert(&i.to_le_bytes(), i);
    }
    assert_eq!(bytes[&7usize.to_le_bytes()[..]], 7);
    assert_eq!(bytes.keys().filter(|k| k.len() == 8).count(), 1000);
}

#[test]
fn values_drop_exactly_once() {
    let values = DropLedger::new();
    {
        let mut map = StrMap::new();
        for i in 0..3000 {
            map.insert_str(&key(i), Tracked::new(i, &values));
        }
        for i in 0..100 {
            drop(map.insert_str(&key(i), Tracked::new(i, &values)));
        }
        for i in 0..2900 {
            drop(map.remove(&key(i)));
        }
        map.retain(|_, v| v.id % 2 == 0);
        map.reclaim();
        assert_eq!(values.alive(), map.len() as u64);
        map.clear();
        assert_eq!(values.alive(), 0);
        for i in 0..500 {
            map.insert_str(&key(i), Tracked::new(i, &values));
        }
    }
    assert_eq!(values.alive(), 0);
}

/// As std's: an empty map allocates nothing, and holds nothing after its
/// last key leaves and the memory goes back.
#[test]
fn an_empty_map_allocates_nothing() {
    let counter = Counter::start();
    let mut map: StrMap<u64> = StrMap::new();
    let bytes: BytesMap<u64> = BytesMap::with_capacity(0);
    assert_eq!((counter.calls(), counter.live_bytes()), (0, 0));
    assert_eq!(map.memory().allocated_bytes, 0);
    assert_eq!(map.get("absent"), None);
    assert_eq!(map.remove("absent"), None);
    map.clear();
    assert_eq!(
        counter.calls(),
        0,
        "lookups, removals and clear of an empty map"
    );
    map.insert("one", 1);
    assert!(counter.calls() > 0);
    assert_eq!(map.memory().allocated_bytes as isize, counter.live_bytes());
    drop((map, bytes));
    assert_eq!(counter.live_bytes(), 0);
}

#[test]
fn few_allocations_and_honest_figures() {
    use std::fmt::Write;

    let mut buf = String::with_capacity(64);
    let counter = Counter::start();
    let mut map = StrMap::new();
    for i in 0..100_000u64 {
        buf.clear();
        write!(buf, "key-{i}").unwrap();
        map.insert_str(&buf, i);
    }
    let built = counter.calls();
    // A few dozen calls (table moves and key chunks), not one per key.
    assert!(built < 100, "{built} allocator calls");
    let counted = counter.live_bytes();
    let reported = map.memory().allocated_bytes as isize;
    assert!(
        (counted - reported).abs() <= counted / 10 + 64 * 1024,
        "{counted} vs {reported}"
    );
    assert_eq!(map.get("key-99999"), Some(&99_999));

    // Delete-all: at most 1% held, with no call to reclaim().
    for i in 0..100_000u64 {
        assert_eq!(map.remove(format!("key-{i}").as_str()), Some(i));
    }
    let held = counter.live_bytes();
    assert!(held * 100 <= counted, "{held} of {counted} held");
    assert!((held - map.memory().allocated_bytes as isize).abs() <= 64 * 1024);
    drop(map);
    assert_eq!(counter.live_bytes(), 0);
}

#[test]
fn churn_stays_bounded() {
    let live = 2_000u64;
    let fresh = {
        let counter = Counter::start();
        let mut map = StrMap::new();
        for i in 0..live {
            map.insert_str(&key(i), i);
        }
        counter.live_bytes()
    };
    let counter = Counter::start();
    let mut map = StrMap::new();
    for i in 0..live {
        map.insert_str(&key(i), i);
    }
    let mut peak = counter.live_bytes();
    for oldest in 0..200_000 {
        let next = live + oldest;
        map.insert_str(&key(next), next);
        peak = peak.max(counter.live_bytes());
        assert_eq!(map.remove(&key(oldest)), Some(oldest));
    }
    assert_eq!(map.len() as u64, live);
    for i in 200_000..200_000 + live {
        assert_eq!(map.get(&key(i)), Some(&i), "{i}");
    }
    let stats = map.memory();
    println!(
        "churn {live} x 200000: peak {:.2}x a fresh map, {} reclaims",
        peak as f64 / fresh as f64,
        stats.reclaims
    );
    assert!(stats.reclaims > 10, "the key arena compacted: {stats:?}");
    assert!(
        peak <= 3 * fresh,
        "peak {peak} bytes vs {fresh} for a fresh map"
    );
    let counted = counter.live_bytes();
    assert!((counted - stats.allocated_bytes as isize).abs() <= counted / 10 + 64 * 1024);
}

#[test]
fn memory_limit_refuses_and_keeps_every_entry() {
    let limit = 128 * 1024;
    let mut map: StrMap<u64> = StrMap::with_memory_limit(limit);
    let mut n = 0u64;
    let refused = loop {
        match map.try_insert(&format!("a fairly long key number {n}"), n) {
            Ok(old) => assert_eq!(old, None),
            Err(refused) => break refused,
        }
        assert!(map.memory().allocated_bytes <= limit, "{:?}", map.memory());
        n += 1;
    };
    assert!(n > 500, "only {n} fit");
    assert!(matches!(refused.error(), ArenaError::MemoryLimit { .. }));
    assert_eq!(refused.into_inner(), n);
    assert_eq!(map.len() as u64, n);
    for i in 0..n {
        assert_eq!(map.get(&format!("a fairly long key number {i}")), Some(&i));
    }
    // A present key is updated in place.
    assert_eq!(
        map.try_insert("a fairly long key number 0", 7).unwrap(),
        Some(0)
    );
    assert!(catch_unwind(AssertUnwindSafe(|| map.insert("new", 1))).is_err());
    // Removing keys leaves garbage; a refused insert compacts it and fits.
    for i in 1..200 {
        map.remove(&format!("a fairly long key number {i}"));
    }
    for i in 0..100 {
        map.try_insert(&format!("another key {i}"), i).unwrap();
    }
    assert!(map.memory().allocated_bytes <= limit);
}

/// A limit lowered below what the map holds caps what it takes next, not
/// what it gives back: removals still shrink the table and compact the dead
/// keys away, as they would without a limit.
#[test]
fn a_limit_below_what_the_map_holds_still_lets_it_give_memory_back() {
    let long = |i: u64| format!("{i:>150}");
    let mut map: StrMap<u64> = StrMap::new();
    for i in 0..5_000 {
        map.insert(&long(i), i);
    }
    let full = map.memory().allocated_bytes;
    map.set_memory_limit(Some(64 * 1024));
    map.retain(|_, v| *v % 10 == 0);
    let mut fresh: StrMap<u64> = StrMap::new();
    for i in (0..5_000).step_by(10) {
        fresh.insert(&long(i), i);
    }
    let held = map.memory().allocated_bytes;
    let fresh = fresh.memory().allocated_bytes;
    assert!(
        held <= 3 * fresh,
        "{held} bytes held for 500 entries after the retain ({full} full, {fresh} fresh)"
    );
    map.reclaim();
    assert!(map.memory().allocated_bytes <= fresh + fresh / 4);
    assert_eq!(map.len(), 500);
    assert_eq!(map.get(&long(4_990)), Some(&4_990));
}

/// At its limit, a map whose removed keys left room for a new one fits it:
/// the refused insert compacts the keys, even into an arena no smaller
/// than the full one.
#[test]
fn at_the_limit_the_room_of_removed_keys_is_used() {
    for limit in [32 * 1024, 64 * 1024, 256 * 1024] {
        for removed in [1u64, 2, 5, 20] {
            let mut map: StrMap<u64> = StrMap::with_memory_limit(limit);
            let mut n = 0u64;
            while map
                .try_insert(&format!("a fairly long key {n:08}"), n)
                .is_ok()
            {
                n += 1;
            }
            for i in 0..removed {
                map.remove(&format!("a fairly long key {i:08}"));
            }
            for j in 0..removed {
                let fits = map.try_insert(&format!("another long key {j:08}"), j);
                assert!(
                    fits.is_ok(),
                    "limit {limit}, {removed} removed: key {j} refused"
                );
            }
            assert!(map.memory().allocated_bytes <= limit);
            assert_eq!(map.len() as u64, n);
        }
    }
}

/// An insert refused for its key's bytes leaves the map's memory exactly as
/// it was, even when it would have been the first key of the key arena.
#[test]
fn a_refused_insert_takes_no_memory() {
    let mut map: StrMap<u64> = StrMap::with_capacity(10);
    map.set_memory_limit(Some(0));
    let before = map.memory().allocated_bytes;
    assert!(before > 0, "the table is there");
    assert!(map.try_insert("a key", 1).is_err());
    assert_eq!(map.memory().allocated_bytes, before);
    assert!(map.is_empty());
}

/// `reclaim` gives memory back or does nothing: a compaction into an arena
/// no smaller than the one it replaces is not done.
#[test]
fn reclaim_never_grows_the_map() {
    for n in (1..400).step_by(7) {
        let mut map: StrMap<u64> = StrMap::new();
        for i in 0..n {
            map.insert(&key(i), i);
        }
        for mut m in [map.clone(), map] {
            let before = m.memory().allocated_bytes;
            m.reclaim();
            let after = m.memory().allocated_bytes;
            assert!(after <= before, "{n} entries: reclaim {before} -> {after}");
            assert_eq!(m.len() as u64, n);
        }
    }
}

/// The global allocator refuses (the key arena's and the table's chunks
/// come from it), at once or after a few allocations: `try_insert` and
/// `try_reserve` report it, nothing aborts and every entry stays.
#[test]
fn refused_allocations_are_errors_and_keep_every_entry() {
    let keys: Vec<String> = (0..5_000)
        .map(|i| format!("a fairly long key number {i}"))
        .collect();
    for granted in 0..4 {
        let refusals = Refusals::start();
        let mut map: StrMap<usize> = StrMap::new();
        let mut n = 0;
        refusals.fail_after(granted);
        let refused = loop {
            match map.try_insert(&keys[n], n) {
                Ok(_) => n += 1,
                Err(refused) => break refused.into_inner(),
            }
            if n == keys.len() {
                break usize::MAX;
            }
        };
        let reserve = map.try_reserve(100_000).is_err();
        refusals.never_fail();
        assert_eq!(refused, n, "granted {granted}: the value comes back");
        assert!(reserve, "granted {granted}: try_reserve refused");
        assert!(refusals.failures() > 0);
        assert_eq!(map.len(), n);
        for (i, key) in keys[..n].iter().enumerate() {
            assert_eq!(map.get(key.as_str()), Some(&i), "granted {granted}");
        }
        map.insert(&keys[n], n);
        assert_eq!(map.len(), n + 1);
    }
}

/// A reservation far past what the machine can give fails at once with
/// nothing taken, as every map's does (the kit checks the others).
#[test]
fn a_reservation_past_the_memory_fails_whole() {
    let refusals = Refusals::start();
    let mut map: StrMap<u64> = StrMap::new();
    for i in 0..10_000 {
        map.insert(&key(i), i);
    }
    let held = map.memory().allocated_bytes;
    let live = refusals.live_bytes();
    refusals.refuse_past(live as usize + (64 << 20));
    let refused = map.try_reserve(1 << 28);
    refusals.never_fail();
    assert!(
        matches!(refused, Err(ArenaError::AllocFailed { .. })),
        "{refused:?}"
    );
    assert_eq!(
        refusals.live_bytes(),
        live,
        "the refused reservation kept memory"
    );
    assert_eq!(map.memory().allocated_bytes, held);
    assert_eq!(map.len(), 10_000);
    assert_eq!(map.get(&key(9_999)), Some(&9_999));
}

thread_local! {
    static HASHER_PANICS: Cell<bool> = const { Cell::new(false) };
}

/// The default hasher, except that it panics while `HASHER_PANICS` is set.
#[derive(Clone, Default)]
struct TouchyState(DefaultHashBuilder);

struct TouchyHasher<H>(H);

impl BuildHasher for TouchyState {
    type Hasher = TouchyHasher<<DefaultHashBuilder as BuildHasher>::Hasher>;
    fn build_hasher(&self) -> Self::Hasher {
        TouchyHasher(self.0.build_hasher())
    }
}

impl<H: Hasher> Hasher for TouchyHasher<H> {
    fn finish(&self) -> u64 {
        self.0.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        if HASHER_PANICS.with(Cell::get) {
            panic!("hasher panics on demand");
        }
        self.0.write(bytes);
    }
}

#[test]
fn panicking_hasher_during_table_moves_loses_nothing() {
    let mut map: StrMap<u64, TouchyState> = StrMap::default();
    let mut n = 0;
    while n < 10 || map.len() < map.capacity() {
        map.insert_str(&key(n), n);
        n += 1;
    }
    let check = |map: &StrMap<u64, TouchyState>, range: std::ops::Range<u64>| {
        for i in range {
            assert_eq!(map.get(&key(i)), Some(&i), "entry {i} lost");
        }
    };
    HASHER_PANICS.with(|p| p.set(true));
    let grown = catch_unwind(AssertUnwindSafe(|| map.insert_str("one more", 0)));
    let reclaimed = catch_unwind(AssertUnwindSafe(|| map.reclaim()));
    HASHER_PANICS.with(|p| p.set(false));
    assert!(grown.is_err());
    assert_eq!(map.len() as u64, n);
    check(&map, 0..n);
    let _ = reclaimed;

    // Leave a sparse table, then make the shrink panic.
    let full = map.capacity();
    map.retain(|_, v| *v < 4);
    HASHER_PANICS.with(|p| p.set(true));
    let shrunk = catch_unwind(AssertUnwindSafe(|| map.reclaim()));
    HASHER_PANICS.with(|p| p.set(false));
    assert!(shrunk.is_err());
    check(&map, 0..4);
    // Once hashing behaves the table shrinks (the arena's first chunk is
    // its minimum size either way, so the bytes may not change). Measured
    // from the full table: where hashbrown's groups are 8 control bytes
    // (its portable code, as under Miri, and NEON), the removals of
    // `retain` already shrank it, and this reclaim only clears tombstones.
    map.reclaim();
    assert!(map.capacity() < full, "{} vs {full}", map.capacity());
    check(&map, 0..4);
    assert_eq!(map.len(), 4);
}
