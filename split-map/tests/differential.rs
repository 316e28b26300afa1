//! What the kit's std-API check (`tests/conformance.rs`) does not reach:
//! many tables at once, and a `retain` that panics halfway.

use split_map::SplitMap;

#[test]
fn many_tables_then_none() {
    let mut map: SplitMap<u64, u64> = (0..200_000).map(|i| (i, i)).collect();
    assert!(map.storage().table_count() >= 16);
    let clone = map.clone();
    assert_eq!(clone, map);
    map.retain(|k, _| k % 1000 == 0);
    assert_eq!(map.len(), 200);
    let fresh: SplitMap<u64, u64> = (0..200).map(|i| (i, i)).collect();
    let (held, small) = (map.memory().allocated_bytes, fresh.memory().allocated_bytes);
    assert!(held <= 3 * small, "{held} bytes held, a fresh map {small}");
    for k in (0..200_000).step_by(1000) {
        assert_eq!(map[&k], k);
    }
    let all: Vec<_> = map.into_iter().collect();
    assert_eq!(all.len(), 200);
}

#[test]
fn a_panicking_retain_leaves_len_true() {
    let mut map: SplitMap<u64, u64> = (0..50_000).map(|i| (i, i)).collect();
    let mut seen = 0;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        map.retain(|k, _| {
            seen += 1;
            assert!(seen < 30_000, "keep panics on purpose");
            k % 2 == 0
        });
    }));
    assert!(result.is_err());
    assert_eq!(map.len(), map.iter().count());
    assert!(map.len() < 50_000 && map.len() > 25_000);
}
