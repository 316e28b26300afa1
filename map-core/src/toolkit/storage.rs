//! The [`Storage`] trait and the [`Reclaimer`]'s protocol methods over it
//! (documented in the [`toolkit`](super) module).

use super::ShrinkError;
use crate::policy::{ClearAction, ReclaimPolicy, Reclaimer};

/// What a map's storage tells the reclamation protocol, and how the protocol
/// shrinks it. Capacities are in entries.
pub trait Storage {
    /// Entries held.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut entries = Entries(vec![(1, 1), (2, 2)]);
    /// assert_eq!(entries.len(), 2);
    /// entries.0.pop();
    /// assert_eq!(entries.len(), 1);
    /// ```
    fn len(&self) -> usize;

    /// Whether the storage holds no entries.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut entries = Entries(vec![(1, 1)]);
    /// assert!(!entries.is_empty());
    /// entries.clear_storage(true);
    /// assert!(entries.is_empty(), "by default, len() == 0");
    /// ```
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries the storage holds before it must grow (for a hash table, its
    /// capacity without tombstones).
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut entries = Entries(Vec::with_capacity(1000));
    /// assert_eq!(entries.capacity(), 1000);
    /// entries.shrink_to(10)?;
    /// assert!(entries.capacity() < 1000);
    /// # Ok::<(), ShrinkError>(())
    /// ```
    fn capacity(&self) -> usize;

    /// A number that changes whenever [`capacity`](Self::capacity) does
    /// (by default the capacity itself; a hash table may give its bucket
    /// count, cheaper to read). [`Reclaimer::may_shrink`] caches its
    /// thresholds against it.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let entries = Entries(Vec::with_capacity(100));
    /// assert_eq!(entries.size_key(), entries.capacity(), "by default, the capacity");
    /// ```
    fn size_key(&self) -> usize {
        self.capacity()
    }

    /// Bytes the storage holds from its allocator right now.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let entries = Entries(Vec::with_capacity(100));
    /// assert_eq!(entries.allocated_bytes(), 1600);
    /// // What `memory()` reports comes from here.
    /// let reclaimer = Reclaimer::new(ReclaimPolicy::default());
    /// assert_eq!(reclaimer.stats(entries.allocated_bytes()).allocated_bytes, 1600);
    /// ```
    fn allocated_bytes(&self) -> usize;

    /// Bytes the storage holds that neither live entries use nor later
    /// inserts can reuse (an arena's dead keys), which only
    /// [`compact`](Self::compact) gives back. 0 for storages that reuse
    /// what they free.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// #
    /// # struct Slots(Vec<Option<u64>>);
    /// #
    /// # impl Storage for Slots {
    /// #     fn len(&self) -> usize { self.0.iter().flatten().count() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn garbage_bytes(&self) -> usize { (self.0.len() - self.len()) * 16 }
    /// #     fn shrink_to(&mut self, _: usize) -> Result<(), ShrinkError> { Err(ShrinkError::NoGain) }
    /// #     fn compact(&mut self) -> Result<(), ShrinkError> {
    /// #         self.0.retain(Option::is_some);
    /// #         self.0.shrink_to_fit();
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, _keep: bool) { self.0 = Vec::new(); }
    /// # }
    /// // `Slots` is the storage with garbage of the `compact` example.
    /// let slots = Slots(vec![Some(1), None, None, Some(4)]);
    /// assert_eq!(slots.garbage_bytes(), 32, "two dead slots");
    /// ```
    fn garbage_bytes(&self) -> usize {
        0
    }

