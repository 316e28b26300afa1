//! `bench-suite trace FILE`: replays a recorded workload on every map.
//!
//! A trace is a CSV file with the header `op,key,value_bytes` and one
//! operation per line:
//!
//! | op | key | value_bytes |
//! |---|---|---|
//! | `insert` | any text without a comma | length of the `Vec<u8>` value |
//! | `remove`, `get` | the key | `0` |
//! | `clear` | empty | `0` |
//!
//! Blank lines and lines starting with `#` are skipped. The whole file is
//! parsed first, untimed, into a vector of [`Op`]s; then every registered
//! map replays it with `String` keys and `Vec<u8>` values: the workspace's
//! variants through `ReclaimMap`, std, hashbrown, dashmap and papaya through
//! their own methods (the registry's `@timed` constructors, each a
//! [`BenchMap`]). Per map the replay records the time, the bytes the
//! counting global allocator sees live (peak, end, and a sample every
//! 1/[`SAMPLES`] of the trace), the allocator calls, the map's own
//! `memory()` at the end and the final length.
//!
//! [`RecordingMap`](crate::recording::RecordingMap) writes traces from a
//! running program.

use std::fmt;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use map_conformance::alloc::Counter;
use serde::Serialize;

use crate::model::Kind;
use crate::workloads::BenchMap;

/// The header every trace starts with.
pub const HEADER: &str = "op,key,value_bytes";

/// The largest value a trace may ask for: larger is taken for a typo.
pub const MAX_VALUE_BYTES: usize = 64 << 20;

/// How many times the live bytes are sampled over a replay.
pub const SAMPLES: usize = 200;

/// One operation of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Insert (or overwrite) the key with a value of this many bytes.
    Insert(String, usize),
    /// Remove the key.
    Remove(String),
    /// Look the key up.
    Get(String),
    /// Remove every entry.
    Clear,
}

/// A parsed trace.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// The operations, in order.
    pub ops: Vec<Op>,
}

/// Operation counts of a trace.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct OpCounts {
    /// `insert` lines.
    pub insert: usize,
    /// `remove` lines.
    pub remove: usize,
    /// `get` lines.
    pub get: usize,
    /// `clear` lines.
    pub clear: usize,
}

impl Trace {
    /// How many operations of each kind.
    pub fn counts(&self) -> OpCounts {
        let mut c = OpCounts::default();
        for op in &self.ops {
            match op {
                Op::Insert(..) => c.insert += 1,
                Op::Remove(_) => c.remove += 1,
                Op::Get(_) => c.get += 1,
                Op::Clear => c.clear += 1,
            }
        }
        c
    }
}

