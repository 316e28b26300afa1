//! The promises a std user relies on without reading our docs, checked once
//! for every [`Map`] whatever its [`Store`]: capacity asked for is kept,
//! nothing is given back unless an entry left, a cleared map that is
//! refilled reuses its storage while one left alone gives it back,
//! `memory()` is exact at every stage, and no piece of a storage is resized
//! again within a fifth of its entries.
//!
//! Every test binary that runs them installs the kit's counting allocator
//! ([`install_counting_allocator!`](crate::install_counting_allocator)):
//! they count what the allocator sees.
//!
//! ```ignore
//! map_conformance::promises::check::<map_core::Table<u64, u64>>();
//! map_conformance::promises::check_hysteresis::<map_core::Table<u64, u64>>(0x5eed);
//! ```

use core::hash::BuildHasher;
use std::collections::HashMap;

use map_core::toolkit::map::Entry;
use map_core::toolkit::{Map, Piece, Place, StableStore, Store};
use map_core::ReclaimPolicy;

use crate::alloc::Counter;
use crate::phased::{key, Hashing, PhaseHasher};
use crate::test_map::{filled_in, hasher, new_map, KitHasher, TestMap, FIXED};
use crate::{Rng, Sizes};

fn with_policy<St: Store<u64, u64>>(policy: ReclaimPolicy, seed: u64) -> TestMap<St>
where
    St::Alloc: Default,
{
    let mut map = new_map(seed);
    map.set_policy(policy);
    map
}

fn filled<St: Store<u64, u64>>(n: u64) -> TestMap<St>
where
    St::Alloc: Default,
{
    filled_in(St::Alloc::default(), n)
}

/// Runs every promise below but the hysteresis (see [`check_hysteresis`]).
///
/// # Panics
///
/// At the first promise broken, naming it.
pub fn check<St>()
where
    St: Store<u64, u64> + Clone,
    St::Alloc: Default,
{
    assert!(
        crate::alloc::counting_installed(),
        "install the kit's counting allocator in this test binary"
    );
    memory_is_exact_in_every_stage::<St>();
    capacity_asked_for_is_a_floor::<St>();
    reserving_for_hashes_that_do_not_separate_stays_in_proportion::<St>();
    nothing_is_given_back_unless_an_entry_left::<St>();
    present_keys_do_not_grow_a_full_storage::<St>();
    clear_and_refill_reuse_the_storage::<St>();
    a_cleared_map_left_alone_or_used_smaller_gives_memory_back::<St>();
    every_removing_path_gives_memory_back::<St>();
    a_stricter_policy_takes_effect_at_once::<St>();
    the_floor_and_the_manual_policy_keep_a_cleared_storage::<St>();
    reclaim_gives_back_or_does_nothing::<St>();
}

/// `reclaim()` never makes a map hold more, and returns exactly the bytes
/// it gave back: at every size from empty to a few thousand entries, on a
/// map grown by inserts, on its clone (storage sized for the entries, which
/// an allocator's rounding can make a reclaim's fresh storage outgrow), and
/// after removals.
///
/// # Panics
///
/// If a `reclaim()` grows the map, or returns other than what it released.
pub fn reclaim_gives_back_or_does_nothing<St>()
where
    St: Store<u64, u64> + Clone,
    St::Alloc: Default,
{
    let check = |map: &mut TestMap<St>, at: &str| {
        let before = map.memory().allocated_bytes;
        let released = map.reclaim();
        let after = map.memory().allocated_bytes;
        assert!(
            after <= before,
            "{at}: reclaim() grew the map, {before} -> {after} bytes"
        );
        assert_eq!(
            released,
            before - after,
            "{at}: reclaim() reported {released} bytes released"
        );
    };
    for n in (0..3_000u64)
        .step_by(61)
        .chain([4_095, 4_096, 7_169, 30_000])
    {
        let map: TestMap<St> = filled(n);
        check(&mut map.clone(), &format!("the clone of {n} entries"));
        let mut map = map;
        check(&mut map, &format!("{n} entries"));
        for k in 0..n / 2 {
            map.remove(&k);
        }
        check(&mut map, &format!("{n} entries, half removed"));
        check(
            &mut map,
            &format!("{n} entries, half removed, reclaimed twice"),
        );
    }
}

