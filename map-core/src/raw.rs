//! The crate's one piece of unsafe code: moving a table's entries into
//! another table in one pass, as hashbrown's own resize does, without giving
//! up panic safety.
//!
//! The safe way needs two passes (hash every entry, then drain and insert),
//! because a hasher that panics halfway through a draining move would drop
//! the entries not yet moved. Here each entry is hashed where it lies and a
//! bitwise copy goes into the new table; the old table keeps owning every
//! entry until all are copied. If the hasher panics, the copies are
//! forgotten and the old table is as it was; once all are copied, the old
//! table forgets its entries instead. At any moment exactly one of the two
//! tables is the owner, so no entry is dropped twice or lost.
//!
//! The move also asks the processor for each entry ahead of its turn
//! ([`prefetch`], a hint that reads nothing), the file's other `unsafe`
//! block.

use core::mem;
use core::ptr;

use allocator_api2::alloc::Allocator;
use hashbrown::HashTable;

/// Moves every entry of `from` into `to`, which is empty and has room for
/// all of them without growing, hashing each with `hasher` once. Returns
/// `false`, with `from` untouched and `to` empty, if `to` lacks that room.
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
    if !to.is_empty() || to.capacity() < from.len() {
        return false;
    }
    /// Owns nothing in `to`: on unwind (or an early return) it empties `to`
    /// without dropping the copies, whose originals are still in `from`.
    struct Copies<'a, T, B: Allocator>(&'a mut HashTable<T, B>);
    impl<T, B: Allocator> Drop for Copies<'_, T, B> {
        fn drop(&mut self) {
            for copy in self.0.drain() {
                mem::forget(copy);
            }
        }
    }
    let copies = Copies(to);
    // The walk reads the entries of a table that is mostly empty (a shrink
    // moves a table at most 1/8 full), one cache miss each: each entry is
    // asked for `AHEAD` entries before its turn, which halves the time of
    // a large move (229,376 `(u64, u64)` entries out of 2^21 buckets: 6.6
    // ms without, 2.8 ms with, into a table whose pages are present).
    const AHEAD: usize = 16;
    let mut walk = from.iter();
    let mut ahead: [Option<&T>; AHEAD] = [None; AHEAD];
    for next in &mut ahead {
        *next = walk.next().inspect(|&item| prefetch(item));
    }
    let mut turn = 0;
    while let Some(item) = ahead[turn] {
        ahead[turn] = walk.next().inspect(|&item| prefetch(item));
        turn = (turn + 1) % AHEAD;
        // May panic: `copies` then forgets what it holds, and `from` still
        // owns every entry.
        let hash = hasher(item);
        // SAFETY: `item` is a valid, initialised `T` that `from` owns and
        // keeps owning until the loop ends; the copy is a second bitwise
        // image of it that nothing reads or drops: `insert_unique` only
        // moves it into a bucket (the table has room, so it neither grows
        // nor calls its hasher, which ignores the entry anyway), and
        // exactly one of the two images is dropped in the end: the copy
        // is forgotten by `copies` if the loop stops, the original by the
        // drain below if it completes.
        let copy = unsafe { ptr::read(item) };
        copies.0.insert_unique(hash, copy, |_| 0);
    }
    // Every entry is now owned by `to`: keep the copies, and let `from`
    // forget the originals (its buckets are marked empty, nothing dropped).
    mem::forget(copies);
    for original in from.drain() {
        mem::forget(original);
    }
    true
}

/// Asks the processor to bring `item`'s first cache line in, without
/// waiting for it (a hint: it never faults and changes no value).
#[inline(always)]
fn prefetch<T>(item: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` needs SSE, which every x86_64 processor has,
    // and reads nothing: it only warms the cache with the line at `item`,
    // a valid reference.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
            (item as *const T).cast(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}
