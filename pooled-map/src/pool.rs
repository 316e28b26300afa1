//! The object pool: a vector of slots with a free list threaded through the
//! vacant ones, the shape of `slab::Slab`, with fallible growth.
//!
//! `slab` grows only through `Vec::reserve`, which aborts the process when
//! the allocator refuses; this pool grows through `Vec::try_reserve` too, so
//! [`PooledMap::try_reserve`](crate::PooledMap::try_reserve) can report the
//! failure instead.

use allocator_api2::alloc::Allocator;
use allocator_api2::vec::Vec;
use core::alloc::Layout;
use core::iter::{Enumerate, FusedIterator};
use core::mem;
use core::ops::{Index, IndexMut};

use hashbrown::TryReserveError;

/// One slot: vacant (holding the next vacant slot of the free list) or
/// occupied.
#[derive(Clone)]
pub(crate) enum Entry<T> {
    Vacant(usize),
    Occupied(T),
}

/// Values at stable slot numbers; removed slots are reused by later inserts.
#[derive(Clone)]
pub(crate) struct Pool<T, A: Allocator> {
    entries: Vec<Entry<T>, A>,
    /// Occupied slots.
    len: usize,
    /// The first vacant slot of the free list, [`NONE`] when no slot below
    /// `entries.len()` is vacant.
    free: usize,
}

/// The end of the free list.
const NONE: usize = usize::MAX;

/// The most slots a pool has room for. Slot numbers are `u32` (in index
/// records and handles), and the pool's capacity never exceeds this, so
/// every slot an insert takes fits in one without a check.
pub(crate) const MAX_SLOTS: usize = u32::MAX as usize + 1;

impl<T, A: Allocator> Pool<T, A> {
    pub(crate) const fn new_in(alloc: A) -> Self {
        Self {
            entries: Vec::new_in(alloc),
            len: 0,
            free: NONE,
        }
    }

