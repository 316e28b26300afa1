//! The reclamation policy: when a map gives memory back, and how far.
//!
//! This is the only place the decision is made. Every map in the workspace
//! asks a [`Reclaimer`] (a policy plus the running statistics) after each
//! operation that can leave storage under-used, and supplies only the
//! mechanics: how to shrink or compact its own storage.

use core::fmt;

use crate::MemoryStats;

/// Fixed-point scale used for the fast trigger check (8 fractional bits).
const FP_ONE: f64 = 256.0;

/// When a map gives memory back automatically, and how far it shrinks.
///
/// A policy is two numbers and a floor:
///
/// * `shrink_ratio`: a storage is shrunk when it has room for at least this
///   many times its live entries (default 8: a table that is 1/8 full or less
///   shrinks);
/// * `headroom`: after an automatic shrink the storage has room for this many
///   times the live entries (default 2), so that inserts right after a shrink
///   do not grow it straight back;
/// * `min_capacity`: automatic reclamation never shrinks a storage below room
///   for this many entries (default 16), so a map cycling near empty makes no
///   allocator calls at all.
///
/// For storages that accumulate unreusable bytes (an arena), `garbage_ratio`
/// says how many dead bytes per live byte are tolerated before compaction
/// (default 1).
///
/// Because a hash table rounds its capacity up to a power of two, a shrink to
/// `headroom × len` can leave up to `2 × headroom × len` room. The builder
/// therefore requires `shrink_ratio ≥ 2.5 × headroom` and `headroom ≥ 1.25`:
/// then, after any resize, at least a fifth of the entries must be inserted or
/// removed before the next one, which keeps growth and shrinking amortised
/// O(1) and rules out a shrink/grow loop.
///
/// # Examples
///
/// ```
/// use map_core::ReclaimPolicy;
///
/// let auto = ReclaimPolicy::default();
/// assert!(auto.is_automatic());
///
/// let tight = ReclaimPolicy::builder().shrink_ratio(4.0).headroom(1.5).build()?;
/// assert_eq!(tight.shrink_ratio(), 4.0);
///
/// // Nonsense is refused, and the error names the value.
/// let err = ReclaimPolicy::builder().shrink_ratio(2.0).build().unwrap_err();
/// assert!(err.to_string().contains("shrink_ratio"));
/// # Ok::<(), map_core::PolicyError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReclaimPolicy {
    automatic: bool,
    shrink_ratio: f64,
    headroom: f64,
    drain_ratio: f64,
    garbage_ratio: f64,
    min_capacity: usize,
    clear_keep_bytes: usize,
    // Fixed-point copies of the ratios, so the check on the remove path is
    // two integer multiplications.
    shrink_ratio_fp: usize,
    drain_ratio_fp: usize,
    headroom_fp: usize,
    // The catch-up ratio of the first insert after removals (see
    // `Reclaimer`'s docs): the largest of `2.5 × headroom` (the hysteresis
    // bound) and half of `shrink_ratio`.
    catch_up_fp: usize,
}

impl ReclaimPolicy {
    /// Default `shrink_ratio`: shrink a storage that is 1/8 full or less.
    pub const DEFAULT_SHRINK_RATIO: f64 = 8.0;
    /// Default `headroom`: after shrinking, room for twice the live entries.
    pub const DEFAULT_HEADROOM: f64 = 2.0;
    /// Default `drain_ratio`: equal to the default `shrink_ratio`, so a map
    /// that only loses entries shrinks as soon as it is 1/8 full, without
    /// waiting for an insert (a map drained and then only read gives its
    /// memory back). A policy built with another `shrink_ratio` and no
    /// `drain_ratio` takes its `shrink_ratio` here too.
    pub const DEFAULT_DRAIN_RATIO: f64 = Self::DEFAULT_SHRINK_RATIO;
    /// Default `garbage_ratio`: compact once dead bytes exceed live bytes.
    pub const DEFAULT_GARBAGE_RATIO: f64 = 1.0;
    /// Default `min_capacity`: never shrink automatically below room for 16 entries.
    pub const DEFAULT_MIN_CAPACITY: usize = 16;
    /// Garbage below this many bytes (alignment slack, a small leftover
    /// chunk) is never worth a compaction, whatever `garbage_ratio` says.
    pub const MIN_GARBAGE_BYTES: usize = 4096;
    /// Default `clear_keep_bytes`: `clear()` keeps a storage of up to 512 KiB
    /// for the refill (a table of 1,000 entries of up to 200 bytes, or
    /// 28,000 `u64 -> u64` entries) and gives a larger one back.
    pub const DEFAULT_CLEAR_KEEP_BYTES: usize = 512 * 1024;

    /// The automatic policy with the default thresholds.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// let p = ReclaimPolicy::automatic();
    /// assert!(p.is_automatic());
    /// assert_eq!(p, ReclaimPolicy::default());
    /// assert_eq!((p.shrink_ratio(), p.headroom(), p.drain_ratio()), (8.0, 2.0, 8.0));
    /// assert_eq!((p.min_capacity(), p.clear_keep_bytes()), (16, 512 * 1024));
    /// ```
    pub const fn automatic() -> Self {
        Self::from_parts(
            true,
            Self::DEFAULT_SHRINK_RATIO,
            Self::DEFAULT_HEADROOM,
            Self::DEFAULT_DRAIN_RATIO,
            Self::DEFAULT_GARBAGE_RATIO,
            Self::DEFAULT_MIN_CAPACITY,
            Self::DEFAULT_CLEAR_KEEP_BYTES,
        )
    }

    /// A policy that never reclaims by itself: memory goes back only on
    /// `reclaim()`, `shrink_to_fit()`, `clear()` followed by `reclaim()`, or drop.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimMap, ReclaimPolicy};
    ///
    /// let mut map = HashMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..1000u32 { map.insert(i, i); }
    /// for i in 0..1000u32 { map.remove(&i); }
    /// assert!(map.memory().allocated_bytes > 0, "manual: nothing given back yet");
    /// assert!(map.reclaim() > 0);
    /// assert_eq!(map.memory().allocated_bytes, 0);
    /// ```
    pub const fn manual() -> Self {
        let mut p = Self::automatic();
        p.automatic = false;
        p
    }

