//! The unsafe core: a left-right pair of copies of one value, the pointer
//! to the copy readers use, and per-thread reader slots. Every `unsafe`
//! block of the crate is in this file; `map.rs` builds the map on the safe
//! interface below and knows nothing of the protocol.
//!
//! # The protocol
//!
//! * Readers read `*front` and nothing else. A reader first marks its own
//!   slot active (`epoch` odd, a store to a cache line no other thread
//!   writes), then runs the light half of an asymmetric fence, loads
//!   `front`, reads, and marks the slot idle (`epoch` even, a `Release`
//!   store). No lock, no shared counter, and (where the heavy half is
//!   available) no fence instruction: two plain stores.
//! * Writers serialise on `writer`, which owns the back copy (the one that
//!   is not `front`). It has no readers, so a writer changes it freely, then
//!   publishes it by storing it in `front`, runs the heavy half of the
//!   fence, takes a snapshot of the registered slots (the registry lock is
//!   held for the copy only, never while waiting, so a thread registering
//!   its first read never waits for a writer), waits for every slot that it
//!   sees active to change its epoch, and then applies the same change to
//!   the old front copy, which now has no readers either and becomes the
//!   back copy. Both copies are equal again when the write returns.
//! * The two halves of the fence act as a pair of `SeqCst` fences between
//!   the reader's store to its slot and its load of `front`, and between the
//!   writer's store to `front` and its scan of the slots: either the scan
//!   sees the reader active (and waits), or the reader's load of `front`
//!   sees the new copy (and never touches the old one). A slot registered
//!   after the snapshot is pushed (under the registry lock) before its
//!   thread's first section, so that section loads the new `front`.
//! * Both stores to a slot are `Release`: a writer that reads the entry
//!   store of a later section must know that the earlier section's reads
//!   are over, and under the C++20 model a plain store does not continue
//!   the exit store's release sequence (loom found this).
//!
//! # A reader that cannot leave
//!
//! A thread inside a read section of this pair may itself be blocked in a
//! write (of another map, or of this one's writer lock held by someone
//! waiting on it): two threads each reading one map and writing the other
//! would otherwise wait for each other forever. A writer that has waited
//! for such a reader (its thread blocked in a write, in the same wait, for
//! [`STUCK_AFTER`]) stops waiting: it retires the old front copy whole,
//! with the epochs of the slots it was waiting for, and makes a new back
//! copy by cloning the front one. A retired copy is freed once each of
//! those slots has moved on (checked at each write), or when the pair is
//! dropped. Readers never notice: they only ever follow `front`.
//!
//! # The asymmetric fence
//!
//! On Linux the heavy half is `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`,
//! which makes every running thread of the process execute a full barrier;
//! the light half is then only a compiler fence. Where membarrier is
//! missing both halves are `fence(SeqCst)` (one fence per read). Under loom
//! both are `fence(SeqCst)`, the standard model of the pair.
//!
//! # Frequent writes: readers fence instead
//!
//! A membarrier costs the writer and every running thread of the process a
//! few microseconds; when writes come often that is most of a write. A
//! writer whose publication follows the previous one within [`FREQUENT`]
//! publishes with the `FENCED` bit set in `front` (the copies are aligned,
//! so the pointer's low bit is free) before its membarrier; from then on
//! every reader that enters a section and loads `front` with the bit set
//! runs a `fence(SeqCst)` and loads `front` again, and writers run a
//! `fence(SeqCst)` instead of the membarrier: a pair of fences. The reader
//! loads `front` after its store to the slot, in program order, so a reader
//! that still saw the bit clear had its slot marked before the implied
//! barrier of the switching writer's membarrier, and every later writer's
//! scan sees it (or it has left). A reader that sees no publication during
//! [`QUIET_READS`] fenced reads of its own clears the bit under the writer
//! lock (trying it, never waiting for it), so no writer is between its
//! choice of fence and its scan, and the next writer pays a membarrier
//! again. Read-only phases thus run without a fence, one barrier per
//! switch, and a read tests the bit of the pointer it loads anyway.

use core::marker::PhantomData;
use core::mem;
use core::ptr::NonNull;

use crate::sync::{
    backoff, lock, plain, try_lock, Arc, AtomicBool, AtomicPtr, AtomicUsize, Mutex, MutexGuard,
    Ordering, UnsafeCell,
};

/// A thread as the writers of every pair see it.
#[derive(Debug, Default)]
pub(crate) struct ThreadState {
    /// Odd while the thread waits inside a write (for a writer lock or for
    /// readers); each wait adds two, so a writer can tell one long wait
    /// from a series of short ones.
    waits: plain::AtomicUsize,
}

/// Marks the current thread as waiting inside a write while it lives.
struct Waiting(Option<plain::Arc<ThreadState>>);

impl Waiting {
    fn start() -> Self {
        let state = local::thread_state();
        if let Some(state) = &state {
            state.waits.fetch_add(1, plain::Ordering::SeqCst);
        }
        Waiting(state)
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(state) = &self.0 {
            state.waits.fetch_add(1, plain::Ordering::SeqCst);
        }
    }
}

/// How long a writer waits for a reader whose thread is itself waiting in
/// a write (the same wait throughout) before it retires the copy instead.
#[cfg(not(loom))]
const STUCK_AFTER: std::time::Duration = std::time::Duration::from_millis(5);

/// One thread's reader state for one pair of copies. Aligned so that no
/// two slots share a cache line (nor an adjacent-line prefetch pair).
#[repr(align(128))]
#[derive(Debug)]
pub(crate) struct Slot {
    /// Odd while the owning thread is inside a read section.
    epoch: AtomicUsize,
    /// The owning thread exited: the registry may forget the slot.
    thread_gone: AtomicBool,
    /// The copies were dropped: the thread may forget the slot.
    map_gone: AtomicBool,
    /// Who still uses the slot on its thread: the thread's registry entry
    /// and each live [`Reader`]. The last to go sets `thread_gone`. Only the
    /// owning thread touches it, so it is bookkeeping, not protocol.
    holders: plain::AtomicUsize,
    /// The owning thread, so that a writer can tell whether it is blocked.
    owner: plain::Arc<ThreadState>,
    /// Sections this thread entered while readers fence (owner only).
    fenced_reads: plain::AtomicUsize,
    /// The publication count this thread saw at its last check (owner
    /// only): unchanged over [`QUIET_READS`] fenced reads means writes have
    /// stopped.
    seen_publications: plain::AtomicUsize,
    /// A slot for one section only (a read whose thread-locals are gone):
    /// the registry forgets it once that section is over.
    one_shot: bool,
}

impl Slot {
    fn new(owner: plain::Arc<ThreadState>, one_shot: bool) -> Self {
        Self {
            epoch: AtomicUsize::new(0),
            thread_gone: AtomicBool::new(false),
            map_gone: AtomicBool::new(false),
            holders: plain::AtomicUsize::new(0),
            owner,
            fenced_reads: plain::AtomicUsize::new(0),
            seen_publications: plain::AtomicUsize::new(0),
            one_shot,
        }
    }

