//! The throughput workloads, shared by the criterion benches and the
//! `throughput` subcommand: `u64 -> u64` maps, keys from a seeded generator.

use std::hash::BuildHasher;

use map_conformance::Rng;
use map_core::{Allocator, ReclaimMap};

/// What the workloads need from a map. Implemented directly (inherent
/// methods, no wrapper) for the maps compared side by side, and through
/// [`Via`] for any [`ReclaimMap`].
pub trait BenchMap {
    /// Inserts or overwrites.
    fn put(&mut self, key: u64, value: u64);
    /// Whether `key` is present (through `get`).
    fn hit(&self, key: &u64) -> bool;
    /// Removes `key`; whether it was present.
    fn take(&mut self, key: &u64) -> bool;
}

impl<S: BuildHasher, A: Allocator + Clone> BenchMap for map_core::HashMap<u64, u64, S, A> {
    #[inline]
    fn put(&mut self, key: u64, value: u64) {
        self.insert(key, value);
    }
    #[inline]
    fn hit(&self, key: &u64) -> bool {
        self.get(key).is_some()
    }
    #[inline]
    fn take(&mut self, key: &u64) -> bool {
        self.remove(key).is_some()
    }
}

impl<S: BuildHasher> BenchMap for hashbrown::HashMap<u64, u64, S> {
    #[inline]
    fn put(&mut self, key: u64, value: u64) {
        self.insert(key, value);
    }
    #[inline]
    fn hit(&self, key: &u64) -> bool {
        self.get(key).is_some()
    }
    #[inline]
    fn take(&mut self, key: &u64) -> bool {
        self.remove(key).is_some()
    }
}

impl<S: BuildHasher> BenchMap for std::collections::HashMap<u64, u64, S> {
    #[inline]
    fn put(&mut self, key: u64, value: u64) {
        self.insert(key, value);
    }
    #[inline]
    fn hit(&self, key: &u64) -> bool {
        self.get(key).is_some()
    }
    #[inline]
    fn take(&mut self, key: &u64) -> bool {
        self.remove(key).is_some()
    }
}

/// Any [`ReclaimMap`] as a [`BenchMap`].
#[derive(Debug, Clone, Default)]
pub struct Via<M>(pub M);

impl<M: ReclaimMap<u64, u64>> BenchMap for Via<M> {
    #[inline]
    fn put(&mut self, key: u64, value: u64) {
        self.0.insert(key, value);
    }
    #[inline]
    fn hit(&self, key: &u64) -> bool {
        self.0.get(key).is_some()
    }
    #[inline]
    fn take(&mut self, key: &u64) -> bool {
        self.0.remove(key).is_some()
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

/// Inserts every key (value = key).
#[inline(never)]
pub fn insert_all<M: BenchMap>(map: &mut M, keys: &[u64]) {
    for &k in keys {
        map.put(k, k);
    }
}

/// Looks every key up; how many were present.
#[inline(never)]
pub fn get_all<M: BenchMap>(map: &M, keys: &[u64]) -> usize {
    keys.iter().filter(|k| map.hit(k)).count()
}

/// Removes every key, then drops the map: both halves are timed, so a map
/// that frees its table at drop and one that frees it during the removals
/// pay for the same work.
#[inline(never)]
pub fn remove_all_and_drop<M: BenchMap>(mut map: M, keys: &[u64]) -> usize {
    let removed = keys.iter().filter(|k| map.take(k)).count();
    drop(map);
    removed
}

/// A map holding `keys[..live]` goes through `keys.len() - live`
/// insert-new/remove-oldest pairs.
#[inline(never)]
pub fn churn<M: BenchMap>(map: &mut M, keys: &[u64], live: usize) {
    for (oldest, &new) in keys.iter().zip(&keys[live..]) {
        map.put(new, new);
        map.take(oldest);
    }
}
