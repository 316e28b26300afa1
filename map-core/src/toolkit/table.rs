//! Shrinking a `hashbrown::HashTable` without aborting and without losing
//! entries: the mechanics shared by every map whose index is a hash table.
//!
//! hashbrown's own `shrink_to` aborts the process if the smaller table cannot
//! be allocated. [`try_shrink`] allocates fallibly first and gives up (keeping
//! the current table) if that fails; and it runs the user's `Hash` before it
//! moves anything, so a panicking hasher leaves every entry where it was.

use allocator_api2::alloc::Allocator;
use hashbrown::{HashTable, TryReserveError};

use super::ShrinkError;

/// How many entries a table with `buckets` buckets holds before it grows.
///
/// This is the table's real capacity: unlike `HashTable::capacity()` it does
/// not drop when removals leave tombstones.
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table::bucket_capacity;
///
/// assert_eq!(bucket_capacity(0), 0);
/// assert_eq!(bucket_capacity(4), 3);
/// assert_eq!(bucket_capacity(1024), 896, "7/8 of the buckets");
/// let table: HashTable<u64> = HashTable::with_capacity(100);
/// assert_eq!(bucket_capacity(table.num_buckets()), table.capacity());
/// ```
#[inline]
pub fn bucket_capacity(buckets: usize) -> usize {
    if buckets < 8 {
        buckets.saturating_sub(1)
    } else {
        buckets / 8 * 7
    }
}

/// How many buckets hashbrown gives a table asked to hold `capacity` entries
/// of type `T` (mirrors its sizing rule, so a shrink that would gain nothing
/// is skipped without allocating).
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table::buckets_for;
///
/// assert_eq!(buckets_for::<u64>(0), 0);
/// assert_eq!(buckets_for::<u64>(1000), 2048);
/// for n in [1, 10, 100, 1000] {
///     assert_eq!(buckets_for::<u64>(n), HashTable::<u64>::with_capacity(n).num_buckets());
/// }
/// ```
pub fn buckets_for<T>(capacity: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    if capacity < 15 {
        // hashbrown raises the minimum for tiny entries so the control
        // bytes do not dominate.
        let group_width = if cfg!(all(
            any(target_arch = "x86", target_arch = "x86_64"),
            target_feature = "sse2"
        )) {
            16
        } else {
            8
        };
        let min = match (group_width, core::mem::size_of::<T>()) {
            (16, 0..=1) => 14,
            (16, 2..=3) | (8, 0..=1) => 7,
            _ => 3,
        };
        let capacity = capacity.max(min);
        return if capacity < 4 {
            4
        } else if capacity < 8 {
            8
        } else {
            16
        };
    }
    capacity
        .checked_mul(8)
        .map_or(usize::MAX, |c| (c / 7).next_power_of_two())
}

/// The block a table of `T` with room for `capacity` entries allocates,
/// exactly as hashbrown computes it (`None` if it allocates none), without
/// allocating it: for a storage that must know a table's size before it
/// asks for one.
///
/// # Errors
///
/// `CapacityOverflow` if no table can have that room.
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table::layout_for;
///
/// assert_eq!(layout_for::<u64>(0).unwrap(), None);
/// let layout = layout_for::<u64>(1000).unwrap().unwrap();
/// assert_eq!(layout.size(), HashTable::<u64>::with_capacity(1000).allocation_size());
/// assert!(layout_for::<u64>(usize::MAX).is_err());
/// ```
pub fn layout_for<T>(capacity: usize) -> Result<Option<core::alloc::Layout>, TryReserveError> {
    match HashTable::<T, crate::raw::Refuse>::new_in(crate::raw::Refuse)
        .try_reserve(capacity, |_| 0)
    {
        Ok(()) => Ok(None),
        Err(TryReserveError::AllocError { layout }) => Ok(Some(layout)),
        Err(TryReserveError::CapacityOverflow) => Err(TryReserveError::CapacityOverflow),
    }
}