/// `memory()` equals what the allocator saw, through growth, removal,
/// churn, `reserve`, `reclaim` and `clear`; an emptied map after `reclaim`
/// holds nothing.
pub fn memory_is_exact_in_every_stage<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let counter = Counter::start();
    let mut map: TestMap<St> = new_map(FIXED);
    let exact = |map: &TestMap<St>, stage: &str| {
        assert_eq!(
            map.memory().allocated_bytes as isize,
            counter.live_bytes(),
            "memory() at {stage}"
        );
    };
    exact(&map, "new");
    for i in 0..300_000u64 {
        map.insert(i, i);
        if i % 50_000 == 0 {
            exact(&map, "growth");
        }
    }
    exact(&map, "full");
    for i in 0..297_000u64 {
        map.remove(&i);
        if i % 50_000 == 0 {
            exact(&map, "removal");
        }
    }
    exact(&map, "1% left");
    for i in 300_000..330_000u64 {
        map.insert(i, i);
        map.remove(&(i - 3_000));
    }
    exact(&map, "churn");
    map.reserve(100_000);
    exact(&map, "reserve");
    map.reclaim();
    exact(&map, "reclaim");
    map.clear();
    exact(&map, "clear");
    map.reclaim();
    exact(&map, "reclaim when empty");
    assert_eq!(
        counter.live_bytes(),
        0,
        "an empty map after reclaim holds nothing"
    );
}

/// `reserve` and `try_reserve` on a map whose keys' hashes share their high
/// bits (the [`Clustered`](Hashing::Clustered) and
/// [`Colliding`](Hashing::Colliding) shapes of the phased check) give the
/// room asked for with memory in proportion to it: a storage that spreads
/// room by the hash's high bits must not split again and again for keys
/// those bits do not separate (each split that deepens a directory doubles
/// it).
///
/// # Panics
///
/// If a reservation fails or holds more than 256 bytes per entry it makes
/// room for (an entry is 16), plus 1 MiB.
pub fn reserving_for_hashes_that_do_not_separate_stays_in_proportion<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    for hashing in [Hashing::Clustered, Hashing::Colliding] {
        let mut map: Map<u64, u64, PhaseHasher, St> =
            Map::with_hasher_in(PhaseHasher::new(hashing), St::Alloc::default());
        // One range: every hash shares its directory bits with the others.
        for n in 0..20_000 {
            map.insert(key(3, n), n);
        }
        for additional in [1, 5_000, 50_000] {
            let at = format!("{hashing:?} hashes, 20,000 entries, reserve({additional})");
            if let Err(e) = map.try_reserve(additional) {
                panic!("{at}: {e:?}");
            }
            map.reserve(additional);
            let room = map.len() + additional;
            assert!(map.capacity() >= room, "{at}: capacity {}", map.capacity());
            let held = map.memory().allocated_bytes;
            assert!(
                held <= 256 * room + (1 << 20),
                "{at}: {held} bytes held for room for {room} entries"
            );
        }
    }
}

/// `with_capacity`, `reserve`, `try_reserve` and `shrink_to` set a floor
/// that removals never shrink below; a failed `try_reserve` sets none;
/// `shrink_to_fit` and `reclaim` drop it.
pub fn capacity_asked_for_is_a_floor<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    // with_capacity, through a fill past it and a drain.
    let mut map: TestMap<St> =
        Map::with_capacity_and_hasher_in(100_000, hasher(FIXED), St::Alloc::default());
    let capacity = map.capacity();
    assert!(capacity >= 100_000);
    for i in 0..10u64 {
        map.insert(i, i);
    }
    for i in 0..10u64 {
        map.remove(&i);
    }
    assert!(map.capacity() >= 100_000, "emptied, still pre-sized");
    for i in 0..200_000u64 {
        map.insert(i, i);
    }
    for i in 0..200_000u64 {
        map.remove(&i);
    }
    assert!(
        map.capacity() >= 100_000,
        "drained to the floor, not below: {}",
        map.capacity()
    );
    assert!(
        map.capacity() < 200_000,
        "drained down to the floor: {}",
        map.capacity()
    );
    map.shrink_to_fit();
    assert!(
        map.capacity() < 100,
        "shrink_to_fit drops the floor: {}",
        map.capacity()
    );

    // reserve and try_reserve; a failed try_reserve sets no floor.
    for fallible in [false, true] {
        let mut map: TestMap<St> = filled(1_000);
        if fallible {
            map.try_reserve(50_000).unwrap();
        } else {
            map.reserve(50_000);
        }
        assert!(map.capacity() >= 51_000);
        assert!(map.try_reserve(usize::MAX).is_err());
        for i in 0..1_000 {
            map.remove(&i);
        }
        map.insert(5_000, 0);
        assert!(map.capacity() >= 51_000, "the floor of a reserve holds");
    }
    let mut map: TestMap<St> = filled(10_000);
    assert!(map.try_reserve(usize::MAX).is_err());
    for i in 0..9_990 {
        map.remove(&i);
    }
    map.insert(20_000, 0);
    assert!(
        map.capacity() < 1_000,
        "a failed try_reserve set a floor: {}",
        map.capacity()
    );

    // shrink_to sets the floor; reclaim drops it.
    let mut map: TestMap<St> =
        Map::with_capacity_and_hasher_in(10_000, hasher(FIXED), St::Alloc::default());
    map.shrink_to(1_000);
    let floor = map.capacity();
    assert!(
        (1_000..10_000).contains(&floor),
        "shrink_to(1000) from 10,000: {floor}"
    );
    for i in 0..5_000 {
        map.insert(i, i);
    }
    for i in 0..5_000 {
        map.remove(&i);
    }
    assert!(map.capacity() >= 1_000, "drained to the floor of shrink_to");
    map.insert(1, 1);
    map.reclaim();
    for i in 0..5_000 {
        map.insert(i, i);
    }
    for i in 1..5_000 {
        map.remove(&i);
    }
    assert!(
        map.capacity() < 1_000,
        "reclaim() dropped the floor: {}",
        map.capacity()
    );
}

