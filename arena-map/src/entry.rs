//! The entry API of [`ArenaMap`]: in-place manipulation of one key's entry.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;

use crate::ArenaMap;

const PRESENT: &str = "an occupied entry's key is in the map";

/// A view into one entry of an [`ArenaMap`], from [`ArenaMap::entry`].
///
/// Looking an entry up neither allocates nor resizes; a vacant entry makes
/// room (possibly moving the table into a bigger arena) only when a value
/// is inserted into it.
///
/// ```
/// use arena_map::ArenaMap;
///
/// let mut counts: ArenaMap<char, usize> = ArenaMap::new();
/// for c in "arena".chars() {
///     *counts.entry(c).or_insert(0) += 1;
/// }
/// assert_eq!(counts[&'a'], 2);
/// ```
pub enum Entry<'a, K, V, S> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S>),
    /// The key is absent.
    Vacant(VacantEntry<'a, K, V, S>),
}

/// A present entry of an [`ArenaMap`].
pub struct OccupiedEntry<'a, K, V, S> {
    map: &'a mut ArenaMap<K, V, S>,
    key: K,
}

/// An absent entry of an [`ArenaMap`].
pub struct VacantEntry<'a, K, V, S> {
    map: &'a mut ArenaMap<K, V, S>,
    key: K,
}

impl<'a, K: Eq + Hash, V, S: BuildHasher + Clone> Entry<'a, K, V, S> {
    pub(crate) fn new(map: &'a mut ArenaMap<K, V, S>, key: K) -> Self {
        if map.contains_key(&key) {
            Entry::Occupied(OccupiedEntry { map, key })
        } else {
            Entry::Vacant(VacantEntry { map, key })
        }
    }

    /// The value, inserting `default` if absent.
    ///
    /// # Panics
    ///
    /// As [`ArenaMap::insert`], if the key is absent and no room can be had
    /// (the memory limit, or the allocator).
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<&str, u32> = ArenaMap::new();
    /// *map.entry("a").or_insert(1) += 10;
    /// assert_eq!(map["a"], 11);
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
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u32, Vec<u32>> = ArenaMap::new();
    /// map.entry(1).or_insert_with(Vec::new).push(7);
    /// assert_eq!(map[&1], [7]);
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
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u32, u32> = ArenaMap::new();
    /// assert_eq!(*map.entry(6).or_insert_with_key(|k| k * 7), 42);
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

    /// The key of this entry (the one stored, if present).
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u32, u32> = ArenaMap::new();
    /// assert_eq!(*map.entry(3).key(), 3);
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
    /// use arena_map::ArenaMap;
    ///
    /// let mut map: ArenaMap<u32, u32> = ArenaMap::from([(1, 1)]);
    /// map.entry(1).and_modify(|v| *v += 1).or_insert(0);
    /// map.entry(2).and_modify(|v| *v += 1).or_insert(0);
    /// assert_eq!((map[&1], map[&2]), (2, 0));
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
}

impl<'a, K: Eq + Hash, V: Default, S: BuildHasher + Clone> Entry<'a, K, V, S> {
    /// The value, inserting `V::default()` if absent.
    ///
    /// ```
    /// use arena_map::ArenaMap;
    ///
    /// let mut words: ArenaMap<&str, usize> = ArenaMap::new();
    /// for w in ["a", "b", "a"] {
    ///     *words.entry(w).or_default() += 1;
    /// }
    /// assert_eq!(words["a"], 2);
    /// ```
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<'a, K: Eq + Hash, V, S: BuildHasher + Clone> OccupiedEntry<'a, K, V, S> {
    /// The stored key.
    ///
    /// ```
    /// use arena_map::{ArenaMap, Entry};
    ///
    /// let mut map = ArenaMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.key(), &"a");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        self.map.get_key_value(&self.key).expect(PRESENT).0
    }

    /// The value.
    ///
    /// ```
    /// use arena_map::{ArenaMap, Entry};
    ///
    /// let mut map = ArenaMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.get(), &1);
    /// }
    /// ```
    pub fn get(&self) -> &V {
        self.map.get(&self.key).expect(PRESENT)
    }