    /// Whether no section will ever use the slot again: its thread exited,
    /// or it was for one section and that section is over.
    fn done(&self) -> bool {
        if self.thread_gone.load(Ordering::Acquire) {
            return true;
        }
        if !self.one_shot {
            return false;
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        epoch != 0 && epoch & 1 == 0
    }

    fn hold(&self) {
        self.holders.fetch_add(1, plain::Ordering::Relaxed);
    }

    /// Drops one holder; the last one tells the registry the slot will
    /// never be active again.
    fn release(&self) {
        if self.holders.fetch_sub(1, plain::Ordering::Relaxed) == 1 {
            self.thread_gone.store(true, Ordering::Release);
        }
    }
}

/// Bytes one registered slot costs (the `Arc` allocation holding it).
pub(crate) const SLOT_BYTES: usize = arc_bytes::<Slot>();

/// Bytes one copy's header costs (the box holding it; the value's own
/// allocations are the value's to count).
pub(crate) const fn copy_bytes<T>() -> usize {
    mem::size_of::<Copy<T>>()
}

const fn arc_bytes<T>() -> usize {
    let header = 2 * mem::size_of::<usize>();
    let align = mem::align_of::<T>();
    let data = header.div_ceil(align) * align;
    data + mem::size_of::<T>()
}

/// Keeps what it holds on cache lines (and adjacent-line prefetch pairs)
/// of its own.
#[repr(align(128))]
struct Padded<T>(T);

impl<T> core::ops::Deref for Padded<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.0
    }
}

/// One copy, in a box of its own: `front` points at one, the writer owns
/// the other, retired ones wait for their last readers.
type Copy<T> = Padded<UnsafeCell<T>>;

fn new_copy<T>(value: T) -> *mut Copy<T> {
    Box::into_raw(Box::new(Padded(UnsafeCell::new(value))))
}

/// What every read loads: written once, then by writers (`front`,
/// `publications`) and, once per quiet spell, by a reader that clears the
/// [`FENCED`] bit of `front`.
struct ReadSide<T> {
    /// The copy readers use, with the [`FENCED`] bit. Stored only under the
    /// writer lock.
    front: AtomicPtr<Copy<T>>,
    /// Publications so far (bookkeeping, stored only under the writer
    /// lock): readers watch it to see that writes have stopped.
    publications: plain::AtomicUsize,
    id: u64,
    /// Whether the writer's half of the fence is membarrier (decided once
    /// per process; kept here so a read loads no other line).
    asymmetric: bool,
}

/// The low bit of `front`: readers run a full fence of their own in each
/// section. Set by a writer when writes come often, so that writers can
/// skip membarrier; cleared by a reader once writes have stopped. A copy
/// is aligned to 128 bytes, so a pointer to one never has it.
const FENCED: usize = 1;

/// The copy `front` names, without the [`FENCED`] bit.
#[inline(always)]
fn copy_of<T>(front: *mut Copy<T>) -> *mut Copy<T> {
    front.map_addr(|addr| addr & !FENCED)
}

/// Whether `front` has the [`FENCED`] bit.
#[inline(always)]
fn is_fenced<T>(front: *mut Copy<T>) -> bool {
    front.addr() & FENCED != 0
}

/// Fenced reads a thread makes between two looks at the publication count:
/// when none happened in between, it tells the readers to stop fencing.
const QUIET_READS: usize = if cfg!(loom) { 1 } else { 4096 };

/// Publications closer together than this switch readers to fences of
/// their own (one membarrier for the switch, none for the writes after):
/// a membarrier costs the writer and every running thread of the process
/// a few microseconds, a reader's fence a few nanoseconds per read.
#[cfg(not(loom))]
const FREQUENT: std::time::Duration = std::time::Duration::from_micros(100);

/// A copy no reader can enter any more, kept until the readers that may
/// still be inside it have left.
struct Retired<T> {
    copy: *mut Copy<T>,
    /// The slots that were inside a section when it was retired, with the
    /// epoch they had: once every one has changed, the copy is free.
    readers: Vec<(Arc<Slot>, usize)>,
}

/// What the writer lock guards.
struct Writer<T, W> {
    /// The copy no reader enters. Null only after a failure between
    /// retiring a copy and cloning its replacement: the next write makes
    /// one.
    back: *mut Copy<T>,
    /// Both copies hold the same contents. False while a write is in flight,
    /// and after a write that a panic interrupted: the next writer then
    /// rebuilds the back copy from the front one.
    in_sync: bool,
    retired: Vec<Retired<T>>,
    /// The registry snapshot a writer waits on, kept for its capacity.
    scan: Vec<Arc<Slot>>,
    /// When the last publication was made, to tell frequent writes.
    #[cfg(not(loom))]
    last_publication: Option<std::time::Instant>,
    /// The caller's own state, guarded by the same lock.
    state: W,
}

/// Two copies of a `T`, published left-right, and `W`, state of the
/// writer's own.
pub(crate) struct LeftRight<T, W = ()> {
    read_side: Padded<ReadSide<T>>,
    writer: Mutex<Writer<T, W>>,
    /// The thread holding `writer` (its `ThreadState` address; 0 for none),
    /// so that a thread asking for the lock again panics instead of waiting
    /// for itself.
    writer_owner: plain::AtomicUsize,
    slots: Mutex<Registry>,
}

impl<T, W> Writer<T, W> {
    /// Whether this publication follows the previous one closely enough
    /// that readers should fence (always under loom, so the models explore
    /// both kinds of writer).
    fn frequent(&mut self) -> bool {
        #[cfg(not(loom))]
        {
            let now = std::time::Instant::now();
            let last = self.last_publication.replace(now);
            last.is_some_and(|last| now.duration_since(last) < FREQUENT)
        }
        #[cfg(loom)]
        true
    }
}

/// When a list that only a sweep shortens sweeps next: once it has doubled
/// since the last sweep (and holds at least twice `floor`). Each sweep
/// walks the list once and the additions since the last one pay for it, so
/// an addition costs O(1) amortised, and the list stays within twice what
/// the last sweep kept (or `2 * floor`).
#[derive(Default)]
struct Doubling {
    /// What the last sweep kept.
    kept: usize,
}

impl Doubling {
    fn due(&self, len: usize, floor: usize) -> bool {
        len >= 2 * self.kept.max(floor)
    }

    fn swept(&mut self, len: usize) {
        self.kept = len;
    }
}

/// The reader slots of one pair, and what pruning them gave back.
#[derive(Default)]
struct Registry {
    slots: Vec<Arc<Slot>>,
    /// A registration prunes once the list has doubled since the last
    /// prune, so that the slots of exited threads do not pile up in a map
    /// that is read and never written.
    sweeps: Doubling,
    released_bytes: usize,
    /// Prunes that gave bytes back.
    prunes: usize,
}

