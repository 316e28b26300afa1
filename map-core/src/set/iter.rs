//! The iterators of [`HashSet`]: over its elements, and the lazy set
//! operations.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;

use allocator_api2::alloc::Allocator;
use page_alloc::PageAlloc;

use super::HashSet;
use crate::map::ExtractCore;
use crate::{IntoKeys, Keys};

/// Iterator over `&T`, from [`HashSet::iter`].
pub struct Iter<'a, T> {
    inner: Keys<'a, T, ()>,
}

/// Owning iterator over `T`, from `HashSet::into_iter`.
pub struct IntoIter<T, A: Allocator + Clone = PageAlloc> {
    inner: IntoKeys<T, (), A>,
}

/// Draining iterator, from [`HashSet::drain`].
pub struct Drain<'a, T, A: Allocator + Clone = PageAlloc> {
    inner: crate::Drain<'a, T, (), A>,
}

/// Lazy iterator removing the elements a predicate picks, from
/// [`HashSet::extract_if`].
///
/// Dropping it stops the removal; the policy then runs once if anything was
/// removed.
#[must_use = "lazy: elements are removed only as the iterator is advanced"]
pub struct ExtractIf<'a, T, F, S, A: Allocator + Clone = PageAlloc> {
    core: ExtractCore<'a, T, (), S, A>,
    pred: F,
}

/// Lazy union, from [`HashSet::union`].
pub struct Union<'a, T, S, A: Allocator + Clone = PageAlloc> {
    all: Iter<'a, T>,
    rest: Difference<'a, T, S, A>,
}

/// Lazy intersection, from [`HashSet::intersection`].
pub struct Intersection<'a, T, S, A: Allocator + Clone = PageAlloc> {
    iter: Iter<'a, T>,
    other: &'a HashSet<T, S, A>,
}

/// Lazy difference, from [`HashSet::difference`].
pub struct Difference<'a, T, S, A: Allocator + Clone = PageAlloc> {
    iter: Iter<'a, T>,
    other: &'a HashSet<T, S, A>,
}

/// Lazy symmetric difference, from [`HashSet::symmetric_difference`].
pub struct SymmetricDifference<'a, T, S, A: Allocator + Clone = PageAlloc> {
    a: Difference<'a, T, S, A>,
    b: Difference<'a, T, S, A>,
}

impl<'a, T> Iter<'a, T> {
    pub(super) fn new(inner: Keys<'a, T, ()>) -> Self {
        Self { inner }
    }
}

impl<T, A: Allocator + Clone> IntoIter<T, A> {
    pub(super) fn new(inner: IntoKeys<T, (), A>) -> Self {
        Self { inner }
    }
}

impl<'a, T, A: Allocator + Clone> Drain<'a, T, A> {
    pub(super) fn new(inner: crate::Drain<'a, T, (), A>) -> Self {
        Self { inner }
    }
}

impl<'a, T, F, S, A: Allocator + Clone> ExtractIf<'a, T, F, S, A> {
    pub(super) fn new(core: ExtractCore<'a, T, (), S, A>, pred: F) -> Self {
        Self { core, pred }
    }
}

impl<'a, T, S, A: Allocator + Clone> Union<'a, T, S, A> {
    pub(super) fn new(all: Iter<'a, T>, rest: Difference<'a, T, S, A>) -> Self {
        Self { all, rest }
    }
}

impl<'a, T, S, A: Allocator + Clone> Intersection<'a, T, S, A> {
    pub(super) fn new(iter: Iter<'a, T>, other: &'a HashSet<T, S, A>) -> Self {
        Self { iter, other }
    }
}

impl<'a, T, S, A: Allocator + Clone> Difference<'a, T, S, A> {
    pub(super) fn new(iter: Iter<'a, T>, other: &'a HashSet<T, S, A>) -> Self {
        Self { iter, other }
    }
}

impl<'a, T, S, A: Allocator + Clone> SymmetricDifference<'a, T, S, A> {
    pub(super) fn new(a: Difference<'a, T, S, A>, b: Difference<'a, T, S, A>) -> Self {
        Self { a, b }
    }
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;
    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.inner.next()
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T, A: Allocator + Clone> Iterator for IntoIter<T, A> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next()
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T, A: Allocator + Clone> Iterator for Drain<'_, T, A> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next().map(|(k, ())| k)
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T, F, S, A> Iterator for ExtractIf<'_, T, F, S, A>
where
    F: FnMut(&T) -> bool,
    A: Allocator + Clone,
{
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        let pred = &mut self.pred;
        self.core.next_where(|k, ()| pred(k)).map(|(k, ())| k)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.core.size_hint()
    }
}

