//! The entry API: one lookup, then insert, update or remove in place.

use core::fmt;
use core::mem;

use allocator_api2::alloc::Allocator;
use map_core::PageAlloc;

use crate::handle::Handle;
use crate::store::Slot;
use crate::PooledMap;

/// A view into one entry of a [`PooledMap`], from [`PooledMap::entry`].
pub enum Entry<'a, K, V, S, A: Allocator + Clone = PageAlloc> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S, A>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V, S, A>),
}

/// A present entry of a [`PooledMap`].
pub struct OccupiedEntry<'a, K, V, S, A: Allocator + Clone = PageAlloc> {
    map: &'a mut PooledMap<K, V, S, A>,
    slot: u32,
}

/// An absent entry of a [`PooledMap`].
pub struct VacantEntry<'a, K, V, S, A: Allocator + Clone = PageAlloc> {
    map: &'a mut PooledMap<K, V, S, A>,
    key: K,
    hash: u32,
}

impl<'a, K, V, S, A: Allocator + Clone> Entry<'a, K, V, S, A> {
    /// The value, inserting `default` if absent.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<&str, u32> = PooledMap::new();
    /// *map.entry("a").or_insert(1) += 10;
    /// assert_eq!(*map.entry("a").or_insert(99), 11, "present: kept");
    /// ```
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` if absent.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<&str, Vec<u32>> = PooledMap::new();
    /// map.entry("a").or_insert_with(Vec::new).push(1);
    /// map.entry("a").or_insert_with(|| unreachable!()).push(2);
    /// assert_eq!(map["a"], [1, 2]);
    /// ```
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(&key)` if absent.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<&str, usize> = PooledMap::new();
    /// assert_eq!(*map.entry("four").or_insert_with_key(|k| k.len()), 4);
    /// ```
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let value = default(&e.key);
                e.insert(value)
            }
        }
    }

    /// The key of this entry.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<&str, u32> = PooledMap::new();
    /// assert_eq!(map.entry("a").key(), &"a");
    /// ```
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }

    /// Runs `f` on the value if present.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<&str, u32> = PooledMap::new();
    /// map.entry("a").and_modify(|v| *v += 1).or_insert(1);
    /// map.entry("a").and_modify(|v| *v += 1).or_insert(1);
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn and_modify<F: FnOnce(&mut V)>(self, f: F) -> Self {
        match self {
            Entry::Occupied(mut e) => {
                f(e.get_mut());
                Entry::Occupied(e)
            }
            vacant => vacant,
        }
    }

    /// Sets the value, returning the occupied entry (and through it the
    /// entry's [`handle`](OccupiedEntry::handle)).
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<&str, u32> = PooledMap::new();
    /// let handle = map.entry("a").insert_entry(1).handle();
    /// assert_eq!(map.entry("a").insert_entry(2).handle(), handle, "same slot");
    /// assert_eq!(map[handle], 2);
    /// ```
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, A> {
        match self {
            Entry::Occupied(mut e) => {
                e.insert(value);
                e
            }
            Entry::Vacant(e) => e.insert_entry(value),
        }
    }
}

impl<'a, K, V: Default, S, A: Allocator + Clone> Entry<'a, K, V, S, A> {
    /// The value, inserting `V::default()` if absent.
    ///
    /// ```
    /// use pooled_map::PooledMap;
    ///
    /// let mut map: PooledMap<&str, u32> = PooledMap::new();
    /// for word in ["a", "b", "a"] {
    ///     *map.entry(word).or_default() += 1;
    /// }
    /// assert_eq!((map["a"], map["b"]), (2, 1));
    /// ```
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<'a, K, V, S, A: Allocator + Clone> OccupiedEntry<'a, K, V, S, A> {
    pub(crate) fn new(map: &'a mut PooledMap<K, V, S, A>, slot: u32) -> Self {
        Self { map, slot }
    }

    fn stored(&self) -> &Slot<K, V> {
        &self.map.store.pool[self.slot as usize]
    }

    /// The stored key.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map = PooledMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.key(), &"a");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        &self.stored().key
    }

    /// The value.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map = PooledMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.get(), &1);
    /// }
    /// ```
    pub fn get(&self) -> &V {
        &self.stored().value
    }

    /// The value, mutably.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map = PooledMap::from([("a", 1)]);
    /// if let Entry::Occupied(mut e) = map.entry("a") {
    ///     *e.get_mut() += 10;
    /// }
    /// assert_eq!(map["a"], 11);
    /// ```
    pub fn get_mut(&mut self) -> &mut V {
        &mut self.map.store.pool[self.slot as usize].value
    }

