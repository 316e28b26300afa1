//! The map methods that take and give [`Handle`]s ([`HandleMap`]).

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;
use core::ops::{Index, IndexMut};

use allocator_api2::alloc::Allocator;
use hashbrown::Equivalent;
use map_core::toolkit::map::{equivalent_key, make_hash, Map, OccupiedEntry};
use map_core::toolkit::Store;

use crate::pool;
use crate::stamp::Handle;
use crate::store::{PoolStore, Slot};

mod sealed {
    pub trait Sealed {}
    impl<K, V, S, A: allocator_api2::alloc::Allocator + Clone> Sealed
        for map_core::toolkit::map::Map<K, V, S, crate::PoolStore<K, V, A>>
    {
    }
    impl<K, V, S, A: allocator_api2::alloc::Allocator + Clone> Sealed
        for map_core::toolkit::map::OccupiedEntry<'_, K, V, S, crate::PoolStore<K, V, A>>
    {
    }
}

/// The methods of a [`PooledMap`](crate::PooledMap) that take or give
/// [`Handle`]s: bring them into scope with `use pooled_map::HandleMap`.
///
/// A handle reaches its entry with a bounds check and a comparison, no
/// hashing. See the [crate docs](crate#handles) for exactly when a handle
/// goes stale.
pub trait HandleMap: sealed::Sealed {
    /// The map's key type.
    type Key;
    /// The map's value type.
    type Value;

    /// The value `handle` refers to, if its entry is still there. A bounds
    /// check and a stamp comparison; no hashing.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// assert_eq!(map.get_by_handle(h), Some(&1));
    /// map.remove("a");
    /// map.insert("a", 2);
    /// assert_eq!(map.get_by_handle(h), None, "a new entry, a new handle");
    /// ```
    fn get_by_handle(&self, handle: Handle) -> Option<&Self::Value>;

    /// The key and value `handle` refers to, if its entry is still there.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// assert_eq!(map.get_key_value_by_handle(h), Some((&"a", &1)));
    /// ```
    fn get_key_value_by_handle(&self, handle: Handle) -> Option<(&Self::Key, &Self::Value)>;

    /// The value `handle` refers to, mutably, if its entry is still there.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// *map.get_mut_by_handle(h).unwrap() += 1;
    /// assert_eq!(map["a"], 2);
    /// ```
    fn get_mut_by_handle(&mut self, handle: Handle) -> Option<&mut Self::Value>;

    /// Whether `handle` still refers to an entry of this map.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// assert!(map.contains_handle(h));
    /// map.remove("a");
    /// assert!(!map.contains_handle(h));
    /// ```
    fn contains_handle(&self, handle: Handle) -> bool {
        self.get_by_handle(handle).is_some()
    }

    /// Removes the entry `handle` refers to and returns its value; `None`
    /// if the handle is stale. No hashing: the entry's stored hash finds its
    /// index record. May give memory back under the policy.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// map.insert("b", 2);
    /// assert_eq!(map.remove_by_handle(h), Some(1));
    /// assert_eq!(map.remove_by_handle(h), None, "stale now");
    /// assert_eq!(map.len(), 1);
    /// ```
    fn remove_by_handle(&mut self, handle: Handle) -> Option<Self::Value> {
        self.remove_entry_by_handle(handle).map(|(_, v)| v)
    }

    /// Removes the entry `handle` refers to and returns its key and value;
    /// `None` if the handle is stale.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// let (h, _) = map.insert_with_handle("a", 1);
    /// assert_eq!(map.remove_entry_by_handle(h), Some(("a", 1)));
    /// assert!(map.is_empty());
    /// ```
    fn remove_entry_by_handle(&mut self, handle: Handle) -> Option<(Self::Key, Self::Value)>;

    /// The handle of the entry under `key`, if present. From now on that
    /// entry stays in its slot through automatic reclamation, so the handle
    /// stays valid until the entry is removed.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// map.insert("a", 1);
    /// let h = map.handle_of("a").unwrap();
    /// assert_eq!(map[h], 1);
    /// assert_eq!(map.handle_of("b"), None);
    /// ```
    fn handle_of<Q>(&self, key: &Q) -> Option<Handle>
    where
        Q: ?Sized + Hash + Equivalent<Self::Key>;