    pub(crate) fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        Self {
            entries: Vec::with_capacity_in(capacity.min(MAX_SLOTS), alloc),
            len: 0,
            free: NONE,
        }
    }

    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Extra slots to ask the vector for so that `additional` more values
    /// fit; 0 if they already do.
    fn shortfall(&self, additional: usize) -> usize {
        if self.capacity() - self.len >= additional {
            return 0;
        }
        additional - (self.entries.len() - self.len)
    }

    /// Room for `additional` more values, or why not; the pool is unchanged
    /// on error.
    pub(crate) fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        let extra = self.within_max(additional)?;
        // The vector grows to twice its capacity, or to what is needed if
        // more: below `MAX_SLOTS` either way while it holds at most half.
        let grown = if self.capacity() <= MAX_SLOTS / 2 {
            self.entries.try_reserve(extra)
        } else {
            self.entries.try_reserve_exact(extra)
        };
        grown.map_err(|_| self.reserve_error(extra))
    }

    /// The [`shortfall`](Self::shortfall) for `additional` more values, if
    /// the pool stays within [`MAX_SLOTS`] with it.
    fn within_max(&self, additional: usize) -> Result<usize, TryReserveError> {
        let extra = self.shortfall(additional);
        match self.entries.len().checked_add(extra) {
            Some(slots) if slots <= MAX_SLOTS => Ok(extra),
            _ => Err(TryReserveError::CapacityOverflow),
        }
    }

    /// The error for a refused growth by `extra` slots. std does not say
    /// which it was (`TryReserveErrorKind` is unstable): an array too big
    /// for a layout is an overflow, anything else the allocator's refusal.
    fn reserve_error(&self, extra: usize) -> TryReserveError {
        self.entries
            .len()
            .checked_add(extra)
            .and_then(|slots| Layout::array::<Entry<T>>(slots).ok())
            .map_or(TryReserveError::CapacityOverflow, |layout| {
                TryReserveError::AllocError { layout }
            })
    }

    /// Room for exactly `additional` more values, or why not.
    pub(crate) fn try_reserve_exact(&mut self, additional: usize) -> Result<(), TryReserveError> {
        let extra = self.within_max(additional)?;
        self.entries
            .try_reserve_exact(extra)
            .map_err(|_| self.reserve_error(extra))
    }

    /// Stores `value` in the first vacant slot of the free list, or after
    /// the last slot if none is vacant and the vector has room, and returns
    /// that slot; gives `value` back if the pool is full.
    ///
    /// Always inlined: called, it took the new slot by pointer from the
    /// caller's stack, written there field by field and read back whole, a
    /// load that waits for the stores to drain (about half of a small
    /// entry's insert in cache). The test for room is the vector's own: the
    /// compiler merges it with the one in `push`.
    #[inline(always)]
    pub(crate) fn try_insert(&mut self, value: T) -> Result<usize, T> {
        let key = self.free;
        if key == NONE {
            let key = self.entries.len();
            if key == self.entries.capacity() {
                return Err(value);
            }
            self.entries.push(Entry::Occupied(value));
            self.len += 1;
            return Ok(key);
        }
        match mem::replace(&mut self.entries[key], Entry::Occupied(value)) {
            Entry::Vacant(next) => self.free = next,
            Entry::Occupied(_) => unreachable!("the free list names an occupied slot"),
        }
        self.len += 1;
        Ok(key)
    }

    /// Takes the value out of slot `key`, which becomes the next one reused.
    ///
    /// # Panics
    ///
    /// If the slot is vacant.
    pub(crate) fn remove(&mut self, key: usize) -> T {
        let slot = self.entries.get_mut(key).expect("no such pool slot");
        match mem::replace(slot, Entry::Vacant(self.free)) {
            Entry::Occupied(value) => {
                self.free = key;
                self.len -= 1;
                value
            }
            vacant => {
                *slot = vacant;
                panic!("pool slot {key} is vacant")
            }
        }
    }

    #[inline]
    pub(crate) fn get(&self, key: usize) -> Option<&T> {
        match self.entries.get(key) {
            Some(Entry::Occupied(value)) => Some(value),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, key: usize) -> Option<&mut T> {
        match self.entries.get_mut(key) {
            Some(Entry::Occupied(value)) => Some(value),
            _ => None,
        }
    }

    /// Slots in use or vacant below the last occupied one: every occupied
    /// slot is below this.
    #[inline]
    pub(crate) fn slots(&self) -> usize {
        self.entries.len()
    }

    /// The values in these slots, mutably at once; `None` for a vacant or
    /// absent slot.
    ///
    /// # Panics
    ///
    /// If two of the slots are the same.
    pub(crate) fn get_disjoint_mut<const N: usize>(
        &mut self,
        keys: [Option<usize>; N],
    ) -> [Option<&mut T>; N] {
        // Visit the slots in increasing order, splitting the rest of the
        // vector off each time: each borrow is of its own part.
        let mut order: [usize; N] = core::array::from_fn(|i| i);
        order.sort_unstable_by_key(|&i| keys[i]);
        let mut out: [Option<&mut T>; N] = core::array::from_fn(|_| None);
        let mut rest: &mut [Entry<T>] = &mut self.entries;
        let mut base = 0;
        let mut last = None;
        for i in order {
            let Some(key) = keys[i] else { continue };
            assert!(
                last != Some(key),
                "get_disjoint_mut: slot {key} requested twice"
            );
            last = Some(key);
            let Some(at) = key.checked_sub(base).filter(|&at| at < rest.len()) else {
                continue;
            };
            let (_, tail) = mem::take(&mut rest).split_at_mut(at);
            let (first, tail) = tail.split_first_mut().expect("in bounds");
            if let Entry::Occupied(value) = first {
                out[i] = Some(value);
            }
            rest = tail;
            base = key + 1;
        }
        out
    }

    pub(crate) fn iter(&self) -> Iter<'_, T> {
        Iter {
            inner: self.entries.iter().enumerate(),
            remaining: self.len,
        }
    }

    pub(crate) fn iter_mut(&mut self) -> IterMut<'_, T> {
        IterMut {
            inner: self.entries.iter_mut().enumerate(),
            remaining: self.len,
        }
    }

    /// Empties the pool, keeping its capacity, and yields the values.
    pub(crate) fn drain(&mut self) -> Drain<'_, T, A> {
        let remaining = mem::take(&mut self.len);
        self.free = NONE;
        Drain {
            inner: self.entries.drain(..),
            remaining,
        }
    }
}

