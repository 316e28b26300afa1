//! The reclamation report: every registered variant through the scenarios
//! of the design (delete-all, spike, churn, drain then idle), measured by
//! the counting global allocator, the map's own `memory()` and the process
//! RSS, and the bursts scenario ([`crate::bursts`]), which measures what
//! reaches the operating system.
//!
//! The figures come from the conformance kit's scenario runners
//! ([`map_conformance::scenarios`]), the same code the variants' tests run;
//! the report adds RSS by wrapping each map (see `observe`).

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;
use std::time::Instant;

use map_conformance::scenarios::{self, Bytes, Entries, DRAIN_IDLE_BOUND, DRAIN_IDLE_PERMILLE};
use map_core::ReclaimMap;
use serde::{Deserialize, Serialize};

use crate::observe::{Log, Observed};
use crate::registry::{Group, Variant};
use crate::rss;
use crate::verdict::{self, Verdict};

/// The default `--entries`: the design's sizes.
pub const DEFAULT_ENTRIES: usize = 100_000;

/// The pauses scenario's N in the report when `--pauses-entries` is not
/// given: `--entries` (delete-all's size, 100,000 by default: about 2 s for
/// every map), at least the scenario's smallest. `bench-suite pauses`
/// defaults to 1,000,000.
pub fn default_pauses_entries(entries: usize) -> usize {
    entries.max(crate::pauses::MIN_ENTRIES)
}

/// A scenario of the design. Serialized by its name (`delete-all`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Fill N, remove all, `reclaim()`, refill N.
    DeleteAll,
    /// Fill 10 N, remove down to N / 10, keep operating.
    Spike,
    /// N / 10 live entries, 10 N insert-new/remove-oldest pairs.
    Churn,
    /// Drain then idle: fill each of three peaks (N / 5, 2 N, 10 N), remove
    /// all but 10% down to 0.1%, insert nothing after (21 cases).
    DrainIdle,
    /// Three bursts of 10 N `(u64, [u8; 32])` entries, each drained to 1%
    /// then one insert, then an idle wait: process RSS against a fresh
    /// process holding the survivors ([`crate::bursts`]).
    Bursts,
    /// The bursts scenario's reference: a fresh process holding only the
    /// survivors. Run by the report beside [`Scenario::Bursts`], never named
    /// on the command line.
    BurstsReference,
}

impl Scenario {
    /// All scenarios the command line names, in report order.
    pub const ALL: [Scenario; 5] = [
        Scenario::DeleteAll,
        Scenario::Spike,
        Scenario::Churn,
        Scenario::DrainIdle,
        Scenario::Bursts,
    ];

    /// The name in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::DeleteAll => "delete-all",
            Scenario::Spike => "spike",
            Scenario::Churn => "churn",
            Scenario::DrainIdle => "drain-idle",
            Scenario::Bursts => "bursts",
            Scenario::BurstsReference => "bursts-reference",
        }
    }

    /// The scenario called `name` (one of [`Scenario::ALL`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// How the report's figures are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Fixed-width text tables.
    Text,
    /// GitHub-flavoured Markdown tables, to paste in a pull request.
    Markdown,
}

/// The key type of the report's entries. Serialized as `u64` or `string`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// `u64` keys (the design's).
    U64,
    /// `String` keys, `key:` and 12 digits, on the heap.
    String,
}

impl KeyKind {
    /// The Rust type's name, as the tables print it.
    pub fn type_name(self) -> &'static str {
        match self {
            KeyKind::U64 => "u64",
            KeyKind::String => "String",
        }
    }
}

/// The sizes of one run, all derived from `--entries N`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Plan {
    /// delete-all fills this many.
    pub entries: usize,
    /// spike fills this many (10 N)...
    pub spike_peak: usize,
    /// ...and keeps this many (N / 10).
    pub spike_keep: usize,
    /// churn keeps this many live (N / 10)...
    pub churn_live: usize,
    /// ...through this many insert/remove pairs (10 N).
    pub churn_ops: usize,
    /// Whether the workspace's variants ran under `ReclaimPolicy::manual()`
    /// (a policy that never reclaims by itself: the check must fail).
    pub manual_policy: bool,
    /// The key type: `u64` (default) or `string` (`key:` and 12 digits, a
    /// heap-allocated `String`).
    pub key: KeyKind,
    /// `null`: `[u8; 128]` values, stored in the table (the default). A
    /// number: `Vec<u8>` values of that many bytes, on the heap (counted too).
    pub value_bytes: Option<usize>,
    /// drain-idle fills each of these (N / 5, 2 N, 10 N, each at least
    /// [`MIN_DRAIN_IDLE_PEAK`]: the design's 20,000 / 200,000 / 1,000,000
    /// at the default N; a peak equal to an earlier one runs once)...
    pub drain_idle_peaks: [usize; 3],
    /// ...and keeps these thousandths of it (10% down to 0.1%).
    pub drain_idle_permille: [usize; 7],
    /// bursts: entries each of the three bursts inserts (10 N; always
    /// `(u64, [u8; 32])` entries, whatever `key` and `value_bytes` say).
    pub bursts_entries: usize,
    /// bursts: the idle wait after the third burst, in milliseconds.
    pub bursts_idle_ms: u64,
}

/// The smallest drain-idle peak: the design's smallest. Below it the
/// survivors are a handful of entries and the sweep would test the size of
/// an almost empty table, which the design does not bound.
pub const MIN_DRAIN_IDLE_PEAK: usize = 20_000;

