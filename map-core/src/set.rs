//! `HashSet`: a set that gives memory back as it empties, and its iterators.
//!
//! A [`HashSet<T>`] is a [`HashMap<T, ()>`](crate::HashMap), so every path
//! that removes elements goes through the same [`ReclaimPolicy`], the same
//! capacity floor and the same `clear()` rule as the map.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::ops::{BitAnd, BitOr, BitXor, Sub};

use allocator_api2::alloc::Allocator;
use hashbrown::{DefaultHashBuilder, Equivalent, TryReserveError};
use page_alloc::PageAlloc;

use crate::{HashMap, MemoryStats, ReclaimPolicy};

mod iter;
#[cfg(feature = "rayon")]
pub mod par;

pub use iter::{
    Difference, Drain, ExtractIf, Intersection, IntoIter, Iter, SymmetricDifference, Union,
};

/// A hash set that gives memory back as it empties.
///
/// The API is std's `HashSet` (plus `new_in`-style constructors for custom
/// allocators and the memory methods of [`HashMap`]): `remove`, `take`,
/// `retain`, `extract_if`, `drain` and `clear` consult the
/// [`ReclaimPolicy`] and shrink the table once it has become mostly empty.
///
/// # Examples
///
/// ```
/// use map_core::HashSet;
///
/// let mut seen = HashSet::new();
/// for id in 0..100_000u64 {
///     seen.insert(id);
/// }
/// let filled = seen.memory().allocated_bytes;
/// for id in 0..100_000u64 {
///     seen.remove(&id);
/// }
/// // No call to shrink_to_fit: the table went back as the set emptied.
/// assert!(seen.memory().allocated_bytes * 100 <= filled);
/// ```
pub struct HashSet<T, S = DefaultHashBuilder, A: Allocator = PageAlloc> {
    pub(crate) map: HashMap<T, (), S, A>,
}

impl<T> HashSet<T, DefaultHashBuilder, PageAlloc> {
    /// An empty set with the automatic policy. Allocates nothing until the
    /// first insert.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let set: HashSet<u32> = HashSet::new();
    /// assert!(set.is_empty());
    /// assert_eq!(set.memory().allocated_bytes, 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set with room for at least `capacity` elements. The
    /// capacity is a floor, as for [`HashMap::with_capacity`].
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set = HashSet::with_capacity(10_000);
    /// let capacity = set.capacity();
    /// assert!(capacity >= 10_000);
    /// set.insert(1);
    /// set.remove(&1);
    /// assert_eq!(set.capacity(), capacity);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            map: HashMap::with_capacity(capacity),
        }
    }

    /// An empty set with the given reclamation policy.
    ///
    /// ```
    /// use map_core::{HashSet, ReclaimPolicy};
    ///
    /// let set: HashSet<u32> = HashSet::with_policy(ReclaimPolicy::manual());
    /// assert!(!set.policy().is_automatic());
    /// ```
    pub fn with_policy(policy: ReclaimPolicy) -> Self {
        Self {
            map: HashMap::with_policy(policy),
        }
    }
}

impl<T, S> HashSet<T, S, PageAlloc> {
    /// An empty set using `hasher` to hash elements.
    ///
    /// ```
    /// use map_core::HashSet;
    /// use std::hash::RandomState;
    ///
    /// let mut set = HashSet::with_hasher(RandomState::new());
    /// set.insert("a");
    /// assert!(set.contains("a"));
    /// ```
    pub const fn with_hasher(hasher: S) -> Self {
        Self {
            map: HashMap::with_hasher(hasher),
        }
    }

    /// An empty set with room for `capacity` elements, hashing with `hasher`.
    ///
    /// ```
    /// use map_core::HashSet;
    /// use std::hash::RandomState;
    ///
    /// let set: HashSet<u8, _> = HashSet::with_capacity_and_hasher(10, RandomState::new());
    /// assert!(set.capacity() >= 10);
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        Self {
            map: HashMap::with_capacity_and_hasher(capacity, hasher),
        }
    }
}

impl<T, A: Allocator + Clone> HashSet<T, DefaultHashBuilder, A> {
    /// An empty set that allocates from `alloc`.
    ///
    /// ```
    /// use map_core::{Global, HashSet};
    ///
    /// let mut set = HashSet::new_in(Global);
    /// set.insert(1);
    /// assert!(set.contains(&1));
    /// ```
    pub fn new_in(alloc: A) -> Self {
        Self {
            map: HashMap::new_in(alloc),
        }
    }

