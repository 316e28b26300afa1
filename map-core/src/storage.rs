//! The reclamation protocol, written once: what a map does around each
//! operation so that the [`ReclaimPolicy`] is applied the same way whatever
//! holds the entries.
//!
//! A variant describes its storage through [`Storage`] (length, capacity,
//! bytes, and how to shrink, compact or clear it) and calls the
//! [`Reclaimer`]'s protocol methods at the right moments:
//!
//! | the map's operation | the protocol call |
//! |---|---|
//! | an entry left (`remove`, `retain`, entry removal) | [`Reclaimer::on_remove`] |
//! | an insert is about to add an entry | [`Reclaimer::on_insert`] |
//! | the storage is full and about to grow | [`Reclaimer::refill_target`] |
//! | `with_capacity`, `reserve`, `try_reserve` succeeded | [`Reclaimer::request_capacity`] |
//! | `set_policy` | [`Reclaimer::on_set_policy`] |
//! | `clear` | [`Reclaimer::on_clear_storage`] |
//! | `reclaim()`, `shrink_to_fit` | [`Reclaimer::reclaim_storage`] |
//! | `shrink_to(n)` | [`Reclaimer::shrink_storage_to`] |
//! | `memory()` | [`Reclaimer::stats`] |
//!
//! The decisions (when, how far, the floors, the hysteresis) are the
//! [`Reclaimer`]'s; the accounting in [`MemoryStats`](crate::MemoryStats) is
//! done here, so every variant reports the same way.
//!
//! # Example
//!
//! A storage that is a plain vector of entries:
//!
//! ```
//! use map_core::table::ShrinkError;
//! use map_core::{ReclaimPolicy, Reclaimer, Storage};
//!
//! struct Entries(Vec<(u64, u64)>);
//!
//! impl Storage for Entries {
//!     fn len(&self) -> usize { self.0.len() }
//!     fn capacity(&self) -> usize { self.0.capacity() }
//!     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
//!     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
//!         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
//!         self.0.shrink_to(capacity);
//!         Ok(())
//!     }
//!     fn clear_storage(&mut self, keep: bool) {
//!         self.0.clear();
//!         if !keep { self.0 = Vec::new(); }
//!     }
//! }
//!
//! let mut reclaimer = Reclaimer::new(ReclaimPolicy::default());
//! let mut entries = Entries((0..10_000).map(|i| (i, i)).collect());
//! while entries.0.len() > 10 {
//!     entries.0.pop();
//!     reclaimer.on_remove(&mut entries);
//! }
//! assert!(entries.capacity() < 100);
//! assert!(reclaimer.stats(entries.allocated_bytes()).reclaims >= 1);
//! ```

use crate::policy::{ClearAction, ReclaimPolicy, Reclaimer};
use crate::table::ShrinkError;

/// What a map's storage tells the reclamation protocol, and how the protocol
/// shrinks it. Capacities are in entries.
pub trait Storage {
    /// Entries held.
    fn len(&self) -> usize;

    /// Whether the storage holds no entries.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries the storage holds before it must grow (for a hash table, its
    /// capacity without tombstones).
    fn capacity(&self) -> usize;

    /// A number that changes whenever [`capacity`](Self::capacity) does
    /// (by default the capacity itself; a hash table may give its bucket
    /// count, cheaper to read). [`Reclaimer::may_shrink`] caches its
    /// thresholds against it.
    fn size_key(&self) -> usize {
        self.capacity()
    }

    /// Bytes the storage holds from its allocator right now.
    fn allocated_bytes(&self) -> usize;

    /// Bytes the storage holds that neither live entries use nor later
    /// inserts can reuse (an arena's dead keys), which only
    /// [`compact`](Self::compact) gives back. 0 for storages that reuse
    /// what they free.
    fn garbage_bytes(&self) -> usize {
        0
    }

    /// Bytes the live entries need, weighed against
    /// [`garbage_bytes`](Self::garbage_bytes) by the policy's
    /// `garbage_ratio`.
    fn live_bytes(&self) -> usize {
        self.allocated_bytes().saturating_sub(self.garbage_bytes())
    }

    /// Shrinks to room for at least `capacity` entries (never fewer than
    /// [`len`](Self::len)), giving memory back.
    ///
    /// # Errors
    ///
    /// [`ShrinkError`] when nothing would be gained or an allocation
    /// failed; the storage must then be as it was.
    fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError>;

    /// Gives back the garbage at the same capacity. The default has none.
    ///
    /// # Errors
    ///
    /// As [`shrink_to`](Self::shrink_to).
    fn compact(&mut self) -> Result<(), ShrinkError> {
        Err(ShrinkError::NoGain)
    }