/// Runs `op` on `map` and asserts that it neither resized nor called the
/// allocator.
///
/// # Panics
///
/// If it did, naming `what`.
pub fn untouched<S, St: Store<u64, u64>>(
    map: &mut Map<u64, u64, S, St>,
    what: &str,
    op: impl FnOnce(&mut Map<u64, u64, S, St>),
) {
    let before = map.memory().allocated_bytes;
    let counter = Counter::start();
    op(map);
    assert_eq!(counter.calls(), 0, "{what}: allocator called");
    assert_eq!(counter.live_bytes(), 0, "{what}: memory changed");
    assert_eq!(map.memory().allocated_bytes, before, "{what}: resized");
}

/// A miss in `remove`, a `retain` that keeps all, lookups, and `entry` on
/// an absent key not inserted into or on a present key: none resizes or
/// calls the allocator, whether the map is empty, pre-sized, or sparse
/// after removals (under either policy).
pub fn nothing_is_given_back_unless_an_entry_left<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let sparse = || {
        let mut map: TestMap<St> = filled(100_000);
        for i in 300..100_000 {
            map.remove(&i);
        }
        map
    };
    let maps: [(&str, TestMap<St>); 4] = [
        ("empty", new_map(FIXED)),
        (
            "pre-sized",
            Map::with_capacity_and_hasher_in(100_000, hasher(FIXED), St::Alloc::default()),
        ),
        ("sparse", sparse()),
        ("sparse, manual", {
            let mut m = sparse();
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

/// A full storage: overwriting a present key (by `insert` or `entry`)
/// does not grow it; a new key does.
pub fn present_keys_do_not_grow_a_full_storage<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let mut map: TestMap<St> = new_map(FIXED);
    let mut i = 0u64;
    while map.len() < map.capacity() || map.is_empty() {
        map.insert(i, i);
        i += 1;
    }
    assert_eq!(map.len(), map.capacity(), "full");
    untouched(&mut map, "entry", |m| *m.entry(0).or_default() += 1);
    untouched(&mut map, "overwrite", |m| {
        assert_eq!(m.insert(1, 7), Some(1))
    });
    assert_eq!((map[&0], map[&1]), (1, 7));
    map.insert(u64::MAX, 0);
    assert!(map.capacity() > map.len(), "a new key grows it");
}

/// 100 rounds of `clear()` and 1,000 inserts, and 10 of `drain()` and the
/// same, call the allocator at most twice a round (none, for the maps of
/// the workspace).
pub fn clear_and_refill_reuse_the_storage<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let mut map: TestMap<St> = filled(1_000);
    let counter = Counter::start();
    for _ in 0..100 {
        map.clear();
        for i in 0..1_000u64 {
            map.insert(i, i);
        }
    }
    assert!(
        counter.calls() <= 200,
        "{} allocator calls in 100 rounds",
        counter.calls()
    );
    let counter = Counter::start();
    for _ in 0..10 {
        assert_eq!(map.drain().count(), 1_000);
        for i in 0..1_000u64 {
            map.insert(i, i);
        }
    }
    assert!(
        counter.calls() <= 20,
        "{} allocator calls in 10 drains",
        counter.calls()
    );
}

fn fresh_bytes<St>(n: u64) -> usize
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    filled::<St>(n).memory().allocated_bytes
}

