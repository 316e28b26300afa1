//! `serde` for `PooledMap` keeps no handles (the kit's `serde` check in
//! `tests/conformance.rs` covers the rest).

use pooled_map::HandleMap;
use pooled_map::PooledMap;

#[test]
fn handles_are_not_serialized() {
    let mut map: PooledMap<u64, &str> = PooledMap::new();
    let (handle, _) = map.insert_with_handle(1, "one");
    map.insert(2, "two");
    let json = serde_json::to_string(&map).unwrap();
    let back: PooledMap<u64, String> = serde_json::from_str(&json).unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[&1], "one");
    // The old map's handle finds nothing in the new one; the new entry has
    // its own handle.
    assert_eq!(back.get_by_handle(handle), None);
    let fresh = back.handle_of(&1).unwrap();
    assert_eq!(back.get_by_handle(fresh).map(String::as_str), Some("one"));
}
