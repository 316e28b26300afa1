//! A new map in one file: a storage that keeps its entries in a `Vec` and
//! finds them by a scan of their hashes. Implementing
//! [`Store`](map_core::toolkit::Store) is all it takes: [`Map`] over it has
//! std's whole API, `ReclaimMap`, serde and the memory policy, and the
//! conformance kit holds it to the same suite as every other map.
//!
//! A scan is slow for large maps; the point is how little a storage has to
//! say. It still gives memory back: a removal asks the reclaimer, which
//! shrinks the `Vec` when it is mostly empty.

use allocator_api2::alloc::{Global, Layout};
use map_core::toolkit::{DefaultStore, Map, Reclaimer, ShrinkError, Store, View};
use map_core::{DefaultHashBuilder, ReclaimMap, TryReserveError};

/// The entries, and their hashes at the same indices.
#[derive(Clone)]
struct VecStore<K, V> {
    entries: Vec<(K, V)>,
    hashes: Vec<u64>,
}

type VecMap<K, V> = Map<K, V, DefaultHashBuilder, VecStore<K, V>>;

impl<K, V> VecStore<K, V> {
    fn take_at(&mut self, pos: usize) -> (K, V) {
        self.hashes.swap_remove(pos);
        self.entries.swap_remove(pos)
    }
}

impl<K, V> Store<K, V> for VecStore<K, V> {
    const ROUNDING: fn(usize) -> usize = |capacity| capacity;
    type Alloc = Global;
    type Pos = usize;
    type Iter<'a>
        = std::slice::Iter<'a, (K, V)>
    where
        K: 'a,
        V: 'a;
    type IterMut<'a>
        = std::slice::IterMut<'a, (K, V)>
    where
        K: 'a,
        V: 'a;
    type IntoIter = std::vec::IntoIter<(K, V)>;
    type Drain<'a>
        = std::vec::Drain<'a, (K, V)>
    where
        K: 'a,
        V: 'a;

