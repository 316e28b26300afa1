//! `entry_ref`: an entry looked up by a borrowed key, which is turned into
//! an owned key only if a value is inserted.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};

use core::marker::PhantomData;

use hashbrown::Equivalent;

use super::{equivalent_key, make_hash, Map, OccupiedEntry, VacantEntry};
use crate::policy::Reclaimer;
use crate::toolkit::Store;

impl<K, V, S, St> Map<K, V, S, St>
where
    K: Eq + Hash,
    S: BuildHasher,
    St: Store<K, V>,
{
    /// The entry for a borrowed `key`: the key is converted (`K: From<&Q>`)
    /// only when a value is inserted, so a lookup of a present `&str` in a
    /// map of `String`s allocates nothing.
    ///
    /// As [`entry`](Self::entry), this neither allocates nor resizes until a
    /// value is inserted.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut words: HashMap<String, usize> = HashMap::new();
    /// for word in "the cat saw the dog".split(' ') {
    ///     *words.entry_ref(word).or_insert(0) += 1;
    /// }
    /// assert_eq!(words["the"], 2);
    /// assert_eq!(words.len(), 4);
    /// ```
    pub fn entry_ref<'a, 'b, Q>(&'a mut self, key: &'b Q) -> EntryRef<'a, 'b, K, Q, V, S, St>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let hash = make_hash(&self.hash_builder, key);
        match self.store.find_pos(hash, equivalent_key(key)) {
            Some(pos) => EntryRef::Occupied(self.entry_at(pos, hash)),
            None => EntryRef::Vacant(VacantEntryRef {
                table: &mut self.store,
                hash,
                key,
                hash_builder: &self.hash_builder,
                reclaimer: &mut self.reclaimer,
                entries: PhantomData,
            }),
        }
    }
}

/// A view into one entry of a [`Map`] looked up by a borrowed key, from
/// [`Map::entry_ref`].
pub enum EntryRef<'a, 'b, K, Q: ?Sized, V, S, St: Store<K, V>> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, S, St>),
    /// The key is absent.
    Vacant(VacantEntryRef<'a, 'b, K, Q, V, S, St>),
}

/// An absent entry of a [`Map`], holding the borrowed key.
pub struct VacantEntryRef<'a, 'b, K, Q: ?Sized, V, S, St: Store<K, V>> {
    table: &'a mut St,
    hash: u64,
    key: &'b Q,
    hash_builder: &'a S,
    reclaimer: &'a mut Reclaimer,
    entries: PhantomData<&'a mut (K, V)>,
}

