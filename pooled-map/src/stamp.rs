//! Handles: a slot number plus the stamp of the entry that was put there,
//! and the process-wide supply of stamps that makes each one unique.

use core::fmt;
use core::num::NonZeroU64;
use core::sync::atomic::{AtomicU64, Ordering};

/// A direct reference to one entry of a [`PooledMap`](crate::PooledMap):
/// the entry's slot in the pool and the stamp it was given when inserted.
///
/// Looking an entry up by handle costs a bounds check and a comparison, no
/// hashing. Every insert of a new key takes a stamp no other entry of any
/// map in the process has had, so a handle matches its own entry and
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

/// Stamps are handed out to maps in blocks, so an insert pays a counter
/// increment and the process-wide atomic is touched once per block.
const BLOCK: u64 = 1 << 16;

/// The next unclaimed block. Starts at 1 so that every stamp is non-zero.
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

/// A map's supply of unique stamps. Deliberately not `Clone`: two maps
/// drawing from one block would hand out the same stamps.
#[derive(Debug)]
pub(crate) struct Stamps {
    next: u64,
    end: u64,
}

impl Stamps {
    /// An empty supply: the first [`take`](Self::take) claims a block.
    pub(crate) const fn new() -> Self {
        Self { next: 0, end: 0 }
    }

    /// A stamp never handed out before in this process.
    #[inline]
    pub(crate) fn take(&mut self) -> NonZeroU64 {
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