impl Registry {
    fn bytes(&self) -> usize {
        self.slots.len() * SLOT_BYTES + self.slots.capacity() * mem::size_of::<Arc<Slot>>()
    }

    /// Forgets the slots of exited threads, and with `trim` returns the
    /// spare room of the list too; returns the bytes released.
    fn prune(&mut self, trim: bool) -> usize {
        let before = self.bytes();
        self.slots.retain(|slot| !slot.done());
        self.sweeps.swept(self.slots.len());
        if trim {
            self.slots.shrink_to_fit();
        }
        let released = before.saturating_sub(self.bytes());
        if released > 0 {
            self.released_bytes += released;
            self.prunes += 1;
        }
        released
    }

    /// Adds a slot, pruning first if the list doubled since the last prune
    /// (see [`Doubling`]; at least 16 slots).
    fn add(&mut self, slot: Arc<Slot>) {
        if self.sweeps.due(self.slots.len(), 8) {
            self.prune(false);
        }
        self.slots.push(slot);
    }
}

/// The reader registry's figures.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RegistryStats {
    /// Bytes held now.
    pub(crate) bytes: usize,
    /// Bytes pruning gave back so far.
    pub(crate) released_bytes: usize,
    /// Prunes that gave bytes back.
    pub(crate) prunes: usize,
}

// SAFETY: the copies are reached from other threads only by shared
// reference (readers, and writers reading the front copy), which needs
// `T: Sync`, and mutably, or to drop them, only by the one writer holding
// `writer`, which can be any thread, which needs `T: Send`. The writer's
// state `W` is only reached under the lock, from any thread: `W: Send`.
// Everything else is atomics and locks.
unsafe impl<T: Send + Sync, W: Send> Sync for LeftRight<T, W> {}
// SAFETY: moving the pair moves the copies and the writer's state.
unsafe impl<T: Send, W: Send> Send for LeftRight<T, W> {}

fn next_id() -> u64 {
    // Identity only, never reused; not part of the modelled protocol.
    static NEXT: plain::AtomicU64 = plain::AtomicU64::new(1);
    NEXT.fetch_add(1, plain::Ordering::Relaxed)
}

impl<T, W> LeftRight<T, W> {
    /// A pair of two equal copies.
    pub(crate) fn new(a: T, b: T, state: W) -> Self {
        let asymmetric = barrier::init();
        Self {
            read_side: Padded(ReadSide {
                front: AtomicPtr::new(new_copy(a)),
                publications: plain::AtomicUsize::new(0),
                id: next_id(),
                asymmetric,
            }),
            writer: Mutex::new(Writer {
                back: new_copy(b),
                in_sync: true,
                retired: Vec::new(),
                scan: Vec::new(),
                #[cfg(not(loom))]
                last_publication: None,
                state,
            }),
            writer_owner: plain::AtomicUsize::new(0),
            slots: Mutex::new(Registry::default()),
        }
    }