/// The capacity a table of `T` really gets when asked for room for
/// `capacity` entries (0 for 0): the rounding a
/// [`Reclaimer`](super::Reclaimer) of a hash-table storage is built with.
///
/// ```
/// use map_core::toolkit::table::rounded_capacity;
/// use map_core::toolkit::Reclaimer;
/// use map_core::ReclaimPolicy;
///
/// assert_eq!(rounded_capacity::<u64>(0), 0);
/// assert_eq!(rounded_capacity::<u64>(100), 112, "128 buckets");
/// let mut r = Reclaimer::with_rounding(ReclaimPolicy::default(), rounded_capacity::<u64>);
/// r.request_capacity(100);
/// assert_eq!(r.floor(), 112);
/// ```
pub fn rounded_capacity<T>(capacity: usize) -> usize {
    bucket_capacity(buckets_for::<T>(capacity))
}

/// The entries `table` takes before it must grow: `capacity - len`, which
/// is the table's own count of free slots, so reading it is one load where
/// comparing `len` with `capacity` takes two and a sum (and hashbrown's own
/// test of room before an insert then reuses it). Every store's test of
/// room goes through it.
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table;
///
/// let mut t = HashTable::with_capacity(3);
/// let room = table::free_slots(&t);
/// assert_eq!(room, t.capacity());
/// t.insert_unique(1, 1u64, |x| *x);
/// assert_eq!(table::free_slots(&t), room - 1);
/// ```
#[inline(always)]
pub fn free_slots<T, A: Allocator>(table: &HashTable<T, A>) -> usize {
    table.capacity() - table.len()
}

/// The real capacity of `table`; see [`bucket_capacity`].
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table;
///
/// let hasher = |x: &u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
/// let mut t = HashTable::with_capacity(100);
/// for i in 0..100u64 {
///     t.insert_unique(hasher(&i), i, hasher);
/// }
/// for i in 0..50u64 {
///     t.find_entry(hasher(&i), |x| *x == i).unwrap().remove();
/// }
/// // Tombstones may lower `HashTable::capacity()`, never the real one.
/// assert_eq!(table::capacity(&t), 112);
/// assert!(t.capacity() <= table::capacity(&t));
/// ```
#[inline]
pub fn capacity<T, A: Allocator>(table: &HashTable<T, A>) -> usize {
    bucket_capacity(table.num_buckets())
}

/// Moves the entries of `table` into a new table with room for at least
/// `target` entries (never fewer than `table.len()`), and frees the old one.
///
/// With `target == 0` and an empty table, the table is freed without
/// allocating.
///
/// # Errors
///
/// Returns [`ShrinkError`] and leaves `table` untouched if the new table
/// would not have fewer buckets, or if an allocation fails.
///
/// # Panics
///
/// If `hasher` panics, the panic propagates and `table` still holds every
/// entry: the hashes are computed before the first entry moves, and once the
/// move starts no user code runs.
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::{table, ShrinkError};
///
/// let hasher = |x: &u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
/// let mut t = HashTable::with_capacity(10_000);
/// for i in 0..10u64 {
///     t.insert_unique(hasher(&i), i, hasher);
/// }
/// table::try_shrink(&mut t, 0, hasher)?;
/// assert!(t.capacity() < 100);
/// assert!((0..10u64).all(|i| t.find(hasher(&i), |x| *x == i).is_some()));
/// assert_eq!(table::try_shrink(&mut t, 1000, hasher), Err(ShrinkError::NoGain));
/// # Ok::<(), ShrinkError>(())
/// ```
pub fn try_shrink<T, A>(
    table: &mut HashTable<T, A>,
    target: usize,
    hasher: impl Fn(&T) -> u64,
) -> Result<(), ShrinkError>
where
    A: Allocator + Clone,
{
    let target = target.max(table.len());
    if target == 0 {
        if table.num_buckets() == 0 {
            return Err(ShrinkError::NoGain);
        }
        *table = HashTable::new_in(table.allocator().clone());
        return Ok(());
    }
    if buckets_for::<T>(target) >= table.num_buckets() {
        return Err(ShrinkError::NoGain);
    }
    let mut fresh = reserve_fresh(table.allocator().clone(), target, table.len())?;
    if fresh.num_buckets() >= table.num_buckets() {
        return Err(ShrinkError::NoGain);
    }
    move_entries(table, &mut fresh, hasher)?;
    *table = fresh;
    Ok(())
}

