//! Lookups by any `Equivalent` key in maps that only know `Borrow`.
//!
//! `ReclaimMap::get` takes any `Q: Hash + Equivalent<K>`, but std's
//! `HashMap` and dashmap look keys up through `K: Borrow<Q>`. The baselines
//! therefore store [`Key<K>`], which borrows as `dyn Lookup<K>`, and look up
//! through a [`Probe`] of the caller's key seen as the same trait object. The
//! entry layout is unchanged (`Key<K>` is a transparent newtype), so memory
//! figures are those of the plain map.

use core::borrow::Borrow;
use core::hash::{Hash, Hasher};

use map_core::Equivalent;

/// A stored key or a probe for one, hashed and compared the same way.
pub(crate) trait Lookup<K> {
    /// The stored key, if this is one.
    fn stored(&self) -> Option<&K>;
    /// Whether this matches the stored `key`.
    fn matches(&self, key: &K) -> bool;
    /// Feeds the key to `state` exactly as `K`'s (or `Q`'s) `Hash` does.
    fn hash_into(&self, state: &mut dyn Hasher);
}

/// A key as stored in a baseline map.
#[derive(Clone, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub(crate) struct Key<K>(pub(crate) K);

impl<K: Hash> Hash for Key<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<K: Eq + Hash> Lookup<K> for Key<K> {
    fn stored(&self) -> Option<&K> {
        Some(&self.0)
    }
    fn matches(&self, key: &K) -> bool {
        self.0 == *key
    }
    fn hash_into(&self, mut state: &mut dyn Hasher) {
        self.0.hash(&mut state);
    }
}

/// The caller's key, seen as a [`Lookup`].
pub(crate) struct Probe<'q, Q: ?Sized>(pub(crate) &'q Q);

impl<K, Q: ?Sized + Hash + Equivalent<K>> Lookup<K> for Probe<'_, Q> {
    fn stored(&self) -> Option<&K> {
        None
    }
    fn matches(&self, key: &K) -> bool {
        self.0.equivalent(key)
    }
    fn hash_into(&self, mut state: &mut dyn Hasher) {
        self.0.hash(&mut state);
    }
}

impl<'a, K: Eq + Hash + 'a> Borrow<dyn Lookup<K> + 'a> for Key<K> {
    fn borrow(&self) -> &(dyn Lookup<K> + 'a) {
        self
    }
}

impl<K> Hash for dyn Lookup<K> + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.hash_into(state);
    }
}

impl<K> PartialEq for dyn Lookup<K> + '_ {
    fn eq(&self, other: &Self) -> bool {
        match (self.stored(), other.stored()) {
            (Some(key), _) => other.matches(key),
            (None, Some(key)) => self.matches(key),
            (None, None) => false,
        }
    }
}

impl<K> Eq for dyn Lookup<K> + '_ {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn str_finds_string_key() {
        let mut map: HashMap<Key<String>, u32> = HashMap::new();
        map.insert(Key("seven".to_string()), 7);
        let probe = Probe("seven");
        assert_eq!(map.get(&probe as &dyn Lookup<String>), Some(&7));
        let miss = Probe("eight");
        assert_eq!(map.get(&miss as &dyn Lookup<String>), None);
    }
}
