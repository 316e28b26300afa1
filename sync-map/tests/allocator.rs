//! A map made with `new_in` (or another `_in` constructor) takes every
//! table of both copies from the allocator it was given, and from nowhere
//! else, through growth, shrinking, clones, clearing batches, `reclaim` and
//! drop: the allocator's live bytes are exactly `memory().allocated_bytes`
//! minus what the map holds outside its tables (the two copies' headers and
//! the reader registry, which come from the global allocator). A map on
//! `Global` works as the default one does.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use allocator_api2::alloc::{AllocError, Allocator, Global, Layout};
use map_core::{DefaultHashBuilder, ReclaimPolicy};
use sync_map::SyncMap;

/// An allocator over `Global` that counts the bytes live in it and its
/// clones. `Default` makes one with a counter of its own.
#[derive(Clone, Debug, Default)]
struct Counting {
    live: Arc<AtomicUsize>,
}

impl Counting {
    fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }
}

// SAFETY: `allocate` and `deallocate` forward to `Global` unchanged, so its
// guarantees carry over (`grow` and `shrink` are the trait's defaults, built
// on these two); the counter is bookkeeping only. Clones share `Global`, so
// memory from one clone may be freed by another, as `Allocator` requires.
unsafe impl Allocator for Counting {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let block = Global.allocate(layout)?;
        self.live.fetch_add(layout.size(), Ordering::SeqCst);
        Ok(block)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.live.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: the caller guarantees `ptr` was allocated by this
        // allocator or a clone (hence by `Global`) with `layout`.
        unsafe { Global.deallocate(ptr, layout) }
    }
}

type Map<K, V> = SyncMap<K, V, DefaultHashBuilder, Counting>;

/// What a map holds outside its tables before any thread has read it: the
/// two copies' headers.
fn headers<K: Eq + std::hash::Hash, V>() -> usize {
    let alloc = Counting::default();
    let map: Map<K, V> = SyncMap::new_in(alloc.clone());
    assert_eq!(alloc.live(), 0, "no table before the first insert");
    map.memory().allocated_bytes
}

#[test]
fn every_table_comes_from_the_given_allocator() {
    let alloc = Counting::default();
    let map: Map<u64, u64> = SyncMap::new_in(alloc.clone());
    assert_eq!(alloc.live(), 0, "no table before the first insert");
    // This thread's reader slot joins the registry at its first read.
    assert!(map.is_empty());
    let outside = map.memory().allocated_bytes;
    assert!(outside > headers::<u64, u64>(), "headers and a reader slot");
    let tables = |map: &Map<u64, u64>| map.memory().allocated_bytes - outside;

    for i in 0..10_000u64 {
        map.insert(i, i);
    }
    let full = alloc.live();
    assert!(
        full >= 2 * 10_000 * 16,
        "both copies hold every entry: {full}"
    );
    assert_eq!(full, tables(&map), "every table byte is the allocator's");
    assert!(full < map.memory().allocated_bytes);

    // A clone's tables come from a clone of the same allocator.
    let copy = map.clone();
    let copy_tables = copy.memory().allocated_bytes - headers::<u64, u64>();
    assert!(copy_tables >= 2 * 10_000 * 16);
    assert_eq!(alloc.live(), full + copy_tables);
    drop(copy);
    assert_eq!(alloc.live(), full);

    // The automatic policy shrinks both copies as the map empties.
    for i in 100..10_000u64 {
        map.remove(&i);
    }
    let drained = alloc.live();
    assert!(drained * 8 < full, "{drained} of {full} bytes still held");
    assert_eq!(drained, tables(&map));
    assert!((0..100).all(|i| map.get(&i) == Some(i)));

    // A batch that clears rebuilds the other copy as a clone of the
    // published one: the new table is the allocator's, the old one goes
    // back to it.
    map.write(|w| {
        w.clear();
        w.extend((0..10).map(|i| (i, i)));
    });
    assert_eq!(alloc.live(), tables(&map));
    assert!(alloc.live() <= drained);
    assert_eq!(map.len(), 10);

    // `clear` keeps a small table for the refill; `reclaim` then frees it.
    map.clear();
    assert!(alloc.live() > 0, "a small table is kept");
    assert_eq!(alloc.live(), tables(&map));
    assert!(map.reclaim() > 0);
    assert_eq!(alloc.live(), 0, "an empty map holds no table");
    // `reclaim` also trims the reader registry's list: what the map holds
    // now is the headers and this thread's slot, all outside the tables.
    let outside = map.memory().allocated_bytes;
    assert!(outside > headers::<u64, u64>());

    map.extend((0..1_000).map(|i| (i, i)));
    assert!(alloc.live() > 0);
    assert_eq!(alloc.live(), map.memory().allocated_bytes - outside);
    drop(map);
    assert_eq!(alloc.live(), 0);
}