/// Moves every entry of `table` into a new table with room for at least
/// `capacity` entries, allocated from `alloc`, and returns it; `table` is
/// left empty (its allocation is not freed: drop or replace it).
///
/// This is how a storage re-homes its entries, for example into a fresh
/// arena during compaction. Each entry is hashed once and moved once, as
/// hashbrown's own resize does. It allocates the new table and, for
/// entries with drop glue (whose hashes are all computed before the first
/// one moves), a vector of 8 bytes an entry from the global allocator,
/// freed before it returns.
///
/// # Errors
///
/// [`ShrinkError::AllocFailed`], with `table` untouched, if `alloc`
/// refuses the new table (or the global allocator the hashes' vector).
///
/// # Panics
///
/// As [`try_shrink`]: a panicking `hasher` leaves every entry in `table`.
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::{table, ShrinkError};
/// use map_core::Global;
///
/// let hasher = |x: &u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
/// let mut t = HashTable::new();
/// for i in 0..100u64 {
///     t.insert_unique(hasher(&i), i, hasher);
/// }
/// let moved = table::try_move(&mut t, Global, 0, hasher)?;
/// assert!(t.is_empty());
/// assert_eq!(moved.len(), 100);
/// assert_eq!(moved.find(hasher(&42), |x| *x == 42), Some(&42));
/// # Ok::<(), ShrinkError>(())
/// ```
pub fn try_move<T, A, B>(
    table: &mut HashTable<T, A>,
    alloc: B,
    capacity: usize,
    hasher: impl Fn(&T) -> u64,
) -> Result<HashTable<T, B>, ShrinkError>
where
    A: Allocator,
    B: Allocator,
{
    let mut fresh = reserve_fresh(alloc, capacity.max(table.len()), table.len())?;
    move_entries(table, &mut fresh, hasher)?;
    Ok(fresh)
}

/// An empty table with room for `capacity` entries from `alloc`, allocated
/// fallibly (hashbrown's `with_capacity_in` aborts when the allocator
/// refuses).
///
/// # Errors
///
/// hashbrown's [`TryReserveError`] if the capacity overflows or `alloc`
/// refuses.
///
/// ```
/// use map_core::toolkit::table;
/// use map_core::Global;
///
/// let fresh: hashbrown::HashTable<u64> = table::try_with_capacity_in(Global, 1000).unwrap();
/// assert!(fresh.is_empty() && fresh.capacity() >= 1000);
/// assert!(table::try_with_capacity_in::<u64, _>(Global, usize::MAX).is_err());
/// ```
pub fn try_with_capacity_in<T, B: Allocator>(
    alloc: B,
    capacity: usize,
) -> Result<HashTable<T, B>, TryReserveError> {
    let mut fresh = HashTable::new_in(alloc);
    // `fresh` is empty, so reserving calls no hasher.
    fresh.try_reserve(capacity, |_| unreachable_hash())?;
    Ok(fresh)
}

/// The table a move of `entries` entries goes into: populated when the
/// move fills it ([`filling`]).
fn reserve_fresh<T, B: Allocator>(
    alloc: B,
    capacity: usize,
    entries: usize,
) -> Result<HashTable<T, B>, ShrinkError> {
    filling::<T, _>(entries, capacity, || try_with_capacity_in(alloc, capacity))
        .map_err(|_| ShrinkError::AllocFailed)
}

/// Entries above this size leave some pages of a table they fill untouched.
const FILLED_ENTRY_MAX: usize = 512;

