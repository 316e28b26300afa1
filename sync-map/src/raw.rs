//! The unsafe core: a left-right pair of copies of one value, the index of
//! the copy readers use, and per-thread reader slots. Every `unsafe` block
//! of the crate is in this file; `lib.rs` builds the map on the safe
//! interface below and knows nothing of the protocol.
//!
//! # The protocol
//!
//! * Readers read `copies[front]` and nothing else. A reader first marks its
//!   own slot active (`epoch` odd, a store to a cache line no other thread
//!   writes), then runs the light half of an asymmetric fence, loads `front`,
//!   reads, and marks the slot idle (`epoch` even, a `Release` store). No
//!   lock, no shared counter, and (where the heavy half is available) no
//!   fence instruction: two plain stores.
//! * Writers serialise on `writer`. The copy that is not `front` (the back
//!   copy) has no readers, so a writer changes it freely, then publishes it
//!   by storing its index in `front`, runs the heavy half of the fence,
//!   waits for every slot that it sees active to change its epoch, and then
//!   applies the same change to the old front copy, which now has no
//!   readers either.
//!   Both copies are equal again when the write returns, so the next write
//!   starts without waiting, and a value removed by the write has been
//!   dropped from both copies before it returns.
//! * The two halves of the fence act as a pair of `SeqCst` fences between
//!   the reader's store to its slot and its load of `front`, and between the
//!   writer's store to `front` and its scan of the slots: either the scan
//!   sees the reader active (and waits), or the reader's load of `front`
//!   sees the new index (and never touches the old copy).
//! * Both stores to a slot are `Release`: a writer that reads the entry
//!   store of a later section must know that the earlier section's reads
//!   are over, and under the C++20 model a plain store does not continue
//!   the exit store's release sequence (loom found this).
//!
//! # The asymmetric fence
//!
//! On Linux the heavy half is `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`,
//! which makes every running thread of the process execute a full barrier;
//! the light half is then only a compiler fence. Where membarrier is
//! missing both halves are `fence(SeqCst)` (one fence per read). Under loom
//! both are `fence(SeqCst)`, the standard model of the pair.

use core::marker::PhantomData;

use crate::sync::{
    backoff, lock, Arc, AtomicBool, AtomicUsize, Mutex, MutexGuard, Ordering, UnsafeCell,
};

/// One thread's reader state for one pair of copies. Aligned so that no
/// two slots share a cache line (nor an adjacent-line prefetch pair).
#[repr(align(128))]
#[derive(Debug, Default)]
pub(crate) struct Slot {
    /// Odd while the owning thread is inside a read section.
    epoch: AtomicUsize,
    /// The owning thread exited: the registry may forget the slot.
    thread_gone: AtomicBool,
    /// The copies were dropped: the thread may forget the slot.
    map_gone: AtomicBool,
    /// Who still uses the slot on its thread: the thread's registry entry
    /// and each live [`Reader`]. The last to go sets `thread_gone`. Only the
    /// owning thread touches it, so it is bookkeeping, not protocol (a std
    /// atomic even under loom).
    holders: std::sync::atomic::AtomicUsize,
}

impl Slot {
    fn hold(&self) {
        self.holders
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Drops one holder; the last one tells the registry the slot will
    /// never be active again.
    fn release(&self) {
        if self
            .holders
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed)
            == 1
        {
            self.thread_gone.store(true, Ordering::Release);
        }
    }
}

/// Bytes one registered slot costs (the `Arc` allocation holding it).
pub(crate) const SLOT_BYTES: usize = {
    let header = 2 * core::mem::size_of::<usize>();
    let align = core::mem::align_of::<Slot>();
    let data = header.div_ceil(align) * align;
    data + core::mem::size_of::<Slot>()
};

/// Which copy an operation is applied to, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pass {
    /// The back copy, before it is published. Give it clones.
    First,
    /// The old front copy, once its readers have left. Give it the
    /// originals, and hand what it gives back to the caller.
    Second,
}

