//! A refused allocation loses nothing and aborts nothing, checked once for
//! every [`Map`]: `try_insert` and `try_reserve` report the refusal with
//! the map unchanged, an automatic shrink or merge that cannot allocate
//! leaves the entries where they are, `clear` and `drain` allocate nothing,
//! `memory()` is exactly what the allocator holds throughout, and every
//! constructor that takes an allocator takes the map's memory from it.
//!
//! A storage that takes an allocator is checked over a [`FailingAlloc`]
//! ([`check`]); one that allocates through the global allocator (a bump
//! arena's chunks) through the counting allocator's [`Refusals`] on the
//! test's thread ([`check_global`]).
//!
//! ```ignore
//! map_conformance::alloc_failure::check::<map_core::Table<u64, u64, FailingAlloc>>();
//! map_conformance::alloc_failure::check_global::<arena_map::ArenaTable<u64, u64>>();
//! ```

use map_core::toolkit::{Map, Store};
use map_core::{DefaultHashBuilder, ReclaimPolicy, TryReserveError};

use crate::alloc::{FailingAlloc, Refusals};
use crate::test_map::{filled_in, hasher, TestMap, FIXED};

/// Where a check's refusals come from, for maps over allocator `A`.
pub trait Refuser<A> {
    /// Starts counting, refusing nothing yet.
    fn start() -> Self;
    /// The allocator of a map under check.
    fn alloc(&self) -> A;
    /// Allows `n` more allocations, then refuses every one.
    fn fail_after(&self, n: usize);
    /// Refuses every allocation that would leave more than `bytes` bytes
    /// live since the start, until [`never_fail`](Refuser::never_fail).
    fn refuse_past(&self, bytes: usize);
    /// Stops refusing.
    fn never_fail(&self);
    /// Allocations refused since the start.
    fn failures(&self) -> usize;
    /// Bytes allocated and not freed since the start.
    fn live_bytes(&self) -> usize;
}

impl Refuser<FailingAlloc> for FailingAlloc {
    fn start() -> Self {
        FailingAlloc::new()
    }
    fn alloc(&self) -> FailingAlloc {
        self.clone()
    }
    fn fail_after(&self, n: usize) {
        FailingAlloc::fail_after(self, n);
    }
    fn refuse_past(&self, bytes: usize) {
        FailingAlloc::refuse_past(self, bytes);
    }
    fn never_fail(&self) {
        FailingAlloc::never_fail(self);
    }
    fn failures(&self) -> usize {
        FailingAlloc::failures(self)
    }
    fn live_bytes(&self) -> usize {
        FailingAlloc::live_bytes(self)
    }
}

/// The global allocator's refusals on this thread; the map under check is
/// built on its storage's default allocator.
impl<A: Default> Refuser<A> for Refusals {
    fn start() -> Self {
        Refusals::start()
    }
    fn alloc(&self) -> A {
        A::default()
    }
    fn fail_after(&self, n: usize) {
        Refusals::fail_after(self, n);
    }
    fn refuse_past(&self, bytes: usize) {
        Refusals::refuse_past(self, bytes);
    }
    fn never_fail(&self) {
        Refusals::never_fail(self);
    }
    fn failures(&self) -> usize {
        Refusals::failures(self)
    }
    fn live_bytes(&self) -> usize {
        usize::try_from(Refusals::live_bytes(self)).expect("more freed than allocated")
    }
}

/// Asserts that `map` holds exactly the keys `keys`, each as its own value.
fn holds<St: Store<u64, u64>>(map: &TestMap<St>, keys: impl Iterator<Item = u64>, at: &str) {
    let mut count = 0;
    for k in keys {
        assert_eq!(map.get(&k), Some(&k), "{at}: key {k}");
        count += 1;
    }
    assert_eq!(map.len(), count, "{at}: len");
}