/// A cleared map of 100,000 entries holds at most 1% of its bytes; used at
/// 1,000 live entries after, its peak is at most 3x a fresh map of 1,000.
pub fn a_cleared_map_left_alone_or_used_smaller_gives_memory_back<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let counter = Counter::start();
    let mut map: TestMap<St> = filled(100_000);
    let full = counter.live_bytes();
    map.clear();
    let held = counter.live_bytes();
    assert!(held * 100 <= full, "cleared, held {held} of {full}");
    let fresh = fresh_bytes::<St>(1_000);
    let mut peak = 0;
    for i in 0..1_000u64 {
        map.insert(i, i);
        peak = peak.max(map.memory().allocated_bytes);
    }
    for i in 1_000..11_000u64 {
        map.insert(i, i);
        map.remove(&(i - 1_000));
        peak = peak.max(map.memory().allocated_bytes);
    }
    assert_eq!(map.len(), 1_000);
    assert!(
        peak <= 3 * fresh,
        "peak {peak}, a fresh map of 1,000: {fresh}"
    );
}

/// Every way of removing entries one by one or in bulk (`remove`,
/// `remove_entry`, an occupied entry's `remove` and `remove_entry`,
/// `and_replace_entry_with` returning `None`, `retain`) that keeps 1% of
/// 20,000 entries, with nothing inserted after, leaves the map holding at
/// most the drain-idle bound ([`DRAIN_IDLE_BOUND`](crate::scenarios::DRAIN_IDLE_BOUND),
/// the default shrink ratio) times a fresh map of the survivors, by the
/// map's own figures: each applies the policy.
pub fn every_removing_path_gives_memory_back<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    type Path<St> = fn(&mut TestMap<St>);
    fn gone(k: &u64) -> bool {
        k % 100 != 0
    }
    let paths: [(&str, Path<St>); 6] = [
        ("remove", |m| {
            for k in (0..20_000).filter(gone) {
                m.remove(&k);
            }
        }),
        ("remove_entry", |m| {
            for k in (0..20_000).filter(gone) {
                m.remove_entry(&k);
            }
        }),
        ("an occupied entry's remove", |m| {
            for k in (0..20_000).filter(gone) {
                if let Entry::Occupied(e) = m.entry(k) {
                    e.remove();
                }
            }
        }),
        ("an occupied entry's remove_entry", |m| {
            for k in (0..20_000).filter(gone) {
                if let Entry::Occupied(e) = m.entry(k) {
                    e.remove_entry();
                }
            }
        }),
        ("and_replace_entry_with returning None", |m| {
            for k in (0..20_000).filter(gone) {
                let _ = m.entry(k).and_replace_entry_with(|_, _| None);
            }
        }),
        ("retain", |m| m.retain(|k, _| !gone(k))),
    ];
    for (name, path) in paths {
        removing_99_percent_gives_back::<St>(name, path);
    }
}

/// Fills a map with 20,000 entries, lets `remove` take out all but the 200
/// keys divisible by 100, and asserts that the map counted a reclaim and
/// holds at most the drain-idle bound times a fresh map of 200, by its own
/// figures.
fn removing_99_percent_gives_back<St>(name: &str, remove: impl FnOnce(&mut TestMap<St>))
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let mut map: TestMap<St> = filled(20_000);
    let reclaims = map.memory().reclaims;
    remove(&mut map);
    assert_eq!(map.len(), 200, "{name}");
    let held = map.memory().allocated_bytes;
    let fresh = fresh_bytes::<St>(200);
    assert!(
        held as f64 <= crate::scenarios::DRAIN_IDLE_BOUND * fresh as f64,
        "{name} kept 200 of 20,000: held {held}, a fresh map of 200: {fresh}"
    );
    assert!(map.memory().reclaims > reclaims, "{name} gave nothing back");
}