struct Writer {
    /// Both copies hold the same contents. False while a write is in flight,
    /// and after a write that a panic interrupted: the next writer then
    /// rebuilds the back copy from the front one.
    in_sync: bool,
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

/// What every read loads: written once, then only `front` by writers.
struct ReadSide {
    front: AtomicUsize,
    id: u64,
    /// Whether the writer's half of the fence is membarrier (decided once
    /// per process; kept here so a read loads no other line).
    asymmetric: bool,
}

/// Two copies of a `T`, published left-right.
pub(crate) struct LeftRight<T> {
    // Each copy on lines of its own: the writer changing the back copy's
    // table header must not evict the front copy's from readers' caches.
    copies: [Padded<UnsafeCell<T>>; 2],
    read_side: Padded<ReadSide>,
    writer: Mutex<Writer>,
    slots: Mutex<Registry>,
}

/// The reader slots of one pair, and what pruning them gave back.
#[derive(Default)]
struct Registry {
    slots: Vec<Arc<Slot>>,
    released_bytes: usize,
}

impl Registry {
    fn bytes(&self) -> usize {
        self.slots.len() * SLOT_BYTES + self.slots.capacity() * core::mem::size_of::<Arc<Slot>>()
    }
}

// SAFETY: the copies are reached from other threads only by shared
// reference (readers, and writers reading the front copy), which needs
// `T: Sync`, and mutably only by the one writer holding `writer`, which can
// be any thread, which needs `T: Send`. Everything else is atomics and locks.
unsafe impl<T: Send + Sync> Sync for LeftRight<T> {}
// SAFETY: moving the pair moves the two `T`s.
unsafe impl<T: Send> Send for LeftRight<T> {}

fn next_id() -> u64 {
    // Identity only, never reused; not part of the modelled protocol, so a
    // std atomic even under loom.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl<T> LeftRight<T> {
    /// A pair of two equal copies.
    pub(crate) fn new(a: T, b: T) -> Self {
        let asymmetric = barrier::init();
        Self {
            copies: [Padded(UnsafeCell::new(a)), Padded(UnsafeCell::new(b))],
            read_side: Padded(ReadSide {
                front: AtomicUsize::new(0),
                id: next_id(),
                asymmetric,
            }),
            writer: Mutex::new(Writer { in_sync: true }),
            slots: Mutex::new(Registry::default()),
        }
    }

    /// Runs `f` on the front copy, inside a read section: no lock, and two
    /// stores to this thread's own slot.
    #[inline(always)]
    pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        // The fast path: this thread read this pair last, and the fence is
        // asymmetric (the cache is only filled then), so the reader's half
        // is a compiler fence: no flag to test.
        #[cfg(not(loom))]
        if let Some(slot) = local::cached(self) {
            // SAFETY: the slot is kept alive by this thread's registry
            // (`local::Local`), which is only dropped when the thread exits,
            // never while this call runs on it.
            return self.read_with(unsafe { &*slot }, true, f);
        }
        self.read_slow(f)
    }

    #[inline(never)]
    fn read_slow<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        match local::slot(self) {
            // SAFETY: as in `read`.
            Some(slot) => self.read_with(unsafe { &*slot }, self.read_side.asymmetric, f),
            None => self.read_locked(f),
        }
    }

    /// A reader for this thread that keeps its slot at hand, so its reads
    /// skip the thread-local lookup.
    pub(crate) fn reader(&self) -> Reader<'_, T> {
        let slot = local::holder(self).unwrap_or_else(|| {
            // The thread-locals are gone (a reader made in another
            // thread-local's destructor): a slot of the reader's own, let go
            // when it drops.
            let slot = self.register();
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

    #[inline(always)]
    fn read_with<R>(&self, slot: &Slot, asymmetric: bool, f: impl FnOnce(&T) -> R) -> R {
        let section = Section::enter(slot, asymmetric);
        let front = self.read_side.front.load(Ordering::Acquire) & 1;
        let result = self.copies[front].with(|copy| {
            // SAFETY: `front` was loaded after the slot was marked active,
            // so the writer will not mutate this copy until the section
            // ends (see the module docs); shared references only.
            f(unsafe { &*copy })
        });
        drop(section);
        result
    }

    /// The read path for a thread whose thread-locals are already gone (a
    /// read from another thread-local's destructor): under the writer lock
    /// neither copy changes.
    #[cold]
    fn read_locked<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let _writer = lock(&self.writer);
        let front = self.read_side.front.load(Ordering::Relaxed);
        // SAFETY: copies are only mutated by the holder of `writer`.
        self.copies[front].with(|copy| f(unsafe { &*copy }))
    }

    /// Takes the writer lock. Panics if this thread is inside a read
    /// section of this pair (the write would wait for itself).
    pub(crate) fn lock(&self) -> WriteGuard<'_, T> {
        if local::is_reading(self) {
            reentrant_write();
        }
        let guard = lock(&self.writer);
        WriteGuard {
            pair: self,
            guard,
            _not_send: PhantomData,
        }
    }

    /// Waits until no reader can still be inside the copy that is not
    /// `front`.
    fn wait_for_readers(&self) {
        barrier::heavy(self.read_side.asymmetric);
        let mut registry = lock(&self.slots);
        for slot in registry.slots.iter() {
            let epoch = slot.epoch.load(Ordering::Acquire);
            if epoch & 1 == 1 {
                let mut step = 0;
                while slot.epoch.load(Ordering::Acquire) == epoch {
                    backoff(&mut step);
                }
            }
        }
        // Slots of threads that exited are never active again.
        registry
            .slots
            .retain(|slot| !slot.thread_gone.load(Ordering::Acquire));
    }

    /// Forgets the slots of exited threads and trims the registry; returns
    /// the bytes released.
    pub(crate) fn prune_slots(&self) -> usize {
        let mut registry = lock(&self.slots);
        let before = registry.bytes();
        registry
            .slots
            .retain(|slot| !slot.thread_gone.load(Ordering::Acquire));
        registry.slots.shrink_to_fit();
        let released = before.saturating_sub(registry.bytes());
        registry.released_bytes += released;
        released
    }

    /// Bytes the reader registry holds (the slots and the list of them),
    /// and the bytes pruning it has given back so far.
    pub(crate) fn registry_bytes(&self) -> (usize, usize) {
        let registry = lock(&self.slots);
        (registry.bytes(), registry.released_bytes)
    }

    fn register(&self) -> Arc<Slot> {
        let slot = Arc::new(Slot::default());
        lock(&self.slots).slots.push(Arc::clone(&slot));
        slot
    }
}

