//! `SyncMap`: the safe map on top of the left-right pair in `raw`.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;
use core::ops::Deref;

use map_core::{DefaultHashBuilder, Equivalent, MemoryStats, ReclaimMap, ReclaimPolicy};

use crate::raw::{LeftRight, Pass, Reader};

type Table<K, V, S> = map_core::HashMap<K, V, S>;

/// A read-optimised concurrent hash map whose reads take no lock and whose
/// memory comes back. See the [crate docs](crate) for when to use it, the
/// consistency it gives and how memory is returned.
///
/// Every method takes `&self`; share the map between threads by reference
/// (scoped threads) or in an `Arc`.
///
/// # Examples
///
/// ```
/// use sync_map::SyncMap;
///
/// let config: SyncMap<String, u32> = SyncMap::new();
/// config.insert("timeout".to_string(), 30);
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| assert_eq!(config.get("timeout"), Some(30)));
///     }
/// });
/// assert_eq!(config.compare_and_swap("timeout", &30, 60), Ok(30));
/// assert_eq!(config.remove("timeout"), Some(60));
/// assert!(config.is_empty());
/// ```
pub struct SyncMap<K, V, S = DefaultHashBuilder> {
    pair: LeftRight<Table<K, V, S>>,
}

/// A value read from a [`SyncMap`] through [`ReclaimMap::get`]: a clone
/// taken inside the read section, so holding it blocks no writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loaded<V>(pub V);

impl<V> Loaded<V> {
    /// The value.
    pub fn into_inner(self) -> V {
        self.0
    }
}

impl<V> Deref for Loaded<V> {
    type Target = V;

    fn deref(&self) -> &V {
        &self.0
    }
}

impl<K, V> SyncMap<K, V, DefaultHashBuilder> {
    /// An empty map with the automatic reclamation policy. Allocates nothing
    /// until the first insert.
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty map with room for `capacity` entries (in each of its two
    /// copies).
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }

    /// An empty map with the given reclamation policy.
    pub fn with_policy(policy: ReclaimPolicy) -> Self {
        Self {
            pair: LeftRight::new(Table::with_policy(policy), Table::with_policy(policy)),
        }
    }
}

impl<K, V, S: Clone> SyncMap<K, V, S> {
    /// An empty map hashing with `hash_builder` (each copy gets a clone).
    pub fn with_hasher(hash_builder: S) -> Self {
        Self::with_capacity_and_hasher(0, hash_builder)
    }

    /// An empty map with room for `capacity` entries, hashing with
    /// `hash_builder`.
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        Self {
            pair: LeftRight::new(
                Table::with_capacity_and_hasher(capacity, hash_builder.clone()),
                Table::with_capacity_and_hasher(capacity, hash_builder),
            ),
        }
    }
}

/// Reads: no lock, no shared counter.
impl<K, V, S> SyncMap<K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// A clone of the value under `key` (Go: `Load`).
    ///
    /// The clone is taken inside the read section; use
    /// [`get_with`](Self::get_with) to look at a value without cloning it.
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
        V: Clone,
    {
        self.pair.read(|t| t.get(key).cloned())
    }

    /// Calls `f` with the value under `key`, inside the read section, and
    /// returns its result.
    ///
    /// Writers of this map wait while `f` runs, so keep it short.
    ///
    /// # Panics
    ///
    /// If `f` writes to this same map: the write would wait for `f` to
    /// finish. (Reading this map, and writing other maps, is fine.)
    #[inline]
    pub fn get_with<Q, R>(&self, key: &Q, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.pair.read(|t| t.get(key).map(f))
    }

    /// Whether `key` is present.
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.pair.read(|t| t.contains_key(key))
    }

    /// How many entries the map holds.
    pub fn len(&self) -> usize {
        self.pair.read(|t| t.len())
    }

    /// A read handle for this thread: the same reads as the map's, without
    /// the thread-local lookup each map read makes to find this thread's
    /// reader slot, and [`ReadHandle::enter`] for many lookups in one read
    /// section. Make one per thread (or per task) and keep it for a loop
    /// of reads; it is not `Send`.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map: SyncMap<u64, u64> = (0..100).map(|k| (k, k * 2)).collect();
    /// std::thread::scope(|s| {
    ///     for _ in 0..2 {
    ///         s.spawn(|| {
    ///             let reader = map.reader();
    ///             let sum: u64 = (0..100).filter_map(|k| reader.get(&k)).sum();
    ///             assert_eq!(sum, 9900);
    ///         });
    ///     }
    /// });
    /// ```
    pub fn reader(&self) -> ReadHandle<'_, K, V, S> {
        ReadHandle {
            reader: self.pair.reader(),
        }
    }

    /// Whether the map holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` on every entry of one consistent version of the map, in no
    /// particular order, inside a read section (Go: `Range`).
    ///
    /// Writers of this map wait while it runs; for a long walk, or one that
    /// writes to the map, take a [`snapshot`](Self::snapshot) instead.
    ///
    /// # Panics
    ///
    /// If `f` writes to this same map.
    pub fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        self.pair.read(|t| {
            for (k, v) in t.iter() {
                f(k, v);
            }
        });
    }

    /// The entries of one consistent version of the map, cloned.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let map = SyncMap::new();
    /// map.insert(1, "a");
    /// map.insert(2, "b");
    /// let mut entries = map.snapshot();
    /// entries.sort();
    /// // The snapshot is owned: writing while walking it is fine.
    /// for (k, _) in &entries {
    ///     map.remove(k);
    /// }
    /// assert_eq!(entries, [(1, "a"), (2, "b")]);
    /// assert!(map.is_empty());
    /// ```
    pub fn snapshot(&self) -> Vec<(K, V)>
    where
        K: Clone,
        V: Clone,
    {
        self.pair.read(|t| {
            t.iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>()
        })
    }
}

