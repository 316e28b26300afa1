//! The policy refuses nonsense, and no workload makes the map shrink and
//! grow back over and over.

use map_conformance::alloc::Counter;
use map_core::{HashMap, PolicyError, ReclaimPolicy};

map_conformance::install_counting_allocator!();

#[test]
fn nonsense_is_refused_naming_the_value() {
    let cases = [
        (
            ReclaimPolicy::builder().shrink_ratio(f64::NAN),
            "shrink_ratio",
        ),
        (ReclaimPolicy::builder().headroom(f64::INFINITY), "headroom"),
        (ReclaimPolicy::builder().headroom(1.0), "headroom"),
        // Shrink at 1/4 full to 1/2 full: could grow straight back.
        (
            ReclaimPolicy::builder().shrink_ratio(4.0).headroom(2.0),
            "shrink_ratio",
        ),
        (ReclaimPolicy::builder().shrink_ratio(-1.0), "shrink_ratio"),
        (ReclaimPolicy::builder().drain_ratio(4.0), "drain_ratio"),
        (ReclaimPolicy::builder().garbage_ratio(0.0), "garbage_ratio"),
        (
            ReclaimPolicy::builder().garbage_ratio(f64::NAN),
            "garbage_ratio",
        ),
    ];
    for (builder, field) in cases {
        let err = builder.build().unwrap_err();
        let named = match err {
            PolicyError::NotFinite { field, .. } | PolicyError::OutOfRange { field, .. } => field,
            _ => unreachable!(),
        };
        assert_eq!(named, field, "{err}");
        assert!(err.to_string().contains(field), "{err}");
    }
    let ok = ReclaimPolicy::builder()
        .shrink_ratio(16.0)
        .headroom(1.5)
        .drain_ratio(16.0)
        .min_capacity(1)
        .build()
        .unwrap();
    assert_eq!(
        (ok.shrink_ratio(), ok.headroom(), ok.drain_ratio()),
        (16.0, 1.5, 16.0)
    );
    assert!(ReclaimPolicy::default().is_automatic());
    assert!(!ReclaimPolicy::manual().is_automatic());
    assert!(!ReclaimPolicy::builder()
        .automatic(false)
        .build()
        .unwrap()
        .is_automatic());
}

#[test]
fn manual_never_shrinks_by_itself() {
    let mut map = HashMap::with_policy(ReclaimPolicy::manual());
    map.extend((0..10_000u64).map(|i| (i, i)));
    let full = map.memory().allocated_bytes;
    for i in 0..10_000u64 {
        map.remove(&i);
        map.insert(i + 1_000_000, i);
        map.remove(&(i + 1_000_000));
    }
    assert_eq!(map.memory().allocated_bytes, full);
    assert_eq!(map.memory().reclaims, 0);
}

/// Alternating inserts and removals at any size right after a shrink, or
/// around the point where one would happen, make at most one resize.
#[test]
fn no_shrink_grow_loop_at_any_size() {
    for policy in [
        ReclaimPolicy::default(),
        ReclaimPolicy::builder().drain_ratio(8.0).build().unwrap(),
        ReclaimPolicy::builder().min_capacity(1).build().unwrap(),
        ReclaimPolicy::builder()
            .shrink_ratio(5.0)
            .headroom(2.0)
            .drain_ratio(5.0)
            .min_capacity(1)
            .build()
            .unwrap(),
    ] {
        for peak in [1u64, 3, 7, 15, 16, 17, 100, 1000, 5000] {
            for keep in [0u64, 1, 2, 3, peak / 8, peak / 7, peak / 4, peak / 2] {
                let mut map = HashMap::with_policy(policy);
                map.extend((0..peak).map(|i| (i, i)));
                for i in keep..peak {
                    map.remove(&i);
                }
                let counter = Counter::start();
                let reclaims = map.memory().reclaims;
                // Swing by an eighth of the live set (at least one entry).
                let swing = 1 + keep / 8;
                for step in 0..200u64 {
                    for k in 0..swing {
                        map.insert(1_000_000 + step * swing + k, 0);
                    }
                    for k in 0..swing {
                        map.remove(&(1_000_000 + step * swing + k));
                    }
                }
                let resizes = map.memory().reclaims - reclaims;
                assert!(
                    resizes <= 1 && counter.calls() <= 4,
                    "{policy:?} peak {peak} keep {keep}: {resizes} shrinks, {} allocator calls",
                    counter.calls()
                );
            }
        }
    }
}

/// Growth and shrinking together cost O(1) amortised: over a random walk of
/// the length, the bytes the map allocates stay within a small multiple of
/// the bytes a table of the walk's size needs per operation.
#[test]
fn resizing_is_amortised() {
    let mut map: HashMap<u64, u64> = HashMap::new();
    let counter = Counter::start();
    let mut x = 12345u64;
    let mut live = std::collections::VecDeque::new();
    let ops = 200_000u64;
    let mut reclaims_before = 0;
    for next_key in 0..ops {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Long phases of growth and of drain.
        let grow = (next_key / 20_000) % 2 == 0;
        if (x % 100 < 70) == grow {
            map.insert(next_key, next_key);
            live.push_back(next_key);
        } else if let Some(k) = live.pop_front() {
            map.remove(&k);
        }
        reclaims_before = reclaims_before.max(map.memory().reclaims);
    }
    // Each resize is triggered by at least a fifth of the entries changing,
    // so the count of resizes is far below the count of operations.
    assert!(
        counter.calls() < 200,
        "{} allocator calls for {ops} operations",
        counter.calls()
    );
    assert!(reclaims_before < 100);
}

/// A table grown by a reserve (not by an insert) is looked at with its new
/// size: removals after `extend`'s length hint or `try_reserve` grew it
/// shrink it as they would a table that inserts grew.
#[test]
fn a_table_grown_by_a_reserve_shrinks_when_drained() {
    let fresh_bytes = |n: u64| {
        let map: HashMap<u64, u64> = (0..n).map(|i| (i, i)).collect();
        map.memory().allocated_bytes
    };
    // Thresholds cached at the small size (one removal), then an `extend`
    // whose length hint (200,000, half of it taken as new keys) grows the
    // table in one reserve: 98,000 new keys fit, so no insert grows it.
    let mut map: HashMap<u64, u64> = (0..1_000).map(|i| (i, i)).collect();
    let before = map.capacity();
    map.remove(&0);
    let new = (1_000..99_000).map(|i| (i, i));
    let again = (1..1_000).cycle().take(102_000).map(|i| (i, i));
    map.extend(new.chain(again));
    assert!(map.capacity() > 50 * before, "the reserve grew the table");
    for i in 1_000..99_000 {
        map.remove(&i);
    }
    assert_eq!(map.len(), 999);
    let held = map.memory().allocated_bytes;
    assert!(
        held <= 8 * fresh_bytes(999),
        "{held} bytes for 999 entries after extend and removals"
    );

    // Through `try_reserve`: its floor keeps the room (debug builds also
    // check, at every removal, that the growth reached the reclaimer).
    let mut map: HashMap<u64, u64> = (0..1_000).map(|i| (i, i)).collect();
    map.remove(&0);
    map.try_reserve(100_000).expect("room");
    for i in 1..900 {
        map.remove(&i);
    }
    assert_eq!(map.len(), 100);
    assert!(map.capacity() >= 100_100, "the floor stays");
}
