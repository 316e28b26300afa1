//! The rest of std's and hashbrown's `HashMap` API: `extract_if`,
//! `get_disjoint_mut`, `Extend<&(K, V)>`, and `Default` for the iterators.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;
use core::mem;

use allocator_api2::alloc::Allocator;
use hashbrown::Equivalent;
use page_alloc::PageAlloc;

use super::{equivalent_key, make_hash, make_hasher, HashMap, Table};
use crate::policy::Reclaimer;
use crate::toolkit::View;

impl<K, V, S, A> HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// A lazy iterator that removes and yields the entries for which `pred`
    /// returns `true`; `pred` may also change the values of the entries it
    /// keeps.
    ///
    /// Entries the iterator has not reached when it is dropped stay in the
    /// map. The policy runs once, when the iterator is dropped, and only if
    /// an entry was removed: an `extract_if` that takes nothing never resizes
    /// or allocates. Like [`retain`](Self::retain), a bulk removal that
    /// leaves the table 1/8 full or less shrinks it at once (see the
    /// [crate docs](crate#how-the-policy-works)).
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<u64, u64> = (0..10_000).map(|i| (i, i)).collect();
    /// let full = map.memory().allocated_bytes;
    ///
    /// let mut odd: Vec<u64> = map.extract_if(|k, _| k % 100 != 0).map(|(k, _)| k).collect();
    /// assert_eq!(odd.len(), 9_900);
    /// assert_eq!(map.len(), 100);
    /// assert!(map.memory().allocated_bytes * 50 < full, "shrunk when the iterator ended");
    /// ```
    pub fn extract_if<F>(&mut self, pred: F) -> ExtractIf<'_, K, V, F, S, A>
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        ExtractIf {
            core: self.extract_core(),
            pred,
        }
    }

    /// The removal half of `extract_if`, shared with `HashSet`.
    pub(crate) fn extract_core(&mut self) -> ExtractCore<'_, K, V, S, A> {
        ExtractCore {
            table: &mut self.store,
            hash_builder: &self.hash_builder,
            reclaimer: &mut self.reclaimer,
            next_bucket: 0,
            removed: false,
            after_removal: after_removal::<K, V, S, A>,
        }
    }

    /// Inserts `key`, or replaces the equal key already stored with it
    /// (its value is kept); returns the key replaced. For `HashSet::replace`.
    pub(crate) fn replace_key(&mut self, key: K, value: V) -> Option<K> {
        let hash = make_hash(&self.hash_builder, &key);
        if let Some((stored, _)) = self.store.table.find_mut(hash, equivalent_key(&key)) {
            return Some(mem::replace(stored, key));
        }
        self.insert(key, value);
        None
    }
}

impl<K, V, S, A> HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// Mutable references to the values under `N` keys at once; `None` for
    /// a key that is absent.
    ///
    /// # Panics
    ///
    /// If two of the keys find the same entry.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut stock = HashMap::from([("apples", 3), ("pears", 5)]);
    /// let [apples, pears, plums] = stock.get_disjoint_mut(["apples", "pears", "plums"]);
    /// std::mem::swap(apples.unwrap(), pears.unwrap());
    /// assert!(plums.is_none());
    /// assert_eq!((stock["apples"], stock["pears"]), (5, 3));
    /// ```
    ///
    /// ```should_panic
    /// use map_core::HashMap;
    ///
    /// let mut stock = HashMap::from([("apples", 3)]);
    /// stock.get_disjoint_mut(["apples", "apples"]); // panics
    /// ```
    pub fn get_disjoint_mut<Q, const N: usize>(&mut self, keys: [&Q; N]) -> [Option<&mut V>; N]
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.get_disjoint_key_value_mut(keys)
            .map(|entry| entry.map(|(_, v)| v))
    }

    /// As [`get_disjoint_mut`](Self::get_disjoint_mut), with the stored keys.
    ///
    /// # Panics
    ///
    /// If two of the keys find the same entry.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map = HashMap::from([(1, 'a'), (2, 'b')]);
    /// let [one, three] = map.get_disjoint_key_value_mut([&1, &3]);
    /// let (key, value) = one.unwrap();
    /// assert_eq!(*key, 1);
    /// *value = 'z';
    /// assert!(three.is_none());
    /// assert_eq!(map[&1], 'z');
    /// ```
    pub fn get_disjoint_key_value_mut<Q, const N: usize>(
        &mut self,
        keys: [&Q; N],
    ) -> [Option<(&K, &mut V)>; N]
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let hashes = keys.map(|k| make_hash(&self.hash_builder, k));
        self.store
            .table
            .get_disjoint_mut(hashes, |i, (k, _)| keys[i].equivalent(k))
            .map(|entry| entry.map(|(k, v)| (&*k, v)))
    }
}

