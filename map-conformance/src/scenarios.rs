//! The memory scenarios that define "reclaims", with `(u64, [u8; 128])`
//! entries, measured by the counting global allocator (bytes this thread
//! holds) and by the map's own `memory()`.
//!
//! The functions only measure; [`check_scenarios`] applies the thresholds.
//! The report in `bench-suite` runs the same functions. The `*_with`
//! forms take any [`Entries`] (key and value types made from an index), for
//! figures with other entries than the design's.

use std::fmt;
use std::hash::Hash;

use map_core::ReclaimMap;

use crate::alloc::Counter;

/// The value stored in every scenario.
pub type Value = [u8; 128];

/// One measurement: what the counting allocator saw and what the map said.
///
/// `#[non_exhaustive]`: a later version may measure more at the same
/// moment; build one with [`Bytes::new`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bytes {
    /// Bytes live in this thread since the map was made (counting allocator).
    pub counted: isize,
    /// `memory().allocated_bytes` at the same moment.
    pub reported: usize,
}

/// The entries a scenario stores: key and value number `i`.
pub trait Entries {
    /// The key type.
    type Key: Hash + Eq;
    /// The value type.
    type Value;
    /// Key number `i` (distinct for distinct `i`).
    ///
    /// ```
    /// use map_conformance::scenarios::Entries;
    ///
    /// struct Words;
    /// impl Entries for Words {
    ///     type Key = String;
    ///     type Value = usize;
    ///     fn key(&self, i: u64) -> String {
    ///         format!("word-{i}")
    ///     }
    ///     fn value(&self, i: u64) -> usize {
    ///         i as usize
    ///     }
    /// }
    /// assert_ne!(Words.key(1), Words.key(2));
    /// ```
    fn key(&self, i: u64) -> Self::Key;
    /// Value number `i`.
    ///
    /// ```
    /// use map_conformance::scenarios::{Entries, Standard};
    ///
    /// assert_eq!(Standard.value(3), [3u8; 128]);
    /// ```
    fn value(&self, i: u64) -> Self::Value;
}

/// The design's entries: `u64` keys, `[u8; 128]` values.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standard;

impl Entries for Standard {
    type Key = u64;
    type Value = Value;
    /// ```
    /// use map_conformance::scenarios::{Entries, Standard};
    ///
    /// assert_eq!(Standard.key(42), 42);
    /// ```
    fn key(&self, i: u64) -> u64 {
        i
    }
    /// ```
    /// use map_conformance::scenarios::{Entries, Standard};
    ///
    /// assert_eq!(Standard.value(7), [7u8; 128]);
    /// ```
    fn value(&self, i: u64) -> Value {
        value(i)
    }
}

impl Bytes {
    /// A measurement of `counted` live bytes (counting allocator) and
    /// `reported` bytes (the map's `memory().allocated_bytes`).
    ///
    /// ```
    /// use map_conformance::scenarios::Bytes;
    ///
    /// let bytes = Bytes::new(4096, 4096);
    /// assert_eq!((bytes.counted, bytes.reported), (4096, 4096));
    /// assert_eq!(Bytes::new(0, 0), Bytes::default());
    /// ```
    pub const fn new(counted: isize, reported: usize) -> Self {
        Self { counted, reported }
    }

    fn of<K, V, M: ReclaimMap<K, V>>(counter: &Counter, map: &M) -> Self {
        Self {
            counted: counter.live_bytes(),
            reported: map.memory().allocated_bytes,
        }
    }

    /// Whether `reported` agrees with `counted` within 10% (+64 KiB).
    ///
    /// ```
    /// use map_conformance::scenarios::Bytes;
    ///
    /// assert!(Bytes::new(1_000_000, 1_050_000).honest());
    /// assert!(!Bytes::new(1_000_000, 500_000).honest());
    /// ```
    pub fn honest(&self) -> bool {
        let counted = self.counted.max(0) as usize;
        counted.abs_diff(self.reported) <= counted / 10 + 64 * 1024
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} counted / {} reported", self.counted, self.reported)
    }
}

fn value(i: u64) -> Value {
    [i as u8; 128]
}

/// Bytes a fresh map needs for keys `0..n`.
///
/// ```
/// use map_conformance::scenarios::{fresh, Value};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let bytes = fresh(HashMap::<u64, Value>::new, 1_000);
/// assert!(bytes.counted >= 1_000 * 136, "1,000 entries of 136 bytes");
/// assert!(bytes.honest());
/// # }
/// ```
pub fn fresh<M, F>(make: F, n: usize) -> Bytes
where
    M: ReclaimMap<u64, Value>,
    F: Fn() -> M,
{
    fresh_with(make, n, &Standard)
}