/// A thread's read handle on a [`SyncMap`], from [`SyncMap::reader`].
///
/// It holds the thread's reader slot, so its reads skip the thread-local
/// lookup that [`SyncMap::get`] makes; otherwise they are the same reads,
/// with the same consistency. It is not `Send`: the slot belongs to the
/// thread that made the handle.
pub struct ReadHandle<'m, K, V, S = DefaultHashBuilder> {
    reader: Reader<'m, Table<K, V, S>>,
}

impl<K, V, S> ReadHandle<'_, K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// A clone of the value under `key`, as [`SyncMap::get`].
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
        V: Clone,
    {
        self.reader.read(|t| t.get(key).cloned())
    }

    /// Calls `f` with the value under `key` inside the read section, as
    /// [`SyncMap::get_with`].
    ///
    /// # Panics
    ///
    /// If `f` writes to this map (the write would wait for `f`).
    #[inline]
    pub fn get_with<Q, R>(&self, key: &Q, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.reader.read(|t| t.get(key).map(f))
    }

    /// Whether `key` is present.
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.reader.read(|t| t.contains_key(key))
    }

    /// How many entries the map holds.
    pub fn len(&self) -> usize {
        self.reader.read(|t| t.len())
    }

    /// Whether the map holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `f` inside one read section, on a [`View`] of one version of
    /// the map: every lookup through the view sees that version and costs
    /// only the table lookup, with the section's entry and exit paid once.
    ///
    /// Writers of this map wait until `f` returns (left-right: a write is
    /// published only once no reader can be in the copy it changes next),
    /// so keep `f` short: a batch of lookups, not a loop that waits for
    /// something. The view cannot leave `f`.
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let prices: SyncMap<&str, u32> = [("tea", 3), ("cake", 4)].into_iter().collect();
    /// let reader = prices.reader();
    /// let order = ["tea", "cake", "tea"];
    /// // One version for the whole order: no write can change a price
    /// // half way through.
    /// let total: u32 = reader.enter(|view| order.iter().filter_map(|item| view.get(item)).sum());
    /// assert_eq!(total, 10);
    /// ```
    ///
    /// # Panics
    ///
    /// If `f` writes to this map: the write would wait for `f` to return.
    #[inline]
    pub fn enter<R>(&self, f: impl FnOnce(&View<'_, K, V, S>) -> R) -> R {
        self.reader.read(|table| f(&View { table }))
    }
}

impl<K, V, S> fmt::Debug for ReadHandle<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHandle").finish_non_exhaustive()
    }
}

/// One version of a [`SyncMap`], seen from inside a read section opened
/// by [`ReadHandle::enter`]. Lookups borrow values in place.
pub struct View<'a, K, V, S = DefaultHashBuilder> {
    table: &'a Table<K, V, S>,
}

impl<'a, K, V, S> View<'a, K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// The value under `key`, in place.
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&'a V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.table.get(key)
    }

    /// The key and value under `key`, in place.
    #[inline]
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&'a K, &'a V)>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.table.get_key_value(key)
    }

    /// Whether `key` is present.
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.table.contains_key(key)
    }

    /// How many entries this version holds.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether this version holds no entries.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The entries of this version, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a K, &'a V)> + 'a {
        self.table.iter()
    }
}

impl<K, V, S> fmt::Debug for View<'_, K, V, S>
where
    K: Eq + Hash + fmt::Debug,
    V: fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.table.iter()).finish()
    }
}