    /// Starts a validated policy from the defaults.
    ///
    /// ```
    /// use map_core::{PolicyError, ReclaimPolicy};
    ///
    /// assert_eq!(ReclaimPolicy::builder().build()?, ReclaimPolicy::automatic());
    /// let err = ReclaimPolicy::builder().min_capacity(0).build().unwrap_err();
    /// assert!(matches!(err, PolicyError::OutOfRange { field: "min_capacity", .. }));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder {
            policy: Self::automatic(),
            drain_set: false,
        }
    }

    const fn from_parts(
        automatic: bool,
        shrink_ratio: f64,
        headroom: f64,
        drain_ratio: f64,
        garbage_ratio: f64,
        min_capacity: usize,
        clear_keep_bytes: usize,
    ) -> Self {
        Self {
            automatic,
            shrink_ratio,
            headroom,
            drain_ratio,
            garbage_ratio,
            min_capacity,
            clear_keep_bytes,
            shrink_ratio_fp: (shrink_ratio * FP_ONE) as usize,
            drain_ratio_fp: (drain_ratio * FP_ONE) as usize,
            headroom_fp: (headroom * FP_ONE) as usize,
            catch_up_fp: (if 2.5 * headroom > shrink_ratio / 2.0 {
                2.5 * headroom
            } else {
                shrink_ratio / 2.0
            } * FP_ONE) as usize,
        }
    }

    /// Whether the map reclaims by itself.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// assert!(ReclaimPolicy::automatic().is_automatic());
    /// assert!(!ReclaimPolicy::manual().is_automatic());
    /// ```
    pub const fn is_automatic(&self) -> bool {
        self.automatic
    }

    /// Shrink when the storage has room for this many times its live entries.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// assert_eq!(ReclaimPolicy::default().shrink_ratio(), ReclaimPolicy::DEFAULT_SHRINK_RATIO);
    /// let p = ReclaimPolicy::builder().shrink_ratio(16.0).build()?;
    /// assert_eq!(p.shrink_ratio(), 16.0);
    /// # Ok::<(), map_core::PolicyError>(())
    /// ```
    pub const fn shrink_ratio(&self) -> f64 {
        self.shrink_ratio
    }

    /// After an automatic shrink, room for this many times the live entries.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// assert_eq!(ReclaimPolicy::default().headroom(), ReclaimPolicy::DEFAULT_HEADROOM);
    /// let p = ReclaimPolicy::builder().headroom(1.5).build()?;
    /// assert_eq!(p.headroom(), 1.5);
    /// # Ok::<(), map_core::PolicyError>(())
    /// ```
    pub const fn headroom(&self) -> f64 {
        self.headroom
    }

    /// A map that has only lost entries since its last insert shrinks
    /// when it has room for this many times its entries. Equal to
    /// `shrink_ratio` unless set otherwise: a removal shrinks as soon as the
    /// storage is sparse.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// assert_eq!(ReclaimPolicy::default().drain_ratio(), ReclaimPolicy::DEFAULT_DRAIN_RATIO);
    /// assert_eq!(ReclaimPolicy::default().drain_ratio(), ReclaimPolicy::default().shrink_ratio());
    /// // Follows `shrink_ratio` unless set.
    /// let p = ReclaimPolicy::builder().shrink_ratio(16.0).build()?;
    /// assert_eq!(p.drain_ratio(), 16.0);
    /// // Larger: a draining map waits (for the next insert, or until it is
    /// // 1/128 full here) before it shrinks.
    /// let lazy = ReclaimPolicy::builder().drain_ratio(128.0).build()?;
    /// assert_eq!(lazy.drain_ratio(), 128.0);
    /// # Ok::<(), map_core::PolicyError>(())
    /// ```
    pub const fn drain_ratio(&self) -> f64 {
        self.drain_ratio
    }

    /// Dead bytes tolerated per live byte before a compacting storage compacts.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// assert_eq!(ReclaimPolicy::default().garbage_ratio(), ReclaimPolicy::DEFAULT_GARBAGE_RATIO);
    /// let p = ReclaimPolicy::builder().garbage_ratio(4.0).build()?;
    /// assert_eq!(p.garbage_ratio(), 4.0);
    /// # Ok::<(), map_core::PolicyError>(())
    /// ```
    pub const fn garbage_ratio(&self) -> f64 {
        self.garbage_ratio
    }

    /// Automatic reclamation never shrinks below room for this many entries.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// assert_eq!(ReclaimPolicy::default().min_capacity(), ReclaimPolicy::DEFAULT_MIN_CAPACITY);
    /// let p = ReclaimPolicy::builder().min_capacity(1024).build()?;
    /// assert_eq!(p.min_capacity(), 1024);
    /// # Ok::<(), map_core::PolicyError>(())
    /// ```
    pub const fn min_capacity(&self) -> usize {
        self.min_capacity
    }

    /// `clear()` keeps a storage of at most this many bytes for the refill,
    /// and gives a larger one back.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// assert_eq!(ReclaimPolicy::default().clear_keep_bytes(), 512 * 1024);
    /// let p = ReclaimPolicy::builder().clear_keep_bytes(0).build()?;
    /// assert_eq!(p.clear_keep_bytes(), 0);
    /// # Ok::<(), map_core::PolicyError>(())
    /// ```
    pub const fn clear_keep_bytes(&self) -> usize {
        self.clear_keep_bytes
    }

    /// Should a storage with room for `capacity` entries, `len` of them
    /// live, shrink now (at an insert, an explicit policy change, or any time
    /// the map is not being drained)? Returns the capacity to shrink to:
    /// `headroom × len` rounded up (and at least one more than `len`), never
    /// below `min_capacity`.
    ///
    /// This is the bare rule; a [`Reclaimer`] adds the map's capacity floor
    /// and the storage's rounding.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// let p = ReclaimPolicy::automatic();
    /// // 1/10 full is sparse under `shrink_ratio` 8: shrink to twice the entries.
    /// assert_eq!(p.shrink_target(100, 1000), Some(200));
    /// assert_eq!(p.shrink_target(200, 1000), None);
    /// // Never below `min_capacity`.
    /// assert_eq!(p.shrink_target(1, 1000), Some(16));
    /// assert_eq!(ReclaimPolicy::manual().shrink_target(1, 1000), None);
    /// ```
    #[inline]
    pub fn shrink_target(&self, len: usize, capacity: usize) -> Option<usize> {
        self.target_at(self.shrink_ratio_fp, len, capacity)
    }

    /// [`shrink_target`](Self::shrink_target) with the ratio `ratio_fp`
    /// (fixed point) in place of `shrink_ratio`.
    #[inline]
    fn target_at(&self, ratio_fp: usize, len: usize, capacity: usize) -> Option<usize> {
        if self.automatic
            && capacity > self.min_capacity
            && len.saturating_mul(ratio_fp) <= capacity.saturating_mul(FP_ONE as usize)
        {
            let target = self.headroom_for(len).max(self.min_capacity);
            (target < capacity).then_some(target)
        } else {
            None
        }
    }

    /// Room for `len` entries and `headroom` to spare: `⌈headroom × len⌉`,
    /// and at least one more than `len`, so the next insert never grows the
    /// storage straight back.
    fn headroom_for(&self, len: usize) -> usize {
        let fp = FP_ONE as usize;
        let room = len.saturating_mul(self.headroom_fp).saturating_add(fp - 1) / fp;
        room.max(len.saturating_add(1))
    }

    /// Should a storage holding `live_bytes` that are needed and `dead_bytes`
    /// that are not (and cannot be reused) compact now? Never for less than
    /// [`MIN_GARBAGE_BYTES`](Self::MIN_GARBAGE_BYTES) of garbage.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// let p = ReclaimPolicy::automatic();
    /// assert!(p.should_compact(8_000, 10_000));
    /// assert!(!p.should_compact(20_000, 10_000), "less garbage than live bytes");
    /// assert!(!p.should_compact(0, 4_000), "below MIN_GARBAGE_BYTES");
    /// assert!(!ReclaimPolicy::manual().should_compact(0, 1 << 20));
    /// ```
    #[inline]
    pub fn should_compact(&self, live_bytes: usize, dead_bytes: usize) -> bool {
        self.automatic
            && dead_bytes >= Self::MIN_GARBAGE_BYTES
            && dead_bytes as f64 > self.garbage_ratio * live_bytes.max(1) as f64
    }
}

