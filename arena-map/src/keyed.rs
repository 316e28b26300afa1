//! `ArenaKeyMap`: a map of byte-string keys (`str`, `[u8]`) whose bytes
//! are copied into an arena the map owns, and its iterators.

use core::fmt;
use core::hash::BuildHasher;
use core::iter::FusedIterator;
use core::mem;
use core::ops::Index;

use map_core::toolkit::ShrinkError;
use map_core::toolkit::{Reclaimer, Storage};
use map_core::{DefaultHashBuilder, MemoryStats, ReclaimPolicy};

use crate::error::{ArenaError, TryInsertError};
use crate::raw::{ArenaKey, KeyRef, KeyedTable};
use crate::store::reclaimer_for;

/// A map from `str` keys whose bytes live in the map's arena.
///
/// ```
/// use arena_map::StrMap;
///
/// let mut hits = StrMap::new();
/// hits.insert_str("/index.html", 1u32);
/// *hits.get_mut("/index.html").unwrap() += 1;
/// assert_eq!(hits["/index.html"], 2);
/// ```
pub type StrMap<V, S = DefaultHashBuilder> = ArenaKeyMap<str, V, S>;

/// A map from `[u8]` keys whose bytes live in the map's arena.
///
/// ```
/// use arena_map::BytesMap;
///
/// let mut map = BytesMap::new();
/// map.insert(b"\x00\xff", 'x');
/// assert_eq!(map.get(&b"\x00\xff"[..]), Some(&'x'));
/// ```
pub type BytesMap<V, S = DefaultHashBuilder> = ArenaKeyMap<[u8], V, S>;

/// A hash map whose keys are byte strings copied into an arena it owns.
///
/// Inserting a key copies its bytes into the key arena with a pointer bump:
/// a map of a million string keys makes a few dozen large allocations
/// instead of a million small ones, and frees them as a few dozen. Lookups
/// take `&Q` (`&str` for [`StrMap`], `&[u8]` for [`BytesMap`]).
///
/// The table lives in a second arena and is resized as in
/// [`ArenaMap`](crate::ArenaMap). Removed keys leave their bytes behind as
/// garbage; when the garbage outweighs the live keys (the policy's
/// `garbage_ratio`), the live keys are copied into a fresh arena and the old
/// one is dropped whole, so the bytes held stay proportional to the live
/// keys however long the map churns.
///
/// # Examples
///
/// ```
/// use arena_map::StrMap;
///
/// let mut words: StrMap<usize> = StrMap::new();
/// for word in "the cat saw the other cat".split(' ') {
///     *words.get_mut_or_insert(word, 0) += 1;
/// }
/// assert_eq!(words["cat"], 2);
/// assert_eq!(words.len(), 4);
/// let mut sorted: Vec<&str> = words.keys().collect();
/// sorted.sort();
/// assert_eq!(sorted, ["cat", "other", "saw", "the"]);
/// ```
pub struct ArenaKeyMap<Q: ?Sized + ArenaKey, V, S = DefaultHashBuilder> {
    raw: KeyedTable<Q, V, S>,
    reclaimer: Reclaimer,
}

impl<Q: ?Sized + ArenaKey, V> ArenaKeyMap<Q, V, DefaultHashBuilder> {
    /// An empty map with the automatic policy.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let map: StrMap<u32> = StrMap::new();
    /// assert!(map.is_empty());
    /// assert_eq!(map.capacity(), 0);
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty map with room for at least `capacity` entries.
    ///
    /// # Panics
    ///
    /// If the arena cannot be allocated.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let map: StrMap<u32> = StrMap::with_capacity(1_000);
    /// assert!(map.capacity() >= 1_000);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }

    /// An empty map with the given reclamation policy.
    ///
    /// ```
    /// use arena_map::{ReclaimPolicy, StrMap};
    ///
    /// let mut map: StrMap<u32> = StrMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..1_000 {
    ///     map.insert(&i.to_string(), i);
    /// }
    /// let held = map.memory().allocated_bytes;
    /// map.retain(|_, _| false);
    /// assert_eq!(map.memory().allocated_bytes, held, "manual: nothing goes back by itself");
    /// ```
    pub fn with_policy(policy: ReclaimPolicy) -> Self {
        let mut map = Self::new();
        map.reclaimer.set_policy(policy);
        map
    }

    /// An empty map whose arenas (table and keys together) never hold more
    /// than `bytes` bytes as [`memory`](Self::memory) counts them; the key
    /// arena keeps a few KiB of that for its own bookkeeping. Inserts past
    /// the limit fail in [`try_insert`](Self::try_insert) and panic in
    /// [`insert`](Self::insert).
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<u64> = StrMap::with_memory_limit(64 * 1024);
    /// let mut i = 0u64;
    /// while map.try_insert(&format!("key-{i}"), i).is_ok() {
    ///     i += 1;
    /// }
    /// assert!(map.len() > 100);
    /// assert!(map.memory().allocated_bytes <= 64 * 1024);
    /// ```
    pub fn with_memory_limit(bytes: usize) -> Self {
        let mut map = Self::new();
        map.set_memory_limit(Some(bytes));
        map
    }
}

