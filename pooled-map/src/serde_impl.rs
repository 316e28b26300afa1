//! `serde` support for [`PooledMap`], behind the `serde` feature: a map of
//! key to value. Handles are not part of it: a deserialized map's entries
//! get new handles, and no handle of the serialized map finds them.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use map_core::Allocator;

use crate::PooledMap;

impl<K: Serialize, V: Serialize, S, A: Allocator + Clone> Serialize for PooledMap<K, V, S, A> {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, K, V, S, A> Deserialize<'de> for PooledMap<K, V, S, A>
where
    K: Deserialize<'de> + Eq + Hash,
    V: Deserialize<'de>,
    S: BuildHasher + Default,
    A: Allocator + Clone + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[allow(clippy::type_complexity)] // a marker, never constructed with data
        struct MapVisitor<K, V, S, A>(PhantomData<fn() -> (K, V, S, A)>);

        impl<'de, K, V, S, A> Visitor<'de> for MapVisitor<K, V, S, A>
        where
            K: Deserialize<'de> + Eq + Hash,
            V: Deserialize<'de>,
            S: BuildHasher + Default,
            A: Allocator + Clone + Default,
        {
            type Value = PooledMap<K, V, S, A>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut access: M) -> Result<Self::Value, M::Error> {
                // Trust the length hint only so far: it comes from the input.
                let hint = access.size_hint().unwrap_or(0).min(4096);
                let mut map = PooledMap::with_hasher_in(S::default(), A::default());
                map.reserve_without_floor(hint);
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}