/// `set_policy` with a stricter policy takes effect at once, with nothing
/// inserted or removed after: a manual map drained to 1% by `retain` gives
/// memory back to the drain-idle bound when the automatic policy is set,
/// one drained half under each gives back as it drains, and a map at a
/// quarter of its room under the default policy shrinks when the tightest
/// policy is set.
pub fn a_stricter_policy_takes_effect_at_once<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let mut map: TestMap<St> = filled(20_000);
    map.set_policy(ReclaimPolicy::manual());
    map.retain(|k, _| k % 100 == 0);
    let held = map.memory().allocated_bytes;
    map.set_policy(ReclaimPolicy::automatic());
    let now = map.memory().allocated_bytes;
    let fresh = fresh_bytes::<St>(200);
    assert!(
        now < held && now as f64 <= crate::scenarios::DRAIN_IDLE_BOUND * fresh as f64,
        "manual, then automatic: held {held}, then {now}; a fresh map of 200: {fresh}"
    );

    // Removals made under the manual policy do not leave the storage
    // deaf to the automatic one: the removals after the change give back.
    let mut map: TestMap<St> = filled(20_000);
    map.set_policy(ReclaimPolicy::manual());
    for i in 0..10_000 {
        map.remove(&i);
    }
    map.set_policy(ReclaimPolicy::automatic());
    for i in 10_000..19_800 {
        map.remove(&i);
    }
    let now = map.memory().allocated_bytes;
    assert!(
        now as f64 <= crate::scenarios::DRAIN_IDLE_BOUND * fresh as f64,
        "half drained under the manual policy, the rest under the automatic one: held {now}, \
         a fresh map of 200: {fresh}"
    );

    let mut map: TestMap<St> = filled(20_000);
    let room = map.capacity() as u64;
    let mut i = 0;
    while map.len() as u64 > room / 4 {
        map.remove(&i);
        i += 1;
    }
    let held = map.memory().allocated_bytes;
    map.set_policy(tightest_policy());
    let now = map.memory().allocated_bytes;
    assert!(
        now < held,
        "default at a quarter of its room ({} of {room}), then the tightest policy: held {held}, then {now}",
        map.len()
    );
}

/// An `extract_if` run to the end that keeps 1% of 20,000 entries gives
/// memory back as [`every_removing_path_gives_memory_back`] says of
/// `retain` (by the map's own figures, so that no counting allocator is
/// needed): the walk applies the policy when it ends.
pub fn an_extract_if_that_removes_most_gives_memory_back<St>()
where
    St: StableStore<u64, u64>,
    St::Alloc: Default,
{
    removing_99_percent_gives_back::<St>("extract_if", |map| {
        assert_eq!(map.extract_if(|k, _| k % 100 != 0).count(), 19_800);
    });
}

/// `clear()` keeps the storage under the manual policy (as std) and under a
/// policy that keeps any size, and never goes below the capacity floor: a
/// map that grew past its floor gives back only what is above it.
pub fn the_floor_and_the_manual_policy_keep_a_cleared_storage<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let keep_all = ReclaimPolicy::builder()
        .clear_keep_bytes(usize::MAX)
        .build()
        .expect("a valid policy");
    let maps: [(&str, TestMap<St>); 2] = [
        ("manual", with_policy(ReclaimPolicy::manual(), FIXED)),
        ("clear_keep_bytes: all", with_policy(keep_all, FIXED)),
    ];
    for (name, mut map) in maps {
        for i in 0..100_000 {
            map.insert(i, i);
        }
        let held = map.memory().allocated_bytes;
        map.clear();
        assert_eq!(map.memory().allocated_bytes, held, "{name}: kept");
    }
    // A floor of 50,000, filled to it or grown past it, then cleared (or
    // drained): room for the floor stays, so a refill up to it allocates at
    // most twice.
    for entries in [50_000, 200_000] {
        for drain in [false, true] {
            let at = format!("with_capacity(50,000), {entries} entries, drain: {drain}");
            let mut map: TestMap<St> =
                Map::with_capacity_and_hasher_in(50_000, hasher(FIXED), St::Alloc::default());
            for i in 0..entries {
                map.insert(i, i);
            }
            if drain {
                assert_eq!(map.drain().count() as u64, entries);
            } else {
                map.clear();
            }
            assert!(
                map.capacity() >= 50_000,
                "{at}: cleared below the floor: {}",
                map.capacity()
            );
            let counter = Counter::start();
            for i in 0..50_000 {
                map.insert(i, i);
            }
            assert!(
                counter.calls() <= 2,
                "{at}: the refill allocated {} times",
                counter.calls()
            );
        }
    }
}

