//! The rest of `HashMap`'s own API: what `HashSet` needs of it.

use core::hash::{BuildHasher, Hash};
use core::mem;

use allocator_api2::alloc::Allocator;

use super::{equivalent_key, make_hash, HashMap};

impl<K, V, S, A> HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    A: Allocator + Clone,
{
    /// Inserts `key`, or replaces the equal key already stored with it
    /// (its value is kept); returns the key replaced. For `HashSet::replace`.
    pub(crate) fn replace_key(&mut self, key: K, value: V) -> Option<K> {
        let hash = make_hash(&self.hash_builder, &key);
        if let Some((stored, _)) = self.store.table.find_mut(hash, equivalent_key(&key)) {
            return Some(mem::replace(stored, key));
        }
        self.insert(key, value);
        None
    }
}