    /// Drops every entry; `keep` says whether the storage stays allocated
    /// for a refill or goes back to the allocator.
    fn clear_storage(&mut self, keep: bool);
}

impl Reclaimer {
    /// Call after an entry left the storage: shrinks or compacts it if the
    /// policy says so. Two comparisons unless it may have become sparse.
    #[inline(always)]
    pub fn on_remove<St: Storage + ?Sized>(&mut self, storage: &mut St) {
        if self.may_shrink(storage.len(), storage.size_key()) {
            self.on_sparse_remove(storage, storage.len());
        }
        let garbage = storage.garbage_bytes();
        if garbage >= ReclaimPolicy::MIN_GARBAGE_BYTES {
            self.on_garbage(storage, garbage);
        }
    }

    /// The cold half of [`on_remove`](Self::on_remove), for a storage that
    /// holds, or is about to hold, `len_after` entries (a map may run it
    /// just before the entry comes out, so that a large value is not held
    /// across the shrink).
    #[cold]
    #[inline(never)]
    pub fn on_sparse_remove<St: Storage + ?Sized>(&mut self, storage: &mut St, len_after: usize) {
        if let Some(target) = self.after_remove(len_after, storage.capacity(), storage.size_key()) {
            if self.shrink_storage(storage, target) == 0 {
                // Nothing gained (no memory for the move, or entries that
                // must stay put): try again only once half the entries left,
                // so a storage that cannot shrink costs O(1) per removal.
                self.back_off(len_after);
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn on_garbage<St: Storage + ?Sized>(&mut self, storage: &mut St, garbage: usize) {
        if self.policy().should_compact(storage.live_bytes(), garbage) {
            self.account(storage, St::compact);
        }
    }

    /// Call before an insert adds an entry: catches up on a shrink that
    /// removals deferred. One flag test when nothing is pending.
    #[inline(always)]
    pub fn on_insert<St: Storage + ?Sized>(&mut self, storage: &mut St) {
        if let Some(target) = self.before_insert(storage.len(), storage.capacity()) {
            self.shrink_storage(storage, target);
        }
    }

    /// `set_policy`: replaces the policy, and a stricter one takes effect at
    /// once.
    pub fn on_set_policy<St: Storage + ?Sized>(&mut self, storage: &mut St, policy: ReclaimPolicy) {
        self.set_policy(policy);
        if let Some(target) = self.check_now(storage.len(), storage.capacity()) {
            self.shrink_storage(storage, target);
        }
    }

    /// `clear`: drops every entry, keeping the storage for a refill or
    /// giving it back as [`on_clear`](Self::on_clear) decides.
    pub fn on_clear_storage<St: Storage + ?Sized>(&mut self, storage: &mut St) {
        let action = self.on_clear(storage.len(), storage.capacity(), storage.allocated_bytes());
        let before = storage.allocated_bytes();
        storage.clear_storage(action == ClearAction::Keep);
        self.record_release(before, storage.allocated_bytes());
    }

    /// `reclaim()` and `shrink_to_fit`: drops the capacity floor and gives
    /// back everything the entries do not need (garbage included), whatever
    /// the policy. Returns the bytes released.
    pub fn reclaim_storage<St: Storage + ?Sized>(&mut self, storage: &mut St) -> usize {
        self.set_floor(0);
        let mut released = self.shrink_storage(storage, 0);
        if storage.garbage_bytes() > 0 {
            released += self.account(storage, St::compact);
        }
        released
    }

    /// `shrink_to(capacity)`: makes `capacity` the floor (lower or higher
    /// than before) and shrinks to it. Returns the bytes released.
    pub fn shrink_storage_to<St: Storage + ?Sized>(
        &mut self,
        storage: &mut St,
        capacity: usize,
    ) -> usize {
        self.set_floor(capacity);
        self.shrink_storage(storage, capacity)
    }

    /// Shrinks the storage to room for `target` entries where that gives
    /// memory back, and accounts for it. Returns the bytes released; 0 when
    /// the storage refused (nothing to gain, or no memory for the move).
    pub fn shrink_storage<St: Storage + ?Sized>(
        &mut self,
        storage: &mut St,
        target: usize,
    ) -> usize {
        self.account(storage, |s| s.shrink_to(target))
    }

    fn account<St: Storage + ?Sized>(
        &mut self,
        storage: &mut St,
        change: impl FnOnce(&mut St) -> Result<(), ShrinkError>,
    ) -> usize {
        let before = storage.allocated_bytes();
        if change(storage).is_err() {
            return 0;
        }
        let after = storage.allocated_bytes();
        if after < before {
            self.record_release(before, after);
        } else {
            self.observe(before);
        }
        before.saturating_sub(after)
    }
}