/// [`fresh`] with any [`Entries`].
///
/// ```
/// use map_conformance::scenarios::{fresh_with, Entries};
/// use map_core::HashMap;
///
/// struct Small;
/// impl Entries for Small {
///     type Key = u32;
///     type Value = u32;
///     fn key(&self, i: u64) -> u32 { i as u32 }
///     fn value(&self, i: u64) -> u32 { i as u32 }
/// }
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let bytes = fresh_with(HashMap::<u32, u32>::new, 1_000, &Small);
/// assert!(bytes.counted >= 1_000 * 8);
/// assert_eq!(bytes.counted as usize, bytes.reported);
/// # }
/// ```
pub fn fresh_with<E, M, F>(make: F, n: usize, e: &E) -> Bytes
where
    E: Entries,
    M: ReclaimMap<E::Key, E::Value>,
    F: Fn() -> M,
{
    let counter = Counter::start();
    let mut map = make();
    for i in 0..n as u64 {
        map.insert(e.key(i), e.value(i));
    }
    Bytes::of(&counter, &map)
}

/// Fill `n`, remove all (no `reclaim()`), then `reclaim()`, then refill `n`.
///
/// `#[non_exhaustive]`: a later version may measure more.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct DeleteAll {
    /// Entries filled.
    pub entries: usize,
    /// After the first fill.
    pub filled: Bytes,
    /// After removing every entry, with no call to `reclaim()`.
    pub after_remove: Bytes,
    /// After `reclaim()`.
    pub after_reclaim: Bytes,
    /// After filling `n` again.
    pub refilled: Bytes,
    /// The map's own `peak_bytes` at the end.
    pub reported_peak: usize,
}

impl DeleteAll {
    /// Counted bytes held after the removals, as a fraction of the fill.
    ///
    /// ```
    /// use map_conformance::scenarios::{delete_all, Value};
    /// use map_core::HashMap;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let d = delete_all(HashMap::<u64, Value>::new, 10_000);
    /// assert!(d.held_after_remove() <= 0.01, "removing all gave the memory back");
    /// # }
    /// ```
    pub fn held_after_remove(&self) -> f64 {
        ratio(self.after_remove.counted, self.filled.counted)
    }

    /// Counted bytes after the refill over the first fill.
    ///
    /// ```
    /// use map_conformance::scenarios::{delete_all, Value};
    /// use map_core::HashMap;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let d = delete_all(HashMap::<u64, Value>::new, 10_000);
    /// assert!((d.refill_ratio() - 1.0).abs() <= 0.05, "the refill needs what the fill did");
    /// # }
    /// ```
    pub fn refill_ratio(&self) -> f64 {
        ratio(self.refilled.counted, self.filled.counted)
    }
}

/// Runs delete-all with `n` entries.
///
/// ```
/// use map_conformance::scenarios::{delete_all, Value};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let d = delete_all(HashMap::<u64, Value>::new, 10_000);
/// assert_eq!(d.entries, 10_000);
/// assert!(d.after_remove.counted * 100 <= d.filled.counted);
/// assert!(d.after_reclaim.counted <= d.after_remove.counted);
/// assert!(d.reported_peak >= d.filled.reported);
/// # }
/// ```
pub fn delete_all<M, F>(make: F, n: usize) -> DeleteAll
where
    M: ReclaimMap<u64, Value>,
    F: Fn() -> M,
{
    delete_all_with(make, n, &Standard)
}