impl<Q: ?Sized + ArenaKey, V, S: BuildHasher + Clone> ArenaKeyMap<Q, V, S> {
    /// An empty map using `hash_builder` to hash keys.
    ///
    /// ```
    /// use arena_map::StrMap;
    /// use std::collections::hash_map::RandomState;
    ///
    /// let mut map = StrMap::with_hasher(RandomState::new());
    /// map.insert_str("a", 1);
    /// assert_eq!(map.get("a"), Some(&1));
    /// ```
    pub fn with_hasher(hash_builder: S) -> Self {
        Self {
            raw: KeyedTable::with_hasher(hash_builder),
            reclaimer: reclaimer_for::<KeyRef<Q>, V>(ReclaimPolicy::automatic()),
        }
    }

    /// An empty map with room for `capacity` entries, hashing with `hash_builder`.
    ///
    /// # Panics
    ///
    /// If the arena cannot be allocated.
    ///
    /// ```
    /// use arena_map::StrMap;
    /// use std::collections::hash_map::RandomState;
    ///
    /// let map: StrMap<u32, _> = StrMap::with_capacity_and_hasher(100, RandomState::new());
    /// assert!(map.capacity() >= 100);
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        let mut map = Self::with_hasher(hash_builder);
        map.reserve(capacity);
        map
    }

    /// Sets (or with `None` lifts) the memory limit; see
    /// [`with_memory_limit`](ArenaKeyMap::with_memory_limit).
    ///
    /// A limit below what the map holds caps what it takes next: inserts
    /// that need memory are refused until entries leave. Giving memory back
    /// is never refused by a limit: removals still shrink the table and
    /// compact the dead keys away.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<u32> = StrMap::new();
    /// map.set_memory_limit(Some(0));
    /// assert!(map.try_insert("a", 1).is_err());
    /// map.set_memory_limit(None);
    /// assert_eq!(map.try_insert("a", 1).ok(), Some(None));
    /// assert_eq!(map.memory_limit(), None);
    /// ```
    pub fn set_memory_limit(&mut self, bytes: Option<usize>) {
        self.raw.set_limit(bytes);
        sync_key_limit(&mut self.raw);
    }

    /// Replaces the reclamation policy. A stricter policy takes effect at once.
    ///
    /// ```
    /// use arena_map::{ReclaimPolicy, StrMap};
    ///
    /// let mut map: StrMap<u32> = StrMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..10_000 {
    ///     map.insert(&i.to_string(), i);
    /// }
    /// map.retain(|_, v| *v < 10);
    /// let held = map.memory().allocated_bytes;
    /// map.set_policy(ReclaimPolicy::automatic());
    /// assert!(map.memory().allocated_bytes < held);
    /// ```
    pub fn set_policy(&mut self, policy: ReclaimPolicy) {
        self.reclaimer.on_set_policy(&mut self.raw, policy);
        self.reclaimer.on_remove(&mut self.raw);
    }

    /// The value under `key`.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// assert_eq!(map.get("a"), Some(&1));
    /// assert_eq!(map.get("b"), None);
    /// ```
    #[inline]
    pub fn get(&self, key: &Q) -> Option<&V> {
        self.raw.get_key_value(key).map(|(_, v)| v)
    }

    /// The stored key (in the arena) and the value under `key`.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// assert_eq!(map.get_key_value("a"), Some(("a", &1)));
    /// assert_eq!(map.get_key_value("b"), None);
    /// ```
    #[inline]
    pub fn get_key_value(&self, key: &Q) -> Option<(&Q, &V)> {
        self.raw.get_key_value(key)
    }

    /// A mutable reference to the value under `key`.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// *map.get_mut("a").unwrap() += 1;
    /// assert_eq!(map["a"], 2);
    /// assert!(map.get_mut("b").is_none());
    /// ```
    #[inline]
    pub fn get_mut(&mut self, key: &Q) -> Option<&mut V> {
        self.raw.get_mut(key)
    }

    /// The value under `key`, inserting `default` first if it is absent:
    /// `entry_ref(key).or_insert(default)`.
    ///
    /// # Panics
    ///
    /// As [`insert`](Self::insert).
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<u32> = StrMap::new();
    /// *map.get_mut_or_insert("a", 0) += 1;
    /// *map.get_mut_or_insert("a", 0) += 1;
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn get_mut_or_insert(&mut self, key: &Q, default: V) -> &mut V {
        self.entry_ref(key).or_insert(default)
    }

    /// The entry for `key`, borrowed (hashbrown's `entry_ref`): the key is
    /// copied into the arena only if a value is inserted.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut counts: StrMap<usize> = StrMap::new();
    /// for word in "the cat and the hat".split(' ') {
    ///     *counts.entry_ref(word).or_insert(0) += 1;
    /// }
    /// assert_eq!(counts["the"], 2);
    /// ```
    pub fn entry_ref<'a, 'b>(&'a mut self, key: &'b Q) -> EntryRef<'a, 'b, Q, V, S> {
        if self.contains_key(key) {
            EntryRef::Occupied(OccupiedEntryRef { map: self, key })
        } else {
            EntryRef::Vacant(VacantEntryRef { map: self, key })
        }
    }

    /// Removes `key`, returning an owned copy of the stored key and the
    /// value. May give memory back.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("apple", 3);
    /// assert_eq!(map.remove_entry("apple"), Some((String::from("apple"), 3)));
    /// assert_eq!(map.remove_entry("apple"), None);
    /// ```
    pub fn remove_entry(&mut self, key: &Q) -> Option<(Q::Owned, V)>
    where
        Q: ToOwned,
    {
        let entry = self.raw.remove_entry(key)?;
        self.reclaimer.on_remove(&mut self.raw);
        Some(entry)
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// assert!(map.contains_key("a"));
    /// assert!(!map.contains_key("b"));
    /// ```
    #[inline]
    pub fn contains_key(&self, key: &Q) -> bool {
        self.raw.get_key_value(key).is_some()
    }

    /// Copies `key` into the arena (unless present) and inserts `value`
    /// under it, returning the previous value.
    ///
    /// # Panics
    ///
    /// If the map would pass its memory limit (use
    /// [`try_insert`](Self::try_insert) to handle that); if an arena cannot
    /// be allocated, through `handle_alloc_error` as std does.
    ///
    /// ```
    /// use arena_map::BytesMap;
    ///
    /// let mut map = BytesMap::new();
    /// assert_eq!(map.insert(b"key", 1), None);
    /// assert_eq!(map.insert(b"key", 2), Some(1));
    /// assert_eq!(map.len(), 1);
    /// assert_eq!(map.key_bytes(), 3, "the key was copied once");
    /// ```
    #[inline]
    pub fn insert(&mut self, key: &Q, value: V) -> Option<V> {
        match self.try_insert(key, value) {
            Ok(old) => old,
            Err(refused) => refused.error().fail(),
        }
    }

    /// As [`insert`](Self::insert), or gives the value back if the key or
    /// the table would not fit under the memory limit. A present key is
    /// always updated: that needs no memory.
    ///
    /// # Errors
    ///
    /// [`TryInsertError`] with the value; the map is unchanged.
    ///
    /// ```
    /// use arena_map::{ArenaError, StrMap};
    ///
    /// let mut map: StrMap<u32> = StrMap::with_memory_limit(32 * 1024);
    /// assert_eq!(map.try_insert("first", 1).ok(), Some(None));
    /// let refused = (0..).find_map(|i| map.try_insert(&i.to_string(), i).err()).unwrap();
    /// assert!(matches!(refused.error(), ArenaError::MemoryLimit { .. }));
    /// // A present key is updated even at the limit.
    /// assert_eq!(map.try_insert("first", 2).ok(), Some(Some(1)));
    /// ```
    #[inline]
    pub fn try_insert(&mut self, key: &Q, value: V) -> Result<Option<V>, TryInsertError<V>> {
        if let Err(error) = self.prepare_insert() {
            return match self.raw.get_mut(key) {
                Some(slot) => Ok(Some(mem::replace(slot, value))),
                None => Err(TryInsertError::new(error, value)),
            };
        }
        match self.raw.insert(key, value) {
            Ok(old) => Ok(old),
            Err((error, value)) => self.insert_after_compacting(key, value, error),
        }
    }

    /// Catches up on a deferred shrink, then makes room for one entry.
    #[inline]
    fn prepare_insert(&mut self) -> Result<(), ArenaError> {
        self.reclaimer.on_insert(&mut self.raw);
        self.make_room(1)
    }

    /// The key arena refused the key's bytes: under a limit, compacting the
    /// keys may make room.
    #[cold]
    #[inline(never)]
    fn insert_after_compacting(
        &mut self,
        key: &Q,
        value: V,
        error: ArenaError,
    ) -> Result<Option<V>, TryInsertError<V>> {
        let room = self.raw.key_garbage() > 0 && self.compact_keys(Compaction::MakeRoom).is_ok();
        let retried = if room {
            self.raw.insert(key, value)
        } else {
            Err((error, value))
        };
        retried.map_err(|(error, value)| {
            let error = match (error, self.raw.limit()) {
                (ArenaError::AllocFailed { bytes }, Some(limit)) => ArenaError::MemoryLimit {
                    limit,
                    needed: self.raw.bytes() + bytes,
                },
                (error, _) => error,
            };
            TryInsertError::new(error, value)
        })
    }

    /// Removes `key`, returning its value. May give memory back.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// map.insert_str("b", 2);
    /// assert_eq!(map.remove("a"), Some(1));
    /// assert_eq!(map.remove("a"), None);
    /// assert_eq!(map.len(), 1);
    /// ```
    #[inline]
    pub fn remove(&mut self, key: &Q) -> Option<V> {
        let value = self.raw.remove(key)?;
        self.reclaimer.on_remove(&mut self.raw);
        Some(value)
    }

    /// Keeps only the entries for which `keep` returns `true`, then gives
    /// memory back if the policy says so.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// for (i, w) in ["a", "bb", "ccc", "dddd"].into_iter().enumerate() {
    ///     map.insert_str(w, i);
    /// }
    /// map.retain(|k, _| k.len() % 2 == 0);
    /// assert_eq!(map.len(), 2);
    /// assert!(map.contains_key("bb") && map.contains_key("dddd"));
    /// ```
    pub fn retain<F: FnMut(&Q, &mut V) -> bool>(&mut self, keep: F) {
        let before = self.len();
        self.raw.retain(keep);
        if self.len() < before {
            self.reclaimer.on_remove(&mut self.raw);
        }
    }

    /// Removes every entry. As for `map_core::HashMap::clear`: both arenas
    /// are kept for the refill (the key arena rewound to its newest chunk)
    /// when the map holds no more than the policy's `clear_keep_bytes`, or
    /// under the manual policy; larger arenas are freed whole.
    ///
    /// ```
    /// use arena_map::StrMap;
    /// use map_core::ReclaimMap;
    ///
    /// let mut words = StrMap::new();
    /// for w in ["a", "b", "c"] { words.insert_str(w, 1u32); }
    /// let held = words.memory().allocated_bytes;
    /// words.clear();
    /// assert!(words.is_empty());
    /// assert_eq!(words.memory().allocated_bytes, held, "kept for the refill");
    /// ```
    pub fn clear(&mut self) {
        self.reclaimer.on_clear_storage(&mut self.raw);
    }

    /// Reserves room in the table for at least `additional` more entries
    /// (the keys' bytes are allocated as they come).
    ///
    /// # Panics
    ///
    /// As [`insert`](Self::insert), if the room cannot be had.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<u32> = StrMap::new();
    /// map.reserve(500);
    /// assert!(map.capacity() >= 500);
    /// ```
    pub fn reserve(&mut self, additional: usize) {
        if let Err(error) = self.try_reserve(additional) {
            error.fail();
        }
    }

    /// Reserves room in the table for at least `additional` more entries,
    /// or reports why not.
    ///
    /// # Errors
    ///
    /// [`ArenaError`]; the map is unchanged.
    ///
    /// ```
    /// use arena_map::{ArenaError, StrMap};
    ///
    /// let mut map: StrMap<u32> = StrMap::new();
    /// assert_eq!(map.try_reserve(100), Ok(()));
    /// assert!(map.capacity() >= 100);
    /// assert_eq!(map.try_reserve(usize::MAX), Err(ArenaError::CapacityOverflow));
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), ArenaError> {
        self.make_room(additional)?;
        self.reclaimer
            .request_capacity(self.len().saturating_add(additional));
        Ok(())
    }

    /// Gives back all the memory the entries do not need: see
    /// [`reclaim`](Self::reclaim).
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<u32> = StrMap::with_capacity(10_000);
    /// map.insert_str("a", 1);
    /// map.shrink_to_fit();
    /// assert!(map.capacity() >= 1 && map.capacity() < 10_000);
    /// assert_eq!(map["a"], 1);
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.reclaim();
    }

    /// Moves the table into an arena that fits it and the keys into one
    /// that fits them (an empty map frees both), whatever the policy, where
    /// that frees memory, and drops the capacity floor. Returns the bytes
    /// released.
    ///
    /// ```
    /// use arena_map::{ReclaimPolicy, StrMap};
    ///
    /// let mut map: StrMap<u32> = StrMap::with_policy(ReclaimPolicy::manual());
    /// for i in 0..10_000 {
    ///     map.insert(&i.to_string(), i);
    /// }
    /// map.retain(|_, v| *v < 10);
    /// let before = map.memory().allocated_bytes;
    /// let released = map.reclaim();
    /// assert!(released > 0);
    /// assert_eq!(map.memory().allocated_bytes, before - released);
    /// assert_eq!(map.len(), 10);
    /// ```
    pub fn reclaim(&mut self) -> usize {
        let released = self.reclaimer.reclaim_storage(&mut self.raw);
        // A clear that kept the key arena's newest chunk for a refill leaves
        // room there that no garbage count sees: it goes back too.
        if key_room_oversized(&self.raw) {
            released + self.compact_keys(Compaction::GiveBack).unwrap_or(0)
        } else {
            released
        }
    }

    /// Makes room in the table for `additional` more entries without
    /// setting a capacity floor (a size hint is not capacity asked for).
    #[inline]
    pub(crate) fn make_room(&mut self, additional: usize) -> Result<(), ArenaError> {
        if self.raw.table().room() >= additional {
            return Ok(());
        }
        self.grow(additional)
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, additional: usize) -> Result<(), ArenaError> {
        let table = self.raw.table();
        let refill = self
            .reclaimer
            .refill_target(table.len(), table.full_capacity());
        let before = self.raw.bytes();
        let budget = self
            .raw
            .limit()
            .map(|limit| limit.saturating_sub(self.raw.key_arena_bytes()));
        self.raw.make_room(additional, refill, budget)?;
        self.account(before);
        sync_key_limit(&mut self.raw);
        Ok(())
    }

    /// Copies the live keys into a fresh arena that fits them, as `why`
    /// allows; returns the bytes released.
    #[cold]
    #[inline(never)]
    fn compact_keys(&mut self, why: Compaction) -> Result<usize, ArenaError> {
        let before = self.raw.bytes();
        compact_keys(&mut self.raw, why)?;
        Ok(self.account(before))
    }

    fn account(&mut self, before: usize) -> usize {
        let after = self.raw.bytes();
        if after < before {
            self.reclaimer.record_release(before, after);
        } else {
            self.reclaimer.observe(before);
        }
        before.saturating_sub(after)
    }
}