    /// An empty set with room for `capacity` elements that allocates from
    /// `alloc`.
    ///
    /// ```
    /// use map_core::{Global, HashSet};
    ///
    /// let set: HashSet<u32, _, Global> = HashSet::with_capacity_in(100, Global);
    /// assert!(set.capacity() >= 100);
    /// ```
    pub fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        Self {
            map: HashMap::with_capacity_in(capacity, alloc),
        }
    }

    /// An empty set with the given policy that allocates from `alloc`.
    ///
    /// ```
    /// use map_core::{Global, HashSet, ReclaimPolicy};
    ///
    /// let set: HashSet<u32, _, Global> = HashSet::with_policy_in(ReclaimPolicy::manual(), Global);
    /// assert!(!set.policy().is_automatic());
    /// ```
    pub fn with_policy_in(policy: ReclaimPolicy, alloc: A) -> Self {
        Self {
            map: HashMap::with_policy_in(policy, alloc),
        }
    }
}

impl<T, S, A: Allocator + Clone> HashSet<T, S, A> {
    /// An empty set hashing with `hasher` and allocating from `alloc`.
    ///
    /// ```
    /// use map_core::{DefaultHashBuilder, Global, HashSet};
    ///
    /// let set: HashSet<u32, _, Global> = HashSet::with_hasher_in(DefaultHashBuilder::default(), Global);
    /// assert!(set.is_empty());
    /// ```
    pub fn with_hasher_in(hasher: S, alloc: A) -> Self {
        Self {
            map: HashMap::with_hasher_in(hasher, alloc),
        }
    }

    /// An empty set with room for `capacity` elements, hashing with `hasher`
    /// and allocating from `alloc`.
    ///
    /// ```
    /// use map_core::{DefaultHashBuilder, Global, HashSet};
    ///
    /// let set: HashSet<u32, _, Global> =
    ///     HashSet::with_capacity_and_hasher_in(10, DefaultHashBuilder::default(), Global);
    /// assert!(set.capacity() >= 10);
    /// ```
    pub fn with_capacity_and_hasher_in(capacity: usize, hasher: S, alloc: A) -> Self {
        Self {
            map: HashMap::with_capacity_and_hasher_in(capacity, hasher, alloc),
        }
    }

    /// The set's hasher.
    ///
    /// ```
    /// use map_core::HashSet;
    /// use std::hash::RandomState;
    ///
    /// use std::hash::BuildHasher;
    ///
    /// let state = RandomState::new();
    /// let set: HashSet<u8, RandomState> = HashSet::with_hasher(state.clone());
    /// assert_eq!(set.hasher().hash_one(7), state.hash_one(7));
    /// ```
    pub fn hasher(&self) -> &S {
        self.map.hasher()
    }

    /// The set's allocator.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let set: HashSet<u8> = HashSet::from([1]);
    /// // A second set on the same allocator.
    /// let mut other = HashSet::new_in(set.allocator().clone());
    /// other.insert(2);
    /// assert!(set.is_disjoint(&other));
    /// ```
    pub fn allocator(&self) -> &A {
        self.map.allocator()
    }

    /// How many elements the set can hold without reallocating.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let set: HashSet<u8> = HashSet::with_capacity(100);
    /// assert!(set.capacity() >= 100);
    /// ```
    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }

    /// How many elements the set holds.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// assert_eq!(HashSet::from([1, 2, 2]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the set holds no elements.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set = HashSet::new();
    /// assert!(set.is_empty());
    /// set.insert(1);
    /// assert!(!set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The reclamation policy in force.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// assert!(HashSet::<u8>::new().policy().is_automatic());
    /// ```
    pub fn policy(&self) -> ReclaimPolicy {
        self.map.policy()
    }

    /// The set's memory figures: exact bytes of its table, peak, and what
    /// reclamation has given back.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<u64> = (0..10_000).collect();
    /// let full = set.memory();
    /// set.retain(|x| *x < 10);
    /// let after = set.memory();
    /// assert!(after.allocated_bytes < full.allocated_bytes / 100);
    /// assert_eq!(after.peak_bytes, full.allocated_bytes);
    /// assert!(after.reclaims >= 1);
    /// ```
    pub fn memory(&self) -> MemoryStats {
        self.map.memory()
    }

    /// An iterator over the elements, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let set = HashSet::from([1, 2, 3]);
    /// assert_eq!(set.iter().sum::<i32>(), 6);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter::new(self.map.keys())
    }
}

