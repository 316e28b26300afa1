//! Parallel iteration, draining, set operations and extension of
//! [`HashSet`] with rayon (the `rayon` feature), over the map's
//! ([`toolkit::par`](crate::toolkit::par)): a set is a map to `()`.

use core::fmt;
use core::hash::{BuildHasher, Hash};

use allocator_api2::alloc::Allocator;
use rayon::iter::plumbing::UnindexedConsumer;
use rayon::iter::{FromParallelIterator, IntoParallelIterator, ParallelExtend, ParallelIterator};

use super::HashSet;
use crate::map::par as map;

/// Parallel iterator over the elements, from [`HashSet::par_iter`].
pub struct ParIter<'a, T, A: Allocator + Clone> {
    inner: map::ParKeys<'a, T, (), A>,
}

/// Owning parallel iterator over the elements, from `into_par_iter`.
pub struct IntoParIter<T, A: Allocator + Clone> {
    inner: map::IntoParIter<T, (), A>,
}

/// Parallel draining iterator, from [`HashSet::par_drain`].
pub struct ParDrain<'a, T, A: Allocator + Clone> {
    inner: map::ParDrain<'a, T, (), A>,
}

impl<T, S, A: Allocator + Clone + Send + Sync> HashSet<T, S, A> {
    /// A parallel iterator over the elements, in arbitrary order.
    ///
    /// ```
    /// use map_core::HashSet;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let set: HashSet<u64> = (0..1000).collect();
    /// assert_eq!(set.par_iter().sum::<u64>(), 499_500);
    /// ```
    pub fn par_iter(&self) -> ParIter<'_, T, A> {
        ParIter {
            inner: self.map.par_keys(),
        }
    }

    /// Removes every element and yields them in parallel. The table is kept
    /// or given back as by [`clear`](HashSet::clear); elements not consumed
    /// are dropped.
    ///
    /// ```
    /// use map_core::HashSet;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let mut set: HashSet<u64> = (0..1000).collect();
    /// assert_eq!(set.par_drain().count(), 1000);
    /// assert!(set.is_empty());
    /// ```
    pub fn par_drain(&mut self) -> ParDrain<'_, T, A> {
        ParDrain {
            inner: self.map.par_drain(),
        }
    }
}

impl<T, S, A> HashSet<T, S, A>
where
    T: Eq + Hash + Sync,
    S: BuildHasher + Sync,
    A: Allocator + Clone + Send + Sync,
{
    /// The elements of `self` that `other` lacks, in parallel.
    ///
    /// ```
    /// use map_core::HashSet;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let a: HashSet<u64> = (0..10).collect();
    /// let b: HashSet<u64> = (5..20).collect();
    /// assert_eq!(a.par_difference(&b).sum::<u64>(), 10);
    /// ```
    pub fn par_difference<'a>(&'a self, other: &'a Self) -> ParDifference<'a, T, S, A> {
        ParDifference { set: self, other }
    }

    /// The elements in exactly one of the sets, in parallel.
    ///
    /// ```
    /// use map_core::HashSet;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let a: HashSet<u64> = (0..10).collect();
    /// let b: HashSet<u64> = (5..20).collect();
    /// assert_eq!(a.par_symmetric_difference(&b).count(), 15);
    /// ```
    pub fn par_symmetric_difference<'a>(
        &'a self,
        other: &'a Self,
    ) -> ParSymmetricDifference<'a, T, S, A> {
        ParSymmetricDifference { set: self, other }
    }

    /// The elements in both sets, in parallel.
    ///
    /// ```
    /// use map_core::HashSet;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let a: HashSet<u64> = (0..10).collect();
    /// let b: HashSet<u64> = (5..20).collect();
    /// assert_eq!(a.par_intersection(&b).count(), 5);
    /// ```
    pub fn par_intersection<'a>(&'a self, other: &'a Self) -> ParIntersection<'a, T, S, A> {
        ParIntersection { set: self, other }
    }

    /// The elements in either set, each once, in parallel.
    ///
    /// ```
    /// use map_core::HashSet;
    /// use rayon::iter::ParallelIterator;
    ///
    /// let a: HashSet<u64> = (0..10).collect();
    /// let b: HashSet<u64> = (5..20).collect();
    /// assert_eq!(a.par_union(&b).count(), 20);
    /// ```
    pub fn par_union<'a>(&'a self, other: &'a Self) -> ParUnion<'a, T, S, A> {
        ParUnion { set: self, other }
    }

    /// Whether the sets share no element, checked in parallel.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let a: HashSet<u64> = (0..10).collect();
    /// assert!(a.par_is_disjoint(&(10..20).collect()));
    /// assert!(!a.par_is_disjoint(&(9..20).collect()));
    /// ```
    pub fn par_is_disjoint(&self, other: &Self) -> bool {
        let (small, large) = if self.len() <= other.len() {
            (self, other)
        } else {
            (other, self)
        };
        small.par_iter().all(|v| !large.contains(v))
    }

    /// Whether every element of `self` is in `other`, checked in parallel.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let small: HashSet<u64> = (0..10).collect();
    /// let large: HashSet<u64> = (0..20).collect();
    /// assert!(small.par_is_subset(&large));
    /// assert!(!large.par_is_subset(&small));
    /// ```
    pub fn par_is_subset(&self, other: &Self) -> bool {
        self.len() <= other.len() && self.par_iter().all(|v| other.contains(v))
    }

    /// Whether every element of `other` is in `self`, checked in parallel.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let small: HashSet<u64> = (0..10).collect();
    /// let large: HashSet<u64> = (0..20).collect();
    /// assert!(large.par_is_superset(&small));
    /// ```
    pub fn par_is_superset(&self, other: &Self) -> bool {
        other.par_is_subset(self)
    }

    /// Whether the sets hold the same elements, compared in parallel.
    ///
    /// ```
    /// use map_core::HashSet;
    ///
    /// let a: HashSet<u64> = (0..10).collect();
    /// assert!(a.par_eq(&(0..10).rev().collect()));
    /// assert!(!a.par_eq(&(0..11).collect()));
    /// ```
    pub fn par_eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.par_is_subset(other)
    }
}