    /// The value, mutably.
    ///
    /// ```
    /// use arena_map::{ArenaMap, Entry};
    ///
    /// let mut map = ArenaMap::from([("a", 1)]);
    /// if let Entry::Occupied(mut e) = map.entry("a") {
    ///     *e.get_mut() += 10;
    /// }
    /// assert_eq!(map["a"], 11);
    /// ```
    pub fn get_mut(&mut self) -> &mut V {
        self.map.get_mut(&self.key).expect(PRESENT)
    }

    /// The value, mutably, for the lifetime of the map borrow.
    ///
    /// ```
    /// use arena_map::{ArenaMap, Entry};
    ///
    /// let mut map = ArenaMap::from([("a", 1)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     *e.into_mut() *= 7;
    /// }
    /// assert_eq!(map["a"], 7);
    /// ```
    pub fn into_mut(self) -> &'a mut V {
        let OccupiedEntry { map, key } = self;
        map.get_mut(&key).expect(PRESENT)
    }

    /// Replaces the value, returning the old one.
    ///
    /// ```
    /// use arena_map::{ArenaMap, Entry};
    ///
    /// let mut map = ArenaMap::from([("a", 1)]);
    /// if let Entry::Occupied(mut e) = map.entry("a") {
    ///     assert_eq!(e.insert(2), 1);
    /// }
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    /// Removes the entry, returning the stored key and the value. May give
    /// memory back, as [`ArenaMap::remove`].
    ///
    /// ```
    /// use arena_map::{ArenaMap, Entry};
    ///
    /// let mut map = ArenaMap::from([(1, "one")]);
    /// if let Entry::Occupied(e) = map.entry(1) {
    ///     assert_eq!(e.remove_entry(), (1, "one"));
    /// }
    /// assert!(map.is_empty());
    /// ```
    pub fn remove_entry(self) -> (K, V) {
        self.map.remove_entry(&self.key).expect(PRESENT)
    }

    /// Removes the entry, returning the value.
    ///
    /// ```
    /// use arena_map::{ArenaMap, Entry};
    ///
    /// let mut map = ArenaMap::from([("a", 1), ("b", 2)]);
    /// if let Entry::Occupied(e) = map.entry("a") {
    ///     assert_eq!(e.remove(), 1);
    /// }
    /// assert_eq!(map.len(), 1);
    /// assert!(!map.contains_key("a"));
    /// ```
    pub fn remove(self) -> V {
        self.remove_entry().1
    }
}

impl<'a, K, V, S> VacantEntry<'a, K, V, S> {
    /// The key that would be inserted.
    ///
    /// ```
    /// use arena_map::{ArenaMap, Entry};
    ///
    /// let mut map: ArenaMap<&str, u32> = ArenaMap::new();
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
    /// use arena_map::{ArenaMap, Entry};
    ///
    /// let mut map: ArenaMap<String, u32> = ArenaMap::new();
    /// if let Entry::Vacant(e) = map.entry(String::from("kept")) {
    ///     assert_eq!(e.into_key(), "kept");
    /// }
    /// assert!(map.is_empty(), "nothing was inserted");
    /// ```
    pub fn into_key(self) -> K {
        self.key
    }
}

impl<'a, K: Eq + Hash, V, S: BuildHasher + Clone> VacantEntry<'a, K, V, S> {
    /// Inserts `value` under the entry's key: this is where the map makes
    /// room (and catches up on a shrink that removals deferred), as
    /// [`ArenaMap::insert`] would.
    ///
    /// # Panics
    ///
    /// As [`ArenaMap::insert`], if no room can be had.
    ///
    /// ```
    /// use arena_map::{ArenaMap, Entry};
    ///
    /// let mut map: ArenaMap<&str, u32> = ArenaMap::new();
    /// if let Entry::Vacant(e) = map.entry("a") {
    ///     *e.insert(1) += 1;
    /// }
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn insert(self, value: V) -> &'a mut V {
        self.map.insert_vacant(self.key, value)
    }
}

impl<K: fmt::Debug + Eq + Hash, V: fmt::Debug, S: BuildHasher + Clone> fmt::Debug
    for Entry<'_, K, V, S>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f
                .debug_struct("OccupiedEntry")
                .field("key", e.key())
                .field("value", e.get())
                .finish(),
            Entry::Vacant(e) => f.debug_tuple("VacantEntry").field(e.key()).finish(),
        }
    }
}