/// [`delete_all`] with any [`Entries`].
///
/// ```
/// use map_conformance::scenarios::{delete_all_with, Entries};
/// use map_core::HashMap;
///
/// struct Names;
/// impl Entries for Names {
///     type Key = String;
///     type Value = u64;
///     fn key(&self, i: u64) -> String { format!("name-{i}") }
///     fn value(&self, i: u64) -> u64 { i }
/// }
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let d = delete_all_with(HashMap::<String, u64>::new, 5_000, &Names);
/// // The keys' own heap buffers are counted too, and freed with the entries.
/// assert!(d.filled.counted > d.filled.reported as isize);
/// assert!(d.held_after_remove() <= 0.01);
/// # }
/// ```
pub fn delete_all_with<E, M, F>(make: F, n: usize, e: &E) -> DeleteAll
where
    E: Entries,
    M: ReclaimMap<E::Key, E::Value>,
    F: Fn() -> M,
{
    let counter = Counter::start();
    let mut map = make();
    for i in 0..n as u64 {
        map.insert(e.key(i), e.value(i));
    }
    let filled = Bytes::of(&counter, &map);
    for i in 0..n as u64 {
        assert!(
            map.remove(&e.key(i)).is_some(),
            "delete-all: key {i} missing"
        );
    }
    let after_remove = Bytes::of(&counter, &map);
    map.reclaim();
    let after_reclaim = Bytes::of(&counter, &map);
    for i in 0..n as u64 {
        map.insert(e.key(i), e.value(i));
    }
    let refilled = Bytes::of(&counter, &map);
    DeleteAll {
        entries: n,
        filled,
        after_remove,
        after_reclaim,
        refilled,
        reported_peak: map.memory().peak_bytes,
    }
}

/// Fill `peak`, remove down to `keep`, then keep operating: `10 × keep`
/// operations that insert a new key and remove the oldest.
///
/// `#[non_exhaustive]`: a later version may measure more.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Spike {
    /// Entries at the peak.
    pub peak: usize,
    /// Entries kept.
    pub keep: usize,
    /// At the peak.
    pub at_peak: Bytes,
    /// Right after removing down to `keep`.
    pub after_remove: Bytes,
    /// After operating at `keep` entries.
    pub after_operate: Bytes,
    /// A fresh map of `keep` entries.
    pub fresh: Bytes,
}

impl Spike {
    /// Counted bytes after operating, as a multiple of a fresh map's.
    ///
    /// ```
    /// use map_conformance::scenarios::{spike, Value};
    /// use map_core::HashMap;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let s = spike(HashMap::<u64, Value>::new, 20_000, 1_000);
    /// assert!(s.held_vs_fresh() <= 3.0, "back near a fresh map's size");
    /// # }
    /// ```
    pub fn held_vs_fresh(&self) -> f64 {
        ratio(self.after_operate.counted, self.fresh.counted)
    }

    /// Counted bytes right after the removals, as a multiple of a fresh map's.
    ///
    /// ```
    /// use map_conformance::scenarios::{spike, Value};
    /// use map_core::HashMap;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let s = spike(HashMap::<u64, Value>::new, 20_000, 1_000);
    /// // A draining map may defer its shrink to the next insert.
    /// assert!(s.after_remove_vs_fresh() >= s.held_vs_fresh());
    /// # }
    /// ```
    pub fn after_remove_vs_fresh(&self) -> f64 {
        ratio(self.after_remove.counted, self.fresh.counted)
    }
}

/// Runs the spike scenario.
///
/// ```
/// use map_conformance::scenarios::{spike, Value};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let s = spike(HashMap::<u64, Value>::new, 20_000, 1_000);
/// assert_eq!((s.peak, s.keep), (20_000, 1_000));
/// assert!(s.at_peak.counted > 10 * s.fresh.counted);
/// assert!(s.after_operate.counted <= 3 * s.fresh.counted);
/// # }
/// ```
pub fn spike<M, F>(make: F, peak: usize, keep: usize) -> Spike
where
    M: ReclaimMap<u64, Value>,
    F: Fn() -> M,
{
    spike_with(make, peak, keep, &Standard)
}

/// [`spike`] with any [`Entries`].
///
/// ```
/// use map_conformance::scenarios::{spike_with, Standard, Value};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let s = spike_with(HashMap::<u64, Value>::new, 20_000, 1_000, &Standard);
/// assert!(s.held_vs_fresh() <= 3.0);
/// assert!(s.after_operate.honest());
/// # }
/// ```
pub fn spike_with<E, M, F>(make: F, peak: usize, keep: usize, e: &E) -> Spike
where
    E: Entries,
    M: ReclaimMap<E::Key, E::Value>,
    F: Fn() -> M,
{
    let fresh = fresh_with(&make, keep, e);
    let counter = Counter::start();
    let (mut map, at_peak, after_remove) = fill_then_drain(&counter, make(), peak, keep, e);
    let first_kept = (peak - keep) as u64;
    for step in 0..(keep * 10) as u64 {
        let (oldest, next) = (first_kept + step, peak as u64 + step);
        map.insert(e.key(next), e.value(next));
        map.remove(&e.key(oldest));
    }
    assert_eq!(map.len(), keep, "spike: live set drifted");
    let after_operate = Bytes::of(&counter, &map);
    Spike {
        peak,
        keep,
        at_peak,
        after_remove,
        after_operate,
        fresh,
    }
}