/// Runs `f`, which allocates a table of room for `capacity` entries that
/// `entries` entries move into right away (a resize), with a page-backed
/// table populated when the move writes every page of it: then
/// [`page_alloc::populating`] backs its pages in one system call instead of
/// one page fault each, about half the time (see page-alloc's docs).
///
/// That is when the entries take at most 512 bytes and fill at least a
/// quarter of the room: a page of 4 KiB then holds 8 buckets or more, and
/// fewer than one page in ten would stay untouched. Otherwise (a table
/// reserved ahead of its entries, or entries as large as pages) `f` just
/// runs, and pages are backed as they are touched.
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table;
/// use map_core::PageAlloc;
///
/// let hasher = |x: &u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
/// let mut t = HashTable::new_in(PageAlloc);
/// for i in 0..100_000u64 {
///     if t.len() == t.capacity() {
///         // Growing moves every entry into a table twice the size.
///         let len = t.len();
///         table::filling::<u64, _>(len, 2 * len + 1, || t.reserve(1, hasher));
///     }
///     t.insert_unique(hasher(&i), i, hasher);
/// }
/// assert_eq!(t.len(), 100_000);
/// ```
pub fn filling<T, R>(entries: usize, capacity: usize, f: impl FnOnce() -> R) -> R {
    if core::mem::size_of::<T>() <= FILLED_ENTRY_MAX && entries >= capacity / 4 {
        page_alloc::populating(f)
    } else {
        f()
    }
}

/// Moves everything from `from` into `to`, which must be empty with room
/// for it all, hashing each entry once: in one pass for entries without
/// drop glue (see `crate::raw`), in two otherwise ([`move_planned`]).
fn move_entries<T, A, B>(
    from: &mut HashTable<T, A>,
    to: &mut HashTable<T, B>,
    hasher: impl Fn(&T) -> u64,
) -> Result<(), ShrinkError>
where
    A: Allocator,
    B: Allocator,
{
    let moved = if core::mem::needs_drop::<T>() {
        move_planned(from, to, hasher)
    } else {
        crate::raw::move_all(from, to, hasher)
    };
    if moved {
        Ok(())
    } else {
        Err(ShrinkError::AllocFailed)
    }
}

/// [`move_entries`] for entries with drop glue: every entry is hashed into
/// a plan first (the only user code, so a panicking `hasher` leaves `from`
/// untouched and `to` empty), then drained into `to` with its planned hash.
/// Each entry is read out once, by the drain. Returns `false`, with
/// nothing moved, if `to` lacks room or the plan's vector (8 bytes an
/// entry, from the global allocator, freed on return) cannot be allocated.
fn move_planned<T, A, B>(
    from: &mut HashTable<T, A>,
    to: &mut HashTable<T, B>,
    hasher: impl Fn(&T) -> u64,
) -> bool
where
    A: Allocator,
    B: Allocator,
{
    if !to.is_empty() || to.capacity() < from.len() {
        return false;
    }
    drain_planned(from, to, hasher, allocator_api2::alloc::Global).is_ok()
}

/// Moves every entry of `from` into `to`, which must have room for all of
/// them without growing (it may hold entries already). Every entry is
/// hashed into a plan first, the only user code, so a panicking `hasher`
/// leaves both tables as they were; then `from` is drained into `to`, each
/// entry read out once. The plan, 8 bytes an entry, comes from
/// `plan_alloc` and is freed on return. The safe move for entries with
/// drop glue.
///
/// # Errors
///
/// If `plan_alloc` refuses the plan, with nothing moved.
///
/// # Panics
///
/// If `to` lacks the room, before anything moves.
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table;
/// use map_core::Global;
///
/// let hasher = |s: &String| s.len() as u64;
/// let mut from = HashTable::new();
/// from.insert_unique(1, "a".to_string(), hasher);
/// let mut to = HashTable::with_capacity(10);
/// to.insert_unique(2, "bb".to_string(), hasher);
/// table::drain_planned(&mut from, &mut to, hasher, Global).unwrap();
/// assert!(from.is_empty());
/// assert_eq!(to.len(), 2);
/// ```
pub fn drain_planned<T, A, B, P>(
    from: &mut HashTable<T, A>,
    to: &mut HashTable<T, B>,
    hasher: impl Fn(&T) -> u64,
    plan_alloc: P,
) -> Result<(), allocator_api2::collections::TryReserveError>
where
    A: Allocator,
    B: Allocator,
    P: Allocator,
{
    assert!(
        to.capacity() - to.len() >= from.len(),
        "drain_planned: no room in the target"
    );
    let mut plan = allocator_api2::vec::Vec::new_in(plan_alloc);
    plan.try_reserve_exact(from.len())?;
    plan.extend(from.iter().map(hasher));
    // `drain` yields the entries in bucket order, the order `iter` planned
    // them in; `to` has room for all, so its hasher never runs.
    for (item, &hash) in from.drain().zip(&plan) {
        to.insert_unique(hash, item, |_| unreachable_hash());
    }
    Ok(())
}