    /// Runs `f` on the front copy, inside a read section: no lock, and two
    /// stores to this thread's own slot.
    ///
    /// Every path (the cached slot, a first read, a nested section, fenced
    /// reads, a thread whose thread-locals are gone) only enters the
    /// section and finds the copy; `f` runs at this one place, so that its
    /// result goes straight to the caller.
    #[inline(always)]
    pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let (section, front) = self.enter();
        self.read_copy(section, front, f)
    }

    /// Enters a read section of this thread and loads the copy to read.
    #[inline(always)]
    fn enter(&self) -> (Section<'_>, *mut Copy<T>) {
        // The fast path: this thread read this pair last, and the fence is
        // asymmetric (the cache is only filled then), so the reader's half
        // is a compiler fence.
        #[cfg(not(loom))]
        if let Some(slot) = local::cached(self) {
            // SAFETY: the slot is kept alive by this thread's registry
            // (`local::Local`), which is only dropped when the thread exits,
            // never while this call runs on it.
            return self.enter_with(unsafe { &*slot }, true);
        }
        self.enter_slow()
    }

    #[cold]
    #[inline(never)]
    fn enter_slow(&self) -> (Section<'_>, *mut Copy<T>) {
        let slot = match local::slot(self) {
            Some(slot) => slot,
            // The thread-locals are gone (a read from another
            // thread-local's destructor): a slot for this section alone, so
            // that even then a reader never waits for a writer.
            None => self.register_one_shot(),
        };
        // SAFETY: a thread's slot is kept alive as in `enter`; a one-shot
        // slot by the registry, which forgets it only once its section is
        // over (the section's exit store is its last use).
        self.enter_with(unsafe { &*slot }, self.read_side.asymmetric)
    }

    /// A reader for this thread that keeps its slot at hand, so its reads
    /// skip the thread-local lookup.
    pub(crate) fn reader(&self) -> Reader<'_, T, W> {
        let slot = local::holder(self).unwrap_or_else(|| {
            // The thread-locals are gone (a reader made in another
            // thread-local's destructor): a slot of the reader's own, let go
            // when it drops.
            let slot = self.register(plain::Arc::default());
            slot.hold();
            slot
        });
        Reader {
            pair: self,
            slot,
            asymmetric: self.read_side.asymmetric,
            _not_send: PhantomData,
        }
    }

    /// Enters a section on `slot` and loads the copy to read.
    #[inline(always)]
    fn enter_with<'s>(&'s self, slot: &'s Slot, asymmetric: bool) -> (Section<'s>, *mut Copy<T>) {
        let Some(section) = Section::enter(slot, asymmetric) else {
            return self.enter_nested(slot);
        };
        // Loaded after the store to the slot (in program order, which is
        // what membarrier orders): a reader that sees the bit clear had its
        // slot marked before the barrier of the writer that set it.
        let front = self.read_side.front.load(Ordering::Acquire);
        if is_fenced(front) {
            return self.enter_fenced(section, asymmetric);
        }
        (section, front)
    }

    /// The section's read of `front`, loaded after the section began
    /// (without the [`FENCED`] bit); `section` ends with it.
    #[inline(always)]
    fn read_copy<R>(
        &self,
        section: Section<'_>,
        front: *mut Copy<T>,
        f: impl FnOnce(&T) -> R,
    ) -> R {
        // SAFETY: `front` was loaded after the slot was marked active (and,
        // if readers fence, after this reader's fence), so the writer will
        // neither mutate nor free this copy until the section ends (see the
        // module docs); shared references only.
        let result = unsafe { &*front }.with(|copy| f(unsafe { &*copy }));
        drop(section);
        result
    }

    /// A section inside one this thread already holds on this pair: the
    /// outermost section keeps the slot marked, and this one leaves it as
    /// it is.
    #[cold]
    #[inline(never)]
    fn enter_nested<'s>(&'s self, slot: &'s Slot) -> (Section<'s>, *mut Copy<T>) {
        // This thread's slot was marked active before the outer section
        // loaded the front copy and stays so until it ends; a copy published
        // since is the new front, which a writer leaves alone until every
        // marked reader has left (see the module docs).
        let front = copy_of(self.read_side.front.load(Ordering::Acquire));
        (Section::nested(slot), front)
    }

    /// A section while writes are frequent: the reader's full fence, then
    /// the copy (loaded again, after the fence). Every [`QUIET_READS`] of
    /// them, first a look at whether writes stopped, between two sections:
    /// it may take the writer lock, which no reader holds inside one.
    #[cold]
    #[inline(never)]
    fn enter_fenced<'s>(
        &'s self,
        mut section: Section<'s>,
        asymmetric: bool,
    ) -> (Section<'s>, *mut Copy<T>) {
        let slot = section.slot();
        if Section::count_fenced(slot) {
            drop(section);
            self.unfence_if_quiet(slot);
            section = Section::enter(slot, asymmetric)
                .expect("the outermost section of this thread has just ended");
        }
        Section::fence(asymmetric);
        // Loaded after the fence: the pair of fences orders this load with
        // the writers' scans.
        let front = copy_of(self.read_side.front.load(Ordering::Acquire));
        (section, front)
    }

    /// Called every [`QUIET_READS`] fenced reads of a thread: if nothing
    /// was published since the last call, writes have stopped, and readers
    /// go back to sections without a fence (the next writer pays a
    /// membarrier again). Never waits: if a writer holds the lock, writes
    /// have not stopped.
    #[cold]
    #[inline(never)]
    fn unfence_if_quiet(&self, slot: &Slot) {
        let seen = self.read_side.publications.load(plain::Ordering::Relaxed);
        if slot.seen_publications.swap(seen, plain::Ordering::Relaxed) != seen {
            return;
        }
        if let Some(writer) = try_lock(&self.writer) {
            // Under the lock, so no writer is between its choice of fence
            // and its scan: every writer after this one uses membarrier,
            // which needs nothing of readers. Release, as a publication is:
            // a reader that loads this value reads the copy it names, and
            // this thread took the lock after that copy's writer.
            let front = self.read_side.front.load(Ordering::Relaxed);
            self.read_side
                .front
                .store(copy_of(front), Ordering::Release);
            drop(writer);
        }
    }

    /// Takes the writer lock.
    ///
    /// # Panics
    ///
    /// If this thread is inside a read section of this pair, or already
    /// holds its writer lock: either way the write would wait for itself.
    pub(crate) fn lock(&self) -> WriteGuard<'_, T, W> {
        if local::is_reading(self) {
            reentrant_write();
        }
        let me = local::thread_id();
        if me != 0 && self.writer_owner.load(plain::Ordering::Relaxed) == me {
            // Only this thread stores its own id: seeing it means holding
            // the lock.
            nested_write();
        }
        let guard = match try_lock(&self.writer) {
            Some(guard) => guard,
            None => {
                let _waiting = Waiting::start();
                lock(&self.writer)
            }
        };
        self.writer_owner.store(me, plain::Ordering::Relaxed);
        WriteGuard {
            pair: self,
            guard: Some(guard),
            dead: Vec::new(),
            _not_send: PhantomData,
        }
    }

    /// The reader registry's figures.
    pub(crate) fn registry_stats(&self) -> RegistryStats {
        let registry = lock(&self.slots);
        RegistryStats {
            bytes: registry.bytes(),
            released_bytes: registry.released_bytes,
            prunes: registry.prunes,
        }
    }

    fn register(&self, owner: plain::Arc<ThreadState>) -> Arc<Slot> {
        let slot = Arc::new(Slot::new(owner, false));
        lock(&self.slots).add(Arc::clone(&slot));
        slot
    }

    /// A slot for one section, kept alive by the registry alone until that
    /// section is over (the registry's next prune then forgets it). Prunes
    /// first, so that one-shot slots do not pile up between writes.
    #[cold]
    fn register_one_shot(&self) -> *const Slot {
        let slot = Arc::new(Slot::new(plain::Arc::default(), true));
        let mut registry = lock(&self.slots);
        registry.prune(false);
        registry.slots.push(Arc::clone(&slot));
        Arc::as_ptr(&slot)
    }
}

impl<T, W> Drop for LeftRight<T, W> {
    fn drop(&mut self) {
        for slot in lock(&self.slots).slots.iter() {
            slot.map_gone.store(true, Ordering::Release);
        }
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let front = copy_of(self.read_side.front.load(Ordering::Relaxed));
        let copies = [front, writer.back]
            .into_iter()
            .chain(writer.retired.drain(..).map(|retired| retired.copy));
        for copy in copies {
            if !copy.is_null() {
                // SAFETY: `&mut self`: no reader or writer is left, and each
                // copy came from `new_copy` and is freed once, here.
                drop(unsafe { Box::from_raw(copy) });
            }
        }
    }
}

#[cold]
#[inline(never)]
fn reentrant_write() -> ! {
    panic!("SyncMap written from inside one of its own read sections (a get_with or for_each closure, or a Hash, Eq or Clone called by a read); the write would wait for itself")
}

#[cold]
#[inline(never)]
fn nested_write() -> ! {
    panic!("SyncMap written by the thread that is already writing it (from an update, remove_if, retain or write closure, or a Hash, Eq, Clone or Drop they run); the write would wait for itself")
}

/// One thread's reader of one pair, holding the thread's slot: reads
/// through it skip the thread-local lookup. Not `Send`: the slot is the
/// creating thread's.
pub(crate) struct Reader<'a, T, W = ()> {
    pair: &'a LeftRight<T, W>,
    slot: Arc<Slot>,
    asymmetric: bool,
    _not_send: PhantomData<*const ()>,
}

impl<T, W> Reader<'_, T, W> {
    /// Runs `f` on the front copy, inside a read section, as
    /// [`LeftRight::read`] does.
    #[inline(always)]
    pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        // One branch, then a path with the fence kind fixed; `f` runs at one
        // place, as in `LeftRight::read`.
        let (section, front) = if self.asymmetric {
            self.pair.enter_with(&self.slot, true)
        } else {
            self.pair.enter_with(&self.slot, false)
        };
        self.pair.read_copy(section, front, f)
    }
}

impl<T, W> Drop for Reader<'_, T, W> {
    fn drop(&mut self) {
        self.slot.release();
    }
}

/// A read section: marks the slot active on entry, idle on drop (also when
/// the reader's closure panics). A section nested in another of the same
/// thread on the same pair stores back, on exit, the epoch the outermost
/// one set: the outermost keeps the marking.
///
/// The slot is held as a pointer, not a reference: a one-shot slot may be
/// freed by another thread's prune as soon as the exit store marks it idle,
/// while the section is still an argument of the functions it was passed
/// to, and a reference there would have to stay valid until they return.
struct Section<'a> {
    slot: NonNull<Slot>,
    /// The epoch to store on exit: the next even one (the current odd one
    /// for a nested section).
    exit: usize,
    _slot: PhantomData<&'a Slot>,
}

