//! The key and value views of an iterator over pairs, written once for every
//! map in the workspace.
//!
//! Each map's `keys()`, `values()`, `values_mut()`, `into_keys()` and
//! `into_values()` return one of these around its own pair iterator
//! (`map_core::Keys<'a, K, V>` is `Keys<map_core::Iter<'a, K, V>>`, and so
//! on), so the projections, their `Clone`, `ExactSizeIterator`,
//! `FusedIterator` and `Debug` impls exist once.

use core::fmt;
use core::iter::FusedIterator;

macro_rules! projection {
    ($(#[$doc:meta])* $name:ident, $item:ident, |$pair:pat_param| $out:expr) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name<I> {
            inner: I,
        }

        impl<I: Default> Default for $name<I> {
            /// An empty view, where the pair iterator has an empty default.
            fn default() -> Self {
                Self { inner: I::default() }
            }
        }

        impl<I> $name<I> {
            /// Wraps an iterator over pairs.
            ///
            /// ```
            #[doc = concat!("use map_core::toolkit::iter::", stringify!($name), ";")]
            ///
            /// let pairs = vec![(1, 'a'), (2, 'b')];
            #[doc = concat!("let got: Vec<_> = ", stringify!($name), "::new(pairs.clone().into_iter()).collect();")]
            #[doc = concat!("let want: Vec<_> = pairs.into_iter().map(|", stringify!($pair), "| ", stringify!($out), ").collect();")]
            /// assert_eq!(got, want);
            /// ```
            pub fn new(inner: I) -> Self {
                Self { inner }
            }
        }

        impl<A, B, I: Iterator<Item = (A, B)>> Iterator for $name<I> {
            type Item = $item;
            #[inline]
            fn next(&mut self) -> Option<$item> {
                self.inner.next().map(|$pair| $out)
            }
            #[inline]
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.inner.size_hint()
            }
        }

        impl<A, B, I: ExactSizeIterator<Item = (A, B)>> ExactSizeIterator for $name<I> {}
        impl<A, B, I: FusedIterator<Item = (A, B)>> FusedIterator for $name<I> {}
    };
}

projection!(
    /// The keys of a borrowing pair iterator.
    Keys, A, |(k, _)| k
);
projection!(
    /// The values of a borrowing pair iterator.
    Values, B, |(_, v)| v
);
projection!(
    /// The mutable values of a pair iterator that lends `&mut V`.
    ValuesMut, B, |(_, v)| v
);
projection!(
    /// The keys of an owning pair iterator.
    IntoKeys, A, |(k, _)| k
);
projection!(
    /// The values of an owning pair iterator.
    IntoValues, B, |(_, v)| v
);

// Views over shared borrows can be cloned, so `Debug` lists what is left;
// the others only say how much is left.
impl<A: fmt::Debug, B, I: Iterator<Item = (A, B)> + Clone> fmt::Debug for Keys<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<A, B: fmt::Debug, I: Iterator<Item = (A, B)> + Clone> fmt::Debug for Values<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

macro_rules! debug_remaining {
    ($($name:ident),*) => {$(
        impl<A, B, I: Iterator<Item = (A, B)>> fmt::Debug for $name<I> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("remaining", &self.size_hint().0)
                    .finish()
            }
        }
    )*};
}
debug_remaining!(ValuesMut, IntoKeys, IntoValues);