    /// Bytes the live entries need, weighed against
    /// [`garbage_bytes`](Self::garbage_bytes) by the policy's
    /// `garbage_ratio`.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// #
    /// # struct Slots(Vec<Option<u64>>);
    /// #
    /// # impl Storage for Slots {
    /// #     fn len(&self) -> usize { self.0.iter().flatten().count() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn garbage_bytes(&self) -> usize { (self.0.len() - self.len()) * 16 }
    /// #     fn shrink_to(&mut self, _: usize) -> Result<(), ShrinkError> { Err(ShrinkError::NoGain) }
    /// #     fn compact(&mut self) -> Result<(), ShrinkError> {
    /// #         self.0.retain(Option::is_some);
    /// #         self.0.shrink_to_fit();
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, _keep: bool) { self.0 = Vec::new(); }
    /// # }
    /// // `Slots` is the storage with garbage of the `compact` example.
    /// let slots = Slots(vec![Some(1), None, None, Some(4)]);
    /// assert_eq!(slots.live_bytes(), slots.allocated_bytes() - 32);
    /// ```
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
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut entries = Entries(Vec::with_capacity(1000));
    /// entries.0.push((1, 1));
    /// assert_eq!(entries.shrink_to(10), Ok(()));
    /// assert!(entries.capacity() < 1000);
    /// // Nothing to gain: refused, storage unchanged.
    /// let capacity = entries.capacity();
    /// assert_eq!(entries.shrink_to(1000), Err(ShrinkError::NoGain));
    /// assert_eq!(entries.capacity(), capacity);
    /// ```
    fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError>;

    /// Gives back the garbage at the same capacity. The default has none.
    ///
    /// # Errors
    ///
    /// As [`shrink_to`](Self::shrink_to).
    ///
    /// ```
    /// use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// use map_core::ReclaimPolicy;
    ///
    /// /// Removed values leave holes until a compaction.
    /// struct Slots(Vec<Option<u64>>);
    ///
    /// impl Storage for Slots {
    ///     fn len(&self) -> usize { self.0.iter().flatten().count() }
    ///     fn capacity(&self) -> usize { self.0.capacity() }
    ///     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    ///     fn garbage_bytes(&self) -> usize { (self.0.len() - self.len()) * 16 }
    ///     fn shrink_to(&mut self, _: usize) -> Result<(), ShrinkError> { Err(ShrinkError::NoGain) }
    ///     fn compact(&mut self) -> Result<(), ShrinkError> {
    ///         self.0.retain(Option::is_some);
    ///         self.0.shrink_to_fit();
    ///         Ok(())
    ///     }
    ///     fn clear_storage(&mut self, _keep: bool) { self.0 = Vec::new(); }
    /// }
    ///
    /// let mut slots = Slots((0..1000).map(Some).collect());
    /// let mut reclaimer = Reclaimer::new(ReclaimPolicy::default());
    /// for _ in 0..900 {
    ///     *slots.0.iter_mut().find(|s| s.is_some()).unwrap() = None;
    ///     reclaimer.on_remove(&mut slots);
    /// }
    /// assert_eq!(slots.len(), 100);
    /// assert!(slots.capacity() < 300, "compacted once dead bytes outweighed live ones");
    /// assert!(reclaimer.stats(slots.allocated_bytes()).reclaims >= 1);
    /// ```
    fn compact(&mut self) -> Result<(), ShrinkError> {
        Err(ShrinkError::NoGain)
    }

    /// Drops every entry; `keep` says whether the storage stays allocated
    /// for a refill or goes back to the allocator.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut entries = Entries((0..100).map(|i| (i, i)).collect());
    /// entries.clear_storage(true);
    /// assert!(entries.is_empty());
    /// assert_eq!(entries.capacity(), 100);
    /// entries.clear_storage(false);
    /// assert_eq!(entries.allocated_bytes(), 0);
    /// ```
    fn clear_storage(&mut self, keep: bool);
}