impl Plan {
    /// The plan for `--entries n` (`n >= 10`). `n = 100,000` gives the
    /// design's sizes: delete-all 100,000; spike 1,000,000 down to 10,000;
    /// churn 10,000 live with 1,000,000 pairs; drain-idle from 20,000,
    /// 200,000 and 1,000,000; bursts of 1,000,000.
    pub fn new(entries: usize) -> Self {
        let bursts_entries = (entries * 10).max(crate::bursts::MIN_ENTRIES);
        Self {
            entries,
            spike_peak: entries * 10,
            spike_keep: entries / 10,
            churn_live: entries / 10,
            churn_ops: entries * 10,
            manual_policy: false,
            key: KeyKind::U64,
            value_bytes: None,
            drain_idle_peaks: [entries / 5, entries * 2, entries * 10]
                .map(|p| p.max(MIN_DRAIN_IDLE_PEAK)),
            drain_idle_permille: DRAIN_IDLE_PERMILLE,
            bursts_entries,
            bursts_idle_ms: crate::bursts::default_idle_ms(bursts_entries),
        }
    }

    /// The distinct drain-idle peaks, in order.
    pub fn distinct_drain_idle_peaks(&self) -> Vec<usize> {
        let mut peaks: Vec<usize> = Vec::with_capacity(self.drain_idle_peaks.len());
        for peak in self.drain_idle_peaks {
            if !peaks.contains(&peak) {
                peaks.push(peak);
            }
        }
        peaks
    }

    /// The entry type, e.g. `(u64, [u8; 128])` or `(String, Vec<u8> of 64 bytes)`.
    pub fn entry_label(&self) -> String {
        let key = self.key.type_name();
        match self.value_bytes {
            None => format!("({key}, [u8; 128])"),
            Some(n) => format!("({key}, Vec<u8> of {n} bytes)"),
        }
    }
}

/// `u64` keys, `Vec<u8>` values of the given length.
#[derive(Debug, Clone, Copy)]
pub struct U64Bytes(pub usize);

/// `String` keys, `[u8; 128]` values.
#[derive(Debug, Clone, Copy)]
pub struct StringArray;

/// `String` keys, `Vec<u8>` values of the given length.
#[derive(Debug, Clone, Copy)]
pub struct StringBytes(pub usize);

fn string_key(i: u64) -> String {
    format!("key:{i:012}")
}

impl Entries for U64Bytes {
    type Key = u64;
    type Value = Vec<u8>;
    fn key(&self, i: u64) -> u64 {
        i
    }
    fn value(&self, i: u64) -> Vec<u8> {
        vec![i as u8; self.0]
    }
}

impl Entries for StringArray {
    type Key = String;
    type Value = [u8; 128];
    fn key(&self, i: u64) -> String {
        string_key(i)
    }
    fn value(&self, i: u64) -> [u8; 128] {
        [i as u8; 128]
    }
}

impl Entries for StringBytes {
    type Key = String;
    type Value = Vec<u8>;
    fn key(&self, i: u64) -> String {
        string_key(i)
    }
    fn value(&self, i: u64) -> Vec<u8> {
        vec![i as u8; self.0]
    }
}

/// One stage of a scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    /// `filled`, `after-remove`, `after-reclaim`, `refilled`, `fresh`,
    /// `peak`, `after-operate`, `end`; drain-idle: `idle-PEAK-SURVIVORS`
    /// (no RSS); bursts: `burst-1-peak`, `burst-1-drained`,
    /// `burst-1-inserted`, ... `idle`.
    pub stage: String,
    /// Bytes live in the counting global allocator, counted from the
    /// scenario's start (for `fresh`: from the fresh map's start).
    pub counted_bytes: i64,
    /// `memory().allocated_bytes`, or `null` where the map reports nothing.
    pub reported_bytes: Option<u64>,
    /// Process RSS at that moment (process-wide), if readable.
    pub rss_bytes: Option<u64>,
}

/// The figures of one variant in one scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// The variant's registered name.
    pub variant: String,
    /// `variant` (this workspace), `baseline` or `peer`.
    pub kind: crate::registry::Kind,
    /// `single` or `concurrent`.
    pub group: String,
    /// `delete-all`, `spike`, `churn`, `drain-idle` or `bursts`.
    pub scenario: String,
    /// delete-all: entries filled; spike: entries at the peak; churn: live
    /// entries; drain-idle: the largest peak; bursts: entries per burst.
    pub entries: usize,
    /// spike: entries kept; bursts: entries each burst keeps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep: Option<usize>,
    /// churn: insert/remove pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ops: Option<usize>,
    /// The stages, in order.
    pub stages: Vec<Stage>,
    /// delete-all: counted bytes after the removals as % of the fill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_after_remove_pct: Option<f64>,
    /// delete-all: counted bytes after `reclaim()` as % of the fill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_after_reclaim_pct: Option<f64>,
    /// delete-all: counted bytes after the refill over the first fill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refill_ratio: Option<f64>,
    /// spike: counted bytes right after the removals, as x a fresh map of the kept entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_remove_vs_fresh: Option<f64>,
    /// spike: counted bytes after operating, as x a fresh map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_vs_fresh: Option<f64>,
    /// churn: peak counted bytes as x a fresh map of the live set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_vs_fresh: Option<f64>,
    /// drain-idle: every case, the worst, and how many are over the bound
    /// and the goal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain_idle: Option<DrainIdleFigures>,
    /// bursts: the references and the ratios the bound reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bursts: Option<crate::bursts::BurstsFigures>,
    /// The map's own `memory().peak_bytes` at the scenario's last stage, or
    /// `null` where it reports nothing.
    pub reported_peak_bytes: Option<u64>,
    /// Process RSS when the scenario started.
    pub rss_start_bytes: Option<u64>,
    /// Largest RSS sampled during the scenario (every 4096 inserts and at each stage).
    pub rss_peak_bytes: Option<u64>,
    /// Wall time of the scenario, seconds.
    pub seconds: f64,
    /// What to keep in mind when reading the row.
    pub note: String,
}