/// Whether the key arena has much more room than its live keys need, as
/// after a clear that kept its newest chunk (rewound) for a refill: any
/// chunk at all when no key is live, else room for more than twice the
/// live bytes and a page. An arena that a compaction sized for the keys
/// never has that much, so a second `reclaim` does not copy them again.
fn key_room_oversized<Q: ?Sized + ArenaKey, V, S>(raw: &KeyedTable<Q, V, S>) -> bool {
    const PAGE: usize = 4096;
    let room = raw.key_arena_room();
    match raw.live_key_bytes() {
        0 => room > 0,
        live => room > live.saturating_mul(2).saturating_add(PAGE),
    }
}

/// Gives the key arena what the limit leaves beside the table (the key
/// arena's cap counts all it holds, its own state and chunk headers too).
fn sync_key_limit<Q: ?Sized + ArenaKey, V, S>(raw: &mut KeyedTable<Q, V, S>) {
    let table_bytes = raw.table().bytes();
    let budget = raw.limit().map(|l| l.saturating_sub(table_bytes));
    raw.set_key_limit(budget);
}

/// Why keys are compacted, which says how large the fresh arena may be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compaction {
    /// To give memory back (`reclaim`, the policy): only into an arena
    /// smaller than the one it replaces. It is therefore never refused by
    /// the limit (a map over a limit lowered below what it holds could
    /// otherwise never give its dead keys back), and it is not done when
    /// the fresh arena would be no smaller.
    GiveBack,
    /// To make room for a key the arena refused: within what the limit
    /// leaves beside the table, or smaller than the arena it replaces.
    MakeRoom,
}