impl Reclaimer {
    /// Call after an entry left the storage: shrinks or compacts it if the
    /// policy says so. Two comparisons unless it may have become sparse.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut reclaimer = Reclaimer::new(ReclaimPolicy::default());
    /// let mut entries = Entries((0..10_000).map(|i| (i, i)).collect());
    /// while entries.len() > 10 {
    ///     entries.0.pop();
    ///     reclaimer.on_remove(&mut entries);
    /// }
    /// assert!(entries.capacity() < 100);
    /// assert!(reclaimer.stats(entries.allocated_bytes()).reclaims >= 1);
    /// ```
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
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut reclaimer = Reclaimer::new(ReclaimPolicy::default());
    /// let mut entries = Entries((0..1000).map(|i| (i, i)).collect());
    /// entries.0.truncate(5);
    /// // About to remove one more: shrink for the 4 that will remain, then remove.
    /// if reclaimer.may_shrink(4, entries.size_key()) {
    ///     reclaimer.on_sparse_remove(&mut entries, 4);
    /// }
    /// entries.0.pop();
    /// assert!(entries.capacity() < 1000);
    /// ```
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
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut reclaimer = Reclaimer::new(ReclaimPolicy::default());
    /// let mut entries = Entries((0..1000).map(|i| (i, i)).collect());
    /// // Down to 18%: sparse, but not enough to move entries while draining.
    /// for _ in 0..820 {
    ///     entries.0.pop();
    ///     reclaimer.on_remove(&mut entries);
    /// }
    /// assert_eq!(entries.capacity(), 1000, "draining: the shrink waits");
    /// reclaimer.on_insert(&mut entries);
    /// entries.0.push((0, 0));
    /// assert!(entries.capacity() < 1000);
    /// ```
    #[inline(always)]
    pub fn on_insert<St: Storage + ?Sized>(&mut self, storage: &mut St) {
        // One flag on the hot path; the catch-up itself stays out of line so
        // that it does not weigh on the inlining of every insert.
        if self.shrink_pending() {
            self.catch_up(storage);
        }
    }

    #[cold]
    #[inline(never)]
    fn catch_up<St: Storage + ?Sized>(&mut self, storage: &mut St) {
        if let Some(target) = self.before_insert(storage.len(), storage.capacity()) {
            self.shrink_storage(storage, target);
        }
    }

    /// `set_policy`: replaces the policy, and a stricter one takes effect at
    /// once.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut reclaimer = Reclaimer::new(ReclaimPolicy::manual());
    /// let mut entries = Entries(Vec::with_capacity(1000));
    /// entries.0.push((1, 1));
    /// reclaimer.on_set_policy(&mut entries, ReclaimPolicy::automatic());
    /// assert!(reclaimer.policy().is_automatic());
    /// assert!(entries.capacity() < 1000, "applied at once");
    /// ```
    pub fn on_set_policy<St: Storage + ?Sized>(&mut self, storage: &mut St, policy: ReclaimPolicy) {
        self.set_policy(policy);
        if let Some(target) = self.check_now(storage.len(), storage.capacity()) {
            self.shrink_storage(storage, target);
        }
    }

    /// `clear`: drops every entry, keeping the storage for a refill (under
    /// the manual policy, at the floor or `min_capacity`, or no larger than
    /// `clear_keep_bytes`) or giving it back; a storage
    /// given back under a capacity floor is cleared and shrunk to the floor
    /// instead, so that room for what was asked for stays.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut reclaimer = Reclaimer::new(ReclaimPolicy::default());
    /// let mut entries = Entries((0..100).map(|i| (i, i)).collect());
    /// reclaimer.on_clear_storage(&mut entries);
    /// assert_eq!(entries.capacity(), 100, "1,600 bytes: kept for the refill");
    /// entries.0.extend((0..100_000).map(|i| (i, i)));
    /// let held = entries.allocated_bytes();
    /// reclaimer.on_clear_storage(&mut entries);
    /// assert_eq!(entries.allocated_bytes(), 0, "over clear_keep_bytes: given back");
    /// assert_eq!(reclaimer.stats(0).reclaimed_bytes, held);
    /// ```
    pub fn on_clear_storage<St: Storage + ?Sized>(&mut self, storage: &mut St) {
        let action = self.on_clear(storage.len(), storage.capacity(), storage.allocated_bytes());
        let before = storage.allocated_bytes();
        let floor = self.floor();
        if action == ClearAction::Release && floor > 0 {
            // The capacity asked for stays: only what is above it goes back.
            storage.clear_storage(true);
            let _ = storage.shrink_to(floor);
        } else {
            storage.clear_storage(action == ClearAction::Keep);
        }
        self.record_release(before, storage.allocated_bytes());
    }