impl<'a, 'b, K, Q, V, S, St> EntryRef<'a, 'b, K, Q, V, S, St>
where
    K: Hash,
    Q: ?Sized,
    S: BuildHasher,
    St: Store<K, V>,
{
    /// The value, inserting `default` (under `K::from(key)`) if absent.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<String, u32> = HashMap::new();
    /// *map.entry_ref("a").or_insert(1) += 1;
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn or_insert(self, default: V) -> &'a mut V
    where
        K: From<&'b Q>,
    {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` if absent.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<String, Vec<u32>> = HashMap::new();
    /// map.entry_ref("a").or_insert_with(Vec::new).push(1);
    /// assert_eq!(map["a"], [1]);
    /// ```
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V
    where
        K: From<&'b Q>,
    {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(key)` if absent; `default` sees the
    /// borrowed key.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<String, usize> = HashMap::new();
    /// assert_eq!(*map.entry_ref("four").or_insert_with_key(|k| k.len()), 4);
    /// ```
    pub fn or_insert_with_key<F: FnOnce(&Q) -> V>(self, default: F) -> &'a mut V
    where
        K: From<&'b Q>,
    {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => {
                let value = default(e.key);
                e.insert(value)
            }
        }
    }

    /// Sets the value, returning the occupied entry.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<String, u32> = HashMap::new();
    /// let entry = map.entry_ref("a").insert_entry(7);
    /// assert_eq!(entry.key(), "a");
    /// assert_eq!(map["a"], 7);
    /// ```
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, St>
    where
        K: From<&'b Q>,
    {
        match self {
            EntryRef::Occupied(mut e) => {
                e.insert(value);
                e
            }
            EntryRef::Vacant(e) => e.insert_entry(value),
        }
    }

    /// Runs `f` on the value if present.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<String, u32> = HashMap::new();
    /// map.entry_ref("a").and_modify(|v| *v += 1).or_insert(1);
    /// map.entry_ref("a").and_modify(|v| *v += 1).or_insert(1);
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn and_modify<F: FnOnce(&mut V)>(self, f: F) -> Self {
        match self {
            EntryRef::Occupied(mut e) => {
                f(e.get_mut());
                EntryRef::Occupied(e)
            }
            vacant => vacant,
        }
    }

    /// The key of this entry, borrowed as `Q`.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<String, u32> = HashMap::new();
    /// assert_eq!(map.entry_ref("a").key(), "a");
    /// ```
    pub fn key(&self) -> &Q
    where
        K: Borrow<Q>,
    {
        match self {
            EntryRef::Occupied(e) => e.key().borrow(),
            EntryRef::Vacant(e) => e.key,
        }
    }
}

impl<'a, 'b, K, Q, V, S, St> EntryRef<'a, 'b, K, Q, V, S, St>
where
    K: Hash + From<&'b Q>,
    Q: ?Sized,
    V: Default,
    S: BuildHasher,
    St: Store<K, V>,
{
    /// The value, inserting `V::default()` if absent.
    ///
    /// ```
    /// use map_core::HashMap;
    ///
    /// let mut map: HashMap<String, u32> = HashMap::new();
    /// *map.entry_ref("a").or_default() += 3;
    /// assert_eq!(map["a"], 3);
    /// ```
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<'a, 'b, K, Q: ?Sized, V, S, St: Store<K, V>> VacantEntryRef<'a, 'b, K, Q, V, S, St> {
    /// The borrowed key that would be converted and inserted.
    ///
    /// ```
    /// use map_core::{EntryRef, HashMap};
    ///
    /// let mut map: HashMap<String, u32> = HashMap::new();
    /// if let EntryRef::Vacant(e) = map.entry_ref("a") {
    ///     assert_eq!(e.key(), "a");
    /// }
    /// ```
    pub fn key(&self) -> &'b Q {
        self.key
    }
}

impl<'a, 'b, K, Q, V, S, St> VacantEntryRef<'a, 'b, K, Q, V, S, St>
where
    K: Hash + From<&'b Q>,
    Q: ?Sized,
    S: BuildHasher,
    St: Store<K, V>,
{
    /// Inserts `value` under `K::from(key)`.
    ///
    /// ```
    /// use map_core::{EntryRef, HashMap};
    ///
    /// let mut map: HashMap<String, u32> = HashMap::new();
    /// if let EntryRef::Vacant(e) = map.entry_ref("a") {
    ///     *e.insert(1) += 1;
    /// }
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn insert(self, value: V) -> &'a mut V {
        self.insert_entry(value).into_mut()
    }

    /// Inserts `value` under `K::from(key)`, returning the occupied entry.
    /// The table makes room here, as for [`VacantEntry::insert_entry`].
    ///
    /// ```
    /// use map_core::{EntryRef, HashMap};
    ///
    /// let mut map: HashMap<String, u32> = HashMap::new();
    /// if let EntryRef::Vacant(e) = map.entry_ref("a") {
    ///     assert_eq!(e.insert_entry(1).remove_entry(), ("a".to_string(), 1));
    /// }
    /// assert!(map.is_empty());
    /// ```
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, S, St> {
        VacantEntry {
            store: self.table,
            hash: self.hash,
            key: K::from(self.key),
            hash_builder: self.hash_builder,
            reclaimer: self.reclaimer,
            value: PhantomData,
        }
        .insert_entry(value)
    }
}

impl<K, Q, V, S, St> fmt::Debug for EntryRef<'_, '_, K, Q, V, S, St>
where
    K: fmt::Debug,
    Q: ?Sized + fmt::Debug,
    V: fmt::Debug,
    St: Store<K, V>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryRef::Occupied(e) => f.debug_tuple("EntryRef").field(e).finish(),
            EntryRef::Vacant(e) => f.debug_tuple("EntryRef").field(e).finish(),
        }
    }
}

impl<K, Q, V, S, St> fmt::Debug for VacantEntryRef<'_, '_, K, Q, V, S, St>
where
    Q: ?Sized + fmt::Debug,
    St: Store<K, V>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntryRef").field(&self.key).finish()
    }
}