/// A steady live set with insert-new/remove-oldest operations.
///
/// `#[non_exhaustive]`: a later version may measure more.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Churn {
    /// Entries live throughout.
    pub live: usize,
    /// Insert/remove pairs made.
    pub ops: usize,
    /// Most counted bytes seen at any point.
    pub peak_counted: isize,
    /// The map's own `peak_bytes` at the end.
    pub peak_reported: usize,
    /// At the end.
    pub end: Bytes,
    /// A fresh map of `live` entries.
    pub fresh: Bytes,
}

impl Churn {
    /// Peak counted bytes as a multiple of a fresh map's.
    ///
    /// ```
    /// use map_conformance::scenarios::{churn, Value};
    /// use map_core::HashMap;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let c = churn(HashMap::<u64, Value>::new, 1_000, 20_000);
    /// assert!(c.peak_vs_fresh() <= 3.0, "churn does not let the table creep");
    /// # }
    /// ```
    pub fn peak_vs_fresh(&self) -> f64 {
        ratio(self.peak_counted, self.fresh.counted)
    }
}

/// Runs the churn scenario.
///
/// ```
/// use map_conformance::scenarios::{churn, Value};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let c = churn(HashMap::<u64, Value>::new, 1_000, 20_000);
/// assert_eq!((c.live, c.ops), (1_000, 20_000));
/// assert!(c.peak_counted >= c.end.counted);
/// assert!(c.end.honest());
/// # }
/// ```
pub fn churn<M, F>(make: F, live: usize, ops: usize) -> Churn
where
    M: ReclaimMap<u64, Value>,
    F: Fn() -> M,
{
    churn_with(make, live, ops, &Standard)
}

/// [`churn`] with any [`Entries`].
///
/// ```
/// use map_conformance::scenarios::{churn_with, Standard, Value};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let c = churn_with(HashMap::<u64, Value>::new, 1_000, 20_000, &Standard);
/// assert!(c.peak_vs_fresh() <= 3.0);
/// # }
/// ```
pub fn churn_with<E, M, F>(make: F, live: usize, ops: usize, e: &E) -> Churn
where
    E: Entries,
    M: ReclaimMap<E::Key, E::Value>,
    F: Fn() -> M,
{
    let fresh = fresh_with(&make, live, e);
    let counter = Counter::start();
    let mut map = make();
    for i in 0..live as u64 {
        map.insert(e.key(i), e.value(i));
    }
    let mut peak_counted = counter.live_bytes();
    for oldest in 0..ops as u64 {
        let next = live as u64 + oldest;
        map.insert(e.key(next), e.value(next));
        peak_counted = peak_counted.max(counter.live_bytes());
        map.remove(&e.key(oldest));
    }
    assert_eq!(map.len(), live, "churn: live set drifted");
    Churn {
        live,
        ops,
        peak_counted,
        peak_reported: map.memory().peak_bytes,
        end: Bytes::of(&counter, &map),
        fresh,
    }
}

/// Drain then idle: fill `peak`, remove all but `survivors` (the oldest
/// first), insert nothing after. A map must not need a later insert to give
/// memory back.
///
/// `#[non_exhaustive]`: a later version may measure more.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct DrainIdle {
    /// Entries at the peak.
    pub peak: usize,
    /// Entries left.
    pub survivors: usize,
    /// At the peak.
    pub at_peak: Bytes,
    /// Right after the last removal.
    pub idle: Bytes,
    /// A fresh map of `survivors` entries.
    pub fresh: Bytes,
}

impl DrainIdle {
    /// Counted bytes held idle, as a multiple of a fresh map's.
    ///
    /// ```
    /// use map_conformance::scenarios::{drain_idle, Value};
    /// use map_core::HashMap;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let d = drain_idle(HashMap::<u64, Value>::new, 20_000, 400);
    /// assert!(d.held_vs_fresh() <= 8.0, "the removals gave memory back");
    /// # }
    /// ```
    pub fn held_vs_fresh(&self) -> f64 {
        ratio(self.idle.counted, self.fresh.counted)
    }
}

