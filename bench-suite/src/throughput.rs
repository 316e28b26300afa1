//! `bench-suite throughput`: every map of the registry's timed list but the
//! concurrent peers (the workspace's variants through `ReclaimMap`,
//! hashbrown and std by their own methods) timed on the same workloads, interleaved round by round in one process, with the
//! median of each round's ratio to hashbrown and its spread. On a shared,
//! noisy machine ratios taken side by side in one run are what can be
//! compared; a row whose per-round ratios spread by more than
//! [`NOISY_SPREAD`] gets a warning. The median and spread are [`crate::stats`]'s.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use map_conformance::alloc::Counter;
use serde::{Deserialize, Serialize};

pub use crate::stats::NOISY_SPREAD;
use crate::stats::{self, median, Spread};
use crate::workloads::{self, BenchMap, BenchValue, Via};

/// The operations timed. `remove` times the removal loop alone;
/// `remove+drop` adds dropping the emptied map, where a map that does not
/// shrink frees its table; `clear-refill` is `clear()` then a refill of the
/// same keys, [`REFILL_ENTRIES`] entries at a time.
pub const OPS: [&str; 7] = [
    "insert",
    "get-hit",
    "get-miss",
    "remove",
    "remove+drop",
    "churn",
    "clear-refill",
];

/// The map every ratio is to (listed first).
pub const REFERENCE: &str = "hashbrown";

/// The value types the tool can store (`--value`).
pub const VALUES: [&str; 3] = ["u64", "string", "bytes128"];

/// Entries per clear-and-refill round: a map reused for small batches, the
/// common idiom the round measures.
pub const REFILL_ENTRIES: usize = 1_000;

/// One map's figures for one round: seconds per op, and the allocator calls
/// per clear-and-refill round.
#[derive(Debug, Serialize, Deserialize)]
pub struct Round {
    secs: [f64; OPS.len()],
    refill_calls: f64,
}

fn time_map<V: BenchValue, M: BenchMap<u64, V>>(
    make: impl Fn() -> M,
    hits: &[u64],
    misses: &[u64],
    fresh: &[u64],
    refill_rounds: usize,
) -> Round {
    let n = hits.len();
    let mut secs = [0.0; OPS.len()];
    let start = Instant::now();
    let mut map = make();
    workloads::insert_all::<V, M>(&mut map, hits);
    secs[0] = start.elapsed().as_secs_f64();

    let start = Instant::now();
    assert_eq!(black_box(workloads::get_all(&map, hits)), n);
    secs[1] = start.elapsed().as_secs_f64();

    let start = Instant::now();
    assert_eq!(black_box(workloads::get_all(&map, misses)), 0);
    secs[2] = start.elapsed().as_secs_f64();

    // A second map with the same contents, built untimed, for the removals.
    let mut copy = make();
    workloads::insert_all::<V, M>(&mut copy, hits);
    let start = Instant::now();
    assert_eq!(black_box(workloads::remove_all(&mut copy, hits)), n);
    secs[3] = start.elapsed().as_secs_f64();
    drop(black_box(copy));
    secs[4] = start.elapsed().as_secs_f64();

    // Churn: the filled map takes `n` new keys, each followed by removing the oldest.
    let keys: Vec<u64> = hits.iter().chain(fresh).copied().collect();
    let start = Instant::now();
    workloads::churn::<V, M>(&mut map, &keys, n);
    secs[5] = start.elapsed().as_secs_f64();
    drop(black_box(map));

    // Clear and refill: a map already filled once, then `refill_rounds` rounds.
    let batch = &hits[..n.min(REFILL_ENTRIES)];
    let mut map = make();
    workloads::insert_all::<V, M>(&mut map, batch);
    // Values that allocate (String) are made inside the rounds: count the
    // map's own calls only.
    let counter = Counter::start();
    for &k in batch {
        black_box(V::make(k));
    }
    let value_calls = counter.calls() as f64;
    let counter = Counter::start();
    let start = Instant::now();
    workloads::clear_and_refill::<V, M>(&mut map, batch, refill_rounds);
    secs[6] = start.elapsed().as_secs_f64();
    let refill_calls = counter.calls() as f64 / refill_rounds as f64 - value_calls;
    drop(black_box(map));
    Round { secs, refill_calls }
}

/// Runs `rounds` rounds at each size of `entries` with values of type
/// `value` (one of [`VALUES`]), reporting each round through `progress`,
/// and returns the printed summary: each size's tables and, for more than
/// one size, every ratio's median over the sizes (a hash table's speed
/// depends on how full it is, which changes between two doublings).
///
/// # Panics
///
/// If `value` is not one of [`VALUES`], or `entries` is empty.
pub fn run(
    entries: &[usize],
    rounds: usize,
    value: &str,
    per_process: bool,
    mut progress: impl FnMut(&str),
) -> Result<String, String> {
    assert!(!entries.is_empty(), "throughput needs a size");
    let mut out = String::new();
    let mut sizes = Vec::new();
    for &n in entries {
        let how = How {
            entries: n,
            rounds,
            per_process,
        };
        let (text, figures) = match value {
            "u64" => run_with::<u64>(how, &mut progress)?,
            "string" => run_with::<String>(how, &mut progress)?,
            "bytes128" => run_with::<[u8; 128]>(how, &mut progress)?,
            other => panic!("unknown value type `{other}` (known: {VALUES:?})"),
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&text);
        sizes.push(figures);
    }
    if sizes.len() > 1 {
        write_over_sizes(&mut out, entries, &sizes);
    }
    Ok(out)
}