    /// Inserts as [`insert`](Map::insert) does and returns the entry's
    /// handle with the value it replaced. A replaced value keeps its entry,
    /// and so its handle.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// let (h, old) = map.insert_with_handle("a", 1);
    /// assert_eq!(old, None);
    /// let (h2, old) = map.insert_with_handle("a", 2);
    /// assert_eq!((h2, old), (h, Some(1)));
    /// ```
    fn insert_with_handle(
        &mut self,
        key: Self::Key,
        value: Self::Value,
    ) -> (Handle, Option<Self::Value>);

    /// The entries with their handles, in pool order. Every entry gets its
    /// handle, so none of them moves in automatic reclamation from now on.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let map = PooledMap::from([("a", 1)]);
    /// let (h, k, v) = map.handles().next().unwrap();
    /// assert_eq!((k, v), (&"a", &1));
    /// assert_eq!(map[h], 1);
    /// ```
    fn handles(&self) -> Handles<'_, Self::Key, Self::Value>;

    /// How many reclamations have moved entries. Only entries no handle was
    /// handed out for move (and [`reclaim_with`](Self::reclaim_with) moves
    /// the others, reporting each): a slot number read from `iter` order or
    /// kept by hand, not through a handle, is valid while this stays the
    /// same.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// let kept = map.insert_with_handle(1_000u32, 0).0;
    /// for i in 0..10_000u32 { map.insert(i, i); }
    /// let epoch = map.reclaim_epoch();
    /// for i in 0..9_990 { map.remove(&i); }
    /// assert!(map.reclaim_epoch() > epoch, "entries without handles moved");
    /// assert_eq!(map.get_by_handle(kept), None, "its entry was removed");
    /// let h = map.handle_of(&9_995).unwrap();
    /// for i in 9_990..9_995 { map.remove(&i); }
    /// map.reclaim();
    /// assert_eq!(map.get_by_handle(h), Some(&9_995), "handles stay valid");
    /// ```
    fn reclaim_epoch(&self) -> u64;

    /// Reclaims as [`reclaim`](Map::reclaim) does, but also moves the
    /// entries handles were handed out for. It calls `moved(key, old, new)`
    /// for every entry it moves, with or without a handle: `old` is the
    /// handle the entry had in its old slot (stale from then on), `new` its
    /// handle from now on, which stays valid like any handle handed out (a
    /// moved entry is not moved again by automatic reclamation). Returns the
    /// bytes given back. The pool then shrinks as far as the live entries
    /// allow.
    ///
    /// ```
    /// use pooled_map::{HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// for i in 0..1_000u32 { map.insert(i, i); }
    /// let mut h = map.handle_of(&999).unwrap();
    /// for i in 0..990 { map.remove(&i); }
    /// map.reclaim_with(|key, old, new| if old == h { assert_eq!(*key, 999); h = new; });
    /// assert_eq!(map.get_by_handle(h), Some(&999));
    /// ```
    fn reclaim_with<F>(&mut self, moved: F) -> usize
    where
        F: FnMut(&Self::Key, Handle, Handle);
}

/// The slot `handle` names, if it still holds the handle's entry.
#[inline]
fn live<K, V, A: Allocator + Clone>(
    store: &PoolStore<K, V, A>,
    handle: Handle,
) -> Option<&Slot<K, V>> {
    match store.pool.get(handle.slot as usize) {
        Some(slot) if slot.stamp() == handle.stamp.get() => Some(slot),
        _ => None,
    }
}

/// The slot `handle` names, mutably, if it still holds the handle's entry.
#[inline]
fn live_mut<K, V, A: Allocator + Clone>(
    store: &mut PoolStore<K, V, A>,
    handle: Handle,
) -> Option<&mut Slot<K, V>> {
    match store.pool.get_mut(handle.slot as usize) {
        Some(slot) if slot.stamp() == handle.stamp.get() => Some(slot),
        _ => None,
    }
}

