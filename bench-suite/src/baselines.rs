//! The maps people use today, behind the [`ReclaimMap`] contract so the
//! report runs them through the same scenarios as the workspace's variants.
//!
//! What each one can honestly report differs:
//!
//! | map | `memory()` | `reclaim()` |
//! |---|---|---|
//! | [`StdBaseline`] | nothing: std exposes no allocation size (the report shows n/a) | `shrink_to_fit`, the manual cure |
//! | [`HashbrownBaseline`] | `allocation_size()` of the table | `shrink_to_fit` |
//! | [`DashMapPeer`] | nothing (n/a) | `shrink_to_fit` on every shard |
//! | [`PapayaPeer`] | nothing (n/a) | nothing: papaya has no shrink |
//!
//! None of them gives memory back by itself: their policy is always
//! [`ReclaimPolicy::manual()`], and `set_policy` is ignored.

use core::hash::{BuildHasher, Hash};

use map_core::{Equivalent, MemoryStats, ReclaimMap, ReclaimPolicy};

use crate::lookup::{Key, Lookup, Probe};

/// A value handed out by copy, for maps whose references cannot outlive a
/// guard ([`PapayaPeer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied<V>(pub V);

impl<V> core::ops::Deref for Copied<V> {
    type Target = V;
    fn deref(&self) -> &V {
        &self.0
    }
}

/// `std::collections::HashMap` (SipHash, as users get it).
#[derive(Debug, Clone)]
pub struct StdBaseline<K, V>(std::collections::HashMap<Key<K>, V>);

impl<K, V> StdBaseline<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self(std::collections::HashMap::new())
    }
}

impl<K, V> Default for StdBaseline<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash, V> ReclaimMap<K, V> for StdBaseline<K, V> {
    type Ref<'a>
        = &'a V
    where
        Self: 'a;

    fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.0.insert(Key(key), value)
    }
    fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.0.get(&Probe(key) as &dyn Lookup<K>)
    }
    fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.0.remove(&Probe(key) as &dyn Lookup<K>)
    }
    fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.0.contains_key(&Probe(key) as &dyn Lookup<K>)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn clear(&mut self) {
        self.0.clear();
    }
    fn for_each<F: FnMut(&K, &V)>(&self, mut f: F) {
        self.0.iter().for_each(|(k, v)| f(&k.0, v));
    }
    /// All zero: std does not say how much it allocated.
    fn memory(&self) -> MemoryStats {
        MemoryStats::default()
    }
    fn reclaim(&mut self) -> usize {
        // The released size is unknown; the counting allocator sees it.
        self.0.shrink_to_fit();
        0
    }
    fn policy(&self) -> ReclaimPolicy {
        ReclaimPolicy::manual()
    }
    fn set_policy(&mut self, _policy: ReclaimPolicy) {}
}

/// `hashbrown::HashMap` with its default hasher (foldhash), the table
/// map-core is built on.
#[derive(Debug, Clone)]
pub struct HashbrownBaseline<K, V> {
    map: hashbrown::HashMap<K, V>,
    peak_bytes: usize,
    reclaimed_bytes: usize,
    reclaims: usize,
}

impl<K, V> HashbrownBaseline<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self {
            map: hashbrown::HashMap::new(),
            peak_bytes: 0,
            reclaimed_bytes: 0,
            reclaims: 0,
        }
    }
}

impl<K, V> Default for HashbrownBaseline<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash, V> ReclaimMap<K, V> for HashbrownBaseline<K, V> {
    type Ref<'a>
        = &'a V
    where
        Self: 'a;

    fn insert(&mut self, key: K, value: V) -> Option<V> {
        let old = self.map.insert(key, value);
        // hashbrown's table only grows between explicit shrinks.
        self.peak_bytes = self.peak_bytes.max(self.map.allocation_size());
        old
    }
    fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.map.get(key)
    }
    fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.map.remove(key)
    }
    fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.map.contains_key(key)
    }
    fn len(&self) -> usize {
        self.map.len()
    }
    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    fn clear(&mut self) {
        self.map.clear();
    }
    fn for_each<F: FnMut(&K, &V)>(&self, mut f: F) {
        self.map.iter().for_each(|(k, v)| f(k, v));
    }
    fn memory(&self) -> MemoryStats {
        let allocated_bytes = self.map.allocation_size();
        MemoryStats::new(
            allocated_bytes,
            self.peak_bytes.max(allocated_bytes),
            self.reclaimed_bytes,
            self.reclaims,
        )
    }
    fn reclaim(&mut self) -> usize {
        let before = self.map.allocation_size();
        self.map.shrink_to_fit();
        let released = before.saturating_sub(self.map.allocation_size());
        if released > 0 {
            self.reclaimed_bytes += released;
            self.reclaims += 1;
        }
        released
    }
    fn policy(&self) -> ReclaimPolicy {
        ReclaimPolicy::manual()
    }
    fn set_policy(&mut self, _policy: ReclaimPolicy) {}
}