/// The policy's look after `extract_if` removed entries; a function pointer
/// in the iterator, so that the iterator type needs no bounds of its own.
fn after_removal<K: Hash, V, S: BuildHasher, A: Allocator + Clone>(
    table: &mut Table<K, V, A>,
    hash_builder: &S,
    reclaimer: &mut Reclaimer,
) {
    reclaimer.on_remove(&mut View::new(table, make_hasher(hash_builder)));
}

/// Lazy iterator removing the entries a predicate picks, from
/// [`HashMap::extract_if`].
///
/// Dropping it stops the removal; the policy then runs once if anything was
/// removed.
#[must_use = "lazy: entries are removed only as the iterator is advanced"]
pub struct ExtractIf<'a, K, V, F, S, A: Allocator + Clone = PageAlloc> {
    core: ExtractCore<'a, K, V, S, A>,
    pred: F,
}

impl<K, V, F, S, A> Iterator for ExtractIf<'_, K, V, F, S, A>
where
    F: FnMut(&K, &mut V) -> bool,
    A: Allocator + Clone,
{
    type Item = (K, V);

    #[inline]
    fn next(&mut self) -> Option<(K, V)> {
        self.core.next_where(&mut self.pred)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.core.size_hint()
    }
}

impl<K, V, F, S, A> FusedIterator for ExtractIf<'_, K, V, F, S, A>
where
    F: FnMut(&K, &mut V) -> bool,
    A: Allocator + Clone,
{
}

impl<K, V, F, S, A: Allocator + Clone> fmt::Debug for ExtractIf<'_, K, V, F, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt(f)
    }
}

/// The policy's look once `extract_if` is done, monomorphised where the
/// map's bounds hold.
type AfterRemoval<K, V, S, A> = fn(&mut Table<K, V, A>, &S, &mut Reclaimer);

/// The walk over the buckets behind `extract_if` (the map's and the set's),
/// and the policy's look when it ends.
pub(crate) struct ExtractCore<'a, K, V, S, A: Allocator + Clone> {
    table: &'a mut Table<K, V, A>,
    hash_builder: &'a S,
    reclaimer: &'a mut Reclaimer,
    // Buckets keep their places while entries are only removed, so a bucket
    // index is a cursor that survives each removal.
    next_bucket: usize,
    removed: bool,
    after_removal: AfterRemoval<K, V, S, A>,
}

impl<K, V, S, A: Allocator + Clone> ExtractCore<'_, K, V, S, A> {
    /// Removes and returns the next entry `pred` picks.
    pub(crate) fn next_where(
        &mut self,
        mut pred: impl FnMut(&K, &mut V) -> bool,
    ) -> Option<(K, V)> {
        while self.next_bucket < self.table.table.num_buckets() {
            let index = self.next_bucket;
            self.next_bucket += 1;
            let Some((k, v)) = self.table.table.get_bucket_mut(index) else {
                continue;
            };
            if !pred(k, v) {
                continue;
            }
            if let Ok(entry) = self.table.table.get_bucket_entry(index) {
                self.removed = true;
                return Some(entry.remove().0);
            }
        }
        None
    }

    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        if self.next_bucket >= self.table.table.num_buckets() {
            (0, Some(0))
        } else {
            (0, Some(self.table.table.len()))
        }
    }
}

impl<K, V, S, A: Allocator + Clone> Drop for ExtractCore<'_, K, V, S, A> {
    fn drop(&mut self) {
        // Not while unwinding from a panicking predicate: a shrink runs the
        // key's `Hash`, and a second panic would abort. Without std there is
        // no way to tell, so the shrink waits for the next insert or removal.
        if self.removed && !unwinding() {
            (self.after_removal)(self.table, self.hash_builder, self.reclaimer);
        }
    }
}

/// Whether this thread is unwinding from a panic (always assumed without
/// std, where it cannot be asked).
fn unwinding() -> bool {
    #[cfg(feature = "std")]
    {
        std::thread::panicking()
    }
    #[cfg(not(feature = "std"))]
    {
        true
    }
}

impl<K, V, S, A: Allocator + Clone> fmt::Debug for ExtractCore<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf")
            .field(
                "buckets_left",
                &self
                    .table
                    .table
                    .num_buckets()
                    .saturating_sub(self.next_bucket),
            )
            .finish()
    }
}