impl<'a, T: Sync + 'a, A: Allocator + Clone + Send + Sync> ParallelIterator for ParIter<'a, T, A> {
    type Item = &'a T;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.drive_unindexed(consumer)
    }
}

impl<T: Send, A: Allocator + Clone + Send + Sync> ParallelIterator for IntoParIter<T, A> {
    type Item = T;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(k, ())| k).drive_unindexed(consumer)
    }
}

impl<T: Send, A: Allocator + Clone + Send + Sync> ParallelIterator for ParDrain<'_, T, A> {
    type Item = T;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        self.inner.map(|(k, ())| k).drive_unindexed(consumer)
    }
}

impl<T, A: Allocator + Clone> Clone for ParIter<'_, T, A> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

/// The set operations' parallel iterators, each a borrow of its two sets
/// (`set`, `other`) that drives its consumer with the rayon iterator they
/// give.
macro_rules! set_operations {
    ($($(#[$doc:meta])* $name:ident: |$set:ident, $other:ident| $iter:expr;)*) => {$(
        $(#[$doc])*
        pub struct $name<'a, T, S, A: Allocator + Clone> {
            set: &'a HashSet<T, S, A>,
            other: &'a HashSet<T, S, A>,
        }

        impl<'a, T, S, A> ParallelIterator for $name<'a, T, S, A>
        where
            T: Eq + Hash + Sync + 'a,
            S: BuildHasher + Sync,
            A: Allocator + Clone + Send + Sync,
        {
            type Item = &'a T;

            fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
                let ($set, $other) = (self.set, self.other);
                $iter.drive_unindexed(consumer)
            }
        }

        impl<T, S, A: Allocator + Clone> Clone for $name<'_, T, S, A> {
            fn clone(&self) -> Self {
                Self {
                    set: self.set,
                    other: self.other,
                }
            }
        }

        impl<T, S, A: Allocator + Clone> fmt::Debug for $name<'_, T, S, A> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    )*};
}

set_operations! {
    /// The elements of one set that the other lacks, in parallel, from
    /// [`HashSet::par_difference`] (and, both ways, from
    /// [`HashSet::par_symmetric_difference`]).
    ParDifference: |set, other| set.par_iter().filter(move |v| !other.contains(*v));
    /// The elements in exactly one of the sets, in parallel, from
    /// [`HashSet::par_symmetric_difference`].
    ParSymmetricDifference: |set, other| {
        set.par_difference(other).chain(other.par_difference(set))
    };
    /// The elements in both sets, in parallel, from
    /// [`HashSet::par_intersection`].
    ParIntersection: |set, other| set.par_iter().filter(move |v| other.contains(*v));
    /// The elements in either set, each once, in parallel, from
    /// [`HashSet::par_union`].
    ParUnion: |set, other| {
        // The larger set whole, and what the smaller adds.
        let (small, large) = if set.len() <= other.len() { (set, other) } else { (other, set) };
        large.par_iter().chain(small.par_difference(large))
    };
}

impl<T, A: Allocator + Clone> fmt::Debug for ParIter<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParIter").finish_non_exhaustive()
    }
}

