//! The throughput workloads, shared by the criterion benches and the
//! `throughput` subcommand: `u64` keys from a seeded generator, values of
//! any [`BenchValue`] type (`u64` in the criterion benches).

use std::hash::{BuildHasher, Hash};
use std::hint::black_box;

use map_conformance::Rng;
use map_core::ReclaimMap;

/// A value type the throughput workloads can store: made from its key.
pub trait BenchValue: Clone {
    /// Short name for reports (`u64`, `string`, `bytes128`).
    const NAME: &'static str;
    /// The value stored under `key`.
    fn make(key: u64) -> Self;
}

impl BenchValue for u64 {
    const NAME: &'static str = "u64";
    #[inline]
    fn make(key: u64) -> Self {
        key
    }
}

impl BenchValue for String {
    const NAME: &'static str = "string";
    fn make(key: u64) -> Self {
        format!("{key:016x}")
    }
}

impl BenchValue for [u8; 128] {
    const NAME: &'static str = "bytes128";
    #[inline]
    fn make(key: u64) -> Self {
        [key as u8; 128]
    }
}

/// What every timing tool needs from a map: the throughput workloads (here
/// and in the criterion benches), the pauses ([`crate::pauses`]) and the
/// trace replay ([`crate::trace`]). The one timing adapter: implemented
/// through [`Via`] for any [`ReclaimMap`] (every map of the workspace), and
/// by their own methods for the baselines and peers, which the registry
/// lists with a `direct:` constructor (the [`ReclaimMap`] wrappers of
/// [`crate::baselines`] look std's and dashmap's keys up through a trait
/// object, a cost the maps themselves do not have).
pub trait BenchMap<K, V> {
    /// Inserts or overwrites; whether `key` was new.
    fn put(&mut self, key: K, value: V) -> bool;
    /// Whether `key` is present (through `get`).
    fn hit(&self, key: &K) -> bool;
    /// Removes `key`, handing its value back.
    fn take(&mut self, key: &K) -> Option<V>;
    /// Removes every entry.
    fn wipe(&mut self);
    /// Entries now.
    fn size(&self) -> usize;
    /// The map's own count of its allocated bytes, if it keeps one (none by
    /// default).
    fn reported_bytes(&self) -> Option<usize> {
        None
    }
}

/// `BenchMap` by a map's own methods: `insert`, `get`, `remove`, `clear`,
/// `len`, and, after `bytes`, the expression that reads its bytes.
macro_rules! bench_map_by_inherent_methods {
    ($($map:ty where [$($bounds:tt)*] $(bytes |$m:ident| $bytes:expr)?),* $(,)?) => {$(
        impl<K: Hash + Eq, V, $($bounds)*> BenchMap<K, V> for $map {
            #[inline]
            fn put(&mut self, key: K, value: V) -> bool {
                self.insert(key, value).is_none()
            }
            #[inline]
            fn hit(&self, key: &K) -> bool {
                self.get(key).is_some()
            }
            // Always inlined, for every map alike: the loop then times the
            // map's own `remove` as a caller's loop would see it.
            #[inline(always)]
            fn take(&mut self, key: &K) -> Option<V> {
                self.remove(key)
            }
            #[inline]
            fn wipe(&mut self) {
                self.clear();
            }
            fn size(&self) -> usize {
                self.len()
            }
            $(
                fn reported_bytes(&self) -> Option<usize> {
                    let $m = self;
                    $bytes
                }
            )?
        }
    )*};
}

bench_map_by_inherent_methods!(
    hashbrown::HashMap<K, V, S> where [S: BuildHasher] bytes |m| Some(m.allocation_size()),
    std::collections::HashMap<K, V, S> where [S: BuildHasher],
    griddle::HashMap<K, V, S> where [S: BuildHasher],
);

/// dashmap's operations take `&self`; `remove` hands back the pair.
impl<K: Hash + Eq, V, S: BuildHasher + Clone> BenchMap<K, V> for dashmap::DashMap<K, V, S> {
    #[inline]
    fn put(&mut self, key: K, value: V) -> bool {
        self.insert(key, value).is_none()
    }
    #[inline]
    fn hit(&self, key: &K) -> bool {
        self.get(key).is_some()
    }
    #[inline(always)]
    fn take(&mut self, key: &K) -> Option<V> {
        self.remove(key).map(|(_, v)| v)
    }
    fn wipe(&mut self) {
        self.clear();
    }
    fn size(&self) -> usize {
        self.len()
    }
}