    fn new_in(_: Global) -> Self {
        Self {
            entries: Vec::new(),
            hashes: Vec::new(),
        }
    }
    fn with_capacity_in(capacity: usize, _: Global) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
            hashes: Vec::with_capacity(capacity),
        }
    }
    fn allocator(&self) -> &Global {
        &Global
    }
    fn len(&self) -> usize {
        self.entries.len()
    }
    fn capacity(&self) -> usize {
        self.entries.capacity().min(self.hashes.capacity())
    }
    fn allocated_bytes(&self) -> usize {
        self.entries.capacity() * size_of::<(K, V)>() + self.hashes.capacity() * 8
    }
    fn find(&self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&(K, V)> {
        self.find_pos(hash, eq).map(|i| &self.entries[i])
    }
    fn find_mut(&mut self, hash: u64, eq: impl FnMut(&(K, V)) -> bool) -> Option<&mut (K, V)> {
        self.find_pos(hash, eq).map(|i| &mut self.entries[i])
    }
    fn find_pos(&self, hash: u64, mut eq: impl FnMut(&(K, V)) -> bool) -> Option<usize> {
        (0..self.len()).find(|&i| self.hashes[i] == hash && eq(&self.entries[i]))
    }
    fn at(&self, pos: usize) -> &(K, V) {
        &self.entries[pos]
    }
    fn at_mut(&mut self, pos: usize) -> &mut (K, V) {
        &mut self.entries[pos]
    }
    fn upsert(
        &mut self,
        hash: u64,
        entry: (K, V),
        eq: impl Fn(&K, &(K, V)) -> bool,
        _: impl Fn(&(K, V)) -> u64,
    ) -> Result<Option<V>, (K, V)> {
        if let Some(i) = self.find_pos(hash, |stored| eq(&entry.0, stored)) {
            return Ok(Some(std::mem::replace(&mut self.entries[i].1, entry.1)));
        }
        if self.len() == self.capacity() {
            return Err(entry);
        }
        self.entries.push(entry);
        self.hashes.push(hash);
        Ok(None)
    }
    fn insert_new(
        &mut self,
        hash: u64,
        entry: (K, V),
        hasher: impl Fn(&(K, V)) -> u64,
        _: &mut Reclaimer,
    ) -> Result<usize, ((K, V), TryReserveError)> {
        if let Err(e) = self.try_reserve(1, hasher) {
            return Err((entry, e));
        }
        self.entries.push(entry);
        self.hashes.push(hash);
        Ok(self.len() - 1)
    }
    fn remove(
        &mut self,
        hash: u64,
        eq: impl Fn(&(K, V)) -> bool + Copy,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Option<(K, V)> {
        let pos = self.find_pos(hash, eq)?;
        Some(self.remove_at(pos, hasher, reclaimer))
    }
    fn remove_at(
        &mut self,
        pos: usize,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> (K, V) {
        let entry = self.take_at(pos);
        reclaimer.on_remove(&mut View::new(self, hasher));
        entry
    }
    fn replace_with(
        &mut self,
        pos: usize,
        f: impl FnOnce(&K, V) -> Option<V>,
        hasher: impl Fn(&(K, V)) -> u64,
        reclaimer: &mut Reclaimer,
    ) -> Result<usize, K> {
        let hash = self.hashes[pos];
        let (key, value) = self.take_at(pos);
        match f(&key, value) {
            Some(value) => {
                self.entries.push((key, value));
                self.hashes.push(hash);
                Ok(self.len() - 1)
            }
            None => {
                reclaimer.on_remove(&mut View::new(self, hasher));
                Err(key)
            }
        }
    }
    fn retain(&mut self, mut keep: impl FnMut(&mut (K, V)) -> bool) {
        let mut i = 0;
        while i < self.len() {
            if keep(&mut self.entries[i]) {
                i += 1;
            } else {
                drop(self.take_at(i));
            }
        }
    }
    fn try_reserve(
        &mut self,
        additional: usize,
        _: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), TryReserveError> {
        let want = self.len().checked_add(additional);
        let layout = want.and_then(|n| Layout::array::<(K, V)>(n).ok());
        let (Some(_), Some(layout)) = (want, layout) else {
            return Err(TryReserveError::CapacityOverflow);
        };
        let refused = |_| TryReserveError::AllocError { layout };
        self.entries.try_reserve(additional).map_err(refused)?;
        self.hashes.try_reserve(additional).map_err(refused)
    }
    fn shrink_to(
        &mut self,
        capacity: usize,
        _: impl Fn(&(K, V)) -> u64,
    ) -> Result<(), ShrinkError> {
        if capacity.max(self.len()) >= self.capacity() {
            return Err(ShrinkError::NoGain);
        }
        self.entries.shrink_to(capacity);
        self.hashes.shrink_to(capacity);
        Ok(())
    }
    fn clear(&mut self, keep: bool) {
        if keep {
            self.hashes.clear();
            self.entries.clear();
        } else {
            drop(self.take());
        }
    }
    fn take(&mut self) -> Self {
        std::mem::replace(self, Self::EMPTY)
    }
    fn iter(&self) -> Self::Iter<'_> {
        self.entries.iter()
    }
    fn iter_mut(&mut self) -> Self::IterMut<'_> {
        self.entries.iter_mut()
    }
    fn into_entries(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
    fn drain(&mut self) -> Self::Drain<'_> {
        self.hashes.clear();
        self.entries.drain(..)
    }
}

impl<K, V> DefaultStore<K, V> for VecStore<K, V> {
    const EMPTY: Self = Self {
        entries: Vec::new(),
        hashes: Vec::new(),
    };
}

#[test]
fn std_api_against_std() {
    for seed in map_conformance::seeds(2) {
        map_conformance::std_api::check_up_to::<VecStore<u64, u64>>(seed, 2_000);
    }
}

#[test]
fn the_conformance_suite() {
    // Differential, drop counting and string keys, through `ReclaimMap`.
    let sizes = map_conformance::Sizes::QUICK;
    map_conformance::suite(VecMap::new, VecMap::new, VecMap::new, sizes);
}

#[test]
fn memory_goes_back_as_it_empties() {
    let mut map: VecMap<u64, u64> = (0..10_000).map(|i| (i, i)).collect();
    let full = map.memory().allocated_bytes;
    map.retain(|k, _| k % 100 == 0);
    assert_eq!(map.len(), 100);
    assert!(
        map.memory().allocated_bytes * 20 < full,
        "shrunk with the policy"
    );
    for k in 0..10_000 {
        map.remove(&k);
    }
    assert!(ReclaimMap::memory(&map).allocated_bytes < 1024);
}

#[test]
fn serde_round_trip() {
    let map: VecMap<String, u32> = [("a".to_string(), 1), ("b".to_string(), 2)].into();
    let json = serde_json::to_string(&map).unwrap();
    let back: VecMap<String, u32> = serde_json::from_str(&json).unwrap();
    assert!(back == map);
}
