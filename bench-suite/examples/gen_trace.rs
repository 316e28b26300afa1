//! Writes the example traces of `bench-suite/traces/`, reproducibly (a
//! seeded generator), through [`RecordingMap`]: the same wrapper a program
//! uses to record its own workload.
//!
//! ```sh
//! cargo run --release -p bench-suite --example gen_trace -- session-cache 75000 > bench-suite/traces/session-cache.csv
//! cargo run --release -p bench-suite --example gen_trace -- churn 60000 > bench-suite/traces/churn.csv
//! ```
//!
//! * `session-cache OPS`: a burst of logins (a new session, then a read of a
//!   recent one), a drain as they expire oldest first down to 2% (each
//!   expiry after a read), then a quiet steady state;
//! * `churn OPS`: a steady live set of 5,000 entries, each step a new entry,
//!   a read and the removal of the oldest, with a cache flush (`clear`) half
//!   way and a refill.
//!
//! Optional third argument: the seed (default 1).

use std::collections::VecDeque;
use std::io::{self, BufWriter, Write};

use bench_suite::recording::RecordingMap;
use map_conformance::Rng;
use map_core::HashMap;

type Recorder<W> = RecordingMap<HashMap<String, Vec<u8>>, W, String, Vec<u8>>;

struct Gen<W: Write> {
    map: Recorder<W>,
    rng: Rng,
    live: VecDeque<String>,
    next_id: u64,
    ops: usize,
}

impl<W: Write> Gen<W> {
    fn insert_new(&mut self, prefix: &str, min: u64, max: u64) {
        let key = format!("{prefix}{:x}", self.next_id);
        self.next_id += 1;
        let size = (min + self.rng.below(max - min + 1)) as usize;
        self.map.insert(key.clone(), vec![0; size]);
        self.live.push_back(key);
        self.ops += 1;
    }

    /// Reads a live key, mostly a recent one; one read in 16 misses.
    fn read(&mut self) {
        self.ops += 1;
        if self.live.is_empty() || self.rng.below(16) == 0 {
            let miss = format!("gone:{:x}", self.rng.next_u64() % 1_000_000);
            self.map.get(miss.as_str());
            return;
        }
        let n = self.live.len() as u64;
        let back = self.rng.below(n.min(256));
        let key = self.live[(n - 1 - back) as usize].clone();
        self.map.get(key.as_str());
    }

    fn remove_oldest(&mut self) {
        if let Some(key) = self.live.pop_front() {
            self.map.remove(key.as_str());
            self.ops += 1;
        }
    }
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = args.first().map(String::as_str).unwrap_or("");
    let total: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(75_000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let out = BufWriter::new(io::stdout().lock());
    let mut g = Gen {
        map: RecordingMap::new(HashMap::new(), out),
        rng: Rng::new(seed),
        live: VecDeque::new(),
        next_id: 0,
        ops: 0,
    };
    match kind {
        "session-cache" => {
            // Burst: 2/5 of the operations; drain: 2/5; steady: the rest.
            let sessions = total / 5;
            for _ in 0..sessions {
                g.insert_new("sess:", 200, 600);
                g.read();
            }
            let keep = (sessions / 50).max(1);
            while g.live.len() > keep && g.ops + 3 <= total {
                g.read();
                g.remove_oldest();
            }
            while g.ops + 3 <= total {
                g.insert_new("sess:", 200, 600);
                g.read();
                g.remove_oldest();
            }
        }
        "churn" => {
            let live = 5_000.min(total / 4).max(1);
            for _ in 0..live {
                g.insert_new("item:", 64, 256);
            }
            let mut flushed = false;
            while g.ops + 3 <= total {
                if !flushed && g.ops >= total / 2 {
                    g.map.clear();
                    g.live.clear();
                    g.ops += 1;
                    flushed = true;
                    for _ in 0..live {
                        g.insert_new("item:", 64, 256);
                    }
                    continue;
                }
                g.insert_new("item:", 64, 256);
                g.read();
                g.remove_oldest();
            }
        }
        _ => {
            eprintln!("usage: gen_trace session-cache|churn [OPS] [SEED]");
            std::process::exit(2);
        }
    }
    let (map, _) = g.map.finish()?;
    eprintln!(
        "{kind}: {} operations, {} live at the end",
        g.ops,
        map.len()
    );
    Ok(())
}