impl<'a, T, S, A> Iterator for Union<'a, T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    type Item = &'a T;
    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.all.next().or_else(|| self.rest.next())
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let (all, _) = self.all.size_hint();
        let (_, rest) = self.rest.size_hint();
        (all, rest.map(|r| r + all))
    }
}

impl<'a, T, S, A> Iterator for Intersection<'a, T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    type Item = &'a T;
    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        let other = self.other;
        self.iter.find(|v| other.contains(*v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.iter.size_hint().1)
    }
}

impl<'a, T, S, A> Iterator for Difference<'a, T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    type Item = &'a T;
    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        let other = self.other;
        self.iter.find(|v| !other.contains(*v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.iter.size_hint().1)
    }
}

impl<'a, T, S, A> Iterator for SymmetricDifference<'a, T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    type Item = &'a T;
    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.a.next().or_else(|| self.b.next())
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let (_, a) = self.a.size_hint();
        let (_, b) = self.b.size_hint();
        (0, a.zip(b).map(|(a, b)| a + b))
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}
impl<T> FusedIterator for Iter<'_, T> {}
impl<T, A: Allocator + Clone> ExactSizeIterator for IntoIter<T, A> {}
impl<T, A: Allocator + Clone> FusedIterator for IntoIter<T, A> {}
impl<T, A: Allocator + Clone> ExactSizeIterator for Drain<'_, T, A> {}
impl<T, A: Allocator + Clone> FusedIterator for Drain<'_, T, A> {}
impl<T, F: FnMut(&T) -> bool, S, A: Allocator + Clone> FusedIterator for ExtractIf<'_, T, F, S, A> {}

macro_rules! fused_set_op {
    ($($name:ident),*) => {$(
        impl<T, S, A> FusedIterator for $name<'_, T, S, A>
        where
            T: Eq + Hash,
            S: BuildHasher,
            A: Allocator + Clone,
        {
        }
    )*};
}
fused_set_op!(Union, Intersection, Difference, SymmetricDifference);

impl<T> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T, S, A: Allocator + Clone> Clone for Union<'_, T, S, A> {
    fn clone(&self) -> Self {
        Self {
            all: self.all.clone(),
            rest: self.rest.clone(),
        }
    }
}

impl<T, S, A: Allocator + Clone> Clone for Intersection<'_, T, S, A> {
    fn clone(&self) -> Self {
        Self {
            iter: self.iter.clone(),
            other: self.other,
        }
    }
}

impl<T, S, A: Allocator + Clone> Clone for Difference<'_, T, S, A> {
    fn clone(&self) -> Self {
        Self {
            iter: self.iter.clone(),
            other: self.other,
        }
    }
}

impl<T, S, A: Allocator + Clone> Clone for SymmetricDifference<'_, T, S, A> {
    fn clone(&self) -> Self {
        Self {
            a: self.a.clone(),
            b: self.b.clone(),
        }
    }
}

impl<T> Default for Iter<'_, T> {
    /// An iterator that yields nothing.
    ///
    /// ```
    /// let mut iter: map_core::set::Iter<'_, u32> = Default::default();
    /// assert_eq!(iter.next(), None);
    /// ```
    fn default() -> Self {
        Self {
            inner: Default::default(),
        }
    }
}

impl<T, A: Allocator + Clone> Default for IntoIter<T, A> {
    /// An iterator that yields nothing.
    ///
    /// ```
    /// let mut iter: map_core::set::IntoIter<u32> = Default::default();
    /// assert_eq!(iter.next(), None);
    /// ```
    fn default() -> Self {
        Self {
            inner: Default::default(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

macro_rules! debug_remaining {
    ($($name:ident<$($lt:lifetime,)? T, A>),*) => {$(
        impl<T, A: Allocator + Clone> fmt::Debug for $name<$($lt,)? T, A> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("remaining", &self.size_hint().0)
                    .finish()
            }
        }
    )*};
}
debug_remaining!(IntoIter<T, A>, Drain<'_, T, A>);

impl<T, F, S, A: Allocator + Clone> fmt::Debug for ExtractIf<'_, T, F, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt(f)
    }
}

macro_rules! debug_set_op {
    ($($name:ident),*) => {$(
        impl<T, S, A> fmt::Debug for $name<'_, T, S, A>
        where
            T: fmt::Debug + Eq + Hash,
            S: BuildHasher,
            A: Allocator + Clone,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.clone()).finish()
            }
        }
    )*};
}
debug_set_op!(Union, Intersection, Difference, SymmetricDifference);
