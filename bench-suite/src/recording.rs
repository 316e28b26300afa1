//! [`RecordingMap`]: wraps a map and writes every operation to a trace, so
//! `bench-suite trace FILE` can replay a real program's workload on every
//! variant.

use std::fmt::{Display, Write as _};
use std::hash::Hash;
use std::io::{self, Write};
use std::marker::PhantomData;

use map_core::{Equivalent, ReclaimMap};

/// How many value bytes an entry's value stands for in a trace
/// (`value_bytes`); the replay stores a `Vec<u8>` of that length.
pub trait ValueBytes {
    /// The size to record.
    fn value_bytes(&self) -> usize;
}

impl ValueBytes for Vec<u8> {
    fn value_bytes(&self) -> usize {
        self.len()
    }
}

impl ValueBytes for String {
    fn value_bytes(&self) -> usize {
        self.len()
    }
}

impl ValueBytes for Box<[u8]> {
    fn value_bytes(&self) -> usize {
        self.len()
    }
}

impl<const N: usize> ValueBytes for [u8; N] {
    fn value_bytes(&self) -> usize {
        N
    }
}

macro_rules! value_bytes_by_size {
    ($($t:ty),*) => {$(
        impl ValueBytes for $t {
            fn value_bytes(&self) -> usize {
                core::mem::size_of::<$t>()
            }
        }
    )*};
}
value_bytes_by_size!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, bool, char);

/// A map that writes each `insert`, `get`, `contains_key`, `remove` and
/// `clear` to `out` as a trace line (`op,key,value_bytes`), the format
/// `bench-suite trace` replays.
///
/// Keys are written with their `Display`; a `,`, `%`, carriage return or
/// newline in a key is written as `%2C`, `%25`, `%0D` or `%0A`, so distinct
/// keys stay distinct in the trace. Values are recorded by size only
/// ([`ValueBytes`], or any function given to
/// [`with_value_size`](RecordingMap::with_value_size)).
///
/// Writing never interrupts the map: the first write error is kept, later
/// operations are not written, and [`finish`](RecordingMap::finish) returns
/// the error. Wrap a file in a `BufWriter`.
///
/// ```
/// use bench_suite::recording::RecordingMap;
/// use map_core::HashMap;
///
/// let mut map = RecordingMap::new(HashMap::<String, Vec<u8>>::new(), Vec::new());
/// map.insert("user:1".to_string(), vec![0; 64]);
/// assert!(map.get("user:1").is_some());
/// map.remove("user:1");
/// map.clear();
/// let (inner, trace) = map.finish().unwrap();
/// assert!(inner.is_empty());
/// assert_eq!(
///     String::from_utf8(trace).unwrap(),
///     "op,key,value_bytes\ninsert,user:1,64\nget,user:1,0\nremove,user:1,0\nclear,,0\n"
/// );
/// // And it replays:
/// # let text = "op,key,value_bytes\ninsert,user:1,64\nget,user:1,0\nremove,user:1,0\nclear,,0\n";
/// assert_eq!(bench_suite::trace::parse(text.as_bytes()).unwrap().ops.len(), 4);
/// ```
pub struct RecordingMap<M, W, K, V> {
    map: M,
    key: PhantomData<fn(K)>,
    out: W,
    size: fn(&V) -> usize,
    line: String,
    error: Option<io::Error>,
    recorded: u64,
}

impl<M, W: Write, K, V: ValueBytes> RecordingMap<M, W, K, V> {
    /// Wraps `map`, writing the trace header to `out` first.
    pub fn new(map: M, out: W) -> Self {
        Self::with_value_size(map, out, V::value_bytes)
    }
}

impl<M, W: Write, K, V> RecordingMap<M, W, K, V> {
    /// Wraps `map`, recording each inserted value as `size(&value)` bytes.
    pub fn with_value_size(map: M, mut out: W, size: fn(&V) -> usize) -> Self {
        let error = writeln!(out, "{}", crate::trace::HEADER).err();
        Self {
            map,
            key: PhantomData,
            out,
            size,
            line: String::new(),
            error,
            recorded: 0,
        }
    }