/// How one size is run.
#[derive(Clone, Copy)]
struct How {
    entries: usize,
    rounds: usize,
    /// Each map's round in a process of its own (see [`one_round`]).
    per_process: bool,
}

/// One round of the map `map` at `entries` entries with values of type
/// `value`, timed in this process: what a child process runs for
/// `--per-process`, where each map starts on an allocator and pages no
/// other map shaped. `Err` for an unknown map or value type.
pub fn one_round(map: &str, entries: usize, value: &str) -> Result<Round, String> {
    fn round<V: BenchValue>(map: &str, entries: usize) -> Result<Round, String> {
        let keys = Keys::new(entries);
        let timers = timers::<V>(&keys);
        let (_, timer) = timers
            .iter()
            .find(|(name, _)| *name == map)
            .ok_or_else(|| format!("unknown map `{map}`"))?;
        Ok(timer())
    }
    match value {
        "u64" => round::<u64>(map, entries),
        "string" => round::<String>(map, entries),
        "bytes128" => round::<[u8; 128]>(map, entries),
        other => Err(format!("unknown value type `{other}` (known: {VALUES:?})")),
    }
}

/// One size's median ratios to hashbrown, by map (hashbrown excluded) and
/// operation.
struct Ratios {
    names: Vec<&'static str>,
    medians: Vec<[f64; OPS.len()]>,
}

/// The median over the sizes of each map's median ratio, per operation.
fn write_over_sizes(out: &mut String, entries: &[usize], sizes: &[Ratios]) {
    let sizes_text: Vec<String> = entries.iter().map(usize::to_string).collect();
    let _ = writeln!(
        out,
        "\nratio to hashbrown, median over the {} sizes ({}) of each size's median \
         (the sizes' figures, lowest-highest)",
        sizes.len(),
        sizes_text.join(", ")
    );
    let names = &sizes[0].names;
    let mut rows = Vec::new();
    for (op, name) in OPS.iter().enumerate() {
        let mut row = vec![name.to_string()];
        for m in 0..names.len() {
            let per_size: Vec<f64> = sizes.iter().map(|s| s.medians[m][op]).collect();
            let low = per_size.iter().copied().fold(f64::INFINITY, f64::min);
            let high = per_size.iter().copied().fold(0.0, f64::max);
            row.push(format!("{:.3}x ({low:.2}-{high:.2})", median(&per_size)));
        }
        rows.push(row);
    }
    let mut header = vec!["op"];
    header.extend(names.iter());
    crate::render::table(out, &header, &rows, crate::render::Format::Text);
}

/// Times one map once over the shared keys.
type Timer<'a> = Box<dyn Fn() -> Round + 'a>;

/// The keys of one size: `2n` distinct keys, the first `n` fill the map and
/// the rest are churn's new keys, and `n` keys never inserted.
struct Keys {
    all: Vec<u64>,
    misses: Vec<u64>,
    entries: usize,
    /// About a million refill inserts per round, whatever the batch size.
    refill_rounds: usize,
}

impl Keys {
    fn new(entries: usize) -> Self {
        let (all, mut misses) = workloads::keys(2 * entries, 0x5eed);
        misses.truncate(entries);
        Self {
            all,
            misses,
            entries,
            refill_rounds: (1_000_000 / entries.clamp(1, REFILL_ENTRIES)).max(1),
        }
    }
}

/// Every map of the registry's timed list but the concurrent peers (the
/// `concurrent` subcommand times those on several threads), each with its
/// timer over `keys`: hashbrown, the reference, first, and map-core's manual
/// policy beside map-core.
fn timers<V: BenchValue>(keys: &Keys) -> Vec<(&'static str, Timer<'_>)> {
    let (hits, fresh) = keys.all.split_at(keys.entries);
    let misses = &keys.misses[..];
    let refill_rounds = keys.refill_rounds;
    let mut maps: Vec<(&'static str, Timer<'_>)> = Vec::new();
    macro_rules! registered {
        (peer, $name:literal, Concurrent, $make:expr) => {};
        ($kind:ident, $name:literal, $group:ident, $make:expr) => {
            let timed: Timer<'_> =
                Box::new(move || time_map::<V, _>($make, hits, misses, fresh, refill_rounds));
            if $name == REFERENCE {
                maps.insert(0, ($name, timed));
            } else {
                maps.push(($name, timed));
            }
            if $name == "map-core" {
                // The same code under the manual policy: nothing given back,
                // so beside map-core it separates the cost of the policy's
                // checks from the cost of giving memory back.
                maps.push((
                    "map-core (manual)",
                    Box::new(move || {
                        time_map::<V, _>(
                            || {
                                Via(map_core::HashMap::<u64, V>::with_policy(
                                    map_core::ReclaimPolicy::manual(),
                                ))
                            },
                            hits,
                            misses,
                            fresh,
                            refill_rounds,
                        )
                    }),
                ));
            }
        };
    }
    crate::for_each_variant!(@timed registered);
    maps
}

