//! A read-optimised concurrent hash map: reads take no lock and write to no
//! shared cache line, writes serialise, and memory comes back.
//!
//! [`SyncMap`] is for data that many threads read and few threads change:
//! configuration, routing tables, caches of parsed or compiled things,
//! registries of sessions or handlers. A read costs a lookup in an ordinary
//! [`map_core::HashMap`] plus two plain stores to a cache line that only the
//! reading thread writes (and, while writes are frequent, a fence); a
//! write costs two lookups-and-changes (one per copy), a fence or, after a
//! quiet spell, a process-wide barrier, and a wait for the readers in
//! flight.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use sync_map::SyncMap;
//!
//! let routes: Arc<SyncMap<String, u16>> = Arc::new(SyncMap::new());
//! routes.insert("/api".to_string(), 8080);
//!
//! let readers: Vec<_> = (0..4)
//!     .map(|_| {
//!         let routes = Arc::clone(&routes);
//!         std::thread::spawn(move || routes.get("/api"))
//!     })
//!     .collect();
//! for r in readers {
//!     assert_eq!(r.join().unwrap(), Some(8080));
//! }
//!
//! // Go's LoadOrStore, CompareAndSwap and LoadAndDelete:
//! assert_eq!(routes.get_or_insert_with("/health".to_string(), || 9000), 9000);
//! assert_eq!(routes.compare_and_swap("/api", &8080, 8081), Ok(8080));
//! assert_eq!(routes.remove("/health"), Some(9000));
//! assert_eq!(routes.len(), 1);
//! ```
//!
//! # Reading: the map, a handle, a view
//!
//! * [`SyncMap::get`], [`get_with`](SyncMap::get_with) and
//!   [`contains_key`](SyncMap::contains_key) work from any thread with no
//!   set-up. Each read first finds the calling thread's reader slot through
//!   a thread-local (one cached entry, so a load and a compare; a thread
//!   that alternates between maps finds the others' slots by the map's id,
//!   in constant time however many maps it has read).
//! * [`SyncMap::reader`] gives a [`ReadHandle`] that holds the thread's
//!   slot, so its reads skip that lookup and the test that goes with it.
//!   Make one per thread (or per task, at the top of a loop of reads) and
//!   read through it; it is not `Send`. Use it on hot read paths.
//! * [`ReadHandle::enter`] runs a closure inside one read section with a
//!   [`View`] of one version of the map: each lookup through the view is a
//!   plain table lookup returning `&V` in place, and the section's entry
//!   and exit (and the load of the table's header) are paid once for the
//!   whole batch. Use it for a batch of related lookups, or when several
//!   of them must agree with each other. Writers wait until the closure
//!   returns (a left-right writer publishes only once no reader can be in
//!   the copy it changes next), so keep the closure short; writing to the
//!   same map from inside it panics rather than deadlocking.
//!
//! ```
//! use sync_map::SyncMap;
//!
//! let stock: SyncMap<u32, u32> = (0..1000).map(|sku| (sku, sku % 7)).collect();
//! std::thread::scope(|s| {
//!     for t in 0..2u32 {
//!         let stock = &stock;
//!         s.spawn(move || {
//!             let reader = stock.reader(); // once per thread
//!             let mut in_stock = 0;
//!             for sku in (t..1000).step_by(2) {
//!                 in_stock += reader.contains_key(&sku) as u32;
//!             }
//!             assert_eq!(in_stock, 500);
//!             // A basket checked against one version of the stock.
//!             let basket = [3, 14, 15];
//!             let total: u32 = reader.enter(|view| basket.iter().filter_map(|k| view.get(k)).sum());
//!             assert_eq!(total, 3 + 0 + 1);
//!         });
//!     }
//! });
//! ```
//!
//! # When to pick it
//!
//! Pick `SyncMap` for data that several threads read much more often than
//! they change it, when lookups must cost about what an unlocked map's do and
//! memory must come back. Reads take no lock and write no shared cache line.
//! While writes are frequent (publications less than 100 µs apart) each read
//! adds one fence of its own, so that a write costs two table operations, a
//! fence and a wait for the readers in flight instead of a process-wide
//! barrier; once writes stop, reads drop the fence again.
//!
//! Pick dashmap when about one operation in ten or more is a write, a
//! `Mutex<map_core::HashMap>` when one thread does most of the work, and
//! either when memory is tight: a `SyncMap` holds two copies of the table
//! and clones each key and value into both. The crate's `README.md` gives
//! the figures of one side-by-side run, with the commands.
//!
//! # Consistency
//!
//! * Every operation is linearizable: a read that starts after a write
//!   returned sees that write (or a later one), and writes apply in one
//!   total order.
//! * [`get_or_insert_with`](SyncMap::get_or_insert_with),
//!   [`update`](SyncMap::update), [`compare_and_swap`](SyncMap::compare_and_swap),
//!   [`remove_if`](SyncMap::remove_if) and [`retain`](SyncMap::retain) are
//!   atomic: their closure sees the current value under the writer lock and
//!   runs exactly once, so no update is lost.
//! * [`for_each`](SyncMap::for_each), [`snapshot`](SyncMap::snapshot),
//!   [`len`](SyncMap::len) and `Debug` see one consistent version of the
//!   whole map, never a mix of two.
//! * All lookups made through one [`View`] (inside one
//!   [`ReadHandle::enter`]) see the same version of the map.
//! * A closure running inside a read section ([`get_with`](SyncMap::get_with),
//!   [`for_each`](SyncMap::for_each), [`ReadHandle::enter`]) must not write
//!   to the same map: the write would wait for the read to end, so it
//!   panics instead of deadlocking. Writers of the map wait while such a
//!   closure runs; keep it short, or take a [`snapshot`](SyncMap::snapshot).
//!   Reading the map (including [`memory`](SyncMap::memory) and
//!   [`policy`](SyncMap::policy)) and writing other maps is fine.
//!   (One exception: reads made from a thread-local destructor after the
//!   map's own thread-locals are gone are not tracked per thread, and a
//!   write from inside such a read may hang instead of panicking.)
//! * Read sections are closures, not guards, on purpose: they end in the
//!   reverse order of their start, which is what lets nested reads of one
//!   thread share its slot at no cost to the plain read path.
//! * A closure that runs under the writer lock (the `make` of
//!   [`get_or_insert_with`](SyncMap::get_or_insert_with), the closures of
//!   [`update`](SyncMap::update), [`remove_if`](SyncMap::remove_if),
//!   [`retain`](SyncMap::retain) and [`write`](SyncMap::write), and the
//!   `Hash`, `Eq` and `Clone` they run) must not write to the same map
//!   either: the lock is not reentrant, so such a write panics. Reading the
//!   map from them is fine. A value's `Drop` may write to the map: values a
//!   write removes or replaces are dropped after the lock is released.
//!
//! # A reader that cannot leave its section
//!
//! A writer waits for the readers inside the copy it is about to change.
//! If the thread of such a reader is itself blocked in a write (of another
//! map, or waiting for this map's writer lock), the two could wait for each
//! other forever: two threads, each inside a read section of one map and
//! writing the other. A writer that sees the reader's thread blocked in a
//! write for a few milliseconds stops waiting: it retires the old copy
//! whole (it is freed once those readers have left, at a later write or
//! `reclaim`, or with the map) and clones the current one as its new back
//! copy. Each such write costs a clone of the map and holds a third copy
//! for a while, so writing other maps from inside read sections is correct
//! but not cheap. A read section that waits for something else (a channel,
//! a thread join) that in turn waits for a write of the same map still
//! deadlocks: writers cannot see that wait.
//!
//! # Allocator
//!
//! Both copies' tables come from [`map_core::PageAlloc`] by default: blocks
//! of 64 KiB and more are mapped from the kernel and unmapped when freed, so
//! the process's resident memory follows the map. To send them through the
//! global allocator instead, build the map with
//! `SyncMap::new_in(map_core::Global)`; [`SyncMap::new_in`] and the other
//! `_in` constructors take any `allocator_api2` allocator that is `Clone`.
//! The copies' headers and the reader registry come from the global
//! allocator either way.
//!
//! # Features
//!
//! * `serde`: `Serialize` and `Deserialize` for [`SyncMap`], as a map of key
//!   to value. Serializing writes one consistent version of the map from
//!   inside one read section, so writers of the map wait until it is done:
//!   to write to slow output, serialize a [`snapshot`](SyncMap::snapshot)
//!   instead. Deserializing builds the map in one [`write`](SyncMap::write)
//!   batch, with no capacity floor, on `A::default()`; the policy is not
//!   serialized (a deserialized map has the automatic one).
//!
//! The feature is off by default; the documentation on docs.rs is built
//! with it on, so the impls show there.
//!
//! # More
//!
//! The README covers the design (left-right over two core maps, the fences,
//! batches), how memory comes back, `fork()`, and Go's `sync.Map` operation
//! by operation.

#![deny(unsafe_code)]

mod map;
#[allow(unsafe_code)]
mod raw;
#[cfg(feature = "serde")]
mod serde_impl;
mod sync;

pub use map::{Batch, Iter, Keys, Loaded, ReadHandle, SyncMap, Values, View};

pub use map_core::{DefaultHashBuilder, MemoryStats, ReclaimMap, ReclaimPolicy};

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