impl<T, S, A: Allocator + Clone> HashSet<T, S, A> {
    /// Removes every element. The table is kept or given back as by
    /// [`HashMap::clear`]: a small one stays for the refill, a large one goes
    /// back to the allocator at once.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<u64> = (0..100_000).collect();
    /// set.clear();
    /// assert!(set.is_empty());
    /// assert_eq!(set.memory().allocated_bytes, 0, "a large table goes back");
    /// ```
    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// Removes every element and yields them. The table is kept or given
    /// back as by [`clear`](Self::clear). Elements not yielded are dropped
    /// with the iterator.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set = HashSet::from([1, 2, 3]);
    /// let mut drained: Vec<_> = set.drain().collect();
    /// drained.sort();
    /// assert_eq!(drained, [1, 2, 3]);
    /// assert!(set.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, T, A> {
        Drain::new(self.map.drain())
    }
}

impl<T, S, A> HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// Replaces the reclamation policy. A stricter policy takes effect at once.
    ///
    /// ```
    /// use map_core::{HashSet, ReclaimPolicy};
    ///
    /// let mut set: HashSet<u64> = HashSet::with_policy(ReclaimPolicy::manual());
    /// set.extend(0..10_000);
    /// set.retain(|x| *x < 10);
    /// let held = set.memory().allocated_bytes;
    /// set.set_policy(ReclaimPolicy::default());
    /// assert!(set.memory().allocated_bytes < held);
    /// ```
    pub fn set_policy(&mut self, policy: ReclaimPolicy) {
        self.map.set_policy(policy);
    }

    /// Gives back all the memory the current elements do not need, whatever
    /// the policy, and drops the capacity floor. Returns the bytes released.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<u64> = HashSet::with_capacity(10_000);
    /// set.insert(1);
    /// assert!(set.reclaim() > 0);
    /// assert!(set.capacity() < 10);
    /// ```
    pub fn reclaim(&mut self) -> usize {
        self.map.reclaim()
    }

    /// Reserves room for at least `additional` more elements. The capacity
    /// reached is a floor: the automatic policy does not shrink below it.
    ///
    /// # Panics
    ///
    /// If the new capacity overflows `usize`; see
    /// [`try_reserve`](Self::try_reserve).
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<u64> = HashSet::new();
    /// set.reserve(1000);
    /// let capacity = set.capacity();
    /// assert!(capacity >= 1000);
    /// set.insert(1);
    /// set.remove(&1);
    /// assert_eq!(set.capacity(), capacity);
    /// ```
    pub fn reserve(&mut self, additional: usize) {
        self.map.reserve(additional);
    }

    /// Reserves room for at least `additional` more elements, or reports
    /// why not.
    ///
    /// # Errors
    ///
    /// `TryReserveError::CapacityOverflow` if the capacity would overflow,
    /// `TryReserveError::AllocError` if the allocator refused. The set is
    /// unchanged on error.
    ///
    /// ```
    /// use map_core::{HashSet, TryReserveError};
    ///
    /// let mut set: HashSet<u64> = HashSet::new();
    /// assert!(set.try_reserve(10).is_ok());
    /// assert!(matches!(set.try_reserve(usize::MAX), Err(TryReserveError::CapacityOverflow)));
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.map.try_reserve(additional)
    }

    /// Shrinks the table as much as the elements allow, and drops the
    /// capacity floor.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<u64> = HashSet::with_capacity(1000);
    /// set.insert(1);
    /// set.shrink_to_fit();
    /// assert!(set.capacity() < 1000);
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.map.shrink_to_fit();
    }

    /// Shrinks the table to room for at least `min_capacity` elements (and
    /// at least the current length), and makes `min_capacity` the capacity
    /// floor.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<u64> = HashSet::with_capacity(10_000);
    /// set.shrink_to(100);
    /// assert!(set.capacity() >= 100 && set.capacity() < 10_000);
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.map.shrink_to(min_capacity);
    }

    /// Adds `value`; returns whether it was absent. An element already
    /// present is kept (use [`replace`](Self::replace) to swap it).
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set = HashSet::new();
    /// assert!(set.insert(2));
    /// assert!(!set.insert(2));
    /// assert_eq!(set.len(), 1);
    /// ```
    #[inline]
    pub fn insert(&mut self, value: T) -> bool {
        self.map.insert(value, ()).is_none()
    }

    /// Adds `value`, replacing an equal element already present, which is
    /// returned.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<Vec<u8>> = HashSet::new();
    /// set.insert(Vec::with_capacity(10));
    /// let old = set.replace(Vec::new()).unwrap();
    /// assert_eq!(old.capacity(), 10);
    /// assert_eq!(set.get(&Vec::new()).unwrap().capacity(), 0);
    /// assert_eq!(set.replace(vec![1]), None);
    /// assert_eq!(set.len(), 2);
    /// ```
    pub fn replace(&mut self, value: T) -> Option<T> {
        self.map.replace_key(value, ())
    }

    /// Whether `value` is present.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let set: HashSet<String> = HashSet::from(["a".to_string()]);
    /// assert!(set.contains("a"));
    /// assert!(!set.contains("b"));
    /// ```
    #[inline]
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<T>,
    {
        self.map.contains_key(value)
    }

    /// The stored element equal to `value`.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let set: HashSet<String> = HashSet::from(["a".to_string()]);
    /// assert_eq!(set.get("a"), Some(&"a".to_string()));
    /// assert_eq!(set.get("b"), None);
    /// ```
    #[inline]
    pub fn get<Q>(&self, value: &Q) -> Option<&T>
    where
        Q: ?Sized + Hash + Equivalent<T>,
    {
        self.map.get_key_value(value).map(|(k, _)| k)
    }

    /// Removes `value`; returns whether it was present. May shrink the
    /// table, but only if it was.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set = HashSet::from([1, 2]);
    /// assert!(set.remove(&1));
    /// assert!(!set.remove(&1));
    /// assert_eq!(set.len(), 1);
    /// ```
    #[inline]
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<T>,
    {
        self.map.remove(value).is_some()
    }

    /// Removes and returns the stored element equal to `value`. May shrink
    /// the table, but only if it was present.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<String> = HashSet::from(["a".to_string()]);
    /// assert_eq!(set.take("a"), Some("a".to_string()));
    /// assert_eq!(set.take("a"), None);
    /// ```
    #[inline]
    pub fn take<Q>(&mut self, value: &Q) -> Option<T>
    where
        Q: ?Sized + Hash + Equivalent<T>,
    {
        self.map.remove_entry(value).map(|(k, ())| k)
    }

    /// Keeps only the elements for which `keep` returns `true`, then shrinks
    /// the table if the policy says so. A `retain` that keeps everything
    /// never resizes.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<u32> = (0..10).collect();
    /// set.retain(|x| x % 2 == 0);
    /// assert_eq!(set.len(), 5);
    /// assert!(!set.contains(&3));
    /// ```
    pub fn retain<F>(&mut self, mut keep: F)
    where
        F: FnMut(&T) -> bool,
    {
        self.map.retain(|k, ()| keep(k));
    }

    /// A lazy iterator that removes and yields the elements for which `pred`
    /// returns `true`. Elements not yet reached when it is dropped stay; the
    /// policy runs once, when it is dropped, if anything was removed (see
    /// [`HashMap::extract_if`]).
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<u32> = (0..10).collect();
    /// let mut odd: Vec<u32> = set.extract_if(|x| x % 2 == 1).collect();
    /// odd.sort();
    /// assert_eq!(odd, [1, 3, 5, 7, 9]);
    /// assert_eq!(set.len(), 5);
    /// ```
    pub fn extract_if<F>(&mut self, pred: F) -> ExtractIf<'_, T, F, S, A>
    where
        F: FnMut(&T) -> bool,
    {
        ExtractIf::new(self.map.extract_core(), pred)
    }

    /// The elements in `self` or `other` (each once), lazily, in
    /// arbitrary order.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let a = HashSet::from([1, 2]);
    /// let b = HashSet::from([2, 3]);
    /// let mut union: Vec<_> = a.union(&b).copied().collect();
    /// union.sort();
    /// assert_eq!(union, [1, 2, 3]);
    /// ```
    pub fn union<'a>(&'a self, other: &'a Self) -> Union<'a, T, S, A> {
        // Walk the larger set whole and the smaller one's difference.
        let (large, small) = if self.len() >= other.len() {
            (self, other)
        } else {
            (other, self)
        };
        Union::new(large.iter(), small.difference(large))
    }

    /// The elements in both `self` and `other`, lazily, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let a = HashSet::from([1, 2, 3]);
    /// let b = HashSet::from([2, 3, 4]);
    /// let mut both: Vec<_> = a.intersection(&b).copied().collect();
    /// both.sort();
    /// assert_eq!(both, [2, 3]);
    /// ```
    pub fn intersection<'a>(&'a self, other: &'a Self) -> Intersection<'a, T, S, A> {
        // Walk the smaller set, look up in the larger.
        let (small, large) = if self.len() <= other.len() {
            (self, other)
        } else {
            (other, self)
        };
        Intersection::new(small.iter(), large)
    }

    /// The elements in `self` but not in `other`, lazily, in arbitrary
    /// order.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let a = HashSet::from([1, 2, 3]);
    /// let b = HashSet::from([2, 3, 4]);
    /// assert_eq!(a.difference(&b).collect::<Vec<_>>(), [&1]);
    /// ```
    pub fn difference<'a>(&'a self, other: &'a Self) -> Difference<'a, T, S, A> {
        Difference::new(self.iter(), other)
    }

    /// The elements in exactly one of `self` and `other`, lazily, in
    /// arbitrary order.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let a = HashSet::from([1, 2, 3]);
    /// let b = HashSet::from([2, 3, 4]);
    /// let mut either: Vec<_> = a.symmetric_difference(&b).copied().collect();
    /// either.sort();
    /// assert_eq!(either, [1, 4]);
    /// ```
    pub fn symmetric_difference<'a>(&'a self, other: &'a Self) -> SymmetricDifference<'a, T, S, A> {
        SymmetricDifference::new(self.difference(other), other.difference(self))
    }

    /// Whether `self` and `other` have no element in common.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let a = HashSet::from([1, 2]);
    /// assert!(a.is_disjoint(&HashSet::from([3])));
    /// assert!(!a.is_disjoint(&HashSet::from([2])));
    /// ```
    pub fn is_disjoint(&self, other: &Self) -> bool {
        self.intersection(other).next().is_none()
    }

    /// Whether every element of `self` is in `other`.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let small = HashSet::from([1, 2]);
    /// let large = HashSet::from([1, 2, 3]);
    /// assert!(small.is_subset(&large));
    /// assert!(!large.is_subset(&small));
    /// ```
    pub fn is_subset(&self, other: &Self) -> bool {
        self.len() <= other.len() && self.iter().all(|v| other.contains(v))
    }

    /// Whether every element of `other` is in `self`.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let small = HashSet::from([1, 2]);
    /// let large = HashSet::from([1, 2, 3]);
    /// assert!(large.is_superset(&small));
    /// assert!(!small.is_superset(&large));
    /// ```
    pub fn is_superset(&self, other: &Self) -> bool {
        other.is_subset(self)
    }
}