/// Runs the drain-then-idle scenario with the design's entries.
///
/// ```
/// use map_conformance::scenarios::{drain_idle, Value};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let d = drain_idle(HashMap::<u64, Value>::new, 20_000, 2_000);
/// assert_eq!((d.peak, d.survivors), (20_000, 2_000));
/// assert!(d.idle.honest());
/// # }
/// ```
pub fn drain_idle<M, F>(make: F, peak: usize, survivors: usize) -> DrainIdle
where
    M: ReclaimMap<u64, Value>,
    F: Fn() -> M,
{
    drain_idle_with(make, peak, survivors, &Standard)
}

/// [`drain_idle`] with any [`Entries`].
///
/// ```
/// use map_conformance::scenarios::{drain_idle_with, Standard, Value};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let d = drain_idle_with(HashMap::<u64, Value>::new, 20_000, 200, &Standard);
/// assert!(d.at_peak.counted > d.idle.counted);
/// # }
/// ```
pub fn drain_idle_with<E, M, F>(make: F, peak: usize, survivors: usize, e: &E) -> DrainIdle
where
    E: Entries,
    M: ReclaimMap<E::Key, E::Value>,
    F: Fn() -> M,
{
    let fresh = fresh_with(&make, survivors, e);
    let counter = Counter::start();
    let (map, at_peak, idle) = fill_then_drain(&counter, make(), peak, survivors, e);
    assert_eq!(map.len(), survivors, "drain-idle: wrong survivors");
    DrainIdle {
        peak,
        survivors,
        at_peak,
        idle,
        fresh,
    }
}

/// Fills `map` with entries `0..peak`, then removes the oldest until `keep`
/// remain: the map, and the bytes at the peak and after the removals.
fn fill_then_drain<E, M>(
    counter: &Counter,
    mut map: M,
    peak: usize,
    keep: usize,
    e: &E,
) -> (M, Bytes, Bytes)
where
    E: Entries,
    M: ReclaimMap<E::Key, E::Value>,
{
    for i in 0..peak as u64 {
        map.insert(e.key(i), e.value(i));
    }
    let at_peak = Bytes::of(counter, &map);
    for i in 0..(peak - keep) as u64 {
        map.remove(&e.key(i));
    }
    let after = Bytes::of(counter, &map);
    (map, at_peak, after)
}

/// The survivors of the drain-then-idle sweep, in thousandths of the peak:
/// 10%, 5%, 2%, 1%, 0.5%, 0.2% and 0.1%.
pub const DRAIN_IDLE_PERMILLE: [usize; 7] = [100, 50, 20, 10, 5, 2, 1];

/// The bound the design sets on drain then idle: held bytes at most this
/// many times a fresh map of the survivors (the default `shrink_ratio`).
pub const DRAIN_IDLE_BOUND: f64 = 8.0;

/// Runs drain then idle over `peaks` (zeros skipped) and
/// [`DRAIN_IDLE_PERMILLE`], asserts
/// [`DRAIN_IDLE_BOUND`] in every case and that `memory()` agrees with the
/// counted bytes, and returns one line per case.
///
/// # Panics
///
/// On the first case over the bound, with its figures.
///
/// ```
/// use map_conformance::scenarios::{check_drain_idle, Value};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let figures = check_drain_idle(HashMap::<u64, Value>::new, &[20_000]);
/// assert_eq!(figures.lines().count(), 7);
/// # }
/// ```
pub fn check_drain_idle<M, F>(make: F, peaks: &[usize]) -> String
where
    M: ReclaimMap<u64, Value>,
    F: Fn() -> M,
{
    let mut out = String::new();
    for &peak in peaks.iter().filter(|&&p| p > 0) {
        for permille in DRAIN_IDLE_PERMILLE {
            let d = drain_idle(&make, peak, peak * permille / 1000);
            assert!(
                d.idle.honest(),
                "drain-idle: memory() disagrees: {}",
                d.idle
            );
            assert!(
                d.held_vs_fresh() <= DRAIN_IDLE_BOUND,
                "drain-idle {peak} -> {}: {:.2}x a fresh map ({} vs {})",
                d.survivors,
                d.held_vs_fresh(),
                d.idle,
                d.fresh
            );
            out.push_str(&format!(
                "drain-idle {peak} -> {}: {:.2}x fresh\n",
                d.survivors,
                d.held_vs_fresh()
            ));
        }
    }
    out
}