    /// The value, mutably, for the lifetime of the map borrow.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map = PooledMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     *e.into_mut() *= 7;
    /// }
    /// assert_eq!(map["a"], 7);
    /// ```
    pub fn into_mut(self) -> &'a mut V {
        &mut self.map.store.pool[self.slot as usize].value
    }

    /// The entry's handle.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map = PooledMap::from([("a", 1)]);
    /// let handle = match map.entry("a") {
    ///     Entry::Occupied(e) => e.handle(),
    ///     Entry::Vacant(_) => unreachable!(),
    /// };
    /// assert_eq!(map.get_by_handle(handle), Some(&1));
    /// assert_eq!(map.handle_of("a"), Some(handle));
    /// ```
    pub fn handle(&self) -> Handle {
        self.stored().handle(self.slot)
    }

    /// Replaces the value, returning the old one. The entry keeps its slot
    /// and handle.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map = PooledMap::from([("a", 1)]);
    /// let handle = map.handle_of("a").unwrap();
    /// if let Entry::Occupied(mut e) = map.entry("a") {
    ///     assert_eq!(e.insert(2), 1);
    /// }
    /// assert_eq!(map.get_by_handle(handle), Some(&2), "same slot, same handle");
    /// ```
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    /// Removes the entry, returning the key and value. May give memory back.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map = PooledMap::from([("a", 1), ("b", 2)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.remove_entry(), ("a", 1));
    /// }
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn remove_entry(self) -> (K, V) {
        let hash = self.stored().hash;
        let slot = self.map.store.remove_slot(self.slot, hash);
        self.map.after_removal();
        (slot.key, slot.value)
    }

    /// Removes the entry, returning the value. May give memory back.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map = PooledMap::from([("a", 1), ("b", 2)]);
    /// let handle = map.handle_of("a").unwrap();
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.remove(), 1);
    /// }
    /// assert_eq!(map.len(), 1);
    /// assert!(!map.contains_handle(handle));
    /// ```
    pub fn remove(self) -> V {
        self.remove_entry().1
    }
}

impl<'a, K, V, S, A: Allocator + Clone> VacantEntry<'a, K, V, S, A> {
    pub(crate) fn new(map: &'a mut PooledMap<K, V, S, A>, key: K, hash: u32) -> Self {
        Self { map, key, hash }
    }

    /// The key that would be inserted.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map: PooledMap<&str, u32> = PooledMap::new();
    /// if let Entry::Vacant(e) = map.entry("new") {
    ///     assert_eq!(e.key(), &"new");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Takes the key back.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map: PooledMap<String, u32> = PooledMap::new();
    /// if let Entry::Vacant(e) = map.entry(String::from("kept")) {
    ///     assert_eq!(e.into_key(), "kept");
    /// }
    /// assert!(map.is_empty(), "nothing was inserted");
    /// ```
    pub fn into_key(self) -> K {
        self.key
    }

    /// Inserts `value` under the entry's key.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map: PooledMap<&str, u32> = PooledMap::new();
    /// if let Entry::Vacant(e) = map.entry("a") {
    ///     *e.insert(1) += 1;
    /// }
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn insert(self, value: V) -> &'a mut V {
        self.insert_entry(value).into_mut()
    }

    /// Inserts `value` under the entry's key, returning the occupied entry.
    ///
    /// ```
    /// use pooled_map::{Entry, PooledMap};
    ///
    /// let mut map: PooledMap<&str, u32> = PooledMap::new();
    /// if let Entry::Vacant(e) = map.entry("a") {
    ///     let occupied = e.insert_entry(5);
    ///     assert_eq!(occupied.get(), &5);
    ///     let handle = occupied.handle();
    ///     assert_eq!(map[handle], 5);
    /// }
    /// ```
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, A> {
        let map = self.map;
        let stamp = map.take_stamp();
        let slot = map.store.insert_new(stamp, self.hash, self.key, value);
        OccupiedEntry { map, slot }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator + Clone> fmt::Debug for Entry<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Entry").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Entry").field(e).finish(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator + Clone> fmt::Debug
    for OccupiedEntry<'_, K, V, S, A>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry")
            .field("key", self.key())
            .field("value", self.get())
            .field("handle", &self.handle())
            .finish()
    }
}

impl<K: fmt::Debug, V, S, A: Allocator + Clone> fmt::Debug for VacantEntry<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(self.key()).finish()
    }
}
