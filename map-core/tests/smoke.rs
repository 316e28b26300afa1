//! Basic behaviour of `HashMap` through its std-like API.

use map_core::{HashMap, ReclaimPolicy};

#[test]
fn delete_all_gives_memory_back_without_reclaim() {
    let mut map: HashMap<u64, [u8; 128]> = HashMap::new();
    for i in 0..100_000 {
        map.insert(i, [i as u8; 128]);
    }
    let filled = map.memory().allocated_bytes;
    for i in 0..100_000 {
        assert_eq!(map.remove(&i).map(|v| v[0]), Some(i as u8));
    }
    let held = map.memory().allocated_bytes;
    assert!(held * 100 <= filled, "held {held} of {filled}");
    for i in 0..100_000 {
        map.insert(i, [0; 128]);
    }
    let refilled = map.memory().allocated_bytes;
    assert!(
        refilled * 100 <= filled * 105,
        "refilled {refilled} vs {filled}"
    );
    assert_eq!(map.memory().peak_bytes, filled.max(refilled));
}

#[test]
fn manual_policy_keeps_memory_until_reclaim() {
    let mut map = HashMap::with_policy(ReclaimPolicy::manual());
    for i in 0..10_000u32 {
        map.insert(i, i);
    }
    let filled = map.memory().allocated_bytes;
    map.retain(|_, _| false);
    assert_eq!(map.memory().allocated_bytes, filled);
    assert_eq!(map.reclaim(), filled);
    assert_eq!(map.memory().allocated_bytes, 0);
    assert_eq!(map.memory().reclaimed_bytes, filled);
    assert_eq!(map.memory().reclaims, 1);
}
