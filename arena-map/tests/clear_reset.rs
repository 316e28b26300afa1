//! `clear`, `drain` and the key arena's reset: after a clear nothing may
//! point into freed or rewound arena memory. Keys span several arena chunks
//! (the reset frees all but the newest and rewinds that one), the refills
//! use other bytes (a key left pointing into the rewound chunk would read
//! them), and every path that reads keys (lookups, iteration, compaction,
//! clone, drop) runs after each clear, so that AddressSanitizer sees any
//! read of a freed chunk and the content checks any read of a rewound one.
//! Values count their drops; some panic in the middle of a clear.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap as StdHashMap, HashSet};
use std::mem;
use std::panic::{catch_unwind, AssertUnwindSafe};

use arena_map::{ArenaMap, BytesMap, ReclaimPolicy, StrMap};
use map_conformance::alloc::Counter;
use map_conformance::{seeds, Rng};

map_conformance::install_counting_allocator!();

// ---------------------------------------------------------------------------
// Values that count their drops, per test thread, without owning heap memory
// (values a panicking clear leaves undropped must leak nothing).

#[derive(Default)]
struct Ledger {
    made: u64,
    dropped: u64,
    live: HashSet<u64>,
    /// The id whose drop panics.
    armed: Option<u64>,
}

thread_local! {
    static LEDGER: RefCell<Ledger> = RefCell::new(Ledger::default());
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
}

fn reset_ledger() {
    LEDGER.with(|l| *l.borrow_mut() = Ledger::default());
}

fn alive() -> u64 {
    LEDGER.with(|l| {
        let l = l.borrow();
        l.made - l.dropped
    })
}

fn arm(id: Option<u64>) {
    LEDGER.with(|l| l.borrow_mut().armed = id);
}

/// A value with a unique id; `tag` is what the tests compare.
#[derive(Debug)]
struct Val {
    id: u64,
    tag: u64,
}

impl Val {
    fn new(tag: u64) -> Self {
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        LEDGER.with(|l| {
            let mut l = l.borrow_mut();
            l.made += 1;
            l.live.insert(id);
        });
        Self { id, tag }
    }
}

impl Clone for Val {
    fn clone(&self) -> Self {
        Self::new(self.tag)
    }
}

impl Drop for Val {
    fn drop(&mut self) {
        let panics = LEDGER.with(|l| {
            let mut l = l.borrow_mut();
            assert!(l.live.remove(&self.id), "value {} dropped twice", self.id);
            l.dropped += 1;
            l.armed == Some(self.id)
        });
        if panics && !std::thread::panicking() {
            panic!("value {} panics in drop", self.id);
        }
    }
}

// ---------------------------------------------------------------------------
// Keys

/// Key `i` of refill `round`: 0 to about 90 bytes, some multi-byte, the
/// round in the bytes so that no two rounds share a key.
fn word(round: u64, i: u64) -> String {
    let mut s = format!("{round}/{i}:");
    for j in 0..(i * 7 + round) % 23 {
        s.push(if (i + j) % 5 == 0 {
            'é'
        } else {
            (b'a' + (j % 26) as u8) as char
        });
        s.push_str("xyz");
    }
    s
}

/// Fills `map` with `n` keys of `round`, checking the model as it goes.
fn fill(map: &mut StrMap<Val>, model: &mut StdHashMap<String, u64>, round: u64, n: u64) {
    for i in 0..n {
        let key = word(round, i);
        let tag = round << 32 | i;
        assert!(map.insert_str(&key, Val::new(tag)).is_none(), "{key} new");
        model.insert(key, tag);
    }
}

/// Every read path agrees with the model: lookups (hits and the misses of
/// other rounds), the stored keys' bytes, iteration, the key byte count.
fn check(map: &StrMap<Val>, model: &StdHashMap<String, u64>, ctx: &str) {
    assert_eq!(map.len(), model.len(), "{ctx}: len");
    assert_eq!(
        map.key_bytes(),
        model.keys().map(String::len).sum::<usize>(),
        "{ctx}: key bytes"
    );
    for (key, tag) in model {
        let (stored, value) = map
            .get_key_value(key)
            .unwrap_or_else(|| panic!("{ctx}: {key} lost"));
        assert_eq!((stored, value.tag), (key.as_str(), *tag), "{ctx}");
    }
    let seen: StdHashMap<String, u64> = map.iter().map(|(k, v)| (k.to_owned(), v.tag)).collect();
    assert_eq!(&seen, model, "{ctx}: iteration");
    for round in 0..8 {
        for i in [0, 1, 17, 999] {
            let key = word(round, i);
            assert_eq!(
                map.contains_key(&key),
                model.contains_key(&key),
                "{ctx}: {key}"
            );
        }
    }
}