/// A hash table also grows when deleted slots use up its room, with its
/// live entries filling only a little more than half of it; under the
/// tightest policy the doubled table is then sparse enough to shrink. The
/// hysteresis holds all the same: after that growth, no resize before a
/// fifth of the entries changed.
///
/// The map churns (insert a new key, remove the oldest) at 55% of a full
/// storage of at least 1,000 entries until it grows. Returns whether it
/// grew (a storage that rehashes in place instead never does, nor does a
/// storage of many tables whose full table is at its size bound, if it
/// rehashes such a table at the same size).
///
/// # Panics
///
/// If the storage resizes within a fifth of the entries after growing.
pub fn growth_through_deleted_slots_keeps_the_hysteresis<St>() -> bool
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let mut map: TestMap<St> = with_policy(tightest_policy(), FIXED);
    let (mut oldest, mut next) = (0u64, 0u64);
    while map.len() < 1_000 || map.len() < map.capacity() {
        map.insert(next, next);
        next += 1;
    }
    let full = map.len();
    while map.len() > full * 55 / 100 {
        map.remove(&oldest);
        oldest += 1;
    }
    let mut bytes = map.memory().allocated_bytes;
    for _ in 0..20 * full {
        map.insert(next, next);
        next += 1;
        let grown = map.memory().allocated_bytes;
        if grown != bytes {
            let len = map.len();
            for removed in 1..changes_needed(len) {
                map.remove(&oldest);
                oldest += 1;
                assert_eq!(
                    map.memory().allocated_bytes,
                    grown,
                    "grown at {len} entries ({full} when full), resized again after {removed} removals"
                );
            }
            return true;
        }
        map.remove(&oldest);
        oldest += 1;
        bytes = map.memory().allocated_bytes;
    }
    false
}

/// The hysteresis promise as a property, piece by piece: over random
/// sequences of inserts, removals (one by one and in bulk), `retain`,
/// entries and `clear`, under the default policy and the tightest one the
/// builder accepts ([`Sizes::hysteresis_cases`] of [`Sizes::from_env`]
/// each), every resize of a piece of the storage (see
/// [`Store::pieces`]; a storage resized as one piece is one) comes after at
/// least a fifth of the entries it held at its previous resize (and at
/// least one) were inserted or removed. A split or a merge is a resize of
/// the pieces it takes: the pieces it made start counting afresh. Then the
/// case that random sequences rarely reach:
/// [`growth_through_deleted_slots_keeps_the_hysteresis`].
///
/// Returns what the cases did, for the caller to check that they reached
/// what it wants checked (several pieces, for a storage of many; a growth
/// through deleted slots, for a hash-table storage).
///
/// # Panics
///
/// At the first resize that came too soon, naming the seed and the step.
pub fn check_hysteresis<St>(seed: u64) -> Hysteresis
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let mut rng = Rng::new(seed);
    let mut figures = Hysteresis::default();
    for case in 0..Sizes::from_env().hysteresis_cases {
        for policy in [ReclaimPolicy::default(), tightest_policy()] {
            let at = format!("seed {seed:#x}, case {case}");
            figures.add(hysteresis_case::<St>(policy, &mut rng, &at));
        }
    }
    for policy in [ReclaimPolicy::default(), tightest_policy()] {
        let at = format!("seed {seed:#x}, phases");
        figures.add(hysteresis_phases::<St>(policy, &mut rng, &at));
    }
    figures.grew_through_deleted_slots = growth_through_deleted_slots_keeps_the_hysteresis::<St>();
    figures
}

/// What [`check_hysteresis`]'s cases did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hysteresis {
    /// Resizes, splits and merges of pieces, each checked.
    pub resizes: usize,
    /// The most pieces a storage had at once.
    pub most_pieces: usize,
    /// Whether the storage grew through deleted slots (and kept the
    /// hysteresis after it).
    pub grew_through_deleted_slots: bool,
}

impl Hysteresis {
    fn add(&mut self, case: Self) {
        self.resizes += case.resizes;
        self.most_pieces = self.most_pieces.max(case.most_pieces);
    }
}

impl core::fmt::Display for Hysteresis {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "hysteresis: {} resizes checked, at most {} pieces at once, {}",
            self.resizes,
            self.most_pieces,
            if self.grew_through_deleted_slots {
                "grown through deleted slots"
            } else {
                "never grown through deleted slots"
            }
        )
    }
}