impl<'a> Section<'a> {
    /// Enters a section: `None` if this thread is already inside one on
    /// this pair (the outermost section owns the marking).
    #[inline(always)]
    fn enter(slot: &'a Slot, asymmetric: bool) -> Option<Self> {
        // Only this thread writes its slot: a relaxed load sees its own
        // last store.
        let epoch = slot.epoch.load(Ordering::Relaxed);
        if epoch & 1 == 1 {
            return None;
        }
        // Release, not Relaxed: a writer that sees this epoch must also see
        // that the previous section's reads are over (a plain store does
        // not extend the exit store's release sequence).
        slot.epoch.store(epoch.wrapping_add(1), Ordering::Release);
        barrier::light(asymmetric);
        Some(Section {
            slot: NonNull::from(slot),
            exit: epoch.wrapping_add(2),
            _slot: PhantomData,
        })
    }

    /// A section inside one this thread already holds on `slot`: its exit
    /// changes nothing.
    fn nested(slot: &'a Slot) -> Self {
        // Only this thread writes its slot: a relaxed load sees its own
        // last store.
        let exit = slot.epoch.load(Ordering::Relaxed);
        debug_assert!(exit & 1 == 1, "nested in an active section");
        Section {
            slot: NonNull::from(slot),
            exit,
            _slot: PhantomData,
        }
    }

    /// The section's slot, for the fenced path's look at whether writes
    /// stopped: a thread's slot, which its holders keep alive beyond the
    /// section (a one-shot slot makes one fenced read, never the
    /// [`QUIET_READS`]th, so it never gets there).
    fn slot(&self) -> &'a Slot {
        // SAFETY: the slot was a `&'a Slot` when the section began. A
        // thread's slot stays alive for `'a` (its holders keep it); a
        // one-shot slot until its section's exit store in `drop`, and the
        // one caller that keeps this reference past the section
        // (`enter_fenced`, on its `QUIET_READS`th read) never gets a
        // one-shot slot, as said above.
        unsafe { self.slot.as_ref() }
    }

    /// The reader's fence while writes are frequent.
    #[inline(always)]
    fn fence(asymmetric: bool) {
        if asymmetric {
            // The light half was only a compiler fence.
            barrier::full();
        }
    }

    /// Counts a fenced read of `slot`'s thread: `true` every
    /// [`QUIET_READS`] of them.
    #[inline(always)]
    fn count_fenced(slot: &Slot) -> bool {
        let reads = slot
            .fenced_reads
            .load(plain::Ordering::Relaxed)
            .wrapping_add(1);
        slot.fenced_reads.store(reads, plain::Ordering::Relaxed);
        reads % QUIET_READS == 0
    }
}

impl Drop for Section<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the slot is alive until this store (see `slot`). The
        // reference covers the atomic epoch alone and is not used after
        // the store, once which a one-shot slot may be freed.
        let epoch = unsafe { &(*self.slot.as_ptr()).epoch };
        // Unconditional: one store, no branch on the read path.
        epoch.store(self.exit, Ordering::Release);
    }
}

/// Exclusive write access: both copies are stable while it lives. Copies
/// it frees are dropped after the lock is released, so a value whose
/// `Drop` writes to the map finds the lock free.
pub(crate) struct WriteGuard<'a, T, W> {
    pair: &'a LeftRight<T, W>,
    /// `Some` until the guard drops.
    guard: Option<MutexGuard<'a, Writer<T, W>>>,
    dead: Vec<Box<Copy<T>>>,
    // The slot checks are per thread.
    _not_send: PhantomData<*const ()>,
}

impl<T, W> Drop for WriteGuard<'_, T, W> {
    fn drop(&mut self) {
        self.pair.writer_owner.store(0, plain::Ordering::Relaxed);
        drop(self.guard.take());
        // `dead` drops after this, with the lock released.
    }
}

