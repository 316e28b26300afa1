//! `Serialize` and `Deserialize` for [`SplitMap`], as a map.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use allocator_api2::alloc::Allocator;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::SplitMap;

impl<K, V, S, A> Serialize for SplitMap<K, V, S, A>
where
    K: Serialize,
    V: Serialize,
    A: Allocator + Clone,
{
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, K, V, S, A> Deserialize<'de> for SplitMap<K, V, S, A>
where
    K: Deserialize<'de> + Eq + Hash,
    V: Deserialize<'de>,
    S: BuildHasher + Default,
    A: Allocator + Clone + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        type Marker<K, V, S, A> = PhantomData<fn() -> (K, V, S, A)>;
        struct MapVisitor<K, V, S, A>(Marker<K, V, S, A>);

        impl<'de, K, V, S, A> Visitor<'de> for MapVisitor<K, V, S, A>
        where
            K: Deserialize<'de> + Eq + Hash,
            V: Deserialize<'de>,
            S: BuildHasher + Default,
            A: Allocator + Clone + Default,
        {
            type Value = SplitMap<K, V, S, A>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut access: M) -> Result<Self::Value, M::Error> {
                let mut map = SplitMap::with_hasher_in(S::default(), A::default());
                // The input's hint is trusted only so far, and sets no floor.
                let hint = access.size_hint().unwrap_or(0).min(4096);
                let _ = map.try_reserve(hint);
                map.reclaimer.set_floor(0);
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}