impl Default for ReclaimPolicy {
    /// The automatic policy: see [`ReclaimPolicy::automatic`].
    fn default() -> Self {
        Self::automatic()
    }
}

/// Builds a [`ReclaimPolicy`], refusing values that make no sense.
///
/// ```
/// use map_core::{PolicyError, ReclaimPolicy};
///
/// let err = ReclaimPolicy::builder().headroom(f64::NAN).build().unwrap_err();
/// assert!(matches!(err, PolicyError::NotFinite { field: "headroom", .. }));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct PolicyBuilder {
    policy: ReclaimPolicy,
    // Whether `drain_ratio` was set; if not, it follows `shrink_ratio`.
    drain_set: bool,
}

impl PolicyBuilder {
    /// Reclaim automatically (`true`, the default) or only on request.
    ///
    /// ```
    /// use map_core::ReclaimPolicy;
    ///
    /// let p = ReclaimPolicy::builder().automatic(false).build()?;
    /// assert_eq!(p, ReclaimPolicy::manual());
    /// # Ok::<(), map_core::PolicyError>(())
    /// ```
    pub fn automatic(mut self, automatic: bool) -> Self {
        self.policy.automatic = automatic;
        self
    }

    /// Shrink when the storage has room for at least `ratio` times its live
    /// entries. Must be finite and at least `2.5 × headroom`.
    ///
    /// ```
    /// use map_core::{PolicyError, ReclaimPolicy};
    ///
    /// assert_eq!(ReclaimPolicy::builder().shrink_ratio(16.0).build()?.shrink_ratio(), 16.0);
    /// // Below 2.5 × headroom (5 with the default headroom of 2): refused.
    /// let err = ReclaimPolicy::builder().shrink_ratio(4.0).build().unwrap_err();
    /// assert!(matches!(err, PolicyError::OutOfRange { field: "shrink_ratio", min: 5.0, .. }));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub fn shrink_ratio(mut self, ratio: f64) -> Self {
        self.policy.shrink_ratio = ratio;
        self
    }

    /// After an automatic shrink, leave room for `headroom` times the live
    /// entries. Must be finite and at least 1.25.
    ///
    /// ```
    /// use map_core::{PolicyError, ReclaimPolicy};
    ///
    /// assert_eq!(ReclaimPolicy::builder().headroom(1.5).build()?.headroom(), 1.5);
    /// let err = ReclaimPolicy::builder().headroom(1.0).build().unwrap_err();
    /// assert!(matches!(err, PolicyError::OutOfRange { field: "headroom", .. }));
    /// // A larger headroom needs a larger shrink_ratio (here at least 10).
    /// let err = ReclaimPolicy::builder().headroom(4.0).build().unwrap_err();
    /// assert!(matches!(err, PolicyError::OutOfRange { field: "shrink_ratio", .. }));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub fn headroom(mut self, headroom: f64) -> Self {
        self.policy.headroom = headroom;
        self
    }

    /// While a map only loses entries, shrink once it has room for `ratio`
    /// times its entries (to room for a quarter more than remain); while it
    /// is sparser than `shrink_ratio` but not that sparse, wait for the next
    /// insert, which applies `shrink_ratio`. Must be finite and at least
    /// `shrink_ratio`. Unset, it equals `shrink_ratio`: shrink eagerly. A
    /// larger ratio saves moving entries of a map that is about to empty,
    /// at the price of holding the memory if the map then sits idle.
    ///
    /// ```
    /// use map_core::{PolicyError, ReclaimPolicy};
    ///
    /// let p = ReclaimPolicy::builder().shrink_ratio(16.0).drain_ratio(16.0).build()?;
    /// assert_eq!(p.drain_ratio(), 16.0);
    /// let err = ReclaimPolicy::builder().drain_ratio(4.0).build().unwrap_err();
    /// assert!(matches!(err, PolicyError::OutOfRange { field: "drain_ratio", .. }));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub fn drain_ratio(mut self, ratio: f64) -> Self {
        self.policy.drain_ratio = ratio;
        self.drain_set = true;
        self
    }

    /// Compact a compacting storage once its dead bytes exceed `ratio` times
    /// its live bytes. Must be finite and between 0.25 and 64.
    ///
    /// ```
    /// use map_core::{PolicyError, ReclaimPolicy};
    ///
    /// assert_eq!(ReclaimPolicy::builder().garbage_ratio(0.5).build()?.garbage_ratio(), 0.5);
    /// for refused in [0.1, 100.0] {
    ///     let err = ReclaimPolicy::builder().garbage_ratio(refused).build().unwrap_err();
    ///     assert!(matches!(err, PolicyError::OutOfRange { field: "garbage_ratio", .. }));
    /// }
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub fn garbage_ratio(mut self, ratio: f64) -> Self {
        self.policy.garbage_ratio = ratio;
        self
    }

    /// Never shrink automatically below room for `entries` entries. Must be
    /// at least 1: a map that freed its last table whenever it emptied would
    /// call the allocator on every insert/remove cycle near empty (`reclaim()`
    /// still frees everything on request).
    ///
    /// ```
    /// use map_core::{PolicyError, ReclaimPolicy};
    ///
    /// assert_eq!(ReclaimPolicy::builder().min_capacity(1).build()?.min_capacity(), 1);
    /// let err = ReclaimPolicy::builder().min_capacity(0).build().unwrap_err();
    /// assert!(matches!(err, PolicyError::OutOfRange { field: "min_capacity", .. }));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub fn min_capacity(mut self, entries: usize) -> Self {
        self.policy.min_capacity = entries;
        self
    }

    /// `clear()` keeps a storage of at most `bytes` for the refill (a map
    /// cleared and refilled then makes no allocator call) and gives a larger
    /// one back (a map cleared and left alone then holds nothing). 0 gives
    /// every storage back at `clear()`; `usize::MAX` keeps every one, as
    /// std does.
    ///
    /// ```
    /// use map_core::{HashMap, ReclaimPolicy};
    ///
    /// let policy = ReclaimPolicy::builder().clear_keep_bytes(0).build()?;
    /// let mut map = HashMap::with_policy(policy);
    /// for i in 0..1000u64 {
    ///     map.insert(i, i);
    /// }
    /// map.clear();
    /// assert_eq!(map.memory().allocated_bytes, 0, "even a small table goes back");
    /// # Ok::<(), map_core::PolicyError>(())
    /// ```
    pub fn clear_keep_bytes(mut self, bytes: usize) -> Self {
        self.policy.clear_keep_bytes = bytes;
        self
    }

    /// Checks the values and builds the policy.
    ///
    /// # Errors
    ///
    /// [`PolicyError`] names the first value that is not finite, out of its
    /// range, or that would let the map shrink and grow back in a loop.
    ///
    /// ```
    /// use map_core::{PolicyError, ReclaimPolicy};
    ///
    /// let p = ReclaimPolicy::builder().shrink_ratio(10.0).headroom(4.0).build()?;
    /// assert_eq!((p.shrink_ratio(), p.headroom()), (10.0, 4.0));
    /// let err = ReclaimPolicy::builder().drain_ratio(f64::INFINITY).build().unwrap_err();
    /// assert!(matches!(err, PolicyError::NotFinite { field: "drain_ratio", .. }));
    /// assert!(err.to_string().contains("drain_ratio"));
    /// # Ok::<(), PolicyError>(())
    /// ```
    pub fn build(self) -> Result<ReclaimPolicy, PolicyError> {
        let mut p = self.policy;
        if !self.drain_set {
            p.drain_ratio = p.shrink_ratio;
        }
        for (field, value) in [
            ("shrink_ratio", p.shrink_ratio),
            ("headroom", p.headroom),
            ("drain_ratio", p.drain_ratio),
            ("garbage_ratio", p.garbage_ratio),
        ] {
            if !value.is_finite() {
                return Err(PolicyError::NotFinite { field, value });
            }
        }
        check_range("headroom", p.headroom, 1.25, 1024.0)?;
        check_range("shrink_ratio", p.shrink_ratio, 2.5 * p.headroom, 1.0e6)?;
        check_range("drain_ratio", p.drain_ratio, p.shrink_ratio, 1.0e6)?;
        if p.min_capacity == 0 {
            return Err(PolicyError::OutOfRange {
                field: "min_capacity",
                value: 0.0,
                min: 1.0,
                max: usize::MAX as f64,
            });
        }
        check_range("garbage_ratio", p.garbage_ratio, 0.25, 64.0)?;
        Ok(ReclaimPolicy::from_parts(
            p.automatic,
            p.shrink_ratio,
            p.headroom,
            p.drain_ratio,
            p.garbage_ratio,
            p.min_capacity,
            p.clear_keep_bytes,
        ))
    }
}

