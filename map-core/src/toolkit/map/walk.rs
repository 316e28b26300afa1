//! What [`Map`] offers over a [`StableStore`]: `extract_if`, and mutable
//! borrows of several entries at once.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;

use hashbrown::Equivalent;

use super::{make_hash, make_hasher, Map};
use crate::policy::Reclaimer;
use crate::toolkit::store::{StableStore, Store};

impl<K, V, S, St> Map<K, V, S, St>
where
    K: Eq + Hash,
    S: BuildHasher,
    St: StableStore<K, V>,
{
    /// A lazy iterator that removes and yields the entries for which `pred`
    /// returns `true`; `pred` may also change the values of the entries it
    /// keeps.
    ///
    /// Entries the iterator has not reached when it is dropped stay in the
    /// map. The policy runs once, when the iterator is dropped, and only if
    /// an entry was removed: an `extract_if` that takes nothing never resizes
    /// or allocates. Like [`retain`](Self::retain), a bulk removal that
    /// leaves the storage sparse enough shrinks it at once.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<u64, u64> = (0..10_000).map(|i| (i, i)).collect();
    /// let full = map.memory().allocated_bytes;
    ///
    /// let odd: Vec<u64> = map.extract_if(|k, _| k % 100 != 0).map(|(k, _)| k).collect();
    /// assert_eq!(odd.len(), 9_900);
    /// assert_eq!(map.len(), 100);
    /// assert!(map.memory().allocated_bytes * 50 < full, "shrunk when the iterator ended");
    /// ```
    pub fn extract_if<F>(&mut self, pred: F) -> ExtractIf<'_, K, V, F, S, St>
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        ExtractIf {
            core: self.extract_core(),
            pred,
        }
    }

    /// The removal half of `extract_if`, shared with `HashSet`.
    pub(crate) fn extract_core(&mut self) -> ExtractCore<'_, K, V, S, St> {
        ExtractCore {
            store: &mut self.store,
            hash_builder: &self.hash_builder,
            reclaimer: &mut self.reclaimer,
            cursor: St::Pos::default(),
            done: false,
            removed: false,
            after_takes: after_takes::<K, V, S, St>,
        }
    }

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
            .get_disjoint_mut(hashes, |i, (k, _)| keys[i].equivalent(k))
            .map(|entry| entry.map(|(k, v)| (&*k, v)))
    }
}

/// The policy's look after a walk took entries out; a function pointer in
/// the iterator, so that the iterator type needs no bounds of its own.
fn after_takes<K: Hash, V, S: BuildHasher, St: StableStore<K, V>>(
    store: &mut St,
    hash_builder: &S,
    reclaimer: &mut Reclaimer,
) {
    store.after_takes(make_hasher(hash_builder), reclaimer);
}

/// Lazy iterator removing the entries a predicate picks, from
/// [`Map::extract_if`].
///
/// Dropping it stops the removal; the policy then runs once if anything was
/// removed.
#[must_use = "lazy: entries are removed only as the iterator is advanced"]
pub struct ExtractIf<'a, K, V, F, S, St: Store<K, V>> {
    core: ExtractCore<'a, K, V, S, St>,
    pred: F,
}

impl<K, V, F, S, St> Iterator for ExtractIf<'_, K, V, F, S, St>
where
    F: FnMut(&K, &mut V) -> bool,
    St: StableStore<K, V>,
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

impl<K, V, F, S, St> FusedIterator for ExtractIf<'_, K, V, F, S, St>
where
    F: FnMut(&K, &mut V) -> bool,
    St: StableStore<K, V>,
{
}

impl<K, V, F, S, St: Store<K, V>> fmt::Debug for ExtractIf<'_, K, V, F, S, St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt(f)
    }
}

/// The policy's look once a walk is done, monomorphised where the map's
/// bounds hold.
type AfterTakes<St, S> = fn(&mut St, &S, &mut Reclaimer);

/// The walk behind `extract_if` (the map's and the set's), and the policy's
/// look when it ends.
pub(crate) struct ExtractCore<'a, K, V, S, St: Store<K, V>> {
    store: &'a mut St,
    hash_builder: &'a S,
    reclaimer: &'a mut Reclaimer,
    // Positions stay put while entries are only taken out, so the cursor
    // survives each removal.
    cursor: St::Pos,
    done: bool,
    removed: bool,
    after_takes: AfterTakes<St, S>,
}

impl<K, V, S, St: StableStore<K, V>> ExtractCore<'_, K, V, S, St> {
    /// Removes and returns the next entry `pred` picks.
    pub(crate) fn next_where(
        &mut self,
        mut pred: impl FnMut(&K, &mut V) -> bool,
    ) -> Option<(K, V)> {
        while !self.done {
            let Some(pos) = self.store.next_pos(&mut self.cursor) else {
                self.done = true;
                break;
            };
            let (k, v) = self.store.at_mut(pos);
            if pred(k, v) {
                self.removed = true;
                return Some(self.store.take_at(pos));
            }
        }
        None
    }

    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            (0, Some(self.store.len()))
        }
    }
}

impl<K, V, S, St: Store<K, V>> Drop for ExtractCore<'_, K, V, S, St> {
    fn drop(&mut self) {
        // Not while unwinding from a panicking predicate: a shrink runs the
        // key's `Hash`, and a second panic would abort. Without std there is
        // no way to tell, so the shrink waits for the next insert or removal.
        if self.removed && !unwinding() {
            (self.after_takes)(self.store, self.hash_builder, self.reclaimer);
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

impl<K, V, S, St: Store<K, V>> fmt::Debug for ExtractCore<'_, K, V, S, St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractIf")
            .field("done", &self.done)
            .field("entries", &self.store.len())
            .finish()
    }
}