impl<T: Clone, W> WriteGuard<'_, T, W> {
    fn writer(&mut self) -> &mut Writer<T, W> {
        self.guard.as_mut().expect("held until drop")
    }

    fn front(&self) -> *mut Copy<T> {
        copy_of(self.raw_front())
    }

    /// `front` with its [`FENCED`] bit.
    fn raw_front(&self) -> *mut Copy<T> {
        // Only the holder of the writer lock stores `front`.
        self.pair.read_side.front.load(Ordering::Relaxed)
    }

    /// The writer's own state.
    pub(crate) fn state(&mut self) -> &mut W {
        &mut self.writer().state
    }

    /// Runs `f` on the current contents (the front copy; no writer can
    /// change either copy while the guard lives).
    pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let front = self.front();
        // SAFETY: copies are mutated or freed only by the holder of the
        // writer lock, which is this guard; readers hold shared references
        // too.
        unsafe { &*front }.with(|copy| f(unsafe { &*copy }))
    }

    /// Calls `f` on every copy the pair holds: the front one, the back one
    /// and any retired ones (for the memory figures).
    pub(crate) fn for_each_copy(&mut self, mut f: impl FnMut(&T)) {
        let front = self.front();
        let writer = self.guard.as_ref().expect("held until drop");
        let copies = [front, writer.back]
            .into_iter()
            .chain(writer.retired.iter().map(|retired| retired.copy));
        for copy in copies {
            if !copy.is_null() {
                // SAFETY: shared access; only this guard mutates or frees
                // copies, and readers only read.
                unsafe { &*copy }.with(|copy| f(unsafe { &*copy }));
            }
        }
    }

    /// How many copies the pair holds, retired ones included.
    pub(crate) fn copies(&self) -> usize {
        let writer = self.guard.as_ref().expect("held until drop");
        1 + usize::from(!writer.back.is_null()) + writer.retired.len()
    }

    /// Applies `change` to the back copy (the first half of a write) and
    /// returns its result. Follow with [`publish`](Self::publish), or with
    /// [`unchanged`](Self::unchanged) if `change` left the copy as it was.
    pub(crate) fn write_back<R>(&mut self, change: impl FnOnce(&mut T, &mut W) -> R) -> R {
        self.free_retired();
        let writer = self.writer();
        if !writer.in_sync || writer.back.is_null() {
            self.resync();
        }
        let writer = self.writer();
        writer.in_sync = false;
        let back = writer.back;
        let state = &mut writer.state;
        // SAFETY: no reader enters the back copy (it is not `front`, and
        // every reader that saw it as `front` left before it became the
        // back copy), and we hold the writer lock.
        unsafe { &*back }.with_mut(|copy| change(unsafe { &mut *copy }, state))
    }

    /// Declares that the last [`write_back`](Self::write_back) left the
    /// back copy equal to the front one: nothing to publish.
    pub(crate) fn unchanged(&mut self) {
        self.writer().in_sync = true;
    }

    /// Publishes the back copy, waits until no reader can still be inside
    /// the old front copy, and applies `replay` (the same change as the
    /// `write_back` before it) to that one, which becomes the back copy.
    /// `replay` also gets the copy just published, to read (or clone).
    ///
    /// `Err(replay)` if a reader that cannot leave held the old copy: it
    /// was retired instead of changed, and `replay` was not run; drop it
    /// after the guard if it owns anything whose drop runs user code.
    pub(crate) fn publish<R, F>(&mut self, replay: F) -> Result<R, F>
    where
        F: FnOnce(&mut T, &T, &mut W) -> R,
    {
        let pair = self.pair;
        let raw = self.raw_front();
        let (old, fenced) = (copy_of(raw), is_fenced(raw));
        let writer = self.writer();
        let back = mem::replace(&mut writer.back, core::ptr::null_mut());
        // Writes that come often switch readers to fences of their own, with
        // the publication that finds them frequent: readers that load it
        // fence; the membarrier below covers those that loaded an older one.
        let frequent = writer.frequent();
        let fence_readers = fenced || frequent;
        let published = back.map_addr(|addr| addr | (usize::from(fence_readers) * FENCED));
        pair.read_side.front.store(published, Ordering::Release);
        let mut scan = mem::take(&mut writer.scan);
        let stuck = pair.wait_for_readers(&mut scan, fenced);
        let writer = self.writer();
        writer.scan = scan;
        match stuck {
            None => {
                writer.back = old;
                let state = &mut writer.state;
                // SAFETY: both came from `new_copy` and are freed only by
                // the holder of the writer lock, which is this guard.
                let (old_copy, published) = unsafe { (&*old, &*back) };
                let result = old_copy.with_mut(|copy| {
                    published.with(|published| {
                        // SAFETY: `front` now names the other copy, and
                        // every reader that could have loaded `old` has left
                        // its section: `copy` is ours alone. The published
                        // copy is only read, as readers do.
                        let (copy, published) = unsafe { (&mut *copy, &*published) };
                        replay(copy, published, state)
                    })
                });
                self.writer().in_sync = true;
                Ok(result)
            }
            Some(readers) => {
                writer.retired.push(Retired { copy: old, readers });
                // The new back copy: a clone of what was just published. If
                // the clone panics, `back` stays null and the next write
                // makes one.
                let fresh = self.read(T::clone);
                let writer = self.writer();
                writer.back = new_copy(fresh);
                writer.in_sync = true;
                Err(replay)
            }
        }
    }

    /// Forgets the reader slots of exited threads and trims the registry;
    /// returns the bytes released. (Under the writer lock: slots leave the
    /// registry only there, so a writer's snapshot stays valid.)
    pub(crate) fn prune_slots(&mut self) -> usize {
        lock(&self.pair.slots).prune(true)
    }

    /// Frees the retired copies whose readers have all left.
    fn free_retired(&mut self) {
        let writer = self.guard.as_mut().expect("held until drop");
        if writer.retired.is_empty() {
            return;
        }
        let mut index = 0;
        while index < writer.retired.len() {
            let left = writer.retired[index].readers.iter().all(|(slot, epoch)| {
                slot.epoch.load(Ordering::Acquire) != *epoch
                    || slot.thread_gone.load(Ordering::Acquire)
            });
            if left {
                let retired = writer.retired.swap_remove(index);
                // SAFETY: no reader can enter it (it is not `front`), and
                // every reader that was inside when it was retired has left;
                // it came from `new_copy` and leaves the list here.
                self.dead.push(unsafe { Box::from_raw(retired.copy) });
            } else {
                index += 1;
            }
        }
    }

    /// Rebuilds the back copy from the front one after a write that a panic
    /// interrupted (or makes one, if it is missing).
    #[cold]
    fn resync(&mut self) {
        let fresh = self.read(T::clone);
        let writer = self.writer();
        if writer.back.is_null() {
            writer.back = new_copy(fresh);
        } else {
            let back = writer.back;
            // SAFETY: the back copy has no readers, and we hold the lock.
            let stale =
                unsafe { &*back }.with_mut(|copy| mem::replace(unsafe { &mut *copy }, fresh));
            // Dropped with the lock released, like every other copy.
            self.dead.push(Box::new(Padded(UnsafeCell::new(stale))));
        }
        self.writer().in_sync = true;
    }
}

impl<T, W> LeftRight<T, W> {
    /// Waits until no reader can still be inside the copy that `front` no
    /// longer names (under the writer lock, right after the store to
    /// `front`; `fenced` if readers fenced before that store). `None` once
    /// they have all left; the slots (with their epochs) still inside if
    /// some reader cannot leave (see the module docs), and the copy must
    /// then be retired.
    fn wait_for_readers(
        &self,
        scan: &mut Vec<Arc<Slot>>,
        fenced: bool,
    ) -> Option<Vec<(Arc<Slot>, usize)>> {
        let read_side = &*self.read_side;
        let published = read_side.publications.load(plain::Ordering::Relaxed);
        read_side
            .publications
            .store(published.wrapping_add(1), plain::Ordering::Relaxed);
        if fenced {
            // Every reader that can be in a section now runs a full fence
            // between its entry and the load of `front` it reads through
            // (the writer that set the bit ran membarrier after it), so a
            // fence here makes the pair: the scan sees the reader, or the
            // reader the new copy.
            barrier::full();
        } else {
            barrier::heavy(read_side.asymmetric);
        }
        {
            let mut registry = lock(&self.slots);
            // Slots of threads that exited are never active again.
            registry.prune(false);
            scan.extend(registry.slots.iter().cloned());
        }
        let mut waiting = None;
        let mut stuck: Option<Vec<(Arc<Slot>, usize)>> = None;
        for slot in scan.iter() {
            let epoch = slot.epoch.load(Ordering::Acquire);
            if epoch & 1 == 0 {
                continue;
            }
            if let Some(stuck) = &mut stuck {
                // The copy is being retired anyway: note every reader that
                // may still be inside it, without waiting.
                stuck.push((Arc::clone(slot), epoch));
                continue;
            }
            waiting.get_or_insert_with(Waiting::start);
            let mut step = 0;
            let mut watch = Watch::default();
            while slot.epoch.load(Ordering::Acquire) == epoch {
                if (cfg!(loom) || step >= 64) && watch.stuck(&slot.owner) {
                    stuck = Some(vec![(Arc::clone(slot), epoch)]);
                    break;
                }
                backoff(&mut step);
            }
        }
        scan.clear();
        stuck
    }
}

/// Watches the owner of a slot a writer waits for: stuck once it has been
/// waiting inside a write (one wait, the same throughout) for
/// [`STUCK_AFTER`].
#[derive(Default)]
struct Watch {
    #[cfg(not(loom))]
    seen: Option<(usize, std::time::Instant)>,
}