fn check_range(field: &'static str, value: f64, min: f64, max: f64) -> Result<(), PolicyError> {
    if value < min || value > max {
        Err(PolicyError::OutOfRange {
            field,
            value,
            min,
            max,
        })
    } else {
        Ok(())
    }
}

/// Why a [`PolicyBuilder`] refused its values.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum PolicyError {
    /// The value is NaN or infinite.
    NotFinite {
        /// The builder method that set it.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// The value is outside `min..=max`. For `shrink_ratio` the minimum is
    /// `2.5 × headroom`: a lower ratio could shrink a table that then has to
    /// grow back after a handful of inserts.
    OutOfRange {
        /// The builder method that set it.
        field: &'static str,
        /// The value given.
        value: f64,
        /// The smallest accepted value.
        min: f64,
        /// The largest accepted value.
        max: f64,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PolicyError::NotFinite { field, value } => {
                write!(
                    f,
                    "reclaim policy: `{field}` must be a finite number, got {value}"
                )
            }
            PolicyError::OutOfRange {
                field,
                value,
                min,
                max,
            } => {
                write!(
                    f,
                    "reclaim policy: `{field}` must be between {min} and {max}, got {value}"
                )?;
                match field {
                    "shrink_ratio" => f.write_str(
                        " (at least 2.5 x headroom, or the map could shrink and grow back in a loop)",
                    )?,
                    "min_capacity" => f.write_str(
                        " (an empty map that frees its last table reallocates at every insert)",
                    )?,
                    _ => {}
                }
                Ok(())
            }
        }
    }
}