/// papaya's operations go through a pinned guard; a removed value waits
/// for its epoch, so `take` hands back a clone.
impl<K: Hash + Eq, V: Clone, S: BuildHasher> BenchMap<K, V> for papaya::HashMap<K, V, S> {
    #[inline]
    fn put(&mut self, key: K, value: V) -> bool {
        self.pin().insert(key, value).is_none()
    }
    #[inline]
    fn hit(&self, key: &K) -> bool {
        self.pin().get(key).is_some()
    }
    #[inline(always)]
    fn take(&mut self, key: &K) -> Option<V> {
        self.pin().remove(key).cloned()
    }
    fn wipe(&mut self) {
        self.pin().clear();
    }
    fn size(&self) -> usize {
        self.len()
    }
}

/// scc's map is concurrent: its operations take `&self`, and an insert of a
/// present key hands the pair back instead of overwriting.
impl<K: Hash + Eq, V, S: BuildHasher> BenchMap<K, V> for scc::HashMap<K, V, S> {
    #[inline]
    fn put(&mut self, key: K, value: V) -> bool {
        match self.insert_sync(key, value) {
            Ok(()) => true,
            Err((key, value)) => {
                self.upsert_sync(key, value);
                false
            }
        }
    }
    #[inline]
    fn hit(&self, key: &K) -> bool {
        self.contains_sync(key)
    }
    #[inline(always)]
    fn take(&mut self, key: &K) -> Option<V> {
        self.remove_sync(key).map(|(_, v)| v)
    }
    fn wipe(&mut self) {
        self.clear_sync();
    }
    fn size(&self) -> usize {
        self.len()
    }
}

/// Any [`ReclaimMap`] as a [`BenchMap`].
#[derive(Debug, Clone, Default)]
pub struct Via<M>(pub M);

impl<K: Hash + Eq, V, M: ReclaimMap<K, V>> BenchMap<K, V> for Via<M> {
    #[inline(always)]
    fn put(&mut self, key: K, value: V) -> bool {
        self.0.insert(key, value).is_none()
    }
    #[inline(always)]
    fn hit(&self, key: &K) -> bool {
        self.0.get(key).is_some()
    }
    #[inline(always)]
    fn take(&mut self, key: &K) -> Option<V> {
        self.0.remove(key)
    }
    #[inline]
    fn wipe(&mut self) {
        self.0.clear();
    }
    fn size(&self) -> usize {
        self.0.len()
    }
    fn reported_bytes(&self) -> Option<usize> {
        Some(self.0.memory().allocated_bytes)
    }
}

/// `n` distinct keys that are present (even numbers), and `n` that are
/// never inserted (odd numbers), in random order.
pub fn keys(n: usize, seed: u64) -> (Vec<u64>, Vec<u64>) {
    let mut rng = Rng::new(seed);
    let mut hits = Vec::with_capacity(n);
    let mut seen = hashbrown::HashSet::with_capacity(n);
    while hits.len() < n {
        let k = rng.next_u64() & !1;
        if seen.insert(k) {
            hits.push(k);
        }
    }
    let misses = hits.iter().map(|k| k | 1).collect();
    (hits, misses)
}

/// Inserts every key (value made from the key).
#[inline(never)]
pub fn insert_all<V: BenchValue, M: BenchMap<u64, V>>(map: &mut M, keys: &[u64]) {
    for &k in keys {
        map.put(k, V::make(k));
    }
}

/// Looks every key up; how many were present.
#[inline(never)]
pub fn get_all<V, M: BenchMap<u64, V>>(map: &M, keys: &[u64]) -> usize {
    keys.iter().filter(|k| map.hit(k)).count()
}

/// Removes every key, then drops the map: both halves are timed, so a map
/// that frees its table at drop and one that frees it during the removals
/// pay for the same work.
#[inline(never)]
pub fn remove_all_and_drop<V, M: BenchMap<u64, V>>(mut map: M, keys: &[u64]) -> usize {
    let removed = remove_all(&mut map, keys);
    drop(map);
    removed
}

/// Removes every key, handing each value to `black_box` as a caller of
/// `remove` would use it; how many were present.
#[inline(never)]
pub fn remove_all<V, M: BenchMap<u64, V>>(map: &mut M, keys: &[u64]) -> usize {
    let mut removed = 0;
    for k in keys {
        if let Some(v) = map.take(k) {
            black_box(v);
            removed += 1;
        }
    }
    removed
}

/// `rounds` times: clear the map, then insert every key.
#[inline(never)]
pub fn clear_and_refill<V: BenchValue, M: BenchMap<u64, V>>(
    map: &mut M,
    keys: &[u64],
    rounds: usize,
) {
    for _ in 0..rounds {
        map.wipe();
        insert_all(map, keys);
    }
}

/// A map holding `keys[..live]` goes through `keys.len() - live`
/// insert-new/remove-oldest pairs.
#[inline(never)]
pub fn churn<V: BenchValue, M: BenchMap<u64, V>>(map: &mut M, keys: &[u64], live: usize) {
    for (oldest, &new) in keys.iter().zip(&keys[live..]) {
        map.put(new, V::make(new));
        black_box(map.take(oldest));
    }
}
