//! Memory figures every map reports the same way.

/// What a map holds from its allocator, and what it has given back.
///
/// Figures count the map's own storage (tables, pools, arena chunks,
/// bookkeeping), not memory that keys and values own themselves (the heap
/// buffer of a `String` key, say). They are exact byte counts of what the map
/// asked its allocator for; the workspace's tests check them against a
/// counting global allocator.
///
/// More figures may be added, so the struct is `#[non_exhaustive]`: read
/// its fields, and build one (a map of your own, a test) with
/// [`MemoryStats::new`] or [`Default`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MemoryStats {
    /// Bytes the map holds from its allocator right now.
    pub allocated_bytes: usize,
    /// The most `allocated_bytes` has been since the map was made.
    pub peak_bytes: usize,
    /// Total bytes given back by reclamation (automatic or requested).
    pub reclaimed_bytes: usize,
    /// How many times memory was given back.
    pub reclaims: usize,
}

impl MemoryStats {
    /// The figures of a map that holds `allocated_bytes` now, held at most
    /// `peak_bytes`, and gave back `reclaimed_bytes` in `reclaims` reclamations.
    ///
    /// A map built on [`toolkit::Reclaimer`](crate::toolkit::Reclaimer) gets
    /// its figures from [`Reclaimer::stats`](crate::toolkit::Reclaimer::stats);
    /// this is for a map that keeps them itself, and for tests.
    ///
    /// ```
    /// use map_core::MemoryStats;
    ///
    /// let stats = MemoryStats::new(4096, 65_536, 61_440, 1);
    /// assert_eq!(stats.allocated_bytes, 4096);
    /// assert_eq!(stats.peak_bytes, 65_536);
    /// assert_eq!(stats.reclaimed_bytes, 61_440);
    /// assert_eq!(stats.reclaims, 1);
    /// assert_eq!(MemoryStats::new(0, 0, 0, 0), MemoryStats::default());
    /// ```
    pub const fn new(
        allocated_bytes: usize,
        peak_bytes: usize,
        reclaimed_bytes: usize,
        reclaims: usize,
    ) -> Self {
        Self {
            allocated_bytes,
            peak_bytes,
            reclaimed_bytes,
            reclaims,
        }
    }
}