impl core::error::Error for PolicyError {}

/// What [`Reclaimer::on_clear`] decided for a storage being cleared.
///
/// More actions may come (keeping part of a storage, say), so the enum is
/// `#[non_exhaustive]`: a storage that meets an action it does not know
/// gives the storage back, as for [`Release`](ClearAction::Release), which is
/// always correct, if not always the cheapest refill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum ClearAction {
    /// Keep the storage, empty, for the refill (as std does).
    Keep,
    /// Give the storage back; the reclaimer remembers how many entries it
    /// held, so a refill grows back in a few large steps.
    Release,
}

/// A policy plus the running memory statistics of one map.
///
/// Maps embed one, call it after every removal
/// ([`on_remove`](Self::on_remove)) and before every insert
/// ([`on_insert`](Self::on_insert)), and it decides whether to shrink their
/// [`Storage`](crate::toolkit::Storage) and accounts for every change of
/// its allocation, so the decisions and the figures in [`MemoryStats`] are
/// the same for every variant.
///
/// Allocation only grows between two reclamations, so the peak is the larger
/// of the recorded pre-reclaim sizes and the current size: nothing needs to be
/// tracked on the insert path.
///
/// # The capacity floor
///
/// Capacity the user asked for is kept: the storage reports it with
/// [`request_capacity`](Self::request_capacity) (`with_capacity`, `reserve`,
/// `try_reserve`) or [`shrink_storage_to`](Self::shrink_storage_to)
/// (`shrink_to`; `shrink_to_fit`/`reclaim()` set 0), and no automatic shrink goes below
/// it. Capacities are in entries, rounded the way the storage rounds them
/// (see [`with_rounding`](Self::with_rounding)), so a floor that the storage
/// cannot go below anyway costs no shrink attempts.
///
/// # Draining
///
/// A removal that leaves the storage `drain_ratio` times too big (by
/// default `shrink_ratio`, 8) shrinks it at once, to room for a quarter
/// more than the entries that remain: a map drained and then only read
/// gives its memory back without waiting for an insert. Each such shrink
/// moves the entries that remain, at most an eighth of the storage's room,
/// so a drain to empty moves about a sixth of the entries in all.
///
/// A drain that stops between two such shrinks can leave up to
/// `drain_ratio` times the room the entries need. The first insert after
/// removals catches up: if the storage has room for the catch-up ratio
/// times its entries (the larger of `2.5 × headroom` and half the
/// `shrink_ratio`: 5 by default), it shrinks to `headroom` times the
/// entries before inserting. A policy with a larger `drain_ratio` moves
/// fewer entries during a drain and leaves more of the shrinking to that
/// insert.
///
/// # Hysteresis
///
/// Every automatic shrink leaves room for at least a quarter more entries
/// than remain (and at least one), and the next shrink needs the storage to
/// be `shrink_ratio ≥ 2.5 × headroom` times too big: after any resize, at
/// least a fifth of the entries must be inserted or removed before the next.
///
#[derive(Clone, Copy, Debug)]
pub struct Reclaimer {
    policy: ReclaimPolicy,
    pending: bool,
    // `len <= sparse_below` is worth a closer look while the storage's size
    // is `sparse_for` (the shrink threshold, or the drain threshold once a
    // shrink is pending). `look_again` sets both to `usize::MAX`, so a
    // storage that announces every change of its size compares `len` alone.
    sparse_below: usize,
    sparse_for: usize,
    // No automatic shrink while `len > settle_below`: set when the storage
    // grew, so that a fifth of the entries it held then go first.
    settle_below: usize,
    // The capacity the user asked for, rounded by `round`.
    floor: usize,
    // Entries held when `clear()` gave the storage back, until refilled.
    refill: usize,
    round: fn(usize) -> usize,
    peak_bytes: usize,
    reclaimed_bytes: usize,
    reclaims: usize,
}

fn exact(capacity: usize) -> usize {
    capacity
}

impl Default for Reclaimer {
    fn default() -> Self {
        Self::new(ReclaimPolicy::automatic())
    }
}

impl Reclaimer {
    /// A reclaimer with this policy and no history, for a storage whose
    /// capacity is exactly what it is asked for.
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    /// use map_core::{MemoryStats, ReclaimPolicy};
    ///
    /// let r = Reclaimer::new(ReclaimPolicy::manual());
    /// assert_eq!(r.policy(), &ReclaimPolicy::manual());
    /// assert_eq!(r.floor(), 0);
    /// assert_eq!(r.stats(0), MemoryStats::default());
    /// ```
    pub const fn new(policy: ReclaimPolicy) -> Self {
        Self::with_rounding(policy, exact)
    }

    /// A reclaimer for a storage that rounds a requested capacity up:
    /// `round(n)` is the capacity the storage really gets when asked for
    /// room for `n` entries (for a hash table, `table::rounded_capacity`).
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    /// use map_core::ReclaimPolicy;
    ///
    /// // A storage that only comes in powers of two.
    /// let mut r = Reclaimer::with_rounding(ReclaimPolicy::default(), usize::next_power_of_two);
    /// r.request_capacity(100);
    /// assert_eq!(r.floor(), 128);
    /// assert_eq!(r.min_capacity_now(), 128);
    /// ```
    pub const fn with_rounding(policy: ReclaimPolicy, round: fn(usize) -> usize) -> Self {
        Self {
            policy,
            pending: false,
            sparse_below: usize::MAX,
            sparse_for: usize::MAX,
            settle_below: usize::MAX,
            floor: 0,
            refill: 0,
            round,
            peak_bytes: 0,
            reclaimed_bytes: 0,
            reclaims: 0,
        }
    }

