//! Iterators over a `PooledMap`: thin wrappers over the pool's, so they walk
//! the pool contiguously.

use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;

use allocator_api2::alloc::Allocator;
use map_core::PageAlloc;

use crate::handle::Handle;
use crate::store::Slot;

/// Iterator over `(&K, &V)`, from [`PooledMap::iter`](crate::PooledMap::iter).
pub struct Iter<'a, K, V> {
    pub(crate) inner: crate::pool::Iter<'a, Slot<K, V>>,
}

/// Iterator over `(&K, &mut V)`, from [`PooledMap::iter_mut`](crate::PooledMap::iter_mut).
pub struct IterMut<'a, K, V> {
    pub(crate) inner: crate::pool::IterMut<'a, Slot<K, V>>,
}

/// Iterator over `(Handle, &K, &V)`, from [`PooledMap::handles`](crate::PooledMap::handles).
pub struct Handles<'a, K, V> {
    pub(crate) inner: crate::pool::Iter<'a, Slot<K, V>>,
}

/// Owning iterator over `(K, V)`, from `PooledMap::into_iter`.
pub struct IntoIter<K, V, A: Allocator + Clone = PageAlloc> {
    pub(crate) inner: crate::pool::IntoIter<Slot<K, V>, A>,
}

/// Iterator over the keys, from [`PooledMap::keys`](crate::PooledMap::keys).
pub type Keys<'a, K, V> = map_core::toolkit::iter::Keys<Iter<'a, K, V>>;

/// Iterator over the values, from [`PooledMap::values`](crate::PooledMap::values).
pub type Values<'a, K, V> = map_core::toolkit::iter::Values<Iter<'a, K, V>>;

/// Iterator over mutable values, from [`PooledMap::values_mut`](crate::PooledMap::values_mut).
pub type ValuesMut<'a, K, V> = map_core::toolkit::iter::ValuesMut<IterMut<'a, K, V>>;

/// Owning iterator over the keys, from [`PooledMap::into_keys`](crate::PooledMap::into_keys).
pub type IntoKeys<K, V, A = PageAlloc> = map_core::toolkit::iter::IntoKeys<IntoIter<K, V, A>>;

/// Owning iterator over the values, from [`PooledMap::into_values`](crate::PooledMap::into_values).
pub type IntoValues<K, V, A = PageAlloc> = map_core::toolkit::iter::IntoValues<IntoIter<K, V, A>>;

/// Draining iterator, from [`PooledMap::drain`](crate::PooledMap::drain).
pub struct Drain<'a, K, V, A: Allocator + Clone = PageAlloc> {
    pub(crate) inner: DrainInner<'a, K, V, A>,
}

pub(crate) enum DrainInner<'a, K, V, A: Allocator + Clone> {
    /// The pool stays with the map (manual policy, or a small pool).
    Kept(crate::pool::Drain<'a, Slot<K, V>, A>),
    /// The pool was detached from the map and goes back when this is dropped.
    Released(
        crate::pool::IntoIter<Slot<K, V>, A>,
        PhantomData<&'a mut ()>,
    ),
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(_, s)| (&s.key, &s.value))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<'a, K, V> Iterator for IterMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(_, s)| (&s.key, &mut s.value))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<'a, K, V> Iterator for Handles<'a, K, V> {
    type Item = (Handle, &'a K, &'a V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(slot, s)| {
            // Occupied slots were checked to fit in u32 at insert.
            let handle = s.handle(slot as u32);
            (handle, &s.key, &s.value)
        })
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V, A: Allocator + Clone> Iterator for IntoIter<K, V, A> {
    type Item = (K, V);
    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next().map(|(_, s)| (s.key, s.value))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V, A: Allocator + Clone> Iterator for Drain<'_, K, V, A> {
    type Item = (K, V);
    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        match &mut self.inner {
            DrainInner::Kept(d) => d.next().map(|s| (s.key, s.value)),
            DrainInner::Released(d, _) => d.next().map(|(_, s)| (s.key, s.value)),
        }
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            DrainInner::Kept(d) => d.size_hint(),
            DrainInner::Released(d, _) => d.size_hint(),
        }
    }
}

macro_rules! exact_and_fused {
    ($($name:ident<$($lt:lifetime,)? K, V $(, $a:ident)?>),* $(,)?) => {$(
        impl<$($lt,)? K, V $(, $a: Allocator + Clone)?> ExactSizeIterator
            for $name<$($lt,)? K, V $(, $a)?> {}
        impl<$($lt,)? K, V $(, $a: Allocator + Clone)?> FusedIterator
            for $name<$($lt,)? K, V $(, $a)?> {}
    )*};
}
exact_and_fused!(
    Iter<'a, K, V>,
    IterMut<'a, K, V>,
    Handles<'a, K, V>,
    IntoIter<K, V, A>,
    Drain<'a, K, V, A>,
);

macro_rules! cloneable {
    ($($name:ident),*) => {$(
        impl<K, V> Clone for $name<'_, K, V> {
            fn clone(&self) -> Self {
                Self { inner: self.inner.clone() }
            }
        }
    )*};
}
cloneable!(Iter, Handles);

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}
impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Handles<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

macro_rules! debug_remaining {
    ($($name:ident<$($lt:lifetime,)? K, V $(, $a:ident)?>),* $(,)?) => {$(
        impl<$($lt,)? K, V $(, $a: Allocator + Clone)?> fmt::Debug
            for $name<$($lt,)? K, V $(, $a)?> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("remaining", &self.size_hint().0)
                    .finish()
            }
        }
    )*};
}
debug_remaining!(
    IterMut<'a, K, V>,
    IntoIter<K, V, A>,
    Drain<'a, K, V, A>,
);
