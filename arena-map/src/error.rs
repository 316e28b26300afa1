//! Why an arena map refused to grow.

use core::fmt;

/// Why an arena map could not make room.
///
/// Returned by an [`ArenaKeyMap`](crate::ArenaKeyMap)'s `try_insert` and
/// `try_reserve` (an [`ArenaMap`](crate::ArenaMap) reports std's
/// `TryReserveError`); the map is unchanged when you get one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArenaError {
    /// The arenas would pass the limit set with `with_memory_limit` or
    /// `set_memory_limit`.
    MemoryLimit {
        /// The limit in force, in bytes.
        limit: usize,
        /// The bytes the map would have needed to hold.
        needed: usize,
    },
    /// The allocator refused a new arena (its chunk or its state) or a new
    /// chunk of an arena.
    AllocFailed {
        /// The bytes asked for.
        bytes: usize,
    },
    /// The capacity asked for does not fit in `usize`.
    CapacityOverflow,
}

impl fmt::Display for ArenaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ArenaError::MemoryLimit { limit, needed } => write!(
                f,
                "arena map: memory limit of {limit} bytes reached ({needed} bytes needed)"
            ),
            ArenaError::AllocFailed { bytes } => {
                write!(f, "arena map: could not allocate an arena of {bytes} bytes")
            }
            ArenaError::CapacityOverflow => f.write_str("arena map: capacity overflow"),
        }
    }
}

impl std::error::Error for ArenaError {}

impl ArenaError {
    /// What the infallible methods (`insert`, `reserve`) do with an error.
    #[cold]
    #[track_caller]
    pub(crate) fn fail(self) -> ! {
        match self {
            ArenaError::AllocFailed { bytes } => std::alloc::handle_alloc_error(
                core::alloc::Layout::from_size_align(bytes.max(1), 16)
                    .unwrap_or(core::alloc::Layout::new::<u8>()),
            ),
            other => panic!("{other}"),
        }
    }
}

/// A refused `try_insert` of an [`ArenaKeyMap`](crate::ArenaKeyMap): the
/// error, and what was to be inserted.
///
/// ```
/// use arena_map::{ArenaError, StrMap};
///
/// let mut map: StrMap<[u8; 64]> = StrMap::with_memory_limit(16 * 1024);
/// let keys: Vec<String> = (0..10_000).map(|i| format!("key {i}")).collect();
/// let (key, refused) = keys
///     .iter()
///     .find_map(|k| map.try_insert(k, [0; 64]).err().map(|e| (k, e)))
///     .unwrap();
/// assert!(matches!(refused.error(), ArenaError::MemoryLimit { .. }));
/// assert_eq!(refused.into_inner(), [0; 64], "the value comes back");
/// assert!(!map.contains_key(key));
/// ```
pub struct TryInsertError<T> {
    error: ArenaError,
    rejected: T,
}

impl<T> TryInsertError<T> {
    pub(crate) fn new(error: ArenaError, rejected: T) -> Self {
        Self { error, rejected }
    }

    /// Why the insert was refused.
    ///
    /// ```
    /// use arena_map::{ArenaError, StrMap};
    ///
    /// let mut map: StrMap<u32> = StrMap::with_memory_limit(0);
    /// let refused = map.try_insert("one", 1).unwrap_err();
    /// assert!(matches!(refused.error(), ArenaError::MemoryLimit { limit: 0, .. }));
    /// ```
    pub fn error(&self) -> ArenaError {
        self.error
    }

    /// Takes back what was to be inserted.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<String> = StrMap::with_memory_limit(0);
    /// let refused = map.try_insert("seven", String::from("7")).unwrap_err();
    /// assert_eq!(refused.into_inner(), String::from("7"));
    /// ```
    pub fn into_inner(self) -> T {
        self.rejected
    }
}

impl<T> fmt::Debug for TryInsertError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryInsertError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for TryInsertError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<T> std::error::Error for TryInsertError<T> {}