fn tiny() -> usize {
    StrMap::<Val>::new().memory().allocated_bytes
}

// ---------------------------------------------------------------------------
// StrMap

/// The keeping branch (manual policy: always kept): the table stays, the
/// key arena is reset (older chunks freed, the newest rewound), and the
/// refills, of other keys and other sizes, reuse it.
#[test]
fn str_map_clear_resets_the_key_arena_and_refills() {
    reset_ledger();
    let mut map: StrMap<Val> = StrMap::with_policy(ReclaimPolicy::manual());
    let mut model = StdHashMap::new();
    fill(&mut map, &mut model, 0, 20_000);
    assert!(map.key_bytes() > 400_000, "keys span several chunks");
    check(&map, &model, "filled");
    let full = map.memory().allocated_bytes;
    for (round, n) in [(1, 20_000), (2, 300), (3, 0), (4, 40_000), (5, 7)] {
        let capacity = map.capacity();
        map.clear();
        model.clear();
        let ctx = format!("after clear {round}");
        assert_eq!(alive(), 0, "{ctx}: every value dropped once");
        assert!(map.is_empty() && map.iter().next().is_none(), "{ctx}");
        assert_eq!(map.key_bytes(), 0, "{ctx}");
        assert_eq!(map.capacity(), capacity, "{ctx}: table kept");
        if round == 1 {
            assert!(
                map.memory().allocated_bytes < full,
                "older key chunks freed"
            );
        }
        check(&map, &model, &ctx);
        fill(&mut map, &mut model, round, n);
        check(&map, &model, &format!("refill {round}"));
        // The refill's keys survive a compaction and a clone.
        map.retain(|_, v| v.tag % 3 != 0);
        model.retain(|_, t| *t % 3 != 0);
        map.reclaim();
        check(&map, &model, &format!("refill {round}, reclaimed"));
        let copy = map.clone();
        check(&copy, &model, &format!("refill {round}, clone"));
    }
    drop(map);
    assert_eq!(alive(), 0);
}

/// The automatic policy takes both branches: a map within
/// `clear_keep_bytes` keeps its arenas, a larger one gives them back.
#[test]
fn str_map_clear_keeps_small_and_frees_large_arenas() {
    reset_ledger();
    let mut map: StrMap<Val> = StrMap::new();
    let mut model = StdHashMap::new();
    for (round, n) in [(0, 1000), (1, 50_000), (2, 1000), (3, 50_000), (4, 10)] {
        fill(&mut map, &mut model, round, n);
        check(&map, &model, &format!("round {round}"));
        let held = map.memory().allocated_bytes;
        let reclaims = map.memory().reclaims;
        map.clear();
        model.clear();
        assert_eq!(alive(), 0, "round {round}");
        check(&map, &model, &format!("round {round}, cleared"));
        if held > ReclaimPolicy::default().clear_keep_bytes() {
            assert!(
                map.memory().reclaims > reclaims,
                "round {round}: given back"
            );
            assert_eq!(map.memory().allocated_bytes, tiny(), "round {round}");
        } else {
            assert!(map.memory().allocated_bytes > tiny(), "round {round}: kept");
        }
    }
    drop(map);
    assert_eq!(alive(), 0);
}

