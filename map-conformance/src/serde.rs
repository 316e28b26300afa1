//! serde once for every storage: [`check`] holds a [`Map`] over any
//! [`Store`] to the one serde behaviour of the workspace's maps.
//!
//! ```ignore
//! map_conformance::serde::check::<map_core::Table<u64, u64>>();
//! ```

use map_core::toolkit::{Map, Store};
use serde::de::value::{Error, MapDeserializer};
use serde::Deserialize;

use crate::test_map::{new_map, TestMap, FIXED};

/// Entries that claim to be far more than they are.
struct Boastful(std::vec::IntoIter<(u64, u64)>);

impl Iterator for Boastful {
    type Item = (u64, u64);
    fn next(&mut self) -> Option<(u64, u64)> {
        self.0.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, Some(usize::MAX))
    }
}

/// A map of key to value through JSON and back; malformed input is an
/// error that says a map was expected; a length hint is taken neither as a
/// capacity floor nor, far beyond the entries, as a size.
///
/// # Panics
///
/// At the first difference.
pub fn check<St>()
where
    St: Store<u64, u64>,
    St::Alloc: Default,
{
    let mut map: TestMap<St> = new_map(FIXED);
    map.extend((0..500).map(|i| (i, i * 3)));
    let json = serde_json::to_string(&map).expect("serializes");
    let back: TestMap<St> = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, map, "round trip");
    let empty: TestMap<St> = serde_json::from_str("{}").expect("an empty map");
    assert!(empty.is_empty());

    for bad in [
        "[1, 2]",
        r#"{"1": "x"}"#,
        r#"{"x": 1}"#,
        r#"{"1": 2"#,
        "null",
    ] {
        assert!(serde_json::from_str::<TestMap<St>>(bad).is_err(), "{bad}");
    }
    let err = serde_json::from_str::<TestMap<St>>("[1, 2]").expect_err("not a map");
    assert!(err.to_string().contains("a map"), "{err}");

    // The hint is no floor: the map shrinks as it empties.
    let entries: Vec<(u64, u64)> = (0..2000).map(|i| (i, i)).collect();
    let de = MapDeserializer::<_, Error>::new(entries.into_iter());
    let mut map: TestMap<St> = Map::deserialize(de).expect("deserializes");
    assert_eq!(map.len(), 2000);
    let filled = map.memory().allocated_bytes;
    for i in 0..2000 {
        map.remove(&i);
    }
    let held = map.memory().allocated_bytes;
    assert!(held * 10 < filled, "held {held} of {filled}");

    // A hint far beyond the entries is not believed.
    let entries: Vec<(u64, u64)> = (0..3).map(|i| (i, i)).collect();
    let de = MapDeserializer::<_, Error>::new(Boastful(entries.into_iter()));
    let map: TestMap<St> = Map::deserialize(de).expect("deserializes");
    assert_eq!(map.len(), 3);
    assert!(map.memory().allocated_bytes < 1 << 20);
}