/// A value in a [`DashMapPeer`], read-locked while held.
pub struct DashRef<'a, K, V>(dashmap::mapref::one::Ref<'a, Key<K>, V>);

impl<K: Eq + Hash, V> core::ops::Deref for DashRef<'_, K, V> {
    type Target = V;
    fn deref(&self) -> &V {
        self.0.value()
    }
}

/// `dashmap::DashMap` (sharded `RwLock`s over hashbrown tables), used from
/// one thread.
pub struct DashMapPeer<K, V>(dashmap::DashMap<Key<K>, V>);

impl<K, V> core::fmt::Debug for DashMapPeer<K, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DashMapPeer").finish_non_exhaustive()
    }
}

impl<K: Eq + Hash, V> DashMapPeer<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self(dashmap::DashMap::new())
    }
}

impl<K: Eq + Hash, V> Default for DashMapPeer<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash, V> ReclaimMap<K, V> for DashMapPeer<K, V> {
    type Ref<'a>
        = DashRef<'a, K, V>
    where
        Self: 'a;

    fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.0.insert(Key(key), value)
    }
    fn get<Q>(&self, key: &Q) -> Option<Self::Ref<'_>>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.0.get(&Probe(key) as &dyn Lookup<K>).map(DashRef)
    }
    fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.0.remove(&Probe(key) as &dyn Lookup<K>).map(|(_, v)| v)
    }
    fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.0.contains_key(&Probe(key) as &dyn Lookup<K>)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn clear(&mut self) {
        self.0.clear();
    }
    fn for_each<F: FnMut(&K, &V)>(&self, mut f: F) {
        self.0.iter().for_each(|e| f(&e.key().0, e.value()));
    }
    /// All zero: dashmap does not say how much it allocated.
    fn memory(&self) -> MemoryStats {
        MemoryStats::default()
    }
    fn reclaim(&mut self) -> usize {
        self.0.shrink_to_fit();
        0
    }
    fn policy(&self) -> ReclaimPolicy {
        ReclaimPolicy::manual()
    }
    fn set_policy(&mut self, _policy: ReclaimPolicy) {}
}

/// `papaya::HashMap` (lock-free, epoch-reclaimed), used from one thread.
///
/// Removed entries are retired and freed later, in batches, when no guard
/// can still see them; papaya has no way to shrink its table.
pub struct PapayaPeer<K, V, S = std::hash::RandomState>(papaya::HashMap<K, V, S>);

impl<K, V> PapayaPeer<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self(papaya::HashMap::new())
    }
}

impl<K, V> Default for PapayaPeer<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V, S> core::fmt::Debug for PapayaPeer<K, V, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PapayaPeer").finish_non_exhaustive()
    }
}

impl<K: Eq + Hash, V: Clone, S: BuildHasher> ReclaimMap<K, V> for PapayaPeer<K, V, S> {
    type Ref<'a>
        = Copied<V>
    where
        Self: 'a;

    fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.0.pin().insert(key, value).cloned()
    }
    fn get<Q>(&self, key: &Q) -> Option<Copied<V>>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.0.pin().get(key).cloned().map(Copied)
    }
    fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.0.pin().remove(key).cloned()
    }
    fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.0.pin().contains_key(key)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn clear(&mut self) {
        self.0.pin().clear();
    }
    fn for_each<F: FnMut(&K, &V)>(&self, mut f: F) {
        self.0.pin().iter().for_each(|(k, v)| f(k, v));
    }
    /// All zero: papaya does not say how much it allocated.
    fn memory(&self) -> MemoryStats {
        MemoryStats::default()
    }
    /// Nothing: papaya cannot shrink.
    fn reclaim(&mut self) -> usize {
        0
    }
    fn policy(&self) -> ReclaimPolicy {
        ReclaimPolicy::manual()
    }
    fn set_policy(&mut self, _policy: ReclaimPolicy) {}
}
