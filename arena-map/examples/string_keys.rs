//! Builds a map of 1,000,000 string keys two ways, side by side: a
//! `StrMap` (keys copied into the arena) and a `hashbrown::HashMap<String,
//! u64>` (one heap allocation per key). Prints build time and allocator
//! calls of each, and their ratios.
//!
//! ```text
//! cargo run --release -p arena-map --example string_keys
//! ```
//!
//! The keys are formatted beforehand, so the figures are what each map does
//! to own its keys: `StrMap` copies the bytes into its arena, hashbrown
//! needs a `String` per key. Every build runs in a fresh process (so that
//! neither inherits the other's heap), the two alternate, and the fastest
//! of `ROUNDS` builds of each counts. The counting global allocator is
//! installed for both.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use arena_map::StrMap;
use map_conformance::alloc::Counter;

map_conformance::install_counting_allocator!();

const KEYS: u64 = 1_000_000;
const ROUNDS: usize = 7;

/// One build's figures: build ms, drop ms, allocator calls, bytes held.
#[derive(Clone, Copy, Debug)]
struct Figures {
    build_ms: f64,
    drop_ms: f64,
    calls: u64,
    bytes: isize,
}

/// Builds one map in this process and prints its figures on one line.
fn run_one(which: &str) {
    let keys: Vec<String> = (0..KEYS).map(|i| format!("user:{i:08}")).collect();
    let figures = match which {
        "arena" => time(
            || {
                let mut map: StrMap<u64> = StrMap::new();
                for (i, key) in keys.iter().enumerate() {
                    map.insert_str(key, i as u64);
                }
                map
            },
            StrMap::len,
        ),
        "heap" => time(
            || {
                let mut map: hashbrown::HashMap<String, u64> = hashbrown::HashMap::new();
                for (i, key) in keys.iter().enumerate() {
                    map.insert(key.clone(), i as u64);
                }
                map
            },
            hashbrown::HashMap::len,
        ),
        other => panic!("unknown map {other:?}"),
    };
    println!(
        "{} {} {} {}",
        figures.build_ms, figures.drop_ms, figures.calls, figures.bytes
    );
}

fn time<M>(build: impl FnOnce() -> M, len: impl Fn(&M) -> usize) -> Figures {
    let counter = Counter::start();
    let start = Instant::now();
    let map = build();
    let build_ms = start.elapsed().as_secs_f64() * 1e3;
    let (calls, bytes) = (counter.calls(), counter.live_bytes());
    assert_eq!(len(&map) as u64, KEYS);
    let start = Instant::now();
    drop(black_box(map));
    Figures {
        build_ms,
        drop_ms: start.elapsed().as_secs_f64() * 1e3,
        calls,
        bytes,
    }
}

fn spawn(which: &str) -> Figures {
    let exe = std::env::current_exe().expect("path of this example");
    let out = Command::new(exe)
        .arg(which)
        .output()
        .expect("run a build in a child process");
    assert!(out.status.success(), "{which} build failed");
    let line = String::from_utf8(out.stdout).expect("figures are text");
    let f: Vec<&str> = line.split_whitespace().collect();
    Figures {
        build_ms: f[0].parse().expect("build ms"),
        drop_ms: f[1].parse().expect("drop ms"),
        calls: f[2].parse().expect("calls"),
        bytes: f[3].parse().expect("bytes"),
    }
}

fn main() {
    if let Some(which) = std::env::args().nth(1) {
        return run_one(&which);
    }
    let fastest = |a: Option<Figures>, b: Figures| match a {
        Some(a) if a.build_ms <= b.build_ms => Some(a),
        _ => Some(b),
    };
    let (mut arena, mut heap) = (None, None);
    for _ in 0..ROUNDS {
        arena = fastest(arena, spawn("arena"));
        heap = fastest(heap, spawn("heap"));
    }
    let (arena, heap) = (arena.expect("rounds ran"), heap.expect("rounds ran"));

    println!("{KEYS} string keys, fastest of {ROUNDS} builds each, one process per build");
    println!(
        "{:<34} {:>10} {:>9} {:>12} {:>14}",
        "map", "build ms", "drop ms", "alloc calls", "bytes held"
    );
    for (name, f) in [
        ("arena_map::StrMap<u64>", arena),
        ("hashbrown::HashMap<String, u64>", heap),
    ] {
        println!(
            "{:<34} {:>10.1} {:>9.1} {:>12} {:>14}",
            name, f.build_ms, f.drop_ms, f.calls, f.bytes
        );
    }
    println!(
        "StrMap builds {:.2}x faster with {:.0}x fewer allocator calls",
        heap.build_ms / arena.build_ms,
        heap.calls as f64 / arena.calls.max(1) as f64
    );
}