    /// The same policy, floor and rounding with fresh statistics (for a
    /// clone of the map).
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    /// use map_core::ReclaimPolicy;
    ///
    /// let mut r = Reclaimer::new(ReclaimPolicy::manual());
    /// r.request_capacity(100);
    /// r.record_release(4096, 1024);
    /// let clone = r.fresh();
    /// assert_eq!((clone.policy(), clone.floor()), (r.policy(), 100));
    /// assert_eq!(clone.stats(0).reclaims, 0);
    /// assert_eq!(r.stats(0).reclaims, 1);
    /// ```
    pub fn fresh(&self) -> Self {
        let mut r = Self::with_rounding(self.policy, self.round);
        r.floor = self.floor;
        r
    }

    /// The policy in force.
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    /// use map_core::ReclaimPolicy;
    ///
    /// let r = Reclaimer::default();
    /// assert!(r.policy().is_automatic());
    /// ```
    #[inline]
    pub fn policy(&self) -> &ReclaimPolicy {
        &self.policy
    }

    /// Replaces the policy; the statistics and the floor are kept.
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    /// use map_core::ReclaimPolicy;
    ///
    /// let mut r = Reclaimer::default();
    /// r.request_capacity(64);
    /// r.record_release(100, 10);
    /// r.set_policy(ReclaimPolicy::manual());
    /// assert!(!r.policy().is_automatic());
    /// assert_eq!(r.floor(), 64);
    /// assert_eq!(r.stats(10).reclaimed_bytes, 90);
    /// ```
    pub fn set_policy(&mut self, policy: ReclaimPolicy) {
        self.policy = policy;
        self.look_again();
    }

    /// The capacity floor: automatic reclamation never shrinks below it.
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    ///
    /// let mut r = Reclaimer::default();
    /// assert_eq!(r.floor(), 0);
    /// r.request_capacity(100);
    /// assert_eq!(r.floor(), 100);
    /// ```
    pub fn floor(&self) -> usize {
        self.floor
    }

    /// The user asked for room for `capacity` entries (`with_capacity`,
    /// `reserve`, `try_reserve`): raises the floor to it.
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    ///
    /// let mut r = Reclaimer::default();
    /// r.request_capacity(100);
    /// r.request_capacity(50);
    /// assert_eq!(r.floor(), 100, "only raises the floor");
    /// assert_eq!(r.min_capacity_now(), 100, "and no automatic shrink goes below it");
    /// ```
    pub fn request_capacity(&mut self, capacity: usize) {
        let rounded = (self.round)(capacity);
        if rounded > self.floor {
            self.floor = rounded;
            self.look_again();
        }
    }

    /// Sets the floor to `capacity` entries, lower or higher (`shrink_to`;
    /// `shrink_to_fit` and `reclaim()` set 0).
    pub(crate) fn set_floor(&mut self, capacity: usize) {
        self.floor = if capacity == 0 {
            0
        } else {
            (self.round)(capacity)
        };
        self.look_again();
    }

    /// The smallest capacity an automatic shrink may leave: the policy's
    /// `min_capacity` or the floor, whichever is larger, as the storage
    /// rounds it.
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    ///
    /// let mut r = Reclaimer::default();
    /// assert_eq!(r.min_capacity_now(), 16, "the policy's min_capacity");
    /// r.request_capacity(100);
    /// assert_eq!(r.min_capacity_now(), 100, "the floor");
    /// ```
    pub fn min_capacity_now(&self) -> usize {
        (self.round)(self.policy.min_capacity).max(self.floor)
    }

    /// The target for an automatic shrink of a storage with room for
    /// `capacity`, if shrinking to room for `wanted` entries gains anything.
    fn target(&self, wanted: usize, capacity: usize) -> Option<usize> {
        let target = wanted.max(self.min_capacity_now());
        ((self.round)(target) < capacity).then_some(target)
    }

    /// The check every removal runs: could a storage left with `len`
    /// entries need to shrink? `size` is any number that changes whenever
    /// the storage's capacity does (a hash table's bucket count): two
    /// comparisons with cached thresholds. When it answers `true`, call
    /// [`on_sparse_remove`](Self::on_sparse_remove) from a cold path.
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    ///
    /// let r = Reclaimer::default();
    /// assert!(r.may_shrink(900, 1000), "no thresholds cached yet: look closer");
    /// ```
    #[inline(always)]
    pub fn may_shrink(&self, len: usize, size: usize) -> bool {
        len <= self.sparse_below || size != self.sparse_for
    }

    /// [`may_shrink`](Self::may_shrink) for a storage that tells the
    /// reclaimer of every change of its size (growth through
    /// [`grew`](Self::grew), every other resize through the protocol or
    /// [`look_again`](Self::look_again)): one comparison.
    #[inline(always)]
    pub(crate) fn may_shrink_announced(&self, len: usize) -> bool {
        len <= self.sparse_below
    }

    /// Whether a storage of `size` has told of every change of its size
    /// since the thresholds were cached (what
    /// [`may_shrink_announced`](Self::may_shrink_announced) relies on; for
    /// debug assertions).
    pub(crate) fn knows_size(&self, size: usize) -> bool {
        self.sparse_below == usize::MAX || self.sparse_for == size
    }

    /// The storage's size may have changed: the next removal looks at the
    /// policy again.
    #[inline]
    pub(crate) fn look_again(&mut self) {
        self.sparse_for = usize::MAX;
        self.sparse_below = usize::MAX;
    }