/// One case of drain then idle.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrainIdleCase {
    /// Entries at the peak.
    pub peak: usize,
    /// Survivors in thousandths of the peak.
    pub permille: usize,
    /// Entries left.
    pub survivors: usize,
    /// Counted bytes at the peak.
    pub peak_bytes: i64,
    /// Counted bytes held after the last removal, nothing inserted after.
    pub idle_bytes: i64,
    /// Counted bytes of a fresh map of the survivors.
    pub fresh_bytes: i64,
    /// `idle_bytes` over `fresh_bytes`.
    pub held_vs_fresh: f64,
}

/// The drain-then-idle sweep of one variant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrainIdleFigures {
    /// Every case: each peak with each survivor share.
    pub cases: Vec<DrainIdleCase>,
    /// The largest `held_vs_fresh`.
    pub worst_vs_fresh: f64,
    /// The case it came from: its peak...
    pub worst_peak: usize,
    /// ...and its survivors.
    pub worst_survivors: usize,
    /// The design's bound ([`DRAIN_IDLE_BOUND`]).
    pub bound: f64,
    /// Cases over the bound.
    pub over_bound: usize,
    /// The design's goal ([`DRAIN_IDLE_GOAL`]).
    pub goal: f64,
    /// Cases over the goal.
    pub over_goal: usize,
}

/// The design's goal for drain then idle: held bytes at most this many
/// times a fresh map of the survivors (the bound is [`DRAIN_IDLE_BOUND`]).
pub const DRAIN_IDLE_GOAL: f64 = 2.5;

impl DrainIdleFigures {
    /// The figures of `cases`.
    pub fn of(cases: Vec<DrainIdleCase>) -> Self {
        let worst = cases
            .iter()
            .max_by(|a, b| a.held_vs_fresh.total_cmp(&b.held_vs_fresh));
        let (worst_vs_fresh, worst_peak, worst_survivors) =
            worst.map_or((0.0, 0, 0), |c| (c.held_vs_fresh, c.peak, c.survivors));
        let over = |limit: f64| cases.iter().filter(|c| c.held_vs_fresh > limit).count();
        Self {
            worst_vs_fresh,
            worst_peak,
            worst_survivors,
            bound: DRAIN_IDLE_BOUND,
            over_bound: over(DRAIN_IDLE_BOUND),
            goal: DRAIN_IDLE_GOAL,
            over_goal: over(DRAIN_IDLE_GOAL),
            cases,
        }
    }

    /// The worst case of the sweep at `peak`.
    pub fn worst_at(&self, peak: usize) -> Option<f64> {
        self.cases
            .iter()
            .filter(|c| c.peak == peak)
            .map(|c| c.held_vs_fresh)
            .reduce(f64::max)
    }
}

/// The whole report: the JSON document `reclaim --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What the report was measured with.
    pub meta: crate::meta::Meta,
    /// `process` (each scenario in a fresh child process, the default) or
    /// `in-process`.
    pub isolation: &'static str,
    /// One entry per variant and scenario.
    pub results: Vec<ScenarioResult>,
    /// Every variant against every bar of the design.
    pub verdicts: Vec<Verdict>,
    /// The failed verdicts of the workspace's variants (`--check` fails on these).
    pub misses: Vec<Verdict>,
    /// One line per variant: what its figures make it best for.
    pub best_for: Vec<BestFor>,
    /// Known variants not built into this binary.
    pub unavailable: Vec<&'static str>,
    /// The sizes used.
    pub plan: Plan,
    /// The pauses scenario, when it ran (not under `--check` unless asked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pauses: Option<crate::pauses::PausesReport>,
}

/// A variant's "best for" line.
#[derive(Debug, Clone, Serialize)]
pub struct BestFor {
    /// The variant.
    pub variant: String,
    /// The line.
    pub line: String,
}

impl Report {
    /// The report of `results`, with the verdicts and "best for" lines
    /// derived from them.
    pub fn new(
        meta: crate::meta::Meta,
        plan: Plan,
        isolation: &'static str,
        results: Vec<ScenarioResult>,
        unavailable: Vec<&'static str>,
    ) -> Self {
        let verdicts = verdict::verdicts(&results);
        let misses = verdict::misses(&verdicts);
        let best_for = best_for_lines(&results, None);
        Self {
            meta,
            isolation,
            results,
            verdicts,
            misses,
            best_for,
            unavailable,
            plan,
            pauses: None,
        }
    }
}

impl Report {
    /// Adds the pauses scenario, and its figures to the "best for" lines.
    pub fn set_pauses(&mut self, pauses: crate::pauses::PausesReport) {
        self.best_for = best_for_lines(&self.results, Some(&pauses));
        self.pauses = Some(pauses);
    }
}

fn best_for_lines(
    results: &[ScenarioResult],
    pauses: Option<&crate::pauses::PausesReport>,
) -> Vec<BestFor> {
    verdict::best_for(results, pauses)
        .into_iter()
        .map(|(variant, line)| BestFor { variant, line })
        .collect()
}

