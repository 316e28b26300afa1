//! `serde` for `StrMap` and `BytesMap`: round trips through JSON,
//! malformed input is an error, and a length hint sets no capacity floor
//! (`ArenaMap` runs the kit's `serde` check in `tests/conformance.rs`).

use arena_map::{BytesMap, StrMap};
use serde::de::value::{Error, MapDeserializer};
use serde::Deserialize;

#[test]
fn str_map_round_trip() {
    let mut map: StrMap<u32> = StrMap::new();
    for i in 0..300u32 {
        map.insert_str(&format!("key-{i}-\u{e9}\"\\"), i);
    }
    map.insert_str("", 7);
    let json = serde_json::to_string(&map).unwrap();
    let back: StrMap<u32> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, map);
    assert_eq!(back[""], 7);

    // A reader that hands out owned strings works too.
    let value = serde_json::to_value(&map).unwrap();
    let back: StrMap<u32> = serde_json::from_value(value).unwrap();
    assert_eq!(back, map);
}

#[test]
fn str_map_malformed_input_is_an_error() {
    for bad in ["[1, 2]", r#"{"a": "x"}"#, r#"{"a": 1,}"#, "7"] {
        assert!(serde_json::from_str::<StrMap<u32>>(bad).is_err(), "{bad}");
    }
}

#[test]
fn bytes_map_reads_string_keys_and_binary_formats_write_bytes() {
    let mut map: BytesMap<u8> = BytesMap::new();
    map.insert(b"\x00\xff", 1);
    map.insert(b"ab", 2);
    // JSON has no byte-string keys: writing is an error, not a panic.
    assert!(serde_json::to_string(&map).is_err());

    // Reading takes strings as their bytes, and arrays of numbers.
    let back: BytesMap<u8> = serde_json::from_str(r#"{"ab": 2, "": 3}"#).unwrap();
    assert_eq!(back.get(&b"ab"[..]), Some(&2));
    assert_eq!(back.get(&b""[..]), Some(&3));
    let de =
        MapDeserializer::<_, Error>::new([(vec![0u8, 255], 1u8), (b"ab".to_vec(), 2)].into_iter());
    let back = BytesMap::<u8>::deserialize(de).unwrap();
    assert_eq!(back, map);
    let de = MapDeserializer::<_, Error>::new([(&b"\x00\xff"[..], 1u8), (b"ab", 2)].into_iter());
    let back = BytesMap::<u8>::deserialize(de).unwrap();
    assert_eq!(back, map);

    // A StrMap written as JSON reads back as a BytesMap of the same bytes.
    let strs: StrMap<u8> = [("x", 1), ("\u{e9}t\u{e9}", 2)].into_iter().collect();
    let json = serde_json::to_string(&strs).unwrap();
    let bytes: BytesMap<u8> = serde_json::from_str(&json).unwrap();
    assert_eq!(bytes.len(), 2);
    assert_eq!(bytes.get("\u{e9}t\u{e9}".as_bytes()), Some(&2));

    for bad in [r#"{"ab": 256}"#, "[1]", r#"{1: 1}"#] {
        assert!(serde_json::from_str::<BytesMap<u8>>(bad).is_err(), "{bad}");
    }
}