// ---------------------------------------------------------------------------
// Standard traits

impl<T, S: Default, A: Allocator + Clone + Default> Default for HashSet<T, S, A> {
    /// An empty set with the automatic policy and a default hasher.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let set: HashSet<u8> = Default::default();
    /// assert!(set.is_empty() && set.policy().is_automatic());
    /// ```
    fn default() -> Self {
        Self {
            map: HashMap::default(),
        }
    }
}

impl<T: fmt::Debug, S, A: Allocator + Clone> fmt::Debug for HashSet<T, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Clone, S: Clone, A: Allocator + Clone> Clone for HashSet<T, S, A> {
    /// Clones elements, hasher and policy; the clone starts with fresh
    /// memory statistics.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let a = HashSet::from([1, 2]);
    /// let b = a.clone();
    /// assert_eq!(a, b);
    /// ```
    fn clone(&self) -> Self {
        Self {
            map: self.map.clone(),
        }
    }
}

impl<T, S, A> PartialEq for HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// ```
    /// use map_core::HashSet;
    ///
    /// assert_eq!(HashSet::from([1, 2]), HashSet::from([2, 1]));
    /// assert_ne!(HashSet::from([1, 2]), HashSet::from([1]));
    /// ```
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.is_subset(other)
    }
}

impl<T, S, A> Eq for HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
}

