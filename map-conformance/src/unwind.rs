//! A `Hash` that panics, at chosen calls, while a map grows, drains and
//! reclaims: the map loses no entry and stays usable.
//!
//! [`hasher_unwind`] drives any [`ReclaimMap`] over [`PanicKey`]s, whose
//! `Hash` panics on the n-th call after [`panic_after`]`(n)` (counted per
//! thread). Each run arms one panic point, performs operations until the
//! panic comes, and then checks every key that should be in the map (all of
//! them, but the one whose operation was interrupted, which may be either
//! in or out) against its value, the length, and that the map still grows,
//! shrinks and reclaims once hashing behaves.

use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};

use map_core::{ReclaimMap, ReclaimPolicy};

thread_local! {
    /// Hash calls left before one panics; `None` never panics.
    static HASHES_LEFT: Cell<Option<u64>> = const { Cell::new(None) };
}

/// A key whose `Hash` panics when the countdown set by [`panic_after`]
/// reaches zero (then disarms itself). Equality and the hashed value are
/// the wrapped number's.
///
/// ```
/// use map_conformance::unwind::{panic_after, PanicKey};
/// use std::hash::{BuildHasher, RandomState};
///
/// let state = RandomState::new();
/// panic_after(1);
/// let _ = state.hash_one(PanicKey(1)); // the countdown's last call
/// assert!(std::panic::catch_unwind(|| state.hash_one(PanicKey(2))).is_err());
/// let _ = state.hash_one(PanicKey(3)); // disarmed again
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PanicKey(pub u64);

impl Hash for PanicKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        HASHES_LEFT.with(|left| match left.get() {
            Some(0) => {
                left.set(None);
                panic!("PanicKey: hash panics on purpose");
            }
            Some(n) => left.set(Some(n - 1)),
            None => {}
        });
        self.0.hash(state);
    }
}

/// Arms this thread's countdown: the `calls`-th `PanicKey` hash from now
/// (counting from 0) panics.
pub fn panic_after(calls: u64) {
    HASHES_LEFT.with(|left| left.set(Some(calls)));
}

/// Disarms this thread's countdown.
pub fn never_panic() {
    HASHES_LEFT.with(|left| left.set(None));
}

/// The value stored under key `k`.
fn value(k: u64) -> u64 {
    k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1
}

/// Checks that the map holds exactly `present` (all with their values),
/// plus possibly `in_flight`, and returns whether it holds `in_flight`.
fn check<M: ReclaimMap<PanicKey, u64>>(
    map: &M,
    present: impl Iterator<Item = u64>,
    in_flight: Option<u64>,
    what: &str,
) -> bool {
    never_panic();
    let mut count = 0;
    for k in present {
        match map.get(&PanicKey(k)) {
            Some(v) => assert_eq!(*v, value(k), "{what}: key {k} has another value"),
            None => panic!("{what}: key {k} was lost"),
        }
        count += 1;
    }
    let extra = in_flight.is_some_and(|k| map.get(&PanicKey(k)).is_some_and(|v| *v == value(k)));
    assert_eq!(
        map.len(),
        count + usize::from(extra),
        "{what}: the length does not match the entries"
    );
    let mut seen = 0;
    map.for_each(|_, _| seen += 1);
    assert_eq!(
        seen,
        map.len(),
        "{what}: iteration does not match the length"
    );
    extra
}

/// Runs `op` with a panic armed at hash call `nth`; returns whether it
/// panicked.
fn interrupted(nth: u64, op: impl FnOnce()) -> bool {
    panic_after(nth);
    let panicked = catch_unwind(AssertUnwindSafe(op)).is_err();
    never_panic();
    panicked
}

/// The panic points tried: every early call, then a spread up to `most`.
fn points(most: u64) -> impl Iterator<Item = u64> {
    (0..8).chain((3..).map(|e| 1u64 << e).take_while(move |&p| p <= most))
}

/// The hasher-unwind check: a panicking `Hash` during growth, during a
/// drain under the automatic policy, and during `reclaim`, at a spread of
/// hash calls, loses no entry; the map then keeps working and gives memory
/// back. `make` builds an empty map with the automatic policy.
///
/// Panics (the test fails) on the first entry lost, value changed, length
/// or iteration out of step, or if no panic point was ever reached.
///
/// ```
/// use map_core::HashMap;
///
/// map_conformance::unwind::hasher_unwind(HashMap::new);
/// ```
pub fn hasher_unwind<M, F>(make: F)
where
    M: ReclaimMap<PanicKey, u64>,
    F: Fn() -> M,
{
    let n = 4_000u64;
    let mut panics = 0;

    // Growth: inserts from empty until the armed hash call panics.
    for nth in points(2 * n) {
        let mut map = make();
        let mut k = 0;
        let panicked = interrupted(nth, || {
            while k < n {
                map.insert(PanicKey(k), value(k));
                k += 1;
            }
        });
        if !panicked {
            check(&map, 0..n, None, "growth without a panic");
            continue;
        }
        panics += 1;
        let what = format!("insert of key {k} panicking at hash call {nth}");
        let has = check(&map, 0..k, Some(k), &what);
        // The map goes on growing.
        for j in k + usize::from(has) as u64..n {
            map.insert(PanicKey(j), value(j));
        }
        check(&map, 0..n, None, &what);
    }

    // Drain: removals from a full map, under the automatic policy, until
    // the armed hash call panics (shrinks rehash what is left).
    for nth in points(2 * n) {
        let mut map = make();
        for k in 0..n {
            map.insert(PanicKey(k), value(k));
        }
        let full = map.memory().allocated_bytes;
        let mut k = 0;
        let panicked = interrupted(nth, || {
            while k < n {
                map.remove(&PanicKey(k));
                k += 1;
            }
        });
        if !panicked {
            check(&map, 0..0, None, "drain without a panic");
            continue;
        }
        panics += 1;
        let what = format!("removal of key {k} panicking at hash call {nth}");
        check(&map, k + 1..n, Some(k), &what);
        // The map goes on draining, and gives its memory back.
        for j in k..n - 10 {
            map.remove(&PanicKey(j));
        }
        check(&map, n - 10..n, None, &what);
        map.reclaim();
        let held = map.memory().allocated_bytes;
        assert!(
            held * 10 < full,
            "{what}: {held} of {full} bytes still held after the drain and reclaim()"
        );
    }

    // Reclaim: a manual map emptied to 1% shrinks only when asked to.
    for nth in points(n / 50) {
        let mut map = make();
        map.set_policy(ReclaimPolicy::manual());
        for k in 0..n {
            map.insert(PanicKey(k), value(k));
        }
        for k in 0..n - n / 100 {
            map.remove(&PanicKey(k));
        }
        let before = map.memory().allocated_bytes;
        let what = format!("reclaim() panicking at hash call {nth}");
        if interrupted(nth, || {
            map.reclaim();
        }) {
            panics += 1;
        }
        check(&map, n - n / 100..n, None, &what);
        map.reclaim();
        assert!(
            map.memory().allocated_bytes < before,
            "{what}: reclaim() gave nothing back once hashing behaved"
        );
        check(&map, n - n / 100..n, None, &what);
    }

    assert!(
        panics > 0,
        "no panic point was reached: the check tested nothing"
    );
}