impl Watch {
    #[cfg(not(loom))]
    fn stuck(&mut self, owner: &ThreadState) -> bool {
        let waits = owner.waits.load(plain::Ordering::SeqCst);
        if waits & 1 == 0 {
            self.seen = None;
            return false;
        }
        match self.seen {
            Some((seen, since)) if seen == waits => since.elapsed() >= STUCK_AFTER,
            _ => {
                self.seen = Some((waits, std::time::Instant::now()));
                false
            }
        }
    }

    /// Under loom time does not pass: a reader is stuck as soon as its
    /// thread is seen waiting in a write, so the models reach the retiring
    /// path.
    #[cfg(loom)]
    fn stuck(&mut self, owner: &ThreadState) -> bool {
        owner.waits.load(plain::Ordering::SeqCst) & 1 == 1
    }
}

/// Each thread's slots, one per pair it has read, found through a one-entry
/// cache on the fast path, and by the pair's id otherwise.
mod local {
    use core::cell::RefCell;

    use super::{Doubling, LeftRight, Slot, ThreadState};
    use crate::sync::{plain, Arc, Ordering};

    /// Pairs a thread may have read before a walk over its slots gives way
    /// to the index by id (a walk over a few is faster than a hash).
    const WALK: usize = 16;

    #[derive(Default)]
    pub(super) struct Local {
        entries: Vec<(u64, Arc<Slot>)>,
        /// Where each pair's slot is in `entries`, kept only while there are
        /// more than [`WALK`] of them: a thread that reads many maps finds
        /// each one's slot in O(1), not by a walk over all of them.
        index: map_core::HashMap<u64, usize>,
        /// A registration sweeps out the slots of dropped maps once the
        /// slots have doubled since the last sweep.
        sweeps: Doubling,
        state: plain::Arc<ThreadState>,
    }

    impl Local {
        /// Inlined, with the index's lookup out of line: a thread that
        /// reads a few maps walks them without a call.
        #[inline(always)]
        fn find(&self, id: u64) -> Option<&Arc<Slot>> {
            if self.entries.len() <= WALK {
                return self.entries.iter().find(|(e, _)| *e == id).map(|(_, s)| s);
            }
            self.find_indexed(id)
        }

        #[inline(never)]
        fn find_indexed(&self, id: u64) -> Option<&Arc<Slot>> {
            let &i = self.index.get(&id)?;
            debug_assert_eq!(self.entries[i].0, id, "the index names another pair's slot");
            Some(&self.entries[i].1)
        }

        /// Registers a slot for `pair`, this thread's first read of it (out
        /// of line: the lookup of a known pair's slot stays small).
        #[cold]
        #[inline(never)]
        fn register<T, W>(&mut self, pair: &LeftRight<T, W>) -> *const Slot {
            let slot = pair.register(plain::Arc::clone(&self.state));
            slot.hold();
            let ptr = Arc::as_ptr(&slot);
            self.add(pair.read_side.id, slot);
            ptr
        }

        /// Adds `pair`'s slot, first forgetting the slots of maps dropped
        /// since, once the slots have doubled since the last sweep (see
        /// [`Doubling`]; at least `WALK` slots).
        fn add(&mut self, id: u64, slot: Arc<Slot>) {
            if self.sweeps.due(self.entries.len(), WALK / 2) {
                self.entries
                    .retain(|(_, s)| !s.map_gone.load(Ordering::Acquire));
                self.sweeps.swept(self.entries.len());
                self.index.clear();
            }
            self.entries.push((id, slot));
            if self.entries.len() > WALK {
                if self.index.is_empty() {
                    let entries = self.entries.iter().enumerate();
                    self.index.extend(entries.map(|(i, (id, _))| (*id, i)));
                } else {
                    self.index.insert(id, self.entries.len() - 1);
                }
            }
        }
    }

    impl Drop for Local {
        fn drop(&mut self) {
            #[cfg(not(loom))]
            let _ = CACHE.try_with(|c| c.set((0, core::ptr::null())));
            for (_, slot) in self.entries.drain(..) {
                // A `Reader` still alive (in a later thread-local
                // destructor) keeps the slot registered.
                slot.release();
            }
        }
    }

    #[cfg(not(loom))]
    std::thread_local! {
        // (pair id, slot) of the pair this thread read last. Const and
        // without a destructor: the fast path is one thread-local load.
        static CACHE: core::cell::Cell<(u64, *const Slot)> =
            const { core::cell::Cell::new((0, core::ptr::null())) };
        static LOCAL: RefCell<Local> = RefCell::new(Local::default());
    }

    #[cfg(loom)]
    loom::thread_local! {
        static LOCAL: RefCell<Local> = RefCell::new(Local::default());
    }

    /// This thread's slot for `pair` if it is the cached one (only ever
    /// cached for pairs with the asymmetric fence).
    #[cfg(not(loom))]
    #[inline(always)]
    pub(super) fn cached<T, W>(pair: &LeftRight<T, W>) -> Option<*const Slot> {
        let (id, slot) = CACHE.with(core::cell::Cell::get);
        (id == pair.read_side.id).then_some(slot)
    }

    /// This thread's slot for `pair`, registering one on first use; `None`
    /// if the thread-locals are already destroyed.
    pub(super) fn slot<T, W>(pair: &LeftRight<T, W>) -> Option<*const Slot> {
        slot_slow(pair)
    }

    #[cold]
    #[inline(never)]
    fn slot_slow<T, W>(pair: &LeftRight<T, W>) -> Option<*const Slot> {
        LOCAL
            .try_with(|local| {
                let mut local = local.borrow_mut();
                let slot = match local.find(pair.read_side.id) {
                    Some(slot) => Arc::as_ptr(slot),
                    None => local.register(pair),
                };
                #[cfg(not(loom))]
                if pair.read_side.asymmetric {
                    CACHE.with(|c| c.set((pair.read_side.id, slot)));
                }
                slot
            })
            .ok()
    }

    /// This thread's slot for `pair`, with one more holder (a `Reader`);
    /// `None` if the thread-locals are already destroyed.
    pub(super) fn holder<T, W>(pair: &LeftRight<T, W>) -> Option<Arc<Slot>> {
        slot(pair)?;
        LOCAL
            .try_with(|local| {
                let slot = Arc::clone(local.borrow().find(pair.read_side.id)?);
                slot.hold();
                Some(slot)
            })
            .ok()
            .flatten()
    }

    /// Whether this thread is inside a read section of `pair`.
    pub(super) fn is_reading<T, W>(pair: &LeftRight<T, W>) -> bool {
        LOCAL
            .try_with(|local| {
                // A read section in progress never holds this borrow.
                local.try_borrow().ok().is_some_and(|local| {
                    local
                        .find(pair.read_side.id)
                        .is_some_and(|slot| slot.epoch.load(Ordering::Relaxed) & 1 == 1)
                })
            })
            .unwrap_or(false)
    }