/// Copies the live keys into a fresh arena that fits them, as `why` allows.
fn compact_keys<Q: ?Sized + ArenaKey, V, S>(
    raw: &mut KeyedTable<Q, V, S>,
    why: Compaction,
) -> Result<(), ArenaError> {
    let smaller = raw.key_arena_bytes().saturating_sub(1);
    let budget = match why {
        Compaction::GiveBack => Some(smaller),
        Compaction::MakeRoom => raw
            .limit()
            .map(|l| l.saturating_sub(raw.table().bytes()).max(smaller)),
    };
    raw.compact_keys(raw.live_key_bytes(), budget)?;
    sync_key_limit(raw);
    Ok(())
}

/// The table and the key arena as the reclamation protocol sees them: the
/// table shrinks by moving into a smaller arena, the keys compact into a
/// fresh arena that fits them, and the key arena's dead bytes are the
/// garbage the policy weighs.
impl<Q: ?Sized + ArenaKey, V, S: BuildHasher + Clone> Storage for KeyedTable<Q, V, S> {
    fn len(&self) -> usize {
        self.table().len()
    }

    fn capacity(&self) -> usize {
        self.table().full_capacity()
    }

    fn size_key(&self) -> usize {
        self.table().table_bytes()
    }

    fn allocated_bytes(&self) -> usize {
        self.bytes()
    }

