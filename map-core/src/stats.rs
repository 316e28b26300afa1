//! Memory figures every map reports the same way.

/// What a map holds from its allocator, and what it has given back.
///
/// Figures count the map's own storage (tables, pools, arena chunks,
/// bookkeeping), not memory that keys and values own themselves (the heap
/// buffer of a `String` key, say). They are exact byte counts of what the map
/// asked its allocator for; the workspace's tests check them against a
/// counting global allocator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
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