impl<T, S, A> Extend<T> for HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set = HashSet::from([1]);
    /// set.extend([1, 2, 3]);
    /// assert_eq!(set.len(), 3);
    /// ```
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.map.extend(iter.into_iter().map(|k| (k, ())));
    }
}

impl<'a, T, S, A> Extend<&'a T> for HashSet<T, S, A>
where
    T: 'a + Eq + Hash + Copy,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut set: HashSet<i32> = HashSet::new();
    /// set.extend(&[1, 2, 2]);
    /// assert_eq!(set.len(), 2);
    /// ```
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

impl<T, S, A> FromIterator<T> for HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher + Default,
    A: Allocator + Clone + Default,
{
    /// ```
    /// use map_core::HashSet;
    ///
    /// let set: HashSet<u32> = (0..5).chain(0..5).collect();
    /// assert_eq!(set.len(), 5);
    /// ```
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = Self::default();
        set.extend(iter);
        set
    }
}

// For the global allocator only, as `HashMap`'s `From<[(K, V); N]>` (see
// there why).
impl<T: Eq + Hash, const N: usize> From<[T; N]> for HashSet<T> {
    /// ```
    /// use map_core::HashSet;
    ///
    /// let set = HashSet::from([1, 2, 3]);
    /// assert!(set.contains(&2));
    /// ```
    fn from(values: [T; N]) -> Self {
        values.into_iter().collect()
    }
}