#[cfg(feature = "rayon")]
impl<T, A: Allocator> Pool<T, A> {
    /// The values, for rayon to visit in parallel, split by slot.
    pub(crate) fn par_values(&self) -> impl rayon::iter::ParallelIterator<Item = &T> + '_
    where
        T: Sync,
    {
        use rayon::iter::{IntoParallelRefIterator, ParallelIterator};
        self.entries[..].par_iter().filter_map(|entry| match entry {
            Entry::Occupied(value) => Some(value),
            Entry::Vacant(_) => None,
        })
    }

    /// The values, mutably, for rayon to visit in parallel.
    pub(crate) fn par_values_mut(
        &mut self,
    ) -> impl rayon::iter::ParallelIterator<Item = &mut T> + '_
    where
        T: Send,
    {
        use rayon::iter::{IntoParallelRefMutIterator, ParallelIterator};
        self.entries[..]
            .par_iter_mut()
            .filter_map(|entry| match entry {
                Entry::Occupied(value) => Some(value),
                Entry::Vacant(_) => None,
            })
    }

    /// Takes the values out in parallel, each slot left vacant: the free
    /// list and the count no longer describe the pool, so the caller
    /// empties it ([`drain`](Self::drain)) when this is done, whether or
    /// not every value was taken.
    pub(crate) fn par_take(&mut self) -> impl rayon::iter::ParallelIterator<Item = T> + '_
    where
        T: Send,
    {
        use rayon::iter::{IntoParallelRefMutIterator, ParallelIterator};
        self.entries[..].par_iter_mut().filter_map(|entry| {
            match mem::replace(entry, Entry::Vacant(0)) {
                Entry::Occupied(value) => Some(value),
                Entry::Vacant(_) => None,
            }
        })
    }
}

impl<T, A: Allocator + Clone> Pool<T, A> {
    /// Moves the values above slot `len()` for which `stays` is false down
    /// into vacant slots below it, telling `moved(value, from, to)` of each
    /// move in order of decreasing `from`; then, if any value moved, lets
    /// `follow` see the pool, where [`slot_now`](Self::slot_now) tells where
    /// any value went; then drops the vacant slots at the end and shrinks
    /// the pool to fit. Values that stay keep their slot (the vacancies
    /// they leave below `len()` stay free for inserts). Runs no user code
    /// but `stays`, `moved` and `follow`.
    pub(crate) fn compact(
        &mut self,
        stays: impl Fn(&T) -> bool,
        mut moved: impl FnMut(&mut T, usize, usize),
        follow: impl FnOnce(&Self),
    ) {
        let len = self.len;
        // The lowest slot that may be vacant.
        let mut low = 0;
        let mut any_moved = false;
        for from in (len..self.entries.len()).rev() {
            let movable = match &self.entries[from] {
                Entry::Occupied(value) => !stays(value),
                Entry::Vacant(_) => false,
            };
            if !movable {
                continue;
            }
            while low < from && matches!(self.entries[low], Entry::Occupied(_)) {
                low += 1;
            }
            if low >= from {
                break;
            }
            self.entries.swap(from, low);
            // The vacated slot names where its value went (`slot_now`); the
            // free list is threaded afresh below.
            self.entries[from] = Entry::Vacant(low);
            if let Entry::Occupied(value) = &mut self.entries[low] {
                moved(value, from, low);
            }
            any_moved = true;
            low += 1;
        }
        if any_moved {
            follow(self);
        }
        while matches!(self.entries.last(), Some(Entry::Vacant(_))) {
            self.entries.pop();
        }
        // Thread the free list through the vacancies left, lowest first.
        let mut next = NONE;
        for (slot, entry) in self.entries.iter_mut().enumerate().rev() {
            if let Entry::Vacant(link) = entry {
                *link = next;
                next = slot;
            }
        }
        self.free = next;
        self.shrink_to_fit();
    }