/// Writes: serialised, each published before it returns.
impl<K, V, S> SyncMap<K, V, S>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone,
{
    /// Inserts `value` under `key`, returning the previous value (Go:
    /// `Store`, and `Swap` with the result). Readers that start after it
    /// returns see the new value.
    pub fn insert(&self, key: K, value: V) -> Option<V> {
        // Clones first: a panicking `Clone` leaves the map untouched.
        let mut first = Some((key.clone(), value.clone()));
        let mut second = Some((key, value));
        self.pair.lock().apply(|t, pass| {
            let (k, v) = take(pass, &mut first, &mut second);
            t.insert(k, v)
        })
    }

    /// Replaces the value under `key`, returning the previous one (Go:
    /// `Swap`). The same as [`insert`](Self::insert).
    pub fn swap(&self, key: K, value: V) -> Option<V> {
        self.insert(key, value)
    }

    /// Removes `key`, returning its value (Go: `LoadAndDelete`, `Delete`).
    ///
    /// The value is dropped from the map's second copy before this returns,
    /// once no reader can still be looking at it. A miss takes the lock but
    /// publishes nothing.
    pub fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let mut w = self.pair.lock();
        if !w.read(|t| t.contains_key(key)) {
            return None;
        }
        w.apply(|t, _| t.remove(key))
    }

    /// Removes `key` if `pred` accepts its value, returning the value (Go:
    /// `CompareAndDelete` is `remove_if(&k, |v| *v == old).is_some()`).
    /// `pred` runs once, under the writer lock.
    pub fn remove_if<Q>(&self, key: &Q, pred: impl FnOnce(&V) -> bool) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let mut w = self.pair.lock();
        if !w.read(|t| t.get(key).is_some_and(pred)) {
            return None;
        }
        w.apply(|t, _| t.remove(key))
    }

    /// A clone of the value under `key`, inserting `make()` first if there
    /// is none (Go: `LoadOrStore`). A hit takes no lock; `make` runs at most
    /// once, under the writer lock, only if the key is still absent there.
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce() -> V) -> V {
        if let Some(v) = self.get(&key) {
            return v;
        }
        let mut w = self.pair.lock();
        if let Some(v) = w.read(|t| t.get(&key).cloned()) {
            return v;
        }
        let value = make();
        let result = value.clone();
        let mut first = Some((key.clone(), value.clone()));
        let mut second = Some((key, value));
        w.apply(|t, pass| {
            let (k, v) = take(pass, &mut first, &mut second);
            t.insert(k, v)
        });
        result
    }

    /// Replaces the value under `key` with `f(&value)`, returning the
    /// previous value; `None` (and `f` not called) if `key` is absent.
    /// `f` runs once, under the writer lock, so updates never get lost:
    ///
    /// ```
    /// use sync_map::SyncMap;
    ///
    /// let hits = SyncMap::new();
    /// hits.insert("page", 0u64);
    /// std::thread::scope(|s| {
    ///     for _ in 0..4 {
    ///         s.spawn(|| for _ in 0..100 { hits.update("page", |n| n + 1); });
    ///     }
    /// });
    /// assert_eq!(hits.get("page"), Some(400));
    /// ```
    pub fn update<Q>(&self, key: &Q, f: impl FnOnce(&V) -> V) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let mut w = self.pair.lock();
        let new = w.read(|t| t.get(key).map(f))?;
        self.replace_locked(&mut w, key, new)
    }

    /// Replaces the value under `key` with `new` if it equals `current`
    /// (Go: `CompareAndSwap`). `Ok` holds the value replaced; `Err` the
    /// value found instead (`None`: no entry), and `new` is dropped.
    pub fn compare_and_swap<Q>(&self, key: &Q, current: &V, new: V) -> Result<V, Option<V>>
    where
        Q: ?Sized + Hash + Equivalent<K>,
        V: PartialEq,
    {
        let mut w = self.pair.lock();
        match w.read(|t| {
            t.get(key)
                .map(|v| (v == current).then_some(()).ok_or_else(|| v.clone()))
        }) {
            None => Err(None),
            Some(Err(found)) => Err(Some(found)),
            Some(Ok(())) => self.replace_locked(&mut w, key, new).ok_or(None),
        }
    }

    fn replace_locked<Q>(
        &self,
        w: &mut crate::raw::WriteGuard<'_, Table<K, V, S>>,
        key: &Q,
        new: V,
    ) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let mut first = Some(new.clone());
        let mut second = Some(new);
        w.apply(|t, pass| {
            let v = match pass {
                Pass::First => first.take(),
                Pass::Second => second.take(),
            }?;
            t.get_mut(key).map(|slot| mem::replace(slot, v))
        })
    }

    /// Keeps only the entries `keep` accepts. `keep` runs once per entry,
    /// under the writer lock; the removed entries are published in one step.
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        let mut w = self.pair.lock();
        let doomed: Vec<K> = w.read(|t| {
            t.iter()
                .filter(|(k, v)| !keep(k, v))
                .map(|(k, _)| k.clone())
                .collect()
        });
        if doomed.is_empty() {
            return;
        }
        w.apply(|t, _| {
            for k in &doomed {
                t.remove(k);
            }
        });
    }

    /// Removes every entry (Go: `Clear`). Under the automatic policy both
    /// copies' tables go back to the allocator.
    pub fn clear(&self) {
        let mut w = self.pair.lock();
        if w.read(|t| t.is_empty() && t.memory().allocated_bytes == 0) {
            return;
        }
        w.apply(|t, _| t.clear());
    }

    /// Gives back now all the memory the current entries do not need (both
    /// copies shrink to fit; reader slots of exited threads are freed), and
    /// returns the bytes released.
    pub fn reclaim(&self) -> usize {
        let pruned = self.pair.prune_slots();
        let mut released = 0;
        self.pair.lock().apply(|t, _| released += t.reclaim());
        released + pruned
    }

    /// The reclamation policy in force.
    pub fn policy(&self) -> ReclaimPolicy {
        self.pair.lock().read(|t| t.policy())
    }

    /// Replaces the reclamation policy; a stricter one takes effect at once.
    pub fn set_policy(&self, policy: ReclaimPolicy) {
        self.pair.lock().apply(|t, _| t.set_policy(policy));
    }

    /// The map's memory figures: both copies' tables and the reader
    /// registry, exact byte counts of what the map holds from the allocator.
    pub fn memory(&self) -> MemoryStats {
        let tables = self.pair.lock().read_both(|a, b| {
            let (a, b) = (a.memory(), b.memory());
            MemoryStats {
                allocated_bytes: a.allocated_bytes + b.allocated_bytes,
                peak_bytes: a.peak_bytes + b.peak_bytes,
                reclaimed_bytes: a.reclaimed_bytes + b.reclaimed_bytes,
                reclaims: a.reclaims.max(b.reclaims),
            }
        });
        let (registry, registry_released) = self.pair.registry_bytes();
        MemoryStats {
            allocated_bytes: tables.allocated_bytes + registry,
            peak_bytes: tables.peak_bytes + registry,
            reclaimed_bytes: tables.reclaimed_bytes + registry_released,
            ..tables
        }
    }
}

