//! `serde` support for [`SyncMap`], behind the `serde` feature: a map of
//! key to value.
//!
//! Serializing writes one consistent version of the map, from inside one
//! read section ([`ReadHandle::enter`](crate::ReadHandle::enter)): writers
//! of the map wait until it is done. Deserializing builds the map in one
//! batch ([`SyncMap::write`]).

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use map_core::Allocator;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::SyncMap;

impl<K, V, S, A> Serialize for SyncMap<K, V, S, A>
where
    K: Serialize + Eq + Hash,
    V: Serialize,
    S: BuildHasher,
    A: Allocator + Clone,
{
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        self.reader().enter(|view| {
            let mut map = serializer.serialize_map(Some(view.len()))?;
            for (k, v) in view.iter() {
                map.serialize_entry(k, v)?;
            }
            map.end()
        })
    }
}

impl<'de, K, V, S, A> Deserialize<'de> for SyncMap<K, V, S, A>
where
    K: Deserialize<'de> + Eq + Hash + Clone,
    V: Deserialize<'de> + Clone,
    S: BuildHasher + Clone + Default,
    A: Allocator + Clone + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[allow(clippy::type_complexity)] // a marker, never constructed with data
        struct MapVisitor<K, V, S, A>(PhantomData<fn() -> (K, V, S, A)>);

        impl<'de, K, V, S, A> Visitor<'de> for MapVisitor<K, V, S, A>
        where
            K: Deserialize<'de> + Eq + Hash + Clone,
            V: Deserialize<'de> + Clone,
            S: BuildHasher + Clone + Default,
            A: Allocator + Clone + Default,
        {
            type Value = SyncMap<K, V, S, A>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut access: M) -> Result<Self::Value, M::Error> {
                // The map is new and not yet shared: the batch's writer lock
                // is never contended. The length hint is not used: the
                // tables grow as entries come, with no capacity floor.
                let map = SyncMap::with_hasher_in(S::default(), A::default());
                map.write(|w| {
                    while let Some((k, v)) = access.next_entry()? {
                        w.insert(k, v);
                    }
                    Ok(())
                })?;
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}
