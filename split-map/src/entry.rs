//! The entry API of [`SplitMap`].

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;

use allocator_api2::alloc::Allocator;
use map_core::PageAlloc;

use crate::map::alloc_failed;
use crate::SplitMap;

/// A view into one entry of a [`SplitMap`], from [`SplitMap::entry`].
pub enum Entry<'a, K, V, S, A: Allocator + Clone = PageAlloc> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S, A>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V, S, A>),
}

/// A present key's entry.
pub struct OccupiedEntry<'a, K, V, S, A: Allocator + Clone = PageAlloc> {
    map: &'a mut SplitMap<K, V, S, A>,
    table: usize,
    bucket: usize,
}

/// An absent key's entry: inserting makes room in its table first.
pub struct VacantEntry<'a, K, V, S, A: Allocator + Clone = PageAlloc> {
    map: &'a mut SplitMap<K, V, S, A>,
    hash: u64,
    key: K,
}

impl<'a, K, V, S, A: Allocator + Clone> Entry<'a, K, V, S, A> {
    pub(crate) fn new(
        map: &'a mut SplitMap<K, V, S, A>,
        hash: u64,
        key: K,
        table: usize,
        bucket: Option<usize>,
    ) -> Self {
        match bucket {
            Some(bucket) => Entry::Occupied(OccupiedEntry { map, table, bucket }),
            None => Entry::Vacant(VacantEntry { map, hash, key }),
        }
    }

    /// The entry's key.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<&str, u32> = SplitMap::new();
    /// assert_eq!(map.entry("k").key(), &"k");
    /// ```
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }
}

impl<'a, K: Eq + Hash, V, S: BuildHasher, A: Allocator + Clone> Entry<'a, K, V, S, A> {
    /// The value, inserting `default` if the key is absent.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::new();
    /// *map.entry("a").or_insert(1) += 10;
    /// assert_eq!(map["a"], 11);
    /// ```
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` if the key is absent.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<&str, Vec<u32>> = SplitMap::new();
    /// map.entry("a").or_insert_with(Vec::new).push(1);
    /// assert_eq!(map["a"], [1]);
    /// ```
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(&key)` if the key is absent.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::new();
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

    /// Runs `f` on the value if the key is present.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::from([("a", 1)]);
    /// map.entry("a").and_modify(|v| *v += 1).or_insert(0);
    /// map.entry("b").and_modify(|v| *v += 1).or_insert(0);
    /// assert_eq!((map["a"], map["b"]), (2, 0));
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

    /// Sets the value, inserting if absent, and returns the occupied entry.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map = SplitMap::new();
    /// let entry = map.entry("a").insert_entry(3);
    /// assert_eq!(entry.get(), &3);
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

impl<'a, K: Eq + Hash, V: Default, S: BuildHasher, A: Allocator + Clone> Entry<'a, K, V, S, A> {
    /// The value, inserting `V::default()` if the key is absent.
    ///
    /// ```
    /// use split_map::SplitMap;
    ///
    /// let mut map: SplitMap<&str, u32> = SplitMap::new();
    /// *map.entry("a").or_default() += 2;
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<'a, K, V, S, A: Allocator + Clone> OccupiedEntry<'a, K, V, S, A> {
    fn pair(&self) -> &(K, V) {
        self.map.tables.shards[self.table]
            .table
            .get_bucket(self.bucket)
            .expect("an occupied entry's bucket is full")
    }

    fn pair_mut(&mut self) -> &mut (K, V) {
        self.map.tables.shards[self.table]
            .table
            .get_bucket_mut(self.bucket)
            .expect("an occupied entry's bucket is full")
    }

    /// The stored key.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map = SplitMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.key(), &"a");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        &self.pair().0
    }

    /// The value.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map = SplitMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.get(), &1);
    /// }
    /// ```
    pub fn get(&self) -> &V {
        &self.pair().1
    }