/// A line of a trace that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a whole trace. Never panics: any malformed line is an error
/// naming the line and the problem.
///
/// ```
/// use bench_suite::trace::{parse, Op};
///
/// let trace = parse(b"op,key,value_bytes\ninsert,a,16\nget,a,0\nremove,a,0\nclear,,0\n").unwrap();
/// assert_eq!(trace.ops[0], Op::Insert("a".into(), 16));
/// assert_eq!(trace.ops.len(), 4);
/// let err = parse(b"op,key,value_bytes\ninsert,a,many\n").unwrap_err();
/// assert_eq!(err.line, 2);
/// ```
pub fn parse(bytes: &[u8]) -> Result<Trace, ParseError> {
    let mut ops = Vec::new();
    let mut saw_header = false;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        let err = |message: String| ParseError {
            line: line_no,
            message,
        };
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(raw)
            .map_err(|e| err(format!("not UTF-8 text (byte {})", e.valid_up_to() + 1)))?;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if !saw_header {
            if line.trim() != HEADER {
                return Err(err(format!(
                    "expected the header `{HEADER}`, found `{}`",
                    shorten(line)
                )));
            }
            saw_header = true;
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let [op, key, size] = fields[..] else {
            return Err(err(format!(
                "expected 3 fields (op,key,value_bytes), found {} in `{}` (keys cannot contain a comma)",
                fields.len(),
                shorten(line)
            )));
        };
        let size_text = size.trim();
        let size: usize = size_text.parse().map_err(|_| {
            err(format!(
                "value_bytes `{}` is not a whole number",
                shorten(size_text)
            ))
        })?;
        let op = match op.trim() {
            "insert" => {
                if size > MAX_VALUE_BYTES {
                    return Err(err(format!(
                        "value_bytes {size} is above the limit of {MAX_VALUE_BYTES}"
                    )));
                }
                Op::Insert(key.to_string(), size)
            }
            "remove" | "get" | "clear" if size != 0 => {
                return Err(err(format!(
                    "value_bytes must be 0 for `{}`, found {size}",
                    op.trim()
                )));
            }
            "remove" => Op::Remove(key.to_string()),
            "get" => Op::Get(key.to_string()),
            "clear" if !key.is_empty() => {
                return Err(err(format!(
                    "`clear` takes no key, found `{}`",
                    shorten(key)
                )));
            }
            "clear" => Op::Clear,
            other => {
                return Err(err(format!(
                    "unknown op `{}` (known: insert, remove, get, clear)",
                    shorten(other)
                )));
            }
        };
        ops.push(op);
    }
    if !saw_header {
        return Err(ParseError {
            line: 1,
            message: format!("empty trace: expected the header `{HEADER}`"),
        });
    }
    Ok(Trace { ops })
}

fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(MAX).collect();
        s.push_str("...");
        s
    }
}

/// The figures of one map replaying one trace.
#[derive(Debug, Clone, Serialize)]
pub struct TraceResult {
    /// The registered name.
    pub variant: String,
    /// `variant`, `baseline` or `peer`.
    pub kind: Kind,
    /// Wall time of the replay, seconds (the median over the rounds).
    pub seconds: f64,
    /// `seconds` over hashbrown's (filled in once hashbrown has run).
    pub ratio_to_hashbrown: Option<f64>,
    /// Highest bytes live during the replay (counting allocator; keys,
    /// values and the map's own storage).
    pub peak_bytes: i64,
    /// Bytes live at the end, before the map is dropped.
    pub end_bytes: i64,
    /// The map's own `memory().allocated_bytes` at the end, or `null`.
    pub reported_end_bytes: Option<u64>,
    /// Entries at the end.
    pub final_len: usize,
    /// Allocation and reallocation calls during the replay.
    pub alloc_calls: u64,
    /// Bytes live after every 1/[`SAMPLES`] of the operations.
    pub samples: Vec<i64>,
}