impl<T> Drop for LeftRight<T> {
    fn drop(&mut self) {
        for slot in lock(&self.slots).slots.iter() {
            slot.map_gone.store(true, Ordering::Release);
        }
    }
}

#[cold]
#[inline(never)]
fn reentrant_write() -> ! {
    panic!("SyncMap written from inside one of its own read sections (a get_with or for_each closure, or a Hash, Eq or Clone called by a read); the write would wait for itself")
}

/// One thread's reader of one pair, holding the thread's slot: reads
/// through it skip the thread-local lookup. Not `Send`: the slot is the
/// creating thread's.
pub(crate) struct Reader<'a, T> {
    pair: &'a LeftRight<T>,
    slot: Arc<Slot>,
    asymmetric: bool,
    _not_send: PhantomData<*const ()>,
}

impl<T> Reader<'_, T> {
    /// Runs `f` on the front copy, inside a read section, as
    /// [`LeftRight::read`] does.
    #[inline(always)]
    pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        // One branch, then a path with the fence kind fixed.
        if self.asymmetric {
            self.pair.read_with(&self.slot, true, f)
        } else {
            self.pair.read_with(&self.slot, false, f)
        }
    }
}

impl<T> Drop for Reader<'_, T> {
    fn drop(&mut self) {
        self.slot.release();
    }
}

/// A read section: marks the slot active on entry, idle on drop (also when
/// the reader's closure panics). Nested sections of one thread on one pair
/// leave the marking to the outermost.
struct Section<'a> {
    slot: &'a Slot,
    /// The epoch to store on exit: the next even one, or for a nested
    /// section the current odd one.
    exit: usize,
}

impl<'a> Section<'a> {
    #[inline(always)]
    fn enter(slot: &'a Slot, asymmetric: bool) -> Self {
        // Only this thread writes its slot: a relaxed load sees its own
        // last store.
        let epoch = slot.epoch.load(Ordering::Relaxed);
        if epoch & 1 == 1 {
            // Nested: the outermost section owns the marking; storing the
            // same odd value back on exit changes nothing.
            return Section { slot, exit: epoch };
        }
        // Release, not Relaxed: a writer that sees this epoch must also see
        // that the previous section's reads are over (a plain store does
        // not extend the exit store's release sequence).
        slot.epoch.store(epoch.wrapping_add(1), Ordering::Release);
        barrier::light(asymmetric);
        Section {
            slot,
            exit: epoch.wrapping_add(2),
        }
    }
}

impl Drop for Section<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // Unconditional: one store, no branch on the read path.
        self.slot.epoch.store(self.exit, Ordering::Release);
    }
}

/// Exclusive write access: both copies are stable while it lives.
pub(crate) struct WriteGuard<'a, T> {
    pair: &'a LeftRight<T>,
    guard: MutexGuard<'a, Writer>,
    // The slot checks are per thread.
    _not_send: PhantomData<*const ()>,
}