/// The tightest automatic policy the builder accepts: the least headroom
/// and the lowest ratios, where the hysteresis has the least room.
pub fn tightest_policy() -> ReclaimPolicy {
    ReclaimPolicy::builder()
        .headroom(1.25)
        .shrink_ratio(3.125)
        .drain_ratio(3.125)
        .min_capacity(1)
        .build()
        .expect("the tightest policy")
}

/// The changes the design's hysteresis asks for after a resize that left
/// `len` entries before the next resize: a fifth of them, and at least one.
///
/// ```
/// use map_conformance::promises::changes_needed;
///
/// assert_eq!(changes_needed(0), 1);
/// assert_eq!(changes_needed(1_000), 200);
/// ```
pub fn changes_needed(len: usize) -> usize {
    (len / 5).max(1)
}

/// A piece's size at its last resize, and the entries changed since.
#[derive(Clone, Copy)]
struct Since {
    bytes: usize,
    len: usize,
    changes: usize,
}

impl Since {
    /// A piece just resized (or made): nothing changed in it yet.
    fn fresh(piece: &Piece) -> Self {
        Self {
            bytes: piece.bytes,
            len: piece.len,
            changes: 0,
        }
    }
}

/// Follows a storage's pieces from operation to operation.
struct Resizes {
    seen: HashMap<Place, Since, KitHasher>,
    figures: Hysteresis,
}

impl Resizes {
    fn new<St: Store<u64, u64>>(map: &TestMap<St>) -> Self {
        let mut resizes = Self {
            seen: HashMap::default(),
            figures: Hysteresis::default(),
        };
        resizes.after(map, &|| "the start".into());
        resizes
    }

    /// Counts one entry changed in the piece at `place` (where the entry's
    /// hash went before the change).
    fn changed(&mut self, place: Option<Place>) {
        if let Some(since) = place.and_then(|p| self.seen.get_mut(&p)) {
            since.changes += 1;
        }
    }

    /// Checks every piece that changed since the last call.
    fn after<St: Store<u64, u64>>(&mut self, map: &TestMap<St>, at: &dyn Fn() -> String) {
        let mut now = Vec::with_capacity(self.seen.len());
        map.storage().pieces(|piece| now.push(piece));
        let unchanged = |p: &Piece| self.seen.get(&p.place).is_some_and(|s| s.bytes == p.bytes);
        if now.len() == self.seen.len() && now.iter().all(unchanged) {
            return;
        }
        let mut next = HashMap::default();
        for piece in now {
            let since = match self.seen.get(&piece.place) {
                Some(s) if s.bytes == piece.bytes => *s,
                Some(s) => {
                    check_resize(&mut self.figures, s.changes, s.len, at, || {
                        format!(
                            "piece {:?} resized from {} to {} bytes",
                            piece.place, s.bytes, piece.bytes
                        )
                    });
                    Since::fresh(&piece)
                }
                None => {
                    // Made by a split or a merge of the pieces it overlaps
                    // (or the first piece, made by an insert).
                    let (changes, len, from) = self
                        .seen
                        .iter()
                        .filter(|(p, _)| overlap(**p, piece.place))
                        .fold((0, 0, 0), |(c, l, n), (_, s)| {
                            (c + s.changes, l + s.len, n + 1)
                        });
                    if from > 0 {
                        check_resize(&mut self.figures, changes, len, at, || {
                            format!("piece {:?} made from {from} pieces", piece.place)
                        });
                    }
                    Since::fresh(&piece)
                }
            };
            next.insert(piece.place, since);
        }
        // A piece gone with nothing in its place was given back whole.
        for (place, s) in &self.seen {
            if !next.contains_key(place) && !next.keys().any(|p| overlap(*p, *place)) {
                check_resize(&mut self.figures, s.changes, s.len, at, || {
                    format!("piece {place:?} of {} bytes given back", s.bytes)
                });
            }
        }
        self.figures.most_pieces = self.figures.most_pieces.max(next.len());
        self.seen = next;
    }
}

/// Whether one of the two pieces lies within the other.
fn overlap(a: Place, b: Place) -> bool {
    a.contains(b) || b.contains(a)
}

/// Checks one resize: `changes` since the last, which left `len` entries.
fn check_resize(
    figures: &mut Hysteresis,
    changes: usize,
    len: usize,
    at: &dyn Fn() -> String,
    what: impl FnOnce() -> String,
) {
    let needed = changes_needed(len);
    assert!(
        changes >= needed,
        "{}: {} after {changes} changes; {len} entries at the previous resize need {needed}",
        at(),
        what()
    );
    figures.resizes += 1;
}