/// Runs `scenario` on maps made by `make`; called through the registry.
pub(crate) fn run_scenario<E, M, F>(
    plan: &Plan,
    scenario: Scenario,
    make: F,
    entries: &E,
) -> ScenarioResult
where
    E: Entries,
    M: ReclaimMap<E::Key, E::Value>,
    F: Fn() -> M,
{
    let log = Rc::new(RefCell::new(Log::new()));
    let manual = plan.manual_policy;
    let observed = || {
        let mut map = make();
        if manual {
            map.set_policy(map_core::ReclaimPolicy::manual());
        }
        Observed::new(map, Rc::clone(&log))
    };
    if scenario == Scenario::DrainIdle {
        return run_drain_idle(plan, make, entries);
    }
    // Give what earlier scenarios left on the C allocator's free lists back
    // to the system, so this scenario's RSS is not theirs.
    rss::trim_allocator();
    let started = Instant::now();
    let mut result = ScenarioResult::empty(scenario, rss::resident_bytes());
    // The stage names in the order the kit reads `memory()`, and the
    // stages' figures (the RSS is matched by that order).
    let (names, figures): (&[&str], Vec<Bytes>) = match scenario {
        Scenario::DeleteAll => {
            let d = scenarios::delete_all_with(observed, plan.entries, entries);
            result.entries = d.entries;
            result.held_after_remove_pct = Some(d.held_after_remove() * 100.0);
            result.held_after_reclaim_pct =
                Some(ratio(d.after_reclaim.counted, d.filled.counted) * 100.0);
            result.refill_ratio = Some(d.refill_ratio());
            (
                &["filled", "after-remove", "after-reclaim", "refilled"],
                vec![d.filled, d.after_remove, d.after_reclaim, d.refilled],
            )
        }
        Scenario::Spike => {
            let s = scenarios::spike_with(observed, plan.spike_peak, plan.spike_keep, entries);
            result.entries = s.peak;
            result.keep = Some(s.keep);
            result.after_remove_vs_fresh = Some(s.after_remove_vs_fresh());
            result.held_vs_fresh = Some(s.held_vs_fresh());
            (
                &["fresh", "peak", "after-remove", "after-operate"],
                vec![s.fresh, s.at_peak, s.after_remove, s.after_operate],
            )
        }
        Scenario::Churn => {
            let c = scenarios::churn_with(observed, plan.churn_live, plan.churn_ops, entries);
            result.entries = c.live;
            result.ops = Some(c.ops);
            result.peak_vs_fresh = Some(c.peak_vs_fresh());
            let peak = Bytes::new(c.peak_counted, c.peak_reported);
            (&["fresh", "peak", "end"], vec![c.fresh, peak, c.end])
        }
        Scenario::DrainIdle | Scenario::Bursts | Scenario::BurstsReference => {
            unreachable!("{} runs through its own runner", scenario.name())
        }
    };
    result.seconds = started.elapsed().as_secs_f64();
    let log = log.borrow();
    let rss_at = rss_by_stage(scenario, log.peak_rss, &log.at_memory_calls);
    if rss_at.is_none() {
        eprintln!(
            "warning: no RSS per stage for {}: the scenario read memory() {} times, not in the order the report expects",
            scenario.name(),
            log.at_memory_calls.len()
        );
    }
    result.rss_peak_bytes = log.peak_rss;
    // The map's own peak, read at the scenario's last stage.
    result.reported_peak_bytes = Some(log.last_reported_peak as u64);
    result.stages = names
        .iter()
        .zip(figures)
        .enumerate()
        .map(|(i, (stage, bytes))| Stage {
            stage: stage.to_string(),
            counted_bytes: bytes.counted as i64,
            reported_bytes: Some(bytes.reported as u64),
            rss_bytes: rss_at.as_ref().and_then(|r| r[i]),
        })
        .collect();
    result
}

/// The drain-then-idle sweep: every peak of the plan with every survivor
/// share, each through the kit's [`scenarios::drain_idle_with`] (counted
/// bytes only: no RSS, so the maps are not wrapped).
fn run_drain_idle<E, M, F>(plan: &Plan, make: F, entries: &E) -> ScenarioResult
where
    E: Entries,
    M: ReclaimMap<E::Key, E::Value>,
    F: Fn() -> M,
{
    let manual = plan.manual_policy;
    let make = || {
        let mut map = make();
        if manual {
            map.set_policy(map_core::ReclaimPolicy::manual());
        }
        map
    };
    rss::trim_allocator();
    let started = Instant::now();
    let mut result = ScenarioResult::empty(Scenario::DrainIdle, rss::resident_bytes());
    let mut cases =
        Vec::with_capacity(plan.drain_idle_peaks.len() * plan.drain_idle_permille.len());
    for peak in plan.distinct_drain_idle_peaks() {
        for &permille in &plan.drain_idle_permille {
            let d = scenarios::drain_idle_with(make, peak, peak * permille / 1000, entries);
            result.stages.push(Stage {
                stage: format!("idle-{}-{}", d.peak, d.survivors),
                counted_bytes: d.idle.counted as i64,
                reported_bytes: Some(d.idle.reported as u64),
                rss_bytes: None,
            });
            cases.push(DrainIdleCase {
                peak: d.peak,
                permille,
                survivors: d.survivors,
                peak_bytes: d.at_peak.counted as i64,
                idle_bytes: d.idle.counted as i64,
                fresh_bytes: d.fresh.counted as i64,
                held_vs_fresh: d.held_vs_fresh(),
            });
        }
    }
    result.entries = plan.drain_idle_peaks.iter().copied().max().unwrap_or(0);
    result.drain_idle = Some(DrainIdleFigures::of(cases));
    result.rss_peak_bytes = rss::resident_bytes();
    result.seconds = started.elapsed().as_secs_f64();
    result
}

