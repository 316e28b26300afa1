//! `serde` support for [`ArenaKeyMap`], behind the `serde` feature (an
//! [`ArenaMap`](crate::ArenaMap) has map-core's, as every `Map`): it
//! serializes as a map. [`StrMap`](crate::StrMap) keys are
//! strings and [`BytesMap`](crate::BytesMap) keys byte strings; each key is
//! read into one reused buffer and copied into the arena from there, so
//! deserializing allocates no key on its own.

use core::fmt;
use core::hash::BuildHasher;
use core::marker::PhantomData;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ArenaKey, ArenaKeyMap};

/// Room for at most this many entries is made up front from a length hint,
/// which comes from the input and is trusted only so far.
const MAX_HINT: usize = 4096;

/// How a kind of arena key is written and read.
trait KeyFormat: ArenaKey {
    /// Where a key is read before it is copied into the arena.
    type Buf: Default;
    fn as_key(buf: &Self::Buf) -> &Self;
    fn serialize_key<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error>;
    fn deserialize_key<'de, D: Deserializer<'de>>(
        deserializer: D,
        buf: &mut Self::Buf,
    ) -> Result<(), D::Error>;
}

impl KeyFormat for str {
    type Buf = String;

    fn as_key(buf: &String) -> &str {
        buf
    }

    fn serialize_key<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        serializer.serialize_str(self)
    }

    fn deserialize_key<'de, D: Deserializer<'de>>(
        deserializer: D,
        buf: &mut String,
    ) -> Result<(), D::Error> {
        struct StrVisitor<'b>(&'b mut String);

        impl Visitor<'_> for StrVisitor<'_> {
            type Value = ();

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
                self.0.clear();
                self.0.push_str(s);
                Ok(())
            }
        }

        deserializer.deserialize_str(StrVisitor(buf))
    }
}

impl KeyFormat for [u8] {
    type Buf = Vec<u8>;

    fn as_key(buf: &Vec<u8>) -> &[u8] {
        buf
    }

    fn serialize_key<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        serializer.serialize_bytes(self)
    }

    fn deserialize_key<'de, D: Deserializer<'de>>(
        deserializer: D,
        buf: &mut Vec<u8>,
    ) -> Result<(), D::Error> {
        struct BytesVisitor<'b>(&'b mut Vec<u8>);

        impl<'de> Visitor<'de> for BytesVisitor<'_> {
            type Value = ();

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte string key")
            }

            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<(), E> {
                self.0.clear();
                self.0.extend_from_slice(bytes);
                Ok(())
            }

            // Formats without byte strings write them as strings or as
            // sequences of numbers.
            fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
                self.visit_bytes(s.as_bytes())
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                self.0.clear();
                while let Some(byte) = seq.next_element::<u8>()? {
                    self.0.push(byte);
                }
                Ok(())
            }
        }

        deserializer.deserialize_bytes(BytesVisitor(buf))
    }
}

/// A key, written as its kind says.
struct KeyOut<'a, Q: ?Sized>(&'a Q);

impl<Q: ?Sized + KeyFormat> Serialize for KeyOut<'_, Q> {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        self.0.serialize_key(serializer)
    }
}

/// Reads a key into the reused buffer.
struct KeyIn<'b, Q: ?Sized + KeyFormat>(&'b mut Q::Buf);

impl<'de, Q: ?Sized + KeyFormat> DeserializeSeed<'de> for KeyIn<'_, Q> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        Q::deserialize_key(deserializer, self.0)
    }
}

fn serialize_keyed<Q, V, S, Ser>(
    map: &ArenaKeyMap<Q, V, S>,
    serializer: Ser,
) -> Result<Ser::Ok, Ser::Error>
where
    Q: ?Sized + KeyFormat,
    V: Serialize,
    Ser: Serializer,
{
    let mut out = serializer.serialize_map(Some(map.len()))?;
    for (k, v) in map {
        out.serialize_entry(&KeyOut(k), v)?;
    }
    out.end()
}

#[allow(clippy::type_complexity)] // a marker, never constructed with data
struct KeyedVisitor<Q: ?Sized, V, S>(PhantomData<fn() -> (Box<Q>, V, S)>);

impl<'de, Q, V, S> Visitor<'de> for KeyedVisitor<Q, V, S>
where
    Q: ?Sized + KeyFormat,
    V: Deserialize<'de>,
    S: BuildHasher + Clone + Default,
{
    type Value = ArenaKeyMap<Q, V, S>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut access: M) -> Result<Self::Value, M::Error> {
        let mut map = ArenaKeyMap::with_hasher(S::default());
        // Room for the hint, not capacity asked for: no floor. If the room
        // cannot be had now, the inserts report why.
        let hint = access.size_hint().unwrap_or(0).min(MAX_HINT);
        let _ = map.make_room(hint);
        let mut buf = Q::Buf::default();
        while access.next_key_seed(KeyIn::<Q>(&mut buf))?.is_some() {
            let value = access.next_value()?;
            map.try_insert(Q::as_key(&buf), value)
                .map_err(|refused| de::Error::custom(refused.error()))?;
        }
        Ok(map)
    }
}

macro_rules! keyed_serde {
    ($key:ty) => {
        impl<V: Serialize, S> Serialize for ArenaKeyMap<$key, V, S> {
            fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
                serialize_keyed(self, serializer)
            }
        }

        impl<'de, V, S> Deserialize<'de> for ArenaKeyMap<$key, V, S>
        where
            V: Deserialize<'de>,
            S: BuildHasher + Clone + Default,
        {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_map(KeyedVisitor::<$key, V, S>(PhantomData))
            }
        }
    };
}

keyed_serde!(str);
keyed_serde!([u8]);