impl<T, S, A: Allocator + Clone> IntoIterator for HashSet<T, S, A> {
    type Item = T;
    type IntoIter = IntoIter<T, A>;

    /// ```
    /// use map_core::HashSet;
    ///
    /// let mut values: Vec<_> = HashSet::from([2, 1]).into_iter().collect();
    /// values.sort();
    /// assert_eq!(values, [1, 2]);
    /// ```
    fn into_iter(self) -> IntoIter<T, A> {
        IntoIter::new(self.map.into_keys())
    }
}

impl<'a, T, S, A: Allocator + Clone> IntoIterator for &'a HashSet<T, S, A> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    /// ```
    /// use map_core::HashSet;
    ///
    /// let set = HashSet::from([1, 2]);
    /// let mut total = 0;
    /// for x in &set {
    ///     total += x;
    /// }
    /// assert_eq!(total, 3);
    /// ```
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// The operators build a new set with a default hasher and a clone of the
/// left operand's allocator.
macro_rules! set_operator {
    ($trait:ident, $method:ident, $op:ident, $doc:literal, $example:literal) => {
        impl<T, S, A> $trait<&HashSet<T, S, A>> for &HashSet<T, S, A>
        where
            T: Eq + Hash + Clone,
            S: BuildHasher + Default,
            A: Allocator + Clone,
        {
            type Output = HashSet<T, S, A>;

            #[doc = $doc]
            ///
            /// ```
            /// use map_core::HashSet;
            ///
            /// let a = HashSet::from([1, 2, 3]);
            /// let b = HashSet::from([3, 4]);
            #[doc = $example]
            /// ```
            fn $method(self, other: &HashSet<T, S, A>) -> HashSet<T, S, A> {
                let mut set = HashSet::with_hasher_in(S::default(), self.allocator().clone());
                set.extend(self.$op(other).cloned());
                set
            }
        }
    };
}

set_operator!(
    BitOr,
    bitor,
    union,
    "The union of `self` and `other`, as a new set.",
    "assert_eq!(&a | &b, HashSet::from([1, 2, 3, 4]));"
);
set_operator!(
    BitAnd,
    bitand,
    intersection,
    "The intersection of `self` and `other`, as a new set.",
    "assert_eq!(&a & &b, HashSet::from([3]));"
);
set_operator!(
    Sub,
    sub,
    difference,
    "The elements of `self` not in `other`, as a new set.",
    "assert_eq!(&a - &b, HashSet::from([1, 2]));"
);
set_operator!(
    BitXor,
    bitxor,
    symmetric_difference,
    "The elements in exactly one of `self` and `other`, as a new set.",
    "assert_eq!(&a ^ &b, HashSet::from([1, 2, 4]));"
);