/// Runs every check below over a [`FailingAlloc`].
///
/// # Panics
///
/// At the first refusal that lost or changed something, naming it.
pub fn check<St: Store<u64, u64, Alloc = FailingAlloc>>() {
    check_with::<St, FailingAlloc>();
}

/// `try_reserve` for far more than the allocator can give fails with
/// `AllocError` and leaves the map as it was, holding no more than before,
/// as std's one allocation for the whole table does: a storage of many
/// pieces must not take piece after piece until the memory runs out (with
/// the kernel's overcommit, that is the OOM killer, not an error).
///
/// # Panics
///
/// If the reservation succeeds, reports another error, or leaves the
/// allocator holding more than before.
pub fn a_reservation_past_the_memory_fails_whole<St: Store<u64, u64>, R: Refuser<St::Alloc>>() {
    let alloc = R::start();
    let mut map: TestMap<St> = filled_in(alloc.alloc(), 10_000);
    let held = alloc.live_bytes();
    assert_eq!(map.memory().allocated_bytes, held, "memory()");
    // A machine with 64 MiB to spare; the request needs gigabytes.
    alloc.refuse_past(held + (64 << 20));
    let refused = map.try_reserve(1 << 28);
    alloc.never_fail();
    assert!(
        matches!(refused, Err(TryReserveError::AllocError { .. })),
        "try_reserve(1 << 28) past the memory: {refused:?}"
    );
    assert_eq!(
        alloc.live_bytes(),
        held,
        "try_reserve(1 << 28) past the memory kept what it took"
    );
    assert_eq!(map.memory().allocated_bytes, held, "memory()");
    holds(&map, 0..10_000, "after a reservation past the memory");
}

/// Runs every check below on maps over their storage's default allocator,
/// refusing this thread's allocations through the counting global
/// allocator (which the test binary must install, see
/// [`install_counting_allocator!`](crate::install_counting_allocator)).
/// For a storage all of whose allocations go through the global allocator
/// (`Global`, a bump arena's chunks): `PageAlloc`'s large blocks come from
/// the kernel and are not refused here.
///
/// # Panics
///
/// At the first refusal that lost or changed something, naming it. A
/// storage that allocates infallibly aborts the test instead.
pub fn check_global<St: Store<u64, u64>>()
where
    St::Alloc: Default,
{
    check_with::<St, Refusals>();
}

/// Runs every check below, refusing through `R`.
pub fn check_with<St: Store<u64, u64>, R: Refuser<St::Alloc>>() {
    try_insert_reports_refused_growth::<St, R>();
    try_reserve_reports_both_errors::<St, R>();
    removals_keep_going_without_memory::<St, R>();
    clear_and_drain_allocate_nothing::<St, R>();
    memory_is_what_the_allocator_holds::<St, R>();
    a_reservation_past_the_memory_fails_whole::<St, R>();
    constructors_take_the_given_allocator::<St, R>();
}

/// Inserts with every allocation refused: the insert that needs room
/// reports it and hands the entry back, holding no more memory than
/// before it; every entry stays.
pub fn try_insert_reports_refused_growth<St: Store<u64, u64>, R: Refuser<St::Alloc>>() {
    let alloc = R::start();
    let mut map: TestMap<St> = filled_in(alloc.alloc(), 30_000);
    alloc.fail_after(0);
    let mut k = 30_000;
    let mut before = alloc.live_bytes();
    let error = loop {
        match map.try_insert(k, k) {
            Ok(None) => k += 1,
            Ok(Some(_)) => panic!("try_insert: key {k} is new"),
            Err(e) => break e,
        }
        before = alloc.live_bytes();
    };
    let after = alloc.live_bytes();
    // The window holds the map's calls alone (see `Refusals`).
    alloc.never_fail();
    assert!(
        after <= before,
        "the refused insert took memory: {before} -> {after} bytes"
    );
    assert_eq!(map.memory().allocated_bytes, after, "memory()");
    assert_eq!((error.key, error.value), (k, k), "the entry comes back");
    assert!(matches!(error.error, TryReserveError::AllocError { .. }));
    assert!(alloc.failures() > 0);
    holds(&map, 0..k, "after the refused insert");
    assert_eq!(map.try_insert(k, k).ok(), Some(None));
    holds(&map, 0..k + 1, "after a granted insert");
}