    /// Called when a removal leaves (or is about to leave) `len` entries in
    /// a storage with room for `capacity` (when
    /// [`may_shrink`](Self::may_shrink) says so; `size` as there): the
    /// capacity to shrink to now, if any. Call it only when an entry really
    /// leaves: nothing is given back unless one did.
    pub(crate) fn after_remove(
        &mut self,
        len: usize,
        capacity: usize,
        size: usize,
    ) -> Option<usize> {
        let p = self.policy;
        let scaled_capacity = capacity.saturating_mul(FP_ONE as usize);
        // Strictly below `capacity / ratio`: with power-of-two ratios that
        // quotient is itself a table capacity.
        let below = |ratio_fp: usize| (scaled_capacity / ratio_fp.max(1)).saturating_sub(1);
        let drain_below = below(p.drain_ratio_fp).min(self.settle_below);
        let catch_up_below = below(p.catch_up_fp).min(self.settle_below);
        self.sparse_for = size;
        if !p.automatic || capacity <= self.min_capacity_now() {
            self.sparse_below = 0;
            return None;
        }
        if len <= drain_below {
            self.pending = false;
            self.settle_below = usize::MAX;
            self.sparse_below = catch_up_below;
            // A quarter more than remains: the drain may turn into inserts.
            let room = len
                .saturating_add(len.div_ceil(4))
                .max(len.saturating_add(1));
            return self.target(if len == 0 { 0 } else { room }, capacity);
        }
        if len <= catch_up_below {
            self.pending = true;
            self.sparse_below = drain_below;
        } else {
            self.sparse_below = catch_up_below;
        }
        None
    }

    /// The storage just grew, and holds `len` entries (counting the insert
    /// that made it grow): no automatic shrink until a fifth of them are
    /// gone. Call it from the storage's growth path.
    ///
    /// A storage that grows only when it is full needs none of this (its
    /// next shrink is far below), but a hash table also grows when deleted
    /// slots used up its room: hashbrown doubles a table whose live entries
    /// fill more than half of it, and under a tight policy the doubled table
    /// could be sparse enough to shrink after a few removals.
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    /// use map_core::ReclaimPolicy;
    ///
    /// let tight = ReclaimPolicy::builder()
    ///     .headroom(1.25)
    ///     .shrink_ratio(3.125)
    ///     .drain_ratio(3.125)
    ///     .build()?;
    /// let mut r = Reclaimer::new(tight);
    /// // A hash table doubled to room for 7,168 entries at 2,000 of them
    /// // (2,000 / 7,168 is below 1 / 3.125): no shrink before 1,600.
    /// r.grew(2_000);
    /// # Ok::<(), map_core::PolicyError>(())
    /// ```
    #[inline]
    pub fn grew(&mut self, len: usize) {
        self.settle_below = len - len.div_ceil(5);
        // Look again at the next removal, with the new size.
        self.look_again();
    }

    /// A shrink the policy asked for at `len` entries gained nothing: look
    /// again only once half of them are gone (or the capacity changed).
    pub(crate) fn back_off(&mut self, len: usize) {
        self.sparse_below = len / 2;
    }

    /// Whether removals left a shrink for the next insert to consider.
    #[inline(always)]
    pub(crate) fn shrink_pending(&self) -> bool {
        self.pending
    }

    /// Called before an insert into a storage with `len` entries and room
    /// for `capacity`: the capacity to shrink to first (`headroom` times the
    /// entries), if removals left the storage with room for the catch-up
    /// ratio times its entries (see [Draining](Self#draining)). Costs one
    /// test of a flag otherwise.
    #[inline]
    pub(crate) fn before_insert(&mut self, len: usize, capacity: usize) -> Option<usize> {
        if !self.pending {
            return None;
        }
        self.pending = false;
        self.look_again();
        let wanted = self
            .policy
            .target_at(self.policy.catch_up_fp, len, capacity)?;
        let target = self.target(wanted, capacity)?;
        // The shrink spends a growth's note, as in `after_remove`.
        self.settle_below = usize::MAX;
        Some(target)
    }

    /// The capacity to shrink to right now under `shrink_ratio`, whatever
    /// happened before (used when the policy changes).
    pub(crate) fn check_now(&mut self, len: usize, capacity: usize) -> Option<usize> {
        self.pending = false;
        // Back to the shrink threshold for the next removal.
        self.look_again();
        let wanted = self.policy.shrink_target(len, capacity)?;
        self.target(wanted, capacity)
    }

    /// Called by `clear()` (and `drain()`) on a storage that held `len`
    /// entries in `bytes`: keep it for the refill, or give it back?
    ///
    /// Kept under the manual policy (as std does), when it is no larger than
    /// the floor or `min_capacity` (`capacity` entries), or when it is no
    /// larger than the policy's `clear_keep_bytes`; given back otherwise, and
    /// then the refill grows back towards `len` in large steps
    /// ([`refill_target`](Self::refill_target)).
    pub(crate) fn on_clear(&mut self, len: usize, capacity: usize, bytes: usize) -> ClearAction {
        self.pending = false;
        self.look_again();
        self.settle_below = usize::MAX;
        let p = self.policy;
        if !p.automatic || capacity <= self.min_capacity_now() || bytes <= p.clear_keep_bytes {
            return ClearAction::Keep;
        }
        self.refill = self.refill.max(len);
        ClearAction::Release
    }

    /// Called when a storage with `len` entries and room for `capacity` is
    /// full and about to grow: the capacity to grow to instead of the
    /// storage's usual step, if a `clear()` gave back a larger storage that
    /// the map is now refilling.
    ///
    /// Each step is as large as the hysteresis allows, `0.4 × shrink_ratio`
    /// times the entries (3.2 by default, against doubling): even a storage
    /// that rounds the step up to twice its size then needs a fifth of its
    /// entries removed before it is sparse. Steps stop at what the map held.
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    ///
    /// let mut r = Reclaimer::default();
    /// assert_eq!(r.refill_target(100, 100), None, "no clear: grow as usual");
    /// ```
    #[inline]
    pub fn refill_target(&mut self, len: usize, capacity: usize) -> Option<usize> {
        if self.refill <= capacity {
            self.refill = 0;
            return None;
        }
        let step = len
            .max(1)
            .saturating_mul(self.policy.shrink_ratio_fp)
            .saturating_mul(2)
            / (5 * FP_ONE as usize);
        let step = step.min(self.refill);
        (step > capacity.saturating_mul(2)).then_some(step)
    }

