//! What a shrink that may run from `remove` costs a loop of removals that
//! never shrinks: the same loop over a `hashbrown::HashTable` of `u64`
//! pairs, with a check of the entry count against a threshold that is never
//! reached, and four ways to call the shrink it would start. Rounds
//! alternate the order of the variants; each line is the median over the
//! rounds of the ratio to the loop without a check.
//!
//! ```sh
//! cargo run --release -p map-core --example removal_call [entries] [rounds]
//! ```
//!
//! The loop is bound by cache misses, so its time follows how many removals
//! the core keeps in flight, which follows how many instructions each one
//! takes. A call that receives the table's address (or the table itself)
//! makes the compiler reload the table's fields at every removal; a call
//! that receives and returns plain values does not.

use std::hash::BuildHasher;
use std::hint::black_box;
use std::time::Instant;

use hashbrown::HashTable;
use map_core::DefaultHashBuilder;

type Table = HashTable<(u64, u64)>;

struct Map {
    table: Table,
    /// A removal that leaves this many entries or fewer would shrink.
    shrink_at: usize,
    hasher: DefaultHashBuilder,
}

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    NoCheck,
    CallWithValues,
    CallWithAddress,
    TableMovedOut,
}

const VARIANTS: [(Variant, &str); 4] = [
    (Variant::NoCheck, "no check"),
    (Variant::CallWithValues, "check, call given values"),
    (
        Variant::CallWithAddress,
        "check, call given the map's address",
    ),
    (Variant::TableMovedOut, "check, table moved out and back"),
];

#[cold]
#[inline(never)]
fn shrink_with_values(len: usize, shrink_at: usize) -> usize {
    black_box(len);
    black_box(shrink_at)
}

#[cold]
#[inline(never)]
fn shrink_with_address(map: &mut Map) {
    map.shrink_at = black_box(map.shrink_at);
}

#[cold]
#[inline(never)]
fn shrink_moved(table: Table) -> Table {
    black_box(table)
}

impl Map {
    #[inline(always)]
    fn remove<const V: u8>(&mut self, key: u64) -> Option<u64> {
        let hash = self.hasher.hash_one(key);
        if V != Variant::NoCheck as u8 && self.table.len().wrapping_sub(1) <= self.shrink_at {
            if V == Variant::CallWithValues as u8 {
                self.shrink_at = shrink_with_values(self.table.len(), self.shrink_at);
            } else if V == Variant::CallWithAddress as u8 {
                shrink_with_address(self);
            } else {
                self.table = shrink_moved(std::mem::take(&mut self.table));
            }
        }
        match self.table.find_entry(hash, |e| e.0 == key) {
            Ok(entry) => Some(entry.remove().0 .1),
            Err(_) => None,
        }
    }
}

#[inline(never)]
fn remove_all<const V: u8>(map: &mut Map, keys: &[u64]) -> usize {
    let mut removed = 0;
    for &key in keys {
        if let Some(value) = map.remove::<V>(key) {
            black_box(value);
            removed += 1;
        }
    }
    removed
}

fn timed(variant: Variant, keys: &[u64], hasher: &DefaultHashBuilder) -> f64 {
    let mut map = Map {
        table: HashTable::new(),
        // The last removal would shrink; the loop stops before it.
        shrink_at: 0,
        hasher: hasher.clone(),
    };
    for &key in keys {
        let hash = hasher.hash_one(key);
        map.table
            .insert_unique(hash, (key, key), |e| hasher.hash_one(e.0));
    }
    let keys = &keys[..keys.len() - 1];
    let start = Instant::now();
    let removed = match variant {
        Variant::NoCheck => remove_all::<{ Variant::NoCheck as u8 }>(&mut map, keys),
        Variant::CallWithValues => remove_all::<{ Variant::CallWithValues as u8 }>(&mut map, keys),
        Variant::CallWithAddress => {
            remove_all::<{ Variant::CallWithAddress as u8 }>(&mut map, keys)
        }
        Variant::TableMovedOut => remove_all::<{ Variant::TableMovedOut as u8 }>(&mut map, keys),
    };
    let time = start.elapsed().as_secs_f64();
    assert_eq!(removed, keys.len());
    time
}

fn main() {
    let mut args = std::env::args().skip(1);
    let entries: usize = args
        .next()
        .map_or(1_000_000, |a| a.parse().expect("entries"));
    let rounds: usize = args.next().map_or(11, |a| a.parse().expect("rounds"));
    assert!(
        entries >= 2 && rounds >= 1,
        "at least 2 entries and 1 round"
    );
    // Distinct keys in a scrambled order (xorshift).
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let keys: Vec<u64> = (0..entries)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect();
    let hasher = DefaultHashBuilder::default();
    let mut ratios = vec![Vec::new(); VARIANTS.len()];
    for round in 0..rounds {
        let mut times = [0.0; VARIANTS.len()];
        let order: Vec<usize> = if round % 2 == 0 {
            (0..VARIANTS.len()).collect()
        } else {
            (0..VARIANTS.len()).rev().collect()
        };
        for i in order {
            times[i] = timed(VARIANTS[i].0, &keys, &hasher);
        }
        for (i, time) in times.iter().enumerate() {
            ratios[i].push(time / times[0]);
        }
    }
    println!("{entries} removals, {rounds} rounds: median ratio to the loop without a check");
    for ((_, name), mut r) in VARIANTS.iter().zip(ratios) {
        r.sort_by(f64::total_cmp);
        println!("  {name:38} {:.3}x", r[r.len() / 2]);
    }
}