/// `try_reserve(usize::MAX)` is `CapacityOverflow`, a refused one
/// `AllocError`, as std reports them; neither changes the map or sets a
/// capacity floor. A reserve refused part way (some of a storage's pieces
/// granted) keeps every entry, reports its memory exactly and sets no
/// floor either.
pub fn try_reserve_reports_both_errors<St: Store<u64, u64>, R: Refuser<St::Alloc>>() {
    for granted in [0, 1, 2, 3] {
        let at = format!("try_reserve refused after {granted} allocations");
        let alloc = R::start();
        let mut map: TestMap<St> = filled_in(alloc.alloc(), 10_000);
        let held = map.memory().allocated_bytes;
        assert!(matches!(
            map.try_reserve(usize::MAX),
            Err(TryReserveError::CapacityOverflow)
        ));
        alloc.fail_after(granted);
        let refused = map.try_reserve(1_000_000);
        alloc.never_fail();
        if granted == 0 {
            assert!(
                matches!(refused, Err(TryReserveError::AllocError { .. })),
                "{at}: {refused:?}"
            );
            assert_eq!(map.memory().allocated_bytes, held, "{at}: the map changed");
        } else if refused.is_ok() {
            // A storage of one piece needed fewer allocations.
            continue;
        }
        assert_eq!(
            map.memory().allocated_bytes,
            alloc.live_bytes(),
            "{at}: memory()"
        );
        holds(&map, 0..10_000, &at);
        for k in 0..10_000 {
            map.remove(&k);
        }
        assert!(
            map.capacity() < 1_000,
            "{at}: a floor was set: {}",
            map.capacity()
        );
        map.try_reserve(100_000).expect("granted");
        assert!(map.capacity() >= 100_000);
    }
}

/// Removals while every allocation is refused: the shrinks (or merges)
/// the policy asks for fail, and every entry left is still found; once
/// allocation works again, the map gives its memory back.
pub fn removals_keep_going_without_memory<St: Store<u64, u64>, R: Refuser<St::Alloc>>() {
    let alloc = R::start();
    let mut map: TestMap<St> = filled_in(alloc.alloc(), 50_000);
    let held = map.memory().allocated_bytes;
    alloc.fail_after(0);
    let removed = (0..49_000).all(|k| map.remove(&k) == Some(k));
    // Looked up while nothing may be allocated, asserted after.
    let kept = (49_000..50_000).all(|k| map.get(&k) == Some(&k)) && map.len() == 1_000;
    alloc.never_fail();
    assert!(removed, "a removal without memory lost its entry");
    assert!(kept, "entries lost by removals without memory");
    assert!(alloc.failures() > 0, "some shrink tried to allocate");
    assert!(map.memory().allocated_bytes <= held);
    assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
    for k in 49_000..50_000 {
        assert_eq!(map.remove(&k), Some(k));
    }
    assert!(map.is_empty());
    assert!(
        map.memory().allocated_bytes * 100 < held,
        "memory back once granted"
    );
}

/// `clear` and `drain`, of a large map (given back) and of a small one
/// (kept), with every allocation refused: nothing allocates.
pub fn clear_and_drain_allocate_nothing<St: Store<u64, u64>, R: Refuser<St::Alloc>>() {
    for n in [100_000, 100] {
        for drain in [false, true] {
            let alloc = R::start();
            let mut map: TestMap<St> = filled_in(alloc.alloc(), n);
            alloc.fail_after(0);
            let drained = if drain {
                map.drain().count() as u64
            } else {
                map.clear();
                n
            };
            alloc.never_fail();
            assert_eq!(drained, n);
            assert!(map.is_empty());
            assert_eq!(
                alloc.failures(),
                0,
                "{n} entries, drain: {drain}: allocated"
            );
            assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
        }
    }
}

