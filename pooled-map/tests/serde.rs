//! `serde` for `PooledMap`: a map of key to value, without handles.

use pooled_map::HandleMap;
use pooled_map::PooledMap;
use serde::de::value::{Error, MapDeserializer};
use serde::Deserialize;

#[test]
fn round_trip() {
    let map: PooledMap<String, Vec<u32>> = (0..500u32)
        .map(|i| (format!("k{i}"), vec![i; (i % 4) as usize]))
        .collect();
    let json = serde_json::to_string(&map).unwrap();
    let back: PooledMap<String, Vec<u32>> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, map);
    assert!(serde_json::from_str::<PooledMap<u64, u64>>("{}")
        .unwrap()
        .is_empty());
}

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

#[test]
fn malformed_input_is_an_error() {
    for bad in [
        "[1, 2]",
        r#"{"1": "x"}"#,
        r#"{"x": 1}"#,
        r#"{"1": 2"#,
        "null",
    ] {
        assert!(
            serde_json::from_str::<PooledMap<u64, u64>>(bad).is_err(),
            "{bad}"
        );
    }
    let err = serde_json::from_str::<PooledMap<u64, u64>>("[1, 2]").unwrap_err();
    assert!(err.to_string().contains("a map"), "{err}");
}

#[test]
fn length_hint_sets_no_floor() {
    let entries: Vec<(u64, u64)> = (0..2000).map(|i| (i, i)).collect();
    let de = MapDeserializer::<_, Error>::new(entries.into_iter());
    let mut map = PooledMap::<u64, u64>::deserialize(de).unwrap();
    assert_eq!(map.len(), 2000);
    let filled = map.memory().allocated_bytes;
    for i in 0..2000 {
        map.remove(&i);
    }
    let held = map.memory().allocated_bytes;
    assert!(held * 10 < filled, "held {held} of {filled}");
}