impl<T: Clone> WriteGuard<'_, T> {
    fn front(&self) -> usize {
        // Only the holder of the writer lock stores `front`.
        self.pair.read_side.front.load(Ordering::Relaxed)
    }

    /// Runs `f` on the current contents (the front copy; no writer can
    /// change either copy while the guard lives).
    pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let front = self.front();
        // SAFETY: copies are mutated only by the holder of the writer lock,
        // which is this guard; readers hold shared references too.
        self.pair.copies[front].with(|copy| f(unsafe { &*copy }))
    }

    /// Runs `f` on both copies (front first).
    pub(crate) fn read_both<R>(&self, f: impl FnOnce(&T, &T) -> R) -> R {
        let front = self.front();
        // SAFETY: as in `read`: nothing mutates either copy while the writer
        // lock is held by this guard.
        self.pair.copies[front]
            .with(|a| self.pair.copies[front ^ 1].with(|b| f(unsafe { &*a }, unsafe { &*b })))
    }

    /// Applies `op` to both copies: to the back copy ([`Pass::First`]),
    /// which is then published; then, once no reader can be inside the old
    /// front copy, to that one ([`Pass::Second`]). Returns what the second
    /// pass returned; the first pass's result is dropped before that.
    ///
    /// `op` must change both copies the same way.
    pub(crate) fn apply<R>(&mut self, mut op: impl FnMut(&mut T, Pass) -> R) -> R {
        let front = self.front();
        let back = front ^ 1;
        if !self.guard.in_sync {
            self.resync(front, back);
        }
        self.guard.in_sync = false;
        let first = self.pair.copies[back].with_mut(|copy| {
            // SAFETY: no reader enters the back copy (it is not `front`, and
            // every reader that saw it as `front` left before the previous
            // write touched it), and we hold the writer lock.
            op(unsafe { &mut *copy }, Pass::First)
        });
        drop(first);
        self.pair.read_side.front.store(back, Ordering::Release);
        self.pair.wait_for_readers();
        let second = self.pair.copies[front].with_mut(|copy| {
            // SAFETY: `front` now names the other copy, and every reader
            // that could have loaded the old index has left its section.
            op(unsafe { &mut *copy }, Pass::Second)
        });
        self.guard.in_sync = true;
        second
    }

    /// Rebuilds the back copy from the front one after a write that a panic
    /// interrupted.
    #[cold]
    fn resync(&mut self, front: usize, back: usize) {
        // SAFETY: shared access to the front copy, as readers have.
        let fresh = self.pair.copies[front].with(|copy| unsafe { &*copy }.clone());
        self.pair.copies[back].with_mut(|copy| {
            // SAFETY: the back copy has no readers, and we hold the lock.
            unsafe { *copy = fresh };
        });
        self.guard.in_sync = true;
    }
}

/// Each thread's slots, one per pair it has read, found through a one-entry
/// cache on the fast path.
mod local {
    use core::cell::RefCell;

    use super::{LeftRight, Slot};
    use crate::sync::{Arc, Ordering};

    #[derive(Default)]
    pub(super) struct Local {
        entries: Vec<(u64, Arc<Slot>)>,
    }

    impl Local {
        fn find(&self, id: u64) -> Option<&Arc<Slot>> {
            self.entries.iter().find(|(e, _)| *e == id).map(|(_, s)| s)
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
    pub(super) fn cached<T>(pair: &LeftRight<T>) -> Option<*const Slot> {
        let (id, slot) = CACHE.with(core::cell::Cell::get);
        (id == pair.read_side.id).then_some(slot)
    }

    /// This thread's slot for `pair`, registering one on first use; `None`
    /// if the thread-locals are already destroyed.
    pub(super) fn slot<T>(pair: &LeftRight<T>) -> Option<*const Slot> {
        slot_slow(pair)
    }

    #[cold]
    #[inline(never)]
    fn slot_slow<T>(pair: &LeftRight<T>) -> Option<*const Slot> {
        LOCAL
            .try_with(|local| {
                let mut local = local.borrow_mut();
                let slot = match local.find(pair.read_side.id) {
                    Some(slot) => Arc::as_ptr(slot),
                    None => {
                        local
                            .entries
                            .retain(|(_, s)| !s.map_gone.load(Ordering::Acquire));
                        let slot = pair.register();
                        slot.hold();
                        let ptr = Arc::as_ptr(&slot);
                        local.entries.push((pair.read_side.id, slot));
                        ptr
                    }
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
    pub(super) fn holder<T>(pair: &LeftRight<T>) -> Option<Arc<Slot>> {
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
    pub(super) fn is_reading<T>(pair: &LeftRight<T>) -> bool {
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
        // From linux/membarrier.h.
        const CMD_QUERY: libc::c_long = 0;
        const CMD_PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
        const CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

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
            supported >= 0
                && supported & needed == needed
                && call(CMD_REGISTER_PRIVATE_EXPEDITED) == 0
        }

        pub(super) fn expedited() {
            // Registration succeeded, so this cannot fail with EPERM; the
            // call is retried if a signal interrupts it.
            while call(CMD_PRIVATE_EXPEDITED) != 0 {
                if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                    // Cannot happen after a successful registration; a full
                    // fence here would not be enough, so stop rather than
                    // let a writer race a reader.
                    std::process::abort();
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