/// `reclaim()` right after a clear frees both arenas, the rewound key chunk
/// too; a small refill then holds what a fresh map of its size holds.
#[test]
fn str_map_reclaim_after_clear_gives_both_arenas_back() {
    // What the allocator says (values without heap memory, no model).
    let counter = Counter::start();
    let mut map: StrMap<u64> = StrMap::with_policy(ReclaimPolicy::manual());
    for i in 0..20_000 {
        map.insert_str(&word(0, i), i);
    }
    map.clear();
    let released = map.reclaim();
    assert!(released > 0);
    let empty = StrMap::<u64>::new().memory().allocated_bytes;
    assert_eq!(
        map.memory().allocated_bytes,
        empty,
        "an empty map holds what a new one holds: nothing"
    );
    assert_eq!(counter.live_bytes(), empty as isize, "the allocator agrees");
    assert_eq!(map.reclaim(), 0, "nothing left to give back");
    drop(map);
    assert_eq!(counter.live_bytes(), 0);

    // Cleared, refilled small, reclaimed: sized for the refill.
    reset_ledger();
    let mut map: StrMap<Val> = StrMap::with_policy(ReclaimPolicy::manual());
    let mut model = StdHashMap::new();
    fill(&mut map, &mut model, 1, 20_000);
    map.clear();
    model.clear();
    fill(&mut map, &mut model, 2, 100);
    map.reclaim();
    check(&map, &model, "small refill, reclaimed");
    let mut fresh: StrMap<Val> = StrMap::with_policy(ReclaimPolicy::manual());
    let mut fresh_model = StdHashMap::new();
    fill(&mut fresh, &mut fresh_model, 2, 100);
    fresh.reclaim();
    let (held, need) = (map.memory().allocated_bytes, fresh.memory().allocated_bytes);
    assert!(
        held <= 2 * need,
        "{held} held for what a fresh map holds in {need}"
    );
    assert_eq!(map.reclaim(), 0, "nothing left to give back");
    drop((map, fresh));
    assert_eq!(alive(), 0);
}

/// A value's `Drop` panics in the middle of a clear, in both branches: the
/// map is empty and consistent afterwards (no key left pointing into a
/// reset arena, the figures right), no value is dropped twice, and the map
/// is fully usable.
#[test]
fn str_map_panic_in_clear_leaves_an_empty_consistent_map() {
    for (policy, n) in [
        (ReclaimPolicy::manual(), 5000),
        (ReclaimPolicy::default(), 40_000),
    ] {
        reset_ledger();
        let mut map: StrMap<Val> = StrMap::with_policy(policy);
        let mut model = StdHashMap::new();
        fill(&mut map, &mut model, 0, n);
        let victim = map.get(&word(0, n / 2)).unwrap().id;
        arm(Some(victim));
        let result = catch_unwind(AssertUnwindSafe(|| map.clear()));
        arm(None);
        assert!(result.is_err(), "the drop panicked");
        model.clear();
        // The values after the panicking one may be leaked, never dropped twice.
        assert!(alive() < n);
        assert!(map.is_empty());
        assert_eq!(
            map.key_bytes(),
            0,
            "{policy:?}: no live key bytes in an empty map"
        );
        check(&map, &model, "after the panic");
        map.reclaim();
        assert_eq!(
            map.memory().allocated_bytes,
            tiny(),
            "{policy:?}: reclaimed"
        );
        let leaked = alive();
        fill(&mut map, &mut model, 0, 100);
        fill(&mut map, &mut model, 1, n);
        check(&map, &model, "refilled");
        map.clear();
        model.clear();
        assert_eq!(alive(), leaked);
        fill(&mut map, &mut model, 2, 10);
        check(&map, &model, "cleared and refilled");
        drop(map);
        assert_eq!(alive(), leaked);
    }
}

/// `retain` that removes everything, then a clear of the empty map, then
/// the garbage compaction: each step leaves the keys readable.
#[test]
fn str_map_clear_after_retain_and_compaction() {
    reset_ledger();
    let mut map: StrMap<Val> = StrMap::with_policy(ReclaimPolicy::manual());
    let mut model = StdHashMap::new();
    fill(&mut map, &mut model, 0, 10_000);
    map.retain(|_, _| false);
    model.clear();
    map.clear();
    map.clear();
    check(&map, &model, "cleared twice");
    fill(&mut map, &mut model, 1, 10_000);
    // Half the keys become garbage, the policy compacts them away.
    map.retain(|_, v| v.tag % 2 == 0);
    model.retain(|_, t| *t % 2 == 0);
    map.set_policy(ReclaimPolicy::default());
    map.reclaim();
    check(&map, &model, "compacted");
    map.clear();
    model.clear();
    fill(&mut map, &mut model, 2, 5000);
    check(&map, &model, "refilled after compaction and clear");
    drop(map);
    assert_eq!(alive(), 0);
}