impl<T, A: Allocator + Clone> fmt::Debug for IntoParIter<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoParIter").finish_non_exhaustive()
    }
}

impl<T, A: Allocator + Clone> fmt::Debug for ParDrain<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParDrain").finish_non_exhaustive()
    }
}

impl<T: Send, S, A: Allocator + Clone + Send + Sync> IntoParallelIterator for HashSet<T, S, A> {
    type Item = T;
    type Iter = IntoParIter<T, A>;

    /// ```
    /// use map_core::HashSet;
    /// use rayon::iter::{IntoParallelIterator, ParallelIterator};
    ///
    /// let set: HashSet<u64> = (0..100).collect();
    /// assert_eq!(set.into_par_iter().sum::<u64>(), 4950);
    /// ```
    fn into_par_iter(self) -> IntoParIter<T, A> {
        IntoParIter {
            inner: self.map.into_par_iter(),
        }
    }
}

impl<'a, T: Sync + 'a, S, A: Allocator + Clone + Send + Sync> IntoParallelIterator
    for &'a HashSet<T, S, A>
{
    type Item = &'a T;
    type Iter = ParIter<'a, T, A>;

    fn into_par_iter(self) -> ParIter<'a, T, A> {
        self.par_iter()
    }
}

impl<T, S, A> ParallelExtend<T> for HashSet<T, S, A>
where
    T: Eq + Hash + Send,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// Collects the elements in parallel, then inserts them on this thread;
    /// as `extend`, room for a size hint sets no capacity floor.
    ///
    /// ```
    /// use map_core::HashSet;
    /// use rayon::iter::{IntoParallelIterator, ParallelExtend, ParallelIterator};
    ///
    /// let mut set = HashSet::new();
    /// set.par_extend((0..1000u64).into_par_iter().map(|i| i % 100));
    /// assert_eq!(set.len(), 100);
    /// ```
    fn par_extend<I: IntoParallelIterator<Item = T>>(&mut self, par_iter: I) {
        self.map
            .par_extend(par_iter.into_par_iter().map(|k| (k, ())));
    }
}

impl<'a, T, S, A> ParallelExtend<&'a T> for HashSet<T, S, A>
where
    T: Eq + Hash + Copy + Send + Sync + 'a,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// ```
    /// use map_core::HashSet;
    /// use rayon::iter::ParallelExtend;
    ///
    /// let source: HashSet<u64> = (0..100).collect();
    /// let mut copy = HashSet::new();
    /// copy.par_extend(source.par_iter());
    /// assert_eq!(copy, source);
    /// ```
    fn par_extend<I: IntoParallelIterator<Item = &'a T>>(&mut self, par_iter: I) {
        self.par_extend(par_iter.into_par_iter().copied());
    }
}

impl<T, S, A> FromParallelIterator<T> for HashSet<T, S, A>
where
    T: Eq + Hash + Send,
    S: BuildHasher + Default,
    A: Allocator + Clone + Default,
{
    /// ```
    /// use map_core::HashSet;
    /// use rayon::iter::{IntoParallelIterator, ParallelIterator};
    ///
    /// let set: HashSet<u64> = (0..1000u64).into_par_iter().collect();
    /// assert_eq!(set.len(), 1000);
    /// ```
    fn from_par_iter<I: IntoParallelIterator<Item = T>>(par_iter: I) -> Self {
        let mut set = Self::default();
        set.par_extend(par_iter);
        set
    }
}