#[test]
fn every_constructor_with_an_allocator_uses_it() {
    let headers = headers::<u32, u32>();
    let alloc = Counting::default();
    let tables = |map: &Map<u32, u32>| map.memory().allocated_bytes - headers;

    let sized: Map<u32, u32> = SyncMap::with_capacity_in(1_000, alloc.clone());
    assert!(alloc.live() >= 2 * 1_000 * 8, "both copies are sized");
    assert_eq!(alloc.live(), tables(&sized));

    let hashed: Map<u32, u32> =
        SyncMap::with_capacity_and_hasher_in(500, DefaultHashBuilder::default(), alloc.clone());
    assert_eq!(alloc.live(), tables(&sized) + tables(&hashed));
    drop((sized, hashed));
    assert_eq!(alloc.live(), 0);

    let lazy: Map<u32, u32> = SyncMap::with_hasher_in(DefaultHashBuilder::default(), alloc.clone());
    assert_eq!(alloc.live(), 0);
    lazy.insert(1, 1);
    assert!(alloc.live() > 0);
    assert_eq!(alloc.live(), tables(&lazy));
    drop(lazy);

    let manual: Map<u32, u32> = SyncMap::with_policy_in(ReclaimPolicy::manual(), alloc.clone());
    manual.extend((0..10_000).map(|i| (i, i)));
    let held = alloc.live();
    assert_eq!(held, tables(&manual));
    manual.retain(|_, _| false);
    assert_eq!(alloc.live(), held, "manual: nothing goes back by itself");
    manual.reclaim();
    assert_eq!(alloc.live(), 0);
    drop(manual);
    assert_eq!(alloc.live(), 0);
}

/// Maps built without an allocator at hand (`collect`, serde) make one
/// with `Default`, and `allocator()` is a clone of the one their tables
/// use.
#[test]
fn collected_and_deserialized_maps_use_their_own_allocator() {
    let headers = headers::<u32, u32>();

    let collected: Map<u32, u32> = (0..1_000).map(|i| (i, i)).collect();
    let live = collected.allocator().live();
    assert!(live >= 2 * 1_000 * 8);
    assert_eq!(live, collected.memory().allocated_bytes - headers);
    assert_eq!(collected.get(&7), Some(7));

    let json = serde_json::to_string(&collected).unwrap();
    let parsed: Map<u32, u32> = serde_json::from_str(&json).unwrap();
    let alloc = parsed.allocator().clone();
    assert!(alloc.live() >= 2 * 1_000 * 8);
    assert_eq!(alloc.live(), parsed.memory().allocated_bytes - headers);
    assert_eq!(parsed.len(), 1_000);
    drop(parsed);
    assert_eq!(alloc.live(), 0);
}

/// A map on either allocator can be shared between threads: the allocator
/// has to be `Send` and `Sync`, as `K`, `V` and `S` do.
#[test]
fn maps_on_these_allocators_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Map<u64, String>>();
    send_sync::<SyncMap<u64, String, DefaultHashBuilder, Global>>();
}

#[test]
fn a_map_on_the_global_allocator_works() {
    let map: SyncMap<u64, u64, DefaultHashBuilder, Global> = SyncMap::new_in(Global);
    let _: &Global = map.allocator();
    assert_eq!(map.insert(1, 10), None);
    assert_eq!(map.insert(1, 11), Some(10));
    assert_eq!(map.get(&1), Some(11));
    assert_eq!(map.remove(&1), Some(11));
    assert_eq!(map.get(&1), None);
    assert!(map.is_empty());

    // Two readers while one writer inserts every key in order: a reader
    // sees each key with its value, and never fewer entries than before.
    const N: u64 = 2_000;
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let reader = map.reader();
                let mut seen = 0;
                loop {
                    let len = reader.len();
                    assert!(len >= seen, "{len} entries after {seen}");
                    seen = len;
                    let last = len as u64;
                    if last > 0 {
                        assert_eq!(map.get(&(last - 1)), Some((last - 1) * 2));
                    }
                    if len == N as usize {
                        break;
                    }
                }
            });
        }
        s.spawn(|| {
            for k in 0..N {
                map.insert(k, k * 2);
            }
        });
    });
    assert_eq!(map.len(), N as usize);
    map.retain(|k, _| k % 2 == 0);
    assert_eq!(map.len(), N as usize / 2);
    assert!((0..N).all(|k| map.get(&k) == (k % 2 == 0).then_some(k * 2)));
    let copy = map.clone();
    assert_eq!(copy.snapshot().len(), N as usize / 2);
}
