//! Handles: a slot number plus the stamp of the entry that was put there,
//! and the process-wide supply of stamps that makes each one unique.

use core::fmt;
use core::num::NonZeroU64;
use core::sync::atomic::{AtomicU64, Ordering};

/// A direct reference to one entry of a [`PooledMap`](crate::PooledMap):
/// the entry's slot in the pool and the stamp it was given when its first
/// handle was handed out.
///
/// Looking an entry up by handle costs a bounds check and a comparison, no
/// hashing. An entry's stamp is one no other entry of any map in the
/// process has had, so a handle matches its own entry and
/// nothing else: once the entry is gone, or has moved, the handle answers
/// `None`, even after its slot has been reused. See the
/// [crate docs](crate#handles) for exactly when a handle goes stale.
///
/// `Handle` is 16 bytes, `Copy`, and `Option<Handle>` is the same size.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle {
    pub(crate) stamp: NonZeroU64,
    pub(crate) slot: u32,
}

impl Handle {
    /// The pool slot the entry occupied when the handle was made.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// let (a, _) = map.insert_with_handle("a", 1);
    /// let (b, _) = map.insert_with_handle("b", 2);
    /// assert_ne!(a.slot(), b.slot());
    /// map.remove_by_handle(a);
    /// let (c, _) = map.insert_with_handle("c", 3);
    /// assert_eq!(c.slot(), a.slot(), "the vacant slot is reused");
    /// assert_ne!(c, a, "but the handle is new");
    /// ```
    pub fn slot(&self) -> usize {
        self.slot as usize
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle({}#{})", self.slot, self.stamp)
    }
}

/// Stamps are handed out in blocks, so that taking one costs a counter
/// increment and the process-wide atomic is touched once per block.
#[cfg(feature = "std")]
const BLOCK: u64 = 1 << 16;

/// The next unclaimed block. Starts at 1 so that every stamp is non-zero.
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

/// A block of stamps: the next one to hand out and the end of the block.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug)]
struct Block {
    next: u64,
    end: u64,
}

#[cfg(feature = "std")]
impl Block {
    const fn new() -> Self {
        Self { next: 0, end: 0 }
    }

    /// A stamp never handed out before in this process.
    #[inline]
    fn take(&mut self) -> NonZeroU64 {
        if self.next == self.end {
            self.refill();
        }
        let stamp = self.next;
        self.next += 1;
        NonZeroU64::new(stamp).expect("stamps start at 1")
    }

    #[cold]
    #[inline(never)]
    fn refill(&mut self) {
        let start = NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed);
        // 2^48 blocks: unreachable in practice, but never wrap silently.
        assert!(start <= u64::MAX - 2 * BLOCK, "handle stamps exhausted");
        self.next = start;
        self.end = start + BLOCK;
    }
}

#[cfg(feature = "std")]
std::thread_local! {
    /// The calling thread's block: taking a stamp touches no shared memory.
    static BLOCK_OF_THREAD: core::cell::Cell<Block> = const { core::cell::Cell::new(Block::new()) };
}

/// A stamp that no entry of any map in the process has had before.
///
/// Entries take theirs when their first handle is handed out, not when
/// they are inserted, so an insert that never asks for a handle pays
/// nothing for them. With `std`, each thread draws from a block of its
/// own; without it, from the process-wide counter directly.
#[inline]
pub(crate) fn fresh() -> NonZeroU64 {
    #[cfg(feature = "std")]
    {
        BLOCK_OF_THREAD.with(|cell| {
            let mut block = cell.get();
            let stamp = block.take();
            cell.set(block);
            stamp
        })
    }
    #[cfg(not(feature = "std"))]
    {
        let stamp = NEXT_BLOCK.fetch_add(1, Ordering::Relaxed);
        assert!(stamp < u64::MAX, "handle stamps exhausted");
        NonZeroU64::new(stamp).expect("stamps start at 1")
    }
}
