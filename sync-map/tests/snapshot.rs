//! Iteration over a consistent snapshot, and Clone.

use std::sync::Arc;

use sync_map::SyncMap;

#[test]
fn iteration_sees_one_version_while_writers_run() {
    let map: Arc<SyncMap<u64, u64>> = Arc::new((0..1000).map(|i| (i, 0)).collect());
    let writer = {
        let map = Arc::clone(&map);
        std::thread::spawn(move || {
            // Every batch moves all entries to the next version together.
            for version in 1..=50u64 {
                map.write(|w| {
                    for i in 0..1000 {
                        w.insert(i, version);
                    }
                });
            }
        })
    };
    for _ in 0..50 {
        let entries: Vec<(u64, u64)> = map.iter().collect();
        assert_eq!(entries.len(), 1000);
        let version = entries[0].1;
        assert!(
            entries.iter().all(|&(_, v)| v == version),
            "a snapshot mixes versions"
        );
        assert_eq!(map.keys().count(), 1000);
        assert_eq!(map.values().count(), 1000);
    }
    writer.join().unwrap();
    assert!(map.values().all(|v| v == 50));
    assert_eq!((&*map).into_iter().count(), 1000);
}

#[test]
fn a_clone_is_independent() {
    let map: SyncMap<String, u32> = (0..100).map(|i| (i.to_string(), i)).collect();
    let copy = map.clone();
    map.clear();
    map.insert("x".into(), 1);
    assert_eq!(copy.len(), 100);
    assert_eq!(copy.get("42"), Some(42));
    assert_eq!(copy.policy(), map.policy());
    assert_eq!(map.len(), 1);
}