#[cold]
fn unreachable_hash() -> u64 {
    unreachable!("a table with room for its entries rehashes nothing")
}

/// The first full bucket at or after `cursor`, with `cursor` moved past it:
/// a walk over a table's entries that survives their removal (buckets keep
/// their places while entries are only taken out), for
/// [`StableStore::next_pos`](super::StableStore::next_pos).
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table;
///
/// let mut t = HashTable::new();
/// for i in 0..10u64 {
///     t.insert_unique(i, i, |x| *x);
/// }
/// let (mut cursor, mut seen) = (0, 0);
/// while let Some(bucket) = table::next_occupied(&t, &mut cursor) {
///     table::remove_bucket(&mut t, bucket);
///     seen += 1;
/// }
/// assert_eq!((seen, t.len()), (10, 0));
/// ```
pub fn next_occupied<T, A: Allocator>(
    table: &HashTable<T, A>,
    cursor: &mut usize,
) -> Option<usize> {
    while *cursor < table.num_buckets() {
        let bucket = *cursor;
        *cursor += 1;
        if table.get_bucket(bucket).is_some() {
            return Some(bucket);
        }
    }
    None
}

/// An insert's hot path in `table`: replaces the value of `entry`'s key if
/// it is present, or inserts `entry` if the table has room for it without
/// growing; otherwise hands `entry` back. Never grows and never calls
/// `hasher`. `Ok(None)` means the table holds one more entry. The
/// [`Store::upsert`](super::Store::upsert) of every store whose entries sit
/// in hashbrown tables.
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table;
///
/// let hasher = |x: &(u64, u64)| x.0;
/// let eq = |k: &u64, stored: &(u64, u64)| *k == stored.0;
/// let mut t = HashTable::with_capacity(1);
/// assert_eq!(table::upsert(&mut t, 1, (1, 10), eq, hasher), Ok(None));
/// assert_eq!(table::upsert(&mut t, 1, (1, 11), eq, hasher), Ok(Some(10)));
/// let room = t.capacity() - t.len();
/// for k in 2..2 + room as u64 {
///     assert_eq!(table::upsert(&mut t, k, (k, k), eq, hasher), Ok(None));
/// }
/// assert_eq!(table::upsert(&mut t, 99, (99, 0), eq, hasher), Err((99, 0)), "full");
/// ```
// Room checked before the probe, and the results returned from inside it:
// with an early return for a full table, LLVM updated the table's item count
// and growth-left separately (a read-modify-write of the count per insert).
#[inline(always)]
pub fn upsert<K, V, A: Allocator>(
    table: &mut HashTable<(K, V), A>,
    hash: u64,
    entry: (K, V),
    eq: impl Fn(&K, &(K, V)) -> bool,
    hasher: impl Fn(&(K, V)) -> u64,
) -> Result<Option<V>, (K, V)> {
    let room = free_slots(table) != 0;
    upsert_if(room, table, hash, entry, eq, hasher)
}

