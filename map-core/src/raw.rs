//! The crate's one piece of unsafe code: moving a table's entries without
//! drop glue into another table in one pass, as hashbrown's own resize
//! does, without giving up panic safety.
//!
//! The safe way needs two passes (hash every entry, then drain and insert),
//! because a hasher that panics halfway through a draining move would drop
//! the entries not yet moved. Here each entry is hashed where it lies and a
//! bitwise copy goes into the new table; the old table keeps owning every
//! entry until all are copied. If the hasher panics, the new table is
//! cleared and the old one is as it was; once all are copied, the old table
//! is cleared instead. For entries without drop glue, clearing a table reads
//! none of them, so each entry's two images exist only as bits until one is
//! discarded unread: no value is moved or dropped twice. (Entries with drop
//! glue take the two passes, `toolkit::table`'s `move_planned`: discarding
//! their originals would mean reading each one out by value, a second owner
//! of whatever the entry owns.)
//!
//! The move also asks the processor for each entry, and for the bucket it
//! goes to, ahead of their turn ([`prefetch_at`], a hint that reads
//! nothing), the file's other `unsafe` block.
//!
//! [`Refuse`], an allocator that refuses everything, lets a table report
//! the layout it would allocate without allocating it
//! (`toolkit::table::layout_for`); implementing `Allocator` is `unsafe`.

use core::alloc::Layout;
use core::mem;
use core::ptr::{self, NonNull};

use allocator_api2::alloc::{AllocError, Allocator};
use hashbrown::HashTable;

/// An allocator that refuses everything: asking a table to reserve through
/// it reports, in the error, the exact layout the table would allocate.
#[derive(Clone, Copy)]
pub(crate) struct Refuse;

// SAFETY: `allocate` never returns memory, so there is never a block to
// free, keep valid, or share between clones.
unsafe impl Allocator for Refuse {
    fn allocate(&self, _layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        Err(AllocError)
    }

    unsafe fn deallocate(&self, _ptr: NonNull<u8>, _layout: Layout) {}
}

/// Moves every entry of `from` into `to`, which is empty and has room for
/// all of them without growing, hashing each with `hasher` once. Returns
/// `false`, with `from` untouched and `to` empty, if `to` lacks that room or
/// `T` has drop glue (which this move does not take).
///
/// If `hasher` panics, the panic propagates with `from` untouched and `to`
/// empty.
pub(crate) fn move_all<T, A, B>(
    from: &mut HashTable<T, A>,
    to: &mut HashTable<T, B>,
    hasher: impl Fn(&T) -> u64,
) -> bool
where
    A: Allocator,
    B: Allocator,
{
    if mem::needs_drop::<T>() || !to.is_empty() || to.capacity() < from.len() {
        return false;
    }
    /// Owns nothing in `to`: on unwind (or an early return) it empties `to`
    /// without reading the copies, whose originals are still in `from`.
    struct Copies<'a, T, B: Allocator>(&'a mut HashTable<T, B>);
    impl<T, B: Allocator> Drop for Copies<'_, T, B> {
        fn drop(&mut self) {
            // `T` has no drop glue: this marks the buckets empty and reads
            // no entry.
            self.0.clear();
        }
    }
    let copies = Copies(to);
    // Two kinds of cache miss slow a large move, and both are asked for
    // ahead of their turn. The walk reads the entries of a table that is
    // mostly empty (a shrink moves a table at most 1/8 full), one miss
    // each: each entry is asked for `AHEAD` entries before its turn. The
    // inserts land at random places in the new table, another miss each:
    // each entry is hashed `NEAR` entries before its insert and its home
    // bucket asked for then. Moving 229,376 `(u64, u64)` entries out of
    // 2^21 buckets (`try_move`, the new table's pages included): 8.1-9.7 ms
    // with the first, 6.5-7.6 ms with both.
    const AHEAD: usize = 16;
    const NEAR: usize = 8;
    let mut walk = from.iter();
    let mut ahead: [Option<&T>; AHEAD] = [None; AHEAD];
    for next in &mut ahead {
        *next = walk.next().inspect(|&item| prefetch(item));
    }
    let mut near: [Option<(u64, &T)>; NEAR] = [None; NEAR];
    let mut homes = Homes::new(copies.0);
    let (mut turn, mut slot, mut left) = (0, 0, from.len());
    while left > 0 {
        // May panic: `copies` then forgets what it holds, and `from` still
        // owns every entry.
        let hashed = ahead[turn].map(|item| (hasher(item), item));
        ahead[turn] = walk.next().inspect(|&item| prefetch(item));
        turn = (turn + 1) % AHEAD;
        if let Some((hash, _)) = hashed {
            homes.prefetch(hash);
        }
        let due = mem::replace(&mut near[slot], hashed);
        slot = (slot + 1) % NEAR;
        let Some((hash, item)) = due else {
            continue;
        };
        left -= 1;
        // SAFETY: `item` is a valid, initialised `T` that `from` owns and
        // keeps owning until the loop ends; the copy is a second bitwise
        // image of it: `insert_unique` only moves it into a bucket (the
        // table has room, so it neither grows nor calls its hasher, which
        // ignores the entry anyway). Exactly one image is ever used again,
        // and the other is discarded without being read or dropped: `T`
        // has no drop glue (tested above), so `clear` only marks buckets
        // empty; `copies` clears `to` if the loop stops, and `from` is
        // cleared below once it completes.
        let copy = unsafe { ptr::read(item) };
        let bucket = copies.0.insert_unique(hash, copy, |_| 0).bucket_index();
        if homes.ctrl.is_null() {
            homes.learn(copies.0, bucket);
        }
    }
    // Every entry is now in `to`: keep the copies, and let `from` discard
    // the originals (its buckets are marked empty, no entry read).
    mem::forget(copies);
    from.clear();
    true
}