/// `memory()` is what the allocator holds, and its peak the allocator's,
/// through growth, removals, `reclaim` and `clear`; dropped, the map holds
/// nothing.
pub fn memory_is_what_the_allocator_holds<St: Store<u64, u64>, R: Refuser<St::Alloc>>() {
    let alloc = R::start();
    let mut map: TestMap<St> = Map::with_hasher_in(hasher(FIXED), alloc.alloc());
    let mut peak = 0;
    for round in 0..3u64 {
        for i in 0..20_000u64 {
            map.insert(i + round, i);
            peak = peak.max(alloc.live_bytes());
            assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
        }
        for i in 0..19_900u64 {
            map.remove(&(i + round));
            assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
        }
        map.reclaim();
        assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
    }
    assert_eq!(map.memory().peak_bytes, peak);
    map.clear();
    assert_eq!(map.memory().allocated_bytes, alloc.live_bytes());
    drop(map);
    assert_eq!(alloc.live_bytes(), 0);
}

/// Every constructor that takes an allocator takes the map's memory from
/// it: `new_in` holds nothing before the first insert, `with_capacity_in`
/// and `with_capacity_and_hasher_in` hold their room from it, and
/// `with_hasher_in` and `with_policy_in` grow through it; each gives
/// everything back when dropped. `memory()` is what the allocator holds at
/// each step.
///
/// # Panics
///
/// If a map holds memory the allocator did not give, or keeps some after
/// it is dropped.
pub fn constructors_take_the_given_allocator<St: Store<u64, u64>, R: Refuser<St::Alloc>>() {
    type Plain<St> = Map<u64, u64, DefaultHashBuilder, St>;
    let alloc = R::start();
    let empty: Plain<St> = Map::new_in(alloc.alloc());
    assert_eq!(alloc.live_bytes(), 0, "new_in holds nothing");
    assert_eq!(empty.memory().allocated_bytes, 0, "new_in: memory()");
    drop(empty);

    let room: Plain<St> = Map::with_capacity_in(1_000, alloc.alloc());
    assert!(room.capacity() >= 1_000, "with_capacity_in: capacity");
    assert!(alloc.live_bytes() > 0, "with_capacity_in holds its room");
    assert_eq!(room.memory().allocated_bytes, alloc.live_bytes());
    let both: TestMap<St> = Map::with_capacity_and_hasher_in(500, hasher(FIXED), alloc.alloc());
    assert!(
        both.capacity() >= 500,
        "with_capacity_and_hasher_in: capacity"
    );
    assert_eq!(
        alloc.live_bytes(),
        room.memory().allocated_bytes + both.memory().allocated_bytes,
        "with_capacity_and_hasher_in"
    );
    drop((room, both));
    assert_eq!(alloc.live_bytes(), 0, "dropped maps made with capacity");

    let mut hashed: TestMap<St> = Map::with_hasher_in(hasher(FIXED), alloc.alloc());
    hashed.extend((0..1_000).map(|i| (i, i)));
    assert_eq!(
        hashed.memory().allocated_bytes,
        alloc.live_bytes(),
        "with_hasher_in"
    );
    drop(hashed);
    assert_eq!(alloc.live_bytes(), 0, "dropped map made with a hasher");

    let mut manual: Plain<St> = Map::with_policy_in(ReclaimPolicy::manual(), alloc.alloc());
    manual.extend((0..1_000).map(|i| (i, i)));
    manual.retain(|_, _| false);
    assert_eq!(
        manual.memory().allocated_bytes,
        alloc.live_bytes(),
        "with_policy_in"
    );
    drop(manual);
    assert_eq!(alloc.live_bytes(), 0, "dropped map made with a policy");
}
