//! A read-optimised concurrent hash map: reads take no lock and write to no
//! shared cache line, writes serialise, and memory comes back.
//!
//! [`SyncMap`] is for data that many threads read and few threads change:
//! configuration, routing tables, caches of parsed or compiled things,
//! registries of sessions or handlers. A read costs a lookup in an ordinary
//! [`map_core::HashMap`] plus two plain stores to a cache line that only the
//! reading thread writes; a write costs two lookups-and-changes (one per
//! copy) plus a process-wide barrier, a few microseconds.
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
//!   a thread-local (one cached entry, so a load and a compare).
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
//! Pick `SyncMap` when reads outnumber writes by a wide margin (a hundred to
//! one or more) and come from several threads at once. On the 2-core
//! machine this crate was measured on (100,000 `u64` keys, 2 threads,
//! `cargo run --release -p bench-suite -- concurrent`, 15 rounds in
//! which the maps take turns; each figure is the median over the rounds of
//! the ratio to an unlocked `hashbrown::HashMap` shared by reference in
//! the same round, the ceiling for any concurrent map), reads ran at:
//!
//! | read path | share of the ceiling: typical run (range over nine runs) |
//! |---|---|
//! | [`ReadHandle::enter`], 16 lookups per section | 1.00 (0.99 to 1.06) |
//! | [`ReadHandle::get`] | 0.84 (0.83 to 0.90) |
//! | [`SyncMap::get`] | 0.73 (0.72 to 0.79) |
//! | `RwLock<HashMap>`, dashmap, papaya | 0.05, 0.11, 0.18 (0.04 to 0.38) |
//!
//! The peers' every read writes a shared atomic or runs a fence. The gap
//! between a handle's read and the ceiling is the read section (two stores
//! to the thread's slot and the load of the front pointer) and the table's
//! header, which the ceiling keeps in registers across a loop of reads and
//! a `SyncMap` read must load again after the index.
//!
//! Writes are what it trades away. With 2% writes (1% insert, 1% remove)
//! each write's process-wide barrier interrupts the other reading thread,
//! and the outcome swung from run to run on the shared machine: `SyncMap`
//! ran at 1.0 to 1.25 times `RwLock<HashMap>` throughout, but dashmap and
//! papaya ran 1.9 to 2.5 times as fast as `SyncMap` in some runs and 0.4
//! to 0.7 times as fast in others. The read-only ratios moved by a few
//! hundredths from run to run; absolute rates and the mixed workload's
//! ratios moved by much more. A later run (after batches and the
//! retiring of copies held by blocked readers) gave 1.10, 0.94 and 0.89 of
//! the ceiling for `enter`, a handle's `get` and the map's `get`, and with
//! 2% writes dashmap and papaya 3.5 and 3.0 times the throughput of
//! `SyncMap` and `RwLock<HashMap>` 2.4 times; a run of `bench-suite
//! concurrent` under load gave 1.05, 0.93 and 0.89, and with 2% writes
//! 4.6, 3.7 and 3.2 times `SyncMap`'s throughput for dashmap, papaya and
//! `RwLock<HashMap>`: batch writes with [`SyncMap::write`] where they come
//! in groups.
//!
//! Pick a `Mutex<map_core::HashMap>` instead when writes are frequent (more
//! than about one operation in a hundred), when one thread does most of the
//! work, or when memory is tight: a `SyncMap` holds two copies of the
//! table, clones each key and value into both, and pays a process-wide
//! barrier on every write. A sharded map (dashmap) is the better choice for
//! write-heavy concurrent use.
//!
//! # Go's `sync.Map`, operation by operation
//!
//! | Go `sync.Map` | `SyncMap` |
//! |---|---|
//! | `Load(k)` | [`get`](SyncMap::get) (a clone), [`get_with`](SyncMap::get_with) (a closure on `&V`), [`contains_key`](SyncMap::contains_key); the same on a [`ReadHandle`] from [`reader`](SyncMap::reader), and [`ReadHandle::enter`] for a batch of loads from one version |
//! | `Store(k, v)` | [`insert`](SyncMap::insert) |
//! | `LoadOrStore(k, v)` | [`get_or_insert_with`](SyncMap::get_or_insert_with)`(k, \|\| v)` |
//! | `LoadAndDelete(k)` | [`remove`](SyncMap::remove) |
//! | `Delete(k)` | [`remove`](SyncMap::remove), result ignored |
//! | `Swap(k, v)` | [`swap`](SyncMap::swap) (the same as `insert`) |
//! | `CompareAndSwap(k, old, new)` | [`compare_and_swap`](SyncMap::compare_and_swap)`(&k, &old, new).is_ok()`; [`update`](SyncMap::update) for read-modify-write |
//! | `CompareAndDelete(k, old)` | [`remove_if`](SyncMap::remove_if)`(&k, \|v\| *v == old).is_some()` |
//! | `Range(f)` | [`for_each`](SyncMap::for_each) (in place), [`snapshot`](SyncMap::snapshot) (owned; safe to write while walking) |
//! | `Clear()` | [`clear`](SyncMap::clear) (also [`retain`](SyncMap::retain)) |
//! | (`len` is not offered by Go) | [`len`](SyncMap::len), [`is_empty`](SyncMap::is_empty) |
//!
//! # Design: left-right over two core maps
//!
//! The map keeps two [`map_core::HashMap`]s with the same contents. Readers
//! use the one an atomic pointer names (the front copy); the single writer
//! (writers take a mutex in turn) changes the other one, publishes it by
//! storing its address, waits until no reader can still be inside the old
//! front copy, and applies the same change to it. Each write is therefore
//! O(1) amortised (two table operations), reads always see the latest
//! completed write, and both copies are equal again when a write returns.
//!
//! Readers announce themselves in a per-thread slot: a cache-line-sized
//! counter that only its thread writes, found through a thread-local (or
//! held by a [`ReadHandle`]), made odd on entry and even on exit. Between
//! the announcement and the load of the index sits the reader's half of an
//! asymmetric fence; the writer's half, after it publishes, is
//! `membarrier(2)` on Linux, which makes every running thread of the
//! process execute a full barrier. So a read is two plain stores and a
//! load on top of the lookup, with no fence instruction and no
//! read-modify-write. Where membarrier is not available (or the
//! environment variable `SYNC_MAP_NO_MEMBARRIER` is set when the first map
//! of the process is made), both halves are full fences (one per read).
//! If the expedited membarrier fails after registration (the kernel
//! returns `ENOMEM` when it cannot allocate a CPU mask), the writer uses
//! the global membarrier, which allocates nothing, or retries after a
//! pause: readers that entered without a fence rule out a writer-side
//! fence as a substitute, and the process is never aborted.
//!
//! Why not the alternatives:
//!
//! * **Go's design** (a read-only map plus a locked dirty map, promoted
//!   after enough misses) takes a lock on every miss while the dirty map
//!   has new keys, copies the whole dirty map on promotion, and keeps
//!   deleted entries pinned ("expunged") until then: the 24% Go holds after
//!   deleting everything.
//! * **Copy-on-write behind `arc-swap`** makes every write O(n).
//!   `arc-swap`'s `load()` also costs a read-modify-write on a per-thread
//!   debt slot per read, and it cannot be checked under loom.
//! * **An epoch scheme** (crossbeam-epoch, papaya) puts a fence in every
//!   pin, and boxes each entry, adding a pointer chase per lookup.
//!
//! The price of left-right is memory (two tables, and `K: Clone + V: Clone`
//! to fill both) and write latency (the barrier, and waiting for readers in
//! flight). Readers never wait for a writer: a thread's first read of a map
//! registers its slot under a lock that writers hold only to copy the list
//! of slots, never while they wait.
//!
//! # Batches
//!
//! [`SyncMap::write`] applies a [`Batch`] of inserts, removals, a `clear`
//! or a `retain` to the back copy, publishes it once (one barrier, one
//! wait for readers), then replays the batch on the other copy. Readers see
//! the map before the batch or after it. [`extend`](SyncMap::extend),
//! [`retain`](SyncMap::retain) and [`clear`](SyncMap::clear) are batches. A
//! batch that clears the map is not replayed write by write: the other
//! copy becomes a clone of the published one, so a clear-and-refill costs
//! one table allocation and no replay (the back copy's table is reused).
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
//! # `fork()`
//!
//! Only the forking thread exists in the child. A reader slot of another
//! thread that was inside a read section when the process forked stays
//! active in the child forever, and so does the writer lock if another
//! thread held it: in the child, reads work, but a write (or `reclaim`)
//! may wait forever. Fork only while no other thread reads or writes the
//! map, or in the child use the map only to read, or build a new one.
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
//! # How memory comes back
//!
//! * A removed value is dropped before `remove` (or `insert`, `update`,
//!   `retain`, `clear`) returns, once the readers that were inside the old
//!   front copy have left (as long as the longest read section in flight,
//!   not until some later promotion), and after the writer lock is
//!   released. The exception is a copy retired because a reader could not
//!   leave it (see above): its values go when that reader has left.
//! * Both copies are [`map_core::HashMap`]s and shrink by themselves under
//!   the [`ReclaimPolicy`], exactly as a single
//!   core map does: a map emptied by removals frees its tables at the last
//!   removal. [`reclaim`](SyncMap::reclaim) gives back everything the
//!   current entries do not need.
//! * The reader registry costs one 256-byte slot per thread that has read
//!   the map (its handles share it); a slot goes when its thread has exited
//!   and its last handle is dropped (at the next write or `reclaim`).
//! * [`memory`](SyncMap::memory) counts both tables, the two copies'
//!   headers (a box each, allocated when the map is made), any retired
//!   copy, and the registry; the conformance kit checks it against a
//!   counting allocator. Its `peak_bytes`, `reclaimed_bytes` and `reclaims`
//!   never go down.
//!
//! # Checking it
//!
//! * `tests/conformance.rs`: the workspace's conformance kit through
//!   [`ReclaimMap`], and the memory scenarios.
//! * `tests/stress.rs`: threads mixing every operation, each key's history
//!   checked against a sequential model, values counted for leaks and
//!   double drops.
//! * `tests/read_handle.rs`: handles and views against the map's own
//!   reads, drop counting, writers waiting for a view held on another
//!   thread, and the panic on a write from inside a view.
//! * `tests/batch.rs`: batches against a model, readers that must see a
//!   batch whole, a panicking batch, and clear-and-refill's allocator calls.
//! * `tests/liveness.rs`: scenarios that once hung, each under a timeout:
//!   readers writing each other's map, a first read during a waiting write,
//!   `reclaim`, `memory` and `policy` from inside sections and closures,
//!   values whose `Drop` writes to the map.
//! * `tests/unwind.rs`, `tests/unwind_drops.rs`: writes that panic half
//!   way leave the map whole, and drop what they removed or replaced after
//!   the lock, so a value whose `Drop` writes to the map does not abort
//!   the process (each such scenario runs in a child process).
//! * `tests/memory_stats.rs`, `tests/membarrier_faults.rs`: figures that
//!   never go down, and `reclaimed_bytes` against what `reclaim()` returned
//!   and what a counting allocator saw freed, across clearing batches;
//!   injected membarrier failures.
//! * `tests/loom.rs`: loom models of the publish, swap, batch, retire and
//!   reclaim steps:
//!   `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p sync-map --release --test loom`.
//! * AddressSanitizer: `CONFORMANCE_SIZES=quick RUSTC_BOOTSTRAP=1
//!   RUSTFLAGS=-Zsanitizer=address cargo test -p sync-map --target
//!   x86_64-unknown-linux-gnu --tests`.
//!
//! All `unsafe` code is in one private module (`raw`), each block with its
//! reason.
//!
//! # Features
//!
//! * `serde`: `Serialize` and `Deserialize` for [`SyncMap`], as a map of key
//!   to value. Serializing writes one consistent version of the map from
//!   inside one read section, so writers of the map wait until it is done:
//!   to write to slow output, serialize a [`snapshot`](SyncMap::snapshot)
//!   instead. Deserializing builds the map in one [`write`](SyncMap::write)
//!   batch, with no capacity floor; the policy is not serialized (a
//!   deserialized map has the automatic one).
//!
//! The feature is off by default; the documentation on docs.rs is built
//! with it on, so the impls show there.

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