    fn garbage_bytes(&self) -> usize {
        self.key_garbage()
    }

    fn live_bytes(&self) -> usize {
        self.live_key_bytes()
    }

    fn shrink_to(&mut self, capacity: usize) -> Result<(), ShrinkError> {
        self.shrink_table(capacity)?;
        sync_key_limit(self);
        Ok(())
    }

    fn compact(&mut self) -> Result<(), ShrinkError> {
        compact_keys(self, Compaction::GiveBack).map_err(|error| match error {
            // The only cap is the arena being replaced.
            ArenaError::MemoryLimit { .. } => ShrinkError::NoGain,
            _ => ShrinkError::AllocFailed,
        })
    }

    fn clear_storage(&mut self, keep: bool) {
        if keep {
            self.clear_keep();
        } else {
            self.clear();
        }
        sync_key_limit(self);
    }
}

impl<V, S: BuildHasher + Clone> ArenaKeyMap<str, V, S> {
    /// Copies `key` into the arena (unless present) and inserts `value`;
    /// the same as [`insert`](Self::insert).
    ///
    /// # Panics
    ///
    /// As [`insert`](Self::insert).
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// assert_eq!(map.insert_str("a", 1), None);
    /// assert_eq!(map.insert_str("a", 2), Some(1));
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn insert_str(&mut self, key: &str, value: V) -> Option<V> {
        self.insert(key, value)
    }
}