impl<K, V, S, A> HandleMap for Map<K, V, S, PoolStore<K, V, A>>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    type Key = K;
    type Value = V;

    #[inline]
    fn get_by_handle(&self, handle: Handle) -> Option<&V> {
        live(self.storage(), handle).map(|s| &s.entry.1)
    }

    #[inline]
    fn get_key_value_by_handle(&self, handle: Handle) -> Option<(&K, &V)> {
        live(self.storage(), handle).map(|s| (&s.entry.0, &s.entry.1))
    }

    #[inline]
    fn get_mut_by_handle(&mut self, handle: Handle) -> Option<&mut V> {
        live_mut(self.storage_mut(), handle).map(|s| &mut s.entry.1)
    }

    #[inline]
    fn remove_entry_by_handle(&mut self, handle: Handle) -> Option<(K, V)> {
        let hash = live(self.storage(), handle)?.hash;
        // The stored 32 bits are a hash the store's lookups accept.
        Some(
            self.entry_at(handle.slot as usize, u64::from(hash))
                .remove_entry(),
        )
    }

    fn handle_of<Q>(&self, key: &Q) -> Option<Handle>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let store = self.storage();
        let slot = store.find_pos(make_hash(self.hasher(), key), equivalent_key(key))?;
        Some(store.pool[slot].handle(slot))
    }

    #[inline]
    fn insert_with_handle(&mut self, key: K, value: V) -> (Handle, Option<V>) {
        match self.entry(key) {
            map_core::toolkit::map::Entry::Occupied(mut entry) => {
                let old = entry.insert(value);
                (entry.handle(), Some(old))
            }
            map_core::toolkit::map::Entry::Vacant(entry) => {
                (entry.insert_entry(value).handle(), None)
            }
        }
    }

    fn handles(&self) -> Handles<'_, K, V> {
        Handles {
            inner: self.storage().pool.iter(),
        }
    }

    fn reclaim_epoch(&self) -> u64 {
        self.storage().epoch
    }

    fn reclaim_with<F>(&mut self, mut moved: F) -> usize
    where
        F: FnMut(&K, Handle, Handle),
    {
        // The shrink runs no user code: the flag is back before anything
        // can panic.
        self.storage_mut().keep_handles = false;
        let released = self.reclaim();
        let store = self.storage_mut();
        store.keep_handles = true;
        let moves = store.take_moves();
        for (from, to) in moves {
            if let Some(slot) = self.storage().pool.get(to as usize) {
                // Stamped by the move; the new handle is the entry's
                // handle like any other from now on, and the old one differs
                // only in its slot.
                let new = slot.handle(to as usize);
                let old = Handle { slot: from, ..new };
                moved(&slot.entry.0, old, new);
            }
        }
        released
    }
}

/// The handle of a present entry of a [`PooledMap`](crate::PooledMap), from
/// its [`entry`](Map::entry): bring it into scope with `use
/// pooled_map::EntryHandle`.
pub trait EntryHandle: sealed::Sealed {
    /// The entry's handle. From now on the entry stays in its slot through
    /// automatic reclamation, so the handle stays valid until the entry is
    /// removed.
    ///
    /// ```
    /// use pooled_map::{EntryHandle, HandleMap, PooledMap};
    ///
    /// let mut map = PooledMap::new();
    /// let h = map.entry("a").insert_entry(1).handle();
    /// assert_eq!(map.get_by_handle(h), Some(&1));
    /// ```
    fn handle(&self) -> Handle;
}

impl<K, V, S, A: Allocator + Clone> EntryHandle for OccupiedEntry<'_, K, V, S, PoolStore<K, V, A>> {
    fn handle(&self) -> Handle {
        let slot = self.position();
        self.storage().pool[slot].handle(slot)
    }
}

/// A map's value by handle.
///
/// # Panics
///
/// If the handle is stale.
impl<K, V, S, A: Allocator + Clone> Index<Handle> for Map<K, V, S, PoolStore<K, V, A>> {
    type Output = V;

    fn index(&self, handle: Handle) -> &V {
        match live(self.storage(), handle) {
            Some(slot) => &slot.entry.1,
            None => panic!("stale handle used to index a PooledMap"),
        }
    }
}

/// A map's value by handle, mutably.
///
/// # Panics
///
/// If the handle is stale.
impl<K, V, S, A: Allocator + Clone> IndexMut<Handle> for Map<K, V, S, PoolStore<K, V, A>> {
    fn index_mut(&mut self, handle: Handle) -> &mut V {
        match live_mut(self.storage_mut(), handle) {
            Some(slot) => &mut slot.entry.1,
            None => panic!("stale handle used to index a PooledMap"),
        }
    }
}

/// Iterator over `(Handle, &K, &V)`, from [`HandleMap::handles`].
pub struct Handles<'a, K, V> {
    inner: pool::Iter<'a, Slot<K, V>>,
}

impl<K, V> Clone for Handles<'_, K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<'a, K, V> Iterator for Handles<'a, K, V> {
    type Item = (Handle, &'a K, &'a V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner
            .next()
            .map(|(slot, s)| (s.handle(slot), &s.entry.0, &s.entry.1))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V> ExactSizeIterator for Handles<'_, K, V> {}
impl<K, V> FusedIterator for Handles<'_, K, V> {}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Handles<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}