    /// The value, mutably.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map = SplitMap::from([("a", 1)]);
    /// if let Entry::Occupied(mut e) = map.entry("a") {
    ///     *e.get_mut() += 1;
    /// }
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut V {
        &mut self.pair_mut().1
    }

    /// The value, mutably, for as long as the map was borrowed.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map = SplitMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     *e.into_mut() = 5;
    /// }
    /// assert_eq!(map["a"], 5);
    /// ```
    pub fn into_mut(self) -> &'a mut V {
        &mut self.map.tables.shards[self.table]
            .table
            .get_bucket_mut(self.bucket)
            .expect("an occupied entry's bucket is full")
            .1
    }

    /// Replaces the value, returning the old one.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map = SplitMap::from([("a", 1)]);
    /// if let Entry::Occupied(mut e) = map.entry("a") {
    ///     assert_eq!(e.insert(7), 1);
    /// }
    /// assert_eq!(map["a"], 7);
    /// ```
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }
}

impl<'a, K: Eq + Hash, V, S: BuildHasher, A: Allocator + Clone> OccupiedEntry<'a, K, V, S, A> {
    /// Removes the entry, returning the stored key and value; the policy
    /// then looks at its table as after `remove`.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map = SplitMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.remove_entry(), ("a", 1));
    /// }
    /// assert!(map.is_empty());
    /// ```
    pub fn remove_entry(self) -> (K, V) {
        let shard = &mut self.map.tables.shards[self.table];
        let (item, _) = match shard.table.get_bucket_entry(self.bucket) {
            Ok(entry) => entry.remove(),
            Err(_) => unreachable!("an occupied entry's bucket is full"),
        };
        self.map.tables.len -= 1;
        if shard.table.len() <= shard.check_below {
            self.map.after_sparse_remove(self.table);
        }
        item
    }

    /// Removes the entry, returning the value.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map = SplitMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.remove(), 1);
    /// }
    /// assert!(!map.contains_key("a"));
    /// ```
    pub fn remove(self) -> V {
        self.remove_entry().1
    }
}

impl<'a, K, V, S, A: Allocator + Clone> VacantEntry<'a, K, V, S, A> {
    /// The key that would be inserted.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map: SplitMap<&str, u8> = SplitMap::new();
    /// if let Entry::Vacant(e) = map.entry("a") {
    ///     assert_eq!(e.key(), &"a");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Takes the key back without inserting.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map: SplitMap<String, u8> = SplitMap::new();
    /// if let Entry::Vacant(e) = map.entry("a".to_string()) {
    ///     assert_eq!(e.into_key(), "a");
    /// }
    /// assert!(map.is_empty());
    /// ```
    pub fn into_key(self) -> K {
        self.key
    }
}

impl<'a, K: Eq + Hash, V, S: BuildHasher, A: Allocator + Clone> VacantEntry<'a, K, V, S, A> {
    /// Inserts `value`, making room in the key's table first.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map = SplitMap::new();
    /// if let Entry::Vacant(e) = map.entry("a") {
    ///     *e.insert(1) += 1;
    /// }
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn insert(self, value: V) -> &'a mut V {
        let entry = self.insert_entry(value);
        entry.into_mut()
    }

    /// Inserts `value` and returns the occupied entry.
    ///
    /// ```
    /// use split_map::{Entry, SplitMap};
    ///
    /// let mut map = SplitMap::new();
    /// if let Entry::Vacant(e) = map.entry("a") {
    ///     assert_eq!(e.insert_entry(3).key(), &"a");
    /// }
    /// ```
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, A> {
        let map = self.map;
        match map.insert_new(self.hash, self.key, value) {
            Ok((table, bucket)) => OccupiedEntry { map, table, bucket },
            Err(e) => alloc_failed(e.error),
        }
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
            .finish()
    }
}

impl<K: fmt::Debug, V, S, A: Allocator + Clone> fmt::Debug for VacantEntry<'_, K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(&self.key).finish()
    }
}