    /// This thread's state; `None` if the thread-locals are gone.
    pub(super) fn thread_state() -> Option<plain::Arc<ThreadState>> {
        LOCAL
            .try_with(|local| {
                local
                    .try_borrow()
                    .ok()
                    .map(|local| plain::Arc::clone(&local.state))
            })
            .ok()
            .flatten()
    }

    /// A number no other live thread has (its state's address); 0 if the
    /// thread-locals are gone.
    pub(super) fn thread_id() -> usize {
        LOCAL
            .try_with(|local| {
                local
                    .try_borrow()
                    .map_or(0, |local| plain::Arc::as_ptr(&local.state) as usize)
            })
            .unwrap_or(0)
    }
}

/// The two halves of the asymmetric fence between readers and writers.
mod barrier {
    #[cfg(not(loom))]
    use std::sync::atomic::AtomicU8;

    #[cfg(not(loom))]
    use crate::sync::compiler_fence;
    use crate::sync::{fence, Ordering};

    #[cfg(not(loom))]
    const UNKNOWN: u8 = 0;
    #[cfg(not(loom))]
    const ASYMMETRIC: u8 = 1;
    #[cfg(not(loom))]
    const SYMMETRIC: u8 = 2;

    /// Decided once per process, before the first pair exists, and never
    /// changed after: every reader and writer uses the same halves.
    #[cfg(not(loom))]
    static MODE: AtomicU8 = AtomicU8::new(UNKNOWN);

    /// Decides the mode (idempotent; every caller reaches the same answer)
    /// and returns whether it is asymmetric.
    pub(super) fn init() -> bool {
        #[cfg(not(loom))]
        {
            let mut mode = MODE.load(Ordering::Relaxed);
            if mode == UNKNOWN {
                // The knob exists so the fallback can be tested on systems
                // that have membarrier.
                let forced = std::env::var_os("SYNC_MAP_NO_MEMBARRIER").is_some();
                mode = if !forced && membarrier::register() {
                    ASYMMETRIC
                } else {
                    SYMMETRIC
                };
                MODE.store(mode, Ordering::Relaxed);
            }
            mode == ASYMMETRIC
        }
        #[cfg(loom)]
        false
    }

    /// The reader's half: a compiler fence where the writer's half is
    /// membarrier, else a full fence.
    #[inline(always)]
    pub(super) fn light(asymmetric: bool) {
        #[cfg(not(loom))]
        if asymmetric {
            compiler_fence(Ordering::SeqCst);
            return;
        }
        let _ = asymmetric;
        fence(Ordering::SeqCst);
    }

    /// A full fence of this thread alone, `fence(SeqCst)`'s equal. On
    /// x86-64 a locked no-op on the stack rather than `mfence`: both drain
    /// the store buffer and order every later load, but `mfence` also waits
    /// for earlier loads and costs several times as much (AMD Zen) while
    /// readers fence.
    #[inline(always)]
    pub(super) fn full() {
        #[cfg(all(not(loom), target_arch = "x86_64"))]
        // SAFETY: adds nothing to a word of this thread's own stack (the
        // slot at the stack pointer, always mapped and writable), so it
        // changes no memory; its only effects are the locked operation's
        // ordering and the flags, which the asm does not claim to keep.
        // Without `nomem` it is also a compiler barrier for memory.
        unsafe {
            core::arch::asm!("lock or dword ptr [rsp], 0", options(nostack));
        }
        #[cfg(not(all(not(loom), target_arch = "x86_64")))]
        fence(Ordering::SeqCst);
    }

    /// The writer's half: a full barrier on every running thread.
    pub(super) fn heavy(asymmetric: bool) {
        #[cfg(not(loom))]
        if asymmetric {
            membarrier::expedited();
            return;
        }
        let _ = asymmetric;
        fence(Ordering::SeqCst);
    }

    #[cfg(all(not(loom), target_os = "linux"))]
    mod membarrier {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

        // From linux/membarrier.h.
        const CMD_QUERY: libc::c_long = 0;
        const CMD_GLOBAL: libc::c_long = 1;
        const CMD_PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
        const CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

        /// Whether the kernel offers `MEMBARRIER_CMD_GLOBAL`, the slow
        /// barrier that allocates nothing.
        static GLOBAL: AtomicBool = AtomicBool::new(false);

        /// Expedited calls still to refuse with `ENOMEM`, from
        /// `SYNC_MAP_MEMBARRIER_FAULTS` when the mode is decided: a fault
        /// injection knob, so the fallback can be tested.
        static FAULTS: AtomicUsize = AtomicUsize::new(0);

        fn call(cmd: libc::c_long) -> libc::c_long {
            // SAFETY: membarrier(2) takes two integer arguments and touches
            // no memory of ours; an unknown command fails with EINVAL.
            unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0 as libc::c_long) }
        }

        /// Registers the process for expedited membarriers; `false` if the
        /// kernel (or a sandbox) does not offer them.
        pub(super) fn register() -> bool {
            let supported = call(CMD_QUERY);
            let needed = CMD_PRIVATE_EXPEDITED | CMD_REGISTER_PRIVATE_EXPEDITED;
            GLOBAL.store(
                supported >= 0 && supported & CMD_GLOBAL != 0,
                Ordering::Relaxed,
            );
            if let Some(faults) = std::env::var_os("SYNC_MAP_MEMBARRIER_FAULTS") {
                let faults = faults.to_str().and_then(|f| f.parse().ok()).unwrap_or(0);
                FAULTS.store(faults, Ordering::Relaxed);
            }
            supported >= 0
                && supported & needed == needed
                && call(CMD_REGISTER_PRIVATE_EXPEDITED) == 0
        }

        fn expedited_once() -> Result<(), std::io::Error> {
            let injected = FAULTS
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok();
            if injected {
                return Err(std::io::Error::from_raw_os_error(libc::ENOMEM));
            }
            if call(CMD_PRIVATE_EXPEDITED) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        }

        /// A full barrier on every running thread of the process.
        ///
        /// Readers that registered in this mode run no fence of their own,
        /// so a writer cannot replace this barrier by a fence of its own:
        /// a failed call is retried (a signal), replaced by the global
        /// membarrier, which needs no memory (the kernel's `ENOMEM` is a
        /// failed allocation of a CPU mask), or retried after a pause
        /// until the kernel has the memory again. It never gives up.
        pub(super) fn expedited() {
            let mut pause = std::time::Duration::from_micros(1);
            loop {
                match expedited_once() {
                    Ok(()) => return,
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => {
                        if GLOBAL.load(Ordering::Relaxed) && call(CMD_GLOBAL) == 0 {
                            return;
                        }
                        std::thread::sleep(pause);
                        pause = (pause * 2).min(std::time::Duration::from_millis(10));
                    }
                }
            }
        }
    }

    #[cfg(all(not(loom), not(target_os = "linux")))]
    mod membarrier {
        pub(super) fn register() -> bool {
            false
        }

        pub(super) fn expedited() {
            unreachable!("never registered")
        }
    }
}