/// Clear and reuse: a map cleared and refilled, one cleared and left alone,
/// and one cleared and then used much smaller.
///
/// `#[non_exhaustive]`: a later version may measure more.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ClearReuse {
    /// Entries per clear-and-refill round.
    pub batch: usize,
    /// Clear-and-refill rounds timed for allocator calls.
    pub rounds: usize,
    /// Allocator calls per clear-and-refill round, after a first fill.
    pub calls_per_round: f64,
    /// The large map, filled.
    pub filled: Bytes,
    /// The large map right after `clear()`, nothing after.
    pub after_clear: Bytes,
    /// Live entries when the cleared map is then used smaller.
    pub small_live: usize,
    /// Insert-new/remove-oldest operations at that size.
    pub small_ops: usize,
    /// Peak counted bytes while used smaller.
    pub small_peak: isize,
    /// A fresh map of `small_live` entries.
    pub fresh_small: Bytes,
}

impl ClearReuse {
    /// Counted bytes held right after `clear()`, as a fraction of the fill.
    ///
    /// ```
    /// use map_conformance::scenarios::{clear_reuse, Value};
    /// use map_core::HashMap;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let c = clear_reuse(HashMap::<u64, Value>::new, 1_000, 20, 10_000, 100, 1_000);
    /// assert!(c.held_after_clear() <= 0.01, "a large map gives its table back on clear");
    /// # }
    /// ```
    pub fn held_after_clear(&self) -> f64 {
        ratio(self.after_clear.counted, self.filled.counted)
    }

    /// Peak bytes while used smaller, over a fresh map of that size.
    ///
    /// ```
    /// use map_conformance::scenarios::{clear_reuse, Value};
    /// use map_core::HashMap;
    ///
    /// # map_conformance::install_counting_allocator!();
    /// # fn main() {
    /// let c = clear_reuse(HashMap::<u64, Value>::new, 1_000, 20, 10_000, 100, 1_000);
    /// assert!(c.small_peak_vs_fresh() <= 3.0);
    /// # }
    /// ```
    pub fn small_peak_vs_fresh(&self) -> f64 {
        ratio(self.small_peak, self.fresh_small.counted)
    }
}

/// Runs clear-and-reuse: `rounds` rounds of `clear()` and a refill of
/// `batch` entries (counting allocator calls); then a map of `large`
/// entries cleared, measured, and used at `small_live` entries for
/// `small_ops` insert-new/remove-oldest operations.
///
/// ```
/// use map_conformance::scenarios::{clear_reuse, Value};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let c = clear_reuse(HashMap::<u64, Value>::new, 1_000, 20, 10_000, 100, 1_000);
/// assert!(c.calls_per_round <= 2.0, "a small map keeps its table for the refill");
/// assert!(c.after_clear.counted * 100 <= c.filled.counted);
/// # }
/// ```
pub fn clear_reuse<M, F>(
    make: F,
    batch: usize,
    rounds: usize,
    large: usize,
    small_live: usize,
    small_ops: usize,
) -> ClearReuse
where
    M: ReclaimMap<u64, Value>,
    F: Fn() -> M,
{
    let mut map = make();
    for i in 0..batch as u64 {
        map.insert(i, value(i));
    }
    let counter = Counter::start();
    for _ in 0..rounds {
        map.clear();
        for i in 0..batch as u64 {
            map.insert(i, value(i));
        }
    }
    let calls_per_round = counter.calls() as f64 / rounds.max(1) as f64;
    drop(map);

    let counter = Counter::start();
    let mut map = make();
    for i in 0..large as u64 {
        map.insert(i, value(i));
    }
    let filled = Bytes::of(&counter, &map);
    map.clear();
    let after_clear = Bytes::of(&counter, &map);
    let mut small_peak = after_clear.counted;
    for i in 0..small_live as u64 {
        map.insert(i, value(i));
        small_peak = small_peak.max(counter.live_bytes());
    }
    for i in 0..small_ops as u64 {
        map.insert(small_live as u64 + i, value(i));
        map.remove(&i);
        small_peak = small_peak.max(counter.live_bytes());
    }
    ClearReuse {
        batch,
        rounds,
        calls_per_round,
        filled,
        after_clear,
        small_live,
        small_ops,
        small_peak,
        fresh_small: fresh(&make, small_live),
    }
}

