//! `bench-suite string-keys`: arena-map's `StrMap<u64>` (keys copied into
//! its arena) beside `hashbrown::HashMap<String, u64>` (one heap allocation
//! per key): build time, drop time, allocator calls and bytes held.
//!
//! The keys (`user:` and 8 digits) are formatted beforehand, so the figures
//! are what each map does to own its keys: `StrMap` copies the bytes into
//! its arena with `insert_str`, hashbrown needs a `String` per key. The two
//! maps take turns within each round in rotating order, so each builds as
//! often first, on a heap the other has just freed, as second; printed are
//! the median times, the median of the per-round ratios to hashbrown with
//! their range ([`crate::stats`]), and the allocator calls and bytes held
//! counted by the global counting allocator during the build.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use arena_map::StrMap;
use map_conformance::alloc::Counter;

use crate::stats;

/// The sizes and rounds of one run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Keys per map.
    pub keys: usize,
    /// Rounds.
    pub rounds: usize,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            keys: 1_000_000,
            rounds: 7,
        }
    }
}

const MAPS: [&str; 2] = ["hashbrown::HashMap<String, u64>", "arena_map::StrMap<u64>"];

/// One build's figures.
#[derive(Debug, Clone, Copy)]
struct Build {
    build_ms: f64,
    drop_ms: f64,
    calls: f64,
    bytes: f64,
}

fn time<M>(build: impl FnOnce() -> M, len: impl Fn(&M) -> usize, keys: usize) -> Build {
    let counter = Counter::start();
    let start = Instant::now();
    let map = build();
    let build_ms = start.elapsed().as_secs_f64() * 1e3;
    let (calls, bytes) = (counter.calls(), counter.live_bytes());
    assert_eq!(len(&map), keys, "every key is in the map");
    let start = Instant::now();
    drop(black_box(map));
    Build {
        build_ms,
        drop_ms: start.elapsed().as_secs_f64() * 1e3,
        calls: calls as f64,
        bytes: bytes as f64,
    }
}

fn build_one(which: usize, keys: &[String]) -> Build {
    if which == 0 {
        time(
            || {
                let mut map: hashbrown::HashMap<String, u64> = hashbrown::HashMap::new();
                for (i, key) in keys.iter().enumerate() {
                    map.insert(key.clone(), i as u64);
                }
                map
            },
            hashbrown::HashMap::len,
            keys.len(),
        )
    } else {
        time(
            || {
                let mut map: StrMap<u64> = StrMap::new();
                for (i, key) in keys.iter().enumerate() {
                    map.insert_str(key, i as u64);
                }
                map
            },
            StrMap::len,
            keys.len(),
        )
    }
}

/// Runs the plan, reporting each round through `progress`; returns the
/// printed summary.
pub fn run(plan: Plan, mut progress: impl FnMut(&str)) -> String {
    let keys: Vec<String> = (0..plan.keys).map(|i| format!("user:{i:08}")).collect();
    let mut builds: [Vec<Build>; 2] = Default::default();
    for round in 0..plan.rounds {
        for turn in stats::rotation(round, 2) {
            builds[turn].push(build_one(turn, &keys));
        }
        progress(&format!("round {}/{} done", round + 1, plan.rounds));
    }
    let column = |f: fn(&Build) -> f64| -> [Vec<f64>; 2] {
        [
            builds[0].iter().map(f).collect(),
            builds[1].iter().map(f).collect(),
        ]
    };
    let build = column(|b| b.build_ms);
    let dropped = column(|b| b.drop_ms);
    let calls = column(|b| b.calls);
    let bytes = column(|b| b.bytes);

    let mut out = String::new();
    let _ = writeln!(
        out,
        "string-keys: {} string keys (`user:` and 8 digits, formatted beforehand), {} rounds \
         interleaved in one process; median ms, and the median of the per-round ratios to \
         hashbrown (min-max over the rounds; below 1 is faster)",
        plan.keys, plan.rounds
    );
    let mut noisy = Vec::new();
    for (what, samples) in [("build", &build), ("drop", &dropped)] {
        let _ = writeln!(out);
        let rows: Vec<(&str, &[f64])> = MAPS
            .iter()
            .zip(samples)
            .map(|(n, s)| (*n, &s[..]))
            .collect();
        stats::write_comparison(
            &mut out,
            what,
            [what, "ms", "ratio to hashbrown"],
            1,
            &rows,
            &mut noisy,
        );
    }
    let _ = writeln!(out);
    let rows: Vec<Vec<String>> = MAPS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            vec![
                name.to_string(),
                format!("{:.0}", stats::median(&calls[i])),
                format!("{:.0}", stats::median(&bytes[i])),
            ]
        })
        .collect();
    crate::render::table(
        &mut out,
        &["map", "allocator calls to build", "bytes held when built"],
        &rows,
        crate::render::Format::Text,
    );
    let ratio = stats::Spread::of_ratios(&build[1], &build[0]).median;
    let _ = writeln!(
        out,
        "StrMap builds in {ratio:.2}x hashbrown's time (the median of the per-round ratios) \
         with {:.0}x fewer allocator calls",
        stats::median(&calls[0]) / stats::median(&calls[1]).max(1.0)
    );
    stats::write_noise_warning(&mut out, &noisy);
    out
}