/// Where `key`'s entry goes in `map`'s storage now.
fn place<St: Store<u64, u64>>(map: &TestMap<St>, key: u64) -> Option<Place> {
    map.storage().place_of(map.hasher().hash_one(key))
}

fn hysteresis_case<St>(policy: ReclaimPolicy, rng: &mut Rng, case: &str) -> Hysteresis
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    // The case's own hasher seed: the seed and the case number replay it.
    let mut map: TestMap<St> = with_policy(policy, rng.next_u64());
    let mut resizes = Resizes::new(&map);
    let mut next_new = 1_000_000u64;
    for step in 0..rng.below(60) + 1 {
        let at = format!("{case}, step {step}");
        match rng.below(19) {
            0..=3 => {
                let k = rng.below(4096);
                let at_k = place(&map, k);
                if map.insert(k, 0).is_none() {
                    resizes.changed(at_k);
                }
            }
            4..=7 => {
                let k = rng.below(4096);
                let at_k = place(&map, k);
                if map.remove(&k).is_some() {
                    resizes.changed(at_k);
                }
            }
            8..=9 => {
                // Many new keys, checked one by one.
                for _ in 0..rng.below(3000) + 1 {
                    resizes.changed(place(&map, next_new));
                    map.insert(next_new, next_new);
                    next_new += 1;
                    resizes.after(&map, &|| at.clone());
                }
            }
            10..=11 => {
                // The smallest keys, removed one by one.
                let mut keys: Vec<u64> = map.keys().copied().collect();
                keys.sort_unstable();
                for k in keys.into_iter().take(rng.below(3000) as usize + 1) {
                    resizes.changed(place(&map, k));
                    map.remove(&k);
                    resizes.after(&map, &|| at.clone());
                }
            }
            12 => {
                let t = rng.below(1 << 16);
                let kept = |k: &u64| (k.wrapping_mul(0x9e37_79b9) & 0xffff) < t;
                let gone: Vec<Option<Place>> = map
                    .keys()
                    .filter(|k| !kept(k))
                    .map(|&k| place(&map, k))
                    .collect();
                map.retain(|k, _| kept(k));
                gone.into_iter().for_each(|p| resizes.changed(p));
            }
            13..=14 => {
                let k = rng.below(4096);
                let at_k = place(&map, k);
                if !map.contains_key(&k) {
                    resizes.changed(at_k);
                }
                *map.entry(k).or_insert(0) += 1;
            }
            15..=16 => {
                let k = rng.below(4096);
                let at_k = place(&map, k);
                if let Entry::Occupied(e) = map.entry(k) {
                    e.remove();
                    resizes.changed(at_k);
                }
            }
            17 => {
                map.get(&rng.below(4096));
            }
            _ => {
                let gone: Vec<Option<Place>> = map.keys().map(|&k| place(&map, k)).collect();
                map.clear();
                gone.into_iter().for_each(|p| resizes.changed(p));
            }
        }
        resizes.after(&map, &|| at.clone());
    }
    resizes.figures
}

/// Larger phases, for a storage of many pieces: fill to 60,000 entries,
/// drain to 300, refill to 40,000, then churn at 20,000, each step a random
/// insert of a new key or removal of a held one.
fn hysteresis_phases<St>(policy: ReclaimPolicy, rng: &mut Rng, case: &str) -> Hysteresis
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let mut map: TestMap<St> = with_policy(policy, rng.next_u64());
    let mut resizes = Resizes::new(&map);
    let mut held: Vec<u64> = Vec::new();
    let phases = [
        (60_000, 80_000),
        (300, 60_000),
        (40_000, 60_000),
        (20_000, 40_000),
    ];
    for (phase, (target, steps)) in phases.into_iter().enumerate() {
        for step in 0..steps {
            let len = held.len();
            let k = if len == 0 || len < target && rng.below(8) != 0 {
                let k = rng.next_u64();
                if map.contains_key(&k) {
                    continue;
                }
                held.push(k);
                k
            } else {
                held.swap_remove(rng.below(len as u64) as usize)
            };
            resizes.changed(place(&map, k));
            if map.remove(&k).is_none() {
                map.insert(k, k);
            }
            resizes.after(&map, &|| format!("{case}, phase {phase}, step {step}"));
        }
    }
    resizes.figures
}