impl<Q: ?Sized + ArenaKey, V, S> ArenaKeyMap<Q, V, S> {
    /// How many entries the map holds.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// map.insert_str("a", 2);
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.raw.table().len()
    }

    /// Whether the map holds no entries.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// assert!(map.is_empty());
    /// map.insert_str("a", 1);
    /// assert!(!map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many entries the table can hold without moving to a bigger arena.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let map: StrMap<u32> = StrMap::with_capacity(10);
    /// assert!(map.capacity() >= 10);
    /// ```
    pub fn capacity(&self) -> usize {
        self.raw.table().capacity()
    }

    /// The map's hasher.
    ///
    /// ```
    /// use arena_map::StrMap;
    /// use std::collections::hash_map::RandomState;
    /// use std::hash::BuildHasher;
    ///
    /// let state = RandomState::new();
    /// let map: StrMap<u32, _> = StrMap::with_hasher(state.clone());
    /// assert_eq!(map.hasher().hash_one("a"), state.hash_one("a"));
    /// ```
    pub fn hasher(&self) -> &S {
        self.raw.hasher()
    }

    /// The reclamation policy in force.
    ///
    /// ```
    /// use arena_map::{ReclaimPolicy, StrMap};
    ///
    /// assert!(StrMap::<u32>::new().policy().is_automatic());
    /// let manual = StrMap::<u32>::with_policy(ReclaimPolicy::manual());
    /// assert_eq!(manual.policy(), ReclaimPolicy::manual());
    /// ```
    pub fn policy(&self) -> ReclaimPolicy {
        *self.reclaimer.policy()
    }

    /// The memory limit, if any.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// assert_eq!(StrMap::<u32>::new().memory_limit(), None);
    /// assert_eq!(StrMap::<u32>::with_memory_limit(4096).memory_limit(), Some(4096));
    /// ```
    pub fn memory_limit(&self) -> Option<usize> {
        self.raw.limit()
    }

    /// Bytes of the keys in the map (what a compaction would copy).
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("abc", 1);
    /// map.insert_str("de", 2);
    /// assert_eq!(map.key_bytes(), 5);
    /// map.remove("abc");
    /// assert_eq!(map.key_bytes(), 2);
    /// ```
    pub fn key_bytes(&self) -> usize {
        self.raw.live_key_bytes()
    }

    /// The map's memory figures: `allocated_bytes` is the chunks of both
    /// arenas (table and keys), chunk headers included, and the arenas'
    /// own state.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// for i in 0..100_000u32 {
    ///     map.insert(&i.to_string(), i);
    /// }
    /// let full = map.memory();
    /// assert!(full.allocated_bytes >= map.key_bytes());
    /// map.clear(); // large arenas go back whole
    /// let after = map.memory();
    /// assert!(after.allocated_bytes < full.allocated_bytes);
    /// assert_eq!(after.peak_bytes, full.allocated_bytes);
    /// assert!(after.reclaims >= 1);
    /// ```
    pub fn memory(&self) -> MemoryStats {
        self.reclaimer.stats(self.raw.bytes())
    }

    /// An iterator over the entries, in arbitrary order.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// map.insert_str("b", 2);
    /// let mut pairs: Vec<(&str, &u32)> = map.iter().collect();
    /// pairs.sort();
    /// assert_eq!(pairs, [("a", &1), ("b", &2)]);
    /// ```
    pub fn iter(&self) -> Iter<'_, Q, V> {
        Iter {
            inner: self.raw.iter(),
        }
    }

    /// An iterator over the entries with mutable values.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// map.insert_str("b", 2);
    /// for (_, v) in map.iter_mut() {
    ///     *v *= 10;
    /// }
    /// assert_eq!((map["a"], map["b"]), (10, 20));
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, Q, V> {
        IterMut {
            inner: self.raw.iter_mut(),
        }
    }

    /// An iterator over the keys.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("b", 2);
    /// map.insert_str("a", 1);
    /// let mut keys: Vec<&str> = map.keys().collect();
    /// keys.sort();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn keys(&self) -> Keys<'_, Q, V> {
        map_core::toolkit::iter::Keys::new(self.iter())
    }

    /// An iterator over the values.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// map.insert_str("b", 2);
    /// assert_eq!(map.values().sum::<u32>(), 3);
    /// ```
    pub fn values(&self) -> Values<'_, Q, V> {
        map_core::toolkit::iter::Values::new(self.iter())
    }

    /// An iterator over mutable values.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// map.insert_str("b", 2);
    /// map.values_mut().for_each(|v| *v += 1);
    /// assert_eq!(map.values().sum::<u32>(), 5);
    /// ```
    pub fn values_mut(&mut self) -> ValuesMut<'_, Q, V> {
        map_core::toolkit::iter::ValuesMut::new(self.iter_mut())
    }
}

impl<Q: ?Sized + ArenaKey, V, S: BuildHasher + Clone + Default> Default for ArenaKeyMap<Q, V, S> {
    /// An empty map with the automatic policy and a default hasher.
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<Q: ?Sized + ArenaKey + fmt::Debug, V: fmt::Debug, S> fmt::Debug for ArenaKeyMap<Q, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<Q: ?Sized + ArenaKey, V: Clone, S: BuildHasher + Clone> Clone for ArenaKeyMap<Q, V, S> {
    /// Copies the entries into new arenas sized for them; keeps the hasher,
    /// policy and limit, and starts fresh memory statistics.
    ///
    /// Cloning never fails on the limit: the clone is built without it and
    /// gets it once every entry is in. Its table arena is sized for the
    /// entries and its key arena grows chunk by chunk as the keys are
    /// copied, which may take more than the original holds; a clone
    /// that ends up above the limit (or of a map whose limit was lowered
    /// below what it held) keeps every entry and refuses every insert that
    /// needs memory until entries leave or the limit is raised.
    fn clone(&self) -> Self {
        let mut map = Self::with_hasher(self.hasher().clone());
        map.reclaimer = self.reclaimer.fresh();
        // Room for the entries, not capacity asked for: the floor is the
        // original's, copied above.
        if let Err(error) = map.make_room(self.len()) {
            error.fail();
        }
        for (k, v) in self.iter() {
            map.insert(k, v.clone());
        }
        map.set_memory_limit(self.raw.limit());
        map
    }
}

impl<Q: ?Sized + ArenaKey, V: PartialEq, S: BuildHasher + Clone> PartialEq
    for ArenaKeyMap<Q, V, S>
{
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|ov| v == ov))
    }
}

impl<Q: ?Sized + ArenaKey, V: Eq, S: BuildHasher + Clone> Eq for ArenaKeyMap<Q, V, S> {}

impl<Q: ?Sized + ArenaKey, V, S: BuildHasher + Clone> Index<&Q> for ArenaKeyMap<Q, V, S> {
    type Output = V;

    /// # Panics
    ///
    /// If the key is not present.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("key not found in ArenaKeyMap")
    }
}

