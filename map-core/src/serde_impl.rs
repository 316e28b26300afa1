//! `serde` support for [`Map`] (every map of the workspace, as a map),
//! [`HashSet`](crate::HashSet) (as a sequence),
//! [`ReclaimPolicy`](crate::ReclaimPolicy) and
//! [`MemoryStats`](crate::MemoryStats), behind the `serde` feature.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use allocator_api2::alloc::Allocator;
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::toolkit::{Map, Store};
use crate::{HashSet, MemoryStats, ReclaimPolicy};

impl<K: Serialize, V: Serialize, S, St: Store<K, V>> Serialize for Map<K, V, S, St> {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, K, V, S, St> Deserialize<'de> for Map<K, V, S, St>
where
    K: Deserialize<'de> + Eq + Hash,
    V: Deserialize<'de>,
    S: BuildHasher + Default,
    St: Store<K, V>,
    St::Alloc: Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[allow(clippy::type_complexity)] // a marker, never constructed with data
        struct MapVisitor<K, V, S, St>(PhantomData<fn() -> (K, V, S, St)>);

        impl<'de, K, V, S, St> Visitor<'de> for MapVisitor<K, V, S, St>
        where
            K: Deserialize<'de> + Eq + Hash,
            V: Deserialize<'de>,
            S: BuildHasher + Default,
            St: Store<K, V>,
            St::Alloc: Default,
        {
            type Value = Map<K, V, S, St>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut access: M) -> Result<Self::Value, M::Error> {
                // Trust the length hint only so far: it comes from the input,
                // and it sets no capacity floor.
                let hint = access.size_hint().unwrap_or(0).min(4096);
                let mut map = Map::with_hasher_in(S::default(), St::Alloc::default());
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

#[derive(Serialize, Deserialize)]
#[serde(rename = "ReclaimPolicy", default, deny_unknown_fields)]
struct PolicySettings {
    automatic: bool,
    shrink_ratio: f64,
    headroom: f64,
    // Absent: follows `shrink_ratio`, as in the builder.
    drain_ratio: Option<f64>,
    garbage_ratio: f64,
    min_capacity: usize,
    clear_keep_bytes: usize,
}

impl From<&ReclaimPolicy> for PolicySettings {
    fn from(p: &ReclaimPolicy) -> Self {
        Self {
            automatic: p.is_automatic(),
            shrink_ratio: p.shrink_ratio(),
            headroom: p.headroom(),
            drain_ratio: Some(p.drain_ratio()),
            garbage_ratio: p.garbage_ratio(),
            min_capacity: p.min_capacity(),
            clear_keep_bytes: p.clear_keep_bytes(),
        }
    }
}

impl Default for PolicySettings {
    fn default() -> Self {
        let mut settings = Self::from(&ReclaimPolicy::automatic());
        settings.drain_ratio = None;
        settings
    }
}

impl Serialize for ReclaimPolicy {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        PolicySettings::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ReclaimPolicy {
    /// Checks the settings as [`PolicyBuilder::build`](crate::PolicyBuilder::build)
    /// does: a policy the builder refuses is an error naming the setting.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = PolicySettings::deserialize(deserializer)?;
        let mut builder = ReclaimPolicy::builder()
            .automatic(s.automatic)
            .shrink_ratio(s.shrink_ratio)
            .headroom(s.headroom);
        if let Some(ratio) = s.drain_ratio {
            builder = builder.drain_ratio(ratio);
        }
        builder
            .garbage_ratio(s.garbage_ratio)
            .min_capacity(s.min_capacity)
            .clear_keep_bytes(s.clear_keep_bytes)
            .build()
            .map_err(serde::de::Error::custom)
    }
}

/// The figures of a [`MemoryStats`], as they appear serialized.
#[derive(Serialize, Deserialize)]
#[serde(rename = "MemoryStats")]
struct StatsFields {
    allocated_bytes: usize,
    peak_bytes: usize,
    reclaimed_bytes: usize,
    reclaims: usize,
}

impl Serialize for MemoryStats {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let MemoryStats {
            allocated_bytes,
            peak_bytes,
            reclaimed_bytes,
            reclaims,
        } = *self;
        StatsFields {
            allocated_bytes,
            peak_bytes,
            reclaimed_bytes,
            reclaims,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for MemoryStats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let StatsFields {
            allocated_bytes,
            peak_bytes,
            reclaimed_bytes,
            reclaims,
        } = StatsFields::deserialize(deserializer)?;
        Ok(MemoryStats {
            allocated_bytes,
            peak_bytes,
            reclaimed_bytes,
            reclaims,
        })
    }
}

impl<T: Serialize, S, A: Allocator + Clone> Serialize for HashSet<T, S, A> {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for value in self {
            seq.serialize_element(value)?;
        }
        seq.end()
    }
}

impl<'de, T, S, A> Deserialize<'de> for HashSet<T, S, A>
where
    T: Deserialize<'de> + Eq + Hash,
    S: BuildHasher + Default,
    A: Allocator + Clone + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[allow(clippy::type_complexity)] // a marker, never constructed with data
        struct SetVisitor<T, S, A>(PhantomData<fn() -> (T, S, A)>);

        impl<'de, T, S, A> Visitor<'de> for SetVisitor<T, S, A>
        where
            T: Deserialize<'de> + Eq + Hash,
            S: BuildHasher + Default,
            A: Allocator + Clone + Default,
        {
            type Value = HashSet<T, S, A>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }

            fn visit_seq<Q: SeqAccess<'de>>(self, mut access: Q) -> Result<Self::Value, Q::Error> {
                // As for the map: the hint comes from the input, and is room
                // for a size hint, not a capacity floor.
                let hint = access.size_hint().unwrap_or(0).min(4096);
                let mut set = HashSet::with_hasher_in(S::default(), A::default());
                set.map.reserve_without_floor(hint);
                while let Some(value) = access.next_element()? {
                    set.insert(value);
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(SetVisitor(PhantomData))
    }
}