fn take<T>(pass: Pass, first: &mut Option<T>, second: &mut Option<T>) -> T {
    match pass {
        Pass::First => first.take(),
        Pass::Second => second.take(),
    }
    .expect("each pass runs once")
}

impl<K, V> Default for SyncMap<K, V, DefaultHashBuilder> {
    /// An empty map with the automatic policy.
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V, S> fmt::Debug for SyncMap<K, V, S>
where
    K: Eq + Hash + fmt::Debug,
    V: fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pair.read(|t| f.debug_map().entries(t.iter()).finish())
    }
}

impl<K, V, S> FromIterator<(K, V)> for SyncMap<K, V, S>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut table: Table<K, V, S> = Table::with_hasher(S::default());
        for (k, v) in iter {
            table.insert(k, v);
        }
        Self {
            pair: crate::raw::LeftRight::new(table.clone(), table),
        }
    }
}

impl<K, V, S> ReclaimMap<K, V> for SyncMap<K, V, S>
where
    K: Eq + Hash + Clone,
    V: Clone,
    S: BuildHasher + Clone,
{
    type Ref<'a>
        = Loaded<V>
    where
        Self: 'a;

    fn insert(&mut self, key: K, value: V) -> Option<V> {
        SyncMap::insert(self, key, value)
    }

    fn get<Q>(&self, key: &Q) -> Option<Loaded<V>>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        SyncMap::get(self, key).map(Loaded)
    }

    fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        SyncMap::remove(self, key)
    }

    fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        SyncMap::contains_key(self, key)
    }

    fn len(&self) -> usize {
        SyncMap::len(self)
    }

    fn is_empty(&self) -> bool {
        SyncMap::is_empty(self)
    }

    fn clear(&mut self) {
        SyncMap::clear(self)
    }

    fn for_each<F: FnMut(&K, &V)>(&self, f: F) {
        SyncMap::for_each(self, f)
    }

    fn memory(&self) -> MemoryStats {
        SyncMap::memory(self)
    }

    fn reclaim(&mut self) -> usize {
        SyncMap::reclaim(self)
    }

    fn policy(&self) -> ReclaimPolicy {
        SyncMap::policy(self)
    }

    fn set_policy(&mut self, policy: ReclaimPolicy) {
        SyncMap::set_policy(self, policy)
    }
}