/// Runs [`clear_reuse`] at `sizes` and asserts the design's thresholds: at
/// most 2 allocator calls per clear-and-refill round; at most 1% of the
/// filled bytes held right after clearing a large map; at most 3x a fresh
/// map when the cleared map is then used much smaller. Returns the figures.
///
/// # Panics
///
/// On the first threshold missed, with the figures.
///
/// ```
/// use map_conformance::scenarios::Value;
/// use map_conformance::{check_clear_reuse, Sizes};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let figures = check_clear_reuse(HashMap::<u64, Value>::new, Sizes::QUICK);
/// assert!(figures.starts_with("clear-and-refill 1000 x 20"));
/// # }
/// ```
pub fn check_clear_reuse<M, F>(make: F, sizes: Sizes) -> String
where
    M: ReclaimMap<u64, Value>,
    F: Fn() -> M,
{
    let small = sizes.spike_keep / 10;
    let c = clear_reuse(
        &make,
        sizes.clear_batch,
        sizes.clear_rounds,
        sizes.delete_all,
        small,
        small * 10,
    );
    assert!(
        c.calls_per_round <= 2.0,
        "clear-and-refill of {}: {:.2} allocator calls per round",
        c.batch,
        c.calls_per_round
    );
    assert!(
        c.after_clear.honest(),
        "clear: memory() disagrees: {}",
        c.after_clear
    );
    assert!(
        c.held_after_clear() <= 0.01,
        "clear: {:.2}% held right after clearing {} entries ({} of {})",
        c.held_after_clear() * 100.0,
        sizes.delete_all,
        c.after_clear,
        c.filled
    );
    assert!(
        c.small_peak_vs_fresh() <= 3.0,
        "clear then {} live: peak {:.2}x a fresh map ({} vs {})",
        c.small_live,
        c.small_peak_vs_fresh(),
        c.small_peak,
        c.fresh_small
    );
    format!(
        "clear-and-refill {batch} x {rounds}: {calls:.2} allocator calls per round; \
         clear of {large}: {held:.3}% held; then {live} live: peak {peak:.2}x fresh\n",
        batch = c.batch,
        rounds = c.rounds,
        calls = c.calls_per_round,
        large = sizes.delete_all,
        held = c.held_after_clear() * 100.0,
        live = c.small_live,
        peak = c.small_peak_vs_fresh(),
    )
}

fn ratio(a: isize, b: isize) -> f64 {
    a as f64 / (b.max(1)) as f64
}

/// How big the scenarios are.
///
/// Start from [`FULL`](Sizes::FULL) or [`QUICK`](Sizes::QUICK) and change
/// what you need with struct update syntax
/// (`Sizes { random_ops: 2_000, ..Sizes::QUICK }`): a size added in a later
/// version then takes its value from there, and your code still compiles.
/// (The struct is not `#[non_exhaustive]`, which would forbid exactly that.)
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Entries in delete-all.
    pub delete_all: usize,
    /// Entries at the spike's peak.
    pub spike_peak: usize,
    /// Entries kept after the spike.
    pub spike_keep: usize,
    /// Live entries in churn.
    pub churn_live: usize,
    /// Insert/remove pairs in churn.
    pub churn_ops: usize,
    /// Operations per seed in the random tests.
    pub random_ops: usize,
    /// Entries per clear-and-refill round.
    pub clear_batch: usize,
    /// Clear-and-refill rounds.
    pub clear_rounds: usize,
    /// Peaks of the drain-then-idle sweep (0: none).
    pub drain_idle_peaks: [usize; 3],
    /// The widest key range of the std-API walks
    /// ([`std_api::check_walks`](crate::std_api::check_walks)).
    pub walk_keys: u64,
    /// Random cases per policy of the hysteresis check
    /// ([`promises::check_hysteresis`](crate::promises::check_hysteresis)).
    pub hysteresis_cases: usize,
    /// Entries of the largest map the parallel methods are checked on
    /// (`par::check`, a module of the `rayon` feature).
    pub par_entries: usize,
}

impl Sizes {
    /// The sizes the design states: 100,000; 1,000,000 down to 10,000;
    /// 10,000 live with 1,000,000 pairs.
    pub const FULL: Sizes = Sizes {
        delete_all: 100_000,
        spike_peak: 1_000_000,
        spike_keep: 10_000,
        churn_live: 10_000,
        churn_ops: 1_000_000,
        random_ops: 40_000,
        clear_batch: 1_000,
        clear_rounds: 200,
        drain_idle_peaks: [20_000, 200_000, 0],
        walk_keys: 100_000,
        hysteresis_cases: 64,
        par_entries: 60_000,
    };

