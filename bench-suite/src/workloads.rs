//! The throughput workloads, shared by the criterion benches and the
//! `throughput` subcommand: `u64` keys from a seeded generator, values of
//! any [`BenchValue`] type (`u64` in the criterion benches).

use std::hash::BuildHasher;
use std::hint::black_box;

use map_conformance::Rng;
use map_core::{Allocator, ReclaimMap};

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

/// What the workloads need from a map with `u64` keys and `V` values.
/// Implemented directly (inherent methods, no wrapper) for the maps compared
/// side by side, and through [`Via`] for any [`ReclaimMap`].
pub trait BenchMap<V = u64> {
    /// Inserts or overwrites.
    fn put(&mut self, key: u64, value: V);
    /// Whether `key` is present (through `get`).
    fn hit(&self, key: &u64) -> bool;
    /// Removes `key`, handing its value back.
    fn take(&mut self, key: &u64) -> Option<V>;
    /// Removes every entry.
    fn wipe(&mut self);
}

macro_rules! bench_map_by_inherent_methods {
    ($($map:ty where [$($bounds:tt)*]),* $(,)?) => {$(
        impl<V, $($bounds)*> BenchMap<V> for $map {
            #[inline]
            fn put(&mut self, key: u64, value: V) {
                self.insert(key, value);
            }
            #[inline]
            fn hit(&self, key: &u64) -> bool {
                self.get(key).is_some()
            }
            // Always inlined, for every map alike: the loop then times the
            // map's own `remove` as a caller's loop would see it.
            #[inline(always)]
            fn take(&mut self, key: &u64) -> Option<V> {
                self.remove(key)
            }
            #[inline]
            fn wipe(&mut self) {
                self.clear();
            }
        }
    )*};
}

bench_map_by_inherent_methods!(
    map_core::HashMap<u64, V, S, A> where [S: BuildHasher, A: Allocator + Clone],
    hashbrown::HashMap<u64, V, S> where [S: BuildHasher],
    std::collections::HashMap<u64, V, S> where [S: BuildHasher],
    split_map::SplitMap<u64, V, S, A> where [S: BuildHasher, A: Allocator + Clone],
);

/// Any [`ReclaimMap`] as a [`BenchMap`].
#[derive(Debug, Clone, Default)]
pub struct Via<M>(pub M);

impl<V, M: ReclaimMap<u64, V>> BenchMap<V> for Via<M> {
    #[inline]
    fn put(&mut self, key: u64, value: V) {
        self.0.insert(key, value);
    }
    #[inline]
    fn hit(&self, key: &u64) -> bool {
        self.0.get(key).is_some()
    }
    #[inline]
    fn take(&mut self, key: &u64) -> Option<V> {
        self.0.remove(key)
    }
    #[inline]
    fn wipe(&mut self) {
        self.0.clear();
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
pub fn insert_all<V: BenchValue, M: BenchMap<V>>(map: &mut M, keys: &[u64]) {
    for &k in keys {
        map.put(k, V::make(k));
    }
}

/// Looks every key up; how many were present.
#[inline(never)]
pub fn get_all<V, M: BenchMap<V>>(map: &M, keys: &[u64]) -> usize {
    keys.iter().filter(|k| map.hit(k)).count()
}

/// Removes every key, then drops the map: both halves are timed, so a map
/// that frees its table at drop and one that frees it during the removals
/// pay for the same work.
#[inline(never)]
pub fn remove_all_and_drop<V, M: BenchMap<V>>(mut map: M, keys: &[u64]) -> usize {
    let removed = remove_all(&mut map, keys);
    drop(map);
    removed
}

/// Removes every key, handing each value to `black_box` as a caller of
/// `remove` would use it; how many were present.
#[inline(never)]
pub fn remove_all<V, M: BenchMap<V>>(map: &mut M, keys: &[u64]) -> usize {
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
pub fn clear_and_refill<V: BenchValue, M: BenchMap<V>>(map: &mut M, keys: &[u64], rounds: usize) {
    for _ in 0..rounds {
        map.wipe();
        insert_all(map, keys);
    }
}

/// A map holding `keys[..live]` goes through `keys.len() - live`
/// insert-new/remove-oldest pairs.
#[inline(never)]
pub fn churn<V: BenchValue, M: BenchMap<V>>(map: &mut M, keys: &[u64], live: usize) {
    for (oldest, &new) in keys.iter().zip(&keys[live..]) {
        map.put(new, V::make(new));
        black_box(map.take(oldest));
    }
}