    /// The wrapped map, for reading (`len`, `memory`, ...); operations made
    /// through it are not recorded.
    pub fn inner(&self) -> &M {
        &self.map
    }

    /// Operations written so far.
    pub fn recorded(&self) -> u64 {
        self.recorded
    }

    /// Flushes the trace; hands back the map and the writer, or the first
    /// write error.
    pub fn finish(mut self) -> io::Result<(M, W)> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok((self.map, self.out))
    }

    fn record(&mut self, op: &str, key: Option<&dyn Display>, size: usize) {
        if self.error.is_some() {
            return;
        }
        self.line.clear();
        self.line.push_str(op);
        self.line.push(',');
        if let Some(key) = key {
            let start = self.line.len();
            let _ = write!(self.line, "{key}");
            let escaped = escape(&self.line[start..]);
            if let Some(escaped) = escaped {
                self.line.truncate(start);
                self.line.push_str(&escaped);
            }
        }
        let _ = writeln!(self.line, ",{size}");
        match self.out.write_all(self.line.as_bytes()) {
            Ok(()) => self.recorded += 1,
            Err(e) => self.error = Some(e),
        }
    }
}

/// The key text with `,`, `%`, CR and LF escaped, or `None` if it has none.
fn escape(text: &str) -> Option<String> {
    if !text.contains([',', '%', '\r', '\n']) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            ',' => out.push_str("%2C"),
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    Some(out)
}

impl<K, V, M, W> RecordingMap<M, W, K, V>
where
    K: Hash + Eq + Display,
    M: ReclaimMap<K, V>,
    W: Write,
{
    /// Inserts through the wrapped map; records `insert`.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let size = (self.size)(&value);
        self.record("insert", Some(&key), size);
        self.map.insert(key, value)
    }

    /// Looks up through the wrapped map; records `get`.
    pub fn get<Q>(&mut self, key: &Q) -> Option<M::Ref<'_>>
    where
        Q: ?Sized + Hash + Equivalent<K> + Display,
    {
        self.record("get", Some(&key), 0);
        self.map.get(key)
    }

    /// Tests presence through the wrapped map; records `get`.
    pub fn contains_key<Q>(&mut self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K> + Display,
    {
        self.record("get", Some(&key), 0);
        self.map.contains_key(key)
    }

    /// Removes through the wrapped map; records `remove`.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K> + Display,
    {
        self.record("remove", Some(&key), 0);
        self.map.remove(key)
    }

    /// Clears the wrapped map; records `clear`.
    pub fn clear(&mut self) {
        self.record("clear", None, 0);
        self.map.clear();
    }

    /// Entries in the wrapped map.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the wrapped map is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl<M, W, K, V> std::fmt::Debug for RecordingMap<M, W, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingMap")
            .field("recorded", &self.recorded)
            .field("failed", &self.error.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_with_separators_stay_distinct_and_parse() {
        let mut map = RecordingMap::new(map_core::HashMap::<String, u64>::new(), Vec::new());
        map.insert("a,b".into(), 1);
        map.insert("a%2Cb".into(), 2);
        map.insert("line\nbreak".into(), 3);
        let (_, out) = map.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        let trace = crate::trace::parse(text.as_bytes()).unwrap();
        let keys: Vec<_> = trace
            .ops
            .iter()
            .map(|op| match op {
                crate::trace::Op::Insert(k, 8) => k.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(keys, ["a%2Cb", "a%252Cb", "line%0Abreak"]);
    }

    #[test]
    fn write_errors_are_kept_not_raised() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut map = RecordingMap::new(map_core::HashMap::<u64, u64>::new(), Full);
        map.insert(1, 1);
        assert_eq!(map.len(), 1);
        assert!(map.finish().is_err());
    }
}
