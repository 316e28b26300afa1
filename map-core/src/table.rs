//! Shrinking a `hashbrown::HashTable` without aborting and without losing
//! entries: the mechanics shared by every map whose index is a hash table.
//!
//! hashbrown's own `shrink_to` aborts the process if the smaller table cannot
//! be allocated. [`try_shrink`] allocates fallibly first and gives up (keeping
//! the current table) if that fails; and it runs the user's `Hash` before it
//! moves anything, so a panicking hasher leaves every entry where it was.

use allocator_api2::alloc::Allocator;
use hashbrown::HashTable;

/// How many entries a table with `buckets` buckets holds before it grows.
///
/// This is the table's real capacity: unlike `HashTable::capacity()` it does
/// not drop when removals leave tombstones.
#[inline]
pub fn bucket_capacity(buckets: usize) -> usize {
    if buckets < 8 {
        buckets.saturating_sub(1)
    } else {
        buckets / 8 * 7
    }
}

/// The real capacity of `table`; see [`bucket_capacity`].
#[inline]
pub fn capacity<T, A: Allocator>(table: &HashTable<T, A>) -> usize {
    bucket_capacity(table.num_buckets())
}

/// Why [`try_shrink`] left the table as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShrinkError {
    /// A table for the target capacity would not be smaller.
    NoGain,
    /// The allocator refused the smaller table or the scratch space.
    AllocFailed,
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
pub fn try_shrink<T, A>(
    table: &mut HashTable<T, A>,
    target: usize,
    hasher: impl Fn(&T) -> u64,
) -> Result<(), ShrinkError>
where
    A: Allocator + Clone,
{
    let len = table.len();
    let target = target.max(len);
    if target == 0 {
        if table.num_buckets() == 0 {
            return Err(ShrinkError::NoGain);
        }
        *table = HashTable::new_in(table.allocator().clone());
        return Ok(());
    }
    let mut fresh = HashTable::new_in(table.allocator().clone());
    // `fresh` is empty, so reserving calls no hasher.
    fresh
        .try_reserve(target, |_| unreachable_hash())
        .map_err(|_| ShrinkError::AllocFailed)?;
    if fresh.num_buckets() >= table.num_buckets() {
        return Err(ShrinkError::NoGain);
    }
    // Phase 1: hash every entry in place. A panic here moves nothing.
    let mut plan = allocator_api2::vec::Vec::new_in(table.allocator().clone());
    plan.try_reserve_exact(len)
        .map_err(|_| ShrinkError::AllocFailed)?;
    for index in table.iter_buckets() {
        if let Some(item) = table.get_bucket(index) {
            plan.push((index, hasher(item)));
        }
    }
    // Phase 2: move. `fresh` has room for all of them, so `insert_unique`
    // never calls the hasher and nothing here can panic.
    for (index, hash) in plan {
        if let Ok(entry) = table.get_bucket_entry(index) {
            let (item, _) = entry.remove();
            fresh.insert_unique(hash, item, &hasher);
        }
    }
    // Every occupied bucket was planned; this only matters if hashbrown ever
    // reported a bucket twice or skipped one, and then keeps the entry.
    for item in table.drain() {
        fresh.insert_unique(hasher(&item), item, &hasher);
    }
    *table = fresh;
    Ok(())
}

#[cold]
fn unreachable_hash() -> u64 {
    unreachable!("an empty table rehashes nothing")
}