/// Replays `trace` on `map`, measured.
pub fn replay<M: BenchMap<String, Vec<u8>>>(trace: &Trace, mut map: M) -> TraceResult {
    let ops = &trace.ops;
    let every = (ops.len() / SAMPLES).max(1);
    let mut samples = Vec::with_capacity(ops.len() / every + 1);
    let counter = Counter::start();
    let started = Instant::now();
    let mut next = every;
    for (i, op) in ops.iter().enumerate() {
        match op {
            Op::Insert(key, size) => {
                map.put(key.clone(), vec![i as u8; *size]);
            }
            Op::Remove(key) => {
                black_box(map.take(key));
            }
            Op::Get(key) => {
                black_box(map.hit(key));
            }
            Op::Clear => map.wipe(),
        }
        if i + 1 == next {
            next += every;
            samples.push(counter.live_bytes() as i64);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let end_bytes = counter.live_bytes() as i64;
    let peak_bytes = counter.peak_bytes() as i64;
    let alloc_calls = counter.calls();
    let reported_end_bytes = map.reported_bytes().map(|b| b as u64);
    let final_len = map.size();
    drop(black_box(map));
    TraceResult {
        variant: String::new(),
        kind: Kind::Variant,
        seconds,
        ratio_to_hashbrown: None,
        peak_bytes,
        end_bytes,
        reported_end_bytes,
        final_len,
        alloc_calls,
        samples,
    }
}

/// A registered map that can replay a trace.
#[derive(Debug, Clone, Copy)]
pub struct TraceVariant {
    /// The registered name.
    pub name: &'static str,
    /// `variant`, `baseline` or `peer`.
    pub kind: Kind,
    run: fn(&Trace) -> TraceResult,
}

impl TraceVariant {
    /// Replays `trace` on a fresh map of this variant.
    pub fn run(&self, trace: &Trace) -> TraceResult {
        let mut r = (self.run)(trace);
        r.variant = self.name.to_string();
        r.kind = self.kind;
        r
    }
}

/// Every registered map, in report order.
pub fn variants() -> Vec<TraceVariant> {
    let mut all = Vec::new();
    macro_rules! register {
        ($kind:ident, $name:literal, $group:ident, $make:expr) => {
            all.push(TraceVariant {
                name: $name,
                kind: $crate::registry_kind!($kind),
                run: |trace| replay(trace, ($make)()),
            });
        };
    }
    crate::for_each_variant!(@timed register);
    all
}

/// The whole `trace` document (`--json`).
#[derive(Debug, Clone, Serialize)]
pub struct TraceReport {
    /// Run metadata.
    pub meta: crate::meta::Meta,
    /// The trace file.
    pub file: String,
    /// Operations replayed.
    pub ops: usize,
    /// Replays per map (the time is their median).
    pub rounds: usize,
    /// Operations of each kind.
    pub counts: OpCounts,
    /// One per map.
    pub results: Vec<TraceResult>,
    /// Whether every map ended with the same length.
    pub final_len_agrees: bool,
}

/// Replays `trace` on `variants` `rounds` times, the order rotating each
/// round so that no map always runs first; keeps the first round's bytes
/// and the median time, then fills in the ratios to hashbrown.
pub fn run(
    trace: &Trace,
    variants: &[TraceVariant],
    rounds: usize,
    mut progress: impl FnMut(&str),
) -> Vec<TraceResult> {
    let rounds = rounds.max(1);
    let mut results: Vec<Option<TraceResult>> = vec![None; variants.len()];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for round in 0..rounds {
        for i in 0..variants.len() {
            let at = (i + round) % variants.len();
            crate::rss::trim_allocator();
            let r = variants[at].run(trace);
            times[at].push(r.seconds);
            results[at].get_or_insert(r);
        }
        progress(&format!("round {}/{rounds} done", round + 1));
    }
    let mut results: Vec<TraceResult> = results.into_iter().flatten().collect();
    for (r, t) in results.iter_mut().zip(&mut times) {
        t.sort_by(f64::total_cmp);
        r.seconds = t[t.len() / 2];
    }
    if let Some(hb) = results
        .iter()
        .find(|r| r.variant == "hashbrown")
        .map(|r| r.seconds)
    {
        for r in &mut results {
            r.ratio_to_hashbrown = Some(r.seconds / hb.max(1e-12));
        }
    }
    results
}

/// Whether every result has the same `final_len`.
pub fn lengths_agree(results: &[TraceResult]) -> bool {
    results.windows(2).all(|w| w[0].final_len == w[1].final_len)
}

/// The human-readable table (MB = 10^6 bytes).
pub fn render_text(report: &TraceReport) -> String {
    let mut out = String::new();
    let c = report.counts;
    let _ = writeln!(
        out,
        "trace {}: {} ops ({} insert, {} remove, {} get, {} clear); String keys, Vec<u8> values; median time of {} rounds. MB counted by the global allocator (keys and values included).",
        report.file, report.ops, c.insert, c.remove, c.get, c.clear, report.rounds
    );
    let rows: Vec<Vec<String>> = report
        .results
        .iter()
        .map(|r| {
            vec![
                r.variant.clone(),
                format!("{:.3}", r.seconds * 1e3),
                r.ratio_to_hashbrown
                    .map_or_else(|| "-".into(), |x| format!("{x:.2}x")),
                format!("{:.2}", r.peak_bytes as f64 / 1e6),
                format!("{:.2}", r.end_bytes as f64 / 1e6),
                r.reported_end_bytes
                    .map_or_else(|| "n/a".into(), |b| format!("{:.2}", b as f64 / 1e6)),
                r.final_len.to_string(),
                r.alloc_calls.to_string(),
                sparkline(
                    &r.samples,
                    report.results.iter().map(|r| r.peak_bytes).max(),
                ),
            ]
        })
        .collect();
    crate::render::table(
        &mut out,
        &[
            "variant",
            "ms",
            "vs hashbrown",
            "peak MB",
            "end MB",
            "memory() end",
            "final_len",
            "alloc calls",
            "live bytes over the trace",
        ],
        &rows,
        crate::render::Format::Text,
    );
    if !report.final_len_agrees {
        out.push_str("error: the maps disagree on final_len\n");
    }
    out
}

/// Live bytes over the trace in 24 characters, scaled to `max`.
fn sparkline(samples: &[i64], max: Option<i64>) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    const WIDTH: usize = 24;
    let max = max.unwrap_or(1).max(1) as f64;
    if samples.is_empty() {
        return String::new();
    }
    (0..WIDTH.min(samples.len()))
        .map(|i| {
            let lo = i * samples.len() / WIDTH.min(samples.len());
            let hi = ((i + 1) * samples.len() / WIDTH.min(samples.len())).max(lo + 1);
            let v = samples[lo..hi].iter().copied().max().unwrap_or(0).max(0) as f64;
            BARS[((v / max) * 7.0).round().clamp(0.0, 7.0) as usize]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ParseError {
        parse(text.as_bytes()).expect_err(text)
    }

    #[test]
    fn parses_every_op() {
        let t = parse(b"op,key,value_bytes\r\ninsert,k 1,3\r\n\n# note\nget,k 1,0\nremove,k 1,0\nclear,,0\ninsert,,0\n").unwrap();
        assert_eq!(
            t.ops,
            vec![
                Op::Insert("k 1".into(), 3),
                Op::Get("k 1".into()),
                Op::Remove("k 1".into()),
                Op::Clear,
                Op::Insert(String::new(), 0),
            ]
        );
        assert_eq!(t.counts().insert, 2);
    }

    #[test]
    fn bad_lines_name_the_line_and_the_problem() {
        for (text, line, says) in [
            ("", 1, "empty trace"),
            ("key,op,value_bytes\n", 1, "expected the header"),
            ("op,key,value_bytes\ninsert,a\n", 2, "expected 3 fields"),
            ("op,key,value_bytes\ninsert,a,b,1\n", 2, "found 4"),
            (
                "op,key,value_bytes\nget,a,0\nupsert,a,1\n",
                3,
                "unknown op `upsert`",
            ),
            ("op,key,value_bytes\ninsert,a,-1\n", 2, "not a whole number"),
            ("op,key,value_bytes\ninsert,a,\n", 2, "not a whole number"),
            ("op,key,value_bytes\nget,a,5\n", 2, "must be 0 for `get`"),
            ("op,key,value_bytes\nclear,a,0\n", 2, "takes no key"),
            (
                "op,key,value_bytes\ninsert,a,99999999999999999999999\n",
                2,
                "not a whole number",
            ),
            (
                "op,key,value_bytes\ninsert,a,999999999\n",
                2,
                "above the limit",
            ),
        ] {
            let e = err(text);
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(says), "{text:?}: {e}");
        }
        let e = parse(b"op,key,value_bytes\ninsert,\xff,1\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("UTF-8"));
    }

    #[test]
    fn sparkline_has_fixed_width() {
        let s: Vec<i64> = (0..500).collect();
        assert_eq!(sparkline(&s, Some(500)).chars().count(), 24);
        assert_eq!(sparkline(&[], None), "");
    }
}
