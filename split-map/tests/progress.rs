//! Every insert returns: a table that lost all its entries (and so all its
//! buckets) takes a key again, whatever put it there (a removal, a split
//! that left one half empty, a merge the allocator refused).

use std::hash::BuildHasher;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use allocator_api2::alloc::Allocator;
use map_conformance::alloc::FailingAlloc;
use split_map::SplitMap;

/// Runs `f` on a thread and waits for it at most ten seconds, so that an
/// operation that never returns fails the test instead of hanging it.
fn within_seconds<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(r) => r,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what} did not return in 10 s"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// The first directory bit of `key`'s hash (the table it goes to once the
/// first table has split).
fn first_bit<S: BuildHasher, A: Allocator + Clone>(
    map: &SplitMap<u64, u64, S, A>,
    key: u64,
) -> u64 {
    (map.hasher().hash_one(key) >> 56) & 1
}

/// Fills until three tables, removes every key of the table whose sibling
/// split deeper (it gives all its buckets back), then inserts a key that
/// belongs to it.
#[test]
fn insert_into_a_table_that_was_emptied() {
    within_seconds("insert into an emptied table", || {
        let mut map: SplitMap<u64, u64> = SplitMap::new();
        let mut key = 0u64;
        while map.storage().table_count() < 2 {
            map.insert(key, key);
            key += 1;
        }
        let first = key;
        // Only keys of the half with first bit 1 from here on, until it
        // splits again.
        while map.storage().table_count() < 3 {
            if first_bit(&map, key) == 1 {
                map.insert(key, key);
            }
            key += 1;
        }
        let zeros: Vec<u64> = (0..first).filter(|&k| first_bit(&map, k) == 0).collect();
        for k in &zeros {
            assert_eq!(map.remove(k), Some(*k));
        }
        let fresh = (key..).find(|&k| first_bit(&map, k) == 0).unwrap();
        assert_eq!(map.try_insert(fresh, 7).map_err(|e| e.error), Ok(None));
        assert_eq!(map.insert(fresh, 8), Some(7));
        assert_eq!(map.insert(zeros[0], 1), None);
        assert_eq!(map.get(&fresh), Some(&8));
    });
}

/// The same with a merge the allocator refused: the emptied table stays
/// beside its sibling and must still take keys.
#[test]
fn insert_after_a_refused_merge() {
    within_seconds("insert after a refused merge", || {
        let alloc = FailingAlloc::new();
        let mut map: SplitMap<u64, u64, _, _> =
            SplitMap::with_hasher_in(split_map::DefaultHashBuilder::default(), alloc.clone());
        let mut key = 0u64;
        while map.storage().table_count() < 2 {
            map.insert(key, key);
            key += 1;
        }
        alloc.fail_after(0);
        let zeros: Vec<u64> = (0..key).filter(|&k| first_bit(&map, k) == 0).collect();
        for k in &zeros {
            assert_eq!(map.remove(k), Some(*k));
        }
        alloc.never_fail();
        for k in &zeros {
            assert_eq!(map.try_insert(*k, 1).map_err(|e| e.error), Ok(None));
        }
        assert_eq!(map.len() as u64, key);
    });
}

/// Hashes that share their first directory bit: a split leaves one half
/// empty, and keys of that half still go in.
#[test]
fn insert_after_a_split_with_an_empty_half() {
    #[derive(Clone, Default)]
    struct Clustered;
    struct Hasher(u64);
    impl std::hash::Hasher for Hasher {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, _: &[u8]) {
            unreachable!("u64 keys only")
        }
        fn write_u64(&mut self, k: u64) {
            // Keys below 2^40 all hash with first directory bit 0; the
            // bucket bits spread them.
            self.0 = k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 24 | (k >> 40) << 56;
        }
    }
    impl BuildHasher for Clustered {
        type Hasher = Hasher;
        fn build_hasher(&self) -> Hasher {
            Hasher(0)
        }
    }
    within_seconds("insert with clustered hashes", || {
        let mut map: SplitMap<u64, u64, Clustered> = SplitMap::with_hasher(Clustered);
        // Room asked for splits tables even when the hashes do not
        // separate, leaving empty halves.
        map.reserve(50_000);
        for k in 0..20_000u64 {
            map.insert(k, k);
        }
        let other = 1u64 << 40;
        for k in other..other + 100 {
            assert_eq!(map.insert(k, k), None);
        }
        for k in 0..20_000u64 {
            assert_eq!(map.remove(&k), Some(k));
        }
        for k in 0..100u64 {
            assert_eq!(map.insert(k, k), None);
        }
        assert_eq!(map.len(), 200);
    });
}