impl ScenarioResult {
    /// A result of `scenario` with no figures yet; the report fills in the
    /// variant's name, kind, group and note.
    pub(crate) fn empty(scenario: Scenario, rss_start_bytes: Option<u64>) -> Self {
        Self {
            variant: String::new(),
            kind: crate::registry::Kind::Variant,
            group: String::new(),
            scenario: scenario.name().to_string(),
            entries: 0,
            keep: None,
            ops: None,
            stages: Vec::new(),
            held_after_remove_pct: None,
            held_after_reclaim_pct: None,
            refill_ratio: None,
            after_remove_vs_fresh: None,
            held_vs_fresh: None,
            peak_vs_fresh: None,
            drain_idle: None,
            bursts: None,
            reported_peak_bytes: None,
            rss_start_bytes,
            rss_peak_bytes: None,
            seconds: 0.0,
            note: String::new(),
        }
    }
}

/// RSS per stage from the RSS at each `memory()` call, which the kit makes
/// in a known order; `None` if the count does not match (a changed kit).
/// The churn's peak stage takes the sampled peak.
fn rss_by_stage(
    scenario: Scenario,
    peak: Option<u64>,
    calls: &[Option<u64>],
) -> Option<Vec<Option<u64>>> {
    match (scenario, calls) {
        // filled, after-remove, after-reclaim, refilled, then the peak read.
        (Scenario::DeleteAll, [f, r, c, re, _]) => Some(vec![*f, *r, *c, *re]),
        // fresh, peak, after-remove, after-operate.
        (Scenario::Spike, [f, p, r, o]) => Some(vec![*f, *p, *r, *o]),
        // fresh, the peak read at the end, end.
        (Scenario::Churn, [f, _, e]) => Some(vec![*f, peak, *e]),
        _ => None,
    }
}

fn ratio(a: isize, b: isize) -> f64 {
    a as f64 / b.max(1) as f64
}

/// Runs `scenarios` on `variants`, reporting progress through `progress`.
/// With `isolate`, each scenario runs in a fresh child process (this binary
/// re-run as `__child` with a [`crate::child::Job`]), so its RSS figures are its own; without, all
/// run in this process, one after another.
pub fn run(
    plan: &Plan,
    variants: &[Variant],
    scenarios: &[Scenario],
    isolate: bool,
    mut progress: impl FnMut(&str),
) -> Vec<ScenarioResult> {
    let total = variants.len() * scenarios.len();
    let mut results = Vec::with_capacity(total);
    let run_one = |variant: &Variant, scenario: Scenario, progress: &mut dyn FnMut(&str)| {
        if isolate {
            match crate::child::run(plan, variant.name, scenario) {
                Ok(r) => r,
                Err(e) => {
                    progress(&format!(
                        "    fresh process failed ({e}); running in this one"
                    ));
                    variant.run(plan, scenario)
                }
            }
        } else {
            variant.run(plan, scenario)
        }
    };
    // The bursts' common reference: hashbrown holding the survivors, in a
    // fresh process of its own, measured once.
    let mut hashbrown_reference: Option<Option<ScenarioResult>> = None;
    for variant in variants {
        for &scenario in scenarios {
            progress(&format!(
                "[{}/{}] {} {} ...",
                results.len() + 1,
                total,
                variant.name,
                scenario.name()
            ));
            let mut r = run_one(variant, scenario, &mut progress);
            if scenario == Scenario::Bursts {
                let hashbrown = hashbrown_reference
                    .get_or_insert_with(|| {
                        let hb = crate::registry::variants()
                            .into_iter()
                            .find(|v| v.name == crate::bursts::COMMON_REFERENCE)?;
                        progress(&format!(
                            "    reference: {} holding the survivors, in a fresh process",
                            hb.name
                        ));
                        Some(run_one(&hb, Scenario::BurstsReference, &mut progress))
                    })
                    .as_ref();
                let own = if variant.name == crate::bursts::COMMON_REFERENCE {
                    hashbrown.cloned()
                } else {
                    progress(&format!(
                        "    reference: {} holding the survivors, in a fresh process",
                        variant.name
                    ));
                    Some(run_one(variant, Scenario::BurstsReference, &mut progress))
                };
                crate::bursts::finish(&mut r, own.as_ref(), hashbrown, variant.name);
            }
            r.variant = variant.name.to_string();
            r.kind = variant.kind;
            r.group = variant.group.name().to_string();
            if !variant.reports_memory {
                for stage in &mut r.stages {
                    stage.reported_bytes = None;
                }
                r.reported_peak_bytes = None;
            }
            r.note = variant.note.to_string();
            progress(&format!("    done in {:.2} s", r.seconds));
            results.push(r);
        }
    }
    results
}

// ---------------------------------------------------------------------------
// Output

fn mb(bytes: i64) -> String {
    format!("{:.2}", bytes as f64 / 1e6)
}

fn mb_opt(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "n/a".to_string(), |b| mb(b as i64))
}

fn stage<'a>(r: &'a ScenarioResult, name: &str) -> Option<&'a Stage> {
    r.stages.iter().find(|s| s.stage == name)
}

fn counted(r: &ScenarioResult, name: &str) -> String {
    stage(r, name).map_or_else(|| "-".into(), |s| mb(s.counted_bytes))
}

fn reported(r: &ScenarioResult, name: &str) -> String {
    stage(r, name).map_or_else(|| "-".into(), |s| mb_opt(s.reported_bytes))
}

fn rss(r: &ScenarioResult, name: &str) -> String {
    stage(r, name).map_or_else(|| "-".into(), |s| mb_opt(s.rss_bytes))
}

fn opt(v: Option<f64>, digits: usize, suffix: &str) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.digits$}{suffix}"))
}