    /// Records that the storage went from `before` to `after` allocated bytes
    /// by giving memory back (a shrink, a compaction, a clear).
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    ///
    /// let mut r = Reclaimer::default();
    /// r.record_release(4096, 1024);
    /// r.record_release(1024, 1024); // nothing given back: not a reclaim
    /// let s = r.stats(1024);
    /// assert_eq!((s.peak_bytes, s.reclaimed_bytes, s.reclaims), (4096, 3072, 1));
    /// ```
    pub fn record_release(&mut self, before: usize, after: usize) {
        self.peak_bytes = self.peak_bytes.max(before);
        if after < before {
            self.reclaimed_bytes += before - after;
            self.reclaims += 1;
        }
    }

    /// Records a size the storage reached without going through a
    /// reclamation (for storages whose allocation can also shrink otherwise).
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    ///
    /// let mut r = Reclaimer::default();
    /// r.observe(8192);
    /// let s = r.stats(100);
    /// assert_eq!((s.peak_bytes, s.reclaims), (8192, 0));
    /// ```
    pub fn observe(&mut self, bytes: usize) {
        self.peak_bytes = self.peak_bytes.max(bytes);
    }

    /// The statistics, given the bytes the storage holds right now.
    ///
    /// ```
    /// use map_core::toolkit::Reclaimer;
    /// use map_core::MemoryStats;
    ///
    /// let mut r = Reclaimer::default();
    /// assert_eq!(r.stats(512), MemoryStats::new(512, 512, 0, 0));
    /// r.record_release(2048, 512);
    /// assert_eq!(r.stats(512).peak_bytes, 2048);
    /// ```
    pub fn stats(&self, allocated_bytes: usize) -> MemoryStats {
        MemoryStats {
            allocated_bytes,
            peak_bytes: self.peak_bytes.max(allocated_bytes),
            reclaimed_bytes: self.reclaimed_bytes,
            reclaims: self.reclaims,
        }
    }
}

#[cfg(test)]
mod reclaimer_tests {
    use super::{ClearAction, ReclaimPolicy, Reclaimer};

    #[test]
    fn set_floor() {
        let mut r = Reclaimer::default();
        r.request_capacity(100);
        r.set_floor(10);
        assert_eq!(r.floor(), 10);
        r.set_floor(500);
        assert_eq!(r.floor(), 500);
    }

    #[test]
    fn after_remove() {
        let mut r = Reclaimer::default();
        // 1/8 full or less: shrink now, to a quarter more than remain.
        assert_eq!(r.after_remove(100, 1000, 1000), Some(125));
        assert_eq!(
            r.after_remove(5, 1000, 1000),
            Some(16),
            "never below min_capacity"
        );
        // 3/20 full: not sparse enough to move entries while draining, but
        // the next insert tightens the storage to `headroom` times the entries.
        assert_eq!(r.after_remove(150, 1000, 1000), None);
        assert_eq!(r.before_insert(150, 1000), Some(300));
    }

    #[test]
    fn a_growth_waits_for_a_fifth_of_the_entries() {
        let tight = ReclaimPolicy::builder()
            .headroom(1.25)
            .shrink_ratio(3.125)
            .drain_ratio(3.125)
            .build()
            .unwrap();
        let mut r = Reclaimer::new(tight);
        // Without the note, 1,999 of 7,168 is sparse enough to shrink.
        assert!(r.after_remove(1_999, 7_168, 8_192).is_some());
        let mut r = Reclaimer::new(tight);
        r.grew(2_000);
        assert!(r.may_shrink(1_999, 8_192), "the new size is looked at");
        assert_eq!(r.after_remove(1_999, 7_168, 8_192), None);
        assert!(!r.may_shrink(1_601, 8_192));
        assert!(r.may_shrink(1_600, 8_192));
        assert!(r.after_remove(1_600, 7_168, 8_192).is_some());
        // The shrink done, the note is spent.
        assert!(r.after_remove(1_999, 7_168, 4_096).is_some());
    }

    #[test]
    fn before_insert() {
        let mut r = Reclaimer::default();
        assert_eq!(r.before_insert(150, 1000), None, "nothing pending");
        assert_eq!(r.after_remove(150, 1000, 1000), None);
        assert_eq!(r.before_insert(150, 1000), Some(300));
        assert_eq!(r.before_insert(150, 1000), None, "caught up");
    }

    #[test]
    fn check_now() {
        let mut r = Reclaimer::default();
        assert_eq!(r.check_now(100, 1000), Some(200));
        assert_eq!(r.check_now(500, 1000), None);
        r.request_capacity(600);
        assert_eq!(r.check_now(100, 1000), Some(600), "not below the floor");
    }

    #[test]
    fn on_clear() {
        let mut r = Reclaimer::default();
        assert_eq!(r.on_clear(1000, 1024, 16 << 10), ClearAction::Keep);
        assert_eq!(r.on_clear(100_000, 131_072, 2 << 20), ClearAction::Release);
        let mut manual = Reclaimer::new(ReclaimPolicy::manual());
        assert_eq!(
            manual.on_clear(100_000, 131_072, 2 << 20),
            ClearAction::Keep
        );
    }

    #[test]
    fn may_shrink_caches_thresholds() {
        let mut r = Reclaimer::default();
        assert!(r.may_shrink(900, 1000), "no thresholds cached yet");
        assert_eq!(r.after_remove(900, 1000, 1000), None);
        assert!(!r.may_shrink(899, 1000));
        assert!(r.may_shrink(100, 1000), "sparse: look closer");
        assert!(r.may_shrink(899, 2000), "the storage was resized");
    }

    #[test]
    fn refill_target_after_a_released_clear() {
        let mut r = Reclaimer::default();
        assert_eq!(r.refill_target(100, 100), None, "no clear: grow as usual");
        assert_eq!(r.on_clear(100_000, 131_072, 4 << 20), ClearAction::Release);
        // Steps of 3.2 times the entries instead of doubling...
        assert_eq!(r.refill_target(100, 100), Some(320));
        // ...up to what the map held.
        assert_eq!(r.refill_target(40_000, 40_000), Some(100_000));
        assert_eq!(r.refill_target(100_000, 100_000), None);
    }
}