impl<'a, Q: ?Sized + ArenaKey, V, S: BuildHasher + Clone> Extend<(&'a Q, V)>
    for ArenaKeyMap<Q, V, S>
{
    fn extend<I: IntoIterator<Item = (&'a Q, V)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        let hint = iter.size_hint().0;
        // Room for the hint, not capacity asked for: no floor.
        let room = if self.is_empty() {
            hint
        } else {
            hint.div_ceil(2)
        };
        if let Err(error) = self.make_room(room) {
            error.fail();
        }
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a, Q: ?Sized + ArenaKey, V, S: BuildHasher + Clone + Default> FromIterator<(&'a Q, V)>
    for ArenaKeyMap<Q, V, S>
{
    fn from_iter<I: IntoIterator<Item = (&'a Q, V)>>(iter: I) -> Self {
        let mut map = Self::default();
        map.extend(iter);
        map
    }
}

impl<'a, Q: ?Sized + ArenaKey, V, S> IntoIterator for &'a ArenaKeyMap<Q, V, S> {
    type Item = (&'a Q, &'a V);
    type IntoIter = Iter<'a, Q, V>;
    fn into_iter(self) -> Iter<'a, Q, V> {
        self.iter()
    }
}

impl<'a, Q: ?Sized + ArenaKey, V, S> IntoIterator for &'a mut ArenaKeyMap<Q, V, S> {
    type Item = (&'a Q, &'a mut V);
    type IntoIter = IterMut<'a, Q, V>;
    fn into_iter(self) -> IterMut<'a, Q, V> {
        self.iter_mut()
    }
}

// ---------------------------------------------------------------------------
// Iterators

/// Iterator over `(&Q, &V)`, from [`ArenaKeyMap::iter`].
pub struct Iter<'a, Q: ?Sized, V> {
    inner: hashbrown::hash_table::Iter<'a, (KeyRef<Q>, V)>,
}

/// Iterator over `(&Q, &mut V)`, from [`ArenaKeyMap::iter_mut`].
pub struct IterMut<'a, Q: ?Sized, V> {
    inner: hashbrown::hash_table::IterMut<'a, (KeyRef<Q>, V)>,
}

/// Iterator over the keys, from [`ArenaKeyMap::keys`].
pub type Keys<'a, Q, V> = map_core::toolkit::iter::Keys<Iter<'a, Q, V>>;

/// Iterator over the values, from [`ArenaKeyMap::values`].
pub type Values<'a, Q, V> = map_core::toolkit::iter::Values<Iter<'a, Q, V>>;

/// Iterator over mutable values, from [`ArenaKeyMap::values_mut`].
pub type ValuesMut<'a, Q, V> = map_core::toolkit::iter::ValuesMut<IterMut<'a, Q, V>>;

impl<'a, Q: ?Sized + ArenaKey, V> Iterator for Iter<'a, Q, V> {
    type Item = (&'a Q, &'a V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(k, v)| (k.get(), v))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<'a, Q: ?Sized + ArenaKey, V> Iterator for IterMut<'a, Q, V> {
    type Item = (&'a Q, &'a mut V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(k, v)| (k.get(), v))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

macro_rules! exact_and_fused {
    ($($name:ident),*) => {$(
        impl<Q: ?Sized + ArenaKey, V> ExactSizeIterator for $name<'_, Q, V> {}
        impl<Q: ?Sized + ArenaKey, V> FusedIterator for $name<'_, Q, V> {}
    )*};
}
exact_and_fused!(Iter, IterMut);

impl<Q: ?Sized, V> Clone for Iter<'_, Q, V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

macro_rules! debug_remaining {
    ($($name:ident),*) => {$(
        impl<Q: ?Sized + ArenaKey, V> fmt::Debug for $name<'_, Q, V> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("remaining", &self.size_hint().0)
                    .finish()
            }
        }
    )*};
}
debug_remaining!(Iter, IterMut);

// ---------------------------------------------------------------------------
// The borrowed-key entry API

const PRESENT: &str = "an occupied entry's key is in the map";

/// A view into one entry of an [`ArenaKeyMap`] by borrowed key, from
/// [`ArenaKeyMap::entry_ref`].
pub enum EntryRef<'a, 'b, Q: ?Sized + ArenaKey, V, S> {
    /// The key is present.
    Occupied(OccupiedEntryRef<'a, 'b, Q, V, S>),
    /// The key is absent.
    Vacant(VacantEntryRef<'a, 'b, Q, V, S>),
}

/// A present entry of an [`ArenaKeyMap`].
pub struct OccupiedEntryRef<'a, 'b, Q: ?Sized + ArenaKey, V, S> {
    map: &'a mut ArenaKeyMap<Q, V, S>,
    key: &'b Q,
}

/// An absent entry of an [`ArenaKeyMap`]; its key is copied into the arena
/// only by [`insert`](VacantEntryRef::insert).
pub struct VacantEntryRef<'a, 'b, Q: ?Sized + ArenaKey, V, S> {
    map: &'a mut ArenaKeyMap<Q, V, S>,
    key: &'b Q,
}

impl<'a, Q: ?Sized + ArenaKey, V, S: BuildHasher + Clone> EntryRef<'a, '_, Q, V, S> {
    /// The value, inserting `default` if absent.
    ///
    /// # Panics
    ///
    /// As [`ArenaKeyMap::insert`], if the key is absent and no room can be
    /// had.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<u32> = StrMap::new();
    /// assert_eq!(*map.entry_ref("a").or_insert(3), 3);
    /// assert_eq!(*map.entry_ref("a").or_insert(9), 3, "present: kept");
    /// ```
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` if absent.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<Vec<u32>> = StrMap::new();
    /// map.entry_ref("a").or_insert_with(Vec::new).push(1);
    /// assert_eq!(map["a"], [1]);
    /// ```
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(key)` if absent.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<usize> = StrMap::new();
    /// assert_eq!(*map.entry_ref("four").or_insert_with_key(|k| k.len()), 4);
    /// ```
    pub fn or_insert_with_key<F: FnOnce(&Q) -> V>(self, default: F) -> &'a mut V {
        match self {
            EntryRef::Occupied(e) => e.into_mut(),
            EntryRef::Vacant(e) => {
                let value = default(e.key);
                e.insert(value)
            }
        }
    }

    /// The entry's key.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<u32> = StrMap::new();
    /// assert_eq!(map.entry_ref("a").key(), "a");
    /// ```
    pub fn key(&self) -> &Q {
        match self {
            EntryRef::Occupied(e) => e.key(),
            EntryRef::Vacant(e) => e.key(),
        }
    }

    /// Runs `f` on the value if present.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<u32> = StrMap::new();
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
}