    /// `reclaim()` and `shrink_to_fit`: drops the capacity floor and gives
    /// back everything the entries do not need (garbage included), whatever
    /// the policy. Returns the bytes released.
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut reclaimer = Reclaimer::new(ReclaimPolicy::manual());
    /// let mut entries = Entries(Vec::with_capacity(1000));
    /// reclaimer.request_capacity(1000);
    /// entries.0.push((1, 1));
    /// let released = reclaimer.reclaim_storage(&mut entries);
    /// assert_eq!(released, 16_000 - entries.allocated_bytes());
    /// assert!(entries.capacity() < 1000);
    /// assert_eq!(reclaimer.floor(), 0);
    /// ```
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
    ///
    /// ```
    /// # use map_core::toolkit::{Reclaimer, ShrinkError, Storage};
    /// # use map_core::ReclaimPolicy;
    /// # struct Entries(Vec<(u64, u64)>);
    /// # impl Storage for Entries {
    /// #     fn len(&self) -> usize { self.0.len() }
    /// #     fn capacity(&self) -> usize { self.0.capacity() }
    /// #     fn allocated_bytes(&self) -> usize { self.0.capacity() * 16 }
    /// #     fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
    /// #         if capacity >= self.0.capacity() { return Err(ShrinkError::NoGain); }
    /// #         self.0.shrink_to(capacity);
    /// #         Ok(())
    /// #     }
    /// #     fn clear_storage(&mut self, keep: bool) {
    /// #         self.0.clear();
    /// #         if !keep { self.0 = Vec::new(); }
    /// #     }
    /// # }
    /// // `Entries` is the `Vec` storage of the `toolkit` module example.
    /// let mut reclaimer = Reclaimer::new(ReclaimPolicy::default());
    /// let mut entries = Entries(Vec::with_capacity(1000));
    /// reclaimer.request_capacity(1000);
    /// assert!(reclaimer.shrink_storage_to(&mut entries, 100) > 0);
    /// assert!(entries.capacity() < 1000);
    /// assert_eq!(reclaimer.floor(), 100);
    /// ```
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
    pub(crate) fn shrink_storage<St: Storage + ?Sized>(
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
        self.look_again();
        let after = storage.allocated_bytes();
        if after < before {
            self.record_release(before, after);
        } else {
            self.observe(before);
        }
        before.saturating_sub(after)
    }
}

#[cfg(test)]
mod tests {
    use super::{ShrinkError, Storage};
    use crate::policy::Reclaimer;
    use crate::ReclaimPolicy;

    /// The `Vec` storage of the `toolkit` module example.
    struct Entries(Vec<(u64, u64)>);

    impl Storage for Entries {
        fn len(&self) -> usize {
            self.0.len()
        }
        fn capacity(&self) -> usize {
            self.0.capacity()
        }
        fn allocated_bytes(&self) -> usize {
            self.0.capacity() * 16
        }
        fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
            if capacity >= self.0.capacity() {
                return Err(ShrinkError::NoGain);
            }
            self.0.shrink_to(capacity);
            Ok(())
        }
        fn clear_storage(&mut self, keep: bool) {
            self.0.clear();
            if !keep {
                self.0 = Vec::new();
            }
        }
    }

    #[test]
    fn shrink_storage() {
        let mut reclaimer = Reclaimer::new(ReclaimPolicy::default());
        let mut entries = Entries(Vec::with_capacity(1000));
        let released = reclaimer.shrink_storage(&mut entries, 100);
        assert_eq!(released, 16_000 - entries.allocated_bytes());
        assert_eq!(
            reclaimer.shrink_storage(&mut entries, 1000),
            0,
            "refused: nothing to gain"
        );
        assert_eq!(reclaimer.stats(entries.allocated_bytes()).reclaims, 1);
    }
}
