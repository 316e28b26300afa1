//! The longest single insert and remove while a map grows to `entries`
//! and is emptied again, beside hashbrown (each run twice, keeping the
//! element-wise minimum, so preemption does not count):
//! `cargo run --release -p split-map --example longest_op -- [entries]`.

use std::time::Instant;

use hashbrown::{DefaultHashBuilder, HashMap};
use split_map::SplitMap;

fn run(n: u64, mut insert: impl FnMut(u64), mut remove: impl FnMut(u64)) -> (Vec<u32>, Vec<u32>) {
    let mut ins = Vec::with_capacity(n as usize);
    let mut rem = Vec::with_capacity(n as usize);
    for k in 0..n {
        let t = Instant::now();
        insert(k);
        ins.push(t.elapsed().as_nanos() as u32);
    }
    for k in 0..n {
        let t = Instant::now();
        remove(k);
        rem.push(t.elapsed().as_nanos() as u32);
    }
    (ins, rem)
}

fn min_max(a: &[u32], b: &[u32]) -> (f64, usize) {
    let (i, m) = a
        .iter()
        .zip(b)
        .map(|(x, y)| *x.min(y))
        .enumerate()
        .max_by_key(|&(_, v)| v)
        .unwrap_or((0, 0));
    (m as f64 / 1e6, i)
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map_or(1_000_000, |a| a.parse().unwrap());
    let hasher = DefaultHashBuilder::default();
    let twice = |make: &dyn Fn() -> Box<dyn FnMut(u64, bool)>| {
        let mut runs = Vec::new();
        for _ in 0..2 {
            let f = std::cell::RefCell::new(make());
            runs.push(run(
                n,
                |k| (f.borrow_mut())(k, true),
                |k| (f.borrow_mut())(k, false),
            ));
        }
        let (a, b) = (&runs[0], &runs[1]);
        (min_max(&a.0, &b.0), min_max(&a.1, &b.1))
    };
    let h = hasher.clone();
    let hb = twice(&|| {
        let mut m: HashMap<u64, u64, _> = HashMap::with_hasher(h.clone());
        Box::new(move |k, ins| {
            if ins {
                m.insert(k, k);
            } else {
                m.remove(&k);
            }
        })
    });
    let h = hasher.clone();
    let sm = twice(&|| {
        let mut m: SplitMap<u64, u64, _> = SplitMap::with_hasher(h.clone());
        Box::new(move |k, ins| {
            if ins {
                m.insert(k, k);
            } else {
                m.remove(&k);
            }
        })
    });
    println!("{n} entries: longest insert / remove in ms (op index)");
    println!(
        "hashbrown  {:8.3} ({})  {:8.3} ({})",
        hb.0 .0, hb.0 .1, hb.1 .0, hb.1 .1
    );
    println!(
        "split-map  {:8.3} ({})  {:8.3} ({})",
        sm.0 .0, sm.0 .1, sm.1 .0, sm.1 .1
    );
}
