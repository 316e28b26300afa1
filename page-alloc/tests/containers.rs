//! allocator_api2's Vec and hashbrown's HashMap and HashTable on PageAlloc.

use allocator_api2::vec::Vec;
use hashbrown::{HashMap, HashTable};
use page_alloc::{thread_live_bytes, PageAlloc};

#[test]
fn a_vec_grows_across_the_threshold_and_shrinks_back() {
    let live = thread_live_bytes();
    let mut v: Vec<u64, PageAlloc> = Vec::new_in(PageAlloc);
    for i in 0..1_000_000u64 {
        v.push(i * 3);
    }
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 * 3));
    if PageAlloc::page_size().is_some() {
        assert_eq!(thread_live_bytes() - live, (v.capacity() * 8) as isize);
    }

    v.truncate(20_000);
    v.shrink_to_fit();
    assert_eq!(v.capacity(), 20_000);
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 * 3));
    if PageAlloc::page_size().is_some() {
        assert_eq!(thread_live_bytes() - live, 160_000);
    }

    // Below the threshold: the global allocator holds it now.
    v.truncate(100);
    v.shrink_to_fit();
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 * 3));
    assert_eq!(thread_live_bytes(), live);

    v.extend(100..200_000u64);
    assert_eq!(v.len(), 200_000);
    assert_eq!(v[150_000], 150_000);
    drop(v);
    assert_eq!(thread_live_bytes(), live);
}

#[test]
fn a_vec_of_zeroes_and_a_refused_reserve() {
    let v: Vec<u8, PageAlloc> = allocator_api2::vec![in PageAlloc; 0u8; 5 << 20];
    assert!(v.iter().all(|&b| b == 0));

    let mut w: Vec<u8, PageAlloc> = Vec::with_capacity_in(1 << 20, PageAlloc);
    w.extend((0..1 << 20).map(|i| i as u8));
    if PageAlloc::page_size().is_some() {
        // The kernel refuses 4 EiB; the Vec keeps what it had.
        assert!(w.try_reserve(1 << 62).is_err());
    }
    assert!(w.iter().enumerate().all(|(i, &b)| b == i as u8));
}

#[test]
fn a_hash_map_fills_empties_and_refills() {
    let live = thread_live_bytes();
    let mut map = HashMap::new_in(PageAlloc);
    for k in 0..200_000u64 {
        map.insert(k, [k as u8; 24]);
    }
    assert_eq!(map.len(), 200_000);
    assert!((0..200_000u64).all(|k| map[&k] == [k as u8; 24]));
    if PageAlloc::page_size().is_some() {
        assert_eq!(thread_live_bytes() - live, map.allocation_size() as isize);
    }

    map.retain(|k, _| k % 1000 == 0);
    map.shrink_to_fit();
    assert_eq!(map.len(), 200);
    assert!((0..200_000u64)
        .step_by(1000)
        .all(|k| map[&k] == [k as u8; 24]));
    // 200 entries: a small table, from the global allocator.
    assert_eq!(thread_live_bytes(), live);

    for k in 1_000_000..1_050_000u64 {
        map.insert(k, [1; 24]);
    }
    assert_eq!(map.len(), 50_200);
    drop(map);
    assert_eq!(thread_live_bytes(), live);
}

#[test]
fn a_hash_table_of_indices() {
    let hash = |x: &u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut table = HashTable::new_in(PageAlloc);
    for x in 0..100_000u64 {
        table.insert_unique(hash(&x), x, hash);
    }
    assert!((0..100_000u64).all(|x| table.find(hash(&x), |&y| y == x).is_some()));
    assert!(table.find(hash(&100_000), |&y| y == 100_000).is_none());
    table.clear();
    table.shrink_to_fit(hash);
    assert_eq!(table.allocation_size(), 0);
}