    /// A tenth of that or so, for slow configurations (sanitizers, loom
    /// hosts).
    pub const QUICK: Sizes = Sizes {
        delete_all: 10_000,
        spike_peak: 100_000,
        spike_keep: 1_000,
        churn_live: 1_000,
        churn_ops: 100_000,
        random_ops: 10_000,
        clear_batch: 1_000,
        clear_rounds: 20,
        drain_idle_peaks: [20_000, 0, 0],
        walk_keys: 20_000,
        hysteresis_cases: 16,
        par_entries: 10_000,
    };

    /// `QUICK` if `CONFORMANCE_SIZES=quick`, else `FULL`.
    ///
    /// ```
    /// use map_conformance::Sizes;
    ///
    /// if std::env::var_os("CONFORMANCE_SIZES").is_none() {
    ///     assert_eq!(Sizes::from_env().delete_all, Sizes::FULL.delete_all);
    /// }
    /// ```
    pub fn from_env() -> Sizes {
        match std::env::var("CONFORMANCE_SIZES").as_deref() {
            Ok("quick") => Self::QUICK,
            _ => Self::FULL,
        }
    }
}

/// Runs delete-all, spike and churn on maps from `make` (automatic policy)
/// and asserts the design's thresholds:
///
/// * delete-all: at most 1% of the filled bytes held after removing all
///   (no `reclaim()`); the refill within 5% of the first fill;
/// * spike and churn: at most 3x the bytes of a fresh map of the live set;
/// * at every stage `memory().allocated_bytes` within 10% (+64 KiB) of the
///   counted bytes.
///
/// Returns the figures, one line a scenario.
///
/// # Panics
///
/// On the first threshold missed, with the figures.
///
/// ```
/// use map_conformance::scenarios::Value;
/// use map_conformance::{check_scenarios, Sizes};
/// use map_core::HashMap;
///
/// # map_conformance::install_counting_allocator!();
/// # fn main() {
/// let figures = check_scenarios(HashMap::<u64, Value>::new, Sizes::QUICK);
/// assert_eq!(figures.lines().count(), 3, "delete-all, spike, churn");
/// # }
/// ```
pub fn check_scenarios<M, F>(make: F, sizes: Sizes) -> String
where
    M: ReclaimMap<u64, Value>,
    F: Fn() -> M,
{
    let d = delete_all(&make, sizes.delete_all);
    for (stage, b) in [
        ("filled", d.filled),
        ("after remove", d.after_remove),
        ("after reclaim", d.after_reclaim),
        ("refilled", d.refilled),
    ] {
        assert!(b.honest(), "delete-all {stage}: memory() disagrees: {b}");
    }
    assert!(
        d.held_after_remove() <= 0.01,
        "delete-all: {:.2}% held after removing all ({} of {})",
        d.held_after_remove() * 100.0,
        d.after_remove,
        d.filled
    );
    assert!(
        (d.refill_ratio() - 1.0).abs() <= 0.05,
        "delete-all: refill {:.3}x the first fill",
        d.refill_ratio()
    );

    let s = spike(&make, sizes.spike_peak, sizes.spike_keep);
    for (stage, b) in [
        ("peak", s.at_peak),
        ("after remove", s.after_remove),
        ("after operate", s.after_operate),
    ] {
        assert!(b.honest(), "spike {stage}: memory() disagrees: {b}");
    }
    assert!(
        s.held_vs_fresh() <= 3.0,
        "spike: {:.2}x a fresh map ({} vs {})",
        s.held_vs_fresh(),
        s.after_operate,
        s.fresh
    );

    let c = churn(&make, sizes.churn_live, sizes.churn_ops);
    assert!(c.end.honest(), "churn end: memory() disagrees: {}", c.end);
    assert!(
        c.peak_vs_fresh() <= 3.0,
        "churn: peak {:.2}x a fresh map ({} vs {})",
        c.peak_vs_fresh(),
        c.peak_counted,
        c.fresh
    );

    format!(
        "delete-all {n}: held {held:.3}% after remove, refill {refill:.3}x\n\
         spike {peak}->{keep}: {after_remove:.2}x fresh after remove, {operate:.2}x after operating\n\
         churn {live} x {ops}: peak {churn:.2}x fresh\n",
        n = d.entries,
        held = d.held_after_remove() * 100.0,
        refill = d.refill_ratio(),
        peak = s.peak,
        keep = s.keep,
        after_remove = s.after_remove_vs_fresh(),
        operate = s.held_vs_fresh(),
        live = c.live,
        ops = c.ops,
        churn = c.peak_vs_fresh(),
    )
}