/// Where a hash's home bucket lies in a table: hashbrown keeps a table's
/// control bytes in one array, and its buckets just below it, in reverse
/// order. Learned from the address of one bucket; used only to ask for cache
/// lines (a wrong address would cost a useless fetch, nothing more).
struct Homes {
    mask: usize,
    size: usize,
    // Null until learned.
    ctrl: *const u8,
}

impl Homes {
    fn new<T, B: Allocator>(table: &HashTable<T, B>) -> Self {
        Self {
            mask: table.num_buckets().wrapping_sub(1),
            size: mem::size_of::<T>(),
            ctrl: ptr::null(),
        }
    }

    /// Learns the control bytes' address from where `bucket` of `table` is.
    fn learn<T, B: Allocator>(&mut self, table: &HashTable<T, B>, bucket: usize) {
        if let Some(item) = table.get_bucket(bucket) {
            let at: *const u8 = (item as *const T).cast();
            self.ctrl = at.wrapping_add((bucket + 1).wrapping_mul(self.size));
        }
    }

    /// Asks for the control bytes and the bucket where `hash` probes first,
    /// once their place is known.
    #[inline(always)]
    fn prefetch(&self, hash: u64) {
        if self.ctrl.is_null() {
            return;
        }
        let home = hash as usize & self.mask;
        prefetch_at(self.ctrl.wrapping_add(home));
        prefetch_at(self.ctrl.wrapping_sub((home + 1).wrapping_mul(self.size)));
    }
}

/// Asks the processor to bring `item`'s first cache line in, without
/// waiting for it (a hint: it never faults and changes no value).
#[inline(always)]
fn prefetch<T>(item: &T) {
    prefetch_at((item as *const T).cast());
}

/// Asks the processor for the cache line at `at`, which may be any
/// address: the hint reads nothing and never faults.
#[inline(always)]
fn prefetch_at(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` needs SSE, which every x86_64 processor has,
    // and neither reads nor writes memory: it only warms the cache with the
    // line at `at`, and an address that is not mapped is ignored.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}