fn run_with<V: BenchValue>(
    how: How,
    mut progress: impl FnMut(&str),
) -> Result<(String, Ratios), String> {
    let How {
        entries,
        rounds,
        per_process,
    } = how;
    let keys = Keys::new(entries);
    let refill_rounds = keys.refill_rounds;
    let maps = timers::<V>(&keys);
    let mut samples: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); OPS.len()]; maps.len()];
    let mut calls: Vec<Vec<f64>> = vec![Vec::new(); maps.len()];
    for round in 0..rounds {
        // Rotate the order so no map always runs first (warm caches, heap state).
        for m in stats::rotation(round, maps.len()) {
            let r = if per_process {
                crate::child::run_throughput(maps[m].0, entries, V::NAME)
                    .map_err(|e| format!("{}: {e}", maps[m].0))?
            } else {
                (maps[m].1)()
            };
            for (op, secs) in r.secs.into_iter().enumerate() {
                samples[m][op].push(secs);
            }
            calls[m].push(r.refill_calls);
        }
        progress(&format!(
            "{entries} entries: round {}/{} done",
            round + 1,
            rounds
        ));
    }

    let names: Vec<&str> = maps.iter().map(|(n, _)| *n).collect();
    let batch = entries.min(REFILL_ENTRIES);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "throughput: {entries} u64 -> {} entries, {rounds} rounds interleaved {}; \
         median ns per entry (per pair for churn, per inserted entry for clear-refill: \
         {refill_rounds} rounds of clear() + {batch} inserts). The workspace's variants through \
         ReclaimMap, hashbrown and std by their own methods. map-core and hashbrown share \
         foldhash; std uses SipHash.",
        V::NAME,
        if per_process {
            "with each map's round in a process of its own"
        } else {
            "in one process"
        }
    );
    let per = |op: usize| -> f64 {
        if OPS[op] == "clear-refill" {
            (refill_rounds * batch) as f64
        } else {
            entries as f64
        }
    };
    let mut rows = Vec::new();
    for (op, name) in OPS.iter().enumerate() {
        let mut row = vec![name.to_string()];
        for per_map in &samples {
            row.push(format!("{:.1}", median(&per_map[op]) * 1e9 / per(op)));
        }
        rows.push(row);
    }
    let mut header = vec!["ns/entry"];
    header.extend(&names);
    crate::render::table(&mut out, &header, &rows, crate::render::Format::Text);

    let _ = writeln!(
        out,
        "\nratio to hashbrown: median of the per-round ratios (min-max over the rounds)"
    );
    let mut rows = Vec::new();
    let mut noisy = Vec::new();
    let mut ratios = Ratios {
        names: names[1..].to_vec(),
        medians: vec![[0.0; OPS.len()]; maps.len() - 1],
    };
    for (op, name) in OPS.iter().enumerate() {
        let mut row = vec![name.to_string()];
        let mut noisy_here = Vec::new();
        for m in 1..maps.len() {
            let spread = Spread::of_ratios(&samples[m][op], &samples[0][op]);
            ratios.medians[m - 1][op] = spread.median;
            if spread.is_noisy() {
                noisy_here.push(format!("{} {}", names[m], spread.range()));
            }
            row.push(spread.ratio_cell());
        }
        if !noisy_here.is_empty() {
            noisy.push(format!("{name}: {}", noisy_here.join(", ")));
        }
        rows.push(row);
    }
    let mut header = vec!["op"];
    header.extend(&names[1..]);
    crate::render::table(&mut out, &header, &rows, crate::render::Format::Text);
    stats::write_noise_warning(&mut out, &noisy);
    let calls: Vec<String> = names
        .iter()
        .zip(&calls)
        .map(|(n, c)| format!("{n} {:.1}", median(c)))
        .collect();
    let _ = writeln!(
        out,
        "allocator calls per clear-refill round (median): {}",
        calls.join(", ")
    );
    Ok((out, ratios))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_sizes_takes_the_median_of_each_sizes_median() {
        let size = |a: f64, b: f64| Ratios {
            names: vec!["map-core", "split-map"],
            medians: vec![[a; OPS.len()], [b; OPS.len()]],
        };
        let mut out = String::new();
        write_over_sizes(
            &mut out,
            &[1_000, 1_400, 1_800],
            &[size(1.0, 2.0), size(1.2, 1.1), size(0.9, 1.5)],
        );
        assert!(
            out.contains("median over the 3 sizes (1000, 1400, 1800)"),
            "{out}"
        );
        let insert = out.lines().find(|l| l.starts_with("insert")).unwrap();
        assert!(insert.contains("1.000x (0.90-1.20)"), "{insert}");
        assert!(insert.contains("1.500x (1.10-2.00)"), "{insert}");
    }
}