/// [`upsert`] with the store's own test of room: `room` must imply that
/// `table` has room for one more entry without growing (a store may also
/// say no where there is room, to take its cold path there). Hands `entry`
/// back when `room` is false.
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table;
///
/// let hasher = |x: &(u64, u64)| x.0;
/// let eq = |k: &u64, stored: &(u64, u64)| *k == stored.0;
/// let mut t = HashTable::with_capacity(8);
/// assert_eq!(table::upsert_if(false, &mut t, 1, (1, 10), eq, hasher), Err((1, 10)));
/// assert_eq!(table::upsert_if(true, &mut t, 1, (1, 10), eq, hasher), Ok(None));
/// ```
///
/// # Panics
///
/// In debug builds, if `room` is true and `table` is full.
#[inline(always)]
pub fn upsert_if<K, V, A: Allocator>(
    room: bool,
    table: &mut HashTable<(K, V), A>,
    hash: u64,
    entry: (K, V),
    eq: impl Fn(&K, &(K, V)) -> bool,
    hasher: impl Fn(&(K, V)) -> u64,
) -> Result<Option<V>, (K, V)> {
    if room {
        debug_assert!(table.len() < table.capacity(), "no room in the table");
        // Room without growing: hashbrown's `entry` will not resize.
        match table.entry(hash, |stored| eq(&entry.0, stored), hasher) {
            hashbrown::hash_table::Entry::Occupied(mut e) => {
                return Ok(Some(core::mem::replace(&mut e.get_mut().1, entry.1)))
            }
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(entry);
                return Ok(None);
            }
        }
    }
    Err(entry)
}

/// Removes the entry in `bucket` of `table`.
///
/// # Panics
///
/// If `bucket` is not a full bucket of `table`.
pub fn remove_bucket<T, A: Allocator>(table: &mut HashTable<T, A>, bucket: usize) -> T {
    let Ok(entry) = table.get_bucket_entry(bucket) else {
        panic!("remove_bucket: bucket {bucket} is not full")
    };
    entry.remove().0
}

/// Takes the entry in `bucket` of `table` out and calls `f` with its key and
/// value: the value `f` returns goes back in the same bucket (returned), or,
/// if `f` returns `None`, the entry stays out and its key comes back. The
/// `replace_entry_with` of every store whose entries sit in hashbrown
/// tables.
///
/// # Panics
///
/// If `bucket` is not a full bucket of `table`.
///
/// ```
/// use hashbrown::HashTable;
/// use map_core::toolkit::table;
///
/// let hasher = |x: &(u64, u64)| x.0;
/// let mut t = HashTable::new();
/// let bucket = t.insert_unique(1, (1, 10), hasher).bucket_index();
/// assert_eq!(table::replace_entry_with(&mut t, bucket, |_, v| Some(v + 1)), Ok(bucket));
/// assert_eq!(t.find(1, |e| e.0 == 1), Some(&(1, 11)));
/// assert_eq!(table::replace_entry_with(&mut t, bucket, |_, _| None), Err(1));
/// assert!(t.is_empty());
/// ```
pub fn replace_entry_with<K, V, A: Allocator>(
    table: &mut HashTable<(K, V), A>,
    bucket: usize,
    f: impl FnOnce(&K, V) -> Option<V>,
) -> Result<usize, K> {
    let Ok(entry) = table.get_bucket_entry(bucket) else {
        panic!("replace_entry_with: bucket {bucket} is not full")
    };
    let mut gone = None;
    let after = entry.replace_entry_with(|(k, v)| match f(&k, v) {
        Some(v) => Some((k, v)),
        None => {
            gone = Some(k);
            None
        }
    });
    match (after, gone) {
        (hashbrown::hash_table::Entry::Occupied(e), _) => Ok(e.bucket_index()),
        (_, Some(key)) => Err(key),
        (hashbrown::hash_table::Entry::Vacant(_), None) => {
            unreachable!("the key leaves with its entry")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizing rule agrees with hashbrown's for every small capacity and
    /// a spread of large ones, for entries of several sizes.
    #[test]
    fn buckets_for_matches_hashbrown() {
        fn check<T>() {
            for cap in (1..300).chain([1000, 4096, 100_000, 1 << 20]) {
                let table: HashTable<T> = HashTable::with_capacity(cap);
                assert_eq!(
                    buckets_for::<T>(cap),
                    table.num_buckets(),
                    "capacity {cap}, entry of {} bytes",
                    core::mem::size_of::<T>()
                );
            }
        }
        check::<u8>();
        check::<u16>();
        check::<u64>();
        check::<(u64, [u8; 128])>();
        assert_eq!(buckets_for::<u64>(0), 0);
    }
}
