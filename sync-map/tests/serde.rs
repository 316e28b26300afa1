//! `serde` for `SyncMap`: round trips, malformed input is an error, and a
//! serialized map is one version of it even while a writer works.

use std::collections::HashMap as StdHashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use sync_map::SyncMap;

#[test]
fn round_trip() {
    let map: SyncMap<String, Vec<u32>> = (0..500u32)
        .map(|i| (format!("k{i}"), vec![i; (i % 4) as usize]))
        .collect();
    let json = serde_json::to_string(&map).unwrap();
    let back: SyncMap<String, Vec<u32>> = serde_json::from_str(&json).unwrap();
    let mut a = map.snapshot();
    let mut b = back.snapshot();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(back.len(), 500);
    assert_eq!(back.get("k7"), Some(vec![7, 7, 7]));
    // The deserialized map is a working map.
    back.insert("new".to_string(), vec![1]);
    assert_eq!(back.remove("k7"), Some(vec![7, 7, 7]));
    assert_eq!(back.len(), 500);
    assert!(serde_json::from_str::<SyncMap<u64, u64>>("{}")
        .unwrap()
        .is_empty());
}

#[test]
fn malformed_input_is_an_error() {
    for bad in [
        "[1, 2]",
        r#"{"1": "x"}"#,
        r#"{"x": 1}"#,
        r#"{"1": 1, "2": "x"}"#,
        r#"{"1": 2"#,
        "null",
    ] {
        assert!(
            serde_json::from_str::<SyncMap<u64, u64>>(bad).is_err(),
            "{bad}"
        );
    }
    let err = serde_json::from_str::<SyncMap<u64, u64>>("[1, 2]").unwrap_err();
    assert!(err.to_string().contains("a map"), "{err}");
}

#[test]
fn serializes_one_version_while_a_writer_writes() {
    const KEYS: u64 = 200;
    let map: SyncMap<u64, u64> = (0..KEYS).map(|k| (k, 0)).collect();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            // Every batch sets all keys to the same generation.
            for generation in 1..=200 {
                map.write(|w| {
                    for k in 0..KEYS {
                        w.insert(k, generation);
                    }
                });
            }
            done.store(true, Ordering::Release);
        });
        let mut seen = 0;
        while !done.load(Ordering::Acquire) || seen == 0 {
            let json = serde_json::to_string(&map).unwrap();
            let entries: StdHashMap<u64, u64> = serde_json::from_str(&json).unwrap();
            assert_eq!(entries.len() as u64, KEYS);
            let first = entries[&0];
            assert!(
                entries.values().all(|&g| g == first),
                "a mix of versions: {entries:?}"
            );
            seen += 1;
        }
    });
}