    /// Where the value that was in `slot` before a [`compact`](Self::compact)
    /// is now; for its `follow` step only (a value above `len()` that moved
    /// left its new slot behind; any other stayed).
    #[inline]
    pub(crate) fn slot_now(&self, slot: usize) -> usize {
        match self.entries.get(slot) {
            Some(&Entry::Vacant(to)) if slot >= self.len => to,
            _ => slot,
        }
    }

    /// Moves the slots into a vector of exactly their number, if the
    /// allocator grants one: a refusal keeps the larger vector (`Vec`'s own
    /// `shrink_to_fit` would abort the process instead).
    fn shrink_to_fit(&mut self) {
        if self.entries.capacity() == self.entries.len() {
            return;
        }
        let mut fitted = Vec::new_in(self.entries.allocator().clone());
        if fitted.try_reserve_exact(self.entries.len()).is_ok() {
            // Within the reserved capacity: moves the slots, allocates
            // nothing and runs no user code.
            fitted.extend(self.entries.drain(..));
            self.entries = fitted;
        }
    }
}

impl<T, A: Allocator> Index<usize> for Pool<T, A> {
    type Output = T;

    fn index(&self, key: usize) -> &T {
        self.get(key).expect("vacant pool slot")
    }
}

impl<T, A: Allocator> IndexMut<usize> for Pool<T, A> {
    fn index_mut(&mut self, key: usize) -> &mut T {
        self.get_mut(key).expect("vacant pool slot")
    }
}

impl<T, A: Allocator> IntoIterator for Pool<T, A> {
    type Item = (usize, T);
    type IntoIter = IntoIter<T, A>;

    fn into_iter(self) -> IntoIter<T, A> {
        IntoIter {
            inner: self.entries.into_iter().enumerate(),
            remaining: self.len,
        }
    }
}

/// The occupied slots, in slot order.
pub(crate) struct Iter<'a, T> {
    inner: Enumerate<core::slice::Iter<'a, Entry<T>>>,
    remaining: usize,
}

impl<T> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            remaining: self.remaining,
        }
    }
}

/// The occupied slots, in slot order, values mutable.
pub(crate) struct IterMut<'a, T> {
    inner: Enumerate<core::slice::IterMut<'a, Entry<T>>>,
    remaining: usize,
}

/// The values of a pool, by value, with their slots.
pub(crate) struct IntoIter<T, A: Allocator> {
    inner: Enumerate<allocator_api2::vec::IntoIter<Entry<T>, A>>,
    remaining: usize,
}

/// The values of a drained pool.
pub(crate) struct Drain<'a, T, A: Allocator> {
    inner: allocator_api2::vec::Drain<'a, Entry<T>, A>,
    remaining: usize,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = (usize, &'a T);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        for (key, entry) in self.inner.by_ref() {
            if let Entry::Occupied(value) = entry {
                self.remaining -= 1;
                return Some((key, value));
            }
        }
        None
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<'a, T> Iterator for IterMut<'a, T> {
    type Item = (usize, &'a mut T);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        for (key, entry) in self.inner.by_ref() {
            if let Entry::Occupied(value) = entry {
                self.remaining -= 1;
                return Some((key, value));
            }
        }
        None
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T, A: Allocator> Iterator for IntoIter<T, A> {
    type Item = (usize, T);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        for (key, entry) in self.inner.by_ref() {
            if let Entry::Occupied(value) = entry {
                self.remaining -= 1;
                return Some((key, value));
            }
        }
        None
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T, A: Allocator> Iterator for Drain<'_, T, A> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        for entry in self.inner.by_ref() {
            if let Entry::Occupied(value) = entry {
                self.remaining -= 1;
                return Some(value);
            }
        }
        None
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T> FusedIterator for Iter<'_, T> {}
impl<T> FusedIterator for IterMut<'_, T> {}
impl<T, A: Allocator> FusedIterator for IntoIter<T, A> {}
impl<T, A: Allocator> FusedIterator for Drain<'_, T, A> {}