/// A memory limit survives a clear: the key arena's allowance is recomputed
/// for the rewound arena, and the refill is refused cleanly at the limit.
#[test]
fn str_map_clear_under_a_memory_limit() {
    reset_ledger();
    let limit = 256 * 1024;
    let mut map: StrMap<Val> = StrMap::with_memory_limit(limit);
    for round in 0..4 {
        let mut inserted = Vec::new();
        for i in 0..100_000 {
            let key = word(round, i);
            match map.try_insert(&key, Val::new(i)) {
                Ok(old) => {
                    assert!(old.is_none());
                    inserted.push(key);
                }
                Err(_) => break,
            }
        }
        assert!(
            inserted.len() > 1000,
            "round {round}: {} fit",
            inserted.len()
        );
        assert!(map.memory().allocated_bytes <= limit, "round {round}");
        assert_eq!(map.len(), inserted.len());
        for key in &inserted {
            assert!(map.contains_key(key), "round {round}: {key}");
        }
        map.clear();
        assert_eq!(alive(), 0);
        assert!(map.is_empty());
    }
}

/// Seeded waves: fill with one round's keys, churn, clear (either branch,
/// chosen by size and policy), reclaim or not, refill with another round's;
/// the whole content is checked after every clear and every refill.
#[test]
fn str_map_clear_waves() {
    for seed in seeds(2) {
        reset_ledger();
        let mut rng = Rng::new(seed);
        let policies = [
            ReclaimPolicy::default(),
            ReclaimPolicy::manual(),
            ReclaimPolicy::builder()
                .clear_keep_bytes(0)
                .build()
                .unwrap(),
        ];
        let mut map: StrMap<Val> = StrMap::new();
        let mut model = StdHashMap::new();
        for wave in 0..24u64 {
            let ctx = format!("seed {seed}, wave {wave}");
            map.set_policy(policies[rng.below(3) as usize]);
            let n = [0, 5, 200, 3000, 12_000][rng.below(5) as usize];
            fill(&mut map, &mut model, wave, n);
            for _ in 0..n / 2 {
                let key = word(wave, rng.below(n.max(1)));
                assert_eq!(map.remove(&key).map(|v| v.tag), model.remove(&key), "{ctx}");
            }
            check(&map, &model, &ctx);
            match rng.below(4) {
                0 => {
                    map.reclaim();
                }
                1 => {
                    let cut = rng.below(1 << 16);
                    map.retain(|_, v| v.tag & 0xffff < cut);
                    model.retain(|_, t| *t & 0xffff < cut);
                }
                _ => {}
            }
            map.clear();
            model.clear();
            assert_eq!(alive(), 0, "{ctx}");
            check(&map, &model, &format!("{ctx}, cleared"));
            if rng.below(2) == 0 {
                map.reclaim();
                assert_eq!(map.memory().allocated_bytes, tiny(), "{ctx}");
            }
        }
        drop(map);
        assert_eq!(alive(), 0);
    }
}

// ---------------------------------------------------------------------------
// BytesMap: the same key arena, binary keys.

#[test]
fn bytes_map_clear_and_refill() {
    let mut map: BytesMap<u64> = BytesMap::with_policy(ReclaimPolicy::manual());
    let key = |round: u64, i: u64| -> Vec<u8> {
        let mut k = (round * 1_000_003 + i).to_le_bytes().to_vec();
        k.resize((i % 40) as usize + 8, (i % 3) as u8);
        k
    };
    for round in 0..5 {
        let n = [30_000, 10, 30_000, 0, 500][round as usize];
        for i in 0..n {
            assert_eq!(map.insert(&key(round, i), i), None);
        }
        assert_eq!(map.len() as u64, n);
        for i in 0..n {
            assert_eq!(
                map.get_key_value(&key(round, i)),
                Some((&key(round, i)[..], &i))
            );
        }
        let stored: HashSet<Vec<u8>> = map.keys().map(<[u8]>::to_vec).collect();
        assert_eq!(stored.len() as u64, n);
        assert!(stored.iter().all(|k| k.len() >= 8));
        if round > 0 {
            assert!(!map.contains_key(&key(round - 1, 1)));
        }
        map.clear();
        assert!(map.is_empty() && map.keys().next().is_none());
        assert_eq!(map.key_bytes(), 0);
    }
    map.reclaim();
    assert_eq!(
        map.memory().allocated_bytes,
        BytesMap::<u64>::new().memory().allocated_bytes
    );
}