impl<'a, Q: ?Sized + ArenaKey, V: Default, S: BuildHasher + Clone> EntryRef<'a, '_, Q, V, S> {
    /// The value, inserting `V::default()` if absent.
    ///
    /// ```
    /// use arena_map::StrMap;
    ///
    /// let mut map: StrMap<Vec<u32>> = StrMap::new();
    /// map.entry_ref("a").or_default().push(1);
    /// map.entry_ref("a").or_default().push(2);
    /// assert_eq!(map["a"], [1, 2]);
    /// ```
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<'a, Q: ?Sized + ArenaKey, V, S: BuildHasher + Clone> OccupiedEntryRef<'a, '_, Q, V, S> {
    /// The stored key (in the arena).
    ///
    /// ```
    /// use arena_map::{EntryRef, StrMap};
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// if let EntryRef::Occupied(e) = map.entry_ref("a") {
    ///     assert_eq!(e.key(), "a");
    /// }
    /// ```
    pub fn key(&self) -> &Q {
        self.map.get_key_value(self.key).expect(PRESENT).0
    }

    /// The value.
    ///
    /// ```
    /// use arena_map::{EntryRef, StrMap};
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// if let EntryRef::Occupied(e) = map.entry_ref("a") {
    ///     assert_eq!(e.get(), &1);
    /// }
    /// ```
    pub fn get(&self) -> &V {
        self.map.get(self.key).expect(PRESENT)
    }

    /// The value, mutably.
    ///
    /// ```
    /// use arena_map::{EntryRef, StrMap};
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// if let EntryRef::Occupied(mut e) = map.entry_ref("a") {
    ///     *e.get_mut() += 1;
    /// }
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut V {
        self.map.get_mut(self.key).expect(PRESENT)
    }

    /// The value, mutably, for the lifetime of the map borrow.
    ///
    /// ```
    /// use arena_map::{EntryRef, StrMap};
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// if let EntryRef::Occupied(e) = map.entry_ref("a") {
    ///     *e.into_mut() = 5;
    /// }
    /// assert_eq!(map["a"], 5);
    /// ```
    pub fn into_mut(self) -> &'a mut V {
        self.map.get_mut(self.key).expect(PRESENT)
    }

    /// Replaces the value, returning the old one.
    ///
    /// ```
    /// use arena_map::{EntryRef, StrMap};
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// if let EntryRef::Occupied(mut e) = map.entry_ref("a") {
    ///     assert_eq!(e.insert(2), 1);
    /// }
    /// assert_eq!(map["a"], 2);
    /// ```
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    /// Removes the entry, returning an owned copy of the key and the value.
    ///
    /// ```
    /// use arena_map::{EntryRef, StrMap};
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// if let EntryRef::Occupied(e) = map.entry_ref("a") {
    ///     assert_eq!(e.remove_entry(), (String::from("a"), 1));
    /// }
    /// assert!(map.is_empty());
    /// ```
    pub fn remove_entry(self) -> (Q::Owned, V)
    where
        Q: ToOwned,
    {
        self.map.remove_entry(self.key).expect(PRESENT)
    }

    /// Removes the entry, returning the value.
    ///
    /// ```
    /// use arena_map::{EntryRef, StrMap};
    ///
    /// let mut map = StrMap::new();
    /// map.insert_str("a", 1);
    /// map.insert_str("b", 2);
    /// if let EntryRef::Occupied(e) = map.entry_ref("a") {
    ///     assert_eq!(e.remove(), 1);
    /// }
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn remove(self) -> V {
        self.map.remove(self.key).expect(PRESENT)
    }
}

impl<'a, Q: ?Sized + ArenaKey, V, S: BuildHasher + Clone> VacantEntryRef<'a, '_, Q, V, S> {
    /// The key that would be inserted.
    ///
    /// ```
    /// use arena_map::{EntryRef, StrMap};
    ///
    /// let mut map: StrMap<u32> = StrMap::new();
    /// if let EntryRef::Vacant(e) = map.entry_ref("a") {
    ///     assert_eq!(e.key(), "a");
    /// }
    /// assert_eq!(map.key_bytes(), 0, "not copied until inserted");
    /// ```
    pub fn key(&self) -> &Q {
        self.key
    }

    /// Copies the key into the arena and inserts `value` under it.
    ///
    /// # Panics
    ///
    /// As [`ArenaKeyMap::insert`], if no room can be had.
    ///
    /// ```
    /// use arena_map::{EntryRef, StrMap};
    ///
    /// let mut map: StrMap<u32> = StrMap::new();
    /// if let EntryRef::Vacant(e) = map.entry_ref("abc") {
    ///     assert_eq!(*e.insert(1), 1);
    /// }
    /// assert_eq!(map["abc"], 1);
    /// assert_eq!(map.key_bytes(), 3);
    /// ```
    pub fn insert(self, value: V) -> &'a mut V {
        self.map.insert(self.key, value);
        self.map.get_mut(self.key).expect(PRESENT)
    }
}