/// Formats rows as a fixed-width table, or a Markdown one.
pub(crate) fn table(out: &mut String, header: &[&str], rows: &[Vec<String>], format: Format) {
    if format == Format::Markdown {
        let cells = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        out.push_str(&cells(&header));
        let rule: Vec<String> = (0..header.len())
            .map(|i| if i == 0 { ":--".into() } else { "--:".into() })
            .collect();
        out.push_str(&cells(&rule));
        for row in rows.iter().filter(|r| r.iter().any(|c| !c.is_empty())) {
            out.push_str(&cells(row));
        }
        return;
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                let _ = write!(text, "{cell:<w$}");
            } else {
                let _ = write!(text, "  {cell:>w$}");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    line(out, &header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &rule);
    for row in rows {
        line(out, row);
    }
}

/// The human-readable report as text tables (figures in MB = 10^6 bytes).
pub fn render_text(report: &Report) -> String {
    render(report, Format::Text)
}

/// The human-readable report in `format` (figures in MB = 10^6 bytes):
/// the scenario tables, the verdict table and the "best for" lines.
pub fn render(report: &Report, format: Format) -> String {
    let mut out = String::new();
    let md = format == Format::Markdown;
    let title = |out: &mut String, text: String| {
        if md {
            let _ = writeln!(out, "**{text}**\n");
        } else {
            let _ = writeln!(out, "{text}");
        }
    };
    let p = &report.plan;
    // Numbered notes, one per variant that has one; the tables' last column
    // points at them.
    let mut notes: Vec<(&str, &str)> = Vec::new();
    for r in &report.results {
        if !r.note.is_empty() && !notes.iter().any(|(v, _)| *v == r.variant) {
            notes.push((&r.variant, &r.note));
        }
    }
    let mark = |r: &ScenarioResult| -> String {
        notes
            .iter()
            .position(|(v, _)| *v == r.variant)
            .map_or_else(String::new, |i| format!("[{}]", i + 1))
    };
    let by = |scenario: Scenario| -> Vec<&ScenarioResult> {
        report
            .results
            .iter()
            .filter(|r| r.scenario == scenario.name())
            .collect()
    };
    if p.key != KeyKind::U64 || p.value_bytes.is_some() {
        title(&mut out, format!("entries: {}", p.entry_label()));
    }
    let rows = by(Scenario::DeleteAll);
    if !rows.is_empty() {
        title(&mut out, format!(
            "delete-all: fill {}, remove all (no reclaim call), reclaim(), refill. MB counted by the global allocator unless said.",
            p.entries
        ));
        let rows = group_rows(rows, &|r| {
            vec![
                r.variant.clone(),
                counted(r, "filled"),
                counted(r, "after-remove"),
                opt(r.held_after_remove_pct, 2, "%"),
                counted(r, "after-reclaim"),
                counted(r, "refilled"),
                opt(r.refill_ratio, 3, "x"),
                reported(r, "filled"),
                reported(r, "after-remove"),
                mb_opt(r.rss_start_bytes),
                rss(r, "filled"),
                rss(r, "after-remove"),
                rss(r, "after-reclaim"),
                mark(r),
            ]
        });
        table(
            &mut out,
            &[
                "variant",
                "filled",
                "removed",
                "held",
                "reclaim()",
                "refilled",
                "refill",
                "rep filled",
                "rep removed",
                "RSS start",
                "RSS filled",
                "RSS removed",
                "RSS reclaim()",
                "note",
            ],
            &rows,
            format,
        );
        out.push('\n');
    }

    let rows = by(Scenario::Spike);
    if !rows.is_empty() {
        title(&mut out, format!(
            "spike: fill {}, remove down to {}, then {} insert-new/remove-oldest. x = counted bytes over a fresh map of {}.",
            p.spike_peak,
            p.spike_keep,
            p.spike_keep * 10,
            p.spike_keep
        ));
        let rows = group_rows(rows, &|r| {
            vec![
                r.variant.clone(),
                counted(r, "fresh"),
                counted(r, "peak"),
                counted(r, "after-remove"),
                opt(r.after_remove_vs_fresh, 2, "x"),
                counted(r, "after-operate"),
                opt(r.held_vs_fresh, 2, "x"),
                reported(r, "after-operate"),
                rss(r, "peak"),
                rss(r, "after-operate"),
                mark(r),
            ]
        });
        table(
            &mut out,
            &[
                "variant",
                "fresh",
                "peak",
                "removed",
                "x fresh",
                "operated",
                "x fresh",
                "rep operated",
                "RSS peak",
                "RSS operated",
                "note",
            ],
            &rows,
            format,
        );
        out.push('\n');
    }

    let rows = by(Scenario::Churn);
    if !rows.is_empty() {
        title(&mut out, format!(
            "churn: {} live, {} insert-new/remove-oldest pairs. x = peak counted bytes over a fresh map of {}.",
            p.churn_live, p.churn_ops, p.churn_live
        ));
        let rows = group_rows(rows, &|r| {
            vec![
                r.variant.clone(),
                counted(r, "fresh"),
                counted(r, "peak"),
                opt(r.peak_vs_fresh, 2, "x"),
                counted(r, "end"),
                mb_opt(r.reported_peak_bytes),
                rss(r, "peak"),
                mark(r),
            ]
        });
        table(
            &mut out,
            &[
                "variant", "fresh", "peak", "x fresh", "end", "rep peak", "RSS peak", "note",
            ],
            &rows,
            format,
        );
        out.push('\n');
    }

    let rows = by(Scenario::DrainIdle);
    if !rows.is_empty() {
        let peaks = p.distinct_drain_idle_peaks();
        let shares: Vec<String> = p.drain_idle_permille.iter().map(|&m| permille(m)).collect();
        let fills: Vec<String> = peaks.iter().map(usize::to_string).collect();
        title(&mut out, format!(
            "drain-idle: fill {}, remove the oldest down to {} of the peak, insert nothing after ({} cases). x = counted bytes held over a fresh map of the survivors; bound {}x, goal {}x.",
            fills.join(" / "),
            shares.join(", "),
            peaks.len() * shares.len(),
            DRAIN_IDLE_BOUND,
            DRAIN_IDLE_GOAL,
        ));
        let rows = group_rows(rows, &|r| {
            let Some(d) = &r.drain_idle else {
                return vec![r.variant.clone()];
            };
            let mut row = vec![
                r.variant.clone(),
                format!("{:.2}x", d.worst_vs_fresh),
                format!("{} -> {}", d.worst_peak, d.worst_survivors),
                d.over_bound.to_string(),
                d.over_goal.to_string(),
            ];
            for &peak in &peaks {
                row.push(opt(d.worst_at(peak), 2, "x"));
            }
            row.push(mark(r));
            row
        });
        let over_bound = format!("> {DRAIN_IDLE_BOUND}x");
        let over_goal = format!("> {DRAIN_IDLE_GOAL}x");
        let mut header = vec![
            "variant".to_string(),
            "worst".into(),
            "worst case".into(),
            over_bound,
            over_goal,
        ];
        for peak in &peaks {
            header.push(format!("worst from {peak}"));
        }
        header.push("note".into());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        table(&mut out, &header, &rows, format);
        out.push('\n');
    }

    let rows = by(Scenario::Bursts);
    if !rows.is_empty() {
        render_bursts(&mut out, &rows, &mark, format);
    }

    if let Some(pauses) = &report.pauses {
        out.push_str(&crate::pauses::render(pauses, format));
    }

    render_verdicts(&mut out, report, format);

    if !notes.is_empty() {
        out.push_str(if md { "Notes:\n\n" } else { "notes:\n" });
        for (i, (variant, note)) in notes.iter().enumerate() {
            if md {
                let _ = writeln!(out, "{}. {variant}: {note}", i + 1);
            } else {
                let _ = writeln!(out, "  [{}] {variant}: {note}", i + 1);
            }
        }
        if md {
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "{}RSS: {}; allocator: {}.",
        if md { "\n" } else { "" },
        if report.isolation == "process" {
            "each scenario in a fresh process"
        } else {
            "all scenarios in one process"
        },
        report.meta.allocator
    );
    for name in &report.unavailable {
        let _ = writeln!(out, "{name}: not available in this build");
    }
    out
}

/// The rows `f` makes of `rows`: single-owner maps first, then a blank row
/// and the concurrent maps.
fn group_rows(
    rows: Vec<&ScenarioResult>,
    f: &dyn Fn(&ScenarioResult) -> Vec<String>,
) -> Vec<Vec<String>> {
    let mut single: Vec<Vec<String>> = Vec::new();
    let mut concurrent: Vec<Vec<String>> = Vec::new();
    for r in rows {
        let row = f(r);
        if r.group == Group::Concurrent.name() {
            concurrent.push(row);
        } else {
            single.push(row);
        }
    }
    if !single.is_empty() && !concurrent.is_empty() {
        let blank = vec![String::new(); single[0].len()];
        single.push(blank);
    }
    single.extend(concurrent);
    single
}

/// `permille` thousandths as a percentage: `10%`, `0.5%`.
fn permille(permille: usize) -> String {
    if permille % 10 == 0 {
        format!("{}%", permille / 10)
    } else {
        format!("{}%", permille as f64 / 10.0)
    }
}

/// The bursts section: RSS at every stage, the references and the ratios,
/// the bound and which map is lowest after the bursts.
fn render_bursts(
    out: &mut String,
    rows: &[&ScenarioResult],
    mark: &dyn Fn(&ScenarioResult) -> String,
    format: Format,
) {
    use crate::bursts;
    let md = format == Format::Markdown;
    let Some(first) = rows.iter().find_map(|r| r.bursts.as_ref()) else {
        return;
    };
    let hashbrown = rows
        .iter()
        .find_map(|r| r.bursts.as_ref()?.hashbrown_reference_rss_bytes);
    let heading = format!(
        "bursts: {} bursts of {} (u64, [u8; 32]) entries into a map made by its default constructor, each drained to 1% (every {}th key kept) then one insert; {:.1} s idle after the last. RSS in MB, each map in a fresh process. ref: a fresh process holding the {} survivors in the same map{}.",
        first.bursts,
        first.per_burst,
        bursts::KEEP_EVERY,
        first.idle_ms as f64 / 1e3,
        first.survivors,
        hashbrown.map_or_else(String::new, |h| format!(
            " (hashbrown, the common reference: {} MB)",
            mb(h as i64)
        )),
    );
    if md {
        let _ = writeln!(out, "**{heading}**\n");
    } else {
        let _ = writeln!(out, "{heading}");
    }
    let ratio = |v: Option<f64>| opt(v, 2, "x");
    let table_rows = group_rows(rows.to_vec(), &|r| {
        let Some(b) = &r.bursts else {
            return vec![r.variant.clone()];
        };
        let peak = bursts::worst_rss(r, "-peak");
        let mut row = vec![r.variant.clone(), mb_opt(peak)];
        for stage in &bursts::STAGES {
            if !stage.ends_with("-peak") {
                row.push(rss(r, stage));
            }
        }
        row.extend([
            mb_opt(b.reference_rss_bytes),
            ratio(b.worst_drained_vs_reference),
            ratio(b.idle_vs_reference),
            ratio(b.worst_drained_vs_hashbrown_reference),
            format!("{:.0}x", b.bound),
            mark(r),
        ]);
        row
    });
    table(
        out,
        &[
            "variant",
            "peak",
            "drained 1",
            "insert 1",
            "drained 2",
            "insert 2",
            "drained 3",
            "insert 3",
            "idle",
            "ref",
            "worst drained x ref",
            "idle x ref",
            "x hashbrown ref",
            "bound",
            "note",
        ],
        &table_rows,
        format,
    );
    if md {
        out.push('\n');
    }
    let on = if first.bound_on == "idle" {
        "the RSS after the idle wait (idle x ref; this allocator gives pages back late)"
    } else {
        "the worst RSS after a drain (worst drained x ref)"
    };
    let checked = if first.checked {
        format!("this run's bursts of {} are checked", first.per_burst)
    } else {
        format!(
            "this run's bursts of {} are shown, not checked: a table that small is not much beside what the process itself holds",
            first.per_burst
        )
    };
    let _ = writeln!(
        out,
        "bound: {on} at most `bound` times ref, for the workspace's variants (baselines and peers are shown, not held to it); checked at bursts of {} entries and more, where a map that keeps its tables cannot pass: {checked}.",
        first.check_min_entries
    );
    let mut best = Vec::new();
    for group in [Group::Single, Group::Concurrent] {
        let lowest = rows
            .iter()
            .filter(|r| r.group == group.name())
            .filter_map(|r| Some((r, r.bursts.as_ref()?.bound_rss_bytes()?)))
            .min_by_key(|&(_, rss)| rss);
        if let Some((r, rss)) = lowest {
            let of = if group == Group::Single {
                "single-owner maps"
            } else {
                "concurrent maps"
            };
            best.push(format!("{} ({} MB) of the {of}", r.variant, mb(rss as i64)));
        }
    }
    if !best.is_empty() {
        let _ = writeln!(out, "lowest RSS after the bursts: {}.", best.join("; "));
    }
    out.push('\n');
}

/// The verdict table (each variant against each bar) and the "best for" lines.
fn render_verdicts(out: &mut String, report: &Report, format: Format) {
    if report.verdicts.is_empty() {
        return;
    }
    let md = format == Format::Markdown;
    let bars: Vec<&verdict::Bar> = verdict::BARS
        .iter()
        .filter(|b| report.verdicts.iter().any(|v| v.bar == b.name))
        .collect();
    let heading = "verdicts: the design's bars (workspace variants must pass; baselines and peers for comparison).";
    if md {
        let _ = writeln!(out, "**{heading}**\n");
    } else {
        let _ = writeln!(out, "{heading}");
    }
    let mut header: Vec<String> = vec!["variant".into()];
    header.extend(bars.iter().map(|b| b.header()));
    let mut rows = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for v in &report.verdicts {
        if seen.contains(&v.variant.as_str()) {
            continue;
        }
        seen.push(&v.variant);
        let mut row = vec![if v.kind == crate::registry::Kind::Variant {
            v.variant.clone()
        } else {
            format!("{} ({})", v.variant, v.kind.name())
        }];
        for b in &bars {
            row.push(
                report
                    .verdicts
                    .iter()
                    .find(|x| x.variant == v.variant && x.bar == b.name)
                    .map_or_else(
                        || "-".into(),
                        |x| {
                            let verdict = match (x.checked, x.pass) {
                                (false, _) => "unchecked",
                                (true, true) => "pass",
                                (true, false) => "FAIL",
                            };
                            format!("{verdict} {}", b.show(x.value))
                        },
                    ),
            );
        }
        rows.push(row);
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    table(out, &header, &rows, format);
    out.push('\n');
    for b in &report.best_for {
        if md {
            let _ = writeln!(out, "- **{}**: {}", b.variant, b.line);
        } else {
            let _ = writeln!(out, "{}: {}", b.variant, b.line);
        }
    }
    out.push('\n');
}

/// One CSV row per variant, scenario and stage.
pub fn render_stages_csv(report: &Report) -> String {
    let mut out =
        String::from("variant,group,scenario,stage,counted_bytes,reported_bytes,rss_bytes\n");
    let cell = |v: Option<u64>| v.map_or_else(String::new, |v| v.to_string());
    for r in &report.results {
        for s in &r.stages {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{}",
                r.variant,
                r.group,
                r.scenario,
                s.stage,
                s.counted_bytes,
                cell(s.reported_bytes),
                cell(s.rss_bytes)
            );
        }
    }
    out
}

/// One CSV row per variant and scenario, with the ratios.
pub fn render_summary_csv(report: &Report) -> String {
    let mut out = String::from(
        "variant,group,scenario,entries,held_after_remove_pct,held_after_reclaim_pct,refill_ratio,after_remove_vs_fresh,held_vs_fresh,peak_vs_fresh,reported_peak_bytes,seconds,drain_idle_worst_vs_fresh,bursts_worst_drained_vs_reference,bursts_idle_vs_reference\n",
    );
    let f = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.4}"));
    for r in &report.results {
        let bursts = r.bursts.as_ref();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{:.3},{},{},{}",
            r.variant,
            r.group,
            r.scenario,
            r.entries,
            f(r.held_after_remove_pct),
            f(r.held_after_reclaim_pct),
            f(r.refill_ratio),
            f(r.after_remove_vs_fresh),
            f(r.held_vs_fresh),
            f(r.peak_vs_fresh),
            r.reported_peak_bytes
                .map_or_else(String::new, |v| v.to_string()),
            r.seconds,
            f(r.drain_idle.as_ref().map(|d| d.worst_vs_fresh)),
            f(bursts.and_then(|b| b.worst_drained_vs_reference)),
            f(bursts.and_then(|b| b.idle_vs_reference)),
        );
    }
    out
}