// ---------------------------------------------------------------------------
// ArenaMap: the table's arena is kept (entries dropped in place) or freed.

#[test]
fn arena_map_clear_both_branches_and_reclaim() {
    reset_ledger();
    let empty = ArenaMap::<u64, Val>::new().memory().allocated_bytes;
    // Manual: always kept; default: a large map gives its arena back.
    for policy in [ReclaimPolicy::manual(), ReclaimPolicy::default()] {
        let mut map: ArenaMap<String, Val> = ArenaMap::with_policy(policy);
        for round in 0..4u64 {
            let n = [20_000, 100, 20_000, 0][round as usize];
            for i in 0..n {
                map.insert(word(round, i), Val::new(i));
            }
            for i in 0..n {
                assert_eq!(map.get(&word(round, i)).map(|v| v.tag), Some(i));
            }
            let held = map.memory().allocated_bytes;
            map.clear();
            assert_eq!(alive(), 0, "{policy:?}, round {round}");
            assert!(map.is_empty() && map.iter().next().is_none());
            assert!(!map.contains_key(&word(round, 1)));
            let kept = map.memory().allocated_bytes;
            if policy.is_automatic() && held > policy.clear_keep_bytes() {
                assert_eq!(kept, empty, "{policy:?}, round {round}: given back");
            } else {
                assert_eq!(kept, held, "{policy:?}, round {round}: kept");
            }
        }
        map.reclaim();
        assert_eq!(map.memory().allocated_bytes, empty);
        map.insert("again".into(), Val::new(1));
        assert_eq!(map["again"].tag, 1);
    }
    assert_eq!(alive(), 0);
}

#[test]
fn arena_map_drain_partly_consumed_or_forgotten() {
    reset_ledger();
    for policy in [ReclaimPolicy::manual(), ReclaimPolicy::default()] {
        for n in [100u64, 30_000] {
            let mut map: ArenaMap<u64, Val> = ArenaMap::with_policy(policy);
            for i in 0..n {
                map.insert(i, Val::new(i));
            }
            let taken: Vec<(u64, Val)> = map.drain().take(10).collect();
            assert_eq!(taken.len(), 10);
            assert_eq!(alive(), 10, "the rest dropped with the iterator");
            drop(taken);
            assert!(map.is_empty());
            for i in 0..n {
                map.insert(i + n, Val::new(i));
            }
            assert_eq!(map.len() as u64, n);
            assert!((0..n).all(|i| map[&(i + n)].tag == i));
        }
    }
    // A forgotten drain of a kept table leaks its entries, nothing else: the
    // map is empty and keeps working.
    let mut map: ArenaMap<u64, u64> = ArenaMap::with_policy(ReclaimPolicy::manual());
    for i in 0..1000 {
        map.insert(i, i);
    }
    mem::forget(map.drain());
    assert!(map.is_empty());
    for i in 0..2000 {
        map.insert(i, i * 2);
    }
    assert!((0..2000).all(|i| map[&i] == i * 2));
    map.clear();
    map.reclaim();
    assert_eq!(alive(), 0);
}

#[test]
fn arena_map_panic_in_clear_leaves_an_empty_consistent_map() {
    for policy in [ReclaimPolicy::manual(), ReclaimPolicy::default()] {
        reset_ledger();
        let n = 30_000u64;
        let mut map: ArenaMap<u64, Val> = ArenaMap::with_policy(policy);
        for i in 0..n {
            map.insert(i, Val::new(i));
        }
        arm(Some(map[&(n / 2)].id));
        let result = catch_unwind(AssertUnwindSafe(|| map.clear()));
        arm(None);
        assert!(result.is_err());
        assert!(map.is_empty() && map.iter().next().is_none(), "{policy:?}");
        assert!(!map.contains_key(&1));
        let leaked = alive();
        for i in 0..n {
            map.insert(i, Val::new(i + 1));
        }
        assert!((0..n).all(|i| map[&i].tag == i + 1));
        map.clear();
        map.reclaim();
        assert_eq!(
            map.memory().allocated_bytes,
            ArenaMap::<u64, Val>::new().memory().allocated_bytes
        );
        assert_eq!(alive(), leaked);
    }
}
