//! Clear-and-refill through one batch, against `hashbrown::HashMap`: 1,000
//! `u64` entries cleared and inserted again, 1,000 rounds, on one thread.
//! Printed: allocator calls per round (a counting global allocator) and
//! the time per round of each, and their ratio. The maps take turns over
//! several repetitions; the best repetition of each counts.
//!
//! ```text
//! cargo run --release -p sync-map --example refill
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use map_conformance::alloc::Counter;
use sync_map::SyncMap;

map_conformance::install_counting_allocator!();

const ENTRIES: u64 = 1_000;
const ROUNDS: u64 = 1_000;
const REPETITIONS: usize = 9;

/// Runs `round` `ROUNDS` times; returns the time and allocator calls per
/// round.
fn measure(mut round: impl FnMut(u64)) -> (Duration, f64) {
    // Warm-up: the tables reach their size.
    for r in 0..3 {
        round(r);
    }
    let counter = Counter::start();
    let start = Instant::now();
    for r in 0..ROUNDS {
        round(r);
    }
    let elapsed = start.elapsed();
    (
        elapsed / ROUNDS as u32,
        counter.calls() as f64 / ROUNDS as f64,
    )
}

fn main() {
    let sync: SyncMap<u64, u64> = SyncMap::new();
    let mut base: hashbrown::HashMap<u64, u64> = hashbrown::HashMap::new();
    let mut best_sync = (Duration::MAX, 0.0);
    let mut best_base = (Duration::MAX, 0.0);
    for _ in 0..REPETITIONS {
        let s = measure(|r| {
            sync.write(|w| {
                w.clear();
                w.extend((0..ENTRIES).map(|k| (k, k ^ r)));
            });
            black_box(&sync);
        });
        let b = measure(|r| {
            base.clear();
            base.extend((0..ENTRIES).map(|k| (k, k ^ r)));
            black_box(&base);
        });
        if s.0 < best_sync.0 {
            best_sync = s;
        }
        if b.0 < best_base.0 {
            best_base = b;
        }
    }
    println!("clear and refill of {ENTRIES} u64 entries, {ROUNDS} rounds, best of {REPETITIONS}");
    println!(
        "  SyncMap::write (batch)  {:>8.1} us/round  {:>5.2} allocator calls/round",
        best_sync.0.as_secs_f64() * 1e6,
        best_sync.1
    );
    println!(
        "  hashbrown::HashMap      {:>8.1} us/round  {:>5.2} allocator calls/round",
        best_base.0.as_secs_f64() * 1e6,
        best_base.1
    );
    println!(
        "  time ratio SyncMap / hashbrown: {:.2}x",
        best_sync.0.as_secs_f64() / best_base.0.as_secs_f64()
    );
}
